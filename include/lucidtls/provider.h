/*
 * lucidtls/provider.h - the crypto provider interface.
 *
 * lucidtls performs no cryptographic primitive itself. Every hash, MAC, KDF,
 * AEAD, key exchange, signature and random byte comes from a provider: an
 * ltls_provider_t table of function pointers plus the provider's own state.
 * This header is all a third party needs to write a bridge to another crypto
 * library; it names no type of any crypto library.
 *
 * Algorithms are identified by const descriptors that lucidtls defines once
 * (ltls_hash_sha256, ltls_aead_aes128gcm, ltls_group_x25519, ...), each with
 * its IANA code point and name. A provider lists the descriptors it supports
 * and receives them back as arguments, comparing by address or code point.
 *
 * Threading: a provider instance is immutable after creation and its functions
 * may be called from several threads at once. Per-operation state lives in the
 * contexts it returns (hash, AEAD, key-exchange contexts), which belong to one
 * thread at a time.
 *
 * Errors: functions return LTLS_OK or an ltls_err_t; a provider uses
 * LTLS_R_PROVIDER for library failures, LTLS_R_OUT_OF_MEMORY, LTLS_R_RANDOM,
 * LTLS_R_UNSUPPORTED_ALGORITHM for a descriptor it does not implement, and the
 * specific reasons named below. Output parameters are untouched on failure,
 * except that secret outputs may hold garbage which the caller wipes.
 *
 * Secrets: contexts and keys that hold secrets are wiped by their free
 * function. Comparisons of tags are constant-time.
 */
#ifndef LUCIDTLS_PROVIDER_H
#define LUCIDTLS_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

#include "lucidtls/alloc.h"
#include "lucidtls/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------
 * Algorithm descriptors (defined by lucidtls; providers point at them)
 * ------------------------------------------------------------------------- */

#define LTLS_HASH_MAX_SIZE 64   /* SHA-512 */
#define LTLS_HASH_MAX_BLOCK 128 /* SHA-384/512 block */
#define LTLS_AEAD_MAX_KEY 32
#define LTLS_AEAD_NONCE_SIZE 12 /* every TLS 1.3 AEAD uses 96-bit nonces (RFC 8446 §5.3) */
#define LTLS_AEAD_TAG_SIZE 16
#define LTLS_KEX_MAX_SHARE 133  /* secp521r1 uncompressed point; raised when hybrid groups arrive */
#define LTLS_KEX_MAX_SECRET 66
#define LTLS_SIG_MAX_SIZE 1024  /* RSA-8192 */
#define LTLS_PUBKEY_EXPORT_MAX (2 * LTLS_SIG_MAX_SIZE) /* RSA n and e, each at most the modulus */

typedef struct ltls_hash_alg {
    uint8_t id;           /* TLS HashAlgorithm: 2 = sha1, 4 = sha256, 5 = sha384, 6 = sha512 */
    const char *name;     /* "SHA-256" */
    size_t digest_size;
    size_t block_size;
} ltls_hash_alg_t;

typedef struct ltls_aead_alg {
    uint8_t id;           /* LTLS_AEAD_* below (not an IANA value; suites carry those) */
    const char *name;     /* "AES-128-GCM" */
    size_t key_size;
    size_t tag_size;
    /* RFC 8446 §5.5: records one key may protect (confidentiality limit). */
    uint64_t max_records;
} ltls_aead_alg_t;

enum { LTLS_AEAD_AES128GCM = 1, LTLS_AEAD_AES256GCM = 2, LTLS_AEAD_CHACHA20POLY1305 = 3,
       LTLS_AEAD_AES128CCM = 4 };

/* A TLS 1.3 cipher suite: an AEAD and the hash of the key schedule. */
typedef struct ltls_suite {
    uint16_t code;        /* IANA, e.g. 0x1301 */
    const char *name;     /* "TLS_AES_128_GCM_SHA256" */
    const ltls_aead_alg_t *aead;
    const ltls_hash_alg_t *hash;
} ltls_suite_t;

/* A key-exchange group, shaped as a KEM so that hybrid post-quantum groups fit:
 * the client sends a share, the server answers with its own share and both
 * arrive at the same secret. For (EC)DH both shares are public keys. */
