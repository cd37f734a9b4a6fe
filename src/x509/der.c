/*
 * x509/der.c - strict DER decoding on top of the bounds-checked reader.
 *
 * Theory of operation: every public function works on a copy of the caller's
 * reader and writes it back only once the whole element has been read and
 * validated, which is how "a failed read leaves the cursor untouched" holds
 * without each function having to undo partial progress. The identifier and
 * length octets are decoded in one place (read_header), so the canonical-form
 * rules of X.690 §10 are enforced once for every element type; the typed
 * readers then only check the contents octets of their type.
 *
 * Contents are inspected through views whose length the reader has already
 * checked; indexing stays below that length.
 */
#include "x509/der.h"

#include <string.h>

static ltls_err_t invalid(void) { return ltls_err_make(LTLS_R_DER_INVALID); }

/* Identifier octets (X.690 §8.1.2). */
static ltls_err_t read_identifier(ltls_reader_t *c, uint32_t *tag)
{
    uint8_t b0;
    ltls_err_t err = ltls_reader_u8(c, &b0);
    if (err)
        return err;
    uint32_t number = b0 & 0x1fu;
    if (number == 0x1f) {
        /* High-tag-number form: base-128, most significant group first. */
        uint8_t b;
        number = 0;
        for (unsigned i = 0;; i++) {
            if (i == 3) /* would exceed LTLS_DER_TAG_MAX_NUMBER */
                return invalid();
            if ((err = ltls_reader_u8(c, &b)))
                return err;
            if (i == 0 && b == 0x80) /* §8.1.2.4.2 c: no leading zero group */
                return invalid();
            number = (number << 7) | (b & 0x7fu);
            if (!(b & 0x80))
                break;
        }
        if (number < 31) /* §8.1.2.2: numbers below 31 use the low form */
            return invalid();
    }
    /* Universal 0 is BER's end-of-contents, meaningless without indefinite
     * lengths. */
    if ((b0 & 0xc0) == 0 && number == 0)
        return invalid();
    *tag = LTLS_DER_TAG(b0 & 0xe0u, number);
    return LTLS_OK;
}

/* Length octets (X.690 §8.1.3 restricted by §10.1). */
static ltls_err_t read_length(ltls_reader_t *c, size_t *len)
{
    uint8_t l;
    ltls_err_t err = ltls_reader_u8(c, &l);
    if (err)
        return err;
    if (l < 0x80) {
        *len = l;
        return LTLS_OK;
    }
    size_t n = l & 0x7fu;
    /* 0x80 is the indefinite form (forbidden in DER, §10.1); 0xff is
     * reserved (§8.1.3.5 c); more than four octets is beyond any object
     * this library handles. */
    if (n == 0 || n > 4)
        return invalid();
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t b;
        if ((err = ltls_reader_u8(c, &b)))
            return err;
        if (i == 0 && b == 0) /* leading zero octet: not minimal */
            return invalid();
        v = (v << 8) | b;
    }
    if (v < 0x80) /* would have fit the short form */
        return invalid();
    *len = v;
    return LTLS_OK;
}

/* Reads one element from *r into out and advances r, or leaves r as it was. */
static ltls_err_t read_elem(ltls_reader_t *r, ltls_der_elem_t *out)
{
    ltls_reader_t c = *r;
    uint32_t tag = 0;
    size_t len = 0;
    const uint8_t *body = NULL;
    ltls_err_t err = read_identifier(&c, &tag);
    if (!err)
        err = read_length(&c, &len);
    if (!err)
        err = ltls_reader_bytes(&c, len, &body); /* DECODE_TRUNCATED past the parent */
    if (err)
        return err;
    out->tag = tag;
    out->raw = ltls_reader_peek(r);
    out->raw_len = c.off - r->off;
    out->body = body;
    out->len = len;
    *r = c;
    return LTLS_OK;
}

/* Reads one element that must carry `tag`. */
static ltls_err_t read_tagged(ltls_reader_t *r, uint32_t tag, ltls_der_elem_t *out)
{
    ltls_reader_t c = *r;
    ltls_err_t err = read_elem(&c, out);
    if (err)
        return err;
    if (out->tag != tag)
        return invalid();
    *r = c;
    return LTLS_OK;
}

ltls_err_t ltls_der_peek_tag(const ltls_reader_t *r, uint32_t *tag)
{
    ltls_reader_t c = *r;
    return read_identifier(&c, tag);
}

int ltls_der_next_is(const ltls_reader_t *r, uint32_t tag)
{
    uint32_t t = 0;
    return ltls_der_peek_tag(r, &t) == LTLS_OK && t == tag;
}

