/*
 * lucidtls/insecure.h - turning certificate verification OFF.
 *
 *   !!! A client made here does NOT know whom it is talking to. !!!
 *
 * Any machine on the path can then impersonate the server, read and change
 * every byte. This exists for tests, for debugging a server you control, and
 * for tools with an explicit --insecure flag; never make it the default and
 * never reach it from configuration a user did not type on purpose.
 *
 * It is a separate header and a separate constructor on purpose: the normal
 * API (tls.h) has no way to disable verification, so an insecure client is
 * visible in the source (grep for "insecure") and cannot be made by a stray
 * flag in ltls_config_t.
 */
#ifndef LUCIDTLS_INSECURE_H
#define LUCIDTLS_INSECURE_H

#include "lucidtls/tls.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Skip certificate path validation entirely: any chain (self-signed, expired,
 * for another name, from an unknown CA) is accepted. The CertificateVerify
 * and Finished messages are still checked, so the peer must hold the private
 * key of the leaf it sent, but nothing ties that key to a name. Implies
 * LTLS_INSECURE_NO_HOSTNAME_CHECK. config->trust may be NULL. */
#define LTLS_INSECURE_NO_VERIFY 0x1u

/* Validate the chain against config->trust (required), but do not check that
 * the leaf is for the server_name given to ltls_conn_new(). A chain for any
 * name under a trusted root is accepted. */
#define LTLS_INSECURE_NO_HOSTNAME_CHECK 0x2u

/*
 * As ltls_client_context_new(), with the checks named in flags turned off.
 * flags must be non-zero and hold only the bits above (BAD_ARGUMENT
 * otherwise: use ltls_client_context_new() for a secure client). Connections
 * of such a context may be made with a NULL server_name (no SNI is sent).
 * Errors: those of ltls_client_context_new().
 */
LTLS_API ltls_err_t ltls_insecure_client_context_new(const ltls_config_t *config, unsigned flags,
                                                     ltls_context_t **out);

#ifdef __cplusplus
}
#endif
#endif
