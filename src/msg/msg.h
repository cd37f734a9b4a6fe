/*
 * msg/msg.h - wire codecs for the TLS 1.3 handshake messages and their
 * extensions (RFC 8446 §4), the extension registry, and the handshake
 * reassembler that turns record payloads into whole messages.
 *
 * Shape of the module
 *
 *   record payloads ──► ltls_msg_reasm_next() ──► (type, body) views
 *                                                      │
 *              ltls_msg_parse_<message>(body, len, &struct)   (validates all)
 *                                                      │
 *                         handler reads the struct; decides; builds a reply
 *                                                      │
 *              ltls_msg_write_<message>(&writer, &struct)     (header + body)
 *
 * Parsing is complete and strict: a parse function either validates every
 * field of the message, including every extension through the registry, or
 * fails with a reason whose alert is the one the RFC names. Nothing is
 * half-parsed, so a handler changes no state until the whole message has been
 * accepted. On failure the output struct's content is unspecified.
 *
 * Views, not copies: every ltls_bytes_t and list in a parsed struct points
 * into the buffer that was parsed. The struct is valid for as long as that
 * buffer is (for a message from the reassembler: until the next call to
 * ltls_msg_reasm_next()). Nothing here allocates except the reassembler.
 *
 * Lists come in two forms with one type: parsed lists keep the validated wire
 * bytes (wire) and are walked with the helpers below; lists built for writing
 * point at an array (vals / items). Writers accept both, so that
 * write(parse(x)) reproduces x byte for byte.
 *
 * Extensions: every extension block is held in an ltls_ext_set_t: the entries
 * in wire order (code point, registry id, raw body) plus one typed field per
 * known extension. The registry (msg/extensions/registry.c) knows, for every
 * extension lucidtls recognises, which messages it may appear in (the
 * RFC 8446 §4.2 table, plus TLS 1.2 ServerHello for later), and how to parse
 * and write it. Rules enforced in one place, for every message:
 *   - duplicates: illegal_parameter (EXT_DUPLICATE, §4.2 "MUST NOT be more
 *     than one extension of the same type"), known or unknown;
 *   - a recognised extension outside its messages: illegal_parameter
 *     (EXT_FORBIDDEN, §4.2);
 *   - an unknown extension (GREASE included): ignored and counted in a
 *     ClientHello, CertificateRequest (§4.3.2 "Clients MUST ignore
 *     unrecognized extensions") and NewSessionTicket (§4.6.1, same words);
 *     in ServerHello, HelloRetryRequest, EncryptedExtensions and Certificate
 *     it cannot answer anything we offered, so unsupported_extension
 *     (EXT_UNSOLICITED, §4.2);
 *   - whether a *known* extension in a response was offered is the
 *     handler's question: set->present records what arrived and
 *     ltls_ext_check_solicited() answers it (§4.2, unsupported_extension).
 *
 * GREASE (RFC 8701): GREASE code points are never an error where a peer may
 * send them (extension types in ClientHello, CertificateRequest and
 * NewSessionTicket; cipher suites, groups, key shares, signature schemes,
 * versions and PSK modes in lists) and are skipped by ltls_u16_list_next().
 * A server selecting one (cipher suite, version, key share group) fails with
 * MSG_GREASE_SELECTED (RFC 8701 §3). ALPN names are not code points and are
 * not treated specially.
 *
 * Maxima (peer-controlled sizes, each rejected beyond with MSG_TOO_MANY or
 * MSG_TOO_LARGE in time linear in the bytes read so far):
 *   LTLS_MSG_MAX_EXTENSIONS      64 extensions in one block
 *   LTLS_MSG_MAX_KEY_SHARES      16 key shares in a ClientHello
 *   LTLS_MSG_MAX_PSK_IDENTITIES   8 PSK identities in a ClientHello
 *   LTLS_MSG_MAX_DEFAULT     64 KiB handshake message body (reassembler)
 *   LTLS_MSG_MAX_HARD         1 MiB the largest limit a caller may set
 * All other lists (cipher suites, groups, signature schemes, versions, ALPN
 * names, certificate authorities, certificate entries, PSK modes) are views
 * with counts; their size is bounded only by their RFC vector, they cost no
 * memory and are walked in linear time. An ltls_ext_set_t is about 2.2 KB
 * (the 64 entries and the fixed arrays), so a parsed ClientHello is a
 * connection field or a static, not something to keep many of.
 */
#ifndef LTLS_MSG_MSG_H
#define LTLS_MSG_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "core/writer.h"
#include "lucidtls/alloc.h"
#include "lucidtls/error.h"

/* ------------------------------------------------------------------------
 * Constants
 * ---------------------------------------------------------------------- */

/* HandshakeType (RFC 8446 §4, §B.3; TLS 1.2 types from RFC 5246 §7.4 and
 * RFC 6066 §8, compressed_certificate from RFC 8879). */
