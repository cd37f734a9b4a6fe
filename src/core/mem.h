/*
 * core/mem.h - allocation through the caller's hooks, secure wipe, and
 * constant-time comparison.
 */
#ifndef LTLS_CORE_MEM_H
#define LTLS_CORE_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "lucidtls/alloc.h"

/* The malloc/free allocator, used wherever a NULL allocator is given. */
const ltls_allocator_t *ltls_alloc_default(void);

/* a may be NULL (the default allocator). Zeroed memory, or NULL. */
void *ltls_alloc(const ltls_allocator_t *a, size_t size);
/* Frees p (NULL is a no-op) after wiping its size bytes. */
void ltls_free(const ltls_allocator_t *a, void *p, size_t size);

/* Overwrites n bytes with zeros in a way the compiler cannot elide. */
void ltls_wipe(void *p, size_t n);

/* 1 if a and b are equal over n bytes, else 0; time depends on n only. */
int ltls_ct_memeq(const void *a, const void *b, size_t n);

#endif
