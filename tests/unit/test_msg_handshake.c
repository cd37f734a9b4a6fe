/*
 * tests/unit/test_msg_handshake.c - handshake framing and reassembly
 * (src/msg/handshake.c, RFC 8446 §4 and §5.1).
 *
 * The server's encrypted flight of RFC 8448 §3 (EncryptedExtensions,
 * Certificate, CertificateVerify, Finished), which the trace sends in one
 * record, is delivered whole, in one chunk, one byte at a time and in uneven
 * chunks; every message must come out intact, whole ones without a copy or
 * an allocation. Around that: the size limits (checked on the header, before
 * any body is buffered), the key-change check, allocation failure, and the
 * buffer's growth and release, watched through a counting allocator.
 */
#include <stdlib.h>
#include <string.h>

#include "core/writer.h"
#include "msg/msg.h"
#include "test.h"
#include "tests/vectors/rfc8448.h"

static size_t n_alloc, n_free, largest;
static int fail_alloc;

static void *count_alloc(void *user, size_t n)
{
    (void)user;
    if (fail_alloc)
        return NULL;
    n_alloc++;
    if (n > largest)
        largest = n;
    return malloc(n);
}

static void count_free(void *user, void *p, size_t n)
{
    (void)user;
    (void)n;
    n_free++;
    free(p);
}

static const ltls_allocator_t counting = {count_alloc, count_free, NULL};

static void reset_counts(void)
{
    n_alloc = n_free = largest = 0;
    fail_alloc = 0;
}

/* The §3 server flight, and where each message starts in it. */
static uint8_t flight[4096];
static size_t flight_len, starts[5];
static const uint8_t types[4] = {8, 11, 15, 20};

static void load_flight(void)
{
    const char *hex[4] = {RFC8448_S3_HANDSHAKE_MESSAGES_ENCRYPTED_EXTENSIONS,
                          RFC8448_S3_HANDSHAKE_MESSAGES_CERTIFICATE,
                          RFC8448_S3_HANDSHAKE_MESSAGES_CERTIFICATE_VERIFY,
                          RFC8448_S3_HANDSHAKE_MESSAGES_SERVER_FINISHED};
    flight_len = 0;
    for (int i = 0; i < 4; i++) {
        starts[i] = flight_len;
        flight_len += test_unhex(hex[i], flight + flight_len, sizeof(flight) - flight_len);
    }
    starts[4] = flight_len;
}

/* Feeds the flight in chunks of the sizes cycled from sizes[], checking each
 * message as it comes out; returns the number of messages seen. */
static int feed_in_chunks(ltls_msg_reasm_t *r, const size_t *sizes, size_t nsizes)
{
    int seen = 0;
    size_t off = 0, k = 0;
    while (off < flight_len) {
        size_t chunk = sizes[k++ % nsizes];
        if (chunk > flight_len - off)
            chunk = flight_len - off;
        /* Copy into a scratch "record" that is overwritten after each chunk,
         * as a record buffer would be. */
        uint8_t rec[64];
        memcpy(rec, flight + off, chunk);
        size_t pos = 0;
        while (pos < chunk) {
            size_t used;
            ltls_msg_t m;
            ltls_err_t err = ltls_msg_reasm_next(r, rec + pos, chunk - pos, &used, &m);
            pos += used;
            if (ltls_err_reason(err) == LTLS_R_WANT_READ) {
                if (pos != chunk)
                    return -1;
                break;
            }
            if (err || seen >= 4 || m.type != types[seen] ||
                m.msg_len != starts[seen + 1] - starts[seen] ||
                memcmp(m.msg, flight + starts[seen], m.msg_len) != 0 ||
                m.body_len != m.msg_len - 4)
                return -1;
            seen++;
        }
        memset(rec, 0xee, sizeof(rec));
        off += chunk;
    }
    return seen;
}

/* ------------------------------------------------------------------------ */

