/*
 * test_certinfo.c - the display accessors of x509.h (src/x509/certinfo.c):
 * subjectAltName entries of every form the corpus has, serial numbers as
 * OpenSSL prints them (negative and 21-octet ones included), Names walked
 * attribute by attribute with multi-valued RDNs, OIDs as text, and the
 * refusal of malformed Names. Only the public header is used, as an
 * application would. Expected values were read with OpenSSL
 * (python3 -c "import ssl; ssl._ssl._test_decode_cert(...)") and
 * `cryptography`; data: tests/data/x509-unit/ (scripts/gen_x509_unit.py).
 */
#include <lucidtls/x509.h>

#include "test.h"

#define DATA "../data/x509-unit/"

static ltls_cert_t *load(const char *name)
{
    static uint8_t buf[1 << 16];
    char path[256];
    snprintf(path, sizeof path, DATA "%s", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    ltls_cert_t *c = NULL;
    if (ltls_cert_parse(buf, n, NULL, &c))
        return NULL;
    return c;
}

static int text_is(const uint8_t *v, size_t len, const char *want)
{
    return len == strlen(want) && memcmp(v, want, len) == 0;
}

TEST(san_entries_of_every_form)
{
    ltls_cert_t *c = load("allext.der");
    CHECK(c != NULL);
    /* DNS, DNS, IP v4, IP v6, email, URI, DirName (CN=dir) */
    CHECK(ltls_cert_san_count(c) == 7);
    static const int kinds[] = {LTLS_SAN_DNS, LTLS_SAN_DNS, LTLS_SAN_IP, LTLS_SAN_IP,
                                LTLS_SAN_EMAIL, LTLS_SAN_URI, LTLS_SAN_DIRECTORY};
    size_t pos = 0, i = 0;
    int kind;
    const uint8_t *v;
    size_t len;
    while (ltls_cert_san_next(c, &pos, &kind, &v, &len)) {
        CHECK(i < 7 && kind == kinds[i]);
        int k2;
        const uint8_t *v2;
        size_t l2;
        CHECK(ltls_cert_san(c, i, &k2, &v2, &l2) == 1 && k2 == kind && v2 == v && l2 == len);
        switch (i) {
        case 0: CHECK(text_is(v, len, "allext.example")); break;
        case 1: CHECK(text_is(v, len, "*.allext.example")); break;
        case 2: CHECK(len == 4 && memcmp(v, "\xc0\x00\x02\x07", 4) == 0); break;
        case 3:
            CHECK(len == 16 && memcmp(v, "\x20\x01\x0d\xb8", 4) == 0 && v[15] == 7);
            break;
        case 4: CHECK(text_is(v, len, "admin@allext.example")); break;
        case 5: CHECK(text_is(v, len, "https://allext.example/")); break;
        default: {
            /* the directoryName is a Name that ltls_name_next walks */
            ltls_name_cursor_t cur = {0, 0, 0};
            ltls_name_attr_t a;
            char oid[32];
            CHECK(ltls_name_next(v, len, &cur, &a) == 1);
            CHECK(ltls_oid_text(a.oid, a.oid_len, oid, sizeof oid) == 7 && strcmp(oid, "2.5.4.3") == 0);
            CHECK(a.rdn == 0 && text_is(a.value, a.value_len, "dir"));
            CHECK(ltls_name_next(v, len, &cur, &a) == 0);
        }
        }
        i++;
    }
    CHECK(i == 7);
    CHECK(ltls_cert_san(c, 7, &kind, &v, &len) == 0);
    CHECK(ltls_cert_san_next(c, &pos, &kind, &v, &len) == 0); /* stays at the end */
    ltls_cert_free(c);

    /* No extension: nothing, whatever is asked. */
    c = load("host-nosan.der");
    CHECK(c != NULL);
    pos = 0;
    CHECK(ltls_cert_san_count(c) == 0 && ltls_cert_san(c, 0, &kind, &v, &len) == 0);
    CHECK(ltls_cert_san_next(c, &pos, &kind, &v, &len) == 0);
    pos = 12345; /* a cursor from elsewhere cannot read out of bounds */
    CHECK(ltls_cert_san_next(c, &pos, &kind, &v, &len) == 0);
    ltls_cert_free(c);
    CHECK(ltls_cert_san_count(NULL) == 0);
}

TEST(serial_numbers_as_openssl_prints_them)
{
    static const struct {
        const char *file, *want;
    } cases[] = {
        {"allext.der", "2878544CEF7F95B9FE28E9C5596DF2F7"},
        /* top bit set: DER's 0x00 sign octet is not shown */
        {"leaf-by-rsa1024.der", "EA3DFD6DE9416B97C084FF4A7ADD94"},
        {"bad-serial-negative.der", "-7FFF"},
        {"bad-serial-long.der", "010101010101010101010101010101010101010101"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ltls_cert_t *c = load(cases[i].file);
        CHECK(c != NULL);
        char buf[64];
        size_t n = ltls_cert_serial_hex(c, buf, sizeof buf);
        if (n != strlen(cases[i].want) || strcmp(buf, cases[i].want) != 0)
            TEST_FAIL_("%s: serial %s, want %s", cases[i].file, buf, cases[i].want);
        /* truncation keeps the full length and a terminated prefix */
        char small[5];
        CHECK(ltls_cert_serial_hex(c, small, sizeof small) == n && strlen(small) == 4);
        CHECK(ltls_cert_serial_hex(c, NULL, 0) == n);
        ltls_cert_free(c);
    }
}

TEST(names_attribute_by_attribute)
{
    ltls_cert_t *c = load("names.der");
    CHECK(c != NULL);
    /* C=DE / ST=Baden-Württemberg / O=Example, Inc. / OU=#1 + OU=R+D /
     * L=Zürich (BMPString) / 1.2.3.4=x<y>"z\; / CN=www.example.com */
    static const struct {
        size_t rdn;
        const char *oid;
        unsigned tag;
        size_t len;
    } want[] = {
        {0, "2.5.4.6", 19, 2},  {1, "2.5.4.8", 12, 18}, {2, "2.5.4.10", 12, 13},
        {3, "2.5.4.11", 12, 3}, {3, "2.5.4.11", 12, 3}, {4, "2.5.4.7", 30, 12},
        {5, "1.2.3.4", 12, 8},  {6, "2.5.4.3", 12, 15},
    };
    size_t len;
    const uint8_t *name = ltls_cert_subject_name(c, &len);
    CHECK(name != NULL && len > 2 && name[0] == 0x30);
    ltls_name_cursor_t cur = {0, 0, 0};
    ltls_name_attr_t a;
    size_t i = 0;
    int r;
    while ((r = ltls_name_next(name, len, &cur, &a)) == 1) {
        char oid[32];
        CHECK(i < 8);
        ltls_oid_text(a.oid, a.oid_len, oid, sizeof oid);
        if (a.rdn != want[i].rdn || strcmp(oid, want[i].oid) != 0 || a.tag != want[i].tag ||
            a.value_len != want[i].len)
            TEST_FAIL_("attribute %zu: rdn %zu %s tag %u len %zu", i, a.rdn, oid, a.tag,
                       a.value_len);
        i++;
    }
    CHECK(r == 0 && i == 8);
    /* L is "Zürich" in UTF-16BE */
    cur = (ltls_name_cursor_t){0, 0, 0};
    for (i = 0; i < 6; i++)
        CHECK(ltls_name_next(name, len, &cur, &a) == 1);
    CHECK(a.value_len == 12 && memcmp(a.value, "\0Z\0\xfc\0r\0i\0c\0h", 12) == 0);

    /* The issuer of a self-issued certificate is the same Name. */
    size_t ilen;
    const uint8_t *issuer = ltls_cert_issuer_name(c, &ilen);
    CHECK(ilen == len && memcmp(issuer, name, len) == 0);
    ltls_cert_free(c);
}

TEST(malformed_names_are_refused)
{
    ltls_name_cursor_t cur = {0, 0, 0};
    ltls_name_attr_t a;
    /* an empty SEQUENCE is the empty Name: no attribute */
    static const uint8_t empty[] = {0x30, 0x00};
    CHECK(ltls_name_next(empty, sizeof empty, &cur, &a) == 0);
    /* one RDN: SET { SEQUENCE { OID 2.5.4.3, UTF8String "a" } } */
    static const uint8_t ok[] = {0x30, 0x0c, 0x31, 0x0a, 0x30, 0x08, 0x06, 0x03,
                                 0x55, 0x04, 0x03, 0x0c, 0x01, 'a'};
    cur = (ltls_name_cursor_t){0, 0, 0};
    CHECK(ltls_name_next(ok, sizeof ok, &cur, &a) == 1 && a.tag == 12 && a.value_len == 1);
    CHECK(ltls_name_next(ok, sizeof ok, &cur, &a) == 0);
    /* trailing bytes, a truncation, an empty RDN, a non-SEQUENCE */
    static const uint8_t trailing[] = {0x30, 0x0c, 0x31, 0x0a, 0x30, 0x08, 0x06, 0x03,
                                       0x55, 0x04, 0x03, 0x0c, 0x01, 'a', 0x00};
    static const uint8_t empty_rdn[] = {0x30, 0x02, 0x31, 0x00};
    static const uint8_t not_seq[] = {0x31, 0x00};
    cur = (ltls_name_cursor_t){0, 0, 0};
    CHECK(ltls_name_next(trailing, sizeof trailing, &cur, &a) == -1);
    cur = (ltls_name_cursor_t){0, 0, 0};
    CHECK(ltls_name_next(ok, sizeof ok - 1, &cur, &a) == -1);
    cur = (ltls_name_cursor_t){0, 0, 0};
    CHECK(ltls_name_next(empty_rdn, sizeof empty_rdn, &cur, &a) == -1);
    cur = (ltls_name_cursor_t){0, 0, 0};
    CHECK(ltls_name_next(not_seq, sizeof not_seq, &cur, &a) == -1);
    CHECK(ltls_name_next(NULL, 0, &cur, &a) == -1);
    /* a forged cursor past the end cannot read out of bounds */
    cur = (ltls_name_cursor_t){100, 100, 0};
    CHECK(ltls_name_next(ok, sizeof ok, &cur, &a) == -1);
}

TEST(oids_as_text)
{
    char buf[128];
    CHECK(ltls_oid_text((const uint8_t *)"\x55\x04\x03", 3, buf, sizeof buf) == 7);
    CHECK(strcmp(buf, "2.5.4.3") == 0);
    CHECK(ltls_oid_text((const uint8_t *)"\x2a\x86\x48\x86\xf7\x0d\x01\x09\x01", 9, buf,
                        sizeof buf) == 20);
    CHECK(strcmp(buf, "1.2.840.113549.1.9.1") == 0);
    CHECK(ltls_oid_text((const uint8_t *)"\x00", 1, buf, sizeof buf) == 3 && strcmp(buf, "0.0") == 0);
    CHECK(ltls_oid_text((const uint8_t *)"\x27", 1, buf, sizeof buf) == 4 && strcmp(buf, "0.39") == 0);
    CHECK(ltls_oid_text((const uint8_t *)"\x4f", 1, buf, sizeof buf) == 4 && strcmp(buf, "1.39") == 0);
    /* first subidentifier 2*40+1000 = 1080: 0x88 0x38 */
    CHECK(ltls_oid_text((const uint8_t *)"\x88\x38", 2, buf, sizeof buf) == 6);
    CHECK(strcmp(buf, "2.1000") == 0);
    /* a UUID arc (2.25.<128 bits>): 2^127 + 1 needs more than 64 bits */
    uint8_t uuid[1 + 19];
    uuid[0] = 0x69; /* 2.25 */
    /* 2^127 + 1 in base 128: 1 followed by 18 zero digits, last digit 1 */
    uuid[1] = 0x82; /* 2^127 = 2 * 128^18 */
    for (int i = 2; i < 19; i++)
        uuid[i] = 0x80;
    uuid[19] = 0x01;
    size_t n = ltls_oid_text(uuid, sizeof uuid, buf, sizeof buf);
    CHECK(strcmp(buf, "2.25.170141183460469231731687303715884105729") == 0 && n == strlen(buf));
    /* truncation reports the full length */
    char small[4];
    CHECK(ltls_oid_text((const uint8_t *)"\x55\x04\x03", 3, small, sizeof small) == 7);
    CHECK(strcmp(small, "2.5") == 0);
    /* invalid: empty, unterminated, a non-minimal subidentifier */
    CHECK(ltls_oid_text((const uint8_t *)"", 0, buf, sizeof buf) == 0 && buf[0] == '\0');
    CHECK(ltls_oid_text((const uint8_t *)"\x55\x84", 2, buf, sizeof buf) == 0 && buf[0] == '\0');
    CHECK(ltls_oid_text((const uint8_t *)"\x55\x80\x01", 3, buf, sizeof buf) == 0);
}

TEST(info_says_what_a_ca_is)
{
    ltls_cert_info_t info;
    ltls_cert_t *c = load("ica.der"); /* an intermediate CA with pathLen 0 */
    CHECK(c != NULL);
    ltls_cert_get_info(c, &info);
    CHECK(info.version == 3 && info.has_basic_constraints && info.is_ca && info.path_len == 0);
    CHECK(info.has_key_usage && (info.key_usage & (1u << 5)) && !info.self_issued);
    ltls_cert_free(c);
    c = load("leaf.der");
    CHECK(c != NULL);
    ltls_cert_get_info(c, &info);
    CHECK(info.version == 3 && !info.is_ca && info.path_len == -1);
    ltls_cert_free(c);
    c = load("names.der"); /* self-signed */
    CHECK(c != NULL);
    ltls_cert_get_info(c, &info);
    CHECK(info.self_issued);
    ltls_cert_free(c);
    ltls_cert_get_info(NULL, &info);
    CHECK(info.version == 0 && info.path_len == -1);
}

int main(void)
{
    RUN(san_entries_of_every_form);
    RUN(serial_numbers_as_openssl_prints_them);
    RUN(names_attribute_by_attribute);
    RUN(malformed_names_are_refused);
    RUN(oids_as_text);
    RUN(info_says_what_a_ca_is);
    return test_done();
}
