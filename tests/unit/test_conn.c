/*
 * tests/unit/test_conn.c - an established TLS 1.3 connection (src/hs/conn.c):
 * application data, fragmentation, queued writes, KeyUpdate, closure,
 * record_size_limit, the AEAD limits, alerts, and the records a peer may not
 * send (corrupted, truncated, oversized, floods, change_cipher_spec at the
 * wrong time, messages across a key change). Records that a well-behaved
 * lucidtls peer never sends are sealed in the test with that peer's own
 * write direction, as a misbehaving implementation holding the keys would.
 */
#include "hs_fixture.h"

#include "record/record.h"

static int established(fx_pair_t *p, const ltls_config_t *cc, const ltls_config_t *sc)
{
    if (fx_pair_new(p, cc, sc, "localhost"))
        return 0;
    return fx_handshake(p, NULL, NULL) == LTLS_OK;
}

static int setup(fx_pair_t *p)
{
    ltls_config_t cc = fx_client_config(), sc = fx_server_config(FX_P256);
    return established(p, &cc, &sc);
}

/* Every record in from's outgoing bytes: largest ciphertext body, count of
 * application_data records. */
static void scan_records(ltls_conn_t *from, size_t *max_body, size_t *count, uint8_t type_only)
{
    size_t len, off = 0;
    const uint8_t *out = ltls_conn_outgoing(from, &len);
    *max_body = 0;
    *count = 0;
    while (off + 5 <= len) {
        size_t body = (size_t)out[off + 3] << 8 | out[off + 4];
        if (!type_only || out[off] == type_only) {
            if (body > *max_body)
                *max_body = body;
            (*count)++;
        }
        off += 5 + body;
    }
}

/* Seals one record with conn's own write keys and feeds it to the peer. */

/* ------------------------------------------------------------------------
 * Application data
 * ---------------------------------------------------------------------- */

TEST(large_writes_fragment_and_short_reads)
{
    fx_pair_t p;
    CHECK(setup(&p));
    size_t total = (size_t)1 << 20;
    uint8_t *data = malloc(total), *got = malloc(total);
    for (size_t i = 0; i < total; i++)
        data[i] = (uint8_t)(i * 7 + (i >> 11));
    size_t sent = 0, recvd = 0, max_body = 0, records = 0;
    int short_writes = 0;
    while (recvd < total) {
        size_t n = 0;
        if (sent < total) {
            ltls_err_t e = ltls_conn_write(p.c, data + sent, total - sent, &n);
            CHECK(e == LTLS_OK || e == ltls_err_make(LTLS_R_WANT_WRITE));
            sent += n;
            short_writes += sent < total;
        }
        size_t mb, cnt;
        scan_records(p.c, &mb, &cnt, 23);
        if (mb > max_body)
            max_body = mb;
        records += cnt;
        fx_pump(p.c, p.s);
        /* short reads: an odd small buffer */
        for (;;) {
            ltls_err_t e = ltls_conn_read(p.s, got + recvd, recvd + 1000 <= total ? 1000 : total - recvd, &n);
            if (e != LTLS_OK || n == 0)
                break;
            recvd += n;
            fx_pump(p.c, p.s);
        }
    }
    CHECK(recvd == total && memcmp(data, got, total) == 0);
    /* §5.1: at most 2^14 bytes of plaintext per record: 2^14 + type + tag. */
    CHECK(max_body == 16384 + 1 + 16);
    CHECK(records == total / 16384);
    CHECK(short_writes > 0); /* the outgoing buffer is bounded */
    free(data);
    free(got);
    fx_pair_free(&p);
}

TEST(data_both_ways_and_tiny_reads)
{
    fx_pair_t p;
    CHECK(setup(&p));
    const char msg[] = "hello, world";
    size_t n;
    CHECK_OK(ltls_conn_write(p.s, (const uint8_t *)msg, sizeof(msg), &n));
    CHECK(n == sizeof(msg));
    fx_pump(p.s, p.c);
    char buf[sizeof(msg)];
    for (size_t i = 0; i < sizeof(msg); i++) {
        CHECK_OK(ltls_conn_read(p.c, (uint8_t *)buf + i, 1, &n));
        CHECK(n == 1);
    }
    CHECK(memcmp(buf, msg, sizeof(msg)) == 0);
    CHECK_ERR(ltls_conn_read(p.c, (uint8_t *)buf, sizeof(buf), &n), LTLS_R_WANT_READ);
    /* a zero-length write sends nothing */
    CHECK_OK(ltls_conn_write(p.c, (const uint8_t *)msg, 0, &n));
    CHECK(n == 0 && ltls_conn_outgoing_buffered(p.c) == 0);
    fx_pair_free(&p);
}

