/*
 * crypto/openssl/ossl_aead.c - record protection (AES-GCM, ChaCha20-Poly1305,
 * AES-CCM) and the AES-CBC decryption used for encrypted key files.
 *
 * Theory of operation. aead_new builds one EVP_CIPHER_CTX per traffic key
 * and expands the key schedule there, once. A record then only installs its
 * nonce (EVP_*Init_ex2 with no cipher and no key keeps both), feeds the AAD
 * and the payload in place, and reads or sets the tag through OSSL_PARAMs
 * that live on the stack: nothing is allocated or fetched per record.
 *
 * CCM differs from the other two in OpenSSL's interface: the payload length
 * must be announced before the AAD, the expected tag must be installed before
 * decryption, and the tag is checked by the payload update rather than by
 * the final call. Its 12-byte nonce and 16-byte tag are configured in
 * aead_new, before the key.
 *
 * A failed open wipes buf so that unauthenticated plaintext never reaches a
 * caller that forgot to check the result.
 */
#include <limits.h>
#include <string.h>

#include <openssl/core_names.h>

#include "crypto/openssl/ossl.h"

struct ltls_aead_ctx {
    const ltls_ossl_impl_t *impl;
    EVP_CIPHER_CTX *c;
    int encrypt;
    int ccm;
};

void ltls_ossl_aead_free(ltls_aead_ctx_t *ctx)
{
    if (!ctx)
        return;
    EVP_CIPHER_CTX_free(ctx->c); /* cleanses the key schedule */
    ltls_free(&ctx->impl->alloc, ctx, sizeof(*ctx));
}

ltls_err_t ltls_ossl_aead_new(void *impl_, const ltls_aead_alg_t *alg, const uint8_t *key,
                              int encrypt, ltls_aead_ctx_t **out)
{
    const ltls_ossl_impl_t *impl = impl_;
    if (!impl || !alg || !key || !out)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if (alg->id < 1 || alg->id > LTLS_OSSL_NAEAD || !impl->aead[alg->id - 1] ||
        alg->tag_size != LTLS_AEAD_TAG_SIZE)
        return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
    const EVP_CIPHER *cipher = impl->aead[alg->id - 1];
    if ((size_t)EVP_CIPHER_get_key_length(cipher) != alg->key_size)
        return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);

    ltls_aead_ctx_t *a = ltls_alloc(&impl->alloc, sizeof(*a));
    if (!a)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    a->impl = impl;
    a->encrypt = encrypt ? 1 : 0;
    a->ccm = alg->id == LTLS_AEAD_AES128CCM;
    a->c = EVP_CIPHER_CTX_new();
    int ok = a->c && EVP_CipherInit_ex2(a->c, cipher, NULL, NULL, a->encrypt, NULL);
    if (ok && a->ccm) {
        size_t ivlen = LTLS_AEAD_NONCE_SIZE;
        OSSL_PARAM p[] = {
            OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, &ivlen),
            /* No data: sets the tag length only. */
            OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, NULL,
                                              LTLS_AEAD_TAG_SIZE),
            OSSL_PARAM_construct_end(),
        };
        ok = EVP_CIPHER_CTX_set_params(a->c, p);
    }
    ok = ok && EVP_CipherInit_ex2(a->c, NULL, key, NULL, a->encrypt, NULL) &&
         EVP_CIPHER_CTX_get_iv_length(a->c) == LTLS_AEAD_NONCE_SIZE;
    if (!ok) {
        ltls_ossl_aead_free(a);
        return ltls_ossl_fail(LTLS_R_PROVIDER);
    }
    *out = a;
    return LTLS_OK;
}

/* What seal and open share: the nonce, the expected tag (open only; CCM
 * needs it before the payload, the others merely before the final call, and
 * installing it right after the nonce suits all three), the announced
 * payload length (CCM) and the AAD. */
static int begin(ltls_aead_ctx_t *a, const uint8_t *nonce, const OSSL_PARAM *expect_tag,
                 const uint8_t *aad, size_t aad_len, size_t len)
{
    int n;
    if (!EVP_CipherInit_ex2(a->c, NULL, NULL, nonce, a->encrypt, NULL))
        return 0;
    if (expect_tag && !EVP_CIPHER_CTX_set_params(a->c, expect_tag))
        return 0;
    if (a->ccm && !EVP_CipherUpdate(a->c, NULL, &n, NULL, (int)len))
        return 0;
    return !aad_len || EVP_CipherUpdate(a->c, NULL, &n, aad, (int)aad_len);
}

