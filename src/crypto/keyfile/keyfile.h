/*
 * crypto/keyfile/keyfile.h - private-key file parsing shared by every
 * provider, and the library-internal side of ltls_key_t.
 *
 * ltls_keyfile_parse() turns a key file into an ltls_privkey_info_t whose
 * views point into buffers that an ltls_keyfile_t owns (the decoded PEM, the
 * decrypted plaintext) or into the caller's data; ltls_keyfile_clear() wipes
 * and frees them. ltls_keyfile_load() goes on to hand the components to a
 * provider, which is what the public ltls_key_load() does with the default
 * allocator.
 */
#ifndef LTLS_CRYPTO_KEYFILE_KEYFILE_H
#define LTLS_CRYPTO_KEYFILE_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "lucidtls/alloc.h"
#include "lucidtls/error.h"
#include "lucidtls/key.h"
#include "lucidtls/provider.h"

/* Upper bound on PBKDF2 iterations: a hostile file must not be able to stall
 * a load for hours. Current tools use at most a few hundred thousand. */
#define LTLS_KEYFILE_MAX_PBKDF2_ITERATIONS 10000000u

/* RSA moduli above this many octets (8192 bits) are refused: no signature
 * could fit LTLS_SIG_MAX_SIZE. */
#define LTLS_KEYFILE_MAX_RSA_BYTES LTLS_SIG_MAX_SIZE

/* A parsed key file. */
typedef struct ltls_keyfile {
    ltls_privkey_info_t info;
    const ltls_allocator_t *alloc;
    uint8_t *der;   /* decoded PEM body, or NULL for DER input */
    size_t der_len; /* its decoded size */
    size_t der_cap; /* its allocated size */
    uint8_t *plain; /* decrypted PKCS#8, or NULL */
    size_t plain_cap;
} ltls_keyfile_t;

/*
 * Parses data[0..len) (see lucidtls/key.h for formats, password rules and
 * errors, which are the same except for the provider checks) into out.
 * provider is needed only for encrypted files (NULL otherwise is fine; an
 * encrypted file then gives LTLS_R_NULL_ARGUMENT once a password is given).
 * alloc may be NULL (malloc/free). On success out->info's views stay valid
 * until ltls_keyfile_clear(out), and as long as data does. On failure out is
 * cleared and needs no further call.
 */
ltls_err_t ltls_keyfile_parse(const ltls_provider_t *provider, const ltls_allocator_t *alloc,
                              const uint8_t *data, size_t len, const char *password,
                              size_t password_len, ltls_keyfile_t *out);

/* Wipes and frees what out owns and zeroes out. Safe to call twice. */
void ltls_keyfile_clear(ltls_keyfile_t *kf);

/* ltls_key_load() with a chosen allocator (NULL: malloc/free), used for
 * the ltls_key_t and every temporary buffer. */
ltls_err_t ltls_keyfile_load(const ltls_provider_t *provider, const ltls_allocator_t *alloc,
                             const uint8_t *data, size_t len, const char *password,
                             size_t password_len, ltls_key_t **out);

/* The provider's handle of a loaded key, and the provider that made it;
 * NULL for a NULL key. The key keeps ownership of the handle. */
ltls_privkey_t *ltls_key_handle(const ltls_key_t *key);
const ltls_provider_t *ltls_key_provider(const ltls_key_t *key);

/* The public components of a key (views into buf; LTLS_PUBKEY_EXPORT_MAX
 * bytes always suffice), through the provider's privkey_public_info. Used
 * to write a certificate's SubjectPublicKeyInfo. UNSUPPORTED_ALGORITHM when
 * the provider cannot export them. */
ltls_err_t ltls_key_public_info(const ltls_key_t *key, ltls_pubkey_info_t *info, uint8_t *buf,
                                size_t cap);

#endif
