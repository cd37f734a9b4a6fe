/*
 * crypto/keyfile/pem.h - PEM text (RFC 7468): find the blocks in a buffer and
 * decode their base64 bodies to DER.
 *
 * A buffer may hold several blocks (a certificate chain, a key with its
 * certificate) with explanatory text around them. ltls_pem_next() walks the
 * blocks in order and returns views of each one's label, its RFC 1421
 * header lines (only legacy encrypted keys have them) and its base64 text;
 * ltls_pem_decode() turns the text into DER in a caller's buffer. Splitting
 * the two lets a caller skip blocks it does not want without decoding them,
 * and choose where secret bytes land.
 *
 * Accepted syntax (RFC 7468 §2 and the lax form of §3):
 *   - text before, between and after blocks is ignored;
 *   - a boundary line is "-----BEGIN label-----" / "-----END label-----",
 *     optionally surrounded by spaces or tabs, ending in LF, CRLF or the end
 *     of the buffer; the label follows the §3 grammar and the END label
 *     must equal the BEGIN label;
 *   - in the base64 text, whitespace (SP, HT, CR, LF, VT, FF) may appear
 *     anywhere; any other character outside the base64 alphabet and '=' is
 *     rejected; padding is required, at most two '=' end the text, and the
 *     bits that padding leaves unused must be zero (one encoding per value).
 * Everything else is LTLS_R_PEM_INVALID: a BEGIN without its END, a
 * malformed boundary, a stray boundary inside a block.
 *
 * Base64 decoding is constant-time in the values of the alphabet characters:
 * each character is mapped to its 6-bit value by arithmetic on masks, not by
 * a table indexed with the secret character, and invalid characters are
 * collected in a flag checked once at the end. The only branches are on
 * whether a character is whitespace or '=', which reveals line layout and
 * padding length, not key material.
 */
#ifndef LTLS_CRYPTO_KEYFILE_PEM_H
#define LTLS_CRYPTO_KEYFILE_PEM_H

#include <stddef.h>
#include <stdint.h>

#include "core/reader.h"
#include "lucidtls/error.h"

typedef struct ltls_pem_block {
    const char *label;      /* not NUL-terminated */
    size_t label_len;
    const uint8_t *headers; /* RFC 1421 "Name: value" lines, or NULL */
    size_t headers_len;
    const uint8_t *text;    /* the base64 text, whitespace included */
    size_t text_len;
} ltls_pem_block_t;

typedef struct ltls_pem_iter {
    ltls_reader_t r;
} ltls_pem_iter_t;

/* Iterates over [data, data+len), which must outlive the iterator and the
 * blocks it yields. data need not be NUL-terminated. */
void ltls_pem_iter_init(ltls_pem_iter_t *it, const uint8_t *data, size_t len);

/* The next block: LTLS_OK with *found = 1 and *out filled, or LTLS_OK with
 * *found = 0 when no BEGIN line is left. LTLS_R_PEM_INVALID when a block is
 * malformed; the iterator then stays at that block. */
ltls_err_t ltls_pem_next(ltls_pem_iter_t *it, ltls_pem_block_t *out, int *found);

/* 1 if the block's label is exactly `label` (a NUL-terminated string). */
int ltls_pem_label_is(const ltls_pem_block_t *b, const char *label);

/* 1 if the block's RFC 1421 headers contain a header line `name: value...`
 * whose value starts with `value_prefix` (e.g. "Proc-Type", "4,ENCRYPTED"). */
int ltls_pem_has_header(const ltls_pem_block_t *b, const char *name, const char *value_prefix);

/* An upper bound on the size of the block's decoded DER. */
size_t ltls_pem_decoded_max(const ltls_pem_block_t *b);

/* Decodes the block's base64 text into out (capacity cap; at least
 * ltls_pem_decoded_max() always suffices). *len receives the DER size.
 * LTLS_R_PEM_INVALID for invalid text, LTLS_R_BUFFER_TOO_SMALL if cap is
 * too small. On failure out may hold part of the result; wipe it if the
 * block was secret. */
ltls_err_t ltls_pem_decode(const ltls_pem_block_t *b, uint8_t *out, size_t cap, size_t *len);

/* The base64 decoder behind ltls_pem_decode, with the same rules. */
ltls_err_t ltls_base64_decode(const uint8_t *in, size_t in_len, uint8_t *out, size_t cap,
                              size_t *len);

#endif
