/*
 * bench/b_floor.c - the crypto floor, measured with libcrypto directly in
 * the same process (the same libcrypto lucidtls's provider and libssl use).
 *
 * Handshake floor: the libcrypto operations one full handshake (both sides,
 * as the handshake benchmark runs them) cannot avoid, each through the
 * cheapest EVP path (contexts made once and reused where libcrypto allows):
 *
 *   2 x X25519 key generation   (keygen + reading the public share)
 *   2 x X25519 derivation        (import the peer's share + derive)
 *   1 x ECDSA P-256 signature    (SHA-256 of the CertificateVerify content
 *                                 + sign, key loaded once)
 *   3 x ECDSA P-256 verification (the CertificateVerify and the two
 *                                 certificate signatures of the chain: hash
 *                                 + verify, keys loaded once)
 *  38 x HMAC-SHA-256             (19 per side: the handshake-dependent key
 *                                 schedule of RFC 8446 §7.1 without PSK -
 *                                 handshake and master Extract, c/s hs and ap
 *                                 traffic secrets, "derived", 8 traffic key
 *                                 and IV expansions, 2 finished keys and the
 *                                 2 Finished MACs; the early secret and its
 *                                 "derived" are constants and not counted,
 *                                 nor is the exporter secret)
 *   2 x transcript               (per side: hashing ClientHello..server
 *                                 Finished once and 4 snapshots, i.e. a
 *                                 context copy + final, for the handshake
 *                                 secrets, CertificateVerify, Finished and
 *                                 the application secrets)
 *
 * Certificate parsing, path building, name checks, message codecs and the
 * record layer are not crypto and are not in the floor.
 *
 * AEAD floor: seal + open of 16 KiB records in place with one EVP context
 * per direction keyed once (nonce, 5-byte AAD, payload, tag per record),
 * i.e. what any TLS record layer must ask libcrypto for.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "bench.h"

static EVP_PKEY_CTX *x_gen;
static EVP_PKEY *sign_key, *vkeys[3];
static EVP_PKEY_CTX *sign_ctx, *verify_ctx[3];
static uint8_t sigs[3][80];
static size_t sig_lens[3];
static EVP_MAC *mac;
static EVP_MAC_CTX *mac_ctx;
static EVP_MD *sha256;
static EVP_CIPHER *ciphers[2];
static size_t cert_msg_len = 1100;

/* Sizes of the messages hashed into the transcript (ClientHello ..
 * server Finished); the Certificate's is set from the real chain. */
static size_t msg_sizes[] = {260, 90, 30, 0, 80, 36};

static double floor_ops[8]; /* per-op seconds, for the breakdown */

static uint8_t scratch[4096];

int floor_setup(const bench_cfg_t *cfg)
{
    size_t len;
    uint8_t *chain = bench_read_file(cfg->chain, &len);
    /* The Certificate message carries the DER (about 3/4 of the PEM). */
    cert_msg_len = 8 + len * 3 / 4;
    free(chain);
    msg_sizes[3] = cert_msg_len;
    for (size_t i = 0; i < sizeof(scratch); i++)
        scratch[i] = (uint8_t)(i * 7 + 3);

    x_gen = EVP_PKEY_CTX_new_from_name(NULL, "X25519", NULL);
    if (!x_gen || EVP_PKEY_keygen_init(x_gen) <= 0)
        BENCH_FAIL("floor: X25519");
    sign_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    sign_ctx = EVP_PKEY_CTX_new_from_pkey(NULL, sign_key, NULL);
    if (!sign_key || !sign_ctx || EVP_PKEY_sign_init(sign_ctx) <= 0)
        BENCH_FAIL("floor: P-256 sign");
    sha256 = EVP_MD_fetch(NULL, "SHA2-256", NULL);
    for (int i = 0; i < 3; i++) {
        EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        EVP_PKEY_CTX *sc = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
        uint8_t md[32];
        unsigned int mdl;
        sig_lens[i] = sizeof(sigs[i]);
        if (!k || !sc || EVP_PKEY_sign_init(sc) <= 0 ||
            !EVP_Digest(scratch, 400, md, &mdl, sha256, NULL) ||
            EVP_PKEY_sign(sc, sigs[i], &sig_lens[i], md, 32) <= 0)
            BENCH_FAIL("floor: P-256 keys");
        EVP_PKEY_CTX_free(sc);
        vkeys[i] = k;
        verify_ctx[i] = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
        if (!verify_ctx[i] || EVP_PKEY_verify_init(verify_ctx[i]) <= 0)
            BENCH_FAIL("floor: P-256 verify");
    }
    mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    mac_ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM p[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA2-256", 0),
                      OSSL_PARAM_construct_end()};
    if (!mac_ctx || !EVP_MAC_CTX_set_params(mac_ctx, p))
        BENCH_FAIL("floor: HMAC");
    ciphers[AEAD_AES128GCM] = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
    ciphers[AEAD_CHACHA20] = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL);
    if (!ciphers[0] || !ciphers[1] || !sha256)
        BENCH_FAIL("floor: ciphers");
    return 0;
}

