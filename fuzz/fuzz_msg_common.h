/*
 * fuzz/fuzz_msg_common.h - the checks shared by the handshake-codec targets
 * fuzz_msg, fuzz_client_hello and fuzz_ext (src/msg).
 *
 * What msg/msg.h promises, and therefore what is checked here for every
 * parsed extension block and message:
 *   - errors: a parse error is a peer's fault, so it is the canonical value
 *     of a LOCAL_ALERT reason with a TLS alert (never MISUSE, INTERNAL or a
 *     hand-made value), and its reason is one the function documents for the
 *     message or extension context in question (msgf_ext_reason_ok);
 *   - the registry's rules on an accepted block (msgf_check_set_rules): no
 *     duplicates, every known extension allowed in its message, unknown ones
 *     only where they are ignored, pre_shared_key last in a ClientHello, and
 *     present/count/unknown/grease saying what the entries say;
 *   - views, not copies: every view of a parsed struct lies inside the
 *     buffer that was parsed, and is read whole (msgf_touch_set);
 *   - write(parse(x)): serialising an accepted struct succeeds (a writer
 *     refusal is a finding: the writers' contract is "refuse what a parser
 *     would refuse"), measuring with a NULL buffer gives the written size,
 *     the result parses to an equal struct (msgf_eq_*), and writing that
 *     again gives the same bytes.
 *
 * Byte exactness, write(parse(x)) == x, holds for everything src/msg parses
 * with one exception, and the targets assert it (msgf_check_exact): every
 * typed extension reads its body completely and its writer emits the same
 * fields with the same prefixes, recognised-but-raw and unknown extensions
 * are kept as entries with their bodies and written back as they are, the
 * entries keep their wire order, and parsed lists keep their wire bytes. The
 * exception is the padding extension (RFC 7685): its contents are ignored
 * (only padding_len is kept) and written back as zeros, so the bytes of a
 * padding body that were not zero are the only bytes allowed to differ.
 */
#ifndef LTLS_FUZZ_MSG_COMMON_H
#define LTLS_FUZZ_MSG_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/reader.h"
#include "core/writer.h"
#include "fuzz_common.h"
#include "msg/msg.h"

/* The receivers that ignore unknown extensions (msg.h: ClientHello,
 * CertificateRequest, NewSessionTicket); everywhere else they are refused. */
#define MSGF_IGNORES_UNKNOWN (LTLS_EXT_IN_CH | LTLS_EXT_IN_CR | LTLS_EXT_IN_NST)

/* The first registry id kept as a raw body (msg.h's enum: the ids before it
 * are parsed into typed fields and written from them). */
#define MSGF_FIRST_RAW_ID LTLS_EXT_MAX_FRAGMENT_LENGTH

/* FUZZ_VERBOSE=1 prints what each input came to (accepted, or the reason
 * it was refused), to see which paths a corpus reaches:
 * FUZZ_VERBOSE=1 ./fuzz_msg -runs=0 DIR. */
static inline void msgf_outcome(const char *what, unsigned sel, ltls_err_t err)
{
    static int v = -1;
    if (v < 0)
        v = getenv("FUZZ_VERBOSE") != NULL;
    if (v)
        fprintf(stderr, "fuzz: %s %u: %s\n", what, sel,
                err ? ltls_err_reason_name(err) : "accepted");
}

/* ------------------------------------------------------------------------
 * Errors
 * ---------------------------------------------------------------------- */

/* A parse error: the peer's fault, with the alert of its reason's row. */
static inline void msgf_check_parse_err(ltls_err_t err)
{
    FUZZ_CHECK(err != 0);
    FUZZ_CHECK_ERR(err, ltls_err_class(err) == LTLS_ECLASS_LOCAL_ALERT);
    FUZZ_CHECK_ERR(err, ltls_err_alert(err) != 0);
    FUZZ_CHECK_ERR(err, err == ltls_err_make(ltls_err_reason(err)));
}

/* 1 if reason is one that an extension block of message ctx may fail with
 * (ltls_ext_parse_block's list, and each extension's own reasons in the
 * messages where that extension is allowed). */
