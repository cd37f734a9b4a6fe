/*
 * hs/conn.c - one TLS 1.3 connection, sans-I/O (tls.h's ltls_conn_t).
 *
 * Theory of operation.
 *
 * Bytes. feed() copies network bytes into the incoming buffer, which holds
 * at most one maximum-size record's worth of unprocessed bytes; records are
 * opened in place there (src/record), so a decrypted record's content is a
 * view into it. Application data stays there until read() copies it out;
 * handshake content goes through the reassembler (src/msg), which returns
 * views into the same bytes unless a message was split across records.
 * Everything we send is sealed straight into the outgoing buffer, which the
 * caller drains through the zero-copy view of ltls_conn_outgoing(). Buffers
 * are allocated when first needed and grow to what is needed, never to a
 * fixed maximum.
 *
 * Idle connections give their buffers back. Once the handshake is over, a
 * read() or handshake() that finds no complete record and nothing pending
 * (no partial record, no unread plaintext) means the connection has gone
 * idle: the incoming buffer is freed, and the outgoing one too once the
 * caller has drained it. Both are allocated again, at the size the next
 * record needs, when bytes arrive or are written. While data flows the
 * buffers stay: a sender that only writes never frees, and a receiver keeps
 * its buffer while a partial record waits in it, which is the common case
 * when a transport delivers bytes without regard to record boundaries. A
 * receiver whose every feed ends exactly on a record boundary pays one
 * allocation per such feed. bench/RESULTS.md measures both sides of that
 * trade: an idle connection keeps up to 16.6 KiB less, and a receiver fed
 * whole records in lock-step loses about 3% of bulk throughput, one fed as
 * a stream nothing measurable.
 *
 * Processing. Every entry point that can make progress (handshake, read)
 * opens complete records one at a time and acts on their type:
 * change_cipher_spec is checked against the middlebox-compatibility window
 * (RFC 8446 §5, §D.4), alerts end or close the connection (§6), handshake
 * messages go to the state machine (statemachine.c, with the client and
 * server tables), application data waits for read(). The record that
 * carried a message causing a change of read keys must end with it (§5.1).
 *
 * Errors are sticky. The first error a connection hits is kept with a
 * sentence of detail; if it is ours to report, the alert goes into the
 * outgoing bytes (encrypted if we have keys), then every secret and key is
 * wiped (§6: "MUST forget the secret values and keys established in failed
 * connections") and every later call returns the same error.
 *
 * The second half of this file holds the handshake services that the client
 * and server handlers share: building flights, the key log, certificates,
 * CertificateVerify and Finished (RFC 8446 §4.4).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "core/writer.h"
#include "hs/hs.h"
#include "x509/cert.h"

static ltls_err_t mk(ltls_reason_t r) { return ltls_err_make(r); }

/* ------------------------------------------------------------------------
 * Errors and details
 * ---------------------------------------------------------------------- */

#if defined(__GNUC__)
__attribute__((format(printf, 2, 0)))
#endif
static void detail_v(ltls_conn_t *c, const char *fmt, va_list ap)
{
    if (c->err || (c->detail && c->detail[0]))
        return; /* the first sentence explains the first error */
    if (!c->detail) {
        c->detail = ltls_alloc(c->alloc, LTLS_CONN_DETAIL_MAX);
        if (!c->detail)
            return;
    }
    vsnprintf(c->detail, LTLS_CONN_DETAIL_MAX, fmt, ap);
}

ltls_err_t ltls_conn_detail(ltls_conn_t *c, ltls_err_t err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    detail_v(c, fmt, ap);
    va_end(ap);
    return err;
}

ltls_err_t ltls_conn_fail_reason(ltls_conn_t *c, ltls_reason_t reason, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    detail_v(c, fmt, ap);
    va_end(ap);
    return ltls_err_make(reason);
}

/* ------------------------------------------------------------------------
 * Buffers
 * ---------------------------------------------------------------------- */

/* Grows *buf to at least need bytes, keeping the first keep bytes. */
static ltls_err_t grow(const ltls_allocator_t *a, uint8_t **buf, size_t *cap, size_t keep,
                       size_t need, size_t max)
{
    if (need <= *cap)
        return LTLS_OK;
    size_t n = *cap * 2;
    if (n < need)
        n = need;
    if (max && n > max && need <= max)
        n = max;
    uint8_t *nb = ltls_alloc(a, n);
    if (!nb)
        return mk(LTLS_R_OUT_OF_MEMORY);
    if (keep)
        memcpy(nb, *buf, keep);
    ltls_free(a, *buf, *cap);
    *buf = nb;
    *cap = n;
    return LTLS_OK;
}

static size_t out_pending(const ltls_conn_t *c) { return c->out_len - c->out_off; }

/* Room for n more outgoing bytes at c->out + c->out_len. */
static ltls_err_t out_reserve(ltls_conn_t *c, size_t n)
{
    if (c->out_off == c->out_len)
        c->out_off = c->out_len = 0;
    if (c->out_cap - c->out_len >= n)
        return LTLS_OK;
    if (c->out_off) {
        memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
        c->out_len -= c->out_off;
        c->out_off = 0;
        if (c->out_cap - c->out_len >= n)
            return LTLS_OK;
    }
    return grow(c->alloc, &c->out, &c->out_cap, c->out_len, c->out_len + n, 0);
}

static void out_release(ltls_conn_t *c)
{
    ltls_free(c->alloc, c->out, c->out_cap);
    c->out = NULL;
    c->out_cap = c->out_len = c->out_off = 0;
}

static void in_release(ltls_conn_t *c)
{
    ltls_free(c->alloc, c->in, c->in_cap);
    c->in = NULL;
    c->in_cap = c->in_len = c->in_off = 0;
    c->app_off = c->app_len = 0;
}

/* The bytes the incoming buffer must keep: unread plaintext and
 * unprocessed records. */
static size_t in_keep_from(const ltls_conn_t *c) { return c->app_len ? c->app_off : c->in_off; }

/* Rewinds the incoming buffer once everything in it has been used. */
static void in_rewind(ltls_conn_t *c)
{
    if (c->app_len == 0 && c->in_off == c->in_len)
        c->in_off = c->in_len = c->app_off = 0;
}

/* read() or handshake() found no complete record: if nothing is pending
 * the connection is idle (after the handshake; during it the peer's next
 * flight is on its way) and gives its buffers back, the outgoing one as
 * soon as the caller has taken its bytes. */
static void went_idle(ltls_conn_t *c)
{
    in_rewind(c);
    if (!c->hs_done)
        return;
    if (c->in && c->in_len == 0)
        in_release(c);
    if (c->out && c->out_len == c->out_off)
        out_release(c);
    else if (c->out)
        c->out_trim = 1;
}

/* ------------------------------------------------------------------------
 * Records out
 * ---------------------------------------------------------------------- */

