/*
 * crypto/openssl/ossl_pkey.c - public and private keys, signing and
 * verification: ECDSA (P-256/384/521, DER ECDSA-Sig-Value as TLS carries
 * it), RSASSA-PSS with rsaEncryption keys, RSASSA-PKCS1-v1_5 (verify only)
 * and Ed25519/Ed448.
 *
 * Theory of operation. lucidtls hands keys over as raw big-endian components
 * (provider.h); they become EVP_PKEYs through EVP_PKEY_fromdata. OSSL_PARAM
 * integers are native-endian, so each component is byte-reversed into a
 * buffer we own and wipe, rather than through a BIGNUM or a param builder
 * whose copies we could not clear.
 *
 * Private keys are checked once, at import: RSA by the relations between its
 * components (n = pq, d and the CRT values agree with e, p and q prime),
 * EC by computing the public point from the scalar (and comparing it with
 * the file's, when present), EdDSA by comparing the derived public key with
 * the file's. A key that fails is LTLS_R_KEY_FORMAT, never a wrong
 * signature later.
 *
 * Secrets in OpenSSL's heap. Every BIGNUM that holds or is computed from a
 * private component is made with BN_secure_new / BN_CTX_secure_new, whose
 * memory OpenSSL cleanses when it frees it (with or without a secure heap);
 * plain BN_new memory is freed by BN_free without cleansing. That is why
 * the RSA relations are checked here rather than by EVP_PKEY_pairwise_check
 * (see rsa_relations_ok); tests/unit/test_provider_wipe.c watches every
 * block OpenSSL frees for the key's components and the traffic secrets.
 *
 * The signature scheme fixes every parameter: the digest, PSS with MGF1 on
 * the same digest and a salt as long as the digest (RFC 8446 §4.2.3), which
 * OpenSSL also enforces exactly on verification. Those go to OpenSSL as
 * OSSL_PARAMs in the DigestSign/VerifyInit call.
 *
 * Generated keys (privkey_generate, for the demo's throwaway CA and tests)
 * come from OpenSSL's own generators and are wrapped like imported ones;
 * privkey_public_info reads their public components back out in the raw
 * form lucidtls writes into a SubjectPublicKeyInfo.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include "crypto/openssl/ossl.h"

typedef struct {
    const ltls_ossl_impl_t *impl;
    EVP_PKEY *pkey;
    ltls_key_type_t type;
    uint16_t curve;
    size_t bits;
} key_common_t;

struct ltls_pubkey {
    key_common_t k;
};
struct ltls_privkey {
    key_common_t k;
};

static const ltls_ossl_curve_t curves[] = {
    {0x0017, "P-256", NID_X9_62_prime256v1, 32, 256},
    {0x0018, "P-384", NID_secp384r1, 48, 384},
    {0x0019, "P-521", NID_secp521r1, 66, 521},
};

const ltls_ossl_curve_t *ltls_ossl_curve_by_code(uint16_t code)
{
    for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
        if (curves[i].code == code)
            return &curves[i];
    return NULL;
}

int ltls_ossl_curve_index(const ltls_ossl_curve_t *curve) { return (int)(curve - curves); }

static EVP_PKEY *fromdata(const char *type, int selection, OSSL_PARAM *params);

EVP_PKEY *ltls_ossl_ec_group_key(const ltls_ossl_curve_t *curve)
{
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, ltls_ossl_unconst(curve->name),
                                         0),
        OSSL_PARAM_construct_end(),
    };
    return fromdata("EC", EVP_PKEY_KEY_PARAMETERS, p);
}

/* A public EC key for point (uncompressed, checked by the caller's length
 * and prefix test). From the provider's group key when there is one: a copy
 * of the group and the point set on it. OpenSSL decodes the point with
 * EC_POINT_oct2point, which refuses coordinates outside the field and points
 * off the curve, as fromdata does; the NIST curves have cofactor 1, so that
 * is the whole public-key check. */
