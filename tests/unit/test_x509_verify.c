/*
 * test_x509_verify.c - path building and RFC 5280 validation
 * (src/x509/verify.c, nc.c) against the real trust store and the OpenSSL
 * provider. Every case asserts the exact reason. Data: tests/data/x509-unit/
 * (scripts/gen_x509_unit.py); validation time 2030-01-01T00:00:00Z.
 */
#include <time.h>

#include "test.h"
#include "test_provider.h"
#include "core/mem.h"
#include "lucidtls/x509.h"
#include "x509/cert.h"
#include "x509/verify.h"

#define DATA "../data/x509-unit/"
#define NOW ((int64_t)1893456000) /* 2030-01-01T00:00:00Z */

static ltls_provider_t *prov;

/* Certificates loaded for the current case, freed by reset(). */
static ltls_cert_t *loaded[256];
static size_t nloaded;
static ltls_trust_store_t *store;

static void reset(void)
{
    for (size_t i = 0; i < nloaded; i++)
        ltls_cert_free(loaded[i]);
    nloaded = 0;
    ltls_trust_store_unref(store);
    store = NULL;
}

static size_t read_file(const char *name, uint8_t *buf, size_t cap)
{
    char path[256];
    snprintf(path, sizeof(path), DATA "%s", name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "missing %s\n", path);
        abort();
    }
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

/* Loads every certificate of the space-separated files into out. */
static size_t load_list(const char *files, const ltls_cert_t **out, size_t cap)
{
    static uint8_t buf[1 << 20];
    char copy[1024], *save = NULL;
    size_t n = 0;
    if (!files)
        return 0;
    snprintf(copy, sizeof(copy), "%s", files);
    for (char *f = strtok_r(copy, " ", &save); f; f = strtok_r(NULL, " ", &save)) {
        size_t len = read_file(f, buf, sizeof(buf));
        ltls_cert_t **certs;
        size_t count;
        if (ltls_cert_list_parse(buf, len, NULL, &certs, &count)) {
            fprintf(stderr, "cannot parse %s\n", f);
            abort();
        }
        for (size_t i = 0; i < count; i++) {
            if (n < cap)
                out[n++] = certs[i];
            loaded[nloaded++] = certs[i];
        }
        /* the array only; the certificates live in loaded[] */
        ltls_free(NULL, certs, count * sizeof(*certs));
    }
    return n;
}

static void trust(const char *files)
{
    static uint8_t buf[1 << 16];
    char copy[512], *save = NULL;
    if (ltls_trust_store_new(NULL, &store))
        abort();
    snprintf(copy, sizeof(copy), "%s", files ? files : "");
    for (char *f = strtok_r(copy, " ", &save); f; f = strtok_r(NULL, " ", &save)) {
        size_t len = read_file(f, buf, sizeof(buf));
        if (ltls_trust_store_add(store, buf, len, NULL))
            abort();
    }
}

typedef struct run {
    const char *roots, *peer, *extra, *host;
    ltls_purpose_t purpose;
    int64_t now;
    unsigned max_depth;
} run_t;

static ltls_verify_result_t res;

static ltls_err_t run_case(run_t c)
{
    static const ltls_cert_t *peer[128], *extra[128];
    reset();
    trust(c.roots);
    size_t np = load_list(c.peer, peer, 128), ne = load_list(c.extra, extra, 128);
    ltls_verify_params_t p = {
        .provider = prov,
        .trust = store,
        .peer = peer,
        .peer_count = np,
        .extra = ne ? extra : NULL,
        .extra_count = ne,
        .host = c.host,
        .purpose = c.purpose ? c.purpose : LTLS_PURPOSE_SERVER_AUTH,
        .now = c.now ? c.now : NOW,
        .max_depth = c.max_depth,
    };
    ltls_err_t err = ltls_x509_verify(&p, &res);
    if (err)
        printf("# %s -> %s: %s (depth %d)\n", c.peer, ltls_err_reason_name(err), res.detail,
               res.depth);
    return err;
}

