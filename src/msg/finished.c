/*
 * msg/finished.c - Finished (RFC 8446 §4.4.4).
 *
 * struct { opaque verify_data[Hash.length]; } Finished: the body is the MAC
 * and nothing else. Its length is fixed by the negotiated hash, which the
 * caller passes in; a wrong length is a decoding failure (decode_error)
 * rather than a failed MAC, and is reported before any MAC is computed. The
 * comparison itself is the handler's, in constant time (ltls_ct_memeq).
 */
#include "core/reader.h"
#include "msg/extensions/ext.h"
#include "msg/msg.h"

ltls_err_t ltls_msg_parse_finished(const uint8_t *body, size_t len, size_t hash_len,
                                   ltls_finished_t *out)
{
    ltls_reader_t r;
    if (!out || (!body && len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if (len == 0 || (hash_len && len != hash_len))
        return ltls_err_make(LTLS_R_MSG_FINISHED_LENGTH);
    ltls_reader_init(&r, body, len);
    out->verify_data.len = len;
    return ltls_reader_bytes(&r, len, &out->verify_data.p);
}

void ltls_msg_write_finished(ltls_writer_t *w, const ltls_finished_t *f)
{
    if (!f->verify_data.p || f->verify_data.len == 0)
        ltls_msg_writer_fail(w, LTLS_R_BAD_ARGUMENT);
    ltls_writer_vec_t m = ltls_msg_begin(w, LTLS_MSG_FINISHED);
    ltls_msg_write_bytes_or_zeros(w, &f->verify_data);
    ltls_msg_end(w, m);
}
