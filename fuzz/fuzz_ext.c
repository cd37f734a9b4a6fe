/*
 * fuzz/fuzz_ext.c - the extension registry (src/msg/extensions/registry.c)
 * and every extension codec it dispatches to, on one extension block in any
 * of the eight message contexts: ltls_ext_parse_block,
 * ltls_ext_check_solicited, ltls_ext_write_block and the builders
 * ltls_ext_add / ltls_ext_add_raw.
 *
 * Why: every extension of every handshake message goes through this one
 * parser, and its rules (no duplicates, RFC 8446 §4.2's table of which
 * message may carry what, unknown and GREASE extensions ignored only where
 * the receiver must ignore them, pre_shared_key last) decide what a peer's
 * choices can reach. Fuzzing the block directly reaches every context
 * without the fuzzer having to build a message around it.
 *
 * Input: byte 0 selects the ltls_ext_ctx_t (mod LTLS_EXT_CTX_COUNT_), the
 * rest is the body of an extension block (the bytes inside Extension
 * extensions<..>, without its 2-byte length).
 *
 * Checked (fuzz_msg_common.h): a refusal is the canonical error of a reason
 * documented for that context; an accepted block obeys the registry's rules
 * and its views lie in the input; ltls_ext_check_solicited answers exactly
 * "every known extension was offered, cookie in a HRR aside" for several
 * offered masks (the present mask, all, none, one bit short, and masks
 * drawn from the input); write(parse(x)) == x (padding contents aside),
 * parses to an equal set and writes again identically; and the same block
 * rebuilt with the builders (typed extensions by id, the others raw) writes
 * the same bytes, while the builders refuse what their contract refuses.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/reader.h"
#include "core/writer.h"
#include "fuzz_common.h"
#include "fuzz_msg_common.h"
#include "msg/msg.h"

typedef struct block {
    ltls_ext_ctx_t ctx;
    const ltls_ext_set_t *set;
} block_t;

static void write_block(ltls_writer_t *w, const void *obj)
{
    const block_t *b = (const block_t *)obj;
    ltls_ext_write_block(w, b->ctx, b->set);
}

/* The body of a written block (after its 2-byte length, which must be
 * right). */
static ltls_bytes_t block_body(const uint8_t *y, size_t ylen)
{
    ltls_reader_t r, sub;
    ltls_bytes_t b;
    ltls_reader_init(&r, y, ylen);
    FUZZ_CHECK(ltls_reader_vec(&r, 2, 0, 0xffff, &sub) == 0);
    FUZZ_CHECK(ltls_reader_end(&r) == 0);
    b.p = ltls_reader_peek(&sub);
    b.len = sub.len;
    return b;
}

/* The parsed set rebuilt through the builder API: typed fields copied, then
 * each entry added in wire order, by id when the registry writes it from
 * typed fields, raw otherwise. It must say what the parsed set says and be
 * written as y. */
static void check_builder(const ltls_ext_set_t *parsed, ltls_ext_ctx_t ctx, const uint8_t *y,
                          size_t ylen)
{
    static ltls_ext_set_t built;
    ltls_err_t err;
    size_t len;
    built = *parsed;
    built.present = 0;
    built.count = 0;
    built.unknown = 0;
    built.grease = 0;
    memset(built.entries, 0, sizeof(built.entries));
    for (size_t i = 0; i < parsed->count; i++) {
        const ltls_ext_entry_t *e = &parsed->entries[i];
        uint16_t before = built.count;
        if (e->id < MSGF_FIRST_RAW_ID) {
            /* "A known extension with typed fields is written from them,
             * never from raw bytes": add_raw refuses it, changing nothing. */
            err = ltls_ext_add_raw(&built, e->code, e->body, e->len);
            FUZZ_CHECK_ERR(err, err == ltls_err_make(LTLS_R_BAD_ARGUMENT));
            FUZZ_CHECK(built.count == before);
            err = ltls_ext_add(&built, (ltls_ext_id_t)e->id);
        } else {
            if (e->id != LTLS_EXT_UNKNOWN) {
                /* No writer: ltls_ext_add refuses it. */
                err = ltls_ext_add(&built, (ltls_ext_id_t)e->id);
                FUZZ_CHECK_ERR(err, err == ltls_err_make(LTLS_R_BAD_ARGUMENT));
                FUZZ_CHECK(built.count == before);
            }
            err = ltls_ext_add_raw(&built, e->code, e->body, e->len);
        }
        FUZZ_CHECK_ERR(err, err == 0);
        FUZZ_CHECK(built.count == before + 1);
        FUZZ_CHECK(built.entries[i].code == e->code && built.entries[i].id == e->id);
    }
    FUZZ_CHECK(built.present == parsed->present);
    FUZZ_CHECK(built.unknown == parsed->unknown);
    FUZZ_CHECK(built.grease == parsed->grease);
    if (parsed->count) {
        /* A second entry of a code already there is refused. */
        const ltls_ext_entry_t *e = &parsed->entries[0];
        err = e->id < MSGF_FIRST_RAW_ID ? ltls_ext_add(&built, (ltls_ext_id_t)e->id)
                                        : ltls_ext_add_raw(&built, e->code, e->body, e->len);
        FUZZ_CHECK_ERR(err, err == ltls_err_make(LTLS_R_BAD_ARGUMENT));
        FUZZ_CHECK(built.count == parsed->count);
    }
    block_t b = {ctx, &built};
    uint8_t *out = msgf_write(write_block, &b, &len);
    FUZZ_CHECK(len == ylen && memcmp(out, y, ylen) == 0);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ltls_ext_set_t parsed, again;
    ltls_reader_t in;
    uint8_t sel;
    size_t ylen, zlen;

    ltls_reader_init(&in, data, size);
    if (ltls_reader_u8(&in, &sel))
        return 0;
    ltls_ext_ctx_t ctx = (ltls_ext_ctx_t)(sel % LTLS_EXT_CTX_COUNT_);
    const uint8_t *x = ltls_reader_peek(&in);
    size_t xlen = ltls_reader_left(&in);
    uint64_t h = fuzz_hash(data, size);

    ltls_err_t err = ltls_ext_parse_block(ctx, x, xlen, &parsed);
    msgf_outcome("block in ctx", (unsigned)ctx, err);
    if (err) {
        /* On failure the set's content is unspecified: not looked at. */
        msgf_check_parse_err(err);
        FUZZ_CHECK_ERR(err, msgf_ext_reason_ok(ctx, ltls_err_reason(err)));
        return 0;
    }
    msgf_check_set_rules(&parsed, ctx);
    msgf_touch_set(&parsed, x, xlen);
    msgf_check_solicited_all(&parsed, h);

    /* write(parse(x)), parsed again: it must be accepted and equal. */
    block_t b = {ctx, &parsed};
    uint8_t *y = msgf_write(write_block, &b, &ylen);
    ltls_bytes_t ybody = block_body(y, ylen);
    err = ltls_ext_parse_block(ctx, ybody.p, ybody.len, &again);
    FUZZ_CHECK_ERR(err, err == 0);
    msgf_check_set_rules(&again, ctx);
    msgf_touch_set(&again, ybody.p, ybody.len);
    msgf_eq_set(&parsed, &again);
    block_t b2 = {ctx, &again};
    uint8_t *z = msgf_write(write_block, &b2, &zlen);
    FUZZ_CHECK(zlen == ylen && memcmp(z, y, ylen) == 0);
    free(z);
    msgf_check_exact(x, xlen, ybody.p, ybody.len, msgf_padding(&parsed));

    check_builder(&parsed, ctx, y, ylen);
    free(y);
    return 0;
}
