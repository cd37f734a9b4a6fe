/*
 * module.c - the lucidtls._lucidtls module: its initialisation, the Provider
 * type and small argument helpers the other files share.
 *
 * A provider must outlive every key and context made with it, so it is a
 * Python object that those objects reference; the default provider is
 * created once, on first use, and kept by the module for the life of the
 * process (contexts made at any time can share it). The module uses static
 * types and single-phase initialisation: lucidtls keeps no global state, and
 * the extension's only global is that default provider.
 */
#include "ltls_py.h"

#include <string.h>

static PyObject *default_provider; /* strong reference, created lazily */

/* --- Provider --------------------------------------------------------------------- */

static PyObject *provider_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"name", NULL};
    const char *name = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|z:Provider", kwlist, &name))
        return NULL;
    ltls_provider_t *p = NULL;
    ltls_err_t err = ltls_provider_new(name, NULL, &p);
    if (err) {
        if (ltls_err_reason(err) == LTLS_R_UNSUPPORTED_ALGORITHM && name)
            return ltls_py_config_error("no built-in crypto provider named '%s'", name);
        return ltls_py_raise(err, NULL, LTLS_PY_WHERE_CONFIG);
    }
    ltls_py_provider_t *self = (ltls_py_provider_t *)type->tp_alloc(type, 0);
    if (!self) {
        ltls_provider_free(p);
        return NULL;
    }
    self->provider = p;
    return (PyObject *)self;
}

