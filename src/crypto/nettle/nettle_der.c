/*
 * crypto/nettle/nettle_der.c - the DER form of ECDSA signatures,
 *
 *     ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }
 *
 * (RFC 3279 §2.2.3; RFC 8446 §4.2.3 carries it in CertificateVerify). Nettle
 * signs and verifies (r, s) as numbers and leaves the encoding to us.
 *
 * Theory of operation. Decoding goes through lucidtls's strict DER reader
 * (x509/der.h): exactly one SEQUENCE, no trailing bytes after it or inside
 * it, two minimal non-negative INTEGERs. That rejects every malleated form
 * (padding zeros, long-form lengths, negative values) before the numbers
 * reach Nettle, which then checks 0 < r, s < n. Encoding goes through the
 * writer (core/writer.h): the lengths are known up front, so the SEQUENCE
 * header is written first, in the short or the one-octet long form (a
 * P-521 signature needs the latter).
 */
#include "core/writer.h"
#include "crypto/nettle/ltls_nettle.h"
#include "x509/der.h"

/* One INTEGER's contents length for an unsigned magnitude: leading zeros
 * dropped, one 0x00 added when the top bit is set (X.690 §8.3). */
static size_t int_len(const uint8_t **p, size_t *n)
{
    while (*n > 1 && !**p) {
        (*p)++;
        (*n)--;
    }
    return *n + ((**p & 0x80) ? 1 : 0);
}

static void write_len(ltls_writer_t *w, size_t len)
{
    /* Every length here is below 256 (two 67-byte INTEGERs at most). */
    if (len >= 0x80)
        ltls_writer_u8(w, 0x81);
    ltls_writer_u8(w, (uint8_t)len);
}

static void write_int(ltls_writer_t *w, const uint8_t *p, size_t n, size_t len)
{
    ltls_writer_u8(w, 0x02);
    write_len(w, len);
    if (len > n)
        ltls_writer_u8(w, 0x00);
    ltls_writer_bytes(w, p, n);
}

static size_t tlv_len(size_t len) { return 1 + (len >= 0x80 ? 2 : 1) + len; }

ltls_err_t ltls_nettle_ecdsa_sig_encode(const uint8_t *r, const uint8_t *s, size_t size,
                                        uint8_t *out, size_t *len)
{
    if (!r || !s || !size || !len || (!out && *len))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    size_t rn = size, sn = size;
    size_t rl = int_len(&r, &rn), sl = int_len(&s, &sn);
    size_t body = tlv_len(rl) + tlv_len(sl);
    ltls_writer_t w;
    ltls_writer_init(&w, out, *len);
    ltls_writer_u8(&w, 0x30);
    write_len(&w, body);
    write_int(&w, r, rn, rl);
    write_int(&w, s, sn, sl);
    return ltls_writer_finish(&w, len);
}

ltls_err_t ltls_nettle_ecdsa_sig_decode(const uint8_t *sig, size_t sig_len, const uint8_t **r,
                                        size_t *r_len, const uint8_t **s, size_t *s_len)
{
    ltls_reader_t in, seq;
    ltls_reader_init(&in, sig, sig_len);
    if (ltls_der_read_sequence(&in, &seq) || ltls_der_read_uint(&seq, r, r_len) ||
        ltls_der_read_uint(&seq, s, s_len) || ltls_der_end(&seq) || ltls_der_end(&in))
        return ltls_err_make(LTLS_R_DECRYPT_ERROR);
    return LTLS_OK;
}