static inline int msgf_ext_reason_ok(ltls_ext_ctx_t ctx, ltls_reason_t reason)
{
    uint16_t in = LTLS_EXT_IN(ctx);
    switch (reason) {
    case LTLS_R_DECODE_TRUNCATED:
    case LTLS_R_DECODE_TRAILING:
    case LTLS_R_DECODE_LENGTH:
    case LTLS_R_MSG_TOO_MANY:
    case LTLS_R_EXT_DUPLICATE:
    case LTLS_R_EXT_FORBIDDEN:
        return 1;
    case LTLS_R_EXT_UNSOLICITED: return !(in & MSGF_IGNORES_UNKNOWN);
    case LTLS_R_EXT_PSK_NOT_LAST:
    case LTLS_R_EXT_PSK_BINDERS:
    case LTLS_R_EXT_KEY_SHARE_DUPLICATE:
    case LTLS_R_EXT_SERVER_NAME:
        return ctx == LTLS_EXT_CTX_CH;
    case LTLS_R_EXT_ALPN: return ctx == LTLS_EXT_CTX_EE || ctx == LTLS_EXT_CTX_SH12;
    case LTLS_R_EXT_RECORD_SIZE_LIMIT:
        return ctx == LTLS_EXT_CTX_CH || ctx == LTLS_EXT_CTX_EE || ctx == LTLS_EXT_CTX_SH12;
    case LTLS_R_EXT_VERSION:
    case LTLS_R_MSG_GREASE_SELECTED:
        return ctx == LTLS_EXT_CTX_SH || ctx == LTLS_EXT_CTX_HRR;
    case LTLS_R_EXT_STATUS_TYPE: return ctx == LTLS_EXT_CTX_CT;
    default: return 0;
    }
}

/* ------------------------------------------------------------------------
 * Views
 * ---------------------------------------------------------------------- */

/* A view of a parsed struct: inside [base, base+len), and readable. */
static inline void msgf_view(const void *p, size_t n, const uint8_t *base, size_t len)
{
    if (n == 0)
        return;
    FUZZ_CHECK(p != NULL);
    FUZZ_CHECK(fuzz_within(p, n, base, len));
    fuzz_touch(p, n);
}

static inline void msgf_view_bytes(const ltls_bytes_t *b, const uint8_t *base, size_t len)
{
    msgf_view(b->p, b->len, base, len);
}

static inline void msgf_view_u16(const ltls_u16_list_t *l, const uint8_t *base, size_t len)
{
    FUZZ_CHECK(l->vals == NULL); /* parsed: wire form */
    FUZZ_CHECK(l->count <= SIZE_MAX / 2);
    msgf_view(l->wire, 2 * l->count, base, len);
}

/* Walks a parsed blob list: exactly count items, each inside the list's own
 * wire bytes and inside the buffer; item lengths in [min, max]. */
static inline void msgf_view_blobs(const ltls_blob_list_t *l, size_t min, size_t max,
                                   const uint8_t *base, size_t len)
{
    ltls_iter_t it = {0, 0};
    ltls_bytes_t b;
    size_t n = 0;
    FUZZ_CHECK(l->items == NULL);
    msgf_view_bytes(&l->wire, base, len);
    while (ltls_blob_list_next(l, &it, &b)) {
        FUZZ_CHECK(b.len >= min && b.len <= max);
        if (b.len)
            FUZZ_CHECK(fuzz_within(b.p, b.len, l->wire.p, l->wire.len));
        msgf_view_bytes(&b, base, len);
        n++;
    }
    FUZZ_CHECK(n == l->count);
}

/* Every view of a parsed block lies in [base, base+len): the entries' bodies
 * and the typed fields of the extensions present. */
static inline void msgf_touch_set(const ltls_ext_set_t *s, const uint8_t *base, size_t len)
{
    for (size_t i = 0; i < s->count; i++)
        msgf_view(s->entries[i].body, s->entries[i].len, base, len);
    if (ltls_ext_has(s, LTLS_EXT_SERVER_NAME))
        msgf_view_bytes(&s->server_name, base, len);
    if (ltls_ext_has(s, LTLS_EXT_STATUS_REQUEST)) {
        msgf_view_blobs(&s->status.responder_ids, 1, 0xffff, base, len);
        msgf_view_bytes(&s->status.request_extensions, base, len);
        msgf_view_bytes(&s->status.other_request, base, len);
        msgf_view_bytes(&s->status.response, base, len);
    }
    msgf_view_u16(&s->supported_groups, base, len);
    msgf_view_u16(&s->signature_algorithms, base, len);
    msgf_view_u16(&s->signature_algorithms_cert, base, len);
    msgf_view_u16(&s->supported_versions, base, len);
    if (ltls_ext_has(s, LTLS_EXT_ALPN))
        msgf_view_blobs(&s->alpn, 1, 0xff, base, len);
    if (ltls_ext_has(s, LTLS_EXT_CERTIFICATE_AUTHORITIES))
        msgf_view_blobs(&s->certificate_authorities, 1, 0xffff, base, len);
    msgf_view_bytes(&s->cookie, base, len);
    msgf_view_bytes(&s->psk_modes, base, len);
    FUZZ_CHECK(s->psk.count <= LTLS_MSG_MAX_PSK_IDENTITIES);
    for (size_t i = 0; i < s->psk.count; i++) {
        FUZZ_CHECK(s->psk.ids[i].identity.len >= 1);
        FUZZ_CHECK(s->psk.ids[i].binder.len >= 32);
        msgf_view_bytes(&s->psk.ids[i].identity, base, len);
        msgf_view_bytes(&s->psk.ids[i].binder, base, len);
    }
    FUZZ_CHECK(s->key_share.count <= LTLS_MSG_MAX_KEY_SHARES);
    for (size_t i = 0; i < s->key_share.count; i++) {
        FUZZ_CHECK(s->key_share.shares[i].key_exchange.len >= 1);
        msgf_view_bytes(&s->key_share.shares[i].key_exchange, base, len);
        /* §4.2.8: one share per group, refused otherwise by the parser. */
        for (size_t j = 0; j < i; j++)
            FUZZ_CHECK(s->key_share.shares[j].group != s->key_share.shares[i].group);
    }
    msgf_view_bytes(&s->key_share.server.key_exchange, base, len);
}

