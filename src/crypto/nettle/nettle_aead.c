/*
 * crypto/nettle/nettle_aead.c - record protection (AES-128/256-GCM,
 * ChaCha20-Poly1305, AES-128-CCM) and the AES-CBC decryption of encrypted
 * key files, over Nettle.
 *
 * Theory of operation. aead_new expands the key once into a Nettle context
 * held inline in our own context (gcm_aes128_ctx, gcm_aes256_ctx,
 * chacha_poly1305_ctx, ccm_aes128_ctx): the AES key schedule, GCM's
 * multiplication table, ChaCha's key block. Nettle's set_iv / set_nonce
 * calls restart the per-message state from that keyed context, so a record
 * costs one nonce installation, the AAD, the payload in place and the tag:
 * no allocation and no key expansion per record.
 *
 * Nettle computes the tag but leaves its comparison to the caller; open
 * decrypts in place, recomputes the tag and compares it in constant time
 * (ltls_ct_memeq). On a mismatch buf is wiped so that unauthenticated
 * plaintext never reaches a caller that forgot to check the result. GCM and
 * ChaCha20-Poly1305 authenticate the ciphertext, CCM the plaintext; either
 * way the whole payload is processed before the verdict, so timing does not
 * depend on where a forgery differs.
 *
 * AES goes through Nettle's AES functions, which use AES-NI and PCLMUL
 * (GHASH) when the CPU has them (Nettle's fat build picks at run time) and
 * otherwise table-based code; the table-free constant-time AES that some
 * libraries offer does not exist in Nettle. ChaCha20 and Poly1305 are
 * constant-time by construction.
 */
#include <string.h>

#include <nettle/aes.h>
#include <nettle/cbc.h>
#include <nettle/ccm.h>
#include <nettle/chacha-poly1305.h>
#include <nettle/gcm.h>

#include "crypto/nettle/ltls_nettle.h"

struct ltls_aead_ctx {
    const ltls_nettle_impl_t *impl;
    uint8_t id; /* LTLS_AEAD_* */
    int encrypt;
    union {
        struct gcm_aes128_ctx gcm128;
        struct gcm_aes256_ctx gcm256;
        struct chacha_poly1305_ctx chacha;
        struct ccm_aes128_ctx ccm;
    } u;
};

/* CCM with a 12-byte nonce has a 3-byte length field (RFC 3610 §2.1). */
#define CCM_MAX_PAYLOAD (((size_t)1 << 24) - 1)

void ltls_nettle_aead_free(ltls_aead_ctx_t *ctx)
{
    if (ctx)
        ltls_free(&ctx->impl->alloc, ctx, sizeof(*ctx)); /* wipes the key schedule */
}

ltls_err_t ltls_nettle_aead_new(void *impl_, const ltls_aead_alg_t *alg, const uint8_t *key,
                                int encrypt, ltls_aead_ctx_t **out)
{
    const ltls_nettle_impl_t *impl = impl_;
    if (!impl || !alg || !key || !out)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    /* Matched by id and checked against the sizes, not by address, so that
     * a caller's own copy of a descriptor works too. */
    size_t key_size = alg->id == LTLS_AEAD_AES128GCM          ? 16
                      : alg->id == LTLS_AEAD_AES256GCM        ? 32
                      : alg->id == LTLS_AEAD_CHACHA20POLY1305 ? 32
                      : alg->id == LTLS_AEAD_AES128CCM        ? 16
                                                              : 0;
    if (!key_size || alg->key_size != key_size || alg->tag_size != LTLS_AEAD_TAG_SIZE)
        return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
    ltls_aead_ctx_t *a = ltls_alloc(&impl->alloc, sizeof(*a));
    if (!a)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    a->impl = impl;
    a->id = alg->id;
    a->encrypt = encrypt ? 1 : 0;
    switch (a->id) {
    case LTLS_AEAD_AES128GCM: gcm_aes128_set_key(&a->u.gcm128, key); break;
    case LTLS_AEAD_AES256GCM: gcm_aes256_set_key(&a->u.gcm256, key); break;
    case LTLS_AEAD_CHACHA20POLY1305: chacha_poly1305_set_key(&a->u.chacha, key); break;
    default: ccm_aes128_set_key(&a->u.ccm, key); break;
    }
    *out = a;
    return LTLS_OK;
}

