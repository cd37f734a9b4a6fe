/*
 * tests/unit/test_keyfile.c - PEM (RFC 7468), base64, and private-key files.
 *
 * The keys in tests/data/keys were made by the openssl CLI (see README.md
 * there); expected.h holds the public values openssl printed for them, so a
 * parse is checked against an independent implementation. With the OpenSSL
 * provider built in, keys are also loaded into it and used: a signature made
 * with the loaded key verifies under the public key openssl printed.
 */
#include <stdarg.h>
#include <stdio.h>

#include "test.h"
#include "test_provider.h"

#include "core/mem.h"
#include "crypto/keyfile/keyfile.h"
#include "crypto/keyfile/pem.h"
#include "lucidtls/lucidtls.h"
#include "ltls_config.h"

#include "../data/keys/expected.h"

#define KEYDIR "../data/keys/" /* tests run in tests/unit (Meson workdir) */

/* ---- helpers ---------------------------------------------------------------- */

typedef struct {
    uint8_t *p;
    size_t n;
} blob_t;

static blob_t load(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, KEYDIR "%s", name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        abort();
    }
    blob_t b = {malloc(65536), 0};
    b.n = fread(b.p, 1, 65536, f);
    fclose(f);
    return b;
}

static blob_t blob_of(const char *s)
{
    blob_t b = {malloc(strlen(s) + 1), strlen(s)};
    memcpy(b.p, s, b.n + 1);
    return b;
}

/* p[0..n) equals the hex string. */
#define CHECK_HEX(p, n, hex)                                    \
    do {                                                        \
        uint8_t want_[1100];                                    \
        size_t wn_ = test_unhex((hex), want_, sizeof want_);    \
        CHECK((p) != NULL);                                     \
        CHECK((n) == wn_);                                      \
        CHECK_MEM((p), want_, wn_);                             \
    } while (0)

/* A scratch arena for building DER in hex: tlv() and cat() return strings
 * that live until the end of the program. */
static char arena[1 << 17];
static size_t arena_used;

static char *arena_take(size_t n)
{
    if (arena_used + n > sizeof arena)
        abort();
    char *p = arena + arena_used;
    arena_used += n;
    return p;
}

static const char *cat(const char *first, ...)
{
    va_list ap;
    size_t n = 0;
    va_start(ap, first);
    for (const char *s = first; s; s = va_arg(ap, const char *))
        n += strlen(s);
    va_end(ap);
    char *out = arena_take(n + 1), *w = out;
    va_start(ap, first);
    for (const char *s = first; s; s = va_arg(ap, const char *)) {
        memcpy(w, s, strlen(s));
        w += strlen(s);
    }
    va_end(ap);
    *w = 0;
    return out;
}
#define CAT(...) cat(__VA_ARGS__, (const char *)NULL)

/* The DER element with identifier octet `tag` (hex) around body (hex). */
static const char *tlv(const char *tag, const char *body)
{
    size_t n = strlen(body) / 2;
    char len[40];
    if (n < 128)
        snprintf(len, sizeof len, "%02zx", n);
    else if (n < 256)
        snprintf(len, sizeof len, "81%02zx", n);
    else
        snprintf(len, sizeof len, "82%04zx", n);
    return CAT(tag, len, body);
}

