/*
 * tests/unit/test_certwrite_nc.c - nameConstraints in the certificate
 * builder (src/x509/certwrite.c): what is written decodes back through
 * ltls_cert_parse as the same subtrees, in order, with the criticality
 * asked for; path validation (ltls_x509_verify) enforces them (RFC 5280
 * §4.2.1.10): permitted and excluded dNSName, iPAddress (IPv4 and IPv6),
 * directoryName against the subject, constraints on an intermediate, forms
 * the leaf does not use; and the builder refuses what it cannot encode.
 * When the openssl command is installed, its parser reads the extension
 * back too.
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"
#include "lucidtls/lucidtls.h"
#include "test.h"
#include "test_provider.h"
#include "x509/cert.h"
#include "x509/certwrite.h"

static ltls_provider_t *prov;
static int64_t now_;

/* ---------------------------------------------------------------------------
 * DER Names for directoryName constraints and subjects
 * ------------------------------------------------------------------------- */

/* A Name of single-attribute RDNs, each "O=...", "OU=..." or "CN=..."
 * (UTF8String values), in the order given (most significant first). The
 * values here are short, so every length is short-form. */
static size_t name_der(uint8_t *out, const char *const *rdns, size_t n)
{
    static const struct {
        const char *key;
        uint8_t oid;
    } types[] = {{"CN=", 0x03}, {"OU=", 0x0b}, {"O=", 0x0a}};
    uint8_t body[1024];
    size_t b = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t oid = 0;
        const char *v = NULL;
        for (size_t t = 0; t < 3 && !v; t++)
            if (strncmp(rdns[i], types[t].key, strlen(types[t].key)) == 0)
                oid = types[t].oid, v = rdns[i] + strlen(types[t].key);
        if (!v)
            abort();
        size_t vl = strlen(v);
        if (vl > 100)
            abort();
        body[b++] = 0x31, body[b++] = (uint8_t)(9 + vl);              /* SET */
        body[b++] = 0x30, body[b++] = (uint8_t)(7 + vl);              /* SEQUENCE */
        body[b++] = 0x06, body[b++] = 3, body[b++] = 0x55, body[b++] = 0x04, body[b++] = oid;
        body[b++] = 0x0c, body[b++] = (uint8_t)vl;                    /* UTF8String */
        memcpy(body + b, v, vl);
        b += vl;
    }
    if (b > 127)
        abort();
    out[0] = 0x30;
    out[1] = (uint8_t)b;
    memcpy(out + 2, body, b);
    return b + 2;
}

/* ---------------------------------------------------------------------------
 * Certificates
 * ------------------------------------------------------------------------- */

/* Ed25519 keys: the fastest to generate and sign with, on both providers. */
static ltls_err_t make(ltls_certwrite_issued_t *m, const ltls_certwrite_spec_t *spec,
                       const ltls_certwrite_issued_t *issuer)
{
    return ltls_certwrite_issue(prov, LTLS_KEY_ED25519, 0, spec, issuer, m);
}

static ltls_certwrite_spec_t ca_spec(const char *cn)
{
    ltls_certwrite_spec_t s;
    memset(&s, 0, sizeof s);
    s.common_name = cn;
    s.organization = "lucidtls";
    s.not_before = now_ - 3600;
    s.not_after = now_ + 86400;
    s.is_ca = 1;
    s.path_len = -1;
    s.nc_critical = 1;
    return s;
}

/* A server leaf for one DNS name or one IP address (CN left out, so that
 * the CA/B rule on commonName plays no part). */
static ltls_certwrite_spec_t leaf_spec(const char *const *dns, const ltls_certwrite_ip_t *ip)
{
    ltls_certwrite_spec_t s;
    memset(&s, 0, sizeof s);
    s.organization = "lucidtls";
    s.not_before = now_ - 3600;
    s.not_after = now_ + 3600;
    s.path_len = -1;
    s.eku = LTLS_X509_EKU_SERVER_AUTH;
    s.dns_names = dns;
    s.dns_count = dns ? 1 : 0;
    s.ips = ip;
    s.ip_count = ip ? 1 : 0;
    return s;
}

/* Verifies leaf (and the intermediates, leaf first) against root for
 * serverAuth and host; *detail receives the sentence on failure. */
