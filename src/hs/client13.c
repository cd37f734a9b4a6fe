/*
 * hs/client13.c - the TLS 1.3 client: its transition table and handlers
 * (RFC 8446 §4, Appendix A.1).
 *
 * Theory of operation. The table at the end of this file is the client's
 * state machine; statemachine.c dispatches each parsed message to the row's
 * handler. Every handler first checks everything the message could get
 * wrong, then acts: it changes the transcript, keys and negotiated values
 * only once the message is known to be acceptable, and returns the next
 * state.
 *
 * The client always runs in middlebox-compatibility mode (§D.4): a 32-byte
 * legacy_session_id, and one dummy change_cipher_spec before its second
 * flight (before the second ClientHello after a HelloRetryRequest, or else
 * before the encrypted flight). It costs 38 bytes and makes TLS 1.3 pass
 * through middleboxes that only know TLS 1.2.
 *
 * The handshake write key is installed as soon as the ServerHello is
 * processed, so that an alert about any later message is encrypted
 * (Appendix A.1's note); the key exchange contexts are freed at the same
 * moment, and the handshake traffic secrets when the flight is sent.
 */
#include <string.h>

#include "core/mem.h"
#include "hs/hs.h"
#include "x509/cert.h"

static const ltls_suite_t *offered_suite(const ltls_context_t *ctx, uint16_t code)
{
    for (size_t i = 0; i < ctx->suite_count; i++)
        if (ctx->suites[i]->code == code)
            return ctx->suites[i];
    return NULL;
}

static const ltls_group_t *offered_group(const ltls_context_t *ctx, uint16_t code)
{
    for (size_t i = 0; i < ctx->group_count; i++)
        if (ctx->groups[i]->code == code)
            return ctx->groups[i];
    return NULL;
}

/* ------------------------------------------------------------------------
 * ClientHello
 * ---------------------------------------------------------------------- */

static void w_client_hello(ltls_writer_t *w, const void *m)
{
    ltls_msg_write_client_hello(w, m, 0, NULL);
}

static const uint16_t tls13_only[] = {LTLS_MSG_VERSION_TLS13};
static const uint8_t null_compression = 0;

/* Our hello with the key shares stored in hs (both hellos are built from
 * the same data: §4.1.2 allows only the HelloRetryRequest's changes). */
static ltls_err_t emit_client_hello(ltls_conn_t *c)
{
    const ltls_context_t *ctx = c->ctx;
    ltls_hs_t *hs = c->hs;
    ltls_client_hello_t ch;
    memset(&ch, 0, sizeof(ch));
    ch.legacy_version = LTLS_MSG_VERSION_TLS12; /* §4.1.2 */
    ch.random = hs->client_random;
    ch.session_id.p = hs->session_id;
    ch.session_id.len = hs->session_id_len;
    ch.cipher_suites.vals = ctx->suite_codes;
    ch.cipher_suites.count = ctx->suite_count;
    ch.compression_methods.p = &null_compression; /* §4.1.2: exactly one 0 */
    ch.compression_methods.len = 1;

    ltls_ext_set_t *e = &ch.exts;
    ltls_ext_set_init(e, LTLS_EXT_CTX_CH);
    ltls_err_t err = LTLS_OK;
    /* RFC 6066 §3: "Literal IPv4 and IPv6 addresses are not permitted in
     * "HostName"". */
    if (c->server_name && !c->server_name_is_ip) {
        e->server_name.p = (const uint8_t *)c->server_name;
        e->server_name.len = strlen(c->server_name);
        err |= ltls_ext_add(e, LTLS_EXT_SERVER_NAME);
    }
    e->supported_versions.vals = tls13_only; /* §4.2.1 */
    e->supported_versions.count = 1;
    err |= ltls_ext_add(e, LTLS_EXT_SUPPORTED_VERSIONS);
    e->supported_groups.vals = ctx->group_codes;
    e->supported_groups.count = ctx->group_count;
    err |= ltls_ext_add(e, LTLS_EXT_SUPPORTED_GROUPS);
    for (size_t i = 0; i < hs->kex_count; i++) {
        e->key_share.shares[i].group = hs->kex_group[i]->code;
        e->key_share.shares[i].key_exchange.p = hs->shares[i];
        e->key_share.shares[i].key_exchange.len = hs->kex_group[i]->client_share_size;
    }
    e->key_share.count = hs->kex_count;
    err |= ltls_ext_add(e, LTLS_EXT_KEY_SHARE);
    e->signature_algorithms.vals = ctx->sig_codes;
    e->signature_algorithms.count = ctx->sigscheme_count;
    err |= ltls_ext_add(e, LTLS_EXT_SIGNATURE_ALGORITHMS);
    /* §4.2.3: what certificates may be signed with, which includes
     * PKCS#1 v1.5; without it signature_algorithms would apply to them. */
    if (ctx->sigcert_count != ctx->sigscheme_count) {
        e->signature_algorithms_cert.vals = ctx->sigcert_codes;
        e->signature_algorithms_cert.count = ctx->sigcert_count;
        err |= ltls_ext_add(e, LTLS_EXT_SIGNATURE_ALGORITHMS_CERT);
    }
    if (ctx->alpn_count) {
        e->alpn.items = ctx->alpn;
        e->alpn.count = ctx->alpn_count;
        e->alpn.prefix = 1;
        err |= ltls_ext_add(e, LTLS_EXT_ALPN);
    }
    /* RFC 8449 §4: "Endpoints SHOULD advertise the record_size_limit
     * extension, even if they have no need to limit the size of records". */
    e->record_size_limit = ctx->record_size_limit;
    err |= ltls_ext_add(e, LTLS_EXT_RECORD_SIZE_LIMIT);
    if (hs->cookie) {
        e->cookie.p = hs->cookie;
        e->cookie.len = hs->cookie_len;
        err |= ltls_ext_add(e, LTLS_EXT_COOKIE);
    }
    if (err)
        return ltls_err_make(LTLS_R_INTERNAL);
    hs->offered = e->present;
    return ltls_conn_emit(c, w_client_hello, &ch, 1);
}

