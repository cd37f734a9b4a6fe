/*
 * record/record.c - TLS 1.3 record framing and protection (RFC 8446 §5).
 *
 * Theory of operation. A record is a 5-byte header and a body. The header is
 * read through the core reader and checked before any byte of the body is
 * awaited, so that garbage fails at once. What happens to the body depends on
 * the outer type and on the direction's state:
 *
 *   unprotected direction   handshake/alert/CCS pass through as TLSPlaintext
 *   protected direction     application_data is a TLSCiphertext: decrypted
 *                           in place, padding stripped, inner type checked;
 *                           CCS passes through undecrypted (§5, §D.4)
 *
 * Sealing is the mirror image: the writer lays down the header and reserves
 * the body, the content is moved into place unless it is already there, the
 * type byte and the zero padding follow, and the AEAD encrypts in place and
 * writes the tag behind it. Neither direction copies the payload more than
 * that one optional move, and nothing allocates: the AEAD context is made
 * once per key and reused for every record.
 *
 * Everything that depends on the TLS version (how the nonce is made, what the
 * additional data is, how the inner plaintext is framed, what the overhead
 * is) sits in the *_tls13 functions, selected by dir->version, so that the
 * TLS 1.2 AEAD framing can be added beside them.
 *
 * Every failure of open is fatal to the connection (§5.2, §5.4 and §6 make
 * each of them a fatal alert), so no state is rolled back after one: the
 * sequence number simply does not advance, and a decrypted body is wiped.
 */
#include "record/record.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
/* AVX2 for the content-type scan, chosen at run time (GCC and Clang on
 * x86-64 only; target attributes and __builtin_cpu_supports are theirs). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(LTLS_NO_AVX2)
#define LTLS_CT_AVX2 1
#include <immintrin.h>
#endif

#include "core/mem.h"
#include "core/reader.h"
#include "core/writer.h"

/* ------------------------------------------------------------------------
 * Direction state
 * ---------------------------------------------------------------------- */

/* The largest TLSInnerPlaintext.content a protected record may carry. */
static size_t max_plaintext_for(uint16_t version, uint32_t size_limit)
{
    if (size_limit == 0)
        return LTLS_RECORD_MAX_PLAINTEXT;
    (void)version; /* TLS 1.2 (RFC 8449 §4: the limit is the content) comes later */
    /* RFC 8449 §4: in TLS 1.3 the limit counts the whole TLSInnerPlaintext,
     * content type included, and never exceeds the protocol's 2^14 + 1. */
    if (size_limit > LTLS_RECORD_MAX_PLAINTEXT + 1)
        size_limit = LTLS_RECORD_MAX_PLAINTEXT + 1;
    return (size_t)size_limit - 1;
}

void ltls_record_dir_init(ltls_record_dir_t *dir, int write)
{
    memset(dir, 0, sizeof(*dir));
    dir->write = write ? 1 : 0;
    dir->max_plaintext = LTLS_RECORD_MAX_PLAINTEXT;
}

static void free_ctx(ltls_record_dir_t *dir)
{
    if (dir->ctx && dir->provider)
        dir->provider->aead_free(dir->ctx);
    dir->ctx = NULL;
}

void ltls_record_dir_clear(ltls_record_dir_t *dir)
{
    if (!dir)
        return;
    int write = dir->write;
    free_ctx(dir);
    ltls_wipe(dir, sizeof(*dir));
    ltls_record_dir_init(dir, write);
}

ltls_err_t ltls_record_dir_set_keys(ltls_record_dir_t *dir, const ltls_provider_t *provider,
                                    const ltls_aead_alg_t *aead, const uint8_t *key,
                                    const uint8_t iv[LTLS_AEAD_NONCE_SIZE])
{
    if (!dir || !provider || !aead || !key || !iv)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);

    /* The old key goes first, whatever happens next: a failed key change
     * must not leave the previous key usable (§5.3: each key has its own
     * sequence, and a KeyUpdate promises the old key is gone). */
    free_ctx(dir);
    ltls_wipe(dir->iv, sizeof(dir->iv));
    dir->version = LTLS_RECORD_PROT_NONE;
    dir->failed = 1;

    if (aead->tag_size == 0 || aead->tag_size > LTLS_RECORD_MAX_AEAD_EXPANSION ||
        aead->key_size > LTLS_AEAD_MAX_KEY)
        return ltls_err_make(LTLS_R_BAD_ARGUMENT);

    ltls_aead_ctx_t *ctx = NULL;
    ltls_err_t err = provider->aead_new(provider->impl, aead, key, dir->write, &ctx);
    if (err)
        return err;

    dir->provider = provider;
    dir->aead = aead;
    dir->ctx = ctx;
    memcpy(dir->iv, iv, LTLS_AEAD_NONCE_SIZE);
    dir->seq = 0;
    dir->max_records = aead->max_records;
    dir->version = LTLS_RECORD_PROT_TLS13;
    dir->max_plaintext = max_plaintext_for(dir->version, dir->size_limit);
    dir->failed = 0;
    return LTLS_OK;
}

