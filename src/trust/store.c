/*
 * trust/store.c - the trust store as an in-memory set of anchors.
 *
 * Theory of operation. The anchors live in one array kept sorted by
 * (subject length, subject DER, certificate length, certificate DER). The
 * path builder asks "which anchors have this subject?" for every issuer it
 * tries, so lookup is a binary search to the first entry with that subject
 * followed by a walk over the run of equal subjects: O(log n) comparisons,
 * most of them decided by the length alone, and no hashing or allocation.
 * Sorting on the whole DER after the subject makes duplicates adjacent, which
 * is how "the same certificate is stored once" is enforced, and makes lookup
 * results come out in a deterministic order.
 *
 * Loading goes through a batch (store.h): the loaders parse everything first,
 * then ltls_trust_batch_commit() sorts the batch, drops duplicates, and merges
 * it into the array from the back. One commit costs O(k log k + n) for k new
 * anchors over n present, so a bundle of a few hundred roots costs little
 * beyond parsing them. Every allocation the commit needs happens before the
 * store changes, so a failed load leaves the store as it was.
 *
 * The store is reference-counted with a C11 atomic so that contexts on
 * several threads can share it; loading into a shared store is not
 * synchronised (x509.h says a store is shared once loading is over).
 */
#include "trust/store.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "crypto/keyfile/pem.h"
#include "x509/cert.h"

typedef struct anchor {
    const uint8_t *subj;
    size_t subj_len;
    const uint8_t *der;
    size_t der_len;
    ltls_cert_t *cert;
} anchor_t;

struct ltls_trust_store {
    atomic_size_t refs;
    ltls_allocator_t alloc; /* a copy: the caller's struct need not outlive the store */
    anchor_t *v;            /* sorted; see cmp_anchor */
    size_t n, cap;
};

/* ---------------------------------------------------------------------------
 * Ordering
 * ------------------------------------------------------------------------- */

static int cmp_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    /* Length first: most subjects differ in length, and it is one compare. */
    if (alen != blen)
        return alen < blen ? -1 : 1;
    return alen ? memcmp(a, b, alen) : 0;
}

static int cmp_anchor(const anchor_t *a, const anchor_t *b)
{
    int c = cmp_bytes(a->subj, a->subj_len, b->subj, b->subj_len);
    return c ? c : cmp_bytes(a->der, a->der_len, b->der, b->der_len);
}

static int qsort_anchor(const void *a, const void *b) { return cmp_anchor(a, b); }

static anchor_t anchor_of(ltls_cert_t *cert)
{
    anchor_t a;
    a.cert = cert;
    a.subj = ltls_cert_subject_der(cert, &a.subj_len);
    a.der = ltls_cert_der(cert, &a.der_len);
    return a;
}

/* The first index whose subject is >= name (n if none). */
static size_t lower_bound(const ltls_trust_store_t *s, const uint8_t *name, size_t name_len)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_bytes(s->v[mid].subj, s->v[mid].subj_len, name, name_len) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int store_has(const ltls_trust_store_t *s, const anchor_t *a)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_anchor(&s->v[mid], a);
        if (c == 0)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* ---------------------------------------------------------------------------
 * Life cycle
 * ------------------------------------------------------------------------- */

ltls_err_t ltls_trust_store_new(const ltls_allocator_t *alloc, ltls_trust_store_t **out)
{
    if (!out)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    *out = NULL;
    if (!alloc)
        alloc = ltls_alloc_default();
    ltls_trust_store_t *s = ltls_alloc(alloc, sizeof *s);
    if (!s)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    s->alloc = *alloc;
    atomic_init(&s->refs, 1);
    *out = s;
    return LTLS_OK;
}

ltls_trust_store_t *ltls_trust_store_ref(ltls_trust_store_t *store)
{
    if (store)
        atomic_fetch_add_explicit(&store->refs, 1, memory_order_relaxed);
    return store;
}

