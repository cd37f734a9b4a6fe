/*
 * ===========================================================================
 *  crypto/null/nullprov.c - THE NULL PROVIDER. IT PROVIDES NO SECURITY.
 *
 *  Nothing here is cryptography. "Random" bytes are a fixed pattern, hashes
 *  are a non-cryptographic mix, HMAC and HKDF output zeros, the AEAD does not
 *  encrypt and its tag is sixteen zero bytes, every key exchange gives the
 *  same secret, every signature is a constant and verification accepts any
 *  non-empty signature. Anyone can read, forge and impersonate anything.
 *
 *  It exists so that libFuzzer can drive a client or a server through a whole
 *  handshake: a mutated Finished, CertificateVerify or protected record can
 *  only pass if the fuzzer can produce it, and with this provider it can.
 *  It is built ONLY into the fuzz targets (fuzz/meson.build), never into
 *  liblucidtls, and must never be.
 * ===========================================================================
 *
 * The provider contract (provider.h) is kept wherever the engine could
 * notice: exact share, secret, digest, tag and signature sizes; BAD_KEY_SHARE
 * for a share of the wrong size (or a NIST point not starting with 0x04);
 * KEY_TYPE_MISMATCH for a scheme that does not fit the key; KEY_FORMAT for
 * key info that is not well formed; BAD_RECORD_MAC for a non-zero tag;
 * BUFFER_TOO_SMALL; UNSUPPORTED_ALGORITHM for unknown descriptors. So the
 * engine's own checks of these results still run under fuzzing.
 *
 * Per entry:
 *   random            out[i] = 0x4c ^ (uint8_t)(i * 0x3b) (same every call)
 *   hash_*            a 64-bit FNV-1a fold of the input, expanded to the
 *                     digest size with splitmix64; copy/final/reset honoured
 *   hmac, hkdf_*      all-zero output of the requested size
 *   aead_seal/open    identity; seal writes a zero tag, open accepts exactly
 *                     a zero tag (constant-time check), else BAD_RECORD_MAC
 *   kex_start/import  share = 0x4b pattern (0x04 first for NIST curves)
 *   kex_respond       checks the client share, answers with a 0x4d pattern
 *   kex_finish        checks the server share; secret = 0x5e bytes
 *   pubkey_new        type/curve/size checks, keeps type, curve and bits
 *   verify            scheme must fit the key; any 1..LTLS_SIG_MAX_SIZE
 *                     byte signature is accepted, an empty one is DECRYPT_ERROR
 *   privkey_new       the same checks; sign writes LTLS_NULL_SIG_BYTE bytes:
 *                     RSA modulus size, 72 for ECDSA, 64/114 for Ed25519/448
 *   privkey_generate  not provided (NULL, as the contract allows)
 *   pbkdf2            zeros; aes_cbc_decrypt: copies in to out
 */
#include "crypto/algs.h"
#include "crypto/null/nullprov.h"

#include <string.h>

#include "core/mem.h"

typedef struct null_impl {
    ltls_allocator_t alloc;
    ltls_provider_t table;
} null_impl_t;

struct ltls_hash_ctx {
    const ltls_allocator_t *alloc;
    const ltls_hash_alg_t *alg;
    uint64_t h, len;
};

struct ltls_aead_ctx {
    const ltls_allocator_t *alloc;
};

struct ltls_kex_ctx {
    const ltls_allocator_t *alloc;
    const ltls_group_t *group;
};

struct ltls_pubkey {
    const ltls_allocator_t *alloc;
    ltls_key_type_t type;
    uint16_t curve;
    size_t bits;
};

struct ltls_privkey {
    const ltls_allocator_t *alloc;
    ltls_key_type_t type;
    uint16_t curve;
    size_t bits;
};

static ltls_err_t err(ltls_reason_t r) { return ltls_err_make(r); }

static const ltls_allocator_t *impl_alloc(void *impl)
{
    return &((null_impl_t *)impl)->alloc;
}

static int hash_known(const ltls_hash_alg_t *alg)
{
    return alg == &ltls_hash_sha256 || alg == &ltls_hash_sha384 || alg == &ltls_hash_sha512 ||
           alg == &ltls_hash_sha1;
}