ltls_err_t ltls_record_dir_set_size_limit(ltls_record_dir_t *dir, uint32_t limit)
{
    if (!dir)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if (limit != 0 && limit < LTLS_RECORD_SIZE_LIMIT_MIN)
        return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    dir->size_limit = limit;
    dir->max_plaintext = max_plaintext_for(dir->version, limit);
    return LTLS_OK;
}

int ltls_record_dir_protected(const ltls_record_dir_t *dir)
{
    return dir && !dir->failed && dir->version != LTLS_RECORD_PROT_NONE;
}

uint64_t ltls_record_dir_remaining(const ltls_record_dir_t *dir)
{
    if (!ltls_record_dir_protected(dir))
        return 0;
    /* max_records <= 2^64-1, so the sequence numbers counted here never
     * include 2^64-1, which check_seq() refuses (§5.3). */
    return dir->seq < dir->max_records ? dir->max_records - dir->seq : 0;
}

/* May one more record be protected under this key? */
static ltls_err_t check_seq(const ltls_record_dir_t *dir)
{
    /* §5.3: "If a TLS implementation would need to wrap a sequence number,
     * it MUST either rekey or terminate the connection." */
    if (dir->seq == UINT64_MAX)
        return ltls_err_make(LTLS_R_RECORD_SEQ_EXHAUSTED);
    /* §5.5: a key protects no more than the AEAD's limit of records. */
    if (dir->seq >= dir->max_records)
        return ltls_err_make(LTLS_R_LIMIT_REACHED);
    return LTLS_OK;
}

/* ------------------------------------------------------------------------
 * TLS 1.3 protection
 * ---------------------------------------------------------------------- */

/* §5.3: the sequence number, big-endian and left-padded with zeros to the
 * IV's length, XORed with the static IV. */
static void nonce_tls13(const ltls_record_dir_t *dir, uint8_t nonce[LTLS_AEAD_NONCE_SIZE])
{
    memcpy(nonce, dir->iv, LTLS_AEAD_NONCE_SIZE);
    for (size_t i = 0; i < 8; i++)
        nonce[LTLS_AEAD_NONCE_SIZE - 1 - i] ^= (uint8_t)(dir->seq >> (8 * i));
}

/* The largest TLSCiphertext.length this direction accepts (§5.2): the
 * largest inner plaintext plus the largest expansion any TLS 1.3 AEAD may
 * have, so that the check needs no knowledge of the AEAD. */
static size_t max_ciphertext_tls13(const ltls_record_dir_t *dir)
{
    return dir->max_plaintext + 1 + LTLS_RECORD_MAX_AEAD_EXPANSION;
}

/*
 * Finds the content type: the last non-zero byte of the inner plaintext
 * (§5.4). Returns its index, or n when every byte is zero. The scan touches
 * every byte and does not branch on their values nor load from an address
 * that depends on them: padding exists to hide the length of the content,
 * which a scan that stops early would leak through its running time.
 *
 * Speed matters too: this runs over every byte of every record, and the
 * byte-at-a-time select it replaced cost about eight times the AES-GCM
 * decryption of the record, which held bulk transfers to 0.3 of the raw
 * AEAD's throughput (bench/RESULTS.md). So the bytes are taken 64 at a time, in
 * one pass: each chunk is OR-ed together, and when any byte is non-zero the
 * chunk and its index replace the ones kept so far (a select by mask, with
 * no branch). At the end the kept chunk is the last one holding a non-zero
 * byte, and the last non-zero byte is found inside it. x86-64 uses SSE2
 * (always there) or AVX2 (when the CPU has it: about half the time again);
 * other targets do the same with 64-bit words.
 */
#define CT_CHUNK 64

