/*
 * tests/unit/test_handshake.c - TLS 1.3 handshakes between a lucidtls
 * client and a lucidtls server in one process (src/hs).
 *
 * Positive cases: every cipher suite x group x signature scheme the
 * provider supports, HelloRetryRequest, ALPN, client authentication in each
 * mode, chain selection by SNI and by signature algorithms, IP literals, the
 * key log and the exporter. Negative cases each check the exact reason on
 * the side that detects the problem and the alert the other side receives:
 * wrong name, untrusted root, expired certificate, a downgrade sentinel, an
 * unoffered cipher suite or version, a message out of order, a duplicated
 * message, a bad Finished, a bad CertificateVerify, no ALPN in common,
 * a missing client certificate. The encrypted server flight is edited by
 * decrypting it with the handshake secret from the key log and sealing it
 * again, as an active attacker holding that secret could.
 */
#include "hs_fixture.h"

#include "hs/keysched.h"
#include "record/record.h"

static void print_errors(const fx_pair_t *p)
{
    printf("# client: %s: %s\n", ltls_err_reason_name(ltls_conn_error(p->c)),
           ltls_conn_error_detail(p->c));
    printf("# server: %s: %s\n", ltls_err_reason_name(ltls_conn_error(p->s)),
           ltls_conn_error_detail(p->s));
}

/* Exchanges a line each way over an established pair. */
static int exchange(fx_pair_t *p)
{
    static const char ping[] = "ping from the client", pong[] = "pong from the server";
    uint8_t buf[64];
    size_t n;
    if (ltls_conn_write(p->c, (const uint8_t *)ping, sizeof(ping), &n) || n != sizeof(ping))
        return 0;
    fx_pump(p->c, p->s);
    if (ltls_conn_read(p->s, buf, sizeof(buf), &n) || n != sizeof(ping) || memcmp(buf, ping, n))
        return 0;
    if (ltls_conn_write(p->s, (const uint8_t *)pong, sizeof(pong), &n) || n != sizeof(pong))
        return 0;
    fx_pump(p->s, p->c);
    if (ltls_conn_read(p->c, buf, sizeof(buf), &n) || n != sizeof(pong) || memcmp(buf, pong, n))
        return 0;
    return 1;
}

/* The peer's certificate i as the pair's client saw it equals fx[which]'s. */
static int client_saw(const fx_pair_t *p, int which)
{
    size_t len, want_len;
    const uint8_t *der = ltls_conn_peer_cert(p->c, 0, &len);
    const uint8_t *want = ltls_cert_der(fx[which].certs[0], &want_len);
    return der && len == want_len && memcmp(der, want, len) == 0;
}

/* ------------------------------------------------------------------------
 * Full handshakes
 * ---------------------------------------------------------------------- */

TEST(default_handshake_and_queries)
{
    ltls_config_t cc = fx_client_config(), sc = fx_server_config(FX_P256);
    fx_pair_t p;
    CHECK_OK(fx_pair_new(&p, &cc, &sc, "localhost"));
    CHECK(ltls_conn_version(p.c) == 0 && ltls_conn_suite(p.c) == NULL);
    CHECK(!ltls_conn_handshake_done(p.c));
    ltls_err_t e = fx_handshake(&p, NULL, NULL);
    if (e)
        print_errors(&p);
    CHECK_OK(e);
    for (int side = 0; side < 2; side++) {
        ltls_conn_t *conn = side ? p.s : p.c;
        CHECK(ltls_conn_handshake_done(conn));
        CHECK(ltls_conn_version(conn) == LTLS_TLS1_3);
        CHECK(ltls_conn_suite(conn) == &ltls_suite_aes128gcm_sha256);
        CHECK(ltls_conn_group(conn) == &ltls_group_x25519);
        size_t l;
        CHECK(ltls_conn_alpn(conn, &l) == NULL && l == 0);
    }
    CHECK(ltls_conn_peer_sigscheme(p.c) == &ltls_sig_ecdsa_secp256r1_sha256);
    CHECK(ltls_conn_peer_sigscheme(p.s) == NULL);
    CHECK(ltls_conn_peer_cert_count(p.c) == 2);
    CHECK(client_saw(&p, FX_P256));
    CHECK(ltls_conn_peer_cert_count(p.s) == 0);
    CHECK(ltls_conn_server_name(p.s) && strcmp(ltls_conn_server_name(p.s), "localhost") == 0);
    CHECK(ltls_conn_server_name(p.c) == NULL);
    CHECK(ltls_conn_peer_cert(p.c, 2, NULL) == NULL);
    CHECK(exchange(&p));
    CHECK(ltls_conn_error(p.c) == LTLS_OK);
    CHECK(strcmp(ltls_conn_error_detail(p.c), "") == 0);
    fx_pair_free(&p);
}

typedef struct combo {
    const ltls_sigscheme_t *scheme;
    int chain;
} combo_t;

TEST(every_suite_group_and_scheme)
{
    const combo_t combos[] = {
        {&ltls_sig_ecdsa_secp256r1_sha256, FX_P256}, {&ltls_sig_ecdsa_secp384r1_sha384, FX_P384},
        {&ltls_sig_rsa_pss_rsae_sha256, FX_RSA},     {&ltls_sig_rsa_pss_rsae_sha384, FX_RSA},
        {&ltls_sig_rsa_pss_rsae_sha512, FX_RSA},     {&ltls_sig_ed25519, FX_ED25519},
    };
    int count = 0;
    for (size_t si = 0; prov->suites[si]; si++) {
        for (size_t gi = 0; prov->groups[gi]; gi++) {
            for (size_t k = 0; k < sizeof(combos) / sizeof(combos[0]); k++) {
                if (!ltls_provider_has_sigscheme(prov, combos[k].scheme))
                    continue;
                const ltls_suite_t *suite = prov->suites[si];
                const ltls_group_t *group = prov->groups[gi];
                ltls_config_t cc = fx_client_config(), sc = fx_server_config(combos[k].chain);
                cc.suites = sc.suites = &suite;
                cc.suite_count = sc.suite_count = 1;
                cc.groups = sc.groups = &group;
                cc.group_count = sc.group_count = 1;
                cc.sigschemes = &combos[k].scheme;
                cc.sigscheme_count = 1;
                fx_pair_t p;
                CHECK_OK(fx_pair_new(&p, &cc, &sc, "localhost"));
                ltls_err_t e = fx_handshake(&p, NULL, NULL);
                if (e) {
                    printf("# %s %s %s\n", suite->name, group->name, combos[k].scheme->name);
                    print_errors(&p);
                }
                CHECK_OK(e);
                CHECK(ltls_conn_suite(p.c) == suite && ltls_conn_suite(p.s) == suite);
                CHECK(ltls_conn_group(p.c) == group && ltls_conn_group(p.s) == group);
                CHECK(ltls_conn_peer_sigscheme(p.c) == combos[k].scheme);
                CHECK(exchange(&p));
                fx_pair_free(&p);
                count++;
            }
        }
    }
    printf("# %d combinations\n", count);
    CHECK(count >= 4 * 5 * 6 - 1);
}

/* The client shares x25519 only; the server accepts only secp256r1. */
TEST(hello_retry_request)
{
    const ltls_group_t *cg[] = {&ltls_group_x25519, &ltls_group_secp256r1};
    const ltls_group_t *sg[] = {&ltls_group_secp256r1};
    ltls_config_t cc = fx_client_config(), sc = fx_server_config(FX_P256);
    cc.groups = cg;
    cc.group_count = 2;
    sc.groups = sg;
    sc.group_count = 1;
    fx_pair_t p;
    CHECK_OK(fx_pair_new(&p, &cc, &sc, "localhost"));
    /* First flight: one ClientHello record. */
    CHECK(ltls_conn_handshake(p.c) == ltls_err_make(LTLS_R_WANT_READ));
    fx_pump(p.c, p.s);
    CHECK(ltls_conn_handshake(p.s) == ltls_err_make(LTLS_R_WANT_READ));
    /* HelloRetryRequest and the compatibility change_cipher_spec. */
    size_t len;
    const uint8_t *out = ltls_conn_outgoing(p.s, &len);
    CHECK(len > 50 && out[0] == 22 && out[5] == 2);
    CHECK(memcmp(out + 11, ltls_msg_hrr_random, 32) == 0);
    size_t rec1 = 5 + ((size_t)out[3] << 8 | out[4]);
    CHECK(len == rec1 + 6 && out[rec1] == 20);
    /* The stateless server keeps no transcript of the first hello. */
    CHECK(p.s->state == LTLS_HS_S_WAIT_CH2 && p.s->hs->tr.messages == 0);
    ltls_err_t e = fx_handshake(&p, NULL, NULL);
    if (e)
        print_errors(&p);
    CHECK_OK(e);
    CHECK(ltls_conn_group(p.c) == &ltls_group_secp256r1);
    CHECK(ltls_conn_group(p.s) == &ltls_group_secp256r1);
    CHECK(exchange(&p));
    fx_pair_free(&p);
}

