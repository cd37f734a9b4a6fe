/*
 * tests/unit/test_msg_codec.c - the handshake message and extension codecs
 * and the extension registry (src/msg, RFC 8446 §4).
 *
 * What is asserted:
 *   - every RFC 8448 §3 and §4 handshake message parses, its key fields are
 *     what the trace says, and it is written back to the same bytes; the
 *     re-written bytes parse to an equal struct (compared field by field,
 *     views by content);
 *   - every message and every extension is built from a struct, written,
 *     parsed, and written again to the same bytes (round trips);
 *   - every rejection gives its exact reason (and so its alert): truncation
 *     at every byte of a real ClientHello, trailing bytes, vector bounds,
 *     duplicates, extensions in the wrong message, unknown extensions where
 *     they answer nothing, pre_shared_key not last, compression, SNI, ALPN,
 *     record_size_limit, KeyUpdate, ticket lifetime, GREASE selected;
 *   - GREASE is ignored wherever a peer may send it;
 *   - hostile sizes (10,000 extensions, cipher suites, key shares, PSK
 *     identities, ALPN names) are refused or walked in bounded time;
 *   - PSK binders: the placeholder offset is Truncate(ClientHello)'s length
 *     (checked against RFC 8448 §4), and padding reaches its target size.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/writer.h"
#include "msg/msg.h"
#include "test.h"
#include "tests/vectors/rfc8448.h"

#define BUF_SIZE (1 << 17)
static uint8_t in[BUF_SIZE], out[BUF_SIZE], tmp[BUF_SIZE];

/* ------------------------------------------------------------------------
 * Comparing parsed structs (views by content)
 * ---------------------------------------------------------------------- */

static int eq_bytes(const ltls_bytes_t *a, const ltls_bytes_t *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}

static int eq_u16(const ltls_u16_list_t *a, const ltls_u16_list_t *b)
{
    if (a->count != b->count)
        return 0;
    for (size_t i = 0; i < a->count; i++)
        if (ltls_u16_list_at(a, i) != ltls_u16_list_at(b, i))
            return 0;
    return 1;
}

static int eq_blobs(const ltls_blob_list_t *a, const ltls_blob_list_t *b)
{
    ltls_iter_t ia = {0, 0}, ib = {0, 0};
    ltls_bytes_t x, y;
    if (a->count != b->count)
        return 0;
    while (ltls_blob_list_next(a, &ia, &x)) {
        if (!ltls_blob_list_next(b, &ib, &y) || !eq_bytes(&x, &y))
            return 0;
    }
    return !ltls_blob_list_next(b, &ib, &y);
}

static int eq_share(const ltls_key_share_t *a, const ltls_key_share_t *b)
{
    return a->group == b->group && eq_bytes(&a->key_exchange, &b->key_exchange);
}

static int eq_set(const ltls_ext_set_t *a, const ltls_ext_set_t *b)
{
    if (a->present != b->present || a->ctx != b->ctx || a->count != b->count ||
        a->unknown != b->unknown || a->grease != b->grease)
        return 0;
    for (size_t i = 0; i < a->count; i++) {
        const ltls_ext_entry_t *x = &a->entries[i], *y = &b->entries[i];
        ltls_bytes_t bx = {x->body, x->len}, by = {y->body, y->len};
        if (x->code != y->code || x->id != y->id || !eq_bytes(&bx, &by))
            return 0;
    }
    const ltls_ext_status_t *sa = &a->status, *sb = &b->status;
    if (!eq_bytes(&a->server_name, &b->server_name) || sa->type != sb->type ||
        !eq_blobs(&sa->responder_ids, &sb->responder_ids) ||
        !eq_bytes(&sa->request_extensions, &sb->request_extensions) ||
        !eq_bytes(&sa->other_request, &sb->other_request) ||
        !eq_bytes(&sa->response, &sb->response))
        return 0;
    if (!eq_u16(&a->supported_groups, &b->supported_groups) ||
        !eq_u16(&a->signature_algorithms, &b->signature_algorithms) ||
        !eq_u16(&a->signature_algorithms_cert, &b->signature_algorithms_cert) ||
        !eq_u16(&a->supported_versions, &b->supported_versions) || !eq_blobs(&a->alpn, &b->alpn) ||
        !eq_blobs(&a->certificate_authorities, &b->certificate_authorities))
        return 0;
    if (a->padding_len != b->padding_len || a->record_size_limit != b->record_size_limit ||
        a->max_early_data_size != b->max_early_data_size ||
        a->selected_version != b->selected_version || !eq_bytes(&a->cookie, &b->cookie) ||
        !eq_bytes(&a->psk_modes, &b->psk_modes))
        return 0;
    if (a->psk.count != b->psk.count || a->psk.selected != b->psk.selected)
        return 0;
    for (size_t i = 0; i < a->psk.count; i++) {
        const ltls_psk_identity_t *x = &a->psk.ids[i], *y = &b->psk.ids[i];
        if (!eq_bytes(&x->identity, &y->identity) || !eq_bytes(&x->binder, &y->binder) ||
            x->obfuscated_ticket_age != y->obfuscated_ticket_age)
            return 0;
    }
    const ltls_ext_key_share_t *ka = &a->key_share, *kb = &b->key_share;
    if (ka->count != kb->count || ka->selected_group != kb->selected_group ||
        !eq_share(&ka->server, &kb->server))
        return 0;
    for (size_t i = 0; i < ka->count; i++)
        if (!eq_share(&ka->shares[i], &kb->shares[i]))
            return 0;
    return 1;
}

static ltls_msg_any_t parsed, again;

static void write_any(ltls_writer_t *w, uint8_t type, const ltls_msg_any_t *m)
{
    switch (type) {
    case LTLS_MSG_CLIENT_HELLO: ltls_msg_write_client_hello(w, &m->ch, 0, NULL); break;
    case LTLS_MSG_SERVER_HELLO: ltls_msg_write_server_hello(w, &m->sh); break;
    case LTLS_MSG_ENCRYPTED_EXTENSIONS: ltls_msg_write_encrypted_extensions(w, &m->ee); break;
    case LTLS_MSG_CERTIFICATE_REQUEST: ltls_msg_write_certificate_request(w, &m->cr); break;
    case LTLS_MSG_CERTIFICATE: ltls_msg_write_certificate(w, &m->cert); break;
    case LTLS_MSG_CERTIFICATE_VERIFY: ltls_msg_write_certificate_verify(w, &m->cv); break;
    case LTLS_MSG_FINISHED: ltls_msg_write_finished(w, &m->fin); break;
    case LTLS_MSG_NEW_SESSION_TICKET: ltls_msg_write_new_session_ticket(w, &m->nst); break;
    case LTLS_MSG_KEY_UPDATE: ltls_msg_write_key_update(w, &m->ku); break;
    case LTLS_MSG_END_OF_EARLY_DATA: ltls_msg_write_end_of_early_data(w); break;
    default: break;
    }
}

static int eq_cert(const ltls_certificate_t *a, const ltls_certificate_t *b)
{
    ltls_iter_t ia = {0, 0}, ib = {0, 0};
    ltls_cert_entry_t x, y;
    if (!eq_bytes(&a->context, &b->context) || a->count != b->count)
        return 0;
    while (ltls_msg_certificate_next(a, &ia, &x)) {
        if (!ltls_msg_certificate_next(b, &ib, &y) || !eq_bytes(&x.data, &y.data) ||
            !eq_bytes(&x.ext_block, &y.ext_block))
            return 0;
    }
    return 1;
}

static int eq_any(uint8_t type, const ltls_msg_any_t *a, const ltls_msg_any_t *b)
{
    switch (type) {
    case LTLS_MSG_CLIENT_HELLO:
        return a->ch.legacy_version == b->ch.legacy_version &&
               memcmp(a->ch.random, b->ch.random, 32) == 0 &&
               eq_bytes(&a->ch.session_id, &b->ch.session_id) &&
               eq_u16(&a->ch.cipher_suites, &b->ch.cipher_suites) &&
               eq_bytes(&a->ch.compression_methods, &b->ch.compression_methods) &&
               a->ch.no_extensions == b->ch.no_extensions &&
               a->ch.offers_tls13 == b->ch.offers_tls13 && a->ch.binders_off == b->ch.binders_off &&
               eq_set(&a->ch.exts, &b->ch.exts);
    case LTLS_MSG_SERVER_HELLO:
        return a->sh.legacy_version == b->sh.legacy_version &&
               memcmp(a->sh.random, b->sh.random, 32) == 0 &&
               eq_bytes(&a->sh.session_id_echo, &b->sh.session_id_echo) &&
               a->sh.cipher_suite == b->sh.cipher_suite &&
               a->sh.compression_method == b->sh.compression_method &&
               a->sh.is_hrr == b->sh.is_hrr && a->sh.is_tls13 == b->sh.is_tls13 &&
               a->sh.no_extensions == b->sh.no_extensions && eq_set(&a->sh.exts, &b->sh.exts);
    case LTLS_MSG_ENCRYPTED_EXTENSIONS: return eq_set(&a->ee.exts, &b->ee.exts);
    case LTLS_MSG_CERTIFICATE_REQUEST:
        return eq_bytes(&a->cr.context, &b->cr.context) && eq_set(&a->cr.exts, &b->cr.exts);
    case LTLS_MSG_CERTIFICATE: return eq_cert(&a->cert, &b->cert);
    case LTLS_MSG_CERTIFICATE_VERIFY:
        return a->cv.scheme == b->cv.scheme && eq_bytes(&a->cv.signature, &b->cv.signature);
    case LTLS_MSG_FINISHED: return eq_bytes(&a->fin.verify_data, &b->fin.verify_data);
    case LTLS_MSG_NEW_SESSION_TICKET:
        return a->nst.lifetime == b->nst.lifetime && a->nst.age_add == b->nst.age_add &&
               eq_bytes(&a->nst.nonce, &b->nst.nonce) && eq_bytes(&a->nst.ticket, &b->nst.ticket) &&
               eq_set(&a->nst.exts, &b->nst.exts);
    case LTLS_MSG_KEY_UPDATE: return a->ku.request_update == b->ku.request_update;
    case LTLS_MSG_END_OF_EARLY_DATA: return 1;
    default: return 0;
    }
}

/* Parses msg[0..len) (header included) into `parsed`, writes it back and
 * checks the bytes, parses the copy and checks the struct. */
static void round_trip(const uint8_t *msg, size_t len)
{
    uint8_t type;
    ltls_bytes_t body;
    ltls_writer_t w;
    size_t n;
    CHECK_OK(ltls_msg_parse_header(msg, len, &type, &body));
    CHECK_OK(ltls_msg_parse_any(type, body.p, body.len, 0, &parsed));
    ltls_writer_init(&w, out, sizeof(out));
    write_any(&w, type, &parsed);
    CHECK_OK(ltls_writer_finish(&w, &n));
    CHECK(n == len);
    CHECK_MEM(out, msg, len);
    CHECK_OK(ltls_msg_parse_any(type, out + 4, n - 4, 0, &again));
    CHECK(eq_any(type, &parsed, &again));
}

/* Round-trips a body by putting a header in front of it. */
static void round_trip_body(uint8_t type, const uint8_t *body, size_t len)
{
    static uint8_t msg[BUF_SIZE];
    msg[0] = type;
    msg[1] = (uint8_t)(len >> 16), msg[2] = (uint8_t)(len >> 8), msg[3] = (uint8_t)len;
    memcpy(msg + 4, body, len);
    round_trip(msg, len + 4);
}

/* Writes a built message into in[], then round-trips it. Returns its size. */
static size_t build_and_round_trip(uint8_t type, const ltls_msg_any_t *m)
{
    ltls_writer_t w;
    size_t n = 0;
    ltls_writer_init(&w, in, sizeof(in));
    write_any(&w, type, m);
    ltls_err_t err = ltls_writer_finish(&w, &n);
    if (err) {
        printf("# build of type %u failed: %s\n", type, ltls_err_reason_name(err));
        test_case_failed_ = 1;
        return 0;
    }
    round_trip(in, n);
    return n;
}

static size_t load(const char *hex) { return test_unhex(hex, in, sizeof(in)); }

/* ------------------------------------------------------------------------
 * Building raw inputs for the rejection tests
 * ---------------------------------------------------------------------- */

static void put_hex(ltls_writer_t *w, const char *hex)
{
    size_t n = test_unhex(hex, tmp, sizeof(tmp));
    ltls_writer_bytes(w, tmp, n);
}

#define X25519_KEY "9fd7ad6dcff4298dd3f96d5b1b2af910a0535b1488d7f8fabb349a982880b615"
#define EXT_SV13 "002b0003020304"
#define EXT_GROUPS "000a00040002001d"
#define EXT_SIGALGS "000d000400020403"
#define EXT_KS "003300260024001d0020" X25519_KEY
#define EXT_MODES "002d00020101"
#define EXT_BASIC EXT_SV13 EXT_GROUPS EXT_SIGALGS EXT_KS

/* A ClientHello body with the given cipher_suites and compression vectors
 * (hex, prefixes included) and extension block content (NULL: no block). */
static size_t ch_raw(const char *suites, const char *comp, const char *exts)
{
    ltls_writer_t w;
    size_t n = 0;
    ltls_writer_init(&w, in, sizeof(in));
    ltls_writer_u16(&w, 0x0303);
    for (int i = 0; i < 32; i++)
        ltls_writer_u8(&w, 0x11);
    ltls_writer_u8(&w, 32);
    for (int i = 0; i < 32; i++)
        ltls_writer_u8(&w, 0x22);
    put_hex(&w, suites);
    put_hex(&w, comp);
    if (exts) {
        ltls_writer_vec_t v = ltls_writer_vec_open(&w, 2);
        put_hex(&w, exts);
        ltls_writer_vec_close(&w, v);
    }
    if (ltls_writer_finish(&w, &n))
        abort();
    return n;
}

static ltls_client_hello_t ch;

static ltls_err_t ch_parse(const char *exts)
{
    size_t n = ch_raw("00021301", "0100", exts);
    return ltls_msg_parse_client_hello(in, n, &ch);
}

/* A ServerHello body: version, random (NULL: a fixed ordinary one), suite,
 * compression, extension block content (NULL: none). */
static size_t sh_raw(uint16_t version, const uint8_t *random, uint16_t suite, uint8_t comp,
                     const char *exts)
{
    ltls_writer_t w;
    size_t n = 0;
    ltls_writer_init(&w, in, sizeof(in));
    ltls_writer_u16(&w, version);
    for (int i = 0; i < 32; i++)
        ltls_writer_u8(&w, random ? random[i] : (uint8_t)(0x40 + i));
    ltls_writer_u8(&w, 0);
    ltls_writer_u16(&w, suite);
    ltls_writer_u8(&w, comp);
    if (exts) {
        ltls_writer_vec_t v = ltls_writer_vec_open(&w, 2);
        put_hex(&w, exts);
        ltls_writer_vec_close(&w, v);
    }
    if (ltls_writer_finish(&w, &n))
        abort();
    return n;
}

