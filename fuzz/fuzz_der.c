/*
 * fuzz/fuzz_der.c - the strict DER reader (src/x509/der.c) over arbitrary
 * bytes, walked the way certificate and key-file parsers walk it.
 *
 * Why: every X.509 and key-file parser stands on these functions, so any
 * out-of-bounds read, any accepted non-canonical form and any broken
 * "a failed read leaves the cursor untouched" promise here is a bug in all
 * of them at once.
 *
 * Each input is read twice:
 *   1. generically: every element, at any depth up to MAX_DEPTH, is offered
 *      to every typed reader (the wrong ones must fail cleanly), constructed
 *      elements are entered, and OCTET and BIT STRING contents are walked
 *      again as DER (extension values and RSA keys are encapsulated so);
 *   2. as a certificate skeleton (RFC 5280 §4.1): the sequence of required,
 *      OPTIONAL and [n] EXPLICIT/IMPLICIT elements a certificate decoder
 *      reads, stopping at the first failure as a decoder would.
 * Besides the sanitizers, the target checks the header's contracts: the
 * cursor rule, identifier and length octets that re-encode canonically to
 * the bytes read, the per-type canonical-form rules re-checked
 * independently, and times equal to what the C library's timegm() computes.
 */
#define _DEFAULT_SOURCE 1 /* timegm */

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "core/reader.h"
#include "fuzz_common.h"
#include "x509/der.h"

#define MAX_DEPTH 24

/* --- contract helpers ------------------------------------------------------- */

/* After a reader call on a copy c of r: success advances by exactly want
 * octets (want = SIZE_MAX: anything), failure leaves the cursor unchanged. */
static void check_cursor(ltls_err_t err, const ltls_reader_t *before, const ltls_reader_t *after,
                         size_t want)
{
    FUZZ_CHECK(after->p == before->p && after->len == before->len);
    if (err) {
        FUZZ_CHECK_ERR(err, after->off == before->off);
        FUZZ_CHECK_ERR(err, ltls_err_reason(err) == LTLS_R_DER_INVALID ||
                                ltls_err_reason(err) == LTLS_R_DECODE_TRUNCATED);
    } else {
        FUZZ_CHECK(after->off > before->off);
        if (want != SIZE_MAX)
            FUZZ_CHECK(after->off - before->off == want);
    }
}

/* The canonical identifier and length octets for (tag, len): what a DER
 * encoder writes. Returns the header size. */
static size_t encode_header(uint32_t tag, size_t len, uint8_t out[16])
{
    size_t n = 0;
    uint8_t first = (uint8_t)(tag >> 24);
    uint32_t number = tag & 0xffffffu;
    if (number < 31) {
        out[n++] = (uint8_t)(first | number);
    } else {
        out[n++] = (uint8_t)(first | 0x1f);
        int groups = number >= (1u << 14) ? 3 : number >= (1u << 7) ? 2 : 1;
        for (int g = groups - 1; g >= 0; g--)
            out[n++] = (uint8_t)(((number >> (7 * g)) & 0x7f) | (g ? 0x80 : 0));
    }
    if (len < 0x80) {
        out[n++] = (uint8_t)len;
    } else {
        int octets = 0;
        for (size_t v = len; v; v >>= 8)
            octets++;
        out[n++] = (uint8_t)(0x80 | octets);
        for (int i = octets - 1; i >= 0; i--)
            out[n++] = (uint8_t)(len >> (8 * i));
    }
    return n;
}

static void check_elem(const ltls_der_elem_t *e, const ltls_reader_t *r)
{
    uint8_t hdr[16];
    uint32_t number = e->tag & 0xffffffu;
    FUZZ_CHECK(number <= LTLS_DER_TAG_MAX_NUMBER);
    FUZZ_CHECK((e->tag >> 24) == ((e->tag >> 24) & 0xe0u));
    FUZZ_CHECK(!((e->tag >> 24) == 0 && number == 0) && !((e->tag >> 24) == LTLS_DER_CONSTRUCTED && number == 0));
    FUZZ_CHECK(fuzz_within(e->raw, e->raw_len, r->p, r->len));
    FUZZ_CHECK(e->raw == r->p + r->off);
    size_t h = encode_header(e->tag, e->len, hdr);
    FUZZ_CHECK(e->raw_len == h + e->len);
    FUZZ_CHECK(memcmp(e->raw, hdr, h) == 0); /* DER: exactly one encoding of a header */
    FUZZ_CHECK(e->body == e->raw + h);
    fuzz_touch(e->body, e->len);
}

