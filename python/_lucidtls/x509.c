/*
 * x509.c - certificates (X509), trust stores (TrustStore) and path
 * validation (verify) for Python.
 *
 * An X509 owns one parsed ltls_cert_t and shows its contents through the
 * library's display accessors (serial, Names attribute by attribute,
 * subjectAltName entries) as raw parts; turning them into the ssl module's
 * getpeercert() dict is left to Python, which knows that format's rules.
 * A TrustStore owns a reference to an ltls_trust_store_t; loading into it
 * is allowed until a context takes it (x509.h: a store is shared between
 * threads only once loading is over), after which it is frozen. File and system loading read the disk and validation
 * checks signatures, so both run without the GIL; the objects they read stay
 * alive because this code holds references to them for the duration.
 */
#include "ltls_py.h"

#include <string.h>

#include "trust/store.h" /* ltls_trust_default_files: see mod_system_trust_files */

/* --- X509 ------------------------------------------------------------------------ */

PyObject *ltls_py_cert_wrap(ltls_cert_t *cert)
{
    ltls_py_cert_t *self = PyObject_New(ltls_py_cert_t, &ltls_py_cert_type);
    if (!self) {
        ltls_cert_free(cert);
        return NULL;
    }
    self->cert = cert;
    return (PyObject *)self;
}

static PyObject *cert_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"der", NULL};
    Py_buffer der;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "y*:X509", kwlist, &der))
        return NULL;
    ltls_cert_t *cert = NULL;
    char detail[256] = "";
    ltls_err_t err =
        ltls_cert_parse_detail(der.buf, (size_t)der.len, NULL, &cert, detail, sizeof detail);
    PyBuffer_Release(&der);
    if (err)
        return ltls_py_raise(err, detail, LTLS_PY_WHERE_CONFIG);
    ltls_py_cert_t *self = (ltls_py_cert_t *)type->tp_alloc(type, 0);
    if (!self) {
        ltls_cert_free(cert);
        return NULL;
    }
    self->cert = cert;
    return (PyObject *)self;
}