static const char *hex_repeat(const char *byte, size_t n)
{
    char *out = arena_take(2 * n + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(out + 2 * i, byte, 2);
    out[2 * n] = 0;
    return out;
}

static uint8_t der_buf[8192];

/* Parses hex DER without a provider or password. */
static ltls_err_t parse_hex(const char *hex, ltls_keyfile_t *kf)
{
    size_t n = test_unhex(hex, der_buf, sizeof der_buf);
    return ltls_keyfile_parse(NULL, NULL, der_buf, n, NULL, 0, kf);
}

static ltls_err_t parse_hex_reason(const char *hex)
{
    ltls_keyfile_t kf;
    ltls_err_t err = parse_hex(hex, &kf);
    ltls_keyfile_clear(&kf);
    return ltls_err_reason(err);
}

static ltls_err_t parse_blob(const blob_t *b, const char *password, ltls_keyfile_t *kf)
{
    return ltls_keyfile_parse(NULL, NULL, b->p, b->n, password, password ? strlen(password) : 0,
                              kf);
}

/* ---- the expected key of each file ------------------------------------------ */

typedef struct {
    const char *file;
    ltls_key_type_t type;
    uint16_t curve;
} key_case_t;

static const key_case_t plain_keys[] = {
    {"rsa2048.pem", LTLS_KEY_RSA, 0},
    {"rsa2048.der", LTLS_KEY_RSA, 0},
    {"rsa2048.pkcs1.pem", LTLS_KEY_RSA, 0},
    {"rsa2048.pkcs1.der", LTLS_KEY_RSA, 0},
    {"p256.pem", LTLS_KEY_EC, 0x0017},
    {"p256.der", LTLS_KEY_EC, 0x0017},
    {"p256.sec1.pem", LTLS_KEY_EC, 0x0017},
    {"p256.sec1.der", LTLS_KEY_EC, 0x0017},
    {"p256-with-params.pem", LTLS_KEY_EC, 0x0017},
    {"p384.pem", LTLS_KEY_EC, 0x0018},
    {"p384.der", LTLS_KEY_EC, 0x0018},
    {"p384.sec1.pem", LTLS_KEY_EC, 0x0018},
    {"p384.sec1.der", LTLS_KEY_EC, 0x0018},
    {"p521.pem", LTLS_KEY_EC, 0x0019},
    {"p521.der", LTLS_KEY_EC, 0x0019},
    {"p521.sec1.pem", LTLS_KEY_EC, 0x0019},
    {"p521.sec1.der", LTLS_KEY_EC, 0x0019},
    {"ed25519.pem", LTLS_KEY_ED25519, 0},
    {"ed25519.der", LTLS_KEY_ED25519, 0},
    {"ed25519-cert-and-key.pem", LTLS_KEY_ED25519, 0},
    {"ed448.pem", LTLS_KEY_ED448, 0},
    {"ed448.der", LTLS_KEY_ED448, 0},
};

static const key_case_t encrypted_keys[] = {
    {"rsa2048.enc-aes256-sha256.pem", LTLS_KEY_RSA, 0},
    {"rsa2048.enc-aes128-sha1.pem", LTLS_KEY_RSA, 0},
    {"p256.enc-aes256-sha256.pem", LTLS_KEY_EC, 0x0017},
    {"p256.enc-aes128-sha1.pem", LTLS_KEY_EC, 0x0017},
    {"p256.enc-aes192-sha512.pem", LTLS_KEY_EC, 0x0017},
    {"p256.enc-aes256-sha384.der", LTLS_KEY_EC, 0x0017},
    {"p384.enc-aes256-sha256.pem", LTLS_KEY_EC, 0x0018},
    {"p384.enc-aes128-sha1.pem", LTLS_KEY_EC, 0x0018},
    {"p521.enc-aes256-sha256.pem", LTLS_KEY_EC, 0x0019},
    {"p521.enc-aes128-sha1.pem", LTLS_KEY_EC, 0x0019},
    {"ed25519.enc-aes256-sha256.pem", LTLS_KEY_ED25519, 0},
    {"ed25519.enc-aes128-sha1.pem", LTLS_KEY_ED25519, 0},
    {"ed448.enc-aes256-sha256.pem", LTLS_KEY_ED448, 0},
    {"ed448.enc-aes128-sha1.pem", LTLS_KEY_ED448, 0},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *ec_point_hex(uint16_t curve)
{
    return curve == 0x0017 ? P256_POINT : curve == 0x0018 ? P384_POINT : P521_POINT;
}

/* Fails the calling test unless info is the key the case describes, with
 * the values openssl printed. */
#define CHECK_INFO(info, kc)                                                        \
    do {                                                                            \
        CHECK((info).type == (kc)->type);                                           \
        CHECK((info).curve == (kc)->curve);                                         \
        switch ((kc)->type) {                                                       \
        case LTLS_KEY_RSA:                                                          \
            CHECK_HEX((info).n, (info).n_size, RSA2048_N);                          \
            CHECK_HEX((info).e, (info).e_size, RSA2048_E);                          \
            CHECK((info).d && (info).d_size > 200 && (info).d_size <= 256);         \
            CHECK((info).p && (info).p_size == 128 && (info).q_size == 128);        \
            CHECK((info).dp && (info).dq && (info).qinv);                           \
            CHECK((info).dp_size <= 128 && (info).dq_size <= 128);                  \
            CHECK((info).qinv_size <= 128 && (info).priv == NULL);                  \
            break;                                                                  \
        case LTLS_KEY_EC:                                                           \
            CHECK((info).priv_size == ((kc)->curve == 0x0017   ? 32u                \
                                       : (kc)->curve == 0x0018 ? 48u                \
                                                               : 66u));             \
            /* openssl writes the public point into every EC key file */            \
            CHECK_HEX((info).point, (info).point_size, ec_point_hex((kc)->curve));  \
            break;                                                                  \
        case LTLS_KEY_ED25519:                                                      \
            CHECK_HEX((info).priv, (info).priv_size, ED25519_SEED);                 \
            CHECK((info).point == NULL); /* v1: no public key in the file */        \
            break;                                                                  \
        default:                                                                    \
            CHECK_HEX((info).priv, (info).priv_size, ED448_SEED);                   \
            CHECK((info).point == NULL);                                            \
            break;                                                                  \
        }                                                                           \
    } while (0)

/* ---- base64 ------------------------------------------------------------------ */

static ltls_err_t b64(const char *s, uint8_t *out, size_t cap, size_t *n)
{
    return ltls_base64_decode((const uint8_t *)s, strlen(s), out, cap, n);
}

TEST(base64_rfc4648_vectors)
{
    /* RFC 4648 §10 */
    static const char *const in[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
                                     "Zm9vYmFy"};
    static const char *const out[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    uint8_t buf[16];
    size_t n;
    for (size_t i = 0; i < COUNT(in); i++) {
        CHECK_OK(b64(in[i], buf, sizeof buf, &n));
        CHECK(n == strlen(out[i]));
        CHECK_MEM(buf, out[i], n);
    }
}

TEST(base64_whitespace)
{
    uint8_t buf[16];
    size_t n;
    CHECK_OK(b64("Zm9v\r\nYmFy\r\n", buf, sizeof buf, &n));
    CHECK(n == 6 && memcmp(buf, "foobar", 6) == 0);
    CHECK_OK(b64("  Zm 9v\tYm\vFy \f\n", buf, sizeof buf, &n));
    CHECK(n == 6);
    CHECK_OK(b64("Zm8\n=", buf, sizeof buf, &n));
    CHECK(n == 2);
    CHECK_OK(b64("Zg=\n=\n", buf, sizeof buf, &n));
    CHECK(n == 1);
    CHECK_OK(b64(" \r\n ", buf, sizeof buf, &n));
    CHECK(n == 0);
}

TEST(base64_rejections)
{
    static const char *const bad[] = {
        "Zg",        /* padding missing */
        "Zm8",
        "Zg=",       /* padding short */
        "Zg===",     /* padding long */
        "Zm9v====",
        "Z===",
        "Z",         /* one sextet cannot make an octet */
        "Zh==",      /* non-zero bits after the last octet */
        "Zm9=",
        "Zg==Zg==",  /* data after padding */
        "Zg==Z",
        "=Zg=",
        "Zm-9v",     /* outside the alphabet (base64url) */
        "Zm_9",
        "Zm9v.",
        "Zm9v\x80",
        "Zm\x009v",
    };
    uint8_t buf[16];
    size_t n;
    for (size_t i = 0; i < COUNT(bad); i++) {
        size_t len = i == COUNT(bad) - 1 ? 5 : strlen(bad[i]);
        CHECK_ERR(ltls_base64_decode((const uint8_t *)bad[i], len, buf, sizeof buf, &n),
                  LTLS_R_PEM_INVALID);
    }
    /* Every octet that is neither alphabet, '=' nor whitespace is refused. */
    for (unsigned c = 0; c < 256; c++) {
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '+' || c == '/' || c == '=' || c == ' ' || c == '\t' || c == '\r' ||
                 c == '\n' || c == 0x0b || c == 0x0c;
        uint8_t in[5] = {'Q', 'U', 'J', 'D', (uint8_t)c};
        ltls_err_t err = ltls_base64_decode(in, 5, buf, sizeof buf, &n);
        if (c == '=')
            CHECK_ERR(err, LTLS_R_PEM_INVALID); /* padding after a full quantum */
        else if (ok && !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                         (c >= '0' && c <= '9') || c == '+' || c == '/'))
            CHECK_OK(err);
        else if (!ok)
            CHECK_ERR(err, LTLS_R_PEM_INVALID);
    }
}

/* A plain table-driven encoder, only to produce test input. */
static size_t enc64(const uint8_t *in, size_t n, char *out)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = a[v >> 18];
        out[o++] = a[(v >> 12) & 63];
        out[o++] = i + 1 < n ? a[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? a[v & 63] : '=';
    }
    out[o] = 0;
    return o;
}

TEST(base64_round_trip_and_capacity)
{
    uint8_t in[300], out[300];
    char text[401];
    size_t n;
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)(i * 7 + 3);
    for (size_t len = 0; len <= sizeof in; len++) {
        size_t t = enc64(in, len, text);
        CHECK_OK(ltls_base64_decode((const uint8_t *)text, t, out, sizeof out, &n));
        CHECK(n == len);
        CHECK_MEM(out, in, len);
    }
    /* All 64 characters in every position of a quantum. */
    for (unsigned v = 0; v < 256; v++) {
        uint8_t three[3] = {(uint8_t)v, (uint8_t)(255 - v), (uint8_t)(v * 13)};
        size_t t = enc64(three, 3, text);
        CHECK_OK(ltls_base64_decode((const uint8_t *)text, t, out, 3, &n));
        CHECK(n == 3);
        CHECK_MEM(out, three, 3);
    }
    CHECK_ERR(b64("Zm9vYmFy", out, 5, &n), LTLS_R_BUFFER_TOO_SMALL);
    CHECK_ERR(b64("Zm9vYg==", out, 3, &n), LTLS_R_BUFFER_TOO_SMALL);
    CHECK_OK(b64("Zm9vYg==", out, 4, &n));
}

/* ---- PEM blocks ----------------------------------------------------------- */

TEST(pem_iterates_blocks)
{
    const char *text = "explanatory text\n"
                       "-----BEGIN CERTIFICATE-----\r\n"
                       "Zm9v\r\n"
                       "-----END CERTIFICATE-----\r\n"
                       "between\n"
                       "  -----BEGIN X509 CRL-----  \n"
                       "Zm9vYmFy\n"
                       "YQ==\n"
                       "-----END X509 CRL-----\t\n"
                       "-----BEGIN -----\n" /* the empty label is allowed */
                       "-----END -----"     /* no final newline */
                       "";
    ltls_pem_iter_t it;
    ltls_pem_block_t b;
    int found;
    uint8_t out[32];
    size_t n;
    ltls_pem_iter_init(&it, (const uint8_t *)text, strlen(text));

    CHECK_OK(ltls_pem_next(&it, &b, &found));
    CHECK(found && ltls_pem_label_is(&b, "CERTIFICATE") && !ltls_pem_label_is(&b, "CERT"));
    CHECK(b.headers == NULL);
    CHECK(ltls_pem_decoded_max(&b) >= 3);
    CHECK_OK(ltls_pem_decode(&b, out, sizeof out, &n));
    CHECK(n == 3 && memcmp(out, "foo", 3) == 0);

    CHECK_OK(ltls_pem_next(&it, &b, &found));
    CHECK(found && ltls_pem_label_is(&b, "X509 CRL"));
    CHECK_OK(ltls_pem_decode(&b, out, sizeof out, &n));
    CHECK(n == 7 && memcmp(out, "foobara", 7) == 0);

    CHECK_OK(ltls_pem_next(&it, &b, &found));
    CHECK(found && b.label_len == 0 && b.text_len == 0);
    CHECK_OK(ltls_pem_decode(&b, out, sizeof out, &n));
    CHECK(n == 0);

    CHECK_OK(ltls_pem_next(&it, &b, &found));
    CHECK(!found);
    CHECK_OK(ltls_pem_next(&it, &b, &found));
    CHECK(!found);

    ltls_pem_iter_init(&it, NULL, 0);
    CHECK_OK(ltls_pem_next(&it, &b, &found));
    CHECK(!found);
}

