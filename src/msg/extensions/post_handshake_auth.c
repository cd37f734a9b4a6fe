/*
 * msg/extensions/post_handshake_auth.c - post_handshake_auth (RFC 8446
 * §4.2.6): an empty extension in the ClientHello saying the client accepts a
 * CertificateRequest after the handshake. "The "extension_data" field of the
 * "post_handshake_auth" extension is zero length": a body is refused by the
 * registry's end check (decode_error).
 */
#include "msg/extensions/ext.h"

static ltls_err_t parse_body(ltls_ext_ctx_t ctx, ltls_reader_t *body, ltls_ext_set_t *set)
{
    (void)ctx;
    (void)body;
    (void)set;
    return LTLS_OK;
}

static void write_body(ltls_ext_ctx_t ctx, const ltls_ext_set_t *set, ltls_writer_t *w)
{
    (void)ctx;
    (void)set;
    (void)w;
}

const ltls_ext_desc_t ltls_ext_desc_post_handshake_auth = {
    LTLS_EXT_CODE_POST_HANDSHAKE_AUTH, LTLS_EXT_POST_HANDSHAKE_AUTH, LTLS_EXT_IN_CH,
    "post_handshake_auth", parse_body, write_body,
};
