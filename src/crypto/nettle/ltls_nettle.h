/*
 * crypto/nettle/ltls_nettle.h - private to the Nettle provider: its immutable
 * state, the helpers its files share and the table entries they define.
 * This is the only header in lucidtls that names Nettle, Hogweed or GMP
 * types; nothing outside src/crypto/nettle/ includes it.
 *
 * Memory. Nettle's public-key layer keeps numbers as GMP limbs. Where the
 * interface lets us, secret limbs live in buffers from the provider's
 * allocator, handed to Nettle as read-only mpz views (mpz_roinit_n), so that
 * ltls_free wipes them. Where Nettle allocates itself (ecc_scalar and
 * ecc_point storage, results of ecc_point_get, RSA key generation) the limbs
 * are wiped through ltls_nettle_mpz_wipe / ltls_nettle_ecc_*_wipe before
 * Nettle frees them. Scratch space that Nettle keeps on its own stack (HMAC
 * pads, the blinding factors of RSA signing) is beyond our reach.
 */
#ifndef LTLS_CRYPTO_LTLS_NETTLE_H
#define LTLS_CRYPTO_LTLS_NETTLE_H

#include <stddef.h>
#include <stdint.h>

#include <gmp.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>
#include <nettle/nettle-meta.h>

#include "core/mem.h"
#include "lucidtls/provider.h"

/* Everything the provider owns; written once by ltls_nettle_provider_create
 * and only read afterwards, so the provider is shared freely by threads. */
typedef struct ltls_nettle_impl {
    ltls_allocator_t alloc; /* a copy: the caller's struct may not outlive us */
    ltls_provider_t table;
} ltls_nettle_impl_t;

/* A NIST curve as TLS and Nettle name it. */
typedef struct ltls_nettle_curve {
    uint16_t code;      /* TLS NamedGroup */
    size_t field_bytes; /* one coordinate; the uncompressed point is 1 + 2 * this */
    size_t bits;
    const struct ecc_curve *(*get)(void);
} ltls_nettle_curve_t;

/* Largest numbers the provider handles, in limbs: RSA components (up to the
 * modulus, LTLS_SIG_MAX_SIZE bytes) and EC field elements (66 bytes). */
#define LTLS_NETTLE_RSA_LIMBS ((LTLS_SIG_MAX_SIZE + sizeof(mp_limb_t) - 1) / sizeof(mp_limb_t))
#define LTLS_NETTLE_EC_LIMBS ((66 + sizeof(mp_limb_t) - 1) / sizeof(mp_limb_t))

/* --- randomness (nettle_random.c) --- */

/* The state behind Nettle's nettle_random_func callbacks, which cannot report
 * failure: a getrandom error is recorded here and the caller of the Nettle
 * function turns it into LTLS_R_RANDOM, discarding the result. */
typedef struct ltls_nettle_rng {
    int failed;
    uint32_t counter; /* varies the filler after a failure (nettle_random.c) */
} ltls_nettle_rng_t;

ltls_err_t ltls_nettle_random(void *impl, uint8_t *out, size_t len);
void ltls_nettle_rng_cb(void *rng, size_t len, uint8_t *dst);

/* --- numbers (nettle_random.c) --- */

/* Big-endian bytes (leading zeros allowed) into little-endian limbs, zero
 * filling dst[0..cap). Returns 0, or -1 when the value needs more than cap
 * limbs. */
int ltls_nettle_limbs_from_be(mp_limb_t *dst, size_t cap, const uint8_t *be, size_t len);
/* A read-only mpz over limbs[0..n) (GMP normalises the size); never cleared. */
mpz_srcptr ltls_nettle_mpz_view(mpz_ptr z, const mp_limb_t *limbs, size_t n);
/* Wipes every limb GMP allocated for z, then clears it. */
void ltls_nettle_mpz_wipe_clear(mpz_ptr z);
/* Wipes, then frees, the limbs Nettle allocated for a scalar or a point. */
void ltls_nettle_ecc_scalar_wipe_clear(struct ecc_scalar *s);
void ltls_nettle_ecc_point_wipe_clear(struct ecc_point *p);

/* --- curves and points (nettle_kex.c) --- */

const ltls_nettle_curve_t *ltls_nettle_curve_by_code(uint16_t code);
/* Sets a scalar from big-endian bytes; LTLS_R_KEY_FORMAT outside [1, n). */
ltls_err_t ltls_nettle_scalar_set(struct ecc_scalar *s, const uint8_t *be, size_t len);
/* Sets p from an uncompressed SEC1 point of exactly 1 + 2 * field_bytes
 * bytes whose coordinates are below the field prime and which lies on the
 * curve; 0 otherwise. */
int ltls_nettle_point_set(struct ecc_point *p, const ltls_nettle_curve_t *c, const uint8_t *sec1,
                          size_t len);
/* Writes the uncompressed SEC1 form of p (1 + 2 * field_bytes bytes). */
void ltls_nettle_point_get(const struct ecc_point *p, const ltls_nettle_curve_t *c, uint8_t *out);

/* --- hashing (nettle_hash.c) --- */

/* Nettle's descriptor for a TLS hash (SHA-256/384/512, matched by id and
 * digest size), or NULL. SHA-1 is never returned: pbkdf2 handles it alone. */
const struct nettle_hash *ltls_nettle_hash_meta(const ltls_hash_alg_t *alg);
/* The digest of msg under Nettle's descriptor h. */
void ltls_nettle_digest(const struct nettle_hash *h, const uint8_t *msg, size_t len, uint8_t *out);

/* --- ECDSA-Sig-Value (RFC 3279 §2.2.3) codec (nettle_der.c) --- */

