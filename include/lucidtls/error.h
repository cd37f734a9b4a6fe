/*
 * lucidtls/error.h - the one error type of lucidtls.
 *
 * Every fallible function returns an ltls_err_t. Zero means success. Any other
 * value packs three things into 32 bits, so that an error travels as a plain
 * value with nothing to free:
 *
 *   bits 24..31  class   (ltls_err_class_t: who is at fault, what to do next)
 *   bits 16..23  alert   (the TLS AlertDescription to send or that was received;
 *                         LTLS_ALERT_NONE where no alert applies)
 *   bits  0..15  reason  (ltls_reason_t: precisely what went wrong)
 *
 * The class and alert of a reason come from the reason table below, except for
 * LTLS_R_PEER_ALERT, whose alert is the one the peer sent. A connection keeps
 * the first error it hits and returns it from every later call (errors are
 * sticky); ltls_err_message() gives a sentence for logs and exceptions.
 */
#ifndef LUCIDTLS_ERROR_H
#define LUCIDTLS_ERROR_H

#include <stdint.h>

#include "lucidtls/export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef uint32_t ltls_err_t;

#define LTLS_OK ((ltls_err_t)0)

/* Who is at fault, and so what the caller does next. */
typedef enum ltls_err_class {
    LTLS_ECLASS_NONE = 0,
    LTLS_ECLASS_LOCAL_ALERT = 1, /* the peer's bytes broke the protocol; we send the alert */
    LTLS_ECLASS_PEER_ALERT = 2,  /* the peer sent a fatal alert (or close_notify) */
    LTLS_ECLASS_INTERNAL = 3,    /* a provider or allocation failure; internal_error is sent */
    LTLS_ECLASS_MISUSE = 4,      /* the caller broke an API contract; nothing is sent */
    LTLS_ECLASS_WANT_IO = 5      /* not an error: more input is needed or output must be drained */
} ltls_err_class_t;

/* TLS AlertDescription values (RFC 8446 §6, RFC 8449, RFC 7301). */
typedef enum ltls_alert {
    LTLS_ALERT_CLOSE_NOTIFY = 0,
    LTLS_ALERT_UNEXPECTED_MESSAGE = 10,
    LTLS_ALERT_BAD_RECORD_MAC = 20,
    LTLS_ALERT_RECORD_OVERFLOW = 22,
    LTLS_ALERT_HANDSHAKE_FAILURE = 40,
    LTLS_ALERT_BAD_CERTIFICATE = 42,
    LTLS_ALERT_UNSUPPORTED_CERTIFICATE = 43,
    LTLS_ALERT_CERTIFICATE_REVOKED = 44,
    LTLS_ALERT_CERTIFICATE_EXPIRED = 45,
    LTLS_ALERT_CERTIFICATE_UNKNOWN = 46,
    LTLS_ALERT_ILLEGAL_PARAMETER = 47,
    LTLS_ALERT_UNKNOWN_CA = 48,
    LTLS_ALERT_ACCESS_DENIED = 49,
    LTLS_ALERT_DECODE_ERROR = 50,
    LTLS_ALERT_DECRYPT_ERROR = 51,
    LTLS_ALERT_PROTOCOL_VERSION = 70,
    LTLS_ALERT_INSUFFICIENT_SECURITY = 71,
    LTLS_ALERT_INTERNAL_ERROR = 80,
    LTLS_ALERT_INAPPROPRIATE_FALLBACK = 86,
    LTLS_ALERT_USER_CANCELED = 90,
    LTLS_ALERT_MISSING_EXTENSION = 109,
    LTLS_ALERT_UNSUPPORTED_EXTENSION = 110,
    LTLS_ALERT_UNRECOGNIZED_NAME = 112,
    LTLS_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE = 113,
    LTLS_ALERT_UNKNOWN_PSK_IDENTITY = 115,
    LTLS_ALERT_CERTIFICATE_REQUIRED = 116,
    LTLS_ALERT_NO_APPLICATION_PROTOCOL = 120,
    LTLS_ALERT_NONE = 255 /* no alert applies (misuse, want-I/O) */
} ltls_alert_t;

/*
 * The reason table: X(name, class, alert, message). Each reason says exactly
 * what was wrong; the alert is the one the RFC names for it. New reasons are
 * appended within their group; the numeric values are not a stable ABI yet.
 */
