/*
 * fuzz/fuzz_python.c - the CPython extension lucidtls._lucidtls (the C
 * files of python/_lucidtls) wherever it takes bytes or str from Python
 * code: certificates (PEM/DER) and their accessors down to getpeercert()'s
 * dict, trust stores from buffers and paths, private keys with and without
 * a password, provider names, path validation with host names, the
 * arguments of contexts (ALPN, suites, groups, signature schemes, versions,
 * options, signing chains), server names, the sans-I/O connection fed a
 * peer's flights, application data and the exporter, and the socket
 * functions' argument converters (a Socket itself needs a network peer,
 * so its methods are left to the package's tests).
 *
 * Why: the extension is the layer between untrusted bytes (a peer's, a
 * configuration file's) and both the C library and the interpreter. A wrong
 * reference count, a buffer not released, a C string with a NUL inside, an
 * exception left set beside a return value, or a SystemError instead of the
 * documented error are bugs that no C-level target can see.
 *
 * How: the target embeds CPython (python3-embed) and links the extension's C
 * sources, compiled with the same sanitizers and coverage as the library, so
 * libFuzzer sees the extension's branches. (An instrumented extension cannot
 * be dlopen'ed into an uninstrumented python; embedding it in an
 * instrumented executable can.) It is registered as the built-in module
 * _lucidtls before Py_Initialize and aliased as lucidtls._lucidtls, so that
 * the package's Python files (python/lucidtls, read from the source tree
 * given by FUZZ_PYTHON_DIR; the standard library is that of the libpython
 * linked, FUZZ_PYTHON_HOME) import it: errors.c builds its exceptions with
 * lucidtls._errors, and getpeercert()'s dict comes from
 * lucidtls._sslcompat._cert_dict. PYTHONMALLOC=malloc (PyPreConfig) puts
 * every Python object under ASan; site, bytecode writing and Python's signal
 * handlers are off.
 *
 * Input: byte 0 = entry (low 5 bits, enum entry below) | form << 5; the rest
 * is the payload. The form is how the payload reaches the argument under
 * test: bytes, bytearray, memoryview, str (surrogateescape or latin-1), a
 * non-contiguous memoryview, a wrong type (None, int, float, list, tuple) or
 * an array('H') - or, for a str argument, bytes/bytearray/memoryview in
 * place of the str. scripts/gen_fuzz_python_corpus.py reads the enum from
 * this file to write the seeds.
 *
 * Providers: contexts and connections use the null provider (NO SECURITY,
 * src/crypto/null, compiled into this target only) wrapped in a Provider
 * object, so that whole handshakes run in memory and the seeds of
 * fuzz_client/fuzz_server (null-provider transcripts, fuzz_hs.h's format)
 * drive a Connection as far as they drive the C engine. Keys load into a
 * copy of the default provider whose PBKDF2 is capped at 2048 iterations
 * (as fuzz_keyfile does: a legal file may ask for ten million).
 *
 * Checked besides the sanitizers:
 *  - every call returns a value with no exception set, or NULL with an
 *    exception of a documented class: lucidtls.TLSError (all lucidtls
 *    errors), TypeError, ValueError (UnicodeError included), OverflowError,
 *    and BufferError for the non-contiguous form only; a SystemError, a
 *    MemoryError, a RuntimeError (busy object) or anything else is a finding;
 *  - the reference count of an argument is the same after the call (a
 *    missing PyBuffer_Release or Py_DECREF shows at once);
 *  - a parsed certificate's accessors never fail, it re-parses from der()
 *    into an equal object, and getpeercert()'s dict is built for it;
 *  - a connection's fatal error is its sticky `error` (same code); reads
 *    return no more than asked; outgoing() empties the buffer; a default
 *    client and server always complete a handshake; application data and
 *    exporter output arrive unchanged on the other side; the negotiated
 *    ALPN, suite, group and SNI are among those offered;
 *  - operations that must fail do (add_id, frozen stores, paths under a
 *    missing directory, socket arguments that stop before any I/O).
 *
 * Leaks. LeakSanitizer stays on (-detect_leaks=1, libFuzzer's default)
 * without suppressions: the interpreter is never finalized, so everything
 * CPython caches stays reachable from its globals, and what libFuzzer's
 * leak check reports is memory nobody points to - the extension's and the
 * library's C allocations (lucidtls uses malloc through its default
 * allocator, the extension PyMem_Malloc, both plain malloc here) and every
 * Python object outside the garbage collector's lists (bytes, str, int,
 * X509, Key, Context, Connection, TrustStore, Provider). What LSan
 * cannot see is a leaked container (list, tuple, dict, exception): it stays
 * linked into the collector's lists, so it is counted instead. After a
 * warm-up call of every entry in every form, gc.freeze() moves the
 * interpreter's own objects out of the collected generations; each input
 * then compares, after a full gc.collect(), the number of objects
 * gc.get_objects() lists before and after it. When it grew, the input runs
 * twice more: a cache fills once, a leak grows every time, so growth on
 * all three runs is reported. (The full collection also empties CPython's
 * free lists, which keeps libFuzzer's malloc/free balance, its trigger for
 * a leak check, meaningful from one input to the next.) The reference
 * counts of None, True and False are no such signal here: CPython's own
 * caches let go of references to them over the first thousands of calls
 * (measured: a plateau after about 2000, also for list.__repr__ with no
 * lucidtls code involved); a lost reference there still ends in CPython's
 * fatal "deallocating None" abort, which libFuzzer records as a crash.
 * A reference kept on an argument is caught at the call (see meth1).
 * Each of these was seen to work by building this target over a copy of
 * the extension with one bug injected at a time: a leaked bytes object, a
 * leaked dict and a leaked PyMem buffer (LSan), a leaked list of X509 (the
 * object count), a missing PyBuffer_Release (the argument's count).
 */
#include "ltls_py.h" /* Python.h first, as CPython requires */

#include <sys/stat.h>

#include "crypto/null/nullprov.h"
#include "fuzz_common.h"
#include "fuzz_pbkdf2.h"
#include "fuzz_hs_pki.h"

#if !defined(FUZZ_PYTHON_DIR) || !defined(FUZZ_PYTHON_HOME)
#error "FUZZ_PYTHON_DIR (the tree's python/) and FUZZ_PYTHON_HOME are set by fuzz/meson.build"
#endif

/* Entry points; scripts/gen_fuzz_python_corpus.py parses these lines. */
enum entry {
    EP_PARSE_CERTS = 0,  /* parse_certs(data), then every accessor of each X509 */
    EP_X509 = 1,         /* X509(der), its accessors, getpeercert()'s dict */
    EP_MATCH_HOST = 2,   /* X509.match_host(host) on the P-256 server certificate */
    EP_TRUST_ADD = 3,    /* TrustStore().add(data), add_id(data), verify against it */
    EP_TRUST_PATH = 4,   /* add_file/add_dir(path) under a missing directory */
    EP_KEY = 5,          /* Key(data), then a signing chain with it */
    EP_KEY_PASSWORD = 6, /* [len][password][key]: Key(key, password), form on key */
    EP_PASSWORD = 7,     /* the same layout, form on the password */
    EP_PROVIDER = 8,     /* Provider(name), Key(provider=name), suite_name(int) & co */
    EP_VERIFY_CHAIN = 9, /* verify(parse_certs(data), test root, "localhost") */
    EP_VERIFY_HOST = 10, /* verify(test chain, test root, host=data, purpose, now) */
    EP_ALPN = 11,        /* Context(alpn=ALPN wire list of data), handshake */
    EP_OPTIONS = 12,     /* Context(suites, groups, sigschemes, versions, ...), handshake */
    EP_SERVER_NAME = 13, /* Context.connection(server_name=data), handshake */
    EP_CLIENT = 14,      /* client Connection fed data as the server's flights */
    EP_SERVER = 15,      /* server Connection fed data as the client's flights */
    EP_APPDATA = 16,     /* after a handshake: write(data), read, exporter(label, context) */
    EP_SOCKET_ARGS = 17, /* socket_connect/socket_accept converters, never reaching I/O */
    EP_CHAINS = 18,      /* Context(server, chains=[(parse_certs(data), key)]), handshake */
    EP_COUNT
};

/* How the payload is handed over (bits 5-7 of byte 0). */
enum form {
    F_BYTES = 0,
    F_BYTEARRAY = 1,
    F_MEMORYVIEW = 2,
    F_STR_ESCAPE = 3,
    F_STR_LATIN1 = 4,
    F_STRIDED = 5,
    F_WRONG = 6,
    F_ARRAY = 7
};

/* fuzz_hs.h's flags for EP_CLIENT/EP_SERVER, plus two of this target's. */
enum { HS_ALPN = 1, HS_CAUTH = 2, HS_HRR = 4, HS_KU = 8, HS_KU_REQ = 16, HS_SHUT = 32,
       HS_KEYLOG = 64, HS_KEYLOG_RAISE = 128 };

#define MISSING_DIR "/nonexistent-lucidtls-fuzz"
#define NOW_2027 1798761600LL /* inside the test PKI's validity (2025-2045) */
#define GROUP_SECP256R1 0x0017
#define MAX_CERTS 8           /* accessors are exercised on at most this many */

PyMODINIT_FUNC PyInit__lucidtls(void);
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* --- state made once ---------------------------------------------------------- */

static PyObject *M;                 /* the _lucidtls module */
static PyObject *documented;        /* (TLSError, TypeError, ValueError, OverflowError) */
static PyObject *tls_error, *want_read, *want_write, *zero_return, *ragged_eof, *config_error;
static PyObject *cert_dict, *is_ca; /* lucidtls._sslcompat: getpeercert()'s dict */
static PyObject *array_type;        /* array.array */
static PyObject *gc_collect, *gc_get_objects;
static PyObject *null_prov, *capped_prov; /* Provider objects (see the header) */
static ltls_provider_t *capped_base, capped_table;
static PyObject *trust;             /* TrustStore: the test root (frozen by the contexts) */
static PyObject *server_certs, *client_certs; /* lists [leaf, intermediate] of X509 */
static PyObject *server_key, *client_key;     /* Key objects in the null provider */
static PyObject *keylog_ok, *keylog_raise, *unraisable_hook;
static PyObject *hs_ctx[2][24];     /* [server][flags & 7 | keylog << 3], keylog 0..2 */

/* What outcome() cleared last (a new reference), for the checks that look
 * at the class or the code of an error. */
static PyObject *last_exc;
static int allow_buffer_error;
static int verbose; /* FUZZ_VERBOSE=1: how each connection input ended */

