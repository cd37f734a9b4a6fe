/*
 * sock.c - blocking TLS sockets (Socket) for Python: socket.h's
 * ltls_socket_t, which PEP 748's TLSSocket is built on.
 *
 * The socket helper does the network I/O and the handshake itself, so each
 * call here blocks without the GIL, bounded by the socket's timeout. The
 * descriptor belongs to the ltls_socket_t; a Socket is marked busy while a
 * call runs and refuses concurrent calls, as a Connection does. A Socket that
 * is garbage-collected unclosed is closed with force (no close_notify): a
 * finalizer must not block on the network.
 */
#include "ltls_py.h"

#include <limits.h>
#include <string.h>


typedef struct {
    PyObject_HEAD
    ltls_socket_t *sock;
    ltls_py_context_t *ctx;
    int busy;
} sock_t;

static PyTypeObject sock_type;

#define READ_CHUNK_MAX (256u * 1024u) /* largest bytes object recv() allocates */

#define SENTER(s)                                             \
    do {                                                      \
        if (!(s)->sock) {                                     \
            PyErr_SetString(PyExc_OSError, "the socket is closed"); \
            return NULL;                                      \
        }                                                     \
        if ((s)->busy)                                        \
            return ltls_py_busy_error("socket");              \
    } while (0)

static PyObject *sock_error(sock_t *s, ltls_err_t err)
{
    return ltls_py_raise(err, s->sock ? ltls_socket_error_detail(s->sock) : NULL, LTLS_PY_WHERE_CONN);
}

static int timeout_ms_of(PyObject *t, int *ms)
{
    if (t == Py_None) {
        *ms = -1;
        return 0;
    }
    double d = PyFloat_AsDouble(t);
    if (d == -1.0 && PyErr_Occurred())
        return -1;
    if (!(d >= 0.0) || d > (double)INT_MAX / 1000.0) {
        PyErr_SetString(PyExc_ValueError, "timeout must be None or a number of seconds >= 0");
        return -1;
    }
    *ms = (int)(d * 1000.0);
    if (*ms == 0 && d > 0.0)
        *ms = 1; /* a tiny positive timeout is not non-blocking mode */
    return 0;
}

static PyObject *sock_wrap(ltls_py_context_t *ctx, ltls_socket_t *ls)
{
    sock_t *s = PyObject_New(sock_t, &sock_type);
    if (!s) {
        ltls_socket_close(ls, 1);
        return NULL;
    }
    s->sock = ls;
    Py_INCREF(ctx);
    s->ctx = ctx;
    s->busy = 0;
    return (PyObject *)s;
}

static PyObject *mod_socket_connect(PyObject *m, PyObject *args, PyObject *kw)
{
    (void)m;
    static char *kwlist[] = {"context", "host", "port", "server_name", "timeout", NULL};
    PyObject *ctx, *timeout = Py_None;
    const char *host, *server_name = NULL;
    int port;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O!si|zO:socket_connect", kwlist,
                                     &ltls_py_context_type, &ctx, &host, &port, &server_name,
                                     &timeout))
        return NULL;
    int ms;
    if (timeout_ms_of(timeout, &ms) < 0)
        return NULL;
    if (port < 0 || port > 65535) {
        PyErr_SetString(PyExc_OverflowError, "port must be 0-65535");
        return NULL;
    }
    if (((ltls_py_context_t *)ctx)->server) {
        PyErr_SetString(PyExc_ValueError, "socket_connect needs a client context");
        return NULL;
    }
    char port_s[8];
    PyOS_snprintf(port_s, sizeof port_s, "%d", port);
    ltls_socket_t *ls = NULL;
    char detail[512] = "";
    ltls_err_t err;
    Py_BEGIN_ALLOW_THREADS
    err = ltls_socket_connect(((ltls_py_context_t *)ctx)->ctx, host, port_s, server_name, ms, &ls,
                              detail, sizeof detail);
    Py_END_ALLOW_THREADS
    if (err)
        return ltls_py_raise(err, detail, LTLS_PY_WHERE_CONN);
    return sock_wrap((ltls_py_context_t *)ctx, ls);
}

static PyObject *mod_socket_accept(PyObject *m, PyObject *args, PyObject *kw)
{
    (void)m;
    static char *kwlist[] = {"context", "listen_fd", "timeout", NULL};
    PyObject *ctx, *timeout = Py_None;
    int fd;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O!i|O:socket_accept", kwlist,
                                     &ltls_py_context_type, &ctx, &fd, &timeout))
        return NULL;
    int ms;
    if (timeout_ms_of(timeout, &ms) < 0)
        return NULL;
    if (fd < 0) {
        PyErr_SetString(PyExc_ValueError, "listen_fd must be a descriptor");
        return NULL;
    }
    if (!((ltls_py_context_t *)ctx)->server) {
        PyErr_SetString(PyExc_ValueError, "socket_accept needs a server context");
        return NULL;
    }
    ltls_socket_t *ls = NULL;
    char detail[512] = "";
    ltls_err_t err;
    Py_BEGIN_ALLOW_THREADS
    err = ltls_socket_accept(((ltls_py_context_t *)ctx)->ctx, fd, ms, &ls, detail, sizeof detail);
    Py_END_ALLOW_THREADS
    if (err)
        return ltls_py_raise(err, detail, LTLS_PY_WHERE_CONN);
    return sock_wrap((ltls_py_context_t *)ctx, ls);
}

