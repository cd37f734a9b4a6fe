/*
 * bench/b_lucidtls.c - lucidtls client and server through the public API
 * (tls.h), with the OpenSSL provider, moving bytes through the wire queues
 * exactly as an application moves them through a socket: take the outgoing
 * view, send it, feed what arrives.
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "lucidtls/lucidtls.h"

static ltls_provider_t *prov;
static ltls_trust_store_t *trust;
static ltls_cert_t **chain_certs;
static size_t chain_count;
static ltls_key_t *key;
static ltls_signing_chain_t sc;
static const char *host;
/* [aead]: client and server contexts offering one suite, X25519 only. */
static ltls_context_t *cctx[2], *sctx[2];

static const ltls_group_t *const groups[] = {&ltls_group_x25519};
static const ltls_suite_t *const suite_aes[] = {&ltls_suite_aes128gcm_sha256};
static const ltls_suite_t *const suite_chacha[] = {&ltls_suite_chacha20poly1305_sha256};

static int is_want(ltls_err_t e) { return e == LTLS_OK || ltls_err_class(e) == LTLS_ECLASS_WANT_IO; }

static ltls_config_t config(int server, int aead, const ltls_allocator_t *alloc)
{
    ltls_config_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.provider = prov;
    cfg.alloc = alloc;
    cfg.suites = aead == AEAD_AES128GCM ? suite_aes : suite_chacha;
    cfg.suite_count = 1;
    cfg.groups = groups;
    cfg.group_count = 1;
    if (server) {
        cfg.chains = &sc;
        cfg.chain_count = 1;
    } else {
        cfg.trust = trust;
    }
    return cfg;
}

static int make_contexts(ltls_context_t **c, ltls_context_t **s, int aead,
                         const ltls_allocator_t *alloc)
{
    ltls_config_t cc = config(0, aead, alloc), scfg = config(1, aead, alloc);
    ltls_err_t e = ltls_client_context_new(&cc, c);
    if (!e)
        e = ltls_server_context_new(&scfg, s);
    if (e)
        BENCH_FAIL("lucidtls context: %s", ltls_err_message(e));
    return 0;
}

static int setup(const bench_cfg_t *cfg)
{
    host = cfg->host;
    /* bench/run measures lucidtls once per provider, in separate processes
     * of the same round: OpenSSL (the default, the same libcrypto as the
     * other libraries) and Nettle. */
    const char *pname = getenv("LTLS_BENCH_PROVIDER");
    ltls_err_t e = ltls_provider_new(pname ? pname : "openssl", NULL, &prov);
    if (!e)
        e = ltls_trust_store_new(NULL, &trust);
    if (!e)
        e = ltls_trust_store_add_file(trust, cfg->ca, NULL);
    if (e)
        BENCH_FAIL("lucidtls setup: %s", ltls_err_message(e));
    size_t len;
    uint8_t *pem = bench_read_file(cfg->chain, &len);
    e = ltls_cert_list_parse(pem, len, NULL, &chain_certs, &chain_count);
    free(pem);
    if (e)
        BENCH_FAIL("lucidtls chain: %s", ltls_err_message(e));
    pem = bench_read_file(cfg->key, &len);
    e = ltls_key_load(prov, pem, len, NULL, 0, &key);
    free(pem);
    if (e)
        BENCH_FAIL("lucidtls key: %s", ltls_err_message(e));
    sc.certs = (const ltls_cert_t *const *)chain_certs;
    sc.cert_count = chain_count;
    sc.key = key;
    for (int a = 0; a < 2; a++)
        if (make_contexts(&cctx[a], &sctx[a], a, NULL))
            return -1;
    return 0;
}

static void teardown(void)
{
    for (int a = 0; a < 2; a++) {
        ltls_context_unref(cctx[a]);
        ltls_context_unref(sctx[a]);
    }
    ltls_key_free(key);
    ltls_cert_list_free(chain_certs, chain_count, NULL);
    ltls_trust_store_unref(trust);
    ltls_provider_free(prov);
}

/* Sends what conn has for the network into w. */
static void send_out(ltls_conn_t *conn, wire_t *w)
{
    size_t len;
    const uint8_t *p = ltls_conn_outgoing(conn, &len);
    if (len) {
        wire_put(w, p, len);
        ltls_conn_outgoing_consume(conn, len);
    }
}

/* Feeds conn what fits from w. */
static void recv_in(ltls_conn_t *conn, wire_t *w)
{
    while (wire_avail(w)) {
        size_t used = 0;
        if (ltls_conn_feed(conn, wire_peek(w), wire_avail(w), &used) || used == 0)
            return;
        wire_take(w, used);
    }
}

static int pair_handshake(ltls_conn_t *c, ltls_conn_t *s)
{
    ltls_err_t ec = LTLS_R_WANT_READ, es = LTLS_R_WANT_READ;
    for (int i = 0; i < 16 && (ec || es); i++) {
        recv_in(c, &wire_s2c);
        ec = ltls_conn_handshake(c);
        send_out(c, &wire_c2s);
        recv_in(s, &wire_c2s);
        es = ltls_conn_handshake(s);
        send_out(s, &wire_s2c);
        if (!is_want(ec) || !is_want(es))
            break;
    }
    if (ec || es)
        BENCH_FAIL("lucidtls handshake: client %s (%s), server %s (%s)", ltls_err_reason_name(ec),
                   ltls_conn_error_detail(c), ltls_err_reason_name(es), ltls_conn_error_detail(s));
    return 0;
}

static int handshake(void)
{
    ltls_conn_t *c = NULL, *s = NULL;
    int rc = -1;
    if (ltls_conn_new(cctx[0], host, &c) || ltls_conn_new(sctx[0], NULL, &s))
        goto out;
    rc = pair_handshake(c, s);
out:
    ltls_conn_free(c);
    ltls_conn_free(s);
    wire_reset();
    return rc;
}

/* Moves len bytes from `from` to `to` in 16 KiB writes, the sender keeping
 * up to bench_ahead bytes in flight (bench.h), feeding and reading as a
 * socket loop would. */
static int transfer(ltls_conn_t *from, wire_t *w, ltls_conn_t *to, const uint8_t *data,
                    size_t len, uint8_t *rbuf, size_t rcap)
{
    size_t sent = 0, got = 0;
    while (got < len) {
        if (sent < len) {
            size_t n = 0, want = len - sent < BENCH_WRITE ? len - sent : BENCH_WRITE;
            ltls_err_t e = ltls_conn_write(from, data + (sent % (1u << 20)), want, &n);
            if (!is_want(e))
                BENCH_FAIL("lucidtls write: %s", ltls_err_message(e));
            sent += n;
            send_out(from, w);
            if (sent < len && wire_avail(w) < bench_ahead)
                continue;
        }
        wire_arrive_all_but(w, sent < len ? bench_ahead / 2 : 0);
        for (;;) {
            recv_in(to, w);
            size_t n = 0;
            ltls_err_t e = ltls_conn_read(to, rbuf, rcap, &n);
            if (e == LTLS_OK && n) {
                got += n;
                continue;
            }
            if (ltls_err_reason(e) != LTLS_R_WANT_READ)
                BENCH_FAIL("lucidtls read: %s", ltls_err_message(e));
            if (!wire_avail(w))
                break;
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
    ltls_conn_t *c = NULL, *s = NULL;
    static uint8_t rbuf[BENCH_WRITE];
    int rc = -1;
    if (ltls_conn_new(cctx[aead], host, &c) || ltls_conn_new(sctx[aead], NULL, &s) ||
        pair_handshake(c, s))
        goto out;
    /* warm-up: buffers reach their working size */
    if (transfer(c, &wire_c2s, s, payload(), 1u << 20, rbuf, sizeof(rbuf)))
        goto out;
    double t0 = bench_now();
    if (transfer(c, &wire_c2s, s, payload(), total, rbuf, sizeof(rbuf)))
        goto out;
    *secs = bench_now() - t0;
    rc = 0;
out:
    ltls_conn_free(c);
    ltls_conn_free(s);
    wire_reset();
    return rc;
}

/* --- heap --------------------------------------------------------------- */

static size_t own_bytes;
static void *count_alloc(void *user, size_t size)
{
    (void)user;
    void *p = malloc(size);
    if (p)
        own_bytes += size;
    return p;
}
static void count_free(void *user, void *p, size_t size)
{
    (void)user;
    own_bytes -= size;
    free(p);
}
static const ltls_allocator_t counting = {count_alloc, count_free, NULL};

/* Both sides read until nothing is left (the connection is then idle). */
static int settle(ltls_conn_t *c, ltls_conn_t *s)
{
    uint8_t buf[256];
    size_t n;
    for (int i = 0; i < 4; i++) {
        recv_in(c, &wire_s2c);
        ltls_err_t e = ltls_conn_read(c, buf, sizeof(buf), &n);
        send_out(c, &wire_c2s);
        recv_in(s, &wire_c2s);
        ltls_err_t f = ltls_conn_read(s, buf, sizeof(buf), &n);
        send_out(s, &wire_s2c);
        if (ltls_err_reason(e) != LTLS_R_WANT_READ || ltls_err_reason(f) != LTLS_R_WANT_READ)
            BENCH_FAIL("lucidtls settle: %s / %s", ltls_err_reason_name(e), ltls_err_reason_name(f));
    }
    return wire_avail(&wire_c2s) || wire_avail(&wire_s2c) ? -1 : 0;
}

static int heap(size_t n, size_t traffic, heap_result_t *out)
{
    ltls_context_t *hc = NULL, *hs = NULL;
    if (make_contexts(&hc, &hs, AEAD_AES128GCM, &counting))
        return -1;
    ltls_conn_t **cs = calloc(n, sizeof(*cs)), **ss = calloc(n, sizeof(*ss));
    uint8_t *rbuf = malloc(BENCH_WRITE);
    int rc = -1;
    (void)payload();
    {
        /* one connection first, so that lazy set-up elsewhere is not counted */
        ltls_conn_t *c = NULL, *s = NULL;
        int bad = ltls_conn_new(hc, host, &c) || ltls_conn_new(hs, NULL, &s) || pair_handshake(c, s) ||
                  (traffic && transfer(c, &wire_c2s, s, payload(), traffic, rbuf, BENCH_WRITE)) ||
                  settle(c, s);
        ltls_conn_free(c);
        ltls_conn_free(s);
        if (bad)
            goto out;
    }
    size_t base = bench_heap_in_use(), own0 = own_bytes;
    for (size_t i = 0; i < n; i++) {
        if (ltls_conn_new(hc, host, &cs[i]) || ltls_conn_new(hs, NULL, &ss[i]) ||
            pair_handshake(cs[i], ss[i]))
            goto out;
        if (traffic && (transfer(cs[i], &wire_c2s, ss[i], payload(), traffic, rbuf, BENCH_WRITE) ||
                        transfer(ss[i], &wire_s2c, cs[i], payload(), traffic, rbuf, BENCH_WRITE)))
            goto out;
        if (settle(cs[i], ss[i]))
            goto out;
        /* idle and still whole: nothing buffered, the peer's chain as sent */
        if (ltls_conn_incoming_buffered(cs[i]) || ltls_conn_outgoing_buffered(ss[i]) ||
            ltls_conn_peer_cert_count(cs[i]) != chain_count)
            BENCH_FAIL("lucidtls: idle connection %zu is not as expected", i);
        for (size_t k = 0; k < chain_count; k++) {
            size_t l1, l2;
            const uint8_t *a = ltls_conn_peer_cert(cs[i], k, &l1), *b = ltls_cert_der(chain_certs[k], &l2);
            if (!a || l1 != l2 || memcmp(a, b, l1))
                BENCH_FAIL("lucidtls: peer certificate %zu differs from the server's", k);
        }
    }
    size_t m1 = bench_heap_in_use(), o1 = own_bytes;
    for (size_t i = 0; i < n; i++) {
        ltls_conn_free(cs[i]);
        cs[i] = NULL;
    }
    size_t m2 = bench_heap_in_use(), o2 = own_bytes;
    for (size_t i = 0; i < n; i++) {
        ltls_conn_free(ss[i]);
        ss[i] = NULL;
    }
    size_t m3 = bench_heap_in_use(), o3 = own_bytes;
    out->client = ((double)m1 - (double)m2) / (double)n;
    out->server = ((double)m2 - (double)m3) / (double)n;
    out->client_own = ((double)o1 - (double)o2) / (double)n;
    out->server_own = ((double)o2 - (double)o3) / (double)n;
    if (m3 > base + 4096 || o3 != own0)
        fprintf(stderr, "bench: lucidtls heap did not return to its base (%zu vs %zu)\n", m3, base);
    rc = 0;
out:
    for (size_t i = 0; i < n; i++) {
        ltls_conn_free(cs[i]);
        ltls_conn_free(ss[i]);
    }
    free(cs);
    free(ss);
    free(rbuf);
    ltls_context_unref(hc);
    ltls_context_unref(hs);
    wire_reset();
    return rc;
}

const bench_impl_t bench_lucidtls = {"lucidtls", setup, handshake, bulk, heap, teardown};
