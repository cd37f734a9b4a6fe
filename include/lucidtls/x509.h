/*
 * lucidtls/x509.h - certificates, trust stores and path validation.
 *
 * lucidtls validates certificate chains itself, strictly, for the Web PKI
 * (RFC 5280 §6 as browsers apply it, RFC 6125 tightened as RFC 9525 does),
 * and checks every signature through the crypto provider. The handshake calls
 * ltls_x509_verify(); applications and the `lucidtls verify` command may call
 * it directly.
 *
 * Nothing here reads the clock: the validation time is a parameter (the
 * context's clock callback provides it in the handshake). Only the trust
 * store's file and system loaders touch the file system.
 *
 * Ownership: every object is created by a *_new/_parse/_load function and
 * released by its *_free function. Borrowed pointers are noted.
 */
#ifndef LUCIDTLS_X509_H
#define LUCIDTLS_X509_H

#include <stddef.h>
#include <stdint.h>

#include "lucidtls/alloc.h"
#include "lucidtls/error.h"
#include "lucidtls/export.h"
#include "lucidtls/provider.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bounds on peer-controlled work (a hostile chain cannot exceed them). */
#define LTLS_X509_MAX_DEPTH 16          /* certificates in a path, leaf and anchor included */
#define LTLS_X509_MAX_CHAIN 64          /* certificates a peer may send */
#define LTLS_X509_MAX_CERT_SIZE 65536   /* bytes of one DER certificate */

/* ---------------------------------------------------------------------------
 * Certificates
 * ------------------------------------------------------------------------- */

typedef struct ltls_cert ltls_cert_t;

/* Decodes one DER certificate (strict DER, RFC 5280 §4.1). The certificate
 * keeps its own copy of der. alloc may be NULL (malloc).
 * Errors: NULL_ARGUMENT; CERT_MALFORMED (with what was wrong in
 * ltls_cert_parse_detail's output when given); OUT_OF_MEMORY. */
LTLS_API ltls_err_t ltls_cert_parse(const uint8_t *der, size_t len, const ltls_allocator_t *alloc,
                                    ltls_cert_t **out);

/* As ltls_cert_parse, writing a sentence about what was malformed into
 * detail (NUL-terminated, truncated to cap) on failure. */
LTLS_API ltls_err_t ltls_cert_parse_detail(const uint8_t *der, size_t len,
                                           const ltls_allocator_t *alloc, ltls_cert_t **out,
                                           char *detail, size_t cap);

LTLS_API void ltls_cert_free(ltls_cert_t *cert); /* NULL is a no-op */

/* The DER encoding (borrowed; valid while cert lives). */
LTLS_API const uint8_t *ltls_cert_der(const ltls_cert_t *cert, size_t *len);

/* The subject and issuer as RFC 4514-style text ("CN=example.com, O=Example"),
 * NUL-terminated, truncated to cap. Returns the full length. */
LTLS_API size_t ltls_cert_subject(const ltls_cert_t *cert, char *buf, size_t cap);
LTLS_API size_t ltls_cert_issuer(const ltls_cert_t *cert, char *buf, size_t cap);

/* notBefore / notAfter in seconds since the Unix epoch. */
LTLS_API int64_t ltls_cert_not_before(const ltls_cert_t *cert);
LTLS_API int64_t ltls_cert_not_after(const ltls_cert_t *cert);

/* Reads every certificate of a PEM text ("CERTIFICATE" blocks; other blocks
 * are skipped) or a single DER certificate into a newly allocated array of
 * *count certificates. Free with ltls_cert_list_free(). Errors: CERT_MALFORMED,
 * PEM_INVALID (bad base64, unmatched labels, trailing garbage inside a block),
 * CERT_NONE_FOUND (no certificate at all), OUT_OF_MEMORY. */
LTLS_API ltls_err_t ltls_cert_list_parse(const uint8_t *data, size_t len,
                                         const ltls_allocator_t *alloc, ltls_cert_t ***certs,
                                         size_t *count);
LTLS_API void ltls_cert_list_free(ltls_cert_t **certs, size_t count,
                                  const ltls_allocator_t *alloc);

/* ---------------------------------------------------------------------------
 * Trust stores
 * ------------------------------------------------------------------------- */

/* A set of trust anchors, indexed by subject. Reference-counted: contexts
 * take a reference and a store may be shared between threads once it is no
 * longer being loaded into. */
typedef struct ltls_trust_store ltls_trust_store_t;

LTLS_API ltls_err_t ltls_trust_store_new(const ltls_allocator_t *alloc, ltls_trust_store_t **out);
LTLS_API ltls_trust_store_t *ltls_trust_store_ref(ltls_trust_store_t *store);
LTLS_API void ltls_trust_store_unref(ltls_trust_store_t *store); /* NULL is a no-op */

/* Adds the certificates of a PEM text (many) or one DER certificate.
 * *added (may be NULL) receives how many were added. Errors as
 * ltls_cert_list_parse; on error nothing is added. */
