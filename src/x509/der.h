/*
 * x509/der.h - a strict reader for DER (ITU-T X.690 §10, Distinguished
 * Encoding Rules), built on ltls_reader_t.
 *
 * Every function reads from an ltls_reader_t positioned at the start of an
 * element. It either reads the whole element and advances the reader, or
 * fails and leaves the reader where it was. Constructed elements (SEQUENCE,
 * SET, explicit tags) are entered as sub-readers over their contents; the
 * parser must consume a sub-reader exactly and confirm it with
 * ltls_der_end(), so that no element can hide trailing bytes.
 *
 * Errors: LTLS_R_DECODE_TRUNCATED when the input ends inside an element (its
 * identifier, length or contents run past the end of the enclosing reader);
 * LTLS_R_DER_INVALID for every other violation: an unexpected tag, a
 * non-minimal or indefinite length, a non-canonical value, trailing bytes.
 *
 * What "strict" means here, with the X.690 clause each rule comes from:
 *   - identifiers: low-tag form for numbers 0..30, high-tag form only for
 *     numbers >= 31 with no leading 0x80 octet (§8.1.2.4.2); numbers above
 *     2^21 - 1 are rejected rather than truncated; universal tag 0 (the
 *     end-of-contents marker of BER) is rejected;
 *   - lengths: definite form only (§10.1), in the fewest octets (§10.1):
 *     short form below 128, no leading zero octet in the long form; at most
 *     four length octets (no DER object here comes near 4 GiB);
 *   - INTEGER: at least one octet, and the first nine bits not all equal
 *     (§8.3.2), i.e. no redundant leading 0x00 or 0xff;
 *   - BOOLEAN: one octet, 0x00 or 0xff (§11.1);
 *   - NULL: empty contents (§8.8.2);
 *   - BIT STRING: primitive, the unused-bits octet 0..7, an empty string has
 *     0 unused bits (§8.6.2.3), and the unused bits are zero (§11.2.1);
 *   - OBJECT IDENTIFIER: at least one subidentifier, each in the fewest
 *     base-128 octets (§8.19.2: no leading 0x80), the last octet closing
 *     its subidentifier;
 *   - UTCTime / GeneralizedTime: the RFC 5280 §4.1.2.5 profile (below).
 * Rules left to the caller, because they need the ASN.1 type definition:
 * DEFAULT values must be omitted (§11.5), SET OF elements must be sorted
 * (§11.6), named bit lists carry no trailing zero bits (§11.2.2).
 *
 * Views returned (contents, OIDs, integers) point into the reader's buffer;
 * nothing is copied or allocated.
 */
#ifndef LTLS_X509_DER_H
#define LTLS_X509_DER_H

#include <stddef.h>
#include <stdint.h>

#include "core/reader.h"
#include "lucidtls/error.h"

/* ---------------------------------------------------------------------------
 * Tags
 *
 * A tag is held as one uint32_t: the class and constructed bits of the first
 * identifier octet in the top byte, the tag number below. For tag numbers
 * below 31 the top byte ORed with the number is the identifier octet itself,
 * so LTLS_DER_SEQUENCE reads as 0x30 in a hex dump of the input.
 * ------------------------------------------------------------------------- */

#define LTLS_DER_UNIVERSAL 0x00u
#define LTLS_DER_APPLICATION 0x40u
#define LTLS_DER_CONTEXT 0x80u
#define LTLS_DER_PRIVATE 0xc0u
#define LTLS_DER_CONSTRUCTED 0x20u

#define LTLS_DER_TAG(cls_cons, number) (((uint32_t)(cls_cons) << 24) | (uint32_t)(number))
#define LTLS_DER_TAG_MAX_NUMBER 0x1fffffu /* three base-128 octets */

#define LTLS_DER_BOOLEAN LTLS_DER_TAG(0, 1)
#define LTLS_DER_INTEGER LTLS_DER_TAG(0, 2)
#define LTLS_DER_BIT_STRING LTLS_DER_TAG(0, 3)
#define LTLS_DER_OCTET_STRING LTLS_DER_TAG(0, 4)
#define LTLS_DER_NULL LTLS_DER_TAG(0, 5)
#define LTLS_DER_OID LTLS_DER_TAG(0, 6)
#define LTLS_DER_UTF8_STRING LTLS_DER_TAG(0, 12)
#define LTLS_DER_PRINTABLE_STRING LTLS_DER_TAG(0, 19)
#define LTLS_DER_IA5_STRING LTLS_DER_TAG(0, 22)
#define LTLS_DER_UTC_TIME LTLS_DER_TAG(0, 23)
#define LTLS_DER_GENERALIZED_TIME LTLS_DER_TAG(0, 24)
#define LTLS_DER_SEQUENCE LTLS_DER_TAG(LTLS_DER_CONSTRUCTED, 16)
#define LTLS_DER_SET LTLS_DER_TAG(LTLS_DER_CONSTRUCTED, 17)
/* [n] primitive (implicitly tagged primitive types) and [n] constructed
 * (explicit tags, and implicitly tagged SEQUENCE/SET). */
