/*
 * msg/extensions/alpn.c - application_layer_protocol_negotiation (RFC 7301).
 *
 * ProtocolName protocol_name_list<2..2^16-1>, each ProtocolName <1..2^8-1>:
 * an empty name is a bounds error (decode_error) wherever it appears. The
 * client offers a list; the server's answer (EncryptedExtensions, or a TLS
 * 1.2 ServerHello) "MUST contain exactly one ProtocolName" (RFC 7301 §3.1),
 * else EXT_ALPN. Whether that name was offered is the handler's check
 * (no_application_protocol / illegal_parameter are its alerts).
 */
#include "msg/extensions/ext.h"

static int is_response(ltls_ext_ctx_t ctx)
{
    return ctx == LTLS_EXT_CTX_EE || ctx == LTLS_EXT_CTX_SH12;
}

static ltls_err_t parse_body(ltls_ext_ctx_t ctx, ltls_reader_t *body, ltls_ext_set_t *set)
{
    ltls_err_t err = ltls_msg_read_blob_list(body, 2, 2, 0xffff, 1, 1, 0xff, &set->alpn);
    if (!err && is_response(ctx) && set->alpn.count != 1)
        err = ltls_err_make(LTLS_R_EXT_ALPN);
    return err;
}

static void write_body(ltls_ext_ctx_t ctx, const ltls_ext_set_t *set, ltls_writer_t *w)
{
    if (is_response(ctx) && set->alpn.count != 1)
        ltls_msg_writer_fail(w, LTLS_R_BAD_ARGUMENT);
    ltls_msg_write_blob_list(w, 2, 2, 0xffff, 1, 1, 0xff, &set->alpn);
}

const ltls_ext_desc_t ltls_ext_desc_alpn = {
    LTLS_EXT_CODE_ALPN, LTLS_EXT_ALPN, LTLS_EXT_IN_CH | LTLS_EXT_IN_EE | LTLS_EXT_IN_SH12,
    "application_layer_protocol_negotiation", parse_body, write_body,
};
