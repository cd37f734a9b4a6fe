/*
 * trust/system.c - the only code of the trust store that touches the file
 * system: files, directories, and discovery of the operating system's store.
 *
 * Theory of operation. Every loader parses into a batch (store.h) and commits
 * once at the end, so a failure anywhere leaves the store untouched and the
 * detail names the path that failed.
 *
 * Directories. An OpenSSL hashed directory holds links named HASH.N (eight
 * hex digits, a dot, a number) next to the same certificates under their
 * real names, and on Debian next to the whole bundle as well; reading every
 * file would parse each root two or three times. So when a directory holds
 * any HASH.N entry, only those are read; otherwise every file ending in
 * .pem, .crt, .cer or .der is read (a directory of PEM files). Hidden files,
 * dangling links, non-regular files and files holding no certificate (a key,
 * a CRL) are passed over; a file that holds a malformed certificate fails
 * the call, because a store that silently lost a root is worse than a loud
 * error. Names are read in sorted order so that errors are reproducible.
 *
 * System discovery (ltls_trust_store_add_system):
 *   - When SSL_CERT_FILE or SSL_CERT_DIR is set and not empty, those lists
 *     (colon-separated) replace every default; both are read when both are
 *     set. A listed path that does not exist is passed over (as a shell
 *     PATH entry would be); one that exists but cannot be read is TRUST_IO.
 *     Setting only SSL_CERT_FILE therefore trusts exactly that file, which
 *     is what a user pointing a program at a private CA expects.
 *   - Otherwise the first existing well-known bundle file is read, and the
 *     well-known hashed directories are read only when no bundle exists.
 *     Every distribution that ships both builds the directory and the bundle
 *     from the same source (update-ca-certificates, update-ca-trust), so
 *     reading both would parse every root twice, and the directory may hold
 *     certificates the distribution keeps out of the bundle on purpose
 *     (Debian's /etc/ssl/certs has a hash link to the machine's self-signed
 *     ssl-cert-snakeoil.pem, which is no CA). Measured on Debian: the bundle
 *     (144 roots) loads in about 1.5 ms, the directory in about 4-6 ms.
 *   - TRUST_NOT_FOUND when no source existed or together they held no
 *     certificate.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/mem.h"
#include "trust/store.h"

/* A bound on one file, so that a path to a device or a huge file cannot
 * exhaust memory; the largest real bundles are under 1 MiB. */
#define TRUST_MAX_FILE (64u * 1024u * 1024u)
/* A bound on the entries of one directory considered for loading. */
#define TRUST_MAX_DIR_ENTRIES 100000u

const char *const ltls_trust_default_files[] = {
    "/etc/ssl/certs/ca-certificates.crt",                /* Debian, Ubuntu, Gentoo, Arch */
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", /* Fedora, RHEL 7+ */
    "/etc/pki/tls/certs/ca-bundle.crt",                  /* older Fedora, RHEL 6 */
    "/etc/ssl/ca-bundle.pem",                            /* openSUSE */
    "/etc/pki/tls/cacert.pem",                           /* OpenELEC */
    "/etc/ssl/cert.pem",                                 /* Alpine, macOS, BSDs */
    NULL,
};

const char *const ltls_trust_default_dirs[] = {
    "/etc/ssl/certs",
    "/etc/pki/tls/certs",
    NULL,
};

static void errno_detail(char *detail, size_t cap, const char *path, int err)
{
    char msg[128];
    /* The XSI strerror_r (we build with _POSIX_C_SOURCE=200809L): thread-safe,
     * unlike strerror. */
    if (strerror_r(err, msg, sizeof msg) != 0)
        snprintf(msg, sizeof msg, "errno %d", err);
    ltls_trust_detail(detail, cap, "%s: %s", path, msg);
}

