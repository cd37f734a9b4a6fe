/*
 * fuzz/fuzz_record.c - the TLS 1.3 record layer (src/record/record.c) and the
 * handshake reassembler that sits right on it (ltls_msg_reasm_*, in
 * src/msg/handshake.c), driven through their states by one byte stream.
 *
 * Why: every byte a peer sends passes through ltls_record_parse_header and
 * ltls_record_open before anything is authenticated, and the reassembler
 * buffers what they hand up. fuzz_client and fuzz_server reach this code only
 * behind a handshake; here the fuzzer owns the record stream directly. With
 * the null provider (src/crypto/null: NO SECURITY) a protected record is its
 * TLSInnerPlaintext followed by sixteen zero bytes, so forged protected
 * records reach padding removal, inner types, limits and key changes.
 *
 * Input: six bytes of settings, then the bytes the peer sent.
 *   byte 0  bits 0-1  the cipher suite (the order of ltls_algs_suites)
 *           bit 2     the read direction starts protected (else plaintext
 *                     until the first key change)
 *           bit 3     key changes: a ServerHello, EndOfEarlyData, Finished
 *                     or KeyUpdate that completes runs
 *                     ltls_msg_reasm_key_change and installs new keys
 *           bit 4     change_cipher_spec is legal (ltls_record_check_ccs)
 *           bit 5     each record is first offered cut short
 *           bit 6     each read key may protect only (byte 5 & 7) records
 *           bit 7     each read key starts with its sequence number near
 *                     2^64 (a key that has been used for very long)
 *   bytes 1-2  record_size_limit of the read direction, big-endian (0 none;
 *              1..63 must be refused)
 *   byte 3  reassembler limits, low nibble for most messages, high nibble for
 *           Certificate: 0 the default, 15 above the hard limit (must be
 *           refused), n the limit 2^(n+3)
 *   byte 4  bit 7: allocation number (byte & 0x7f) + 1 fails; else bit 6:
 *           every key change first offers the read direction an AEAD
 *           descriptor that ltls_record_dir_set_keys must refuse
 *   byte 5  seed of the per-record choices (cut point, reseal padding, where
 *           the content sits when resealed, reassembler trims)
 *
 * Records are framed and opened in turn; handshake content is fed to the
 * reassembler. Every result is compared with a reference model written from
 * the documentation (record.h, msg.h, RFC 8446 §5): the error and its alert,
 * record_len, the opened type and content (a view inside the buffer, within
 * the limit, with the padding a simple backward scan finds), the sequence
 * number (advancing only on success), a body wiped after a failure behind
 * the AEAD and untouched before it, the reassembled messages byte for byte
 * against the concatenated handshake stream. A failed open is repeated on a
 * fresh copy of the record and must fail the same way without a state
 * change; a failed key installation must leave the direction refusing
 * everything (BAD_STATE) until cleared.
 *
 * Round trip: each opened record is written again through a write direction
 * with the same keys and limit (ltls_record_seal with padding and content
 * placement from the seed, or ltls_record_write_plaintext), after
 * ltls_record_overhead / _seal_size / _max_content are checked against the
 * size seal produces and BUFFER_TOO_SMALL is checked to leave the output and
 * sequence number alone; a third direction must open it to the same type and
 * content.
 *
 * Seeds (fuzz/corpus/record/hand-*) were written by hand in this format: a
 * plaintext ServerHello and a protected flight with a split message,
 * Finished, padding, a KeyUpdate and an alert (also cut short, and with
 * refused AEAD descriptors); CCS records; limits of 64 and 2^14 + 1; keys
 * at their record limit and near 2^64; small reassembler limits; a key
 * change in the middle of a record; an allocation failure. FUZZ_VERBOSE=1
 * prints how each input ended.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/reader.h"
#include "crypto/algs.h"
#include "crypto/null/nullprov.h"
#include "fuzz_common.h"
#include "msg/msg.h"
#include "record/record.h"

#define TAG LTLS_AEAD_TAG_SIZE
/* The largest record a header can announce. */
#define MAX_ANNOUNCED (LTLS_RECORD_HEADER_SIZE + 0xffffu)

enum {
    F_SUITE = 3,
    F_START_PROT = 1 << 2,
    F_KEY_CHANGE = 1 << 3,
    F_CCS_LEGAL = 1 << 4,
    F_CUT = 1 << 5,
    F_LOW_LIMIT = 1 << 6,
    F_SEQ_HIGH = 1 << 7
};

typedef struct {
    /* settings */
    uint8_t flags, seed;
    const ltls_suite_t *suite;
    uint32_t limit;     /* record_size_limit applied so far (maybe refused) */
    int bad_aead;       /* try a malformed AEAD before each key change */
    size_t maxpt;       /* the content it allows in a protected record */
    size_t max_body, max_cert_body;
    fuzz_alloc_state_t st;
    ltls_allocator_t alloc;
    ltls_provider_t *prov;
    /* the read direction and the model of it */
    ltls_record_dir_t rd;
    int prot;
    uint64_t seq, max_records;
    /* the round trip: write, then read back */
    ltls_record_dir_t wd, vd;
    /* the reassembler and its model: every handshake byte handed up so
     * far, how many of them were fed, where the current message starts */
    ltls_msg_reasm_t ra;
    uint8_t *hs;
    size_t hs_len, hs_fed, hs_start;
    unsigned keys_installed;
    ltls_err_t last; /* how the stream ended, for FUZZ_VERBOSE */
} state_t;

