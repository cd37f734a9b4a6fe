/*
 * tests/unit/test_certwrite.c - the certificate builder: certificates made
 * with generated keys of every type decode back with the fields that were
 * asked for, chain through ltls_x509_verify, and satisfy OpenSSL's own
 * parser and verifier (`openssl x509 -text`, `openssl verify`) when the
 * openssl command is installed.
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto/keyfile/keyfile.h"
#include "lucidtls/lucidtls.h"
#include "test.h"
#include "test_provider.h"
#include "x509/cert.h"
#include "x509/certwrite.h"

static ltls_provider_t *prov;
static int64_t now_;

static ltls_certwrite_spec_t ca_spec(void)
{
    ltls_certwrite_spec_t s;
    memset(&s, 0, sizeof s);
    s.common_name = "lucidtls test CA";
    s.organization = "lucidtls";
    s.not_before = now_ - 3600;
    s.not_after = now_ + 86400;
    s.is_ca = 1;
    s.path_len = 0;
    return s;
}

static const char *const localhost[] = {"localhost", "www.example.test"};
static const ltls_certwrite_ip_t loopback[] = {
    {4, {127, 0, 0, 1}},
    {16, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
};

static ltls_certwrite_spec_t leaf_spec(void)
{
    ltls_certwrite_spec_t s;
    memset(&s, 0, sizeof s);
    s.common_name = "localhost";
    s.not_before = now_ - 3600;
    s.not_after = now_ + 3600;
    s.path_len = -1;
    s.eku = LTLS_X509_EKU_SERVER_AUTH | LTLS_X509_EKU_CLIENT_AUTH;
    s.dns_names = localhost;
    s.dns_count = 2;
    s.ips = loopback;
    s.ip_count = 2;
    return s;
}

static ltls_err_t verify(const ltls_certwrite_issued_t *leaf, const ltls_certwrite_issued_t *ca,
                         const char *host, ltls_purpose_t purpose, ltls_verify_result_t *res)
{
    ltls_trust_store_t *store = NULL;
    ltls_err_t err = ltls_trust_store_new(NULL, &store);
    if (!err)
        err = ltls_trust_store_add(store, ca->der, ca->len, NULL);
    if (!err) {
        const ltls_cert_t *peer[1] = {leaf->cert};
        ltls_verify_params_t p;
        memset(&p, 0, sizeof p);
        p.provider = prov;
        p.trust = store;
        p.peer = peer;
        p.peer_count = 1;
        p.host = host;
        p.purpose = purpose;
        p.now = now_;
        err = ltls_x509_verify(&p, res);
    }
    ltls_trust_store_unref(store);
    return err;
}

/* ---------------------------------------------------------------------------
 * Decoding back what was written
 * ------------------------------------------------------------------------- */

