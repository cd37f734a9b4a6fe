/* Unit tests for src/core/error.c: class, alert and reason travel in one value. */
#include "test.h"

TEST(success_is_zero)
{
    CHECK(LTLS_OK == 0);
    CHECK(ltls_err_class(LTLS_OK) == LTLS_ECLASS_NONE);
}

TEST(reason_table_gives_class_and_alert)
{
    ltls_err_t e = ltls_err_make(LTLS_R_BAD_RECORD_MAC);
    CHECK(e != LTLS_OK);
    CHECK(ltls_err_reason(e) == LTLS_R_BAD_RECORD_MAC);
    CHECK(ltls_err_class(e) == LTLS_ECLASS_LOCAL_ALERT);
    CHECK(ltls_err_alert(e) == LTLS_ALERT_BAD_RECORD_MAC);
    CHECK(strcmp(ltls_err_reason_name(e), "BAD_RECORD_MAC") == 0);
    CHECK(strcmp(ltls_alert_name(ltls_err_alert(e)), "bad_record_mac") == 0);
    CHECK(strstr(ltls_err_message(e), "authentication") != NULL);
}

TEST(misuse_and_want_io_carry_no_alert)
{
    ltls_err_t m = ltls_err_make(LTLS_R_NULL_ARGUMENT);
    ltls_err_t w = ltls_err_make(LTLS_R_WANT_READ);
    CHECK(ltls_err_class(m) == LTLS_ECLASS_MISUSE && ltls_err_alert(m) == LTLS_ALERT_NONE);
    CHECK(ltls_err_class(w) == LTLS_ECLASS_WANT_IO && ltls_err_alert(w) == LTLS_ALERT_NONE);
}

TEST(internal_errors_send_internal_error)
{
    ltls_err_t e = ltls_err_make(LTLS_R_PROVIDER);
    CHECK(ltls_err_class(e) == LTLS_ECLASS_INTERNAL);
    CHECK(ltls_err_alert(e) == LTLS_ALERT_INTERNAL_ERROR);
}

TEST(peer_alert_keeps_the_received_code)
{
    ltls_err_t e = ltls_err_peer_alert(LTLS_ALERT_HANDSHAKE_FAILURE);
    CHECK(ltls_err_class(e) == LTLS_ECLASS_PEER_ALERT);
    CHECK(ltls_err_alert(e) == LTLS_ALERT_HANDSHAKE_FAILURE);
    CHECK(ltls_err_reason(e) == LTLS_R_PEER_ALERT);
    ltls_err_t c = ltls_err_peer_alert(LTLS_ALERT_CLOSE_NOTIFY);
    CHECK(ltls_err_reason(c) == LTLS_R_CLOSED);
}

TEST(every_reason_has_name_and_message)
{
    for (int r = 1; r < LTLS_R_COUNT_; r++) {
        ltls_err_t e = ltls_err_make((ltls_reason_t)r);
        CHECK(ltls_err_reason(e) == (ltls_reason_t)r);
        CHECK(strlen(ltls_err_reason_name(e)) > 0);
        CHECK(strlen(ltls_err_message(e)) > 10);
        /* A local alert must name a real alert. */
        if (ltls_err_class(e) == LTLS_ECLASS_LOCAL_ALERT)
            CHECK(strcmp(ltls_alert_name(ltls_err_alert(e)), "unknown") != 0);
    }
}

TEST(out_of_range_reason_becomes_internal)
{
    CHECK(ltls_err_reason(ltls_err_make((ltls_reason_t)60000)) == LTLS_R_INTERNAL);
    CHECK(ltls_err_reason(ltls_err_make(LTLS_R_NONE)) == LTLS_R_INTERNAL);
    CHECK(strcmp(ltls_alert_name(201), "unknown") == 0);
}

int main(void)
{
    RUN(success_is_zero);
    RUN(reason_table_gives_class_and_alert);
    RUN(misuse_and_want_io_carry_no_alert);
    RUN(internal_errors_send_internal_error);
    RUN(peer_alert_keeps_the_received_code);
    RUN(every_reason_has_name_and_message);
    RUN(out_of_range_reason_becomes_internal);
    return test_done();
}
