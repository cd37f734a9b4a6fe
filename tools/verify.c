/*
 * tools/verify.c - `lucidtls verify`, like `openssl verify`: validates a
 * certificate chain with ltls_x509_verify() and says why it fails.
 *
 *   lucidtls verify [--cafile F]... [--system] [--untrusted F]...
 *                   [--host NAME | --ip ADDR] [--purpose server|client]
 *                   [--time UNIX_SECONDS] [--max-depth N] CERT.pem
 *
 * Theory of operation. CERT.pem holds the leaf, optionally followed by the
 * intermediates a peer would send; they are passed as the peer's chain, so
 * the same order rules apply as in a handshake (the rest may be unordered).
 * --untrusted files add further candidate intermediates. The anchors come
 * from every --cafile and, with --system, the operating system's store.
 * Without --time the tool reads the clock: the library never does.
 *
 * Output is meant for people and for tests alike. On success, stdout gets
 * one line per certificate of the validated path, leaf first, the anchor
 * marked, then "OK"; exit 0. On rejection, stdout gets
 *   "verification failed: REASON_NAME: <reason sentence>"
 * followed by the depth and the validator's detail; exit 1. The reason name
 * (as in include/lucidtls/error.h) is printed so that scripts need not match
 * sentences. Usage errors and input that cannot be read or parsed (a
 * malformed certificate, an unreadable --cafile) go to stderr with the same
 * "REASON_NAME: sentence: detail" shape where a reason applies; exit 2.
 */
#include "verify.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lucidtls/lucidtls.h"
#include "tool.h"
#include "trust/store.h"

#define MAX_FILES 64 /* of --cafile and of --untrusted each */

typedef struct opts {
    const char *cafiles[MAX_FILES];
    size_t n_cafiles;
    const char *untrusted[MAX_FILES];
    size_t n_untrusted;
    int system;
    const char *host;
    const char *ip;
    ltls_purpose_t purpose;
    int have_time;
    int64_t time;
    unsigned max_depth;
    const char *cert;
} opts_t;

static const char synopsis[] =
    "usage: lucidtls verify [--cafile F]... [--system] [--untrusted F]...\n"
    "                       [--host NAME | --ip ADDR] [--purpose server|client]\n"
    "                       [--time UNIX_SECONDS] [--max-depth N] CERT.pem\n";

static int usage(FILE *f)
{
    if (f == stderr) {
        fprintf(f, "%sRun 'lucidtls verify --help' for the options.\n", synopsis);
        return 2;
    }
    fprintf(f,
            "%s"
            "  CERT.pem      the leaf certificate, optionally followed by its chain\n"
            "  --cafile F    trust the certificates of F (PEM bundle or DER); repeatable\n"
            "  --system      trust the operating system's store (SSL_CERT_FILE/SSL_CERT_DIR\n"
            "                override it)\n"
            "  --untrusted F further candidate intermediates; repeatable\n"
            "  --host NAME   check the leaf against a DNS name (an IP literal acts as --ip)\n"
            "  --ip ADDR     check the leaf against an IPv4 or IPv6 address\n"
            "  --purpose P   server (default) or client: the extended key usage required\n"
            "  --time T      validation time in seconds since the Unix epoch (default: now)\n"
            "  --max-depth N at most N certificates in the path, leaf and anchor included\n"
            "                (1..%d, default %d)\n"
            "exit status: 0 valid, 1 rejected, 2 usage error or malformed input\n",
            synopsis, LTLS_X509_MAX_DEPTH, LTLS_X509_MAX_DEPTH);
    return 0;
}

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static int bad_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "lucidtls verify: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return usage(stderr);
}

static int parse_i64(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end)
        return 0;
    *out = (int64_t)v;
    return 1;
}

