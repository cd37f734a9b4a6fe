/*
 * crypto/keyfile/pem.c - PEM block iteration and strict base64 (RFC 7468).
 *
 * Theory of operation: the iterator reads the buffer line by line through
 * the core reader. A line is a BEGIN boundary once its trimmed text starts
 * with "-----BEGIN "; from there the block runs to the first line that starts
 * with "-----", which must be the matching END boundary. Blocks are returned
 * as views; nothing is decoded until the caller asks, so unwanted blocks cost
 * one scan.
 *
 * The base64 decoder maps characters to values with branch-free range masks
 * (see the header for the constant-time argument). It accumulates four
 * sextets and emits three octets; padding and the zero-bits rule are checked
 * on the final quantum only, since RFC 7468 allows padding only at the end.
 */
#include "crypto/keyfile/pem.h"

#include <string.h>

static ltls_err_t pem_invalid(void) { return ltls_err_make(LTLS_R_PEM_INVALID); }

/* One line of text, without its LF and without spaces, tabs and CR at
 * either end. */
typedef struct {
    const uint8_t *p;
    size_t len;
} line_t;

static int is_wsp(uint8_t c) { return c == ' ' || c == '\t' || c == '\r'; }

/* Reads one line (through its LF or to the end of the buffer). 0 at the end
 * of the buffer. */
static int next_line(ltls_reader_t *r, line_t *line)
{
    size_t left = ltls_reader_left(r);
    if (left == 0)
        return 0;
    const uint8_t *p = ltls_reader_peek(r);
    size_t e = 0;
    while (e < left && p[e] != '\n')
        e++;
    (void)ltls_reader_skip(r, e < left ? e + 1 : e); /* within left: cannot fail */
    size_t b = 0;
    while (b < e && is_wsp(p[b]))
        b++;
    while (e > b && is_wsp(p[e - 1]))
        e--;
    line->p = &p[b];
    line->len = e - b;
    return 1;
}

static int starts_with(const line_t *l, const char *s)
{
    size_t n = strlen(s);
    return l->len >= n && memcmp(l->p, s, n) == 0;
}

/* RFC 7468 §3: label = [ labelchar *( ["-" / SP] labelchar ) ], labelchar
 * is any printable character but '-'. */
static int label_ok(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c < 0x20 || c > 0x7e)
            return 0;
        if (c == '-' || c == ' ') {
            /* a separator sits between two labelchars */
            if (i == 0 || i + 1 == n || p[i + 1] == '-' || p[i + 1] == ' ')
                return 0;
        }
    }
    return 1;
}

/* Matches "-----<kind> label-----" and returns the label. */
static int boundary(const line_t *l, const char *kind, const uint8_t **label, size_t *label_len)
{
    size_t k = strlen(kind);
    if (l->len < k + 5 || !starts_with(l, kind) || memcmp(&l->p[l->len - 5], "-----", 5) != 0)
        return 0;
    *label = &l->p[k];
    *label_len = l->len - k - 5;
    return label_ok(*label, *label_len);
}

void ltls_pem_iter_init(ltls_pem_iter_t *it, const uint8_t *data, size_t len)
{
    ltls_reader_init(&it->r, data, len);
}

ltls_err_t ltls_pem_next(ltls_pem_iter_t *it, ltls_pem_block_t *out, int *found)
{
    ltls_reader_t c = it->r;
    line_t l;
    const uint8_t *label = NULL, *end_label;
    size_t label_len = 0, end_len;

    *found = 0;
    for (;;) {
        ltls_reader_t before = c;
        if (!next_line(&c, &l)) {
            it->r = c;
            return LTLS_OK; /* no more blocks */
        }
        if (!starts_with(&l, "-----BEGIN "))
            continue; /* explanatory text (RFC 7468 §2) */
        if (!boundary(&l, "-----BEGIN ", &label, &label_len)) {
            it->r = before;
            return pem_invalid();
        }
        it->r = before; /* on error below, stay at this block */
        break;
    }

    /* Optional RFC 1421 headers: lines with a colon (never in base64), up
     * to a blank line. */
    ltls_reader_t body_start = c;
    const uint8_t *headers = NULL;
    size_t headers_len = 0;
    if (next_line(&c, &l) && !starts_with(&l, "-----") && memchr(l.p, ':', l.len)) {
        headers = ltls_reader_peek(&body_start);
        for (;;) {
            ltls_reader_t line_start = c;
            if (!next_line(&c, &l) || starts_with(&l, "-----"))
                return pem_invalid(); /* no blank line after the headers */
            if (l.len == 0) {
                headers_len = line_start.off - body_start.off;
                break;
            }
        }
        body_start = c;
    } else {
        c = body_start;
    }

    const uint8_t *text = ltls_reader_peek(&body_start);
    for (;;) {
        ltls_reader_t line_start = c;
        if (!next_line(&c, &l))
            return pem_invalid(); /* BEGIN without END */
        if (!starts_with(&l, "-----"))
            continue;
        if (!boundary(&l, "-----END ", &end_label, &end_len) || end_len != label_len ||
            memcmp(end_label, label, label_len) != 0)
            return pem_invalid();
        out->label = (const char *)label;
        out->label_len = label_len;
        out->headers = headers;
        out->headers_len = headers_len;
        out->text = text;
        out->text_len = line_start.off - body_start.off;
        *found = 1;
        it->r = c;
        return LTLS_OK;
    }
}

