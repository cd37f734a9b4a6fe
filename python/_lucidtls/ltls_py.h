/*
 * ltls_py.h - what the files of the _lucidtls extension share.
 *
 * The extension is a thin, strict layer: each Python object owns one lucidtls
 * object (provider, certificate, trust store, key, context, connection) and
 * holds strong references to every Python object whose C memory that
 * lucidtls object borrows, so that no pointer outlives its owner. Errors from
 * lucidtls become exceptions built by lucidtls._errors (one place decides
 * the class; see errors.c). Work that can take long (handshake, record
 * protection, path validation, key decryption, reading the system store) runs
 * with the GIL released; an object that is in such a call is marked busy and
 * refuses a second, concurrent call instead of racing on the C object.
 */
#ifndef LTLS_PY_H
#define LTLS_PY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "lucidtls/lucidtls.h"
#include "lucidtls/insecure.h"
#include "lucidtls/socket.h"
#include "lucidtls/tls.h"

/* --- provider (module.c) ---------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    ltls_provider_t *provider;
} ltls_py_provider_t;

extern PyTypeObject ltls_py_provider_type;

/* The provider for `arg`: None means the default one (a new reference to a
 * shared object), a str names a built-in provider, a Provider is itself. */
ltls_py_provider_t *ltls_py_provider_get(PyObject *arg);

/* --- errors (errors.c) ------------------------------------------------------- */

/* Where an error happened decides the Python class for misuse-class errors:
 * building a context or loading a key/certificate is a configuration problem,
 * a misuse on a connection is a plain TLSError. */
typedef enum { LTLS_PY_WHERE_CONFIG = 0, LTLS_PY_WHERE_CONN = 1, LTLS_PY_WHERE_VERIFY = 2 } ltls_py_where_t;

int ltls_py_errors_init(PyObject *module);
/* Raises the lucidtls exception for err (detail may be NULL); returns NULL. */
PyObject *ltls_py_raise(ltls_err_t err, const char *detail, ltls_py_where_t where);
/* Raises ConfigurationError with a message of our own; returns NULL. */
PyObject *ltls_py_config_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The depth of a failed verification, set on the exception (verify only). */
void ltls_py_set_error_depth(int depth);
/* Busy objects: the error raised on a concurrent call. */
PyObject *ltls_py_busy_error(const char *what);

/* --- certificates and trust stores (x509.c) ---------------------------------- */

typedef struct {
    PyObject_HEAD
    ltls_cert_t *cert;
} ltls_py_cert_t;

typedef struct {
    PyObject_HEAD
    ltls_trust_store_t *store;
    int frozen;  /* taken by a context: shared from now on, no more loading */
    int busy;    /* a loader runs without the GIL */
    int readers; /* verify() calls walking it without the GIL */
} ltls_py_trust_t;

extern PyTypeObject ltls_py_cert_type;
extern PyTypeObject ltls_py_trust_type;
int ltls_py_x509_init(PyObject *module);
/* A new X509 object that takes ownership of cert. */
PyObject *ltls_py_cert_wrap(ltls_cert_t *cert);

/* --- private keys (key.c) ------------------------------------------------------ */

typedef struct {
    PyObject_HEAD
    ltls_key_t *key;
    PyObject *provider; /* the provider holding the key must outlive it */
} ltls_py_key_t;

extern PyTypeObject ltls_py_key_type;
int ltls_py_key_init(PyObject *module);

/* --- contexts (context.c) ------------------------------------------------------ */

typedef struct {
    PyObject_HEAD
    ltls_context_t *ctx;
    PyObject *provider; /* the context borrows the provider */
    PyObject *keys;     /* tuple of Key: the signing chains borrow their keys */
    PyObject *trust;    /* TrustStore or None */
    PyObject *keylog;   /* callable or None, called with each key-log line */
    int server;
} ltls_py_context_t;

extern PyTypeObject ltls_py_context_type;
int ltls_py_context_init(PyObject *module);

/* --- connections (conn.c) ---------------------------------------------------- */

extern PyTypeObject ltls_py_conn_type;
int ltls_py_conn_init(PyObject *module);
PyObject *ltls_py_conn_new(ltls_py_context_t *ctx, const char *server_name);

/* Queries shared by Connection and Socket: what was negotiated (a dict),
 * the peer's certificates (DER list), the exporter, the sticky error as an
 * exception object (or None). */
PyObject *ltls_py_info_of(const ltls_conn_t *lc);
PyObject *ltls_py_peer_certs_of(const ltls_conn_t *lc);
PyObject *ltls_py_export_of(const ltls_conn_t *lc, PyObject *args, PyObject *kw);
PyObject *ltls_py_error_of(const ltls_conn_t *lc);

/* --- blocking sockets (sock.c) ----------------------------------------------------- */

int ltls_py_sock_init(PyObject *module);

/* --- helpers (module.c) ---------------------------------------------------------- */

/* A C string of a str or bytes path (os.fspath semantics); the result is a
 * new bytes object whose buffer is the NUL-terminated path. NULL on error. */
PyObject *ltls_py_fspath_bytes(PyObject *path);

/* Fills *out from a sequence of ints in [0, 0xffff]; *out is PyMem_Malloc'ed
 * (NULL when the sequence is empty). what names the argument in messages. */
int ltls_py_u16_list(PyObject *seq, const char *what, uint16_t **out, size_t *count);

#endif