static ltls_server_hello_t sh;

static ltls_err_t sh_parse(const char *exts)
{
    size_t n = sh_raw(0x0303, NULL, 0x1301, 0, exts);
    return ltls_msg_parse_server_hello(in, n, &sh);
}

/* Parses an extension block (content hex) for ctx. */
static ltls_ext_set_t set, set2;

static ltls_err_t block(ltls_ext_ctx_t ctx, const char *hex)
{
    size_t n = test_unhex(hex, in, sizeof(in));
    return ltls_ext_parse_block(ctx, in, n, &set);
}

/* Writes set for ctx, checks the block's content equals want (hex), parses it
 * again and compares. */
static void block_round_trip(ltls_ext_ctx_t ctx, const ltls_ext_set_t *s, const char *want)
{
    ltls_writer_t w;
    size_t n, wn = test_unhex(want, tmp, sizeof(tmp));
    ltls_writer_init(&w, out, sizeof(out));
    ltls_ext_write_block(&w, ctx, s);
    CHECK_OK(ltls_writer_finish(&w, &n));
    CHECK(n == wn + 2);
    CHECK(out[0] == (uint8_t)(wn >> 8) && out[1] == (uint8_t)wn);
    CHECK_MEM(out + 2, tmp, wn);
    CHECK_OK(ltls_ext_parse_block(ctx, out + 2, n - 2, &set2));
    /* The parsed set has raw bodies where the built one had none: compare the
     * typed values by writing the parsed set again. */
    uint8_t again_buf[4096];
    size_t n2;
    ltls_writer_init(&w, again_buf, sizeof(again_buf));
    ltls_ext_write_block(&w, ctx, &set2);
    CHECK_OK(ltls_writer_finish(&w, &n2));
    CHECK(n2 == n);
    CHECK_MEM(again_buf, out, n);
}

static double seconds_since(clock_t start) { return (double)(clock() - start) / CLOCKS_PER_SEC; }

/* ========================================================================
 * RFC 8448
 * ====================================================================== */

TEST(rfc8448_s3_client_hello)
{
    size_t n = load(RFC8448_S3_HANDSHAKE_MESSAGES_CLIENT_HELLO);
    round_trip(in, n);
    const ltls_client_hello_t *c = &parsed.ch;
    uint8_t rnd[32];
    test_unhex("cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7", rnd, 32);
    CHECK(c->legacy_version == 0x0303);
    CHECK(memcmp(c->random, rnd, 32) == 0);
    CHECK(c->session_id.len == 0);
    CHECK(c->cipher_suites.count == 3);
    CHECK(ltls_u16_list_at(&c->cipher_suites, 0) == 0x1301);
    CHECK(ltls_u16_list_at(&c->cipher_suites, 1) == 0x1303);
    CHECK(ltls_u16_list_at(&c->cipher_suites, 2) == 0x1302);
    CHECK(c->compression_methods.len == 1 && c->compression_methods.p[0] == 0);
    CHECK(c->offers_tls13 && !c->no_extensions && c->binders_off == 0);

    const ltls_ext_set_t *e = &c->exts;
    static const uint16_t order[] = {0x0000, 0xff01, 0x000a, 0x0023, 0x0033,
                                     0x002b, 0x000d, 0x002d, 0x001c};
    CHECK(e->count == 9 && e->unknown == 0 && e->grease == 0);
    for (size_t i = 0; i < 9; i++)
        CHECK(e->entries[i].code == order[i]);
    CHECK(e->server_name.len == 6 && memcmp(e->server_name.p, "server", 6) == 0);
    CHECK(ltls_ext_has(e, LTLS_EXT_RENEGOTIATION_INFO) && ltls_ext_has(e, LTLS_EXT_SESSION_TICKET));
    static const uint16_t groups[] = {0x001d, 0x0017, 0x0018, 0x0019, 0x0100,
                                      0x0101, 0x0102, 0x0103, 0x0104};
    CHECK(e->supported_groups.count == 9);
    for (size_t i = 0; i < 9; i++)
        CHECK(ltls_u16_list_at(&e->supported_groups, i) == groups[i]);
    uint8_t pub[32];
    test_unhex(RFC8448_S3_CLIENT_X25519_PUBLIC_KEY, pub, 32);
    CHECK(e->key_share.count == 1 && e->key_share.shares[0].group == 0x001d);
    CHECK(e->key_share.shares[0].key_exchange.len == 32);
    CHECK_MEM(e->key_share.shares[0].key_exchange.p, pub, 32);
    CHECK(e->supported_versions.count == 1);
    CHECK(ltls_u16_list_at(&e->supported_versions, 0) == 0x0304);
    static const uint16_t sigs[] = {0x0403, 0x0503, 0x0603, 0x0203, 0x0804, 0x0805, 0x0806, 0x0401,
                                    0x0501, 0x0601, 0x0201, 0x0402, 0x0502, 0x0602, 0x0202};
    CHECK(e->signature_algorithms.count == 15);
    for (size_t i = 0; i < 15; i++)
        CHECK(ltls_u16_list_at(&e->signature_algorithms, i) == sigs[i]);
    CHECK(e->psk_modes.len == 1 && e->psk_modes.p[0] == LTLS_MSG_PSK_DHE_KE);
    CHECK(e->record_size_limit == 0x4001);
    CHECK(!ltls_ext_has(e, LTLS_EXT_PRE_SHARED_KEY) && !ltls_ext_has(e, LTLS_EXT_EARLY_DATA));
    CHECK_OK(ltls_msg_client_hello_check_tls13(c));
}

TEST(rfc8448_s4_client_hello_with_psk)
{
    size_t n = load(RFC8448_S4_HANDSHAKE_MESSAGES_CLIENT_HELLO);
    round_trip(in, n);
    const ltls_client_hello_t *c = &parsed.ch;
    const ltls_ext_set_t *e = &c->exts;
    CHECK(c->offers_tls13);
    CHECK(ltls_ext_has(e, LTLS_EXT_PRE_SHARED_KEY) && ltls_ext_has(e, LTLS_EXT_EARLY_DATA));
    /* pre_shared_key last, padding before it. */
    CHECK(e->entries[e->count - 1].code == LTLS_EXT_CODE_PRE_SHARED_KEY);
    CHECK(e->entries[e->count - 2].code == LTLS_EXT_CODE_PADDING);
    CHECK(e->padding_len == 0x57);
    uint8_t id[256], binder[32];
    size_t idn = test_unhex(RFC8448_S4_PSK_IDENTITY, id, sizeof(id));
    test_unhex(RFC8448_S4_SECRETS_BINDER, binder, 32);
    CHECK(e->psk.count == 1);
    CHECK(e->psk.ids[0].identity.len == idn);
    CHECK_MEM(e->psk.ids[0].identity.p, id, idn);
    CHECK(e->psk.ids[0].obfuscated_ticket_age == RFC8448_S4_OBFUSCATED_TICKET_AGE);
    CHECK(e->psk.ids[0].binder.len == 32);
    CHECK_MEM(e->psk.ids[0].binder.p, binder, 32);
    /* The binder offset is exactly Truncate(ClientHello) (§4.2.11.2). */
    size_t trunc = strlen(RFC8448_S4_HANDSHAKE_MESSAGES_CLIENT_HELLO_TRUNCATED_FOR_BINDER) / 2;
    CHECK(c->binders_off == trunc);
    uint8_t t[1024];
    test_unhex(RFC8448_S4_HANDSHAKE_MESSAGES_CLIENT_HELLO_TRUNCATED_FOR_BINDER, t, sizeof(t));
    CHECK_MEM(in, t, trunc);
    CHECK_OK(ltls_msg_client_hello_check_tls13(c));
}

TEST(rfc8448_server_hellos)
{
    size_t n = load(RFC8448_S3_HANDSHAKE_MESSAGES_SERVER_HELLO);
    round_trip(in, n);
    const ltls_server_hello_t *s = &parsed.sh;
    uint8_t pub[32];
    test_unhex(RFC8448_S3_SERVER_X25519_PUBLIC_KEY, pub, 32);
    CHECK(s->legacy_version == 0x0303 && s->cipher_suite == 0x1301 && !s->is_hrr && s->is_tls13);
    CHECK(s->exts.ctx == LTLS_EXT_CTX_SH && s->exts.selected_version == 0x0304);
    CHECK(s->exts.key_share.server.group == 0x001d);
    CHECK(s->exts.key_share.server.key_exchange.len == 32);
    CHECK_MEM(s->exts.key_share.server.key_exchange.p, pub, 32);
    CHECK(ltls_msg_downgrade(s->random) == LTLS_MSG_DOWNGRADE_NONE);

    /* The §3 ClientHello offered both: the server's answer is solicited. */
    static ltls_client_hello_t c;
    uint8_t chb[512];
    size_t cn = test_unhex(RFC8448_S3_HANDSHAKE_MESSAGES_CLIENT_HELLO, chb, sizeof(chb));
    CHECK_OK(ltls_msg_parse_client_hello(chb + 4, cn - 4, &c));
    CHECK_OK(ltls_ext_check_solicited(&s->exts, c.exts.present));

    n = load(RFC8448_S4_HANDSHAKE_MESSAGES_SERVER_HELLO);
    round_trip(in, n);
    CHECK(ltls_ext_has(&parsed.sh.exts, LTLS_EXT_PRE_SHARED_KEY));
    CHECK(parsed.sh.exts.psk.selected == 0);
}

TEST(rfc8448_encrypted_extensions)
{
    size_t n = load(RFC8448_S3_HANDSHAKE_MESSAGES_ENCRYPTED_EXTENSIONS);
    round_trip(in, n);
    const ltls_ext_set_t *e = &parsed.ee.exts;
    CHECK(e->count == 3);
    CHECK(ltls_ext_has(e, LTLS_EXT_SUPPORTED_GROUPS) && e->supported_groups.count == 9);
    CHECK(ltls_ext_has(e, LTLS_EXT_RECORD_SIZE_LIMIT) && e->record_size_limit == 0x4001);
    CHECK(ltls_ext_has(e, LTLS_EXT_SERVER_NAME) && e->server_name.len == 0);
    CHECK(!ltls_ext_has(e, LTLS_EXT_EARLY_DATA));

    n = load(RFC8448_S4_HANDSHAKE_MESSAGES_ENCRYPTED_EXTENSIONS);
    round_trip(in, n);
    CHECK(ltls_ext_has(&parsed.ee.exts, LTLS_EXT_EARLY_DATA));
}

TEST(rfc8448_certificate_and_verify)
{
    size_t n = load(RFC8448_S3_HANDSHAKE_MESSAGES_CERTIFICATE);
    round_trip(in, n);
    const ltls_certificate_t *c = &parsed.cert;
    uint8_t der[1024];
    size_t dn = test_unhex(RFC8448_S3_SERVER_CERTIFICATE_DER, der, sizeof(der));
    CHECK(c->context.len == 0 && c->count == 1);
    ltls_iter_t it = {0, 0};
    ltls_cert_entry_t e;
    CHECK(ltls_msg_certificate_next(c, &it, &e));
    CHECK(e.data.len == dn);
    CHECK_MEM(e.data.p, der, dn);
    CHECK(e.ext_block.len == 0);
    CHECK(!ltls_msg_certificate_next(c, &it, &e));

    n = load(RFC8448_S3_HANDSHAKE_MESSAGES_CERTIFICATE_VERIFY);
    round_trip(in, n);
    CHECK(parsed.cv.scheme == 0x0804 && parsed.cv.signature.len == 128);
}

TEST(rfc8448_finished_ticket_and_eoed)
{
    const char *fins[] = {RFC8448_S3_HANDSHAKE_MESSAGES_SERVER_FINISHED,
                          RFC8448_S3_HANDSHAKE_MESSAGES_CLIENT_FINISHED,
                          RFC8448_S4_HANDSHAKE_MESSAGES_SERVER_FINISHED,
                          RFC8448_S4_HANDSHAKE_MESSAGES_CLIENT_FINISHED};
    for (int i = 0; i < 4; i++) {
        size_t n = load(fins[i]);
        round_trip(in, n);
        ltls_finished_t f;
        CHECK_OK(ltls_msg_parse_finished(in + 4, n - 4, 32, &f));
        CHECK(f.verify_data.len == 32);
    }

    size_t n = load(RFC8448_S3_HANDSHAKE_MESSAGES_NEW_SESSION_TICKET);
    round_trip(in, n);
    const ltls_new_session_ticket_t *t = &parsed.nst;
    uint8_t ticket[256];
    size_t tn = test_unhex(RFC8448_S3_NEW_SESSION_TICKET_FIELDS_TICKET, ticket, sizeof(ticket));
    CHECK(t->lifetime == RFC8448_S3_NEW_SESSION_TICKET_FIELDS_TICKET_LIFETIME);
    CHECK(t->age_add == RFC8448_S3_NEW_SESSION_TICKET_FIELDS_TICKET_AGE_ADD);
    CHECK(t->nonce.len == 2 && t->nonce.p[0] == 0 && t->nonce.p[1] == 0);
    CHECK(t->ticket.len == tn);
    CHECK_MEM(t->ticket.p, ticket, tn);
    CHECK(ltls_ext_has(&t->exts, LTLS_EXT_EARLY_DATA) && t->exts.max_early_data_size == 0x400);

    n = load(RFC8448_S4_HANDSHAKE_MESSAGES_END_OF_EARLY_DATA);
    round_trip(in, n);
}

/* ========================================================================
 * ClientHello
 * ====================================================================== */

TEST(client_hello_truncated_at_every_byte)
{
    static uint8_t full[512];
    size_t n = test_unhex(RFC8448_S3_HANDSHAKE_MESSAGES_CLIENT_HELLO, full, sizeof(full));
    const uint8_t *body = full + 4;
    size_t len = n - 4;
    /* legacy_version 2, random 32, session id 1, suites 2+6, compression 2. */
    size_t no_ext_point = 2 + 32 + 1 + 8 + 2;
    static ltls_client_hello_t c;
    for (size_t k = 0; k < len; k++) {
        /* A fresh copy of just the prefix, so that nothing past it is read
         * (valgrind and ASan would notice). */
        uint8_t *p = malloc(k ? k : 1);
        memcpy(p, body, k);
        ltls_err_t e = ltls_msg_parse_client_hello(p, k, &c);
        free(p);
        if (k == no_ext_point) {
            /* Ends after compression_methods: a legal pre-1.3 hello. */
            CHECK_OK(e);
            CHECK(c.no_extensions && !c.offers_tls13);
        } else if (ltls_err_reason(e) != LTLS_R_DECODE_TRUNCATED) {
            TEST_FAIL_("prefix %zu: %s", k, ltls_err_reason_name(e));
        }
        CHECK(ltls_err_alert(e) == LTLS_ALERT_DECODE_ERROR || e == LTLS_OK);
    }
    /* And the whole message behind a lying header. */
    uint8_t type;
    ltls_bytes_t b;
    CHECK_ERR(ltls_msg_parse_header(full, n - 1, &type, &b), LTLS_R_DECODE_TRUNCATED);
}