TEST(pem_headers)
{
    const char *text = "-----BEGIN EC PRIVATE KEY-----\n"
                       "Proc-Type: 4,ENCRYPTED\n"
                       "DEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n"
                       "\n"
                       "Zm9v\n"
                       "-----END EC PRIVATE KEY-----\n";
    ltls_pem_iter_t it;
    ltls_pem_block_t b;
    int found;
    uint8_t out[8];
    size_t n;
    ltls_pem_iter_init(&it, (const uint8_t *)text, strlen(text));
    CHECK_OK(ltls_pem_next(&it, &b, &found));
    CHECK(found && b.headers != NULL && b.headers_len > 0);
    CHECK(ltls_pem_has_header(&b, "Proc-Type", "4,ENCRYPTED"));
    CHECK(ltls_pem_has_header(&b, "DEK-Info", "AES-128-CBC"));
    CHECK(!ltls_pem_has_header(&b, "Proc-Type", "4,MIC"));
    CHECK(!ltls_pem_has_header(&b, "Proc", "4"));
    CHECK_OK(ltls_pem_decode(&b, out, sizeof out, &n));
    CHECK(n == 3);

    /* ':' is a label character: an empty block's END line is no header. */
    const char *colon = "-----BEGIN A:B-----\n-----END A:B-----\n";
    ltls_pem_iter_init(&it, (const uint8_t *)colon, strlen(colon));
    CHECK_OK(ltls_pem_next(&it, &b, &found));
    CHECK(found && ltls_pem_label_is(&b, "A:B") && b.headers == NULL && b.text_len == 0);

    /* Headers without the blank line that ends them. */
    const char *bad = "-----BEGIN X-----\nA: b\nZm9v\n-----END X-----\n";
    ltls_pem_iter_init(&it, (const uint8_t *)bad, strlen(bad));
    CHECK_ERR(ltls_pem_next(&it, &b, &found), LTLS_R_PEM_INVALID);
}

TEST(pem_rejections)
{
    static const char *const bad[] = {
        "-----BEGIN X-----\nZm9v\n",                        /* no END */
        "-----BEGIN X-----\nZm9v\n-----END Y-----\n",       /* label mismatch */
        "-----BEGIN X-----\nZm9v\n-----END X----\n",        /* short dashes */
        "-----BEGIN X-----\nZm9v\n-----END X-----x\n",      /* text after END */
        "-----BEGIN X----\nZm9v\n-----END X----\n",         /* malformed BEGIN */
        "-----BEGIN X----- tail\nZm9v\n-----END X-----\n",
        "-----BEGIN  X-----\nZm9v\n-----END  X-----\n",     /* label starts with a space */
        "-----BEGIN X -----\n-----END X -----\n",           /* ... ends with a space */
        "-----BEGIN A  B-----\n-----END A  B-----\n",       /* two spaces */
        "-----BEGIN A--B-----\n-----END A--B-----\n",       /* two hyphens */
        "-----BEGIN -A-----\n-----END -A-----\n",
        "-----BEGIN A\x01-----\n-----END A\x01-----\n",     /* control character */
        "-----BEGIN X-----\n-----BEGIN Y-----\n-----END Y-----\n-----END X-----\n",
        "-----BEGIN X-----\n-----\n-----END X-----\n",
    };
    for (size_t i = 0; i < COUNT(bad); i++) {
        ltls_pem_iter_t it;
        ltls_pem_block_t b;
        int found = 7;
        ltls_pem_iter_init(&it, (const uint8_t *)bad[i], strlen(bad[i]));
        CHECK_ERR(ltls_pem_next(&it, &b, &found), LTLS_R_PEM_INVALID);
        CHECK(found == 0);
        /* The iterator stays on the bad block. */
        CHECK_ERR(ltls_pem_next(&it, &b, &found), LTLS_R_PEM_INVALID);
    }
    /* A well-formed block whose body is not base64 fails at decode time. */
    const char *text = "-----BEGIN X-----\nZm9v!\n-----END X-----\n";
    ltls_pem_iter_t it;
    ltls_pem_block_t b;
    int found;
    uint8_t out[8];
    size_t n;
    ltls_pem_iter_init(&it, (const uint8_t *)text, strlen(text));
    CHECK_OK(ltls_pem_next(&it, &b, &found));
    CHECK(found);
    CHECK_ERR(ltls_pem_decode(&b, out, sizeof out, &n), LTLS_R_PEM_INVALID);
}

/* ---- key files: parsing --------------------------------------------------- */

TEST(parses_every_plain_key_file)
{
    for (size_t i = 0; i < COUNT(plain_keys); i++) {
        const key_case_t *kc = &plain_keys[i];
        blob_t b = load(kc->file);
        ltls_keyfile_t kf;
        ltls_err_t err = parse_blob(&b, NULL, &kf);
        if (err)
            printf("# %s\n", kc->file);
        CHECK_OK(err);
        CHECK_INFO(kf.info, kc);
        /* A password given for a plain key is ignored. */
        ltls_keyfile_clear(&kf);
        CHECK_OK(parse_blob(&b, "unused", &kf));
        CHECK(kf.info.type == kc->type);
        ltls_keyfile_clear(&kf);
        CHECK(kf.der == NULL && kf.info.priv == NULL);
        ltls_keyfile_clear(&kf); /* twice is harmless */
        free(b.p);
    }
}

TEST(encrypted_without_password)
{
    for (size_t i = 0; i < COUNT(encrypted_keys); i++) {
        blob_t b = load(encrypted_keys[i].file);
        ltls_keyfile_t kf;
        CHECK_ERR(parse_blob(&b, NULL, &kf), LTLS_R_PASSWORD_REQUIRED);
        CHECK(kf.der == NULL && kf.plain == NULL);
        /* A password but no provider to decrypt with. */
        CHECK_ERR(parse_blob(&b, "lucidtls", &kf), LTLS_R_NULL_ARGUMENT);
        free(b.p);
    }
}

TEST(legacy_pem_encryption_rejected)
{
    blob_t b = load("p256.legacy-enc.pem");
    ltls_keyfile_t kf;
    CHECK_ERR(parse_blob(&b, NULL, &kf), LTLS_R_KEY_LEGACY_ENCRYPTION);
    CHECK_ERR(parse_blob(&b, "lucidtls", &kf), LTLS_R_KEY_LEGACY_ENCRYPTION);
    free(b.p);
    /* Other RFC 1421 headers on a key are not allowed either. */
    b = blob_of("-----BEGIN PRIVATE KEY-----\nComment: hi\n\nZm9v\n-----END PRIVATE KEY-----\n");
    CHECK_ERR(parse_blob(&b, NULL, &kf), LTLS_R_KEY_FORMAT);
    free(b.p);
}

TEST(explicit_curve_rejected)
{
    const char *files[] = {"p256-explicit.pem", "p256-explicit.sec1.pem"};
    for (size_t i = 0; i < COUNT(files); i++) {
        blob_t b = load(files[i]);
        ltls_keyfile_t kf;
        CHECK_ERR(parse_blob(&b, NULL, &kf), LTLS_R_KEY_FORMAT);
        free(b.p);
    }
}