/* 0xffffffff when x != 0, else 0, without a branch. */
static inline uint32_t ct_nonzero_mask32(uint32_t x) { return 0u - ((x | (0u - x)) >> 31); }

/* The last non-zero byte of the kept chunk: a maximum over its bytes of
 * ((j + 1) << 8 | byte), counted for non-zero bytes only, holds the position
 * in the high bits and the byte (the type) in the low ones. Returns the
 * 1-based position, 0 if the chunk is all zero. */
static uint32_t ct_last_in_chunk(const uint8_t acc[CT_CHUNK], uint8_t *type)
{
    uint32_t best = 0;
    for (uint32_t j = 0; j < CT_CHUNK; j++) {
        uint32_t v = acc[j];
        uint32_t cand = ((j + 1u) << 8 | v) & ct_nonzero_mask32(v);
        best = cand > best ? cand : best;
    }
    *type = (uint8_t)best;
    return best >> 8;
}

/* Keeps in acc the last chunk of p (chunks whole chunks, then tail) that
 * holds a non-zero byte; returns its 1-based index, 0 if none. */
#if defined(__SSE2__)
static uint32_t ct_scan_sse2(const uint8_t *p, size_t chunks, const uint8_t *tail,
                             uint8_t acc[CT_CHUNK])
{
    const __m128i zero = _mm_setzero_si128();
    __m128i a0 = zero, a1 = zero, a2 = zero, a3 = zero;
    uint32_t last = 0;
    for (size_t k = 0; k <= chunks; k++) {
        const uint8_t *q = k < chunks ? p + k * CT_CHUNK : tail;
        __m128i v0 = _mm_loadu_si128((const __m128i *)(const void *)q);
        __m128i v1 = _mm_loadu_si128((const __m128i *)(const void *)(q + 16));
        __m128i v2 = _mm_loadu_si128((const __m128i *)(const void *)(q + 32));
        __m128i v3 = _mm_loadu_si128((const __m128i *)(const void *)(q + 48));
        __m128i o = _mm_or_si128(_mm_or_si128(v0, v1), _mm_or_si128(v2, v3));
        /* movemask of (o == 0) is 0xffff iff every byte is zero */
        uint32_t m = ct_nonzero_mask32((uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(o, zero)) ^ 0xffffu);
        __m128i vm = _mm_set1_epi32((int)m);
        a0 = _mm_or_si128(_mm_and_si128(vm, v0), _mm_andnot_si128(vm, a0));
        a1 = _mm_or_si128(_mm_and_si128(vm, v1), _mm_andnot_si128(vm, a1));
        a2 = _mm_or_si128(_mm_and_si128(vm, v2), _mm_andnot_si128(vm, a2));
        a3 = _mm_or_si128(_mm_and_si128(vm, v3), _mm_andnot_si128(vm, a3));
        last = (((uint32_t)k + 1u) & m) | (last & ~m);
    }
    _mm_storeu_si128((__m128i *)(void *)acc, a0);
    _mm_storeu_si128((__m128i *)(void *)(acc + 16), a1);
    _mm_storeu_si128((__m128i *)(void *)(acc + 32), a2);
    _mm_storeu_si128((__m128i *)(void *)(acc + 48), a3);
    return last;
}
#endif

#if defined(LTLS_CT_AVX2)
__attribute__((target("avx2"))) static uint32_t ct_scan_avx2(const uint8_t *p, size_t chunks,
                                                             const uint8_t *tail,
                                                             uint8_t acc[CT_CHUNK])
{
    const __m256i zero = _mm256_setzero_si256();
    __m256i a0 = zero, a1 = zero;
    uint32_t last = 0;
    for (size_t k = 0; k <= chunks; k++) {
        const uint8_t *q = k < chunks ? p + k * CT_CHUNK : tail;
        __m256i v0 = _mm256_loadu_si256((const __m256i *)(const void *)q);
        __m256i v1 = _mm256_loadu_si256((const __m256i *)(const void *)(q + 32));
        __m256i o = _mm256_or_si256(v0, v1);
        uint32_t m = ct_nonzero_mask32(~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(o, zero)));
        __m256i vm = _mm256_set1_epi32((int)m);
        a0 = _mm256_blendv_epi8(a0, v0, vm); /* vpblendvb: no data-dependent timing */
        a1 = _mm256_blendv_epi8(a1, v1, vm);
        last = (((uint32_t)k + 1u) & m) | (last & ~m);
    }
    _mm256_storeu_si256((__m256i *)(void *)acc, a0);
    _mm256_storeu_si256((__m256i *)(void *)(acc + 32), a1);
    return last;
}
#endif