/* A usable key share is taken even when the server prefers another group
 * the client supports (no round trip spent on a HelloRetryRequest); among
 * several shares, the server's preference wins. */
TEST(usable_share_avoids_hello_retry)
{
    const ltls_group_t *sg[] = {&ltls_group_secp384r1, &ltls_group_x25519};
    ltls_config_t cc = fx_client_config(), sc = fx_server_config(FX_P384);
    sc.groups = sg;
    sc.group_count = 2;
    fx_pair_t p;

    /* One x25519 share; the server prefers secp384r1 but uses the share. */
    CHECK_OK(fx_pair_new(&p, &cc, &sc, "p384.test"));
    CHECK(ltls_conn_handshake(p.c) == ltls_err_make(LTLS_R_WANT_READ));
    fx_pump(p.c, p.s);
    CHECK(ltls_conn_handshake(p.s) == ltls_err_make(LTLS_R_WANT_READ));
    CHECK(p.s->state == LTLS_HS_S_WAIT_FINISHED); /* not WAIT_CH2 */
    CHECK_OK(fx_handshake(&p, NULL, NULL));
    CHECK(ltls_conn_group(p.c) == &ltls_group_x25519);
    CHECK(exchange(&p));
    fx_pair_free(&p);

    /* Shares for x25519, secp256r1 and secp384r1: the server's first choice. */
    cc.key_share_count = 3;
    CHECK_OK(fx_pair_new(&p, &cc, &sc, "p384.test"));
    CHECK(ltls_conn_handshake(p.c) == ltls_err_make(LTLS_R_WANT_READ));
    fx_pump(p.c, p.s);
    CHECK(ltls_conn_handshake(p.s) == ltls_err_make(LTLS_R_WANT_READ));
    CHECK(p.s->state == LTLS_HS_S_WAIT_FINISHED);
    CHECK_OK(fx_handshake(&p, NULL, NULL));
    CHECK(ltls_conn_group(p.s) == &ltls_group_secp384r1);
    fx_pair_free(&p);
}

/* No usable share: the server asks for its preferred supported group. */
TEST(hello_retry_when_no_share_is_usable)
{
    const ltls_group_t *sg[] = {&ltls_group_secp384r1, &ltls_group_secp256r1};
    ltls_config_t cc = fx_client_config(), sc = fx_server_config(FX_P384);
    sc.groups = sg;
    sc.group_count = 2;
    fx_pair_t p;
    CHECK_OK(fx_pair_new(&p, &cc, &sc, "p384.test"));
    CHECK(ltls_conn_handshake(p.c) == ltls_err_make(LTLS_R_WANT_READ));
    fx_pump(p.c, p.s);
    CHECK(ltls_conn_handshake(p.s) == ltls_err_make(LTLS_R_WANT_READ));
    CHECK(p.s->state == LTLS_HS_S_WAIT_CH2);
    CHECK_OK(fx_handshake(&p, NULL, NULL));
    CHECK(ltls_conn_group(p.c) == &ltls_group_secp384r1);
    CHECK(exchange(&p));
    fx_pair_free(&p);
}

TEST(hrr_cookie_is_authenticated)
{
    const ltls_group_t *sg[] = {&ltls_group_secp256r1};
    ltls_config_t cc = fx_client_config(), sc = fx_server_config(FX_P256);
    sc.groups = sg;
    sc.group_count = 1;
    const ltls_group_t *cg[] = {&ltls_group_x25519, &ltls_group_secp256r1};
    cc.groups = cg;
    cc.group_count = 2;
    fx_pair_t p;
    CHECK_OK(fx_pair_new(&p, &cc, &sc, "localhost"));
    ltls_conn_handshake(p.c);
    fx_pump(p.c, p.s);
    ltls_conn_handshake(p.s);
    fx_pump(p.s, p.c);
    ltls_conn_handshake(p.c); /* second ClientHello */
    /* Flip the last byte of the cookie's tag in the second ClientHello
     * (after the CCS record): the cookie extension is the last one. */
    size_t len;
    ltls_conn_outgoing(p.c, &len);
    uint8_t *out = p.c->out + p.c->out_off; /* a writable view, for the test */
    CHECK(out[0] == 20 && out[6] == 22);
    out[len - 1] ^= 1;
    fx_pump(p.c, p.s);
    CHECK_ERR(ltls_conn_handshake(p.s), LTLS_R_BAD_COOKIE);
    fx_pump(p.s, p.c);
    ltls_err_t e = ltls_conn_handshake(p.c);
    CHECK(ltls_err_class(e) == LTLS_ECLASS_PEER_ALERT && ltls_err_alert(e) == LTLS_ALERT_ILLEGAL_PARAMETER);
    fx_pair_free(&p);
}

/* ------------------------------------------------------------------------
 * ALPN
 * ---------------------------------------------------------------------- */

TEST(alpn)
{
    const char *cl[] = {"h2", "http/1.1"}, *sl[] = {"http/1.1", "h2"}, *other[] = {"imap"};
    ltls_config_t cc = fx_client_config(), sc = fx_server_config(FX_P256);
    cc.alpn = cl;
    cc.alpn_count = 2;
    sc.alpn = sl;
    sc.alpn_count = 2;
    fx_pair_t p;
    CHECK_OK(fx_pair_new(&p, &cc, &sc, "localhost"));
    CHECK_OK(fx_handshake(&p, NULL, NULL));
    size_t l;
    const uint8_t *a = ltls_conn_alpn(p.c, &l);
    CHECK(a && l == 8 && memcmp(a, "http/1.1", 8) == 0); /* the server's preference */
    a = ltls_conn_alpn(p.s, &l);
    CHECK(a && l == 8 && memcmp(a, "http/1.1", 8) == 0);
    fx_pair_free(&p);

    /* A client without ALPN: none negotiated. */
    cc.alpn = NULL;
    cc.alpn_count = 0;
    CHECK_OK(fx_pair_new(&p, &cc, &sc, "localhost"));
    CHECK_OK(fx_handshake(&p, NULL, NULL));
    CHECK(ltls_conn_alpn(p.c, &l) == NULL && ltls_conn_alpn(p.s, &l) == NULL);
    fx_pair_free(&p);

    /* Nothing in common: no_application_protocol (RFC 7301 §3.2). */
    cc.alpn = other;
    cc.alpn_count = 1;
    CHECK_OK(fx_pair_new(&p, &cc, &sc, "localhost"));
    ltls_err_t ce, se;
    fx_handshake(&p, &ce, &se);
    CHECK(ltls_err_reason(se) == LTLS_R_NO_APPLICATION_PROTOCOL);
    CHECK(ltls_err_reason(ce) == LTLS_R_PEER_ALERT &&
          ltls_err_alert(ce) == LTLS_ALERT_NO_APPLICATION_PROTOCOL);
    CHECK(strstr(ltls_conn_error_detail(p.s), "ALPN") != NULL);
    fx_pair_free(&p);
}

/* ------------------------------------------------------------------------
 * Client authentication
 * ---------------------------------------------------------------------- */

