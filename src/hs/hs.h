/*
 * hs/hs.h - the private side of contexts and connections (TLS 1.3), and the
 * types of the handshake transition tables.
 *
 * Who does what:
 *   context.c      ltls_context_t: the validated, immutable configuration
 *   conn.c         ltls_conn_t: buffers, records, alerts, application data,
 *                  KeyUpdate, closure, queries, exporter, key log, and the
 *                  helpers both handshake sides share (flights, certificates,
 *                  CertificateVerify, Finished)
 *   statemachine.c the one dispatch function: (state, message) -> handler
 *   client13.c     the client's handlers and transition table
 *   server13.c     the server's handlers and transition table
 *
 * A handler receives a message that the codec (src/msg) has parsed and
 * validated completely. It checks what only the handshake can check, and
 * only then changes the connection; it never sets the state itself but
 * returns the next one in *next, which the dispatcher checks against the
 * table's row before storing it.
 */
#ifndef LTLS_HS_HS_H
#define LTLS_HS_HS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "hs/keysched.h"
#include "hs/transcript.h"
#include "lucidtls/insecure.h"
#include "lucidtls/tls.h"
#include "msg/msg.h"
#include "record/record.h"

/* ------------------------------------------------------------------------
 * Limits (each bounds something a configuration or a peer controls)
 * ---------------------------------------------------------------------- */

#define LTLS_HS_MAX_SUITES 8
#define LTLS_HS_MAX_GROUPS 8
#define LTLS_HS_MAX_SIGSCHEMES 16
#define LTLS_HS_MAX_CHAINS 16
#define LTLS_HS_MAX_ALPN 32
/* Bytes written before the handshake completes that wait for application
 * keys (tls.h: "queued (bounded)"). */
#define LTLS_CONN_QUEUE_MAX ((size_t)64 << 10)
/* write() accepts data while less than this is waiting in the outgoing
 * buffer, so that a peer that does not read cannot make us buffer more. */
#define LTLS_CONN_OUT_HIGH ((size_t)4 * LTLS_RECORD_MAX_SIZE)
/* Records in a row that carry nothing (empty application data, ignored
 * alerts) before the peer is cut off. */
#define LTLS_CONN_MAX_EMPTY_RUN 32
/* A KeyUpdate is sent while at least this many records are left under the
 * current write key (one is the KeyUpdate itself). */
#define LTLS_CONN_KU_MARGIN 2
#define LTLS_CONN_DETAIL_MAX 512
/* Rejected 0-RTT data we skip before giving up (§4.2.10 "up to the
 * configured max_early_data_size"; we advertise none, so any sane amount). */
#define LTLS_CONN_EARLY_SKIP_MAX ((uint32_t)1 << 16)
/* The HRR cookie: version, suite, group, Hash(CH1) and an HMAC-SHA-256. */
#define LTLS_HS_COOKIE_KEY_SIZE 32

/* ------------------------------------------------------------------------
 * The context
 * ---------------------------------------------------------------------- */

/* One signing chain as a context keeps it. */
typedef struct ltls_hs_chain {
    ltls_cert_t **certs;             /* own copies, leaf first */
    size_t count, cap;
    ltls_cert_entry_t *entries;      /* DER views of certs, for the Certificate writer */
    const ltls_key_t *key;           /* borrowed (tls.h: must outlive the context) */
    ltls_privkey_t *handle;
    ltls_key_type_t key_type;
    uint16_t curve;
    /* The context's schemes this key can sign with, in preference order. */
    const ltls_sigscheme_t *schemes[LTLS_HS_MAX_SIGSCHEMES];
    size_t scheme_count;
} ltls_hs_chain_t;

struct ltls_context {
    atomic_size_t refs;
    uint8_t is_server;
    unsigned insecure;               /* LTLS_INSECURE_* (client only) */
    const ltls_provider_t *p;
    ltls_allocator_t alloc_copy;
    const ltls_allocator_t *alloc;   /* &alloc_copy, or NULL for malloc */

    const ltls_suite_t *suites[LTLS_HS_MAX_SUITES];
    size_t suite_count;
    uint16_t suite_codes[LTLS_HS_MAX_SUITES];
    const ltls_group_t *groups[LTLS_HS_MAX_GROUPS];
    size_t group_count;
    uint16_t group_codes[LTLS_HS_MAX_GROUPS];
    size_t key_share_count;
    /* Schemes for CertificateVerify (tls13_handshake), preference order. */
    const ltls_sigscheme_t *sigschemes[LTLS_HS_MAX_SIGSCHEMES];
    size_t sigscheme_count;
    uint16_t sig_codes[LTLS_HS_MAX_SIGSCHEMES];
    /* signature_algorithms_cert: the above plus what certificates may be
     * signed with (PKCS#1 v1.5). */
    uint16_t sigcert_codes[LTLS_HS_MAX_SIGSCHEMES];
    size_t sigcert_count;

