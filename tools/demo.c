/*
 * tools/demo.c - `lucidtls demo`: the whole library in one run.
 *
 * Theory of operation: everything a real deployment gets from files is
 * made in memory (a throwaway CA and a server certificate for localhost,
 * 127.0.0.1 and ::1, with fresh keys), then a lucidtls server runs in a
 * thread on an ephemeral loopback port and a lucidtls client that trusts
 * only that CA talks to it over real TCP through the socket helper: one
 * HTTP request, one response, close_notify both ways. The client dials and
 * handshakes as separate steps so that the handshake is timed on its own.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tool.h"
#include "x509/certwrite.h"

#define TIMEOUT_MS 10000

typedef struct {
    ltls_context_t *ctx;
    int lfd;
    ltls_err_t err;
    char detail[512];
    const char *stage;
} demo_server_t;

static void *server_main(void *arg)
{
    demo_server_t *d = arg;
    ltls_socket_t *s = NULL;
    d->stage = "handshake";
    d->err = ltls_socket_accept(d->ctx, d->lfd, TIMEOUT_MS, &s, d->detail, sizeof d->detail);
    if (d->err)
        return NULL;
    uint8_t req[4096];
    size_t have = 0;
    d->stage = "reading the request";
    while (have < sizeof req) {
        size_t n = 0;
        d->err = ltls_socket_recv(s, req + have, sizeof req - have, &n);
        if (d->err)
            break;
        have += n;
        if (have >= 4 && !memcmp(req + have - 4, "\r\n\r\n", 4))
            break;
    }
    if (!d->err) {
        ltls_conn_t *c = ltls_socket_conn(s);
        size_t alen = 0;
        const uint8_t *alpn = ltls_conn_alpn(c, &alen);
        const char *sni = ltls_conn_server_name(c);
        char body[256], msg[512];
        int blen = snprintf(body, sizeof body,
                            "Hello from the lucidtls server. You asked for %s over %.*s.\n",
                            sni ? sni : "(no SNI)", alpn ? (int)alen : 6,
                            alpn ? (const char *)alpn : "(none)");
        int mlen = snprintf(msg, sizeof msg,
                            "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
                            "Content-Length: %d\r\nConnection: close\r\n\r\n%s",
                            blen, body);
        d->stage = "sending the response";
        d->err = ltls_socket_send(s, (const uint8_t *)msg, (size_t)mlen, NULL);
    }
    if (!d->err) {
        /* close_notify, then wait for the client's. */
        d->stage = "closing";
        d->err = ltls_socket_shutdown(s);
        size_t n;
        while (!d->err && (d->err = ltls_socket_recv(s, req, sizeof req, &n)) == LTLS_OK) {
        }
        if (ltls_err_reason(d->err) == LTLS_R_CLOSED)
            d->err = LTLS_OK;
    }
    if (d->err)
        snprintf(d->detail, sizeof d->detail, "%s", ltls_socket_error_detail(s));
    ltls_socket_close(s, d->err != LTLS_OK);
    return NULL;
}

static int fail(const char *what, ltls_err_t err, const char *detail)
{
    tool_error(what, err, detail);
    return 1;
}

