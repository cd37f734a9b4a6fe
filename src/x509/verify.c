/*
 * x509/verify.c - path building and validation (RFC 5280 §6 as the Web PKI
 * applies it) behind ltls_x509_verify().
 *
 * Theory of operation.
 *
 * 1. The leaf is judged alone first (profile, validity, key usage, extended
 *    key usage, identity): no path can cure a bad leaf, and its errors are
 *    the ones users need to see.
 * 2. A path is then built depth-first from the leaf towards a trust anchor.
 *    For the certificate on top, candidates are those whose subject DER
 *    equals its issuer DER (byte comparison, see name.h): trust anchors
 *    first (a path ending at one is complete), then the peer's other
 *    certificates and the extra intermediates. Within each group, a
 *    candidate whose subjectKeyIdentifier equals the child's
 *    authorityKeyIdentifier comes first; a mismatch only lowers the order,
 *    since key identifiers are hints (RFC 5280 §4.2.1.1), not rules.
 *    Each candidate is checked as an issuer before the search goes deeper;
 *    a failure abandons that candidate and the next one is tried
 *    (backtracking), which is how cross-signed roots, key rollover and
 *    expired alternatives are handled.
 * 3. Bounds: a certificate never appears twice in a path (same DER, or same
 *    subject and key: a loop through re-issued copies); a path never exceeds
 *    params->max_depth; and one work counter (verify.h) charges every
 *    candidate, every signature verification and every name-constraint
 *    comparison, so that a hostile set ends with CERT_WORK_LIMIT in
 *    milliseconds. Signature results and imported issuer keys are cached
 *    for the call, since backtracking meets the same pairs again.
 * 4. When no path validates, the reported error is that of the most
 *    promising attempt: the longest path tried, and among equals one whose
 *    last signature verified (an issuer that really signed the child but is,
 *    say, expired explains more than a stranger with the same name).
 *
 * The checks (with the RFC 5280 section of each MUST):
 *   every certificate: validity at params->now, inclusive (§4.1.2.5, §6.1.3
 *     a.2); no unknown critical extension (§4.2); AKI, SKI and AIA not
 *     critical (§4.2.1.1, §4.2.1.2, §4.2.2.1); policyConstraints critical
 *     (§4.2.1.11) - and, since policies are not processed, a critical one
 *     is an unknown critical extension; an allowed public key: RSA of
 *     2048..8192 bits in whole octets, EC on P-256/P-384/P-521 by name,
 *     Ed25519, Ed448 (CA/B BR 6.1.5, 7.1.3.1).
 *   leaf and intermediates: X.509 v3 (CA/B BR 7.1.1); serial number
 *     positive and at most 20 octets (§4.1.2.2); a non-empty issuer
 *     (§4.1.2.4); authorityKeyIdentifier with keyIdentifier unless
 *     self-issued (§4.2.1.1).
 *   issuers (intermediates and the anchor): basicConstraints present,
 *     critical, cA TRUE (§4.2.1.9, §6.1.4 k) else CERT_NOT_CA; keyCertSign
 *     when keyUsage is present (§4.2.1.3, §6.1.4 n); pathLenConstraint
 *     counting the non-self-issued intermediates below (§4.2.1.9, §6.1.4
 *     l-m); a subjectKeyIdentifier (§4.2.1.2); a non-empty subject
 *     (§4.1.2.6); extKeyUsage, when present, including the purpose or
 *     anyExtendedKeyUsage (the Web PKI reads EKU in CA certificates as a
 *     constraint on what they may issue); name constraints applied to every
 *     certificate below, except self-issued intermediates (§4.2.1.10, §6.1.4
 *     b); the child's signature algorithm not weak and fitting the key, and
 *     the signature verified through the provider (§6.1.3 a.1).
 *   the leaf: not a CA (basicConstraints cA FALSE, no keyCertSign: CA/B BR
 *     7.1.2.7.8, 7.1.2.7.11, RFC 5280 §4.2.1.9); digitalSignature when
 *     keyUsage is present (TLS 1.3 signs with the key, RFC 8446 §4.4.2.2);
 *     extKeyUsage, when present, listing the purpose itself (anyEKU is not
 *     enough, CA/B BR 7.1.2.7.10); no nameConstraints (§4.2.1.10); a
 *     critical subjectAltName when the subject is empty (§4.2.1.6) and a
 *     non-critical one otherwise (CA/B BR 7.1.2.7.12); for serverAuth,
 *     every subject commonName a byte-for-byte copy of a dNSName or the
 *     canonical text of an iPAddress of the SAN (CA/B BR 7.1.4.3); the
 *     reference identity (hostname.c).
 *   trust anchors are trusted as given (they need not be self-signed and
 *     their own signature is never checked), but the Web PKI's roots are
 *     certificates and are held to the CA profile: validity, critical
 *     extensions, key, basicConstraints, keyUsage, SKI, name constraints,
 *     EKU and pathLen as above; an AKI, if present, has only keyIdentifier,
 *     equal to the SKI for a self-issued root (CA/B BR 7.1.2.1.3). A v1
 *     anchor (old roots) has no extensions to check and is taken as a CA.
 *     A leaf whose DER is itself an anchor (a pinned self-signed server
 *     certificate) validates as a path of one.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "lucidtls/x509.h"
#include "trust/store.h"
#include "x509/cert.h"
#include "x509/name.h"
#include "x509/verify.h"

#define MAX_ANCHORS_PER_NAME 16
#define KEY_CACHE LTLS_X509_MAX_CHAIN
#define SIG_MEMO 64

typedef enum role { ROLE_LEAF, ROLE_INTERMEDIATE, ROLE_ANCHOR } role_t;

typedef struct vstate {
    const ltls_verify_params_t *p;
    const ltls_provider_t *prov;
    unsigned max_depth;
    unsigned work;
    ltls_err_t fatal; /* stops the search: internal error or work limit */

    const ltls_cert_t *path[LTLS_X509_MAX_DEPTH];
    size_t found_len; /* of the validated path, once found */

    /* the most promising failure so far */
    int have_best;
    unsigned best_score;
    ltls_err_t best_err;
    int best_depth;
    char best_detail[512];
    char scratch[512];

    struct {
        const ltls_cert_t *cert;
        ltls_pubkey_t *key;
        ltls_err_t err;
    } keys[KEY_CACHE];
    size_t nkeys;
    struct {
        const ltls_cert_t *child, *issuer;
        ltls_err_t err;
    } sigs[SIG_MEMO];
    size_t nsigs;
} vstate_t;

