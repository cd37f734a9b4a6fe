/*
 * hs/keysched.c - the TLS 1.3 key schedule (RFC 8446 §7).
 *
 * Theory of operation. Everything reduces to two provider calls,
 * HKDF-Extract and HKDF-Expand, plus HMAC for Finished and binders. The one
 * piece of encoding, HkdfLabel, is built with the core writer into a stack
 * buffer sized for its maximum (2 + 1 + 255 + 1 + 255 bytes).
 *
 * The staged object keeps a single secret buffer: the Early, Handshake and
 * Master Secrets replace one another in it, so a secret lives exactly as long
 * as the stage that can still derive from it, and advancing a stage is what
 * destroys the previous secret. Each derivation checks the stage first, so
 * that a caller cannot, for example, derive handshake traffic secrets from an
 * Early Secret by calling things in the wrong order.
 *
 * Derive-Secret(..., "") needs Hash(""); it comes from a constant table, so
 * the schedule never needs a hash context and never allocates. Only the
 * exporter hashes caller data (its context value), through the provider.
 *
 * Every temporary that held key material is wiped before return, on success
 * and on failure alike; outputs are wiped when the derivation fails so that a
 * caller never holds half a secret.
 */
#include "hs/keysched.h"

#include <string.h>

#include "core/mem.h"
#include "core/writer.h"

#define ERR(r) ltls_err_make(LTLS_R_##r)

/* Hash of the empty string, for Derive-Secret(..., "") and the exporter's
 * empty context. */
static const uint8_t empty_sha256[32] = {
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};
static const uint8_t empty_sha384[48] = {
    0x38, 0xb0, 0x60, 0xa7, 0x51, 0xac, 0x96, 0x38, 0x4c, 0xd9, 0x32, 0x7e, 0xb1, 0xb1, 0xe3, 0x6a,
    0x21, 0xfd, 0xb7, 0x11, 0x14, 0xbe, 0x07, 0x43, 0x4c, 0x0c, 0xc7, 0xbf, 0x63, 0xf6, 0xe1, 0xda,
    0x27, 0x4e, 0xde, 0xbf, 0xe7, 0x6f, 0x65, 0xfb, 0xd5, 0x1a, 0xd2, 0xf1, 0x48, 0x98, 0xb9, 0x5b};
static const uint8_t empty_sha512[64] = {
    0xcf, 0x83, 0xe1, 0x35, 0x7e, 0xef, 0xb8, 0xbd, 0xf1, 0x54, 0x28, 0x50, 0xd6, 0x6d, 0x80, 0x07,
    0xd6, 0x20, 0xe4, 0x05, 0x0b, 0x57, 0x15, 0xdc, 0x83, 0xf4, 0xa9, 0x21, 0xd3, 0x6c, 0xe9, 0xce,
    0x47, 0xd0, 0xd1, 0x3c, 0x5d, 0x85, 0xf2, 0xb0, 0xff, 0x83, 0x18, 0xd2, 0x87, 0x7e, 0xec, 0x2f,
    0x63, 0xb9, 0x31, 0xbd, 0x47, 0x41, 0x7a, 0x81, 0xa5, 0x38, 0x32, 0x7a, 0xf9, 0x27, 0xda, 0x3e};

/* The all-zero value §7.1 uses for a missing input (salt, PSK, DHE). */
static const uint8_t zeros[LTLS_HASH_MAX_SIZE];

const uint8_t *ltls_keysched_empty_hash(const ltls_hash_alg_t *h)
{
    if (!h)
        return NULL;
    /* Match on id and size together: a descriptor that claims SHA-256's id
     * with another size must not get SHA-256's constant. */
    if (h->id == 4 && h->digest_size == sizeof empty_sha256)
        return empty_sha256;
    if (h->id == 5 && h->digest_size == sizeof empty_sha384)
        return empty_sha384;
    if (h->id == 6 && h->digest_size == sizeof empty_sha512)
        return empty_sha512;
    return NULL;
}