/* An OID's contents, checked independently of der.c (X.690 §8.19). */
static int oid_is_canonical(const uint8_t *p, size_t n)
{
    if (n == 0 || (p[n - 1] & 0x80))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] == 0x80 && (i == 0 || !(p[i - 1] & 0x80)))
            return 0;
    return 1;
}

/* Seconds since the epoch from the C library, for a differential check. */
static int64_t libc_time(int year, int mon, int day, int hour, int min, int sec)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_sec = sec;
    return (int64_t)timegm(&tm);
}

static int digits(const uint8_t *p, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

/* A successfully read time must be the one its text names. */
static void check_time(const ltls_der_elem_t *e, int64_t t)
{
    size_t yd = e->tag == LTLS_DER_UTC_TIME ? 2 : 4;
    FUZZ_CHECK(e->len == yd + 11 && e->body[e->len - 1] == 'Z');
    const uint8_t *s = e->body;
    int year = digits(s, yd), mon = digits(s + yd, 2), day = digits(s + yd + 2, 2);
    int hour = digits(s + yd + 4, 2), min = digits(s + yd + 6, 2), sec = digits(s + yd + 8, 2);
    FUZZ_CHECK(year >= 0 && mon >= 1 && mon <= 12 && day >= 1 && day <= 31 && hour >= 0 &&
               hour <= 23 && min >= 0 && min <= 59 && sec >= 0 && sec <= 59);
    if (yd == 2)
        year += year >= 50 ? 1900 : 2000;
    struct tm back;
    time_t tt = (time_t)t;
    FUZZ_CHECK(gmtime_r(&tt, &back) != NULL);
    /* the day must exist: timegm normalises 31 April to 1 May, the reader must refuse it */
    FUZZ_CHECK(back.tm_mday == day && back.tm_mon == mon - 1);
    FUZZ_CHECK(t == libc_time(year, mon, day, hour, min, sec));
}

/* --- every typed reader on one element -------------------------------------- */

/* INTEGER, its unsigned views, and IMPLICIT tags over INTEGER agree. */
static void try_integer(const ltls_reader_t *r, const ltls_der_elem_t *e)
{
    ltls_reader_t c;
    ltls_err_t err;
    const uint8_t *p;
    size_t n;

    const uint8_t *ip = NULL;
    size_t in = 0;
    c = *r;
    err = ltls_der_read_integer(&c, &ip, &in);
    check_cursor(err, r, &c, e->raw_len);
    /* X.690 §8.3.2: the first nine bits are not all equal */
    int minimal = !(e->len >= 2 && ((e->body[0] == 0 && !(e->body[1] & 0x80)) ||
                                    (e->body[0] == 0xff && (e->body[1] & 0x80))));
    FUZZ_CHECK((err == LTLS_OK) == (e->tag == LTLS_DER_INTEGER && e->len >= 1 && minimal));
    if (!err)
        FUZZ_CHECK(ip == e->body && in == e->len);
    c = *r;
    err = ltls_der_read_uint(&c, &p, &n);
    check_cursor(err, r, &c, e->raw_len);
    FUZZ_CHECK((err == LTLS_OK) == (ip != NULL && !(ip[0] & 0x80)));
    if (!err) {
        FUZZ_CHECK(n >= 1 && fuzz_within(p, n, e->body, e->len));
        FUZZ_CHECK(n == 1 || p[0] != 0);
        FUZZ_CHECK(p + n == e->body + e->len);
        uint64_t v;
        c = *r;
        ltls_err_t err64 = ltls_der_read_uint64(&c, &v);
        check_cursor(err64, r, &c, e->raw_len);
        FUZZ_CHECK((err64 == LTLS_OK) == (n <= 8));
        if (!err64) {
            uint64_t x = 0;
            for (size_t i = 0; i < n; i++)
                x = (x << 8) | p[i];
            FUZZ_CHECK(x == v);
        }
    }
    if (e->tag != LTLS_DER_INTEGER && !(e->tag & (LTLS_DER_CONSTRUCTED << 24))) {
        /* an IMPLICIT tag over an INTEGER */
        c = *r;
        err = ltls_der_read_integer_tagged(&c, e->tag, &p, &n);
        check_cursor(err, r, &c, e->raw_len);
        c = *r;
        err = ltls_der_read_uint_tagged(&c, e->tag, &p, &n);
        check_cursor(err, r, &c, e->raw_len);
    }
}

/* BOOLEAN: one octet, 0x00 or 0xff. */
static void try_bool(const ltls_reader_t *r, const ltls_der_elem_t *e)
{
    ltls_reader_t c;
    ltls_err_t err;

    int b;
    c = *r;
    err = ltls_der_read_bool(&c, &b);
    check_cursor(err, r, &c, e->raw_len);
    FUZZ_CHECK((err == LTLS_OK) ==
               (e->tag == LTLS_DER_BOOLEAN && e->len == 1 && (e->body[0] == 0 || e->body[0] == 0xff)));
    if (!err)
        FUZZ_CHECK(b == (e->body[0] == 0xff));
}

/* NULL: empty. */
static void try_null(const ltls_reader_t *r, const ltls_der_elem_t *e)
{
    ltls_reader_t c;
    ltls_err_t err;

    c = *r;
    err = ltls_der_read_null(&c);
    check_cursor(err, r, &c, e->raw_len);
    FUZZ_CHECK((err == LTLS_OK) == (e->tag == LTLS_DER_NULL && e->len == 0));
}

/* OBJECT IDENTIFIER: canonical subidentifiers; equality with known OIDs. */
static void try_oid(const ltls_reader_t *r, const ltls_der_elem_t *e)
{
    ltls_reader_t c;
    ltls_err_t err;

    ltls_der_oid_t oid;
    c = *r;
    err = ltls_der_read_oid(&c, &oid);
    check_cursor(err, r, &c, e->raw_len);
    FUZZ_CHECK((err == LTLS_OK) == (e->tag == LTLS_DER_OID && oid_is_canonical(e->body, e->len)));
    if (!err) {
        FUZZ_CHECK(oid.p == e->body && oid.len == e->len);
        FUZZ_CHECK(ltls_der_oid_equal(&oid, &oid));
        const ltls_der_oid_t *known[] = {&ltls_oid_rsa_encryption, &ltls_oid_ec_public_key,
                                         &ltls_oid_secp256r1,      &ltls_oid_secp384r1,
                                         &ltls_oid_secp521r1,      &ltls_oid_ed25519,
                                         &ltls_oid_ed448};
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
            int same = oid.len == known[i]->len && memcmp(oid.p, known[i]->p, oid.len) == 0;
            FUZZ_CHECK(ltls_der_oid_equal(&oid, known[i]) == same);
            c = *r;
            err = ltls_der_expect_oid(&c, known[i]);
            check_cursor(err, r, &c, e->raw_len);
            FUZZ_CHECK((err == LTLS_OK) == same);
        }
    }
}

