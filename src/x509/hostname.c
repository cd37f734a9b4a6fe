/*
 * x509/hostname.c - server identity: does a certificate's subjectAltName
 * match the name the client wanted? (RFC 6125 §6, tightened as RFC 9525 §6
 * does), plus the DNS-name and IP-literal text helpers shared with name
 * constraints and path validation.
 *
 * Theory of operation: the reference identity is classified once. Text that
 * parses as an IPv4 or IPv6 literal is an IP reference and is compared, as
 * 4 or 16 bytes, only with iPAddress entries (RFC 9525 §6.4: an IP address
 * is never matched against a dNSName, even one spelling the same digits).
 * Anything else must be a DNS name in preferred name syntax and is compared
 * only with dNSName entries, label by label, ignoring ASCII case (RFC 6125
 * §6.4.1); the subject's common name is never consulted (RFC 9525 §6.3).
 *
 * Wildcards (RFC 9525 §6.3, RFC 6125 §6.4.3 without its MAY clauses): a
 * presented name may start with the label "*" and nothing else may be a
 * wildcard: "f*.example.com", "*.*.example.com" and "www.*.example.com" are
 * never matched. "*" stands for exactly one non-empty label of the
 * reference name. A wildcard must not cover a public-suffix-like position:
 * the part after "*." needs at least two labels ("*.com" is refused), and
 * two-label parents that look like a registry's second level under a
 * two-letter country code ("*.co.uk", "*.com.au", "*.ac.jp", see
 * is_cc_second_level) are refused too. Without a copy of the Public Suffix
 * List this is a heuristic: it cannot know private suffixes such as
 * s3.amazonaws.com, which CAs are forbidden to wildcard anyway.
 *
 * One trailing dot on the reference name is ignored (an absolute name is
 * the same name); presented names must not end in a dot.
 */
#include <stdio.h>
#include <string.h>

#include "lucidtls/x509.h"
#include "x509/cert.h"
#include "x509/name.h"
#include "x509/verify.h"

static int lower(int ch) { return ch >= 'A' && ch <= 'Z' ? ch + 32 : ch; }

int ltls_x509_ascii_ieq(const uint8_t *a, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (lower(a[i]) != lower(b[i]))
            return 0;
    return 1;
}

static int is_alnum(int ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

unsigned ltls_x509_dns_valid(const uint8_t *s, size_t len, int allow_wildcard)
{
    if (len == 0 || len > 253)
        return 0;
    unsigned labels = 0;
    size_t start = 0;
    int all_digits = 1;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '.') {
            int ch = s[i];
            if (!is_alnum(ch) && ch != '-' && !(ch == '*' && allow_wildcard && labels == 0))
                return 0;
            if (ch < '0' || ch > '9')
                all_digits = 0;
            continue;
        }
        size_t n = i - start;
        if (n == 0 || n > 63)
            return 0;
        if (s[start] == '-' || s[i - 1] == '-')
            return 0;
        /* '*' only as a whole first label */
        for (size_t k = start; k < i; k++)
            if (s[k] == '*' && n != 1)
                return 0;
        labels++;
        if (i == len && all_digits)
            return 0;
        start = i + 1;
        all_digits = 1;
    }
    return labels;
}

/* Second-level labels that registries use under two-letter country codes
 * (co.uk, com.au, ac.jp, gov.br ...): a wildcard right above them would
 * span a whole registry's customers. */
static int is_cc_second_level(const uint8_t *label, size_t n)
{
    static const char *const sl[] = {"ac",  "co",  "com", "edu", "gob", "go",  "gov", "gv",
                                     "ltd", "me",  "mil", "ne",  "net", "nic", "or",  "org",
                                     "plc", "sch", "nhs", "police", "lg", "ed", "gr", "int"};
    for (size_t i = 0; i < sizeof(sl) / sizeof(sl[0]); i++)
        if (strlen(sl[i]) == n && ltls_x509_ascii_ieq(label, (const uint8_t *)sl[i], n))
            return 1;
    return 0;
}