typedef struct ltls_group {
    uint16_t code;            /* IANA NamedGroup, e.g. 0x001d x25519 */
    const char *name;         /* "x25519" */
    size_t client_share_size; /* exact size of a valid client key_exchange */
    size_t server_share_size; /* exact size of a valid server key_exchange */
    size_t secret_size;       /* size of the shared secret */
    size_t private_size;      /* size of a raw private key, for kex_import */
} ltls_group_t;

typedef enum ltls_key_type {
    LTLS_KEY_NONE = 0,
    LTLS_KEY_RSA = 1,
    LTLS_KEY_EC = 2,      /* with a curve: ltls_group code of secp256r1/secp384r1/secp521r1 */
    LTLS_KEY_ED25519 = 3,
    LTLS_KEY_ED448 = 4
} ltls_key_type_t;

typedef enum ltls_sig_padding {
    LTLS_PAD_NONE = 0,    /* ECDSA, EdDSA */
    LTLS_PAD_PSS = 1,     /* RSASSA-PSS, MGF1 with the same hash, salt = hash length */
    LTLS_PAD_PKCS1 = 2    /* RSASSA-PKCS1-v1_5 */
} ltls_sig_padding_t;

/* A SignatureScheme (RFC 8446 §4.2.3). */
typedef struct ltls_sigscheme {
    uint16_t code;        /* IANA, e.g. 0x0403 */
    const char *name;     /* "ecdsa_secp256r1_sha256" */
    ltls_key_type_t key_type;
    uint16_t curve;       /* for LTLS_KEY_EC: the group code of the curve; else 0 */
    const ltls_hash_alg_t *hash; /* NULL for EdDSA, which hashes internally */
    ltls_sig_padding_t padding;
    uint8_t tls13_handshake; /* 1 if allowed in a TLS 1.3 CertificateVerify */
} ltls_sigscheme_t;

extern LTLS_API const ltls_hash_alg_t ltls_hash_sha256, ltls_hash_sha384, ltls_hash_sha512;
/* SHA-1 exists only as the PRF of PBKDF2 in encrypted PKCS#8 key files (RFC
 * 8018's default, still what many tools write). It is never used by TLS or
 * for signatures; a provider needs it in pbkdf2() alone. */
extern LTLS_API const ltls_hash_alg_t ltls_hash_sha1;
extern LTLS_API const ltls_aead_alg_t ltls_aead_aes128gcm, ltls_aead_aes256gcm, ltls_aead_chacha20poly1305,
    ltls_aead_aes128ccm;
extern LTLS_API const ltls_suite_t ltls_suite_aes128gcm_sha256, ltls_suite_aes256gcm_sha384,
    ltls_suite_chacha20poly1305_sha256, ltls_suite_aes128ccm_sha256;
extern LTLS_API const ltls_group_t ltls_group_x25519, ltls_group_x448, ltls_group_secp256r1,
    ltls_group_secp384r1, ltls_group_secp521r1;
extern LTLS_API const ltls_sigscheme_t ltls_sig_ecdsa_secp256r1_sha256, ltls_sig_ecdsa_secp384r1_sha384,
    ltls_sig_ecdsa_secp521r1_sha512, ltls_sig_rsa_pss_rsae_sha256, ltls_sig_rsa_pss_rsae_sha384,
    ltls_sig_rsa_pss_rsae_sha512, ltls_sig_ed25519, ltls_sig_ed448, ltls_sig_rsa_pkcs1_sha256,
    ltls_sig_rsa_pkcs1_sha384, ltls_sig_rsa_pkcs1_sha512;

/* Lookups by code point among all descriptors lucidtls knows; NULL if none. */
LTLS_API const ltls_suite_t *ltls_suite_by_code(uint16_t code);
LTLS_API const ltls_group_t *ltls_group_by_code(uint16_t code);
LTLS_API const ltls_sigscheme_t *ltls_sigscheme_by_code(uint16_t code);

/* ---------------------------------------------------------------------------
 * Keys as lucidtls hands them to a provider
 *
 * lucidtls parses key files and certificates itself and gives the provider the
 * raw components below. All integers are unsigned big-endian without a sign
 * byte requirement (leading zeros allowed). The pointers are borrowed for the
 * duration of the call only; a provider copies what it keeps.
 * ------------------------------------------------------------------------- */

