/*
 * x509/certinfo.c - the public accessors that show what a certificate says
 * (x509.h, "Certificate contents, for display"): version and CA facts, the
 * serial number, Names attribute by attribute, OIDs as text, and the
 * subjectAltName entries.
 *
 * Theory of operation. Decoding (cert.c) already proved the syntax of
 * everything shown here and kept spans into the DER copy, so these functions
 * only walk those spans with the private iterators (cert.h, name.h) and
 * hand out views: nothing is allocated and nothing can fail on a parsed
 * certificate. The exception is ltls_name_next(), which accepts any bytes (a
 * directoryName a caller took from somewhere else): it checks the whole Name
 * on its first call and afterwards reads through bounds-checked readers, so
 * a forged cursor can at worst end the walk.
 *
 * State between calls lives in the caller's cursor as plain offsets, never
 * as pointers, so a cursor stays meaningful whatever the caller copies.
 */
#include <stdio.h>
#include <string.h>

#include "core/reader.h"
#include "x509/cert.h"
#include "x509/der.h"
#include "x509/name.h"

/* Text output that keeps counting past the caller's capacity, so that the
 * caller learns the full length (the convention of ltls_cert_subject). */
typedef struct {
    char *buf;
    size_t cap, len;
} out_t;

static void put(out_t *o, char ch)
{
    if (o->len + 1 < o->cap)
        o->buf[o->len] = ch;
    o->len++;
}

static void puts_(out_t *o, const char *s)
{
    while (*s)
        put(o, *s++);
}

static size_t finish(out_t *o)
{
    if (o->cap)
        o->buf[o->len < o->cap ? o->len : o->cap - 1] = '\0';
    return o->len;
}

/* ------------------------------------------------------------------------
 * Version, CA facts, serial number, Names
 * ---------------------------------------------------------------------- */

void ltls_cert_get_info(const ltls_cert_t *c, ltls_cert_info_t *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    out->path_len = -1;
    if (!c)
        return;
    out->version = c->version;
    out->has_basic_constraints = (c->ext_present & LTLS_X509_EXT_BASIC_CONSTRAINTS) != 0;
    out->is_ca = c->is_ca;
    out->path_len = c->path_len;
    out->has_key_usage = (c->ext_present & LTLS_X509_EXT_KEY_USAGE) != 0;
    out->key_usage = out->has_key_usage ? c->key_usage : 0;
    out->self_issued = c->self_issued;
}

size_t ltls_cert_serial_hex(const ltls_cert_t *c, char *buf, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    out_t o = {buf, cap, 0};
    if (!c || !c->serial.len)
        return finish(&o);
    const uint8_t *p = c->serial.p;
    size_t n = c->serial.len;
    int negative = (p[0] & 0x80) != 0;
    /* RFC 5280 forbids negative serials, but decoding leaves that rule to
     * validation; OpenSSL shows one as '-' and the magnitude, so do we. The
     * magnitude of two's complement is ~x + 1, and the +1 carries into an
     * octet exactly when every octet after it is zero: zeros_from is where
     * that all-zero tail starts. */
    size_t zeros_from = n;
    while (zeros_from > 0 && p[zeros_from - 1] == 0)
        zeros_from--;
    if (negative)
        put(&o, '-');
    int leading = 1;
    for (size_t i = 0; i < n; i++) {
        uint8_t b = p[i];
        if (negative)
            b = (uint8_t)(~b + (i + 1 >= zeros_from ? 1 : 0));
        /* OpenSSL keeps the magnitude without leading zero octets. */
        if (leading && b == 0 && i + 1 < n)
            continue;
        leading = 0;
        put(&o, hex[b >> 4]);
        put(&o, hex[b & 15]);
    }
    return finish(&o);
}

const uint8_t *ltls_cert_subject_name(const ltls_cert_t *c, size_t *len)
{
    if (len)
        *len = c ? c->subject.len : 0;
    return c ? c->subject.p : NULL;
}

const uint8_t *ltls_cert_issuer_name(const ltls_cert_t *c, size_t *len)
{
    if (len)
        *len = c ? c->issuer.len : 0;
    return c ? c->issuer.p : NULL;
}

int ltls_name_next(const uint8_t *name, size_t len, ltls_name_cursor_t *cur, ltls_name_attr_t *attr)
{
    if (!name || !cur || !attr)
        return -1;
    ltls_reader_t r;
    if (cur->off == 0) {
        /* The SEQUENCE header takes at least two octets, so offset 0 can
         * only mean "not started". */
        ltls_x509_span_t span;
        ltls_reader_t seq;
        ltls_reader_init(&r, name, len);
        if (ltls_x509_name_read(&r, &span) || ltls_reader_left(&r))
            return -1;
        ltls_reader_init(&r, name, len);
        if (ltls_der_read_sequence(&r, &seq))
            return -1;
        /* A valid Name is exactly this buffer, so its RDNs end at len. */
        cur->off = cur->set_end = (size_t)(ltls_reader_peek(&seq) - name);
        cur->rdn = 0;
    }
    if (cur->off > len || cur->set_end > len || cur->off > cur->set_end)
        return -1;
    while (cur->off == cur->set_end) {
        if (cur->off == len)
            return 0;
        ltls_reader_t rdns = {name, len, cur->off}, set;
        if (ltls_der_read_set(&rdns, &set))
            return -1;
        cur->off = (size_t)(ltls_reader_peek(&set) - name);
        cur->set_end = cur->off + ltls_reader_left(&set);
        cur->rdn++;
    }
    ltls_reader_t in_set = {name, cur->set_end, cur->off}, atv;
    ltls_der_oid_t oid;
    ltls_der_elem_t value;
    if (ltls_der_read_sequence(&in_set, &atv) || ltls_der_read_oid(&atv, &oid) ||
        ltls_der_read_any(&atv, &value) || ltls_der_end(&atv))
        return -1;
    cur->off = in_set.off;
    attr->rdn = cur->rdn - 1;
    attr->oid = oid.p;
    attr->oid_len = oid.len;
    /* Universal primitive tags hold the bare number (der.h's encoding). */
    attr->tag = (value.tag >> 24) == LTLS_DER_UNIVERSAL ? value.tag : 0;
    attr->value = value.body;
    attr->value_len = value.len;
    return 1;
}