#if !defined(__SSE2__) || defined(LTLS_CT_TEST_ALL)
static uint32_t ct_scan_words(const uint8_t *p, size_t chunks, const uint8_t *tail,
                              uint8_t acc[CT_CHUNK])
{
    uint64_t a[CT_CHUNK / 8] = {0}, w[CT_CHUNK / 8];
    uint32_t last = 0;
    for (size_t k = 0; k <= chunks; k++) {
        memcpy(w, k < chunks ? p + k * CT_CHUNK : tail, CT_CHUNK);
        uint64_t o = 0;
        for (int j = 0; j < CT_CHUNK / 8; j++)
            o |= w[j];
        uint32_t m = ct_nonzero_mask32((uint32_t)o | (uint32_t)(o >> 32));
        uint64_t m64 = (uint64_t)m << 32 | m;
        for (int j = 0; j < CT_CHUNK / 8; j++)
            a[j] = (w[j] & m64) | (a[j] & ~m64);
        last = (((uint32_t)k + 1u) & m) | (last & ~m);
    }
    memcpy(acc, a, CT_CHUNK);
    ltls_wipe(a, sizeof(a));
    ltls_wipe(w, sizeof(w));
    return last;
}
#endif

static size_t find_content_type(const uint8_t *p, size_t n, uint8_t *type)
{
    size_t chunks = n / CT_CHUNK;
    uint8_t tail[CT_CHUNK], acc[CT_CHUNK];
    memset(tail, 0, sizeof(tail)); /* zeros count as padding */
    memcpy(tail, p + chunks * CT_CHUNK, n - chunks * CT_CHUNK);
    uint32_t last;
#if defined(LTLS_CT_AVX2)
    if (__builtin_cpu_supports("avx2"))
        last = ct_scan_avx2(p, chunks, tail, acc);
    else
#endif
#if defined(__SSE2__)
        last = ct_scan_sse2(p, chunks, tail, acc);
#else
        last = ct_scan_words(p, chunks, tail, acc);
#endif
    uint32_t pos = ct_last_in_chunk(acc, type);
    ltls_wipe(tail, sizeof(tail));
    ltls_wipe(acc, sizeof(acc));
    return last ? (size_t)(last - 1) * CT_CHUNK + pos - 1 : n;
}

static ltls_err_t open_tls13(ltls_record_dir_t *dir, const ltls_record_header_t *hdr,
                             uint8_t *buf, ltls_record_t *rec)
{
    uint8_t *body = buf + LTLS_RECORD_HEADER_SIZE;
    size_t tag_size = dir->aead->tag_size;

    /* A body shorter than the tag cannot be authentic: AEAD-Decrypt
     * (RFC 5116 §2.2) fails on it, and §5.2 makes every decryption failure
     * bad_record_mac. A body of exactly the tag is decrypted: if authentic it
     * is an empty inner plaintext, which §5.4 answers with
     * unexpected_message below. */
    if (hdr->length < tag_size)
        return ltls_err_make(LTLS_R_BAD_RECORD_MAC);
    size_t inner_len = hdr->length - tag_size;

    /* §5.4: "the full encoded TLSInnerPlaintext MUST NOT exceed 2^14 + 1
     * octets" (less under RFC 8449). The AEAD's expansion is fixed, so the
     * inner length is known before decrypting; no need to spend the AEAD on
     * a record that is refused anyway. */
    if (inner_len > dir->max_plaintext + 1)
        return ltls_err_make(LTLS_R_RECORD_OVERFLOW);

    ltls_err_t err = check_seq(dir);
    if (err)
        return err;

    uint8_t nonce[LTLS_AEAD_NONCE_SIZE];
    nonce_tls13(dir, nonce);
    /* §5.2: additional_data is the record header exactly as received. */
    err = dir->provider->aead_open(dir->ctx, nonce, buf, LTLS_RECORD_HEADER_SIZE, body, inner_len,
                                   body + inner_len);
    if (err) {
        /* The provider may have left unauthenticated plaintext behind. */
        ltls_wipe(body, hdr->length);
        return err; /* BAD_RECORD_MAC (§5.2), or the provider's own failure */
    }

    uint8_t type;
    size_t content_len = find_content_type(body, inner_len, &type);
    if (content_len == inner_len) {
        /* §5.4: no non-zero octet: "MUST terminate the connection with an
         * unexpected_message alert". */
        err = ltls_err_make(LTLS_R_RECORD_NO_CONTENT_TYPE);
    } else if (type != LTLS_CONTENT_HANDSHAKE && type != LTLS_CONTENT_ALERT &&
               type != LTLS_CONTENT_APPLICATION_DATA) {
        /* §5: a protected change_cipher_spec, or a type this document does
         * not define, is unexpected_message. */
        err = ltls_err_make(LTLS_R_RECORD_BAD_TYPE);
    } else if (content_len == 0 && type != LTLS_CONTENT_APPLICATION_DATA) {
        /* §5.4: zero-length Handshake and Alert content MUST be answered
         * with unexpected_message; application data may be empty. */
        err = ltls_err_make(LTLS_R_RECORD_EMPTY);
    }
    if (err) {
        ltls_wipe(body, hdr->length);
        return err;
    }

    dir->seq++;
    rec->type = type;
    rec->protected_ = 1;
    rec->content = body;
    rec->len = content_len;
    return LTLS_OK;
}

