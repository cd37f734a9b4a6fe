/*
 * tests/unit/test_record.c - the TLS 1.3 record layer (RFC 8446 §5).
 *
 * Every record of RFC 8448 §3 and §4 is opened with its traffic key and
 * sequence number, its content checked against the handshake messages and
 * application data of the trace, and then sealed again to the same bytes.
 * Around that: every way a record can be refused, the limits on key usage,
 * the sequence number's end, padding, change_cipher_spec and the size
 * helpers. Records the library must refuse to build (an inner plaintext over
 * 2^14 + 1, an all-zero one, a wrong additional data) are sealed here with
 * the provider's raw AEAD and a nonce computed independently of the library.
 */
#include <stdint.h>
#include <string.h>

#include "lucidtls/provider.h"
#include "record/record.h"
#include "test.h"
#include "test_provider.h"
#include "tests/vectors/rfc8448.h"

static ltls_provider_t *prov;

/* Room for the largest record plus slack for tests that overshoot. */
#define BUF_SIZE (LTLS_RECORD_MAX_SIZE + 64)
static uint8_t buf[BUF_SIZE], buf2[BUF_SIZE], want[BUF_SIZE];

/* The §3 client application traffic key: the base of the rejection tests. */
#define APP_KEY RFC8448_S3_TRAFFIC_KEYS_CLIENT_APPLICATION_KEY
#define APP_IV RFC8448_S3_TRAFFIC_KEYS_CLIENT_APPLICATION_IV

/* ------------------------------------------------------------------------
 * Helpers
 * ---------------------------------------------------------------------- */

static ltls_err_t dir_keys(ltls_record_dir_t *d, int write, const ltls_aead_alg_t *aead,
                           const char *key_hex, const char *iv_hex)
{
    uint8_t key[LTLS_AEAD_MAX_KEY], iv[LTLS_AEAD_NONCE_SIZE];
    test_unhex(key_hex, key, sizeof(key));
    test_unhex(iv_hex, iv, sizeof(iv));
    ltls_record_dir_init(d, write);
    return ltls_record_dir_set_keys(d, prov, aead, key, iv);
}

static ltls_err_t app_dir(ltls_record_dir_t *d, int write)
{
    return dir_keys(d, write, &ltls_aead_aes128gcm, APP_KEY, APP_IV);
}

static void put_header(uint8_t *p, uint8_t type, uint16_t version, uint16_t len)
{
    p[0] = type;
    p[1] = (uint8_t)(version >> 8);
    p[2] = (uint8_t)version;
    p[3] = (uint8_t)(len >> 8);
    p[4] = (uint8_t)len;
}

/*
 * Writes a record sealed with the raw AEAD under the §3 client application
 * key: header type 23 / 0x0303 / inner_len + 16, body = AES-128-GCM(inner)
 * with nonce iv ^ seq and additional data aad (NULL: the header itself).
 * Returns the record's size. The nonce is computed here, not by the library.
 */
static size_t raw_record(uint8_t *out, uint64_t seq, const uint8_t *aad, const uint8_t *inner,
                         size_t inner_len)
{
    uint8_t key[16], nonce[LTLS_AEAD_NONCE_SIZE];
    test_unhex(APP_KEY, key, sizeof(key));
    test_unhex(APP_IV, nonce, sizeof(nonce));
    for (int i = 0; i < 8; i++)
        nonce[4 + i] ^= (uint8_t)(seq >> (56 - 8 * i));
    put_header(out, 23, 0x0303, (uint16_t)(inner_len + 16));
    if (inner_len)
        memmove(out + 5, inner, inner_len);
    ltls_aead_ctx_t *ctx = NULL;
    if (prov->aead_new(prov->impl, &ltls_aead_aes128gcm, key, 1, &ctx) ||
        prov->aead_seal(ctx, nonce, aad ? aad : out, 5, out + 5, inner_len, out + 5 + inner_len)) {
        fprintf(stderr, "raw_record: provider failed\n");
        abort();
    }
    prov->aead_free(ctx);
    return 5 + inner_len + 16;
}

/* Opens rec[0..len) with the raw AEAD (key/iv/seq as raw_record) into
 * inner; returns 1 on success. */
static int raw_open(const uint8_t *rec, size_t len, const char *key_hex, const char *iv_hex,
                    uint64_t seq, uint8_t *inner)
{
    uint8_t key[16], nonce[LTLS_AEAD_NONCE_SIZE];
    test_unhex(key_hex, key, sizeof(key));
    test_unhex(iv_hex, nonce, sizeof(nonce));
    for (int i = 0; i < 8; i++)
        nonce[4 + i] ^= (uint8_t)(seq >> (56 - 8 * i));
    memcpy(inner, rec + 5, len - 5 - 16);
    ltls_aead_ctx_t *ctx = NULL;
    if (prov->aead_new(prov->impl, &ltls_aead_aes128gcm, key, 0, &ctx))
        return 0;
    ltls_err_t err = prov->aead_open(ctx, nonce, rec, 5, inner, len - 5 - 16, rec + len - 16);
    prov->aead_free(ctx);
    return err == LTLS_OK;
}

/* ------------------------------------------------------------------------
 * RFC 8448 traces, byte for byte
 * ---------------------------------------------------------------------- */

typedef struct {
    const char *protection;
    const char *key, *iv;
} keyset_t;

typedef struct {
    const char *sender, *name;
    const char *content[5]; /* hex pieces, concatenated; NULL-terminated */
} expect_t;

static const keyset_t s3_keys[] = {
    {"server_handshake", RFC8448_S3_TRAFFIC_KEYS_SERVER_HANDSHAKE_KEY,
     RFC8448_S3_TRAFFIC_KEYS_SERVER_HANDSHAKE_IV},
    {"client_handshake", RFC8448_S3_TRAFFIC_KEYS_CLIENT_HANDSHAKE_KEY,
     RFC8448_S3_TRAFFIC_KEYS_CLIENT_HANDSHAKE_IV},
    {"server_application", RFC8448_S3_TRAFFIC_KEYS_SERVER_APPLICATION_KEY,
     RFC8448_S3_TRAFFIC_KEYS_SERVER_APPLICATION_IV},
    {"client_application", RFC8448_S3_TRAFFIC_KEYS_CLIENT_APPLICATION_KEY,
     RFC8448_S3_TRAFFIC_KEYS_CLIENT_APPLICATION_IV},
    {NULL, NULL, NULL},
};

static const keyset_t s4_keys[] = {
    {"client_early", RFC8448_S4_TRAFFIC_KEYS_CLIENT_EARLY_KEY, RFC8448_S4_TRAFFIC_KEYS_CLIENT_EARLY_IV},
    {"server_handshake", RFC8448_S4_TRAFFIC_KEYS_SERVER_HANDSHAKE_KEY,
     RFC8448_S4_TRAFFIC_KEYS_SERVER_HANDSHAKE_IV},
    {"client_handshake", RFC8448_S4_TRAFFIC_KEYS_CLIENT_HANDSHAKE_KEY,
     RFC8448_S4_TRAFFIC_KEYS_CLIENT_HANDSHAKE_IV},
    {"server_application", RFC8448_S4_TRAFFIC_KEYS_SERVER_APPLICATION_KEY,
     RFC8448_S4_TRAFFIC_KEYS_SERVER_APPLICATION_IV},
    {"client_application", RFC8448_S4_TRAFFIC_KEYS_CLIENT_APPLICATION_KEY,
     RFC8448_S4_TRAFFIC_KEYS_CLIENT_APPLICATION_IV},
    {NULL, NULL, NULL},
};

static const expect_t s3_expect[] = {
    {"client", "ClientHello", {RFC8448_S3_HANDSHAKE_MESSAGES_CLIENT_HELLO, NULL}},
    {"server", "ServerHello", {RFC8448_S3_HANDSHAKE_MESSAGES_SERVER_HELLO, NULL}},
    {"server",
     "EncryptedExtensions+Certificate+CertificateVerify+Finished",
     {RFC8448_S3_HANDSHAKE_MESSAGES_ENCRYPTED_EXTENSIONS, RFC8448_S3_HANDSHAKE_MESSAGES_CERTIFICATE,
      RFC8448_S3_HANDSHAKE_MESSAGES_CERTIFICATE_VERIFY,
      RFC8448_S3_HANDSHAKE_MESSAGES_SERVER_FINISHED, NULL}},
    {"client", "Finished", {RFC8448_S3_HANDSHAKE_MESSAGES_CLIENT_FINISHED, NULL}},
    {"server", "NewSessionTicket", {RFC8448_S3_HANDSHAKE_MESSAGES_NEW_SESSION_TICKET, NULL}},
    {"client", "application_data", {RFC8448_S3_APPLICATION_DATA, NULL}},
    {"server", "application_data", {RFC8448_S3_APPLICATION_DATA, NULL}},
    {"client", "alert close_notify", {"0100", NULL}},
    {"server", "alert close_notify", {"0100", NULL}},
    {NULL, NULL, {NULL}},
};

