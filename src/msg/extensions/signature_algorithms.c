/*
 * msg/extensions/signature_algorithms.c - signature_algorithms and
 * signature_algorithms_cert (RFC 8446 §4.2.3).
 *
 * Both carry SignatureScheme supported_signature_algorithms<2..2^16-2> and
 * appear in ClientHello and CertificateRequest. Unknown and GREASE schemes
 * are kept (RFC 8701: a server may send GREASE schemes in a
 * CertificateRequest) and simply match nothing the handler knows.
 */
#include "msg/extensions/ext.h"

#define LIST_MAX 0xfffe

static ltls_err_t parse_sigalgs(ltls_ext_ctx_t ctx, ltls_reader_t *body, ltls_ext_set_t *set)
{
    (void)ctx;
    return ltls_msg_read_u16_list(body, 2, 2, LIST_MAX, &set->signature_algorithms);
}

static void write_sigalgs(ltls_ext_ctx_t ctx, const ltls_ext_set_t *set, ltls_writer_t *w)
{
    (void)ctx;
    ltls_msg_write_u16_list(w, 2, 2, LIST_MAX, &set->signature_algorithms);
}

static ltls_err_t parse_cert(ltls_ext_ctx_t ctx, ltls_reader_t *body, ltls_ext_set_t *set)
{
    (void)ctx;
    return ltls_msg_read_u16_list(body, 2, 2, LIST_MAX, &set->signature_algorithms_cert);
}

static void write_cert(ltls_ext_ctx_t ctx, const ltls_ext_set_t *set, ltls_writer_t *w)
{
    (void)ctx;
    ltls_msg_write_u16_list(w, 2, 2, LIST_MAX, &set->signature_algorithms_cert);
}

const ltls_ext_desc_t ltls_ext_desc_signature_algorithms = {
    LTLS_EXT_CODE_SIGNATURE_ALGORITHMS, LTLS_EXT_SIGNATURE_ALGORITHMS,
    LTLS_EXT_IN_CH | LTLS_EXT_IN_CR, "signature_algorithms", parse_sigalgs, write_sigalgs,
};

const ltls_ext_desc_t ltls_ext_desc_signature_algorithms_cert = {
    LTLS_EXT_CODE_SIGNATURE_ALGORITHMS_CERT, LTLS_EXT_SIGNATURE_ALGORITHMS_CERT,
    LTLS_EXT_IN_CH | LTLS_EXT_IN_CR, "signature_algorithms_cert", parse_cert, write_cert,
};
