/*
 * conn.c - sans-I/O connections (Connection) for Python.
 *
 * A Connection owns one ltls_conn_t and follows tls.h's rule: the caller
 * feeds network bytes, calls an operation, then takes the outgoing bytes.
 *
 * Incoming bytes. PEP 748's process_incoming either stores all of the data
 * or none of it (raising WantReadError), while ltls_conn_feed may take only
 * part. So a Connection keeps a bounded spill buffer: what the engine does
 * not take waits there, and every operation first moves spilled bytes into
 * the engine, and again whenever the engine asks for input and space has
 * opened. The transport's EOF is passed on only once the spill is empty, so
 * the engine never sees EOF before bytes that arrived ahead of it.
 *
 * Threads. Operations that do cryptography (handshake, read, write,
 * shutdown, key update) run without the GIL. While one runs, the object is
 * busy and every other call on it raises RuntimeError: an ltls_conn_t belongs
 * to one thread at a time, and a refusal is better than a data race.
 */
#include "ltls_py.h"

#include <string.h>

#define SPILL_MAX (1u << 20)  /* bytes a Connection holds beyond the engine's buffer */
#define READ_CHUNK_MAX (256u * 1024u) /* largest bytes object read() allocates */

typedef struct {
    PyObject_HEAD
    ltls_conn_t *conn;
    ltls_py_context_t *ctx;
    uint8_t *spill;
    size_t spill_len, spill_cap;
    int busy;
    int eof_seen;    /* the transport's EOF was reported by the caller */
    int eof_pending; /* ... and is not yet passed to the engine */
} conn_t;

#define ENTER(c)                                              \
    do {                                                      \
        if ((c)->busy)                                        \
            return ltls_py_busy_error("connection");          \
    } while (0)

/* Moves spilled bytes (and then a pending EOF) into the engine. Returns
 * whether anything moved. Runs with or without the GIL: it touches only
 * this object, which the busy flag reserves. */
static int drain(conn_t *c)
{
    int moved = 0;
    if (c->spill_len) {
        size_t used = 0;
        /* A failure is the connection's sticky error; the next operation
         * reports it. */
        (void)ltls_conn_feed(c->conn, c->spill, c->spill_len, &used);
        if (used) {
            memmove(c->spill, c->spill + used, c->spill_len - used);
            c->spill_len -= used;
            moved = 1;
        }
    }
    if (!c->spill_len && c->eof_pending) {
        ltls_conn_feed_eof(c->conn);
        c->eof_pending = 0;
        moved = 1;
    }
    return moved;
}

typedef enum { OP_HANDSHAKE, OP_READ, OP_WRITE, OP_SHUTDOWN, OP_KEY_UPDATE } op_t;

typedef struct {
    op_t op;
    uint8_t *buf;
    size_t len;
    size_t n;
    int flag;
} op_args_t;

static ltls_err_t run_op(conn_t *c, op_args_t *a)
{
    for (;;) {
        drain(c);
        ltls_err_t err;
        switch (a->op) {
        case OP_HANDSHAKE:
            err = ltls_conn_handshake(c->conn);
            break;
        case OP_READ:
            err = ltls_conn_read(c->conn, a->buf, a->len, &a->n);
            break;
        case OP_WRITE:
            err = ltls_conn_write(c->conn, a->buf, a->len, &a->n);
            break;
        case OP_SHUTDOWN:
            err = ltls_conn_shutdown(c->conn);
            break;
        default:
            err = ltls_conn_key_update(c->conn, a->flag);
            break;
        }
        /* The engine consumed its input and wants more: give it what waits
         * in the spill before telling the caller to fetch from the network. */
        if (ltls_err_reason(err) != LTLS_R_WANT_READ || !drain(c))
            return err;
    }
}

/* Runs an operation without the GIL, marking the object busy. */
static ltls_err_t run_nogil(conn_t *c, op_args_t *a)
{
    ltls_err_t err;
    c->busy = 1;
    Py_BEGIN_ALLOW_THREADS
    err = run_op(c, a);
    Py_END_ALLOW_THREADS
    c->busy = 0;
    return err;
}

static PyObject *conn_error(conn_t *c, ltls_err_t err)
{
    return ltls_py_raise(err, ltls_conn_error_detail(c->conn), LTLS_PY_WHERE_CONN);
}

