/* Unit tests for src/core/writer.c: back-patched length prefixes and size
 * reporting instead of overflow. */
#include "core/writer.h"
#include "test.h"

TEST(writes_big_endian)
{
    uint8_t out[16];
    ltls_writer_t w;
    size_t n;
    ltls_writer_init(&w, out, sizeof out);
    ltls_writer_u8(&w, 0x01);
    ltls_writer_u16(&w, 0x0203);
    ltls_writer_u24(&w, 0x040506);
    ltls_writer_u32(&w, 0x0708090a);
    CHECK_OK(ltls_writer_finish(&w, &n));
    static const uint8_t want[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    CHECK(n == sizeof want);
    CHECK_MEM(out, want, sizeof want);
}

TEST(vectors_are_back_patched)
{
    uint8_t out[32];
    ltls_writer_t w;
    size_t n;
    ltls_writer_init(&w, out, sizeof out);
    ltls_writer_vec_t outer = ltls_writer_vec_open(&w, 2);
    ltls_writer_vec_t inner = ltls_writer_vec_open(&w, 1);
    ltls_writer_bytes(&w, (const uint8_t *)"abc", 3);
    ltls_writer_vec_close(&w, inner);
    ltls_writer_vec_t empty = ltls_writer_vec_open(&w, 3);
    ltls_writer_vec_close(&w, empty);
    ltls_writer_vec_close(&w, outer);
    CHECK_OK(ltls_writer_finish(&w, &n));
    static const uint8_t want[] = {0x00, 0x07, 0x03, 'a', 'b', 'c', 0x00, 0x00, 0x00};
    CHECK(n == sizeof want);
    CHECK_MEM(out, want, sizeof want);
}

TEST(reports_needed_size_instead_of_overflowing)
{
    uint8_t out[4] = {0xee, 0xee, 0xee, 0xee};
    uint8_t guard = 0x55;
    ltls_writer_t w;
    size_t n;
    (void)guard;
    ltls_writer_init(&w, out, 3);
    ltls_writer_vec_t v = ltls_writer_vec_open(&w, 2);
    ltls_writer_bytes(&w, (const uint8_t *)"hello", 5);
    ltls_writer_vec_close(&w, v);
    ltls_writer_u8(&w, 9);
    CHECK_ERR(ltls_writer_finish(&w, &n), LTLS_R_BUFFER_TOO_SMALL);
    CHECK(n == 8);
    CHECK(out[3] == 0xee); /* nothing written past the capacity */
}

TEST(null_buffer_measures)
{
    ltls_writer_t w;
    size_t n;
    ltls_writer_init(&w, NULL, 100);
    ltls_writer_u24(&w, 1);
    ltls_writer_bytes(&w, (const uint8_t *)"xyz", 3);
    CHECK_ERR(ltls_writer_finish(&w, &n), LTLS_R_BUFFER_TOO_SMALL);
    CHECK(n == 6);
}

TEST(body_too_long_for_prefix_is_an_error)
{
    uint8_t out[300];
    uint8_t body[256] = {0};
    ltls_writer_t w;
    ltls_writer_init(&w, out, sizeof out);
    ltls_writer_vec_t v = ltls_writer_vec_open(&w, 1);
    ltls_writer_bytes(&w, body, sizeof body);
    ltls_writer_vec_close(&w, v);
    CHECK_ERR(ltls_writer_finish(&w, NULL), LTLS_R_INTERNAL);
}

TEST(reserve_gives_fill_pointer)
{
    uint8_t out[4];
    ltls_writer_t w;
    size_t n;
    ltls_writer_init(&w, out, sizeof out);
    uint8_t *p = ltls_writer_reserve(&w, 4);
    CHECK(p == out);
    CHECK(ltls_writer_reserve(&w, 1) == NULL);
    CHECK_ERR(ltls_writer_finish(&w, &n), LTLS_R_BUFFER_TOO_SMALL);
    CHECK(n == 5);
}

int main(void)
{
    RUN(writes_big_endian);
    RUN(vectors_are_back_patched);
    RUN(reports_needed_size_instead_of_overflowing);
    RUN(null_buffer_measures);
    RUN(body_too_long_for_prefix_is_an_error);
    RUN(reserve_gives_fill_pointer);
    return test_done();
}