TEST(client_hello_trailing_bytes)
{
    size_t n = ch_raw("00021301", "0100", EXT_BASIC);
    in[n] = 0;
    CHECK_ERR(ltls_msg_parse_client_hello(in, n + 1, &ch), LTLS_R_DECODE_TRAILING);
    /* Inside an extension body too. */
    CHECK_ERR(ch_parse(EXT_BASIC "002d0003010100"), LTLS_R_DECODE_TRAILING);
    CHECK_ERR(ch_parse("002b000403030400" EXT_GROUPS EXT_SIGALGS EXT_KS), LTLS_R_DECODE_LENGTH);
}

TEST(client_hello_legacy_fields)
{
    CHECK_OK(ch_parse(EXT_BASIC));
    CHECK(ch.session_id.len == 32 && ch.offers_tls13);
    /* §4.1.2: exactly one null compression method in a TLS 1.3 hello. */
    size_t n = ch_raw("00021301", "020001", EXT_BASIC);
    ltls_err_t e = ltls_msg_parse_client_hello(in, n, &ch);
    CHECK_ERR(e, LTLS_R_MSG_LEGACY_COMPRESSION);
    CHECK(ltls_err_alert(e) == LTLS_ALERT_ILLEGAL_PARAMETER);
    n = ch_raw("00021301", "0101", EXT_BASIC);
    CHECK_ERR(ltls_msg_parse_client_hello(in, n, &ch), LTLS_R_MSG_LEGACY_COMPRESSION);
    /* A TLS 1.2 hello may list others but must include null. */
    n = ch_raw("0002c02f", "020100", EXT_GROUPS);
    CHECK_OK(ltls_msg_parse_client_hello(in, n, &ch));
    CHECK(!ch.offers_tls13);
    n = ch_raw("0002c02f", "0101", EXT_GROUPS);
    CHECK_ERR(ltls_msg_parse_client_hello(in, n, &ch), LTLS_R_MSG_LEGACY_COMPRESSION);
    /* Empty compression vector: <1..2^8-1>. */
    n = ch_raw("00021301", "00", EXT_BASIC);
    CHECK_ERR(ltls_msg_parse_client_hello(in, n, &ch), LTLS_R_DECODE_LENGTH);
    /* Session id of 33 bytes: <0..32>. */
    ltls_writer_t w;
    ltls_writer_init(&w, in, sizeof(in));
    ltls_writer_u16(&w, 0x0303);
    for (int i = 0; i < 32; i++)
        ltls_writer_u8(&w, 0);
    ltls_writer_u8(&w, 33);
    for (int i = 0; i < 33; i++)
        ltls_writer_u8(&w, 0);
    put_hex(&w, "000213010100");
    CHECK_OK(ltls_writer_finish(&w, &n));
    CHECK_ERR(ltls_msg_parse_client_hello(in, n, &ch), LTLS_R_DECODE_LENGTH);
    /* legacy_version is recorded, not judged (§4.2.1). */
    n = ch_raw("00021301", "0100", EXT_BASIC);
    in[0] = 0x03, in[1] = 0x01;
    CHECK_OK(ltls_msg_parse_client_hello(in, n, &ch));
    CHECK(ch.legacy_version == 0x0301);
}

TEST(client_hello_vector_bounds)
{
    size_t n;
    /* cipher_suites <2..2^16-2>, even. */
    n = ch_raw("0000", "0100", EXT_BASIC);
    CHECK_ERR(ltls_msg_parse_client_hello(in, n, &ch), LTLS_R_DECODE_LENGTH);
    n = ch_raw("0003130113", "0100", EXT_BASIC);
    CHECK_ERR(ltls_msg_parse_client_hello(in, n, &ch), LTLS_R_DECODE_LENGTH);
    /* Empty supported_groups / signature_algorithms lists: <2..>. */
    CHECK_ERR(ch_parse(EXT_SV13 "000a00020000" EXT_SIGALGS EXT_KS), LTLS_R_DECODE_LENGTH);
    CHECK_ERR(ch_parse(EXT_SV13 EXT_GROUPS "000d00020000" EXT_KS), LTLS_R_DECODE_LENGTH);
    CHECK_ERR(ch_parse(EXT_SV13 EXT_GROUPS "000d000300011d" EXT_KS), LTLS_R_DECODE_LENGTH);
    /* supported_versions <2..254>. */
    CHECK_ERR(ch_parse("002b000100" EXT_GROUPS EXT_SIGALGS EXT_KS), LTLS_R_DECODE_LENGTH);
    /* An empty key_exchange: <1..2^16-1>. */
    CHECK_ERR(ch_parse(EXT_SV13 EXT_GROUPS EXT_SIGALGS "003300060004001d0000"),
              LTLS_R_DECODE_LENGTH);
    /* An empty client_shares list is allowed (§4.2.8). */
    CHECK_OK(ch_parse(EXT_SV13 EXT_GROUPS EXT_SIGALGS "003300020000"));
    CHECK(ch.exts.key_share.count == 0);
    /* psk_key_exchange_modes <1..255>. */
    CHECK_ERR(ch_parse(EXT_BASIC "002d000100"), LTLS_R_DECODE_LENGTH);
    /* cookie <1..2^16-1>. */
    CHECK_ERR(ch_parse(EXT_BASIC "002c00020000"), LTLS_R_DECODE_LENGTH);
    /* An extension body running past its block. */
    CHECK_ERR(ch_parse(EXT_BASIC "002c0005000101"), LTLS_R_DECODE_TRUNCATED);
    /* A TLS 1.3 hello's block is at least 8 bytes. */
    CHECK_ERR(ch_parse("002b0003020304"), LTLS_R_DECODE_LENGTH);
    /* Empty-bodied extensions must be empty. */
    CHECK_ERR(ch_parse(EXT_BASIC "0031000100"), LTLS_R_DECODE_TRAILING);
    CHECK_ERR(ch_parse(EXT_BASIC "002a000100"), LTLS_R_DECODE_TRAILING);
}

TEST(client_hello_extension_rules)
{
    /* Duplicates, known and unknown (§4.2). */
    ltls_err_t e = ch_parse(EXT_BASIC EXT_GROUPS);
    CHECK_ERR(e, LTLS_R_EXT_DUPLICATE);
    CHECK(ltls_err_alert(e) == LTLS_ALERT_ILLEGAL_PARAMETER);
    CHECK_ERR(ch_parse(EXT_BASIC "abcd0000" "abcd0000"), LTLS_R_EXT_DUPLICATE);
    CHECK_ERR(ch_parse(EXT_BASIC "0a0a0000" "0a0a0001" "00"), LTLS_R_EXT_DUPLICATE);
    /* Known but not allowed in a ClientHello. */
    CHECK_ERR(ch_parse(EXT_BASIC "00300000"), LTLS_R_EXT_FORBIDDEN); /* oid_filters: CR only */
    /* Unknown: ignored and counted. */
    CHECK_OK(ch_parse(EXT_BASIC "abcd0003010203" "ff000000"));
    CHECK(ch.exts.unknown == 2 && ch.exts.grease == 0 && ch.exts.count == 6);
    CHECK(ch.exts.entries[4].id == LTLS_EXT_UNKNOWN && ch.exts.entries[4].len == 3);
    /* pre_shared_key must be last (§4.2.11). */
    const char *psk = "0029002f000a0004aabbccdd00000001" "0021" "20"
                      "0000000000000000000000000000000000000000000000000000000000000000";
    char exts[1024];
    snprintf(exts, sizeof(exts), "%s%s%s", EXT_BASIC EXT_MODES, psk, "");
    CHECK_OK(ch_parse(exts));
    CHECK(ch.binders_off != 0);
    snprintf(exts, sizeof(exts), "%s%s%s", EXT_BASIC, psk, EXT_MODES);
    e = ch_parse(exts);
    CHECK_ERR(e, LTLS_R_EXT_PSK_NOT_LAST);
    CHECK(ltls_err_alert(e) == LTLS_ALERT_ILLEGAL_PARAMETER);
    /* Not even an unknown extension after it. */
    snprintf(exts, sizeof(exts), "%s%s%s", EXT_BASIC EXT_MODES, psk, "abcd0000");
    CHECK_ERR(ch_parse(exts), LTLS_R_EXT_PSK_NOT_LAST);
}

TEST(client_hello_tls13_requirements)
{
    /* §9.2 */
    CHECK_OK(ch_parse(EXT_BASIC));
    CHECK_OK(ltls_msg_client_hello_check_tls13(&ch));
    CHECK_OK(ch_parse(EXT_SV13 EXT_GROUPS EXT_KS));
    ltls_err_t e = ltls_msg_client_hello_check_tls13(&ch);
    CHECK_ERR(e, LTLS_R_EXT_MISSING);
    CHECK(ltls_err_alert(e) == LTLS_ALERT_MISSING_EXTENSION);
    CHECK_OK(ch_parse(EXT_SV13 EXT_GROUPS EXT_SIGALGS));
    CHECK_ERR(ltls_msg_client_hello_check_tls13(&ch), LTLS_R_EXT_MISSING);
    CHECK_OK(ch_parse(EXT_SV13 EXT_SIGALGS EXT_KS));
    CHECK_ERR(ltls_msg_client_hello_check_tls13(&ch), LTLS_R_EXT_MISSING);
    /* PSK without psk_key_exchange_modes (§4.2.9). */
    CHECK_OK(ch_parse(EXT_BASIC "0029002f000a0004aabbccdd000000010021"
                      "200000000000000000000000000000000000000000000000000000000000000000"));
    CHECK_ERR(ltls_msg_client_hello_check_tls13(&ch), LTLS_R_EXT_MISSING);
    /* PSK-only hello without groups or signature algorithms is fine. */
    CHECK_OK(ch_parse(EXT_SV13 EXT_MODES "0029002f000a0004aabbccdd000000010021"
                      "200000000000000000000000000000000000000000000000000000000000000000"));
    CHECK_OK(ltls_msg_client_hello_check_tls13(&ch));
}

TEST(client_hello_grease_is_ignored)
{
    /* GREASE extension, suite, group, key share, version, signature scheme
     * and PSK mode (RFC 8701 §3). */
    size_t n = ch_raw("00067a7a13011302", "0100",
                      "1a1a0000"
                      "002b0005043a3a0304"
                      "000a000600044a4a001d"
                      "000d00060004fafa0403"
                      "0033002b0029"
                      "4a4a000100"
                      "001d0020" X25519_KEY
                      "002d000302010b" "2a2a0001" "00");
    CHECK_OK(ltls_msg_parse_client_hello(in, n, &ch));
    CHECK(ch.offers_tls13);
    CHECK(ch.exts.unknown == 2 && ch.exts.grease == 2);
    CHECK_OK(ltls_msg_client_hello_check_tls13(&ch));
    /* The iterator skips GREASE; the list keeps it for re-serialisation. */
    size_t i = 0;
    uint16_t v;
    CHECK(ltls_u16_list_next(&ch.cipher_suites, &i, &v) && v == 0x1301);
    CHECK(ltls_u16_list_next(&ch.cipher_suites, &i, &v) && v == 0x1302);
    CHECK(!ltls_u16_list_next(&ch.cipher_suites, &i, &v));
    i = 0;
    CHECK(ltls_u16_list_next(&ch.exts.supported_groups, &i, &v) && v == 0x001d);
    CHECK(!ltls_u16_list_next(&ch.exts.supported_groups, &i, &v));
    CHECK(ch.exts.key_share.count == 2 && ch.exts.key_share.shares[0].group == 0x4a4a);
    CHECK(ch.cipher_suites.count == 3 && ltls_u16_list_has(&ch.cipher_suites, 0x7a7a));
    /* GREASE helper. */
    CHECK(ltls_msg_is_grease(0x0a0a) && ltls_msg_is_grease(0xfafa) && ltls_msg_is_grease(0x3a3a));
    CHECK(!ltls_msg_is_grease(0x0a1a) && !ltls_msg_is_grease(0x1301) && !ltls_msg_is_grease(0x0b0b));
    /* And it all re-serialises byte for byte. */
    ltls_writer_t w;
    size_t wn;
    ltls_writer_init(&w, out, sizeof(out));
    ltls_msg_write_client_hello(&w, &ch, 0, NULL);
    CHECK_OK(ltls_writer_finish(&w, &wn));
    CHECK(wn == n + 4);
    CHECK_MEM(out + 4, in, n);
}

