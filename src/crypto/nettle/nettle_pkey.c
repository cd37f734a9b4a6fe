/*
 * crypto/nettle/nettle_pkey.c - public and private keys, signing and
 * verification over Nettle/Hogweed: ECDSA on P-256/384/521 (DER
 * ECDSA-Sig-Value, as TLS carries it), RSASSA-PSS with rsaEncryption keys,
 * RSASSA-PKCS1-v1_5 (verify only), Ed25519 and Ed448.
 *
 * Theory of operation. lucidtls hands keys over as raw big-endian
 * components (provider.h). RSA components are converted to limbs in one
 * block from the provider's allocator and given to Nettle as read-only mpz
 * views, so the private ones never sit in memory that GMP allocated and
 * ltls_free wipes them. EC keys are Nettle ecc_scalar/ecc_point objects
 * whose limbs are wiped before they are cleared; EdDSA keys are the raw
 * 32/57-byte seed and public key.
 *
 * Private keys are checked once, at import, so that a bad key file is
 * LTLS_R_KEY_FORMAT rather than a wrong signature later. Nettle has no key
 * check of its own, so the RSA relations are verified here with GMP
 * arithmetic (n = pq, p and q probable primes, e*dP = 1 mod p-1,
 * e*dQ = 1 mod q-1, d agreeing with dP and dQ, q*qInv = 1 mod p); EC
 * scalars must lie in [1, n) and give the file's public point, if any;
 * EdDSA seeds must give the file's public key, if any.
 *
 * The signature scheme fixes every parameter, and is honoured field by
 * field (key type, curve, hash id, padding), never by the descriptor's
 * address or code point: the X.509 validator passes local descriptors with
 * code 0 for pairs like ECDSA P-256 with SHA-384.
 *
 * Side channels. Signing uses Nettle's side-channel-silent paths:
 * rsa_pss_sha*_sign_digest_tr (RSA blinding, and the result checked against
 * the public key before release, which stops fault attacks on CRT),
 * ecc_ecdsa_sign with a nonce from ecc_scalar_random and scratch space we
 * own and wipe (Nettle's ECC arithmetic is constant-time), and
 * ed25519_sha512_sign / ed448_shake256_sign. Key import and generation use
 * plain GMP arithmetic, once per key.
 */
#include <string.h>

#include <nettle/bignum.h>
#include <nettle/dsa.h>
#include <nettle/ecdsa.h>
#include <nettle/eddsa.h>
#include <nettle/rsa.h>

#include "crypto/nettle/ltls_nettle.h"

enum { RSA_N, RSA_E, RSA_D, RSA_P, RSA_Q, RSA_DP, RSA_DQ, RSA_QINV, RSA_NCOMP };

typedef struct nkey {
    const ltls_nettle_impl_t *impl;
    ltls_key_type_t type;
    uint16_t curve;
    size_t bits;
    int priv; /* holds private components */

    /* RSA: RSA_NCOMP (private) or 2 (public) numbers of rsa_limbs limbs
     * each, in the enum's order, viewed by the Nettle structs below. */
    mp_limb_t *limbs;
    size_t rsa_limbs, nlimbs;
    struct rsa_public_key rsa_pub;
    struct rsa_private_key rsa_priv;

    /* EC */
    const ltls_nettle_curve_t *c;
    struct ecc_point q;
    struct ecc_scalar d;
    uint8_t point[LTLS_KEX_MAX_SHARE]; /* uncompressed */

    /* EdDSA */
    uint8_t ed_pub[57], ed_seed[57];
} nkey_t;

struct ltls_pubkey {
    nkey_t k;
};
struct ltls_privkey {
    nkey_t k;
};

static size_t ed_size(ltls_key_type_t t) { return t == LTLS_KEY_ED25519 ? 32 : 57; }

/* Frees what k holds (not k itself). */
static void nkey_release(nkey_t *k)
{
    if (k->limbs)
        ltls_free(&k->impl->alloc, k->limbs, k->nlimbs * sizeof(mp_limb_t));
    k->limbs = NULL;
    if (k->c) {
        ecc_point_clear(&k->q);
        if (k->priv)
            ltls_nettle_ecc_scalar_wipe_clear(&k->d);
    }
    k->c = NULL;
}

static nkey_t *nkey_new(const ltls_nettle_impl_t *impl, ltls_key_type_t type, int priv)
{
    /* Public and private key structs are the same; a private key only has
     * more filled in. */
    nkey_t *k = ltls_alloc(&impl->alloc, sizeof(nkey_t));
    if (k) {
        k->impl = impl;
        k->type = type;
        k->priv = priv;
    }
    return k;
}

static void nkey_free(nkey_t *k)
{
    if (!k)
        return;
    nkey_release(k);
    ltls_free(&k->impl->alloc, k, sizeof(*k));
}

