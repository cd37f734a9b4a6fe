/*
 * fuzz/fuzz_msg.c - every TLS 1.3 handshake message codec of src/msg
 * (ClientHello, ServerHello and HelloRetryRequest, EncryptedExtensions,
 * Certificate with each CertificateEntry's extensions, CertificateRequest,
 * CertificateVerify, Finished, NewSessionTicket, KeyUpdate, EndOfEarlyData)
 * and the handshake reassembler (ltls_msg_reasm_*), on one message.
 *
 * Why: these parsers are the whole of what a peer's handshake bytes reach
 * before a handler decides anything (msg.h: "Nothing is half-parsed"), and
 * their writers produce what lucidtls sends. The connection targets
 * (fuzz_client, fuzz_server) reach them only in the order and state a
 * handshake allows; here each codec gets any bytes, and its writer must
 * reproduce what its parser accepted.
 *
 * Input: one whole handshake message as on the wire, 4-byte header
 * included. It is
 *   1. fed to the reassembler split four ways: whole and byte by byte,
 *      then, repeated twice over (so that messages run across the copies
 *      and the kept buffer is reused), in fixed and in varying chunk sizes
 *      drawn from the input, with ltls_msg_reasm_trim between chunks; with
 *      limits and, in one run, an allocation failure drawn from the input.
 *      Every split must give the same messages, namely those a plain walk
 *      of the headers finds, byte for byte, then the same end
 *      (MSG_TOO_LARGE at the same header, or the same partial message
 *      pending); the §5.1 key-change check must answer by what is left of
 *      the chunk; every allocation is freed with its size, and nothing is
 *      kept after a trim with no message pending;
 *   2. split with ltls_msg_parse_header and parsed by the type byte's
 *      parser (a ServerHello is a HelloRetryRequest when its random is the
 *      special value, RFC 8446 §4.1.3; a Finished is parsed for the hash
 *      length its size suggests, 32 or 48, and with the length left to the
 *      caller). Unknown types stop here.
 * Checked on the parse (fuzz_msg_common.h): a refusal is the canonical
 * error of a reason the message documents; an accepted message obeys its
 * section of RFC 8446 as msg.h states it, the registry's rules for its
 * blocks (each CertificateEntry's block re-parsed in the CT context must be
 * accepted), all its views lie inside it and are read; then
 * write(parse(x)) == x (padding contents of a ClientHello aside), the
 * written message parses to an equal struct and is written again
 * identically. A Certificate is also rebuilt from its entries with their
 * parsed extension sets and must be written as x.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/reader.h"
#include "core/writer.h"
#include "fuzz_common.h"
#include "fuzz_msg_common.h"
#include "msg/msg.h"

/* Certificate entries whose extension sets are kept for the rebuilt
 * Certificate (2.2 KB each); longer chains skip that one check. */
#define MAX_BUILT_ENTRIES 16

static fuzz_alloc_state_t alloc_st;
static ltls_allocator_t alloc;
static ltls_ext_set_t ct_sets[MAX_BUILT_ENTRIES], ct_set_a, ct_set_b;

/* ------------------------------------------------------------------------
 * The reassembler
 * ---------------------------------------------------------------------- */

/* What every split of the input must give, from a plain walk of the
 * headers: count whole messages, then either the end of the input, a header
 * over the limit (too_large), or a message cut short (pending). */
typedef struct reasm_model {
    size_t count;
    size_t end_off; /* where the whole messages end */
    int too_large;
    int pending;
} reasm_model_t;

static size_t body_limit(uint8_t type, size_t max_body, size_t max_cert)
{
    size_t limit = (type == LTLS_MSG_CERTIFICATE || type == LTLS_MSG_COMPRESSED_CERTIFICATE)
                       ? max_cert
                       : max_body;
    return limit ? limit : LTLS_MSG_MAX_DEFAULT;
}