/* ---------------------------------------------------------------------------
 * Messages
 * ------------------------------------------------------------------------- */

static const char *subj(const ltls_cert_t *c, char buf[256])
{
    ltls_x509_name_print(c->subject, buf, 256);
    return buf;
}

static ltls_err_t say(char *detail, ltls_reason_t reason, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static ltls_err_t say(char *detail, ltls_reason_t reason, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, 512, fmt, ap);
    va_end(ap);
    return ltls_err_make(reason);
}

/* Keeps err (with the sentence in vs->scratch) if it comes from the most
 * promising attempt so far. */
static void record(vstate_t *vs, ltls_err_t err, int depth, size_t path_len, int sig_ok)
{
    unsigned score = (unsigned)path_len * 2u + (sig_ok ? 1u : 0u);
    if (vs->have_best && score <= vs->best_score)
        return;
    vs->have_best = 1;
    vs->best_score = score;
    vs->best_err = err;
    vs->best_depth = depth;
    memcpy(vs->best_detail, vs->scratch, sizeof(vs->best_detail));
}

/* ---------------------------------------------------------------------------
 * Checks on one certificate
 * ------------------------------------------------------------------------- */

static ltls_err_t check_validity(const ltls_cert_t *c, int64_t now, char *d)
{
    char who[256], t1[32], t2[32];
    if (now < c->not_before) {
        ltls_x509_format_time(c->not_before, t1);
        ltls_x509_format_time(now, t2);
        return say(d, LTLS_R_CERT_NOT_YET_VALID,
                   "the certificate '%s' is not valid before %s (validation time %s)",
                   subj(c, who), t1, t2);
    }
    if (now > c->not_after) {
        ltls_x509_format_time(c->not_after, t1);
        ltls_x509_format_time(now, t2);
        return say(d, LTLS_R_CERT_EXPIRED, "the certificate '%s' expired at %s (validation time %s)",
                   subj(c, who), t1, t2);
    }
    return LTLS_OK;
}

static void oid_text(ltls_x509_span_t oid, char *buf, size_t cap)
{
    size_t n = 0;
    uint64_t v = 0;
    int first = 1;
    buf[0] = '\0';
    for (size_t i = 0; i < oid.len && n + 24 < cap; i++) {
        v = (v << 7) | (oid.p[i] & 0x7fu);
        if (oid.p[i] & 0x80)
            continue;
        if (first) {
            unsigned top = v < 40 ? 0 : v < 80 ? 1 : 2;
            n += (size_t)snprintf(buf + n, cap - n, "%u.%llu", top,
                                  (unsigned long long)(v - 40u * top));
            first = 0;
        } else {
            n += (size_t)snprintf(buf + n, cap - n, ".%llu", (unsigned long long)v);
        }
        v = 0;
    }
}