/* Reads a whole file into memory from the store's allocator. */
static ltls_err_t read_file(const ltls_allocator_t *a, const char *path, uint8_t **out,
                            size_t *out_len, size_t *out_cap, char *detail, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        errno_detail(detail, cap, path, errno);
        return ltls_err_make(LTLS_R_TRUST_IO);
    }
    size_t bcap = 64 * 1024, len = 0;
    uint8_t *buf = ltls_alloc(a, bcap);
    if (!buf) {
        fclose(f);
        ltls_trust_detail(detail, cap, "%s", path);
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    }
    for (;;) {
        if (len == bcap) {
            if (bcap >= TRUST_MAX_FILE) {
                ltls_free(a, buf, bcap);
                fclose(f);
                ltls_trust_detail(detail, cap, "%s: larger than %u bytes", path, TRUST_MAX_FILE);
                return ltls_err_make(LTLS_R_TRUST_IO);
            }
            uint8_t *nb = ltls_alloc(a, bcap * 2);
            if (!nb) {
                ltls_free(a, buf, bcap);
                fclose(f);
                ltls_trust_detail(detail, cap, "%s", path);
                return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
            }
            memcpy(nb, buf, len);
            ltls_free(a, buf, bcap);
            buf = nb;
            bcap *= 2;
        }
        size_t got = fread(buf + len, 1, bcap - len, f);
        len += got;
        if (got == 0) {
            int bad = ferror(f), e = errno;
            fclose(f);
            if (bad) {
                ltls_free(a, buf, bcap);
                /* EISDIR is the common case: a directory given as a file. */
                errno_detail(detail, cap, path, e);
                return ltls_err_make(LTLS_R_TRUST_IO);
            }
            break;
        }
    }
    *out = buf;
    *out_len = len;
    *out_cap = bcap;
    return LTLS_OK;
}

static ltls_err_t load_file(ltls_trust_store_t *s, ltls_trust_batch_t *b, const char *path,
                            char *detail, size_t cap)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        ltls_trust_detail(detail, cap, "%s: is a directory, not a file", path);
        return ltls_err_make(LTLS_R_TRUST_IO);
    }
    const ltls_allocator_t *a = ltls_trust_store_allocator(s);
    uint8_t *data = NULL;
    size_t len = 0, dcap = 0;
    ltls_err_t err = read_file(a, path, &data, &len, &dcap, detail, cap);
    if (err != LTLS_OK)
        return err;
    err = ltls_trust_batch_parse(s, b, data, len, path, detail, cap);
    ltls_free(a, data, dcap);
    return err;
}

/* HASH.N as c_rehash / openssl rehash name certificate links (HASH.rN are
 * CRLs and do not match). */
