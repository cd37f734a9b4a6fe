/*
 * tests/unit/test_trust.c - the trust store (src/trust): loading from
 * buffers, files, directories and the system's store; duplicates; lookup by
 * subject; the SSL_CERT_FILE / SSL_CERT_DIR overrides; errors that name the
 * path; reference counting; all-or-nothing loading under allocation
 * failure; and the time to load the Debian bundle (printed, not asserted).
 *
 * The files come from tests/data/x509/trust, written by
 * scripts/gen_x509_corpus.py (see the README there).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lucidtls/x509.h"
#include "test.h"
#include "trust/store.h"
#include "x509/cert.h"

#define DIR "../data/x509/trust/" /* tests run in tests/unit (Meson workdir) */
#define DEBIAN_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

/* The subjects of the generated roots, as the corpus writes them. */
#define SUBJ_EC "CN=Corpus EC Root, O=lucidtls test corpus" /* RFC 4514: last RDN first */

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

/* A certificate read from a file, for its subject DER. */
static ltls_cert_t *load_one(const char *path)
{
    size_t len;
    uint8_t *data = read_all(path, &len);
    if (!data)
        return NULL;
    ltls_cert_t **v = NULL;
    size_t n = 0;
    ltls_cert_t *c = NULL;
    if (ltls_cert_list_parse(data, len, NULL, &v, &n) == LTLS_OK && n >= 1) {
        c = v[0];
        v[0] = NULL;
    }
    ltls_cert_list_free(v, n, NULL);
    free(data);
    return c;
}

static size_t lookup_cert_subject(const ltls_trust_store_t *s, const ltls_cert_t *c,
                                  const ltls_cert_t **out, size_t max)
{
    size_t len;
    const uint8_t *subj = ltls_cert_subject_der(c, &len);
    return ltls_trust_store_lookup(s, subj, len, out, max);
}

static void unset_env(void)
{
    unsetenv("SSL_CERT_FILE");
    unsetenv("SSL_CERT_DIR");
}

TEST(new_and_count_empty)
{
    ltls_trust_store_t *s;
    CHECK_OK(ltls_trust_store_new(NULL, &s));
    CHECK(ltls_trust_store_count(s) == 0);
    CHECK(ltls_trust_store_count(NULL) == 0);
    uint8_t name[] = {0x30, 0x00};
    const ltls_cert_t *out[2];
    CHECK(ltls_trust_store_lookup(s, name, sizeof name, out, 2) == 0);
    ltls_trust_store_unref(s);
    ltls_trust_store_unref(NULL);
    CHECK_ERR(ltls_trust_store_new(NULL, NULL), LTLS_R_NULL_ARGUMENT);
}

TEST(add_pem_buffer_bundle_with_duplicate)
{
    size_t len, added = 99;
    uint8_t *data = read_all(DIR "bundle.pem", &len);
    CHECK(data);
    ltls_trust_store_t *s;
    CHECK_OK(ltls_trust_store_new(NULL, &s));
    /* Four blocks, the EC root twice: three anchors. */
    CHECK_OK(ltls_trust_store_add(s, data, len, &added));
    CHECK(added == 3);
    CHECK(ltls_trust_store_count(s) == 3);
    /* Adding the same bundle again adds nothing. */
    CHECK_OK(ltls_trust_store_add(s, data, len, &added));
    CHECK(added == 0);
    CHECK(ltls_trust_store_count(s) == 3);
    free(data);
    ltls_trust_store_unref(s);
}

TEST(add_der_file_and_pem_file_of_same_cert)
{
    ltls_trust_store_t *s;
    size_t added = 0;
    CHECK_OK(ltls_trust_store_new(NULL, &s));
    CHECK_OK(ltls_trust_store_add_file(s, DIR "root-rsa.der", &added));
    CHECK(added == 1);
    /* The same certificate as PEM is a duplicate. */
    CHECK_OK(ltls_trust_store_add_file(s, DIR "root-rsa.pem", &added));
    CHECK(added == 0);
    CHECK_OK(ltls_trust_store_add_file(s, DIR "crlf.pem", &added));
    CHECK(added == 1);
    CHECK(ltls_trust_store_count(s) == 2);
    ltls_trust_store_unref(s);
}