static const expect_t s4_expect[] = {
    {"client", "ClientHello", {RFC8448_S4_HANDSHAKE_MESSAGES_CLIENT_HELLO, NULL}},
    {"client", "early application_data", {RFC8448_S4_EARLY_DATA, NULL}},
    {"server", "ServerHello", {RFC8448_S4_HANDSHAKE_MESSAGES_SERVER_HELLO, NULL}},
    {"server",
     "EncryptedExtensions+Finished",
     {RFC8448_S4_HANDSHAKE_MESSAGES_ENCRYPTED_EXTENSIONS,
      RFC8448_S4_HANDSHAKE_MESSAGES_SERVER_FINISHED, NULL}},
    {"client", "EndOfEarlyData", {RFC8448_S4_HANDSHAKE_MESSAGES_END_OF_EARLY_DATA, NULL}},
    {"client", "Finished", {RFC8448_S4_HANDSHAKE_MESSAGES_CLIENT_FINISHED, NULL}},
    {"client", "application_data", {RFC8448_S4_APPLICATION_DATA, NULL}},
    {"server", "application_data", {RFC8448_S4_APPLICATION_DATA, NULL}},
    {"client", "alert close_notify", {"0100", NULL}},
    {"server", "alert close_notify", {"0100", NULL}},
    {NULL, NULL, {NULL}},
};

static const keyset_t *find_keys(const keyset_t *keys, const char *protection)
{
    for (; keys->protection; keys++)
        if (strcmp(keys->protection, protection) == 0)
            return keys;
    return NULL;
}

static const expect_t *find_expect(const expect_t *e, const rfc8448_record_t *r)
{
    for (; e->sender; e++)
        if (strcmp(e->sender, r->sender) == 0 && strcmp(e->name, r->name) == 0)
            return e;
    return NULL;
}

static size_t cat_hex(const char *const *parts, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (; *parts; parts++)
        n += test_unhex(*parts, out + n, cap - n);
    return n;
}

static int protected_seen;

static void check_trace(const rfc8448_record_t *recs, size_t count, const keyset_t *keys,
                        const expect_t *expect)
{
    for (size_t i = 0; i < count; i++) {
        const rfc8448_record_t *r = &recs[i];
        printf("# %s %s (%s, seq %d)\n", r->sender, r->name, r->protection, r->seq);
        const expect_t *e = find_expect(expect, r);
        CHECK(e != NULL);
        size_t want_len = cat_hex(e->content, want, sizeof(want));
        static uint8_t rec_bytes[BUF_SIZE];
        size_t n = test_unhex(r->record, rec_bytes, sizeof(rec_bytes));

        ltls_record_dir_t rd, wr;
        ltls_record_t rec;
        size_t used = 0, out_len = 0;
        memcpy(buf, rec_bytes, n);

        if (strcmp(r->protection, "plaintext") == 0) {
            ltls_record_dir_init(&rd, 0);
            CHECK_OK(ltls_record_open(&rd, buf, n, &rec, &used));
            CHECK(used == n);
            CHECK(rec.type == LTLS_CONTENT_HANDSHAKE && !rec.protected_);
            CHECK(rec.len == want_len);
            CHECK_MEM(rec.content, want, want_len);
            /* Written again with the legacy version the trace used
             * (0x0301 on the ClientHello, 0x0303 on the ServerHello). */
            ltls_record_dir_init(&wr, 1);
            uint16_t version = (uint16_t)(rec_bytes[1] << 8 | rec_bytes[2]);
            CHECK_OK(ltls_record_write_plaintext(&wr, LTLS_CONTENT_HANDSHAKE, version, want,
                                                 want_len, buf2, sizeof(buf2), &out_len));
            CHECK(out_len == n);
            CHECK_MEM(buf2, rec_bytes, n);
            continue;
        }

        protected_seen++;
        const keyset_t *k = find_keys(keys, r->protection);
        CHECK(k != NULL);
        CHECK(r->seq >= 0);
        CHECK_OK(dir_keys(&rd, 0, &ltls_aead_aes128gcm, k->key, k->iv));
        rd.seq = (uint64_t)r->seq;
        CHECK_OK(ltls_record_open(&rd, buf, n, &rec, &used));
        CHECK(used == n);
        CHECK(rec.protected_);
        CHECK(rec.type == r->inner_content_type);
        CHECK(rec.len == want_len);
        CHECK_MEM(rec.content, want, want_len);
        CHECK(rd.seq == (uint64_t)r->seq + 1);
        ltls_record_dir_clear(&rd);

        /* Sealed again from a separate buffer... */
        CHECK_OK(dir_keys(&wr, 1, &ltls_aead_aes128gcm, k->key, k->iv));
        wr.seq = (uint64_t)r->seq;
        CHECK(ltls_record_seal_size(&wr, want_len, 0) == n);
        CHECK_OK(ltls_record_seal(&wr, (uint8_t)r->inner_content_type, want, want_len, 0, buf2,
                                  sizeof(buf2), &out_len));
        CHECK(out_len == n);
        CHECK_MEM(buf2, rec_bytes, n);
        CHECK(wr.seq == (uint64_t)r->seq + 1);

        /* ...and in place, with the content already where the body goes. */
        wr.seq = (uint64_t)r->seq;
        memset(buf2, 0xee, sizeof(buf2));
        memcpy(buf2 + LTLS_RECORD_HEADER_SIZE, want, want_len);
        CHECK_OK(ltls_record_seal(&wr, (uint8_t)r->inner_content_type,
                                  buf2 + LTLS_RECORD_HEADER_SIZE, want_len, 0, buf2, n, &out_len));
        CHECK(out_len == n);
        CHECK_MEM(buf2, rec_bytes, n);
        ltls_record_dir_clear(&wr);
    }
}

TEST(rfc8448_s3_trace)
{
    protected_seen = 0;
    check_trace(rfc8448_s3_records, sizeof(rfc8448_s3_records) / sizeof(rfc8448_s3_records[0]),
                s3_keys, s3_expect);
    CHECK(protected_seen == 7);
}

TEST(rfc8448_s4_trace)
{
    protected_seen = 0;
    check_trace(rfc8448_s4_records, sizeof(rfc8448_s4_records) / sizeof(rfc8448_s4_records[0]),
                s4_keys, s4_expect);
    CHECK(protected_seen == 8);
}

/* The §3 client application data record, sequence number 0. */
static size_t app_record(uint8_t *out)
{
    return test_unhex(rfc8448_s3_records[5].record, out, BUF_SIZE);
}

/* ------------------------------------------------------------------------
 * Framing
 * ---------------------------------------------------------------------- */

TEST(truncated_header_and_body)
{
    static uint8_t rec_bytes[BUF_SIZE];
    size_t n = app_record(rec_bytes);
    ltls_record_dir_t rd;
    CHECK_OK(app_dir(&rd, 0));
    ltls_record_header_t hdr;
    ltls_record_t rec = {0, 0, NULL, 0};
    for (size_t have = 0; have < n; have++) {
        size_t need = 0;
        size_t want_need = have < 5 ? 5 : n;
        CHECK_ERR(ltls_record_parse_header(&rd, rec_bytes, have, &hdr, &need), LTLS_R_WANT_READ);
        CHECK(need == want_need);
        need = 0;
        memcpy(buf, rec_bytes, n);
        CHECK_ERR(ltls_record_open(&rd, buf, have, &rec, &need), LTLS_R_WANT_READ);
        CHECK(need == want_need);
        CHECK(rd.seq == 0);
        CHECK_MEM(buf, rec_bytes, n); /* nothing decrypted or wiped */
    }
    CHECK(ltls_err_class(ltls_err_make(LTLS_R_WANT_READ)) == LTLS_ECLASS_WANT_IO);
    size_t need = 0;
    CHECK_OK(ltls_record_parse_header(&rd, rec_bytes, n, &hdr, &need));
    CHECK(need == n && hdr.type == 23 && hdr.version == 0x0303 && hdr.length == n - 5);
    /* NULL with no bytes is simply "need a header". */
    CHECK_ERR(ltls_record_parse_header(&rd, NULL, 0, &hdr, &need), LTLS_R_WANT_READ);
    CHECK(need == 5);
    ltls_record_dir_clear(&rd);
}