/* ---------------------------------------------------------------------------
 * RSA import
 * ------------------------------------------------------------------------- */

static const uint8_t *strip(const uint8_t *p, size_t *len)
{
    while (p && *len && !*p) {
        p++;
        (*len)--;
    }
    return p;
}

static int rsa_public_ok(const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len)
{
    /* The same sanity as the OpenSSL provider: an odd modulus of 512 bits
     * or more that fits LTLS_SIG_MAX_SIZE; an odd exponent of at least 3 and
     * no longer than the modulus. Policy on sizes is the caller's. */
    return n && e && n_len >= 64 && n_len <= LTLS_SIG_MAX_SIZE && (n[n_len - 1] & 1) && e_len &&
           e_len <= n_len && (e[e_len - 1] & 1) && !(e_len == 1 && e[0] < 3);
}

/* An mpz sized for 2 * bits, so that the products below never reallocate
 * (a reallocation would leave an unwiped copy behind). */
static void tmp_init(mpz_ptr t, size_t bits) { mpz_init2(t, (mp_bitcnt_t)(2 * bits + 64)); }

/* The relations between the eight PKCS#1 components (RFC 8017 §3.2). */
static int rsa_pair_ok(const nkey_t *k)
{
    mpz_srcptr n = k->rsa_pub.n, e = k->rsa_pub.e, d = k->rsa_priv.d, p = k->rsa_priv.p,
               q = k->rsa_priv.q, dp = k->rsa_priv.a, dq = k->rsa_priv.b, qinv = k->rsa_priv.c;
    mpz_t t, m;
    tmp_init(t, k->bits);
    tmp_init(m, k->bits);
    int ok = mpz_cmp_ui(p, 2) > 0 && mpz_cmp_ui(q, 2) > 0 && mpz_cmp(d, n) < 0;
    if (ok) {
        mpz_mul(t, p, q);
        ok = mpz_cmp(t, n) == 0;
    }
    /* For each prime r with CRT exponent dr: 0 < dr < r-1, e*dr = 1 and
     * d = dr (mod r-1). */
    mpz_srcptr primes[2] = {p, q}, exps[2] = {dp, dq};
    for (int i = 0; ok && i < 2; i++) {
        mpz_sub_ui(m, primes[i], 1);
        ok = mpz_sgn(exps[i]) > 0 && mpz_cmp(exps[i], m) < 0;
        if (ok) {
            mpz_mul(t, e, exps[i]);
            mpz_mod(t, t, m);
            ok = mpz_cmp_ui(t, 1) == 0;
        }
        if (ok) {
            mpz_mod(t, d, m);
            ok = mpz_cmp(t, exps[i]) == 0;
        }
    }
    if (ok) {
        ok = mpz_sgn(qinv) > 0 && mpz_cmp(qinv, p) < 0;
        mpz_mul(t, q, qinv);
        mpz_mod(t, t, p);
        ok = ok && mpz_cmp_ui(t, 1) == 0;
    }
    /* 25 rounds: GMP runs Baillie-PSW and one Miller-Rabin round. */
    ok = ok && mpz_probab_prime_p(p, 25) && mpz_probab_prime_p(q, 25);
    ltls_nettle_mpz_wipe_clear(t);
    ltls_nettle_mpz_wipe_clear(m);
    return ok;
}

/* Fills k's RSA part from big-endian components: 2 (n, e) or RSA_NCOMP. */
static ltls_err_t rsa_build(nkey_t *k, const uint8_t *const *comp, const size_t *comp_len,
                            size_t ncomp)
{
    size_t n_len = comp_len[RSA_N], e_len = comp_len[RSA_E];
    const uint8_t *n = strip(comp[RSA_N], &n_len), *e = strip(comp[RSA_E], &e_len);
    if (!rsa_public_ok(n, n_len, e, e_len))
        return ltls_err_make(LTLS_R_KEY_FORMAT);
    size_t L = (n_len + sizeof(mp_limb_t) - 1) / sizeof(mp_limb_t);
    k->rsa_limbs = L;
    k->nlimbs = L * ncomp;
    k->limbs = ltls_alloc(&k->impl->alloc, k->nlimbs * sizeof(mp_limb_t));
    if (!k->limbs)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    for (size_t i = 0; i < ncomp; i++) {
        /* Every component of a genuine key is below the modulus. */
        if (!comp[i] || !comp_len[i] ||
            ltls_nettle_limbs_from_be(k->limbs + i * L, L, comp[i], comp_len[i]) != 0)
            return ltls_err_make(LTLS_R_KEY_FORMAT);
    }
    mpz_ptr pub[2] = {k->rsa_pub.n, k->rsa_pub.e};
    for (size_t i = 0; i < 2; i++)
        ltls_nettle_mpz_view(pub[i], k->limbs + i * L, L);
    if (!rsa_public_key_prepare(&k->rsa_pub))
        return ltls_err_make(LTLS_R_KEY_FORMAT);
    k->bits = mpz_sizeinbase(k->rsa_pub.n, 2);
    if (ncomp == 2)
        return LTLS_OK;

    mpz_ptr priv[RSA_NCOMP - 2] = {k->rsa_priv.d, k->rsa_priv.p, k->rsa_priv.q,
                                   k->rsa_priv.a, k->rsa_priv.b, k->rsa_priv.c};
    for (size_t i = 0; i < RSA_NCOMP - 2; i++)
        ltls_nettle_mpz_view(priv[i], k->limbs + (i + 2) * L, L);
    if (!rsa_private_key_prepare(&k->rsa_priv) || k->rsa_priv.size != k->rsa_pub.size ||
        !rsa_pair_ok(k))
        return ltls_err_make(LTLS_R_KEY_FORMAT);
    return LTLS_OK;
}

