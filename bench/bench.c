/*
 * bench/bench.c - lucidtls-bench: one round of the benchmarks, printing one
 * "raw" line per measurement. bench/run calls it several times (rounds),
 * interleaving the libraries, and prints the medians.
 *
 *   lucidtls-bench speed --certs DIR --host NAME [--round N] [--hs-seconds S]
 *                        [--bulk-mib M] [--libs lucidtls,openssl,gnutls]
 *   lucidtls-bench heap  --certs DIR --host NAME [--conns N] [--traffic BYTES]
 *
 * hsloop (--conns N): N handshakes of each library and nothing else, for
 * profilers (perf record, valgrind --tool=callgrind); bulkloop: --bulk-mib
 * of AES-128-GCM bulk for each library; floorloop: the floor.
 *
 * --ahead BYTES (speed): how far the sender may run ahead of the receiver in
 * bulk transfers (default 64 KiB; 0: lock-step, each 16 KiB write read at
 * once, so that lucidtls's receiver is always fed whole records).
 *
 * speed: full handshakes per second for each library and the crypto floor,
 * then bulk throughput (AES-128-GCM, ChaCha20-Poly1305) for each library and
 * the raw AEAD; each measurement cut into slices that take turns, in an
 * order rotated by the round number.
 * heap: bytes per idle established connection (client, server), from
 * glibc's mallinfo2() around the creation and the freeing of N connections
 * (every allocator in the process, libcrypto's and GnuTLS's included).
 */
#include <malloc.h>
#include <string.h>

#include "bench.h"

wire_t wire_c2s, wire_s2c;
size_t bench_ahead = 4 * BENCH_WRITE;

void wire_init(wire_t *w, size_t cap)
{
    w->buf = malloc(cap);
    w->cap = cap;
    w->off = w->len = 0;
    if (!w->buf)
        abort();
}

void wire_free(wire_t *w)
{
    free(w->buf);
    memset(w, 0, sizeof(*w));
}

void wire_put(wire_t *w, const uint8_t *p, size_t n)
{
    if (w->len + n > w->cap) {
        if (w->off) {
            memmove(w->buf, w->buf + w->off, w->len - w->off);
            w->len -= w->off;
            w->off = 0;
        }
        if (w->len + n > w->cap) {
            size_t cap = w->cap * 2 > w->len + n ? w->cap * 2 : w->len + n;
            uint8_t *nb = realloc(w->buf, cap);
            if (!nb)
                abort();
            w->buf = nb;
            w->cap = cap;
        }
    }
    memcpy(w->buf + w->len, p, n);
    w->len += n;
}

size_t wire_get(wire_t *w, uint8_t *p, size_t cap)
{
    size_t n = wire_avail(w) < cap ? wire_avail(w) : cap;
    memcpy(p, w->buf + w->off, n);
    wire_take(w, n);
    return n;
}

size_t bench_heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

uint8_t *bench_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "bench: cannot open %s\n", path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
        exit(2);
    fclose(f);
    buf[n] = 0;
    *len = (size_t)n;
    return buf;
}

void floor_breakdown(FILE *f);
int bench_openssl_heap_release(size_t n, size_t traffic, heap_result_t *out);

static const bench_impl_t *const impls[] = {&bench_lucidtls, &bench_openssl, &bench_gnutls};
#define NIMPL 3

static int wanted(const char *libs, const char *name)
{
    if (!libs)
        return 1;
    size_t l = strlen(name);
    for (const char *p = libs; (p = strstr(p, name)); p += l)
        if ((p == libs || p[-1] == ',') && (p[l] == 0 || p[l] == ','))
            return 1;
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: lucidtls-bench speed|heap --certs DIR --host NAME [options]\n");
    exit(2);
}

/* Every measurement of a round is cut into SLICES slices that take turns
 * (lucidtls, OpenSSL, GnuTLS, floor, lucidtls, ...), so that a change of
 * machine load during the round weighs on every library alike. */
#define SLICES 8

static int run_speed(int round, double hs_seconds, size_t bulk_bytes, const char *libs)
{
    int order[NIMPL + 1]; /* NIMPL = the floor */
    for (int i = 0; i <= NIMPL; i++)
        order[i] = (i + round) % (NIMPL + 1);
    static const char *const aead_names[2] = {"bulk_aes128gcm_MBps", "bulk_chacha20_MBps"};
    double slice = hs_seconds / SLICES;

    /* full handshakes */
    double hs_n[NIMPL] = {0}, hs_t[NIMPL] = {0}, floor_s = 0;
    for (int i = 0; i < NIMPL; i++)
        for (int w = 0; w < 20 && wanted(libs, impls[i]->name); w++) /* warm-up */
            if (impls[i]->handshake())
                return 1;
    for (int sl = 0; sl < SLICES; sl++) {
        for (int k = 0; k <= NIMPL; k++) {
            int i = order[k];
            if (i == NIMPL) {
                floor_s += floor_handshake_secs(slice) / SLICES;
                continue;
            }
            if (!wanted(libs, impls[i]->name))
                continue;
            size_t n = 0;
            double t0 = bench_now(), t;
            do {
                if (impls[i]->handshake())
                    return 1;
                n++;
            } while ((t = bench_now() - t0) < slice);
            hs_n[i] += (double)n;
            hs_t[i] += t;
        }
    }
    for (int i = 0; i < NIMPL; i++)
        if (hs_t[i] > 0)
            printf("raw metric=full_handshake_per_s impl=%s value=%.1f\n", impls[i]->name,
                   hs_n[i] / hs_t[i]);
    printf("raw metric=full_handshake_per_s impl=floor value=%.1f\n", 1.0 / floor_s);
    floor_breakdown(stdout);
    fflush(stdout);

    /* bulk */
    size_t part = bulk_bytes / SLICES;
    for (int a = 0; a < 2; a++) {
        double secs[NIMPL + 1] = {0};
        for (int sl = 0; sl < SLICES; sl++) {
            for (int k = 0; k <= NIMPL; k++) {
                int i = order[k];
                double t = 0;
                if (i == NIMPL) {
                    if (floor_aead(a, part, &t))
                        return 1;
                } else if (wanted(libs, impls[i]->name)) {
                    if (impls[i]->bulk(a, part, &t))
                        return 1;
                }
                secs[i] += t;
            }
        }
        for (int i = 0; i <= NIMPL; i++)
            if (secs[i] > 0)
                printf("raw metric=%s impl=%s value=%.1f\n", aead_names[a],
                       i == NIMPL ? "floor" : impls[i]->name,
                       (double)(part * SLICES) / secs[i] / 1e6);
        fflush(stdout);
    }
    printf("raw metric=resumed_handshake_per_s impl=lucidtls value=n/a\n");
    return 0;
}

