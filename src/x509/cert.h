/*
 * x509/cert.h - the decoded form of an X.509 certificate (RFC 5280 §4.1),
 * private to the library: the full struct ltls_cert and the accessors that
 * other modules (the trust store, path validation, the handshake) use.
 *
 * A certificate is one allocation: the struct followed by its own copy of the
 * DER. Every field below that is a span points into that copy, so decoding
 * allocates nothing per field and a certificate is freed in one call.
 *
 * Decoding (ltls_cert_parse) checks structure strictly (DER, field order,
 * types, the match of the inner and outer signature algorithm, duplicate
 * extensions, the syntax of every extension lucidtls understands) and
 * records what it found. Policy — which algorithms are acceptable, whether
 * an unknown extension is critical, whether a CA certificate carries the
 * extensions RFC 5280 requires of it — is decided at validation time
 * (x509/verify.c), so that a certificate that is unusable for validation can
 * still be loaded into a trust store or shown to the user, and so that a
 * decoy certificate in a trust store or a peer's chain does not spoil a path
 * that does not use it.
 */
#ifndef LTLS_X509_CERT_H
#define LTLS_X509_CERT_H

#include <stddef.h>
#include <stdint.h>

#include "lucidtls/alloc.h"
#include "lucidtls/error.h"
#include "lucidtls/provider.h"
#include "lucidtls/x509.h"

/* A view of bytes inside the certificate's DER copy. */
typedef struct ltls_x509_span {
    const uint8_t *p;
    size_t len;
} ltls_x509_span_t;

/* Signature algorithms of certificates (RFC 4055, RFC 5758, RFC 8410). The
 * weak ones decode, so that validation can say why it refuses them. */
typedef enum ltls_x509_sigalg {
    LTLS_X509_SIG_UNKNOWN = 0,
    LTLS_X509_SIG_RSA_PKCS1_SHA256,
    LTLS_X509_SIG_RSA_PKCS1_SHA384,
    LTLS_X509_SIG_RSA_PKCS1_SHA512,
    LTLS_X509_SIG_RSA_PSS_SHA256, /* RSASSA-PSS, MGF1 same hash, salt = hash length */
    LTLS_X509_SIG_RSA_PSS_SHA384,
    LTLS_X509_SIG_RSA_PSS_SHA512,
    LTLS_X509_SIG_ECDSA_SHA256,
    LTLS_X509_SIG_ECDSA_SHA384,
    LTLS_X509_SIG_ECDSA_SHA512,
    LTLS_X509_SIG_ED25519,
    LTLS_X509_SIG_ED448,
    /* refused at validation (CERT_WEAK_ALGORITHM) */
    LTLS_X509_SIG_RSA_PKCS1_MD5,
    LTLS_X509_SIG_RSA_PKCS1_SHA1,
    LTLS_X509_SIG_ECDSA_SHA1,
    LTLS_X509_SIG_RSA_PKCS1_SHA224,
    LTLS_X509_SIG_ECDSA_SHA224,
    LTLS_X509_SIG_DSA,
    LTLS_X509_SIG_RSA_PSS_OTHER /* PSS with parameters lucidtls does not verify */
} ltls_x509_sigalg_t;

/* Extensions lucidtls recognises: bit positions in ext_present/ext_critical. */
enum {
    LTLS_X509_EXT_BASIC_CONSTRAINTS = 1u << 0,
    LTLS_X509_EXT_KEY_USAGE = 1u << 1,
    LTLS_X509_EXT_EXT_KEY_USAGE = 1u << 2,
    LTLS_X509_EXT_SAN = 1u << 3,
    LTLS_X509_EXT_NAME_CONSTRAINTS = 1u << 4,
    LTLS_X509_EXT_AKI = 1u << 5,
    LTLS_X509_EXT_SKI = 1u << 6,
    LTLS_X509_EXT_POLICIES = 1u << 7,
    LTLS_X509_EXT_AIA = 1u << 8,
    LTLS_X509_EXT_IAN = 1u << 9,
    LTLS_X509_EXT_POLICY_CONSTRAINTS = 1u << 10,
    LTLS_X509_EXT_UNKNOWN_CRITICAL = 1u << 31 /* in ext_critical only */
};

