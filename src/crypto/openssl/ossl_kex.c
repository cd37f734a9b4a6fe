/*
 * crypto/openssl/ossl_kex.c - (EC)DH key exchange: X25519, X448 (RFC 7748)
 * and the NIST curves secp256r1/384r1/521r1, in the KEM shape of provider.h.
 *
 * Theory of operation. A kex context holds one ephemeral EVP_PKEY. The peer's
 * share is checked here before OpenSSL sees it: exact length, and for the
 * NIST curves the uncompressed form (0x04 || X || Y) that RFC 8446 §4.2.8.2
 * requires. OpenSSL then decodes the point, which rejects coordinates outside
 * the field and points off the curve; the NIST curves have cofactor 1, so an
 * on-curve point other than infinity (not encodable in 65/97/133 bytes) is in
 * the right group and the derive step skips OpenSSL's second, costlier
 * public-key check (a full scalar multiplication by the order).
 *
 * For X25519/X448 every 32/56-byte string is a valid u-coordinate; the check
 * RFC 8446 §7.4.2 asks for is on the result: an all-zero secret means the
 * peer sent a small-order point. OpenSSL's derive already refuses it; we also
 * compare the output with zeros so that the rule does not rest on an
 * implementation detail, and report both as LTLS_R_BAD_KEY_SHARE.
 */
#include <string.h>

#include <openssl/core_names.h>

#include "crypto/openssl/ossl.h"

struct ltls_kex_ctx {
    const ltls_ossl_impl_t *impl;
    const ltls_group_t *group;
    const ltls_ossl_curve_t *curve; /* NULL for X25519/X448 */
    const char *xname;              /* "X25519" / "X448" */
    EVP_PKEY *key;
};

typedef struct {
    const ltls_ossl_curve_t *curve;
    const char *xname;
} group_info_t;

static int group_lookup(const ltls_group_t *group, group_info_t *gi)
{
    gi->curve = NULL;
    gi->xname = NULL;
    if (!group)
        return 0;
    if (group->code == 0x001d && group->client_share_size == 32)
        gi->xname = "X25519";
    else if (group->code == 0x001e && group->client_share_size == 56)
        gi->xname = "X448";
    else
        gi->curve = ltls_ossl_curve_by_code(group->code);
    if (gi->curve && group->client_share_size != 1 + 2 * gi->curve->field_bytes)
        gi->curve = NULL;
    return gi->curve || gi->xname;
}

/* Writes the public share of key (size bytes) to share. */
static int write_share(const group_info_t *gi, EVP_PKEY *key, uint8_t *share, size_t size)
{
    uint8_t buf[LTLS_KEX_MAX_SHARE];
    size_t n = sizeof(buf);
    int ok = gi->xname ? EVP_PKEY_get_raw_public_key(key, buf, &n)
                       : EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
                                                         buf, sizeof(buf), &n);
    if (!ok || n != size || (gi->curve && buf[0] != 0x04))
        return 0;
    memcpy(share, buf, size);
    return 1;
}

static ltls_err_t ctx_new(const ltls_ossl_impl_t *impl, const ltls_group_t *group,
                          const group_info_t *gi, EVP_PKEY *key, ltls_kex_ctx_t **out)
{
    ltls_kex_ctx_t *k = ltls_alloc(&impl->alloc, sizeof(*k));
    if (!k) {
        EVP_PKEY_free(key);
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    }
    k->impl = impl;
    k->group = group;
    k->curve = gi->curve;
    k->xname = gi->xname;
    k->key = key;
    *out = k;
    return LTLS_OK;
}

static EVP_PKEY *keygen(const group_info_t *gi)
{
    if (gi->xname)
        return EVP_PKEY_Q_keygen(NULL, NULL, gi->xname);
    return EVP_PKEY_Q_keygen(NULL, NULL, "EC", gi->curve->name);
}

ltls_err_t ltls_ossl_kex_start(void *impl_, const ltls_group_t *group, ltls_kex_ctx_t **out,
                               uint8_t *share)
{
    const ltls_ossl_impl_t *impl = impl_;
    group_info_t gi;
    if (!impl || !out || !share)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if (!group_lookup(group, &gi))
        return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
    EVP_PKEY *key = keygen(&gi);
    if (!key || !write_share(&gi, key, share, group->client_share_size)) {
        EVP_PKEY_free(key);
        return ltls_ossl_fail(LTLS_R_PROVIDER);
    }
    return ctx_new(impl, group, &gi, key, out);
}

ltls_err_t ltls_ossl_kex_import(void *impl_, const ltls_group_t *group, const uint8_t *priv,
                                ltls_kex_ctx_t **out, uint8_t *share)
{
    const ltls_ossl_impl_t *impl = impl_;
    group_info_t gi;
    if (!impl || !priv || !out || !share)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if (!group_lookup(group, &gi))
        return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
    EVP_PKEY *key = NULL;
    uint8_t pub[LTLS_KEX_MAX_SHARE];
    if (gi.xname) {
        key = EVP_PKEY_new_raw_private_key_ex(NULL, gi.xname, NULL, priv, group->private_size);
        if (!key || !write_share(&gi, key, share, group->client_share_size)) {
            EVP_PKEY_free(key);
            return ltls_ossl_fail(LTLS_R_PROVIDER);
        }
    } else {
        ltls_err_t err = ltls_ossl_ec_from_scalar(gi.curve, priv, group->private_size, NULL, 0,
                                                  &key, pub);
        if (err)
            return ltls_err_reason(err) == LTLS_R_KEY_FORMAT ? ltls_err_make(LTLS_R_BAD_ARGUMENT)
                                                             : err;
        memcpy(share, pub, group->client_share_size);
    }
    return ctx_new(impl, group, &gi, key, out);
}

