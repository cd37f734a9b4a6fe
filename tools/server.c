/*
 * tools/server.c - `lucidtls server`, an s_server with --www and --echo.
 *
 * Theory of operation: the main thread owns the listening socket and a
 * self-pipe that the SIGINT/SIGTERM handler writes to; it poll()s both,
 * accepts, and gives each client a detached thread, so a slow or hostile
 * client delays nobody and a failed handshake only ends its own thread (the
 * error, with its alert and reason, is logged). The handshake runs in the
 * thread, not in accept, for the same reason.
 *
 * Stopping: the main thread stops accepting, shuts down every live client
 * socket (each thread then sees EOF and finishes), waits a bounded time for
 * the threads, and exits 0. Descriptors of live clients are kept in a table
 * under a lock, and a thread removes its own before closing it, so the main
 * thread can never shut down a descriptor number already reused.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tool.h"

#define MAX_CHAINS 8
#define MAX_LIST 16
#define MAX_CLIENTS 256
#define HANDSHAKE_TIMEOUT_MS 10000
#define REQUEST_TIMEOUT_MS 30000
#define ECHO_IDLE_MS 300000
#define STOP_WAIT_S 5

enum mode { MODE_WWW, MODE_ECHO };

typedef struct server {
    ltls_context_t *ctx;
    enum mode mode;
    int quiet;
    pthread_mutex_t lock;
    pthread_cond_t idle;
    int active;
    int fds[MAX_CLIENTS];
    unsigned long next_id;
} server_t;

typedef struct job {
    server_t *srv;
    int fd, slot;
    unsigned long id;
    char peer[160];
} job_t;

static int stop_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    (void)sig;
    int saved = errno;
    char c = 1;
    if (write(stop_pipe[1], &c, 1) < 0) {
        /* full pipe: a stop is already pending */
    }
    errno = saved;
}

/* --help prints to stdout and succeeds; a usage error goes to stderr, exit 2. */
static int usage(int help)
{
    fprintf(help ? stdout : stderr,
            "usage: lucidtls server --cert FILE --key FILE [--cert FILE --key FILE]... [options]\n"
            "  --host ADDR           address to listen on (default 127.0.0.1)\n"
            "  --port N              port (default 4433; 0 picks a free one, printed)\n"
            "  --alpn P1,P2          ALPN protocols, in order of preference\n"
            "  --verify-client none|optional|required   ask for client certificates\n"
            "  --cafile FILE         CA certificates for client certificates (repeatable)\n"
            "  --groups G1,G2        key-exchange groups in order of preference\n"
            "  --ciphers S1,S2       TLS 1.3 cipher suites in order of preference\n"
            "  --www                 answer each HTTP request with a status page (default)\n"
            "  --echo                send back whatever the client sends\n"
            "  --quiet               log errors only\n"
            "Prints 'listening on HOST:PORT' when ready; SIGINT/SIGTERM stop it (exit 0).\n"
            "SSLKEYLOGFILE=path appends the session secrets (NSS key-log format).\n"
            "LTLS_PROVIDER=NAME picks the crypto provider (`lucidtls version` lists them).\n");
    return help ? 0 : 2;
}