static int run_heap(size_t conns, size_t traffic, const char *libs)
{
    for (int i = 0; i < NIMPL; i++) {
        if (!wanted(libs, impls[i]->name))
            continue;
        heap_result_t r;
        memset(&r, 0, sizeof(r));
        if (impls[i]->heap(conns, traffic, &r))
            return 1;
        printf("raw metric=heap_bytes_per_idle_client impl=%s value=%.0f\n", impls[i]->name, r.client);
        printf("raw metric=heap_bytes_per_idle_server impl=%s value=%.0f\n", impls[i]->name, r.server);
        if (i == 0) {
            printf("raw metric=heap_own_bytes_per_idle_client impl=lucidtls value=%.0f\n", r.client_own);
            printf("raw metric=heap_own_bytes_per_idle_server impl=lucidtls value=%.0f\n", r.server_own);
        }
        if (i == 1) {
            memset(&r, 0, sizeof(r));
            if (bench_openssl_heap_release(conns, traffic, &r))
                return 1;
            printf("raw metric=heap_bytes_per_idle_client impl=openssl_release_buffers value=%.0f\n",
                   r.client);
            printf("raw metric=heap_bytes_per_idle_server impl=openssl_release_buffers value=%.0f\n",
                   r.server);
        }
        fflush(stdout);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        usage();
    const char *mode = argv[1], *certs = NULL, *host = NULL, *libs = NULL;
    int round = 0;
    double hs_seconds = 1.0;
    size_t bulk_mib = 256, conns = 1000, traffic = 16384;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        if (!strcmp(a, "--certs"))
            certs = v;
        else if (!strcmp(a, "--host"))
            host = v;
        else if (!strcmp(a, "--round"))
            round = atoi(v);
        else if (!strcmp(a, "--hs-seconds"))
            hs_seconds = atof(v);
        else if (!strcmp(a, "--bulk-mib"))
            bulk_mib = (size_t)atol(v);
        else if (!strcmp(a, "--conns"))
            conns = (size_t)atol(v);
        else if (!strcmp(a, "--traffic"))
            traffic = (size_t)atol(v);
        else if (!strcmp(a, "--libs"))
            libs = v;
        else if (!strcmp(a, "--ahead"))
            bench_ahead = (size_t)atol(v);
        else
            usage();
        i++;
    }
    if (!certs || !host)
        usage();
    static char ca[512], chain[512], key[512];
    snprintf(ca, sizeof(ca), "%s/ca.pem", certs);
    snprintf(chain, sizeof(chain), "%s/chain.pem", certs);
    snprintf(key, sizeof(key), "%s/leaf.key", certs);
    bench_cfg_t cfg = {ca, chain, key, host};

    wire_init(&wire_c2s, 1u << 20);
    wire_init(&wire_s2c, 1u << 20);
    for (int i = 0; i < NIMPL; i++)
        if (wanted(libs, impls[i]->name) && impls[i]->setup(&cfg))
            return 1;
    int rc;
    if (!strcmp(mode, "speed")) {
        if (floor_setup(&cfg))
            return 1;
        rc = run_speed(round, hs_seconds, bulk_mib << 20, libs);
        floor_teardown();
    } else if (!strcmp(mode, "hsloop")) {
        /* For profilers: --conns N handshakes of each library, nothing else. */
        rc = 0;
        for (int i = 0; i < NIMPL && !rc; i++)
            for (size_t k = 0; k < conns && !rc && wanted(libs, impls[i]->name); k++)
                rc = impls[i]->handshake();
    } else if (!strcmp(mode, "bulkloop")) {
        /* For profilers: --bulk-mib of AES-128-GCM bulk for each library. */
        rc = 0;
        for (int i = 0; i < NIMPL && !rc; i++) {
            double t = 0;
            if (wanted(libs, impls[i]->name))
                rc = impls[i]->bulk(AEAD_AES128GCM, bulk_mib << 20, &t);
        }
    } else if (!strcmp(mode, "floorloop")) {
        if (floor_setup(&cfg))
            return 1;
        printf("floor: %.1f us per handshake\n", floor_handshake_secs(hs_seconds) * 1e6);
        floor_breakdown(stdout);
        floor_teardown();
        rc = 0;
    } else if (!strcmp(mode, "heap")) {
        rc = run_heap(conns, traffic, libs);
    } else {
        usage();
        rc = 2;
    }
    for (int i = 0; i < NIMPL; i++)
        if (wanted(libs, impls[i]->name))
            impls[i]->teardown();
    wire_free(&wire_c2s);
    wire_free(&wire_s2c);
    return rc;
}