/* p/n: a presented dNSName; h/hn: a valid reference name with hl labels. */
static int dns_match(const uint8_t *p, size_t n, const uint8_t *h, size_t hn, unsigned hl)
{
    unsigned pl = ltls_x509_dns_valid(p, n, 1);
    if (!pl)
        return 0;
    if (p[0] != '*')
        return n == hn && ltls_x509_ascii_ieq(p, h, n);
    /* "*." + parent; parent needs >= 2 labels and must not look like a
     * public suffix. */
    if (pl < 3 || hl != pl)
        return 0;
    const uint8_t *parent = p + 2;
    size_t parent_len = n - 2;
    if (pl == 3) {
        size_t dot = 0;
        while (parent[dot] != '.')
            dot++;
        size_t tld_len = parent_len - dot - 1;
        if (tld_len == 2 && is_cc_second_level(parent, dot))
            return 0;
    }
    /* The reference's first label (non-empty by validity) is what "*"
     * stands for; the rest must equal the parent. */
    size_t first = 0;
    while (first < hn && h[first] != '.')
        first++;
    if (first == hn || hn - first - 1 != parent_len)
        return 0;
    return ltls_x509_ascii_ieq(h + first + 1, parent, parent_len);
}

/* ---------------------------------------------------------------------------
 * IP literals
 * ------------------------------------------------------------------------- */

static size_t parse_ipv4(const char *s, size_t len, uint8_t out[4])
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part) {
            if (i >= len || s[i] != '.')
                return 0;
            i++;
        }
        size_t start = i;
        unsigned v = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 3)
            v = v * 10 + (unsigned)(s[i++] - '0');
        size_t digits = i - start;
        /* no empty part, no leading zero (RFC 3986 §3.2.2 dec-octet) */
        if (digits == 0 || v > 255 || (digits > 1 && s[start] == '0'))
            return 0;
        out[part] = (uint8_t)v;
    }
    return i == len ? 4 : 0;
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

static size_t parse_ipv6(const char *s, size_t len, uint8_t out[16])
{
    uint16_t g[8];
    int n = 0, gap = -1;
    size_t i = 0;
    if (len >= 2 && s[0] == ':' && s[1] == ':') {
        gap = 0;
        i = 2;
    } else if (len >= 1 && s[0] == ':') {
        return 0;
    }
    while (i < len) {
        /* An embedded IPv4 tail (RFC 4291 §2.2 form 3) takes two groups. */
        size_t k = i;
        while (k < len && s[k] != ':' && s[k] != '.')
            k++;
        if (k < len && s[k] == '.') {
            uint8_t v4[4];
            if (n > 6 || !parse_ipv4(s + i, len - i, v4))
                return 0;
            g[n++] = (uint16_t)(v4[0] << 8 | v4[1]);
            g[n++] = (uint16_t)(v4[2] << 8 | v4[3]);
            i = len;
            break;
        }
        size_t digits = k - i;
        if (digits == 0 || digits > 4 || n == 8)
            return 0;
        unsigned v = 0;
        for (size_t d = i; d < k; d++) {
            int h = hexval(s[d]);
            if (h < 0)
                return 0;
            v = v << 4 | (unsigned)h;
        }
        g[n++] = (uint16_t)v;
        i = k;
        if (i == len)
            break;
        i++; /* the ':' */
        if (i < len && s[i] == ':') {
            if (gap >= 0)
                return 0; /* a second "::" */
            gap = n;
            i++;
        } else if (i == len) {
            return 0; /* a single trailing ':' */
        }
    }
    if (gap < 0 ? n != 8 : n > 7)
        return 0;
    memset(out, 0, 16);
    int tail = gap < 0 ? 0 : n - gap;
    for (int k = 0; k < n; k++) {
        int pos = (gap < 0 || k < gap) ? k : 8 - tail + (k - gap);
        out[2 * pos] = (uint8_t)(g[k] >> 8);
        out[2 * pos + 1] = (uint8_t)g[k];
    }
    return 16;
}

size_t ltls_x509_parse_ip(const char *s, size_t len, uint8_t out[16])
{
    if (!s || !len)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] == ':')
            return parse_ipv6(s, len, out);
    return parse_ipv4(s, len, out);
}