/* Encodes r and s, each size bytes big-endian, as DER. *len holds the
 * capacity of out on entry and the encoding's size on return;
 * LTLS_R_BUFFER_TOO_SMALL if it does not fit. */
ltls_err_t ltls_nettle_ecdsa_sig_encode(const uint8_t *r, const uint8_t *s, size_t size,
                                        uint8_t *out, size_t *len);
/* Decodes a DER signature into views of r and s (unsigned magnitudes,
 * minimal). Anything but exactly one well-formed SEQUENCE of two
 * non-negative INTEGERs is LTLS_R_DECRYPT_ERROR. */
ltls_err_t ltls_nettle_ecdsa_sig_decode(const uint8_t *sig, size_t sig_len, const uint8_t **r,
                                        size_t *r_len, const uint8_t **s, size_t *s_len);

/* --- provider table entries, by family --- */

ltls_err_t ltls_nettle_hash_new(void *impl, const ltls_hash_alg_t *alg, ltls_hash_ctx_t **out);
ltls_err_t ltls_nettle_hash_update(ltls_hash_ctx_t *ctx, const uint8_t *data, size_t len);
ltls_err_t ltls_nettle_hash_final(ltls_hash_ctx_t *ctx, uint8_t *out);
ltls_err_t ltls_nettle_hash_copy(const ltls_hash_ctx_t *ctx, ltls_hash_ctx_t **out);
void ltls_nettle_hash_free(ltls_hash_ctx_t *ctx);
ltls_err_t ltls_nettle_hmac(void *impl, const ltls_hash_alg_t *alg, const uint8_t *key,
                            size_t key_len, const uint8_t *data, size_t len, uint8_t *out);
ltls_err_t ltls_nettle_hkdf_extract(void *impl, const ltls_hash_alg_t *alg, const uint8_t *salt,
                                    size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                                    uint8_t *prk);
ltls_err_t ltls_nettle_hkdf_expand(void *impl, const ltls_hash_alg_t *alg, const uint8_t *prk,
                                   size_t prk_len, const uint8_t *info, size_t info_len,
                                   uint8_t *out, size_t out_len);
ltls_err_t ltls_nettle_pbkdf2(void *impl, const ltls_hash_alg_t *alg, const uint8_t *password,
                              size_t password_len, const uint8_t *salt, size_t salt_len,
                              uint32_t iterations, uint8_t *out, size_t out_len);

ltls_err_t ltls_nettle_aead_new(void *impl, const ltls_aead_alg_t *alg, const uint8_t *key,
                                int encrypt, ltls_aead_ctx_t **out);
ltls_err_t ltls_nettle_aead_seal(ltls_aead_ctx_t *ctx, const uint8_t nonce[LTLS_AEAD_NONCE_SIZE],
                                 const uint8_t *aad, size_t aad_len, uint8_t *buf, size_t len,
                                 uint8_t *tag);
ltls_err_t ltls_nettle_aead_open(ltls_aead_ctx_t *ctx, const uint8_t nonce[LTLS_AEAD_NONCE_SIZE],
                                 const uint8_t *aad, size_t aad_len, uint8_t *buf, size_t len,
                                 const uint8_t *tag);
void ltls_nettle_aead_free(ltls_aead_ctx_t *ctx);
ltls_err_t ltls_nettle_aes_cbc_decrypt(void *impl, const uint8_t *key, size_t key_len,
                                       const uint8_t iv[16], const uint8_t *in, size_t len,
                                       uint8_t *out);

ltls_err_t ltls_nettle_kex_start(void *impl, const ltls_group_t *group, ltls_kex_ctx_t **out,
                                 uint8_t *share);
ltls_err_t ltls_nettle_kex_import(void *impl, const ltls_group_t *group, const uint8_t *priv,
                                  ltls_kex_ctx_t **out, uint8_t *share);
ltls_err_t ltls_nettle_kex_finish(ltls_kex_ctx_t *ctx, const uint8_t *peer_share, size_t peer_len,
                                  uint8_t *secret);
ltls_err_t ltls_nettle_kex_respond(void *impl, const ltls_group_t *group,
                                   const uint8_t *peer_share, size_t peer_len, uint8_t *share,
                                   uint8_t *secret);
void ltls_nettle_kex_free(ltls_kex_ctx_t *ctx);

ltls_err_t ltls_nettle_pubkey_new(void *impl, const ltls_pubkey_info_t *info,
                                  ltls_pubkey_t **out);
void ltls_nettle_pubkey_free(ltls_pubkey_t *key);
size_t ltls_nettle_pubkey_bits(const ltls_pubkey_t *key);
ltls_err_t ltls_nettle_verify(const ltls_pubkey_t *key, const ltls_sigscheme_t *scheme,
                              const uint8_t *msg, size_t msg_len, const uint8_t *sig,
                              size_t sig_len);
ltls_err_t ltls_nettle_privkey_new(void *impl, const ltls_privkey_info_t *info,
                                   ltls_privkey_t **out);
void ltls_nettle_privkey_free(ltls_privkey_t *key);
ltls_err_t ltls_nettle_privkey_public(const ltls_privkey_t *key, ltls_pubkey_t **out);
ltls_err_t ltls_nettle_sign(const ltls_privkey_t *key, const ltls_sigscheme_t *scheme,
                            const uint8_t *msg, size_t msg_len, uint8_t *sig, size_t *sig_len);
ltls_err_t ltls_nettle_privkey_generate(void *impl, ltls_key_type_t type, uint16_t curve,
                                        unsigned rsa_bits, ltls_privkey_t **out);
ltls_err_t ltls_nettle_privkey_public_info(const ltls_privkey_t *key, ltls_pubkey_info_t *info,
                                           uint8_t *buf, size_t cap);

#endif
