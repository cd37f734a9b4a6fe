/*
 * test_cert.c - certificate decoding (src/x509/cert.c, name.c): every key
 * type and signature algorithm, every structural rejection, RFC 4514 text,
 * PEM lists. Data: tests/data/x509-unit/ (scripts/gen_x509_unit.py).
 */
#include <time.h>

#include "test.h"
#include "x509/cert.h"
#include "x509/der.h"
#include "x509/name.h"

#define DATA "../data/x509-unit/"

static uint8_t file_buf[1 << 20];

/* Reads a data file into file_buf; aborts if missing (data is part of the
 * tree). */
static size_t load(const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), DATA "%s", name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "missing %s\n", path);
        abort();
    }
    size_t n = fread(file_buf, 1, sizeof(file_buf), f);
    fclose(f);
    return n;
}

static ltls_cert_t *parse_file(const char *name)
{
    size_t n = load(name);
    ltls_cert_t *c = NULL;
    char detail[256];
    ltls_err_t err = ltls_cert_parse_detail(file_buf, n, NULL, &c, detail, sizeof(detail));
    if (err)
        printf("# %s: %s\n", name, detail);
    return c;
}

/* Parses a file that must be rejected with CERT_MALFORMED and a detail
 * containing `want`. */
static int rejects(const char *name, const char *want)
{
    size_t n = load(name);
    ltls_cert_t *c = NULL;
    char detail[256] = "";
    ltls_err_t err = ltls_cert_parse_detail(file_buf, n, NULL, &c, detail, sizeof(detail));
    if (ltls_err_reason(err) != LTLS_R_CERT_MALFORMED || c || !strstr(detail, want)) {
        printf("# %s: got %s '%s', wanted CERT_MALFORMED with '%s'\n", name,
               ltls_err_reason_name(err), detail, want);
        ltls_cert_free(c);
        return 0;
    }
    return 1;
}

TEST(rsa_pkcs1)
{
    static const struct {
        const char *file;
        ltls_x509_sigalg_t alg;
        const ltls_sigscheme_t *scheme;
    } t[] = {
        {"rsa-pkcs1-sha256.der", LTLS_X509_SIG_RSA_PKCS1_SHA256, &ltls_sig_rsa_pkcs1_sha256},
        {"rsa-pkcs1-sha384.der", LTLS_X509_SIG_RSA_PKCS1_SHA384, &ltls_sig_rsa_pkcs1_sha384},
        {"rsa-pkcs1-sha512.der", LTLS_X509_SIG_RSA_PKCS1_SHA512, &ltls_sig_rsa_pkcs1_sha512},
    };
    for (size_t i = 0; i < 3; i++) {
        ltls_cert_t *c = parse_file(t[i].file);
        CHECK(c);
        CHECK(c->version == 3);
        CHECK(c->key.type == LTLS_KEY_RSA && c->key_size_bits == 2048);
        CHECK(c->key.n_size == 256 && c->key.e_size == 3 && c->key.e[0] == 1);
        CHECK(c->sig_alg == t[i].alg);
        CHECK(ltls_x509_sigalg_scheme(c->sig_alg, &c->key) == t[i].scheme);
        CHECK(!ltls_x509_sigalg_is_weak(c->sig_alg));
        CHECK(c->is_ca && c->path_len == -1 && c->self_issued);
        CHECK(c->signature.len == 256);
        CHECK((c->ext_present & (LTLS_X509_EXT_BASIC_CONSTRAINTS | LTLS_X509_EXT_KEY_USAGE |
                                 LTLS_X509_EXT_SKI | LTLS_X509_EXT_AKI)) ==
              (LTLS_X509_EXT_BASIC_CONSTRAINTS | LTLS_X509_EXT_KEY_USAGE | LTLS_X509_EXT_SKI |
               LTLS_X509_EXT_AKI));
        CHECK(c->ext_critical & LTLS_X509_EXT_BASIC_CONSTRAINTS);
        CHECK(c->key_usage == (LTLS_X509_KU_KEY_CERT_SIGN | LTLS_X509_KU_CRL_SIGN));
        CHECK(ltls_cert_pubkey_info(c) == &c->key);
        ltls_cert_free(c);
    }
}