#define R(...) run_case((run_t){__VA_ARGS__})

static const char *path_subject(size_t i)
{
    static char buf[256];
    ltls_cert_subject(res.path[i], buf, sizeof(buf));
    return buf;
}

/* ---------------------------------------------------------------------------
 * Path building
 * ------------------------------------------------------------------------- */

TEST(basic_chain)
{
    CHECK_OK(R(.roots = "root.der", .peer = "leaf.der ica.der", .host = "example.com"));
    CHECK(res.path_len == 3 && res.depth == -1);
    CHECK(strcmp(path_subject(0), "CN=example.com") == 0);
    CHECK(strcmp(path_subject(1), "CN=Unit ICA, O=Lucid") == 0);
    CHECK(strcmp(path_subject(2), "CN=Unit Root, O=Lucid") == 0);
    /* the leaf issued by the root directly */
    CHECK_OK(R(.roots = "root.der", .peer = "leaf-by-root.der", .host = "www.example.com"));
    CHECK(res.path_len == 2);
    /* no host: the identity is not checked (a server checking a client) */
    CHECK_OK(R(.roots = "root.der", .peer = "leaf.der ica.der"));
}

TEST(unordered_and_superfluous)
{
    CHECK_OK(R(.roots = "root.der unrelated.der",
               .peer = "leaf.der unrelated.der root.der ica-decoy.der ica.der",
               .host = "example.com"));
    CHECK(res.path_len == 3);
    /* The anchor is the store's, not the peer's copy of the root. */
    CHECK(res.path[2] != loaded[2] && ltls_cert_equal(res.path[2], loaded[2]));
    CHECK(res.path[1] == loaded[4]); /* ica.der, after the decoy failed */
    /* The intermediate from the extra list. */
    CHECK_OK(R(.roots = "root.der", .peer = "leaf.der", .extra = "unrelated.der ica.der",
               .host = "example.com"));
    CHECK(res.path_len == 3);
}

TEST(unknown_issuer)
{
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf.der"), LTLS_R_CERT_UNKNOWN_ISSUER);
    CHECK(strstr(res.detail, "'CN=Unit ICA, O=Lucid'") && res.depth == 0);
    CHECK_ERR(R(.roots = "unrelated.der", .peer = "leaf.der ica.der"), LTLS_R_CERT_UNKNOWN_ISSUER);
    CHECK(strstr(res.detail, "'CN=Unit Root, O=Lucid'") && res.depth == 1);
    CHECK(res.path_len == 0);
    CHECK_ERR(R(.roots = NULL, .peer = "leaf.der ica.der root.der"), LTLS_R_CERT_UNKNOWN_ISSUER);
    CHECK(strstr(res.detail, "self-issued certificate 'CN=Unit Root, O=Lucid' is not a trusted root"));
}

/* Two candidates with the same name and key identifier: the first one did
 * not sign the leaf; path building goes on to the second. */
TEST(two_candidates_one_signs)
{
    CHECK_OK(R(.roots = "root.der", .peer = "leaf.der ica-decoy.der ica.der", .host = "example.com"));
    CHECK(res.path_len == 3);
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf.der ica-decoy.der"), LTLS_R_CERT_BAD_SIGNATURE);
    CHECK(strstr(res.detail, "signature of 'CN=example.com'"));
}

/* ica's key is certified by root (not trusted here) and cross-signed by
 * root2 (trusted): the path goes through the cross-certificate. */
TEST(cross_signed)
{
    CHECK_OK(R(.roots = "root2.der", .peer = "leaf.der ica.der ica-by-root2.der root.der"));
    CHECK(res.path_len == 3);
    CHECK(strcmp(path_subject(2), "CN=Unit Root 2, O=Lucid") == 0);
    CHECK(res.path[1] == loaded[2]);
    /* Both roots trusted, the first candidate expired: the other one wins
     * (the "chain of pain"). */
    CHECK_OK(R(.roots = "root.der root2.der", .peer = "leaf.der ica-expired.der ica-by-root2.der"));
    CHECK(res.path_len == 3);
    CHECK(res.path[1] == loaded[2]);
}

