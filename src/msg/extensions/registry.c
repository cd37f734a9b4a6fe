/*
 * msg/extensions/registry.c - the one place where extension blocks are
 * checked, for every message.
 *
 * Theory of operation. An extension block is handled in two passes:
 *
 *   split   walks the block once, bounded by LTLS_MSG_MAX_EXTENSIONS entries,
 *           and records each (code, id, body) in wire order. Duplicates are
 *           caught here, known ones by the set's present bitmask and unknown
 *           ones by a scan of the (at most 64) entries so far.
 *   finish  applies the rules of the message the block belongs to: a known
 *           extension must be allowed there (§4.2 table), an unknown one must
 *           be in a message whose receiver ignores unknown extensions, and in
 *           a ClientHello pre_shared_key must come last (§4.2.11). Only when
 *           every entry has passed are the known bodies parsed into typed
 *           fields, each parser being required to consume its body exactly.
 *
 * The split is separate because a ServerHello's rules depend on its contents
 * (HelloRetryRequest by its random, TLS 1.3 by supported_versions), which
 * the ServerHello parser reads from the entries between the two passes.
 *
 * Writing walks the same entries in order: known extensions with a writer
 * are written from the typed fields, the rest from their raw bodies, so that
 * a parsed block is reproduced byte for byte (padding aside: its contents are
 * ignored and written back as zeros).
 */
#include <string.h>

#include "core/reader.h"
#include "msg/extensions/ext.h"

static const ltls_ext_desc_t *const registry[LTLS_EXT_COUNT_] = {
    [LTLS_EXT_SERVER_NAME] = &ltls_ext_desc_server_name,
    [LTLS_EXT_STATUS_REQUEST] = &ltls_ext_desc_status_request,
    [LTLS_EXT_SUPPORTED_GROUPS] = &ltls_ext_desc_supported_groups,
    [LTLS_EXT_SIGNATURE_ALGORITHMS] = &ltls_ext_desc_signature_algorithms,
    [LTLS_EXT_ALPN] = &ltls_ext_desc_alpn,
    [LTLS_EXT_PADDING] = &ltls_ext_desc_padding,
    [LTLS_EXT_RECORD_SIZE_LIMIT] = &ltls_ext_desc_record_size_limit,
    [LTLS_EXT_PRE_SHARED_KEY] = &ltls_ext_desc_pre_shared_key,
    [LTLS_EXT_EARLY_DATA] = &ltls_ext_desc_early_data,
    [LTLS_EXT_SUPPORTED_VERSIONS] = &ltls_ext_desc_supported_versions,
    [LTLS_EXT_COOKIE] = &ltls_ext_desc_cookie,
    [LTLS_EXT_PSK_KEY_EXCHANGE_MODES] = &ltls_ext_desc_psk_modes,
    [LTLS_EXT_CERTIFICATE_AUTHORITIES] = &ltls_ext_desc_certificate_authorities,
    [LTLS_EXT_POST_HANDSHAKE_AUTH] = &ltls_ext_desc_post_handshake_auth,
    [LTLS_EXT_SIGNATURE_ALGORITHMS_CERT] = &ltls_ext_desc_signature_algorithms_cert,
    [LTLS_EXT_KEY_SHARE] = &ltls_ext_desc_key_share,
    [LTLS_EXT_MAX_FRAGMENT_LENGTH] = &ltls_ext_desc_max_fragment_length,
    [LTLS_EXT_EC_POINT_FORMATS] = &ltls_ext_desc_ec_point_formats,
    [LTLS_EXT_USE_SRTP] = &ltls_ext_desc_use_srtp,
    [LTLS_EXT_HEARTBEAT] = &ltls_ext_desc_heartbeat,
    [LTLS_EXT_SIGNED_CERTIFICATE_TIMESTAMP] = &ltls_ext_desc_sct,
    [LTLS_EXT_CLIENT_CERTIFICATE_TYPE] = &ltls_ext_desc_client_certificate_type,
    [LTLS_EXT_SERVER_CERTIFICATE_TYPE] = &ltls_ext_desc_server_certificate_type,
    [LTLS_EXT_ENCRYPT_THEN_MAC] = &ltls_ext_desc_encrypt_then_mac,
    [LTLS_EXT_EXTENDED_MASTER_SECRET] = &ltls_ext_desc_extended_master_secret,
    [LTLS_EXT_COMPRESS_CERTIFICATE] = &ltls_ext_desc_compress_certificate,
    [LTLS_EXT_SESSION_TICKET] = &ltls_ext_desc_session_ticket,
    [LTLS_EXT_OID_FILTERS] = &ltls_ext_desc_oid_filters,
    [LTLS_EXT_QUIC_TRANSPORT_PARAMETERS] = &ltls_ext_desc_quic_transport_parameters,
    [LTLS_EXT_ENCRYPTED_CLIENT_HELLO] = &ltls_ext_desc_encrypted_client_hello,
    [LTLS_EXT_RENEGOTIATION_INFO] = &ltls_ext_desc_renegotiation_info,
};

