/*
 * x509/certwrite.h - a small X.509 v3 certificate builder, for the throwaway
 * CA and server certificate of `lucidtls demo` and for tests that need
 * certificate chains made to measure (expired, wrong name, wrong purpose).
 *
 * It writes what a modern Web PKI certificate holds and nothing else: a
 * Name of O and CN (or a Name given as DER), a validity period, the
 * subject's key, and the extensions basicConstraints, keyUsage,
 * extKeyUsage, subjectAltName (DNS names and IP addresses),
 * nameConstraints (dNSName, iPAddress, rfc822Name, directoryName and URI
 * subtrees), subjectKeyIdentifier and authorityKeyIdentifier.
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

/* One GeneralSubtree of nameConstraints (RFC 5280 §4.2.1.10): its base
 * GeneralName, with minimum and maximum left out as §4.2.1.10 requires.
 * type is the GeneralName form (LTLS_X509_GN_* of x509/cert.h) and value
 * its contents:
 *   LTLS_X509_GN_DNS        a DNS name ("example.com"; "" is every name)
 *   LTLS_X509_GN_RFC822     a mailbox, a host or ".domain"
 *   LTLS_X509_GN_URI        a host or ".domain" (§4.2.1.10's URI form)
 *   LTLS_X509_GN_IP         address then mask: 8 (IPv4) or 16 + 16 (IPv6)
 *                           octets
 *   LTLS_X509_GN_DIRECTORY  a Name as DER, the whole SEQUENCE (the
 *                           contents of a certificate's subject)
 * The text forms are IA5String (ASCII); no other form is written. */
typedef struct ltls_certwrite_subtree {
    unsigned type;
    const uint8_t *value;
    size_t len;
} ltls_certwrite_subtree_t;

typedef struct ltls_certwrite_spec {
    /* Subject: CN and O as UTF8String; NULL leaves the attribute out (both
     * NULL: an empty subject, which then needs a subjectAltName). */
    const char *common_name;
    const char *organization;
    /* Or the subject as a DER Name (the whole SEQUENCE), for chains whose
     * Names matter (directoryName constraints); common_name and
     * organization must then be NULL. NULL: the Name of CN and O. */
    const uint8_t *subject_der;
    size_t subject_der_len;

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

    /* nameConstraints: permitted and excluded subtrees, either list may be
     * empty; the extension is left out when both are. nc_critical marks it
     * critical, as RFC 5280 §4.2.1.10 requires of conforming CAs (0 writes
     * it non-critical: the exception the CA/B Forum's Baseline Requirements
     * allow since Ballot 75, for clients that do not know the extension).
     * Written on a leaf too when asked, so that tests can show a verifier
     * refusing that. */
    const ltls_certwrite_subtree_t *nc_permitted;
    size_t nc_permitted_count;
    const ltls_certwrite_subtree_t *nc_excluded;
    size_t nc_excluded_count;
    int nc_critical;
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
 * Errors: NULL_ARGUMENT (also a count without its array, a subtree or
 * subject_der of non-zero length without bytes); BAD_ARGUMENT (a bad serial
 * or IP length, an empty subject without subjectAltName, a time outside
 * 0001..9999, a path length on a leaf, only one of issuer / issuer_key, an
 * issuer_key that does not match issuer's public key, a subject_der that is
 * not one well-formed Name or comes with common_name / organization, a
 * subtree of another form, with non-ASCII text, an iPAddress of other than
 * 8 or 32 octets or a directoryName that is not one well-formed Name);
 * UNSUPPORTED_ALGORITHM (a key type the builder cannot sign with, or a
 * provider without key export); the provider's
 * errors; OUT_OF_MEMORY.
 */
ltls_err_t ltls_certwrite(const ltls_certwrite_spec_t *spec, const ltls_key_t *subject_key,
                          const ltls_cert_t *issuer, const ltls_key_t *issuer_key,
                          const ltls_allocator_t *alloc, uint8_t **der, size_t *der_len);

/* A fresh key, a certificate written for it and that certificate parsed:
 * how the demo and the tests issue their PKIs. */
typedef struct ltls_certwrite_issued {
    ltls_key_t *key;
    uint8_t *der; /* from the default allocator */
    size_t len;
    ltls_cert_t *cert;
} ltls_certwrite_issued_t;

/* Generates a key of type/curve on p (as ltls_key_generate, RSA at its
 * default size), writes spec for it with ltls_certwrite, signed by issuer
 * (self-signed when NULL), and parses the result into out->cert. *out is
 * cleared first; on error it holds what was made so far, which
 * ltls_certwrite_issued_free releases.
 * Errors: ltls_key_generate's, ltls_certwrite's and ltls_cert_parse's. */
ltls_err_t ltls_certwrite_issue(const ltls_provider_t *p, ltls_key_type_t type, uint16_t curve,
                                const ltls_certwrite_spec_t *spec,
                                const ltls_certwrite_issued_t *issuer,
                                ltls_certwrite_issued_t *out);

/* Frees what ltls_certwrite_issue made and clears *m (NULL members are
 * skipped, so a cleared or half-made struct is fine). */
void ltls_certwrite_issued_free(ltls_certwrite_issued_t *m);

#endif