/* A fresh key pair for group, stored as our i-th share. */
static ltls_err_t new_share(ltls_conn_t *c, size_t i, const ltls_group_t *g)
{
    ltls_hs_t *hs = c->hs;
    if (g->client_share_size > LTLS_KEX_MAX_SHARE)
        return ltls_err_make(LTLS_R_INTERNAL);
    ltls_err_t err = c->p->kex_start(c->p->impl, g, &hs->kex[i], hs->shares[i]);
    if (err)
        return err;
    hs->kex_group[i] = g;
    return LTLS_OK;
}

static void free_shares(ltls_conn_t *c)
{
    ltls_hs_t *hs = c->hs;
    for (size_t i = 0; i < hs->kex_count; i++) {
        c->p->kex_free(hs->kex[i]);
        hs->kex[i] = NULL;
    }
    hs->kex_count = 0;
}

/* START -> WAIT_SH: the first flight. */
static ltls_err_t client_send_hello(ltls_conn_t *c, const ltls_hs_msg_t *m, uint8_t *next)
{
    (void)m;
    const ltls_context_t *ctx = c->ctx;
    ltls_hs_t *hs = c->hs;
    ltls_err_t err = ltls_hs_random(c, hs->client_random, sizeof(hs->client_random));
    /* §D.4: a non-empty legacy_session_id turns on compatibility mode. */
    if (!err)
        err = ltls_hs_random(c, hs->session_id, 32);
    hs->session_id_len = 32;
    for (size_t i = 0; !err && i < ctx->key_share_count; i++) {
        err = new_share(c, i, ctx->groups[i]);
        if (!err)
            hs->kex_count++;
    }
    if (!err)
        err = emit_client_hello(c);
    /* §5.1: an initial ClientHello SHOULD carry record version 0x0301. */
    if (!err)
        err = ltls_conn_flush_flight(c, 1);
    if (err)
        return err;
    *next = LTLS_HS_C_WAIT_SH;
    return LTLS_OK;
}

/* ------------------------------------------------------------------------
 * ServerHello and HelloRetryRequest
 * ---------------------------------------------------------------------- */

static int same_session_id(const ltls_hs_t *hs, const ltls_bytes_t *echo)
{
    return echo->len == hs->session_id_len && memcmp(echo->p, hs->session_id, echo->len) == 0;
}