static ltls_err_t verify_path(const ltls_certwrite_issued_t *root,
                              const ltls_certwrite_issued_t *const *chain, size_t n,
                              const char *host, ltls_verify_result_t *res)
{
    ltls_trust_store_t *store = NULL;
    ltls_err_t err = ltls_trust_store_new(NULL, &store);
    if (!err)
        err = ltls_trust_store_add(store, root->der, root->len, NULL);
    if (!err) {
        const ltls_cert_t *peer[8];
        for (size_t i = 0; i < n; i++)
            peer[i] = chain[i]->cert;
        ltls_verify_params_t p;
        memset(&p, 0, sizeof p);
        p.provider = prov;
        p.trust = store;
        p.peer = peer;
        p.peer_count = n;
        p.host = host;
        p.purpose = LTLS_PURPOSE_SERVER_AUTH;
        p.now = now_;
        err = ltls_x509_verify(&p, res);
        if (err)
            printf("# %s: %s\n", host ? host : "(no host)", res->detail);
    }
    ltls_trust_store_unref(store);
    return err;
}

/* A leaf for one DNS name or IP under root, verified for host. */
static ltls_err_t leaf_under(const ltls_certwrite_issued_t *root, const char *dns,
                             const ltls_certwrite_ip_t *ip, const char *host)
{
    const char *const names[1] = {dns};
    ltls_certwrite_spec_t ls = leaf_spec(dns ? names : NULL, ip);
    ltls_certwrite_issued_t leaf;
    ltls_err_t err = make(&leaf, &ls, root);
    if (!err) {
        ltls_verify_result_t res;
        const ltls_certwrite_issued_t *chain[1] = {&leaf};
        err = verify_path(root, chain, 1, host, &res);
    }
    ltls_certwrite_issued_free(&leaf);
    return err;
}

#define SUB(t, lit) {(t), (const uint8_t *)(lit), sizeof(lit) - 1}

/* ---------------------------------------------------------------------------
 * Round trip: written, parsed, the same subtrees
 * ------------------------------------------------------------------------- */

/* Walks a parsed GeneralSubtrees body and compares it with want[0..n). */
static int same_subtrees(ltls_x509_span_t body, const ltls_certwrite_subtree_t *want, size_t n)
{
    ltls_x509_gn_iter_t it;
    unsigned tag;
    ltls_x509_span_t v;
    size_t i = 0;
    ltls_x509_gn_iter_init(&it, body);
    while (ltls_x509_subtree_next(&it, &tag, &v)) {
        if (i == n || tag != want[i].type || v.len != want[i].len ||
            (v.len && memcmp(v.p, want[i].value, v.len) != 0)) {
            printf("# subtree %zu differs (form %u, %zu bytes)\n", i, tag, v.len);
            return 0;
        }
        i++;
    }
    return i == n;
}

static uint8_t dn_lucid[64], dn_blocked[96];
static size_t dn_lucid_len, dn_blocked_len;

static void make_names(void)
{
    static const char *const lucid[] = {"O=lucidtls"};
    static const char *const blocked[] = {"O=lucidtls", "OU=blocked"};
    dn_lucid_len = name_der(dn_lucid, lucid, 1);
    dn_blocked_len = name_der(dn_blocked, blocked, 2);
}

