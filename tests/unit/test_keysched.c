/*
 * tests/unit/test_keysched.c - the key schedule helpers and the staged
 * schedule (src/hs/keysched.c), apart from RFC 8448 (test_rfc8448.c).
 *
 * Expected values that RFC 8448 does not print were computed independently in
 * Python with the `cryptography` package's primitives (hashes.Hash,
 * hmac.HMAC for HKDF-Extract, kdf.hkdf.HKDFExpand) and a ten-line
 * HKDF-Expand-Label written from RFC 8446 §7.1:
 *
 *   def expand_label(alg, secret, label, ctx, n):
 *       full = b"tls13 " + label
 *       info = struct.pack(">H", n) + bytes([len(full)]) + full + bytes([len(ctx)]) + ctx
 *       return HKDFExpand(alg, n, info).derive(secret)
 *   derive(alg, s, label, th) = expand_label(alg, s, label, th, alg.digest_size)
 *   exporter(alg, s, label, ctx, n) =
 *       expand_label(alg, derive(alg, s, label, Hash(b"")), b"exporter", Hash(ctx), n)
 *
 * (that helper reproduces RFC 8448's early secret and "derived" value, which
 * test_derive_secret_rfc8448 checks here too). No Python runs at test time.
 */
#include <string.h>

#include "core/mem.h"
#include "hs/keysched.h"
#include "test.h"
#include "test_provider.h"

static ltls_provider_t *P;

#define HEX(name, hex)                                        \
    uint8_t name[512];                                        \
    size_t name##_len = test_unhex(hex, name, sizeof name);   \
    (void)name##_len

static int all_zero(const uint8_t *p, size_t n)
{
    uint8_t d = 0;
    for (size_t i = 0; i < n; i++)
        d |= p[i];
    return d == 0;
}

/* Fills a buffer with a recognisable pattern: start, start+1, ... */
static void pattern(uint8_t *p, size_t n, uint8_t start)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(start + i);
}

TEST(expand_label_vectors)
{
    uint8_t secret[48], out[128];

    pattern(secret, 32, 0);
    HEX(el1, "9c9783cf77ea32d44f369da41f19f3cc");
    CHECK_OK(ltls_hkdf_expand_label(P, &ltls_hash_sha256, secret, "key", NULL, 0, out, 16));
    CHECK_MEM(out, el1, el1_len);

    pattern(secret, 48, 0);
    static const uint8_t ctx[2] = {1, 2};
    HEX(el2, "afbdc6a3e446a97dce9741ed");
    CHECK_OK(ltls_hkdf_expand_label(P, &ltls_hash_sha384, secret, "iv", ctx, 2, out, 12));
    CHECK_MEM(out, el2, el2_len);

    /* The longest label (249 + "tls13 " = 255) and the longest context. */
    char label[LTLS_HKDF_LABEL_MAX + 1];
    uint8_t big_ctx[LTLS_HKDF_CONTEXT_MAX];
    memset(label, 'x', LTLS_HKDF_LABEL_MAX);
    label[LTLS_HKDF_LABEL_MAX] = 0;
    memset(big_ctx, 0xaa, sizeof big_ctx);
    pattern(secret, 32, 0);
    HEX(el3, "190457b68307fcdb0d7b0644a84f452d23a225be0c9df1c4322af5d6bf770c1bc57deb66f2190"
             "92e6bd44a54277ef13292d6fb979133dd203b05defa5e7c6393e275816e41a8d8ab7e90749fb1"
             "3cb8008eb07a9678858afa6ab6b0e5d14be409a4bf2738");
    CHECK_OK(ltls_hkdf_expand_label(P, &ltls_hash_sha256, secret, label, big_ctx, sizeof big_ctx,
                                    out, 100));
    CHECK_MEM(out, el3, el3_len);
}