static void reasm_model(const uint8_t *in, size_t n, size_t max_body, size_t max_cert,
                        reasm_model_t *m)
{
    ltls_reader_t r;
    memset(m, 0, sizeof(*m));
    ltls_reader_init(&r, in, n);
    while (ltls_reader_left(&r) >= LTLS_MSG_HEADER_SIZE) {
        uint8_t type;
        uint32_t blen;
        size_t at = r.off;
        ltls_reader_u8(&r, &type);
        ltls_reader_u24(&r, &blen);
        if (blen > body_limit(type, max_body, max_cert)) {
            m->too_large = 1;
            m->end_off = at;
            return;
        }
        if (ltls_reader_skip(&r, blen)) {
            m->pending = 1;
            m->end_off = at;
            return;
        }
        m->count++;
    }
    m->end_off = r.off;
    m->pending = ltls_reader_left(&r) > 0;
}

enum { SPLIT_WHOLE, SPLIT_BYTES, SPLIT_FIXED, SPLIT_VARYING, SPLIT_COUNT_ };

/* The next chunk's size (at least 1, at most left). */
static size_t chunk_size(int split, uint64_t *s, size_t left)
{
    size_t c;
    switch (split) {
    case SPLIT_WHOLE: c = left; break;
    case SPLIT_BYTES: c = 1; break;
    case SPLIT_FIXED: c = 1 + (size_t)(*s % 97); break;
    default:
        /* xorshift64: sizes from 1 to 300, a fresh one each chunk. */
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        c = 1 + (size_t)(*s % 300);
        break;
    }
    return c < left ? c : left;
}

/* One delivered message: the next bytes of the input, whole and consistent. */
static void check_delivered(const ltls_msg_t *m, const uint8_t *in, size_t n, size_t pos,
                            size_t max_body, size_t max_cert)
{
    uint8_t type;
    ltls_bytes_t body;
    FUZZ_CHECK(m->msg_len >= LTLS_MSG_HEADER_SIZE && m->msg_len <= n - pos);
    FUZZ_CHECK(memcmp(m->msg, &in[pos], m->msg_len) == 0);
    FUZZ_CHECK(m->type == in[pos]);
    FUZZ_CHECK(m->body_len == m->msg_len - LTLS_MSG_HEADER_SIZE);
    FUZZ_CHECK(m->body_len <= body_limit(m->type, max_body, max_cert));
    FUZZ_CHECK(ltls_msg_parse_header(m->msg, m->msg_len, &type, &body) == 0);
    FUZZ_CHECK(type == m->type && body.len == m->body_len);
    if (m->body_len) {
        FUZZ_CHECK(m->body == body.p);
        fuzz_touch(m->body, m->body_len);
    }
}

/* A reassembler's run over in[0..n) in chunks of the given split. With
 * trims, ltls_msg_reasm_trim is called between some chunks: a no-op while a
 * message is pending, otherwise it gives the buffer back, and the next
 * split message must get a new one. */
