/*
 * crypto/nettle/nettle_hash.c - SHA-2 hashing, HMAC, HKDF and PBKDF2 over
 * Nettle.
 *
 * Theory of operation. Every hash goes through Nettle's struct nettle_hash
 * descriptors (nettle_sha256, nettle_sha384, nettle_sha512), so one code
 * path serves the three TLS hashes. A hash context is a plain struct that
 * holds the running state inline: hash_copy is a memcpy, and Nettle's
 * digest functions reset the state themselves, which is exactly what
 * hash_final promises.
 *
 * HMAC uses Nettle's generic hmac_set_key/hmac_update/hmac_digest over the
 * same descriptors. HKDF is Nettle's hkdf_extract/hkdf_expand driven by that
 * HMAC: hmac_digest leaves the context keyed again, which is what expand's
 * T(1), T(2), ... chain needs, so the key pads are derived once per call.
 * PBKDF2 uses Nettle's pbkdf2_hmac_sha1/256/384/512; SHA-1 exists in this
 * provider for that one purpose (RFC 8018's default PRF in key files).
 *
 * Nettle asserts on a zero PBKDF2 iteration count or output length; both are
 * answered here before it is called. HMAC and HKDF states on the stack are
 * wiped on the way out; Nettle's own stack copies of key pads are not ours
 * to reach.
 */
#include <string.h>

#include <nettle/hkdf.h>
#include <nettle/hmac.h>
#include <nettle/pbkdf2.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>

#include "crypto/nettle/ltls_nettle.h"

typedef union hash_state {
    struct sha256_ctx sha256;
    struct sha512_ctx sha512; /* also SHA-384's */
} hash_state_t;

struct ltls_hash_ctx {
    const ltls_nettle_impl_t *impl;
    const struct nettle_hash *h;
    hash_state_t st;
};

const struct nettle_hash *ltls_nettle_hash_meta(const ltls_hash_alg_t *alg)
{
    if (!alg)
        return NULL;
    const struct nettle_hash *h = alg->id == 4   ? &nettle_sha256
                                  : alg->id == 5 ? &nettle_sha384
                                  : alg->id == 6 ? &nettle_sha512
                                                 : NULL;
    /* A descriptor whose sizes disagree with its id is not one we know. */
    if (h && (h->digest_size != alg->digest_size || h->context_size > sizeof(hash_state_t)))
        return NULL;
    return h;
}

void ltls_nettle_digest(const struct nettle_hash *h, const uint8_t *msg, size_t len, uint8_t *out)
{
    hash_state_t st;
    h->init(&st);
    if (len)
        h->update(&st, len, msg);
    h->digest(&st, h->digest_size, out);
}

ltls_err_t ltls_nettle_hash_new(void *impl_, const ltls_hash_alg_t *alg, ltls_hash_ctx_t **out)
{
    const ltls_nettle_impl_t *impl = impl_;
    if (!impl || !out)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    const struct nettle_hash *h = ltls_nettle_hash_meta(alg);
    if (!h)
        return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
    ltls_hash_ctx_t *c = ltls_alloc(&impl->alloc, sizeof(*c));
    if (!c)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    c->impl = impl;
    c->h = h;
    h->init(&c->st);
    *out = c;
    return LTLS_OK;
}

