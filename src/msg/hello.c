/*
 * msg/hello.c - ClientHello, ServerHello and HelloRetryRequest (RFC 8446
 * §4.1.2-§4.1.4), and the constants a client checks in ServerHello.random.
 *
 * Theory of operation. Both hellos are read field by field through one
 * reader; the extension block goes through the registry. The legacy fields
 * are checked where RFC 8446 says what they must hold:
 *
 *   ClientHello  legacy_version is recorded, not checked: §4.2.1 says a
 *                server "MUST NOT use the ClientHello.legacy_version value
 *                for version negotiation" when supported_versions is present,
 *                and without it the handler negotiates (or refuses) TLS 1.2.
 *                legacy_compression_methods is exactly {0} in a hello
 *                offering TLS 1.3 (§4.1.2, illegal_parameter), and includes
 *                null in any other (RFC 5246 §7.4.1.2).
 *   ServerHello  the HelloRetryRequest is recognised by its random (§4.1.3);
 *                the extension rules then follow the message it is: HRR,
 *                TLS 1.3 ServerHello (supported_versions present) or a TLS
 *                1.2 ServerHello. For TLS 1.3 legacy_version is 0x0303;
 *                legacy_compression_method is 0 in every version (we never
 *                offer another).
 *
 * A hello without an extension block is legal only before TLS 1.3; it is
 * parsed (no_extensions) so that the handler can answer protocol_version or
 * negotiate TLS 1.2, rather than the codec answering decode_error.
 *
 * PSK binders (§4.2.11.2): the binder covers the ClientHello truncated just
 * before the binders vector. Since pre_shared_key is the last extension and
 * the binders its last field, that offset is the message's length minus the
 * binders vector's; the parser reports it and the writer reports it for the
 * placeholders it writes.
 */
#include <string.h>

#include "core/reader.h"
#include "msg/extensions/ext.h"
#include "msg/msg.h"

/* §4.1.3: SHA-256 of "HelloRetryRequest". */
const uint8_t ltls_msg_hrr_random[LTLS_MSG_RANDOM_SIZE] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* §4.1.3: "DOWNGRD" followed by 01 (TLS 1.2) or 00 (TLS 1.1 and below). */
const uint8_t ltls_msg_downgrade_tls12[8] = {0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01};
const uint8_t ltls_msg_downgrade_tls11[8] = {0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00};

ltls_msg_downgrade_t ltls_msg_downgrade(const uint8_t *random)
{
    ltls_reader_t r;
    const uint8_t *tail;
    ltls_reader_init(&r, random, LTLS_MSG_RANDOM_SIZE);
    if (!random || ltls_reader_skip(&r, LTLS_MSG_RANDOM_SIZE - 8) ||
        ltls_reader_bytes(&r, 8, &tail))
        return LTLS_MSG_DOWNGRADE_NONE;
    if (memcmp(tail, ltls_msg_downgrade_tls12, 8) == 0)
        return LTLS_MSG_DOWNGRADE_TLS12;
    if (memcmp(tail, ltls_msg_downgrade_tls11, 8) == 0)
        return LTLS_MSG_DOWNGRADE_TLS11;
    return LTLS_MSG_DOWNGRADE_NONE;
}

#define TRY(expr)                    \
    do {                             \
        if ((err = (expr)) != 0)     \
            return err;              \
    } while (0)

/* The size of the binders vector, prefix included (§4.2.11). */
static size_t binders_size(const ltls_ext_psk_t *psk)
{
    size_t n = 2;
    for (size_t i = 0; i < psk->count; i++)
        n += 1 + psk->ids[i].binder.len;
    return n;
}

/* ------------------------------------------------------------------------
 * ClientHello
 * ---------------------------------------------------------------------- */