TEST(round_trip_every_form)
{
    const ltls_certwrite_subtree_t permitted[] = {
        SUB(LTLS_X509_GN_DNS, "example.test"),
        SUB(LTLS_X509_GN_IP, "\xc0\x00\x02\x00\xff\xff\xff\x00"), /* 192.0.2.0/24 */
        SUB(LTLS_X509_GN_IP, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\0"
                             "\xff\xff\xff\xff\0\0\0\0\0\0\0\0\0\0\0\0"), /* 2001:db8::/32 */
        SUB(LTLS_X509_GN_RFC822, ".example.test"),
        SUB(LTLS_X509_GN_URI, ".example.test"),
        {LTLS_X509_GN_DIRECTORY, dn_lucid, dn_lucid_len},
        SUB(LTLS_X509_GN_DNS, ""), /* the empty name: every DNS name */
    };
    const ltls_certwrite_subtree_t excluded[] = {
        SUB(LTLS_X509_GN_DNS, "bad.example.test"),
        SUB(LTLS_X509_GN_IP, "\xc0\x00\x02\x80\xff\xff\xff\x80"), /* 192.0.2.128/25 */
        SUB(LTLS_X509_GN_RFC822, "root@example.test"),
        {LTLS_X509_GN_DIRECTORY, dn_blocked, dn_blocked_len},
    };
    const size_t np = sizeof permitted / sizeof permitted[0];
    const size_t ne = sizeof excluded / sizeof excluded[0];
    for (int critical = 0; critical < 2; critical++) {
        /* both lists, then each alone */
        for (int lists = 3; lists >= 1; lists--) {
            ltls_certwrite_spec_t cs = ca_spec("nc round trip");
            cs.nc_critical = critical;
            if (lists & 1)
                cs.nc_permitted = permitted, cs.nc_permitted_count = np;
            if (lists & 2)
                cs.nc_excluded = excluded, cs.nc_excluded_count = ne;
            ltls_certwrite_issued_t ca;
            CHECK_OK(make(&ca, &cs, NULL));
            const ltls_cert_t *c = ca.cert;
            CHECK(c->ext_present & LTLS_X509_EXT_NAME_CONSTRAINTS);
            CHECK(!!(c->ext_critical & LTLS_X509_EXT_NAME_CONSTRAINTS) == critical);
            CHECK(same_subtrees(c->nc_permitted, permitted, (lists & 1) ? np : 0));
            CHECK(same_subtrees(c->nc_excluded, excluded, (lists & 2) ? ne : 0));
            uint16_t forms = 0;
            if (lists & 1)
                forms |= 1u << LTLS_X509_GN_DNS | 1u << LTLS_X509_GN_IP |
                         1u << LTLS_X509_GN_RFC822 | 1u << LTLS_X509_GN_URI |
                         1u << LTLS_X509_GN_DIRECTORY;
            if (lists & 2)
                forms |= 1u << LTLS_X509_GN_DNS | 1u << LTLS_X509_GN_IP |
                         1u << LTLS_X509_GN_RFC822 | 1u << LTLS_X509_GN_DIRECTORY;
            CHECK(c->nc_forms == forms);
            ltls_certwrite_issued_free(&ca);
        }
    }
    /* Without subtrees there is no extension. */
    ltls_certwrite_spec_t cs = ca_spec("no nc");
    ltls_certwrite_issued_t ca;
    CHECK_OK(make(&ca, &cs, NULL));
    CHECK(!(ca.cert->ext_present & LTLS_X509_EXT_NAME_CONSTRAINTS));
    CHECK(ca.cert->nc_permitted.len == 0 && ca.cert->nc_excluded.len == 0);
    ltls_certwrite_issued_free(&ca);
}

/* Hundreds of subtrees and a long directoryName: the long forms of DER
 * lengths inside the extension. */
TEST(round_trip_large)
{
    enum { N = 600 };
    static char names[N][32];
    static ltls_certwrite_subtree_t st[N + 1];
    for (int i = 0; i < N; i++) {
        int n = snprintf(names[i], sizeof names[i], "host%04d.example.test", i);
        st[i].type = LTLS_X509_GN_DNS;
        st[i].value = (const uint8_t *)names[i];
        st[i].len = (size_t)n;
    }
    /* A Name of 40 RDNs (about 600 octets: a two-octet length), built by
     * hand since name_der is for short Names. */
    static uint8_t dn[2048];
    size_t b = 4;
    for (int i = 0; i < 40; i++) {
        char v[8];
        int vl = snprintf(v, sizeof v, "u%02d", i);
        dn[b++] = 0x31, dn[b++] = (uint8_t)(9 + vl), dn[b++] = 0x30, dn[b++] = (uint8_t)(7 + vl);
        dn[b++] = 0x06, dn[b++] = 3, dn[b++] = 0x55, dn[b++] = 0x04, dn[b++] = 0x0b;
        dn[b++] = 0x0c, dn[b++] = (uint8_t)vl;
        memcpy(dn + b, v, (size_t)vl);
        b += (size_t)vl;
    }
    size_t body = b - 4;
    dn[0] = 0x30, dn[1] = 0x82, dn[2] = (uint8_t)(body >> 8), dn[3] = (uint8_t)body;
    st[N].type = LTLS_X509_GN_DIRECTORY;
    st[N].value = dn;
    st[N].len = b;
    ltls_certwrite_spec_t cs = ca_spec("nc large");
    cs.nc_permitted = st;
    cs.nc_permitted_count = N + 1;
    cs.nc_excluded = st + N / 2;
    cs.nc_excluded_count = N / 2 + 1;
    ltls_certwrite_issued_t ca;
    CHECK_OK(make(&ca, &cs, NULL));
    printf("# %d + %d subtrees: a certificate of %zu bytes\n", N + 1, N / 2 + 1, ca.len);
    CHECK(ca.len > 20000);
    CHECK(same_subtrees(ca.cert->nc_permitted, st, N + 1));
    CHECK(same_subtrees(ca.cert->nc_excluded, st + N / 2, N / 2 + 1));
    ltls_certwrite_issued_free(&ca);
}

