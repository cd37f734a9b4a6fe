/*
 * tests/unit/test_rfc8448.c - the key schedule and the transcript reproduce
 * RFC 8448 §3 (Simple 1-RTT) and §4 (Resumed 0-RTT) byte for byte.
 *
 * Inputs are only what the wire and the endpoints hold: the handshake
 * messages, the X25519 private keys (the shared secret is recomputed in both
 * directions through the provider) and, for §4, the PSK. Every transcript
 * hash, secret, traffic key, IV, Finished value and binder is then compared
 * with the published one (tests/vectors/rfc8448.h). The stage secrets that
 * the schedule keeps to itself (early, handshake, master) are read from the
 * object, and the "derived" secrets are recomputed with ltls_derive_secret
 * from them.
 */
#include <string.h>

#include "hs/keysched.h"
#include "hs/transcript.h"
#include "test.h"
#include "test_provider.h"
#include "tests/vectors/rfc8448.h"

static ltls_provider_t *P;
static const ltls_hash_alg_t *const H = &ltls_hash_sha256;
static const ltls_suite_t *const SUITE = &ltls_suite_aes128gcm_sha256;

typedef struct {
    uint8_t b[2048];
    size_t n;
} buf_t;

static buf_t unhex(const char *hex)
{
    buf_t x;
    x.n = test_unhex(hex, x.b, sizeof x.b);
    return x;
}

#define CHECK_HEX(p, hex)                 \
    do {                                  \
        buf_t w_ = unhex(hex);            \
        CHECK_MEM((p), w_.b, w_.n);       \
    } while (0)

/* The transcript hash so far equals a published one. */
#define CHECK_TRANSCRIPT(t, hex)                    \
    do {                                            \
        uint8_t th_[32];                            \
        CHECK_OK(ltls_transcript_current((t), th_)); \
        CHECK_HEX(th_, hex);                        \
    } while (0)

#define ADD(t, hex)                                  \
    do {                                             \
        buf_t m_ = unhex(hex);                       \
        CHECK_OK(ltls_transcript_add((t), m_.b, m_.n)); \
    } while (0)

/* X25519 from both private keys: each side's share is its published public
 * key and both sides reach the published shared secret. */
static void check_x25519(const char *c_priv, const char *c_pub, const char *s_priv,
                         const char *s_pub, const char *shared, uint8_t out[32])
{
    buf_t cp = unhex(c_priv), cpub = unhex(c_pub), sp = unhex(s_priv), spub = unhex(s_pub);
    uint8_t share[32], secret_c[32], secret_s[32];
    ltls_kex_ctx_t *c = NULL, *s = NULL;
    ltls_err_t e1 = P->kex_import(P->impl, &ltls_group_x25519, cp.b, &c, share);
    int c_share_ok = !e1 && memcmp(share, cpub.b, 32) == 0;
    ltls_err_t e2 = P->kex_import(P->impl, &ltls_group_x25519, sp.b, &s, share);
    int s_share_ok = !e2 && memcmp(share, spub.b, 32) == 0;
    ltls_err_t e3 = e1 ? e1 : P->kex_finish(c, spub.b, spub.n, secret_c);
    ltls_err_t e4 = e2 ? e2 : P->kex_finish(s, cpub.b, cpub.n, secret_s);
    P->kex_free(c);
    P->kex_free(s);
    CHECK_OK(e1);
    CHECK_OK(e2);
    CHECK(c_share_ok);
    CHECK(s_share_ok);
    CHECK_OK(e3);
    CHECK_OK(e4);
    CHECK_HEX(secret_c, shared);
    CHECK_HEX(secret_s, shared);
    memcpy(out, secret_c, 32);
}

/* The verify_data in a published Finished message (header 14 00 00 20). */
static const uint8_t *finished_body(const buf_t *m)
{
    static const uint8_t hdr[4] = {20, 0, 0, 32};
    return m->n == 36 && memcmp(m->b, hdr, 4) == 0 ? m->b + 4 : NULL;
}

/* Finished from base_key over the current transcript equals the published
 * message; the check accepts it and rejects a one-bit change. */
static void check_finished(const ltls_transcript_t *t, const uint8_t *base_key, const char *msg)
{
    uint8_t th[32], vd[32], bad[32];
    buf_t m = unhex(msg);
    const uint8_t *want = finished_body(&m);
    CHECK(want != NULL);
    CHECK_OK(ltls_transcript_current(t, th));
    CHECK_OK(ltls_keysched_finished(P, H, base_key, th, vd));
    CHECK_MEM(vd, want, 32);
    CHECK_OK(ltls_keysched_finished_check(P, H, base_key, th, want, 32));
    for (size_t bit = 0; bit < 256; bit += 85) {
        memcpy(bad, want, 32);
        bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        CHECK_ERR(ltls_keysched_finished_check(P, H, base_key, th, bad, 32),
                  LTLS_R_DECRYPT_ERROR);
    }
}

