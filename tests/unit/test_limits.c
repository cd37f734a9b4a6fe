/*
 * tests/unit/test_limits.c - bounded memory and time for hostile input
 * (issue 6 item 5). Every case feeds a connection something a peer may
 * send, checks the exact reason (and alert) it ends with, and checks with
 * a counting allocator that the connection's peak memory stays under a
 * bound and with the monotonic clock that it finishes quickly.
 *
 * What each case exercises:
 *  - ClientHello with thousands of extensions / key shares / cipher suites:
 *    crafted plaintext records fed to a fresh server connection.
 *  - a handshake header announcing 16 MB: a plaintext record to a server.
 *  - a Certificate with hundreds of entries: the server's real encrypted
 *    flight, decrypted with its handshake secret (key log), the Certificate
 *    replaced, resealed and fed to the client (as test_handshake.c does).
 *  - floods of empty records, of user_canceled warning alerts and of
 *    KeyUpdates after the handshake, sealed with the peer's own keys.
 *  - a whole handshake trickled one byte at a time in both directions.
 *  - X.509: a chain of 100 intermediates handed to ltls_x509_verify (made
 *    with the certificate builder at run time).
 *  - X.509 name constraints (RFC 5280 §4.2.1.10), chains made at run time:
 *    CAs at the depth limit (and one beyond) each with hundreds of
 *    permitted and excluded subtrees over a leaf with hundreds of names;
 *    directoryName constraints nested one level per CA, and Names of a
 *    thousand RDNs in a chain that branches at every level (path building
 *    backtracks through every branch); one such chain sent by a server in
 *    a real handshake, to see the alert the server receives. Bound: the
 *    work budget of verify.h, where a comparison costs by its size.
 */
#include <time.h>

#include "hs_fixture.h"
#include "record/record.h"
#include "hs/keysched.h"
#include "core/mem.h"
#include "x509/certwrite.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

/* ---- counting allocator (hs_fixture.h) and clock ---------------------------------- */

static fx_counter_t cnt;
static ltls_allocator_t counting = {fx_count_alloc, fx_count_free, &cnt};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Seconds allowed for a case: generous, and more under valgrind. */
static double time_limit(double s) { return RUNNING_ON_VALGRIND ? s * 60 : s; }

/* One connection's budget: buffers of about two maximal records, the
 * handshake state and a certificate chain. */
#define CONN_BUDGET ((size_t)160 << 10)

/* Makes both contexts with the counting allocator (not yet the conns). */
static int contexts(fx_pair_t *p, ltls_config_t *cc, ltls_config_t *sc)
{
    memset(p, 0, sizeof(*p));
    cc->alloc = &counting;
    sc->alloc = &counting;
    return !ltls_client_context_new(cc, &p->cctx) && !ltls_server_context_new(sc, &p->sctx);
}

/* ---- crafted plaintext for a server --------------------------------- */

static uint8_t big[1 << 21];

static size_t put16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
    return 2;
}

/* Wraps a handshake message (type, body) into plaintext records of at most
 * 16384 bytes each in out; returns the wire length. */
static size_t records(uint8_t *out, uint8_t ctype, const uint8_t *msg, size_t len)
{
    size_t o = 0;
    for (size_t off = 0; off < len;) {
        size_t chunk = len - off > 16384 ? 16384 : len - off;
        out[o++] = ctype;
        out[o++] = 3;
        out[o++] = 1;
        o += put16(out + o, chunk);
        memcpy(out + o, msg + off, chunk);
        o += chunk;
        off += chunk;
    }
    return o;
}

/* Feeds wire to conn, driving the handshake; returns the handshake's last
 * status (the first that is not WANT_READ, or WANT_READ at the end). */
static ltls_err_t feed_all(ltls_conn_t *conn, const uint8_t *wire, size_t len)
{
    ltls_err_t e = ltls_err_make(LTLS_R_WANT_READ);
    size_t off = 0;
    while (off < len) {
        size_t used = 0;
        ltls_err_t fe = ltls_conn_feed(conn, wire + off, len - off, &used);
        if (fe)
            return fe;
        off += used;
        e = ltls_conn_handshake(conn);
        if (ltls_err_reason(e) != LTLS_R_WANT_READ)
            return e;
        if (used == 0)
            return e; /* stuck: buffer full without progress */
    }
    return e;
}

/* A ClientHello with n_suites suites, n_shares x25519 key shares and
 * n_ext extra extensions (unknown code points, empty). */
static size_t client_hello(uint8_t *msg, size_t n_suites, size_t n_shares, size_t n_ext)
{
    uint8_t *p = msg + 4;
    size_t o = 0;
    p[o++] = 3, p[o++] = 3;
    memset(p + o, 0x11, 32), o += 32;
    p[o++] = 0; /* session id */
    o += put16(p + o, 2 * (n_suites + 1));
    o += put16(p + o, 0x1301);
    for (size_t i = 0; i < n_suites; i++)
        o += put16(p + o, 0x0a00 + (i & 0xff)); /* unknown suites */
    p[o++] = 1, p[o++] = 0;
    size_t ext_len_at = o;
    o += 2;
    /* supported_versions: TLS 1.3 */
    o += put16(p + o, 43), o += put16(p + o, 3), p[o++] = 2, o += put16(p + o, 0x0304);
    /* supported_groups: x25519 */
    o += put16(p + o, 10), o += put16(p + o, 4), o += put16(p + o, 2), o += put16(p + o, 29);
    /* signature_algorithms: ecdsa_secp256r1_sha256 */
    o += put16(p + o, 13), o += put16(p + o, 4), o += put16(p + o, 2), o += put16(p + o, 0x0403);
    for (size_t i = 0; i < n_ext; i++)
        o += put16(p + o, 0x7a00 + i), o += put16(p + o, 0); /* unknown, empty */
    /* key_share, last but one of the known ones */
    size_t shares = n_shares ? n_shares : 1;
    o += put16(p + o, 51);
    o += put16(p + o, 2 + shares * 36);
    o += put16(p + o, shares * 36);
    for (size_t i = 0; i < shares; i++) {
        o += put16(p + o, i == shares - 1 ? 29 : 0x6000 + i), o += put16(p + o, 32);
        memset(p + o, 9, 32), o += 32;
    }
    put16(p + ext_len_at, o - ext_len_at - 2);
    msg[0] = 1;
    msg[1] = (uint8_t)(o >> 16), msg[2] = (uint8_t)(o >> 8), msg[3] = (uint8_t)o;
    return o + 4;
}

