/*
 * hs/keysched.h - the TLS 1.3 key schedule (RFC 8446 §7).
 *
 * Two layers:
 *
 *  - Stateless helpers over one secret: HKDF-Expand-Label, Derive-Secret,
 *    traffic key/IV, Finished, resumption PSK, the next application traffic
 *    secret (KeyUpdate) and the exporter. They take the provider and hash
 *    explicitly, so that the record layer and QUIC (RFC 9001, which derives
 *    its own "quic key"/"quic iv"/"quic hp" from the same secrets) can use
 *    them on any secret.
 *
 *  - ltls_keysched_t, which walks the chain Early Secret -> Handshake Secret
 *    -> Master Secret in order and hands out the secrets each stage defines.
 *    It holds only the current stage's secret; the previous one is wiped when
 *    the next is made. Calls out of order fail with LTLS_R_BAD_STATE. A
 *    provider failure during a stage change clears the object, so that
 *    every later call fails with LTLS_R_BAD_STATE too.
 *
 *      init -> early(psk)          binder_key, binder, binder_check,
 *                                  client_early_traffic, early_exporter
 *           -> handshake(dhe)      handshake_traffic
 *           -> master()            app_traffic, exporter_master
 *           -> resumption_master() (wipes the master secret; nothing after)
 *
 * Secrets are returned into caller buffers of hash->digest_size bytes; the
 * caller owns them and wipes them (ltls_wipe) when done. "Transcript hash"
 * arguments are Transcript-Hash values (hash->digest_size bytes) from
 * ltls_transcript_current(). Nothing here allocates, except ltls_keysched_export,
 * which asks the provider for one hash context to hash the context value.
 *
 * All functions return LTLS_OK or: NULL_ARGUMENT, BAD_ARGUMENT (a length out
 * of the range HkdfLabel can carry), BAD_STATE (stage order), the provider's
 * error, and DECRYPT_ERROR / DECODE_LENGTH from the *_check functions.
 */
#ifndef LTLS_HS_KEYSCHED_H
#define LTLS_HS_KEYSCHED_H

#include <stddef.h>
#include <stdint.h>

#include "lucidtls/error.h"
#include "lucidtls/provider.h"

/* HkdfLabel (RFC 8446 §7.1): label<7..255> carries "tls13 " + label. */
#define LTLS_HKDF_LABEL_MAX (255 - 6)
#define LTLS_HKDF_CONTEXT_MAX 255

/* ------------------------------------------------------------------------
 * Stateless helpers. secret is hash->digest_size bytes.
 * ---------------------------------------------------------------------- */

/* HKDF-Expand-Label(secret, label, context, out_len) (RFC 8446 §7.1). label
 * is a NUL-terminated string without the "tls13 " prefix, at most
 * LTLS_HKDF_LABEL_MAX bytes; context may be NULL when context_len is 0;
 * out_len is at most 255 * digest_size (and 65535). */
ltls_err_t ltls_hkdf_expand_label(const ltls_provider_t *p, const ltls_hash_alg_t *h,
                                  const uint8_t *secret, const char *label,
                                  const uint8_t *context, size_t context_len, uint8_t *out,
                                  size_t out_len);

/* Derive-Secret(secret, label, Messages) (RFC 8446 §7.1), given
 * transcript_hash = Transcript-Hash(Messages). transcript_hash NULL means
 * Messages = "" (Hash of the empty string). out: digest_size bytes. */
ltls_err_t ltls_derive_secret(const ltls_provider_t *p, const ltls_hash_alg_t *h,
                              const uint8_t *secret, const char *label,
                              const uint8_t *transcript_hash, uint8_t *out);

/* Hash of the empty string for h (digest_size bytes), from a table; NULL for
 * a hash this library does not know. */
const uint8_t *ltls_keysched_empty_hash(const ltls_hash_alg_t *h);

/* Traffic key and IV from a traffic secret (RFC 8446 §7.3): key is
 * suite->aead->key_size bytes, iv LTLS_AEAD_NONCE_SIZE bytes; the secret is
 * suite->hash->digest_size bytes. */
