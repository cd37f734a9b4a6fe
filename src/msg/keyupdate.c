/*
 * msg/keyupdate.c - KeyUpdate (RFC 8446 §4.6.3).
 *
 * One byte, KeyUpdateRequest request_update: update_not_requested(0) or
 * update_requested(1). "If an implementation receives a KeyUpdate with any
 * other value, it MUST terminate the connection with an "illegal_parameter"
 * alert" (MSG_KEY_UPDATE_VALUE); trailing bytes are decode_error.
 */
#include "core/reader.h"
#include "msg/extensions/ext.h"
#include "msg/msg.h"

ltls_err_t ltls_msg_parse_key_update(const uint8_t *body, size_t len, ltls_key_update_t *out)
{
    ltls_reader_t r;
    ltls_err_t err;
    if (!out || (!body && len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    ltls_reader_init(&r, body, len);
    if ((err = ltls_reader_u8(&r, &out->request_update)) || (err = ltls_reader_end(&r)))
        return err;
    if (out->request_update > LTLS_MSG_KEY_UPDATE_REQUESTED)
        return ltls_err_make(LTLS_R_MSG_KEY_UPDATE_VALUE);
    return LTLS_OK;
}

void ltls_msg_write_key_update(ltls_writer_t *w, const ltls_key_update_t *ku)
{
    if (ku->request_update > LTLS_MSG_KEY_UPDATE_REQUESTED)
        ltls_msg_writer_fail(w, LTLS_R_BAD_ARGUMENT);
    ltls_writer_vec_t m = ltls_msg_begin(w, LTLS_MSG_KEY_UPDATE);
    ltls_writer_u8(w, ku->request_update);
    ltls_msg_end(w, m);
}
