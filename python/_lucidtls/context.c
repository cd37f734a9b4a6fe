/*
 * context.c - client and server contexts (Context) for Python.
 *
 * A Context is built once from plain arguments that the Python layer derives
 * from a PEP 748 configuration (or an ssl-style SSLContext): code points,
 * X509 and Key objects, a TrustStore. Everything is checked here before
 * lucidtls sees it, so that a wrong type or range is a TypeError/ValueError
 * naming the argument, and what lucidtls itself refuses is a
 * ConfigurationError. lucidtls copies what it keeps, except the provider,
 * the keys of the signing chains and the key-log callback, which the
 * Context object keeps alive. The trust store is frozen: from now on it is
 * shared by connections on any thread.
 *
 * The key-log callback runs inside a handshake, i.e. on a thread that has
 * released the GIL: it takes the GIL back for the Python call, and an error
 * in the callback is reported as unraisable (a debugging aid must not break
 * a handshake).
 */
#include "ltls_py.h"

#include <string.h>


static void keylog_trampoline(void *user, const char *line)
{
    PyGILState_STATE g = PyGILState_Ensure();
    PyObject *s = PyUnicode_FromString(line);
    PyObject *r = s ? PyObject_CallOneArg((PyObject *)user, s) : NULL;
    if (!r)
        PyErr_WriteUnraisable((PyObject *)user);
    Py_XDECREF(r);
    Py_XDECREF(s);
    PyGILState_Release(g);
}

/* Everything borrowed while the config is being filled, freed in one place. */
typedef struct {
    const ltls_suite_t **suites;
    const ltls_group_t **groups;
    const ltls_sigscheme_t **sigs;
    const char **alpn;
    PyObject *alpn_fast;
    ltls_signing_chain_t *chains;
    const ltls_cert_t ***chain_certs;
    PyObject **chain_fast;
    size_t nchains;
} build_t;

static void build_free(build_t *b)
{
    PyMem_Free(b->suites);
    PyMem_Free(b->groups);
    PyMem_Free(b->sigs);
    PyMem_Free(b->alpn);
    Py_XDECREF(b->alpn_fast);
    for (size_t i = 0; i < b->nchains; i++) {
        if (b->chain_certs)
            PyMem_Free(b->chain_certs[i]);
        if (b->chain_fast)
            Py_XDECREF(b->chain_fast[i]);
    }
    PyMem_Free(b->chain_certs);
    PyMem_Free(b->chain_fast);
    PyMem_Free(b->chains);
}

/* Code points to descriptors, each of which the provider must implement. */
static int suites_of(PyObject *seq, const ltls_provider_t *p, build_t *b, ltls_config_t *c)
{
    uint16_t *codes;
    size_t n;
    if (ltls_py_u16_list(seq, "suites", &codes, &n) < 0)
        return -1;
    if (n == 0) {
        PyMem_Free(codes);
        ltls_py_config_error("suites: the list is empty; no cipher suite could be negotiated");
        return -1;
    }
    b->suites = PyMem_Malloc(n * sizeof *b->suites);
    if (!b->suites) {
        PyMem_Free(codes);
        PyErr_NoMemory();
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const ltls_suite_t *s = ltls_suite_by_code(codes[i]);
        if (!s || !ltls_provider_has_suite(p, s)) {
            ltls_py_config_error("cipher suite 0x%04x is not supported by lucidtls with the "
                                 "'%s' provider (TLS 1.3 suites only)",
                                 codes[i], p->name);
            PyMem_Free(codes);
            return -1;
        }
        b->suites[i] = s;
    }
    PyMem_Free(codes);
    c->suites = b->suites;
    c->suite_count = n;
    return 0;
}