TEST(loops_terminate)
{
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf-loop.der loop-a.der loop-b.der"),
              LTLS_R_CERT_UNKNOWN_ISSUER);
    CHECK(strstr(res.detail, "no trusted root"));
    /* The same through the extra list, and with duplicates. */
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf-loop.der loop-a.der loop-b.der",
                .extra = "loop-b.der loop-a.der"),
              LTLS_R_CERT_UNKNOWN_ISSUER);
}

TEST(depth_limit)
{
    static const char *peer = "leaf-deep.der deep6.der deep5.der deep4.der deep3.der deep2.der deep1.der";
    CHECK_OK(R(.roots = "root.der", .peer = peer));
    CHECK(res.path_len == 8);
    CHECK_OK(R(.roots = "root.der", .peer = peer, .max_depth = 8));
    CHECK_ERR(R(.roots = "root.der", .peer = peer, .max_depth = 7), LTLS_R_CERT_PATH_TOO_LONG);
    CHECK(strstr(res.detail, "more than 7 certificates"));
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf.der ica.der", .max_depth = 2),
              LTLS_R_CERT_PATH_TOO_LONG);
    /* larger than the array: clamped to LTLS_X509_MAX_DEPTH */
    CHECK_OK(R(.roots = "root.der", .peer = peer, .max_depth = 1000));
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* The real provider's verify, counted: the work bound is asserted as a
 * number of signature checks, which does not depend on the machine. */
static unsigned verify_calls, key_imports;
static const ltls_provider_t *real_prov;
static ltls_err_t counting_verify(const ltls_pubkey_t *k, const ltls_sigscheme_t *s,
                                  const uint8_t *m, size_t ml, const uint8_t *sig, size_t sl)
{
    verify_calls++;
    return real_prov->verify(k, s, m, ml, sig, sl);
}
static ltls_err_t counting_pubkey_new(void *impl, const ltls_pubkey_info_t *info,
                                      ltls_pubkey_t **out)
{
    key_imports++;
    return real_prov->pubkey_new(impl, info, out);
}

/* 60 CAs with one name and one key identifier, each signed by the next:
 * every one is a candidate issuer of every other. */
TEST(work_limit)
{
    ltls_provider_t counting = *prov;
    counting.verify = counting_verify;
    counting.pubkey_new = counting_pubkey_new;
    const ltls_provider_t *real = prov;
    real_prov = prov;
    for (int pass = 0; pass < 2; pass++) {
        verify_calls = key_imports = 0;
        prov = &counting;
        double t0 = now_ms();
        ltls_err_t err = pass ? R(.roots = "root.der", .peer = "leaf-hostile.der", .extra = "hostile.pem")
                              : R(.roots = "root.der", .peer = "leaf-hostile.der hostile.pem");
        double t1 = now_ms();
        prov = (ltls_provider_t *)(uintptr_t)real;
        CHECK_ERR(err, LTLS_R_CERT_WORK_LIMIT);
        CHECK(strstr(res.detail, "gave up"));
        printf("# hostile set of 60 same-name CAs (%s): %u signature checks, %u key imports, "
               "%.2f ms\n",
               pass ? "extra" : "peer", verify_calls, key_imports, t1 - t0);
        CHECK(verify_calls <= LTLS_X509_WORK_BUDGET / LTLS_X509_SIG_COST);
        CHECK(key_imports <= 60);
    }
    /* A legitimate chain costs one check per signature and one import per
     * issuer. */
    verify_calls = key_imports = 0;
    ltls_provider_t *saved = prov;
    prov = &counting;
    ltls_err_t err = R(.roots = "root.der", .peer = "leaf.der ica-decoy.der ica.der");
    prov = saved;
    CHECK_OK(err);
    CHECK(verify_calls == 3 && key_imports == 3);
}

/* ---------------------------------------------------------------------------
 * Validity
 * ------------------------------------------------------------------------- */