/* WAIT_SH -> WAIT_SH2 (§4.1.4). */
static ltls_err_t client_hello_retry(ltls_conn_t *c, const ltls_hs_msg_t *m, uint8_t *next)
{
    const ltls_server_hello_t *sh = &m->u.sh;
    const ltls_context_t *ctx = c->ctx;
    ltls_hs_t *hs = c->hs;

    /* §4.1.4: the client MUST check legacy_session_id_echo, cipher_suite and
     * legacy_compression_method as in §4.1.3 (compression: the codec). */
    if (!same_session_id(hs, &sh->session_id_echo))
        return ltls_conn_fail_reason(c, LTLS_R_BAD_SESSION_ID_ECHO,
                    "the HelloRetryRequest does not echo our legacy_session_id");
    const ltls_suite_t *suite = offered_suite(ctx, sh->cipher_suite);
    if (!suite)
        return ltls_conn_fail_reason(c, LTLS_R_BAD_CIPHER_SUITE,
                    "HelloRetryRequest selected cipher suite 0x%04x that we did not offer",
                    sh->cipher_suite);
    if (sh->exts.selected_version != LTLS_MSG_VERSION_TLS13)
        return ltls_conn_fail_reason(c, LTLS_R_BAD_VERSION,
                    "HelloRetryRequest selected version 0x%04x; we offered only TLS 1.3 (0x0304)",
                    sh->exts.selected_version);
    /* §4.2: only what we offered, and the cookie, may come back. */
    ltls_err_t err = ltls_ext_check_solicited(&sh->exts, hs->offered);
    if (err)
        return ltls_conn_detail(c, err, "the HelloRetryRequest carries an extension we did not offer");
    const ltls_group_t *group = NULL;
    int has_share = ltls_ext_has(&sh->exts, LTLS_EXT_KEY_SHARE);
    if (has_share) {
        uint16_t sel = sh->exts.key_share.selected_group;
        group = offered_group(ctx, sel);
        /* §4.2.8: selected_group MUST be in our supported_groups and MUST
         * NOT be one we already sent a share for: illegal_parameter. */
        if (!group)
            return ltls_conn_fail_reason(c, LTLS_R_BAD_GROUP,
                        "HelloRetryRequest selected group 0x%04x that we did not offer", sel);
        for (size_t i = 0; i < hs->kex_count; i++)
            if (hs->kex_group[i] == group)
                return ltls_conn_fail_reason(c, LTLS_R_BAD_GROUP,
                            "HelloRetryRequest asks for a %s share, which we already sent",
                            group->name);
    }
    /* §4.1.4: "abort ... with illegal_parameter if the HelloRetryRequest
     * would not result in any change in the ClientHello". */
    if (!has_share && !ltls_ext_has(&sh->exts, LTLS_EXT_COOKIE))
        return ltls_conn_fail_reason(c, LTLS_R_HRR_NO_CHANGE,
                    "the HelloRetryRequest asks for neither a key share nor a cookie");

    /* Accepted: act. */
    c->suite = suite;
    hs->hrr_suite = suite;
    if ((err = ltls_transcript_set_hash(&hs->tr, suite->hash)) ||
        (err = ltls_transcript_hrr(&hs->tr, m->raw, m->raw_len)))
        return err;
    if (has_share) {
        free_shares(c);
        if ((err = new_share(c, 0, group)))
            return err;
        hs->kex_count = 1;
    }
    if (ltls_ext_has(&sh->exts, LTLS_EXT_COOKIE)) {
        /* §4.2.2: echoed in the new ClientHello. */
        hs->cookie = ltls_alloc(c->alloc, sh->exts.cookie.len);
        if (!hs->cookie)
            return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
        memcpy(hs->cookie, sh->exts.cookie.p, sh->exts.cookie.len);
        hs->cookie_len = sh->exts.cookie.len;
    }
    /* §D.4: the dummy change_cipher_spec goes before our second flight. */
    if ((err = ltls_conn_send_ccs(c)) || (err = emit_client_hello(c)) ||
        (err = ltls_conn_flush_flight(c, 0)))
        return err;
    *next = LTLS_HS_C_WAIT_SH2;
    return LTLS_OK;
}

