/*
 * tests/unit/test.h - a minimal TAP test harness for the C unit tests.
 *
 *   TEST(parses_u16) { ... CHECK(x == 1); CHECK_OK(err); CHECK_MEM(a, b, n); }
 *   int main(void) { RUN(parses_u16); return test_done(); }
 *
 * A failed check prints where and why and ends the test case; the program's
 * exit status is non-zero when any case failed. Output is TAP, which Meson
 * reads (protocol: 'tap') and scripts/summarize.py counts.
 */
#ifndef LTLS_TEST_H
#define LTLS_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lucidtls/error.h"

static int test_count_, test_failed_, test_case_failed_;

#define TEST(name) static void name(void)

static inline void test_run_(const char *name, void (*fn)(void))
{
    test_case_failed_ = 0;
    fn();
    test_count_++;
    if (test_case_failed_)
        test_failed_++;
    printf("%s %d - %s\n", test_case_failed_ ? "not ok" : "ok", test_count_, name);
    fflush(stdout);
}

#define RUN(name) test_run_(#name, name)

static inline int test_done(void)
{
    printf("1..%d\n", test_count_);
    return test_failed_ ? 1 : 0;
}

#define TEST_FAIL_(...)                                      \
    do {                                                     \
        printf("# %s:%d: ", __FILE__, __LINE__);             \
        printf(__VA_ARGS__);                                 \
        printf("\n");                                        \
        test_case_failed_ = 1;                               \
        return;                                              \
    } while (0)

#define CHECK(cond)                           \
    do {                                      \
        if (!(cond))                          \
            TEST_FAIL_("check failed: %s", #cond); \
    } while (0)

#define CHECK_OK(expr)                                                                  \
    do {                                                                                \
        ltls_err_t e_ = (expr);                                                         \
        if (e_ != LTLS_OK)                                                              \
            TEST_FAIL_("%s returned %s (%s)", #expr, ltls_err_reason_name(e_),          \
                       ltls_err_message(e_));                                           \
    } while (0)

/* The expression fails with exactly this reason. */
#define CHECK_ERR(expr, reason)                                                         \
    do {                                                                                \
        ltls_err_t e_ = (expr);                                                         \
        if (ltls_err_reason(e_) != (reason))                                            \
            TEST_FAIL_("%s returned %s, expected %s", #expr, ltls_err_reason_name(e_),  \
                       ltls_err_reason_name(ltls_err_make(reason)));                    \
    } while (0)

#define CHECK_MEM(a, b, n)                                                      \
    do {                                                                        \
        if (memcmp((a), (b), (n)) != 0) {                                       \
            test_hexdump_("got", (const uint8_t *)(a), (n));                    \
            test_hexdump_("want", (const uint8_t *)(b), (n));                   \
            TEST_FAIL_("%s differs from %s", #a, #b);                           \
        }                                                                       \
    } while (0)

static inline void test_hexdump_(const char *label, const uint8_t *p, size_t n)
{
    printf("# %5s: ", label);
    for (size_t i = 0; i < n; i++)
        printf("%02x", p[i]);
    printf("\n");
}

/* Decodes a hex string into out (capacity cap); returns the byte count.
 * Aborts on malformed hex or overflow: test data is trusted and a typo
 * should stop the run, not pass silently. */
static inline size_t test_unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex);
    if (n % 2 || n / 2 > cap) {
        fprintf(stderr, "test_unhex: bad length %zu (cap %zu)\n", n, cap);
        abort();
    }
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1) {
            fprintf(stderr, "test_unhex: bad hex at %zu\n", 2 * i);
            abort();
        }
        out[i] = (uint8_t)v;
    }
    return n / 2;
}

#endif