typedef struct ltls_pubkey_info {
    ltls_key_type_t type;
    uint16_t curve;                  /* LTLS_KEY_EC: group code of the curve */
    const uint8_t *point; size_t point_size; /* EC: uncompressed SEC1 point; EdDSA: raw key */
    const uint8_t *n; size_t n_size;         /* RSA modulus */
    const uint8_t *e; size_t e_size;         /* RSA public exponent */
} ltls_pubkey_info_t;

typedef struct ltls_privkey_info {
    ltls_key_type_t type;
    uint16_t curve;                          /* LTLS_KEY_EC */
    const uint8_t *priv; size_t priv_size;   /* EC scalar; EdDSA 32/57-byte seed */
    const uint8_t *point; size_t point_size; /* EC public point if the file had it, else NULL */
    /* RSA: all eight components are present (PKCS#1 RSAPrivateKey). */
    const uint8_t *n, *e, *d, *p, *q, *dp, *dq, *qinv;
    size_t n_size, e_size, d_size, p_size, q_size, dp_size, dq_size, qinv_size;
} ltls_privkey_info_t;

/* Provider-defined opaque types. */
typedef struct ltls_hash_ctx ltls_hash_ctx_t;
typedef struct ltls_aead_ctx ltls_aead_ctx_t;
typedef struct ltls_kex_ctx ltls_kex_ctx_t;
typedef struct ltls_pubkey ltls_pubkey_t;
typedef struct ltls_privkey ltls_privkey_t;

/* ---------------------------------------------------------------------------
 * The provider table
 * ------------------------------------------------------------------------- */

typedef struct ltls_provider ltls_provider_t;

struct ltls_provider {
    const char *name;  /* "openssl", "nettle" */
    void *impl;        /* the provider's own immutable state */

    /* What this provider implements, each list NULL-terminated, in the
     * provider's order of preference. */
    const ltls_suite_t *const *suites;
    const ltls_group_t *const *groups;
    const ltls_sigscheme_t *const *sigschemes;

    /* Fills out with len unpredictable bytes (CSPRNG). */
    ltls_err_t (*random)(void *impl, uint8_t *out, size_t len);

    /* --- hashing: incremental, with copy of the running state (transcripts) --- */
    ltls_err_t (*hash_new)(void *impl, const ltls_hash_alg_t *alg, ltls_hash_ctx_t **out);
    ltls_err_t (*hash_update)(ltls_hash_ctx_t *ctx, const uint8_t *data, size_t len);
    /* Writes the digest (alg->digest_size bytes). The context stays usable:
     * it is reset to the empty state. */
    ltls_err_t (*hash_final)(ltls_hash_ctx_t *ctx, uint8_t *out);
    /* A new, independent context with the same running state. */
    ltls_err_t (*hash_copy)(const ltls_hash_ctx_t *ctx, ltls_hash_ctx_t **out);
    void (*hash_free)(ltls_hash_ctx_t *ctx); /* NULL is a no-op */

    /* --- MAC and KDF (one-shot) --- */
    /* HMAC (RFC 2104); out receives alg->digest_size bytes. */
    ltls_err_t (*hmac)(void *impl, const ltls_hash_alg_t *alg, const uint8_t *key, size_t key_len,
                       const uint8_t *data, size_t len, uint8_t *out);
    /* HKDF-Extract (RFC 5869 §2.2); prk receives alg->digest_size bytes.
     * salt may be NULL with salt_len 0 (a string of zeros is then used). */
    ltls_err_t (*hkdf_extract)(void *impl, const ltls_hash_alg_t *alg, const uint8_t *salt,
                               size_t salt_len, const uint8_t *ikm, size_t ikm_len, uint8_t *prk);
    /* HKDF-Expand (RFC 5869 §2.3); out_len <= 255 * digest_size. */
    ltls_err_t (*hkdf_expand)(void *impl, const ltls_hash_alg_t *alg, const uint8_t *prk,
                              size_t prk_len, const uint8_t *info, size_t info_len, uint8_t *out,
                              size_t out_len);

