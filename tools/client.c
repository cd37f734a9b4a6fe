/*
 * tools/client.c - `lucidtls client HOST:PORT [options]`, an s_client.
 *
 * Theory of operation: connect and handshake through the socket helper
 * with a deadline, print what was negotiated to stderr, then shuttle bytes
 * with one poll() over stdin and the socket. The socket runs in its
 * non-blocking mode (timeout 0) while shuttling, so a record that has only
 * partly arrived never stalls stdin; sends switch back to a bounded
 * blocking timeout because a send must finish whole. stdin's EOF sends
 * close_notify and reading goes on until the server closes (half-close),
 * which is what lets `echo GET / | lucidtls client` print the whole answer.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lucidtls/insecure.h"
#include "tool.h"

#define MAX_LIST 16

/* --help prints to stdout and succeeds; a usage error goes to stderr, exit 2. */
static int usage(int help)
{
    fprintf(help ? stdout : stderr,
            "usage: lucidtls client HOST:PORT [options]\n"
            "  --servername NAME     name to verify and send as SNI (default: HOST)\n"
            "  --cafile FILE         trust the CA certificates in FILE (repeatable)\n"
            "  --system              trust the system's CA store (default without --cafile)\n"
            "  --alpn P1,P2          offer these ALPN protocols\n"
            "  --cert FILE --key FILE  client certificate chain and key\n"
            "  --groups G1,G2        key-exchange groups in order (e.g. x25519,secp256r1)\n"
            "  --ciphers S1,S2       TLS 1.3 cipher suites in order\n"
            "  --insecure            do NOT verify the server's certificate\n"
            "  --keyupdate           send a KeyUpdate after the handshake\n"
            "  --timeout SECONDS     give up on connect+handshake, or on silence, after this\n"
            "  --quiet               do not print the handshake summary\n"
            "SSLKEYLOGFILE=path appends the session secrets (NSS key-log format).\n"
            "LTLS_PROVIDER=NAME picks the crypto provider (`lucidtls version` lists them).\n");
    return help ? 0 : 2;
}

typedef struct {
    const char *target, *servername, *alpn, *cert, *key, *groups, *ciphers;
    const char *cafiles[MAX_LIST];
    int cafile_count, system, insecure, keyupdate, quiet;
    int timeout_ms; /* connect + handshake, and the longest silence after (if set) */
    int idle_ms;
} client_opts_t;

static int parse(int argc, char **argv, client_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->timeout_ms = 30000;
    o->idle_ms = -1;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int r;
        const char *a = argv[i];
#define OPT(name, field)                                            \
    if ((r = tool_opt(argc, argv, &i, name, &v)) != 0) {            \
        if (r < 0)                                                  \
            return -1;                                              \
        o->field = v;                                               \
        continue;                                                   \
    }
        OPT("--servername", servername)
        OPT("--alpn", alpn)
        OPT("--cert", cert)
        OPT("--key", key)
        OPT("--groups", groups)
        OPT("--ciphers", ciphers)
#undef OPT
        if ((r = tool_opt(argc, argv, &i, "--cafile", &v)) != 0) {
            if (r < 0)
                return -1;
            if (o->cafile_count == MAX_LIST) {
                fprintf(stderr, "lucidtls: at most %d --cafile\n", MAX_LIST);
                return -1;
            }
            o->cafiles[o->cafile_count++] = v;
            continue;
        }
        if ((r = tool_opt(argc, argv, &i, "--timeout", &v)) != 0) {
            char *end;
            double s = r > 0 ? strtod(v, &end) : -1;
            if (r < 0 || *end || s <= 0 || s > 86400) {
                fprintf(stderr, "lucidtls: --timeout wants seconds (0 < s <= 86400)\n");
                return -1;
            }
            o->timeout_ms = o->idle_ms = (int)(s * 1000);
            if (!o->timeout_ms)
                o->timeout_ms = o->idle_ms = 1;
            continue;
        }
        if (strcmp(a, "--system") == 0)
            o->system = 1;
        else if (strcmp(a, "--insecure") == 0)
            o->insecure = 1;
        else if (strcmp(a, "--keyupdate") == 0)
            o->keyupdate = 1;
        else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0)
            o->quiet = 1;
        else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            return 1;
        else if (a[0] == '-') {
            fprintf(stderr, "lucidtls: unknown option '%s'\n", a);
            return -1;
        } else if (!o->target)
            o->target = a;
        else {
            fprintf(stderr, "lucidtls: unexpected argument '%s'\n", a);
            return -1;
        }
    }
    if (!o->target) {
        fprintf(stderr, "lucidtls: client needs HOST:PORT\n");
        return -1;
    }
    if (!o->cert != !o->key) {
        fprintf(stderr, "lucidtls: --cert and --key go together\n");
        return -1;
    }
    if (!o->cafile_count && !o->insecure)
        o->system = 1;
    return 0;
}