TEST(expand_label_bounds)
{
    uint8_t secret[32] = {0}, out[64];
    static uint8_t big[255 * 32 + 1];
    char label[LTLS_HKDF_LABEL_MAX + 2];
    uint8_t ctx[LTLS_HKDF_CONTEXT_MAX + 1] = {0};
    memset(label, 'a', sizeof label - 1);
    label[sizeof label - 1] = 0; /* 250 bytes: one too many */

    CHECK_ERR(ltls_hkdf_expand_label(P, &ltls_hash_sha256, secret, label, NULL, 0, out, 32),
              LTLS_R_BAD_ARGUMENT);
    CHECK_ERR(ltls_hkdf_expand_label(P, &ltls_hash_sha256, secret, "k", ctx, sizeof ctx, out, 32),
              LTLS_R_BAD_ARGUMENT);
    CHECK_ERR(ltls_hkdf_expand_label(P, &ltls_hash_sha256, secret, "k", NULL, 0, out, 0),
              LTLS_R_BAD_ARGUMENT);
    CHECK_ERR(ltls_hkdf_expand_label(P, &ltls_hash_sha256, secret, "k", NULL, 0, big,
                                     sizeof big),
              LTLS_R_BAD_ARGUMENT);
    CHECK_OK(ltls_hkdf_expand_label(P, &ltls_hash_sha256, secret, "k", NULL, 0, big,
                                    sizeof big - 1));
    CHECK_ERR(ltls_hkdf_expand_label(P, &ltls_hash_sha256, secret, NULL, NULL, 0, out, 32),
              LTLS_R_NULL_ARGUMENT);
    CHECK_ERR(ltls_hkdf_expand_label(P, &ltls_hash_sha256, secret, "k", NULL, 3, out, 32),
              LTLS_R_NULL_ARGUMENT);
    CHECK_ERR(ltls_hkdf_expand_label(NULL, &ltls_hash_sha256, secret, "k", NULL, 0, out, 32),
              LTLS_R_NULL_ARGUMENT);
}

TEST(derive_secret_rfc8448)
{
    /* RFC 8448 §3: early secret with no PSK, and its "derived" secret. */
    HEX(es, "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a");
    HEX(derived, "6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba");
    uint8_t out[32];
    CHECK_OK(ltls_derive_secret(P, &ltls_hash_sha256, es, "derived", NULL, out));
    CHECK_MEM(out, derived, derived_len);
    /* NULL and an explicit Hash("") are the same Messages = "". */
    CHECK_OK(ltls_derive_secret(P, &ltls_hash_sha256, es, "derived",
                                ltls_keysched_empty_hash(&ltls_hash_sha256), out));
    CHECK_MEM(out, derived, derived_len);
}

TEST(empty_hash_table_matches_provider)
{
    const ltls_hash_alg_t *hs[] = {&ltls_hash_sha256, &ltls_hash_sha384, &ltls_hash_sha512};
    for (size_t i = 0; i < 3; i++) {
        ltls_hash_ctx_t *c = NULL;
        uint8_t d[LTLS_HASH_MAX_SIZE];
        CHECK_OK(P->hash_new(P->impl, hs[i], &c));
        ltls_err_t e = P->hash_final(c, d);
        P->hash_free(c);
        CHECK_OK(e);
        CHECK(ltls_keysched_empty_hash(hs[i]) != NULL);
        CHECK_MEM(ltls_keysched_empty_hash(hs[i]), d, hs[i]->digest_size);
    }
    const ltls_hash_alg_t odd = {4, "SHA-256?", 20, 64};
    CHECK(ltls_keysched_empty_hash(&odd) == NULL);
}

/* A whole SHA-384 schedule: resumption PSK, psk_ke (no DHE), every output
 * against the Python values. The transcript hashes are SHA-384 of short
 * labels standing in for the messages. */
