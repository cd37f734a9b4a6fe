/*
 * crypto/openssl/ossl_provider.c - creates and destroys the OpenSSL 3
 * provider and owns its algorithm lists.
 *
 * Theory of operation. ltls_openssl_provider_create fetches every EVP_MD,
 * EVP_CIPHER and EVP_KDF the other files use and makes one group-only key
 * per NIST curve (for importing peers' EC public keys), all into one block
 * from the caller's allocator that also holds the ltls_provider_t table.
 * From then on that block is read-only;
 * OpenSSL's fetched objects are reference-counted atomically, so any number
 * of threads may use the provider at once.
 *
 * The default OpenSSL library context is used on purpose: an application
 * that configures OpenSSL (a FIPS provider, an engine-free openssl.cnf) gets
 * the same algorithms in lucidtls, and we keep no mutable global of our own.
 * Every algorithm is fetched up front, so a missing one shows at creation:
 * the hashes (HMAC is built on them), PBKDF2, AES-CBC and AES-128-GCM (the suite RFC 8446 §9.1
 * makes mandatory) are required, else creation fails with LTLS_R_PROVIDER;
 * the other AEADs (a FIPS configuration has no ChaCha20, some builds no CCM)
 * are left out of the suite list when absent.
 */
#include "crypto/builtin.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "crypto/algs.h"
#include "crypto/openssl/ossl.h"

/* lucidtls's lists (crypto/algs.h); the suites offered are those whose AEAD
 * was fetched (impl->suites), in the same order. */

static ltls_err_t ossl_random(void *impl, uint8_t *out, size_t len)
{
    (void)impl;
    if (!out && len)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if (len && RAND_bytes_ex(NULL, out, len, 0) != 1)
        return ltls_ossl_fail(LTLS_R_RANDOM);
    return LTLS_OK;
}

static void ossl_destroy(ltls_provider_t *provider)
{
    if (!provider)
        return;
    ltls_ossl_impl_t *impl = provider->impl;
    for (int i = 0; i < LTLS_OSSL_NHASH; i++)
        EVP_MD_free(impl->md[i]);
    for (int i = 0; i < LTLS_OSSL_NAEAD; i++)
        EVP_CIPHER_free(impl->aead[i]);
    for (int i = 0; i < 3; i++)
        EVP_CIPHER_free(impl->cbc[i]);
    EVP_KDF_free(impl->pbkdf2);
    for (int i = 0; i < 3; i++)
        EVP_PKEY_free(impl->ec_group_key[i]);
    ltls_allocator_t alloc = impl->alloc;
    ltls_free(&alloc, impl, sizeof(*impl));
}

/* Fetches everything; 0 if a required algorithm is missing. */
static int fetch_all(ltls_ossl_impl_t *impl)
{
    static const char *const md_names[LTLS_OSSL_NHASH] = {"SHA2-256", "SHA2-384", "SHA2-512"};
    static const char *const aead_names[LTLS_OSSL_NAEAD] = {"AES-128-GCM", "AES-256-GCM",
                                                            "ChaCha20-Poly1305", "AES-128-CCM"};
    static const char *const cbc_names[3] = {"AES-128-CBC", "AES-192-CBC", "AES-256-CBC"};

    impl->pbkdf2 = EVP_KDF_fetch(NULL, "PBKDF2", NULL);
    if (!impl->pbkdf2)
        return 0;
    for (int i = 0; i < LTLS_OSSL_NHASH; i++)
        if (!(impl->md[i] = EVP_MD_fetch(NULL, md_names[i], NULL)))
            return 0;
    for (int i = 0; i < LTLS_OSSL_NAEAD; i++)
        impl->aead[i] = EVP_CIPHER_fetch(NULL, aead_names[i], NULL);
    for (int i = 0; i < 3; i++)
        if (!(impl->cbc[i] = EVP_CIPHER_fetch(NULL, cbc_names[i], NULL)))
            return 0;
    /* Optional: without them EC public keys are imported the slow way. */
    static const uint16_t ec_codes[3] = {0x0017, 0x0018, 0x0019};
    for (int i = 0; i < 3; i++) {
        const ltls_ossl_curve_t *c = ltls_ossl_curve_by_code(ec_codes[i]);
        impl->ec_group_key[ltls_ossl_curve_index(c)] = ltls_ossl_ec_group_key(c);
    }
    ERR_clear_error();
    return impl->aead[LTLS_AEAD_AES128GCM - 1] != NULL;
}

ltls_err_t ltls_openssl_provider_create(const ltls_allocator_t *alloc, ltls_provider_t **out)
{
    if (!out)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    *out = NULL;
    if (!alloc)
        alloc = ltls_alloc_default();
    ltls_ossl_impl_t *impl = ltls_alloc(alloc, sizeof(*impl));
    if (!impl)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    impl->alloc = *alloc;

    ltls_provider_t *t = &impl->table;
    t->name = "openssl";
    t->impl = impl;
    t->destroy = ossl_destroy;
    if (!fetch_all(impl)) {
        ossl_destroy(t);
        return ltls_ossl_fail(LTLS_R_PROVIDER);
    }
    size_t ns = 0;
    for (size_t i = 0; ltls_algs_suites[i] && ns < LTLS_OSSL_NAEAD; i++)
        if (impl->aead[ltls_algs_suites[i]->aead->id - 1])
            impl->suites[ns++] = ltls_algs_suites[i];
    impl->suites[ns] = NULL;
    t->suites = impl->suites;
    t->groups = ltls_algs_groups;
    t->sigschemes = ltls_algs_sigschemes;

    t->random = ossl_random;
    t->hash_new = ltls_ossl_hash_new;
    t->hash_update = ltls_ossl_hash_update;
    t->hash_final = ltls_ossl_hash_final;
    t->hash_copy = ltls_ossl_hash_copy;
    t->hash_free = ltls_ossl_hash_free;
    t->hmac = ltls_ossl_hmac;
    t->hkdf_extract = ltls_ossl_hkdf_extract;
    t->hkdf_expand = ltls_ossl_hkdf_expand;
    t->aead_new = ltls_ossl_aead_new;
    t->aead_seal = ltls_ossl_aead_seal;
    t->aead_open = ltls_ossl_aead_open;
    t->aead_free = ltls_ossl_aead_free;
    t->kex_start = ltls_ossl_kex_start;
    t->kex_import = ltls_ossl_kex_import;
    t->kex_finish = ltls_ossl_kex_finish;
    t->kex_respond = ltls_ossl_kex_respond;
    t->kex_free = ltls_ossl_kex_free;
    t->pubkey_new = ltls_ossl_pubkey_new;
    t->pubkey_free = ltls_ossl_pubkey_free;
    t->pubkey_bits = ltls_ossl_pubkey_bits;
    t->verify = ltls_ossl_verify;
    t->privkey_new = ltls_ossl_privkey_new;
    t->privkey_free = ltls_ossl_privkey_free;
    t->privkey_public = ltls_ossl_privkey_public;
    t->sign = ltls_ossl_sign;
    t->privkey_generate = ltls_ossl_privkey_generate;
    t->privkey_public_info = ltls_ossl_privkey_public_info;
    t->pbkdf2 = ltls_ossl_pbkdf2;
    t->aes_cbc_decrypt = ltls_ossl_aes_cbc_decrypt;
    *out = t;
    return LTLS_OK;
}