static uint8_t msgbuf[1 << 20];

/* Feeds a crafted ClientHello to a fresh server connection and checks the
 * reason, the alert sent, the peak memory and the time. */
static void server_case(size_t suites, size_t shares, size_t ext, ltls_reason_t reason,
                        uint8_t alert)
{
    fx_pair_t p;
    ltls_config_t cc = fx_client_config(), sc = fx_server_config(FX_P256);
    CHECK(contexts(&p, &cc, &sc));
    size_t base = cnt.cur;
    cnt.peak = base;
    CHECK_OK(ltls_conn_new(p.sctx, NULL, &p.s));
    size_t ml = client_hello(msgbuf, suites, shares, ext);
    size_t wl = records(big, 22, msgbuf, ml);
    double t0 = now_s();
    ltls_err_t e = feed_all(p.s, big, wl);
    double dt = now_s() - t0;
    printf("# CH %zu suites, %zu shares, %zu extensions (%zu bytes): %s, %.3f s, peak %zu bytes\n",
           suites, shares, ext, ml, ltls_err_reason_name(e), dt, cnt.peak - base);
    CHECK_ERR(e, reason);
    if (alert)
        CHECK(ltls_err_alert(e) == alert);
    size_t ol;
    const uint8_t *out = ltls_conn_outgoing(p.s, &ol);
    if (alert) /* the fatal alert, in plaintext */
        CHECK(ol == 7 && out[0] == 21 && out[5] == 2 && out[6] == alert);
    else /* accepted: the server's flight starts with its ServerHello */
        CHECK(ol > 100 && out[0] == 22 && out[5] == 2);
    CHECK(cnt.peak - base < CONN_BUDGET);
    CHECK(dt < time_limit(1.0));
    fx_pair_free(&p);
    CHECK(cnt.cur == 0);
}

TEST(client_hello_with_thousands_of_extensions)
{
    server_case(0, 1, 3000, LTLS_R_MSG_TOO_MANY, LTLS_ALERT_ILLEGAL_PARAMETER);
}
TEST(client_hello_with_thousands_of_key_shares)
{
    server_case(0, 400, 0, LTLS_R_MSG_TOO_MANY, LTLS_ALERT_ILLEGAL_PARAMETER);
}
TEST(client_hello_with_thousands_of_cipher_suites)
{
    server_case(32000, 1, 0, LTLS_R_WANT_READ, 0);
}

TEST(handshake_header_announcing_16_mb)
{
    fx_pair_t p;
    ltls_config_t cc = fx_client_config(), sc = fx_server_config(FX_P256);
    CHECK(contexts(&p, &cc, &sc));
    size_t base = cnt.cur;
    cnt.peak = base;
    CHECK_OK(ltls_conn_new(p.sctx, NULL, &p.s));
    uint8_t msg[16384];
    memset(msg, 0, sizeof(msg));
    msg[0] = 1, msg[1] = 0xff, msg[2] = 0xff, msg[3] = 0xff;
    size_t wl = records(big, 22, msg, sizeof(msg));
    double t0 = now_s();
    ltls_err_t e = feed_all(p.s, big, wl);
    double dt = now_s() - t0;
    printf("# 16 MB header: %s (%s), %.3f s, peak %zu\n", ltls_err_reason_name(e),
           ltls_conn_error_detail(p.s), dt, cnt.peak - base);
    CHECK_ERR(e, LTLS_R_MSG_TOO_LARGE);
    CHECK(ltls_err_alert(e) == LTLS_ALERT_ILLEGAL_PARAMETER);
    size_t ol;
    const uint8_t *out = ltls_conn_outgoing(p.s, &ol);
    CHECK(ol == 7 && out[0] == 21 && out[6] == LTLS_ALERT_ILLEGAL_PARAMETER);
    CHECK(cnt.peak - base < CONN_BUDGET);
    CHECK(dt < time_limit(1.0));
    fx_pair_free(&p);
}

/* ---- a Certificate with hundreds of entries, to a client ------------ */

static uint8_t wire[1 << 21], plain[1 << 20], out2[1 << 21];

/* The server's first flight, its encrypted messages (EE, Certificate, CV,
 * Finished) decrypted with the key-logged handshake secret, the
 * Certificate replaced by one with n entries of entry_len bytes each
 * (copies of the real leaf when entry_len is 0), resealed and fed to the
 * client. Returns the client's status. */
static ltls_err_t certificate_flood(fx_pair_t *p, fx_keylog_t *kl, size_t n, size_t entry_len)
{
    ltls_conn_handshake(p->c);
    fx_pump(p->c, p->s);
    ltls_conn_handshake(p->s);
    size_t len;
    const uint8_t *o = ltls_conn_outgoing(p->s, &len);
    memcpy(wire, o, len);
    ltls_conn_outgoing_consume(p->s, len);
    const char *hexs = fx_keylog_secret(kl, "SERVER_HANDSHAKE_TRAFFIC_SECRET");
    if (!hexs)
        abort();
    uint8_t secret[32], key[16], iv[12];
    test_unhex(hexs, secret, sizeof(secret));
    ltls_keysched_traffic_keys(prov, &ltls_suite_aes128gcm_sha256, secret, key, iv);
    ltls_record_dir_t rd, wd;
    ltls_record_dir_init(&rd, 0);
    ltls_record_dir_init(&wd, 1);
    ltls_record_dir_set_keys(&rd, prov, &ltls_aead_aes128gcm, key, iv);
    ltls_record_dir_set_keys(&wd, prov, &ltls_aead_aes128gcm, key, iv);
    size_t off = 0, pl = 0, ol = 0;
    while (off < len) {
        size_t rl = 5 + ((size_t)wire[off + 3] << 8 | wire[off + 4]);
        if (wire[off] != 23) {
            memcpy(out2 + ol, wire + off, rl);
            ol += rl;
        } else {
            ltls_record_t rec;
            size_t nn;
            if (ltls_record_open(&rd, wire + off, rl, &rec, &nn) || rec.type != 22)
                abort();
            memcpy(plain + pl, rec.content, rec.len);
            pl += rec.len;
        }
        off += rl;
    }
    /* keep EncryptedExtensions, then the new Certificate (the rest is
     * never reached) */
    size_t ee = 4 + ((size_t)plain[1] << 16 | (size_t)plain[2] << 8 | plain[3]);
    uint8_t *cert = plain + ee; /* the real Certificate: ctx len 0, list */
    const uint8_t *leaf = cert + 4 + 1 + 3 + 3;
    size_t leaf_len = (size_t)leaf[-3] << 16 | (size_t)leaf[-2] << 8 | leaf[-1];
    static uint8_t leafcopy[8192];
    memcpy(leafcopy, leaf, leaf_len);
    size_t el = entry_len ? entry_len : leaf_len;
    size_t list = n * (3 + el + 2), body = 1 + 3 + list;
    uint8_t *m = cert;
    m[0] = 11, m[1] = (uint8_t)(body >> 16), m[2] = (uint8_t)(body >> 8), m[3] = (uint8_t)body;
    m[4] = 0;
    m[5] = (uint8_t)(list >> 16), m[6] = (uint8_t)(list >> 8), m[7] = (uint8_t)list;
    size_t q = 8;
    for (size_t i = 0; i < n; i++) {
        m[q++] = (uint8_t)(el >> 16), m[q++] = (uint8_t)(el >> 8), m[q++] = (uint8_t)el;
        if (entry_len)
            memset(m + q, 0x30, el);
        else
            memcpy(m + q, leafcopy, el);
        q += el;
        m[q++] = 0, m[q++] = 0;
    }
    pl = ee + 4 + body;
    for (size_t x = 0; x < pl;) {
        size_t chunk = pl - x > 16384 ? 16384 : pl - x, nn;
        if (ltls_record_seal(&wd, 22, plain + x, chunk, 0, out2 + ol, sizeof(out2) - ol, &nn))
            abort();
        ol += nn;
        x += chunk;
    }
    ltls_record_dir_clear(&rd);
    ltls_record_dir_clear(&wd);
    return feed_all(p->c, out2, ol);
}