size_t ltls_x509_format_ip(const uint8_t *ip, size_t len, char *buf)
{
    if (len == 4)
        return (size_t)snprintf(buf, 46, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
    if (len != 16) {
        buf[0] = '\0';
        return 0;
    }
    /* RFC 5952 §4.2: "::" replaces the longest run of two or more zero
     * groups, the first such run on a tie; §4.3: lowercase, no leading
     * zeros. */
    unsigned g[8];
    for (int i = 0; i < 8; i++)
        g[i] = (unsigned)ip[2 * i] << 8 | ip[2 * i + 1];
    int best = -1, best_len = 1;
    for (int i = 0; i < 8;) {
        int j = i;
        while (j < 8 && g[j] == 0)
            j++;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j > i ? j : i + 1;
    }
    size_t n = 0;
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            n += (size_t)snprintf(buf + n, 46 - n, "::");
            i += best_len - 1;
            continue;
        }
        if (i && i != best + best_len)
            buf[n++] = ':';
        n += (size_t)snprintf(buf + n, 46 - n, "%x", g[i]);
    }
    buf[n] = '\0';
    return n;
}

/* ---------------------------------------------------------------------------
 * Matching
 * ------------------------------------------------------------------------- */

int ltls_x509_match_host(const ltls_cert_t *cert, const char *host)
{
    if (!cert || !host)
        return 0;
    size_t hn = strlen(host);
    uint8_t ip[16];
    size_t iplen = ltls_x509_parse_ip(host, hn, ip);
    ltls_x509_gn_iter_t it;
    unsigned tag;
    ltls_x509_span_t v;
    ltls_x509_gn_iter_init(&it, cert->san);
    if (iplen) {
        while (ltls_x509_gn_next(&it, &tag, &v))
            if (tag == LTLS_X509_GN_IP && v.len == iplen && memcmp(v.p, ip, iplen) == 0)
                return 1;
        return 0;
    }
    if (hn && host[hn - 1] == '.')
        hn--; /* "example.com." is "example.com" */
    const uint8_t *h = (const uint8_t *)host;
    unsigned hl = ltls_x509_dns_valid(h, hn, 0);
    if (!hl)
        return 0;
    while (ltls_x509_gn_next(&it, &tag, &v))
        if (tag == LTLS_X509_GN_DNS && dns_match(v.p, v.len, h, hn, hl))
            return 1;
    return 0;
}

/* ---------------------------------------------------------------------------
 * Text of the names a certificate holds, for messages
 * ------------------------------------------------------------------------- */

size_t ltls_x509_san_print(const ltls_cert_t *cert, char *buf, size_t cap)
{
    size_t n = 0;
    ltls_x509_gn_iter_t it;
    unsigned tag;
    ltls_x509_span_t v;
    char tmp[64];
#define PUT(ch)                     \
    do {                            \
        if (n + 1 < cap)            \
            buf[n] = (char)(ch);    \
        n++;                        \
    } while (0)
#define PUTS(str)                                    \
    do {                                             \
        for (const char *s_ = (str); *s_; s_++)      \
            PUT(*s_);                                \
    } while (0)
    ltls_x509_gn_iter_init(&it, cert->san);
    int first = 1;
    while (ltls_x509_gn_next(&it, &tag, &v)) {
        if (!first)
            PUTS(", ");
        first = 0;
        switch (tag) {
        case LTLS_X509_GN_DNS:
        case LTLS_X509_GN_RFC822:
        case LTLS_X509_GN_URI:
            PUTS(tag == LTLS_X509_GN_DNS ? "DNS:" : tag == LTLS_X509_GN_URI ? "URI:" : "email:");
            for (size_t i = 0; i < v.len; i++)
                PUT(v.p[i] >= 0x20 && v.p[i] < 0x7f ? v.p[i] : '?');
            break;
        case LTLS_X509_GN_IP:
            ltls_x509_format_ip(v.p, v.len, tmp);
            PUTS("IP:");
            PUTS(tmp);
            break;
        case LTLS_X509_GN_DIRECTORY: {
            char dn[256];
            ltls_x509_name_print(v, dn, sizeof(dn));
            PUTS("DirName:");
            PUTS(dn);
            break;
        }
        default:
            snprintf(tmp, sizeof(tmp), "<GeneralName [%u]>", tag);
            PUTS(tmp);
            break;
        }
    }
    if (first)
        PUTS("no subjectAltName");
#undef PUT
#undef PUTS
    if (cap)
        buf[n < cap ? n : cap - 1] = '\0';
    return n;
}