TEST(ca_and_leaf_fields)
{
    ltls_certwrite_issued_t ca, leaf;
    ltls_certwrite_spec_t cs = ca_spec(), ls = leaf_spec();
    CHECK_OK(ltls_certwrite_issue(prov, LTLS_KEY_EC, 0x0017, &cs, NULL, &ca));
    CHECK_OK(ltls_certwrite_issue(prov, LTLS_KEY_EC, 0x0017, &ls, &ca, &leaf));

    char buf[256];
    ltls_cert_subject(ca.cert, buf, sizeof buf);
    CHECK(strcmp(buf, "CN=lucidtls test CA, O=lucidtls") == 0);
    ltls_cert_issuer(ca.cert, buf, sizeof buf);
    CHECK(strcmp(buf, "CN=lucidtls test CA, O=lucidtls") == 0);
    ltls_cert_subject(leaf.cert, buf, sizeof buf);
    CHECK(strcmp(buf, "CN=localhost") == 0);
    ltls_cert_issuer(leaf.cert, buf, sizeof buf);
    CHECK(strcmp(buf, "CN=lucidtls test CA, O=lucidtls") == 0);

    CHECK(ca.cert->version == 3 && leaf.cert->version == 3);
    CHECK(ca.cert->is_ca && ca.cert->path_len == 0);
    CHECK(!leaf.cert->is_ca && leaf.cert->path_len == -1);
    CHECK(ca.cert->key_usage == (LTLS_X509_KU_DIGITAL_SIGNATURE | LTLS_X509_KU_KEY_CERT_SIGN |
                                 LTLS_X509_KU_CRL_SIGN));
    CHECK(leaf.cert->key_usage == LTLS_X509_KU_DIGITAL_SIGNATURE);
    CHECK((ca.cert->ext_critical & (LTLS_X509_EXT_BASIC_CONSTRAINTS | LTLS_X509_EXT_KEY_USAGE)) ==
          (LTLS_X509_EXT_BASIC_CONSTRAINTS | LTLS_X509_EXT_KEY_USAGE));
    CHECK(!(ca.cert->ext_present & LTLS_X509_EXT_EXT_KEY_USAGE));
    CHECK(leaf.cert->eku == (LTLS_X509_EKU_SERVER_AUTH | LTLS_X509_EKU_CLIENT_AUTH));
    CHECK(leaf.cert->sig_alg == LTLS_X509_SIG_ECDSA_SHA256);
    CHECK(ltls_cert_not_before(leaf.cert) == now_ - 3600);
    CHECK(ltls_cert_not_after(leaf.cert) == now_ + 3600);
    CHECK(ca.cert->self_issued && !leaf.cert->self_issued);

    /* The leaf's AKI is the CA's SKI; the CA's is its own. */
    CHECK(ca.cert->ski.len == 20 && leaf.cert->aki_key_id.len == 20);
    CHECK_MEM(leaf.cert->aki_key_id.p, ca.cert->ski.p, 20);
    CHECK_MEM(ca.cert->aki_key_id.p, ca.cert->ski.p, 20);

    /* Random serials: positive, 16 octets, different. */
    CHECK(leaf.cert->serial.len == 16 && !(leaf.cert->serial.p[0] & 0x80));
    CHECK(memcmp(leaf.cert->serial.p, ca.cert->serial.p, 16) != 0);

    CHECK(ltls_x509_match_host(leaf.cert, "localhost"));
    CHECK(ltls_x509_match_host(leaf.cert, "www.example.test"));
    CHECK(ltls_x509_match_host(leaf.cert, "127.0.0.1"));
    CHECK(ltls_x509_match_host(leaf.cert, "::1"));
    CHECK(!ltls_x509_match_host(leaf.cert, "example.test"));
    CHECK(!ltls_x509_match_host(leaf.cert, "127.0.0.2"));

    /* The leaf's public key is the generated key's. */
    uint8_t kb[LTLS_PUBKEY_EXPORT_MAX];
    ltls_pubkey_info_t ki;
    CHECK_OK(ltls_key_public_info(leaf.key, &ki, kb, sizeof kb));
    CHECK(leaf.cert->key.type == LTLS_KEY_EC && leaf.cert->key.curve == 0x0017);
    CHECK(leaf.cert->key.point_size == 65 && ki.point_size == 65);
    CHECK_MEM(leaf.cert->key.point, ki.point, 65);
    ltls_certwrite_issued_free(&leaf);
    ltls_certwrite_issued_free(&ca);
}

TEST(chain_verifies)
{
    ltls_certwrite_issued_t ca, leaf;
    ltls_certwrite_spec_t cs = ca_spec(), ls = leaf_spec();
    CHECK_OK(ltls_certwrite_issue(prov, LTLS_KEY_EC, 0x0017, &cs, NULL, &ca));
    CHECK_OK(ltls_certwrite_issue(prov, LTLS_KEY_EC, 0x0017, &ls, &ca, &leaf));
    ltls_verify_result_t res;
    CHECK_OK(verify(&leaf, &ca, "localhost", LTLS_PURPOSE_SERVER_AUTH, &res));
    CHECK(res.path_len == 2);
    CHECK_OK(verify(&leaf, &ca, "127.0.0.1", LTLS_PURPOSE_SERVER_AUTH, &res));
    CHECK_OK(verify(&leaf, &ca, NULL, LTLS_PURPOSE_CLIENT_AUTH, &res));
    CHECK_ERR(verify(&leaf, &ca, "example.org", LTLS_PURPOSE_SERVER_AUTH, &res),
              LTLS_R_CERT_NAME_MISMATCH);
    ltls_certwrite_issued_free(&leaf);
    ltls_certwrite_issued_free(&ca);
}