static int nist_curve(uint16_t code)
{
    return code == ltls_group_secp256r1.code || code == ltls_group_secp384r1.code ||
           code == ltls_group_secp521r1.code;
}

/* Coordinate size of a NIST curve, 0 for anything else. */
static size_t nist_coord(uint16_t code)
{
    if (code == ltls_group_secp256r1.code)
        return 32;
    if (code == ltls_group_secp384r1.code)
        return 48;
    if (code == ltls_group_secp521r1.code)
        return 66;
    return 0;
}

static int group_known(const ltls_group_t *g)
{
    for (size_t i = 0; ltls_algs_groups[i]; i++)
        if (ltls_algs_groups[i] == g)
            return 1;
    return 0;
}

/* ------------------------------------------------------------------------- */

static ltls_err_t null_random(void *impl, uint8_t *out, size_t len)
{
    (void)impl;
    if (!out && len)
        return err(LTLS_R_NULL_ARGUMENT);
    for (size_t i = 0; i < len; i++)
        out[i] = (uint8_t)(0x4c ^ (uint8_t)(i * 0x3b));
    return LTLS_OK;
}

/* --- hashing ------------------------------------------------------------- */

#define FNV_BASIS 0xcbf29ce484222325u
#define FNV_PRIME 0x100000001b3u

static ltls_err_t null_hash_new(void *impl, const ltls_hash_alg_t *alg, ltls_hash_ctx_t **out)
{
    if (!alg || !out)
        return err(LTLS_R_NULL_ARGUMENT);
    if (!hash_known(alg))
        return err(LTLS_R_UNSUPPORTED_ALGORITHM);
    ltls_hash_ctx_t *c = ltls_alloc(impl_alloc(impl), sizeof(*c));
    if (!c)
        return err(LTLS_R_OUT_OF_MEMORY);
    c->alloc = impl_alloc(impl);
    c->alg = alg;
    c->h = FNV_BASIS;
    c->len = 0;
    *out = c;
    return LTLS_OK;
}