static void cert_dealloc(ltls_py_cert_t *self)
{
    ltls_cert_free(self->cert);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *cert_der(ltls_py_cert_t *self, PyObject *unused)
{
    (void)unused;
    size_t len = 0;
    const uint8_t *p = ltls_cert_der(self->cert, &len);
    return PyBytes_FromStringAndSize((const char *)p, (Py_ssize_t)len);
}

static PyObject *name_text(ltls_py_cert_t *self, size_t (*fn)(const ltls_cert_t *, char *, size_t))
{
    char small[256];
    size_t n = fn(self->cert, small, sizeof small);
    if (n < sizeof small)
        return PyUnicode_DecodeUTF8(small, (Py_ssize_t)n, "backslashreplace");
    char *big = PyMem_Malloc(n + 1);
    if (!big)
        return PyErr_NoMemory();
    fn(self->cert, big, n + 1);
    PyObject *s = PyUnicode_DecodeUTF8(big, (Py_ssize_t)n, "backslashreplace");
    PyMem_Free(big);
    return s;
}

static PyObject *cert_subject(ltls_py_cert_t *self, void *c)
{
    (void)c;
    return name_text(self, ltls_cert_subject);
}

static PyObject *cert_issuer(ltls_py_cert_t *self, void *c)
{
    (void)c;
    return name_text(self, ltls_cert_issuer);
}

static PyObject *cert_not_before(ltls_py_cert_t *self, void *c)
{
    (void)c;
    return PyLong_FromLongLong(ltls_cert_not_before(self->cert));
}

static PyObject *cert_not_after(ltls_py_cert_t *self, void *c)
{
    (void)c;
    return PyLong_FromLongLong(ltls_cert_not_after(self->cert));
}

static PyObject *cert_serial(ltls_py_cert_t *self, void *c)
{
    (void)c;
    char small[64];
    size_t n = ltls_cert_serial_hex(self->cert, small, sizeof small);
    if (n < sizeof small)
        return PyUnicode_FromStringAndSize(small, (Py_ssize_t)n);
    /* Serials are at most 20 octets by RFC 5280, but decoding admits more. */
    char *big = PyMem_Malloc(n + 1);
    if (!big)
        return PyErr_NoMemory();
    ltls_cert_serial_hex(self->cert, big, n + 1);
    PyObject *out = PyUnicode_FromStringAndSize(big, (Py_ssize_t)n);
    PyMem_Free(big);
    return out;
}

static PyObject *cert_version(ltls_py_cert_t *self, void *c)
{
    (void)c;
    ltls_cert_info_t info;
    ltls_cert_get_info(self->cert, &info);
    return PyLong_FromUnsignedLong(info.version);
}

static PyObject *cert_ca_info(ltls_py_cert_t *self, PyObject *unused)
{
    (void)unused;
    ltls_cert_info_t info;
    ltls_cert_get_info(self->cert, &info);
    PyObject *bc, *ku;
    if (info.has_basic_constraints)
        bc = Py_BuildValue("(Oi)", info.is_ca ? Py_True : Py_False, info.path_len);
    else
        bc = Py_NewRef(Py_None);
    if (info.has_key_usage)
        ku = PyLong_FromUnsignedLong(info.key_usage);
    else
        ku = Py_NewRef(Py_None);
    if (!bc || !ku) {
        Py_XDECREF(bc);
        Py_XDECREF(ku);
        return NULL;
    }
    return Py_BuildValue("(NNO)", bc, ku, info.self_issued ? Py_True : Py_False);
}

static PyObject *oid_str(const uint8_t *oid, size_t len)
{
    char small[128];
    size_t n = ltls_oid_text(oid, len, small, sizeof small);
    if (n < sizeof small)
        return PyUnicode_FromStringAndSize(small, (Py_ssize_t)n);
    char *big = PyMem_Malloc(n + 1);
    if (!big)
        return PyErr_NoMemory();
    ltls_oid_text(oid, len, big, n + 1);
    PyObject *out = PyUnicode_FromStringAndSize(big, (Py_ssize_t)n);
    PyMem_Free(big);
    return out;
}

/* A Name's attributes as a list of (rdn, oid, tag, value bytes). The
 * stdlib's nested tuples, attribute names and string decoding are the
 * Python layer's business; this only walks. */
static PyObject *name_attrs(const uint8_t *name, size_t len)
{
    PyObject *out = PyList_New(0);
    if (!out)
        return NULL;
    ltls_name_cursor_t cur = {0, 0, 0};
    ltls_name_attr_t a;
    int r;
    while ((r = ltls_name_next(name, len, &cur, &a)) == 1) {
        PyObject *oid = oid_str(a.oid, a.oid_len);
        PyObject *t = oid ? Py_BuildValue("(nNIy#)", (Py_ssize_t)a.rdn, oid, a.tag,
                                          (const char *)a.value, (Py_ssize_t)a.value_len)
                          : NULL;
        if (!t || PyList_Append(out, t) < 0) {
            Py_XDECREF(t);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(t);
    }
    if (r < 0) {
        Py_DECREF(out);
        PyErr_SetString(PyExc_ValueError, "malformed Name");
        return NULL;
    }
    return out;
}

static PyObject *cert_subject_attrs(ltls_py_cert_t *self, PyObject *unused)
{
    (void)unused;
    size_t len;
    const uint8_t *p = ltls_cert_subject_name(self->cert, &len);
    return name_attrs(p, len);
}

static PyObject *cert_issuer_attrs(ltls_py_cert_t *self, PyObject *unused)
{
    (void)unused;
    size_t len;
    const uint8_t *p = ltls_cert_issuer_name(self->cert, &len);
    return name_attrs(p, len);
}

static PyObject *cert_san(ltls_py_cert_t *self, PyObject *unused)
{
    (void)unused;
    PyObject *out = PyList_New(0);
    if (!out)
        return NULL;
    size_t pos = 0, len;
    int kind;
    const uint8_t *v;
    while (ltls_cert_san_next(self->cert, &pos, &kind, &v, &len)) {
        PyObject *value;
        if (kind == LTLS_SAN_DIRECTORY)
            value = name_attrs(v, len);
        else if (kind == LTLS_SAN_REGISTERED_ID)
            value = oid_str(v, len);
        else
            value = PyBytes_FromStringAndSize((const char *)v, (Py_ssize_t)len);
        PyObject *t = value ? Py_BuildValue("(iN)", kind, value) : NULL;
        if (!t || PyList_Append(out, t) < 0) {
            Py_XDECREF(t);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(t);
    }
    return out;
}

static PyObject *cert_match_host(ltls_py_cert_t *self, PyObject *arg)
{
    if (!PyUnicode_Check(arg)) {
        PyErr_Format(PyExc_TypeError, "host must be a str, not %.100s", Py_TYPE(arg)->tp_name);
        return NULL;
    }
    Py_ssize_t n;
    const char *host = PyUnicode_AsUTF8AndSize(arg, &n);
    if (!host)
        return NULL;
    if ((size_t)n != strlen(host)) {
        PyErr_SetString(PyExc_ValueError, "host contains a NUL character");
        return NULL;
    }
    return PyBool_FromLong(ltls_x509_match_host(self->cert, host));
}

static PyObject *cert_richcompare(PyObject *a, PyObject *b, int op)
{
    if (!PyObject_TypeCheck(b, &ltls_py_cert_type) || (op != Py_EQ && op != Py_NE))
        Py_RETURN_NOTIMPLEMENTED;
    size_t la, lb;
    const uint8_t *pa = ltls_cert_der(((ltls_py_cert_t *)a)->cert, &la);
    const uint8_t *pb = ltls_cert_der(((ltls_py_cert_t *)b)->cert, &lb);
    int eq = la == lb && memcmp(pa, pb, la) == 0;
    return PyBool_FromLong(op == Py_EQ ? eq : !eq);
}

static Py_hash_t cert_hash(ltls_py_cert_t *self)
{
    size_t len;
    const uint8_t *p = ltls_cert_der(self->cert, &len);
    PyObject *b = PyBytes_FromStringAndSize((const char *)p, (Py_ssize_t)len);
    if (!b)
        return -1;
    Py_hash_t h = PyObject_Hash(b);
    Py_DECREF(b);
    return h;
}

static PyObject *cert_repr(ltls_py_cert_t *self)
{
    PyObject *subj = name_text(self, ltls_cert_subject);
    if (!subj)
        return NULL;
    PyObject *r = PyUnicode_FromFormat("<lucidtls X509 %R>", subj);
    Py_DECREF(subj);
    return r;
}

static PyMethodDef cert_methods[] = {
    {"der", (PyCFunction)cert_der, METH_NOARGS, "der() -> bytes: the DER encoding."},
    {"match_host", (PyCFunction)cert_match_host, METH_O,
     "match_host(host) -> bool: whether subjectAltName matches the DNS name or IP literal."},
    {"subject_attrs", (PyCFunction)cert_subject_attrs, METH_NOARGS,
     "subject_attrs() -> list of (rdn, oid, tag, value): the subject's attributes in encoding "
     "order (rdn counts RelativeDistinguishedNames from 0, oid is dotted text, tag the value's "
     "universal tag number or 0, value its contents)."},
    {"issuer_attrs", (PyCFunction)cert_issuer_attrs, METH_NOARGS,
     "issuer_attrs() -> list of (rdn, oid, tag, value): the issuer's, as subject_attrs()."},
    {"san", (PyCFunction)cert_san, METH_NOARGS,
     "san() -> list of (kind, value): subjectAltName entries in order. kind is the GeneralName "
     "tag (1 email, 2 DNS, 6 URI, 7 IP, 4 directoryName, 8 registeredID, 0/3/5 others); value "
     "is bytes (IP: 4 or 16 octets), an attribute list as subject_attrs() gives for a "
     "directoryName, dotted text for a registeredID."},
    {"ca_info", (PyCFunction)cert_ca_info, METH_NOARGS,
     "ca_info() -> (basic_constraints, key_usage, self_issued): basic_constraints is "
     "(is_ca, path_len) or None, key_usage the keyUsage bits (1 << n for bit n) or None."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef cert_getset[] = {
    {"subject", (getter)cert_subject, NULL, "The subject, RFC 4514-style text.", NULL},
    {"issuer", (getter)cert_issuer, NULL, "The issuer, RFC 4514-style text.", NULL},
    {"not_before", (getter)cert_not_before, NULL, "notBefore, seconds since the epoch.", NULL},
    {"not_after", (getter)cert_not_after, NULL, "notAfter, seconds since the epoch.", NULL},
    {"serial", (getter)cert_serial, NULL,
     "The serial number as upper-case hex, as OpenSSL prints it.", NULL},
    {"version", (getter)cert_version, NULL, "The X.509 version (1, 2 or 3).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject ltls_py_cert_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "lucidtls._lucidtls.X509",
    .tp_doc = "X509(der): one decoded X.509 certificate (strict DER).",
    .tp_basicsize = sizeof(ltls_py_cert_t),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = cert_new,
    .tp_dealloc = (destructor)cert_dealloc,
    .tp_repr = (reprfunc)cert_repr,
    .tp_hash = (hashfunc)cert_hash,
    .tp_richcompare = cert_richcompare,
    .tp_methods = cert_methods,
    .tp_getset = cert_getset,
};

static PyObject *mod_parse_certs(PyObject *m, PyObject *arg)
{
    (void)m;
    Py_buffer data;
    if (PyObject_GetBuffer(arg, &data, PyBUF_SIMPLE) < 0)
        return NULL;
    ltls_cert_t **certs = NULL;
    size_t count = 0;
    ltls_err_t err = ltls_cert_list_parse(data.buf, (size_t)data.len, NULL, &certs, &count);
    PyBuffer_Release(&data);
    if (err)
        return ltls_py_raise(err, NULL, LTLS_PY_WHERE_CONFIG);
    PyObject *out = PyList_New((Py_ssize_t)count);
    if (!out) {
        ltls_cert_list_free(certs, count, NULL);
        return NULL;
    }
    for (size_t i = 0; i < count; i++) {
        /* Ownership moves to the X509 objects one by one: what is left in
         * certs after a failure is freed below. */
        PyObject *c = ltls_py_cert_wrap(certs[i]);
        certs[i] = NULL;
        if (!c) {
            for (size_t j = i + 1; j < count; j++)
                ltls_cert_free(certs[j]);
            ltls_cert_list_free(certs, 0, NULL);
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, (Py_ssize_t)i, c);
    }
    ltls_cert_list_free(certs, 0, NULL);
    return out;
}

/* --- TrustStore ------------------------------------------------------------------------ */

static PyObject *trust_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    if (!PyArg_ParseTuple(args, ":TrustStore") || (kw && PyDict_Size(kw))) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "TrustStore() takes no arguments");
        return NULL;
    }
    ltls_trust_store_t *store = NULL;
    ltls_err_t err = ltls_trust_store_new(NULL, &store);
    if (err)
        return ltls_py_raise(err, NULL, LTLS_PY_WHERE_CONFIG);
    ltls_py_trust_t *self = (ltls_py_trust_t *)type->tp_alloc(type, 0);
    if (!self) {
        ltls_trust_store_unref(store);
        return NULL;
    }
    self->store = store;
    return (PyObject *)self;
}

static void trust_dealloc(ltls_py_trust_t *self)
{
    ltls_trust_store_unref(self->store);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int trust_writable(ltls_py_trust_t *self)
{
    if (self->busy || self->readers) {
        ltls_py_busy_error("TrustStore");
        return 0;
    }
    if (self->frozen) {
        PyErr_SetString(PyExc_ValueError,
                        "this trust store is used by a context and can no longer be changed");
        return 0;
    }
    return 1;
}

static PyObject *trust_add(ltls_py_trust_t *self, PyObject *arg)
{
    if (!trust_writable(self))
        return NULL;
    Py_buffer data;
    if (PyObject_GetBuffer(arg, &data, PyBUF_SIMPLE) < 0)
        return NULL;
    size_t added = 0;
    ltls_err_t err = ltls_trust_store_add(self->store, data.buf, (size_t)data.len, &added);
    PyBuffer_Release(&data);
    if (err)
        return ltls_py_raise(err, NULL, LTLS_PY_WHERE_CONFIG);
    return PyLong_FromSize_t(added);
}

/* add_file / add_dir: the disk is read without the GIL. */
static PyObject *trust_add_path(ltls_py_trust_t *self, PyObject *arg, int dir)
{
    if (!trust_writable(self))
        return NULL;
    PyObject *path = ltls_py_fspath_bytes(arg);
    if (!path)
        return NULL;
    size_t added = 0;
    ltls_err_t err;
    self->busy = 1;
    Py_BEGIN_ALLOW_THREADS
    err = dir ? ltls_trust_store_add_dir(self->store, PyBytes_AS_STRING(path), &added)
              : ltls_trust_store_add_file(self->store, PyBytes_AS_STRING(path), &added);
    Py_END_ALLOW_THREADS
    self->busy = 0;
    if (err) {
        char detail[600];
        PyOS_snprintf(detail, sizeof detail, "%s", PyBytes_AS_STRING(path));
        Py_DECREF(path);
        return ltls_py_raise(err, detail, LTLS_PY_WHERE_CONFIG);
    }
    Py_DECREF(path);
    return PyLong_FromSize_t(added);
}

static PyObject *trust_add_file(ltls_py_trust_t *self, PyObject *arg)
{
    return trust_add_path(self, arg, 0);
}

static PyObject *trust_add_dir(ltls_py_trust_t *self, PyObject *arg)
{
    return trust_add_path(self, arg, 1);
}

static PyObject *trust_add_system(ltls_py_trust_t *self, PyObject *unused)
{
    (void)unused;
    if (!trust_writable(self))
        return NULL;
    size_t added = 0;
    ltls_err_t err;
    self->busy = 1;
    Py_BEGIN_ALLOW_THREADS
    err = ltls_trust_store_add_system(self->store, &added);
    Py_END_ALLOW_THREADS
    self->busy = 0;
    if (err)
        return ltls_py_raise(err, NULL, LTLS_PY_WHERE_CONFIG);
    return PyLong_FromSize_t(added);
}

static PyObject *trust_add_id(ltls_py_trust_t *self, PyObject *arg)
{
    if (!trust_writable(self))
        return NULL;
    Py_buffer id;
    if (PyObject_GetBuffer(arg, &id, PyBUF_SIMPLE) < 0)
        return NULL;
    ltls_err_t err = ltls_trust_store_add_id(self->store, id.buf, (size_t)id.len);
    PyBuffer_Release(&id);
    if (err)
        return ltls_py_raise(err, NULL, LTLS_PY_WHERE_CONFIG);
    Py_RETURN_NONE;
}

static Py_ssize_t trust_len(ltls_py_trust_t *self)
{
    return (Py_ssize_t)ltls_trust_store_count(self->store);
}

static PyObject *trust_get_frozen(ltls_py_trust_t *self, void *c)
{
    (void)c;
    return PyBool_FromLong(self->frozen);
}

static PyMethodDef trust_methods[] = {
    {"add", (PyCFunction)trust_add, METH_O,
     "add(data) -> int: adds the certificates of PEM text or one DER certificate; all or none."},
    {"add_file", (PyCFunction)trust_add_file, METH_O,
     "add_file(path) -> int: adds a PEM bundle or DER file."},
    {"add_dir", (PyCFunction)trust_add_dir, METH_O,
     "add_dir(path) -> int: adds a hashed or plain directory of PEM files."},
    {"add_system", (PyCFunction)trust_add_system, METH_NOARGS,
     "add_system() -> int: adds the operating system's store (SSL_CERT_FILE/SSL_CERT_DIR "
     "override it)."},
    {"add_id", (PyCFunction)trust_add_id, METH_O,
     "add_id(id): certificates by id are not supported; always raises ConfigurationError."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef trust_getset[] = {
    {"frozen", (getter)trust_get_frozen, NULL, "True once a context uses the store.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PySequenceMethods trust_as_sequence = {
    .sq_length = (lenfunc)trust_len,
};

PyTypeObject ltls_py_trust_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "lucidtls._lucidtls.TrustStore",
    .tp_doc = "TrustStore(): an empty set of trust anchors to load into.",
    .tp_basicsize = sizeof(ltls_py_trust_t),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = trust_new,
    .tp_dealloc = (destructor)trust_dealloc,
    .tp_methods = trust_methods,
    .tp_getset = trust_getset,
    .tp_as_sequence = &trust_as_sequence,
};

/* --- verify ------------------------------------------------------------------------------ */

/* Borrowed ltls_cert_t pointers of a sequence of X509 (the sequence object
 * `fast` keeps them alive). */
static int cert_array(PyObject *seq, const char *what, PyObject **fast, const ltls_cert_t ***out,
                      size_t *count)
{
    *fast = PySequence_Fast(seq, "");
    if (!*fast) {
        PyErr_Format(PyExc_TypeError, "%s must be a sequence of X509", what);
        return -1;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(*fast);
    if (n > LTLS_X509_MAX_CHAIN) {
        PyErr_Format(PyExc_ValueError, "%s: at most %d certificates", what, LTLS_X509_MAX_CHAIN);
        goto fail;
    }
    const ltls_cert_t **v = PyMem_Malloc(((size_t)n + 1) * sizeof *v);
    if (!v) {
        PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *o = PySequence_Fast_GET_ITEM(*fast, i);
        if (!PyObject_TypeCheck(o, &ltls_py_cert_type)) {
            PyErr_Format(PyExc_TypeError, "%s must hold X509 objects, not %.100s", what,
                         Py_TYPE(o)->tp_name);
            PyMem_Free(v);
            goto fail;
        }
        v[i] = ((ltls_py_cert_t *)o)->cert;
    }
    *out = v;
    *count = (size_t)n;
    return 0;
fail:
    Py_CLEAR(*fast);
    return -1;
}

static PyObject *mod_verify(PyObject *m, PyObject *args, PyObject *kw)
{
    (void)m;
    static char *kwlist[] = {"chain", "trust", "host", "purpose", "now", "extra", "provider", NULL};
    PyObject *chain, *trust, *host = Py_None, *extra = NULL, *prov_arg = Py_None;
    const char *purpose = "server";
    long long now = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO!|OsLOO:verify", kwlist, &chain,
                                     &ltls_py_trust_type, &trust, &host, &purpose, &now, &extra,
                                     &prov_arg))
        return NULL;
    ltls_verify_params_t params;
    memset(&params, 0, sizeof params);
    if (strcmp(purpose, "server") == 0)
        params.purpose = LTLS_PURPOSE_SERVER_AUTH;
    else if (strcmp(purpose, "client") == 0)
        params.purpose = LTLS_PURPOSE_CLIENT_AUTH;
    else {
        PyErr_Format(PyExc_ValueError, "purpose must be 'server' or 'client', not '%s'", purpose);
        return NULL;
    }
    const char *host_c = NULL;
    if (host != Py_None) {
        if (!PyUnicode_Check(host)) {
            PyErr_SetString(PyExc_TypeError, "host must be a str or None");
            return NULL;
        }
        Py_ssize_t hn;
        host_c = PyUnicode_AsUTF8AndSize(host, &hn);
        if (!host_c)
            return NULL;
        if ((size_t)hn != strlen(host_c)) {
            PyErr_SetString(PyExc_ValueError, "host contains a NUL character");
            return NULL;
        }
    }
    if (now < 0) {
        PyErr_SetString(PyExc_ValueError, "now must be >= 0");
        return NULL;
    }
    ltls_py_provider_t *prov = ltls_py_provider_get(prov_arg);
    if (!prov)
        return NULL;
    PyObject *chain_fast = NULL, *extra_fast = NULL, *result = NULL;
    const ltls_cert_t **peer = NULL, **more = NULL;
    size_t peer_n = 0, more_n = 0;
    if (cert_array(chain, "chain", &chain_fast, &peer, &peer_n) < 0)
        goto done;
    if (peer_n == 0) {
        PyErr_SetString(PyExc_ValueError, "chain must hold at least the leaf certificate");
        goto done;
    }
    if (extra && extra != Py_None && cert_array(extra, "extra", &extra_fast, &more, &more_n) < 0)
        goto done;
    params.provider = prov->provider;
    params.trust = ((ltls_py_trust_t *)trust)->store;
    params.peer = peer;
    params.peer_count = peer_n;
    params.extra = more;
    params.extra_count = more_n;
    params.host = host_c;
    params.now = now ? (int64_t)now : ltls_clock_system(NULL);

    ltls_verify_result_t *res = PyMem_Malloc(sizeof *res);
    if (!res) {
        PyErr_NoMemory();
        goto done;
    }
    memset(res, 0, sizeof *res);
    ltls_py_trust_t *t = (ltls_py_trust_t *)trust;
    if (t->busy) {
        ltls_py_busy_error("TrustStore");
        PyMem_Free(res);
        goto done;
    }
    /* Validation only reads the store; loaders refuse while readers walk it
     * without the GIL. */
    t->readers++;
    ltls_err_t err;
    Py_BEGIN_ALLOW_THREADS
    err = ltls_x509_verify(&params, res);
    Py_END_ALLOW_THREADS
    t->readers--;
    if (err) {
        ltls_py_set_error_depth(res->depth);
        ltls_py_raise(err, res->detail, LTLS_PY_WHERE_VERIFY);
        PyMem_Free(res);
        goto done;
    }
    result = PyList_New(0);
    for (size_t i = 0; result && i < res->path_len; i++) {
        /* The path borrows from the chain and the store: hand out copies. */
        size_t len;
        const uint8_t *der = ltls_cert_der(res->path[i], &len);
        PyObject *b = PyBytes_FromStringAndSize((const char *)der, (Py_ssize_t)len);
        if (!b || PyList_Append(result, b) < 0)
            Py_CLEAR(result);
        Py_XDECREF(b);
    }
    PyMem_Free(res);
done:
    PyMem_Free(peer);
    PyMem_Free(more);
    Py_XDECREF(chain_fast);
    Py_XDECREF(extra_fast);
    Py_DECREF(prov);
    return result;
}

/* The bundle files the system store tries, in order (src/trust/system.c).
 * Not public API: the list is the library's own, and this extension links
 * that very library statically, so the two cannot drift apart. The ssl face
 * needs it to list the system anchors loaded from a file, as ssl does. */
static PyObject *mod_system_trust_files(PyObject *m, PyObject *unused)
{
    (void)m, (void)unused;
    PyObject *out = PyList_New(0);
    for (size_t i = 0; out && ltls_trust_default_files[i]; i++) {
        PyObject *s = PyUnicode_DecodeFSDefault(ltls_trust_default_files[i]);
        if (!s || PyList_Append(out, s) < 0)
            Py_CLEAR(out);
        Py_XDECREF(s);
    }
    return out;
}

static PyMethodDef x509_functions[] = {
    {"system_trust_files", mod_system_trust_files, METH_NOARGS,
     "system_trust_files() -> list[str]: the bundle files TrustStore.add_system() tries in "
     "order (the first that exists is read, unless SSL_CERT_FILE/SSL_CERT_DIR are set)."},
    {"parse_certs", mod_parse_certs, METH_O,
     "parse_certs(data) -> list[X509]: every certificate of PEM text, or one DER certificate."},
    {"verify", (PyCFunction)(void (*)(void))mod_verify, METH_VARARGS | METH_KEYWORDS,
     "verify(chain, trust, host=None, purpose='server', now=0, extra=None, provider=None)"
     " -> list[bytes]\n\nValidates chain (X509 objects, leaf first) against trust for host "
     "at time now (0: the system clock); returns the validated path as DER, leaf first, "
     "anchor last. Raises CertificateVerificationError (with .depth) on failure."},
    {NULL, NULL, 0, NULL},
};

int ltls_py_x509_init(PyObject *module)
{
    if (PyType_Ready(&ltls_py_cert_type) < 0 || PyType_Ready(&ltls_py_trust_type) < 0)
        return -1;
    if (PyModule_AddObjectRef(module, "X509", (PyObject *)&ltls_py_cert_type) < 0 ||
        PyModule_AddObjectRef(module, "TrustStore", (PyObject *)&ltls_py_trust_type) < 0)
        return -1;
    return PyModule_AddFunctions(module, x509_functions);
}
