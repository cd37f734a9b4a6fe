/*
 * x509/nc.c - name constraints (RFC 5280 §4.2.1.10, applied as §6.1.3 b-c
 * and §6.1.4 g describe).
 *
 * Theory of operation: rather than maintaining the intersected
 * permitted_subtrees and the united excluded_subtrees state of §6.1, the
 * path validator calls ltls_x509_nc_check once for each pair (constraining
 * CA, certificate below it). A name passes a CA's constraints when, for its
 * form, it lies inside at least one of the CA's permitted subtrees (if the
 * CA has any of that form) and inside none of its excluded subtrees; a name
 * that passes every CA above it passes the intersection of their permitted
 * sets, which is the §6.1 result without building that set.
 *
 * Forms evaluated: dNSName, iPAddress, rfc822Name and directoryName (the
 * subject, when not empty, and directoryName SANs). For any other form
 * (otherName, URI, x400Address, ediPartyName, registeredID) lucidtls cannot
 * decide containment, so §4.2.1.10's rule for an unsupported form applies
 * whenever it would matter: a certificate that carries a name of a form the
 * CA constrains is rejected; constraints of a form no certificate uses are
 * harmless. The emailAddress attribute of a subject is not treated as an
 * rfc822Name (the Web PKI puts e-mail addresses in the SAN), and the
 * subject's commonName is not treated as a dNSName: lucidtls never takes a
 * server identity from it (hostname.c), so a constraint could not be evaded
 * through it.
 *
 * Wildcard dNSNames ("*.example.com") stand for every name one label below
 * their parent, so they are judged defensively: inside a permitted subtree
 * only when the parent is, and excluded when any name they could match is
 * (the parent is inside the excluded subtree, or the excluded subtree is
 * exactly one label below the parent) - the CVE-2025-61727 lesson.
 *
 * Work bound. RFC 5280 §4.2.1.10 and §6.1.3 (b)-(c), §6.1.4 (g) check every
 * name of every certificate against every subtree of every CA above it and
 * put no limit on that product (subtrees x names x depth); a hostile chain
 * can make it large. Every comparison is therefore charged, before it is
 * made, to the caller's work budget (verify.h), and a spent budget ends the
 * validation with CERT_WORK_LIMIT (alert bad_certificate) instead of
 * running for seconds. Go's crypto/x509 (250,000 per CA certificate
 * applied) and rustls-webpki (250,000 per path search) count comparisons;
 * lucidtls also charges their size, 1 unit plus 1 per
 * LTLS_X509_NC_OCTETS_PER_UNIT octets of the two operands, because one
 * directoryName comparison walks every RDN the two Names share and a Name
 * may fill most of a 64 KiB certificate: counted as one unit each,
 * comparisons of such Names ran for 2.4 s within the budget. The same
 * charge covers the per-name and per-subtree syntax checks (linear in the
 * name); passing over a subtree of another form costs 1 unit.
 */
#include <stdio.h>
#include <string.h>

#include "x509/cert.h"
#include "x509/name.h"
#include "x509/verify.h"

/* The budget is spent: CERT_WORK_LIMIT naming the constraining CA. */
static ltls_err_t too_much(const ltls_cert_t *ca, char *detail, size_t cap)
{
    char who[256];
    ltls_x509_name_print(ca->subject, who, sizeof(who));
    if (detail && cap)
        snprintf(detail, cap,
                 "path building gave up: checking the name constraints of '%s' takes too much "
                 "work",
                 who);
    return ltls_err_make(LTLS_R_CERT_WORK_LIMIT);
}

/* name inside the DNS subtree cons: equal, or cons with labels added on
 * the left (RFC 5280 §4.2.1.10). An empty constraint contains every name. */
static int dns_within(const uint8_t *n, size_t nlen, const uint8_t *c, size_t clen)
{
    if (clen == 0)
        return 1;
    if (nlen == clen)
        return ltls_x509_ascii_ieq(n, c, clen);
    return nlen > clen && n[nlen - clen - 1] == '.' && ltls_x509_ascii_ieq(n + nlen - clen, c, clen);
}

static int dns_matches(const uint8_t *n, size_t nlen, const uint8_t *c, size_t clen, int excluded)
{
    if (nlen < 2 || n[0] != '*')
        return dns_within(n, nlen, c, clen);
    const uint8_t *parent = n + 2;
    size_t plen = nlen - 2;
    if (dns_within(parent, plen, c, clen))
        return 1;
    if (!excluded)
        return 0;
    /* c = "label.parent": the wildcard matches c itself. */
    if (clen <= plen + 1 || c[clen - plen - 1] != '.' ||
        !ltls_x509_ascii_ieq(c + clen - plen, parent, plen))
        return 0;
    return memchr(c, '.', clen - plen - 1) == NULL;
}