/* The public key policy (CA/B BR 6.1.5, 7.1.3.1). */
static ltls_err_t check_key(const ltls_cert_t *c, char *d)
{
    char who[256];
    switch (c->key_issue) {
    case LTLS_X509_KEY_OK:
        break;
    case LTLS_X509_KEY_UNKNOWN_CURVE:
        return say(d, LTLS_R_CERT_WEAK_ALGORITHM,
                   "the certificate '%s' has an EC key on a curve other than P-256, P-384 and "
                   "P-521",
                   subj(c, who));
    case LTLS_X509_KEY_EXPLICIT_CURVE:
        return say(d, LTLS_R_CERT_WEAK_ALGORITHM,
                   "the certificate '%s' has an EC key with explicit curve parameters (only "
                   "named curves are allowed, RFC 5480 §2.1.1)",
                   subj(c, who));
    case LTLS_X509_KEY_UNKNOWN_ALGORITHM:
    default:
        return say(d, LTLS_R_CERT_WEAK_ALGORITHM,
                   "the certificate '%s' has a public key of an unsupported type (RSA, ECDSA "
                   "P-256/P-384/P-521 with uncompressed points, Ed25519 and Ed448 are allowed)",
                   subj(c, who));
    }
    if (c->key.type == LTLS_KEY_RSA &&
        (c->key_size_bits < 2048 || c->key_size_bits % 8 || c->key_size_bits > 8192))
        return say(d, LTLS_R_CERT_WEAK_ALGORITHM,
                   "the certificate '%s' has an RSA key of %u bits (2048 to 8192 bits in whole "
                   "octets are allowed)",
                   subj(c, who), c->key_size_bits);
    return LTLS_OK;
}

/* Serial number rule of §4.1.2.2: positive, at most 20 octets. */
static int serial_ok(const ltls_cert_t *c)
{
    const uint8_t *p = c->serial.p;
    size_t n = c->serial.len;
    if (n == 0 || (p[0] & 0x80))
        return 0; /* negative */
    if (p[0] == 0) {
        if (n == 1)
            return 0; /* zero */
        n--;          /* the sign octet is not part of the magnitude */
    }
    return n <= 20;
}

/* Checks shared by every role. */
static ltls_err_t check_common(const ltls_cert_t *c, role_t role, int64_t now, char *d)
{
    char who[256], oid[128];
    ltls_err_t err;
    if (role != ROLE_ANCHOR) {
        if (c->version != 3)
            return say(d, LTLS_R_CERT_MALFORMED,
                       "malformed certificate: '%s' is an X.509 v%u certificate; leaf and "
                       "intermediate certificates must be v3",
                       subj(c, who), c->version);
        if (!serial_ok(c))
            return say(d, LTLS_R_CERT_MALFORMED,
                       "malformed certificate: the serial number of '%s' is not a positive "
                       "integer of at most 20 octets (RFC 5280 §4.1.2.2)",
                       subj(c, who));
        if (ltls_x509_name_is_empty(c->issuer))
            return say(d, LTLS_R_CERT_MALFORMED,
                       "malformed certificate: '%s' has an empty issuer name (RFC 5280 §4.1.2.4)",
                       subj(c, who));
    }
    if (c->ext_critical & LTLS_X509_EXT_UNKNOWN_CRITICAL) {
        oid_text(c->unknown_critical_oid, oid, sizeof(oid));
        return say(d, LTLS_R_CERT_UNKNOWN_CRITICAL,
                   "the certificate '%s' has an unknown critical extension %s", subj(c, who), oid);
    }
    if (c->ext_critical & LTLS_X509_EXT_POLICY_CONSTRAINTS)
        return say(d, LTLS_R_CERT_UNKNOWN_CRITICAL,
                   "the certificate '%s' has a critical policyConstraints extension and "
                   "lucidtls does not process certificate policies",
                   subj(c, who));
    static const struct {
        uint32_t bit;
        const char *what;
    } noncrit[] = {
        {LTLS_X509_EXT_AKI, "authorityKeyIdentifier is critical (RFC 5280 §4.2.1.1)"},
        {LTLS_X509_EXT_SKI, "subjectKeyIdentifier is critical (RFC 5280 §4.2.1.2)"},
        {LTLS_X509_EXT_AIA, "authorityInfoAccess is critical (RFC 5280 §4.2.2.1)"},
    };
    for (size_t i = 0; i < sizeof(noncrit) / sizeof(noncrit[0]); i++)
        if (c->ext_critical & noncrit[i].bit)
            return say(d, LTLS_R_CERT_MALFORMED, "malformed certificate: in '%s', %s",
                       subj(c, who), noncrit[i].what);
    if ((c->ext_present & LTLS_X509_EXT_POLICY_CONSTRAINTS))
        return say(d, LTLS_R_CERT_MALFORMED,
                   "malformed certificate: in '%s', policyConstraints is not critical (RFC 5280 "
                   "§4.2.1.11)",
                   subj(c, who));
    if ((err = check_key(c, d)))
        return err;
    /* §4.2.1.1: keyIdentifier in every certificate but self-signed ones.
     * Anchors are exempt: a cross-signed root in a trust store is trusted
     * as given, whatever its issuer wrote. */
    if (role != ROLE_ANCHOR && !c->self_issued && !c->aki_key_id.p)
        return say(d, LTLS_R_CERT_MALFORMED,
                   "malformed certificate: '%s' has no authorityKeyIdentifier keyIdentifier "
                   "(RFC 5280 §4.2.1.1)",
                   subj(c, who));
    return check_validity(c, now, d);
}

