/*
 * record/record.h - the TLS record layer (RFC 8446 §5), sans-I/O.
 *
 * The record layer turns bytes from the network into typed content
 * (handshake, alert, application data, change_cipher_spec) and back. It owns
 * no buffer: the connection layer hands it the bytes it has received and the
 * space it wants records written to. Records are opened in place (the
 * decrypted content is a view into the caller's buffer) and sealed in place
 * (the content may already sit where the record body goes). Nothing here
 * allocates except the provider's AEAD context, made once per key.
 *
 * One ltls_record_dir_t holds the protection state of one direction (our
 * writes, or the peer's writes that we read): the AEAD context, the static IV,
 * the 64-bit sequence number and the limits. A direction starts unprotected
 * (plaintext records only) and is protected by ltls_record_dir_set_keys();
 * every later key change (handshake -> application traffic, KeyUpdate) calls
 * it again, which frees the old context and restarts the sequence at 0.
 *
 * The framing in force is named by dir->version, so that TLS 1.2 AEAD records
 * (explicit nonce, RFC 5288/7905) can be added beside TLS 1.3 without
 * touching the callers: the functions below dispatch on it.
 *
 * Reading, per record:
 *
 *     ltls_record_t rec; size_t n;
 *     err = ltls_record_open(&rd, buf, have, &rec, &n);
 *     WANT_READ: read until `have >= n`, then call again.
 *     OK:        use rec (a view into buf), then consume n bytes.
 *     otherwise: fatal; send ltls_err_alert(err) if the class says so.
 *
 * A change_cipher_spec record is handed up undecrypted (TLS 1.3 §5); the
 * handshake layer decides whether one is allowed now and checks it with
 * ltls_record_check_ccs().
 *
 * Limits (RFC 8446 §5.5): a key may protect at most dir->max_records records
 * (the AEAD's confidentiality limit). Sealing or opening with the sequence
 * number at that limit fails with LIMIT_REACHED; the connection layer watches
 * ltls_record_dir_remaining() and sends a KeyUpdate while at least one record
 * is left for it (on the read side, a KeyUpdate with update_requested asks
 * the peer to change its key). The sequence number is never allowed to wrap:
 * the value 2^64-1 is never used (RECORD_SEQ_EXHAUSTED, §5.3).
 *
 * Errors are ltls_err_t values whose alert is the one RFC 8446 names for the
 * failure; every failure of ltls_record_open() is fatal to the connection.
 */
#ifndef LTLS_RECORD_RECORD_H
#define LTLS_RECORD_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "lucidtls/error.h"
#include "lucidtls/provider.h"

/* ------------------------------------------------------------------------
 * Constants
 * ---------------------------------------------------------------------- */

#define LTLS_RECORD_HEADER_SIZE 5
/* TLSPlaintext.length and TLSInnerPlaintext.content (§5.1): 2^14. */
#define LTLS_RECORD_MAX_PLAINTEXT 16384u
/* An AEAD used with TLS 1.3 expands by at most 255 bytes (§5.2). */
#define LTLS_RECORD_MAX_AEAD_EXPANSION 255u
/* TLSCiphertext.length (§5.2): 2^14 + 1 (content type) + 255. */
#define LTLS_RECORD_MAX_CIPHERTEXT (LTLS_RECORD_MAX_PLAINTEXT + 1u + LTLS_RECORD_MAX_AEAD_EXPANSION)
/* A buffer this large holds any record a peer may send. */
#define LTLS_RECORD_MAX_SIZE (LTLS_RECORD_HEADER_SIZE + LTLS_RECORD_MAX_CIPHERTEXT)

/* RFC 8449 §4: the smallest record_size_limit an endpoint may announce. */
#define LTLS_RECORD_SIZE_LIMIT_MIN 64u

/* ContentType (§5.1). */
typedef enum ltls_content_type {
    LTLS_CONTENT_INVALID = 0,
    LTLS_CONTENT_CHANGE_CIPHER_SPEC = 20,
    LTLS_CONTENT_ALERT = 21,
    LTLS_CONTENT_HANDSHAKE = 22,
    LTLS_CONTENT_APPLICATION_DATA = 23
} ltls_content_type_t;

/* legacy_record_version values a TLS 1.3 implementation writes (§5.1). */
#define LTLS_RECORD_VERSION_TLS10 0x0301 /* the initial ClientHello only */
#define LTLS_RECORD_VERSION_TLS12 0x0303 /* everything else */

/* dir->version: the record protection in force. */
#define LTLS_RECORD_PROT_NONE 0
#define LTLS_RECORD_PROT_TLS13 0x0304

/* ------------------------------------------------------------------------
 * Direction state
 * ---------------------------------------------------------------------- */