static void cert_case(size_t n, size_t entry_len, ltls_reason_t reason, uint8_t alert)
{
    static fx_keylog_t kl;
    memset(&kl, 0, sizeof(kl));
    fx_pair_t p;
    ltls_config_t cc = fx_client_config(), sc = fx_server_config(FX_P256);
    sc.keylog = fx_keylog_cb;
    sc.keylog_user = &kl;
    CHECK(contexts(&p, &cc, &sc));
    CHECK_OK(ltls_conn_new(p.sctx, NULL, &p.s));
    size_t base = cnt.cur;
    cnt.peak = base;
    CHECK_OK(ltls_conn_new(p.cctx, "localhost", &p.c));
    double t0 = now_s();
    ltls_err_t e = certificate_flood(&p, &kl, n, entry_len);
    double dt = now_s() - t0;
    printf("# Certificate with %zu entries of %zu bytes (0: the real leaf): %s (%s), alert %d, %.3f s, peak %zu\n", n,
           entry_len, ltls_err_reason_name(e), ltls_conn_error_detail(p.c), ltls_err_alert(e), dt,
           cnt.peak - base);
    CHECK_ERR(e, reason);
    CHECK(ltls_err_alert(e) == alert);
    /* the server connection was made before base: the peak is the client's
     * (plus the server's handshake work, bounded the same way) */
    CHECK(cnt.peak - base < 2 * CONN_BUDGET);
    CHECK(dt < time_limit(1.0));
    fx_pair_free(&p);
    CHECK(cnt.cur == 0);
}

TEST(certificate_with_hundreds_of_small_entries)
{
    cert_case(500, 20, LTLS_R_CERT_PATH_TOO_LONG, LTLS_ALERT_BAD_CERTIFICATE);
}

TEST(certificate_with_hundreds_of_real_certificates)
{
    cert_case(300, 0, LTLS_R_MSG_TOO_LARGE, LTLS_ALERT_ILLEGAL_PARAMETER);
}

/* ---- floods after the handshake -------------------------------------- */

static int established(fx_pair_t *p)
{
    ltls_config_t cc = fx_client_config(), sc = fx_server_config(FX_P256);
    if (!contexts(p, &cc, &sc))
        return 0;
    if (ltls_conn_new(p->cctx, "localhost", &p->c) || ltls_conn_new(p->sctx, NULL, &p->s))
        return 0;
    return fx_handshake(p, NULL, NULL) == LTLS_OK;
}

/* Injects up to count records, reading after each; returns the first
 * failure of read (or WANT_READ). */
static ltls_err_t flood(fx_pair_t *p, uint8_t type, const uint8_t *data, size_t len, int count,
                        int *sent)
{
    uint8_t b[16];
    size_t n;
    ltls_err_t e = ltls_err_make(LTLS_R_WANT_READ);
    for (*sent = 0; *sent < count; (*sent)++) {
        if (fx_inject(p->c, p->s, type, data, len))
            break;
        e = ltls_conn_read(p->s, b, sizeof(b), &n);
        if (ltls_err_reason(e) != LTLS_R_WANT_READ)
            break;
    }
    return e;
}

static void flood_case(uint8_t type, const uint8_t *data, size_t len, const char *what)
{
    fx_pair_t p;
    CHECK(established(&p));
    size_t base = cnt.cur, calls = cnt.calls;
    cnt.peak = base;
    int sent;
    double t0 = now_s();
    ltls_err_t e = flood(&p, type, data, len, 100000, &sent);
    double dt = now_s() - t0;
    printf("# flood of %s: %s after %d records, %.3f s, %zu allocations\n", what,
           ltls_err_reason_name(e), sent, dt, cnt.calls - calls);
    CHECK_ERR(e, LTLS_R_RECORD_FLOOD);
    CHECK(ltls_err_alert(e) == LTLS_ALERT_UNEXPECTED_MESSAGE);
    CHECK(sent == LTLS_CONN_MAX_EMPTY_RUN); /* cut off at the limit exactly */
    CHECK(cnt.peak - base <= LTLS_CONN_DETAIL_MAX); /* at most the error detail */
    CHECK(dt < time_limit(1.0));
    fx_pair_free(&p);
    CHECK(cnt.cur == 0);
}

TEST(flood_of_empty_records)
{
    flood_case(23, NULL, 0, "empty application data");
}

TEST(flood_of_warning_alerts)
{
    static const uint8_t uc[] = {1, LTLS_ALERT_USER_CANCELED};
    flood_case(21, uc, 2, "user_canceled warnings");
}