TEST(schedule_sha384_psk_ke)
{
    const ltls_hash_alg_t *h = &ltls_hash_sha384;
    uint8_t psk[48], th1[48], th2[48], th3[48], th4[48], a[48], b[48];
    pattern(psk, 48, 100);
    struct {
        const char *m;
        uint8_t *out;
    } th[] = {{"ch", th1}, {"ch sh", th2}, {"ch..sf", th3}, {"ch..cf", th4}};
    for (size_t i = 0; i < 4; i++) {
        ltls_hash_ctx_t *c = NULL;
        CHECK_OK(P->hash_new(P->impl, h, &c));
        CHECK_OK(P->hash_update(c, (const uint8_t *)th[i].m, strlen(th[i].m)));
        CHECK_OK(P->hash_final(c, th[i].out));
        P->hash_free(c);
    }

    ltls_keysched_t ks;
    CHECK_OK(ltls_keysched_init(&ks, P, h));
    CHECK_OK(ltls_keysched_early(&ks, psk, sizeof psk));
    HEX(es, "1f94f6fe303ce4a82ef1304b014cf8281f7f7303b35121b249f28ddfdd65b858db2be1f0d43b54"
            "effd3b46316da03848");
    CHECK_MEM(ks.secret, es, es_len);
    HEX(rb, "32da285ccccbd988ac6e0ea10540ce65eb8925d61993d77804ad5cc60ed7b5d58043c3cc2deed0"
            "3227228c78e5f2e1e5");
    CHECK_OK(ltls_keysched_binder_key(&ks, 1, a));
    CHECK_MEM(a, rb, rb_len);
    HEX(cets, "b47f90738207c09a8e0294be5cc4c007fe69c302e775430be8427aaebf78d262c2dbbde9bf49"
              "bebee61602e0b49e9b54");
    CHECK_OK(ltls_keysched_client_early_traffic(&ks, th1, a));
    CHECK_MEM(a, cets, cets_len);

    CHECK_OK(ltls_keysched_handshake(&ks, NULL, 0));
    HEX(hs, "5be92bbbd2e7f5be91fba8a7078c40a5a505afadc2921b452fa3f2a4f95961ec6301272f145424"
            "d81c5064decc045021");
    CHECK_MEM(ks.secret, hs, hs_len);
    HEX(chts, "af3355a3da90e2cfbcbf029ce8a3c915bde4a230559fe07e44498c0f4722a298194e45cd65fe"
              "d26cace1df074b8ff36f");
    HEX(shts, "49ab59a6935436f00264261c0de3b3c5562098ca63758726dee822cfc955b85b30cbba5f30f1"
              "00f2620073ad7354cb08");
    CHECK_OK(ltls_keysched_handshake_traffic(&ks, th2, a, b));
    CHECK_MEM(a, chts, chts_len);
    CHECK_MEM(b, shts, shts_len);

    /* AES-256-GCM keys and a SHA-384 Finished from the server secret. */
    uint8_t key[32], iv[12], fin[48];
    HEX(wkey, "490ea53423659d3e81481de01336b7663e75b3b657f909d88f9068603e1fec4b");
    HEX(wiv, "2dcf17e19ed772edb3cbd687");
    CHECK_OK(ltls_keysched_traffic_keys(P, &ltls_suite_aes256gcm_sha384, b, key, iv));
    CHECK_MEM(key, wkey, wkey_len);
    CHECK_MEM(iv, wiv, wiv_len);
    HEX(wfin, "737f0680b456b1414e8b0d5d96410b302f72c97bc9fd54cca89ba3d5ed6d9a0f8dfeec8a7f73"
              "c07b81905533c81830c1");
    CHECK_OK(ltls_keysched_finished(P, h, b, th3, fin));
    CHECK_MEM(fin, wfin, wfin_len);
    CHECK_OK(ltls_keysched_finished_check(P, h, b, th3, wfin, wfin_len));
    wfin[47] ^= 0x80;
    CHECK_ERR(ltls_keysched_finished_check(P, h, b, th3, wfin, wfin_len), LTLS_R_DECRYPT_ERROR);
    CHECK_ERR(ltls_keysched_finished_check(P, h, b, th3, fin, 32), LTLS_R_DECODE_LENGTH);

    CHECK_OK(ltls_keysched_master(&ks));
    HEX(ms, "0e20d48952f1e3ba3a56d1cf6b532470f92d9a6da2941008ab22f042484902e1e0b8a89a84aece"
            "1aefd2587a147a298c");
    CHECK_MEM(ks.secret, ms, ms_len);
    HEX(cats, "7c23a56c44ed13697e343f09a1ea77f93f2f3b887bf0af9f0ee54d8a7c0f6226bf069240c6c1"
              "bbf7125926fb62d5e0ac");
    HEX(sats, "4a82bccd5b534ab4f7d058ecf3e50ef84464168b96e99d2fcbf94d083ece2ab4d2d022fbb8f6"
              "ef248e2d8dda31c263c8");
    CHECK_OK(ltls_keysched_app_traffic(&ks, th3, a, NULL));
    CHECK_MEM(a, cats, cats_len);
    CHECK_OK(ltls_keysched_app_traffic(&ks, th3, NULL, b));
    CHECK_MEM(b, sats, sats_len);
    HEX(ems, "3b8acc2359de1794cfbebddfe3a66ae7b5901f961588251145f75b950f98894ef69ec240334be"
             "45d1fd0f7aae99d2d82");
    CHECK_OK(ltls_keysched_exporter_master(&ks, th3, a));
    CHECK_MEM(a, ems, ems_len);
    HEX(rms, "336e2081a7ecef1b26e7b32e34b304767bbd8bf5c6afccefe6f44af71371de667ca5d8249c7db"
             "e30cdba62845e452bca");
    CHECK_OK(ltls_keysched_resumption_master(&ks, th4, a));
    CHECK_MEM(a, rms, rms_len);
    CHECK(ks.stage == LTLS_KS_DONE);

    static const uint8_t nonce[2] = {0, 1};
    HEX(rpsk, "fcd289da092a6cd2a20c912bddc449cbc65fe079a9a487cc0f783f5778b19f932b01910569df"
              "bf19fa2635a5ee8ebf64");
    CHECK_OK(ltls_keysched_resumption_psk(P, h, a, nonce, sizeof nonce, b));
    CHECK_MEM(b, rpsk, rpsk_len);
    ltls_keysched_clear(&ks);
}

