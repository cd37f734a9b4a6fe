/*
 * crypto/nettle/nettle_kex.c - (EC)DH key exchange over Nettle: X25519 and
 * X448 (RFC 7748) and the NIST curves secp256r1/384r1/521r1, in the KEM
 * shape of provider.h; also the curve table and the SEC1 point and scalar
 * conversions that nettle_pkey.c shares.
 *
 * Theory of operation. X25519/X448 use curve25519_mul(_g) and
 * curve448_mul(_g), which clamp the scalar as RFC 7748 §5 says and run in
 * constant time. Every 32/56-byte string is a valid u-coordinate, so the
 * check RFC 8446 §7.4.2 asks for is on the result: an all-zero secret means
 * the peer sent a small-order point, and is LTLS_R_BAD_KEY_SHARE.
 *
 * For the NIST curves a private key is an ecc_scalar drawn uniformly from
 * [1, n) by ecc_scalar_random; shares are computed with ecc_point_mul_g and
 * secrets with ecc_point_mul, both side-channel silent in Nettle. The peer's
 * share is validated before any use: exact length, the uncompressed form
 * 0x04 || X || Y that RFC 8446 §4.2.8.2 requires, then ecc_point_set, which
 * refuses coordinates at or above the field prime and points off the curve.
 * The curves have cofactor 1 and the point at infinity has no encoding of
 * this length, so a point that passes is in the prime-order group.
 *
 * Secrets: the X25519/X448 private key lives in our context (wiped by
 * ltls_free); Nettle's scalar and point limbs, and the mpz that receives
 * the shared x-coordinate, are wiped before Nettle frees them.
 */
#include <string.h>

#include <nettle/bignum.h>
#include <nettle/curve25519.h>
#include <nettle/curve448.h>

#include "crypto/nettle/ltls_nettle.h"

static const ltls_nettle_curve_t curves[] = {
    {0x0017, 32, 256, nettle_get_secp_256r1},
    {0x0018, 48, 384, nettle_get_secp_384r1},
    {0x0019, 66, 521, nettle_get_secp_521r1},
};

const ltls_nettle_curve_t *ltls_nettle_curve_by_code(uint16_t code)
{
    for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
        if (curves[i].code == code)
            return &curves[i];
    return NULL;
}

ltls_err_t ltls_nettle_scalar_set(struct ecc_scalar *s, const uint8_t *be, size_t len)
{
    mp_limb_t limbs[LTLS_NETTLE_EC_LIMBS];
    mpz_t view;
    int ok = be && ltls_nettle_limbs_from_be(limbs, LTLS_NETTLE_EC_LIMBS, be, len) == 0 &&
             ecc_scalar_set(s, ltls_nettle_mpz_view(view, limbs, LTLS_NETTLE_EC_LIMBS));
    ltls_wipe(limbs, sizeof(limbs));
    return ok ? LTLS_OK : ltls_err_make(LTLS_R_KEY_FORMAT);
}

int ltls_nettle_point_set(struct ecc_point *p, const ltls_nettle_curve_t *c, const uint8_t *sec1,
                          size_t len)
{
    size_t fb = c->field_bytes;
    if (!sec1 || len != 1 + 2 * fb || sec1[0] != 0x04)
        return 0;
    mp_limb_t x[LTLS_NETTLE_EC_LIMBS], y[LTLS_NETTLE_EC_LIMBS];
    mpz_t xv, yv;
    if (ltls_nettle_limbs_from_be(x, LTLS_NETTLE_EC_LIMBS, sec1 + 1, fb) != 0 ||
        ltls_nettle_limbs_from_be(y, LTLS_NETTLE_EC_LIMBS, sec1 + 1 + fb, fb) != 0)
        return 0;
    return ecc_point_set(p, ltls_nettle_mpz_view(xv, x, LTLS_NETTLE_EC_LIMBS),
                         ltls_nettle_mpz_view(yv, y, LTLS_NETTLE_EC_LIMBS));
}

void ltls_nettle_point_get(const struct ecc_point *p, const ltls_nettle_curve_t *c, uint8_t *out)
{
    mpz_t x, y;
    /* Sized up front so that ecc_point_get never reallocates. */
    mpz_init2(x, (mp_bitcnt_t)(8 * c->field_bytes));
    mpz_init2(y, (mp_bitcnt_t)(8 * c->field_bytes));
    ecc_point_get(p, x, y);
    out[0] = 0x04;
    nettle_mpz_get_str_256(c->field_bytes, out + 1, x);
    nettle_mpz_get_str_256(c->field_bytes, out + 1 + c->field_bytes, y);
    mpz_clear(x); /* public values */
    mpz_clear(y);
}