static void client_auth_case(ltls_client_auth_t mode, int with_chain, int expect_ok)
{
    ltls_config_t cc = fx_client_config(), sc = fx_server_config(FX_P256);
    sc.client_auth = mode;
    sc.trust = trust;
    if (with_chain) {
        cc.chains = &fx[FX_CLIENT].sc;
        cc.chain_count = 1;
    }
    fx_pair_t p;
    CHECK_OK(fx_pair_new(&p, &cc, &sc, "localhost"));
    ltls_err_t ce, se;
    ltls_err_t e = fx_handshake(&p, &ce, &se);
    if (expect_ok) {
        if (e)
            print_errors(&p);
        CHECK_OK(e);
        int sent = with_chain && mode != LTLS_CLIENT_AUTH_NONE;
        CHECK(ltls_conn_peer_cert_count(p.s) == (sent ? 2u : 0u));
        CHECK((ltls_conn_peer_sigscheme(p.s) != NULL) == sent);
        if (sent) {
            size_t l, wl;
            const uint8_t *der = ltls_conn_peer_cert(p.s, 0, &l);
            const uint8_t *want = ltls_cert_der(fx[FX_CLIENT].certs[0], &wl);
            CHECK(der && l == wl && memcmp(der, want, l) == 0);
        }
        CHECK(exchange(&p));
    } else {
        /* §4.4.2.4: required and nothing sent: certificate_required. The
         * client has finished its side; it learns from the alert. */
        CHECK(ltls_err_reason(se) == LTLS_R_CERTIFICATE_REQUIRED);
        CHECK(ce == LTLS_OK);
        uint8_t buf[8];
        size_t n;
        ltls_err_t r = ltls_conn_read(p.c, buf, sizeof(buf), &n);
        CHECK(ltls_err_reason(r) == LTLS_R_PEER_ALERT &&
              ltls_err_alert(r) == LTLS_ALERT_CERTIFICATE_REQUIRED);
    }
    fx_pair_free(&p);
}

TEST(client_auth_modes)
{
    client_auth_case(LTLS_CLIENT_AUTH_NONE, 0, 1);
    client_auth_case(LTLS_CLIENT_AUTH_NONE, 1, 1);
    client_auth_case(LTLS_CLIENT_AUTH_OPTIONAL, 0, 1);
    client_auth_case(LTLS_CLIENT_AUTH_OPTIONAL, 1, 1);
    client_auth_case(LTLS_CLIENT_AUTH_REQUIRED, 1, 1);
    client_auth_case(LTLS_CLIENT_AUTH_REQUIRED, 0, 0);
}

TEST(client_certificate_untrusted)
{
    /* The server trusts only other-ca... which signed nothing the client
     * has: the client's chain does not validate. */
    ltls_trust_store_t *other = NULL;
    CHECK_OK(ltls_trust_store_new(NULL, &other));
    CHECK_OK(ltls_trust_store_add_file(other, HS_DIR "other-ca.crt", NULL));
    ltls_config_t cc = fx_client_config(), sc = fx_server_config(FX_P256);
    sc.client_auth = LTLS_CLIENT_AUTH_OPTIONAL;
    sc.trust = other;
    cc.chains = &fx[FX_CLIENT].sc;
    cc.chain_count = 1;
    fx_pair_t p;
    CHECK_OK(fx_pair_new(&p, &cc, &sc, "localhost"));
    ltls_err_t se;
    fx_handshake(&p, NULL, &se);
    CHECK(ltls_err_reason(se) == LTLS_R_CERT_UNKNOWN_ISSUER);
    uint8_t buf[8];
    size_t n;
    ltls_err_t r = ltls_conn_read(p.c, buf, sizeof(buf), &n);
    CHECK(ltls_err_alert(r) == LTLS_ALERT_UNKNOWN_CA);
    fx_pair_free(&p);
    ltls_trust_store_unref(other);
}

/* ------------------------------------------------------------------------
 * Chain selection
 * ---------------------------------------------------------------------- */

static const ltls_signing_chain_t *all_chains(void)
{
    static ltls_signing_chain_t v[4];
    v[0] = fx[FX_RSA].sc;
    v[1] = fx[FX_P256].sc;
    v[2] = fx[FX_P384].sc;
    v[3] = fx[FX_ED25519].sc;
    return v;
}

TEST(chain_by_sni)
{
    static const struct {
        const char *name;
        int chain;
    } cases[] = {{"p384.test", FX_P384}, {"ed25519.test", FX_ED25519}, {"p256.test", FX_P256},
                 {"rsa.test", FX_RSA},   {"localhost", FX_RSA},        {"127.0.0.1", FX_RSA}};
    ltls_config_t cc = fx_client_config(), sc = fx_server_config(FX_P256);
    sc.chains = all_chains();
    sc.chain_count = 4;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fx_pair_t p;
        CHECK_OK(fx_pair_new(&p, &cc, &sc, cases[i].name));
        ltls_err_t e = fx_handshake(&p, NULL, NULL);
        if (e)
            print_errors(&p);
        CHECK_OK(e);
        CHECK(client_saw(&p, cases[i].chain));
        const char *sni = ltls_conn_server_name(p.s);
        /* RFC 6066 §3: no SNI for an IP literal. */
        if (strcmp(cases[i].name, "127.0.0.1") == 0)
            CHECK(sni == NULL);
        else
            CHECK(sni && strcmp(sni, cases[i].name) == 0);
        fx_pair_free(&p);
    }
}

TEST(chain_by_signature_algorithms)
{
    ltls_config_t cc = fx_client_config(), sc = fx_server_config(FX_P256);
    sc.chains = all_chains();
    sc.chain_count = 4;
    static const struct {
        const ltls_sigscheme_t *s;
        int chain;
    } cases[] = {{&ltls_sig_ed25519, FX_ED25519},
                 {&ltls_sig_ecdsa_secp384r1_sha384, FX_P384},
                 {&ltls_sig_ecdsa_secp256r1_sha256, FX_P256},
                 {&ltls_sig_rsa_pss_rsae_sha384, FX_RSA}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cc.sigschemes = &cases[i].s;
        cc.sigscheme_count = 1;
        fx_pair_t p;
        CHECK_OK(fx_pair_new(&p, &cc, &sc, "localhost"));
        CHECK_OK(fx_handshake(&p, NULL, NULL));
        CHECK(client_saw(&p, cases[i].chain));
        CHECK(ltls_conn_peer_sigscheme(p.c) == cases[i].s);
        fx_pair_free(&p);
    }
    /* SNI names a chain whose key the client cannot verify: the name gives
     * way to what the client can verify (and here that chain also holds the
     * name). */
    cc.sigschemes = &cases[0].s;
    fx_pair_t p;
    CHECK_OK(fx_pair_new(&p, &cc, &sc, "p384.test"));
    ltls_err_t ce;
    fx_handshake(&p, &ce, NULL);
    CHECK(ltls_err_reason(ce) == LTLS_R_CERT_NAME_MISMATCH);
    fx_pair_free(&p);

    /* No chain fits: handshake_failure. */
    const ltls_sigscheme_t *ed448 = &ltls_sig_ed448;
    cc.sigschemes = &ed448;
    CHECK_OK(fx_pair_new(&p, &cc, &sc, "localhost"));
    ltls_err_t se;
    fx_handshake(&p, &ce, &se);
    CHECK(ltls_err_reason(se) == LTLS_R_NO_CERTIFICATE_CHAIN);
    CHECK(ltls_err_alert(ce) == LTLS_ALERT_HANDSHAKE_FAILURE &&
          ltls_err_class(ce) == LTLS_ECLASS_PEER_ALERT);
    fx_pair_free(&p);
}

/* ------------------------------------------------------------------------
 * Certificate validation failures
 * ---------------------------------------------------------------------- */

static void cert_failure(int chain, const char *name, ltls_reason_t reason, uint8_t alert)
{
    ltls_config_t cc = fx_client_config(), sc = fx_server_config(chain);
    fx_pair_t p;
    CHECK_OK(fx_pair_new(&p, &cc, &sc, name));
    ltls_err_t ce, se;
    fx_handshake(&p, &ce, &se);
    if (ltls_err_reason(ce) != reason)
        print_errors(&p);
    CHECK(ltls_err_reason(ce) == reason);
    CHECK(ltls_err_alert(ce) == alert);
    CHECK(ltls_err_class(se) == LTLS_ECLASS_PEER_ALERT && ltls_err_alert(se) == alert);
    CHECK(strlen(ltls_conn_error_detail(p.c)) > 20);
    printf("# %s: %s\n", ltls_err_reason_name(ce), ltls_conn_error_detail(p.c));
    /* Sticky: every later call says the same. */
    CHECK(ltls_conn_handshake(p.c) == ce);
    uint8_t b[4];
    size_t n;
    CHECK(ltls_conn_read(p.c, b, sizeof(b), &n) == ce);
    CHECK(ltls_conn_write(p.c, b, sizeof(b), &n) == ce);
    fx_pair_free(&p);
}