static EVP_PKEY *ec_public(const ltls_ossl_impl_t *impl, const ltls_ossl_curve_t *c,
                           const uint8_t *point, size_t point_len)
{
    EVP_PKEY *group = impl->ec_group_key[ltls_ossl_curve_index(c)];
    if (group) {
        EVP_PKEY *pk = EVP_PKEY_new();
        if (pk && EVP_PKEY_copy_parameters(pk, group) == 1 &&
            EVP_PKEY_set1_encoded_public_key(pk, point, point_len) == 1)
            return pk;
        EVP_PKEY_free(pk);
        return NULL;
    }
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, ltls_ossl_unconst(c->name), 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, ltls_ossl_unconst(point),
                                          point_len),
        OSSL_PARAM_construct_end(),
    };
    return fromdata("EC", EVP_PKEY_PUBLIC_KEY, p); /* rejects off-curve points */
}

static const char *type_name(ltls_key_type_t t)
{
    switch (t) {
    case LTLS_KEY_RSA: return "RSA";
    case LTLS_KEY_EC: return "EC";
    case LTLS_KEY_ED25519: return "ED25519";
    case LTLS_KEY_ED448: return "ED448";
    default: return NULL;
    }
}

/* Skips leading zero bytes: lucidtls allows them, sizes are checked without. */
static const uint8_t *strip(const uint8_t *p, size_t *len)
{
    while (p && *len && !*p) {
        p++;
        (*len)--;
    }
    return p;
}

static int little_endian(void)
{
    const uint16_t one = 1;
    uint8_t b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* Copies a big-endian integer into native byte order (OSSL_PARAM's). */
static void to_native(uint8_t *dst, const uint8_t *src, size_t len)
{
    if (!little_endian()) {
        memcpy(dst, src, len);
        return;
    }
    for (size_t i = 0; i < len; i++)
        dst[i] = src[len - 1 - i];
}

static EVP_PKEY *fromdata(const char *type, int selection, OSSL_PARAM *params)
{
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    if (!pc || EVP_PKEY_fromdata_init(pc) <= 0 ||
        EVP_PKEY_fromdata(pc, &pkey, selection, params) <= 0)
        pkey = NULL;
    EVP_PKEY_CTX_free(pc);
    return pkey;
}

/* A set of big-endian integers turned into OSSL_PARAM BNs backed by one
 * block from our allocator, so that the private ones are wiped on free. */
typedef struct {
    const char *key;
    const uint8_t *be;
    size_t len;
} bn_in_t;

static uint8_t *bn_params(const ltls_allocator_t *alloc, bn_in_t *in, size_t n, OSSL_PARAM *out,
                          size_t *block_size)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        in[i].be = strip(in[i].be, &in[i].len);
        total += in[i].len;
    }
    uint8_t *block = ltls_alloc(alloc, total);
    if (!block)
        return NULL;
    uint8_t *p = block;
    for (size_t i = 0; i < n; i++) {
        to_native(p, in[i].be, in[i].len);
        out[i] = OSSL_PARAM_construct_BN(in[i].key, p, in[i].len);
        p += in[i].len;
    }
    out[n] = OSSL_PARAM_construct_end();
    *block_size = total;
    return block;
}

/* Wraps pkey (consumed, also on failure) in a key_common_t at the start of
 * a block of size bytes: the public and private key structs. */
static key_common_t *key_wrap(const ltls_ossl_impl_t *impl, EVP_PKEY *pkey, ltls_key_type_t type,
                              uint16_t curve, size_t size)
{
    key_common_t *k = ltls_alloc(&impl->alloc, size);
    if (!k) {
        EVP_PKEY_free(pkey);
        return NULL;
    }
    k->impl = impl;
    k->pkey = pkey;
    k->type = type;
    k->curve = curve;
    switch (type) {
    case LTLS_KEY_RSA: k->bits = (size_t)EVP_PKEY_get_bits(pkey); break;
    case LTLS_KEY_EC: k->bits = ltls_ossl_curve_by_code(curve)->bits; break;
    case LTLS_KEY_ED25519: k->bits = 255; break; /* the field, as for EC */
    default: k->bits = 448; break;
    }
    return k;
}

/* ---------------------------------------------------------------------------
 * Public keys
 * ------------------------------------------------------------------------- */