/* Scratch: a pristine copy of the record being opened. */
static uint8_t orig[MAX_ANNOUNCED];

/* FUZZ_VERBOSE=1 prints how each input ended (./fuzz_record -runs=0 DIR). */
static int verbose(void)
{
    static int v = -1;
    if (v < 0)
        v = getenv("FUZZ_VERBOSE") != NULL;
    return v;
}

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

/* A choice for record number idx, from the seed only, so that mutating the
 * stream does not reshuffle every choice. */
static uint64_t choice(const state_t *s, unsigned idx, unsigned salt)
{
    return mix((uint64_t)s->seed << 40 ^ (uint64_t)salt << 32 ^ idx);
}

static int oom_armed(const state_t *s) { return s->st.fail_at && s->st.count >= s->st.fail_at; }

/* RFC 8449 §4 for TLS 1.3: the limit counts the content type byte and never
 * exceeds 2^14 + 1. */
static size_t ref_max_plaintext(uint32_t limit)
{
    if (limit == 0)
        return LTLS_RECORD_MAX_PLAINTEXT;
    if (limit > LTLS_RECORD_MAX_PLAINTEXT + 1)
        limit = LTLS_RECORD_MAX_PLAINTEXT + 1;
    return (size_t)limit - 1;
}

/* The alert error.h's table gives each reason this target can meet. */
static void check_alert(ltls_err_t err)
{
    int alert = -1;
    ltls_err_class_t cls = LTLS_ECLASS_LOCAL_ALERT;
    switch (ltls_err_reason(err)) {
    case LTLS_R_RECORD_OVERFLOW: alert = LTLS_ALERT_RECORD_OVERFLOW; break;
    case LTLS_R_BAD_RECORD_MAC: alert = LTLS_ALERT_BAD_RECORD_MAC; break;
    case LTLS_R_RECORD_BAD_VERSION: alert = LTLS_ALERT_DECODE_ERROR; break;
    case LTLS_R_RECORD_BAD_TYPE:
    case LTLS_R_RECORD_EMPTY:
    case LTLS_R_RECORD_NO_CONTENT_TYPE:
    case LTLS_R_RECORD_BAD_CCS:
    case LTLS_R_MSG_SPANS_KEY_CHANGE: alert = LTLS_ALERT_UNEXPECTED_MESSAGE; break;
    case LTLS_R_MSG_TOO_LARGE: alert = LTLS_ALERT_ILLEGAL_PARAMETER; break;
    case LTLS_R_RECORD_SEQ_EXHAUSTED: alert = LTLS_ALERT_INTERNAL_ERROR; break;
    case LTLS_R_OUT_OF_MEMORY:
        alert = LTLS_ALERT_INTERNAL_ERROR;
        cls = LTLS_ECLASS_INTERNAL;
        break;
    case LTLS_R_WANT_READ:
        alert = LTLS_ALERT_NONE;
        cls = LTLS_ECLASS_WANT_IO;
        break;
    case LTLS_R_LIMIT_REACHED:
    case LTLS_R_BAD_STATE:
    case LTLS_R_BAD_ARGUMENT:
    case LTLS_R_BUFFER_TOO_SMALL:
        alert = LTLS_ALERT_NONE;
        cls = LTLS_ECLASS_MISUSE;
        break;
    default:
        FUZZ_CHECK_ERR(err, !"an error record.h and msg.h do not document");
    }
    FUZZ_CHECK_ERR(err, ltls_err_alert(err) == alert && ltls_err_class(err) == cls);
}

#define CHECK_REASON(err, want)                                                    \
    do {                                                                           \
        FUZZ_CHECK_ERR(err, ltls_err_reason(err) == (ltls_reason_t)(want));        \
        if (err)                                                                   \
            check_alert(err);                                                      \
    } while (0)

/* ---------------------------------------------------------------------------
 * The reference: what record.h says ltls_record_open must answer for
 * b[0..len), given the model of the direction.
 * ------------------------------------------------------------------------- */

typedef struct {
    ltls_reason_t reason;
    size_t record_len; /* for OK and WANT_READ */
    int header_ok;     /* the header passed its checks */
    int wiped;         /* failed after decryption: the body is wiped */
    uint8_t type, protected_;
    size_t len;        /* content bytes, at b + 5 */
} expect_t;

static int known_type(uint8_t t) { return t >= 20 && t <= 23; }

