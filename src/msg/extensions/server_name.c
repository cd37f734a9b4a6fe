/*
 * msg/extensions/server_name.c - server_name (RFC 6066 §3).
 *
 * In a ClientHello the extension carries a ServerNameList; TLS 1.3 clients
 * send one host_name, and host_name is the only NameType ever defined, so a
 * list is accepted only as exactly one host_name entry: an unknown NameType
 * has no known syntax and could not be skipped reliably anyway. The name is
 * checked as RFC 6066 describes it ("ASCII encoding without a trailing dot",
 * A-labels for IDNs): letters, digits, '-', '_' and '.', non-empty labels of
 * at most 63 bytes, at most 253 bytes in all. NUL bytes, spaces and non-ASCII
 * are thereby refused before anything compares or logs the name.
 *
 * The server's answer (EncryptedExtensions, or a TLS 1.2 ServerHello) is an
 * empty extension_data (RFC 6066 §3: "the "extension_data" field of this
 * extension SHALL be empty").
 */
#include "msg/extensions/ext.h"

#define HOST_NAME 0
#define HOST_MAX 253
#define LABEL_MAX 63

static int valid_host(const ltls_bytes_t *h)
{
    if (h->len == 0 || h->len > HOST_MAX)
        return 0;
    size_t label = 0;
    for (size_t i = 0; i < h->len; i++) {
        uint8_t c = h->p[i];
        if (c == '.') {
            if (label == 0) /* leading dot, "..", and (below) a trailing dot */
                return 0;
            label = 0;
            continue;
        }
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_';
        if (!ok || ++label > LABEL_MAX)
            return 0;
    }
    return label != 0;
}

static int is_response(ltls_ext_ctx_t ctx)
{
    return ctx == LTLS_EXT_CTX_EE || ctx == LTLS_EXT_CTX_SH12;
}

static ltls_err_t parse_body(ltls_ext_ctx_t ctx, ltls_reader_t *body, ltls_ext_set_t *set)
{
    if (is_response(ctx))
        return LTLS_OK; /* the registry's end check refuses a non-empty body */
    ltls_reader_t list;
    uint8_t type;
    ltls_err_t err = ltls_reader_vec(body, 2, 1, 0xffff, &list);
    if (!err)
        err = ltls_reader_u8(&list, &type);
    if (err)
        return err;
    if (type != HOST_NAME)
        return ltls_err_make(LTLS_R_EXT_SERVER_NAME);
    if ((err = ltls_msg_read_opaque(&list, 2, 1, 0xffff, &set->server_name)))
        return err;
    /* One entry only: RFC 6066 allows one name per type, and there is one type. */
    if (ltls_reader_left(&list) || !valid_host(&set->server_name))
        return ltls_err_make(LTLS_R_EXT_SERVER_NAME);
    return LTLS_OK;
}

static void write_body(ltls_ext_ctx_t ctx, const ltls_ext_set_t *set, ltls_writer_t *w)
{
    if (is_response(ctx))
        return;
    if (!set->server_name.p || !valid_host(&set->server_name)) {
        ltls_msg_writer_fail(w, LTLS_R_BAD_ARGUMENT);
        return;
    }
    ltls_writer_vec_t list = ltls_writer_vec_open(w, 2);
    ltls_writer_u8(w, HOST_NAME);
    ltls_msg_write_opaque(w, 2, 1, 0xffff, &set->server_name);
    ltls_writer_vec_close(w, list);
}

const ltls_ext_desc_t ltls_ext_desc_server_name = {
    LTLS_EXT_CODE_SERVER_NAME, LTLS_EXT_SERVER_NAME,
    LTLS_EXT_IN_CH | LTLS_EXT_IN_EE | LTLS_EXT_IN_SH12, "server_name", parse_body, write_body,
};