static void check_keys(const uint8_t *secret, const char *key_hex, const char *iv_hex)
{
    uint8_t key[16], iv[12];
    CHECK_OK(ltls_keysched_traffic_keys(P, SUITE, secret, key, iv));
    CHECK_HEX(key, key_hex);
    CHECK_HEX(iv, iv_hex);
}

TEST(s3_x25519)
{
    uint8_t shared[32] = {0};
    check_x25519(RFC8448_S3_CLIENT_X25519_PRIVATE_KEY, RFC8448_S3_CLIENT_X25519_PUBLIC_KEY,
                 RFC8448_S3_SERVER_X25519_PRIVATE_KEY, RFC8448_S3_SERVER_X25519_PUBLIC_KEY,
                 RFC8448_S3_ECDHE_SHARED_SECRET, shared);
}

TEST(s3_simple_1rtt)
{
    ltls_transcript_t t;
    ltls_keysched_t ks;
    uint8_t th[32], derived[32], chts[32], shts[32], cats[32], sats[32], out[32];
    uint8_t shared[32] = {0};
    check_x25519(RFC8448_S3_CLIENT_X25519_PRIVATE_KEY, RFC8448_S3_CLIENT_X25519_PUBLIC_KEY,
                 RFC8448_S3_SERVER_X25519_PRIVATE_KEY, RFC8448_S3_SERVER_X25519_PUBLIC_KEY,
                 RFC8448_S3_ECDHE_SHARED_SECRET, shared);
    CHECK_HEX(shared, RFC8448_S3_ECDHE_SHARED_SECRET);

    /* Client view: the ClientHello goes out before the suite is known. */
    CHECK_OK(ltls_transcript_init(&t, P, NULL));
    ADD(&t, RFC8448_S3_HANDSHAKE_MESSAGES_CLIENT_HELLO);
    CHECK_OK(ltls_transcript_set_hash(&t, SUITE->hash));
    ADD(&t, RFC8448_S3_HANDSHAKE_MESSAGES_SERVER_HELLO);
    CHECK_TRANSCRIPT(&t, RFC8448_S3_TRANSCRIPT_HASHES_CH_SH);

    CHECK_OK(ltls_keysched_init(&ks, P, H));
    CHECK_OK(ltls_keysched_early(&ks, NULL, 0));
    CHECK_HEX(ks.secret, RFC8448_S3_SECRETS_EARLY_SECRET);
    CHECK_OK(ltls_derive_secret(P, H, ks.secret, "derived", NULL, derived));
    CHECK_HEX(derived, RFC8448_S3_SECRETS_DERIVED_FOR_HANDSHAKE);
    CHECK_OK(ltls_keysched_handshake(&ks, shared, sizeof shared));
    CHECK_HEX(ks.secret, RFC8448_S3_SECRETS_HANDSHAKE_SECRET);

    CHECK_OK(ltls_transcript_current(&t, th));
    CHECK_OK(ltls_keysched_handshake_traffic(&ks, th, chts, shts));
    CHECK_HEX(chts, RFC8448_S3_SECRETS_CLIENT_HANDSHAKE_TRAFFIC_SECRET);
    CHECK_HEX(shts, RFC8448_S3_SECRETS_SERVER_HANDSHAKE_TRAFFIC_SECRET);
    check_keys(shts, RFC8448_S3_TRAFFIC_KEYS_SERVER_HANDSHAKE_KEY,
               RFC8448_S3_TRAFFIC_KEYS_SERVER_HANDSHAKE_IV);
    check_keys(chts, RFC8448_S3_TRAFFIC_KEYS_CLIENT_HANDSHAKE_KEY,
               RFC8448_S3_TRAFFIC_KEYS_CLIENT_HANDSHAKE_IV);
    CHECK_OK(ltls_keysched_finished_key(P, H, shts, out));
    CHECK_HEX(out, RFC8448_S3_SECRETS_SERVER_FINISHED_KEY);
    CHECK_OK(ltls_keysched_finished_key(P, H, chts, out));
    CHECK_HEX(out, RFC8448_S3_SECRETS_CLIENT_FINISHED_KEY);

    ADD(&t, RFC8448_S3_HANDSHAKE_MESSAGES_ENCRYPTED_EXTENSIONS);
    ADD(&t, RFC8448_S3_HANDSHAKE_MESSAGES_CERTIFICATE);
    CHECK_TRANSCRIPT(&t, RFC8448_S3_TRANSCRIPT_HASHES_CH_TO_CERTIFICATE);
    ADD(&t, RFC8448_S3_HANDSHAKE_MESSAGES_CERTIFICATE_VERIFY);
    CHECK_TRANSCRIPT(&t, RFC8448_S3_TRANSCRIPT_HASHES_CH_TO_CERTIFICATE_VERIFY);
    check_finished(&t, shts, RFC8448_S3_HANDSHAKE_MESSAGES_SERVER_FINISHED);
    ADD(&t, RFC8448_S3_HANDSHAKE_MESSAGES_SERVER_FINISHED);
    CHECK_TRANSCRIPT(&t, RFC8448_S3_TRANSCRIPT_HASHES_CH_TO_SERVER_FINISHED);

    CHECK_OK(ltls_derive_secret(P, H, ks.secret, "derived", NULL, derived));
    CHECK_HEX(derived, RFC8448_S3_SECRETS_DERIVED_FOR_MASTER);
    CHECK_OK(ltls_keysched_master(&ks));
    CHECK_HEX(ks.secret, RFC8448_S3_SECRETS_MASTER_SECRET);
    CHECK_OK(ltls_transcript_current(&t, th));
    CHECK_OK(ltls_keysched_app_traffic(&ks, th, cats, sats));
    CHECK_HEX(cats, RFC8448_S3_SECRETS_CLIENT_APPLICATION_TRAFFIC_SECRET_0);
    CHECK_HEX(sats, RFC8448_S3_SECRETS_SERVER_APPLICATION_TRAFFIC_SECRET_0);
    check_keys(sats, RFC8448_S3_TRAFFIC_KEYS_SERVER_APPLICATION_KEY,
               RFC8448_S3_TRAFFIC_KEYS_SERVER_APPLICATION_IV);
    check_keys(cats, RFC8448_S3_TRAFFIC_KEYS_CLIENT_APPLICATION_KEY,
               RFC8448_S3_TRAFFIC_KEYS_CLIENT_APPLICATION_IV);
    CHECK_OK(ltls_keysched_exporter_master(&ks, th, out));
    CHECK_HEX(out, RFC8448_S3_SECRETS_EXPORTER_MASTER_SECRET);

    /* The client Finished covers the server Finished. */
    check_finished(&t, chts, RFC8448_S3_HANDSHAKE_MESSAGES_CLIENT_FINISHED);
    ADD(&t, RFC8448_S3_HANDSHAKE_MESSAGES_CLIENT_FINISHED);
    CHECK_TRANSCRIPT(&t, RFC8448_S3_TRANSCRIPT_HASHES_CH_TO_CLIENT_FINISHED);
    CHECK_OK(ltls_transcript_current(&t, th));
    CHECK_OK(ltls_keysched_resumption_master(&ks, th, out));
    CHECK_HEX(out, RFC8448_S3_SECRETS_RESUMPTION_MASTER_SECRET);

    /* The ticket's PSK from the NewSessionTicket nonce (§4.6.1). */
    buf_t nonce = unhex(RFC8448_S3_NEW_SESSION_TICKET_FIELDS_TICKET_NONCE);
    uint8_t psk[32];
    CHECK_OK(ltls_keysched_resumption_psk(P, H, out, nonce.b, nonce.n, psk));
    CHECK_HEX(psk, RFC8448_S3_SECRETS_TICKET_PSK);
    CHECK_HEX(psk, RFC8448_S4_PSK);

    ltls_keysched_clear(&ks);
    ltls_transcript_free(&t);
}

