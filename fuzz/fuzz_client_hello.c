/*
 * fuzz/fuzz_client_hello.c - the ClientHello codec (src/msg/hello.c) as a
 * whole: ltls_msg_parse_client_hello, ltls_msg_client_hello_check_tls13, the
 * PSK binder offset and ltls_msg_client_hello_fill_binders, padding to a
 * size, and the writer, with every extension of the hello through the
 * registry in its ClientHello column.
 *
 * Why: a ClientHello is the first thing a server parses and the only
 * message anyone on the network can send it unauthenticated, with more
 * extensions and list fields (GREASE included, RFC 8701) than any other.
 * The binder offset is handed to the key schedule, which hashes the message
 * up to it, so it must point at the binders vector exactly.
 *
 * Input: a ClientHello body (what the reassembler hands to the parser); the
 * target puts the 4-byte header in front, since binders_off is counted from
 * the start of the message. A body needs no matching header this way, so
 * the fuzzer spends nothing on keeping a length field right.
 *
 * Checked (fuzz_msg_common.h): a refusal is a documented ClientHello or
 * ClientHello-extension reason with its alert; an accepted hello obeys the
 * registry's rules, all its views lie in the input and are read, the §4.1.2
 * and §9.2 rules hold (check_tls13 agrees with a restatement of them),
 * binders_off points at the binders vector holding the parsed binders,
 * GREASE values are skipped by the list walkers and nothing else is,
 * server_name is a valid host name, and write(parse(x)) == x (padding
 * contents aside), parses to an equal hello and writes again identically;
 * the binders round-trip through placeholders and fill_binders; padding to
 * a size gives that size.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/writer.h"
#include "fuzz_common.h"
#include "fuzz_msg_common.h"
#include "msg/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ltls_client_hello_t ch;
    ltls_writer_t w;
    uint8_t type;
    ltls_bytes_t body;
    size_t mlen;

    if (size > 0xffffff)
        return 0;
    /* The whole message: header, then the input as its body. */
    uint8_t *msg = (uint8_t *)malloc(LTLS_MSG_HEADER_SIZE + size);
    FUZZ_CHECK(msg != NULL);
    ltls_writer_init(&w, msg, LTLS_MSG_HEADER_SIZE + size);
    ltls_writer_vec_t v = ltls_msg_begin(&w, LTLS_MSG_CLIENT_HELLO);
    ltls_writer_bytes(&w, data, size);
    ltls_msg_end(&w, v);
    FUZZ_CHECK(ltls_writer_finish(&w, &mlen) == 0);
    FUZZ_CHECK(ltls_msg_parse_header(msg, mlen, &type, &body) == 0);

    ltls_err_t err = ltls_msg_parse_client_hello(body.p, body.len, &ch);
    msgf_outcome("ClientHello of", (unsigned)size, err);
    if (err) {
        /* On failure the struct's content is unspecified: not looked at. */
        msgf_check_parse_err(err);
        FUZZ_CHECK_ERR(err, msgf_client_hello_reason_ok(ltls_err_reason(err)));
        free(msg);
        return 0;
    }
    msgf_check_client_hello(&ch, msg, mlen, body.p, body.len);
    /* check_tls13 is for a server that chose TLS 1.3; it must also behave on
     * a hello that did not offer it. */
    msgf_check_tls13_rules(&ch);
    msgf_check_solicited_all(&ch.exts, fuzz_hash(data, size));
    msgf_client_hello_round_trip(&ch, msg, mlen, fuzz_hash(data, size));
    free(msg);
    return 0;
}
