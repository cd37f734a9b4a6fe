/* Unit tests for src/core/reader.c: every read is bounds-checked and a failed
 * read leaves the cursor where it was. */
#include "core/reader.h"
#include "test.h"

static const uint8_t buf[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09};

TEST(reads_fixed_width_big_endian)
{
    ltls_reader_t r;
    uint8_t a;
    uint16_t b;
    uint32_t c;
    ltls_reader_init(&r, buf, sizeof buf);
    CHECK_OK(ltls_reader_u8(&r, &a));
    CHECK_OK(ltls_reader_u16(&r, &b));
    CHECK_OK(ltls_reader_u24(&r, &c));
    CHECK(a == 0x01 && b == 0x0203 && c == 0x040506);
    CHECK_OK(ltls_reader_u24(&r, &c));
    CHECK(c == 0x070809);
    CHECK_OK(ltls_reader_end(&r));
}

TEST(reads_u32_and_u64)
{
    ltls_reader_t r;
    uint32_t a;
    uint64_t b;
    ltls_reader_init(&r, buf, sizeof buf);
    CHECK_OK(ltls_reader_u32(&r, &a));
    CHECK(a == 0x01020304);
    CHECK_ERR(ltls_reader_u64(&r, &b), LTLS_R_DECODE_TRUNCATED);
    CHECK(r.off == 4);
    ltls_reader_init(&r, buf, sizeof buf);
    CHECK_OK(ltls_reader_u64(&r, &b));
    CHECK(b == 0x0102030405060708ULL);
}

TEST(failed_read_leaves_cursor_and_output_untouched)
{
    ltls_reader_t r;
    uint32_t v = 0xdeadbeef;
    ltls_reader_init(&r, buf, 2);
    CHECK_ERR(ltls_reader_u24(&r, &v), LTLS_R_DECODE_TRUNCATED);
    CHECK(r.off == 0 && v == 0xdeadbeef);
    CHECK_ERR(ltls_reader_u32(&r, &v), LTLS_R_DECODE_TRUNCATED);
    CHECK(r.off == 0);
    const uint8_t *view = NULL;
    CHECK_ERR(ltls_reader_bytes(&r, 3, &view), LTLS_R_DECODE_TRUNCATED);
    CHECK(view == NULL && r.off == 0);
}

TEST(error_carries_decode_error_alert)
{
    ltls_reader_t r;
    uint8_t v;
    ltls_reader_init(&r, NULL, 0);
    ltls_err_t e = ltls_reader_u8(&r, &v);
    CHECK(ltls_err_class(e) == LTLS_ECLASS_LOCAL_ALERT);
    CHECK(ltls_err_alert(e) == LTLS_ALERT_DECODE_ERROR);
}

TEST(bytes_are_views_into_the_buffer)
{
    ltls_reader_t r;
    const uint8_t *v;
    uint8_t copy[3];
    ltls_reader_init(&r, buf, sizeof buf);
    CHECK_OK(ltls_reader_skip(&r, 2));
    CHECK_OK(ltls_reader_bytes(&r, 3, &v));
    CHECK(v == buf + 2);
    CHECK_OK(ltls_reader_copy(&r, copy, 3));
    CHECK_MEM(copy, buf + 5, 3);
    CHECK(ltls_reader_left(&r) == 1);
    CHECK_ERR(ltls_reader_end(&r), LTLS_R_DECODE_TRAILING);
}

TEST(vector_yields_exact_sub_reader)
{
    /* <2..10> with a 2-byte length of 3, then one more byte */
    static const uint8_t v[] = {0x00, 0x03, 0xaa, 0xbb, 0xcc, 0xdd};
    ltls_reader_t r, sub;
    uint8_t x;
    ltls_reader_init(&r, v, sizeof v);
    CHECK_OK(ltls_reader_vec(&r, 2, 2, 10, &sub));
    CHECK(ltls_reader_left(&sub) == 3 && r.off == 5);
    CHECK_OK(ltls_reader_u8(&sub, &x));
    CHECK(x == 0xaa);
    /* Not fully consumed: the parser must notice. */
    CHECK_ERR(ltls_reader_end(&sub), LTLS_R_DECODE_TRAILING);
    CHECK_OK(ltls_reader_skip(&sub, 2));
    CHECK_OK(ltls_reader_end(&sub));
    /* The sub-reader cannot read past its vector into the parent. */
    CHECK_ERR(ltls_reader_u8(&sub, &x), LTLS_R_DECODE_TRUNCATED);
    CHECK_OK(ltls_reader_u8(&r, &x));
    CHECK(x == 0xdd);
}

