/* lucidtls/export.h - marks the functions the shared library exports. */
#ifndef LUCIDTLS_EXPORT_H
#define LUCIDTLS_EXPORT_H

#if defined(LTLS_BUILDING_LIBRARY) && defined(__GNUC__)
#define LTLS_API __attribute__((visibility("default")))
#else
#define LTLS_API
#endif

#endif
