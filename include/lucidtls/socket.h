/*
 * lucidtls/socket.h - a blocking TLS socket over one connection (PEP 748's
 * TLSSocket), for tools, tests and applications that want sockets rather
 * than the sans-I/O ltls_conn_t.
 *
 * This is the only part of lucidtls that touches the network. It owns a TCP
 * socket and an ltls_conn_t and moves bytes between them following the rule
 * of tls.h: after every call on the connection its outgoing bytes are sent;
 * WANT_READ receives more; the peer's EOF is passed on with
 * ltls_conn_feed_eof().
 *
 * Timeouts. Each socket has one timeout in milliseconds, the longest one
 * call may block in total (connecting, a handshake, one send or recv):
 *   > 0  the call fails with LTLS_R_SOCKET_TIMEOUT when it runs out;
 *   < 0  no limit;
 *   0    non-blocking: a call that would wait returns LTLS_R_WANT_READ or
 *        LTLS_R_WANT_WRITE instead (whatever it did so far is kept: data
 *        fed to the connection stays there, outgoing bytes are sent by the
 *        next call), for callers that poll() ltls_socket_fd() themselves.
 * The descriptor is always in non-blocking mode internally.
 *
 * Errors are ltls_err_t values (error.h): those of the connection (a failed
 * handshake, a received alert, LTLS_R_CLOSED, LTLS_R_RAGGED_EOF) and of the
 * network: LTLS_R_RESOLVE (no address for the name), LTLS_R_CONNECT (every
 * address refused or unreachable), LTLS_R_SOCKET_IO (a system call failed;
 * the socket is then unusable), LTLS_R_SOCKET_TIMEOUT. A socket's errors are
 * sticky like a connection's. ltls_socket_error_detail() gives a sentence
 * with the specifics (the system's message, the address, the connection's
 * detail); functions that fail before a socket exists write it into an
 * optional caller buffer.
 *
 * Threads: a socket belongs to one thread at a time. SIGPIPE is never
 * raised where the system allows suppressing it per call (MSG_NOSIGNAL);
 * elsewhere the application should ignore SIGPIPE.
 */
#ifndef LUCIDTLS_SOCKET_H
#define LUCIDTLS_SOCKET_H

#include <stddef.h>
#include <stdint.h>

#include "lucidtls/error.h"
#include "lucidtls/export.h"
#include "lucidtls/tls.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ltls_socket ltls_socket_t;

/*
 * Connects to host:port (a DNS name or an IPv4/IPv6 literal, and a port
 * number or service name; every address getaddrinfo() gives is tried in
 * order) and completes the TLS handshake as a client of ctx.
 *
 * server_name  the name to verify the certificate against and send as SNI
 *              (tls.h, ltls_conn_new); NULL means host.
 * timeout_ms   for the connection attempts and the handshake together, and
 *              the socket's timeout afterwards (see above); 0 sets up a
 *              non-blocking socket but still waits, without limit, for the
 *              connection and the handshake.
 * out          receives the socket; NULL on failure.
 * detail, cap  optional (NULL, 0): a sentence about a failure, such as
 *              "connect to 127.0.0.1 port 4433: Connection refused" or the
 *              connection's error detail.
 *
 * Errors: NULL_ARGUMENT, RESOLVE, CONNECT, SOCKET_IO, SOCKET_TIMEOUT,
 * OUT_OF_MEMORY, and every handshake error (a certificate that does not
 * verify, a received alert, ...).
 */
LTLS_API ltls_err_t ltls_socket_connect(ltls_context_t *ctx, const char *host, const char *port,
                                        const char *server_name, int timeout_ms,
                                        ltls_socket_t **out, char *detail, size_t cap);

/*
 * The TCP part of ltls_socket_connect alone: a connected, non-blocking
 * descriptor in *fd (the caller owns it; hand it to ltls_socket_new or
 * close it). For callers that time the connection and the handshake apart.
 */
LTLS_API ltls_err_t ltls_socket_dial(const char *host, const char *port, int timeout_ms, int *fd,
                                     char *detail, size_t cap);

/*
 * A listening TCP socket on host:port (host NULL: every local address;
 * port "0": an ephemeral port, see ltls_socket_fd_address). SO_REUSEADDR
 * is set, so a restarted server can bind at once. *fd is the caller's.
 * Errors: NULL_ARGUMENT, RESOLVE, SOCKET_IO (bind or listen failed).
 */
LTLS_API ltls_err_t ltls_socket_listen(const char *host, const char *port, int backlog, int *fd,
                                       char *detail, size_t cap);