/* --- calling into the extension ---------------------------------------------------- */

static void report(const char *what, const char *why)
{
    fprintf(stderr, "fuzz_python: %s: %s\n", what, why);
    if (PyErr_Occurred())
        PyErr_Print();
}

/* The contract of every call: a value and no exception, or NULL and an
 * exception of a documented class, which is cleared (kept in last_exc). */
static PyObject *outcome(PyObject *r, const char *what)
{
    Py_CLEAR(last_exc);
    if (r) {
        if (PyErr_Occurred()) {
            report(what, "returned a value with an exception set");
            FUZZ_CHECK(!"a value returned with an exception set");
        }
        return r;
    }
    if (!PyErr_Occurred()) {
        report(what, "returned NULL without an exception");
        FUZZ_CHECK(!"NULL returned without an exception");
    }
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    PyErr_NormalizeException(&t, &v, &tb);
    int ok = PyErr_GivenExceptionMatches(t, documented) ||
             (allow_buffer_error && PyErr_GivenExceptionMatches(t, PyExc_BufferError));
    if (!ok) {
        PyErr_Restore(t, v, tb);
        report(what, "raised an undocumented exception");
        FUZZ_CHECK(!"an undocumented exception class");
    }
    last_exc = v;
    Py_XDECREF(t);
    Py_XDECREF(tb);
    return NULL;
}

static int raised(PyObject *cls)
{
    return last_exc && PyObject_IsInstance(last_exc, cls) == 1;
}

static PyObject *callv(PyObject *callable, const char *what, PyObject *kw, const char *fmt,
                       va_list ap)
{
    PyObject *args = Py_VaBuildValue(fmt, ap);
    FUZZ_CHECK(args && PyTuple_Check(args));
    PyObject *r = PyObject_Call(callable, args, kw);
    Py_DECREF(args);
    return outcome(r, what);
}

/* callable(*Py_BuildValue(fmt, ...), **kw); fmt is a tuple format. */
static PyObject *call(PyObject *callable, const char *what, PyObject *kw, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    PyObject *r = callv(callable, what, kw, fmt, ap);
    va_end(ap);
    return r;
}

/* obj.name, with name interned: CPython's type attribute cache keeps the
 * name object of each lookup, and a fresh string per call would make it
 * free an older one at random later, which upsets libFuzzer's malloc/free
 * balance (its trigger for a costly leak check) on nearly every input. */
static PyObject *attr(PyObject *obj, const char *name)
{
    PyObject *n = PyUnicode_InternFromString(name);
    FUZZ_CHECK(n != NULL);
    PyObject *a = PyObject_GetAttr(obj, n);
    Py_DECREF(n);
    return a;
}

/* obj.name(*Py_BuildValue(fmt, ...), **kw). */
static PyObject *meth(PyObject *obj, const char *name, PyObject *kw, const char *fmt, ...)
{
    PyObject *m = attr(obj, name);
    if (!m)
        report(name, "no such method");
    FUZZ_CHECK(m != NULL);
    va_list ap;
    va_start(ap, fmt);
    PyObject *r = callv(m, name, kw, fmt, ap);
    va_end(ap);
    Py_DECREF(m);
    return r;
}

/* A getter: the same contract (the call machinery does not check getters). */
static PyObject *get(PyObject *obj, const char *name)
{
    return outcome(attr(obj, name), name);
}

/* The reference count of an argument before a call, or -1 when it cannot
 * be checked: shared objects (None, b"", small ints, one-character
 * strings) are referenced by anything. The previous call's exception is
 * released first, since it may hold the object. */
static Py_ssize_t refs_before(PyObject *arg)
{
    Py_CLEAR(last_exc);
    return Py_REFCNT(arg) == 1 ? 1 : -1;
}

/* After the call: the count must be back where it was (a UnicodeError
 * keeps the object it failed on, so that one case is left out). */
static void refs_after(PyObject *arg, Py_ssize_t before, const char *what)
{
    if (before < 0 || raised(PyExc_UnicodeError) || Py_REFCNT(arg) == before)
        return;
    fprintf(stderr, "fuzz_python: %s: argument refcount %zd -> %zd\n", what, before,
            Py_REFCNT(arg));
    FUZZ_CHECK(!"the call changed its argument's reference count");
}

/* obj.name(arg) with arg built from the input, its count checked. */
static PyObject *meth1(PyObject *obj, const char *name, PyObject *arg)
{
    Py_ssize_t before = refs_before(arg);
    PyObject *r = meth(obj, name, NULL, "(O)", arg);
    refs_after(arg, before, name);
    return r;
}

/* A call that must succeed (setup, or a contract that says so). */
static PyObject *must(PyObject *r, const char *what)
{
    if (!r) {
        fprintf(stderr, "fuzz_python: %s failed: ", what);
        if (last_exc)
            PyObject_Print(last_exc, stderr, 0);
        fputc('\n', stderr);
        FUZZ_CHECK(!"a call that must succeed failed");
    }
    return r;
}

static PyObject *kwargs(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    PyObject *d = Py_VaBuildValue(fmt, ap);
    va_end(ap);
    FUZZ_CHECK(d && PyDict_Check(d));
    return d;
}

/* kw[key] = value, taking the reference to value. */
static void set_item(PyObject *kw, const char *key, PyObject *value)
{
    FUZZ_CHECK(value && PyDict_SetItemString(kw, key, value) == 0);
    Py_DECREF(value);
}

static long as_long(PyObject *o)
{
    FUZZ_CHECK(PyLong_Check(o));
    long v = PyLong_AsLong(o);
    FUZZ_CHECK(!(v == -1 && PyErr_Occurred()));
    return v;
}

/* --- arguments from the input ------------------------------------------------------ */

typedef struct {
    const uint8_t *p;
    size_t n;
    unsigned form;
    uint64_t h; /* hash of the whole input: secondary choices */
} in_t;

static PyObject *bytes_of(const uint8_t *p, size_t n)
{
    PyObject *b = PyBytes_FromStringAndSize((const char *)p, (Py_ssize_t)n);
    FUZZ_CHECK(b != NULL);
    return b;
}

static PyObject *new_ref(PyObject *o)
{
    FUZZ_CHECK(o != NULL);
    return o;
}

static PyObject *wrong_type(const uint8_t *p, size_t n, uint64_t h)
{
    switch (h % 5) {
    case 0:
        return Py_NewRef(Py_None);
    case 1:
        return new_ref(_PyLong_FromByteArray(p, n < 16 ? n : 16, 0, 1));
    case 2:
        return new_ref(PyFloat_FromDouble((double)n - 0.5));
    case 3:
        return new_ref(Py_BuildValue("[N]", bytes_of(p, n)));
    default:
        return new_ref(Py_BuildValue("(N)", bytes_of(p, n)));
    }
}

/* A non-contiguous view whose elements are the payload: every other byte
 * of a buffer twice as long. */
static PyObject *strided(const uint8_t *p, size_t n)
{
    PyObject *b = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(2 * n));
    FUZZ_CHECK(b != NULL);
    char *s = PyBytes_AS_STRING(b);
    for (size_t i = 0; i < n; i++) {
        s[2 * i] = (char)p[i];
        s[2 * i + 1] = '\xa5';
    }
    PyObject *mv = PyMemoryView_FromObject(b);
    Py_DECREF(b);
    FUZZ_CHECK(mv != NULL);
    PyObject *step = Py_BuildValue("(OOi)", Py_None, Py_None, 2);
    PyObject *sl = step ? PySlice_New(PyTuple_GET_ITEM(step, 0), PyTuple_GET_ITEM(step, 1),
                                      PyTuple_GET_ITEM(step, 2))
                        : NULL;
    Py_XDECREF(step);
    FUZZ_CHECK(sl != NULL);
    PyObject *view = PyObject_GetItem(mv, sl);
    Py_DECREF(sl);
    Py_DECREF(mv);
    FUZZ_CHECK(view != NULL);
    return view;
}

static PyObject *str_escape(const uint8_t *p, size_t n)
{
    return new_ref(PyUnicode_DecodeUTF8((const char *)p, (Py_ssize_t)n, "surrogateescape"));
}

/* The payload as the argument of a bytes-like parameter. */
static PyObject *bytes_arg(const in_t *in, const uint8_t *p, size_t n)
{
    allow_buffer_error = in->form == F_STRIDED;
    switch (in->form) {
    case F_BYTEARRAY:
        return new_ref(PyByteArray_FromStringAndSize((const char *)p, (Py_ssize_t)n));
    case F_MEMORYVIEW: {
        PyObject *b = bytes_of(p, n);
        PyObject *mv = PyMemoryView_FromObject(b);
        Py_DECREF(b);
        return new_ref(mv);
    }
    case F_STR_ESCAPE:
        return str_escape(p, n);
    case F_STR_LATIN1:
        return new_ref(PyUnicode_DecodeLatin1((const char *)p, (Py_ssize_t)n, NULL));
    case F_STRIDED:
        return strided(p, n);
    case F_WRONG:
        return wrong_type(p, n, in->h);
    case F_ARRAY: {
        PyObject *b = bytes_of(p, n & ~(size_t)1);
        PyObject *a = PyObject_CallFunction(array_type, "sO", "H", b);
        Py_DECREF(b);
        return new_ref(a);
    }
    default:
        return bytes_of(p, n);
    }
}

/* The payload as the argument of a str parameter: a str for most forms,
 * bytes-likes and wrong types for the others. */
static PyObject *str_arg(const in_t *in, const uint8_t *p, size_t n)
{
    allow_buffer_error = in->form == F_STRIDED;
    switch (in->form) {
    case F_STR_LATIN1:
        return new_ref(PyUnicode_DecodeLatin1((const char *)p, (Py_ssize_t)n, NULL));
    case F_BYTEARRAY:
        return bytes_of(p, n);
    case F_MEMORYVIEW:
        return new_ref(PyByteArray_FromStringAndSize((const char *)p, (Py_ssize_t)n));
    case F_STRIDED:
        return strided(p, n);
    case F_WRONG:
        return wrong_type(p, n, in->h);
    default:
        return str_escape(p, n);
    }
}

/* --- certificates -------------------------------------------------------------------- */

/* A serial as OpenSSL prints it: upper-case hex digits, after a '-' for a
 * negative one (RFC 5280 forbids them, decoding does not). */
static int is_serial_text(PyObject *s)
{
    Py_ssize_t n;
    const char *c = PyUnicode_AsUTF8AndSize(s, &n);
    FUZZ_CHECK(c != NULL);
    if (n && c[0] == '-')
        c++, n--;
    for (Py_ssize_t i = 0; i < n; i++)
        if (!((c[i] >= '0' && c[i] <= '9') || (c[i] >= 'A' && c[i] <= 'F')))
            return 0;
    return n > 0;
}