static void reasm_run(const uint8_t *in, size_t n, const reasm_model_t *model, int split,
                      uint64_t seed, size_t max_body, size_t max_cert, size_t fail_at, int trims)
{
    ltls_msg_reasm_t r;
    size_t fed = 0, pos = 0, k = 0;
    int stopped = 0;
    fuzz_alloc_reset(&alloc_st, fail_at);
    FUZZ_CHECK(ltls_msg_reasm_init(&r, &alloc, max_body, max_cert) == 0);
    while (fed < n && !stopped) {
        size_t chunk = chunk_size(split, &seed, n - fed), off = 0;
        const uint8_t *c = &in[fed];
        while (off < chunk) {
            ltls_msg_t m;
            size_t used = SIZE_MAX;
            ltls_err_t err = ltls_msg_reasm_next(&r, &c[off], chunk - off, &used, &m);
            FUZZ_CHECK(used <= chunk - off);
            off += used;
            if (err == ltls_err_make(LTLS_R_WANT_READ)) {
                /* "all of in was consumed and no message is complete" */
                FUZZ_CHECK(off == chunk);
                FUZZ_CHECK(ltls_msg_reasm_pending(&r));
                break;
            }
            if (err == ltls_err_make(LTLS_R_OUT_OF_MEMORY)) {
                FUZZ_CHECK(fail_at != 0 && alloc_st.count == fail_at);
                FUZZ_CHECK(k <= model->count);
                stopped = 1;
                break;
            }
            if (err) {
                FUZZ_CHECK_ERR(err, err == ltls_err_make(LTLS_R_MSG_TOO_LARGE));
                FUZZ_CHECK(ltls_err_alert(err) == LTLS_ALERT_ILLEGAL_PARAMETER);
                FUZZ_CHECK(model->too_large && k == model->count);
                stopped = 1;
                break;
            }
            /* A delivered message always takes bytes from this call. */
            FUZZ_CHECK(used > 0);
            FUZZ_CHECK(k < model->count);
            check_delivered(&m, in, n, pos, max_body, max_cert);
            FUZZ_CHECK(!ltls_msg_reasm_pending(&r));
            /* §5.1: the message causing a key change must end its record. */
            err = ltls_msg_reasm_key_change(&r, chunk - off);
            FUZZ_CHECK_ERR(err, err == (chunk - off ? ltls_err_make(LTLS_R_MSG_SPANS_KEY_CHANGE)
                                                    : 0));
            pos += m.msg_len;
            k++;
        }
        fed += chunk;
        if (!stopped && trims && (seed & 8)) {
            int pending = ltls_msg_reasm_pending(&r);
            ltls_msg_reasm_trim(&r);
            /* "Frees the buffer if no message is pending." */
            FUZZ_CHECK(ltls_msg_reasm_pending(&r) == pending);
            if (!pending)
                FUZZ_CHECK(alloc_st.live == 0);
        }
    }
    if (!stopped) {
        FUZZ_CHECK(!model->too_large);
        FUZZ_CHECK(k == model->count && pos == model->end_off);
        FUZZ_CHECK(ltls_msg_reasm_pending(&r) == model->pending);
        ltls_err_t err = ltls_msg_reasm_key_change(&r, 0);
        FUZZ_CHECK_ERR(err, err == (model->pending ? ltls_err_make(LTLS_R_MSG_SPANS_KEY_CHANGE)
                                                   : 0));
        ltls_msg_reasm_trim(&r);
        if (!model->pending)
            FUZZ_CHECK(alloc_st.live == 0);
    }
    ltls_msg_reasm_free(&r);
    fuzz_alloc_expect_empty(&alloc_st);
}

static void check_reasm(const uint8_t *in, size_t n, uint64_t h)
{
    reasm_model_t model, model2;
    ltls_msg_reasm_t r;
    if (n == 0)
        return; /* ltls_msg_reasm_next wants len > 0 */
    /* Limits beyond LTLS_MSG_MAX_HARD are the caller's mistake. */
    FUZZ_CHECK(ltls_msg_reasm_init(&r, &alloc, LTLS_MSG_MAX_HARD + 1, 0) ==
               ltls_err_make(LTLS_R_BAD_ARGUMENT));
    /* A quarter of the inputs each get a limit below their size, so that
     * MSG_TOO_LARGE is reached too; 0 keeps the default. */
    size_t max_body = (h & 3) == 0 ? 1 + (size_t)((h >> 8) % n) : 0;
    size_t max_cert = ((h >> 2) & 3) == 0 ? 1 + (size_t)((h >> 24) % n) : 0;
    size_t fail_at = (size_t)((h >> 40) % 4); /* 0: no failure */
    reasm_model(in, n, max_body, max_cert, &model);
    reasm_run(in, n, &model, SPLIT_WHOLE, h, max_body, max_cert, 0, 0);
    reasm_run(in, n, &model, SPLIT_BYTES, h, max_body, max_cert, 0, 0);
    /* The input twice over: messages of the second copy may start inside
     * the first's last one, and the buffer kept from earlier messages is
     * reused (or, after a trim, allocated again). */
    uint8_t *twice = (uint8_t *)malloc(2 * n);
    FUZZ_CHECK(twice != NULL);
    memcpy(twice, in, n);
    memcpy(&twice[n], in, n);
    reasm_model(twice, 2 * n, max_body, max_cert, &model2);
    reasm_run(twice, 2 * n, &model2, SPLIT_FIXED, h | 1, max_body, max_cert, 0, 1);
    reasm_run(twice, 2 * n, &model2, SPLIT_VARYING, h | 1, max_body, max_cert, fail_at, 1);
    free(twice);
}