static int rsa_public_ok(const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len)
{
    /* Cheap sanity before OpenSSL sees the key: an odd modulus of 512 bits
     * or more that fits LTLS_SIG_MAX_SIZE (the largest signature lucidtls
     * carries); an odd exponent of at least 3, no longer than the modulus.
     * Policy on key sizes is the caller's, through pubkey_bits. */
    return n && e && n_len >= 64 && n_len <= LTLS_SIG_MAX_SIZE && (n[n_len - 1] & 1) &&
           e_len && e_len <= n_len && (e[e_len - 1] & 1) && !(e_len == 1 && e[0] < 3);
}

ltls_err_t ltls_ossl_pubkey_new(void *impl_, const ltls_pubkey_info_t *info, ltls_pubkey_t **out)
{
    const ltls_ossl_impl_t *impl = impl_;
    if (!impl || !info || !out)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    EVP_PKEY *pkey = NULL;
    uint16_t curve = 0;

    switch (info->type) {
    case LTLS_KEY_RSA: {
        bn_in_t in[2] = {{OSSL_PKEY_PARAM_RSA_N, info->n, info->n_size},
                         {OSSL_PKEY_PARAM_RSA_E, info->e, info->e_size}};
        in[0].be = strip(in[0].be, &in[0].len);
        in[1].be = strip(in[1].be, &in[1].len);
        if (!rsa_public_ok(in[0].be, in[0].len, in[1].be, in[1].len))
            return ltls_err_make(LTLS_R_KEY_FORMAT);
        OSSL_PARAM p[3];
        size_t bs;
        uint8_t *block = bn_params(&impl->alloc, in, 2, p, &bs);
        if (!block)
            return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
        pkey = fromdata("RSA", EVP_PKEY_PUBLIC_KEY, p);
        ltls_free(&impl->alloc, block, bs);
        break;
    }
    case LTLS_KEY_EC: {
        const ltls_ossl_curve_t *c = ltls_ossl_curve_by_code(info->curve);
        if (!c || !info->point || info->point_size != 1 + 2 * c->field_bytes ||
            info->point[0] != 0x04)
            return ltls_err_make(LTLS_R_KEY_FORMAT);
        pkey = ec_public(impl, c, info->point, info->point_size);
        curve = c->code;
        break;
    }
    case LTLS_KEY_ED25519:
    case LTLS_KEY_ED448: {
        size_t want = info->type == LTLS_KEY_ED25519 ? 32 : 57;
        if (!info->point || info->point_size != want)
            return ltls_err_make(LTLS_R_KEY_FORMAT);
        pkey = EVP_PKEY_new_raw_public_key_ex(NULL, type_name(info->type), NULL, info->point,
                                              want);
        break;
    }
    default:
        return ltls_err_make(LTLS_R_KEY_FORMAT);
    }
    if (!pkey)
        return ltls_ossl_fail(LTLS_R_KEY_FORMAT);
    ltls_pubkey_t *k = (ltls_pubkey_t *)key_wrap(impl, pkey, info->type, curve, sizeof(*k));
    if (!k)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    *out = k;
    return LTLS_OK;
}

void ltls_ossl_pubkey_free(ltls_pubkey_t *key)
{
    if (!key)
        return;
    EVP_PKEY_free(key->k.pkey);
    ltls_free(&key->k.impl->alloc, key, sizeof(*key));
}

size_t ltls_ossl_pubkey_bits(const ltls_pubkey_t *key) { return key ? key->k.bits : 0; }

/* ---------------------------------------------------------------------------
 * Schemes
 * ------------------------------------------------------------------------- */

/* Checks that the key suits the scheme and fills the OSSL_PARAMs (at least
 * four entries) and digest name for DigestSign/VerifyInit. */