TEST(rsa_pss)
{
    static const struct {
        const char *file;
        ltls_x509_sigalg_t alg;
        const ltls_sigscheme_t *scheme;
    } t[] = {
        {"rsa-pss-sha256.der", LTLS_X509_SIG_RSA_PSS_SHA256, &ltls_sig_rsa_pss_rsae_sha256},
        {"rsa-pss-sha384.der", LTLS_X509_SIG_RSA_PSS_SHA384, &ltls_sig_rsa_pss_rsae_sha384},
        {"rsa-pss-sha512.der", LTLS_X509_SIG_RSA_PSS_SHA512, &ltls_sig_rsa_pss_rsae_sha512},
    };
    for (size_t i = 0; i < 3; i++) {
        ltls_cert_t *c = parse_file(t[i].file);
        CHECK(c);
        CHECK(c->sig_alg == t[i].alg);
        CHECK(ltls_x509_sigalg_scheme(c->sig_alg, &c->key) == t[i].scheme);
        ltls_cert_free(c);
    }
    /* A salt that is not the hash length: decodable, not verifiable. */
    ltls_cert_t *c = parse_file("rsa-pss-sha384-salt32.der");
    CHECK(c);
    CHECK(c->sig_alg == LTLS_X509_SIG_RSA_PSS_OTHER);
    CHECK(ltls_x509_sigalg_is_weak(c->sig_alg));
    CHECK(ltls_x509_sigalg_scheme(c->sig_alg, &c->key) == NULL);
    ltls_cert_free(c);
}

TEST(ecdsa)
{
    static const struct {
        const char *file;
        uint16_t curve;
        size_t point;
        unsigned bits;
        ltls_x509_sigalg_t alg;
        const ltls_hash_alg_t *hash;
    } t[] = {
        {"ec-p256-sha256.der", 0x0017, 65, 256, LTLS_X509_SIG_ECDSA_SHA256, &ltls_hash_sha256},
        {"ec-p384-sha384.der", 0x0018, 97, 384, LTLS_X509_SIG_ECDSA_SHA384, &ltls_hash_sha384},
        {"ec-p521-sha512.der", 0x0019, 133, 521, LTLS_X509_SIG_ECDSA_SHA512, &ltls_hash_sha512},
        {"ec-p384-sha256.der", 0x0018, 97, 384, LTLS_X509_SIG_ECDSA_SHA256, &ltls_hash_sha256},
    };
    for (size_t i = 0; i < 4; i++) {
        ltls_cert_t *c = parse_file(t[i].file);
        CHECK(c);
        CHECK(c->key.type == LTLS_KEY_EC && c->key.curve == t[i].curve);
        CHECK(c->key.point_size == t[i].point && c->key.point[0] == 0x04);
        CHECK(c->key_size_bits == t[i].bits);
        CHECK(c->sig_alg == t[i].alg);
        const ltls_sigscheme_t *s = ltls_x509_sigalg_scheme(c->sig_alg, &c->key);
        CHECK(s && s->key_type == LTLS_KEY_EC && s->curve == t[i].curve && s->hash == t[i].hash);
        ltls_cert_free(c);
    }
    /* The TLS 1.3 descriptor where curve and hash agree. */
    ltls_cert_t *c = parse_file("ec-p256-sha256.der");
    CHECK(c);
    CHECK(ltls_x509_sigalg_scheme(c->sig_alg, &c->key) == &ltls_sig_ecdsa_secp256r1_sha256);
    /* An ECDSA algorithm never fits another key type. */
    CHECK(ltls_x509_sigalg_scheme(LTLS_X509_SIG_RSA_PKCS1_SHA256, &c->key) == NULL);
    CHECK(ltls_x509_sigalg_scheme(LTLS_X509_SIG_ED25519, &c->key) == NULL);
    ltls_cert_free(c);
}

TEST(eddsa)
{
    ltls_cert_t *c = parse_file("ed25519.der");
    CHECK(c);
    CHECK(c->key.type == LTLS_KEY_ED25519 && c->key.point_size == 32);
    CHECK(c->sig_alg == LTLS_X509_SIG_ED25519);
    CHECK(ltls_x509_sigalg_scheme(c->sig_alg, &c->key) == &ltls_sig_ed25519);
    CHECK(c->signature.len == 64);
    ltls_cert_free(c);
    c = parse_file("ed448.der");
    CHECK(c);
    CHECK(c->key.type == LTLS_KEY_ED448 && c->key.point_size == 57);
    CHECK(c->sig_alg == LTLS_X509_SIG_ED448);
    CHECK(ltls_x509_sigalg_scheme(c->sig_alg, &c->key) == &ltls_sig_ed448);
    ltls_cert_free(c);
}