TEST(flood_of_key_updates)
{
    /* KeyUpdates are legal in any number: the bound is that none costs
     * memory, a requested one is answered once per read call however many
     * arrive, and the connection still works afterwards. */
    fx_pair_t p;
    CHECK(established(&p));
    size_t base = cnt.cur, calls = cnt.calls;
    cnt.peak = base;
    uint8_t b[16];
    size_t n;
    double t0 = now_s();
    for (int i = 0; i < 5000; i++) {
        CHECK_OK(ltls_conn_key_update(p.c, i & 1));
        fx_pump(p.c, p.s);
        if (i % 16 == 15 || ltls_conn_outgoing_buffered(p.c)) {
            CHECK_ERR(ltls_conn_read(p.s, b, sizeof(b), &n), LTLS_R_WANT_READ);
            fx_pump(p.c, p.s);
            CHECK(ltls_conn_outgoing_buffered(p.s) < 64 * 16); /* answers do not pile up */
            fx_pump(p.s, p.c);
            CHECK_ERR(ltls_conn_read(p.c, b, sizeof(b), &n), LTLS_R_WANT_READ);
        }
    }
    CHECK_ERR(ltls_conn_read(p.s, b, sizeof(b), &n), LTLS_R_WANT_READ);
    double dt = now_s() - t0;
    printf("# 5000 KeyUpdates: %.3f s, %zu allocations, peak +%zu\n", dt, cnt.calls - calls,
           cnt.peak - base);
    CHECK(cnt.peak - base <= 4 * LTLS_RECORD_MAX_SIZE);
    CHECK(cnt.cur <= base + 4 * LTLS_RECORD_MAX_SIZE); /* no growth */
    CHECK(dt < time_limit(2.0));
    fx_pump(p.s, p.c);
    size_t w;
    CHECK_OK(ltls_conn_write(p.c, (const uint8_t *)"ok", 2, &w));
    fx_pump(p.c, p.s);
    CHECK_OK(ltls_conn_read(p.s, b, sizeof(b), &n));
    CHECK(n == 2 && memcmp(b, "ok", 2) == 0);
    fx_pair_free(&p);
    CHECK(cnt.cur == 0);
}

/* ---- a handshake trickled one byte at a time ------------------------- */

/* Moves one byte of from's outgoing bytes to to. */
static int one_byte(ltls_conn_t *from, ltls_conn_t *to)
{
    size_t len, used = 0;
    const uint8_t *o = ltls_conn_outgoing(from, &len);
    if (!len)
        return 0;
    if (ltls_conn_feed(to, o, 1, &used) || used != 1)
        return 0;
    ltls_conn_outgoing_consume(from, 1);
    return 1;
}

TEST(handshake_trickled_one_byte_at_a_time)
{
    fx_pair_t p;
    ltls_config_t cc = fx_client_config(), sc = fx_server_config(FX_P256);
    CHECK(contexts(&p, &cc, &sc));
    size_t base = cnt.cur;
    CHECK_OK(ltls_conn_new(p.cctx, "localhost", &p.c));
    CHECK_OK(ltls_conn_new(p.sctx, NULL, &p.s));
    /* The reference: the peak of a normal handshake. */
    fx_pair_t ref;
    CHECK(contexts(&ref, &cc, &sc));
    CHECK_OK(ltls_conn_new(ref.cctx, "localhost", &ref.c));
    CHECK_OK(ltls_conn_new(ref.sctx, NULL, &ref.s));
    size_t rbase = cnt.cur;
    cnt.peak = rbase;
    CHECK_OK(fx_handshake(&ref, NULL, NULL));
    size_t ref_peak = cnt.peak - rbase;
    fx_pair_free(&ref);

    size_t tbase = cnt.cur;
    cnt.peak = tbase;
    size_t bytes = 0, calls0 = cnt.calls, max_calls_per_byte = 0;
    ltls_err_t ec = LTLS_OK, es = LTLS_OK;
    double t0 = now_s();
    for (int guard = 0; guard < 200000; guard++) {
        ec = ltls_conn_handshake(p.c);
        es = ltls_conn_handshake(p.s);
        if ((ec == LTLS_OK && es == LTLS_OK) || !fx_is_progress(ec) || !fx_is_progress(es))
            break;
        size_t before = cnt.calls;
        int moved = one_byte(p.c, p.s) + one_byte(p.s, p.c);
        if (!moved)
            break;
        bytes += (size_t)moved;
        ec = ltls_conn_handshake(p.c);
        es = ltls_conn_handshake(p.s);
        if (cnt.calls - before > max_calls_per_byte)
            max_calls_per_byte = cnt.calls - before;
    }
    double dt = now_s() - t0;
    printf("# trickled handshake: %zu bytes one at a time, %.3f s, peak +%zu (normal +%zu), "
           "%zu allocations\n",
           bytes, dt, cnt.peak - tbase, ref_peak, cnt.calls - calls0);
    CHECK_OK(ec);
    CHECK_OK(es);
    CHECK(bytes > 1000);
    /* no growth per byte: the same peak as a normal handshake (give or
     * take a buffer), and allocations do not scale with the byte count */
    CHECK(cnt.peak - tbase <= ref_peak + LTLS_RECORD_MAX_SIZE);
    CHECK(cnt.calls - calls0 < bytes / 8);
    CHECK(dt < time_limit(3.0));
    (void)base;
    fx_pair_free(&p);
    CHECK(cnt.cur == 0);
}

/* ---- X.509: a chain of a hundred intermediates ------------------------ */

