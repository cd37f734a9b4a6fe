/*
 * test_hostname.c - server identity (src/x509/hostname.c): the matching
 * table of RFC 6125/9525 rules against one certificate holding many kinds of
 * subjectAltName, and the IP-literal and DNS-name helpers. Data:
 * tests/data/x509-unit/host.der (SAN list in MANIFEST.txt).
 */
#include "test.h"
#include "lucidtls/x509.h"
#include "x509/cert.h"
#include "x509/verify.h"

#define DATA "../data/x509-unit/"

static ltls_cert_t *load(const char *name)
{
    static uint8_t buf[1 << 16];
    char path[256];
    snprintf(path, sizeof(path), DATA "%s", name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "missing %s\n", path);
        abort();
    }
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    ltls_cert_t *c = NULL;
    if (ltls_cert_parse(buf, n, NULL, &c))
        abort();
    return c;
}

static const struct {
    const char *host;
    int match;
} table[] = {
    /* exact, case, trailing dot */
    {"example.com", 1},
    {"EXAMPLE.com", 1},
    {"example.com.", 1},
    {"example.com..", 0},
    {"www.example.com", 0},
    {"xample.com", 0},
    {"example.co", 0},
    {"", 0},
    {".", 0},
    {"upper.example.org", 1},
    {"UPPER.EXAMPLE.ORG", 1},
    /* a wildcard stands for exactly one whole label */
    {"a.wild.example.com", 1},
    {"A.Wild.Example.COM", 1},
    {"a.wild.example.com.", 1},
    {"xn--abc.wild.example.com", 1},
    {"wild.example.com", 0},
    {"a.b.wild.example.com", 0},
    {".wild.example.com", 0},
    {"*.wild.example.com", 0}, /* a reference identity is never a pattern */
    /* never in a public-suffix-like position */
    {"foo.com", 0},
    {"foo.co.uk", 0},
    {"foo.example.co.uk", 1},
    /* partial, multiple and non-left-most wildcards never match */
    {"fa.partial.example.net", 0},
    {"f.partial.example.net", 0},
    {"a.b.double.example.org", 0},
    {"a.double.example.org", 0},
    {"www.x.middle.example.io", 0},
    /* IDN: A-labels compare as ASCII; U-labels are not DNS names */
    {"xn--bcher-kva.example", 1},
    {"XN--BCHER-KVA.example", 1},
    {"b\xc3\xbc" "cher.example", 0},
    {"x.xn--idn-wild.example", 1},
    /* malformed presented names never match, even byte for byte */
    {"under_score.example", 0},
    {"leading.example", 0},
    {".leading.example", 0},
    {"trailing.example", 0},
    {"trailing.example.", 0},
    {"a..b.example", 0},
    {"-dash.example", 0},
    {"ok-dash.example", 1},
    {"anything", 0}, /* "*" alone */
    {"x", 0},
    /* IP literals only against iPAddress entries */
    {"10.0.0.1", 0}, /* present as a dNSName only */
    {"192.0.2.1", 1},
    {"192.0.2.2", 0},
    {"192.0.2.01", 0},
    {"192.0.2.1.", 0},
    {"0300.0.2.1", 0},
    {"192.0.2", 0},
    {"192.0.2.1.5", 0},
    {"2001:db8::1", 1},
    {"2001:DB8:0:0:0:0:0:1", 1},
    {"2001:0db8::0001", 1},
    {"2001:db8:0::1", 1},
    {"[2001:db8::1]", 0},
    {"2001:db8::1%eth0", 0},
    {"2001:db8::2", 0},
    {"::1", 0},
    {"::ffff:198.51.100.7", 1},
    {"::ffff:c633:6407", 1},
    {"198.51.100.7", 0}, /* IPv4 is not the IPv4-mapped IPv6 address */
};

TEST(match_table)
{
    ltls_cert_t *c = load("host.der");
    int bad = 0;
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        int got = ltls_x509_match_host(c, table[i].host);
        if (got != table[i].match) {
            printf("# '%s': got %d, want %d\n", table[i].host, got, table[i].match);
            bad = 1;
        }
    }
    CHECK(!ltls_x509_match_host(c, NULL));
    CHECK(!ltls_x509_match_host(NULL, "example.com"));
    ltls_cert_free(c);
    CHECK(!bad);
}

/* The subject's CN is never an identity (RFC 9525 §6.3). */
TEST(no_common_name_fallback)
{
    ltls_cert_t *c = load("host-nosan.der");
    CHECK(!ltls_x509_match_host(c, "nosan.example"));
    char buf[64];
    CHECK(ltls_x509_san_print(c, buf, sizeof(buf)) && strcmp(buf, "no subjectAltName") == 0);
    ltls_cert_free(c);
}

TEST(san_text)
{
    ltls_cert_t *c = load("host.der");
    char buf[2048];
    size_t n = ltls_x509_san_print(c, buf, sizeof(buf));
    CHECK(n == strlen(buf));
    CHECK(strncmp(buf, "DNS:example.com, DNS:UPPER.Example.ORG, DNS:*.wild.example.com", 62) == 0);
    CHECK(strstr(buf, ", IP:192.0.2.1, IP:2001:db8::1, IP:::ffff:c633:6407"));
    char small[10];
    CHECK(ltls_x509_san_print(c, small, sizeof(small)) == n && strcmp(small, "DNS:examp") == 0);
    ltls_cert_free(c);
}