ltls_err_t ltls_der_read_any(ltls_reader_t *r, ltls_der_elem_t *out)
{
    ltls_der_elem_t e;
    ltls_err_t err = read_elem(r, &e);
    if (!err)
        *out = e;
    return err;
}

ltls_err_t ltls_der_read_elem(ltls_reader_t *r, uint32_t tag, ltls_der_elem_t *out)
{
    ltls_der_elem_t e;
    ltls_err_t err = read_tagged(r, tag, &e);
    if (!err)
        *out = e;
    return err;
}

ltls_err_t ltls_der_read(ltls_reader_t *r, uint32_t tag, ltls_reader_t *body)
{
    ltls_der_elem_t e;
    ltls_err_t err = read_tagged(r, tag, &e);
    if (!err)
        ltls_reader_init(body, e.body, e.len);
    return err;
}

ltls_err_t ltls_der_read_optional(ltls_reader_t *r, uint32_t tag, ltls_reader_t *body,
                                  int *present)
{
    if (ltls_reader_left(r) == 0) {
        *present = 0;
        return LTLS_OK;
    }
    uint32_t t = 0;
    ltls_err_t err = ltls_der_peek_tag(r, &t);
    if (err)
        return err;
    if (t != tag) {
        *present = 0;
        return LTLS_OK;
    }
    if ((err = ltls_der_read(r, tag, body)))
        return err;
    *present = 1;
    return LTLS_OK;
}

ltls_err_t ltls_der_skip(ltls_reader_t *r)
{
    ltls_der_elem_t e;
    return read_elem(r, &e);
}

ltls_err_t ltls_der_read_sequence(ltls_reader_t *r, ltls_reader_t *body)
{
    return ltls_der_read(r, LTLS_DER_SEQUENCE, body);
}

ltls_err_t ltls_der_read_set(ltls_reader_t *r, ltls_reader_t *body)
{
    return ltls_der_read(r, LTLS_DER_SET, body);
}

ltls_err_t ltls_der_read_explicit(ltls_reader_t *r, uint32_t n, ltls_reader_t *body)
{
    if (n > LTLS_DER_TAG_MAX_NUMBER)
        return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    return ltls_der_read(r, LTLS_DER_CTX_CONS(n), body);
}

ltls_err_t ltls_der_end(const ltls_reader_t *r)
{
    return ltls_reader_left(r) == 0 ? LTLS_OK : invalid();
}

/* ------------------------------------------------------------------------- */

ltls_err_t ltls_der_read_integer_tagged(ltls_reader_t *r, uint32_t tag, const uint8_t **p,
                                       size_t *len)
{
    ltls_reader_t c = *r;
    ltls_der_elem_t e;
    ltls_err_t err = read_tagged(&c, tag, &e);
    if (err)
        return err;
    /* §8.3.1: at least one octet; §8.3.2: the first nine bits differ. */
    if (e.len == 0)
        return invalid();
    if (e.len >= 2 && ((e.body[0] == 0x00 && !(e.body[1] & 0x80)) ||
                       (e.body[0] == 0xff && (e.body[1] & 0x80))))
        return invalid();
    *p = e.body;
    *len = e.len;
    *r = c;
    return LTLS_OK;
}

ltls_err_t ltls_der_read_integer(ltls_reader_t *r, const uint8_t **p, size_t *len)
{
    return ltls_der_read_integer_tagged(r, LTLS_DER_INTEGER, p, len);
}

ltls_err_t ltls_der_read_uint_tagged(ltls_reader_t *r, uint32_t tag, const uint8_t **p,
                                    size_t *len)
{
    ltls_reader_t c = *r;
    const uint8_t *v = NULL;
    size_t n = 0;
    ltls_err_t err = ltls_der_read_integer_tagged(&c, tag, &v, &n);
    if (err)
        return err;
    if (v[0] & 0x80)
        return invalid();
    if (n >= 2 && v[0] == 0x00) {
        /* Minimality guarantees exactly one sign octet here. */
        v = &v[1];
        n--;
    }
    *p = v;
    *len = n;
    *r = c;
    return LTLS_OK;
}

ltls_err_t ltls_der_read_uint(ltls_reader_t *r, const uint8_t **p, size_t *len)
{
    return ltls_der_read_uint_tagged(r, LTLS_DER_INTEGER, p, len);
}

ltls_err_t ltls_der_read_uint64(ltls_reader_t *r, uint64_t *v)
{
    ltls_reader_t c = *r;
    const uint8_t *p = NULL;
    size_t n = 0;
    ltls_err_t err = ltls_der_read_uint(&c, &p, &n);
    if (err)
        return err;
    if (n > 8)
        return invalid();
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++)
        x = (x << 8) | p[i];
    *v = x;
    *r = c;
    return LTLS_OK;
}