TEST(chain_of_a_hundred_intermediates)
{
    enum { N = 100 };
    static ltls_key_t *keys[N + 2];
    static ltls_cert_t *certs[N + 2];
    static char names[N + 2][32];
    memset(keys, 0, sizeof(keys));
    memset(certs, 0, sizeof(certs));
    ltls_trust_store_t *ts = NULL;
    CHECK_OK(ltls_trust_store_new(NULL, &ts));
    /* certs[0] root (trusted), certs[1..N] intermediates, certs[N+1] leaf */
    ltls_err_t err = LTLS_OK;
    for (int i = 0; i < N + 2 && !err; i++) {
        ltls_certwrite_spec_t sp;
        memset(&sp, 0, sizeof(sp));
        snprintf(names[i], sizeof(names[i]), i == N + 1 ? "localhost" : "limits CA %d", i);
        sp.common_name = names[i];
        sp.not_before = FIXED_NOW - 3600;
        sp.not_after = FIXED_NOW + 86400;
        sp.is_ca = i <= N;
        sp.path_len = -1;
        static const char *const dns[] = {"localhost"};
        if (i == N + 1) {
            sp.dns_names = dns;
            sp.dns_count = 1;
            sp.eku = LTLS_X509_EKU_SERVER_AUTH;
        }
        uint8_t *der = NULL;
        size_t len = 0;
        err = ltls_key_generate(prov, LTLS_KEY_ED25519, 0, 0, &keys[i]);
        if (!err)
            err = ltls_certwrite(&sp, keys[i], i ? certs[i - 1] : NULL, i ? keys[i - 1] : NULL, NULL,
                                 &der, &len);
        if (!err)
            err = ltls_cert_parse(der, len, NULL, &certs[i]);
        if (!err && i == 0)
            err = ltls_trust_store_add(ts, der, len, NULL);
        ltls_free(NULL, der, len);
    }
    CHECK_OK(err);
    ltls_verify_params_t vp;
    memset(&vp, 0, sizeof(vp));
    vp.provider = prov;
    vp.trust = ts;
    const ltls_cert_t *leaf = certs[N + 1];
    vp.peer = &leaf;
    vp.peer_count = 1;
    vp.extra = (const ltls_cert_t *const *)&certs[1];
    vp.extra_count = N;
    vp.host = "localhost";
    vp.purpose = LTLS_PURPOSE_SERVER_AUTH;
    vp.now = FIXED_NOW;
    static ltls_verify_result_t res;
    double t0 = now_s();
    ltls_err_t e = ltls_x509_verify(&vp, &res);
    double dt = now_s() - t0;
    printf("# %d intermediates: %s (%s), %.3f s\n", N, ltls_err_reason_name(e), res.detail, dt);
    CHECK_ERR(e, LTLS_R_CERT_PATH_TOO_LONG);
    CHECK(dt < time_limit(1.0));
    /* the same chain cut to fit the depth limit validates: the refusal
     * above is the depth, not a broken chain */
    ltls_trust_store_t *ts2 = NULL;
    CHECK_OK(ltls_trust_store_new(NULL, &ts2));
    size_t dl;
    const uint8_t *d = ltls_cert_der(certs[N - 10], &dl);
    CHECK_OK(ltls_trust_store_add(ts2, d, dl, NULL));
    vp.trust = ts2;
    CHECK_OK(ltls_x509_verify(&vp, &res));
    CHECK(res.path_len == 12);
    ltls_trust_store_unref(ts2);
    for (int i = 0; i < N + 2; i++) {
        ltls_cert_free(certs[i]);
        ltls_key_free(keys[i]);
    }
    ltls_trust_store_unref(ts);
}

/* ---- X.509: name-constraint trees --------------------------------------- */

/* Time allowed for one verification of a hostile name-constraint chain:
 * the work budget (verify.h) is sized for a few tens of milliseconds on
 * this kind of machine; a regression to per-comparison charging or an
 * unbounded walk takes seconds (measured 2.4 s for the branching chain of
 * 700-RDN Names below when every comparison cost one unit). */
#define NC_TIME 0.25
/* Memory one verification may take through the provider's allocator (the
 * imported issuer keys, at most LTLS_X509_MAX_CHAIN of them): validation
 * itself allocates nothing and keeps about 3 KiB on the stack. */
#define NC_VERIFY_MEMORY ((size_t)16 << 10)

/* A DER length (any size up to 2^24). */
static size_t der_len(uint8_t *p, size_t n)
{
    if (n < 0x80) {
        p[0] = (uint8_t)n;
        return 1;
    }
    size_t k = n <= 0xff ? 1 : n <= 0xffff ? 2 : 3;
    p[0] = (uint8_t)(0x80 | k);
    for (size_t i = 0; i < k; i++)
        p[1 + i] = (uint8_t)(n >> (8 * (k - 1 - i)));
    return 1 + k;
}

/* A Name of `base` RDNs "OU=b00000", "OU=b00001", ... followed by one RDN
 * per label given (all OU, UTF8String): a DIT `base` levels deep, then the
 * labels below it. Returns its length; out holds at least 64 KiB. */
static size_t nc_name(uint8_t *out, size_t base, const char *const *labels, size_t nlabels)
{
    static uint8_t body[1 << 17];
    size_t b = 0;
    char v[32];
    for (size_t i = 0; i < base + nlabels; i++) {
        if (i < base)
            snprintf(v, sizeof(v), "b%05zu", i);
        else
            snprintf(v, sizeof(v), "%s", labels[i - base]);
        size_t vl = strlen(v);
        body[b++] = 0x31, body[b++] = (uint8_t)(9 + vl);  /* SET */
        body[b++] = 0x30, body[b++] = (uint8_t)(7 + vl);  /* SEQUENCE */
        body[b++] = 0x06, body[b++] = 3, body[b++] = 0x55, body[b++] = 0x04, body[b++] = 0x0b;
        body[b++] = 0x0c, body[b++] = (uint8_t)vl;         /* UTF8String */
        memcpy(body + b, v, vl);
        b += vl;
    }
    out[0] = 0x30;
    size_t h = 1 + der_len(out + 1, b);
    memcpy(out + h, body, b);
    return h + b;
}

typedef struct nc_node {
    ltls_key_t *key; /* owned by the first node that uses it */
    int owns_key;
    ltls_cert_t *cert;
} nc_node_t;

/* Builds one certificate for spec, signed by issuer (NULL: self-signed),
 * with a new Ed25519 key or with key when given (copies of one CA). The
 * certificate is parsed with the counting allocator. */
static ltls_err_t nc_make(nc_node_t *n, const ltls_certwrite_spec_t *spec, ltls_key_t *key,
                          const nc_node_t *issuer)
{
    memset(n, 0, sizeof(*n));
    ltls_err_t err = LTLS_OK;
    if (key) {
        n->key = key;
    } else {
        err = ltls_key_generate(prov, LTLS_KEY_ED25519, 0, 0, &n->key);
        n->owns_key = 1;
    }
    uint8_t *der = NULL;
    size_t len = 0;
    if (!err)
        err = ltls_certwrite(spec, n->key, issuer ? issuer->cert : NULL,
                             issuer ? issuer->key : NULL, NULL, &der, &len);
    if (!err)
        err = ltls_cert_parse(der, len, &counting, &n->cert);
    ltls_free(NULL, der, len);
    return err;
}

static void nc_free(nc_node_t *n, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        ltls_cert_free(n[i].cert);
        if (n[i].owns_key)
            ltls_key_free(n[i].key);
    }
    memset(n, 0, count * sizeof(*n));
}

static ltls_certwrite_spec_t nc_ca_spec(void)
{
    ltls_certwrite_spec_t s;
    memset(&s, 0, sizeof(s));
    s.not_before = FIXED_NOW - 3600;
    s.not_after = FIXED_NOW + 86400;
    s.is_ca = 1;
    s.path_len = -1;
    s.nc_critical = 1;
    return s;
}

