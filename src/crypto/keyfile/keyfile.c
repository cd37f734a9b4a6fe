/*
 * crypto/keyfile/keyfile.c - private-key files (PKCS#8, SEC1, PKCS#1,
 * encrypted PKCS#8) parsed by lucidtls for every provider.
 *
 * Theory of operation: a load runs in four steps, each with one job.
 *   1. Framing: the buffer is DER when it is exactly one DER SEQUENCE (PEM
 *      text cannot be), otherwise PEM, where the one private-key block is
 *      found by label and its base64 decoded into a buffer we own.
 *   2. Format: for DER the kind is recognised from the shape of the first
 *      elements; for PEM the label names it, and a body of another kind is
 *      an error rather than a reason to guess.
 *   3. Decryption (encrypted PKCS#8 only): PBKDF2 and AES-CBC run in the
 *      provider; the PKCS#7 padding is checked here in constant time, and
 *      any failure to parse the plaintext is reported as a bad password.
 *   4. Parsing: PKCS#8 wraps SEC1, PKCS#1 or an RFC 8410 octet string, so
 *      one parser per inner format serves both the wrapped and the bare
 *      forms. The result is an ltls_privkey_info_t of views into the owned
 *      buffers, handed to the provider's privkey_new.
 * All reading goes through the DER reader; every DER failure inside a key
 * file becomes LTLS_R_KEY_FORMAT. The owned buffers are wiped when freed
 * (ltls_free wipes), which covers the decoded DER, the plaintext and thus
 * every component the info pointed at.
 */
#include "crypto/keyfile/keyfile.h"

#include <string.h>

#include "core/mem.h"
#include "core/reader.h"
#include "crypto/keyfile/pem.h"
#include "x509/der.h"


struct ltls_key {
    const ltls_provider_t *provider;
    const ltls_allocator_t *alloc;
    ltls_privkey_t *handle;
    ltls_key_type_t type;
    uint16_t curve;
};

static ltls_err_t key_format(void) { return ltls_err_make(LTLS_R_KEY_FORMAT); }

/* A DER failure anywhere in a key file is a malformed key file. */
#define TRY_DER(expr)                 \
    do {                              \
        if ((expr) != LTLS_OK)        \
            return key_format();      \
    } while (0)

#define TRY(expr)                     \
    do {                              \
        ltls_err_t e_ = (expr);       \
        if (e_ != LTLS_OK)            \
            return e_;                \
    } while (0)

/* ---------------------------------------------------------------------------
 * OIDs and curves
 * ------------------------------------------------------------------------- */

static const ltls_der_oid_t oid_pbes2 = LTLS_DER_OID_LIT("\x2a\x86\x48\x86\xf7\x0d\x01\x05\x0d");
static const ltls_der_oid_t oid_pbkdf2 = LTLS_DER_OID_LIT("\x2a\x86\x48\x86\xf7\x0d\x01\x05\x0c");
static const ltls_der_oid_t oid_hmac_sha1 = LTLS_DER_OID_LIT("\x2a\x86\x48\x86\xf7\x0d\x02\x07");
static const ltls_der_oid_t oid_hmac_sha256 = LTLS_DER_OID_LIT("\x2a\x86\x48\x86\xf7\x0d\x02\x09");
static const ltls_der_oid_t oid_hmac_sha384 = LTLS_DER_OID_LIT("\x2a\x86\x48\x86\xf7\x0d\x02\x0a");
static const ltls_der_oid_t oid_hmac_sha512 = LTLS_DER_OID_LIT("\x2a\x86\x48\x86\xf7\x0d\x02\x0b");
static const ltls_der_oid_t oid_aes128_cbc = LTLS_DER_OID_LIT("\x60\x86\x48\x01\x65\x03\x04\x01\x02");
static const ltls_der_oid_t oid_aes192_cbc = LTLS_DER_OID_LIT("\x60\x86\x48\x01\x65\x03\x04\x01\x16");
static const ltls_der_oid_t oid_aes256_cbc = LTLS_DER_OID_LIT("\x60\x86\x48\x01\x65\x03\x04\x01\x2a");

