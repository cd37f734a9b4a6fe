/*
 * crypto/algs.h - lucidtls's order of preference among every algorithm it
 * knows, each list NULL-terminated. A provider that implements them all
 * points its lists at these; one that lacks some filters them, keeping the
 * order.
 */
#ifndef LTLS_CRYPTO_ALGS_H
#define LTLS_CRYPTO_ALGS_H

#include "lucidtls/provider.h"

extern const ltls_suite_t *const ltls_algs_suites[];
extern const ltls_group_t *const ltls_algs_groups[];
extern const ltls_sigscheme_t *const ltls_algs_sigschemes[];

#endif