typedef struct ltls_record_dir {
    uint16_t version;     /* LTLS_RECORD_PROT_*: the framing in force */
    uint8_t write;        /* 1: we seal with it; 0: we open with it */
    uint8_t failed;       /* a key change failed: every open/seal is BAD_STATE */
    const ltls_provider_t *provider;
    const ltls_aead_alg_t *aead;
    ltls_aead_ctx_t *ctx; /* NULL while unprotected */
    uint8_t iv[LTLS_AEAD_NONCE_SIZE];
    /* The sequence number of the next record (§5.3). */
    uint64_t seq;
    /* Records this key may protect: seq must stay below it. Set from
     * aead->max_records by ltls_record_dir_set_keys(); a caller (or a test)
     * may lower it, never raise it. */
    uint64_t max_records;
    /* record_size_limit in force (RFC 8449), 0 for the protocol's own. */
    uint32_t size_limit;
    /* Largest TLSInnerPlaintext.content of a protected record, derived from
     * size_limit and the framing (2^14 by default). Read-only. */
    size_t max_plaintext;
} ltls_record_dir_t;

/* An unprotected direction. write is 1 for the direction we send on. */
void ltls_record_dir_init(ltls_record_dir_t *dir, int write);

/*
 * Protects the direction with a TLS 1.3 traffic key and IV (from
 * ltls_keysched_traffic_keys): key is aead->key_size bytes, iv
 * LTLS_AEAD_NONCE_SIZE bytes, both copied or handed to the provider. The
 * previous key's context is freed and wiped; the sequence number restarts at
 * 0 (§5.3) and max_records at aead->max_records. The record_size_limit stays.
 * The provider must outlive the direction.
 *
 * Errors: NULL_ARGUMENT; BAD_ARGUMENT (an AEAD whose tag or key is larger than
 * lucidtls allows); the provider's error. After a failure the direction is
 * unusable (every open/seal gives BAD_STATE) until cleared: it never falls
 * back to plaintext or to the old key.
 */
ltls_err_t ltls_record_dir_set_keys(ltls_record_dir_t *dir, const ltls_provider_t *provider,
                                    const ltls_aead_alg_t *aead, const uint8_t *key,
                                    const uint8_t iv[LTLS_AEAD_NONCE_SIZE]);

/* Frees the AEAD context and wipes the key material; the direction is then
 * as ltls_record_dir_init() left it (same direction, no size limit). */
void ltls_record_dir_clear(ltls_record_dir_t *dir);

/*
 * Applies a record_size_limit (RFC 8449 §4) to the protected records of this
 * direction: for a write direction the peer's announced value, for a read
 * direction our own. In TLS 1.3 the limit covers the whole TLSInnerPlaintext,
 * so content may be limit - 1 bytes; a limit above the protocol's own
 * (2^14 + 1) is clamped to it. 0 restores the protocol's limit. Unprotected
 * records are not subject to it. BAD_ARGUMENT: 0 < limit < 64.
 */
ltls_err_t ltls_record_dir_set_size_limit(ltls_record_dir_t *dir, uint32_t limit);

/* 1 if records in this direction are protected. */
int ltls_record_dir_protected(const ltls_record_dir_t *dir);

/* Records the current key may still protect (0 when unprotected). */
uint64_t ltls_record_dir_remaining(const ltls_record_dir_t *dir);

/* ------------------------------------------------------------------------
 * Reading
 * ---------------------------------------------------------------------- */

typedef struct ltls_record_header {
    uint8_t type;      /* the outer ContentType */
    uint16_t version;  /* legacy_record_version as received */
    uint16_t length;   /* length of the body after the header */
} ltls_record_header_t;

/*
 * Parses and checks the header at buf[0..len). *record_len receives the size
 * of the whole record (header + body), or LTLS_RECORD_HEADER_SIZE while the
 * header itself is incomplete.
 *
 * Checks, in order: the ContentType is one of §5's four (RECORD_BAD_TYPE,
 * unexpected_message); the length is within 2^14 for a TLSPlaintext (§5.1)
 * and within 2^14 + 256 (less under a record_size_limit) for an
 * application_data record, which is always a TLSCiphertext (§5.1, §5.2)
 * (RECORD_OVERFLOW, record_overflow); a TLSCiphertext has
 * legacy_record_version 0x0303 (RECORD_BAD_VERSION, decode_error). A
 * TLSPlaintext's legacy_record_version is not checked at all: §5.1 says it
 * "MUST be ignored for all purposes". Only then, if the body is incomplete:
 * WANT_READ, so that a bad header fails at once instead of after 16 KiB.
 * *hdr is filled on success and on a WANT_READ for the body (so that the
 * caller may, say, skip rejected early data by its type).
 */
ltls_err_t ltls_record_parse_header(const ltls_record_dir_t *dir, const uint8_t *buf, size_t len,
                                    ltls_record_header_t *hdr, size_t *record_len);

/* One opened record: a view into the caller's buffer. */
typedef struct ltls_record {
    uint8_t type;       /* the real ContentType (the inner one if protected) */
    uint8_t protected_; /* 1 if it was decrypted */
    uint8_t *content;   /* inside buf; valid while buf is */
    size_t len;
} ltls_record_t;