/* An issuing certificate's own profile (intermediate or anchor). */
static ltls_err_t check_ca(const ltls_cert_t *c, role_t role, int64_t now, ltls_purpose_t purpose,
                           char *d)
{
    char who[256];
    ltls_err_t err = check_common(c, role, now, d);
    if (err)
        return err;
    if (role == ROLE_ANCHOR && c->version < 3)
        return LTLS_OK; /* a v1 root: nothing more to look at */
    if (!(c->ext_present & LTLS_X509_EXT_BASIC_CONSTRAINTS) || !c->is_ca)
        return say(d, LTLS_R_CERT_NOT_CA,
                   "the certificate '%s' issued another certificate but is not a CA "
                   "(basicConstraints cA is not TRUE)",
                   subj(c, who));
    if (!(c->ext_critical & LTLS_X509_EXT_BASIC_CONSTRAINTS))
        return say(d, LTLS_R_CERT_NOT_CA,
                   "the CA certificate '%s' has a non-critical basicConstraints extension "
                   "(RFC 5280 §4.2.1.9 requires it critical)",
                   subj(c, who));
    if ((c->ext_present & LTLS_X509_EXT_KEY_USAGE) && !(c->key_usage & LTLS_X509_KU_KEY_CERT_SIGN))
        return say(d, LTLS_R_CERT_KEY_USAGE,
                   "the CA certificate '%s' has a keyUsage without keyCertSign", subj(c, who));
    if (!c->ski.p)
        return say(d, LTLS_R_CERT_MALFORMED,
                   "malformed certificate: the CA certificate '%s' has no subjectKeyIdentifier "
                   "(RFC 5280 §4.2.1.2)",
                   subj(c, who));
    if (ltls_x509_name_is_empty(c->subject))
        return say(d, LTLS_R_CERT_MALFORMED,
                   "malformed certificate: a CA certificate has an empty subject (RFC 5280 "
                   "§4.1.2.6)");
    if (c->ext_present & LTLS_X509_EXT_EXT_KEY_USAGE) {
        uint8_t want = purpose == LTLS_PURPOSE_SERVER_AUTH ? LTLS_X509_EKU_SERVER_AUTH
                                                           : LTLS_X509_EKU_CLIENT_AUTH;
        if (!(c->eku & (want | LTLS_X509_EKU_ANY)))
            return say(d, LTLS_R_CERT_EXT_KEY_USAGE,
                       "the CA certificate '%s' restricts its extendedKeyUsage to purposes "
                       "other than %s",
                       subj(c, who), want == LTLS_X509_EKU_SERVER_AUTH ? "serverAuth" : "clientAuth");
    }
    if (role == ROLE_ANCHOR && (c->ext_present & LTLS_X509_EXT_AKI)) {
        /* CA/B BR 7.1.2.1.3: a root's AKI holds keyIdentifier only, equal
         * to its SKI. */
        if (!c->aki_key_id.p || c->aki_has_issuer_serial ||
            (c->self_issued && (c->aki_key_id.len != c->ski.len ||
                                memcmp(c->aki_key_id.p, c->ski.p, c->ski.len) != 0)))
            return say(d, LTLS_R_CERT_MALFORMED,
                       "malformed certificate: the root '%s' has an authorityKeyIdentifier "
                       "other than its own keyIdentifier (CA/B BR 7.1.2.1.3)",
                       subj(c, who));
    }
    return LTLS_OK;
}

static int is_name_char(uint8_t ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '.' || ch == ':' || ch == '*' || ch == '_';
}

/* CA/B BR 7.1.4.3: each subject commonName of a server certificate is a copy
 * of one of its SAN entries. */
static int cn_in_san(const ltls_cert_t *c, ltls_x509_span_t cn)
{
    ltls_x509_gn_iter_t it;
    unsigned tag;
    ltls_x509_span_t v;
    char ip[64];
    ltls_x509_gn_iter_init(&it, c->san);
    while (ltls_x509_gn_next(&it, &tag, &v)) {
        if (tag == LTLS_X509_GN_DNS && v.len == cn.len && memcmp(v.p, cn.p, cn.len) == 0)
            return 1;
        if (tag == LTLS_X509_GN_IP) {
            size_t n = ltls_x509_format_ip(v.p, v.len, ip);
            if (n == cn.len && memcmp(ip, cn.p, n) == 0)
                return 1;
        }
    }
    return 0;
}

/* A commonName that could be read as a host name or an address: anything
 * without spaces or punctuation that never appears in one. Descriptive
 * names ("Example Server") are left alone, so that private PKIs keep
 * working; what looks like an identity must be one the SAN states. */
static int cn_is_name_like(ltls_x509_span_t cn)
{
    for (size_t i = 0; i < cn.len; i++) {
        uint8_t ch = cn.p[i];
        if (ch < 0x80 && !is_name_char(ch))
            return 0;
    }
    return cn.len > 0;
}