TEST(lookup_by_subject)
{
    ltls_trust_store_t *s;
    CHECK_OK(ltls_trust_store_new(NULL, &s));
    CHECK_OK(ltls_trust_store_add_file(s, DIR "bundle.pem", NULL));
    ltls_cert_t *ec = load_one(DIR "root-ec.pem"), *twin = load_one(DIR "root-ec-twin.pem");
    CHECK(ec && twin);
    const ltls_cert_t *out[4] = {0};
    CHECK(lookup_cert_subject(s, ec, out, 4) == 1);
    CHECK(ltls_cert_equal(out[0], ec));
    char text[256];
    ltls_cert_subject(out[0], text, sizeof text);
    CHECK(strcmp(text, SUBJ_EC) == 0);

    /* A second anchor with the same subject and another key (rollover):
     * both are returned, in a deterministic order. */
    CHECK_OK(ltls_trust_store_add_file(s, DIR "root-ec-twin.pem", NULL));
    CHECK(ltls_trust_store_count(s) == 4);
    CHECK(lookup_cert_subject(s, ec, out, 4) == 2);
    CHECK(ltls_cert_equal(out[0], ec) + ltls_cert_equal(out[1], ec) == 1);
    CHECK(ltls_cert_equal(out[0], twin) + ltls_cert_equal(out[1], twin) == 1);
    size_t dl0, dl1;
    const uint8_t *d0 = ltls_cert_der(out[0], &dl0), *d1 = ltls_cert_der(out[1], &dl1);
    CHECK(dl0 < dl1 || (dl0 == dl1 && memcmp(d0, d1, dl0) < 0));
    size_t ecl;
    const uint8_t *ecs = ltls_cert_subject_der(ec, &ecl);
    CHECK(ltls_trust_store_lookup_count(s, ecs, ecl) == 2);
    /* max bounds what is written, and the return value never exceeds it. */
    out[1] = NULL;
    CHECK(lookup_cert_subject(s, ec, out, 1) == 1);
    CHECK(out[1] == NULL);
    CHECK(lookup_cert_subject(s, ec, NULL, 0) == 0);

    /* A name that is absent, one that is a prefix of a present one, and
     * the issuer name of a certificate whose issuer is not in the store. */
    size_t sl;
    const uint8_t *subj = ltls_cert_subject_der(ec, &sl);
    CHECK(ltls_trust_store_lookup(s, subj, sl - 1, out, 4) == 0);
    uint8_t other[256];
    memcpy(other, subj, sl);
    other[sl - 1] ^= 1;
    CHECK(ltls_trust_store_lookup(s, other, sl, out, 4) == 0);
    ltls_cert_free(ec);
    ltls_cert_free(twin);
    ltls_trust_store_unref(s);
}

TEST(lookup_many_subjects)
{
    /* Every anchor of a larger store is found under its own subject and
     * only there: the binary search must land on each run exactly. */
    size_t len;
    uint8_t *data = read_all(DEBIAN_BUNDLE, &len);
    if (!data) {
        printf("# skipped: %s not present\n", DEBIAN_BUNDLE);
        return;
    }
    ltls_trust_store_t *s;
    CHECK_OK(ltls_trust_store_new(NULL, &s));
    CHECK_OK(ltls_trust_store_add(s, data, len, NULL));
    ltls_cert_t **v;
    size_t n;
    CHECK_OK(ltls_cert_list_parse(data, len, NULL, &v, &n));
    free(data);
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const ltls_cert_t *out[8];
        size_t k = lookup_cert_subject(s, v[i], out, 8), found = 0;
        for (size_t j = 0; j < k; j++) {
            size_t a, b;
            const uint8_t *sa = ltls_cert_subject_der(out[j], &a);
            const uint8_t *sb = ltls_cert_subject_der(v[i], &b);
            CHECK(a == b && memcmp(sa, sb, a) == 0);
            found += ltls_cert_equal(out[j], v[i]);
        }
        CHECK(found == 1);
        total += k;
    }
    CHECK(total >= ltls_trust_store_count(s));
    ltls_cert_list_free(v, n, NULL);
    ltls_trust_store_unref(s);
}

TEST(hashed_directory_reads_only_hash_links)
{
    /* The directory also holds a broken PEM file under a real name and a
     * dangling HASH.0 link: neither is read. */
    ltls_trust_store_t *s;
    size_t added = 0;
    char detail[256];
    CHECK_OK(ltls_trust_store_new(NULL, &s));
    CHECK_OK(ltls_trust_store_add_dir_detail(s, DIR "hashed", &added, detail, sizeof detail));
    CHECK(added == 3);
    CHECK(ltls_trust_store_count(s) == 3);
    CHECK_OK(ltls_trust_store_add_dir(s, DIR "hashed", &added));
    CHECK(added == 0);
    ltls_trust_store_unref(s);
}