    uint8_t *alpn_buf;               /* the names, back to back */
    size_t alpn_buf_len;
    ltls_bytes_t alpn[LTLS_HS_MAX_ALPN];
    size_t alpn_count;

    ltls_trust_store_t *trust;       /* referenced */
    ltls_client_auth_t client_auth;
    ltls_hs_chain_t chains[LTLS_HS_MAX_CHAINS];
    size_t chain_count;

    int64_t (*clock)(void *user);
    void *clock_user;
    void (*keylog)(void *user, const char *line);
    void *keylog_user;
    uint16_t record_size_limit;      /* what we announce: 64..2^14+1 */

    uint8_t cookie_key[LTLS_HS_COOKIE_KEY_SIZE]; /* server: authenticates HRR cookies */
};

/* ------------------------------------------------------------------------
 * Handshake states and the transition tables
 * ---------------------------------------------------------------------- */

typedef enum ltls_hs_state {
    /* client (RFC 8446 Appendix A.1) */
    LTLS_HS_C_START = 0,
    LTLS_HS_C_WAIT_SH,
    LTLS_HS_C_WAIT_SH2,        /* after a HelloRetryRequest: a second one is unexpected */
    LTLS_HS_C_WAIT_EE,
    LTLS_HS_C_WAIT_CERT_CR,
    LTLS_HS_C_WAIT_CERT,
    LTLS_HS_C_WAIT_CV,
    LTLS_HS_C_WAIT_FINISHED,
    LTLS_HS_C_CONNECTED,
    /* server (Appendix A.2; RECVD_CH and NEGOTIATED happen inside one
     * handler, WAIT_EOED does not exist without 0-RTT) */
    LTLS_HS_S_START,
    LTLS_HS_S_WAIT_CH2,        /* HelloRetryRequest sent */
    LTLS_HS_S_WAIT_CERT,
    LTLS_HS_S_WAIT_CV,
    LTLS_HS_S_WAIT_FINISHED,
    LTLS_HS_S_CONNECTED,
    LTLS_HS_STATE_COUNT_
} ltls_hs_state_t;

/* What a row accepts: a HandshakeType (0..255), or one of these. */
#define LTLS_HS_KIND_HRR 0x100   /* a ServerHello that is a HelloRetryRequest */
#define LTLS_HS_KIND_START 0x101 /* not a message: the client's first handshake() */

/* A message as handlers see it: parsed completely, with its raw bytes for
 * the transcript. */
typedef struct ltls_hs_msg {
    uint16_t kind;
    const uint8_t *raw;   /* the whole message, header included */
    size_t raw_len;
    ltls_msg_any_t u;
} ltls_hs_msg_t;

typedef struct ltls_conn ltls_conn_t;

/* A handler: checks m, then acts, and says where the machine goes. */
typedef ltls_err_t (*ltls_hs_handler_t)(ltls_conn_t *c, const ltls_hs_msg_t *m, uint8_t *next);

#define LTLS_HS_MAX_NEXT 3

typedef struct ltls_hs_row {
    uint8_t state;
    uint16_t kind;
    ltls_hs_handler_t handler;
    const char *handler_name;
    uint8_t next[LTLS_HS_MAX_NEXT];
    uint8_t next_count;
} ltls_hs_row_t;

typedef struct ltls_hs_table {
    const char *name;              /* "client", "server" */
    uint8_t initial;
    const ltls_hs_row_t *rows;
    size_t count;
} ltls_hs_table_t;

extern const ltls_hs_table_t ltls_hs_client_table;
extern const ltls_hs_table_t ltls_hs_server_table;

/* "WAIT_SH" ... */
const char *ltls_hs_state_name(uint8_t state);
/* "ServerHello", "HelloRetryRequest", "handshake()", "type 77" (static or
 * written into buf, at least 16 bytes). */
const char *ltls_hs_kind_name(uint16_t kind, char buf[16]);

/* The row for (state, kind), or NULL. */
const ltls_hs_row_t *ltls_hs_find(const ltls_hs_table_t *t, uint8_t state, uint16_t kind);

/* Parses m against the connection's table and state, calls the handler and
 * moves to the next state. UNEXPECTED_MESSAGE is decided here and only here.
 * Errors carry a detail set on the connection. */
ltls_err_t ltls_hs_dispatch(ltls_conn_t *c, const ltls_msg_t *m);