TEST(validity)
{
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf-short.der ica.der"), LTLS_R_CERT_EXPIRED);
    CHECK(res.depth == 0);
    CHECK(strstr(res.detail, "expired at 2025-06-01T00:00:00Z (validation time 2030-01-01T00:00:00Z)"));
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf-future.der ica.der"), LTLS_R_CERT_NOT_YET_VALID);
    CHECK(strstr(res.detail, "not valid before 2035-01-01T00:00:00Z (validation time 2030-01-01T00:00:00Z)"));
    /* the same leaf at a time inside its validity */
    CHECK_OK(R(.roots = "root.der", .peer = "leaf-short.der ica.der", .now = 1700000000));
    /* inclusive bounds (RFC 5280 §4.1.2.5) */
    CHECK_OK(R(.roots = "root.der", .peer = "leaf-short.der ica.der", .now = 1748736000));
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf-short.der ica.der", .now = 1748736001),
              LTLS_R_CERT_EXPIRED);
    CHECK_OK(R(.roots = "root.der", .peer = "leaf.der ica.der", .now = 1577836800));
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf.der ica.der", .now = 1577836799),
              LTLS_R_CERT_NOT_YET_VALID);
    /* an expired intermediate, an intermediate not yet valid, an expired root */
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf.der ica-expired.der"), LTLS_R_CERT_EXPIRED);
    CHECK(res.depth == 1 && strstr(res.detail, "'CN=Unit ICA, O=Lucid' expired at 2025-01-01T00:00:00Z"));
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf.der ica-future.der"), LTLS_R_CERT_NOT_YET_VALID);
    CHECK_ERR(R(.roots = "root-expired.der", .peer = "leaf.der ica.der"), LTLS_R_CERT_EXPIRED);
    CHECK(res.depth == 2 && strstr(res.detail, "CN=Unit Root"));
}

/* ---------------------------------------------------------------------------
 * Issuers
 * ------------------------------------------------------------------------- */

TEST(basic_constraints)
{
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf.der ica-nobc.der"), LTLS_R_CERT_NOT_CA);
    CHECK(res.depth == 1 && strstr(res.detail, "is not a CA"));
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf.der ica-notca.der"), LTLS_R_CERT_NOT_CA);
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf.der ica-bc-noncrit.der"), LTLS_R_CERT_NOT_CA);
    CHECK(strstr(res.detail, "non-critical basicConstraints"));
}

TEST(path_length_constraint)
{
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf2.der ica2.der ica1-pathlen0.der"),
              LTLS_R_CERT_PATH_TOO_LONG);
    CHECK(strstr(res.detail, "pathLenConstraint"));
    CHECK_OK(R(.roots = "root.der", .peer = "leaf2.der ica2.der ica1-pathlen1.der"));
    CHECK(res.path_len == 4);
    /* A self-issued certificate (key rollover) does not count. */
    CHECK_OK(R(.roots = "root.der", .peer = "leaf-rollover.der ica1-rollover.der ica1-pathlen0.der"));
    CHECK(res.path_len == 4);
    /* ica.der has pathLen 0 and is directly above the leaf: fine. */
    CHECK_OK(R(.roots = "root.der", .peer = "leaf.der ica.der"));
}

TEST(key_usage)
{
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf.der ica-ku-nocertsign.der"),
              LTLS_R_CERT_KEY_USAGE);
    CHECK(strstr(res.detail, "without keyCertSign"));
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf-ku-keyenc.der ica.der"), LTLS_R_CERT_KEY_USAGE);
    CHECK(strstr(res.detail, "digitalSignature") && res.depth == 0);
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf-ku-certsign.der ica.der"), LTLS_R_CERT_KEY_USAGE);
    CHECK(strstr(res.detail, "keyCertSign"));
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf-is-ca.der ica.der"), LTLS_R_CERT_KEY_USAGE);
    CHECK(strstr(res.detail, "end-entity"));
}

