/*
 * tests/unit/test_crypto_kat.c - known-answer tests of the crypto providers.
 *
 * Every case runs once per built-in provider (ltls_providers_builtin()), so a
 * new provider is held to the same published values. Each expected value is
 * cited: RFCs and NIST publications were typed from the documents (the ones
 * in shared/spec where available) and checked against Python's
 * `cryptography` package; RFC 8448 values come from tests/vectors/rfc8448.h.
 * Fixed signatures that no document publishes were made once with the
 * `openssl` command line (OpenSSL 3.0.19), as stated where they appear.
 *
 * Every provider is created with a counting allocator; the last case checks
 * that every block the provider took through it was given back. With the
 * OpenSSL provider, each case also fails if it leaves anything on OpenSSL's
 * error queue (see run_and_check_queue).
 */
#include <stdint.h>
#include <string.h>

#include "lucidtls/provider.h"
#include "ltls_config.h"
#include "test.h"
#include "tests/vectors/rfc8448.h"

#if LTLS_HAVE_OPENSSL
#include <openssl/err.h>
#endif

static ltls_provider_t *P;

/* --- an allocator that counts, to catch free paths that bypass it --------- */

static size_t live_blocks, live_bytes, total_blocks;

static void *count_alloc(void *user, size_t size)
{
    (void)user;
    void *p = malloc(size);
    if (p) {
        live_blocks++;
        live_bytes += size;
        total_blocks++;
    }
    return p;
}

static void count_free(void *user, void *p, size_t size)
{
    (void)user;
    live_blocks--;
    live_bytes -= size;
    free(p);
}

static const ltls_allocator_t counting = {count_alloc, count_free, NULL};

/* --- helpers ---------------------------------------------------------------- */

#define UNHEX(name, hex) uint8_t name[1024]; size_t name##_len = test_unhex(hex, name, sizeof(name))

static ltls_err_t digest(const ltls_hash_alg_t *alg, const void *msg, size_t len, uint8_t *out)
{
    ltls_hash_ctx_t *h;
    ltls_err_t err = P->hash_new(P->impl, alg, &h);
    if (err)
        return err;
    err = P->hash_update(h, msg, len);
    if (!err)
        err = P->hash_final(h, out);
    P->hash_free(h);
    return err;
}

/* Seals a copy of pt and compares with ct||tag, then opens it back. */
static void aead_kat(const ltls_aead_alg_t *alg, const char *key_hex, const char *nonce_hex,
                     const char *aad_hex, const char *pt_hex, const char *ct_hex,
                     const char *tag_hex)
{
    UNHEX(key, key_hex);
    UNHEX(nonce, nonce_hex);
    UNHEX(aad, aad_hex);
    UNHEX(pt, pt_hex);
    UNHEX(ct, ct_hex);
    UNHEX(tag, tag_hex);
    CHECK(key_len == alg->key_size && nonce_len == LTLS_AEAD_NONCE_SIZE && pt_len == ct_len &&
          tag_len == LTLS_AEAD_TAG_SIZE);
    ltls_aead_ctx_t *seal, *open;
    CHECK_OK(P->aead_new(P->impl, alg, key, 1, &seal));
    CHECK_OK(P->aead_new(P->impl, alg, key, 0, &open));
    uint8_t buf[1024], t[16];
    memcpy(buf, pt, pt_len);
    CHECK_OK(P->aead_seal(seal, nonce, aad, aad_len, buf, pt_len, t));
    CHECK_MEM(buf, ct, ct_len);
    CHECK_MEM(t, tag, 16);
    CHECK_OK(P->aead_open(open, nonce, aad, aad_len, buf, ct_len, tag));
    CHECK_MEM(buf, pt, pt_len);
    P->aead_free(seal);
    P->aead_free(open);
}

/* --- provider lists ----------------------------------------------------------- */

TEST(lists_in_preference_order)
{
    CHECK(P->suites[0] == &ltls_suite_aes128gcm_sha256);
    CHECK(P->suites[1] == &ltls_suite_chacha20poly1305_sha256);
    CHECK(P->suites[2] == &ltls_suite_aes256gcm_sha384);
    CHECK(P->groups[0] == &ltls_group_x25519);
    CHECK(P->groups[1] == &ltls_group_secp256r1);
    CHECK(P->groups[2] == &ltls_group_secp384r1);
    CHECK(P->groups[3] == &ltls_group_x448);
    static const ltls_sigscheme_t *const want[] = {
        &ltls_sig_ecdsa_secp256r1_sha256, &ltls_sig_ecdsa_secp384r1_sha384,
        &ltls_sig_rsa_pss_rsae_sha256,    &ltls_sig_rsa_pss_rsae_sha384,
        &ltls_sig_rsa_pss_rsae_sha512,    &ltls_sig_ed25519,
        &ltls_sig_ed448};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        CHECK(P->sigschemes[i] == want[i]);
    /* PKCS#1 v1.5 (certificates only) comes after every TLS 1.3 scheme. */
    int seen_pkcs1 = 0;
    for (size_t i = 0; P->sigschemes[i]; i++) {
        if (P->sigschemes[i]->padding == LTLS_PAD_PKCS1)
            seen_pkcs1 = 1;
        else
            CHECK(!seen_pkcs1);
    }
    CHECK(seen_pkcs1);
}

TEST(random_fills)
{
    uint8_t a[64] = {0}, b[64] = {0}, zero[64] = {0};
    CHECK_OK(P->random(P->impl, a, sizeof(a)));
    CHECK_OK(P->random(P->impl, b, sizeof(b)));
    CHECK(memcmp(a, zero, sizeof(a)) != 0);
    CHECK(memcmp(a, b, sizeof(a)) != 0);
    CHECK_OK(P->random(P->impl, a, 0));
}

/* --- SHA-2: FIPS 180-4 examples (the "abc" one-block message) and the
 * well-known digests of the empty string ---------------------------------- */

TEST(sha256_abc_and_empty)
{
    uint8_t out[32], want[32];
    CHECK_OK(digest(&ltls_hash_sha256, "abc", 3, out));
    test_unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", want, 32);
    CHECK_MEM(out, want, 32);
    CHECK_OK(digest(&ltls_hash_sha256, "", 0, out));
    test_unhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", want, 32);
    CHECK_MEM(out, want, 32);
}

TEST(sha384_abc_and_empty)
{
    uint8_t out[48], want[48];
    CHECK_OK(digest(&ltls_hash_sha384, "abc", 3, out));
    test_unhex("cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
               "8086072ba1e7cc2358baeca134c825a7", want, 48);
    CHECK_MEM(out, want, 48);
    CHECK_OK(digest(&ltls_hash_sha384, "", 0, out));
    test_unhex("38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da"
               "274edebfe76f65fbd51ad2f14898b95b", want, 48);
    CHECK_MEM(out, want, 48);
}

TEST(sha512_abc)
{
    uint8_t out[64], want[64];
    CHECK_OK(digest(&ltls_hash_sha512, "abc", 3, out));
    test_unhex("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
               "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f", want, 64);
    CHECK_MEM(out, want, 64);
}

/* The transcript's use: a copy carries the running state, the original
 * goes on independently, and hash_final leaves an empty context. */
TEST(hash_copy_and_final_resets)
{
    uint8_t abc[32], empty[32], out[32];
    test_unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", abc, 32);
    test_unhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", empty, 32);
    ltls_hash_ctx_t *h, *c;
    CHECK_OK(P->hash_new(P->impl, &ltls_hash_sha256, &h));
    CHECK_OK(P->hash_update(h, (const uint8_t *)"a", 1));
    CHECK_OK(P->hash_copy(h, &c));
    CHECK_OK(P->hash_update(h, (const uint8_t *)"bc", 2));
    CHECK_OK(P->hash_update(c, (const uint8_t *)"bc", 2));
    CHECK_OK(P->hash_final(c, out));
    CHECK_MEM(out, abc, 32);
    CHECK_OK(P->hash_final(h, out));
    CHECK_MEM(out, abc, 32);
    CHECK_OK(P->hash_final(h, out)); /* reset to empty by the previous final */
    CHECK_MEM(out, empty, 32);
    CHECK_OK(P->hash_update(c, (const uint8_t *)"abc", 3));
    CHECK_OK(P->hash_final(c, out));
    CHECK_MEM(out, abc, 32);
    P->hash_free(h);
    P->hash_free(c);
    P->hash_free(NULL);
}

