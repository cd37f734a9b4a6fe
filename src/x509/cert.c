/*
 * x509/cert.c - strict decoding of X.509 v3 certificates (RFC 5280 §4.1,
 * §4.2) and of PEM/DER certificate lists.
 *
 * Theory of operation: ltls_cert_parse copies the DER once into the same
 * allocation as the struct and decodes it in a single pass with the strict
 * DER reader (x509/der.h). Every field the validator needs becomes a span
 * into that copy or a small value in the struct; nothing else is allocated.
 * A decoding failure says which field was wrong in the caller's detail
 * buffer and is always CERT_MALFORMED.
 *
 * What decoding enforces (structure, so that no later stage sees a
 * certificate whose bytes can be read two ways):
 *   - strict DER everywhere (der.h), no trailing bytes after the Certificate
 *     or inside any element, the size limit LTLS_X509_MAX_CERT_SIZE;
 *   - version: [0] omitted for v1 (DER forbids encoding the DEFAULT),
 *     v2/v3 explicit; unique identifiers only in v2/v3, extensions only in
 *     v3 (§4.1.2.8, §4.1.2.9);
 *   - the signature AlgorithmIdentifier inside TBSCertificate equals the
 *     outer signatureAlgorithm byte for byte (§4.1.1.2);
 *   - Names are SEQUENCE OF non-empty SETs of { OID, value };
 *   - validity times per §4.1.2.5 (der.h);
 *   - every extension appears at most once (§4.2) and has a DER OCTET
 *     STRING value; the extensions lucidtls understands are fully decoded
 *     and must have exactly the syntax RFC 5280 gives them; DEFAULT values
 *     (critical FALSE, cA FALSE, minimum 0) must not be encoded.
 * What decoding only records, for validation to judge (policy, so that a
 * certificate nobody will use on a path cannot make a trust store fail to
 * load or spoil another path): unknown signature and key algorithms, weak
 * ones, unknown critical extensions, criticality rules, serial number rules
 * and the presence of the extensions RFC 5280 requires of CAs.
 */
#include "x509/cert.h"

#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "core/reader.h"
#include "crypto/keyfile/pem.h"
#include "x509/der.h"
#include "x509/name.h"

/* No real certificate has more extensions; the bound keeps the duplicate
 * check linear in practice and hostile inputs cheap. */
#define MAX_EXTENSIONS 64

typedef struct pctx {
    char *detail;
    size_t cap;
} pctx_t;

static ltls_err_t malformed(pctx_t *c, ltls_err_t cause, const char *what)
{
    if (c->detail && c->cap) {
        if (cause && ltls_err_reason(cause) != LTLS_R_CERT_MALFORMED)
            snprintf(c->detail, c->cap, "malformed certificate: %s (%s)", what,
                     ltls_err_message(cause));
        else
            snprintf(c->detail, c->cap, "malformed certificate: %s", what);
    }
    return ltls_err_make(LTLS_R_CERT_MALFORMED);
}

/* Runs a DER read; on failure reports `what` and returns. */
#define NEED(expr, what)                          \
    do {                                          \
        ltls_err_t e_ = (expr);                   \
        if (e_)                                   \
            return malformed(c, e_, (what));      \
    } while (0)
#define CHECK(cond, what)                         \
    do {                                          \
        if (!(cond))                              \
            return malformed(c, 0, (what));       \
    } while (0)

/* ---------------------------------------------------------------------------
 * OIDs
 * ------------------------------------------------------------------------- */

