/*
 * tools/tool.c - helpers shared by `lucidtls client`, `server` and `demo`.
 *
 * Theory of operation: the commands differ in what they do with a
 * connection, not in how they load credentials, name algorithms or report
 * what happened, so all of that lives here once. Printing the chain re-runs
 * ltls_x509_verify with the client's own trust store: the connection API
 * gives the certificates as sent, and the path that was actually validated
 * (ending at the trust anchor) is what a user wants to see.
 */
#include "tool.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "x509/cert.h"

/* ---------------------------------------------------------------------------
 * Options
 * ------------------------------------------------------------------------- */

const char *tool_provider_name(void)
{
    /* Read here, in the command, so that the library itself never consults
     * the environment for its choice of provider. */
    const char *name = getenv("LTLS_PROVIDER");
    return name && *name ? name : NULL;
}

int tool_opt(int argc, char **argv, int *i, const char *name, const char **value)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *value = a + n + 1;
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "lucidtls: %s needs a value\n", name);
        return -1;
    }
    *value = argv[++*i];
    return 1;
}

int tool_split(const char *text, char *storage, size_t cap, const char **out, int max)
{
    size_t len = strlen(text);
    if (len + 1 > cap)
        return -1;
    memcpy(storage, text, len + 1);
    int n = 0;
    char *p = storage;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (!*p || n == max)
            return -1;
        out[n++] = p;
        if (!comma)
            return n;
        p = comma + 1;
    }
}

int tool_hostport(const char *text, char *host, size_t host_cap, char *port, size_t port_cap)
{
    const char *colon;
    const char *h = text;
    size_t hlen;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || close[1] != ':')
            return -1;
        h = text + 1;
        hlen = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(text, ':');
        if (!colon || strchr(text, ':') != colon)
            return -1; /* a bare IPv6 literal needs brackets */
        hlen = (size_t)(colon - text);
    }
    const char *p = colon + 1;
    if (!hlen || hlen >= host_cap || !*p || strlen(p) >= port_cap)
        return -1;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    strcpy(port, p);
    return 0;
}

const ltls_group_t *tool_group(const ltls_provider_t *p, const char *name)
{
    for (size_t i = 0; p->groups && p->groups[i]; i++)
        if (strcasecmp(p->groups[i]->name, name) == 0)
            return p->groups[i];
    /* The names other tools use for the NIST curves. */
    static const struct {
        const char *alias;
        uint16_t code;
    } aliases[] = {{"P-256", 0x0017}, {"P-384", 0x0018}, {"P-521", 0x0019},
                   {"prime256v1", 0x0017}, {"X25519", 0x001d}};
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
        const ltls_group_t *g = ltls_group_by_code(aliases[i].code);
        if (strcasecmp(aliases[i].alias, name) == 0 && g && ltls_provider_has_group(p, g))
            return g;
    }
    return NULL;
}

const ltls_suite_t *tool_suite(const ltls_provider_t *p, const char *name)
{
    for (size_t i = 0; p->suites && p->suites[i]; i++)
        if (strcasecmp(p->suites[i]->name, name) == 0)
            return p->suites[i];
    return NULL;
}

/* ---------------------------------------------------------------------------
 * Files and credentials
 * ------------------------------------------------------------------------- */

int tool_read_file(const char *path, uint8_t **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "lucidtls: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            if (cap >= ((size_t)64 << 20)) {
                fprintf(stderr, "lucidtls: %s: larger than 64 MiB\n", path);
                free(buf);
                fclose(f);
                return -1;
            }
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    int bad = !buf || ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "lucidtls: %s: %s\n", path, buf ? "read error" : "out of memory");
        free(buf);
        return -1;
    }
    *data = buf;
    *len = n;
    return 0;
}

