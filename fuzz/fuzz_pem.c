/*
 * fuzz/fuzz_pem.c - the PEM block iterator and the strict base64 decoder
 * (src/crypto/keyfile/pem.c) over arbitrary text, and, once the certificate
 * decoder exists, the PEM/DER certificate-list loader on top of them.
 *
 * Why: PEM is the first thing that reads a key or trust-store file, often
 * one an attacker influences (uploaded bundles, configuration). The iterator
 * scans lines by hand and the decoder is written branch-free, both places
 * where an off-by-one hides easily.
 *
 * Checked besides the sanitizers:
 *   - every view (label, headers, text) lies inside the input, labels follow
 *     the RFC 7468 §3 grammar, a block's text holds no boundary line;
 *   - the iterator always advances after a block, and after an error stays
 *     put and repeats the same error (so a caller's loop terminates);
 *   - ltls_base64_decode accepts exactly what a simple reference decoder
 *     written here from the header's rules accepts, with the same output,
 *     so re-encoding the output gives back the text without whitespace;
 *   - ltls_pem_decoded_max is enough, and a buffer one octet short gives
 *     BUFFER_TOO_SMALL.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/keyfile/pem.h"
#include "fuzz_common.h"
#if FUZZ_HAVE_CERT
#include "lucidtls/x509.h"
#endif

#define MAX_BLOCKS 4096

static int ws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0x0b || c == 0x0c;
}

static int b64_val(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* The reference decoder: whitespace ignored, length a multiple of four,
 * at most two '=' and only at the end, zero padding bits. Returns 1 and the
 * output (malloc'd, *out_len) if valid, 0 if not. */
static int ref_decode(const uint8_t *in, size_t n, uint8_t **out, size_t *out_len)
{
    uint8_t *s = malloc(n + 1);
    FUZZ_CHECK(s != NULL);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!ws(in[i]))
            s[m++] = in[i];
    size_t pad = 0;
    while (pad < m && s[m - 1 - pad] == '=')
        pad++;
    int ok = m % 4 == 0 && pad <= 2;
    for (size_t i = 0; ok && i < m - pad; i++)
        ok = b64_val(s[i]) >= 0;
    uint8_t *o = malloc(m / 4 * 3 + 1);
    FUZZ_CHECK(o != NULL);
    size_t k = 0;
    for (size_t i = 0; ok && i < m; i += 4) {
        uint32_t acc = 0;
        size_t q = 0;
        for (size_t j = 0; j < 4; j++) {
            if (s[i + j] != '=') {
                acc = (acc << 6) | (uint32_t)b64_val(s[i + j]);
                q++;
            }
        }
        if (q == 4) {
            o[k++] = (uint8_t)(acc >> 16);
            o[k++] = (uint8_t)(acc >> 8);
            o[k++] = (uint8_t)acc;
        } else if (q == 3) {
            ok = (acc & 3) == 0;
            o[k++] = (uint8_t)(acc >> 10);
            o[k++] = (uint8_t)(acc >> 2);
        } else if (q == 2) {
            ok = (acc & 0xf) == 0;
            o[k++] = (uint8_t)(acc >> 4);
        } else {
            ok = 0; /* a quantum of 0 or 1 sextets */
        }
    }
    free(s);
    if (!ok) {
        free(o);
        return 0;
    }
    *out = o;
    *out_len = k;
    return 1;
}

/* ltls_base64_decode against the reference, with the buffer-size rules. */
static void check_base64(const uint8_t *text, size_t n)
{
    size_t cap = n / 4 * 3 + 3; /* what ltls_pem_decoded_max gives */
    uint8_t *out = malloc(cap);
    FUZZ_CHECK(out != NULL);
    size_t len = SIZE_MAX;
    ltls_err_t err = ltls_base64_decode(text, n, out, cap, &len);
    uint8_t *ref = NULL;
    size_t ref_len = 0;
    int ref_ok = ref_decode(text, n, &ref, &ref_len);
    FUZZ_CHECK_ERR(err, !err || ltls_err_reason(err) == LTLS_R_PEM_INVALID);
    FUZZ_CHECK_ERR(err, (err == LTLS_OK) == ref_ok);
    if (ref_ok) {
        FUZZ_CHECK(len == ref_len && len <= cap);
        FUZZ_CHECK(memcmp(out, ref, len) == 0);
        if (len > 0) {
            /* exactly enough room works; one octet less is BUFFER_TOO_SMALL */
            size_t len2 = 0;
            err = ltls_base64_decode(text, n, out, len, &len2);
            FUZZ_CHECK_ERR(err, !err && len2 == len && memcmp(out, ref, len) == 0);
            err = ltls_base64_decode(text, n, out, len - 1, &len2);
            FUZZ_CHECK_ERR(err, ltls_err_reason(err) == LTLS_R_BUFFER_TOO_SMALL);
        }
        free(ref);
    }
    free(out);
}

/* RFC 7468 §3: label = [ labelchar *( ["-" / SP] labelchar ) ] */
static int label_grammar(const char *l, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)l[i];
        int sep = c == '-' || c == ' ';
        if (c < 0x20 || c > 0x7e)
            return 0;
        if (sep && (i == 0 || i + 1 == n || l[i - 1] == '-' || l[i - 1] == ' '))
            return 0;
    }
    return 1;
}