TEST(vector_length_bounds)
{
    static const uint8_t v[] = {0x02, 0x01, 0x02};
    ltls_reader_t r, sub;
    ltls_reader_init(&r, v, sizeof v);
    CHECK_ERR(ltls_reader_vec(&r, 1, 3, 255, &sub), LTLS_R_DECODE_LENGTH);
    CHECK(r.off == 0);
    CHECK_ERR(ltls_reader_vec(&r, 1, 0, 1, &sub), LTLS_R_DECODE_LENGTH);
    CHECK(r.off == 0);
    CHECK_OK(ltls_reader_vec(&r, 1, 2, 2, &sub));
    CHECK_OK(ltls_reader_end(&r));
}

TEST(vector_truncated_body_or_prefix)
{
    static const uint8_t v[] = {0x00, 0x00, 0x05, 0x01};
    ltls_reader_t r, sub;
    ltls_reader_init(&r, v, sizeof v);
    CHECK_ERR(ltls_reader_vec(&r, 3, 0, 1 << 24, &sub), LTLS_R_DECODE_TRUNCATED);
    CHECK(r.off == 0);
    ltls_reader_init(&r, v, 1);
    CHECK_ERR(ltls_reader_vec(&r, 2, 0, 65535, &sub), LTLS_R_DECODE_TRUNCATED);
    CHECK(r.off == 0);
}

TEST(vector_of_zero_length)
{
    static const uint8_t v[] = {0x00};
    ltls_reader_t r, sub;
    ltls_reader_init(&r, v, sizeof v);
    CHECK_OK(ltls_reader_vec(&r, 1, 0, 255, &sub));
    CHECK_OK(ltls_reader_end(&sub));
    CHECK_OK(ltls_reader_end(&r));
}

TEST(nested_vectors)
{
    /* <1..2^16-1> of <1..255>: two inner vectors */
    static const uint8_t v[] = {0x00, 0x05, 0x01, 0xaa, 0x02, 0xbb, 0xcc};
    ltls_reader_t r, outer, inner;
    int count = 0;
    ltls_reader_init(&r, v, sizeof v);
    CHECK_OK(ltls_reader_vec(&r, 2, 1, 65535, &outer));
    while (ltls_reader_left(&outer)) {
        CHECK_OK(ltls_reader_vec(&outer, 1, 1, 255, &inner));
        CHECK_OK(ltls_reader_skip(&inner, ltls_reader_left(&inner)));
        count++;
    }
    CHECK(count == 2);
    CHECK_OK(ltls_reader_end(&r));
}

TEST(inner_vector_cannot_escape_outer)
{
    /* The inner length (3) exceeds what the outer vector holds (2). */
    static const uint8_t v[] = {0x00, 0x02, 0x03, 0xaa, 0xbb, 0xcc};
    ltls_reader_t r, outer, inner;
    ltls_reader_init(&r, v, sizeof v);
    CHECK_OK(ltls_reader_vec(&r, 2, 0, 65535, &outer));
    CHECK_ERR(ltls_reader_vec(&outer, 1, 0, 255, &inner), LTLS_R_DECODE_TRUNCATED);
}

TEST(bad_prefix_width_is_internal)
{
    ltls_reader_t r, sub;
    ltls_reader_init(&r, buf, sizeof buf);
    CHECK_ERR(ltls_reader_vec(&r, 4, 0, 10, &sub), LTLS_R_INTERNAL);
    CHECK(r.off == 0);
}

int main(void)
{
    RUN(reads_fixed_width_big_endian);
    RUN(reads_u32_and_u64);
    RUN(failed_read_leaves_cursor_and_output_untouched);
    RUN(error_carries_decode_error_alert);
    RUN(bytes_are_views_into_the_buffer);
    RUN(vector_yields_exact_sub_reader);
    RUN(vector_length_bounds);
    RUN(vector_truncated_body_or_prefix);
    RUN(vector_of_zero_length);
    RUN(nested_vectors);
    RUN(inner_vector_cannot_escape_outer);
    RUN(bad_prefix_width_is_internal);
    return test_done();
}