ltls_err_t ltls_msg_parse_client_hello(const uint8_t *body, size_t len, ltls_client_hello_t *out)
{
    ltls_reader_t r, exts;
    ltls_err_t err;
    if (!out || (!body && len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    memset(out, 0, sizeof(*out));
    ltls_ext_set_init(&out->exts, LTLS_EXT_CTX_CH);
    ltls_reader_init(&r, body, len);
    TRY(ltls_reader_u16(&r, &out->legacy_version));
    TRY(ltls_reader_bytes(&r, LTLS_MSG_RANDOM_SIZE, &out->random));
    TRY(ltls_msg_read_opaque(&r, 1, 0, LTLS_MSG_SESSION_ID_MAX, &out->session_id));
    TRY(ltls_msg_read_u16_list(&r, 2, 2, 0xfffe, &out->cipher_suites));
    TRY(ltls_msg_read_opaque(&r, 1, 1, 0xff, &out->compression_methods));
    if (ltls_reader_left(&r) == 0) {
        out->no_extensions = 1;
    } else {
        TRY(ltls_reader_vec(&r, 2, 0, 0xffff, &exts));
        TRY(ltls_reader_end(&r));
        TRY(ltls_ext_split(ltls_reader_peek(&exts), exts.len, &out->exts));
        TRY(ltls_ext_finish(LTLS_EXT_CTX_CH, &out->exts));
        out->offers_tls13 = (uint8_t)(ltls_ext_has(&out->exts, LTLS_EXT_SUPPORTED_VERSIONS) &&
                                      ltls_u16_list_has(&out->exts.supported_versions,
                                                        LTLS_MSG_VERSION_TLS13));
        /* §4.1.2: Extension extensions<8..2^16-1> in a TLS 1.3 hello. */
        if (out->offers_tls13 && exts.len < 8)
            return ltls_err_make(LTLS_R_DECODE_LENGTH);
    }
    const ltls_bytes_t *cm = &out->compression_methods;
    if (out->offers_tls13 ? (cm->len != 1 || cm->p[0] != 0) : memchr(cm->p, 0, cm->len) == NULL)
        return ltls_err_make(LTLS_R_MSG_LEGACY_COMPRESSION);
    if (ltls_ext_has(&out->exts, LTLS_EXT_PRE_SHARED_KEY))
        out->binders_off = LTLS_MSG_HEADER_SIZE + len - binders_size(&out->exts.psk);
    return LTLS_OK;
}

ltls_err_t ltls_msg_client_hello_check_tls13(const ltls_client_hello_t *ch)
{
    const ltls_ext_set_t *s = &ch->exts;
    int psk = ltls_ext_has(s, LTLS_EXT_PRE_SHARED_KEY);
    int groups = ltls_ext_has(s, LTLS_EXT_SUPPORTED_GROUPS);
    int shares = ltls_ext_has(s, LTLS_EXT_KEY_SHARE);
    /* §9.2: without pre_shared_key, signature_algorithms and supported_groups
     * are required; supported_groups and key_share go together. */
    if (!psk && (!ltls_ext_has(s, LTLS_EXT_SIGNATURE_ALGORITHMS) || !groups))
        return ltls_err_make(LTLS_R_EXT_MISSING);
    if (groups != shares)
        return ltls_err_make(LTLS_R_EXT_MISSING);
    /* §4.2.9: "If clients offer "pre_shared_key" without a
     * "psk_key_exchange_modes" extension, servers MUST abort the handshake." */
    if (psk && !ltls_ext_has(s, LTLS_EXT_PSK_KEY_EXCHANGE_MODES))
        return ltls_err_make(LTLS_R_EXT_MISSING);
    return LTLS_OK;
}

static void write_ch(ltls_writer_t *w, const ltls_client_hello_t *ch)
{
    if (!ch->random) {
        ltls_msg_writer_fail(w, LTLS_R_NULL_ARGUMENT);
        return;
    }
    ltls_writer_vec_t m = ltls_msg_begin(w, LTLS_MSG_CLIENT_HELLO);
    ltls_writer_u16(w, ch->legacy_version);
    ltls_writer_bytes(w, ch->random, LTLS_MSG_RANDOM_SIZE);
    ltls_msg_write_opaque(w, 1, 0, LTLS_MSG_SESSION_ID_MAX, &ch->session_id);
    ltls_msg_write_u16_list(w, 2, 2, 0xfffe, &ch->cipher_suites);
    ltls_msg_write_opaque(w, 1, 1, 0xff, &ch->compression_methods);
    if (!ch->no_extensions)
        ltls_ext_write_block(w, LTLS_EXT_CTX_CH, &ch->exts);
    else if (ch->exts.count)
        ltls_msg_writer_fail(w, LTLS_R_BAD_ARGUMENT);
    ltls_msg_end(w, m);
}

void ltls_msg_write_client_hello(ltls_writer_t *w, const ltls_client_hello_t *ch, size_t pad_to,
                                 size_t *binders_off)
{
    size_t start = w->len;
    if (binders_off)
        *binders_off = 0;
    if (!pad_to) {
        write_ch(w, ch);
    } else {
        if (!ltls_ext_has(&ch->exts, LTLS_EXT_PADDING)) {
            ltls_msg_writer_fail(w, LTLS_R_BAD_ARGUMENT);
            return;
        }
        /* Measure with empty padding, then fill the difference. Two passes
         * over a few hundred bytes, once per connection, keep every byte
         * going through the writer. */
        ltls_client_hello_t tmp = *ch;
        ltls_writer_t m;
        tmp.exts.padding_len = 0;
        ltls_writer_init(&m, NULL, 0);
        write_ch(&m, &tmp);
        tmp.exts.padding_len = m.len < pad_to ? pad_to - m.len : 0;
        write_ch(w, &tmp);
    }
    if (binders_off && ltls_ext_has(&ch->exts, LTLS_EXT_PRE_SHARED_KEY))
        *binders_off = w->len - start - binders_size(&ch->exts.psk);
}

ltls_err_t ltls_msg_client_hello_fill_binders(uint8_t *msg, size_t len, size_t binders_off,
                                              const ltls_bytes_t *binders, size_t n)
{
    ltls_reader_t r, list, b;
    ltls_writer_t w;
    if (!msg || (!binders && n))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    /* The placeholders must be exactly what is about to be written over. */
    ltls_reader_init(&r, msg, len);
    if (ltls_reader_skip(&r, binders_off) || ltls_reader_vec(&r, 2, 33, 0xffff, &list) ||
        ltls_reader_end(&r))
        return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    for (size_t i = 0; i < n; i++) {
        if (!binders[i].p || ltls_reader_vec(&list, 1, 32, 0xff, &b) || b.len != binders[i].len)
            return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    }
    if (ltls_reader_end(&list))
        return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    ltls_writer_init(&w, msg + binders_off, len - binders_off);
    ltls_writer_vec_t v = ltls_writer_vec_open(&w, 2);
    for (size_t i = 0; i < n; i++)
        ltls_msg_write_opaque(&w, 1, 32, 0xff, &binders[i]);
    ltls_writer_vec_close(&w, v);
    return ltls_writer_finish(&w, NULL);
}

/* ------------------------------------------------------------------------
 * ServerHello and HelloRetryRequest
 * ---------------------------------------------------------------------- */

ltls_err_t ltls_msg_parse_server_hello(const uint8_t *body, size_t len, ltls_server_hello_t *out)
{
    ltls_reader_t r, exts;
    ltls_err_t err;
    if (!out || (!body && len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    memset(out, 0, sizeof(*out));
    ltls_ext_set_init(&out->exts, LTLS_EXT_CTX_SH12);
    ltls_reader_init(&r, body, len);
    TRY(ltls_reader_u16(&r, &out->legacy_version));
    TRY(ltls_reader_bytes(&r, LTLS_MSG_RANDOM_SIZE, &out->random));
    TRY(ltls_msg_read_opaque(&r, 1, 0, LTLS_MSG_SESSION_ID_MAX, &out->session_id_echo));
    TRY(ltls_reader_u16(&r, &out->cipher_suite));
    TRY(ltls_reader_u8(&r, &out->compression_method));
    if (ltls_reader_left(&r) == 0) {
        out->no_extensions = 1;
    } else {
        TRY(ltls_reader_vec(&r, 2, 0, 0xffff, &exts));
        TRY(ltls_reader_end(&r));
        TRY(ltls_ext_split(ltls_reader_peek(&exts), exts.len, &out->exts));
    }
    out->is_hrr = (uint8_t)(memcmp(out->random, ltls_msg_hrr_random, LTLS_MSG_RANDOM_SIZE) == 0);
    out->is_tls13 = (uint8_t)ltls_ext_has(&out->exts, LTLS_EXT_SUPPORTED_VERSIONS);
    /* §4.1.4: "The server's extensions MUST contain "supported_versions"." */
    if (out->is_hrr && !out->is_tls13)
        return ltls_err_make(LTLS_R_EXT_MISSING);
    /* §4.1.3: "legacy_compression_method: A single byte which MUST have the
     * value 0"; before TLS 1.3 we never offer another. */
    if (out->compression_method != 0)
        return ltls_err_make(LTLS_R_MSG_LEGACY_COMPRESSION);
    /* §4.1.3: "legacy_version: ... TLS 1.3 server ... MUST set ... 0x0303". */
    if (out->is_tls13 && out->legacy_version != LTLS_MSG_VERSION_TLS12)
        return ltls_err_make(LTLS_R_MSG_LEGACY_VERSION);
    if (ltls_msg_is_grease(out->cipher_suite))
        return ltls_err_make(LTLS_R_MSG_GREASE_SELECTED);
    ltls_ext_ctx_t ctx = out->is_hrr     ? LTLS_EXT_CTX_HRR
                         : out->is_tls13 ? LTLS_EXT_CTX_SH
                                         : LTLS_EXT_CTX_SH12;
    return ltls_ext_finish(ctx, &out->exts);
}

void ltls_msg_write_server_hello(ltls_writer_t *w, const ltls_server_hello_t *sh)
{
    int tls13 = sh->is_hrr || ltls_ext_has(&sh->exts, LTLS_EXT_SUPPORTED_VERSIONS);
    ltls_ext_ctx_t ctx = sh->is_hrr ? LTLS_EXT_CTX_HRR
                         : tls13    ? LTLS_EXT_CTX_SH
                                    : LTLS_EXT_CTX_SH12;
    const uint8_t *random = sh->is_hrr ? ltls_msg_hrr_random : sh->random;
    /* Refuse to write what a peer would refuse to read. */
    if (!random || sh->compression_method != 0 ||
        (tls13 && (sh->legacy_version != LTLS_MSG_VERSION_TLS12 || sh->no_extensions ||
                   !ltls_ext_has(&sh->exts, LTLS_EXT_SUPPORTED_VERSIONS)))) {
        ltls_msg_writer_fail(w, LTLS_R_BAD_ARGUMENT);
        return;
    }
    ltls_writer_vec_t m = ltls_msg_begin(w, LTLS_MSG_SERVER_HELLO);
    ltls_writer_u16(w, sh->legacy_version);
    ltls_writer_bytes(w, random, LTLS_MSG_RANDOM_SIZE);
    ltls_msg_write_opaque(w, 1, 0, LTLS_MSG_SESSION_ID_MAX, &sh->session_id_echo);
    ltls_writer_u16(w, sh->cipher_suite);
    ltls_writer_u8(w, sh->compression_method);
    if (!sh->no_extensions)
        ltls_ext_write_block(w, ctx, &sh->exts);
    ltls_msg_end(w, m);
}