static const ltls_group_t *curve_by_oid(const ltls_der_oid_t *oid)
{
    if (ltls_der_oid_equal(oid, &ltls_oid_secp256r1))
        return &ltls_group_secp256r1;
    if (ltls_der_oid_equal(oid, &ltls_oid_secp384r1))
        return &ltls_group_secp384r1;
    if (ltls_der_oid_equal(oid, &ltls_oid_secp521r1))
        return &ltls_group_secp521r1;
    return NULL;
}

/* ECParameters ::= CHOICE { namedCurve OID, implicitCurve NULL,
 * specifiedCurve SpecifiedECDomain }. RFC 5480 §2.1.1 and RFC 5915 §3 allow
 * only namedCurve; explicit parameters would let a file define its own
 * (possibly weak) curve. */
static ltls_err_t read_ec_params(ltls_reader_t *r, const ltls_group_t **group)
{
    ltls_der_oid_t oid;
    if (!ltls_der_next_is(r, LTLS_DER_OID))
        return key_format();
    TRY_DER(ltls_der_read_oid(r, &oid));
    *group = curve_by_oid(&oid);
    return *group ? LTLS_OK : key_format();
}

/* ---------------------------------------------------------------------------
 * Inner formats
 * ------------------------------------------------------------------------- */

static int is_zero_uint(const uint8_t *p, size_t n) { return n == 1 && p[0] == 0; }

/* RSAPrivateKey (RFC 8017 §A.1.2). */
static ltls_err_t parse_pkcs1(const uint8_t *der, size_t len, ltls_privkey_info_t *out)
{
    ltls_reader_t r, seq;
    uint64_t version;
    ltls_privkey_info_t info;
    memset(&info, 0, sizeof info);
    ltls_reader_init(&r, der, len);
    TRY_DER(ltls_der_read_sequence(&r, &seq));
    TRY_DER(ltls_der_end(&r));
    TRY_DER(ltls_der_read_uint64(&seq, &version));
    if (version != 0) /* two-prime(0); multi(1) carries otherPrimeInfos */
        return key_format();
    const uint8_t **v[8] = {&info.n, &info.e, &info.d, &info.p,
                            &info.q, &info.dp, &info.dq, &info.qinv};
    size_t *n[8] = {&info.n_size, &info.e_size, &info.d_size, &info.p_size,
                    &info.q_size, &info.dp_size, &info.dq_size, &info.qinv_size};
    for (size_t i = 0; i < 8; i++) {
        TRY_DER(ltls_der_read_uint(&seq, v[i], n[i]));
        if (is_zero_uint(*v[i], *n[i])) /* every component is a positive integer */
            return key_format();
    }
    TRY_DER(ltls_der_end(&seq)); /* no otherPrimeInfos with version two-prime */
    if (info.n_size > LTLS_KEYFILE_MAX_RSA_BYTES)
        return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
    info.type = LTLS_KEY_RSA;
    *out = info;
    return LTLS_OK;
}

/* RSAPublicKey (RFC 8017 §A.1.1) as found in a OneAsymmetricKey's publicKey:
 * it must describe the same key. */
static ltls_err_t check_rsa_public(const uint8_t *der, size_t len, const ltls_privkey_info_t *k)
{
    ltls_reader_t r, seq;
    const uint8_t *n, *e;
    size_t n_len, e_len;
    ltls_reader_init(&r, der, len);
    TRY_DER(ltls_der_read_sequence(&r, &seq));
    TRY_DER(ltls_der_end(&r));
    TRY_DER(ltls_der_read_uint(&seq, &n, &n_len));
    TRY_DER(ltls_der_read_uint(&seq, &e, &e_len));
    TRY_DER(ltls_der_end(&seq));
    if (n_len != k->n_size || e_len != k->e_size || memcmp(n, k->n, n_len) != 0 ||
        memcmp(e, k->e, e_len) != 0)
        return key_format();
    return LTLS_OK;
}

/* ECPrivateKey (RFC 5915 §3). `outer` is the curve named by an enclosing
 * PKCS#8 AlgorithmIdentifier, or NULL for a bare SEC1 file. */
