/*
 * x509/certwrite.c - builds and signs X.509 v3 certificates (RFC 5280 §4.1).
 *
 * Theory of operation. DER's length octets depend on the length of what
 * follows, so a writer that appends front to back cannot know them in
 * advance. Each constructed element is therefore opened with a one-octet
 * length placeholder and, when closed, widened in place: the contents are
 * moved right by the octets the long form needs and the length written in
 * front. Because the writer keeps counting past its capacity, a pass over a
 * NULL buffer measures the exact size, and a second pass into a buffer of
 * that size writes it; the TBSCertificate is written that way, signed, and
 * then wrapped the same way with the signature.
 *
 * Everything random (the serial) and everything derived from the keys (the
 * SubjectPublicKeyInfo, the key identifiers) is computed once before the
 * two passes, so both passes write the same bytes.
 */
#include "x509/certwrite.h"

#include <string.h>

#include "core/mem.h"
#include "core/reader.h"
#include "core/writer.h"
#include "crypto/keyfile/keyfile.h"
#include "x509/cert.h"
#include "x509/der.h"
#include "x509/name.h"

/* One-octet identifiers of the tags written here. */
enum {
    T_BOOLEAN = 0x01, T_INTEGER = 0x02, T_BIT_STRING = 0x03, T_OCTET_STRING = 0x04,
    T_NULL = 0x05, T_OID = 0x06, T_UTF8 = 0x0c, T_UTC_TIME = 0x17, T_GEN_TIME = 0x18,
    T_SEQUENCE = 0x30, T_SET = 0x31,
    T_CTX0_CONS = 0xa0, T_CTX1_CONS = 0xa1, T_CTX2_CONS = 0xa2, T_CTX3_CONS = 0xa3,
    T_CTX4_CONS = 0xa4, T_CTX0 = 0x80, T_CTX2 = 0x82, T_CTX7 = 0x87
};

