/*
 * key.c - private keys (Key) for Python.
 *
 * A Key owns an ltls_key_t held by a provider, and a reference to that
 * provider's Python object so that the provider outlives the key. Loading
 * may run PBKDF2 with millions of iterations for an encrypted file, so it
 * runs without the GIL; the caller's bytes stay pinned by the buffer protocol
 * meanwhile. The key material never comes back to Python.
 */
#include "ltls_py.h"

static PyObject *key_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"data", "password", "provider", NULL};
    Py_buffer data, pw = {0};
    PyObject *pw_obj = Py_None, *prov_arg = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "y*|OO:Key", kwlist, &data, &pw_obj, &prov_arg))
        return NULL;
    int have_pw = 0;
    if (pw_obj != Py_None) {
        if (PyUnicode_Check(pw_obj)) {
            PyErr_SetString(PyExc_TypeError, "password must be bytes-like, not str (encode it)");
            goto fail_data;
        }
        if (PyObject_GetBuffer(pw_obj, &pw, PyBUF_SIMPLE) < 0)
            goto fail_data;
        have_pw = 1;
    }
    ltls_py_provider_t *prov = ltls_py_provider_get(prov_arg);
    if (!prov)
        goto fail_pw;
    ltls_key_t *key = NULL;
    ltls_err_t err;
    Py_BEGIN_ALLOW_THREADS
    err = ltls_key_load(prov->provider, data.buf, (size_t)data.len,
                        have_pw ? (const char *)pw.buf : NULL, have_pw ? (size_t)pw.len : 0, &key);
    Py_END_ALLOW_THREADS
    if (have_pw)
        PyBuffer_Release(&pw);
    PyBuffer_Release(&data);
    if (err) {
        Py_DECREF(prov);
        return ltls_py_raise(err, NULL, LTLS_PY_WHERE_CONFIG);
    }
    ltls_py_key_t *self = (ltls_py_key_t *)type->tp_alloc(type, 0);
    if (!self) {
        ltls_key_free(key);
        Py_DECREF(prov);
        return NULL;
    }
    self->key = key;
    self->provider = (PyObject *)prov;
    return (PyObject *)self;
fail_pw:
    if (have_pw)
        PyBuffer_Release(&pw);
fail_data:
    PyBuffer_Release(&data);
    return NULL;
}

static void key_dealloc(ltls_py_key_t *self)
{
    ltls_key_free(self->key); /* before the provider that holds it */
    Py_XDECREF(self->provider);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *key_get_type(ltls_py_key_t *self, void *c)
{
    (void)c;
    switch (ltls_key_type(self->key)) {
    case LTLS_KEY_RSA:
        return PyUnicode_FromString("rsa");
    case LTLS_KEY_EC:
        return PyUnicode_FromString("ec");
    case LTLS_KEY_ED25519:
        return PyUnicode_FromString("ed25519");
    case LTLS_KEY_ED448:
        return PyUnicode_FromString("ed448");
    default:
        return PyUnicode_FromString("none");
    }
}

static PyObject *key_get_curve(ltls_py_key_t *self, void *c)
{
    (void)c;
    uint16_t curve = ltls_key_curve(self->key);
    if (!curve)
        Py_RETURN_NONE;
    const ltls_group_t *g = ltls_group_by_code(curve);
    return g ? PyUnicode_FromString(g->name) : PyLong_FromLong(curve);
}

static PyObject *key_get_provider(ltls_py_key_t *self, void *c)
{
    (void)c;
    Py_INCREF(self->provider);
    return self->provider;
}

static PyObject *key_repr(ltls_py_key_t *self)
{
    PyObject *t = key_get_type(self, NULL);
    if (!t)
        return NULL;
    PyObject *r = PyUnicode_FromFormat("<lucidtls Key %U>", t);
    Py_DECREF(t);
    return r;
}

static PyGetSetDef key_getset[] = {
    {"type", (getter)key_get_type, NULL, "'rsa', 'ec', 'ed25519' or 'ed448'.", NULL},
    {"curve", (getter)key_get_curve, NULL, "The curve of an EC key ('secp256r1', ...), else None.",
     NULL},
    {"provider", (getter)key_get_provider, NULL, "The Provider holding the key.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject ltls_py_key_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "lucidtls._lucidtls.Key",
    .tp_doc = "Key(data, password=None, provider=None): a private key loaded from PEM or DER "
              "(PKCS#8, encrypted PKCS#8, SEC1, PKCS#1) into a provider.",
    .tp_basicsize = sizeof(ltls_py_key_t),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = key_new,
    .tp_dealloc = (destructor)key_dealloc,
    .tp_repr = (reprfunc)key_repr,
    .tp_getset = key_getset,
};

int ltls_py_key_init(PyObject *module)
{
    if (PyType_Ready(&ltls_py_key_type) < 0)
        return -1;
    return PyModule_AddObjectRef(module, "Key", (PyObject *)&ltls_py_key_type);
}