/* Everything a parsed certificate offers. None of it may fail: a
 * certificate a handshake accepted must give getpeercert() its parts. */
static void cert_accessors(PyObject *c)
{
    static const char *const getters[] = {"subject", "issuer", "not_before", "not_after",
                                          "serial", "version"};
    static const char *const lists[] = {"subject_attrs", "issuer_attrs", "san", "ca_info"};
    PyObject *der = must(meth(c, "der", NULL, "()"), "X509.der()");
    FUZZ_CHECK(PyBytes_Check(der));
    for (size_t i = 0; i < sizeof getters / sizeof *getters; i++) {
        PyObject *v = must(get(c, getters[i]), getters[i]);
        if (i == 4)
            FUZZ_CHECK(PyUnicode_Check(v) && is_serial_text(v));
        if (i == 5) {
            long ver = as_long(v);
            FUZZ_CHECK(ver >= 1 && ver <= 3);
        }
        Py_DECREF(v);
    }
    for (size_t i = 0; i < sizeof lists / sizeof *lists; i++)
        Py_DECREF(must(meth(c, lists[i], NULL, "()"), lists[i]));
    Py_DECREF(must(outcome(PyObject_Repr(c), "repr(X509)"), "repr(X509)"));
    FUZZ_CHECK(PyObject_Hash(c) != -1);
    /* What der() gives back parses again, into an equal certificate. */
    PyObject *again = must(call((PyObject *)&ltls_py_cert_type, "X509(der())", NULL, "(O)", der),
                           "X509(der())");
    FUZZ_CHECK(PyObject_RichCompareBool(again, c, Py_EQ) == 1);
    FUZZ_CHECK(PyObject_Hash(again) == PyObject_Hash(c));
    Py_DECREF(again);
    static const char *const hosts[] = {"localhost", "127.0.0.1", "::1", "a.example.com"};
    for (size_t i = 0; i < sizeof hosts / sizeof *hosts; i++) {
        PyObject *b = must(meth(c, "match_host", NULL, "(s)", hosts[i]), "match_host");
        FUZZ_CHECK(PyBool_Check(b));
        Py_DECREF(b);
    }
    /* getpeercert()'s dict, built by the ssl face from the accessors. */
    Py_DECREF(must(call(cert_dict, "_cert_dict", NULL, "(O)", der), "_cert_dict"));
    Py_DECREF(must(call(is_ca, "_is_ca", NULL, "(O)", der), "_is_ca"));
    Py_DECREF(der);
}

/* parse_certs(arg): a list of X509 or NULL. */
static PyObject *parse_certs(PyObject *arg)
{
    PyObject *certs = meth1(M, "parse_certs", arg);
    if (certs)
        FUZZ_CHECK(PyList_Check(certs) && PyList_GET_SIZE(certs) > 0);
    return certs;
}

/* The input for an argument that takes certificates: parsed, or with
 * F_WRONG the wrong-typed object itself, so that the callee's own type
 * check is what gets exercised. NULL when parse_certs() refused it. */
static PyObject *chain_arg(const in_t *in)
{
    PyObject *arg = bytes_arg(in, in->p, in->n);
    PyObject *chain = in->form == F_WRONG ? Py_NewRef(arg) : parse_certs(arg);
    Py_DECREF(arg);
    return chain;
}

static void certs_accessors(PyObject *certs)
{
    Py_ssize_t n = PyList_GET_SIZE(certs);
    for (Py_ssize_t i = 0; i < n && i < MAX_CERTS; i++)
        cert_accessors(PyList_GET_ITEM(certs, i));
}

/* --- contexts and connections ---------------------------------------------------------- */

/* A Context over the null provider for fuzz_hs.h's configuration flags. */
static PyObject *make_hs_context(int server, unsigned flags)
{
    PyObject *kw = kwargs("{s:O,s:O}", "provider", null_prov, "keylog",
                          (flags & HS_KEYLOG_RAISE) ? keylog_raise
                          : (flags & HS_KEYLOG)     ? keylog_ok
                                                    : Py_None);
    if (flags & HS_ALPN)
        set_item(kw, "alpn", Py_BuildValue("[y,y]", "h2", "http/1.1"));
    PyObject *chain = NULL;
    if (server) {
        chain = Py_BuildValue("[(OO)]", server_certs, server_key);
        if (flags & HS_CAUTH) {
            set_item(kw, "client_auth", PyLong_FromLong(LTLS_CLIENT_AUTH_REQUIRED));
            FUZZ_CHECK(PyDict_SetItemString(kw, "trust", trust) == 0);
        }
        if (flags & HS_HRR)
            set_item(kw, "groups", Py_BuildValue("[i]", GROUP_SECP256R1));
    } else {
        FUZZ_CHECK(PyDict_SetItemString(kw, "trust", trust) == 0);
        if (flags & HS_CAUTH)
            chain = Py_BuildValue("[(OO)]", client_certs, client_key);
    }
    if (chain) {
        FUZZ_CHECK(PyDict_SetItemString(kw, "chains", chain) == 0);
        Py_DECREF(chain);
    }
    PyObject *ctx = must(call((PyObject *)&ltls_py_context_type, "Context", kw, "(O)",
                              server ? Py_True : Py_False),
                         "Context for fuzz_hs flags");
    Py_DECREF(kw);
    return ctx;
}

static PyObject *hs_context(int server, unsigned flags)
{
    unsigned keylog = (flags & HS_KEYLOG_RAISE) ? 2 : (flags & HS_KEYLOG) ? 1 : 0;
    return hs_ctx[server][(flags & 7) | keylog << 3];
}

static PyObject *new_conn(PyObject *ctx, int server)
{
    PyObject *c = server ? meth(ctx, "connection", NULL, "()")
                         : meth(ctx, "connection", NULL, "(s)", "localhost");
    return must(c, "Context.connection()");
}

static int done(PyObject *conn)
{
    PyObject *d = must(get(conn, "handshake_done"), "handshake_done");
    FUZZ_CHECK(PyBool_Check(d));
    int r = d == Py_True;
    Py_DECREF(d);
    return r;
}

/* After an operation of a connection raised: want-I/O and close are
 * statuses; anything else is fatal and must be the connection's sticky
 * error. Returns 1 when the error was fatal. */
static int op_failed(PyObject *conn, const char *what)
{
    FUZZ_CHECK(last_exc != NULL);
    if (!raised(tls_error)) {
        fprintf(stderr, "fuzz_python: %s: ", what);
        PyObject_Print(last_exc, stderr, 0);
        fputc('\n', stderr);
        FUZZ_CHECK(!"a connection operation with valid arguments raised a non-TLS error");
    }
    if (raised(want_read) || raised(want_write))
        return 0;
    if (raised(zero_return) || raised(ragged_eof))
        return 1;
    PyObject *exc = Py_NewRef(last_exc);
    PyObject *code = must(get(exc, "code"), "exc.code");
    PyObject *sticky = must(get(conn, "error"), "Connection.error");
    FUZZ_CHECK(PyObject_IsInstance(sticky, tls_error) == 1);
    PyObject *scode = must(get(sticky, "code"), "error.code");
    if (PyObject_RichCompareBool(code, scode, Py_EQ) != 1) {
        fprintf(stderr, "fuzz_python: %s raised ", what);
        PyObject_Print(exc, stderr, 0);
        fprintf(stderr, " but the sticky error is ");
        PyObject_Print(sticky, stderr, 0);
        fputc('\n', stderr);
        FUZZ_CHECK(!"a fatal error differs from the connection's sticky error");
    }
    Py_DECREF(scode);
    Py_DECREF(sticky);
    Py_DECREF(code);
    Py_DECREF(exc);
    return 1;
}

/* Takes the outgoing bytes, sometimes in two steps; returns them. */
static PyObject *take(PyObject *conn, uint64_t h)
{
    PyObject *all;
    if (h & 1) {
        Py_ssize_t k = (Py_ssize_t)((h >> 1) % 700);
        PyObject *part = must(meth(conn, "outgoing", NULL, "(n)", k), "outgoing(n)");
        FUZZ_CHECK(PyBytes_Check(part) && PyBytes_GET_SIZE(part) <= k);
        PyObject *rest = must(meth(conn, "outgoing", NULL, "()"), "outgoing()");
        PyBytes_Concat(&part, rest);
        Py_DECREF(rest);
        all = new_ref(part);
    } else {
        all = must(meth(conn, "outgoing", NULL, "()"), "outgoing()");
    }
    FUZZ_CHECK(PyBytes_Check(all));
    PyObject *left = must(meth(conn, "outgoing_buffered", NULL, "()"), "outgoing_buffered()");
    FUZZ_CHECK(as_long(left) == 0);
    Py_DECREF(left);
    return all;
}

/* Reads what there is, with the two forms of read(); returns the bytes
 * read (a new bytes object) and sets *fatal when the connection died. */
static PyObject *read_all(PyObject *conn, uint64_t h, int *fatal)
{
    PyObject *got = bytes_of(NULL, 0);
    for (int i = 0; i < 64; i++) {
        uint64_t v = h >> (i % 48);
        Py_ssize_t amt = (v & 2) ? (Py_ssize_t)(1 + (v >> 2) % 3000) : 16384;
        PyObject *r, *buf = NULL;
        if (v & 1) {
            buf = PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)(1 + (v >> 3) % 5000));
            FUZZ_CHECK(buf != NULL);
            r = meth(conn, "read", NULL, "(nO)", amt, buf);
        } else {
            r = meth(conn, "read", NULL, "(n)", amt);
        }
        if (!r) {
            Py_XDECREF(buf);
            *fatal = op_failed(conn, "read()");
            break;
        }
        Py_ssize_t n;
        if (buf) {
            n = (Py_ssize_t)as_long(r);
            FUZZ_CHECK(n >= 0 && n <= amt && n <= PyByteArray_GET_SIZE(buf));
            PyObject *part = bytes_of((const uint8_t *)PyByteArray_AS_STRING(buf), (size_t)n);
            PyBytes_ConcatAndDel(&got, part);
        } else {
            FUZZ_CHECK(PyBytes_Check(r));
            n = PyBytes_GET_SIZE(r);
            FUZZ_CHECK(n <= amt);
            PyBytes_Concat(&got, r);
        }
        FUZZ_CHECK(got != NULL);
        Py_DECREF(r);
        Py_XDECREF(buf);
        if (n == 0)
            break;
    }
    return got;
}