static ltls_err_t parse_sec1(const uint8_t *der, size_t len, const ltls_group_t *outer,
                             ltls_privkey_info_t *out)
{
    ltls_reader_t r, seq, sub;
    uint64_t version;
    const uint8_t *priv, *pub = NULL;
    size_t priv_len, pub_len = 0;
    const ltls_group_t *group = NULL;
    int present;

    ltls_reader_init(&r, der, len);
    TRY_DER(ltls_der_read_sequence(&r, &seq));
    TRY_DER(ltls_der_end(&r));
    TRY_DER(ltls_der_read_uint64(&seq, &version));
    if (version != 1) /* ecPrivkeyVer1 */
        return key_format();
    TRY_DER(ltls_der_read_octet_string(&seq, &priv, &priv_len));
    TRY_DER(ltls_der_read_optional(&seq, LTLS_DER_CTX_CONS(0), &sub, &present));
    if (present) {
        TRY(read_ec_params(&sub, &group));
        TRY_DER(ltls_der_end(&sub));
    }
    TRY_DER(ltls_der_read_optional(&seq, LTLS_DER_CTX_CONS(1), &sub, &present));
    if (present) {
        TRY_DER(ltls_der_read_bit_string_octets(&sub, &pub, &pub_len));
        TRY_DER(ltls_der_end(&sub));
    }
    TRY_DER(ltls_der_end(&seq));

    /* RFC 5915 §3: parameters, when present in PKCS#8, name the same curve
     * as the AlgorithmIdentifier. A bare SEC1 key must name its curve. */
    if (outer && group && group != outer)
        return key_format();
    if (!group)
        group = outer;
    if (!group)
        return key_format();
    /* RFC 5915 §3: the private key is exactly ceiling(log2(n)/8) octets. */
    if (priv_len != group->private_size)
        return key_format();
    /* Providers take uncompressed points only (0x04 || X || Y). */
    if (pub && (pub_len != group->client_share_size || pub[0] != 0x04))
        return key_format();

    memset(out, 0, sizeof *out);
    out->type = LTLS_KEY_EC;
    out->curve = group->code;
    out->priv = priv;
    out->priv_size = priv_len;
    out->point = pub;
    out->point_size = pub_len;
    return LTLS_OK;
}

/* CurvePrivateKey ::= OCTET STRING (RFC 8410 §7). */
static ltls_err_t parse_eddsa(const uint8_t *der, size_t len, ltls_key_type_t type,
                              ltls_privkey_info_t *out)
{
    ltls_reader_t r;
    const uint8_t *seed;
    size_t seed_len, want = type == LTLS_KEY_ED25519 ? 32 : 57;
    ltls_reader_init(&r, der, len);
    TRY_DER(ltls_der_read_octet_string(&r, &seed, &seed_len));
    TRY_DER(ltls_der_end(&r));
    if (seed_len != want)
        return key_format();
    memset(out, 0, sizeof *out);
    out->type = type;
    out->priv = seed;
    out->priv_size = seed_len;
    return LTLS_OK;
}

/* OneAsymmetricKey (RFC 5958 §2), which is PrivateKeyInfo when version is
 * v1. */
