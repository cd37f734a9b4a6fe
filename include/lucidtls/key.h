/*
 * lucidtls/key.h - private keys loaded from PEM or DER key files.
 *
 * lucidtls parses key files itself, so every provider accepts the same
 * formats with the same strictness; the provider only receives the raw key
 * components (ltls_privkey_info_t) and returns an opaque handle, which may
 * live outside process memory. An ltls_key_t owns that handle.
 *
 * Formats accepted by ltls_key_load():
 *   - PKCS#8 PrivateKeyInfo / OneAsymmetricKey v1 and v2 (RFC 5958), PEM
 *     label "PRIVATE KEY", holding
 *       rsaEncryption (RFC 8017), two-prime keys up to 8192 bits;
 *       id-ecPublicKey with namedCurve P-256, P-384 or P-521 (RFC 5480,
 *         RFC 5915); explicit curve parameters are rejected;
 *       Ed25519 and Ed448 (RFC 8410);
 *   - SEC1 ECPrivateKey (RFC 5915), PEM label "EC PRIVATE KEY";
 *   - PKCS#1 RSAPrivateKey (RFC 8017 §A.1.2), PEM label "RSA PRIVATE KEY",
 *     two-prime only;
 *   - EncryptedPrivateKeyInfo (RFC 5958 §3), PEM label "ENCRYPTED PRIVATE
 *     KEY", with PBES2 (RFC 8018 §6.2): PBKDF2 with HMAC-SHA-1 (the default
 *     when no PRF is named), -SHA-256, -SHA-384 or -SHA-512, at most
 *     10,000,000 iterations, and AES-128-CBC, AES-192-CBC or AES-256-CBC.
 * Each may be given as DER (the whole buffer is one DER structure) or as
 * PEM text (RFC 7468) holding exactly one private-key block; other blocks,
 * such as certificates or "EC PARAMETERS", are skipped.
 *
 * Not accepted: legacy OpenSSL PEM encryption ("Proc-Type: 4,ENCRYPTED"
 * headers; convert with `openssl pkcs8 -topk8`), PBES1, scrypt, multi-prime
 * RSA, RSASSA-PSS-only keys, X25519/X448 keys, and every other algorithm.
 */
#ifndef LUCIDTLS_KEY_H
#define LUCIDTLS_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "lucidtls/error.h"
#include "lucidtls/export.h"
#include "lucidtls/provider.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A private key held by a provider. Immutable once loaded; it may be used
 * from several threads at once (as the provider's sign() allows). */
typedef struct ltls_key ltls_key_t;

/*
 * Loads the private key in data[0..len) into provider.
 *
 * provider   the provider that will hold and use the key; it must outlive
 *            the key. It also performs the PBKDF2 and AES-CBC of encrypted
 *            files.
 * data, len  the key file's bytes (PEM or DER, see above); they need not be
 *            NUL-terminated and are borrowed for the call only.
 * password   for encrypted files: password_len bytes, used as is (no
 *            character-set conversion; RFC 8018 leaves that to the
 *            application). NULL means "no password". A password given for
 *            an unencrypted file is ignored. An empty password (non-NULL,
 *            length 0) is a password.
 * out        receives the key on success, NULL on failure. Free it with
 *            ltls_key_free().
 *
 * Every intermediate buffer (decoded DER, decrypted plaintext, derived
 * encryption key) is wiped before the call returns; the caller's data and
 * password are left as they were.
 *
 * Errors:
 *   LTLS_R_NULL_ARGUMENT         provider or out is NULL; data is NULL with
 *                                len > 0; password is NULL with
 *                                password_len > 0
 *   LTLS_R_KEY_FORMAT            not a supported, well-formed key file (also
 *                                for truncated or garbled input, several
 *                                private keys in one PEM file, unknown
 *                                algorithms or curves, explicit EC
 *                                parameters); also returned by the provider
 *                                for inconsistent key components
 *   LTLS_R_KEY_LEGACY_ENCRYPTION the PEM block uses "Proc-Type: 4,ENCRYPTED"
 *   LTLS_R_PASSWORD_REQUIRED     the file is encrypted and password is NULL
 *   LTLS_R_BAD_PASSWORD          the decrypted data has bad padding or is not
 *                                a private key: almost always a wrong password
 *   LTLS_R_UNSUPPORTED_ALGORITHM the provider has no signature scheme for the
 *                                key's type or curve, or lacks the PBKDF2
 *                                hash of an encrypted file; or an RSA
 *                                modulus is above 8192 bits
 *   LTLS_R_OUT_OF_MEMORY, LTLS_R_PROVIDER
 *
 * Allocation uses malloc/free.
 */
LTLS_API ltls_err_t ltls_key_load(const ltls_provider_t *provider, const uint8_t *data, size_t len,
                                  const char *password, size_t password_len, ltls_key_t **out);

/* Frees the key and the provider's handle (which wipes it). NULL is a no-op. */
LTLS_API void ltls_key_free(ltls_key_t *key);

/* LTLS_KEY_RSA, LTLS_KEY_EC, LTLS_KEY_ED25519 or LTLS_KEY_ED448;
 * LTLS_KEY_NONE for NULL. */
LTLS_API ltls_key_type_t ltls_key_type(const ltls_key_t *key);

/* For LTLS_KEY_EC the NamedGroup code of the curve (0x0017 secp256r1,
 * 0x0018 secp384r1, 0x0019 secp521r1); otherwise 0. */
LTLS_API uint16_t ltls_key_curve(const ltls_key_t *key);

/*
 * Generates a fresh private key in provider (for throwaway certificates:
 * `lucidtls demo`, tests). Long-lived keys belong in files made by a tool
 * that can also store them; lucidtls does not write key files.
 *
 * type, curve  LTLS_KEY_EC with curve 0x0017 (secp256r1), 0x0018 or 0x0019;
 *              LTLS_KEY_ED25519 or LTLS_KEY_ED448 with curve 0;
 *              LTLS_KEY_RSA with curve 0
 * rsa_bits     RSA only: the modulus size, a multiple of 8 in 2048..8192
 *              (0: 2048); e is 65537. Ignored for other types.
 * out          receives the key (free with ltls_key_free()), NULL on failure.
 *
 * Errors: LTLS_R_NULL_ARGUMENT; LTLS_R_UNSUPPORTED_ALGORITHM (a type, curve
 * or size the provider cannot generate or cannot sign with, or a provider
 * without key generation); LTLS_R_OUT_OF_MEMORY, LTLS_R_PROVIDER.
 */
LTLS_API ltls_err_t ltls_key_generate(const ltls_provider_t *provider, ltls_key_type_t type,
                                      uint16_t curve, unsigned rsa_bits, ltls_key_t **out);

#ifdef __cplusplus
}
#endif
#endif