/* Every key type as issuer and as subject: the signature algorithm follows
 * the issuer's key and verifies. */
TEST(every_key_type)
{
    static const struct {
        ltls_key_type_t type;
        uint16_t curve;
        ltls_x509_sigalg_t alg;
    } kinds[] = {
        {LTLS_KEY_EC, 0x0017, LTLS_X509_SIG_ECDSA_SHA256},
        {LTLS_KEY_EC, 0x0018, LTLS_X509_SIG_ECDSA_SHA384},
        {LTLS_KEY_EC, 0x0019, LTLS_X509_SIG_ECDSA_SHA512},
        {LTLS_KEY_ED25519, 0, LTLS_X509_SIG_ED25519},
        {LTLS_KEY_ED448, 0, LTLS_X509_SIG_ED448},
        {LTLS_KEY_RSA, 0, LTLS_X509_SIG_RSA_PSS_SHA256},
    };
    size_t n = sizeof kinds / sizeof kinds[0];
    for (size_t i = 0; i < n; i++) {
        if (!ltls_provider_has_sigscheme(prov, &ltls_sig_ed448) && kinds[i].type == LTLS_KEY_ED448)
            continue;
        ltls_certwrite_issued_t ca, leaf;
        ltls_certwrite_spec_t cs = ca_spec(), ls = leaf_spec();
        CHECK_OK(ltls_certwrite_issue(prov, kinds[i].type, kinds[i].curve, &cs, NULL, &ca));
        CHECK(ca.cert->sig_alg == kinds[i].alg);
        size_t j = (i + 1) % n; /* a subject key of another type */
        CHECK_OK(ltls_certwrite_issue(prov, kinds[j].type, kinds[j].curve, &ls, &ca, &leaf));
        CHECK(leaf.cert->sig_alg == kinds[i].alg);
        CHECK(leaf.cert->key.type == kinds[j].type);
        ltls_verify_result_t res;
        ltls_err_t err = verify(&leaf, &ca, "localhost", LTLS_PURPOSE_SERVER_AUTH, &res);
        if (err)
            printf("# %zu: %s\n", i, res.detail);
        CHECK_OK(err);
        ltls_certwrite_issued_free(&leaf);
        ltls_certwrite_issued_free(&ca);
    }
}

/* Long forms of DER lengths (one and two octets after 0x8n; certificates
 * stay below LTLS_X509_MAX_CERT_SIZE) and the two time encodings. */
TEST(large_and_far_future)
{
    enum { N = 2000 };
    static char names[N][24];
    static const char *ptrs[N];
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "host%05d.example.test", i);
        ptrs[i] = names[i];
    }
    ltls_certwrite_issued_t ca;
    ltls_certwrite_spec_t cs = ca_spec();
    cs.not_before = -631152000;  /* 1950-01-01: UTCTime's first year */
    cs.not_after = 4102444800;   /* 2100-01-01: GeneralizedTime */
    cs.dns_names = ptrs;
    cs.dns_count = N;
    CHECK_OK(ltls_certwrite_issue(prov, LTLS_KEY_ED25519, 0, &cs, NULL, &ca));
    CHECK(ca.len > 40000 && ca.len < LTLS_X509_MAX_CERT_SIZE);
    CHECK(ltls_cert_not_before(ca.cert) == -631152000);
    CHECK(ltls_cert_not_after(ca.cert) == 4102444800);
    CHECK(ltls_x509_match_host(ca.cert, "host01999.example.test"));
    ltls_certwrite_issued_free(&ca);

    /* 1949 and 2049/2050 on either side of the UTCTime window. */
    static const int64_t times[] = {-631152001, 2524607999, 2524608000, 253402300799};
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        cs = ca_spec();
        cs.not_after = times[i];
        CHECK_OK(ltls_certwrite_issue(prov, LTLS_KEY_EC, 0x0017, &cs, NULL, &ca));
        CHECK(ltls_cert_not_after(ca.cert) == times[i]);
        ltls_certwrite_issued_free(&ca);
    }
}