static int groups_of(PyObject *seq, const ltls_provider_t *p, build_t *b, ltls_config_t *c)
{
    uint16_t *codes;
    size_t n;
    if (ltls_py_u16_list(seq, "groups", &codes, &n) < 0)
        return -1;
    if (n == 0) {
        PyMem_Free(codes);
        ltls_py_config_error("groups: the list is empty; no key exchange could be negotiated");
        return -1;
    }
    b->groups = PyMem_Malloc(n * sizeof *b->groups);
    if (!b->groups) {
        PyMem_Free(codes);
        PyErr_NoMemory();
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const ltls_group_t *g = ltls_group_by_code(codes[i]);
        if (!g || !ltls_provider_has_group(p, g)) {
            ltls_py_config_error("group 0x%04x is not supported by the '%s' provider", codes[i],
                                 p->name);
            PyMem_Free(codes);
            return -1;
        }
        b->groups[i] = g;
    }
    PyMem_Free(codes);
    c->groups = b->groups;
    c->group_count = n;
    return 0;
}

static int sigs_of(PyObject *seq, const ltls_provider_t *p, build_t *b, ltls_config_t *c)
{
    uint16_t *codes;
    size_t n;
    if (ltls_py_u16_list(seq, "sigschemes", &codes, &n) < 0)
        return -1;
    if (n == 0) {
        PyMem_Free(codes);
        ltls_py_config_error("sigschemes: the list is empty");
        return -1;
    }
    b->sigs = PyMem_Malloc(n * sizeof *b->sigs);
    if (!b->sigs) {
        PyMem_Free(codes);
        PyErr_NoMemory();
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const ltls_sigscheme_t *s = ltls_sigscheme_by_code(codes[i]);
        if (!s || !ltls_provider_has_sigscheme(p, s)) {
            ltls_py_config_error("signature scheme 0x%04x is not supported by the '%s' provider",
                                 codes[i], p->name);
            PyMem_Free(codes);
            return -1;
        }
        b->sigs[i] = s;
    }
    PyMem_Free(codes);
    c->sigschemes = b->sigs;
    c->sigscheme_count = n;
    return 0;
}

/* ALPN names are C strings in ltls_config_t: bytes of 1..255 without NUL.
 * The bytes objects stay alive through alpn_fast. */
static int alpn_of(PyObject *seq, build_t *b, ltls_config_t *c)
{
    b->alpn_fast = PySequence_Fast(seq, "alpn must be a sequence of bytes");
    if (!b->alpn_fast)
        return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(b->alpn_fast);
    if (n == 0)
        return 0;
    if (n > 64) {
        PyErr_SetString(PyExc_ValueError, "alpn: at most 64 protocols");
        return -1;
    }
    b->alpn = PyMem_Malloc((size_t)n * sizeof *b->alpn);
    if (!b->alpn) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *o = PySequence_Fast_GET_ITEM(b->alpn_fast, i);
        if (!PyBytes_Check(o)) {
            PyErr_Format(PyExc_TypeError, "alpn must hold bytes, not %.100s", Py_TYPE(o)->tp_name);
            return -1;
        }
        Py_ssize_t len = PyBytes_GET_SIZE(o);
        const char *s = PyBytes_AS_STRING(o);
        if (len < 1 || len > 255) {
            PyErr_Format(PyExc_ValueError, "alpn: a protocol name has 1 to 255 bytes, not %zd",
                         len);
            return -1;
        }
        if (memchr(s, 0, (size_t)len)) {
            PyErr_SetString(PyExc_ValueError, "alpn: protocol names with NUL bytes are not supported");
            return -1;
        }
        b->alpn[i] = s;
    }
    c->alpn = b->alpn;
    c->alpn_count = (size_t)n;
    return 0;
}

/* chains: a sequence of (certificates, Key) with certificates a non-empty
 * sequence of X509, leaf first. The keys go into keys_out (a new tuple). */