/* ------------------------------------------------------------------------
 * Parsing, per message
 * ---------------------------------------------------------------------- */

static int is_decode(ltls_reason_t r)
{
    return r == LTLS_R_DECODE_TRUNCATED || r == LTLS_R_DECODE_TRAILING ||
           r == LTLS_R_DECODE_LENGTH;
}

/* The reasons each parser documents (msg.h), its blocks' included. */
static int reason_ok(uint8_t type, ltls_reason_t r)
{
    switch (type) {
    case LTLS_MSG_CLIENT_HELLO: return msgf_client_hello_reason_ok(r);
    case LTLS_MSG_SERVER_HELLO:
        /* The context (SH, HRR, SH12) is chosen during the parse. */
        return msgf_ext_reason_ok(LTLS_EXT_CTX_SH, r) || msgf_ext_reason_ok(LTLS_EXT_CTX_HRR, r) ||
               msgf_ext_reason_ok(LTLS_EXT_CTX_SH12, r) || r == LTLS_R_MSG_LEGACY_COMPRESSION ||
               r == LTLS_R_MSG_LEGACY_VERSION || r == LTLS_R_EXT_MISSING;
    case LTLS_MSG_ENCRYPTED_EXTENSIONS: return msgf_ext_reason_ok(LTLS_EXT_CTX_EE, r);
    case LTLS_MSG_CERTIFICATE: return msgf_ext_reason_ok(LTLS_EXT_CTX_CT, r);
    case LTLS_MSG_CERTIFICATE_REQUEST:
        return msgf_ext_reason_ok(LTLS_EXT_CTX_CR, r) || r == LTLS_R_EXT_MISSING;
    case LTLS_MSG_CERTIFICATE_VERIFY: return is_decode(r);
    case LTLS_MSG_FINISHED: return r == LTLS_R_MSG_FINISHED_LENGTH;
    case LTLS_MSG_NEW_SESSION_TICKET:
        return msgf_ext_reason_ok(LTLS_EXT_CTX_NST, r) || r == LTLS_R_MSG_TICKET_LIFETIME;
    case LTLS_MSG_KEY_UPDATE: return is_decode(r) || r == LTLS_R_MSG_KEY_UPDATE_VALUE;
    default: return r == LTLS_R_DECODE_TRAILING; /* EndOfEarlyData */
    }
}

/* A CertificateEntry's extension block, parsed in the CT context: the
 * Certificate parser validated it, so this must succeed. */
static void parse_entry_exts(const ltls_cert_entry_t *e, ltls_ext_set_t *set, const uint8_t *base,
                             size_t len, uint64_t h)
{
    ltls_err_t err = ltls_ext_parse_block(LTLS_EXT_CTX_CT, e->ext_block.p, e->ext_block.len, set);
    FUZZ_CHECK_ERR(err, err == 0);
    msgf_check_set_rules(set, LTLS_EXT_CTX_CT);
    msgf_touch_set(set, base, len);
    msgf_check_solicited_all(set, h);
}