TEST(several_keys_rejected)
{
    blob_t b = load("two-keys.pem");
    ltls_keyfile_t kf;
    CHECK_ERR(parse_blob(&b, NULL, &kf), LTLS_R_KEY_FORMAT);
    free(b.p);
    /* A certificate alone is not a key. */
    b = load("ed25519.crt");
    CHECK_ERR(parse_blob(&b, NULL, &kf), LTLS_R_KEY_FORMAT);
    free(b.p);
    b = blob_of("");
    CHECK_ERR(parse_blob(&b, NULL, &kf), LTLS_R_KEY_FORMAT);
    free(b.p);
    CHECK_ERR(ltls_keyfile_parse(NULL, NULL, NULL, 0, NULL, 0, &kf), LTLS_R_KEY_FORMAT);
    CHECK_ERR(ltls_keyfile_parse(NULL, NULL, NULL, 1, NULL, 0, &kf), LTLS_R_NULL_ARGUMENT);
    CHECK_ERR(ltls_keyfile_parse(NULL, NULL, der_buf, 1, NULL, 1, &kf), LTLS_R_NULL_ARGUMENT);
    CHECK_ERR(ltls_keyfile_parse(NULL, NULL, der_buf, 1, NULL, 0, NULL), LTLS_R_NULL_ARGUMENT);
}

/* Where the key's END line finishes: any shorter prefix is incomplete. */
static size_t complete_at(const blob_t *b)
{
    size_t at = 0;
    for (size_t i = 0; i + 5 <= b->n; i++)
        if (memcmp(b->p + i, "-----", 5) == 0)
            at = i + 5;
    return at ? at : b->n;
}

TEST(truncated_files_rejected)
{
    const key_case_t *sets[] = {plain_keys, encrypted_keys};
    size_t counts[] = {COUNT(plain_keys), COUNT(encrypted_keys)};
    for (size_t s = 0; s < 2; s++)
        for (size_t i = 0; i < counts[s]; i++) {
            blob_t b = load(sets[s][i].file);
            size_t end = complete_at(&b);
            for (size_t cut = 0; cut < end; cut++) {
                ltls_keyfile_t kf;
                ltls_err_t err = ltls_keyfile_parse(NULL, NULL, b.p, cut, NULL, 0, &kf);
                if (ltls_err_reason(err) != LTLS_R_KEY_FORMAT)
                    printf("# %s cut at %zu\n", sets[s][i].file, cut);
                CHECK_ERR(err, LTLS_R_KEY_FORMAT);
            }
            free(b.p);
        }
}

TEST(bit_flips_never_crash)
{
    static const char *const files[] = {"p256.der", "p384.sec1.der", "ed25519.der",
                                        "ed448.der", "rsa2048.pkcs1.der",
                                        "p256.enc-aes256-sha384.der"};
    for (size_t f = 0; f < COUNT(files); f++) {
        blob_t b = load(files[f]);
        size_t accepted = 0;
        for (size_t i = 0; i < b.n; i++)
            for (unsigned bit = 0; bit < 8; bit++) {
                b.p[i] ^= (uint8_t)(1u << bit);
                ltls_keyfile_t kf;
                ltls_err_t err = ltls_keyfile_parse(NULL, NULL, b.p, b.n, NULL, 0, &kf);
                ltls_reason_t r = ltls_err_reason(err);
                CHECK(r == LTLS_R_NONE || r == LTLS_R_KEY_FORMAT ||
                      r == LTLS_R_PASSWORD_REQUIRED);
                if (!err)
                    CHECK(kf.info.type != LTLS_KEY_NONE);
                if (r == LTLS_R_NONE || r == LTLS_R_PASSWORD_REQUIRED)
                    accepted++; /* got through the structure checks */
                ltls_keyfile_clear(&kf);
                b.p[i] ^= (uint8_t)(1u << bit);
            }
        /* Flips inside key material still parse; flips in the structure must
         * not. Some of each happen. */
        CHECK(accepted > 0 && accepted < b.n * 8);
        free(b.p);
    }
}

/* Applies edit() to the text of a PEM key and returns the parse reason. */
static ltls_reason_t parse_text(const char *text)
{
    blob_t b = blob_of(text);
    ltls_keyfile_t kf;
    ltls_err_t err = parse_blob(&b, NULL, &kf);
    ltls_keyfile_clear(&kf);
    free(b.p);
    return ltls_err_reason(err);
}

static char *replace(const blob_t *b, const char *from, const char *to)
{
    char *s = arena_take(b->n + 4096);
    memcpy(s, b->p, b->n);
    s[b->n] = 0;
    char *at = strstr(s, from);
    if (!at)
        abort();
    char tail[4096];
    snprintf(tail, sizeof tail, "%s", at + strlen(from));
    snprintf(at, 4096, "%s%s", to, tail);
    return s;
}

TEST(garbled_pem_rejected)
{
    blob_t b = load("p384.pem"); /* 185 octets: the base64 ends in one '=' */
    b.p[b.n] = 0;
    const char *text = (const char *)b.p;
    CHECK(strstr(text, "=\n-----END") != NULL);
    CHECK(parse_text(text) == LTLS_R_NONE);

    CHECK(parse_text(replace(&b, "=\n-----END", "\n-----END")) == LTLS_R_KEY_FORMAT);
    CHECK(parse_text(replace(&b, "=\n-----END", "==\n-----END")) == LTLS_R_KEY_FORMAT);
    CHECK(parse_text(replace(&b, "\n-----END PRIVATE KEY-----", "\n-----END EC PRIVATE KEY-----")) ==
          LTLS_R_KEY_FORMAT);
    CHECK(parse_text(replace(&b, "-----END PRIVATE KEY-----", "")) == LTLS_R_KEY_FORMAT);
    CHECK(parse_text(replace(&b, "MIG", "MI*")) == LTLS_R_KEY_FORMAT);
    /* The same DER under another label is refused, not guessed. */
    CHECK(parse_text(replace(&b, "BEGIN PRIVATE KEY", "BEGIN EC PRIVATE KEY")) ==
          LTLS_R_KEY_FORMAT);

    /* Lax whitespace (RFC 7468 §3): CRLF, trailing spaces, one line. */
    char crlf[8192], *w = crlf;
    for (size_t i = 0; i < b.n; i++) {
        if (b.p[i] == '\n') {
            memcpy(w, "  \r\n", 4);
            w += 4;
        } else {
            *w++ = (char)b.p[i];
        }
    }
    *w = 0;
    CHECK(parse_text(crlf) == LTLS_R_NONE);
    char joined[8192], *j = joined;
    int in_body = 0;
    for (size_t i = 0; i < b.n; i++) {
        if (b.p[i] == '\n' && in_body && memcmp(b.p + i + 1, "-----", 5) != 0)
            continue; /* join the base64 lines */
        if (b.p[i] == '\n')
            in_body = !in_body;
        *j++ = (char)b.p[i];
    }
    *j = 0;
    CHECK(parse_text(joined) == LTLS_R_NONE);
    CHECK(parse_text(CAT("leading text\n", text, "trailing text\n")) == LTLS_R_NONE);
    free(b.p);
}

/* ---- key files: hand-built structures ------------------------------------- */

#define SEQ(...) tlv("30", CAT(__VA_ARGS__))
#define OCT(x) tlv("04", (x))
#define INT(x) tlv("02", (x))
#define OID(x) tlv("06", (x))
#define NUL "0500"
#define OID_ED25519 "2b6570"
#define OID_ED448 "2b6571"
#define OID_EC "2a8648ce3d0201"
#define OID_P256 "2a8648ce3d030107"
#define OID_P384 "2b81040022"
#define OID_RSA "2a864886f70d010101"

static const char *ed25519_pkcs8(const char *version, const char *alg_extra, const char *tail)
{
    return SEQ(INT(version), SEQ(OID(OID_ED25519), alg_extra), OCT(OCT(ED25519_SEED)), tail);
}