static void log_line(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

static void log_line(const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    /* One fprintf per line: stdio locks the stream, so threads' lines do
     * not interleave. */
    fprintf(stderr, "%s\n", buf);
}

/* ---------------------------------------------------------------------------
 * Serving one client
 * ------------------------------------------------------------------------- */

/* After the last response: close_notify, then read until the client closes
 * too (bounded). Closing with unread input would make the kernel send a
 * reset, which can destroy the response before the client has read it. */
static void finish(ltls_socket_t *s)
{
    ltls_socket_set_timeout(s, 5000);
    if (ltls_socket_shutdown(s) != LTLS_OK)
        return;
    ltls_socket_set_timeout(s, 2000);
    uint8_t buf[4096];
    size_t n;
    while (ltls_socket_recv(s, buf, sizeof buf, &n) == LTLS_OK) {
    }
}

static void sanitize(char *dst, size_t cap, const uint8_t *src, size_t len)
{
    size_t j = 0;
    for (size_t i = 0; i < len && j + 1 < cap; i++) {
        uint8_t c = src[i];
        if (c == '\r' || c == '\n')
            break;
        dst[j++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    dst[j] = '\0';
}

static int request_complete(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (p[i] == '\n' && p[i + 1] == '\n')
            return 1;
        if (i + 3 < n && !memcmp(p + i, "\r\n\r\n", 4))
            return 1;
    }
    return 0;
}

static ltls_err_t serve_www(const job_t *j, ltls_socket_t *s, const char **what)
{
    static const size_t max = 16384;
    uint8_t *req = malloc(max);
    if (!req)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    size_t have = 0;
    ltls_err_t err = LTLS_OK;
    ltls_socket_set_timeout(s, REQUEST_TIMEOUT_MS);
    *what = "reading the request";
    while (have < max && !request_complete(req, have)) {
        size_t n = 0;
        err = ltls_socket_recv(s, req + have, max - have, &n);
        if (err)
            break;
        have += n;
    }
    if (err && (ltls_err_reason(err) != LTLS_R_CLOSED || !have)) {
        free(req);
        return err;
    }

    ltls_conn_t *c = ltls_socket_conn(s);
    const ltls_suite_t *suite = ltls_conn_suite(c);
    const ltls_group_t *group = ltls_conn_group(c);
    const ltls_sigscheme_t *sig = ltls_conn_peer_sigscheme(c);
    size_t alpn_len = 0;
    const uint8_t *alpn = ltls_conn_alpn(c, &alpn_len);
    const char *sni = ltls_conn_server_name(c);
    char subject[512], line[256], alpn_text[256];
    tool_peer_subject(c, subject, sizeof subject);
    sanitize(line, sizeof line, req, have);
    sanitize(alpn_text, sizeof alpn_text, alpn ? alpn : (const uint8_t *)"", alpn_len);
    free(req);

    char body[2048];
    int blen = snprintf(body, sizeof body,
                        "lucidtls server: connection %lu from %s\n\n"
                        "version:            %s\n"
                        "cipher suite:       %s\n"
                        "key exchange:       %s\n"
                        "ALPN:               %s\n"
                        "SNI:                %s\n"
                        "client certificate: %s\n"
                        "client signature:   %s\n\n"
                        "request:            %s\n",
                        j->id, j->peer, tool_version_name(ltls_conn_version(c)),
                        suite ? suite->name : "(none)", group ? group->name : "(none)",
                        alpn ? alpn_text : "(none)", sni ? sni : "(none)", subject,
                        sig ? sig->name : "(none)", line);
    if (blen < 0 || (size_t)blen >= sizeof body)
        blen = (int)strlen(body);
    char head[256];
    int hlen = snprintf(head, sizeof head,
                        "HTTP/1.0 200 OK\r\n"
                        "Content-Type: text/plain; charset=utf-8\r\n"
                        "Content-Length: %d\r\n"
                        "Connection: close\r\n\r\n",
                        blen);
    *what = "sending the response";
    err = ltls_socket_send(s, (const uint8_t *)head, (size_t)hlen, NULL);
    if (!err)
        err = ltls_socket_send(s, (const uint8_t *)body, (size_t)blen, NULL);
    if (!err)
        finish(s);
    return err;
}

static ltls_err_t serve_echo(ltls_socket_t *s, const char **what, size_t *total)
{
    uint8_t buf[16384];
    ltls_socket_set_timeout(s, ECHO_IDLE_MS);
    for (;;) {
        size_t n = 0;
        *what = "reading";
        ltls_err_t err = ltls_socket_recv(s, buf, sizeof buf, &n);
        if (ltls_err_reason(err) == LTLS_R_CLOSED) {
            /* The client is done sending: answer its close_notify. */
            ltls_socket_set_timeout(s, 5000);
            (void)ltls_socket_shutdown(s);
            return LTLS_OK;
        }
        if (err)
            return err;
        *what = "echoing";
        if ((err = ltls_socket_send(s, buf, n, NULL)))
            return err;
        *total += n;
    }
}

static void release(job_t *j)
{
    server_t *srv = j->srv;
    pthread_mutex_lock(&srv->lock);
    srv->active--;
    pthread_cond_broadcast(&srv->idle);
    pthread_mutex_unlock(&srv->lock);
    free(j);
}

/* Forgets the descriptor before it is closed (see the top comment). */
static void unregister_fd(job_t *j)
{
    pthread_mutex_lock(&j->srv->lock);
    j->srv->fds[j->slot] = -1;
    pthread_mutex_unlock(&j->srv->lock);
}

static void *client_thread(void *arg)
{
    job_t *j = arg;
    server_t *srv = j->srv;
    char why[1024];
    ltls_socket_t *s = NULL;
    ltls_err_t err = ltls_socket_new(srv->ctx, j->fd, NULL, HANDSHAKE_TIMEOUT_MS, &s);
    if (err) {
        tool_describe(err, NULL, why, sizeof why);
        log_line("[%lu] %s: %s", j->id, j->peer, why);
        unregister_fd(j);
        close(j->fd);
        release(j);
        return NULL;
    }
    double t0 = tool_now();
    err = ltls_socket_handshake(s);
    if (err) {
        tool_describe(err, ltls_socket_error_detail(s), why, sizeof why);
        log_line("[%lu] %s: handshake failed: %s", j->id, j->peer, why);
        unregister_fd(j);
        ltls_socket_close(s, 1);
        release(j);
        return NULL;
    }
    ltls_conn_t *c = ltls_socket_conn(s);
    if (!srv->quiet) {
        const ltls_suite_t *suite = ltls_conn_suite(c);
        const ltls_group_t *group = ltls_conn_group(c);
        size_t alen = 0;
        const uint8_t *alpn = ltls_conn_alpn(c, &alen);
        const char *sni = ltls_conn_server_name(c);
        char subject[512];
        tool_peer_subject(c, subject, sizeof subject);
        log_line("[%lu] %s: %s %s %s, ALPN %.*s, SNI %s, client certificate %s (%.1f ms)", j->id,
                 j->peer, tool_version_name(ltls_conn_version(c)), suite ? suite->name : "?",
                 group ? group->name : "?", alpn ? (int)alen : 6,
                 alpn ? (const char *)alpn : "(none)", sni ? sni : "(none)", subject,
                 (tool_now() - t0) * 1000);
    }
    const char *what = "";
    size_t total = 0;
    if (srv->mode == MODE_WWW)
        err = serve_www(j, s, &what);
    else
        err = serve_echo(s, &what, &total);
    ltls_reason_t r = ltls_err_reason(err);
    if (err && r != LTLS_R_CLOSED) {
        tool_describe(err, ltls_socket_error_detail(s), why, sizeof why);
        log_line("[%lu] %s: %s: %s", j->id, j->peer, what, why);
    } else if (!srv->quiet) {
        if (srv->mode == MODE_ECHO)
            log_line("[%lu] %s: closed after echoing %zu bytes", j->id, j->peer, total);
        else
            log_line("[%lu] %s: answered and closed", j->id, j->peer);
    }
    unregister_fd(j);
    ltls_socket_close(s, err && r != LTLS_R_CLOSED);
    release(j);
    return NULL;
}

/* ---------------------------------------------------------------------------
 * Setup and the accept loop
 * ------------------------------------------------------------------------- */

typedef struct {
    const char *certs[MAX_CHAINS], *keys[MAX_CHAINS];
    int cert_count, key_count;
    const char *cafiles[MAX_LIST];
    int cafile_count;
    const char *host, *port, *alpn, *groups, *ciphers, *verify_client;
    enum mode mode;
    int quiet;
} server_opts_t;

static int parse(int argc, char **argv, server_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->host = "127.0.0.1";
    o->port = "4433";
    o->mode = MODE_WWW;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL, *a = argv[i];
        int r;
#define OPT(name, field)                                 \
    if ((r = tool_opt(argc, argv, &i, name, &v)) != 0) { \
        if (r < 0)                                       \
            return -1;                                   \
        o->field = v;                                    \
        continue;                                        \
    }
#define LIST(name, arr, count, max)                                    \
    if ((r = tool_opt(argc, argv, &i, name, &v)) != 0) {               \
        if (r < 0)                                                     \
            return -1;                                                 \
        if (o->count == (max)) {                                       \
            fprintf(stderr, "lucidtls: too many %s\n", name);          \
            return -1;                                                 \
        }                                                              \
        o->arr[o->count++] = v;                                        \
        continue;                                                      \
    }
        OPT("--host", host)
        OPT("--port", port)
        OPT("--alpn", alpn)
        OPT("--groups", groups)
        OPT("--ciphers", ciphers)
        OPT("--verify-client", verify_client)
        LIST("--cert", certs, cert_count, MAX_CHAINS)
        LIST("--key", keys, key_count, MAX_CHAINS)
        LIST("--cafile", cafiles, cafile_count, MAX_LIST)
#undef OPT
#undef LIST
        if (strcmp(a, "--www") == 0)
            o->mode = MODE_WWW;
        else if (strcmp(a, "--echo") == 0)
            o->mode = MODE_ECHO;
        else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0)
            o->quiet = 1;
        else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            return 1;
        else {
            fprintf(stderr, "lucidtls: unknown option '%s'\n", a);
            return -1;
        }
    }
    if (!o->cert_count || o->cert_count != o->key_count) {
        fprintf(stderr, "lucidtls: server needs --cert FILE --key FILE pairs\n");
        return -1;
    }
    return 0;
}

