/*
 * msg/lists.c - the list forms every codec of src/msg shares.
 *
 * A parsed list is its validated wire bytes and a count: nothing is copied,
 * and a hostile list of thousands of entries costs no memory, only the one
 * linear walk that validated it. A list built for writing points at an array
 * instead. Each helper here serves both forms so that codecs never need to
 * know which one they hold.
 *
 * Iterating a parsed blob list re-reads its wire bytes through a reader;
 * they were validated when the list was parsed, so the reads cannot fail,
 * but they are still bounds-checked rather than trusted.
 */
#include <string.h>

#include "core/reader.h"
#include "msg/extensions/ext.h"
#include "msg/msg.h"

uint16_t ltls_u16_list_at(const ltls_u16_list_t *l, size_t i)
{
    if (i >= l->count)
        return 0;
    if (!l->wire)
        return l->vals[i];
    ltls_reader_t r;
    uint16_t v = 0;
    ltls_reader_init(&r, l->wire, l->count * 2);
    if (ltls_reader_skip(&r, 2 * i) || ltls_reader_u16(&r, &v))
        return 0;
    return v;
}

int ltls_u16_list_has(const ltls_u16_list_t *l, uint16_t v)
{
    for (size_t i = 0; i < l->count; i++)
        if (ltls_u16_list_at(l, i) == v)
            return 1;
    return 0;
}

int ltls_u16_list_next(const ltls_u16_list_t *l, size_t *i, uint16_t *v)
{
    while (*i < l->count) {
        uint16_t x = ltls_u16_list_at(l, (*i)++);
        if (!ltls_msg_is_grease(x)) {
            *v = x;
            return 1;
        }
    }
    return 0;
}

int ltls_blob_list_next(const ltls_blob_list_t *l, ltls_iter_t *it, ltls_bytes_t *out)
{
    if (it->idx >= l->count)
        return 0;
    if (!l->wire.p) {
        *out = l->items[it->idx++];
        return 1;
    }
    ltls_reader_t r, item;
    ltls_reader_init(&r, l->wire.p, l->wire.len);
    if (ltls_reader_skip(&r, it->off) ||
        ltls_reader_vec(&r, l->prefix, 0, ((size_t)1 << (8 * l->prefix)) - 1, &item))
        return 0;
    out->p = ltls_reader_peek(&item);
    out->len = item.len;
    it->off = r.off;
    it->idx++;
    return 1;
}

/* ------------------------------------------------------------------------
 * Codec helpers
 * ---------------------------------------------------------------------- */

void ltls_msg_writer_fail(ltls_writer_t *w, ltls_reason_t reason)
{
    if (!w->err)
        w->err = ltls_err_make(reason);
}

void ltls_msg_vec_close(ltls_writer_t *w, ltls_writer_vec_t v, size_t min, size_t max)
{
    if (w->len >= v.at + v.len_bytes) {
        size_t body = w->len - v.at - v.len_bytes;
        if (body < min || body > max)
            ltls_msg_writer_fail(w, LTLS_R_BAD_ARGUMENT);
    }
    ltls_writer_vec_close(w, v);
}

ltls_err_t ltls_msg_read_u16_list(ltls_reader_t *r, unsigned prefix, size_t min, size_t max,
                                  ltls_u16_list_t *out)
{
    ltls_reader_t sub;
    ltls_err_t err = ltls_reader_vec(r, prefix, min, max, &sub);
    if (err)
        return err;
    if (sub.len % 2)
        return ltls_err_make(LTLS_R_DECODE_LENGTH);
    out->wire = ltls_reader_peek(&sub);
    out->vals = NULL;
    out->count = sub.len / 2;
    return LTLS_OK;
}

void ltls_msg_write_u16_list(ltls_writer_t *w, unsigned prefix, size_t min, size_t max,
                             const ltls_u16_list_t *l)
{
    ltls_writer_vec_t v = ltls_writer_vec_open(w, prefix);
    for (size_t i = 0; i < l->count; i++)
        ltls_writer_u16(w, ltls_u16_list_at(l, i));
    ltls_msg_vec_close(w, v, min, max);
}

ltls_err_t ltls_msg_read_blob_list(ltls_reader_t *r, unsigned prefix, size_t min, size_t max,
                                   unsigned item_prefix, size_t item_min, size_t item_max,
                                   ltls_blob_list_t *out)
{
    ltls_reader_t sub, item;
    ltls_err_t err = ltls_reader_vec(r, prefix, min, max, &sub);
    if (err)
        return err;
    out->wire.p = ltls_reader_peek(&sub);
    out->wire.len = sub.len;
    out->items = NULL;
    out->count = 0;
    out->prefix = (uint8_t)item_prefix;
    while (ltls_reader_left(&sub)) {
        err = ltls_reader_vec(&sub, item_prefix, item_min, item_max, &item);
        if (err)
            return err;
        out->count++;
    }
    return LTLS_OK;
}

void ltls_msg_write_blob_list(ltls_writer_t *w, unsigned prefix, size_t min, size_t max,
                              unsigned item_prefix, size_t item_min, size_t item_max,
                              const ltls_blob_list_t *l)
{
    ltls_writer_vec_t v = ltls_writer_vec_open(w, prefix);
    ltls_iter_t it = {0, 0};
    ltls_bytes_t b;
    while (ltls_blob_list_next(l, &it, &b))
        ltls_msg_write_opaque(w, item_prefix, item_min, item_max, &b);
    ltls_msg_vec_close(w, v, min, max);
}

ltls_err_t ltls_msg_read_opaque(ltls_reader_t *r, unsigned prefix, size_t min, size_t max,
                                ltls_bytes_t *out)
{
    ltls_reader_t sub;
    ltls_err_t err = ltls_reader_vec(r, prefix, min, max, &sub);
    if (err)
        return err;
    out->p = ltls_reader_peek(&sub);
    out->len = sub.len;
    return LTLS_OK;
}

void ltls_msg_write_opaque(ltls_writer_t *w, unsigned prefix, size_t min, size_t max,
                           const ltls_bytes_t *b)
{
    ltls_writer_vec_t v = ltls_writer_vec_open(w, prefix);
    ltls_msg_write_bytes_or_zeros(w, b);
    ltls_msg_vec_close(w, v, min, max);
}

void ltls_msg_write_bytes_or_zeros(ltls_writer_t *w, const ltls_bytes_t *b)
{
    if (b->p) {
        ltls_writer_bytes(w, b->p, b->len);
        return;
    }
    uint8_t *dst = ltls_writer_reserve(w, b->len);
    if (dst && b->len)
        memset(dst, 0, b->len);
}