/* Weak and unsupported algorithms decode, so that validation can say why
 * it refuses them. */
TEST(weak_and_unsupported_decode)
{
    ltls_cert_t *c = parse_file("rsa-sha1.der");
    CHECK(c);
    CHECK(c->sig_alg == LTLS_X509_SIG_RSA_PKCS1_SHA1 && ltls_x509_sigalg_is_weak(c->sig_alg));
    CHECK(ltls_x509_sigalg_scheme(c->sig_alg, &c->key) == NULL);
    CHECK(strcmp(ltls_x509_sigalg_name(c->sig_alg), "sha1WithRSAEncryption") == 0);
    ltls_cert_free(c);
    c = parse_file("ec-p256-sha1.der");
    CHECK(c);
    CHECK(c->sig_alg == LTLS_X509_SIG_ECDSA_SHA1 && ltls_x509_sigalg_is_weak(c->sig_alg));
    ltls_cert_free(c);
    c = parse_file("dsa.der");
    CHECK(c);
    CHECK(c->sig_alg == LTLS_X509_SIG_DSA);
    CHECK(c->key.type == LTLS_KEY_NONE && c->key_issue == LTLS_X509_KEY_UNKNOWN_ALGORITHM);
    CHECK(ltls_cert_pubkey_info(c) == NULL);
    ltls_cert_free(c);
    c = parse_file("ec-p192.der");
    CHECK(c);
    CHECK(c->key.type == LTLS_KEY_NONE && c->key_issue == LTLS_X509_KEY_UNKNOWN_CURVE);
    ltls_cert_free(c);
    c = parse_file("ec-explicit.der");
    CHECK(c);
    CHECK(c->key.type == LTLS_KEY_NONE && c->key_issue == LTLS_X509_KEY_EXPLICIT_CURVE);
    ltls_cert_free(c);
}

TEST(versions)
{
    ltls_cert_t *c = parse_file("v1.der");
    CHECK(c);
    CHECK(c->version == 1 && c->ext_present == 0 && c->ext_count == 0);
    ltls_cert_free(c);
    c = parse_file("v2-unique-id.der");
    CHECK(c);
    CHECK(c->version == 2);
    ltls_cert_free(c);
}

