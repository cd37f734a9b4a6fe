/*
 * tests/unit/test_der.c - the strict DER reader: every accepted form, every
 * rejection that x509/der.h promises, and that a failed read never moves the
 * cursor.
 */
#include "test.h"
#include "x509/der.h"

/* A reader over hex test data held in a per-test buffer. */
#define READER(r, hex)                                                 \
    uint8_t buf_##r[512];                                              \
    ltls_reader_t r;                                                   \
    ltls_reader_init(&r, buf_##r, test_unhex((hex), buf_##r, sizeof buf_##r))

/* The call fails with `reason` and leaves the reader at offset 0. */
#define CHECK_REJECT(r, call, reason)          \
    do {                                       \
        CHECK_ERR((call), (reason));           \
        CHECK((r).off == 0);                   \
    } while (0)

#define INVALID LTLS_R_DER_INVALID
#define TRUNC LTLS_R_DECODE_TRUNCATED

/* ---- identifiers ---------------------------------------------------------- */

TEST(low_tag_numbers)
{
    uint32_t tag;
    {
        READER(r, "3000");
        CHECK_OK(ltls_der_peek_tag(&r, &tag));
        CHECK(tag == LTLS_DER_SEQUENCE && tag == LTLS_DER_TAG(0x20, 16));
        CHECK(r.off == 0);
    }
    {
        READER(r, "a000");
        CHECK_OK(ltls_der_peek_tag(&r, &tag));
        CHECK(tag == LTLS_DER_CTX_CONS(0));
    }
    {
        READER(r, "9e00"); /* [30], the largest low-form number */
        CHECK_OK(ltls_der_peek_tag(&r, &tag));
        CHECK(tag == LTLS_DER_CTX(30));
    }
    {
        READER(r, "4300"); /* [APPLICATION 3] */
        CHECK_OK(ltls_der_peek_tag(&r, &tag));
        CHECK(tag == LTLS_DER_TAG(LTLS_DER_APPLICATION, 3));
    }
}

TEST(high_tag_numbers)
{
    ltls_der_elem_t e;
    {
        READER(r, "9f1f00"); /* [31]: the smallest high-form number */
        CHECK_OK(ltls_der_read_any(&r, &e));
        CHECK(e.tag == LTLS_DER_CTX(31) && e.len == 0 && e.raw_len == 3);
    }
    {
        READER(r, "bf810000"); /* [128] constructed */
        CHECK_OK(ltls_der_read_any(&r, &e));
        CHECK(e.tag == LTLS_DER_CTX_CONS(128));
    }
    {
        READER(r, "9fffff7f00"); /* 2^21 - 1: three groups, the maximum */
        CHECK_OK(ltls_der_read_any(&r, &e));
        CHECK(e.tag == LTLS_DER_CTX(LTLS_DER_TAG_MAX_NUMBER));
    }
    {
        READER(r, "9f1e00"); /* 30 in the high form: must use the low form */
        CHECK_REJECT(r, ltls_der_read_any(&r, &e), INVALID);
    }
    {
        READER(r, "9f807f00"); /* leading 0x80 group */
        CHECK_REJECT(r, ltls_der_read_any(&r, &e), INVALID);
    }
    {
        READER(r, "9f8180800100"); /* four groups: beyond the supported range */
        CHECK_REJECT(r, ltls_der_read_any(&r, &e), INVALID);
    }
    {
        READER(r, "9f81"); /* runs out inside the identifier */
        CHECK_REJECT(r, ltls_der_read_any(&r, &e), TRUNC);
    }
    {
        READER(r, "9f");
        CHECK_REJECT(r, ltls_der_read_any(&r, &e), TRUNC);
    }
}

TEST(end_of_contents_rejected)
{
    ltls_der_elem_t e;
    uint32_t tag;
    {
        READER(r, "0000");
        CHECK_REJECT(r, ltls_der_read_any(&r, &e), INVALID);
        CHECK_REJECT(r, ltls_der_peek_tag(&r, &tag), INVALID);
    }
    {
        READER(r, "2000"); /* constructed universal 0 */
        CHECK_REJECT(r, ltls_der_read_any(&r, &e), INVALID);
    }
}

TEST(empty_input)
{
    ltls_der_elem_t e;
    uint32_t tag;
    ltls_reader_t r;
    ltls_reader_init(&r, NULL, 0);
    CHECK_REJECT(r, ltls_der_read_any(&r, &e), TRUNC);
    CHECK_REJECT(r, ltls_der_peek_tag(&r, &tag), TRUNC);
    CHECK(!ltls_der_next_is(&r, LTLS_DER_SEQUENCE));
    CHECK_OK(ltls_der_end(&r));
}

/* ---- lengths -------------------------------------------------------------- */

TEST(short_and_long_lengths)
{
    ltls_der_elem_t e;
    uint8_t data[300];
    memset(data, 0, sizeof data);
    ltls_reader_t r;

    data[0] = 0x04, data[1] = 0x7f; /* short form, 127 */
    ltls_reader_init(&r, data, 2 + 127);
    CHECK_OK(ltls_der_read_any(&r, &e));
    CHECK(e.len == 127 && e.body == data + 2 && e.raw == data && e.raw_len == 129);
    CHECK(ltls_reader_left(&r) == 0);

    data[1] = 0x81, data[2] = 0x80; /* long form, 128: the smallest allowed */
    ltls_reader_init(&r, data, 3 + 128);
    CHECK_OK(ltls_der_read_any(&r, &e));
    CHECK(e.len == 128 && e.body == data + 3);

    data[1] = 0x82, data[2] = 0x01, data[3] = 0x00; /* 256 */
    ltls_reader_init(&r, data, 4 + 256);
    CHECK_OK(ltls_der_read_any(&r, &e));
    CHECK(e.len == 256 && e.raw_len == 260);
}

TEST(non_minimal_lengths)
{
    ltls_der_elem_t e;
    {
        /* 0x81 for a length below 128 (the contents need not even be there) */
        READER(r, "04817f00");
        CHECK_REJECT(r, ltls_der_read_any(&r, &e), INVALID);
    }
    {
        READER(r, "04810100");
        CHECK_REJECT(r, ltls_der_read_any(&r, &e), INVALID);
    }
    {
        READER(r, "0481000000"); /* 0x81 0x00 */
        CHECK_REJECT(r, ltls_der_read_any(&r, &e), INVALID);
    }
    {
        READER(r, "0482000100"); /* leading zero length octet */
        CHECK_REJECT(r, ltls_der_read_any(&r, &e), INVALID);
    }
    {
        READER(r, "04820080"); /* 128 in two octets */
        CHECK_REJECT(r, ltls_der_read_any(&r, &e), INVALID);
    }
    {
        READER(r, "308002010000"); /* indefinite form */
        CHECK_REJECT(r, ltls_der_read_any(&r, &e), INVALID);
    }
    {
        READER(r, "04ff"); /* reserved */
        CHECK_REJECT(r, ltls_der_read_any(&r, &e), INVALID);
    }
    {
        READER(r, "04850100000000"); /* five length octets */
        CHECK_REJECT(r, ltls_der_read_any(&r, &e), INVALID);
    }
}

TEST(lengths_past_the_end)
{
    ltls_der_elem_t e;
    {
        READER(r, "0403aabb"); /* one short */
        CHECK_REJECT(r, ltls_der_read_any(&r, &e), TRUNC);
    }
    {
        READER(r, "04"); /* no length */
        CHECK_REJECT(r, ltls_der_read_any(&r, &e), TRUNC);
    }
    {
        READER(r, "048201"); /* length octets cut */
        CHECK_REJECT(r, ltls_der_read_any(&r, &e), TRUNC);
    }
    {
        READER(r, "0484ffffffff00"); /* 4 GiB claimed */
        CHECK_REJECT(r, ltls_der_read_any(&r, &e), TRUNC);
    }
    {
        /* An inner element longer than its SEQUENCE: it is bounded by the
         * SEQUENCE's body, not by the rest of the buffer. */
        READER(r, "3003" "0403aabbcc");
        ltls_reader_t seq;
        CHECK_OK(ltls_der_read_sequence(&r, &seq));
        CHECK(ltls_reader_left(&r) == 2);
        const uint8_t *p;
        size_t n;
        CHECK_ERR(ltls_der_read_octet_string(&seq, &p, &n), TRUNC);
        CHECK(seq.off == 0);
    }
}

/* ---- constructed ---------------------------------------------------------- */

TEST(sequence_and_set)
{
    ltls_reader_t body, inner;
    uint64_t v;
    {
        READER(r, "3006" "020101" "020102" "ff");
        CHECK_OK(ltls_der_read_sequence(&r, &body));
        CHECK(ltls_reader_left(&r) == 1);
        CHECK_OK(ltls_der_read_uint64(&body, &v));
        CHECK(v == 1);
        CHECK_ERR(ltls_der_end(&body), INVALID); /* one INTEGER left */
        CHECK_OK(ltls_der_read_uint64(&body, &v));
        CHECK(v == 2);
        CHECK_OK(ltls_der_end(&body));
    }
    {
        READER(r, "31020500");
        CHECK_OK(ltls_der_read_set(&r, &body));
        CHECK_OK(ltls_der_read_null(&body));
        CHECK_OK(ltls_der_end(&body));
    }
    {
        READER(r, "3000");
        CHECK_REJECT(r, ltls_der_read_set(&r, &body), INVALID);
        CHECK_OK(ltls_der_read_sequence(&r, &body));
        CHECK(ltls_reader_left(&body) == 0);
    }
    {
        READER(r, "1000"); /* SEQUENCE with the constructed bit clear */
        CHECK_REJECT(r, ltls_der_read_sequence(&r, &body), INVALID);
    }
    {
        READER(r, "30053003020107"); /* nested */
        CHECK_OK(ltls_der_read_sequence(&r, &body));
        CHECK_OK(ltls_der_read_sequence(&body, &inner));
        CHECK_ERR(ltls_der_read_sequence(&inner, &body), INVALID);
        CHECK_OK(ltls_der_read_uint64(&inner, &v));
        CHECK(v == 7);
    }
}

TEST(read_elem_keeps_raw_bytes)
{
    READER(r, "3003020105" "0500");
    ltls_der_elem_t e;
    CHECK_REJECT(r, ltls_der_read_elem(&r, LTLS_DER_SET, &e), INVALID);
    CHECK_OK(ltls_der_read_elem(&r, LTLS_DER_SEQUENCE, &e));
    CHECK(e.raw == buf_r && e.raw_len == 5 && e.body == buf_r + 2 && e.len == 3);
    CHECK_OK(ltls_der_skip(&r));
    CHECK(ltls_reader_left(&r) == 0);
}

TEST(explicit_implicit_and_optional)
{
    ltls_reader_t body;
    uint64_t v;
    int present;
    {
        /* version [0] EXPLICIT INTEGER, then [1] IMPLICIT OCTET STRING */
        READER(r, "a003020102" "8102abcd");
        CHECK(ltls_der_next_is(&r, LTLS_DER_CTX_CONS(0)));
        CHECK(!ltls_der_next_is(&r, LTLS_DER_CTX(0)));
        CHECK_REJECT(r, ltls_der_read_explicit(&r, 1, &body), INVALID);
        CHECK_OK(ltls_der_read_explicit(&r, 0, &body));
        CHECK_OK(ltls_der_read_uint64(&body, &v));
        CHECK(v == 2);
        CHECK_OK(ltls_der_end(&body));
        CHECK_OK(ltls_der_read(&r, LTLS_DER_CTX(1), &body));
        CHECK(ltls_reader_left(&body) == 2 && ltls_reader_peek(&body)[0] == 0xab);
        /* At the end, an optional element is simply absent. */
        CHECK_OK(ltls_der_read_optional(&r, LTLS_DER_CTX(2), &body, &present));
        CHECK(!present);
    }
    {
        READER(r, "020105");
        CHECK_OK(ltls_der_read_optional(&r, LTLS_DER_CTX_CONS(0), &body, &present));
        CHECK(!present && r.off == 0);
        CHECK_OK(ltls_der_read_optional(&r, LTLS_DER_INTEGER, &body, &present));
        CHECK(present && ltls_reader_left(&r) == 0 && ltls_reader_left(&body) == 1);
    }
    {
        /* A malformed next element is an error, not "absent". */
        READER(r, "a08003020105");
        CHECK_REJECT(r, ltls_der_read_optional(&r, LTLS_DER_CTX_CONS(0), &body, &present),
                     INVALID);
        CHECK(!ltls_der_next_is(&r, LTLS_DER_SEQUENCE));
    }
    {
        READER(r, "a0050201050500"); /* explicit tag body need not be one element */
        CHECK_OK(ltls_der_read_explicit(&r, 0, &body));
        CHECK_OK(ltls_der_read_uint64(&body, &v));
        CHECK_ERR(ltls_der_end(&body), INVALID);
    }
}

/* ---- INTEGER -------------------------------------------------------------- */

TEST(integer_forms)
{
    const uint8_t *p;
    size_t n;
    {
        READER(r, "020100");
        CHECK_OK(ltls_der_read_integer(&r, &p, &n));
        CHECK(n == 1 && p[0] == 0);
    }
    {
        READER(r, "0202ff7f"); /* -129 */
        CHECK_OK(ltls_der_read_integer(&r, &p, &n));
        CHECK(n == 2 && p[0] == 0xff && p[1] == 0x7f);
    }
    {
        READER(r, "020180"); /* -128 */
        CHECK_OK(ltls_der_read_integer(&r, &p, &n));
        CHECK(n == 1 && p[0] == 0x80);
    }
    {
        READER(r, "02020080"); /* 128 needs its sign octet */
        CHECK_OK(ltls_der_read_integer(&r, &p, &n));
        CHECK(n == 2);
    }
    const char *bad[] = {
        "0200",       /* empty */
        "0202007f",   /* redundant 0x00 */
        "02020000",   /* redundant 0x00 before zero */
        "0203000080", /* two leading zeros */
        "0202ff80",   /* redundant 0xff */
        "0202ffff",   /* -1 in two octets */
        "0a0101",     /* ENUMERATED is not INTEGER */
        "2203020101", /* constructed INTEGER */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        READER(r, bad[i]);
        CHECK_REJECT(r, ltls_der_read_integer(&r, &p, &n), INVALID);
        CHECK_REJECT(r, ltls_der_read_uint(&r, &p, &n), INVALID);
    }
}

TEST(unsigned_integers)
{
    const uint8_t *p;
    size_t n;
    {
        READER(r, "020100"); /* zero is one 0x00 octet */
        CHECK_OK(ltls_der_read_uint(&r, &p, &n));
        CHECK(n == 1 && p[0] == 0);
    }
    {
        READER(r, "0203008001"); /* the sign octet is dropped */
        CHECK_OK(ltls_der_read_uint(&r, &p, &n));
        CHECK(n == 2 && p == buf_r + 3 && p[0] == 0x80 && p[1] == 0x01);
    }
    {
        READER(r, "02027f01");
        CHECK_OK(ltls_der_read_uint(&r, &p, &n));
        CHECK(n == 2 && p == buf_r + 2);
    }
    {
        READER(r, "0201ff"); /* -1 */
        CHECK_REJECT(r, ltls_der_read_uint(&r, &p, &n), INVALID);
    }
    {
        READER(r, "02028000"); /* -32768 */
        CHECK_REJECT(r, ltls_der_read_uint(&r, &p, &n), INVALID);
    }
}

TEST(uint64)
{
    uint64_t v;
    {
        READER(r, "020900ffffffffffffffff");
        CHECK_OK(ltls_der_read_uint64(&r, &v));
        CHECK(v == UINT64_MAX);
    }
    {
        READER(r, "02087fffffffffffffff");
        CHECK_OK(ltls_der_read_uint64(&r, &v));
        CHECK(v == (uint64_t)INT64_MAX);
    }
    {
        READER(r, "0203010000");
        CHECK_OK(ltls_der_read_uint64(&r, &v));
        CHECK(v == 65536);
    }
    {
        READER(r, "0209010000000000000000"); /* 2^64 */
        CHECK_REJECT(r, ltls_der_read_uint64(&r, &v), INVALID);
    }
    {
        READER(r, "020a00ff000000000000000000");
        CHECK_REJECT(r, ltls_der_read_uint64(&r, &v), INVALID);
    }
    {
        READER(r, "020180");
        CHECK_REJECT(r, ltls_der_read_uint64(&r, &v), INVALID);
    }
    {
        READER(r, "020201"); /* truncated contents */
        CHECK_REJECT(r, ltls_der_read_uint64(&r, &v), TRUNC);
    }
}

/* ---- BOOLEAN, NULL -------------------------------------------------------- */

TEST(boolean)
{
    int v = 7;
    {
        READER(r, "0101ff010100");
        CHECK_OK(ltls_der_read_bool(&r, &v));
        CHECK(v == 1);
        CHECK_OK(ltls_der_read_bool(&r, &v));
        CHECK(v == 0);
    }
    const char *bad[] = {"010101", "01017f", "0100", "0102ffff", "0201ff", "2103010100"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        READER(r, bad[i]);
        CHECK_REJECT(r, ltls_der_read_bool(&r, &v), INVALID);
    }
}

TEST(null)
{
    {
        READER(r, "0500");
        CHECK_OK(ltls_der_read_null(&r));
        CHECK(ltls_reader_left(&r) == 0);
    }
    {
        READER(r, "050100");
        CHECK_REJECT(r, ltls_der_read_null(&r), INVALID);
    }
    {
        READER(r, "0400");
        CHECK_REJECT(r, ltls_der_read_null(&r), INVALID);
    }
}

/* ---- OBJECT IDENTIFIER ---------------------------------------------------- */

TEST(oid)
{
    ltls_der_oid_t oid;
    {
        READER(r, "06092a864886f70d010101"); /* rsaEncryption */
        CHECK_OK(ltls_der_read_oid(&r, &oid));
        CHECK(ltls_der_oid_equal(&oid, &ltls_oid_rsa_encryption));
        CHECK(!ltls_der_oid_equal(&oid, &ltls_oid_ec_public_key));
    }
    {
        READER(r, "06032b6570" "06032b6570");
        CHECK_REJECT(r, ltls_der_expect_oid(&r, &ltls_oid_ed448), INVALID);
        CHECK_OK(ltls_der_expect_oid(&r, &ltls_oid_ed25519));
        /* A prefix of a longer OID is a different OID. */
        static const ltls_der_oid_t prefix = LTLS_DER_OID_LIT("\x2b\x65");
        CHECK_ERR(ltls_der_expect_oid(&r, &prefix), INVALID);
        CHECK(r.off == 5);
    }
    {
        READER(r, "060100"); /* 0.0 */
        CHECK_OK(ltls_der_read_oid(&r, &oid));
        CHECK(oid.len == 1);
    }
    {
        READER(r, "06038f7f01"); /* large first subidentifier, then 1 */
        CHECK_OK(ltls_der_read_oid(&r, &oid));
    }
    const char *bad[] = {
        "0600",           /* no subidentifier */
        "0602807f",       /* first subidentifier starts with 0x80 */
        "06032a807f",     /* a later one starts with 0x80 */
        "06022a86",       /* last octet has the continuation bit */
        "060186",         /* lone continuation octet */
        "0d012a",         /* RELATIVE-OID tag */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        READER(r, bad[i]);
        CHECK_REJECT(r, ltls_der_read_oid(&r, &oid), INVALID);
    }
}

/* ---- BIT STRING, OCTET STRING --------------------------------------------- */

TEST(bit_string)
{
    const uint8_t *p;
    size_t n;
    unsigned unused;
    {
        READER(r, "030100"); /* empty */
        CHECK_OK(ltls_der_read_bit_string(&r, &p, &n, &unused));
        CHECK(n == 0 && unused == 0);
    }
    {
        READER(r, "03020780"); /* one bit, set */
        CHECK_OK(ltls_der_read_bit_string(&r, &p, &n, &unused));
        CHECK(n == 1 && unused == 7 && p[0] == 0x80);
        /* valid as a bit string, but not whole octets */
        r.off = 0;
        CHECK_REJECT(r, ltls_der_read_bit_string_octets(&r, &p, &n), INVALID);
    }
    {
        READER(r, "0303010602"); /* 15 bits, the last one clear */
        CHECK_OK(ltls_der_read_bit_string(&r, &p, &n, &unused));
        CHECK(n == 2 && unused == 1 && p == buf_r + 3);
    }
    {
        READER(r, "03020440"); /* 0100 0000: the four unused bits are zero */
        CHECK_OK(ltls_der_read_bit_string(&r, &p, &n, &unused));
        CHECK(unused == 4);
    }
    {
        READER(r, "030300abcd");
        CHECK_OK(ltls_der_read_bit_string_octets(&r, &p, &n));
        CHECK(n == 2 && p[0] == 0xab);
    }
    const char *bad[] = {
        "0300",       /* no unused-bits octet */
        "030101",     /* empty, yet unused bits */
        "030107",
        "03020800",   /* unused bits 8 */
        "0302ff00",
        "03020101",   /* the one unused bit is set */
        "03020441",   /* an unused bit is set */
        "2303030100", /* constructed (BER only) */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        READER(r, bad[i]);
        CHECK_REJECT(r, ltls_der_read_bit_string(&r, &p, &n, &unused), INVALID);
        CHECK_REJECT(r, ltls_der_read_bit_string_octets(&r, &p, &n), INVALID);
    }
}

TEST(octet_string)
{
    const uint8_t *p;
    size_t n;
    {
        READER(r, "0400" "0402beef");
        CHECK_OK(ltls_der_read_octet_string(&r, &p, &n));
        CHECK(n == 0);
        CHECK_OK(ltls_der_read_octet_string(&r, &p, &n));
        CHECK(n == 2 && p == buf_r + 4);
    }
    {
        READER(r, "2404" "0402beef"); /* constructed (BER only) */
        CHECK_REJECT(r, ltls_der_read_octet_string(&r, &p, &n), INVALID);
    }
}

/* ---- time ----------------------------------------------------------------- */

/* Hex of a time element with tag t over the ASCII string s. */
static size_t time_der(uint8_t tag, const char *s, uint8_t *out)
{
    size_t n = strlen(s);
    out[0] = tag;
    out[1] = (uint8_t)n;
    memcpy(out + 2, s, n);
    return n + 2;
}

static ltls_err_t utc(const char *s, int64_t *t, size_t *off)
{
    uint8_t buf[64];
    ltls_reader_t r;
    ltls_reader_init(&r, buf, time_der(0x17, s, buf));
    ltls_err_t err = ltls_der_read_utc_time(&r, t);
    *off = r.off;
    return err;
}

static ltls_err_t gen(const char *s, int64_t *t, size_t *off)
{
    uint8_t buf[64];
    ltls_reader_t r;
    ltls_reader_init(&r, buf, time_der(0x18, s, buf));
    ltls_err_t err = ltls_der_read_generalized_time(&r, t);
    *off = r.off;
    return err;
}

TEST(utc_time)
{
    int64_t t;
    size_t off;
    CHECK_OK(utc("700101000000Z", &t, &off));
    CHECK(t == 0 && off == 15);
    CHECK_OK(utc("500101000000Z", &t, &off)); /* YY >= 50 is 19YY */
    CHECK(t == -631152000);
    CHECK_OK(utc("491231235959Z", &t, &off)); /* YY < 50 is 20YY */
    CHECK(t == 2524607999);
    CHECK_OK(utc("000229123456Z", &t, &off)); /* 2000 is a leap year */
    CHECK(t == 951827696);
    CHECK_OK(utc("380119031408Z", &t, &off));
    CHECK(t == 2147483648);

    const char *bad[] = {
        "7001010000Z",     /* no seconds (allowed by X.680, not by RFC 5280) */
        "700101000000",    /* no Z */
        "700101000000z",
        "700101000000+0000",
        "7001010000000Z",  /* one digit too many */
        "700101000000.Z",
        "701301000000Z",   /* month 13 */
        "700001000000Z",   /* month 0 */
        "700100000000Z",   /* day 0 */
        "700431000000Z",   /* 31 April */
        "010229000000Z",   /* 2001 is not a leap year */
        "700101240000Z",   /* hour 24 */
        "700101006000Z",   /* minute 60 */
        "700101000060Z",   /* second 60 */
        "7001 1000000Z",
        "70010100000aZ",
        "-70101000000Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_ERR(utc(bad[i], &t, &off), INVALID);
        CHECK(off == 0);
    }
}

TEST(generalized_time)
{
    int64_t t;
    size_t off;
    CHECK_OK(gen("19700101000000Z", &t, &off));
    CHECK(t == 0 && off == 17);
    CHECK_OK(gen("20240229000000Z", &t, &off));
    CHECK(t == 1709164800);
    CHECK_OK(gen("99991231235959Z", &t, &off)); /* RFC 5280's "no expiry" */
    CHECK(t == 253402300799);
    CHECK_OK(gen("00000101000000Z", &t, &off));
    CHECK(t == -62167219200);
    CHECK_OK(gen("16000301000000Z", &t, &off));
    CHECK(t == -11670912000);
    CHECK_OK(gen("20000229000000Z", &t, &off)); /* divisible by 400: leap */

    const char *bad[] = {
        "21000229000000Z",    /* divisible by 100, not 400: not leap */
        "19000229000000Z",
        "20230229000000Z",
        "20240230000000Z",
        "20240631000000Z",
        "20241301000000Z",
        "20240101000000.5Z",  /* fractions are forbidden */
        "20240101000000.0Z",
        "20240101000000",     /* local time */
        "20240101000000+0100",
        "202401010000Z",      /* no seconds */
        "2024010100Z",
        "240101000000Z",      /* UTCTime shape */
        "2024010100000Z",
        "20240101246000Z",
        "2024-101000000Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_ERR(gen(bad[i], &t, &off), INVALID);
        CHECK(off == 0);
    }
}

TEST(time_choice)
{
    int64_t t;
    uint8_t buf[64];
    ltls_reader_t r;
    size_t n = time_der(0x17, "491231235959Z", buf);
    n += time_der(0x18, "20500101000000Z", buf + n);
    n += time_der(0x04, "20500101000000Z", buf + n);
    ltls_reader_init(&r, buf, n);
    CHECK_OK(ltls_der_read_time(&r, &t));
    CHECK(t == 2524607999);
    CHECK_OK(ltls_der_read_time(&r, &t));
    CHECK(t == 2524608000);
    size_t at = r.off;
    CHECK_ERR(ltls_der_read_time(&r, &t), INVALID);
    CHECK(r.off == at);
    /* The tags are not interchangeable. */
    ltls_reader_init(&r, buf, n);
    CHECK_ERR(ltls_der_read_generalized_time(&r, &t), INVALID);
    CHECK(r.off == 0);
}

TEST(civil_to_unix)
{
    int64_t t;
    CHECK_OK(ltls_der_civil_to_unix(1970, 1, 1, 0, 0, 0, &t));
    CHECK(t == 0);
    CHECK_OK(ltls_der_civil_to_unix(1969, 12, 31, 23, 59, 59, &t));
    CHECK(t == -1);
    CHECK_OK(ltls_der_civil_to_unix(2000, 3, 1, 0, 0, 0, &t));
    CHECK(t == 951868800);
    CHECK_OK(ltls_der_civil_to_unix(1, 1, 1, 0, 0, 0, &t));
    CHECK(t == -62135596800);
    CHECK_ERR(ltls_der_civil_to_unix(10000, 1, 1, 0, 0, 0, &t), INVALID);
    CHECK_ERR(ltls_der_civil_to_unix(-1, 1, 1, 0, 0, 0, &t), INVALID);
    CHECK_ERR(ltls_der_civil_to_unix(2024, 2, 30, 0, 0, 0, &t), INVALID);
    CHECK_ERR(ltls_der_civil_to_unix(2024, 1, 1, -1, 0, 0, &t), INVALID);
    /* Every day of 400 years (one full Gregorian cycle) is exactly one day
     * after the one before it. */
    int64_t prev;
    CHECK_OK(ltls_der_civil_to_unix(1999, 12, 31, 0, 0, 0, &prev));
    for (int y = 2000; y < 2400; y++)
        for (int m = 1; m <= 12; m++)
            for (int d = 1; d <= 31; d++) {
                if (ltls_der_civil_to_unix(y, m, d, 0, 0, 0, &t) != LTLS_OK)
                    continue;
                CHECK(t - prev == 86400);
                prev = t;
            }
    CHECK_OK(ltls_der_civil_to_unix(2400, 1, 1, 0, 0, 0, &t));
    CHECK(t - prev == 86400);
}

/* A realistic structure end to end: AlgorithmIdentifier for id-ecPublicKey
 * with namedCurve P-256, then a BIT STRING key. */
TEST(algorithm_identifier_walk)
{
    READER(r, "3013" "06072a8648ce3d0201" "06082a8648ce3d030107" "0304" "00" "04aabb");
    ltls_reader_t alg;
    const uint8_t *p;
    size_t n;
    CHECK_OK(ltls_der_read_sequence(&r, &alg));
    CHECK_OK(ltls_der_expect_oid(&alg, &ltls_oid_ec_public_key));
    CHECK_OK(ltls_der_expect_oid(&alg, &ltls_oid_secp256r1));
    CHECK_OK(ltls_der_end(&alg));
    CHECK_OK(ltls_der_read_bit_string_octets(&r, &p, &n));
    CHECK(n == 3 && p[0] == 0x04);
    CHECK_OK(ltls_der_end(&r));
}

int main(void)
{
    RUN(low_tag_numbers);
    RUN(high_tag_numbers);
    RUN(end_of_contents_rejected);
    RUN(empty_input);
    RUN(short_and_long_lengths);
    RUN(non_minimal_lengths);
    RUN(lengths_past_the_end);
    RUN(sequence_and_set);
    RUN(read_elem_keeps_raw_bytes);
    RUN(explicit_implicit_and_optional);
    RUN(integer_forms);
    RUN(unsigned_integers);
    RUN(uint64);
    RUN(boolean);
    RUN(null);
    RUN(oid);
    RUN(bit_string);
    RUN(octet_string);
    RUN(utc_time);
    RUN(generalized_time);
    RUN(time_choice);
    RUN(civil_to_unix);
    RUN(algorithm_identifier_walk);
    return test_done();
}