static void ref_open(const state_t *s, const uint8_t *b, size_t len, expect_t *x)
{
    memset(x, 0, sizeof *x);
    if (len < LTLS_RECORD_HEADER_SIZE) {
        x->reason = LTLS_R_WANT_READ;
        x->record_len = LTLS_RECORD_HEADER_SIZE;
        return;
    }
    uint8_t type = b[0];
    uint16_t version = (uint16_t)(b[1] << 8 | b[2]);
    size_t length = (size_t)b[3] << 8 | b[4];
    if (!known_type(type)) {
        x->reason = LTLS_R_RECORD_BAD_TYPE;
        return;
    }
    /* §5.1/§5.2: application_data is always a TLSCiphertext; under a limit
     * the largest one is the limit's content + type + 255 of expansion. */
    size_t max = type == LTLS_CONTENT_APPLICATION_DATA ? s->maxpt + 1 + 255
                                                        : LTLS_RECORD_MAX_PLAINTEXT;
    if (length > max) {
        x->reason = LTLS_R_RECORD_OVERFLOW;
        return;
    }
    if (type == LTLS_CONTENT_APPLICATION_DATA && version != 0x0303) {
        x->reason = LTLS_R_RECORD_BAD_VERSION;
        return;
    }
    x->header_ok = 1;
    x->record_len = LTLS_RECORD_HEADER_SIZE + length;
    if (len < x->record_len) {
        x->reason = LTLS_R_WANT_READ;
        return;
    }
    const uint8_t *body = b + LTLS_RECORD_HEADER_SIZE;
    if (!s->prot) {
        if (type == LTLS_CONTENT_APPLICATION_DATA)
            x->reason = LTLS_R_RECORD_BAD_TYPE;
        else if (length == 0 && type != LTLS_CONTENT_CHANGE_CIPHER_SPEC)
            x->reason = LTLS_R_RECORD_EMPTY;
        x->type = type;
        x->len = length;
        return;
    }
    if (type == LTLS_CONTENT_CHANGE_CIPHER_SPEC) { /* handed up undecrypted */
        x->type = type;
        x->len = length;
        return;
    }
    if (type != LTLS_CONTENT_APPLICATION_DATA) {
        x->reason = LTLS_R_RECORD_BAD_TYPE;
        return;
    }
    if (length < TAG) {
        x->reason = LTLS_R_BAD_RECORD_MAC;
        return;
    }
    size_t inner = length - TAG;
    if (inner > s->maxpt + 1) {
        x->reason = LTLS_R_RECORD_OVERFLOW;
        return;
    }
    if (s->seq == UINT64_MAX) {
        x->reason = LTLS_R_RECORD_SEQ_EXHAUSTED;
        return;
    }
    if (s->seq >= s->max_records) {
        x->reason = LTLS_R_LIMIT_REACHED;
        return;
    }
    x->wiped = 1;
    for (size_t i = 0; i < TAG; i++)
        if (body[inner + i]) { /* the null AEAD accepts exactly a zero tag */
            x->reason = LTLS_R_BAD_RECORD_MAC;
            return;
        }
    /* §5.4, the obvious way: the last non-zero byte is the type. */
    size_t i = inner;
    while (i > 0 && body[i - 1] == 0)
        i--;
    if (i == 0) {
        x->reason = LTLS_R_RECORD_NO_CONTENT_TYPE;
        return;
    }
    uint8_t inner_type = body[i - 1];
    if (inner_type != LTLS_CONTENT_HANDSHAKE && inner_type != LTLS_CONTENT_ALERT &&
        inner_type != LTLS_CONTENT_APPLICATION_DATA) {
        x->reason = LTLS_R_RECORD_BAD_TYPE;
        return;
    }
    if (i == 1 && inner_type != LTLS_CONTENT_APPLICATION_DATA) {
        x->reason = LTLS_R_RECORD_EMPTY;
        return;
    }
    x->wiped = 0;
    x->type = inner_type;
    x->protected_ = 1;
    x->len = i - 1;
}

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

/* Offers buf[0..len) to parse_header and open and compares everything with
 * the reference. Returns the error of open. */
static ltls_err_t open_checked(state_t *s, uint8_t *buf, size_t len, ltls_record_t *rec,
                               size_t *rlen)
{
    FUZZ_CHECK(s->rd.seq == s->seq);
    size_t keep = len < sizeof orig ? len : sizeof orig;
    memcpy(orig, buf, keep);
    expect_t x;
    ref_open(s, orig, len, &x);

    /* The header alone. */
    ltls_record_header_t hdr;
    memset(&hdr, 0xa5, sizeof hdr);
    size_t hlen = 0;
    ltls_err_t err = ltls_record_parse_header(&s->rd, buf, len, &hdr, &hlen);
    ltls_reason_t hwant = x.header_ok ? (len >= x.record_len ? LTLS_R_NONE : LTLS_R_WANT_READ)
                                      : x.reason;
    CHECK_REASON(err, hwant);
    if (!err || (x.header_ok && ltls_err_reason(err) == LTLS_R_WANT_READ) ||
        len < LTLS_RECORD_HEADER_SIZE)
        FUZZ_CHECK(hlen == x.record_len);
    if (x.header_ok) { /* filled on success and on a WANT_READ for the body */
        FUZZ_CHECK(hdr.type == orig[0]);
        FUZZ_CHECK(hdr.version == (uint16_t)(orig[1] << 8 | orig[2])); /* as received */
        FUZZ_CHECK(hdr.length == x.record_len - LTLS_RECORD_HEADER_SIZE);
    }
    FUZZ_CHECK(memcmp(buf, orig, keep) == 0); /* parsing reads only */

    /* The record. */
    uint64_t seq0 = s->rd.seq;
    memset(rec, 0xa5, sizeof *rec);
    *rlen = 0;
    err = ltls_record_open(&s->rd, buf, len, rec, rlen);
    CHECK_REASON(err, x.reason);
    s->last = err;
    if (!err || ltls_err_reason(err) == LTLS_R_WANT_READ)
        FUZZ_CHECK(*rlen == x.record_len);
    FUZZ_CHECK(s->rd.seq == seq0 + (!err && rec->protected_));
    s->seq = s->rd.seq;

    if (!err) {
        FUZZ_CHECK(rec->type == x.type && rec->protected_ == x.protected_ && rec->len == x.len);
        FUZZ_CHECK(rec->content == buf + LTLS_RECORD_HEADER_SIZE);
        FUZZ_CHECK(fuzz_within(rec->content, rec->len, buf, *rlen));
        FUZZ_CHECK(known_type(rec->type));
        if (rec->protected_) {
            FUZZ_CHECK(rec->type != LTLS_CONTENT_CHANGE_CIPHER_SPEC);
            FUZZ_CHECK(rec->len <= s->maxpt && rec->len <= s->rd.max_plaintext);
            /* the null AEAD is the identity: the content is what was sent,
             * followed by the type and zeros up to the tag */
            size_t inner = *rlen - LTLS_RECORD_HEADER_SIZE - TAG;
            FUZZ_CHECK(memcmp(rec->content, orig + LTLS_RECORD_HEADER_SIZE, rec->len) == 0);
            FUZZ_CHECK(rec->content[rec->len] == rec->type);
            FUZZ_CHECK(all_zero(rec->content + rec->len + 1, inner - rec->len - 1));
        } else {
            FUZZ_CHECK(rec->len <= LTLS_RECORD_MAX_PLAINTEXT);
            FUZZ_CHECK(memcmp(buf, orig, *rlen) == 0);
        }
        fuzz_touch(rec->content, rec->len);
        return err;
    }

    size_t body = x.header_ok ? x.record_len - LTLS_RECORD_HEADER_SIZE : 0;
    if (x.wiped) {
        /* record.h: "On a failure after decryption the body is wiped." */
        FUZZ_CHECK(memcmp(buf, orig, LTLS_RECORD_HEADER_SIZE) == 0);
        FUZZ_CHECK(all_zero(buf + LTLS_RECORD_HEADER_SIZE, body));
    } else {
        FUZZ_CHECK(memcmp(buf, orig, keep) == 0);
    }
    if (ltls_err_reason(err) != LTLS_R_WANT_READ) {
        /* Every failure is final for the connection, and leaves nothing
         * behind: the same record fails the same way again. */
        memcpy(buf, orig, keep);
        size_t rlen2 = 0;
        ltls_err_t again = ltls_record_open(&s->rd, buf, len, rec, &rlen2);
        FUZZ_CHECK_ERR(again, again == err);
        FUZZ_CHECK(s->rd.seq == seq0);
    }
    return err;
}