void floor_teardown(void)
{
    EVP_PKEY_CTX_free(x_gen);
    EVP_PKEY_CTX_free(sign_ctx);
    EVP_PKEY_free(sign_key);
    for (int i = 0; i < 3; i++) {
        EVP_PKEY_CTX_free(verify_ctx[i]);
        EVP_PKEY_free(vkeys[i]);
    }
    EVP_MAC_CTX_free(mac_ctx);
    EVP_MAC_free(mac);
    EVP_MD_free(sha256);
    EVP_CIPHER_free(ciphers[0]);
    EVP_CIPHER_free(ciphers[1]);
}

/* --- the operations --------------------------------------------------- */

static EVP_PKEY *x_keygen(uint8_t share[32])
{
    EVP_PKEY *k = NULL;
    size_t n = 32;
    if (EVP_PKEY_keygen(x_gen, &k) <= 0 || !EVP_PKEY_get_raw_public_key(k, share, &n))
        abort();
    return k;
}

static void x_derive(EVP_PKEY *own, const uint8_t share[32], uint8_t secret[32])
{
    EVP_PKEY *peer = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, share, 32);
    EVP_PKEY_CTX *d = EVP_PKEY_CTX_new_from_pkey(NULL, own, NULL);
    size_t n = 32;
    if (!peer || !d || EVP_PKEY_derive_init(d) <= 0 || EVP_PKEY_derive_set_peer_ex(d, peer, 0) <= 0 ||
        EVP_PKEY_derive(d, secret, &n) <= 0)
        abort();
    EVP_PKEY_CTX_free(d);
    EVP_PKEY_free(peer);
}

static void ecdsa_sign(void)
{
    uint8_t md[32], sig[80];
    unsigned int mdl;
    size_t n = sizeof(sig);
    if (!EVP_Digest(scratch, 130, md, &mdl, sha256, NULL) ||
        EVP_PKEY_sign(sign_ctx, sig, &n, md, 32) <= 0)
        abort();
}

static void ecdsa_verify(int i)
{
    uint8_t md[32];
    unsigned int mdl;
    if (!EVP_Digest(scratch, 400, md, &mdl, sha256, NULL) ||
        EVP_PKEY_verify(verify_ctx[i], sigs[i], sig_lens[i], md, 32) != 1)
        abort();
}

static void hmac_once(const uint8_t key[32], uint8_t out[32])
{
    size_t n = 0;
    if (!EVP_MAC_init(mac_ctx, key, 32, NULL) || !EVP_MAC_update(mac_ctx, scratch, 52) ||
        !EVP_MAC_final(mac_ctx, out, &n, 32))
        abort();
}

static void transcript_once(void)
{
    EVP_MD_CTX *t = EVP_MD_CTX_new(), *snap = EVP_MD_CTX_new();
    uint8_t out[32];
    unsigned int n;
    if (!t || !snap || !EVP_DigestInit_ex2(t, sha256, NULL))
        abort();
    for (size_t i = 0; i < sizeof(msg_sizes) / sizeof(msg_sizes[0]); i++) {
        EVP_DigestUpdate(t, scratch, msg_sizes[i]);
        /* after ServerHello, Certificate, CertificateVerify, Finished */
        if (i == 1 || i >= 3) {
            if (!EVP_MD_CTX_copy_ex(snap, t) || !EVP_DigestFinal_ex(snap, out, &n))
                abort();
        }
    }
    EVP_MD_CTX_free(snap);
    EVP_MD_CTX_free(t);
}

/* Runs op repeatedly for about budget seconds: seconds per call. */
#define TIME_OP(budget, stmt)                                                                    \
    ({                                                                                           \
        size_t n_ = 0;                                                                           \
        double t0_ = bench_now(), t_;                                                            \
        do {                                                                                     \
            for (int k_ = 0; k_ < 16; k_++) {                                                    \
                stmt;                                                                            \
            }                                                                                    \
            n_ += 16;                                                                            \
        } while ((t_ = bench_now() - t0_) < (budget));                                          \
        t_ / (double)n_;                                                                         \
    })