static void sock_dealloc(sock_t *s)
{
    if (s->sock)
        ltls_socket_close(s->sock, 1); /* no blocking close_notify from a finalizer */
    Py_XDECREF(s->ctx);
    PyObject_Free(s);
}

static PyObject *sock_send(sock_t *s, PyObject *arg)
{
    SENTER(s);
    Py_buffer data;
    if (PyObject_GetBuffer(arg, &data, PyBUF_SIMPLE) < 0)
        return NULL;
    size_t sent = 0;
    ltls_err_t err;
    s->busy = 1;
    Py_BEGIN_ALLOW_THREADS
    err = ltls_socket_send(s->sock, data.buf, (size_t)data.len, &sent);
    Py_END_ALLOW_THREADS
    s->busy = 0;
    PyBuffer_Release(&data);
    /* Partial progress is reported as such; the error comes on the next call
     * (it is sticky). */
    if (err && sent == 0)
        return sock_error(s, err);
    return PyLong_FromSize_t(sent);
}

static PyObject *sock_recv(sock_t *s, PyObject *args)
{
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "n:recv", &n))
        return NULL;
    SENTER(s);
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "negative buffer size in recv");
        return NULL;
    }
    size_t cap = (size_t)n < READ_CHUNK_MAX ? (size_t)n : READ_CHUNK_MAX;
    if (cap == 0)
        return PyBytes_FromStringAndSize(NULL, 0);
    PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)cap);
    if (!out)
        return NULL;
    size_t got = 0;
    ltls_err_t err;
    s->busy = 1;
    Py_BEGIN_ALLOW_THREADS
    err = ltls_socket_recv(s->sock, (uint8_t *)PyBytes_AS_STRING(out), cap, &got);
    Py_END_ALLOW_THREADS
    s->busy = 0;
    if (err) {
        Py_DECREF(out);
        if (ltls_err_reason(err) == LTLS_R_CLOSED)
            return PyBytes_FromStringAndSize(NULL, 0);
        return sock_error(s, err);
    }
    if (got != cap && _PyBytes_Resize(&out, (Py_ssize_t)got) < 0)
        return NULL;
    return out;
}

static PyObject *sock_simple(sock_t *s, int what, int arg)
{
    SENTER(s);
    ltls_err_t err;
    s->busy = 1;
    Py_BEGIN_ALLOW_THREADS
    err = what == 0 ? ltls_socket_shutdown(s->sock) : ltls_socket_key_update(s->sock, arg);
    Py_END_ALLOW_THREADS
    s->busy = 0;
    if (err)
        return sock_error(s, err);
    Py_RETURN_NONE;
}

static PyObject *sock_shutdown(sock_t *s, PyObject *unused)
{
    (void)unused;
    return sock_simple(s, 0, 0);
}

static PyObject *sock_key_update(sock_t *s, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"request_peer", NULL};
    int req = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|p:key_update", kwlist, &req))
        return NULL;
    return sock_simple(s, 1, req);
}

static PyObject *sock_close(sock_t *s, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"force", NULL};
    int force = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|p:close", kwlist, &force))
        return NULL;
    if (!s->sock)
        Py_RETURN_NONE;
    if (s->busy)
        return ltls_py_busy_error("socket");
    ltls_socket_t *ls = s->sock;
    s->sock = NULL;
    Py_BEGIN_ALLOW_THREADS
    ltls_socket_close(ls, force);
    Py_END_ALLOW_THREADS
    Py_RETURN_NONE;
}

static PyObject *sock_settimeout(sock_t *s, PyObject *arg)
{
    SENTER(s);
    int ms;
    if (timeout_ms_of(arg, &ms) < 0)
        return NULL;
    ltls_socket_set_timeout(s->sock, ms);
    Py_RETURN_NONE;
}

static PyObject *sock_gettimeout(sock_t *s, PyObject *unused)
{
    (void)unused;
    SENTER(s);
    int ms = ltls_socket_timeout(s->sock);
    if (ms < 0)
        Py_RETURN_NONE;
    return PyFloat_FromDouble(ms / 1000.0);
}

static PyObject *sock_fileno(sock_t *s, PyObject *unused)
{
    (void)unused;
    if (!s->sock)
        return PyLong_FromLong(-1);
    return PyLong_FromLong(ltls_socket_fd(s->sock));
}

static PyObject *sock_address(sock_t *s, int peer)
{
    SENTER(s);
    char host[64];
    uint16_t port = 0;
    ltls_err_t err = peer ? ltls_socket_peer_address(s->sock, host, sizeof host, &port)
                          : ltls_socket_local_address(s->sock, host, sizeof host, &port);
    if (err)
        return sock_error(s, err);
    return Py_BuildValue("(si)", host, (int)port);
}

