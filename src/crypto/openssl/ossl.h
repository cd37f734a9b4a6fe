/*
 * crypto/openssl/ossl.h - private to the OpenSSL provider: the provider's
 * immutable state and the helpers its files share. This is the only header
 * in lucidtls that names OpenSSL types; nothing outside src/crypto/openssl/
 * includes it.
 */
#ifndef LTLS_CRYPTO_OSSL_H
#define LTLS_CRYPTO_OSSL_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "core/mem.h"
#include "lucidtls/provider.h"

enum { LTLS_OSSL_NHASH = 3, LTLS_OSSL_NAEAD = 4 };

/* Everything fetched once at creation. After ltls_openssl_provider_create
 * returns, nothing here is written again; the OpenSSL objects are only read
 * (or duplicated / reference-counted, which OpenSSL makes thread-safe). */
typedef struct ltls_ossl_impl {
    ltls_allocator_t alloc;          /* a copy: the caller's struct may not outlive us */
    ltls_provider_t table;
    EVP_MD *md[LTLS_OSSL_NHASH];     /* SHA-256, SHA-384, SHA-512; HMAC is built on them */
    EVP_CIPHER *aead[LTLS_OSSL_NAEAD]; /* indexed by LTLS_AEAD_* - 1 */
    EVP_CIPHER *cbc[3];              /* AES-128/192/256-CBC */
    EVP_KDF *pbkdf2;
    const ltls_suite_t *suites[LTLS_OSSL_NAEAD + 1]; /* those whose AEAD was fetched */
    /* Per curve (P-256, P-384, P-521), a key holding only the group. A peer's
     * EC public key is made by copying it and setting the point: about a
     * fifth of the cost of EVP_PKEY_fromdata, which builds the group from
     * its name each time (bench/RESULTS.md). NULL: fromdata is used. */
    EVP_PKEY *ec_group_key[3];
} ltls_ossl_impl_t;

/* An EC curve as both TLS and OpenSSL name it. */
typedef struct ltls_ossl_curve {
    uint16_t code;        /* TLS NamedGroup */
    const char *name;     /* OpenSSL group name */
    int nid;
    size_t field_bytes;   /* one coordinate; the uncompressed point is 1 + 2 * this */
    size_t bits;
} ltls_ossl_curve_t;

/* Clears OpenSSL's thread-local error queue and returns the reason: every
 * failure path goes through here so that errors never leak into the next
 * call (or into an application that also uses OpenSSL). */
static inline ltls_err_t ltls_ossl_fail(ltls_reason_t reason)
{
    ERR_clear_error();
    return ltls_err_make(reason);
}

/* OSSL_PARAM constructors take non-const pointers even where OpenSSL only
 * reads; the round trip through uintptr_t says so without a -Wcast-qual hit. */
static inline void *ltls_ossl_unconst(const void *p) { return (void *)(uintptr_t)p; }

/* Index 0..2 of a hash descriptor in impl->md, or -1. */
int ltls_ossl_hash_index(const ltls_hash_alg_t *alg);
/* OpenSSL's canonical digest name for a descriptor ("SHA2-256"), or NULL. */
const char *ltls_ossl_hash_name(const ltls_hash_alg_t *alg);
const ltls_ossl_curve_t *ltls_ossl_curve_by_code(uint16_t code);
/* Index 0..2 of a curve in impl->ec_group_key. */
int ltls_ossl_curve_index(const ltls_ossl_curve_t *curve);
/* A key of curve's group only (for ec_group_key), or NULL. */
EVP_PKEY *ltls_ossl_ec_group_key(const ltls_ossl_curve_t *curve);

/* Builds an EC key pair from a big-endian scalar (leading zeros allowed).
 * The public point is computed; when point is given it must match (any SEC1
 * form). Out-of-range scalars and mismatches give LTLS_R_KEY_FORMAT. pub, if
 * not NULL, receives the uncompressed point (1 + 2 * field_bytes bytes). */
ltls_err_t ltls_ossl_ec_from_scalar(const ltls_ossl_curve_t *curve, const uint8_t *priv,
                                    size_t priv_len, const uint8_t *point, size_t point_len,
                                    EVP_PKEY **out, uint8_t *pub);