static ltls_err_t parse_pkcs8(const uint8_t *der, size_t len, ltls_privkey_info_t *out)
{
    ltls_reader_t r, seq, alg, attrs;
    uint64_t version;
    ltls_der_oid_t oid;
    const uint8_t *inner, *pub = NULL;
    size_t inner_len, pub_len = 0;
    const ltls_group_t *group = NULL;
    ltls_key_type_t type;
    int present;

    ltls_reader_init(&r, der, len);
    TRY_DER(ltls_der_read_sequence(&r, &seq));
    TRY_DER(ltls_der_end(&r));
    TRY_DER(ltls_der_read_uint64(&seq, &version));
    if (version > 1) /* v1(0), v2(1) */
        return key_format();

    TRY_DER(ltls_der_read_sequence(&seq, &alg));
    TRY_DER(ltls_der_read_oid(&alg, &oid));
    if (ltls_der_oid_equal(&oid, &ltls_oid_rsa_encryption)) {
        type = LTLS_KEY_RSA;
        TRY_DER(ltls_der_read_null(&alg)); /* RFC 8017 §A.1: parameters NULL */
    } else if (ltls_der_oid_equal(&oid, &ltls_oid_ec_public_key)) {
        type = LTLS_KEY_EC;
        TRY(read_ec_params(&alg, &group));
    } else if (ltls_der_oid_equal(&oid, &ltls_oid_ed25519)) {
        type = LTLS_KEY_ED25519; /* RFC 8410 §3: parameters MUST be absent */
    } else if (ltls_der_oid_equal(&oid, &ltls_oid_ed448)) {
        type = LTLS_KEY_ED448;
    } else {
        return key_format();
    }
    TRY_DER(ltls_der_end(&alg));

    TRY_DER(ltls_der_read_octet_string(&seq, &inner, &inner_len));
    /* attributes [0] IMPLICIT SET OF Attribute: nothing here uses them. */
    TRY_DER(ltls_der_read_optional(&seq, LTLS_DER_CTX_CONS(0), &attrs, &present));
    if (ltls_der_next_is(&seq, LTLS_DER_CTX(1))) {
        /* RFC 5958 §2: publicKey is present only in v2. */
        if (version != 1)
            return key_format();
        TRY_DER(ltls_der_read_bit_string_octets_tagged(&seq, LTLS_DER_CTX(1), &pub, &pub_len));
    }
    TRY_DER(ltls_der_end(&seq));

    ltls_privkey_info_t info;
    switch (type) {
    case LTLS_KEY_RSA:
        TRY(parse_pkcs1(inner, inner_len, &info));
        if (pub)
            TRY(check_rsa_public(pub, pub_len, &info));
        break;
    case LTLS_KEY_EC:
        TRY(parse_sec1(inner, inner_len, group, &info));
        if (pub) {
            if (pub_len != group->client_share_size || pub[0] != 0x04)
                return key_format();
            if (info.point && (info.point_size != pub_len || memcmp(info.point, pub, pub_len)))
                return key_format(); /* two different public keys */
            info.point = pub;
            info.point_size = pub_len;
        }
        break;
    default:
        TRY(parse_eddsa(inner, inner_len, type, &info));
        if (pub) {
            if (pub_len != info.priv_size) /* 32 or 57 octets, as the seed */
                return key_format();
            info.point = pub;
            info.point_size = pub_len;
        }
        break;
    }
    *out = info;
    return LTLS_OK;
}

/* ---------------------------------------------------------------------------
 * Encrypted PKCS#8 (RFC 5958 §3, PBES2 of RFC 8018 §6.2)
 * ------------------------------------------------------------------------- */

typedef struct {
    const ltls_hash_alg_t *prf;
    const uint8_t *salt;
    size_t salt_len;
    uint32_t iterations;
    size_t key_len;
    const uint8_t *iv;
    const uint8_t *data;
    size_t data_len;
} pbes2_t;

/* PBKDF2-params (RFC 8018 §A.2). */
static ltls_err_t read_pbkdf2_params(ltls_reader_t *r, pbes2_t *pb, uint64_t *key_length)
{
    ltls_reader_t params, prf;
    uint64_t iterations;
    ltls_der_oid_t oid;
    TRY_DER(ltls_der_read_sequence(r, &params));
    /* salt CHOICE { specified OCTET STRING, otherSource AlgorithmIdentifier }:
     * RFC 8018 defines no otherSource. */
    TRY_DER(ltls_der_read_octet_string(&params, &pb->salt, &pb->salt_len));
    TRY_DER(ltls_der_read_uint64(&params, &iterations));
    if (iterations < 1 || iterations > LTLS_KEYFILE_MAX_PBKDF2_ITERATIONS)
        return key_format();
    pb->iterations = (uint32_t)iterations;
    *key_length = 0;
    if (ltls_der_next_is(&params, LTLS_DER_INTEGER)) {
        TRY_DER(ltls_der_read_uint64(&params, key_length));
        if (*key_length == 0)
            return key_format();
    }
    /* prf DEFAULT algid-hmacWithSHA1. DER would omit the default, but BER
     * encoders write it out; accepting it costs nothing. Its parameters are
     * NULL, which some encoders omit. */
    pb->prf = &ltls_hash_sha1;
    if (ltls_reader_left(&params)) {
        TRY_DER(ltls_der_read_sequence(&params, &prf));
        TRY_DER(ltls_der_read_oid(&prf, &oid));
        if (ltls_der_next_is(&prf, LTLS_DER_NULL))
            TRY_DER(ltls_der_read_null(&prf));
        TRY_DER(ltls_der_end(&prf));
        if (ltls_der_oid_equal(&oid, &oid_hmac_sha1))
            pb->prf = &ltls_hash_sha1;
        else if (ltls_der_oid_equal(&oid, &oid_hmac_sha256))
            pb->prf = &ltls_hash_sha256;
        else if (ltls_der_oid_equal(&oid, &oid_hmac_sha384))
            pb->prf = &ltls_hash_sha384;
        else if (ltls_der_oid_equal(&oid, &oid_hmac_sha512))
            pb->prf = &ltls_hash_sha512;
        else
            return key_format();
    }
    TRY_DER(ltls_der_end(&params));
    return LTLS_OK;
}