/* ---------------------------------------------------------------------------
 * Enforcement by path validation
 * ------------------------------------------------------------------------- */

TEST(permitted_dns)
{
    const ltls_certwrite_subtree_t p[] = {SUB(LTLS_X509_GN_DNS, "example.test")};
    ltls_certwrite_spec_t cs = ca_spec("permits example.test");
    cs.nc_permitted = p;
    cs.nc_permitted_count = 1;
    ltls_certwrite_issued_t ca;
    CHECK_OK(make(&ca, &cs, NULL));
    CHECK_OK(leaf_under(&ca, "www.example.test", NULL, "www.example.test"));
    CHECK_OK(leaf_under(&ca, "example.test", NULL, "example.test"));
    CHECK_OK(leaf_under(&ca, "*.example.test", NULL, "a.example.test"));
    CHECK_ERR(leaf_under(&ca, "www.other.test", NULL, "www.other.test"),
              LTLS_R_CERT_NAME_CONSTRAINTS);
    /* a suffix of a label is not a subtree */
    CHECK_ERR(leaf_under(&ca, "badexample.test", NULL, "badexample.test"),
              LTLS_R_CERT_NAME_CONSTRAINTS);
    /* no DNS constraint on IP addresses: the form is not constrained */
    const ltls_certwrite_ip_t ip = {4, {198, 51, 100, 7}};
    CHECK_OK(leaf_under(&ca, NULL, &ip, "198.51.100.7"));
    ltls_certwrite_issued_free(&ca);
}

TEST(excluded_dns)
{
    const ltls_certwrite_subtree_t e[] = {SUB(LTLS_X509_GN_DNS, "bad.example.test")};
    ltls_certwrite_spec_t cs = ca_spec("excludes bad.example.test");
    cs.nc_excluded = e;
    cs.nc_excluded_count = 1;
    ltls_certwrite_issued_t ca;
    CHECK_OK(make(&ca, &cs, NULL));
    CHECK_OK(leaf_under(&ca, "good.example.test", NULL, "good.example.test"));
    CHECK_ERR(leaf_under(&ca, "bad.example.test", NULL, "bad.example.test"),
              LTLS_R_CERT_NAME_CONSTRAINTS);
    CHECK_ERR(leaf_under(&ca, "www.bad.example.test", NULL, "www.bad.example.test"),
              LTLS_R_CERT_NAME_CONSTRAINTS);
    /* a wildcard that could stand for an excluded name */
    CHECK_ERR(leaf_under(&ca, "*.example.test", NULL, "x.example.test"),
              LTLS_R_CERT_NAME_CONSTRAINTS);
    ltls_certwrite_issued_free(&ca);
}