static ltls_err_t scheme_params(const key_common_t *k, const ltls_sigscheme_t *s, int signing,
                                OSSL_PARAM *p, const char **mdname)
{
    if (!s)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if (s->key_type != k->type || (k->type == LTLS_KEY_EC && s->curve != k->curve))
        return ltls_err_make(LTLS_R_KEY_TYPE_MISMATCH);
    *mdname = NULL;
    p[0] = OSSL_PARAM_construct_end();
    if (k->type == LTLS_KEY_ED25519 || k->type == LTLS_KEY_ED448)
        return s->hash || s->padding != LTLS_PAD_NONE
                   ? ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM)
                   : LTLS_OK;
    *mdname = ltls_ossl_hash_name(s->hash);
    if (!*mdname)
        return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
    if (k->type == LTLS_KEY_EC)
        return s->padding == LTLS_PAD_NONE ? LTLS_OK : ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);

    if (s->padding == LTLS_PAD_PSS) {
        /* RFC 8017 §9.1.1: emLen = ceil((modBits - 1) / 8) >= hLen + sLen + 2. */
        if ((k->bits + 6) / 8 < 2 * s->hash->digest_size + 2)
            return ltls_err_make(LTLS_R_KEY_TYPE_MISMATCH);
        p[0] = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE,
                                                ltls_ossl_unconst(OSSL_PKEY_RSA_PAD_MODE_PSS), 0);
        p[1] = OSSL_PARAM_construct_utf8_string(
            OSSL_SIGNATURE_PARAM_PSS_SALTLEN,
            ltls_ossl_unconst(OSSL_PKEY_RSA_PSS_SALT_LEN_DIGEST), 0);
        p[2] = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_MGF1_DIGEST,
                                                ltls_ossl_unconst(*mdname), 0);
        p[3] = OSSL_PARAM_construct_end();
        return LTLS_OK;
    }
    if (s->padding == LTLS_PAD_PKCS1 && !signing) {
        p[0] = OSSL_PARAM_construct_utf8_string(
            OSSL_SIGNATURE_PARAM_PAD_MODE, ltls_ossl_unconst(OSSL_PKEY_RSA_PAD_MODE_PKCSV15), 0);
        p[1] = OSSL_PARAM_construct_end();
        return LTLS_OK;
    }
    /* PKCS#1 v1.5 signing is not offered: TLS 1.3 never signs with it and
     * lucidtls does not sign TLS 1.2 handshakes with RSA either. */
    return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
}

ltls_err_t ltls_ossl_verify(const ltls_pubkey_t *key, const ltls_sigscheme_t *scheme,
                            const uint8_t *msg, size_t msg_len, const uint8_t *sig,
                            size_t sig_len)
{
    if (!key || (!msg && msg_len) || (!sig && sig_len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    OSSL_PARAM p[4];
    const char *mdname;
    ltls_err_t err = scheme_params(&key->k, scheme, 0, p, &mdname);
    if (err)
        return err;
    if (!sig_len || sig_len > LTLS_SIG_MAX_SIZE)
        return ltls_err_make(LTLS_R_DECRYPT_ERROR);
    static const uint8_t empty[1];
    ltls_reason_t reason = LTLS_R_NONE;
    EVP_MD_CTX *mc = EVP_MD_CTX_new();
    if (!mc || EVP_DigestVerifyInit_ex(mc, NULL, mdname, NULL, NULL, key->k.pkey, p) <= 0)
        reason = LTLS_R_PROVIDER;
    else if (EVP_DigestVerify(mc, sig, sig_len, msg ? msg : empty, msg_len) != 1)
        reason = LTLS_R_DECRYPT_ERROR;
    EVP_MD_CTX_free(mc);
    /* A rejected signature leaves OpenSSL errors behind: always clear. */
    return reason ? ltls_ossl_fail(reason) : LTLS_OK;
}

/* ---------------------------------------------------------------------------
 * Private keys
 * ------------------------------------------------------------------------- */

ltls_err_t ltls_ossl_ec_from_scalar(const ltls_ossl_curve_t *curve, const uint8_t *priv,
                                    size_t priv_len, const uint8_t *point, size_t point_len,
                                    EVP_PKEY **out, uint8_t *pub_out)
{
    priv = strip(priv, &priv_len);
    if (!priv || !priv_len || priv_len > curve->field_bytes)
        return ltls_err_make(LTLS_R_KEY_FORMAT);

    ltls_reason_t reason = LTLS_R_PROVIDER;
    EVP_PKEY *pkey = NULL;
    uint8_t pub[LTLS_KEX_MAX_SHARE], scalar[LTLS_KEX_MAX_SECRET];
    size_t pub_len = 1 + 2 * curve->field_bytes;
    EC_GROUP *g = EC_GROUP_new_by_curve_name_ex(NULL, NULL, curve->nid);
    BN_CTX *bc = BN_CTX_secure_new();
    BIGNUM *k = BN_secure_new();
    EC_POINT *P = g ? EC_POINT_new(g) : NULL, *Q = g ? EC_POINT_new(g) : NULL;
    if (!g || !bc || !k || !P || !Q || !BN_bin2bn(priv, (int)priv_len, k))
        goto done;
    reason = LTLS_R_KEY_FORMAT;
    if (BN_is_zero(k) || BN_cmp(k, EC_GROUP_get0_order(g)) >= 0)
        goto done;
    reason = LTLS_R_PROVIDER;
    if (!EC_POINT_mul(g, P, k, NULL, NULL, bc) ||
        EC_POINT_point2oct(g, P, POINT_CONVERSION_UNCOMPRESSED, pub, sizeof(pub), bc) != pub_len)
        goto done;
    if (point) {
        reason = LTLS_R_KEY_FORMAT;
        if (!EC_POINT_oct2point(g, Q, point, point_len, bc) || EC_POINT_cmp(g, P, Q, bc) != 0)
            goto done;
        reason = LTLS_R_PROVIDER;
    }
    to_native(scalar, priv, priv_len);
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                         ltls_ossl_unconst(curve->name), 0),
        OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_PRIV_KEY, scalar, priv_len),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pub, pub_len),
        OSSL_PARAM_construct_end(),
    };
    pkey = fromdata("EC", EVP_PKEY_KEYPAIR, p);
    ltls_wipe(scalar, sizeof(scalar));
    if (pkey)
        reason = LTLS_R_NONE;