/* One record of content type `type` with len <= the fragment limit. */
static ltls_err_t put_record(ltls_conn_t *c, uint8_t type, const uint8_t *data, size_t len,
                             int initial)
{
    size_t need = ltls_record_seal_size(&c->wr, len, 0), n = 0;
    ltls_err_t err = out_reserve(c, need);
    if (err)
        return err;
    uint8_t *p = c->out + c->out_len;
    /* §5: change_cipher_spec is never protected, whatever the keys. */
    if (type == LTLS_CONTENT_CHANGE_CIPHER_SPEC)
        need = LTLS_RECORD_HEADER_SIZE + len;
    if ((err = out_reserve(c, need)))
        return err;
    p = c->out + c->out_len;
    if (ltls_record_dir_protected(&c->wr) && type != LTLS_CONTENT_CHANGE_CIPHER_SPEC)
        err = ltls_record_seal(&c->wr, type, data, len, 0, p, c->out_cap - c->out_len, &n);
    else
        err = ltls_record_write_plaintext(&c->wr, type,
                                          initial ? LTLS_RECORD_VERSION_TLS10
                                                  : LTLS_RECORD_VERSION_TLS12,
                                          data, len, p, c->out_cap - c->out_len, &n);
    if (err)
        return err;
    c->out_len += n;
    return LTLS_OK;
}

/* Content split into records of at most the fragment size in force
 * (2^14, or less under the peer's record_size_limit: RFC 8449 §4). */
static ltls_err_t put_fragments(ltls_conn_t *c, uint8_t type, const uint8_t *data, size_t len,
                                int initial)
{
    size_t max = ltls_record_max_content(&c->wr, 0, SIZE_MAX);
    if (max == 0)
        return mk(LTLS_R_INTERNAL);
    while (len) {
        size_t n = len < max ? len : max;
        ltls_err_t err = put_record(c, type, data, n, initial);
        if (err)
            return err;
        data += n;
        len -= n;
    }
    return LTLS_OK;
}

static void send_alert(ltls_conn_t *c, uint8_t level, uint8_t desc)
{
    uint8_t a[2] = {level, desc};
    (void)put_record(c, LTLS_CONTENT_ALERT, a, 2, 0);
}

/* ------------------------------------------------------------------------
 * Failure
 * ---------------------------------------------------------------------- */

static void hs_free(ltls_conn_t *c)
{
    ltls_hs_t *hs = c->hs;
    if (!hs)
        return;
    const ltls_provider_t *p = c->p;
    ltls_transcript_free(&hs->tr);
    ltls_keysched_clear(&hs->ks);
    for (size_t i = 0; i < hs->kex_count; i++)
        p->kex_free(hs->kex[i]);
    if (hs->peer_key)
        p->pubkey_free(hs->peer_key);
    ltls_free(c->alloc, hs->cookie, hs->cookie_len);
    ltls_free(c->alloc, hs->fl, hs->fl_cap);
    ltls_free(c->alloc, hs, sizeof(*hs)); /* wipes the handshake secrets */
    c->hs = NULL;
}

static void wipe_secrets(ltls_conn_t *c)
{
    ltls_record_dir_clear(&c->rd);
    ltls_record_dir_clear(&c->wr);
    ltls_wipe(c->rd_secret, sizeof(c->rd_secret));
    ltls_wipe(c->wr_secret, sizeof(c->wr_secret));
    ltls_wipe(c->exporter, sizeof(c->exporter));
    hs_free(c);
}

/* Makes err the connection's sticky error, sends our alert if we owe one,
 * and forgets every secret. Progress codes pass through untouched. */
static ltls_err_t conn_fail(ltls_conn_t *c, ltls_err_t err)
{
    if (c->err)
        return c->err;
    ltls_err_class_t cls = ltls_err_class(err);
    if (err == LTLS_OK || cls == LTLS_ECLASS_WANT_IO)
        return err;
    uint8_t alert = ltls_err_alert(err);
    if (cls == LTLS_ECLASS_INTERNAL || cls == LTLS_ECLASS_MISUSE)
        alert = LTLS_ALERT_INTERNAL_ERROR; /* a fault of ours mid-connection */
    if (cls == LTLS_ECLASS_PEER_ALERT)
        alert = LTLS_ALERT_NONE;
    if (!c->detail || !c->detail[0]) {
        if (ltls_err_reason(err) == LTLS_R_PEER_ALERT)
            ltls_conn_detail(c, err, "the peer sent a fatal %s alert (%u)", ltls_alert_name(ltls_err_alert(err)),
                             (unsigned)ltls_err_alert(err));
        else
            ltls_conn_detail(c, err, "%s", ltls_err_message(err));
    }
    c->err = err;
    /* §6.2: the alert is fatal; §6.1: nothing more after our close_notify. */
    if (alert != LTLS_ALERT_NONE && !c->sent_close)
        send_alert(c, 2, alert);
    wipe_secrets(c);
    ltls_free(c->alloc, c->queue, c->queue_cap);
    c->queue = NULL;
    c->queue_len = c->queue_cap = 0;
    c->app_len = 0;
    return err;
}

/* ------------------------------------------------------------------------
 * Key changes and the key log
 * ---------------------------------------------------------------------- */

static ltls_err_t set_key(ltls_conn_t *c, ltls_record_dir_t *d, const uint8_t *secret)
{
    uint8_t key[LTLS_AEAD_MAX_KEY], iv[LTLS_AEAD_NONCE_SIZE];
    ltls_err_t err = ltls_keysched_traffic_keys(c->p, c->suite, secret, key, iv);
    if (!err)
        err = ltls_record_dir_set_keys(d, c->p, c->suite->aead, key, iv);
    ltls_wipe(key, sizeof(key));
    ltls_wipe(iv, sizeof(iv));
    return err;
}

ltls_err_t ltls_conn_set_read_key(ltls_conn_t *c, const uint8_t *secret)
{
    c->rd_epoch++;
    return set_key(c, &c->rd, secret);
}

ltls_err_t ltls_conn_set_write_key(ltls_conn_t *c, const uint8_t *secret)
{
    return set_key(c, &c->wr, secret);
}

static void hex(char *out, const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = 0;
}

void ltls_conn_keylog(ltls_conn_t *c, const char *label, const uint8_t *secret)
{
    if (!c->ctx->keylog || !c->hs)
        return;
    /* NSS key log format (RFC 9850): LABEL <client_random> <secret>. */
    char line[40 + 2 * LTLS_MSG_RANDOM_SIZE + 2 * LTLS_HASH_MAX_SIZE];
    size_t l = strlen(label);
    if (l > 32)
        return;
    memcpy(line, label, l);
    line[l++] = ' ';
    hex(line + l, c->hs->client_random, LTLS_MSG_RANDOM_SIZE);
    l += 2 * LTLS_MSG_RANDOM_SIZE;
    line[l++] = ' ';
    hex(line + l, secret, c->suite->hash->digest_size);
    c->ctx->keylog(c->ctx->keylog_user, line);
    ltls_wipe(line, sizeof(line));
}

void ltls_conn_peer_size_limit(ltls_conn_t *c, uint16_t limit)
{
    c->peer_size_limit = limit;
    /* RFC 8449 §4: values above the protocol's 2^14 + 1 are clamped by the
     * record layer (a server "MUST NOT enforce" them). */
    (void)ltls_record_dir_set_size_limit(&c->wr, limit);
}

/* ------------------------------------------------------------------------
 * Flights
 * ---------------------------------------------------------------------- */