/* ---------------------------------------------------------------------------
 * EC and EdDSA import
 * ------------------------------------------------------------------------- */

/* 1 if the SEC1 point given (uncompressed, compressed or hybrid) is the
 * same point as ours, held uncompressed. Compressed forms are compared as
 * x and the parity of y, so no square root is needed. */
static int same_point(const nkey_t *k, const uint8_t *p, size_t len)
{
    size_t fb = k->c->field_bytes;
    const uint8_t *x = k->point + 1, *y = k->point + 1 + fb;
    int y_odd = y[fb - 1] & 1;
    if (len == 1 + 2 * fb && p[0] == 0x04)
        return memcmp(p + 1, x, 2 * fb) == 0;
    if (len == 1 + fb && (p[0] == 0x02 || p[0] == 0x03))
        return memcmp(p + 1, x, fb) == 0 && (p[0] & 1) == y_odd;
    if (len == 1 + 2 * fb && (p[0] == 0x06 || p[0] == 0x07))
        return memcmp(p + 1, x, 2 * fb) == 0 && (p[0] & 1) == y_odd;
    return 0;
}

/* Sets up k->c and k->q from k->d (already set), filling k->point. */
static void ec_public_from_scalar(nkey_t *k)
{
    ecc_point_init(&k->q, k->d.ecc);
    ecc_point_mul_g(&k->q, &k->d);
    ltls_nettle_point_get(&k->q, k->c, k->point);
}

static ltls_err_t ec_private(nkey_t *k, const ltls_privkey_info_t *info)
{
    const ltls_nettle_curve_t *c = ltls_nettle_curve_by_code(info->curve);
    if (!c)
        return ltls_err_make(LTLS_R_KEY_FORMAT);
    ecc_scalar_init(&k->d, c->get());
    ltls_err_t err = ltls_nettle_scalar_set(&k->d, info->priv, info->priv_size);
    if (err) {
        ltls_nettle_ecc_scalar_wipe_clear(&k->d);
        return err;
    }
    k->c = c; /* from here nkey_release frees both */
    k->curve = c->code;
    k->bits = c->bits;
    ec_public_from_scalar(k);
    if (info->point && !same_point(k, info->point, info->point_size))
        return ltls_err_make(LTLS_R_KEY_FORMAT);
    return LTLS_OK;
}

static void ed_public(ltls_key_type_t type, const uint8_t *seed, uint8_t *pub)
{
    if (type == LTLS_KEY_ED25519)
        ed25519_sha512_public_key(pub, seed);
    else
        ed448_shake256_public_key(pub, seed);
}

static ltls_err_t ed_private(nkey_t *k, const ltls_privkey_info_t *info)
{
    size_t want = ed_size(info->type);
    if (!info->priv || info->priv_size != want || (info->point && info->point_size != want))
        return ltls_err_make(LTLS_R_KEY_FORMAT);
    memcpy(k->ed_seed, info->priv, want);
    ed_public(k->type, k->ed_seed, k->ed_pub);
    k->bits = k->type == LTLS_KEY_ED25519 ? 255 : 448; /* the field, as for EC */
    if (info->point && memcmp(info->point, k->ed_pub, want) != 0)
        return ltls_err_make(LTLS_R_KEY_FORMAT);
    return LTLS_OK;
}

/* ---------------------------------------------------------------------------
 * Public keys
 * ------------------------------------------------------------------------- */

