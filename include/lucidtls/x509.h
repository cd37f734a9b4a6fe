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
 * Certificate contents, for display (x509/certinfo.c)
 *
 * What a program shows of a certificate (Python's ssl.getpeercert() dict is
 * built from these): the serial number, the Names attribute by attribute,
 * the subjectAltName entries, and the facts that say whether it is a CA.
 * Pointers are views into the certificate's DER, valid while cert lives.
 * The decoder checked the syntax of everything walked here, so on a parsed
 * certificate these cannot fail.
 * ------------------------------------------------------------------------- */

typedef struct ltls_cert_info {
    unsigned version;          /* the X.509 version: 1, 2 or 3 */
    int has_basic_constraints; /* basicConstraints present ... */
    int is_ca;                 /* ... with cA TRUE */
    int path_len;              /* pathLenConstraint, -1 when absent */
    int has_key_usage;         /* keyUsage present ... */
    unsigned key_usage;        /* ... with bit n of its BIT STRING as 1u << n (5: keyCertSign) */
    int self_issued;           /* issuer and subject are the same bytes */
} ltls_cert_info_t;

LTLS_API void ltls_cert_get_info(const ltls_cert_t *cert, ltls_cert_info_t *out);

/* The serial number as upper-case hex, two digits per octet of its unsigned
 * value without leading zero octets ("00" for zero), as OpenSSL prints it.
 * NUL-terminated, truncated to cap; returns the full length. */
LTLS_API size_t ltls_cert_serial_hex(const ltls_cert_t *cert, char *buf, size_t cap);

/* The subject and issuer Names as DER (the whole SEQUENCE), for
 * ltls_name_next(). */
LTLS_API const uint8_t *ltls_cert_subject_name(const ltls_cert_t *cert, size_t *len);
LTLS_API const uint8_t *ltls_cert_issuer_name(const ltls_cert_t *cert, size_t *len);

/* One AttributeTypeAndValue of a Name (RFC 5280 §4.1.2.4). */
typedef struct ltls_name_attr {
    size_t rdn;           /* its RelativeDistinguishedName, counted from 0 in
                           * encoding order; a multi-valued RDN's attributes
                           * share it */
    const uint8_t *oid;   /* the attribute type: OID contents octets */
    size_t oid_len;
    unsigned tag;         /* the value's universal tag number (12 UTF8String,
                           * 19 PrintableString, 20 TeletexString, 22 IA5String,
                           * 28 UniversalString, 30 BMPString, ...); 0 for a
                           * constructed value or one of another class */
    const uint8_t *value; /* the value's contents octets */
    size_t value_len;
} ltls_name_attr_t;

/* Where a walk over a Name stands; zero-initialise it to start. */
typedef struct ltls_name_cursor {
    size_t off, set_end, rdn;
} ltls_name_cursor_t;

/* Walks the attributes of a Name (DER, the whole SEQUENCE: a certificate's
 * subject or issuer, or a directoryName entry of subjectAltName) in encoding
 * order. Returns 1 with the next attribute in *attr, 0 at the end, -1 if
 * name is not a well-formed Name (checked whole at the first call, so a walk
 * either fails at once or not at all). */
LTLS_API int ltls_name_next(const uint8_t *name, size_t len, ltls_name_cursor_t *cur,
                            ltls_name_attr_t *attr);

/* The dotted-decimal text of an OBJECT IDENTIFIER's contents octets
 * ("2.5.4.3"; arcs of any size). NUL-terminated, truncated to cap; returns
 * the full length, or 0 (and "" in buf) when the octets are no valid OID. */
LTLS_API size_t ltls_oid_text(const uint8_t *oid, size_t len, char *buf, size_t cap);

/* subjectAltName entries: the GeneralName CHOICE (RFC 5280 §4.2.1.6), and
 * what *value holds for each. */
typedef enum ltls_san_kind {
    LTLS_SAN_OTHER_NAME = 0,    /* the contents of otherName: type-id, [0] value */
    LTLS_SAN_EMAIL = 1,         /* rfc822Name: ASCII text */
    LTLS_SAN_DNS = 2,           /* dNSName: ASCII text */
    LTLS_SAN_X400 = 3,          /* x400Address: its contents */
    LTLS_SAN_DIRECTORY = 4,     /* directoryName: a Name's DER, for ltls_name_next() */
    LTLS_SAN_EDI_PARTY = 5,     /* ediPartyName: its contents */
    LTLS_SAN_URI = 6,           /* uniformResourceIdentifier: ASCII text */
    LTLS_SAN_IP = 7,            /* iPAddress: 4 or 16 octets, network order */
    LTLS_SAN_REGISTERED_ID = 8  /* registeredID: OID contents, for ltls_oid_text() */
} ltls_san_kind_t;

/* How many entries the subjectAltName holds (0 without the extension). */
LTLS_API size_t ltls_cert_san_count(const ltls_cert_t *cert);
/* Entry i (0-based, certificate order): 1 with *kind (an ltls_san_kind_t),
 * *value and *len set, 0 when i is out of range. Finding entry i walks the
 * ones before it; to visit them all, ltls_cert_san_next() is linear. */
LTLS_API int ltls_cert_san(const ltls_cert_t *cert, size_t i, int *kind, const uint8_t **value,
                           size_t *len);
/* The entry after *pos (start with *pos = 0): 1 with the entry and *pos
 * advanced, 0 at the end. */
LTLS_API int ltls_cert_san_next(const ltls_cert_t *cert, size_t *pos, int *kind,
                                const uint8_t **value, size_t *len);

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
     * -1 if none; for CERT_PATH_TOO_LONG the index the next issuer would
     * have taken, which equals the depth limit and so may be
     * LTLS_X509_MAX_DEPTH: not an index into path[]) and a sentence saying
     * why, with names and dates. */
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