ltls_err_t ltls_conn_emit(ltls_conn_t *c, ltls_hs_write_fn write, const void *msg, int transcript)
{
    ltls_hs_t *hs = c->hs;
    for (int attempt = 0; attempt < 2; attempt++) {
        ltls_writer_t w;
        size_t n = 0;
        ltls_writer_init(&w, hs->fl ? hs->fl + hs->fl_len : NULL, hs->fl_cap - hs->fl_len);
        write(&w, msg);
        ltls_err_t err = ltls_writer_finish(&w, &n);
        if (ltls_err_reason(err) == LTLS_R_BUFFER_TOO_SMALL && attempt == 0) {
            size_t need = hs->fl_len + n;
            if ((err = grow(c->alloc, &hs->fl, &hs->fl_cap, hs->fl_len,
                            need < 1024 ? 1024 : need, 0)))
                return err;
            continue;
        }
        if (err)
            return ltls_conn_detail(c, mk(LTLS_R_INTERNAL), "could not encode a handshake message: %s",
                                    ltls_err_message(err));
        if (transcript && (err = ltls_transcript_add(&hs->tr, hs->fl + hs->fl_len, n)))
            return err;
        hs->fl_len += n;
        return LTLS_OK;
    }
    return mk(LTLS_R_INTERNAL);
}

ltls_err_t ltls_conn_flush_flight(ltls_conn_t *c, int initial)
{
    ltls_hs_t *hs = c->hs;
    ltls_err_t err = put_fragments(c, LTLS_CONTENT_HANDSHAKE, hs->fl, hs->fl_len, initial);
    hs->fl_len = 0;
    return err;
}

ltls_err_t ltls_conn_send_ccs(ltls_conn_t *c)
{
    if (c->ccs_sent)
        return LTLS_OK;
    static const uint8_t one = 1;
    c->ccs_sent = 1;
    return put_record(c, LTLS_CONTENT_CHANGE_CIPHER_SPEC, &one, 1, 0);
}

ltls_err_t ltls_hs_random(ltls_conn_t *c, uint8_t *out, size_t len)
{
    return c->p->random(c->p->impl, out, len);
}

/* ------------------------------------------------------------------------
 * Application data out, KeyUpdate
 * ---------------------------------------------------------------------- */

static void w_key_update(ltls_writer_t *w, const void *m) { ltls_msg_write_key_update(w, m); }

static ltls_err_t send_key_update(ltls_conn_t *c, int request)
{
    uint8_t msg[8];
    ltls_writer_t w;
    size_t n;
    ltls_key_update_t ku = {(uint8_t)(request ? LTLS_MSG_KEY_UPDATE_REQUESTED
                                              : LTLS_MSG_KEY_UPDATE_NOT_REQUESTED)};
    ltls_writer_init(&w, msg, sizeof(msg));
    w_key_update(&w, &ku);
    ltls_err_t err = ltls_writer_finish(&w, &n);
    if (!err)
        err = put_record(c, LTLS_CONTENT_HANDSHAKE, msg, n, 0);
    /* §4.6.3: the sender switches right after sending; the old secret is
     * replaced in place (§7.2). */
    if (!err)
        err = ltls_keysched_next_traffic(c->p, c->suite->hash, c->wr_secret);
    if (!err)
        err = ltls_conn_set_write_key(c, c->wr_secret);
    if (!err && request)
        c->ku_requested = 1;
    return err;
}

/* What the write side owes before any more application data: the KeyUpdate
 * the peer asked for (§4.6.3), and one of our own before the AEAD limit
 * (§5.5). */
static ltls_err_t write_duties(ltls_conn_t *c)
{
    ltls_err_t err;
    if (c->ku_reply_pending) {
        c->ku_reply_pending = 0;
        if ((err = send_key_update(c, 0)))
            return err;
    }
    if (ltls_record_dir_remaining(&c->wr) <= LTLS_CONN_KU_MARGIN)
        return send_key_update(c, 0);
    return LTLS_OK;
}

/* Seals up to len bytes; stops when the outgoing buffer is full unless
 * all is set (the queue flush, which is bounded already). */
static ltls_err_t write_app(ltls_conn_t *c, const uint8_t *buf, size_t len, size_t *done, int all)
{
    size_t total = 0;
    ltls_err_t err = LTLS_OK;
    while (total < len) {
        if (!all && out_pending(c) >= LTLS_CONN_OUT_HIGH)
            break;
        if ((err = write_duties(c)))
            break;
        size_t max = ltls_record_max_content(&c->wr, 0, SIZE_MAX);
        size_t n = len - total < max ? len - total : max;
        if ((err = put_record(c, LTLS_CONTENT_APPLICATION_DATA, buf + total, n, 0)))
            break;
        total += n;
    }
    *done = total;
    return err;
}

/* Replaces the parsed peer certificates, needed only while the handshake
 * checks them, by one block of their DER (what ltls_conn_peer_cert gives):
 * some 450 bytes fewer per certificate for as long as the connection
 * lives. Without memory for the block the parsed ones simply stay. */
static void compact_peer_certs(ltls_conn_t *c)
{
    size_t n = c->peer_cert_count, total = 0, len;
    if (!c->peer_certs || n == 0)
        return;
    for (size_t i = 0; i < n; i++) {
        (void)ltls_cert_der(c->peer_certs[i], &len);
        total += len;
    }
    size_t head = (n + 1) * sizeof(size_t);
    uint8_t *blk = ltls_alloc(c->alloc, head + total);
    if (!blk)
        return;
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *der = ltls_cert_der(c->peer_certs[i], &len);
        memcpy(blk + i * sizeof(size_t), &off, sizeof(size_t));
        memcpy(blk + head + off, der, len);
        off += len;
        ltls_cert_free(c->peer_certs[i]);
    }
    memcpy(blk + n * sizeof(size_t), &off, sizeof(size_t));
    ltls_free(c->alloc, c->peer_certs, c->peer_cert_cap * sizeof(*c->peer_certs));
    c->peer_certs = NULL;
    c->peer_cert_cap = 0;
    c->peer_der = blk;
    c->peer_der_size = head + total;
}

ltls_err_t ltls_conn_handshake_complete(ltls_conn_t *c)
{
    c->hs_done = 1;
    c->version = LTLS_TLS1_3;
    hs_free(c);
    compact_peer_certs(c);
    ltls_msg_reasm_trim(&c->reasm);
    /* The handshake's flights are done with: the outgoing buffer goes once
     * drained, the incoming one when the connection next goes idle. */
    c->out_trim = 1;
    ltls_err_t err = LTLS_OK;
    if (c->queue_len) {
        size_t done;
        err = write_app(c, c->queue, c->queue_len, &done, 1);
        ltls_free(c->alloc, c->queue, c->queue_cap);
        c->queue = NULL;
        c->queue_len = c->queue_cap = 0;
        if (err)
            return err;
    }
    if (c->close_requested && !c->sent_close) {
        send_alert(c, 1, LTLS_ALERT_CLOSE_NOTIFY);
        c->sent_close = 1;
    }
    return err;
}

/* ------------------------------------------------------------------------
 * Records in
 * ---------------------------------------------------------------------- */