static int chains_of(PyObject *seq, ltls_py_provider_t *prov, build_t *b, ltls_config_t *c,
                     PyObject **keys_out)
{
    PyObject *fast = PySequence_Fast(seq, "chains must be a sequence of (certificates, Key)");
    if (!fast)
        return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    int rc = -1;
    PyObject *keys = PyTuple_New(n);
    if (!keys)
        goto out;
    if (n == 0) {
        rc = 0;
        goto out;
    }
    if (n > 16) {
        PyErr_SetString(PyExc_ValueError, "chains: at most 16 signing chains");
        goto out;
    }
    b->chains = PyMem_Calloc((size_t)n, sizeof *b->chains);
    b->chain_certs = PyMem_Calloc((size_t)n, sizeof *b->chain_certs);
    b->chain_fast = PyMem_Calloc((size_t)n, sizeof *b->chain_fast);
    if (!b->chains || !b->chain_certs || !b->chain_fast) {
        PyErr_NoMemory();
        goto out;
    }
    b->nchains = (size_t)n;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(fast, i);
        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 2) {
            PyErr_SetString(PyExc_TypeError, "chains must hold (certificates, Key) tuples");
            goto out;
        }
        PyObject *certs = PyTuple_GET_ITEM(item, 0), *key = PyTuple_GET_ITEM(item, 1);
        if (!PyObject_TypeCheck(key, &ltls_py_key_type)) {
            PyErr_Format(PyExc_TypeError, "a signing chain needs a Key, not %.100s",
                         Py_TYPE(key)->tp_name);
            goto out;
        }
        if (((ltls_py_key_t *)key)->provider != (PyObject *)prov) {
            ltls_py_config_error("a signing chain's key was loaded into another provider than "
                                 "the context's");
            goto out;
        }
        PyObject *cf = PySequence_Fast(certs, "certificates must be a sequence of X509");
        if (!cf)
            goto out;
        b->chain_fast[i] = cf;
        Py_ssize_t m = PySequence_Fast_GET_SIZE(cf);
        if (m < 1 || m > LTLS_X509_MAX_DEPTH) {
            PyErr_Format(PyExc_ValueError,
                         "a signing chain holds 1 to %d certificates (leaf first), not %zd",
                         LTLS_X509_MAX_DEPTH, m);
            goto out;
        }
        const ltls_cert_t **v = PyMem_Malloc((size_t)m * sizeof *v);
        if (!v) {
            PyErr_NoMemory();
            goto out;
        }
        b->chain_certs[i] = v;
        for (Py_ssize_t j = 0; j < m; j++) {
            PyObject *o = PySequence_Fast_GET_ITEM(cf, j);
            if (!PyObject_TypeCheck(o, &ltls_py_cert_type)) {
                PyErr_Format(PyExc_TypeError, "certificates must be X509 objects, not %.100s",
                             Py_TYPE(o)->tp_name);
                goto out;
            }
            v[j] = ((ltls_py_cert_t *)o)->cert;
        }
        b->chains[i].certs = v;
        b->chains[i].cert_count = (size_t)m;
        b->chains[i].key = ((ltls_py_key_t *)key)->key;
        Py_INCREF(key);
        PyTuple_SET_ITEM(keys, i, key);
    }
    c->chains = b->chains;
    c->chain_count = (size_t)n;
    rc = 0;
out:
    Py_DECREF(fast);
    if (rc == 0)
        *keys_out = keys;
    else
        Py_XDECREF(keys);
    return rc;
}

static int version_of(int v, const char *what, uint16_t *out)
{
    if (v != 0 && v != LTLS_TLS1_2 && v != LTLS_TLS1_3) {
        PyErr_Format(PyExc_ValueError, "%s must be 0, 0x0303 or 0x0304, not 0x%x", what, v);
        return -1;
    }
    *out = (uint16_t)v;
    return 0;
}

