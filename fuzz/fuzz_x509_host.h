/*
 * fuzz/fuzz_x509_host.h - a host name to validate a fuzzed leaf against,
 * shared by the X.509 targets: taken from the leaf itself, so that the
 * hostname check can succeed and validation goes on past it.
 */
#ifndef LTLS_FUZZ_X509_HOST_H
#define LTLS_FUZZ_X509_HOST_H

#include <string.h>

#include "x509/cert.h"
#include "x509/verify.h"

/* The first name the leaf's SAN holds (DNS, or IP as text) that fits in
 * host[cap]; with syntax_only, a DNS name must also pass
 * ltls_x509_dns_valid. Returns 0 when there is none. */
static inline int fuzz_leaf_host(const ltls_cert_t *leaf, char *host, size_t cap, int syntax_only)
{
    ltls_x509_gn_iter_t it;
    unsigned tag;
    ltls_x509_span_t v;
    ltls_x509_gn_iter_init(&it, leaf->san);
    while (ltls_x509_gn_next(&it, &tag, &v)) {
        if (tag == LTLS_X509_GN_DNS && v.len < cap && !memchr(v.p, 0, v.len) &&
            (!syntax_only || ltls_x509_dns_valid(v.p, v.len, 0))) {
            memcpy(host, v.p, v.len);
            host[v.len] = 0;
            return 1;
        }
        if (tag == LTLS_X509_GN_IP && (v.len == 4 || v.len == 16) && cap >= 46) {
            ltls_x509_format_ip(v.p, v.len, host);
            return 1;
        }
    }
    return 0;
}

#endif
