/*
 * tests/unit/test_socket.c - the blocking socket helper (src/io/socket.c)
 * over real loopback TCP: a client and a server thread with certificates
 * made by certwrite exchange data larger than a record both ways (short
 * reads), close with close_notify in both directions, and the failures a
 * network produces are reported with their own reasons: refused
 * connections, silent peers (timeouts), a certificate for another name,
 * and the non-blocking mode's WANT_READ.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"
#include "lucidtls/lucidtls.h"
#include "lucidtls/socket.h"
#include "test.h"
#include "test_provider.h"
#include "x509/certwrite.h"

static ltls_provider_t *prov;
static ltls_key_t *ca_key, *leaf_key;
static uint8_t *ca_der, *leaf_der;
static size_t ca_len, leaf_len;
static ltls_cert_t *ca_cert, *leaf_cert;
static ltls_context_t *server_ctx, *client_ctx;
static ltls_trust_store_t *trust;

static int setup(void)
{
    int64_t now = (int64_t)time(NULL);
    ltls_certwrite_spec_t cs, ls;
    memset(&cs, 0, sizeof cs);
    cs.common_name = "socket test CA";
    cs.not_before = now - 60;
    cs.not_after = now + 3600;
    cs.is_ca = 1;
    cs.path_len = -1;
    static const char *const dns[] = {"localhost"};
    memset(&ls, 0, sizeof ls);
    ls.common_name = "localhost";
    ls.not_before = now - 60;
    ls.not_after = now + 3600;
    ls.path_len = -1;
    ls.eku = LTLS_X509_EKU_SERVER_AUTH;
    ls.dns_names = dns;
    ls.dns_count = 1;
    if (ltls_provider_new(test_provider_name(), NULL, &prov) ||
        ltls_key_generate(prov, LTLS_KEY_EC, 0x0017, 0, &ca_key) ||
        ltls_key_generate(prov, LTLS_KEY_EC, 0x0017, 0, &leaf_key) ||
        ltls_certwrite(&cs, ca_key, NULL, NULL, NULL, &ca_der, &ca_len) ||
        ltls_cert_parse(ca_der, ca_len, NULL, &ca_cert) ||
        ltls_certwrite(&ls, leaf_key, ca_cert, ca_key, NULL, &leaf_der, &leaf_len) ||
        ltls_cert_parse(leaf_der, leaf_len, NULL, &leaf_cert))
        return -1;
    const ltls_cert_t *certs[1] = {leaf_cert};
    ltls_signing_chain_t chain = {certs, 1, leaf_key};
    ltls_config_t c;
    memset(&c, 0, sizeof c);
    c.provider = prov;
    c.chains = &chain;
    c.chain_count = 1;
    if (ltls_server_context_new(&c, &server_ctx))
        return -1;
    memset(&c, 0, sizeof c);
    c.provider = prov;
    if (ltls_trust_store_new(NULL, &trust) || ltls_trust_store_add(trust, ca_der, ca_len, NULL))
        return -1;
    c.trust = trust;
    return ltls_client_context_new(&c, &client_ctx) ? -1 : 0;
}

static void teardown(void)
{
    ltls_context_unref(client_ctx);
    ltls_context_unref(server_ctx);
    ltls_trust_store_unref(trust);
    ltls_cert_free(leaf_cert);
    ltls_cert_free(ca_cert);
    ltls_free(NULL, leaf_der, leaf_len);
    ltls_free(NULL, ca_der, ca_len);
    ltls_key_free(leaf_key);
    ltls_key_free(ca_key);
    ltls_provider_free(prov);
}

static int listen_any(char port[8])
{
    int fd = -1;
    uint16_t p = 0;
    if (ltls_socket_listen("127.0.0.1", "0", 8, &fd, NULL, 0) ||
        ltls_socket_fd_address(fd, 0, NULL, 0, &p))
        return -1;
    snprintf(port, 8, "%u", (unsigned)p);
    return fd;
}

/* The echo server: accept one client, echo until its close_notify, answer
 * it. Its result is the last status. */
typedef struct {
    int lfd;
    ltls_err_t accept_err, err;
    size_t echoed;
} echo_t;

