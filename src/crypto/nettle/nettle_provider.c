/*
 * crypto/nettle/nettle_provider.c - creates and destroys the Nettle/Hogweed
 * provider and owns its algorithm lists.
 *
 * Theory of operation. Nettle needs no library initialisation, fetches
 * nothing by name and keeps no global state: its algorithms are plain
 * functions over caller-owned contexts. The provider is therefore one block
 * from the caller's allocator holding the ltls_provider_t table, never
 * written after creation, so any number of threads may use it at once.
 * Randomness comes from getrandom(2) per call (nettle_random.c), not from
 * a Yarrow or Fortuna instance that would need seeding and a lock.
 *
 * Everything in the lists is implemented unconditionally: Nettle 3.6 or
 * later (checked by Meson) has every algorithm here, AES-128-CCM included.
 * The lists follow the OpenSSL provider's order, so that a configuration
 * that leaves the order to the provider negotiates the same way on both.
 */
#include "crypto/algs.h"
#include "crypto/builtin.h"
#include "crypto/nettle/ltls_nettle.h"

static void nettle_destroy(ltls_provider_t *provider)
{
    if (!provider)
        return;
    ltls_nettle_impl_t *impl = provider->impl;
    ltls_allocator_t alloc = impl->alloc;
    ltls_free(&alloc, impl, sizeof(*impl));
}

ltls_err_t ltls_nettle_provider_create(const ltls_allocator_t *alloc, ltls_provider_t **out)
{
    if (!out)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    *out = NULL;
    if (!alloc)
        alloc = ltls_alloc_default();
    ltls_nettle_impl_t *impl = ltls_alloc(alloc, sizeof(*impl));
    if (!impl)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    impl->alloc = *alloc;

    ltls_provider_t *t = &impl->table;
    t->name = "nettle";
    t->impl = impl;
    t->suites = ltls_algs_suites; /* everything lucidtls knows */
    t->groups = ltls_algs_groups;
    t->sigschemes = ltls_algs_sigschemes;
    t->destroy = nettle_destroy;

    t->random = ltls_nettle_random;
    t->hash_new = ltls_nettle_hash_new;
    t->hash_update = ltls_nettle_hash_update;
    t->hash_final = ltls_nettle_hash_final;
    t->hash_copy = ltls_nettle_hash_copy;
    t->hash_free = ltls_nettle_hash_free;
    t->hmac = ltls_nettle_hmac;
    t->hkdf_extract = ltls_nettle_hkdf_extract;
    t->hkdf_expand = ltls_nettle_hkdf_expand;
    t->aead_new = ltls_nettle_aead_new;
    t->aead_seal = ltls_nettle_aead_seal;
    t->aead_open = ltls_nettle_aead_open;
    t->aead_free = ltls_nettle_aead_free;
    t->kex_start = ltls_nettle_kex_start;
    t->kex_import = ltls_nettle_kex_import;
    t->kex_finish = ltls_nettle_kex_finish;
    t->kex_respond = ltls_nettle_kex_respond;
    t->kex_free = ltls_nettle_kex_free;
    t->pubkey_new = ltls_nettle_pubkey_new;
    t->pubkey_free = ltls_nettle_pubkey_free;
    t->pubkey_bits = ltls_nettle_pubkey_bits;
    t->verify = ltls_nettle_verify;
    t->privkey_new = ltls_nettle_privkey_new;
    t->privkey_free = ltls_nettle_privkey_free;
    t->privkey_public = ltls_nettle_privkey_public;
    t->sign = ltls_nettle_sign;
    t->privkey_generate = ltls_nettle_privkey_generate;
    t->privkey_public_info = ltls_nettle_privkey_public_info;
    t->pbkdf2 = ltls_nettle_pbkdf2;
    t->aes_cbc_decrypt = ltls_nettle_aes_cbc_decrypt;
    *out = t;
    return LTLS_OK;
}
