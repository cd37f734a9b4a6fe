/*
 * tools/lucidtls.c - the lucidtls command.
 *
 *   lucidtls version    the library version and each built-in provider with
 *                       the algorithms it implements
 *   lucidtls selftest   replays RFC 8448 §3 through every built-in provider
 *   lucidtls verify     validates a certificate chain (tools/verify.c)
 *   lucidtls client     connects to a TLS server, like openssl s_client
 *   lucidtls server     serves TLS clients (--www status page or --echo)
 *   lucidtls demo       a client and a server with a throwaway CA, in one run
 */
#include <stdio.h>
#include <string.h>

#include "lucidtls/lucidtls.h"
#include "selftest.h"
#include "tool.h"
#include "verify.h"

static void print_list(const char *what, const char *const *names, size_t n)
{
    printf("  %-12s", what);
    for (size_t i = 0; i < n; i++)
        printf("%s%s", i ? ", " : "", names[i]);
    printf("\n");
}

#define NAMES(list, out, n)                                       \
    do {                                                          \
        n = 0;                                                    \
        for (size_t i_ = 0; (list)[i_] && n < 32; i_++)           \
            out[n++] = (list)[i_]->name;                          \
    } while (0)

static int cmd_version(void)
{
    printf("lucidtls %s\n", ltls_version());
    const ltls_provider_entry_t *e = ltls_providers_builtin();
    for (int first = 1; e->name; e++, first = 0) {
        ltls_provider_t *p;
        ltls_err_t err = ltls_provider_new(e->name, NULL, &p);
        if (err) {
            printf("provider %s: unavailable (%s)\n", e->name, ltls_err_message(err));
            continue;
        }
        printf("provider %s%s\n", e->name, first ? " (default)" : "");
        const char *names[32];
        size_t n;
        NAMES(p->suites, names, n);
        print_list("suites:", names, n);
        NAMES(p->groups, names, n);
        print_list("groups:", names, n);
        NAMES(p->sigschemes, names, n);
        print_list("signatures:", names, n);
        ltls_provider_free(p);
    }
    return 0;
}

static int usage(FILE *f)
{
    fprintf(f, "usage: lucidtls version | selftest | verify [options] CERT.pem\n");
    fprintf(f, "       lucidtls client HOST:PORT [options] | server --cert F --key F [options] | demo\n");
    return f == stderr ? 2 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0)
        return cmd_version();
    if (strcmp(argv[1], "selftest") == 0)
        return ltls_tool_selftest();
    if (strcmp(argv[1], "verify") == 0)
        return ltls_tool_verify(argc - 1, argv + 1);
    if (strcmp(argv[1], "client") == 0)
        return ltls_tool_client(argc - 1, argv + 1);
    if (strcmp(argv[1], "server") == 0)
        return ltls_tool_server(argc - 1, argv + 1);
    if (strcmp(argv[1], "demo") == 0)
        return ltls_tool_demo(argc - 1, argv + 1);
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0)
        return usage(stdout);
    fprintf(stderr, "lucidtls: unknown command '%s'\n", argv[1]);
    return usage(stderr);
}