static int hash_ok(const ltls_hash_alg_t *h)
{
    return h && h->digest_size > 0 && h->digest_size <= LTLS_HASH_MAX_SIZE;
}

/* HKDF-Expand-Label with a label given by pointer and length, so that the
 * exporter can pass application labels that are not C strings. */
static ltls_err_t expand_label(const ltls_provider_t *p, const ltls_hash_alg_t *h,
                               const uint8_t *secret, const uint8_t *label, size_t label_len,
                               const uint8_t *context, size_t context_len, uint8_t *out,
                               size_t out_len)
{
    static const uint8_t prefix[6] = {'t', 'l', 's', '1', '3', ' '};
    uint8_t info[2 + 1 + 6 + LTLS_HKDF_LABEL_MAX + 1 + LTLS_HKDF_CONTEXT_MAX];

    if (!p || !secret || !label || !out || (!context && context_len))
        return ERR(NULL_ARGUMENT);
    if (!hash_ok(h))
        return ERR(BAD_ARGUMENT);
    /* HkdfLabel.length is a uint16 and HKDF-Expand stops at 255 blocks. */
    if (out_len == 0 || out_len > 0xffff || out_len > 255 * h->digest_size)
        return ERR(BAD_ARGUMENT);
    if (label_len > LTLS_HKDF_LABEL_MAX || context_len > LTLS_HKDF_CONTEXT_MAX)
        return ERR(BAD_ARGUMENT);

    ltls_writer_t w;
    ltls_writer_init(&w, info, sizeof info);
    ltls_writer_u16(&w, (uint16_t)out_len);
    ltls_writer_vec_t v = ltls_writer_vec_open(&w, 1);
    ltls_writer_bytes(&w, prefix, sizeof prefix);
    ltls_writer_bytes(&w, label, label_len);
    ltls_writer_vec_close(&w, v);
    v = ltls_writer_vec_open(&w, 1);
    ltls_writer_bytes(&w, context, context_len);
    ltls_writer_vec_close(&w, v);
    size_t info_len;
    ltls_err_t err = ltls_writer_finish(&w, &info_len);
    if (err)
        return ERR(INTERNAL); /* the buffer is sized for the maxima checked above */

    err = p->hkdf_expand(p->impl, h, secret, h->digest_size, info, info_len, out, out_len);
    if (err)
        ltls_wipe(out, out_len);
    return err;
}

ltls_err_t ltls_hkdf_expand_label(const ltls_provider_t *p, const ltls_hash_alg_t *h,
                                  const uint8_t *secret, const char *label,
                                  const uint8_t *context, size_t context_len, uint8_t *out,
                                  size_t out_len)
{
    if (!label)
        return ERR(NULL_ARGUMENT);
    return expand_label(p, h, secret, (const uint8_t *)label, strlen(label), context,
                        context_len, out, out_len);
}

static ltls_err_t derive_raw(const ltls_provider_t *p, const ltls_hash_alg_t *h,
                             const uint8_t *secret, const uint8_t *label, size_t label_len,
                             const uint8_t *transcript_hash, uint8_t *out)
{
    if (!hash_ok(h))
        return ERR(BAD_ARGUMENT);
    if (!transcript_hash) {
        transcript_hash = ltls_keysched_empty_hash(h);
        if (!transcript_hash)
            return ERR(UNSUPPORTED_ALGORITHM);
    }
    return expand_label(p, h, secret, label, label_len, transcript_hash, h->digest_size, out,
                        h->digest_size);
}

ltls_err_t ltls_derive_secret(const ltls_provider_t *p, const ltls_hash_alg_t *h,
                              const uint8_t *secret, const char *label,
                              const uint8_t *transcript_hash, uint8_t *out)
{
    if (!label)
        return ERR(NULL_ARGUMENT);
    return derive_raw(p, h, secret, (const uint8_t *)label, strlen(label), transcript_hash, out);
}