static int is_hash_name(const char *n)
{
    for (int i = 0; i < 8; i++) {
        char c = n[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return 0;
    }
    if (n[8] != '.' || n[9] == 0)
        return 0;
    for (const char *p = n + 9; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    return 1;
}

static int has_cert_extension(const char *n)
{
    static const char *const exts[] = {".pem", ".crt", ".cer", ".der"};
    size_t len = strlen(n);
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        if (len <= 4)
            continue;
        const char *e = n + len - 4;
        int eq = 1;
        for (int k = 0; k < 4; k++) {
            char c = e[k];
            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            eq &= c == exts[i][k];
        }
        if (eq)
            return 1;
    }
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct names {
    char **v;
    size_t n, cap;
} names_t;

static void names_free(const ltls_allocator_t *a, names_t *ns)
{
    for (size_t i = 0; i < ns->n; i++)
        ltls_free(a, ns->v[i], strlen(ns->v[i]) + 1);
    ltls_free(a, ns->v, ns->cap * sizeof *ns->v);
}

static ltls_err_t names_push(const ltls_allocator_t *a, names_t *ns, const char *name)
{
    if (ns->n == ns->cap) {
        size_t cap = ns->cap ? ns->cap * 2 : 64;
        char **v = ltls_alloc(a, cap * sizeof *v);
        if (!v)
            return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
        if (ns->n)
            memcpy(v, ns->v, ns->n * sizeof *v);
        ltls_free(a, ns->v, ns->cap * sizeof *ns->v);
        ns->v = v;
        ns->cap = cap;
    }
    size_t len = strlen(name);
    char *c = ltls_alloc(a, len + 1);
    if (!c)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    memcpy(c, name, len + 1);
    ns->v[ns->n++] = c;
    return LTLS_OK;
}

/* Loads a directory into b; *files receives how many files held
 * certificates. */
static ltls_err_t load_dir(ltls_trust_store_t *s, ltls_trust_batch_t *b, const char *path,
                           size_t *files, char *detail, size_t cap)
{
    const ltls_allocator_t *a = ltls_trust_store_allocator(s);
    *files = 0;
    DIR *d = opendir(path);
    if (!d) {
        errno_detail(detail, cap, path, errno);
        return ltls_err_make(LTLS_R_TRUST_IO);
    }
    names_t hashed = {0}, plain = {0};
    ltls_err_t err = LTLS_OK;
    size_t seen = 0;
    errno = 0;
    for (struct dirent *de; (de = readdir(d)) != NULL; errno = 0) {
        const char *n = de->d_name;
        if (n[0] == '.')
            continue;
        if (++seen > TRUST_MAX_DIR_ENTRIES) {
            ltls_trust_detail(detail, cap, "%s: more than %u entries", path,
                              TRUST_MAX_DIR_ENTRIES);
            err = ltls_err_make(LTLS_R_TRUST_IO);
            break;
        }
        if (is_hash_name(n))
            err = names_push(a, &hashed, n);
        else if (hashed.n == 0 && has_cert_extension(n))
            err = names_push(a, &plain, n);
        if (err != LTLS_OK)
            break;
    }
    if (err == LTLS_OK && errno != 0) {
        errno_detail(detail, cap, path, errno);
        err = ltls_err_make(LTLS_R_TRUST_IO);
    }
    closedir(d);

    names_t *use = hashed.n ? &hashed : &plain;
    if (err == LTLS_OK && use->n > 1) /* qsort(NULL, 0, ...) is undefined */
        qsort(use->v, use->n, sizeof *use->v, cmp_str);
    size_t plen = strlen(path);
    for (size_t i = 0; err == LTLS_OK && i < use->n; i++) {
        size_t flen = plen + 1 + strlen(use->v[i]) + 1;
        char *full = ltls_alloc(a, flen);
        if (!full) {
            err = ltls_err_make(LTLS_R_OUT_OF_MEMORY);
            break;
        }
        snprintf(full, flen, "%s/%s", path, use->v[i]);
        struct stat st;
        /* stat follows the link: dangling links and subdirectories are
         * passed over, as c_rehash leaves them. */
        if (stat(full, &st) == 0 && S_ISREG(st.st_mode)) {
            size_t before = b->count;
            err = load_file(s, b, full, detail, cap);
            if (ltls_err_reason(err) == LTLS_R_CERT_NONE_FOUND) {
                err = LTLS_OK; /* a key or a CRL beside the certificates */
                if (detail && cap)
                    detail[0] = 0;
            } else if (err == LTLS_OK && b->count > before) {
                (*files)++;
            }
        }
        ltls_free(a, full, flen);
    }
    names_free(a, &hashed);
    names_free(a, &plain);
    return err;
}

static void clear_detail(char *detail, size_t cap)
{
    if (detail && cap)
        detail[0] = 0;
}

static ltls_err_t finish(ltls_trust_store_t *s, ltls_trust_batch_t *b, ltls_err_t err,
                         size_t *added)
{
    if (err == LTLS_OK)
        err = ltls_trust_batch_commit(s, b, added);
    ltls_trust_batch_free(s, b);
    return err;
}

ltls_err_t ltls_trust_store_add_file_detail(ltls_trust_store_t *store, const char *path,
                                            size_t *added, char *detail, size_t cap)
{
    if (added)
        *added = 0;
    clear_detail(detail, cap);
    if (!store || !path)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    ltls_trust_batch_t b = {0};
    return finish(store, &b, load_file(store, &b, path, detail, cap), added);
}

ltls_err_t ltls_trust_store_add_file(ltls_trust_store_t *store, const char *path, size_t *added)
{
    return ltls_trust_store_add_file_detail(store, path, added, NULL, 0);
}

ltls_err_t ltls_trust_store_add_dir_detail(ltls_trust_store_t *store, const char *path,
                                           size_t *added, char *detail, size_t cap)
{
    if (added)
        *added = 0;
    clear_detail(detail, cap);
    if (!store || !path)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    ltls_trust_batch_t b = {0};
    size_t files;
    ltls_err_t err = load_dir(store, &b, path, &files, detail, cap);
    if (err == LTLS_OK && b.count == 0) {
        ltls_trust_detail(detail, cap, "%s: no certificate file in the directory", path);
        err = ltls_err_make(LTLS_R_CERT_NONE_FOUND);
    }
    return finish(store, &b, err, added);
}

ltls_err_t ltls_trust_store_add_dir(ltls_trust_store_t *store, const char *path, size_t *added)
{
    return ltls_trust_store_add_dir_detail(store, path, added, NULL, 0);
}

/* For discovery, a file without certificates is simply empty: the result is
 * TRUST_NOT_FOUND if nothing else holds any. */
static ltls_err_t none_is_empty(ltls_err_t err, char *detail, size_t cap)
{
    if (ltls_err_reason(err) != LTLS_R_CERT_NONE_FOUND)
        return err;
    clear_detail(detail, cap);
    return LTLS_OK;
}

/* Loads every existing path of a colon-separated list; *found counts the
 * paths that existed. */
static ltls_err_t load_list(ltls_trust_store_t *s, ltls_trust_batch_t *b, const char *list,
                            int dirs, size_t *found, char *detail, size_t cap)
{
    const ltls_allocator_t *a = ltls_trust_store_allocator(s);
    size_t len = strlen(list);
    char *copy = ltls_alloc(a, len + 1);
    if (!copy)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    memcpy(copy, list, len + 1);
    ltls_err_t err = LTLS_OK;
    for (char *p = copy; err == LTLS_OK && p;) {
        char *colon = strchr(p, ':');
        if (colon)
            *colon = 0;
        struct stat st;
        if (*p && stat(p, &st) == 0) {
            size_t files;
            (*found)++;
            err = dirs ? load_dir(s, b, p, &files, detail, cap) : load_file(s, b, p, detail, cap);
            err = none_is_empty(err, detail, cap);
        }
        p = colon ? colon + 1 : NULL;
    }
    ltls_free(a, copy, len + 1);
    return err;
}

ltls_err_t ltls_trust_store_add_system_from(ltls_trust_store_t *store,
                                            const char *const *files, const char *const *dirs,
                                            size_t *added, char *detail, size_t cap)
{
    if (added)
        *added = 0;
    clear_detail(detail, cap);
    if (!store || !files || !dirs)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    ltls_trust_batch_t b = {0};
    ltls_err_t err = LTLS_OK;
    size_t found = 0;
    const char *env_file = getenv("SSL_CERT_FILE");
    const char *env_dir = getenv("SSL_CERT_DIR");
    int from_env = (env_file && *env_file) || (env_dir && *env_dir);
    if (from_env) {
        if (env_file && *env_file)
            err = load_list(store, &b, env_file, 0, &found, detail, cap);
        if (err == LTLS_OK && env_dir && *env_dir)
            err = load_list(store, &b, env_dir, 1, &found, detail, cap);
    } else {
        struct stat st;
        for (size_t i = 0; files[i]; i++) {
            if (stat(files[i], &st) == 0) {
                found++;
                err = none_is_empty(load_file(store, &b, files[i], detail, cap), detail, cap);
                break;
            }
        }
        for (size_t i = 0; err == LTLS_OK && found == 0 && dirs[i]; i++) {
            if (stat(dirs[i], &st) == 0 && S_ISDIR(st.st_mode)) {
                size_t n;
                err = load_dir(store, &b, dirs[i], &n, detail, cap);
            }
        }
    }
    if (err == LTLS_OK && b.count == 0) {
        if (from_env)
            ltls_trust_detail(detail, cap, "no certificate in SSL_CERT_FILE=\"%s\" SSL_CERT_DIR=\"%s\"",
                              env_file ? env_file : "", env_dir ? env_dir : "");
        else
            ltls_trust_detail(detail, cap, "no certificate in the well-known bundle files and "
                                           "directories (%s, ...)", files[0] ? files[0] : "");
        err = ltls_err_make(LTLS_R_TRUST_NOT_FOUND);
    }
    return finish(store, &b, err, added);
}

ltls_err_t ltls_trust_read_certs(const char *path, const ltls_allocator_t *alloc,
                                 ltls_cert_t ***certs, size_t *count, char *detail, size_t cap)
{
    clear_detail(detail, cap);
    if (!path || !certs || !count)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    *certs = NULL;
    *count = 0;
    /* A scratch store gives the loaders' reading, parsing and messages; its
     * batch is handed over as the list instead of being committed. */
    ltls_trust_store_t *s;
    ltls_err_t err = ltls_trust_store_new(alloc, &s);
    if (err != LTLS_OK)
        return err;
    ltls_trust_batch_t b = {0};
    err = load_file(s, &b, path, detail, cap);
    if (err == LTLS_OK && b.count == 0)
        err = ltls_err_make(LTLS_R_CERT_NONE_FOUND); /* not reached: parse says so first */
    if (err == LTLS_OK) {
        /* The array in the shape ltls_cert_list_free expects: count
         * pointers from the caller's allocator. Certificates carry their
         * own copy of the allocator, so they move over as they are. */
        ltls_cert_t **v = ltls_alloc(alloc, b.count * sizeof *v);
        if (!v) {
            err = ltls_err_make(LTLS_R_OUT_OF_MEMORY);
        } else {
            memcpy(v, b.certs, b.count * sizeof *v);
            *certs = v;
            *count = b.count;
            b.count = 0;
        }
    }
    ltls_trust_batch_free(s, &b);
    ltls_trust_store_unref(s);
    return err;
}

ltls_err_t ltls_trust_store_add_system_detail(ltls_trust_store_t *store, size_t *added,
                                              char *detail, size_t cap)
{
    return ltls_trust_store_add_system_from(store, ltls_trust_default_files,
                                            ltls_trust_default_dirs, added, detail, cap);
}

ltls_err_t ltls_trust_store_add_system(ltls_trust_store_t *store, size_t *added)
{
    return ltls_trust_store_add_system_detail(store, added, NULL, 0);
}
