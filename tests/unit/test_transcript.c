/*
 * tests/unit/test_transcript.c - the running transcript hash
 * (src/hs/transcript.c): buffering before the hash is known, the
 * HelloRetryRequest rewrite of RFC 8446 §4.4.1, current() leaving the running
 * state alone, the buffer limit, and wiping on free. Expected hashes are
 * one-shot hashes of byte strings laid out by hand in the test, never by the
 * code under test.
 */
#include <stdlib.h>
#include <string.h>

#include "hs/transcript.h"
#include "test.h"
#include "test_provider.h"

static ltls_provider_t *P;

/* A handshake message of the given type whose body is n bytes of fill. */
static size_t make_msg(uint8_t *out, uint8_t type, size_t n, uint8_t fill)
{
    out[0] = type;
    out[1] = (uint8_t)(n >> 16);
    out[2] = (uint8_t)(n >> 8);
    out[3] = (uint8_t)n;
    memset(out + 4, fill, n);
    return n + 4;
}

/* Hash of the concatenation of up to four pieces (NULL/0 for unused ones),
 * in one go. */
static ltls_err_t hash_of(const ltls_hash_alg_t *h, const uint8_t *a, size_t al, const uint8_t *b,
                          size_t bl, const uint8_t *c, size_t cl, const uint8_t *d, size_t dl,
                          uint8_t *out)
{
    const uint8_t *part[4] = {a, b, c, d};
    size_t plen[4] = {al, bl, cl, dl};
    uint8_t *all = malloc(al + bl + cl + dl + 1);
    if (!all)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    size_t n = 0;
    for (int i = 0; i < 4; i++) {
        if (plen[i])
            memcpy(all + n, part[i], plen[i]);
        n += plen[i];
    }
    ltls_err_t e = ltls_transcript_digest(P, h, all, n, out);
    free(all);
    return e;
}

TEST(buffers_until_hash_is_set)
{
    uint8_t ch[300], sh[100], got[32], want[32];
    size_t chl = make_msg(ch, 1, 296, 0x11), shl = make_msg(sh, 2, 96, 0x22);
    ltls_transcript_t t;
    CHECK_OK(ltls_transcript_init(&t, P, NULL));
    CHECK(ltls_transcript_hash(&t) == NULL);
    CHECK_OK(ltls_transcript_add(&t, ch, chl));
    CHECK(t.len == chl && t.ctx == NULL);
    CHECK_ERR(ltls_transcript_current(&t, got), LTLS_R_BAD_STATE);
    CHECK_OK(ltls_transcript_set_hash(&t, &ltls_hash_sha256));
    CHECK(t.buf == NULL && t.len == 0); /* hashed once, then dropped */
    CHECK(ltls_transcript_hash(&t) == &ltls_hash_sha256);
    CHECK_ERR(ltls_transcript_set_hash(&t, &ltls_hash_sha256), LTLS_R_BAD_STATE);
    CHECK_OK(ltls_transcript_current(&t, got));
    CHECK_OK(hash_of(&ltls_hash_sha256, ch, chl, NULL, 0, NULL, 0, NULL, 0, want));
    CHECK_MEM(got, want, 32);
    CHECK_OK(ltls_transcript_add(&t, sh, shl));
    CHECK_OK(ltls_transcript_current(&t, got));
    CHECK_OK(hash_of(&ltls_hash_sha256, ch, chl, sh, shl, NULL, 0, NULL, 0, want));
    CHECK_MEM(got, want, 32);
    CHECK(t.messages == 2);
    ltls_transcript_free(&t);

    /* Setting the hash first gives the same value. */
    CHECK_OK(ltls_transcript_init(&t, P, NULL));
    CHECK_OK(ltls_transcript_set_hash(&t, &ltls_hash_sha256));
    CHECK_OK(ltls_transcript_add(&t, ch, chl));
    CHECK_OK(ltls_transcript_add(&t, sh, shl));
    CHECK_OK(ltls_transcript_current(&t, got));
    CHECK_MEM(got, want, 32);
    ltls_transcript_free(&t);
}