double floor_handshake_secs(double budget)
{
    double b = budget / 6;
    uint8_t share[32], secret[32], key[32] = {1}, out[32];
    EVP_PKEY *keys[16] = {0};
    size_t ki = 0;
    double t_gen = TIME_OP(b, {
        EVP_PKEY_free(keys[ki & 15]);
        keys[ki++ & 15] = x_keygen(share);
    });
    double t_derive = TIME_OP(b, x_derive(keys[0], share, secret));
    for (int i = 0; i < 16; i++)
        EVP_PKEY_free(keys[i]);
    double t_sign = TIME_OP(b, ecdsa_sign());
    int vi = 0;
    double t_verify = TIME_OP(b, ecdsa_verify(vi++ % 3));
    double t_hmac = TIME_OP(b, hmac_once(key, out));
    double t_tr = TIME_OP(b, transcript_once());
    (void)out;
    floor_ops[0] = t_gen;
    floor_ops[1] = t_derive;
    floor_ops[2] = t_sign;
    floor_ops[3] = t_verify;
    floor_ops[4] = t_hmac;
    floor_ops[5] = t_tr;
    return 2 * t_gen + 2 * t_derive + t_sign + 3 * t_verify + 38 * t_hmac + 2 * t_tr;
}

void floor_breakdown(FILE *f);
void floor_breakdown(FILE *f)
{
    static const char *const names[] = {"x25519_keygen", "x25519_derive", "ecdsa_p256_sign",
                                        "ecdsa_p256_verify", "hmac_sha256", "transcript"};
    for (int i = 0; i < 6; i++)
        fprintf(f, "raw metric=floor_op_%s_us impl=floor value=%.3f\n", names[i], floor_ops[i] * 1e6);
}

int floor_aead(int aead, size_t total, double *secs)
{
    EVP_CIPHER_CTX *enc = EVP_CIPHER_CTX_new(), *dec = EVP_CIPHER_CTX_new();
    uint8_t keyb[16] = {7}, iv[12] = {9}, aad[5] = {23, 3, 3, 0x40, 0x11}, tag[16], fin[32];
    uint8_t *buf = malloc(BENCH_WRITE);
    const uint8_t *key = keyb;
    uint8_t key32[32] = {7};
    if (aead == AEAD_CHACHA20)
        key = key32;
    memset(buf, 0x5a, BENCH_WRITE);
    if (!enc || !dec || !EVP_CipherInit_ex2(enc, ciphers[aead], key, NULL, 1, NULL) ||
        !EVP_CipherInit_ex2(dec, ciphers[aead], key, NULL, 0, NULL))
        BENCH_FAIL("floor: AEAD init");
    int n;
    size_t records = (total + BENCH_WRITE - 1) / BENCH_WRITE;
    double t0 = 0;
    for (size_t r = 0; r < records + 64; r++) {
        if (r == 64)
            t0 = bench_now(); /* 64 records of warm-up */
        iv[11] = (uint8_t)r;
        iv[10] = (uint8_t)(r >> 8);
        OSSL_PARAM get[] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, 16),
                            OSSL_PARAM_construct_end()};
        if (!EVP_CipherInit_ex2(enc, NULL, NULL, iv, 1, NULL) ||
            !EVP_CipherUpdate(enc, NULL, &n, aad, 5) ||
            !EVP_CipherUpdate(enc, buf, &n, buf, BENCH_WRITE) || !EVP_CipherFinal_ex(enc, fin, &n) ||
            !EVP_CIPHER_CTX_get_params(enc, get))
            BENCH_FAIL("floor: seal");
        OSSL_PARAM set[] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, 16),
                            OSSL_PARAM_construct_end()};
        if (!EVP_CipherInit_ex2(dec, NULL, NULL, iv, 0, NULL) || !EVP_CIPHER_CTX_set_params(dec, set) ||
            !EVP_CipherUpdate(dec, NULL, &n, aad, 5) ||
            !EVP_CipherUpdate(dec, buf, &n, buf, BENCH_WRITE) || EVP_CipherFinal_ex(dec, fin, &n) <= 0)
            BENCH_FAIL("floor: open");
    }
    *secs = bench_now() - t0;
    EVP_CIPHER_CTX_free(enc);
    EVP_CIPHER_CTX_free(dec);
    free(buf);
    return 0;
}