#define LTLS_DER_CTX(n) LTLS_DER_TAG(LTLS_DER_CONTEXT, (n))
#define LTLS_DER_CTX_CONS(n) LTLS_DER_TAG(LTLS_DER_CONTEXT | LTLS_DER_CONSTRUCTED, (n))

/* One element as it appears in the input. */
typedef struct ltls_der_elem {
    uint32_t tag;
    const uint8_t *raw;  /* the whole encoding (identifier, length, contents), */
    size_t raw_len;      /*   e.g. the signed bytes of a TBSCertificate */
    const uint8_t *body; /* the contents octets */
    size_t len;
} ltls_der_elem_t;

/* An OBJECT IDENTIFIER as its contents octets (no tag, no length). */
typedef struct ltls_der_oid {
    const uint8_t *p;
    size_t len;
} ltls_der_oid_t;

/* A constant OID from a string literal of its contents octets:
 *   static const ltls_der_oid_t rsa = LTLS_DER_OID_LIT("\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01"); */
#define LTLS_DER_OID_LIT(lit) {(const uint8_t *)(lit), sizeof(lit) - 1}

/* ---------------------------------------------------------------------------
 * Elements
 * ------------------------------------------------------------------------- */

/* The tag of the next element, without consuming it. Fails if the reader is
 * empty (DECODE_TRUNCATED) or the identifier is malformed. */
ltls_err_t ltls_der_peek_tag(const ltls_reader_t *r, uint32_t *tag);

/* 1 if the reader is not empty and its next element has this tag, else 0.
 * For OPTIONAL and DEFAULT elements: test, then read. */
int ltls_der_next_is(const ltls_reader_t *r, uint32_t tag);

/* Reads the next element, whatever its tag. */
ltls_err_t ltls_der_read_any(ltls_reader_t *r, ltls_der_elem_t *out);

/* Reads the next element, which must have this tag; body views its contents.
 * With a constructed tag this enters the element (SEQUENCE, SET, [n]). */
ltls_err_t ltls_der_read(ltls_reader_t *r, uint32_t tag, ltls_reader_t *body);

/* As ltls_der_read, also giving the whole element. */
ltls_err_t ltls_der_read_elem(ltls_reader_t *r, uint32_t tag, ltls_der_elem_t *out);

/* If the next element has this tag, reads it as ltls_der_read does and sets
 * *present to 1; otherwise consumes nothing and sets *present to 0 (also at
 * the end of the reader). Fails only on a malformed next element. */
ltls_err_t ltls_der_read_optional(ltls_reader_t *r, uint32_t tag, ltls_reader_t *body,
                                  int *present);

/* Skips one element of any tag. */
ltls_err_t ltls_der_skip(ltls_reader_t *r);

ltls_err_t ltls_der_read_sequence(ltls_reader_t *r, ltls_reader_t *body);
ltls_err_t ltls_der_read_set(ltls_reader_t *r, ltls_reader_t *body);

/* [n] EXPLICIT: enters the constructed context tag n; body views the one
 * element inside (the caller reads it and calls ltls_der_end). [n] IMPLICIT
 * needs no helper: read with LTLS_DER_CTX(n) or LTLS_DER_CTX_CONS(n) in place
 * of the underlying type's tag, or use the _tagged readers below for typed
 * contents. */
ltls_err_t ltls_der_read_explicit(ltls_reader_t *r, uint32_t n, ltls_reader_t *body);

/* LTLS_OK if r is fully consumed, else DER_INVALID. */
ltls_err_t ltls_der_end(const ltls_reader_t *r);

/* ---------------------------------------------------------------------------
 * Primitive types
 * ------------------------------------------------------------------------- */

/* INTEGER as its two's-complement contents (minimal, at least one octet). */
ltls_err_t ltls_der_read_integer(ltls_reader_t *r, const uint8_t **p, size_t *len);

/* A non-negative INTEGER as its unsigned big-endian magnitude: the sign
 * octet 0x00 is dropped, except that zero is the single octet 0x00.
 * A negative value is DER_INVALID. */
ltls_err_t ltls_der_read_uint(ltls_reader_t *r, const uint8_t **p, size_t *len);

/* A non-negative INTEGER that fits in 64 bits; larger or negative values
 * are DER_INVALID. */
ltls_err_t ltls_der_read_uint64(ltls_reader_t *r, uint64_t *v);

/* BOOLEAN: *v = 1 for 0xff, 0 for 0x00. Whether an explicit FALSE is allowed
 * (it is not where the type says DEFAULT FALSE) is for the caller to say. */