    /* --- AEAD: one context per key, reused for every record, in place --- */
    /* key is alg->key_size bytes; encrypt selects seal (1) or open (0). */
    ltls_err_t (*aead_new)(void *impl, const ltls_aead_alg_t *alg, const uint8_t *key, int encrypt,
                           ltls_aead_ctx_t **out);
    /* Encrypts buf[0..len) in place and writes the tag (alg->tag_size bytes). */
    ltls_err_t (*aead_seal)(ltls_aead_ctx_t *ctx, const uint8_t nonce[LTLS_AEAD_NONCE_SIZE],
                            const uint8_t *aad, size_t aad_len, uint8_t *buf, size_t len,
                            uint8_t *tag);
    /* Checks tag and decrypts buf[0..len) in place. A wrong tag gives
     * LTLS_R_BAD_RECORD_MAC; buf's content is then unspecified. */
    ltls_err_t (*aead_open)(ltls_aead_ctx_t *ctx, const uint8_t nonce[LTLS_AEAD_NONCE_SIZE],
                            const uint8_t *aad, size_t aad_len, uint8_t *buf, size_t len,
                            const uint8_t *tag);
    void (*aead_free)(ltls_aead_ctx_t *ctx); /* wipes the key; NULL is a no-op */

    /* --- key exchange --- */
    /* Client: a fresh key pair; writes group->client_share_size bytes to share. */
    ltls_err_t (*kex_start)(void *impl, const ltls_group_t *group, ltls_kex_ctx_t **out,
                            uint8_t *share);
    /* As kex_start from a given raw private key (group->private_size bytes).
     * For known-answer tests and deterministic fuzzing only. */
    ltls_err_t (*kex_import)(void *impl, const ltls_group_t *group, const uint8_t *priv,
                             ltls_kex_ctx_t **out, uint8_t *share);
    /* Client: combines its context with the server's share into the secret
     * (group->secret_size bytes). An invalid share (wrong size, not on the
     * curve, all-zero X25519 result) gives LTLS_R_BAD_KEY_SHARE. */
    ltls_err_t (*kex_finish)(ltls_kex_ctx_t *ctx, const uint8_t *peer_share, size_t peer_len,
                             uint8_t *secret);
    /* Server: answers a client share with its own share (server_share_size
     * bytes) and the secret, in one step. Errors as kex_finish. */
    ltls_err_t (*kex_respond)(void *impl, const ltls_group_t *group, const uint8_t *peer_share,
                              size_t peer_len, uint8_t *share, uint8_t *secret);
    void (*kex_free)(ltls_kex_ctx_t *ctx); /* wipes; NULL is a no-op */

    /* --- public keys and verification --- */
    /* Imports a public key once, so that several verifications reuse it. An
     * unusable key (bad point, unsupported curve) gives LTLS_R_KEY_FORMAT. */
    ltls_err_t (*pubkey_new)(void *impl, const ltls_pubkey_info_t *info, ltls_pubkey_t **out);
    void (*pubkey_free)(ltls_pubkey_t *key);
    /* Size of the key in bits (RSA modulus, EC field), for policy checks. */
    size_t (*pubkey_bits)(const ltls_pubkey_t *key);
    /* Verifies sig over msg (the message itself; the provider hashes it as the
     * scheme says). Wrong signature: LTLS_R_DECRYPT_ERROR. Key not of the
     * scheme's type or curve: LTLS_R_KEY_TYPE_MISMATCH. */
    ltls_err_t (*verify)(const ltls_pubkey_t *key, const ltls_sigscheme_t *scheme,
                         const uint8_t *msg, size_t msg_len, const uint8_t *sig, size_t sig_len);