static void *echo_server(void *arg)
{
    echo_t *e = arg;
    ltls_socket_t *s = NULL;
    e->accept_err = ltls_socket_accept(server_ctx, e->lfd, 5000, &s, NULL, 0);
    if (e->accept_err)
        return NULL;
    static uint8_t buf[5000]; /* smaller than a record: short reads */
    for (;;) {
        size_t n = 0;
        e->err = ltls_socket_recv(s, buf, sizeof buf, &n);
        if (e->err)
            break;
        e->err = ltls_socket_send(s, buf, n, NULL);
        if (e->err)
            break;
        e->echoed += n;
    }
    if (ltls_err_reason(e->err) == LTLS_R_CLOSED)
        e->err = ltls_socket_shutdown(s);
    ltls_socket_close(s, e->err != LTLS_OK);
    return NULL;
}

TEST(echo_roundtrip)
{
    char port[8];
    echo_t e;
    memset(&e, 0, sizeof e);
    e.lfd = listen_any(port);
    CHECK(e.lfd >= 0);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, echo_server, &e) == 0);

    ltls_socket_t *s = NULL;
    char detail[256];
    ltls_err_t err = ltls_socket_connect(client_ctx, "127.0.0.1", port, "localhost", 5000, &s,
                                         detail, sizeof detail);
    if (err)
        printf("# connect: %s\n", detail);
    CHECK_OK(err);
    CHECK(ltls_conn_version(ltls_socket_conn(s)) == LTLS_TLS1_3);
    uint16_t local = 0, peer = 0;
    CHECK_OK(ltls_socket_peer_address(s, NULL, 0, &peer));
    CHECK_OK(ltls_socket_local_address(s, NULL, 0, &local));
    CHECK(peer == (uint16_t)atoi(port) && local != 0);

    /* 100 000 bytes each way, read back in whatever pieces arrive. */
    enum { N = 100000 };
    static uint8_t out[N], in[N];
    for (size_t i = 0; i < N; i++)
        out[i] = (uint8_t)(i * 7 + 3);
    size_t sent = 0, got = 0;
    int pieces = 0;
    while (got < N) {
        if (sent < N) {
            size_t chunk = N - sent < 30000 ? N - sent : 30000;
            size_t k = 0;
            CHECK_OK(ltls_socket_send(s, out + sent, chunk, &k));
            CHECK(k == chunk);
            sent += k;
        }
        while (got < sent) {
            size_t n = 0;
            CHECK_OK(ltls_socket_recv(s, in + got, N - got, &n));
            CHECK(n > 0);
            got += n;
            pieces++;
        }
    }
    CHECK(pieces > 1);
    CHECK_MEM(in, out, N);

    /* Half-close: our close_notify, then the server's. */
    CHECK_OK(ltls_socket_shutdown(s));
    size_t n = 0;
    CHECK_ERR(ltls_socket_recv(s, in, sizeof in, &n), LTLS_R_CLOSED);
    ltls_socket_close(s, 0);
    pthread_join(t, NULL);
    close(e.lfd);
    CHECK_OK(e.accept_err);
    CHECK_OK(e.err);
    CHECK(e.echoed == N);
}

TEST(refused)
{
    char port[8];
    int fd = listen_any(port);
    CHECK(fd >= 0);
    close(fd); /* nobody listens there now */
    ltls_socket_t *s = (ltls_socket_t *)1;
    char detail[256];
    CHECK_ERR(ltls_socket_connect(client_ctx, "127.0.0.1", port, "localhost", 2000, &s, detail,
                                  sizeof detail),
              LTLS_R_CONNECT);
    CHECK(s == NULL);
    CHECK(strstr(detail, "refused") != NULL);
}

/* A peer that accepts TCP but never answers the ClientHello. */
TEST(silent_peer_times_out)
{
    char port[8];
    int fd = listen_any(port);
    CHECK(fd >= 0);
    ltls_socket_t *s = NULL;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    CHECK_ERR(ltls_socket_connect(client_ctx, "127.0.0.1", port, "localhost", 300, &s, NULL, 0),
              LTLS_R_SOCKET_TIMEOUT);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double took = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    CHECK(took >= 0.25 && took < 2.0);
    close(fd);
    /* The server side times out on a client that never sends a byte (a
     * fresh listener: the first one still holds the abandoned attempt). */
    fd = listen_any(port);
    CHECK(fd >= 0);
    int cfd = -1;
    CHECK_OK(ltls_socket_dial("127.0.0.1", port, 1000, &cfd, NULL, 0));
    CHECK_ERR(ltls_socket_accept(server_ctx, fd, 300, &s, NULL, 0), LTLS_R_SOCKET_TIMEOUT);
    /* And with nobody connecting at all. */
    CHECK_ERR(ltls_socket_accept(server_ctx, fd, 100, &s, NULL, 0), LTLS_R_SOCKET_TIMEOUT);
    close(cfd);
    /* A blocking listener (as a caller may hand us) still honours the
     * timeout instead of blocking in accept(). */
    CHECK(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == 0);
    clock_gettime(CLOCK_MONOTONIC, &a);
    CHECK_ERR(ltls_socket_accept(server_ctx, fd, 100, &s, NULL, 0), LTLS_R_SOCKET_TIMEOUT);
    clock_gettime(CLOCK_MONOTONIC, &b);
    took = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    CHECK(took < 2.0);
    close(fd);
}