TEST(header_parse_and_write)
{
    uint8_t buf[16];
    uint8_t type;
    ltls_bytes_t body;
    size_t n = test_unhex("14000003aabbcc", buf, sizeof(buf));
    CHECK_OK(ltls_msg_parse_header(buf, n, &type, &body));
    CHECK(type == 20 && body.len == 3 && body.p == buf + 4);
    CHECK_ERR(ltls_msg_parse_header(buf, 3, &type, &body), LTLS_R_DECODE_TRUNCATED);
    CHECK_ERR(ltls_msg_parse_header(buf, 6, &type, &body), LTLS_R_DECODE_TRUNCATED);
    buf[n] = 0;
    CHECK_ERR(ltls_msg_parse_header(buf, n + 1, &type, &body), LTLS_R_DECODE_TRAILING);

    ltls_writer_t w;
    uint8_t out[16];
    ltls_writer_init(&w, out, sizeof(out));
    ltls_writer_vec_t v = ltls_msg_begin(&w, 20);
    ltls_writer_bytes(&w, buf + 4, 3);
    ltls_msg_end(&w, v);
    CHECK_OK(ltls_writer_finish(&w, &n));
    CHECK(n == 7);
    CHECK_MEM(out, buf, 7);
    CHECK(LTLS_MSG_MESSAGE_HASH == 254);
}

TEST(whole_messages_are_views_without_allocation)
{
    ltls_msg_reasm_t r;
    reset_counts();
    load_flight();
    CHECK_OK(ltls_msg_reasm_init(&r, &counting, 0, 0));
    size_t off = 0;
    for (int i = 0; i < 4; i++) {
        size_t used;
        ltls_msg_t m;
        CHECK_OK(ltls_msg_reasm_next(&r, flight + off, flight_len - off, &used, &m));
        CHECK(m.type == types[i]);
        CHECK(m.msg == flight + starts[i]); /* zero-copy: a view into the record */
        CHECK(m.body == m.msg + 4);
        CHECK(used == starts[i + 1] - starts[i]);
        off += used;
        CHECK(!ltls_msg_reasm_pending(&r));
    }
    CHECK(off == flight_len);
    CHECK(n_alloc == 0);
    CHECK_OK(ltls_msg_reasm_key_change(&r, 0));
    ltls_msg_reasm_free(&r);
}

TEST(byte_by_byte_delivery)
{
    ltls_msg_reasm_t r;
    const size_t one = 1;
    reset_counts();
    load_flight();
    CHECK_OK(ltls_msg_reasm_init(&r, &counting, 0, 0));
    CHECK(feed_in_chunks(&r, &one, 1) == 4);
    CHECK(!ltls_msg_reasm_pending(&r));
    /* The buffer never grew past the largest message (the Certificate). */
    CHECK(largest <= starts[2] - starts[1]);
    ltls_msg_reasm_free(&r);
    CHECK(n_alloc == n_free);
}

TEST(uneven_chunks_and_messages_sharing_chunks)
{
    const size_t sizes[][4] = {{7, 3, 64, 1}, {5, 5, 5, 5}, {64, 64, 64, 64}, {2, 63, 17, 40}};
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        ltls_msg_reasm_t r;
        reset_counts();
        load_flight();
        CHECK_OK(ltls_msg_reasm_init(&r, &counting, 0, 0));
        CHECK(feed_in_chunks(&r, sizes[s], 4) == 4);
        ltls_msg_reasm_free(&r);
        CHECK(n_alloc == n_free);
    }
}

TEST(empty_body_messages)
{
    ltls_msg_reasm_t r;
    uint8_t eoed[8];
    size_t used, n = test_unhex(RFC8448_S4_HANDSHAKE_MESSAGES_END_OF_EARLY_DATA, eoed, sizeof(eoed));
    ltls_msg_t m;
    CHECK_OK(ltls_msg_reasm_init(&r, NULL, 0, 0));
    CHECK_OK(ltls_msg_reasm_next(&r, eoed, n, &used, &m));
    CHECK(used == 4 && m.type == 5 && m.body_len == 0 && m.msg == eoed);
    /* Split 3 + 1. */
    CHECK_ERR(ltls_msg_reasm_next(&r, eoed, 3, &used, &m), LTLS_R_WANT_READ);
    CHECK(used == 3 && ltls_msg_reasm_pending(&r));
    CHECK_OK(ltls_msg_reasm_next(&r, eoed + 3, 1, &used, &m));
    CHECK(used == 1 && m.type == 5 && m.body_len == 0 && m.msg_len == 4);
    ltls_msg_reasm_free(&r);
}

