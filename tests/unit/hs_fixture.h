/*
 * tests/unit/hs_fixture.h - in-memory client/server pairs for the
 * handshake and connection tests (test_handshake.c, test_conn.c,
 * test_statemachine.c).
 *
 * The PKI is tests/data/hs (made by make.sh there): a root, an
 * intermediate, server leaves for RSA-2048, P-256, P-384 and Ed25519, a
 * client certificate and the broken ones. The clock is fixed at
 * 2027-01-01T00:00:00Z, inside every certificate's validity but expired's.
 * Bytes move between the two connections through their outgoing views,
 * as an application would move them through a socket.
 */
#ifndef LTLS_TEST_HS_FIXTURE_H
#define LTLS_TEST_HS_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "crypto/keyfile/keyfile.h"
#include "hs/hs.h"
#include "record/record.h"
#include "lucidtls/insecure.h"
#include "lucidtls/tls.h"
#include "test.h"
#include "test_provider.h"

#define HS_DIR "../data/hs/"
#define FIXED_NOW 1798761600 /* 2027-01-01T00:00:00Z */

static ltls_provider_t *prov;
static ltls_trust_store_t *trust;

typedef struct fx_chain {
    ltls_cert_t **certs; /* leaf, intermediate */
    size_t count;
    ltls_key_t *key;
    ltls_signing_chain_t sc;
} fx_chain_t;

enum { FX_RSA, FX_P256, FX_P384, FX_ED25519, FX_EXPIRED, FX_WRONGNAME, FX_UNTRUSTED, FX_CLIENT,
       FX_COUNT };
static const char *const fx_names[FX_COUNT] = {"rsa2048", "p256",      "p384",      "ed25519",
                                               "expired", "wrongname", "untrusted", "client"};
static fx_chain_t fx[FX_COUNT];

static inline int64_t fixed_clock(void *user)
{
    (void)user;
    return FIXED_NOW;
}

static uint8_t *fx_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        abort();
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
        abort();
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static ltls_cert_t **fx_certs(const char *path, size_t *count)
{
    size_t len;
    uint8_t *data = fx_read(path, &len);
    ltls_cert_t **certs = NULL;
    if (ltls_cert_list_parse(data, len, NULL, &certs, count))
        abort();
    free(data);
    return certs;
}

/* Loads HS_DIR/<name>.crt, followed by a copy of inter unless it is NULL,
 * and HS_DIR/<name>.key into *out: the key through provider p, its memory
 * from a (NULL: the default allocator). */
static inline void fx_chain_load(const char *name, const ltls_cert_t *inter,
                                 const ltls_provider_t *p, const ltls_allocator_t *a,
                                 fx_chain_t *out)
{
    char path[256];
    size_t c;
    snprintf(path, sizeof(path), HS_DIR "%s.crt", name);
    ltls_cert_t **leaf = fx_certs(path, &c);
    out->certs = calloc(2, sizeof(ltls_cert_t *));
    out->certs[0] = leaf[0];
    free(leaf);
    out->count = 1;
    if (inter) {
        size_t dl;
        const uint8_t *der = ltls_cert_der(inter, &dl);
        if (ltls_cert_parse(der, dl, NULL, &out->certs[1]))
            abort();
        out->count = 2;
    }
    snprintf(path, sizeof(path), HS_DIR "%s.key", name);
    uint8_t *kd = fx_read(path, &c);
    if (ltls_keyfile_load(p, a, kd, c, NULL, 0, &out->key))
        abort();
    ltls_wipe(kd, c);
    free(kd);
    out->sc.certs = (const ltls_cert_t *const *)out->certs;
    out->sc.cert_count = out->count;
    out->sc.key = out->key;
}

static inline void fx_setup(void)
{
    if (ltls_provider_new(test_provider_name(), NULL, &prov))
        abort();
    if (ltls_trust_store_new(NULL, &trust) ||
        ltls_trust_store_add_file(trust, HS_DIR "ca.crt", NULL))
        abort();
    size_t n;
    ltls_cert_t **inter = fx_certs(HS_DIR "inter.crt", &n);
    for (int i = 0; i < FX_COUNT; i++) /* untrusted: signed by other-ca, which nobody trusts */
        fx_chain_load(fx_names[i], i == FX_UNTRUSTED ? NULL : inter[0], prov, NULL, &fx[i]);
    ltls_cert_list_free(inter, n, NULL);
}

static inline void fx_teardown(void)
{
    for (int i = 0; i < FX_COUNT; i++) {
        for (size_t j = 0; j < fx[i].count; j++)
            ltls_cert_free(fx[i].certs[j]);
        free(fx[i].certs);
        ltls_key_free(fx[i].key);
    }
    ltls_trust_store_unref(trust);
    ltls_provider_free(prov);
}

/* A client configuration trusting the test root, with the fixed clock. */
static inline ltls_config_t fx_client_config(void)
{
    ltls_config_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.provider = prov;
    cfg.trust = trust;
    cfg.clock = fixed_clock;
    return cfg;
}

/* A server configuration with one chain. */
static inline ltls_config_t fx_server_config(int chain)
{
    ltls_config_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.provider = prov;
    cfg.clock = fixed_clock;
    cfg.chains = &fx[chain].sc;
    cfg.chain_count = 1;
    return cfg;
}