TEST(s4_binder)
{
    ltls_keysched_t ks;
    buf_t psk = unhex(RFC8448_S4_PSK);
    buf_t ch = unhex(RFC8448_S4_HANDSHAKE_MESSAGES_CLIENT_HELLO);
    buf_t trunc = unhex(RFC8448_S4_HANDSHAKE_MESSAGES_CLIENT_HELLO_TRUNCATED_FOR_BINDER);
    uint8_t th[32], bk[32], out[32], bad[32];

    /* Truncate(ClientHello) drops exactly the binders list: uint16 length,
     * one uint8-prefixed 32-byte binder (§4.2.11.2). */
    CHECK(ch.n == trunc.n + 2 + 1 + 32);
    CHECK(memcmp(ch.b, trunc.b, trunc.n) == 0);

    CHECK_OK(ltls_keysched_init(&ks, P, H));
    CHECK_OK(ltls_keysched_early(&ks, psk.b, psk.n));
    CHECK_HEX(ks.secret, RFC8448_S4_SECRETS_EARLY_SECRET);
    CHECK_OK(ltls_keysched_binder_key(&ks, 1, bk));
    CHECK_HEX(bk, RFC8448_S4_SECRETS_BINDER_KEY);
    CHECK_OK(ltls_keysched_finished_key(P, H, bk, out));
    CHECK_HEX(out, RFC8448_S4_SECRETS_BINDER_FINISHED_KEY);

    /* Client: the binder over Hash(Truncate(ClientHello1)), made before the
     * transcript has a hash. */
    CHECK_OK(ltls_transcript_digest(P, H, trunc.b, trunc.n, th));
    CHECK_OK(ltls_keysched_binder(&ks, 1, th, out));
    CHECK_HEX(out, RFC8448_S4_SECRETS_BINDER);
    CHECK_MEM(out, ch.b + ch.n - 32, 32);
    /* "ext binder" gives another value. */
    CHECK_OK(ltls_keysched_binder(&ks, 0, th, bad));
    CHECK(memcmp(bad, out, 32) != 0);

    /* Server: the same hash through a transcript that has its hash. */
    ltls_transcript_t t;
    CHECK_OK(ltls_transcript_init(&t, P, NULL));
    CHECK_OK(ltls_transcript_set_hash(&t, H));
    uint8_t th2[32];
    CHECK_OK(ltls_transcript_current_with(&t, trunc.b, trunc.n, th2));
    CHECK_MEM(th2, th, 32);
    ltls_transcript_free(&t);
    CHECK_OK(ltls_keysched_binder_check(&ks, 1, th, ch.b + ch.n - 32, 32));
    memcpy(bad, ch.b + ch.n - 32, 32);
    bad[0] ^= 1;
    CHECK_ERR(ltls_keysched_binder_check(&ks, 1, th, bad, 32), LTLS_R_DECRYPT_ERROR);
    CHECK_ERR(ltls_keysched_binder_check(&ks, 0, th, ch.b + ch.n - 32, 32), LTLS_R_DECRYPT_ERROR);
    CHECK_ERR(ltls_keysched_binder_check(&ks, 1, th, ch.b + ch.n - 32, 31), LTLS_R_DECODE_LENGTH);
    ltls_keysched_clear(&ks);
}

