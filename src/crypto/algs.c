/*
 * crypto/algs.c - the algorithm descriptors lucidtls knows, with their IANA
 * code points. Providers point at these; protocol code compares addresses.
 */
#include <stddef.h>
#include <stdint.h>

#include "crypto/algs.h"
#include "lucidtls/provider.h"

const ltls_hash_alg_t ltls_hash_sha1 = {2, "SHA-1", 20, 64}; /* PBKDF2 only */
const ltls_hash_alg_t ltls_hash_sha256 = {4, "SHA-256", 32, 64};
const ltls_hash_alg_t ltls_hash_sha384 = {5, "SHA-384", 48, 128};
const ltls_hash_alg_t ltls_hash_sha512 = {6, "SHA-512", 64, 128};

/* RFC 8446 §5.5 and RFC 9846 §5.5: AES-GCM keys may protect at most 2^24.5
 * full-size records; ChaCha20-Poly1305 is bounded only by the 2^64 sequence
 * space; AES-CCM is held to 2^23 (its integrity bound is tighter than GCM's). */
const ltls_aead_alg_t ltls_aead_aes128gcm = {LTLS_AEAD_AES128GCM, "AES-128-GCM", 16, 16, 23726566};
const ltls_aead_alg_t ltls_aead_aes256gcm = {LTLS_AEAD_AES256GCM, "AES-256-GCM", 32, 16, 23726566};
const ltls_aead_alg_t ltls_aead_chacha20poly1305 = {LTLS_AEAD_CHACHA20POLY1305,
                                                    "ChaCha20-Poly1305", 32, 16, UINT64_MAX};
const ltls_aead_alg_t ltls_aead_aes128ccm = {LTLS_AEAD_AES128CCM, "AES-128-CCM", 16, 16,
                                             UINT64_C(1) << 23};

const ltls_suite_t ltls_suite_aes128gcm_sha256 = {0x1301, "TLS_AES_128_GCM_SHA256",
                                                  &ltls_aead_aes128gcm, &ltls_hash_sha256};
const ltls_suite_t ltls_suite_aes256gcm_sha384 = {0x1302, "TLS_AES_256_GCM_SHA384",
                                                  &ltls_aead_aes256gcm, &ltls_hash_sha384};
const ltls_suite_t ltls_suite_chacha20poly1305_sha256 = {
    0x1303, "TLS_CHACHA20_POLY1305_SHA256", &ltls_aead_chacha20poly1305, &ltls_hash_sha256};
const ltls_suite_t ltls_suite_aes128ccm_sha256 = {0x1304, "TLS_AES_128_CCM_SHA256",
                                                  &ltls_aead_aes128ccm, &ltls_hash_sha256};

/* Shares: X25519/X448 raw u-coordinates (RFC 7748); NIST curves as
 * uncompressed points 0x04||X||Y (RFC 8446 §4.2.8.2). */
const ltls_group_t ltls_group_secp256r1 = {0x0017, "secp256r1", 65, 65, 32, 32};
const ltls_group_t ltls_group_secp384r1 = {0x0018, "secp384r1", 97, 97, 48, 48};
const ltls_group_t ltls_group_secp521r1 = {0x0019, "secp521r1", 133, 133, 66, 66};
const ltls_group_t ltls_group_x25519 = {0x001d, "x25519", 32, 32, 32, 32};
const ltls_group_t ltls_group_x448 = {0x001e, "x448", 56, 56, 56, 56};

const ltls_sigscheme_t ltls_sig_rsa_pkcs1_sha256 = {
    0x0401, "rsa_pkcs1_sha256", LTLS_KEY_RSA, 0, &ltls_hash_sha256, LTLS_PAD_PKCS1, 0};
const ltls_sigscheme_t ltls_sig_rsa_pkcs1_sha384 = {
    0x0501, "rsa_pkcs1_sha384", LTLS_KEY_RSA, 0, &ltls_hash_sha384, LTLS_PAD_PKCS1, 0};
const ltls_sigscheme_t ltls_sig_rsa_pkcs1_sha512 = {
    0x0601, "rsa_pkcs1_sha512", LTLS_KEY_RSA, 0, &ltls_hash_sha512, LTLS_PAD_PKCS1, 0};