TEST(one_asymmetric_key_v2)
{
    ltls_keyfile_t kf;
    const char *pub = tlv("81", CAT("00", ED25519_PUB));
    CHECK_OK(parse_hex(ed25519_pkcs8("01", "", pub), &kf));
    CHECK(kf.info.type == LTLS_KEY_ED25519);
    CHECK_HEX(kf.info.priv, kf.info.priv_size, ED25519_SEED);
    CHECK_HEX(kf.info.point, kf.info.point_size, ED25519_PUB);
    ltls_keyfile_clear(&kf);

    /* v2 without publicKey is accepted; v1 with it is not (RFC 5958 §2). */
    CHECK(parse_hex_reason(ed25519_pkcs8("01", "", "")) == LTLS_R_NONE);
    CHECK(parse_hex_reason(ed25519_pkcs8("00", "", pub)) == LTLS_R_KEY_FORMAT);
    CHECK(parse_hex_reason(ed25519_pkcs8("02", "", "")) == LTLS_R_KEY_FORMAT);
    /* attributes [0] are skipped, before publicKey */
    const char *attrs = tlv("a0", SEQ(OID("550403"), tlv("31", NUL)));
    CHECK(parse_hex_reason(ed25519_pkcs8("00", "", attrs)) == LTLS_R_NONE);
    CHECK(parse_hex_reason(ed25519_pkcs8("01", "", CAT(attrs, pub))) == LTLS_R_NONE);
    CHECK(parse_hex_reason(ed25519_pkcs8("01", "", CAT(pub, attrs))) == LTLS_R_KEY_FORMAT);
    /* publicKey of the wrong size, or with unused bits */
    CHECK(parse_hex_reason(ed25519_pkcs8("01", "", tlv("81", CAT("00", ED25519_PUB, "00")))) ==
          LTLS_R_KEY_FORMAT);
    CHECK(parse_hex_reason(ed25519_pkcs8("01", "", tlv("81", CAT("01", ED25519_PUB)))) ==
          LTLS_R_KEY_FORMAT);
    /* publicKey as a universal BIT STRING rather than [1] */
    CHECK(parse_hex_reason(ed25519_pkcs8("01", "", tlv("03", CAT("00", ED25519_PUB)))) ==
          LTLS_R_KEY_FORMAT);
    /* trailing element */
    CHECK(parse_hex_reason(ed25519_pkcs8("00", "", NUL)) == LTLS_R_KEY_FORMAT);
}

TEST(eddsa_structure_rules)
{
    /* RFC 8410 §3: parameters absent. */
    CHECK(parse_hex_reason(ed25519_pkcs8("00", NUL, "")) == LTLS_R_KEY_FORMAT);
    /* the seed is wrapped in its own OCTET STRING (CurvePrivateKey) */
    CHECK(parse_hex_reason(SEQ(INT("00"), SEQ(OID(OID_ED25519)), OCT(ED25519_SEED))) ==
          LTLS_R_KEY_FORMAT);
    CHECK(parse_hex_reason(SEQ(INT("00"), SEQ(OID(OID_ED25519)),
                               OCT(OCT(hex_repeat("11", 31))))) == LTLS_R_KEY_FORMAT);
    CHECK(parse_hex_reason(SEQ(INT("00"), SEQ(OID(OID_ED448)), OCT(OCT(ED25519_SEED)))) ==
          LTLS_R_KEY_FORMAT);
    CHECK(parse_hex_reason(SEQ(INT("00"), SEQ(OID(OID_ED448)), OCT(OCT(ED448_SEED)))) ==
          LTLS_R_NONE);
    CHECK(parse_hex_reason(SEQ(INT("00"), SEQ(OID(OID_ED25519)),
                               OCT(CAT(OCT(ED25519_SEED), NUL)))) == LTLS_R_KEY_FORMAT);
    /* X25519 and X448 keys are not signing keys. */
    CHECK(parse_hex_reason(SEQ(INT("00"), SEQ(OID("2b656e")), OCT(OCT(ED25519_SEED)))) ==
          LTLS_R_KEY_FORMAT);
    /* Not DER: a non-minimal version integer. */
    CHECK(parse_hex_reason(SEQ(INT("0000"), SEQ(OID(OID_ED25519)), OCT(OCT(ED25519_SEED)))) ==
          LTLS_R_KEY_FORMAT);
}

static const char *sec1(const char *version, const char *priv, const char *params,
                        const char *point)
{
    return SEQ(INT(version), OCT(priv), params, point);
}

TEST(ec_structure_rules)
{
    const char *d = hex_repeat("42", 32);
    const char *named = tlv("a0", OID(OID_P256));
    const char *point = tlv("a1", tlv("03", CAT("00", P256_POINT)));
    ltls_keyfile_t kf;

    /* A bare SEC1 key with its curve and point, and without the point. */
    CHECK_OK(parse_hex(sec1("01", d, named, point), &kf));
    CHECK(kf.info.curve == 0x0017 && kf.info.priv_size == 32);
    CHECK_HEX(kf.info.point, kf.info.point_size, P256_POINT);
    ltls_keyfile_clear(&kf);
    CHECK_OK(parse_hex(sec1("01", d, named, ""), &kf));
    CHECK(kf.info.point == NULL);
    ltls_keyfile_clear(&kf);

    CHECK(parse_hex_reason(sec1("00", d, named, point)) == LTLS_R_KEY_FORMAT); /* version */
    CHECK(parse_hex_reason(sec1("01", d, "", point)) == LTLS_R_KEY_FORMAT);    /* no curve */
    CHECK(parse_hex_reason(sec1("01", hex_repeat("42", 31), named, "")) == LTLS_R_KEY_FORMAT);
    CHECK(parse_hex_reason(sec1("01", hex_repeat("42", 33), named, "")) == LTLS_R_KEY_FORMAT);
    CHECK(parse_hex_reason(sec1("01", d, tlv("a0", NUL), "")) == LTLS_R_KEY_FORMAT); /* implicitCurve */
    CHECK(parse_hex_reason(sec1("01", d, tlv("a0", OID("2b8104000a")), "")) ==
          LTLS_R_KEY_FORMAT); /* secp256k1: not supported */
    CHECK(parse_hex_reason(sec1("01", d, tlv("a0", CAT(OID(OID_P256), NUL)), "")) ==
          LTLS_R_KEY_FORMAT);
    /* compressed point, wrong-size point, point with unused bits */
    const char *x = hex_repeat("07", 32);
    CHECK(parse_hex_reason(sec1("01", d, named, tlv("a1", tlv("03", CAT("0002", x))))) ==
          LTLS_R_KEY_FORMAT);
    CHECK(parse_hex_reason(sec1("01", d, named, tlv("a1", tlv("03", CAT("00", P384_POINT))))) ==
          LTLS_R_KEY_FORMAT);
    CHECK(parse_hex_reason(sec1("01", d, named, tlv("a1", tlv("03", CAT("01", P256_POINT))))) ==
          LTLS_R_KEY_FORMAT);
    /* [1] before [0] */
    CHECK(parse_hex_reason(sec1("01", d, point, named)) == LTLS_R_KEY_FORMAT);

    /* In PKCS#8: the inner parameters must agree with the outer curve. */
    const char *alg = SEQ(OID(OID_EC), OID(OID_P256));
    CHECK(parse_hex_reason(SEQ(INT("00"), alg, OCT(sec1("01", d, "", point)))) == LTLS_R_NONE);
    CHECK(parse_hex_reason(SEQ(INT("00"), alg, OCT(sec1("01", d, named, point)))) == LTLS_R_NONE);
    CHECK(parse_hex_reason(SEQ(INT("00"), alg,
                               OCT(sec1("01", d, tlv("a0", OID(OID_P384)), "")))) ==
          LTLS_R_KEY_FORMAT);
    CHECK(parse_hex_reason(SEQ(INT("00"), SEQ(OID(OID_EC)), OCT(sec1("01", d, "", "")))) ==
          LTLS_R_KEY_FORMAT); /* no parameters */
    CHECK(parse_hex_reason(SEQ(INT("00"), SEQ(OID(OID_EC), NUL), OCT(sec1("01", d, "", "")))) ==
          LTLS_R_KEY_FORMAT);
    /* A v2 publicKey that contradicts the inner one. */
    const char *other = CAT("04", hex_repeat("01", 64));
    CHECK(parse_hex_reason(SEQ(INT("01"), alg, OCT(sec1("01", d, "", point)),
                               tlv("81", CAT("00", other)))) == LTLS_R_KEY_FORMAT);
    CHECK_OK(parse_hex(SEQ(INT("01"), alg, OCT(sec1("01", d, "", "")), tlv("81", CAT("00", other))),
                       &kf));
    CHECK_HEX(kf.info.point, kf.info.point_size, other);
    ltls_keyfile_clear(&kf);
}

static const char *pkcs1(const char *version, const char *n, const char *tail)
{
    return SEQ(INT(version), INT(n), INT("010001"), INT("05"), INT("07"), INT("0b"), INT("03"),
               INT("03"), INT("02"), tail);
}