TEST(hash_unsupported)
{
    static const ltls_hash_alg_t md5 = {1, "MD5", 16, 64};
    ltls_hash_ctx_t *h;
    uint8_t out[64];
    CHECK_ERR(P->hash_new(P->impl, &md5, &h), LTLS_R_UNSUPPORTED_ALGORITHM);
    CHECK_ERR(P->hmac(P->impl, &md5, (const uint8_t *)"k", 1, NULL, 0, out),
              LTLS_R_UNSUPPORTED_ALGORITHM);
}

/* --- HMAC: RFC 4231 §4.2 (test case 1) and §4.3 (test case 2) -------------- */

static void hmac_kat(const ltls_hash_alg_t *alg, const uint8_t *key, size_t key_len,
                     const char *data, const char *want_hex)
{
    uint8_t out[64], want[64];
    size_t n = test_unhex(want_hex, want, sizeof(want));
    CHECK(n == alg->digest_size);
    CHECK_OK(P->hmac(P->impl, alg, key, key_len, (const uint8_t *)data, strlen(data), out));
    CHECK_MEM(out, want, n);
}

static const uint8_t rfc4231_key1[20] = {0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
                                         0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
                                         0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b};

TEST(hmac_sha256_rfc4231_case1)
{
    hmac_kat(&ltls_hash_sha256, rfc4231_key1, 20, "Hi There",
             "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST(hmac_sha256_rfc4231_case2)
{
    hmac_kat(&ltls_hash_sha256, (const uint8_t *)"Jefe", 4, "what do ya want for nothing?",
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(hmac_sha384_rfc4231_case1)
{
    hmac_kat(&ltls_hash_sha384, rfc4231_key1, 20, "Hi There",
             "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
             "faea9ea9076ede7f4af152e8b2fa9cb6");
}

TEST(hmac_sha384_rfc4231_case2)
{
    hmac_kat(&ltls_hash_sha384, (const uint8_t *)"Jefe", 4, "what do ya want for nothing?",
             "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
             "8e2240ca5e69e2c78b3239ecfab21649");
}

/* --- HKDF: RFC 5869 Appendix A.1-A.3 (SHA-256) ------------------------------- */

static void hkdf_kat(const char *ikm_hex, const char *salt_hex, const char *info_hex,
                     const char *prk_hex, const char *okm_hex)
{
    UNHEX(ikm, ikm_hex);
    UNHEX(salt, salt_hex);
    UNHEX(info, info_hex);
    UNHEX(prk_want, prk_hex);
    UNHEX(okm_want, okm_hex);
    uint8_t prk[32], okm[128];
    /* An empty salt or info is passed as NULL, as callers may. */
    CHECK_OK(P->hkdf_extract(P->impl, &ltls_hash_sha256, salt_len ? salt : NULL, salt_len, ikm,
                             ikm_len, prk));
    CHECK(prk_want_len == 32);
    CHECK_MEM(prk, prk_want, 32);
    CHECK_OK(P->hkdf_expand(P->impl, &ltls_hash_sha256, prk, 32, info_len ? info : NULL,
                            info_len, okm, okm_want_len));
    CHECK_MEM(okm, okm_want, okm_want_len);
}

TEST(hkdf_rfc5869_case1)
{
    hkdf_kat("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "000102030405060708090a0b0c",
             "f0f1f2f3f4f5f6f7f8f9",
             "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
             "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
             "34007208d5b887185865");
}

TEST(hkdf_rfc5869_case2)
{
    hkdf_kat("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
             "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
             "404142434445464748494a4b4c4d4e4f",
             "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
             "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
             "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
             "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
             "d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"
             "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
             "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
             "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
             "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
             "cc30c58179ec3e87c14c01d5c1f3434f1d87");
}

TEST(hkdf_rfc5869_case3)
{
    hkdf_kat("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "",
             "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
             "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
             "9d201395faa4b61a96c8");
}

TEST(hkdf_expand_length_limit)
{
    uint8_t prk[32] = {1}, out[1];
    static uint8_t big[255 * 32 + 1];
    CHECK_OK(P->hkdf_expand(P->impl, &ltls_hash_sha256, prk, 32, NULL, 0, big, 255 * 32));
    CHECK_ERR(P->hkdf_expand(P->impl, &ltls_hash_sha256, prk, 32, NULL, 0, big, sizeof(big)),
              LTLS_R_BAD_ARGUMENT);
    CHECK_OK(P->hkdf_expand(P->impl, &ltls_hash_sha256, prk, 32, NULL, 0, out, 0));
}

/* --- AEAD ----------------------------------------------------------------- */

/* RFC 8448 §3: the client's first application_data record, protected with
 * the client application traffic key at sequence number 0 (nonce = iv). */
TEST(aes128gcm_rfc8448_record)
{
    UNHEX(rec, rfc8448_s3_records[5].record);
    UNHEX(key, RFC8448_S3_TRAFFIC_KEYS_CLIENT_APPLICATION_KEY);
    UNHEX(iv, RFC8448_S3_TRAFFIC_KEYS_CLIENT_APPLICATION_IV);
    UNHEX(data, RFC8448_S3_APPLICATION_DATA);
    CHECK(rfc8448_s3_records[5].seq == 0 && rfc8448_s3_records[5].inner_content_type == 23);
    CHECK(key_len == 16 && iv_len == 12 && rec_len == 5 + data_len + 1 + 16);
    size_t len = rec_len - 5 - 16;
    uint8_t buf[256], tag[16];
    memcpy(buf, rec + 5, len);

    ltls_aead_ctx_t *open, *seal;
    CHECK_OK(P->aead_new(P->impl, &ltls_aead_aes128gcm, key, 0, &open));
    CHECK_OK(P->aead_open(open, iv, rec, 5, buf, len, rec + 5 + len));
    CHECK_MEM(buf, data, data_len);
    CHECK(buf[data_len] == 23); /* TLSInnerPlaintext content type */

    CHECK_OK(P->aead_new(P->impl, &ltls_aead_aes128gcm, key, 1, &seal));
    CHECK_OK(P->aead_seal(seal, iv, rec, 5, buf, len, tag));
    CHECK_MEM(buf, rec + 5, len);
    CHECK_MEM(tag, rec + 5 + len, 16);
    P->aead_free(open);
    P->aead_free(seal);
}

/* RFC 8439 §2.8.2: the AEAD_CHACHA20_POLY1305 example. */
TEST(chacha20poly1305_rfc8439)
{
    char pt_hex[2 * 114 + 1];
    const char *pt = "Ladies and Gentlemen of the class of '99: If I could offer you only "
                     "one tip for the future, sunscreen would be it.";
    CHECK(strlen(pt) == 114);
    for (size_t i = 0; i < 114; i++)
        snprintf(pt_hex + 2 * i, 3, "%02x", (unsigned char)pt[i]);
    aead_kat(&ltls_aead_chacha20poly1305,
             "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
             "070000004041424344454647", "50515253c0c1c2c3c4c5c6c7", pt_hex,
             "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
             "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
             "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
             "3ff4def08e4b7a9de576d26586cec64b6116",
             "1ae10b594f09e26a7e902ecbd0600691");
}

/* McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)" (the
 * submission to NIST), Appendix B, Test Case 16: AES-256, 96-bit IV, AAD. */
TEST(aes256gcm_gcm_spec_case16)
{
    aead_kat(&ltls_aead_aes256gcm,
             "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
             "cafebabefacedbaddecaf888", "feedfacedeadbeeffeedfacedeadbeefabaddad2",
             "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
             "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
             "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
             "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
             "76fc6ece0f4e1768cddf8853bb2d551b");
}

/* NIST SP 800-38C Appendix C, Example 3 (12-byte nonce, 20-byte AAD). The
 * ciphertext does not depend on the tag length, so it is the published one;
 * the example's tag is 8 bytes, TLS's is 16: that tag was computed with
 * Python's `cryptography` (AESCCM, tag_length=16) and only cross-checks. */
TEST(aes128ccm_sp800_38c_example3)
{
    if (!ltls_provider_has_suite(P, &ltls_suite_aes128ccm_sha256)) {
        printf("# skipped: no AES-128-CCM\n");
        return;
    }
    aead_kat(&ltls_aead_aes128ccm, "404142434445464748494a4b4c4d4e4f",
             "101112131415161718191a1b", "000102030405060708090a0b0c0d0e0f10111213",
             "202122232425262728292a2b2c2d2e2f3031323334353637",
             "e3b201a9f5b71a7a9b1ceaeccd97e70b6176aad9a4428aa5",
             "c87ae488918de93f17dd3e4934347f44");
}

static const ltls_aead_alg_t *const all_aeads[] = {&ltls_aead_aes128gcm, &ltls_aead_aes256gcm,
                                                   &ltls_aead_chacha20poly1305,
                                                   &ltls_aead_aes128ccm};

static int provider_has_aead(const ltls_aead_alg_t *alg)
{
    for (size_t i = 0; P->suites[i]; i++)
        if (P->suites[i]->aead == alg)
            return 1;
    return 0;
}

/* Any change to tag, ciphertext, AAD or nonce is LTLS_R_BAD_RECORD_MAC, and
 * the context stays usable for the next, genuine record. */
TEST(aead_tag_failure_is_bad_record_mac)
{
    uint8_t key[32] = {7}, nonce[12] = {1}, nonce2[12] = {2}, aad[5] = {0x17, 3, 3, 0, 33};
    uint8_t pt[17], buf[17], ct[17], tag[16], bad[16];
    for (size_t i = 0; i < sizeof(pt); i++)
        pt[i] = (uint8_t)i;
    for (size_t a = 0; a < sizeof(all_aeads) / sizeof(all_aeads[0]); a++) {
        const ltls_aead_alg_t *alg = all_aeads[a];
        if (!provider_has_aead(alg))
            continue;
        ltls_aead_ctx_t *s, *o;
        CHECK_OK(P->aead_new(P->impl, alg, key, 1, &s));
        CHECK_OK(P->aead_new(P->impl, alg, key, 0, &o));
        memcpy(ct, pt, sizeof(pt));
        CHECK_OK(P->aead_seal(s, nonce, aad, sizeof(aad), ct, sizeof(ct), tag));

        memcpy(bad, tag, 16);
        bad[15] ^= 1;
        memcpy(buf, ct, sizeof(ct));
        CHECK_ERR(P->aead_open(o, nonce, aad, sizeof(aad), buf, sizeof(buf), bad),
                  LTLS_R_BAD_RECORD_MAC);
        memcpy(buf, ct, sizeof(ct));
        buf[0] ^= 0x80;
        CHECK_ERR(P->aead_open(o, nonce, aad, sizeof(aad), buf, sizeof(buf), tag),
                  LTLS_R_BAD_RECORD_MAC);
        memcpy(buf, ct, sizeof(ct));
        CHECK_ERR(P->aead_open(o, nonce, aad, sizeof(aad) - 1, buf, sizeof(buf), tag),
                  LTLS_R_BAD_RECORD_MAC);
        memcpy(buf, ct, sizeof(ct));
        CHECK_ERR(P->aead_open(o, nonce2, aad, sizeof(aad), buf, sizeof(buf), tag),
                  LTLS_R_BAD_RECORD_MAC);
        memcpy(buf, ct, sizeof(ct));
        CHECK_OK(P->aead_open(o, nonce, aad, sizeof(aad), buf, sizeof(buf), tag));
        CHECK_MEM(buf, pt, sizeof(pt));
        P->aead_free(s);
        P->aead_free(o);
    }
    P->aead_free(NULL);
}

/* An empty payload (and no AAD) still carries an authenticated tag. */
TEST(aead_empty_payload)
{
    uint8_t key[32] = {9}, nonce[12] = {3}, tag[16];
    for (size_t a = 0; a < sizeof(all_aeads) / sizeof(all_aeads[0]); a++) {
        const ltls_aead_alg_t *alg = all_aeads[a];
        if (!provider_has_aead(alg))
            continue;
        ltls_aead_ctx_t *s, *o;
        CHECK_OK(P->aead_new(P->impl, alg, key, 1, &s));
        CHECK_OK(P->aead_new(P->impl, alg, key, 0, &o));
        CHECK_OK(P->aead_seal(s, nonce, NULL, 0, NULL, 0, tag));
        CHECK_OK(P->aead_open(o, nonce, NULL, 0, NULL, 0, tag));
        tag[0] ^= 1;
        CHECK_ERR(P->aead_open(o, nonce, NULL, 0, NULL, 0, tag), LTLS_R_BAD_RECORD_MAC);
        P->aead_free(s);
        P->aead_free(o);
    }
}

/* --- key exchange ------------------------------------------------------------ */

static void kex_import_kat(const ltls_group_t *g, const char *a_priv, const char *a_pub,
                           const char *b_priv, const char *b_pub, const char *shared)
{
    UNHEX(ap, a_priv);
    UNHEX(apub, a_pub);
    UNHEX(bp, b_priv);
    UNHEX(bpub, b_pub);
    UNHEX(k, shared);
    CHECK(ap_len == g->private_size && bp_len == g->private_size &&
          apub_len == g->client_share_size && k_len == g->secret_size);
    uint8_t share[LTLS_KEX_MAX_SHARE], secret[LTLS_KEX_MAX_SECRET];
    ltls_kex_ctx_t *a, *b;
    CHECK_OK(P->kex_import(P->impl, g, ap, &a, share));
    CHECK_MEM(share, apub, apub_len);
    CHECK_OK(P->kex_import(P->impl, g, bp, &b, share));
    CHECK_MEM(share, bpub, bpub_len);
    CHECK_OK(P->kex_finish(a, bpub, bpub_len, secret));
    CHECK_MEM(secret, k, k_len);
    CHECK_OK(P->kex_finish(b, apub, apub_len, secret));
    CHECK_MEM(secret, k, k_len);
    P->kex_free(a);
    P->kex_free(b);
}

/* RFC 8448 §3: the client's and server's X25519 key shares. */
TEST(x25519_rfc8448)
{
    kex_import_kat(&ltls_group_x25519, RFC8448_S3_CLIENT_X25519_PRIVATE_KEY,
                   RFC8448_S3_CLIENT_X25519_PUBLIC_KEY, RFC8448_S3_SERVER_X25519_PRIVATE_KEY,
                   RFC8448_S3_SERVER_X25519_PUBLIC_KEY, RFC8448_S3_ECDHE_SHARED_SECRET);
}

/* RFC 7748 §6.2: the X448 Diffie-Hellman example (Alice and Bob). */
TEST(x448_rfc7748)
{
    kex_import_kat(&ltls_group_x448,
                   "9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf5"
                   "74a9419744897391006382a6f127ab1d9ac2d8c0a598726b",
                   "9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bb"
                   "c836647241d953d40c5b12da88120d53177f80e532c41fa0",
                   "1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d6927c120"
                   "bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d",
                   "3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972"
                   "fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609",
                   "07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56"
                   "fd2464c335543936521c24403085d59a449a5037514a879d");
}

/* Every listed group: client start, server respond, client finish agree. */
TEST(kex_round_trip_every_group)
{
    for (size_t i = 0; P->groups[i]; i++) {
        const ltls_group_t *g = P->groups[i];
        uint8_t cs[LTLS_KEX_MAX_SHARE], ss[LTLS_KEX_MAX_SHARE];
        uint8_t k1[LTLS_KEX_MAX_SECRET], k2[LTLS_KEX_MAX_SECRET];
        ltls_kex_ctx_t *c;
        CHECK_OK(P->kex_start(P->impl, g, &c, cs));
        if (g->code != 0x001d && g->code != 0x001e)
            CHECK(cs[0] == 0x04);
        CHECK_OK(P->kex_respond(P->impl, g, cs, g->client_share_size, ss, k2));
        CHECK_OK(P->kex_finish(c, ss, g->server_share_size, k1));
        CHECK_MEM(k1, k2, g->secret_size);
        P->kex_free(c);
    }
    P->kex_free(NULL);
}

/* Shares of the wrong length, for both sides of the exchange. */
TEST(kex_rejects_wrong_size)
{
    const ltls_group_t *gs[] = {&ltls_group_x25519, &ltls_group_x448, &ltls_group_secp256r1,
                                &ltls_group_secp384r1};
    for (size_t i = 0; i < sizeof(gs) / sizeof(gs[0]); i++) {
        const ltls_group_t *g = gs[i];
        uint8_t share[LTLS_KEX_MAX_SHARE + 1], out[LTLS_KEX_MAX_SHARE];
        uint8_t secret[LTLS_KEX_MAX_SECRET];
        ltls_kex_ctx_t *c;
        CHECK_OK(P->kex_start(P->impl, g, &c, share));
        share[g->client_share_size] = 0;
        CHECK_ERR(P->kex_finish(c, share, g->server_share_size - 1, secret),
                  LTLS_R_BAD_KEY_SHARE);
        CHECK_ERR(P->kex_finish(c, share, g->server_share_size + 1, secret),
                  LTLS_R_BAD_KEY_SHARE);
        CHECK_ERR(P->kex_finish(c, share, 0, secret), LTLS_R_BAD_KEY_SHARE);
        CHECK_ERR(P->kex_respond(P->impl, g, share, g->client_share_size - 1, out, secret),
                  LTLS_R_BAD_KEY_SHARE);
        CHECK_ERR(P->kex_respond(P->impl, g, share, g->client_share_size + 1, out, secret),
                  LTLS_R_BAD_KEY_SHARE);
        P->kex_free(c);
    }
}

/* secp256r1: a point off the curve, and the compressed and hybrid SEC1 forms
 * (RFC 8446 §4.2.8.2 allows only the uncompressed one). */
TEST(kex_p256_rejects_bad_points)
{
    const ltls_group_t *g = &ltls_group_secp256r1;
    uint8_t mine[65], peer[65], out[65], secret[32];
    ltls_kex_ctx_t *c;
    CHECK_OK(P->kex_start(P->impl, g, &c, mine));
    /* A valid point (the P-256 ECDSA test key below), then broken. */
    test_unhex("0490cc8d32bb218f96c058908967f0537fe7e4fbbcc35ef94795fe20ea188c71b3"
               "209ba399e5abfada5e91ad43f77d10dbfbe84ef0a1eeb91e8d916bbc2c13035e",
               peer, 65);
    CHECK_OK(P->kex_finish(c, peer, 65, secret));
    peer[64] ^= 1; /* y changed: off the curve */
    CHECK_ERR(P->kex_finish(c, peer, 65, secret), LTLS_R_BAD_KEY_SHARE);
    CHECK_ERR(P->kex_respond(P->impl, g, peer, 65, out, secret), LTLS_R_BAD_KEY_SHARE);
    peer[64] ^= 1;
    peer[0] = 0x02; /* compressed prefix on a 65-byte share */
    CHECK_ERR(P->kex_finish(c, peer, 65, secret), LTLS_R_BAD_KEY_SHARE);
    peer[0] = 0x06; /* hybrid form */
    CHECK_ERR(P->kex_respond(P->impl, g, peer, 65, out, secret), LTLS_R_BAD_KEY_SHARE);
    memset(peer, 0, sizeof(peer)); /* all zero: not a point */
    CHECK_ERR(P->kex_finish(c, peer, 65, secret), LTLS_R_BAD_KEY_SHARE);
    memset(peer, 0xff, sizeof(peer)); /* coordinates above p */
    peer[0] = 0x04;
    CHECK_ERR(P->kex_finish(c, peer, 65, secret), LTLS_R_BAD_KEY_SHARE);
    P->kex_free(c);
}

/* RFC 7748 §6 / RFC 8446 §7.4.2: small-order u-coordinates (0 and 1) make
 * the shared secret all zeros, which must be refused. */
TEST(kex_x25519_x448_reject_zero_secret)
{
    const ltls_group_t *gs[] = {&ltls_group_x25519, &ltls_group_x448};
    for (size_t i = 0; i < 2; i++) {
        const ltls_group_t *g = gs[i];
        uint8_t mine[56], peer[56] = {0}, out[56], secret[56];
        ltls_kex_ctx_t *c;
        CHECK_OK(P->kex_start(P->impl, g, &c, mine));
        CHECK_ERR(P->kex_finish(c, peer, g->server_share_size, secret), LTLS_R_BAD_KEY_SHARE);
        CHECK_ERR(P->kex_respond(P->impl, g, peer, g->client_share_size, out, secret),
                  LTLS_R_BAD_KEY_SHARE);
        peer[0] = 1;
        CHECK_ERR(P->kex_finish(c, peer, g->server_share_size, secret), LTLS_R_BAD_KEY_SHARE);
        CHECK_ERR(P->kex_respond(P->impl, g, peer, g->client_share_size, out, secret),
                  LTLS_R_BAD_KEY_SHARE);
        P->kex_free(c);
    }
}

/* --- EdDSA: RFC 8032 §7.1 (Ed25519) and §7.4 (Ed448) ------------------------ */

static void eddsa_kat(ltls_key_type_t type, const ltls_sigscheme_t *scheme, const char *sk_hex,
                      const char *pk_hex, const char *msg_hex, const char *sig_hex)
{
    UNHEX(sk, sk_hex);
    UNHEX(pk, pk_hex);
    UNHEX(msg, msg_hex);
    UNHEX(want, sig_hex);
    ltls_privkey_info_t pi = {.type = type, .priv = sk, .priv_size = sk_len,
                              .point = pk, .point_size = pk_len};
    ltls_pubkey_info_t qi = {.type = type, .point = pk, .point_size = pk_len};
    ltls_privkey_t *priv;
    ltls_pubkey_t *pub, *pub2;
    uint8_t sig[256];
    size_t sig_len = sizeof(sig);
    CHECK_OK(P->privkey_new(P->impl, &pi, &priv));
    CHECK_OK(P->sign(priv, scheme, msg, msg_len, sig, &sig_len));
    CHECK(sig_len == want_len);
    CHECK_MEM(sig, want, want_len);
    CHECK_OK(P->pubkey_new(P->impl, &qi, &pub));
    CHECK_OK(P->verify(pub, scheme, msg, msg_len, want, want_len));
    CHECK_OK(P->privkey_public(priv, &pub2));
    CHECK_OK(P->verify(pub2, scheme, msg, msg_len, want, want_len));
    for (size_t bit = 0; bit < 8 * want_len; bit += 8 * want_len / 4 + 3) {
        want[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        CHECK_ERR(P->verify(pub, scheme, msg, msg_len, want, want_len), LTLS_R_DECRYPT_ERROR);
        want[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    P->pubkey_free(pub);
    P->pubkey_free(pub2);
    P->privkey_free(priv);
}

TEST(ed25519_rfc8032_test1)
{
    eddsa_kat(LTLS_KEY_ED25519, &ltls_sig_ed25519,
              "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
              "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
              "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
              "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
}

TEST(ed25519_rfc8032_test2)
{
    eddsa_kat(LTLS_KEY_ED25519, &ltls_sig_ed25519,
              "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
              "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
              "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
              "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
}

TEST(ed25519_rfc8032_test3)
{
    eddsa_kat(LTLS_KEY_ED25519, &ltls_sig_ed25519,
              "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
              "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
              "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
              "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a");
}

TEST(ed25519_rfc8032_sha_abc)
{
    eddsa_kat(LTLS_KEY_ED25519, &ltls_sig_ed25519,
              "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
              "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
              "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
              "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
              "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589"
              "09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704");
}

TEST(ed448_rfc8032_blank)
{
    eddsa_kat(LTLS_KEY_ED448, &ltls_sig_ed448,
              "6c82a562cb808d10d632be89c8513ebf6c929f34ddfa8c9f63c9960ef6e348a3"
              "528c8a3fcc2f044e39a3fc5b94492f8f032e7549a20098f95b",
              "5fd7449b59b461fd2ce787ec616ad46a1da1342485a70e1f8a0ea75d80e96778"
              "edf124769b46c7061bd6783df1e50f6cd1fa1abeafe8256180",
              "",
              "533a37f6bbe457251f023c0d88f976ae2dfb504a843e34d2074fd823d41a591f"
              "2b233f034f628281f2fd7a22ddd47d7828c59bd0a21bfd3980ff0d2028d4b18a"
              "9df63e006c5d1c2d345b925d8dc00b4104852db99ac5c7cdda8530a113a0f4db"
              "b61149f05a7363268c71d95808ff2e652600");
}

TEST(eddsa_public_key_mismatch)
{
    UNHEX(sk, "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    UNHEX(pk, "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
    ltls_privkey_info_t pi = {.type = LTLS_KEY_ED25519, .priv = sk, .priv_size = sk_len,
                              .point = pk, .point_size = pk_len};
    ltls_privkey_t *priv;
    CHECK_ERR(P->privkey_new(P->impl, &pi, &priv), LTLS_R_KEY_FORMAT);
    pi.priv_size = 31;
    pi.point = NULL;
    CHECK_ERR(P->privkey_new(P->impl, &pi, &priv), LTLS_R_KEY_FORMAT);
}

/* --- RSA: the RFC 8448 server key --------------------------------------------- */

typedef struct {
    uint8_t n[128], e[3], d[128], p[64], q[64], dp[64], dq[64], qinv[64];
} rsa8448_t;

static void rsa8448_load(rsa8448_t *k, ltls_privkey_info_t *pi, ltls_pubkey_info_t *qi)
{
    test_unhex(RFC8448_SERVER_RSA_MODULUS, k->n, sizeof(k->n));
    test_unhex(RFC8448_SERVER_RSA_PUBLIC_EXPONENT, k->e, sizeof(k->e));
    test_unhex(RFC8448_SERVER_RSA_PRIVATE_EXPONENT, k->d, sizeof(k->d));
    test_unhex(RFC8448_SERVER_RSA_PRIME1, k->p, sizeof(k->p));
    test_unhex(RFC8448_SERVER_RSA_PRIME2, k->q, sizeof(k->q));
    test_unhex(RFC8448_SERVER_RSA_EXPONENT1, k->dp, sizeof(k->dp));
    test_unhex(RFC8448_SERVER_RSA_EXPONENT2, k->dq, sizeof(k->dq));
    test_unhex(RFC8448_SERVER_RSA_COEFFICIENT, k->qinv, sizeof(k->qinv));
    if (pi) {
        memset(pi, 0, sizeof(*pi));
        pi->type = LTLS_KEY_RSA;
        pi->n = k->n; pi->n_size = sizeof(k->n);
        pi->e = k->e; pi->e_size = sizeof(k->e);
        pi->d = k->d; pi->d_size = sizeof(k->d);
        pi->p = k->p; pi->p_size = sizeof(k->p);
        pi->q = k->q; pi->q_size = sizeof(k->q);
        pi->dp = k->dp; pi->dp_size = sizeof(k->dp);
        pi->dq = k->dq; pi->dq_size = sizeof(k->dq);
        pi->qinv = k->qinv; pi->qinv_size = sizeof(k->qinv);
    }
    if (qi) {
        memset(qi, 0, sizeof(*qi));
        qi->type = LTLS_KEY_RSA;
        qi->n = k->n; qi->n_size = sizeof(k->n);
        qi->e = k->e; qi->e_size = sizeof(k->e);
    }
}

/* RFC 8446 §4.4.3: the content a CertificateVerify signs. */
static size_t cv_content(uint8_t *out, const char *hash_hex)
{
    static const char ctx[] = "TLS 1.3, server CertificateVerify";
    memset(out, 0x20, 64);
    memcpy(out + 64, ctx, sizeof(ctx)); /* with its terminating 0x00 separator */
    return 64 + sizeof(ctx) + test_unhex(hash_hex, out + 64 + sizeof(ctx), 64);
}

/* RFC 8448 §3: the server's CertificateVerify (rsa_pss_rsae_sha256) over the
 * transcript hash up to Certificate. */
TEST(rsa_pss_rfc8448_certificate_verify)
{
    rsa8448_t k;
    ltls_pubkey_info_t qi;
    rsa8448_load(&k, NULL, &qi);
    UNHEX(cv, RFC8448_S3_HANDSHAKE_MESSAGES_CERTIFICATE_VERIFY);
    /* Handshake header (4), SignatureScheme 0x0804 (2), length 0x0080 (2). */
    CHECK(cv_len == 8 + 128 && cv[4] == 0x08 && cv[5] == 0x04 && cv[6] == 0 && cv[7] == 128);
    uint8_t content[200];
    size_t content_len = cv_content(content, RFC8448_S3_TRANSCRIPT_HASHES_CH_TO_CERTIFICATE);
    CHECK(content_len == 130);

    ltls_pubkey_t *pub;
    CHECK_OK(P->pubkey_new(P->impl, &qi, &pub));
    CHECK(P->pubkey_bits(pub) == 1024);
    CHECK_OK(P->verify(pub, &ltls_sig_rsa_pss_rsae_sha256, content, content_len, cv + 8, 128));
    CHECK_ERR(P->verify(pub, &ltls_sig_rsa_pss_rsae_sha384, content, content_len, cv + 8, 128),
              LTLS_R_DECRYPT_ERROR);
    CHECK_ERR(P->verify(pub, &ltls_sig_rsa_pkcs1_sha256, content, content_len, cv + 8, 128),
              LTLS_R_DECRYPT_ERROR);
    content[100] ^= 1;
    CHECK_ERR(P->verify(pub, &ltls_sig_rsa_pss_rsae_sha256, content, content_len, cv + 8, 128),
              LTLS_R_DECRYPT_ERROR);
    content[100] ^= 1;
    cv[8 + 60] ^= 0x10;
    CHECK_ERR(P->verify(pub, &ltls_sig_rsa_pss_rsae_sha256, content, content_len, cv + 8, 128),
              LTLS_R_DECRYPT_ERROR);
    CHECK_ERR(P->verify(pub, &ltls_sig_rsa_pss_rsae_sha256, content, content_len, cv + 8, 127),
              LTLS_R_DECRYPT_ERROR);
    CHECK_ERR(P->verify(pub, &ltls_sig_ecdsa_secp256r1_sha256, content, content_len, cv + 8,
                        128),
              LTLS_R_KEY_TYPE_MISMATCH);
    P->pubkey_free(pub);
}

/* The RFC 8448 key imported from its eight components signs with PSS; the
 * signature verifies under the key's own public half and under the key
 * built from modulus and exponent. */
TEST(rsa_pss_sign_round_trip)
{
    rsa8448_t k;
    ltls_privkey_info_t pi;
    ltls_pubkey_info_t qi;
    rsa8448_load(&k, &pi, &qi);
    ltls_privkey_t *priv;
    ltls_pubkey_t *pub, *own;
    CHECK_OK(P->privkey_new(P->impl, &pi, &priv));
    CHECK_OK(P->pubkey_new(P->impl, &qi, &pub));
    CHECK_OK(P->privkey_public(priv, &own));
    CHECK(P->pubkey_bits(own) == 1024);
    uint8_t content[200], sig[512], sig2[512];
    size_t content_len = cv_content(content, RFC8448_S3_TRANSCRIPT_HASHES_CH_TO_CERTIFICATE);
    const ltls_sigscheme_t *schemes[] = {&ltls_sig_rsa_pss_rsae_sha256,
                                         &ltls_sig_rsa_pss_rsae_sha384};
    for (size_t i = 0; i < 2; i++) {
        size_t n = sizeof(sig), n2 = sizeof(sig2);
        CHECK_OK(P->sign(priv, schemes[i], content, content_len, sig, &n));
        CHECK(n == 128);
        CHECK_OK(P->verify(pub, schemes[i], content, content_len, sig, n));
        CHECK_OK(P->verify(own, schemes[i], content, content_len, sig, n));
        CHECK_OK(P->sign(priv, schemes[i], content, content_len, sig2, &n2));
        CHECK(memcmp(sig, sig2, 128) != 0); /* PSS is randomised by its salt */
        sig[0] ^= 1;
        CHECK_ERR(P->verify(pub, schemes[i], content, content_len, sig, n), LTLS_R_DECRYPT_ERROR);
    }
    /* A 1024-bit modulus cannot hold PSS with SHA-512 and a 64-byte salt. */
    size_t n = sizeof(sig);
    CHECK_ERR(P->sign(priv, &ltls_sig_rsa_pss_rsae_sha512, content, content_len, sig, &n),
              LTLS_R_KEY_TYPE_MISMATCH);
    /* PKCS#1 v1.5 is verify-only. */
    CHECK_ERR(P->sign(priv, &ltls_sig_rsa_pkcs1_sha256, content, content_len, sig, &n),
              LTLS_R_UNSUPPORTED_ALGORITHM);
    CHECK_ERR(P->sign(priv, &ltls_sig_ed25519, content, content_len, sig, &n),
              LTLS_R_KEY_TYPE_MISMATCH);
    n = 127;
    CHECK_ERR(P->sign(priv, &ltls_sig_rsa_pss_rsae_sha256, content, content_len, sig, &n),
              LTLS_R_BUFFER_TOO_SMALL);
    CHECK(n == 127);
    P->pubkey_free(pub);
    P->pubkey_free(own);
    P->privkey_free(priv);
}

TEST(rsa_private_key_consistency)
{
    rsa8448_t k;
    ltls_privkey_info_t pi;
    rsa8448_load(&k, &pi, NULL);
    ltls_privkey_t *priv;
    k.d[127] ^= 2; /* d no longer inverts e */
    CHECK_ERR(P->privkey_new(P->impl, &pi, &priv), LTLS_R_KEY_FORMAT);
    k.d[127] ^= 2;
    k.qinv[10] ^= 1;
    CHECK_ERR(P->privkey_new(P->impl, &pi, &priv), LTLS_R_KEY_FORMAT);
    k.qinv[10] ^= 1;
    k.p[63] ^= 2; /* n != pq */
    CHECK_ERR(P->privkey_new(P->impl, &pi, &priv), LTLS_R_KEY_FORMAT);
    k.p[63] ^= 2;
    pi.dq = NULL;
    pi.dq_size = 0;
    CHECK_ERR(P->privkey_new(P->impl, &pi, &priv), LTLS_R_KEY_FORMAT);
}

/* RSASSA-PKCS1-v1_5 with SHA-256 by the RFC 8448 server key over the ASCII
 * message below. Made once with OpenSSL 3.0.19:
 *   openssl dgst -sha256 -sign rfc8448-server.pem -out sig msg
 * (rfc8448-server.pem = RFC8448_SERVER_RSA_KEY_PEM). PKCS#1 v1.5 signatures
 * are deterministic, so any implementation must produce these bytes. */
static const char pkcs1_msg[] = "lucidtls RSA PKCS#1 v1.5 known-answer message";
static const char pkcs1_sig_sha256[] =
    "adc4a8763b587406026dd696039d1eee8c7eaba0e59aad3cce2a6bfcdefd12f6"
    "2804bfe06d3c7adef3e2682b48a47aaf99705936032c72690a32b9af00f36c8b"
    "2e9f0a2df8c056b36fff609ebab8d75cc6b7399666d9bda570388f51bf7d9d11"
    "a0d66a5ab18a95f28a493bda46e43c7b411fa15dd91c62d85bf2724ee3a5c3bb";

TEST(rsa_pkcs1_verify_fixed_signature)
{
    rsa8448_t k;
    ltls_pubkey_info_t qi;
    rsa8448_load(&k, NULL, &qi);
    UNHEX(sig, pkcs1_sig_sha256);
    const uint8_t *msg = (const uint8_t *)pkcs1_msg;
    size_t msg_len = strlen(pkcs1_msg);
    ltls_pubkey_t *pub;
    CHECK_OK(P->pubkey_new(P->impl, &qi, &pub));
    CHECK_OK(P->verify(pub, &ltls_sig_rsa_pkcs1_sha256, msg, msg_len, sig, sig_len));
    CHECK_ERR(P->verify(pub, &ltls_sig_rsa_pkcs1_sha384, msg, msg_len, sig, sig_len),
              LTLS_R_DECRYPT_ERROR);
    CHECK_ERR(P->verify(pub, &ltls_sig_rsa_pss_rsae_sha256, msg, msg_len, sig, sig_len),
              LTLS_R_DECRYPT_ERROR);
    sig[sig_len - 1] ^= 1;
    CHECK_ERR(P->verify(pub, &ltls_sig_rsa_pkcs1_sha256, msg, msg_len, sig, sig_len),
              LTLS_R_DECRYPT_ERROR);
    P->pubkey_free(pub);
}

TEST(rsa_public_key_format)
{
    rsa8448_t k;
    ltls_pubkey_info_t qi;
    rsa8448_load(&k, NULL, &qi);
    ltls_pubkey_t *pub;
    uint8_t n2[129] = {0};
    memcpy(n2 + 1, k.n, 128); /* a leading zero is allowed */
    qi.n = n2;
    qi.n_size = 129;
    CHECK_OK(P->pubkey_new(P->impl, &qi, &pub));
    CHECK(P->pubkey_bits(pub) == 1024);
    P->pubkey_free(pub);
    n2[128] ^= 1; /* even modulus */
    CHECK_ERR(P->pubkey_new(P->impl, &qi, &pub), LTLS_R_KEY_FORMAT);
    qi.n_size = 0;
    CHECK_ERR(P->pubkey_new(P->impl, &qi, &pub), LTLS_R_KEY_FORMAT);
}

/* --- ECDSA --------------------------------------------------------------------
 * Keys and signatures made once with OpenSSL 3.0.19 and kept as test data:
 *   openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out k.pem
 *   openssl dgst -sha256 -sign k.pem -out sig msg      (-sha384 for P-384)
 * msg is the ASCII string ecdsa_msg below (no newline); the scalar and point
 * were read from k.pem. The signatures are DER ECDSA-Sig-Value, as TLS sends
 * them; the CLI verified each before it was recorded here. */
static const char ecdsa_msg[] = "lucidtls ECDSA known-answer message";

typedef struct {
    const ltls_sigscheme_t *scheme;
    uint16_t curve;
    const char *priv, *point, *sig;
} ecdsa_vec_t;

static const ecdsa_vec_t ecdsa_p256 = {
    &ltls_sig_ecdsa_secp256r1_sha256, 0x0017,
    "c971a08bc2c06355cc3e23edfd56f682e4f702946c437e6e2a172f65999cb7d1",
    "0490cc8d32bb218f96c058908967f0537fe7e4fbbcc35ef94795fe20ea188c71b3"
    "209ba399e5abfada5e91ad43f77d10dbfbe84ef0a1eeb91e8d916bbc2c13035e",
    "3045022100fdabc2cef23898f258764e9837d336052c4415c1e997bbc5f40bfef7"
    "883b2d840220071015779e2d3a44c4b93dbf642f2811e19192b1e08a05f34ec84f"
    "532ce6714c"};

static const ecdsa_vec_t ecdsa_p384 = {
    &ltls_sig_ecdsa_secp384r1_sha384, 0x0018,
    "62a404f23a2ade45fcdeb6dc2700ee3fbbf7edcf539dc468fcc59fae49a92e3c"
    "2013025200ebe49c5a6a7e7849359806",
    "040f30d8f89f585b2866e0e774b4632d74515a7d036d26d05fcf2da1cdfd784c88"
    "968e2912143aaf37aa9afa7ccf9c1db525be13ef294bb42a101b8c7b6aacd21b62"
    "9144e014114df60ceb6ec34d3a9fcd6f5fb66fedc6d986d1dca99bd9327ab1",
    "3065023100a9ca672c7f0ebe8feb699b4446d30db27b49008943a824c2a2a602fe"
    "8e0b7dc5779e26313c9c8a3937d89b55a289e1ed02300cc9e0efe0a22ec4ae78b7"
    "353b0df9f399cb265610415470d4cce6d03755e17683ff8f00e62af48a64071827"
    "c3b2a55e"};

static void ecdsa_fixed(const ecdsa_vec_t *v)
{
    UNHEX(point, v->point);
    UNHEX(sig, v->sig);
    const uint8_t *msg = (const uint8_t *)ecdsa_msg;
    size_t msg_len = strlen(ecdsa_msg);
    ltls_pubkey_info_t qi = {.type = LTLS_KEY_EC, .curve = v->curve, .point = point,
                             .point_size = point_len};
    ltls_pubkey_t *pub;
    CHECK_OK(P->pubkey_new(P->impl, &qi, &pub));
    CHECK(P->pubkey_bits(pub) == (v->curve == 0x0017 ? 256u : 384u));
    CHECK_OK(P->verify(pub, v->scheme, msg, msg_len, sig, sig_len));
    CHECK_ERR(P->verify(pub, v->scheme, msg, msg_len - 1, sig, sig_len), LTLS_R_DECRYPT_ERROR);
    sig[10] ^= 0x01; /* inside r */
    CHECK_ERR(P->verify(pub, v->scheme, msg, msg_len, sig, sig_len), LTLS_R_DECRYPT_ERROR);
    sig[10] ^= 0x01;
    sig[1] ^= 0x01; /* DER length broken */
    CHECK_ERR(P->verify(pub, v->scheme, msg, msg_len, sig, sig_len), LTLS_R_DECRYPT_ERROR);
    sig[1] ^= 0x01;
    CHECK_ERR(P->verify(pub, v->scheme, msg, msg_len, sig, sig_len - 1), LTLS_R_DECRYPT_ERROR);
    const ltls_sigscheme_t *other = v->curve == 0x0017 ? &ltls_sig_ecdsa_secp384r1_sha384
                                                        : &ltls_sig_ecdsa_secp256r1_sha256;
    CHECK_ERR(P->verify(pub, other, msg, msg_len, sig, sig_len), LTLS_R_KEY_TYPE_MISMATCH);
    CHECK_ERR(P->verify(pub, &ltls_sig_rsa_pss_rsae_sha256, msg, msg_len, sig, sig_len),
              LTLS_R_KEY_TYPE_MISMATCH);
    P->pubkey_free(pub);
}

/* The scalar alone (no point in the "file") signs; the signature verifies
 * under the recorded point and under privkey_public's key. */
static void ecdsa_round_trip(const ecdsa_vec_t *v)
{
    UNHEX(priv, v->priv);
    UNHEX(point, v->point);
    const uint8_t *msg = (const uint8_t *)ecdsa_msg;
    size_t msg_len = strlen(ecdsa_msg);
    ltls_privkey_info_t pi = {.type = LTLS_KEY_EC, .curve = v->curve, .priv = priv,
                              .priv_size = priv_len};
    ltls_pubkey_info_t qi = {.type = LTLS_KEY_EC, .curve = v->curve, .point = point,
                             .point_size = point_len};
    ltls_privkey_t *key;
    ltls_pubkey_t *pub, *own;
    CHECK_OK(P->privkey_new(P->impl, &pi, &key));
    CHECK_OK(P->pubkey_new(P->impl, &qi, &pub));
    CHECK_OK(P->privkey_public(key, &own));
    uint8_t sig[160];
    size_t n = sizeof(sig);
    CHECK_OK(P->sign(key, v->scheme, msg, msg_len, sig, &n));
    CHECK(sig[0] == 0x30 && (size_t)sig[1] + 2 == n);
    CHECK_OK(P->verify(pub, v->scheme, msg, msg_len, sig, n));
    CHECK_OK(P->verify(own, v->scheme, msg, msg_len, sig, n));
    sig[n - 1] ^= 0x40; /* inside s */
    CHECK_ERR(P->verify(pub, v->scheme, msg, msg_len, sig, n), LTLS_R_DECRYPT_ERROR);
    n = 8;
    CHECK_ERR(P->sign(key, v->scheme, msg, msg_len, sig, &n), LTLS_R_BUFFER_TOO_SMALL);
    P->pubkey_free(pub);
    P->pubkey_free(own);
    P->privkey_free(key);

    /* With the matching point the import succeeds; with another it fails. */
    pi.point = point;
    pi.point_size = point_len;
    CHECK_OK(P->privkey_new(P->impl, &pi, &key));
    P->privkey_free(key);
    point[point_len - 1] ^= 1;
    CHECK_ERR(P->privkey_new(P->impl, &pi, &key), LTLS_R_KEY_FORMAT);
}

TEST(ecdsa_p256_fixed_signature) { ecdsa_fixed(&ecdsa_p256); }
TEST(ecdsa_p384_fixed_signature) { ecdsa_fixed(&ecdsa_p384); }
TEST(ecdsa_p256_sign_round_trip) { ecdsa_round_trip(&ecdsa_p256); }
TEST(ecdsa_p384_sign_round_trip) { ecdsa_round_trip(&ecdsa_p384); }

TEST(ecdsa_p521_sign_round_trip)
{
    /* Any scalar in [1, n) is a key; this one has a leading zero byte. */
    uint8_t priv[66];
    for (size_t i = 0; i < sizeof(priv); i++)
        priv[i] = (uint8_t)(0x11 * i + 1);
    priv[0] = 0;
    ltls_privkey_info_t pi = {.type = LTLS_KEY_EC, .curve = 0x0019, .priv = priv,
                              .priv_size = sizeof(priv)};
    ltls_privkey_t *key;
    ltls_pubkey_t *own;
    CHECK_OK(P->privkey_new(P->impl, &pi, &key));
    CHECK_OK(P->privkey_public(key, &own));
    CHECK(P->pubkey_bits(own) == 521);
    uint8_t sig[160];
    size_t n = sizeof(sig);
    CHECK_OK(P->sign(key, &ltls_sig_ecdsa_secp521r1_sha512, (const uint8_t *)"x", 1, sig, &n));
    CHECK_OK(P->verify(own, &ltls_sig_ecdsa_secp521r1_sha512, (const uint8_t *)"x", 1, sig, n));
    CHECK_ERR(P->verify(own, &ltls_sig_ecdsa_secp521r1_sha512, (const uint8_t *)"y", 1, sig, n),
              LTLS_R_DECRYPT_ERROR);
    P->pubkey_free(own);
    P->privkey_free(key);
}

TEST(ec_key_format)
{
    UNHEX(point, ecdsa_p256.point);
    ltls_pubkey_info_t qi = {.type = LTLS_KEY_EC, .curve = 0x0017, .point = point,
                             .point_size = point_len};
    ltls_pubkey_t *pub;
    point[40] ^= 1; /* off the curve */
    CHECK_ERR(P->pubkey_new(P->impl, &qi, &pub), LTLS_R_KEY_FORMAT);
    point[40] ^= 1;
    qi.curve = 0x0018; /* wrong curve for the size */
    CHECK_ERR(P->pubkey_new(P->impl, &qi, &pub), LTLS_R_KEY_FORMAT);
    qi.curve = 0x1234; /* unknown curve */
    CHECK_ERR(P->pubkey_new(P->impl, &qi, &pub), LTLS_R_KEY_FORMAT);

    /* Scalars 0 and n (the group order) are out of range. */
    uint8_t zero[32] = {0};
    UNHEX(order, "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
    ltls_privkey_info_t pi = {.type = LTLS_KEY_EC, .curve = 0x0017, .priv = zero,
                              .priv_size = 32};
    ltls_privkey_t *key;
    CHECK_ERR(P->privkey_new(P->impl, &pi, &key), LTLS_R_KEY_FORMAT);
    pi.priv = order;
    pi.priv_size = order_len;
    CHECK_ERR(P->privkey_new(P->impl, &pi, &key), LTLS_R_KEY_FORMAT);
}

/* --- encrypted key files -------------------------------------------------------- */

/* RFC 7914 §11: the PBKDF2-HMAC-SHA256 test vectors (c = 1 and c = 80000). */
TEST(pbkdf2_sha256_rfc7914)
{
    uint8_t out[64], want[64];
    CHECK_OK(P->pbkdf2(P->impl, &ltls_hash_sha256, (const uint8_t *)"passwd", 6,
                       (const uint8_t *)"salt", 4, 1, out, 64));
    test_unhex("55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
               "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783", want, 64);
    CHECK_MEM(out, want, 64);
    CHECK_OK(P->pbkdf2(P->impl, &ltls_hash_sha256, (const uint8_t *)"Password", 8,
                       (const uint8_t *)"NaCl", 4, 80000, out, 64));
    test_unhex("4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
               "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d", want, 64);
    CHECK_MEM(out, want, 64);
}

/* RFC 6070 §2: PBKDF2-HMAC-SHA1 (the default PRF of encrypted PKCS#8 files),
 * c = 1 and c = 2. */
TEST(pbkdf2_sha1_rfc6070)
{
    uint8_t out[20], want[20];
    CHECK_OK(P->pbkdf2(P->impl, &ltls_hash_sha1, (const uint8_t *)"password", 8,
                       (const uint8_t *)"salt", 4, 1, out, 20));
    test_unhex("0c60c80f961f0e71f3a9b524af6012062fe037a6", want, 20);
    CHECK_MEM(out, want, 20);
    CHECK_OK(P->pbkdf2(P->impl, &ltls_hash_sha1, (const uint8_t *)"password", 8,
                       (const uint8_t *)"salt", 4, 2, out, 20));
    test_unhex("ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957", want, 20);
    CHECK_MEM(out, want, 20);
    /* SHA-1 stays out of everything else. */
    ltls_hash_ctx_t *h = NULL;
    CHECK_ERR(P->hash_new(P->impl, &ltls_hash_sha1, &h), LTLS_R_UNSUPPORTED_ALGORITHM);
}

/* NIST SP 800-38A Appendix F.2.2, CBC-AES128.Decrypt; also in place. */
TEST(aes_cbc_decrypt_sp800_38a)
{
    UNHEX(key, "2b7e151628aed2a6abf7158809cf4f3c");
    UNHEX(iv, "000102030405060708090a0b0c0d0e0f");
    UNHEX(ct, "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"
              "73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7");
    UNHEX(pt, "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
              "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
    uint8_t out[64];
    CHECK(iv_len == 16);
    CHECK_OK(P->aes_cbc_decrypt(P->impl, key, key_len, iv, ct, ct_len, out));
    CHECK_MEM(out, pt, pt_len);
    CHECK_OK(P->aes_cbc_decrypt(P->impl, key, key_len, iv, ct, ct_len, ct));
    CHECK_MEM(ct, pt, pt_len);
    CHECK_ERR(P->aes_cbc_decrypt(P->impl, key, key_len, iv, ct, 15, out), LTLS_R_BAD_ARGUMENT);
    CHECK_ERR(P->aes_cbc_decrypt(P->impl, key, 20, iv, ct, 16, out), LTLS_R_BAD_ARGUMENT);
}

/* After every case: the cases make dozens of calls fail inside OpenSSL (bad
 * tags, signatures, points, keys); the provider must clear OpenSSL's
 * thread-local error queue every time, or errors would surface in the
 * application's next, unrelated OpenSSL call. */
static void (*current_case)(void);

static void run_and_check_queue(void)
{
    current_case();
    if (test_case_failed_)
        return;
#if LTLS_HAVE_OPENSSL
    if (P && strcmp(P->name, "openssl") == 0 && ERR_peek_error() != 0) {
        ERR_clear_error();
        TEST_FAIL_("the OpenSSL error queue was left non-empty");
    }
#endif
}

#undef RUN
#define RUN(name) (current_case = name, test_run_(#name, run_and_check_queue))

static void run_all(void)
{
    RUN(lists_in_preference_order);
    RUN(random_fills);
    RUN(sha256_abc_and_empty);
    RUN(sha384_abc_and_empty);
    RUN(sha512_abc);
    RUN(hash_copy_and_final_resets);
    RUN(hash_unsupported);
    RUN(hmac_sha256_rfc4231_case1);
    RUN(hmac_sha256_rfc4231_case2);
    RUN(hmac_sha384_rfc4231_case1);
    RUN(hmac_sha384_rfc4231_case2);
    RUN(hkdf_rfc5869_case1);
    RUN(hkdf_rfc5869_case2);
    RUN(hkdf_rfc5869_case3);
    RUN(hkdf_expand_length_limit);
    RUN(aes128gcm_rfc8448_record);
    RUN(chacha20poly1305_rfc8439);
    RUN(aes256gcm_gcm_spec_case16);
    RUN(aes128ccm_sp800_38c_example3);
    RUN(aead_tag_failure_is_bad_record_mac);
    RUN(aead_empty_payload);
    RUN(x25519_rfc8448);
    RUN(x448_rfc7748);
    RUN(kex_round_trip_every_group);
    RUN(kex_rejects_wrong_size);
    RUN(kex_p256_rejects_bad_points);
    RUN(kex_x25519_x448_reject_zero_secret);
    RUN(ed25519_rfc8032_test1);
    RUN(ed25519_rfc8032_test2);
    RUN(ed25519_rfc8032_test3);
    RUN(ed25519_rfc8032_sha_abc);
    RUN(ed448_rfc8032_blank);
    RUN(eddsa_public_key_mismatch);
    RUN(rsa_pss_rfc8448_certificate_verify);
    RUN(rsa_pss_sign_round_trip);
    RUN(rsa_private_key_consistency);
    RUN(rsa_pkcs1_verify_fixed_signature);
    RUN(rsa_public_key_format);
    RUN(ecdsa_p256_fixed_signature);
    RUN(ecdsa_p384_fixed_signature);
    RUN(ecdsa_p256_sign_round_trip);
    RUN(ecdsa_p384_sign_round_trip);
    RUN(ecdsa_p521_sign_round_trip);
    RUN(ec_key_format);
    RUN(pbkdf2_sha256_rfc7914);
    RUN(pbkdf2_sha1_rfc6070);
    RUN(aes_cbc_decrypt_sp800_38a);
}

/* After destroy, every block the provider allocated was freed through the
 * allocator it was given. */
TEST(allocator_balanced)
{
    CHECK(total_blocks > 0);
    CHECK(live_blocks == 0);
    CHECK(live_bytes == 0);
}

int main(void)
{
    for (const ltls_provider_entry_t *e = ltls_providers_builtin(); e->name; e++) {
        printf("# provider %s\n", e->name);
        ltls_err_t err = e->create(&counting, &P);
        if (err) {
            printf("Bail out! cannot create provider %s: %s\n", e->name, ltls_err_message(err));
            return 1;
        }
        run_all();
        ltls_provider_free(P);
        P = NULL;
        RUN(allocator_balanced);
        total_blocks = 0;
    }
    return test_done();
}
