/*
 * core/reader.h - the one bounds-checked reader every parser uses.
 *
 * A reader is a view of [p, p+len) with a cursor. Every read either succeeds
 * completely and advances the cursor, or fails with an ltls_err_t and leaves
 * the cursor where it was, so a parser never sees half a field.
 *
 * A length-prefixed vector is read with ltls_reader_vec(), which advances the
 * parent past the whole vector and yields a sub-reader over its body. The
 * parser must consume the sub-reader exactly and say so with
 * ltls_reader_end(), which fails with DECODE_TRAILING if bytes are left: no
 * vector can hide unparsed bytes.
 *
 * Readers never copy and never allocate; views returned by ltls_reader_bytes()
 * point into the original buffer.
 */
#ifndef LTLS_CORE_READER_H
#define LTLS_CORE_READER_H

#include <stddef.h>
#include <stdint.h>

#include "lucidtls/error.h"

typedef struct ltls_reader {
    const uint8_t *p;
    size_t len;
    size_t off;
} ltls_reader_t;

/* A reader over [p, p+len); p may be NULL when len is 0. */
void ltls_reader_init(ltls_reader_t *r, const uint8_t *p, size_t len);

static inline size_t ltls_reader_left(const ltls_reader_t *r) { return r->len - r->off; }

/* The unread bytes, without consuming them. */
static inline const uint8_t *ltls_reader_peek(const ltls_reader_t *r) { return r->p + r->off; }

ltls_err_t ltls_reader_u8(ltls_reader_t *r, uint8_t *v);
ltls_err_t ltls_reader_u16(ltls_reader_t *r, uint16_t *v);
ltls_err_t ltls_reader_u24(ltls_reader_t *r, uint32_t *v);
ltls_err_t ltls_reader_u32(ltls_reader_t *r, uint32_t *v);
ltls_err_t ltls_reader_u64(ltls_reader_t *r, uint64_t *v);

/* A view of the next n bytes. */
ltls_err_t ltls_reader_bytes(ltls_reader_t *r, size_t n, const uint8_t **out);
/* Copies the next n bytes to out. */
ltls_err_t ltls_reader_copy(ltls_reader_t *r, uint8_t *out, size_t n);
/* Skips n bytes. */
ltls_err_t ltls_reader_skip(ltls_reader_t *r, size_t n);

/*
 * Reads a vector with a len_bytes-byte (1, 2 or 3) length prefix whose body
 * length must lie in [min, max] (RFC 8446 §3.4 <min..max>). Fails with
 * DECODE_TRUNCATED if the body runs past the end and DECODE_LENGTH if the
 * length is out of range. On success sub views the body.
 */
ltls_err_t ltls_reader_vec(ltls_reader_t *r, unsigned len_bytes, size_t min, size_t max,
                           ltls_reader_t *sub);

/* LTLS_OK if the reader is fully consumed, else DECODE_TRAILING. */
ltls_err_t ltls_reader_end(const ltls_reader_t *r);

#endif