TEST(plain_directory_of_pem_files)
{
    /* root-ec.pem, root-rsa.crt, root-ed.der are read; key.pem holds no
     * certificate and is passed over; README and .hidden.pem are not read. */
    ltls_trust_store_t *s;
    size_t added = 0;
    CHECK_OK(ltls_trust_store_new(NULL, &s));
    CHECK_OK(ltls_trust_store_add_dir(s, DIR "plain", &added));
    CHECK(added == 3);
    ltls_trust_store_unref(s);
}

TEST(directory_errors)
{
    ltls_trust_store_t *s;
    size_t added = 7;
    char detail[512];
    CHECK_OK(ltls_trust_store_new(NULL, &s));
    CHECK_OK(ltls_trust_store_add_file(s, DIR "root-rsa.pem", NULL));
    /* A malformed file fails the whole directory, and nothing of it is
     * added (its good file a.pem included). */
    CHECK_ERR(ltls_trust_store_add_dir_detail(s, DIR "broken-dir", &added, detail, sizeof detail),
              LTLS_R_PEM_INVALID);
    CHECK(added == 0);
    CHECK(ltls_trust_store_count(s) == 1);
    CHECK(strstr(detail, "broken-dir/b.pem") != NULL);
    printf("# %s\n", detail);
    CHECK_ERR(ltls_trust_store_add_dir_detail(s, DIR "no-such-dir", NULL, detail, sizeof detail),
              LTLS_R_TRUST_IO);
    CHECK(strstr(detail, "no-such-dir") && strstr(detail, "No such file"));
    CHECK_ERR(ltls_trust_store_add_dir(s, DIR "empty-dir", NULL), LTLS_R_CERT_NONE_FOUND);
    CHECK_ERR(ltls_trust_store_add_dir(s, DIR "root-ec.pem", NULL), LTLS_R_TRUST_IO);
    CHECK(ltls_trust_store_count(s) == 1);
    ltls_trust_store_unref(s);
}

TEST(file_errors_name_the_path)
{
    ltls_trust_store_t *s;
    char detail[512];
    size_t added = 5;
    CHECK_OK(ltls_trust_store_new(NULL, &s));
    CHECK_ERR(ltls_trust_store_add_file_detail(s, DIR "missing.pem", &added, detail,
                                               sizeof detail),
              LTLS_R_TRUST_IO);
    CHECK(added == 0);
    CHECK(strstr(detail, "missing.pem: No such file or directory") != NULL);
    CHECK_ERR(ltls_trust_store_add_file(s, DIR "missing.pem", NULL), LTLS_R_TRUST_IO);
    CHECK_ERR(ltls_trust_store_add_file_detail(s, DIR "hashed", NULL, detail, sizeof detail),
              LTLS_R_TRUST_IO);
    CHECK(strstr(detail, "directory") != NULL);

    CHECK_ERR(ltls_trust_store_add_file_detail(s, DIR "empty.pem", NULL, detail, sizeof detail),
              LTLS_R_CERT_NONE_FOUND);
    CHECK(strstr(detail, "empty.pem") != NULL);
    CHECK_ERR(ltls_trust_store_add_file(s, DIR "key-only.pem", NULL), LTLS_R_CERT_NONE_FOUND);

    /* A good certificate followed by one with bad base64: nothing added,
     * and the detail says which certificate, on which line. */
    CHECK_ERR(ltls_trust_store_add_file_detail(s, DIR "bad-base64.pem", &added, detail,
                                               sizeof detail),
              LTLS_R_PEM_INVALID);
    printf("# %s\n", detail);
    CHECK(strstr(detail, "bad-base64.pem: certificate 2 (line ") != NULL);
    CHECK(ltls_trust_store_count(s) == 0);
    CHECK_ERR(ltls_trust_store_add_file_detail(s, DIR "unterminated.pem", NULL, detail,
                                               sizeof detail),
              LTLS_R_PEM_INVALID);
    printf("# %s\n", detail);
    CHECK(strstr(detail, "unterminated.pem: line 1") != NULL);
    CHECK_ERR(ltls_trust_store_add_file_detail(s, DIR "malformed-cert.pem", NULL, detail,
                                               sizeof detail),
              LTLS_R_CERT_MALFORMED);
    printf("# %s\n", detail);
    CHECK(strstr(detail, "malformed-cert.pem: certificate 1 (line 1): ") != NULL);
    CHECK(ltls_trust_store_count(s) == 0);
    ltls_trust_store_unref(s);
}