PyObject *ltls_py_conn_new(ltls_py_context_t *ctx, const char *server_name)
{
    ltls_conn_t *lc = NULL;
    ltls_err_t err = ltls_conn_new(ctx->ctx, server_name, &lc);
    if (err)
        return ltls_py_raise(err, NULL, LTLS_PY_WHERE_CONFIG);
    conn_t *c = PyObject_New(conn_t, &ltls_py_conn_type);
    if (!c) {
        ltls_conn_free(lc);
        return NULL;
    }
    c->conn = lc;
    Py_INCREF(ctx);
    c->ctx = ctx;
    c->spill = NULL;
    c->spill_len = c->spill_cap = 0;
    c->busy = c->eof_seen = c->eof_pending = 0;
    return (PyObject *)c;
}

static void conn_dealloc(conn_t *c)
{
    ltls_conn_free(c->conn); /* before the context it references */
    PyMem_Free(c->spill);
    Py_XDECREF(c->ctx);
    PyObject_Free(c);
}

/* --- network side --------------------------------------------------------------------- */

static PyObject *conn_feed(conn_t *c, PyObject *arg)
{
    ENTER(c);
    Py_buffer data;
    if (PyObject_GetBuffer(arg, &data, PyBUF_SIMPLE) < 0)
        return NULL;
    size_t len = (size_t)data.len;
    if (c->eof_seen && len) {
        PyBuffer_Release(&data);
        PyErr_SetString(PyExc_ValueError, "data fed after the transport's EOF");
        return NULL;
    }
    drain(c);
    size_t used = 0;
    if (!c->spill_len && len)
        (void)ltls_conn_feed(c->conn, data.buf, len, &used);
    size_t rest = len - used;
    if (rest) {
        if (rest > SPILL_MAX - c->spill_len) {
            PyBuffer_Release(&data);
            if (used)
                /* Unreachable in practice (used > 0 implies an empty spill and
                 * rest < len); kept so that "none stored" is never a lie. */
                return ltls_py_raise(ltls_err_make(LTLS_R_INTERNAL), NULL, LTLS_PY_WHERE_CONN);
            /* PEP 748: the buffer is full, nothing was stored; read first. */
            return ltls_py_raise(ltls_err_make(LTLS_R_WANT_READ),
                                 "the incoming buffer is full: read() or do_handshake() first",
                                 LTLS_PY_WHERE_CONN);
        }
        if (c->spill_len + rest > c->spill_cap) {
            size_t cap = c->spill_cap ? c->spill_cap : 16384;
            while (cap < c->spill_len + rest)
                cap *= 2;
            if (cap > SPILL_MAX)
                cap = SPILL_MAX;
            uint8_t *p = PyMem_Realloc(c->spill, cap);
            if (!p) {
                PyBuffer_Release(&data);
                return PyErr_NoMemory();
            }
            c->spill = p;
            c->spill_cap = cap;
        }
        memcpy(c->spill + c->spill_len, (const uint8_t *)data.buf + used, rest);
        c->spill_len += rest;
    }
    PyBuffer_Release(&data);
    Py_RETURN_NONE;
}

static PyObject *conn_feed_eof(conn_t *c, PyObject *unused)
{
    (void)unused;
    ENTER(c);
    if (!c->eof_seen) {
        c->eof_seen = 1;
        c->eof_pending = 1;
        drain(c);
    }
    Py_RETURN_NONE;
}

static PyObject *conn_outgoing(conn_t *c, PyObject *args)
{
    Py_ssize_t want = -1;
    if (!PyArg_ParseTuple(args, "|n:outgoing", &want))
        return NULL;
    ENTER(c);
    size_t len = 0;
    const uint8_t *p = ltls_conn_outgoing(c->conn, &len);
    if (want >= 0 && (size_t)want < len)
        len = (size_t)want;
    PyObject *out = PyBytes_FromStringAndSize((const char *)p, (Py_ssize_t)len);
    if (out && len)
        ltls_conn_outgoing_consume(c->conn, len);
    return out;
}

static PyObject *conn_outgoing_buffered(conn_t *c, PyObject *unused)
{
    (void)unused;
    ENTER(c);
    return PyLong_FromSize_t(ltls_conn_outgoing_buffered(c->conn));
}

static PyObject *conn_incoming_buffered(conn_t *c, PyObject *unused)
{
    (void)unused;
    ENTER(c);
    return PyLong_FromSize_t(ltls_conn_incoming_buffered(c->conn) + c->spill_len);
}

static PyObject *conn_pending(conn_t *c, PyObject *unused)
{
    (void)unused;
    ENTER(c);
    return PyLong_FromSize_t(ltls_conn_pending(c->conn));
}

/* --- operations ----------------------------------------------------------------------- */

