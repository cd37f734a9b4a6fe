/*
 * msg/extensions/cookie.c - cookie (RFC 8446 §4.2.2).
 *
 * opaque cookie<1..2^16-1>, sent by the server in a HelloRetryRequest (the
 * one extension it may send unasked) and echoed by the client in its second
 * ClientHello. The bytes are the server's own; their meaning is its
 * handler's business.
 */
#include "msg/extensions/ext.h"

static ltls_err_t parse_body(ltls_ext_ctx_t ctx, ltls_reader_t *body, ltls_ext_set_t *set)
{
    (void)ctx;
    return ltls_msg_read_opaque(body, 2, 1, 0xffff, &set->cookie);
}

static void write_body(ltls_ext_ctx_t ctx, const ltls_ext_set_t *set, ltls_writer_t *w)
{
    (void)ctx;
    ltls_msg_write_opaque(w, 2, 1, 0xffff, &set->cookie);
}

const ltls_ext_desc_t ltls_ext_desc_cookie = {
    LTLS_EXT_CODE_COOKIE, LTLS_EXT_COOKIE, LTLS_EXT_IN_CH | LTLS_EXT_IN_HRR, "cookie",
    parse_body, write_body,
};