/* Runs a row that is an action rather than a message (LTLS_HS_KIND_START). */
ltls_err_t ltls_hs_act(ltls_conn_t *c, uint16_t kind);

/* ------------------------------------------------------------------------
 * Per-handshake state (freed when the handshake is over)
 * ---------------------------------------------------------------------- */

typedef struct ltls_hs {
    ltls_transcript_t tr;
    ltls_keysched_t ks;
    uint8_t client_random[LTLS_MSG_RANDOM_SIZE];
    uint8_t session_id[LTLS_MSG_SESSION_ID_MAX];
    uint8_t session_id_len;
    uint8_t c_hs[LTLS_HASH_MAX_SIZE], s_hs[LTLS_HASH_MAX_SIZE]; /* handshake traffic secrets */

    /* the flight being built: whole handshake messages, sealed into records
     * by ltls_conn_flush_flight() */
    uint8_t *fl;
    size_t fl_len, fl_cap;

    /* client */
    ltls_kex_ctx_t *kex[LTLS_HS_MAX_GROUPS];
    uint8_t shares[LTLS_HS_MAX_GROUPS][LTLS_KEX_MAX_SHARE]; /* our key shares, for a second hello */
    const ltls_group_t *kex_group[LTLS_HS_MAX_GROUPS];
    size_t kex_count;
    uint64_t offered;              /* LTLS_EXT_BIT()s of our ClientHello */
    const ltls_suite_t *hrr_suite; /* set by a HelloRetryRequest */
    uint8_t *cookie;               /* echoed from a HelloRetryRequest */
    size_t cookie_len;
    uint8_t cert_requested;
    uint8_t cr_context[255];
    uint8_t cr_context_len;
    const ltls_hs_chain_t *my_chain;        /* what we authenticate with */
    const ltls_sigscheme_t *my_scheme;
    ltls_pubkey_t *peer_key;       /* the peer leaf's key, for CertificateVerify */

    /* server */
    uint8_t hrr_sent;
    uint8_t sni_used;
} ltls_hs_t;

/* ------------------------------------------------------------------------
 * The connection
 * ---------------------------------------------------------------------- */

struct ltls_conn {
    ltls_context_t *ctx;
    const ltls_provider_t *p;
    const ltls_allocator_t *alloc;
    uint8_t is_server;
    uint8_t state;                 /* ltls_hs_state_t */
    uint8_t hs_done;
    uint8_t sent_close, recv_close, close_requested, eof;
    uint8_t ccs_recv;              /* a middlebox-compatibility CCS was received */
    uint8_t ccs_sent;
    uint8_t ku_reply_pending;      /* the peer asked for a KeyUpdate (§4.6.3) */
    uint8_t ku_requested;          /* we asked the peer for one under this read key */
    uint32_t rd_epoch;             /* counts read-key changes (§5.1 record alignment) */
    uint16_t empty_run;
    uint32_t early_skip;           /* bytes of rejected 0-RTT data still to skip (§4.2.10) */
    ltls_err_t err;                /* sticky */
    char *detail;                  /* allocated on failure */

    ltls_record_dir_t rd, wr;
    uint32_t peer_size_limit;      /* record_size_limit the peer announced, 0: none */

    /* Incoming network bytes: [in_off, in_len) not yet processed;
     * [app_off, app_off + app_len) decrypted application data not yet read
     * (it lies before in_off). */
    uint8_t *in;
    size_t in_off, in_len, in_cap;
    size_t app_off, app_len;       /* freed when idle: conn.c, went_idle() */

    /* Outgoing network bytes: [out_off, out_len). */
    uint8_t *out;
    size_t out_off, out_len, out_cap;
    uint8_t out_trim;              /* free the buffer once drained */

    /* Application data written before the handshake completed. */
    uint8_t *queue;
    size_t queue_len, queue_cap;

    ltls_msg_reasm_t reasm;
    ltls_hs_t *hs;

    /* negotiated */
    uint16_t version;
    const ltls_suite_t *suite;
    const ltls_group_t *group;
    const ltls_sigscheme_t *peer_scheme;
    const ltls_bytes_t *alpn;      /* one of ctx->alpn */
    char *server_name;             /* client: the name to verify; server: the SNI */
    uint8_t server_name_is_ip;
    ltls_cert_t **peer_certs;      /* parsed, during the handshake */
    size_t peer_cert_count, peer_cert_cap;
    /* After the handshake only the DER is needed: one block of
     * peer_cert_count + 1 offsets (size_t) followed by the certificates. */
    uint8_t *peer_der;
    size_t peer_der_size;

