/*
 * core/error.c - the reason table behind ltls_err_t, generated from the
 * LTLS_REASONS X-macro so that a reason's class, alert and message are written
 * down exactly once.
 */
#include "lucidtls/error.h"

#include <stddef.h>

typedef struct {
    const char *name;
    const char *message;
    uint8_t cls;
    uint8_t alert;
} reason_info_t;

static const reason_info_t reasons[LTLS_R_COUNT_] = {
    [LTLS_R_NONE] = {"NONE", "success", LTLS_ECLASS_NONE, LTLS_ALERT_NONE},
#define LTLS_X_INFO(name, cls, alert, msg) \
    [LTLS_R_##name] = {#name, msg, LTLS_ECLASS_##cls, LTLS_ALERT_##alert},
    LTLS_REASONS(LTLS_X_INFO)
#undef LTLS_X_INFO
};

static ltls_err_t pack(uint8_t cls, uint8_t alert, ltls_reason_t reason)
{
    return ((ltls_err_t)cls << 24) | ((ltls_err_t)alert << 16) | (ltls_err_t)reason;
}

ltls_err_t ltls_err_make(ltls_reason_t reason)
{
    if (reason <= LTLS_R_NONE || reason >= LTLS_R_COUNT_)
        reason = LTLS_R_INTERNAL;
    return pack(reasons[reason].cls, reasons[reason].alert, reason);
}

ltls_err_t ltls_err_peer_alert(uint8_t alert)
{
    if (alert == LTLS_ALERT_CLOSE_NOTIFY)
        return ltls_err_make(LTLS_R_CLOSED);
    return pack(LTLS_ECLASS_PEER_ALERT, alert, LTLS_R_PEER_ALERT);
}

static const reason_info_t *info(ltls_err_t e)
{
    ltls_reason_t r = ltls_err_reason(e);
    return r < LTLS_R_COUNT_ ? &reasons[r] : &reasons[LTLS_R_INTERNAL];
}

const char *ltls_err_message(ltls_err_t e) { return info(e)->message; }

const char *ltls_err_reason_name(ltls_err_t e) { return info(e)->name; }

const char *ltls_alert_name(uint8_t alert)
{
    switch (alert) {
#define A(code, name)        \
    case LTLS_ALERT_##code: \
        return name;
        A(CLOSE_NOTIFY, "close_notify")
        A(UNEXPECTED_MESSAGE, "unexpected_message")
        A(BAD_RECORD_MAC, "bad_record_mac")
        A(RECORD_OVERFLOW, "record_overflow")
        A(HANDSHAKE_FAILURE, "handshake_failure")
        A(BAD_CERTIFICATE, "bad_certificate")
        A(UNSUPPORTED_CERTIFICATE, "unsupported_certificate")
        A(CERTIFICATE_REVOKED, "certificate_revoked")
        A(CERTIFICATE_EXPIRED, "certificate_expired")
        A(CERTIFICATE_UNKNOWN, "certificate_unknown")
        A(ILLEGAL_PARAMETER, "illegal_parameter")
        A(UNKNOWN_CA, "unknown_ca")
        A(ACCESS_DENIED, "access_denied")
        A(DECODE_ERROR, "decode_error")
        A(DECRYPT_ERROR, "decrypt_error")
        A(PROTOCOL_VERSION, "protocol_version")
        A(INSUFFICIENT_SECURITY, "insufficient_security")
        A(INTERNAL_ERROR, "internal_error")
        A(INAPPROPRIATE_FALLBACK, "inappropriate_fallback")
        A(USER_CANCELED, "user_canceled")
        A(MISSING_EXTENSION, "missing_extension")
        A(UNSUPPORTED_EXTENSION, "unsupported_extension")
        A(UNRECOGNIZED_NAME, "unrecognized_name")
        A(BAD_CERTIFICATE_STATUS_RESPONSE, "bad_certificate_status_response")
        A(UNKNOWN_PSK_IDENTITY, "unknown_psk_identity")
        A(CERTIFICATE_REQUIRED, "certificate_required")
        A(NO_APPLICATION_PROTOCOL, "no_application_protocol")
        A(NONE, "none")
#undef A
    }
    return "unknown";
}
