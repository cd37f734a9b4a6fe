/*
 * x509/name.c - X.501 Names: structure check, byte comparison, RFC 4514 text.
 *
 * Theory of operation: a Name is kept as the DER bytes of its SEQUENCE.
 * Decoding (ltls_x509_name_read) walks it once to prove that it is a
 * SEQUENCE OF non-empty SETs OF { OID, one element }, so that every later
 * walk (printing, prefix matching) can use the same reader calls knowing
 * they succeed. Comparison is binary (see name.h for why). Printing turns
 * each value into RFC 4514 text through one small output helper that keeps
 * counting past the caller's capacity, so the caller learns the full length.
 */
#include "x509/name.h"

#include <stdio.h>
#include <string.h>

#include "x509/der.h"

/* One AttributeTypeAndValue: SEQUENCE { type OID, value ANY }. */
static ltls_err_t read_atv(ltls_reader_t *r, ltls_der_oid_t *type, ltls_der_elem_t *value)
{
    ltls_reader_t c = *r, seq;
    ltls_err_t err = ltls_der_read_sequence(&c, &seq);
    if (!err)
        err = ltls_der_read_oid(&seq, type);
    if (!err)
        err = ltls_der_read_any(&seq, value);
    if (!err)
        err = ltls_der_end(&seq);
    if (!err)
        *r = c;
    return err;
}

ltls_err_t ltls_x509_name_read(ltls_reader_t *r, ltls_x509_span_t *out)
{
    ltls_reader_t c = *r, rdns, set;
    ltls_der_elem_t name, value;
    ltls_der_oid_t type;
    ltls_err_t err = ltls_der_read_elem(&c, LTLS_DER_SEQUENCE, &name);
    if (err)
        return err;
    ltls_reader_init(&rdns, name.body, name.len);
    while (ltls_reader_left(&rdns)) {
        if ((err = ltls_der_read_set(&rdns, &set)))
            return err;
        if (!ltls_reader_left(&set)) /* RDN ::= SET SIZE (1..MAX) */
            return ltls_err_make(LTLS_R_DER_INVALID);
        while (ltls_reader_left(&set))
            if ((err = read_atv(&set, &type, &value)))
                return err;
    }
    out->p = name.raw;
    out->len = name.raw_len;
    *r = c;
    return LTLS_OK;
}

/* The contents of a Name's SEQUENCE (the RDNs). Names given to the functions
 * below come from decoded certificates, so the header is well formed. */
static void name_body(ltls_x509_span_t name, ltls_reader_t *rdns)
{
    ltls_reader_t r;
    ltls_reader_init(&r, name.p, name.len);
    if (ltls_der_read_sequence(&r, rdns))
        ltls_reader_init(rdns, NULL, 0);
}

int ltls_x509_name_is_empty(ltls_x509_span_t name)
{
    ltls_reader_t rdns;
    name_body(name, &rdns);
    return ltls_reader_left(&rdns) == 0;
}

