/* Unit tests for src/crypto/algs.c: descriptors carry the IANA code points. */
#include "lucidtls/provider.h"
#include "test.h"

TEST(suites_by_code)
{
    CHECK(ltls_suite_by_code(0x1301) == &ltls_suite_aes128gcm_sha256);
    CHECK(ltls_suite_by_code(0x1302) == &ltls_suite_aes256gcm_sha384);
    CHECK(ltls_suite_by_code(0x1303) == &ltls_suite_chacha20poly1305_sha256);
    CHECK(ltls_suite_by_code(0x1304) == &ltls_suite_aes128ccm_sha256);
    CHECK(ltls_suite_by_code(0x1305) == NULL); /* CCM_8: not offered */
    CHECK(ltls_suite_by_code(0xc02f) == NULL); /* a TLS 1.2 suite */
    CHECK(ltls_suite_aes256gcm_sha384.hash->digest_size == 48);
    CHECK(strcmp(ltls_suite_chacha20poly1305_sha256.name, "TLS_CHACHA20_POLY1305_SHA256") == 0);
}

TEST(groups_by_code)
{
    CHECK(ltls_group_by_code(0x001d) == &ltls_group_x25519);
    CHECK(ltls_group_by_code(0x0017) == &ltls_group_secp256r1);
    CHECK(ltls_group_by_code(0x0018) == &ltls_group_secp384r1);
    CHECK(ltls_group_by_code(0x001e) == &ltls_group_x448);
    CHECK(ltls_group_by_code(0x0100) == NULL); /* ffdhe2048: not offered */
    CHECK(ltls_group_secp256r1.client_share_size == 65);
    CHECK(ltls_group_x25519.client_share_size <= LTLS_KEX_MAX_SHARE);
    CHECK(ltls_group_secp521r1.client_share_size <= LTLS_KEX_MAX_SHARE);
}

TEST(sigschemes_by_code)
{
    CHECK(ltls_sigscheme_by_code(0x0403) == &ltls_sig_ecdsa_secp256r1_sha256);
    CHECK(ltls_sigscheme_by_code(0x0804) == &ltls_sig_rsa_pss_rsae_sha256);
    CHECK(ltls_sigscheme_by_code(0x0807) == &ltls_sig_ed25519);
    CHECK(ltls_sigscheme_by_code(0x0201) == NULL); /* rsa_pkcs1_sha1 */
    /* RFC 8446 §4.2.3: PKCS#1 v1.5 is not allowed in TLS 1.3 CertificateVerify. */
    CHECK(!ltls_sig_rsa_pkcs1_sha256.tls13_handshake);
    CHECK(ltls_sig_rsa_pss_rsae_sha384.tls13_handshake);
    CHECK(ltls_sig_ecdsa_secp384r1_sha384.curve == 0x0018);
}

int main(void)
{
    RUN(suites_by_code);
    RUN(groups_by_code);
    RUN(sigschemes_by_code);
    return test_done();
}