TEST(wrong_hostname)
{
    cert_failure(FX_P256, "www.example.com", LTLS_R_CERT_NAME_MISMATCH, LTLS_ALERT_BAD_CERTIFICATE);
    cert_failure(FX_WRONGNAME, "localhost", LTLS_R_CERT_NAME_MISMATCH, LTLS_ALERT_BAD_CERTIFICATE);
    cert_failure(FX_RSA, "10.0.0.1", LTLS_R_CERT_NAME_MISMATCH, LTLS_ALERT_BAD_CERTIFICATE);
}

TEST(untrusted_root)
{
    cert_failure(FX_UNTRUSTED, "localhost", LTLS_R_CERT_UNKNOWN_ISSUER, LTLS_ALERT_UNKNOWN_CA);
}

TEST(expired_certificate)
{
    cert_failure(FX_EXPIRED, "localhost", LTLS_R_CERT_EXPIRED, LTLS_ALERT_CERTIFICATE_EXPIRED);
}

TEST(insecure_client)
{
    ltls_config_t cc = fx_client_config(), sc = fx_server_config(FX_UNTRUSTED);
    cc.trust = NULL;
    ltls_context_t *ctx = NULL;
    CHECK_ERR(ltls_client_context_new(&cc, &ctx), LTLS_R_BAD_ARGUMENT);
    CHECK(ctx == NULL);
    CHECK_ERR(ltls_insecure_client_context_new(&cc, 0, &ctx), LTLS_R_BAD_ARGUMENT);
    CHECK_ERR(ltls_insecure_client_context_new(&cc, 0x80, &ctx), LTLS_R_BAD_ARGUMENT);
    CHECK_ERR(ltls_insecure_client_context_new(&cc, LTLS_INSECURE_NO_HOSTNAME_CHECK, &ctx),
              LTLS_R_BAD_ARGUMENT); /* still validates: needs anchors */
    CHECK_OK(ltls_insecure_client_context_new(&cc, LTLS_INSECURE_NO_VERIFY, &ctx));
    fx_pair_t p;
    memset(&p, 0, sizeof(p));
    p.cctx = ctx;
    CHECK_OK(ltls_server_context_new(&sc, &p.sctx));
    CHECK_OK(ltls_conn_new(p.cctx, NULL, &p.c));
    CHECK_OK(ltls_conn_new(p.sctx, NULL, &p.s));
    CHECK_OK(fx_handshake(&p, NULL, NULL));
    CHECK(exchange(&p));
    fx_pair_free(&p);

    /* Name check off, chain still validated. */
    cc.trust = trust;
    sc = fx_server_config(FX_WRONGNAME);
    CHECK_OK(ltls_insecure_client_context_new(&cc, LTLS_INSECURE_NO_HOSTNAME_CHECK, &ctx));
    memset(&p, 0, sizeof(p));
    p.cctx = ctx;
    CHECK_OK(ltls_server_context_new(&sc, &p.sctx));
    CHECK_OK(ltls_conn_new(p.cctx, "localhost", &p.c));
    CHECK_OK(ltls_conn_new(p.sctx, NULL, &p.s));
    CHECK_OK(fx_handshake(&p, NULL, NULL));
    fx_pair_free(&p);
}

/* ------------------------------------------------------------------------
 * Tampering with the server's flight
 * ---------------------------------------------------------------------- */

/* One handshake message of the flight. */
typedef struct msgs {
    uint8_t data[8][8192];
    size_t len[8];
    int n;
} msgs_t;

typedef void (*edit_fn)(msgs_t *m);

/* Runs the handshake up to the server's first flight, decrypts its
 * encrypted part with the server handshake secret, applies edit, reseals,
 * and lets the client process the result. Returns the client's status. */
static ltls_err_t tamper(fx_pair_t *p, edit_fn edit, ltls_err_t *server_after)
{
    static msgs_t m;
    static uint8_t wire[65536], plain[65536];
    fx_keylog_t *kl = p->sctx->keylog_user;
    ltls_conn_handshake(p->c);
    fx_pump(p->c, p->s);
    ltls_conn_handshake(p->s);
    size_t len;
    const uint8_t *out = ltls_conn_outgoing(p->s, &len);
    memcpy(wire, out, len);
    ltls_conn_outgoing_consume(p->s, len);

    const char *hexs = fx_keylog_secret(kl, "SERVER_HANDSHAKE_TRAFFIC_SECRET");
    uint8_t secret[32], key[16], iv[12];
    test_unhex(hexs, secret, sizeof(secret));
    ltls_keysched_traffic_keys(prov, &ltls_suite_aes128gcm_sha256, secret, key, iv);
    ltls_record_dir_t rd, wd;
    ltls_record_dir_init(&rd, 0);
    ltls_record_dir_init(&wd, 1);
    ltls_record_dir_set_keys(&rd, prov, &ltls_aead_aes128gcm, key, iv);
    ltls_record_dir_set_keys(&wd, prov, &ltls_aead_aes128gcm, key, iv);

    /* Plaintext records (ServerHello, CCS) go through as they are. */
    size_t off = 0, plain_len = 0;
    uint8_t out2[65536];
    size_t out2_len = 0;
    while (off < len) {
        size_t rl = 5 + ((size_t)wire[off + 3] << 8 | wire[off + 4]);
        if (wire[off] != 23) {
            memcpy(out2 + out2_len, wire + off, rl);
            out2_len += rl;
        } else {
            ltls_record_t rec;
            size_t n;
            if (ltls_record_open(&rd, wire + off, rl, &rec, &n) || rec.type != 22)
                abort();
            memcpy(plain + plain_len, rec.content, rec.len);
            plain_len += rec.len;
        }
        off += rl;
    }
    m.n = 0;
    for (size_t o = 0; o < plain_len;) {
        size_t ml = 4 + ((size_t)plain[o + 1] << 16 | (size_t)plain[o + 2] << 8 | plain[o + 3]);
        memcpy(m.data[m.n], plain + o, ml);
        m.len[m.n++] = ml;
        o += ml;
    }
    edit(&m);
    plain_len = 0;
    for (int i = 0; i < m.n; i++) {
        memcpy(plain + plain_len, m.data[i], m.len[i]);
        plain_len += m.len[i];
    }
    for (size_t o = 0; o < plain_len;) {
        size_t chunk = plain_len - o > 16384 ? 16384 : plain_len - o, n;
        if (ltls_record_seal(&wd, 22, plain + o, chunk, 0, out2 + out2_len,
                             sizeof(out2) - out2_len, &n))
            abort();
        out2_len += n;
        o += chunk;
    }
    ltls_record_dir_clear(&rd);
    ltls_record_dir_clear(&wd);
    size_t used;
    if (ltls_conn_feed(p->c, out2, out2_len, &used) || used != out2_len)
        abort();
    ltls_err_t ce = ltls_conn_handshake(p->c);
    fx_pump(p->c, p->s);
    *server_after = ltls_conn_handshake(p->s);
    return ce;
}

static void drop(msgs_t *m, int i)
{
    memmove(&m->data[i], &m->data[i + 1], (size_t)(m->n - i - 1) * sizeof(m->data[0]));
    memmove(&m->len[i], &m->len[i + 1], (size_t)(m->n - i - 1) * sizeof(m->len[0]));
    m->n--;
}

