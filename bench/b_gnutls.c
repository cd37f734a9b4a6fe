/*
 * bench/b_gnutls.c - GnuTLS client and server with push/pull functions over
 * the wire queues (bench.h). GnuTLS brings its own crypto (Nettle/GMP), so
 * it is the one library here not on OpenSSL's libcrypto.
 *
 * Configuration: TLS 1.3 only, one cipher, X25519 only, no session tickets,
 * the client verifying the chain against the same root and the host name
 * (gnutls_session_set_verify_cert, so the handshake fails if either fails).
 */
#include <errno.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "bench.h"

static gnutls_certificate_credentials_t ccred, scred;
static gnutls_priority_t prio[2];
static const char *host;

typedef struct endpoint {
    wire_t *rx, *tx;
} endpoint_t;
static endpoint_t client_ep = {&wire_s2c, &wire_c2s}, server_ep = {&wire_c2s, &wire_s2c};

static ssize_t push(gnutls_transport_ptr_t p, const void *data, size_t len)
{
    endpoint_t *ep = p;
    wire_put(ep->tx, data, len);
    return (ssize_t)len;
}

static ssize_t pull(gnutls_transport_ptr_t p, void *data, size_t len)
{
    endpoint_t *ep = p;
    size_t n = wire_get(ep->rx, data, len);
    if (n == 0) {
        errno = EAGAIN;
        return -1;
    }
    return (ssize_t)n;
}

static int pull_timeout(gnutls_transport_ptr_t p, unsigned int ms)
{
    (void)ms;
    endpoint_t *ep = p;
    return wire_avail(ep->rx) ? 1 : 0;
}

static int setup(const bench_cfg_t *cfg)
{
    host = cfg->host;
    const char *err = NULL;
    if (gnutls_global_init() < 0 || gnutls_certificate_allocate_credentials(&ccred) < 0 ||
        gnutls_certificate_allocate_credentials(&scred) < 0)
        BENCH_FAIL("gnutls init");
    if (gnutls_certificate_set_x509_trust_file(ccred, cfg->ca, GNUTLS_X509_FMT_PEM) < 1)
        BENCH_FAIL("gnutls trust file");
    int r = gnutls_certificate_set_x509_key_file(scred, cfg->chain, cfg->key, GNUTLS_X509_FMT_PEM);
    if (r < 0)
        BENCH_FAIL("gnutls key file: %s", gnutls_strerror(r));
    static const char *const p[2] = {
        "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM:-GROUP-ALL:+GROUP-X25519",
        "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+CHACHA20-POLY1305:-GROUP-ALL:+GROUP-X25519",
    };
    for (int a = 0; a < 2; a++)
        if ((r = gnutls_priority_init(&prio[a], p[a], &err)) < 0)
            BENCH_FAIL("gnutls priority at '%s': %s", err ? err : "?", gnutls_strerror(r));
    return 0;
}

static void teardown(void)
{
    for (int a = 0; a < 2; a++)
        gnutls_priority_deinit(prio[a]);
    gnutls_certificate_free_credentials(ccred);
    gnutls_certificate_free_credentials(scred);
    gnutls_global_deinit();
}

static gnutls_session_t make_session(int server, int aead)
{
    gnutls_session_t s;
    if (gnutls_init(&s, (server ? GNUTLS_SERVER : GNUTLS_CLIENT) | GNUTLS_NONBLOCK |
                            GNUTLS_NO_TICKETS) < 0)
        return NULL;
    int ok = gnutls_priority_set(s, prio[aead]) >= 0 &&
             gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, server ? scred : ccred) >= 0;
    if (ok && !server) {
        ok = gnutls_server_name_set(s, GNUTLS_NAME_DNS, host, strlen(host)) >= 0;
        gnutls_session_set_verify_cert(s, host, 0);
    }
    if (!ok) {
        gnutls_deinit(s);
        return NULL;
    }
    gnutls_transport_set_ptr(s, server ? &server_ep : &client_ep);
    gnutls_transport_set_push_function(s, push);
    gnutls_transport_set_pull_function(s, pull);
    gnutls_transport_set_pull_timeout_function(s, pull_timeout);
    return s;
}

static int pair_handshake(gnutls_session_t c, gnutls_session_t s)
{
    int rc = GNUTLS_E_AGAIN, rs = GNUTLS_E_AGAIN;
    for (int i = 0; i < 16 && (rc || rs); i++) {
        if (rc) {
            rc = gnutls_handshake(c);
            if (rc && rc != GNUTLS_E_AGAIN && rc != GNUTLS_E_INTERRUPTED)
                break;
        }
        if (rs) {
            rs = gnutls_handshake(s);
            if (rs && rs != GNUTLS_E_AGAIN && rs != GNUTLS_E_INTERRUPTED)
                break;
        }
    }
    if (rc || rs)
        BENCH_FAIL("gnutls handshake: client %s, server %s", gnutls_strerror(rc), gnutls_strerror(rs));
    return 0;
}

static int handshake(void)
{
    gnutls_session_t c = make_session(0, 0), s = make_session(1, 0);
    int rc = c && s ? pair_handshake(c, s) : -1;
    if (c)
        gnutls_deinit(c);
    if (s)
        gnutls_deinit(s);
    wire_reset();
    return rc;
}

