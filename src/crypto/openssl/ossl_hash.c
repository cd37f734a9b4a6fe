/*
 * crypto/openssl/ossl_hash.c - SHA-2 hashing, HMAC, HKDF and PBKDF2 over
 * OpenSSL 3.
 *
 * Theory of operation. The EVP_MD objects (and PBKDF2's EVP_KDF) were
 * fetched once when the provider was created, so no call here looks an
 * algorithm up by name. A hash context wraps one EVP_MD_CTX; hash_final
 * re-initialises it in place so that the transcript code can keep using the
 * same context.
 *
 * HMAC (RFC 2104) is built here on two digest contexts of the fetched
 * EVP_MD, and HKDF (RFC 5869) on that HMAC, rather than through OpenSSL's
 * EVP_MAC and "HKDF" EVP_KDF: OpenSSL 3.0 cannot duplicate an HKDF context,
 * so every call would build a fresh one and re-fetch the digest by name
 * (EVP_KDF with parameters ~1.15 us per one-block expansion, HMAC through a
 * duplicated EVP_MAC context ~0.65 us), and an EVP_MAC HMAC under a new key
 * duplicates three digest contexts and runs HMAC_Init_ex. The key schedule
 * runs some forty HMACs per handshake, each under a new key; two digest
 * contexts per HMAC cut the instructions of the HKDF expansions by a fifth
 * and of a whole handshake by 2.4% (bench/RESULTS.md). PBKDF2 runs once per
 * encrypted key file, so it uses the fetched EVP_KDF directly.
 */
#include <limits.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>

#include "crypto/openssl/ossl.h"

struct ltls_hash_ctx {
    const ltls_ossl_impl_t *impl;
    const ltls_hash_alg_t *alg;
    EVP_MD_CTX *md;
    int idx;
};

int ltls_ossl_hash_index(const ltls_hash_alg_t *alg)
{
    if (!alg)
        return -1;
    switch (alg->id) {
    case 4: return 0;
    case 5: return 1;
    case 6: return 2;
    default: return -1;
    }
}

const char *ltls_ossl_hash_name(const ltls_hash_alg_t *alg)
{
    static const char *const names[LTLS_OSSL_NHASH] = {"SHA2-256", "SHA2-384", "SHA2-512"};
    int i = ltls_ossl_hash_index(alg);
    return i < 0 ? NULL : names[i];
}

static ltls_err_t hash_alloc(const ltls_ossl_impl_t *impl, const ltls_hash_alg_t *alg, int idx,
                             ltls_hash_ctx_t **out)
{
    ltls_hash_ctx_t *h = ltls_alloc(&impl->alloc, sizeof(*h));
    if (!h)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    h->impl = impl;
    h->alg = alg;
    h->idx = idx;
    h->md = EVP_MD_CTX_new();
    if (!h->md) {
        ltls_free(&impl->alloc, h, sizeof(*h));
        return ltls_ossl_fail(LTLS_R_OUT_OF_MEMORY);
    }
    *out = h;
    return LTLS_OK;
}

ltls_err_t ltls_ossl_hash_new(void *impl_, const ltls_hash_alg_t *alg, ltls_hash_ctx_t **out)
{
    const ltls_ossl_impl_t *impl = impl_;
    if (!impl || !out)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    int idx = ltls_ossl_hash_index(alg);
    if (idx < 0)
        return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
    ltls_hash_ctx_t *h = NULL;
    ltls_err_t err = hash_alloc(impl, alg, idx, &h);
    if (err)
        return err;
    if (!EVP_DigestInit_ex2(h->md, impl->md[idx], NULL)) {
        ltls_ossl_hash_free(h);
        return ltls_ossl_fail(LTLS_R_PROVIDER);
    }
    *out = h;
    return LTLS_OK;
}