/* The queries of a connection, in any state. */
static void conn_queries(PyObject *conn, int server)
{
    PyObject *info = must(meth(conn, "info", NULL, "()"), "info()");
    FUZZ_CHECK(PyDict_Check(info));
    static const char *const keys[] = {"handshake_done", "version", "suite", "suite_name",
                                       "secret_bits", "group", "group_name", "peer_sigscheme",
                                       "alpn", "server_name"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        FUZZ_CHECK(PyDict_GetItemString(info, keys[i]) != NULL);
    int hs_done = done(conn);
    FUZZ_CHECK((PyDict_GetItemString(info, "handshake_done") == Py_True) == hs_done);
    if (hs_done) {
        PyObject *v = PyDict_GetItemString(info, "version");
        FUZZ_CHECK(as_long(v) == LTLS_TLS1_3);
    }
    Py_DECREF(info);
    PyObject *certs = must(meth(conn, "peer_certs", NULL, "()"), "peer_certs()");
    FUZZ_CHECK(PyList_Check(certs));
    if (hs_done && !server) {
        /* The chain the client verified gives getpeercert() its dict. */
        FUZZ_CHECK(PyList_GET_SIZE(certs) > 0);
        PyObject *der = PyList_GET_ITEM(certs, 0);
        PyObject *c = must(call((PyObject *)&ltls_py_cert_type, "X509(peer cert)", NULL, "(O)",
                                der),
                           "X509(peer_certs()[0])");
        cert_accessors(c);
        Py_DECREF(c);
    }
    Py_DECREF(certs);
    static const char *const counts[] = {"pending", "incoming_buffered", "outgoing_buffered"};
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++) {
        PyObject *v = must(meth(conn, counts[i], NULL, "()"), counts[i]);
        FUZZ_CHECK(as_long(v) >= 0);
        Py_DECREF(v);
    }
    PyObject *err = must(get(conn, "error"), "error");
    FUZZ_CHECK(err == Py_None || PyObject_IsInstance(err, tls_error) == 1);
    Py_DECREF(err);
    PyObject *ekm = meth(conn, "export_keying_material", NULL, "(yn)", "EXPORTER-fuzz",
                         (Py_ssize_t)32);
    if (ekm)
        FUZZ_CHECK(hs_done && PyBytes_Check(ekm) && PyBytes_GET_SIZE(ekm) == 32);
    else
        FUZZ_CHECK(raised(tls_error));
    Py_XDECREF(ekm);
}

/* One connection fed the peer's flights (fuzz_hs.h's format and steps). */
typedef struct {
    PyObject *conn;
    int server;
    unsigned flags;
    int dead, shut, ku_done;
    uint64_t h;
} run_t;

static void run_drain(run_t *r)
{
    PyObject *out = take(r->conn, r->h);
    fuzz_touch(PyBytes_AS_STRING(out), (size_t)PyBytes_GET_SIZE(out));
    Py_DECREF(out);
    r->h = r->h * 0x9e3779b97f4a7c15u + 1;
}

static void run_step(run_t *r)
{
    if (r->dead)
        return;
    if (!done(r->conn)) {
        PyObject *x = meth(r->conn, "handshake", NULL, "()");
        if (!x)
            r->dead = op_failed(r->conn, "handshake()");
        Py_XDECREF(x);
        run_drain(r);
        if (r->dead || !done(r->conn))
            return;
    }
    int fatal = 0;
    PyObject *got = read_all(r->conn, r->h, &fatal);
    Py_ssize_t ngot = PyBytes_GET_SIZE(got);
    Py_DECREF(got);
    run_drain(r);
    if (fatal) {
        r->dead = 1;
        return;
    }
    if ((r->flags & HS_KU) && !r->ku_done && !r->shut) {
        r->ku_done = 1;
        PyObject *kw = kwargs("{s:O}", "request_peer", (r->flags & HS_KU_REQ) ? Py_True : Py_False);
        PyObject *x = meth(r->conn, "key_update", kw, "()");
        Py_DECREF(kw);
        if (!x && op_failed(r->conn, "key_update()"))
            r->dead = 1;
        Py_XDECREF(x);
        run_drain(r);
    }
    if (!r->dead && !r->shut && ngot) {
        const char *msg = r->server ? "HTTP/1.0 200 OK\r\n\r\nfuzz" : "GET / HTTP/1.0\r\n\r\n";
        PyObject *x = meth(r->conn, "write", NULL, "(y)", msg);
        if (x)
            FUZZ_CHECK(as_long(x) >= 0 && (size_t)as_long(x) <= strlen(msg));
        else if (op_failed(r->conn, "write()"))
            r->dead = 1;
        Py_XDECREF(x);
        run_drain(r);
        if (!r->dead && (r->flags & HS_SHUT)) {
            r->shut = 1;
            x = meth(r->conn, "shutdown", NULL, "()");
            if (!x && op_failed(r->conn, "shutdown()"))
                r->dead = 1;
            Py_XDECREF(x);
            run_drain(r);
        }
    }
}

static void ep_peer(const in_t *in, int server)
{
    unsigned flags = in->n ? in->p[0] : 0;
    const uint8_t *p = in->n ? in->p + 1 : in->p;
    size_t n = in->n ? in->n - 1 : 0;
    run_t r = {.conn = new_conn(hs_context(server, flags), server), .server = server,
               .flags = flags, .h = in->h};
    if (!server)
        run_step(&r);
    while (n) {
        size_t len;
        const uint8_t *flight = fuzz_next_flight(&p, &n, &len);
        PyObject *arg = bytes_arg(in, flight, len);
        PyObject *x = meth1(r.conn, "feed", arg);
        Py_DECREF(arg);
        if (x)
            FUZZ_CHECK(x == Py_None);
        else if (raised(tls_error))
            FUZZ_CHECK(raised(want_read)); /* "the incoming buffer is full" */
        Py_XDECREF(x);
        run_step(&r);
    }
    Py_DECREF(must(meth(r.conn, "feed_eof", NULL, "()"), "feed_eof()"));
    PyObject *eof = must(get(r.conn, "eof_received"), "eof_received");
    FUZZ_CHECK(eof == Py_True);
    Py_DECREF(eof);
    /* After EOF nothing more may be fed. */
    PyObject *x = meth(r.conn, "feed", NULL, "(y)", "x");
    FUZZ_CHECK(!x && raised(PyExc_ValueError));
    run_step(&r);
    conn_queries(r.conn, server);
    if (verbose) {
        PyObject *err = must(get(r.conn, "error"), "error");
        fprintf(stderr, "fuzz_python: %s flags 0x%02x: handshake %s, error ",
                server ? "server" : "client", flags, done(r.conn) ? "done" : "not done");
        PyObject_Print(err, stderr, 0);
        fputc('\n', stderr);
        Py_DECREF(err);
    }
    PyObject *ctx = must(get(r.conn, "context"), "context");
    FUZZ_CHECK(ctx == hs_context(server, flags));
    Py_DECREF(ctx);
    Py_DECREF(r.conn);
}

/* Moves one side's outgoing bytes to the other; returns whether any moved. */
static int move(PyObject *from, PyObject *to, uint64_t h)
{
    PyObject *out = take(from, h);
    Py_ssize_t n = PyBytes_GET_SIZE(out);
    if (n) {
        PyObject *x = meth(to, "feed", NULL, "(O)", out);
        FUZZ_CHECK(x == Py_None || raised(want_read));
        Py_XDECREF(x);
    }
    Py_DECREF(out);
    return n > 0;
}

/* Runs a client and a server against each other in memory; returns 1 when
 * both completed the handshake. */
static int pump(PyObject *cl, PyObject *sv, uint64_t h)
{
    PyObject *side[2] = {cl, sv};
    for (int round = 0; round < 12; round++) {
        int moved = 0;
        for (int s = 0; s < 2; s++) {
            if (!done(side[s])) {
                PyObject *x = meth(side[s], "handshake", NULL, "()");
                int fatal = !x && op_failed(side[s], "handshake()");
                Py_XDECREF(x);
                moved |= move(side[s], side[1 - s], h >> (round + s));
                if (fatal) {
                    /* The alert still reaches the peer, which must fail too. */
                    PyObject *y = meth(side[1 - s], "handshake", NULL, "()");
                    if (!y)
                        (void)op_failed(side[1 - s], "handshake() after the peer's alert");
                    Py_XDECREF(y);
                    return 0;
                }
            } else {
                moved |= move(side[s], side[1 - s], h >> (round + s));
            }
        }
        if (done(cl) && done(sv))
            return 1;
        if (!moved)
            return 0;
    }
    return 0;
}

/* A handshake between conn (made from a context under test) and a peer
 * of the other side with a default configuration; the negotiated
 * parameters must be the same on both sides. Returns 1 when it completed. */
static int handshake_with_peer(PyObject *conn, int conn_is_server, uint64_t h)
{
    PyObject *peer = new_conn(hs_context(!conn_is_server, 0), !conn_is_server);
    PyObject *cl = conn_is_server ? peer : conn, *sv = conn_is_server ? conn : peer;
    int ok = pump(cl, sv, h);
    if (ok) {
        PyObject *a = must(meth(cl, "info", NULL, "()"), "info()");
        PyObject *b = must(meth(sv, "info", NULL, "()"), "info()");
        static const char *const same[] = {"version", "suite", "group", "alpn"};
        for (size_t i = 0; i < sizeof same / sizeof *same; i++)
            FUZZ_CHECK(PyObject_RichCompareBool(PyDict_GetItemString(a, same[i]),
                                                PyDict_GetItemString(b, same[i]), Py_EQ) == 1);
        Py_DECREF(a);
        Py_DECREF(b);
    }
    conn_queries(cl, 0);
    conn_queries(sv, 1);
    Py_DECREF(peer);
    return ok;
}

/* --- entry points -------------------------------------------------------------------------- */

static void ep_parse_certs(const in_t *in)
{
    PyObject *arg = bytes_arg(in, in->p, in->n);
    PyObject *certs = parse_certs(arg);
    Py_DECREF(arg);
    if (!certs)
        return;
    certs_accessors(certs);
    Py_ssize_t n = PyList_GET_SIZE(certs);
    /* Equality is by DER: each certificate equals itself, and the
     * comparison with another type is NotImplemented, not an error. */
    for (Py_ssize_t i = 0; i < n && i < MAX_CERTS; i++) {
        PyObject *c = PyList_GET_ITEM(certs, i);
        FUZZ_CHECK(PyObject_RichCompareBool(c, PyList_GET_ITEM(certs, 0), Py_NE) >= 0);
        FUZZ_CHECK(PyObject_RichCompareBool(c, Py_None, Py_EQ) == 0);
    }
    Py_DECREF(certs);
}