static void check_server_hello(const ltls_server_hello_t *sh, const uint8_t *body, size_t blen,
                               uint64_t h)
{
    const ltls_ext_set_t *s = &sh->exts;
    msgf_view(sh->random, LTLS_MSG_RANDOM_SIZE, body, blen);
    /* §4.1.3: a HelloRetryRequest is a ServerHello with this random. */
    FUZZ_CHECK(sh->is_hrr == (memcmp(sh->random, ltls_msg_hrr_random, LTLS_MSG_RANDOM_SIZE) == 0));
    FUZZ_CHECK(sh->is_tls13 == ltls_ext_has(s, LTLS_EXT_SUPPORTED_VERSIONS));
    if (sh->is_hrr)
        FUZZ_CHECK(sh->is_tls13); /* §4.1.4 */
    ltls_ext_ctx_t ctx = sh->is_hrr     ? LTLS_EXT_CTX_HRR
                         : sh->is_tls13 ? LTLS_EXT_CTX_SH
                                        : LTLS_EXT_CTX_SH12;
    msgf_check_set_rules(s, ctx);
    msgf_touch_set(s, body, blen);
    msgf_check_solicited_all(s, h);
    FUZZ_CHECK(sh->session_id_echo.len <= LTLS_MSG_SESSION_ID_MAX);
    msgf_view_bytes(&sh->session_id_echo, body, blen);
    FUZZ_CHECK(sh->compression_method == 0);
    if (sh->is_tls13)
        FUZZ_CHECK(sh->legacy_version == LTLS_MSG_VERSION_TLS12);
    FUZZ_CHECK(!ltls_msg_is_grease(sh->cipher_suite));
    if (sh->no_extensions)
        FUZZ_CHECK(s->count == 0);
    /* The downgrade sentinel is the last 8 bytes of the random. */
    ltls_msg_downgrade_t d = ltls_msg_downgrade(sh->random);
    const uint8_t *tail = &sh->random[LTLS_MSG_RANDOM_SIZE - 8];
    FUZZ_CHECK(d == (memcmp(tail, ltls_msg_downgrade_tls12, 8) == 0   ? LTLS_MSG_DOWNGRADE_TLS12
                     : memcmp(tail, ltls_msg_downgrade_tls11, 8) == 0 ? LTLS_MSG_DOWNGRADE_TLS11
                                                                      : LTLS_MSG_DOWNGRADE_NONE));
}

static void check_certificate(const ltls_certificate_t *c, const uint8_t *body, size_t blen,
                              uint64_t h)
{
    ltls_iter_t it = {0, 0};
    ltls_cert_entry_t e;
    size_t n = 0;
    FUZZ_CHECK(c->items == NULL);
    msgf_view_bytes(&c->context, body, blen);
    msgf_view_bytes(&c->list, body, blen);
    while (ltls_msg_certificate_next(c, &it, &e)) {
        FUZZ_CHECK(e.exts == NULL);
        FUZZ_CHECK(e.data.len >= 1);
        FUZZ_CHECK(fuzz_within(e.data.p, e.data.len, c->list.p, c->list.len));
        msgf_view_bytes(&e.data, body, blen);
        msgf_view_bytes(&e.ext_block, body, blen);
        parse_entry_exts(&e, n < MAX_BUILT_ENTRIES ? &ct_sets[n] : &ct_set_a, body, blen, h);
        n++;
    }
    FUZZ_CHECK(n == c->count);
}

static void check_any(uint8_t type, const ltls_msg_any_t *m, const uint8_t *msg, size_t mlen,
                      const uint8_t *body, size_t blen, uint64_t h)
{
    switch (type) {
    case LTLS_MSG_CLIENT_HELLO: msgf_check_client_hello(&m->ch, msg, mlen, body, blen); break;
    case LTLS_MSG_SERVER_HELLO: check_server_hello(&m->sh, body, blen, h); break;
    case LTLS_MSG_ENCRYPTED_EXTENSIONS:
        msgf_check_set_rules(&m->ee.exts, LTLS_EXT_CTX_EE);
        msgf_touch_set(&m->ee.exts, body, blen);
        msgf_check_solicited_all(&m->ee.exts, h);
        break;
    case LTLS_MSG_CERTIFICATE_REQUEST:
        msgf_view_bytes(&m->cr.context, body, blen);
        msgf_check_set_rules(&m->cr.exts, LTLS_EXT_CTX_CR);
        msgf_touch_set(&m->cr.exts, body, blen);
        FUZZ_CHECK(ltls_ext_has(&m->cr.exts, LTLS_EXT_SIGNATURE_ALGORITHMS)); /* §4.3.2 */
        break;
    case LTLS_MSG_CERTIFICATE: check_certificate(&m->cert, body, blen, h); break;
    case LTLS_MSG_CERTIFICATE_VERIFY: msgf_view_bytes(&m->cv.signature, body, blen); break;
    case LTLS_MSG_FINISHED:
        /* verify_data is the whole body. */
        FUZZ_CHECK(m->fin.verify_data.p == body && m->fin.verify_data.len == blen && blen > 0);
        fuzz_touch(body, blen);
        break;
    case LTLS_MSG_NEW_SESSION_TICKET:
        FUZZ_CHECK(m->nst.lifetime <= LTLS_MSG_TICKET_LIFETIME_MAX);
        FUZZ_CHECK(m->nst.ticket.len >= 1);
        msgf_view_bytes(&m->nst.nonce, body, blen);
        msgf_view_bytes(&m->nst.ticket, body, blen);
        msgf_check_set_rules(&m->nst.exts, LTLS_EXT_CTX_NST);
        msgf_touch_set(&m->nst.exts, body, blen);
        break;
    case LTLS_MSG_KEY_UPDATE: FUZZ_CHECK(m->ku.request_update <= 1); break;
    default: FUZZ_CHECK(blen == 0); break; /* EndOfEarlyData */
    }
}