ltls_err_t ltls_der_read_bool(ltls_reader_t *r, int *v);

ltls_err_t ltls_der_read_null(ltls_reader_t *r);

/* OBJECT IDENTIFIER with its encoding validated. */
ltls_err_t ltls_der_read_oid(ltls_reader_t *r, ltls_der_oid_t *out);

/* 1 if a and b are the same OID, else 0. */
int ltls_der_oid_equal(const ltls_der_oid_t *a, const ltls_der_oid_t *b);

/* Reads an OID and checks that it is `want`; another OID is DER_INVALID. */
ltls_err_t ltls_der_expect_oid(ltls_reader_t *r, const ltls_der_oid_t *want);

/* BIT STRING: the bit octets (without the unused-bits octet) and the number
 * of unused bits at the end of the last octet (0..7). */
ltls_err_t ltls_der_read_bit_string(ltls_reader_t *r, const uint8_t **p, size_t *len,
                                    unsigned *unused_bits);

/* A BIT STRING holding whole octets (keys, signatures): unused bits must be 0. */
ltls_err_t ltls_der_read_bit_string_octets(ltls_reader_t *r, const uint8_t **p, size_t *len);

ltls_err_t ltls_der_read_octet_string(ltls_reader_t *r, const uint8_t **p, size_t *len);

/* The same readers for a type under an IMPLICIT tag, e.g. RFC 5958's
 * publicKey [1] IMPLICIT BIT STRING: read with LTLS_DER_CTX(1) and the
 * contents are checked as the underlying type's. */
ltls_err_t ltls_der_read_integer_tagged(ltls_reader_t *r, uint32_t tag, const uint8_t **p,
                                       size_t *len);
ltls_err_t ltls_der_read_uint_tagged(ltls_reader_t *r, uint32_t tag, const uint8_t **p,
                                    size_t *len);
ltls_err_t ltls_der_read_bit_string_tagged(ltls_reader_t *r, uint32_t tag, const uint8_t **p,
                                          size_t *len, unsigned *unused_bits);
ltls_err_t ltls_der_read_bit_string_octets_tagged(ltls_reader_t *r, uint32_t tag,
                                                 const uint8_t **p, size_t *len);
ltls_err_t ltls_der_read_octet_string_tagged(ltls_reader_t *r, uint32_t tag, const uint8_t **p,
                                            size_t *len);

/* ---------------------------------------------------------------------------
 * Time (RFC 5280 §4.1.2.5), as seconds since 1970-01-01T00:00:00Z
 *
 * UTCTime must be YYMMDDHHMMSSZ (§4.1.2.5.1): YY >= 50 is 19YY, YY < 50 is
 * 20YY. GeneralizedTime must be YYYYMMDDHHMMSSZ (§4.1.2.5.2): seconds
 * present, no fraction, Zulu. Every field is range-checked (month 1..12, day
 * within the month with Gregorian leap years, hour 0..23, minute and second
 * 0..59; leap seconds are not representable in these profiles' arithmetic
 * and are rejected). Whether a CA used UTCTime for years up to 2049 is not
 * checked: a relying party accepts either.
 * ------------------------------------------------------------------------- */

ltls_err_t ltls_der_read_utc_time(ltls_reader_t *r, int64_t *t);
ltls_err_t ltls_der_read_generalized_time(ltls_reader_t *r, int64_t *t);
/* Time ::= CHOICE { utcTime UTCTime, generalTime GeneralizedTime } */
ltls_err_t ltls_der_read_time(ltls_reader_t *r, int64_t *t);

/* Seconds since the epoch of a proleptic Gregorian UTC date and time, or
 * DER_INVALID if a field is out of range. Exposed for tests and for callers
 * that build times. */
ltls_err_t ltls_der_civil_to_unix(int year, int month, int day, int hour, int minute, int second,
                                  int64_t *t);

/* ---------------------------------------------------------------------------
 * OIDs of public-key algorithms and curves, shared by PKCS#8 key files and
 * SubjectPublicKeyInfo (RFC 3279, RFC 5480, RFC 8410).
 * ------------------------------------------------------------------------- */

extern const ltls_der_oid_t ltls_oid_rsa_encryption; /* 1.2.840.113549.1.1.1 */
extern const ltls_der_oid_t ltls_oid_ec_public_key;  /* 1.2.840.10045.2.1 */
extern const ltls_der_oid_t ltls_oid_secp256r1;      /* 1.2.840.10045.3.1.7 */
extern const ltls_der_oid_t ltls_oid_secp384r1;      /* 1.3.132.0.34 */
extern const ltls_der_oid_t ltls_oid_secp521r1;      /* 1.3.132.0.35 */
extern const ltls_der_oid_t ltls_oid_ed25519;        /* 1.3.101.112 */
extern const ltls_der_oid_t ltls_oid_ed448;          /* 1.3.101.113 */

#endif