/* ------------------------------------------------------------------------
 * The registry's rules on an accepted block
 * ---------------------------------------------------------------------- */

static inline void msgf_check_set_rules(const ltls_ext_set_t *s, ltls_ext_ctx_t ctx)
{
    uint64_t present = 0;
    size_t unknown = 0, grease = 0;
    FUZZ_CHECK(s->ctx == (uint8_t)ctx);
    FUZZ_CHECK(s->count <= LTLS_MSG_MAX_EXTENSIONS);
    for (size_t i = 0; i < s->count; i++) {
        const ltls_ext_entry_t *e = &s->entries[i];
        /* §4.2: no two extensions of one type, known or unknown. */
        for (size_t j = 0; j < i; j++)
            FUZZ_CHECK(s->entries[j].code != e->code);
        FUZZ_CHECK(e->id == (uint8_t)ltls_ext_id(e->code));
        if (e->id == LTLS_EXT_UNKNOWN) {
            FUZZ_CHECK(ltls_ext_name(e->code) == NULL);
            FUZZ_CHECK(LTLS_EXT_IN(ctx) & MSGF_IGNORES_UNKNOWN);
            unknown++;
            if (ltls_msg_is_grease(e->code))
                grease++;
            continue;
        }
        FUZZ_CHECK(e->id < LTLS_EXT_COUNT_);
        FUZZ_CHECK(ltls_ext_code((ltls_ext_id_t)e->id) == e->code);
        FUZZ_CHECK(ltls_ext_name(e->code) != NULL);
        /* §4.2: a known extension only in the messages of its row. */
        FUZZ_CHECK(ltls_ext_allowed((ltls_ext_id_t)e->id) & LTLS_EXT_IN(ctx));
        /* §4.2.11: pre_shared_key last in a ClientHello. */
        if (ctx == LTLS_EXT_CTX_CH && e->id == LTLS_EXT_PRE_SHARED_KEY)
            FUZZ_CHECK(i + 1 == s->count);
        FUZZ_CHECK(!(present & LTLS_EXT_BIT(e->id)));
        present |= LTLS_EXT_BIT(e->id);
        FUZZ_CHECK(ltls_ext_has(s, (ltls_ext_id_t)e->id));
    }
    FUZZ_CHECK(present == s->present);
    FUZZ_CHECK(unknown == s->unknown);
    FUZZ_CHECK(grease == s->grease);
    /* Values a parser refuses never reach a struct. */
    if (ltls_ext_has(s, LTLS_EXT_RECORD_SIZE_LIMIT))
        FUZZ_CHECK(s->record_size_limit >= 64);
    if (ltls_ext_has(s, LTLS_EXT_SUPPORTED_VERSIONS) && ctx != LTLS_EXT_CTX_CH)
        FUZZ_CHECK(s->selected_version >= LTLS_MSG_VERSION_TLS13 &&
                   !ltls_msg_is_grease(s->selected_version));
    if (ltls_ext_has(s, LTLS_EXT_KEY_SHARE) && ctx == LTLS_EXT_CTX_SH)
        FUZZ_CHECK(!ltls_msg_is_grease(s->key_share.server.group));
    if (ltls_ext_has(s, LTLS_EXT_KEY_SHARE) && ctx == LTLS_EXT_CTX_HRR)
        FUZZ_CHECK(!ltls_msg_is_grease(s->key_share.selected_group));
    if (ltls_ext_has(s, LTLS_EXT_ALPN) && (ctx == LTLS_EXT_CTX_EE || ctx == LTLS_EXT_CTX_SH12))
        FUZZ_CHECK(s->alpn.count == 1);
    if (ltls_ext_has(s, LTLS_EXT_STATUS_REQUEST) && ctx == LTLS_EXT_CTX_CT)
        FUZZ_CHECK(s->status.type == LTLS_MSG_STATUS_OCSP);
    if (ltls_ext_has(s, LTLS_EXT_PRE_SHARED_KEY) && ctx == LTLS_EXT_CTX_CH)
        FUZZ_CHECK(s->psk.count >= 1);
}

