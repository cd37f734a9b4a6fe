/*
 * tests/unit/test_statemachine.c - the handshake transition tables and the
 * one dispatch function (src/hs/statemachine.c, client13.c, server13.c).
 *
 *  - Exhaustive: for every state of each side and every HandshakeType
 *    0..255, a message without a row is refused with unexpected_message
 *    and leaves the state as it was; a HelloRetryRequest where only a
 *    ServerHello is accepted (a second one, §4.1.4) likewise.
 *  - A message with a row but a malformed body fails in the codec (a decode
 *    error, not unexpected_message) and changes nothing: parse, then act.
 *  - The tables are well formed: states on the right side, no duplicate
 *    rows, every state reachable from the initial one.
 *  - docs/state-machine.md is what the tables say. Run with --write (or
 *    scripts/gen-state-diagram) to regenerate it after changing a table.
 */
#include "hs_fixture.h"

#define DOC "../../docs/state-machine.md"

static int write_mode;

static uint16_t wire_of(uint16_t kind)
{
    return kind == LTLS_HS_KIND_HRR ? LTLS_MSG_SERVER_HELLO : kind;
}

static int accepts(const ltls_hs_table_t *t, uint8_t state, unsigned type)
{
    for (size_t i = 0; i < t->count; i++)
        if (t->rows[i].state == state && wire_of(t->rows[i].kind) == type)
            return 1;
    return 0;
}

/* The state range of a side. */
static void side_range(int server, uint8_t *lo, uint8_t *hi)
{
    *lo = server ? LTLS_HS_S_START : LTLS_HS_C_START;
    *hi = server ? LTLS_HS_S_CONNECTED : LTLS_HS_C_CONNECTED;
}

static ltls_conn_t *side_conn(int server, ltls_context_t **ctx)
{
    ltls_config_t cfg = server ? fx_server_config(FX_P256) : fx_client_config();
    ltls_conn_t *c = NULL;
    if ((server ? ltls_server_context_new(&cfg, ctx) : ltls_client_context_new(&cfg, ctx)) ||
        ltls_conn_new(*ctx, server ? NULL : "localhost", &c))
        abort();
    c->suite = &ltls_suite_aes128gcm_sha256; /* for Finished's length */
    return c;
}

TEST(every_pair_without_a_row_is_unexpected)
{
    int refused = 0;
    for (int server = 0; server < 2; server++) {
        const ltls_hs_table_t *t = server ? &ltls_hs_server_table : &ltls_hs_client_table;
        ltls_context_t *ctx;
        ltls_conn_t *c = side_conn(server, &ctx);
        uint8_t lo, hi;
        side_range(server, &lo, &hi);
        for (unsigned st = lo; st <= hi; st++) {
            for (unsigned type = 0; type < 256; type++) {
                if (accepts(t, (uint8_t)st, type))
                    continue;
                uint8_t raw[4] = {(uint8_t)type, 0, 0, 0};
                ltls_msg_t m = {(uint8_t)type, raw, 4, raw + 4, 0};
                c->state = (uint8_t)st;
                ltls_err_t e = ltls_hs_dispatch(c, &m);
                if (ltls_err_reason(e) != LTLS_R_UNEXPECTED_MESSAGE || c->state != st) {
                    printf("# %s %s type %u: %s\n", t->name, ltls_hs_state_name((uint8_t)st), type,
                           ltls_err_reason_name(e));
                    CHECK(0);
                }
                CHECK(ltls_err_alert(e) == LTLS_ALERT_UNEXPECTED_MESSAGE);
                refused++;
            }
        }
        ltls_conn_free(c);
        ltls_context_unref(ctx);
    }
    printf("# %d (state, type) pairs refused\n", refused);
    CHECK(refused == (9 * 256 - 10) + (6 * 256 - 6)); /* all but the rows' types */
}

/* A valid HelloRetryRequest body, from the codec's writer. */
static size_t hrr_message(uint8_t *buf, size_t cap)
{
    ltls_server_hello_t hrr;
    memset(&hrr, 0, sizeof(hrr));
    hrr.legacy_version = LTLS_MSG_VERSION_TLS12;
    hrr.is_hrr = 1;
    hrr.cipher_suite = 0x1301;
    ltls_ext_set_init(&hrr.exts, LTLS_EXT_CTX_HRR);
    hrr.exts.selected_version = LTLS_MSG_VERSION_TLS13;
    hrr.exts.key_share.selected_group = 0x0017;
    ltls_ext_add(&hrr.exts, LTLS_EXT_SUPPORTED_VERSIONS);
    ltls_ext_add(&hrr.exts, LTLS_EXT_KEY_SHARE);
    ltls_writer_t w;
    size_t n = 0;
    ltls_writer_init(&w, buf, cap);
    ltls_msg_write_server_hello(&w, &hrr);
    if (ltls_writer_finish(&w, &n))
        abort();
    return n;
}