TEST(oversize_lengths)
{
    ltls_record_dir_t plain, prot;
    ltls_record_dir_init(&plain, 0);
    CHECK_OK(app_dir(&prot, 0));
    ltls_record_dir_t *dirs[2] = {&plain, &prot};
    ltls_record_header_t hdr;
    size_t need;
    uint8_t h[5];
    for (int d = 0; d < 2; d++) {
        /* TLSPlaintext: 2^14 at most (§5.1), whatever our state. */
        const uint8_t ptypes[3] = {20, 21, 22};
        for (int t = 0; t < 3; t++) {
            put_header(h, ptypes[t], 0x0303, 16384);
            CHECK_ERR(ltls_record_parse_header(dirs[d], h, 5, &hdr, &need), LTLS_R_WANT_READ);
            CHECK(need == 16389);
            put_header(h, ptypes[t], 0x0303, 16385);
            ltls_err_t err = ltls_record_parse_header(dirs[d], h, 5, &hdr, &need);
            CHECK_ERR(err, LTLS_R_RECORD_OVERFLOW);
            CHECK(ltls_err_alert(err) == LTLS_ALERT_RECORD_OVERFLOW);
            put_header(h, ptypes[t], 0x0303, 0xffff);
            CHECK_ERR(ltls_record_parse_header(dirs[d], h, 5, &hdr, &need), LTLS_R_RECORD_OVERFLOW);
        }
        /* TLSCiphertext: 2^14 + 256 at most (§5.2). */
        put_header(h, 23, 0x0303, 16384 + 256);
        CHECK_ERR(ltls_record_parse_header(dirs[d], h, 5, &hdr, &need), LTLS_R_WANT_READ);
        CHECK(need == 5 + 16384 + 256);
        put_header(h, 23, 0x0303, 16384 + 257);
        CHECK_ERR(ltls_record_parse_header(dirs[d], h, 5, &hdr, &need), LTLS_R_RECORD_OVERFLOW);
        ltls_record_t rec;
        memcpy(buf, h, 5);
        CHECK_ERR(ltls_record_open(dirs[d], buf, 5, &rec, &need), LTLS_R_RECORD_OVERFLOW);
    }
    /* Under our record_size_limit of 64 (RFC 8449): inner plaintext <= 64,
     * ciphertext <= 64 + 255. Plaintext records are not affected. */
    CHECK_OK(ltls_record_dir_set_size_limit(&prot, 64));
    put_header(h, 23, 0x0303, 64 + 255);
    CHECK_ERR(ltls_record_parse_header(&prot, h, 5, &hdr, &need), LTLS_R_WANT_READ);
    put_header(h, 23, 0x0303, 64 + 256);
    CHECK_ERR(ltls_record_parse_header(&prot, h, 5, &hdr, &need), LTLS_R_RECORD_OVERFLOW);
    put_header(h, 22, 0x0303, 16384);
    CHECK_ERR(ltls_record_parse_header(&prot, h, 5, &hdr, &need), LTLS_R_WANT_READ);
    ltls_record_dir_clear(&prot);
}

TEST(unknown_content_types)
{
    ltls_record_dir_t plain, prot;
    ltls_record_dir_init(&plain, 0);
    CHECK_OK(app_dir(&prot, 0));
    const uint8_t bad[] = {0, 1, 19, 24, 25, 0x80, 0xff};
    ltls_record_header_t hdr;
    size_t need;
    uint8_t h[5];
    for (size_t i = 0; i < sizeof(bad); i++) {
        put_header(h, bad[i], 0x0303, 10);
        /* Refused from the header alone, without waiting for the body. */
        ltls_err_t err = ltls_record_parse_header(&plain, h, 5, &hdr, &need);
        CHECK_ERR(err, LTLS_R_RECORD_BAD_TYPE);
        CHECK(ltls_err_alert(err) == LTLS_ALERT_UNEXPECTED_MESSAGE);
        CHECK_ERR(ltls_record_parse_header(&prot, h, 5, &hdr, &need), LTLS_R_RECORD_BAD_TYPE);
    }
    ltls_record_dir_clear(&prot);
}

TEST(legacy_record_version)
{
    ltls_record_dir_t plain, prot;
    ltls_record_dir_init(&plain, 0);
    CHECK_OK(app_dir(&prot, 0));
    ltls_record_header_t hdr;
    size_t need;
    uint8_t h[5];
    /* TLSCiphertext: always 0x0303 (§5.2). */
    const uint16_t bad[] = {0x0301, 0x0302, 0x0304, 0x0203, 0x0000, 0xffff, 0x0103};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        put_header(h, 23, bad[i], 40);
        ltls_err_t err = ltls_record_parse_header(&prot, h, 5, &hdr, &need);
        CHECK_ERR(err, LTLS_R_RECORD_BAD_VERSION);
        CHECK(ltls_err_alert(err) == LTLS_ALERT_DECODE_ERROR);
        CHECK_ERR(ltls_record_parse_header(&plain, h, 5, &hdr, &need), LTLS_R_RECORD_BAD_VERSION);
    }
    /* TLSPlaintext: "MUST be ignored for all purposes" (§5.1). */
    const uint16_t any[] = {0x0301, 0x0303, 0x0300, 0x0304, 0x0000, 0xffff, 0x7f1c};
    for (size_t i = 0; i < sizeof(any) / sizeof(any[0]); i++) {
        put_header(buf, 22, any[i], 4);
        memcpy(buf + 5, "\x14\x00\x00\x00", 4);
        ltls_record_t rec;
        CHECK_OK(ltls_record_parse_header(&plain, buf, 9, &hdr, &need));
        CHECK(hdr.version == any[i]);
        CHECK_OK(ltls_record_open(&plain, buf, 9, &rec, &need));
        CHECK(rec.type == 22 && rec.len == 4 && need == 9);
        put_header(buf, 20, any[i], 1);
        buf[5] = 1;
        CHECK_OK(ltls_record_open(&prot, buf, 6, &rec, &need));
        CHECK_OK(ltls_record_check_ccs(&rec));
    }
    ltls_record_dir_clear(&prot);
}

/* ------------------------------------------------------------------------
 * Protection: every failure
 * ---------------------------------------------------------------------- */

TEST(flipped_ciphertext_and_tag_bits)
{
    static uint8_t rec_bytes[BUF_SIZE];
    size_t n = app_record(rec_bytes);
    ltls_record_dir_t rd;
    CHECK_OK(app_dir(&rd, 0));
    ltls_record_t rec;
    size_t used;
    /* Every bit of the body: ciphertext (n - 5 - 16 bytes) and tag (16). */
    for (size_t bit = 5 * 8; bit < n * 8; bit++) {
        memcpy(buf, rec_bytes, n);
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        ltls_err_t err = ltls_record_open(&rd, buf, n, &rec, &used);
        CHECK_ERR(err, LTLS_R_BAD_RECORD_MAC);
        CHECK(ltls_err_alert(err) == LTLS_ALERT_BAD_RECORD_MAC);
        CHECK(rd.seq == 0);
        /* The failed body is wiped: no unauthenticated plaintext left. */
        for (size_t i = 5; i < n; i++)
            CHECK(buf[i] == 0);
    }
    /* The direction is untouched by the failures. */
    memcpy(buf, rec_bytes, n);
    CHECK_OK(ltls_record_open(&rd, buf, n, &rec, &used));
    CHECK(rd.seq == 1);
    ltls_record_dir_clear(&rd);
}

TEST(flipped_header_bits)
{
    static uint8_t rec_bytes[BUF_SIZE];
    size_t n = app_record(rec_bytes);
    ltls_record_dir_t rd;
    CHECK_OK(app_dir(&rd, 0));
    ltls_record_t rec;
    size_t used;
    /* No header bit can change without the record being refused. */
    for (size_t bit = 0; bit < 5 * 8; bit++) {
        memcpy(buf, rec_bytes, n);
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        ltls_err_t err = ltls_record_open(&rd, buf, n, &rec, &used);
        CHECK(err != LTLS_OK);
        if (bit / 8 == 1 || bit / 8 == 2)
            CHECK_ERR(err, LTLS_R_RECORD_BAD_VERSION);
        CHECK(rd.seq == 0);
    }
    /* The header is the additional data (§5.2): a record whose body was
     * sealed under a header differing in one bit of any field fails
     * authentication though the header on the wire is well formed. */
    const uint8_t inner[] = {'h', 'i', 23};
    for (size_t bit = 0; bit < 5 * 8; bit++) {
        uint8_t aad[5];
        put_header(aad, 23, 0x0303, sizeof(inner) + 16);
        aad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        size_t len = raw_record(buf, 0, aad, inner, sizeof(inner));
        CHECK_ERR(ltls_record_open(&rd, buf, len, &rec, &used), LTLS_R_BAD_RECORD_MAC);
    }
    size_t len = raw_record(buf, 0, NULL, inner, sizeof(inner));
    CHECK_OK(ltls_record_open(&rd, buf, len, &rec, &used));
    CHECK(rec.type == 23 && rec.len == 2 && memcmp(rec.content, "hi", 2) == 0);
    ltls_record_dir_clear(&rd);
}