/* ltls_ext_check_solicited against offered: OK exactly when every known
 * extension present was offered, cookie in a HelloRetryRequest excepted. */
static inline void msgf_check_solicited(const ltls_ext_set_t *s, uint64_t offered)
{
    uint64_t extra = s->present & ~offered;
    if (s->ctx == LTLS_EXT_CTX_HRR)
        extra &= ~LTLS_EXT_BIT(LTLS_EXT_COOKIE);
    ltls_err_t err = ltls_ext_check_solicited(s, offered);
    if (!extra) {
        FUZZ_CHECK_ERR(err, err == 0);
        return;
    }
    FUZZ_CHECK_ERR(err, err == ltls_err_make(LTLS_R_EXT_UNSOLICITED));
    FUZZ_CHECK(ltls_err_alert(err) == LTLS_ALERT_UNSUPPORTED_EXTENSION);
}

/* The solicited check with the present mask itself (always OK), with every
 * present bit but one (refused unless that one is cookie in a HRR), and
 * with a mask drawn from the input. */
static inline void msgf_check_solicited_all(const ltls_ext_set_t *s, uint64_t h)
{
    msgf_check_solicited(s, s->present);
    msgf_check_solicited(s, ~(uint64_t)0);
    msgf_check_solicited(s, 0);
    msgf_check_solicited(s, h);
    msgf_check_solicited(s, h & s->present);
    if (s->present) {
        unsigned skip = (unsigned)(h % LTLS_EXT_COUNT_);
        while (!(s->present & LTLS_EXT_BIT(skip)))
            skip = (skip + 1) % LTLS_EXT_COUNT_;
        msgf_check_solicited(s, s->present & ~LTLS_EXT_BIT(skip));
    }
}

/* The padding extension's body in a parsed block ({NULL, 0} if none). */
static inline ltls_bytes_t msgf_padding(const ltls_ext_set_t *s)
{
    ltls_bytes_t b = {NULL, 0};
    for (size_t i = 0; i < s->count; i++)
        if (s->entries[i].id == LTLS_EXT_PADDING) {
            b.p = s->entries[i].body;
            b.len = s->entries[i].len;
        }
    return b;
}

/* ------------------------------------------------------------------------
 * Comparing parsed structs (views by content, lists value by value)
 * ---------------------------------------------------------------------- */

static inline void msgf_eq_bytes(const ltls_bytes_t *a, const ltls_bytes_t *b)
{
    FUZZ_CHECK(a->len == b->len);
    if (a->len)
        FUZZ_CHECK(memcmp(a->p, b->p, a->len) == 0);
}

static inline void msgf_eq_u16(const ltls_u16_list_t *a, const ltls_u16_list_t *b)
{
    FUZZ_CHECK(a->count == b->count);
    for (size_t i = 0; i < a->count; i++)
        FUZZ_CHECK(ltls_u16_list_at(a, i) == ltls_u16_list_at(b, i));
}

static inline void msgf_eq_blobs(const ltls_blob_list_t *a, const ltls_blob_list_t *b)
{
    ltls_iter_t ia = {0, 0}, ib = {0, 0};
    ltls_bytes_t x, y;
    FUZZ_CHECK(a->count == b->count);
    FUZZ_CHECK(a->prefix == b->prefix);
    while (ltls_blob_list_next(a, &ia, &x)) {
        FUZZ_CHECK(ltls_blob_list_next(b, &ib, &y));
        msgf_eq_bytes(&x, &y);
    }
    FUZZ_CHECK(!ltls_blob_list_next(b, &ib, &y));
}

static inline void msgf_eq_share(const ltls_key_share_t *a, const ltls_key_share_t *b)
{
    FUZZ_CHECK(a->group == b->group);
    msgf_eq_bytes(&a->key_exchange, &b->key_exchange);
}