TEST(bad_arguments)
{
    ltls_certwrite_issued_t ca, other;
    ltls_certwrite_spec_t cs = ca_spec(), ls = leaf_spec();
    CHECK_OK(ltls_certwrite_issue(prov, LTLS_KEY_EC, 0x0017, &cs, NULL, &ca));
    CHECK_OK(ltls_key_generate(prov, LTLS_KEY_EC, 0x0017, 0, &other.key));
    uint8_t *der = NULL;
    size_t len = 0;
    /* Signed with a key that is not the issuer's. */
    CHECK_ERR(ltls_certwrite(&ls, other.key, ca.cert, other.key, NULL, &der, &len),
              LTLS_R_BAD_ARGUMENT);
    CHECK_ERR(ltls_certwrite(&ls, other.key, ca.cert, NULL, NULL, &der, &len), LTLS_R_BAD_ARGUMENT);
    static const uint8_t zero[2] = {0, 0};
    ls.serial = zero;
    ls.serial_len = 2;
    CHECK_ERR(ltls_certwrite(&ls, other.key, NULL, NULL, NULL, &der, &len), LTLS_R_BAD_ARGUMENT);
    ls = leaf_spec();
    ls.path_len = 1;
    CHECK_ERR(ltls_certwrite(&ls, other.key, NULL, NULL, NULL, &der, &len), LTLS_R_BAD_ARGUMENT);
    ls = leaf_spec();
    ls.not_after = 253402300800; /* year 10000 */
    CHECK_ERR(ltls_certwrite(&ls, other.key, NULL, NULL, NULL, &der, &len), LTLS_R_BAD_ARGUMENT);
    ls = leaf_spec();
    ls.common_name = NULL;
    ls.dns_count = 0;
    ls.ip_count = 0;
    CHECK_ERR(ltls_certwrite(&ls, other.key, NULL, NULL, NULL, &der, &len), LTLS_R_BAD_ARGUMENT);
    CHECK_ERR(ltls_certwrite(NULL, other.key, NULL, NULL, NULL, &der, &len), LTLS_R_NULL_ARGUMENT);
    CHECK(der == NULL);
    /* Explicit serial, and an empty subject with a (then critical) SAN. */
    static const uint8_t serial[1] = {0x80};
    ls = leaf_spec();
    ls.serial = serial;
    ls.serial_len = 1;
    ls.common_name = NULL;
    CHECK_OK(ltls_certwrite(&ls, other.key, ca.cert, ca.key, NULL, &der, &len));
    CHECK_OK(ltls_cert_parse(der, len, NULL, &other.cert));
    CHECK(other.cert->serial.len == 2 && other.cert->serial.p[0] == 0 &&
          other.cert->serial.p[1] == 0x80);
    CHECK(other.cert->ext_critical & LTLS_X509_EXT_SAN);
    other.der = der;
    other.len = len;
    ltls_certwrite_issued_free(&other);
    ltls_certwrite_issued_free(&ca);
}

