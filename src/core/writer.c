/*
 * core/writer.c - appends with overflow counting. Once a write would pass the
 * capacity, nothing more is stored but len keeps growing, so the caller learns
 * the size it needs.
 */
#include "core/writer.h"

#include <string.h>

void ltls_writer_init(ltls_writer_t *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->cap = buf ? cap : 0;
    w->len = 0;
    w->err = LTLS_OK;
}

uint8_t *ltls_writer_reserve(ltls_writer_t *w, size_t n)
{
    if (n > SIZE_MAX - w->len) {
        if (!w->err)
            w->err = ltls_err_make(LTLS_R_INTERNAL);
        return NULL;
    }
    size_t at = w->len;
    w->len += n;
    if (w->err || w->len > w->cap) {
        if (!w->err)
            w->err = ltls_err_make(LTLS_R_BUFFER_TOO_SMALL);
        return NULL;
    }
    return w->buf + at;
}

static void put_be(ltls_writer_t *w, uint64_t v, size_t n)
{
    uint8_t *p = ltls_writer_reserve(w, n);
    if (!p)
        return;
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

void ltls_writer_u8(ltls_writer_t *w, uint8_t v) { put_be(w, v, 1); }
void ltls_writer_u16(ltls_writer_t *w, uint16_t v) { put_be(w, v, 2); }
void ltls_writer_u24(ltls_writer_t *w, uint32_t v) { put_be(w, v, 3); }
void ltls_writer_u32(ltls_writer_t *w, uint32_t v) { put_be(w, v, 4); }
void ltls_writer_u64(ltls_writer_t *w, uint64_t v) { put_be(w, v, 8); }

void ltls_writer_bytes(ltls_writer_t *w, const uint8_t *p, size_t n)
{
    uint8_t *dst = ltls_writer_reserve(w, n);
    if (dst && n)
        memcpy(dst, p, n);
}

ltls_writer_vec_t ltls_writer_vec_open(ltls_writer_t *w, unsigned len_bytes)
{
    ltls_writer_vec_t v = {w->len, len_bytes};
    if (len_bytes < 1 || len_bytes > 3) {
        if (!w->err)
            w->err = ltls_err_make(LTLS_R_INTERNAL);
        return v;
    }
    put_be(w, 0, len_bytes); /* patched by ltls_writer_vec_close() */
    return v;
}

void ltls_writer_vec_close(ltls_writer_t *w, ltls_writer_vec_t v)
{
    if (v.len_bytes < 1 || v.len_bytes > 3 || w->len < v.at + v.len_bytes)
        return; /* open already recorded the error */
    size_t body = w->len - v.at - v.len_bytes;
    if (body >> (8 * v.len_bytes)) {
        if (!w->err)
            w->err = ltls_err_make(LTLS_R_INTERNAL);
        return;
    }
    if (v.at + v.len_bytes > w->cap)
        return; /* the prefix itself was never stored; size is still counted */
    for (unsigned i = 0; i < v.len_bytes; i++)
        w->buf[v.at + i] = (uint8_t)(body >> (8 * (v.len_bytes - 1 - i)));
}

ltls_err_t ltls_writer_finish(const ltls_writer_t *w, size_t *len)
{
    if (len)
        *len = w->len;
    return w->err;
}