static inline void msgf_eq_set(const ltls_ext_set_t *a, const ltls_ext_set_t *b)
{
    FUZZ_CHECK(a->present == b->present);
    FUZZ_CHECK(a->ctx == b->ctx);
    FUZZ_CHECK(a->count == b->count);
    FUZZ_CHECK(a->unknown == b->unknown);
    FUZZ_CHECK(a->grease == b->grease);
    for (size_t i = 0; i < a->count; i++) {
        const ltls_ext_entry_t *x = &a->entries[i], *y = &b->entries[i];
        FUZZ_CHECK(x->code == y->code);
        FUZZ_CHECK(x->id == y->id);
        FUZZ_CHECK(x->len == y->len);
        /* Padding is the one body whose contents the parser ignores and the
         * writer does not keep (zeros): only its length is its value. */
        if (x->id != LTLS_EXT_PADDING && x->len)
            FUZZ_CHECK(memcmp(x->body, y->body, x->len) == 0);
    }
    msgf_eq_bytes(&a->server_name, &b->server_name);
    FUZZ_CHECK(a->status.type == b->status.type);
    msgf_eq_blobs(&a->status.responder_ids, &b->status.responder_ids);
    msgf_eq_bytes(&a->status.request_extensions, &b->status.request_extensions);
    msgf_eq_bytes(&a->status.other_request, &b->status.other_request);
    msgf_eq_bytes(&a->status.response, &b->status.response);
    msgf_eq_u16(&a->supported_groups, &b->supported_groups);
    msgf_eq_u16(&a->signature_algorithms, &b->signature_algorithms);
    msgf_eq_u16(&a->signature_algorithms_cert, &b->signature_algorithms_cert);
    msgf_eq_blobs(&a->alpn, &b->alpn);
    FUZZ_CHECK(a->padding_len == b->padding_len);
    FUZZ_CHECK(a->record_size_limit == b->record_size_limit);
    FUZZ_CHECK(a->psk.count == b->psk.count);
    FUZZ_CHECK(a->psk.selected == b->psk.selected);
    for (size_t i = 0; i < a->psk.count; i++) {
        msgf_eq_bytes(&a->psk.ids[i].identity, &b->psk.ids[i].identity);
        FUZZ_CHECK(a->psk.ids[i].obfuscated_ticket_age == b->psk.ids[i].obfuscated_ticket_age);
        msgf_eq_bytes(&a->psk.ids[i].binder, &b->psk.ids[i].binder);
    }
    FUZZ_CHECK(a->max_early_data_size == b->max_early_data_size);
    msgf_eq_u16(&a->supported_versions, &b->supported_versions);
    FUZZ_CHECK(a->selected_version == b->selected_version);
    msgf_eq_bytes(&a->cookie, &b->cookie);
    msgf_eq_bytes(&a->psk_modes, &b->psk_modes);
    msgf_eq_blobs(&a->certificate_authorities, &b->certificate_authorities);
    FUZZ_CHECK(a->key_share.count == b->key_share.count);
    for (size_t i = 0; i < a->key_share.count; i++)
        msgf_eq_share(&a->key_share.shares[i], &b->key_share.shares[i]);
    msgf_eq_share(&a->key_share.server, &b->key_share.server);
    FUZZ_CHECK(a->key_share.selected_group == b->key_share.selected_group);
}

static inline void msgf_eq_client_hello(const ltls_client_hello_t *a, const ltls_client_hello_t *b)
{
    FUZZ_CHECK(a->legacy_version == b->legacy_version);
    FUZZ_CHECK(memcmp(a->random, b->random, LTLS_MSG_RANDOM_SIZE) == 0);
    msgf_eq_bytes(&a->session_id, &b->session_id);
    msgf_eq_u16(&a->cipher_suites, &b->cipher_suites);
    msgf_eq_bytes(&a->compression_methods, &b->compression_methods);
    FUZZ_CHECK(a->no_extensions == b->no_extensions);
    FUZZ_CHECK(a->offers_tls13 == b->offers_tls13);
    FUZZ_CHECK(a->binders_off == b->binders_off);
    msgf_eq_set(&a->exts, &b->exts);
}

/* ------------------------------------------------------------------------
 * Writing
 * ---------------------------------------------------------------------- */

typedef void (*msgf_write_fn)(ltls_writer_t *w, const void *obj);

/* Serialises obj with fn into a heap buffer of exactly the measured size
 * (so that ASan sees any write past it) and returns it; *len is its size.
 * A writer error is a finding: the struct came from a parser. */
static inline uint8_t *msgf_write(msgf_write_fn fn, const void *obj, size_t *len)
{
    ltls_writer_t w;
    size_t need = 0, got = 0;
    ltls_writer_init(&w, NULL, 0);
    fn(&w, obj);
    ltls_err_t err = ltls_writer_finish(&w, &need);
    /* A NULL buffer measures: the only error is "too small", with the size. */
    FUZZ_CHECK_ERR(err, err == 0 || err == ltls_err_make(LTLS_R_BUFFER_TOO_SMALL));
    if (need == 0)
        FUZZ_CHECK_ERR(err, err == 0);
    uint8_t *buf = (uint8_t *)malloc(need ? need : 1);
    FUZZ_CHECK(buf != NULL);
    ltls_writer_init(&w, buf, need);
    fn(&w, obj);
    err = ltls_writer_finish(&w, &got);
    FUZZ_CHECK_ERR(err, err == 0);
    FUZZ_CHECK(got == need);
    *len = got;
    return buf;
}

