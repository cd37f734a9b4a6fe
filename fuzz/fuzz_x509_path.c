/*
 * fuzz/fuzz_x509_path.c - path building and validation (src/x509/verify.c,
 * with nc.c, hostname.c and the trust store's issuer lookup) over a fuzzed
 * set of certificates: a leaf, trust anchors and an unordered pool of
 * intermediates.
 *
 * Why: fuzz_x509_cert feeds one chain in order against fixed anchors, so it
 * rarely meets what makes path building hard: several candidate issuers
 * with the same name, cross-certificates, cycles, key identifiers that
 * point the wrong way, anchors that are not self-signed, constraints that
 * only a longer path violates, and a pool large enough to exhaust the work
 * budget. Here the fuzzer chooses the whole set, the anchors, the time, the
 * host name and the purpose.
 *
 * Input:
 *   byte 0     flags: bits 0-1 the host name (0 none, 1 the host field,
 *              2 the leaf's first subjectAltName, 3 the host field, or the
 *              leaf's name when the field is empty); bit 2 clientAuth (else
 *              serverAuth); bits 3-5 max_depth (0 the default, 7 beyond
 *              LTLS_X509_MAX_DEPTH, else that many); bit 6 selective
 *              signatures (below); bit 7 validate again with the pool in
 *              reverse order
 *   byte 1     bit 7: allocation number (byte & 0x7f) + 1 during validation
 *              fails
 *   bytes 2-6  the validation time, seconds since the epoch (big-endian)
 *   byte 7     length of the host field, then its bytes (up to a NUL)
 *   then items until the end: a role byte (low two bits: 0 the leaf, or a
 *   peer intermediate after the first; 1 a trust anchor; 2 an intermediate
 *   sent by the peer; 3 an intermediate from params.extra), a 2-byte
 *   big-endian length and that many bytes of DER.
 *
 * Signatures: a mutated certificate never carries a valid signature, so the
 * validation runs on the null provider (src/crypto/null: NO SECURITY),
 * which accepts any non-empty signature whose scheme fits the key. With the
 * selective flag, a shim also rejects a signature whose last byte differs in
 * parity from the last byte of the issuer's key: which candidate "really"
 * signed a certificate is then under the fuzzer's control, so backtracking
 * past impostors with the right name is exercised too.
 *
 * Checked besides the sanitizers: a documented error with its alert, a
 * depth within bounds and a detail sentence; on success, a path that starts
 * at the leaf (or is the pinned leaf itself), chains by byte-equal names,
 * holds intermediates from the pool only, ends at an anchor of the store,
 * fits the depth limit, repeats no certificate, is valid at the time, obeys
 * basicConstraints, keyUsage, extendedKeyUsage, pathLenConstraint and name
 * constraints, matches the host name, and (selective mode) has every
 * signature the shim would accept; at most the budget's worth of signature
 * checks per validation; a pinned leaf that validates unless the leaf itself
 * is faulty; a name mismatch only when the host really does not match; the
 * same verdict with the pool reversed (path building is exhaustive, so the
 * order of the pool may change which path is found, not whether one is);
 * allocator sizes and no leaks.
 *
 * Seeds: scripts/gen_fuzz_x509_path_corpus.py (the chains of tests/data,
 * a sample of x509-limbo, synthetic sets for cycles, cross-signing, key-id
 * mismatches, diamonds (the signature cache) and the work budget).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/reader.h"
#include "crypto/null/nullprov.h"
#include "fuzz_common.h"
#include "fuzz_x509_host.h"
#include "lucidtls/provider.h"
#include "lucidtls/x509.h"
#include "trust/store.h"
#include "x509/cert.h"
#include "x509/verify.h"

#define MAX_ITEMS 128 /* beyond LTLS_X509_MAX_CHAIN, so that its limit is met */
#define MAX_ANCHORS 16

enum {
    F_HOST = 3,
    F_CLIENT = 1 << 2,
    F_DEPTH_SHIFT = 3,
    F_SELECTIVE = 1 << 6,
    F_REVERSE = 1 << 7
};