/* The window of RFC 8446 §5: after the first ClientHello was sent or
 * received and before the peer's Finished. */
static int ccs_window(const ltls_conn_t *c)
{
    if (c->hs_done)
        return 0;
    if (c->is_server)
        return c->state != LTLS_HS_S_START && c->state != LTLS_HS_S_CONNECTED;
    return c->state != LTLS_HS_C_START && c->state != LTLS_HS_C_CONNECTED;
}

static ltls_err_t empty_record(ltls_conn_t *c, const char *what)
{
    if (++c->empty_run > LTLS_CONN_MAX_EMPTY_RUN)
        return ltls_conn_fail_reason(c, LTLS_R_RECORD_FLOOD,
                                     "more than %d records in a row carried nothing (last: %s)",
                                     LTLS_CONN_MAX_EMPTY_RUN, what);
    return LTLS_OK;
}

static ltls_err_t interleaved(ltls_conn_t *c, const char *what)
{
    /* §5.1: "if a handshake message is split over two or more records,
     * there MUST NOT be any other records between them". */
    return ltls_conn_fail_reason(c, LTLS_R_HS_INTERLEAVED,
                                 "a %s record arrived inside a fragmented handshake message", what);
}

static ltls_err_t handle_alert(ltls_conn_t *c, const ltls_record_t *rec)
{
    if (ltls_msg_reasm_pending(&c->reasm))
        return interleaved(c, "alert");
    /* §5.1: alerts are never fragmented or coalesced: one per record. */
    if (rec->len != 2)
        return ltls_conn_fail_reason(c, LTLS_R_BAD_ALERT, "an alert record of %zu bytes", rec->len);
    uint8_t desc = rec->content[1];
    if (desc == LTLS_ALERT_CLOSE_NOTIFY) {
        c->recv_close = 1;
        if (!c->hs_done)
            return ltls_conn_fail_reason(c, LTLS_R_CLOSED,
                                         "the peer sent close_notify during the handshake");
        return LTLS_OK;
    }
    /* §6.1: user_canceled is a closure alert, "generally" a warning and
     * followed by close_notify; it ends nothing by itself. */
    if (desc == LTLS_ALERT_USER_CANCELED)
        return empty_record(c, "user_canceled alert");
    /* §6: every other alert, whatever its level, and every unknown one is
     * an error alert. */
    return ltls_err_peer_alert(desc);
}

static ltls_err_t handle_handshake(ltls_conn_t *c, const ltls_record_t *rec)
{
    size_t off = 0;
    c->empty_run = 0;
    while (off < rec->len) {
        size_t used = 0;
        ltls_msg_t m;
        ltls_err_t err = ltls_msg_reasm_next(&c->reasm, rec->content + off, rec->len - off, &used, &m);
        off += used;
        if (ltls_err_reason(err) == LTLS_R_WANT_READ)
            return LTLS_OK;
        if (err)
            return err;
        if (c->recv_close)
            return LTLS_OK; /* §6.1: ignored after close_notify */
        uint32_t epoch = c->rd_epoch;
        if ((err = ltls_hs_dispatch(c, &m)))
            return err;
        /* §5.1: "Handshake messages MUST NOT span key changes": the message
         * that changed our read key must have ended its record. */
        if (c->rd_epoch != epoch && (err = ltls_msg_reasm_key_change(&c->reasm, rec->len - off)))
            return ltls_conn_detail(c, err, "%zu bytes followed a key-changing handshake message in its record",
                                    rec->len - off);
    }
    return LTLS_OK;
}

static ltls_err_t handle_record(ltls_conn_t *c, const ltls_record_t *rec)
{
    switch (rec->type) {
    case LTLS_CONTENT_CHANGE_CIPHER_SPEC: {
        if (ltls_msg_reasm_pending(&c->reasm))
            return interleaved(c, "change_cipher_spec");
        /* §5: one dummy change_cipher_spec may arrive between the first
         * ClientHello and the peer's Finished (§D.4); any other is
         * unexpected_message. */
        if (!ccs_window(c) || c->ccs_recv)
            return ltls_conn_fail_reason(c, LTLS_R_UNEXPECTED_MESSAGE,
                                         c->ccs_recv ? "a second change_cipher_spec record"
                                                     : "a change_cipher_spec record outside the handshake");
        ltls_err_t err = ltls_record_check_ccs(rec);
        if (err)
            return err;
        c->ccs_recv = 1;
        return LTLS_OK;
    }
    case LTLS_CONTENT_ALERT:
        return handle_alert(c, rec);
    case LTLS_CONTENT_HANDSHAKE:
        return handle_handshake(c, rec);
    case LTLS_CONTENT_APPLICATION_DATA:
        if (ltls_msg_reasm_pending(&c->reasm))
            return interleaved(c, "application_data");
        if (!c->hs_done)
            return ltls_conn_fail_reason(c, LTLS_R_UNEXPECTED_MESSAGE,
                                         "application data arrived before the handshake completed");
        if (rec->len == 0)
            return empty_record(c, "empty application data");
        c->empty_run = 0;
        c->app_off = (size_t)(rec->content - c->in);
        c->app_len = rec->len;
        /* §5.5: ask the peer for fresh keys well before its key's limit. */
        if (!c->ku_requested && !c->sent_close &&
            ltls_record_dir_remaining(&c->rd) <= c->rd.max_records / 4)
            return send_key_update(c, 1);
        return LTLS_OK;
    default:
        return mk(LTLS_R_RECORD_BAD_TYPE);
    }
}

/* Opens and handles the next complete record: WANT_READ if there is none. */
static ltls_err_t process(ltls_conn_t *c)
{
    size_t avail = c->in_len - c->in_off;
    if (avail == 0)
        return mk(LTLS_R_WANT_READ);
    uint8_t *p = c->in + c->in_off;
    ltls_record_t rec;
    size_t n = 0;
    ltls_record_header_t hdr;
    ltls_err_t err = ltls_record_parse_header(&c->rd, p, avail, &hdr, &n);
    if (ltls_err_reason(err) == LTLS_R_WANT_READ)
        return err;
    if (!err && c->early_skip && hdr.type == LTLS_CONTENT_APPLICATION_DATA) {
        /* §4.2.10: a server that rejects 0-RTT skips the client's early
         * records: unreadable ones before its keys, ones that fail to
         * decrypt under the handshake key after them. */
        if (hdr.length > c->early_skip) {
            c->early_skip = 0;
        } else if (!ltls_record_dir_protected(&c->rd)) {
            c->early_skip -= hdr.length;
            c->in_off += n;
            return LTLS_OK;
        } else {
            err = ltls_record_open(&c->rd, p, avail, &rec, &n);
            if (ltls_err_reason(err) == LTLS_R_BAD_RECORD_MAC) {
                c->early_skip -= hdr.length;
                c->in_off += n;
                return LTLS_OK;
            }
            c->early_skip = 0;
            if (err)
                return err;
            c->in_off += n;
            return handle_record(c, &rec);
        }
    }
    if (!err && hdr.type == LTLS_CONTENT_ALERT && ltls_record_dir_protected(&c->rd) &&
        !c->hs_done && c->rd.seq == 0) {
        /* Appendix A.1: a client that fails on the ServerHello has no keys
         * and "may send alerts ... in the clear"; accept a plaintext alert
         * until the peer's first protected record, so that its reason
         * reaches the application instead of a record-type error. */
        rec.type = LTLS_CONTENT_ALERT;
        rec.protected_ = 0;
        rec.content = p + LTLS_RECORD_HEADER_SIZE;
        rec.len = hdr.length;
    } else {
        err = ltls_record_open(&c->rd, p, avail, &rec, &n);
        if (ltls_err_reason(err) == LTLS_R_WANT_READ)
            return err;
        if (err)
            return err;
    }
    c->in_off += n;
    return handle_record(c, &rec);
}

