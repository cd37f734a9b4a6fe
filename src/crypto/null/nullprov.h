/*
 * crypto/null/nullprov.h - THE NULL PROVIDER: NO SECURITY WHATSOEVER.
 *
 * A deterministic ltls_provider_t for fuzzing and tests only. Never compiled
 * into liblucidtls: only fuzz/meson.build builds it, into the fuzz targets.
 * See nullprov.c for what each entry does.
 */
#ifndef LTLS_NULLPROV_H
#define LTLS_NULLPROV_H

#include "lucidtls/provider.h"

/* Creates the null provider; alloc may be NULL (malloc/free). Free with
 * provider->destroy(provider) or ltls_provider_free(). */
ltls_err_t ltls_null_provider_create(const ltls_allocator_t *alloc, ltls_provider_t **out);

/* The byte every null signature consists of, and the fixed size of an
 * ECDSA null signature. */
#define LTLS_NULL_SIG_BYTE 0x53
#define LTLS_NULL_ECDSA_SIG_SIZE 72

#endif