/* No line of a block's text may be a boundary ("-----" after leading
 * spaces, tabs and CRs). */
static void check_text_lines(const uint8_t *t, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && (t[j] == ' ' || t[j] == '\t' || t[j] == '\r'))
            j++;
        FUZZ_CHECK(!(n - j >= 5 && memcmp(&t[j], "-----", 5) == 0));
        while (i < n && t[i] != '\n')
            i++;
        i++;
    }
}

static void check_block(const ltls_pem_block_t *b, const uint8_t *data, size_t size)
{
    FUZZ_CHECK(fuzz_within(b->label, b->label_len, data, size));
    FUZZ_CHECK(label_grammar(b->label, b->label_len));
    FUZZ_CHECK(fuzz_within(b->text, b->text_len, data, size));
    FUZZ_CHECK((b->headers == NULL) == (b->headers_len == 0));
    if (b->headers) {
        FUZZ_CHECK(fuzz_within(b->headers, b->headers_len, data, size));
        FUZZ_CHECK(b->headers + b->headers_len <= b->text);
        FUZZ_CHECK(memchr(b->headers, ':', b->headers_len) != NULL);
    }
    check_text_lines(b->text, b->text_len);

    char label[80];
    if (b->label_len < sizeof label) {
        memcpy(label, b->label, b->label_len);
        label[b->label_len] = 0;
        FUZZ_CHECK(ltls_pem_label_is(b, label));
    }
    FUZZ_CHECK(!ltls_pem_label_is(b, "CERTIFICATE") || b->label_len == 11);
    (void)ltls_pem_has_header(b, "Proc-Type", "4,ENCRYPTED");
    (void)ltls_pem_has_header(b, "DEK-Info", "");
    (void)ltls_pem_has_header(b, "", "");

    size_t cap = ltls_pem_decoded_max(b);
    uint8_t *der = malloc(cap ? cap : 1);
    FUZZ_CHECK(der != NULL);
    size_t len = 0;
    ltls_err_t err = ltls_pem_decode(b, der, cap, &len);
    FUZZ_CHECK_ERR(err, !err || ltls_err_reason(err) == LTLS_R_PEM_INVALID);
    if (!err)
        FUZZ_CHECK(len <= cap);
    free(der);
    check_base64(b->text, b->text_len);
}

static void iterate(const uint8_t *data, size_t size)
{
    ltls_pem_iter_t it;
    ltls_pem_block_t b;
    int found = 1;
    ltls_pem_iter_init(&it, data, size);
    for (unsigned i = 0; i < MAX_BLOCKS; i++) {
        size_t before = it.r.off;
        ltls_err_t err = ltls_pem_next(&it, &b, &found);
        if (err) {
            FUZZ_CHECK_ERR(err, ltls_err_reason(err) == LTLS_R_PEM_INVALID && !found);
            /* it stays at the bad block (past the text before it) */
            size_t at = it.r.off;
            FUZZ_CHECK(at >= before && at < size);
            int found2 = 1;
            ltls_err_t again = ltls_pem_next(&it, &b, &found2);
            FUZZ_CHECK(again == err && it.r.off == at && !found2);
            return;
        }
        if (!found)
            return;
        FUZZ_CHECK(it.r.off > before && it.r.off <= size);
        check_block(&b, data, size);
    }
    /* A block is at least two lines of 16+ octets, so MAX_BLOCKS blocks do
     * not fit in any input the fuzzer makes (max_len): reaching here means
     * the iterator is not advancing. */
    FUZZ_CHECK(size >= (size_t)MAX_BLOCKS * 32);
}

#if FUZZ_HAVE_CERT
static void cert_list(const uint8_t *data, size_t size)
{
    static fuzz_alloc_state_t st;
    ltls_allocator_t a = fuzz_allocator(&st);
    ltls_cert_t **certs = NULL;
    size_t count = 0;
    fuzz_alloc_reset(&st, 0);
    ltls_err_t err = ltls_cert_list_parse(data, size, &a, &certs, &count);
    if (!err) {
        FUZZ_CHECK(count > 0 && certs != NULL);
        for (size_t i = 0; i < count; i++) {
            size_t n = 0;
            const uint8_t *der = ltls_cert_der(certs[i], &n);
            FUZZ_CHECK(der != NULL && n > 0);
            fuzz_touch(der, n);
        }
        ltls_cert_list_free(certs, count, &a);
    }
    fuzz_alloc_expect_empty(&st);
    /* Once more with one allocation failing: the error path must free
     * everything it had allocated. */
    size_t allocs = st.count;
    if (allocs > 0) {
        fuzz_alloc_reset(&st, 1 + fuzz_hash(data, size) % allocs);
        certs = NULL;
        count = 0;
        err = ltls_cert_list_parse(data, size, &a, &certs, &count);
        if (!err)
            ltls_cert_list_free(certs, count, &a);
        fuzz_alloc_expect_empty(&st);
    }
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    iterate(data, size);
    check_base64(data, size);
#if FUZZ_HAVE_CERT
    cert_list(data, size);
#endif
    return 0;
}