/* ------------------------------------------------------------------------
 * Connections
 * ---------------------------------------------------------------------- */

ltls_err_t ltls_conn_new(ltls_context_t *ctx, const char *server_name, ltls_conn_t **out)
{
    if (!out)
        return mk(LTLS_R_NULL_ARGUMENT);
    *out = NULL;
    if (!ctx)
        return mk(LTLS_R_NULL_ARGUMENT);
    size_t name_len = 0;
    int is_ip = 0;
    if (ctx->is_server) {
        if (server_name)
            return mk(LTLS_R_BAD_ARGUMENT); /* a server learns the name from SNI */
    } else if (!server_name) {
        /* A verifying client must know whom it expects. */
        if (!ctx->insecure)
            return mk(LTLS_R_NULL_ARGUMENT);
    } else {
        name_len = strlen(server_name);
        /* One trailing dot (an absolute DNS name) names the same host and
         * RFC 6066 §3 sends HostName without it. */
        if (name_len && server_name[name_len - 1] == '.')
            name_len--;
        if (name_len == 0 || name_len > 253)
            return mk(LTLS_R_BAD_ARGUMENT);
        char tmp[254];
        memcpy(tmp, server_name, name_len);
        tmp[name_len] = 0;
        uint8_t addr[16];
        is_ip = inet_pton(AF_INET, tmp, addr) == 1 || inet_pton(AF_INET6, tmp, addr) == 1;
    }

    ltls_conn_t *c = ltls_alloc(ctx->alloc, sizeof(*c));
    if (!c)
        return mk(LTLS_R_OUT_OF_MEMORY);
    c->ctx = ltls_context_ref(ctx);
    c->p = ctx->p;
    c->alloc = ctx->alloc;
    c->is_server = ctx->is_server;
    c->state = ctx->is_server ? LTLS_HS_S_START : LTLS_HS_C_START;
    ltls_record_dir_init(&c->rd, 0);
    ltls_record_dir_init(&c->wr, 1);
    ltls_err_t err = ltls_msg_reasm_init(&c->reasm, c->alloc, 0, 0);
    if (!err) {
        c->hs = ltls_alloc(c->alloc, sizeof(*c->hs));
        if (!c->hs)
            err = mk(LTLS_R_OUT_OF_MEMORY);
    }
    if (!err)
        err = ltls_transcript_init(&c->hs->tr, c->p, c->alloc);
    if (!err && name_len) {
        c->server_name = ltls_alloc(c->alloc, name_len + 1);
        if (!c->server_name)
            err = mk(LTLS_R_OUT_OF_MEMORY);
        else
            memcpy(c->server_name, server_name, name_len);
        c->server_name_is_ip = (uint8_t)is_ip;
    }
    if (err) {
        ltls_conn_free(c);
        return err;
    }
    *out = c;
    return LTLS_OK;
}

void ltls_conn_free(ltls_conn_t *c)
{
    if (!c)
        return;
    wipe_secrets(c);
    ltls_msg_reasm_free(&c->reasm);
    in_release(c);
    out_release(c);
    ltls_free(c->alloc, c->queue, c->queue_cap);
    for (size_t i = 0; c->peer_certs && i < c->peer_cert_count; i++)
        ltls_cert_free(c->peer_certs[i]);
    ltls_free(c->alloc, c->peer_certs, c->peer_cert_cap * sizeof(*c->peer_certs));
    ltls_free(c->alloc, c->peer_der, c->peer_der_size);
    if (c->server_name)
        ltls_free(c->alloc, c->server_name, strlen(c->server_name) + 1);
    ltls_free(c->alloc, c->detail, LTLS_CONN_DETAIL_MAX);
    ltls_context_t *ctx = c->ctx;
    ltls_free(c->alloc, c, sizeof(*c));
    ltls_context_unref(ctx);
}

ltls_err_t ltls_conn_feed(ltls_conn_t *c, const uint8_t *data, size_t len, size_t *consumed)
{
    if (consumed)
        *consumed = 0;
    if (!c || (!data && len) || !consumed)
        return mk(LTLS_R_NULL_ARGUMENT);
    if (c->err)
        return c->err;
    if (c->recv_close) {
        *consumed = len; /* §6.1: "Any data received after a closure alert ... MUST be ignored" */
        return LTLS_OK;
    }
    if (c->eof)
        return mk(LTLS_R_BAD_STATE);
    size_t keep = in_keep_from(c);
    size_t used = c->in_len - keep;
    size_t room = used < LTLS_RECORD_MAX_SIZE ? LTLS_RECORD_MAX_SIZE - used : 0;
    size_t take = len < room ? len : room;
    if (take == 0)
        return LTLS_OK;
    if (c->in_len + take > c->in_cap && keep) {
        memmove(c->in, c->in + keep, used);
        if (c->app_len)
            c->app_off -= keep;
        c->in_off -= keep;
        c->in_len = used;
    }
    size_t need = c->in_len + take;
    if (c->in_len == 0 && take >= LTLS_RECORD_HEADER_SIZE) {
        /* A buffer made afresh (first bytes, or after going idle) is made
         * for the whole of the record that starts here, so that a record
         * arriving in pieces does not regrow it piece by piece. */
        size_t rl = LTLS_RECORD_HEADER_SIZE + ((size_t)data[3] << 8 | data[4]);
        if (rl > need && rl <= LTLS_RECORD_MAX_SIZE)
            need = rl;
    }
    ltls_err_t err = grow(c->alloc, &c->in, &c->in_cap, c->in_len, need, LTLS_RECORD_MAX_SIZE);
    if (err)
        return conn_fail(c, err);
    memcpy(c->in + c->in_len, data, take);
    c->in_len += take;
    *consumed = take;
    return LTLS_OK;
}

void ltls_conn_feed_eof(ltls_conn_t *c)
{
    if (c)
        c->eof = 1;
}

const uint8_t *ltls_conn_outgoing(const ltls_conn_t *c, size_t *len)
{
    if (!c) {
        if (len)
            *len = 0;
        return NULL;
    }
    if (len)
        *len = out_pending(c);
    return c->out ? c->out + c->out_off : NULL;
}

void ltls_conn_outgoing_consume(ltls_conn_t *c, size_t n)
{
    if (!c)
        return;
    size_t pending = out_pending(c);
    c->out_off += n < pending ? n : pending;
    if (c->out_off == c->out_len) {
        c->out_off = c->out_len = 0;
        if (c->out_trim) {
            out_release(c);
            c->out_trim = 0;
        }
    }
}