static ltls_err_t check_leaf(const ltls_cert_t *c, const ltls_verify_params_t *p, char *d)
{
    char who[256], names[300];
    ltls_err_t err = check_common(c, ROLE_LEAF, p->now, d);
    if (err)
        return err;
    if (c->is_ca)
        return say(d, LTLS_R_CERT_KEY_USAGE,
                   "the CA certificate '%s' (basicConstraints cA TRUE) cannot be used as an "
                   "end-entity certificate",
                   subj(c, who));
    if (c->ext_present & LTLS_X509_EXT_KEY_USAGE) {
        if (c->key_usage & LTLS_X509_KU_KEY_CERT_SIGN)
            return say(d, LTLS_R_CERT_KEY_USAGE,
                       "the end-entity certificate '%s' asserts keyCertSign without being a CA "
                       "(RFC 5280 §4.2.1.9)",
                       subj(c, who));
        if (!(c->key_usage & LTLS_X509_KU_DIGITAL_SIGNATURE))
            return say(d, LTLS_R_CERT_KEY_USAGE,
                       "the keyUsage of '%s' does not allow digitalSignature, which TLS 1.3 "
                       "needs",
                       subj(c, who));
    }
    if (c->ext_present & LTLS_X509_EXT_EXT_KEY_USAGE) {
        uint8_t want = p->purpose == LTLS_PURPOSE_SERVER_AUTH ? LTLS_X509_EKU_SERVER_AUTH
                                                              : LTLS_X509_EKU_CLIENT_AUTH;
        if (!(c->eku & want))
            return say(d, LTLS_R_CERT_EXT_KEY_USAGE,
                       "the extendedKeyUsage of '%s' does not include %s", subj(c, who),
                       want == LTLS_X509_EKU_SERVER_AUTH ? "serverAuth" : "clientAuth");
        if (c->eku & LTLS_X509_EKU_ANY)
            return say(d, LTLS_R_CERT_EXT_KEY_USAGE,
                       "the extendedKeyUsage of '%s' includes anyExtendedKeyUsage, which an "
                       "end-entity certificate must not (CA/B BR 7.1.2.7.10)",
                       subj(c, who));
        if (c->ext_critical & LTLS_X509_EXT_EXT_KEY_USAGE)
            return say(d, LTLS_R_CERT_MALFORMED,
                       "malformed certificate: the extendedKeyUsage of '%s' is critical (CA/B "
                       "BR 7.1.2.7.6)",
                       subj(c, who));
    }
    if (c->ext_present & LTLS_X509_EXT_NAME_CONSTRAINTS)
        return say(d, LTLS_R_CERT_MALFORMED,
                   "malformed certificate: the end-entity certificate '%s' has nameConstraints "
                   "(RFC 5280 §4.2.1.10: CA certificates only)",
                   subj(c, who));
    int empty_subject = ltls_x509_name_is_empty(c->subject);
    if (c->ext_present & LTLS_X509_EXT_SAN) {
        int crit = (c->ext_critical & LTLS_X509_EXT_SAN) != 0;
        if (empty_subject && !crit)
            return say(d, LTLS_R_CERT_MALFORMED,
                       "malformed certificate: the subject is empty and the subjectAltName is "
                       "not critical (RFC 5280 §4.2.1.6)");
        if (!empty_subject && crit)
            return say(d, LTLS_R_CERT_MALFORMED,
                       "malformed certificate: '%s' has a critical subjectAltName with a "
                       "non-empty subject (CA/B BR 7.1.2.7.12)",
                       subj(c, who));
    } else if (empty_subject) {
        return say(d, LTLS_R_CERT_MALFORMED,
                   "malformed certificate: the subject is empty and there is no "
                   "subjectAltName (RFC 5280 §4.2.1.6)");
    }
    if (p->purpose == LTLS_PURPOSE_SERVER_AUTH) {
        static const uint8_t cn_oid[] = {0x55, 0x04, 0x03};
        ltls_x509_attr_iter_t it;
        ltls_x509_span_t type, value;
        uint32_t tag;
        ltls_x509_attr_iter_init(&it, c->subject);
        while (ltls_x509_attr_next(&it, &type, &tag, &value)) {
            if (type.len != 3 || memcmp(type.p, cn_oid, 3) != 0 || !cn_is_name_like(value))
                continue;
            if (!cn_in_san(c, value)) {
                ltls_x509_san_print(c, names, sizeof(names));
                return say(d, LTLS_R_CERT_MALFORMED,
                           "malformed certificate: the commonName of '%s' is not one of its "
                           "subjectAltName entries (%s) (CA/B BR 7.1.4.3)",
                           subj(c, who), names);
            }
        }
    }
    if (p->host && !ltls_x509_match_host(c, p->host)) {
        ltls_x509_san_print(c, names, sizeof(names));
        return say(d, LTLS_R_CERT_NAME_MISMATCH,
                   "the certificate '%s' is valid for %s, not for '%.200s'", subj(c, who), names,
                   p->host);
    }
    return LTLS_OK;
}