/* The receivers that ignore unknown extensions: a server reading a
 * ClientHello, a client reading CertificateRequest (§4.3.2) or
 * NewSessionTicket (§4.6.1). Everywhere else an unknown extension answers
 * nothing we sent (§4.2). */
#define IGNORES_UNKNOWN (LTLS_EXT_IN_CH | LTLS_EXT_IN_CR | LTLS_EXT_IN_NST)

const ltls_ext_desc_t *ltls_ext_lookup(uint16_t code)
{
    /* About thirty entries: a linear scan is as fast as anything cleverer and
     * keeps the table the single source of code points. */
    for (size_t i = 0; i < LTLS_EXT_COUNT_; i++)
        if (registry[i]->code == code)
            return registry[i];
    return NULL;
}

const ltls_ext_desc_t *ltls_ext_desc(ltls_ext_id_t id)
{
    return (unsigned)id < LTLS_EXT_COUNT_ ? registry[id] : NULL;
}

const char *ltls_ext_name(uint16_t code)
{
    const ltls_ext_desc_t *d = ltls_ext_lookup(code);
    return d ? d->name : NULL;
}

ltls_ext_id_t ltls_ext_id(uint16_t code)
{
    const ltls_ext_desc_t *d = ltls_ext_lookup(code);
    return d ? (ltls_ext_id_t)d->id : LTLS_EXT_UNKNOWN;
}

uint16_t ltls_ext_code(ltls_ext_id_t id)
{
    const ltls_ext_desc_t *d = ltls_ext_desc(id);
    return d ? d->code : 0;
}

uint16_t ltls_ext_allowed(ltls_ext_id_t id)
{
    const ltls_ext_desc_t *d = ltls_ext_desc(id);
    return d ? d->allowed : 0;
}

/* ------------------------------------------------------------------------
 * Parsing
 * ---------------------------------------------------------------------- */

ltls_err_t ltls_ext_split(const uint8_t *p, size_t len, ltls_ext_set_t *set)
{
    ltls_reader_t r, body;
    ltls_err_t err;
    ltls_reader_init(&r, p, len);
    while (ltls_reader_left(&r)) {
        uint16_t code;
        if ((err = ltls_reader_u16(&r, &code)) || (err = ltls_reader_vec(&r, 2, 0, 0xffff, &body)))
            return err;
        if (set->count == LTLS_MSG_MAX_EXTENSIONS)
            return ltls_err_make(LTLS_R_MSG_TOO_MANY);
        const ltls_ext_desc_t *d = ltls_ext_lookup(code);
        if (d) {
            /* §4.2: "There MUST NOT be more than one extension of the same
             * type in a given extension block." */
            if (set->present & LTLS_EXT_BIT(d->id))
                return ltls_err_make(LTLS_R_EXT_DUPLICATE);
            set->present |= LTLS_EXT_BIT(d->id);
        } else {
            for (size_t i = 0; i < set->count; i++)
                if (set->entries[i].code == code)
                    return ltls_err_make(LTLS_R_EXT_DUPLICATE);
            set->unknown++;
            if (ltls_msg_is_grease(code))
                set->grease++;
        }
        ltls_ext_entry_t *e = &set->entries[set->count++];
        e->body = ltls_reader_peek(&body);
        e->code = code;
        e->len = (uint16_t)body.len;
        e->id = d ? d->id : LTLS_EXT_UNKNOWN;
    }
    return LTLS_OK;
}

ltls_err_t ltls_ext_finish(ltls_ext_ctx_t ctx, ltls_ext_set_t *set)
{
    set->ctx = (uint8_t)ctx;
    for (size_t i = 0; i < set->count; i++) {
        const ltls_ext_entry_t *e = &set->entries[i];
        if (e->id == LTLS_EXT_UNKNOWN) {
            /* GREASE included: RFC 8701 asks nothing more than that unknown
             * values be ignored where they may be sent, and rejected where
             * they would be an answer. */
            if (!(LTLS_EXT_IN(ctx) & IGNORES_UNKNOWN))
                return ltls_err_make(LTLS_R_EXT_UNSOLICITED);
            continue;
        }
        /* §4.2: a recognised extension "not specified for the message in
         * which it appears" -> illegal_parameter. */
        if (!(registry[e->id]->allowed & LTLS_EXT_IN(ctx)))
            return ltls_err_make(LTLS_R_EXT_FORBIDDEN);
        /* §4.2.11: pre_shared_key "MUST be the last extension in the
         * ClientHello"; servers check it and fail with illegal_parameter. */
        if (ctx == LTLS_EXT_CTX_CH && e->id == LTLS_EXT_PRE_SHARED_KEY && i + 1 != set->count)
            return ltls_err_make(LTLS_R_EXT_PSK_NOT_LAST);
    }
    for (size_t i = 0; i < set->count; i++) {
        const ltls_ext_entry_t *e = &set->entries[i];
        if (e->id == LTLS_EXT_UNKNOWN || !registry[e->id]->parse)
            continue;
        ltls_reader_t body;
        ltls_reader_init(&body, e->body, e->len);
        ltls_err_t err = registry[e->id]->parse(ctx, &body, set);
        if (!err)
            err = ltls_reader_end(&body);
        if (err)
            return err;
    }
    return LTLS_OK;
}