TEST(wrong_sequence_number)
{
    static uint8_t rec_bytes[BUF_SIZE];
    size_t n = app_record(rec_bytes);
    ltls_record_dir_t rd;
    CHECK_OK(app_dir(&rd, 0));
    ltls_record_t rec;
    size_t used;
    const uint64_t wrong[] = {1, 2, 255, 256, UINT64_C(1) << 32, UINT64_C(1) << 63};
    rd.max_records = UINT64_MAX; /* so that large numbers reach the AEAD */
    for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
        rd.seq = wrong[i];
        memcpy(buf, rec_bytes, n);
        CHECK_ERR(ltls_record_open(&rd, buf, n, &rec, &used), LTLS_R_BAD_RECORD_MAC);
        CHECK(rd.seq == wrong[i]);
    }
    /* A replayed record (the sequence has moved on) fails the same way. */
    rd.seq = 0;
    memcpy(buf, rec_bytes, n);
    CHECK_OK(ltls_record_open(&rd, buf, n, &rec, &used));
    memcpy(buf, rec_bytes, n);
    CHECK_ERR(ltls_record_open(&rd, buf, n, &rec, &used), LTLS_R_BAD_RECORD_MAC);
    ltls_record_dir_clear(&rd);
}

TEST(too_short_ciphertext)
{
    ltls_record_dir_t rd;
    CHECK_OK(app_dir(&rd, 0));
    ltls_record_t rec;
    size_t used;
    /* Shorter than the tag: undecryptable, so bad_record_mac (§5.2). */
    for (uint16_t len = 0; len < 16; len++) {
        put_header(buf, 23, 0x0303, len);
        memset(buf + 5, 0xa5, len);
        ltls_err_t err = ltls_record_open(&rd, buf, 5u + len, &rec, &used);
        CHECK_ERR(err, LTLS_R_BAD_RECORD_MAC);
        CHECK(ltls_err_alert(err) == LTLS_ALERT_BAD_RECORD_MAC);
        CHECK(used == 5u + len);
    }
    /* Exactly a tag, forged: bad_record_mac. */
    put_header(buf, 23, 0x0303, 16);
    memset(buf + 5, 0xa5, 16);
    CHECK_ERR(ltls_record_open(&rd, buf, 21, &rec, &used), LTLS_R_BAD_RECORD_MAC);
    /* Exactly a tag, authentic: an empty TLSInnerPlaintext has no content
     * type (§5.4: unexpected_message). */
    size_t len = raw_record(buf, 0, NULL, NULL, 0);
    CHECK(len == 21);
    ltls_err_t err = ltls_record_open(&rd, buf, len, &rec, &used);
    CHECK_ERR(err, LTLS_R_RECORD_NO_CONTENT_TYPE);
    CHECK(ltls_err_alert(err) == LTLS_ALERT_UNEXPECTED_MESSAGE);
    CHECK(rd.seq == 0);
    ltls_record_dir_clear(&rd);
}

TEST(all_zero_inner_plaintext)
{
    ltls_record_dir_t rd;
    CHECK_OK(app_dir(&rd, 0));
    ltls_record_t rec;
    size_t used;
    static uint8_t zeros[LTLS_RECORD_MAX_PLAINTEXT + 1];
    const size_t lens[] = {1, 2, 100, LTLS_RECORD_MAX_PLAINTEXT + 1};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        size_t len = raw_record(buf, 0, NULL, zeros, lens[i]);
        ltls_err_t err = ltls_record_open(&rd, buf, len, &rec, &used);
        CHECK_ERR(err, LTLS_R_RECORD_NO_CONTENT_TYPE);
        CHECK(ltls_err_alert(err) == LTLS_ALERT_UNEXPECTED_MESSAGE);
        CHECK(rd.seq == 0);
    }
    ltls_record_dir_clear(&rd);
}

TEST(zero_length_handshake_and_alert)
{
    ltls_record_dir_t rd;
    CHECK_OK(app_dir(&rd, 0));
    ltls_record_t rec;
    size_t used;
    /* §5.4: handshake and alert content may not be empty, padded or not. */
    const uint8_t hs[] = {22}, al[] = {21}, hs_pad[] = {22, 0, 0, 0}, al_pad[] = {21, 0};
    const uint8_t *bad[] = {hs, al, hs_pad, al_pad};
    const size_t bad_len[] = {1, 1, 4, 2};
    for (size_t i = 0; i < 4; i++) {
        size_t len = raw_record(buf, 0, NULL, bad[i], bad_len[i]);
        ltls_err_t err = ltls_record_open(&rd, buf, len, &rec, &used);
        CHECK_ERR(err, LTLS_R_RECORD_EMPTY);
        CHECK(ltls_err_alert(err) == LTLS_ALERT_UNEXPECTED_MESSAGE);
    }
    /* Empty application data is allowed (§5.1, §5.4). */
    const uint8_t ad[] = {23}, ad_pad[] = {23, 0, 0, 0, 0, 0};
    size_t len = raw_record(buf, 0, NULL, ad, 1);
    CHECK_OK(ltls_record_open(&rd, buf, len, &rec, &used));
    CHECK(rec.type == 23 && rec.len == 0 && rd.seq == 1);
    len = raw_record(buf, 1, NULL, ad_pad, sizeof(ad_pad));
    CHECK_OK(ltls_record_open(&rd, buf, len, &rec, &used));
    CHECK(rec.type == 23 && rec.len == 0 && rd.seq == 2);
    ltls_record_dir_clear(&rd);
}

TEST(bad_inner_content_type)
{
    ltls_record_dir_t rd;
    CHECK_OK(app_dir(&rd, 0));
    ltls_record_t rec;
    size_t used;
    /* A protected change_cipher_spec (§5), and types not defined. */
    const uint8_t types[] = {20, 24, 1, 19, 0x80, 0xff};
    for (size_t i = 0; i < sizeof(types); i++) {
        const uint8_t inner[] = {0x01, types[i], 0, 0};
        size_t len = raw_record(buf, 0, NULL, inner, sizeof(inner));
        ltls_err_t err = ltls_record_open(&rd, buf, len, &rec, &used);
        CHECK_ERR(err, LTLS_R_RECORD_BAD_TYPE);
        CHECK(ltls_err_alert(err) == LTLS_ALERT_UNEXPECTED_MESSAGE);
        CHECK(rd.seq == 0);
    }
    ltls_record_dir_clear(&rd);
}

TEST(inner_plaintext_overflow)
{
    ltls_record_dir_t rd;
    CHECK_OK(app_dir(&rd, 0));
    ltls_record_t rec;
    size_t used;
    static uint8_t inner[LTLS_RECORD_MAX_PLAINTEXT + 16];
    memset(inner, 'x', sizeof(inner));
    /* 2^14 + 1 bytes of TLSInnerPlaintext is the most (§5.4)... */
    inner[LTLS_RECORD_MAX_PLAINTEXT] = 23;
    size_t len = raw_record(buf, 0, NULL, inner, LTLS_RECORD_MAX_PLAINTEXT + 1);
    CHECK_OK(ltls_record_open(&rd, buf, len, &rec, &used));
    CHECK(rec.type == 23 && rec.len == LTLS_RECORD_MAX_PLAINTEXT);
    /* ...one more is record_overflow, though the TLSCiphertext is within
     * 2^14 + 256 and authentic; so is the same content behind padding. */
    inner[LTLS_RECORD_MAX_PLAINTEXT + 1] = 23;
    len = raw_record(buf, 1, NULL, inner, LTLS_RECORD_MAX_PLAINTEXT + 2);
    CHECK(len - 5 <= LTLS_RECORD_MAX_CIPHERTEXT);
    ltls_err_t err = ltls_record_open(&rd, buf, len, &rec, &used);
    CHECK_ERR(err, LTLS_R_RECORD_OVERFLOW);
    CHECK(ltls_err_alert(err) == LTLS_ALERT_RECORD_OVERFLOW);
    inner[LTLS_RECORD_MAX_PLAINTEXT + 1] = 0;
    len = raw_record(buf, 1, NULL, inner, LTLS_RECORD_MAX_PLAINTEXT + 2);
    CHECK_ERR(ltls_record_open(&rd, buf, len, &rec, &used), LTLS_R_RECORD_OVERFLOW);
    CHECK(rd.seq == 1);

    /* Under our record_size_limit of 64: 64 bytes of inner plaintext
     * (63 of content) pass, 65 do not (RFC 8449 §4). */
    CHECK_OK(ltls_record_dir_set_size_limit(&rd, 64));
    CHECK(rd.max_plaintext == 63);
    inner[63] = 23;
    len = raw_record(buf, 1, NULL, inner, 64);
    CHECK_OK(ltls_record_open(&rd, buf, len, &rec, &used));
    CHECK(rec.len == 63);
    inner[64] = 23;
    len = raw_record(buf, 2, NULL, inner, 65);
    CHECK_ERR(ltls_record_open(&rd, buf, len, &rec, &used), LTLS_R_RECORD_OVERFLOW);
    ltls_record_dir_clear(&rd);
}

/* ------------------------------------------------------------------------
 * Padding
 * ---------------------------------------------------------------------- */