/* ---------------------------------------------------------------------------
 * Signatures
 * ------------------------------------------------------------------------- */

static ltls_err_t issuer_key(vstate_t *vs, const ltls_cert_t *issuer, ltls_pubkey_t **key,
                             int *owned)
{
    for (size_t i = 0; i < vs->nkeys; i++)
        if (vs->keys[i].cert == issuer) {
            *key = vs->keys[i].key;
            *owned = 0;
            return vs->keys[i].err;
        }
    ltls_pubkey_t *k = NULL;
    ltls_err_t err = vs->prov->pubkey_new(vs->prov->impl, &issuer->key, &k);
    if (vs->nkeys < KEY_CACHE) {
        vs->keys[vs->nkeys].cert = issuer;
        vs->keys[vs->nkeys].key = err ? NULL : k;
        vs->keys[vs->nkeys].err = err;
        vs->nkeys++;
        *owned = 0;
    } else {
        *owned = !err;
    }
    *key = err ? NULL : k;
    return err;
}

/* Verifies child's signature with issuer's key; the error is one of the
 * CERT_* reasons, or an internal one (OUT_OF_MEMORY, PROVIDER) that stops
 * everything. */
static ltls_err_t verify_sig(vstate_t *vs, const ltls_cert_t *child, const ltls_cert_t *issuer,
                             char *d)
{
    char who[256], by[256];
    if (ltls_x509_sigalg_is_weak(child->sig_alg))
        return say(d, LTLS_R_CERT_WEAK_ALGORITHM,
                   "the certificate '%s' is signed with %s, which is not allowed",
                   subj(child, who), ltls_x509_sigalg_name(child->sig_alg));
    const ltls_sigscheme_t *scheme = ltls_x509_sigalg_scheme(child->sig_alg, &issuer->key);
    if (!scheme)
        return say(d, LTLS_R_CERT_WEAK_ALGORITHM,
                   "the certificate '%s' is signed with %s, which does not fit the key of '%s'",
                   subj(child, who), ltls_x509_sigalg_name(child->sig_alg), subj(issuer, by));
    for (size_t i = 0; i < vs->nsigs; i++)
        if (vs->sigs[i].child == child && vs->sigs[i].issuer == issuer) {
            if (vs->sigs[i].err)
                goto failed;
            return LTLS_OK;
        }
    vs->work += LTLS_X509_SIG_COST;
    if (vs->work > LTLS_X509_WORK_BUDGET) {
        vs->fatal = say(d, LTLS_R_CERT_WORK_LIMIT,
                        "path building gave up after too many signature checks (at '%s')",
                        subj(child, who));
        return vs->fatal;
    }
    ltls_pubkey_t *key;
    int owned;
    ltls_err_t err = issuer_key(vs, issuer, &key, &owned);
    if (!err) {
        err = vs->prov->verify(key, scheme, child->tbs.p, child->tbs.len, child->signature.p,
                               child->signature.len);
        if (owned)
            vs->prov->pubkey_free(key);
    } else if (ltls_err_reason(err) == LTLS_R_KEY_FORMAT) {
        return say(d, LTLS_R_CERT_MALFORMED,
                   "malformed certificate: the public key of '%s' is invalid", subj(issuer, by));
    }
    switch (ltls_err_reason(err)) {
    case LTLS_R_NONE:
    case LTLS_R_DECRYPT_ERROR:
        break;
    case LTLS_R_KEY_TYPE_MISMATCH:
    case LTLS_R_UNSUPPORTED_ALGORITHM:
        return say(d, LTLS_R_CERT_WEAK_ALGORITHM,
                   "the provider cannot verify %s with the key of '%s'",
                   ltls_x509_sigalg_name(child->sig_alg), subj(issuer, by));
    default:
        vs->fatal = err;
        snprintf(d, 512, "the crypto provider failed while verifying the signature of '%s'",
                 subj(child, who));
        return err;
    }
    if (vs->nsigs < SIG_MEMO) {
        vs->sigs[vs->nsigs].child = child;
        vs->sigs[vs->nsigs].issuer = issuer;
        vs->sigs[vs->nsigs].err = err;
        vs->nsigs++;
    }
    if (!err)
        return LTLS_OK;
failed:
    return say(d, LTLS_R_CERT_BAD_SIGNATURE,
               "the signature of '%s' does not verify with the key of '%s'", subj(child, who),
               subj(issuer, by));
}

/* ---------------------------------------------------------------------------
 * Path building
 * ------------------------------------------------------------------------- */

static int same_key_and_subject(const ltls_cert_t *a, const ltls_cert_t *b)
{
    return ltls_x509_name_equal(a->subject, b->subject) && a->spki.len == b->spki.len &&
           memcmp(a->spki.p, b->spki.p, a->spki.len) == 0;
}

/* 1 if cand may not join path[0..len): it is already there (same DER), or a
 * copy of a CA already there (same subject and key). */