ltls_err_t ltls_keysched_traffic_keys(const ltls_provider_t *p, const ltls_suite_t *suite,
                                      const uint8_t *secret, uint8_t *key,
                                      uint8_t iv[LTLS_AEAD_NONCE_SIZE])
{
    if (!suite || !suite->aead || !suite->hash || !key || !iv)
        return ERR(NULL_ARGUMENT);
    size_t key_len = suite->aead->key_size;
    if (key_len == 0 || key_len > LTLS_AEAD_MAX_KEY)
        return ERR(BAD_ARGUMENT);
    ltls_err_t err = ltls_hkdf_expand_label(p, suite->hash, secret, "key", NULL, 0, key, key_len);
    if (!err)
        err = ltls_hkdf_expand_label(p, suite->hash, secret, "iv", NULL, 0, iv,
                                     LTLS_AEAD_NONCE_SIZE);
    if (err) {
        ltls_wipe(key, key_len);
        ltls_wipe(iv, LTLS_AEAD_NONCE_SIZE);
    }
    return err;
}

ltls_err_t ltls_keysched_finished_key(const ltls_provider_t *p, const ltls_hash_alg_t *h,
                                      const uint8_t *base_key, uint8_t *out)
{
    if (!hash_ok(h))
        return ERR(BAD_ARGUMENT);
    return ltls_hkdf_expand_label(p, h, base_key, "finished", NULL, 0, out, h->digest_size);
}

ltls_err_t ltls_keysched_finished(const ltls_provider_t *p, const ltls_hash_alg_t *h,
                                  const uint8_t *base_key, const uint8_t *transcript_hash,
                                  uint8_t *out)
{
    uint8_t fk[LTLS_HASH_MAX_SIZE];
    if (!transcript_hash || !out)
        return ERR(NULL_ARGUMENT);
    ltls_err_t err = ltls_keysched_finished_key(p, h, base_key, fk);
    if (err)
        return err;
    err = p->hmac(p->impl, h, fk, h->digest_size, transcript_hash, h->digest_size, out);
    ltls_wipe(fk, sizeof fk);
    if (err)
        ltls_wipe(out, h->digest_size);
    return err;
}

ltls_err_t ltls_keysched_finished_check(const ltls_provider_t *p, const ltls_hash_alg_t *h,
                                        const uint8_t *base_key, const uint8_t *transcript_hash,
                                        const uint8_t *received, size_t received_len)
{
    uint8_t want[LTLS_HASH_MAX_SIZE];
    if (!received)
        return ERR(NULL_ARGUMENT);
    if (!hash_ok(h))
        return ERR(BAD_ARGUMENT);
    /* The length is public (it is the hash's), so checking it first leaks
     * nothing; a body of another length is malformed, not merely wrong. */
    if (received_len != h->digest_size)
        return ERR(DECODE_LENGTH);
    ltls_err_t err = ltls_keysched_finished(p, h, base_key, transcript_hash, want);
    if (!err && !ltls_ct_memeq(want, received, received_len))
        err = ERR(DECRYPT_ERROR); /* §4.4.4 / §6.2: decrypt_error */
    ltls_wipe(want, sizeof want);
    return err;
}

ltls_err_t ltls_keysched_resumption_psk(const ltls_provider_t *p, const ltls_hash_alg_t *h,
                                        const uint8_t *resumption_master_secret,
                                        const uint8_t *nonce, size_t nonce_len, uint8_t *out)
{
    if (!hash_ok(h))
        return ERR(BAD_ARGUMENT);
    return ltls_hkdf_expand_label(p, h, resumption_master_secret, "resumption", nonce, nonce_len,
                                  out, h->digest_size);
}

ltls_err_t ltls_keysched_next_traffic(const ltls_provider_t *p, const ltls_hash_alg_t *h,
                                      uint8_t *secret)
{
    uint8_t next[LTLS_HASH_MAX_SIZE];
    if (!secret)
        return ERR(NULL_ARGUMENT);
    if (!hash_ok(h))
        return ERR(BAD_ARGUMENT);
    /* Into a temporary: the provider's expand need not support out == prk. */
    ltls_err_t err = ltls_hkdf_expand_label(p, h, secret, "traffic upd", NULL, 0, next,
                                            h->digest_size);
    if (!err)
        memcpy(secret, next, h->digest_size);
    else
        ltls_wipe(secret, h->digest_size);
    ltls_wipe(next, sizeof next);
    return err;
}