static int is_ip_literal(const char *s)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* Returns -1 when the options are fine, else the exit status. */
static int parse_opts(int argc, char **argv, opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->purpose = LTLS_PURPOSE_SERVER_AUTH;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            return usage(stdout);
        if (strcmp(a, "--system") == 0) {
            o->system = 1;
            continue;
        }
        int positional = a[0] != '-' || a[1] == 0; /* "-" is a file name here */
        if (strcmp(a, "--") == 0) {
            if (i + 1 >= argc)
                return bad_usage("'--' must be followed by the certificate file");
            a = argv[++i];
            positional = 1;
        } else if (!positional && strncmp(a, "--", 2) != 0) {
            return bad_usage("unknown option '%s'", a);
        }
        if (positional) {
            if (o->cert)
                return bad_usage("more than one certificate file given ('%s')", a);
            o->cert = a;
            continue;
        }
        /* Every other option takes a value: "--opt VALUE" or "--opt=VALUE". */
        static const char *const with_value[] = {"--cafile", "--untrusted", "--host", "--ip",
                                                 "--purpose", "--time", "--max-depth"};
        char name[32];
        const char *val, *eq = strchr(a, '=');
        size_t n = eq ? (size_t)(eq - a) : strlen(a);
        int known = 0;
        for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++)
            known |= n == strlen(with_value[k]) && strncmp(a, with_value[k], n) == 0;
        if (!known)
            return bad_usage("unknown option '%.*s'", (int)n, a);
        memcpy(name, a, n);
        name[n] = 0;
        if (eq) {
            val = eq + 1;
        } else {
            if (i + 1 >= argc)
                return bad_usage("option '%s' needs a value", a);
            val = argv[++i];
        }
        if (strcmp(name, "--cafile") == 0) {
            if (o->n_cafiles == MAX_FILES)
                return bad_usage("too many --cafile options (at most %d)", MAX_FILES);
            o->cafiles[o->n_cafiles++] = val;
        } else if (strcmp(name, "--untrusted") == 0) {
            if (o->n_untrusted == MAX_FILES)
                return bad_usage("too many --untrusted options (at most %d)", MAX_FILES);
            o->untrusted[o->n_untrusted++] = val;
        } else if (strcmp(name, "--host") == 0) {
            if (!*val)
                return bad_usage("--host needs a name");
            o->host = val;
        } else if (strcmp(name, "--ip") == 0) {
            if (!is_ip_literal(val))
                return bad_usage("--ip '%s' is not an IPv4 or IPv6 address", val);
            o->ip = val;
        } else if (strcmp(name, "--purpose") == 0) {
            if (strcmp(val, "server") == 0)
                o->purpose = LTLS_PURPOSE_SERVER_AUTH;
            else if (strcmp(val, "client") == 0)
                o->purpose = LTLS_PURPOSE_CLIENT_AUTH;
            else
                return bad_usage("--purpose must be server or client, not '%s'", val);
        } else if (strcmp(name, "--time") == 0) {
            if (!parse_i64(val, &o->time))
                return bad_usage("--time '%s' is not a number of seconds", val);
            o->have_time = 1;
        } else { /* --max-depth */
            int64_t d;
            if (!parse_i64(val, &d) || d < 1 || d > LTLS_X509_MAX_DEPTH)
                return bad_usage("--max-depth '%s' is out of range", val);
            o->max_depth = (unsigned)d;
        }
    }
    if (!o->cert)
        return bad_usage("no certificate file given");
    if (o->host && o->ip)
        return bad_usage("--host and --ip exclude each other");
    if (!o->n_cafiles && !o->system)
        return bad_usage("no trust anchors: give --cafile or --system");
    return -1;
}

static int input_error(const char *what, ltls_err_t err, const char *detail)
{
    fprintf(stderr, "lucidtls verify: %s%s%s: %s%s%s\n", what ? what : "", what ? ": " : "",
            ltls_err_reason_name(err), ltls_err_message(err), detail[0] ? ": " : "", detail);
    return 2;
}

static void print_path(const ltls_verify_result_t *res)
{
    char subject[512];
    for (size_t i = 0; i < res->path_len; i++) {
        ltls_cert_subject(res->path[i], subject, sizeof subject);
        printf("depth %zu: %s%s\n", i, subject[0] ? subject : "(empty subject)",
               i + 1 == res->path_len ? " [trust anchor]" : "");
    }
    printf("OK\n");
}