/* Writes all of buf to fd 1. */
static int write_out(const uint8_t *buf, size_t len)
{
    while (len) {
        ssize_t n = write(STDOUT_FILENO, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static int is_want(ltls_err_t e)
{
    return ltls_err_class(e) == LTLS_ECLASS_WANT_IO;
}

/* Everything after the handshake: 0 for a clean end, 1 otherwise. The
 * socket stays non-blocking throughout; a chunk of stdin is kept until the
 * connection has taken all of it, and stdin is not read meanwhile, so a
 * peer that is slow to read only slows us down. Sending never blocks
 * reading: an echo server whose answers fill our receive window cannot
 * deadlock against our own large send. */
static int shuttle(ltls_socket_t *s, const client_opts_t *o)
{
    static uint8_t in[16384], out[16384];
    size_t in_off = 0, in_len = 0;
    int stdin_open = 1, sent_close = 0;
    ltls_conn_t *conn = ltls_socket_conn(s);
    ltls_socket_set_timeout(s, 0);
    for (;;) {
        /* What the connection has for stdout, without waiting. */
        for (;;) {
            size_t n = 0;
            ltls_err_t e = ltls_socket_recv(s, out, sizeof out, &n);
            if (e == LTLS_OK) {
                if (write_out(out, n)) {
                    fprintf(stderr, "lucidtls: stdout: %s\n", strerror(errno));
                    return 1;
                }
                continue;
            }
            if (is_want(e))
                break;
            ltls_reason_t r = ltls_err_reason(e);
            if (r == LTLS_R_CLOSED) {
                if (!o->quiet)
                    fprintf(stderr, "lucidtls: the server closed the connection (close_notify)\n");
                return 0; /* closing the socket answers with our close_notify */
            }
            if (r == LTLS_R_RAGGED_EOF) {
                fprintf(stderr, "lucidtls: warning: %s\n", ltls_err_message(e));
                return sent_close ? 0 : 1;
            }
            tool_error("connection failed", e, ltls_socket_error_detail(s));
            return 1;
        }
        /* stdin's pending chunk, then its EOF, to the connection. */
        if (in_len) {
            size_t k = 0;
            ltls_err_t e = ltls_socket_send(s, in + in_off, in_len, &k);
            in_off += k;
            in_len -= k;
            if (e && !is_want(e)) {
                tool_error("send", e, ltls_socket_error_detail(s));
                return 1;
            }
        }
        if (!in_len && !stdin_open && !sent_close) {
            /* EOF on stdin: say we are done; keep reading until the server is. */
            sent_close = 1;
            ltls_err_t e = ltls_socket_shutdown(s);
            if (e && !is_want(e)) {
                tool_error("close_notify", e, ltls_socket_error_detail(s));
                return 1;
            }
        }
        struct pollfd p[2];
        p[0].fd = ltls_socket_fd(s);
        p[0].events = POLLIN;
        if (in_len || ltls_conn_outgoing_buffered(conn))
            p[0].events |= POLLOUT;
        p[0].revents = 0;
        p[1].fd = stdin_open && !in_len ? STDIN_FILENO : -1;
        p[1].events = POLLIN;
        p[1].revents = 0;
        int n = poll(p, 2, o->idle_ms);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "lucidtls: poll: %s\n", strerror(errno));
            return 1;
        }
        if (n == 0) {
            fprintf(stderr, "lucidtls: nothing happened for %d ms: giving up\n", o->idle_ms);
            return 1;
        }
        if (p[0].revents & POLLOUT) {
            ltls_err_t e = ltls_socket_flush(s);
            if (e && !is_want(e)) {
                tool_error("send", e, ltls_socket_error_detail(s));
                return 1;
            }
        }
        if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t r = read(STDIN_FILENO, in, sizeof in);
            if (r < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (r <= 0) {
                if (r < 0)
                    fprintf(stderr, "lucidtls: stdin: %s\n", strerror(errno));
                stdin_open = 0;
            } else {
                in_off = 0;
                in_len = (size_t)r;
            }
        }
    }
}

static int build_context(const client_opts_t *o, const ltls_provider_t *prov,
                         ltls_trust_store_t **trust, tool_chain_t *chain, ltls_context_t **ctx)
{
    static char alpn_buf[512], groups_buf[256], ciphers_buf[512];
    static const char *alpn[MAX_LIST], *group_names[MAX_LIST], *suite_names[MAX_LIST];
    static const ltls_group_t *groups[MAX_LIST];
    static const ltls_suite_t *suites[MAX_LIST];
    ltls_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.provider = prov;

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
        int n = tool_split(o->groups, groups_buf, sizeof groups_buf, group_names, MAX_LIST);
        if (n < 0) {
            fprintf(stderr, "lucidtls: bad --groups list '%s'\n", o->groups);
            return -1;
        }
        for (int i = 0; i < n; i++)
            if (!(groups[i] = tool_group(prov, group_names[i]))) {
                fprintf(stderr, "lucidtls: unknown group '%s'\n", group_names[i]);
                return -1;
            }
        cfg.groups = groups;
        cfg.group_count = (size_t)n;
    }
    if (o->ciphers) {
        int n = tool_split(o->ciphers, ciphers_buf, sizeof ciphers_buf, suite_names, MAX_LIST);
        if (n < 0) {
            fprintf(stderr, "lucidtls: bad --ciphers list '%s'\n", o->ciphers);
            return -1;
        }
        for (int i = 0; i < n; i++)
            if (!(suites[i] = tool_suite(prov, suite_names[i]))) {
                fprintf(stderr, "lucidtls: unknown cipher suite '%s'\n", suite_names[i]);
                return -1;
            }
        cfg.suites = suites;
        cfg.suite_count = (size_t)n;
    }

    ltls_err_t err = ltls_trust_store_new(NULL, trust);
    if (err) {
        tool_error("trust store", err, NULL);
        return -1;
    }
    for (int i = 0; i < o->cafile_count; i++) {
        size_t added = 0;
        err = ltls_trust_store_add_file(*trust, o->cafiles[i], &added);
        if (err) {
            tool_error(o->cafiles[i], err, NULL);
            return -1;
        }
    }
    if (o->system) {
        size_t added = 0;
        err = ltls_trust_store_add_system(*trust, &added);
        if (err && !o->insecure) {
            tool_error("system trust store", err, NULL);
            return -1;
        }
    }
    cfg.trust = *trust;

    if (o->cert) {
        if (tool_chain_load(prov, o->cert, o->key, chain))
            return -1;
        cfg.chains = &chain->chain;
        cfg.chain_count = 1;
    }
    tool_keylog_setup(&cfg);

    if (o->insecure) {
        fprintf(stderr,
                "lucidtls: WARNING: --insecure: the server's certificate is NOT verified.\n"
                "lucidtls: WARNING: anyone on the network path can read and change this "
                "connection.\n");
        if (!o->cafile_count && !o->system)
            cfg.trust = NULL;
        err = ltls_insecure_client_context_new(&cfg, LTLS_INSECURE_NO_VERIFY, ctx);
    } else {
        err = ltls_client_context_new(&cfg, ctx);
    }
    if (err) {
        tool_error("configuration", err, NULL);
        return -1;
    }
    return 0;
}

