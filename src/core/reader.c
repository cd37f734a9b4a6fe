/*
 * core/reader.c - bounds-checked reads. Each function checks the length it
 * needs against what is left before touching a byte, and moves the cursor only
 * after the whole read has succeeded.
 */
#include "core/reader.h"

#include <string.h>

/* Stands in for a NULL buffer so that pointer arithmetic stays defined. */
static const uint8_t nothing[1];

void ltls_reader_init(ltls_reader_t *r, const uint8_t *p, size_t len)
{
    r->p = p ? p : nothing;
    r->len = p ? len : 0;
    r->off = 0;
}

static ltls_err_t need(const ltls_reader_t *r, size_t n)
{
    return ltls_reader_left(r) >= n ? LTLS_OK : ltls_err_make(LTLS_R_DECODE_TRUNCATED);
}

static uint64_t be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

static ltls_err_t read_uint(ltls_reader_t *r, size_t n, uint64_t *v)
{
    ltls_err_t err = need(r, n);
    if (err)
        return err;
    *v = be(r->p + r->off, n);
    r->off += n;
    return LTLS_OK;
}

ltls_err_t ltls_reader_u8(ltls_reader_t *r, uint8_t *v)
{
    uint64_t x;
    ltls_err_t err = read_uint(r, 1, &x);
    if (!err)
        *v = (uint8_t)x;
    return err;
}

ltls_err_t ltls_reader_u16(ltls_reader_t *r, uint16_t *v)
{
    uint64_t x;
    ltls_err_t err = read_uint(r, 2, &x);
    if (!err)
        *v = (uint16_t)x;
    return err;
}

ltls_err_t ltls_reader_u24(ltls_reader_t *r, uint32_t *v)
{
    uint64_t x;
    ltls_err_t err = read_uint(r, 3, &x);
    if (!err)
        *v = (uint32_t)x;
    return err;
}

ltls_err_t ltls_reader_u32(ltls_reader_t *r, uint32_t *v)
{
    uint64_t x;
    ltls_err_t err = read_uint(r, 4, &x);
    if (!err)
        *v = (uint32_t)x;
    return err;
}

ltls_err_t ltls_reader_u64(ltls_reader_t *r, uint64_t *v) { return read_uint(r, 8, v); }

ltls_err_t ltls_reader_bytes(ltls_reader_t *r, size_t n, const uint8_t **out)
{
    ltls_err_t err = need(r, n);
    if (err)
        return err;
    *out = r->p + r->off;
    r->off += n;
    return LTLS_OK;
}

ltls_err_t ltls_reader_copy(ltls_reader_t *r, uint8_t *out, size_t n)
{
    const uint8_t *src;
    ltls_err_t err = ltls_reader_bytes(r, n, &src);
    if (!err && n)
        memcpy(out, src, n);
    return err;
}

ltls_err_t ltls_reader_skip(ltls_reader_t *r, size_t n)
{
    const uint8_t *unused;
    return ltls_reader_bytes(r, n, &unused);
}

ltls_err_t ltls_reader_vec(ltls_reader_t *r, unsigned len_bytes, size_t min, size_t max,
                           ltls_reader_t *sub)
{
    if (len_bytes < 1 || len_bytes > 3)
        return ltls_err_make(LTLS_R_INTERNAL);
    ltls_err_t err = need(r, len_bytes);
    if (err)
        return err;
    size_t body = (size_t)be(r->p + r->off, len_bytes);
    if (body < min || body > max)
        return ltls_err_make(LTLS_R_DECODE_LENGTH);
    if (ltls_reader_left(r) - len_bytes < body)
        return ltls_err_make(LTLS_R_DECODE_TRUNCATED);
    ltls_reader_init(sub, r->p + r->off + len_bytes, body);
    r->off += len_bytes + body;
    return LTLS_OK;
}

ltls_err_t ltls_reader_end(const ltls_reader_t *r)
{
    return ltls_reader_left(r) == 0 ? LTLS_OK : ltls_err_make(LTLS_R_DECODE_TRAILING);
}