/* keyUsage bits (RFC 5280 §4.2.1.3), bit n of the BIT STRING as 1u << n. */
enum {
    LTLS_X509_KU_DIGITAL_SIGNATURE = 1u << 0,
    LTLS_X509_KU_NON_REPUDIATION = 1u << 1,
    LTLS_X509_KU_KEY_ENCIPHERMENT = 1u << 2,
    LTLS_X509_KU_DATA_ENCIPHERMENT = 1u << 3,
    LTLS_X509_KU_KEY_AGREEMENT = 1u << 4,
    LTLS_X509_KU_KEY_CERT_SIGN = 1u << 5,
    LTLS_X509_KU_CRL_SIGN = 1u << 6,
    LTLS_X509_KU_ENCIPHER_ONLY = 1u << 7,
    LTLS_X509_KU_DECIPHER_ONLY = 1u << 8
};

/* extKeyUsage purposes found (RFC 5280 §4.2.1.12). */
enum {
    LTLS_X509_EKU_SERVER_AUTH = 1u << 0,
    LTLS_X509_EKU_CLIENT_AUTH = 1u << 1,
    LTLS_X509_EKU_ANY = 1u << 2,
    LTLS_X509_EKU_OTHER = 1u << 3
};

/* Why a SubjectPublicKeyInfo is not usable (key.type is then LTLS_KEY_NONE). */
typedef enum ltls_x509_key_issue {
    LTLS_X509_KEY_OK = 0,
    LTLS_X509_KEY_UNKNOWN_ALGORITHM, /* DSA, RSASSA-PSS keys, anything else */
    LTLS_X509_KEY_UNKNOWN_CURVE,     /* a named curve other than P-256/384/521 */
    LTLS_X509_KEY_EXPLICIT_CURVE     /* specifiedCurve / implicitCurve (RFC 5480 §2.1.1) */
} ltls_x509_key_issue_t;

/* GeneralName CHOICE tags (RFC 5280 §4.2.1.6), the context tag numbers. */
enum {
    LTLS_X509_GN_OTHER_NAME = 0,
    LTLS_X509_GN_RFC822 = 1,
    LTLS_X509_GN_DNS = 2,
    LTLS_X509_GN_X400 = 3,
    LTLS_X509_GN_DIRECTORY = 4,
    LTLS_X509_GN_EDI_PARTY = 5,
    LTLS_X509_GN_URI = 6,
    LTLS_X509_GN_IP = 7,
    LTLS_X509_GN_REGISTERED_ID = 8
};

struct ltls_cert {
    ltls_allocator_t alloc; /* copied: the caller's struct need not outlive us */
    size_t alloc_size;      /* of this whole allocation */
    const uint8_t *der;     /* our copy, right after the struct */
    size_t der_len;

    ltls_x509_span_t tbs;         /* the signed TBSCertificate, tag and length included */
    unsigned version;             /* 1, 2 or 3 (the X.509 version, not the INTEGER) */
    ltls_x509_span_t serial;      /* INTEGER contents, two's complement */
    ltls_x509_span_t sig_alg_der; /* the signatureAlgorithm AlgorithmIdentifier */
    ltls_x509_sigalg_t sig_alg;
    ltls_x509_span_t signature;   /* BIT STRING contents (whole octets) */
    ltls_x509_span_t issuer;      /* Name, tag and length included (chaining key) */
    ltls_x509_span_t subject;
    int64_t not_before, not_after;

    ltls_x509_span_t spki;        /* SubjectPublicKeyInfo, tag and length included */
    ltls_x509_span_t key_bits;    /* subjectPublicKey BIT STRING contents */
    ltls_pubkey_info_t key;       /* views into the DER; type NONE if unusable */
    ltls_x509_key_issue_t key_issue;
    unsigned key_size_bits;       /* RSA modulus bits, EC field bits, 255/448 for EdDSA */

