/* tools/selftest.h - the `lucidtls selftest` command. */
#ifndef LTLS_TOOLS_SELFTEST_H
#define LTLS_TOOLS_SELFTEST_H

/* Returns the process exit status: 0 when every check passed. */
int ltls_tool_selftest(void);

#endif