TEST(second_hello_retry_request_is_unexpected)
{
    ltls_context_t *ctx;
    ltls_conn_t *c = side_conn(0, &ctx);
    uint8_t buf[256];
    size_t n = hrr_message(buf, sizeof(buf));
    ltls_msg_t m = {LTLS_MSG_SERVER_HELLO, buf, n, buf + 4, n - 4};
    int checked = 0;
    for (unsigned st = LTLS_HS_C_START; st <= LTLS_HS_C_CONNECTED; st++) {
        if (!accepts(&ltls_hs_client_table, (uint8_t)st, LTLS_MSG_SERVER_HELLO) ||
            ltls_hs_find(&ltls_hs_client_table, (uint8_t)st, LTLS_HS_KIND_HRR))
            continue;
        c->state = (uint8_t)st;
        CHECK_ERR(ltls_hs_dispatch(c, &m), LTLS_R_UNEXPECTED_MESSAGE);
        CHECK(c->state == st);
        checked++;
    }
    CHECK(checked == 1); /* WAIT_SH2 */
    CHECK(strstr(ltls_conn_error_detail(c), "") != NULL);
    ltls_conn_free(c);
    ltls_context_unref(ctx);
}

TEST(malformed_messages_fail_before_any_change)
{
    for (int server = 0; server < 2; server++) {
        const ltls_hs_table_t *t = server ? &ltls_hs_server_table : &ltls_hs_client_table;
        for (size_t i = 0; i < t->count; i++) {
            const ltls_hs_row_t *r = &t->rows[i];
            if (r->kind == LTLS_HS_KIND_START)
                continue;
            ltls_context_t *ctx;
            ltls_conn_t *c = side_conn(server, &ctx);
            /* A body that no parser accepts: one stray byte more than a
             * KeyUpdate holds, a truncated anything else. */
            uint8_t raw[4 + 3] = {(uint8_t)wire_of(r->kind), 0, 0, 3, 0x01, 0xff, 0xff};
            ltls_msg_t m = {raw[0], raw, sizeof(raw), raw + 4, 3};
            c->state = r->state;
            uint32_t epoch = c->rd_epoch;
            ltls_err_t e = ltls_hs_dispatch(c, &m);
            char b[16];
            if (!e || ltls_err_reason(e) == LTLS_R_UNEXPECTED_MESSAGE || c->state != r->state) {
                printf("# %s row %s/%s: %s\n", t->name, ltls_hs_state_name(r->state),
                       ltls_hs_kind_name(r->kind, b), ltls_err_reason_name(e));
                CHECK(0);
            }
            CHECK(c->rd_epoch == epoch && c->suite == &ltls_suite_aes128gcm_sha256);
            ltls_conn_free(c);
            ltls_context_unref(ctx);
        }
    }
}

TEST(tables_are_well_formed)
{
    for (int server = 0; server < 2; server++) {
        const ltls_hs_table_t *t = server ? &ltls_hs_server_table : &ltls_hs_client_table;
        uint8_t lo, hi;
        side_range(server, &lo, &hi);
        CHECK(t->initial == lo);
        int reach[LTLS_HS_STATE_COUNT_] = {0};
        reach[t->initial] = 1;
        for (size_t i = 0; i < t->count; i++) {
            const ltls_hs_row_t *r = &t->rows[i];
            CHECK(r->state >= lo && r->state <= hi);
            CHECK(r->handler && r->handler_name && r->next_count >= 1);
            for (uint8_t k = 0; k < r->next_count; k++)
                CHECK(r->next[k] >= lo && r->next[k] <= hi);
            for (size_t j = 0; j < i; j++)
                CHECK(!(t->rows[j].state == r->state && t->rows[j].kind == r->kind));
        }
        /* reachability: iterate to a fixed point */
        for (int changed = 1; changed;) {
            changed = 0;
            for (size_t i = 0; i < t->count; i++)
                for (uint8_t k = 0; k < t->rows[i].next_count; k++)
                    if (reach[t->rows[i].state] && !reach[t->rows[i].next[k]])
                        changed = reach[t->rows[i].next[k]] = 1;
        }
        for (unsigned s = lo; s <= hi; s++) {
            if (!reach[s])
                printf("# %s state %s is unreachable\n", t->name, ltls_hs_state_name((uint8_t)s));
            CHECK(reach[s]);
        }
    }
}

/* ------------------------------------------------------------------------
 * docs/state-machine.md
 * ---------------------------------------------------------------------- */

typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf_t;

static void put(sbuf_t *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#include <stdarg.h>

static void put(sbuf_t *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        b->cap = b->cap * 2 + 4096;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            abort();
    }
}