static void ep_x509(const in_t *in)
{
    PyObject *arg = bytes_arg(in, in->p, in->n);
    Py_ssize_t before = refs_before(arg);
    PyObject *c = call((PyObject *)&ltls_py_cert_type, "X509(data)", NULL, "(O)", arg);
    refs_after(arg, before, "X509(data)");
    if (c) {
        cert_accessors(c);
        PyObject *der = must(meth(c, "der", NULL, "()"), "der()");
        /* der() is the input itself. */
        FUZZ_CHECK((size_t)PyBytes_GET_SIZE(der) == in->n &&
                   memcmp(PyBytes_AS_STRING(der), in->p, in->n) == 0);
        Py_DECREF(der);
        Py_DECREF(c);
    }
    Py_DECREF(arg);
}

static void ep_match_host(const in_t *in)
{
    PyObject *host = str_arg(in, in->p, in->n);
    PyObject *leaf = PyList_GET_ITEM(server_certs, 0);
    PyObject *r = meth1(leaf, "match_host", host);
    if (r) {
        FUZZ_CHECK(PyBool_Check(r));
        /* The P-256 leaf names localhost, p256.test, 127.0.0.1 and ::1. */
        if (PyUnicode_Check(host) && PyUnicode_CompareWithASCIIString(host, "localhost") == 0)
            FUZZ_CHECK(r == Py_True);
        Py_DECREF(r);
    }
    Py_DECREF(host);
}

/* verify(chain, store, host, purpose, now, extra=[the test intermediate],
 * provider). */
static PyObject *verify(PyObject *chain, PyObject *store, PyObject *host, PyObject *purpose,
                        long long now, PyObject *prov)
{
    PyObject *kw = kwargs("{s:O,s:O,s:L,s:O,s:[O]}", "host", host, "purpose", purpose, "now", now,
                          "provider", prov, "extra", PyList_GET_ITEM(server_certs, 1));
    PyObject *r = meth(M, "verify", kw, "(OO)", chain, store);
    Py_DECREF(kw);
    if (r) {
        FUZZ_CHECK(PyList_Check(r) && PyList_GET_SIZE(r) >= 1);
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(r); i++)
            FUZZ_CHECK(PyBytes_Check(PyList_GET_ITEM(r, i)));
    }
    return r;
}

static void ep_trust_add(const in_t *in)
{
    PyObject *store = must(call((PyObject *)&ltls_py_trust_type, "TrustStore()", NULL, "()"),
                           "TrustStore()");
    PyObject *arg = bytes_arg(in, in->p, in->n);
    PyObject *added = meth1(store, "add", arg);
    Py_ssize_t len = PyObject_Length(store);
    FUZZ_CHECK(len >= 0);
    if (added) {
        FUZZ_CHECK(as_long(added) == (long)len); /* all or none, into an empty store */
        Py_DECREF(added);
    } else {
        FUZZ_CHECK(len == 0);
    }
    /* Certificates by id are never supported. */
    PyObject *x = meth1(store, "add_id", arg);
    FUZZ_CHECK(!x);
    if (in->form <= F_MEMORYVIEW)
        FUZZ_CHECK(raised(config_error));
    if (len) {
        PyObject *purpose = new_ref(PyUnicode_FromString("server"));
        PyObject *r = verify(server_certs, store, Py_None, purpose, NOW_2027,
                             (in->h & 1) ? null_prov : Py_None);
        Py_DECREF(purpose);
        Py_XDECREF(r);
        /* A context freezes the store: no more loading. */
        PyObject *kw = kwargs("{s:O,s:O}", "provider", null_prov, "trust", store);
        PyObject *ctx = must(call((PyObject *)&ltls_py_context_type, "Context", kw, "(O)",
                                  Py_False),
                             "Context(trust=store)");
        Py_DECREF(kw);
        PyObject *frozen = must(get(store, "frozen"), "frozen");
        FUZZ_CHECK(frozen == Py_True);
        Py_DECREF(frozen);
        x = meth1(store, "add", arg);
        FUZZ_CHECK(!x && (raised(PyExc_ValueError) || raised(PyExc_TypeError) ||
                          raised(PyExc_BufferError)));
        Py_DECREF(ctx);
    }
    Py_DECREF(arg);
    Py_DECREF(store);
}

static void ep_trust_path(const in_t *in)
{
    PyObject *arg = str_arg(in, in->p, in->n), *path;
    /* Below a directory that does not exist no path resolves (not even
     * through ".."), so nothing on the disk is ever read. */
    if (PyUnicode_Check(arg))
        path = new_ref(PyUnicode_FromFormat("%s/%U", MISSING_DIR, arg));
    else if (PyBytes_Check(arg)) {
        path = bytes_of((const uint8_t *)MISSING_DIR "/", strlen(MISSING_DIR) + 1);
        PyBytes_Concat(&path, arg);
        FUZZ_CHECK(path != NULL);
    } else
        path = Py_NewRef(arg);
    PyObject *store = must(call((PyObject *)&ltls_py_trust_type, "TrustStore()", NULL, "()"),
                           "TrustStore()");
    PyObject *x = meth1(store, (in->h & 1) ? "add_dir" : "add_file", path);
    FUZZ_CHECK(!x);
    FUZZ_CHECK(PyObject_Length(store) == 0);
    Py_DECREF(store);
    Py_DECREF(path);
    Py_DECREF(arg);
}

/* A key and a signing chain with it: the chain's certificate and the key
 * need not match (a ConfigurationError then). */
static void use_key(PyObject *key, PyObject *prov)
{
    static const char *const getters[] = {"type", "curve", "provider"};
    for (size_t i = 0; i < sizeof getters / sizeof *getters; i++) {
        PyObject *v = must(get(key, getters[i]), getters[i]);
        if (i == 2)
            FUZZ_CHECK(v == prov);
        Py_DECREF(v);
    }
    Py_DECREF(must(outcome(PyObject_Repr(key), "repr(Key)"), "repr(Key)"));
    PyObject *kw = kwargs("{s:O,s:[(OO)]}", "provider", prov, "chains", server_certs, key);
    PyObject *ctx = call((PyObject *)&ltls_py_context_type, "Context(chains)", kw, "(O)", Py_True);
    Py_DECREF(kw);
    Py_XDECREF(ctx);
}

static void ep_key(const in_t *in)
{
    PyObject *arg = bytes_arg(in, in->p, in->n);
    Py_ssize_t before = refs_before(arg);
    PyObject *key = call((PyObject *)&ltls_py_key_type, "Key(data)", NULL, "(OOO)", arg, Py_None,
                         capped_prov);
    refs_after(arg, before, "Key(data)");
    Py_DECREF(arg);
    if (key) {
        use_key(key, capped_prov);
        Py_DECREF(key);
    }
}

/* [len][password][key]; the form applies to the key or to the password. */
static void ep_key_password(const in_t *in, int form_on_password)
{
    size_t pl = in->n ? in->p[0] : 0;
    const uint8_t *pw = in->n ? in->p + 1 : in->p;
    size_t rest = in->n ? in->n - 1 : 0;
    if (pl > rest)
        pl = rest;
    const uint8_t *kp = pw + pl;
    size_t kn = rest - pl;
    PyObject *data = form_on_password ? bytes_of(kp, kn) : bytes_arg(in, kp, kn);
    PyObject *pass = form_on_password ? bytes_arg(in, pw, pl) : bytes_of(pw, pl);
    Py_ssize_t bd = refs_before(data), bp = refs_before(pass);
    PyObject *key = call((PyObject *)&ltls_py_key_type, "Key(data, password)", NULL, "(OOO)", data,
                         pass, capped_prov);
    refs_after(data, bd, "Key(data, password): data");
    refs_after(pass, bp, "Key(data, password): password");
    /* A str password is refused by name, whatever the key. */
    if (PyUnicode_Check(pass))
        FUZZ_CHECK(!key && raised(PyExc_TypeError));
    if (key) {
        use_key(key, capped_prov);
        Py_DECREF(key);
    }
    Py_DECREF(data);
    Py_DECREF(pass);
}

static void ep_provider(const in_t *in)
{
    PyObject *name = str_arg(in, in->p, in->n);
    PyObject *prov = call((PyObject *)&ltls_py_provider_type, "Provider(name)", NULL, "(O)", name);
    if (prov) {
        static const char *const lists[] = {"suites", "groups", "sigschemes"};
        for (size_t i = 0; i < sizeof lists / sizeof *lists; i++) {
            PyObject *l = must(meth(prov, lists[i], NULL, "()"), lists[i]);
            FUZZ_CHECK(PyList_Check(l) && PyList_GET_SIZE(l) > 0);
            Py_DECREF(l);
        }
        Py_DECREF(must(get(prov, "name"), "Provider.name"));
        Py_DECREF(must(outcome(PyObject_Repr(prov), "repr(Provider)"), "repr(Provider)"));
        Py_DECREF(prov);
    }
    /* The provider argument of Key takes None, a str or a Provider. */
    PyObject *key = call((PyObject *)&ltls_py_key_type, "Key(provider=name)", NULL, "(yOO)",
                         fuzz_hs_server_key_pem, Py_None, name);
    if (key) {
        FUZZ_CHECK(PyUnicode_Check(name) || name == Py_None);
        Py_DECREF(key);
    }
    Py_DECREF(name);
    /* The module's lists and names (no arguments; each must succeed). */
    static const char *const plain[] = {"version", "providers", "default_provider",
                                        "system_trust_files"};
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
        Py_DECREF(must(meth(M, plain[i], NULL, "()"), plain[i]));
    /* The code-point lookups take any int. */
    PyObject *num = in->form == F_WRONG ? wrong_type(in->p, in->n, in->h)
                                        : new_ref(_PyLong_FromByteArray(
                                              in->p, in->n < 12 ? in->n : 12, 0, 1));
    static const char *const lookups[] = {"suite_name", "group_name", "sigscheme_name"};
    for (size_t i = 0; i < sizeof lookups / sizeof *lookups; i++) {
        PyObject *r = meth1(M, lookups[i], num);
        if (r)
            FUZZ_CHECK(r == Py_None || PyUnicode_Check(r));
        Py_XDECREF(r);
    }
    Py_DECREF(num);
}