TEST(extended_key_usage)
{
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf-client.der ica.der"), LTLS_R_CERT_EXT_KEY_USAGE);
    CHECK(strstr(res.detail, "serverAuth"));
    CHECK_OK(R(.roots = "root.der", .peer = "leaf-client.der ica.der",
               .purpose = LTLS_PURPOSE_CLIENT_AUTH));
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf.der ica.der", .purpose = LTLS_PURPOSE_CLIENT_AUTH),
              LTLS_R_CERT_EXT_KEY_USAGE);
    CHECK_OK(R(.roots = "root.der", .peer = "leaf-noeku.der ica.der"));
    CHECK_OK(R(.roots = "root.der", .peer = "leaf-noeku.der ica.der",
               .purpose = LTLS_PURPOSE_CLIENT_AUTH));
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf-anyeku.der ica.der"), LTLS_R_CERT_EXT_KEY_USAGE);
    CHECK(strstr(res.detail, "anyExtendedKeyUsage"));
    /* EKU in an intermediate constrains what it may issue. */
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf.der ica-eku-client.der"),
              LTLS_R_CERT_EXT_KEY_USAGE);
    CHECK(res.depth == 1);
    CHECK_OK(R(.roots = "root.der", .peer = "leaf.der ica-eku-server.der"));
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf-client.der ica-eku-server.der",
                .purpose = LTLS_PURPOSE_CLIENT_AUTH),
              LTLS_R_CERT_EXT_KEY_USAGE);
}

TEST(profile)
{
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf.der ica-noski.der"), LTLS_R_CERT_MALFORMED);
    CHECK(strstr(res.detail, "subjectKeyIdentifier"));
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf-noaki.der ica.der"), LTLS_R_CERT_MALFORMED);
    CHECK(strstr(res.detail, "authorityKeyIdentifier"));
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf-cn-mismatch.der ica.der"), LTLS_R_CERT_MALFORMED);
    CHECK(strstr(res.detail, "commonName"));
    CHECK_OK(R(.roots = "root.der", .peer = "leaf-cn-descriptive.der ica.der", .host = "example.com"));
    /* The CN rule is a server-certificate rule. */
    CHECK_OK(R(.roots = "root.der", .peer = "leaf-cn-mismatch.der ica.der",
               .purpose = LTLS_PURPOSE_CLIENT_AUTH));
}

TEST(unknown_critical_extension)
{
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf-unknown-crit.der ica.der"),
              LTLS_R_CERT_UNKNOWN_CRITICAL);
    CHECK(strstr(res.detail, "1.3.6.1.4.1.55738.666.1"));
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf.der ica-unknown-crit.der"),
              LTLS_R_CERT_UNKNOWN_CRITICAL);
    /* An unused certificate with one does not matter. */
    CHECK_OK(R(.roots = "root.der", .peer = "leaf.der ica-unknown-crit.der ica.der"));
    CHECK_OK(R(.roots = "root.der", .peer = "leaf.der ica.der", .extra = "ica-unknown-crit.der"));
}