/* As lucidtls's: 16 KiB writes, up to bench_ahead bytes in flight. */
static int transfer(gnutls_session_t from, gnutls_session_t to, const uint8_t *data, size_t len,
                    uint8_t *rbuf, size_t rcap)
{
    wire_t *w = ((endpoint_t *)gnutls_transport_get_ptr(from))->tx;
    size_t sent = 0, got = 0;
    while (got < len) {
        if (sent < len) {
            size_t want = len - sent < BENCH_WRITE ? len - sent : BENCH_WRITE;
            ssize_t n = gnutls_record_send(from, data + (sent % (1u << 20)), want);
            if (n < 0 && n != GNUTLS_E_AGAIN)
                BENCH_FAIL("gnutls send: %s", gnutls_strerror((int)n));
            if (n > 0)
                sent += (size_t)n;
            if (sent < len && wire_avail(w) < bench_ahead)
                continue;
        }
        wire_arrive_all_but(w, sent < len ? bench_ahead / 2 : 0);
        for (;;) {
            ssize_t n = gnutls_record_recv(to, rbuf, rcap);
            if (n > 0) {
                got += (size_t)n;
                continue;
            }
            if (n == GNUTLS_E_AGAIN)
                break;
            BENCH_FAIL("gnutls recv: %s", gnutls_strerror((int)n));
        }
        w->hold = 0;
    }
    return 0;
}

static uint8_t *payload(void)
{
    static uint8_t *p;
    if (!p) {
        p = malloc((1u << 20) + BENCH_WRITE);
        for (size_t i = 0; i < (1u << 20) + BENCH_WRITE; i++)
            p[i] = (uint8_t)(i * 131);
    }
    return p;
}

static int bulk(int aead, size_t total, double *secs)
{
    static uint8_t rbuf[BENCH_WRITE];
    gnutls_session_t c = make_session(0, aead), s = make_session(1, aead);
    int rc = -1;
    if (!c || !s || pair_handshake(c, s) || transfer(c, s, payload(), 1u << 20, rbuf, sizeof(rbuf)))
        goto out;
    double t0 = bench_now();
    if (transfer(c, s, payload(), total, rbuf, sizeof(rbuf)))
        goto out;
    *secs = bench_now() - t0;
    rc = 0;
out:
    if (c)
        gnutls_deinit(c);
    if (s)
        gnutls_deinit(s);
    wire_reset();
    return rc;
}

static int settle(gnutls_session_t c, gnutls_session_t s)
{
    uint8_t buf[256];
    for (int i = 0; i < 4; i++) {
        if (gnutls_record_recv(c, buf, sizeof(buf)) != GNUTLS_E_AGAIN ||
            gnutls_record_recv(s, buf, sizeof(buf)) != GNUTLS_E_AGAIN)
            BENCH_FAIL("gnutls settle");
    }
    return wire_avail(&wire_c2s) || wire_avail(&wire_s2c) ? -1 : 0;
}

static int heap(size_t n, size_t traffic, heap_result_t *out)
{
    gnutls_session_t *cs = calloc(n, sizeof(*cs)), *ss = calloc(n, sizeof(*ss));
    uint8_t *rbuf = malloc(BENCH_WRITE);
    int rc = -1;
    (void)payload();
    {
        gnutls_session_t c = make_session(0, 0), s = make_session(1, 0);
        int bad = !c || !s || pair_handshake(c, s) ||
                  (traffic && transfer(c, s, payload(), traffic, rbuf, BENCH_WRITE)) || settle(c, s);
        if (c)
            gnutls_deinit(c);
        if (s)
            gnutls_deinit(s);
        if (bad)
            goto out;
    }
    size_t base = bench_heap_in_use();
    for (size_t i = 0; i < n; i++) {
        cs[i] = make_session(0, 0);
        ss[i] = make_session(1, 0);
        if (!cs[i] || !ss[i] || pair_handshake(cs[i], ss[i]))
            goto out;
        if (traffic && (transfer(cs[i], ss[i], payload(), traffic, rbuf, BENCH_WRITE) ||
                        transfer(ss[i], cs[i], payload(), traffic, rbuf, BENCH_WRITE)))
            goto out;
        if (settle(cs[i], ss[i]))
            goto out;
    }
    size_t m1 = bench_heap_in_use();
    for (size_t i = 0; i < n; i++) {
        gnutls_deinit(cs[i]);
        cs[i] = NULL;
    }
    size_t m2 = bench_heap_in_use();
    for (size_t i = 0; i < n; i++) {
        gnutls_deinit(ss[i]);
        ss[i] = NULL;
    }
    size_t m3 = bench_heap_in_use();
    out->client = ((double)m1 - (double)m2) / (double)n;
    out->server = ((double)m2 - (double)m3) / (double)n;
    out->client_own = out->server_own = 0;
    if (m3 > base + 4096)
        fprintf(stderr, "bench: gnutls heap did not return to its base (%zu vs %zu)\n", m3, base);
    rc = 0;
out:
    for (size_t i = 0; i < n; i++) {
        if (cs[i])
            gnutls_deinit(cs[i]);
        if (ss[i])
            gnutls_deinit(ss[i]);
    }
    free(cs);
    free(ss);
    free(rbuf);
    wire_reset();
    return rc;
}

const bench_impl_t bench_gnutls = {"gnutls", setup, handshake, bulk, heap, teardown};