ltls_err_t ltls_keysched_export(const ltls_provider_t *p, const ltls_hash_alg_t *h,
                                const uint8_t *exporter_secret, const uint8_t *label,
                                size_t label_len, const uint8_t *context, size_t context_len,
                                uint8_t *out, size_t out_len)
{
    static const uint8_t exporter[] = {'e', 'x', 'p', 'o', 'r', 't', 'e', 'r'};
    uint8_t ctx_hash[LTLS_HASH_MAX_SIZE];
    uint8_t secret[LTLS_HASH_MAX_SIZE];

    if (!p || !label || !out || (!context && context_len))
        return ERR(NULL_ARGUMENT);
    if (!hash_ok(h))
        return ERR(BAD_ARGUMENT);

    /* Hash(context_value); the empty one comes from the table. */
    const uint8_t *empty = ltls_keysched_empty_hash(h);
    ltls_err_t err = LTLS_OK;
    if (context_len == 0 && empty) {
        memcpy(ctx_hash, empty, h->digest_size);
    } else {
        ltls_hash_ctx_t *hc = NULL;
        err = p->hash_new(p->impl, h, &hc);
        if (!err)
            err = p->hash_update(hc, context, context_len);
        if (!err)
            err = p->hash_final(hc, ctx_hash);
        p->hash_free(hc);
        if (err)
            return err;
    }

    err = derive_raw(p, h, exporter_secret, label, label_len, NULL, secret);
    if (!err)
        err = expand_label(p, h, secret, exporter, sizeof exporter, ctx_hash, h->digest_size, out,
                           out_len);
    ltls_wipe(secret, sizeof secret);
    return err;
}

/* ------------------------------------------------------------------------
 * The staged schedule
 * ---------------------------------------------------------------------- */

static ltls_err_t at_stage(const ltls_keysched_t *ks, ltls_keysched_stage_t stage)
{
    if (!ks)
        return ERR(NULL_ARGUMENT);
    return ks->stage == stage ? LTLS_OK : ERR(BAD_STATE);
}

void ltls_keysched_clear(ltls_keysched_t *ks)
{
    if (!ks)
        return;
    ltls_wipe(ks->secret, sizeof ks->secret);
    ks->p = NULL;
    ks->h = NULL;
    ks->stage = LTLS_KS_NONE;
}

ltls_err_t ltls_keysched_init(ltls_keysched_t *ks, const ltls_provider_t *p,
                              const ltls_hash_alg_t *h)
{
    if (!ks || !p || !h)
        return ERR(NULL_ARGUMENT);
    ltls_keysched_clear(ks);
    if (!hash_ok(h))
        return ERR(BAD_ARGUMENT);
    /* Refuse now rather than mid-handshake: every stage change needs Hash(""). */
    if (!ltls_keysched_empty_hash(h))
        return ERR(UNSUPPORTED_ALGORITHM);
    ks->p = p;
    ks->h = h;
    ks->stage = LTLS_KS_INIT;
    return LTLS_OK;
}

/* secret = HKDF-Extract(salt, ikm) into the object, replacing the previous
 * stage's secret only once the new one exists (the salt may derive from it). */
static ltls_err_t extract_into(ltls_keysched_t *ks, const uint8_t *salt, const uint8_t *ikm,
                               size_t ikm_len, ltls_keysched_stage_t next)
{
    uint8_t prk[LTLS_HASH_MAX_SIZE];
    const ltls_provider_t *p = ks->p;
    ltls_err_t err =
        p->hkdf_extract(p->impl, ks->h, salt, ks->h->digest_size, ikm, ikm_len, prk);
    if (err) {
        ltls_wipe(prk, sizeof prk);
        ltls_keysched_clear(ks);
        return err;
    }
    memcpy(ks->secret, prk, ks->h->digest_size);
    ltls_wipe(prk, sizeof prk);
    ks->stage = next;
    return LTLS_OK;
}