/* BIT STRING, its whole-octet form, and IMPLICIT tags over BIT and OCTET STRING. */
static void try_bits(const ltls_reader_t *r, const ltls_der_elem_t *e)
{
    ltls_reader_t c;
    ltls_err_t err;
    const uint8_t *p;
    size_t n;

    unsigned unused;
    c = *r;
    err = ltls_der_read_bit_string(&c, &p, &n, &unused);
    check_cursor(err, r, &c, e->raw_len);
    if (!err) {
        FUZZ_CHECK(e->tag == LTLS_DER_BIT_STRING && e->len >= 1 && unused <= 7);
        FUZZ_CHECK(p == e->body + 1 && n == e->len - 1 && e->body[0] == unused);
        FUZZ_CHECK(n > 0 || unused == 0);
        if (n > 0)
            FUZZ_CHECK((p[n - 1] & ((1u << unused) - 1)) == 0);
    } else if (e->tag == LTLS_DER_BIT_STRING && e->len >= 1 && e->body[0] <= 7) {
        /* refused: then it must break one of the two value rules */
        FUZZ_CHECK((e->len == 1 && e->body[0] != 0) ||
                   (e->len > 1 && (e->body[e->len - 1] & ((1u << e->body[0]) - 1)) != 0));
    }
    int bits_ok = !err;
    unsigned bits_unused = unused;
    c = *r;
    err = ltls_der_read_bit_string_octets(&c, &p, &n);
    check_cursor(err, r, &c, e->raw_len);
    FUZZ_CHECK((err == LTLS_OK) == (bits_ok && bits_unused == 0));
    if (!(e->tag & (LTLS_DER_CONSTRUCTED << 24))) {
        c = *r;
        err = ltls_der_read_bit_string_tagged(&c, e->tag, &p, &n, &unused);
        check_cursor(err, r, &c, e->raw_len);
        c = *r;
        err = ltls_der_read_bit_string_octets_tagged(&c, e->tag, &p, &n);
        check_cursor(err, r, &c, e->raw_len);
        c = *r;
        err = ltls_der_read_octet_string_tagged(&c, e->tag, &p, &n);
        check_cursor(err, r, &c, e->raw_len);
        FUZZ_CHECK(!err);
        FUZZ_CHECK(p == e->body && n == e->len);
    }
}