/* FUZZ_VERBOSE=1 prints each validation's outcome (./fuzz_x509_path -runs=0 DIR). */
static int verbose(void)
{
    static int v = -1;
    if (v < 0)
        v = getenv("FUZZ_VERBOSE") != NULL;
    return v;
}

/* ---------------------------------------------------------------------------
 * The provider: the null provider, keys wrapped so that the selective shim
 * knows a byte of the issuer's key.
 * ------------------------------------------------------------------------- */

typedef struct {
    const ltls_provider_t *null;
    ltls_provider_t shim;
    const ltls_allocator_t *alloc;
    int selective;
    unsigned verifies; /* signature checks during one validation */
} prov_state_t;

static prov_state_t ps;

typedef struct {
    ltls_pubkey_t *inner;
    uint8_t key_byte;
} wkey_t;

/* The last byte of the key's public value: what the shim's rule uses. */
static uint8_t key_byte(const ltls_pubkey_info_t *k)
{
    if (k->point && k->point_size)
        return k->point[k->point_size - 1];
    if (k->n && k->n_size)
        return k->n[k->n_size - 1];
    return 0;
}

static int sig_accepted(uint8_t key, const uint8_t *sig, size_t sig_len)
{
    return sig_len > 0 && ((sig[sig_len - 1] ^ key) & 1) == 0;
}

static ltls_err_t shim_pubkey_new(void *impl, const ltls_pubkey_info_t *info, ltls_pubkey_t **out)
{
    ltls_pubkey_t *inner = NULL;
    ltls_err_t err = ps.null->pubkey_new(impl, info, &inner);
    if (err)
        return err;
    wkey_t *w = ltls_alloc(ps.alloc, sizeof *w);
    if (!w) {
        ps.null->pubkey_free(inner);
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    }
    w->inner = inner;
    w->key_byte = key_byte(info);
    *out = (ltls_pubkey_t *)(void *)w;
    return LTLS_OK;
}

static void shim_pubkey_free(ltls_pubkey_t *k)
{
    if (!k)
        return;
    wkey_t *w = (wkey_t *)(void *)k;
    ps.null->pubkey_free(w->inner);
    ltls_free(ps.alloc, w, sizeof *w);
}

static size_t shim_pubkey_bits(const ltls_pubkey_t *k)
{
    return k ? ps.null->pubkey_bits(((const wkey_t *)(const void *)k)->inner) : 0;
}

static ltls_err_t shim_verify(const ltls_pubkey_t *k, const ltls_sigscheme_t *s,
                              const uint8_t *msg, size_t msg_len, const uint8_t *sig,
                              size_t sig_len)
{
    FUZZ_CHECK(k != NULL && s != NULL);
    fuzz_touch(msg, msg_len);
    fuzz_touch(sig, sig_len);
    ps.verifies++;
    const wkey_t *w = (const wkey_t *)(const void *)k;
    ltls_err_t err = ps.null->verify(w->inner, s, msg, msg_len, sig, sig_len);
    if (err || !ps.selective)
        return err;
    return sig_accepted(w->key_byte, sig, sig_len) ? LTLS_OK
                                                   : ltls_err_make(LTLS_R_DECRYPT_ERROR);
}

/* ---------------------------------------------------------------------------
 * The input
 * ------------------------------------------------------------------------- */

typedef struct {
    uint8_t flags;
    size_t fail_at;
    int64_t now;
    char host_field[256];
    ltls_trust_store_t *store;
    size_t anchors_added;
    const ltls_cert_t *leaf;
    ltls_cert_t *owned[MAX_ITEMS];
    size_t nowned;
    const ltls_cert_t *peer[MAX_ITEMS]; /* leaf first */
    size_t npeer;
    const ltls_cert_t *extra[MAX_ITEMS];
    size_t nextra;
} set_t;

static ltls_cert_t *parse_cert(const ltls_allocator_t *a, const uint8_t *der, size_t len)
{
    ltls_cert_t *c = NULL;
    ltls_err_t err = ltls_cert_parse(der, len, a, &c);
    if (err) {
        FUZZ_CHECK_ERR(err, ltls_err_reason(err) == LTLS_R_CERT_MALFORMED);
        FUZZ_CHECK(c == NULL);
        return NULL;
    }
    return c;
}