TEST(writes_before_handshake_are_queued)
{
    ltls_config_t cc = fx_client_config(), sc = fx_server_config(FX_P256);
    fx_pair_t p;
    CHECK_OK(fx_pair_new(&p, &cc, &sc, "localhost"));
    const char early[] = "GET / HTTP/1.0\r\n\r\n";
    size_t n;
    CHECK_OK(ltls_conn_write(p.c, (const uint8_t *)early, sizeof(early), &n));
    CHECK(n == sizeof(early));
    /* Only the ClientHello left: no application data before keys exist. */
    size_t mb, cnt;
    scan_records(p.c, &mb, &cnt, 23);
    CHECK(cnt == 0);
    scan_records(p.c, &mb, &cnt, 0);
    CHECK(cnt == 1);
    /* The queue is bounded. */
    static uint8_t big[70000];
    CHECK_OK(ltls_conn_write(p.c, big, sizeof(big), &n));
    CHECK(n == LTLS_CONN_QUEUE_MAX - sizeof(early));
    CHECK_ERR(ltls_conn_write(p.c, big, sizeof(big), &n), LTLS_R_WANT_READ);
    CHECK(n == 0);

    fx_pump(p.c, p.s);
    CHECK_ERR(ltls_conn_handshake(p.s), LTLS_R_WANT_READ);
    /* The server, too, queues until the client's Finished: its flight
     * carries no application data. */
    CHECK_OK(ltls_conn_write(p.s, (const uint8_t *)"resp", 4, &n));
    CHECK(n == 4);
    scan_records(p.s, &mb, &cnt, 23);
    size_t flight_records = cnt;
    fx_pump(p.s, p.c);
    CHECK_OK(ltls_conn_handshake(p.c));
    fx_pump(p.c, p.s);
    CHECK_OK(ltls_conn_handshake(p.s));
    CHECK(flight_records >= 1); /* the encrypted handshake records only */
    uint8_t buf[sizeof(early)];
    CHECK_OK(ltls_conn_read(p.s, buf, sizeof(buf), &n));
    CHECK(n == sizeof(early) && memcmp(buf, early, n) == 0);
    fx_pump(p.s, p.c);
    CHECK_OK(ltls_conn_read(p.c, buf, sizeof(buf), &n));
    CHECK(n == 4 && memcmp(buf, "resp", 4) == 0);
    fx_pair_free(&p);
}

/* ------------------------------------------------------------------------
 * KeyUpdate
 * ---------------------------------------------------------------------- */

static int say(ltls_conn_t *from, ltls_conn_t *to, const char *text)
{
    size_t n, len = strlen(text);
    uint8_t buf[256];
    if (ltls_conn_write(from, (const uint8_t *)text, len, &n) || n != len)
        return 0;
    fx_pump(from, to);
    ltls_err_t e = ltls_conn_read(to, buf, sizeof(buf), &n);
    fx_pump(to, from); /* whatever the reader owes (a KeyUpdate) */
    return e == LTLS_OK && n == len && memcmp(buf, text, len) == 0;
}

TEST(key_update_both_ways)
{
    fx_pair_t p;
    CHECK(setup(&p));
    uint8_t cw[32], sw[32];
    memcpy(cw, p.c->wr_secret, 32);
    memcpy(sw, p.s->wr_secret, 32);

    /* not requested: only the client's direction changes */
    CHECK_OK(ltls_conn_key_update(p.c, 0));
    CHECK(memcmp(cw, p.c->wr_secret, 32) != 0);
    CHECK(say(p.c, p.s, "after client update"));
    CHECK(memcmp(p.s->rd_secret, p.c->wr_secret, 32) == 0);
    CHECK(memcmp(sw, p.s->wr_secret, 32) == 0);
    CHECK(say(p.s, p.c, "server, old key"));

    /* requested (§4.6.3): the peer answers with its own update */
    memcpy(cw, p.c->wr_secret, 32);
    CHECK_OK(ltls_conn_key_update(p.s, 1));
    CHECK(say(p.s, p.c, "after server update"));
    CHECK(memcmp(cw, p.c->wr_secret, 32) != 0);
    CHECK(memcmp(p.c->rd_secret, p.s->wr_secret, 32) == 0);
    CHECK(say(p.c, p.s, "client, new key"));
    CHECK(memcmp(p.s->rd_secret, p.c->wr_secret, 32) == 0);
    CHECK(say(p.s, p.c, "and back"));
    CHECK(p.c->rd.seq == 2 && p.s->rd.seq == 1);
    fx_pair_free(&p);
}