size_t ltls_conn_incoming_buffered(const ltls_conn_t *c)
{
    return c ? c->in_len - c->in_off + c->app_len : 0;
}

size_t ltls_conn_outgoing_buffered(const ltls_conn_t *c) { return c ? out_pending(c) : 0; }

/* After a failure read() returns the error, not the plaintext left over. */
size_t ltls_conn_pending(const ltls_conn_t *c) { return c && !c->err ? c->app_len : 0; }

static ltls_err_t handshake_step(ltls_conn_t *c)
{
    ltls_err_t err;
    if (!c->is_server && c->state == LTLS_HS_C_START && (err = ltls_hs_act(c, LTLS_HS_KIND_START)))
        return conn_fail(c, err);
    while (!c->hs_done) {
        err = process(c);
        if (ltls_err_reason(err) == LTLS_R_WANT_READ) {
            went_idle(c);
            if (c->eof)
                return conn_fail(c, ltls_conn_fail_reason(c, LTLS_R_RAGGED_EOF,
                                                          "the transport closed during the handshake"));
            return err;
        }
        if (err)
            return conn_fail(c, err);
    }
    return LTLS_OK;
}

ltls_err_t ltls_conn_handshake(ltls_conn_t *c)
{
    if (!c)
        return mk(LTLS_R_NULL_ARGUMENT);
    if (c->err)
        return c->err;
    if (c->hs_done)
        return LTLS_OK;
    return handshake_step(c);
}

int ltls_conn_handshake_done(const ltls_conn_t *c) { return c && c->hs_done && !c->err; }

static ltls_err_t read_inner(ltls_conn_t *c, uint8_t *buf, size_t cap, size_t *n)
{
    for (;;) {
        if (c->app_len) {
            size_t k = cap < c->app_len ? cap : c->app_len;
            memcpy(buf, c->in + c->app_off, k);
            c->app_off += k;
            c->app_len -= k;
            *n = k;
            in_rewind(c);
            return LTLS_OK;
        }
        if (c->recv_close)
            return mk(LTLS_R_CLOSED);
        ltls_err_t err = process(c);
        if (ltls_err_reason(err) == LTLS_R_WANT_READ) {
            went_idle(c);
            /* §6.1: without close_notify the end may be a truncation. */
            return c->eof ? mk(LTLS_R_RAGGED_EOF) : err;
        }
        if (err)
            return conn_fail(c, err);
    }
}

ltls_err_t ltls_conn_read(ltls_conn_t *c, uint8_t *buf, size_t cap, size_t *n)
{
    if (n)
        *n = 0;
    if (!c || !n || (!buf && cap))
        return mk(LTLS_R_NULL_ARGUMENT);
    if (c->err)
        return c->err;
    if (!c->hs_done) {
        ltls_err_t err = handshake_step(c);
        if (err)
            return err;
    }
    if (cap == 0)
        return LTLS_OK;
    ltls_err_t r = read_inner(c, buf, cap, n);
    /* Answer KeyUpdate requests now rather than at the next write, so that
     * a peer waiting for our new key gets it (one answer covers every
     * request processed in this call: a flood costs no memory). */
    if (!c->err && c->ku_reply_pending && !c->sent_close) {
        c->ku_reply_pending = 0;
        ltls_err_t err = send_key_update(c, 0);
        if (err)
            return conn_fail(c, err);
    }
    return r;
}

ltls_err_t ltls_conn_write(ltls_conn_t *c, const uint8_t *buf, size_t len, size_t *n)
{
    if (n)
        *n = 0;
    if (!c || !n || (!buf && len))
        return mk(LTLS_R_NULL_ARGUMENT);
    if (c->err)
        return c->err;
    if (c->sent_close || c->close_requested)
        return mk(LTLS_R_BAD_STATE);
    if (!c->hs_done) {
        ltls_err_t err = handshake_step(c);
        if (err && ltls_err_class(err) != LTLS_ECLASS_WANT_IO)
            return err;
        if (!c->hs_done) {
            /* tls.h: queued, and sent only under application keys. */
            size_t take = LTLS_CONN_QUEUE_MAX - c->queue_len;
            if (take > len)
                take = len;
            if (take == 0)
                return len ? err : LTLS_OK;
            ltls_err_t gerr = grow(c->alloc, &c->queue, &c->queue_cap, c->queue_len,
                                   c->queue_len + take, LTLS_CONN_QUEUE_MAX);
            if (gerr)
                return conn_fail(c, gerr);
            memcpy(c->queue + c->queue_len, buf, take);
            c->queue_len += take;
            *n = take;
            return LTLS_OK;
        }
    }
    if (len == 0)
        return LTLS_OK;
    ltls_err_t err = write_app(c, buf, len, n, 0);
    if (err)
        return conn_fail(c, err);
    return *n ? LTLS_OK : mk(LTLS_R_WANT_WRITE);
}

ltls_err_t ltls_conn_shutdown(ltls_conn_t *c)
{
    if (!c)
        return mk(LTLS_R_NULL_ARGUMENT);
    if (c->err)
        return c->err;
    if (c->sent_close || c->close_requested)
        return LTLS_OK;
    if (!c->hs_done) {
        /* The close_notify follows what was queued, once the handshake
         * completes; a read() or handshake() call gets it there. */
        c->close_requested = 1;
        return LTLS_OK;
    }
    send_alert(c, 1, LTLS_ALERT_CLOSE_NOTIFY);
    c->sent_close = 1;
    return LTLS_OK;
}

ltls_err_t ltls_conn_key_update(ltls_conn_t *c, int request_peer)
{
    if (!c)
        return mk(LTLS_R_NULL_ARGUMENT);
    if (c->err)
        return c->err;
    if (!c->hs_done || c->sent_close)
        return mk(LTLS_R_BAD_STATE);
    /* A reply we owe is subsumed by this update. */
    c->ku_reply_pending = 0;
    ltls_err_t err = send_key_update(c, request_peer);
    return err ? conn_fail(c, err) : LTLS_OK;
}

/* Post-handshake KeyUpdate (§4.6.3), a row of both tables. */
ltls_err_t ltls_hs_key_update(ltls_conn_t *c, const ltls_hs_msg_t *m, uint8_t *next)
{
    ltls_err_t err = ltls_keysched_next_traffic(c->p, c->suite->hash, c->rd_secret);
    if (!err)
        err = ltls_conn_set_read_key(c, c->rd_secret);
    if (err)
        return err;
    c->ku_requested = 0;
    /* §4.6.3: answer update_requested before our next application data; any
     * number of requests are answered by one update. */
    if (m->u.ku.request_update == LTLS_MSG_KEY_UPDATE_REQUESTED)
        c->ku_reply_pending = 1;
    *next = c->state;
    return LTLS_OK;
}

/* ------------------------------------------------------------------------
 * Queries
 * ---------------------------------------------------------------------- */

uint16_t ltls_conn_version(const ltls_conn_t *c) { return c && c->hs_done ? c->version : 0; }

const ltls_suite_t *ltls_conn_suite(const ltls_conn_t *c)
{
    return c && c->hs_done ? c->suite : NULL;
}

const ltls_group_t *ltls_conn_group(const ltls_conn_t *c)
{
    return c && c->hs_done ? c->group : NULL;
}