ltls_err_t ltls_ext_parse_block(ltls_ext_ctx_t ctx, const uint8_t *p, size_t len,
                                ltls_ext_set_t *set)
{
    if (!set || (!p && len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if ((unsigned)ctx >= LTLS_EXT_CTX_COUNT_)
        return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    ltls_ext_set_init(set, ctx);
    ltls_err_t err = ltls_ext_split(p, len, set);
    return err ? err : ltls_ext_finish(ctx, set);
}

ltls_err_t ltls_ext_check_solicited(const ltls_ext_set_t *response, uint64_t offered)
{
    uint64_t extra = response->present & ~offered;
    /* §4.2: cookie is the one extension a server sends unasked, in a
     * HelloRetryRequest. */
    if (response->ctx == LTLS_EXT_CTX_HRR)
        extra &= ~LTLS_EXT_BIT(LTLS_EXT_COOKIE);
    return extra ? ltls_err_make(LTLS_R_EXT_UNSOLICITED) : LTLS_OK;
}

/* ------------------------------------------------------------------------
 * Building and writing
 * ---------------------------------------------------------------------- */

void ltls_ext_set_init(ltls_ext_set_t *s, ltls_ext_ctx_t ctx)
{
    memset(s, 0, sizeof(*s));
    s->ctx = (uint8_t)ctx;
}

static ltls_err_t add_entry(ltls_ext_set_t *s, uint16_t code, const ltls_ext_desc_t *d,
                            const uint8_t *body, size_t len)
{
    if (len > 0xffff || (!body && len))
        return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    for (size_t i = 0; i < s->count; i++)
        if (s->entries[i].code == code)
            return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    if (s->count == LTLS_MSG_MAX_EXTENSIONS)
        return ltls_err_make(LTLS_R_MSG_TOO_MANY);
    ltls_ext_entry_t *e = &s->entries[s->count++];
    e->body = body;
    e->code = code;
    e->len = (uint16_t)len;
    e->id = d ? d->id : LTLS_EXT_UNKNOWN;
    if (d) {
        s->present |= LTLS_EXT_BIT(d->id);
    } else {
        s->unknown++;
        if (ltls_msg_is_grease(code))
            s->grease++;
    }
    return LTLS_OK;
}

ltls_err_t ltls_ext_add(ltls_ext_set_t *s, ltls_ext_id_t id)
{
    const ltls_ext_desc_t *d = ltls_ext_desc(id);
    if (!s)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if (!d || !d->write)
        return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    return add_entry(s, d->code, d, NULL, 0);
}

ltls_err_t ltls_ext_add_raw(ltls_ext_set_t *s, uint16_t code, const uint8_t *body, size_t len)
{
    if (!s)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    const ltls_ext_desc_t *d = ltls_ext_lookup(code);
    /* A known extension with typed fields is written from them, never from
     * raw bytes, so that one set cannot say two things. */
    if (d && d->write)
        return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    return add_entry(s, code, d, body, len);
}

void ltls_ext_write_block(ltls_writer_t *w, ltls_ext_ctx_t ctx, const ltls_ext_set_t *s)
{
    ltls_writer_vec_t block = ltls_writer_vec_open(w, 2);
    for (size_t i = 0; i < s->count; i++) {
        const ltls_ext_entry_t *e = &s->entries[i];
        const ltls_ext_desc_t *d = e->id == LTLS_EXT_UNKNOWN ? NULL : ltls_ext_desc(e->id);
        if (d && (!(d->allowed & LTLS_EXT_IN(ctx)) ||
                  (ctx == LTLS_EXT_CTX_CH && e->id == LTLS_EXT_PRE_SHARED_KEY &&
                   i + 1 != s->count))) {
            ltls_msg_writer_fail(w, LTLS_R_BAD_ARGUMENT);
            return;
        }
        ltls_writer_u16(w, e->code);
        ltls_writer_vec_t body = ltls_writer_vec_open(w, 2);
        if (d && d->write)
            d->write(ctx, s, w);
        else
            ltls_writer_bytes(w, e->body, e->len);
        ltls_writer_vec_close(w, body);
    }
    ltls_writer_vec_close(w, block);
}