TEST(name_constraints)
{
    CHECK_OK(R(.roots = "root.der", .peer = "leaf.der ica-nc.der", .host = "192.0.2.1"));
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf-other.der ica-nc.der"),
              LTLS_R_CERT_NAME_CONSTRAINTS);
    CHECK(strstr(res.detail, "DNS:other.org") && strstr(res.detail, "outside the permitted"));
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf-bad.example.com.der ica-nc.der"),
              LTLS_R_CERT_NAME_CONSTRAINTS);
    CHECK(strstr(res.detail, "inside an excluded"));
    /* A wildcard that could match an excluded name. */
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf-wild.der ica-nc-excl-wild.der"),
              LTLS_R_CERT_NAME_CONSTRAINTS);
    CHECK(strstr(res.detail, "DNS:*.example.com"));
    CHECK_OK(R(.roots = "root.der", .peer = "leaf-other.der ica-nc-excl-wild.der"));
    /* IP: 10.1.2.3 is inside 10.0.0.0/8, 192.0.2.1 is not. */
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf-ip10.der ica-nc-ip.der"),
              LTLS_R_CERT_NAME_CONSTRAINTS);
    CHECK(strstr(res.detail, "IP:192.0.2.1"));
    /* DNS names are not constrained by IP subtrees. */
    CHECK_OK(R(.roots = "root.der", .peer = "leaf-other.der ica-nc-ip.der"));
    /* rfc822Name */
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf-email.der ica-nc-email.der"),
              LTLS_R_CERT_NAME_CONSTRAINTS);
    CHECK(strstr(res.detail, "email:a@example.com"));
    CHECK_OK(R(.roots = "root.der", .peer = "leaf.der ica-nc-email.der"));
    /* A form lucidtls cannot evaluate matters only if the leaf has one. */
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf-uri.der ica-nc-uri.der"),
              LTLS_R_CERT_NAME_CONSTRAINTS);
    CHECK(strstr(res.detail, "cannot check"));
    CHECK_OK(R(.roots = "root.der", .peer = "leaf.der ica-nc-uri.der"));
    /* directoryName: the subject must lie under O=Lucid. */
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf.der ica-nc-dirname.der"),
              LTLS_R_CERT_NAME_CONSTRAINTS);
    CHECK(strstr(res.detail, "DirName:CN=example.com"));
    CHECK_OK(R(.roots = "root.der", .peer = "leaf-lucid.der ica-nc-dirname.der"));
    /* A malformed constraint. */
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf.der ica-nc-bad-dns.der"), LTLS_R_CERT_MALFORMED);
    CHECK(strstr(res.detail, "invalid dNSName"));
}

/* ---------------------------------------------------------------------------
 * Algorithms and signatures
 * ------------------------------------------------------------------------- */

TEST(algorithms)
{
    CHECK_OK(R(.roots = "rsa-root.der", .peer = "rsa-leaf-pkcs1.der"));
    CHECK_OK(R(.roots = "rsa-root.der", .peer = "rsa-leaf-pss.der"));
    CHECK_OK(R(.roots = "ec-root.der", .peer = "ec-leaf-sha256.der"));
    CHECK_OK(R(.roots = "ec-root.der", .peer = "ec-leaf-sha384.der"));
    CHECK_ERR(R(.roots = "rsa-root.der", .peer = "rsa-leaf-sha1.der"), LTLS_R_CERT_WEAK_ALGORITHM);
    CHECK(strstr(res.detail, "sha1WithRSAEncryption"));
    CHECK_ERR(R(.roots = "rsa1024-root.der", .peer = "leaf-by-rsa1024.der"),
              LTLS_R_CERT_WEAK_ALGORITHM);
    CHECK(strstr(res.detail, "1024 bits"));
    /* An algorithm that does not fit the issuer's key: an RSA-signed leaf
     * offered under an Ed25519 root of the same name is not its issuer. */
}

TEST(bad_signature)
{
    CHECK_OK(R(.roots = "root.der", .peer = "leaf.der ica.der"));
    /* Corrupt the leaf's signature in a private copy. */
    static uint8_t buf[4096];
    size_t n = read_file("leaf.der", buf, sizeof(buf));
    buf[n - 1] ^= 0x01;
    ltls_cert_t *leaf;
    CHECK_OK(ltls_cert_parse(buf, n, NULL, &leaf));
    const ltls_cert_t *peer[2] = {leaf, loaded[1]};
    ltls_verify_params_t p = {.provider = prov, .trust = store, .peer = peer, .peer_count = 2,
                              .purpose = LTLS_PURPOSE_SERVER_AUTH, .now = NOW};
    ltls_err_t err = ltls_x509_verify(&p, &res);
    ltls_cert_free(leaf);
    CHECK_ERR(err, LTLS_R_CERT_BAD_SIGNATURE);
    CHECK(res.depth == 0 && strstr(res.detail, "does not verify with the key of 'CN=Unit ICA, O=Lucid'"));
}