/* Provider table entries, by family. */
ltls_err_t ltls_ossl_hash_new(void *impl, const ltls_hash_alg_t *alg, ltls_hash_ctx_t **out);
ltls_err_t ltls_ossl_hash_update(ltls_hash_ctx_t *ctx, const uint8_t *data, size_t len);
ltls_err_t ltls_ossl_hash_final(ltls_hash_ctx_t *ctx, uint8_t *out);
ltls_err_t ltls_ossl_hash_copy(const ltls_hash_ctx_t *ctx, ltls_hash_ctx_t **out);
void ltls_ossl_hash_free(ltls_hash_ctx_t *ctx);
ltls_err_t ltls_ossl_hmac(void *impl, const ltls_hash_alg_t *alg, const uint8_t *key,
                          size_t key_len, const uint8_t *data, size_t len, uint8_t *out);
ltls_err_t ltls_ossl_hkdf_extract(void *impl, const ltls_hash_alg_t *alg, const uint8_t *salt,
                                  size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                                  uint8_t *prk);
ltls_err_t ltls_ossl_hkdf_expand(void *impl, const ltls_hash_alg_t *alg, const uint8_t *prk,
                                 size_t prk_len, const uint8_t *info, size_t info_len,
                                 uint8_t *out, size_t out_len);
ltls_err_t ltls_ossl_pbkdf2(void *impl, const ltls_hash_alg_t *alg, const uint8_t *password,
                            size_t password_len, const uint8_t *salt, size_t salt_len,
                            uint32_t iterations, uint8_t *out, size_t out_len);

ltls_err_t ltls_ossl_aead_new(void *impl, const ltls_aead_alg_t *alg, const uint8_t *key,
                              int encrypt, ltls_aead_ctx_t **out);
ltls_err_t ltls_ossl_aead_seal(ltls_aead_ctx_t *ctx, const uint8_t nonce[LTLS_AEAD_NONCE_SIZE],
                               const uint8_t *aad, size_t aad_len, uint8_t *buf, size_t len,
                               uint8_t *tag);
ltls_err_t ltls_ossl_aead_open(ltls_aead_ctx_t *ctx, const uint8_t nonce[LTLS_AEAD_NONCE_SIZE],
                               const uint8_t *aad, size_t aad_len, uint8_t *buf, size_t len,
                               const uint8_t *tag);
void ltls_ossl_aead_free(ltls_aead_ctx_t *ctx);
ltls_err_t ltls_ossl_aes_cbc_decrypt(void *impl, const uint8_t *key, size_t key_len,
                                     const uint8_t iv[16], const uint8_t *in, size_t len,
                                     uint8_t *out);

ltls_err_t ltls_ossl_kex_start(void *impl, const ltls_group_t *group, ltls_kex_ctx_t **out,
                               uint8_t *share);
ltls_err_t ltls_ossl_kex_import(void *impl, const ltls_group_t *group, const uint8_t *priv,
                                ltls_kex_ctx_t **out, uint8_t *share);
ltls_err_t ltls_ossl_kex_finish(ltls_kex_ctx_t *ctx, const uint8_t *peer_share, size_t peer_len,
                                uint8_t *secret);
ltls_err_t ltls_ossl_kex_respond(void *impl, const ltls_group_t *group, const uint8_t *peer_share,
                                 size_t peer_len, uint8_t *share, uint8_t *secret);
void ltls_ossl_kex_free(ltls_kex_ctx_t *ctx);

ltls_err_t ltls_ossl_pubkey_new(void *impl, const ltls_pubkey_info_t *info, ltls_pubkey_t **out);
void ltls_ossl_pubkey_free(ltls_pubkey_t *key);
size_t ltls_ossl_pubkey_bits(const ltls_pubkey_t *key);
ltls_err_t ltls_ossl_verify(const ltls_pubkey_t *key, const ltls_sigscheme_t *scheme,
                            const uint8_t *msg, size_t msg_len, const uint8_t *sig,
                            size_t sig_len);
ltls_err_t ltls_ossl_privkey_new(void *impl, const ltls_privkey_info_t *info,
                                 ltls_privkey_t **out);
void ltls_ossl_privkey_free(ltls_privkey_t *key);
ltls_err_t ltls_ossl_privkey_public(const ltls_privkey_t *key, ltls_pubkey_t **out);
ltls_err_t ltls_ossl_sign(const ltls_privkey_t *key, const ltls_sigscheme_t *scheme,
                          const uint8_t *msg, size_t msg_len, uint8_t *sig, size_t *sig_len);
ltls_err_t ltls_ossl_privkey_generate(void *impl, ltls_key_type_t type, uint16_t curve,
                                      unsigned rsa_bits, ltls_privkey_t **out);
ltls_err_t ltls_ossl_privkey_public_info(const ltls_privkey_t *key, ltls_pubkey_info_t *info,
                                         uint8_t *buf, size_t cap);

#endif