static PyObject *conn_handshake(conn_t *c, PyObject *unused)
{
    (void)unused;
    ENTER(c);
    op_args_t a = {.op = OP_HANDSHAKE};
    ltls_err_t err = run_nogil(c, &a);
    if (err)
        return conn_error(c, err);
    Py_RETURN_NONE;
}

static PyObject *conn_read(conn_t *c, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"amt", "buffer", NULL};
    Py_ssize_t amt = 16384;
    PyObject *buffer = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|nO:read", kwlist, &amt, &buffer))
        return NULL;
    ENTER(c);
    if (amt < 0) {
        PyErr_SetString(PyExc_ValueError, "amt must be >= 0");
        return NULL;
    }
    if (buffer != Py_None) {
        Py_buffer view;
        if (PyObject_GetBuffer(buffer, &view, PyBUF_WRITABLE) < 0)
            return NULL;
        size_t cap = (size_t)view.len < (size_t)amt ? (size_t)view.len : (size_t)amt;
        if (cap == 0) {
            PyBuffer_Release(&view);
            return PyLong_FromLong(0);
        }
        op_args_t a = {.op = OP_READ, .buf = view.buf, .len = cap};
        ltls_err_t err = run_nogil(c, &a);
        PyBuffer_Release(&view);
        if (err == LTLS_OK)
            return PyLong_FromSize_t(a.n);
        if (ltls_err_reason(err) == LTLS_R_CLOSED)
            return PyLong_FromLong(0);
        return conn_error(c, err);
    }
    size_t cap = (size_t)amt < READ_CHUNK_MAX ? (size_t)amt : READ_CHUNK_MAX;
    if (cap == 0)
        return PyBytes_FromStringAndSize(NULL, 0);
    PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)cap);
    if (!out)
        return NULL;
    op_args_t a = {.op = OP_READ, .buf = (uint8_t *)PyBytes_AS_STRING(out), .len = cap};
    ltls_err_t err = run_nogil(c, &a);
    if (err) {
        Py_DECREF(out);
        if (ltls_err_reason(err) == LTLS_R_CLOSED)
            return PyBytes_FromStringAndSize(NULL, 0);
        return conn_error(c, err);
    }
    if (a.n != cap && _PyBytes_Resize(&out, (Py_ssize_t)a.n) < 0)
        return NULL;
    return out;
}

static PyObject *conn_write(conn_t *c, PyObject *arg)
{
    ENTER(c);
    Py_buffer data;
    if (PyObject_GetBuffer(arg, &data, PyBUF_SIMPLE) < 0)
        return NULL;
    if (data.len == 0) {
        PyBuffer_Release(&data);
        return PyLong_FromLong(0);
    }
    op_args_t a = {.op = OP_WRITE, .buf = data.buf, .len = (size_t)data.len};
    ltls_err_t err = run_nogil(c, &a);
    PyBuffer_Release(&data);
    if (err)
        return conn_error(c, err);
    return PyLong_FromSize_t(a.n);
}

static PyObject *conn_shutdown(conn_t *c, PyObject *unused)
{
    (void)unused;
    ENTER(c);
    op_args_t a = {.op = OP_SHUTDOWN};
    ltls_err_t err = run_nogil(c, &a);
    if (err)
        return conn_error(c, err);
    Py_RETURN_NONE;
}

static PyObject *conn_key_update(conn_t *c, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"request_peer", NULL};
    int req = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|p:key_update", kwlist, &req))
        return NULL;
    ENTER(c);
    op_args_t a = {.op = OP_KEY_UPDATE, .flag = req};
    ltls_err_t err = run_nogil(c, &a);
    if (err)
        return conn_error(c, err);
    Py_RETURN_NONE;
}

/* --- queries, shared with Socket --------------------------------------------------------- */

static int set_item(PyObject *d, const char *k, PyObject *v)
{
    if (!v)
        return -1;
    int rc = PyDict_SetItemString(d, k, v);
    Py_DECREF(v);
    return rc;
}

static PyObject *code_or_none(int have, uint16_t code)
{
    if (!have)
        Py_RETURN_NONE;
    return PyLong_FromLong(code);
}

