/*
 * hs/statemachine.c - the one place where a handshake message meets the
 * state machine.
 *
 * Theory of operation. The client and the server each have a table of rows
 * {state, accepted message, handler, possible next states} (client13.c,
 * server13.c). For every whole handshake message the connection layer calls
 * ltls_hs_dispatch(), which
 *
 *   1. looks for a row of the current state that accepts the message's type,
 *      and refuses the message with unexpected_message if there is none:
 *      this is the only place in lucidtls that decides unexpected_message
 *      for a handshake message (RFC 8446 §4: "a message which is not
 *      appropriate for the current state");
 *   2. parses the whole message with the codec (src/msg), so that the
 *      handler sees a completely validated struct. A ServerHello whose
 *      random is the HelloRetryRequest value is then looked up again as the
 *      pseudo-message HelloRetryRequest, so that the tables, not the
 *      handlers, say that a second HelloRetryRequest is unexpected (§4.1.4);
 *   3. calls the handler, which returns the next state instead of setting
 *      it;
 *   4. checks that the next state is one the row allows (a handler that
 *      strays is a bug: internal_error) and only then stores it.
 *
 * A message that fails at any step leaves the state as it was, and the
 * connection fails with the step's error.
 */
#include <stdio.h>

#include "hs/hs.h"

static const char *const state_names[LTLS_HS_STATE_COUNT_] = {
    [LTLS_HS_C_START] = "START",
    [LTLS_HS_C_WAIT_SH] = "WAIT_SH",
    [LTLS_HS_C_WAIT_SH2] = "WAIT_SH2",
    [LTLS_HS_C_WAIT_EE] = "WAIT_EE",
    [LTLS_HS_C_WAIT_CERT_CR] = "WAIT_CERT_CR",
    [LTLS_HS_C_WAIT_CERT] = "WAIT_CERT",
    [LTLS_HS_C_WAIT_CV] = "WAIT_CV",
    [LTLS_HS_C_WAIT_FINISHED] = "WAIT_FINISHED",
    [LTLS_HS_C_CONNECTED] = "CONNECTED",
    [LTLS_HS_S_START] = "START",
    [LTLS_HS_S_WAIT_CH2] = "WAIT_CH2",
    [LTLS_HS_S_WAIT_CERT] = "WAIT_CERT",
    [LTLS_HS_S_WAIT_CV] = "WAIT_CV",
    [LTLS_HS_S_WAIT_FINISHED] = "WAIT_FINISHED",
    [LTLS_HS_S_CONNECTED] = "CONNECTED",
};

const char *ltls_hs_state_name(uint8_t state)
{
    return state < LTLS_HS_STATE_COUNT_ ? state_names[state] : "?";
}

const char *ltls_hs_kind_name(uint16_t kind, char buf[16])
{
    switch (kind) {
    case LTLS_MSG_HELLO_REQUEST: return "HelloRequest";
    case LTLS_MSG_CLIENT_HELLO: return "ClientHello";
    case LTLS_MSG_SERVER_HELLO: return "ServerHello";
    case LTLS_MSG_NEW_SESSION_TICKET: return "NewSessionTicket";
    case LTLS_MSG_END_OF_EARLY_DATA: return "EndOfEarlyData";
    case LTLS_MSG_ENCRYPTED_EXTENSIONS: return "EncryptedExtensions";
    case LTLS_MSG_CERTIFICATE: return "Certificate";
    case LTLS_MSG_SERVER_KEY_EXCHANGE: return "ServerKeyExchange";
    case LTLS_MSG_CERTIFICATE_REQUEST: return "CertificateRequest";
    case LTLS_MSG_SERVER_HELLO_DONE: return "ServerHelloDone";
    case LTLS_MSG_CERTIFICATE_VERIFY: return "CertificateVerify";
    case LTLS_MSG_CLIENT_KEY_EXCHANGE: return "ClientKeyExchange";
    case LTLS_MSG_FINISHED: return "Finished";
    case LTLS_MSG_CERTIFICATE_STATUS: return "CertificateStatus";
    case LTLS_MSG_KEY_UPDATE: return "KeyUpdate";
    case LTLS_MSG_COMPRESSED_CERTIFICATE: return "CompressedCertificate";
    case LTLS_MSG_MESSAGE_HASH: return "message_hash";
    case LTLS_HS_KIND_HRR: return "HelloRetryRequest";
    case LTLS_HS_KIND_START: return "handshake()";
    default:
        snprintf(buf, 16, "type %u", (unsigned)kind);
        return buf;
    }
}