/*
 * Waits up to timeout_ms for a client on listen_fd (blocking or not;
 * ltls_socket_listen makes it non-blocking), accepts it and completes
 * the handshake as a server of ctx within a fresh timeout_ms. A client that
 * fails its handshake is closed and its error returned: a server loop logs
 * it and calls again. A zero timeout_ms means no limit for the waits here
 * and non-blocking use afterwards, as for ltls_socket_connect. Errors: those
 * of ltls_socket_connect except RESOLVE and CONNECT.
 */
LTLS_API ltls_err_t ltls_socket_accept(ltls_context_t *ctx, int listen_fd, int timeout_ms,
                                       ltls_socket_t **out, char *detail, size_t cap);

/*
 * Wraps a connected descriptor (which the socket then owns and closes, on
 * success only) in a new connection of ctx, without doing the handshake:
 * for servers that accept in one thread and handshake in another. It is
 * switched to non-blocking mode. server_name as ltls_conn_new: NULL for a
 * server. The timeout starts as timeout_ms.
 */
LTLS_API ltls_err_t ltls_socket_new(ltls_context_t *ctx, int fd, const char *server_name,
                                    int timeout_ms, ltls_socket_t **out);

/* Drives the handshake to completion (a no-op once done). */
LTLS_API ltls_err_t ltls_socket_handshake(ltls_socket_t *s);

/*
 * Sends all len bytes (several records if need be). *sent (may be NULL)
 * receives how many the connection accepted, less than len only on error
 * (or with timeout 0, with WANT_WRITE / WANT_READ).
 */
LTLS_API ltls_err_t ltls_socket_send(ltls_socket_t *s, const uint8_t *buf, size_t len,
                                     size_t *sent);

/*
 * Receives up to cap bytes of application data: OK with *n > 0 (fewer than
 * cap whenever that is what has arrived), LTLS_R_CLOSED after the peer's
 * close_notify, LTLS_R_RAGGED_EOF when the transport ended without it, or
 * an error.
 */
LTLS_API ltls_err_t ltls_socket_recv(ltls_socket_t *s, uint8_t *buf, size_t cap, size_t *n);

/* Sends close_notify (once); receiving stays possible until the peer's
 * close_notify (half-close). */
LTLS_API ltls_err_t ltls_socket_shutdown(ltls_socket_t *s);

/* Sends what the connection has queued (useful in non-blocking mode, when
 * ltls_conn_outgoing_buffered() says something is left). */
LTLS_API ltls_err_t ltls_socket_flush(ltls_socket_t *s);

/* Sends a KeyUpdate (ltls_conn_key_update) and flushes it. */
LTLS_API ltls_err_t ltls_socket_key_update(ltls_socket_t *s, int request_peer);

/*
 * Closes the socket and frees it (NULL is a no-op). Unless force is set,
 * a close_notify is sent first when the connection is healthy and has not
 * sent one (or a queued one is finished), waiting at most 2 seconds, also
 * in non-blocking mode; failures are ignored. force skips it:
 * for a peer that misbehaved, or a process that is going away.
 */
LTLS_API void ltls_socket_close(ltls_socket_t *s, int force);

LTLS_API void ltls_socket_set_timeout(ltls_socket_t *s, int timeout_ms);
LTLS_API int ltls_socket_timeout(const ltls_socket_t *s);

/* The connection, for the queries of tls.h (version, suite, ALPN, peer
 * certificates...). Owned by the socket. */
LTLS_API ltls_conn_t *ltls_socket_conn(const ltls_socket_t *s);
/* The descriptor, to poll() for POLLIN. Owned by the socket. */
LTLS_API int ltls_socket_fd(const ltls_socket_t *s);

/* The sticky error and a sentence about it ("" while healthy). */
LTLS_API ltls_err_t ltls_socket_error(const ltls_socket_t *s);
LTLS_API const char *ltls_socket_error_detail(const ltls_socket_t *s);

/*
 * The local (peer = 0) or remote (peer = 1) address of a descriptor as
 * numeric text ("127.0.0.1", "::1") and port. host may be NULL. Errors:
 * SOCKET_IO (not a connected or bound socket), BUFFER_TOO_SMALL (64 bytes
 * always suffice).
 */
LTLS_API ltls_err_t ltls_socket_fd_address(int fd, int peer, char *host, size_t host_cap,
                                           uint16_t *port);
/* The same for a socket's descriptor. */
LTLS_API ltls_err_t ltls_socket_local_address(const ltls_socket_t *s, char *host,
                                              size_t host_cap, uint16_t *port);
LTLS_API ltls_err_t ltls_socket_peer_address(const ltls_socket_t *s, char *host,
                                             size_t host_cap, uint16_t *port);

#ifdef __cplusplus
}
#endif
#endif
