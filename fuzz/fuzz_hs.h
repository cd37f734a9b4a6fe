/*
 * fuzz/fuzz_hs.h - the driver shared by fuzz_client and fuzz_server: one
 * connection of one side, fed the fuzzer's bytes as its peer's flights, on
 * the null provider (src/crypto/null, NO SECURITY) so that Finished,
 * CertificateVerify and protected records are within the fuzzer's reach:
 * a "protected" record is its plaintext followed by 16 zero bytes, every
 * Finished is zeros, any non-empty signature verifies. Certificates still go
 * through the real X.509 decoder and path validation (test PKI of
 * tests/data/hs, embedded by fuzz_hs_pki.h; clock fixed at 2027-01-01).
 *
 * Input: one flags byte, then chunks, each a 2-byte big-endian length and
 * that many bytes (the last one may be short). Flags:
 *   bit 0  ALPN on both sides ("h2", "http/1.1")
 *   bit 1  client authentication (server requires it; client has a chain)
 *   bit 2  server accepts only secp256r1: a HelloRetryRequest
 *   bit 3  send a KeyUpdate after the handshake (bit 4: request the peer's)
 *   bit 5  shut down (close_notify) after the first application read
 *   bit 7  fail one allocation (its index from a hash of the input)
 * The client's first handshake() runs before the first chunk (it writes the
 * ClientHello); after each chunk is fed the driver steps the connection:
 * handshake() until done, then read() until nothing is left, write(), and
 * the actions of the flags. At the end, EOF is fed and the connection read.
 *
 * Checked besides the sanitizers: each call returns OK, a want-I/O status,
 * CLOSED/RAGGED_EOF, or an error of class LOCAL_ALERT/PEER_ALERT (INTERNAL
 * only as OUT_OF_MEMORY when an allocation was failed on purpose; never
 * MISUSE); a failure is sticky and is what ltls_conn_error() says; read
 * returns no more than asked; outgoing bytes per call are bounded; every
 * allocation is freed with its size (checking allocator).
 *
 * FUZZ_HS_SEEDS=<dir> makes the target write the seed corpora instead
 * (dir/client/hs-*, dir/server/hs-*): scripts/gen_fuzz_hs_corpus.py.
 */
#ifndef LTLS_FUZZ_HS_H
#define LTLS_FUZZ_HS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/null/nullprov.h"
#include "fuzz_common.h"
#include "fuzz_hs_pki.h"
#include "lucidtls/tls.h"

#define HS_FIXED_NOW 1798761600 /* 2027-01-01T00:00:00Z */
#define HS_OUT_MAX (96u * 1024u)

enum { HS_ALPN = 1, HS_CAUTH = 2, HS_HRR = 4, HS_KU = 8, HS_KU_REQ = 16, HS_SHUT = 32,
       HS_OOM = 128, HS_CFG_MASK = 7 };

static fuzz_alloc_state_t hs_st;
static ltls_allocator_t hs_alloc;
static ltls_provider_t *hs_prov;
static ltls_trust_store_t *hs_trust;
static ltls_cert_t **hs_server_certs, **hs_client_certs;
static ltls_key_t *hs_server_key, *hs_client_key;
static ltls_signing_chain_t hs_server_chain, hs_client_chain;
static ltls_context_t *hs_ctx[2][HS_CFG_MASK + 1]; /* [is_server][flags & 7] */

static int64_t hs_clock(void *user)
{
    (void)user;
    return HS_FIXED_NOW;
}

static void hs_die(const char *what, ltls_err_t e)
{
    fprintf(stderr, "fuzz_hs: %s failed: %s\n", what, ltls_err_message(e));
    abort();
}

/* A chain leaf + intermediate, read from two PEM texts. */
static ltls_cert_t **hs_chain(const char *leaf_pem)
{
    ltls_cert_t **leaf, **inter, **out = calloc(2, sizeof(*out));
    size_t n;
    ltls_err_t e = ltls_cert_list_parse((const uint8_t *)leaf_pem, strlen(leaf_pem), NULL, &leaf, &n);
    if (e || !out || n != 1)
        hs_die("leaf", e);
    out[0] = leaf[0];
    free(leaf); /* the array of a one-certificate list (as tests/unit/hs_fixture.h) */
    e = ltls_cert_list_parse((const uint8_t *)fuzz_hs_inter_pem, strlen(fuzz_hs_inter_pem), NULL,
                             &inter, &n);
    if (e || n != 1)
        hs_die("intermediate", e);
    out[1] = inter[0];
    free(inter);
    return out;
}