ltls_err_t ltls_keysched_traffic_keys(const ltls_provider_t *p, const ltls_suite_t *suite,
                                      const uint8_t *secret, uint8_t *key,
                                      uint8_t iv[LTLS_AEAD_NONCE_SIZE]);

/* finished_key = HKDF-Expand-Label(base_key, "finished", "", Hash.length)
 * (RFC 8446 §4.4.4); base_key is a handshake traffic secret or a binder key.
 * Exposed for tests and QUIC; the handshake uses ltls_keysched_finished(). */
ltls_err_t ltls_keysched_finished_key(const ltls_provider_t *p, const ltls_hash_alg_t *h,
                                      const uint8_t *base_key, uint8_t *out);

/* verify_data = HMAC(finished_key(base_key), transcript_hash) (§4.4.4).
 * out: digest_size bytes. */
ltls_err_t ltls_keysched_finished(const ltls_provider_t *p, const ltls_hash_alg_t *h,
                                  const uint8_t *base_key, const uint8_t *transcript_hash,
                                  uint8_t *out);

/* Checks a received verify_data in constant time (§4.4.4: the recipient MUST
 * verify it). Mismatch: DECRYPT_ERROR; received_len != digest_size:
 * DECODE_LENGTH (a Finished body is exactly Hash.length bytes). */
ltls_err_t ltls_keysched_finished_check(const ltls_provider_t *p, const ltls_hash_alg_t *h,
                                        const uint8_t *base_key, const uint8_t *transcript_hash,
                                        const uint8_t *received, size_t received_len);

/* The PSK of a ticket: HKDF-Expand-Label(resumption_master_secret,
 * "resumption", ticket_nonce, Hash.length) (§4.6.1). nonce_len <= 255. */
ltls_err_t ltls_keysched_resumption_psk(const ltls_provider_t *p, const ltls_hash_alg_t *h,
                                        const uint8_t *resumption_master_secret,
                                        const uint8_t *nonce, size_t nonce_len, uint8_t *out);

/* KeyUpdate (§7.2): replaces secret in place by
 * HKDF-Expand-Label(secret, "traffic upd", "", Hash.length). The old value is
 * gone afterwards, as the RFC asks. On failure secret is wiped. */
ltls_err_t ltls_keysched_next_traffic(const ltls_provider_t *p, const ltls_hash_alg_t *h,
                                      uint8_t *secret);

/* TLS-Exporter(label, context, out_len) (§7.5) from the exporter_master_secret
 * (or, for 0-RTT, the early_exporter_master_secret). label is label_len bytes
 * (at most LTLS_HKDF_LABEL_MAX); context may be NULL with context_len 0 (no
 * context and an empty context are the same in TLS 1.3). */
ltls_err_t ltls_keysched_export(const ltls_provider_t *p, const ltls_hash_alg_t *h,
                                const uint8_t *exporter_secret, const uint8_t *label,
                                size_t label_len, const uint8_t *context, size_t context_len,
                                uint8_t *out, size_t out_len);

/* ------------------------------------------------------------------------
 * The staged key schedule
 * ---------------------------------------------------------------------- */

typedef enum ltls_keysched_stage {
    LTLS_KS_NONE = 0,      /* not initialised, cleared, or failed */
    LTLS_KS_INIT,          /* provider and hash chosen */
    LTLS_KS_EARLY,         /* secret = Early Secret */
    LTLS_KS_HANDSHAKE,     /* secret = Handshake Secret */
    LTLS_KS_MASTER,        /* secret = Master Secret */
    LTLS_KS_DONE           /* resumption_master_secret given out; secret wiped */
} ltls_keysched_stage_t;

/* Embed it; no allocation. Fields are private (tests read secret to compare
 * the stage secrets with RFC 8448). */
typedef struct ltls_keysched {
    const ltls_provider_t *p;
    const ltls_hash_alg_t *h;
    ltls_keysched_stage_t stage;
    uint8_t secret[LTLS_HASH_MAX_SIZE];
} ltls_keysched_t;