/* OCTET STRING: any contents. */
static void try_octets(const ltls_reader_t *r, const ltls_der_elem_t *e)
{
    ltls_reader_t c;
    ltls_err_t err;
    const uint8_t *p;
    size_t n;

    c = *r;
    err = ltls_der_read_octet_string(&c, &p, &n);
    check_cursor(err, r, &c, e->raw_len);
    FUZZ_CHECK((err == LTLS_OK) == (e->tag == LTLS_DER_OCTET_STRING));
}

/* UTCTime and GeneralizedTime: the RFC 5280 profile, values as timegm() sees them. */
static void try_time(const ltls_reader_t *r, const ltls_der_elem_t *e)
{
    ltls_reader_t c;
    ltls_err_t err;

    int64_t t;
    c = *r;
    err = ltls_der_read_utc_time(&c, &t);
    check_cursor(err, r, &c, e->raw_len);
    if (!err) {
        FUZZ_CHECK(e->tag == LTLS_DER_UTC_TIME);
        check_time(e, t);
    }
    c = *r;
    err = ltls_der_read_generalized_time(&c, &t);
    check_cursor(err, r, &c, e->raw_len);
    if (!err) {
        FUZZ_CHECK(e->tag == LTLS_DER_GENERALIZED_TIME);
        check_time(e, t);
    }
    c = *r;
    err = ltls_der_read_time(&c, &t);
    check_cursor(err, r, &c, e->raw_len);
    if (!err)
        check_time(e, t);
}

/* Generic readers with the element's own tag, and with another. */
static void try_generic(const ltls_reader_t *r, const ltls_der_elem_t *e)
{
    ltls_reader_t c;
    ltls_err_t err;
    int present;
    ltls_reader_t body;

    ltls_der_elem_t e2;
    c = *r;
    err = ltls_der_read_elem(&c, e->tag, &e2);
    check_cursor(err, r, &c, e->raw_len);
    FUZZ_CHECK(!err && e2.tag == e->tag && e2.raw == e->raw && e2.raw_len == e->raw_len &&
               e2.body == e->body && e2.len == e->len);
    c = *r;
    err = ltls_der_read_elem(&c, e->tag ^ 1u, &e2);
    check_cursor(err, r, &c, e->raw_len);
    FUZZ_CHECK(err);
    c = *r;
    err = ltls_der_read_optional(&c, e->tag, &body, &present);
    check_cursor(err, r, &c, e->raw_len);
    FUZZ_CHECK(!err && present && body.p == e->body && body.len == e->len && body.off == 0);
    c = *r;
    err = ltls_der_read_optional(&c, e->tag ^ 1u, &body, &present);
    FUZZ_CHECK(!err && !present && c.off == r->off);
    c = *r;
    err = ltls_der_read_sequence(&c, &body);
    check_cursor(err, r, &c, e->raw_len);
    FUZZ_CHECK((err == LTLS_OK) == (e->tag == LTLS_DER_SEQUENCE));
    c = *r;
    err = ltls_der_read_set(&c, &body);
    check_cursor(err, r, &c, e->raw_len);
    FUZZ_CHECK((err == LTLS_OK) == (e->tag == LTLS_DER_SET));
    if ((e->tag >> 24) == (LTLS_DER_CONTEXT | LTLS_DER_CONSTRUCTED)) {
        c = *r;
        err = ltls_der_read_explicit(&c, e->tag & 0xffffffu, &body);
        check_cursor(err, r, &c, e->raw_len);
        FUZZ_CHECK(!err && body.p == e->body && body.len == e->len);
    }
}

