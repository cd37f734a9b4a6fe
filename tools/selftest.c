/*
 * tools/selftest.c - `lucidtls selftest`: replays RFC 8448 §3 (a whole TLS 1.3
 * handshake with its application data) through the built-in providers and
 * shows, check by check, that the key schedule and the record layer give the
 * RFC's bytes. The unit tests assert much more; this is the user-visible proof
 * that the library on this machine computes TLS 1.3 correctly.
 */
#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "hs/keysched.h"
#include "hs/transcript.h"
#include "lucidtls/lucidtls.h"
#include "record/record.h"
#include "rfc8448.h"
#include "selftest.h"

typedef struct {
    int passed, failed;
} tally_t;

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex) / 2;
    if (n > cap)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
    return n;
}

static void check(tally_t *t, const char *what, ltls_err_t err, const uint8_t *got,
                  const char *want_hex)
{
    uint8_t want[512];
    size_t n = unhex(want_hex, want, sizeof want);
    int ok = !err && n && memcmp(got, want, n) == 0;
    printf("  %-4s %s%s%s\n", ok ? "ok" : "FAIL", what, err ? ": " : "",
           err ? ltls_err_message(err) : "");
    ok ? t->passed++ : t->failed++;
}

static const char *const s3_messages[] = {
    RFC8448_S3_HANDSHAKE_MESSAGES_CLIENT_HELLO,       RFC8448_S3_HANDSHAKE_MESSAGES_SERVER_HELLO,
    RFC8448_S3_HANDSHAKE_MESSAGES_ENCRYPTED_EXTENSIONS, RFC8448_S3_HANDSHAKE_MESSAGES_CERTIFICATE,
    RFC8448_S3_HANDSHAKE_MESSAGES_CERTIFICATE_VERIFY, RFC8448_S3_HANDSHAKE_MESSAGES_SERVER_FINISHED,
    RFC8448_S3_HANDSHAKE_MESSAGES_CLIENT_FINISHED,
};

static ltls_err_t add_msg(ltls_transcript_t *tr, int i)
{
    uint8_t msg[1024];
    size_t n = unhex(s3_messages[i], msg, sizeof msg);
    return ltls_transcript_add(tr, msg, n);
}

/* The key schedule of §3, from the X25519 private keys to the resumption secret. */
static void key_schedule(const ltls_provider_t *p, tally_t *t)
{
    const ltls_suite_t *suite = &ltls_suite_aes128gcm_sha256;
    const ltls_hash_alg_t *h = suite->hash;
    uint8_t priv[32], share[LTLS_KEX_MAX_SHARE], peer[32], dhe[32], s[LTLS_HASH_MAX_SIZE],
        s2[LTLS_HASH_MAX_SIZE], th[LTLS_HASH_MAX_SIZE], key[32], iv[12];
    ltls_kex_ctx_t *kex = NULL;
    ltls_transcript_t tr;
    ltls_keysched_t ks;
    ltls_err_t err;

    unhex(RFC8448_S3_CLIENT_X25519_PRIVATE_KEY, priv, sizeof priv);
    unhex(RFC8448_S3_SERVER_X25519_PUBLIC_KEY, peer, sizeof peer);
    err = p->kex_import(p->impl, &ltls_group_x25519, priv, &kex, share);
    check(t, "x25519 client public key", err, share, RFC8448_S3_CLIENT_X25519_PUBLIC_KEY);
    if (!err)
        err = p->kex_finish(kex, peer, sizeof peer, dhe);
    p->kex_free(kex);
    check(t, "x25519 shared secret", err, dhe, RFC8448_S3_ECDHE_SHARED_SECRET);

    ltls_transcript_init(&tr, p, NULL);
    err = ltls_transcript_set_hash(&tr, h);
    for (int i = 0; i < 2 && !err; i++)
        err = add_msg(&tr, i);
    if (!err)
        err = ltls_transcript_current(&tr, th);
    check(t, "transcript hash ClientHello..ServerHello", err, th, RFC8448_S3_TRANSCRIPT_HASHES_CH_SH);

    if (!err)
        err = ltls_keysched_init(&ks, p, h);
    if (!err)
        err = ltls_keysched_early(&ks, NULL, 0);
    check(t, "early secret", err, ks.secret, RFC8448_S3_SECRETS_EARLY_SECRET);
    if (!err)
        err = ltls_keysched_handshake(&ks, dhe, sizeof dhe);
    check(t, "handshake secret", err, ks.secret, RFC8448_S3_SECRETS_HANDSHAKE_SECRET);
    if (!err)
        err = ltls_keysched_handshake_traffic(&ks, th, s, s2);
    check(t, "client handshake traffic secret", err, s,
          RFC8448_S3_SECRETS_CLIENT_HANDSHAKE_TRAFFIC_SECRET);
    check(t, "server handshake traffic secret", err, s2,
          RFC8448_S3_SECRETS_SERVER_HANDSHAKE_TRAFFIC_SECRET);
    if (!err)
        err = ltls_keysched_traffic_keys(p, suite, s2, key, iv);
    check(t, "server handshake key", err, key, RFC8448_S3_TRAFFIC_KEYS_SERVER_HANDSHAKE_KEY);
    check(t, "server handshake iv", err, iv, RFC8448_S3_TRAFFIC_KEYS_SERVER_HANDSHAKE_IV);

    for (int i = 2; i < 5 && !err; i++)
        err = add_msg(&tr, i);
    if (!err)
        err = ltls_transcript_current(&tr, th);
    if (!err)
        err = ltls_keysched_finished(p, h, s2, th, s2);
    check(t, "server Finished verify_data", err, s2,
          &RFC8448_S3_HANDSHAKE_MESSAGES_SERVER_FINISHED[8]);
    if (!err)
        err = add_msg(&tr, 5);
    if (!err)
        err = ltls_transcript_current(&tr, th);
    if (!err)
        err = ltls_keysched_finished(p, h, s, th, s);
    check(t, "client Finished verify_data", err, s,
          &RFC8448_S3_HANDSHAKE_MESSAGES_CLIENT_FINISHED[8]);

    if (!err)
        err = ltls_keysched_master(&ks);
    check(t, "master secret", err, ks.secret, RFC8448_S3_SECRETS_MASTER_SECRET);
    if (!err)
        err = ltls_keysched_app_traffic(&ks, th, s, s2);
    check(t, "client application traffic secret", err, s,
          RFC8448_S3_SECRETS_CLIENT_APPLICATION_TRAFFIC_SECRET_0);
    check(t, "server application traffic secret", err, s2,
          RFC8448_S3_SECRETS_SERVER_APPLICATION_TRAFFIC_SECRET_0);
    if (!err)
        err = ltls_keysched_exporter_master(&ks, th, s);
    check(t, "exporter master secret", err, s, RFC8448_S3_SECRETS_EXPORTER_MASTER_SECRET);
    if (!err)
        err = add_msg(&tr, 6);
    if (!err)
        err = ltls_transcript_current(&tr, th);
    if (!err)
        err = ltls_keysched_resumption_master(&ks, th, s);
    check(t, "resumption master secret", err, s, RFC8448_S3_SECRETS_RESUMPTION_MASTER_SECRET);

    ltls_keysched_clear(&ks);
    ltls_transcript_free(&tr);
    ltls_wipe(s, sizeof s);
    ltls_wipe(s2, sizeof s2);
    ltls_wipe(key, sizeof key);
}