#define LTLS_REASONS(X)                                                                      \
    /* --- progress, not failure ------------------------------------------------------ */ \
    X(WANT_READ, WANT_IO, NONE, "more input bytes are needed")                               \
    X(WANT_WRITE, WANT_IO, NONE, "pending output must be taken before going on")            \
    X(CLOSED, PEER_ALERT, CLOSE_NOTIFY, "the peer closed the connection (close_notify)")     \
    X(PEER_ALERT, PEER_ALERT, NONE, "the peer sent a fatal alert")                           \
    X(RAGGED_EOF, PEER_ALERT, NONE, "the transport closed without close_notify (the data may be truncated)") \
    /* --- API misuse ------------------------------------------------------------------ */ \
    X(NULL_ARGUMENT, MISUSE, NONE, "a required argument was NULL")                          \
    X(BAD_ARGUMENT, MISUSE, NONE, "an argument is out of its allowed range")                \
    X(BUFFER_TOO_SMALL, MISUSE, NONE, "the output buffer is too small")                     \
    X(BAD_STATE, MISUSE, NONE, "the call is not allowed in the object's current state")     \
    X(UNSUPPORTED_ALGORITHM, MISUSE, NONE, "the provider does not support this algorithm")  \
    X(KEY_TYPE_MISMATCH, MISUSE, NONE, "the key does not fit the requested algorithm")      \
    X(PASSWORD_REQUIRED, MISUSE, NONE, "the key file is encrypted and no password was given") \
    X(BAD_PASSWORD, MISUSE, NONE, "the password does not decrypt the key file")             \
    X(KEY_FORMAT, MISUSE, NONE, "the key file is not a supported PEM or DER private key")   \
    X(LIMIT_REACHED, MISUSE, NONE, "a usage limit of the key was reached; a key update is due") \
    X(PEM_INVALID, MISUSE, NONE, "malformed PEM text (RFC 7468)")                         \
    X(KEY_LEGACY_ENCRYPTION, MISUSE, NONE, "legacy PEM encryption (Proc-Type: 4,ENCRYPTED) is not supported; convert the key to encrypted PKCS#8") \
    /* --- internal ------------------------------------------------------------------- */  \
    X(OUT_OF_MEMORY, INTERNAL, INTERNAL_ERROR, "memory allocation failed")                  \
    X(PROVIDER, INTERNAL, INTERNAL_ERROR, "the crypto provider failed")                     \
    X(RANDOM, INTERNAL, INTERNAL_ERROR, "the random number generator failed")               \
    X(INTERNAL, INTERNAL, INTERNAL_ERROR, "internal error")                                 \
    X(TRANSCRIPT_FULL, INTERNAL, INTERNAL_ERROR, "too many handshake bytes arrived before the transcript hash was chosen") \
    /* --- decoding (any parser) -------------------------------------------------------- */ \
    X(DECODE_TRUNCATED, LOCAL_ALERT, DECODE_ERROR, "a field runs past the end of its message") \
    X(DECODE_TRAILING, LOCAL_ALERT, DECODE_ERROR, "unexpected bytes after the end of a field") \
    X(DECODE_LENGTH, LOCAL_ALERT, DECODE_ERROR, "a vector length is outside its allowed range") \
    X(DER_INVALID, LOCAL_ALERT, BAD_CERTIFICATE, "invalid or non-canonical DER encoding")  \
    /* --- record layer (RFC 8446 §5) ---------------------------------------------------- */ \
    X(RECORD_OVERFLOW, LOCAL_ALERT, RECORD_OVERFLOW, "a record is longer than allowed")      \
    X(RECORD_BAD_TYPE, LOCAL_ALERT, UNEXPECTED_MESSAGE, "a record has an unknown or forbidden content type") \
    X(RECORD_BAD_VERSION, LOCAL_ALERT, DECODE_ERROR, "a record has an invalid legacy_record_version") \
    X(RECORD_EMPTY, LOCAL_ALERT, UNEXPECTED_MESSAGE, "a zero-length handshake or alert record") \
    X(RECORD_NO_CONTENT_TYPE, LOCAL_ALERT, UNEXPECTED_MESSAGE, "a protected record has no non-zero content type") \
    X(BAD_RECORD_MAC, LOCAL_ALERT, BAD_RECORD_MAC, "a record failed authentication")        \
    X(RECORD_SEQ_EXHAUSTED, LOCAL_ALERT, INTERNAL_ERROR, "the record sequence number would wrap") \
    X(RECORD_BAD_CCS, LOCAL_ALERT, UNEXPECTED_MESSAGE, "a change_cipher_spec record is not the single byte 0x01") \
    /* --- X.509 and trust stores (RFC 5280, RFC 6125/9525; alerts per RFC 8446 §6.2) -- */ \
    X(CERT_MALFORMED, LOCAL_ALERT, BAD_CERTIFICATE, "a certificate is malformed") \
    X(CERT_EXPIRED, LOCAL_ALERT, CERTIFICATE_EXPIRED, "a certificate has expired") \
    X(CERT_NOT_YET_VALID, LOCAL_ALERT, CERTIFICATE_EXPIRED, "a certificate is not yet valid") \
    X(CERT_UNKNOWN_ISSUER, LOCAL_ALERT, UNKNOWN_CA, "no path to a trusted root: the issuer is unknown") \
    X(CERT_BAD_SIGNATURE, LOCAL_ALERT, BAD_CERTIFICATE, "a certificate's signature does not verify") \
    X(CERT_NOT_CA, LOCAL_ALERT, BAD_CERTIFICATE, "an issuing certificate is not a CA") \
    X(CERT_PATH_TOO_LONG, LOCAL_ALERT, BAD_CERTIFICATE, "the certificate path is too long") \
    X(CERT_NAME_CONSTRAINTS, LOCAL_ALERT, BAD_CERTIFICATE, "a name is excluded by an issuer's name constraints") \
    X(CERT_KEY_USAGE, LOCAL_ALERT, UNSUPPORTED_CERTIFICATE, "a certificate's key usage does not allow this use") \
    X(CERT_EXT_KEY_USAGE, LOCAL_ALERT, UNSUPPORTED_CERTIFICATE, "a certificate's extended key usage does not allow this purpose") \
    X(CERT_WEAK_ALGORITHM, LOCAL_ALERT, BAD_CERTIFICATE, "a certificate uses a weak or unsupported algorithm or key size") \
    X(CERT_UNKNOWN_CRITICAL, LOCAL_ALERT, UNSUPPORTED_CERTIFICATE, "a certificate has an unknown critical extension") \
    X(CERT_NAME_MISMATCH, LOCAL_ALERT, BAD_CERTIFICATE, "the certificate is not valid for the expected name") \
    X(CERT_WORK_LIMIT, LOCAL_ALERT, BAD_CERTIFICATE, "path building gave up: it exceeded its work budget") \
    X(CERT_NONE_FOUND, MISUSE, NONE, "no certificate was found in the input") \
    X(TRUST_IO, MISUSE, NONE, "a trust store file or directory could not be read") \
    X(TRUST_NOT_FOUND, MISUSE, NONE, "no system trust store was found") \
    X(TRUST_ID_UNSUPPORTED, MISUSE, NONE, "loading certificates by id is not supported") \
    /* --- handshake messages and extensions (src/msg) ---------------------------------- */ \
    X(MSG_TOO_LARGE, LOCAL_ALERT, ILLEGAL_PARAMETER, "a handshake message is longer than the configured maximum") \
    X(MSG_SPANS_KEY_CHANGE, LOCAL_ALERT, UNEXPECTED_MESSAGE, "a handshake message spans a key change (RFC 8446 §5.1)") \
    X(MSG_TOO_MANY, LOCAL_ALERT, ILLEGAL_PARAMETER, "more extensions, key shares or PSK identities than lucidtls accepts") \
    X(MSG_LEGACY_VERSION, LOCAL_ALERT, ILLEGAL_PARAMETER, "a TLS 1.3 ServerHello's legacy_version is not 0x0303 (RFC 8446 §4.1.3)") \
    X(MSG_LEGACY_COMPRESSION, LOCAL_ALERT, ILLEGAL_PARAMETER, "legacy compression other than null (RFC 8446 §4.1.2, §4.1.3)") \
    X(MSG_GREASE_SELECTED, LOCAL_ALERT, ILLEGAL_PARAMETER, "the server selected a GREASE value (RFC 8701 §3)") \
    X(MSG_FINISHED_LENGTH, LOCAL_ALERT, DECODE_ERROR, "Finished verify_data is not the hash length (RFC 8446 §4.4.4)") \
    X(MSG_TICKET_LIFETIME, LOCAL_ALERT, ILLEGAL_PARAMETER, "a ticket lifetime exceeds seven days (RFC 8446 §4.6.1)") \
    X(MSG_KEY_UPDATE_VALUE, LOCAL_ALERT, ILLEGAL_PARAMETER, "KeyUpdate request_update is neither 0 nor 1 (RFC 8446 §4.6.3)") \
    X(EXT_DUPLICATE, LOCAL_ALERT, ILLEGAL_PARAMETER, "an extension appears twice in one block (RFC 8446 §4.2)") \
    X(EXT_FORBIDDEN, LOCAL_ALERT, ILLEGAL_PARAMETER, "an extension is not allowed in this message (RFC 8446 §4.2)") \
    X(EXT_UNSOLICITED, LOCAL_ALERT, UNSUPPORTED_EXTENSION, "the peer answered with an extension that was not offered (RFC 8446 §4.2)") \
    X(EXT_MISSING, LOCAL_ALERT, MISSING_EXTENSION, "a required extension is missing (RFC 8446 §4.1.4, §4.3.2, §9.2)") \
    X(EXT_PSK_NOT_LAST, LOCAL_ALERT, ILLEGAL_PARAMETER, "pre_shared_key is not the last ClientHello extension (RFC 8446 §4.2.11)") \
    X(EXT_PSK_BINDERS, LOCAL_ALERT, ILLEGAL_PARAMETER, "pre_shared_key does not have one binder per identity (RFC 8446 §4.2.11)") \
    X(EXT_KEY_SHARE_DUPLICATE, LOCAL_ALERT, ILLEGAL_PARAMETER, "two key shares for the same group (RFC 8446 §4.2.8)") \
    X(EXT_SERVER_NAME, LOCAL_ALERT, ILLEGAL_PARAMETER, "server_name is not exactly one valid ASCII host name (RFC 6066 §3)") \
    X(EXT_ALPN, LOCAL_ALERT, ILLEGAL_PARAMETER, "the server's ALPN does not name exactly one protocol (RFC 7301 §3.1)") \
    X(EXT_RECORD_SIZE_LIMIT, LOCAL_ALERT, ILLEGAL_PARAMETER, "record_size_limit is below 64 (RFC 8449 §4)") \
    X(EXT_VERSION, LOCAL_ALERT, ILLEGAL_PARAMETER, "supported_versions selects a version before TLS 1.3 (RFC 8446 §4.2.1)") \
    X(EXT_STATUS_TYPE, LOCAL_ALERT, ILLEGAL_PARAMETER, "a certificate status is not an OCSP response (RFC 8446 §4.4.2.1)") \
    /* --- reserved for the handshake and the rest ---------------------------------------- */ \
    X(UNEXPECTED_MESSAGE, LOCAL_ALERT, UNEXPECTED_MESSAGE, "a message arrived that is not allowed in this state") \
    X(DECRYPT_ERROR, LOCAL_ALERT, DECRYPT_ERROR, "a signature or Finished value did not verify") \
    X(BAD_KEY_SHARE, LOCAL_ALERT, ILLEGAL_PARAMETER, "the peer's key share is invalid") \
    X(PROTOCOL_VERSION, LOCAL_ALERT, PROTOCOL_VERSION, "the peer does not support TLS 1.3") \
    X(DOWNGRADE_DETECTED, LOCAL_ALERT, ILLEGAL_PARAMETER, "the ServerHello random carries a downgrade sentinel (RFC 8446 4.1.3)") \
    X(BAD_VERSION, LOCAL_ALERT, ILLEGAL_PARAMETER, "the peer selected a protocol version we did not offer") \
    X(BAD_SESSION_ID_ECHO, LOCAL_ALERT, ILLEGAL_PARAMETER, "the server did not echo our legacy_session_id") \
    X(BAD_CIPHER_SUITE, LOCAL_ALERT, ILLEGAL_PARAMETER, "the server selected a cipher suite we did not offer") \
    X(BAD_GROUP, LOCAL_ALERT, ILLEGAL_PARAMETER, "a key share or selected group is not one that was offered") \
    X(HRR_NO_CHANGE, LOCAL_ALERT, ILLEGAL_PARAMETER, "the HelloRetryRequest would not change the ClientHello") \
    X(BAD_COOKIE, LOCAL_ALERT, ILLEGAL_PARAMETER, "the second ClientHello lacks our cookie or carries a forged one") \
    X(BAD_SECOND_HELLO, LOCAL_ALERT, ILLEGAL_PARAMETER, "the second ClientHello does not follow the HelloRetryRequest") \
    X(BAD_ALPN, LOCAL_ALERT, ILLEGAL_PARAMETER, "the server selected an ALPN protocol we did not offer") \
    X(NO_APPLICATION_PROTOCOL, LOCAL_ALERT, NO_APPLICATION_PROTOCOL, "no ALPN protocol in common") \
    X(NO_SHARED_CIPHER_SUITE, LOCAL_ALERT, HANDSHAKE_FAILURE, "no cipher suite in common") \
    X(NO_SHARED_GROUP, LOCAL_ALERT, HANDSHAKE_FAILURE, "no key-exchange group in common") \
    X(NO_CERTIFICATE_CHAIN, LOCAL_ALERT, HANDSHAKE_FAILURE, "no signing chain fits the client's signature_algorithms") \
    X(BAD_SIGSCHEME, LOCAL_ALERT, ILLEGAL_PARAMETER, "a CertificateVerify uses a scheme we did not offer or that does not fit the key") \
    X(BAD_CERTIFICATE_VERIFY, LOCAL_ALERT, DECRYPT_ERROR, "the CertificateVerify signature does not verify") \
    X(BAD_FINISHED, LOCAL_ALERT, DECRYPT_ERROR, "the Finished message does not match the handshake") \
    X(EMPTY_CERTIFICATE, LOCAL_ALERT, DECODE_ERROR, "the server sent an empty Certificate") \
    X(CERTIFICATE_REQUIRED, LOCAL_ALERT, CERTIFICATE_REQUIRED, "the client sent no certificate and one is required") \
    X(BAD_CERT_CONTEXT, LOCAL_ALERT, ILLEGAL_PARAMETER, "a certificate_request_context does not match") \
    X(PEER_KEY_UNSUPPORTED, LOCAL_ALERT, UNSUPPORTED_CERTIFICATE, "the peer's certificate key cannot be used") \
    X(HS_INTERLEAVED, LOCAL_ALERT, UNEXPECTED_MESSAGE, "another record arrived inside a fragmented handshake message") \
    X(BAD_ALERT, LOCAL_ALERT, DECODE_ERROR, "an alert record does not hold exactly one alert") \
    X(RECORD_FLOOD, LOCAL_ALERT, UNEXPECTED_MESSAGE, "too many records in a row carried nothing") \
    /* --- the socket helper (src/io): the network failed, not TLS; no alert is sent ------- */ \
    X(RESOLVE, INTERNAL, NONE, "the host name could not be resolved") \
    X(CONNECT, INTERNAL, NONE, "no TCP connection could be made to the host") \
    X(SOCKET_IO, INTERNAL, NONE, "a socket operation failed") \
    X(SOCKET_TIMEOUT, INTERNAL, NONE, "the network operation timed out")

