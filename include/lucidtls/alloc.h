/*
 * lucidtls/alloc.h - allocator hooks.
 *
 * Every allocation lucidtls makes goes through an ltls_allocator_t given by the
 * caller (in a context's configuration, or to a provider's constructor). There
 * is no process-wide allocator to set: two contexts may use two allocators.
 * Passing NULL wherever an allocator is taken selects malloc/free.
 */
#ifndef LUCIDTLS_ALLOC_H
#define LUCIDTLS_ALLOC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ltls_allocator {
    /* Returns size bytes aligned for any object, or NULL. size is never 0. */
    void *(*alloc)(void *user, size_t size);
    /* Frees p (never NULL), which alloc returned for size bytes. lucidtls has
     * already wiped memory that held secrets before calling this. */
    void (*free)(void *user, void *p, size_t size);
    void *user;
} ltls_allocator_t;

#ifdef __cplusplus
}
#endif
#endif
