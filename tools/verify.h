/* tools/verify.h - the `lucidtls verify` command. */
#ifndef LTLS_TOOLS_VERIFY_H
#define LTLS_TOOLS_VERIFY_H

/* argv[0] is "verify". Returns the process exit status: 0 when the chain is
 * valid, 1 when it is rejected, 2 for a usage error or malformed input. */
int ltls_tool_verify(int argc, char **argv);

#endif