TEST(extensions)
{
    ltls_cert_t *c = parse_file("allext.der");
    CHECK(c);
    CHECK(!c->is_ca && !c->self_issued);
    CHECK(c->key_usage == (LTLS_X509_KU_DIGITAL_SIGNATURE | LTLS_X509_KU_KEY_ENCIPHERMENT));
    CHECK(c->eku == (LTLS_X509_EKU_SERVER_AUTH | LTLS_X509_EKU_CLIENT_AUTH));
    CHECK(c->ext_present & LTLS_X509_EXT_POLICIES && c->policies.len > 0);
    CHECK(c->ext_present & LTLS_X509_EXT_AIA);
    CHECK(c->ski.p && c->ski.len == 20 && c->aki_key_id.p && c->aki_key_id.len == 20);
    CHECK(!c->aki_has_issuer_serial);
    CHECK(c->san_forms == ((1u << LTLS_X509_GN_DNS) | (1u << LTLS_X509_GN_IP) |
                           (1u << LTLS_X509_GN_RFC822) | (1u << LTLS_X509_GN_URI) |
                           (1u << LTLS_X509_GN_DIRECTORY)));
    /* The SAN entries in order. */
    ltls_x509_gn_iter_t it;
    unsigned tag, n = 0;
    ltls_x509_span_t v;
    static const unsigned want[] = {LTLS_X509_GN_DNS, LTLS_X509_GN_DNS, LTLS_X509_GN_IP,
                                    LTLS_X509_GN_IP, LTLS_X509_GN_RFC822, LTLS_X509_GN_URI,
                                    LTLS_X509_GN_DIRECTORY};
    ltls_x509_gn_iter_init(&it, c->san);
    while (ltls_x509_gn_next(&it, &tag, &v)) {
        CHECK(n < 7 && tag == want[n]);
        if (n == 0)
            CHECK(v.len == 14 && memcmp(v.p, "allext.example", 14) == 0);
        if (n == 2)
            CHECK(v.len == 4 && memcmp(v.p, "\xc0\x00\x02\x07", 4) == 0);
        if (n == 3)
            CHECK(v.len == 16);
        if (n == 6) {
            char dn[64];
            CHECK(ltls_x509_name_print(v, dn, sizeof(dn)) == 6 && strcmp(dn, "CN=dir") == 0);
        }
        n++;
    }
    CHECK(n == 7);
    ltls_cert_free(c);

    c = parse_file("nc-ca.der");
    CHECK(c);
    CHECK(c->is_ca && c->path_len == 3);
    CHECK(c->ext_present & LTLS_X509_EXT_NAME_CONSTRAINTS);
    CHECK(c->ext_critical & LTLS_X509_EXT_NAME_CONSTRAINTS);
    CHECK(c->nc_forms == ((1u << LTLS_X509_GN_DNS) | (1u << LTLS_X509_GN_IP)));
    ltls_x509_gn_iter_init(&it, c->nc_permitted);
    CHECK(ltls_x509_subtree_next(&it, &tag, &v) && tag == LTLS_X509_GN_DNS && v.len == 11);
    CHECK(ltls_x509_subtree_next(&it, &tag, &v) && tag == LTLS_X509_GN_IP && v.len == 8);
    CHECK(!ltls_x509_subtree_next(&it, &tag, &v));
    ltls_x509_gn_iter_init(&it, c->nc_excluded);
    CHECK(ltls_x509_subtree_next(&it, &tag, &v) && tag == LTLS_X509_GN_DNS && v.len == 15);
    ltls_cert_free(c);
}

/* Recorded for validation, not rejected at decode. */
TEST(policy_is_left_to_validation)
{
    ltls_cert_t *c = parse_file("bad-unknown-critical.der");
    CHECK(c);
    CHECK(c->ext_critical & LTLS_X509_EXT_UNKNOWN_CRITICAL);
    CHECK(c->unknown_critical_oid.len == 11);
    ltls_cert_free(c);
    c = parse_file("bad-serial-negative.der");
    CHECK(c);
    CHECK(c->serial.len == 2 && c->serial.p[0] == 0x80);
    ltls_cert_free(c);
    c = parse_file("bad-serial-long.der");
    CHECK(c);
    CHECK(c->serial.len == 21);
    ltls_cert_free(c);
}

TEST(structural_rejections)
{
    CHECK(rejects("bad-dup-ext.der", "duplicate extension"));
    CHECK(rejects("bad-critical-false.der", "critical FALSE"));
    CHECK(rejects("bad-empty-eku.der", "extKeyUsage lists no purpose"));
    CHECK(rejects("bad-ku-zero.der", "keyUsage has no bit set"));
    CHECK(rejects("bad-bc-ca-false.der", "cA FALSE"));
    CHECK(rejects("bad-san-ip-len.der", "iPAddress of a wrong length"));
    CHECK(rejects("bad-san-utf8.der", "non-ASCII"));
    CHECK(rejects("bad-san-trailing.der", "trailing bytes in an extension value"));
    CHECK(rejects("bad-nc-empty.der", "nameConstraints is empty"));
    CHECK(rejects("bad-nc-minimum.der", "minimum or maximum"));
    CHECK(rejects("bad-aki-issuer-only.der", "authorityCertIssuer"));
    CHECK(rejects("bad-ext-empty-list.der", "empty extensions"));
    CHECK(rejects("bad-v1-with-ext.der", "extensions in a certificate that is not v3"));
    CHECK(rejects("bad-v1-explicit.der", "version v1 encoded explicitly"));
    CHECK(rejects("bad-version-9.der", "unknown version"));
    CHECK(rejects("bad-alg-mismatch.der", "differs from signatureAlgorithm"));
    CHECK(rejects("bad-ed25519-len.der", "EdDSA public key length"));
    CHECK(rejects("bad-rsa-params.der", "rsaEncryption parameters"));
    CHECK(rejects("bad-unique-id-v1.der", "unique identifier in a v1"));
}