done:
    EC_POINT_free(Q);
    EC_POINT_clear_free(P);
    BN_clear_free(k);
    BN_CTX_free(bc);
    EC_GROUP_free(g);
    if (reason != LTLS_R_NONE)
        return ltls_ossl_fail(reason);
    if (pub_out)
        memcpy(pub_out, pub, pub_len);
    *out = pkey;
    return LTLS_OK;
}

/* The relations between the eight PKCS#1 components (RFC 8017 §3.2), as
 * the Nettle provider checks them: p, q > 2 and probable primes, d < n,
 * n = pq; for each prime r with CRT exponent dr: 0 < dr < r-1,
 * e*dr = 1 (mod r-1) and d = dr (mod r-1); 0 < qInv < p and q*qInv = 1
 * (mod p). in[] is in rsa_private's order, big-endian without leading
 * zeros.
 *
 * OpenSSL's EVP_PKEY_pairwise_check tests the same, but outside its FIPS
 * module it runs rsa_validate_keypair_multiprime (crypto/rsa/rsa_chk.c),
 * whose intermediate results live in BN_new numbers released with BN_free,
 * which does not cleanse: d mod (q-1) and q^-1 mod p - dQ and qInv - were
 * left in freed heap memory at every RSA key import (found by
 * tests/unit/test_provider_wipe.c, OpenSSL 3.0). Here every number is from
 * the secure allocator and its context, which OpenSSL cleanses on free. */
static int rsa_relations_ok(const bn_in_t *in)
{
    enum { N, E, D, P, Q, DP, DQ, QINV, NIN };
    BN_CTX *ctx = BN_CTX_secure_new();
    BIGNUM *v[NIN] = {NULL}, *t = BN_secure_new(), *m = BN_secure_new();
    int ok = ctx && t && m;
    for (int i = 0; ok && i < NIN; i++) {
        v[i] = BN_secure_new();
        ok = v[i] && BN_bin2bn(in[i].be, (int)in[i].len, v[i]) != NULL;
        if (ok && i >= D)
            BN_set_flags(v[i], BN_FLG_CONSTTIME);
    }
    /* BN_num_bits > 1 and not 2: greater than 2 */
    ok = ok && BN_num_bits(v[P]) > 1 && !BN_is_word(v[P], 2) && BN_num_bits(v[Q]) > 1 &&
         !BN_is_word(v[Q], 2) && BN_cmp(v[D], v[N]) < 0 &&
         BN_mul(t, v[P], v[Q], ctx) && BN_cmp(t, v[N]) == 0;
    const int primes[2] = {P, Q}, exps[2] = {DP, DQ};
    for (int i = 0; ok && i < 2; i++) {
        BIGNUM *r = v[primes[i]], *dr = v[exps[i]];
        ok = BN_copy(m, r) && BN_sub_word(m, 1) && !BN_is_zero(dr) && !BN_is_negative(dr) &&
             BN_cmp(dr, m) < 0 && BN_mod_mul(t, v[E], dr, m, ctx) && BN_is_one(t) &&
             BN_mod(t, v[D], m, ctx) && BN_cmp(t, dr) == 0;
    }
    ok = ok && !BN_is_zero(v[QINV]) && BN_cmp(v[QINV], v[P]) < 0 &&
         BN_mod_mul(t, v[Q], v[QINV], v[P], ctx) && BN_is_one(t);
    ok = ok && BN_check_prime(v[P], ctx, NULL) == 1 && BN_check_prime(v[Q], ctx, NULL) == 1;
    for (int i = 0; i < NIN; i++)
        BN_clear_free(v[i]);
    BN_clear_free(t);
    BN_clear_free(m);
    BN_CTX_free(ctx);
    return ok;
}

