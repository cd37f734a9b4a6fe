/* Links against the shared library through the public headers only, as an
 * application would: every function used here must be exported (LTLS_API)
 * and usable without any private header. */
#include <lucidtls/lucidtls.h>

#include "test.h"

TEST(version_matches_header)
{
    CHECK(strcmp(ltls_version(), LTLS_VERSION_STRING) == 0);
}

TEST(default_provider_through_public_api)
{
    ltls_provider_t *p = NULL;
    CHECK_OK(ltls_provider_new(NULL, NULL, &p));
    CHECK(p != NULL && p->name != NULL);
    CHECK(ltls_provider_has_suite(p, &ltls_suite_aes128gcm_sha256));
    CHECK(ltls_provider_has_group(p, &ltls_group_x25519));
    CHECK(ltls_suite_by_code(0x1301) == &ltls_suite_aes128gcm_sha256);
    uint8_t digest[32];
    ltls_hash_ctx_t *h = NULL;
    CHECK_OK(p->hash_new(p->impl, &ltls_hash_sha256, &h));
    CHECK_OK(p->hash_update(h, (const uint8_t *)"abc", 3));
    CHECK_OK(p->hash_final(h, digest));
    p->hash_free(h);
    CHECK(digest[0] == 0xba && digest[31] == 0xad); /* SHA-256("abc") = ba7816bf...15ad */
    ltls_provider_free(p);
    CHECK_ERR(ltls_provider_new("no-such-provider", NULL, &p), LTLS_R_UNSUPPORTED_ALGORITHM);
}

TEST(key_load_through_public_api)
{
    FILE *f = fopen("../data/keys/p256.pem", "rb");
    CHECK(f != NULL);
    uint8_t buf[4096];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    ltls_provider_t *p = NULL;
    ltls_key_t *key = NULL;
    CHECK_OK(ltls_provider_new(NULL, NULL, &p));
    CHECK_OK(ltls_key_load(p, buf, n, NULL, 0, &key));
    CHECK(ltls_key_type(key) == LTLS_KEY_EC && ltls_key_curve(key) == 0x0017);
    ltls_key_free(key);
    ltls_provider_free(p);
}

TEST(errors_through_public_api)
{
    ltls_err_t e = ltls_err_make(LTLS_R_CERT_EXPIRED);
    CHECK(ltls_err_alert(e) == LTLS_ALERT_CERTIFICATE_EXPIRED);
    CHECK(strcmp(ltls_alert_name(ltls_err_alert(e)), "certificate_expired") == 0);
    CHECK(strcmp(ltls_err_reason_name(e), "CERT_EXPIRED") == 0);
}

int main(void)
{
    RUN(version_matches_header);
    RUN(default_provider_through_public_api);
    RUN(key_load_through_public_api);
    RUN(errors_through_public_api);
    return test_done();
}