TEST(buffer_grows)
{
    /* 300 messages of 104 bytes: several doublings of the buffer. */
    enum { N = 300, BODY = 100 };
    static uint8_t all[N * (BODY + 4)];
    size_t n = 0;
    ltls_transcript_t t;
    CHECK_OK(ltls_transcript_init(&t, P, NULL));
    for (int i = 0; i < N; i++) {
        size_t l = make_msg(all + n, 20, BODY, (uint8_t)i);
        CHECK_OK(ltls_transcript_add(&t, all + n, l));
        n += l;
    }
    CHECK(t.len == sizeof all && t.cap >= t.len);
    CHECK_OK(ltls_transcript_set_hash(&t, &ltls_hash_sha384));
    uint8_t got[48], want[48];
    CHECK_OK(ltls_transcript_current(&t, got));
    CHECK_OK(ltls_transcript_digest(P, &ltls_hash_sha384, all, sizeof all, want));
    CHECK_MEM(got, want, 48);
    ltls_transcript_free(&t);
}

/* §4.4.1: Hash(message_hash || 00 00 Hash.length || Hash(CH1) || HRR || ...). */
static void hrr_case(const ltls_hash_alg_t *h)
{
    uint8_t ch1[200], hrr[90], ch2[240], sh[90], got[64], want[64], ch1_hash[64];
    size_t ch1l = make_msg(ch1, 1, 196, 0xc1), hrrl = make_msg(hrr, 2, 86, 0x48);
    size_t ch2l = make_msg(ch2, 1, 236, 0xc2), shl = make_msg(sh, 2, 86, 0x53);
    size_t hl = h->digest_size;

    /* The synthetic message, byte by byte. */
    uint8_t synth[4 + 64];
    CHECK_OK(ltls_transcript_digest(P, h, ch1, ch1l, ch1_hash));
    synth[0] = 254;
    synth[1] = 0;
    synth[2] = 0;
    synth[3] = (uint8_t)hl;
    memcpy(synth + 4, ch1_hash, hl);

    /* Client order: CH1 is buffered, the HRR fixes the hash. */
    ltls_transcript_t t;
    CHECK_OK(ltls_transcript_init(&t, P, NULL));
    CHECK_OK(ltls_transcript_add(&t, ch1, ch1l));
    CHECK_ERR(ltls_transcript_hrr(&t, hrr, hrrl), LTLS_R_BAD_STATE); /* hash not set */
    CHECK_OK(ltls_transcript_set_hash(&t, h));
    CHECK_ERR(ltls_transcript_hrr(&t, hrr, hrrl - 1), LTLS_R_BAD_ARGUMENT);
    CHECK_OK(ltls_transcript_hrr(&t, hrr, hrrl));
    CHECK_OK(ltls_transcript_current(&t, got));
    CHECK_OK(hash_of(h, synth, 4 + hl, hrr, hrrl, NULL, 0, NULL, 0, want));
    CHECK_MEM(got, want, hl);
    CHECK_ERR(ltls_transcript_hrr(&t, hrr, hrrl), LTLS_R_BAD_STATE); /* only once */
    CHECK_OK(ltls_transcript_add(&t, ch2, ch2l));
    CHECK_OK(ltls_transcript_add(&t, sh, shl));
    CHECK_OK(ltls_transcript_current(&t, got));
    CHECK_OK(hash_of(h, synth, 4 + hl, hrr, hrrl, ch2, ch2l, sh, shl, want));
    CHECK_MEM(got, want, hl);
    ltls_transcript_free(&t);

    /* Stateless server: only Hash(CH1) survived (in the cookie). */
    CHECK_OK(ltls_transcript_init(&t, P, NULL));
    CHECK_OK(ltls_transcript_set_hash(&t, h));
    CHECK_OK(ltls_transcript_hrr_from_hash(&t, ch1_hash, hrr, hrrl));
    CHECK_OK(ltls_transcript_add(&t, ch2, ch2l));
    CHECK_OK(ltls_transcript_add(&t, sh, shl));
    CHECK_OK(ltls_transcript_current(&t, got));
    CHECK_MEM(got, want, hl);
    ltls_transcript_free(&t);

    /* The rule applies to ClientHello1 alone. */
    CHECK_OK(ltls_transcript_init(&t, P, NULL));
    CHECK_OK(ltls_transcript_set_hash(&t, h));
    CHECK_ERR(ltls_transcript_hrr(&t, hrr, hrrl), LTLS_R_BAD_STATE); /* empty */
    CHECK_OK(ltls_transcript_add(&t, ch1, ch1l));
    CHECK_ERR(ltls_transcript_hrr_from_hash(&t, ch1_hash, hrr, hrrl), LTLS_R_BAD_STATE);
    CHECK_OK(ltls_transcript_add(&t, sh, shl));
    CHECK_ERR(ltls_transcript_hrr(&t, hrr, hrrl), LTLS_R_BAD_STATE);
    ltls_transcript_free(&t);
}

