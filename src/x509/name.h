/*
 * x509/name.h - X.501 Names in certificates (RFC 5280 §4.1.2.4): structural
 * checking at decode time, comparison for chaining and name constraints, and
 * RFC 4514 text for messages.
 *
 * Names are handled as their DER bytes (a span over the whole SEQUENCE,
 * tag and length included). Chaining compares them byte for byte, as the Web
 * PKI's validators do: RFC 5280 §7.1 allows a relying party to use binary
 * comparison, CAs are required to copy the issuer's subject bytes verbatim
 * (§4.1.2.4), and a byte comparison cannot be tricked by the case-folding and
 * whitespace rules of X.520 matching.
 */
#ifndef LTLS_X509_NAME_H
#define LTLS_X509_NAME_H

#include <stddef.h>
#include <stdint.h>

#include "core/reader.h"
#include "lucidtls/error.h"
#include "x509/cert.h"

/* Reads one Name (SEQUENCE OF RelativeDistinguishedName, each a non-empty
 * SET OF AttributeTypeAndValue { OID, ANY }) from r, checking its structure,
 * and gives the whole element in *out. DER errors as der.h reports them. */
ltls_err_t ltls_x509_name_read(ltls_reader_t *r, ltls_x509_span_t *out);

/* 1 if the Name holds no RDN (the empty SEQUENCE). */
int ltls_x509_name_is_empty(ltls_x509_span_t name);

/* 1 if a and b are the same bytes. */
int ltls_x509_name_equal(ltls_x509_span_t a, ltls_x509_span_t b);

/* 1 if the RDN sequence of prefix is an initial part of name's (every RDN
 * byte-equal), as a directoryName constraint matches (RFC 5280 §4.2.1.10). */
int ltls_x509_name_has_prefix(ltls_x509_span_t name, ltls_x509_span_t prefix);

/* RFC 4514 text of a Name: RDNs from last to first separated by ", ",
 * multi-valued RDNs joined by "+", the usual short names (CN, O, OU, C, L,
 * ST, STREET, DC, UID and a few common others) or the dotted OID, values
 * escaped per RFC 4514 §2.4 (non-string values as #hex). BMPString and
 * UniversalString are converted to UTF-8. Writes at most cap bytes including
 * the NUL (cap 0 writes nothing) and returns the full length. An empty Name
 * prints as the empty string. */
size_t ltls_x509_name_print(ltls_x509_span_t name, char *buf, size_t cap);

/* Walks the attributes of a decoded Name in encoding order: each call gives
 * the next attribute's type (OID contents), its value's tag and contents.
 * Returns 1 with an attribute, 0 at the end. */
typedef struct ltls_x509_attr_iter {
    ltls_reader_t rdns, set;
} ltls_x509_attr_iter_t;
void ltls_x509_attr_iter_init(ltls_x509_attr_iter_t *it, ltls_x509_span_t name);
int ltls_x509_attr_next(ltls_x509_attr_iter_t *it, ltls_x509_span_t *type, uint32_t *tag,
                        ltls_x509_span_t *value);

#endif