/* ---------------------------------------------------------------------------
 * Contexts
 * ------------------------------------------------------------------------- */

struct ltls_kex_ctx {
    const ltls_nettle_impl_t *impl;
    const ltls_group_t *group;
    const ltls_nettle_curve_t *curve; /* NIST curves; NULL for X25519/X448 */
    size_t xsize;                     /* X25519: 32, X448: 56; else 0 */
    uint8_t xpriv[56];
    struct ecc_scalar k; /* NIST curves */
};

/* Which implementation serves group: matched by code and every size, so a
 * descriptor that only shares a code point is not taken for the real one. */
static int group_lookup(const ltls_group_t *g, const ltls_nettle_curve_t **curve, size_t *xsize)
{
    *curve = NULL;
    *xsize = 0;
    if (!g)
        return 0;
    if (g->code == 0x001d || g->code == 0x001e) {
        size_t n = g->code == 0x001d ? 32 : 56;
        if (g->client_share_size != n || g->server_share_size != n || g->secret_size != n ||
            g->private_size != n)
            return 0;
        *xsize = n;
        return 1;
    }
    const ltls_nettle_curve_t *c = ltls_nettle_curve_by_code(g->code);
    if (!c || g->client_share_size != 1 + 2 * c->field_bytes ||
        g->server_share_size != g->client_share_size || g->secret_size != c->field_bytes ||
        g->private_size != c->field_bytes)
        return 0;
    *curve = c;
    return 1;
}

static void x_public(size_t xsize, const uint8_t *priv, uint8_t *pub)
{
    if (xsize == 32)
        curve25519_mul_g(pub, priv);
    else
        curve448_mul_g(pub, priv);
}

/* The X25519/X448 secret, refusing the all-zero result (small-order peer). */
static ltls_err_t x_shared(size_t xsize, const uint8_t *priv, const uint8_t *peer,
                           uint8_t *secret)
{
    static const uint8_t zeros[56];
    uint8_t buf[56];
    if (xsize == 32)
        curve25519_mul(buf, priv, peer);
    else
        curve448_mul(buf, priv, peer);
    ltls_err_t err = LTLS_OK;
    if (ltls_ct_memeq(buf, zeros, xsize))
        err = ltls_err_make(LTLS_R_BAD_KEY_SHARE);
    else
        memcpy(secret, buf, xsize);
    ltls_wipe(buf, sizeof(buf));
    return err;
}

/* The NIST-curve secret: the x-coordinate of k * peer. */
static void ec_shared(const ltls_nettle_curve_t *c, const struct ecc_scalar *k,
                      const struct ecc_point *peer, uint8_t *secret)
{
    struct ecc_point r;
    mpz_t x;
    ecc_point_init(&r, k->ecc);
    ecc_point_mul(&r, k, peer);
    mpz_init2(x, (mp_bitcnt_t)(8 * c->field_bytes));
    ecc_point_get(&r, x, NULL);
    nettle_mpz_get_str_256(c->field_bytes, secret, x);
    ltls_nettle_mpz_wipe_clear(x);
    ltls_nettle_ecc_point_wipe_clear(&r);
}

/* A fresh NIST-curve key pair into k (initialised here) and its share. */
static ltls_err_t ec_keygen(const ltls_nettle_curve_t *c, struct ecc_scalar *k, uint8_t *share)
{
    ltls_nettle_rng_t rng = {0};
    struct ecc_point pub;
    ecc_scalar_init(k, c->get());
    ecc_scalar_random(k, &rng, ltls_nettle_rng_cb);
    if (rng.failed) {
        ltls_nettle_ecc_scalar_wipe_clear(k);
        return ltls_err_make(LTLS_R_RANDOM);
    }
    ecc_point_init(&pub, k->ecc);
    ecc_point_mul_g(&pub, k);
    ltls_nettle_point_get(&pub, c, share);
    ecc_point_clear(&pub); /* public */
    return LTLS_OK;
}

static ltls_err_t ctx_new(const ltls_nettle_impl_t *impl, const ltls_group_t *group,
                          ltls_kex_ctx_t **out)
{
    ltls_kex_ctx_t *k = ltls_alloc(&impl->alloc, sizeof(*k));
    if (!k)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    k->impl = impl;
    k->group = group;
    *out = k;
    return LTLS_OK;
}

void ltls_nettle_kex_free(ltls_kex_ctx_t *ctx)
{
    if (!ctx)
        return;
    if (ctx->curve)
        ltls_nettle_ecc_scalar_wipe_clear(&ctx->k);
    ltls_free(&ctx->impl->alloc, ctx, sizeof(*ctx));
}