int ltls_x509_name_equal(ltls_x509_span_t a, ltls_x509_span_t b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

int ltls_x509_name_has_prefix(ltls_x509_span_t name, ltls_x509_span_t prefix)
{
    ltls_reader_t n, p;
    ltls_der_elem_t rn, rp;
    name_body(name, &n);
    name_body(prefix, &p);
    while (ltls_reader_left(&p)) {
        if (ltls_der_read_any(&p, &rp) || ltls_der_read_any(&n, &rn))
            return 0;
        if (rp.raw_len != rn.raw_len || memcmp(rp.raw, rn.raw, rp.raw_len) != 0)
            return 0;
    }
    return 1;
}

/* ---------------------------------------------------------------------------
 * RFC 4514 text
 * ------------------------------------------------------------------------- */

typedef struct out {
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

static void put_hex(out_t *o, uint8_t b)
{
    static const char hex[] = "0123456789ABCDEF";
    put(o, hex[b >> 4]);
    put(o, hex[b & 15]);
}

static void put_utf8(out_t *o, uint32_t cp)
{
    if (cp < 0x80) {
        put(o, (char)cp);
    } else if (cp < 0x800) {
        put(o, (char)(0xc0 | (cp >> 6)));
        put(o, (char)(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        put(o, (char)(0xe0 | (cp >> 12)));
        put(o, (char)(0x80 | ((cp >> 6) & 0x3f)));
        put(o, (char)(0x80 | (cp & 0x3f)));
    } else {
        put(o, (char)(0xf0 | (cp >> 18)));
        put(o, (char)(0x80 | ((cp >> 12) & 0x3f)));
        put(o, (char)(0x80 | ((cp >> 6) & 0x3f)));
        put(o, (char)(0x80 | (cp & 0x3f)));
    }
}

static const struct {
    const char *name;
    ltls_der_oid_t oid;
} attr_names[] = {
    {"CN", LTLS_DER_OID_LIT("\x55\x04\x03")},
    {"C", LTLS_DER_OID_LIT("\x55\x04\x06")},
    {"L", LTLS_DER_OID_LIT("\x55\x04\x07")},
    {"ST", LTLS_DER_OID_LIT("\x55\x04\x08")},
    {"STREET", LTLS_DER_OID_LIT("\x55\x04\x09")},
    {"O", LTLS_DER_OID_LIT("\x55\x04\x0a")},
    {"OU", LTLS_DER_OID_LIT("\x55\x04\x0b")},
    {"DC", LTLS_DER_OID_LIT("\x09\x92\x26\x89\x93\xf2\x2c\x64\x01\x19")},
    {"UID", LTLS_DER_OID_LIT("\x09\x92\x26\x89\x93\xf2\x2c\x64\x01\x01")},
    /* Not in RFC 4514's table, but what every tool prints. */
    {"serialNumber", LTLS_DER_OID_LIT("\x55\x04\x05")},
    {"title", LTLS_DER_OID_LIT("\x55\x04\x0c")},
    {"SN", LTLS_DER_OID_LIT("\x55\x04\x04")},
    {"GN", LTLS_DER_OID_LIT("\x55\x04\x2a")},
    {"organizationIdentifier", LTLS_DER_OID_LIT("\x55\x04\x61")},
    {"emailAddress", LTLS_DER_OID_LIT("\x2a\x86\x48\x86\xf7\x0d\x01\x09\x01")},
};

/* Dotted-decimal text of an OID's contents (RFC 4514 §2.3 for unknown
 * types). Arcs too large for 64 bits cannot occur in a valid certificate's
 * names in practice; they would print wrapped, which only affects text. */
static void put_oid(out_t *o, const ltls_der_oid_t *oid)
{
    uint64_t v = 0;
    int first = 1;
    char tmp[48];
    for (size_t i = 0; i < oid->len; i++) {
        v = (v << 7) | (oid->p[i] & 0x7fu);
        if (oid->p[i] & 0x80)
            continue;
        if (first) {
            unsigned top = v < 40 ? 0 : v < 80 ? 1 : 2;
            snprintf(tmp, sizeof(tmp), "%u.%llu", top, (unsigned long long)(v - 40u * top));
            first = 0;
        } else {
            snprintf(tmp, sizeof(tmp), ".%llu", (unsigned long long)v);
        }
        puts_(o, tmp);
        v = 0;
    }
}

/* Length of a valid UTF-8 sequence starting at p (at most n bytes), or 0. */
static size_t utf8_seq(const uint8_t *p, size_t n, uint32_t *cp)
{
    uint8_t b = p[0];
    size_t len;
    uint32_t v, min;
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    if ((b & 0xe0) == 0xc0) {
        len = 2, v = b & 0x1fu, min = 0x80;
    } else if ((b & 0xf0) == 0xe0) {
        len = 3, v = b & 0x0fu, min = 0x800;
    } else if ((b & 0xf8) == 0xf0) {
        len = 4, v = b & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3fu);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return len;
}

/* One character of a value, escaped per RFC 4514 §2.4. first/last say
 * whether it is the first or last character of the value. */
static void put_value_char(out_t *o, uint32_t cp, int first, int last)
{
    if (cp < 0x20 || cp == 0x7f) {
        put(o, '\\');
        put_hex(o, (uint8_t)cp);
        return;
    }
    if (cp == '"' || cp == '+' || cp == ',' || cp == ';' || cp == '<' || cp == '>' ||
        cp == '\\' || (first && (cp == '#' || cp == ' ')) || (last && cp == ' '))
        put(o, '\\');
    put_utf8(o, cp);
}

static void put_value(out_t *o, const ltls_der_elem_t *v)
{
    const uint8_t *p = v->body;
    size_t n = v->len;
    switch (v->tag) {
    case LTLS_DER_TAG(0, 12): /* UTF8String */
    case LTLS_DER_TAG(0, 18): /* NumericString */
    case LTLS_DER_TAG(0, 19): /* PrintableString */
    case LTLS_DER_TAG(0, 22): /* IA5String */
    case LTLS_DER_TAG(0, 26): /* VisibleString */
        for (size_t i = 0; i < n;) {
            uint32_t cp;
            size_t k = utf8_seq(p + i, n - i, &cp);
            if (!k) { /* not text: show the byte, escaped */
                put(o, '\\');
                put_hex(o, p[i]);
                i++;
                continue;
            }
            put_value_char(o, cp, i == 0, i + k == n);
            i += k;
        }
        return;
    case LTLS_DER_TAG(0, 20): /* TeletexString: in practice ISO 8859-1 */
        for (size_t i = 0; i < n; i++)
            put_value_char(o, p[i], i == 0, i + 1 == n);
        return;
    case LTLS_DER_TAG(0, 30): /* BMPString: UCS-2 big-endian */
        if (n % 2 == 0) {
            for (size_t i = 0; i < n; i += 2)
                put_value_char(o, (uint32_t)p[i] << 8 | p[i + 1], i == 0, i + 2 == n);
            return;
        }
        break;
    case LTLS_DER_TAG(0, 28): /* UniversalString: UCS-4 big-endian */
        if (n % 4 == 0) {
            for (size_t i = 0; i < n; i += 4) {
                uint32_t cp = (uint32_t)p[i] << 24 | (uint32_t)p[i + 1] << 16 |
                              (uint32_t)p[i + 2] << 8 | p[i + 3];
                put_value_char(o, cp > 0x10ffff ? 0xfffd : cp, i == 0, i + 4 == n);
            }
            return;
        }
        break;
    default:
        break;
    }
    /* RFC 4514 §2.4: a value of another type is '#' and the hex of its BER. */
    put(o, '#');
    for (size_t i = 0; i < v->raw_len; i++)
        put_hex(o, v->raw[i]);
}

size_t ltls_x509_name_print(ltls_x509_span_t name, char *buf, size_t cap)
{
    out_t o = {buf, cap, 0};
    ltls_reader_t rdns;
    ltls_der_elem_t rdn[64];
    size_t nrdn = 0;
    name_body(name, &rdns);
    /* RFC 4514 §2.1 prints the last RDN first; a Name with more RDNs than
     * this prints its first 64 (no real Name comes close). */
    while (ltls_reader_left(&rdns) && nrdn < sizeof(rdn) / sizeof(rdn[0]))
        if (ltls_der_read_any(&rdns, &rdn[nrdn++]))
            break;
    for (size_t i = nrdn; i-- > 0;) {
        ltls_reader_t set;
        ltls_reader_init(&set, rdn[i].body, rdn[i].len);
        if (i + 1 != nrdn)
            puts_(&o, ", ");
        int first = 1;
        while (ltls_reader_left(&set)) {
            ltls_der_oid_t type;
            ltls_der_elem_t value;
            if (read_atv(&set, &type, &value))
                break;
            if (!first)
                put(&o, '+');
            first = 0;
            const char *short_name = NULL;
            for (size_t k = 0; k < sizeof(attr_names) / sizeof(attr_names[0]); k++)
                if (ltls_der_oid_equal(&type, &attr_names[k].oid))
                    short_name = attr_names[k].name;
            if (short_name)
                puts_(&o, short_name);
            else
                put_oid(&o, &type);
            put(&o, '=');
            put_value(&o, &value);
        }
    }
    if (cap)
        buf[o.len < cap ? o.len : cap - 1] = '\0';
    return o.len;
}

void ltls_x509_attr_iter_init(ltls_x509_attr_iter_t *it, ltls_x509_span_t name)
{
    name_body(name, &it->rdns);
    ltls_reader_init(&it->set, NULL, 0);
}

int ltls_x509_attr_next(ltls_x509_attr_iter_t *it, ltls_x509_span_t *type, uint32_t *tag,
                        ltls_x509_span_t *value)
{
    while (!ltls_reader_left(&it->set)) {
        if (!ltls_reader_left(&it->rdns) || ltls_der_read_set(&it->rdns, &it->set))
            return 0;
    }
    ltls_der_oid_t oid;
    ltls_der_elem_t v;
    if (read_atv(&it->set, &oid, &v))
        return 0;
    type->p = oid.p;
    type->len = oid.len;
    *tag = v.tag;
    value->p = v.body;
    value->len = v.len;
    return 1;
}
