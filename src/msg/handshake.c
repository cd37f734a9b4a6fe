/*
 * msg/handshake.c - handshake message framing (RFC 8446 §4) and reassembly
 * across records (§5.1).
 *
 * Theory of operation. Every handshake message is type(1) || length(3) ||
 * body. The reassembler sits between the record layer and the codecs and
 * hands out whole messages:
 *
 *   - fast path: with nothing pending, a message lying whole in the input is
 *     returned as a view into the input. A record holding several messages
 *     yields them one per call; the common case allocates and copies nothing.
 *   - slow path: a message cut by a record boundary is collected in a buffer
 *     owned by the reassembler. The 4-byte header is gathered first in a
 *     small inline array, so the announced length is known, and checked
 *     against the limit, before a byte of memory is committed. The buffer
 *     then grows geometrically with what actually arrives, never past the
 *     announced size: a peer that announces 64 KiB and sends 10 bytes costs
 *     little. It is reused for the next split message and released by
 *     ltls_msg_reasm_trim() once the handshake is over.
 *
 * A message returned from the buffer stays valid until the next call, which
 * first marks the buffer empty again.
 *
 * §5.1 forbids a handshake message to span a key change, and a message that
 * causes one must end its record; ltls_msg_reasm_key_change() is the check
 * the handler runs when it installs new read keys.
 */
#include <string.h>

#include "core/mem.h"
#include "core/reader.h"
#include "msg/extensions/ext.h"
#include "msg/msg.h"

#define MIN_GROWTH 256

ltls_err_t ltls_msg_parse_header(const uint8_t *msg, size_t len, uint8_t *type, ltls_bytes_t *body)
{
    ltls_reader_t r;
    uint32_t n;
    ltls_err_t err;
    if (!msg || !type || !body)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    ltls_reader_init(&r, msg, len);
    if ((err = ltls_reader_u8(&r, type)) || (err = ltls_reader_u24(&r, &n)) ||
        (err = ltls_reader_bytes(&r, n, &body->p)))
        return err;
    body->len = n;
    return ltls_reader_end(&r);
}

ltls_err_t ltls_msg_parse_any(uint8_t type, const uint8_t *body, size_t len, size_t hash_len,
                              ltls_msg_any_t *out)
{
    switch (type) {
    case LTLS_MSG_CLIENT_HELLO: return ltls_msg_parse_client_hello(body, len, &out->ch);
    case LTLS_MSG_SERVER_HELLO: return ltls_msg_parse_server_hello(body, len, &out->sh);
    case LTLS_MSG_ENCRYPTED_EXTENSIONS:
        return ltls_msg_parse_encrypted_extensions(body, len, &out->ee);
    case LTLS_MSG_CERTIFICATE_REQUEST:
        return ltls_msg_parse_certificate_request(body, len, &out->cr);
    case LTLS_MSG_CERTIFICATE: return ltls_msg_parse_certificate(body, len, &out->cert);
    case LTLS_MSG_CERTIFICATE_VERIFY: return ltls_msg_parse_certificate_verify(body, len, &out->cv);
    case LTLS_MSG_FINISHED: return ltls_msg_parse_finished(body, len, hash_len, &out->fin);
    case LTLS_MSG_NEW_SESSION_TICKET:
        return ltls_msg_parse_new_session_ticket(body, len, &out->nst);
    case LTLS_MSG_KEY_UPDATE: return ltls_msg_parse_key_update(body, len, &out->ku);
    case LTLS_MSG_END_OF_EARLY_DATA: return ltls_msg_parse_end_of_early_data(body, len);
    default: return ltls_err_make(LTLS_R_INTERNAL);
    }
}

ltls_writer_vec_t ltls_msg_begin(ltls_writer_t *w, uint8_t type)
{
    ltls_writer_u8(w, type);
    return ltls_writer_vec_open(w, 3);
}

void ltls_msg_end(ltls_writer_t *w, ltls_writer_vec_t v) { ltls_writer_vec_close(w, v); }

/* ------------------------------------------------------------------------
 * Reassembly
 * ---------------------------------------------------------------------- */

ltls_err_t ltls_msg_reasm_init(ltls_msg_reasm_t *r, const ltls_allocator_t *alloc,
                               size_t max_body, size_t max_cert_body)
{
    if (!r)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if (max_body > LTLS_MSG_MAX_HARD || max_cert_body > LTLS_MSG_MAX_HARD)
        return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    memset(r, 0, sizeof(*r));
    r->alloc = alloc;
    r->max_body = max_body ? max_body : LTLS_MSG_MAX_DEFAULT;
    r->max_cert_body = max_cert_body ? max_cert_body : LTLS_MSG_MAX_DEFAULT;
    return LTLS_OK;
}

/* Reads a header from h (4 bytes) and checks the announced length against
 * the limit for its type; *total is the whole message's size. */