int ltls_pem_label_is(const ltls_pem_block_t *b, const char *label)
{
    size_t n = strlen(label);
    return b->label_len == n && memcmp(b->label, label, n) == 0;
}

int ltls_pem_has_header(const ltls_pem_block_t *b, const char *name, const char *value_prefix)
{
    ltls_reader_t r;
    line_t l;
    size_t nlen = strlen(name), vlen = strlen(value_prefix);
    ltls_reader_init(&r, b->headers, b->headers_len);
    while (next_line(&r, &l)) {
        if (l.len <= nlen || memcmp(l.p, name, nlen) != 0 || l.p[nlen] != ':')
            continue;
        size_t i = nlen + 1;
        while (i < l.len && (l.p[i] == ' ' || l.p[i] == '\t'))
            i++;
        if (l.len - i >= vlen && memcmp(&l.p[i], value_prefix, vlen) == 0)
            return 1;
    }
    return 0;
}

size_t ltls_pem_decoded_max(const ltls_pem_block_t *b) { return b->text_len / 4 * 3 + 3; }

/* ------------------------------------------------------------------------- */

/* All ones if lo <= c <= hi, else 0, without a branch: both differences are
 * negative exactly when c is inside, and the sign bit of their AND says so. */
static uint32_t in_range(uint32_t c, uint32_t lo, uint32_t hi)
{
    uint32_t both = (lo - 1u - c) & (c - hi - 1u);
    return 0u - (both >> 31);
}

/* The 6-bit value of a base64 character (RFC 4648 §4 alphabet), and in
 * *valid all ones if it is one, else 0. */
static uint32_t b64_value(uint8_t ch, uint32_t *valid)
{
    uint32_t c = ch;
    uint32_t upper = in_range(c, 'A', 'Z'), lower = in_range(c, 'a', 'z');
    uint32_t digit = in_range(c, '0', '9'), plus = in_range(c, '+', '+');
    uint32_t slash = in_range(c, '/', '/');
    *valid = upper | lower | digit | plus | slash;
    return (upper & (c - 'A')) | (lower & (c - 'a' + 26u)) | (digit & (c - '0' + 52u)) |
           (plus & 62u) | (slash & 63u);
}

static int is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0x0b || c == 0x0c;
}

ltls_err_t ltls_base64_decode(const uint8_t *in, size_t in_len, uint8_t *out, size_t cap,
                              size_t *len)
{
    uint32_t bad = 0; /* all ones once an invalid character was seen */
    uint32_t acc = 0;
    size_t quantum = 0; /* sextets in acc */
    size_t pad = 0, n = 0;

    for (size_t i = 0; i < in_len; i++) {
        uint8_t ch = in[i];
        if (is_space(ch))
            continue;
        if (ch == '=') {
            pad++;
            continue;
        }
        if (pad) /* data after padding */
            return pem_invalid();
        uint32_t valid;
        uint32_t v = b64_value(ch, &valid);
        bad |= ~valid;
        acc = (acc << 6) | (v & 63u);
        if (++quantum == 4) {
            if (n > cap || cap - n < 3)
                return ltls_err_make(LTLS_R_BUFFER_TOO_SMALL);
            out[n] = (uint8_t)(acc >> 16);
            out[n + 1] = (uint8_t)(acc >> 8);
            out[n + 2] = (uint8_t)acc;
            n += 3;
            quantum = 0;
            acc = 0;
        }
    }
    if (bad)
        return pem_invalid();
    /* The final quantum: 2 or 3 sextets need exactly 2 or 1 '=' (padding is
     * mandatory), and the bits beyond the last octet must be zero. */
    if (pad > 2 || (quantum + pad != 4 && !(quantum == 0 && pad == 0)))
        return pem_invalid();
    if (quantum == 1) /* one sextet cannot hold an octet */
        return pem_invalid();
    size_t tail = quantum == 3 ? 2 : quantum == 2 ? 1 : 0;
    uint32_t stray = quantum == 3 ? (acc & 0x3u) : quantum == 2 ? (acc & 0xfu) : 0;
    if (stray)
        return pem_invalid();
    if (tail) {
        if (n > cap || cap - n < tail)
            return ltls_err_make(LTLS_R_BUFFER_TOO_SMALL);
        if (quantum == 3) {
            out[n] = (uint8_t)(acc >> 10);
            out[n + 1] = (uint8_t)(acc >> 2);
        } else {
            out[n] = (uint8_t)(acc >> 4);
        }
        n += tail;
    }
    *len = n;
    return LTLS_OK;
}

ltls_err_t ltls_pem_decode(const ltls_pem_block_t *b, uint8_t *out, size_t cap, size_t *len)
{
    return ltls_base64_decode(b->text, b->text_len, out, cap, len);
}