ltls_err_t ltls_keysched_early(ltls_keysched_t *ks, const uint8_t *psk, size_t psk_len)
{
    ltls_err_t err = at_stage(ks, LTLS_KS_INIT);
    if (err)
        return err;
    if (psk && psk_len == 0)
        return ERR(BAD_ARGUMENT); /* an empty PSK is not "no PSK" */
    if (!psk) {
        psk = zeros; /* §7.1: a missing secret is Hash.length zeros */
        psk_len = ks->h->digest_size;
    }
    return extract_into(ks, zeros, psk, psk_len, LTLS_KS_EARLY);
}

/* Derive-Secret(stage secret, "derived", "") then Extract with ikm: the step
 * between two stages of §7.1's diagram. */
static ltls_err_t advance(ltls_keysched_t *ks, const uint8_t *ikm, size_t ikm_len,
                          ltls_keysched_stage_t next)
{
    uint8_t derived[LTLS_HASH_MAX_SIZE];
    ltls_err_t err = ltls_derive_secret(ks->p, ks->h, ks->secret, "derived", NULL, derived);
    if (err) {
        ltls_wipe(derived, sizeof derived);
        ltls_keysched_clear(ks);
        return err;
    }
    err = extract_into(ks, derived, ikm, ikm_len, next);
    ltls_wipe(derived, sizeof derived);
    return err;
}

ltls_err_t ltls_keysched_handshake(ltls_keysched_t *ks, const uint8_t *dhe, size_t dhe_len)
{
    ltls_err_t err = at_stage(ks, LTLS_KS_EARLY);
    if (err)
        return err;
    if (dhe && dhe_len == 0)
        return ERR(BAD_ARGUMENT);
    if (!dhe) {
        dhe = zeros; /* psk_ke: no (EC)DHE input, §7.1 */
        dhe_len = ks->h->digest_size;
    }
    return advance(ks, dhe, dhe_len, LTLS_KS_HANDSHAKE);
}

ltls_err_t ltls_keysched_master(ltls_keysched_t *ks)
{
    ltls_err_t err = at_stage(ks, LTLS_KS_HANDSHAKE);
    if (err)
        return err;
    return advance(ks, zeros, ks->h->digest_size, LTLS_KS_MASTER);
}

/* Derive-Secret from the current stage secret, after checking the stage. */
static ltls_err_t derive_at(const ltls_keysched_t *ks, ltls_keysched_stage_t stage,
                            const char *label, const uint8_t *transcript_hash, uint8_t *out)
{
    ltls_err_t err = at_stage(ks, stage);
    if (err)
        return err;
    if (!out)
        return LTLS_OK; /* the caller did not want this one */
    if (!transcript_hash)
        return ERR(NULL_ARGUMENT); /* NULL would silently mean "", never right here */
    return ltls_derive_secret(ks->p, ks->h, ks->secret, label, transcript_hash, out);
}

ltls_err_t ltls_keysched_binder_key(const ltls_keysched_t *ks, int resumption, uint8_t *out)
{
    ltls_err_t err = at_stage(ks, LTLS_KS_EARLY);
    if (err)
        return err;
    if (!out)
        return ERR(NULL_ARGUMENT);
    return ltls_derive_secret(ks->p, ks->h, ks->secret, resumption ? "res binder" : "ext binder",
                              NULL, out);
}

ltls_err_t ltls_keysched_binder(const ltls_keysched_t *ks, int resumption,
                                const uint8_t *truncated_hash, uint8_t *out)
{
    uint8_t bk[LTLS_HASH_MAX_SIZE];
    if (!truncated_hash || !out)
        return ERR(NULL_ARGUMENT);
    ltls_err_t err = ltls_keysched_binder_key(ks, resumption, bk);
    if (!err)
        err = ltls_keysched_finished(ks->p, ks->h, bk, truncated_hash, out);
    ltls_wipe(bk, sizeof bk);
    return err;
}