static int build_context(const server_opts_t *o, const ltls_provider_t *prov, tool_chain_t *chains,
                         ltls_trust_store_t **trust, ltls_context_t **ctx)
{
    static char alpn_buf[512], groups_buf[256], ciphers_buf[512];
    static const char *alpn[MAX_LIST], *names[MAX_LIST];
    static const ltls_group_t *groups[MAX_LIST];
    static const ltls_suite_t *suites[MAX_LIST];
    static ltls_signing_chain_t sc[MAX_CHAINS];
    ltls_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.provider = prov;
    for (int i = 0; i < o->cert_count; i++) {
        if (tool_chain_load(prov, o->certs[i], o->keys[i], &chains[i]))
            return -1;
        sc[i] = chains[i].chain;
    }
    cfg.chains = sc;
    cfg.chain_count = (size_t)o->cert_count;
    if (o->alpn) {
        int n = tool_split(o->alpn, alpn_buf, sizeof alpn_buf, alpn, MAX_LIST);
        if (n < 0) {
            fprintf(stderr, "lucidtls: bad --alpn list '%s'\n", o->alpn);
            return -1;
        }
        cfg.alpn = alpn;
        cfg.alpn_count = (size_t)n;
    }
    if (o->groups) {
        int n = tool_split(o->groups, groups_buf, sizeof groups_buf, names, MAX_LIST);
        for (int i = 0; i < n; i++)
            if (!(groups[i] = tool_group(prov, names[i]))) {
                fprintf(stderr, "lucidtls: unknown group '%s'\n", names[i]);
                return -1;
            }
        if (n < 0) {
            fprintf(stderr, "lucidtls: bad --groups list '%s'\n", o->groups);
            return -1;
        }
        cfg.groups = groups;
        cfg.group_count = (size_t)n;
    }
    if (o->ciphers) {
        int n = tool_split(o->ciphers, ciphers_buf, sizeof ciphers_buf, names, MAX_LIST);
        for (int i = 0; i < n; i++)
            if (!(suites[i] = tool_suite(prov, names[i]))) {
                fprintf(stderr, "lucidtls: unknown cipher suite '%s'\n", names[i]);
                return -1;
            }
        if (n < 0) {
            fprintf(stderr, "lucidtls: bad --ciphers list '%s'\n", o->ciphers);
            return -1;
        }
        cfg.suites = suites;
        cfg.suite_count = (size_t)n;
    }
    if (o->verify_client) {
        if (!strcmp(o->verify_client, "none"))
            cfg.client_auth = LTLS_CLIENT_AUTH_NONE;
        else if (!strcmp(o->verify_client, "optional"))
            cfg.client_auth = LTLS_CLIENT_AUTH_OPTIONAL;
        else if (!strcmp(o->verify_client, "required"))
            cfg.client_auth = LTLS_CLIENT_AUTH_REQUIRED;
        else {
            fprintf(stderr, "lucidtls: --verify-client is none, optional or required\n");
            return -1;
        }
    }
    if (cfg.client_auth != LTLS_CLIENT_AUTH_NONE && !o->cafile_count) {
        fprintf(stderr, "lucidtls: --verify-client %s needs --cafile\n", o->verify_client);
        return -1;
    }
    if (o->cafile_count) {
        ltls_err_t err = ltls_trust_store_new(NULL, trust);
        for (int i = 0; !err && i < o->cafile_count; i++)
            if ((err = ltls_trust_store_add_file(*trust, o->cafiles[i], NULL)))
                tool_error(o->cafiles[i], err, NULL);
        if (err)
            return -1;
        cfg.trust = *trust;
    }
    tool_keylog_setup(&cfg);
    ltls_err_t err = ltls_server_context_new(&cfg, ctx);
    if (err) {
        tool_error("configuration", err, NULL);
        return -1;
    }
    return 0;
}