/* OIDs as their contents octets. */
#define O(name, lit) static const ltls_der_oid_t name = LTLS_DER_OID_LIT(lit)
O(oid_cn, "\x55\x04\x03");
O(oid_org, "\x55\x04\x0a");
O(oid_ecdsa_sha256, "\x2a\x86\x48\xce\x3d\x04\x03\x02");
O(oid_ecdsa_sha384, "\x2a\x86\x48\xce\x3d\x04\x03\x03");
O(oid_ecdsa_sha512, "\x2a\x86\x48\xce\x3d\x04\x03\x04");
O(oid_rsassa_pss, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0a");
O(oid_mgf1, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x08");
O(oid_sha256, "\x60\x86\x48\x01\x65\x03\x04\x02\x01");
O(oid_ext_ski, "\x55\x1d\x0e");
O(oid_ext_ku, "\x55\x1d\x0f");
O(oid_ext_san, "\x55\x1d\x11");
O(oid_ext_bc, "\x55\x1d\x13");
O(oid_ext_nc, "\x55\x1d\x1e");
O(oid_ext_aki, "\x55\x1d\x23");
O(oid_ext_eku, "\x55\x1d\x25");
O(oid_kp_server_auth, "\x2b\x06\x01\x05\x05\x07\x03\x01");
O(oid_kp_client_auth, "\x2b\x06\x01\x05\x05\x07\x03\x02");
#undef O

/* RFC 7093 §2 method 1: the leftmost 160 bits of SHA-256 of the key, which
 * keeps the traditional 20-octet size without SHA-1. */
#define KEY_ID_SIZE 20

/* ---------------------------------------------------------------------------
 * DER on top of ltls_writer_t
 * ------------------------------------------------------------------------- */

static size_t der_open(ltls_writer_t *w, uint8_t tag)
{
    size_t at = w->len;
    ltls_writer_u8(w, tag);
    ltls_writer_u8(w, 0); /* short-form placeholder, widened by der_close */
    return at;
}

static void der_close(ltls_writer_t *w, size_t at)
{
    size_t body_at = at + 2, body = w->len - body_at;
    size_t extra = body < 0x80 ? 0 : body <= 0xff ? 1 : body <= 0xffff ? 2 : 3;
    if (extra)
        (void)ltls_writer_reserve(w, extra); /* counts even when it cannot store */
    if (w->err)
        return; /* measuring, or out of room: the bytes are never used */
    uint8_t *p = w->buf + at + 1;
    if (extra) {
        memmove(p + 1 + extra, p + 1, body);
        p[0] = (uint8_t)(0x80 | extra);
        for (size_t i = 0; i < extra; i++)
            p[1 + i] = (uint8_t)(body >> (8 * (extra - 1 - i)));
    } else {
        p[0] = (uint8_t)body;
    }
}

static void der_prim(ltls_writer_t *w, uint8_t tag, const uint8_t *p, size_t n)
{
    size_t at = der_open(w, tag);
    ltls_writer_bytes(w, p, n);
    der_close(w, at);
}

static void der_oid(ltls_writer_t *w, const ltls_der_oid_t *oid)
{
    der_prim(w, T_OID, oid->p, oid->len);
}

/* An INTEGER from an unsigned big-endian magnitude: leading zero octets
 * dropped, one 0x00 put back when the top bit would make it negative. */
static void der_uint(ltls_writer_t *w, uint8_t tag, const uint8_t *p, size_t n)
{
    while (n > 1 && p[0] == 0) {
        p++;
        n--;
    }
    size_t at = der_open(w, tag);
    if (n == 0 || (p[0] & 0x80))
        ltls_writer_u8(w, 0);
    ltls_writer_bytes(w, p, n);
    der_close(w, at);
}

static void der_small_uint(ltls_writer_t *w, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    der_uint(w, T_INTEGER, b, sizeof b);
}

static void der_bits(ltls_writer_t *w, const uint8_t *p, size_t n) /* whole octets */
{
    size_t at = der_open(w, T_BIT_STRING);
    ltls_writer_u8(w, 0);
    ltls_writer_bytes(w, p, n);
    der_close(w, at);
}

static void der_str(ltls_writer_t *w, uint8_t tag, const char *s)
{
    der_prim(w, tag, (const uint8_t *)s, strlen(s));
}

/* ---------------------------------------------------------------------------
 * Time
 * ------------------------------------------------------------------------- */

static int is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* UTCTime for 1950..2049 and GeneralizedTime otherwise, as RFC 5280
 * §4.1.2.5 requires; the year is stepped one at a time, which is plenty
 * fast for two dates and obviously right. */
static ltls_err_t civil(int64_t t, int *year, int *mon, int *day, int *hh, int *mm, int *ss)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t days = t / 86400, rem = t % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    int64_t y = 1970;
    while (days < 0) {
        y--;
        days += is_leap(y) ? 366 : 365;
        if (y < 1)
            return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    }
    while (days >= (is_leap(y) ? 366 : 365)) {
        days -= is_leap(y) ? 366 : 365;
        y++;
        if (y > 9999)
            return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    }
    int m = 0;
    for (;; m++) {
        int len = mdays[m] + (m == 1 && is_leap(y));
        if (days < len)
            break;
        days -= len;
    }
    *year = (int)y;
    *mon = m + 1;
    *day = (int)days + 1;
    *hh = (int)(rem / 3600);
    *mm = (int)(rem / 60 % 60);
    *ss = (int)(rem % 60);
    return LTLS_OK;
}

static void put_digits(char *p, int v, int n)
{
    for (int i = n - 1; i >= 0; i--, v /= 10)
        p[i] = (char)('0' + v % 10);
}

typedef struct {
    uint8_t tag;
    char text[16];
    size_t len;
} der_time_t;

static ltls_err_t encode_time(int64_t t, der_time_t *out)
{
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    ltls_err_t err = civil(t, &y, &mo, &d, &h, &mi, &s);
    if (err)
        return err;
    char *p = out->text;
    if (y >= 1950 && y <= 2049) {
        out->tag = T_UTC_TIME;
        put_digits(p, y % 100, 2);
        p += 2;
    } else {
        out->tag = T_GEN_TIME;
        put_digits(p, y, 4);
        p += 4;
    }
    put_digits(p, mo, 2);
    put_digits(p + 2, d, 2);
    put_digits(p + 4, h, 2);
    put_digits(p + 6, mi, 2);
    put_digits(p + 8, s, 2);
    p[10] = 'Z';
    out->len = (size_t)(p + 11 - out->text);
    return LTLS_OK;
}

/* ---------------------------------------------------------------------------
 * Keys and signature algorithms
 * ------------------------------------------------------------------------- */

static const ltls_sigscheme_t *signing_scheme(const ltls_key_t *key, const ltls_der_oid_t **oid)
{
    switch (ltls_key_type(key)) {
    case LTLS_KEY_EC:
        switch (ltls_key_curve(key)) {
        case 0x0017: *oid = &oid_ecdsa_sha256; return &ltls_sig_ecdsa_secp256r1_sha256;
        case 0x0018: *oid = &oid_ecdsa_sha384; return &ltls_sig_ecdsa_secp384r1_sha384;
        case 0x0019: *oid = &oid_ecdsa_sha512; return &ltls_sig_ecdsa_secp521r1_sha512;
        default: return NULL;
        }
    case LTLS_KEY_ED25519: *oid = &ltls_oid_ed25519; return &ltls_sig_ed25519;
    case LTLS_KEY_ED448: *oid = &ltls_oid_ed448; return &ltls_sig_ed448;
    case LTLS_KEY_RSA: *oid = &oid_rsassa_pss; return &ltls_sig_rsa_pss_rsae_sha256;
    default: return NULL;
    }
}

/* AlgorithmIdentifier of the signature. ECDSA and EdDSA have absent
 * parameters (RFC 5758 §3.2, RFC 8410 §3); PSS spells out SHA-256, MGF1
 * with SHA-256 and a 32-octet salt (RFC 4055 §3.1), with the NULL hash
 * parameters most verifiers expect. */
static void write_sig_alg(ltls_writer_t *w, const ltls_der_oid_t *oid)
{
    size_t seq = der_open(w, T_SEQUENCE);
    der_oid(w, oid);
    if (oid == &oid_rsassa_pss) {
        size_t params = der_open(w, T_SEQUENCE);
        size_t h = der_open(w, T_CTX0_CONS), ha = der_open(w, T_SEQUENCE);
        der_oid(w, &oid_sha256);
        der_prim(w, T_NULL, NULL, 0);
        der_close(w, ha);
        der_close(w, h);
        size_t m = der_open(w, T_CTX1_CONS), ma = der_open(w, T_SEQUENCE);
        der_oid(w, &oid_mgf1);
        size_t mh = der_open(w, T_SEQUENCE);
        der_oid(w, &oid_sha256);
        der_prim(w, T_NULL, NULL, 0);
        der_close(w, mh);
        der_close(w, ma);
        der_close(w, m);
        size_t s = der_open(w, T_CTX2_CONS);
        der_small_uint(w, 32);
        der_close(w, s);
        der_close(w, params);
    }
    der_close(w, seq);
}

/* The subjectPublicKey BIT STRING contents (RFC 5480, RFC 8410, RFC 3279). */
static void write_key_bits(ltls_writer_t *w, const ltls_pubkey_info_t *k)
{
    if (k->type == LTLS_KEY_RSA) {
        size_t seq = der_open(w, T_SEQUENCE);
        der_uint(w, T_INTEGER, k->n, k->n_size);
        der_uint(w, T_INTEGER, k->e, k->e_size);
        der_close(w, seq);
    } else {
        ltls_writer_bytes(w, k->point, k->point_size);
    }
}

static void write_spki(ltls_writer_t *w, const ltls_pubkey_info_t *k, const uint8_t *bits,
                       size_t bits_len)
{
    size_t seq = der_open(w, T_SEQUENCE), alg = der_open(w, T_SEQUENCE);
    switch (k->type) {
    case LTLS_KEY_RSA:
        der_oid(w, &ltls_oid_rsa_encryption);
        der_prim(w, T_NULL, NULL, 0);
        break;
    case LTLS_KEY_EC:
        der_oid(w, &ltls_oid_ec_public_key);
        der_oid(w, k->curve == 0x0017   ? &ltls_oid_secp256r1
                   : k->curve == 0x0018 ? &ltls_oid_secp384r1
                                        : &ltls_oid_secp521r1);
        break;
    case LTLS_KEY_ED25519: der_oid(w, &ltls_oid_ed25519); break;
    default: der_oid(w, &ltls_oid_ed448); break;
    }
    der_close(w, alg);
    der_bits(w, bits, bits_len);
    der_close(w, seq);
}

/* The subjectPublicKey bits of a key, in an allocated buffer. */
static ltls_err_t key_bits(const ltls_key_t *key, const ltls_allocator_t *alloc, uint8_t **out,
                           size_t *out_len)
{
    uint8_t buf[LTLS_PUBKEY_EXPORT_MAX];
    ltls_pubkey_info_t info;
    ltls_err_t err = ltls_key_public_info(key, &info, buf, sizeof buf);
    if (err)
        return err;
    if (info.type == LTLS_KEY_EC && info.curve != 0x0017 && info.curve != 0x0018 &&
        info.curve != 0x0019)
        return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
    ltls_writer_t w;
    ltls_writer_init(&w, NULL, 0);
    write_key_bits(&w, &info);
    size_t n = w.len;
    uint8_t *p = ltls_alloc(alloc, n ? n : 1);
    if (!p)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    ltls_writer_init(&w, p, n);
    write_key_bits(&w, &info);
    if ((err = ltls_writer_finish(&w, NULL))) {
        ltls_free(alloc, p, n);
        return err;
    }
    *out = p;
    *out_len = n;
    return LTLS_OK;
}

static ltls_err_t key_id(const ltls_provider_t *p, const uint8_t *bits, size_t len,
                         uint8_t id[KEY_ID_SIZE])
{
    uint8_t digest[LTLS_HASH_MAX_SIZE];
    ltls_hash_ctx_t *h = NULL;
    ltls_err_t err = p->hash_new(p->impl, &ltls_hash_sha256, &h);
    if (!err)
        err = p->hash_update(h, bits, len);
    if (!err)
        err = p->hash_final(h, digest);
    p->hash_free(h);
    if (!err)
        memcpy(id, digest, KEY_ID_SIZE);
    return err;
}

/* ---------------------------------------------------------------------------
 * TBSCertificate
 * ------------------------------------------------------------------------- */

typedef struct {
    const ltls_certwrite_spec_t *spec;
    uint8_t serial[20];
    size_t serial_len;
    der_time_t not_before, not_after;
    const ltls_der_oid_t *sig_oid;
    const uint8_t *issuer_name; /* NULL: the subject (self-signed) */
    size_t issuer_name_len;
    const ltls_pubkey_info_t *key; /* the subject's, views into key_buf */
    const uint8_t *bits;
    size_t bits_len;
    uint8_t ski[KEY_ID_SIZE];
    const uint8_t *aki;
    size_t aki_len;
    uint16_t key_usage;
} tbs_t;

/* 1 if the subject Name written for s holds no RDN. */
static int subject_empty(const ltls_certwrite_spec_t *s)
{
    if (s->subject_der) {
        ltls_x509_span_t name = {s->subject_der, s->subject_der_len};
        return ltls_x509_name_is_empty(name);
    }
    return !s->common_name && !s->organization;
}

static void write_name(ltls_writer_t *w, const ltls_certwrite_spec_t *s)
{
    if (s->subject_der) { /* checked to be one Name by check_spec */
        ltls_writer_bytes(w, s->subject_der, s->subject_der_len);
        return;
    }
    size_t seq = der_open(w, T_SEQUENCE);
    /* Most significant first, so that RFC 4514 text reads "CN=..., O=...". */
    const ltls_der_oid_t *oids[2] = {&oid_org, &oid_cn};
    const char *vals[2] = {s->organization, s->common_name};
    for (int i = 0; i < 2; i++) {
        if (!vals[i])
            continue;
        size_t set = der_open(w, T_SET), atv = der_open(w, T_SEQUENCE);
        der_oid(w, oids[i]);
        der_str(w, T_UTF8, vals[i]);
        der_close(w, atv);
        der_close(w, set);
    }
    der_close(w, seq);
}

/* Opens Extension { extnID, critical (only when TRUE: DER omits the
 * DEFAULT), extnValue OCTET STRING { ... } }; closed by ext_close. */
typedef struct {
    size_t seq, val;
} ext_t;

static ext_t ext_open(ltls_writer_t *w, const ltls_der_oid_t *oid, int critical)
{
    ext_t e;
    e.seq = der_open(w, T_SEQUENCE);
    der_oid(w, oid);
    if (critical) {
        static const uint8_t t = 0xff;
        der_prim(w, T_BOOLEAN, &t, 1);
    }
    e.val = der_open(w, T_OCTET_STRING);
    return e;
}

static void ext_close(ltls_writer_t *w, ext_t e)
{
    der_close(w, e.val);
    der_close(w, e.seq);
}

/* A named BIT STRING (RFC 5280's KeyUsage): bit n is 1u << n, and DER drops
 * trailing zero bits (X.690 §11.2.2). */
static void der_named_bits(ltls_writer_t *w, uint16_t v)
{
    int top = 15;
    while (top > 0 && !(v & (1u << top)))
        top--;
    uint8_t oct[2] = {0, 0};
    for (int i = 0; i <= top; i++)
        if (v & (1u << i))
            oct[i / 8] |= (uint8_t)(0x80 >> (i % 8));
    size_t at = der_open(w, T_BIT_STRING);
    ltls_writer_u8(w, (uint8_t)(7 - top % 8));
    ltls_writer_bytes(w, oct, (size_t)top / 8 + 1);
    der_close(w, at);
}

/* GeneralSubtrees (RFC 5280 §4.2.1.10) under the IMPLICIT tag of its
 * NameConstraints field: each GeneralSubtree holds only its base (minimum
 * is DEFAULT 0 and so not encoded, maximum MUST be absent). The GeneralName
 * forms are IMPLICIT context tags of the string or OCTET STRING, except
 * directoryName, which is EXPLICIT because Name is a CHOICE (X.680 §31.2.7):
 * [4] wraps the Name's whole SEQUENCE. */
static void write_subtrees(ltls_writer_t *w, uint8_t tag, const ltls_certwrite_subtree_t *st,
                           size_t n)
{
    if (!n)
        return;
    size_t list = der_open(w, tag);
    for (size_t i = 0; i < n; i++) {
        size_t sub = der_open(w, T_SEQUENCE);
        if (st[i].type == LTLS_X509_GN_DIRECTORY) {
            size_t dn = der_open(w, T_CTX4_CONS);
            ltls_writer_bytes(w, st[i].value, st[i].len);
            der_close(w, dn);
        } else {
            der_prim(w, (uint8_t)(T_CTX0 | st[i].type), st[i].value, st[i].len);
        }
        der_close(w, sub);
    }
    der_close(w, list);
}

static void write_extensions(ltls_writer_t *w, const tbs_t *t)
{
    const ltls_certwrite_spec_t *s = t->spec;
    size_t outer = der_open(w, T_CTX3_CONS), seq = der_open(w, T_SEQUENCE);

    ext_t e = ext_open(w, &oid_ext_bc, 1);
    size_t bc = der_open(w, T_SEQUENCE);
    if (s->is_ca) {
        static const uint8_t t_true = 0xff;
        der_prim(w, T_BOOLEAN, &t_true, 1);
        if (s->path_len >= 0)
            der_small_uint(w, (uint32_t)s->path_len);
    }
    der_close(w, bc);
    ext_close(w, e);

    e = ext_open(w, &oid_ext_ku, 1);
    der_named_bits(w, t->key_usage);
    ext_close(w, e);

    if (s->eku) {
        e = ext_open(w, &oid_ext_eku, 0);
        size_t l = der_open(w, T_SEQUENCE);
        if (s->eku & LTLS_X509_EKU_SERVER_AUTH)
            der_oid(w, &oid_kp_server_auth);
        if (s->eku & LTLS_X509_EKU_CLIENT_AUTH)
            der_oid(w, &oid_kp_client_auth);
        der_close(w, l);
        ext_close(w, e);
    }

    if (s->dns_count || s->ip_count) {
        /* RFC 5280 §4.2.1.6: critical when the subject is empty. */
        e = ext_open(w, &oid_ext_san, subject_empty(s));
        size_t l = der_open(w, T_SEQUENCE);
        for (size_t i = 0; i < s->dns_count; i++)
            der_str(w, T_CTX2, s->dns_names[i]);
        for (size_t i = 0; i < s->ip_count; i++)
            der_prim(w, T_CTX7, s->ips[i].addr, s->ips[i].len);
        der_close(w, l);
        ext_close(w, e);
    }

    if (s->nc_permitted_count || s->nc_excluded_count) {
        e = ext_open(w, &oid_ext_nc, s->nc_critical);
        size_t nc = der_open(w, T_SEQUENCE);
        write_subtrees(w, T_CTX0_CONS, s->nc_permitted, s->nc_permitted_count);
        write_subtrees(w, T_CTX1_CONS, s->nc_excluded, s->nc_excluded_count);
        der_close(w, nc);
        ext_close(w, e);
    }

    e = ext_open(w, &oid_ext_ski, 0);
    der_prim(w, T_OCTET_STRING, t->ski, sizeof t->ski);
    ext_close(w, e);

    /* A self-signed certificate may omit the AKI (§4.2.1.1), but writing
     * it costs nothing and helps path builders that key on it. */
    e = ext_open(w, &oid_ext_aki, 0);
    size_t aki = der_open(w, T_SEQUENCE);
    der_prim(w, T_CTX0, t->aki, t->aki_len);
    der_close(w, aki);
    ext_close(w, e);

    der_close(w, seq);
    der_close(w, outer);
}

static void write_tbs(ltls_writer_t *w, const tbs_t *t)
{
    size_t seq = der_open(w, T_SEQUENCE);
    size_t ver = der_open(w, T_CTX0_CONS);
    der_small_uint(w, 2); /* v3 */
    der_close(w, ver);
    der_uint(w, T_INTEGER, t->serial, t->serial_len);
    write_sig_alg(w, t->sig_oid);
    if (t->issuer_name)
        ltls_writer_bytes(w, t->issuer_name, t->issuer_name_len);
    else
        write_name(w, t->spec);
    size_t val = der_open(w, T_SEQUENCE);
    der_prim(w, t->not_before.tag, (const uint8_t *)t->not_before.text, t->not_before.len);
    der_prim(w, t->not_after.tag, (const uint8_t *)t->not_after.text, t->not_after.len);
    der_close(w, val);
    write_name(w, t->spec);
    write_spki(w, t->key, t->bits, t->bits_len);
    write_extensions(w, t);
    der_close(w, seq);
}

/* Writes into a fresh buffer of exactly the measured size. */
static ltls_err_t write_twice(const ltls_allocator_t *alloc, void (*fn)(ltls_writer_t *, const void *),
                              const void *arg, uint8_t **out, size_t *out_len)
{
    ltls_writer_t w;
    ltls_writer_init(&w, NULL, 0);
    fn(&w, arg);
    size_t n = w.len;
    if (w.err && ltls_err_reason(w.err) != LTLS_R_BUFFER_TOO_SMALL)
        return w.err;
    uint8_t *p = ltls_alloc(alloc, n);
    if (!p)
        return ltls_err_make(LTLS_R_OUT_OF_MEMORY);
    ltls_writer_init(&w, p, n);
    fn(&w, arg);
    ltls_err_t err = ltls_writer_finish(&w, &n);
    if (err) {
        ltls_free(alloc, p, n);
        return err;
    }
    *out = p;
    *out_len = n;
    return LTLS_OK;
}

static void tbs_fn(ltls_writer_t *w, const void *arg) { write_tbs(w, arg); }

typedef struct {
    const uint8_t *tbs;
    size_t tbs_len;
    const ltls_der_oid_t *sig_oid;
    const uint8_t *sig;
    size_t sig_len;
} cert_parts_t;

static void cert_fn(ltls_writer_t *w, const void *arg)
{
    const cert_parts_t *c = arg;
    size_t seq = der_open(w, T_SEQUENCE);
    ltls_writer_bytes(w, c->tbs, c->tbs_len);
    write_sig_alg(w, c->sig_oid);
    der_bits(w, c->sig, c->sig_len);
    der_close(w, seq);
}

/* ---------------------------------------------------------------------------
 * The entry point
 * ------------------------------------------------------------------------- */

/* 1 if p[0..len) is exactly one well-formed DER Name. The decoder walks
 * the same structure, so what passes here parses back. */
static int is_one_name(const uint8_t *p, size_t len)
{
    ltls_reader_t r;
    ltls_x509_span_t name;
    ltls_reader_init(&r, p, len);
    return ltls_x509_name_read(&r, &name) == LTLS_OK && ltls_reader_left(&r) == 0;
}

/* One subtree of nameConstraints: a form this writer encodes and a value
 * that the encoding can carry (IA5String text, an address and mask, a
 * Name). Whether the value makes sense as a constraint (a valid DNS name,
 * a contiguous mask) is the verifier's business: tests write bad ones. */
static ltls_err_t check_subtrees(const ltls_certwrite_subtree_t *st, size_t n)
{
    if (n && !st)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    for (size_t i = 0; i < n; i++) {
        if (st[i].len && !st[i].value)
            return ltls_err_make(LTLS_R_NULL_ARGUMENT);
        switch (st[i].type) {
        case LTLS_X509_GN_DNS:
        case LTLS_X509_GN_RFC822:
        case LTLS_X509_GN_URI:
            for (size_t k = 0; k < st[i].len; k++)
                if (st[i].value[k] & 0x80)
                    return ltls_err_make(LTLS_R_BAD_ARGUMENT); /* IA5String is ASCII */
            break;
        case LTLS_X509_GN_IP:
            /* §4.2.1.10: address and mask, 8 octets for IPv4, 32 for IPv6. */
            if (st[i].len != 8 && st[i].len != 32)
                return ltls_err_make(LTLS_R_BAD_ARGUMENT);
            break;
        case LTLS_X509_GN_DIRECTORY:
            if (!is_one_name(st[i].value, st[i].len))
                return ltls_err_make(LTLS_R_BAD_ARGUMENT);
            break;
        default:
            return ltls_err_make(LTLS_R_BAD_ARGUMENT);
        }
    }
    return LTLS_OK;
}

static ltls_err_t check_spec(const ltls_certwrite_spec_t *s)
{
    if ((s->serial && (s->serial_len < 1 || s->serial_len > 20)) || (!s->is_ca && s->path_len > 0))
        return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    if (s->serial) {
        size_t i = 0;
        while (i < s->serial_len && !s->serial[i])
            i++;
        if (i == s->serial_len)
            return ltls_err_make(LTLS_R_BAD_ARGUMENT); /* RFC 5280 §4.1.2.2: positive */
    }
    if ((s->dns_count && !s->dns_names) || (s->ip_count && !s->ips))
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    for (size_t i = 0; i < s->dns_count; i++)
        if (!s->dns_names[i] || !*s->dns_names[i])
            return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    for (size_t i = 0; i < s->ip_count; i++)
        if (s->ips[i].len != 4 && s->ips[i].len != 16)
            return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    if (s->subject_der_len && !s->subject_der)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if (s->subject_der && (s->common_name || s->organization ||
                           !is_one_name(s->subject_der, s->subject_der_len)))
        return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    if (subject_empty(s) && !s->dns_count && !s->ip_count)
        return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    ltls_err_t err = check_subtrees(s->nc_permitted, s->nc_permitted_count);
    if (!err)
        err = check_subtrees(s->nc_excluded, s->nc_excluded_count);
    return err;
}

ltls_err_t ltls_certwrite(const ltls_certwrite_spec_t *spec, const ltls_key_t *subject_key,
                          const ltls_cert_t *issuer, const ltls_key_t *issuer_key,
                          const ltls_allocator_t *alloc, uint8_t **der, size_t *der_len)
{
    if (!spec || !subject_key || !der || !der_len)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    if (!issuer != !issuer_key)
        return ltls_err_make(LTLS_R_BAD_ARGUMENT);
    ltls_err_t err = check_spec(spec);
    if (err)
        return err;
    const ltls_key_t *signer = issuer_key ? issuer_key : subject_key;
    const ltls_provider_t *sp = ltls_key_provider(signer);
    tbs_t t;
    memset(&t, 0, sizeof t);
    t.spec = spec;
    const ltls_sigscheme_t *scheme = signing_scheme(signer, &t.sig_oid);
    if (!scheme)
        return ltls_err_make(LTLS_R_UNSUPPORTED_ALGORITHM);
    if ((err = encode_time(spec->not_before, &t.not_before)) ||
        (err = encode_time(spec->not_after, &t.not_after)))
        return err;
    t.key_usage = spec->key_usage ? spec->key_usage
                  : spec->is_ca   ? (uint16_t)(LTLS_X509_KU_DIGITAL_SIGNATURE |
                                             LTLS_X509_KU_KEY_CERT_SIGN | LTLS_X509_KU_CRL_SIGN)
                                  : (uint16_t)LTLS_X509_KU_DIGITAL_SIGNATURE;

    if (spec->serial) {
        memcpy(t.serial, spec->serial, spec->serial_len);
        t.serial_len = spec->serial_len;
    } else {
        t.serial_len = 16;
        if ((err = sp->random(sp->impl, t.serial, t.serial_len)))
            return err;
        /* Positive, and never zero in its top octet, so no padding octet. */
        t.serial[0] = (uint8_t)((t.serial[0] & 0x7f) | 0x40);
    }

    uint8_t key_buf[LTLS_PUBKEY_EXPORT_MAX];
    ltls_pubkey_info_t key_info;
    uint8_t *bits = NULL, *issuer_bits = NULL, *tbs = NULL, *cert = NULL;
    size_t bits_len = 0, issuer_bits_len = 0, tbs_len = 0, cert_len = 0;
    uint8_t aki[KEY_ID_SIZE];

    if ((err = ltls_key_public_info(subject_key, &key_info, key_buf, sizeof key_buf)) ||
        (err = key_bits(subject_key, alloc, &bits, &bits_len)))
        goto out;
    t.key = &key_info;
    t.bits = bits;
    t.bits_len = bits_len;
    if ((err = key_id(sp, bits, bits_len, t.ski)))
        goto out;
    if (issuer) {
        /* Signing with a key that is not the issuer's would make a
         * certificate no verifier accepts; say so here instead. */
        if ((err = key_bits(issuer_key, alloc, &issuer_bits, &issuer_bits_len)))
            goto out;
        if (issuer_bits_len != issuer->key_bits.len ||
            memcmp(issuer_bits, issuer->key_bits.p, issuer_bits_len) != 0) {
            err = ltls_err_make(LTLS_R_BAD_ARGUMENT);
            goto out;
        }
        t.issuer_name = issuer->subject.p;
        t.issuer_name_len = issuer->subject.len;
        if (issuer->ski.p) {
            t.aki = issuer->ski.p;
            t.aki_len = issuer->ski.len;
        } else {
            if ((err = key_id(sp, issuer_bits, issuer_bits_len, aki)))
                goto out;
            t.aki = aki;
            t.aki_len = sizeof aki;
        }
    } else {
        t.aki = t.ski;
        t.aki_len = sizeof t.ski;
    }

    if ((err = write_twice(alloc, tbs_fn, &t, &tbs, &tbs_len)))
        goto out;
    uint8_t sig[LTLS_SIG_MAX_SIZE];
    size_t sig_len = sizeof sig;
    if ((err = sp->sign(ltls_key_handle(signer), scheme, tbs, tbs_len, sig, &sig_len)))
        goto out;
    cert_parts_t parts = {tbs, tbs_len, t.sig_oid, sig, sig_len};
    if ((err = write_twice(alloc, cert_fn, &parts, &cert, &cert_len)))
        goto out;
    *der = cert;
    *der_len = cert_len;
out:
    ltls_free(alloc, bits, bits_len);
    ltls_free(alloc, issuer_bits, issuer_bits_len);
    ltls_free(alloc, tbs, tbs_len);
    return err;
}

ltls_err_t ltls_certwrite_issue(const ltls_provider_t *p, ltls_key_type_t type, uint16_t curve,
                                const ltls_certwrite_spec_t *spec,
                                const ltls_certwrite_issued_t *issuer,
                                ltls_certwrite_issued_t *out)
{
    if (!out)
        return ltls_err_make(LTLS_R_NULL_ARGUMENT);
    memset(out, 0, sizeof *out);
    ltls_err_t err = ltls_key_generate(p, type, curve, 0, &out->key);
    if (!err)
        err = ltls_certwrite(spec, out->key, issuer ? issuer->cert : NULL,
                             issuer ? issuer->key : NULL, NULL, &out->der, &out->len);
    if (!err)
        err = ltls_cert_parse(out->der, out->len, NULL, &out->cert);
    return err;
}

void ltls_certwrite_issued_free(ltls_certwrite_issued_t *m)
{
    if (!m)
        return;
    ltls_cert_free(m->cert);
    ltls_free(NULL, m->der, m->len);
    ltls_key_free(m->key);
    memset(m, 0, sizeof *m);
}