static int in_path(const vstate_t *vs, size_t len, const ltls_cert_t *cand)
{
    for (size_t i = 0; i < len; i++)
        if (ltls_cert_equal(vs->path[i], cand) || same_key_and_subject(vs->path[i], cand))
            return 1;
    return 0;
}

static int aki_matches(const ltls_cert_t *child, const ltls_cert_t *issuer)
{
    return child->aki_key_id.p && issuer->ski.p && child->aki_key_id.len == issuer->ski.len &&
           memcmp(child->aki_key_id.p, issuer->ski.p, issuer->ski.len) == 0;
}

static ltls_err_t extend(vstate_t *vs, size_t len);

/* Tries cand as the issuer of path[len-1]. Returns LTLS_OK when a complete
 * path was found through it (vs->path holds it), the fatal error when the
 * search must stop, or any other error when this candidate failed (already
 * recorded). */
static ltls_err_t try_candidate(vstate_t *vs, size_t len, const ltls_cert_t *cand, int anchor)
{
    const ltls_cert_t *child = vs->path[len - 1];
    char *d = vs->scratch;
    char who[256];
    ltls_err_t err;

    vs->work += LTLS_X509_CANDIDATE_COST;
    if (vs->work > LTLS_X509_WORK_BUDGET) {
        vs->fatal = say(d, LTLS_R_CERT_WORK_LIMIT,
                        "path building gave up: too many candidate issuers for '%s'",
                        subj(child, who));
        return vs->fatal;
    }
    if (len + 1 > vs->max_depth) {
        err = say(d, LTLS_R_CERT_PATH_TOO_LONG,
                  "the path would need more than %u certificates (through '%s')", vs->max_depth,
                  subj(cand, who));
        record(vs, err, (int)len, len + 1, 0);
        return err;
    }
    vs->path[len] = cand;
    /* The signature first: a candidate that did not sign the child is not
     * its issuer, and its other faults would only mislead. */
    if ((err = verify_sig(vs, child, cand, d))) {
        if (!vs->fatal)
            record(vs, err, (int)len - 1, len + 1, 0);
        return err;
    }
    if ((err = check_ca(cand, anchor ? ROLE_ANCHOR : ROLE_INTERMEDIATE, vs->p->now,
                        vs->p->purpose, d)))
        goto fail;
    /* §4.2.1.9, §6.1.4 l-m: pathLenConstraint counts the non-self-issued
     * intermediates below this CA; the leaf is not counted. */
    if (cand->path_len >= 0 && !(anchor && cand->version < 3)) {
        unsigned below = 0;
        for (size_t i = 1; i < len; i++)
            below += !vs->path[i]->self_issued;
        if (below > (unsigned)cand->path_len) {
            err = say(d, LTLS_R_CERT_PATH_TOO_LONG,
                      "the CA certificate '%s' allows %d intermediate certificates below it "
                      "(pathLenConstraint) and the path has %u",
                      subj(cand, who), cand->path_len, below);
            goto fail;
        }
    }
    if (cand->ext_present & LTLS_X509_EXT_NAME_CONSTRAINTS) {
        if ((err = ltls_x509_nc_validate(cand, &vs->work, d, 512)))
            goto fail;
        for (size_t i = 0; i < len; i++) {
            /* §4.2.1.10: not applied to self-issued intermediates. */
            if (i > 0 && vs->path[i]->self_issued)
                continue;
            if ((err = ltls_x509_nc_check(cand, vs->path[i], &vs->work, d, 512)))
                goto fail;
        }
    }
    if (anchor) {
        vs->found_len = len + 1;
        return LTLS_OK;
    }
    return extend(vs, len + 1);
fail:
    if (ltls_err_reason(err) == LTLS_R_CERT_WORK_LIMIT)
        vs->fatal = err;
    else
        record(vs, err, (int)len, len + 1, 1);
    return err;
}

/* The pool of untrusted certificates: the peer's after the leaf, then the
 * extra ones. */
static const ltls_cert_t *pool_at(const vstate_t *vs, size_t i)
{
    const ltls_verify_params_t *p = vs->p;
    return i + 1 < p->peer_count ? p->peer[i + 1] : p->extra[i + 1 - p->peer_count];
}

static size_t pool_size(const vstate_t *vs)
{
    return vs->p->peer_count - 1 + (vs->p->extra ? vs->p->extra_count : 0);
}

/* Searches for a path from path[len-1] upwards. On success vs->path holds
 * it and vs->found_len its length. */
