/*
 * errors.c - lucidtls errors as Python exceptions.
 *
 * An ltls_err_t carries class, alert and reason. The C side turns it into
 * plain facts (code, reason name, alert name and code, the reason's
 * sentence, the connection's detail sentence, where it happened) and hands
 * them to lucidtls._errors._from_c, the one place that picks the exception
 * class (WantReadError, RaggedEOF, CertificateVerificationError, ...). The
 * classes live in Python so that they can subclass both the PEP 748 names and
 * the ssl module's exceptions. The factory is looked up on first use, not at
 * import, because the package imports this module while it is still being
 * initialised.
 */
#include "ltls_py.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static PyObject *factory;     /* lucidtls._errors._from_c */
static PyObject *config_cls;  /* lucidtls._errors.ConfigurationError */
static int pending_depth = -1; /* verify(): which certificate failed */

static int load_errors(void)
{
    if (factory)
        return 0;
    PyObject *mod = PyImport_ImportModule("lucidtls._errors");
    if (!mod)
        return -1;
    factory = PyObject_GetAttrString(mod, "_from_c");
    config_cls = PyObject_GetAttrString(mod, "ConfigurationError");
    Py_DECREF(mod);
    if (!factory || !config_cls) {
        Py_CLEAR(factory);
        Py_CLEAR(config_cls);
        return -1;
    }
    return 0;
}

int ltls_py_errors_init(PyObject *module)
{
    (void)module;
    return 0;
}

void ltls_py_set_error_depth(int depth) { pending_depth = depth; }

PyObject *ltls_py_raise(ltls_err_t err, const char *detail, ltls_py_where_t where)
{
    int depth = pending_depth;
    pending_depth = -1;
    if (load_errors() < 0)
        return NULL;
    uint8_t alert = ltls_err_alert(err);
    PyObject *alert_name = Py_None, *alert_code = Py_None;
    Py_INCREF(alert_name);
    Py_INCREF(alert_code);
    if (alert != LTLS_ALERT_NONE) {
        Py_DECREF(alert_name);
        Py_DECREF(alert_code);
        alert_name = PyUnicode_FromString(ltls_alert_name(alert));
        alert_code = PyLong_FromLong(alert);
        if (!alert_name || !alert_code) {
            Py_XDECREF(alert_name);
            Py_XDECREF(alert_code);
            return NULL;
        }
    }
    /* Detail sentences come from C buffers that may hold any bytes a peer
     * put in a certificate name: decode leniently rather than fail. */
    PyObject *det = Py_None;
    Py_INCREF(det);
    /* Some details only repeat the reason's sentence: say it once. */
    if (detail && *detail && strcmp(detail, ltls_err_message(err)) != 0) {
        Py_DECREF(det);
        det = PyUnicode_DecodeUTF8(detail, (Py_ssize_t)strlen(detail), "backslashreplace");
        if (!det) {
            Py_DECREF(alert_name);
            Py_DECREF(alert_code);
            return NULL;
        }
    }
    PyObject *exc = PyObject_CallFunction(
        factory, "(kssiOOOiii)", (unsigned long)err, ltls_err_reason_name(err), ltls_err_message(err),
        (int)ltls_err_class(err), alert_name, alert_code, det, (int)where, depth,
        (int)ltls_err_reason(err));
    Py_DECREF(alert_name);
    Py_DECREF(alert_code);
    Py_DECREF(det);
    if (!exc)
        return NULL;
    PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
    Py_DECREF(exc);
    return NULL;
}

PyObject *ltls_py_config_error(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (load_errors() < 0)
        return NULL;
    PyErr_SetString(config_cls, msg);
    return NULL;
}

PyObject *ltls_py_busy_error(const char *what)
{
    PyErr_Format(PyExc_RuntimeError,
                 "this %s is in use by another thread (lucidtls objects are not "
                 "for concurrent use; give each thread its own)",
                 what);
    return NULL;
}