TEST(ip_constraints)
{
    const ltls_certwrite_subtree_t p[] = {
        SUB(LTLS_X509_GN_IP, "\xc0\x00\x02\x00\xff\xff\xff\x00"),
        SUB(LTLS_X509_GN_IP, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\0"
                             "\xff\xff\xff\xff\0\0\0\0\0\0\0\0\0\0\0\0"),
    };
    const ltls_certwrite_subtree_t e[] = {
        SUB(LTLS_X509_GN_IP, "\xc0\x00\x02\x80\xff\xff\xff\x80"),
    };
    ltls_certwrite_spec_t cs = ca_spec("IP constraints");
    cs.nc_permitted = p;
    cs.nc_permitted_count = 2;
    cs.nc_excluded = e;
    cs.nc_excluded_count = 1;
    ltls_certwrite_issued_t ca;
    CHECK_OK(make(&ca, &cs, NULL));
    const ltls_certwrite_ip_t in4 = {4, {192, 0, 2, 10}}, excl4 = {4, {192, 0, 2, 200}},
                              out4 = {4, {198, 51, 100, 1}},
                              in6 = {16, {0x20, 0x01, 0x0d, 0xb8, [15] = 1}},
                              out6 = {16, {0x20, 0x01, 0x0d, 0xb9, [15] = 1}};
    CHECK_OK(leaf_under(&ca, NULL, &in4, "192.0.2.10"));
    CHECK_ERR(leaf_under(&ca, NULL, &excl4, "192.0.2.200"), LTLS_R_CERT_NAME_CONSTRAINTS);
    CHECK_ERR(leaf_under(&ca, NULL, &out4, "198.51.100.1"), LTLS_R_CERT_NAME_CONSTRAINTS);
    CHECK_OK(leaf_under(&ca, NULL, &in6, "2001:db8::1"));
    CHECK_ERR(leaf_under(&ca, NULL, &out6, "2001:db9::1"), LTLS_R_CERT_NAME_CONSTRAINTS);
    /* DNS names are unconstrained here */
    CHECK_OK(leaf_under(&ca, "anything.test", NULL, "anything.test"));
    ltls_certwrite_issued_free(&ca);

    /* A mask that is not a prefix can be written, and the verifier refuses
     * the CA for it (§4.2.1.10 speaks of address ranges in CIDR form). */
    const ltls_certwrite_subtree_t holes[] = {
        SUB(LTLS_X509_GN_IP, "\xc0\x00\x02\x00\xff\x00\xff\x00"),
    };
    cs = ca_spec("non-contiguous mask");
    cs.nc_permitted = holes;
    cs.nc_permitted_count = 1;
    CHECK_OK(make(&ca, &cs, NULL));
    CHECK_ERR(leaf_under(&ca, NULL, &in4, "192.0.2.10"), LTLS_R_CERT_MALFORMED);
    ltls_certwrite_issued_free(&ca);
}

TEST(directory_name_constraints)
{
    /* The builder writes O before CN, so "O=lucidtls" is a prefix of every
     * subject it makes with that organization. */
    const ltls_certwrite_subtree_t p[] = {{LTLS_X509_GN_DIRECTORY, dn_lucid, dn_lucid_len}};
    const ltls_certwrite_subtree_t e[] = {{LTLS_X509_GN_DIRECTORY, dn_blocked, dn_blocked_len}};
    ltls_certwrite_spec_t cs = ca_spec("directoryName constraints");
    cs.nc_permitted = p;
    cs.nc_permitted_count = 1;
    cs.nc_excluded = e;
    cs.nc_excluded_count = 1;
    ltls_certwrite_issued_t ca;
    CHECK_OK(make(&ca, &cs, NULL));
    CHECK_OK(leaf_under(&ca, "a.example.test", NULL, "a.example.test"));

    static const char *const dns[] = {"b.example.test"};
    static const char *const other[] = {"O=someone else", "CN=b.example.test"};
    static const char *const blocked[] = {"O=lucidtls", "OU=blocked", "CN=b.example.test"};
    static const char *const sibling[] = {"O=lucidtls", "OU=blocked2", "CN=b.example.test"};
    static const char *const *const subjects[] = {other, blocked, sibling};
    static const ltls_reason_t want[] = {LTLS_R_CERT_NAME_CONSTRAINTS,
                                         LTLS_R_CERT_NAME_CONSTRAINTS, LTLS_R_NONE};
    for (size_t i = 0; i < 3; i++) {
        uint8_t dn[128];
        ltls_certwrite_spec_t ls = leaf_spec(dns, NULL);
        ls.organization = NULL;
        ls.subject_der = dn;
        ls.subject_der_len = name_der(dn, subjects[i], i ? 3 : 2);
        ltls_certwrite_issued_t leaf;
        CHECK_OK(make(&leaf, &ls, &ca));
        CHECK(leaf.cert->subject.len == ls.subject_der_len);
        CHECK(memcmp(leaf.cert->subject.p, dn, ls.subject_der_len) == 0);
        const ltls_certwrite_issued_t *chain[1] = {&leaf};
        ltls_verify_result_t res;
        CHECK_ERR(verify_path(&ca, chain, 1, "b.example.test", &res), want[i]);
        ltls_certwrite_issued_free(&leaf);
    }
    ltls_certwrite_issued_free(&ca);
}