static ltls_err_t extend(vstate_t *vs, size_t len)
{
    const ltls_cert_t *top = vs->path[len - 1];
    const ltls_cert_t *anchors[MAX_ANCHORS_PER_NAME];
    size_t nanchors = ltls_trust_store_lookup(vs->p->trust, top->issuer.p, top->issuer.len,
                                              anchors, MAX_ANCHORS_PER_NAME);
    int tried = 0;
    ltls_err_t err;

    /* Anchors, key-identifier matches first. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < nanchors; i++) {
            const ltls_cert_t *a = anchors[i];
            if (aki_matches(top, a) != (pass == 0) || in_path(vs, len, a))
                continue;
            tried = 1;
            if (!(err = try_candidate(vs, len, a, 1)))
                return LTLS_OK;
            if (vs->fatal)
                return vs->fatal;
        }
    /* Untrusted intermediates by name, key-identifier matches first. A copy
     * of an anchor is skipped: the anchor itself was just tried. */
    size_t n = pool_size(vs);
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++) {
            const ltls_cert_t *c = pool_at(vs, i);
            if (!c || !ltls_x509_name_equal(c->subject, top->issuer) ||
                aki_matches(top, c) != (pass == 0) || in_path(vs, len, c))
                continue;
            int is_anchor_copy = 0;
            for (size_t k = 0; k < nanchors; k++)
                is_anchor_copy |= ltls_cert_equal(anchors[k], c);
            if (is_anchor_copy)
                continue;
            tried = 1;
            if (!(err = try_candidate(vs, len, c, 0)))
                return LTLS_OK;
            if (vs->fatal)
                return vs->fatal;
        }
    if (!tried) {
        char who[256], iss[256];
        ltls_x509_name_print(top->issuer, iss, sizeof(iss));
        if (top->self_issued)
            err = say(vs->scratch, LTLS_R_CERT_UNKNOWN_ISSUER,
                      "the self-issued certificate '%s' is not a trusted root, and no trusted "
                      "root or usable intermediate was found for it",
                      subj(top, who));
        else
            err = say(vs->scratch, LTLS_R_CERT_UNKNOWN_ISSUER,
                      "no trusted root or usable intermediate was found for the issuer '%s' of "
                      "'%s'",
                      iss, subj(top, who));
        record(vs, err, (int)len - 1, len, 1);
    }
    return ltls_err_make(LTLS_R_CERT_UNKNOWN_ISSUER);
}

static void release(vstate_t *vs)
{
    for (size_t i = 0; i < vs->nkeys; i++)
        if (vs->keys[i].key)
            vs->prov->pubkey_free(vs->keys[i].key);
    vs->nkeys = 0;
}

ltls_err_t ltls_x509_verify(const ltls_verify_params_t *params, ltls_verify_result_t *result)
{
    if (!result)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    memset(result, 0, sizeof(*result));
    result->depth = -1;
    if (!params || !params->provider || !params->trust || !params->peer ||
        params->peer_count == 0 || !params->peer[0] || (params->extra_count && !params->extra)) {
        snprintf(result->detail, sizeof(result->detail), "a required parameter is missing");
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    }
    if (params->purpose != LTLS_PURPOSE_SERVER_AUTH &&
        params->purpose != LTLS_PURPOSE_CLIENT_AUTH) {
        snprintf(result->detail, sizeof(result->detail), "unknown purpose %d", (int)params->purpose);
        return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    }
    if (params->peer_count > LTLS_X509_MAX_CHAIN) {
        snprintf(result->detail, sizeof(result->detail),
                 "the peer sent %zu certificates, more than the %d allowed", params->peer_count,
                 LTLS_X509_MAX_CHAIN);
        return ltls_err_make(LTLS_R_CERT_WORK_LIMIT);
    }

    /* About 3 KiB of state on the stack: validation allocates nothing
     * itself (the provider may, for imported keys). */
    vstate_t vs;
    memset(&vs, 0, sizeof(vs));
    vs.p = params;
    vs.prov = params->provider;
    vs.max_depth = params->max_depth ? params->max_depth : LTLS_X509_MAX_DEPTH;
    if (vs.max_depth > LTLS_X509_MAX_DEPTH)
        vs.max_depth = LTLS_X509_MAX_DEPTH;

    const ltls_cert_t *leaf = params->peer[0];
    ltls_err_t err = check_leaf(leaf, params, result->detail);
    if (err) {
        result->depth = 0;
        return err;
    }
    vs.path[0] = leaf;

    /* A pinned leaf: the certificate itself is an anchor. */
    const ltls_cert_t *same[MAX_ANCHORS_PER_NAME];
    size_t nsame = ltls_trust_store_lookup(params->trust, leaf->subject.p, leaf->subject.len,
                                           same, MAX_ANCHORS_PER_NAME);
    for (size_t i = 0; i < nsame; i++)
        if (ltls_cert_equal(same[i], leaf)) {
            result->path[0] = same[i];
            result->path_len = 1;
            return LTLS_OK;
        }

    err = extend(&vs, 1);
    release(&vs);
    if (!err) {
        result->path_len = vs.found_len;
        memcpy(result->path, vs.path, result->path_len * sizeof(vs.path[0]));
        return LTLS_OK;
    }
    if (vs.fatal) {
        memcpy(result->detail, vs.scratch, sizeof(result->detail));
        result->depth = -1;
        return vs.fatal;
    }
    memcpy(result->detail, vs.best_detail, sizeof(result->detail));
    result->depth = vs.best_depth;
    return vs.best_err;
}
