/*
 * io/clock.c - the system clock, for ltls_config_t.clock.
 *
 * Theory of operation: the engine never reads the time itself; validity
 * checks ask the context's clock callback. When the configuration leaves the
 * callback NULL, the context installs this function, so this file is the one
 * place in lucidtls that reads the wall clock. CLOCK_REALTIME is the right
 * clock: certificate validity is defined against calendar time, and a
 * monotonic clock has no relation to the epoch.
 */
#include <time.h>

#include "lucidtls/tls.h"

int64_t ltls_clock_system(void *user)
{
    (void)user;
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return 0; /* 1970 makes every certificate "not yet valid": fail closed */
    return (int64_t)ts.tv_sec;
}