typedef void (*typed_reader_fn)(const ltls_reader_t *r, const ltls_der_elem_t *e);

/* Which typed reader owns a tag; -1 for none. */
static int reader_of(uint32_t tag)
{
    switch (tag) {
    case LTLS_DER_INTEGER:
        return 0;
    case LTLS_DER_BOOLEAN:
        return 1;
    case LTLS_DER_NULL:
        return 2;
    case LTLS_DER_OID:
        return 3;
    case LTLS_DER_BIT_STRING:
        return 4;
    case LTLS_DER_OCTET_STRING:
        return 5;
    case LTLS_DER_UTC_TIME:
    case LTLS_DER_GENERALIZED_TIME:
        return 6;
    default:
        return -1;
    }
}

/* The reader of the element's own type always runs, and for an IMPLICIT
 * primitive tag those that take a tag; of the others one per element, in
 * rotation by position, so that "the wrong reader fails cleanly and leaves
 * the cursor" is tested everywhere at a fraction of the cost of offering
 * every element to every reader. */
static void try_typed_readers(const ltls_reader_t *r, const ltls_der_elem_t *e)
{
    static const typed_reader_fn readers[] = {try_integer, try_bool, try_null, try_oid,
                                              try_bits,    try_octets, try_time};
    const int nreaders = (int)(sizeof readers / sizeof readers[0]);
    int own = reader_of(e->tag);
    int pick = (int)(r->off % (size_t)nreaders);
    int implicit = (e->tag >> 24) == LTLS_DER_CONTEXT || (e->tag >> 24) == LTLS_DER_PRIVATE ||
                   (e->tag >> 24) == LTLS_DER_APPLICATION;
    for (int k = 0; k < nreaders; k++)
        if (k == own || k == pick || (implicit && (k == 0 || k == 4)))
            readers[k](r, e);
    try_generic(r, e);
}

/* --- the generic walk -------------------------------------------------------- */

static void walk(ltls_reader_t *r, int depth);

static void walk_bytes(const uint8_t *p, size_t n, int depth)
{
    ltls_reader_t sub;
    ltls_reader_init(&sub, p, n);
    walk(&sub, depth);
}

static void walk(ltls_reader_t *r, int depth)
{
    if (depth > MAX_DEPTH)
        return;
    while (ltls_reader_left(r) > 0) {
        uint32_t tag;
        ltls_der_elem_t e;
        ltls_reader_t c = *r;
        ltls_err_t perr = ltls_der_peek_tag(r, &tag);
        ltls_err_t err = ltls_der_read_any(&c, &e);
        check_cursor(err, r, &c, SIZE_MAX);
        if (perr) {
            FUZZ_CHECK(err == perr); /* the identifier is what failed */
            FUZZ_CHECK(!ltls_der_next_is(r, 0));
            c = *r;
            FUZZ_CHECK(ltls_der_skip(&c) == perr && c.off == r->off);
            return;
        }
        FUZZ_CHECK(ltls_der_next_is(r, tag));
        if (err) {
            c = *r;
            FUZZ_CHECK(ltls_der_skip(&c) == err && c.off == r->off);
            return;
        }
        FUZZ_CHECK(e.tag == tag);
        check_elem(&e, r);
        try_typed_readers(r, &e);

        if (e.tag & (LTLS_DER_CONSTRUCTED << 24)) {
            walk_bytes(e.body, e.len, depth + 1);
        } else if (e.tag == LTLS_DER_OCTET_STRING && e.len > 0) {
            walk_bytes(e.body, e.len, depth + 1); /* extnValue, EC private keys */
        } else if (e.tag == LTLS_DER_BIT_STRING && e.len > 1 && e.body[0] == 0) {
            walk_bytes(e.body + 1, e.len - 1, depth + 1); /* RSA public keys */
        }
        c = *r;
        FUZZ_CHECK(ltls_der_skip(&c) == LTLS_OK && c.off == r->off + e.raw_len);
        *r = c;
    }
    FUZZ_CHECK(ltls_der_end(r) == LTLS_OK);
}