int tool_chain_load(const ltls_provider_t *p, const char *cert_path, const char *key_path,
                    tool_chain_t *out)
{
    memset(out, 0, sizeof *out);
    uint8_t *data;
    size_t len;
    if (tool_read_file(cert_path, &data, &len))
        return -1;
    ltls_err_t err = ltls_cert_list_parse(data, len, NULL, &out->certs, &out->count);
    free(data);
    if (err) {
        tool_error(cert_path, err, NULL);
        return -1;
    }
    if (tool_read_file(key_path, &data, &len)) {
        tool_chain_free(out);
        return -1;
    }
    err = ltls_key_load(p, data, len, NULL, 0, &out->key);
    free(data);
    if (err) {
        tool_error(key_path, err, NULL);
        tool_chain_free(out);
        return -1;
    }
    out->chain.certs = (const ltls_cert_t *const *)out->certs;
    out->chain.cert_count = out->count;
    out->chain.key = out->key;
    return 0;
}

void tool_chain_free(tool_chain_t *c)
{
    if (c->certs)
        ltls_cert_list_free(c->certs, c->count, NULL);
    ltls_key_free(c->key);
    memset(c, 0, sizeof *c);
}

static FILE *keylog_file;
static pthread_mutex_t keylog_lock = PTHREAD_MUTEX_INITIALIZER;

static void keylog_line(void *user, const char *line)
{
    (void)user;
    pthread_mutex_lock(&keylog_lock);
    if (keylog_file) {
        fprintf(keylog_file, "%s\n", line);
        fflush(keylog_file); /* Wireshark reads the file while we run */
    }
    pthread_mutex_unlock(&keylog_lock);
}

void tool_keylog_setup(ltls_config_t *config)
{
    const char *path = getenv("SSLKEYLOGFILE");
    if (!path || !*path)
        return;
    if (!keylog_file) {
        keylog_file = fopen(path, "a");
        if (!keylog_file) {
            fprintf(stderr, "lucidtls: SSLKEYLOGFILE %s: %s (ignored)\n", path, strerror(errno));
            return;
        }
    }
    config->keylog = keylog_line;
    config->keylog_user = NULL;
}

void tool_keylog_close(void)
{
    pthread_mutex_lock(&keylog_lock);
    if (keylog_file)
        fclose(keylog_file);
    keylog_file = NULL;
    pthread_mutex_unlock(&keylog_lock);
}

/* ---------------------------------------------------------------------------
 * Output
 * ------------------------------------------------------------------------- */

const char *tool_version_name(uint16_t v)
{
    switch (v) {
    case LTLS_TLS1_3: return "TLS 1.3";
    case LTLS_TLS1_2: return "TLS 1.2";
    case 0: return "(none)";
    default: return "(unknown)";
    }
}

static void print_cert(FILE *f, const char *indent, size_t i, const ltls_cert_t *c,
                       const char *note)
{
    char subject[512], issuer[512], from[32], to[32];
    ltls_cert_subject(c, subject, sizeof subject);
    ltls_cert_issuer(c, issuer, sizeof issuer);
    ltls_x509_format_time(ltls_cert_not_before(c), from);
    ltls_x509_format_time(ltls_cert_not_after(c), to);
    fprintf(f, "%s  %zu subject: %s%s\n", indent, i, subject, note);
    fprintf(f, "%s    issuer:  %s\n", indent, issuer);
    fprintf(f, "%s    valid:   %s to %s\n", indent, from, to);
}