/* EncryptedPrivateKeyInfo with PBES2-params (RFC 8018 §A.4). */
static ltls_err_t parse_encrypted(const uint8_t *der, size_t len, pbes2_t *pb)
{
    ltls_reader_t r, seq, alg, params, kdf, enc;
    ltls_der_oid_t oid;
    uint64_t key_length;
    size_t iv_len;

    memset(pb, 0, sizeof *pb);
    ltls_reader_init(&r, der, len);
    TRY_DER(ltls_der_read_sequence(&r, &seq));
    TRY_DER(ltls_der_end(&r));
    TRY_DER(ltls_der_read_sequence(&seq, &alg));
    TRY_DER(ltls_der_expect_oid(&alg, &oid_pbes2)); /* PBES1 and PKCS#12 PBEs are not supported */
    TRY_DER(ltls_der_read_sequence(&alg, &params));
    TRY_DER(ltls_der_end(&alg));

    TRY_DER(ltls_der_read_sequence(&params, &kdf));
    TRY_DER(ltls_der_expect_oid(&kdf, &oid_pbkdf2)); /* scrypt is not supported */
    TRY(read_pbkdf2_params(&kdf, pb, &key_length));
    TRY_DER(ltls_der_end(&kdf));

    TRY_DER(ltls_der_read_sequence(&params, &enc));
    TRY_DER(ltls_der_read_oid(&enc, &oid));
    if (ltls_der_oid_equal(&oid, &oid_aes128_cbc))
        pb->key_len = 16;
    else if (ltls_der_oid_equal(&oid, &oid_aes192_cbc))
        pb->key_len = 24;
    else if (ltls_der_oid_equal(&oid, &oid_aes256_cbc))
        pb->key_len = 32;
    else
        return key_format();
    TRY_DER(ltls_der_read_octet_string(&enc, &pb->iv, &iv_len)); /* AES-IV, RFC 8018 §B.2.5 */
    if (iv_len != 16)
        return key_format();
    TRY_DER(ltls_der_end(&enc));
    TRY_DER(ltls_der_end(&params));
    if (key_length && key_length != pb->key_len)
        return key_format();

    TRY_DER(ltls_der_read_octet_string(&seq, &pb->data, &pb->data_len));
    TRY_DER(ltls_der_end(&seq));
    if (pb->data_len == 0 || pb->data_len % 16 != 0)
        return key_format();
    return LTLS_OK;
}

/* The length of the PKCS#7 padding (RFC 8018 §6.1.1 step 4) ending buf, or
 * 0 if it is invalid. Reads the last 16 octets whatever the pad length, and
 * decides with masks, so that timing does not tell a wrong password's
 * padding from a right one's. len >= 16. */