/* --- the certificate skeleton ---------------------------------------------- */

#define STEP(expr)                 \
    do {                           \
        if ((expr) != LTLS_OK)     \
            return;                \
    } while (0)

/* AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL } */
static ltls_err_t read_algid(ltls_reader_t *r)
{
    ltls_reader_t seq;
    ltls_der_oid_t oid;
    ltls_err_t err = ltls_der_read_sequence(r, &seq);
    if (!err)
        err = ltls_der_read_oid(&seq, &oid);
    if (!err && ltls_reader_left(&seq) > 0) {
        if (ltls_der_next_is(&seq, LTLS_DER_NULL))
            err = ltls_der_read_null(&seq);
        else if (ltls_der_next_is(&seq, LTLS_DER_OID))
            err = ltls_der_read_oid(&seq, &oid); /* namedCurve */
        else
            err = ltls_der_skip(&seq);
    }
    return err ? err : ltls_der_end(&seq);
}

/* Name ::= SEQUENCE OF SET OF SEQUENCE { type OID, value ANY } */
static ltls_err_t read_name(ltls_reader_t *r)
{
    ltls_reader_t name, rdn, atv;
    ltls_der_oid_t oid;
    ltls_err_t err = ltls_der_read_sequence(r, &name);
    while (!err && ltls_reader_left(&name) > 0) {
        err = ltls_der_read_set(&name, &rdn);
        while (!err && ltls_reader_left(&rdn) > 0) {
            err = ltls_der_read_sequence(&rdn, &atv);
            if (!err)
                err = ltls_der_read_oid(&atv, &oid);
            if (!err)
                err = ltls_der_skip(&atv);
            if (!err)
                err = ltls_der_end(&atv);
        }
    }
    return err;
}

static void read_extensions(ltls_reader_t *r)
{
    ltls_reader_t exts, ext, val;
    ltls_der_oid_t oid;
    const uint8_t *p;
    size_t n;
    int critical = 0, present;
    STEP(ltls_der_read_sequence(r, &exts));
    while (ltls_reader_left(&exts) > 0) {
        STEP(ltls_der_read_sequence(&exts, &ext));
        STEP(ltls_der_read_oid(&ext, &oid));
        if (ltls_der_next_is(&ext, LTLS_DER_BOOLEAN))
            STEP(ltls_der_read_bool(&ext, &critical));
        STEP(ltls_der_read_octet_string(&ext, &p, &n));
        STEP(ltls_der_end(&ext));
        /* basicConstraints-like: SEQUENCE { BOOLEAN OPTIONAL, INTEGER OPTIONAL } */
        ltls_reader_init(&val, p, n);
        ltls_reader_t bc;
        if (ltls_der_read_sequence(&val, &bc) == LTLS_OK) {
            int ca = 0;
            uint64_t pathlen;
            if (ltls_der_next_is(&bc, LTLS_DER_BOOLEAN))
                (void)ltls_der_read_bool(&bc, &ca);
            if (ltls_der_next_is(&bc, LTLS_DER_INTEGER))
                (void)ltls_der_read_uint64(&bc, &pathlen);
            /* GeneralNames-like: [2] dNSName, [7] iPAddress, [0] otherName */
            ltls_reader_t gn;
            (void)ltls_der_read_optional(&bc, LTLS_DER_CTX(2), &gn, &present);
            (void)ltls_der_read_optional(&bc, LTLS_DER_CTX(7), &gn, &present);
            (void)ltls_der_read_optional(&bc, LTLS_DER_CTX_CONS(0), &gn, &present);
            (void)ltls_der_end(&bc);
        }
        /* keyUsage-like: a BIT STRING */
        ltls_reader_init(&val, p, n);
        unsigned unused;
        (void)ltls_der_read_bit_string(&val, &p, &n, &unused);
    }
}