static ltls_err_t check_args(const ltls_aead_ctx_t *a, const uint8_t *nonce, const uint8_t *aad,
                             size_t aad_len, const uint8_t *buf, size_t len, const void *tag,
                             int encrypt)
{
    if (!a || !nonce || !tag || (!aad && aad_len) || (!buf && len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if (a->encrypt != encrypt)
        return ltls_err_make(LTLS_R_BAD_STATE);
    if (a->id == LTLS_AEAD_AES128CCM && len > CCM_MAX_PAYLOAD)
        return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    return LTLS_OK;
}

/* Installs the nonce and feeds the AAD. */
static void begin(ltls_aead_ctx_t *a, const uint8_t *nonce, const uint8_t *aad, size_t aad_len,
                  size_t len)
{
    switch (a->id) {
    case LTLS_AEAD_AES128GCM:
        gcm_aes128_set_iv(&a->u.gcm128, LTLS_AEAD_NONCE_SIZE, nonce);
        if (aad_len)
            gcm_aes128_update(&a->u.gcm128, aad_len, aad);
        break;
    case LTLS_AEAD_AES256GCM:
        gcm_aes256_set_iv(&a->u.gcm256, LTLS_AEAD_NONCE_SIZE, nonce);
        if (aad_len)
            gcm_aes256_update(&a->u.gcm256, aad_len, aad);
        break;
    case LTLS_AEAD_CHACHA20POLY1305:
        chacha_poly1305_set_nonce(&a->u.chacha, nonce);
        if (aad_len)
            chacha_poly1305_update(&a->u.chacha, aad_len, aad);
        break;
    default:
        /* CCM authenticates the lengths, so they are announced first. */
        ccm_aes128_set_nonce(&a->u.ccm, LTLS_AEAD_NONCE_SIZE, nonce, aad_len, len,
                             LTLS_AEAD_TAG_SIZE);
        if (aad_len)
            ccm_aes128_update(&a->u.ccm, aad_len, aad);
        break;
    }
}

static void run_cipher(ltls_aead_ctx_t *a, int encrypt, uint8_t *buf, size_t len)
{
    if (!len)
        return;
    switch (a->id) {
    case LTLS_AEAD_AES128GCM:
        (encrypt ? gcm_aes128_encrypt : gcm_aes128_decrypt)(&a->u.gcm128, len, buf, buf);
        break;
    case LTLS_AEAD_AES256GCM:
        (encrypt ? gcm_aes256_encrypt : gcm_aes256_decrypt)(&a->u.gcm256, len, buf, buf);
        break;
    case LTLS_AEAD_CHACHA20POLY1305:
        (encrypt ? chacha_poly1305_encrypt : chacha_poly1305_decrypt)(&a->u.chacha, len, buf, buf);
        break;
    default:
        (encrypt ? ccm_aes128_encrypt : ccm_aes128_decrypt)(&a->u.ccm, len, buf, buf);
        break;
    }
}

static void digest(ltls_aead_ctx_t *a, uint8_t *tag)
{
    switch (a->id) {
    case LTLS_AEAD_AES128GCM: gcm_aes128_digest(&a->u.gcm128, LTLS_AEAD_TAG_SIZE, tag); break;
    case LTLS_AEAD_AES256GCM: gcm_aes256_digest(&a->u.gcm256, LTLS_AEAD_TAG_SIZE, tag); break;
    case LTLS_AEAD_CHACHA20POLY1305:
        chacha_poly1305_digest(&a->u.chacha, LTLS_AEAD_TAG_SIZE, tag);
        break;
    default: ccm_aes128_digest(&a->u.ccm, LTLS_AEAD_TAG_SIZE, tag); break;
    }
}

ltls_err_t ltls_nettle_aead_seal(ltls_aead_ctx_t *a, const uint8_t nonce[LTLS_AEAD_NONCE_SIZE],
                                 const uint8_t *aad, size_t aad_len, uint8_t *buf, size_t len,
                                 uint8_t *tag)
{
    ltls_err_t err = check_args(a, nonce, aad, aad_len, buf, len, tag, 1);
    if (err)
        return err;
    begin(a, nonce, aad, aad_len, len);
    run_cipher(a, 1, buf, len);
    digest(a, tag);
    return LTLS_OK;
}

ltls_err_t ltls_nettle_aead_open(ltls_aead_ctx_t *a, const uint8_t nonce[LTLS_AEAD_NONCE_SIZE],
                                 const uint8_t *aad, size_t aad_len, uint8_t *buf, size_t len,
                                 const uint8_t *tag)
{
    ltls_err_t err = check_args(a, nonce, aad, aad_len, buf, len, tag, 0);
    if (err)
        return err;
    uint8_t want[LTLS_AEAD_TAG_SIZE];
    begin(a, nonce, aad, aad_len, len);
    run_cipher(a, 0, buf, len);
    digest(a, want);
    int ok = ltls_ct_memeq(want, tag, LTLS_AEAD_TAG_SIZE);
    ltls_wipe(want, sizeof(want));
    if (!ok) {
        ltls_wipe(buf, len);
        return ltls_err_make(LTLS_R_BAD_RECORD_MAC);
    }
    return LTLS_OK;
}

ltls_err_t ltls_nettle_aes_cbc_decrypt(void *impl, const uint8_t *key, size_t key_len,
                                       const uint8_t iv[16], const uint8_t *in, size_t len,
                                       uint8_t *out)
{
    if (!impl || !key || !iv || ((!in || !out) && len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    const struct nettle_cipher *c = key_len == 16   ? &nettle_aes128
                                    : key_len == 24 ? &nettle_aes192
                                    : key_len == 32 ? &nettle_aes256
                                                    : NULL;
    if (!c || len % AES_BLOCK_SIZE)
        return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    if (!len)
        return LTLS_OK;
    union {
        struct aes128_ctx a128;
        struct aes192_ctx a192;
        struct aes256_ctx a256;
    } ks;
    uint8_t chain[AES_BLOCK_SIZE]; /* cbc_decrypt advances the IV it is given */
    memcpy(chain, iv, sizeof(chain));
    c->set_decrypt_key(&ks, key);
    /* Padding stays: the caller checks it (a wrong password shows there).
     * Nettle's cbc_decrypt allows out == in. */
    cbc_decrypt(&ks, c->decrypt, AES_BLOCK_SIZE, chain, len, out, in);
    ltls_wipe(&ks, sizeof(ks));
    ltls_wipe(chain, sizeof(chain));
    return LTLS_OK;
}
