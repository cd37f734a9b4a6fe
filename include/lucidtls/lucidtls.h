/*
 * lucidtls/lucidtls.h - the umbrella header: include this one.
 */
#ifndef LUCIDTLS_H
#define LUCIDTLS_H

#include "lucidtls/alloc.h"
#include "lucidtls/error.h"
#include "lucidtls/key.h"
#include "lucidtls/provider.h"
#include "lucidtls/tls.h"
#include "lucidtls/version.h"
#include "lucidtls/x509.h"
#include "lucidtls/insecure.h"

#endif