ltls_err_t ltls_ossl_hash_update(ltls_hash_ctx_t *ctx, const uint8_t *data, size_t len)
{
    if (!ctx || (!data && len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if (len && !EVP_DigestUpdate(ctx->md, data, len))
        return ltls_ossl_fail(LTLS_R_PROVIDER);
    return LTLS_OK;
}

ltls_err_t ltls_ossl_hash_final(ltls_hash_ctx_t *ctx, uint8_t *out)
{
    if (!ctx || !out)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    unsigned int n = 0;
    if (!EVP_DigestFinal_ex(ctx->md, out, &n) || n != ctx->alg->digest_size ||
        !EVP_DigestInit_ex2(ctx->md, ctx->impl->md[ctx->idx], NULL))
        return ltls_ossl_fail(LTLS_R_PROVIDER);
    return LTLS_OK;
}

ltls_err_t ltls_ossl_hash_copy(const ltls_hash_ctx_t *ctx, ltls_hash_ctx_t **out)
{
    if (!ctx || !out)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    ltls_hash_ctx_t *h = NULL;
    ltls_err_t err = hash_alloc(ctx->impl, ctx->alg, ctx->idx, &h);
    if (err)
        return err;
    if (!EVP_MD_CTX_copy_ex(h->md, ctx->md)) {
        ltls_ossl_hash_free(h);
        return ltls_ossl_fail(LTLS_R_PROVIDER);
    }
    *out = h;
    return LTLS_OK;
}

void ltls_ossl_hash_free(ltls_hash_ctx_t *ctx)
{
    if (!ctx)
        return;
    EVP_MD_CTX_free(ctx->md); /* cleanses the running state */
    ltls_free(&ctx->impl->alloc, ctx, sizeof(*ctx));
}

/*
 * HMAC (RFC 2104) built on two digest contexts of the fetched EVP_MD: the
 * inner one starts with K ^ ipad, the outer one with K ^ opad. The key
 * schedule runs some forty HMACs per handshake, each under a new key, and
 * through EVP_MAC every one of them paid for duplicating an HMAC context
 * (three digest contexts inside), HMAC_Init_ex and its clean-up; two plain
 * digest contexts do the same hashing with a third of the objects
 * (bench/RESULTS.md). The contexts are freed with EVP_MD_CTX_free, which
 * cleanses the keyed state.
 */
typedef struct hmac {
    EVP_MD_CTX *in, *out;
} hmac_t;

static void hm_free(hmac_t *h)
{
    EVP_MD_CTX_free(h->in);
    EVP_MD_CTX_free(h->out);
    h->in = h->out = NULL;
}

/* Keys h (both contexts made here); 0 on failure (h freed). */
static int hm_key(hmac_t *h, const EVP_MD *md, const uint8_t *key, size_t key_len)
{
    uint8_t k[128], pad[128];
    unsigned int n = 0;
    int bs = EVP_MD_get_block_size(md);
    h->in = EVP_MD_CTX_new();
    h->out = EVP_MD_CTX_new();
    int ok = h->in && h->out && bs > 0 && (size_t)bs <= sizeof(k);
    memset(k, 0, sizeof(k));
    if (ok && key_len > (size_t)bs)
        ok = EVP_Digest(key, key_len, k, &n, md, NULL); /* RFC 2104 §2: long keys are hashed */
    else if (ok && key_len)
        memcpy(k, key, key_len);
    for (int i = 0; ok && i < bs; i++)
        pad[i] = (uint8_t)(k[i] ^ 0x36);
    ok = ok && EVP_DigestInit_ex2(h->in, md, NULL) && EVP_DigestUpdate(h->in, pad, (size_t)bs);
    for (int i = 0; ok && i < bs; i++)
        pad[i] = (uint8_t)(k[i] ^ 0x5c);
    ok = ok && EVP_DigestInit_ex2(h->out, md, NULL) && EVP_DigestUpdate(h->out, pad, (size_t)bs);
    ltls_wipe(k, sizeof(k));
    ltls_wipe(pad, sizeof(pad));
    if (!ok)
        hm_free(h);
    return ok;
}

/* out = the MAC (hl bytes); h is spent afterwards. */
static int hm_final(hmac_t *h, uint8_t *out, size_t hl)
{
    uint8_t inner[EVP_MAX_MD_SIZE];
    unsigned int n1 = 0, n2 = 0;
    int ok = EVP_DigestFinal_ex(h->in, inner, &n1) && n1 == hl &&
             EVP_DigestUpdate(h->out, inner, n1) && EVP_DigestFinal_ex(h->out, out, &n2) &&
             n2 == hl;
    ltls_wipe(inner, sizeof(inner));
    return ok;
}

ltls_err_t ltls_ossl_hmac(void *impl_, const ltls_hash_alg_t *alg, const uint8_t *key,
                          size_t key_len, const uint8_t *data, size_t len, uint8_t *out)
{
    const ltls_ossl_impl_t *impl = impl_;
    if (!impl || !out || (!key && key_len) || (!data && len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    int idx = ltls_ossl_hash_index(alg);
    if (idx < 0)
        return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
    hmac_t h;
    int ok = hm_key(&h, impl->md[idx], key, key_len);
    if (ok) {
        ok = (!len || EVP_DigestUpdate(h.in, data, len)) && hm_final(&h, out, alg->digest_size);
        hm_free(&h);
    }
    return ok ? LTLS_OK : ltls_ossl_fail(LTLS_R_PROVIDER);
}

ltls_err_t ltls_ossl_hkdf_extract(void *impl, const ltls_hash_alg_t *alg, const uint8_t *salt,
                                  size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                                  uint8_t *prk)
{
    /* RFC 5869 §2.2: an absent salt is HashLen zero bytes. */
    static const uint8_t zeros[LTLS_HASH_MAX_SIZE];
    if (!salt && salt_len)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if (!salt_len) {
        if (ltls_ossl_hash_index(alg) < 0)
            return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
        salt = zeros;
        salt_len = alg->digest_size;
    }
    return ltls_ossl_hmac(impl, alg, salt, salt_len, ikm, ikm_len, prk);
}

ltls_err_t ltls_ossl_hkdf_expand(void *impl_, const ltls_hash_alg_t *alg, const uint8_t *prk,
                                 size_t prk_len, const uint8_t *info, size_t info_len,
                                 uint8_t *out, size_t out_len)
{
    const ltls_ossl_impl_t *impl = impl_;
    if (!impl || !prk || (!out && out_len) || (!info && info_len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    int idx = ltls_ossl_hash_index(alg);
    if (idx < 0)
        return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
    size_t hl = alg->digest_size;
    if (out_len > 255 * hl)
        return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    if (!out_len)
        return LTLS_OK;

    /* T(i) = HMAC(PRK, T(i-1) || info || i). The keyed contexts are made
     * once; a block that is not the last works on copies of them. */
    hmac_t key, h = {NULL, NULL};
    if (!hm_key(&key, impl->md[idx], prk, prk_len))
        return ltls_ossl_fail(LTLS_R_PROVIDER);
    uint8_t t[LTLS_HASH_MAX_SIZE];
    size_t tlen = 0, done = 0;
    int ok = 1;
    for (uint8_t i = 1; ok && done < out_len; i++) {
        int last = out_len - done <= hl;
        hmac_t *b = &key;
        if (!last) {
            if (!h.in && !(h.in = EVP_MD_CTX_new(), h.out = EVP_MD_CTX_new(), h.in && h.out))
                ok = 0;
            ok = ok && EVP_MD_CTX_copy_ex(h.in, key.in) && EVP_MD_CTX_copy_ex(h.out, key.out);
            b = &h;
        }
        ok = ok && (!tlen || EVP_DigestUpdate(b->in, t, tlen)) &&
             (!info_len || EVP_DigestUpdate(b->in, info, info_len)) &&
             EVP_DigestUpdate(b->in, &i, 1) && hm_final(b, t, hl);
        if (ok) {
            size_t take = out_len - done < hl ? out_len - done : hl;
            memcpy(out + done, t, take);
            done += take;
            tlen = hl;
        }
    }
    ltls_wipe(t, sizeof(t));
    hm_free(&key);
    hm_free(&h);
    return ok ? LTLS_OK : ltls_ossl_fail(LTLS_R_PROVIDER);
}

ltls_err_t ltls_ossl_pbkdf2(void *impl_, const ltls_hash_alg_t *alg, const uint8_t *password,
                            size_t password_len, const uint8_t *salt, size_t salt_len,
                            uint32_t iterations, uint8_t *out, size_t out_len)
{
    static const uint8_t empty[1];
    const ltls_ossl_impl_t *impl = impl_;
    if (!impl || (!out && out_len) || (!password && password_len) || (!salt && salt_len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    /* SHA-1 is allowed here alone: it is RFC 8018's default PBKDF2 PRF. */
    const char *mdname = alg == &ltls_hash_sha1 ? "SHA1" : ltls_ossl_hash_name(alg);
    if (!mdname)
        return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
    if (!iterations)
        return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    if (!out_len)
        return LTLS_OK;

    uint64_t iter = iterations;
    /* pkcs5 = 1 turns off the SP 800-132 lower bounds (salt, iterations,
     * output length) that would refuse legitimate RFC 8018 key files. */
    int pkcs5 = 1;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
                                          ltls_ossl_unconst(password ? password : empty),
                                          password_len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
                                          ltls_ossl_unconst(salt ? salt : empty), salt_len),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_ITER, &iter),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, ltls_ossl_unconst(mdname), 0),
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_PKCS5, &pkcs5),
        OSSL_PARAM_construct_end(),
    };
    EVP_KDF_CTX *k = EVP_KDF_CTX_new(impl->pbkdf2);
    int ok = k && EVP_KDF_derive(k, out, out_len, params) > 0;
    EVP_KDF_CTX_free(k); /* clears its copy of the password */
    return ok ? LTLS_OK : ltls_ossl_fail(LTLS_R_PROVIDER);
}
