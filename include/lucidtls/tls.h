/*
 * lucidtls/tls.h - TLS contexts and connections, shaped like PEP 748.
 *
 *   PEP 748                            lucidtls
 *   TLSClientConfiguration/Server...   ltls_config_t (given once; copied)
 *   ClientContext / ServerContext      ltls_context_t (immutable, ref-counted,
 *                                      shareable between threads)
 *   TLSBuffer                          ltls_conn_t (one connection, one thread
 *                                      at a time)
 *   WantRead/WantWrite/RaggedEOF/...   ltls_err_t values (error.h)
 *
 * A connection is sans-I/O: it never touches a socket, a clock or a global.
 * The caller moves bytes:
 *
 *   network -> ltls_conn_feed() -> [engine] -> ltls_conn_outgoing() -> network
 *   app     -> ltls_conn_write() ->          -> ltls_conn_read()    -> app
 *
 * The rule that makes every loop correct: after EVERY call, send whatever
 * ltls_conn_outgoing() holds, then act on the status:
 *
 *   LTLS_OK                   done (or data moved)
 *   LTLS_R_WANT_READ          feed more bytes from the network, then call again
 *   LTLS_R_WANT_WRITE         take the outgoing bytes, then call again
 *   LTLS_R_CLOSED             the peer sent close_notify: clean end of data
 *   LTLS_R_RAGGED_EOF         the transport ended without close_notify
 *   anything else             the connection failed: it stays failed, every
 *                             later call returns the same error, and the
 *                             alert (if any) is in the outgoing bytes
 *
 * Errors carry class, alert and reason (error.h); ltls_conn_error_detail()
 * adds a sentence with specifics (names, dates, sizes).
 */
#ifndef LUCIDTLS_TLS_H
#define LUCIDTLS_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "lucidtls/alloc.h"
#include "lucidtls/error.h"
#include "lucidtls/export.h"
#include "lucidtls/key.h"
#include "lucidtls/provider.h"
#include "lucidtls/x509.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LTLS_TLS1_2 0x0303
#define LTLS_TLS1_3 0x0304

typedef enum ltls_client_auth {
    LTLS_CLIENT_AUTH_NONE = 0,     /* the server does not ask */
    LTLS_CLIENT_AUTH_OPTIONAL = 1, /* asks; an empty Certificate is accepted */
    LTLS_CLIENT_AUTH_REQUIRED = 2  /* asks; no certificate: certificate_required */
} ltls_client_auth_t;

/* A certificate chain and its private key. certs[0] is the end-entity
 * certificate; the rest are intermediates in order. Borrowed by
 * ltls_*_context_new(), which keeps its own copies of the certificates. The
 * key is NOT copied (ltls_key_t has no reference count and may live in an
 * HSM): it must have been loaded into config->provider and must outlive the
 * context. The context checks that the key belongs to certs[0] by signing a
 * probe and verifying it with the certificate's public key. */
typedef struct ltls_signing_chain {
    const ltls_cert_t *const *certs;
    size_t cert_count;
    const ltls_key_t *key;
} ltls_signing_chain_t;

/*
 * Everything a context is made from. Zero-initialise, then set what you need;
 * every zero/NULL field means "the secure default". The context copies what it
 * keeps; nothing here must outlive ltls_*_context_new() except the provider,
 * the allocator, the signing chains' keys and callback user pointers.
 */
typedef struct ltls_config {
    const ltls_provider_t *provider;  /* required; must outlive the context */
    const ltls_allocator_t *alloc;    /* NULL: malloc/free */

    /* 0: TLS 1.3. For now max_version must be 0 or LTLS_TLS1_3 and
     * min_version 0, LTLS_TLS1_2 or LTLS_TLS1_3; only TLS 1.3 is offered
     * and accepted whatever min_version says. */
    uint16_t min_version, max_version;

    /* Preference-ordered lists; NULL/0: the provider's order of lucidtls's
     * defaults. Descriptors the provider lacks are a configuration error. */
    const ltls_suite_t *const *suites;
    size_t suite_count;
    const ltls_group_t *const *groups;   /* default: x25519, secp256r1, secp384r1 */
    size_t group_count;
    size_t key_share_count;              /* client: groups that get an initial share (default 1) */
    const ltls_sigscheme_t *const *sigschemes;
    size_t sigscheme_count;

    /* ALPN protocol names, preference order (RFC 7301). */
    const char *const *alpn;
    size_t alpn_count;

    /* Client: the anchors the server's chain must lead to (required: a client
     * context without one fails with BAD_ARGUMENT; see insecure.h).
     * Server: the anchors for client certificates (with client_auth). */
    ltls_trust_store_t *trust;
    ltls_client_auth_t client_auth;      /* server only */

    /* Server: one or more chains, chosen per connection by SNI and by the
     * client's signature_algorithms. Client: at most one, sent when asked. */
    const ltls_signing_chain_t *chains;
    size_t chain_count;

    /* Seconds since the Unix epoch, for certificate validity. NULL: the
     * system clock (ltls_clock_system, the one place lucidtls reads it). */
    int64_t (*clock)(void *user);
    void *clock_user;

    /* NSS key-log lines ("CLIENT_HANDSHAKE_TRAFFIC_SECRET <cr> <secret>",
     * no newline) for debugging with Wireshark; NULL: none. */
    void (*keylog)(void *user, const char *line);
    void *keylog_user;

    /* record_size_limit to advertise (RFC 8449): 64..2^14+1; 0 announces
     * 2^14+1 (RFC 8449 §4: advertise it even without a need to limit). The
     * client always sends the extension; the server answers it when the
     * client sent it. Limits apply only when both sides sent it. */
    uint16_t record_size_limit;
} ltls_config_t;