void ltls_trust_store_unref(ltls_trust_store_t *store)
{
    if (!store)
        return;
    /* acq_rel: the thread that frees must see every other thread's last use. */
    if (atomic_fetch_sub_explicit(&store->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (size_t i = 0; i < store->n; i++)
        ltls_cert_free(store->v[i].cert);
    /* Copy the allocator out first: it lives inside the block being freed. */
    ltls_allocator_t a = store->alloc;
    ltls_free(&a, store->v, store->cap * sizeof *store->v);
    ltls_free(&a, store, sizeof *store);
}

size_t ltls_trust_store_count(const ltls_trust_store_t *store) { return store ? store->n : 0; }

const ltls_allocator_t *ltls_trust_store_allocator(const ltls_trust_store_t *store)
{
    return &store->alloc;
}

/* ---------------------------------------------------------------------------
 * Lookup
 * ------------------------------------------------------------------------- */

size_t ltls_trust_store_lookup(const ltls_trust_store_t *s, const uint8_t *name_der,
                               size_t name_len, const ltls_cert_t **out, size_t max)
{
    if (!s || (!name_der && name_len) || (!out && max))
        return 0;
    size_t i = lower_bound(s, name_der, name_len), k = 0;
    for (; i < s->n && k < max; i++) {
        if (cmp_bytes(s->v[i].subj, s->v[i].subj_len, name_der, name_len) != 0)
            break;
        out[k++] = s->v[i].cert;
    }
    return k;
}

size_t ltls_trust_store_lookup_count(const ltls_trust_store_t *s, const uint8_t *name_der,
                                     size_t name_len)
{
    if (!s || (!name_der && name_len))
        return 0;
    size_t i = lower_bound(s, name_der, name_len), k = 0;
    while (i + k < s->n &&
           cmp_bytes(s->v[i + k].subj, s->v[i + k].subj_len, name_der, name_len) == 0)
        k++;
    return k;
}

/* ---------------------------------------------------------------------------
 * Batches
 * ------------------------------------------------------------------------- */

void ltls_trust_detail(char *detail, size_t cap, const char *fmt, ...)
{
    if (!detail || cap == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, cap, fmt, ap);
    va_end(ap);
}

static size_t line_of(const uint8_t *data, const uint8_t *at)
{
    size_t line = 1;
    for (const uint8_t *p = data; p < at; p++)
        line += *p == '\n';
    return line;
}

static int looks_like_pem(const uint8_t *data, size_t len)
{
    static const char begin[] = "-----BEGIN ";
    size_t bl = sizeof begin - 1;
    for (size_t i = 0; i + bl <= len; i++)
        if (data[i] == '-' && memcmp(data + i, begin, bl) == 0)
            return 1;
    return 0;
}

/*
 * Only called after ltls_cert_list_parse() failed: walks the input again,
 * certificate by certificate, to say which one was bad and why. Parsing
 * twice on the error path keeps the success path a single call with the
 * exact semantics of ltls_cert_list_parse().
 */
static void explain(const ltls_trust_store_t *s, ltls_err_t err, const uint8_t *data, size_t len,
                    const char *where, char *detail, size_t cap)
{
    /* The detail says where and, when known, why; not the reason's own
     * sentence, which the caller prints from the error value. */
    const char *pre = where ? where : "input";
    char why[320];
    why[0] = 0;
    ltls_reason_t r = ltls_err_reason(err);
    if (r == LTLS_R_CERT_NONE_FOUND || r == LTLS_R_OUT_OF_MEMORY) {
        ltls_trust_detail(detail, cap, "%s", pre);
        return;
    }
    if (!looks_like_pem(data, len)) {
        ltls_cert_t *c = NULL;
        if (ltls_cert_parse_detail(data, len, &s->alloc, &c, why, sizeof why) == LTLS_OK)
            ltls_cert_free(c);
        ltls_trust_detail(detail, cap, "%s%s%s", pre, why[0] ? ": " : "", why);
        return;
    }
    ltls_pem_iter_t it;
    ltls_pem_iter_init(&it, data, len);
    for (size_t index = 1;;) {
        ltls_pem_block_t b;
        int found = 0;
        size_t at = it.r.off;
        if (ltls_pem_next(&it, &b, &found) != LTLS_OK) {
            /* The iterator stays at the bad block: report its first line. */
            const uint8_t *p = data + (it.r.off > at ? it.r.off : at);
            while (p < data + len && *p != '-')
                p++;
            ltls_trust_detail(detail, cap, "%s: line %zu", pre, line_of(data, p));
            return;
        }
        if (!found)
            break;
        if (!ltls_pem_label_is(&b, "CERTIFICATE"))
            continue;
        size_t line = line_of(data, b.text) - 1; /* the BEGIN line */
        size_t max = ltls_pem_decoded_max(&b), dlen = 0;
        uint8_t *der = ltls_alloc(&s->alloc, max);
        if (!der)
            break;
        ltls_err_t e = ltls_pem_decode(&b, der, max, &dlen);
        ltls_cert_t *c = NULL;
        if (e == LTLS_OK)
            e = ltls_cert_parse_detail(der, dlen, &s->alloc, &c, why, sizeof why);
        ltls_free(&s->alloc, der, max);
        if (e != LTLS_OK) {
            ltls_trust_detail(detail, cap, "%s: certificate %zu (line %zu)%s%s", pre, index, line,
                              why[0] ? ": " : "", why);
            return;
        }
        ltls_cert_free(c);
        index++;
    }
    /* Could not pin it on one certificate. */
    ltls_trust_detail(detail, cap, "%s", pre);
}

static ltls_err_t batch_reserve(const ltls_trust_store_t *s, ltls_trust_batch_t *b, size_t more)
{
    if (b->cap - b->count >= more)
        return LTLS_OK;
    size_t cap = b->cap ? b->cap : 16;
    while (cap - b->count < more) {
        if (cap > SIZE_MAX / 2 / sizeof *b->certs)
            return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
        cap *= 2;
    }
    ltls_cert_t **v = ltls_alloc(&s->alloc, cap * sizeof *v);
    if (!v)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    if (b->count)
        memcpy(v, b->certs, b->count * sizeof *v);
    ltls_free(&s->alloc, b->certs, b->cap * sizeof *b->certs);
    b->certs = v;
    b->cap = cap;
    return LTLS_OK;
}

ltls_err_t ltls_trust_batch_parse(ltls_trust_store_t *store, ltls_trust_batch_t *b,
                                  const uint8_t *data, size_t len, const char *where,
                                  char *detail, size_t cap)
{
    ltls_cert_t **certs = NULL;
    size_t count = 0;
    ltls_err_t err = ltls_cert_list_parse(data, len, &store->alloc, &certs, &count);
    if (err != LTLS_OK) {
        explain(store, err, data, len, where, detail, cap);
        return err;
    }
    err = batch_reserve(store, b, count);
    if (err != LTLS_OK) {
        ltls_cert_list_free(certs, count, &store->alloc);
        ltls_trust_detail(detail, cap, "%s", where ? where : "input");
        return err;
    }
    /* Take the certificates, then let the list free only its array:
     * ltls_cert_free(NULL) is a no-op. */
    for (size_t i = 0; i < count; i++) {
        b->certs[b->count++] = certs[i];
        certs[i] = NULL;
    }
    ltls_cert_list_free(certs, count, &store->alloc);
    return LTLS_OK;
}

void ltls_trust_batch_free(ltls_trust_store_t *store, ltls_trust_batch_t *b)
{
    for (size_t i = 0; i < b->count; i++)
        ltls_cert_free(b->certs[i]);
    ltls_free(&store->alloc, b->certs, b->cap * sizeof *b->certs);
    memset(b, 0, sizeof *b);
}

ltls_err_t ltls_trust_batch_commit(ltls_trust_store_t *s, ltls_trust_batch_t *b, size_t *added)
{
    if (added)
        *added = 0;
    size_t k = b->count;
    if (k == 0)
        return LTLS_OK;
    if (k > (SIZE_MAX / sizeof(anchor_t)) - s->n)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);

    /* Allocate everything first: after this point nothing can fail. */
    anchor_t *e = ltls_alloc(&s->alloc, k * sizeof *e);
    if (!e)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    anchor_t *v = s->v;
    size_t vcap = s->cap;
    if (s->n + k > s->cap) {
        vcap = s->cap ? s->cap : 64;
        while (vcap < s->n + k)
            vcap *= 2;
        v = ltls_alloc(&s->alloc, vcap * sizeof *v);
        if (!v) {
            ltls_free(&s->alloc, e, k * sizeof *e);
            return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
        }
        if (s->n)
            memcpy(v, s->v, s->n * sizeof *v);
    }

    for (size_t i = 0; i < k; i++)
        e[i] = anchor_of(b->certs[i]);
    qsort(e, k, sizeof *e, qsort_anchor);

    /* Drop duplicates within the batch and of anchors already present. */
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        if ((m > 0 && cmp_anchor(&e[m - 1], &e[i]) == 0) || store_has(s, &e[i])) {
            ltls_cert_free(e[i].cert);
            continue;
        }
        e[m++] = e[i];
    }

    /* Merge from the back so that v can be s->v itself. */
    size_t i = s->n, j = m, w = s->n + m;
    while (j > 0) {
        if (i > 0 && cmp_anchor(&v[i - 1], &e[j - 1]) > 0)
            v[--w] = v[--i];
        else
            v[--w] = e[--j];
    }
    if (v != s->v) {
        ltls_free(&s->alloc, s->v, s->cap * sizeof *s->v);
        s->v = v;
        s->cap = vcap;
    }
    s->n += m;
    ltls_free(&s->alloc, e, k * sizeof *e);
    b->count = 0;
    if (added)
        *added = m;
    return LTLS_OK;
}

/* ---------------------------------------------------------------------------
 * Loading from memory
 * ------------------------------------------------------------------------- */

ltls_err_t ltls_trust_store_add_detail(ltls_trust_store_t *store, const uint8_t *data,
                                       size_t len, size_t *added, char *detail, size_t cap)
{
    if (added)
        *added = 0;
    if (detail && cap)
        detail[0] = 0;
    if (!store || (!data && len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    ltls_trust_batch_t b = {0};
    ltls_err_t err = ltls_trust_batch_parse(store, &b, data, len, NULL, detail, cap);
    if (err == LTLS_OK)
        err = ltls_trust_batch_commit(store, &b, added);
    ltls_trust_batch_free(store, &b);
    return err;
}

ltls_err_t ltls_trust_store_add(ltls_trust_store_t *store, const uint8_t *data, size_t len,
                                size_t *added)
{
    return ltls_trust_store_add_detail(store, data, len, added, NULL, 0);
}

ltls_err_t ltls_trust_store_add_id(ltls_trust_store_t *store, const uint8_t *id, size_t id_len)
{
    (void)store;
    (void)id;
    (void)id_len;
    return ltls_err_make(LTLS_R_TRUST_ID_UNSUPPORTED);
}
