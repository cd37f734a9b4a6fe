/*
 * x509/certwrite.h - a small X.509 v3 certificate builder, for the throwaway
 * CA and server certificate of `lucidtls demo` and for tests that need
 * certificate chains made to measure (expired, wrong name, wrong purpose).
 *
 * It writes what a modern Web PKI certificate holds and nothing else: a
 * Name of O and CN, a validity period, the subject's key, and the
 * extensions basicConstraints, keyUsage, extKeyUsage, subjectAltName (DNS
 * names and IP addresses), subjectKeyIdentifier and authorityKeyIdentifier.
 * The signature comes from the issuer's key through its provider:
 * ecdsa-with-SHA256/384/512 for P-256/384/521 keys (RFC 5758), Ed25519 and
 * Ed448 (RFC 8410), RSASSA-PSS with SHA-256 for RSA keys (RFC 4055; the
 * providers do not sign PKCS#1 v1.5).
 *
 * This is not a CA: nothing is checked beyond what the encoding needs (a
 * CA certificate may be made to expire before its leaf, for tests).
 */
#ifndef LTLS_X509_CERTWRITE_H
#define LTLS_X509_CERTWRITE_H

#include <stddef.h>
#include <stdint.h>

#include "lucidtls/alloc.h"
#include "lucidtls/error.h"
#include "lucidtls/key.h"
#include "lucidtls/x509.h"
#include "x509/cert.h" /* LTLS_X509_KU_* and LTLS_X509_EKU_* */

/* An IP address for subjectAltName: 4 (IPv4) or 16 (IPv6) bytes. */
typedef struct ltls_certwrite_ip {
    uint8_t len;
    uint8_t addr[16];
} ltls_certwrite_ip_t;

typedef struct ltls_certwrite_spec {
    /* Subject: CN and O as UTF8String; NULL leaves the attribute out (both
     * NULL: an empty subject, which then needs a subjectAltName). */
    const char *common_name;
    const char *organization;

    /* Serial number as unsigned big-endian bytes (1..20, not all zero);
     * NULL: 16 random bytes. */
    const uint8_t *serial;
    size_t serial_len;

    /* Validity, seconds since the Unix epoch (years 0001..9999). */
    int64_t not_before, not_after;

    /* basicConstraints: cA, and pathLenConstraint when path_len >= 0
     * (CA only). Always written, critical. */
    int is_ca;
    int path_len;

    /* keyUsage (critical) as LTLS_X509_KU_* bits (x509/cert.h); 0 chooses:
     * digitalSignature for a leaf, digitalSignature | keyCertSign | cRLSign
     * for a CA. */
    uint16_t key_usage;
    /* extKeyUsage as LTLS_X509_EKU_SERVER_AUTH / _CLIENT_AUTH bits; 0 leaves
     * the extension out (any purpose). */
    uint8_t eku;

    /* subjectAltName entries; the extension is left out when both are
     * empty. */
    const char *const *dns_names;
    size_t dns_count;
    const ltls_certwrite_ip_t *ips;
    size_t ip_count;
} ltls_certwrite_spec_t;

/*
 * Builds and signs one certificate for subject_key's public key.
 *
 * issuer, issuer_key  the issuing CA's certificate (its subject becomes the
 *                     issuer Name, its subjectKeyIdentifier the authority
 *                     key identifier) and private key; both NULL for a
 *                     self-signed certificate, signed by subject_key.
 * alloc               for *der (NULL: malloc/free); free it with
 *                     ltls_free(alloc, *der, *der_len).
 *
 * Errors: NULL_ARGUMENT; BAD_ARGUMENT (a bad serial or IP length, an empty
 * subject without subjectAltName, a time outside 0001..9999, a path length
 * on a leaf, only one of issuer / issuer_key, an issuer_key that does not
 * match issuer's public key); UNSUPPORTED_ALGORITHM (a key type the builder
 * cannot sign with, or a provider without key export); the provider's
 * errors; OUT_OF_MEMORY.
 */
ltls_err_t ltls_certwrite(const ltls_certwrite_spec_t *spec, const ltls_key_t *subject_key,
                          const ltls_cert_t *issuer, const ltls_key_t *issuer_key,
                          const ltls_allocator_t *alloc, uint8_t **der, size_t *der_len);

#endif