/* y == x byte for byte, except that bytes of x's padding body (pad) may have
 * been written back as zeros. */
static inline void msgf_check_exact(const uint8_t *x, size_t xlen, const uint8_t *y, size_t ylen,
                                    ltls_bytes_t pad)
{
    FUZZ_CHECK(ylen == xlen);
    for (size_t i = 0; i < xlen; i++) {
        if (x[i] == y[i])
            continue;
        FUZZ_CHECK(pad.len && fuzz_within(&x[i], 1, pad.p, pad.len));
        FUZZ_CHECK(y[i] == 0);
    }
}

/* ------------------------------------------------------------------------
 * ClientHello (fuzz_client_hello, and fuzz_msg's ClientHello branch)
 * ---------------------------------------------------------------------- */

/* The reasons ltls_msg_parse_client_hello documents. */
static inline int msgf_client_hello_reason_ok(ltls_reason_t reason)
{
    return msgf_ext_reason_ok(LTLS_EXT_CTX_CH, reason) || reason == LTLS_R_MSG_LEGACY_COMPRESSION;
}

/* RFC 8701 in a parsed list: ltls_u16_list_next yields exactly the
 * non-GREASE values, in order, and ltls_u16_list_has finds them. */
static inline void msgf_check_grease_walk(const ltls_u16_list_t *l)
{
    size_t i = 0, j = 0;
    uint16_t v;
    while (ltls_u16_list_next(l, &i, &v)) {
        FUZZ_CHECK(!ltls_msg_is_grease(v));
        while (j < l->count && ltls_msg_is_grease(ltls_u16_list_at(l, j)))
            j++;
        FUZZ_CHECK(j < l->count && ltls_u16_list_at(l, j) == v);
        FUZZ_CHECK(i == j + 1);
        /* _has is a linear scan: a few values suffice. */
        if (j < 4)
            FUZZ_CHECK(ltls_u16_list_has(l, v));
        j++;
    }
    for (; j < l->count; j++)
        FUZZ_CHECK(ltls_msg_is_grease(ltls_u16_list_at(l, j)));
    FUZZ_CHECK(i == l->count);
}

/* RFC 6066 §3 as server_name.c documents it, restated: ASCII letters,
 * digits, '-', '_' and '.', labels of 1..63 bytes, at most 253 in all. */
