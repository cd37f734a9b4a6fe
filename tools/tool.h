/*
 * tools/tool.h - what `lucidtls client`, `server` and `demo` share: option
 * parsing helpers, file loading, the key-log file, and the printing of a
 * connection's negotiated parameters and errors.
 */
#ifndef LTLS_TOOLS_TOOL_H
#define LTLS_TOOLS_TOOL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lucidtls/lucidtls.h"
#include "lucidtls/socket.h"

/* The commands (tools/client.c, server.c, demo.c); argv[0] is the command. */
int ltls_tool_client(int argc, char **argv);
int ltls_tool_server(int argc, char **argv);
int ltls_tool_demo(int argc, char **argv);

/* ---------------------------------------------------------------------------
 * Options
 * ------------------------------------------------------------------------- */

/* Matches argv[*i] against "--name" (value in the next argument) or
 * "--name=value". Returns 1 and sets *value (advancing *i past a separate
 * value), 0 if argv[*i] is another option, -1 (after printing why) if the
 * value is missing. */
int tool_opt(int argc, char **argv, int *i, const char *name, const char **value);

/* Splits "a,b,c" into at most max NUL-terminated pieces in storage (a
 * copy of the text). Returns the count, or -1 when there are more than max
 * or a piece is empty. */
int tool_split(const char *text, char *storage, size_t cap, const char **out, int max);

/* "host:port", "[v6]:port" into host and port. 0 on success. */
int tool_hostport(const char *text, char *host, size_t host_cap, char *port, size_t port_cap);

/* The crypto provider the commands use: the built-in one named by the
 * environment variable LTLS_PROVIDER ("openssl", "nettle"; `lucidtls version`
 * lists them), or the default one when it is unset or empty. */
const char *tool_provider_name(void);

/* Descriptors of the provider by (case-insensitive) name; NULL if unknown. */
const ltls_group_t *tool_group(const ltls_provider_t *p, const char *name);
const ltls_suite_t *tool_suite(const ltls_provider_t *p, const char *name);

/* ---------------------------------------------------------------------------
 * Files and credentials
 * ------------------------------------------------------------------------- */

/* Reads a whole file (at most 64 MiB); free() the result. 0 on success,
 * else errno's message has been printed. */
int tool_read_file(const char *path, uint8_t **data, size_t *len);

/* A certificate chain file (PEM, leaf first; or one DER certificate) and
 * its private key file, as a signing chain. */
typedef struct tool_chain {
    ltls_cert_t **certs;
    size_t count;
    ltls_key_t *key;
    ltls_signing_chain_t chain;
} tool_chain_t;

/* 0 on success; else prints the error. */
int tool_chain_load(const ltls_provider_t *p, const char *cert_path, const char *key_path,
                    tool_chain_t *out);
void tool_chain_free(tool_chain_t *c);

/* Opens $SSLKEYLOGFILE for appending (if set) and points the config's
 * keylog callback at it. Lines are written whole, under a lock (the server
 * logs from several threads). */
void tool_keylog_setup(ltls_config_t *config);
void tool_keylog_close(void);

/* ---------------------------------------------------------------------------
 * Output
 * ------------------------------------------------------------------------- */

/* "TLS 1.3" for 0x0304, etc. */
const char *tool_version_name(uint16_t v);

/* Prints version, suite, group, signature scheme, ALPN, SNI (server) and
 * the peer's chain to f, each line starting with indent. When trust is
 * given (a verifying client), the chain printed is the validated path from
 * ltls_x509_verify (leaf to trust anchor) for host; otherwise the
 * certificates as the peer sent them. */
void tool_print_conn(FILE *f, const char *indent, const ltls_conn_t *conn,
                     const ltls_provider_t *p, const ltls_trust_store_t *trust, const char *host,
                     ltls_purpose_t purpose);

/* The subject of the peer's leaf certificate as text into buf, or "none". */
void tool_peer_subject(const ltls_conn_t *conn, char *buf, size_t cap);

/* Describes an error in one line into buf: "REASON (message): detail;
 * alert NAME sent|received". */
void tool_describe(ltls_err_t e, const char *detail, char *buf, size_t cap);

/* Prints "lucidtls: <what>: <description>" to stderr. */
void tool_error(const char *what, ltls_err_t e, const char *detail);

/* Monotonic time in seconds, for timing the handshake. */
double tool_now(void);

#endif