typedef struct fx_pair {
    ltls_context_t *cctx, *sctx;
    ltls_conn_t *c, *s;
} fx_pair_t;

static inline ltls_err_t fx_pair_new(fx_pair_t *p, const ltls_config_t *ccfg, const ltls_config_t *scfg,
                              const char *name)
{
    memset(p, 0, sizeof(*p));
    ltls_err_t err = ltls_client_context_new(ccfg, &p->cctx);
    if (!err)
        err = ltls_server_context_new(scfg, &p->sctx);
    if (!err)
        err = ltls_conn_new(p->cctx, name, &p->c);
    if (!err)
        err = ltls_conn_new(p->sctx, NULL, &p->s);
    return err;
}

static inline void fx_pair_free(fx_pair_t *p)
{
    ltls_conn_free(p->c);
    ltls_conn_free(p->s);
    ltls_context_unref(p->cctx);
    ltls_context_unref(p->sctx);
    memset(p, 0, sizeof(*p));
}

/* Moves what fits of from's outgoing bytes into to. Returns bytes moved. */
static inline size_t fx_pump(ltls_conn_t *from, ltls_conn_t *to)
{
    size_t total = 0;
    for (;;) {
        size_t len, used = 0;
        const uint8_t *out = ltls_conn_outgoing(from, &len);
        if (len == 0)
            return total;
        if (ltls_conn_feed(to, out, len, &used) || used == 0)
            return total;
        ltls_conn_outgoing_consume(from, used);
        total += used;
    }
}

static inline int fx_is_progress(ltls_err_t e)
{
    return e == LTLS_OK || ltls_err_class(e) == LTLS_ECLASS_WANT_IO;
}

/* Drives both handshakes to completion or to the first failure. Returns
 * OK, or the first error of either side (*ce and *se, if not NULL, receive
 * each side's last status). */
static inline ltls_err_t fx_handshake(fx_pair_t *p, ltls_err_t *ce, ltls_err_t *se)
{
    ltls_err_t ec = LTLS_OK, es = LTLS_OK;
    for (int i = 0; i < 20; i++) {
        ec = ltls_conn_handshake(p->c);
        fx_pump(p->c, p->s);
        es = ltls_conn_handshake(p->s);
        fx_pump(p->s, p->c);
        if (ec == LTLS_OK && es == LTLS_OK)
            break;
        if (!fx_is_progress(ec) || !fx_is_progress(es)) {
            /* let the other side see the alert */
            if (fx_is_progress(ec))
                ec = ltls_conn_handshake(p->c);
            if (fx_is_progress(es))
                es = ltls_conn_handshake(p->s);
            break;
        }
    }
    if (ce)
        *ce = ec;
    if (se)
        *se = es;
    if (!fx_is_progress(ec))
        return ec;
    if (!fx_is_progress(es))
        return es;
    return ec ? ec : es;
}

/* Reads up to cap bytes from conn, pumping nothing: what is buffered. */
static inline size_t fx_read_all(ltls_conn_t *conn, uint8_t *buf, size_t cap, ltls_err_t *last)
{
    size_t total = 0, n;
    ltls_err_t e;
    while ((e = ltls_conn_read(conn, buf + total, cap - total, &n)) == LTLS_OK && n)
        total += n;
    if (last)
        *last = e;
    return total;
}

/* A counting allocator: current and peak bytes, and calls. */
typedef struct fx_counter {
    size_t cur, peak, calls;
} fx_counter_t;

static inline void *fx_count_alloc(void *user, size_t size)
{
    fx_counter_t *c = user;
    c->cur += size;
    c->calls++;
    if (c->cur > c->peak)
        c->peak = c->cur;
    return malloc(size);
}

static inline void fx_count_free(void *user, void *p, size_t size)
{
    fx_counter_t *c = user;
    c->cur -= size;
    free(p);
}

/* Key-log lines captured through config.keylog, to decrypt a peer's flight. */
typedef struct fx_keylog {
    char lines[8][256];
    int n;
} fx_keylog_t;

static inline void fx_keylog_cb(void *user, const char *line)
{
    fx_keylog_t *k = user;
    if (k->n < 8)
        snprintf(k->lines[k->n++], sizeof(k->lines[0]), "%s", line);
}

/* The hex secret of the line with this label ("LABEL <random> <secret>"). */
static inline const char *fx_keylog_secret(const fx_keylog_t *k, const char *label)
{
    size_t l = strlen(label);
    for (int i = 0; i < k->n; i++)
        if (strncmp(k->lines[i], label, l) == 0 && k->lines[i][l] == ' ')
            return k->lines[i] + l + 1 + 64 + 1;
    return NULL;
}

/* Seals data as one record under from's write keys and feeds all of it to
 * to; a partial feed is an error too. */
static inline ltls_err_t fx_inject(ltls_conn_t *from, ltls_conn_t *to, uint8_t type,
                                   const uint8_t *data, size_t len)
{
    uint8_t rec[LTLS_RECORD_MAX_SIZE];
    size_t n, used;
    ltls_err_t err = ltls_record_seal(&from->wr, type, data, len, 0, rec, sizeof(rec), &n);
    if (err)
        return err;
    err = ltls_conn_feed(to, rec, n, &used);
    return err ? err : used == n ? LTLS_OK : ltls_err_make(LTLS_R_BUFFER_TOO_SMALL);
}

#endif