/* ---------------------------------------------------------------------------
 * Identity, pinning, misuse
 * ------------------------------------------------------------------------- */

TEST(identity)
{
    CHECK_OK(R(.roots = "root.der", .peer = "leaf.der ica.der", .host = "WWW.Example.Com."));
    CHECK_OK(R(.roots = "root.der", .peer = "leaf.der ica.der", .host = "192.0.2.1"));
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf.der ica.der", .host = "other.example"),
              LTLS_R_CERT_NAME_MISMATCH);
    CHECK(res.depth == 0);
    CHECK(strstr(res.detail, "valid for DNS:example.com, DNS:www.example.com, IP:192.0.2.1, not for 'other.example'"));
    CHECK_ERR(R(.roots = "root.der", .peer = "leaf.der ica.der", .host = "192.0.2.2"),
              LTLS_R_CERT_NAME_MISMATCH);
}

TEST(pinned_leaf)
{
    CHECK_OK(R(.roots = "pinned.der", .peer = "pinned.der", .host = "pinned.example"));
    CHECK(res.path_len == 1);
    CHECK_ERR(R(.roots = "root.der", .peer = "pinned.der", .host = "pinned.example"),
              LTLS_R_CERT_UNKNOWN_ISSUER);
    /* still subject to the leaf's own checks */
    CHECK_ERR(R(.roots = "pinned.der", .peer = "pinned.der", .host = "other.example"),
              LTLS_R_CERT_NAME_MISMATCH);
}

/* Rules of the leaf's own profile, shown on pinned (self-signed) leaves. */
TEST(leaf_profile)
{
    CHECK_ERR(R(.roots = "bad-serial-long.der", .peer = "bad-serial-long.der"), LTLS_R_CERT_MALFORMED);
    CHECK(strstr(res.detail, "serial number"));
    CHECK_ERR(R(.roots = "bad-serial-negative.der", .peer = "bad-serial-negative.der"),
              LTLS_R_CERT_MALFORMED);
    CHECK(strstr(res.detail, "serial number"));
    CHECK_ERR(R(.roots = "v1.der", .peer = "v1.der"), LTLS_R_CERT_MALFORMED);
    CHECK(strstr(res.detail, "v1 certificate"));
    CHECK_ERR(R(.roots = "bad-unknown-critical.der", .peer = "bad-unknown-critical.der"),
              LTLS_R_CERT_UNKNOWN_CRITICAL);
    CHECK_OK(R(.roots = "bad-base.der", .peer = "bad-base.der", .host = "bad.example"));
    CHECK_ERR(R(.roots = "dsa.der", .peer = "dsa.der"), LTLS_R_CERT_WEAK_ALGORITHM);
    CHECK_ERR(R(.roots = "ec-p192.der", .peer = "ec-p192.der"), LTLS_R_CERT_WEAK_ALGORITHM);
    CHECK(strstr(res.detail, "curve"));
    CHECK_ERR(R(.roots = "ec-explicit.der", .peer = "ec-explicit.der"), LTLS_R_CERT_WEAK_ALGORITHM);
    CHECK(strstr(res.detail, "explicit curve"));
}

TEST(misuse)
{
    reset();
    trust("root.der");
    const ltls_cert_t *peer[65];
    size_t n = load_list("leaf.der", peer, 1);
    CHECK(n == 1);
    ltls_verify_params_t p = {.provider = prov, .trust = store, .peer = peer, .peer_count = 1,
                              .purpose = LTLS_PURPOSE_SERVER_AUTH, .now = NOW};
    CHECK_ERR(ltls_x509_verify(NULL, &res), LTLS_R_NULL_ARGUMENT);
    CHECK_ERR(ltls_x509_verify(&p, NULL), LTLS_R_NULL_ARGUMENT);
    p.provider = NULL;
    CHECK_ERR(ltls_x509_verify(&p, &res), LTLS_R_NULL_ARGUMENT);
    p.provider = prov;
    p.peer_count = 0;
    CHECK_ERR(ltls_x509_verify(&p, &res), LTLS_R_NULL_ARGUMENT);
    p.peer_count = 1;
    p.purpose = (ltls_purpose_t)7;
    CHECK_ERR(ltls_x509_verify(&p, &res), LTLS_R_BAD_ARGUMENT);
    p.purpose = LTLS_PURPOSE_SERVER_AUTH;
    for (int i = 1; i < 65; i++)
        peer[i] = peer[0];
    p.peer_count = 65;
    CHECK_ERR(ltls_x509_verify(&p, &res), LTLS_R_CERT_WORK_LIMIT);
    p.peer_count = 1;
    p.extra_count = 3; /* with extra NULL */
    CHECK_ERR(ltls_x509_verify(&p, &res), LTLS_R_NULL_ARGUMENT);
}

