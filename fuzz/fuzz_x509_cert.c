/*
 * fuzz/fuzz_x509_cert.c - certificate decoding (src/x509/cert.c, name.c),
 * every accessor of a decoded certificate, server-identity matching
 * (hostname.c), name-constraint checks (nc.c), the trust store (src/trust)
 * and path validation (verify.c) over arbitrary DER.
 *
 * Why: a TLS client decodes and validates certificates that any server
 * sends, before it has authenticated anything; this is lucidtls's largest
 * parser of hostile input.
 *
 * Each input is
 *   1. decoded whole as one certificate (with and without the detail
 *      sentence, and again with an allocation failing), and if that works
 *      every accessor is called and checked;
 *   2. added to a fresh trust store (one DER certificate or PEM);
 *   3. split into consecutive DER elements (at most MAX_CERTS), each decoded;
 *      those that decode form a chain, leaf first, which ltls_x509_verify
 *      validates against a fixed trust store (fuzz_x509_anchors.h, the roots
 *      of the synth-chain-* seeds). Host name, purpose and depth limit are
 *      chosen from a hash of the input. Half of the inputs are validated
 *      with the OpenSSL provider as it is, half with a copy whose verify()
 *      accepts every signature: a mutated certificate never carries a valid
 *      signature, and without that half the fuzzer could not get past the
 *      first signature to name constraints, path length and the rest.
 *      (Issue 6's deterministic test provider will replace this shim.)
 *
 * Checked besides the sanitizers: documented errors only; NUL-terminated,
 * correctly truncated text with the full length returned; every view inside
 * the certificate's DER; each dNSName that is a valid host name and each
 * iPAddress (as text) matching its own certificate; IP text that parses back
 * to the same address; a validated path that starts at the leaf, chains by
 * name, ends at a trusted anchor, fits the depth limit and matches the host;
 * allocator sizes and no leaks.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/reader.h"
#include "fuzz_common.h"
#include "fuzz_x509_host.h"
#include "fuzz_x509_anchors.h"
#include "lucidtls/provider.h"
#include "lucidtls/x509.h"
#include "x509/cert.h"
#include "x509/der.h"
#include "x509/name.h"
#include "x509/verify.h"

#define MAX_CERTS 10
/* 2025-06-01T00:00:00Z: inside the validity of every anchor and of the
 * tests/data/x509 chains (the time their cases.json validates at). */
#define NOW 1748736000

static const char *const fixed_hosts[] = {
    "example.com", "EXAMPLE.COM", "www.example.com", "example.com.", "a.b.example.com",
    "localhost", "com", "co.uk", "xn--bcher-kva.example", "127.0.0.1", "::1",
    "2001:db8::1", "192.168.0.1", "*.example.com", "", "-bad-.example", "1.2.3",
    "a..b", "ex ample.com",
};

/* FUZZ_VERBOSE=1 in the environment prints each validation's outcome, to
 * see which paths a corpus reaches (e.g. ./fuzz_x509_cert -runs=0 DIR). */
static int verbose(void)
{
    static int v = -1;
    if (v < 0)
        v = getenv("FUZZ_VERBOSE") != NULL;
    return v;
}

/* --- setup: providers and the trust store ---------------------------------- */

static ltls_err_t accept_any_signature(const ltls_pubkey_t *key, const ltls_sigscheme_t *scheme,
                                       const uint8_t *msg, size_t msg_len, const uint8_t *sig,
                                       size_t sig_len)
{
    FUZZ_CHECK(key != NULL && scheme != NULL);
    fuzz_touch(msg, msg_len);
    fuzz_touch(sig, sig_len);
    return LTLS_OK;
}

typedef struct {
    const ltls_provider_t *real;
    ltls_provider_t lax;
    ltls_trust_store_t *store;
    ltls_cert_t **anchors;
    size_t nanchors;
} setup_t;

static const setup_t *setup(void)
{
    static setup_t s;
    static int ready;
    if (ready)
        return &s;
    ltls_provider_t *p = NULL;
    FUZZ_CHECK(ltls_provider_new("openssl", NULL, &p) == LTLS_OK);
    s.real = p; /* kept for the life of the process, as is everything here */
    s.lax = *p;
    s.lax.verify = accept_any_signature;
    const uint8_t *pem = (const uint8_t *)fuzz_x509_anchors_pem;
    size_t len = sizeof fuzz_x509_anchors_pem - 1, added = 0;
    FUZZ_CHECK(ltls_trust_store_new(NULL, &s.store) == LTLS_OK);
    FUZZ_CHECK(ltls_trust_store_add(s.store, pem, len, &added) == LTLS_OK && added > 0);
    FUZZ_CHECK(ltls_cert_list_parse(pem, len, NULL, &s.anchors, &s.nanchors) == LTLS_OK);
    FUZZ_CHECK(s.nanchors == added && ltls_trust_store_count(s.store) == added);
    ready = 1;
    return &s;
}