TEST(buffer_errors)
{
    ltls_trust_store_t *s;
    CHECK_OK(ltls_trust_store_new(NULL, &s));
    static const uint8_t empty[] = "";
    CHECK_ERR(ltls_trust_store_add(s, empty, 0, NULL), LTLS_R_CERT_NONE_FOUND);
    static const uint8_t text[] = "hello\n";
    CHECK_ERR(ltls_trust_store_add(s, text, sizeof text - 1, NULL), LTLS_R_CERT_NONE_FOUND);
    static const uint8_t bad[] = "-----BEGIN CERTIFICATE-----\nAAA*\n-----END CERTIFICATE-----\n";
    CHECK_ERR(ltls_trust_store_add(s, bad, sizeof bad - 1, NULL), LTLS_R_PEM_INVALID);
    CHECK_ERR(ltls_trust_store_add(NULL, text, 1, NULL), LTLS_R_NULL_ARGUMENT);
    CHECK_ERR(ltls_trust_store_add(s, NULL, 1, NULL), LTLS_R_NULL_ARGUMENT);
    CHECK_ERR(ltls_trust_store_add_file(s, NULL, NULL), LTLS_R_NULL_ARGUMENT);
    CHECK_ERR(ltls_trust_store_add_id(s, (const uint8_t *)"x", 1), LTLS_R_TRUST_ID_UNSUPPORTED);
    CHECK(ltls_err_class(ltls_trust_store_add_id(s, NULL, 0)) == LTLS_ECLASS_MISUSE);
    CHECK(ltls_trust_store_count(s) == 0);
    ltls_trust_store_unref(s);
}

TEST(system_env_file_overrides)
{
    ltls_trust_store_t *s;
    size_t added = 0;
    unset_env();
    setenv("SSL_CERT_FILE", DIR "root-ec.pem", 1);
    CHECK_OK(ltls_trust_store_new(NULL, &s));
    CHECK_OK(ltls_trust_store_add_system(s, &added));
    /* Exactly that file: the defaults (the Debian bundle here) are not read. */
    CHECK(added == 1);
    CHECK(ltls_trust_store_count(s) == 1);
    ltls_trust_store_unref(s);

    /* A colon-separated list; a missing entry is passed over. */
    setenv("SSL_CERT_FILE", DIR "missing.pem:" DIR "root-ec.pem::" DIR "root-rsa.der", 1);
    CHECK_OK(ltls_trust_store_new(NULL, &s));
    CHECK_OK(ltls_trust_store_add_system(s, &added));
    CHECK(added == 2);
    ltls_trust_store_unref(s);

    /* Nothing that exists: TRUST_NOT_FOUND, with the variables in the detail. */
    char detail[512];
    setenv("SSL_CERT_FILE", DIR "missing.pem", 1);
    CHECK_OK(ltls_trust_store_new(NULL, &s));
    CHECK_ERR(ltls_trust_store_add_system_detail(s, &added, detail, sizeof detail),
              LTLS_R_TRUST_NOT_FOUND);
    CHECK(strstr(detail, "SSL_CERT_FILE") != NULL);
    /* An existing but malformed file is an error, not a silent skip. */
    setenv("SSL_CERT_FILE", DIR "bad-base64.pem", 1);
    CHECK_ERR(ltls_trust_store_add_system_detail(s, &added, detail, sizeof detail),
              LTLS_R_PEM_INVALID);
    CHECK(strstr(detail, "bad-base64.pem") != NULL);
    CHECK(ltls_trust_store_count(s) == 0);
    ltls_trust_store_unref(s);
    unset_env();
}

TEST(system_env_dir_overrides)
{
    ltls_trust_store_t *s;
    size_t added = 0;
    unset_env();
    setenv("SSL_CERT_DIR", DIR "hashed:" DIR "no-such-dir:" DIR "plain", 1);
    CHECK_OK(ltls_trust_store_new(NULL, &s));
    CHECK_OK(ltls_trust_store_add_system(s, &added));
    CHECK(added == 3); /* both directories hold the same three roots */
    ltls_trust_store_unref(s);

    /* Both variables: both are read. An empty SSL_CERT_FILE counts as unset. */
    setenv("SSL_CERT_FILE", DIR "root-ec-twin.pem", 1);
    CHECK_OK(ltls_trust_store_new(NULL, &s));
    CHECK_OK(ltls_trust_store_add_system(s, &added));
    CHECK(added == 4);
    ltls_trust_store_unref(s);
    setenv("SSL_CERT_FILE", "", 1);
    CHECK_OK(ltls_trust_store_new(NULL, &s));
    CHECK_OK(ltls_trust_store_add_system(s, &added));
    CHECK(added == 3);
    ltls_trust_store_unref(s);
    unset_env();
}