static size_t pkcs7_pad_len(const uint8_t *buf, size_t len)
{
    uint32_t pad = buf[len - 1];
    uint32_t bad = ((pad - 1u) >> 31) | ((16u - pad) >> 31); /* pad == 0 or pad > 16 */
    for (uint32_t i = 1; i <= 16; i++) {
        uint32_t in_pad = ((pad - i) >> 31) - 1u; /* all ones while i <= pad */
        bad |= in_pad & (uint32_t)(buf[len - i] ^ pad);
    }
    /* bad is 0 exactly when the padding is valid. */
    uint32_t ok = ((bad | (0u - bad)) >> 31) ^ 1u;
    return (size_t)(pad & (0u - ok));
}

static ltls_err_t decrypt(const ltls_provider_t *provider, const ltls_allocator_t *alloc,
                          const pbes2_t *pb, const char *password, size_t password_len,
                          ltls_keyfile_t *kf)
{
    uint8_t key[32];
    if (!provider)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if (!provider->pbkdf2 || !provider->aes_cbc_decrypt)
        return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
    kf->plain = ltls_alloc(alloc, pb->data_len);
    if (!kf->plain)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    kf->plain_cap = pb->data_len;

    ltls_err_t err = provider->pbkdf2(provider->impl, pb->prf, (const uint8_t *)password,
                                      password_len, pb->salt, pb->salt_len, pb->iterations, key,
                                      pb->key_len);
    if (!err)
        err = provider->aes_cbc_decrypt(provider->impl, key, pb->key_len, pb->iv, pb->data,
                                        pb->data_len, kf->plain);
    ltls_wipe(key, sizeof key);
    if (err)
        return err;

    size_t pad = pkcs7_pad_len(kf->plain, pb->data_len);
    if (pad == 0)
        return ltls_err_make(LTLS_R_BAD_PASSWORD);
    /* Garbage that happens to end in valid padding fails here instead. */
    err = parse_pkcs8(kf->plain, pb->data_len - pad, &kf->info);
    if (ltls_err_reason(err) == LTLS_R_KEY_FORMAT)
        return ltls_err_make(LTLS_R_BAD_PASSWORD);
    return err;
}

/* ---------------------------------------------------------------------------
 * Framing and dispatch
 * ------------------------------------------------------------------------- */

typedef enum { KIND_PKCS8, KIND_ENCRYPTED, KIND_SEC1, KIND_PKCS1 } kind_t;

/* 1 if data is exactly one DER SEQUENCE, i.e. DER rather than PEM text
 * (PEM text cannot be: its first line would have to be a valid DER header
 * whose length matches the buffer exactly). */
static int is_der(const uint8_t *data, size_t len)
{
    ltls_reader_t r, seq;
    ltls_reader_init(&r, data, len);
    return ltls_der_read_sequence(&r, &seq) == LTLS_OK && ltls_reader_left(&r) == 0;
}

/* The kind of a DER key from the tags of its first two elements. */
static ltls_err_t der_kind(const uint8_t *der, size_t len, kind_t *kind)
{
    ltls_reader_t r, seq;
    const uint8_t *p;
    size_t n;
    uint32_t tag;
    ltls_reader_init(&r, der, len);
    TRY_DER(ltls_der_read_sequence(&r, &seq));
    if (ltls_der_next_is(&seq, LTLS_DER_SEQUENCE)) {
        *kind = KIND_ENCRYPTED; /* encryptionAlgorithm first */
        return LTLS_OK;
    }
    TRY_DER(ltls_der_read_integer(&seq, &p, &n)); /* version */
    TRY_DER(ltls_der_peek_tag(&seq, &tag));
    if (tag == LTLS_DER_SEQUENCE)
        *kind = KIND_PKCS8; /* privateKeyAlgorithm */
    else if (tag == LTLS_DER_OCTET_STRING)
        *kind = KIND_SEC1; /* privateKey */
    else if (tag == LTLS_DER_INTEGER)
        *kind = KIND_PKCS1; /* modulus */
    else
        return key_format();
    return LTLS_OK;
}

static int label_kind(const ltls_pem_block_t *b, kind_t *kind)
{
    if (ltls_pem_label_is(b, "PRIVATE KEY")) /* RFC 7468 §10 */
        *kind = KIND_PKCS8;
    else if (ltls_pem_label_is(b, "ENCRYPTED PRIVATE KEY")) /* RFC 7468 §11 */
        *kind = KIND_ENCRYPTED;
    else if (ltls_pem_label_is(b, "EC PRIVATE KEY")) /* RFC 5915 §4 */
        *kind = KIND_SEC1;
    else if (ltls_pem_label_is(b, "RSA PRIVATE KEY")) /* OpenSSL's PKCS#1 label */
        *kind = KIND_PKCS1;
    else
        return 0;
    return 1;
}