/* ---------------------------------------------------------------------------
 * Keys
 * ------------------------------------------------------------------------- */

static void check_cleared(const ltls_record_dir_t *d, int write)
{
    FUZZ_CHECK(d->version == LTLS_RECORD_PROT_NONE && !d->failed && d->ctx == NULL);
    FUZZ_CHECK(d->write == write && d->size_limit == 0 && d->seq == 0);
    FUZZ_CHECK(d->max_plaintext == LTLS_RECORD_MAX_PLAINTEXT);
    FUZZ_CHECK(!ltls_record_dir_protected(d) && ltls_record_dir_remaining(d) == 0);
}

/* A direction whose key change failed refuses everything until cleared. */
static void check_failed_dir(ltls_record_dir_t *d)
{
    FUZZ_CHECK(d->failed && !ltls_record_dir_protected(d) && ltls_record_dir_remaining(d) == 0);
    FUZZ_CHECK(ltls_record_overhead(d, 7) == LTLS_RECORD_HEADER_SIZE);
    uint8_t rec[LTLS_RECORD_HEADER_SIZE + TAG + 1] = {LTLS_CONTENT_APPLICATION_DATA, 3, 3, 0,
                                                      TAG + 1, LTLS_CONTENT_HANDSHAKE};
    uint8_t out[64];
    ltls_record_t r;
    size_t n;
    ltls_err_t err = ltls_record_open(d, rec, sizeof rec, &r, &n);
    CHECK_REASON(err, LTLS_R_BAD_STATE);
    rec[0] = LTLS_CONTENT_HANDSHAKE;
    err = ltls_record_open(d, rec, sizeof rec, &r, &n);
    CHECK_REASON(err, LTLS_R_BAD_STATE);
    err = ltls_record_seal(d, LTLS_CONTENT_HANDSHAKE, rec, 1, 0, out, sizeof out, &n);
    CHECK_REASON(err, LTLS_R_BAD_STATE);
    err = ltls_record_write_plaintext(d, LTLS_CONTENT_CHANGE_CIPHER_SPEC, 0x0303, rec, 1, out,
                                      sizeof out, &n);
    CHECK_REASON(err, LTLS_R_BAD_STATE);
    int write = d->write;
    ltls_record_dir_clear(d);
    check_cleared(d, write);
}

/* Installs the next key on one direction; 0 if that failed (the failure
 * was checked). */
static int set_keys(state_t *s, ltls_record_dir_t *d)
{
    uint8_t key[LTLS_AEAD_MAX_KEY], iv[LTLS_AEAD_NONCE_SIZE];
    memset(key, 0x4b ^ (int)s->keys_installed, sizeof key);
    memset(iv, 0x17 ^ (int)s->keys_installed, sizeof iv);
    uint32_t limit = d->size_limit;
    const ltls_aead_alg_t *aead = s->suite->aead;
    ltls_err_t err = ltls_record_dir_set_keys(d, s->prov, aead, key, iv);
    if (err) {
        s->last = err;
        FUZZ_CHECK_ERR(err, oom_armed(s) && ltls_err_reason(err) == LTLS_R_OUT_OF_MEMORY);
        check_failed_dir(d);
        return 0;
    }
    FUZZ_CHECK(ltls_record_dir_protected(d) && d->seq == 0 && !d->failed);
    FUZZ_CHECK(d->max_records == aead->max_records && d->aead == aead);
    FUZZ_CHECK(d->size_limit == limit); /* "The record_size_limit stays." */
    FUZZ_CHECK(d->max_plaintext == s->maxpt);
    FUZZ_CHECK(ltls_record_dir_remaining(d) == aead->max_records);
    FUZZ_CHECK(ltls_record_overhead(d, 3) == LTLS_RECORD_HEADER_SIZE + 1 + 3 + aead->tag_size);
    return 1;
}