static int start_client(server_t *srv, int fd)
{
    job_t *j = calloc(1, sizeof *j);
    if (!j)
        return -1;
    j->srv = srv;
    j->fd = fd;
    uint16_t port = 0;
    char host[128];
    if (ltls_socket_fd_address(fd, 1, host, sizeof host, &port) == LTLS_OK)
        snprintf(j->peer, sizeof j->peer, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host,
                 (unsigned)port);
    else
        snprintf(j->peer, sizeof j->peer, "?");
    pthread_mutex_lock(&srv->lock);
    int slot = -1;
    for (int i = 0; i < MAX_CLIENTS && slot < 0; i++)
        if (srv->fds[i] < 0)
            slot = i;
    if (slot < 0) {
        pthread_mutex_unlock(&srv->lock);
        log_line("%s: refused: already %d clients", j->peer, MAX_CLIENTS);
        free(j);
        return -1;
    }
    srv->fds[slot] = fd;
    srv->active++;
    j->slot = slot;
    j->id = ++srv->next_id;
    pthread_mutex_unlock(&srv->lock);

    pthread_attr_t attr;
    pthread_t t;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, client_thread, j);
    pthread_attr_destroy(&attr);
    if (rc) {
        log_line("%s: no thread for it: %s", j->peer, strerror(rc));
        unregister_fd(j);
        release(j);
        return -1;
    }
    return 0;
}