TEST(padding_is_stripped)
{
    ltls_record_dir_t wr, rd;
    CHECK_OK(app_dir(&wr, 1));
    CHECK_OK(app_dir(&rd, 0));
    ltls_record_t rec;
    size_t used, out_len;
    static uint8_t inner[BUF_SIZE];
    const size_t pads[] = {0, 1, 255, 256, 4096, LTLS_RECORD_MAX_PLAINTEXT - 5};
    for (size_t i = 0; i < sizeof(pads) / sizeof(pads[0]); i++) {
        uint64_t seq = wr.seq;
        CHECK_OK(ltls_record_seal(&wr, LTLS_CONTENT_HANDSHAKE, (const uint8_t *)"hello", 5, pads[i],
                                  buf, sizeof(buf), &out_len));
        CHECK(out_len == 5 + 5 + 1 + pads[i] + 16);
        CHECK(out_len == ltls_record_seal_size(&wr, 5, pads[i]));
        /* The padding is zeros (§5.4), as an independent open shows. */
        CHECK(raw_open(buf, out_len, APP_KEY, APP_IV, seq, inner));
        CHECK(memcmp(inner, "hello\x16", 6) == 0);
        for (size_t j = 0; j < pads[i]; j++)
            CHECK(inner[6 + j] == 0);
        CHECK_OK(ltls_record_open(&rd, buf, out_len, &rec, &used));
        CHECK(used == out_len);
        CHECK(rec.type == LTLS_CONTENT_HANDSHAKE && rec.len == 5);
        CHECK(memcmp(rec.content, "hello", 5) == 0);
    }
    /* Content and padding together stay within 2^14 (§5.4). */
    CHECK_ERR(ltls_record_seal(&wr, LTLS_CONTENT_HANDSHAKE, (const uint8_t *)"hello", 5,
                               LTLS_RECORD_MAX_PLAINTEXT - 4, buf, sizeof(buf), &out_len),
              LTLS_R_BAD_ARGUMENT);
    CHECK_ERR(ltls_record_seal(&wr, LTLS_CONTENT_HANDSHAKE, (const uint8_t *)"hello", 5, SIZE_MAX,
                               buf, sizeof(buf), &out_len),
              LTLS_R_BAD_ARGUMENT);
    /* A content byte that is itself zero is content, not padding: only the
     * zeros after the last non-zero byte are stripped. */
    const uint8_t tricky[] = {0, 0, 'a', 0, 0};
    CHECK_OK(ltls_record_seal(&wr, LTLS_CONTENT_APPLICATION_DATA, tricky, sizeof(tricky), 7, buf,
                              sizeof(buf), &out_len));
    CHECK_OK(ltls_record_open(&rd, buf, out_len, &rec, &used));
    CHECK(rec.type == 23 && rec.len == sizeof(tricky));
    CHECK_MEM(rec.content, tricky, sizeof(tricky));
    ltls_record_dir_clear(&wr);
    ltls_record_dir_clear(&rd);
}

/* ------------------------------------------------------------------------
 * Limits and the sequence number
 * ---------------------------------------------------------------------- */

TEST(usage_limit)
{
    ltls_record_dir_t wr, rd;
    CHECK_OK(app_dir(&wr, 1));
    CHECK_OK(app_dir(&rd, 0));
    CHECK(wr.max_records == ltls_aead_aes128gcm.max_records);
    CHECK(ltls_record_dir_remaining(&wr) == ltls_aead_aes128gcm.max_records);
    /* A tiny limit stands in for 2^24.5 records (§5.5). */
    wr.max_records = 3;
    rd.max_records = 3;
    static uint8_t recs[4][64], first[64];
    size_t lens[4], used;
    ltls_record_t rec;
    for (int i = 0; i < 3; i++) {
        CHECK(ltls_record_dir_remaining(&wr) == (uint64_t)(3 - i));
        CHECK_OK(ltls_record_seal(&wr, LTLS_CONTENT_APPLICATION_DATA, (const uint8_t *)"abc", 3, 0,
                                  recs[i], sizeof(recs[i]), &lens[i]));
    }
    memcpy(first, recs[0], lens[0]);
    CHECK(ltls_record_dir_remaining(&wr) == 0);
    ltls_err_t err = ltls_record_seal(&wr, LTLS_CONTENT_APPLICATION_DATA, (const uint8_t *)"abc", 3,
                                      0, recs[3], sizeof(recs[3]), &lens[3]);
    CHECK_ERR(err, LTLS_R_LIMIT_REACHED);
    CHECK(wr.seq == 3);

    for (int i = 0; i < 3; i++)
        CHECK_OK(ltls_record_open(&rd, recs[i], lens[i], &rec, &used));
    CHECK(ltls_record_dir_remaining(&rd) == 0);
    /* The peer sends a fourth record under the same key: refused before
     * decryption. */
    lens[3] = raw_record(recs[3], 3, NULL, (const uint8_t *)"abc\x17", 4);
    CHECK_ERR(ltls_record_open(&rd, recs[3], lens[3], &rec, &used), LTLS_R_LIMIT_REACHED);
    CHECK(rd.seq == 3);

    /* A new key (KeyUpdate) restarts both the sequence and the limit. */
    uint8_t key[16], iv[12];
    test_unhex(APP_KEY, key, sizeof(key));
    test_unhex(APP_IV, iv, sizeof(iv));
    CHECK_OK(ltls_record_dir_set_keys(&wr, prov, &ltls_aead_aes128gcm, key, iv));
    CHECK(wr.seq == 0 && wr.max_records == ltls_aead_aes128gcm.max_records);
    CHECK_OK(ltls_record_seal(&wr, LTLS_CONTENT_APPLICATION_DATA, (const uint8_t *)"abc", 3, 0, buf,
                              sizeof(buf), &lens[3]));
    /* Same key and sequence 0: the same bytes as the first record. */
    CHECK(lens[3] == lens[0]);
    CHECK_MEM(buf, first, lens[0]);
    ltls_record_dir_clear(&wr);
    ltls_record_dir_clear(&rd);
}

TEST(sequence_never_wraps)
{
    ltls_record_dir_t wr, rd;
    CHECK_OK(dir_keys(&wr, 1, &ltls_aead_aes128gcm, APP_KEY, APP_IV));
    CHECK_OK(dir_keys(&rd, 0, &ltls_aead_aes128gcm, APP_KEY, APP_IV));
    /* As for ChaCha20-Poly1305, whose limit is the sequence space itself. */
    wr.max_records = rd.max_records = UINT64_MAX;
    wr.seq = rd.seq = UINT64_MAX - 2;
    static uint8_t recs[2][64];
    size_t lens[2], used;
    ltls_record_t rec;
    for (int i = 0; i < 2; i++)
        CHECK_OK(ltls_record_seal(&wr, LTLS_CONTENT_APPLICATION_DATA, (const uint8_t *)"z", 1, 0,
                                  recs[i], sizeof(recs[i]), &lens[i]));
    CHECK(wr.seq == UINT64_MAX);
    CHECK(ltls_record_dir_remaining(&wr) == 0);
    ltls_err_t err = ltls_record_seal(&wr, LTLS_CONTENT_APPLICATION_DATA, (const uint8_t *)"z", 1, 0,
                                      buf, sizeof(buf), &lens[0]);
    CHECK_ERR(err, LTLS_R_RECORD_SEQ_EXHAUSTED);
    CHECK(wr.seq == UINT64_MAX);

    /* The records used sequence numbers 2^64-3 and 2^64-2: checked with an
     * independent nonce computation. */
    static uint8_t inner[64];
    CHECK(raw_open(recs[0], lens[0], APP_KEY, APP_IV, UINT64_MAX - 2, inner));
    CHECK(raw_open(recs[1], lens[1], APP_KEY, APP_IV, UINT64_MAX - 1, inner));
    for (int i = 0; i < 2; i++)
        CHECK_OK(ltls_record_open(&rd, recs[i], lens[i], &rec, &used));
    CHECK(rd.seq == UINT64_MAX);
    size_t len = raw_record(buf, UINT64_MAX, NULL, (const uint8_t *)"z\x17", 2);
    CHECK_ERR(ltls_record_open(&rd, buf, len, &rec, &used), LTLS_R_RECORD_SEQ_EXHAUSTED);
    CHECK(rd.seq == UINT64_MAX);
    ltls_record_dir_clear(&wr);
    ltls_record_dir_clear(&rd);
}

TEST(nonce_uses_all_sequence_bytes)
{
    ltls_record_dir_t wr;
    CHECK_OK(app_dir(&wr, 1));
    const uint64_t seqs[] = {1, 0x0102030405060708, UINT64_C(1) << 56, 0xff00000000000000};
    wr.max_records = UINT64_MAX;
    static uint8_t inner[64];
    for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
        size_t len;
        wr.seq = seqs[i];
        CHECK_OK(ltls_record_seal(&wr, LTLS_CONTENT_ALERT, (const uint8_t *)"\x01\x00", 2, 0, buf,
                                  sizeof(buf), &len));
        CHECK(raw_open(buf, len, APP_KEY, APP_IV, seqs[i], inner));
        CHECK(memcmp(inner, "\x01\x00\x15", 3) == 0);
        CHECK(!raw_open(buf, len, APP_KEY, APP_IV, seqs[i] ^ 1, inner));
    }
    ltls_record_dir_clear(&wr);
}