TEST(key_update_flood_is_bounded)
{
    fx_pair_t p;
    CHECK(setup(&p));
    /* 500 requests in a row, read in one go: one answer. */
    for (int i = 0; i < 500; i++) {
        CHECK_OK(ltls_conn_key_update(p.c, 1));
        fx_pump(p.c, p.s);
        if (ltls_conn_outgoing_buffered(p.c)) { /* the server's buffer is full: let it work */
            uint8_t b[8];
            size_t n;
            CHECK_ERR(ltls_conn_read(p.s, b, sizeof(b), &n), LTLS_R_WANT_READ);
            fx_pump(p.c, p.s);
        }
    }
    uint8_t b[8];
    size_t n;
    CHECK_ERR(ltls_conn_read(p.s, b, sizeof(b), &n), LTLS_R_WANT_READ);
    size_t mb, cnt;
    scan_records(p.s, &mb, &cnt, 0);
    CHECK(cnt <= 8); /* one per read call, not one per request */
    CHECK(ltls_conn_outgoing_buffered(p.s) < 8 * 64);
    fx_pump(p.s, p.c);
    CHECK(say(p.c, p.s, "still fine"));
    CHECK(say(p.s, p.c, "both ways"));
    fx_pair_free(&p);
}

TEST(automatic_key_update_before_aead_limit)
{
    fx_pair_t p;
    CHECK(setup(&p));
    /* Pretend the AEAD allows 6 records per key (§5.5). */
    p.c->wr.max_records = 6;
    uint8_t before[32];
    memcpy(before, p.c->wr_secret, 32);
    for (int i = 0; i < 20; i++) {
        char msg[32];
        snprintf(msg, sizeof(msg), "record %d", i);
        CHECK(say(p.c, p.s, msg));
        CHECK(p.c->wr.seq < 6);
        if (p.c->wr.max_records > 6)
            p.c->wr.max_records = 6; /* each new key gets the small limit too */
    }
    CHECK(memcmp(before, p.c->wr_secret, 32) != 0);

    /* The read side asks the peer to update (update_requested). */
    p.c->wr.max_records = p.c->wr.aead->max_records;
    p.s->rd.max_records = 8;
    memcpy(before, p.c->wr_secret, 32);
    uint8_t server_before[32];
    memcpy(server_before, p.s->wr_secret, 32);
    for (int i = 0; i < 8; i++) {
        CHECK(say(p.c, p.s, "towards the limit"));
        /* the client answers the server's request when it reads */
        uint8_t b[8];
        size_t n;
        CHECK_ERR(ltls_conn_read(p.c, b, sizeof(b), &n), LTLS_R_WANT_READ);
        fx_pump(p.c, p.s);
    }
    CHECK(memcmp(before, p.c->wr_secret, 32) != 0);
    CHECK(memcmp(server_before, p.s->wr_secret, 32) != 0); /* its request updated it */
    CHECK(p.s->rd.seq < 8);
    fx_pair_free(&p);
}

/* ------------------------------------------------------------------------
 * Closure
 * ---------------------------------------------------------------------- */

TEST(close_notify_half_close)
{
    fx_pair_t p;
    CHECK(setup(&p));
    size_t n;
    uint8_t buf[64];
    CHECK(say(p.c, p.s, "request"));
    CHECK_OK(ltls_conn_shutdown(p.c));
    CHECK_OK(ltls_conn_shutdown(p.c)); /* once */
    CHECK_ERR(ltls_conn_write(p.c, buf, 1, &n), LTLS_R_BAD_STATE);
    CHECK_ERR(ltls_conn_key_update(p.c, 0), LTLS_R_BAD_STATE);
    fx_pump(p.c, p.s);
    CHECK_ERR(ltls_conn_read(p.s, buf, sizeof(buf), &n), LTLS_R_CLOSED);
    CHECK_ERR(ltls_conn_read(p.s, buf, sizeof(buf), &n), LTLS_R_CLOSED);
    /* The server's write side is still open (§6.1). */
    CHECK_OK(ltls_conn_write(p.s, (const uint8_t *)"response", 8, &n));
    CHECK_OK(ltls_conn_shutdown(p.s));
    fx_pump(p.s, p.c);
    CHECK_OK(ltls_conn_read(p.c, buf, sizeof(buf), &n));
    CHECK(n == 8 && memcmp(buf, "response", 8) == 0);
    CHECK_ERR(ltls_conn_read(p.c, buf, sizeof(buf), &n), LTLS_R_CLOSED);
    /* Bytes after close_notify are ignored (§6.1). */
    size_t used;
    CHECK_OK(ltls_conn_feed(p.c, (const uint8_t *)"garbage", 7, &used));
    CHECK(used == 7);
    CHECK_ERR(ltls_conn_read(p.c, buf, sizeof(buf), &n), LTLS_R_CLOSED);
    CHECK(ltls_conn_error(p.c) == LTLS_OK && ltls_conn_error(p.s) == LTLS_OK);
    fx_pair_free(&p);
}