TEST(rsa_structure_rules)
{
    ltls_keyfile_t kf;
    CHECK_OK(parse_hex(pkcs1("00", "00c1", ""), &kf));
    CHECK(kf.info.type == LTLS_KEY_RSA && kf.info.n_size == 1 && kf.info.n[0] == 0xc1);
    CHECK(kf.info.qinv_size == 1 && kf.info.qinv[0] == 2);
    ltls_keyfile_clear(&kf);

    CHECK(parse_hex_reason(pkcs1("01", "00c1", SEQ(SEQ(INT("03"), INT("03"), INT("03"))))) ==
          LTLS_R_KEY_FORMAT); /* multi-prime */
    CHECK(parse_hex_reason(pkcs1("00", "00c1", SEQ(SEQ(INT("03"), INT("03"), INT("03"))))) ==
          LTLS_R_KEY_FORMAT);
    CHECK(parse_hex_reason(pkcs1("00", "c1", "")) == LTLS_R_KEY_FORMAT); /* negative */
    CHECK(parse_hex_reason(pkcs1("00", "00", "")) == LTLS_R_KEY_FORMAT); /* zero */
    CHECK(parse_hex_reason(pkcs1("00", "0000c1", "")) == LTLS_R_KEY_FORMAT);
    CHECK(parse_hex_reason(SEQ(INT("00"), INT("00c1"), INT("03"))) == LTLS_R_KEY_FORMAT);
    /* 8192 bits is the limit */
    CHECK(parse_hex_reason(pkcs1("00", CAT("00", hex_repeat("c1", 1024)), "")) == LTLS_R_NONE);
    CHECK(parse_hex_reason(pkcs1("00", CAT("00", hex_repeat("c1", 1025)), "")) ==
          LTLS_R_UNSUPPORTED_ALGORITHM);

    /* In PKCS#8: parameters must be NULL. */
    const char *inner = pkcs1("00", "00c1", "");
    CHECK(parse_hex_reason(SEQ(INT("00"), SEQ(OID(OID_RSA), NUL), OCT(inner))) == LTLS_R_NONE);
    CHECK(parse_hex_reason(SEQ(INT("00"), SEQ(OID(OID_RSA)), OCT(inner))) == LTLS_R_KEY_FORMAT);
    /* a v2 publicKey must match n and e */
    const char *pub_ok = tlv("81", CAT("00", SEQ(INT("00c1"), INT("010001"))));
    const char *pub_bad = tlv("81", CAT("00", SEQ(INT("00c3"), INT("010001"))));
    CHECK(parse_hex_reason(SEQ(INT("01"), SEQ(OID(OID_RSA), NUL), OCT(inner), pub_ok)) ==
          LTLS_R_NONE);
    CHECK(parse_hex_reason(SEQ(INT("01"), SEQ(OID(OID_RSA), NUL), OCT(inner), pub_bad)) ==
          LTLS_R_KEY_FORMAT);
}

#define OID_PBES2 "2a864886f70d01050d"
#define OID_PBKDF2 "2a864886f70d01050c"
#define OID_AES128CBC "608648016503040102"
#define OID_AES256CBC "60864801650304012a"

static const char *epki(const char *kdf_params, const char *cipher, const char *iv,
                        const char *data)
{
    return SEQ(SEQ(OID(OID_PBES2), SEQ(SEQ(OID(OID_PBKDF2), kdf_params), SEQ(OID(cipher), OCT(iv)))),
               OCT(data));
}

TEST(pbes2_structure_rules)
{
    const char *salt = OCT("0102030405060708");
    const char *iv = hex_repeat("aa", 16);
    const char *data = hex_repeat("55", 48);
    const char *sha256 = SEQ(OID("2a864886f70d0209"), NUL);
    const char *ok = SEQ(salt, INT("0800"), sha256);

    /* Well-formed structures get as far as asking for the password. */
    CHECK(parse_hex_reason(epki(ok, OID_AES256CBC, iv, data)) == LTLS_R_PASSWORD_REQUIRED);
    CHECK(parse_hex_reason(epki(SEQ(salt, INT("0800")), OID_AES128CBC, iv, data)) ==
          LTLS_R_PASSWORD_REQUIRED); /* default PRF */
    CHECK(parse_hex_reason(epki(SEQ(salt, INT("0800"), SEQ(OID("2a864886f70d0207"), NUL)),
                                OID_AES128CBC, iv, data)) == LTLS_R_PASSWORD_REQUIRED);
    CHECK(parse_hex_reason(epki(SEQ(salt, INT("0800"), SEQ(OID("2a864886f70d0209"))),
                                OID_AES128CBC, iv, data)) == LTLS_R_PASSWORD_REQUIRED);
    CHECK(parse_hex_reason(epki(SEQ(salt, INT("0800"), INT("20"), sha256), OID_AES256CBC, iv,
                                data)) == LTLS_R_PASSWORD_REQUIRED); /* keyLength 32 */
    CHECK(parse_hex_reason(epki(SEQ(salt, INT("00989680"), sha256), OID_AES256CBC, iv, data)) ==
          LTLS_R_PASSWORD_REQUIRED); /* 10,000,000 iterations: the limit */

    static const struct {
        const char *what, *cipher, *iv, *data;
    } bad[] = {
        {"iterations 0", OID_AES256CBC, NULL, NULL},
        {"iterations over the limit", OID_AES256CBC, NULL, NULL},
        {"keyLength mismatch", OID_AES256CBC, NULL, NULL},
        {"keyLength 0", OID_AES256CBC, NULL, NULL},
        {"unknown PRF (SHA-224)", OID_AES256CBC, NULL, NULL},
        {"salt otherSource", OID_AES256CBC, NULL, NULL},
        {"DES-EDE3-CBC", "2a864886f70d0307", NULL, NULL},
        {"AES-128-ECB", "608648016503040101", NULL, NULL},
        {"IV of 8 octets", OID_AES128CBC, "0001020304050607", NULL},
        {"data not whole blocks", OID_AES128CBC, NULL, "00112233"},
        {"empty data", OID_AES128CBC, NULL, ""},
    };
    /* The first entries of bad[] take these PBKDF2-params in turn. */
    const char *kdfs[] = {
        SEQ(salt, INT("00"), sha256),
        SEQ(salt, INT("00989681"), sha256),
        SEQ(salt, INT("0800"), INT("10"), sha256),
        SEQ(salt, INT("0800"), INT("00"), sha256),
        SEQ(salt, INT("0800"), SEQ(OID("2a864886f70d0208"), NUL)),
        SEQ(SEQ(OID("2a0304"), NUL), INT("0800"), sha256),
    };
    for (size_t i = 0; i < COUNT(bad); i++) {
        const char *kdf = i < COUNT(kdfs) ? kdfs[i] : ok;
        const char *hex = epki(kdf, bad[i].cipher, bad[i].iv ? bad[i].iv : iv,
                               bad[i].data ? bad[i].data : data);
        if (parse_hex_reason(hex) != LTLS_R_KEY_FORMAT)
            printf("# accepted: %s\n", bad[i].what);
        CHECK(parse_hex_reason(hex) == LTLS_R_KEY_FORMAT);
    }
    /* Other schemes: PBES1 (pbeWithSHA1AndDES-CBC) and scrypt. */
    CHECK(parse_hex_reason(SEQ(SEQ(OID("2a864886f70d01050a"), SEQ(salt, INT("0800"))),
                               OCT(data))) == LTLS_R_KEY_FORMAT);
    CHECK(parse_hex_reason(SEQ(SEQ(OID(OID_PBES2), SEQ(SEQ(OID("2b06010401da47040b"),
                                                           SEQ(salt, INT("4000"), INT("08"),
                                                               INT("01"))),
                                                       SEQ(OID(OID_AES256CBC), OCT(iv)))),
                               OCT(data))) == LTLS_R_KEY_FORMAT);
}

/* ---- ltls_key_t with a stub provider ------------------------------------- */

/* The stub lists ECDSA P-256 and Ed25519 only, keeps a copy of what it was
 * given, and can be told to fail. */