/* Reads the input into s; 0 if it is too short to say anything. */
static int read_set(set_t *s, const ltls_allocator_t *a, const uint8_t *data, size_t size)
{
    ltls_reader_t r, host;
    uint8_t alloc_byte, t_hi;
    uint32_t t_lo;
    ltls_reader_init(&r, data, size);
    if (ltls_reader_u8(&r, &s->flags) || ltls_reader_u8(&r, &alloc_byte) ||
        ltls_reader_u8(&r, &t_hi) || ltls_reader_u32(&r, &t_lo) ||
        ltls_reader_vec(&r, 1, 0, 255, &host))
        return 0;
    s->fail_at = alloc_byte & 0x80 ? (size_t)(alloc_byte & 0x7f) + 1 : 0;
    s->now = (int64_t)((uint64_t)t_hi << 32 | t_lo);
    size_t hl = ltls_reader_left(&host);
    FUZZ_CHECK(ltls_reader_copy(&host, (uint8_t *)s->host_field, hl) == LTLS_OK);
    s->host_field[hl] = '\0'; /* a NUL inside ends the name early */

    FUZZ_CHECK(ltls_trust_store_new(a, &s->store) == LTLS_OK);
    while (ltls_reader_left(&r) > 0 && s->nowned < MAX_ITEMS) {
        uint8_t role;
        ltls_reader_t item;
        if (ltls_reader_u8(&r, &role) || ltls_reader_vec(&r, 2, 0, 0xffff, &item))
            break;
        const uint8_t *der = ltls_reader_peek(&item);
        size_t len = ltls_reader_left(&item);
        if ((role & 3) == 1) {
            size_t added = 0, before = ltls_trust_store_count(s->store);
            ltls_err_t err = ltls_trust_store_add(s->store, der, len, &added);
            if (err) {
                FUZZ_CHECK_ERR(err, ltls_err_reason(err) == LTLS_R_CERT_MALFORMED ||
                                        ltls_err_reason(err) == LTLS_R_PEM_INVALID ||
                                        ltls_err_reason(err) == LTLS_R_CERT_NONE_FOUND);
                FUZZ_CHECK(ltls_trust_store_count(s->store) == before);
            } else {
                FUZZ_CHECK(ltls_trust_store_count(s->store) == before + added && added <= 1);
                s->anchors_added += added;
            }
            continue;
        }
        ltls_cert_t *c = parse_cert(a, der, len);
        if (!c)
            continue;
        s->owned[s->nowned++] = c;
        if ((role & 3) == 0 && !s->leaf) {
            s->leaf = c;
            continue;
        }
        if ((role & 3) == 3)
            s->extra[s->nextra++] = c;
        else
            s->peer[1 + s->npeer++] = c;
    }
    if (!s->leaf)
        return 0;
    s->peer[0] = s->leaf;
    s->npeer++;
    return 1;
}

/* ---------------------------------------------------------------------------
 * Contracts
 * ------------------------------------------------------------------------- */

/* x509.h's list, each with the alert error.h gives it. */
static int documented_alert(ltls_err_t err)
{
    switch (ltls_err_reason(err)) {
    case LTLS_R_CERT_MALFORMED:
    case LTLS_R_CERT_BAD_SIGNATURE:
    case LTLS_R_CERT_NOT_CA:
    case LTLS_R_CERT_PATH_TOO_LONG:
    case LTLS_R_CERT_NAME_CONSTRAINTS:
    case LTLS_R_CERT_WEAK_ALGORITHM:
    case LTLS_R_CERT_NAME_MISMATCH:
    case LTLS_R_CERT_WORK_LIMIT: return LTLS_ALERT_BAD_CERTIFICATE;
    case LTLS_R_CERT_EXPIRED:
    case LTLS_R_CERT_NOT_YET_VALID: return LTLS_ALERT_CERTIFICATE_EXPIRED;
    case LTLS_R_CERT_UNKNOWN_ISSUER: return LTLS_ALERT_UNKNOWN_CA;
    case LTLS_R_CERT_KEY_USAGE:
    case LTLS_R_CERT_EXT_KEY_USAGE:
    case LTLS_R_CERT_UNKNOWN_CRITICAL: return LTLS_ALERT_UNSUPPORTED_CERTIFICATE;
    default: return -1;
    }
}

