/*
 * msg/extensions/supported_versions.c - supported_versions (RFC 8446 §4.2.1).
 *
 * ClientHello: ProtocolVersion versions<2..254>, kept as wire bytes (GREASE
 * versions included, RFC 8701). ServerHello and HelloRetryRequest: one
 * selected_version. §4.2.1: a selected version "prior to TLS 1.3" makes the
 * client abort with illegal_parameter (EXT_VERSION); a GREASE one is refused
 * first (MSG_GREASE_SELECTED, RFC 8701 §3). Whether it was offered is the
 * handler's check.
 */
#include "msg/extensions/ext.h"

static int is_client(ltls_ext_ctx_t ctx) { return ctx == LTLS_EXT_CTX_CH; }

static ltls_err_t parse_body(ltls_ext_ctx_t ctx, ltls_reader_t *body, ltls_ext_set_t *set)
{
    if (is_client(ctx))
        return ltls_msg_read_u16_list(body, 1, 2, 254, &set->supported_versions);
    ltls_err_t err = ltls_reader_u16(body, &set->selected_version);
    if (err)
        return err;
    if (ltls_msg_is_grease(set->selected_version))
        return ltls_err_make(LTLS_R_MSG_GREASE_SELECTED);
    if (set->selected_version < LTLS_MSG_VERSION_TLS13)
        return ltls_err_make(LTLS_R_EXT_VERSION);
    return LTLS_OK;
}

static void write_body(ltls_ext_ctx_t ctx, const ltls_ext_set_t *set, ltls_writer_t *w)
{
    if (is_client(ctx)) {
        ltls_msg_write_u16_list(w, 1, 2, 254, &set->supported_versions);
        return;
    }
    if (set->selected_version < LTLS_MSG_VERSION_TLS13 ||
        ltls_msg_is_grease(set->selected_version))
        ltls_msg_writer_fail(w, LTLS_R_BAD_ARGUMENT);
    ltls_writer_u16(w, set->selected_version);
}

const ltls_ext_desc_t ltls_ext_desc_supported_versions = {
    LTLS_EXT_CODE_SUPPORTED_VERSIONS, LTLS_EXT_SUPPORTED_VERSIONS,
    LTLS_EXT_IN_CH | LTLS_EXT_IN_SH | LTLS_EXT_IN_HRR, "supported_versions", parse_body,
    write_body,
};