typedef enum ltls_reason {
    LTLS_R_NONE = 0,
#define LTLS_X_ENUM(name, cls, alert, msg) LTLS_R_##name,
    LTLS_REASONS(LTLS_X_ENUM)
#undef LTLS_X_ENUM
    LTLS_R_COUNT_
} ltls_reason_t;

/* The error value for a reason, with the class and alert from the table. */
LTLS_API ltls_err_t ltls_err_make(ltls_reason_t reason);

/* The error value for a fatal alert received from the peer. */
LTLS_API ltls_err_t ltls_err_peer_alert(uint8_t alert);

static inline ltls_err_class_t ltls_err_class(ltls_err_t e) { return (ltls_err_class_t)(e >> 24); }
static inline uint8_t ltls_err_alert(ltls_err_t e) { return (uint8_t)((e >> 16) & 0xff); }
static inline ltls_reason_t ltls_err_reason(ltls_err_t e) { return (ltls_reason_t)(e & 0xffff); }

/* Static, NUL-terminated text; never NULL. */
LTLS_API const char *ltls_err_message(ltls_err_t e);   /* the reason's sentence */
LTLS_API const char *ltls_err_reason_name(ltls_err_t e); /* e.g. "BAD_RECORD_MAC" */
LTLS_API const char *ltls_alert_name(uint8_t alert);    /* e.g. "bad_record_mac"; "unknown" otherwise */

#ifdef __cplusplus
}
#endif
#endif