/* --- text outputs --------------------------------------------------------- */

typedef size_t (*print_fn)(const ltls_cert_t *c, char *buf, size_t cap);

/* A printer writes at most cap bytes with the NUL, returns the full length,
 * and gives the same text whatever the capacity. */
static void check_print(const ltls_cert_t *c, print_fn f)
{
    char big[2048], small[17];
    size_t n = f(c, big, sizeof big);
    FUZZ_CHECK(strlen(big) == (n < sizeof big ? n : sizeof big - 1));
    size_t n2 = f(c, small, sizeof small);
    FUZZ_CHECK(n2 == n && strlen(small) == (n < sizeof small ? n : sizeof small - 1));
    FUZZ_CHECK(strncmp(small, big, sizeof small - 1) == 0);
    char one = 'x';
    FUZZ_CHECK(f(c, &one, 1) == n && one == '\0');
}

static size_t print_subject(const ltls_cert_t *c, char *b, size_t n) { return ltls_cert_subject(c, b, n); }
static size_t print_issuer(const ltls_cert_t *c, char *b, size_t n) { return ltls_cert_issuer(c, b, n); }
static size_t print_san(const ltls_cert_t *c, char *b, size_t n) { return ltls_x509_san_print(c, b, n); }

/* --- accessors --------------------------------------------------------------- */

static void check_span(const ltls_cert_t *c, const uint8_t *p, size_t n)
{
    if (n == 0)
        return;
    FUZZ_CHECK(p != NULL && fuzz_within(p, n, c->der, c->der_len));
    fuzz_touch(p, n);
}

/* Each dNSName that is a valid host name and each iPAddress must match
 * its own certificate, whatever the case of the letters. Checked for the
 * first MAX_IDENTITY_CHECKS entries: each match walks the whole SAN, and a
 * certificate may hold thousands (the limbo nc-dos seeds). */
#define MAX_IDENTITY_CHECKS 16
static void check_san_identities(const ltls_cert_t *c)
{
    ltls_x509_gn_iter_t it;
    unsigned tag;
    ltls_x509_span_t v;
    unsigned entries = 0;
    ltls_x509_gn_iter_init(&it, c->san);
    while (ltls_x509_gn_next(&it, &tag, &v)) {
        FUZZ_CHECK(++entries <= c->der_len); /* the iterator advances */
        FUZZ_CHECK(tag <= LTLS_X509_GN_REGISTERED_ID);
        FUZZ_CHECK(c->san_forms & (1u << tag));
        check_span(c, v.p, v.len);
        char host[300];
        if (entries > MAX_IDENTITY_CHECKS)
            continue;
        if (tag == LTLS_X509_GN_DNS && v.len < sizeof host - 1 &&
            !memchr(v.p, 0, v.len) && ltls_x509_dns_valid(v.p, v.len, 0)) {
            memcpy(host, v.p, v.len);
            host[v.len] = 0;
            FUZZ_CHECK(ltls_x509_match_host(c, host) == 1);
            for (size_t i = 0; i < v.len; i++)
                if (host[i] >= 'a' && host[i] <= 'z')
                    host[i] = (char)(host[i] - 'a' + 'A');
            FUZZ_CHECK(ltls_x509_match_host(c, host) == 1);
        }
        if (tag == LTLS_X509_GN_IP && (v.len == 4 || v.len == 16)) {
            uint8_t back[16];
            size_t n = ltls_x509_format_ip(v.p, v.len, host);
            FUZZ_CHECK(n == strlen(host) && n < 46);
            FUZZ_CHECK(ltls_x509_parse_ip(host, n, back) == v.len);
            FUZZ_CHECK(memcmp(back, v.p, v.len) == 0);
            FUZZ_CHECK(ltls_x509_match_host(c, host) == 1);
        }
    }
}