static ltls_err_t check_args(const ltls_aead_ctx_t *a, const uint8_t *nonce, const uint8_t *aad,
                             size_t aad_len, const uint8_t *buf, size_t len, const void *tag,
                             int encrypt)
{
    if (!a || !nonce || !tag || (!aad && aad_len) || (!buf && len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if (a->encrypt != encrypt)
        return ltls_err_make(LTLS_R_BAD_STATE);
    /* OpenSSL counts in int; TLS records are far below this. */
    if (len > INT_MAX / 2 || aad_len > INT_MAX / 2)
        return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    return LTLS_OK;
}

ltls_err_t ltls_ossl_aead_seal(ltls_aead_ctx_t *a, const uint8_t nonce[LTLS_AEAD_NONCE_SIZE],
                               const uint8_t *aad, size_t aad_len, uint8_t *buf, size_t len,
                               uint8_t *tag)
{
    ltls_err_t err = check_args(a, nonce, aad, aad_len, buf, len, tag, 1);
    if (err)
        return err;
    uint8_t fin[32]; /* AEAD finals write nothing; OpenSSL still wants a buffer */
    int n;
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, LTLS_AEAD_TAG_SIZE),
        OSSL_PARAM_construct_end(),
    };
    /* CCM computes its tag in the payload update, so it needs the call even
     * for an empty payload, with a valid pointer. */
    uint8_t *io = len ? buf : fin;
    if (!begin(a, nonce, NULL, aad, aad_len, len) ||
        ((len || a->ccm) && (!EVP_CipherUpdate(a->c, io, &n, io, (int)len) || (size_t)n != len)) ||
        !EVP_CipherFinal_ex(a->c, fin, &n) || n != 0 || !EVP_CIPHER_CTX_get_params(a->c, p))
        return ltls_ossl_fail(LTLS_R_PROVIDER);
    return LTLS_OK;
}

ltls_err_t ltls_ossl_aead_open(ltls_aead_ctx_t *a, const uint8_t nonce[LTLS_AEAD_NONCE_SIZE],
                               const uint8_t *aad, size_t aad_len, uint8_t *buf, size_t len,
                               const uint8_t *tag)
{
    ltls_err_t err = check_args(a, nonce, aad, aad_len, buf, len, tag, 0);
    if (err)
        return err;
    uint8_t fin[32];
    int n;
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, ltls_ossl_unconst(tag),
                                          LTLS_AEAD_TAG_SIZE),
        OSSL_PARAM_construct_end(),
    };
    if (!begin(a, nonce, p, aad, aad_len, len))
        return ltls_ossl_fail(LTLS_R_PROVIDER);
    int ok;
    if (a->ccm) {
        /* The payload update verifies the tag (see seal on empty payloads). */
        ok = EVP_CipherUpdate(a->c, len ? buf : fin, &n, len ? buf : fin, (int)len) > 0;
    } else {
        ok = (!len || (EVP_CipherUpdate(a->c, buf, &n, buf, (int)len) && (size_t)n == len)) &&
             EVP_CipherFinal_ex(a->c, fin, &n) > 0;
    }
    if (!ok) {
        ltls_wipe(buf, len);
        return ltls_ossl_fail(LTLS_R_BAD_RECORD_MAC);
    }
    return LTLS_OK;
}

ltls_err_t ltls_ossl_aes_cbc_decrypt(void *impl_, const uint8_t *key, size_t key_len,
                                     const uint8_t iv[16], const uint8_t *in, size_t len,
                                     uint8_t *out)
{
    const ltls_ossl_impl_t *impl = impl_;
    if (!impl || !key || !iv || ((!in || !out) && len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    const EVP_CIPHER *cipher = key_len == 16 ? impl->cbc[0]
                               : key_len == 24 ? impl->cbc[1]
                               : key_len == 32 ? impl->cbc[2]
                                               : NULL;
    if (!cipher || len % 16 || len > INT_MAX / 2)
        return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    if (!len)
        return LTLS_OK;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n = 0, m = 0;
    uint8_t fin[32];
    /* Padding is the caller's to check (a wrong password shows up there),
     * so OpenSSL's own padding removal stays off. */
    int ok = c && EVP_DecryptInit_ex2(c, cipher, key, iv, NULL) && EVP_CIPHER_CTX_set_padding(c, 0) &&
             EVP_DecryptUpdate(c, out, &n, in, (int)len) && EVP_DecryptFinal_ex(c, fin, &m) &&
             (size_t)n == len && m == 0;
    EVP_CIPHER_CTX_free(c);
    return ok ? LTLS_OK : ltls_ossl_fail(LTLS_R_PROVIDER);
}