/* A mailbox local@domain with a valid domain. */
static int mailbox_split(const uint8_t *s, size_t len, size_t *at)
{
    const uint8_t *p = memchr(s, '@', len);
    if (!p || p == s)
        return 0;
    *at = (size_t)(p - s);
    if (memchr(p + 1, '@', len - *at - 1))
        return 0;
    return ltls_x509_dns_valid(p + 1, len - *at - 1, 0) != 0;
}

static int rfc822_matches(const uint8_t *n, size_t nlen, const uint8_t *c, size_t clen)
{
    size_t at, cat;
    if (!mailbox_split(n, nlen, &at))
        return 0;
    const uint8_t *dom = n + at + 1;
    size_t dlen = nlen - at - 1;
    if (memchr(c, '@', clen)) { /* a particular mailbox */
        if (!mailbox_split(c, clen, &cat) || cat != at || memcmp(n, c, at) != 0)
            return 0;
        return dlen == clen - cat - 1 && ltls_x509_ascii_ieq(dom, c + cat + 1, dlen);
    }
    if (clen && c[0] == '.') /* any host in the domain, not the domain itself */
        return dlen > clen && ltls_x509_ascii_ieq(dom + dlen - clen, c, clen);
    return dlen == clen && ltls_x509_ascii_ieq(dom, c, clen); /* all mailboxes on a host */
}

static int ip_matches(const uint8_t *n, size_t nlen, const uint8_t *c, size_t clen)
{
    if (clen != 2 * nlen)
        return 0;
    for (size_t i = 0; i < nlen; i++)
        if ((n[i] & c[nlen + i]) != (c[i] & c[nlen + i]))
            return 0;
    return 1;
}

static int matches(unsigned tag, ltls_x509_span_t name, ltls_x509_span_t cons, int excluded)
{
    switch (tag) {
    case LTLS_X509_GN_DNS: return dns_matches(name.p, name.len, cons.p, cons.len, excluded);
    case LTLS_X509_GN_RFC822: return rfc822_matches(name.p, name.len, cons.p, cons.len);
    case LTLS_X509_GN_IP: return ip_matches(name.p, name.len, cons.p, cons.len);
    case LTLS_X509_GN_DIRECTORY: return ltls_x509_name_has_prefix(name, cons);
    default: return 0;
    }
}

static int mask_contiguous(const uint8_t *m, size_t n)
{
    int zero_seen = 0;
    for (size_t i = 0; i < n; i++)
        for (int b = 7; b >= 0; b--) {
            int bit = (m[i] >> b) & 1;
            if (bit && zero_seen)
                return 0;
            if (!bit)
                zero_seen = 1;
        }
    return 1;
}

static int budget(unsigned *work, unsigned n)
{
    *work += n;
    return *work <= LTLS_X509_WORK_BUDGET;
}

/* The charge for work linear in the octets of a and b (b may be empty): no
 * overflow, as a certificate is at most LTLS_X509_MAX_CERT_SIZE octets. */
static unsigned cost(ltls_x509_span_t a, ltls_x509_span_t b)
{
    return 1u + (unsigned)((a.len + b.len) / LTLS_X509_NC_OCTETS_PER_UNIT);
}

static const ltls_x509_span_t no_span = {NULL, 0};

ltls_err_t ltls_x509_nc_validate(const ltls_cert_t *ca, unsigned *work, char *detail, size_t cap)
{
    const ltls_x509_span_t lists[2] = {ca->nc_permitted, ca->nc_excluded};
    char who[256];
    for (int l = 0; l < 2; l++) {
        ltls_x509_gn_iter_t it;
        unsigned tag;
        ltls_x509_span_t v;
        ltls_x509_gn_iter_init(&it, lists[l]);
        while (ltls_x509_subtree_next(&it, &tag, &v)) {
            if (!budget(work, cost(v, no_span)))
                return too_much(ca, detail, cap);
            const char *bad = NULL;
            size_t at;
            switch (tag) {
            case LTLS_X509_GN_DNS:
                if (v.len && !ltls_x509_dns_valid(v.p, v.len, 0))
                    bad = "dNSName";
                break;
            case LTLS_X509_GN_IP:
                if (!mask_contiguous(v.p + v.len / 2, v.len / 2))
                    bad = "iPAddress";
                break;
            case LTLS_X509_GN_RFC822:
                if (memchr(v.p, '@', v.len) ? !mailbox_split(v.p, v.len, &at)
                    : v.len && v.p[0] == '.' ? !ltls_x509_dns_valid(v.p + 1, v.len - 1, 0)
                                              : !ltls_x509_dns_valid(v.p, v.len, 0))
                    bad = "rfc822Name";
                break;
            default:
                break;
            }
            if (bad) {
                ltls_x509_name_print(ca->subject, who, sizeof(who));
                if (detail && cap)
                    snprintf(detail, cap,
                             "malformed certificate: the nameConstraints of '%s' hold an "
                             "invalid %s %s (RFC 5280 §4.2.1.10)",
                             who, bad, l ? "exclusion" : "permission");
                return ltls_err_make(LTLS_R_CERT_MALFORMED);
            }
        }
    }
    return LTLS_OK;
}