/* The flight is EE, Certificate, CertificateVerify, Finished. */
static void edit_none(msgs_t *m) { (void)m; }
static void edit_finished_for_certificate(msgs_t *m)
{
    drop(m, 1);
    drop(m, 1);
}
static void edit_duplicate_ee(msgs_t *m)
{
    memmove(&m->data[1], &m->data[0], 4 * sizeof(m->data[0]));
    memmove(&m->len[1], &m->len[0], 4 * sizeof(m->len[0]));
    m->n++;
}
static void edit_bad_finished(msgs_t *m) { m->data[3][10] ^= 0x40; }
static void edit_bad_cv(msgs_t *m) { m->data[2][m->len[2] - 3] ^= 0x01; }
static void edit_cv_pkcs1(msgs_t *m)
{
    m->data[2][4] = 0x04; /* rsa_pkcs1_sha256 */
    m->data[2][5] = 0x01;
}

static void tamper_case(edit_fn edit, ltls_reason_t reason, uint8_t alert, int chain)
{
    fx_keylog_t kl;
    memset(&kl, 0, sizeof(kl));
    ltls_config_t cc = fx_client_config(), sc = fx_server_config(chain);
    const ltls_suite_t *suite = &ltls_suite_aes128gcm_sha256;
    sc.suites = &suite;
    sc.suite_count = 1;
    sc.keylog = fx_keylog_cb;
    sc.keylog_user = &kl;
    fx_pair_t p;
    CHECK_OK(fx_pair_new(&p, &cc, &sc, "localhost"));
    ltls_err_t se, ce = tamper(&p, edit, &se);
    if (reason == LTLS_R_NONE) {
        CHECK(ce == LTLS_OK);
        CHECK(se == LTLS_OK);
    } else {
        if (ltls_err_reason(ce) != reason)
            print_errors(&p);
        CHECK(ltls_err_reason(ce) == reason);
        CHECK(ltls_err_alert(ce) == alert);
        /* the server receives our alert (encrypted with the client's
         * handshake key) */
        CHECK(ltls_err_class(se) == LTLS_ECLASS_PEER_ALERT && ltls_err_alert(se) == alert);
        printf("# %s: %s\n", ltls_err_reason_name(ce), ltls_conn_error_detail(p.c));
    }
    fx_pair_free(&p);
}

TEST(tamper_harness_is_transparent)
{
    tamper_case(edit_none, LTLS_R_NONE, 0, FX_P256);
}

TEST(unexpected_message)
{
    /* A Finished where a Certificate is expected (Appendix A.1). */
    tamper_case(edit_finished_for_certificate, LTLS_R_UNEXPECTED_MESSAGE,
                LTLS_ALERT_UNEXPECTED_MESSAGE, FX_P256);
}

TEST(duplicated_message)
{
    tamper_case(edit_duplicate_ee, LTLS_R_UNEXPECTED_MESSAGE, LTLS_ALERT_UNEXPECTED_MESSAGE,
                FX_P256);
}

TEST(bad_finished)
{
    tamper_case(edit_bad_finished, LTLS_R_BAD_FINISHED, LTLS_ALERT_DECRYPT_ERROR, FX_P256);
}

TEST(bad_certificate_verify)
{
    tamper_case(edit_bad_cv, LTLS_R_BAD_CERTIFICATE_VERIFY, LTLS_ALERT_DECRYPT_ERROR, FX_P256);
    tamper_case(edit_bad_cv, LTLS_R_BAD_CERTIFICATE_VERIFY, LTLS_ALERT_DECRYPT_ERROR, FX_RSA);
    /* §4.4.3: PKCS#1 v1.5 is never accepted in a CertificateVerify. */
    tamper_case(edit_cv_pkcs1, LTLS_R_BAD_SIGSCHEME, LTLS_ALERT_ILLEGAL_PARAMETER, FX_RSA);
}

/* ------------------------------------------------------------------------
 * Tampering with the ServerHello (plaintext)
 * ---------------------------------------------------------------------- */

/* Runs to the server's first flight and returns a writable view of it. */
static uint8_t *server_flight(fx_pair_t *p, size_t *len)
{
    ltls_conn_handshake(p->c);
    fx_pump(p->c, p->s);
    ltls_conn_handshake(p->s);
    ltls_conn_outgoing(p->s, len);
    return p->s->out + p->s->out_off;
}

static uint8_t *find(uint8_t *hay, size_t len, const uint8_t *needle, size_t nl)
{
    for (size_t i = 0; i + nl <= len; i++)
        if (memcmp(hay + i, needle, nl) == 0)
            return hay + i;
    return NULL;
}

static void sh_case(int what, ltls_reason_t reason, uint8_t alert, const char *detail)
{
    ltls_config_t cc = fx_client_config(), sc = fx_server_config(FX_P256);
    const ltls_suite_t *suite = &ltls_suite_aes128gcm_sha256;
    cc.suites = &suite;
    cc.suite_count = 1;
    fx_pair_t p;
    CHECK_OK(fx_pair_new(&p, &cc, &sc, "localhost"));
    size_t len;
    uint8_t *sh = server_flight(&p, &len);
    CHECK(sh[0] == 22 && sh[5] == 2);
    static const uint8_t sv[] = {0x00, 0x2b, 0x00, 0x02, 0x03, 0x04};
    uint8_t *ext = find(sh, 5 + ((size_t)sh[3] << 8 | sh[4]), sv, sizeof(sv));
    switch (what) {
    case 0: /* §4.1.3 downgrade sentinel */
        memcpy(sh + 11 + 24, ltls_msg_downgrade_tls12, 8);
        break;
    case 1: /* a suite we did not offer */
        CHECK(sh[43] == 32 && sh[76] == 0x13 && sh[77] == 0x01);
        sh[77] = 0x02;
        break;
    case 2: /* supported_versions selects TLS 1.2 */
        CHECK(ext != NULL);
        ext[5] = 0x03;
        break;
    case 3: /* session id echo changed */
        sh[50] ^= 1;
        break;
    case 4: /* a TLS 1.2 ServerHello with the sentinel: drop the extension */
        memcpy(sh + 11 + 24, ltls_msg_downgrade_tls12, 8);
        ext[0] = 0x00; /* ec_point_formats instead of supported_versions */
        ext[1] = 0x0b;
        {
            static const uint8_t ks[] = {0x00, 0x33, 0x00, 0x24, 0x00, 0x1d};
            uint8_t *k = find(sh, 5 + ((size_t)sh[3] << 8 | sh[4]), ks, sizeof(ks));
            CHECK(k != NULL);
            k[1] = 0x0e; /* use_srtp instead of key_share */
        }
        break;
    }
    fx_pump(p.s, p.c);
    ltls_err_t ce = ltls_conn_handshake(p.c);
    fx_pump(p.c, p.s);
    ltls_err_t se = ltls_conn_handshake(p.s);
    if (ltls_err_reason(ce) != reason)
        print_errors(&p);
    CHECK(ltls_err_reason(ce) == reason);
    CHECK(ltls_err_alert(ce) == alert);
    /* The client had no keys: its alert is in the clear, and the server
     * takes it before the client's first protected record (App. A.1). */
    CHECK(ltls_err_class(se) == LTLS_ECLASS_PEER_ALERT && ltls_err_alert(se) == alert);
    if (detail)
        CHECK(strstr(ltls_conn_error_detail(p.c), detail) != NULL);
    printf("# %s: %s\n", ltls_err_reason_name(ce), ltls_conn_error_detail(p.c));
    fx_pair_free(&p);
}

TEST(downgrade_sentinel)
{
    sh_case(0, LTLS_R_DOWNGRADE_DETECTED, LTLS_ALERT_ILLEGAL_PARAMETER, "sentinel");
}

TEST(server_hello_checks)
{
    sh_case(1, LTLS_R_BAD_CIPHER_SUITE, LTLS_ALERT_ILLEGAL_PARAMETER,
            "ServerHello selected cipher suite 0x1302 that we did not offer");
    sh_case(3, LTLS_R_BAD_SESSION_ID_ECHO, LTLS_ALERT_ILLEGAL_PARAMETER, NULL);
}

