/* Unit tests for src/core/mem.c: allocator hooks, wipe, constant-time compare. */
#include "core/mem.h"
#include "test.h"

typedef struct {
    size_t live, allocs, frees;
    int saw_nonzero_on_free;
} counting_t;

static void *count_alloc(void *user, size_t size)
{
    counting_t *c = user;
    c->allocs++;
    c->live += size;
    return malloc(size);
}

static void count_free(void *user, void *p, size_t size)
{
    counting_t *c = user;
    const uint8_t *b = p;
    for (size_t i = 0; i < size; i++)
        if (b[i])
            c->saw_nonzero_on_free = 1;
    c->frees++;
    c->live -= size;
    free(p);
}

TEST(custom_allocator_is_used_and_memory_is_zeroed_and_wiped)
{
    counting_t c = {0};
    ltls_allocator_t a = {count_alloc, count_free, &c};
    uint8_t *p = ltls_alloc(&a, 64);
    CHECK(p != NULL);
    for (size_t i = 0; i < 64; i++)
        CHECK(p[i] == 0);
    memset(p, 0xa5, 64);
    ltls_free(&a, p, 64);
    CHECK(c.allocs == 1 && c.frees == 1 && c.live == 0);
    CHECK(!c.saw_nonzero_on_free);
}

TEST(default_allocator_when_null)
{
    uint8_t *p = ltls_alloc(NULL, 16);
    CHECK(p != NULL);
    ltls_free(NULL, p, 16);
    ltls_free(NULL, NULL, 16); /* no-op */
}

TEST(wipe_zeroes)
{
    uint8_t k[32];
    memset(k, 0x5a, sizeof k);
    ltls_wipe(k, sizeof k);
    for (size_t i = 0; i < sizeof k; i++)
        CHECK(k[i] == 0);
    ltls_wipe(NULL, 10); /* no-op */
}

TEST(ct_memeq)
{
    uint8_t a[48], b[48];
    memset(a, 7, sizeof a);
    memcpy(b, a, sizeof a);
    CHECK(ltls_ct_memeq(a, b, sizeof a) == 1);
    CHECK(ltls_ct_memeq(a, b, 0) == 1);
    for (size_t i = 0; i < sizeof a; i++) {
        for (int bit = 0; bit < 8; bit++) {
            b[i] ^= (uint8_t)(1 << bit);
            CHECK(ltls_ct_memeq(a, b, sizeof a) == 0);
            b[i] ^= (uint8_t)(1 << bit);
        }
    }
}

int main(void)
{
    RUN(custom_allocator_is_used_and_memory_is_zeroed_and_wiped);
    RUN(default_allocator_when_null);
    RUN(wipe_zeroes);
    RUN(ct_memeq);
    return test_done();
}