TEST(stage_order_misuse)
{
    uint8_t th[32] = {0}, out[32], out2[32], dhe[32] = {1};
    ltls_keysched_t ks;
    memset(&ks, 0, sizeof ks);

    /* Never initialised. */
    CHECK_ERR(ltls_keysched_early(&ks, NULL, 0), LTLS_R_BAD_STATE);
    CHECK_ERR(ltls_keysched_binder_key(&ks, 0, out), LTLS_R_BAD_STATE);

    CHECK_OK(ltls_keysched_init(&ks, P, &ltls_hash_sha256));
    /* INIT: nothing but early(). */
    CHECK_ERR(ltls_keysched_handshake(&ks, dhe, sizeof dhe), LTLS_R_BAD_STATE);
    CHECK_ERR(ltls_keysched_master(&ks), LTLS_R_BAD_STATE);
    CHECK_ERR(ltls_keysched_client_early_traffic(&ks, th, out), LTLS_R_BAD_STATE);
    CHECK_ERR(ltls_keysched_early(&ks, dhe, 0), LTLS_R_BAD_ARGUMENT);

    CHECK_OK(ltls_keysched_early(&ks, NULL, 0));
    CHECK_ERR(ltls_keysched_early(&ks, NULL, 0), LTLS_R_BAD_STATE);
    CHECK_ERR(ltls_keysched_handshake_traffic(&ks, th, out, out2), LTLS_R_BAD_STATE);
    CHECK_ERR(ltls_keysched_master(&ks), LTLS_R_BAD_STATE);
    CHECK_ERR(ltls_keysched_app_traffic(&ks, th, out, out2), LTLS_R_BAD_STATE);
    CHECK_ERR(ltls_keysched_resumption_master(&ks, th, out), LTLS_R_BAD_STATE);
    CHECK_ERR(ltls_keysched_client_early_traffic(&ks, NULL, out), LTLS_R_NULL_ARGUMENT);
    CHECK(ks.stage == LTLS_KS_EARLY);

    CHECK_OK(ltls_keysched_handshake(&ks, dhe, sizeof dhe));
    CHECK_ERR(ltls_keysched_binder_key(&ks, 1, out), LTLS_R_BAD_STATE);
    CHECK_ERR(ltls_keysched_binder(&ks, 1, th, out), LTLS_R_BAD_STATE);
    CHECK_ERR(ltls_keysched_client_early_traffic(&ks, th, out), LTLS_R_BAD_STATE);
    CHECK_ERR(ltls_keysched_early_exporter(&ks, th, out), LTLS_R_BAD_STATE);
    CHECK_ERR(ltls_keysched_handshake(&ks, dhe, sizeof dhe), LTLS_R_BAD_STATE);
    CHECK_ERR(ltls_keysched_exporter_master(&ks, th, out), LTLS_R_BAD_STATE);

    CHECK_OK(ltls_keysched_master(&ks));
    CHECK_ERR(ltls_keysched_handshake_traffic(&ks, th, out, out2), LTLS_R_BAD_STATE);
    CHECK_ERR(ltls_keysched_master(&ks), LTLS_R_BAD_STATE);
    CHECK_OK(ltls_keysched_app_traffic(&ks, th, out, out2));
    CHECK_OK(ltls_keysched_resumption_master(&ks, th, out));
    /* The Master Secret is gone: application secrets come before this. */
    CHECK_ERR(ltls_keysched_app_traffic(&ks, th, out, out2), LTLS_R_BAD_STATE);
    CHECK_ERR(ltls_keysched_exporter_master(&ks, th, out), LTLS_R_BAD_STATE);
    CHECK_ERR(ltls_keysched_resumption_master(&ks, th, out), LTLS_R_BAD_STATE);

    ltls_keysched_clear(&ks);
    CHECK_ERR(ltls_keysched_early(&ks, NULL, 0), LTLS_R_BAD_STATE);
    /* init() restarts a used object. */
    CHECK_OK(ltls_keysched_init(&ks, P, &ltls_hash_sha256));
    CHECK_OK(ltls_keysched_early(&ks, NULL, 0));
    ltls_keysched_clear(&ks);
}