TEST(system_defaults_first_file_then_dirs)
{
    ltls_trust_store_t *s;
    size_t added = 0;
    char detail[512];
    unset_env();
    /* The first existing file wins; later files and the directories are
     * not read (they would add root-ec-twin and the Ed25519 root). */
    const char *const files[] = {DIR "absent.crt", DIR "root-rsa.pem", DIR "root-ec-twin.pem",
                                 NULL};
    const char *const dirs[] = {DIR "hashed", NULL};
    CHECK_OK(ltls_trust_store_new(NULL, &s));
    CHECK_OK(ltls_trust_store_add_system_from(s, files, dirs, &added, detail, sizeof detail));
    CHECK(added == 1);
    ltls_trust_store_unref(s);

    /* No file: every existing directory is read. */
    const char *const nofiles[] = {DIR "absent.crt", NULL};
    const char *const dirs2[] = {DIR "no-such-dir", DIR "hashed", DIR "plain", NULL};
    CHECK_OK(ltls_trust_store_new(NULL, &s));
    CHECK_OK(ltls_trust_store_add_system_from(s, nofiles, dirs2, &added, detail, sizeof detail));
    CHECK(added == 3);
    ltls_trust_store_unref(s);

    /* Nothing at all. */
    const char *const nodirs[] = {DIR "no-such-dir", NULL};
    CHECK_OK(ltls_trust_store_new(NULL, &s));
    CHECK_ERR(ltls_trust_store_add_system_from(s, nofiles, nodirs, &added, detail, sizeof detail),
              LTLS_R_TRUST_NOT_FOUND);
    CHECK(added == 0);
    ltls_trust_store_unref(s);

    /* The built-in lists, in the order of the issue. */
    CHECK(strcmp(ltls_trust_default_files[0], "/etc/ssl/certs/ca-certificates.crt") == 0);
    CHECK(strcmp(ltls_trust_default_files[5], "/etc/ssl/cert.pem") == 0);
    CHECK(ltls_trust_default_files[6] == NULL);
    CHECK(strcmp(ltls_trust_default_dirs[1], "/etc/pki/tls/certs") == 0);
}

TEST(refcount)
{
    ltls_trust_store_t *s;
    CHECK_OK(ltls_trust_store_new(NULL, &s));
    CHECK_OK(ltls_trust_store_add_file(s, DIR "bundle.pem", NULL));
    CHECK(ltls_trust_store_ref(s) == s);
    CHECK(ltls_trust_store_ref(s) == s);
    ltls_trust_store_unref(s);
    ltls_trust_store_unref(s);
    /* One reference left: still usable (valgrind/ASan would catch a free). */
    ltls_cert_t *ec = load_one(DIR "root-ec.pem");
    CHECK(ec);
    const ltls_cert_t *out[2];
    CHECK(lookup_cert_subject(s, ec, out, 2) == 1);
    CHECK(ltls_trust_store_count(s) == 3);
    ltls_cert_free(ec);
    ltls_trust_store_unref(s);
    CHECK(ltls_trust_store_ref(NULL) == NULL);
}

/* An allocator that fails the nth allocation from now on. */
typedef struct failing {
    long left;
    long live;
} failing_t;

static void *fail_alloc(void *user, size_t size)
{
    failing_t *f = user;
    if (f->left-- == 0)
        return NULL;
    f->live++;
    return calloc(1, size);
}

static void fail_free(void *user, void *p, size_t size)
{
    failing_t *f = user;
    (void)size;
    f->live--;
    free(p);
}