static void check_constraints(const ltls_cert_t *c)
{
    ltls_x509_gn_iter_t it;
    unsigned tag;
    ltls_x509_span_t v;
    const ltls_x509_span_t trees[2] = {c->nc_permitted, c->nc_excluded};
    for (int t = 0; t < 2; t++) {
        ltls_x509_gn_iter_init(&it, trees[t]);
        unsigned n = 0;
        while (ltls_x509_subtree_next(&it, &tag, &v)) {
            FUZZ_CHECK(++n <= c->der_len);
            FUZZ_CHECK(c->nc_forms & (1u << tag));
            check_span(c, v.p, v.len);
        }
    }
    if (!(c->ext_present & LTLS_X509_EXT_NAME_CONSTRAINTS))
        return;
    char detail[512];
    unsigned work = 0;
    detail[0] = 'x';
    ltls_err_t err = ltls_x509_nc_validate(c, &work, detail, sizeof detail);
    FUZZ_CHECK_ERR(err, !err || ltls_err_reason(err) == LTLS_R_CERT_MALFORMED ||
                            ltls_err_reason(err) == LTLS_R_CERT_WORK_LIMIT);
    if (err) {
        FUZZ_CHECK(memchr(detail, 0, sizeof detail) != NULL);
        return;
    }
    /* the certificate's own names under its own constraints */
    err = ltls_x509_nc_check(c, c, &work, detail, sizeof detail);
    FUZZ_CHECK_ERR(err, !err || ltls_err_reason(err) == LTLS_R_CERT_NAME_CONSTRAINTS ||
                            ltls_err_reason(err) == LTLS_R_CERT_WORK_LIMIT);
    FUZZ_CHECK(work <= LTLS_X509_WORK_BUDGET + LTLS_X509_SIG_COST || err);
}

static void check_cert(const ltls_cert_t *c, const uint8_t *der, size_t len)
{
    size_t n = 0;
    const uint8_t *p = ltls_cert_der(c, &n);
    FUZZ_CHECK(p != NULL && n == len && memcmp(p, der, len) == 0);
    FUZZ_CHECK(p != der); /* its own copy */
    FUZZ_CHECK(ltls_cert_equal(c, c));

    check_print(c, print_subject);
    check_print(c, print_issuer);
    check_print(c, print_san);

    p = ltls_cert_subject_der(c, &n);
    check_span(c, p, n);
    p = ltls_cert_issuer_der(c, &n);
    check_span(c, p, n);
    p = ltls_cert_spki_der(c, &n);
    check_span(c, p, n);
    check_span(c, c->tbs.p, c->tbs.len);
    check_span(c, c->serial.p, c->serial.len);
    check_span(c, c->signature.p, c->signature.len);
    check_span(c, c->key_bits.p, c->key_bits.len);
    check_span(c, c->policies.p, c->policies.len);
    check_span(c, c->ski.p, c->ski.len);
    check_span(c, c->aki_key_id.p, c->aki_key_id.len);
    FUZZ_CHECK(c->version >= 1 && c->version <= 3);
    FUZZ_CHECK(c->self_issued == ltls_x509_name_equal(c->issuer, c->subject));

    const ltls_pubkey_info_t *k = ltls_cert_pubkey_info(c);
    if (k) {
        check_span(c, k->point, k->point_size);
        check_span(c, k->n, k->n_size);
        check_span(c, k->e, k->e_size);
    }
    FUZZ_CHECK(ltls_x509_sigalg_name(c->sig_alg) != NULL);
    (void)ltls_x509_sigalg_is_weak(c->sig_alg);
    if (k)
        (void)ltls_x509_sigalg_scheme(c->sig_alg, k);

    ltls_x509_attr_iter_t ai;
    ltls_x509_span_t type, value;
    uint32_t vtag;
    unsigned attrs = 0;
    ltls_x509_attr_iter_init(&ai, c->subject);
    while (ltls_x509_attr_next(&ai, &type, &vtag, &value)) {
        FUZZ_CHECK(++attrs <= c->der_len);
        check_span(c, type.p, type.len);
        check_span(c, value.p, value.len);
    }

    char t[32];
    ltls_x509_format_time(ltls_cert_not_before(c), t);
    FUZZ_CHECK(memchr(t, 0, sizeof t) != NULL);
    ltls_x509_format_time(ltls_cert_not_after(c), t);
    FUZZ_CHECK(memchr(t, 0, sizeof t) != NULL);

    for (size_t i = 0; i < sizeof fixed_hosts / sizeof fixed_hosts[0]; i++)
        (void)ltls_x509_match_host(c, fixed_hosts[i]);
    check_san_identities(c);
    check_constraints(c);
}

/* --- the steps ---------------------------------------------------------------- */

