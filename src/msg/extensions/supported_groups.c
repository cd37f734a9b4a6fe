/*
 * msg/extensions/supported_groups.c - supported_groups (RFC 8446 §4.2.7).
 *
 * NamedGroup named_group_list<2..2^16-1>, in the ClientHello (the client's
 * preference) and in EncryptedExtensions (the server's, for the client's
 * next connection). Values are kept as wire bytes: GREASE and unknown groups
 * are not errors (RFC 8701 §3) and ltls_u16_list_next() skips GREASE.
 */
#include "msg/extensions/ext.h"

static ltls_err_t parse_body(ltls_ext_ctx_t ctx, ltls_reader_t *body, ltls_ext_set_t *set)
{
    (void)ctx;
    return ltls_msg_read_u16_list(body, 2, 2, 0xffff, &set->supported_groups);
}

static void write_body(ltls_ext_ctx_t ctx, const ltls_ext_set_t *set, ltls_writer_t *w)
{
    (void)ctx;
    ltls_msg_write_u16_list(w, 2, 2, 0xffff, &set->supported_groups);
}

const ltls_ext_desc_t ltls_ext_desc_supported_groups = {
    LTLS_EXT_CODE_SUPPORTED_GROUPS, LTLS_EXT_SUPPORTED_GROUPS, LTLS_EXT_IN_CH | LTLS_EXT_IN_EE,
    "supported_groups", parse_body, write_body,
};