ltls_err_t ltls_nettle_pubkey_new(void *impl_, const ltls_pubkey_info_t *info,
                                  ltls_pubkey_t **out)
{
    const ltls_nettle_impl_t *impl = impl_;
    if (!impl || !info || !out)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if (info->type < LTLS_KEY_RSA || info->type > LTLS_KEY_ED448)
        return ltls_err_make(LTLS_R_KEY_FORMAT);
    nkey_t *k = nkey_new(impl, info->type, 0);
    if (!k)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    ltls_err_t err = LTLS_OK;
    switch (info->type) {
    case LTLS_KEY_RSA: {
        const uint8_t *comp[2] = {info->n, info->e};
        size_t len[2] = {info->n_size, info->e_size};
        err = rsa_build(k, comp, len, 2);
        break;
    }
    case LTLS_KEY_EC: {
        const ltls_nettle_curve_t *c = ltls_nettle_curve_by_code(info->curve);
        if (!c) {
            err = ltls_err_make(LTLS_R_KEY_FORMAT);
            break;
        }
        ecc_point_init(&k->q, c->get());
        if (!ltls_nettle_point_set(&k->q, c, info->point, info->point_size)) {
            ecc_point_clear(&k->q);
            err = ltls_err_make(LTLS_R_KEY_FORMAT);
            break;
        }
        k->c = c;
        k->curve = c->code;
        k->bits = c->bits;
        memcpy(k->point, info->point, info->point_size);
        break;
    }
    default: {
        /* Any 32/57 bytes are accepted here; verification decodes the
         * point and fails for strings that are not one. */
        size_t want = ed_size(info->type);
        if (!info->point || info->point_size != want)
            err = ltls_err_make(LTLS_R_KEY_FORMAT);
        else
            memcpy(k->ed_pub, info->point, want);
        k->bits = info->type == LTLS_KEY_ED25519 ? 255 : 448;
        break;
    }
    }
    if (err) {
        nkey_free(k);
        return err;
    }
    *out = (ltls_pubkey_t *)k;
    return LTLS_OK;
}

void ltls_nettle_pubkey_free(ltls_pubkey_t *key) { nkey_free(key ? &key->k : NULL); }

size_t ltls_nettle_pubkey_bits(const ltls_pubkey_t *key) { return key ? key->k.bits : 0; }

/* ---------------------------------------------------------------------------
 * Schemes
 * ------------------------------------------------------------------------- */

/* Checks that the key suits the scheme; *h receives the scheme's hash
 * (NULL for EdDSA). */
static ltls_err_t scheme_check(const nkey_t *k, const ltls_sigscheme_t *s, int signing,
                               const struct nettle_hash **h)
{
    *h = NULL;
    if (!s)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if (s->key_type != k->type || (k->type == LTLS_KEY_EC && s->curve != k->curve))
        return ltls_err_make(LTLS_R_KEY_TYPE_MISMATCH);
    if (k->type == LTLS_KEY_ED25519 || k->type == LTLS_KEY_ED448)
        return s->hash || s->padding != LTLS_PAD_NONE
                   ? ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM)
                   : LTLS_OK;
    *h = ltls_nettle_hash_meta(s->hash);
    if (!*h)
        return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
    if (k->type == LTLS_KEY_EC)
        return s->padding == LTLS_PAD_NONE ? LTLS_OK : ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
    if (s->padding == LTLS_PAD_PSS) {
        /* RFC 8017 §9.1.1: emLen = ceil((modBits - 1) / 8) >= hLen + sLen + 2. */
        if ((k->bits + 6) / 8 < 2 * (size_t)(*h)->digest_size + 2)
            return ltls_err_make(LTLS_R_KEY_TYPE_MISMATCH);
        return LTLS_OK;
    }
    /* PKCS#1 v1.5 only verifies: TLS 1.3 never signs with it. */
    if (s->padding == LTLS_PAD_PKCS1 && !signing)
        return LTLS_OK;
    return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
}