void tool_print_conn(FILE *f, const char *indent, const ltls_conn_t *conn,
                     const ltls_provider_t *p, const ltls_trust_store_t *trust, const char *host,
                     ltls_purpose_t purpose)
{
    const ltls_suite_t *suite = ltls_conn_suite(conn);
    const ltls_group_t *group = ltls_conn_group(conn);
    const ltls_sigscheme_t *sig = ltls_conn_peer_sigscheme(conn);
    size_t alpn_len = 0;
    const uint8_t *alpn = ltls_conn_alpn(conn, &alpn_len);
    fprintf(f, "%sversion:          %s\n", indent, tool_version_name(ltls_conn_version(conn)));
    fprintf(f, "%scipher suite:     %s\n", indent, suite ? suite->name : "(none)");
    fprintf(f, "%skey exchange:     %s\n", indent, group ? group->name : "(none)");
    fprintf(f, "%speer signature:   %s\n", indent, sig ? sig->name : "(none)");
    if (alpn)
        fprintf(f, "%sALPN:             %.*s\n", indent, (int)alpn_len, (const char *)alpn);
    else
        fprintf(f, "%sALPN:             (none)\n", indent);
    const char *sni = ltls_conn_server_name(conn);
    if (purpose == LTLS_PURPOSE_CLIENT_AUTH)
        fprintf(f, "%sSNI:              %s\n", indent, sni ? sni : "(none)");

    size_t n = ltls_conn_peer_cert_count(conn);
    if (n > LTLS_X509_MAX_CHAIN)
        n = LTLS_X509_MAX_CHAIN;
    ltls_cert_t *certs[LTLS_X509_MAX_CHAIN];
    size_t parsed = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        const uint8_t *der = ltls_conn_peer_cert(conn, i, &len);
        if (!der || ltls_cert_parse(der, len, NULL, &certs[parsed]) != LTLS_OK)
            break;
        parsed++;
    }
    if (!parsed) {
        fprintf(f, "%speer certificate: (none)\n", indent);
        return;
    }
    int shown = 0;
    if (trust) {
        ltls_verify_params_t vp;
        memset(&vp, 0, sizeof vp);
        vp.provider = p;
        vp.trust = trust;
        vp.peer = (const ltls_cert_t *const *)certs;
        vp.peer_count = parsed;
        vp.host = host;
        vp.purpose = purpose;
        vp.now = (int64_t)time(NULL);
        ltls_verify_result_t *res = malloc(sizeof *res);
        if (res && ltls_x509_verify(&vp, res) == LTLS_OK) {
            if (host)
                fprintf(f, "%scertificate chain (verified for %s):\n", indent, host);
            else
                fprintf(f, "%scertificate chain (verified):\n", indent);
            for (size_t i = 0; i < res->path_len; i++)
                print_cert(f, indent, i, res->path[i],
                           i + 1 == res->path_len ? "  [trust anchor]" : "");
            shown = 1;
        }
        free(res);
    }
    if (!shown) {
        fprintf(f, "%scertificate chain (as sent by the peer%s):\n", indent,
                trust ? "" : "; NOT verified");
        for (size_t i = 0; i < parsed; i++)
            print_cert(f, indent, i, certs[i], "");
    }
    for (size_t i = 0; i < parsed; i++)
        ltls_cert_free(certs[i]);
}

void tool_peer_subject(const ltls_conn_t *conn, char *buf, size_t cap)
{
    size_t len = 0;
    const uint8_t *der = ltls_conn_peer_cert_count(conn) ? ltls_conn_peer_cert(conn, 0, &len) : NULL;
    ltls_cert_t *c = NULL;
    if (!der || ltls_cert_parse(der, len, NULL, &c) != LTLS_OK) {
        snprintf(buf, cap, "none");
        return;
    }
    ltls_cert_subject(c, buf, cap);
    ltls_cert_free(c);
}

void tool_describe(ltls_err_t e, const char *detail, char *buf, size_t cap)
{
    const char *msg = ltls_err_message(e);
    int n = snprintf(buf, cap, "%s (%s)", ltls_err_reason_name(e), msg);
    if (n < 0 || (size_t)n >= cap)
        return;
    if (detail && *detail && strcmp(detail, msg) != 0) {
        int m = snprintf(buf + n, cap - (size_t)n, ": %s", detail);
        if (m < 0 || (size_t)(n + m) >= cap)
            return;
        n += m;
    }
    uint8_t alert = ltls_err_alert(e);
    ltls_err_class_t cls = ltls_err_class(e);
    if (alert == LTLS_ALERT_NONE || (cls == LTLS_ECLASS_PEER_ALERT && alert == 0))
        return;
    if (detail && strstr(detail, ltls_alert_name(alert)))
        return; /* the detail already names it */
    if (cls == LTLS_ECLASS_PEER_ALERT)
        snprintf(buf + n, cap - (size_t)n, "; alert %s received", ltls_alert_name(alert));
    else if (cls == LTLS_ECLASS_LOCAL_ALERT || cls == LTLS_ECLASS_INTERNAL)
        snprintf(buf + n, cap - (size_t)n, "; alert %s sent", ltls_alert_name(alert));
}

void tool_error(const char *what, ltls_err_t e, const char *detail)
{
    char buf[1024];
    tool_describe(e, detail, buf, sizeof buf);
    fprintf(stderr, "lucidtls: %s: %s\n", what, buf);
}

double tool_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}
