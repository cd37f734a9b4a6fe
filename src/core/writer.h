/*
 * core/writer.h - the one writer every serializer uses.
 *
 * A writer appends to a caller's buffer [buf, buf+cap). Writes never fail
 * one by one: when the buffer is too small the writer stops storing bytes but
 * keeps counting, so that after the last write ltls_writer_finish() reports
 * either success or BUFFER_TOO_SMALL together with the size that was needed.
 * A writer over a NULL buffer therefore measures a message without writing it.
 *
 * Length-prefixed vectors are written by opening them with
 * ltls_writer_vec_open(), writing the body, and closing them with
 * ltls_writer_vec_close(), which back-patches the length. A body too long for
 * its prefix is an internal error recorded in the writer.
 */
#ifndef LTLS_CORE_WRITER_H
#define LTLS_CORE_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "lucidtls/error.h"

typedef struct ltls_writer {
    uint8_t *buf;
    size_t cap;
    size_t len;      /* bytes written, or that would have been */
    ltls_err_t err;  /* first error; sticky */
} ltls_writer_t;

/* An open vector: where its length prefix lives. */
typedef struct ltls_writer_vec {
    size_t at;
    unsigned len_bytes;
} ltls_writer_vec_t;

void ltls_writer_init(ltls_writer_t *w, uint8_t *buf, size_t cap);

void ltls_writer_u8(ltls_writer_t *w, uint8_t v);
void ltls_writer_u16(ltls_writer_t *w, uint16_t v);
void ltls_writer_u24(ltls_writer_t *w, uint32_t v);
void ltls_writer_u32(ltls_writer_t *w, uint32_t v);
void ltls_writer_u64(ltls_writer_t *w, uint64_t v);
void ltls_writer_bytes(ltls_writer_t *w, const uint8_t *p, size_t n);
/* Reserves n bytes and returns where to fill them, or NULL once the buffer
 * is too small (the bytes are still counted). */
uint8_t *ltls_writer_reserve(ltls_writer_t *w, size_t n);

/* len_bytes is 1, 2 or 3. */
ltls_writer_vec_t ltls_writer_vec_open(ltls_writer_t *w, unsigned len_bytes);
void ltls_writer_vec_close(ltls_writer_t *w, ltls_writer_vec_t v);

/* LTLS_OK with *len = bytes written, or the sticky error (BUFFER_TOO_SMALL
 * with *len = bytes needed). len may be NULL. */
ltls_err_t ltls_writer_finish(const ltls_writer_t *w, size_t *len);

#endif