/* ------------------------------------------------------------------------
 * Round trip
 * ---------------------------------------------------------------------- */

typedef struct typed_msg {
    uint8_t type;
    const ltls_msg_any_t *m;
} typed_msg_t;

static void write_any(ltls_writer_t *w, const void *obj)
{
    const typed_msg_t *t = (const typed_msg_t *)obj;
    const ltls_msg_any_t *m = t->m;
    switch (t->type) {
    case LTLS_MSG_SERVER_HELLO: ltls_msg_write_server_hello(w, &m->sh); break;
    case LTLS_MSG_ENCRYPTED_EXTENSIONS: ltls_msg_write_encrypted_extensions(w, &m->ee); break;
    case LTLS_MSG_CERTIFICATE_REQUEST: ltls_msg_write_certificate_request(w, &m->cr); break;
    case LTLS_MSG_CERTIFICATE: ltls_msg_write_certificate(w, &m->cert); break;
    case LTLS_MSG_CERTIFICATE_VERIFY: ltls_msg_write_certificate_verify(w, &m->cv); break;
    case LTLS_MSG_FINISHED: ltls_msg_write_finished(w, &m->fin); break;
    case LTLS_MSG_NEW_SESSION_TICKET: ltls_msg_write_new_session_ticket(w, &m->nst); break;
    case LTLS_MSG_KEY_UPDATE: ltls_msg_write_key_update(w, &m->ku); break;
    default: ltls_msg_write_end_of_early_data(w); break;
    }
}

static void eq_certificate(const ltls_certificate_t *a, const ltls_certificate_t *b)
{
    ltls_iter_t ia = {0, 0}, ib = {0, 0};
    ltls_cert_entry_t x, y;
    msgf_eq_bytes(&a->context, &b->context);
    FUZZ_CHECK(a->count == b->count);
    while (ltls_msg_certificate_next(a, &ia, &x)) {
        FUZZ_CHECK(ltls_msg_certificate_next(b, &ib, &y));
        msgf_eq_bytes(&x.data, &y.data);
        msgf_eq_bytes(&x.ext_block, &y.ext_block);
        /* The entries' blocks, parsed, are equal sets too. */
        FUZZ_CHECK(ltls_ext_parse_block(LTLS_EXT_CTX_CT, x.ext_block.p, x.ext_block.len,
                                        &ct_set_a) == 0);
        FUZZ_CHECK(ltls_ext_parse_block(LTLS_EXT_CTX_CT, y.ext_block.p, y.ext_block.len,
                                        &ct_set_b) == 0);
        msgf_eq_set(&ct_set_a, &ct_set_b);
    }
    FUZZ_CHECK(!ltls_msg_certificate_next(b, &ib, &y));
}