static ltls_err_t read_header(const ltls_msg_reasm_t *r, const uint8_t *h, uint8_t *type,
                              size_t *total)
{
    ltls_reader_t rd;
    uint32_t n;
    ltls_reader_init(&rd, h, LTLS_MSG_HEADER_SIZE);
    if (ltls_reader_u8(&rd, type) || ltls_reader_u24(&rd, &n))
        return ltls_err_make(LTLS_R_INTERNAL);
    size_t limit = (*type == LTLS_MSG_CERTIFICATE || *type == LTLS_MSG_COMPRESSED_CERTIFICATE)
                       ? r->max_cert_body
                       : r->max_body;
    if (n > limit)
        return ltls_err_make(LTLS_R_MSG_TOO_LARGE);
    *total = LTLS_MSG_HEADER_SIZE + (size_t)n;
    return LTLS_OK;
}

static ltls_err_t reserve(ltls_msg_reasm_t *r, size_t want)
{
    if (want <= r->cap)
        return LTLS_OK;
    /* Double what is held, at least MIN_GROWTH, at most the message. */
    size_t cap = r->cap * 2 > want ? r->cap * 2 : want;
    if (cap < MIN_GROWTH)
        cap = MIN_GROWTH;
    if (cap > r->need)
        cap = r->need;
    uint8_t *buf = ltls_alloc(r->alloc, cap);
    if (!buf)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    if (r->have)
        memcpy(buf, r->buf, r->have);
    ltls_free(r->alloc, r->buf, r->cap);
    r->buf = buf;
    r->cap = cap;
    return LTLS_OK;
}

static void deliver(ltls_msg_t *out, uint8_t type, const uint8_t *msg, size_t total)
{
    out->type = type;
    out->msg = msg;
    out->msg_len = total;
    out->body = total > LTLS_MSG_HEADER_SIZE ? msg + LTLS_MSG_HEADER_SIZE : NULL;
    out->body_len = total - LTLS_MSG_HEADER_SIZE;
}

ltls_err_t ltls_msg_reasm_next(ltls_msg_reasm_t *r, const uint8_t *in, size_t len, size_t *used,
                               ltls_msg_t *out)
{
    ltls_reader_t rd;
    const uint8_t *p;
    uint8_t type;
    size_t total = 0;
    ltls_err_t err;
    if (!r || !used || !out || (!in && len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    *used = 0;
    if (r->delivered) {
        r->delivered = 0;
        r->head_len = 0;
        r->have = 0;
        r->need = 0;
    }
    ltls_reader_init(&rd, in, len);

    if (r->head_len == 0 && len >= LTLS_MSG_HEADER_SIZE) {
        if ((err = read_header(r, in, &type, &total)))
            return err;
        if (len >= total) {
            *used = total;
            deliver(out, type, in, total);
            return LTLS_OK;
        }
    }

    /* The slow path: gather the header, then the body, into our buffer. */
    while (r->head_len < LTLS_MSG_HEADER_SIZE && ltls_reader_left(&rd))
        ltls_reader_u8(&rd, &r->head[r->head_len++]);
    if (r->head_len < LTLS_MSG_HEADER_SIZE) {
        *used = rd.off;
        return ltls_err_make(LTLS_R_WANT_READ);
    }
    if (r->need == 0) {
        if ((err = read_header(r, r->head, &type, &total)))
            return err;
        r->need = total;
        if ((err = reserve(r, LTLS_MSG_HEADER_SIZE)))
            return err;
        memcpy(r->buf, r->head, LTLS_MSG_HEADER_SIZE);
        r->have = LTLS_MSG_HEADER_SIZE;
    }
    size_t take = r->need - r->have;
    if (take > ltls_reader_left(&rd))
        take = ltls_reader_left(&rd);
    if (take) {
        if ((err = reserve(r, r->have + take)))
            return err;
        ltls_reader_bytes(&rd, take, &p);
        memcpy(r->buf + r->have, p, take);
        r->have += take;
    }
    *used = rd.off;
    if (r->have < r->need)
        return ltls_err_make(LTLS_R_WANT_READ);
    r->delivered = 1;
    deliver(out, r->head[0], r->buf, r->need);
    return LTLS_OK;
}

int ltls_msg_reasm_pending(const ltls_msg_reasm_t *r)
{
    return !r->delivered && (r->head_len > 0 || r->have > 0);
}

ltls_err_t ltls_msg_reasm_key_change(const ltls_msg_reasm_t *r, size_t record_left)
{
    /* §5.1: "Handshake messages MUST NOT span key changes. ... If they do,
     * [the receiver] MUST terminate the connection with an
     * "unexpected_message" alert." */
    if (ltls_msg_reasm_pending(r) || record_left)
        return ltls_err_make(LTLS_R_MSG_SPANS_KEY_CHANGE);
    return LTLS_OK;
}

void ltls_msg_reasm_trim(ltls_msg_reasm_t *r)
{
    if (!r || ltls_msg_reasm_pending(r))
        return;
    ltls_free(r->alloc, r->buf, r->cap);
    r->buf = NULL;
    r->cap = 0;
    r->have = 0;
    r->need = 0;
    r->head_len = 0;
    r->delivered = 0;
}

void ltls_msg_reasm_free(ltls_msg_reasm_t *r)
{
    if (!r)
        return;
    ltls_free(r->alloc, r->buf, r->cap);
    r->buf = NULL;
    r->cap = 0;
    r->have = 0;
    r->need = 0;
    r->head_len = 0;
    r->delivered = 0;
}