/* Text of one name for messages. */
static void name_text(unsigned tag, ltls_x509_span_t v, char *buf, size_t cap)
{
    char tmp[64];
    switch (tag) {
    case LTLS_X509_GN_DNS:
    case LTLS_X509_GN_RFC822: {
        size_t n = snprintf(buf, cap, "%s", tag == LTLS_X509_GN_DNS ? "DNS:" : "email:");
        for (size_t i = 0; i < v.len && n + 1 < cap; i++)
            buf[n++] = v.p[i] >= 0x20 && v.p[i] < 0x7f ? (char)v.p[i] : '?';
        buf[n < cap ? n : cap - 1] = '\0';
        return;
    }
    case LTLS_X509_GN_IP:
        ltls_x509_format_ip(v.p, v.len, tmp);
        snprintf(buf, cap, "IP:%s", tmp);
        return;
    case LTLS_X509_GN_DIRECTORY: {
        size_t n = snprintf(buf, cap, "DirName:");
        if (n < cap)
            ltls_x509_name_print(v, buf + n, cap - n);
        return;
    }
    default:
        snprintf(buf, cap, "a name of GeneralName form [%u]", tag);
        return;
    }
}

/* Checks one name of cert against ca's subtrees. */
static ltls_err_t check_name(const ltls_cert_t *ca, const ltls_cert_t *cert, unsigned tag,
                             ltls_x509_span_t v, unsigned *work, char *detail, size_t cap)
{
    char nm[300], who[256], ca_name[256];
    const char *why = NULL;
    if (!(ca->nc_forms & (1u << tag)))
        return LTLS_OK; /* no constraint of this form */
    switch (tag) {
    case LTLS_X509_GN_DNS:
        if (!ltls_x509_dns_valid(v.p, v.len, 1))
            why = "is not a valid DNS name, so it cannot be shown to satisfy";
        break;
    case LTLS_X509_GN_RFC822: {
        size_t at;
        if (!mailbox_split(v.p, v.len, &at))
            why = "is not a valid mailbox, so it cannot be shown to satisfy";
        break;
    }
    case LTLS_X509_GN_IP:
    case LTLS_X509_GN_DIRECTORY:
        break;
    default:
        why = "is of a form lucidtls cannot check against";
        break;
    }
    if (!why) {
        int has_permitted = 0, permitted = 0;
        ltls_x509_gn_iter_t it;
        unsigned ctag;
        ltls_x509_span_t c;
        ltls_x509_gn_iter_init(&it, ca->nc_excluded);
        while (!why && ltls_x509_subtree_next(&it, &ctag, &c)) {
            if (!budget(work, ctag == tag ? cost(v, c) : 1))
                return too_much(ca, detail, cap);
            if (ctag == tag && matches(tag, v, c, 1))
                why = "is inside an excluded subtree of";
        }
        ltls_x509_gn_iter_init(&it, ca->nc_permitted);
        while (!why && !permitted && ltls_x509_subtree_next(&it, &ctag, &c)) {
            if (!budget(work, ctag == tag ? cost(v, c) : 1))
                return too_much(ca, detail, cap);
            if (ctag != tag)
                continue;
            has_permitted = 1;
            permitted = matches(tag, v, c, 0);
        }
        if (!why && has_permitted && !permitted)
            why = "is outside the permitted subtrees of";
    }
    if (!why)
        return LTLS_OK;
    name_text(tag, v, nm, sizeof(nm));
    ltls_x509_name_print(cert->subject, who, sizeof(who));
    ltls_x509_name_print(ca->subject, ca_name, sizeof(ca_name));
    if (detail && cap)
        snprintf(detail, cap, "%s of '%s' %s the name constraints of '%s'", nm, who, why,
                 ca_name);
    return ltls_err_make(LTLS_R_CERT_NAME_CONSTRAINTS);
}

ltls_err_t ltls_x509_nc_check(const ltls_cert_t *ca, const ltls_cert_t *cert, unsigned *work,
                              char *detail, size_t cap)
{
    if (!(ca->ext_present & LTLS_X509_EXT_NAME_CONSTRAINTS))
        return LTLS_OK;
    ltls_err_t err;
    /* §4.2.1.10: directoryName constraints apply to the subject when it is
     * not empty. */
    if (!ltls_x509_name_is_empty(cert->subject) &&
        (err = check_name(ca, cert, LTLS_X509_GN_DIRECTORY, cert->subject, work, detail, cap)))
        return err;
    ltls_x509_gn_iter_t it;
    unsigned tag;
    ltls_x509_span_t v;
    ltls_x509_gn_iter_init(&it, cert->san);
    while (ltls_x509_gn_next(&it, &tag, &v)) {
        if (!budget(work, cost(v, no_span)))
            return too_much(ca, detail, cap);
        if ((err = check_name(ca, cert, tag, v, work, detail, cap)))
            return err;
    }
    return LTLS_OK;
}
