/*
 * tests/unit/test_ctgrind.c - secret hygiene (issue 6 item 7).
 *
 * Constant time, by the "ctgrind" technique: under valgrind memcheck the
 * secrets are marked undefined (VALGRIND_MAKE_MEM_UNDEFINED), so any branch
 * or memory index that depends on them is reported as "Conditional jump or
 * move depends on uninitialised value(s)" and the valgrind step of
 * scripts/test fails. Results that are public by design (equal or not; a
 * record's content type and length) are declassified: here with
 * VALGRIND_MAKE_MEM_DEFINED, and inside the library by the suppressions
 * that scripts/test writes (ctgrind.supp), which name only the conditional
 * jumps whose innermost frame is the function taking that public decision:
 * ltls_keysched_finished_check (accept/refuse), and in src/record/record.c
 * find_content_type and open_tls13 (the position found and the type).
 * Every other frame stays checked: ltls_ct_memeq, the provider's HMAC, and
 * the padding scan (ct_scan_*, ct_last_in_chunk).
 *
 * Paths covered:
 *  - ltls_ct_memeq on secret inputs;
 *  - ltls_keysched_finished_check with a secret base key and secret
 *    received verify_data;
 *  - ltls_record_open: the decrypted plaintext is marked undefined right
 *    after the AEAD (by a provider whose aead_open wraps the real one),
 *    so the content-type/padding scan runs on secret bytes.
 * Not covered: the AEAD's own tag check (inside the provider; OpenSSL's
 * and Nettle's).
 *
 * Wiping: a recording allocator checks that every block lucidtls frees
 * through it is all-zero at free time, for a whole handshake, application
 * data, KeyUpdates and the freeing of connections and contexts (the blocks
 * include the connections, which hold the traffic secrets, and the
 * handshake state). Memory the crypto provider allocates itself
 * (OpenSSL's heap, GMP's) is watched by tests/unit/test_provider_wipe.c.
 *
 * Outside valgrind the client requests are no-ops and the test checks
 * correctness only.
 */
#include "hs_fixture.h"

#include "core/mem.h"
#include "hs/keysched.h"
#include "record/record.h"

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define HAVE_MEMCHECK 1
#endif
#endif
#ifndef HAVE_MEMCHECK
#define RUNNING_ON_VALGRIND 0
#define VALGRIND_MAKE_MEM_UNDEFINED(p, n) ((void)(p), (void)(n))
#define VALGRIND_MAKE_MEM_DEFINED(p, n) ((void)(p), (void)(n))
#endif

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

/* ---- ltls_ct_memeq ------------------------------------------------- */

static int memeq_secret(const uint8_t *a0, const uint8_t *b0, size_t n)
{
    uint8_t a[64], b[64];
    memcpy(a, a0, n);
    memcpy(b, b0, n);
    SECRET(a, n);
    SECRET(b, n);
    int r = ltls_ct_memeq(a, b, n);
    PUBLIC(&r, sizeof(r)); /* equal or not is public */
    return r;
}

TEST(ct_memeq_on_secrets)
{
    uint8_t a[64], b[64];
    for (size_t i = 0; i < sizeof(a); i++)
        a[i] = b[i] = (uint8_t)(i * 37 + 1);
    CHECK(memeq_secret(a, b, 64) == 1);
    CHECK(memeq_secret(a, b, 0) == 1);
    for (size_t pos = 0; pos < 64; pos += 7) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(b, a, 64);
            b[pos] ^= (uint8_t)(1u << bit);
            CHECK(memeq_secret(a, b, 64) == 0);
        }
    }
}

/* ---- the Finished check ----------------------------------------------- */

TEST(finished_check_on_secrets)
{
    const ltls_hash_alg_t *h = ltls_suite_aes128gcm_sha256.hash;
    uint8_t base[32], th[32], vd[32], rx[32];
    for (int i = 0; i < 32; i++)
        base[i] = (uint8_t)(0xa5 ^ i), th[i] = (uint8_t)i;
    CHECK_OK(ltls_keysched_finished(prov, h, base, th, vd));
    for (int v = 0; v < 4; v++) {
        memcpy(rx, vd, 32);
        if (v)
            rx[(v * 11) % 32] ^= (uint8_t)v; /* wrong at several positions */
        uint8_t k[32];
        memcpy(k, base, 32);
        SECRET(k, 32);
        SECRET(rx, 32);
        ltls_err_t e = ltls_keysched_finished_check(prov, h, k, th, rx, 32);
        PUBLIC(&e, sizeof(e));
        if (v == 0)
            CHECK_OK(e);
        else
            CHECK_ERR(e, LTLS_R_DECRYPT_ERROR);
    }
}

/* ---- record open: the padding scan on a secret plaintext --------------- */

static ltls_provider_t wrapped;
static ltls_err_t (*real_open)(ltls_aead_ctx_t *, const uint8_t *, const uint8_t *, size_t,
                               uint8_t *, size_t, const uint8_t *);

static ltls_err_t open_then_secret(ltls_aead_ctx_t *ctx, const uint8_t nonce[LTLS_AEAD_NONCE_SIZE],
                                   const uint8_t *aad, size_t aad_len, uint8_t *buf, size_t len,
                                   const uint8_t *tag)
{
    ltls_err_t e = real_open(ctx, nonce, aad, aad_len, buf, len, tag);
    if (!e)
        SECRET(buf, len); /* the plaintext, padding included, is secret */
    return e;
}

