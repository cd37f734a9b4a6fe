/*
 * msg/cert.c - CertificateRequest, Certificate and CertificateVerify (RFC
 * 8446 §4.3.2, §4.4.2, §4.4.3).
 *
 * Theory of operation. A Certificate message can be large (a chain with
 * OCSP responses and SCTs) and has no natural bound on its entry count, so
 * it is not unpacked into an array: the parser walks certificate_list once,
 * checking every CertificateEntry (cert_data <1..2^24-1>, its extension
 * block through the registry as a CT block), and keeps the validated list as
 * a view with its count. ltls_msg_certificate_next() then walks it again for
 * the handler, which cannot fail. RFC 7250 raw public keys use the same
 * entry layout (a SubjectPublicKeyInfo in place of the certificate), so
 * nothing here depends on the certificate type.
 *
 * Per-entry extensions answer the ClientHello (server) or the
 * CertificateRequest (client), so unknown ones are EXT_UNSOLICITED (§4.4.2:
 * they "MUST correspond to" the request's); RFC 8701 §4.1 names GREASE in a
 * Certificate extension as one a peer must reject, which this does.
 *
 * CertificateRequest must carry signature_algorithms (§4.3.2: "MUST be
 * specified") or the client aborts with missing_extension (§9.2's alert for
 * a missing mandatory extension). Its unknown extensions are ignored
 * (§4.3.2: "Clients MUST ignore unrecognized extensions").
 */
#include "core/reader.h"
#include "msg/extensions/ext.h"
#include "msg/msg.h"

#define MAX24 0xffffffu

#define TRY(expr)                    \
    do {                             \
        if ((err = (expr)) != 0)     \
            return err;              \
    } while (0)

/* ------------------------------------------------------------------------
 * CertificateRequest
 * ---------------------------------------------------------------------- */

ltls_err_t ltls_msg_parse_certificate_request(const uint8_t *body, size_t len,
                                              ltls_certificate_request_t *out)
{
    ltls_reader_t r, exts;
    ltls_err_t err;
    if (!out || (!body && len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    ltls_reader_init(&r, body, len);
    TRY(ltls_msg_read_opaque(&r, 1, 0, 0xff, &out->context));
    TRY(ltls_reader_vec(&r, 2, 2, 0xffff, &exts));
    TRY(ltls_reader_end(&r));
    TRY(ltls_ext_parse_block(LTLS_EXT_CTX_CR, ltls_reader_peek(&exts), exts.len, &out->exts));
    if (!ltls_ext_has(&out->exts, LTLS_EXT_SIGNATURE_ALGORITHMS))
        return ltls_err_make(LTLS_R_EXT_MISSING);
    return LTLS_OK;
}

void ltls_msg_write_certificate_request(ltls_writer_t *w, const ltls_certificate_request_t *cr)
{
    if (!ltls_ext_has(&cr->exts, LTLS_EXT_SIGNATURE_ALGORITHMS))
        ltls_msg_writer_fail(w, LTLS_R_BAD_ARGUMENT);
    ltls_writer_vec_t m = ltls_msg_begin(w, LTLS_MSG_CERTIFICATE_REQUEST);
    ltls_msg_write_opaque(w, 1, 0, 0xff, &cr->context);
    ltls_ext_write_block(w, LTLS_EXT_CTX_CR, &cr->exts);
    ltls_msg_end(w, m);
}

/* ------------------------------------------------------------------------
 * Certificate
 * ---------------------------------------------------------------------- */

/* One CertificateEntry from r. */
static ltls_err_t read_entry(ltls_reader_t *r, ltls_cert_entry_t *e)
{
    ltls_err_t err;
    TRY(ltls_msg_read_opaque(r, 3, 1, MAX24, &e->data));
    TRY(ltls_msg_read_opaque(r, 2, 0, 0xffff, &e->ext_block));
    e->exts = NULL;
    return LTLS_OK;
}

ltls_err_t ltls_msg_parse_certificate(const uint8_t *body, size_t len, ltls_certificate_t *out)
{
    ltls_reader_t r, list;
    ltls_err_t err;
    if (!out || (!body && len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    ltls_reader_init(&r, body, len);
    TRY(ltls_msg_read_opaque(&r, 1, 0, 0xff, &out->context));
    TRY(ltls_reader_vec(&r, 3, 0, MAX24, &list));
    TRY(ltls_reader_end(&r));
    out->list.p = ltls_reader_peek(&list);
    out->list.len = list.len;
    out->items = NULL;
    out->count = 0;
    /* One set on the stack, reused for each entry: validation only. */
    ltls_ext_set_t exts;
    while (ltls_reader_left(&list)) {
        ltls_cert_entry_t e;
        TRY(read_entry(&list, &e));
        TRY(ltls_ext_parse_block(LTLS_EXT_CTX_CT, e.ext_block.p, e.ext_block.len, &exts));
        out->count++;
    }
    return LTLS_OK;
}

int ltls_msg_certificate_next(const ltls_certificate_t *c, ltls_iter_t *it, ltls_cert_entry_t *out)
{
    if (it->idx >= c->count)
        return 0;
    if (!c->list.p) {
        *out = c->items[it->idx++];
        return 1;
    }
    ltls_reader_t r;
    ltls_reader_init(&r, c->list.p, c->list.len);
    if (ltls_reader_skip(&r, it->off) || read_entry(&r, out))
        return 0;
    it->off = r.off;
    it->idx++;
    return 1;
}

void ltls_msg_write_certificate(ltls_writer_t *w, const ltls_certificate_t *c)
{
    ltls_writer_vec_t m = ltls_msg_begin(w, LTLS_MSG_CERTIFICATE);
    ltls_msg_write_opaque(w, 1, 0, 0xff, &c->context);
    ltls_writer_vec_t list = ltls_writer_vec_open(w, 3);
    ltls_iter_t it = {0, 0};
    ltls_cert_entry_t e;
    while (ltls_msg_certificate_next(c, &it, &e)) {
        ltls_msg_write_opaque(w, 3, 1, MAX24, &e.data);
        if (e.exts)
            ltls_ext_write_block(w, LTLS_EXT_CTX_CT, e.exts);
        else
            ltls_msg_write_opaque(w, 2, 0, 0xffff, &e.ext_block);
    }
    ltls_msg_vec_close(w, list, 0, MAX24);
    ltls_msg_end(w, m);
}

/* ------------------------------------------------------------------------
 * CertificateVerify
 * ---------------------------------------------------------------------- */

ltls_err_t ltls_msg_parse_certificate_verify(const uint8_t *body, size_t len,
                                             ltls_certificate_verify_t *out)
{
    ltls_reader_t r;
    ltls_err_t err;
    if (!out || (!body && len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    ltls_reader_init(&r, body, len);
    TRY(ltls_reader_u16(&r, &out->scheme));
    TRY(ltls_msg_read_opaque(&r, 2, 0, 0xffff, &out->signature));
    return ltls_reader_end(&r);
}

void ltls_msg_write_certificate_verify(ltls_writer_t *w, const ltls_certificate_verify_t *cv)
{
    ltls_writer_vec_t m = ltls_msg_begin(w, LTLS_MSG_CERTIFICATE_VERIFY);
    ltls_writer_u16(w, cv->scheme);
    ltls_msg_write_opaque(w, 2, 0, 0xffff, &cv->signature);
    ltls_msg_end(w, m);
}