/* What was negotiated, as a dict (None values before the handshake). */
PyObject *ltls_py_info_of(const ltls_conn_t *lc)
{
    PyObject *d = PyDict_New();
    if (!d)
        return NULL;
    uint16_t v = ltls_conn_version(lc);
    const ltls_suite_t *s = ltls_conn_suite(lc);
    const ltls_group_t *g = ltls_conn_group(lc);
    const ltls_sigscheme_t *sig = ltls_conn_peer_sigscheme(lc);
    size_t alen = 0;
    const uint8_t *alpn = ltls_conn_alpn(lc, &alen);
    const char *sni = ltls_conn_server_name(lc);
    if (set_item(d, "handshake_done", PyBool_FromLong(ltls_conn_handshake_done(lc))) < 0 ||
        set_item(d, "version", code_or_none(v != 0, v)) < 0 ||
        set_item(d, "suite", code_or_none(s != NULL, s ? s->code : 0)) < 0 ||
        set_item(d, "suite_name", s ? PyUnicode_FromString(s->name) : Py_NewRef(Py_None)) < 0 ||
        set_item(d, "secret_bits",
                 s ? PyLong_FromSize_t(s->aead->key_size * 8) : Py_NewRef(Py_None)) < 0 ||
        set_item(d, "group", code_or_none(g != NULL, g ? g->code : 0)) < 0 ||
        set_item(d, "group_name", g ? PyUnicode_FromString(g->name) : Py_NewRef(Py_None)) < 0 ||
        set_item(d, "peer_sigscheme", code_or_none(sig != NULL, sig ? sig->code : 0)) < 0 ||
        /* each value made right where set_item consumes it: none leaks when
         * an earlier item fails */
        set_item(d, "alpn",
                 alpn ? PyBytes_FromStringAndSize((const char *)alpn, (Py_ssize_t)alen)
                      : Py_NewRef(Py_None)) < 0 ||
        set_item(d, "server_name",
                 sni ? PyUnicode_DecodeUTF8(sni, (Py_ssize_t)strlen(sni), "backslashreplace")
                     : Py_NewRef(Py_None)) < 0) {
        Py_DECREF(d);
        return NULL;
    }
    return d;
}

PyObject *ltls_py_peer_certs_of(const ltls_conn_t *lc)
{
    size_t n = ltls_conn_peer_cert_count(lc);
    PyObject *out = PyList_New((Py_ssize_t)n);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        const uint8_t *p = ltls_conn_peer_cert(lc, i, &len);
        PyObject *b = PyBytes_FromStringAndSize((const char *)(p ? p : (const uint8_t *)""),
                                                p ? (Py_ssize_t)len : 0);
        if (!b) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, (Py_ssize_t)i, b);
    }
    return out;
}

PyObject *ltls_py_export_of(const ltls_conn_t *lc, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"label", "length", "context", NULL};
    Py_buffer label, context = {0};
    Py_ssize_t length;
    PyObject *ctx_obj = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "y*n|O:export_keying_material", kwlist, &label,
                                     &length, &ctx_obj))
        return NULL;
    PyObject *out = NULL;
    int have_ctx = 0;
    if (length < 1 || length > 255 * 64) {
        PyErr_SetString(PyExc_ValueError, "length must be in 1..16320");
        goto done;
    }
    if (ctx_obj != Py_None) {
        if (PyObject_GetBuffer(ctx_obj, &context, PyBUF_SIMPLE) < 0)
            goto done;
        have_ctx = 1;
    }
    out = PyBytes_FromStringAndSize(NULL, length);
    if (!out)
        goto done;
    /* RFC 8446 §7.5: in TLS 1.3 an absent context is the empty one. */
    ltls_err_t err = ltls_conn_export(lc, label.buf, (size_t)label.len,
                                      have_ctx ? context.buf : NULL,
                                      have_ctx ? (size_t)context.len : 0,
                                      (uint8_t *)PyBytes_AS_STRING(out), (size_t)length);
    if (err) {
        Py_CLEAR(out);
        ltls_py_raise(err, NULL, LTLS_PY_WHERE_CONN);
    }
done:
    if (have_ctx)
        PyBuffer_Release(&context);
    PyBuffer_Release(&label);
    return out;
}

PyObject *ltls_py_error_of(const ltls_conn_t *lc)
{
    ltls_err_t err = ltls_conn_error(lc);
    if (!err)
        Py_RETURN_NONE;
    /* The exception a failed call raised, rebuilt for inspection. */
    ltls_py_raise(err, ltls_conn_error_detail(lc), LTLS_PY_WHERE_CONN);
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    Py_XDECREF(type);
    Py_XDECREF(tb);
    return value;
}

static PyObject *conn_info(conn_t *c, PyObject *unused)
{
    (void)unused;
    ENTER(c);
    return ltls_py_info_of(c->conn);
}

static PyObject *conn_peer_certs(conn_t *c, PyObject *unused)
{
    (void)unused;
    ENTER(c);
    return ltls_py_peer_certs_of(c->conn);
}

