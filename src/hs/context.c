/*
 * hs/context.c - client and server contexts: ltls_config_t validated and
 * frozen.
 *
 * Theory of operation. A context is built once from a configuration and is
 * immutable afterwards, so any number of threads may create connections
 * from it at the same time; only the reference count changes, atomically.
 * Everything the handshake will need is resolved here rather than per
 * connection: algorithm descriptors are checked against the provider, the
 * wire lists (cipher suites, groups, signature schemes, ALPN) are laid out
 * once, and every signing chain is parsed into our own certificates with the
 * schemes its key can sign with. A chain's key is proven to belong to its
 * leaf by signing a probe and verifying it with the leaf's public key, which
 * works the same for keys the provider keeps outside process memory.
 *
 * Nothing in the configuration is kept by reference except the provider,
 * the allocator, the signing keys (ltls_key_t has no reference count; tls.h
 * says they must outlive the context) and the callbacks' user pointers.
 */
#include <stdatomic.h>
#include <string.h>

#include "core/mem.h"
#include "crypto/keyfile/keyfile.h"
#include "hs/hs.h"
#include "lucidtls/insecure.h"
#include "x509/cert.h"

static ltls_err_t bad(void) { return ltls_err_make(LTLS_R_BAD_ARGUMENT); }

/* ------------------------------------------------------------------------
 * Defaults
 * ---------------------------------------------------------------------- */

/* tls.h: "x25519, secp256r1, secp384r1". x448 and P-521 cost more and add
 * nothing for most peers; they are available by configuration. */
static const ltls_group_t *const default_groups[] = {&ltls_group_x25519, &ltls_group_secp256r1,
                                                     &ltls_group_secp384r1};

/* The provider's order of preference, without AES-128-CCM, which RFC 8446
 * §9.1 does not require and which exists for constrained devices. */
static int default_suite(const ltls_suite_t *s) { return s->aead->id != LTLS_AEAD_AES128CCM; }

/* ------------------------------------------------------------------------
 * Lists
 * ---------------------------------------------------------------------- */

static ltls_err_t set_suites(ltls_context_t *ctx, const ltls_config_t *cfg)
{
    const ltls_provider_t *p = cfg->provider;
    if (cfg->suites) {
        if (cfg->suite_count == 0 || cfg->suite_count > LTLS_HS_MAX_SUITES)
            return bad();
        for (size_t i = 0; i < cfg->suite_count; i++) {
            const ltls_suite_t *s = cfg->suites[i];
            if (!s || !ltls_provider_has_suite(p, s))
                return bad();
            for (size_t j = 0; j < ctx->suite_count; j++)
                if (ctx->suites[j]->code == s->code)
                    return bad();
            ctx->suites[ctx->suite_count++] = s;
        }
    } else {
        if (cfg->suite_count)
            return bad();
        for (size_t i = 0; p->suites && p->suites[i] && ctx->suite_count < LTLS_HS_MAX_SUITES; i++)
            if (default_suite(p->suites[i]))
                ctx->suites[ctx->suite_count++] = p->suites[i];
    }
    if (ctx->suite_count == 0)
        return bad();
    for (size_t i = 0; i < ctx->suite_count; i++)
        ctx->suite_codes[i] = ctx->suites[i]->code;
    return LTLS_OK;
}

static ltls_err_t set_groups(ltls_context_t *ctx, const ltls_config_t *cfg)
{
    const ltls_provider_t *p = cfg->provider;
    if (cfg->groups) {
        if (cfg->group_count == 0 || cfg->group_count > LTLS_HS_MAX_GROUPS)
            return bad();
        for (size_t i = 0; i < cfg->group_count; i++) {
            const ltls_group_t *g = cfg->groups[i];
            if (!g || !ltls_provider_has_group(p, g))
                return bad();
            for (size_t j = 0; j < ctx->group_count; j++)
                if (ctx->groups[j]->code == g->code)
                    return bad();
            ctx->groups[ctx->group_count++] = g;
        }
    } else {
        if (cfg->group_count)
            return bad();
        for (size_t i = 0; i < sizeof(default_groups) / sizeof(default_groups[0]); i++)
            if (ltls_provider_has_group(p, default_groups[i]))
                ctx->groups[ctx->group_count++] = default_groups[i];
    }
    if (ctx->group_count == 0)
        return bad();
    for (size_t i = 0; i < ctx->group_count; i++)
        ctx->group_codes[i] = ctx->groups[i]->code;

    ctx->key_share_count = cfg->key_share_count ? cfg->key_share_count : 1;
    if (!ctx->is_server && ctx->key_share_count > ctx->group_count)
        return bad();
    return LTLS_OK;
}