/* Client side: a key pair from priv (kex_import) or fresh (kex_start). */
static ltls_err_t start(const ltls_nettle_impl_t *impl, const ltls_group_t *group,
                        const uint8_t *priv, ltls_kex_ctx_t **out, uint8_t *share)
{
    const ltls_nettle_curve_t *c;
    size_t xsize;
    if (!impl || !out || !share)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if (!group_lookup(group, &c, &xsize))
        return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
    ltls_kex_ctx_t *k = NULL;
    ltls_err_t err = ctx_new(impl, group, &k);
    if (err)
        return err;
    k->xsize = xsize;
    if (xsize) {
        if (priv)
            memcpy(k->xpriv, priv, xsize);
        else
            err = ltls_nettle_random(NULL, k->xpriv, xsize);
        if (!err)
            x_public(xsize, k->xpriv, share);
    } else if (priv) {
        ecc_scalar_init(&k->k, c->get());
        k->curve = c;
        /* An out-of-range imported key is the caller's mistake. */
        if (ltls_nettle_scalar_set(&k->k, priv, group->private_size)) {
            err = ltls_err_make(LTLS_R_BAD_ARGUMENT);
        } else {
            struct ecc_point pub;
            ecc_point_init(&pub, k->k.ecc);
            ecc_point_mul_g(&pub, &k->k);
            ltls_nettle_point_get(&pub, c, share);
            ecc_point_clear(&pub);
        }
    } else {
        err = ec_keygen(c, &k->k, share);
        if (!err)
            k->curve = c;
    }
    if (err) {
        ltls_nettle_kex_free(k);
        return err;
    }
    *out = k;
    return LTLS_OK;
}

ltls_err_t ltls_nettle_kex_start(void *impl, const ltls_group_t *group, ltls_kex_ctx_t **out,
                                 uint8_t *share)
{
    return start(impl, group, NULL, out, share);
}

ltls_err_t ltls_nettle_kex_import(void *impl, const ltls_group_t *group, const uint8_t *priv,
                                  ltls_kex_ctx_t **out, uint8_t *share)
{
    if (!priv)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    return start(impl, group, priv, out, share);
}

ltls_err_t ltls_nettle_kex_finish(ltls_kex_ctx_t *ctx, const uint8_t *peer_share, size_t peer_len,
                                  uint8_t *secret)
{
    if (!ctx || !secret)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if (!peer_share || peer_len != ctx->group->server_share_size)
        return ltls_err_make(LTLS_R_BAD_KEY_SHARE);
    if (ctx->xsize)
        return x_shared(ctx->xsize, ctx->xpriv, peer_share, secret);
    struct ecc_point peer;
    ecc_point_init(&peer, ctx->k.ecc);
    ltls_err_t err = LTLS_OK;
    if (!ltls_nettle_point_set(&peer, ctx->curve, peer_share, peer_len))
        err = ltls_err_make(LTLS_R_BAD_KEY_SHARE);
    else
        ec_shared(ctx->curve, &ctx->k, &peer, secret);
    ecc_point_clear(&peer);
    return err;
}

ltls_err_t ltls_nettle_kex_respond(void *impl, const ltls_group_t *group,
                                   const uint8_t *peer_share, size_t peer_len, uint8_t *share,
                                   uint8_t *secret)
{
    const ltls_nettle_curve_t *c;
    size_t xsize;
    if (!impl || !share || !secret)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if (!group_lookup(group, &c, &xsize))
        return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
    if (!peer_share || peer_len != group->client_share_size)
        return ltls_err_make(LTLS_R_BAD_KEY_SHARE);

    uint8_t own[LTLS_KEX_MAX_SHARE];
    ltls_err_t err;
    if (xsize) {
        uint8_t priv[56];
        err = ltls_nettle_random(NULL, priv, xsize);
        if (!err) {
            x_public(xsize, priv, own);
            err = x_shared(xsize, priv, peer_share, secret);
        }
        ltls_wipe(priv, sizeof(priv));
    } else {
        /* Validate first: a bad share should not cost a key generation. */
        struct ecc_point peer;
        ecc_point_init(&peer, c->get());
        if (!ltls_nettle_point_set(&peer, c, peer_share, peer_len)) {
            err = ltls_err_make(LTLS_R_BAD_KEY_SHARE);
        } else {
            struct ecc_scalar k;
            err = ec_keygen(c, &k, own);
            if (!err) {
                ec_shared(c, &k, &peer, secret);
                ltls_nettle_ecc_scalar_wipe_clear(&k);
            }
        }
        ecc_point_clear(&peer);
    }
    if (!err)
        memcpy(share, own, group->server_share_size);
    return err;
}