static int is_anchor_ptr(const set_t *s, const ltls_cert_t *c)
{
    const ltls_cert_t *found[MAX_ANCHORS];
    size_t n = ltls_trust_store_lookup(s->store, c->subject.p, c->subject.len, found, MAX_ANCHORS);
    for (size_t i = 0; i < n; i++)
        if (found[i] == c)
            return 1;
    return 0;
}

static int is_anchor_copy(const set_t *s, const ltls_cert_t *c)
{
    const ltls_cert_t *found[MAX_ANCHORS];
    size_t n = ltls_trust_store_lookup(s->store, c->subject.p, c->subject.len, found, MAX_ANCHORS);
    for (size_t i = 0; i < n; i++)
        if (ltls_cert_equal(found[i], c))
            return 1;
    return 0;
}

static int in_pool(const set_t *s, const ltls_cert_t *c)
{
    for (size_t i = 1; i < s->npeer; i++)
        if (s->peer[i] == c)
            return 1;
    for (size_t i = 0; i < s->nextra; i++)
        if (s->extra[i] == c)
            return 1;
    return 0;
}

static unsigned depth_limit(const ltls_verify_params_t *vp)
{
    unsigned max = vp->max_depth ? vp->max_depth : LTLS_X509_MAX_DEPTH;
    return max < LTLS_X509_MAX_DEPTH ? max : LTLS_X509_MAX_DEPTH;
}

/* What RFC 5280 and the Web PKI profile of verify.c demand of a path that
 * validated, checked from the outside. */
static void check_path(const set_t *s, const ltls_verify_params_t *vp,
                       const ltls_verify_result_t *res)
{
    size_t n = res->path_len;
    FUZZ_CHECK(n >= 1 && n <= depth_limit(vp));
    const ltls_cert_t *leaf = res->path[0];
    FUZZ_CHECK(leaf == s->leaf || (n == 1 && is_anchor_ptr(s, leaf) && ltls_cert_equal(leaf, s->leaf)));
    FUZZ_CHECK(is_anchor_ptr(s, res->path[n - 1]));
    uint8_t want = vp->purpose == LTLS_PURPOSE_SERVER_AUTH ? LTLS_X509_EKU_SERVER_AUTH
                                                           : LTLS_X509_EKU_CLIENT_AUTH;
    /* the leaf */
    FUZZ_CHECK(!leaf->is_ca);
    if (leaf->ext_present & LTLS_X509_EXT_KEY_USAGE)
        FUZZ_CHECK((leaf->key_usage & LTLS_X509_KU_DIGITAL_SIGNATURE) &&
                   !(leaf->key_usage & LTLS_X509_KU_KEY_CERT_SIGN));
    if (leaf->ext_present & LTLS_X509_EXT_EXT_KEY_USAGE)
        FUZZ_CHECK((leaf->eku & want) && !(leaf->eku & LTLS_X509_EKU_ANY));
    FUZZ_CHECK(!(leaf->ext_present & LTLS_X509_EXT_NAME_CONSTRAINTS));
    if (vp->host)
        FUZZ_CHECK(ltls_x509_match_host(leaf, vp->host) == 1);

    for (size_t i = 0; i < n; i++) {
        const ltls_cert_t *c = res->path[i];
        FUZZ_CHECK(c->not_before <= vp->now && vp->now <= c->not_after);
        FUZZ_CHECK(!(c->ext_critical & LTLS_X509_EXT_UNKNOWN_CRITICAL));
        for (size_t j = 0; j < i; j++)
            FUZZ_CHECK(!ltls_cert_equal(c, res->path[j]));
        if (i == 0)
            continue;
        /* the step from path[i-1] to its issuer path[i] */
        const ltls_cert_t *child = res->path[i - 1];
        FUZZ_CHECK(child->issuer.len == c->subject.len &&
                   memcmp(child->issuer.p, c->subject.p, c->subject.len) == 0);
        if (i < n - 1)
            FUZZ_CHECK(in_pool(s, c) && !is_anchor_copy(s, c));
        if (ps.selective)
            FUZZ_CHECK(sig_accepted(key_byte(&c->key), child->signature.p, child->signature.len));
        if (i == n - 1 && c->version < 3)
            continue; /* a v1 anchor: trusted as given */
        FUZZ_CHECK(c->is_ca && (c->ext_critical & LTLS_X509_EXT_BASIC_CONSTRAINTS));
        if (c->ext_present & LTLS_X509_EXT_KEY_USAGE)
            FUZZ_CHECK(c->key_usage & LTLS_X509_KU_KEY_CERT_SIGN);
        if (c->ext_present & LTLS_X509_EXT_EXT_KEY_USAGE)
            FUZZ_CHECK(c->eku & (want | LTLS_X509_EKU_ANY));
        if (c->path_len >= 0) {
            unsigned below = 0;
            for (size_t j = 1; j < i; j++)
                below += !res->path[j]->self_issued;
            FUZZ_CHECK(below <= (unsigned)c->path_len);
        }
        if (c->ext_present & LTLS_X509_EXT_NAME_CONSTRAINTS) {
            char detail[512];
            unsigned work = 0;
            for (size_t j = 0; j < i; j++) {
                if (j > 0 && res->path[j]->self_issued)
                    continue;
                ltls_err_t err = ltls_x509_nc_check(c, res->path[j], &work, detail, sizeof detail);
                FUZZ_CHECK_ERR(err, !err);
            }
        }
    }
}

