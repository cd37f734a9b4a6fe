/*
 * msg/extensions/ext.h - internal to src/msg: the extension descriptor, the
 * descriptors the registry gathers, and the list helpers every codec of the
 * module shares.
 *
 * A descriptor says everything the registry needs to know about one
 * extension: its code point, its name, the messages it may appear in (RFC
 * 8446 §4.2's table as LTLS_EXT_IN_* bits), and how to parse and write its
 * extension_data for a given message. Descriptors without parse/write keep
 * the body raw in the set's entry: the extension is recognised (its messages
 * are enforced) without being interpreted yet.
 */
#ifndef LTLS_MSG_EXTENSIONS_EXT_H
#define LTLS_MSG_EXTENSIONS_EXT_H

#include "core/reader.h"
#include "core/writer.h"
#include "msg/msg.h"

typedef struct ltls_ext_desc {
    uint16_t code;
    uint8_t id;        /* ltls_ext_id_t: its index in the registry */
    uint16_t allowed;  /* LTLS_EXT_IN_* */
    const char *name;
    /* Parses body (the whole extension_data; the registry checks that it is
     * consumed) into the typed fields of set for message ctx. */
    ltls_err_t (*parse)(ltls_ext_ctx_t ctx, ltls_reader_t *body, ltls_ext_set_t *set);
    /* Writes the extension_data from set's typed fields for message ctx;
     * invalid values fail the writer with BAD_ARGUMENT. */
    void (*write)(ltls_ext_ctx_t ctx, const ltls_ext_set_t *set, ltls_writer_t *w);
} ltls_ext_desc_t;

/* One per file in src/msg/extensions/. */
extern const ltls_ext_desc_t ltls_ext_desc_server_name, ltls_ext_desc_status_request,
    ltls_ext_desc_supported_groups, ltls_ext_desc_signature_algorithms,
    ltls_ext_desc_signature_algorithms_cert, ltls_ext_desc_alpn, ltls_ext_desc_padding,
    ltls_ext_desc_record_size_limit, ltls_ext_desc_pre_shared_key, ltls_ext_desc_psk_modes,
    ltls_ext_desc_early_data, ltls_ext_desc_supported_versions, ltls_ext_desc_cookie,
    ltls_ext_desc_certificate_authorities, ltls_ext_desc_post_handshake_auth,
    ltls_ext_desc_key_share;
/* The recognised-but-raw ones (opaque.c), indexed by id. */
extern const ltls_ext_desc_t ltls_ext_desc_max_fragment_length, ltls_ext_desc_ec_point_formats,
    ltls_ext_desc_use_srtp, ltls_ext_desc_heartbeat, ltls_ext_desc_sct,
    ltls_ext_desc_client_certificate_type, ltls_ext_desc_server_certificate_type,
    ltls_ext_desc_encrypt_then_mac, ltls_ext_desc_extended_master_secret,
    ltls_ext_desc_compress_certificate, ltls_ext_desc_session_ticket, ltls_ext_desc_oid_filters,
    ltls_ext_desc_quic_transport_parameters, ltls_ext_desc_encrypted_client_hello,
    ltls_ext_desc_renegotiation_info;

/* The descriptor of a code point, or NULL. */
const ltls_ext_desc_t *ltls_ext_lookup(uint16_t code);
/* The descriptor of an id (< LTLS_EXT_COUNT_). */
const ltls_ext_desc_t *ltls_ext_desc(ltls_ext_id_t id);

/* ------------------------------------------------------------------------
 * Helpers shared by the codecs (lists.c)
 * ---------------------------------------------------------------------- */

/* Fails the writer with reason unless it has failed already. */
void ltls_msg_writer_fail(ltls_writer_t *w, ltls_reason_t reason);

/* Closes v after checking that its body lies in [min, max] (BAD_ARGUMENT):
 * a writer refuses to produce what a parser would refuse. */
void ltls_msg_vec_close(ltls_writer_t *w, ltls_writer_vec_t v, size_t min, size_t max);

/* A vector of 16-bit values with a prefix-byte length in [min, max] and an
 * even size (DECODE_LENGTH otherwise). */
ltls_err_t ltls_msg_read_u16_list(ltls_reader_t *r, unsigned prefix, size_t min, size_t max,
                                  ltls_u16_list_t *out);
void ltls_msg_write_u16_list(ltls_writer_t *w, unsigned prefix, size_t min, size_t max,
                             const ltls_u16_list_t *l);

/* A vector (prefix bytes, body in [min, max]) of items each with an
 * item_prefix-byte length in [item_min, item_max]; every item is checked. */
ltls_err_t ltls_msg_read_blob_list(ltls_reader_t *r, unsigned prefix, size_t min, size_t max,
                                   unsigned item_prefix, size_t item_min, size_t item_max,
                                   ltls_blob_list_t *out);
void ltls_msg_write_blob_list(ltls_writer_t *w, unsigned prefix, size_t min, size_t max,
                              unsigned item_prefix, size_t item_min, size_t item_max,
                              const ltls_blob_list_t *l);

/* A vector holding one opaque value: read as a view, write with bounds. */
ltls_err_t ltls_msg_read_opaque(ltls_reader_t *r, unsigned prefix, size_t min, size_t max,
                                ltls_bytes_t *out);
void ltls_msg_write_opaque(ltls_writer_t *w, unsigned prefix, size_t min, size_t max,
                           const ltls_bytes_t *b);

/* Writes b, or b->len zeros when b->p is NULL (placeholders). */
void ltls_msg_write_bytes_or_zeros(ltls_writer_t *w, const ltls_bytes_t *b);

/* The extension block parser in two steps, so that ServerHello can choose
 * its context (SH, HRR or SH12) from the entries before they are checked:
 * split records the entries (count, duplicates); finish applies the context's
 * rules and parses each known body. */
ltls_err_t ltls_ext_split(const uint8_t *p, size_t len, ltls_ext_set_t *set);
ltls_err_t ltls_ext_finish(ltls_ext_ctx_t ctx, ltls_ext_set_t *set);

#endif
