/*
 * msg/extensions/early_data.c - early_data (RFC 8446 §4.2.10).
 *
 * Empty in ClientHello and EncryptedExtensions; in NewSessionTicket a uint32
 * max_early_data_size. A non-empty body where it must be empty is left for
 * the registry's end check (DECODE_TRAILING, decode_error).
 */
#include "msg/extensions/ext.h"

static ltls_err_t parse_body(ltls_ext_ctx_t ctx, ltls_reader_t *body, ltls_ext_set_t *set)
{
    if (ctx == LTLS_EXT_CTX_NST)
        return ltls_reader_u32(body, &set->max_early_data_size);
    return LTLS_OK;
}

static void write_body(ltls_ext_ctx_t ctx, const ltls_ext_set_t *set, ltls_writer_t *w)
{
    if (ctx == LTLS_EXT_CTX_NST)
        ltls_writer_u32(w, set->max_early_data_size);
}

const ltls_ext_desc_t ltls_ext_desc_early_data = {
    LTLS_EXT_CODE_EARLY_DATA, LTLS_EXT_EARLY_DATA,
    LTLS_EXT_IN_CH | LTLS_EXT_IN_EE | LTLS_EXT_IN_NST, "early_data", parse_body, write_body,
};