/* RFC 8017 §9.2 Note 1: the DER DigestInfo prefixes for SHA-256/384/512. */
static const uint8_t di_sha256[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                    0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
static const uint8_t di_sha384[] = {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                    0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30};
static const uint8_t di_sha512[] = {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                    0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40};

static int rsa_verify(const nkey_t *k, const ltls_sigscheme_t *s, const struct nettle_hash *h,
                      const uint8_t *digest, const uint8_t *sig, size_t sig_len)
{
    /* RFC 8017 §8.1.2 / §8.2.2 step 1: exactly k octets. */
    if (sig_len != k->rsa_pub.size)
        return 0;
    mp_limb_t limbs[LTLS_NETTLE_RSA_LIMBS];
    mpz_t sv;
    if (ltls_nettle_limbs_from_be(limbs, LTLS_NETTLE_RSA_LIMBS, sig, sig_len) != 0)
        return 0;
    mpz_srcptr S = ltls_nettle_mpz_view(sv, limbs, LTLS_NETTLE_RSA_LIMBS);
    size_t hl = h->digest_size;
    if (s->padding == LTLS_PAD_PSS) {
        switch (hl) {
        case 32: return rsa_pss_sha256_verify_digest(&k->rsa_pub, hl, digest, S);
        case 48: return rsa_pss_sha384_verify_digest(&k->rsa_pub, hl, digest, S);
        default: return rsa_pss_sha512_verify_digest(&k->rsa_pub, hl, digest, S);
        }
    }
    const uint8_t *prefix = hl == 32 ? di_sha256 : hl == 48 ? di_sha384 : di_sha512;
    uint8_t di[sizeof(di_sha256) + LTLS_HASH_MAX_SIZE];
    memcpy(di, prefix, sizeof(di_sha256));
    memcpy(di + sizeof(di_sha256), digest, hl);
    return rsa_pkcs1_verify(&k->rsa_pub, sizeof(di_sha256) + hl, di, S);
}

static int ecdsa_verify_der(const nkey_t *k, const uint8_t *digest, size_t dlen,
                            const uint8_t *sig, size_t sig_len)
{
    const uint8_t *r, *s;
    size_t rl, sl;
    if (ltls_nettle_ecdsa_sig_decode(sig, sig_len, &r, &rl, &s, &sl))
        return 0;
    mp_limb_t rlimbs[LTLS_NETTLE_EC_LIMBS], slimbs[LTLS_NETTLE_EC_LIMBS];
    if (rl > k->c->field_bytes || sl > k->c->field_bytes ||
        ltls_nettle_limbs_from_be(rlimbs, LTLS_NETTLE_EC_LIMBS, r, rl) != 0 ||
        ltls_nettle_limbs_from_be(slimbs, LTLS_NETTLE_EC_LIMBS, s, sl) != 0)
        return 0;
    struct dsa_signature rs;
    ltls_nettle_mpz_view(rs.r, rlimbs, LTLS_NETTLE_EC_LIMBS);
    ltls_nettle_mpz_view(rs.s, slimbs, LTLS_NETTLE_EC_LIMBS);
    return ecdsa_verify(&k->q, dlen, digest, &rs); /* checks 0 < r, s < n */
}

ltls_err_t ltls_nettle_verify(const ltls_pubkey_t *key, const ltls_sigscheme_t *scheme,
                              const uint8_t *msg, size_t msg_len, const uint8_t *sig,
                              size_t sig_len)
{
    static const uint8_t empty[1];
    if (!key || (!msg && msg_len) || (!sig && sig_len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    const nkey_t *k = &key->k;
    const struct nettle_hash *h;
    ltls_err_t err = scheme_check(k, scheme, 0, &h);
    if (err)
        return err;
    if (!sig_len || sig_len > LTLS_SIG_MAX_SIZE)
        return ltls_err_make(LTLS_R_DECRYPT_ERROR);
    if (!msg)
        msg = empty;
    int ok;
    if (!h) {
        size_t want = k->type == LTLS_KEY_ED25519 ? ED25519_SIGNATURE_SIZE : ED448_SIGNATURE_SIZE;
        ok = sig_len == want &&
             (k->type == LTLS_KEY_ED25519 ? ed25519_sha512_verify(k->ed_pub, msg_len, msg, sig)
                                          : ed448_shake256_verify(k->ed_pub, msg_len, msg, sig));
    } else {
        uint8_t digest[LTLS_HASH_MAX_SIZE];
        ltls_nettle_digest(h, msg, msg_len, digest);
        ok = k->type == LTLS_KEY_RSA
                 ? rsa_verify(k, scheme, h, digest, sig, sig_len)
                 : ecdsa_verify_der(k, digest, h->digest_size, sig, sig_len);
    }
    return ok ? LTLS_OK : ltls_err_make(LTLS_R_DECRYPT_ERROR);
}

/* ---------------------------------------------------------------------------
 * Private keys
 * ------------------------------------------------------------------------- */

static ltls_err_t privkey_import(const ltls_nettle_impl_t *impl, const ltls_privkey_info_t *info,
                                 nkey_t **out)
{
    if (info->type < LTLS_KEY_RSA || info->type > LTLS_KEY_ED448)
        return ltls_err_make(LTLS_R_KEY_FORMAT);
    nkey_t *k = nkey_new(impl, info->type, 1);
    if (!k)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    ltls_err_t err;
    switch (info->type) {
    case LTLS_KEY_RSA: {
        const uint8_t *comp[RSA_NCOMP] = {info->n, info->e, info->d,  info->p,
                                          info->q, info->dp, info->dq, info->qinv};
        size_t len[RSA_NCOMP] = {info->n_size, info->e_size,  info->d_size,  info->p_size,
                                 info->q_size, info->dp_size, info->dq_size, info->qinv_size};
        err = rsa_build(k, comp, len, RSA_NCOMP);
        break;
    }
    case LTLS_KEY_EC: err = ec_private(k, info); break;
    default: err = ed_private(k, info); break;
    }
    if (err) {
        nkey_free(k);
        return err;
    }
    *out = k;
    return LTLS_OK;
}

ltls_err_t ltls_nettle_privkey_new(void *impl_, const ltls_privkey_info_t *info,
                                   ltls_privkey_t **out)
{
    const ltls_nettle_impl_t *impl = impl_;
    if (!impl || !info || !out)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    nkey_t *k;
    ltls_err_t err = privkey_import(impl, info, &k);
    if (!err)
        *out = (ltls_privkey_t *)k;
    return err;
}

void ltls_nettle_privkey_free(ltls_privkey_t *key) { nkey_free(key ? &key->k : NULL); }

ltls_err_t ltls_nettle_privkey_public(const ltls_privkey_t *key, ltls_pubkey_t **out)
{
    if (!key || !out)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    /* A fresh public-only key built from the exported components, so the
     * handle given out never carries (or shares) private material. */
    uint8_t buf[LTLS_PUBKEY_EXPORT_MAX];
    ltls_pubkey_info_t info;
    ltls_err_t err = ltls_nettle_privkey_public_info(key, &info, buf, sizeof(buf));
    if (!err)
        err = ltls_nettle_pubkey_new((void *)(uintptr_t)key->k.impl, &info, out);
    return err;
}

static ltls_err_t rsa_sign(const nkey_t *k, const struct nettle_hash *h, const uint8_t *digest,
                           uint8_t *sig)
{
    size_t hl = h->digest_size;
    uint8_t salt[LTLS_HASH_MAX_SIZE]; /* salt length = hash length (RFC 8446 §4.2.3) */
    ltls_err_t err = ltls_nettle_random(NULL, salt, hl);
    if (err)
        return err;
    ltls_nettle_rng_t rng = {0};
    mpz_t s;
    mpz_init2(s, (mp_bitcnt_t)(k->bits + 64));
    int ok;
    switch (hl) {
    case 32:
        ok = rsa_pss_sha256_sign_digest_tr(&k->rsa_pub, &k->rsa_priv, &rng, ltls_nettle_rng_cb,
                                           hl, salt, digest, s);
        break;
    case 48:
        ok = rsa_pss_sha384_sign_digest_tr(&k->rsa_pub, &k->rsa_priv, &rng, ltls_nettle_rng_cb,
                                           hl, salt, digest, s);
        break;
    default:
        ok = rsa_pss_sha512_sign_digest_tr(&k->rsa_pub, &k->rsa_priv, &rng, ltls_nettle_rng_cb,
                                           hl, salt, digest, s);
        break;
    }
    if (rng.failed)
        err = ltls_err_make(LTLS_R_RANDOM);
    else if (!ok) /* includes the fault check of the _tr variant */
        err = ltls_err_make(LTLS_R_PROVIDER);
    else
        nettle_mpz_get_str_256(k->rsa_pub.size, sig, s);
    mpz_clear(s); /* the signature is public */
    return err;
}

static int limbs_zero(const mp_limb_t *p, size_t n)
{
    mp_limb_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

static ltls_err_t ecdsa_sign_der(const nkey_t *k, const uint8_t *digest, size_t dlen,
                                 uint8_t *sig, size_t *sig_len)
{
    const struct ecc_curve *ecc = k->d.ecc;
    size_t size = (size_t)ecc_size(ecc), fb = k->c->field_bytes;
    size_t scratch_len = (size_t)ecc_ecdsa_sign_itch(ecc) * sizeof(mp_limb_t);
    mp_limb_t *scratch = ltls_alloc(&k->impl->alloc, scratch_len);
    if (!scratch)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    mp_limb_t r[LTLS_NETTLE_EC_LIMBS] = {0}, s[LTLS_NETTLE_EC_LIMBS] = {0};
    ltls_nettle_rng_t rng = {0};
    struct ecc_scalar nonce;
    ecc_scalar_init(&nonce, ecc);
    /* ECDSA's retry rule (r or s zero): astronomically unlikely, bounded
     * anyway. The nonce is Nettle's uniform draw from [1, n). */
    int tries = 0, done = 0;
    while (!done && tries++ < 8 && !rng.failed) {
        ecc_scalar_random(&nonce, &rng, ltls_nettle_rng_cb);
        ecc_ecdsa_sign(ecc, k->d.p, nonce.p, dlen, digest, r, s, scratch);
        done = !limbs_zero(r, size) && !limbs_zero(s, size);
    }
    ltls_nettle_ecc_scalar_wipe_clear(&nonce);
    ltls_free(&k->impl->alloc, scratch, scratch_len);
    if (rng.failed)
        return ltls_err_make(LTLS_R_RANDOM);
    if (!done)
        return ltls_err_make(LTLS_R_PROVIDER);
    uint8_t rb[66], sb[66];
    mpz_t rv, sv;
    nettle_mpz_get_str_256(fb, rb, ltls_nettle_mpz_view(rv, r, size));
    nettle_mpz_get_str_256(fb, sb, ltls_nettle_mpz_view(sv, s, size));
    return ltls_nettle_ecdsa_sig_encode(rb, sb, fb, sig, sig_len);
}

ltls_err_t ltls_nettle_sign(const ltls_privkey_t *key, const ltls_sigscheme_t *scheme,
                            const uint8_t *msg, size_t msg_len, uint8_t *sig, size_t *sig_len)
{
    static const uint8_t empty[1];
    if (!key || !sig || !sig_len || (!msg && msg_len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    const nkey_t *k = &key->k;
    const struct nettle_hash *h;
    ltls_err_t err = scheme_check(k, scheme, 1, &h);
    if (err)
        return err;
    if (!msg)
        msg = empty;
    /* Signed into a local buffer: *sig_len and sig stay untouched unless
     * the whole signature fits. */
    uint8_t tmp[LTLS_SIG_MAX_SIZE];
    size_t n;
    uint8_t digest[LTLS_HASH_MAX_SIZE];
    if (!h) {
        n = k->type == LTLS_KEY_ED25519 ? ED25519_SIGNATURE_SIZE : ED448_SIGNATURE_SIZE;
        if (n > *sig_len)
            return ltls_err_make(LTLS_R_BUFFER_TOO_SMALL);
        if (k->type == LTLS_KEY_ED25519)
            ed25519_sha512_sign(k->ed_pub, k->ed_seed, msg_len, msg, tmp);
        else
            ed448_shake256_sign(k->ed_pub, k->ed_seed, msg_len, msg, tmp);
    } else if (k->type == LTLS_KEY_RSA) {
        n = k->rsa_pub.size;
        if (n > *sig_len)
            return ltls_err_make(LTLS_R_BUFFER_TOO_SMALL);
        ltls_nettle_digest(h, msg, msg_len, digest);
        err = rsa_sign(k, h, digest, tmp);
    } else {
        n = sizeof(tmp);
        ltls_nettle_digest(h, msg, msg_len, digest);
        err = ecdsa_sign_der(k, digest, h->digest_size, tmp, &n);
        if (!err && n > *sig_len)
            err = ltls_err_make(LTLS_R_BUFFER_TOO_SMALL);
    }
    if (err)
        return err;
    memcpy(sig, tmp, n);
    *sig_len = n;
    return LTLS_OK;
}

/* ---------------------------------------------------------------------------
 * Key generation and public-component export (throwaway keys for the demo
 * and for tests; lucidtls itself never needs them during a handshake)
 * ------------------------------------------------------------------------- */

/* Moves a freshly generated Nettle RSA key into our representation, by way
 * of big-endian bytes and the import path (which re-checks it). */
static ltls_err_t rsa_from_nettle(const ltls_nettle_impl_t *impl, struct rsa_public_key *pub,
                                  struct rsa_private_key *priv, nkey_t **out)
{
    mpz_srcptr z[RSA_NCOMP] = {pub->n, pub->e, priv->d, priv->p,
                               priv->q, priv->a, priv->b, priv->c};
    size_t total = 0, len[RSA_NCOMP];
    for (size_t i = 0; i < RSA_NCOMP; i++)
        total += len[i] = nettle_mpz_sizeinbase_256_u(z[i]);
    uint8_t *block = ltls_alloc(&impl->alloc, total);
    if (!block)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    const uint8_t *comp[RSA_NCOMP];
    uint8_t *p = block;
    for (size_t i = 0; i < RSA_NCOMP; i++) {
        nettle_mpz_get_str_256(len[i], p, z[i]);
        comp[i] = p;
        p += len[i];
    }
    ltls_privkey_info_t info = {.type = LTLS_KEY_RSA};
    info.n = comp[RSA_N], info.n_size = len[RSA_N];
    info.e = comp[RSA_E], info.e_size = len[RSA_E];
    info.d = comp[RSA_D], info.d_size = len[RSA_D];
    info.p = comp[RSA_P], info.p_size = len[RSA_P];
    info.q = comp[RSA_Q], info.q_size = len[RSA_Q];
    info.dp = comp[RSA_DP], info.dp_size = len[RSA_DP];
    info.dq = comp[RSA_DQ], info.dq_size = len[RSA_DQ];
    info.qinv = comp[RSA_QINV], info.qinv_size = len[RSA_QINV];
    ltls_err_t err = privkey_import(impl, &info, out);
    ltls_free(&impl->alloc, block, total);
    /* A key Nettle just generated that fails our checks is Nettle's fault. */
    return err && ltls_err_reason(err) == LTLS_R_KEY_FORMAT ? ltls_err_make(LTLS_R_PROVIDER)
                                                            : err;
}

static ltls_err_t rsa_generate(const ltls_nettle_impl_t *impl, unsigned bits, nkey_t **out)
{
    struct rsa_public_key pub;
    struct rsa_private_key priv;
    rsa_public_key_init(&pub);
    rsa_private_key_init(&priv);
    mpz_set_ui(pub.e, 65537);
    ltls_nettle_rng_t rng = {0};
    int ok = rsa_generate_keypair(&pub, &priv, &rng, ltls_nettle_rng_cb, NULL, NULL, bits, 0);
    ltls_err_t err = rng.failed ? ltls_err_make(LTLS_R_RANDOM)
                     : !ok      ? ltls_err_make(LTLS_R_PROVIDER)
                                : rsa_from_nettle(impl, &pub, &priv, out);
    mpz_ptr secret[6] = {priv.d, priv.p, priv.q, priv.a, priv.b, priv.c};
    for (size_t i = 0; i < 6; i++)
        ltls_nettle_mpz_wipe_clear(secret[i]);
    rsa_public_key_clear(&pub);
    return err;
}

ltls_err_t ltls_nettle_privkey_generate(void *impl_, ltls_key_type_t type, uint16_t curve,
                                        unsigned rsa_bits, ltls_privkey_t **out)
{
    const ltls_nettle_impl_t *impl = impl_;
    if (!impl || !out)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    nkey_t *k = NULL;
    ltls_err_t err = LTLS_OK;
    switch (type) {
    case LTLS_KEY_EC: {
        const ltls_nettle_curve_t *c = ltls_nettle_curve_by_code(curve);
        if (!c)
            return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
        if (!(k = nkey_new(impl, type, 1)))
            return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
        ltls_nettle_rng_t rng = {0};
        ecc_scalar_init(&k->d, c->get());
        ecc_scalar_random(&k->d, &rng, ltls_nettle_rng_cb);
        k->c = c;
        k->curve = c->code;
        k->bits = c->bits;
        ec_public_from_scalar(k);
        if (rng.failed)
            err = ltls_err_make(LTLS_R_RANDOM);
        break;
    }
    case LTLS_KEY_ED25519:
    case LTLS_KEY_ED448:
        if (curve)
            return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
        if (!(k = nkey_new(impl, type, 1)))
            return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
        err = ltls_nettle_random(NULL, k->ed_seed, ed_size(type));
        ed_public(type, k->ed_seed, k->ed_pub);
        k->bits = type == LTLS_KEY_ED25519 ? 255 : 448;
        break;
    case LTLS_KEY_RSA:
        if (!rsa_bits)
            rsa_bits = 2048;
        /* Below 2048 bits too weak to certify; above 8192 the signatures
         * would not fit LTLS_SIG_MAX_SIZE. */
        if (curve || rsa_bits < 2048 || rsa_bits > 8 * LTLS_SIG_MAX_SIZE || rsa_bits % 8)
            return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
        err = rsa_generate(impl, rsa_bits, &k);
        break;
    default:
        return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
    }
    if (err) {
        nkey_free(k);
        return err;
    }
    *out = (ltls_privkey_t *)k;
    return LTLS_OK;
}

ltls_err_t ltls_nettle_privkey_public_info(const ltls_privkey_t *key, ltls_pubkey_info_t *info,
                                           uint8_t *buf, size_t cap)
{
    if (!key || !info || (!buf && cap))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    const nkey_t *k = &key->k;
    ltls_pubkey_info_t pi;
    memset(&pi, 0, sizeof(pi));
    pi.type = k->type;
    pi.curve = k->curve;
    switch (k->type) {
    case LTLS_KEY_EC: {
        size_t n = 1 + 2 * k->c->field_bytes;
        if (cap < n)
            return ltls_err_make(LTLS_R_BUFFER_TOO_SMALL);
        memcpy(buf, k->point, n);
        pi.point = buf;
        pi.point_size = n;
        break;
    }
    case LTLS_KEY_ED25519:
    case LTLS_KEY_ED448: {
        size_t n = ed_size(k->type);
        if (cap < n)
            return ltls_err_make(LTLS_R_BUFFER_TOO_SMALL);
        memcpy(buf, k->ed_pub, n);
        pi.point = buf;
        pi.point_size = n;
        break;
    }
    case LTLS_KEY_RSA: {
        size_t nl = nettle_mpz_sizeinbase_256_u(k->rsa_pub.n);
        size_t el = nettle_mpz_sizeinbase_256_u(k->rsa_pub.e);
        if (cap < nl + el)
            return ltls_err_make(LTLS_R_BUFFER_TOO_SMALL);
        nettle_mpz_get_str_256(nl, buf, k->rsa_pub.n);
        nettle_mpz_get_str_256(el, buf + nl, k->rsa_pub.e);
        pi.n = buf;
        pi.n_size = nl;
        pi.e = buf + nl;
        pi.e_size = el;
        break;
    }
    default:
        return ltls_err_make(LTLS_R_PROVIDER);
    }
    *info = pi;
    return LTLS_OK;
}