TEST(all_or_nothing_under_allocation_failure)
{
    /* For every allocation the loads make, fail that one: each call either
     * succeeds or fails with OUT_OF_MEMORY and leaves the store as it was,
     * and nothing leaks (live allocations return to the store's own). */
    int saw_oom = 0, saw_ok = 0;
    for (long k = 0; k < 400; k++) {
        failing_t f = {-1, 0};
        ltls_allocator_t a = {fail_alloc, fail_free, &f};
        ltls_trust_store_t *s;
        CHECK_OK(ltls_trust_store_new(&a, &s));
        CHECK_OK(ltls_trust_store_add_file(s, DIR "root-ec-twin.pem", NULL));
        long base = f.live;
        f.left = k;
        size_t added = 99;
        ltls_err_t e = ltls_trust_store_add_file(s, DIR "bundle.pem", &added);
        if (e == LTLS_OK) {
            CHECK(added == 3 && ltls_trust_store_count(s) == 4);
            saw_ok = 1;
        } else {
            CHECK(ltls_err_reason(e) == LTLS_R_OUT_OF_MEMORY);
            CHECK(added == 0 && ltls_trust_store_count(s) == 1);
            CHECK(f.live == base);
            saw_oom = 1;
        }
        f.left = -1;
        e = ltls_trust_store_add_dir(s, DIR "plain", NULL);
        CHECK(e == LTLS_OK);
        ltls_trust_store_unref(s);
        CHECK(f.live == 0);
        if (saw_ok)
            break;
    }
    CHECK(saw_oom && saw_ok);
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

TEST(debian_bundle_load_time)
{
    FILE *f = fopen(DEBIAN_BUNDLE, "rb");
    if (!f) {
        printf("# skipped: %s not present\n", DEBIAN_BUNDLE);
        return;
    }
    fclose(f);
    /* Best of several runs, so that a cold page cache or a busy machine
     * does not decide the figure; printed for the notes, not asserted. */
    double best = 1e9, best_lookup = 1e9;
    size_t count = 0;
    for (int run = 0; run < 5; run++) {
        ltls_trust_store_t *s;
        CHECK_OK(ltls_trust_store_new(NULL, &s));
        double t0 = now_ms();
        CHECK_OK(ltls_trust_store_add_file(s, DEBIAN_BUNDLE, &count));
        double t1 = now_ms();
        if (t1 - t0 < best)
            best = t1 - t0;
        /* Lookup of every anchor's subject, 100 rounds. */
        ltls_cert_t **v;
        size_t n, data_len;
        uint8_t *data = read_all(DEBIAN_BUNDLE, &data_len);
        CHECK(data);
        CHECK_OK(ltls_cert_list_parse(data, data_len, NULL, &v, &n));
        free(data);
        const ltls_cert_t *out[4];
        size_t hits = 0;
        double t2 = now_ms();
        for (int r = 0; r < 100; r++)
            for (size_t i = 0; i < n; i++)
                hits += lookup_cert_subject(s, v[i], out, 4);
        double t3 = now_ms();
        CHECK(hits >= 100 * n);
        if ((t3 - t2) / (100.0 * (double)n) < best_lookup)
            best_lookup = (t3 - t2) / (100.0 * (double)n);
        ltls_cert_list_free(v, n, NULL);
        ltls_trust_store_unref(s);
    }
    printf("# %s: %zu anchors loaded in %.2f ms (best of 5); lookup %.0f ns\n", DEBIAN_BUNDLE,
           count, best, best_lookup * 1e6);
    CHECK(count > 0);

    /* The same roots through the hashed directory (a file per root), for
     * comparison: what discovery would cost without a bundle. */
    ltls_trust_store_t *s;
    size_t dir_count = 0;
    CHECK_OK(ltls_trust_store_new(NULL, &s));
    double t0 = now_ms();
    ltls_err_t e = ltls_trust_store_add_dir(s, "/etc/ssl/certs", &dir_count);
    double t1 = now_ms();
    ltls_trust_store_unref(s);
    if (e == LTLS_OK)
        printf("# /etc/ssl/certs (hashed directory): %zu anchors loaded in %.2f ms\n", dir_count,
               t1 - t0);
}

int main(void)
{
    RUN(new_and_count_empty);
    RUN(add_pem_buffer_bundle_with_duplicate);
    RUN(add_der_file_and_pem_file_of_same_cert);
    RUN(lookup_by_subject);
    RUN(lookup_many_subjects);
    RUN(hashed_directory_reads_only_hash_links);
    RUN(plain_directory_of_pem_files);
    RUN(directory_errors);
    RUN(file_errors_name_the_path);
    RUN(buffer_errors);
    RUN(system_env_file_overrides);
    RUN(system_env_dir_overrides);
    RUN(system_defaults_first_file_then_dirs);
    RUN(refcount);
    RUN(all_or_nothing_under_allocation_failure);
    RUN(debian_bundle_load_time);
    return test_done();
}