/* Misuse a protected direction is to refuse: opening with the write side,
 * sealing with the read side, plaintext handshake once protected. */
static void check_wrong_side(state_t *s)
{
    uint8_t rec[LTLS_RECORD_HEADER_SIZE + TAG + 1] = {LTLS_CONTENT_APPLICATION_DATA, 3, 3, 0,
                                                      TAG + 1, LTLS_CONTENT_HANDSHAKE};
    uint8_t out[64];
    ltls_record_t r;
    size_t n;
    uint64_t wseq = s->wd.seq, rseq = s->rd.seq;
    ltls_err_t err = ltls_record_open(&s->wd, rec, sizeof rec, &r, &n);
    CHECK_REASON(err, LTLS_R_BAD_STATE);
    err = ltls_record_seal(&s->rd, LTLS_CONTENT_HANDSHAKE, rec, 1, 0, out, sizeof out, &n);
    CHECK_REASON(err, LTLS_R_BAD_STATE);
    err = ltls_record_write_plaintext(&s->wd, LTLS_CONTENT_HANDSHAKE, 0x0303, rec, 1, out,
                                      sizeof out, &n);
    CHECK_REASON(err, LTLS_R_BAD_STATE);
    err = ltls_record_seal(&s->wd, LTLS_CONTENT_CHANGE_CIPHER_SPEC, rec, 1, 0, out, sizeof out, &n);
    CHECK_REASON(err, LTLS_R_BAD_ARGUMENT);
    err = ltls_record_seal(&s->wd, LTLS_CONTENT_ALERT, rec, 0, 0, out, sizeof out, &n);
    CHECK_REASON(err, LTLS_R_BAD_ARGUMENT);
    FUZZ_CHECK(s->wd.seq == wseq && s->rd.seq == rseq);
}

static void set_limit(state_t *s, ltls_record_dir_t *d, uint32_t limit);

/* Descriptors no TLS 1.3 AEAD has: no tag, a key longer than any. */
static const ltls_aead_alg_t bad_tag = {LTLS_AEAD_AES128GCM, "no tag", 16, 0, 1};
static const ltls_aead_alg_t bad_key = {LTLS_AEAD_AES256GCM, "long key", LTLS_AEAD_MAX_KEY + 1,
                                        TAG, 1};

/* A key change on all three directions (the round trip's follow the read
 * side, with the same keys). 0 if one failed. */
static int key_change(state_t *s)
{
    s->keys_installed++;
    if (s->bad_aead) {
        /* A refused key change leaves no key at all, neither the old one nor
         * plaintext; clearing is the way back, and it drops the limit. */
        uint8_t key[LTLS_AEAD_MAX_KEY] = {0}, iv[LTLS_AEAD_NONCE_SIZE] = {0};
        const ltls_aead_alg_t *bad = s->keys_installed & 1 ? &bad_tag : &bad_key;
        ltls_err_t err = ltls_record_dir_set_keys(&s->rd, s->prov, bad, key, iv);
        CHECK_REASON(err, LTLS_R_BAD_ARGUMENT);
        check_failed_dir(&s->rd);
        set_limit(s, &s->rd, s->limit);
    }
    if (!set_keys(s, &s->rd) || !set_keys(s, &s->wd) || !set_keys(s, &s->vd))
        return 0;
    s->prot = 1;
    s->seq = 0;
    s->max_records = s->suite->aead->max_records;
    /* Both lowered limits are ways a caller may shorten a key's life
     * (record.h: max_records may be lowered; the sequence number is the
     * count of records the key protected). */
    if (s->flags & F_LOW_LIMIT)
        s->rd.max_records = s->max_records = s->seed & 7;
    if (s->flags & F_SEQ_HIGH)
        s->rd.seq = s->seq = UINT64_MAX - 1 - (s->seed >> 6);
    FUZZ_CHECK(ltls_record_dir_remaining(&s->rd) ==
               (s->seq < s->max_records ? s->max_records - s->seq : 0));
    check_wrong_side(s);
    return 1;
}

/* ---------------------------------------------------------------------------
 * The round trip
 * ------------------------------------------------------------------------- */

/* Opens a record written by the write side and compares it with what went in. */
static void reopen(state_t *s, uint8_t *out, size_t out_len, uint8_t type, int protected_,
                   const uint8_t *content, size_t len)
{
    ltls_record_t back;
    size_t rlen = 0;
    uint64_t vseq = s->vd.seq;
    ltls_err_t err = ltls_record_open(&s->vd, out, out_len, &back, &rlen);
    FUZZ_CHECK_ERR(err, err == LTLS_OK);
    FUZZ_CHECK(rlen == out_len);
    FUZZ_CHECK(back.type == type && back.protected_ == protected_ && back.len == len);
    FUZZ_CHECK(len == 0 || memcmp(back.content, content, len) == 0);
    FUZZ_CHECK(s->vd.seq == vseq + (protected_ ? 1 : 0));
}