    /* current application traffic secrets (KeyUpdate) and the exporter */
    uint8_t rd_secret[LTLS_HASH_MAX_SIZE], wr_secret[LTLS_HASH_MAX_SIZE];
    uint8_t exporter[LTLS_HASH_MAX_SIZE];
};

/* ------------------------------------------------------------------------
 * conn.c services for the handshake
 * ---------------------------------------------------------------------- */

/* Records a detail sentence for err (the first one wins) and returns err. */
ltls_err_t ltls_conn_detail(ltls_conn_t *c, ltls_err_t err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* ltls_conn_detail(c, ltls_err_make(reason), ...). */
ltls_err_t ltls_conn_fail_reason(ltls_conn_t *c, ltls_reason_t reason, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Appends a handshake message to the flight (and to the transcript unless
 * transcript is 0): write(w, msg) writes the whole message. */
typedef void (*ltls_hs_write_fn)(ltls_writer_t *w, const void *msg);
ltls_err_t ltls_conn_emit(ltls_conn_t *c, ltls_hs_write_fn write, const void *msg, int transcript);
/* Seals the flight into records under the current write keys (plaintext
 * before keys; record version 0x0301 when initial is set). */
ltls_err_t ltls_conn_flush_flight(ltls_conn_t *c, int initial);
/* A middlebox-compatibility change_cipher_spec (§D.4), once. */
ltls_err_t ltls_conn_send_ccs(ltls_conn_t *c);

/* Key changes. secret is suite->hash->digest_size bytes. */
ltls_err_t ltls_conn_set_read_key(ltls_conn_t *c, const uint8_t *secret);
ltls_err_t ltls_conn_set_write_key(ltls_conn_t *c, const uint8_t *secret);
/* The key-log line "label <client_random> <secret>" when a callback is set. */
void ltls_conn_keylog(ltls_conn_t *c, const char *label, const uint8_t *secret);
/* The handshake has ended well: free its state, send what was queued. */
ltls_err_t ltls_conn_handshake_complete(ltls_conn_t *c);

/* Server: uses the record_size_limit the peer announced. */
void ltls_conn_peer_size_limit(ltls_conn_t *c, uint16_t limit);

/* --- authentication, shared by both sides --- */

/* Stores and (unless insecure) validates the peer's Certificate message.
 * offered: the extensions we sent that an entry may answer. host: the
 * reference identity or NULL. */
ltls_err_t ltls_hs_peer_certificate(ltls_conn_t *c, const ltls_certificate_t *cert,
                                    uint64_t offered, const char *host, ltls_purpose_t purpose);
/* Checks the peer's CertificateVerify m against the transcript so far, then
 * adds m to it; offered is the list of schemes we sent; from_server says
 * whose signature it is (the context string, §4.4.3). */
ltls_err_t ltls_hs_peer_certificate_verify(ltls_conn_t *c, const ltls_hs_msg_t *m,
                                           const uint16_t *offered, size_t offered_count,
                                           int from_server);
/* Emits Certificate (context ctx_bytes, chain may be NULL for an empty one)
 * and, with a chain, CertificateVerify with scheme. */
ltls_err_t ltls_hs_send_certificate(ltls_conn_t *c, const uint8_t *ctx_bytes, size_t ctx_len,
                                    const ltls_hs_chain_t *chain, const ltls_sigscheme_t *scheme,
                                    int from_server);
/* Checks a received Finished made with base_key (a handshake traffic
 * secret) over the transcript so far, then adds it to the transcript. */
ltls_err_t ltls_hs_check_finished(ltls_conn_t *c, const ltls_hs_msg_t *m, const uint8_t *base_key);
/* Emits our Finished made with base_key. */
ltls_err_t ltls_hs_send_finished(ltls_conn_t *c, const uint8_t *base_key);
/* Derives the master secret, the application traffic and exporter secrets
 * (transcript through the server Finished) into the connection; logs them. */
ltls_err_t ltls_hs_derive_app_secrets(ltls_conn_t *c, uint8_t *c_app, uint8_t *s_app);

/* The first of chain's schemes (the context's order of preference) that
 * the peer offers; NULL if none. */
const ltls_sigscheme_t *ltls_hs_pick_scheme(const ltls_hs_chain_t *chain,
                                            const ltls_u16_list_t *peer);

/* Post-handshake KeyUpdate, in both tables. */
ltls_err_t ltls_hs_key_update(ltls_conn_t *c, const ltls_hs_msg_t *m, uint8_t *next);

/* Random bytes from the provider. */
ltls_err_t ltls_hs_random(ltls_conn_t *c, uint8_t *out, size_t len);

#endif