/* Finds the one private-key block of PEM text and decodes it into kf->der. */
static ltls_err_t pem_key(const ltls_allocator_t *alloc, const uint8_t *data, size_t len,
                          ltls_keyfile_t *kf, kind_t *kind)
{
    ltls_pem_iter_t it;
    ltls_pem_block_t b, key;
    int found, have = 0;
    kind_t k;

    ltls_pem_iter_init(&it, data, len);
    for (;;) {
        TRY_DER(ltls_pem_next(&it, &b, &found));
        if (!found)
            break;
        if (!label_kind(&b, &k))
            continue; /* certificates, EC PARAMETERS, ... */
        if (have) /* which one was meant? refuse to guess */
            return key_format();
        have = 1;
        key = b;
        *kind = k;
    }
    if (!have)
        return key_format();
    if (key.headers) {
        /* RFC 1421 headers appear only in OpenSSL's legacy encryption, whose
         * key derivation (one MD5 pass, EVP_BytesToKey) is too weak to
         * support; RFC 7468 §2 allows no headers otherwise. */
        if (ltls_pem_has_header(&key, "Proc-Type", "4,ENCRYPTED"))
            return ltls_err_make(LTLS_R_KEY_LEGACY_ENCRYPTION);
        return key_format();
    }
    kf->der_cap = ltls_pem_decoded_max(&key);
    kf->der = ltls_alloc(alloc, kf->der_cap);
    if (!kf->der)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    TRY_DER(ltls_pem_decode(&key, kf->der, kf->der_cap, &kf->der_len));
    return LTLS_OK;
}

static ltls_err_t parse(const ltls_provider_t *provider, const ltls_allocator_t *alloc,
                        const uint8_t *data, size_t len, const char *password,
                        size_t password_len, ltls_keyfile_t *kf)
{
    const uint8_t *der = data;
    size_t der_len = len;
    kind_t kind = KIND_PKCS8;

    if (is_der(data, len)) {
        TRY(der_kind(data, len, &kind));
    } else {
        TRY(pem_key(alloc, data, len, kf, &kind));
        der = kf->der;
        der_len = kf->der_len;
    }

    switch (kind) {
    case KIND_PKCS8:
        return parse_pkcs8(der, der_len, &kf->info);
    case KIND_SEC1:
        return parse_sec1(der, der_len, NULL, &kf->info);
    case KIND_PKCS1:
        return parse_pkcs1(der, der_len, &kf->info);
    case KIND_ENCRYPTED:
        break;
    }
    pbes2_t pb;
    TRY(parse_encrypted(der, der_len, &pb));
    if (!password)
        return ltls_err_make(LTLS_R_PASSWORD_REQUIRED);
    return decrypt(provider, alloc, &pb, password, password_len, kf);
}