#define OID(name, lit) static const ltls_der_oid_t name = LTLS_DER_OID_LIT(lit)
/* PKCS #1 (RFC 8017 Appendix C, RFC 4055) */
OID(oid_md5_rsa, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x04");
OID(oid_sha1_rsa, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x05");
OID(oid_rsassa_pss, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0a");
OID(oid_sha256_rsa, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b");
OID(oid_sha384_rsa, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0c");
OID(oid_sha512_rsa, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0d");
OID(oid_sha224_rsa, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0e");
OID(oid_mgf1, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x08");
/* NIST hashes (RFC 5754) */
OID(oid_sha256, "\x60\x86\x48\x01\x65\x03\x04\x02\x01");
OID(oid_sha384, "\x60\x86\x48\x01\x65\x03\x04\x02\x02");
OID(oid_sha512, "\x60\x86\x48\x01\x65\x03\x04\x02\x03");
/* ECDSA (RFC 5758 §3.2, RFC 3279 §2.2.3) */
OID(oid_ecdsa_sha1, "\x2a\x86\x48\xce\x3d\x04\x01");
OID(oid_ecdsa_sha224, "\x2a\x86\x48\xce\x3d\x04\x03\x01");
OID(oid_ecdsa_sha256, "\x2a\x86\x48\xce\x3d\x04\x03\x02");
OID(oid_ecdsa_sha384, "\x2a\x86\x48\xce\x3d\x04\x03\x03");
OID(oid_ecdsa_sha512, "\x2a\x86\x48\xce\x3d\x04\x03\x04");
/* DSA (RFC 3279 §2.2.2, RFC 5758 §3.1) */
OID(oid_dsa_sha1, "\x2a\x86\x48\xce\x38\x04\x03");
OID(oid_dsa_sha224, "\x60\x86\x48\x01\x65\x03\x04\x03\x01");
OID(oid_dsa_sha256, "\x60\x86\x48\x01\x65\x03\x04\x03\x02");
/* Extensions (RFC 5280 §4.2) */
OID(oid_ext_ski, "\x55\x1d\x0e");
OID(oid_ext_ku, "\x55\x1d\x0f");
OID(oid_ext_san, "\x55\x1d\x11");
OID(oid_ext_ian, "\x55\x1d\x12");
OID(oid_ext_bc, "\x55\x1d\x13");
OID(oid_ext_nc, "\x55\x1d\x1e");
OID(oid_ext_cp, "\x55\x1d\x20");
OID(oid_ext_aki, "\x55\x1d\x23");
OID(oid_ext_pc, "\x55\x1d\x24");
OID(oid_ext_eku, "\x55\x1d\x25");
OID(oid_ext_aia, "\x2b\x06\x01\x05\x05\x07\x01\x01");
/* Key purposes (RFC 5280 §4.2.1.12) */
OID(oid_kp_server, "\x2b\x06\x01\x05\x05\x07\x03\x01");
OID(oid_kp_client, "\x2b\x06\x01\x05\x05\x07\x03\x02");
OID(oid_kp_any, "\x55\x1d\x25\x00");
#undef OID

/* ---------------------------------------------------------------------------
 * Signature algorithms
 * ------------------------------------------------------------------------- */

/* parameters of a hash AlgorithmIdentifier inside RSASSA-PSS-params: the
 * hash OID with NULL or absent parameters (RFC 4055 §2.1). */
static ltls_err_t read_hash_alg(ltls_reader_t *r, const ltls_hash_alg_t **hash)
{
    ltls_reader_t c = *r, seq;
    ltls_der_oid_t oid;
    ltls_err_t err = ltls_der_read_sequence(&c, &seq);
    if (!err)
        err = ltls_der_read_oid(&seq, &oid);
    if (!err && ltls_reader_left(&seq))
        err = ltls_der_read_null(&seq);
    if (!err)
        err = ltls_der_end(&seq);
    if (err)
        return err;
    *hash = ltls_der_oid_equal(&oid, &oid_sha256)   ? &ltls_hash_sha256
            : ltls_der_oid_equal(&oid, &oid_sha384) ? &ltls_hash_sha384
            : ltls_der_oid_equal(&oid, &oid_sha512) ? &ltls_hash_sha512
                                                    : NULL;
    *r = c;
    return LTLS_OK;
}

/* RSASSA-PSS-params (RFC 4055 §3.1). Only the combinations TLS and the
 * provider use are supported: SHA-2 hash, MGF1 with the same hash, salt
 * length equal to the hash length, trailer field 1 (left at its DEFAULT).
 * Others decode as LTLS_X509_SIG_RSA_PSS_OTHER; malformed parameters fail. */
static ltls_err_t read_pss_params(ltls_reader_t *r, ltls_x509_sigalg_t *alg)
{
    ltls_reader_t c = *r, seq, sub, mgf;
    const ltls_hash_alg_t *hash = NULL, *mgf_hash = NULL;
    uint64_t salt = 20, trailer = 1;
    int present, supported = 1;
    ltls_der_oid_t oid;
    ltls_err_t err = ltls_der_read_sequence(&c, &seq);
    if (err)
        return err;
    /* hashAlgorithm [0] DEFAULT sha1 */
    if ((err = ltls_der_read_optional(&seq, LTLS_DER_CTX_CONS(0), &sub, &present)))
        return err;
    if (present) {
        if ((err = read_hash_alg(&sub, &hash)) || (err = ltls_der_end(&sub)))
            return err;
    }
    /* maskGenAlgorithm [1] DEFAULT mgf1SHA1 */
    if ((err = ltls_der_read_optional(&seq, LTLS_DER_CTX_CONS(1), &sub, &present)))
        return err;
    if (present) {
        if ((err = ltls_der_read_sequence(&sub, &mgf)) || (err = ltls_der_end(&sub)) ||
            (err = ltls_der_read_oid(&mgf, &oid)))
            return err;
        if (ltls_der_oid_equal(&oid, &oid_mgf1)) {
            if ((err = read_hash_alg(&mgf, &mgf_hash)))
                return err;
        } else {
            supported = 0;
            if ((err = ltls_der_skip(&mgf)))
                return err;
        }
        if ((err = ltls_der_end(&mgf)))
            return err;
    }
    /* saltLength [2] DEFAULT 20 */
    if ((err = ltls_der_read_optional(&seq, LTLS_DER_CTX_CONS(2), &sub, &present)))
        return err;
    if (present && ((err = ltls_der_read_uint64(&sub, &salt)) || (err = ltls_der_end(&sub))))
        return err;
    /* trailerField [3] DEFAULT trailerFieldBC(1) */
    if ((err = ltls_der_read_optional(&seq, LTLS_DER_CTX_CONS(3), &sub, &present)))
        return err;
    if (present) {
        if ((err = ltls_der_read_uint64(&sub, &trailer)) || (err = ltls_der_end(&sub)))
            return err;
        if (trailer == 1) /* X.690 §11.5: a DEFAULT value is not encoded */
            return ltls_err_make(LTLS_R_DER_INVALID);
    }
    if ((err = ltls_der_end(&seq)))
        return err;
    if (!supported || !hash || hash != mgf_hash || salt != hash->digest_size || trailer != 1)
        *alg = LTLS_X509_SIG_RSA_PSS_OTHER;
    else
        *alg = hash == &ltls_hash_sha256   ? LTLS_X509_SIG_RSA_PSS_SHA256
               : hash == &ltls_hash_sha384 ? LTLS_X509_SIG_RSA_PSS_SHA384
                                           : LTLS_X509_SIG_RSA_PSS_SHA512;
    *r = c;
    return LTLS_OK;
}

/* AlgorithmIdentifier of a signature. An algorithm lucidtls does not know,
 * or a known one with parameters other than its RFC's, decodes as
 * LTLS_X509_SIG_UNKNOWN: validation refuses it only if a path needs it. */
static ltls_err_t read_sig_alg(pctx_t *c, ltls_reader_t *r, ltls_x509_span_t *raw,
                               ltls_x509_sigalg_t *alg)
{
    ltls_der_elem_t e;
    ltls_reader_t seq;
    ltls_der_oid_t oid;
    NEED(ltls_der_read_elem(r, LTLS_DER_SEQUENCE, &e), "signature AlgorithmIdentifier");
    raw->p = e.raw;
    raw->len = e.raw_len;
    ltls_reader_init(&seq, e.body, e.len);
    NEED(ltls_der_read_oid(&seq, &oid), "signature algorithm OID");
    *alg = LTLS_X509_SIG_UNKNOWN;

    static const struct {
        const ltls_der_oid_t *oid;
        ltls_x509_sigalg_t alg;
        int null_params; /* 1: NULL or absent (RFC 4055 §5); 0: absent (RFC 5758, 8410) */
    } table[] = {
        {&oid_sha256_rsa, LTLS_X509_SIG_RSA_PKCS1_SHA256, 1},
        {&oid_sha384_rsa, LTLS_X509_SIG_RSA_PKCS1_SHA384, 1},
        {&oid_sha512_rsa, LTLS_X509_SIG_RSA_PKCS1_SHA512, 1},
        {&oid_sha224_rsa, LTLS_X509_SIG_RSA_PKCS1_SHA224, 1},
        {&oid_sha1_rsa, LTLS_X509_SIG_RSA_PKCS1_SHA1, 1},
        {&oid_md5_rsa, LTLS_X509_SIG_RSA_PKCS1_MD5, 1},
        {&oid_ecdsa_sha256, LTLS_X509_SIG_ECDSA_SHA256, 0},
        {&oid_ecdsa_sha384, LTLS_X509_SIG_ECDSA_SHA384, 0},
        {&oid_ecdsa_sha512, LTLS_X509_SIG_ECDSA_SHA512, 0},
        {&oid_ecdsa_sha224, LTLS_X509_SIG_ECDSA_SHA224, 0},
        {&oid_ecdsa_sha1, LTLS_X509_SIG_ECDSA_SHA1, 0},
        {&ltls_oid_ed25519, LTLS_X509_SIG_ED25519, 0},
        {&ltls_oid_ed448, LTLS_X509_SIG_ED448, 0},
        {&oid_dsa_sha1, LTLS_X509_SIG_DSA, 0},
        {&oid_dsa_sha224, LTLS_X509_SIG_DSA, 0},
        {&oid_dsa_sha256, LTLS_X509_SIG_DSA, 0},
    };
    if (ltls_der_oid_equal(&oid, &oid_rsassa_pss)) {
        NEED(read_pss_params(&seq, alg), "RSASSA-PSS parameters");
        NEED(ltls_der_end(&seq), "RSASSA-PSS parameters");
        return LTLS_OK;
    }
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (!ltls_der_oid_equal(&oid, table[i].oid))
            continue;
        int ok = !ltls_reader_left(&seq);
        if (!ok && table[i].null_params && ltls_der_read_null(&seq) == LTLS_OK)
            ok = !ltls_reader_left(&seq);
        if (ok)
            *alg = table[i].alg;
        break;
    }
    /* Unknown or unexpected parameters: one element at most. */
    if (ltls_reader_left(&seq))
        NEED(ltls_der_skip(&seq), "signature algorithm parameters");
    NEED(ltls_der_end(&seq), "signature AlgorithmIdentifier");
    return LTLS_OK;
}

/* ---------------------------------------------------------------------------
 * SubjectPublicKeyInfo (RFC 5280 §4.1.2.7, RFC 3279, RFC 5480, RFC 8410)
 * ------------------------------------------------------------------------- */

static unsigned bit_length(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && p[i] == 0)
        i++;
    if (i == n)
        return 0;
    unsigned bits = (unsigned)(n - i - 1) * 8;
    for (uint8_t b = p[i]; b; b >>= 1)
        bits++;
    return bits;
}

static ltls_err_t read_spki(pctx_t *c, ltls_reader_t *r, ltls_cert_t *cert)
{
    ltls_der_elem_t e;
    ltls_reader_t spki, alg;
    ltls_der_oid_t oid;
    const uint8_t *bits;
    size_t nbits;
    NEED(ltls_der_read_elem(r, LTLS_DER_SEQUENCE, &e), "subjectPublicKeyInfo");
    cert->spki.p = e.raw;
    cert->spki.len = e.raw_len;
    ltls_reader_init(&spki, e.body, e.len);
    NEED(ltls_der_read_sequence(&spki, &alg), "subjectPublicKeyInfo algorithm");
    NEED(ltls_der_read_oid(&alg, &oid), "subjectPublicKeyInfo algorithm OID");
    /* The key's BIT STRING; a key is whole octets. */
    NEED(ltls_der_read_bit_string_octets(&spki, &bits, &nbits), "subjectPublicKey");
    NEED(ltls_der_end(&spki), "subjectPublicKeyInfo");
    cert->key_bits.p = bits;
    cert->key_bits.len = nbits;

    ltls_pubkey_info_t *k = &cert->key;
    memset(k, 0, sizeof(*k));
    cert->key_issue = LTLS_X509_KEY_OK;

    if (ltls_der_oid_equal(&oid, &ltls_oid_rsa_encryption)) {
        /* RFC 3279 §2.3.1: parameters MUST be NULL. */
        NEED(ltls_der_read_null(&alg), "rsaEncryption parameters (must be NULL)");
        NEED(ltls_der_end(&alg), "rsaEncryption parameters");
        ltls_reader_t kr, seq;
        ltls_reader_init(&kr, bits, nbits);
        NEED(ltls_der_read_sequence(&kr, &seq), "RSAPublicKey");
        NEED(ltls_der_end(&kr), "RSAPublicKey");
        NEED(ltls_der_read_uint(&seq, &k->n, &k->n_size), "RSA modulus");
        NEED(ltls_der_read_uint(&seq, &k->e, &k->e_size), "RSA public exponent");
        NEED(ltls_der_end(&seq), "RSAPublicKey");
        CHECK(bit_length(k->n, k->n_size) > 0 && bit_length(k->e, k->e_size) > 0,
              "RSA key with a zero modulus or exponent");
        k->type = LTLS_KEY_RSA;
        cert->key_size_bits = bit_length(k->n, k->n_size);
        return LTLS_OK;
    }
    if (ltls_der_oid_equal(&oid, &ltls_oid_ec_public_key)) {
        /* RFC 5480 §2.1.1: ECParameters ::= CHOICE { namedCurve OID,
         * implicitCurve NULL, specifiedCurve SpecifiedECDomain }; only
         * namedCurve is allowed in PKIX (and by CA/B BR 7.1.3.1.2). */
        uint32_t tag = 0;
        NEED(ltls_der_peek_tag(&alg, &tag), "EC parameters");
        if (tag != LTLS_DER_OID) {
            NEED(ltls_der_skip(&alg), "EC parameters");
            NEED(ltls_der_end(&alg), "EC parameters");
            cert->key_issue = LTLS_X509_KEY_EXPLICIT_CURVE;
            return LTLS_OK;
        }
        ltls_der_oid_t curve;
        NEED(ltls_der_read_oid(&alg, &curve), "EC named curve");
        NEED(ltls_der_end(&alg), "EC parameters");
        const ltls_group_t *g = ltls_der_oid_equal(&curve, &ltls_oid_secp256r1) ? &ltls_group_secp256r1
                                : ltls_der_oid_equal(&curve, &ltls_oid_secp384r1) ? &ltls_group_secp384r1
                                : ltls_der_oid_equal(&curve, &ltls_oid_secp521r1) ? &ltls_group_secp521r1
                                                                                  : NULL;
        if (!g) {
            cert->key_issue = LTLS_X509_KEY_UNKNOWN_CURVE;
            return LTLS_OK;
        }
        /* SEC1 §2.3.3: uncompressed points only (RFC 5480 §2.2 MUST). A
         * compressed point is valid SEC1 but not usable by the provider. */
        if (nbits == 0 || bits[0] != 0x04) {
            CHECK(nbits > 0 && (bits[0] == 0x02 || bits[0] == 0x03), "EC point encoding");
            cert->key_issue = LTLS_X509_KEY_UNKNOWN_ALGORITHM;
            return LTLS_OK;
        }
        CHECK(nbits == g->client_share_size, "EC point length does not fit its curve");
        k->type = LTLS_KEY_EC;
        k->curve = g->code;
        k->point = bits;
        k->point_size = nbits;
        cert->key_size_bits = g == &ltls_group_secp256r1 ? 256 : g == &ltls_group_secp384r1 ? 384 : 521;
        return LTLS_OK;
    }
    int ed25519 = ltls_der_oid_equal(&oid, &ltls_oid_ed25519);
    if (ed25519 || ltls_der_oid_equal(&oid, &ltls_oid_ed448)) {
        /* RFC 8410 §3: parameters MUST be absent. */
        NEED(ltls_der_end(&alg), "EdDSA parameters (must be absent)");
        CHECK(nbits == (ed25519 ? 32u : 57u), "EdDSA public key length");
        k->type = ed25519 ? LTLS_KEY_ED25519 : LTLS_KEY_ED448;
        k->point = bits;
        k->point_size = nbits;
        cert->key_size_bits = ed25519 ? 256 : 456;
        return LTLS_OK;
    }
    /* DSA, RSASSA-PSS-restricted keys, X25519, anything else. */
    if (ltls_reader_left(&alg))
        NEED(ltls_der_skip(&alg), "public key algorithm parameters");
    NEED(ltls_der_end(&alg), "public key AlgorithmIdentifier");
    cert->key_issue = LTLS_X509_KEY_UNKNOWN_ALGORITHM;
    return LTLS_OK;
}

/* ---------------------------------------------------------------------------
 * GeneralName (RFC 5280 §4.2.1.6)
 * ------------------------------------------------------------------------- */

static int is_ia5(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] & 0x80)
            return 0;
    return 1;
}

/* Reads one GeneralName and checks its syntax. ip_len_a/ip_len_b are the
 * allowed iPAddress lengths (4/16 in names, 8/32 in constraints). */
static ltls_err_t read_general_name(pctx_t *c, ltls_reader_t *r, unsigned ip_len_a,
                                    unsigned ip_len_b, unsigned *tag_out)
{
    ltls_der_elem_t e;
    NEED(ltls_der_read_any(r, &e), "GeneralName");
    unsigned cls = e.tag >> 24, num = e.tag & 0xffffffu;
    int cons = (cls & LTLS_DER_CONSTRUCTED) != 0;
    CHECK((cls & 0xc0u) == LTLS_DER_CONTEXT && num <= 8, "GeneralName with an unknown tag");
    ltls_reader_t body;
    ltls_reader_init(&body, e.body, e.len);
    switch (num) {
    case LTLS_X509_GN_OTHER_NAME: { /* SEQUENCE { type-id OID, value [0] EXPLICIT ANY } */
        ltls_der_oid_t oid;
        ltls_reader_t v;
        CHECK(cons, "otherName must be constructed");
        NEED(ltls_der_read_oid(&body, &oid), "otherName type");
        NEED(ltls_der_read_explicit(&body, 0, &v), "otherName value");
        NEED(ltls_der_skip(&v), "otherName value");
        NEED(ltls_der_end(&v), "otherName value");
        NEED(ltls_der_end(&body), "otherName");
        break;
    }
    case LTLS_X509_GN_RFC822:
    case LTLS_X509_GN_DNS:
    case LTLS_X509_GN_URI:
        CHECK(!cons, "IA5String GeneralName must be primitive");
        CHECK(is_ia5(e.body, e.len), "a dNSName, rfc822Name or URI holds non-ASCII bytes");
        break;
    case LTLS_X509_GN_DIRECTORY: { /* [4] EXPLICIT Name */
        ltls_x509_span_t name;
        CHECK(cons, "directoryName must be constructed");
        NEED(ltls_x509_name_read(&body, &name), "directoryName");
        NEED(ltls_der_end(&body), "directoryName");
        break;
    }
    case LTLS_X509_GN_X400:
    case LTLS_X509_GN_EDI_PARTY:
        CHECK(cons, "x400Address/ediPartyName must be constructed");
        break;
    case LTLS_X509_GN_IP:
        CHECK(!cons, "iPAddress must be primitive");
        CHECK(e.len == ip_len_a || e.len == ip_len_b, "iPAddress of a wrong length");
        break;
    case LTLS_X509_GN_REGISTERED_ID:
        CHECK(!cons && e.len > 0 && !(e.body[e.len - 1] & 0x80), "registeredID");
        break;
    default:
        break;
    }
    *tag_out = num;
    return LTLS_OK;
}

/* GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName; the body of the
 * SEQUENCE is r. forms collects 1 << tag. */
static ltls_err_t read_general_names(pctx_t *c, ltls_reader_t *r, uint16_t *forms)
{
    unsigned tag;
    CHECK(ltls_reader_left(r) > 0, "empty GeneralNames");
    while (ltls_reader_left(r)) {
        ltls_err_t err = read_general_name(c, r, 4, 16, &tag);
        if (err)
            return err;
        if (forms)
            *forms |= (uint16_t)(1u << tag);
    }
    return LTLS_OK;
}

void ltls_x509_gn_iter_init(ltls_x509_gn_iter_t *it, ltls_x509_span_t body)
{
    it->p = body.p;
    it->len = body.len;
    it->off = 0;
}

int ltls_x509_gn_next(ltls_x509_gn_iter_t *it, unsigned *tag, ltls_x509_span_t *value)
{
    ltls_reader_t r = {it->p, it->len, it->off};
    ltls_der_elem_t e;
    if (!ltls_reader_left(&r) || ltls_der_read_any(&r, &e))
        return 0;
    it->off = r.off;
    *tag = e.tag & 0xffffffu;
    /* For a directoryName ([4] EXPLICIT) the contents are the Name's
     * whole encoding, which is what Name comparison takes. */
    value->p = e.body;
    value->len = e.len;
    return 1;
}

int ltls_x509_subtree_next(ltls_x509_gn_iter_t *it, unsigned *tag, ltls_x509_span_t *value)
{
    ltls_reader_t r = {it->p, it->len, it->off}, seq;
    if (!ltls_reader_left(&r) || ltls_der_read_sequence(&r, &seq))
        return 0;
    it->off = r.off;
    ltls_x509_gn_iter_t inner = {ltls_reader_peek(&seq), ltls_reader_left(&seq), 0};
    return ltls_x509_gn_next(&inner, tag, value);
}

/* ---------------------------------------------------------------------------
 * Extensions (RFC 5280 §4.2)
 * ------------------------------------------------------------------------- */

static ltls_err_t ext_basic_constraints(pctx_t *c, ltls_reader_t *v, ltls_cert_t *cert)
{
    ltls_reader_t seq;
    NEED(ltls_der_read_sequence(v, &seq), "basicConstraints");
    cert->is_ca = 0;
    cert->path_len = -1;
    if (ltls_der_next_is(&seq, LTLS_DER_BOOLEAN)) {
        int ca;
        NEED(ltls_der_read_bool(&seq, &ca), "basicConstraints cA");
        CHECK(ca, "basicConstraints encodes cA FALSE, its DEFAULT (X.690 §11.5)");
        cert->is_ca = 1;
    }
    if (ltls_reader_left(&seq)) {
        uint64_t n;
        NEED(ltls_der_read_uint64(&seq, &n), "basicConstraints pathLenConstraint");
        cert->path_len = n > 255 ? 255 : (int)n; /* far beyond any depth limit */
    }
    NEED(ltls_der_end(&seq), "basicConstraints");
    return LTLS_OK;
}

static ltls_err_t ext_key_usage(pctx_t *c, ltls_reader_t *v, ltls_cert_t *cert)
{
    const uint8_t *p;
    size_t n;
    unsigned unused;
    NEED(ltls_der_read_bit_string(v, &p, &n, &unused), "keyUsage");
    (void)unused;
    /* X.690 §11.2.2 wants a named bit list without trailing zero bits, but
     * roots in today's trust stores (Trustwave's among them) encode keyUsage
     * with them; the value is unambiguous either way, so they are accepted.
     * §4.2.1.3's "at least one of the bits MUST be set" is enforced. */
    uint16_t ku = 0;
    int any = 0;
    for (size_t i = 0; i < n; i++)
        any |= p[i] != 0;
    CHECK(any, "keyUsage has no bit set (RFC 5280 §4.2.1.3)");
    for (unsigned bit = 0; bit < 9 && bit < n * 8; bit++)
        if (p[bit / 8] & (0x80u >> (bit % 8)))
            ku |= (uint16_t)(1u << bit);
    cert->key_usage = ku;
    return LTLS_OK;
}

static ltls_err_t ext_eku(pctx_t *c, ltls_reader_t *v, ltls_cert_t *cert)
{
    ltls_reader_t seq;
    NEED(ltls_der_read_sequence(v, &seq), "extKeyUsage");
    CHECK(ltls_reader_left(&seq) > 0, "extKeyUsage lists no purpose (SIZE (1..MAX))");
    while (ltls_reader_left(&seq)) {
        ltls_der_oid_t oid;
        NEED(ltls_der_read_oid(&seq, &oid), "extKeyUsage purpose");
        cert->eku |= ltls_der_oid_equal(&oid, &oid_kp_server)   ? LTLS_X509_EKU_SERVER_AUTH
                     : ltls_der_oid_equal(&oid, &oid_kp_client) ? LTLS_X509_EKU_CLIENT_AUTH
                     : ltls_der_oid_equal(&oid, &oid_kp_any)    ? LTLS_X509_EKU_ANY
                                                                : LTLS_X509_EKU_OTHER;
    }
    return LTLS_OK;
}

static ltls_err_t ext_san(pctx_t *c, ltls_reader_t *v, ltls_cert_t *cert)
{
    ltls_reader_t seq;
    NEED(ltls_der_read_sequence(v, &seq), "subjectAltName");
    cert->san.p = ltls_reader_peek(&seq);
    cert->san.len = ltls_reader_left(&seq);
    return read_general_names(c, &seq, &cert->san_forms);
}

static ltls_err_t ext_ian(pctx_t *c, ltls_reader_t *v, ltls_cert_t *cert)
{
    ltls_reader_t seq;
    (void)cert;
    NEED(ltls_der_read_sequence(v, &seq), "issuerAltName");
    return read_general_names(c, &seq, NULL);
}

/* GeneralSubtrees ::= SEQUENCE SIZE (1..MAX) OF GeneralSubtree, with
 * minimum 0 (not encoded, its DEFAULT) and maximum absent (§4.2.1.10). */
static ltls_err_t read_subtrees(pctx_t *c, ltls_reader_t *r, ltls_x509_span_t *out,
                                uint16_t *forms)
{
    CHECK(ltls_reader_left(r) > 0, "nameConstraints has an empty list of subtrees");
    out->p = ltls_reader_peek(r);
    out->len = ltls_reader_left(r);
    while (ltls_reader_left(r)) {
        ltls_reader_t st;
        unsigned tag;
        NEED(ltls_der_read_sequence(r, &st), "GeneralSubtree");
        ltls_err_t err = read_general_name(c, &st, 8, 32, &tag);
        if (err)
            return err;
        CHECK(!ltls_reader_left(&st),
              "GeneralSubtree with minimum or maximum (RFC 5280 §4.2.1.10 forbids them)");
        *forms |= (uint16_t)(1u << tag);
    }
    return LTLS_OK;
}

static ltls_err_t ext_name_constraints(pctx_t *c, ltls_reader_t *v, ltls_cert_t *cert)
{
    ltls_reader_t seq, sub;
    int present;
    NEED(ltls_der_read_sequence(v, &seq), "nameConstraints");
    NEED(ltls_der_read_optional(&seq, LTLS_DER_CTX_CONS(0), &sub, &present),
         "nameConstraints permittedSubtrees");
    if (present) {
        ltls_err_t err = read_subtrees(c, &sub, &cert->nc_permitted, &cert->nc_forms);
        if (err)
            return err;
    }
    NEED(ltls_der_read_optional(&seq, LTLS_DER_CTX_CONS(1), &sub, &present),
         "nameConstraints excludedSubtrees");
    if (present) {
        ltls_err_t err = read_subtrees(c, &sub, &cert->nc_excluded, &cert->nc_forms);
        if (err)
            return err;
    }
    NEED(ltls_der_end(&seq), "nameConstraints");
    /* §4.2.1.10: "MUST NOT issue certificates where name constraints is an
     * empty sequence". */
    CHECK(cert->nc_permitted.len || cert->nc_excluded.len, "nameConstraints is empty");
    return LTLS_OK;
}

static ltls_err_t ext_aki(pctx_t *c, ltls_reader_t *v, ltls_cert_t *cert)
{
    ltls_reader_t seq, sub;
    int has_issuer, has_serial;
    NEED(ltls_der_read_sequence(v, &seq), "authorityKeyIdentifier");
    if (ltls_der_next_is(&seq, LTLS_DER_CTX(0))) {
        NEED(ltls_der_read_octet_string_tagged(&seq, LTLS_DER_CTX(0), &cert->aki_key_id.p,
                                               &cert->aki_key_id.len),
             "authorityKeyIdentifier keyIdentifier");
        if (!cert->aki_key_id.p) /* an empty keyIdentifier still counts as present */
            cert->aki_key_id.p = cert->der;
    }
    NEED(ltls_der_read_optional(&seq, LTLS_DER_CTX_CONS(1), &sub, &has_issuer),
         "authorityKeyIdentifier authorityCertIssuer");
    if (has_issuer) {
        ltls_err_t err = read_general_names(c, &sub, NULL);
        if (err)
            return err;
    }
    has_serial = ltls_der_next_is(&seq, LTLS_DER_CTX(2));
    if (has_serial) {
        const uint8_t *p;
        size_t n;
        NEED(ltls_der_read_integer_tagged(&seq, LTLS_DER_CTX(2), &p, &n),
             "authorityKeyIdentifier authorityCertSerialNumber");
    }
    NEED(ltls_der_end(&seq), "authorityKeyIdentifier");
    /* §4.2.1.1's ASN.1 comment: both present or both absent. */
    CHECK(has_issuer == has_serial,
          "authorityKeyIdentifier has only one of authorityCertIssuer and SerialNumber");
    cert->aki_has_issuer_serial = has_issuer;
    return LTLS_OK;
}

static ltls_err_t ext_ski(pctx_t *c, ltls_reader_t *v, ltls_cert_t *cert)
{
    NEED(ltls_der_read_octet_string(v, &cert->ski.p, &cert->ski.len), "subjectKeyIdentifier");
    if (!cert->ski.p) /* an empty identifier is still present: p marks presence */
        cert->ski.p = cert->der;
    return LTLS_OK;
}

/* certificatePolicies (§4.2.1.4): parsed for well-formedness, not enforced
 * (the Web PKI validates with any-policy and no explicit policy). */
static ltls_err_t ext_policies(pctx_t *c, ltls_reader_t *v, ltls_cert_t *cert)
{
    ltls_reader_t seq;
    NEED(ltls_der_read_sequence(v, &seq), "certificatePolicies");
    CHECK(ltls_reader_left(&seq) > 0, "certificatePolicies is empty");
    cert->policies.p = ltls_reader_peek(&seq);
    cert->policies.len = ltls_reader_left(&seq);
    while (ltls_reader_left(&seq)) {
        ltls_reader_t pi, quals, q;
        ltls_der_oid_t oid;
        int present;
        NEED(ltls_der_read_sequence(&seq, &pi), "PolicyInformation");
        NEED(ltls_der_read_oid(&pi, &oid), "policyIdentifier");
        NEED(ltls_der_read_optional(&pi, LTLS_DER_SEQUENCE, &quals, &present), "policyQualifiers");
        if (present) {
            CHECK(ltls_reader_left(&quals) > 0, "empty policyQualifiers");
            while (ltls_reader_left(&quals)) {
                NEED(ltls_der_read_sequence(&quals, &q), "PolicyQualifierInfo");
                NEED(ltls_der_read_oid(&q, &oid), "policyQualifierId");
                NEED(ltls_der_skip(&q), "policy qualifier");
                NEED(ltls_der_end(&q), "PolicyQualifierInfo");
            }
        }
        NEED(ltls_der_end(&pi), "PolicyInformation");
    }
    return LTLS_OK;
}

/* policyConstraints (§4.2.1.11): SEQUENCE { [0] INTEGER OPTIONAL,
 * [1] INTEGER OPTIONAL }, not empty. Decoded only for its syntax. */
static ltls_err_t ext_policy_constraints(pctx_t *c, ltls_reader_t *v, ltls_cert_t *cert)
{
    ltls_reader_t seq;
    const uint8_t *p;
    size_t n;
    (void)cert;
    NEED(ltls_der_read_sequence(v, &seq), "policyConstraints");
    CHECK(ltls_reader_left(&seq) > 0, "policyConstraints is empty");
    if (ltls_der_next_is(&seq, LTLS_DER_CTX(0)))
        NEED(ltls_der_read_uint_tagged(&seq, LTLS_DER_CTX(0), &p, &n), "requireExplicitPolicy");
    if (ltls_der_next_is(&seq, LTLS_DER_CTX(1)))
        NEED(ltls_der_read_uint_tagged(&seq, LTLS_DER_CTX(1), &p, &n), "inhibitPolicyMapping");
    NEED(ltls_der_end(&seq), "policyConstraints");
    return LTLS_OK;
}

/* authorityInfoAccess (§4.2.2.1): SEQUENCE SIZE (1..MAX) OF
 * AccessDescription { accessMethod OID, accessLocation GeneralName }. */
static ltls_err_t ext_aia(pctx_t *c, ltls_reader_t *v, ltls_cert_t *cert)
{
    ltls_reader_t seq, ad;
    (void)cert;
    NEED(ltls_der_read_sequence(v, &seq), "authorityInfoAccess");
    CHECK(ltls_reader_left(&seq) > 0, "authorityInfoAccess is empty");
    while (ltls_reader_left(&seq)) {
        ltls_der_oid_t oid;
        unsigned tag;
        NEED(ltls_der_read_sequence(&seq, &ad), "AccessDescription");
        NEED(ltls_der_read_oid(&ad, &oid), "accessMethod");
        ltls_err_t err = read_general_name(c, &ad, 4, 16, &tag);
        if (err)
            return err;
        NEED(ltls_der_end(&ad), "AccessDescription");
    }
    return LTLS_OK;
}

typedef ltls_err_t (*ext_fn)(pctx_t *, ltls_reader_t *, ltls_cert_t *);

static const struct {
    const ltls_der_oid_t *oid;
    uint32_t bit;
    ext_fn parse;
} known_exts[] = {
    {&oid_ext_bc, LTLS_X509_EXT_BASIC_CONSTRAINTS, ext_basic_constraints},
    {&oid_ext_ku, LTLS_X509_EXT_KEY_USAGE, ext_key_usage},
    {&oid_ext_eku, LTLS_X509_EXT_EXT_KEY_USAGE, ext_eku},
    {&oid_ext_san, LTLS_X509_EXT_SAN, ext_san},
    {&oid_ext_nc, LTLS_X509_EXT_NAME_CONSTRAINTS, ext_name_constraints},
    {&oid_ext_aki, LTLS_X509_EXT_AKI, ext_aki},
    {&oid_ext_ski, LTLS_X509_EXT_SKI, ext_ski},
    {&oid_ext_cp, LTLS_X509_EXT_POLICIES, ext_policies},
    {&oid_ext_aia, LTLS_X509_EXT_AIA, ext_aia},
    {&oid_ext_ian, LTLS_X509_EXT_IAN, ext_ian},
    {&oid_ext_pc, LTLS_X509_EXT_POLICY_CONSTRAINTS, ext_policy_constraints},
};

static ltls_err_t read_extensions(pctx_t *c, ltls_reader_t *r, ltls_cert_t *cert)
{
    ltls_reader_t seq;
    ltls_der_oid_t seen[MAX_EXTENSIONS];
    size_t nseen = 0;
    NEED(ltls_der_read_sequence(r, &seq), "extensions");
    CHECK(ltls_reader_left(&seq) > 0, "empty extensions list (SIZE (1..MAX))");
    while (ltls_reader_left(&seq)) {
        ltls_reader_t ext, val;
        ltls_der_oid_t oid;
        int critical = 0;
        const uint8_t *vp;
        size_t vn;
        CHECK(nseen < MAX_EXTENSIONS, "too many extensions");
        NEED(ltls_der_read_sequence(&seq, &ext), "Extension");
        NEED(ltls_der_read_oid(&ext, &oid), "extnID");
        if (ltls_der_next_is(&ext, LTLS_DER_BOOLEAN)) {
            NEED(ltls_der_read_bool(&ext, &critical), "Extension critical");
            CHECK(critical, "an extension encodes critical FALSE, its DEFAULT (X.690 §11.5)");
        }
        NEED(ltls_der_read_octet_string(&ext, &vp, &vn), "extnValue");
        NEED(ltls_der_end(&ext), "Extension");
        /* §4.2: "A certificate MUST NOT include more than one instance of a
         * particular extension." */
        for (size_t i = 0; i < nseen; i++)
            CHECK(!ltls_der_oid_equal(&seen[i], &oid), "duplicate extension");
        seen[nseen++] = oid;

        size_t k = 0;
        while (k < sizeof(known_exts) / sizeof(known_exts[0]) &&
               !ltls_der_oid_equal(known_exts[k].oid, &oid))
            k++;
        if (k == sizeof(known_exts) / sizeof(known_exts[0])) {
            if (critical && !(cert->ext_critical & LTLS_X509_EXT_UNKNOWN_CRITICAL)) {
                cert->ext_critical |= LTLS_X509_EXT_UNKNOWN_CRITICAL;
                cert->unknown_critical_oid.p = oid.p;
                cert->unknown_critical_oid.len = oid.len;
            }
            continue;
        }
        ltls_reader_init(&val, vp, vn);
        ltls_err_t err = known_exts[k].parse(c, &val, cert);
        if (err)
            return err;
        NEED(ltls_der_end(&val), "trailing bytes in an extension value");
        cert->ext_present |= known_exts[k].bit;
        if (critical)
            cert->ext_critical |= known_exts[k].bit;
    }
    cert->ext_count = (unsigned)nseen;
    return LTLS_OK;
}

/* ---------------------------------------------------------------------------
 * The certificate
 * ------------------------------------------------------------------------- */

static ltls_err_t decode(pctx_t *c, ltls_cert_t *cert)
{
    ltls_reader_t r, crt, tbs;
    ltls_der_elem_t tbs_elem;
    ltls_x509_span_t inner_alg;
    ltls_x509_sigalg_t inner;
    ltls_reader_init(&r, cert->der, cert->der_len);
    NEED(ltls_der_read_sequence(&r, &crt), "Certificate");
    NEED(ltls_der_end(&r), "trailing data after the Certificate");
    NEED(ltls_der_read_elem(&crt, LTLS_DER_SEQUENCE, &tbs_elem), "TBSCertificate");
    cert->tbs.p = tbs_elem.raw;
    cert->tbs.len = tbs_elem.raw_len;
    ltls_err_t err = read_sig_alg(c, &crt, &cert->sig_alg_der, &cert->sig_alg);
    if (err)
        return err;
    NEED(ltls_der_read_bit_string_octets(&crt, &cert->signature.p, &cert->signature.len),
         "signatureValue");
    NEED(ltls_der_end(&crt), "trailing data in the Certificate");

    ltls_reader_init(&tbs, tbs_elem.body, tbs_elem.len);
    cert->version = 1;
    if (ltls_der_next_is(&tbs, LTLS_DER_CTX_CONS(0))) {
        ltls_reader_t v;
        uint64_t version;
        NEED(ltls_der_read_explicit(&tbs, 0, &v), "version");
        NEED(ltls_der_read_uint64(&v, &version), "version");
        NEED(ltls_der_end(&v), "version");
        CHECK(version == 1 || version == 2,
              version == 0 ? "version v1 encoded explicitly (DER omits the DEFAULT)"
                           : "unknown version");
        cert->version = (unsigned)version + 1;
    }
    NEED(ltls_der_read_integer(&tbs, &cert->serial.p, &cert->serial.len), "serialNumber");
    if ((err = read_sig_alg(c, &tbs, &inner_alg, &inner)))
        return err;
    /* §4.1.1.2: signatureAlgorithm "MUST contain the same algorithm
     * identifier as the signature field in the sequence tbsCertificate". */
    CHECK(inner_alg.len == cert->sig_alg_der.len &&
              memcmp(inner_alg.p, cert->sig_alg_der.p, inner_alg.len) == 0,
          "the signature algorithm inside TBSCertificate differs from signatureAlgorithm");
    NEED(ltls_x509_name_read(&tbs, &cert->issuer), "issuer Name");
    ltls_reader_t validity;
    NEED(ltls_der_read_sequence(&tbs, &validity), "validity");
    NEED(ltls_der_read_time(&validity, &cert->not_before), "notBefore");
    NEED(ltls_der_read_time(&validity, &cert->not_after), "notAfter");
    NEED(ltls_der_end(&validity), "validity");
    NEED(ltls_x509_name_read(&tbs, &cert->subject), "subject Name");
    if ((err = read_spki(c, &tbs, cert)))
        return err;
    for (uint32_t n = 1; n <= 2; n++) { /* issuerUniqueID, subjectUniqueID */
        if (ltls_der_next_is(&tbs, LTLS_DER_CTX(n))) {
            const uint8_t *p;
            size_t len;
            unsigned unused;
            CHECK(cert->version >= 2, "a unique identifier in a v1 certificate (§4.1.2.8)");
            NEED(ltls_der_read_bit_string_tagged(&tbs, LTLS_DER_CTX(n), &p, &len, &unused),
                 "unique identifier");
        }
    }
    cert->path_len = -1;
    if (ltls_der_next_is(&tbs, LTLS_DER_CTX_CONS(3))) {
        ltls_reader_t ext;
        CHECK(cert->version == 3, "extensions in a certificate that is not v3 (§4.1.2.9)");
        NEED(ltls_der_read_explicit(&tbs, 3, &ext), "extensions");
        if ((err = read_extensions(c, &ext, cert)))
            return err;
        NEED(ltls_der_end(&ext), "extensions");
    }
    NEED(ltls_der_end(&tbs), "trailing data in TBSCertificate");
    cert->self_issued = ltls_x509_name_equal(cert->issuer, cert->subject);
    return LTLS_OK;
}

/* Allocates a certificate with room for der_cap bytes of DER. */
static ltls_cert_t *cert_alloc(const ltls_allocator_t *alloc, size_t der_cap)
{
    size_t size = sizeof(ltls_cert_t) + der_cap;
    ltls_cert_t *cert = ltls_alloc(alloc, size);
    if (!cert)
        return NULL;
    cert->alloc = alloc ? *alloc : *ltls_alloc_default();
    cert->alloc_size = size;
    cert->der = (const uint8_t *)(cert + 1);
    return cert;
}

static ltls_err_t finish_parse(ltls_cert_t *cert, size_t len, char *detail, size_t cap,
                               ltls_cert_t **out)
{
    pctx_t c = {detail, cap};
    cert->der_len = len;
    if (len > LTLS_X509_MAX_CERT_SIZE) {
        ltls_cert_free(cert);
        return malformed(&c, 0, "larger than LTLS_X509_MAX_CERT_SIZE");
    }
    ltls_err_t err = decode(&c, cert);
    if (err) {
        ltls_cert_free(cert);
        return err;
    }
    *out = cert;
    return LTLS_OK;
}

ltls_err_t ltls_cert_parse_detail(const uint8_t *der, size_t len, const ltls_allocator_t *alloc,
                                  ltls_cert_t **out, char *detail, size_t cap)
{
    if (detail && cap)
        detail[0] = '\0';
    if (!out || (!der && len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    *out = NULL;
    if (len > LTLS_X509_MAX_CERT_SIZE) {
        pctx_t c = {detail, cap};
        return malformed(&c, 0, "larger than LTLS_X509_MAX_CERT_SIZE");
    }
    ltls_cert_t *cert = cert_alloc(alloc, len);
    if (!cert)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    if (len)
        memcpy((uint8_t *)(cert + 1), der, len);
    return finish_parse(cert, len, detail, cap, out);
}

ltls_err_t ltls_cert_parse(const uint8_t *der, size_t len, const ltls_allocator_t *alloc,
                           ltls_cert_t **out)
{
    return ltls_cert_parse_detail(der, len, alloc, out, NULL, 0);
}

void ltls_cert_free(ltls_cert_t *cert)
{
    if (!cert)
        return;
    ltls_allocator_t a = cert->alloc;
    ltls_free(&a, cert, cert->alloc_size);
}

const uint8_t *ltls_cert_der(const ltls_cert_t *cert, size_t *len)
{
    if (!cert) {
        if (len)
            *len = 0;
        return NULL;
    }
    if (len)
        *len = cert->der_len;
    return cert->der;
}

size_t ltls_cert_subject(const ltls_cert_t *cert, char *buf, size_t cap)
{
    if (!cert) {
        if (buf && cap)
            buf[0] = '\0';
        return 0;
    }
    return ltls_x509_name_print(cert->subject, buf, buf ? cap : 0);
}

size_t ltls_cert_issuer(const ltls_cert_t *cert, char *buf, size_t cap)
{
    if (!cert) {
        if (buf && cap)
            buf[0] = '\0';
        return 0;
    }
    return ltls_x509_name_print(cert->issuer, buf, buf ? cap : 0);
}

int64_t ltls_cert_not_before(const ltls_cert_t *cert) { return cert ? cert->not_before : 0; }
int64_t ltls_cert_not_after(const ltls_cert_t *cert) { return cert ? cert->not_after : 0; }

const uint8_t *ltls_cert_subject_der(const ltls_cert_t *c, size_t *len)
{
    *len = c->subject.len;
    return c->subject.p;
}

const uint8_t *ltls_cert_issuer_der(const ltls_cert_t *c, size_t *len)
{
    *len = c->issuer.len;
    return c->issuer.p;
}

const uint8_t *ltls_cert_spki_der(const ltls_cert_t *c, size_t *len)
{
    *len = c->spki.len;
    return c->spki.p;
}

const ltls_pubkey_info_t *ltls_cert_pubkey_info(const ltls_cert_t *c)
{
    return c->key.type == LTLS_KEY_NONE ? NULL : &c->key;
}

int ltls_cert_equal(const ltls_cert_t *a, const ltls_cert_t *b)
{
    return a == b || (a->der_len == b->der_len && memcmp(a->der, b->der, a->der_len) == 0);
}

/* ---------------------------------------------------------------------------
 * Lists (PEM or one DER certificate)
 * ------------------------------------------------------------------------- */

void ltls_cert_list_free(ltls_cert_t **certs, size_t count, const ltls_allocator_t *alloc)
{
    if (!certs)
        return;
    for (size_t i = 0; i < count; i++)
        ltls_cert_free(certs[i]);
    ltls_free(alloc, certs, count * sizeof(*certs));
}

/* DER input starts with a SEQUENCE tag; PEM text may start with anything
 * (explanatory text) but holds a boundary line. A buffer starting with 0x30
 * and holding no "-----BEGIN" is taken as DER, so that a damaged DER
 * certificate is reported as malformed rather than as "no certificate". */
static int looks_like_der(const uint8_t *data, size_t len)
{
    static const char begin[] = "-----BEGIN";
    if (len == 0 || data[0] != 0x30)
        return 0;
    for (size_t i = 0; i + sizeof(begin) - 1 <= len; i++)
        if (data[i] == '-' && memcmp(&data[i], begin, sizeof(begin) - 1) == 0)
            return 0;
    return 1;
}

ltls_err_t ltls_cert_list_parse(const uint8_t *data, size_t len, const ltls_allocator_t *alloc,
                                ltls_cert_t ***certs, size_t *count)
{
    if (!certs || !count || (!data && len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    *certs = NULL;
    *count = 0;
    if (looks_like_der(data, len)) {
        ltls_cert_t **arr = ltls_alloc(alloc, sizeof(*arr));
        if (!arr)
            return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
        ltls_err_t err = ltls_cert_parse(data, len, alloc, &arr[0]);
        if (err) {
            ltls_free(alloc, arr, sizeof(*arr));
            return err;
        }
        *certs = arr;
        *count = 1;
        return LTLS_OK;
    }

    /* Two passes over the PEM text: count the certificate blocks (and find
     * malformed PEM before allocating anything), then decode each block
     * straight into its certificate's DER area. */
    ltls_pem_iter_t it;
    ltls_pem_block_t b;
    int found;
    size_t n = 0;
    ltls_err_t err;
    ltls_pem_iter_init(&it, data, len);
    for (;;) {
        if ((err = ltls_pem_next(&it, &b, &found)))
            return err;
        if (!found)
            break;
        if (ltls_pem_label_is(&b, "CERTIFICATE"))
            n++;
    }
    if (n == 0)
        return ltls_err_make(LTLS_R_CERT_NONE_FOUND);
    ltls_cert_t **arr = ltls_alloc(alloc, n * sizeof(*arr));
    if (!arr)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    size_t done = 0;
    ltls_pem_iter_init(&it, data, len);
    while (done < n) {
        if ((err = ltls_pem_next(&it, &b, &found)) || !found) {
            err = err ? err : ltls_err_make(LTLS_R_INTERNAL);
            break;
        }
        if (!ltls_pem_label_is(&b, "CERTIFICATE"))
            continue;
        size_t cap = ltls_pem_decoded_max(&b), der_len;
        if (cap > LTLS_X509_MAX_CERT_SIZE + 3) { /* base64 rounding */
            pctx_t c = {NULL, 0};
            err = malformed(&c, 0, "too large");
            break;
        }
        ltls_cert_t *cert = cert_alloc(alloc, cap);
        if (!cert) {
            err = ltls_err_make(LTLS_R_OUT_OF_MEMORY);
            break;
        }
        if ((err = ltls_pem_decode(&b, (uint8_t *)(cert + 1), cap, &der_len))) {
            ltls_cert_free(cert);
            break;
        }
        if ((err = finish_parse(cert, der_len, NULL, 0, &arr[done])))
            break;
        done++;
    }
    if (err) {
        for (size_t i = 0; i < done; i++)
            ltls_cert_free(arr[i]);
        ltls_free(alloc, arr, n * sizeof(*arr));
        return err;
    }
    *certs = arr;
    *count = n;
    return LTLS_OK;
}

/* ---------------------------------------------------------------------------
 * Algorithms and helpers shared with validation
 * ------------------------------------------------------------------------- */

const char *ltls_x509_sigalg_name(ltls_x509_sigalg_t alg)
{
    switch (alg) {
    case LTLS_X509_SIG_RSA_PKCS1_SHA256: return "sha256WithRSAEncryption";
    case LTLS_X509_SIG_RSA_PKCS1_SHA384: return "sha384WithRSAEncryption";
    case LTLS_X509_SIG_RSA_PKCS1_SHA512: return "sha512WithRSAEncryption";
    case LTLS_X509_SIG_RSA_PSS_SHA256: return "RSASSA-PSS with SHA-256";
    case LTLS_X509_SIG_RSA_PSS_SHA384: return "RSASSA-PSS with SHA-384";
    case LTLS_X509_SIG_RSA_PSS_SHA512: return "RSASSA-PSS with SHA-512";
    case LTLS_X509_SIG_ECDSA_SHA256: return "ecdsa-with-SHA256";
    case LTLS_X509_SIG_ECDSA_SHA384: return "ecdsa-with-SHA384";
    case LTLS_X509_SIG_ECDSA_SHA512: return "ecdsa-with-SHA512";
    case LTLS_X509_SIG_ED25519: return "Ed25519";
    case LTLS_X509_SIG_ED448: return "Ed448";
    case LTLS_X509_SIG_RSA_PKCS1_MD5: return "md5WithRSAEncryption";
    case LTLS_X509_SIG_RSA_PKCS1_SHA1: return "sha1WithRSAEncryption";
    case LTLS_X509_SIG_ECDSA_SHA1: return "ecdsa-with-SHA1";
    case LTLS_X509_SIG_RSA_PKCS1_SHA224: return "sha224WithRSAEncryption";
    case LTLS_X509_SIG_ECDSA_SHA224: return "ecdsa-with-SHA224";
    case LTLS_X509_SIG_DSA: return "DSA";
    case LTLS_X509_SIG_RSA_PSS_OTHER: return "RSASSA-PSS with unsupported parameters";
    case LTLS_X509_SIG_UNKNOWN: break;
    }
    return "an unknown signature algorithm";
}

int ltls_x509_sigalg_is_weak(ltls_x509_sigalg_t alg)
{
    return alg >= LTLS_X509_SIG_RSA_PKCS1_MD5 || alg == LTLS_X509_SIG_UNKNOWN;
}

/* ECDSA in certificates is not tied to a curve the way TLS 1.3's schemes
 * are: a P-384 CA may sign with SHA-256. These descriptors carry each
 * allowed (curve, hash) pair to the provider; they are never offered in a
 * handshake (code 0, not TLS 1.3). */
#define ECDSA_DESC(var, curve, hash) \
    static const ltls_sigscheme_t var = {0, "ecdsa_x509", LTLS_KEY_EC, curve, &hash, LTLS_PAD_NONE, 0}
ECDSA_DESC(ecdsa_p256_sha384, 0x0017, ltls_hash_sha384);
ECDSA_DESC(ecdsa_p256_sha512, 0x0017, ltls_hash_sha512);
ECDSA_DESC(ecdsa_p384_sha256, 0x0018, ltls_hash_sha256);
ECDSA_DESC(ecdsa_p384_sha512, 0x0018, ltls_hash_sha512);
ECDSA_DESC(ecdsa_p521_sha256, 0x0019, ltls_hash_sha256);
ECDSA_DESC(ecdsa_p521_sha384, 0x0019, ltls_hash_sha384);
#undef ECDSA_DESC

const ltls_sigscheme_t *ltls_x509_sigalg_scheme(ltls_x509_sigalg_t alg,
                                               const ltls_pubkey_info_t *key)
{
    if (!key)
        return NULL;
    switch (alg) {
    case LTLS_X509_SIG_RSA_PKCS1_SHA256:
        return key->type == LTLS_KEY_RSA ? &ltls_sig_rsa_pkcs1_sha256 : NULL;
    case LTLS_X509_SIG_RSA_PKCS1_SHA384:
        return key->type == LTLS_KEY_RSA ? &ltls_sig_rsa_pkcs1_sha384 : NULL;
    case LTLS_X509_SIG_RSA_PKCS1_SHA512:
        return key->type == LTLS_KEY_RSA ? &ltls_sig_rsa_pkcs1_sha512 : NULL;
    /* PSS over an rsaEncryption key: TLS's "rsae" schemes. */
    case LTLS_X509_SIG_RSA_PSS_SHA256:
        return key->type == LTLS_KEY_RSA ? &ltls_sig_rsa_pss_rsae_sha256 : NULL;
    case LTLS_X509_SIG_RSA_PSS_SHA384:
        return key->type == LTLS_KEY_RSA ? &ltls_sig_rsa_pss_rsae_sha384 : NULL;
    case LTLS_X509_SIG_RSA_PSS_SHA512:
        return key->type == LTLS_KEY_RSA ? &ltls_sig_rsa_pss_rsae_sha512 : NULL;
    case LTLS_X509_SIG_ED25519:
        return key->type == LTLS_KEY_ED25519 ? &ltls_sig_ed25519 : NULL;
    case LTLS_X509_SIG_ED448:
        return key->type == LTLS_KEY_ED448 ? &ltls_sig_ed448 : NULL;
    case LTLS_X509_SIG_ECDSA_SHA256:
    case LTLS_X509_SIG_ECDSA_SHA384:
    case LTLS_X509_SIG_ECDSA_SHA512: {
        if (key->type != LTLS_KEY_EC)
            return NULL;
        static const ltls_sigscheme_t *const table[3][3] = {
            /* SHA-256, SHA-384, SHA-512 */
            {&ltls_sig_ecdsa_secp256r1_sha256, &ecdsa_p256_sha384, &ecdsa_p256_sha512},
            {&ecdsa_p384_sha256, &ltls_sig_ecdsa_secp384r1_sha384, &ecdsa_p384_sha512},
            {&ecdsa_p521_sha256, &ecdsa_p521_sha384, &ltls_sig_ecdsa_secp521r1_sha512},
        };
        int h = alg == LTLS_X509_SIG_ECDSA_SHA256 ? 0 : alg == LTLS_X509_SIG_ECDSA_SHA384 ? 1 : 2;
        int cv = key->curve == 0x0017 ? 0 : key->curve == 0x0018 ? 1 : key->curve == 0x0019 ? 2 : -1;
        return cv < 0 ? NULL : table[cv][h];
    }
    default:
        return NULL;
    }
}

void ltls_x509_format_time(int64_t t, char buf[32])
{
    /* Days to civil date (proleptic Gregorian), the inverse of der.c's. */
    int64_t days = t / 86400, secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2)
        y++;
    /* The fields are in range by construction, but the compiler cannot see
     * it: format into room for any int64 and copy. */
    char tmp[128];
    snprintf(tmp, sizeof(tmp), "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", (long long)y,
             (long long)m, (long long)d, (long long)(secs / 3600), (long long)(secs / 60 % 60),
             (long long)(secs % 60));
    memcpy(buf, tmp, 31);
    buf[31] = '\0';
}