TEST(unsupported_version)
{
    /* The server selects TLS 1.2 in supported_versions. */
    ltls_config_t cc = fx_client_config(), sc = fx_server_config(FX_P256);
    (void)cc;
    (void)sc;
    sh_case(2, LTLS_R_EXT_VERSION, ltls_err_alert(ltls_err_make(LTLS_R_EXT_VERSION)), NULL);
    /* A TLS 1.2 ServerHello whose random says "downgraded". */
    sh_case(4, LTLS_R_DOWNGRADE_DETECTED, LTLS_ALERT_ILLEGAL_PARAMETER, "TLS 1.2");

    /* A TLS 1.2-only ClientHello reaches the server: protocol_version. */
    fx_pair_t p;
    CHECK_OK(fx_pair_new(&p, &cc, &sc, "localhost"));
    static const uint8_t ch12[] = {
        0x16, 0x03, 0x01, 0x00, 0x2d, 0x01, 0x00, 0x00, 0x29, 0x03, 0x03, 1,    2,    3,
        4,    5,    6,    7,    8,    9,    10,   11,   12,   13,   14,   15,   16,   17,
        18,   19,   20,   21,   22,   23,   24,   25,   26,   27,   28,   29,   30,   31,
        32,   0x00, 0x00, 0x02, 0xc0, 0x2f, 0x01, 0x00};
    size_t used, len;
    CHECK_OK(ltls_conn_feed(p.s, ch12, sizeof(ch12), &used));
    CHECK_ERR(ltls_conn_handshake(p.s), LTLS_R_PROTOCOL_VERSION);
    const uint8_t *out = ltls_conn_outgoing(p.s, &len);
    static const uint8_t alert[] = {21, 3, 3, 0, 2, 2, LTLS_ALERT_PROTOCOL_VERSION};
    CHECK(len == sizeof(alert) && memcmp(out, alert, len) == 0);
    fx_pair_free(&p);
}

/* ------------------------------------------------------------------------
 * Key log and exporter
 * ---------------------------------------------------------------------- */

static void hexs(char *out, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
}

TEST(key_log)
{
    fx_keylog_t kc, ks;
    memset(&kc, 0, sizeof(kc));
    memset(&ks, 0, sizeof(ks));
    ltls_config_t cc = fx_client_config(), sc = fx_server_config(FX_P256);
    const ltls_suite_t *suite = &ltls_suite_aes256gcm_sha384;
    cc.suites = &suite;
    cc.suite_count = 1;
    cc.keylog = fx_keylog_cb;
    cc.keylog_user = &kc;
    sc.keylog = fx_keylog_cb;
    sc.keylog_user = &ks;
    fx_pair_t p;
    CHECK_OK(fx_pair_new(&p, &cc, &sc, "localhost"));
    ltls_conn_handshake(p.c);
    size_t len;
    const uint8_t *ch = ltls_conn_outgoing(p.c, &len);
    char random[65];
    hexs(random, ch + 11, 32);
    CHECK_OK(fx_handshake(&p, NULL, NULL));
    static const char *const labels[] = {"CLIENT_HANDSHAKE_TRAFFIC_SECRET",
                                         "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                                         "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0",
                                         "EXPORTER_SECRET"};
    CHECK(kc.n == 5 && ks.n == 5);
    for (int i = 0; i < 5; i++) {
        char prefix[128];
        snprintf(prefix, sizeof(prefix), "%s %s ", labels[i], random);
        int found = 0;
        for (int j = 0; j < 5; j++)
            found += strncmp(kc.lines[j], prefix, strlen(prefix)) == 0;
        CHECK(found == 1);
        CHECK(strcmp(fx_keylog_secret(&kc, labels[i]), fx_keylog_secret(&ks, labels[i])) == 0);
        CHECK(strlen(fx_keylog_secret(&kc, labels[i])) == 96); /* SHA-384 */
    }
    /* The logged secrets are the ones in use. */
    char want[97];
    hexs(want, p.c->wr_secret, 48);
    CHECK(strcmp(fx_keylog_secret(&kc, "CLIENT_TRAFFIC_SECRET_0"), want) == 0);
    hexs(want, p.c->rd_secret, 48);
    CHECK(strcmp(fx_keylog_secret(&kc, "SERVER_TRAFFIC_SECRET_0"), want) == 0);
    hexs(want, p.s->exporter, 48);
    CHECK(strcmp(fx_keylog_secret(&ks, "EXPORTER_SECRET"), want) == 0);
    fx_pair_free(&p);
}

TEST(exporter)
{
    ltls_config_t cc = fx_client_config(), sc = fx_server_config(FX_P256);
    fx_pair_t p;
    CHECK_OK(fx_pair_new(&p, &cc, &sc, "localhost"));
    uint8_t a[42], b[42], d[42];
    const uint8_t label[] = "EXPORTER-lucidtls-test", ctxv[] = "context";
    CHECK_ERR(ltls_conn_export(p.c, label, sizeof(label) - 1, NULL, 0, a, sizeof(a)),
              LTLS_R_BAD_STATE);
    CHECK_OK(fx_handshake(&p, NULL, NULL));
    CHECK_OK(ltls_conn_export(p.c, label, sizeof(label) - 1, ctxv, 7, a, sizeof(a)));
    CHECK_OK(ltls_conn_export(p.s, label, sizeof(label) - 1, ctxv, 7, b, sizeof(b)));
    CHECK_MEM(a, b, sizeof(a));
    CHECK_OK(ltls_conn_export(p.s, label, sizeof(label) - 1, ctxv, 6, d, sizeof(d)));
    CHECK(memcmp(a, d, sizeof(a)) != 0);
    /* §7.5: no context and an empty context are the same. */
    CHECK_OK(ltls_conn_export(p.c, label, sizeof(label) - 1, NULL, 0, a, sizeof(a)));
    CHECK_OK(ltls_conn_export(p.s, label, sizeof(label) - 1, ctxv, 0, b, sizeof(b)));
    CHECK_MEM(a, b, sizeof(a));
    CHECK_ERR(ltls_conn_export(p.c, NULL, 3, NULL, 0, a, sizeof(a)), LTLS_R_NULL_ARGUMENT);
    fx_pair_free(&p);
}

/* ------------------------------------------------------------------------
 * Misuse
 * ---------------------------------------------------------------------- */