/* Verifies leaf for host against the one anchor root with extra as the
 * untrusted intermediates, on a provider that allocates through the
 * counting allocator: reports and checks time and the memory the call
 * took, returns the error. */
static ltls_err_t nc_verify(const char *what, const nc_node_t *root, const nc_node_t *leaf,
                            const ltls_cert_t *const *extra, size_t nextra, const char *host,
                            ltls_verify_result_t *res)
{
    ltls_provider_t *cp = NULL;
    ltls_trust_store_t *ts = NULL;
    size_t certs = cnt.cur; /* what the certificates took */
    if (ltls_provider_new(test_provider_name(), &counting, &cp) ||
        ltls_trust_store_new(NULL, &ts))
        abort();
    size_t dl;
    const uint8_t *d = ltls_cert_der(root->cert, &dl);
    if (ltls_trust_store_add(ts, d, dl, NULL))
        abort();
    ltls_verify_params_t vp;
    memset(&vp, 0, sizeof(vp));
    vp.provider = cp;
    vp.trust = ts;
    vp.peer = (const ltls_cert_t *const *)&leaf->cert;
    vp.peer_count = 1;
    vp.extra = extra;
    vp.extra_count = nextra;
    vp.host = host;
    vp.purpose = LTLS_PURPOSE_SERVER_AUTH;
    vp.now = FIXED_NOW;
    size_t base = cnt.cur;
    cnt.peak = base;
    double t0 = now_s();
    ltls_err_t e = ltls_x509_verify(&vp, res);
    double dt = now_s() - t0;
    size_t peak = cnt.peak - base;
    printf("# %s: %s, %.4f s, verify took %zu bytes (the certificates %zu bytes)\n", what,
           ltls_err_reason_name(e), dt, peak, certs);
    if (e)
        printf("#   %.300s\n", res->detail);
    ltls_trust_store_unref(ts);
    ltls_provider_free(cp);
    /* the bounds: reported as a failed check by the caller through e */
    if (dt > time_limit(NC_TIME) || peak > NC_VERIFY_MEMORY) {
        printf("#   over the bound (%.3f s allowed, %zu bytes allowed)\n", time_limit(NC_TIME),
               NC_VERIFY_MEMORY);
        return ltls_err_make(LTLS_R_INTERNAL);
    }
    return e;
}

/* Subtree and name lists for the heavy cases: permitted "p000.nc.test"
 * ... with "nc.test" itself last (so that a permitted name is found only
 * after every other entry is compared), excluded "x000.nc.test" ..., and
 * leaf names "h000.nc.test" ..., plus the iPAddress 10.0.0.0/8 permitted
 * and 10.<i>.0.0/16 excluded, and leaf addresses 10.200.<i>.1. */
enum { NC_MAX_LIST = 400 };
static char nc_text[3][NC_MAX_LIST][16];
static uint8_t nc_ipbuf[2][NC_MAX_LIST][8];
static ltls_certwrite_subtree_t nc_perm[2 * NC_MAX_LIST], nc_excl[2 * NC_MAX_LIST];
static const char *nc_sans[NC_MAX_LIST];
static ltls_certwrite_ip_t nc_ips[NC_MAX_LIST];

static void nc_lists(size_t np, size_t ne, size_t nsan, size_t nip)
{
    for (size_t i = 0; i < NC_MAX_LIST; i++) {
        snprintf(nc_text[0][i], 16, "p%03zu.nc.test", i);
        snprintf(nc_text[1][i], 16, "x%03zu.nc.test", i);
        snprintf(nc_text[2][i], 16, "h%03zu.nc.test", i);
    }
    snprintf(nc_text[0][np - 1], 16, "nc.test");
    size_t k = 0;
    for (size_t i = 0; i < np; i++, k++)
        nc_perm[k] = (ltls_certwrite_subtree_t){LTLS_X509_GN_DNS, (const uint8_t *)nc_text[0][i],
                                                strlen(nc_text[0][i])};
    static const uint8_t ten[8] = {10, 0, 0, 0, 255, 0, 0, 0};
    if (nip)
        nc_perm[k++] = (ltls_certwrite_subtree_t){LTLS_X509_GN_IP, ten, 8};
    for (size_t i = 0; i < ne; i++)
        nc_excl[i] = (ltls_certwrite_subtree_t){LTLS_X509_GN_DNS, (const uint8_t *)nc_text[1][i],
                                                strlen(nc_text[1][i])};
    for (size_t i = 0; i < nip; i++) {
        uint8_t *b = nc_ipbuf[1][i];
        const uint8_t net[8] = {10, (uint8_t)i, 0, 0, 255, 255, 0, 0}; /* 10.i.0.0/16 */
        memcpy(b, net, sizeof(net));
        nc_excl[ne + i] = (ltls_certwrite_subtree_t){LTLS_X509_GN_IP, b, 8};
        nc_ips[i] = (ltls_certwrite_ip_t){4, {10, 200, (uint8_t)i, 1}};
    }
    for (size_t i = 0; i < nsan; i++)
        nc_sans[i] = nc_text[2][i];
}

/* root + n intermediates, each with np permitted and ne excluded DNS
 * subtrees (and nip IP subtrees of each kind when nip), and a leaf with
 * nsan DNS names and nip addresses; verified for "h000.nc.test". */
static ltls_err_t nc_heavy_chain(size_t n, size_t np, size_t ne, size_t nsan, size_t nip,
                                 ltls_verify_result_t *res)
{
    static nc_node_t node[LTLS_X509_MAX_DEPTH + 2];
    static const ltls_cert_t *extra[LTLS_X509_MAX_DEPTH + 2];
    static char cn[LTLS_X509_MAX_DEPTH + 2][32];
    nc_lists(np, ne, nsan, nip);
    ltls_err_t err = LTLS_OK;
    /* node[0] root, node[1..n] intermediates, node[n+1] leaf */
    for (size_t i = 0; i <= n + 1 && !err; i++) {
        ltls_certwrite_spec_t s = nc_ca_spec();
        snprintf(cn[i], sizeof(cn[i]), i == n + 1 ? "nc leaf" : "nc CA %zu", i);
        s.common_name = cn[i];
        if (i <= n) {
            s.nc_permitted = nc_perm;
            s.nc_permitted_count = np + (nip ? 1 : 0);
            s.nc_excluded = nc_excl;
            s.nc_excluded_count = ne + nip;
        } else {
            s.is_ca = 0;
            s.eku = LTLS_X509_EKU_SERVER_AUTH;
            s.dns_names = nc_sans;
            s.dns_count = nsan;
            s.ips = nc_ips;
            s.ip_count = nip;
        }
        err = nc_make(&node[i], &s, NULL, i ? &node[i - 1] : NULL);
        if (i >= 1 && i <= n)
            extra[i - 1] = node[i].cert;
    }
    if (!err) {
        char what[128];
        size_t l0, l1;
        ltls_cert_der(node[1].cert, &l0);
        ltls_cert_der(node[n + 1].cert, &l1);
        snprintf(what, sizeof(what),
                 "%zu CAs of %zu+%zu subtrees (%zu bytes each) over a leaf of %zu names", n + 1,
                 np + (nip ? 1 : 0), ne + nip, l0, nsan + nip);
        err = nc_verify(what, &node[0], &node[n + 1], extra, n, "h000.nc.test", res);
    }
    nc_free(node, n + 2);
    return err;
}