static void ep_verify_chain(const in_t *in)
{
    PyObject *chain = chain_arg(in);
    if (!chain)
        return;
    PyObject *host = new_ref(PyUnicode_FromString((in->h & 2) ? "localhost" : "p256.test"));
    PyObject *purpose = new_ref(PyUnicode_FromString((in->h & 4) ? "client" : "server"));
    PyObject *r = verify(chain, trust, host, purpose, (in->h & 8) ? 0 : NOW_2027,
                         (in->h & 1) ? null_prov : Py_None);
    Py_DECREF(purpose);
    if (r) {
        /* The path starts with the leaf given. */
        PyObject *der = must(meth(PyList_GET_ITEM(chain, 0), "der", NULL, "()"), "der()");
        FUZZ_CHECK(PyObject_RichCompareBool(PyList_GET_ITEM(r, 0), der, Py_EQ) == 1);
        Py_DECREF(der);
        Py_DECREF(r);
    }
    Py_DECREF(host);
    Py_DECREF(chain);
}

static void ep_verify_host(const in_t *in)
{
    PyObject *host = str_arg(in, in->p, in->n);
    Py_ssize_t before = refs_before(host);
    /* The purpose's converter gets odd strings too, and the host itself. */
    static const char purposes[][9] = {"server", "client", "server\0x", "Server", ""};
    static const size_t purpose_len[] = {6, 6, 8, 6, 0};
    unsigned pi = (unsigned)(in->h % 5);
    PyObject *purpose = pi == 4 ? Py_NewRef(host)
                                : new_ref(PyUnicode_FromStringAndSize(purposes[pi],
                                                                      (Py_ssize_t)purpose_len[pi]));
    static const long long nows[] = {NOW_2027, 0, -1, 4102444800LL /* 2100 */};
    long long now = nows[(in->h >> 3) % 4];
    PyObject *r = verify(server_certs, trust, host, purpose, now, null_prov);
    Py_DECREF(purpose);
    refs_after(host, before, "verify(host=)");
    if (PyUnicode_Check(host) && PyUnicode_CompareWithASCIIString(host, "localhost") == 0 &&
        pi == 0 && (in->h >> 3) % 4 <= 1)
        FUZZ_CHECK(r != NULL); /* the test chain is valid for localhost */
    Py_XDECREF(r);
    Py_DECREF(host);
}

/* An ALPN list from the payload in the ALPN wire format (length, name)...;
 * a short last entry is kept as it is. */
static PyObject *alpn_list(const in_t *in, const uint8_t *p, size_t n)
{
    PyObject *l = PyList_New(0);
    FUZZ_CHECK(l != NULL);
    while (n) {
        size_t len = p[0];
        p++, n--;
        if (len > n)
            len = n;
        PyObject *item = (in->form == F_BYTES) ? bytes_of(p, len) : bytes_arg(in, p, len);
        FUZZ_CHECK(PyList_Append(l, item) == 0);
        Py_DECREF(item);
        p += len;
        n -= len;
    }
    return l;
}

/* Checks that conn's negotiated ALPN is None or one of `offered`. */
static void check_alpn(PyObject *conn, PyObject *offered)
{
    PyObject *info = must(meth(conn, "info", NULL, "()"), "info()");
    PyObject *a = PyDict_GetItemString(info, "alpn");
    FUZZ_CHECK(a != NULL);
    if (a != Py_None)
        FUZZ_CHECK(PySequence_Contains(offered, a) == 1);
    Py_DECREF(info);
}

static void ep_alpn(const in_t *in)
{
    PyObject *alpn = alpn_list(in, in->p, in->n);
    int server = (int)(in->h & 1);
    PyObject *kw = kwargs("{s:O,s:O}", "provider", null_prov, "alpn", alpn);
    if (server)
        set_item(kw, "chains", Py_BuildValue("[(OO)]", server_certs, server_key));
    else
        FUZZ_CHECK(PyDict_SetItemString(kw, "trust", trust) == 0);
    Py_CLEAR(last_exc);
    Py_ssize_t before = Py_REFCNT(alpn);
    PyObject *ctx = call((PyObject *)&ltls_py_context_type, "Context(alpn)", kw, "(O)",
                         server ? Py_True : Py_False);
    refs_after(alpn, before, "Context(alpn=)"); /* the names are copied */
    Py_DECREF(kw);
    if (ctx) {
        /* The peer offers h2 and http/1.1. */
        PyObject *peer_ctx = hs_context(!server, HS_ALPN);
        PyObject *conn = new_conn(ctx, server), *peer = new_conn(peer_ctx, !server);
        int ok = pump(server ? peer : conn, server ? conn : peer, in->h);
        if (ok) {
            check_alpn(conn, alpn);
            PyObject *fixed = Py_BuildValue("[y,y]", "h2", "http/1.1");
            check_alpn(conn, fixed);
            Py_DECREF(fixed);
        }
        conn_queries(conn, server);
        Py_DECREF(peer);
        Py_DECREF(conn);
        Py_DECREF(ctx);
    }
    Py_DECREF(alpn);
}

static PyObject *u16_list(const uint8_t **p, size_t *n)
{
    size_t count = *n ? (*p)[0] : 0;
    if (*n) {
        (*p)++;
        (*n)--;
    }
    PyObject *l = PyList_New(0);
    FUZZ_CHECK(l != NULL);
    for (size_t i = 0; i < count && *n >= 2; i++) {
        PyObject *v = PyLong_FromLong((long)((*p)[0] << 8 | (*p)[1]));
        FUZZ_CHECK(v && PyList_Append(l, v) == 0);
        Py_DECREF(v);
        *p += 2;
        *n -= 2;
    }
    return l;
}

static uint16_t rd16(const uint8_t *p, size_t n, size_t at)
{
    return (uint16_t)((at < n ? p[at] << 8 : 0) | (at + 1 < n ? p[at + 1] : 0));
}

/* p[0]: bit 0 server, bits 1-2 insecure flags, bits 3-4 provider (null,
 * default, capped, "null"), bit 5 key log, bit 6 suites, bit 7 groups;
 * p[1]: bit 0 sigschemes, bit 1 ALPN, bit 2 trust, bit 3 chains;
 * p[2] client_auth (signed), p[3..4] min_version, p[5..6] max_version,
 * p[7] key_share_count (signed), p[8..9] record_size_limit (signed);
 * then the lists: a count byte and that many 16-bit code points each. */
static void ep_options(const in_t *in)
{
    const uint8_t *p = in->p;
    size_t n = in->n;
    uint8_t f0 = n > 0 ? p[0] : 0, f1 = n > 1 ? p[1] : 0;
    int server = f0 & 1;
    PyObject *provs[4] = {null_prov, Py_None, capped_prov, NULL};
    PyObject *prov_name = PyUnicode_FromString("null");
    FUZZ_CHECK(prov_name != NULL);
    provs[3] = prov_name;
    PyObject *kw = kwargs("{s:O,s:i,s:i,s:i,s:n,s:n,s:i,s:O}", "provider", provs[(f0 >> 3) & 3],
                          "client_auth", (int)(int8_t)(n > 2 ? p[2] : 0), "min_version",
                          (int)rd16(p, n, 3), "max_version", (int)rd16(p, n, 5),
                          "key_share_count", (Py_ssize_t)(int8_t)(n > 7 ? p[7] : 0),
                          "record_size_limit", (Py_ssize_t)(int16_t)rd16(p, n, 8), "insecure",
                          (int)((f0 >> 1) & 3), "keylog", (f0 & 32) ? keylog_ok : Py_None);
    Py_DECREF(prov_name);
    size_t off = n < 10 ? n : 10;
    const uint8_t *q = p + off;
    size_t m = n - off;
    PyObject *lists[3] = {NULL, NULL, NULL};
    static const char *const names[3] = {"suites", "groups", "sigschemes"};
    int want[3] = {f0 & 64, f0 & 128, f1 & 1};
    for (int i = 0; i < 3; i++) {
        if (!want[i])
            continue;
        lists[i] = u16_list(&q, &m);
        if (in->form == F_WRONG && (in->h % 3) == (uint64_t)i) {
            /* A wrong element or a wrong container. */
            PyObject *bad = (in->h & 8) ? Py_BuildValue("[s]", "x") : PyLong_FromLong(1);
            FUZZ_CHECK(bad != NULL);
            Py_SETREF(lists[i], bad);
        }
        FUZZ_CHECK(PyDict_SetItemString(kw, names[i], lists[i]) == 0);
    }
    if (f1 & 2)
        set_item(kw, "alpn", Py_BuildValue("[y,y]", "h2", "http/1.1"));
    if (f1 & 4)
        FUZZ_CHECK(PyDict_SetItemString(kw, "trust", trust) == 0);
    if (f1 & 8)
        set_item(kw, "chains", Py_BuildValue("[(OO)]", server ? server_certs : client_certs,
                                             server ? server_key : client_key));
    PyObject *ctx = call((PyObject *)&ltls_py_context_type, "Context(options)", kw, "(O)",
                         server ? Py_True : Py_False);
    if (ctx) {
        PyObject *v = must(get(ctx, "server"), "Context.server");
        FUZZ_CHECK(v == (server ? Py_True : Py_False));
        Py_DECREF(v);
        Py_DECREF(must(get(ctx, "provider"), "Context.provider"));
        PyObject *conn = new_conn(ctx, server);
        if (handshake_with_peer(conn, server, in->h)) {
            /* What was negotiated is among what this side allowed. */
            PyObject *info = must(meth(conn, "info", NULL, "()"), "info()");
            if (lists[0] && PyList_Check(lists[0]))
                FUZZ_CHECK(PySequence_Contains(lists[0], PyDict_GetItemString(info, "suite")) == 1);
            if (lists[1] && PyList_Check(lists[1]))
                FUZZ_CHECK(PySequence_Contains(lists[1], PyDict_GetItemString(info, "group")) == 1);
            Py_DECREF(info);
        }
        Py_DECREF(conn);
        Py_DECREF(ctx);
    }
    for (int i = 0; i < 3; i++)
        Py_XDECREF(lists[i]);
    Py_DECREF(kw);
}