ltls_err_t ltls_keyfile_parse(const ltls_provider_t *provider, const ltls_allocator_t *alloc,
                              const uint8_t *data, size_t len, const char *password,
                              size_t password_len, ltls_keyfile_t *out)
{
    if (!out)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    memset(out, 0, sizeof *out);
    out->alloc = alloc;
    if ((!data && len) || (!password && password_len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    ltls_err_t err = parse(provider, alloc, data, len, password, password_len, out);
    if (err)
        ltls_keyfile_clear(out);
    return err;
}

void ltls_keyfile_clear(ltls_keyfile_t *kf)
{
    if (!kf)
        return;
    ltls_free(kf->alloc, kf->der, kf->der_cap);
    ltls_free(kf->alloc, kf->plain, kf->plain_cap);
    ltls_wipe(kf, sizeof *kf);
}

/* ---------------------------------------------------------------------------
 * ltls_key_t
 * ------------------------------------------------------------------------- */

/* A key is only useful if the provider can sign with it. */
static int provider_can_sign(const ltls_provider_t *p, const ltls_privkey_info_t *info)
{
    if (!p->sigschemes)
        return 0;
    for (size_t i = 0; p->sigschemes[i]; i++) {
        const ltls_sigscheme_t *s = p->sigschemes[i];
        if (s->key_type == info->type && (info->type != LTLS_KEY_EC || s->curve == info->curve))
            return 1;
    }
    return 0;
}

ltls_err_t ltls_keyfile_load(const ltls_provider_t *provider, const ltls_allocator_t *alloc,
                             const uint8_t *data, size_t len, const char *password,
                             size_t password_len, ltls_key_t **out)
{
    if (!out)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    *out = NULL;
    if (!provider || !provider->privkey_new || !provider->privkey_free)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);

    ltls_keyfile_t kf;
    ltls_privkey_t *handle = NULL;
    ltls_err_t err = ltls_keyfile_parse(provider, alloc, data, len, password, password_len, &kf);
    if (err)
        return err;
    ltls_key_type_t type = kf.info.type;
    uint16_t curve = kf.info.curve;
    if (!provider_can_sign(provider, &kf.info))
        err = ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
    else
        err = provider->privkey_new(provider->impl, &kf.info, &handle);
    ltls_keyfile_clear(&kf);
    if (err)
        return err;

    ltls_key_t *key = ltls_alloc(alloc, sizeof *key);
    if (!key) {
        provider->privkey_free(handle);
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    }
    key->provider = provider;
    key->alloc = alloc;
    key->handle = handle;
    key->type = type;
    key->curve = curve;
    *out = key;
    return LTLS_OK;
}

ltls_err_t ltls_key_load(const ltls_provider_t *provider, const uint8_t *data, size_t len,
                         const char *password, size_t password_len, ltls_key_t **out)
{
    return ltls_keyfile_load(provider, NULL, data, len, password, password_len, out);
}

void ltls_key_free(ltls_key_t *key)
{
    if (!key)
        return;
    key->provider->privkey_free(key->handle);
    ltls_free(key->alloc, key, sizeof *key);
}

ltls_key_type_t ltls_key_type(const ltls_key_t *key) { return key ? key->type : LTLS_KEY_NONE; }

uint16_t ltls_key_curve(const ltls_key_t *key)
{
    return key && key->type == LTLS_KEY_EC ? key->curve : 0;
}

ltls_privkey_t *ltls_key_handle(const ltls_key_t *key) { return key ? key->handle : NULL; }

const ltls_provider_t *ltls_key_provider(const ltls_key_t *key)
{
    return key ? key->provider : NULL;
}

/* ---------------------------------------------------------------------------
 * Generated keys: the same ltls_key_t around a handle the provider made
 * ------------------------------------------------------------------------- */

ltls_err_t ltls_key_generate(const ltls_provider_t *provider, ltls_key_type_t type, uint16_t curve,
                             unsigned rsa_bits, ltls_key_t **out)
{
    if (!out)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    *out = NULL;
    if (!provider || !provider->privkey_free)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if (!provider->privkey_generate)
        return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
    ltls_privkey_info_t want;
    memset(&want, 0, sizeof want);
    want.type = type;
    want.curve = type == LTLS_KEY_EC ? curve : 0;
    if (!provider_can_sign(provider, &want))
        return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);

    ltls_privkey_t *handle = NULL;
    ltls_err_t err = provider->privkey_generate(provider->impl, type, curve, rsa_bits, &handle);
    if (err)
        return err;
    ltls_key_t *key = ltls_alloc(NULL, sizeof *key);
    if (!key) {
        provider->privkey_free(handle);
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    }
    key->provider = provider;
    key->alloc = NULL;
    key->handle = handle;
    key->type = type;
    key->curve = want.curve;
    *out = key;
    return LTLS_OK;
}

ltls_err_t ltls_key_public_info(const ltls_key_t *key, ltls_pubkey_info_t *info, uint8_t *buf,
                                size_t cap)
{
    if (!key || !info)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if (!key->provider->privkey_public_info)
        return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
    return key->provider->privkey_public_info(key->handle, info, buf, cap);
}