static ltls_err_t add_scheme(ltls_context_t *ctx, const ltls_sigscheme_t *s)
{
    for (size_t j = 0; j < ctx->sigcert_count; j++)
        if (ctx->sigcert_codes[j] == s->code)
            return bad();
    if (ctx->sigcert_count >= LTLS_HS_MAX_SIGSCHEMES)
        return bad();
    ctx->sigcert_codes[ctx->sigcert_count++] = s->code;
    /* RFC 8446 §4.4.3: RSASSA-PKCS1-v1_5 "MUST NOT be used" in a TLS 1.3
     * CertificateVerify; it stays in signature_algorithms_cert, where it
     * describes certificate signatures (§4.2.3). */
    if (s->tls13_handshake) {
        ctx->sigschemes[ctx->sigscheme_count] = s;
        ctx->sig_codes[ctx->sigscheme_count++] = s->code;
    }
    return LTLS_OK;
}

static ltls_err_t set_sigschemes(ltls_context_t *ctx, const ltls_config_t *cfg)
{
    const ltls_provider_t *p = cfg->provider;
    ltls_err_t err;
    if (cfg->sigschemes) {
        if (cfg->sigscheme_count == 0 || cfg->sigscheme_count > LTLS_HS_MAX_SIGSCHEMES)
            return bad();
        for (size_t i = 0; i < cfg->sigscheme_count; i++) {
            const ltls_sigscheme_t *s = cfg->sigschemes[i];
            if (!s || !ltls_provider_has_sigscheme(p, s))
                return bad();
            if ((err = add_scheme(ctx, s)))
                return err;
        }
    } else {
        if (cfg->sigscheme_count)
            return bad();
        for (size_t i = 0; p->sigschemes && p->sigschemes[i]; i++)
            if ((err = add_scheme(ctx, p->sigschemes[i])))
                return err;
    }
    return ctx->sigscheme_count ? LTLS_OK : bad();
}

static ltls_err_t set_alpn(ltls_context_t *ctx, const ltls_config_t *cfg)
{
    if (!cfg->alpn) {
        return cfg->alpn_count ? bad() : LTLS_OK;
    }
    if (cfg->alpn_count == 0 || cfg->alpn_count > LTLS_HS_MAX_ALPN)
        return bad();
    size_t total = 0;
    for (size_t i = 0; i < cfg->alpn_count; i++) {
        if (!cfg->alpn[i])
            return ltls_err_make(LTLS_R_NULL_ARGUMENT);
        size_t n = strlen(cfg->alpn[i]);
        /* RFC 7301 §3.1: ProtocolName <1..2^8-1>; empty names MUST NOT be
         * included. */
        if (n == 0 || n > 255)
            return bad();
        total += n;
    }
    ctx->alpn_buf = ltls_alloc(ctx->alloc, total);
    if (!ctx->alpn_buf)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    ctx->alpn_buf_len = total;
    size_t off = 0;
    for (size_t i = 0; i < cfg->alpn_count; i++) {
        size_t n = strlen(cfg->alpn[i]);
        memcpy(ctx->alpn_buf + off, cfg->alpn[i], n);
        for (size_t j = 0; j < i; j++)
            if (ctx->alpn[j].len == n && memcmp(ctx->alpn[j].p, ctx->alpn_buf + off, n) == 0)
                return bad();
        ctx->alpn[i].p = ctx->alpn_buf + off;
        ctx->alpn[i].len = n;
        off += n;
    }
    ctx->alpn_count = cfg->alpn_count;
    return LTLS_OK;
}

/* ------------------------------------------------------------------------
 * Signing chains
 * ---------------------------------------------------------------------- */

static int scheme_fits(const ltls_sigscheme_t *s, ltls_key_type_t type, uint16_t curve)
{
    return s->key_type == type && (type != LTLS_KEY_EC || s->curve == curve);
}

/* Signs a probe with the chain's key and verifies it with the leaf's public
 * key: the key "matches its certificate" exactly when this succeeds. */