static void hs_init(void)
{
    ltls_err_t e;
    hs_alloc = fuzz_allocator(&hs_st);
    if ((e = ltls_null_provider_create(NULL, &hs_prov)))
        hs_die("null provider", e);
    if ((e = ltls_trust_store_new(NULL, &hs_trust)) ||
        (e = ltls_trust_store_add(hs_trust, (const uint8_t *)fuzz_hs_ca_pem,
                                  strlen(fuzz_hs_ca_pem), NULL)))
        hs_die("trust store", e);
    hs_server_certs = hs_chain(fuzz_hs_server_pem);
    hs_client_certs = hs_chain(fuzz_hs_client_pem);
    if ((e = ltls_key_load(hs_prov, (const uint8_t *)fuzz_hs_server_key_pem,
                           strlen(fuzz_hs_server_key_pem), NULL, 0, &hs_server_key)) ||
        (e = ltls_key_load(hs_prov, (const uint8_t *)fuzz_hs_client_key_pem,
                           strlen(fuzz_hs_client_key_pem), NULL, 0, &hs_client_key)))
        hs_die("key", e);
    hs_server_chain.certs = (const ltls_cert_t *const *)hs_server_certs;
    hs_server_chain.cert_count = 2;
    hs_server_chain.key = hs_server_key;
    hs_client_chain.certs = (const ltls_cert_t *const *)hs_client_certs;
    hs_client_chain.cert_count = 2;
    hs_client_chain.key = hs_client_key;
}

static const char *const hs_alpn[] = {"h2", "http/1.1"};
static const ltls_group_t *const hs_hrr_groups[] = {&ltls_group_secp256r1};

/* The context of a side and configuration, made on first use (with the
 * checking allocator, never failing; it lives as long as the process). */
static ltls_context_t *hs_context(int server, unsigned flags)
{
    unsigned cfgi = flags & HS_CFG_MASK;
    if (hs_ctx[server][cfgi])
        return hs_ctx[server][cfgi];
    ltls_config_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.provider = hs_prov;
    cfg.alloc = &hs_alloc;
    cfg.clock = hs_clock;
    if (flags & HS_ALPN) {
        cfg.alpn = hs_alpn;
        cfg.alpn_count = 2;
    }
    ltls_err_t e;
    size_t fail_at = hs_st.fail_at;
    hs_st.fail_at = 0;
    if (server) {
        cfg.chains = &hs_server_chain;
        cfg.chain_count = 1;
        if (flags & HS_CAUTH) {
            cfg.client_auth = LTLS_CLIENT_AUTH_REQUIRED;
            cfg.trust = hs_trust;
        }
        if (flags & HS_HRR) {
            cfg.groups = hs_hrr_groups;
            cfg.group_count = 1;
        }
        e = ltls_server_context_new(&cfg, &hs_ctx[server][cfgi]);
    } else {
        cfg.trust = hs_trust;
        if (flags & HS_CAUTH) {
            cfg.chains = &hs_client_chain;
            cfg.chain_count = 1;
        }
        e = ltls_client_context_new(&cfg, &hs_ctx[server][cfgi]);
    }
    hs_st.fail_at = fail_at;
    if (e)
        hs_die("context", e);
    return hs_ctx[server][cfgi];
}

/* --- the driver ------------------------------------------------------------- */

typedef struct hs_run {
    ltls_conn_t *conn;
    unsigned flags;
    int oom;            /* an allocation may fail */
    ltls_err_t sticky;  /* ltls_conn_error() once it was set */
    int shut, ku_done;
    size_t out_total;
    /* seed recording: the bytes this side sent, as chunks */
    FILE *rec;
} hs_run_t;

static int hs_progress(ltls_err_t e)
{
    return e == LTLS_OK || ltls_err_class(e) == LTLS_ECLASS_WANT_IO;
}

