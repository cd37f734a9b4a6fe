/*
 * trust/store.h - the private half of the trust store: issuer lookup for the
 * path builder, loaders that say which path failed, and the staging batch
 * that lets store.c (the in-memory set) and system.c (files, directories,
 * system discovery) share one all-or-nothing commit.
 *
 * Every loader stages the certificates it parses in a batch and commits the
 * batch only when the whole input was read, so a failed call leaves the store
 * as it was (x509.h promises this for ltls_trust_store_add; the file,
 * directory and system loaders keep the same promise).
 */
#ifndef LTLS_TRUST_STORE_H
#define LTLS_TRUST_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "lucidtls/x509.h"

/*
 * The anchors whose subject DER equals name_der byte for byte (the issuer
 * DER of the certificate being chained). Writes at most max borrowed
 * pointers to out (valid while the store lives) and returns how many it
 * wrote, never more than max (out may be NULL when max is 0; to count them
 * all, use ltls_trust_store_lookup_count). The order is deterministic (by
 * the anchors' DER). O(log n) comparisons in the number of anchors, no
 * allocation. Safe to call from several threads once loading is over.
 */
size_t ltls_trust_store_lookup(const ltls_trust_store_t *s, const uint8_t *name_der,
                               size_t name_len, const ltls_cert_t **out, size_t max);

/* The number of anchors whose subject DER equals name_der. */
size_t ltls_trust_store_lookup_count(const ltls_trust_store_t *s, const uint8_t *name_der,
                                     size_t name_len);

/*
 * The public loaders, also saying where the failure was in detail
 * (NUL-terminated, truncated to cap; detail may be NULL when cap is 0): the
 * path and, for a bad certificate, which one of the file, its line and the
 * decoder's explanation, e.g. "/etc/ssl/x.pem: certificate 3 (line 41):
 * malformed certificate: ...". The reason's own sentence is not repeated
 * (print ltls_err_message() of the error beside it). *added counts the
 * anchors new to the store; duplicates of anchors already present are not
 * counted. The error values are exactly those of the public functions.
 */
ltls_err_t ltls_trust_store_add_detail(ltls_trust_store_t *store, const uint8_t *data,
                                       size_t len, size_t *added, char *detail, size_t cap);
ltls_err_t ltls_trust_store_add_file_detail(ltls_trust_store_t *store, const char *path,
                                            size_t *added, char *detail, size_t cap);
ltls_err_t ltls_trust_store_add_dir_detail(ltls_trust_store_t *store, const char *path,
                                           size_t *added, char *detail, size_t cap);
ltls_err_t ltls_trust_store_add_system_detail(ltls_trust_store_t *store, size_t *added,
                                              char *detail, size_t cap);

/*
 * System discovery with the default lists given, so that tests can point it
 * at a temporary tree. files and dirs are NULL-terminated. Without
 * SSL_CERT_FILE / SSL_CERT_DIR in the environment, the first existing entry
 * of files is read, and the directories of dirs are read only when no file
 * was found (see system.c for why).
 */
ltls_err_t ltls_trust_store_add_system_from(ltls_trust_store_t *store,
                                            const char *const *files, const char *const *dirs,
                                            size_t *added, char *detail, size_t cap);

/*
 * Reads a file of certificates (PEM text or one DER certificate) with the
 * store loaders' rules and messages, for callers that want the certificates
 * themselves rather than anchors (the `lucidtls verify` command reads the
 * peer's chain and untrusted intermediates with it). Free the result with
 * ltls_cert_list_free(*certs, *count, alloc). Errors: TRUST_IO and those of
 * ltls_cert_list_parse, with detail as above.
 */
ltls_err_t ltls_trust_read_certs(const char *path, const ltls_allocator_t *alloc,
                                 ltls_cert_t ***certs, size_t *count, char *detail, size_t cap);

/* The built-in default lists (NULL-terminated), for documentation and tests. */
extern const char *const ltls_trust_default_files[];
extern const char *const ltls_trust_default_dirs[];

/* ---------------------------------------------------------------------------
 * Staging (shared by store.c and system.c)
 * ------------------------------------------------------------------------- */

typedef struct ltls_trust_batch {
    ltls_cert_t **certs; /* owned until committed */
    size_t count;
    size_t cap;
} ltls_trust_batch_t;

/* Parses data (a PEM text or one DER certificate) and appends its
 * certificates to the batch. On failure the batch is unchanged and detail
 * (when cap > 0) says which certificate was bad, prefixed by `where` (a path,
 * or NULL for a buffer). */
ltls_err_t ltls_trust_batch_parse(ltls_trust_store_t *store, ltls_trust_batch_t *b,
                                  const uint8_t *data, size_t len, const char *where,
                                  char *detail, size_t cap);

/* Moves the batch's certificates into the store (duplicates of anchors
 * already present are freed) and empties the batch. *added (may be NULL)
 * receives how many were new. OUT_OF_MEMORY leaves the store unchanged and
 * the batch still owning its certificates. */
ltls_err_t ltls_trust_batch_commit(ltls_trust_store_t *store, ltls_trust_batch_t *b,
                                   size_t *added);

/* Frees whatever the batch still owns. */
void ltls_trust_batch_free(ltls_trust_store_t *store, ltls_trust_batch_t *b);

/* The allocator the store was created with (never NULL). */
const ltls_allocator_t *ltls_trust_store_allocator(const ltls_trust_store_t *store);

/* Formats into detail (truncating) like snprintf, if cap > 0. */
void ltls_trust_detail(char *detail, size_t cap, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif
