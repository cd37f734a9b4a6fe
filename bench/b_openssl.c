/*
 * bench/b_openssl.c - OpenSSL 3.0 libssl client and server over a custom
 * BIO that reads from and writes to the wire queues (bench.h), so that it
 * moves bytes exactly as the other two libraries do.
 *
 * Configuration: TLS 1.3 only, one suite, X25519 only, no session tickets
 * and no session cache (lucidtls has no resumption yet, so neither side of
 * either library does ticket work), the client verifying the chain against
 * the same root and the host name with SSL_set1_host.
 */
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "bench.h"

static SSL_CTX *cctx[2], *sctx[2];
static BIO_METHOD *meth;
static const char *host;
static long extra_mode; /* heap variant: SSL_MODE_RELEASE_BUFFERS */

typedef struct endpoint {
    wire_t *rx, *tx;
} endpoint_t;
static endpoint_t client_ep = {&wire_s2c, &wire_c2s}, server_ep = {&wire_c2s, &wire_s2c};

static int q_write(BIO *b, const char *data, int len)
{
    endpoint_t *ep = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    wire_put(ep->tx, (const uint8_t *)data, (size_t)len);
    return len;
}

static int q_read(BIO *b, char *out, int len)
{
    endpoint_t *ep = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    size_t n = wire_get(ep->rx, (uint8_t *)out, (size_t)len);
    if (n == 0) {
        BIO_set_retry_read(b);
        return -1;
    }
    return (int)n;
}

static long q_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)b;
    (void)num;
    (void)ptr;
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int q_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static void print_errors(void) { ERR_print_errors_fp(stderr); }

static SSL_CTX *make_ctx(int server, const bench_cfg_t *cfg, int aead)
{
    SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    if (!ctx)
        return NULL;
    int ok = SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) &&
             SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) &&
             SSL_CTX_set_ciphersuites(ctx, aead == AEAD_AES128GCM ? "TLS_AES_128_GCM_SHA256"
                                                                  : "TLS_CHACHA20_POLY1305_SHA256") &&
             SSL_CTX_set1_groups_list(ctx, "X25519") && SSL_CTX_set_num_tickets(ctx, 0);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    if (ok && server)
        ok = SSL_CTX_use_certificate_chain_file(ctx, cfg->chain) == 1 &&
             SSL_CTX_use_PrivateKey_file(ctx, cfg->key, SSL_FILETYPE_PEM) == 1 &&
             SSL_CTX_check_private_key(ctx) == 1;
    if (ok && !server) {
        ok = SSL_CTX_load_verify_locations(ctx, cfg->ca, NULL) == 1;
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    }
    if (!ok) {
        print_errors();
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

static int setup(const bench_cfg_t *cfg)
{
    host = cfg->host;
    meth = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "bench-wire");
    if (!meth || !BIO_meth_set_write(meth, q_write) || !BIO_meth_set_read(meth, q_read) ||
        !BIO_meth_set_ctrl(meth, q_ctrl) || !BIO_meth_set_create(meth, q_create))
        BENCH_FAIL("openssl BIO method");
    for (int a = 0; a < 2; a++) {
        cctx[a] = make_ctx(0, cfg, a);
        sctx[a] = make_ctx(1, cfg, a);
        if (!cctx[a] || !sctx[a])
            BENCH_FAIL("openssl context");
    }
    return 0;
}

static void teardown(void)
{
    for (int a = 0; a < 2; a++) {
        SSL_CTX_free(cctx[a]);
        SSL_CTX_free(sctx[a]);
    }
    BIO_meth_free(meth);
}

static SSL *make_ssl(SSL_CTX *ctx, int server)
{
    SSL *ssl = SSL_new(ctx);
    BIO *b = BIO_new(meth);
    if (!ssl || !b) {
        SSL_free(ssl);
        BIO_free(b);
        return NULL;
    }
    BIO_set_data(b, server ? &server_ep : &client_ep);
    SSL_set_bio(ssl, b, b);
    if (extra_mode)
        SSL_set_mode(ssl, extra_mode);
    if (server) {
        SSL_set_accept_state(ssl);
    } else {
        SSL_set_connect_state(ssl);
        if (!SSL_set_tlsext_host_name(ssl, host) || !SSL_set1_host(ssl, host)) {
            SSL_free(ssl);
            return NULL;
        }
    }
    return ssl;
}

static int pair_handshake(SSL *c, SSL *s)
{
    int rc = 0, rs = 0;
    for (int i = 0; i < 16 && (rc != 1 || rs != 1); i++) {
        if (rc != 1) {
            rc = SSL_do_handshake(c);
            if (rc != 1 && SSL_get_error(c, rc) != SSL_ERROR_WANT_READ)
                break;
        }
        if (rs != 1) {
            rs = SSL_do_handshake(s);
            if (rs != 1 && SSL_get_error(s, rs) != SSL_ERROR_WANT_READ)
                break;
        }
    }
    if (rc != 1 || rs != 1) {
        print_errors();
        BENCH_FAIL("openssl handshake failed (client %d, server %d, verify %ld)", rc, rs,
                   SSL_get_verify_result(c));
    }
    if (SSL_get_verify_result(c) != X509_V_OK)
        BENCH_FAIL("openssl: the chain did not verify");
    return 0;
}