/* ------------------------------------------------------------------------
 * change_cipher_spec and plaintext records
 * ---------------------------------------------------------------------- */

TEST(change_cipher_spec)
{
    ltls_record_dir_t plain, prot;
    ltls_record_dir_init(&plain, 0);
    CHECK_OK(app_dir(&prot, 0));
    ltls_record_t rec;
    size_t used;
    const uint8_t good[] = {0x14, 0x03, 0x03, 0x00, 0x01, 0x01};
    /* Before keys and among protected records alike (§5), undecrypted and
     * taking no sequence number. */
    memcpy(buf, good, sizeof(good));
    CHECK_OK(ltls_record_open(&plain, buf, sizeof(good), &rec, &used));
    CHECK(rec.type == 20 && !rec.protected_ && rec.len == 1 && used == 6);
    CHECK_OK(ltls_record_check_ccs(&rec));
    CHECK_OK(ltls_record_open(&prot, buf, sizeof(good), &rec, &used));
    CHECK(rec.type == 20 && !rec.protected_);
    CHECK_OK(ltls_record_check_ccs(&rec));
    CHECK(prot.seq == 0);
    /* The next protected record still uses sequence number 0. */
    static uint8_t rec_bytes[BUF_SIZE];
    size_t n = app_record(rec_bytes);
    CHECK_OK(ltls_record_open(&prot, rec_bytes, n, &rec, &used));

    /* Any other value, or length: unexpected_message. */
    const uint8_t zero[] = {0x14, 0x03, 0x03, 0x00, 0x01, 0x00};
    const uint8_t two[] = {0x14, 0x03, 0x03, 0x00, 0x02, 0x01, 0x01};
    const uint8_t empty[] = {0x14, 0x03, 0x03, 0x00, 0x00};
    const uint8_t *bad[] = {zero, two, empty};
    const size_t bad_len[] = {sizeof(zero), sizeof(two), sizeof(empty)};
    for (int i = 0; i < 3; i++) {
        memcpy(buf, bad[i], bad_len[i]);
        CHECK_OK(ltls_record_open(&plain, buf, bad_len[i], &rec, &used));
        ltls_err_t err = ltls_record_check_ccs(&rec);
        CHECK_ERR(err, LTLS_R_RECORD_BAD_CCS);
        CHECK(ltls_err_alert(err) == LTLS_ALERT_UNEXPECTED_MESSAGE);
    }
    /* A CCS that came out of decryption never passes. */
    uint8_t one = 1;
    ltls_record_t fake = {LTLS_CONTENT_CHANGE_CIPHER_SPEC, 1, &one, 1};
    CHECK_ERR(ltls_record_check_ccs(&fake), LTLS_R_RECORD_BAD_CCS);
    ltls_record_t hs = {LTLS_CONTENT_HANDSHAKE, 0, &one, 1};
    CHECK_ERR(ltls_record_check_ccs(&hs), LTLS_R_BAD_ARGUMENT);

    /* Written in the clear even once the write direction is protected
     * (§D.4: the client's CCS follows its early-data key). */
    ltls_record_dir_t wr;
    CHECK_OK(app_dir(&wr, 1));
    size_t out_len;
    CHECK_OK(ltls_record_write_plaintext(&wr, LTLS_CONTENT_CHANGE_CIPHER_SPEC,
                                         LTLS_RECORD_VERSION_TLS12, &one, 1, buf, sizeof(buf),
                                         &out_len));
    CHECK(out_len == sizeof(good));
    CHECK_MEM(buf, good, sizeof(good));
    CHECK(wr.seq == 0);
    ltls_record_dir_clear(&wr);
    ltls_record_dir_clear(&prot);
}

TEST(plaintext_records)
{
    ltls_record_dir_t plain, prot;
    ltls_record_dir_init(&plain, 0);
    CHECK_OK(app_dir(&prot, 0));
    ltls_record_t rec;
    size_t used;
    /* An alert before keys passes; two records in the buffer: the first is
     * opened and only its bytes counted. */
    const uint8_t two[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28,
                           0x16, 0x03, 0x03, 0x00, 0x04, 0x14, 0x00, 0x00, 0x00};
    memcpy(buf, two, sizeof(two));
    CHECK_OK(ltls_record_open(&plain, buf, sizeof(two), &rec, &used));
    CHECK(rec.type == 21 && rec.len == 2 && rec.content[0] == 2 && rec.content[1] == 40);
    CHECK(used == 7);
    CHECK_OK(ltls_record_open(&plain, buf + used, sizeof(two) - used, &rec, &used));
    CHECK(rec.type == 22 && rec.len == 4 && used == 9);

    /* Application data is never in the clear (§5.1). */
    const uint8_t ad[] = {0x17, 0x03, 0x03, 0x00, 0x01, 0x41};
    memcpy(buf, ad, sizeof(ad));
    ltls_err_t err = ltls_record_open(&plain, buf, sizeof(ad), &rec, &used);
    CHECK_ERR(err, LTLS_R_RECORD_BAD_TYPE);
    CHECK(ltls_err_alert(err) == LTLS_ALERT_UNEXPECTED_MESSAGE);

    /* Zero-length handshake and alert records (§5.1). */
    const uint8_t hs0[] = {0x16, 0x03, 0x03, 0x00, 0x00}, al0[] = {0x15, 0x03, 0x03, 0x00, 0x00};
    memcpy(buf, hs0, 5);
    CHECK_ERR(ltls_record_open(&plain, buf, 5, &rec, &used), LTLS_R_RECORD_EMPTY);
    memcpy(buf, al0, 5);
    CHECK_ERR(ltls_record_open(&plain, buf, 5, &rec, &used), LTLS_R_RECORD_EMPTY);

    /* Once the peer protects its records, plaintext handshake and alert
     * records are unexpected. */
    memcpy(buf, two, sizeof(two));
    CHECK_ERR(ltls_record_open(&prot, buf, sizeof(two), &rec, &used), LTLS_R_RECORD_BAD_TYPE);
    CHECK_ERR(ltls_record_open(&prot, buf + 7, 9, &rec, &used), LTLS_R_RECORD_BAD_TYPE);
    CHECK(prot.seq == 0);
    ltls_record_dir_clear(&prot);
}

TEST(write_plaintext)
{
    ltls_record_dir_t wr;
    ltls_record_dir_init(&wr, 1);
    size_t out_len = 0;
    const uint8_t alert[] = {2, 40};
    CHECK_OK(ltls_record_write_plaintext(&wr, LTLS_CONTENT_ALERT, LTLS_RECORD_VERSION_TLS12, alert,
                                         2, buf, sizeof(buf), &out_len));
    CHECK(out_len == 7 && ltls_record_seal_size(&wr, 2, 0) == 7);
    CHECK_MEM(buf, "\x15\x03\x03\x00\x02\x02\x28", 7);
    /* In place. */
    memcpy(buf + 5, alert, 2);
    CHECK_OK(ltls_record_write_plaintext(&wr, LTLS_CONTENT_ALERT, LTLS_RECORD_VERSION_TLS10,
                                         buf + 5, 2, buf, 7, &out_len));
    CHECK_MEM(buf, "\x15\x03\x01\x00\x02\x02\x28", 7);

    static uint8_t big[LTLS_RECORD_MAX_PLAINTEXT + 1];
    CHECK_OK(ltls_record_write_plaintext(&wr, LTLS_CONTENT_HANDSHAKE, LTLS_RECORD_VERSION_TLS12, big,
                                         LTLS_RECORD_MAX_PLAINTEXT, buf, sizeof(buf), &out_len));
    CHECK(out_len == LTLS_RECORD_MAX_PLAINTEXT + 5);
    CHECK_ERR(ltls_record_write_plaintext(&wr, LTLS_CONTENT_HANDSHAKE, LTLS_RECORD_VERSION_TLS12,
                                          big, sizeof(big), buf, sizeof(buf), &out_len),
              LTLS_R_BAD_ARGUMENT);
    CHECK_ERR(ltls_record_write_plaintext(&wr, LTLS_CONTENT_APPLICATION_DATA,
                                          LTLS_RECORD_VERSION_TLS12, alert, 2, buf, sizeof(buf),
                                          &out_len),
              LTLS_R_BAD_ARGUMENT);
    CHECK_ERR(ltls_record_write_plaintext(&wr, 24, LTLS_RECORD_VERSION_TLS12, alert, 2, buf,
                                          sizeof(buf), &out_len),
              LTLS_R_BAD_ARGUMENT);
    CHECK_ERR(ltls_record_write_plaintext(&wr, LTLS_CONTENT_HANDSHAKE, LTLS_RECORD_VERSION_TLS12,
                                          alert, 0, buf, sizeof(buf), &out_len),
              LTLS_R_BAD_ARGUMENT);
    CHECK_ERR(ltls_record_write_plaintext(&wr, LTLS_CONTENT_HANDSHAKE, 0x0304, alert, 2, buf,
                                          sizeof(buf), &out_len),
              LTLS_R_BAD_ARGUMENT);
    /* Too small: the size needed is reported, and NULL measures. */
    CHECK_ERR(ltls_record_write_plaintext(&wr, LTLS_CONTENT_ALERT, LTLS_RECORD_VERSION_TLS12, alert,
                                          2, buf, 6, &out_len),
              LTLS_R_BUFFER_TOO_SMALL);
    CHECK(out_len == 7);
    CHECK_ERR(ltls_record_write_plaintext(&wr, LTLS_CONTENT_ALERT, LTLS_RECORD_VERSION_TLS12, alert,
                                          2, NULL, 0, &out_len),
              LTLS_R_BUFFER_TOO_SMALL);
    CHECK(out_len == 7);
    /* After keys, only change_cipher_spec goes out in the clear. */
    ltls_record_dir_t prot;
    CHECK_OK(app_dir(&prot, 1));
    CHECK_ERR(ltls_record_write_plaintext(&prot, LTLS_CONTENT_ALERT, LTLS_RECORD_VERSION_TLS12,
                                          alert, 2, buf, sizeof(buf), &out_len),
              LTLS_R_BAD_STATE);
    CHECK_ERR(ltls_record_write_plaintext(&prot, LTLS_CONTENT_HANDSHAKE, LTLS_RECORD_VERSION_TLS12,
                                          alert, 2, buf, sizeof(buf), &out_len),
              LTLS_R_BAD_STATE);
    ltls_record_dir_clear(&prot);
}