static void accept_loop(server_t *srv, int lfd)
{
    for (;;) {
        struct pollfd p[2] = {{lfd, POLLIN, 0}, {stop_pipe[0], POLLIN, 0}};
        int n = poll(p, 2, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            log_line("lucidtls: poll: %s", strerror(errno));
            return;
        }
        if (p[1].revents)
            return;
        if (!(p[0].revents & POLLIN))
            continue;
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
                errno != ECONNABORTED) {
                log_line("lucidtls: accept: %s", strerror(errno));
                /* Out of descriptors and the like: breathe, do not spin. */
                struct timespec ts = {0, 100 * 1000 * 1000};
                nanosleep(&ts, NULL);
            }
            continue;
        }
        if (start_client(srv, fd))
            close(fd);
    }
}

int ltls_tool_server(int argc, char **argv)
{
    server_opts_t o;
    int bad = parse(argc, argv, &o);
    if (bad)
        return usage(bad > 0);

    ltls_provider_t *prov = NULL;
    ltls_err_t err = ltls_provider_new(tool_provider_name(), NULL, &prov);
    if (err) {
        tool_error("provider", err, NULL);
        return 1;
    }
    tool_chain_t chains[MAX_CHAINS];
    memset(chains, 0, sizeof chains);
    ltls_trust_store_t *trust = NULL;
    server_t srv;
    memset(&srv, 0, sizeof srv);
    pthread_mutex_init(&srv.lock, NULL);
    pthread_cond_init(&srv.idle, NULL);
    for (int i = 0; i < MAX_CLIENTS; i++)
        srv.fds[i] = -1;
    srv.mode = o.mode;
    srv.quiet = o.quiet;
    int rc = 1, lfd = -1;
    if (build_context(&o, prov, chains, &trust, &srv.ctx))
        goto done;

    char detail[512];
    err = ltls_socket_listen(o.host, o.port, 128, &lfd, detail, sizeof detail);
    if (err) {
        tool_error("listen", err, detail);
        goto done;
    }
    if (pipe(stop_pipe) < 0) {
        fprintf(stderr, "lucidtls: pipe: %s\n", strerror(errno));
        goto done;
    }
    (void)fcntl(stop_pipe[1], F_SETFL, fcntl(stop_pipe[1], F_GETFL) | O_NONBLOCK);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    char host[128];
    uint16_t port = 0;
    if (ltls_socket_fd_address(lfd, 0, host, sizeof host, &port) != LTLS_OK)
        snprintf(host, sizeof host, "%s", o.host);
    printf(strchr(host, ':') ? "listening on [%s]:%u\n" : "listening on %s:%u\n", host,
           (unsigned)port);
    fflush(stdout);

    accept_loop(&srv, lfd);

    close(lfd);
    lfd = -1;
    pthread_mutex_lock(&srv.lock);
    if (srv.active && !o.quiet)
        log_line("stopping: closing %d connection(s)", srv.active);
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (srv.fds[i] >= 0)
            shutdown(srv.fds[i], SHUT_RDWR);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += STOP_WAIT_S;
    while (srv.active > 0)
        if (pthread_cond_timedwait(&srv.idle, &srv.lock, &until) == ETIMEDOUT)
            break;
    int left = srv.active;
    pthread_mutex_unlock(&srv.lock);
    if (left) {
        /* Threads still inside the library: leave the process to the OS
         * rather than free what they use. */
        log_line("stopped (%d connection(s) abandoned)", left);
        fflush(stderr);
        _exit(0);
    }
    if (!o.quiet)
        log_line("stopped");
    rc = 0;
done:
    if (lfd >= 0)
        close(lfd);
    ltls_context_unref(srv.ctx);
    for (int i = 0; i < MAX_CHAINS; i++)
        tool_chain_free(&chains[i]);
    ltls_trust_store_unref(trust);
    tool_keylog_close();
    ltls_provider_free(prov);
    pthread_cond_destroy(&srv.idle);
    pthread_mutex_destroy(&srv.lock);
    return rc;
}