static void check_failure(const set_t *s, const ltls_verify_params_t *vp,
                          const ltls_verify_result_t *res, ltls_err_t err, int oom_armed)
{
    if (ltls_err_reason(err) == LTLS_R_OUT_OF_MEMORY) {
        FUZZ_CHECK(oom_armed);
        return;
    }
    int alert = documented_alert(err);
    FUZZ_CHECK_ERR(err, alert >= 0);
    FUZZ_CHECK_ERR(err, ltls_err_class(err) == LTLS_ECLASS_LOCAL_ALERT &&
                            ltls_err_alert(err) == alert);
    /* An index in the best path tried: a candidate refused for the depth
     * limit is reported at the index it would have taken, the limit. */
    FUZZ_CHECK(res->depth >= -1 && res->depth <= (int)depth_limit(vp));
    FUZZ_CHECK(res->detail[0] != '\0');
    if (ltls_err_reason(err) == LTLS_R_CERT_NAME_MISMATCH)
        FUZZ_CHECK(vp->host && res->depth == 0 && ltls_x509_match_host(s->leaf, vp->host) == 0);
    if (res->depth == 0 && ltls_err_reason(err) == LTLS_R_CERT_EXPIRED)
        FUZZ_CHECK(vp->now > s->leaf->not_after);
    if (res->depth == 0 && ltls_err_reason(err) == LTLS_R_CERT_NOT_YET_VALID)
        FUZZ_CHECK(vp->now < s->leaf->not_before);
    /* "A leaf whose DER is itself an anchor validates as a path of one",
     * unless the leaf's own checks fail. */
    if (is_anchor_copy(s, s->leaf) && ltls_err_reason(err) != LTLS_R_CERT_WORK_LIMIT)
        FUZZ_CHECK(res->depth == 0);
}