/* Starts a schedule with the suite's hash. Any earlier content is wiped. */
ltls_err_t ltls_keysched_init(ltls_keysched_t *ks, const ltls_provider_t *p,
                              const ltls_hash_alg_t *h);

/* INIT -> EARLY: Early Secret = HKDF-Extract(0, PSK). psk NULL means no PSK
 * (Hash.length zeros, §7.1). */
ltls_err_t ltls_keysched_early(ltls_keysched_t *ks, const uint8_t *psk, size_t psk_len);

/* EARLY. binder_key = Derive-Secret(ES, "res binder" | "ext binder", "");
 * resumption selects "res binder" (a ticket PSK) over "ext binder". */
ltls_err_t ltls_keysched_binder_key(const ltls_keysched_t *ks, int resumption, uint8_t *out);

/* EARLY. The PSK binder (§4.2.11.2): HMAC(finished_key(binder_key),
 * Transcript-Hash(Truncate(ClientHello...))). */
ltls_err_t ltls_keysched_binder(const ltls_keysched_t *ks, int resumption,
                                const uint8_t *truncated_hash, uint8_t *out);

/* EARLY. Server side: the received binder must match (DECRYPT_ERROR if not;
 * DECODE_LENGTH if its length is not Hash.length). */
ltls_err_t ltls_keysched_binder_check(const ltls_keysched_t *ks, int resumption,
                                      const uint8_t *truncated_hash, const uint8_t *received,
                                      size_t received_len);

/* EARLY. Derive-Secret(ES, "c e traffic" / "e exp master", ClientHello). */
ltls_err_t ltls_keysched_client_early_traffic(const ltls_keysched_t *ks, const uint8_t *ch_hash,
                                              uint8_t *out);
ltls_err_t ltls_keysched_early_exporter(const ltls_keysched_t *ks, const uint8_t *ch_hash,
                                        uint8_t *out);

/* EARLY -> HANDSHAKE: Handshake Secret = HKDF-Extract(Derive-Secret(ES,
 * "derived", ""), (EC)DHE). dhe NULL means psk_ke (Hash.length zeros). The
 * Early Secret is wiped. */
ltls_err_t ltls_keysched_handshake(ltls_keysched_t *ks, const uint8_t *dhe, size_t dhe_len);

/* HANDSHAKE. Derive-Secret(HS, "c hs traffic" / "s hs traffic",
 * ClientHello...ServerHello). Either output may be NULL. */
ltls_err_t ltls_keysched_handshake_traffic(const ltls_keysched_t *ks, const uint8_t *ch_sh_hash,
                                           uint8_t *client_out, uint8_t *server_out);

/* HANDSHAKE -> MASTER: Master Secret = HKDF-Extract(Derive-Secret(HS,
 * "derived", ""), 0). The Handshake Secret is wiped. */
ltls_err_t ltls_keysched_master(ltls_keysched_t *ks);

/* MASTER. Derive-Secret(MS, "c ap traffic" / "s ap traffic",
 * ClientHello...server Finished). Either output may be NULL. */
ltls_err_t ltls_keysched_app_traffic(const ltls_keysched_t *ks, const uint8_t *ch_sf_hash,
                                     uint8_t *client_out, uint8_t *server_out);

/* MASTER. Derive-Secret(MS, "exp master", ClientHello...server Finished). */
ltls_err_t ltls_keysched_exporter_master(const ltls_keysched_t *ks, const uint8_t *ch_sf_hash,
                                         uint8_t *out);

/* MASTER -> DONE: Derive-Secret(MS, "res master", ClientHello...client
 * Finished), then the Master Secret is wiped: derive the application and
 * exporter secrets first. */
ltls_err_t ltls_keysched_resumption_master(ltls_keysched_t *ks, const uint8_t *ch_cf_hash,
                                           uint8_t *out);

/* Wipes everything; the object is back to LTLS_KS_NONE. NULL is a no-op. */
void ltls_keysched_clear(ltls_keysched_t *ks);

#endif
