/*
 * tests/unit/test_provider.h - which built-in provider a provider-dependent
 * test program runs on.
 *
 * The program asks for the provider named by the environment variable
 * LTLS_TEST_PROVIDER, or the default one (ltls_provider_new(NULL, ...)) when
 * it is unset. tests/unit/meson.build registers every provider-dependent
 * program once as is and, when more than one provider is built, once more
 * per other provider with the variable set ("test_handshake (nettle)").
 * Only the test fixtures read the variable; the library has no global
 * choice of provider.
 */
#ifndef LTLS_TEST_PROVIDER_H
#define LTLS_TEST_PROVIDER_H

#include <stdio.h>
#include <stdlib.h>

#include "lucidtls/provider.h"

/* The requested provider's name, or NULL for the default. */
static inline const char *test_provider_name(void)
{
    const char *name = getenv("LTLS_TEST_PROVIDER");
    return name && *name ? name : NULL;
}

/* Creates the requested provider and says which one in the TAP output. */
static inline ltls_err_t test_provider_new(ltls_provider_t **out)
{
    ltls_err_t err = ltls_provider_new(test_provider_name(), NULL, out);
    if (!err)
        printf("# provider %s\n", (*out)->name);
    return err;
}

#endif