TEST(client_hello_hostile_sizes_in_bounded_time)
{
    clock_t start = clock();
    ltls_writer_t w;
    size_t n;
    /* 10,000 unknown extensions: refused at the 65th. */
    ltls_writer_init(&w, tmp, sizeof(tmp));
    for (int i = 0; i < 10000; i++) {
        ltls_writer_u16(&w, (uint16_t)(0x1000 + i));
        ltls_writer_u16(&w, 0);
    }
    CHECK_OK(ltls_writer_finish(&w, &n));
    CHECK(n == 40000);
    {
        ltls_writer_t b;
        size_t bn;
        ltls_writer_init(&b, in, sizeof(in));
        put_hex(&b, "0303");
        for (int i = 0; i < 33; i++)
            ltls_writer_u8(&b, 0);
        put_hex(&b, "000213010100");
        ltls_writer_u16(&b, (uint16_t)n);
        ltls_writer_bytes(&b, tmp, n);
        CHECK_OK(ltls_writer_finish(&b, &bn));
        CHECK_ERR(ltls_msg_parse_client_hello(in, bn, &ch), LTLS_R_MSG_TOO_MANY);
    }
    /* 10,000 GREASE-free cipher suites: a view, walked once. */
    ltls_writer_init(&w, in, sizeof(in));
    put_hex(&w, "0303");
    for (int i = 0; i < 33; i++)
        ltls_writer_u8(&w, 0);
    ltls_writer_u16(&w, 20000);
    for (int i = 0; i < 10000; i++)
        ltls_writer_u16(&w, (uint16_t)(0x2000 + i));
    put_hex(&w, "0100");
    ltls_writer_vec_t v = ltls_writer_vec_open(&w, 2);
    put_hex(&w, EXT_BASIC);
    ltls_writer_vec_close(&w, v);
    CHECK_OK(ltls_writer_finish(&w, &n));
    CHECK_OK(ltls_msg_parse_client_hello(in, n, &ch));
    CHECK(ch.cipher_suites.count == 10000);
    CHECK(!ltls_u16_list_has(&ch.cipher_suites, 0x1301));
    /* 10,000 key shares: refused at the 17th. */
    ltls_writer_init(&w, tmp, sizeof(tmp));
    put_hex(&w, EXT_SV13 EXT_GROUPS EXT_SIGALGS);
    ltls_writer_u16(&w, LTLS_EXT_CODE_KEY_SHARE);
    ltls_writer_vec_t body = ltls_writer_vec_open(&w, 2);
    ltls_writer_vec_t list = ltls_writer_vec_open(&w, 2);
    for (int i = 0; i < 10000; i++) {
        ltls_writer_u16(&w, (uint16_t)(0x3000 + i));
        put_hex(&w, "000100");
    }
    ltls_writer_vec_close(&w, list);
    ltls_writer_vec_close(&w, body);
    size_t bn;
    CHECK_OK(ltls_writer_finish(&w, &bn));
    ltls_writer_init(&w, in, sizeof(in));
    put_hex(&w, "0303");
    for (int i = 0; i < 33; i++)
        ltls_writer_u8(&w, 0);
    put_hex(&w, "000213010100");
    ltls_writer_u16(&w, (uint16_t)bn);
    ltls_writer_bytes(&w, tmp, bn);
    CHECK_OK(ltls_writer_finish(&w, &n));
    CHECK_ERR(ltls_msg_parse_client_hello(in, n, &ch), LTLS_R_MSG_TOO_MANY);
    /* 10,000 PSK identities: refused at the 9th. */
    ltls_writer_init(&w, in, sizeof(in));
    ltls_writer_vec_t ids = ltls_writer_vec_open(&w, 2);
    for (int i = 0; i < 8000; i++)
        put_hex(&w, "0001aa00000000");
    ltls_writer_vec_close(&w, ids);
    put_hex(&w, "0021200000000000000000000000000000000000000000000000000000000000000000");
    CHECK_OK(ltls_writer_finish(&w, &n));
    CHECK_OK(ltls_ext_parse_block(LTLS_EXT_CTX_CH, NULL, 0, &set));
    {
        ltls_writer_t b;
        static uint8_t blk[BUF_SIZE];
        size_t kn;
        ltls_writer_init(&b, blk, sizeof(blk));
        ltls_writer_u16(&b, LTLS_EXT_CODE_PRE_SHARED_KEY);
        ltls_writer_vec_t bv = ltls_writer_vec_open(&b, 2);
        ltls_writer_bytes(&b, in, n);
        ltls_writer_vec_close(&b, bv);
        CHECK_OK(ltls_writer_finish(&b, &kn));
        CHECK_ERR(ltls_ext_parse_block(LTLS_EXT_CTX_CH, blk, kn, &set), LTLS_R_MSG_TOO_MANY);
    }
    /* 10,000 one-byte ALPN names: a view with a count. */
    ltls_writer_init(&w, in, sizeof(in));
    ltls_writer_u16(&w, LTLS_EXT_CODE_ALPN);
    body = ltls_writer_vec_open(&w, 2);
    list = ltls_writer_vec_open(&w, 2);
    for (int i = 0; i < 10000; i++)
        put_hex(&w, "0161");
    ltls_writer_vec_close(&w, list);
    ltls_writer_vec_close(&w, body);
    CHECK_OK(ltls_writer_finish(&w, &n));
    CHECK_OK(ltls_ext_parse_block(LTLS_EXT_CTX_CH, in, n, &set));
    CHECK(set.alpn.count == 10000);
    /* Generous: the point is that nothing is quadratic in the input. */
    CHECK(seconds_since(start) < 2.0);
}

TEST(client_hello_built_with_binders_and_padding)
{
    static const uint16_t suites[] = {0x1301, 0x1302};
    static const uint16_t groups[] = {0x001d};
    static const uint16_t sigs[] = {0x0403, 0x0804};
    static const uint16_t vers[] = {0x0304};
    static const uint8_t modes[] = {LTLS_MSG_PSK_DHE_KE};
    static const uint8_t rnd[32] = {1, 2, 3};
    static const uint8_t share[32] = {9, 9, 9};
    static const uint8_t ticket[40] = {7};
    static ltls_client_hello_t c;
    memset(&c, 0, sizeof(c));
    c.legacy_version = 0x0303;
    c.random = rnd;
    c.session_id = (ltls_bytes_t){rnd, 32};
    c.cipher_suites = (ltls_u16_list_t){NULL, suites, 2};
    c.compression_methods = (ltls_bytes_t){(const uint8_t *)"", 1};
    ltls_ext_set_t *e = &c.exts;
    ltls_ext_set_init(e, LTLS_EXT_CTX_CH);
    e->server_name = (ltls_bytes_t){(const uint8_t *)"example.com", 11};
    e->supported_groups = (ltls_u16_list_t){NULL, groups, 1};
    e->signature_algorithms = (ltls_u16_list_t){NULL, sigs, 2};
    e->supported_versions = (ltls_u16_list_t){NULL, vers, 1};
    e->key_share.count = 1;
    e->key_share.shares[0] = (ltls_key_share_t){0x001d, {share, 32}};
    e->psk_modes = (ltls_bytes_t){modes, 1};
    e->psk.count = 1;
    e->psk.ids[0] = (ltls_psk_identity_t){{ticket, 40}, 12345, {NULL, 32}};
    CHECK_OK(ltls_ext_add(e, LTLS_EXT_SERVER_NAME));
    CHECK_OK(ltls_ext_add(e, LTLS_EXT_SUPPORTED_VERSIONS));
    CHECK_OK(ltls_ext_add_raw(e, 0x0a0a, NULL, 0)); /* GREASE */
    CHECK_OK(ltls_ext_add(e, LTLS_EXT_SUPPORTED_GROUPS));
    CHECK_OK(ltls_ext_add(e, LTLS_EXT_SIGNATURE_ALGORITHMS));
    CHECK_OK(ltls_ext_add(e, LTLS_EXT_KEY_SHARE));
    CHECK_OK(ltls_ext_add(e, LTLS_EXT_PSK_KEY_EXCHANGE_MODES));
    CHECK_OK(ltls_ext_add(e, LTLS_EXT_PADDING));
    CHECK_OK(ltls_ext_add(e, LTLS_EXT_PRE_SHARED_KEY));
    CHECK_ERR(ltls_ext_add(e, LTLS_EXT_KEY_SHARE), LTLS_R_BAD_ARGUMENT); /* duplicate */

    ltls_writer_t w;
    size_t n, boff;
    ltls_writer_init(&w, out, sizeof(out));
    ltls_msg_write_client_hello(&w, &c, 512, &boff);
    CHECK_OK(ltls_writer_finish(&w, &n));
    CHECK(n == 512); /* padded to the target */
    /* The placeholder: 2-byte list length, 1-byte binder length, 32 zeros. */
    CHECK(boff == n - 35);
    CHECK(out[boff] == 0 && out[boff + 1] == 33 && out[boff + 2] == 32);
    uint8_t binder[32];
    memset(binder, 0xbd, sizeof(binder));
    ltls_bytes_t b = {binder, 32};
    CHECK_OK(ltls_msg_client_hello_fill_binders(out, n, boff, &b, 1));
    CHECK(out[boff + 3] == 0xbd && out[n - 1] == 0xbd);
    /* Wrong count or length is refused. */
    ltls_bytes_t two[2] = {b, b};
    CHECK_ERR(ltls_msg_client_hello_fill_binders(out, n, boff, two, 2), LTLS_R_BAD_ARGUMENT);
    ltls_bytes_t shortb = {binder, 31};
    CHECK_ERR(ltls_msg_client_hello_fill_binders(out, n, boff, &shortb, 1), LTLS_R_BAD_ARGUMENT);
    CHECK_ERR(ltls_msg_client_hello_fill_binders(out, n, boff - 1, &b, 1), LTLS_R_BAD_ARGUMENT);

    static ltls_client_hello_t p;
    CHECK_OK(ltls_msg_parse_client_hello(out + 4, n - 4, &p));
    CHECK(p.binders_off == boff);
    CHECK(p.exts.padding_len > 0 && p.exts.grease == 1);
    CHECK(p.exts.psk.ids[0].obfuscated_ticket_age == 12345);
    CHECK_MEM(p.exts.psk.ids[0].binder.p, binder, 32);
    CHECK(p.exts.server_name.len == 11);
    round_trip(out, n);

    /* Already longer than the target: empty padding. */
    ltls_writer_init(&w, out, sizeof(out));
    ltls_msg_write_client_hello(&w, &c, 100, NULL);
    CHECK_OK(ltls_writer_finish(&w, &n));
    CHECK_OK(ltls_msg_parse_client_hello(out + 4, n - 4, &p));
    CHECK(p.exts.padding_len == 0 && ltls_ext_has(&p.exts, LTLS_EXT_PADDING));
    /* A target needs the padding extension. */
    ltls_ext_set_t saved = c.exts;
    c.exts.count--;                      /* drop pre_shared_key */
    c.exts.entries[c.exts.count - 1] = saved.entries[saved.count - 1]; /* psk over padding */
    c.exts.present &= ~LTLS_EXT_BIT(LTLS_EXT_PADDING);
    ltls_writer_init(&w, out, sizeof(out));
    ltls_msg_write_client_hello(&w, &c, 512, NULL);
    CHECK_ERR(ltls_writer_finish(&w, &n), LTLS_R_BAD_ARGUMENT);
    c.exts = saved;
    /* PSK not last is refused by the writer too. */
    ltls_ext_entry_t last = c.exts.entries[c.exts.count - 1];
    c.exts.entries[c.exts.count - 1] = c.exts.entries[0];
    c.exts.entries[0] = last;
    ltls_writer_init(&w, out, sizeof(out));
    ltls_msg_write_client_hello(&w, &c, 0, NULL);
    CHECK_ERR(ltls_writer_finish(&w, &n), LTLS_R_BAD_ARGUMENT);
}

/* ========================================================================
 * ServerHello and HelloRetryRequest
 * ====================================================================== */

TEST(server_hello_checks)
{
    const char *ks = "00330024001d0020" X25519_KEY;
    char exts[512];
    snprintf(exts, sizeof(exts), "%s%s", "002b00020304", ks);
    CHECK_OK(sh_parse(exts));
    CHECK(sh.is_tls13 && !sh.is_hrr && sh.exts.ctx == LTLS_EXT_CTX_SH);
    /* legacy_version must be 0x0303 in TLS 1.3 (§4.1.3). */
    size_t n = sh_raw(0x0304, NULL, 0x1301, 0, exts);
    CHECK_ERR(ltls_msg_parse_server_hello(in, n, &sh), LTLS_R_MSG_LEGACY_VERSION);
    /* legacy_compression_method must be 0. */
    n = sh_raw(0x0303, NULL, 0x1301, 1, exts);
    CHECK_ERR(ltls_msg_parse_server_hello(in, n, &sh), LTLS_R_MSG_LEGACY_COMPRESSION);
    /* A version before TLS 1.3 in supported_versions (§4.2.1). */
    CHECK_ERR(sh_parse("002b00020303"), LTLS_R_EXT_VERSION);
    /* GREASE selected: suite, version, group (RFC 8701 §3). */
    n = sh_raw(0x0303, NULL, 0x2a2a, 0, exts);
    CHECK_ERR(ltls_msg_parse_server_hello(in, n, &sh), LTLS_R_MSG_GREASE_SELECTED);
    CHECK_ERR(sh_parse("002b00027a7a"), LTLS_R_MSG_GREASE_SELECTED);
    CHECK_ERR(sh_parse("002b00020304" "003300050a0a000100"), LTLS_R_MSG_GREASE_SELECTED);
    /* An extension not allowed in ServerHello (cookie: CH, HRR). */
    CHECK_ERR(sh_parse("002b00020304" "002c0003000101"), LTLS_R_EXT_FORBIDDEN);
    /* An unknown one answers nothing we sent (§4.2), GREASE too. */
    ltls_err_t e = sh_parse("002b00020304" "abcd0000");
    CHECK_ERR(e, LTLS_R_EXT_UNSOLICITED);
    CHECK(ltls_err_alert(e) == LTLS_ALERT_UNSUPPORTED_EXTENSION);
    CHECK_ERR(sh_parse("002b00020304" "3a3a0000"), LTLS_R_EXT_UNSOLICITED);
    /* Duplicates. */
    CHECK_ERR(sh_parse("002b00020304" "002b00020304"), LTLS_R_EXT_DUPLICATE);
    /* Trailing bytes after the block. */
    n = sh_raw(0x0303, NULL, 0x1301, 0, exts);
    in[n] = 0;
    CHECK_ERR(ltls_msg_parse_server_hello(in, n + 1, &sh), LTLS_R_DECODE_TRAILING);
    /* Session id echo <0..32>. */
    n = sh_raw(0x0303, NULL, 0x1301, 0, exts);
    in[34] = 33;
    CHECK_ERR(ltls_msg_parse_server_hello(in, n, &sh), LTLS_R_DECODE_LENGTH);
}

TEST(server_hello_tls12_and_downgrade)
{
    /* No supported_versions: a TLS 1.2 ServerHello, its own extension rules. */
    uint8_t rnd[32];
    memset(rnd, 0x33, sizeof(rnd));
    memcpy(rnd + 24, ltls_msg_downgrade_tls12, 8);
    size_t n = sh_raw(0x0303, rnd, 0xc02f, 0, "ff01000100" "000b00020100" "00170000");
    CHECK_OK(ltls_msg_parse_server_hello(in, n, &sh));
    CHECK(!sh.is_tls13 && sh.exts.ctx == LTLS_EXT_CTX_SH12);
    CHECK(ltls_msg_downgrade(sh.random) == LTLS_MSG_DOWNGRADE_TLS12);
    round_trip_body(LTLS_MSG_SERVER_HELLO, in, n);
    memcpy(rnd + 24, ltls_msg_downgrade_tls11, 8);
    n = sh_raw(0x0302, rnd, 0xc02f, 0, NULL);
    CHECK_OK(ltls_msg_parse_server_hello(in, n, &sh));
    CHECK(sh.no_extensions && sh.legacy_version == 0x0302);
    CHECK(ltls_msg_downgrade(sh.random) == LTLS_MSG_DOWNGRADE_TLS11);
    /* key_share has no place in a TLS 1.2 ServerHello. */
    CHECK_ERR(sh_parse("00330024001d0020" X25519_KEY), LTLS_R_EXT_FORBIDDEN);
}

static ltls_msg_any_t built;