static void eq_any(uint8_t type, const ltls_msg_any_t *a, const ltls_msg_any_t *b)
{
    switch (type) {
    case LTLS_MSG_SERVER_HELLO:
        FUZZ_CHECK(a->sh.legacy_version == b->sh.legacy_version);
        FUZZ_CHECK(memcmp(a->sh.random, b->sh.random, LTLS_MSG_RANDOM_SIZE) == 0);
        msgf_eq_bytes(&a->sh.session_id_echo, &b->sh.session_id_echo);
        FUZZ_CHECK(a->sh.cipher_suite == b->sh.cipher_suite);
        FUZZ_CHECK(a->sh.compression_method == b->sh.compression_method);
        FUZZ_CHECK(a->sh.is_hrr == b->sh.is_hrr);
        FUZZ_CHECK(a->sh.is_tls13 == b->sh.is_tls13);
        FUZZ_CHECK(a->sh.no_extensions == b->sh.no_extensions);
        msgf_eq_set(&a->sh.exts, &b->sh.exts);
        break;
    case LTLS_MSG_ENCRYPTED_EXTENSIONS: msgf_eq_set(&a->ee.exts, &b->ee.exts); break;
    case LTLS_MSG_CERTIFICATE_REQUEST:
        msgf_eq_bytes(&a->cr.context, &b->cr.context);
        msgf_eq_set(&a->cr.exts, &b->cr.exts);
        break;
    case LTLS_MSG_CERTIFICATE: eq_certificate(&a->cert, &b->cert); break;
    case LTLS_MSG_CERTIFICATE_VERIFY:
        FUZZ_CHECK(a->cv.scheme == b->cv.scheme);
        msgf_eq_bytes(&a->cv.signature, &b->cv.signature);
        break;
    case LTLS_MSG_FINISHED: msgf_eq_bytes(&a->fin.verify_data, &b->fin.verify_data); break;
    case LTLS_MSG_NEW_SESSION_TICKET:
        FUZZ_CHECK(a->nst.lifetime == b->nst.lifetime);
        FUZZ_CHECK(a->nst.age_add == b->nst.age_add);
        msgf_eq_bytes(&a->nst.nonce, &b->nst.nonce);
        msgf_eq_bytes(&a->nst.ticket, &b->nst.ticket);
        msgf_eq_set(&a->nst.exts, &b->nst.exts);
        break;
    case LTLS_MSG_KEY_UPDATE: FUZZ_CHECK(a->ku.request_update == b->ku.request_update); break;
    default: break; /* EndOfEarlyData: nothing to compare */
    }
}

/* A Certificate rebuilt from its parsed entries, each with its parsed
 * extension set (written through ltls_ext_write_block in the CT context
 * instead of copied): it must be written as x. */
static void check_built_certificate(const ltls_certificate_t *c, const uint8_t *x, size_t xlen)
{
    ltls_cert_entry_t items[MAX_BUILT_ENTRIES];
    ltls_iter_t it = {0, 0};
    size_t n = 0, len;
    if (c->count > MAX_BUILT_ENTRIES)
        return;
    while (ltls_msg_certificate_next(c, &it, &items[n])) {
        items[n].exts = &ct_sets[n];
        n++;
    }
    static ltls_msg_any_t built;
    built.cert = *c;
    built.cert.list.p = NULL;
    built.cert.list.len = 0;
    built.cert.items = items;
    built.cert.count = n;
    typed_msg_t t = {LTLS_MSG_CERTIFICATE, &built};
    uint8_t *out = msgf_write(write_any, &t, &len);
    FUZZ_CHECK(len == xlen && memcmp(out, x, xlen) == 0);
    free(out);
}

static void round_trip(uint8_t type, const ltls_msg_any_t *m, size_t hash_len, const uint8_t *x,
                       size_t xlen)
{
    static ltls_msg_any_t again;
    uint8_t ytype;
    ltls_bytes_t ybody;
    size_t ylen, zlen;
    typed_msg_t t = {type, m};
    uint8_t *y = msgf_write(write_any, &t, &ylen);
    ltls_err_t err = ltls_msg_parse_header(y, ylen, &ytype, &ybody);
    FUZZ_CHECK_ERR(err, err == 0);
    FUZZ_CHECK(ytype == type);
    err = ltls_msg_parse_any(type, ybody.p, ybody.len, hash_len, &again);
    FUZZ_CHECK_ERR(err, err == 0);
    check_any(type, &again, y, ylen, ybody.p, ybody.len, 0);
    eq_any(type, m, &again);
    typed_msg_t t2 = {type, &again};
    uint8_t *z = msgf_write(write_any, &t2, &zlen);
    FUZZ_CHECK(zlen == ylen && memcmp(z, y, ylen) == 0);
    free(z);
    /* No padding outside a ClientHello: byte for byte. */
    msgf_check_exact(x, xlen, y, ylen, (ltls_bytes_t){NULL, 0});
    free(y);
}

