/*
 * msg/extensions/record_size_limit.c - record_size_limit (RFC 8449).
 *
 * uint16 RecordSizeLimit in ClientHello, EncryptedExtensions and a TLS 1.2
 * ServerHello. RFC 8449 §4: "An endpoint MUST treat receipt of a smaller
 * value [than 64] as a fatal error and generate an "illegal_parameter"
 * alert." Larger values than the protocol's limit are legal; the record
 * layer clamps them (ltls_record_dir_set_size_limit).
 */
#include "msg/extensions/ext.h"

#define LIMIT_MIN 64

static ltls_err_t parse_body(ltls_ext_ctx_t ctx, ltls_reader_t *body, ltls_ext_set_t *set)
{
    (void)ctx;
    ltls_err_t err = ltls_reader_u16(body, &set->record_size_limit);
    if (!err && set->record_size_limit < LIMIT_MIN)
        err = ltls_err_make(LTLS_R_EXT_RECORD_SIZE_LIMIT);
    return err;
}

static void write_body(ltls_ext_ctx_t ctx, const ltls_ext_set_t *set, ltls_writer_t *w)
{
    (void)ctx;
    if (set->record_size_limit < LIMIT_MIN)
        ltls_msg_writer_fail(w, LTLS_R_BAD_ARGUMENT);
    ltls_writer_u16(w, set->record_size_limit);
}

const ltls_ext_desc_t ltls_ext_desc_record_size_limit = {
    LTLS_EXT_CODE_RECORD_SIZE_LIMIT, LTLS_EXT_RECORD_SIZE_LIMIT,
    LTLS_EXT_IN_CH | LTLS_EXT_IN_EE | LTLS_EXT_IN_SH12, "record_size_limit", parse_body, write_body,
};
