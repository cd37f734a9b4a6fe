/*
 * msg/extensions/padding.c - padding (RFC 7685).
 *
 * The client fills the extension with zero bytes to bring its ClientHello to
 * a size middleboxes handle well. RFC 7685 §3 puts the zeros on the client
 * and asks the server only not to echo the extension; the contents carry no
 * meaning, so the server ignores them (as most stacks do) and records only
 * the length. Written padding is always zeros, so a parsed hello whose
 * padding was not all zeros is the one input that does not re-serialise to
 * the same bytes.
 */
#include "msg/extensions/ext.h"

static ltls_err_t parse_body(ltls_ext_ctx_t ctx, ltls_reader_t *body, ltls_ext_set_t *set)
{
    (void)ctx;
    set->padding_len = ltls_reader_left(body);
    return ltls_reader_skip(body, set->padding_len);
}

static void write_body(ltls_ext_ctx_t ctx, const ltls_ext_set_t *set, ltls_writer_t *w)
{
    (void)ctx;
    if (set->padding_len > 0xffff) {
        ltls_msg_writer_fail(w, LTLS_R_BAD_ARGUMENT);
        return;
    }
    ltls_bytes_t zeros = {NULL, set->padding_len};
    ltls_msg_write_bytes_or_zeros(w, &zeros);
}

const ltls_ext_desc_t ltls_ext_desc_padding = {
    LTLS_EXT_CODE_PADDING, LTLS_EXT_PADDING, LTLS_EXT_IN_CH, "padding", parse_body, write_body,
};