ltls_err_t ltls_nettle_hash_update(ltls_hash_ctx_t *ctx, const uint8_t *data, size_t len)
{
    if (!ctx || (!data && len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if (len)
        ctx->h->update(&ctx->st, len, data);
    return LTLS_OK;
}

ltls_err_t ltls_nettle_hash_final(ltls_hash_ctx_t *ctx, uint8_t *out)
{
    if (!ctx || !out)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    ctx->h->digest(&ctx->st, ctx->h->digest_size, out); /* also re-initialises */
    return LTLS_OK;
}

ltls_err_t ltls_nettle_hash_copy(const ltls_hash_ctx_t *ctx, ltls_hash_ctx_t **out)
{
    if (!ctx || !out)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    ltls_hash_ctx_t *c = ltls_alloc(&ctx->impl->alloc, sizeof(*c));
    if (!c)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    memcpy(c, ctx, sizeof(*c));
    *out = c;
    return LTLS_OK;
}

void ltls_nettle_hash_free(ltls_hash_ctx_t *ctx)
{
    if (ctx)
        ltls_free(&ctx->impl->alloc, ctx, sizeof(*ctx)); /* wipes the running state */
}

/* ---------------------------------------------------------------------------
 * HMAC and HKDF
 * ------------------------------------------------------------------------- */

/* A keyed HMAC in the one-context shape hkdf_extract/hkdf_expand call. */
typedef struct hmac {
    const struct nettle_hash *h;
    hash_state_t outer, inner, state;
} hmac_t;

static const uint8_t empty[1];

static void hmac_init(hmac_t *m, const struct nettle_hash *h, const uint8_t *key, size_t len)
{
    m->h = h;
    hmac_set_key(&m->outer, &m->inner, &m->state, h, len, key ? key : empty);
}

static void hmac_upd(void *ctx, size_t len, const uint8_t *data)
{
    hmac_t *m = ctx;
    if (len)
        hmac_update(&m->state, m->h, len, data);
}

/* Leaves m keyed with the same key, ready for the next message. */
static void hmac_dig(void *ctx, size_t len, uint8_t *out)
{
    hmac_t *m = ctx;
    hmac_digest(&m->outer, &m->inner, &m->state, m->h, len, out);
}

ltls_err_t ltls_nettle_hmac(void *impl, const ltls_hash_alg_t *alg, const uint8_t *key,
                            size_t key_len, const uint8_t *data, size_t len, uint8_t *out)
{
    if (!impl || !out || (!key && key_len) || (!data && len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    const struct nettle_hash *h = ltls_nettle_hash_meta(alg);
    if (!h)
        return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
    hmac_t m;
    hmac_init(&m, h, key, key_len);
    hmac_upd(&m, len, data);
    hmac_dig(&m, h->digest_size, out);
    ltls_wipe(&m, sizeof(m));
    return LTLS_OK;
}

ltls_err_t ltls_nettle_hkdf_extract(void *impl, const ltls_hash_alg_t *alg, const uint8_t *salt,
                                    size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                                    uint8_t *prk)
{
    /* RFC 5869 §2.2: an absent salt is HashLen zero bytes. */
    static const uint8_t zeros[LTLS_HASH_MAX_SIZE];
    if (!impl || !prk || (!salt && salt_len) || (!ikm && ikm_len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    const struct nettle_hash *h = ltls_nettle_hash_meta(alg);
    if (!h)
        return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
    if (!salt_len) {
        salt = zeros;
        salt_len = h->digest_size;
    }
    hmac_t m;
    hmac_init(&m, h, salt, salt_len);
    hkdf_extract(&m, hmac_upd, hmac_dig, h->digest_size, ikm_len, ikm ? ikm : empty, prk);
    ltls_wipe(&m, sizeof(m));
    return LTLS_OK;
}

ltls_err_t ltls_nettle_hkdf_expand(void *impl, const ltls_hash_alg_t *alg, const uint8_t *prk,
                                   size_t prk_len, const uint8_t *info, size_t info_len,
                                   uint8_t *out, size_t out_len)
{
    if (!impl || !prk || (!out && out_len) || (!info && info_len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    const struct nettle_hash *h = ltls_nettle_hash_meta(alg);
    if (!h)
        return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
    /* RFC 5869 §2.3: L <= 255 * HashLen (the counter is one octet). */
    if (out_len > 255 * (size_t)h->digest_size)
        return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    if (!out_len)
        return LTLS_OK;
    hmac_t m;
    hmac_init(&m, h, prk, prk_len);
    hkdf_expand(&m, hmac_upd, hmac_dig, h->digest_size, info_len, info ? info : empty, out_len,
                out);
    ltls_wipe(&m, sizeof(m));
    return LTLS_OK;
}

ltls_err_t ltls_nettle_pbkdf2(void *impl, const ltls_hash_alg_t *alg, const uint8_t *password,
                              size_t password_len, const uint8_t *salt, size_t salt_len,
                              uint32_t iterations, uint8_t *out, size_t out_len)
{
    if (!impl || !alg || (!out && out_len) || (!password && password_len) || (!salt && salt_len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    /* SHA-1 (id 2) is accepted here alone: RFC 8018's default PBKDF2 PRF. */
    if (!(alg->id == 2 && alg->digest_size == 20) && !ltls_nettle_hash_meta(alg))
        return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
    if (!iterations)
        return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    if (!out_len)
        return LTLS_OK;
    const uint8_t *pw = password ? password : empty, *sa = salt ? salt : empty;
    switch (alg->id) {
    case 2: pbkdf2_hmac_sha1(password_len, pw, iterations, salt_len, sa, out_len, out); break;
    case 4: pbkdf2_hmac_sha256(password_len, pw, iterations, salt_len, sa, out_len, out); break;
    case 5: pbkdf2_hmac_sha384(password_len, pw, iterations, salt_len, sa, out_len, out); break;
    default: pbkdf2_hmac_sha512(password_len, pw, iterations, salt_len, sa, out_len, out); break;
    }
    return LTLS_OK;
}