/* Header bytes of the outer SEQUENCE of a DER certificate. */
static size_t outer_header(const uint8_t *d)
{
    return (d[1] & 0x80) ? 2u + (d[1] & 0x7fu) : 2u;
}

static ltls_err_t parse_buf(const uint8_t *p, size_t n, char *detail)
{
    ltls_cert_t *c = NULL;
    ltls_err_t err = ltls_cert_parse_detail(p, n, NULL, &c, detail, 256);
    ltls_cert_free(c);
    return err;
}

TEST(der_rejections)
{
    static uint8_t good[4096], buf[4200];
    char detail[256];
    size_t n = load("bad-base.der");
    CHECK(n < sizeof(good));
    memcpy(good, file_buf, n);
    CHECK_OK(parse_buf(good, n, detail));

    /* Trailing data after the Certificate. */
    memcpy(buf, good, n);
    buf[n] = 0;
    CHECK_ERR(parse_buf(buf, n + 1, detail), LTLS_R_CERT_MALFORMED);
    CHECK(strstr(detail, "trailing data after the Certificate"));

    /* Truncated by one byte. */
    CHECK_ERR(parse_buf(good, n - 1, detail), LTLS_R_CERT_MALFORMED);

    /* A non-minimal length: the outer length with one more octet. */
    size_t h = outer_header(good);
    CHECK(h == 4 && good[1] == 0x82);
    buf[0] = 0x30;
    buf[1] = 0x83;
    buf[2] = 0x00;
    memcpy(buf + 3, good + 2, n - 2);
    CHECK_ERR(parse_buf(buf, n + 1, detail), LTLS_R_CERT_MALFORMED);
    CHECK(strstr(detail, "Certificate"));

    /* The indefinite form (BER). */
    buf[0] = 0x30;
    buf[1] = 0x80;
    memcpy(buf + 2, good + h, n - h);
    buf[2 + n - h] = 0;
    buf[3 + n - h] = 0;
    CHECK_ERR(parse_buf(buf, n - h + 4, detail), LTLS_R_CERT_MALFORMED);

    /* A signature BIT STRING with unused bits: the last element is
     * 03 41 00 <64 bytes> for Ed25519; claim 1 unused bit. */
    memcpy(buf, good, n);
    CHECK(buf[n - 67] == 0x03 && buf[n - 66] == 0x41 && buf[n - 65] == 0x00);
    buf[n - 65] = 0x01;
    buf[n - 1] |= 0x01; /* the unused bit set: not DER either way */
    CHECK_ERR(parse_buf(buf, n, detail), LTLS_R_CERT_MALFORMED);
    CHECK(strstr(detail, "signatureValue"));

    /* The outer signatureAlgorithm changed (Ed25519 -> Ed448) while the
     * inner one is left: the algorithms differ. */
    memcpy(buf, good, n);
    CHECK(buf[n - 68] == 0x70 && buf[n - 69] == 0x65); /* 30 05 06 03 2b 65 70 */
    buf[n - 68] = 0x71;
    CHECK_ERR(parse_buf(buf, n, detail), LTLS_R_CERT_MALFORMED);
    CHECK(strstr(detail, "differs from signatureAlgorithm"));

    /* Not DER at all, empty, too large, NULL. */
    CHECK_ERR(parse_buf((const uint8_t *)"hello", 5, detail), LTLS_R_CERT_MALFORMED);
    CHECK_ERR(parse_buf(good, 0, detail), LTLS_R_CERT_MALFORMED);
    ltls_cert_t *c = NULL;
    CHECK_ERR(ltls_cert_parse(good, LTLS_X509_MAX_CERT_SIZE + 1, NULL, &c), LTLS_R_CERT_MALFORMED);
    CHECK_ERR(ltls_cert_parse(NULL, 5, NULL, &c), LTLS_R_NULL_ARGUMENT);
    CHECK_ERR(ltls_cert_parse(good, n, NULL, NULL), LTLS_R_NULL_ARGUMENT);
    CHECK(c == NULL);
}