typedef struct {
    ltls_privkey_info_t seen;
    uint8_t priv[66];
    int live_handles;
    ltls_err_t fail_with;
} stub_t;

struct ltls_privkey {
    stub_t *stub;
};

static ltls_err_t stub_privkey_new(void *impl, const ltls_privkey_info_t *info,
                                   ltls_privkey_t **out)
{
    stub_t *s = impl;
    if (s->fail_with)
        return s->fail_with;
    s->seen = *info;
    memcpy(s->priv, info->priv, info->priv_size < 66 ? info->priv_size : 66);
    ltls_privkey_t *k = malloc(sizeof *k);
    k->stub = s;
    s->live_handles++;
    *out = k;
    return LTLS_OK;
}

static void stub_privkey_free(ltls_privkey_t *k)
{
    if (!k)
        return;
    k->stub->live_handles--;
    free(k);
}

static const ltls_sigscheme_t *const stub_schemes[] = {&ltls_sig_ecdsa_secp256r1_sha256,
                                                       &ltls_sig_ed25519, NULL};

static ltls_provider_t stub_provider(stub_t *s)
{
    ltls_provider_t p;
    memset(&p, 0, sizeof p);
    p.name = "stub";
    p.impl = s;
    p.sigschemes = stub_schemes;
    p.privkey_new = stub_privkey_new;
    p.privkey_free = stub_privkey_free;
    return p;
}

/* An allocator that counts and checks that lucidtls wiped what it frees. */
typedef struct {
    int allocs, frees, unwiped;
} acct_t;

static void *acct_alloc(void *user, size_t n)
{
    ((acct_t *)user)->allocs++;
    return malloc(n);
}

static void acct_free(void *user, void *p, size_t n)
{
    acct_t *a = user;
    a->frees++;
    for (size_t i = 0; i < n; i++)
        if (((uint8_t *)p)[i]) {
            a->unwiped++;
            break;
        }
    free(p);
}

TEST(key_load_with_stub_provider)
{
    stub_t s;
    memset(&s, 0, sizeof s);
    ltls_provider_t p = stub_provider(&s);
    acct_t acct = {0, 0, 0};
    ltls_allocator_t alloc = {acct_alloc, acct_free, &acct};
    ltls_key_t *key = (ltls_key_t *)&s;

    blob_t b = load("p256.sec1.pem");
    CHECK_OK(ltls_keyfile_load(&p, &alloc, b.p, b.n, NULL, 0, &key));
    CHECK(key != NULL && ltls_key_type(key) == LTLS_KEY_EC && ltls_key_curve(key) == 0x0017);
    CHECK(ltls_key_provider(key) == &p && ltls_key_handle(key) != NULL);
    CHECK(ltls_key_handle(key)->stub == &s && s.live_handles == 1);
    CHECK(s.seen.type == LTLS_KEY_EC && s.seen.priv_size == 32);
    /* The decoded DER the stub's views pointed into is gone and wiped. */
    CHECK(acct.allocs == 2 && acct.frees == 1 && acct.unwiped == 0);
    ltls_key_free(key);
    CHECK(s.live_handles == 0 && acct.frees == 2 && acct.unwiped == 0);
    free(b.p);

    b = load("ed25519.der"); /* DER input: nothing to decode, only the key */
    CHECK_OK(ltls_key_load(&p, b.p, b.n, NULL, 0, &key));
    CHECK(ltls_key_type(key) == LTLS_KEY_ED25519 && ltls_key_curve(key) == 0);
    CHECK_HEX(s.priv, 32, ED25519_SEED);
    ltls_key_free(key);
    free(b.p);

    /* Types and curves the provider cannot sign with. */
    const char *unsupported[] = {"p384.pem", "p521.sec1.der", "ed448.pem", "rsa2048.pkcs1.pem"};
    for (size_t i = 0; i < COUNT(unsupported); i++) {
        b = load(unsupported[i]);
        key = (ltls_key_t *)&s;
        CHECK_ERR(ltls_keyfile_load(&p, &alloc, b.p, b.n, NULL, 0, &key),
                  LTLS_R_UNSUPPORTED_ALGORITHM);
        CHECK(key == NULL);
        free(b.p);
    }
    CHECK(acct.allocs == acct.frees && acct.unwiped == 0 && s.live_handles == 0);

    /* The provider's verdict is passed on. */
    b = load("p256.pem");
    s.fail_with = ltls_err_make(LTLS_R_KEY_FORMAT);
    CHECK_ERR(ltls_keyfile_load(&p, &alloc, b.p, b.n, NULL, 0, &key), LTLS_R_KEY_FORMAT);
    s.fail_with = LTLS_OK;
    CHECK(acct.allocs == acct.frees && acct.unwiped == 0);

    /* Argument checks. */
    CHECK_ERR(ltls_key_load(NULL, b.p, b.n, NULL, 0, &key), LTLS_R_NULL_ARGUMENT);
    CHECK(key == NULL);
    CHECK_ERR(ltls_key_load(&p, b.p, b.n, NULL, 0, NULL), LTLS_R_NULL_ARGUMENT);
    CHECK_ERR(ltls_key_load(&p, NULL, 5, NULL, 0, &key), LTLS_R_NULL_ARGUMENT);
    CHECK_ERR(ltls_key_load(&p, b.p, b.n, NULL, 3, &key), LTLS_R_NULL_ARGUMENT);
    free(b.p);
    b = load("p256.enc-aes256-sha256.pem");
    CHECK_ERR(ltls_key_load(&p, b.p, b.n, NULL, 0, &key), LTLS_R_PASSWORD_REQUIRED);
    /* The stub has no pbkdf2/aes_cbc_decrypt. */
    CHECK_ERR(ltls_key_load(&p, b.p, b.n, "lucidtls", 8, &key), LTLS_R_UNSUPPORTED_ALGORITHM);
    free(b.p);

    ltls_key_free(NULL);
    CHECK(ltls_key_type(NULL) == LTLS_KEY_NONE && ltls_key_curve(NULL) == 0);
    CHECK(ltls_key_handle(NULL) == NULL && ltls_key_provider(NULL) == NULL);
}

/* ---- with a real provider (LTLS_TEST_PROVIDER, else the default) ---------- */

static ltls_provider_t *ossl(void)
{
    static ltls_provider_t *p;
    if (!p && ltls_provider_new(test_provider_name(), NULL, &p) != LTLS_OK)
        abort();
    return p;
}

TEST(decrypts_every_encrypted_key_file)
{
    for (size_t i = 0; i < COUNT(encrypted_keys); i++) {
        const key_case_t *kc = &encrypted_keys[i];
        blob_t b = load(kc->file);
        ltls_keyfile_t kf;
        ltls_err_t err = ltls_keyfile_parse(ossl(), NULL, b.p, b.n, "lucidtls", 8, &kf);
        if (err)
            printf("# %s\n", kc->file);
        CHECK_OK(err);
        CHECK_INFO(kf.info, kc);
        CHECK(kf.plain != NULL);
        ltls_keyfile_clear(&kf);

        CHECK_ERR(ltls_keyfile_parse(ossl(), NULL, b.p, b.n, "lucidtlz", 8, &kf),
                  LTLS_R_BAD_PASSWORD);
        CHECK_ERR(ltls_keyfile_parse(ossl(), NULL, b.p, b.n, "", 0, &kf), LTLS_R_BAD_PASSWORD);
        CHECK_ERR(ltls_keyfile_parse(ossl(), NULL, b.p, b.n, "lucidtls\n", 9, &kf),
                  LTLS_R_BAD_PASSWORD);
        free(b.p);
    }
}

/* Changing one octet of the next-to-last ciphertext block changes the same
 * octet of the last plaintext block, i.e. the padding: 255 of the 256 values
 * must give BAD_PASSWORD, whether the padding then checks (pad 0x01, caught
 * by the structure) or not. */