LTLS_API ltls_err_t ltls_trust_store_add(ltls_trust_store_t *store, const uint8_t *data,
                                         size_t len, size_t *added);
/* Adds a file (PEM bundle or DER). Errors: TRUST_IO (with errno's meaning
 * unavailable here: the path could not be read), and those of _add. */
LTLS_API ltls_err_t ltls_trust_store_add_file(ltls_trust_store_t *store, const char *path,
                                              size_t *added);
/* Adds every certificate of an OpenSSL-style hashed directory (files named
 * HASH.N) or of any directory of PEM files. */
LTLS_API ltls_err_t ltls_trust_store_add_dir(ltls_trust_store_t *store, const char *path,
                                             size_t *added);
/* The operating system's store: SSL_CERT_FILE / SSL_CERT_DIR (colon-separated)
 * replace the defaults when set; otherwise the first existing well-known
 * bundle file and the well-known hashed directories. TRUST_NOT_FOUND when
 * nothing was found. */
LTLS_API ltls_err_t ltls_trust_store_add_system(ltls_trust_store_t *store, size_t *added);
/* "from_id": lucidtls has no certificate-id registry. Always
 * UNSUPPORTED_ALGORITHM-class misuse: TRUST_ID_UNSUPPORTED. */
LTLS_API ltls_err_t ltls_trust_store_add_id(ltls_trust_store_t *store, const uint8_t *id,
                                            size_t id_len);
LTLS_API size_t ltls_trust_store_count(const ltls_trust_store_t *store);

/* ---------------------------------------------------------------------------
 * Path validation
 * ------------------------------------------------------------------------- */

typedef enum ltls_purpose {
    LTLS_PURPOSE_SERVER_AUTH = 1, /* id-kp-serverAuth */
    LTLS_PURPOSE_CLIENT_AUTH = 2  /* id-kp-clientAuth */
} ltls_purpose_t;

typedef struct ltls_verify_params {
    const ltls_provider_t *provider;   /* verifies the signatures (required) */
    const ltls_trust_store_t *trust;   /* the anchors (required) */
    /* The peer's certificates as sent, leaf first (leaf required). The rest
     * may be unordered and may hold superfluous certificates. */
    const ltls_cert_t *const *peer;
    size_t peer_count;
    /* Further untrusted intermediates to build from (may be NULL/0). */
    const ltls_cert_t *const *extra;
    size_t extra_count;
    /* The reference identity: a DNS name or an IPv4/IPv6 literal, checked
     * against the leaf's subjectAltName. NULL skips the identity check (the
     * server checking a client's certificate; the handshake never passes NULL
     * for a client unless through the insecure API). */
    const char *host;
    ltls_purpose_t purpose;
    int64_t now;             /* validation time, seconds since the Unix epoch */
    unsigned max_depth;      /* 0 = LTLS_X509_MAX_DEPTH; counts leaf and anchor */
} ltls_verify_params_t;

typedef struct ltls_verify_result {
    /* The validated path, leaf first, ending with the trust anchor; borrowed
     * from params->peer/extra and the trust store. */
    const ltls_cert_t *path[LTLS_X509_MAX_DEPTH];
    size_t path_len;
    /* On failure: which certificate (index in the best path tried, 0 = leaf,
     * -1 if none) and a sentence saying why, with names and dates. */
    int depth;
    char detail[512];
} ltls_verify_result_t;

/*
 * Builds a path from the leaf to an anchor of the trust store and validates
 * it. Several candidate issuers are tried (cross-signs, key rollover); loops
 * and depth are bounded, and so is the total work (LTLS_R_CERT_WORK_LIMIT).
 * When no path validates, the error is the one of the most promising path.
 *
 * Errors (class LOCAL_ALERT, with the alert the handshake sends):
 * CERT_MALFORMED, CERT_EXPIRED, CERT_NOT_YET_VALID, CERT_UNKNOWN_ISSUER,
 * CERT_BAD_SIGNATURE, CERT_NOT_CA, CERT_PATH_TOO_LONG, CERT_NAME_CONSTRAINTS,
 * CERT_KEY_USAGE, CERT_EXT_KEY_USAGE, CERT_WEAK_ALGORITHM, CERT_UNKNOWN_CRITICAL,
 * CERT_NAME_MISMATCH, CERT_WORK_LIMIT; NULL_ARGUMENT / BAD_ARGUMENT for misuse.
 * result->detail says why in words.
 */
LTLS_API ltls_err_t ltls_x509_verify(const ltls_verify_params_t *params,
                                     ltls_verify_result_t *result);

/* 1 if the certificate's subjectAltName matches host (a DNS name or IP
 * literal) under RFC 6125/9525 rules, else 0. Exposed for tests and tools. */
LTLS_API int ltls_x509_match_host(const ltls_cert_t *cert, const char *host);

#ifdef __cplusplus
}
#endif
#endif