static void walk_certificate(const uint8_t *data, size_t size)
{
    ltls_reader_t r, cert, tbs, body, validity, spki;
    ltls_der_elem_t tbs_elem;
    const uint8_t *p;
    size_t n;
    int present;
    uint64_t version = 0;
    int64_t not_before, not_after;

    ltls_reader_init(&r, data, size);
    STEP(ltls_der_read_sequence(&r, &cert));
    STEP(ltls_der_read_elem(&cert, LTLS_DER_SEQUENCE, &tbs_elem)); /* the signed bytes */
    fuzz_touch(tbs_elem.raw, tbs_elem.raw_len);
    ltls_reader_init(&tbs, tbs_elem.body, tbs_elem.len);

    STEP(ltls_der_read_optional(&tbs, LTLS_DER_CTX_CONS(0), &body, &present));
    if (present) {
        STEP(ltls_der_read_uint64(&body, &version));
        STEP(ltls_der_end(&body));
    }
    STEP(ltls_der_read_uint(&tbs, &p, &n)); /* serialNumber */
    STEP(read_algid(&tbs));
    STEP(read_name(&tbs)); /* issuer */
    STEP(ltls_der_read_sequence(&tbs, &validity));
    STEP(ltls_der_read_time(&validity, &not_before));
    STEP(ltls_der_read_time(&validity, &not_after));
    STEP(ltls_der_end(&validity));
    STEP(read_name(&tbs)); /* subject */
    STEP(ltls_der_read_sequence(&tbs, &spki));
    STEP(read_algid(&spki));
    STEP(ltls_der_read_bit_string_octets(&spki, &p, &n));
    STEP(ltls_der_end(&spki));
    unsigned unused;
    /* issuerUniqueID [1] IMPLICIT BIT STRING, subjectUniqueID [2] likewise */
    if (ltls_der_next_is(&tbs, LTLS_DER_CTX(1)))
        STEP(ltls_der_read_bit_string_tagged(&tbs, LTLS_DER_CTX(1), &p, &n, &unused));
    if (ltls_der_next_is(&tbs, LTLS_DER_CTX(2)))
        STEP(ltls_der_read_bit_string_tagged(&tbs, LTLS_DER_CTX(2), &p, &n, &unused));
    STEP(ltls_der_read_optional(&tbs, LTLS_DER_CTX_CONS(3), &body, &present));
    if (present)
        read_extensions(&body);
    STEP(ltls_der_end(&tbs));
    STEP(read_algid(&cert));
    STEP(ltls_der_read_bit_string_octets(&cert, &p, &n));
    STEP(ltls_der_end(&cert));
    STEP(ltls_der_end(&r));
}

/* --- civil_to_unix against the C library ----------------------------------- */

static void check_civil(const uint8_t *data, size_t size)
{
    if (size < 7)
        return;
    int year = (int)((data[0] << 8 | data[1]) % 10050) - 25; /* a little outside 0..9999 */
    int mon = data[2] % 14, day = data[3] % 33, hour = data[4] % 25, min = data[5] % 61;
    int sec = data[6] % 61;
    int64_t t;
    ltls_err_t err = ltls_der_civil_to_unix(year, mon, day, hour, min, sec, &t);
    int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    int valid = year >= 0 && year <= 9999 && mon >= 1 && mon <= 12 && day >= 1 &&
                day <= mdays[mon >= 1 && mon <= 12 ? mon - 1 : 0] + (mon == 2 && leap) &&
                hour <= 23 && min <= 59 && sec <= 59;
    FUZZ_CHECK((err == LTLS_OK) == valid);
    if (!err)
        FUZZ_CHECK(t == libc_time(year, mon, day, hour, min, sec));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ltls_reader_t r;
    ltls_reader_init(&r, data, size);
    walk(&r, 0);
    walk_certificate(data, size);
    check_civil(data, size);
    return 0;
}
