/*
 * hs/transcript.h - the running handshake transcript hash (RFC 8446 §4.4.1).
 *
 * Transcript-Hash(M1, ..., Mn) = Hash(M1 || ... || Mn) over whole handshake
 * messages, each with its 4-byte header (type, uint24 length).
 *
 * The hash is the negotiated suite's, which a client learns only from the
 * ServerHello (or HelloRetryRequest) after it has sent its ClientHello. Until
 * ltls_transcript_set_hash() is called, added messages are therefore kept in a
 * bounded buffer (LTLS_TRANSCRIPT_BUFFER_MAX bytes; more gives
 * LTLS_R_TRANSCRIPT_FULL); set_hash() hashes the buffer once and frees it, and
 * from then on each message is hashed as it is added.
 *
 * Usage:
 *   ltls_transcript_init(&t, provider, alloc);
 *   ltls_transcript_add(&t, client_hello, len);     (buffered)
 *   ltls_transcript_set_hash(&t, suite->hash);      (on ServerHello / HRR)
 *   [ltls_transcript_hrr(&t, hrr, len);]            (HelloRetryRequest rule)
 *   ltls_transcript_add(&t, server_hello, len);
 *   ltls_transcript_current(&t, hash);              (for Derive-Secret, Finished)
 *   ...
 *   ltls_transcript_free(&t);
 *
 * Errors: NULL_ARGUMENT; BAD_ARGUMENT for a message whose header length does
 * not match its size; BAD_STATE for calls in the wrong state; OUT_OF_MEMORY,
 * TRANSCRIPT_FULL, and the provider's errors. An error that leaves the
 * transcript missing bytes (allocation, provider failure) is sticky: every
 * later call returns it, since no later hash could be right.
 */
#ifndef LTLS_HS_TRANSCRIPT_H
#define LTLS_HS_TRANSCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "lucidtls/alloc.h"
#include "lucidtls/error.h"
#include "lucidtls/provider.h"

/* What may be buffered before the hash is known: room for two ClientHellos of
 * the largest size their vectors allow (cipher_suites and extensions are each
 * below 2^16 bytes) and a HelloRetryRequest. In practice only ClientHello1 is
 * ever buffered, and the buffer grows with use, so this costs nothing. */
#define LTLS_TRANSCRIPT_BUFFER_MAX ((size_t)1 << 18)

/* Handshake type of the synthetic message that replaces ClientHello1. */
#define LTLS_TRANSCRIPT_MESSAGE_HASH 254

typedef struct ltls_transcript {
    const ltls_provider_t *p;
    const ltls_allocator_t *alloc;
    const ltls_hash_alg_t *h;   /* NULL while buffering */
    ltls_hash_ctx_t *ctx;       /* the running hash, once h is set */
    uint8_t *buf;               /* buffered messages, while h is NULL */
    size_t len, cap;
    uint32_t messages;          /* messages in the transcript (message_hash counts as one) */
    uint8_t hrr_done;
    ltls_err_t err;             /* sticky */
} ltls_transcript_t;

/* An empty transcript. alloc may be NULL (malloc/free); both p and alloc are
 * borrowed and must outlive the transcript. Never fails but for NULL
 * arguments. */
ltls_err_t ltls_transcript_init(ltls_transcript_t *t, const ltls_provider_t *p,
                                const ltls_allocator_t *alloc);

/* Fixes the hash (once; BAD_STATE after) and hashes what was buffered. */
ltls_err_t ltls_transcript_set_hash(ltls_transcript_t *t, const ltls_hash_alg_t *h);

/* The hash, or NULL before set_hash. */
const ltls_hash_alg_t *ltls_transcript_hash(const ltls_transcript_t *t);

/* Appends one whole handshake message (4-byte header included); the header's
 * length must equal len - 4. The bytes are copied or hashed before return. */
ltls_err_t ltls_transcript_add(ltls_transcript_t *t, const uint8_t *msg, size_t len);

/* The HelloRetryRequest rule (§4.4.1): the transcript must hold exactly
 * ClientHello1 and the hash must be set. ClientHello1 is replaced by
 * message_hash(254) || 00 00 Hash.length || Hash(ClientHello1), and hrr (the
 * whole HelloRetryRequest message) is appended. Allowed once (BAD_STATE). */
ltls_err_t ltls_transcript_hrr(ltls_transcript_t *t, const uint8_t *hrr, size_t len);

/* The same rule for a stateless server that kept only Hash(ClientHello1) (in
 * its cookie, §4.2.2): on an empty transcript with the hash set, appends the
 * message_hash message built from ch1_hash (Hash.length bytes) and hrr. */
ltls_err_t ltls_transcript_hrr_from_hash(ltls_transcript_t *t, const uint8_t *ch1_hash,
                                         const uint8_t *hrr, size_t len);

/* Transcript-Hash of everything added so far into out (Hash.length bytes);
 * the running state is not changed. BAD_STATE before set_hash. */
ltls_err_t ltls_transcript_current(const ltls_transcript_t *t, uint8_t *out);

/* As current(), over everything so far followed by extra (which is not
 * added): the PSK binder's Transcript-Hash(..., Truncate(ClientHello))
 * (§4.2.11.2). */
ltls_err_t ltls_transcript_current_with(const ltls_transcript_t *t, const uint8_t *extra,
                                        size_t extra_len, uint8_t *out);

/* Hash(data) in one call: a client's binder over Truncate(ClientHello1), made
 * before the transcript's hash is known. out is h->digest_size bytes. */
ltls_err_t ltls_transcript_digest(const ltls_provider_t *p, const ltls_hash_alg_t *h,
                                  const uint8_t *data, size_t len, uint8_t *out);

/* Frees the hash context and wipes and frees the buffer; t is left empty
 * (init again to reuse). NULL is a no-op. */
void ltls_transcript_free(ltls_transcript_t *t);

#endif