static void round_trip_plain(state_t *s, const ltls_record_t *rec, uint64_t c)
{
    uint16_t version = c & 1 ? LTLS_RECORD_VERSION_TLS10 : LTLS_RECORD_VERSION_TLS12;
    size_t need = LTLS_RECORD_HEADER_SIZE + rec->len, n = 0;
    if (!ltls_record_dir_protected(&s->wd))
        FUZZ_CHECK(ltls_record_seal_size(&s->wd, rec->len, 0) == need);
    uint8_t *out = malloc(need);
    FUZZ_CHECK(out != NULL);
    ltls_err_t err = ltls_record_write_plaintext(&s->wd, rec->type, version, rec->content,
                                                 rec->len, out, need - 1, &n);
    if (rec->len == 0) { /* a CCS: never written empty */
        CHECK_REASON(err, LTLS_R_BAD_ARGUMENT);
        free(out);
        return;
    }
    CHECK_REASON(err, LTLS_R_BUFFER_TOO_SMALL);
    FUZZ_CHECK(n == need);
    err = ltls_record_write_plaintext(&s->wd, rec->type, version, rec->content, rec->len, out,
                                      need, &n);
    FUZZ_CHECK_ERR(err, err == LTLS_OK && n == need);
    FUZZ_CHECK(out[0] == rec->type && (out[1] << 8 | out[2]) == version);
    reopen(s, out, n, rec->type, 0, rec->content, rec->len);
    free(out);
}

static void round_trip_sealed(state_t *s, const ltls_record_t *rec, uint64_t c)
{
    ltls_record_dir_t *wd = &s->wd;
    size_t len = rec->len;
    FUZZ_CHECK(wd->max_plaintext == s->maxpt && len <= s->maxpt);
    size_t room = s->maxpt - len;
    size_t padding;
    switch ((c >> 8) & 3) {
    case 0: padding = 0; break;
    case 1: padding = (c >> 10) % 17 <= room ? (c >> 10) % 17 : room; break;
    case 2: padding = room; break;
    default: padding = (c >> 10) % (room + 1); break;
    }
    uint64_t wseq = wd->seq;
    size_t n = 0;

    /* Sizes first: they must describe what seal writes. */
    size_t overhead = ltls_record_overhead(wd, padding);
    size_t size = ltls_record_seal_size(wd, len, padding);
    FUZZ_CHECK(overhead == LTLS_RECORD_HEADER_SIZE + 1 + padding + TAG);
    FUZZ_CHECK(size == overhead + len);
    FUZZ_CHECK(ltls_record_max_content(wd, padding, SIZE_MAX) == s->maxpt - padding);
    FUZZ_CHECK(ltls_record_max_content(wd, padding, size) == len);
    FUZZ_CHECK(ltls_record_max_content(wd, padding, size - 1) == (len ? len - 1 : 0));
    FUZZ_CHECK(ltls_record_max_content(wd, s->maxpt + 1, SIZE_MAX) == 0);

    uint8_t *out = malloc(size);
    FUZZ_CHECK(out != NULL);
    /* Too much padding, and too little room: refused, nothing written. */
    memset(out, 0xee, size);
    ltls_err_t err = ltls_record_seal(wd, rec->type, rec->content, len, room + 1, out, size, &n);
    CHECK_REASON(err, LTLS_R_BAD_ARGUMENT);
    err = ltls_record_seal(wd, rec->type, rec->content, len, padding, out, size - 1, &n);
    CHECK_REASON(err, LTLS_R_BUFFER_TOO_SMALL);
    FUZZ_CHECK(n == size && wd->seq == wseq);
    for (size_t i = 0; i < size; i++) /* "out is not touched unless the record fits" */
        FUZZ_CHECK(out[i] == 0xee);

    /* The content may sit anywhere in out, or outside it. */
    const uint8_t *content = rec->content;
    uint8_t *inside = NULL;
    switch ((c >> 4) & 3) {
    case 1: inside = out + LTLS_RECORD_HEADER_SIZE; break; /* in place: no copy */
    case 2: inside = out; break;                           /* over the header */
    case 3: inside = out + size - len; break;              /* at the far end */
    default: break;
    }
    if (inside) {
        if (len)
            memmove(inside, rec->content, len);
        content = inside;
    }
    err = ltls_record_seal(wd, rec->type, content, len, padding, out, size, &n);
    if (err) {
        /* Sequence limits of the write side are not lowered: none apply. */
        FUZZ_CHECK_ERR(err, !"seal refused a record the read side accepted");
    }
    FUZZ_CHECK(n == size && wd->seq == wseq + 1);
    FUZZ_CHECK(out[0] == LTLS_CONTENT_APPLICATION_DATA && out[1] == 3 && out[2] == 3);
    FUZZ_CHECK((size_t)(out[3] << 8 | out[4]) == size - LTLS_RECORD_HEADER_SIZE);
    reopen(s, out, n, rec->type, 1, rec->content, len);
    free(out);
}

/* ---------------------------------------------------------------------------
 * Reassembly
 * ------------------------------------------------------------------------- */

static size_t body_limit(const state_t *s, uint8_t type)
{
    return type == LTLS_MSG_CERTIFICATE || type == LTLS_MSG_COMPRESSED_CERTIFICATE
               ? s->max_cert_body
               : s->max_body;
}

static int changes_keys(uint8_t type)
{
    return type == LTLS_MSG_SERVER_HELLO || type == LTLS_MSG_END_OF_EARLY_DATA ||
           type == LTLS_MSG_FINISHED || type == LTLS_MSG_KEY_UPDATE;
}

/* Feeds a handshake record's content to the reassembler, as msg.h shows.
 * Returns 0 when the connection would end. */