const ltls_sigscheme_t *ltls_conn_peer_sigscheme(const ltls_conn_t *c)
{
    return c && c->hs_done ? c->peer_scheme : NULL;
}

const uint8_t *ltls_conn_alpn(const ltls_conn_t *c, size_t *len)
{
    if (len)
        *len = 0;
    if (!c || !c->hs_done || !c->alpn)
        return NULL;
    if (len)
        *len = c->alpn->len;
    return c->alpn->p;
}

const char *ltls_conn_server_name(const ltls_conn_t *c)
{
    return c && c->is_server ? c->server_name : NULL;
}

size_t ltls_conn_peer_cert_count(const ltls_conn_t *c) { return c ? c->peer_cert_count : 0; }

const uint8_t *ltls_conn_peer_cert(const ltls_conn_t *c, size_t i, size_t *len)
{
    if (len)
        *len = 0;
    if (!c || i >= c->peer_cert_count)
        return NULL;
    size_t l;
    const uint8_t *der;
    if (c->peer_der) {
        size_t off, end;
        memcpy(&off, c->peer_der + i * sizeof(size_t), sizeof(size_t));
        memcpy(&end, c->peer_der + (i + 1) * sizeof(size_t), sizeof(size_t));
        der = c->peer_der + (c->peer_cert_count + 1) * sizeof(size_t) + off;
        l = end - off;
    } else {
        der = ltls_cert_der(c->peer_certs[i], &l);
    }
    if (len)
        *len = l;
    return der;
}

ltls_err_t ltls_conn_export(const ltls_conn_t *c, const uint8_t *label, size_t label_len,
                            const uint8_t *context, size_t context_len, uint8_t *out,
                            size_t out_len)
{
    if (!c || (!label && label_len) || (!context && context_len) || (!out && out_len))
        return mk(LTLS_R_NULL_ARGUMENT);
    if (c->err)
        return c->err;
    if (!c->hs_done)
        return mk(LTLS_R_BAD_STATE);
    return ltls_keysched_export(c->p, c->suite->hash, c->exporter, label, label_len, context,
                                context_len, out, out_len);
}

ltls_err_t ltls_conn_error(const ltls_conn_t *c) { return c ? c->err : LTLS_OK; }

const char *ltls_conn_error_detail(const ltls_conn_t *c)
{
    if (!c || !c->err)
        return "";
    return c->detail && c->detail[0] ? c->detail : ltls_err_message(c->err);
}

/* ------------------------------------------------------------------------
 * Handshake services shared by client13.c and server13.c
 * ---------------------------------------------------------------------- */

ltls_err_t ltls_hs_peer_certificate(ltls_conn_t *c, const ltls_certificate_t *cert,
                                    uint64_t offered, const char *host, ltls_purpose_t purpose)
{
    if (cert->count > LTLS_X509_MAX_CHAIN)
        return ltls_conn_fail_reason(c, LTLS_R_CERT_PATH_TOO_LONG,
                                     "the peer sent %zu certificates; at most %d are accepted",
                                     cert->count, LTLS_X509_MAX_CHAIN);
    /* Each CertificateEntry's extensions must answer something we asked for
     * (§4.4.2: "MUST correspond to ones from the ... ClientHello" or
     * CertificateRequest). Checked for all before anything is kept. */
    ltls_iter_t it = {0, 0};
    ltls_cert_entry_t e;
    while (ltls_msg_certificate_next(cert, &it, &e)) {
        if (e.ext_block.len == 0)
            continue;
        ltls_ext_set_t set;
        ltls_err_t err = ltls_ext_parse_block(LTLS_EXT_CTX_CT, e.ext_block.p, e.ext_block.len, &set);
        if (!err)
            err = ltls_ext_check_solicited(&set, offered);
        if (err)
            return ltls_conn_detail(c, err, "certificate %zu: %s", it.idx - 1, ltls_err_message(err));
    }

    ltls_cert_t **certs = ltls_alloc(c->alloc, cert->count * sizeof(*certs));
    if (!certs)
        return mk(LTLS_R_OUT_OF_MEMORY);
    c->peer_certs = certs;
    c->peer_cert_cap = cert->count;
    it.off = it.idx = 0;
    while (ltls_msg_certificate_next(cert, &it, &e)) {
        char why[200] = "";
        ltls_err_t err = ltls_cert_parse_detail(e.data.p, e.data.len, c->alloc,
                                                &certs[c->peer_cert_count], why, sizeof(why));
        if (err)
            return ltls_conn_detail(c, err, "certificate %zu of the peer's chain: %s",
                                    c->peer_cert_count, why[0] ? why : ltls_err_message(err));
        c->peer_cert_count++;
    }

    if (!(c->ctx->insecure & LTLS_INSECURE_NO_VERIFY)) {
        ltls_verify_params_t vp;
        memset(&vp, 0, sizeof(vp));
        vp.provider = c->p;
        vp.trust = c->ctx->trust;
        vp.peer = (const ltls_cert_t *const *)certs;
        vp.peer_count = c->peer_cert_count;
        vp.host = host;
        vp.purpose = purpose;
        vp.now = c->ctx->clock(c->ctx->clock_user);
        ltls_verify_result_t *res = ltls_alloc(c->alloc, sizeof(*res));
        if (!res)
            return mk(LTLS_R_OUT_OF_MEMORY);
        ltls_err_t err = ltls_x509_verify(&vp, res);
        if (err)
            ltls_conn_detail(c, err, "%s certificate: %s", c->is_server ? "client" : "server",
                             res->detail[0] ? res->detail : ltls_err_message(err));
        ltls_free(c->alloc, res, sizeof(*res));
        if (err) {
            /* A misuse-class result here (no trust store...) is still a
             * failure to authenticate the peer. */
            return ltls_err_class(err) == LTLS_ECLASS_LOCAL_ALERT ? err : mk(LTLS_R_CERT_UNKNOWN_ISSUER);
        }
    }

    const ltls_pubkey_info_t *info = ltls_cert_pubkey_info(certs[0]);
    ltls_err_t err = info ? c->p->pubkey_new(c->p->impl, info, &c->hs->peer_key)
                          : mk(LTLS_R_KEY_FORMAT);
    if (err)
        return ltls_conn_fail_reason(c, LTLS_R_PEER_KEY_UNSUPPORTED,
                                     "the peer's certificate holds a key lucidtls cannot use (%s)",
                                     ltls_err_message(err));
    return LTLS_OK;
}

static const char cv_server[] = "TLS 1.3, server CertificateVerify";
static const char cv_client[] = "TLS 1.3, client CertificateVerify";

/* §4.4.3: 64 spaces || context string || 0 || Transcript-Hash. */
static ltls_err_t cv_content(ltls_conn_t *c, int from_server, uint8_t *out, size_t *len)
{
    const char *label = from_server ? cv_server : cv_client;
    size_t l = strlen(label);
    memset(out, 0x20, 64);
    memcpy(out + 64, label, l);
    out[64 + l] = 0;
    ltls_err_t err = ltls_transcript_current(&c->hs->tr, out + 65 + l);
    *len = 65 + l + c->suite->hash->digest_size;
    return err;
}

