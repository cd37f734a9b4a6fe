/*
 * fuzz/fuzz_server.c - a TLS 1.3 server connection (src/hs/server13.c,
 * conn.c, the record layer, ClientHello and the extension registry,
 * HelloRetryRequest and its cookie, client-certificate validation) fed
 * arbitrary bytes as the client's flights, at each stage of the handshake
 * and after it (read, write, KeyUpdate, close_notify).
 *
 * Why: a server parses whatever any client on the network sends. With the
 * null provider (NO SECURITY, src/crypto/null) the fuzzer can produce the
 * client's Finished, Certificate/CertificateVerify and protected records,
 * so it gets past the first flight to the authenticated states.
 *
 * The input format, the checks and the seed generation are in fuzz_hs.h.
 */
#include "fuzz_hs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hs_one_input(1, data, size);
    return 0;
}