const ltls_sigscheme_t ltls_sig_ecdsa_secp256r1_sha256 = {
    0x0403, "ecdsa_secp256r1_sha256", LTLS_KEY_EC, 0x0017, &ltls_hash_sha256, LTLS_PAD_NONE, 1};
const ltls_sigscheme_t ltls_sig_ecdsa_secp384r1_sha384 = {
    0x0503, "ecdsa_secp384r1_sha384", LTLS_KEY_EC, 0x0018, &ltls_hash_sha384, LTLS_PAD_NONE, 1};
const ltls_sigscheme_t ltls_sig_ecdsa_secp521r1_sha512 = {
    0x0603, "ecdsa_secp521r1_sha512", LTLS_KEY_EC, 0x0019, &ltls_hash_sha512, LTLS_PAD_NONE, 1};
const ltls_sigscheme_t ltls_sig_rsa_pss_rsae_sha256 = {
    0x0804, "rsa_pss_rsae_sha256", LTLS_KEY_RSA, 0, &ltls_hash_sha256, LTLS_PAD_PSS, 1};
const ltls_sigscheme_t ltls_sig_rsa_pss_rsae_sha384 = {
    0x0805, "rsa_pss_rsae_sha384", LTLS_KEY_RSA, 0, &ltls_hash_sha384, LTLS_PAD_PSS, 1};
const ltls_sigscheme_t ltls_sig_rsa_pss_rsae_sha512 = {
    0x0806, "rsa_pss_rsae_sha512", LTLS_KEY_RSA, 0, &ltls_hash_sha512, LTLS_PAD_PSS, 1};
const ltls_sigscheme_t ltls_sig_ed25519 = {0x0807, "ed25519", LTLS_KEY_ED25519, 0, NULL,
                                           LTLS_PAD_NONE, 1};
const ltls_sigscheme_t ltls_sig_ed448 = {0x0808, "ed448", LTLS_KEY_ED448, 0, NULL, LTLS_PAD_NONE,
                                         1};

/* lucidtls's order of preference (crypto/algs.h). Suites: AES-128-GCM
 * leads (hardware AES is the norm and RFC 8446 §9.1 requires it), ChaCha20
 * before AES-256 keeps peers without AES instructions fast, CCM last.
 * Signatures: ECDSA before RSA-PSS before EdDSA; PKCS#1 v1.5 (certificates
 * only) last. */
const ltls_suite_t *const ltls_algs_suites[] = {
    &ltls_suite_aes128gcm_sha256, &ltls_suite_chacha20poly1305_sha256,
    &ltls_suite_aes256gcm_sha384, &ltls_suite_aes128ccm_sha256, NULL};
const ltls_group_t *const ltls_algs_groups[] = {&ltls_group_x25519,    &ltls_group_secp256r1,
                                                &ltls_group_secp384r1, &ltls_group_x448,
                                                &ltls_group_secp521r1, NULL};
const ltls_sigscheme_t *const ltls_algs_sigschemes[] = {
    &ltls_sig_ecdsa_secp256r1_sha256, &ltls_sig_ecdsa_secp384r1_sha384,
    &ltls_sig_rsa_pss_rsae_sha256,    &ltls_sig_rsa_pss_rsae_sha384,
    &ltls_sig_rsa_pss_rsae_sha512,    &ltls_sig_ed25519,
    &ltls_sig_ed448,                  &ltls_sig_ecdsa_secp521r1_sha512,
    &ltls_sig_rsa_pkcs1_sha256,       &ltls_sig_rsa_pkcs1_sha384,
    &ltls_sig_rsa_pkcs1_sha512,       NULL};

#define FIND_BY_CODE(table, code)     \
    for (size_t i = 0; table[i]; i++) \
        if (table[i]->code == (code)) \
            return table[i];          \
    return NULL

const ltls_suite_t *ltls_suite_by_code(uint16_t code) { FIND_BY_CODE(ltls_algs_suites, code); }
const ltls_group_t *ltls_group_by_code(uint16_t code) { FIND_BY_CODE(ltls_algs_groups, code); }
const ltls_sigscheme_t *ltls_sigscheme_by_code(uint16_t code)
{
    FIND_BY_CODE(ltls_algs_sigschemes, code);
}