typedef struct ltls_context ltls_context_t;
typedef struct ltls_conn ltls_conn_t;

/* Builds an immutable context. Errors: NULL_ARGUMENT, BAD_ARGUMENT (an empty
 * or contradictory setting, an algorithm the provider lacks, a client without
 * trust, a server without a chain, a chain whose key does not match its
 * certificate), OUT_OF_MEMORY. */
LTLS_API ltls_err_t ltls_client_context_new(const ltls_config_t *config, ltls_context_t **out);
LTLS_API ltls_err_t ltls_server_context_new(const ltls_config_t *config, ltls_context_t **out);
LTLS_API ltls_context_t *ltls_context_ref(ltls_context_t *ctx);
LTLS_API void ltls_context_unref(ltls_context_t *ctx); /* NULL is a no-op */

/* The system clock, for config->clock. */
LTLS_API int64_t ltls_clock_system(void *user);

/* ---------------------------------------------------------------------------
 * Connections (PEP 748 TLSBuffer)
 * ------------------------------------------------------------------------- */

/* A connection of ctx (which it references). Client: server_name is the name
 * to verify (DNS name or IP literal, 1..253 characters; one trailing dot is
 * dropped) and, when a DNS name, to send as SNI (RFC 6066 §3: never an IP
 * literal); required (NULL_ARGUMENT) unless ctx comes from insecure.h.
 * Server: server_name must be NULL (BAD_ARGUMENT). Errors: NULL_ARGUMENT,
 * BAD_ARGUMENT, OUT_OF_MEMORY. */
LTLS_API ltls_err_t ltls_conn_new(ltls_context_t *ctx, const char *server_name,
                                  ltls_conn_t **out);
LTLS_API void ltls_conn_free(ltls_conn_t *conn); /* wipes; NULL is a no-op */

/* Network input: takes up to len bytes, *consumed says how many. Fewer than
 * len when the input buffer is full (it holds at most one maximum-size
 * record, about 16.6 KiB, of unprocessed bytes): process (handshake/read),
 * then feed the rest. Never fails for a live connection except with its
 * sticky error, or BAD_STATE after ltls_conn_feed_eof(). After the peer's
 * close_notify every byte is accepted and ignored (RFC 8446 §6.1). */
LTLS_API ltls_err_t ltls_conn_feed(ltls_conn_t *conn, const uint8_t *data, size_t len,
                                   size_t *consumed);
/* The transport reached EOF. A later read gives RAGGED_EOF unless the peer's
 * close_notify was already received. */
LTLS_API void ltls_conn_feed_eof(ltls_conn_t *conn);

/* Network output: a view of the pending bytes (valid until the next call on
 * conn), then consume what was sent. */
LTLS_API const uint8_t *ltls_conn_outgoing(const ltls_conn_t *conn, size_t *len);
LTLS_API void ltls_conn_outgoing_consume(ltls_conn_t *conn, size_t n);
LTLS_API size_t ltls_conn_incoming_buffered(const ltls_conn_t *conn);
LTLS_API size_t ltls_conn_outgoing_buffered(const ltls_conn_t *conn);
/* Decrypted application data that ltls_conn_read() can return without any
 * further input (what OpenSSL's SSL_pending() counts): the unread rest of
 * the record last opened. Records fed but not yet opened are not counted.
 * 0 once the connection has failed. */
LTLS_API size_t ltls_conn_pending(const ltls_conn_t *conn);

