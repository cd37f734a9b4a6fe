/*
 * msg/extensions/status_request.c - status_request (RFC 6066 §8; RFC 8446
 * §4.4.2.1 for its TLS 1.3 places).
 *
 *   ClientHello:        CertificateStatusRequest { status_type; request }
 *   CertificateRequest: empty (the server asks the client for OCSP)
 *   CertificateEntry:   CertificateStatus { status_type; OCSPResponse }
 *   TLS 1.2 ServerHello: empty
 *
 * Only ocsp(1) has a defined request syntax; a request of another type is
 * kept as raw bytes (the server ignores what it does not understand). A
 * CertificateEntry answers our request, which is always ocsp, so any other
 * type there is refused (EXT_STATUS_TYPE). The DER inside (responder ids,
 * request extensions, the OCSPResponse) is left to the X.509 module.
 */
#include "msg/extensions/ext.h"

#define DER_MAX24 0xffffffu

static ltls_err_t parse_body(ltls_ext_ctx_t ctx, ltls_reader_t *body, ltls_ext_set_t *set)
{
    ltls_ext_status_t *st = &set->status;
    ltls_err_t err;
    if (ctx == LTLS_EXT_CTX_CR || ctx == LTLS_EXT_CTX_SH12)
        return LTLS_OK;
    if ((err = ltls_reader_u8(body, &st->type)))
        return err;
    if (ctx == LTLS_EXT_CTX_CT) {
        if (st->type != LTLS_MSG_STATUS_OCSP)
            return ltls_err_make(LTLS_R_EXT_STATUS_TYPE);
        return ltls_msg_read_opaque(body, 3, 1, DER_MAX24, &st->response);
    }
    if (st->type != LTLS_MSG_STATUS_OCSP) {
        st->other_request.p = ltls_reader_peek(body);
        st->other_request.len = ltls_reader_left(body);
        return ltls_reader_skip(body, st->other_request.len);
    }
    /* OCSPStatusRequest: ResponderID responder_id_list<0..2^16-1> (each
     * <1..2^16-1>); Extensions request_extensions (opaque <0..2^16-1>). */
    if ((err = ltls_msg_read_blob_list(body, 2, 0, 0xffff, 2, 1, 0xffff, &st->responder_ids)))
        return err;
    return ltls_msg_read_opaque(body, 2, 0, 0xffff, &st->request_extensions);
}

static void write_body(ltls_ext_ctx_t ctx, const ltls_ext_set_t *set, ltls_writer_t *w)
{
    const ltls_ext_status_t *st = &set->status;
    if (ctx == LTLS_EXT_CTX_CR || ctx == LTLS_EXT_CTX_SH12)
        return;
    ltls_writer_u8(w, st->type);
    if (ctx == LTLS_EXT_CTX_CT) {
        if (st->type != LTLS_MSG_STATUS_OCSP)
            ltls_msg_writer_fail(w, LTLS_R_BAD_ARGUMENT);
        ltls_msg_write_opaque(w, 3, 1, DER_MAX24, &st->response);
        return;
    }
    if (st->type != LTLS_MSG_STATUS_OCSP) {
        ltls_msg_write_bytes_or_zeros(w, &st->other_request);
        return;
    }
    ltls_msg_write_blob_list(w, 2, 0, 0xffff, 2, 1, 0xffff, &st->responder_ids);
    ltls_msg_write_opaque(w, 2, 0, 0xffff, &st->request_extensions);
}

const ltls_ext_desc_t ltls_ext_desc_status_request = {
    LTLS_EXT_CODE_STATUS_REQUEST, LTLS_EXT_STATUS_REQUEST,
    LTLS_EXT_IN_CH | LTLS_EXT_IN_CR | LTLS_EXT_IN_CT | LTLS_EXT_IN_SH12, "status_request",
    parse_body, write_body,
};