ltls_err_t ltls_keysched_binder_check(const ltls_keysched_t *ks, int resumption,
                                      const uint8_t *truncated_hash, const uint8_t *received,
                                      size_t received_len)
{
    uint8_t bk[LTLS_HASH_MAX_SIZE];
    /* §4.2.11: the server MUST validate the binder before accepting the PSK. */
    ltls_err_t err = ltls_keysched_binder_key(ks, resumption, bk);
    if (!err)
        err = ltls_keysched_finished_check(ks->p, ks->h, bk, truncated_hash, received,
                                           received_len);
    ltls_wipe(bk, sizeof bk);
    return err;
}

ltls_err_t ltls_keysched_client_early_traffic(const ltls_keysched_t *ks, const uint8_t *ch_hash,
                                              uint8_t *out)
{
    if (!out)
        return ERR(NULL_ARGUMENT);
    return derive_at(ks, LTLS_KS_EARLY, "c e traffic", ch_hash, out);
}

ltls_err_t ltls_keysched_early_exporter(const ltls_keysched_t *ks, const uint8_t *ch_hash,
                                        uint8_t *out)
{
    if (!out)
        return ERR(NULL_ARGUMENT);
    return derive_at(ks, LTLS_KS_EARLY, "e exp master", ch_hash, out);
}

/* Two Derive-Secrets over the same transcript hash; on failure neither
 * output is left holding a secret. */
static ltls_err_t derive_pair(const ltls_keysched_t *ks, ltls_keysched_stage_t stage,
                              const char *client_label, const char *server_label,
                              const uint8_t *transcript_hash, uint8_t *client_out,
                              uint8_t *server_out)
{
    ltls_err_t err = derive_at(ks, stage, client_label, transcript_hash, client_out);
    if (!err)
        err = derive_at(ks, stage, server_label, transcript_hash, server_out);
    if (err && ltls_err_reason(err) != LTLS_R_BAD_STATE && ks) {
        if (client_out)
            ltls_wipe(client_out, ks->h->digest_size);
        if (server_out)
            ltls_wipe(server_out, ks->h->digest_size);
    }
    return err;
}

ltls_err_t ltls_keysched_handshake_traffic(const ltls_keysched_t *ks, const uint8_t *ch_sh_hash,
                                           uint8_t *client_out, uint8_t *server_out)
{
    return derive_pair(ks, LTLS_KS_HANDSHAKE, "c hs traffic", "s hs traffic", ch_sh_hash,
                       client_out, server_out);
}

ltls_err_t ltls_keysched_app_traffic(const ltls_keysched_t *ks, const uint8_t *ch_sf_hash,
                                     uint8_t *client_out, uint8_t *server_out)
{
    return derive_pair(ks, LTLS_KS_MASTER, "c ap traffic", "s ap traffic", ch_sf_hash,
                       client_out, server_out);
}

ltls_err_t ltls_keysched_exporter_master(const ltls_keysched_t *ks, const uint8_t *ch_sf_hash,
                                         uint8_t *out)
{
    if (!out)
        return ERR(NULL_ARGUMENT);
    return derive_at(ks, LTLS_KS_MASTER, "exp master", ch_sf_hash, out);
}

ltls_err_t ltls_keysched_resumption_master(ltls_keysched_t *ks, const uint8_t *ch_cf_hash,
                                           uint8_t *out)
{
    if (!out)
        return ERR(NULL_ARGUMENT);
    ltls_err_t err = derive_at(ks, LTLS_KS_MASTER, "res master", ch_cf_hash, out);
    if (ltls_err_reason(err) == LTLS_R_BAD_STATE || ltls_err_reason(err) == LTLS_R_NULL_ARGUMENT)
        return err; /* nothing happened; the schedule is as it was */
    if (err) {
        ltls_keysched_clear(ks);
        return err;
    }
    /* The Master Secret has no use after this (§7.1): destroy it now. */
    ltls_wipe(ks->secret, sizeof ks->secret);
    ks->stage = LTLS_KS_DONE;
    return LTLS_OK;
}