TEST(shutdown_before_handshake_follows_queued_data)
{
    ltls_config_t cc = fx_client_config(), sc = fx_server_config(FX_P256);
    fx_pair_t p;
    CHECK_OK(fx_pair_new(&p, &cc, &sc, "localhost"));
    size_t n;
    CHECK_OK(ltls_conn_write(p.c, (const uint8_t *)"last words", 10, &n));
    CHECK_OK(ltls_conn_shutdown(p.c));
    CHECK_OK(fx_handshake(&p, NULL, NULL));
    uint8_t buf[32];
    CHECK_OK(ltls_conn_read(p.s, buf, sizeof(buf), &n));
    CHECK(n == 10 && memcmp(buf, "last words", 10) == 0);
    CHECK_ERR(ltls_conn_read(p.s, buf, sizeof(buf), &n), LTLS_R_CLOSED);
    fx_pair_free(&p);
}

TEST(ragged_eof)
{
    fx_pair_t p;
    CHECK(setup(&p));
    size_t n;
    uint8_t buf[64];
    CHECK_OK(ltls_conn_write(p.c, (const uint8_t *)"partial", 7, &n));
    fx_pump(p.c, p.s);
    ltls_conn_feed_eof(p.s);
    CHECK_OK(ltls_conn_read(p.s, buf, sizeof(buf), &n)); /* what arrived is readable */
    CHECK(n == 7);
    CHECK_ERR(ltls_conn_read(p.s, buf, sizeof(buf), &n), LTLS_R_RAGGED_EOF);
    CHECK_ERR(ltls_conn_feed(p.s, buf, 1, &n), LTLS_R_BAD_STATE);
    fx_pair_free(&p);

    /* A record cut by the end of the transport is a truncation too. */
    CHECK(setup(&p));
    CHECK_OK(ltls_conn_write(p.c, (const uint8_t *)"truncated record", 16, &n));
    size_t len;
    const uint8_t *out = ltls_conn_outgoing(p.c, &len);
    size_t used;
    CHECK_OK(ltls_conn_feed(p.s, out, len - 3, &used));
    ltls_conn_feed_eof(p.s);
    CHECK_ERR(ltls_conn_read(p.s, buf, sizeof(buf), &n), LTLS_R_RAGGED_EOF);
    fx_pair_free(&p);

    /* During the handshake it is fatal. */
    ltls_config_t cc = fx_client_config(), sc = fx_server_config(FX_P256);
    CHECK_OK(fx_pair_new(&p, &cc, &sc, "localhost"));
    CHECK_ERR(ltls_conn_handshake(p.c), LTLS_R_WANT_READ);
    ltls_conn_feed_eof(p.c);
    CHECK_ERR(ltls_conn_handshake(p.c), LTLS_R_RAGGED_EOF);
    CHECK(ltls_err_reason(ltls_conn_error(p.c)) == LTLS_R_RAGGED_EOF);
    fx_pair_free(&p);
}

/* ------------------------------------------------------------------------
 * record_size_limit (RFC 8449)
 * ---------------------------------------------------------------------- */