/* ------------------------------------------------------------------------
 * Sealing: arguments, sizes, state
 * ---------------------------------------------------------------------- */

TEST(seal_errors)
{
    ltls_record_dir_t wr, rd, plain;
    CHECK_OK(app_dir(&wr, 1));
    CHECK_OK(app_dir(&rd, 0));
    ltls_record_dir_init(&plain, 1);
    size_t out_len = 0;
    const uint8_t *c = (const uint8_t *)"data";
    CHECK_ERR(ltls_record_seal(&plain, 23, c, 4, 0, buf, sizeof(buf), &out_len), LTLS_R_BAD_STATE);
    CHECK_ERR(ltls_record_seal(&rd, 23, c, 4, 0, buf, sizeof(buf), &out_len), LTLS_R_BAD_STATE);
    const uint8_t bad_types[] = {0, 20, 24, 0xff};
    for (size_t i = 0; i < sizeof(bad_types); i++)
        CHECK_ERR(ltls_record_seal(&wr, bad_types[i], c, 4, 0, buf, sizeof(buf), &out_len),
                  LTLS_R_BAD_ARGUMENT);
    /* §5.4: no empty handshake or alert records. */
    CHECK_ERR(ltls_record_seal(&wr, 22, c, 0, 3, buf, sizeof(buf), &out_len), LTLS_R_BAD_ARGUMENT);
    CHECK_ERR(ltls_record_seal(&wr, 21, c, 0, 0, buf, sizeof(buf), &out_len), LTLS_R_BAD_ARGUMENT);
    /* Fragmentation is the caller's: more than 2^14 is refused. */
    static uint8_t big[LTLS_RECORD_MAX_PLAINTEXT + 1];
    CHECK_ERR(ltls_record_seal(&wr, 23, big, sizeof(big), 0, buf, sizeof(buf), &out_len),
              LTLS_R_BAD_ARGUMENT);
    CHECK(wr.seq == 0);
    CHECK_OK(ltls_record_seal(&wr, 23, big, LTLS_RECORD_MAX_PLAINTEXT, 0, buf, sizeof(buf),
                              &out_len));
    CHECK(out_len == 5 + LTLS_RECORD_MAX_PLAINTEXT + 1 + 16);
    /* Too small: the size needed, nothing consumed from the sequence. */
    size_t need = ltls_record_seal_size(&wr, 4, 2);
    CHECK(need == 5 + 4 + 1 + 2 + 16);
    for (size_t cap = 0; cap < need; cap++) {
        out_len = 0;
        CHECK_ERR(ltls_record_seal(&wr, 23, c, 4, 2, buf, cap, &out_len), LTLS_R_BUFFER_TOO_SMALL);
        CHECK(out_len == need);
    }
    CHECK_ERR(ltls_record_seal(&wr, 23, c, 4, 2, NULL, 0, &out_len), LTLS_R_BUFFER_TOO_SMALL);
    CHECK(out_len == need && wr.seq == 1);
    CHECK_OK(ltls_record_seal(&wr, 23, c, 4, 2, buf, need, &out_len));
    CHECK(out_len == need && wr.seq == 2);
    /* Empty application data is fine (§5.1). */
    CHECK_OK(ltls_record_seal(&wr, 23, NULL, 0, 0, buf, sizeof(buf), &out_len));
    CHECK(out_len == 22);
    ltls_record_t rec;
    size_t used;
    rd.seq = 2;
    CHECK_OK(ltls_record_open(&rd, buf, out_len, &rec, &used));
    CHECK(rec.type == 23 && rec.len == 0);
    /* Content anywhere in the output buffer, even over the header's bytes:
     * the same record as from a separate buffer. */
    static uint8_t ref[64];
    size_t ref_len;
    const uint8_t msg[] = "overlapping content";
    wr.seq = 7;
    CHECK_OK(ltls_record_seal(&wr, 22, msg, sizeof(msg), 3, ref, sizeof(ref), &ref_len));
    for (size_t at = 0; at < 12; at++) {
        memset(buf, 0xcc, 64);
        memcpy(buf + at, msg, sizeof(msg));
        wr.seq = 7;
        CHECK_OK(ltls_record_seal(&wr, 22, buf + at, sizeof(msg), 3, buf, sizeof(buf), &out_len));
        CHECK(out_len == ref_len);
        CHECK_MEM(buf, ref, ref_len);
        memset(buf, 0xcc, 64);
        memcpy(buf + at, msg, sizeof(msg));
        CHECK_OK(ltls_record_write_plaintext(&plain, 22, 0x0303, buf + at, sizeof(msg), buf,
                                             sizeof(buf), &out_len));
        CHECK(out_len == 5 + sizeof(msg));
        CHECK_MEM(buf, "\x16\x03\x03\x00\x14", 5);
        CHECK_MEM(buf + 5, msg, sizeof(msg));
    }
    /* Nothing is written when the record does not fit. */
    memset(buf, 0xcc, 64);
    CHECK_ERR(ltls_record_seal(&wr, 22, msg, sizeof(msg), 3, buf, ref_len - 1, &out_len),
              LTLS_R_BUFFER_TOO_SMALL);
    for (size_t i = 0; i < 64; i++)
        CHECK(buf[i] == 0xcc);
    /* Opening with a write direction: misuse. */
    CHECK_OK(ltls_record_seal(&wr, 23, c, 4, 0, buf, sizeof(buf), &out_len));
    CHECK_ERR(ltls_record_open(&wr, buf, out_len, &rec, &used), LTLS_R_BAD_STATE);
    ltls_record_dir_clear(&wr);
    ltls_record_dir_clear(&rd);
}