TEST(announced_length_over_the_maximum)
{
    ltls_msg_reasm_t r;
    uint8_t hdr[4] = {LTLS_MSG_CLIENT_HELLO, 0x01, 0x00, 0x01}; /* 65537 */
    size_t used;
    ltls_msg_t m;
    reset_counts();
    CHECK_OK(ltls_msg_reasm_init(&r, &counting, 0, 0));
    /* Refused on the header alone, nothing buffered. */
    ltls_err_t e = ltls_msg_reasm_next(&r, hdr, 4, &used, &m);
    CHECK_ERR(e, LTLS_R_MSG_TOO_LARGE);
    CHECK(ltls_err_alert(e) == LTLS_ALERT_ILLEGAL_PARAMETER);
    CHECK(n_alloc == 0);
    ltls_msg_reasm_free(&r);

    /* Also when the header itself arrives one byte at a time. */
    CHECK_OK(ltls_msg_reasm_init(&r, &counting, 0, 0));
    for (int i = 0; i < 3; i++)
        CHECK_ERR(ltls_msg_reasm_next(&r, hdr + i, 1, &used, &m), LTLS_R_WANT_READ);
    CHECK_ERR(ltls_msg_reasm_next(&r, hdr + 3, 1, &used, &m), LTLS_R_MSG_TOO_LARGE);
    CHECK(n_alloc == 0);
    ltls_msg_reasm_free(&r);

    /* Exactly the maximum is accepted (and waited for). */
    hdr[1] = 0x01, hdr[2] = 0x00, hdr[3] = 0x00;
    CHECK_OK(ltls_msg_reasm_init(&r, &counting, 0, 0));
    CHECK_ERR(ltls_msg_reasm_next(&r, hdr, 4, &used, &m), LTLS_R_WANT_READ);
    ltls_msg_reasm_free(&r);
}

TEST(certificates_have_their_own_limit)
{
    ltls_msg_reasm_t r;
    uint8_t cert[4] = {LTLS_MSG_CERTIFICATE, 0x02, 0x00, 0x00};  /* 128 KiB */
    uint8_t hello[4] = {LTLS_MSG_CLIENT_HELLO, 0x00, 0x10, 0x01}; /* 4097 */
    size_t used;
    ltls_msg_t m;
    CHECK_OK(ltls_msg_reasm_init(&r, NULL, 4096, 256 * 1024));
    CHECK_ERR(ltls_msg_reasm_next(&r, cert, 4, &used, &m), LTLS_R_WANT_READ);
    ltls_msg_reasm_free(&r);
    CHECK_OK(ltls_msg_reasm_init(&r, NULL, 4096, 256 * 1024));
    CHECK_ERR(ltls_msg_reasm_next(&r, hello, 4, &used, &m), LTLS_R_MSG_TOO_LARGE);
    ltls_msg_reasm_free(&r);
    /* Defaults: 64 KiB for both. */
    CHECK_OK(ltls_msg_reasm_init(&r, NULL, 0, 0));
    CHECK(r.max_body == LTLS_MSG_MAX_DEFAULT && r.max_cert_body == LTLS_MSG_MAX_DEFAULT);
    CHECK_ERR(ltls_msg_reasm_next(&r, cert, 4, &used, &m), LTLS_R_MSG_TOO_LARGE);
    ltls_msg_reasm_free(&r);
    /* The hard cap. */
    CHECK_ERR(ltls_msg_reasm_init(&r, NULL, 0, LTLS_MSG_MAX_HARD + 1), LTLS_R_BAD_ARGUMENT);
    CHECK_ERR(ltls_msg_reasm_init(&r, NULL, LTLS_MSG_MAX_HARD + 1, 0), LTLS_R_BAD_ARGUMENT);
    CHECK_OK(ltls_msg_reasm_init(&r, NULL, LTLS_MSG_MAX_HARD, LTLS_MSG_MAX_HARD));
    ltls_msg_reasm_free(&r);
}

TEST(buffer_grows_with_what_arrives)
{
    ltls_msg_reasm_t r;
    static uint8_t big[4 + 60000];
    size_t used;
    ltls_msg_t m;
    big[0] = LTLS_MSG_CERTIFICATE, big[1] = 0x00, big[2] = 0xea, big[3] = 0x60; /* 60000 */
    for (size_t i = 4; i < sizeof(big); i++)
        big[i] = (uint8_t)i;
    reset_counts();
    CHECK_OK(ltls_msg_reasm_init(&r, &counting, 0, 0));
    /* Announcing 60000 bytes and sending 10 costs a small buffer, not 60 KB. */
    CHECK_ERR(ltls_msg_reasm_next(&r, big, 14, &used, &m), LTLS_R_WANT_READ);
    CHECK(largest <= 256);
    size_t off = 14;
    while (off < sizeof(big)) {
        size_t chunk = sizeof(big) - off < 1000 ? sizeof(big) - off : 1000;
        ltls_err_t e = ltls_msg_reasm_next(&r, big + off, chunk, &used, &m);
        off += used;
        if (off < sizeof(big))
            CHECK_ERR(e, LTLS_R_WANT_READ);
        else
            CHECK_OK(e);
    }
    CHECK(m.msg_len == sizeof(big) && memcmp(m.msg, big, sizeof(big)) == 0);
    CHECK(largest <= sizeof(big)); /* never beyond the announced size */
    CHECK(n_alloc < 20);           /* geometric growth */
    /* Kept for reuse, then released by trim. */
    CHECK(r.buf != NULL);
    ltls_msg_reasm_trim(&r);
    CHECK(r.buf == NULL && n_alloc == n_free);
    ltls_msg_reasm_free(&r);
}