typedef enum ltls_msg_type {
    LTLS_MSG_HELLO_REQUEST = 0,         /* TLS 1.2 */
    LTLS_MSG_CLIENT_HELLO = 1,
    LTLS_MSG_SERVER_HELLO = 2,          /* also HelloRetryRequest (§4.1.3) */
    LTLS_MSG_NEW_SESSION_TICKET = 4,
    LTLS_MSG_END_OF_EARLY_DATA = 5,
    LTLS_MSG_ENCRYPTED_EXTENSIONS = 8,
    LTLS_MSG_CERTIFICATE = 11,
    LTLS_MSG_SERVER_KEY_EXCHANGE = 12,  /* TLS 1.2 */
    LTLS_MSG_CERTIFICATE_REQUEST = 13,
    LTLS_MSG_SERVER_HELLO_DONE = 14,    /* TLS 1.2 */
    LTLS_MSG_CERTIFICATE_VERIFY = 15,
    LTLS_MSG_CLIENT_KEY_EXCHANGE = 16,  /* TLS 1.2 */
    LTLS_MSG_FINISHED = 20,
    LTLS_MSG_CERTIFICATE_STATUS = 22,   /* TLS 1.2 (RFC 6066 §8) */
    LTLS_MSG_KEY_UPDATE = 24,
    LTLS_MSG_COMPRESSED_CERTIFICATE = 25, /* RFC 8879 */
    LTLS_MSG_MESSAGE_HASH = 254         /* synthetic, transcript only (§4.4.1) */
} ltls_msg_type_t;

#define LTLS_MSG_HEADER_SIZE 4
#define LTLS_MSG_RANDOM_SIZE 32
#define LTLS_MSG_SESSION_ID_MAX 32

#define LTLS_MSG_VERSION_TLS12 0x0303
#define LTLS_MSG_VERSION_TLS13 0x0304

/* §4.6.1: "Servers MUST NOT use any value greater than 604800 seconds". */
#define LTLS_MSG_TICKET_LIFETIME_MAX 604800u

/* KeyUpdateRequest (§4.6.3). */
#define LTLS_MSG_KEY_UPDATE_NOT_REQUESTED 0
#define LTLS_MSG_KEY_UPDATE_REQUESTED 1

/* PskKeyExchangeMode (§4.2.9). */
#define LTLS_MSG_PSK_KE 0
#define LTLS_MSG_PSK_DHE_KE 1

/* CertificateStatusType (RFC 6066 §8). */
#define LTLS_MSG_STATUS_OCSP 1

/* Maxima: see the comment at the top. */
#define LTLS_MSG_MAX_EXTENSIONS 64
#define LTLS_MSG_MAX_KEY_SHARES 16
#define LTLS_MSG_MAX_PSK_IDENTITIES 8
#define LTLS_MSG_MAX_DEFAULT ((size_t)1 << 16)
#define LTLS_MSG_MAX_HARD ((size_t)1 << 20)

/* HelloRetryRequest's ServerHello.random: SHA-256("HelloRetryRequest")
 * (§4.1.3). */
extern const uint8_t ltls_msg_hrr_random[LTLS_MSG_RANDOM_SIZE];

/* The downgrade sentinels a TLS 1.3 server puts in the last 8 bytes of
 * ServerHello.random when it negotiates TLS 1.2 or below (§4.1.3). */
extern const uint8_t ltls_msg_downgrade_tls12[8]; /* 44 4F 57 4E 47 52 44 01 */
extern const uint8_t ltls_msg_downgrade_tls11[8]; /* 44 4F 57 4E 47 52 44 00 */

typedef enum ltls_msg_downgrade {
    LTLS_MSG_DOWNGRADE_NONE = 0,
    LTLS_MSG_DOWNGRADE_TLS12 = 1, /* the random ends with ltls_msg_downgrade_tls12 */
    LTLS_MSG_DOWNGRADE_TLS11 = 2  /* ... with ltls_msg_downgrade_tls11 */
} ltls_msg_downgrade_t;

/* Which sentinel, if any, ends random (LTLS_MSG_RANDOM_SIZE bytes). A client
 * that offered TLS 1.3 and negotiated less MUST check it (§4.1.3). */
ltls_msg_downgrade_t ltls_msg_downgrade(const uint8_t *random);