/*
 * Lays out a record in out[0..cap): reserves the header and body_len bytes of
 * body, moves the content to the start of the body, then writes the header.
 * The content goes first because it may sit anywhere in out, including over
 * the header's own five bytes. Nothing is written when the record does not
 * fit; *out_len then says how much room it needs.
 */
static ltls_err_t layout(uint8_t type, uint16_t version, const uint8_t *content,
                         size_t content_len, size_t body_len, uint8_t *out, size_t cap,
                         size_t *out_len, uint8_t **body)
{
    ltls_writer_t w;
    ltls_writer_init(&w, out, cap);
    uint8_t *hdr = ltls_writer_reserve(&w, LTLS_RECORD_HEADER_SIZE);
    *body = ltls_writer_reserve(&w, body_len);
    ltls_err_t err = ltls_writer_finish(&w, out_len);
    if (err)
        return err;
    if (content_len && content != *body)
        memmove(*body, content, content_len);
    ltls_writer_init(&w, hdr, LTLS_RECORD_HEADER_SIZE);
    ltls_writer_u8(&w, type);
    ltls_writer_u16(&w, version);
    ltls_writer_u16(&w, (uint16_t)body_len);
    return ltls_writer_finish(&w, NULL);
}

static size_t overhead_tls13(const ltls_record_dir_t *dir, size_t padding)
{
    return LTLS_RECORD_HEADER_SIZE + 1 + padding + dir->aead->tag_size;
}

static ltls_err_t seal_tls13(ltls_record_dir_t *dir, uint8_t type, const uint8_t *content,
                             size_t content_len, size_t padding, uint8_t *out, size_t cap,
                             size_t *out_len)
{
    if (type != LTLS_CONTENT_HANDSHAKE && type != LTLS_CONTENT_ALERT &&
        type != LTLS_CONTENT_APPLICATION_DATA)
        return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    /* §5.4: "Implementations MUST NOT send Handshake and Alert records that
     * have a zero-length TLSInnerPlaintext.content". */
    if (content_len == 0 && type != LTLS_CONTENT_APPLICATION_DATA)
        return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    /* §5.4: content and padding together stay within 2^14 (RFC 8449: within
     * the peer's limit, which counts the type byte too). Fragmenting is the
     * connection layer's job. */
    if (content_len > dir->max_plaintext || padding > dir->max_plaintext - content_len)
        return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    if (content_len && !content)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);

    ltls_err_t err = check_seq(dir);
    if (err)
        return err;

    size_t inner_len = content_len + 1 + padding;
    size_t tag_size = dir->aead->tag_size;

    /* §5.2: opaque_type is always application_data and the version 0x0303;
     * the real type travels inside. */
    uint8_t *body;
    err = layout(LTLS_CONTENT_APPLICATION_DATA, LTLS_RECORD_VERSION_TLS12, content, content_len,
                 inner_len + tag_size, out, cap, out_len, &body);
    if (err)
        return err;
    body[content_len] = type;
    /* §5.4: "Implementations MUST set the padding octets to all zeros". */
    memset(body + content_len + 1, 0, padding);

    uint8_t nonce[LTLS_AEAD_NONCE_SIZE];
    nonce_tls13(dir, nonce);
    err = dir->provider->aead_seal(dir->ctx, nonce, out, LTLS_RECORD_HEADER_SIZE, body, inner_len,
                                   body + inner_len);
    if (err) {
        ltls_wipe(out, *out_len);
        return err;
    }
    dir->seq++;
    return LTLS_OK;
}