TEST(hello_retry_request)
{
    ltls_server_hello_t *hp = &built.sh;
#define h (*hp)
    static const uint8_t cookie[5] = {1, 2, 3, 4, 5};
    static uint8_t sid[32];
    memset(&h, 0, sizeof(h));
    h.legacy_version = 0x0303;
    h.is_hrr = 1;
    h.session_id_echo = (ltls_bytes_t){sid, 32};
    h.cipher_suite = 0x1302;
    ltls_ext_set_init(&h.exts, LTLS_EXT_CTX_HRR);
    h.exts.selected_version = 0x0304;
    h.exts.key_share.selected_group = 0x0017;
    h.exts.cookie = (ltls_bytes_t){cookie, 5};
    CHECK_OK(ltls_ext_add(&h.exts, LTLS_EXT_SUPPORTED_VERSIONS));
    CHECK_OK(ltls_ext_add(&h.exts, LTLS_EXT_KEY_SHARE));
    CHECK_OK(ltls_ext_add(&h.exts, LTLS_EXT_COOKIE));
    size_t n = build_and_round_trip(LTLS_MSG_SERVER_HELLO, &built);
    CHECK(n > 0);
    CHECK_MEM(in + 6, ltls_msg_hrr_random, 32);
    CHECK(parsed.sh.is_hrr && parsed.sh.is_tls13 && parsed.sh.exts.ctx == LTLS_EXT_CTX_HRR);
    CHECK(parsed.sh.exts.key_share.selected_group == 0x0017);
    CHECK(parsed.sh.exts.cookie.len == 5);
    /* The cookie is the one extension a server sends unasked (§4.2). */
    uint64_t offered = LTLS_EXT_BIT(LTLS_EXT_SUPPORTED_VERSIONS) | LTLS_EXT_BIT(LTLS_EXT_KEY_SHARE);
    CHECK_OK(ltls_ext_check_solicited(&parsed.sh.exts, offered));
    CHECK_ERR(ltls_ext_check_solicited(&parsed.sh.exts, LTLS_EXT_BIT(LTLS_EXT_SUPPORTED_VERSIONS)),
              LTLS_R_EXT_UNSOLICITED);
    /* HRR without supported_versions (§4.1.4). */
    n = sh_raw(0x0303, ltls_msg_hrr_random, 0x1301, 0, "003300020017");
    CHECK_ERR(ltls_msg_parse_server_hello(in, n, &sh), LTLS_R_EXT_MISSING);
    n = sh_raw(0x0303, ltls_msg_hrr_random, 0x1301, 0, NULL);
    CHECK_ERR(ltls_msg_parse_server_hello(in, n, &sh), LTLS_R_EXT_MISSING);
    /* A server share (SH form) in a HRR is the wrong shape. */
    n = sh_raw(0x0303, ltls_msg_hrr_random, 0x1301, 0, "002b00020304" "00330024001d0020" X25519_KEY);
    CHECK_ERR(ltls_msg_parse_server_hello(in, n, &sh), LTLS_R_DECODE_TRAILING);
    /* A GREASE group selected. */
    n = sh_raw(0x0303, ltls_msg_hrr_random, 0x1301, 0, "002b00020304" "003300021a1a");
    CHECK_ERR(ltls_msg_parse_server_hello(in, n, &sh), LTLS_R_MSG_GREASE_SELECTED);
    /* pre_shared_key is not for HRR. */
    n = sh_raw(0x0303, ltls_msg_hrr_random, 0x1301, 0, "002b00020304" "002900020000");
    CHECK_ERR(ltls_msg_parse_server_hello(in, n, &sh), LTLS_R_EXT_FORBIDDEN);
    /* The writer refuses a TLS 1.3 hello with a wrong legacy_version. */
    h.legacy_version = 0x0304;
    ltls_writer_t w;
    ltls_writer_init(&w, out, sizeof(out));
    ltls_msg_write_server_hello(&w, &h);
    CHECK_ERR(ltls_writer_finish(&w, &n), LTLS_R_BAD_ARGUMENT);
#undef h
}

/* ========================================================================
 * Extensions, one by one
 * ====================================================================== */

TEST(registry_is_consistent_with_rfc8446_table)
{
    for (int id = 0; id < LTLS_EXT_COUNT_; id++) {
        uint16_t code = ltls_ext_code((ltls_ext_id_t)id);
        CHECK(ltls_ext_id(code) == (ltls_ext_id_t)id);
        CHECK(ltls_ext_name(code) != NULL);
        CHECK(ltls_ext_allowed((ltls_ext_id_t)id) != 0);
        for (int j = 0; j < id; j++)
            CHECK(ltls_ext_code((ltls_ext_id_t)j) != code);
    }
    CHECK(LTLS_EXT_COUNT_ <= 64);
    CHECK(ltls_ext_id(0x0a0a) == LTLS_EXT_UNKNOWN && ltls_ext_name(0xabcd) == NULL);
    /* §4.2's table, TLS 1.3 messages only. */
    const uint16_t t13 = (uint16_t)~LTLS_EXT_IN_SH12;
    struct { ltls_ext_id_t id; uint16_t in; } table[] = {
        {LTLS_EXT_SERVER_NAME, LTLS_EXT_IN_CH | LTLS_EXT_IN_EE},
        {LTLS_EXT_MAX_FRAGMENT_LENGTH, LTLS_EXT_IN_CH | LTLS_EXT_IN_EE},
        {LTLS_EXT_STATUS_REQUEST, LTLS_EXT_IN_CH | LTLS_EXT_IN_CR | LTLS_EXT_IN_CT},
        {LTLS_EXT_SUPPORTED_GROUPS, LTLS_EXT_IN_CH | LTLS_EXT_IN_EE},
        {LTLS_EXT_SIGNATURE_ALGORITHMS, LTLS_EXT_IN_CH | LTLS_EXT_IN_CR},
        {LTLS_EXT_USE_SRTP, LTLS_EXT_IN_CH | LTLS_EXT_IN_EE},
        {LTLS_EXT_HEARTBEAT, LTLS_EXT_IN_CH | LTLS_EXT_IN_EE},
        {LTLS_EXT_ALPN, LTLS_EXT_IN_CH | LTLS_EXT_IN_EE},
        {LTLS_EXT_SIGNED_CERTIFICATE_TIMESTAMP, LTLS_EXT_IN_CH | LTLS_EXT_IN_CR | LTLS_EXT_IN_CT},
        {LTLS_EXT_CLIENT_CERTIFICATE_TYPE, LTLS_EXT_IN_CH | LTLS_EXT_IN_EE},
        {LTLS_EXT_SERVER_CERTIFICATE_TYPE, LTLS_EXT_IN_CH | LTLS_EXT_IN_EE},
        {LTLS_EXT_PADDING, LTLS_EXT_IN_CH},
        {LTLS_EXT_KEY_SHARE, LTLS_EXT_IN_CH | LTLS_EXT_IN_SH | LTLS_EXT_IN_HRR},
        {LTLS_EXT_PRE_SHARED_KEY, LTLS_EXT_IN_CH | LTLS_EXT_IN_SH},
        {LTLS_EXT_PSK_KEY_EXCHANGE_MODES, LTLS_EXT_IN_CH},
        {LTLS_EXT_EARLY_DATA, LTLS_EXT_IN_CH | LTLS_EXT_IN_EE | LTLS_EXT_IN_NST},
        {LTLS_EXT_COOKIE, LTLS_EXT_IN_CH | LTLS_EXT_IN_HRR},
        {LTLS_EXT_SUPPORTED_VERSIONS, LTLS_EXT_IN_CH | LTLS_EXT_IN_SH | LTLS_EXT_IN_HRR},
        {LTLS_EXT_CERTIFICATE_AUTHORITIES, LTLS_EXT_IN_CH | LTLS_EXT_IN_CR},
        {LTLS_EXT_OID_FILTERS, LTLS_EXT_IN_CR},
        {LTLS_EXT_POST_HANDSHAKE_AUTH, LTLS_EXT_IN_CH},
        {LTLS_EXT_SIGNATURE_ALGORITHMS_CERT, LTLS_EXT_IN_CH | LTLS_EXT_IN_CR},
        {LTLS_EXT_RECORD_SIZE_LIMIT, LTLS_EXT_IN_CH | LTLS_EXT_IN_EE}, /* RFC 8449 */
        {LTLS_EXT_COMPRESS_CERTIFICATE, LTLS_EXT_IN_CH | LTLS_EXT_IN_CR}, /* RFC 8879 */
        {LTLS_EXT_QUIC_TRANSPORT_PARAMETERS, LTLS_EXT_IN_CH | LTLS_EXT_IN_EE}, /* RFC 9001 */
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if ((ltls_ext_allowed(table[i].id) & t13) != table[i].in)
            TEST_FAIL_("%s: allowed 0x%x, want 0x%x", ltls_ext_name(ltls_ext_code(table[i].id)),
                       ltls_ext_allowed(table[i].id) & t13, table[i].in);
    }
}


#define B11 "1111111111111111111111111111111111111111111111111111111111111111"
#define B11_31 "11111111111111111111111111111111111111111111111111111111111111"
#define B22 "2222222222222222222222222222222222222222222222222222222222222222"

/* A ClientHello server_name block holding one host_name of len bytes. */
static ltls_err_t sni(const char *name, size_t len)
{
    ltls_writer_t w;
    size_t n;
    ltls_writer_init(&w, in, sizeof(in));
    ltls_writer_u16(&w, 0);
    ltls_writer_vec_t body = ltls_writer_vec_open(&w, 2);
    ltls_writer_vec_t list = ltls_writer_vec_open(&w, 2);
    ltls_writer_u8(&w, 0);
    ltls_writer_vec_t host = ltls_writer_vec_open(&w, 2);
    ltls_writer_bytes(&w, (const uint8_t *)name, len);
    ltls_writer_vec_close(&w, host);
    ltls_writer_vec_close(&w, list);
    ltls_writer_vec_close(&w, body);
    if (ltls_writer_finish(&w, &n))
        abort();
    return ltls_ext_parse_block(LTLS_EXT_CTX_CH, in, n, &set);
}

static ltls_ext_set_t s;

static void fresh(ltls_ext_ctx_t ctx) { ltls_ext_set_init(&s, ctx); }

TEST(ext_server_name)
{
    CHECK_OK(block(LTLS_EXT_CTX_CH, "0000000c000a000007612d622e635f64"));
    CHECK(set.server_name.len == 7 && memcmp(set.server_name.p, "a-b.c_d", 7) == 0);
    fresh(LTLS_EXT_CTX_CH);
    s.server_name = (ltls_bytes_t){(const uint8_t *)"server", 6};
    CHECK_OK(ltls_ext_add(&s, LTLS_EXT_SERVER_NAME));
    block_round_trip(LTLS_EXT_CTX_CH, &s, "0000000b0009000006736572766572");
    /* The server's acknowledgement is empty (RFC 6066 §3). */
    fresh(LTLS_EXT_CTX_EE);
    CHECK_OK(ltls_ext_add(&s, LTLS_EXT_SERVER_NAME));
    block_round_trip(LTLS_EXT_CTX_EE, &s, "00000000");
    CHECK_ERR(block(LTLS_EXT_CTX_EE, "0000000100"), LTLS_R_DECODE_TRAILING);

    CHECK_OK(sni("example.com", 11));
    ltls_err_t e = sni("exa\0mple.com", 12);
    CHECK_ERR(e, LTLS_R_EXT_SERVER_NAME);
    CHECK(ltls_err_alert(e) == LTLS_ALERT_ILLEGAL_PARAMETER);
    CHECK_ERR(sni("", 0), LTLS_R_DECODE_LENGTH); /* HostName <1..2^16-1> */
    CHECK_ERR(sni("example.com.", 12), LTLS_R_EXT_SERVER_NAME);
    CHECK_ERR(sni(".example.com", 12), LTLS_R_EXT_SERVER_NAME);
    CHECK_ERR(sni("example..com", 12), LTLS_R_EXT_SERVER_NAME);
    CHECK_ERR(sni("exa mple.com", 12), LTLS_R_EXT_SERVER_NAME);
    CHECK_ERR(sni("b\xc3\xbc" "cher.de", 9), LTLS_R_EXT_SERVER_NAME);
    char longname[300];
    memset(longname, 'a', sizeof(longname));
    CHECK_OK(sni(longname, 63));
    CHECK_ERR(sni(longname, 64), LTLS_R_EXT_SERVER_NAME); /* a label over 63 */
    for (int i = 63; i < 260; i += 64)
        longname[i] = '.';
    CHECK_OK(sni(longname, 253));
    CHECK_ERR(sni(longname, 254), LTLS_R_EXT_SERVER_NAME);
    /* Empty list; two entries; another name type. */
    CHECK_ERR(block(LTLS_EXT_CTX_CH, "000000020000"), LTLS_R_DECODE_LENGTH);
    CHECK_ERR(block(LTLS_EXT_CTX_CH, "0000000e000c000003616263" "000003646566"),
              LTLS_R_EXT_SERVER_NAME);
    CHECK_ERR(block(LTLS_EXT_CTX_CH, "000000080006010003616263"), LTLS_R_EXT_SERVER_NAME);
    /* The writer refuses what the parser would. */
    fresh(LTLS_EXT_CTX_CH);
    s.server_name = (ltls_bytes_t){(const uint8_t *)"bad name", 8};
    CHECK_OK(ltls_ext_add(&s, LTLS_EXT_SERVER_NAME));
    ltls_writer_t w;
    size_t n;
    ltls_writer_init(&w, out, sizeof(out));
    ltls_ext_write_block(&w, LTLS_EXT_CTX_CH, &s);
    CHECK_ERR(ltls_writer_finish(&w, &n), LTLS_R_BAD_ARGUMENT);
}