static int feed_handshake(state_t *s, const ltls_record_t *rec, unsigned idx)
{
    memcpy(s->hs + s->hs_len, rec->content, rec->len);
    s->hs_len += rec->len;
    size_t off = 0;
    while (off < rec->len) {
        const uint8_t *in = rec->content + off;
        size_t len = rec->len - off, used = SIZE_MAX;
        ltls_msg_t m;
        memset(&m, 0xa5, sizeof m);
        ltls_err_t err = ltls_msg_reasm_next(&s->ra, in, len, &used, &m);

        /* The model: the message at hs_start, of which hs_fed + len -
         * hs_start bytes are now known. */
        size_t avail = s->hs_fed + len - s->hs_start;
        const uint8_t *h = s->hs + s->hs_start;
        ltls_reason_t want = LTLS_R_WANT_READ;
        size_t total = 0;
        if (avail >= LTLS_MSG_HEADER_SIZE) {
            size_t body = (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
            total = LTLS_MSG_HEADER_SIZE + body;
            if (body > body_limit(s, h[0]))
                want = LTLS_R_MSG_TOO_LARGE;
            else if (avail >= total)
                want = LTLS_R_NONE;
        }
        if (ltls_err_reason(err) == LTLS_R_OUT_OF_MEMORY && oom_armed(s))
            return 0;
        CHECK_REASON(err, want);
        s->last = err;
        if (want == LTLS_R_MSG_TOO_LARGE)
            return 0; /* "only fit for ltls_msg_reasm_free()" */
        FUZZ_CHECK(used <= len);
        if (want == LTLS_R_WANT_READ) {
            FUZZ_CHECK(used == len && ltls_msg_reasm_pending(&s->ra));
            /* a message is partly received: no key change may happen now */
            ltls_err_t kerr = ltls_msg_reasm_key_change(&s->ra, 0);
            CHECK_REASON(kerr, LTLS_R_MSG_SPANS_KEY_CHANGE);
            s->hs_fed += used;
            return 1;
        }
        FUZZ_CHECK(used > 0 && used == s->hs_start + total - s->hs_fed);
        FUZZ_CHECK(m.type == h[0] && m.msg_len == total && m.body_len == total - 4);
        FUZZ_CHECK(memcmp(m.msg, h, total) == 0);
        if (m.body_len)
            FUZZ_CHECK(m.body == m.msg + LTLS_MSG_HEADER_SIZE);
        FUZZ_CHECK(fuzz_within(m.msg, m.msg_len, in, len) ||
                   fuzz_within(m.msg, m.msg_len, s->ra.buf, s->ra.cap));
        FUZZ_CHECK(!ltls_msg_reasm_pending(&s->ra));
        s->hs_fed += used;
        s->hs_start += total;
        off += used;
        if ((s->flags & F_KEY_CHANGE) && changes_keys(m.type)) {
            /* §5.1: the message that changes keys must end its record. */
            ltls_err_t kerr = ltls_msg_reasm_key_change(&s->ra, rec->len - off);
            CHECK_REASON(kerr, off < rec->len ? LTLS_R_MSG_SPANS_KEY_CHANGE : LTLS_R_NONE);
            s->last = kerr;
            if (kerr)
                return 0;
            if (!key_change(s))
                return 0;
        }
    }
    FUZZ_CHECK(!ltls_msg_reasm_pending(&s->ra));
    if (choice(s, idx, 3) & 1)
        ltls_msg_reasm_trim(&s->ra);
    return 1;
}

/* ---------------------------------------------------------------------------
 * The stream
 * ------------------------------------------------------------------------- */

/* One record: opened, checked, written back, handed up. 0 at the end. */
static int one_record(state_t *s, uint8_t *p, size_t have, unsigned idx, size_t *consumed)
{
    ltls_record_t rec;
    size_t rlen;
    ltls_err_t err;
    if ((s->flags & F_CUT) && have >= LTLS_RECORD_HEADER_SIZE) {
        /* A partial read first: strictly less than the record. */
        size_t whole = LTLS_RECORD_HEADER_SIZE + ((size_t)p[3] << 8 | p[4]);
        size_t cut = (size_t)(choice(s, idx, 1) % (whole < have ? whole : have));
        err = open_checked(s, p, cut, &rec, &rlen);
        if (ltls_err_reason(err) != LTLS_R_WANT_READ)
            return 0; /* a bad header fails before its body is awaited */
    }
    err = open_checked(s, p, have, &rec, &rlen);
    if (err)
        return 0;
    *consumed = rlen;

    if (rec.type == LTLS_CONTENT_CHANGE_CIPHER_SPEC) {
        if (s->flags & F_CCS_LEGAL) {
            err = ltls_record_check_ccs(&rec);
            int good = !rec.protected_ && rec.len == 1 && rec.content[0] == 1;
            CHECK_REASON(err, good ? LTLS_R_NONE : LTLS_R_RECORD_BAD_CCS);
            s->last = err;
        }
    } else {
        CHECK_REASON(ltls_record_check_ccs(&rec), LTLS_R_BAD_ARGUMENT);
    }

    uint64_t c = choice(s, idx, 2);
    if (rec.protected_)
        round_trip_sealed(s, &rec, c);
    else
        round_trip_plain(s, &rec, c);
    if (err)
        return 0; /* the bad CCS ends the connection */

    if (rec.type == LTLS_CONTENT_HANDSHAKE)
        return feed_handshake(s, &rec, idx);
    return 1;
}

/* 0 .. 15 from a nibble: the default, a refused value, or 2^(n+3). */
static size_t reasm_limit(unsigned nib)
{
    if (nib == 0)
        return 0;
    if (nib == 15)
        return LTLS_MSG_MAX_HARD + 1;
    return (size_t)1 << (nib + 3);
}

static void set_limit(state_t *s, ltls_record_dir_t *d, uint32_t limit)
{
    uint32_t old = d->size_limit;
    size_t oldmax = d->max_plaintext;
    ltls_err_t err = ltls_record_dir_set_size_limit(d, limit);
    if (limit != 0 && limit < LTLS_RECORD_SIZE_LIMIT_MIN) {
        CHECK_REASON(err, LTLS_R_BAD_ARGUMENT);
        FUZZ_CHECK(d->size_limit == old && d->max_plaintext == oldmax);
        return;
    }
    FUZZ_CHECK_ERR(err, err == LTLS_OK);
    FUZZ_CHECK(d->size_limit == limit && d->max_plaintext == s->maxpt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static state_t s;
    ltls_reader_t r;
    uint8_t alloc_byte;
    uint16_t limit;
    uint8_t nibbles;
    ltls_reader_init(&r, data, size);
    memset(&s, 0, sizeof s);
    if (ltls_reader_u8(&r, &s.flags) || ltls_reader_u16(&r, &limit) ||
        ltls_reader_u8(&r, &nibbles) || ltls_reader_u8(&r, &alloc_byte) ||
        ltls_reader_u8(&r, &s.seed))
        return 0;
    s.suite = ltls_algs_suites[s.flags & F_SUITE];
    FUZZ_CHECK(s.suite != NULL);
    s.alloc = fuzz_allocator(&s.st);
    FUZZ_CHECK(ltls_null_provider_create(&s.alloc, &s.prov) == LTLS_OK);
    fuzz_alloc_reset(&s.st, alloc_byte & 0x80 ? (size_t)(alloc_byte & 0x7f) + 1 : 0);

    /* The reassembler, with limits that may be refused. */
    size_t mb = reasm_limit(nibbles & 15), mcb = reasm_limit(nibbles >> 4);
    ltls_err_t err = ltls_msg_reasm_init(&s.ra, &s.alloc, mb, mcb);
    if (mb > LTLS_MSG_MAX_HARD || mcb > LTLS_MSG_MAX_HARD) {
        CHECK_REASON(err, LTLS_R_BAD_ARGUMENT);
        mb = mb > LTLS_MSG_MAX_HARD ? 0 : mb;
        mcb = mcb > LTLS_MSG_MAX_HARD ? 0 : mcb;
        err = ltls_msg_reasm_init(&s.ra, &s.alloc, mb, mcb);
    }
    FUZZ_CHECK_ERR(err, err == LTLS_OK);
    s.max_body = mb ? mb : LTLS_MSG_MAX_DEFAULT;
    s.max_cert_body = mcb ? mcb : LTLS_MSG_MAX_DEFAULT;

    size_t n = ltls_reader_left(&r);
    uint8_t *buf = malloc(n ? n : 1); /* exactly the stream: ASan sees overreads */
    s.hs = malloc(n ? n : 1);
    FUZZ_CHECK(buf != NULL && s.hs != NULL);
    FUZZ_CHECK(ltls_reader_copy(&r, buf, n) == LTLS_OK);

    ltls_record_dir_init(&s.rd, 0);
    ltls_record_dir_init(&s.wd, 1);
    ltls_record_dir_init(&s.vd, 0);
    check_cleared(&s.rd, 0);
    check_cleared(&s.wd, 1);
    s.maxpt = LTLS_RECORD_MAX_PLAINTEXT;
    s.max_records = 0;

    /* The limit before or after the first keys: it must stay either way. */
    uint32_t lim = limit;
    s.bad_aead = !(alloc_byte & 0x80) && (alloc_byte & 0x40);
    size_t want_max = ref_max_plaintext(lim != 0 && lim < LTLS_RECORD_SIZE_LIMIT_MIN ? 0 : lim);
    int ok = 1;
    int limit_first = s.seed & 1;
    if (limit_first || !(s.flags & F_START_PROT)) {
        s.maxpt = want_max;
        s.limit = lim;
        set_limit(&s, &s.rd, lim);
        set_limit(&s, &s.wd, lim);
        set_limit(&s, &s.vd, lim);
    }
    if (s.flags & F_START_PROT) {
        ok = key_change(&s);
        if (ok && !limit_first) {
            s.maxpt = want_max;
            s.limit = lim;
            set_limit(&s, &s.rd, lim);
            set_limit(&s, &s.wd, lim);
            set_limit(&s, &s.vd, lim);
        }
    }

    size_t pos = 0;
    for (unsigned idx = 0; ok && pos < n; idx++) {
        size_t consumed = 0;
        ok = one_record(&s, buf + pos, n - pos, idx, &consumed);
        FUZZ_CHECK(!ok || (consumed >= LTLS_RECORD_HEADER_SIZE && consumed <= n - pos));
        pos += consumed;
    }

    if (verbose())
        fprintf(stderr, "fuzz_record: %s, %u key(s), %zu of %zu bytes, %zu handshake bytes: %s\n",
                s.suite->name, s.keys_installed, pos, n, s.hs_start,
                s.last ? ltls_err_reason_name(s.last) : "OK");
    ltls_msg_reasm_free(&s.ra);
    ltls_record_dir_clear(&s.rd);
    ltls_record_dir_clear(&s.wd);
    ltls_record_dir_clear(&s.vd);
    check_cleared(&s.rd, 0);
    check_cleared(&s.wd, 1);
    s.prov->destroy(s.prov);
    free(buf);
    free(s.hs);
    fuzz_alloc_expect_empty(&s.st);
    return 0;
}