static void render_table(sbuf_t *b, const ltls_hs_table_t *t, const char *file)
{
    char kb[16];
    put(b, "## %c%s\n\nFrom `%s`.\n\n```mermaid\nstateDiagram-v2\n", t->name[0] - 32, t->name + 1,
        file);
    put(b, "    [*] --> %s\n", ltls_hs_state_name(t->initial));
    for (size_t i = 0; i < t->count; i++) {
        const ltls_hs_row_t *r = &t->rows[i];
        for (uint8_t k = 0; k < r->next_count; k++)
            put(b, "    %s --> %s : %s / %s\n", ltls_hs_state_name(r->state),
                ltls_hs_state_name(r->next[k]), ltls_hs_kind_name(r->kind, kb), r->handler_name);
    }
    put(b, "```\n\n| state | accepts | handler | next states |\n|---|---|---|---|\n");
    for (size_t i = 0; i < t->count; i++) {
        const ltls_hs_row_t *r = &t->rows[i];
        put(b, "| %s | %s | `%s` | ", ltls_hs_state_name(r->state), ltls_hs_kind_name(r->kind, kb),
            r->handler_name);
        for (uint8_t k = 0; k < r->next_count; k++)
            put(b, "%s%s", k ? ", " : "", ltls_hs_state_name(r->next[k]));
        put(b, " |\n");
    }
    put(b, "\n");
}

static char *render(size_t *len)
{
    sbuf_t b = {NULL, 0, 0};
    put(&b, "# Handshake state machines\n\n"
            "<!-- GENERATED by tests/unit/test_statemachine.c from the transition tables;\n"
            "     do not edit. Regenerate with scripts/gen-state-diagram. -->\n\n"
            "Each side of a TLS 1.3 handshake is one table of rows *(state, accepted message,\n"
            "handler, possible next states)*. `ltls_hs_dispatch()` (`src/hs/statemachine.c`)\n"
            "finds the row for the current state and the message's type, has the codec parse\n"
            "the whole message, calls the handler, and checks that the handler chose one of\n"
            "the row's next states. **Every (state, message) pair without a row is refused\n"
            "with an `unexpected_message` alert**, there and nowhere else; the unit test\n"
            "checks all 256 handshake types in every state.\n\n"
            "`HelloRetryRequest` is a ServerHello whose random is the special value of RFC 8446\n"
            "§4.1.3; the table lists it apart so that a second one is unexpected (§4.1.4).\n"
            "`handshake()` is not a message but the client's first call, which sends the\n"
            "ClientHello. Post-handshake messages (KeyUpdate, NewSessionTicket) are rows of\n"
            "the CONNECTED state. A CertificateRequest after the handshake has no row: lucidtls\n"
            "never offers post_handshake_auth. States follow RFC 8446 Appendix A; the server's\n"
            "RECVD_CH and NEGOTIATED pass inside its ClientHello handler, and WAIT_EOED does\n"
            "not exist because 0-RTT is not accepted. Change cipher spec records are not\n"
            "handshake messages: one is accepted between the first ClientHello and the peer's\n"
            "Finished (§5, §D.4), in `src/hs/conn.c`.\n\n");
    render_table(&b, &ltls_hs_client_table, "src/hs/client13.c");
    render_table(&b, &ltls_hs_server_table, "src/hs/server13.c");
    *len = b.len;
    return b.p;
}

TEST(state_diagram_is_current)
{
    size_t len;
    char *doc = render(&len);
    if (write_mode) {
        FILE *f = fopen(DOC, "wb");
        CHECK(f != NULL);
        CHECK(fwrite(doc, 1, len, f) == len);
        fclose(f);
        printf("# wrote %s\n", DOC);
    }
    FILE *f = fopen(DOC, "rb");
    if (!f)
        printf("# %s is missing: run scripts/gen-state-diagram\n", DOC);
    CHECK(f != NULL);
    char *have = malloc(len + 2);
    size_t n = fread(have, 1, len + 1, f);
    fclose(f);
    if (n != len || memcmp(have, doc, len) != 0)
        printf("# %s is out of date: run scripts/gen-state-diagram\n", DOC);
    CHECK(n == len && memcmp(have, doc, len) == 0);
    free(have);
    free(doc);
}

int main(int argc, char **argv)
{
    write_mode = argc > 1 && strcmp(argv[1], "--write") == 0;
    fx_setup();
    RUN(every_pair_without_a_row_is_unexpected);
    RUN(second_hello_retry_request_is_unexpected);
    RUN(malformed_messages_fail_before_any_change);
    RUN(tables_are_well_formed);
    RUN(state_diagram_is_current);
    fx_teardown();
    return test_done();
}