/* 1 if v is a GREASE code point (RFC 8701 §2: 0x?A?A with equal bytes). */
static inline int ltls_msg_is_grease(uint16_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* ------------------------------------------------------------------------
 * Views and lists
 * ---------------------------------------------------------------------- */

typedef struct ltls_bytes {
    const uint8_t *p;
    size_t len;
} ltls_bytes_t;

/* A list of 16-bit code points (cipher suites, groups, signature schemes,
 * versions). Parsed: wire holds count big-endian values. Built: vals holds
 * count values and wire is NULL. */
typedef struct ltls_u16_list {
    const uint8_t *wire;
    const uint16_t *vals;
    size_t count;
} ltls_u16_list_t;

/* The i-th value (i < count), GREASE included. */
uint16_t ltls_u16_list_at(const ltls_u16_list_t *l, size_t i);
/* 1 if v is in the list. */
int ltls_u16_list_has(const ltls_u16_list_t *l, uint16_t v);
/* Walks the list skipping GREASE values: *i starts at 0; returns 1 with *v
 * set, or 0 at the end. */
int ltls_u16_list_next(const ltls_u16_list_t *l, size_t *i, uint16_t *v);

/* A list of length-prefixed opaque items (ALPN names, distinguished names,
 * OCSP responder ids). Parsed: wire is the validated vector body and prefix
 * the items' length-prefix size (1 or 2). Built: items[0..count). */
typedef struct ltls_blob_list {
    ltls_bytes_t wire;
    const ltls_bytes_t *items;
    size_t count;
    uint8_t prefix;
} ltls_blob_list_t;

/* An iterator position for ltls_blob_list_next() and
 * ltls_msg_certificate_next(); start from {0, 0}. */
typedef struct ltls_iter {
    size_t off;
    size_t idx;
} ltls_iter_t;

/* Returns 1 with the next item in *out, or 0 at the end. */
int ltls_blob_list_next(const ltls_blob_list_t *l, ltls_iter_t *it, ltls_bytes_t *out);

/* ------------------------------------------------------------------------
 * Extensions
 * ---------------------------------------------------------------------- */

/* ExtensionType code points (IANA TLS ExtensionType Values). */
enum {
    LTLS_EXT_CODE_SERVER_NAME = 0,
    LTLS_EXT_CODE_MAX_FRAGMENT_LENGTH = 1,
    LTLS_EXT_CODE_STATUS_REQUEST = 5,
    LTLS_EXT_CODE_SUPPORTED_GROUPS = 10,
    LTLS_EXT_CODE_EC_POINT_FORMATS = 11,
    LTLS_EXT_CODE_SIGNATURE_ALGORITHMS = 13,
    LTLS_EXT_CODE_USE_SRTP = 14,
    LTLS_EXT_CODE_HEARTBEAT = 15,
    LTLS_EXT_CODE_ALPN = 16,
    LTLS_EXT_CODE_SIGNED_CERTIFICATE_TIMESTAMP = 18,
    LTLS_EXT_CODE_CLIENT_CERTIFICATE_TYPE = 19,
    LTLS_EXT_CODE_SERVER_CERTIFICATE_TYPE = 20,
    LTLS_EXT_CODE_PADDING = 21,
    LTLS_EXT_CODE_ENCRYPT_THEN_MAC = 22,
    LTLS_EXT_CODE_EXTENDED_MASTER_SECRET = 23,
    LTLS_EXT_CODE_COMPRESS_CERTIFICATE = 27,
    LTLS_EXT_CODE_RECORD_SIZE_LIMIT = 28,
    LTLS_EXT_CODE_SESSION_TICKET = 35,
    LTLS_EXT_CODE_PRE_SHARED_KEY = 41,
    LTLS_EXT_CODE_EARLY_DATA = 42,
    LTLS_EXT_CODE_SUPPORTED_VERSIONS = 43,
    LTLS_EXT_CODE_COOKIE = 44,
    LTLS_EXT_CODE_PSK_KEY_EXCHANGE_MODES = 45,
    LTLS_EXT_CODE_CERTIFICATE_AUTHORITIES = 47,
    LTLS_EXT_CODE_OID_FILTERS = 48,
    LTLS_EXT_CODE_POST_HANDSHAKE_AUTH = 49,
    LTLS_EXT_CODE_SIGNATURE_ALGORITHMS_CERT = 50,
    LTLS_EXT_CODE_KEY_SHARE = 51,
    LTLS_EXT_CODE_QUIC_TRANSPORT_PARAMETERS = 57,
    LTLS_EXT_CODE_ENCRYPTED_CLIENT_HELLO = 0xfe0d,
    LTLS_EXT_CODE_RENEGOTIATION_INFO = 0xff01
};

/* Registry ids: an extension's index in the registry and its bit in
 * ltls_ext_set_t.present. Not wire values. */
typedef enum ltls_ext_id {
    /* parsed into typed fields */
    LTLS_EXT_SERVER_NAME,
    LTLS_EXT_STATUS_REQUEST,
    LTLS_EXT_SUPPORTED_GROUPS,
    LTLS_EXT_SIGNATURE_ALGORITHMS,
    LTLS_EXT_ALPN,
    LTLS_EXT_PADDING,
    LTLS_EXT_RECORD_SIZE_LIMIT,
    LTLS_EXT_PRE_SHARED_KEY,
    LTLS_EXT_EARLY_DATA,
    LTLS_EXT_SUPPORTED_VERSIONS,
    LTLS_EXT_COOKIE,
    LTLS_EXT_PSK_KEY_EXCHANGE_MODES,
    LTLS_EXT_CERTIFICATE_AUTHORITIES,
    LTLS_EXT_POST_HANDSHAKE_AUTH,
    LTLS_EXT_SIGNATURE_ALGORITHMS_CERT,
    LTLS_EXT_KEY_SHARE,
    /* recognised (their messages are checked) but kept as raw bodies until
     * a feature needs them: TLS 1.2, QUIC, ECH, RFC 7250, RFC 8879 ... */
    LTLS_EXT_MAX_FRAGMENT_LENGTH,
    LTLS_EXT_EC_POINT_FORMATS,
    LTLS_EXT_USE_SRTP,
    LTLS_EXT_HEARTBEAT,
    LTLS_EXT_SIGNED_CERTIFICATE_TIMESTAMP,
    LTLS_EXT_CLIENT_CERTIFICATE_TYPE,
    LTLS_EXT_SERVER_CERTIFICATE_TYPE,
    LTLS_EXT_ENCRYPT_THEN_MAC,
    LTLS_EXT_EXTENDED_MASTER_SECRET,
    LTLS_EXT_COMPRESS_CERTIFICATE,
    LTLS_EXT_SESSION_TICKET,
    LTLS_EXT_OID_FILTERS,
    LTLS_EXT_QUIC_TRANSPORT_PARAMETERS,
    LTLS_EXT_ENCRYPTED_CLIENT_HELLO,
    LTLS_EXT_RENEGOTIATION_INFO,
    LTLS_EXT_COUNT_,
    LTLS_EXT_UNKNOWN = 0xff /* an entry the registry does not know */
} ltls_ext_id_t;

/* The message an extension block belongs to (RFC 8446 §4.2's table). */
typedef enum ltls_ext_ctx {
    LTLS_EXT_CTX_CH = 0,   /* ClientHello */
    LTLS_EXT_CTX_SH = 1,   /* TLS 1.3 ServerHello */
    LTLS_EXT_CTX_HRR = 2,  /* HelloRetryRequest */
    LTLS_EXT_CTX_EE = 3,   /* EncryptedExtensions */
    LTLS_EXT_CTX_CT = 4,   /* one CertificateEntry of Certificate */
    LTLS_EXT_CTX_CR = 5,   /* CertificateRequest */
    LTLS_EXT_CTX_NST = 6,  /* NewSessionTicket */
    LTLS_EXT_CTX_SH12 = 7, /* TLS 1.2 (or older) ServerHello */
    LTLS_EXT_CTX_COUNT_
} ltls_ext_ctx_t;

#define LTLS_EXT_IN(ctx) ((uint16_t)(1u << (ctx)))
#define LTLS_EXT_IN_CH LTLS_EXT_IN(LTLS_EXT_CTX_CH)
#define LTLS_EXT_IN_SH LTLS_EXT_IN(LTLS_EXT_CTX_SH)
#define LTLS_EXT_IN_HRR LTLS_EXT_IN(LTLS_EXT_CTX_HRR)
#define LTLS_EXT_IN_EE LTLS_EXT_IN(LTLS_EXT_CTX_EE)
#define LTLS_EXT_IN_CT LTLS_EXT_IN(LTLS_EXT_CTX_CT)
#define LTLS_EXT_IN_CR LTLS_EXT_IN(LTLS_EXT_CTX_CR)
#define LTLS_EXT_IN_NST LTLS_EXT_IN(LTLS_EXT_CTX_NST)
#define LTLS_EXT_IN_SH12 LTLS_EXT_IN(LTLS_EXT_CTX_SH12)

#define LTLS_EXT_BIT(id) ((uint64_t)1 << (id))

/* One extension as it appears in a block. body/len is the extension_data;
 * for an entry added with ltls_ext_add() (written from the typed fields)
 * body is NULL. */
typedef struct ltls_ext_entry {
    const uint8_t *body;
    uint16_t code;
    uint16_t len;
    uint8_t id; /* ltls_ext_id_t, or LTLS_EXT_UNKNOWN */
} ltls_ext_entry_t;

/* A KeyShareEntry (§4.2.8). key_exchange is not checked against the group:
 * that is the key-exchange provider's job (its sizes per group). */
typedef struct ltls_key_share {
    uint16_t group;
    ltls_bytes_t key_exchange;
} ltls_key_share_t;

typedef struct ltls_ext_key_share {
    ltls_key_share_t shares[LTLS_MSG_MAX_KEY_SHARES]; /* CH: client_shares, in order */
    size_t count;
    ltls_key_share_t server;                          /* SH: server_share */
    uint16_t selected_group;                          /* HRR */
} ltls_ext_key_share_t;

/* A PskIdentity with its binder (§4.2.11). When writing, a binder with p ==
 * NULL is a placeholder of len zero bytes (see ltls_msg_write_client_hello). */
typedef struct ltls_psk_identity {
    ltls_bytes_t identity;
    uint32_t obfuscated_ticket_age;
    ltls_bytes_t binder;
} ltls_psk_identity_t;

typedef struct ltls_ext_psk {
    ltls_psk_identity_t ids[LTLS_MSG_MAX_PSK_IDENTITIES]; /* CH */
    size_t count;
    uint16_t selected; /* SH: selected_identity */
} ltls_ext_psk_t;

/* status_request (RFC 6066 §8, RFC 8446 §4.4.2.1). */
typedef struct ltls_ext_status {
    uint8_t type;                    /* CH, CT: CertificateStatusType */
    ltls_blob_list_t responder_ids;  /* CH, ocsp: ResponderID list (DER) */
    ltls_bytes_t request_extensions; /* CH, ocsp: DER Extensions, may be empty */
    ltls_bytes_t other_request;      /* CH, a type other than ocsp: the raw request */
    ltls_bytes_t response;           /* CT: the DER OCSPResponse */
} ltls_ext_status_t;

/*
 * One extension block, parsed or to be written. The typed fields are valid
 * for the extensions whose bit is in present; which form a field takes
 * depends on ctx (noted per field). Empty-bodied extensions (early_data in
 * CH/EE, post_handshake_auth, server_name in EE, status_request in CR) are
 * just their bit.
 */
typedef struct ltls_ext_set {
    uint64_t present;      /* LTLS_EXT_BIT(id) for each known extension present */
    uint8_t ctx;           /* ltls_ext_ctx_t of the message */
    uint16_t count;        /* entries used */
    uint16_t unknown;      /* unknown extensions ignored (CH, CR, NST), GREASE included */
    uint16_t grease;       /* of which GREASE code points */
    ltls_ext_entry_t entries[LTLS_MSG_MAX_EXTENSIONS];

    ltls_bytes_t server_name;                  /* CH: the host_name (ASCII, no NUL) */
    ltls_ext_status_t status;                  /* CH, CT */
    ltls_u16_list_t supported_groups;          /* CH, EE */
    ltls_u16_list_t signature_algorithms;      /* CH, CR */
    ltls_u16_list_t signature_algorithms_cert; /* CH, CR */
    ltls_blob_list_t alpn;                     /* CH: offered names; EE/SH12: exactly one */
    size_t padding_len;                        /* CH: bytes of padding (contents ignored) */
    uint16_t record_size_limit;                /* CH, EE, SH12: >= 64 */
    ltls_ext_psk_t psk;                        /* CH: identities; SH: selected */
    uint32_t max_early_data_size;              /* NST */
    ltls_u16_list_t supported_versions;        /* CH */
    uint16_t selected_version;                 /* SH, HRR */
    ltls_bytes_t cookie;                       /* CH, HRR */
    ltls_bytes_t psk_modes;                    /* CH: PskKeyExchangeMode bytes */
    ltls_blob_list_t certificate_authorities;  /* CH, CR: DER DistinguishedNames */
    ltls_ext_key_share_t key_share;            /* CH, SH, HRR */
} ltls_ext_set_t;

/* 1 if the known extension id is present. */
static inline int ltls_ext_has(const ltls_ext_set_t *s, ltls_ext_id_t id)
{
    return (s->present & LTLS_EXT_BIT(id)) != 0;
}

/* The registry's name for a code point ("key_share"), or NULL if unknown. */
const char *ltls_ext_name(uint16_t code);
/* The registry id of a code point, or LTLS_EXT_UNKNOWN. */
ltls_ext_id_t ltls_ext_id(uint16_t code);
/* The code point of a registry id (id < LTLS_EXT_COUNT_). */
uint16_t ltls_ext_code(ltls_ext_id_t id);
/* LTLS_EXT_IN_* mask of the messages id may appear in. */
uint16_t ltls_ext_allowed(ltls_ext_id_t id);

/*
 * Parses one extension block's body (the bytes inside Extension
 * extensions<..>) for message ctx into *set, applying every registry rule
 * above. Messages call it for their own blocks; a handler calls it for a
 * CertificateEntry's ext_block (ctx CT) when it needs the entry's extensions.
 * Errors: DECODE_*, MSG_TOO_MANY, EXT_DUPLICATE, EXT_FORBIDDEN,
 * EXT_UNSOLICITED, EXT_PSK_NOT_LAST (CH), and each extension's own.
 */
ltls_err_t ltls_ext_parse_block(ltls_ext_ctx_t ctx, const uint8_t *p, size_t len,
                                ltls_ext_set_t *set);

/* The response check left to the handler (§4.2): every known extension in
 * the response set must be in offered (a mask of LTLS_EXT_BIT()s, normally
 * the present mask of the request), except cookie in a HelloRetryRequest.
 * EXT_UNSOLICITED (unsupported_extension) otherwise. */
ltls_err_t ltls_ext_check_solicited(const ltls_ext_set_t *response, uint64_t offered);

/* Building a block to write: init, fill the typed fields, add ids in the
 * order they are to appear. ltls_ext_add_raw() adds an extension with a given
 * body (GREASE, or a recognised extension not parsed into fields); body must
 * outlive the set. Errors: BAD_ARGUMENT (a duplicate, an id out of range),
 * MSG_TOO_MANY. */
void ltls_ext_set_init(ltls_ext_set_t *s, ltls_ext_ctx_t ctx);
ltls_err_t ltls_ext_add(ltls_ext_set_t *s, ltls_ext_id_t id);
ltls_err_t ltls_ext_add_raw(ltls_ext_set_t *s, uint16_t code, const uint8_t *body, size_t len);

/* Writes the block with its 2-byte length prefix. A known extension not
 * allowed in ctx, pre_shared_key not last in a ClientHello, or an invalid
 * typed value (a vector outside its RFC bounds, an invalid host name, a
 * record_size_limit below 64, two key shares for one group, a selected
 * version below TLS 1.3, an ALPN answer of other than one name) make the
 * writer fail with BAD_ARGUMENT. */
void ltls_ext_write_block(ltls_writer_t *w, ltls_ext_ctx_t ctx, const ltls_ext_set_t *s);

/* ------------------------------------------------------------------------
 * Messages
 *
 * Parse functions take the body (after the 4-byte header) as given by the
 * reassembler. Write functions append the whole message, header included,
 * to a writer; errors are collected in the writer (ltls_writer_finish()).
 * ---------------------------------------------------------------------- */

/* Splits a whole message (header included): the header's length must match
 * len exactly (DECODE_TRUNCATED / DECODE_TRAILING). */
ltls_err_t ltls_msg_parse_header(const uint8_t *msg, size_t len, uint8_t *type, ltls_bytes_t *body);

/* Opens a message of the given type in w; close it with ltls_msg_end(). */
ltls_writer_vec_t ltls_msg_begin(ltls_writer_t *w, uint8_t type);
void ltls_msg_end(ltls_writer_t *w, ltls_writer_vec_t v);

/* ClientHello (§4.1.2). */
typedef struct ltls_client_hello {
    uint16_t legacy_version;     /* as sent; a server ignores it when supported_versions is
                                    present (§4.2.1), so it is not checked here */
    const uint8_t *random;       /* LTLS_MSG_RANDOM_SIZE bytes */
    ltls_bytes_t session_id;     /* legacy_session_id <0..32> */
    ltls_u16_list_t cipher_suites;
    ltls_bytes_t compression_methods;
    uint8_t no_extensions;       /* a pre-TLS-1.3 hello that ends after compression_methods */
    uint8_t offers_tls13;        /* parse: supported_versions lists 0x0304 (§9.2) */
    size_t binders_off;          /* parse: offset of the PSK binders vector from the start of
                                    the message, header included (0: no pre_shared_key) */
    ltls_ext_set_t exts;
} ltls_client_hello_t;

/*
 * Checks, besides every vector bound and the extension rules:
 *   - a ClientHello offering TLS 1.3 has compression_methods exactly {0};
 *     any other must include null (MSG_LEGACY_COMPRESSION, §4.1.2);
 *   - a ClientHello offering TLS 1.3 has an extension block of >= 8 bytes;
 *   - pre_shared_key, if present, is last (EXT_PSK_NOT_LAST, §4.2.11).
 * The §9.2 cross-extension rules are ltls_msg_client_hello_check_tls13(),
 * for the server once it has chosen TLS 1.3.
 */
ltls_err_t ltls_msg_parse_client_hello(const uint8_t *body, size_t len, ltls_client_hello_t *out);

/* §9.2 for a ClientHello offering TLS 1.3: without pre_shared_key it has
 * signature_algorithms and supported_groups; supported_groups and key_share
 * come together; pre_shared_key comes with psk_key_exchange_modes (§4.2.9).
 * EXT_MISSING (missing_extension) otherwise. */
ltls_err_t ltls_msg_client_hello_check_tls13(const ltls_client_hello_t *ch);

/*
 * Writes a ClientHello. If pad_to is non-zero, the padding extension (which
 * ch->exts must contain, wherever the caller wants it; BAD_ARGUMENT if not)
 * is sized so that the whole message is pad_to bytes, or left empty if the
 * message is already that long (RFC 7685 §4); otherwise exts.padding_len is
 * used. If the hello has pre_shared_key, binders whose p is NULL are written
 * as zeros, and *binders_off (may be NULL) receives the offset of the binders
 * vector from the start of the message: the message truncated there is
 * Truncate(ClientHello) of §4.2.11.2, and ltls_msg_client_hello_fill_binders()
 * then writes the real binders. Without pre_shared_key, *binders_off = 0.
 */
void ltls_msg_write_client_hello(ltls_writer_t *w, const ltls_client_hello_t *ch, size_t pad_to,
                                 size_t *binders_off);

/* Replaces the binders of a written ClientHello msg[0..len) whose binders
 * vector starts at binders_off with binders[0..n), which must have the
 * placeholders' count and lengths. BAD_ARGUMENT otherwise. */
ltls_err_t ltls_msg_client_hello_fill_binders(uint8_t *msg, size_t len, size_t binders_off,
                                              const ltls_bytes_t *binders, size_t n);

/* ServerHello (§4.1.3) or HelloRetryRequest (§4.1.4). */
typedef struct ltls_server_hello {
    uint16_t legacy_version;
    const uint8_t *random;        /* LTLS_MSG_RANDOM_SIZE bytes; ignored when writing a HRR */
    ltls_bytes_t session_id_echo; /* <0..32>; compared with ours by the client handler */
    uint16_t cipher_suite;
    uint8_t compression_method;
    uint8_t is_hrr;               /* random is the HelloRetryRequest value */
    uint8_t is_tls13;             /* parse: supported_versions present (TLS 1.3 SH or HRR) */
    uint8_t no_extensions;        /* a TLS 1.2 or older hello without extensions */
    ltls_ext_set_t exts;          /* ctx SH, HRR, or SH12 for TLS 1.2 and older */
} ltls_server_hello_t;

/*
 * Checks, besides bounds and the extension rules (ctx chosen from the random
 * and supported_versions): legacy_compression_method is 0
 * (MSG_LEGACY_COMPRESSION); for TLS 1.3 legacy_version is 0x0303
 * (MSG_LEGACY_VERSION, §4.1.3) and supported_versions selects >= 0x0304
 * (EXT_VERSION, §4.2.1); a HelloRetryRequest has supported_versions
 * (EXT_MISSING, §4.1.4); GREASE is never selected (MSG_GREASE_SELECTED).
 */
ltls_err_t ltls_msg_parse_server_hello(const uint8_t *body, size_t len, ltls_server_hello_t *out);
void ltls_msg_write_server_hello(ltls_writer_t *w, const ltls_server_hello_t *sh);

/* EncryptedExtensions (§4.3.1). */
typedef struct ltls_encrypted_extensions {
    ltls_ext_set_t exts;
} ltls_encrypted_extensions_t;

ltls_err_t ltls_msg_parse_encrypted_extensions(const uint8_t *body, size_t len,
                                               ltls_encrypted_extensions_t *out);
void ltls_msg_write_encrypted_extensions(ltls_writer_t *w, const ltls_encrypted_extensions_t *ee);

/* CertificateRequest (§4.3.2); signature_algorithms is required (EXT_MISSING). */
typedef struct ltls_certificate_request {
    ltls_bytes_t context; /* certificate_request_context <0..255> */
    ltls_ext_set_t exts;
} ltls_certificate_request_t;

ltls_err_t ltls_msg_parse_certificate_request(const uint8_t *body, size_t len,
                                              ltls_certificate_request_t *out);
void ltls_msg_write_certificate_request(ltls_writer_t *w, const ltls_certificate_request_t *cr);

/* A CertificateEntry (§4.4.2): cert_data is an X.509 certificate or, with
 * RFC 7250, a SubjectPublicKeyInfo (same wire form). Parsed entries give
 * ext_block (the validated extensions body; parse it with
 * ltls_ext_parse_block(LTLS_EXT_CTX_CT, ...) when needed) and exts NULL.
 * When writing, exts (if not NULL) is written, else ext_block as it is. */
typedef struct ltls_cert_entry {
    ltls_bytes_t data;
    ltls_bytes_t ext_block;
    const ltls_ext_set_t *exts;
} ltls_cert_entry_t;

/* Certificate (§4.4.2). Parsed: list is the validated certificate_list body
 * and count its entries; built: items[0..count). */
typedef struct ltls_certificate {
    ltls_bytes_t context;
    ltls_bytes_t list;
    const ltls_cert_entry_t *items;
    size_t count;
} ltls_certificate_t;

ltls_err_t ltls_msg_parse_certificate(const uint8_t *body, size_t len, ltls_certificate_t *out);
void ltls_msg_write_certificate(ltls_writer_t *w, const ltls_certificate_t *c);
/* Returns 1 with the next entry (the first is the end-entity), or 0. */
int ltls_msg_certificate_next(const ltls_certificate_t *c, ltls_iter_t *it, ltls_cert_entry_t *out);

/* CertificateVerify (§4.4.3). The scheme is checked against the offer by the
 * handler (a GREASE scheme simply matches nothing). */
typedef struct ltls_certificate_verify {
    uint16_t scheme;
    ltls_bytes_t signature; /* <0..2^16-1> */
} ltls_certificate_verify_t;

ltls_err_t ltls_msg_parse_certificate_verify(const uint8_t *body, size_t len,
                                             ltls_certificate_verify_t *out);
void ltls_msg_write_certificate_verify(ltls_writer_t *w, const ltls_certificate_verify_t *cv);

/* Finished (§4.4.4): verify_data is the whole body, Hash.length bytes. A
 * hash_len of 0 leaves the length to the caller. MSG_FINISHED_LENGTH. */
typedef struct ltls_finished {
    ltls_bytes_t verify_data;
} ltls_finished_t;

ltls_err_t ltls_msg_parse_finished(const uint8_t *body, size_t len, size_t hash_len,
                                   ltls_finished_t *out);
void ltls_msg_write_finished(ltls_writer_t *w, const ltls_finished_t *f);

/* NewSessionTicket (§4.6.1); lifetime <= 604800 (MSG_TICKET_LIFETIME). */
typedef struct ltls_new_session_ticket {
    uint32_t lifetime;
    uint32_t age_add;
    ltls_bytes_t nonce;  /* <0..255> */
    ltls_bytes_t ticket; /* <1..2^16-1> */
    ltls_ext_set_t exts;
} ltls_new_session_ticket_t;

ltls_err_t ltls_msg_parse_new_session_ticket(const uint8_t *body, size_t len,
                                             ltls_new_session_ticket_t *out);
void ltls_msg_write_new_session_ticket(ltls_writer_t *w, const ltls_new_session_ticket_t *nst);

/* KeyUpdate (§4.6.3): request_update 0 or 1, else MSG_KEY_UPDATE_VALUE. */
typedef struct ltls_key_update {
    uint8_t request_update;
} ltls_key_update_t;

ltls_err_t ltls_msg_parse_key_update(const uint8_t *body, size_t len, ltls_key_update_t *out);
void ltls_msg_write_key_update(ltls_writer_t *w, const ltls_key_update_t *ku);

/* EndOfEarlyData (§4.5): an empty body (DECODE_TRAILING otherwise). */
ltls_err_t ltls_msg_parse_end_of_early_data(const uint8_t *body, size_t len);
void ltls_msg_write_end_of_early_data(ltls_writer_t *w);

/* Any one message's parsed form, for code that dispatches on the
 * HandshakeType (the state machine; the codec's tests and fuzzer). */
typedef union ltls_msg_any {
    ltls_client_hello_t ch;
    ltls_server_hello_t sh;
    ltls_encrypted_extensions_t ee;
    ltls_certificate_request_t cr;
    ltls_certificate_t cert;
    ltls_certificate_verify_t cv;
    ltls_finished_t fin;
    ltls_new_session_ticket_t nst;
    ltls_key_update_t ku;
} ltls_msg_any_t;

/* Parses `body` as a message of HandshakeType `type` with that type's parser
 * above, into the member of *out named for it (EndOfEarlyData has none and
 * leaves *out alone); hash_len is ltls_msg_parse_finished's. Views point into
 * body, as each parser documents.
 * Errors: the type's parser's; LTLS_R_INTERNAL for a type without a parser
 * here (a caller's bug: the type should have been refused before). */
ltls_err_t ltls_msg_parse_any(uint8_t type, const uint8_t *body, size_t len, size_t hash_len,
                              ltls_msg_any_t *out);

/* ------------------------------------------------------------------------
 * Handshake reassembly (RFC 8446 §5.1)
 *
 * Handshake messages may be split across records and a record may hold
 * several messages. Feed each handshake record's content to
 * ltls_msg_reasm_next() until it is consumed:
 *
 *     size_t off = 0, used;
 *     while (off < rec.len) {
 *         err = ltls_msg_reasm_next(&ra, rec.content + off, rec.len - off, &used, &m);
 *         off += used;
 *         if (err == WANT_READ) break;       (all of it buffered; next record)
 *         if (err) fail;
 *         handle(m);                          (m is valid until the next call)
 *         if (m changed the keys) check ltls_msg_reasm_key_change(&ra, rec.len - off);
 *     }
 *
 * A message that lies whole in the input is returned as a view into it,
 * without copying or allocating. Only a message that is split is copied into
 * the reassembler's buffer, which grows (geometrically, never beyond the
 * announced size) through the allocator and is kept for reuse until
 * ltls_msg_reasm_trim() or _free(). The announced length is checked against
 * the limit as soon as the 4-byte header is known (MSG_TOO_LARGE), before any
 * of the body is waited for or buffered.
 * ---------------------------------------------------------------------- */

typedef struct ltls_msg {
    uint8_t type;
    const uint8_t *msg; /* the whole message, header included (for the transcript) */
    size_t msg_len;
    const uint8_t *body;
    size_t body_len;
} ltls_msg_t;

typedef struct ltls_msg_reasm {
    const ltls_allocator_t *alloc;
    size_t max_body;      /* limit for every type but the certificates */
    size_t max_cert_body; /* limit for Certificate and CompressedCertificate */
    uint8_t head[LTLS_MSG_HEADER_SIZE];
    uint8_t head_len;     /* header bytes of a split message received so far */
    uint8_t delivered;    /* the last message returned lives in buf */
    uint8_t *buf;         /* the split message, header included */
    size_t cap;
    size_t have;          /* bytes in buf */
    size_t need;          /* the split message's full size, once its header is known */
} ltls_msg_reasm_t;

/* max_body and max_cert_body of 0 select LTLS_MSG_MAX_DEFAULT; each may be
 * at most LTLS_MSG_MAX_HARD (BAD_ARGUMENT). alloc may be NULL (malloc) and
 * must outlive the reassembler. */
ltls_err_t ltls_msg_reasm_init(ltls_msg_reasm_t *r, const ltls_allocator_t *alloc,
                               size_t max_body, size_t max_cert_body);

/*
 * Takes bytes from in[0..len) (len > 0) and sets *used to how many it
 * consumed. OK: *out is a whole message (a view into in or into the
 * reassembler's buffer, valid until the next call or until in changes).
 * WANT_READ: all of in was consumed and no message is complete. Errors:
 * MSG_TOO_LARGE (illegal_parameter), OUT_OF_MEMORY, NULL_ARGUMENT; after an
 * error the reassembler is only fit for ltls_msg_reasm_free().
 */
ltls_err_t ltls_msg_reasm_next(ltls_msg_reasm_t *r, const uint8_t *in, size_t len, size_t *used,
                               ltls_msg_t *out);

/* 1 if part of a message is waiting for more bytes. */
int ltls_msg_reasm_pending(const ltls_msg_reasm_t *r);

/* Before a key change: "Handshake messages MUST NOT span key changes" and
 * the message causing it must end its record (§5.1). MSG_SPANS_KEY_CHANGE
 * (unexpected_message) if a message is partly received or record_left bytes
 * of the current record remain unread. */
ltls_err_t ltls_msg_reasm_key_change(const ltls_msg_reasm_t *r, size_t record_left);

/* Frees the buffer if no message is pending (after the handshake, so that an
 * established connection holds no reassembly memory). */
void ltls_msg_reasm_trim(ltls_msg_reasm_t *r);
/* Wipes and frees the buffer; r may then be initialised again. NULL is a no-op. */
void ltls_msg_reasm_free(ltls_msg_reasm_t *r);

#endif