static ltls_err_t parse_checked(const ltls_allocator_t *a, const uint8_t *der, size_t len,
                                ltls_cert_t **out)
{
    char detail[256];
    memset(detail, 'x', sizeof detail);
    ltls_err_t err = ltls_cert_parse_detail(der, len, a, out, detail, sizeof detail);
    if (err) {
        FUZZ_CHECK_ERR(err, ltls_err_reason(err) == LTLS_R_CERT_MALFORMED ||
                                ltls_err_reason(err) == LTLS_R_OUT_OF_MEMORY);
        FUZZ_CHECK(*out == NULL);
        FUZZ_CHECK(memchr(detail, 0, sizeof detail) != NULL);
        if (ltls_err_reason(err) == LTLS_R_CERT_MALFORMED)
            FUZZ_CHECK(detail[0] != 0); /* says what was malformed */
    } else {
        FUZZ_CHECK(*out != NULL);
        /* strict DER: the input is exactly one SEQUENCE */
        ltls_reader_t r, body;
        ltls_reader_init(&r, der, len);
        FUZZ_CHECK(ltls_der_read_sequence(&r, &body) == LTLS_OK && ltls_reader_left(&r) == 0);
    }
    return err;
}

static void decode_whole(fuzz_alloc_state_t *st, const uint8_t *data, size_t size)
{
    ltls_allocator_t a = fuzz_allocator(st);
    ltls_cert_t *c = NULL, *c2 = NULL;
    fuzz_alloc_reset(st, 0);
    ltls_err_t err = parse_checked(&a, data, size, &c);
    ltls_err_t err2 = ltls_cert_parse(data, size, &a, &c2);
    FUZZ_CHECK(err == err2);
    if (!err) {
        FUZZ_CHECK(ltls_cert_equal(c, c2));
        check_cert(c, data, size);
    }
    ltls_cert_free(c);
    ltls_cert_free(c2);
    fuzz_alloc_expect_empty(st);

    size_t allocs = st->count;
    if (allocs > 0) {
        fuzz_alloc_reset(st, 1 + fuzz_hash(data, size) % allocs);
        err = ltls_cert_parse(data, size, &a, &c);
        if (st->count >= st->fail_at)
            FUZZ_CHECK_ERR(err, ltls_err_reason(err) == LTLS_R_OUT_OF_MEMORY ||
                                    ltls_err_reason(err) == LTLS_R_CERT_MALFORMED);
        if (!err)
            ltls_cert_free(c);
        fuzz_alloc_expect_empty(st);
    }
}

static void trust_store_add(fuzz_alloc_state_t *st, const uint8_t *data, size_t size)
{
    ltls_allocator_t a = fuzz_allocator(st);
    ltls_trust_store_t *s = NULL;
    size_t added = 12345;
    fuzz_alloc_reset(st, 0);
    FUZZ_CHECK(ltls_trust_store_new(&a, &s) == LTLS_OK);
    ltls_err_t err = ltls_trust_store_add(s, data, size, &added);
    if (err) {
        FUZZ_CHECK_ERR(err, ltls_err_reason(err) == LTLS_R_CERT_MALFORMED ||
                                ltls_err_reason(err) == LTLS_R_PEM_INVALID ||
                                ltls_err_reason(err) == LTLS_R_CERT_NONE_FOUND ||
                                ltls_err_reason(err) == LTLS_R_OUT_OF_MEMORY);
        FUZZ_CHECK(ltls_trust_store_count(s) == 0); /* nothing added on error */
    } else {
        FUZZ_CHECK(added >= 1 && ltls_trust_store_count(s) <= added);
    }
    ltls_trust_store_unref(s);
    fuzz_alloc_expect_empty(st);
}

static int is_anchor(const setup_t *s, const ltls_cert_t *c)
{
    for (size_t i = 0; i < s->nanchors; i++)
        if (ltls_cert_equal(s->anchors[i], c))
            return 1;
    return 0;
}

static void check_path(const setup_t *s, const ltls_verify_params_t *vp,
                       const ltls_verify_result_t *res)
{
    unsigned max = vp->max_depth ? vp->max_depth : LTLS_X509_MAX_DEPTH;
    FUZZ_CHECK(res->path_len >= 1 && res->path_len <= max);
    FUZZ_CHECK(res->path[0] == vp->peer[0] || ltls_cert_equal(res->path[0], vp->peer[0]));
    FUZZ_CHECK(is_anchor(s, res->path[res->path_len - 1]));
    for (size_t i = 0; i < res->path_len; i++) {
        const ltls_cert_t *c = res->path[i];
        FUZZ_CHECK(c->not_before <= vp->now && vp->now <= c->not_after);
        for (size_t j = 0; j < i; j++)
            FUZZ_CHECK(!ltls_cert_equal(c, res->path[j]));
        if (i > 0)
            FUZZ_CHECK(ltls_x509_name_equal(res->path[i - 1]->issuer, c->subject));
    }
    if (vp->host)
        FUZZ_CHECK(ltls_x509_match_host(vp->peer[0], vp->host) == 1);
}

