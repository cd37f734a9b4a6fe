/*
 * core/mem.c - memory helpers. ltls_free() always wipes before freeing, so
 * no caller has to remember which buffers held secrets; the cost is a memset
 * on free, which is small next to a handshake.
 */
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

static void *std_alloc(void *user, size_t size)
{
    (void)user;
    return calloc(1, size);
}

static void std_free(void *user, void *p, size_t size)
{
    (void)user;
    (void)size;
    free(p);
}

static const ltls_allocator_t std_allocator = {std_alloc, std_free, NULL};

const ltls_allocator_t *ltls_alloc_default(void) { return &std_allocator; }

void *ltls_alloc(const ltls_allocator_t *a, size_t size)
{
    if (!a)
        a = &std_allocator;
    if (size == 0)
        size = 1;
    void *p = a->alloc(a->user, size);
    if (p && a != &std_allocator)
        memset(p, 0, size);
    return p;
}

void ltls_free(const ltls_allocator_t *a, void *p, size_t size)
{
    if (!p)
        return;
    if (!a)
        a = &std_allocator;
    ltls_wipe(p, size);
    a->free(a->user, p, size ? size : 1);
}

/* A volatile function pointer: the compiler cannot prove what it calls, so the
 * store cannot be removed as dead (the same trick as OPENSSL_cleanse). */
static void *(*const volatile memset_v)(void *, int, size_t) = memset;

void ltls_wipe(void *p, size_t n)
{
    if (p && n)
        memset_v(p, 0, n);
}

int ltls_ct_memeq(const void *a, const void *b, size_t n)
{
    const volatile uint8_t *x = a, *y = b;
    uint8_t d = 0;
    for (size_t i = 0; i < n; i++)
        d |= (uint8_t)(x[i] ^ y[i]);
    /* Map 0 -> 1 and 1..255 -> 0 without a branch on d. */
    return (int)(1 & (((uint32_t)d - 1) >> 8));
}
