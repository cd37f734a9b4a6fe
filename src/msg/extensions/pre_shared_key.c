/*
 * msg/extensions/pre_shared_key.c - pre_shared_key and
 * psk_key_exchange_modes (RFC 8446 §4.2.11, §4.2.9).
 *
 * ClientHello: OfferedPsks { PskIdentity identities<7..2^16-1>;
 * PskBinderEntry binders<33..2^16-1>; }, identity <1..2^16-1> with a uint32
 * obfuscated_ticket_age, binder <32..255>. Each identity is stored with its
 * binder; at most LTLS_MSG_MAX_PSK_IDENTITIES are accepted (MSG_TOO_MANY),
 * since real clients offer one or two and every one is a lookup for the
 * server. The two lists must be the same length (EXT_PSK_BINDERS). That the
 * extension is last is checked by the registry; the binders' offset in the
 * message is computed by the ClientHello codec, which knows the message.
 *
 * ServerHello: uint16 selected_identity (its range is the handler's check,
 * illegal_parameter, §4.2.11).
 *
 * psk_key_exchange_modes: PskKeyExchangeMode ke_modes<1..255>, bytes kept as
 * they are; unknown modes (GREASE included) are ignored by the handler.
 *
 * Writing: a binder whose p is NULL is written as len zero bytes, the
 * placeholder over which the binder itself is computed (§4.2.11.2).
 */
#include "msg/extensions/ext.h"

static ltls_err_t parse_psk(ltls_ext_ctx_t ctx, ltls_reader_t *body, ltls_ext_set_t *set)
{
    ltls_ext_psk_t *psk = &set->psk;
    ltls_reader_t ids, binders;
    ltls_err_t err;
    if (ctx == LTLS_EXT_CTX_SH)
        return ltls_reader_u16(body, &psk->selected);
    if ((err = ltls_reader_vec(body, 2, 7, 0xffff, &ids)))
        return err;
    if ((err = ltls_reader_vec(body, 2, 33, 0xffff, &binders)))
        return err;
    psk->count = 0;
    while (ltls_reader_left(&ids)) {
        ltls_bytes_t identity;
        uint32_t age;
        if ((err = ltls_msg_read_opaque(&ids, 2, 1, 0xffff, &identity)) ||
            (err = ltls_reader_u32(&ids, &age)))
            return err;
        if (psk->count == LTLS_MSG_MAX_PSK_IDENTITIES)
            return ltls_err_make(LTLS_R_MSG_TOO_MANY);
        psk->ids[psk->count].identity = identity;
        psk->ids[psk->count].obfuscated_ticket_age = age;
        psk->count++;
    }
    size_t n = 0;
    while (ltls_reader_left(&binders)) {
        ltls_bytes_t binder;
        if ((err = ltls_msg_read_opaque(&binders, 1, 32, 0xff, &binder)))
            return err;
        /* §4.2.11: binders are "in the same order as the identities list". */
        if (n == psk->count)
            return ltls_err_make(LTLS_R_EXT_PSK_BINDERS);
        psk->ids[n++].binder = binder;
    }
    if (n != psk->count)
        return ltls_err_make(LTLS_R_EXT_PSK_BINDERS);
    return LTLS_OK;
}

static void write_psk(ltls_ext_ctx_t ctx, const ltls_ext_set_t *set, ltls_writer_t *w)
{
    const ltls_ext_psk_t *psk = &set->psk;
    if (ctx == LTLS_EXT_CTX_SH) {
        ltls_writer_u16(w, psk->selected);
        return;
    }
    if (psk->count > LTLS_MSG_MAX_PSK_IDENTITIES) {
        ltls_msg_writer_fail(w, LTLS_R_BAD_ARGUMENT);
        return;
    }
    ltls_writer_vec_t v = ltls_writer_vec_open(w, 2);
    for (size_t i = 0; i < psk->count; i++) {
        ltls_msg_write_opaque(w, 2, 1, 0xffff, &psk->ids[i].identity);
        ltls_writer_u32(w, psk->ids[i].obfuscated_ticket_age);
    }
    ltls_msg_vec_close(w, v, 7, 0xffff);
    v = ltls_writer_vec_open(w, 2);
    for (size_t i = 0; i < psk->count; i++)
        ltls_msg_write_opaque(w, 1, 32, 0xff, &psk->ids[i].binder);
    ltls_msg_vec_close(w, v, 33, 0xffff);
}

static ltls_err_t parse_modes(ltls_ext_ctx_t ctx, ltls_reader_t *body, ltls_ext_set_t *set)
{
    (void)ctx;
    return ltls_msg_read_opaque(body, 1, 1, 0xff, &set->psk_modes);
}

static void write_modes(ltls_ext_ctx_t ctx, const ltls_ext_set_t *set, ltls_writer_t *w)
{
    (void)ctx;
    ltls_msg_write_opaque(w, 1, 1, 0xff, &set->psk_modes);
}

const ltls_ext_desc_t ltls_ext_desc_pre_shared_key = {
    LTLS_EXT_CODE_PRE_SHARED_KEY, LTLS_EXT_PRE_SHARED_KEY, LTLS_EXT_IN_CH | LTLS_EXT_IN_SH,
    "pre_shared_key", parse_psk, write_psk,
};

const ltls_ext_desc_t ltls_ext_desc_psk_modes = {
    LTLS_EXT_CODE_PSK_KEY_EXCHANGE_MODES, LTLS_EXT_PSK_KEY_EXCHANGE_MODES, LTLS_EXT_IN_CH,
    "psk_key_exchange_modes", parse_modes, write_modes,
};