TEST(size_helpers_and_limit)
{
    ltls_record_dir_t plain, wr;
    ltls_record_dir_init(&plain, 1);
    CHECK_OK(app_dir(&wr, 1));
    CHECK(ltls_record_overhead(&plain, 0) == 5);
    CHECK(ltls_record_overhead(&wr, 0) == 5 + 1 + 16);
    CHECK(ltls_record_overhead(&wr, 10) == 5 + 1 + 10 + 16);
    CHECK(ltls_record_seal_size(&wr, 100, 10) == 100 + 32);
    CHECK(ltls_record_max_content(&plain, 0, SIZE_MAX) == 16384);
    CHECK(ltls_record_max_content(&plain, 0, 100) == 95);
    CHECK(ltls_record_max_content(&plain, 0, 4) == 0);
    CHECK(ltls_record_max_content(&wr, 0, SIZE_MAX) == 16384);
    CHECK(ltls_record_max_content(&wr, 100, SIZE_MAX) == 16284);
    CHECK(ltls_record_max_content(&wr, 0, 100) == 78);
    CHECK(ltls_record_max_content(&wr, 0, 22) == 0);
    CHECK(ltls_record_max_content(&wr, 0, 21) == 0);
    CHECK(ltls_record_max_content(&wr, 16385, SIZE_MAX) == 0);
    CHECK(ltls_record_max_content(&wr, 0, LTLS_RECORD_MAX_SIZE) == 16384);

    /* The peer's record_size_limit (RFC 8449 §4): the whole inner plaintext,
     * type byte included, within it. */
    CHECK_ERR(ltls_record_dir_set_size_limit(&wr, 63), LTLS_R_BAD_ARGUMENT);
    CHECK_ERR(ltls_record_dir_set_size_limit(&wr, 1), LTLS_R_BAD_ARGUMENT);
    CHECK_OK(ltls_record_dir_set_size_limit(&wr, 64));
    CHECK(wr.max_plaintext == 63);
    CHECK(ltls_record_max_content(&wr, 0, SIZE_MAX) == 63);
    CHECK(ltls_record_max_content(&wr, 3, SIZE_MAX) == 60);
    static uint8_t c[64];
    size_t out_len;
    CHECK_OK(ltls_record_seal(&wr, 23, c, 63, 0, buf, sizeof(buf), &out_len));
    CHECK(out_len == 5 + 64 + 16);
    CHECK_OK(ltls_record_seal(&wr, 23, c, 62, 1, buf, sizeof(buf), &out_len));
    CHECK_ERR(ltls_record_seal(&wr, 23, c, 64, 0, buf, sizeof(buf), &out_len), LTLS_R_BAD_ARGUMENT);
    CHECK_ERR(ltls_record_seal(&wr, 23, c, 62, 2, buf, sizeof(buf), &out_len), LTLS_R_BAD_ARGUMENT);
    /* Unprotected records are not subject to it. */
    CHECK_OK(ltls_record_dir_set_size_limit(&plain, 64));
    CHECK(ltls_record_max_content(&plain, 0, SIZE_MAX) == 16384);
    /* Above the protocol's own limit: clamped (RFC 8449 §4). */
    CHECK_OK(ltls_record_dir_set_size_limit(&wr, 65535));
    CHECK(wr.max_plaintext == 16384);
    CHECK_OK(ltls_record_dir_set_size_limit(&wr, 16385));
    CHECK(wr.max_plaintext == 16384);
    CHECK_OK(ltls_record_dir_set_size_limit(&wr, 1000));
    /* It survives a key change (it belongs to the handshake, not the key). */
    uint8_t key[16], iv[12];
    test_unhex(APP_KEY, key, sizeof(key));
    test_unhex(APP_IV, iv, sizeof(iv));
    CHECK_OK(ltls_record_dir_set_keys(&wr, prov, &ltls_aead_aes128gcm, key, iv));
    CHECK(wr.max_plaintext == 999);
    CHECK_OK(ltls_record_dir_set_size_limit(&wr, 0));
    CHECK(wr.max_plaintext == 16384);
    ltls_record_dir_clear(&wr);
    CHECK(!ltls_record_dir_protected(&wr) && wr.write == 1 && wr.max_plaintext == 16384);
}

TEST(failed_key_change)
{
    ltls_record_dir_t wr;
    CHECK_OK(app_dir(&wr, 1));
    uint8_t key[32] = {0}, iv[12] = {0};
    /* A descriptor the provider does not know: its error comes back, and the
     * direction refuses to work rather than keep the old key or go plain. */
    const ltls_aead_alg_t bogus = {99, "bogus", 16, 16, 1000};
    ltls_err_t err = ltls_record_dir_set_keys(&wr, prov, &bogus, key, iv);
    CHECK(err != LTLS_OK);
    CHECK(!ltls_record_dir_protected(&wr));
    CHECK(ltls_record_dir_remaining(&wr) == 0);
    size_t out_len;
    CHECK_ERR(ltls_record_seal(&wr, 23, key, 4, 0, buf, sizeof(buf), &out_len), LTLS_R_BAD_STATE);
    CHECK_ERR(ltls_record_write_plaintext(&wr, 22, 0x0303, key, 4, buf, sizeof(buf), &out_len),
              LTLS_R_BAD_STATE);
    const ltls_aead_alg_t no_tag = {LTLS_AEAD_AES128GCM, "no tag", 16, 0, 1000};
    CHECK_ERR(ltls_record_dir_set_keys(&wr, prov, &no_tag, key, iv), LTLS_R_BAD_ARGUMENT);
    ltls_record_dir_t rd;
    CHECK_OK(app_dir(&rd, 0));
    CHECK_ERR(ltls_record_dir_set_keys(&rd, prov, &no_tag, key, iv), LTLS_R_BAD_ARGUMENT);
    ltls_record_t rec;
    size_t used;
    static uint8_t rec_bytes[BUF_SIZE];
    size_t n = app_record(rec_bytes);
    CHECK_ERR(ltls_record_open(&rd, rec_bytes, n, &rec, &used), LTLS_R_BAD_STATE);
    const uint8_t hs[] = {0x16, 0x03, 0x03, 0x00, 0x01, 0x01};
    memcpy(buf, hs, sizeof(hs));
    CHECK_ERR(ltls_record_open(&rd, buf, sizeof(hs), &rec, &used), LTLS_R_BAD_STATE);
    CHECK_ERR(ltls_record_dir_set_keys(&rd, NULL, &no_tag, key, iv), LTLS_R_NULL_ARGUMENT);
    /* Clearing makes it a fresh unprotected direction again. */
    ltls_record_dir_clear(&wr);
    CHECK_OK(ltls_record_write_plaintext(&wr, 22, 0x0303, key, 4, buf, sizeof(buf), &out_len));
    ltls_record_dir_clear(&rd);
    ltls_record_dir_clear(NULL);
}

TEST(every_aead_round_trips)
{
    for (const ltls_suite_t *const *s = prov->suites; *s; s++) {
        const ltls_aead_alg_t *aead = (*s)->aead;
        printf("# %s\n", aead->name);
        uint8_t key[LTLS_AEAD_MAX_KEY], iv[LTLS_AEAD_NONCE_SIZE];
        for (size_t i = 0; i < sizeof(key); i++)
            key[i] = (uint8_t)(i * 7 + 1);
        for (size_t i = 0; i < sizeof(iv); i++)
            iv[i] = (uint8_t)(0xa0 + i);
        ltls_record_dir_t wr, rd;
        ltls_record_dir_init(&wr, 1);
        ltls_record_dir_init(&rd, 0);
        CHECK_OK(ltls_record_dir_set_keys(&wr, prov, aead, key, iv));
        CHECK_OK(ltls_record_dir_set_keys(&rd, prov, aead, key, iv));
        CHECK(wr.max_records == aead->max_records);
        static uint8_t content[LTLS_RECORD_MAX_PLAINTEXT];
        for (size_t i = 0; i < sizeof(content); i++)
            content[i] = (uint8_t)(i * 31);
        const size_t sizes[] = {1, 2, 100, 1000, LTLS_RECORD_MAX_PLAINTEXT};
        for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
            size_t pad = k % 2 ? 0 : (LTLS_RECORD_MAX_PLAINTEXT - sizes[k]) / 3;
            size_t out_len, used;
            ltls_record_t rec;
            CHECK_OK(ltls_record_seal(&wr, 22, content, sizes[k], pad, buf, sizeof(buf), &out_len));
            CHECK(out_len == ltls_record_seal_size(&wr, sizes[k], pad));
            memcpy(buf2, buf, out_len);
            buf2[out_len - 1] ^= 0x80;
            CHECK_ERR(ltls_record_open(&rd, buf2, out_len, &rec, &used), LTLS_R_BAD_RECORD_MAC);
            CHECK_OK(ltls_record_open(&rd, buf, out_len, &rec, &used));
            CHECK(rec.type == 22 && rec.len == sizes[k]);
            CHECK_MEM(rec.content, content, sizes[k]);
        }
        CHECK(wr.seq == 5 && rd.seq == 5);
        ltls_record_dir_clear(&wr);
        ltls_record_dir_clear(&rd);
    }
}

int main(void)
{
    ltls_err_t err = ltls_provider_new(test_provider_name(), NULL, &prov);
    if (err) {
        printf("Bail out! no provider: %s\n", ltls_err_message(err));
        return 1;
    }
    RUN(rfc8448_s3_trace);
    RUN(rfc8448_s4_trace);
    RUN(truncated_header_and_body);
    RUN(oversize_lengths);
    RUN(unknown_content_types);
    RUN(legacy_record_version);
    RUN(flipped_ciphertext_and_tag_bits);
    RUN(flipped_header_bits);
    RUN(wrong_sequence_number);
    RUN(too_short_ciphertext);
    RUN(all_zero_inner_plaintext);
    RUN(zero_length_handshake_and_alert);
    RUN(bad_inner_content_type);
    RUN(inner_plaintext_overflow);
    RUN(padding_is_stripped);
    RUN(usage_limit);
    RUN(sequence_never_wraps);
    RUN(nonce_uses_all_sequence_bytes);
    RUN(change_cipher_spec);
    RUN(plaintext_records);
    RUN(write_plaintext);
    RUN(seal_errors);
    RUN(size_helpers_and_limit);
    RUN(failed_key_change);
    RUN(every_aead_round_trips);
    ltls_provider_free(prov);
    return test_done();
}