static ltls_err_t rsa_private(const ltls_ossl_impl_t *impl, const ltls_privkey_info_t *info,
                              EVP_PKEY **out)
{
    bn_in_t in[8] = {
        {OSSL_PKEY_PARAM_RSA_N, info->n, info->n_size},
        {OSSL_PKEY_PARAM_RSA_E, info->e, info->e_size},
        {OSSL_PKEY_PARAM_RSA_D, info->d, info->d_size},
        {OSSL_PKEY_PARAM_RSA_FACTOR1, info->p, info->p_size},
        {OSSL_PKEY_PARAM_RSA_FACTOR2, info->q, info->q_size},
        {OSSL_PKEY_PARAM_RSA_EXPONENT1, info->dp, info->dp_size},
        {OSSL_PKEY_PARAM_RSA_EXPONENT2, info->dq, info->dq_size},
        {OSSL_PKEY_PARAM_RSA_COEFFICIENT1, info->qinv, info->qinv_size},
    };
    for (size_t i = 0; i < 8; i++) {
        in[i].be = strip(in[i].be, &in[i].len);
        if (!in[i].be || !in[i].len || in[i].len > LTLS_SIG_MAX_SIZE)
            return ltls_err_make(LTLS_R_KEY_FORMAT);
    }
    if (!rsa_public_ok(in[0].be, in[0].len, in[1].be, in[1].len) || !rsa_relations_ok(in))
        return ltls_ossl_fail(LTLS_R_KEY_FORMAT);
    OSSL_PARAM p[9];
    size_t bs;
    uint8_t *block = bn_params(&impl->alloc, in, 8, p, &bs);
    if (!block)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    EVP_PKEY *pkey = fromdata("RSA", EVP_PKEY_KEYPAIR, p);
    ltls_free(&impl->alloc, block, bs);
    if (!pkey)
        return ltls_ossl_fail(LTLS_R_KEY_FORMAT);
    *out = pkey;
    return LTLS_OK;
}

static ltls_err_t eddsa_private(const ltls_privkey_info_t *info, EVP_PKEY **out)
{
    size_t want = info->type == LTLS_KEY_ED25519 ? 32 : 57;
    if (!info->priv || info->priv_size != want || (info->point && info->point_size != want))
        return ltls_err_make(LTLS_R_KEY_FORMAT);
    EVP_PKEY *pkey =
        EVP_PKEY_new_raw_private_key_ex(NULL, type_name(info->type), NULL, info->priv, want);
    if (!pkey)
        return ltls_ossl_fail(LTLS_R_KEY_FORMAT);
    if (info->point) {
        uint8_t pub[57];
        size_t n = sizeof(pub);
        if (!EVP_PKEY_get_raw_public_key(pkey, pub, &n) || n != want ||
            memcmp(pub, info->point, want) != 0) {
            EVP_PKEY_free(pkey);
            return ltls_ossl_fail(LTLS_R_KEY_FORMAT);
        }
    }
    *out = pkey;
    return LTLS_OK;
}

