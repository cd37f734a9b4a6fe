/*
 * fuzz/fuzz_common.h - helpers shared by the libFuzzer targets.
 *
 * FUZZ_CHECK turns a broken contract (a documented property of an API that
 * the fuzzer found violated) into a crash with a message, so that libFuzzer
 * keeps the input as a reproducer exactly as it does for a sanitizer report.
 *
 * fuzz_touch reads every byte of a view the library handed out, so that
 * AddressSanitizer checks the view's bounds even when the target has no other
 * use for its contents.
 *
 * The checking allocator is handed to the library wherever it takes an
 * ltls_allocator_t. It verifies what ASan cannot: that every free passes the
 * size that alloc was asked for (ltls_free wipes that many bytes) and that
 * nothing is left allocated at the end of an input (fuzz_alloc_expect_empty).
 * It can also fail the Nth allocation, so that the error paths after an
 * out-of-memory are fuzzed too, with LeakSanitizer watching their cleanup.
 */
#ifndef LTLS_FUZZ_COMMON_H
#define LTLS_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lucidtls/alloc.h"
#include "lucidtls/error.h"

#define FUZZ_CHECK(cond)                                                                  \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "fuzz: contract violated at %s:%d: %s\n", __FILE__, __LINE__, \
                    #cond);                                                               \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

/* FUZZ_CHECK for an error value: prints the reason's name too. */
#define FUZZ_CHECK_ERR(err, cond)                                                          \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "fuzz: contract violated at %s:%d: %s (error %s: %s)\n",       \
                    __FILE__, __LINE__, #cond, ltls_err_reason_name(err),                  \
                    ltls_err_message(err));                                                \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

static volatile uint8_t fuzz_sink;

static inline void fuzz_touch(const void *p, size_t n)
{
    const volatile uint8_t *b = (const volatile uint8_t *)p;
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc ^= b[i];
    fuzz_sink ^= acc;
}

/* 1 if [p, p+n) lies inside [base, base+len). */
static inline int fuzz_within(const void *p, size_t n, const void *base, size_t len)
{
    uintptr_t a = (uintptr_t)p, b = (uintptr_t)base;
    return a >= b && a - b <= len && n <= len - (a - b);
}

/* Takes the next flight of a handshake input (*p, *n): a 2-byte
 * big-endian length, then that many bytes, or fewer where the input ends.
 * Returns where the flight starts and its length in *len (0 for a length of
 * 0 or a cut-off prefix). */
static inline const uint8_t *fuzz_next_flight(const uint8_t **p, size_t *n, size_t *len)
{
    size_t want = *n >= 2 ? ((size_t)(*p)[0] << 8 | (*p)[1]) : 0;
    size_t skip = *n >= 2 ? 2 : *n;
    const uint8_t *start = *p + skip;
    *n -= skip;
    *len = want < *n ? want : *n;
    *p = start + *len;
    *n -= *len;
    return start;
}

/* A 64-bit FNV-1a hash of the input: a deterministic source of choices that
 * does not take bytes away from the format being fuzzed. */
static inline uint64_t fuzz_hash(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3u;
    return h;
}

/* ------------------------------------------------------------------------- */

typedef struct fuzz_alloc_state {
    size_t live;       /* allocations not yet freed */
    size_t count;      /* allocations attempted since the last reset */
    size_t fail_at;    /* 1-based index of the allocation to fail; 0 = never */
} fuzz_alloc_state_t;

#define FUZZ_ALLOC_MAGIC 0x6c75636964746c73u /* "lucidtls" */
#define FUZZ_ALLOC_HEADER 16u

static inline void *fuzz_alloc_fn(void *user, size_t size)
{
    fuzz_alloc_state_t *st = (fuzz_alloc_state_t *)user;
    FUZZ_CHECK(size != 0); /* alloc.h: size is never 0 */
    st->count++;
    if (st->fail_at && st->count == st->fail_at)
        return NULL;
    if (size > SIZE_MAX - FUZZ_ALLOC_HEADER)
        return NULL;
    uint8_t *b = (uint8_t *)malloc(size + FUZZ_ALLOC_HEADER);
    if (!b)
        return NULL;
    uint64_t hdr[2] = {FUZZ_ALLOC_MAGIC, (uint64_t)size};
    memcpy(b, hdr, sizeof hdr);
    st->live++;
    return b + FUZZ_ALLOC_HEADER;
}

static inline void fuzz_free_fn(void *user, void *p, size_t size)
{
    fuzz_alloc_state_t *st = (fuzz_alloc_state_t *)user;
    FUZZ_CHECK(p != NULL); /* alloc.h: p is never NULL */
    uint8_t *b = (uint8_t *)p - FUZZ_ALLOC_HEADER;
    uint64_t hdr[2];
    memcpy(hdr, b, sizeof hdr);
    FUZZ_CHECK(hdr[0] == FUZZ_ALLOC_MAGIC);
    FUZZ_CHECK(hdr[1] == (uint64_t)size); /* free must be told the allocated size */
    FUZZ_CHECK(st->live > 0);
    st->live--;
    free(b);
}

static inline ltls_allocator_t fuzz_allocator(fuzz_alloc_state_t *st)
{
    ltls_allocator_t a = {fuzz_alloc_fn, fuzz_free_fn, st};
    return a;
}

static inline void fuzz_alloc_reset(fuzz_alloc_state_t *st, size_t fail_at)
{
    st->count = 0;
    st->fail_at = fail_at;
}

#define fuzz_alloc_expect_empty(st) FUZZ_CHECK((st)->live == 0)

#endif