static void ep_server_name(const in_t *in)
{
    PyObject *name = str_arg(in, in->p, in->n);
    /* A server connection takes no server name. */
    PyObject *x = meth1(hs_context(1, 0), "connection", name);
    FUZZ_CHECK(!x || name == Py_None);
    Py_XDECREF(x);
    PyObject *conn = meth1(hs_context(0, in->h & HS_ALPN), "connection", name);
    if (conn) {
        PyObject *sv = new_conn(hs_context(1, in->h & HS_ALPN), 1);
        (void)pump(conn, sv, in->h);
        /* What the server saw as SNI is the name given, without one
         * trailing dot (RFC 6066 §3; IP literals are not sent at all). */
        PyObject *info = must(meth(sv, "info", NULL, "()"), "info()");
        PyObject *sni = PyDict_GetItemString(info, "server_name");
        FUZZ_CHECK(sni != NULL);
        if (sni != Py_None) {
            FUZZ_CHECK(PyUnicode_Check(name));
            Py_ssize_t len = PyUnicode_GET_LENGTH(name);
            if (len && PyUnicode_READ_CHAR(name, len - 1) == '.')
                len--;
            PyObject *sent = new_ref(PyUnicode_Substring(name, 0, len));
            FUZZ_CHECK(PyObject_RichCompareBool(sni, sent, Py_EQ) == 1);
            Py_DECREF(sent);
        }
        Py_DECREF(info);
        conn_queries(conn, 0);
        Py_DECREF(sv);
        Py_DECREF(conn);
    }
    Py_DECREF(name);
}

static void ep_appdata(const in_t *in)
{
    unsigned flags = (unsigned)(in->h & (HS_ALPN | HS_HRR));
    PyObject *cl = new_conn(hs_context(0, flags), 0), *sv = new_conn(hs_context(1, flags), 1);
    /* A default client and server over the null provider always agree. */
    FUZZ_CHECK(pump(cl, sv, in->h));
    PyObject *side[2] = {cl, sv};
    int from = (int)(in->h >> 8 & 1);
    PyObject *arg = bytes_arg(in, in->p, in->n);
    PyObject *w = meth1(side[from], "write", arg);
    if (w) {
        long sent = as_long(w);
        FUZZ_CHECK(sent >= 0 && (size_t)sent <= in->n);
        (void)move(side[from], side[1 - from], in->h);
        int fatal = 0;
        PyObject *got = bytes_of(NULL, 0);
        for (int i = 0; i < 64 && PyBytes_GET_SIZE(got) < sent; i++) {
            PyObject *part = read_all(side[1 - from], in->h >> (3 + i % 32), &fatal);
            FUZZ_CHECK(!fatal);
            Py_ssize_t np = PyBytes_GET_SIZE(part);
            PyBytes_ConcatAndDel(&got, part);
            FUZZ_CHECK(got != NULL);
            if (!np)
                break;
        }
        /* Records arrive whole in one move: everything sent is readable. */
        FUZZ_CHECK(PyBytes_GET_SIZE(got) == sent &&
                   memcmp(PyBytes_AS_STRING(got), in->p, (size_t)sent) == 0);
        Py_DECREF(got);
        Py_DECREF(w);
    }
    /* The exporter: the same bytes on both sides for the same inputs. */
    static const Py_ssize_t lengths[] = {32, 1, 255 * 64, 0, 255 * 64 + 1, -1};
    Py_ssize_t len = lengths[(in->h >> 12) % 6];
    PyObject *context = (in->h >> 16 & 1) ? Py_NewRef(Py_None) : bytes_arg(in, in->p, in->n);
    PyObject *ek[2];
    for (int s = 0; s < 2; s++)
        ek[s] = meth(side[s], "export_keying_material", NULL, "(OnO)", arg, len, context);
    FUZZ_CHECK(!ek[0] == !ek[1]);
    if (ek[0]) {
        FUZZ_CHECK(PyBytes_GET_SIZE(ek[0]) == len &&
                   PyObject_RichCompareBool(ek[0], ek[1], Py_EQ) == 1);
        Py_DECREF(ek[0]);
        Py_DECREF(ek[1]);
    } else if (len >= 1 && len <= 255 * 32 && in->n <= 249 && in->form <= F_MEMORYVIEW) {
        /* RFC 8446's limits: "tls13 " + label fits 255 bytes, and HKDF
         * gives 255 hash lengths (the extension's own bound, 255 * 64, is
         * looser; beyond the suite's it raises TLSError, a documented class). */
        (void)must(NULL, "export_keying_material() after a completed handshake");
    }
    Py_DECREF(context);
    Py_DECREF(arg);
    /* KeyUpdate and close_notify travel too. */
    PyObject *kw = kwargs("{s:O}", "request_peer", (in->h & 2) ? Py_True : Py_False);
    Py_DECREF(must(meth(side[from], "key_update", kw, "()"), "key_update()"));
    Py_DECREF(kw);
    Py_DECREF(must(meth(side[from], "shutdown", NULL, "()"), "shutdown()"));
    (void)move(side[from], side[1 - from], in->h);
    int fatal = 0;
    PyObject *got = read_all(side[1 - from], in->h, &fatal);
    FUZZ_CHECK(PyBytes_GET_SIZE(got) == 0);
    Py_DECREF(got);
    conn_queries(cl, 0);
    conn_queries(sv, 1);
    Py_DECREF(cl);
    Py_DECREF(sv);
}

/* The socket functions' arguments are checked before any I/O: a port of -1
 * or a descriptor of -1 fails after the host, server name and timeout were
 * converted, so nothing here ever touches the network. */
static void ep_socket_args(const in_t *in)
{
    PyObject *host = str_arg(in, in->p, in->n);
    Py_ssize_t before = refs_before(host);
    PyObject *timeout;
    if (in->n >= 8 && !(in->h & 1)) {
        double d;
        memcpy(&d, in->p, sizeof d);
        timeout = new_ref(PyFloat_FromDouble(d));
    } else if (in->h & 2) {
        timeout = Py_NewRef(Py_None);
    } else {
        timeout = Py_NewRef(host);
    }
    PyObject *sn = (in->h & 4) ? Py_NewRef(Py_None) : Py_NewRef(host);
    if (before > 0)
        before = Py_REFCNT(host); /* with sn's and timeout's references */
    PyObject *x = meth(M, "socket_connect", NULL, "(OOiOO)", hs_context(0, 0), host, -1, sn,
                       timeout);
    FUZZ_CHECK(!x);
    x = meth(M, "socket_accept", NULL, "(OiO)", hs_context(1, 0), -1, timeout);
    FUZZ_CHECK(!x);
    /* The wrong side's context is refused before connecting or accepting. */
    x = meth(M, "socket_connect", NULL, "(Osi)", hs_context(1, 0), "localhost", 443);
    FUZZ_CHECK(!x && raised(PyExc_ValueError));
    x = meth(M, "socket_accept", NULL, "(Oi)", hs_context(0, 0), 0);
    FUZZ_CHECK(!x && raised(PyExc_ValueError));
    x = meth(M, "socket_connect", NULL, "(Osi)", host, "localhost", -1);
    FUZZ_CHECK(!x && raised(PyExc_TypeError));
    refs_after(host, before, "socket_connect(host=)");
    Py_DECREF(sn);
    Py_DECREF(timeout);
    Py_DECREF(host);
}

static void ep_chains(const in_t *in)
{
    PyObject *certs = chain_arg(in);
    if (!certs)
        return;
    int server = !(in->h & 1);
    PyObject *kw = kwargs("{s:O,s:[(OO)]}", "provider", null_prov, "chains", certs,
                          server ? server_key : client_key);
    if (!server)
        FUZZ_CHECK(PyDict_SetItemString(kw, "trust", trust) == 0);
    else if (in->h & 2)
        set_item(kw, "client_auth", PyLong_FromLong(0));
    PyObject *ctx = call((PyObject *)&ltls_py_context_type, "Context(chains)", kw, "(O)",
                         server ? Py_True : Py_False);
    Py_DECREF(kw);
    if (ctx && server) {
        /* An insecure client takes any chain: it must arrive as given. */
        PyObject *ckw = kwargs("{s:O,s:i}", "provider", null_prov, "insecure",
                               LTLS_INSECURE_NO_VERIFY | LTLS_INSECURE_NO_HOSTNAME_CHECK);
        PyObject *cctx = must(call((PyObject *)&ltls_py_context_type, "Context(insecure)", ckw,
                                   "(O)", Py_False),
                              "insecure Context");
        Py_DECREF(ckw);
        PyObject *cl = new_conn(cctx, 0), *sv = new_conn(ctx, 1);
        if (pump(cl, sv, in->h)) {
            PyObject *peer = must(meth(cl, "peer_certs", NULL, "()"), "peer_certs()");
            Py_ssize_t n = PyList_GET_SIZE(certs);
            FUZZ_CHECK(PyList_GET_SIZE(peer) == n);
            for (Py_ssize_t i = 0; i < n; i++) {
                PyObject *der = must(meth(PyList_GET_ITEM(certs, i), "der", NULL, "()"), "der()");
                FUZZ_CHECK(PyObject_RichCompareBool(der, PyList_GET_ITEM(peer, i), Py_EQ) == 1);
                Py_DECREF(der);
            }
            Py_DECREF(peer);
        }
        conn_queries(cl, 0);
        Py_DECREF(cl);
        Py_DECREF(sv);
        Py_DECREF(cctx);
    } else if (ctx) {
        PyObject *cl = new_conn(ctx, 0);
        Py_DECREF(must(meth(cl, "outgoing", NULL, "()"), "outgoing()"));
        Py_DECREF(cl);
    }
    Py_XDECREF(ctx);
    Py_DECREF(certs);
}

static void run_input(const uint8_t *data, size_t size)
{
    in_t in = {.p = size ? data + 1 : data, .n = size ? size - 1 : 0,
               .form = size ? data[0] >> 5 : 0, .h = fuzz_hash(data, size)};
    unsigned e = size ? (data[0] & 31u) % EP_COUNT : 0;
    allow_buffer_error = 0;
    switch ((enum entry)e) {
    case EP_PARSE_CERTS: ep_parse_certs(&in); break;
    case EP_X509: ep_x509(&in); break;
    case EP_MATCH_HOST: ep_match_host(&in); break;
    case EP_TRUST_ADD: ep_trust_add(&in); break;
    case EP_TRUST_PATH: ep_trust_path(&in); break;
    case EP_KEY: ep_key(&in); break;
    case EP_KEY_PASSWORD: ep_key_password(&in, 0); break;
    case EP_PASSWORD: ep_key_password(&in, 1); break;
    case EP_PROVIDER: ep_provider(&in); break;
    case EP_VERIFY_CHAIN: ep_verify_chain(&in); break;
    case EP_VERIFY_HOST: ep_verify_host(&in); break;
    case EP_ALPN: ep_alpn(&in); break;
    case EP_OPTIONS: ep_options(&in); break;
    case EP_SERVER_NAME: ep_server_name(&in); break;
    case EP_CLIENT: ep_peer(&in, 0); break;
    case EP_SERVER: ep_peer(&in, 1); break;
    case EP_APPDATA: ep_appdata(&in); break;
    case EP_SOCKET_ARGS: ep_socket_args(&in); break;
    case EP_CHAINS: ep_chains(&in); break;
    case EP_COUNT: break;
    }
    Py_CLEAR(last_exc);
    FUZZ_CHECK(!PyErr_Occurred());
}