/*
 * Opens the first record in buf[0..len) (further bytes are left alone).
 * *record_len as for ltls_record_parse_header(): on success the bytes to
 * consume, on WANT_READ the bytes needed.
 *
 * Unprotected direction: handshake, alert and change_cipher_spec records are
 * returned as they are; application_data is refused (§5.1: it is always
 * protected); zero-length handshake and alert records are RECORD_EMPTY.
 *
 * Protected direction: an application_data record is decrypted in place
 * (nonce §5.3, additional data = the header §5.2) and its padding stripped
 * (§5.4); the sequence number advances. A change_cipher_spec record is
 * returned undecrypted and takes no sequence number (§5). A plaintext
 * handshake or alert record is RECORD_BAD_TYPE.
 *
 * Errors, besides the header's: BAD_RECORD_MAC (authentication failed, or a
 * body shorter than the AEAD tag), RECORD_OVERFLOW (TLSInnerPlaintext longer
 * than the limit), RECORD_NO_CONTENT_TYPE (all-zero plaintext),
 * RECORD_BAD_TYPE (inner type other than handshake/alert/application_data),
 * RECORD_EMPTY, LIMIT_REACHED, RECORD_SEQ_EXHAUSTED, BAD_STATE (a failed key
 * change), NULL_ARGUMENT, the provider's error. On a failure after
 * decryption the body is wiped.
 */
ltls_err_t ltls_record_open(ltls_record_dir_t *dir, uint8_t *buf, size_t len, ltls_record_t *rec,
                            size_t *record_len);

/*
 * Checks a change_cipher_spec record from ltls_record_open() once the
 * handshake layer has decided that one may arrive now (after the first
 * ClientHello, before the peer's Finished): it must be unprotected and be the
 * single byte 0x01 (§5), and is then dropped by the caller. RECORD_BAD_CCS
 * (unexpected_message) otherwise; BAD_ARGUMENT if rec is not a
 * change_cipher_spec record.
 */
ltls_err_t ltls_record_check_ccs(const ltls_record_t *rec);

/* ------------------------------------------------------------------------
 * Writing
 * ---------------------------------------------------------------------- */

/* Bytes a record adds around content_len bytes of content in this direction
 * (header, and for a protected direction the content type, padding and tag). */
size_t ltls_record_overhead(const ltls_record_dir_t *dir, size_t padding);

/* The size of the record ltls_record_seal() (protected direction) or
 * ltls_record_write_plaintext() (unprotected) would write. */
size_t ltls_record_seal_size(const ltls_record_dir_t *dir, size_t content_len, size_t padding);

/*
 * How many content bytes one record may carry in this direction with this
 * much padding, when at most room bytes of output are free (SIZE_MAX: no
 * limit): the fragment size for the connection layer. 0 if none fit.
 */
size_t ltls_record_max_content(const ltls_record_dir_t *dir, size_t padding, size_t room);

/*
 * Writes one protected record to out[0..cap): header (application_data,
 * 0x0303, length), then TLSInnerPlaintext = content || type || padding zeros,
 * encrypted in place, then the tag. content may lie anywhere in out (in
 * particular at out + LTLS_RECORD_HEADER_SIZE, where it is not copied at all)
 * or outside it. On success *out_len is the record's size and the sequence
 * number advances. out is not touched unless the record fits.
 *
 * Errors: BAD_STATE (not protected, or a failed key change); BAD_ARGUMENT
 * (type not handshake/alert/application_data, empty handshake or alert
 * content (§5.4 MUST NOT send), content + padding over dir->max_plaintext
 * (§5.4, RFC 8449): fragmenting is the caller's job, see
 * ltls_record_max_content()); LIMIT_REACHED; RECORD_SEQ_EXHAUSTED;
 * BUFFER_TOO_SMALL with *out_len = the size needed (out unspecified, the
 * sequence number unchanged); NULL_ARGUMENT; the provider's error.
 */
ltls_err_t ltls_record_seal(ltls_record_dir_t *dir, uint8_t type, const uint8_t *content,
                            size_t content_len, size_t padding, uint8_t *out, size_t cap,
                            size_t *out_len);

/*
 * Writes one TLSPlaintext record (§5.1): ClientHello, ServerHello, alerts
 * before keys, and change_cipher_spec (§D.4) at any time. version is
 * LTLS_RECORD_VERSION_TLS10 for an initial ClientHello (which SHOULD use it),
 * else LTLS_RECORD_VERSION_TLS12. content may alias out as for
 * ltls_record_seal().
 *
 * Errors: BAD_ARGUMENT (application_data, which is never sent unprotected
 * (§5.1); an unknown type; another version; empty content (§5.1: no
 * zero-length handshake fragments; an alert or CCS is never empty); more than
 * 2^14 bytes); BAD_STATE (a protected direction, except for
 * change_cipher_spec; a direction whose key change failed); BUFFER_TOO_SMALL with *out_len = the size needed;
 * NULL_ARGUMENT.
 */
ltls_err_t ltls_record_write_plaintext(const ltls_record_dir_t *dir, uint8_t type, uint16_t version,
                                       const uint8_t *content, size_t content_len, uint8_t *out,
                                       size_t cap, size_t *out_len);

#endif