TEST(ext_status_request)
{
    static const uint8_t rid[] = {0x30, 0x03, 0x02, 0x01, 0x01};
    static const uint8_t rexts[] = {0x30, 0x00};
    static const uint8_t resp[] = {0x30, 0x03, 0x0a, 0x01, 0x00};
    ltls_bytes_t ids[1] = {{rid, sizeof(rid)}};
    fresh(LTLS_EXT_CTX_CH);
    s.status.type = LTLS_MSG_STATUS_OCSP;
    CHECK_OK(ltls_ext_add(&s, LTLS_EXT_STATUS_REQUEST));
    block_round_trip(LTLS_EXT_CTX_CH, &s, "000500050100000000");
    s.status.responder_ids = (ltls_blob_list_t){{NULL, 0}, ids, 1, 2};
    s.status.request_extensions = (ltls_bytes_t){rexts, 2};
    block_round_trip(LTLS_EXT_CTX_CH, &s, "0005000e01000700053003020101" "00023000");
    CHECK(set2.status.responder_ids.count == 1);
    /* Another status type: kept raw in a ClientHello. */
    CHECK_OK(block(LTLS_EXT_CTX_CH, "0005000302abcd"));
    CHECK(set.status.type == 2 && set.status.other_request.len == 2);
    /* CertificateRequest: empty. */
    fresh(LTLS_EXT_CTX_CR);
    CHECK_OK(ltls_ext_add(&s, LTLS_EXT_STATUS_REQUEST));
    block_round_trip(LTLS_EXT_CTX_CR, &s, "00050000");
    /* CertificateEntry: the OCSP response. */
    fresh(LTLS_EXT_CTX_CT);
    s.status.type = LTLS_MSG_STATUS_OCSP;
    s.status.response = (ltls_bytes_t){resp, sizeof(resp)};
    CHECK_OK(ltls_ext_add(&s, LTLS_EXT_STATUS_REQUEST));
    block_round_trip(LTLS_EXT_CTX_CT, &s, "000500090100000530030a0100");
    CHECK(set2.status.response.len == 5);
    CHECK_ERR(block(LTLS_EXT_CTX_CT, "000500090200000530030a0100"), LTLS_R_EXT_STATUS_TYPE);
    CHECK_ERR(block(LTLS_EXT_CTX_CT, "0005000401000000"), LTLS_R_DECODE_LENGTH);
    /* Truncated responder list. */
    CHECK_ERR(block(LTLS_EXT_CTX_CH, "00050005010003000000"), LTLS_R_DECODE_TRUNCATED);
}

TEST(ext_groups_and_signature_algorithms)
{
    static const uint16_t g[] = {0x001d, 0x0017};
    static const uint16_t sg[] = {0x0403, 0x0804};
    static const uint16_t sc[] = {0x0401};
    fresh(LTLS_EXT_CTX_CH);
    s.supported_groups = (ltls_u16_list_t){NULL, g, 2};
    s.signature_algorithms = (ltls_u16_list_t){NULL, sg, 2};
    s.signature_algorithms_cert = (ltls_u16_list_t){NULL, sc, 1};
    CHECK_OK(ltls_ext_add(&s, LTLS_EXT_SUPPORTED_GROUPS));
    CHECK_OK(ltls_ext_add(&s, LTLS_EXT_SIGNATURE_ALGORITHMS));
    CHECK_OK(ltls_ext_add(&s, LTLS_EXT_SIGNATURE_ALGORITHMS_CERT));
    block_round_trip(LTLS_EXT_CTX_CH, &s,
                     "000a00060004001d0017" "000d0006000404030804" "0032000400020401");
    CHECK(ltls_u16_list_at(&set2.supported_groups, 1) == 0x0017);
    CHECK(ltls_u16_list_has(&set2.signature_algorithms_cert, 0x0401));
    /* In EncryptedExtensions: groups yes, signature algorithms no. */
    CHECK_OK(block(LTLS_EXT_CTX_EE, "000a00060004001d0017"));
    CHECK_ERR(block(LTLS_EXT_CTX_EE, "000d0006000404030804"), LTLS_R_EXT_FORBIDDEN);
    CHECK_OK(block(LTLS_EXT_CTX_CR, "000d0006000404030804" "0032000400020401"));
    CHECK_ERR(block(LTLS_EXT_CTX_CR, "000a00060004001d0017"), LTLS_R_EXT_FORBIDDEN);
    CHECK_ERR(block(LTLS_EXT_CTX_CH, "000a00050003001d00"), LTLS_R_DECODE_LENGTH);
}

TEST(ext_alpn)
{
    ltls_bytes_t names[2] = {{(const uint8_t *)"h2", 2}, {(const uint8_t *)"http/1.1", 8}};
    fresh(LTLS_EXT_CTX_CH);
    s.alpn = (ltls_blob_list_t){{NULL, 0}, names, 2, 1};
    CHECK_OK(ltls_ext_add(&s, LTLS_EXT_ALPN));
    block_round_trip(LTLS_EXT_CTX_CH, &s, "0010000e000c02683208687474702f312e31");
    ltls_iter_t it = {0, 0};
    ltls_bytes_t b;
    CHECK(ltls_blob_list_next(&set2.alpn, &it, &b) && b.len == 2 && memcmp(b.p, "h2", 2) == 0);
    CHECK(ltls_blob_list_next(&set2.alpn, &it, &b) && b.len == 8);
    CHECK(!ltls_blob_list_next(&set2.alpn, &it, &b));
    /* The server selects exactly one (RFC 7301 §3.1). */
    fresh(LTLS_EXT_CTX_EE);
    s.alpn = (ltls_blob_list_t){{NULL, 0}, names, 1, 1};
    CHECK_OK(ltls_ext_add(&s, LTLS_EXT_ALPN));
    block_round_trip(LTLS_EXT_CTX_EE, &s, "001000050003026832");
    ltls_err_t e = block(LTLS_EXT_CTX_EE, "0010000e000c02683208687474702f312e31");
    CHECK_ERR(e, LTLS_R_EXT_ALPN);
    CHECK(ltls_err_alert(e) == LTLS_ALERT_ILLEGAL_PARAMETER);
    s.alpn.count = 2;
    ltls_writer_t w;
    size_t n;
    ltls_writer_init(&w, out, sizeof(out));
    ltls_ext_write_block(&w, LTLS_EXT_CTX_EE, &s);
    CHECK_ERR(ltls_writer_finish(&w, &n), LTLS_R_BAD_ARGUMENT);
    /* An empty name, an empty list. */
    CHECK_ERR(block(LTLS_EXT_CTX_CH, "00100006000402683200"), LTLS_R_DECODE_LENGTH);
    CHECK_ERR(block(LTLS_EXT_CTX_CH, "001000040002" "0000"), LTLS_R_DECODE_LENGTH);
    CHECK_ERR(block(LTLS_EXT_CTX_CH, "001000020000"), LTLS_R_DECODE_LENGTH);
    /* A server answering ALPN that was not offered: the handler's hook. */
    CHECK_OK(block(LTLS_EXT_CTX_EE, "001000050003026832"));
    e = ltls_ext_check_solicited(&set, LTLS_EXT_BIT(LTLS_EXT_SERVER_NAME));
    CHECK_ERR(e, LTLS_R_EXT_UNSOLICITED);
    CHECK(ltls_err_alert(e) == LTLS_ALERT_UNSUPPORTED_EXTENSION);
    CHECK_OK(ltls_ext_check_solicited(&set, LTLS_EXT_BIT(LTLS_EXT_ALPN)));
}

TEST(ext_padding_and_record_size_limit)
{
    fresh(LTLS_EXT_CTX_CH);
    s.padding_len = 5;
    s.record_size_limit = 64;
    CHECK_OK(ltls_ext_add(&s, LTLS_EXT_RECORD_SIZE_LIMIT));
    CHECK_OK(ltls_ext_add(&s, LTLS_EXT_PADDING));
    block_round_trip(LTLS_EXT_CTX_CH, &s, "001c00020040" "001500050000000000");
    CHECK(set2.padding_len == 5 && set2.record_size_limit == 64);
    /* Padding contents are ignored (RFC 7685 puts the zeros on the sender). */
    CHECK_OK(block(LTLS_EXT_CTX_CH, "00150002abcd"));
    CHECK(set.padding_len == 2);
    CHECK_ERR(block(LTLS_EXT_CTX_EE, "001500020000"), LTLS_R_EXT_FORBIDDEN);
    /* RFC 8449 §4: below 64 is illegal_parameter. */
    ltls_err_t e = block(LTLS_EXT_CTX_EE, "001c0002003f");
    CHECK_ERR(e, LTLS_R_EXT_RECORD_SIZE_LIMIT);
    CHECK(ltls_err_alert(e) == LTLS_ALERT_ILLEGAL_PARAMETER);
    CHECK_ERR(block(LTLS_EXT_CTX_CH, "001c00020000"), LTLS_R_EXT_RECORD_SIZE_LIMIT);
    CHECK_OK(block(LTLS_EXT_CTX_EE, "001c0002ffff"));
    CHECK_ERR(block(LTLS_EXT_CTX_EE, "001c0003004000"), LTLS_R_DECODE_TRAILING);
    CHECK_ERR(block(LTLS_EXT_CTX_EE, "001c000140"), LTLS_R_DECODE_TRUNCATED);
    s.record_size_limit = 10;
    ltls_writer_t w;
    size_t n;
    ltls_writer_init(&w, out, sizeof(out));
    ltls_ext_write_block(&w, LTLS_EXT_CTX_CH, &s);
    CHECK_ERR(ltls_writer_finish(&w, &n), LTLS_R_BAD_ARGUMENT);
}

TEST(ext_pre_shared_key_and_modes)
{
    static uint8_t b1[32], b2[32];
    memset(b1, 0x11, sizeof(b1));
    memset(b2, 0x22, sizeof(b2));
    static const uint8_t id2[2] = {0xbb, 0xbb}, modes[2] = {0, 1};
    fresh(LTLS_EXT_CTX_CH);
    s.psk_modes = (ltls_bytes_t){modes, 2};
    s.psk.count = 2;
    s.psk.ids[0] = (ltls_psk_identity_t){{(const uint8_t *)"\xaa", 1}, 1, {b1, 32}};
    s.psk.ids[1] = (ltls_psk_identity_t){{id2, 2}, 2, {b2, 32}};
    CHECK_OK(ltls_ext_add(&s, LTLS_EXT_PSK_KEY_EXCHANGE_MODES));
    CHECK_OK(ltls_ext_add(&s, LTLS_EXT_PRE_SHARED_KEY));
    block_round_trip(LTLS_EXT_CTX_CH, &s,
                     "002d0003020001"
                     "00290055" "000f" "0001aa00000001" "0002bbbb00000002" "0042" "20" B11 "20" B22);
    CHECK(set2.psk.count == 2 && set2.psk.ids[1].obfuscated_ticket_age == 2);
    CHECK(set2.psk.ids[1].binder.len == 32 && set2.psk.ids[1].binder.p[0] == 0x22);
    CHECK(set2.psk_modes.len == 2);
    /* One binder per identity (§4.2.11). */
    ltls_err_t e = block(LTLS_EXT_CTX_CH, "00290034" "000f" "0001aa00000001" "0002bbbb00000002"
                                          "0021" "20" B11);
    CHECK_ERR(e, LTLS_R_EXT_PSK_BINDERS);
    CHECK(ltls_err_alert(e) == LTLS_ALERT_ILLEGAL_PARAMETER);
    CHECK_ERR(block(LTLS_EXT_CTX_CH, "0029004d" "0007" "0001aa00000001" "0042" "20" B11 "20" B22),
              LTLS_R_EXT_PSK_BINDERS);
    /* Bounds: identities <7..>, binder <32..255>, binders <33..>. */
    CHECK_ERR(block(LTLS_EXT_CTX_CH, "0029002b" "0006" "0001aa000000" "0021" "20" B11),
              LTLS_R_DECODE_LENGTH);
    CHECK_ERR(block(LTLS_EXT_CTX_CH, "0029002b" "0007" "0001aa00000001" "0020" "1f" B11_31),
              LTLS_R_DECODE_LENGTH);
    /* ServerHello: the selected identity. */
    fresh(LTLS_EXT_CTX_SH);
    s.psk.selected = 1;
    CHECK_OK(ltls_ext_add(&s, LTLS_EXT_PRE_SHARED_KEY));
    block_round_trip(LTLS_EXT_CTX_SH, &s, "002900020001");
    CHECK(set2.psk.selected == 1);
    /* Modes: <1..255>, not in EncryptedExtensions. */
    CHECK_ERR(block(LTLS_EXT_CTX_EE, "002d00020101"), LTLS_R_EXT_FORBIDDEN);
}

TEST(ext_versions_cookie_early_data_pha)
{
    static const uint16_t v[] = {0x0304, 0x0303};
    static const uint8_t ck[3] = {0xab, 0xcd, 0xef};
    fresh(LTLS_EXT_CTX_CH);
    s.supported_versions = (ltls_u16_list_t){NULL, v, 2};
    s.cookie = (ltls_bytes_t){ck, 3};
    CHECK_OK(ltls_ext_add(&s, LTLS_EXT_SUPPORTED_VERSIONS));
    CHECK_OK(ltls_ext_add(&s, LTLS_EXT_COOKIE));
    CHECK_OK(ltls_ext_add(&s, LTLS_EXT_EARLY_DATA));
    CHECK_OK(ltls_ext_add(&s, LTLS_EXT_POST_HANDSHAKE_AUTH));
    block_round_trip(LTLS_EXT_CTX_CH, &s,
                     "002b00050403040303" "002c00050003abcdef" "002a0000" "00310000");
    CHECK(ltls_ext_has(&set2, LTLS_EXT_POST_HANDSHAKE_AUTH) && set2.cookie.len == 3);
    fresh(LTLS_EXT_CTX_SH);
    s.selected_version = 0x0304;
    CHECK_OK(ltls_ext_add(&s, LTLS_EXT_SUPPORTED_VERSIONS));
    block_round_trip(LTLS_EXT_CTX_SH, &s, "002b00020304");
    fresh(LTLS_EXT_CTX_NST);
    s.max_early_data_size = 0x4000;
    CHECK_OK(ltls_ext_add(&s, LTLS_EXT_EARLY_DATA));
    block_round_trip(LTLS_EXT_CTX_NST, &s, "002a000400004000");
    CHECK(set2.max_early_data_size == 0x4000);
    fresh(LTLS_EXT_CTX_EE);
    CHECK_OK(ltls_ext_add(&s, LTLS_EXT_EARLY_DATA));
    block_round_trip(LTLS_EXT_CTX_EE, &s, "002a0000");
    CHECK_ERR(block(LTLS_EXT_CTX_NST, "002a0000"), LTLS_R_DECODE_TRUNCATED);
    CHECK_ERR(block(LTLS_EXT_CTX_EE, "002a000400004000"), LTLS_R_DECODE_TRAILING);
    CHECK_ERR(block(LTLS_EXT_CTX_EE, "00310000"), LTLS_R_EXT_FORBIDDEN);
    CHECK_ERR(block(LTLS_EXT_CTX_EE, "002c00050003abcdef"), LTLS_R_EXT_FORBIDDEN);
    CHECK_ERR(block(LTLS_EXT_CTX_CH, "002b0004030403" "03"), LTLS_R_DECODE_LENGTH);
}