TEST(misuse)
{
    ltls_config_t cc = fx_client_config(), sc = fx_server_config(FX_P256);
    ltls_context_t *cctx = NULL, *sctx = NULL;
    ltls_conn_t *conn = NULL;
    CHECK_ERR(ltls_client_context_new(NULL, &cctx), LTLS_R_NULL_ARGUMENT);
    CHECK_ERR(ltls_client_context_new(&cc, NULL), LTLS_R_NULL_ARGUMENT);
    CHECK_OK(ltls_client_context_new(&cc, &cctx));
    CHECK_OK(ltls_server_context_new(&sc, &sctx));
    /* a server learns its name from SNI; a verifying client needs one */
    CHECK_ERR(ltls_conn_new(sctx, "localhost", &conn), LTLS_R_BAD_ARGUMENT);
    CHECK(conn == NULL);
    CHECK_ERR(ltls_conn_new(cctx, NULL, &conn), LTLS_R_NULL_ARGUMENT);
    CHECK_ERR(ltls_conn_new(cctx, "", &conn), LTLS_R_BAD_ARGUMENT);
    CHECK_ERR(ltls_conn_new(NULL, "x", &conn), LTLS_R_NULL_ARGUMENT);
    CHECK_OK(ltls_conn_new(cctx, "localhost.", &conn));
    /* read drives the handshake: the ClientHello goes out */
    uint8_t buf[16];
    size_t n = 99, len;
    CHECK_ERR(ltls_conn_read(conn, buf, sizeof(buf), &n), LTLS_R_WANT_READ);
    CHECK(n == 0);
    CHECK(ltls_conn_outgoing(conn, &len) != NULL && len > 100);
    CHECK_ERR(ltls_conn_read(conn, NULL, 4, &n), LTLS_R_NULL_ARGUMENT);
    CHECK_ERR(ltls_conn_read(conn, buf, 4, NULL), LTLS_R_NULL_ARGUMENT);
    CHECK_ERR(ltls_conn_write(conn, NULL, 4, &n), LTLS_R_NULL_ARGUMENT);
    CHECK_ERR(ltls_conn_feed(conn, NULL, 4, &n), LTLS_R_NULL_ARGUMENT);
    CHECK_ERR(ltls_conn_key_update(conn, 0), LTLS_R_BAD_STATE);
    CHECK_ERR(ltls_conn_handshake(NULL), LTLS_R_NULL_ARGUMENT);
    CHECK(ltls_conn_error(conn) == LTLS_OK); /* misuse is not sticky */
    ltls_conn_free(conn);
    ltls_conn_free(NULL);
    ltls_context_unref(NULL);

    /* A chain whose key is not its leaf's. */
    ltls_signing_chain_t bad = fx[FX_P256].sc;
    bad.key = fx[FX_CLIENT].key;
    ltls_config_t sc2 = sc;
    sc2.chains = &bad;
    ltls_context_t *x = NULL;
    CHECK_ERR(ltls_server_context_new(&sc2, &x), LTLS_R_BAD_ARGUMENT);
    bad.key = fx[FX_RSA].key;
    CHECK_ERR(ltls_server_context_new(&sc2, &x), LTLS_R_BAD_ARGUMENT);
    /* A server without a chain; a client with two. */
    sc2.chain_count = 0;
    CHECK_ERR(ltls_server_context_new(&sc2, &x), LTLS_R_BAD_ARGUMENT);
    ltls_signing_chain_t two[2] = {fx[FX_CLIENT].sc, fx[FX_CLIENT].sc};
    ltls_config_t cc2 = cc;
    cc2.chains = two;
    cc2.chain_count = 2;
    CHECK_ERR(ltls_client_context_new(&cc2, &x), LTLS_R_BAD_ARGUMENT);
    /* Bad settings. */
    cc2 = cc;
    cc2.max_version = LTLS_TLS1_2;
    CHECK_ERR(ltls_client_context_new(&cc2, &x), LTLS_R_BAD_ARGUMENT);
    cc2 = cc;
    cc2.record_size_limit = 10;
    CHECK_ERR(ltls_client_context_new(&cc2, &x), LTLS_R_BAD_ARGUMENT);
    cc2 = cc;
    const char *empty[] = {""};
    cc2.alpn = empty;
    cc2.alpn_count = 1;
    CHECK_ERR(ltls_client_context_new(&cc2, &x), LTLS_R_BAD_ARGUMENT);
    cc2 = cc;
    const ltls_group_t *dup[] = {&ltls_group_x25519, &ltls_group_x25519};
    cc2.groups = dup;
    cc2.group_count = 2;
    CHECK_ERR(ltls_client_context_new(&cc2, &x), LTLS_R_BAD_ARGUMENT);
    cc2 = cc;
    cc2.key_share_count = 4;
    CHECK_ERR(ltls_client_context_new(&cc2, &x), LTLS_R_BAD_ARGUMENT);
    cc2 = cc;
    cc2.client_auth = LTLS_CLIENT_AUTH_REQUIRED;
    CHECK_ERR(ltls_client_context_new(&cc2, &x), LTLS_R_BAD_ARGUMENT);
    sc2 = sc;
    sc2.client_auth = LTLS_CLIENT_AUTH_REQUIRED; /* without trust */
    CHECK_ERR(ltls_server_context_new(&sc2, &x), LTLS_R_BAD_ARGUMENT);
    CHECK(x == NULL);

    /* References: the connection keeps its context alive. */
    CHECK_OK(ltls_conn_new(cctx, "localhost", &conn));
    CHECK(ltls_context_ref(cctx) == cctx);
    ltls_context_unref(cctx);
    ltls_context_unref(cctx);
    CHECK_ERR(ltls_conn_handshake(conn), LTLS_R_WANT_READ);
    ltls_conn_free(conn);
    ltls_context_unref(sctx);
}

/* ------------------------------------------------------------------------
 * Rejected 0-RTT (§4.2.10)
 * ---------------------------------------------------------------------- */

static void w_ch(ltls_writer_t *w, const ltls_client_hello_t *ch)
{
    ltls_msg_write_client_hello(w, ch, 0, NULL);
}

/* A ClientHello offering early data, with a share for group. */
static size_t early_hello(uint8_t *rec, size_t cap, const ltls_group_t *group, ltls_kex_ctx_t **kex)
{
    static uint8_t random[32], sid[32], share[LTLS_KEX_MAX_SHARE];
    static const uint16_t suites[] = {0x1301}, versions[] = {0x0304}, sigs[] = {0x0403};
    static const uint16_t groups[] = {0x001d, 0x0017};
    static const uint8_t comp = 0;
    if (prov->kex_start(prov->impl, group, kex, share))
        abort();
    ltls_client_hello_t ch;
    memset(&ch, 0, sizeof(ch));
    ch.legacy_version = 0x0303;
    ch.random = random;
    ch.session_id.p = sid;
    ch.session_id.len = 32;
    ch.cipher_suites.vals = suites;
    ch.cipher_suites.count = 1;
    ch.compression_methods.p = &comp;
    ch.compression_methods.len = 1;
    ltls_ext_set_init(&ch.exts, LTLS_EXT_CTX_CH);
    ch.exts.supported_versions.vals = versions;
    ch.exts.supported_versions.count = 1;
    ch.exts.supported_groups.vals = groups;
    ch.exts.supported_groups.count = 2;
    ch.exts.key_share.shares[0].group = group->code;
    ch.exts.key_share.shares[0].key_exchange.p = share;
    ch.exts.key_share.shares[0].key_exchange.len = group->client_share_size;
    ch.exts.key_share.count = 1;
    ch.exts.signature_algorithms.vals = sigs;
    ch.exts.signature_algorithms.count = 1;
    ltls_ext_add(&ch.exts, LTLS_EXT_SUPPORTED_VERSIONS);
    ltls_ext_add(&ch.exts, LTLS_EXT_SUPPORTED_GROUPS);
    ltls_ext_add(&ch.exts, LTLS_EXT_KEY_SHARE);
    ltls_ext_add(&ch.exts, LTLS_EXT_SIGNATURE_ALGORITHMS);
    ltls_ext_add(&ch.exts, LTLS_EXT_EARLY_DATA);
    ltls_writer_t w;
    size_t n;
    ltls_writer_init(&w, rec + 5, cap - 5);
    w_ch(&w, &ch);
    if (ltls_writer_finish(&w, &n))
        abort();
    rec[0] = 22;
    rec[1] = 3;
    rec[2] = 1;
    rec[3] = (uint8_t)(n >> 8);
    rec[4] = (uint8_t)n;
    return n + 5;
}

static void feed_junk_records(ltls_conn_t *s, int count, size_t len)
{
    uint8_t rec[5 + 1024];
    memset(rec, 0xa5, sizeof(rec));
    rec[0] = 23;
    rec[1] = 3;
    rec[2] = 3;
    rec[3] = (uint8_t)(len >> 8);
    rec[4] = (uint8_t)len;
    for (int i = 0; i < count; i++) {
        size_t used;
        if (ltls_conn_feed(s, rec, 5 + len, &used) || used != 5 + len)
            abort();
        if (!fx_is_progress(ltls_conn_handshake(s)))
            return;
    }
}

TEST(rejected_early_data_is_skipped)
{
    for (int hrr = 0; hrr < 2; hrr++) {
        ltls_config_t sc = fx_server_config(FX_P256);
        const ltls_group_t *sg[] = {&ltls_group_secp256r1};
        if (hrr) {
            sc.groups = sg;
            sc.group_count = 1;
        }
        ltls_context_t *ctx;
        ltls_conn_t *s;
        CHECK_OK(ltls_server_context_new(&sc, &ctx));
        CHECK_OK(ltls_conn_new(ctx, NULL, &s));
        uint8_t rec[2048];
        ltls_kex_ctx_t *kex = NULL;
        size_t n = early_hello(rec, sizeof(rec), &ltls_group_x25519, &kex);
        size_t used;
        CHECK_OK(ltls_conn_feed(s, rec, n, &used));
        CHECK_ERR(ltls_conn_handshake(s), LTLS_R_WANT_READ);
        CHECK(s->state == (hrr ? LTLS_HS_S_WAIT_CH2 : LTLS_HS_S_WAIT_FINISHED));
        /* 0-RTT records we cannot (and will not) read are skipped... */
        feed_junk_records(s, 10, 1000);
        CHECK_ERR(ltls_conn_handshake(s), LTLS_R_WANT_READ);
        CHECK(ltls_conn_error(s) == LTLS_OK);
        /* ...up to a bound. */
        feed_junk_records(s, 100, 1000);
        ltls_err_t e = ltls_conn_handshake(s);
        CHECK(e == ltls_err_make(hrr ? LTLS_R_RECORD_BAD_TYPE : LTLS_R_BAD_RECORD_MAC));
        prov->kex_free(kex);
        ltls_conn_free(s);
        ltls_context_unref(ctx);
    }
}

