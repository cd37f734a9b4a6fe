/*
 * fuzz/fuzz_client.c - a TLS 1.3 client connection (src/hs/client13.c,
 * conn.c, the record layer, every message parser a client runs and
 * certificate validation of the server's chain) fed arbitrary bytes as the
 * server's flights, at each stage of the handshake and after it (read,
 * write, KeyUpdate, close_notify).
 *
 * Why: a client parses whatever a server (or anyone on the path) sends,
 * before anything is authenticated. With the null provider (NO SECURITY,
 * src/crypto/null) the fuzzer can forge Finished and protected records, so
 * it reaches the encrypted flight, client authentication and the
 * post-handshake messages, not just the ServerHello parser.
 *
 * The input format, the checks and the seed generation are in fuzz_hs.h.
 */
#include "fuzz_hs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hs_one_input(0, data, size);
    return 0;
}