TEST(ext_certificate_authorities)
{
    static const uint8_t n1[] = {0x30, 0x00}, n2[] = {0x31, 0x01, 0x30};
    ltls_bytes_t names[2] = {{n1, 2}, {n2, 3}};
    fresh(LTLS_EXT_CTX_CR);
    s.certificate_authorities = (ltls_blob_list_t){{NULL, 0}, names, 2, 2};
    CHECK_OK(ltls_ext_add(&s, LTLS_EXT_CERTIFICATE_AUTHORITIES));
    block_round_trip(LTLS_EXT_CTX_CR, &s, "002f000b0009000230000003310130");
    CHECK(set2.certificate_authorities.count == 2);
    CHECK_ERR(block(LTLS_EXT_CTX_CR, "002f00020000"), LTLS_R_DECODE_LENGTH);     /* <3..> */
    CHECK_ERR(block(LTLS_EXT_CTX_CR, "002f000500030000" "00"), LTLS_R_DECODE_LENGTH);
    CHECK_ERR(block(LTLS_EXT_CTX_EE, "002f0007000500033101" "30"), LTLS_R_EXT_FORBIDDEN);
}

TEST(ext_key_share)
{
    static const uint8_t k1[4] = {1, 2, 3, 4}, k2[2] = {5, 6};
    fresh(LTLS_EXT_CTX_CH);
    s.key_share.count = 2;
    s.key_share.shares[0] = (ltls_key_share_t){0x001d, {k1, 4}};
    s.key_share.shares[1] = (ltls_key_share_t){0x0017, {k2, 2}};
    CHECK_OK(ltls_ext_add(&s, LTLS_EXT_KEY_SHARE));
    block_round_trip(LTLS_EXT_CTX_CH, &s, "00330010000e001d0004010203040017" "00020506");
    CHECK(set2.key_share.count == 2 && set2.key_share.shares[1].group == 0x0017);
    /* §4.2.8: no two shares for one group. */
    ltls_err_t e = block(LTLS_EXT_CTX_CH, "00330010000e001d000401020304001d00020506");
    CHECK_ERR(e, LTLS_R_EXT_KEY_SHARE_DUPLICATE);
    CHECK(ltls_err_alert(e) == LTLS_ALERT_ILLEGAL_PARAMETER);
    s.key_share.shares[1].group = 0x001d;
    ltls_writer_t w;
    size_t n;
    ltls_writer_init(&w, out, sizeof(out));
    ltls_ext_write_block(&w, LTLS_EXT_CTX_CH, &s);
    CHECK_ERR(ltls_writer_finish(&w, &n), LTLS_R_BAD_ARGUMENT);
    /* ServerHello: one entry; HelloRetryRequest: a group. */
    fresh(LTLS_EXT_CTX_SH);
    s.key_share.server = (ltls_key_share_t){0x001d, {k1, 4}};
    CHECK_OK(ltls_ext_add(&s, LTLS_EXT_KEY_SHARE));
    block_round_trip(LTLS_EXT_CTX_SH, &s, "00330008001d000401020304");
    fresh(LTLS_EXT_CTX_HRR);
    s.key_share.selected_group = 0x0017;
    CHECK_OK(ltls_ext_add(&s, LTLS_EXT_KEY_SHARE));
    block_round_trip(LTLS_EXT_CTX_HRR, &s, "003300020017");
    /* A large (hybrid-sized) share is just a view. */
    static uint8_t big[1216];
    fresh(LTLS_EXT_CTX_CH);
    s.key_share.count = 1;
    s.key_share.shares[0] = (ltls_key_share_t){0x11ec, {big, sizeof(big)}};
    CHECK_OK(ltls_ext_add(&s, LTLS_EXT_KEY_SHARE));
    ltls_writer_init(&w, out, sizeof(out));
    ltls_ext_write_block(&w, LTLS_EXT_CTX_CH, &s);
    CHECK_OK(ltls_writer_finish(&w, &n));
    CHECK_OK(ltls_ext_parse_block(LTLS_EXT_CTX_CH, out + 2, n - 2, &set));
    CHECK(set.key_share.shares[0].key_exchange.len == sizeof(big));
}

TEST(ext_recognised_raw_and_builders)
{
    static const uint8_t qtp[4] = {0x01, 0x02, 0x40, 0x64};
    fresh(LTLS_EXT_CTX_EE);
    CHECK_OK(ltls_ext_add_raw(&s, LTLS_EXT_CODE_QUIC_TRANSPORT_PARAMETERS, qtp, 4));
    block_round_trip(LTLS_EXT_CTX_EE, &s, "0039000401024064");
    CHECK(ltls_ext_has(&set2, LTLS_EXT_QUIC_TRANSPORT_PARAMETERS) && set2.entries[0].len == 4);
    /* Recognised, so outside its messages it is illegal_parameter. */
    CHECK_ERR(sh_parse("002b00020304" "0039000401024064"), LTLS_R_EXT_FORBIDDEN);
    CHECK_ERR(block(LTLS_EXT_CTX_EE, "ff01000100"), LTLS_R_EXT_FORBIDDEN); /* TLS 1.2 only */
    CHECK_OK(block(LTLS_EXT_CTX_CH, "ff01000100" "000b00020100" "00170000" "00230000"));
    CHECK(set.unknown == 0);
    /* Builders refuse what would make a set say two things. */
    CHECK_ERR(ltls_ext_add_raw(&s, LTLS_EXT_CODE_KEY_SHARE, qtp, 4), LTLS_R_BAD_ARGUMENT);
    CHECK_ERR(ltls_ext_add_raw(&s, LTLS_EXT_CODE_QUIC_TRANSPORT_PARAMETERS, qtp, 4),
              LTLS_R_BAD_ARGUMENT);
    CHECK_ERR(ltls_ext_add(&s, LTLS_EXT_EC_POINT_FORMATS), LTLS_R_BAD_ARGUMENT);
    CHECK_ERR(ltls_ext_add(&s, (ltls_ext_id_t)LTLS_EXT_COUNT_), LTLS_R_BAD_ARGUMENT);
    fresh(LTLS_EXT_CTX_CH);
    for (int i = 0; i < LTLS_MSG_MAX_EXTENSIONS; i++)
        CHECK_OK(ltls_ext_add_raw(&s, (uint16_t)(0x5000 + i), NULL, 0));
    CHECK_ERR(ltls_ext_add_raw(&s, 0x6000, NULL, 0), LTLS_R_MSG_TOO_MANY);
    /* 64 unknown extensions are accepted in a ClientHello, 65 are not. */
    ltls_writer_t w;
    size_t n;
    ltls_writer_init(&w, out, sizeof(out));
    ltls_ext_write_block(&w, LTLS_EXT_CTX_CH, &s);
    CHECK_OK(ltls_writer_finish(&w, &n));
    CHECK_OK(ltls_ext_parse_block(LTLS_EXT_CTX_CH, out + 2, n - 2, &set));
    CHECK(set.unknown == 64);
    out[n] = 0x60, out[n + 1] = 0, out[n + 2] = 0, out[n + 3] = 0;
    CHECK_ERR(ltls_ext_parse_block(LTLS_EXT_CTX_CH, out + 2, n + 2, &set), LTLS_R_MSG_TOO_MANY);
    /* The writer refuses an extension outside its messages. */
    fresh(LTLS_EXT_CTX_EE);
    s.key_share.selected_group = 0x1d;
    CHECK_OK(ltls_ext_add(&s, LTLS_EXT_KEY_SHARE));
    ltls_writer_init(&w, out, sizeof(out));
    ltls_ext_write_block(&w, LTLS_EXT_CTX_EE, &s);
    CHECK_ERR(ltls_writer_finish(&w, &n), LTLS_R_BAD_ARGUMENT);
}

/* ========================================================================
 * The other messages
 * ====================================================================== */

TEST(encrypted_extensions)
{
    ltls_bytes_t name = {(const uint8_t *)"h2", 2};
    memset(&built, 0, sizeof(built));
    ltls_ext_set_init(&built.ee.exts, LTLS_EXT_CTX_EE);
    built.ee.exts.alpn = (ltls_blob_list_t){{NULL, 0}, &name, 1, 1};
    built.ee.exts.record_size_limit = 0x4001;
    CHECK_OK(ltls_ext_add(&built.ee.exts, LTLS_EXT_SERVER_NAME));
    CHECK_OK(ltls_ext_add(&built.ee.exts, LTLS_EXT_ALPN));
    CHECK_OK(ltls_ext_add(&built.ee.exts, LTLS_EXT_RECORD_SIZE_LIMIT));
    CHECK_OK(ltls_ext_add(&built.ee.exts, LTLS_EXT_EARLY_DATA));
    CHECK(build_and_round_trip(LTLS_MSG_ENCRYPTED_EXTENSIONS, &built) > 0);
    CHECK(parsed.ee.exts.count == 4 && parsed.ee.exts.alpn.count == 1);
    /* Empty EE. */
    ltls_ext_set_init(&built.ee.exts, LTLS_EXT_CTX_EE);
    CHECK(build_and_round_trip(LTLS_MSG_ENCRYPTED_EXTENSIONS, &built) == 6);
    ltls_encrypted_extensions_t ee;
    size_t n = test_unhex("0008" "00330008001d000401020304", in, sizeof(in));
    CHECK_ERR(ltls_msg_parse_encrypted_extensions(in, n, &ee), LTLS_R_DECODE_TRAILING);
    n = test_unhex("000c" "00330008001d000401020304", in, sizeof(in));
    CHECK_ERR(ltls_msg_parse_encrypted_extensions(in, n, &ee), LTLS_R_EXT_FORBIDDEN);
    n = test_unhex("0004" "5a5a0000", in, sizeof(in));
    CHECK_ERR(ltls_msg_parse_encrypted_extensions(in, n, &ee), LTLS_R_EXT_UNSOLICITED);
    n = test_unhex("0008" "00000000" "00000000", in, sizeof(in));
    CHECK_ERR(ltls_msg_parse_encrypted_extensions(in, n, &ee), LTLS_R_EXT_DUPLICATE);
    n = test_unhex("0000" "00", in, sizeof(in));
    CHECK_ERR(ltls_msg_parse_encrypted_extensions(in, n, &ee), LTLS_R_DECODE_TRAILING);
    CHECK_ERR(ltls_msg_parse_encrypted_extensions(in, 1, &ee), LTLS_R_DECODE_TRUNCATED);
}

TEST(certificate_request)
{
    static const uint16_t sigs[] = {0x0804, 0x0403};
    static const uint8_t ctx[] = {0xc0, 0xde};
    memset(&built, 0, sizeof(built));
    built.cr.context = (ltls_bytes_t){ctx, 2};
    ltls_ext_set_init(&built.cr.exts, LTLS_EXT_CTX_CR);
    built.cr.exts.signature_algorithms = (ltls_u16_list_t){NULL, sigs, 2};
    CHECK_OK(ltls_ext_add(&built.cr.exts, LTLS_EXT_SIGNATURE_ALGORITHMS));
    CHECK_OK(ltls_ext_add_raw(&built.cr.exts, 0xdada, (const uint8_t *)"\x01", 1)); /* GREASE */
    CHECK_OK(ltls_ext_add(&built.cr.exts, LTLS_EXT_STATUS_REQUEST));
    CHECK(build_and_round_trip(LTLS_MSG_CERTIFICATE_REQUEST, &built) > 0);
    CHECK(parsed.cr.context.len == 2 && parsed.cr.exts.grease == 1 && parsed.cr.exts.unknown == 1);
    ltls_certificate_request_t cr;
    /* signature_algorithms is required (§4.3.2). */
    size_t n = test_unhex("00" "0004" "00050000", in, sizeof(in));
    ltls_err_t e = ltls_msg_parse_certificate_request(in, n, &cr);
    CHECK_ERR(e, LTLS_R_EXT_MISSING);
    CHECK(ltls_err_alert(e) == LTLS_ALERT_MISSING_EXTENSION);
    n = test_unhex("00" "0000", in, sizeof(in)); /* extensions<2..2^16-1> */
    CHECK_ERR(ltls_msg_parse_certificate_request(in, n, &cr), LTLS_R_DECODE_LENGTH);
    n = test_unhex("00" "000c" "000d000400020804" "002a0000", in, sizeof(in));
    CHECK_ERR(ltls_msg_parse_certificate_request(in, n, &cr), LTLS_R_EXT_FORBIDDEN);
    ltls_writer_t w;
    ltls_ext_set_init(&built.cr.exts, LTLS_EXT_CTX_CR);
    ltls_writer_init(&w, out, sizeof(out));
    ltls_msg_write_certificate_request(&w, &built.cr);
    CHECK_ERR(ltls_writer_finish(&w, &n), LTLS_R_BAD_ARGUMENT);
}

TEST(certificate_with_entry_extensions)
{
    static const uint8_t c1[] = {0x30, 0x03, 0x02, 0x01, 0x01}, c2[] = {0x30, 0x01, 0x00};
    static const uint8_t resp[] = {0x30, 0x03, 0x0a, 0x01, 0x00}, sct[] = {0x00, 0x02, 0xab, 0xcd};
    static ltls_ext_set_t e1;
    ltls_ext_set_init(&e1, LTLS_EXT_CTX_CT);
    e1.status.type = LTLS_MSG_STATUS_OCSP;
    e1.status.response = (ltls_bytes_t){resp, sizeof(resp)};
    CHECK_OK(ltls_ext_add(&e1, LTLS_EXT_STATUS_REQUEST));
    CHECK_OK(ltls_ext_add_raw(&e1, LTLS_EXT_CODE_SIGNED_CERTIFICATE_TIMESTAMP, sct, 4));
    ltls_cert_entry_t entries[2] = {{{c1, sizeof(c1)}, {NULL, 0}, &e1},
                                    {{c2, sizeof(c2)}, {NULL, 0}, NULL}};
    memset(&built, 0, sizeof(built));
    built.cert.items = entries;
    built.cert.count = 2;
    size_t n = build_and_round_trip(LTLS_MSG_CERTIFICATE, &built);
    uint8_t want[64];
    size_t wn = test_unhex("0b00002b" "00" "000027"
                           "000005" "3003020101" "0015" "000500090100000530030a0100" "00120004"
                           "0002abcd"
                           "000003" "300100" "0000",
                           want, sizeof(want));
    CHECK(n == wn);
    CHECK_MEM(in, want, wn);
    ltls_iter_t it = {0, 0};
    ltls_cert_entry_t e;
    CHECK(parsed.cert.count == 2);
    CHECK(ltls_msg_certificate_next(&parsed.cert, &it, &e) && e.data.len == 5 && e.ext_block.len == 21);
    CHECK_OK(ltls_ext_parse_block(LTLS_EXT_CTX_CT, e.ext_block.p, e.ext_block.len, &set));
    CHECK(set.status.response.len == 5 && ltls_ext_has(&set, LTLS_EXT_SIGNED_CERTIFICATE_TIMESTAMP));
    CHECK(ltls_msg_certificate_next(&parsed.cert, &it, &e) && e.data.len == 3 && e.ext_block.len == 0);
    CHECK(!ltls_msg_certificate_next(&parsed.cert, &it, &e));
    /* An empty chain (a client without a certificate) with a context. */
    memset(&built, 0, sizeof(built));
    built.cert.context = (ltls_bytes_t){c2, 3};
    CHECK(build_and_round_trip(LTLS_MSG_CERTIFICATE, &built) == 11);

    ltls_certificate_t ct;
    /* cert_data <1..2^24-1>. */
    n = test_unhex("00" "000005" "000000" "0000", in, sizeof(in));
    CHECK_ERR(ltls_msg_parse_certificate(in, n, &ct), LTLS_R_DECODE_LENGTH);
    /* Entry extensions answer a request: unknown is unsupported_extension,
     * known-but-misplaced is illegal_parameter, a duplicate too. */
    n = test_unhex("00" "00000c" "000003300100" "00041a1a0000", in, sizeof(in));
    CHECK_ERR(ltls_msg_parse_certificate(in, n, &ct), LTLS_R_EXT_UNSOLICITED);
    n = test_unhex("00" "00000c" "000003300100" "0004002a0000", in, sizeof(in));
    CHECK_ERR(ltls_msg_parse_certificate(in, n, &ct), LTLS_R_EXT_FORBIDDEN);
    n = test_unhex("00" "000010" "000003300100" "000800120000" "00120000", in, sizeof(in));
    CHECK_ERR(ltls_msg_parse_certificate(in, n, &ct), LTLS_R_EXT_DUPLICATE);
    n = test_unhex("00" "000011" "000003300100" "0009000500050200000100", in, sizeof(in));
    CHECK_ERR(ltls_msg_parse_certificate(in, n, &ct), LTLS_R_EXT_STATUS_TYPE);
    /* The list length running past the message. */
    n = test_unhex("00" "000009" "000003300100" "0000", in, sizeof(in));
    CHECK_ERR(ltls_msg_parse_certificate(in, n, &ct), LTLS_R_DECODE_TRUNCATED);
    /* Trailing bytes inside the list. */
    n = test_unhex("00" "000009" "000003300100" "000000", in, sizeof(in));
    CHECK_ERR(ltls_msg_parse_certificate(in, n, &ct), LTLS_R_DECODE_TRUNCATED);
}