static PyObject *sock_getsockname(sock_t *s, PyObject *unused)
{
    (void)unused;
    return sock_address(s, 0);
}

static PyObject *sock_getpeername(sock_t *s, PyObject *unused)
{
    (void)unused;
    return sock_address(s, 1);
}

static PyObject *sock_info(sock_t *s, PyObject *unused)
{
    (void)unused;
    SENTER(s);
    return ltls_py_info_of(ltls_socket_conn(s->sock));
}

static PyObject *sock_peer_certs(sock_t *s, PyObject *unused)
{
    (void)unused;
    SENTER(s);
    return ltls_py_peer_certs_of(ltls_socket_conn(s->sock));
}

static PyObject *sock_export(sock_t *s, PyObject *args, PyObject *kw)
{
    SENTER(s);
    return ltls_py_export_of(ltls_socket_conn(s->sock), args, kw);
}

static PyObject *sock_get_error(sock_t *s, void *cl)
{
    (void)cl;
    SENTER(s);
    ltls_err_t err = ltls_socket_error(s->sock);
    if (!err)
        Py_RETURN_NONE;
    sock_error(s, err);
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    Py_XDECREF(type);
    Py_XDECREF(tb);
    return value;
}

static PyObject *sock_get_closed(sock_t *s, void *cl)
{
    (void)cl;
    return PyBool_FromLong(s->sock == NULL);
}

static PyMethodDef sock_methods[] = {
    {"send", (PyCFunction)sock_send, METH_O, "send(data) -> int: sends all of data (blocking)."},
    {"recv", (PyCFunction)sock_recv, METH_VARARGS,
     "recv(n) -> bytes: up to n bytes; b'' after close_notify; RaggedEOF without it."},
    {"shutdown", (PyCFunction)sock_shutdown, METH_NOARGS, "shutdown(): sends close_notify."},
    {"key_update", (PyCFunction)(void (*)(void))sock_key_update, METH_VARARGS | METH_KEYWORDS,
     "key_update(request_peer=False)"},
    {"close", (PyCFunction)(void (*)(void))sock_close, METH_VARARGS | METH_KEYWORDS,
     "close(force=False): close_notify (unless force), then closes the descriptor."},
    {"settimeout", (PyCFunction)sock_settimeout, METH_O,
     "settimeout(seconds | None): None blocks, 0 is non-blocking."},
    {"gettimeout", (PyCFunction)sock_gettimeout, METH_NOARGS, "gettimeout() -> float | None"},
    {"fileno", (PyCFunction)sock_fileno, METH_NOARGS, "fileno() -> int (-1 once closed)"},
    {"getsockname", (PyCFunction)sock_getsockname, METH_NOARGS, "getsockname() -> (host, port)"},
    {"getpeername", (PyCFunction)sock_getpeername, METH_NOARGS, "getpeername() -> (host, port)"},
    {"info", (PyCFunction)sock_info, METH_NOARGS, "info() -> dict, as Connection.info()."},
    {"peer_certs", (PyCFunction)sock_peer_certs, METH_NOARGS, "peer_certs() -> list[bytes]"},
    {"export_keying_material", (PyCFunction)(void (*)(void))sock_export,
     METH_VARARGS | METH_KEYWORDS, "export_keying_material(label, length, context=None) -> bytes"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef sock_getset[] = {
    {"error", (getter)sock_get_error, NULL, "The socket's sticky error as an exception, or None.",
     NULL},
    {"closed", (getter)sock_get_closed, NULL, "True once close() was called.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject sock_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "lucidtls._lucidtls.Socket",
    .tp_doc = "A blocking TLS socket (socket.h); made by socket_connect() / socket_accept().",
    .tp_basicsize = sizeof(sock_t),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_dealloc = (destructor)sock_dealloc,
    .tp_methods = sock_methods,
    .tp_getset = sock_getset,
};

static PyMethodDef sock_functions[] = {
    {"socket_connect", (PyCFunction)(void (*)(void))mod_socket_connect,
     METH_VARARGS | METH_KEYWORDS,
     "socket_connect(context, host, port, server_name=None, timeout=None) -> Socket: "
     "connects and completes the handshake."},
    {"socket_accept", (PyCFunction)(void (*)(void))mod_socket_accept, METH_VARARGS | METH_KEYWORDS,
     "socket_accept(context, listen_fd, timeout=None) -> Socket: accepts one client and "
     "completes the handshake."},
    {NULL, NULL, 0, NULL},
};

int ltls_py_sock_init(PyObject *module)
{
    if (PyType_Ready(&sock_type) < 0)
        return -1;
    if (PyModule_AddObjectRef(module, "Socket", (PyObject *)&sock_type) < 0)
        return -1;
    return PyModule_AddFunctions(module, sock_functions);
}