    /* Extensions. ext_present/ext_critical use the LTLS_X509_EXT_* bits. */
    uint32_t ext_present, ext_critical;
    unsigned ext_count;
    ltls_x509_span_t unknown_critical_oid; /* the first one, for the message */

    int is_ca;                   /* basicConstraints cA */
    int path_len;                /* pathLenConstraint, -1 when absent */
    uint16_t key_usage;          /* LTLS_X509_KU_* (valid when EXT_KEY_USAGE present) */
    uint8_t eku;                 /* LTLS_X509_EKU_* */
    ltls_x509_span_t san;        /* GeneralNames contents (the entries) */
    ltls_x509_span_t nc_permitted; /* GeneralSubtrees contents; len 0 when absent */
    ltls_x509_span_t nc_excluded;
    uint16_t nc_forms;           /* 1u << GeneralName tag, over both subtrees */
    uint16_t san_forms;          /* 1u << GeneralName tag of every SAN entry */
    ltls_x509_span_t aki_key_id; /* keyIdentifier; p NULL when absent */
    int aki_has_issuer_serial;   /* authorityCertIssuer or authorityCertSerialNumber */
    ltls_x509_span_t ski;        /* p NULL when absent */
    ltls_x509_span_t policies;   /* certificatePolicies contents (parsed, not enforced) */

    int self_issued;             /* issuer and subject are the same bytes */
};

/* Views of the raw DER of the subject and issuer Names (whole SEQUENCE,
 * tag and length included). Chaining compares these bytes. */
const uint8_t *ltls_cert_subject_der(const ltls_cert_t *c, size_t *len);
const uint8_t *ltls_cert_issuer_der(const ltls_cert_t *c, size_t *len);

/* The subject public key as the provider takes it (views valid while c
 * lives); NULL if the key is of a kind lucidtls does not use. */
const ltls_pubkey_info_t *ltls_cert_pubkey_info(const ltls_cert_t *c);

/* The whole SubjectPublicKeyInfo DER. */
const uint8_t *ltls_cert_spki_der(const ltls_cert_t *c, size_t *len);

/* 1 if a and b have the same DER encoding. */
int ltls_cert_equal(const ltls_cert_t *a, const ltls_cert_t *b);

/* The TLS SignatureScheme lucidtls verifies a certificate signature of this
 * algorithm with for an issuer key of this type and curve (ECDSA in
 * certificates pairs any allowed curve with any allowed hash), or NULL when
 * the algorithm is weak, unknown or does not fit the key. */
const ltls_sigscheme_t *ltls_x509_sigalg_scheme(ltls_x509_sigalg_t alg,
                                               const ltls_pubkey_info_t *issuer_key);

/* A short name for messages: "sha256WithRSAEncryption", "ecdsa-with-SHA1". */
const char *ltls_x509_sigalg_name(ltls_x509_sigalg_t alg);

/* 1 if the algorithm is refused as weak (MD5, SHA-1, SHA-224, DSA). */
int ltls_x509_sigalg_is_weak(ltls_x509_sigalg_t alg);

/* Iterates over a GeneralNames / GeneralSubtree body: each call gives the
 * next entry's tag number (LTLS_X509_GN_*) and contents. Returns 1 with an
 * entry, 0 at the end. The body was validated at decode time, so iteration
 * cannot fail; a malformed body (impossible for a decoded certificate) ends
 * the walk. */
typedef struct ltls_x509_gn_iter {
    const uint8_t *p;
    size_t len, off;
} ltls_x509_gn_iter_t;
void ltls_x509_gn_iter_init(ltls_x509_gn_iter_t *it, ltls_x509_span_t body);
int ltls_x509_gn_next(ltls_x509_gn_iter_t *it, unsigned *tag, ltls_x509_span_t *value);

/* Iterates over GeneralSubtrees contents: each subtree's base GeneralName. */
int ltls_x509_subtree_next(ltls_x509_gn_iter_t *it, unsigned *tag, ltls_x509_span_t *value);

/* Formats seconds since the epoch as YYYY-MM-DDTHH:MM:SSZ into buf (at
 * least 21 bytes). */
void ltls_x509_format_time(int64_t t, char buf[32]);

#endif