static ltls_err_t null_hash_update(ltls_hash_ctx_t *c, const uint8_t *data, size_t len)
{
    if (!c || (!data && len))
        return err(LTLS_R_NULL_ARGUMENT);
    uint64_t h = c->h;
    for (size_t i = 0; i < len; i++)
        h = (h ^ data[i]) * FNV_PRIME;
    c->h = h;
    c->len += len;
    return LTLS_OK;
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static ltls_err_t null_hash_final(ltls_hash_ctx_t *c, uint8_t *out)
{
    if (!c || !out)
        return err(LTLS_R_NULL_ARGUMENT);
    uint64_t s = c->h ^ (c->len * FNV_PRIME) ^ c->alg->id;
    for (size_t i = 0; i < c->alg->digest_size; i += 8) {
        uint64_t v = splitmix(&s);
        for (size_t j = 0; j < 8 && i + j < c->alg->digest_size; j++)
            out[i + j] = (uint8_t)(v >> (8 * j));
    }
    c->h = FNV_BASIS;
    c->len = 0;
    return LTLS_OK;
}

static ltls_err_t null_hash_copy(const ltls_hash_ctx_t *c, ltls_hash_ctx_t **out)
{
    if (!c || !out)
        return err(LTLS_R_NULL_ARGUMENT);
    ltls_hash_ctx_t *d = ltls_alloc(c->alloc, sizeof(*d));
    if (!d)
        return err(LTLS_R_OUT_OF_MEMORY);
    *d = *c;
    *out = d;
    return LTLS_OK;
}

static void null_hash_free(ltls_hash_ctx_t *c)
{
    if (c)
        ltls_free(c->alloc, c, sizeof(*c));
}

/* --- MAC and KDF: zeros -------------------------------------------------- */

static ltls_err_t null_hmac(void *impl, const ltls_hash_alg_t *alg, const uint8_t *key,
                            size_t key_len, const uint8_t *data, size_t len, uint8_t *out)
{
    (void)impl;
    if (!alg || !out || (!key && key_len) || (!data && len))
        return err(LTLS_R_NULL_ARGUMENT);
    if (!hash_known(alg))
        return err(LTLS_R_UNSUPPORTED_ALGORITHM);
    memset(out, 0, alg->digest_size);
    return LTLS_OK;
}

static ltls_err_t null_hkdf_extract(void *impl, const ltls_hash_alg_t *alg, const uint8_t *salt,
                                    size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                                    uint8_t *prk)
{
    (void)impl;
    if (!alg || !prk || (!salt && salt_len) || (!ikm && ikm_len))
        return err(LTLS_R_NULL_ARGUMENT);
    if (!hash_known(alg))
        return err(LTLS_R_UNSUPPORTED_ALGORITHM);
    memset(prk, 0, alg->digest_size);
    return LTLS_OK;
}

static ltls_err_t null_hkdf_expand(void *impl, const ltls_hash_alg_t *alg, const uint8_t *prk,
                                   size_t prk_len, const uint8_t *info, size_t info_len,
                                   uint8_t *out, size_t out_len)
{
    (void)impl;
    if (!alg || !prk || (!info && info_len) || (!out && out_len))
        return err(LTLS_R_NULL_ARGUMENT);
    if (!hash_known(alg))
        return err(LTLS_R_UNSUPPORTED_ALGORITHM);
    if (prk_len < alg->digest_size || out_len > 255 * alg->digest_size)
        return err(LTLS_R_BAD_ARGUMENT);
    memset(out, 0, out_len);
    return LTLS_OK;
}

/* --- AEAD: identity with a zero tag --------------------------------------- */

static ltls_err_t null_aead_new(void *impl, const ltls_aead_alg_t *alg, const uint8_t *key,
                                int encrypt, ltls_aead_ctx_t **out)
{
    (void)encrypt;
    if (!alg || !key || !out)
        return err(LTLS_R_NULL_ARGUMENT);
    if (alg->tag_size != LTLS_AEAD_TAG_SIZE || alg->key_size > LTLS_AEAD_MAX_KEY)
        return err(LTLS_R_UNSUPPORTED_ALGORITHM);
    ltls_aead_ctx_t *c = ltls_alloc(impl_alloc(impl), sizeof(*c));
    if (!c)
        return err(LTLS_R_OUT_OF_MEMORY);
    c->alloc = impl_alloc(impl);
    *out = c;
    return LTLS_OK;
}

static ltls_err_t null_aead_seal(ltls_aead_ctx_t *c, const uint8_t nonce[LTLS_AEAD_NONCE_SIZE],
                                 const uint8_t *aad, size_t aad_len, uint8_t *buf, size_t len,
                                 uint8_t *tag)
{
    if (!c || !nonce || !tag || (!aad && aad_len) || (!buf && len))
        return err(LTLS_R_NULL_ARGUMENT);
    memset(tag, 0, LTLS_AEAD_TAG_SIZE);
    return LTLS_OK;
}

static ltls_err_t null_aead_open(ltls_aead_ctx_t *c, const uint8_t nonce[LTLS_AEAD_NONCE_SIZE],
                                 const uint8_t *aad, size_t aad_len, uint8_t *buf, size_t len,
                                 const uint8_t *tag)
{
    if (!c || !nonce || !tag || (!aad && aad_len) || (!buf && len))
        return err(LTLS_R_NULL_ARGUMENT);
    uint8_t acc = 0;
    for (size_t i = 0; i < LTLS_AEAD_TAG_SIZE; i++)
        acc |= tag[i];
    return acc ? err(LTLS_R_BAD_RECORD_MAC) : LTLS_OK;
}

static void null_aead_free(ltls_aead_ctx_t *c)
{
    if (c)
        ltls_free(c->alloc, c, sizeof(*c));
}

/* --- key exchange ---------------------------------------------------------- */

static void fill_share(const ltls_group_t *g, uint8_t *share, size_t n, uint8_t b)
{
    memset(share, b, n);
    if (nist_curve(g->code) && n)
        share[0] = 0x04;
}

static ltls_err_t check_share(const ltls_group_t *g, const uint8_t *share, size_t len,
                              size_t want)
{
    if (!share || len != want || (nist_curve(g->code) && share[0] != 0x04))
        return err(LTLS_R_BAD_KEY_SHARE);
    return LTLS_OK;
}

static ltls_err_t null_kex_import(void *impl, const ltls_group_t *g, const uint8_t *priv,
                                  ltls_kex_ctx_t **out, uint8_t *share)
{
    (void)priv;
    if (!g || !out || !share)
        return err(LTLS_R_NULL_ARGUMENT);
    if (!group_known(g))
        return err(LTLS_R_UNSUPPORTED_ALGORITHM);
    ltls_kex_ctx_t *c = ltls_alloc(impl_alloc(impl), sizeof(*c));
    if (!c)
        return err(LTLS_R_OUT_OF_MEMORY);
    c->alloc = impl_alloc(impl);
    c->group = g;
    fill_share(g, share, g->client_share_size, 0x4b);
    *out = c;
    return LTLS_OK;
}

static ltls_err_t null_kex_start(void *impl, const ltls_group_t *g, ltls_kex_ctx_t **out,
                                 uint8_t *share)
{
    return null_kex_import(impl, g, NULL, out, share);
}

static ltls_err_t null_kex_finish(ltls_kex_ctx_t *c, const uint8_t *peer, size_t peer_len,
                                  uint8_t *secret)
{
    if (!c || !secret)
        return err(LTLS_R_NULL_ARGUMENT);
    ltls_err_t e = check_share(c->group, peer, peer_len, c->group->server_share_size);
    if (e)
        return e;
    memset(secret, 0x5e, c->group->secret_size);
    return LTLS_OK;
}

static ltls_err_t null_kex_respond(void *impl, const ltls_group_t *g, const uint8_t *peer,
                                   size_t peer_len, uint8_t *share, uint8_t *secret)
{
    (void)impl;
    if (!g || !share || !secret)
        return err(LTLS_R_NULL_ARGUMENT);
    if (!group_known(g))
        return err(LTLS_R_UNSUPPORTED_ALGORITHM);
    ltls_err_t e = check_share(g, peer, peer_len, g->client_share_size);
    if (e)
        return e;
    fill_share(g, share, g->server_share_size, 0x4d);
    memset(secret, 0x5e, g->secret_size);
    return LTLS_OK;
}

static void null_kex_free(ltls_kex_ctx_t *c)
{
    if (c)
        ltls_free(c->alloc, c, sizeof(*c));
}

/* --- keys -------------------------------------------------------------------- */

/* Bits of a big-endian unsigned integer, leading zeros skipped. */
static size_t int_bits(const uint8_t *p, size_t n)
{
    while (n && !*p) {
        p++;
        n--;
    }
    if (!n)
        return 0;
    size_t bits = 8 * n;
    for (uint8_t top = p[0]; !(top & 0x80); top = (uint8_t)(top << 1))
        bits--;
    return bits;
}

/* Checks the shape of a public key; *bits receives its size. */
static ltls_err_t check_pub(ltls_key_type_t type, uint16_t curve, const uint8_t *point,
                            size_t point_size, const uint8_t *n, size_t n_size, const uint8_t *e,
                            size_t e_size, size_t *bits)
{
    switch (type) {
    case LTLS_KEY_RSA:
        if (!n || !e || !n_size || !e_size || n_size > LTLS_SIG_MAX_SIZE + 1)
            return err(LTLS_R_KEY_FORMAT);
        *bits = int_bits(n, n_size);
        if (*bits < 512 || *bits > 8 * LTLS_SIG_MAX_SIZE || !int_bits(e, e_size))
            return err(LTLS_R_KEY_FORMAT);
        return LTLS_OK;
    case LTLS_KEY_EC: {
        size_t c = nist_coord(curve);
        if (!c)
            return err(LTLS_R_KEY_FORMAT);
        if (point && (point_size != 1 + 2 * c || point[0] != 0x04))
            return err(LTLS_R_KEY_FORMAT);
        *bits = curve == ltls_group_secp521r1.code ? 521 : 8 * c;
        return LTLS_OK;
    }
    case LTLS_KEY_ED25519:
    case LTLS_KEY_ED448: {
        size_t want = type == LTLS_KEY_ED25519 ? 32 : 57;
        if (point && point_size != want)
            return err(LTLS_R_KEY_FORMAT);
        *bits = type == LTLS_KEY_ED25519 ? 255 : 448;
        return LTLS_OK;
    }
    default:
        return err(LTLS_R_KEY_FORMAT);
    }
}

static int fits(const ltls_sigscheme_t *s, ltls_key_type_t type, uint16_t curve)
{
    return s->key_type == type && (type != LTLS_KEY_EC || s->curve == curve);
}

static ltls_err_t null_pubkey_new(void *impl, const ltls_pubkey_info_t *info, ltls_pubkey_t **out)
{
    if (!info || !out)
        return err(LTLS_R_NULL_ARGUMENT);
    size_t bits = 0;
    if ((info->type == LTLS_KEY_EC || info->type == LTLS_KEY_ED25519 ||
         info->type == LTLS_KEY_ED448) && !info->point)
        return err(LTLS_R_KEY_FORMAT);
    ltls_err_t e = check_pub(info->type, info->curve, info->point, info->point_size, info->n,
                             info->n_size, info->e, info->e_size, &bits);
    if (e)
        return e;
    ltls_pubkey_t *k = ltls_alloc(impl_alloc(impl), sizeof(*k));
    if (!k)
        return err(LTLS_R_OUT_OF_MEMORY);
    k->alloc = impl_alloc(impl);
    k->type = info->type;
    k->curve = info->type == LTLS_KEY_EC ? info->curve : 0;
    k->bits = bits;
    *out = k;
    return LTLS_OK;
}

static void null_pubkey_free(ltls_pubkey_t *k)
{
    if (k)
        ltls_free(k->alloc, k, sizeof(*k));
}

static size_t null_pubkey_bits(const ltls_pubkey_t *k) { return k ? k->bits : 0; }

static ltls_err_t null_verify(const ltls_pubkey_t *k, const ltls_sigscheme_t *s,
                              const uint8_t *msg, size_t msg_len, const uint8_t *sig,
                              size_t sig_len)
{
    if (!k || !s || (!msg && msg_len) || (!sig && sig_len))
        return err(LTLS_R_NULL_ARGUMENT);
    if (!fits(s, k->type, k->curve))
        return err(LTLS_R_KEY_TYPE_MISMATCH);
    if (sig_len == 0 || sig_len > LTLS_SIG_MAX_SIZE)
        return err(LTLS_R_DECRYPT_ERROR);
    return LTLS_OK;
}

static ltls_err_t null_privkey_new(void *impl, const ltls_privkey_info_t *info,
                                   ltls_privkey_t **out)
{
    if (!info || !out)
        return err(LTLS_R_NULL_ARGUMENT);
    size_t bits = 0;
    if (info->type != LTLS_KEY_RSA && (!info->priv || !info->priv_size))
        return err(LTLS_R_KEY_FORMAT);
    ltls_err_t e = check_pub(info->type, info->curve, info->point, info->point_size, info->n,
                             info->n_size, info->e, info->e_size, &bits);
    if (e)
        return e;
    ltls_privkey_t *k = ltls_alloc(impl_alloc(impl), sizeof(*k));
    if (!k)
        return err(LTLS_R_OUT_OF_MEMORY);
    k->alloc = impl_alloc(impl);
    k->type = info->type;
    k->curve = info->type == LTLS_KEY_EC ? info->curve : 0;
    k->bits = bits;
    *out = k;
    return LTLS_OK;
}

static void null_privkey_free(ltls_privkey_t *k)
{
    if (k)
        ltls_free(k->alloc, k, sizeof(*k));
}

static ltls_err_t null_privkey_public(const ltls_privkey_t *k, ltls_pubkey_t **out)
{
    if (!k || !out)
        return err(LTLS_R_NULL_ARGUMENT);
    ltls_pubkey_t *p = ltls_alloc(k->alloc, sizeof(*p));
    if (!p)
        return err(LTLS_R_OUT_OF_MEMORY);
    p->alloc = k->alloc;
    p->type = k->type;
    p->curve = k->curve;
    p->bits = k->bits;
    *out = p;
    return LTLS_OK;
}

static ltls_err_t null_sign(const ltls_privkey_t *k, const ltls_sigscheme_t *s,
                            const uint8_t *msg, size_t msg_len, uint8_t *sig, size_t *sig_len)
{
    if (!k || !s || !sig || !sig_len || (!msg && msg_len))
        return err(LTLS_R_NULL_ARGUMENT);
    if (!fits(s, k->type, k->curve))
        return err(LTLS_R_KEY_TYPE_MISMATCH);
    size_t n;
    switch (k->type) {
    case LTLS_KEY_RSA: n = (k->bits + 7) / 8; break;
    case LTLS_KEY_ED25519: n = 64; break;
    case LTLS_KEY_ED448: n = 114; break;
    default: n = LTLS_NULL_ECDSA_SIG_SIZE; break;
    }
    if (*sig_len < n)
        return err(LTLS_R_BUFFER_TOO_SMALL);
    memset(sig, LTLS_NULL_SIG_BYTE, n);
    *sig_len = n;
    return LTLS_OK;
}

/* --- key files ----------------------------------------------------------------- */

static ltls_err_t null_pbkdf2(void *impl, const ltls_hash_alg_t *alg, const uint8_t *password,
                              size_t password_len, const uint8_t *salt, size_t salt_len,
                              uint32_t iterations, uint8_t *out, size_t out_len)
{
    (void)impl;
    (void)iterations;
    if (!alg || (!password && password_len) || (!salt && salt_len) || (!out && out_len))
        return err(LTLS_R_NULL_ARGUMENT);
    if (!hash_known(alg))
        return err(LTLS_R_UNSUPPORTED_ALGORITHM);
    memset(out, 0, out_len);
    return LTLS_OK;
}

static ltls_err_t null_aes_cbc_decrypt(void *impl, const uint8_t *key, size_t key_len,
                                       const uint8_t iv[16], const uint8_t *in, size_t len,
                                       uint8_t *out)
{
    (void)impl;
    if (!key || !iv || (!in && len) || (!out && len))
        return err(LTLS_R_NULL_ARGUMENT);
    if ((key_len != 16 && key_len != 24 && key_len != 32) || len % 16)
        return err(LTLS_R_BAD_ARGUMENT);
    if (len && out != in)
        memmove(out, in, len);
    return LTLS_OK;
}

/* --------------------------------------------------------------------------- */

static void null_destroy(ltls_provider_t *p)
{
    if (!p)
        return;
    null_impl_t *impl = p->impl;
    ltls_allocator_t a = impl->alloc;
    ltls_free(&a, impl, sizeof(*impl));
}

ltls_err_t ltls_null_provider_create(const ltls_allocator_t *alloc, ltls_provider_t **out)
{
    if (!out)
        return err(LTLS_R_NULL_ARGUMENT);
    null_impl_t *impl = ltls_alloc(alloc, sizeof(*impl));
    if (!impl)
        return err(LTLS_R_OUT_OF_MEMORY);
    impl->alloc = alloc ? *alloc : *ltls_alloc_default();
    ltls_provider_t *t = &impl->table;
    t->name = "null (NO SECURITY)";
    t->impl = impl;
    t->suites = ltls_algs_suites; /* everything lucidtls knows */
    t->groups = ltls_algs_groups;
    t->sigschemes = ltls_algs_sigschemes;
    t->random = null_random;
    t->hash_new = null_hash_new;
    t->hash_update = null_hash_update;
    t->hash_final = null_hash_final;
    t->hash_copy = null_hash_copy;
    t->hash_free = null_hash_free;
    t->hmac = null_hmac;
    t->hkdf_extract = null_hkdf_extract;
    t->hkdf_expand = null_hkdf_expand;
    t->aead_new = null_aead_new;
    t->aead_seal = null_aead_seal;
    t->aead_open = null_aead_open;
    t->aead_free = null_aead_free;
    t->kex_start = null_kex_start;
    t->kex_import = null_kex_import;
    t->kex_finish = null_kex_finish;
    t->kex_respond = null_kex_respond;
    t->kex_free = null_kex_free;
    t->pubkey_new = null_pubkey_new;
    t->pubkey_free = null_pubkey_free;
    t->pubkey_bits = null_pubkey_bits;
    t->verify = null_verify;
    t->privkey_new = null_privkey_new;
    t->privkey_free = null_privkey_free;
    t->privkey_public = null_privkey_public;
    t->sign = null_sign;
    t->privkey_generate = NULL;
    t->privkey_public_info = NULL;
    t->pbkdf2 = null_pbkdf2;
    t->aes_cbc_decrypt = null_aes_cbc_decrypt;
    t->destroy = null_destroy;
    *out = t;
    return LTLS_OK;
}
