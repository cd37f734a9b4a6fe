/*
 * msg/eoed.c - EndOfEarlyData (RFC 8446 §4.5): struct {} EndOfEarlyData.
 * An empty body; anything in it is decode_error (DECODE_TRAILING). Where it
 * may arrive (only after accepted 0-RTT, under the handshake key) is the
 * state machine's decision.
 */
#include "core/reader.h"
#include "msg/msg.h"

ltls_err_t ltls_msg_parse_end_of_early_data(const uint8_t *body, size_t len)
{
    ltls_reader_t r;
    ltls_reader_init(&r, body, len);
    return ltls_reader_end(&r);
}

void ltls_msg_write_end_of_early_data(ltls_writer_t *w)
{
    ltls_writer_vec_t m = ltls_msg_begin(w, LTLS_MSG_END_OF_EARLY_DATA);
    ltls_msg_end(w, m);
}