TEST(hrr_rewrite_sha256) { hrr_case(&ltls_hash_sha256); }
TEST(hrr_rewrite_sha384) { hrr_case(&ltls_hash_sha384); }

TEST(current_does_not_disturb)
{
    uint8_t m1[50], m2[70], ext[33], a[32], b[32], want[32];
    size_t l1 = make_msg(m1, 1, 46, 1), l2 = make_msg(m2, 2, 66, 2);
    memset(ext, 0xee, sizeof ext);
    ltls_transcript_t t;
    CHECK_OK(ltls_transcript_init(&t, P, NULL));
    CHECK_OK(ltls_transcript_set_hash(&t, &ltls_hash_sha256));
    CHECK_OK(ltls_transcript_add(&t, m1, l1));
    CHECK_OK(ltls_transcript_current(&t, a));
    CHECK_OK(ltls_transcript_current(&t, b));
    CHECK_MEM(a, b, 32);
    /* current_with: the hash over the transcript and extra bytes (a binder's
     * truncated ClientHello), which are not added. */
    CHECK_OK(ltls_transcript_current_with(&t, ext, sizeof ext, a));
    CHECK_OK(hash_of(&ltls_hash_sha256, m1, l1, ext, sizeof ext, NULL, 0, NULL, 0, want));
    CHECK_MEM(a, want, 32);
    CHECK_OK(ltls_transcript_current(&t, a));
    CHECK_MEM(a, b, 32);
    CHECK_OK(ltls_transcript_add(&t, m2, l2));
    CHECK_OK(ltls_transcript_current(&t, a));
    CHECK_OK(hash_of(&ltls_hash_sha256, m1, l1, m2, l2, NULL, 0, NULL, 0, want));
    CHECK_MEM(a, want, 32);
    CHECK(t.messages == 2);
    ltls_transcript_free(&t);
}

TEST(rejects_malformed_messages)
{
    uint8_t m[20], got[32], want[32];
    size_t l = make_msg(m, 8, 16, 0);
    ltls_transcript_t t;
    CHECK_OK(ltls_transcript_init(&t, P, NULL));
    CHECK_ERR(ltls_transcript_add(&t, m, 3), LTLS_R_BAD_ARGUMENT);      /* no header */
    CHECK_ERR(ltls_transcript_add(&t, m, l - 1), LTLS_R_BAD_ARGUMENT);  /* short body */
    m[3] = 15;
    CHECK_ERR(ltls_transcript_add(&t, m, l), LTLS_R_BAD_ARGUMENT);      /* long body */
    m[3] = 16;
    CHECK_ERR(ltls_transcript_add(&t, NULL, 4), LTLS_R_NULL_ARGUMENT);
    /* Not sticky: nothing was added. */
    CHECK_OK(ltls_transcript_add(&t, m, l));
    CHECK_OK(ltls_transcript_set_hash(&t, &ltls_hash_sha256));
    CHECK_OK(ltls_transcript_current(&t, got));
    CHECK_OK(ltls_transcript_digest(P, &ltls_hash_sha256, m, l, want));
    CHECK_MEM(got, want, 32);
    ltls_transcript_free(&t);
}