/* The contract every call's status is held to. */
static void hs_check(hs_run_t *r, ltls_err_t e)
{
    ltls_err_class_t cls = ltls_err_class(e);
    ltls_reason_t why = ltls_err_reason(e);
    FUZZ_CHECK_ERR(e, e == LTLS_OK || cls == LTLS_ECLASS_WANT_IO || cls == LTLS_ECLASS_LOCAL_ALERT ||
                          cls == LTLS_ECLASS_PEER_ALERT ||
                          (cls == LTLS_ECLASS_INTERNAL && r->oom && why == LTLS_R_OUT_OF_MEMORY));
    ltls_err_t now = ltls_conn_error(r->conn);
    if (r->sticky)
        FUZZ_CHECK_ERR(now, now == r->sticky);
    r->sticky = now;
    if (!hs_progress(e) && why != LTLS_R_CLOSED && why != LTLS_R_RAGGED_EOF)
        FUZZ_CHECK_ERR(e, e == now);
    if (now)
        FUZZ_CHECK_ERR(now, ltls_err_class(now) != LTLS_ECLASS_MISUSE);
}

/* Takes (and records, or touches) every outgoing byte. */
static void hs_drain(hs_run_t *r)
{
    size_t len;
    const uint8_t *out = ltls_conn_outgoing(r->conn, &len);
    FUZZ_CHECK(len <= HS_OUT_MAX);
    FUZZ_CHECK(len == 0 || out != NULL);
    if (!len)
        return;
    fuzz_touch(out, len);
    if (r->rec) {
        size_t off = 0;
        while (off < len) {
            size_t n = len - off > 0xffff ? 0xffff : len - off;
            uint8_t hdr[2] = {(uint8_t)(n >> 8), (uint8_t)n};
            fwrite(hdr, 1, 2, r->rec);
            fwrite(out + off, 1, n, r->rec);
            off += n;
        }
    }
    r->out_total += len;
    ltls_conn_outgoing_consume(r->conn, len);
    FUZZ_CHECK(ltls_conn_outgoing_buffered(r->conn) == 0);
}

static const uint8_t hs_msg_client[] = "GET / HTTP/1.0\r\n\r\n";
static const uint8_t hs_msg_server[] = "HTTP/1.0 200 OK\r\n\r\nfuzz";

/* Reads what is there; returns the last status. */
static ltls_err_t hs_read_all(hs_run_t *r, size_t *got)
{
    uint8_t buf[4096];
    ltls_err_t e = LTLS_OK;
    *got = 0;
    for (int i = 0; i < 256; i++) {
        size_t n = 0, cap = sizeof(buf) - (size_t)(i % 7) * 500;
        e = ltls_conn_read(r->conn, buf, cap, &n);
        hs_check(r, e);
        hs_drain(r);
        if (e != LTLS_OK || n == 0)
            break;
        FUZZ_CHECK(n <= cap);
        fuzz_touch(buf, n);
        *got += n;
    }
    return e;
}

/* One step after new input (or at the start). */
static void hs_step(hs_run_t *r, int server)
{
    if (!ltls_conn_handshake_done(r->conn)) {
        ltls_err_t e = ltls_conn_handshake(r->conn);
        hs_check(r, e);
        hs_drain(r);
        if (!ltls_conn_handshake_done(r->conn))
            return;
    }
    if (r->sticky)
        return;
    size_t got;
    ltls_err_t e = hs_read_all(r, &got);
    if (r->sticky)
        return;
    if ((r->flags & HS_KU) && !r->ku_done && !r->shut) {
        r->ku_done = 1;
        e = ltls_conn_key_update(r->conn, (r->flags & HS_KU_REQ) != 0);
        hs_check(r, e);
        hs_drain(r);
    }
    if (!r->shut && got) {
        const uint8_t *m = server ? hs_msg_server : hs_msg_client;
        size_t mlen = server ? sizeof(hs_msg_server) - 1 : sizeof(hs_msg_client) - 1, n = 0;
        e = ltls_conn_write(r->conn, m, mlen, &n);
        hs_check(r, e);
        FUZZ_CHECK(n <= mlen);
        hs_drain(r);
        if (r->flags & HS_SHUT) {
            r->shut = 1;
            e = ltls_conn_shutdown(r->conn);
            hs_check(r, e);
            hs_drain(r);
        }
    }
}