/* One validation, checked; *armed says whether an allocation failed. */
static ltls_err_t run_verify(const set_t *s, fuzz_alloc_state_t *st,
                             const ltls_verify_params_t *vp, ltls_verify_result_t *res, int *armed)
{
    memset(res, 0xa5, sizeof *res);
    ps.verifies = 0;
    fuzz_alloc_reset(st, s->fail_at);
    ltls_err_t err = ltls_x509_verify(vp, res);
    *armed = s->fail_at && st->count >= s->fail_at;
    fuzz_alloc_reset(st, 0);
    FUZZ_CHECK(memchr(res->detail, 0, sizeof res->detail) != NULL);
    /* The budget: about 100 signature checks, however hostile the set. */
    FUZZ_CHECK(ps.verifies <= LTLS_X509_WORK_BUDGET / LTLS_X509_SIG_COST);
    if (err)
        check_failure(s, vp, res, err, *armed);
    else
        check_path(s, vp, res);
    return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fuzz_alloc_state_t st;
    static set_t s;
    ltls_allocator_t a = fuzz_allocator(&st);
    ltls_provider_t *null = NULL;
    memset(&s, 0, sizeof s);
    fuzz_alloc_reset(&st, 0);

    FUZZ_CHECK(ltls_null_provider_create(&a, &null) == LTLS_OK);
    ps.null = null;
    ps.shim = *null;
    ps.shim.pubkey_new = shim_pubkey_new;
    ps.shim.pubkey_free = shim_pubkey_free;
    ps.shim.pubkey_bits = shim_pubkey_bits;
    ps.shim.verify = shim_verify;
    ps.alloc = &a;

    if (read_set(&s, &a, data, size)) {
        char host[300];
        ps.selective = (s.flags & F_SELECTIVE) != 0;
        ltls_verify_params_t vp;
        memset(&vp, 0, sizeof vp);
        vp.provider = &ps.shim;
        vp.trust = s.store;
        vp.peer = s.peer;
        vp.peer_count = s.npeer;
        vp.extra = s.nextra ? s.extra : NULL;
        vp.extra_count = s.nextra;
        switch (s.flags & F_HOST) {
        case 0: vp.host = NULL; break;
        case 1: vp.host = s.host_field; break;
        case 2: vp.host = fuzz_leaf_host(s.leaf, host, sizeof host, 0) ? host : s.host_field; break;
        default:
            vp.host = s.host_field[0] || !fuzz_leaf_host(s.leaf, host, sizeof host, 0)
                          ? s.host_field
                          : host;
        }
        vp.purpose = s.flags & F_CLIENT ? LTLS_PURPOSE_CLIENT_AUTH : LTLS_PURPOSE_SERVER_AUTH;
        unsigned d = (s.flags >> F_DEPTH_SHIFT) & 7;
        vp.max_depth = d == 7 ? 100 : d;
        vp.now = s.now;

        ltls_verify_result_t res;
        int armed = 0;
        ltls_err_t err = run_verify(&s, &st, &vp, &res, &armed);
        if (verbose())
            fprintf(stderr,
                    "fuzz_x509_path: %zu peer, %zu extra, %zu anchor(s), host %s, %s, %s: %s%s%s "
                    "(%u signature checks, path %zu)\n",
                    s.npeer, s.nextra, ltls_trust_store_count(s.store), vp.host ? vp.host : "(none)",
                    vp.purpose == LTLS_PURPOSE_SERVER_AUTH ? "server" : "client",
                    ps.selective ? "selective" : "lax", err ? ltls_err_reason_name(err) : "OK",
                    err ? ": " : "", err ? res.detail : "", ps.verifies, err ? 0 : res.path_len);

        /* The verdict may not depend on the order of the pool. */
        if ((s.flags & F_REVERSE) && !armed && ltls_err_reason(err) != LTLS_R_CERT_WORK_LIMIT) {
            for (size_t i = 1, j = s.npeer - 1; i < j; i++, j--) {
                const ltls_cert_t *t = s.peer[i];
                s.peer[i] = s.peer[j];
                s.peer[j] = t;
            }
            for (size_t i = 0, j = s.nextra; i + 1 < j; i++, j--) {
                const ltls_cert_t *t = s.extra[i];
                s.extra[i] = s.extra[j - 1];
                s.extra[j - 1] = t;
            }
            ltls_verify_result_t res2;
            ltls_err_t err2 = run_verify(&s, &st, &vp, &res2, &armed);
            if (!armed && ltls_err_reason(err2) != LTLS_R_CERT_WORK_LIMIT)
                FUZZ_CHECK_ERR(err2, (err == LTLS_OK) == (err2 == LTLS_OK));
        }
    }

    for (size_t i = 0; i < s.nowned; i++)
        ltls_cert_free(s.owned[i]);
    ltls_trust_store_unref(s.store);
    null->destroy(null);
    fuzz_alloc_expect_empty(&st);
    return 0;
}