/* Finished (§4.4.4): the length must be the hash's; 0 leaves it open. */
static void check_finished_lengths(const uint8_t *body, size_t blen)
{
    static const size_t hash_lens[] = {0, 32, 48};
    ltls_finished_t f;
    for (size_t i = 0; i < sizeof(hash_lens) / sizeof(hash_lens[0]); i++) {
        size_t hl = hash_lens[i];
        ltls_err_t err = ltls_msg_parse_finished(body, blen, hl, &f);
        int ok = blen > 0 && (hl == 0 || blen == hl);
        if (ok)
            FUZZ_CHECK_ERR(err, err == 0 && f.verify_data.p == body && f.verify_data.len == blen);
        else
            FUZZ_CHECK_ERR(err, err == ltls_err_make(LTLS_R_MSG_FINISHED_LENGTH));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ltls_msg_any_t m;
    uint8_t type;
    ltls_bytes_t body;
    uint64_t h = fuzz_hash(data, size);
    alloc = fuzz_allocator(&alloc_st);

    check_reasm(data, size, h);

    ltls_err_t err = ltls_msg_parse_header(data, size, &type, &body);
    if (err) {
        msgf_check_parse_err(err);
        FUZZ_CHECK_ERR(err, ltls_err_reason(err) == LTLS_R_DECODE_TRUNCATED ||
                                ltls_err_reason(err) == LTLS_R_DECODE_TRAILING);
        return 0;
    }
    FUZZ_CHECK(body.len == size - LTLS_MSG_HEADER_SIZE);
    switch (type) {
    case LTLS_MSG_CLIENT_HELLO:
    case LTLS_MSG_SERVER_HELLO:
    case LTLS_MSG_ENCRYPTED_EXTENSIONS:
    case LTLS_MSG_CERTIFICATE:
    case LTLS_MSG_CERTIFICATE_REQUEST:
    case LTLS_MSG_CERTIFICATE_VERIFY:
    case LTLS_MSG_FINISHED:
    case LTLS_MSG_NEW_SESSION_TICKET:
    case LTLS_MSG_KEY_UPDATE:
    case LTLS_MSG_END_OF_EARLY_DATA:
        break;
    default:
        return 0;
    }
    size_t hash_len = 0;
    if (type == LTLS_MSG_FINISHED) {
        check_finished_lengths(body.p, body.len);
        /* SHA-384 suites have 48-byte Finished, SHA-256 ones 32. */
        hash_len = body.len == 48 ? 48 : 32;
        if (body.len != hash_len)
            hash_len = 0; /* parsed again below as a caller that leaves it open */
    }
    err = ltls_msg_parse_any(type, body.p, body.len, hash_len, &m);
    msgf_outcome("message type", type, err);
    if (err) {
        /* On failure the struct's content is unspecified: not looked at. */
        msgf_check_parse_err(err);
        FUZZ_CHECK_ERR(err, reason_ok(type, ltls_err_reason(err)));
        return 0;
    }
    check_any(type, &m, data, size, body.p, body.len, h);
    if (type == LTLS_MSG_CLIENT_HELLO) {
        msgf_client_hello_round_trip(&m.ch, data, size, h);
        return 0;
    }
    /* Before the round trip, which re-fills ct_sets from its own buffer. */
    if (type == LTLS_MSG_CERTIFICATE)
        check_built_certificate(&m.cert, data, size);
    round_trip(type, &m, hash_len, data, size);
    return 0;
}
