/*
 * msg/extensions/opaque.c - extensions lucidtls recognises but does not
 * interpret yet.
 *
 * Knowing an extension's messages is what lets the registry apply RFC 8446
 * §4.2 to it: a recognised extension outside its messages is
 * illegal_parameter, and a server answer carrying it is checked against the
 * offer like any other. Until a feature needs its contents, the body stays a
 * raw view in the set's entry (no parse, no write: written back as it came).
 * The masks are the IANA registry's TLS 1.3 column (RFC 8446 §4.2, RFC 8879,
 * RFC 9001 §8.2, the ECH specification) plus TLS 1.2 ServerHello for the
 * extensions a TLS 1.2 server answers with; TLS 1.2-only extensions are
 * allowed in ClientHello because a hello offering TLS 1.2 and 1.3 carries
 * them.
 */
#include "msg/extensions/ext.h"

#define RAW(sym, code_, id_, allowed_, name_) \
    const ltls_ext_desc_t sym = {code_, id_, allowed_, name_, NULL, NULL}

/* RFC 6066 §4; deprecated by RFC 8449 but still sent. */
RAW(ltls_ext_desc_max_fragment_length, LTLS_EXT_CODE_MAX_FRAGMENT_LENGTH,
    LTLS_EXT_MAX_FRAGMENT_LENGTH, LTLS_EXT_IN_CH | LTLS_EXT_IN_EE | LTLS_EXT_IN_SH12,
    "max_fragment_length");
/* RFC 8422 §5.1.2 (TLS 1.2 only). */
RAW(ltls_ext_desc_ec_point_formats, LTLS_EXT_CODE_EC_POINT_FORMATS, LTLS_EXT_EC_POINT_FORMATS,
    LTLS_EXT_IN_CH | LTLS_EXT_IN_SH12, "ec_point_formats");
/* RFC 5764. */
RAW(ltls_ext_desc_use_srtp, LTLS_EXT_CODE_USE_SRTP, LTLS_EXT_USE_SRTP,
    LTLS_EXT_IN_CH | LTLS_EXT_IN_EE | LTLS_EXT_IN_SH12, "use_srtp");
/* RFC 6520. */
RAW(ltls_ext_desc_heartbeat, LTLS_EXT_CODE_HEARTBEAT, LTLS_EXT_HEARTBEAT,
    LTLS_EXT_IN_CH | LTLS_EXT_IN_EE | LTLS_EXT_IN_SH12, "heartbeat");
/* RFC 6962. */
RAW(ltls_ext_desc_sct, LTLS_EXT_CODE_SIGNED_CERTIFICATE_TIMESTAMP,
    LTLS_EXT_SIGNED_CERTIFICATE_TIMESTAMP,
    LTLS_EXT_IN_CH | LTLS_EXT_IN_CR | LTLS_EXT_IN_CT | LTLS_EXT_IN_SH12,
    "signed_certificate_timestamp");
/* RFC 7250 (raw public keys): the selection is parsed when the feature lands. */
RAW(ltls_ext_desc_client_certificate_type, LTLS_EXT_CODE_CLIENT_CERTIFICATE_TYPE,
    LTLS_EXT_CLIENT_CERTIFICATE_TYPE, LTLS_EXT_IN_CH | LTLS_EXT_IN_EE | LTLS_EXT_IN_SH12,
    "client_certificate_type");
RAW(ltls_ext_desc_server_certificate_type, LTLS_EXT_CODE_SERVER_CERTIFICATE_TYPE,
    LTLS_EXT_SERVER_CERTIFICATE_TYPE, LTLS_EXT_IN_CH | LTLS_EXT_IN_EE | LTLS_EXT_IN_SH12,
    "server_certificate_type");
/* RFC 7366, RFC 7627 (TLS 1.2 only). */
RAW(ltls_ext_desc_encrypt_then_mac, LTLS_EXT_CODE_ENCRYPT_THEN_MAC, LTLS_EXT_ENCRYPT_THEN_MAC,
    LTLS_EXT_IN_CH | LTLS_EXT_IN_SH12, "encrypt_then_mac");
RAW(ltls_ext_desc_extended_master_secret, LTLS_EXT_CODE_EXTENDED_MASTER_SECRET,
    LTLS_EXT_EXTENDED_MASTER_SECRET, LTLS_EXT_IN_CH | LTLS_EXT_IN_SH12, "extended_master_secret");
/* RFC 8879 §3: ClientHello and CertificateRequest. */
RAW(ltls_ext_desc_compress_certificate, LTLS_EXT_CODE_COMPRESS_CERTIFICATE,
    LTLS_EXT_COMPRESS_CERTIFICATE, LTLS_EXT_IN_CH | LTLS_EXT_IN_CR, "compress_certificate");
/* RFC 5077 (TLS 1.2 only). */
RAW(ltls_ext_desc_session_ticket, LTLS_EXT_CODE_SESSION_TICKET, LTLS_EXT_SESSION_TICKET,
    LTLS_EXT_IN_CH | LTLS_EXT_IN_SH12, "session_ticket");
/* RFC 8446 §4.2.5. */
RAW(ltls_ext_desc_oid_filters, LTLS_EXT_CODE_OID_FILTERS, LTLS_EXT_OID_FILTERS, LTLS_EXT_IN_CR,
    "oid_filters");
/* RFC 9001 §8.2. */
RAW(ltls_ext_desc_quic_transport_parameters, LTLS_EXT_CODE_QUIC_TRANSPORT_PARAMETERS,
    LTLS_EXT_QUIC_TRANSPORT_PARAMETERS, LTLS_EXT_IN_CH | LTLS_EXT_IN_EE,
    "quic_transport_parameters");
/* Encrypted ClientHello: outer ClientHello, retry configs in EE, confirmation in HRR. */
RAW(ltls_ext_desc_encrypted_client_hello, LTLS_EXT_CODE_ENCRYPTED_CLIENT_HELLO,
    LTLS_EXT_ENCRYPTED_CLIENT_HELLO, LTLS_EXT_IN_CH | LTLS_EXT_IN_EE | LTLS_EXT_IN_HRR,
    "encrypted_client_hello");
/* RFC 5746 (TLS 1.2 only). */
RAW(ltls_ext_desc_renegotiation_info, LTLS_EXT_CODE_RENEGOTIATION_INFO,
    LTLS_EXT_RENEGOTIATION_INFO, LTLS_EXT_IN_CH | LTLS_EXT_IN_SH12, "renegotiation_info");