/* Feeds one chunk, stepping whenever the input buffer is full. */
static void hs_feed(hs_run_t *r, int server, const uint8_t *p, size_t n)
{
    int stuck = 0;
    while (n && stuck < 2) {
        size_t used = 0;
        ltls_err_t e = ltls_conn_feed(r->conn, p, n, &used);
        hs_check(r, e);
        FUZZ_CHECK(used <= n);
        if (e && !hs_progress(e))
            return;
        p += used;
        n -= used;
        stuck = used ? 0 : stuck + 1;
        hs_step(r, server);
    }
    /* bytes still left are dropped: the connection took none of them twice */
}

static void hs_one_input(int server, const uint8_t *data, size_t size)
{
    if (!hs_prov)
        hs_init();
    unsigned flags = size ? data[0] : 0;
    if (size) {
        data++;
        size--;
    }
    ltls_context_t *ctx = hs_context(server, flags);
    size_t base = hs_st.live;
    hs_run_t r;
    memset(&r, 0, sizeof(r));
    r.flags = flags;
    r.oom = (flags & HS_OOM) != 0;
    fuzz_alloc_reset(&hs_st, r.oom ? 1 + fuzz_hash(data, size) % 160 : 0);
    ltls_err_t e = ltls_conn_new(ctx, server ? NULL : "localhost", &r.conn);
    if (e) {
        FUZZ_CHECK_ERR(e, r.oom && ltls_err_reason(e) == LTLS_R_OUT_OF_MEMORY);
        FUZZ_CHECK(hs_st.live == base);
        fuzz_alloc_reset(&hs_st, 0);
        return;
    }
    if (!server)
        hs_step(&r, server);
    while (size) {
        size_t n;
        const uint8_t *flight = fuzz_next_flight(&data, &size, &n);
        hs_feed(&r, server, flight, n);
        if (!n)
            hs_step(&r, server);
    }
    ltls_conn_feed_eof(r.conn);
    hs_step(&r, server);
    size_t got;
    if (ltls_conn_handshake_done(r.conn))
        (void)hs_read_all(&r, &got);
    if (ltls_conn_error(r.conn))
        FUZZ_CHECK(ltls_conn_pending(r.conn) == 0);
    static int verbose = -1;
    if (verbose < 0)
        verbose = getenv("FUZZ_VERBOSE") != NULL;
    if (verbose)
        fprintf(stderr, "fuzz_hs: %s flags 0x%02x: handshake %s, %zu bytes out, state: %s %s\n",
                server ? "server" : "client", flags,
                ltls_conn_handshake_done(r.conn) ? "done" : "not done", r.out_total,
                ltls_err_message(ltls_conn_error(r.conn)), ltls_conn_error_detail(r.conn));
    ltls_conn_free(r.conn);
    FUZZ_CHECK(hs_st.live == base);
    fuzz_alloc_reset(&hs_st, 0);
}

/* --- seed generation -------------------------------------------------------------- */

/* Moves a's outgoing bytes to b, recording them as one chunk of b's seed. */
static void hs_gen_move(hs_run_t *from, hs_run_t *to, int to_server)
{
    size_t len;
    const uint8_t *out = ltls_conn_outgoing(from->conn, &len);
    if (!len)
        return;
    uint8_t *copy = malloc(len);
    if (!copy)
        abort();
    memcpy(copy, out, len);
    from->rec = to->rec;
    hs_drain(from);
    from->rec = NULL;
    size_t off = 0;
    while (off < len) {
        size_t used = 0;
        if (ltls_conn_feed(to->conn, copy + off, len - off, &used) || !used)
            hs_die("seed feed", ltls_conn_error(to->conn));
        off += used;
        if (to_server && !ltls_conn_handshake_done(to->conn))
            (void)ltls_conn_handshake(to->conn);
    }
    free(copy);
}