const ltls_hs_row_t *ltls_hs_find(const ltls_hs_table_t *t, uint8_t state, uint16_t kind)
{
    for (size_t i = 0; i < t->count; i++)
        if (t->rows[i].state == state && t->rows[i].kind == kind)
            return &t->rows[i];
    return NULL;
}

/* The wire type a row's kind arrives as. */
static uint16_t wire_type(uint16_t kind)
{
    return kind == LTLS_HS_KIND_HRR ? LTLS_MSG_SERVER_HELLO : kind;
}

static int accepts_wire(const ltls_hs_table_t *t, uint8_t state, uint8_t type)
{
    for (size_t i = 0; i < t->count; i++)
        if (t->rows[i].state == state && wire_type(t->rows[i].kind) == type)
            return 1;
    return 0;
}

static const ltls_hs_table_t *table_of(const ltls_conn_t *c)
{
    return c->is_server ? &ltls_hs_server_table : &ltls_hs_client_table;
}

static ltls_err_t unexpected(ltls_conn_t *c, uint16_t kind)
{
    char buf[16];
    return ltls_conn_fail_reason(c, LTLS_R_UNEXPECTED_MESSAGE, "%s %s in state %s",
                                 c->is_server ? "client sent" : "server sent",
                                 ltls_hs_kind_name(kind, buf), ltls_hs_state_name(c->state));
}

/* The codec's parse for each type a table accepts. */
static ltls_err_t parse(ltls_conn_t *c, const ltls_msg_t *m, ltls_hs_msg_t *hm)
{
    /* §4.4.4: verify_data is Hash.length bytes; the suite is known by the
     * time any Finished is acceptable. */
    size_t hash_len = c->suite ? c->suite->hash->digest_size : 0;
    return ltls_msg_parse_any(m->type, m->body, m->body_len, hash_len, &hm->u);
}

static ltls_err_t run(ltls_conn_t *c, const ltls_hs_row_t *row, const ltls_hs_msg_t *hm)
{
    uint8_t next = c->state;
    ltls_err_t err = row->handler(c, hm, &next);
    if (err)
        return err;
    for (uint8_t i = 0; i < row->next_count; i++) {
        if (row->next[i] == next) {
            c->state = next;
            return LTLS_OK;
        }
    }
    return ltls_conn_fail_reason(c, LTLS_R_INTERNAL, "handler %s went from %s to %s, which its row does not allow",
                                 row->handler_name, ltls_hs_state_name(c->state),
                                 ltls_hs_state_name(next));
}

ltls_err_t ltls_hs_dispatch(ltls_conn_t *c, const ltls_msg_t *m)
{
    const ltls_hs_table_t *t = table_of(c);
    if (!accepts_wire(t, c->state, m->type))
        return unexpected(c, m->type);

    ltls_hs_msg_t hm;
    hm.kind = m->type;
    hm.raw = m->msg;
    hm.raw_len = m->msg_len;
    ltls_err_t err = parse(c, m, &hm);
    if (err) {
        char buf[16];
        return ltls_conn_detail(c, err, "malformed %s: %s", ltls_hs_kind_name(m->type, buf),
                                ltls_err_message(err));
    }
    if (m->type == LTLS_MSG_SERVER_HELLO && hm.u.sh.is_hrr)
        hm.kind = LTLS_HS_KIND_HRR;

    const ltls_hs_row_t *row = ltls_hs_find(t, c->state, hm.kind);
    if (!row)
        return unexpected(c, hm.kind);
    return run(c, row, &hm);
}

ltls_err_t ltls_hs_act(ltls_conn_t *c, uint16_t kind)
{
    const ltls_hs_row_t *row = ltls_hs_find(table_of(c), c->state, kind);
    if (!row)
        return unexpected(c, kind);
    ltls_hs_msg_t hm;
    hm.kind = kind;
    hm.raw = NULL;
    hm.raw_len = 0;
    return run(c, row, &hm);
}
