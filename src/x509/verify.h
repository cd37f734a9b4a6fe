/*
 * x509/verify.h - internals shared by path validation (verify.c), name
 * constraints (nc.c) and server-identity matching (hostname.c).
 */
#ifndef LTLS_X509_VERIFY_H
#define LTLS_X509_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "lucidtls/error.h"
#include "x509/cert.h"

/* Total work one ltls_x509_verify() call may do before CERT_WORK_LIMIT:
 * candidate issuers considered, signatures verified (each counts
 * LTLS_X509_SIG_COST), and name-constraint comparisons (each counts 1 plus
 * one per LTLS_X509_NC_OCTETS_PER_UNIT octets of the two names compared).
 * A unit is some 25-50 ns: a signature costs tens of microseconds, a DNS
 * comparison a few tens of nanoseconds, a directoryName walk about 1.6 ns
 * per octet. The budget is sized so that the worst case stays within a few
 * tens of milliseconds (about 100 signature checks, like Go's crypto/x509)
 * while real chains use a small fraction. */
#define LTLS_X509_WORK_BUDGET 200000u
#define LTLS_X509_SIG_COST 2000u
#define LTLS_X509_CANDIDATE_COST 20u
/* Why a comparison is charged by its size (nc.c): counting comparisons
 * alone, as Go's crypto/x509 (250,000 per CA certificate applied) and
 * rustls-webpki (250,000 per path search) do, bounds their number but not
 * their length, and a directoryName of a certificate
 * may be tens of kilobytes (hundreds of RDNs): charged one unit each,
 * comparisons of such Names kept one verification busy for 2.4 s; charged
 * by size, 18 ms (tests/unit/test_limits.c, deeply_nested_directory_names). */
#define LTLS_X509_NC_OCTETS_PER_UNIT 64u

/* ---------------------------------------------------------------------------
 * Names as text (hostname.c)
 * ------------------------------------------------------------------------- */

/* A DNS name in preferred name syntax (RFC 1034 §3.5, RFC 1123 §2.1):
 * labels of 1..63 letters, digits and hyphens, no hyphen at either end of a
 * label, at most 253 octets, no trailing dot, and a last label that is not
 * all digits (so that no IPv4-looking text is a DNS name). With
 * allow_wildcard, the whole first label may be "*" (and nothing else may be
 * a wildcard). Returns the number of labels, 0 if invalid. */
unsigned ltls_x509_dns_valid(const uint8_t *s, size_t len, int allow_wildcard);

/* 1 if a and b are equal ignoring ASCII case. */
int ltls_x509_ascii_ieq(const uint8_t *a, const uint8_t *b, size_t n);

/* Parses an IPv4 literal (dotted decimal, four parts, no leading zeros) or
 * an IPv6 literal (RFC 4291 §2.2 text forms, with "::" and an embedded
 * IPv4 tail; no zone, no brackets) into out: returns 4 or 16, or 0 if the
 * text is not an IP literal. */
size_t ltls_x509_parse_ip(const char *s, size_t len, uint8_t out[16]);

/* Writes the canonical text of a 4- or 16-byte address (dotted decimal;
 * RFC 5952 §4 for IPv6) into buf (at least 46 bytes); returns its length. */
size_t ltls_x509_format_ip(const uint8_t *ip, size_t len, char *buf);

/* Writes "DNS:a, IP:b, ..." for the certificate's subjectAltName into buf
 * (NUL-terminated, truncated to cap); returns the full length. */
size_t ltls_x509_san_print(const ltls_cert_t *cert, char *buf, size_t cap);

/* ---------------------------------------------------------------------------
 * Name constraints (nc.c)
 * ------------------------------------------------------------------------- */

/* Checks that every subtree of ca's nameConstraints is usable: dNSName
 * constraints are DNS names (no wildcard, no leading dot), iPAddress
 * constraints are an address and a contiguous mask, rfc822Name constraints
 * are a mailbox, a host or ".domain". CERT_MALFORMED with detail if not. */
ltls_err_t ltls_x509_nc_validate(const ltls_cert_t *ca, unsigned *work, char *detail,
                                 size_t cap);

/* Applies ca's nameConstraints (RFC 5280 §4.2.1.10, §6.1.3 b-c) to the
 * names of cert: its subject (as a directoryName, when not empty) and every
 * subjectAltName entry. Adds its comparisons to *work (by size, see
 * LTLS_X509_NC_OCTETS_PER_UNIT) and fails with CERT_WORK_LIMIT beyond
 * LTLS_X509_WORK_BUDGET, before doing the comparison that would exceed it.
 * CERT_NAME_CONSTRAINTS with a sentence in detail when a name is outside a
 * permitted subtree, inside an excluded one, malformed, or of a form the
 * constraints restrict and lucidtls cannot evaluate. */
ltls_err_t ltls_x509_nc_check(const ltls_cert_t *ca, const ltls_cert_t *cert, unsigned *work,
                              char *detail, size_t cap);

#endif
