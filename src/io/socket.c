/*
 * io/socket.c - the blocking TLS socket helper (lucidtls/socket.h).
 *
 * Theory of operation. One engine call at a time is made on the
 * connection, and after each one the same three-step rule of tls.h runs:
 * send what the connection has for the network, then look at the status:
 * WANT_WRITE loops (the output was just taken), WANT_READ receives once and
 * feeds what arrived, anything else is the answer. drive() is that loop; every
 * public operation (handshake, read, write, shutdown, key update) is one
 * engine call inside it.
 *
 * The descriptor is always non-blocking and every wait is a poll() bounded
 * by the call's deadline, which is what makes timeouts exact and lets a
 * zero timeout mean "never wait" (WANT_READ/WANT_WRITE are handed back to the
 * caller instead of waited for). Bytes received but not yet accepted by
 * ltls_conn_feed() stay in the socket's own buffer and are fed before the
 * next recv(), so a full input buffer in the engine never loses data.
 *
 * Errors of the network are the socket's own and sticky (except timeouts,
 * which leave everything consistent and may be retried); errors of TLS are
 * the connection's, which is sticky by itself. Either way, detail[] keeps
 * a sentence with the specifics for the caller's message.
 */
#include "lucidtls/socket.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"

#ifdef MSG_NOSIGNAL
#define SEND_FLAGS MSG_NOSIGNAL
#else
#define SEND_FLAGS 0
#endif

/* One TLS record at most (2^14 + 256 ciphertext + 5 header): larger reads
 * would sit in the buffer until the engine took them anyway. */
#define READ_SIZE (16384 + 256 + 5)

/* Numeric host and port text (POSIX has no NI_MAXHOST; an IPv6 literal
 * with a scope id fits easily). */
#define ADDR_TEXT 128
#define PORT_TEXT 16

/* A close_notify on close must not hang on a dead peer with no timeout. */
#define CLOSE_TIMEOUT_MS 2000

struct ltls_socket {
    ltls_conn_t *conn;
    int fd;
    int timeout_ms;
    int eof;          /* EOF was fed to the connection */
    int shut;         /* close_notify was queued */
    ltls_err_t err;   /* sticky network error */
    size_t in_off, in_len; /* received, not yet fed */
    char detail[320];
    uint8_t in[READ_SIZE];
};

typedef struct deadline {
    int infinite, nowait;
    struct timespec at;
} deadline_t;

enum op { OP_HANDSHAKE, OP_READ, OP_WRITE, OP_SHUTDOWN, OP_KEY_UPDATE };