/* ------------------------------------------------------------------------
 * Crafted HelloRetryRequests (a fake server: they are plaintext)
 * ---------------------------------------------------------------------- */

/* A HelloRetryRequest record answering the client's hello in `ch`
 * (its first record). group 0: no key_share; cookie: add one. */
static size_t craft_hrr(uint8_t *rec, size_t cap, const uint8_t *ch, uint16_t group, int cookie,
                        uint16_t suite)
{
    static const uint8_t ck[] = {1, 2, 3};
    ltls_server_hello_t hrr;
    memset(&hrr, 0, sizeof(hrr));
    hrr.legacy_version = 0x0303;
    hrr.is_hrr = 1;
    hrr.session_id_echo.p = ch + 44; /* 5 + 4 + 2 + 32 + 1 */
    hrr.session_id_echo.len = ch[43];
    hrr.cipher_suite = suite;
    ltls_ext_set_init(&hrr.exts, LTLS_EXT_CTX_HRR);
    hrr.exts.selected_version = 0x0304;
    ltls_ext_add(&hrr.exts, LTLS_EXT_SUPPORTED_VERSIONS);
    if (group) {
        hrr.exts.key_share.selected_group = group;
        ltls_ext_add(&hrr.exts, LTLS_EXT_KEY_SHARE);
    }
    if (cookie) {
        hrr.exts.cookie.p = ck;
        hrr.exts.cookie.len = sizeof(ck);
        ltls_ext_add(&hrr.exts, LTLS_EXT_COOKIE);
    }
    ltls_writer_t w;
    size_t n;
    ltls_writer_init(&w, rec + 5, cap - 5);
    ltls_msg_write_server_hello(&w, &hrr);
    if (ltls_writer_finish(&w, &n))
        abort();
    rec[0] = 22;
    rec[1] = 3;
    rec[2] = 3;
    rec[3] = (uint8_t)(n >> 8);
    rec[4] = (uint8_t)n;
    return n + 5;
}

static void hrr_case(uint16_t group, int cookie, uint16_t suite, int twice, ltls_reason_t reason)
{
    ltls_config_t cc = fx_client_config();
    const ltls_group_t *cg[] = {&ltls_group_x25519, &ltls_group_secp256r1};
    cc.groups = cg;
    cc.group_count = 2;
    ltls_context_t *ctx;
    ltls_conn_t *c;
    CHECK_OK(ltls_client_context_new(&cc, &ctx));
    CHECK_OK(ltls_conn_new(ctx, "localhost", &c));
    CHECK_ERR(ltls_conn_handshake(c), LTLS_R_WANT_READ);
    size_t len, used;
    const uint8_t *ch = ltls_conn_outgoing(c, &len);
    uint8_t rec[512];
    size_t n = craft_hrr(rec, sizeof(rec), ch, group, cookie, suite);
    ltls_conn_outgoing_consume(c, len);
    CHECK_OK(ltls_conn_feed(c, rec, n, &used));
    ltls_err_t e = ltls_conn_handshake(c);
    if (twice) {
        CHECK_ERR(e, LTLS_R_WANT_READ);
        ch = ltls_conn_outgoing(c, &len);
        /* the second hello: CCS first (§D.4), then the hello with the cookie */
        CHECK(ch[0] == 20 && ch[6] == 22);
        CHECK_OK(ltls_conn_feed(c, rec, n, &used));
        e = ltls_conn_handshake(c);
    }
    CHECK_ERR(e, reason);
    printf("# %s: %s\n", ltls_err_reason_name(e), ltls_conn_error_detail(c));
    /* no keys yet: the alert goes out in the clear */
    const uint8_t *out = ltls_conn_outgoing(c, &len);
    CHECK(len >= 7 && out[len - 7] == 21 && out[len - 1] == ltls_err_alert(e));
    ltls_conn_free(c);
    ltls_context_unref(ctx);
}

TEST(crafted_hello_retry_requests)
{
    /* §4.2.8: a group we already sent a share for, or never offered */
    hrr_case(0x001d, 0, 0x1301, 0, LTLS_R_BAD_GROUP);
    hrr_case(0x0019, 0, 0x1301, 0, LTLS_R_BAD_GROUP);
    /* §4.1.4: nothing would change */
    hrr_case(0, 0, 0x1301, 0, LTLS_R_HRR_NO_CHANGE);
    /* §4.1.4: a suite we did not offer */
    hrr_case(0x0017, 0, 0x1304, 0, LTLS_R_BAD_CIPHER_SUITE);
    /* §4.1.4: a second HelloRetryRequest is unexpected (the table says so) */
    hrr_case(0x0017, 1, 0x1301, 1, LTLS_R_UNEXPECTED_MESSAGE);
}

/* EncryptedExtensions answering what we did not ask (§4.2), or naming an
 * ALPN protocol we did not offer (RFC 7301). */
static void edit_ee_alpn_h3(msgs_t *m)
{
    static const uint8_t ee[] = {8, 0, 0, 11, 0, 9, 0, 16, 0, 5, 0, 3, 2, 'h', '3'};
    memcpy(m->data[0], ee, sizeof(ee));
    m->len[0] = sizeof(ee);
}

static void ee_case(int client_alpn, ltls_reason_t reason, uint8_t alert)
{
    fx_keylog_t kl;
    memset(&kl, 0, sizeof(kl));
    const char *alpn[] = {"h2"};
    ltls_config_t cc = fx_client_config(), sc = fx_server_config(FX_P256);
    if (client_alpn) {
        cc.alpn = alpn;
        cc.alpn_count = 1;
    }
    const ltls_suite_t *suite = &ltls_suite_aes128gcm_sha256;
    sc.suites = &suite;
    sc.suite_count = 1;
    sc.keylog = fx_keylog_cb;
    sc.keylog_user = &kl;
    fx_pair_t p;
    CHECK_OK(fx_pair_new(&p, &cc, &sc, "localhost"));
    ltls_err_t se, ce = tamper(&p, edit_ee_alpn_h3, &se);
    CHECK_ERR(ce, reason);
    CHECK(ltls_err_alert(ce) == alert);
    CHECK(ltls_err_class(se) == LTLS_ECLASS_PEER_ALERT && ltls_err_alert(se) == alert);
    printf("# %s: %s\n", ltls_err_reason_name(ce), ltls_conn_error_detail(p.c));
    fx_pair_free(&p);
}

TEST(encrypted_extensions_checks)
{
    ee_case(0, LTLS_R_EXT_UNSOLICITED, LTLS_ALERT_UNSUPPORTED_EXTENSION);
    ee_case(1, LTLS_R_BAD_ALPN, LTLS_ALERT_ILLEGAL_PARAMETER);
}

int main(void)
{
    fx_setup();
    RUN(default_handshake_and_queries);
    RUN(every_suite_group_and_scheme);
    RUN(hello_retry_request);
    RUN(usable_share_avoids_hello_retry);
    RUN(hello_retry_when_no_share_is_usable);
    RUN(hrr_cookie_is_authenticated);
    RUN(alpn);
    RUN(client_auth_modes);
    RUN(client_certificate_untrusted);
    RUN(chain_by_sni);
    RUN(chain_by_signature_algorithms);
    RUN(wrong_hostname);
    RUN(untrusted_root);
    RUN(expired_certificate);
    RUN(insecure_client);
    RUN(tamper_harness_is_transparent);
    RUN(unexpected_message);
    RUN(duplicated_message);
    RUN(bad_finished);
    RUN(bad_certificate_verify);
    RUN(downgrade_sentinel);
    RUN(server_hello_checks);
    RUN(unsupported_version);
    RUN(key_log);
    RUN(exporter);
    RUN(misuse);
    RUN(rejected_early_data_is_skipped);
    RUN(crafted_hello_retry_requests);
    RUN(encrypted_extensions_checks);
    fx_teardown();
    return test_done();
}
