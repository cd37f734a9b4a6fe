/*
 * crypto/provider.c - the built-in provider list and small queries over a
 * provider's tables. Which providers exist is fixed at build time (Meson
 * options -Dopenssl and -Dnettle); the list is const, so there is no global
 * state to initialise or race on.
 */
#include <stddef.h>
#include <string.h>

#include "crypto/builtin.h"
#include "lucidtls/provider.h"

static const ltls_provider_entry_t builtin[] = {
#if LTLS_HAVE_OPENSSL
    {"openssl", ltls_openssl_provider_create},
#endif
#if LTLS_HAVE_NETTLE
    {"nettle", ltls_nettle_provider_create},
#endif
    {NULL, NULL},
};

const ltls_provider_entry_t *ltls_providers_builtin(void) { return builtin; }

ltls_err_t ltls_provider_new(const char *name, const ltls_allocator_t *alloc,
                             ltls_provider_t **out)
{
    if (!out)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    *out = NULL;
    for (const ltls_provider_entry_t *e = builtin; e->name; e++)
        if (!name || strcmp(name, e->name) == 0)
            return e->create(alloc, out);
    return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
}

void ltls_provider_free(ltls_provider_t *provider)
{
    if (provider)
        provider->destroy(provider);
}

#define LISTED(list, item)                   \
    if (!p)                                  \
        return 0;                            \
    for (size_t i = 0; (list)[i]; i++)       \
        if ((list)[i] == (item))             \
            return 1;                        \
    return 0

int ltls_provider_has_suite(const ltls_provider_t *p, const ltls_suite_t *suite)
{
    LISTED(p->suites, suite);
}
int ltls_provider_has_group(const ltls_provider_t *p, const ltls_group_t *group)
{
    LISTED(p->groups, group);
}
int ltls_provider_has_sigscheme(const ltls_provider_t *p, const ltls_sigscheme_t *scheme)
{
    LISTED(p->sigschemes, scheme);
}
