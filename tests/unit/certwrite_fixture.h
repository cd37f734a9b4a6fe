/*
 * tests/unit/certwrite_fixture.h - a generated key with the certificate
 * written for it, shared by the certificate-builder tests.
 */
#ifndef LTLS_TEST_CERTWRITE_FIXTURE_H
#define LTLS_TEST_CERTWRITE_FIXTURE_H

#include <string.h>

#include "core/mem.h"
#include "lucidtls/lucidtls.h"
#include "x509/certwrite.h"

typedef struct {
    ltls_key_t *key;
    uint8_t *der;
    size_t len;
    ltls_cert_t *cert;
} made_t;

static inline void made_free(made_t *m)
{
    ltls_cert_free(m->cert);
    ltls_free(NULL, m->der, m->len);
    ltls_key_free(m->key);
    memset(m, 0, sizeof *m);
}

/* Generates a key of type/curve on p, writes spec for it signed by issuer
 * (self-signed when NULL) and parses the result back into m->cert. */
static inline ltls_err_t made_make(const ltls_provider_t *p, made_t *m, ltls_key_type_t type,
                                   uint16_t curve, const ltls_certwrite_spec_t *spec,
                                   const made_t *issuer)
{
    memset(m, 0, sizeof *m);
    ltls_err_t err = ltls_key_generate(p, type, curve, 0, &m->key);
    if (!err)
        err = ltls_certwrite(spec, m->key, issuer ? issuer->cert : NULL,
                             issuer ? issuer->key : NULL, NULL, &m->der, &m->len);
    if (!err)
        err = ltls_cert_parse(m->der, m->len, NULL, &m->cert);
    return err;
}

#endif