TEST(record_size_limit)
{
    ltls_config_t cc = fx_client_config(), sc = fx_server_config(FX_RSA);
    cc.record_size_limit = 256;
    sc.record_size_limit = 512;
    fx_pair_t p;
    CHECK_OK(fx_pair_new(&p, &cc, &sc, "localhost"));
    ltls_conn_handshake(p.c);
    fx_pump(p.c, p.s);
    ltls_conn_handshake(p.s);
    /* The server's encrypted flight (a 2-certificate RSA chain) already
     * obeys the client's limit: inner plaintext <= 256, plus the tag. */
    size_t mb, cnt;
    scan_records(p.s, &mb, &cnt, 23);
    CHECK(mb <= 256 + 16 && cnt > 4);
    CHECK_OK(fx_handshake(&p, NULL, NULL));
    static uint8_t data[5000];
    size_t n;
    CHECK_OK(ltls_conn_write(p.s, data, sizeof(data), &n));
    scan_records(p.s, &mb, &cnt, 23);
    CHECK(mb == 256 + 16 && cnt == (sizeof(data) + 254) / 255);
    fx_pump(p.s, p.c);
    CHECK_OK(ltls_conn_write(p.c, data, sizeof(data), &n));
    scan_records(p.c, &mb, &cnt, 23);
    CHECK(mb == 512 + 16);
    fx_pump(p.c, p.s);
    static uint8_t got[5000];
    CHECK(fx_read_all(p.c, got, sizeof(got), NULL) == sizeof(data));
    CHECK(fx_read_all(p.s, got, sizeof(got), NULL) == sizeof(data));

    /* A record above our announced limit: record_overflow (RFC 8449 §4). */
    p.s->wr.max_plaintext = 16384; /* make the server misbehave */
    CHECK_OK(ltls_conn_write(p.s, data, 1000, &n));
    fx_pump(p.s, p.c);
    ltls_err_t e = ltls_conn_read(p.c, got, sizeof(got), &n);
    CHECK_ERR(e, LTLS_R_RECORD_OVERFLOW);
    fx_pump(p.c, p.s);
    e = ltls_conn_read(p.s, got, sizeof(got), &n);
    CHECK(ltls_err_class(e) == LTLS_ECLASS_PEER_ALERT && ltls_err_alert(e) == LTLS_ALERT_RECORD_OVERFLOW);
    fx_pair_free(&p);
}

/* ------------------------------------------------------------------------
 * Bad records
 * ---------------------------------------------------------------------- */

/* Client sends one record (edited by edit); returns the server's read
 * status; *alert_seen is what the client then reads. */
static ltls_err_t bad_record(fx_pair_t *p, int what, ltls_err_t *client_after)
{
    size_t n, len, used;
    uint8_t buf[LTLS_RECORD_MAX_SIZE + 64];
    if (ltls_conn_write(p->c, (const uint8_t *)"some application data", 21, &n))
        return LTLS_R_INTERNAL;
    const uint8_t *out = ltls_conn_outgoing(p->c, &len);
    memcpy(buf, out, len);
    ltls_conn_outgoing_consume(p->c, len);
    switch (what) {
    case 0: /* a flipped ciphertext bit */
        buf[10] ^= 0x20;
        break;
    case 1: /* the length field shortened: the tag is cut */
        buf[4]--;
        len--;
        break;
    case 2: /* oversized: 2^14 + 256 + 1 */
        buf[3] = (uint8_t)((16384 + 257) >> 8);
        buf[4] = (uint8_t)(16384 + 257);
        break;
    case 3: /* a bad legacy_record_version */
        buf[2] = 0x01;
        break;
    case 4: /* an unknown content type */
        buf[0] = 24;
        break;
    }
    ltls_conn_feed(p->s, buf, len, &used);
    ltls_err_t e = ltls_conn_read(p->s, buf, sizeof(buf), &n);
    fx_pump(p->s, p->c);
    *client_after = ltls_conn_read(p->c, buf, sizeof(buf), &n);
    return e;
}

static void bad_record_case(int what, ltls_reason_t reason, uint8_t alert)
{
    fx_pair_t p;
    CHECK(setup(&p));
    ltls_err_t ce, se = bad_record(&p, what, &ce);
    CHECK(ltls_err_reason(se) == reason);
    CHECK(ltls_err_alert(se) == alert);
    CHECK(ltls_err_class(ce) == LTLS_ECLASS_PEER_ALERT && ltls_err_alert(ce) == alert);
    fx_pair_free(&p);
}

TEST(corrupted_ciphertext)
{
    bad_record_case(0, LTLS_R_BAD_RECORD_MAC, LTLS_ALERT_BAD_RECORD_MAC);
}

TEST(truncated_record)
{
    bad_record_case(1, LTLS_R_BAD_RECORD_MAC, LTLS_ALERT_BAD_RECORD_MAC);
}

TEST(oversized_record)
{
    bad_record_case(2, LTLS_R_RECORD_OVERFLOW, LTLS_ALERT_RECORD_OVERFLOW);
}

TEST(bad_record_header)
{
    bad_record_case(3, LTLS_R_RECORD_BAD_VERSION, LTLS_ALERT_DECODE_ERROR);
    bad_record_case(4, LTLS_R_RECORD_BAD_TYPE, LTLS_ALERT_UNEXPECTED_MESSAGE);
}