TEST(certificate_verify_and_finished)
{
    static const uint8_t sig[3] = {1, 2, 3}, mac[48] = {7};
    memset(&built, 0, sizeof(built));
    built.cv.scheme = 0x0804;
    built.cv.signature = (ltls_bytes_t){sig, 3};
    CHECK(build_and_round_trip(LTLS_MSG_CERTIFICATE_VERIFY, &built) == 11);
    CHECK(in[4] == 0x08 && in[5] == 0x04 && in[6] == 0 && in[7] == 3);
    ltls_certificate_verify_t cv;
    size_t n = test_unhex("08040003" "0102", in, sizeof(in));
    CHECK_ERR(ltls_msg_parse_certificate_verify(in, n, &cv), LTLS_R_DECODE_TRUNCATED);
    n = test_unhex("08040002" "010203", in, sizeof(in));
    CHECK_ERR(ltls_msg_parse_certificate_verify(in, n, &cv), LTLS_R_DECODE_TRAILING);

    memset(&built, 0, sizeof(built));
    built.fin.verify_data = (ltls_bytes_t){mac, 48};
    CHECK(build_and_round_trip(LTLS_MSG_FINISHED, &built) == 52);
    ltls_finished_t f;
    CHECK_OK(ltls_msg_parse_finished(mac, 48, 48, &f));
    CHECK(f.verify_data.p == mac);
    ltls_err_t e = ltls_msg_parse_finished(mac, 47, 48, &f);
    CHECK_ERR(e, LTLS_R_MSG_FINISHED_LENGTH);
    CHECK(ltls_err_alert(e) == LTLS_ALERT_DECODE_ERROR);
    CHECK_ERR(ltls_msg_parse_finished(mac, 48, 32, &f), LTLS_R_MSG_FINISHED_LENGTH);
    CHECK_ERR(ltls_msg_parse_finished(mac, 0, 0, &f), LTLS_R_MSG_FINISHED_LENGTH);
}

TEST(new_session_ticket)
{
    static const uint8_t nonce[1] = {0}, ticket[3] = {9, 8, 7};
    memset(&built, 0, sizeof(built));
    built.nst.lifetime = LTLS_MSG_TICKET_LIFETIME_MAX;
    built.nst.age_add = 0xdeadbeef;
    built.nst.nonce = (ltls_bytes_t){nonce, 1};
    built.nst.ticket = (ltls_bytes_t){ticket, 3};
    ltls_ext_set_init(&built.nst.exts, LTLS_EXT_CTX_NST);
    built.nst.exts.max_early_data_size = 16384;
    CHECK_OK(ltls_ext_add(&built.nst.exts, LTLS_EXT_EARLY_DATA));
    CHECK_OK(ltls_ext_add_raw(&built.nst.exts, 0x8a8a, NULL, 0)); /* GREASE (RFC 8701 §4.1) */
    CHECK(build_and_round_trip(LTLS_MSG_NEW_SESSION_TICKET, &built) > 0);
    CHECK(parsed.nst.lifetime == 604800 && parsed.nst.age_add == 0xdeadbeef);
    CHECK(parsed.nst.exts.max_early_data_size == 16384 && parsed.nst.exts.grease == 1);
    ltls_new_session_ticket_t t;
    /* §4.6.1: over seven days. */
    size_t n = test_unhex("00093a81" "00000000" "00" "0001aa" "0000", in, sizeof(in));
    ltls_err_t e = ltls_msg_parse_new_session_ticket(in, n, &t);
    CHECK_ERR(e, LTLS_R_MSG_TICKET_LIFETIME);
    CHECK(ltls_err_alert(e) == LTLS_ALERT_ILLEGAL_PARAMETER);
    n = test_unhex("00093a80" "00000000" "00" "0001aa" "0000", in, sizeof(in));
    CHECK_OK(ltls_msg_parse_new_session_ticket(in, n, &t));
    n = test_unhex("00000000" "00000000" "00" "0000" "0000", in, sizeof(in)); /* ticket <1..> */
    CHECK_ERR(ltls_msg_parse_new_session_ticket(in, n, &t), LTLS_R_DECODE_LENGTH);
    n = test_unhex("0000001e" "00000000" "00" "0001aa" "00040033" "0000", in, sizeof(in));
    CHECK_ERR(ltls_msg_parse_new_session_ticket(in, n, &t), LTLS_R_EXT_FORBIDDEN);
    built.nst.lifetime = 604801;
    ltls_writer_t w;
    ltls_writer_init(&w, out, sizeof(out));
    ltls_msg_write_new_session_ticket(&w, &built.nst);
    CHECK_ERR(ltls_writer_finish(&w, &n), LTLS_R_BAD_ARGUMENT);
}

TEST(key_update_and_end_of_early_data)
{
    for (uint8_t v = 0; v <= 1; v++) {
        memset(&built, 0, sizeof(built));
        built.ku.request_update = v;
        CHECK(build_and_round_trip(LTLS_MSG_KEY_UPDATE, &built) == 5);
        CHECK(in[0] == 24 && in[4] == v);
    }
    ltls_key_update_t ku;
    const uint8_t two = 2, bad[2] = {1, 0};
    ltls_err_t e = ltls_msg_parse_key_update(&two, 1, &ku);
    CHECK_ERR(e, LTLS_R_MSG_KEY_UPDATE_VALUE);
    CHECK(ltls_err_alert(e) == LTLS_ALERT_ILLEGAL_PARAMETER);
    const uint8_t ff = 0xff;
    CHECK_ERR(ltls_msg_parse_key_update(&ff, 1, &ku), LTLS_R_MSG_KEY_UPDATE_VALUE);
    CHECK_ERR(ltls_msg_parse_key_update(bad, 2, &ku), LTLS_R_DECODE_TRAILING);
    CHECK_ERR(ltls_msg_parse_key_update(bad, 0, &ku), LTLS_R_DECODE_TRUNCATED);

    CHECK(build_and_round_trip(LTLS_MSG_END_OF_EARLY_DATA, &built) == 4);
    CHECK(in[0] == 5 && in[1] == 0 && in[2] == 0 && in[3] == 0);
    CHECK_OK(ltls_msg_parse_end_of_early_data(NULL, 0));
    CHECK_ERR(ltls_msg_parse_end_of_early_data(bad, 1), LTLS_R_DECODE_TRAILING);
}

TEST(null_arguments)
{
    CHECK_ERR(ltls_msg_parse_client_hello(NULL, 5, &ch), LTLS_R_NULL_ARGUMENT);
    CHECK_ERR(ltls_msg_parse_server_hello(in, 5, NULL), LTLS_R_NULL_ARGUMENT);
    CHECK_ERR(ltls_ext_parse_block(LTLS_EXT_CTX_CH, in, 0, NULL), LTLS_R_NULL_ARGUMENT);
    CHECK_ERR(ltls_ext_parse_block(LTLS_EXT_CTX_COUNT_, in, 0, &set), LTLS_R_BAD_ARGUMENT);
    CHECK_ERR(ltls_msg_parse_header(NULL, 0, NULL, NULL), LTLS_R_NULL_ARGUMENT);
    CHECK(ltls_msg_downgrade(NULL) == LTLS_MSG_DOWNGRADE_NONE);
    /* A type without a parser is the dispatching caller's bug; Finished's
     * length goes through to its parser. */
    CHECK_ERR(ltls_msg_parse_any(LTLS_MSG_MESSAGE_HASH, in, 0, 0, &parsed), LTLS_R_INTERNAL);
    CHECK_ERR(ltls_msg_parse_any(LTLS_MSG_FINISHED, in, 31, 32, &parsed), LTLS_R_MSG_FINISHED_LENGTH);
}


/* Every single-byte mutation of every RFC 8448 message either fails to parse
 * or parses to a struct that is written back to exactly the mutated bytes:
 * parsing loses nothing (padding contents aside, which are ignored by design)
 * and no writer is stricter than its parser. Run under ASan and valgrind this
 * also walks every parser through thousands of near-valid inputs. */
TEST(mutations_parse_or_round_trip)
{
    const char *msgs[] = {
        RFC8448_S3_HANDSHAKE_MESSAGES_CLIENT_HELLO, RFC8448_S3_HANDSHAKE_MESSAGES_SERVER_HELLO,
        RFC8448_S3_HANDSHAKE_MESSAGES_ENCRYPTED_EXTENSIONS, RFC8448_S3_HANDSHAKE_MESSAGES_CERTIFICATE,
        RFC8448_S3_HANDSHAKE_MESSAGES_CERTIFICATE_VERIFY, RFC8448_S3_HANDSHAKE_MESSAGES_NEW_SESSION_TICKET,
        RFC8448_S4_HANDSHAKE_MESSAGES_CLIENT_HELLO, RFC8448_S4_HANDSHAKE_MESSAGES_SERVER_HELLO,
        RFC8448_S4_HANDSHAKE_MESSAGES_ENCRYPTED_EXTENSIONS};
    size_t accepted = 0, rejected = 0;
    for (size_t k = 0; k < sizeof(msgs) / sizeof(msgs[0]); k++) {
        static uint8_t orig[1024];
        size_t n = test_unhex(msgs[k], orig, sizeof(orig));
        for (size_t i = 4; i < n; i++) {
            const uint8_t vals[4] = {0x00, 0xff, (uint8_t)(orig[i] ^ 1), (uint8_t)(orig[i] + 1)};
            for (int v = 0; v < 4; v++) {
                uint8_t *body = malloc(n - 4);
                memcpy(body, orig + 4, n - 4);
                body[i - 4] = vals[v];
                ltls_err_t e = ltls_msg_parse_any(orig[0], body, n - 4, 0, &parsed);
                if (e) {
                    rejected++;
                    CHECK(ltls_err_class(e) == LTLS_ECLASS_LOCAL_ALERT);
                    free(body);
                    continue;
                }
                accepted++;
                ltls_writer_t w;
                size_t wn;
                ltls_writer_init(&w, out, sizeof(out));
                write_any(&w, orig[0], &parsed);
                e = ltls_writer_finish(&w, &wn);
                if (orig[0] == LTLS_MSG_CLIENT_HELLO) {
                    /* Padding is written as zeros whatever it held. */
                    const ltls_ext_set_t *x = &parsed.ch.exts;
                    for (size_t j = 0; j < x->count; j++)
                        if (x->entries[j].id == LTLS_EXT_PADDING && x->entries[j].len)
                            memset(body + (x->entries[j].body - body), 0, x->entries[j].len);
                }
                if (e || wn != n || memcmp(out + 4, body, n - 4) != 0) {
                    free(body);
                    TEST_FAIL_("message %zu byte %zu value %02x: %s", k, i, vals[v],
                               e ? ltls_err_reason_name(e) : "bytes differ");
                }
                free(body);
            }
        }
    }
    CHECK(accepted > 100 && rejected > 100);
}

int main(void)
{
    RUN(rfc8448_s3_client_hello);
    RUN(rfc8448_s4_client_hello_with_psk);
    RUN(rfc8448_server_hellos);
    RUN(rfc8448_encrypted_extensions);
    RUN(rfc8448_certificate_and_verify);
    RUN(rfc8448_finished_ticket_and_eoed);
    RUN(client_hello_truncated_at_every_byte);
    RUN(client_hello_trailing_bytes);
    RUN(client_hello_legacy_fields);
    RUN(client_hello_vector_bounds);
    RUN(client_hello_extension_rules);
    RUN(client_hello_tls13_requirements);
    RUN(client_hello_grease_is_ignored);
    RUN(client_hello_hostile_sizes_in_bounded_time);
    RUN(client_hello_built_with_binders_and_padding);
    RUN(server_hello_checks);
    RUN(server_hello_tls12_and_downgrade);
    RUN(hello_retry_request);
    RUN(registry_is_consistent_with_rfc8446_table);
    RUN(ext_server_name);
    RUN(ext_status_request);
    RUN(ext_groups_and_signature_algorithms);
    RUN(ext_alpn);
    RUN(ext_padding_and_record_size_limit);
    RUN(ext_pre_shared_key_and_modes);
    RUN(ext_versions_cookie_early_data_pha);
    RUN(ext_certificate_authorities);
    RUN(ext_key_share);
    RUN(ext_recognised_raw_and_builders);
    RUN(encrypted_extensions);
    RUN(certificate_request);
    RUN(certificate_with_entry_extensions);
    RUN(certificate_verify_and_finished);
    RUN(new_session_ticket);
    RUN(key_update_and_end_of_early_data);
    RUN(null_arguments);
    RUN(mutations_parse_or_round_trip);
    return test_done();
}