static inline void msgf_check_host(const ltls_bytes_t *h)
{
    size_t label = 0;
    FUZZ_CHECK(h->len >= 1 && h->len <= 253);
    for (size_t i = 0; i < h->len; i++) {
        uint8_t c = h->p[i];
        if (c == '.') {
            FUZZ_CHECK(label > 0);
            label = 0;
            continue;
        }
        FUZZ_CHECK((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '_');
        FUZZ_CHECK(++label <= 63);
    }
    FUZZ_CHECK(label > 0);
}

/* binders_off (§4.2.11.2): inside the message, and the binders vector is
 * really there: it runs to the end of the message and holds exactly the
 * parsed binders, as views of those very bytes. */
static inline void msgf_check_binders(const ltls_client_hello_t *ch, const uint8_t *msg,
                                      size_t mlen)
{
    ltls_reader_t r, list, b;
    if (!ltls_ext_has(&ch->exts, LTLS_EXT_PRE_SHARED_KEY)) {
        FUZZ_CHECK(ch->binders_off == 0);
        return;
    }
    FUZZ_CHECK(ch->binders_off > LTLS_MSG_HEADER_SIZE && ch->binders_off < mlen);
    ltls_reader_init(&r, msg, mlen);
    FUZZ_CHECK(ltls_reader_skip(&r, ch->binders_off) == 0);
    FUZZ_CHECK(ltls_reader_vec(&r, 2, 33, 0xffff, &list) == 0);
    FUZZ_CHECK(ltls_reader_end(&r) == 0);
    for (size_t i = 0; i < ch->exts.psk.count; i++) {
        FUZZ_CHECK(ltls_reader_vec(&list, 1, 32, 0xff, &b) == 0);
        FUZZ_CHECK(ltls_reader_peek(&b) == ch->exts.psk.ids[i].binder.p);
        FUZZ_CHECK(b.len == ch->exts.psk.ids[i].binder.len);
    }
    FUZZ_CHECK(ltls_reader_end(&list) == 0);
}

/* §9.2 restated from the present bits; the function must agree. */
static inline void msgf_check_tls13_rules(const ltls_client_hello_t *ch)
{
    const ltls_ext_set_t *s = &ch->exts;
    int psk = ltls_ext_has(s, LTLS_EXT_PRE_SHARED_KEY);
    int groups = ltls_ext_has(s, LTLS_EXT_SUPPORTED_GROUPS);
    int ok = (psk || (ltls_ext_has(s, LTLS_EXT_SIGNATURE_ALGORITHMS) && groups)) &&
             groups == ltls_ext_has(s, LTLS_EXT_KEY_SHARE) &&
             (!psk || ltls_ext_has(s, LTLS_EXT_PSK_KEY_EXCHANGE_MODES));
    ltls_err_t err = ltls_msg_client_hello_check_tls13(ch);
    if (ok)
        FUZZ_CHECK_ERR(err, err == 0);
    else
        FUZZ_CHECK_ERR(err, err == ltls_err_make(LTLS_R_EXT_MISSING));
}

/* Everything a parsed ClientHello promises; msg[0..mlen) is the whole
 * message it was parsed from (header included), body its body. */
static inline void msgf_check_client_hello(const ltls_client_hello_t *ch, const uint8_t *msg,
                                           size_t mlen, const uint8_t *body, size_t blen)
{
    const ltls_ext_set_t *s = &ch->exts;
    msgf_check_set_rules(s, LTLS_EXT_CTX_CH);
    msgf_touch_set(s, body, blen);
    msgf_view(ch->random, LTLS_MSG_RANDOM_SIZE, body, blen);
    FUZZ_CHECK(ch->session_id.len <= LTLS_MSG_SESSION_ID_MAX);
    msgf_view_bytes(&ch->session_id, body, blen);
    FUZZ_CHECK(ch->cipher_suites.count >= 1);
    msgf_view_u16(&ch->cipher_suites, body, blen);
    FUZZ_CHECK(ch->compression_methods.len >= 1);
    msgf_view_bytes(&ch->compression_methods, body, blen);
    if (ch->no_extensions)
        FUZZ_CHECK(s->count == 0 && s->present == 0 && !ch->offers_tls13);
    /* §9.2: offering TLS 1.3 is listing 0x0304 in supported_versions. */
    FUZZ_CHECK(ch->offers_tls13 ==
               (ltls_ext_has(s, LTLS_EXT_SUPPORTED_VERSIONS) &&
                ltls_u16_list_has(&s->supported_versions, LTLS_MSG_VERSION_TLS13)));
    const ltls_bytes_t *cm = &ch->compression_methods;
    if (ch->offers_tls13) {
        /* §4.1.2: compression exactly {0}, extensions<8..2^16-1>. */
        FUZZ_CHECK(cm->len == 1 && cm->p[0] == 0);
        size_t block = 0;
        for (size_t i = 0; i < s->count; i++)
            block += 4 + (size_t)s->entries[i].len;
        FUZZ_CHECK(block >= 8);
    } else {
        FUZZ_CHECK(memchr(cm->p, 0, cm->len) != NULL);
    }
    msgf_check_binders(ch, msg, mlen);
    msgf_check_grease_walk(&ch->cipher_suites);
    msgf_check_grease_walk(&s->supported_groups);
    msgf_check_grease_walk(&s->signature_algorithms);
    msgf_check_grease_walk(&s->signature_algorithms_cert);
    msgf_check_grease_walk(&s->supported_versions);
    if (ltls_ext_has(s, LTLS_EXT_SERVER_NAME))
        msgf_check_host(&s->server_name);
    if (ch->offers_tls13)
        msgf_check_tls13_rules(ch);
}

/* ltls_msg_write_client_hello's arguments, for msgf_write. */
typedef struct msgf_ch_write {
    const ltls_client_hello_t *ch;
    size_t pad_to;
    size_t *binders_off;
} msgf_ch_write_t;

static inline void msgf_write_ch(ltls_writer_t *w, const void *obj)
{
    const msgf_ch_write_t *c = (const msgf_ch_write_t *)obj;
    ltls_msg_write_client_hello(w, c->ch, c->pad_to, c->binders_off);
}

/* Parses a written ClientHello y, which must succeed. */
static inline void msgf_reparse_client_hello(const uint8_t *y, size_t ylen,
                                             ltls_client_hello_t *out)
{
    uint8_t type;
    ltls_bytes_t body;
    ltls_err_t err = ltls_msg_parse_header(y, ylen, &type, &body);
    FUZZ_CHECK_ERR(err, err == 0);
    FUZZ_CHECK(type == LTLS_MSG_CLIENT_HELLO);
    err = ltls_msg_parse_client_hello(body.p, body.len, out);
    FUZZ_CHECK_ERR(err, err == 0);
    msgf_check_client_hello(out, y, ylen, body.p, body.len);
}

/* PSK binders (§4.2.11.2) the way a client computes them: the same hello
 * with placeholder binders (p NULL) is written with zeros there and the same
 * binders_off, and ltls_msg_client_hello_fill_binders() then turns it into y.
 * Filling one binder too few is refused without touching the message. */
static inline void msgf_check_binder_fill(const ltls_client_hello_t *ch, const uint8_t *y,
                                          size_t ylen)
{
    static ltls_client_hello_t tmp;
    ltls_bytes_t binders[LTLS_MSG_MAX_PSK_IDENTITIES];
    size_t n = ch->exts.psk.count, len, boff = 0;
    tmp = *ch;
    for (size_t i = 0; i < n; i++) {
        binders[i] = ch->exts.psk.ids[i].binder;
        tmp.exts.psk.ids[i].binder.p = NULL;
    }
    msgf_ch_write_t a = {&tmp, 0, &boff};
    uint8_t *buf = msgf_write(msgf_write_ch, &a, &len);
    FUZZ_CHECK(len == ylen && boff == ch->binders_off);
    /* Truncate(ClientHello) is the same; only the binders differ. */
    FUZZ_CHECK(memcmp(buf, y, boff) == 0);
    ltls_err_t err = ltls_msg_client_hello_fill_binders(buf, len, boff, binders, n - 1);
    FUZZ_CHECK_ERR(err, err == ltls_err_make(LTLS_R_BAD_ARGUMENT));
    FUZZ_CHECK(memcmp(buf, y, boff) == 0);
    err = ltls_msg_client_hello_fill_binders(buf, len, boff, binders, n);
    FUZZ_CHECK_ERR(err, err == 0);
    FUZZ_CHECK(memcmp(buf, y, ylen) == 0);
    free(buf);
}

/* Padding to a target size (RFC 7685 §4): the hello written with pad_to is
 * max(pad_to, its size with empty padding) bytes and parses back to the
 * same hello with only padding_len (and binders_off after it) changed. */
static inline void msgf_check_pad_to(const ltls_client_hello_t *ch, size_t ylen, uint64_t h)
{
    static ltls_client_hello_t back;
    size_t unpadded = ylen - ch->exts.padding_len;
    size_t pad_to = (size_t)(h % (ylen + 64)) + 1;
    size_t want = pad_to > unpadded ? pad_to : unpadded, len, boff = 0;
    msgf_ch_write_t a = {ch, pad_to, &boff};
    uint8_t *buf = msgf_write(msgf_write_ch, &a, &len);
    FUZZ_CHECK(len == want);
    msgf_reparse_client_hello(buf, len, &back);
    FUZZ_CHECK(back.exts.padding_len == want - unpadded);
    if (ch->binders_off)
        FUZZ_CHECK(boff + ylen == ch->binders_off + want);
    FUZZ_CHECK(back.binders_off == boff);
    /* Apart from those, the very same hello. */
    for (size_t i = 0; i < back.exts.count; i++)
        if (back.exts.entries[i].id == LTLS_EXT_PADDING)
            back.exts.entries[i].len = (uint16_t)ch->exts.padding_len;
    back.exts.padding_len = ch->exts.padding_len;
    back.binders_off = ch->binders_off;
    msgf_eq_client_hello(ch, &back);
    free(buf);
}

/* write(parse(x)) for a parsed ClientHello ch of msg[0..mlen). */
static inline void msgf_client_hello_round_trip(const ltls_client_hello_t *ch, const uint8_t *msg,
                                                size_t mlen, uint64_t h)
{
    static ltls_client_hello_t again;
    size_t ylen, zlen, boff = 0;
    msgf_ch_write_t a = {ch, 0, &boff};
    uint8_t *y = msgf_write(msgf_write_ch, &a, &ylen);
    FUZZ_CHECK(boff == ch->binders_off);
    msgf_reparse_client_hello(y, ylen, &again);
    msgf_eq_client_hello(ch, &again);
    msgf_ch_write_t b = {&again, 0, NULL};
    uint8_t *z = msgf_write(msgf_write_ch, &b, &zlen);
    FUZZ_CHECK(zlen == ylen && memcmp(z, y, ylen) == 0);
    msgf_check_exact(msg, mlen, y, ylen, msgf_padding(&ch->exts));
    if (ltls_ext_has(&ch->exts, LTLS_EXT_PADDING)) {
        /* Padded to its own size, the hello is written unchanged. */
        msgf_ch_write_t p = {ch, ylen, NULL};
        uint8_t *q = msgf_write(msgf_write_ch, &p, &zlen);
        FUZZ_CHECK(zlen == ylen && memcmp(q, y, ylen) == 0);
        free(q);
        /* Keep the padded size within a 16-bit padding body and block. */
        if (ylen < 0x8000)
            msgf_check_pad_to(ch, ylen, h);
    }
    if (ltls_ext_has(&ch->exts, LTLS_EXT_PRE_SHARED_KEY))
        msgf_check_binder_fill(ch, y, ylen);
    free(z);
    free(y);
}

#endif