/* --- leak accounting (see the header) ----------------------------------------------------- */

/* The number of objects the collector tracks outside the frozen
 * generation, after a full collection. */
static Py_ssize_t tracked_objects(void)
{
    Py_DECREF(must(outcome(PyObject_CallNoArgs(gc_collect), "gc.collect"), "gc.collect"));
    PyObject *all = must(outcome(PyObject_CallNoArgs(gc_get_objects), "gc.get_objects"),
                         "gc.get_objects");
    Py_ssize_t n = PyList_GET_SIZE(all);
    Py_DECREF(all);
    return n;
}

/* --- setup ---------------------------------------------------------------------------------- */

static PyObject *keylog_ok_fn(PyObject *self, PyObject *line)
{
    (void)self;
    FUZZ_CHECK(PyUnicode_Check(line));
    Py_RETURN_NONE;
}

static PyObject *keylog_raise_fn(PyObject *self, PyObject *line)
{
    (void)self, (void)line;
    PyErr_SetString(PyExc_ValueError, "fuzz_python: a failing key-log callback");
    return NULL;
}

/* sys.unraisablehook: the only exception the extension may swallow is the
 * failing key-log callback's (context.c reports it as unraisable). */
static PyObject *unraisable_fn(PyObject *self, PyObject *u)
{
    (void)self;
    PyObject *obj = PyObject_GetAttrString(u, "object");
    FUZZ_CHECK(obj != NULL);
    if (obj != keylog_raise) {
        fprintf(stderr, "fuzz_python: an unraisable exception: ");
        PyObject_Print(u, stderr, 0);
        fputc('\n', stderr);
        FUZZ_CHECK(!"an exception was swallowed as unraisable");
    }
    Py_DECREF(obj);
    Py_RETURN_NONE;
}

static PyMethodDef fuzz_methods[] = {
    {"keylog_ok", keylog_ok_fn, METH_O, NULL},
    {"keylog_raise", keylog_raise_fn, METH_O, NULL},
    {"unraisable", unraisable_fn, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

static PyObject *attr_of(const char *module, const char *name)
{
    PyObject *m = PyImport_ImportModule(module);
    PyObject *a = m ? PyObject_GetAttrString(m, name) : NULL;
    Py_XDECREF(m);
    if (!a) {
        PyErr_Print();
        fprintf(stderr, "fuzz_python: %s.%s is missing\n", module, name);
        abort();
    }
    return a;
}

static PyObject *wrap_provider(ltls_provider_t *p)
{
    ltls_py_provider_t *o = PyObject_New(ltls_py_provider_t, &ltls_py_provider_type);
    FUZZ_CHECK(o != NULL);
    o->provider = p;
    return (PyObject *)o;
}

static void start_python(void)
{
    PyPreConfig pre;
    PyPreConfig_InitIsolatedConfig(&pre);
    pre.allocator = PYMEM_ALLOCATOR_MALLOC; /* PYTHONMALLOC=malloc: objects under ASan */
    PyStatus st = Py_PreInitialize(&pre);
    if (PyStatus_Exception(st))
        Py_ExitStatusException(st);
    FUZZ_CHECK(PyImport_AppendInittab("_lucidtls", PyInit__lucidtls) == 0);
    PyConfig cfg;
    PyConfig_InitIsolatedConfig(&cfg);
    cfg.site_import = 0;             /* the stdlib is all the package needs */
    cfg.write_bytecode = 0;          /* never write into the source tree */
    cfg.install_signal_handlers = 0; /* libFuzzer's handlers stay */
    /* The standard library of the libpython linked, not that of whichever
     * python3 comes first in PATH (extension modules of another build of
     * 3.11 do not load into this one). */
    st = PyConfig_SetBytesString(&cfg, &cfg.home, FUZZ_PYTHON_HOME);
    if (!PyStatus_Exception(st))
        st = Py_InitializeFromConfig(&cfg);
    PyConfig_Clear(&cfg);
    if (PyStatus_Exception(st))
        Py_ExitStatusException(st);
    /* The package imports its extension as lucidtls._lucidtls. */
    if (PyRun_SimpleString("import sys, _lucidtls\n"
                           "sys.path.insert(0, '" FUZZ_PYTHON_DIR "')\n"
                           "sys.modules['lucidtls._lucidtls'] = _lucidtls\n"
                           "import lucidtls, lucidtls._sslcompat, array, gc\n") != 0)
        abort();
}

static void make_objects(void)
{
    M = attr_of("lucidtls", "_lucidtls");
    tls_error = attr_of("lucidtls", "TLSError");
    want_read = attr_of("lucidtls", "WantReadError");
    want_write = attr_of("lucidtls", "WantWriteError");
    zero_return = attr_of("lucidtls", "ZeroReturnError");
    ragged_eof = attr_of("lucidtls", "RaggedEOF");
    config_error = attr_of("lucidtls", "ConfigurationError");
    cert_dict = attr_of("lucidtls._sslcompat", "_cert_dict");
    is_ca = attr_of("lucidtls._sslcompat", "_is_ca");
    array_type = attr_of("array", "array");
    gc_collect = attr_of("gc", "collect");
    gc_get_objects = attr_of("gc", "get_objects");
    documented = PyTuple_Pack(4, tls_error, PyExc_TypeError, PyExc_ValueError, PyExc_OverflowError);
    FUZZ_CHECK(documented != NULL);

    keylog_ok = PyCFunction_New(&fuzz_methods[0], NULL);
    keylog_raise = PyCFunction_New(&fuzz_methods[1], NULL);
    unraisable_hook = PyCFunction_New(&fuzz_methods[2], NULL);
    FUZZ_CHECK(keylog_ok && keylog_raise && unraisable_hook);
    FUZZ_CHECK(PySys_SetObject("unraisablehook", unraisable_hook) == 0);

    ltls_provider_t *np = NULL;
    FUZZ_CHECK(ltls_null_provider_create(NULL, &np) == LTLS_OK);
    null_prov = wrap_provider(np);
    /* capped_base stays allocated (and referenced) for the process's life. */
    FUZZ_CHECK(ltls_provider_new(NULL, NULL, &capped_base) == LTLS_OK);
    fuzz_cap_pbkdf2(&capped_table, capped_base);
    capped_prov = wrap_provider(&capped_table);

    PyObject *server_pem = PyBytes_FromFormat("%s%s", fuzz_hs_server_pem, fuzz_hs_inter_pem);
    PyObject *client_pem = PyBytes_FromFormat("%s%s", fuzz_hs_client_pem, fuzz_hs_inter_pem);
    FUZZ_CHECK(server_pem && client_pem);
    server_certs = must(meth(M, "parse_certs", NULL, "(O)", server_pem), "server chain");
    client_certs = must(meth(M, "parse_certs", NULL, "(O)", client_pem), "client chain");
    Py_DECREF(server_pem);
    Py_DECREF(client_pem);
    server_key = must(call((PyObject *)&ltls_py_key_type, "Key", NULL, "(yOO)",
                           fuzz_hs_server_key_pem, Py_None, null_prov),
                      "server key");
    client_key = must(call((PyObject *)&ltls_py_key_type, "Key", NULL, "(yOO)",
                           fuzz_hs_client_key_pem, Py_None, null_prov),
                      "client key");
    trust = must(call((PyObject *)&ltls_py_trust_type, "TrustStore", NULL, "()"), "TrustStore");
    Py_DECREF(must(meth(trust, "add", NULL, "(y)", fuzz_hs_ca_pem), "trust.add"));
    for (int s = 0; s < 2; s++)
        for (unsigned cfg = 0; cfg < 24; cfg++)
            hs_ctx[s][cfg] = make_hs_context(s, (cfg & 7) | ((cfg >> 3) == 1 ? HS_KEYLOG : 0) |
                                                    ((cfg >> 3) == 2 ? HS_KEYLOG_RAISE : 0));
}

/* One call of every entry in every form, so that what the interpreter and
 * the extension create on first use (the error factory, the default
 * provider, caches of the ssl face) exists before the leak accounting. */
static void warm_up(void)
{
    const char *payloads[] = {fuzz_hs_server_pem, "localhost", "\x08lucidtls", "h2"};
    uint8_t buf[4096];
    for (unsigned e = 0; e < EP_COUNT; e++)
        for (unsigned form = 0; form < 8; form++)
            for (size_t i = 0; i < sizeof payloads / sizeof *payloads; i++) {
                size_t n = strlen(payloads[i]);
                FUZZ_CHECK(n + 1 <= sizeof buf);
                buf[0] = (uint8_t)(e | form << 5);
                memcpy(buf + 1, payloads[i], n);
                run_input(buf, n + 1);
            }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    struct stat sb;
    FUZZ_CHECK(stat(MISSING_DIR, &sb) != 0); /* ep_trust_path relies on it */
    verbose = getenv("FUZZ_VERBOSE") != NULL;
    start_python();
    make_objects();
    warm_up();
    /* The interpreter's objects and this target's own leave the collected
     * generations: what gc.get_objects() lists from now on is per input. */
    Py_DECREF(must(outcome(PyObject_CallNoArgs(gc_collect), "gc.collect"), "gc.collect"));
    PyObject *freeze = attr_of("gc", "freeze");
    Py_DECREF(must(outcome(PyObject_CallNoArgs(freeze), "gc.freeze"), "gc.freeze"));
    Py_DECREF(freeze);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Py_ssize_t n[4];
    n[0] = tracked_objects();
    run_input(data, size);
    n[1] = tracked_objects();
    /* More objects: a cache filled, or something leaked. A leak grows on
     * every run, a cache once. */
    for (int i = 2; i < 4 && n[i - 1] > n[i - 2]; i++) {
        run_input(data, size);
        n[i] = tracked_objects();
        if (verbose)
            fprintf(stderr, "fuzz_python: objects grew: %zd -> %zd, run %d: %zd\n", n[0], n[1], i,
                    n[i]);
        if (i == 3 && n[3] > n[2]) {
            fprintf(stderr, "fuzz_python: every run leaves objects behind: %zd %zd %zd %zd\n",
                    n[0], n[1], n[2], n[3]);
            FUZZ_CHECK(!"objects leak on every run");
        }
    }
    return 0;
}