TEST(empty_record_flood)
{
    fx_pair_t p;
    CHECK(setup(&p));
    uint8_t b[8];
    size_t n;
    /* A few empty records are legal (§5.1) and ignored. */
    for (int i = 0; i < 5; i++)
        CHECK_OK(fx_inject(p.c, p.s, 23, NULL, 0));
    CHECK(say(p.c, p.s, "data resets the count"));
    for (int i = 0; i < LTLS_CONN_MAX_EMPTY_RUN + 1; i++)
        CHECK_OK(fx_inject(p.c, p.s, 23, NULL, 0));
    ltls_err_t e = ltls_conn_read(p.s, b, sizeof(b), &n);
    CHECK_ERR(e, LTLS_R_RECORD_FLOOD);
    CHECK(ltls_err_alert(e) == LTLS_ALERT_UNEXPECTED_MESSAGE);
    fx_pair_free(&p);
}

TEST(change_cipher_spec_rules)
{
    fx_pair_t p;
    static const uint8_t ccs[] = {20, 3, 3, 0, 1, 1};
    size_t used, n;
    uint8_t b[8];
    /* after the handshake: unexpected (§5) */
    CHECK(setup(&p));
    CHECK_OK(ltls_conn_feed(p.s, ccs, sizeof(ccs), &used));
    CHECK_ERR(ltls_conn_read(p.s, b, sizeof(b), &n), LTLS_R_UNEXPECTED_MESSAGE);
    fx_pair_free(&p);

    /* a second one during the handshake */
    ltls_config_t cc = fx_client_config(), sc = fx_server_config(FX_P256);
    CHECK_OK(fx_pair_new(&p, &cc, &sc, "localhost"));
    ltls_conn_handshake(p.c);
    fx_pump(p.c, p.s);
    CHECK_OK(ltls_conn_feed(p.s, ccs, sizeof(ccs), &used));
    CHECK_OK(ltls_conn_feed(p.s, ccs, sizeof(ccs), &used));
    CHECK_ERR(ltls_conn_handshake(p.s), LTLS_R_UNEXPECTED_MESSAGE);
    fx_pair_free(&p);

    /* before the ClientHello: unexpected; a wrong value: RECORD_BAD_CCS */
    CHECK_OK(fx_pair_new(&p, &cc, &sc, "localhost"));
    CHECK_OK(ltls_conn_feed(p.s, ccs, sizeof(ccs), &used));
    CHECK_ERR(ltls_conn_handshake(p.s), LTLS_R_UNEXPECTED_MESSAGE);
    fx_pair_free(&p);
    CHECK_OK(fx_pair_new(&p, &cc, &sc, "localhost"));
    ltls_conn_handshake(p.c);
    static const uint8_t ccs2[] = {20, 3, 3, 0, 1, 2};
    fx_pump(p.c, p.s);
    CHECK_OK(ltls_conn_feed(p.s, ccs2, sizeof(ccs2), &used));
    CHECK_ERR(ltls_conn_handshake(p.s), LTLS_R_RECORD_BAD_CCS);
    fx_pair_free(&p);
}

/* ------------------------------------------------------------------------
 * Alerts and post-handshake messages
 * ---------------------------------------------------------------------- */

TEST(alerts)
{
    fx_pair_t p;
    uint8_t b[8];
    size_t n;
    /* §6: a "warning" handshake_failure is still an error alert. */
    CHECK(setup(&p));
    static const uint8_t warn[] = {1, LTLS_ALERT_HANDSHAKE_FAILURE};
    CHECK_OK(fx_inject(p.c, p.s, 21, warn, 2));
    ltls_err_t e = ltls_conn_read(p.s, b, sizeof(b), &n);
    CHECK(ltls_err_reason(e) == LTLS_R_PEER_ALERT && ltls_err_alert(e) == LTLS_ALERT_HANDSHAKE_FAILURE);
    CHECK(strstr(ltls_conn_error_detail(p.s), "handshake_failure") != NULL);
    CHECK(ltls_conn_outgoing_buffered(p.s) == 0); /* no alert answers an alert */
    fx_pair_free(&p);

    /* user_canceled is ignored; an unknown alert is fatal. */
    CHECK(setup(&p));
    static const uint8_t uc[] = {1, LTLS_ALERT_USER_CANCELED}, unk[] = {2, 200};
    CHECK_OK(fx_inject(p.c, p.s, 21, uc, 2));
    CHECK(say(p.c, p.s, "still here"));
    CHECK_OK(fx_inject(p.c, p.s, 21, unk, 2));
    e = ltls_conn_read(p.s, b, sizeof(b), &n);
    CHECK(ltls_err_reason(e) == LTLS_R_PEER_ALERT && ltls_err_alert(e) == 200);
    fx_pair_free(&p);

    /* an alert record of three bytes */
    CHECK(setup(&p));
    static const uint8_t three[] = {2, 40, 0};
    CHECK_OK(fx_inject(p.c, p.s, 21, three, 3));
    CHECK_ERR(ltls_conn_read(p.s, b, sizeof(b), &n), LTLS_R_BAD_ALERT);
    fx_pair_free(&p);
}