/* The depth limit is 16 certificates: a leaf, 14 intermediates and the
 * root. With subtree lists that the budget can afford at every level the
 * chain validates and one more intermediate is refused for the depth;
 * with hundreds of entries on both sides the budget ends it, at the depth
 * limit and one beyond, before the second CA's comparisons are done. */
TEST(name_constraints_at_the_depth_limit)
{
    static ltls_verify_result_t res;
    const size_t inter = LTLS_X509_MAX_DEPTH - 2;
    CHECK_OK(nc_heavy_chain(inter, 30, 30, 30, 8, &res));
    CHECK(res.path_len == LTLS_X509_MAX_DEPTH);
    CHECK_ERR(nc_heavy_chain(inter + 1, 30, 30, 30, 8, &res), LTLS_R_CERT_PATH_TOO_LONG);
    CHECK_ERR(nc_heavy_chain(inter, 300, 300, 300, 40, &res), LTLS_R_CERT_WORK_LIMIT);
    CHECK(strstr(res.detail, "name constraints") != NULL);
    CHECK_ERR(nc_heavy_chain(inter + 1, 300, 300, 300, 40, &res), LTLS_R_CERT_WORK_LIMIT);
    CHECK(ltls_err_alert(ltls_err_make(LTLS_R_CERT_WORK_LIMIT)) == LTLS_ALERT_BAD_CERTIFICATE);
    CHECK(cnt.cur == 0);
}

/* directoryName constraints nested one level per CA: CA i has the subject
 * base + "l1", ..., "li", permits its own subtree and excludes nsib
 * sibling subtrees (its subject + "s<k>"); every subject below lies in the
 * subtree of each CA above (§4.2.1.10 applies directoryName constraints to
 * the subjects of intermediates and the leaf). copies > 1 issues each CA
 * that many times under one key and name: path building may then go
 * through any of them at every level, and with a chain one level too
 * long it backtracks through all the branches. With sibling_leaf the
 * leaf's subject is the lowest CA's first excluded sibling instead. */
static ltls_err_t nc_nested_chain(size_t base, size_t levels, size_t nsib, size_t copies,
                                  int sibling_leaf, ltls_verify_result_t *res)
{
    enum { MAXL = LTLS_X509_MAX_DEPTH, MAXC = 2 };
    static nc_node_t node[1 + MAXL * MAXC + 1];
    static const ltls_cert_t *extra[MAXL * MAXC];
    static uint8_t subj[MAXL + 2][1 << 16];
    static size_t subj_len[MAXL + 2];
    static uint8_t sib[64][1 << 16];
    static ltls_certwrite_subtree_t excl[64];
    static char label[MAXL + 2][16], sibl[64][16];
    static const char *labels[MAXL + 2];
    if (levels > MAXL || copies > MAXC || nsib > 64)
        abort();
    /* level 0 is the root (subject = base), level levels+1 the leaf */
    for (size_t i = 0; i <= levels + 1; i++) {
        snprintf(label[i], sizeof(label[i]),
                 i <= levels ? "l%zu" : sibling_leaf ? "s0" : "leaf", i);
        labels[i] = label[i];
        subj_len[i] = nc_name(subj[i], base, labels + 1, i); /* labels 1..i */
    }
    ltls_err_t err = LTLS_OK;
    size_t nn = 0, ne = 0;
    const nc_node_t *above = NULL;
    for (size_t i = 0; i <= levels + 1 && !err; i++) {
        ltls_certwrite_spec_t s = nc_ca_spec();
        s.subject_der = subj[i];
        s.subject_der_len = subj_len[i];
        /* the CA's own subtree, and its siblings excluded */
        ltls_certwrite_subtree_t perm = {LTLS_X509_GN_DIRECTORY, subj[i], subj_len[i]};
        for (size_t k = 0; k < nsib && i <= levels; k++) {
            snprintf(sibl[k], sizeof(sibl[k]), "s%zu", k);
            const char *l[MAXL + 2];
            for (size_t j = 0; j < i; j++)
                l[j] = labels[j + 1];
            l[i] = sibl[k];
            excl[k] = (ltls_certwrite_subtree_t){LTLS_X509_GN_DIRECTORY, sib[k],
                                                 nc_name(sib[k], base, l, i + 1)};
        }
        static const char *const leaf_dns[] = {"leaf.nc.test"};
        if (i <= levels) {
            s.nc_permitted = &perm;
            s.nc_permitted_count = 1;
            s.nc_excluded = excl;
            s.nc_excluded_count = nsib;
        } else {
            s.is_ca = 0;
            s.eku = LTLS_X509_EKU_SERVER_AUTH;
            s.dns_names = leaf_dns;
            s.dns_count = 1;
        }
        size_t ncopies = i == 0 || i == levels + 1 ? 1 : copies;
        size_t first = nn;
        for (size_t c = 0; c < ncopies && !err; c++) {
            uint8_t serial[3] = {0x10, (uint8_t)i, (uint8_t)c};
            s.serial = serial;
            s.serial_len = sizeof(serial);
            err = nc_make(&node[nn], &s, c ? node[first].key : NULL, above);
            if (!err && i > 0 && i <= levels)
                extra[ne++] = node[nn].cert;
            nn++;
        }
        above = &node[first];
    }
    if (!err) {
        char what[160];
        size_t l0;
        ltls_cert_der(node[1].cert, &l0);
        snprintf(what, sizeof(what),
                 "%zu nested directoryName levels x%zu, Names of %zu+ RDNs, %zu excluded siblings "
                 "(%zu bytes per CA)",
                 levels, copies, base, nsib, l0);
        err = nc_verify(what, &node[0], &node[nn - 1], extra, ne, "leaf.nc.test", res);
    }
    nc_free(node, nn);
    return err;
}