/* ------------------------------------------------------------------------
 * Reading
 * ---------------------------------------------------------------------- */

static int known_type(uint8_t type)
{
    return type == LTLS_CONTENT_CHANGE_CIPHER_SPEC || type == LTLS_CONTENT_ALERT ||
           type == LTLS_CONTENT_HANDSHAKE || type == LTLS_CONTENT_APPLICATION_DATA;
}

ltls_err_t ltls_record_parse_header(const ltls_record_dir_t *dir, const uint8_t *buf, size_t len,
                                    ltls_record_header_t *hdr, size_t *record_len)
{
    if (!dir || (!buf && len) || !hdr || !record_len)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);

    ltls_reader_t r;
    ltls_reader_init(&r, buf, len);
    ltls_record_header_t h;
    if (ltls_reader_u8(&r, &h.type) || ltls_reader_u16(&r, &h.version) ||
        ltls_reader_u16(&r, &h.length)) {
        *record_len = LTLS_RECORD_HEADER_SIZE;
        return ltls_err_make(LTLS_R_WANT_READ);
    }

    /* §5: "If a TLS implementation receives an unexpected record type, it
     * MUST terminate the connection with an unexpected_message alert." */
    if (!known_type(h.type))
        return ltls_err_make(LTLS_R_RECORD_BAD_TYPE);

    /* §5.1: application data is always protected, so an application_data
     * record is a TLSCiphertext whatever our own state (a server skipping
     * rejected early data still needs to frame it); every other type is a
     * TLSPlaintext. */
    int ciphertext = h.type == LTLS_CONTENT_APPLICATION_DATA;
    size_t max = ciphertext ? max_ciphertext_tls13(dir) : LTLS_RECORD_MAX_PLAINTEXT;
    /* §5.1 (2^14) and §5.2 (2^14 + 256): longer records MUST be answered
     * with record_overflow; RFC 8449 §4 likewise for our announced limit. */
    if (h.length > max)
        return ltls_err_make(LTLS_R_RECORD_OVERFLOW);

    /* §5.2: a TLSCiphertext's legacy_record_version "is always 0x0303", and
     * nothing else can legitimately arrive because TLSCiphertexts only exist
     * once TLS 1.3 is negotiated. A TLSPlaintext's is not looked at: §5.1
     * "MUST be ignored for all purposes" (0x0301 on a ClientHello, anything
     * an older peer sends on its alerts). */
    if (ciphertext && h.version != LTLS_RECORD_VERSION_TLS12)
        return ltls_err_make(LTLS_R_RECORD_BAD_VERSION);

    *hdr = h;
    *record_len = LTLS_RECORD_HEADER_SIZE + (size_t)h.length;
    if (ltls_reader_left(&r) < h.length)
        return ltls_err_make(LTLS_R_WANT_READ);
    return LTLS_OK;
}

ltls_err_t ltls_record_open(ltls_record_dir_t *dir, uint8_t *buf, size_t len, ltls_record_t *rec,
                            size_t *record_len)
{
    if (!rec)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    ltls_record_header_t hdr = {0, 0, 0};
    ltls_err_t err = ltls_record_parse_header(dir, buf, len, &hdr, record_len);
    if (err)
        return err;
    /* The context of a write direction was made for sealing. */
    if (dir->failed || (dir->version != LTLS_RECORD_PROT_NONE && dir->write))
        return ltls_err_make(LTLS_R_BAD_STATE);

    if (hdr.type == LTLS_CONTENT_APPLICATION_DATA) {
        /* §5.1: "Application Data messages are always protected": before keys
         * an application_data record is not one we can accept. */
        if (dir->version == LTLS_RECORD_PROT_NONE)
            return ltls_err_make(LTLS_R_RECORD_BAD_TYPE);
        return open_tls13(dir, &hdr, buf, rec);
    }

    /* A TLSPlaintext. Once the peer protects its records the only plaintext
     * it may send is change_cipher_spec (§5: it "may appear at a point ...
     * where the implementation is expecting protected records"). */
    if (dir->version != LTLS_RECORD_PROT_NONE && hdr.type != LTLS_CONTENT_CHANGE_CIPHER_SPEC)
        return ltls_err_make(LTLS_R_RECORD_BAD_TYPE);
    /* §5.1: "Implementations MUST NOT send zero-length fragments of Handshake
     * types"; an alert record holds exactly one alert. §5.4 names
     * unexpected_message for the protected case; the same answer here. A
     * CCS of any length is left to ltls_record_check_ccs(). */
    if (hdr.length == 0 && hdr.type != LTLS_CONTENT_CHANGE_CIPHER_SPEC)
        return ltls_err_make(LTLS_R_RECORD_EMPTY);

    rec->type = hdr.type;
    rec->protected_ = 0;
    rec->content = buf + LTLS_RECORD_HEADER_SIZE;
    rec->len = hdr.length;
    return LTLS_OK;
}