ltls_err_t ltls_der_read_bool(ltls_reader_t *r, int *v)
{
    ltls_reader_t c = *r;
    ltls_der_elem_t e;
    ltls_err_t err = read_tagged(&c, LTLS_DER_BOOLEAN, &e);
    if (err)
        return err;
    /* §8.2.1: one octet; §11.1: TRUE is all ones. */
    if (e.len != 1 || (e.body[0] != 0x00 && e.body[0] != 0xff))
        return invalid();
    *v = e.body[0] == 0xff;
    *r = c;
    return LTLS_OK;
}

ltls_err_t ltls_der_read_null(ltls_reader_t *r)
{
    ltls_reader_t c = *r;
    ltls_der_elem_t e;
    ltls_err_t err = read_tagged(&c, LTLS_DER_NULL, &e);
    if (err)
        return err;
    if (e.len != 0) /* §8.8.2 */
        return invalid();
    *r = c;
    return LTLS_OK;
}

ltls_err_t ltls_der_read_oid(ltls_reader_t *r, ltls_der_oid_t *out)
{
    ltls_reader_t c = *r;
    ltls_der_elem_t e;
    ltls_err_t err = read_tagged(&c, LTLS_DER_OID, &e);
    if (err)
        return err;
    if (e.len == 0)
        return invalid();
    /* §8.19.2: each subidentifier in the fewest octets, i.e. it does not
     * start with 0x80; the last octet of the OID ends a subidentifier. */
    int at_start = 1;
    for (size_t i = 0; i < e.len; i++) {
        if (at_start && e.body[i] == 0x80)
            return invalid();
        at_start = !(e.body[i] & 0x80);
    }
    if (!at_start)
        return invalid();
    out->p = e.body;
    out->len = e.len;
    *r = c;
    return LTLS_OK;
}

