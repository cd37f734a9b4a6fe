/*
 * fuzz/fuzz_pbkdf2.h - a provider table whose PBKDF2 runs at most 2048
 * iterations, for the targets that load encrypted key files: a legal file
 * may ask for ten million, which would make one input take seconds.
 * The iteration count the key-file parser lets through is checked first.
 */
#ifndef LTLS_FUZZ_PBKDF2_H
#define LTLS_FUZZ_PBKDF2_H

#include "crypto/keyfile/keyfile.h"
#include "fuzz_common.h"
#include "lucidtls/provider.h"

#define FUZZ_PBKDF2_MAX_ITERATIONS 2048u

static ltls_err_t (*fuzz_real_pbkdf2)(void *impl, const ltls_hash_alg_t *alg,
                                      const uint8_t *password, size_t password_len,
                                      const uint8_t *salt, size_t salt_len, uint32_t iterations,
                                      uint8_t *out, size_t out_len);

static inline ltls_err_t fuzz_capped_pbkdf2(void *impl, const ltls_hash_alg_t *alg,
                                            const uint8_t *password, size_t password_len,
                                            const uint8_t *salt, size_t salt_len,
                                            uint32_t iterations, uint8_t *out, size_t out_len)
{
    FUZZ_CHECK(iterations >= 1 && iterations <= LTLS_KEYFILE_MAX_PBKDF2_ITERATIONS);
    if (iterations > FUZZ_PBKDF2_MAX_ITERATIONS)
        iterations = FUZZ_PBKDF2_MAX_ITERATIONS;
    return fuzz_real_pbkdf2(impl, alg, password, password_len, salt, salt_len, iterations, out,
                            out_len);
}

/* *table = *base with PBKDF2 capped; base must outlive table. One base per
 * process (the real function is kept in a static). */
static inline void fuzz_cap_pbkdf2(ltls_provider_t *table, const ltls_provider_t *base)
{
    *table = *base;
    fuzz_real_pbkdf2 = base->pbkdf2;
    table->pbkdf2 = fuzz_capped_pbkdf2;
}

#endif