/* A verifying client and a certificate for another name: the client's
 * error is the name mismatch, the server's the alert it received. */
static void *accept_one(void *arg)
{
    echo_t *e = arg;
    ltls_socket_t *s = NULL;
    e->accept_err = ltls_socket_accept(server_ctx, e->lfd, 5000, &s, NULL, 0);
    ltls_socket_close(s, 0);
    return NULL;
}

TEST(wrong_name)
{
    char port[8];
    echo_t e;
    memset(&e, 0, sizeof e);
    e.lfd = listen_any(port);
    CHECK(e.lfd >= 0);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, accept_one, &e) == 0);
    ltls_socket_t *s = NULL;
    char detail[256];
    ltls_err_t err = ltls_socket_connect(client_ctx, "127.0.0.1", port, "example.org", 5000, &s,
                                         detail, sizeof detail);
    pthread_join(t, NULL);
    close(e.lfd);
    CHECK_ERR(err, LTLS_R_CERT_NAME_MISMATCH);
    CHECK(detail[0] != '\0');
    CHECK(ltls_err_class(e.accept_err) == LTLS_ECLASS_PEER_ALERT);
    CHECK(ltls_err_alert(e.accept_err) == LTLS_ALERT_BAD_CERTIFICATE);
}

/* Timeout 0: nothing to read is WANT_READ at once, and data that arrives
 * is then read without blocking. */
TEST(nonblocking)
{
    char port[8];
    echo_t e;
    memset(&e, 0, sizeof e);
    e.lfd = listen_any(port);
    CHECK(e.lfd >= 0);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, echo_server, &e) == 0);
    ltls_socket_t *s = NULL;
    CHECK_OK(ltls_socket_connect(client_ctx, "127.0.0.1", port, "localhost", 5000, &s, NULL, 0));
    ltls_socket_set_timeout(s, 0);
    CHECK(ltls_socket_timeout(s) == 0);
    uint8_t buf[64];
    size_t n = 0;
    CHECK_ERR(ltls_socket_recv(s, buf, sizeof buf, &n), LTLS_R_WANT_READ);
    CHECK_OK(ltls_socket_send(s, (const uint8_t *)"ping", 4, &n));
    CHECK(n == 4);
    size_t got = 0;
    for (int tries = 0; got < 4 && tries < 200; tries++) {
        struct pollfd p = {ltls_socket_fd(s), POLLIN, 0};
        (void)poll(&p, 1, 50);
        ltls_err_t err = ltls_socket_recv(s, buf + got, sizeof buf - got, &n);
        if (err == LTLS_OK)
            got += n;
        else
            CHECK_ERR(err, LTLS_R_WANT_READ);
    }
    CHECK(got == 4 && memcmp(buf, "ping", 4) == 0);
    ltls_socket_set_timeout(s, 5000);
    ltls_socket_close(s, 0); /* sends close_notify; the server answers */
    pthread_join(t, NULL);
    close(e.lfd);
    CHECK_OK(e.err);
}

TEST(bad_arguments)
{
    ltls_socket_t *s = (ltls_socket_t *)1;
    CHECK_ERR(ltls_socket_connect(NULL, "127.0.0.1", "1", NULL, 10, &s, NULL, 0),
              LTLS_R_NULL_ARGUMENT);
    CHECK(s == NULL);
    CHECK_ERR(ltls_socket_new(client_ctx, -1, "localhost", 0, &s), LTLS_R_BAD_ARGUMENT);
    int fd;
    CHECK_ERR(ltls_socket_listen("127.0.0.1", NULL, 1, &fd, NULL, 0), LTLS_R_NULL_ARGUMENT);
    ltls_socket_close(NULL, 0);
    CHECK(ltls_socket_fd(NULL) == -1 && ltls_socket_conn(NULL) == NULL);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    if (setup()) {
        printf("not ok 1 - setup\n1..1\n");
        return 1;
    }
    RUN(echo_roundtrip);
    RUN(refused);
    RUN(silent_peer_times_out);
    RUN(wrong_name);
    RUN(nonblocking);
    RUN(bad_arguments);
    teardown();
    return test_done();
}