TEST(rfc4514_names)
{
    ltls_cert_t *c = parse_file("names.der");
    CHECK(c);
    char buf[512];
    static const char want[] = "CN=www.example.com, 1.2.3.4=x\\<y\\>\\\"z\\\\\\;, L=Z\xc3\xbcrich, "
                               "OU=\\#1\\ +OU=R\\+D, O=Example\\, Inc., "
                               "ST=Baden-W\xc3\xbcrttemberg, C=DE";
    size_t n = ltls_cert_subject(c, buf, sizeof(buf));
    if (strcmp(buf, want) != 0)
        printf("# got  %s\n# want %s\n", buf, want);
    CHECK(n == strlen(want) && strcmp(buf, want) == 0);
    /* Truncation keeps the full length and a NUL. */
    char small[8];
    CHECK(ltls_cert_subject(c, small, sizeof(small)) == n);
    CHECK(strcmp(small, "CN=www.") == 0);
    CHECK(ltls_cert_subject(c, NULL, 0) == n);
    CHECK(ltls_cert_issuer(c, buf, sizeof(buf)) == n); /* self-signed */
    ltls_cert_free(c);

    c = parse_file("rsa-pkcs1-sha256.der");
    CHECK(c);
    CHECK(ltls_cert_subject(c, buf, sizeof(buf)) > 0);
    CHECK(strcmp(buf, "CN=rsa-pkcs1-sha256, O=Decode") == 0);
    ltls_cert_free(c);
}

TEST(name_prefix_and_equality)
{
    ltls_cert_t *a = parse_file("ica.der"), *r = parse_file("root.der");
    CHECK(a && r);
    CHECK(ltls_x509_name_equal(a->issuer, r->subject));
    CHECK(!ltls_x509_name_equal(a->subject, r->subject));
    CHECK(ltls_x509_name_has_prefix(a->subject, a->subject));
    CHECK(!ltls_x509_name_has_prefix(a->subject, r->subject)); /* O=Lucid, CN differs */
    CHECK(!ltls_x509_name_is_empty(a->subject));
    size_t len;
    const uint8_t *p = ltls_cert_subject_der(r, &len);
    size_t ilen;
    const uint8_t *ip = ltls_cert_issuer_der(a, &ilen);
    CHECK(len == ilen && memcmp(p, ip, len) == 0 && p[0] == 0x30);
    CHECK(ltls_cert_spki_der(a, &len) && len > 40);
    CHECK(!ltls_cert_equal(a, r) && ltls_cert_equal(a, a));
    ltls_cert_free(a);
    ltls_cert_free(r);
}

TEST(accessors_and_times)
{
    ltls_cert_t *c = parse_file("leaf.der");
    CHECK(c);
    CHECK(ltls_cert_not_before(c) == 1577836800);  /* 2020-01-01 */
    CHECK(ltls_cert_not_after(c) == 2208988800);   /* 2040-01-01 */
    size_t n;
    CHECK(ltls_cert_der(c, &n) && n == load("leaf.der") && memcmp(ltls_cert_der(c, &n), file_buf, n) == 0);
    ltls_cert_free(c);
    ltls_cert_free(NULL);
    CHECK(ltls_cert_der(NULL, &n) == NULL && n == 0);

    char t[32];
    ltls_x509_format_time(0, t);
    CHECK(strcmp(t, "1970-01-01T00:00:00Z") == 0);
    ltls_x509_format_time(951782400 + 3661, t);
    CHECK(strcmp(t, "2000-02-29T01:01:01Z") == 0);
    ltls_x509_format_time(2208988799, t);
    CHECK(strcmp(t, "2039-12-31T23:59:59Z") == 0);
    ltls_x509_format_time(-1, t);
    CHECK(strcmp(t, "1969-12-31T23:59:59Z") == 0);
    ltls_x509_format_time(253402300799, t);
    CHECK(strcmp(t, "9999-12-31T23:59:59Z") == 0);
}