static int handshake(void)
{
    SSL *c = make_ssl(cctx[0], 0), *s = make_ssl(sctx[0], 1);
    int rc = c && s ? pair_handshake(c, s) : -1;
    SSL_free(c);
    SSL_free(s);
    wire_reset();
    return rc;
}

/* As lucidtls's: 16 KiB writes, up to bench_ahead bytes in flight. */
static int transfer(SSL *from, SSL *to, const uint8_t *data, size_t len, uint8_t *rbuf, int rcap)
{
    wire_t *w = ((endpoint_t *)BIO_get_data(SSL_get_wbio(from)))->tx;
    size_t sent = 0, got = 0;
    while (got < len) {
        if (sent < len) {
            int want = (int)(len - sent < BENCH_WRITE ? len - sent : BENCH_WRITE);
            int n = SSL_write(from, data + (sent % (1u << 20)), want);
            if (n <= 0) {
                print_errors();
                BENCH_FAIL("openssl write");
            }
            sent += (size_t)n;
            if (sent < len && wire_avail(w) < bench_ahead)
                continue;
        }
        wire_arrive_all_but(w, sent < len ? bench_ahead / 2 : 0);
        for (;;) {
            int n = SSL_read(to, rbuf, rcap);
            if (n > 0) {
                got += (size_t)n;
                continue;
            }
            if (SSL_get_error(to, n) == SSL_ERROR_WANT_READ)
                break;
            print_errors();
            BENCH_FAIL("openssl read");
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
    SSL *c = make_ssl(cctx[aead], 0), *s = make_ssl(sctx[aead], 1);
    int rc = -1;
    if (!c || !s || pair_handshake(c, s) ||
        transfer(c, s, payload(), 1u << 20, rbuf, (int)sizeof(rbuf)))
        goto out;
    double t0 = bench_now();
    if (transfer(c, s, payload(), total, rbuf, (int)sizeof(rbuf)))
        goto out;
    *secs = bench_now() - t0;
    rc = 0;
out:
    SSL_free(c);
    SSL_free(s);
    wire_reset();
    return rc;
}

static int settle(SSL *c, SSL *s)
{
    uint8_t buf[256];
    for (int i = 0; i < 4; i++) {
        int n = SSL_read(c, buf, sizeof(buf));
        if (n > 0 || SSL_get_error(c, n) != SSL_ERROR_WANT_READ)
            BENCH_FAIL("openssl settle (client)");
        n = SSL_read(s, buf, sizeof(buf));
        if (n > 0 || SSL_get_error(s, n) != SSL_ERROR_WANT_READ)
            BENCH_FAIL("openssl settle (server)");
    }
    return wire_avail(&wire_c2s) || wire_avail(&wire_s2c) ? -1 : 0;
}

static int heap_mode(size_t n, size_t traffic, heap_result_t *out)
{
    SSL **cs = calloc(n, sizeof(*cs)), **ss = calloc(n, sizeof(*ss));
    uint8_t *rbuf = malloc(BENCH_WRITE);
    int rc = -1;
    (void)payload();
    {
        SSL *c = make_ssl(cctx[0], 0), *s = make_ssl(sctx[0], 1);
        int bad = !c || !s || pair_handshake(c, s) ||
                  (traffic && transfer(c, s, payload(), traffic, rbuf, BENCH_WRITE)) || settle(c, s);
        SSL_free(c);
        SSL_free(s);
        if (bad)
            goto out;
    }
    size_t base = bench_heap_in_use();
    for (size_t i = 0; i < n; i++) {
        cs[i] = make_ssl(cctx[0], 0);
        ss[i] = make_ssl(sctx[0], 1);
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
        SSL_free(cs[i]);
        cs[i] = NULL;
    }
    size_t m2 = bench_heap_in_use();
    for (size_t i = 0; i < n; i++) {
        SSL_free(ss[i]);
        ss[i] = NULL;
    }
    size_t m3 = bench_heap_in_use();
    out->client = ((double)m1 - (double)m2) / (double)n;
    out->server = ((double)m2 - (double)m3) / (double)n;
    out->client_own = out->server_own = 0;
    if (m3 > base + 4096)
        fprintf(stderr, "bench: openssl heap did not return to its base (%zu vs %zu)\n", m3, base);
    rc = 0;
out:
    for (size_t i = 0; i < n; i++) {
        SSL_free(cs[i]);
        SSL_free(ss[i]);
    }
    free(cs);
    free(ss);
    free(rbuf);
    wire_reset();
    return rc;
}

static int heap(size_t n, size_t traffic, heap_result_t *out)
{
    extra_mode = 0;
    return heap_mode(n, traffic, out);
}

/* The same with SSL_MODE_RELEASE_BUFFERS (not OpenSSL's default). */
int bench_openssl_heap_release(size_t n, size_t traffic, heap_result_t *out);
int bench_openssl_heap_release(size_t n, size_t traffic, heap_result_t *out)
{
    extra_mode = SSL_MODE_RELEASE_BUFFERS;
    int rc = heap_mode(n, traffic, out);
    extra_mode = 0;
    return rc;
}

const bench_impl_t bench_openssl = {"openssl", setup, handshake, bulk, heap, teardown};