int ltls_der_oid_equal(const ltls_der_oid_t *a, const ltls_der_oid_t *b)
{
    return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

ltls_err_t ltls_der_expect_oid(ltls_reader_t *r, const ltls_der_oid_t *want)
{
    ltls_reader_t c = *r;
    ltls_der_oid_t oid;
    ltls_err_t err = ltls_der_read_oid(&c, &oid);
    if (err)
        return err;
    if (!ltls_der_oid_equal(&oid, want))
        return invalid();
    *r = c;
    return LTLS_OK;
}

ltls_err_t ltls_der_read_bit_string_tagged(ltls_reader_t *r, uint32_t tag, const uint8_t **p,
                                          size_t *len, unsigned *unused_bits)
{
    ltls_reader_t c = *r;
    ltls_der_elem_t e;
    ltls_err_t err = read_tagged(&c, tag, &e);
    if (err)
        return err;
    if (e.len == 0) /* §8.6.2: the unused-bits octet is always there */
        return invalid();
    unsigned unused = e.body[0];
    if (unused > 7 || (e.len == 1 && unused != 0)) /* §8.6.2.2, §8.6.2.3 */
        return invalid();
    if (unused && (e.body[e.len - 1] & ((1u << unused) - 1u))) /* §11.2.1 */
        return invalid();
    *p = &e.body[1];
    *len = e.len - 1;
    *unused_bits = unused;
    *r = c;
    return LTLS_OK;
}

ltls_err_t ltls_der_read_bit_string(ltls_reader_t *r, const uint8_t **p, size_t *len,
                                    unsigned *unused_bits)
{
    return ltls_der_read_bit_string_tagged(r, LTLS_DER_BIT_STRING, p, len, unused_bits);
}

ltls_err_t ltls_der_read_bit_string_octets_tagged(ltls_reader_t *r, uint32_t tag,
                                                 const uint8_t **p, size_t *len)
{
    ltls_reader_t c = *r;
    const uint8_t *v = NULL;
    size_t n = 0;
    unsigned unused = 0;
    ltls_err_t err = ltls_der_read_bit_string_tagged(&c, tag, &v, &n, &unused);
    if (err)
        return err;
    if (unused != 0)
        return invalid();
    *p = v;
    *len = n;
    *r = c;
    return LTLS_OK;
}

ltls_err_t ltls_der_read_bit_string_octets(ltls_reader_t *r, const uint8_t **p, size_t *len)
{
    return ltls_der_read_bit_string_octets_tagged(r, LTLS_DER_BIT_STRING, p, len);
}

ltls_err_t ltls_der_read_octet_string_tagged(ltls_reader_t *r, uint32_t tag, const uint8_t **p,
                                            size_t *len)
{
    ltls_der_elem_t e;
    ltls_err_t err = read_tagged(r, tag, &e);
    if (err)
        return err;
    *p = e.body;
    *len = e.len;
    return LTLS_OK;
}

ltls_err_t ltls_der_read_octet_string(ltls_reader_t *r, const uint8_t **p, size_t *len)
{
    return ltls_der_read_octet_string_tagged(r, LTLS_DER_OCTET_STRING, p, len);
}

/* ---------------------------------------------------------------------------
 * Time
 * ------------------------------------------------------------------------- */

static int is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in_month(int y, int m)
{
    static const uint8_t days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

/* Days from 0000-03-01 in the proleptic Gregorian calendar. Counting years
 * from March puts the leap day at the end of the year, so the day within the
 * year depends on the month alone: months from March have lengths
 * 31,30,31,30,31 repeating, which (153 * m + 2) / 5 reproduces exactly. */
static int64_t days_from_march_zero(int64_t y, int m, int d)
{
    if (m <= 2) {
        y -= 1;
        m += 12;
    }
    int64_t leap_days = floor_div(y, 4) - floor_div(y, 100) + floor_div(y, 400);
    return 365 * y + leap_days + (153 * (m - 3) + 2) / 5 + (d - 1);
}

ltls_err_t ltls_der_civil_to_unix(int year, int month, int day, int hour, int minute, int second,
                                  int64_t *t)
{
    if (year < 0 || year > 9999 || month < 1 || month > 12 || day < 1 ||
        day > days_in_month(year, month) || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
        second < 0 || second > 59)
        return invalid();
    int64_t days = days_from_march_zero(year, month, day) - days_from_march_zero(1970, 1, 1);
    *t = days * 86400 + hour * 3600 + minute * 60 + second;
    return LTLS_OK;
}

/* n decimal digits at p; -1 if any is not a digit. */
static int decimal(const uint8_t *p, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

/* Parses YYMMDDHHMMSSZ (year_digits 2) or YYYYMMDDHHMMSSZ (4). */
static ltls_err_t parse_time(const uint8_t *s, size_t len, size_t year_digits, int64_t *t)
{
    if (len != year_digits + 11 || s[len - 1] != 'Z')
        return invalid();
    int year = decimal(s, year_digits);
    const uint8_t *f = &s[year_digits];
    int month = decimal(&f[0], 2), day = decimal(&f[2], 2), hour = decimal(&f[4], 2);
    int minute = decimal(&f[6], 2), second = decimal(&f[8], 2);
    if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0)
        return invalid();
    if (year_digits == 2) /* RFC 5280 §4.1.2.5.1 */
        year += year >= 50 ? 1900 : 2000;
    return ltls_der_civil_to_unix(year, month, day, hour, minute, second, t);
}

static ltls_err_t read_time_tagged(ltls_reader_t *r, uint32_t tag, int64_t *t)
{
    ltls_reader_t c = *r;
    ltls_der_elem_t e;
    int64_t v;
    ltls_err_t err = read_tagged(&c, tag, &e);
    if (err)
        return err;
    if ((err = parse_time(e.body, e.len, tag == LTLS_DER_UTC_TIME ? 2 : 4, &v)))
        return err;
    *t = v;
    *r = c;
    return LTLS_OK;
}

ltls_err_t ltls_der_read_utc_time(ltls_reader_t *r, int64_t *t)
{
    return read_time_tagged(r, LTLS_DER_UTC_TIME, t);
}

ltls_err_t ltls_der_read_generalized_time(ltls_reader_t *r, int64_t *t)
{
    return read_time_tagged(r, LTLS_DER_GENERALIZED_TIME, t);
}

ltls_err_t ltls_der_read_time(ltls_reader_t *r, int64_t *t)
{
    if (ltls_der_next_is(r, LTLS_DER_UTC_TIME))
        return ltls_der_read_utc_time(r, t);
    return ltls_der_read_generalized_time(r, t);
}

/* ---------------------------------------------------------------------------
 * OIDs
 * ------------------------------------------------------------------------- */

const ltls_der_oid_t ltls_oid_rsa_encryption = LTLS_DER_OID_LIT("\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01");
const ltls_der_oid_t ltls_oid_ec_public_key = LTLS_DER_OID_LIT("\x2a\x86\x48\xce\x3d\x02\x01");
const ltls_der_oid_t ltls_oid_secp256r1 = LTLS_DER_OID_LIT("\x2a\x86\x48\xce\x3d\x03\x01\x07");
const ltls_der_oid_t ltls_oid_secp384r1 = LTLS_DER_OID_LIT("\x2b\x81\x04\x00\x22");
const ltls_der_oid_t ltls_oid_secp521r1 = LTLS_DER_OID_LIT("\x2b\x81\x04\x00\x23");
const ltls_der_oid_t ltls_oid_ed25519 = LTLS_DER_OID_LIT("\x2b\x65\x70");
const ltls_der_oid_t ltls_oid_ed448 = LTLS_DER_OID_LIT("\x2b\x65\x71");