/* Drives the handshake: OK once it is complete (certificate and name
 * verified), else WANT_READ or an error. The transport's EOF during the
 * handshake fails it with RAGGED_EOF, the peer's close_notify with CLOSED
 * (both sticky then). A client's first call writes its ClientHello. */
LTLS_API ltls_err_t ltls_conn_handshake(ltls_conn_t *conn);
LTLS_API int ltls_conn_handshake_done(const ltls_conn_t *conn);

/* Application data. read: OK with *n > 0 bytes (short reads allowed; cap 0
 * gives OK with *n = 0), WANT_READ, CLOSED, RAGGED_EOF, or an error; drives
 * the handshake and handles post-handshake messages (KeyUpdate, whose
 * update_requested it answers with one KeyUpdate per call however many
 * arrived; NewSessionTicket, ignored until resumption exists). CLOSED and
 * RAGGED_EOF are not sticky: writing stays possible (half-close).
 * write: OK with *n bytes accepted (short writes allowed); drives the
 * handshake as read does. Before the handshake is complete the bytes are
 * queued (at most 64 KiB; when full: *n = 0 and the handshake's status,
 * usually WANT_READ) and sent once application keys exist, never under
 * handshake keys. Afterwards records are sealed into the outgoing buffer
 * while less than about 66 KiB wait there; when full: WANT_WRITE with *n = 0.
 * A KeyUpdate is sent first when the peer asked for one or when the AEAD
 * limit of the write key is near (RFC 8446 §4.6.3, §5.5). BAD_STATE after
 * ltls_conn_shutdown(). */
LTLS_API ltls_err_t ltls_conn_read(ltls_conn_t *conn, uint8_t *buf, size_t cap, size_t *n);
LTLS_API ltls_err_t ltls_conn_write(ltls_conn_t *conn, const uint8_t *buf, size_t len,
                                    size_t *n);

/* Sends close_notify (once; later calls are OK). Reading stays possible
 * until the peer's close_notify (half-close). Before the handshake is
 * complete the close_notify is deferred: it follows the queued application
 * data as soon as the handshake completes (drive it with handshake/read). */
LTLS_API ltls_err_t ltls_conn_shutdown(ltls_conn_t *conn);

/* Sends a KeyUpdate now; request_peer asks the peer to update too
 * (RFC 8446 §4.6.3). Also done automatically before the AEAD limits.
 * BAD_STATE before the handshake completes or after shutdown. */
LTLS_API ltls_err_t ltls_conn_key_update(ltls_conn_t *conn, int request_peer);

/* ---------------------------------------------------------------------------
 * Queries (valid after the handshake unless noted)
 * ------------------------------------------------------------------------- */

LTLS_API uint16_t ltls_conn_version(const ltls_conn_t *conn); /* 0 before */
LTLS_API const ltls_suite_t *ltls_conn_suite(const ltls_conn_t *conn);
LTLS_API const ltls_group_t *ltls_conn_group(const ltls_conn_t *conn);
/* The scheme of the peer's CertificateVerify (NULL if none). */
LTLS_API const ltls_sigscheme_t *ltls_conn_peer_sigscheme(const ltls_conn_t *conn);
/* The negotiated ALPN protocol (not NUL-terminated), NULL if none. */
LTLS_API const uint8_t *ltls_conn_alpn(const ltls_conn_t *conn, size_t *len);
/* Server: the SNI the client sent (NUL-terminated), NULL if none (and NULL
 * on a client). Valid from the server's first flight on. */
LTLS_API const char *ltls_conn_server_name(const ltls_conn_t *conn);
/* The peer's certificates as sent (leaf first), DER views valid while conn. */
LTLS_API size_t ltls_conn_peer_cert_count(const ltls_conn_t *conn);
LTLS_API const uint8_t *ltls_conn_peer_cert(const ltls_conn_t *conn, size_t i, size_t *len);
/* TLS-Exporter (RFC 8446 §7.5). BAD_STATE before the handshake completes. */
LTLS_API ltls_err_t ltls_conn_export(const ltls_conn_t *conn, const uint8_t *label,
                                     size_t label_len, const uint8_t *context,
                                     size_t context_len, uint8_t *out, size_t out_len);

/* The sticky error (LTLS_OK while healthy) and a sentence about it ("" while
 * healthy; valid until the connection is freed). */
LTLS_API ltls_err_t ltls_conn_error(const ltls_conn_t *conn);
LTLS_API const char *ltls_conn_error_detail(const ltls_conn_t *conn);

#ifdef __cplusplus
}
#endif
#endif