static ltls_err_t check_key_matches(const ltls_context_t *ctx, ltls_hs_chain_t *ch)
{
    const ltls_provider_t *p = ctx->p;
    const ltls_pubkey_info_t *info = ltls_cert_pubkey_info(ch->certs[0]);
    if (!info || info->type != ch->key_type ||
        (info->type == LTLS_KEY_EC && info->curve != ch->curve))
        return ltls_err_make(LTLS_R_KEY_TYPE_MISMATCH);
    static const uint8_t probe[] = "lucidtls: does this key belong to this certificate?";
    uint8_t sig[LTLS_SIG_MAX_SIZE];
    size_t sig_len = sizeof(sig);
    const ltls_sigscheme_t *s = ch->schemes[0];
    ltls_err_t err = p->sign(ch->handle, s, probe, sizeof(probe), sig, &sig_len);
    if (err)
        return err;
    ltls_pubkey_t *pk = NULL;
    err = p->pubkey_new(p->impl, info, &pk);
    if (!err) {
        err = p->verify(pk, s, probe, sizeof(probe), sig, sig_len);
        p->pubkey_free(pk);
    }
    if (err)
        return ltls_err_make(LTLS_R_KEY_TYPE_MISMATCH);
    return LTLS_OK;
}

static ltls_err_t add_chain(ltls_context_t *ctx, const ltls_signing_chain_t *in)
{
    if (!in->certs || !in->key)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if (in->cert_count == 0 || in->cert_count > LTLS_X509_MAX_CHAIN)
        return bad();
    /* The key must live in the provider that will sign with it. */
    if (ltls_key_provider(in->key) != ctx->p)
        return bad();

    ltls_hs_chain_t *ch = &ctx->chains[ctx->chain_count];
    memset(ch, 0, sizeof(*ch));
    ch->certs = ltls_alloc(ctx->alloc, in->cert_count * sizeof(*ch->certs));
    ch->entries = ltls_alloc(ctx->alloc, in->cert_count * sizeof(*ch->entries));
    ch->cap = in->cert_count;
    ctx->chain_count++; /* from here on the context's free releases it */
    if (!ch->certs || !ch->entries)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    for (size_t i = 0; i < in->cert_count; i++) {
        if (!in->certs[i])
            return ltls_err_make(LTLS_R_NULL_ARGUMENT);
        size_t len;
        const uint8_t *der = ltls_cert_der(in->certs[i], &len);
        ltls_err_t err = ltls_cert_parse(der, len, ctx->alloc, &ch->certs[i]);
        if (err)
            return err;
        ch->count++;
        ch->entries[i].data.p = ltls_cert_der(ch->certs[i], &ch->entries[i].data.len);
    }
    ch->key = in->key;
    ch->handle = ltls_key_handle(in->key);
    ch->key_type = ltls_key_type(in->key);
    ch->curve = ltls_key_curve(in->key);
    for (size_t i = 0; i < ctx->sigscheme_count; i++)
        if (scheme_fits(ctx->sigschemes[i], ch->key_type, ch->curve))
            ch->schemes[ch->scheme_count++] = ctx->sigschemes[i];
    /* A chain no configured scheme can sign with could never be used. */
    if (ch->scheme_count == 0)
        return bad();
    ltls_err_t err = check_key_matches(ctx, ch);
    return err ? bad() : LTLS_OK;
}

/* ------------------------------------------------------------------------
 * Contexts
 * ---------------------------------------------------------------------- */

static void context_free(ltls_context_t *ctx)
{
    for (size_t i = 0; i < ctx->chain_count; i++) {
        ltls_hs_chain_t *ch = &ctx->chains[i];
        for (size_t j = 0; j < ch->count; j++)
            ltls_cert_free(ch->certs[j]);
        ltls_free(ctx->alloc, ch->certs, ch->cap * sizeof(*ch->certs));
        ltls_free(ctx->alloc, ch->entries, ch->cap * sizeof(*ch->entries));
    }
    ltls_free(ctx->alloc, ctx->alpn_buf, ctx->alpn_buf_len);
    ltls_trust_store_unref(ctx->trust);
    /* The allocator lives inside the block being freed. */
    ltls_allocator_t copy = ctx->alloc_copy;
    int custom = ctx->alloc != NULL;
    ltls_free(custom ? &copy : NULL, ctx, sizeof(*ctx));
}