/* The peer's share as an EVP_PKEY, or LTLS_R_BAD_KEY_SHARE. */
static ltls_err_t peer_key(const ltls_ossl_impl_t *impl, const group_info_t *gi,
                           const uint8_t *share, size_t len, size_t expect, EVP_PKEY **out)
{
    if (!share || len != expect)
        return ltls_err_make(LTLS_R_BAD_KEY_SHARE);
    EVP_PKEY *peer = NULL;
    if (gi->xname) {
        peer = EVP_PKEY_new_raw_public_key_ex(NULL, gi->xname, NULL, share, len);
    } else {
        if (share[0] != 0x04)
            return ltls_err_make(LTLS_R_BAD_KEY_SHARE);
        /* As for certificate keys (ossl_pkey.c): a copy of the provider's
         * group and the point decoded onto it, which checks it is on the
         * curve; fromdata only when the group key could not be made. */
        EVP_PKEY *group = impl->ec_group_key[ltls_ossl_curve_index(gi->curve)];
        if (group) {
            peer = EVP_PKEY_new();
            if (!peer || EVP_PKEY_copy_parameters(peer, group) != 1 ||
                EVP_PKEY_set1_encoded_public_key(peer, share, len) != 1) {
                EVP_PKEY_free(peer);
                return ltls_ossl_fail(LTLS_R_BAD_KEY_SHARE);
            }
            *out = peer;
            return LTLS_OK;
        }
        OSSL_PARAM p[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                             ltls_ossl_unconst(gi->curve->name), 0),
            OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, ltls_ossl_unconst(share),
                                              len),
            OSSL_PARAM_construct_end(),
        };
        EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
        if (!pc || EVP_PKEY_fromdata_init(pc) <= 0 ||
            EVP_PKEY_fromdata(pc, &peer, EVP_PKEY_PUBLIC_KEY, p) <= 0)
            peer = NULL;
        EVP_PKEY_CTX_free(pc);
    }
    if (!peer)
        return ltls_ossl_fail(LTLS_R_BAD_KEY_SHARE);
    *out = peer;
    return LTLS_OK;
}

static ltls_err_t derive(const group_info_t *gi, const ltls_group_t *group, EVP_PKEY *own,
                         EVP_PKEY *peer, uint8_t *secret)
{
    static const uint8_t zeros[LTLS_KEX_MAX_SECRET];
    uint8_t buf[LTLS_KEX_MAX_SECRET];
    size_t n = sizeof(buf);
    ltls_err_t err = LTLS_OK;
    EVP_PKEY_CTX *dc = EVP_PKEY_CTX_new_from_pkey(NULL, own, NULL);
    if (!dc || EVP_PKEY_derive_init(dc) <= 0 || EVP_PKEY_derive_set_peer_ex(dc, peer, 0) <= 0)
        err = ltls_ossl_fail(LTLS_R_PROVIDER);
    else if (EVP_PKEY_derive(dc, buf, &n) <= 0)
        err = ltls_ossl_fail(gi->xname ? LTLS_R_BAD_KEY_SHARE : LTLS_R_PROVIDER);
    else if (n != group->secret_size)
        err = ltls_ossl_fail(LTLS_R_PROVIDER);
    else if (gi->xname && ltls_ct_memeq(buf, zeros, n))
        err = ltls_err_make(LTLS_R_BAD_KEY_SHARE);
    else
        memcpy(secret, buf, n);
    EVP_PKEY_CTX_free(dc);
    ltls_wipe(buf, sizeof(buf));
    return err;
}

ltls_err_t ltls_ossl_kex_finish(ltls_kex_ctx_t *ctx, const uint8_t *peer_share, size_t peer_len,
                                uint8_t *secret)
{
    if (!ctx || !secret)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    group_info_t gi = {ctx->curve, ctx->xname};
    EVP_PKEY *peer = NULL;
    ltls_err_t err = peer_key(ctx->impl, &gi, peer_share, peer_len, ctx->group->server_share_size,
                              &peer);
    if (err)
        return err;
    err = derive(&gi, ctx->group, ctx->key, peer, secret);
    EVP_PKEY_free(peer);
    return err;
}

ltls_err_t ltls_ossl_kex_respond(void *impl_, const ltls_group_t *group, const uint8_t *peer_share,
                                 size_t peer_len, uint8_t *share, uint8_t *secret)
{
    const ltls_ossl_impl_t *impl = impl_;
    group_info_t gi;
    if (!impl || !share || !secret)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if (!group_lookup(group, &gi))
        return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
    /* Validate first: a bad share should not cost a key generation. */
    EVP_PKEY *peer = NULL;
    ltls_err_t err = peer_key(impl, &gi, peer_share, peer_len, group->client_share_size, &peer);
    if (err)
        return err;
    uint8_t own_share[LTLS_KEX_MAX_SHARE];
    EVP_PKEY *own = keygen(&gi);
    if (!own || !write_share(&gi, own, own_share, group->server_share_size))
        err = ltls_ossl_fail(LTLS_R_PROVIDER);
    else
        err = derive(&gi, group, own, peer, secret);
    if (!err)
        memcpy(share, own_share, group->server_share_size);
    EVP_PKEY_free(own); /* OpenSSL clears the private key on free */
    EVP_PKEY_free(peer);
    return err;
}

void ltls_ossl_kex_free(ltls_kex_ctx_t *ctx)
{
    if (!ctx)
        return;
    EVP_PKEY_free(ctx->key);
    ltls_free(&ctx->impl->alloc, ctx, sizeof(*ctx));
}