TEST(key_generate_errors)
{
    ltls_key_t *k = (ltls_key_t *)1;
    CHECK_ERR(ltls_key_generate(prov, LTLS_KEY_EC, 0x001d, 0, &k), LTLS_R_UNSUPPORTED_ALGORITHM);
    CHECK(k == NULL);
    CHECK_ERR(ltls_key_generate(prov, LTLS_KEY_RSA, 0, 1024, &k), LTLS_R_UNSUPPORTED_ALGORITHM);
    CHECK_ERR(ltls_key_generate(prov, LTLS_KEY_NONE, 0, 0, &k), LTLS_R_UNSUPPORTED_ALGORITHM);
    CHECK_ERR(ltls_key_generate(NULL, LTLS_KEY_EC, 0x0017, 0, &k), LTLS_R_NULL_ARGUMENT);
    CHECK_OK(ltls_key_generate(prov, LTLS_KEY_EC, 0x0018, 0, &k));
    CHECK(ltls_key_type(k) == LTLS_KEY_EC && ltls_key_curve(k) == 0x0018);
    ltls_key_free(k);
}

/* ---------------------------------------------------------------------------
 * OpenSSL's view
 * ------------------------------------------------------------------------- */

static int write_file(const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    int ok = fwrite(p, 1, n, f) == n;
    return fclose(f) == 0 && ok;
}

static int run(const char *cmd)
{
    int rc = system(cmd);
    if (rc != 0)
        printf("# command failed (%d): %s\n", rc, cmd);
    return rc == 0;
}

TEST(openssl_accepts)
{
    if (system("command -v openssl >/dev/null 2>&1") != 0) {
        printf("# openssl not installed: skipped\n");
        return;
    }
    char dir[] = "/tmp/ltls-certwrite-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char cmd[1024], ca_path[64], leaf_path[64];
    snprintf(ca_path, sizeof ca_path, "%s/ca.der", dir);
    snprintf(leaf_path, sizeof leaf_path, "%s/leaf.der", dir);

    static const ltls_key_type_t types[] = {LTLS_KEY_EC, LTLS_KEY_RSA, LTLS_KEY_ED25519};
    int all_ok = 1;
    for (size_t i = 0; i < 3; i++) {
        ltls_certwrite_issued_t ca, leaf;
        ltls_certwrite_spec_t cs = ca_spec(), ls = leaf_spec();
        uint16_t curve = types[i] == LTLS_KEY_EC ? 0x0017 : 0;
        CHECK_OK(ltls_certwrite_issue(prov, types[i], curve, &cs, NULL, &ca));
        CHECK_OK(ltls_certwrite_issue(prov, LTLS_KEY_EC, 0x0017, &ls, &ca, &leaf));
        CHECK(write_file(ca_path, ca.der, ca.len) && write_file(leaf_path, leaf.der, leaf.len));
        snprintf(cmd, sizeof cmd,
                 "cd %s && openssl x509 -inform DER -in ca.der -out ca.pem && "
                 "openssl x509 -inform DER -in leaf.der -out leaf.pem && "
                 "openssl x509 -in leaf.pem -noout -text > leaf.txt && "
                 "grep -q 'DNS:localhost, DNS:www.example.test, IP Address:127.0.0.1, "
                 "IP Address:0:0:0:0:0:0:0:1' leaf.txt && "
                 "grep -q 'TLS Web Server Authentication, TLS Web Client Authentication' "
                 "leaf.txt && "
                 "openssl x509 -in ca.pem -noout -text | grep -q 'CA:TRUE, pathlen:0' && "
                 "openssl verify -x509_strict -purpose sslserver -verify_hostname localhost "
                 "-verify_ip 127.0.0.1 -CAfile ca.pem leaf.pem >/dev/null",
                 dir);
        if (!run(cmd))
            all_ok = 0;
        ltls_certwrite_issued_free(&leaf);
        ltls_certwrite_issued_free(&ca);
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    (void)system(cmd);
    CHECK(all_ok);
}

int main(void)
{
    if (ltls_provider_new(test_provider_name(), NULL, &prov) != LTLS_OK) {
        printf("1..0 # SKIP no provider\n");
        return 0;
    }
    now_ = (int64_t)time(NULL);
    RUN(ca_and_leaf_fields);
    RUN(chain_verifies);
    RUN(every_key_type);
    RUN(large_and_far_future);
    RUN(bad_arguments);
    RUN(key_generate_errors);
    RUN(openssl_accepts);
    ltls_provider_free(prov);
    return test_done();
}
