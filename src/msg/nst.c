/*
 * msg/nst.c - NewSessionTicket (RFC 8446 §4.6.1).
 *
 *   uint32 ticket_lifetime; uint32 ticket_age_add; opaque ticket_nonce<0..255>;
 *   opaque ticket<1..2^16-1>; Extension extensions<0..2^16-2>;
 *
 * "Servers MUST NOT use any value greater than 604800 seconds (7 days)": a
 * client receiving one rejects the message (MSG_TICKET_LIFETIME,
 * illegal_parameter) rather than silently caching a ticket beyond its rules.
 * A lifetime of 0 is legal ("discarded immediately") and left to the
 * session store. Unknown extensions, GREASE included, are ignored ("Clients
 * MUST ignore unrecognized extensions"; RFC 8701 §4.1).
 */
#include "core/reader.h"
#include "msg/extensions/ext.h"
#include "msg/msg.h"

#define TRY(expr)                    \
    do {                             \
        if ((err = (expr)) != 0)     \
            return err;              \
    } while (0)

ltls_err_t ltls_msg_parse_new_session_ticket(const uint8_t *body, size_t len,
                                             ltls_new_session_ticket_t *out)
{
    ltls_reader_t r, exts;
    ltls_err_t err;
    if (!out || (!body && len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    ltls_reader_init(&r, body, len);
    TRY(ltls_reader_u32(&r, &out->lifetime));
    TRY(ltls_reader_u32(&r, &out->age_add));
    TRY(ltls_msg_read_opaque(&r, 1, 0, 0xff, &out->nonce));
    TRY(ltls_msg_read_opaque(&r, 2, 1, 0xffff, &out->ticket));
    TRY(ltls_reader_vec(&r, 2, 0, 0xfffe, &exts));
    TRY(ltls_reader_end(&r));
    if (out->lifetime > LTLS_MSG_TICKET_LIFETIME_MAX)
        return ltls_err_make(LTLS_R_MSG_TICKET_LIFETIME);
    return ltls_ext_parse_block(LTLS_EXT_CTX_NST, ltls_reader_peek(&exts), exts.len, &out->exts);
}

void ltls_msg_write_new_session_ticket(ltls_writer_t *w, const ltls_new_session_ticket_t *nst)
{
    if (nst->lifetime > LTLS_MSG_TICKET_LIFETIME_MAX)
        ltls_msg_writer_fail(w, LTLS_R_BAD_ARGUMENT);
    ltls_writer_vec_t m = ltls_msg_begin(w, LTLS_MSG_NEW_SESSION_TICKET);
    ltls_writer_u32(w, nst->lifetime);
    ltls_writer_u32(w, nst->age_add);
    ltls_msg_write_opaque(w, 1, 0, 0xff, &nst->nonce);
    ltls_msg_write_opaque(w, 2, 1, 0xffff, &nst->ticket);
    size_t start = w->len;
    ltls_ext_write_block(w, LTLS_EXT_CTX_NST, &nst->exts);
    /* extensions<0..2^16-2>: one byte less than the block prefix allows. */
    if (w->len - start > 2 + 0xfffe)
        ltls_msg_writer_fail(w, LTLS_R_BAD_ARGUMENT);
    ltls_msg_end(w, m);
}