TEST(lists)
{
    ltls_cert_t **certs = NULL;
    size_t count = 0, n = load("chain.pem");
    CHECK_OK(ltls_cert_list_parse(file_buf, n, NULL, &certs, &count));
    CHECK(count == 3);
    char buf[128];
    ltls_cert_subject(certs[0], buf, sizeof(buf));
    CHECK(strcmp(buf, "CN=bad.example") == 0);
    ltls_cert_subject(certs[2], buf, sizeof(buf));
    CHECK(strcmp(buf, "CN=allext-ca") == 0);
    ltls_cert_list_free(certs, count, NULL);

    n = load("leaf.der"); /* one DER certificate */
    CHECK_OK(ltls_cert_list_parse(file_buf, n, NULL, &certs, &count));
    CHECK(count == 1);
    ltls_cert_list_free(certs, count, NULL);

    static const char none[] = "no PEM here\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    CHECK_ERR(ltls_cert_list_parse((const uint8_t *)none, sizeof(none) - 1, NULL, &certs, &count),
              LTLS_R_CERT_NONE_FOUND);
    CHECK(certs == NULL && count == 0);
    static const char badb64[] = "-----BEGIN CERTIFICATE-----\nMII!\n-----END CERTIFICATE-----\n";
    CHECK_ERR(ltls_cert_list_parse((const uint8_t *)badb64, sizeof(badb64) - 1, NULL, &certs, &count),
              LTLS_R_PEM_INVALID);
    static const char unclosed[] = "-----BEGIN CERTIFICATE-----\nAAAA\n";
    CHECK_ERR(ltls_cert_list_parse((const uint8_t *)unclosed, sizeof(unclosed) - 1, NULL, &certs,
                                   &count),
              LTLS_R_PEM_INVALID);
    /* A well-formed PEM block holding a malformed certificate. */
    static const char junk[] = "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n";
    CHECK_ERR(ltls_cert_list_parse((const uint8_t *)junk, sizeof(junk) - 1, NULL, &certs, &count),
              LTLS_R_CERT_MALFORMED);
    CHECK_ERR(ltls_cert_list_parse(NULL, 3, NULL, &certs, &count), LTLS_R_NULL_ARGUMENT);
    /* A damaged DER certificate is malformed, not "no certificate". */
    n = load("leaf.der");
    CHECK_ERR(ltls_cert_list_parse(file_buf, n - 1, NULL, &certs, &count), LTLS_R_CERT_MALFORMED);
    file_buf[n] = 0;
    CHECK_ERR(ltls_cert_list_parse(file_buf, n + 1, NULL, &certs, &count), LTLS_R_CERT_MALFORMED);
}

/* Counting allocator: every allocation is freed. */
static size_t live;
static void *count_alloc(void *u, size_t n)
{
    (void)u;
    live += n;
    return calloc(1, n);
}
static void count_free(void *u, void *p, size_t n)
{
    (void)u;
    live -= n;
    free(p);
}

TEST(allocator_is_used)
{
    ltls_allocator_t a = {count_alloc, count_free, NULL};
    ltls_cert_t **certs;
    size_t count, n = load("chain.pem");
    CHECK_OK(ltls_cert_list_parse(file_buf, n, &a, &certs, &count));
    CHECK(live > 0);
    ltls_cert_list_free(certs, count, &a);
    CHECK(live == 0);
    ltls_cert_t *c;
    n = load("leaf.der");
    CHECK_OK(ltls_cert_parse(file_buf, n, &a, &c));
    CHECK(live == sizeof(*c) + n);
    ltls_cert_free(c);
    CHECK(live == 0);
    /* A failed parse frees what it took. */
    CHECK_ERR(ltls_cert_parse(file_buf, n - 1, &a, &c), LTLS_R_CERT_MALFORMED);
    CHECK(live == 0);
}

TEST(decode_cost)
{
    size_t n = load("leaf.der");
    static uint8_t der[4096];
    memcpy(der, file_buf, n);
    enum { N = 20000 };
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < N; i++) {
        ltls_cert_t *c;
        CHECK_OK(ltls_cert_parse(der, n, NULL, &c));
        ltls_cert_free(c);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double us = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / 1e3 / N;
    printf("# decoding a %zu-byte leaf: %.2f us\n", n, us);
}

int main(void)
{
    RUN(rsa_pkcs1);
    RUN(rsa_pss);
    RUN(ecdsa);
    RUN(eddsa);
    RUN(weak_and_unsupported_decode);
    RUN(versions);
    RUN(extensions);
    RUN(policy_is_left_to_validation);
    RUN(structural_rejections);
    RUN(der_rejections);
    RUN(rfc4514_names);
    RUN(name_prefix_and_equality);
    RUN(accessors_and_times);
    RUN(lists);
    RUN(allocator_is_used);
    RUN(decode_cost);
    return test_done();
}