static PyObject *context_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"server",          "provider",       "trust",     "chains",
                             "client_auth",     "suites",         "groups",    "sigschemes",
                             "alpn",            "min_version",    "max_version", "key_share_count",
                             "record_size_limit", "keylog",       "insecure",  NULL};
    int server = 0, client_auth = 0, min_v = 0, max_v = 0, insecure = 0;
    Py_ssize_t key_shares = 0, rsl = 0;
    PyObject *prov_arg = Py_None, *trust = Py_None, *chains = Py_None, *suites = Py_None,
             *groups = Py_None, *sigs = Py_None, *alpn = Py_None, *keylog = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "p|$OOOiOOOOiinnOi:Context", kwlist, &server,
                                     &prov_arg, &trust, &chains, &client_auth, &suites, &groups,
                                     &sigs, &alpn, &min_v, &max_v, &key_shares, &rsl, &keylog,
                                     &insecure))
        return NULL;
    if (trust != Py_None && !PyObject_TypeCheck(trust, &ltls_py_trust_type)) {
        PyErr_Format(PyExc_TypeError, "trust must be a TrustStore or None, not %.100s",
                     Py_TYPE(trust)->tp_name);
        return NULL;
    }
    if (keylog != Py_None && !PyCallable_Check(keylog)) {
        PyErr_SetString(PyExc_TypeError, "keylog must be a callable taking one str, or None");
        return NULL;
    }
    if (client_auth < LTLS_CLIENT_AUTH_NONE || client_auth > LTLS_CLIENT_AUTH_REQUIRED) {
        PyErr_SetString(PyExc_ValueError, "client_auth must be 0 (none), 1 (optional) or 2 (required)");
        return NULL;
    }
    if (key_shares < 0 || key_shares > 8) {
        PyErr_SetString(PyExc_ValueError, "key_share_count must be in 0..8");
        return NULL;
    }
    if (rsl != 0 && (rsl < 64 || rsl > 16385)) {
        PyErr_SetString(PyExc_ValueError, "record_size_limit must be 0 or in 64..16385");
        return NULL;
    }
    if (insecure & ~(int)(LTLS_INSECURE_NO_VERIFY | LTLS_INSECURE_NO_HOSTNAME_CHECK)) {
        PyErr_SetString(PyExc_ValueError, "insecure holds unknown flags");
        return NULL;
    }
    if (insecure && server) {
        PyErr_SetString(PyExc_ValueError, "insecure flags apply to clients only");
        return NULL;
    }

    ltls_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    build_t b;
    memset(&b, 0, sizeof b);
    PyObject *keys = NULL;
    ltls_py_provider_t *prov = ltls_py_provider_get(prov_arg);
    if (!prov)
        return NULL;
    cfg.provider = prov->provider;
    if (version_of(min_v, "min_version", &cfg.min_version) < 0 ||
        version_of(max_v, "max_version", &cfg.max_version) < 0)
        goto fail;
    if (suites != Py_None && suites_of(suites, prov->provider, &b, &cfg) < 0)
        goto fail;
    if (groups != Py_None && groups_of(groups, prov->provider, &b, &cfg) < 0)
        goto fail;
    if (sigs != Py_None && sigs_of(sigs, prov->provider, &b, &cfg) < 0)
        goto fail;
    if (alpn != Py_None && alpn_of(alpn, &b, &cfg) < 0)
        goto fail;
    if (chains == Py_None) {
        keys = PyTuple_New(0);
        if (!keys)
            goto fail;
    } else if (chains_of(chains, prov, &b, &cfg, &keys) < 0) {
        goto fail;
    }
    if (trust != Py_None) {
        ltls_py_trust_t *t = (ltls_py_trust_t *)trust;
        if (t->busy)
            goto busy;
        cfg.trust = t->store;
    }
    cfg.client_auth = (ltls_client_auth_t)client_auth;
    cfg.key_share_count = (size_t)key_shares;
    cfg.record_size_limit = (uint16_t)rsl;
    if (keylog != Py_None) {
        cfg.keylog = keylog_trampoline;
        cfg.keylog_user = keylog;
    }

    ltls_context_t *ctx = NULL;
    ltls_err_t err;
    if (server)
        err = ltls_server_context_new(&cfg, &ctx);
    else if (insecure)
        err = ltls_insecure_client_context_new(&cfg, (unsigned)insecure, &ctx);
    else
        err = ltls_client_context_new(&cfg, &ctx);
    build_free(&b);
    memset(&b, 0, sizeof b);
    if (err) {
        ltls_py_raise(err, NULL, LTLS_PY_WHERE_CONFIG);
        goto fail;
    }
    ltls_py_context_t *self = (ltls_py_context_t *)type->tp_alloc(type, 0);
    if (!self) {
        ltls_context_unref(ctx);
        goto fail;
    }
    if (trust != Py_None)
        ((ltls_py_trust_t *)trust)->frozen = 1;
    self->ctx = ctx;
    self->provider = (PyObject *)prov;
    self->keys = keys;
    Py_INCREF(trust);
    self->trust = trust;
    Py_INCREF(keylog);
    self->keylog = keylog;
    self->server = server;
    return (PyObject *)self;