TEST(pending_data_at_a_key_change)
{
    ltls_msg_reasm_t r;
    size_t used;
    ltls_msg_t m;
    load_flight();
    CHECK_OK(ltls_msg_reasm_init(&r, NULL, 0, 0));
    CHECK_OK(ltls_msg_reasm_key_change(&r, 0));
    /* Half a header pending. */
    CHECK_ERR(ltls_msg_reasm_next(&r, flight, 2, &used, &m), LTLS_R_WANT_READ);
    ltls_err_t e = ltls_msg_reasm_key_change(&r, 0);
    CHECK_ERR(e, LTLS_R_MSG_SPANS_KEY_CHANGE);
    CHECK(ltls_err_alert(e) == LTLS_ALERT_UNEXPECTED_MESSAGE);
    /* Part of a body pending. */
    CHECK_ERR(ltls_msg_reasm_next(&r, flight + 2, 6, &used, &m), LTLS_R_WANT_READ);
    CHECK_ERR(ltls_msg_reasm_key_change(&r, 0), LTLS_R_MSG_SPANS_KEY_CHANGE);
    /* Completed (from the buffer): nothing pending any more. */
    CHECK_OK(ltls_msg_reasm_next(&r, flight + 8, starts[1] - 8, &used, &m));
    CHECK(m.type == 8);
    CHECK_OK(ltls_msg_reasm_key_change(&r, 0));
    /* Bytes of the record left after the key-changing message. */
    CHECK_ERR(ltls_msg_reasm_key_change(&r, 3), LTLS_R_MSG_SPANS_KEY_CHANGE);
    ltls_msg_reasm_free(&r);
}

TEST(allocation_failure)
{
    ltls_msg_reasm_t r;
    size_t used;
    ltls_msg_t m;
    load_flight();
    reset_counts();
    fail_alloc = 1;
    CHECK_OK(ltls_msg_reasm_init(&r, &counting, 0, 0));
    /* Whole messages need no memory at all... */
    CHECK_OK(ltls_msg_reasm_next(&r, flight, flight_len, &used, &m));
    /* ...a split one does. */
    CHECK_ERR(ltls_msg_reasm_next(&r, flight + starts[1], 10, &used, &m), LTLS_R_OUT_OF_MEMORY);
    ltls_msg_reasm_free(&r);
    reset_counts();
}

TEST(misuse)
{
    ltls_msg_reasm_t r;
    size_t used;
    ltls_msg_t m;
    CHECK_ERR(ltls_msg_reasm_init(NULL, NULL, 0, 0), LTLS_R_NULL_ARGUMENT);
    CHECK_OK(ltls_msg_reasm_init(&r, NULL, 0, 0));
    CHECK_ERR(ltls_msg_reasm_next(&r, NULL, 3, &used, &m), LTLS_R_NULL_ARGUMENT);
    CHECK_ERR(ltls_msg_reasm_next(&r, flight, 3, NULL, &m), LTLS_R_NULL_ARGUMENT);
    ltls_msg_reasm_free(&r);
    ltls_msg_reasm_free(NULL);
}

int main(void)
{
    RUN(header_parse_and_write);
    RUN(whole_messages_are_views_without_allocation);
    RUN(byte_by_byte_delivery);
    RUN(uneven_chunks_and_messages_sharing_chunks);
    RUN(empty_body_messages);
    RUN(announced_length_over_the_maximum);
    RUN(certificates_have_their_own_limit);
    RUN(buffer_grows_with_what_arrives);
    RUN(pending_data_at_a_key_change);
    RUN(allocation_failure);
    RUN(misuse);
    return test_done();
}