int ltls_tool_client(int argc, char **argv)
{
    client_opts_t o;
    int bad = parse(argc, argv, &o);
    if (bad)
        return usage(bad > 0);
    char host[256], port[32];
    if (tool_hostport(o.target, host, sizeof host, port, sizeof port)) {
        fprintf(stderr, "lucidtls: '%s' is not HOST:PORT (IPv6: [::1]:443)\n", o.target);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);

    ltls_provider_t *prov = NULL;
    ltls_err_t err = ltls_provider_new(tool_provider_name(), NULL, &prov);
    if (err) {
        tool_error("provider", err, NULL);
        return 1;
    }
    ltls_trust_store_t *trust = NULL;
    tool_chain_t chain;
    memset(&chain, 0, sizeof chain);
    ltls_context_t *ctx = NULL;
    ltls_socket_t *s = NULL;
    int rc = 1;
    if (build_context(&o, prov, &trust, &chain, &ctx))
        goto done;

    const char *name = o.servername ? o.servername : host;
    char detail[512];
    double t0 = tool_now();
    /* Even an insecure client sends SNI: the server may need it to choose
     * a certificate. */
    err = ltls_socket_connect(ctx, host, port, name, o.timeout_ms, &s, detail, sizeof detail);
    if (err) {
        char what[400];
        snprintf(what, sizeof what, "%s port %s", host, port);
        tool_error(what, err, detail);
        goto done;
    }
    double t1 = tool_now();
    if (!o.quiet) {
        char addr[128];
        uint16_t pn = 0;
        if (ltls_socket_peer_address(s, addr, sizeof addr, &pn) != LTLS_OK)
            snprintf(addr, sizeof addr, "?");
        fprintf(stderr, "lucidtls: connected to %s (%s port %u) in %.1f ms\n", o.target, addr,
                (unsigned)pn, (t1 - t0) * 1000);
        tool_print_conn(stderr, "  ", ltls_socket_conn(s), prov, o.insecure ? NULL : trust,
                        name, LTLS_PURPOSE_SERVER_AUTH);
        fflush(stderr);
    }
    if (o.keyupdate) {
        err = ltls_socket_key_update(s, 1);
        if (err) {
            tool_error("key update", err, ltls_socket_error_detail(s));
            goto done;
        }
        if (!o.quiet)
            fprintf(stderr, "lucidtls: sent KeyUpdate (update_requested)\n");
    }
    rc = shuttle(s, &o);
done:
    ltls_socket_close(s, rc != 0);
    ltls_context_unref(ctx);
    tool_chain_free(&chain);
    ltls_trust_store_unref(trust);
    tool_keylog_close();
    ltls_provider_free(prov);
    return rc;
}