#define CV_CONTENT_MAX (64 + 34 + 1 + LTLS_HASH_MAX_SIZE)

static int scheme_fits_key(const ltls_sigscheme_t *s, const ltls_pubkey_info_t *k)
{
    return s->key_type == k->type && (k->type != LTLS_KEY_EC || s->curve == k->curve);
}

ltls_err_t ltls_hs_peer_certificate_verify(ltls_conn_t *c, const ltls_hs_msg_t *m,
                                           const uint16_t *offered, size_t offered_count,
                                           int from_server)
{
    const ltls_certificate_verify_t *cv = &m->u.cv;
    const ltls_sigscheme_t *s = ltls_sigscheme_by_code(cv->scheme);
    int ok = 0;
    for (size_t i = 0; s && i < offered_count; i++)
        ok |= offered[i] == cv->scheme;
    /* §4.4.3: the algorithm "MUST be one offered in the ... signature_algorithms
     * extension"; RSASSA-PKCS1-v1_5 is never valid here. */
    if (!ok || !s->tls13_handshake)
        return ltls_conn_fail_reason(c, LTLS_R_BAD_SIGSCHEME,
                                     "CertificateVerify uses signature scheme 0x%04x (%s), which we did not offer",
                                     cv->scheme, s ? s->name : "unknown");
    const ltls_pubkey_info_t *info = ltls_cert_pubkey_info(c->peer_certs[0]);
    if (!info || !scheme_fits_key(s, info))
        return ltls_conn_fail_reason(c, LTLS_R_BAD_SIGSCHEME,
                                     "CertificateVerify uses %s, which does not fit the certificate's key",
                                     s->name);
    uint8_t content[CV_CONTENT_MAX];
    size_t len;
    ltls_err_t err = cv_content(c, from_server, content, &len);
    if (err)
        return err;
    err = c->p->verify(c->hs->peer_key, s, content, len, cv->signature.p, cv->signature.len);
    if (err) {
        ltls_reason_t r = ltls_err_reason(err);
        if (r == LTLS_R_DECRYPT_ERROR || r == LTLS_R_KEY_TYPE_MISMATCH)
            return ltls_conn_fail_reason(c, LTLS_R_BAD_CERTIFICATE_VERIFY,
                                         "the %s's CertificateVerify (%s) does not verify with its certificate's key",
                                         from_server ? "server" : "client", s->name);
        return err;
    }
    c->peer_scheme = s;
    return ltls_transcript_add(&c->hs->tr, m->raw, m->raw_len);
}

static void w_certificate(ltls_writer_t *w, const void *m) { ltls_msg_write_certificate(w, m); }
static void w_cv(ltls_writer_t *w, const void *m) { ltls_msg_write_certificate_verify(w, m); }
static void w_finished(ltls_writer_t *w, const void *m) { ltls_msg_write_finished(w, m); }

ltls_err_t ltls_hs_send_certificate(ltls_conn_t *c, const uint8_t *ctx_bytes, size_t ctx_len,
                                    const ltls_hs_chain_t *chain, const ltls_sigscheme_t *scheme,
                                    int from_server)
{
    ltls_certificate_t msg;
    memset(&msg, 0, sizeof(msg));
    msg.context.p = ctx_bytes;
    msg.context.len = ctx_len;
    if (chain) {
        msg.items = chain->entries;
        msg.count = chain->count;
    }
    ltls_err_t err = ltls_conn_emit(c, w_certificate, &msg, 1);
    if (err || !chain)
        return err;

    uint8_t content[CV_CONTENT_MAX], sig[LTLS_SIG_MAX_SIZE];
    size_t len, sig_len = sizeof(sig);
    if ((err = cv_content(c, from_server, content, &len)))
        return err;
    if ((err = c->p->sign(chain->handle, scheme, content, len, sig, &sig_len)))
        return ltls_conn_detail(c, err, "signing the CertificateVerify with %s failed: %s",
                                scheme->name, ltls_err_message(err));
    ltls_certificate_verify_t cv = {scheme->code, {sig, sig_len}};
    return ltls_conn_emit(c, w_cv, &cv, 1);
}

ltls_err_t ltls_hs_check_finished(ltls_conn_t *c, const ltls_hs_msg_t *m, const uint8_t *base_key)
{
    uint8_t th[LTLS_HASH_MAX_SIZE];
    ltls_err_t err = ltls_transcript_current(&c->hs->tr, th);
    if (err)
        return err;
    /* §4.4.4: "Recipients of Finished messages MUST verify that the contents
     * are correct"; compared in constant time by the key schedule. */
    err = ltls_keysched_finished_check(c->p, c->suite->hash, base_key, th, m->u.fin.verify_data.p,
                                       m->u.fin.verify_data.len);
    if (ltls_err_reason(err) == LTLS_R_DECRYPT_ERROR)
        return ltls_conn_fail_reason(c, LTLS_R_BAD_FINISHED, "the %s's Finished does not match the handshake",
                                     c->is_server ? "client" : "server");
    if (err)
        return err;
    return ltls_transcript_add(&c->hs->tr, m->raw, m->raw_len);
}

ltls_err_t ltls_hs_send_finished(ltls_conn_t *c, const uint8_t *base_key)
{
    uint8_t th[LTLS_HASH_MAX_SIZE], vd[LTLS_HASH_MAX_SIZE];
    ltls_err_t err = ltls_transcript_current(&c->hs->tr, th);
    if (!err)
        err = ltls_keysched_finished(c->p, c->suite->hash, base_key, th, vd);
    if (!err) {
        ltls_finished_t f = {{vd, c->suite->hash->digest_size}};
        err = ltls_conn_emit(c, w_finished, &f, 1);
    }
    ltls_wipe(vd, sizeof(vd));
    return err;
}

ltls_err_t ltls_hs_derive_app_secrets(ltls_conn_t *c, uint8_t *c_app, uint8_t *s_app)
{
    uint8_t th[LTLS_HASH_MAX_SIZE];
    ltls_hs_t *hs = c->hs;
    ltls_err_t err = ltls_transcript_current(&hs->tr, th);
    if (!err)
        err = ltls_keysched_master(&hs->ks);
    if (!err)
        err = ltls_keysched_app_traffic(&hs->ks, th, c_app, s_app);
    if (!err)
        err = ltls_keysched_exporter_master(&hs->ks, th, c->exporter);
    if (err)
        return err;
    ltls_conn_keylog(c, "CLIENT_TRAFFIC_SECRET_0", c_app);
    ltls_conn_keylog(c, "SERVER_TRAFFIC_SECRET_0", s_app);
    ltls_conn_keylog(c, "EXPORTER_SECRET", c->exporter);
    /* Without resumption nothing else comes from the master secret. */
    ltls_keysched_clear(&hs->ks);
    return LTLS_OK;
}

const ltls_sigscheme_t *ltls_hs_pick_scheme(const ltls_hs_chain_t *chain,
                                            const ltls_u16_list_t *peer)
{
    for (size_t i = 0; i < chain->scheme_count; i++)
        if (ltls_u16_list_has(peer, chain->schemes[i]->code))
            return chain->schemes[i];
    return NULL;
}