int ltls_tool_verify(int argc, char **argv)
{
    opts_t o;
    int rc = parse_opts(argc, argv, &o);
    if (rc >= 0)
        return rc;

    char detail[768];
    ltls_provider_t *provider = NULL;
    ltls_trust_store_t *trust = NULL;
    ltls_cert_t **peer = NULL, **extra = NULL;
    size_t n_peer = 0, n_extra = 0;
    rc = 2;

    ltls_err_t err = ltls_provider_new(tool_provider_name(), NULL, &provider);
    if (err) {
        detail[0] = 0;
        input_error("crypto provider", err, detail);
        goto out;
    }
    if ((err = ltls_trust_store_new(NULL, &trust))) {
        detail[0] = 0;
        input_error(NULL, err, detail);
        goto out;
    }
    for (size_t i = 0; i < o.n_cafiles; i++) {
        if ((err = ltls_trust_store_add_file_detail(trust, o.cafiles[i], NULL, detail,
                                                    sizeof detail))) {
            input_error("--cafile", err, detail);
            goto out;
        }
    }
    if (o.system &&
        (err = ltls_trust_store_add_system_detail(trust, NULL, detail, sizeof detail))) {
        input_error("--system", err, detail);
        goto out;
    }
    if ((err = ltls_trust_read_certs(o.cert, NULL, &peer, &n_peer, detail, sizeof detail))) {
        input_error(NULL, err, detail);
        goto out;
    }
    for (size_t i = 0; i < o.n_untrusted; i++) {
        ltls_cert_t **c;
        size_t n;
        if ((err = ltls_trust_read_certs(o.untrusted[i], NULL, &c, &n, detail, sizeof detail))) {
            input_error("--untrusted", err, detail);
            goto out;
        }
        ltls_cert_t **v = realloc(extra, (n_extra + n) * sizeof *v);
        if (!v) {
            ltls_cert_list_free(c, n, NULL);
            fprintf(stderr, "lucidtls verify: out of memory\n");
            goto out;
        }
        extra = v;
        memcpy(extra + n_extra, c, n * sizeof *c);
        n_extra += n;
        /* The certificates now belong to extra; free only the list. */
        for (size_t k = 0; k < n; k++)
            c[k] = NULL;
        ltls_cert_list_free(c, n, NULL);
    }

    ltls_verify_params_t p;
    memset(&p, 0, sizeof p);
    p.provider = provider;
    p.trust = trust;
    p.peer = (const ltls_cert_t *const *)peer;
    p.peer_count = n_peer;
    p.extra = (const ltls_cert_t *const *)extra;
    p.extra_count = n_extra;
    p.host = o.host ? o.host : o.ip;
    p.purpose = o.purpose;
    p.now = o.have_time ? o.time : (int64_t)time(NULL);
    p.max_depth = o.max_depth;

    ltls_verify_result_t res;
    memset(&res, 0, sizeof res);
    err = ltls_x509_verify(&p, &res);
    if (err == LTLS_OK) {
        print_path(&res);
        rc = 0;
    } else if (ltls_err_class(err) == LTLS_ECLASS_LOCAL_ALERT) {
        printf("verification failed: %s: %s\n", ltls_err_reason_name(err), ltls_err_message(err));
        if (res.depth >= 0)
            printf("at depth %d: %s\n", res.depth, res.detail);
        else if (res.detail[0])
            printf("%s\n", res.detail);
        rc = 1;
    } else {
        /* Misuse or an internal failure: not a verdict on the chain. */
        snprintf(detail, sizeof detail, "%s", res.detail);
        input_error(NULL, err, detail);
    }

out:
    for (size_t i = 0; i < n_extra; i++)
        ltls_cert_free(extra[i]);
    free(extra);
    ltls_cert_list_free(peer, n_peer, NULL);
    ltls_trust_store_unref(trust);
    ltls_provider_free(provider);
    return rc;
}