busy:
    ltls_py_busy_error("TrustStore");
fail:
    build_free(&b);
    Py_XDECREF(keys);
    Py_DECREF(prov);
    return NULL;
}

static void context_dealloc(ltls_py_context_t *self)
{
    /* lucidtls first: it borrows the keys, the provider and the callback. */
    ltls_context_unref(self->ctx);
    Py_XDECREF(self->keys);
    Py_XDECREF(self->trust);
    Py_XDECREF(self->keylog);
    Py_XDECREF(self->provider);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *context_connection(ltls_py_context_t *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"server_name", NULL};
    PyObject *name = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:connection", kwlist, &name))
        return NULL;
    const char *sn = NULL;
    if (name != Py_None) {
        if (!PyUnicode_Check(name)) {
            PyErr_Format(PyExc_TypeError, "server_name must be a str or None, not %.100s",
                         Py_TYPE(name)->tp_name);
            return NULL;
        }
        Py_ssize_t n;
        sn = PyUnicode_AsUTF8AndSize(name, &n);
        if (!sn)
            return NULL;
        if ((size_t)n != strlen(sn) || n == 0 || n > 255) {
            PyErr_SetString(PyExc_ValueError,
                            "server_name must have 1 to 255 characters and no NUL");
            return NULL;
        }
        if (self->server) {
            PyErr_SetString(PyExc_ValueError, "a server connection takes no server_name");
            return NULL;
        }
    }
    return ltls_py_conn_new(self, sn);
}

static PyObject *context_get_server(ltls_py_context_t *self, void *c)
{
    (void)c;
    return PyBool_FromLong(self->server);
}

static PyObject *context_get_provider(ltls_py_context_t *self, void *c)
{
    (void)c;
    Py_INCREF(self->provider);
    return self->provider;
}

static PyMethodDef context_methods[] = {
    {"connection", (PyCFunction)(void (*)(void))context_connection, METH_VARARGS | METH_KEYWORDS,
     "connection(server_name=None) -> Connection: a new sans-I/O connection of this context. "
     "A verifying client needs server_name (a DNS name or IP literal)."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef context_getset[] = {
    {"server", (getter)context_get_server, NULL, "True for a server context.", NULL},
    {"provider", (getter)context_get_provider, NULL, "The Provider of this context.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject ltls_py_context_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "lucidtls._lucidtls.Context",
    .tp_doc = "Context(server, *, provider=None, trust=None, chains=None, client_auth=0, "
              "suites=None, groups=None, sigschemes=None, alpn=None, min_version=0, "
              "max_version=0, key_share_count=0, record_size_limit=0, keylog=None, "
              "insecure=0)\n\nAn immutable lucidtls context (ltls_context_t).",
    .tp_basicsize = sizeof(ltls_py_context_t),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = context_new,
    .tp_dealloc = (destructor)context_dealloc,
    .tp_methods = context_methods,
    .tp_getset = context_getset,
};

int ltls_py_context_init(PyObject *module)
{
    if (PyType_Ready(&ltls_py_context_type) < 0)
        return -1;
    if (PyModule_AddObjectRef(module, "Context", (PyObject *)&ltls_py_context_type) < 0)
        return -1;
    return PyModule_AddIntConstant(module, "INSECURE_NO_VERIFY", LTLS_INSECURE_NO_VERIFY) < 0 ||
                   PyModule_AddIntConstant(module, "INSECURE_NO_HOSTNAME_CHECK",
                                           LTLS_INSECURE_NO_HOSTNAME_CHECK) < 0
               ? -1
               : 0;
}