/* Seals type/content with padding, opens it through the wrapped provider
 * and returns the result with the content made public again. */
static ltls_err_t open_one(uint8_t type, const uint8_t *content, size_t len, size_t padding,
                           uint8_t *got_type, size_t *got_len, uint8_t *got)
{
    static const uint8_t key[16] = {1, 2, 3}, iv[12] = {4, 5, 6};
    static uint8_t rec[LTLS_RECORD_MAX_SIZE + 256];
    ltls_record_dir_t wd, rd;
    ltls_record_dir_init(&wd, 1);
    ltls_record_dir_init(&rd, 0);
    ltls_err_t e = ltls_record_dir_set_keys(&wd, prov, &ltls_aead_aes128gcm, key, iv);
    if (!e)
        e = ltls_record_dir_set_keys(&rd, &wrapped, &ltls_aead_aes128gcm, key, iv);
    size_t n = 0, rl = 0;
    if (!e)
        e = ltls_record_seal(&wd, type, content, len, padding, rec, sizeof(rec), &n);
    ltls_record_t r;
    memset(&r, 0, sizeof(r));
    if (!e)
        e = ltls_record_open(&rd, rec, n, &r, &rl);
    PUBLIC(&e, sizeof(e));
    PUBLIC(&r, sizeof(r));
    if (!e) {
        PUBLIC(r.content, r.len);
        *got_type = r.type;
        *got_len = r.len;
        memcpy(got, r.content, r.len);
    }
    ltls_record_dir_clear(&wd);
    ltls_record_dir_clear(&rd);
    return e;
}

TEST(record_open_padding_scan_on_secrets)
{
    wrapped = *prov;
    real_open = prov->aead_open;
    wrapped.aead_open = open_then_secret;
    static uint8_t content[4096], got[4096 + 64];
    for (size_t i = 0; i < sizeof(content); i++)
        content[i] = (uint8_t)(i % 251 + 1);
    static const size_t lens[] = {0, 1, 15, 16, 17, 31, 32, 33, 100, 1000, 4096};
    static const size_t pads[] = {0, 1, 7, 16, 31, 32, 33, 200, 1024};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        for (size_t j = 0; j < sizeof(pads) / sizeof(pads[0]); j++) {
            uint8_t t = 0;
            size_t gl = 0;
            CHECK_OK(open_one(23, content, lens[i], pads[j], &t, &gl, got));
            CHECK(t == 23 && gl == lens[i]);
            CHECK(memcmp(got, content, gl) == 0);
        }
    }
    /* a handshake record whose content ends in zero bytes: only the
     * padding is stripped */
    uint8_t z[40] = {1, 2, 3};
    uint8_t t = 0;
    size_t gl = 0;
    CHECK_OK(open_one(22, z, sizeof(z), 9, &t, &gl, got));
    CHECK(t == 22 && gl == sizeof(z) && memcmp(got, z, gl) == 0);
}

/* ---- wiping ----------------------------------------------------------- */

typedef struct recorder {
    size_t frees, dirty, cur;
} recorder_t;

static void *rec_alloc(void *user, size_t size)
{
    recorder_t *r = user;
    r->cur += size;
    uint8_t *p = malloc(size);
    if (p)
        memset(p, 0xee, size); /* garbage, so that an unwiped block shows */
    return p;
}

static void rec_free(void *user, void *p, size_t size)
{
    recorder_t *r = user;
    const uint8_t *b = p;
    size_t nz = 0;
    for (size_t i = 0; i < size; i++)
        nz |= b[i];
    r->frees++;
    r->dirty += nz != 0;
    r->cur -= size;
    free(p);
}

TEST(freed_memory_is_wiped)
{
    recorder_t r = {0, 0, 0};
    ltls_allocator_t a = {rec_alloc, rec_free, &r};
    ltls_config_t cc = fx_client_config(), sc = fx_server_config(FX_P256);
    cc.alloc = &a;
    sc.alloc = &a;
    fx_pair_t p;
    CHECK_OK(fx_pair_new(&p, &cc, &sc, "localhost"));
    CHECK_OK(fx_handshake(&p, NULL, NULL));
    uint8_t secret[32];
    memcpy(secret, p.c->wr_secret, 32); /* a traffic secret the client holds */
    size_t w, n;
    uint8_t buf[64];
    CHECK_OK(ltls_conn_key_update(p.c, 1));
    CHECK_OK(ltls_conn_write(p.c, (const uint8_t *)"secret data", 11, &w));
    fx_pump(p.c, p.s);
    CHECK_OK(ltls_conn_read(p.s, buf, sizeof(buf), &n));
    CHECK(n == 11);
    fx_pump(p.s, p.c);
    CHECK_ERR(ltls_conn_read(p.c, buf, sizeof(buf), &n), LTLS_R_WANT_READ);
    fx_pair_free(&p);
    printf("# %zu blocks freed through the allocator, %zu not wiped\n", r.frees, r.dirty);
    CHECK(r.frees > 10);
    CHECK(r.dirty == 0);
    CHECK(r.cur == 0);
    ltls_wipe(secret, sizeof(secret));
}

int main(void)
{
    fx_setup();
    printf("# %s valgrind\n", RUNNING_ON_VALGRIND ? "under" : "not under");
    RUN(ct_memeq_on_secrets);
    RUN(finished_check_on_secrets);
    RUN(record_open_padding_scan_on_secrets);
    RUN(freed_memory_is_wiped);
    fx_teardown();
    return test_done();
}