TEST(buffer_limit)
{
    size_t max = LTLS_TRANSCRIPT_BUFFER_MAX;
    uint8_t *big = malloc(max);
    CHECK(big != NULL);
    uint8_t small[4];
    size_t sl = make_msg(small, 3, 0, 0);
    make_msg(big, 1, max - 4, 0x42);
    ltls_transcript_t t;
    ltls_transcript_init(&t, P, NULL);
    ltls_err_t e1 = ltls_transcript_add(&t, big, max); /* exactly the limit */
    ltls_err_t e2 = ltls_transcript_add(&t, small, sl);
    ltls_err_t e3 = ltls_transcript_set_hash(&t, &ltls_hash_sha256); /* sticky */
    ltls_transcript_free(&t);
    free(big);
    CHECK_OK(e1);
    CHECK_ERR(e2, LTLS_R_TRANSCRIPT_FULL);
    CHECK_ERR(e3, LTLS_R_TRANSCRIPT_FULL);
}

/* An allocator that checks every block comes back wiped and none leaks. */
static size_t live_blocks, dirty_frees;

static void *chk_alloc(void *user, size_t size)
{
    (void)user;
    live_blocks++;
    return malloc(size);
}

static void chk_free(void *user, void *p, size_t size)
{
    (void)user;
    const uint8_t *b = p;
    for (size_t i = 0; i < size; i++)
        if (b[i]) {
            dirty_frees++;
            break;
        }
    live_blocks--;
    free(p);
}

TEST(free_wipes_and_releases)
{
    static const ltls_allocator_t a = {chk_alloc, chk_free, NULL};
    uint8_t m[1500];
    size_t l = make_msg(m, 1, 1496, 0x77);
    ltls_transcript_t t;
    live_blocks = dirty_frees = 0;

    /* Freed while buffering (the handshake failed before ServerHello). */
    CHECK_OK(ltls_transcript_init(&t, P, &a));
    CHECK_OK(ltls_transcript_add(&t, m, l));
    CHECK_OK(ltls_transcript_add(&t, m, l)); /* forces a regrowth */
    CHECK(live_blocks == 1);
    ltls_transcript_free(&t);
    CHECK(live_blocks == 0 && dirty_frees == 0);
    CHECK(t.buf == NULL && t.ctx == NULL && t.p == NULL);

    /* The buffer goes as soon as the hash is set. */
    CHECK_OK(ltls_transcript_init(&t, P, &a));
    CHECK_OK(ltls_transcript_add(&t, m, l));
    CHECK_OK(ltls_transcript_set_hash(&t, &ltls_hash_sha256));
    CHECK(live_blocks == 0 && dirty_frees == 0);
    ltls_transcript_free(&t);
    ltls_transcript_free(NULL);
}

int main(void)
{
    ltls_err_t e = ltls_provider_new(test_provider_name(), NULL, &P);
    if (e) {
        printf("Bail out! no provider: %s\n", ltls_err_message(e));
        return 1;
    }
    RUN(buffers_until_hash_is_set);
    RUN(buffer_grows);
    RUN(hrr_rewrite_sha256);
    RUN(hrr_rewrite_sha384);
    RUN(current_does_not_disturb);
    RUN(rejects_malformed_messages);
    RUN(buffer_limit);
    RUN(free_wipes_and_releases);
    ltls_provider_free(P);
    return test_done();
}