TEST(tampered_ciphertext_is_bad_password)
{
    blob_t b = load("p256.enc-aes256-sha384.der");
    /* encryptedData is the last element: its final 32 octets are the last
     * two blocks. */
    size_t at = b.n - 32 + 15;
    uint8_t orig = b.p[at];
    int bad = 0;
    for (unsigned v = 0; v < 256; v++) {
        b.p[at] = (uint8_t)v;
        ltls_keyfile_t kf;
        ltls_err_t err = ltls_keyfile_parse(ossl(), NULL, b.p, b.n, "lucidtls", 8, &kf);
        ltls_keyfile_clear(&kf);
        if (v == orig)
            CHECK_OK(err);
        else if (ltls_err_reason(err) == LTLS_R_BAD_PASSWORD)
            bad++;
    }
    CHECK(bad == 255);
    free(b.p);
}

typedef struct {
    const char *file;
    const ltls_sigscheme_t *scheme;
} sign_case_t;

static void pub_info(const ltls_sigscheme_t *s, ltls_pubkey_info_t *pi, uint8_t *buf1,
                     uint8_t *buf2)
{
    memset(pi, 0, sizeof *pi);
    pi->type = s->key_type;
    pi->curve = s->curve;
    switch (s->key_type) {
    case LTLS_KEY_RSA:
        pi->n = buf1;
        pi->n_size = test_unhex(RSA2048_N, buf1, 1024);
        pi->e = buf2;
        pi->e_size = test_unhex(RSA2048_E, buf2, 1024);
        break;
    case LTLS_KEY_EC:
        pi->point = buf1;
        pi->point_size = test_unhex(ec_point_hex(s->curve), buf1, 1024);
        break;
    case LTLS_KEY_ED25519:
        pi->point = buf1;
        pi->point_size = test_unhex(ED25519_PUB, buf1, 1024);
        break;
    default:
        pi->point = buf1;
        pi->point_size = test_unhex(ED448_PUB, buf1, 1024);
        break;
    }
}

TEST(sign_with_loaded_keys_verify_with_openssl_public_keys)
{
    static const sign_case_t cases[] = {
        {"rsa2048.pem", &ltls_sig_rsa_pss_rsae_sha256},
        {"rsa2048.pkcs1.der", &ltls_sig_rsa_pss_rsae_sha384},
        {"rsa2048.enc-aes256-sha256.pem", &ltls_sig_rsa_pss_rsae_sha512},
        {"rsa2048.enc-aes128-sha1.pem", &ltls_sig_rsa_pss_rsae_sha256},
        {"p256.pem", &ltls_sig_ecdsa_secp256r1_sha256},
        {"p256.sec1.der", &ltls_sig_ecdsa_secp256r1_sha256},
        {"p256.enc-aes192-sha512.pem", &ltls_sig_ecdsa_secp256r1_sha256},
        {"p384.sec1.pem", &ltls_sig_ecdsa_secp384r1_sha384},
        {"p384.enc-aes128-sha1.pem", &ltls_sig_ecdsa_secp384r1_sha384},
        {"p521.der", &ltls_sig_ecdsa_secp521r1_sha512},
        {"p521.enc-aes256-sha256.pem", &ltls_sig_ecdsa_secp521r1_sha512},
        {"ed25519.pem", &ltls_sig_ed25519},
        {"ed25519-cert-and-key.pem", &ltls_sig_ed25519},
        {"ed25519.enc-aes256-sha256.pem", &ltls_sig_ed25519},
        {"ed448.der", &ltls_sig_ed448},
        {"ed448.enc-aes128-sha1.pem", &ltls_sig_ed448},
    };
    ltls_provider_t *p = ossl();
    static const uint8_t msg[] = "lucidtls key file test message";
    for (size_t i = 0; i < COUNT(cases); i++) {
        const sign_case_t *c = &cases[i];
        if (!ltls_provider_has_sigscheme(p, c->scheme)) {
            printf("# provider lacks %s; skipped\n", c->scheme->name);
            continue;
        }
        blob_t b = load(c->file);
        ltls_key_t *key;
        ltls_err_t err = ltls_key_load(p, b.p, b.n, "lucidtls", 8, &key);
        free(b.p);
        if (err)
            printf("# %s\n", c->file);
        CHECK_OK(err);
        CHECK(ltls_key_type(key) == c->scheme->key_type);
        CHECK(ltls_key_curve(key) == c->scheme->curve);

        uint8_t sig[LTLS_SIG_MAX_SIZE];
        size_t sig_len = sizeof sig;
        CHECK_OK(p->sign(ltls_key_handle(key), c->scheme, msg, sizeof msg, sig, &sig_len));

        /* The public key openssl printed, imported independently. */
        uint8_t b1[1024], b2[1024];
        ltls_pubkey_info_t pi;
        ltls_pubkey_t *pub, *derived;
        pub_info(c->scheme, &pi, b1, b2);
        CHECK_OK(p->pubkey_new(p->impl, &pi, &pub));
        CHECK_OK(p->verify(pub, c->scheme, msg, sizeof msg, sig, sig_len));
        CHECK_ERR(p->verify(pub, c->scheme, msg, sizeof msg - 1, sig, sig_len),
                  LTLS_R_DECRYPT_ERROR);
        /* And the provider's own idea of the public key agrees. */
        CHECK_OK(p->privkey_public(ltls_key_handle(key), &derived));
        CHECK_OK(p->verify(derived, c->scheme, msg, sizeof msg, sig, sig_len));
        p->pubkey_free(pub);
        p->pubkey_free(derived);
        ltls_key_free(key);
    }
}

TEST(encrypted_load_wipes_and_frees)
{
    acct_t acct = {0, 0, 0};
    ltls_allocator_t alloc = {acct_alloc, acct_free, &acct};
    blob_t b = load("p256.enc-aes256-sha256.pem");
    ltls_key_t *key;
    CHECK_OK(ltls_keyfile_load(ossl(), &alloc, b.p, b.n, "lucidtls", 8, &key));
    /* decoded DER + plaintext + the key itself; only the key is left */
    CHECK(acct.allocs == 3 && acct.frees == 2 && acct.unwiped == 0);
    ltls_key_free(key);
    CHECK(acct.frees == 3 && acct.unwiped == 0);
    CHECK_ERR(ltls_keyfile_load(ossl(), &alloc, b.p, b.n, "wrong", 5, &key),
              LTLS_R_BAD_PASSWORD);
    CHECK(acct.allocs == acct.frees && acct.unwiped == 0);
    free(b.p);
}

TEST(bad_components_rejected_by_provider)
{
    /* A P-256 key whose public point is not the scalar's: openssl checks. */
    const char *d = hex_repeat("42", 32);
    const char *hex = SEQ(INT("01"), OCT(d), tlv("a0", OID(OID_P256)),
                          tlv("a1", tlv("03", CAT("00", P256_POINT))));
    uint8_t buf[256];
    size_t n = test_unhex(hex, buf, sizeof buf);
    ltls_key_t *key;
    CHECK_ERR(ltls_key_load(ossl(), buf, n, NULL, 0, &key), LTLS_R_KEY_FORMAT);
    CHECK(key == NULL);
}


int main(void)
{
    RUN(base64_rfc4648_vectors);
    RUN(base64_whitespace);
    RUN(base64_rejections);
    RUN(base64_round_trip_and_capacity);
    RUN(pem_iterates_blocks);
    RUN(pem_headers);
    RUN(pem_rejections);
    RUN(parses_every_plain_key_file);
    RUN(encrypted_without_password);
    RUN(legacy_pem_encryption_rejected);
    RUN(explicit_curve_rejected);
    RUN(several_keys_rejected);
    RUN(truncated_files_rejected);
    RUN(bit_flips_never_crash);
    RUN(garbled_pem_rejected);
    RUN(one_asymmetric_key_v2);
    RUN(eddsa_structure_rules);
    RUN(ec_structure_rules);
    RUN(rsa_structure_rules);
    RUN(pbes2_structure_rules);
    RUN(key_load_with_stub_provider);
    RUN(decrypts_every_encrypted_key_file);
    RUN(tampered_ciphertext_is_bad_password);
    RUN(sign_with_loaded_keys_verify_with_openssl_public_keys);
    RUN(encrypted_load_wipes_and_frees);
    RUN(bad_components_rejected_by_provider);
    ltls_provider_free(ossl());
    return test_done();
}