TEST(secrets_are_wiped)
{
    uint8_t th[32] = {0}, out[32], prev[LTLS_HASH_MAX_SIZE];
    ltls_keysched_t ks;
    CHECK_OK(ltls_keysched_init(&ks, P, &ltls_hash_sha256));
    CHECK_OK(ltls_keysched_early(&ks, NULL, 0));
    memcpy(prev, ks.secret, sizeof prev);
    CHECK_OK(ltls_keysched_handshake(&ks, NULL, 0));
    CHECK(memcmp(prev, ks.secret, 32) != 0); /* the Early Secret was overwritten */
    CHECK(all_zero(ks.secret + 32, sizeof ks.secret - 32));
    CHECK_OK(ltls_keysched_master(&ks));
    CHECK_OK(ltls_keysched_resumption_master(&ks, th, out));
    CHECK(all_zero(ks.secret, sizeof ks.secret));

    CHECK_OK(ltls_keysched_init(&ks, P, &ltls_hash_sha256));
    CHECK_OK(ltls_keysched_early(&ks, NULL, 0));
    CHECK(!all_zero(ks.secret, 32));
    ltls_keysched_clear(&ks);
    CHECK(all_zero(ks.secret, sizeof ks.secret));
    CHECK(ks.stage == LTLS_KS_NONE && ks.p == NULL && ks.h == NULL);
    ltls_keysched_clear(NULL);
}

/* A provider whose HKDF-Extract fails: a failed stage change must leave a
 * cleared schedule that refuses further use. */
static ltls_err_t failing_extract(void *impl, const ltls_hash_alg_t *alg, const uint8_t *salt,
                                  size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                                  uint8_t *prk)
{
    (void)impl;
    (void)alg;
    (void)salt;
    (void)salt_len;
    (void)ikm;
    (void)ikm_len;
    memset(prk, 0x5a, 32); /* garbage the schedule must not keep */
    return ltls_err_make(LTLS_R_PROVIDER);
}

