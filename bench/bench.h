/*
 * bench/bench.h - what the benchmark programs share: the setup every
 * library gets (the same certificate files, suite, group and host name),
 * the clock, and one table of operations per library.
 *
 * Every library runs client and server in this one process and thread;
 * bytes move through memory (lucidtls's outgoing/feed views, OpenSSL BIO
 * pairs, GnuTLS push/pull callbacks over byte queues). No sockets.
 */
#ifndef LTLS_BENCH_H
#define LTLS_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* What every library is configured with. */
typedef struct bench_cfg {
    const char *ca;       /* PEM: the root the client trusts */
    const char *chain;    /* PEM: server leaf + intermediate */
    const char *key;      /* PEM: the server's P-256 key */
    const char *host;     /* the name the client verifies (and sends as SNI) */
} bench_cfg_t;

enum { AEAD_AES128GCM = 0, AEAD_CHACHA20 = 1 };

/* Per-connection heap, measured by bench_heap_*. */
typedef struct heap_result {
    double client, server;        /* bytes per idle connection, all allocators */
    double client_own, server_own;/* lucidtls only: through ltls_allocator_t */
} heap_result_t;

typedef struct bench_impl {
    const char *name;
    int (*setup)(const bench_cfg_t *cfg);
    /* One full handshake (new client and server, verified, freed). 0: ok. */
    int (*handshake)(void);
    /* total bytes client -> server in 16 KiB writes; *secs: the time. */
    int (*bulk)(int aead, size_t total, double *secs);
    /* n established connections (after `traffic` bytes each way, then a read
     * that finds nothing): heap per client and per server connection. */
    int (*heap)(size_t n, size_t traffic, heap_result_t *out);
    void (*teardown)(void);
} bench_impl_t;

extern const bench_impl_t bench_lucidtls, bench_openssl, bench_gnutls;

/* The crypto floor (libcrypto directly). */
int floor_setup(const bench_cfg_t *cfg);
/* Seconds for the operations one handshake cannot avoid (averaged). */
double floor_handshake_secs(double budget_secs);
/* Raw AEAD seal+open of total bytes as 16 KiB records: seconds. */
int floor_aead(int aead, size_t total, double *secs);
void floor_teardown(void);

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Heap in use right now (glibc mallinfo2: every allocator in the process). */
size_t bench_heap_in_use(void);

/* A one-way byte queue: what a socket pair would carry. Every library's
 * client and server talk through two of them (client -> server and back),
 * so each byte is copied into the wire by the sender and out of it by the
 * receiver, as with a socket. The queues are made once and reused. */
typedef struct wire {
    uint8_t *buf;
    size_t off, len, cap;
    size_t hold; /* bytes at the end that have not "arrived" yet (bulk) */
} wire_t;

extern wire_t wire_c2s, wire_s2c;
void wire_init(wire_t *w, size_t cap);
void wire_free(wire_t *w);
void wire_put(wire_t *w, const uint8_t *p, size_t n);
static inline size_t wire_avail(const wire_t *w)
{
    return w->len - w->off > w->hold ? w->len - w->off - w->hold : 0;
}
/* Bulk transfers: the receiver gets what has arrived, which is everything
 * but the last `low` bytes, so that where it stops is not tied to record
 * boundaries (a socket delivers bytes, not records). */
static inline void wire_arrive_all_but(wire_t *w, size_t low)
{
    w->hold = w->len - w->off > low ? low : w->len - w->off;
}
static inline const uint8_t *wire_peek(const wire_t *w) { return w->buf + w->off; }
static inline void wire_take(wire_t *w, size_t n)
{
    w->off += n;
    if (w->off == w->len)
        w->off = w->len = 0;
}
size_t wire_get(wire_t *w, uint8_t *p, size_t cap);
static inline void wire_reset(void)
{
    wire_c2s.off = wire_c2s.len = wire_c2s.hold = 0;
    wire_s2c.off = wire_s2c.len = wire_s2c.hold = 0;
}

/* Reads a whole file; aborts on failure. */
uint8_t *bench_read_file(const char *path, size_t *len);

#define BENCH_WRITE 16384
/* Bulk transfers: bytes the sender may have in flight before the receiver
 * reads; the receiver then gets all but half of that and reads until it
 * has nothing more (everything at the end), as a sender ahead of its
 * receiver on a socket. 0: lock-step, each write read at once, whole
 * records (--ahead 0). */
extern size_t bench_ahead;
#define BENCH_FAIL(...)                                                                          \
    do {                                                                                         \
        fprintf(stderr, "bench: " __VA_ARGS__);                                                  \
        fputc('\n', stderr);                                                                     \
        return -1;                                                                               \
    } while (0)

#endif