/* ---------------------------------------------------------------------------
 * Cost without signatures
 * ------------------------------------------------------------------------- */

/* A provider whose keys are dummies and whose signatures always verify, to
 * time the validation logic alone. */
static ltls_err_t fake_pubkey_new(void *impl, const ltls_pubkey_info_t *info, ltls_pubkey_t **out)
{
    (void)impl;
    *out = (ltls_pubkey_t *)(uintptr_t)info;
    return LTLS_OK;
}
static void fake_pubkey_free(ltls_pubkey_t *k) { (void)k; }
static ltls_err_t fake_verify(const ltls_pubkey_t *k, const ltls_sigscheme_t *s, const uint8_t *m,
                              size_t ml, const uint8_t *sig, size_t sl)
{
    (void)k, (void)s, (void)m, (void)ml, (void)sig, (void)sl;
    return LTLS_OK;
}

TEST(validation_cost)
{
    CHECK_OK(R(.roots = "root.der", .peer = "leaf.der ica.der", .host = "www.example.com"));
    ltls_provider_t fake = *prov;
    fake.pubkey_new = fake_pubkey_new;
    fake.pubkey_free = fake_pubkey_free;
    fake.verify = fake_verify;
    const ltls_cert_t *peer[2] = {loaded[0], loaded[1]};
    ltls_verify_params_t p = {.provider = &fake, .trust = store, .peer = peer, .peer_count = 2,
                              .host = "www.example.com", .purpose = LTLS_PURPOSE_SERVER_AUTH,
                              .now = NOW};
    enum { N = 50000 };
    double t0 = now_ms();
    for (int i = 0; i < N; i++)
        if (ltls_x509_verify(&p, &res))
            break;
    double t1 = now_ms();
    CHECK(res.path_len == 3);
    printf("# validating a 3-certificate chain without signature checks: %.2f us\n",
           (t1 - t0) * 1e3 / N);
    /* and with them, through the real provider (Ed25519) */
    p.provider = prov;
    t0 = now_ms();
    for (int i = 0; i < 200; i++)
        CHECK_OK(ltls_x509_verify(&p, &res));
    printf("# the same with its 2 Ed25519 signature checks: %.2f us\n", (now_ms() - t0) * 1e3 / 200);
}

int main(void)
{
    if (ltls_provider_new(test_provider_name(), NULL, &prov)) {
        printf("Bail out! no provider\n");
        return 1;
    }
    RUN(basic_chain);
    RUN(unordered_and_superfluous);
    RUN(unknown_issuer);
    RUN(two_candidates_one_signs);
    RUN(cross_signed);
    RUN(loops_terminate);
    RUN(depth_limit);
    RUN(work_limit);
    RUN(validity);
    RUN(basic_constraints);
    RUN(path_length_constraint);
    RUN(key_usage);
    RUN(extended_key_usage);
    RUN(profile);
    RUN(unknown_critical_extension);
    RUN(name_constraints);
    RUN(algorithms);
    RUN(bad_signature);
    RUN(identity);
    RUN(pinned_leaf);
    RUN(leaf_profile);
    RUN(misuse);
    RUN(validation_cost);
    reset();
    ltls_provider_free(prov);
    return test_done();
}