TEST(deeply_nested_directory_names)
{
    static ltls_verify_result_t res;
    const size_t levels = LTLS_X509_MAX_DEPTH - 2;
    /* Nested subtrees at the depth limit validate; one level more does not. */
    CHECK_OK(nc_nested_chain(8, levels, 40, 1, 0, &res));
    CHECK(res.path_len == LTLS_X509_MAX_DEPTH);
    CHECK_ERR(nc_nested_chain(8, levels + 1, 40, 1, 0, &res), LTLS_R_CERT_PATH_TOO_LONG);
    /* A leaf in a sibling subtree is refused by the CA that excludes it. */
    CHECK_ERR(nc_nested_chain(8, levels, 40, 1, 1, &res), LTLS_R_CERT_NAME_CONSTRAINTS);
    CHECK(strstr(res.detail, "excluded") != NULL);
    /* Names of 700 RDNs (12 KB; four of them, subject, issuer and two
     * subtrees, make a certificate of 48 KB): one chain at the depth limit
     * is still affordable ... */
    CHECK_OK(nc_nested_chain(700, levels, 1, 1, 0, &res));
    /* ... and two copies of every CA with a chain one level too long make
     * path building try every branch: the budget, which charges each
     * Name comparison by its size, ends it within NC_TIME. */
    CHECK_ERR(nc_nested_chain(700, levels + 1, 1, 2, 0, &res), LTLS_R_CERT_WORK_LIMIT);
    CHECK(strstr(res.detail, "name constraints") != NULL);
    CHECK(cnt.cur == 0);
}

/* A server whose chain carries heavy name constraints (three CAs of 150
 * permitted and 150 excluded subtrees over a leaf of 300 names, 22 KB in
 * all, well within the 64 KiB Certificate message): the client's
 * validation runs out of budget, the client fails with CERT_WORK_LIMIT and
 * sends bad_certificate (RFC 8446 §6.2), which the server receives. */
TEST(name_constraints_through_a_handshake)
{
    enum { NI = 3 };
    static nc_node_t node[NI + 2];
    nc_lists(150, 150, 300, 0);
    ltls_err_t err = LTLS_OK;
    for (size_t i = 0; i <= NI + 1 && !err; i++) {
        ltls_certwrite_spec_t s = nc_ca_spec();
        s.common_name = i == 0 ? "nc handshake root" : "nc handshake CA";
        if (i <= NI) {
            s.nc_permitted = nc_perm;
            s.nc_permitted_count = 150;
            s.nc_excluded = nc_excl;
            s.nc_excluded_count = 150;
        } else {
            s.common_name = NULL;
            s.organization = "nc handshake leaf";
            s.is_ca = 0;
            s.eku = LTLS_X509_EKU_SERVER_AUTH;
            s.dns_names = nc_sans;
            s.dns_count = 300;
        }
        err = nc_make(&node[i], &s, NULL, i ? &node[i - 1] : NULL);
    }
    CHECK_OK(err);
    const ltls_cert_t *chain[NI + 1];
    size_t chain_bytes = 0;
    for (size_t i = 0; i <= NI; i++) {
        size_t l;
        chain[i] = node[NI + 1 - i].cert; /* leaf first, then upwards */
        ltls_cert_der(chain[i], &l);
        chain_bytes += l;
    }
    ltls_trust_store_t *ts = NULL;
    CHECK_OK(ltls_trust_store_new(&counting, &ts));
    size_t rl;
    const uint8_t *rd = ltls_cert_der(node[0].cert, &rl);
    CHECK_OK(ltls_trust_store_add(ts, rd, rl, NULL));

    ltls_config_t cc = fx_client_config(), sc = fx_server_config(FX_P256);
    cc.trust = ts;
    ltls_signing_chain_t sch = {chain, NI + 1, node[NI + 1].key};
    sc.chains = &sch;
    sc.chain_count = 1;
    fx_pair_t p;
    CHECK(contexts(&p, &cc, &sc));
    CHECK_OK(ltls_conn_new(p.sctx, NULL, &p.s));
    size_t base = cnt.cur;
    cnt.peak = base;
    CHECK_OK(ltls_conn_new(p.cctx, "h000.nc.test", &p.c));
    ltls_err_t ce = LTLS_OK, se = LTLS_OK;
    double t0 = now_s();
    fx_handshake(&p, &ce, &se);
    double dt = now_s() - t0;
    printf("# handshake with a %zu-byte chain of name-constrained CAs: client %s, alert %d "
           "(%s), server %s alert %d, %.4f s, peak %zu\n",
           chain_bytes, ltls_err_reason_name(ce), ltls_err_alert(ce),
           ltls_conn_error_detail(p.c), ltls_err_reason_name(se), ltls_err_alert(se), dt,
           cnt.peak - base);
    CHECK(chain_bytes < 64 * 1024);
    CHECK_ERR(ce, LTLS_R_CERT_WORK_LIMIT);
    CHECK(ltls_err_alert(ce) == LTLS_ALERT_BAD_CERTIFICATE);
    CHECK(strstr(ltls_conn_error_detail(p.c), "name constraints") != NULL);
    CHECK_ERR(se, LTLS_R_PEER_ALERT);
    CHECK(ltls_err_alert(se) == LTLS_ALERT_BAD_CERTIFICATE);
    CHECK(cnt.peak - base < 2 * CONN_BUDGET);
    CHECK(dt < time_limit(NC_TIME));
    fx_pair_free(&p);
    ltls_trust_store_unref(ts);
    nc_free(node, NI + 2);
    CHECK(cnt.cur == 0);
}

int main(void)
{
    fx_setup();
    RUN(client_hello_with_thousands_of_extensions);
    RUN(client_hello_with_thousands_of_key_shares);
    RUN(client_hello_with_thousands_of_cipher_suites);
    RUN(handshake_header_announcing_16_mb);
    RUN(certificate_with_hundreds_of_small_entries);
    RUN(certificate_with_hundreds_of_real_certificates);
    RUN(flood_of_empty_records);
    RUN(flood_of_warning_alerts);
    RUN(flood_of_key_updates);
    RUN(handshake_trickled_one_byte_at_a_time);
    RUN(chain_of_a_hundred_intermediates);
    RUN(name_constraints_at_the_depth_limit);
    RUN(deeply_nested_directory_names);
    RUN(name_constraints_through_a_handshake);
    fx_teardown();
    return test_done();
}