/* Constraints of an intermediate apply below it, and those of the root
 * to the intermediate's subject and to the leaf. */
TEST(constraints_on_an_intermediate)
{
    const ltls_certwrite_subtree_t rp[] = {{LTLS_X509_GN_DIRECTORY, dn_lucid, dn_lucid_len},
                                           SUB(LTLS_X509_GN_DNS, "example.test")};
    const ltls_certwrite_subtree_t ie[] = {SUB(LTLS_X509_GN_DNS, "private.example.test")};
    ltls_certwrite_spec_t rs = ca_spec("nc root"), is = ca_spec("nc intermediate");
    rs.nc_permitted = rp;
    rs.nc_permitted_count = 2;
    is.nc_excluded = ie;
    is.nc_excluded_count = 1;
    is.nc_critical = 0; /* non-critical is enforced all the same */
    ltls_certwrite_issued_t root, inter;
    CHECK_OK(make(&root, &rs, NULL));
    CHECK_OK(make(&inter, &is, &root));
    static const char *const ok_name[] = {"www.example.test"};
    static const char *const private_name[] = {"db.private.example.test"};
    static const char *const outside[] = {"www.example.org"};
    static const char *const *const names[] = {ok_name, private_name, outside};
    static const ltls_reason_t want[] = {LTLS_R_NONE, LTLS_R_CERT_NAME_CONSTRAINTS,
                                         LTLS_R_CERT_NAME_CONSTRAINTS};
    for (size_t i = 0; i < 3; i++) {
        ltls_certwrite_spec_t ls = leaf_spec(names[i], NULL);
        ltls_certwrite_issued_t leaf;
        CHECK_OK(make(&leaf, &ls, &inter));
        const ltls_certwrite_issued_t *chain[2] = {&leaf, &inter};
        ltls_verify_result_t res;
        CHECK_ERR(verify_path(&root, chain, 2, names[i][0], &res), want[i]);
        if (i == 0)
            CHECK(res.path_len == 3);
        ltls_certwrite_issued_free(&leaf);
    }
    /* An intermediate outside the root's directoryName subtree. */
    ltls_certwrite_spec_t os = ca_spec("outsider");
    os.organization = "elsewhere";
    ltls_certwrite_issued_t outsider, leaf;
    CHECK_OK(make(&outsider, &os, &root));
    ltls_certwrite_spec_t ls = leaf_spec(ok_name, NULL);
    CHECK_OK(make(&leaf, &ls, &outsider));
    const ltls_certwrite_issued_t *chain[2] = {&leaf, &outsider};
    ltls_verify_result_t res;
    CHECK_ERR(verify_path(&root, chain, 2, ok_name[0], &res), LTLS_R_CERT_NAME_CONSTRAINTS);
    CHECK(strstr(res.detail, "outsider") != NULL);
    ltls_certwrite_issued_free(&leaf);
    ltls_certwrite_issued_free(&outsider);
    ltls_certwrite_issued_free(&inter);
    ltls_certwrite_issued_free(&root);
}

/* rfc822Name and URI constraints do not touch a leaf without names of
 * those forms; a leaf carrying nameConstraints is refused. */
