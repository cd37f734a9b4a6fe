/*
 * msg/ee.c - EncryptedExtensions (RFC 8446 §4.3.1).
 *
 * struct { Extension extensions<0..2^16-1>; } EncryptedExtensions;
 * The whole message is its extension block, checked by the registry for the
 * EE column of §4.2: anything unknown there answers nothing the client sent
 * (EXT_UNSOLICITED); anything known but not offered is the handler's check
 * with ltls_ext_check_solicited().
 */
#include "core/reader.h"
#include "msg/extensions/ext.h"
#include "msg/msg.h"

ltls_err_t ltls_msg_parse_encrypted_extensions(const uint8_t *body, size_t len,
                                               ltls_encrypted_extensions_t *out)
{
    ltls_reader_t r, exts;
    ltls_err_t err;
    if (!out || (!body && len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    ltls_reader_init(&r, body, len);
    if ((err = ltls_reader_vec(&r, 2, 0, 0xffff, &exts)) || (err = ltls_reader_end(&r)))
        return err;
    return ltls_ext_parse_block(LTLS_EXT_CTX_EE, ltls_reader_peek(&exts), exts.len, &out->exts);
}

void ltls_msg_write_encrypted_extensions(ltls_writer_t *w, const ltls_encrypted_extensions_t *ee)
{
    ltls_writer_vec_t m = ltls_msg_begin(w, LTLS_MSG_ENCRYPTED_EXTENSIONS);
    ltls_ext_write_block(w, LTLS_EXT_CTX_EE, &ee->exts);
    ltls_msg_end(w, m);
}