/* ------------------------------------------------------------------------
 * OIDs as text
 * ---------------------------------------------------------------------- */

/* An arc as a number in base 10^9, least significant limb first. UUID-based
 * OIDs (2.25.<128 bits>) need more than 64 bits; 40 limbs take arcs of
 * about 1190 bits, far beyond any OID in use. */
#define ARC_LIMBS 40
#define ARC_BASE 1000000000u

typedef struct {
    uint32_t limb[ARC_LIMBS];
    size_t n; /* limbs in use; 0 is the value zero */
} arc_t;

/* a = a * 128 + bits; 0 if it no longer fits. */
static int arc_push7(arc_t *a, unsigned bits)
{
    uint64_t carry = bits;
    for (size_t i = 0; i < a->n; i++) {
        uint64_t v = (uint64_t)a->limb[i] * 128u + carry;
        a->limb[i] = (uint32_t)(v % ARC_BASE);
        carry = v / ARC_BASE;
    }
    if (carry) {
        if (a->n == ARC_LIMBS)
            return 0;
        a->limb[a->n++] = (uint32_t)carry;
    }
    return 1;
}

/* a -= k, for a >= k and k < ARC_BASE. */
static void arc_sub(arc_t *a, uint32_t k)
{
    uint32_t borrow = k;
    for (size_t i = 0; i < a->n && borrow; i++) {
        if (a->limb[i] >= borrow) {
            a->limb[i] -= borrow;
            borrow = 0;
        } else {
            a->limb[i] = a->limb[i] + ARC_BASE - borrow;
            borrow = 1;
        }
    }
    while (a->n && a->limb[a->n - 1] == 0)
        a->n--;
}

static void put_arc(out_t *o, const arc_t *a)
{
    char tmp[16];
    if (a->n == 0) {
        put(o, '0');
        return;
    }
    snprintf(tmp, sizeof tmp, "%u", (unsigned)a->limb[a->n - 1]);
    puts_(o, tmp);
    for (size_t i = a->n - 1; i-- > 0;) {
        snprintf(tmp, sizeof tmp, "%09u", (unsigned)a->limb[i]);
        puts_(o, tmp);
    }
}

size_t ltls_oid_text(const uint8_t *oid, size_t len, char *buf, size_t cap)
{
    out_t o = {buf, cap, 0};
    /* X.690 §8.19: at least one subidentifier, each minimal (no leading
     * 0x80 octet), the last octet closing one. */
    if (!oid || len == 0 || (oid[len - 1] & 0x80)) {
        finish(&o);
        return 0;
    }
    arc_t a = {{0}, 0};
    int first = 1, fresh = 1;
    for (size_t i = 0; i < len; i++) {
        if (fresh && oid[i] == 0x80)
            goto invalid;
        fresh = 0;
        if (!arc_push7(&a, oid[i] & 0x7fu))
            goto invalid;
        if (oid[i] & 0x80)
            continue;
        if (first) {
            /* The first subidentifier packs two arcs: X * 40 + Y, where
             * X is 0 or 1 only when Y < 40 (X.690 §8.19.4). */
            unsigned top = 2;
            if (a.n <= 1) {
                uint32_t v = a.n ? a.limb[0] : 0;
                top = v < 40 ? 0 : v < 80 ? 1 : 2;
            }
            put(&o, (char)('0' + top));
            put(&o, '.');
            arc_sub(&a, 40u * top);
            first = 0;
        } else {
            put(&o, '.');
        }
        put_arc(&o, &a);
        a.n = 0;
        fresh = 1;
    }
    return finish(&o);
invalid:
    o.len = 0;
    finish(&o);
    return 0;
}

/* ------------------------------------------------------------------------
 * subjectAltName
 * ---------------------------------------------------------------------- */

int ltls_cert_san_next(const ltls_cert_t *c, size_t *pos, int *kind, const uint8_t **value,
                       size_t *len)
{
    if (!c || !pos || *pos >= c->san.len)
        return 0;
    ltls_x509_gn_iter_t it;
    ltls_x509_gn_iter_init(&it, c->san);
    it.off = *pos;
    unsigned tag;
    ltls_x509_span_t v;
    if (!ltls_x509_gn_next(&it, &tag, &v))
        return 0;
    *pos = it.off;
    /* ltls_san_kind_t is numbered as the GeneralName CHOICE tags are. */
    if (kind)
        *kind = (int)tag;
    if (value)
        *value = v.p;
    if (len)
        *len = v.len;
    return 1;
}

size_t ltls_cert_san_count(const ltls_cert_t *c)
{
    size_t pos = 0, n = 0;
    while (ltls_cert_san_next(c, &pos, NULL, NULL, NULL))
        n++;
    return n;
}

int ltls_cert_san(const ltls_cert_t *c, size_t i, int *kind, const uint8_t **value, size_t *len)
{
    size_t pos = 0;
    int k = 0;
    const uint8_t *v = NULL;
    size_t l = 0;
    for (size_t j = 0;; j++) {
        if (!ltls_cert_san_next(c, &pos, &k, &v, &l))
            return 0;
        if (j == i)
            break;
    }
    if (kind)
        *kind = k;
    if (value)
        *value = v;
    if (len)
        *len = l;
    return 1;
}