TEST(other_forms_and_leaf_with_constraints)
{
    const ltls_certwrite_subtree_t p[] = {SUB(LTLS_X509_GN_RFC822, "example.test"),
                                          SUB(LTLS_X509_GN_URI, ".example.test")};
    ltls_certwrite_spec_t cs = ca_spec("mail and URI constraints");
    cs.nc_permitted = p;
    cs.nc_permitted_count = 2;
    ltls_certwrite_issued_t ca;
    CHECK_OK(make(&ca, &cs, NULL));
    CHECK_OK(leaf_under(&ca, "www.example.org", NULL, "www.example.org"));

    static const char *const dns[] = {"www.example.test"};
    ltls_certwrite_spec_t ls = leaf_spec(dns, NULL);
    const ltls_certwrite_subtree_t lp[] = {SUB(LTLS_X509_GN_DNS, "example.test")};
    ls.nc_permitted = lp;
    ls.nc_permitted_count = 1;
    ltls_certwrite_issued_t leaf;
    CHECK_OK(make(&leaf, &ls, &ca));
    const ltls_certwrite_issued_t *chain[1] = {&leaf};
    ltls_verify_result_t res;
    CHECK_ERR(verify_path(&ca, chain, 1, dns[0], &res), LTLS_R_CERT_MALFORMED);
    ltls_certwrite_issued_free(&leaf);
    ltls_certwrite_issued_free(&ca);
}

/* ---------------------------------------------------------------------------
 * What the builder refuses
 * ------------------------------------------------------------------------- */

static ltls_err_t write_one(const ltls_certwrite_spec_t *s, const ltls_key_t *key)
{
    uint8_t *der = NULL;
    size_t len = 0;
    ltls_err_t err = ltls_certwrite(s, key, NULL, NULL, NULL, &der, &len);
    ltls_free(NULL, der, len);
    return err;
}

TEST(bad_arguments)
{
    ltls_key_t *key = NULL;
    CHECK_OK(ltls_key_generate(prov, LTLS_KEY_ED25519, 0, 0, &key));
    ltls_certwrite_spec_t s = ca_spec("bad");
    ltls_certwrite_subtree_t st = SUB(LTLS_X509_GN_DNS, "example.test");
    s.nc_permitted = &st;
    s.nc_permitted_count = 1;
    CHECK_OK(write_one(&s, key));

    static const uint8_t ip4[4] = {192, 0, 2, 0}, not_a_name[4] = {0x30, 0x02, 0x05, 0x00},
                         trailing[4] = {0x30, 0x00, 0x30, 0x00}, high[3] = {'a', 0xe9, 'b'};
    const ltls_certwrite_subtree_t bad[] = {
        SUB(LTLS_X509_GN_X400, "x"),         /* a form the writer does not encode */
        SUB(LTLS_X509_GN_OTHER_NAME, "x"),
        SUB(LTLS_X509_GN_REGISTERED_ID, "x"),
        {99, (const uint8_t *)"x", 1},
        {LTLS_X509_GN_IP, ip4, 4},           /* an address without its mask */
        {LTLS_X509_GN_DIRECTORY, not_a_name, 4},
        {LTLS_X509_GN_DIRECTORY, trailing, 4},
        {LTLS_X509_GN_DIRECTORY, NULL, 0},   /* nothing is not a Name either */
        {LTLS_X509_GN_DNS, high, 3},         /* IA5String is ASCII */
        {LTLS_X509_GN_URI, high, 3},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        st = bad[i];
        CHECK_ERR(write_one(&s, key), LTLS_R_BAD_ARGUMENT);
    }
    /* the same in the excluded list */
    s.nc_permitted_count = 0;
    s.nc_excluded = &st;
    s.nc_excluded_count = 1;
    CHECK_ERR(write_one(&s, key), LTLS_R_BAD_ARGUMENT);
    st = (ltls_certwrite_subtree_t){LTLS_X509_GN_DNS, NULL, 3};
    CHECK_ERR(write_one(&s, key), LTLS_R_NULL_ARGUMENT);
    s.nc_excluded = NULL;
    CHECK_ERR(write_one(&s, key), LTLS_R_NULL_ARGUMENT);

    /* subject_der: one well-formed Name, not with CN/O */
    s = ca_spec("subject");
    s.subject_der = dn_lucid;
    s.subject_der_len = dn_lucid_len;
    CHECK_ERR(write_one(&s, key), LTLS_R_BAD_ARGUMENT);
    s.common_name = s.organization = NULL;
    CHECK_OK(write_one(&s, key));
    s.subject_der_len = dn_lucid_len - 1;
    CHECK_ERR(write_one(&s, key), LTLS_R_BAD_ARGUMENT);
    s.subject_der = trailing;
    s.subject_der_len = 4;
    CHECK_ERR(write_one(&s, key), LTLS_R_BAD_ARGUMENT);
    s.subject_der = NULL;
    CHECK_ERR(write_one(&s, key), LTLS_R_NULL_ARGUMENT);
    /* an empty Name as subject needs a subjectAltName, as CN/O NULL does */
    s.subject_der = trailing;
    s.subject_der_len = 2;
    CHECK_ERR(write_one(&s, key), LTLS_R_BAD_ARGUMENT);
    static const char *const dns[] = {"example.test"};
    s.dns_names = dns;
    s.dns_count = 1;
    s.is_ca = 0;
    uint8_t *der = NULL;
    size_t len = 0;
    ltls_cert_t *c = NULL;
    CHECK_OK(ltls_certwrite(&s, key, NULL, NULL, NULL, &der, &len));
    CHECK_OK(ltls_cert_parse(der, len, NULL, &c));
    CHECK(c->ext_critical & LTLS_X509_EXT_SAN); /* RFC 5280 §4.2.1.6 */
    ltls_cert_free(c);
    ltls_free(NULL, der, len);
    ltls_key_free(key);
}