TEST(s4_resumed_0rtt)
{
    ltls_transcript_t t;
    ltls_keysched_t ks;
    uint8_t th[32], derived[32], chts[32], shts[32], cats[32], sats[32], out[32];
    uint8_t shared[32] = {0};
    buf_t psk = unhex(RFC8448_S4_PSK);
    check_x25519(RFC8448_S4_CLIENT_X25519_PRIVATE_KEY, RFC8448_S4_CLIENT_X25519_PUBLIC_KEY,
                 RFC8448_S4_SERVER_X25519_PRIVATE_KEY, RFC8448_S4_SERVER_X25519_PUBLIC_KEY,
                 RFC8448_S4_ECDHE_SHARED_SECRET, shared);
    CHECK_HEX(shared, RFC8448_S4_ECDHE_SHARED_SECRET);

    /* Server view: the suite (and PSK) are chosen before the ClientHello is
     * added. */
    CHECK_OK(ltls_transcript_init(&t, P, NULL));
    CHECK_OK(ltls_transcript_set_hash(&t, H));
    ADD(&t, RFC8448_S4_HANDSHAKE_MESSAGES_CLIENT_HELLO);
    CHECK_OK(ltls_keysched_init(&ks, P, H));
    CHECK_OK(ltls_keysched_early(&ks, psk.b, psk.n));
    CHECK_HEX(ks.secret, RFC8448_S4_SECRETS_EARLY_SECRET);
    CHECK_OK(ltls_transcript_current(&t, th));
    CHECK_OK(ltls_keysched_client_early_traffic(&ks, th, out));
    CHECK_HEX(out, RFC8448_S4_SECRETS_CLIENT_EARLY_TRAFFIC_SECRET);
    check_keys(out, RFC8448_S4_TRAFFIC_KEYS_CLIENT_EARLY_KEY,
               RFC8448_S4_TRAFFIC_KEYS_CLIENT_EARLY_IV);
    CHECK_OK(ltls_keysched_early_exporter(&ks, th, out));
    CHECK_HEX(out, RFC8448_S4_SECRETS_EARLY_EXPORTER_MASTER_SECRET);

    CHECK_OK(ltls_derive_secret(P, H, ks.secret, "derived", NULL, derived));
    CHECK_HEX(derived, RFC8448_S4_SECRETS_DERIVED_FOR_HANDSHAKE);
    CHECK_OK(ltls_keysched_handshake(&ks, shared, sizeof shared));
    CHECK_HEX(ks.secret, RFC8448_S4_SECRETS_HANDSHAKE_SECRET);
    ADD(&t, RFC8448_S4_HANDSHAKE_MESSAGES_SERVER_HELLO);
    CHECK_OK(ltls_transcript_current(&t, th));
    CHECK_OK(ltls_keysched_handshake_traffic(&ks, th, chts, shts));
    CHECK_HEX(chts, RFC8448_S4_SECRETS_CLIENT_HANDSHAKE_TRAFFIC_SECRET);
    CHECK_HEX(shts, RFC8448_S4_SECRETS_SERVER_HANDSHAKE_TRAFFIC_SECRET);
    check_keys(shts, RFC8448_S4_TRAFFIC_KEYS_SERVER_HANDSHAKE_KEY,
               RFC8448_S4_TRAFFIC_KEYS_SERVER_HANDSHAKE_IV);
    check_keys(chts, RFC8448_S4_TRAFFIC_KEYS_CLIENT_HANDSHAKE_KEY,
               RFC8448_S4_TRAFFIC_KEYS_CLIENT_HANDSHAKE_IV);
    CHECK_OK(ltls_keysched_finished_key(P, H, shts, out));
    CHECK_HEX(out, RFC8448_S4_SECRETS_SERVER_FINISHED_KEY);
    CHECK_OK(ltls_keysched_finished_key(P, H, chts, out));
    CHECK_HEX(out, RFC8448_S4_SECRETS_CLIENT_FINISHED_KEY);

    ADD(&t, RFC8448_S4_HANDSHAKE_MESSAGES_ENCRYPTED_EXTENSIONS);
    check_finished(&t, shts, RFC8448_S4_HANDSHAKE_MESSAGES_SERVER_FINISHED);
    ADD(&t, RFC8448_S4_HANDSHAKE_MESSAGES_SERVER_FINISHED);

    CHECK_OK(ltls_derive_secret(P, H, ks.secret, "derived", NULL, derived));
    CHECK_HEX(derived, RFC8448_S4_SECRETS_DERIVED_FOR_MASTER);
    CHECK_OK(ltls_keysched_master(&ks));
    CHECK_HEX(ks.secret, RFC8448_S4_SECRETS_MASTER_SECRET);
    CHECK_OK(ltls_transcript_current(&t, th));
    CHECK_OK(ltls_keysched_app_traffic(&ks, th, cats, sats));
    CHECK_HEX(cats, RFC8448_S4_SECRETS_CLIENT_APPLICATION_TRAFFIC_SECRET_0);
    CHECK_HEX(sats, RFC8448_S4_SECRETS_SERVER_APPLICATION_TRAFFIC_SECRET_0);
    check_keys(sats, RFC8448_S4_TRAFFIC_KEYS_SERVER_APPLICATION_KEY,
               RFC8448_S4_TRAFFIC_KEYS_SERVER_APPLICATION_IV);
    check_keys(cats, RFC8448_S4_TRAFFIC_KEYS_CLIENT_APPLICATION_KEY,
               RFC8448_S4_TRAFFIC_KEYS_CLIENT_APPLICATION_IV);
    CHECK_OK(ltls_keysched_exporter_master(&ks, th, out));
    CHECK_HEX(out, RFC8448_S4_SECRETS_EXPORTER_MASTER_SECRET);

    /* EndOfEarlyData is in the transcript before the client Finished. */
    ADD(&t, RFC8448_S4_HANDSHAKE_MESSAGES_END_OF_EARLY_DATA);
    check_finished(&t, chts, RFC8448_S4_HANDSHAKE_MESSAGES_CLIENT_FINISHED);
    ADD(&t, RFC8448_S4_HANDSHAKE_MESSAGES_CLIENT_FINISHED);
    CHECK_OK(ltls_transcript_current(&t, th));
    CHECK_OK(ltls_keysched_resumption_master(&ks, th, out));
    CHECK_HEX(out, RFC8448_S4_SECRETS_RESUMPTION_MASTER_SECRET);

    ltls_keysched_clear(&ks);
    ltls_transcript_free(&t);
}

int main(void)
{
    ltls_err_t e = ltls_provider_new(test_provider_name(), NULL, &P);
    if (e) {
        printf("Bail out! no provider: %s\n", ltls_err_message(e));
        return 1;
    }
    RUN(s3_x25519);
    RUN(s3_simple_1rtt);
    RUN(s4_binder);
    RUN(s4_resumed_0rtt);
    ltls_provider_free(P);
    return test_done();
}