int ltls_tool_demo(int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "usage: lucidtls demo\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    ltls_provider_t *prov = NULL;
    ltls_err_t err = ltls_provider_new(tool_provider_name(), NULL, &prov);
    if (err)
        return fail("provider", err, NULL);

    int rc = 1;
    ltls_certwrite_issued_t ca = {0}, srv = {0};
    ltls_trust_store_t *trust = NULL;
    ltls_context_t *sctx = NULL, *cctx = NULL;
    ltls_socket_t *s = NULL;
    demo_server_t ds;
    memset(&ds, 0, sizeof ds);
    ds.lfd = -1;
    int started = 0;
    pthread_t thread;

    printf("lucidtls demo: a lucidtls client and server talk TLS 1.3 over 127.0.0.1\n"
           "(crypto provider: %s)\n\n",
           prov->name);

    /* 1. Credentials, made in memory. */
    int64_t now = (int64_t)time(NULL);
    ltls_certwrite_spec_t cs;
    memset(&cs, 0, sizeof cs);
    cs.common_name = "lucidtls demo CA";
    cs.organization = "lucidtls demo";
    cs.not_before = now - 300;
    cs.not_after = now + 86400;
    cs.is_ca = 1;
    cs.path_len = 0;
    static const char *const dns[] = {"localhost"};
    static const ltls_certwrite_ip_t ips[] = {
        {4, {127, 0, 0, 1}}, {16, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}}};
    ltls_certwrite_spec_t ls;
    memset(&ls, 0, sizeof ls);
    ls.common_name = "localhost";
    ls.not_before = now - 300;
    ls.not_after = now + 86400;
    ls.path_len = -1;
    ls.eku = LTLS_X509_EKU_SERVER_AUTH;
    ls.dns_names = dns;
    ls.dns_count = 1;
    ls.ips = ips;
    ls.ip_count = 2;
    double t0 = tool_now();
    if ((err = ltls_certwrite_issue(prov, LTLS_KEY_EC, 0x0017, &cs, NULL, &ca)) ||
        (err = ltls_certwrite_issue(prov, LTLS_KEY_EC, 0x0017, &ls, &ca, &srv))) {
        rc = fail("making the certificates", err, NULL);
        goto done;
    }
    printf("1. Made a throwaway CA and a server certificate in memory (%.1f ms):\n",
           (tool_now() - t0) * 1000);
    printf("     CA      CN=lucidtls demo CA, O=lucidtls demo (ECDSA P-256, valid 1 day)\n");
    printf("     server  CN=localhost for localhost, 127.0.0.1 and ::1 (ECDSA P-256),"
           " signed by the CA\n\n");

    /* 2. The server. */
    static const char *const alpn[] = {"http/1.1"};
    const ltls_cert_t *chain_certs[1] = {srv.cert};
    ltls_signing_chain_t chain = {chain_certs, 1, srv.key};
    ltls_config_t scfg;
    memset(&scfg, 0, sizeof scfg);
    scfg.provider = prov;
    scfg.chains = &chain;
    scfg.chain_count = 1;
    scfg.alpn = alpn;
    scfg.alpn_count = 1;
    tool_keylog_setup(&scfg);
    if ((err = ltls_server_context_new(&scfg, &sctx))) {
        rc = fail("server context", err, NULL);
        goto done;
    }
    char detail[512];
    if ((err = ltls_socket_listen("127.0.0.1", "0", 4, &ds.lfd, detail, sizeof detail))) {
        rc = fail("listen", err, detail);
        goto done;
    }
    uint16_t port = 0;
    char port_text[8];
    ltls_socket_fd_address(ds.lfd, 0, NULL, 0, &port);
    snprintf(port_text, sizeof port_text, "%u", (unsigned)port);
    ds.ctx = sctx;
    if (pthread_create(&thread, NULL, server_main, &ds) != 0) {
        fprintf(stderr, "lucidtls: cannot start the server thread\n");
        goto done;
    }
    started = 1;
    printf("2. Started a lucidtls server on 127.0.0.1:%u (in a thread).\n\n", (unsigned)port);

    /* 3. The client: trusts that CA and nothing else. */
    if ((err = ltls_trust_store_new(NULL, &trust)) ||
        (err = ltls_trust_store_add(trust, ca.der, ca.len, NULL))) {
        rc = fail("trust store", err, NULL);
        goto done;
    }
    ltls_config_t ccfg;
    memset(&ccfg, 0, sizeof ccfg);
    ccfg.provider = prov;
    ccfg.trust = trust;
    ccfg.alpn = alpn;
    ccfg.alpn_count = 1;
    tool_keylog_setup(&ccfg);
    if ((err = ltls_client_context_new(&ccfg, &cctx))) {
        rc = fail("client context", err, NULL);
        goto done;
    }
    int fd = -1;
    double t1 = tool_now();
    if ((err = ltls_socket_dial("127.0.0.1", port_text, TIMEOUT_MS, &fd, detail, sizeof detail))) {
        rc = fail("connect", err, detail);
        goto done;
    }
    double t2 = tool_now();
    if ((err = ltls_socket_new(cctx, fd, "localhost", TIMEOUT_MS, &s))) {
        close(fd);
        rc = fail("client connection", err, NULL);
        goto done;
    }
    err = ltls_socket_handshake(s);
    double t3 = tool_now();
    if (err) {
        rc = fail("handshake", err, ltls_socket_error_detail(s));
        goto done;
    }
    printf("3. Connected a lucidtls client that trusts only that CA, for \"localhost\":\n");
    printf("     TCP connect     %.2f ms\n", (t2 - t1) * 1000);
    printf("     TLS handshake   %.2f ms (ClientHello to the server's Finished verified)\n",
           (t3 - t2) * 1000);
    printf("   Negotiated:\n");
    fflush(stdout);
    tool_print_conn(stdout, "     ", ltls_socket_conn(s), prov, trust, "localhost",
                    LTLS_PURPOSE_SERVER_AUTH);
    printf("\n");

    /* 4. One request, one response. */
    static const char request[] = "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n";
    if ((err = ltls_socket_send(s, (const uint8_t *)request, sizeof request - 1, NULL))) {
        rc = fail("send", err, ltls_socket_error_detail(s));
        goto done;
    }
    printf("4. Sent:      GET / HTTP/1.0\n");
    char resp[4096];
    size_t have = 0;
    for (;;) {
        size_t n = 0;
        err = ltls_socket_recv(s, (uint8_t *)resp + have, sizeof resp - 1 - have, &n);
        if (err)
            break;
        have += n;
        if (have == sizeof resp - 1)
            break;
    }
    if (ltls_err_reason(err) != LTLS_R_CLOSED) {
        rc = fail("receive", err, ltls_socket_error_detail(s));
        goto done;
    }
    resp[have] = '\0';
    printf("   Received:  ");
    for (char *line = resp, *next; line && *line; line = next) {
        next = strstr(line, "\r\n");
        if (!next)
            next = strchr(line, '\n');
        if (next) {
            char *eol = next;
            next += *next == '\r' ? 2 : 1;
            *eol = '\0';
        }
        printf("%s%s\n", line == resp || !*line ? "" : "              ", line);
    }
    printf("   The server closed with close_notify; the client answered with its own.\n");
    ltls_socket_close(s, 0);
    s = NULL;
    pthread_join(thread, NULL);
    started = 0;
    if (ds.err) {
        char what[64];
        snprintf(what, sizeof what, "server (%s)", ds.stage);
        rc = fail(what, ds.err, ds.detail);
        goto done;
    }
    printf("\nDone: certificates, handshake, data and close_notify all went through "
           "lucidtls.\n");
    rc = 0;
done:
    ltls_socket_close(s, 1);
    if (started) {
        /* The server thread is bounded by TIMEOUT_MS; wait for it. */
        pthread_join(thread, NULL);
    }
    if (ds.lfd >= 0)
        close(ds.lfd);
    ltls_context_unref(cctx);
    ltls_context_unref(sctx);
    ltls_trust_store_unref(trust);
    ltls_certwrite_issued_free(&srv);
    ltls_certwrite_issued_free(&ca);
    tool_keylog_close();
    ltls_provider_free(prov);
    return rc;
}