/* WAIT_SH / WAIT_SH2 -> WAIT_EE (§4.1.3). */
static ltls_err_t client_server_hello(ltls_conn_t *c, const ltls_hs_msg_t *m, uint8_t *next)
{
    const ltls_server_hello_t *sh = &m->u.sh;
    const ltls_context_t *ctx = c->ctx;
    ltls_hs_t *hs = c->hs;
    ltls_msg_downgrade_t dg = ltls_msg_downgrade(sh->random);

    if (!sh->is_tls13) {
        /* §4.1.3: a TLS 1.3 client that gets a TLS 1.2-or-older hello "MUST
         * check" the sentinel and answer illegal_parameter; without one, it
         * is a server that lacks TLS 1.3, which we require. */
        if (dg != LTLS_MSG_DOWNGRADE_NONE)
            return ltls_conn_fail_reason(c, LTLS_R_DOWNGRADE_DETECTED,
                        "the server negotiated TLS version 0x%04x and its random carries the TLS 1.%d downgrade sentinel: a downgrade attack",
                        sh->legacy_version, dg == LTLS_MSG_DOWNGRADE_TLS12 ? 2 : 1);
        return ltls_conn_fail_reason(c, LTLS_R_PROTOCOL_VERSION,
                    "the server chose TLS version 0x%04x; lucidtls speaks only TLS 1.3",
                    sh->legacy_version);
    }
    /* §4.2.1: "If the "supported_versions" extension in the ServerHello
     * contains a version not offered by the client ... illegal_parameter". */
    if (sh->exts.selected_version != LTLS_MSG_VERSION_TLS13)
        return ltls_conn_fail_reason(c, LTLS_R_BAD_VERSION,
                    "ServerHello selected version 0x%04x; we offered only TLS 1.3 (0x0304)",
                    sh->exts.selected_version);
    /* A TLS 1.3 server never sets a sentinel; one here means the random was
     * tampered with or the server is confused: refuse either way. */
    if (dg != LTLS_MSG_DOWNGRADE_NONE)
        return ltls_conn_fail_reason(c, LTLS_R_DOWNGRADE_DETECTED,
                    "the ServerHello random ends with the TLS 1.%d downgrade sentinel",
                    dg == LTLS_MSG_DOWNGRADE_TLS12 ? 2 : 1);
    /* §4.1.3: legacy_session_id_echo "MUST" match, else illegal_parameter. */
    if (!same_session_id(hs, &sh->session_id_echo))
        return ltls_conn_fail_reason(c, LTLS_R_BAD_SESSION_ID_ECHO,
                    "the ServerHello does not echo our legacy_session_id");
    const ltls_suite_t *suite = offered_suite(ctx, sh->cipher_suite);
    if (!suite)
        return ltls_conn_fail_reason(c, LTLS_R_BAD_CIPHER_SUITE,
                    "ServerHello selected cipher suite 0x%04x that we did not offer",
                    sh->cipher_suite);
    /* §4.1.4: the ServerHello's suite MUST be the HelloRetryRequest's. */
    if (hs->hrr_suite && suite != hs->hrr_suite)
        return ltls_conn_fail_reason(c, LTLS_R_BAD_CIPHER_SUITE,
                    "ServerHello selected %s after the HelloRetryRequest selected %s",
                    suite->name, hs->hrr_suite->name);
    ltls_err_t err = ltls_ext_check_solicited(&sh->exts, hs->offered);
    if (err)
        return ltls_conn_detail(c, err, "the ServerHello carries an extension we did not offer");
    /* Without a PSK offered, the only mode is (EC)DHE: key_share is needed. */
    if (!ltls_ext_has(&sh->exts, LTLS_EXT_KEY_SHARE))
        return ltls_conn_fail_reason(c, LTLS_R_EXT_MISSING, "the ServerHello has no key_share");
    const ltls_key_share_t *ks = &sh->exts.key_share.server;
    size_t idx = hs->kex_count;
    for (size_t i = 0; i < hs->kex_count; i++)
        if (hs->kex_group[i]->code == ks->group)
            idx = i;
    /* §4.2.8: the server's group MUST be one we sent a share for. */
    if (idx == hs->kex_count)
        return ltls_conn_fail_reason(c, LTLS_R_BAD_GROUP,
                    "ServerHello key_share is for group 0x%04x, for which we sent no share",
                    ks->group);
    uint8_t secret[LTLS_KEX_MAX_SECRET];
    const ltls_group_t *g = hs->kex_group[idx];
    err = c->p->kex_finish(hs->kex[idx], ks->key_exchange.p, ks->key_exchange.len, secret);
    if (err) {
        ltls_wipe(secret, sizeof(secret));
        return ltls_conn_detail(c, err, "the server's %s key share is invalid: %s", g->name,
                                ltls_err_message(err));
    }

    /* Accepted: the handshake secrets. */
    c->suite = suite;
    c->group = g;
    uint8_t th[LTLS_HASH_MAX_SIZE];
    if (!hs->hrr_suite)
        err = ltls_transcript_set_hash(&hs->tr, suite->hash);
    if (!err)
        err = ltls_transcript_add(&hs->tr, m->raw, m->raw_len);
    if (!err)
        err = ltls_keysched_init(&hs->ks, c->p, suite->hash);
    if (!err)
        err = ltls_keysched_early(&hs->ks, NULL, 0);
    if (!err)
        err = ltls_keysched_handshake(&hs->ks, secret, g->secret_size);
    ltls_wipe(secret, sizeof(secret));
    if (!err)
        err = ltls_transcript_current(&hs->tr, th);
    if (!err)
        err = ltls_keysched_handshake_traffic(&hs->ks, th, hs->c_hs, hs->s_hs);
    if (err)
        return err;
    ltls_conn_keylog(c, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", hs->c_hs);
    ltls_conn_keylog(c, "SERVER_HANDSHAKE_TRAFFIC_SECRET", hs->s_hs);
    free_shares(c);
    if ((err = ltls_conn_set_read_key(c, hs->s_hs)) || (err = ltls_conn_set_write_key(c, hs->c_hs)))
        return err;
    *next = LTLS_HS_C_WAIT_EE;
    return LTLS_OK;
}

/* ------------------------------------------------------------------------
 * The server's encrypted flight
 * ---------------------------------------------------------------------- */

/* WAIT_EE -> WAIT_CERT_CR (§4.3.1). */
static ltls_err_t client_encrypted_extensions(ltls_conn_t *c, const ltls_hs_msg_t *m,
                                              uint8_t *next)
{
    const ltls_ext_set_t *e = &m->u.ee.exts;
    const ltls_context_t *ctx = c->ctx;
    ltls_hs_t *hs = c->hs;
    /* §4.2: an extension we did not offer: unsupported_extension. */
    ltls_err_t err = ltls_ext_check_solicited(e, hs->offered);
    if (err)
        return ltls_conn_detail(c, err, "EncryptedExtensions carries an extension we did not offer");
    const ltls_bytes_t *alpn = NULL;
    if (ltls_ext_has(e, LTLS_EXT_ALPN)) {
        ltls_iter_t it = {0, 0};
        ltls_bytes_t name = {NULL, 0};
        ltls_blob_list_next(&e->alpn, &it, &name);
        for (size_t i = 0; i < ctx->alpn_count; i++)
            if (ctx->alpn[i].len == name.len && memcmp(ctx->alpn[i].p, name.p, name.len) == 0)
                alpn = &ctx->alpn[i];
        /* RFC 7301 §3.2 leaves the client's check implicit; a protocol we
         * did not offer is an illegal parameter. */
        if (!alpn)
            return ltls_conn_fail_reason(c, LTLS_R_BAD_ALPN,
                        "the server selected ALPN protocol \"%.*s\", which we did not offer",
                        (int)(name.len > 64 ? 64 : name.len), (const char *)name.p);
    }
    if ((err = ltls_transcript_add(&hs->tr, m->raw, m->raw_len)))
        return err;
    c->alpn = alpn;
    if (ltls_ext_has(e, LTLS_EXT_RECORD_SIZE_LIMIT)) {
        /* RFC 8449 §4: negotiated; each side limits what it sends to the
         * other's value from here on. */
        ltls_conn_peer_size_limit(c, e->record_size_limit);
        (void)ltls_record_dir_set_size_limit(&c->rd, ctx->record_size_limit);
    }
    *next = LTLS_HS_C_WAIT_CERT_CR;
    return LTLS_OK;
}

/* WAIT_CERT_CR -> WAIT_CERT (§4.3.2). */
static ltls_err_t client_certificate_request(ltls_conn_t *c, const ltls_hs_msg_t *m,
                                             uint8_t *next)
{
    const ltls_certificate_request_t *cr = &m->u.cr;
    const ltls_context_t *ctx = c->ctx;
    ltls_hs_t *hs = c->hs;
    /* §4.3.2: "certificate_request_context ... SHALL be zero length unless
     * used for the post-handshake authentication exchanges". */
    if (cr->context.len != 0)
        return ltls_conn_fail_reason(c, LTLS_R_BAD_CERT_CONTEXT,
                    "the server's in-handshake CertificateRequest has a non-empty context");
    /* The scheme: the server's preference among what our key can do. */
    const ltls_hs_chain_t *chain = ctx->chain_count ? &ctx->chains[0] : NULL;
    const ltls_sigscheme_t *scheme = NULL;
    size_t i = 0;
    uint16_t code;
    while (chain && !scheme && ltls_u16_list_next(&cr->exts.signature_algorithms, &i, &code))
        for (size_t j = 0; j < chain->scheme_count; j++)
            if (chain->schemes[j]->code == code)
                scheme = chain->schemes[j];
    ltls_err_t err = ltls_transcript_add(&hs->tr, m->raw, m->raw_len);
    if (err)
        return err;
    hs->cert_requested = 1;
    hs->cr_context_len = 0;
    hs->my_chain = scheme ? chain : NULL;
    hs->my_scheme = scheme;
    *next = LTLS_HS_C_WAIT_CERT;
    return LTLS_OK;
}

/* WAIT_CERT_CR / WAIT_CERT -> WAIT_CV (§4.4.2). */
static ltls_err_t client_certificate(ltls_conn_t *c, const ltls_hs_msg_t *m, uint8_t *next)
{
    const ltls_certificate_t *cert = &m->u.cert;
    /* §4.4.2: for server authentication the context "SHALL be zero length". */
    if (cert->context.len != 0)
        return ltls_conn_fail_reason(c, LTLS_R_BAD_CERT_CONTEXT,
                    "the server's Certificate has a non-empty certificate_request_context");
    /* §4.4.2.4: "If the server supplies an empty Certificate message, the
     * client MUST abort the handshake with a decode_error alert." */
    if (cert->count == 0)
        return ltls_conn_fail_reason(c, LTLS_R_EMPTY_CERTIFICATE, "the server sent an empty Certificate");
    const char *host = (c->ctx->insecure & LTLS_INSECURE_NO_HOSTNAME_CHECK) ? NULL : c->server_name;
    ltls_err_t err = ltls_hs_peer_certificate(c, cert, c->hs->offered, host,
                                              LTLS_PURPOSE_SERVER_AUTH);
    if (!err)
        err = ltls_transcript_add(&c->hs->tr, m->raw, m->raw_len);
    if (err)
        return err;
    *next = LTLS_HS_C_WAIT_CV;
    return LTLS_OK;
}

/* WAIT_CV -> WAIT_FINISHED (§4.4.3). */
static ltls_err_t client_certificate_verify(ltls_conn_t *c, const ltls_hs_msg_t *m,
                                            uint8_t *next)
{
    ltls_err_t err = ltls_hs_peer_certificate_verify(c, m, c->ctx->sig_codes,
                                                     c->ctx->sigscheme_count, 1);
    if (err)
        return err;
    *next = LTLS_HS_C_WAIT_FINISHED;
    return LTLS_OK;
}

/* WAIT_FINISHED -> CONNECTED (§4.4.4), sending our second flight. */
static ltls_err_t client_finished(ltls_conn_t *c, const ltls_hs_msg_t *m, uint8_t *next)
{
    ltls_hs_t *hs = c->hs;
    ltls_err_t err = ltls_hs_check_finished(c, m, hs->s_hs);
    if (err)
        return err;
    ltls_wipe(hs->s_hs, sizeof(hs->s_hs)); /* checked: no longer needed */
    uint8_t c_app[LTLS_HASH_MAX_SIZE], s_app[LTLS_HASH_MAX_SIZE];
    size_t hl = c->suite->hash->digest_size;
    if ((err = ltls_hs_derive_app_secrets(c, c_app, s_app)))
        goto out;
    memcpy(c->rd_secret, s_app, hl);
    memcpy(c->wr_secret, c_app, hl);
    if ((err = ltls_conn_set_read_key(c, s_app)))
        goto out;
    /* §D.4: the dummy change_cipher_spec precedes the encrypted flight
     * unless it preceded a second ClientHello. */
    if ((err = ltls_conn_send_ccs(c)))
        goto out;
    if (hs->cert_requested &&
        (err = ltls_hs_send_certificate(c, hs->cr_context, hs->cr_context_len, hs->my_chain,
                                        hs->my_scheme, 0)))
        goto out;
    if ((err = ltls_hs_send_finished(c, hs->c_hs)) || (err = ltls_conn_flush_flight(c, 0)) ||
        (err = ltls_conn_set_write_key(c, c_app)))
        goto out;
    err = ltls_conn_handshake_complete(c);
    if (!err)
        *next = LTLS_HS_C_CONNECTED;
out:
    ltls_wipe(c_app, sizeof(c_app));
    ltls_wipe(s_app, sizeof(s_app));
    return err;
}

/* CONNECTED: NewSessionTicket (§4.6.1). Resumption is not implemented yet,
 * so a ticket (already validated by the codec) is simply not stored. */
static ltls_err_t client_new_session_ticket(ltls_conn_t *c, const ltls_hs_msg_t *m,
                                            uint8_t *next)
{
    (void)m;
    *next = c->state;
    return LTLS_OK;
}

/* ------------------------------------------------------------------------
 * The table (Appendix A.1). A post-handshake CertificateRequest has no row:
 * we never offer post_handshake_auth, so §4.6.2 makes it unexpected.
 * ---------------------------------------------------------------------- */

#define ROW(s, k, h, ...)                                                                   \
    {LTLS_HS_C_##s, k, h, #h, {__VA_ARGS__},                                                \
     (uint8_t)(sizeof((uint8_t[]){__VA_ARGS__}) / sizeof(uint8_t))}

static const ltls_hs_row_t client_rows[] = {
    ROW(START, LTLS_HS_KIND_START, client_send_hello, LTLS_HS_C_WAIT_SH),
    ROW(WAIT_SH, LTLS_MSG_SERVER_HELLO, client_server_hello, LTLS_HS_C_WAIT_EE),
    ROW(WAIT_SH, LTLS_HS_KIND_HRR, client_hello_retry, LTLS_HS_C_WAIT_SH2),
    ROW(WAIT_SH2, LTLS_MSG_SERVER_HELLO, client_server_hello, LTLS_HS_C_WAIT_EE),
    ROW(WAIT_EE, LTLS_MSG_ENCRYPTED_EXTENSIONS, client_encrypted_extensions, LTLS_HS_C_WAIT_CERT_CR),
    ROW(WAIT_CERT_CR, LTLS_MSG_CERTIFICATE, client_certificate, LTLS_HS_C_WAIT_CV),
    ROW(WAIT_CERT_CR, LTLS_MSG_CERTIFICATE_REQUEST, client_certificate_request, LTLS_HS_C_WAIT_CERT),
    ROW(WAIT_CERT, LTLS_MSG_CERTIFICATE, client_certificate, LTLS_HS_C_WAIT_CV),
    ROW(WAIT_CV, LTLS_MSG_CERTIFICATE_VERIFY, client_certificate_verify, LTLS_HS_C_WAIT_FINISHED),
    ROW(WAIT_FINISHED, LTLS_MSG_FINISHED, client_finished, LTLS_HS_C_CONNECTED),
    ROW(CONNECTED, LTLS_MSG_NEW_SESSION_TICKET, client_new_session_ticket, LTLS_HS_C_CONNECTED),
    ROW(CONNECTED, LTLS_MSG_KEY_UPDATE, ltls_hs_key_update, LTLS_HS_C_CONNECTED),
};

const ltls_hs_table_t ltls_hs_client_table = {
    "client", LTLS_HS_C_START, client_rows, sizeof(client_rows) / sizeof(client_rows[0]),
};