static int documented_verify_error(ltls_err_t err)
{
    switch (ltls_err_reason(err)) {
    case LTLS_R_CERT_MALFORMED:
    case LTLS_R_CERT_EXPIRED:
    case LTLS_R_CERT_NOT_YET_VALID:
    case LTLS_R_CERT_UNKNOWN_ISSUER:
    case LTLS_R_CERT_BAD_SIGNATURE:
    case LTLS_R_CERT_NOT_CA:
    case LTLS_R_CERT_PATH_TOO_LONG:
    case LTLS_R_CERT_NAME_CONSTRAINTS:
    case LTLS_R_CERT_KEY_USAGE:
    case LTLS_R_CERT_EXT_KEY_USAGE:
    case LTLS_R_CERT_WEAK_ALGORITHM:
    case LTLS_R_CERT_UNKNOWN_CRITICAL:
    case LTLS_R_CERT_NAME_MISMATCH:
    case LTLS_R_CERT_WORK_LIMIT:
        return 1;
    default:
        return 0;
    }
}

static void validate_chain(fuzz_alloc_state_t *st, const uint8_t *data, size_t size)
{
    const setup_t *s = setup();
    ltls_allocator_t a = fuzz_allocator(st);
    ltls_cert_t *certs[MAX_CERTS];
    size_t n = 0;
    ltls_reader_t r;
    ltls_der_elem_t e;
    fuzz_alloc_reset(st, 0);
    ltls_reader_init(&r, data, size);
    for (unsigned i = 0; i < MAX_CERTS && ltls_der_read_any(&r, &e) == LTLS_OK; i++) {
        ltls_cert_t *c = NULL;
        if (parse_checked(&a, e.raw, e.raw_len, &c) == LTLS_OK)
            certs[n++] = c;
    }
    if (n > 0) {
        uint64_t h = fuzz_hash(data, size);
        char host[300];
        ltls_verify_params_t vp;
        memset(&vp, 0, sizeof vp);
        vp.provider = (h >> 3) & 1 ? &s->lax : s->real;
        vp.trust = s->store;
        vp.peer = (const ltls_cert_t *const *)certs;
        vp.peer_count = n;
        switch (h & 3) {
        case 0:
            vp.host = NULL;
            break;
        case 1:
            vp.host = "example.com";
            break;
        default:
            vp.host = fuzz_leaf_host(certs[0], host, sizeof host, 1) ? host : "example.com";
        }
        vp.purpose = (h >> 2) & 1 ? LTLS_PURPOSE_CLIENT_AUTH : LTLS_PURPOSE_SERVER_AUTH;
        vp.now = NOW;
        vp.max_depth = ((h >> 4) & 7) == 0 ? (unsigned)((h >> 7) & 3) + 1 : 0;

        ltls_verify_result_t res;
        memset(&res, 0xa5, sizeof res);
        ltls_err_t err = ltls_x509_verify(&vp, &res);
        if (verbose())
            fprintf(stderr, "fuzz_x509_cert: %zu cert(s), %s provider, host %s, %s: %s%s%s\n", n,
                    vp.provider == s->real ? "real" : "lax", vp.host ? vp.host : "(none)",
                    vp.purpose == LTLS_PURPOSE_SERVER_AUTH ? "server" : "client",
                    err ? ltls_err_reason_name(err) : "OK", err ? ": " : "", err ? res.detail : "");
        FUZZ_CHECK(memchr(res.detail, 0, sizeof res.detail) != NULL);
        if (err) {
            FUZZ_CHECK_ERR(err, documented_verify_error(err));
            FUZZ_CHECK(res.depth >= -1 && res.depth <= LTLS_X509_MAX_DEPTH);
        } else {
            check_path(s, &vp, &res);
        }
    }
    for (size_t i = 0; i < n; i++)
        ltls_cert_free(certs[i]);
    fuzz_alloc_expect_empty(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fuzz_alloc_state_t st;
    (void)setup();
    decode_whole(&st, data, size);
    trust_store_add(&st, data, size);
    validate_chain(&st, data, size);
    return 0;
}
