/*
 * hs/transcript.c - the running transcript hash (RFC 8446 §4.4.1).
 *
 * Theory of operation. The transcript is one provider hash context fed each
 * handshake message exactly once, as it is added. Two things complicate it:
 *
 *  - The hash is unknown while the ClientHello is sent (client) or parsed
 *    (server), so until set_hash() the messages are copied into a buffer that
 *    grows by doubling up to LTLS_TRANSCRIPT_BUFFER_MAX. set_hash() feeds the
 *    buffer to the new context and wipes and frees it; nothing is kept twice.
 *
 *  - HelloRetryRequest (§4.4.1) replaces ClientHello1 by a synthetic
 *    message_hash message carrying Hash(ClientHello1). When ClientHello1 is
 *    the only message so far, Hash(ClientHello1) is just the running hash:
 *    hash_final() yields it and resets the context, and the synthetic message
 *    and the HelloRetryRequest are fed to the fresh state. ClientHello1 is
 *    hashed once either way.
 *
 * current() copies the context (hash_copy) and finalises the copy, so the
 * running state is never disturbed. A failure that loses bytes is recorded
 * in t->err and returned by every later call.
 */
#include "hs/transcript.h"

#include <string.h>

#include "core/mem.h"
#include "core/reader.h"
#include "core/writer.h"

#define ERR(r) ltls_err_make(LTLS_R_##r)

/* The smallest buffer worth allocating: most ClientHellos fit. */
#define BUFFER_INITIAL 1024

ltls_err_t ltls_transcript_init(ltls_transcript_t *t, const ltls_provider_t *p,
                                const ltls_allocator_t *alloc)
{
    if (!t || !p)
        return ERR(NULL_ARGUMENT);
    memset(t, 0, sizeof *t);
    t->p = p;
    t->alloc = alloc;
    return LTLS_OK;
}

const ltls_hash_alg_t *ltls_transcript_hash(const ltls_transcript_t *t)
{
    return t ? t->h : NULL;
}

/* Records an error that leaves the transcript incomplete. */
static ltls_err_t fail(ltls_transcript_t *t, ltls_err_t err)
{
    if (!t->err)
        t->err = err;
    return err;
}

/* A whole handshake message: a type, a uint24 length and exactly that many
 * bytes. Checked here because a wrong split would make every later hash
 * wrong without any other symptom. */
static ltls_err_t check_message(const uint8_t *msg, size_t len)
{
    ltls_reader_t r;
    uint8_t type;
    uint32_t body;
    if (!msg)
        return ERR(NULL_ARGUMENT);
    ltls_reader_init(&r, msg, len);
    if (ltls_reader_u8(&r, &type) || ltls_reader_u24(&r, &body) || body != ltls_reader_left(&r))
        return ERR(BAD_ARGUMENT);
    return LTLS_OK;
}

static ltls_err_t buffer_append(ltls_transcript_t *t, const uint8_t *msg, size_t len)
{
    if (len > LTLS_TRANSCRIPT_BUFFER_MAX - t->len)
        return fail(t, ERR(TRANSCRIPT_FULL));
    size_t need = t->len + len;
    if (need > t->cap) {
        size_t cap = t->cap ? t->cap : BUFFER_INITIAL;
        while (cap < need)
            cap *= 2;
        if (cap > LTLS_TRANSCRIPT_BUFFER_MAX)
            cap = LTLS_TRANSCRIPT_BUFFER_MAX;
        uint8_t *nb = ltls_alloc(t->alloc, cap);
        if (!nb)
            return fail(t, ERR(OUT_OF_MEMORY));
        if (t->len)
            memcpy(nb, t->buf, t->len);
        ltls_free(t->alloc, t->buf, t->cap); /* wipes the old copy */
        t->buf = nb;
        t->cap = cap;
    }
    memcpy(t->buf + t->len, msg, len);
    t->len += len;
    return LTLS_OK;
}

static void buffer_release(ltls_transcript_t *t)
{
    ltls_free(t->alloc, t->buf, t->cap);
    t->buf = NULL;
    t->len = t->cap = 0;
}

ltls_err_t ltls_transcript_set_hash(ltls_transcript_t *t, const ltls_hash_alg_t *h)
{
    if (!t || !h)
        return ERR(NULL_ARGUMENT);
    if (t->err)
        return t->err;
    if (t->h)
        return ERR(BAD_STATE);
    if (h->digest_size == 0 || h->digest_size > LTLS_HASH_MAX_SIZE)
        return ERR(BAD_ARGUMENT);
    ltls_hash_ctx_t *ctx = NULL;
    ltls_err_t err = t->p->hash_new(t->p->impl, h, &ctx);
    if (err)
        return fail(t, err);
    if (t->len)
        err = t->p->hash_update(ctx, t->buf, t->len);
    if (err) {
        t->p->hash_free(ctx);
        return fail(t, err);
    }
    buffer_release(t);
    t->h = h;
    t->ctx = ctx;
    return LTLS_OK;
}