ltls_err_t ltls_record_check_ccs(const ltls_record_t *rec)
{
    if (!rec)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if (rec->type != LTLS_CONTENT_CHANGE_CIPHER_SPEC)
        return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    /* §5: "consisting of the single byte value 0x01"; "any other
     * change_cipher_spec value or ... a protected change_cipher_spec record
     * MUST abort the handshake with an unexpected_message alert". */
    if (rec->protected_ || rec->len != 1 || rec->content[0] != 0x01)
        return ltls_err_make(LTLS_R_RECORD_BAD_CCS);
    return LTLS_OK;
}

/* ------------------------------------------------------------------------
 * Writing
 * ---------------------------------------------------------------------- */

size_t ltls_record_overhead(const ltls_record_dir_t *dir, size_t padding)
{
    if (!ltls_record_dir_protected(dir))
        return LTLS_RECORD_HEADER_SIZE;
    return overhead_tls13(dir, padding);
}

size_t ltls_record_seal_size(const ltls_record_dir_t *dir, size_t content_len, size_t padding)
{
    return ltls_record_overhead(dir, padding) + content_len;
}

size_t ltls_record_max_content(const ltls_record_dir_t *dir, size_t padding, size_t room)
{
    size_t limit = LTLS_RECORD_MAX_PLAINTEXT;
    if (ltls_record_dir_protected(dir)) {
        if (padding > dir->max_plaintext)
            return 0;
        limit = dir->max_plaintext - padding;
    }
    size_t overhead = ltls_record_overhead(dir, padding);
    if (room < overhead)
        return 0;
    return room - overhead < limit ? room - overhead : limit;
}

ltls_err_t ltls_record_seal(ltls_record_dir_t *dir, uint8_t type, const uint8_t *content,
                            size_t content_len, size_t padding, uint8_t *out, size_t cap,
                            size_t *out_len)
{
    if (!dir || !out_len)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if (!ltls_record_dir_protected(dir) || !dir->write)
        return ltls_err_make(LTLS_R_BAD_STATE);
    return seal_tls13(dir, type, content, content_len, padding, out, cap, out_len);
}

ltls_err_t ltls_record_write_plaintext(const ltls_record_dir_t *dir, uint8_t type, uint16_t version,
                                       const uint8_t *content, size_t content_len, uint8_t *out,
                                       size_t cap, size_t *out_len)
{
    if (!dir || !out_len || (content_len && !content))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    /* §5.1: "Application Data records MUST NOT be written to the wire
     * unprotected"; no zero-length handshake fragments, and an alert or a
     * CCS always has content. */
    if ((type != LTLS_CONTENT_HANDSHAKE && type != LTLS_CONTENT_ALERT &&
         type != LTLS_CONTENT_CHANGE_CIPHER_SPEC) ||
        content_len == 0 || content_len > LTLS_RECORD_MAX_PLAINTEXT)
        return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    /* §5.1: 0x0303, or 0x0301 on an initial ClientHello. */
    if (version != LTLS_RECORD_VERSION_TLS12 && version != LTLS_RECORD_VERSION_TLS10)
        return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    /* Once a key is installed only the middlebox-compatibility CCS (§D.4)
     * may still go out in the clear. */
    if (dir->failed ||
        (dir->version != LTLS_RECORD_PROT_NONE && type != LTLS_CONTENT_CHANGE_CIPHER_SPEC))
        return ltls_err_make(LTLS_R_BAD_STATE);

    uint8_t *body;
    return layout(type, version, content, content_len, content_len, out, cap, out_len, &body);
}