TEST(provider_failure_clears)
{
    ltls_provider_t bad = *P;
    bad.hkdf_extract = failing_extract;
    ltls_keysched_t ks;
    CHECK_OK(ltls_keysched_init(&ks, &bad, &ltls_hash_sha256));
    CHECK_ERR(ltls_keysched_early(&ks, NULL, 0), LTLS_R_PROVIDER);
    CHECK(ks.stage == LTLS_KS_NONE);
    CHECK(all_zero(ks.secret, sizeof ks.secret));
    CHECK_ERR(ltls_keysched_early(&ks, NULL, 0), LTLS_R_BAD_STATE);
}

TEST(exporter)
{
    /* RFC 8448 §3 exporter_master_secret as the secret. */
    HEX(ems, "fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50");
    static const char label[] = "EXPORTER-lucidtls-test";
    static const char context[] = "context value";
    uint8_t out[64];
    HEX(exp1, "85d64d5e5363fe792b80f1a111a6f378c8cec0e663fd6cf47ccd40c492ea2d14");
    CHECK_OK(ltls_keysched_export(P, &ltls_hash_sha256, ems, (const uint8_t *)label,
                                  strlen(label), (const uint8_t *)context, strlen(context), out,
                                  32));
    CHECK_MEM(out, exp1, exp1_len);

    /* Empty context (TLS 1.3: same as no context), a 20-byte output. */
    HEX(exp2, "23c938779e02cf8cda6548fbc0373a89eec5c3ee");
    CHECK_OK(ltls_keysched_export(P, &ltls_hash_sha256, ems, (const uint8_t *)label,
                                  strlen(label), NULL, 0, out, 20));
    CHECK_MEM(out, exp2, exp2_len);

    /* SHA-384, a 200-byte context, a 64-byte output. */
    uint8_t secret[48], ctx[200];
    pattern(secret, 48, 1);
    pattern(ctx, 200, 0);
    HEX(exp3, "d6334472e80243e8ce9af027881e7293645d63de1ecbeaf5851a73480e94d89e7f14468e1b31"
              "6aef2b0c8ac2b2463fd732a1f82be1377943f05ccc867b0d0797");
    CHECK_OK(ltls_keysched_export(P, &ltls_hash_sha384, secret, (const uint8_t *)"EXPORTER-x", 10,
                                  ctx, sizeof ctx, out, 64));
    CHECK_MEM(out, exp3, exp3_len);

    CHECK_ERR(ltls_keysched_export(P, &ltls_hash_sha256, ems, (const uint8_t *)label,
                                   LTLS_HKDF_LABEL_MAX + 1, NULL, 0, out, 32),
              LTLS_R_BAD_ARGUMENT);
}

TEST(key_update)
{
    /* RFC 8448 §3 client_application_traffic_secret_0 -> _1 ("traffic upd"). */
    HEX(s, "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5");
    HEX(next, "fcdfcc72725aaee48bf64e4fd8b749cdbdbab39d90da0b26e2245ca6ea167207");
    CHECK_OK(ltls_keysched_next_traffic(P, &ltls_hash_sha256, s));
    CHECK_MEM(s, next, next_len);
}

int main(void)
{
    ltls_err_t e = ltls_provider_new(test_provider_name(), NULL, &P);
    if (e) {
        printf("Bail out! no provider: %s\n", ltls_err_message(e));
        return 1;
    }
    RUN(expand_label_vectors);
    RUN(expand_label_bounds);
    RUN(derive_secret_rfc8448);
    RUN(empty_hash_table_matches_provider);
    RUN(schedule_sha384_psk_ke);
    RUN(stage_order_misuse);
    RUN(secrets_are_wiped);
    RUN(provider_failure_clears);
    RUN(exporter);
    RUN(key_update);
    ltls_provider_free(P);
    return test_done();
}