static void put_detail(char *buf, size_t cap, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void put_detail(char *buf, size_t cap, const char *fmt, ...)
{
    if (!buf || !cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
}

/* ---------------------------------------------------------------------------
 * Deadlines
 * ------------------------------------------------------------------------- */

static deadline_t deadline_start(int timeout_ms)
{
    deadline_t d;
    memset(&d, 0, sizeof d);
    d.infinite = timeout_ms < 0;
    d.nowait = timeout_ms == 0;
    if (timeout_ms > 0) {
        clock_gettime(CLOCK_MONOTONIC, &d.at);
        d.at.tv_sec += timeout_ms / 1000;
        d.at.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (d.at.tv_nsec >= 1000000000L) {
            d.at.tv_sec++;
            d.at.tv_nsec -= 1000000000L;
        }
    }
    return d;
}

/* Milliseconds left, rounded up so that poll() never wakes early; 0 when
 * expired; -1 for no limit. */
static int deadline_left(const deadline_t *d)
{
    if (d->infinite)
        return -1;
    if (d->nowait)
        return 0;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t ns = (int64_t)(d->at.tv_sec - now.tv_sec) * 1000000000 + (d->at.tv_nsec - now.tv_nsec);
    if (ns <= 0)
        return 0;
    int64_t ms = (ns + 999999) / 1000000;
    return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

/* Waits for events on fd: OK when ready, WANT_READ/WANT_WRITE with a zero
 * timeout, SOCKET_TIMEOUT, or SOCKET_IO with errno's text in detail. */
static ltls_err_t wait_fd(int fd, short events, const deadline_t *d, char *detail, size_t cap)
{
    if (d->nowait)
        return ltls_err_make(events & POLLOUT ? LTLS_R_WANT_WRITE : LTLS_R_WANT_READ);
    for (;;) {
        int left = deadline_left(d);
        if (left == 0) {
            put_detail(detail, cap, "timed out waiting for the peer");
            return ltls_err_make(LTLS_R_SOCKET_TIMEOUT);
        }
        struct pollfd p = {fd, events, 0};
        int n = poll(&p, 1, left);
        if (n > 0)
            return LTLS_OK; /* errors and hang-ups show in the recv/send that follows */
        if (n < 0 && errno != EINTR) {
            put_detail(detail, cap, "poll: %s", strerror(errno));
            return ltls_err_make(LTLS_R_SOCKET_IO);
        }
    }
}

/* ---------------------------------------------------------------------------
 * Descriptors
 * ------------------------------------------------------------------------- */

static int set_flags(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -1;
    int fd_fl = fcntl(fd, F_GETFD);
    if (fd_fl < 0 || fcntl(fd, F_SETFD, fd_fl | FD_CLOEXEC) < 0)
        return -1;
#ifdef SO_NOSIGPIPE
    int one = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
    return 0;
}

static void set_nodelay(int fd)
{
    /* The handshake is a few small flights; Nagle would hold each one back
     * waiting for an ACK. Failure (a non-TCP socket) is harmless. */
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void format_addr(const struct sockaddr *sa, socklen_t len, char *buf, size_t cap)
{
    char host[ADDR_TEXT], serv[PORT_TEXT];
    if (getnameinfo(sa, len, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
        snprintf(buf, cap, "(unknown address)");
    else
        snprintf(buf, cap, "%s port %s", host, serv);
}

static ltls_err_t resolve(const char *host, const char *port, int passive, struct addrinfo **res,
                          char *detail, size_t cap)
{
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = passive ? AI_PASSIVE : 0;
    int rc = getaddrinfo(host, port, &hints, res);
    if (rc != 0) {
        put_detail(detail, cap, "%s port %s: %s", host ? host : "*", port,
                   rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
        return ltls_err_make(LTLS_R_RESOLVE);
    }
    return LTLS_OK;
}

ltls_err_t ltls_socket_dial(const char *host, const char *port, int timeout_ms, int *fd,
                            char *detail, size_t cap)
{
    if (!host || !port || !fd)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    *fd = -1;
    put_detail(detail, cap, "%s", "");
    deadline_t d = deadline_start(timeout_ms);
    d.nowait = 0; /* a zero timeout means non-blocking I/O later, not "fail now" */
    d.infinite = timeout_ms <= 0;
    struct addrinfo *res = NULL;
    ltls_err_t err = resolve(host, port, 0, &res, detail, cap);
    if (err)
        return err;
    err = ltls_err_make(LTLS_R_CONNECT);
    put_detail(detail, cap, "%s port %s: no address to connect to", host, port);
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        char where[ADDR_TEXT + PORT_TEXT + 8];
        format_addr(ai->ai_addr, ai->ai_addrlen, where, sizeof where);
        int s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (s < 0) {
            put_detail(detail, cap, "socket for %s: %s", where, strerror(errno));
            continue;
        }
        int soerr = 0;
        if (set_flags(s) < 0) {
            soerr = errno;
        } else if (connect(s, ai->ai_addr, ai->ai_addrlen) < 0) {
            soerr = errno;
            if (soerr == EINPROGRESS || soerr == EINTR) {
                ltls_err_t w = wait_fd(s, POLLOUT, &d, NULL, 0);
                socklen_t sl = sizeof soerr;
                if (w) {
                    close(s);
                    put_detail(detail, cap, "connect to %s: %s", where,
                               ltls_err_reason(w) == LTLS_R_SOCKET_TIMEOUT ? "timed out"
                                                                           : "poll failed");
                    err = w;
                    break; /* the deadline covers every address */
                }
                if (getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
                    soerr = errno;
            }
        }
        if (soerr) {
            put_detail(detail, cap, "connect to %s: %s", where, strerror(soerr));
            close(s);
            continue;
        }
        set_nodelay(s);
        *fd = s;
        err = LTLS_OK;
        put_detail(detail, cap, "%s", "");
        break;
    }
    freeaddrinfo(res);
    return err;
}

ltls_err_t ltls_socket_listen(const char *host, const char *port, int backlog, int *fd,
                              char *detail, size_t cap)
{
    if (!port || !fd)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    *fd = -1;
    put_detail(detail, cap, "%s", "");
    struct addrinfo *res = NULL;
    ltls_err_t err = resolve(host, port, 1, &res, detail, cap);
    if (err)
        return err;
    err = ltls_err_make(LTLS_R_SOCKET_IO);
    put_detail(detail, cap, "%s port %s: no address to listen on", host ? host : "*", port);
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        char where[ADDR_TEXT + PORT_TEXT + 8];
        format_addr(ai->ai_addr, ai->ai_addrlen, where, sizeof where);
        int s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (s < 0) {
            put_detail(detail, cap, "socket for %s: %s", where, strerror(errno));
            continue;
        }
        int one = 1;
        (void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        const char *what = "fcntl";
        if (set_flags(s) == 0 && (what = "bind", bind(s, ai->ai_addr, ai->ai_addrlen) == 0) &&
            (what = "listen", listen(s, backlog > 0 ? backlog : 64) == 0)) {
            *fd = s;
            err = LTLS_OK;
            put_detail(detail, cap, "%s", "");
            break;
        }
        put_detail(detail, cap, "%s %s: %s", what, where, strerror(errno));
        close(s);
    }
    freeaddrinfo(res);
    return err;
}

ltls_err_t ltls_socket_fd_address(int fd, int peer, char *host, size_t host_cap, uint16_t *port)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int rc = peer ? getpeername(fd, (struct sockaddr *)&ss, &len)
                  : getsockname(fd, (struct sockaddr *)&ss, &len);
    if (rc < 0)
        return ltls_err_make(LTLS_R_SOCKET_IO);
    char h[ADDR_TEXT], serv[PORT_TEXT];
    if (getnameinfo((struct sockaddr *)&ss, len, h, sizeof h, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
        return ltls_err_make(LTLS_R_SOCKET_IO);
    if (host) {
        if (strlen(h) >= host_cap)
            return ltls_err_make(LTLS_R_BUFFER_TOO_SMALL);
        memcpy(host, h, strlen(h) + 1);
    }
    if (port)
        *port = (uint16_t)strtoul(serv, NULL, 10);
    return LTLS_OK;
}

/* ---------------------------------------------------------------------------
 * Moving bytes
 * ------------------------------------------------------------------------- */

static ltls_err_t net_fail(ltls_socket_t *s, ltls_err_t e)
{
    /* Timeouts leave the connection consistent (nothing was lost: unsent
     * bytes are still in the connection, unfed ones in in[]): retryable. */
    if (ltls_err_reason(e) != LTLS_R_SOCKET_TIMEOUT && ltls_err_class(e) != LTLS_ECLASS_WANT_IO)
        s->err = e;
    return e;
}

/* Sends everything the connection has queued for the network. */
static ltls_err_t flush(ltls_socket_t *s, const deadline_t *d)
{
    for (;;) {
        size_t len = 0;
        const uint8_t *p = ltls_conn_outgoing(s->conn, &len);
        if (!len)
            return LTLS_OK;
        ssize_t n = send(s->fd, p, len, SEND_FLAGS);
        if (n > 0) {
            ltls_conn_outgoing_consume(s->conn, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            ltls_err_t e = wait_fd(s->fd, POLLOUT, d, s->detail, sizeof s->detail);
            if (e)
                return net_fail(s, e);
            continue;
        }
        put_detail(s->detail, sizeof s->detail, "send: %s",
                   n < 0 ? strerror(errno) : "no progress");
        return net_fail(s, ltls_err_make(LTLS_R_SOCKET_IO));
    }
}

/* Gives the connection more input: first what an earlier recv() left over,
 * else one recv() (waiting for it), else the transport's EOF. */
static ltls_err_t fill(ltls_socket_t *s, const deadline_t *d)
{
    if (s->in_len) {
        size_t used = 0;
        ltls_err_t e = ltls_conn_feed(s->conn, s->in + s->in_off, s->in_len, &used);
        if (e)
            return e;
        if (!used) {
            /* The engine asks for input it has no room for: a bug in the
             * engine, reported rather than spun on. */
            put_detail(s->detail, sizeof s->detail,
                       "the connection wants input but accepts none (%zu bytes waiting)",
                       s->in_len);
            return net_fail(s, ltls_err_make(LTLS_R_INTERNAL));
        }
        s->in_off += used;
        s->in_len -= used;
        return LTLS_OK;
    }
    if (s->eof)
        return ltls_err_make(LTLS_R_RAGGED_EOF); /* asked again after EOF: the end */
    for (;;) {
        ssize_t n = recv(s->fd, s->in, sizeof s->in, 0);
        if (n > 0) {
            s->in_off = 0;
            s->in_len = (size_t)n;
            return fill(s, d);
        }
        if (n == 0) {
            s->eof = 1;
            ltls_conn_feed_eof(s->conn);
            return LTLS_OK;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            ltls_err_t e = wait_fd(s->fd, POLLIN, d, s->detail, sizeof s->detail);
            if (e)
                return net_fail(s, e);
            continue;
        }
        put_detail(s->detail, sizeof s->detail, "recv: %s", strerror(errno));
        return net_fail(s, ltls_err_make(LTLS_R_SOCKET_IO));
    }
}

static void conn_detail(ltls_socket_t *s, ltls_err_t e)
{
    const char *d = ltls_conn_error_detail(s->conn);
    if (d && *d)
        put_detail(s->detail, sizeof s->detail, "%s", d);
    else
        put_detail(s->detail, sizeof s->detail, "%s", ltls_err_message(e));
}

/* One engine call under the tls.h rule, repeated until it has an answer. */
static ltls_err_t drive(ltls_socket_t *s, enum op op, const uint8_t *wbuf, uint8_t *rbuf,
                        size_t len, size_t *n, int arg, const deadline_t *d)
{
    if (s->err)
        return s->err;
    for (;;) {
        ltls_err_t e = LTLS_OK;
        size_t k = 0;
        switch (op) {
        case OP_HANDSHAKE: e = ltls_conn_handshake(s->conn); break;
        case OP_READ: e = ltls_conn_read(s->conn, rbuf, len, &k); break;
        case OP_WRITE: e = ltls_conn_write(s->conn, wbuf, len, &k); break;
        case OP_SHUTDOWN: e = ltls_conn_shutdown(s->conn); break;
        case OP_KEY_UPDATE: e = ltls_conn_key_update(s->conn, arg); break;
        }
        if (n)
            *n = k;
        ltls_reason_t r = ltls_err_reason(e);
        ltls_err_t fe = flush(s, d);
        int want = ltls_err_class(e) == LTLS_ECLASS_WANT_IO;
        if (!e && (op == OP_READ || op == OP_WRITE) && k == 0 && len > 0) {
            /* OK without progress: treat as the wait it is. */
            want = 1;
            r = op == OP_READ ? LTLS_R_WANT_READ : LTLS_R_WANT_WRITE;
        }
        if (!want) {
            if (e) {
                if (r != LTLS_R_CLOSED && r != LTLS_R_RAGGED_EOF)
                    conn_detail(s, e);
                return e; /* the alert, if any, went out with the flush */
            }
            /* Done; output that could not be sent yet (non-blocking mode)
             * stays queued for the next call or ltls_socket_flush(). */
            if (fe && ltls_err_class(fe) != LTLS_ECLASS_WANT_IO)
                return fe;
            return LTLS_OK;
        }
        if (fe)
            return fe;
        if (r == LTLS_R_WANT_WRITE)
            continue; /* flushed: try again */
        ltls_err_t ie = fill(s, d);
        if (ie)
            return ie;
    }
}

/* ---------------------------------------------------------------------------
 * The socket
 * ------------------------------------------------------------------------- */

ltls_err_t ltls_socket_new(ltls_context_t *ctx, int fd, const char *server_name, int timeout_ms,
                           ltls_socket_t **out)
{
    if (!out)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    *out = NULL;
    if (!ctx)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if (fd < 0)
        return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    if (set_flags(fd) < 0)
        return ltls_err_make(LTLS_R_SOCKET_IO);
    ltls_socket_t *s = ltls_alloc(NULL, sizeof *s);
    if (!s)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    ltls_err_t err = ltls_conn_new(ctx, server_name, &s->conn);
    if (err) {
        ltls_free(NULL, s, sizeof *s);
        return err;
    }
    s->fd = fd;
    s->timeout_ms = timeout_ms;
    *out = s;
    return LTLS_OK;
}

ltls_err_t ltls_socket_handshake(ltls_socket_t *s)
{
    if (!s)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if (ltls_conn_handshake_done(s->conn))
        return s->err;
    deadline_t d = deadline_start(s->timeout_ms);
    return drive(s, OP_HANDSHAKE, NULL, NULL, 0, NULL, 0, &d);
}

ltls_err_t ltls_socket_connect(ltls_context_t *ctx, const char *host, const char *port,
                               const char *server_name, int timeout_ms, ltls_socket_t **out,
                               char *detail, size_t cap)
{
    if (!out)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    *out = NULL;
    if (!ctx || !host || !port)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    deadline_t d = deadline_start(timeout_ms);
    int fd;
    ltls_err_t err = ltls_socket_dial(host, port, timeout_ms, &fd, detail, cap);
    if (err)
        return err;
    ltls_socket_t *s;
    err = ltls_socket_new(ctx, fd, server_name ? server_name : host, timeout_ms, &s);
    if (err) {
        put_detail(detail, cap, "%s", ltls_err_message(err));
        close(fd);
        return err;
    }
    /* The handshake gets what is left of the one deadline; a zero timeout
     * (non-blocking use afterwards) still waits for the handshake. */
    if (timeout_ms > 0) {
        int left = deadline_left(&d);
        s->timeout_ms = left ? left : 1;
    } else {
        s->timeout_ms = -1;
    }
    err = ltls_socket_handshake(s);
    s->timeout_ms = timeout_ms;
    if (err) {
        put_detail(detail, cap, "%s", s->detail);
        ltls_socket_close(s, 1);
        return err;
    }
    *out = s;
    return LTLS_OK;
}

ltls_err_t ltls_socket_accept(ltls_context_t *ctx, int listen_fd, int timeout_ms,
                              ltls_socket_t **out, char *detail, size_t cap)
{
    if (!out)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    *out = NULL;
    if (!ctx)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    put_detail(detail, cap, "%s", "");
    deadline_t d = deadline_start(timeout_ms);
    d.nowait = 0;
    d.infinite = timeout_ms <= 0;
    int fd;
    for (;;) {
        /* Wait first when a deadline is set: on a blocking listener accept()
         * itself would ignore the timeout. */
        if (!d.infinite) {
            ltls_err_t w = wait_fd(listen_fd, POLLIN, &d, detail, cap);
            if (w)
                return w;
        }
        fd = accept(listen_fd, NULL, NULL);
        if (fd >= 0)
            break;
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            put_detail(detail, cap, "accept: %s", strerror(errno));
            return ltls_err_make(LTLS_R_SOCKET_IO);
        }
        ltls_err_t w = wait_fd(listen_fd, POLLIN, &d, detail, cap);
        if (w)
            return w;
    }
    set_nodelay(fd);
    ltls_socket_t *s;
    ltls_err_t err = ltls_socket_new(ctx, fd, NULL, timeout_ms ? timeout_ms : -1, &s);
    if (err) {
        put_detail(detail, cap, "%s", ltls_err_message(err));
        close(fd);
        return err;
    }
    err = ltls_socket_handshake(s);
    s->timeout_ms = timeout_ms;
    if (err) {
        put_detail(detail, cap, "%s", s->detail);
        ltls_socket_close(s, 1);
        return err;
    }
    *out = s;
    return LTLS_OK;
}

ltls_err_t ltls_socket_send(ltls_socket_t *s, const uint8_t *buf, size_t len, size_t *sent)
{
    if (sent)
        *sent = 0;
    if (!s || (!buf && len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    ltls_err_t err = ltls_socket_handshake(s);
    if (err)
        return err;
    deadline_t d = deadline_start(s->timeout_ms);
    size_t off = 0;
    while (off < len) {
        size_t k = 0;
        err = drive(s, OP_WRITE, buf + off, NULL, len - off, &k, 0, &d);
        off += k;
        if (sent)
            *sent = off;
        if (err)
            return err;
    }
    /* Records the engine accepted but the network did not take yet. */
    err = flush(s, &d);
    return err;
}

ltls_err_t ltls_socket_recv(ltls_socket_t *s, uint8_t *buf, size_t cap, size_t *n)
{
    if (n)
        *n = 0;
    if (!s || !buf || !n)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if (!cap)
        return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    ltls_err_t err = ltls_socket_handshake(s);
    if (err)
        return err;
    deadline_t d = deadline_start(s->timeout_ms);
    return drive(s, OP_READ, NULL, buf, cap, n, 0, &d);
}

ltls_err_t ltls_socket_shutdown(ltls_socket_t *s)
{
    if (!s)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    deadline_t d = deadline_start(s->timeout_ms);
    if (s->shut) /* already queued: just finish sending it */
        return s->err ? s->err : flush(s, &d);
    s->shut = 1;
    return drive(s, OP_SHUTDOWN, NULL, NULL, 0, NULL, 0, &d);
}

ltls_err_t ltls_socket_key_update(ltls_socket_t *s, int request_peer)
{
    if (!s)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    ltls_err_t err = ltls_socket_handshake(s);
    if (err)
        return err;
    deadline_t d = deadline_start(s->timeout_ms);
    return drive(s, OP_KEY_UPDATE, NULL, NULL, 0, NULL, request_peer, &d);
}

ltls_err_t ltls_socket_flush(ltls_socket_t *s)
{
    if (!s)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if (s->err)
        return s->err;
    deadline_t d = deadline_start(s->timeout_ms);
    return flush(s, &d);
}

void ltls_socket_close(ltls_socket_t *s, int force)
{
    if (!s)
        return;
    /* A last, bounded wait, also in non-blocking mode: the close_notify
     * is the one thing left to do and nobody will call again. */
    if (s->timeout_ms <= 0 || s->timeout_ms > CLOSE_TIMEOUT_MS)
        s->timeout_ms = CLOSE_TIMEOUT_MS;
    ltls_err_t ce = ltls_conn_error(s->conn);
    if (!force && !s->err && !s->shut && ltls_conn_handshake_done(s->conn) &&
        (ce == LTLS_OK || ltls_err_reason(ce) == LTLS_R_CLOSED))
        (void)ltls_socket_shutdown(s);
    else if (!force && !s->err && s->shut)
        (void)ltls_socket_flush(s); /* a close_notify queued in non-blocking mode */
    close(s->fd);
    ltls_conn_free(s->conn);
    ltls_free(NULL, s, sizeof *s);
}

void ltls_socket_set_timeout(ltls_socket_t *s, int timeout_ms)
{
    if (s)
        s->timeout_ms = timeout_ms;
}

int ltls_socket_timeout(const ltls_socket_t *s) { return s ? s->timeout_ms : -1; }

ltls_conn_t *ltls_socket_conn(const ltls_socket_t *s) { return s ? s->conn : NULL; }

int ltls_socket_fd(const ltls_socket_t *s) { return s ? s->fd : -1; }

ltls_err_t ltls_socket_error(const ltls_socket_t *s)
{
    if (!s)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    return s->err ? s->err : ltls_conn_error(s->conn);
}

const char *ltls_socket_error_detail(const ltls_socket_t *s) { return s ? s->detail : ""; }

ltls_err_t ltls_socket_local_address(const ltls_socket_t *s, char *host, size_t host_cap,
                                     uint16_t *port)
{
    if (!s)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    return ltls_socket_fd_address(s->fd, 0, host, host_cap, port);
}

ltls_err_t ltls_socket_peer_address(const ltls_socket_t *s, char *host, size_t host_cap,
                                    uint16_t *port)
{
    if (!s)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    return ltls_socket_fd_address(s->fd, 1, host, host_cap, port);
}
