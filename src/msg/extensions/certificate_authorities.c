/*
 * msg/extensions/certificate_authorities.c - certificate_authorities (RFC
 * 8446 §4.2.4).
 *
 * DistinguishedName authorities<3..2^16-1>, each DistinguishedName
 * <1..2^16-1> holding a DER Name. The names are views, walked with
 * ltls_blob_list_next(); their DER is not checked here (the X.509 module
 * compares them when choosing a chain, and a name that does not parse
 * matches nothing). A server may list hundreds of CAs in a
 * CertificateRequest, which is why this is a view and not an array.
 */
#include "msg/extensions/ext.h"

static ltls_err_t parse_body(ltls_ext_ctx_t ctx, ltls_reader_t *body, ltls_ext_set_t *set)
{
    (void)ctx;
    return ltls_msg_read_blob_list(body, 2, 3, 0xffff, 2, 1, 0xffff,
                                   &set->certificate_authorities);
}

static void write_body(ltls_ext_ctx_t ctx, const ltls_ext_set_t *set, ltls_writer_t *w)
{
    (void)ctx;
    ltls_msg_write_blob_list(w, 2, 3, 0xffff, 2, 1, 0xffff, &set->certificate_authorities);
}

const ltls_ext_desc_t ltls_ext_desc_certificate_authorities = {
    LTLS_EXT_CODE_CERTIFICATE_AUTHORITIES, LTLS_EXT_CERTIFICATE_AUTHORITIES,
    LTLS_EXT_IN_CH | LTLS_EXT_IN_CR, "certificate_authorities", parse_body, write_body,
};
