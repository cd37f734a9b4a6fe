/* version.c - the version of the library that is actually linked. */
#include "lucidtls/version.h"

const char *ltls_version(void) { return LTLS_VERSION_STRING; }