TEST(ip_parse)
{
    static const struct {
        const char *text;
        size_t len;
        const char *hex;
    } ok[] = {
        {"0.0.0.0", 4, "00000000"},
        {"255.255.255.255", 4, "ffffffff"},
        {"192.0.2.1", 4, "c0000201"},
        {"::", 16, "00000000000000000000000000000000"},
        {"::1", 16, "00000000000000000000000000000001"},
        {"1::", 16, "00010000000000000000000000000000"},
        {"1:2:3:4:5:6:7:8", 16, "00010002000300040005000600070008"},
        {"1:2:3:4:5:6:7::", 16, "00010002000300040005000600070000"},
        {"::2:3:4:5:6:7:8", 16, "00000002000300040005000600070008"},
        {"fe80::abcd:EF01", 16, "fe8000000000000000000000abcdef01"},
        {"::ffff:1.2.3.4", 16, "00000000000000000000ffff01020304"},
        {"1:2:3:4:5:6:1.2.3.4", 16, "00010002000300040005000601020304"},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        uint8_t ip[16], want[16];
        size_t wl = test_unhex(ok[i].hex, want, sizeof(want));
        size_t n = ltls_x509_parse_ip(ok[i].text, strlen(ok[i].text), ip);
        if (n != ok[i].len)
            printf("# %s: %zu\n", ok[i].text, n);
        CHECK(n == ok[i].len);
        CHECK(wl == n);
        CHECK_MEM(ip, want, n);
    }
    static const char *const bad[] = {
        "", "1", "1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "1.2.3.4 ", " 1.2.3.4", "1..2.3",
        "1.2.3.-4", "0x1.2.3.4", ":", ":::", "1:2", "1::2::3", ":1::2", "1::2:", "12345::",
        "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::", "::1.2.3", "::1.2.3.4:5", "g::1", "::%1",
        "1:2:3:4:5:6:7:1.2.3.4",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t ip[16];
        size_t n = ltls_x509_parse_ip(bad[i], strlen(bad[i]), ip);
        if (n)
            printf("# '%s' parsed as %zu bytes\n", bad[i], n);
        CHECK(n == 0);
    }
}

TEST(ip_format_rfc5952)
{
    static const struct {
        const char *in, *out;
    } t[] = {
        {"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
        {"0:0:0:0:0:0:0:0", "::"},
        {"0:0:0:0:0:0:0:1", "::1"},
        {"1:0:0:0:0:0:0:0", "1::"},
        {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"}, /* one zero group stays */
        {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},          /* the longest run */
        {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},    /* the first of equal runs */
        {"2001:DB8::8A2E:370:7334", "2001:db8::8a2e:370:7334"},
        {"192.168.001.001", NULL},
        {"192.168.1.1", "192.168.1.1"},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        uint8_t ip[16];
        char buf[64];
        size_t n = ltls_x509_parse_ip(t[i].in, strlen(t[i].in), ip);
        if (!t[i].out) {
            CHECK(n == 0);
            continue;
        }
        CHECK(n);
        size_t m = ltls_x509_format_ip(ip, n, buf);
        if (strcmp(buf, t[i].out) != 0)
            printf("# %s -> %s, want %s\n", t[i].in, buf, t[i].out);
        CHECK(m == strlen(t[i].out) && strcmp(buf, t[i].out) == 0);
    }
}

TEST(dns_syntax)
{
    static const struct {
        const char *name;
        int wildcard;
        unsigned labels;
    } t[] = {
        {"a", 0, 1},
        {"example.com", 0, 2},
        {"a-b.c-d.example", 0, 3},
        {"xn--bcher-kva.example", 0, 2},
        {"1.example", 0, 2},
        {"example.123", 0, 0}, /* all-numeric top label */
        {"1.2.3.4", 0, 0},
        {"*.example.com", 1, 3},
        {"*.example.com", 0, 0},
        {"a*.example.com", 1, 0},
        {"*a.example.com", 1, 0},
        {"a.*.example", 1, 0},
        {"**.example", 1, 0},
        {"a_b.example", 0, 0},
        {"-a.example", 0, 0},
        {"a-.example", 0, 0},
        {"a..b", 0, 0},
        {".a", 0, 0},
        {"a.", 0, 0},
        {"", 0, 0},
        {"a b.example", 0, 0},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        unsigned got = ltls_x509_dns_valid((const uint8_t *)t[i].name, strlen(t[i].name),
                                           t[i].wildcard);
        if (got != t[i].labels)
            printf("# '%s' (wildcard %d): %u labels, want %u\n", t[i].name, t[i].wildcard, got,
                   t[i].labels);
        CHECK(got == t[i].labels);
    }
    /* label and name length limits */
    char name[300];
    memset(name, 'a', 63);
    strcpy(name + 63, ".example");
    CHECK(ltls_x509_dns_valid((const uint8_t *)name, strlen(name), 0) == 2);
    memset(name, 'a', 64);
    strcpy(name + 64, ".example");
    CHECK(ltls_x509_dns_valid((const uint8_t *)name, strlen(name), 0) == 0);
    for (int i = 0; i < 127; i++) {
        name[2 * i] = 'a';
        name[2 * i + 1] = '.';
    }
    name[253] = 'b';
    CHECK(ltls_x509_dns_valid((const uint8_t *)name, 254, 0) == 0);  /* 254 octets */
    CHECK(ltls_x509_dns_valid((const uint8_t *)name + 1, 253, 0) == 0); /* leading dot */
    CHECK(ltls_x509_dns_valid((const uint8_t *)name + 2, 252, 0) == 126);
}

int main(void)
{
    RUN(match_table);
    RUN(no_common_name_fallback);
    RUN(san_text);
    RUN(ip_parse);
    RUN(ip_format_rfc5952);
    RUN(dns_syntax);
    return test_done();
}