static void hs_gen_one(const char *dir, unsigned flags, const char *name)
{
    hs_run_t c, s;
    memset(&c, 0, sizeof(c));
    memset(&s, 0, sizeof(s));
    char path[4096];
    snprintf(path, sizeof(path), "%s/client/hs-%s", dir, name);
    c.rec = fopen(path, "wb");
    snprintf(path, sizeof(path), "%s/server/hs-%s", dir, name);
    s.rec = fopen(path, "wb");
    if (!c.rec || !s.rec) {
        fprintf(stderr, "fuzz_hs: cannot write %s\n", path);
        exit(1);
    }
    uint8_t f = (uint8_t)flags;
    fwrite(&f, 1, 1, c.rec);
    fwrite(&f, 1, 1, s.rec);
    /* Each side's recorder receives what the other side sends. */
    FILE *crec = c.rec, *srec = s.rec;
    c.rec = s.rec = NULL;
    if (ltls_conn_new(hs_context(0, flags), "localhost", &c.conn) ||
        ltls_conn_new(hs_context(1, flags), NULL, &s.conn))
        hs_die("seed conn", 0);
    hs_run_t cr = c, sr = s;
    cr.rec = crec; /* what the client receives */
    sr.rec = srec; /* what the server receives */
    ltls_err_t ec = LTLS_OK, es = LTLS_OK;
    for (int i = 0; i < 10 && !(ltls_conn_handshake_done(c.conn) && ltls_conn_handshake_done(s.conn)); i++) {
        ec = ltls_conn_handshake(c.conn);
        hs_gen_move(&c, &sr, 1);
        es = ltls_conn_handshake(s.conn);
        hs_gen_move(&s, &cr, 0);
        if (!hs_progress(ec) || !hs_progress(es))
            break;
    }
    if (!ltls_conn_handshake_done(c.conn) || !ltls_conn_handshake_done(s.conn)) {
        fprintf(stderr, "fuzz_hs: seed %s: handshake failed: client %s (%s), server %s (%s)\n",
                name, ltls_err_message(ec), ltls_conn_error_detail(c.conn), ltls_err_message(es),
                ltls_conn_error_detail(s.conn));
        exit(1);
    }
    /* Application data both ways, a KeyUpdate asking for one, close_notify. */
    uint8_t buf[512];
    size_t n;
    (void)ltls_conn_write(c.conn, hs_msg_client, sizeof(hs_msg_client) - 1, &n);
    hs_gen_move(&c, &sr, 1);
    (void)ltls_conn_read(s.conn, buf, sizeof(buf), &n);
    (void)ltls_conn_write(s.conn, hs_msg_server, sizeof(hs_msg_server) - 1, &n);
    (void)ltls_conn_key_update(s.conn, 1);
    (void)ltls_conn_write(s.conn, hs_msg_server, sizeof(hs_msg_server) - 1, &n);
    hs_gen_move(&s, &cr, 0);
    (void)ltls_conn_read(c.conn, buf, sizeof(buf), &n);
    (void)ltls_conn_read(c.conn, buf, sizeof(buf), &n);
    (void)ltls_conn_write(c.conn, hs_msg_client, sizeof(hs_msg_client) - 1, &n);
    (void)ltls_conn_shutdown(c.conn);
    hs_gen_move(&c, &sr, 1);
    while (ltls_conn_read(s.conn, buf, sizeof(buf), &n) == LTLS_OK && n)
        ;
    (void)ltls_conn_shutdown(s.conn);
    hs_gen_move(&s, &cr, 0);
    fclose(crec);
    fclose(srec);
    ltls_conn_free(c.conn);
    ltls_conn_free(s.conn);
}

static void hs_gen_seeds(const char *dir)
{
    hs_init();
    hs_gen_one(dir, 0, "default");
    hs_gen_one(dir, HS_ALPN, "alpn");
    hs_gen_one(dir, HS_CAUTH, "client-auth");
    hs_gen_one(dir, HS_HRR, "hrr");
    hs_gen_one(dir, HS_ALPN | HS_CAUTH | HS_HRR | HS_KU | HS_KU_REQ, "all-keyupdate");
    hs_gen_one(dir, HS_SHUT, "shutdown");
    hs_gen_one(dir, HS_OOM, "oom");
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *dir = getenv("FUZZ_HS_SEEDS");
    if (dir && *dir) {
        hs_gen_seeds(dir);
        exit(0);
    }
    return 0;
}

#endif