ltls_err_t ltls_transcript_add(ltls_transcript_t *t, const uint8_t *msg, size_t len)
{
    if (!t)
        return ERR(NULL_ARGUMENT);
    if (t->err)
        return t->err;
    ltls_err_t err = check_message(msg, len);
    if (err)
        return err;
    if (t->h)
        err = t->p->hash_update(t->ctx, msg, len);
    else
        err = buffer_append(t, msg, len);
    if (err)
        return fail(t, err);
    t->messages++;
    return LTLS_OK;
}

/* Feeds message_hash(254) || uint24(Hash.length) || ch1_hash, then hrr. */
static ltls_err_t feed_hrr(ltls_transcript_t *t, const uint8_t *ch1_hash, const uint8_t *hrr,
                           size_t len)
{
    uint8_t synth[4 + LTLS_HASH_MAX_SIZE];
    ltls_writer_t w;
    ltls_writer_init(&w, synth, sizeof synth);
    ltls_writer_u8(&w, LTLS_TRANSCRIPT_MESSAGE_HASH);
    ltls_writer_u24(&w, (uint32_t)t->h->digest_size);
    ltls_writer_bytes(&w, ch1_hash, t->h->digest_size);
    size_t synth_len;
    ltls_err_t err = ltls_writer_finish(&w, &synth_len);
    if (!err)
        err = t->p->hash_update(t->ctx, synth, synth_len);
    if (!err)
        err = t->p->hash_update(t->ctx, hrr, len);
    if (err)
        return fail(t, err);
    t->messages = 2;
    t->hrr_done = 1;
    return LTLS_OK;
}

static ltls_err_t hrr_precheck(const ltls_transcript_t *t, const uint8_t *hrr, size_t len,
                               uint32_t messages)
{
    if (!t)
        return ERR(NULL_ARGUMENT);
    if (t->err)
        return t->err;
    /* The rule applies once, to ClientHello1 alone (a second HRR is an
     * unexpected_message, §4.1.4, which the state machine reports). */
    if (!t->h || t->hrr_done || t->messages != messages)
        return ERR(BAD_STATE);
    return check_message(hrr, len);
}

ltls_err_t ltls_transcript_hrr(ltls_transcript_t *t, const uint8_t *hrr, size_t len)
{
    uint8_t ch1[LTLS_HASH_MAX_SIZE];
    ltls_err_t err = hrr_precheck(t, hrr, len, 1);
    if (err)
        return err;
    /* The running hash holds ClientHello1 only: its value is Hash(CH1), and
     * hash_final() leaves the context empty for the rewritten transcript. */
    err = t->p->hash_final(t->ctx, ch1);
    if (err)
        return fail(t, err);
    return feed_hrr(t, ch1, hrr, len);
}

ltls_err_t ltls_transcript_hrr_from_hash(ltls_transcript_t *t, const uint8_t *ch1_hash,
                                         const uint8_t *hrr, size_t len)
{
    if (!ch1_hash)
        return ERR(NULL_ARGUMENT);
    ltls_err_t err = hrr_precheck(t, hrr, len, 0);
    if (err)
        return err;
    return feed_hrr(t, ch1_hash, hrr, len);
}

ltls_err_t ltls_transcript_current_with(const ltls_transcript_t *t, const uint8_t *extra,
                                        size_t extra_len, uint8_t *out)
{
    if (!t || !out || (!extra && extra_len))
        return ERR(NULL_ARGUMENT);
    if (t->err)
        return t->err;
    if (!t->h)
        return ERR(BAD_STATE);
    ltls_hash_ctx_t *copy = NULL;
    ltls_err_t err = t->p->hash_copy(t->ctx, &copy);
    if (!err && extra_len)
        err = t->p->hash_update(copy, extra, extra_len);
    if (!err)
        err = t->p->hash_final(copy, out);
    t->p->hash_free(copy);
    return err;
}

ltls_err_t ltls_transcript_current(const ltls_transcript_t *t, uint8_t *out)
{
    return ltls_transcript_current_with(t, NULL, 0, out);
}

ltls_err_t ltls_transcript_digest(const ltls_provider_t *p, const ltls_hash_alg_t *h,
                                  const uint8_t *data, size_t len, uint8_t *out)
{
    if (!p || !h || !out || (!data && len))
        return ERR(NULL_ARGUMENT);
    ltls_hash_ctx_t *ctx = NULL;
    ltls_err_t err = p->hash_new(p->impl, h, &ctx);
    if (!err && len)
        err = p->hash_update(ctx, data, len);
    if (!err)
        err = p->hash_final(ctx, out);
    p->hash_free(ctx);
    return err;
}

void ltls_transcript_free(ltls_transcript_t *t)
{
    if (!t)
        return;
    if (t->p && t->ctx)
        t->p->hash_free(t->ctx);
    buffer_release(t);
    memset(t, 0, sizeof *t);
}