static PyObject *conn_export(conn_t *c, PyObject *args, PyObject *kw)
{
    ENTER(c);
    return ltls_py_export_of(c->conn, args, kw);
}

static PyObject *conn_get_error(conn_t *c, void *cl)
{
    (void)cl;
    ENTER(c);
    return ltls_py_error_of(c->conn);
}

static PyObject *conn_get_handshake_done(conn_t *c, void *cl)
{
    (void)cl;
    ENTER(c);
    return PyBool_FromLong(ltls_conn_handshake_done(c->conn));
}

static PyObject *conn_get_eof(conn_t *c, void *cl)
{
    (void)cl;
    return PyBool_FromLong(c->eof_seen);
}

static PyObject *conn_get_context(conn_t *c, void *cl)
{
    (void)cl;
    Py_INCREF(c->ctx);
    return (PyObject *)c->ctx;
}

static PyMethodDef conn_methods[] = {
    {"feed", (PyCFunction)conn_feed, METH_O,
     "feed(data): network bytes in. All are kept, or none (WantReadError when the bounded "
     "incoming buffer is full)."},
    {"feed_eof", (PyCFunction)conn_feed_eof, METH_NOARGS, "feed_eof(): the transport reached EOF."},
    {"outgoing", (PyCFunction)conn_outgoing, METH_VARARGS,
     "outgoing(n=-1) -> bytes: takes up to n (all when n < 0) pending network bytes."},
    {"outgoing_buffered", (PyCFunction)conn_outgoing_buffered, METH_NOARGS,
     "outgoing_buffered() -> int: network bytes waiting to be sent."},
    {"incoming_buffered", (PyCFunction)conn_incoming_buffered, METH_NOARGS,
     "incoming_buffered() -> int: network bytes received and not yet processed."},
    {"pending", (PyCFunction)conn_pending, METH_NOARGS,
     "pending() -> int: decrypted application data read() returns without more input (the "
     "rest of the record last opened; SSL_pending's count)."},
    {"handshake", (PyCFunction)conn_handshake, METH_NOARGS,
     "handshake(): drives the handshake; returns once it is complete (certificate and name "
     "verified), else raises WantReadError / WantWriteError / a TLSError."},
    {"read", (PyCFunction)(void (*)(void))conn_read, METH_VARARGS | METH_KEYWORDS,
     "read(amt=16384, buffer=None) -> bytes | int: application data (short reads happen). "
     "b'' (or 0) after the peer's close_notify; RaggedEOF after EOF without it."},
    {"write", (PyCFunction)conn_write, METH_O,
     "write(data) -> int: application data in; how much was accepted (short writes happen)."},
    {"shutdown", (PyCFunction)conn_shutdown, METH_NOARGS, "shutdown(): sends close_notify (once)."},
    {"key_update", (PyCFunction)(void (*)(void))conn_key_update, METH_VARARGS | METH_KEYWORDS,
     "key_update(request_peer=False): sends a KeyUpdate."},
    {"info", (PyCFunction)conn_info, METH_NOARGS,
     "info() -> dict: version, suite, group, peer signature scheme, ALPN, SNI."},
    {"peer_certs", (PyCFunction)conn_peer_certs, METH_NOARGS,
     "peer_certs() -> list[bytes]: the peer's certificates as sent (DER, leaf first)."},
    {"export_keying_material", (PyCFunction)(void (*)(void))conn_export,
     METH_VARARGS | METH_KEYWORDS,
     "export_keying_material(label, length, context=None) -> bytes: RFC 8446 §7.5 exporter."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef conn_getset[] = {
    {"error", (getter)conn_get_error, NULL, "The connection's sticky error as an exception, or None.",
     NULL},
    {"handshake_done", (getter)conn_get_handshake_done, NULL, "True once the handshake is complete.",
     NULL},
    {"eof_received", (getter)conn_get_eof, NULL, "True once feed_eof() was called.", NULL},
    {"context", (getter)conn_get_context, NULL, "The Context of this connection.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject ltls_py_conn_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "lucidtls._lucidtls.Connection",
    .tp_doc = "A sans-I/O TLS connection; made by Context.connection().",
    .tp_basicsize = sizeof(conn_t),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_dealloc = (destructor)conn_dealloc,
    .tp_methods = conn_methods,
    .tp_getset = conn_getset,
};

int ltls_py_conn_init(PyObject *module)
{
    if (PyType_Ready(&ltls_py_conn_type) < 0)
        return -1;
    return PyModule_AddObjectRef(module, "Connection", (PyObject *)&ltls_py_conn_type);
}