/* ---------------------------------------------------------------------------
 * OpenSSL's view
 * ------------------------------------------------------------------------- */

TEST(openssl_reads_the_extension)
{
    if (system("command -v openssl >/dev/null 2>&1") != 0) {
        printf("# openssl not installed: skipped\n");
        return;
    }
    const ltls_certwrite_subtree_t p[] = {
        SUB(LTLS_X509_GN_DNS, "example.test"),
        SUB(LTLS_X509_GN_IP, "\xc0\x00\x02\x00\xff\xff\xff\x00"),
        {LTLS_X509_GN_DIRECTORY, dn_lucid, dn_lucid_len},
    };
    const ltls_certwrite_subtree_t e[] = {SUB(LTLS_X509_GN_RFC822, "root@example.test"),
                                          SUB(LTLS_X509_GN_URI, ".bad.example.test")};
    ltls_certwrite_spec_t cs = ca_spec("openssl view");
    cs.nc_permitted = p;
    cs.nc_permitted_count = 3;
    cs.nc_excluded = e;
    cs.nc_excluded_count = 2;
    ltls_certwrite_issued_t ca;
    CHECK_OK(make(&ca, &cs, NULL));
    char dir[] = "/tmp/ltls-certwrite-nc-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[64], cmd[1024];
    snprintf(path, sizeof path, "%s/ca.der", dir);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    CHECK(fwrite(ca.der, 1, ca.len, f) == ca.len);
    CHECK(fclose(f) == 0);
    snprintf(cmd, sizeof cmd,
             "cd %s && openssl x509 -inform DER -in ca.der -noout -text > ca.txt && "
             "grep -q 'X509v3 Name Constraints: critical' ca.txt && "
             "grep -q 'DNS:example.test' ca.txt && "
             "grep -q 'IP:192.0.2.0/255.255.255.0' ca.txt && "
             "grep -q 'DirName:O *= *lucidtls' ca.txt && "
             "grep -q 'email:root@example.test' ca.txt && "
             "grep -q 'URI:.bad.example.test' ca.txt",
             dir);
    int rc = system(cmd);
    if (rc != 0) {
        snprintf(cmd, sizeof cmd, "sed 's/^/# /' %s/ca.txt", dir);
        (void)system(cmd);
    }
    CHECK(rc == 0);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    (void)system(cmd);
    ltls_certwrite_issued_free(&ca);
}

int main(void)
{
    if (test_provider_new(&prov) != LTLS_OK) {
        printf("1..0 # SKIP no provider\n");
        return 0;
    }
    now_ = (int64_t)time(NULL);
    make_names();
    RUN(round_trip_every_form);
    RUN(round_trip_large);
    RUN(permitted_dns);
    RUN(excluded_dns);
    RUN(ip_constraints);
    RUN(directory_name_constraints);
    RUN(constraints_on_an_intermediate);
    RUN(other_forms_and_leaf_with_constraints);
    RUN(bad_arguments);
    RUN(openssl_reads_the_extension);
    ltls_provider_free(prov);
    return test_done();
}