static ltls_err_t context_new(const ltls_config_t *cfg, int server, unsigned insecure,
                              ltls_context_t **out)
{
    if (!out)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    *out = NULL;
    if (!cfg || !cfg->provider)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if ((cfg->alloc && (!cfg->alloc->alloc || !cfg->alloc->free)) ||
        (cfg->chain_count && !cfg->chains))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);

    /* TLS 1.3 only for now: a range that excludes it is unusable, and one
     * that includes TLS 1.2 simply gets TLS 1.3 (TLS 1.2 arrives later). */
    uint16_t minv = cfg->min_version ? cfg->min_version : LTLS_TLS1_3;
    uint16_t maxv = cfg->max_version ? cfg->max_version : LTLS_TLS1_3;
    if ((minv != LTLS_TLS1_2 && minv != LTLS_TLS1_3) || maxv != LTLS_TLS1_3)
        return bad();
    if (cfg->record_size_limit &&
        (cfg->record_size_limit < LTLS_RECORD_SIZE_LIMIT_MIN ||
         cfg->record_size_limit > LTLS_RECORD_MAX_PLAINTEXT + 1))
        return bad();
    if (server) {
        if (cfg->chain_count == 0 || cfg->chain_count > LTLS_HS_MAX_CHAINS)
            return bad();
        if (cfg->client_auth != LTLS_CLIENT_AUTH_NONE && cfg->client_auth != LTLS_CLIENT_AUTH_OPTIONAL &&
            cfg->client_auth != LTLS_CLIENT_AUTH_REQUIRED)
            return bad();
        if (cfg->client_auth != LTLS_CLIENT_AUTH_NONE && !cfg->trust)
            return bad();
    } else {
        if (cfg->chain_count > 1 || cfg->client_auth != LTLS_CLIENT_AUTH_NONE)
            return bad();
        /* A client that trusts nothing cannot authenticate anyone: only the
         * insecure API may build one. */
        if (!cfg->trust && !(insecure & LTLS_INSECURE_NO_VERIFY))
            return bad();
    }

    ltls_context_t *ctx = ltls_alloc(cfg->alloc, sizeof(*ctx));
    if (!ctx)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    if (cfg->alloc) {
        ctx->alloc_copy = *cfg->alloc;
        ctx->alloc = &ctx->alloc_copy;
    }
    atomic_init(&ctx->refs, 1);
    ctx->is_server = server ? 1 : 0;
    ctx->insecure = insecure;
    ctx->p = cfg->provider;
    ctx->client_auth = server ? cfg->client_auth : LTLS_CLIENT_AUTH_NONE;
    ctx->clock = cfg->clock ? cfg->clock : ltls_clock_system;
    ctx->clock_user = cfg->clock ? cfg->clock_user : NULL;
    ctx->keylog = cfg->keylog;
    ctx->keylog_user = cfg->keylog_user;
    ctx->record_size_limit = cfg->record_size_limit ? cfg->record_size_limit
                                                    : (uint16_t)(LTLS_RECORD_MAX_PLAINTEXT + 1);

    ltls_err_t err;
    if ((err = set_suites(ctx, cfg)) || (err = set_groups(ctx, cfg)) ||
        (err = set_sigschemes(ctx, cfg)) || (err = set_alpn(ctx, cfg)))
        goto fail;
    if (cfg->trust)
        ctx->trust = ltls_trust_store_ref(cfg->trust);
    for (size_t i = 0; i < cfg->chain_count; i++)
        if ((err = add_chain(ctx, &cfg->chains[i])))
            goto fail;
    if (server &&
        (err = ctx->p->random(ctx->p->impl, ctx->cookie_key, sizeof(ctx->cookie_key))))
        goto fail;
    *out = ctx;
    return LTLS_OK;
fail:
    context_free(ctx);
    return err;
}

ltls_err_t ltls_client_context_new(const ltls_config_t *config, ltls_context_t **out)
{
    return context_new(config, 0, 0, out);
}

ltls_err_t ltls_server_context_new(const ltls_config_t *config, ltls_context_t **out)
{
    return context_new(config, 1, 0, out);
}

ltls_err_t ltls_insecure_client_context_new(const ltls_config_t *config, unsigned flags,
                                            ltls_context_t **out)
{
    if (out)
        *out = NULL;
    if (flags == 0 || (flags & ~(LTLS_INSECURE_NO_VERIFY | LTLS_INSECURE_NO_HOSTNAME_CHECK)))
        return bad();
    if (flags & LTLS_INSECURE_NO_VERIFY)
        flags |= LTLS_INSECURE_NO_HOSTNAME_CHECK;
    /* Without NO_VERIFY the chain is still validated, against real anchors. */
    if (!(flags & LTLS_INSECURE_NO_VERIFY) && config && !config->trust)
        return bad();
    return context_new(config, 0, flags, out);
}

ltls_context_t *ltls_context_ref(ltls_context_t *ctx)
{
    if (ctx)
        atomic_fetch_add_explicit(&ctx->refs, 1, memory_order_relaxed);
    return ctx;
}

void ltls_context_unref(ltls_context_t *ctx)
{
    if (!ctx)
        return;
    /* acq_rel: the thread that frees must see every other thread's last
     * use of the context. */
    if (atomic_fetch_sub_explicit(&ctx->refs, 1, memory_order_acq_rel) == 1)
        context_free(ctx);
}