/* Every protected record of §3: opened, and sealed again to the same bytes. */
static void records(const ltls_provider_t *p, tally_t *t)
{
    static const struct {
        const char *name, *key, *iv;
    } keys[] = {
        {"server_handshake", RFC8448_S3_TRAFFIC_KEYS_SERVER_HANDSHAKE_KEY,
         RFC8448_S3_TRAFFIC_KEYS_SERVER_HANDSHAKE_IV},
        {"client_handshake", RFC8448_S3_TRAFFIC_KEYS_CLIENT_HANDSHAKE_KEY,
         RFC8448_S3_TRAFFIC_KEYS_CLIENT_HANDSHAKE_IV},
        {"server_application", RFC8448_S3_TRAFFIC_KEYS_SERVER_APPLICATION_KEY,
         RFC8448_S3_TRAFFIC_KEYS_SERVER_APPLICATION_IV},
        {"client_application", RFC8448_S3_TRAFFIC_KEYS_CLIENT_APPLICATION_KEY,
         RFC8448_S3_TRAFFIC_KEYS_CLIENT_APPLICATION_IV},
    };
    for (size_t i = 0; i < sizeof rfc8448_s3_records / sizeof rfc8448_s3_records[0]; i++) {
        const rfc8448_record_t *r = &rfc8448_s3_records[i];
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            if (strcmp(r->protection, keys[k].name) != 0)
                continue;
            uint8_t rec[1024], orig[1024], out[1024], key[16], iv[12];
            size_t n = unhex(r->record, rec, sizeof rec), used = 0, out_len = 0;
            memcpy(orig, rec, n);
            unhex(keys[k].key, key, sizeof key);
            unhex(keys[k].iv, iv, sizeof iv);
            ltls_record_dir_t rd, wd;
            ltls_record_t plain;
            ltls_record_dir_init(&rd, 0);
            ltls_record_dir_init(&wd, 1);
            ltls_err_t err = ltls_record_dir_set_keys(&rd, p, &ltls_aead_aes128gcm, key, iv);
            if (!err)
                err = ltls_record_dir_set_keys(&wd, p, &ltls_aead_aes128gcm, key, iv);
            rd.seq = wd.seq = (uint64_t)r->seq;
            if (!err)
                err = ltls_record_open(&rd, rec, n, &plain, &used);
            if (!err)
                err = ltls_record_seal(&wd, plain.type, plain.content, plain.len, 0, out,
                                       sizeof out, &out_len);
            int ok = !err && used == n && out_len == n && memcmp(out, orig, n) == 0;
            printf("  %-4s record %s %s (seq %d): opened and resealed byte for byte%s%s\n",
                   ok ? "ok" : "FAIL", r->sender, r->name, r->seq, err ? ": " : "",
                   err ? ltls_err_message(err) : "");
            ok ? t->passed++ : t->failed++;
            ltls_record_dir_clear(&rd);
            ltls_record_dir_clear(&wd);
        }
    }
}

int ltls_tool_selftest(void)
{
    int failed = 0;
    for (const ltls_provider_entry_t *e = ltls_providers_builtin(); e->name; e++) {
        ltls_provider_t *p;
        tally_t t = {0, 0};
        if (ltls_provider_new(e->name, NULL, &p) != LTLS_OK) {
            printf("provider %s: unavailable\n", e->name);
            failed = 1;
            continue;
        }
        printf("RFC 8448 §3 (Simple 1-RTT) with provider %s:\n", e->name);
        key_schedule(p, &t);
        records(p, &t);
        printf("%d passed, %d failed\n", t.passed, t.failed);
        failed |= t.failed != 0;
        ltls_provider_free(p);
    }
    return failed ? 1 : 0;
}