TEST(post_handshake_messages)
{
    fx_pair_t p;
    uint8_t b[8];
    size_t n;
    /* A NewSessionTicket is accepted (and not stored: no resumption yet). */
    CHECK(setup(&p));
    static const uint8_t nst[] = {4, 0, 0, 14, 0, 0, 0x1c, 0x20, 1, 2, 3, 4, 0, 0, 1, 0xaa, 0, 0};
    CHECK_OK(fx_inject(p.s, p.c, 22, nst, sizeof(nst)));
    CHECK(say(p.s, p.c, "after the ticket"));
    /* A CertificateRequest after the handshake: we never offered
     * post_handshake_auth (§4.6.2). */
    static const uint8_t cr[] = {13, 0, 0, 11, 0, 0, 8, 0, 13, 0, 4, 0, 2, 4, 3};
    CHECK_OK(fx_inject(p.s, p.c, 22, cr, sizeof(cr)));
    ltls_err_t e = ltls_conn_read(p.c, b, sizeof(b), &n);
    CHECK_ERR(e, LTLS_R_UNEXPECTED_MESSAGE);
    fx_pump(p.c, p.s);
    e = ltls_conn_read(p.s, b, sizeof(b), &n);
    CHECK(ltls_err_alert(e) == LTLS_ALERT_UNEXPECTED_MESSAGE);
    fx_pair_free(&p);

    /* A KeyUpdate must end its record (§5.1). */
    CHECK(setup(&p));
    static const uint8_t ku_more[] = {24, 0, 0, 1, 0, 24, 0, 0, 1, 0};
    CHECK_OK(fx_inject(p.c, p.s, 22, ku_more, sizeof(ku_more)));
    CHECK_ERR(ltls_conn_read(p.s, b, sizeof(b), &n), LTLS_R_MSG_SPANS_KEY_CHANGE);
    fx_pair_free(&p);

    /* A message split across records with data in between (§5.1). */
    CHECK(setup(&p));
    static const uint8_t half[] = {24, 0};
    CHECK_OK(fx_inject(p.c, p.s, 22, half, 2));
    CHECK_OK(fx_inject(p.c, p.s, 23, (const uint8_t *)"x", 1));
    CHECK_ERR(ltls_conn_read(p.s, b, sizeof(b), &n), LTLS_R_HS_INTERLEAVED);
    fx_pair_free(&p);

    /* KeyUpdate with a bad value. */
    CHECK(setup(&p));
    static const uint8_t ku_bad[] = {24, 0, 0, 1, 7};
    CHECK_OK(fx_inject(p.c, p.s, 22, ku_bad, sizeof(ku_bad)));
    ltls_err_t r = ltls_conn_read(p.s, b, sizeof(b), &n);
    CHECK(ltls_err_alert(r) == LTLS_ALERT_ILLEGAL_PARAMETER);
    fx_pair_free(&p);
}

/* ------------------------------------------------------------------------
 * Buffers and memory
 * ---------------------------------------------------------------------- */