ltls_err_t ltls_ossl_privkey_new(void *impl_, const ltls_privkey_info_t *info,
                                 ltls_privkey_t **out)
{
    const ltls_ossl_impl_t *impl = impl_;
    if (!impl || !info || !out)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    EVP_PKEY *pkey = NULL;
    uint16_t curve = 0;
    ltls_err_t err;
    switch (info->type) {
    case LTLS_KEY_RSA:
        err = rsa_private(impl, info, &pkey);
        break;
    case LTLS_KEY_EC: {
        const ltls_ossl_curve_t *c = ltls_ossl_curve_by_code(info->curve);
        if (!c)
            return ltls_err_make(LTLS_R_KEY_FORMAT);
        curve = c->code;
        err = ltls_ossl_ec_from_scalar(c, info->priv, info->priv_size, info->point,
                                       info->point ? info->point_size : 0, &pkey, NULL);
        break;
    }
    case LTLS_KEY_ED25519:
    case LTLS_KEY_ED448:
        err = eddsa_private(info, &pkey);
        break;
    default:
        return ltls_err_make(LTLS_R_KEY_FORMAT);
    }
    if (err)
        return err;
    ltls_privkey_t *k = (ltls_privkey_t *)key_wrap(impl, pkey, info->type, curve, sizeof(*k));
    if (!k)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    *out = k;
    return LTLS_OK;
}

void ltls_ossl_privkey_free(ltls_privkey_t *key)
{
    if (!key)
        return;
    EVP_PKEY_free(key->k.pkey); /* OpenSSL clears private components on free */
    ltls_free(&key->k.impl->alloc, key, sizeof(*key));
}

ltls_err_t ltls_ossl_privkey_public(const ltls_privkey_t *key, ltls_pubkey_t **out)
{
    if (!key || !out)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    /* A fresh public-only key, so that the handle given out never carries
     * the private components. */
    OSSL_PARAM *p = NULL;
    EVP_PKEY *pub = NULL;
    if (EVP_PKEY_todata(key->k.pkey, EVP_PKEY_PUBLIC_KEY, &p) > 0)
        pub = fromdata(type_name(key->k.type), EVP_PKEY_PUBLIC_KEY, p);
    OSSL_PARAM_free(p);
    if (!pub)
        return ltls_ossl_fail(LTLS_R_PROVIDER);
    ltls_pubkey_t *k =
        (ltls_pubkey_t *)key_wrap(key->k.impl, pub, key->k.type, key->k.curve, sizeof(*k));
    if (!k)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    *out = k;
    return LTLS_OK;
}

ltls_err_t ltls_ossl_sign(const ltls_privkey_t *key, const ltls_sigscheme_t *scheme,
                          const uint8_t *msg, size_t msg_len, uint8_t *sig, size_t *sig_len)
{
    if (!key || !sig || !sig_len || (!msg && msg_len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    OSSL_PARAM p[4];
    const char *mdname;
    ltls_err_t err = scheme_params(&key->k, scheme, 1, p, &mdname);
    if (err)
        return err;
    /* OpenSSL wants room for the largest signature (ECDSA's DER length
     * varies), so sign into a local buffer and copy what fits. */
    static const uint8_t empty[1];
    uint8_t tmp[LTLS_SIG_MAX_SIZE];
    size_t n = sizeof(tmp);
    EVP_MD_CTX *mc = EVP_MD_CTX_new();
    int ok = mc && EVP_PKEY_get_size(key->k.pkey) <= (int)sizeof(tmp) &&
             EVP_DigestSignInit_ex(mc, NULL, mdname, NULL, NULL, key->k.pkey, p) > 0 &&
             EVP_DigestSign(mc, tmp, &n, msg ? msg : empty, msg_len) > 0;
    EVP_MD_CTX_free(mc);
    if (!ok)
        return ltls_ossl_fail(LTLS_R_PROVIDER);
    if (n > *sig_len)
        return ltls_err_make(LTLS_R_BUFFER_TOO_SMALL);
    memcpy(sig, tmp, n);
    *sig_len = n;
    return LTLS_OK;
}

/* ---------------------------------------------------------------------------
 * Key generation and public-component export (throwaway keys for the demo
 * and for tests; lucidtls itself never needs them during a handshake)
 * ------------------------------------------------------------------------- */

ltls_err_t ltls_ossl_privkey_generate(void *impl_, ltls_key_type_t type, uint16_t curve,
                                      unsigned rsa_bits, ltls_privkey_t **out)
{
    const ltls_ossl_impl_t *impl = impl_;
    if (!impl || !out)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    EVP_PKEY *pkey = NULL;
    const ltls_ossl_curve_t *c = NULL;
    switch (type) {
    case LTLS_KEY_EC:
        c = ltls_ossl_curve_by_code(curve);
        if (!c)
            return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", c->name);
        break;
    case LTLS_KEY_ED25519:
    case LTLS_KEY_ED448:
        if (curve)
            return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, type_name(type));
        break;
    case LTLS_KEY_RSA:
        if (!rsa_bits)
            rsa_bits = 2048;
        /* Below 2048 bits the key is too weak to certify; above 8192 its
         * signatures would not fit LTLS_SIG_MAX_SIZE. */
        if (curve || rsa_bits < 2048 || rsa_bits > 8 * LTLS_SIG_MAX_SIZE || rsa_bits % 8)
            return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)rsa_bits);
        break;
    default:
        return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
    }
    if (!pkey)
        return ltls_ossl_fail(LTLS_R_PROVIDER);
    ltls_privkey_t *k =
        (ltls_privkey_t *)key_wrap(impl, pkey, type, c ? c->code : 0, sizeof(*k));
    if (!k)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    *out = k;
    return LTLS_OK;
}

