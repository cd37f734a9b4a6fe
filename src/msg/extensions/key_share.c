/*
 * msg/extensions/key_share.c - key_share (RFC 8446 §4.2.8).
 *
 *   ClientHello:       KeyShareEntry client_shares<0..2^16-1>
 *   ServerHello:       KeyShareEntry server_share
 *   HelloRetryRequest: NamedGroup selected_group
 * with KeyShareEntry { NamedGroup group; opaque key_exchange<1..2^16-1>; }.
 *
 * The client's shares are stored in a fixed array of LTLS_MSG_MAX_KEY_SHARES
 * entries (MSG_TOO_MANY beyond: clients send one to three, and a bounded
 * count keeps the duplicate check below quadratic in a small constant).
 * §4.2.8: "Clients MUST NOT offer multiple KeyShareEntry values for the same
 * group" -> EXT_KEY_SHARE_DUPLICATE (illegal_parameter). The order is kept:
 * it is the client's preference. key_exchange sizes are not checked against
 * the group here: an unknown or GREASE group may carry anything, and a known
 * group's size is the provider's check (hybrid shares run to ~1.2 KB).
 *
 * A server selecting a GREASE group fails with MSG_GREASE_SELECTED (RFC 8701
 * §3); whether it selected one the client offered is the handler's check.
 */
#include "msg/extensions/ext.h"

static ltls_err_t read_entry(ltls_reader_t *r, ltls_key_share_t *ks)
{
    ltls_err_t err = ltls_reader_u16(r, &ks->group);
    return err ? err : ltls_msg_read_opaque(r, 2, 1, 0xffff, &ks->key_exchange);
}

static void write_entry(ltls_writer_t *w, const ltls_key_share_t *ks)
{
    ltls_writer_u16(w, ks->group);
    ltls_msg_write_opaque(w, 2, 1, 0xffff, &ks->key_exchange);
}

static ltls_err_t parse_body(ltls_ext_ctx_t ctx, ltls_reader_t *body, ltls_ext_set_t *set)
{
    ltls_ext_key_share_t *k = &set->key_share;
    ltls_err_t err;
    if (ctx == LTLS_EXT_CTX_HRR) {
        if ((err = ltls_reader_u16(body, &k->selected_group)))
            return err;
        return ltls_msg_is_grease(k->selected_group) ? ltls_err_make(LTLS_R_MSG_GREASE_SELECTED)
                                                     : LTLS_OK;
    }
    if (ctx == LTLS_EXT_CTX_SH) {
        if ((err = read_entry(body, &k->server)))
            return err;
        return ltls_msg_is_grease(k->server.group) ? ltls_err_make(LTLS_R_MSG_GREASE_SELECTED)
                                                   : LTLS_OK;
    }
    ltls_reader_t list;
    if ((err = ltls_reader_vec(body, 2, 0, 0xffff, &list)))
        return err;
    k->count = 0;
    while (ltls_reader_left(&list)) {
        ltls_key_share_t ks;
        if ((err = read_entry(&list, &ks)))
            return err;
        if (k->count == LTLS_MSG_MAX_KEY_SHARES)
            return ltls_err_make(LTLS_R_MSG_TOO_MANY);
        for (size_t i = 0; i < k->count; i++)
            if (k->shares[i].group == ks.group)
                return ltls_err_make(LTLS_R_EXT_KEY_SHARE_DUPLICATE);
        k->shares[k->count++] = ks;
    }
    return LTLS_OK;
}

static void write_body(ltls_ext_ctx_t ctx, const ltls_ext_set_t *set, ltls_writer_t *w)
{
    const ltls_ext_key_share_t *k = &set->key_share;
    if (ctx == LTLS_EXT_CTX_HRR) {
        ltls_writer_u16(w, k->selected_group);
        return;
    }
    if (ctx == LTLS_EXT_CTX_SH) {
        write_entry(w, &k->server);
        return;
    }
    if (k->count > LTLS_MSG_MAX_KEY_SHARES) {
        ltls_msg_writer_fail(w, LTLS_R_BAD_ARGUMENT);
        return;
    }
    ltls_writer_vec_t v = ltls_writer_vec_open(w, 2);
    for (size_t i = 0; i < k->count; i++) {
        for (size_t j = 0; j < i; j++)
            if (k->shares[j].group == k->shares[i].group)
                ltls_msg_writer_fail(w, LTLS_R_BAD_ARGUMENT);
        write_entry(w, &k->shares[i]);
    }
    ltls_msg_vec_close(w, v, 0, 0xffff);
}

const ltls_ext_desc_t ltls_ext_desc_key_share = {
    LTLS_EXT_CODE_KEY_SHARE, LTLS_EXT_KEY_SHARE, LTLS_EXT_IN_CH | LTLS_EXT_IN_SH | LTLS_EXT_IN_HRR,
    "key_share", parse_body, write_body,
};