TEST(memory_of_an_idle_connection)
{
    fx_counter_t cnt = {0, 0, 0};
    ltls_allocator_t a = {fx_count_alloc, fx_count_free, &cnt};
    ltls_config_t cc = fx_client_config(), sc = fx_server_config(FX_P256);
    cc.alloc = &a;
    sc.alloc = &a;
    fx_pair_t p;
    CHECK_OK(ltls_client_context_new(&cc, &p.cctx));
    CHECK_OK(ltls_server_context_new(&sc, &p.sctx));
    size_t base = cnt.cur;
    CHECK_OK(ltls_conn_new(p.cctx, "localhost", &p.c));
    CHECK_OK(ltls_conn_new(p.sctx, NULL, &p.s));
    CHECK_OK(fx_handshake(&p, NULL, NULL));
    CHECK(say(p.c, p.s, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    CHECK(say(p.s, p.c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
    size_t used = cnt.cur - base;
    /* The client keeps the server's two certificates (the peer chain
     * query); the rest is the two connection objects. */
    size_t certs = 0;
    for (size_t i = 0; i < ltls_conn_peer_cert_count(p.c); i++) {
        size_t l;
        ltls_conn_peer_cert(p.c, i, &l);
        certs += l;
    }
    printf("# two idle connections: %zu bytes through our allocator (%zu in peer certificates), peak %zu\n",
           used, certs, cnt.peak - base);
    CHECK(used - certs < 2 * 4096);
    /* Steady state: no allocation per record. */
    size_t calls = cnt.calls;
    for (int i = 0; i < 50; i++)
        CHECK(say(p.c, p.s, "steady"));
    CHECK(cnt.calls - calls <= 4);
    calls = cnt.calls;
    for (int i = 0; i < 50; i++)
        CHECK(say(p.c, p.s, "steady"));
    CHECK(cnt.calls == calls);
    ltls_conn_free(p.c);
    ltls_conn_free(p.s);
    CHECK(cnt.cur == base);
    ltls_context_unref(p.cctx);
    ltls_context_unref(p.sctx);
    CHECK(cnt.cur == 0);
}

TEST(feed_limits)
{
    fx_pair_t p;
    CHECK(setup(&p));
    static uint8_t junk[3 * LTLS_RECORD_MAX_SIZE];
    size_t used;
    /* At most one maximal record is buffered before processing. */
    CHECK_OK(ltls_conn_feed(p.s, junk, sizeof(junk), &used));
    CHECK(used == LTLS_RECORD_MAX_SIZE);
    CHECK(ltls_conn_incoming_buffered(p.s) == LTLS_RECORD_MAX_SIZE);
    CHECK_OK(ltls_conn_feed(p.s, junk, sizeof(junk), &used));
    CHECK(used == 0);
    fx_pair_free(&p);
}

/* ltls_conn_pending counts what read() returns without input: the rest of
 * the opened record only, never records still sealed, and nothing after a
 * failure. */
TEST(pending_counts_the_opened_record)
{
    fx_pair_t p;
    CHECK(setup(&p));
    uint8_t buf[3000];
    size_t n;
    CHECK(ltls_conn_pending(p.c) == 0 && ltls_conn_pending(NULL) == 0);
    memset(buf, 'a', 1000);
    CHECK_OK(ltls_conn_write(p.s, buf, 1000, &n));
    memset(buf, 'b', 500);
    CHECK_OK(ltls_conn_write(p.s, buf, 500, &n)); /* a second record */
    fx_pump(p.s, p.c);
    CHECK(ltls_conn_pending(p.c) == 0); /* fed, not yet opened */
    CHECK_OK(ltls_conn_read(p.c, buf, 10, &n));
    CHECK(n == 10 && ltls_conn_pending(p.c) == 990);
    CHECK_OK(ltls_conn_read(p.c, buf, sizeof(buf), &n));
    CHECK(n == 990 && ltls_conn_pending(p.c) == 0); /* one record per read */
    CHECK_OK(ltls_conn_read(p.c, buf, 1, &n));
    CHECK(n == 1 && buf[0] == 'b' && ltls_conn_pending(p.c) == 499);
    /* Bytes fed behind the opened record change nothing until read() gets
     * to them; a corrupted one then fails the connection for good. */
    static const uint8_t bogus[] = {23, 3, 3, 0, 20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
                                    11, 12, 13, 14, 15, 16, 17, 18, 19, 20};
    size_t used;
    CHECK_OK(ltls_conn_feed(p.c, bogus, sizeof(bogus), &used));
    CHECK(ltls_conn_pending(p.c) == 499);
    CHECK_OK(ltls_conn_read(p.c, buf, 499, &n));
    CHECK(ltls_conn_read(p.c, buf, 1, &n) != LTLS_OK);
    CHECK(ltls_conn_error(p.c) != LTLS_OK && ltls_conn_pending(p.c) == 0);
    fx_pair_free(&p);
}

int main(void)
{
    fx_setup();
    RUN(large_writes_fragment_and_short_reads);
    RUN(data_both_ways_and_tiny_reads);
    RUN(writes_before_handshake_are_queued);
    RUN(key_update_both_ways);
    RUN(key_update_flood_is_bounded);
    RUN(automatic_key_update_before_aead_limit);
    RUN(close_notify_half_close);
    RUN(shutdown_before_handshake_follows_queued_data);
    RUN(ragged_eof);
    RUN(record_size_limit);
    RUN(corrupted_ciphertext);
    RUN(truncated_record);
    RUN(oversized_record);
    RUN(bad_record_header);
    RUN(empty_record_flood);
    RUN(change_cipher_spec_rules);
    RUN(alerts);
    RUN(post_handshake_messages);
    RUN(memory_of_an_idle_connection);
    RUN(feed_limits);
    RUN(pending_counts_the_opened_record);
    fx_teardown();
    return test_done();
}