/* Writes a BIGNUM parameter of pkey big-endian at buf[*used..cap). */
static const uint8_t *export_bn(EVP_PKEY *pkey, const char *name, uint8_t *buf, size_t cap,
                                size_t *used, size_t *len, ltls_reason_t *why)
{
    BIGNUM *bn = NULL;
    const uint8_t *p = NULL;
    *why = LTLS_R_PROVIDER;
    if (EVP_PKEY_get_bn_param(pkey, name, &bn) > 0) {
        size_t n = (size_t)BN_num_bytes(bn);
        if (n > cap - *used) {
            *why = LTLS_R_BUFFER_TOO_SMALL;
        } else if (BN_bn2bin(bn, buf + *used) == (int)n) {
            p = buf + *used;
            *len = n;
            *used += n;
        }
    }
    BN_free(bn); /* public values: no need to clear */
    return p;
}

ltls_err_t ltls_ossl_privkey_public_info(const ltls_privkey_t *key, ltls_pubkey_info_t *info,
                                         uint8_t *buf, size_t cap)
{
    if (!key || !info || (!buf && cap))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    ltls_pubkey_info_t pi;
    memset(&pi, 0, sizeof(pi));
    pi.type = key->k.type;
    pi.curve = key->k.curve;
    EVP_PKEY *pkey = key->k.pkey;
    switch (key->k.type) {
    case LTLS_KEY_EC: {
        const ltls_ossl_curve_t *c = ltls_ossl_curve_by_code(key->k.curve);
        size_t want = 1 + 2 * c->field_bytes, n = 0;
        if (cap < want)
            return ltls_err_make(LTLS_R_BUFFER_TOO_SMALL);
        /* Every key lucidtls makes or imports carries its point uncompressed;
         * anything else would be a provider fault, not the caller's. */
        if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, buf, cap, &n) <= 0 ||
            n != want || buf[0] != 0x04)
            return ltls_ossl_fail(LTLS_R_PROVIDER);
        pi.point = buf;
        pi.point_size = n;
        break;
    }
    case LTLS_KEY_ED25519:
    case LTLS_KEY_ED448: {
        size_t want = key->k.type == LTLS_KEY_ED25519 ? 32 : 57, n = cap;
        if (cap < want)
            return ltls_err_make(LTLS_R_BUFFER_TOO_SMALL);
        if (!EVP_PKEY_get_raw_public_key(pkey, buf, &n) || n != want)
            return ltls_ossl_fail(LTLS_R_PROVIDER);
        pi.point = buf;
        pi.point_size = n;
        break;
    }
    case LTLS_KEY_RSA: {
        size_t used = 0;
        ltls_reason_t why;
        pi.n = export_bn(pkey, OSSL_PKEY_PARAM_RSA_N, buf, cap, &used, &pi.n_size, &why);
        if (pi.n)
            pi.e = export_bn(pkey, OSSL_PKEY_PARAM_RSA_E, buf, cap, &used, &pi.e_size, &why);
        if (!pi.n || !pi.e)
            return ltls_ossl_fail(why);
        break;
    }
    default:
        return ltls_err_make(LTLS_R_PROVIDER);
    }
    *info = pi;
    return LTLS_OK;
}