static void provider_dealloc(ltls_py_provider_t *self)
{
    ltls_provider_free(self->provider);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *provider_get_name(ltls_py_provider_t *self, void *closure)
{
    (void)closure;
    return PyUnicode_FromString(self->provider->name);
}

/* (code, name) pairs of a NULL-terminated descriptor list of one kind
 * (0 suites, 1 groups, 2 signature schemes): the descriptor structs differ,
 * so each kind is read through its own type. */
static PyObject *pairs(const void *const *list, int kind)
{
    PyObject *out = PyList_New(0);
    if (!out)
        return NULL;
    for (size_t i = 0; list && list[i]; i++) {
        uint16_t code;
        const char *name;
        if (kind == 0) {
            const ltls_suite_t *s = list[i];
            code = s->code, name = s->name;
        } else if (kind == 1) {
            const ltls_group_t *g = list[i];
            code = g->code, name = g->name;
        } else {
            const ltls_sigscheme_t *g = list[i];
            code = g->code, name = g->name;
        }
        PyObject *t = Py_BuildValue("(Hs)", code, name);
        if (!t || PyList_Append(out, t) < 0) {
            Py_XDECREF(t);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(t);
    }
    return out;
}

static PyObject *provider_suites(ltls_py_provider_t *self, PyObject *unused)
{
    (void)unused;
    return pairs((const void *const *)self->provider->suites, 0);
}

static PyObject *provider_groups(ltls_py_provider_t *self, PyObject *unused)
{
    (void)unused;
    return pairs((const void *const *)self->provider->groups, 1);
}

static PyObject *provider_sigschemes(ltls_py_provider_t *self, PyObject *unused)
{
    (void)unused;
    return pairs((const void *const *)self->provider->sigschemes, 2);
}

static PyObject *provider_repr(ltls_py_provider_t *self)
{
    return PyUnicode_FromFormat("<lucidtls Provider %s>", self->provider->name);
}

static PyMethodDef provider_methods[] = {
    {"suites", (PyCFunction)provider_suites, METH_NOARGS,
     "suites() -> list of (code, name): the TLS 1.3 cipher suites, in preference order."},
    {"groups", (PyCFunction)provider_groups, METH_NOARGS,
     "groups() -> list of (code, name): the key-exchange groups."},
    {"sigschemes", (PyCFunction)provider_sigschemes, METH_NOARGS,
     "sigschemes() -> list of (code, name): the signature schemes."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef provider_getset[] = {
    {"name", (getter)provider_get_name, NULL, "The provider's name ('openssl', ...).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject ltls_py_provider_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "lucidtls._lucidtls.Provider",
    .tp_doc = "Provider(name=None): a built-in crypto provider (None: the default one).",
    .tp_basicsize = sizeof(ltls_py_provider_t),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = provider_new,
    .tp_dealloc = (destructor)provider_dealloc,
    .tp_repr = (reprfunc)provider_repr,
    .tp_methods = provider_methods,
    .tp_getset = provider_getset,
};

ltls_py_provider_t *ltls_py_provider_get(PyObject *arg)
{
    if (arg == NULL || arg == Py_None) {
        if (!default_provider) {
            default_provider = PyObject_CallNoArgs((PyObject *)&ltls_py_provider_type);
            if (!default_provider)
                return NULL;
        }
        Py_INCREF(default_provider);
        return (ltls_py_provider_t *)default_provider;
    }
    if (PyObject_TypeCheck(arg, &ltls_py_provider_type)) {
        Py_INCREF(arg);
        return (ltls_py_provider_t *)arg;
    }
    if (PyUnicode_Check(arg))
        return (ltls_py_provider_t *)PyObject_CallOneArg((PyObject *)&ltls_py_provider_type, arg);
    PyErr_Format(PyExc_TypeError, "provider must be None, a str or a Provider, not %.100s",
                 Py_TYPE(arg)->tp_name);
    return NULL;
}

/* --- helpers ------------------------------------------------------------------------ */

PyObject *ltls_py_fspath_bytes(PyObject *path)
{
    PyObject *b = NULL;
    if (!PyUnicode_FSConverter(path, &b))
        return NULL;
    /* FSConverter already refuses embedded NULs. */
    return b;
}

int ltls_py_u16_list(PyObject *seq, const char *what, uint16_t **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    PyObject *fast = PySequence_Fast(seq, "");
    if (!fast) {
        PyErr_Format(PyExc_TypeError, "%s must be a sequence of ints", what);
        return -1;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    if (n > 256) {
        Py_DECREF(fast);
        PyErr_Format(PyExc_ValueError, "%s: at most 256 entries", what);
        return -1;
    }
    uint16_t *v = n ? PyMem_Malloc((size_t)n * sizeof *v) : NULL;
    if (n && !v) {
        Py_DECREF(fast);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(fast, i);
        if (!PyLong_Check(item)) {
            PyErr_Format(PyExc_TypeError, "%s must hold ints, not %.100s", what,
                         Py_TYPE(item)->tp_name);
            goto fail;
        }
        long x = PyLong_AsLong(item);
        if (x == -1 && PyErr_Occurred())
            goto fail;
        if (x < 0 || x > 0xffff) {
            PyErr_Format(PyExc_ValueError, "%s: %ld is not a 16-bit code point", what, x);
            goto fail;
        }
        v[i] = (uint16_t)x;
    }
    Py_DECREF(fast);
    *out = v;
    *count = (size_t)n;
    return 0;
fail:
    Py_DECREF(fast);
    PyMem_Free(v);
    return -1;
}

/* --- module functions ------------------------------------------------------------------ */

static PyObject *mod_version(PyObject *m, PyObject *unused)
{
    (void)m, (void)unused;
    return PyUnicode_FromString(ltls_version());
}

static PyObject *mod_default_provider(PyObject *m, PyObject *unused)
{
    (void)m, (void)unused;
    return (PyObject *)ltls_py_provider_get(NULL);
}

static PyObject *mod_providers(PyObject *m, PyObject *unused)
{
    (void)m, (void)unused;
    PyObject *out = PyList_New(0);
    if (!out)
        return NULL;
    for (const ltls_provider_entry_t *e = ltls_providers_builtin(); e && e->name; e++) {
        PyObject *s = PyUnicode_FromString(e->name);
        if (!s || PyList_Append(out, s) < 0) {
            Py_XDECREF(s);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(s);
    }
    return out;
}

static PyObject *mod_suite_name(PyObject *m, PyObject *arg)
{
    (void)m;
    long code = PyLong_AsLong(arg);
    if (code == -1 && PyErr_Occurred())
        return NULL;
    const ltls_suite_t *s = (code >= 0 && code <= 0xffff) ? ltls_suite_by_code((uint16_t)code) : NULL;
    if (!s)
        Py_RETURN_NONE;
    return PyUnicode_FromString(s->name);
}

static PyObject *mod_group_name(PyObject *m, PyObject *arg)
{
    (void)m;
    long code = PyLong_AsLong(arg);
    if (code == -1 && PyErr_Occurred())
        return NULL;
    const ltls_group_t *g = (code >= 0 && code <= 0xffff) ? ltls_group_by_code((uint16_t)code) : NULL;
    if (!g)
        Py_RETURN_NONE;
    return PyUnicode_FromString(g->name);
}

static PyObject *mod_sigscheme_name(PyObject *m, PyObject *arg)
{
    (void)m;
    long code = PyLong_AsLong(arg);
    if (code == -1 && PyErr_Occurred())
        return NULL;
    const ltls_sigscheme_t *g =
        (code >= 0 && code <= 0xffff) ? ltls_sigscheme_by_code((uint16_t)code) : NULL;
    if (!g)
        Py_RETURN_NONE;
    return PyUnicode_FromString(g->name);
}

static PyMethodDef module_methods[] = {
    {"version", mod_version, METH_NOARGS, "version() -> str: the lucidtls library version."},
    {"default_provider", mod_default_provider, METH_NOARGS,
     "default_provider() -> Provider: the shared default crypto provider."},
    {"providers", mod_providers, METH_NOARGS,
     "providers() -> list of str: the built-in providers, default first."},
    {"suite_name", mod_suite_name, METH_O,
     "suite_name(code) -> str | None: the name of a TLS 1.3 suite lucidtls knows."},
    {"group_name", mod_group_name, METH_O,
     "group_name(code) -> str | None: the name of a key-exchange group lucidtls knows."},
    {"sigscheme_name", mod_sigscheme_name, METH_O,
     "sigscheme_name(code) -> str | None: the name of a signature scheme lucidtls knows."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "lucidtls._lucidtls",
    .m_doc = "The C core of the lucidtls Python package: providers, certificates, trust stores, "
             "private keys, contexts and sans-I/O connections over the lucidtls library. "
             "Use the lucidtls package, not this module.",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__lucidtls(void);

PyMODINIT_FUNC PyInit__lucidtls(void)
{
    if (PyType_Ready(&ltls_py_provider_type) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module_def);
    if (!m)
        return NULL;
    if (PyModule_AddObjectRef(m, "Provider", (PyObject *)&ltls_py_provider_type) < 0 ||
        ltls_py_errors_init(m) < 0 || ltls_py_x509_init(m) < 0 || ltls_py_key_init(m) < 0 ||
        ltls_py_context_init(m) < 0 || ltls_py_conn_init(m) < 0 || ltls_py_sock_init(m) < 0 ||
        PyModule_AddIntConstant(m, "TLS1_2", LTLS_TLS1_2) < 0 ||
        PyModule_AddIntConstant(m, "TLS1_3", LTLS_TLS1_3) < 0 ||
        PyModule_AddIntConstant(m, "CLIENT_AUTH_NONE", LTLS_CLIENT_AUTH_NONE) < 0 ||
        PyModule_AddIntConstant(m, "CLIENT_AUTH_OPTIONAL", LTLS_CLIENT_AUTH_OPTIONAL) < 0 ||
        PyModule_AddIntConstant(m, "CLIENT_AUTH_REQUIRED", LTLS_CLIENT_AUTH_REQUIRED) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