    /* --- private keys (opaque handles; may live outside process memory) --- */
    /* Imports a key; the provider checks its consistency (LTLS_R_KEY_FORMAT). */
    ltls_err_t (*privkey_new)(void *impl, const ltls_privkey_info_t *info, ltls_privkey_t **out);
    void (*privkey_free)(ltls_privkey_t *key); /* wipes; NULL is a no-op */
    /* The matching public key, to compare with a certificate. */
    ltls_err_t (*privkey_public)(const ltls_privkey_t *key, ltls_pubkey_t **out);
    /* Signs msg. *sig_len holds the capacity of sig on entry and the
     * signature's size on return (LTLS_R_BUFFER_TOO_SMALL if it would not fit).
     * Wrong key for the scheme: LTLS_R_KEY_TYPE_MISMATCH. */
    ltls_err_t (*sign)(const ltls_privkey_t *key, const ltls_sigscheme_t *scheme,
                       const uint8_t *msg, size_t msg_len, uint8_t *sig, size_t *sig_len);
    /* Generates a fresh key pair (throwaway keys for demos and tests; the
     * certificate builder signs with them). type LTLS_KEY_EC with curve a
     * group code (0x0017 secp256r1, 0x0018, 0x0019); LTLS_KEY_ED25519 or
     * LTLS_KEY_ED448 with curve 0; LTLS_KEY_RSA with rsa_bits a multiple of
     * 8 in 2048..8192 (0: 2048) and e = 65537. Anything else:
     * LTLS_R_UNSUPPORTED_ALGORITHM. Optional: NULL when the provider cannot
     * generate keys (an HSM bridge may choose not to). */
    ltls_err_t (*privkey_generate)(void *impl, ltls_key_type_t type, uint16_t curve,
                                   unsigned rsa_bits, ltls_privkey_t **out);
    /* The public components of a private key, for writing a
     * SubjectPublicKeyInfo: fills info (type, curve, point or n and e) with
     * views into buf, which LTLS_PUBKEY_EXPORT_MAX bytes always suffice for
     * (LTLS_R_BUFFER_TOO_SMALL otherwise). Optional, as privkey_generate. */
    ltls_err_t (*privkey_public_info)(const ltls_privkey_t *key, ltls_pubkey_info_t *info,
                                      uint8_t *buf, size_t cap);

    /* --- decryption of encrypted PKCS#8 key files (PBES2, RFC 8018) --- */
    /* PBKDF2 with HMAC-alg. */
    ltls_err_t (*pbkdf2)(void *impl, const ltls_hash_alg_t *alg, const uint8_t *password,
                         size_t password_len, const uint8_t *salt, size_t salt_len,
                         uint32_t iterations, uint8_t *out, size_t out_len);
    /* AES-CBC decryption of len bytes (a multiple of 16) with a 16/24/32-byte
     * key; padding is left for the caller to check. out may equal in. */
    ltls_err_t (*aes_cbc_decrypt)(void *impl, const uint8_t *key, size_t key_len,
                                  const uint8_t iv[16], const uint8_t *in, size_t len,
                                  uint8_t *out);

    /* Frees the provider and its state. Contexts and keys it made must be
     * freed first. */
    void (*destroy)(ltls_provider_t *provider);
};

/* ---------------------------------------------------------------------------
 * Providers built into this library
 * ------------------------------------------------------------------------- */

typedef struct ltls_provider_entry {
    const char *name;
    /* Creates an instance; alloc may be NULL for malloc/free. */
    ltls_err_t (*create)(const ltls_allocator_t *alloc, ltls_provider_t **out);
} ltls_provider_entry_t;

/* The providers compiled in (Meson options -Dopenssl / -Dnettle), default
 * first, terminated by an entry whose name is NULL. */
LTLS_API const ltls_provider_entry_t *ltls_providers_builtin(void);

/* Creates the built-in provider called name, or the default one when name is
 * NULL. Unknown name: LTLS_R_UNSUPPORTED_ALGORITHM. Free with
 * ltls_provider_free(). */
LTLS_API ltls_err_t ltls_provider_new(const char *name, const ltls_allocator_t *alloc,
                             ltls_provider_t **out);
LTLS_API void ltls_provider_free(ltls_provider_t *provider); /* NULL is a no-op */

/* 1 if the provider lists the descriptor, else 0. */
LTLS_API int ltls_provider_has_suite(const ltls_provider_t *p, const ltls_suite_t *suite);
LTLS_API int ltls_provider_has_group(const ltls_provider_t *p, const ltls_group_t *group);
LTLS_API int ltls_provider_has_sigscheme(const ltls_provider_t *p, const ltls_sigscheme_t *scheme);

#ifdef __cplusplus
}
#endif
#endif
