/*
 * Hand-made BRSKI PKI cases for the anchor policy (T-CONF C4): each case
 * builds a small PKI with brski_cert_build, validates it under a policy and
 * checks the exact decision and reason. Also the chain-length and cycle
 * timing checks (T-DOS D6).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "brski/der.h"
#include "brski/policy.h"
#include "brski/signer.h"
#include "brski/x509.h"
#include "testutil.h"

#define NOW ((int64_t)1700000000)
#define PL(n) ((n) + 1) /* pathLen encoding in cases: 0 means absent */
#define MAX_LEVELS 5

static brski_env env;
static int64_t clock_now = NOW;
static uint64_t seed = 0xb5c1u;

/* Keys are slow to make (RSA under ASan): one per algorithm and slot. */
static brski_signer *keys[6][MAX_LEVELS + 1];

static brski_signer *key_for(brski_key_alg alg, size_t slot)
{
    if (keys[alg][slot] == NULL) {
        assert_int_equal(brski_signer_generate(alg, &env, &keys[alg][slot]), BRSKI_OK);
    }
    return keys[alg][slot];
}

typedef struct bcase {
    const char *name;
    brski_purpose purpose;    /* anchor purpose */
    int check_purpose;        /* 0: same; else purpose+1 to validate for */
    unsigned levels;          /* 1..5, anchor included */
    int root_pl, int1_pl;     /* PL(n) or 0 */
    brski_key_alg root_alg, int_alg, ee_alg;
    bool int_not_ca, int_no_keycertsign, int_kcs_not_ca, ee_ca;
    const char *ee_serial;    /* NULL: no serialNumber */
    bool ee_serial_utf8;
    const char *const *ee_eku;
    const char *const *ee_policies;
    const char *masa_url;
    bool masa_critical;       /* MASA URL as a raw critical extension */
    bool masa_utf8;           /* MASA URL as a raw UTF8String */
    bool ee_forever;
    const char *const *san_dns;
    const char *const *san_ip;
    const char *peer;         /* peer name to check */
    int ee_fixed_spki;        /* 1: RSA-1024, 2: P-192 (EE key the signer cannot make) */
    bool root_forever;        /* anchor with notAfter 99991231235959Z */
    bool int_forever;
    int64_t at;               /* validation time offset from NOW */
    bool bad_sig;             /* EE signed by a key other than its issuer's */
    bool int_untrusted;       /* intermediates given as the untrusted bundle */
    bool drop_int;            /* intermediates not given at all */
    /* policy tweaks */
    unsigned max_depth, locked_depth;
    uint32_t sig_algs, key_types;
    unsigned min_rsa, min_ec;
    const char *pol_eku;      /* NULL keep, "" clear */
    int eku_absent_ok;        /* 0 keep, 1 yes, 2 no */
    bool require_masa;
    const char *pol_oid;
    const char *regex;
    /* expectation */
    bool parse_fails;         /* the EE must not parse */
    brski_reason want;
} bcase;

static const char *const eku_cmcra[] = {BRSKI_OID_KP_CMC_RA, NULL};
static const char *const eku_server[] = {BRSKI_OID_KP_SERVER_AUTH, NULL};
static const char *const eku_client[] = {BRSKI_OID_KP_CLIENT_AUTH, NULL};
static const char *const eku_server_cmcra[] = {BRSKI_OID_KP_SERVER_AUTH, BRSKI_OID_KP_CMC_RA,
                                               NULL};
static const char *const pol_a[] = {"1.3.6.1.4.1.46930.1", NULL};
static const char *const pol_b[] = {"1.3.6.1.4.1.46930.2", NULL};

/* Fixed public keys the signer cannot make (only their SPKI matters to the policy). */
static const uint8_t spki_rsa1024[] = {
  0x30, 0x81, 0x9f, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
  0x0d, 0x01, 0x01, 0x01, 0x05, 0x00, 0x03, 0x81, 0x8d, 0x00, 0x30, 0x81,
  0x89, 0x02, 0x81, 0x81, 0x00, 0xd0, 0x63, 0xfe, 0xf0, 0x34, 0x3d, 0x74,
  0xfa, 0x39, 0x37, 0xaa, 0xc0, 0xa7, 0xf3, 0x42, 0x5e, 0x4c, 0xb0, 0x03,
  0xfb, 0x20, 0x2c, 0xbd, 0xe7, 0xa2, 0xff, 0xcf, 0xb4, 0xea, 0x69, 0x79,
  0x8f, 0x79, 0xb8, 0x2f, 0xa7, 0x55, 0xe8, 0xfb, 0x19, 0xef, 0x94, 0x68,
  0x02, 0xb1, 0x51, 0xdd, 0x4a, 0x58, 0xc8, 0xa1, 0x37, 0xdd, 0x2d, 0x18,
  0xfd, 0xaf, 0xd6, 0xc3, 0xd9, 0xd3, 0xbb, 0xf8, 0x99, 0xcc, 0x4f, 0x0f,
  0x10, 0x11, 0xf8, 0x8e, 0x66, 0x4b, 0x68, 0xe6, 0xa5, 0x62, 0xca, 0xd4,
  0x91, 0xa9, 0x4f, 0xc7, 0x32, 0x2a, 0x86, 0x84, 0x8d, 0x01, 0xdb, 0x38,
  0xcf, 0x0a, 0x6d, 0x02, 0x21, 0x48, 0xb3, 0xac, 0xe4, 0xcc, 0xb1, 0xcf,
  0xba, 0xbc, 0x19, 0x91, 0x98, 0x98, 0x56, 0xd8, 0x62, 0xe6, 0x57, 0x5e,
  0x57, 0xf4, 0x76, 0xd5, 0xd9, 0x36, 0x97, 0xcf, 0x80, 0x2a, 0xff, 0x9d,
  0xe9, 0x02, 0x03, 0x01, 0x00, 0x01
};
static const uint8_t spki_p192[] = {
  0x30, 0x49, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02,
  0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x01, 0x03,
  0x32, 0x00, 0x04, 0xa4, 0x13, 0xdf, 0x0f, 0x7b, 0x21, 0xc3, 0x14, 0x5f,
  0x81, 0xc0, 0xe5, 0xd7, 0x0e, 0x61, 0x7c, 0xab, 0x45, 0xe4, 0x6e, 0xed,
  0x34, 0x5e, 0x74, 0x35, 0x32, 0x7d, 0xd1, 0x9f, 0x10, 0x7b, 0x35, 0xa7,
  0x33, 0x5d, 0x39, 0x3d, 0xab, 0x77, 0xba, 0xb4, 0x37, 0xc3, 0xb5, 0xf8,
  0xa5, 0xd7, 0x3f
};

static const char *const san_reg[] = {"registrar.example.com", NULL};
static const char *const san_ip4[] = {"192.0.2.7", NULL};
#define TLS BRSKI_PURPOSE_TLS

#define M BRSKI_PURPOSE_MASA
#define I BRSKI_PURPOSE_IDEVID
#define D BRSKI_PURPOSE_DOMAIN
#define SN "JADA123456789"
#define SIG(a) (1u << (a))
#define LONG65 "0123456789012345678901234567890123456789012345678901234567890123X"

static const bcase cases[] = {
    /* depth: levels count the anchor as 1 */
    {.name = "depth2-lock2", .purpose = M, .levels = 2, .locked_depth = 2, .want = BRSKI_REASON_OK},
    {.name = "depth3-lock2", .purpose = M, .levels = 3, .locked_depth = 2,
     .want = BRSKI_REASON_DEPTH_NOT_LOCKED},
    {.name = "depth3-lock3", .purpose = M, .levels = 3, .locked_depth = 3, .want = BRSKI_REASON_OK},
    {.name = "depth4-lock3", .purpose = M, .levels = 4, .locked_depth = 3,
     .want = BRSKI_REASON_DEPTH_NOT_LOCKED},
    {.name = "depth2-lock3", .purpose = M, .levels = 2, .locked_depth = 3,
     .want = BRSKI_REASON_DEPTH_NOT_LOCKED},
    {.name = "depth3-max3", .purpose = M, .levels = 3, .max_depth = 3, .want = BRSKI_REASON_OK},
    {.name = "depth4-max3", .purpose = M, .levels = 4, .max_depth = 3,
     .want = BRSKI_REASON_DEPTH_EXCEEDED},
    {.name = "depth1-ee-is-anchor", .purpose = M, .levels = 1, .locked_depth = 1,
     .want = BRSKI_REASON_OK},
    {.name = "depth5-no-limit", .purpose = M, .levels = 5, .want = BRSKI_REASON_OK},
    /* basic constraints */
    {.name = "pathlen0-two-intermediates", .purpose = M, .levels = 4, .int1_pl = PL(0),
     .want = BRSKI_REASON_PATHLEN},
    {.name = "pathlen1-two-intermediates", .purpose = M, .levels = 4, .int1_pl = PL(1),
     .want = BRSKI_REASON_OK},
    {.name = "root-pathlen0-one-intermediate", .purpose = M, .levels = 3, .root_pl = PL(0),
     .want = BRSKI_REASON_PATHLEN},
    {.name = "root-pathlen0-no-intermediate", .purpose = M, .levels = 2, .root_pl = PL(0),
     .want = BRSKI_REASON_OK},
    {.name = "intermediate-not-ca", .purpose = M, .levels = 3, .int_not_ca = true,
     .want = BRSKI_REASON_NOT_CA},
    {.name = "intermediate-no-keycertsign", .purpose = M, .levels = 3,
     .int_no_keycertsign = true, .want = BRSKI_REASON_NO_KEYCERTSIGN},
    {.name = "intermediate-keycertsign-without-ca", .purpose = M, .levels = 3,
     .int_kcs_not_ca = true, .want = BRSKI_REASON_BAD_EXTENSIONS},
    {.name = "ee-is-ca", .purpose = M, .levels = 2, .ee_ca = true,
     .want = BRSKI_REASON_EE_IS_CA},
    /* algorithms and key sizes */
    {.name = "ee-rsa1024-default", .purpose = M, .levels = 2, .ee_fixed_spki = 1,
     .want = BRSKI_REASON_KEY_SIZE},
    {.name = "ee-rsa1024-min1024", .purpose = M, .levels = 2, .ee_fixed_spki = 1,
     .min_rsa = 1024, .want = BRSKI_REASON_OK},
    {.name = "ee-p192-default", .purpose = M, .levels = 2, .ee_fixed_spki = 2,
     .want = BRSKI_REASON_KEY_SIZE},
    {.name = "ee-p192-min192", .purpose = M, .levels = 2, .ee_fixed_spki = 2, .min_ec = 192,
     .want = BRSKI_REASON_OK},
    {.name = "ee-rsa2048-min2048", .purpose = M, .levels = 2, .ee_alg = BRSKI_ALG_RSA2048,
     .want = BRSKI_REASON_OK},
    {.name = "ee-rsa2048-min3072", .purpose = M, .levels = 2, .ee_alg = BRSKI_ALG_RSA2048,
     .min_rsa = 3072, .want = BRSKI_REASON_KEY_SIZE},
    {.name = "ee-rsa3072-min3072", .purpose = M, .levels = 2, .ee_alg = BRSKI_ALG_RSA3072,
     .min_rsa = 3072, .want = BRSKI_REASON_OK},
    {.name = "p384-pki-min384", .purpose = M, .levels = 2, .ee_alg = BRSKI_ALG_P384,
     .root_alg = BRSKI_ALG_P384,
     .min_ec = 384, .want = BRSKI_REASON_OK},
    {.name = "ee-p256-min384", .purpose = M, .levels = 2, .min_ec = 384,
     .want = BRSKI_REASON_KEY_SIZE},
    {.name = "ee-p521", .purpose = M, .levels = 2, .ee_alg = BRSKI_ALG_P521,
     .want = BRSKI_REASON_OK},
    {.name = "ee-ed25519-default", .purpose = M, .levels = 2, .ee_alg = BRSKI_ALG_ED25519,
     .want = BRSKI_REASON_OK},
    {.name = "ee-ed25519-ec-only", .purpose = M, .levels = 2, .ee_alg = BRSKI_ALG_ED25519,
     .key_types = SIG(BRSKI_KEY_EC), .want = BRSKI_REASON_KEY_TYPE},
    {.name = "ed25519-root-ecdsa-only-policy", .purpose = M, .levels = 2,
     .root_alg = BRSKI_ALG_ED25519, .sig_algs = SIG(BRSKI_SIG_ECDSA_SHA256),
     .want = BRSKI_REASON_SIG_ALG},
    {.name = "p384-root-sha384-not-allowed", .purpose = M, .levels = 2,
     .root_alg = BRSKI_ALG_P384, .sig_algs = SIG(BRSKI_SIG_ECDSA_SHA256),
     .want = BRSKI_REASON_SIG_ALG},
    {.name = "p384-root-sha384-allowed", .purpose = M, .levels = 2, .root_alg = BRSKI_ALG_P384,
     .sig_algs = SIG(BRSKI_SIG_ECDSA_SHA384), .want = BRSKI_REASON_OK},
    {.name = "rsa-root-no-rsa-sigs", .purpose = M, .levels = 2, .root_alg = BRSKI_ALG_RSA2048,
     .sig_algs = SIG(BRSKI_SIG_ECDSA_SHA256) | SIG(BRSKI_SIG_ED25519),
     .want = BRSKI_REASON_SIG_ALG},
    {.name = "rsa-root-rsa-allowed", .purpose = M, .levels = 3, .root_alg = BRSKI_ALG_RSA2048,
     .want = BRSKI_REASON_OK},
    /* EKU: registrar (cmcRA) */
    {.name = "registrar-with-cmcra", .purpose = D, .levels = 2, .ee_eku = eku_cmcra,
     .pol_eku = "cmcRA", .eku_absent_ok = 2, .want = BRSKI_REASON_OK},
    {.name = "registrar-without-eku", .purpose = D, .levels = 2, .pol_eku = "cmcRA",
     .eku_absent_ok = 2, .want = BRSKI_REASON_EE_EKU},
    {.name = "registrar-serverauth-only", .purpose = D, .levels = 2, .ee_eku = eku_server,
     .pol_eku = "cmcRA", .eku_absent_ok = 2, .want = BRSKI_REASON_EE_EKU},
    {.name = "registrar-serverauth-and-cmcra", .purpose = D, .levels = 2,
     .ee_eku = eku_server_cmcra, .pol_eku = "cmcRA", .eku_absent_ok = 2,
     .want = BRSKI_REASON_OK},
    /* IDevID: 802.1AR defaults */
    {.name = "idevid-ok", .purpose = I, .levels = 3, .ee_serial = SN, .want = BRSKI_REASON_OK},
    {.name = "idevid-clientauth", .purpose = I, .levels = 2, .ee_serial = SN,
     .ee_eku = eku_client, .want = BRSKI_REASON_OK},
    {.name = "idevid-serverauth-only", .purpose = I, .levels = 2, .ee_serial = SN,
     .ee_eku = eku_server, .want = BRSKI_REASON_EE_EKU},
    {.name = "idevid-no-serialnumber", .purpose = I, .levels = 2,
     .want = BRSKI_REASON_EE_SERIAL_NUMBER},
    {.name = "idevid-empty-serialnumber", .purpose = I, .levels = 2, .ee_serial = "",
     .want = BRSKI_REASON_EE_SERIAL_NUMBER},
    {.name = "idevid-serialnumber-65", .purpose = I, .levels = 2, .ee_serial = LONG65,
     .want = BRSKI_REASON_EE_SERIAL_NUMBER},
    {.name = "idevid-serialnumber-utf8", .purpose = I, .levels = 2, .ee_serial = SN,
     .ee_serial_utf8 = true, .want = BRSKI_REASON_EE_SERIAL_NUMBER},
    {.name = "idevid-forever", .purpose = I, .levels = 2, .ee_serial = SN, .ee_forever = true,
     .at = 5LL * 365 * 86400, .want = BRSKI_REASON_OK},
    {.name = "masa-forever-not-allowed", .purpose = M, .levels = 2, .ee_forever = true,
     .want = BRSKI_REASON_NO_EXPIRY},
    {.name = "masa-forever-anchor-exempt", .purpose = M, .levels = 2, .root_forever = true,
     .want = BRSKI_REASON_OK},
    {.name = "masa-forever-intermediate", .purpose = M, .levels = 3, .root_forever = true,
     .int_forever = true, .want = BRSKI_REASON_NO_EXPIRY},
    {.name = "idevid-regex-match", .purpose = I, .levels = 2, .ee_serial = SN,
     .regex = "serialNumber=JADA[0-9]+$", .want = BRSKI_REASON_OK},
    {.name = "idevid-regex-mismatch", .purpose = I, .levels = 2, .ee_serial = SN,
     .regex = "serialNumber=XYZ", .want = BRSKI_REASON_EE_SUBJECT},
    /* MASA URL extension (RFC 8995 2.3.2) */
    {.name = "masa-url-present", .purpose = I, .levels = 2, .ee_serial = SN,
     .masa_url = "masa.example.com", .require_masa = true, .want = BRSKI_REASON_OK},
    {.name = "masa-url-missing", .purpose = I, .levels = 2, .ee_serial = SN,
     .require_masa = true, .want = BRSKI_REASON_EE_MASA_URL},
    {.name = "masa-url-critical", .purpose = I, .levels = 2, .ee_serial = SN,
     .masa_url = "masa.example.com", .masa_critical = true, .want = BRSKI_REASON_EE_MASA_URL},
    {.name = "masa-url-not-uri", .purpose = I, .levels = 2, .ee_serial = SN,
     .masa_url = "masa example com", .want = BRSKI_REASON_EE_MASA_URL},
    {.name = "masa-url-over-long", .purpose = I, .levels = 2, .ee_serial = SN,
     .masa_url = "x", .parse_fails = true},
    {.name = "masa-url-not-ia5", .purpose = I, .levels = 2, .ee_serial = SN,
     .masa_url = "masa.example.com", .masa_utf8 = true, .parse_fails = true},
    /* validity edges (EE valid NOW-100 .. NOW+100) */
    {.name = "before-notbefore-1s", .purpose = M, .levels = 2, .at = -101,
     .want = BRSKI_REASON_NOT_YET_VALID},
    {.name = "at-notbefore", .purpose = M, .levels = 2, .at = -100, .want = BRSKI_REASON_OK},
    {.name = "at-notafter", .purpose = M, .levels = 2, .at = 100, .want = BRSKI_REASON_OK},
    {.name = "after-notafter-1s", .purpose = M, .levels = 2, .at = 101,
     .want = BRSKI_REASON_EXPIRED},
    /* policy OIDs */
    {.name = "policy-oid-present", .purpose = M, .levels = 2, .ee_policies = pol_a,
     .pol_oid = "1.3.6.1.4.1.46930.1", .want = BRSKI_REASON_OK},
    {.name = "policy-oid-absent", .purpose = M, .levels = 2, .pol_oid = "1.3.6.1.4.1.46930.1",
     .want = BRSKI_REASON_EE_POLICY},
    {.name = "policy-oid-wrong", .purpose = M, .levels = 2, .ee_policies = pol_b,
     .pol_oid = "1.3.6.1.4.1.46930.1", .want = BRSKI_REASON_EE_POLICY},
    /* TLS peer names (RFC 6125, no CN fallback) */
    {.name = "tls-dns-match", .purpose = TLS, .levels = 2, .san_dns = san_reg,
     .peer = "Registrar.Example.com", .want = BRSKI_REASON_OK},
    {.name = "tls-dns-mismatch", .purpose = TLS, .levels = 2, .san_dns = san_reg,
     .peer = "masa.example.com", .want = BRSKI_REASON_PEER_NAME},
    {.name = "tls-ip-match", .purpose = TLS, .levels = 2, .san_ip = san_ip4, .peer = "192.0.2.7",
     .want = BRSKI_REASON_OK},
    {.name = "tls-ip-mismatch", .purpose = TLS, .levels = 2, .san_ip = san_ip4,
     .peer = "192.0.2.8", .want = BRSKI_REASON_PEER_NAME},
    {.name = "tls-eku-clientauth-only", .purpose = TLS, .levels = 2, .san_dns = san_reg,
     .ee_eku = eku_client, .peer = "registrar.example.com", .want = BRSKI_REASON_EE_EKU},
    /* purposes, paths, signatures */
    {.name = "anchor-for-other-purpose", .purpose = M, .check_purpose = I + 1, .levels = 2,
     .ee_serial = SN, .want = BRSKI_REASON_NO_ANCHOR},
    {.name = "bad-ee-signature", .purpose = M, .levels = 2, .bad_sig = true,
     .want = BRSKI_REASON_BAD_SIGNATURE},
    {.name = "intermediate-from-untrusted-bundle", .purpose = M, .levels = 4,
     .int_untrusted = true, .want = BRSKI_REASON_OK},
    {.name = "intermediate-missing", .purpose = M, .levels = 3, .drop_int = true,
     .want = BRSKI_REASON_NO_PATH},
};

static void name_of(const char *cn, const char *serial, bool utf8, brski_buf *out)
{
    brski_name_attr attrs[2];
    size_t n = 0;
    attrs[n].oid = BRSKI_OID_AT_CN;
    attrs[n].tag = BRSKI_DER_UTF8_STRING;
    attrs[n].value = cn;
    n++;
    if (serial != NULL) {
        attrs[n].oid = BRSKI_OID_AT_SERIAL_NUMBER;
        attrs[n].tag = utf8 ? BRSKI_DER_UTF8_STRING : BRSKI_DER_PRINTABLE_STRING;
        attrs[n].value = serial;
        n++;
    }
    brski_buf_init(out, 2048);
    assert_int_equal(brski_name_build(attrs, n, out), BRSKI_OK);
}

typedef struct pki {
    brski_buf der[MAX_LEVELS]; /* [0] anchor ... [levels-1] EE */
    brski_cert cert[MAX_LEVELS];
    size_t n;
    bool ee_parsed;
} pki;

static void pki_clear(pki *p)
{
    for (size_t i = 0; i < p->n; i++) {
        brski_buf_clear(&p->der[i]);
        brski_cert_clear(&p->cert[i]);
    }
    memset(p, 0, sizeof(*p));
}

static void build_pki(const bcase *c, pki *p)
{
    memset(p, 0, sizeof(*p));
    p->n = c->levels;
    for (size_t i = 0; i < c->levels; i++) {
        bool is_ee = i == c->levels - 1;
        bool is_root = i == 0;
        brski_key_alg alg = is_ee ? c->ee_alg : (is_root ? c->root_alg : c->int_alg);
        brski_signer *key = key_for(alg, i);
        brski_signer *issuer_key = is_root ? key : key_for(i == 1 ? c->root_alg : c->int_alg,
                                                           i - 1);
        if (is_ee && c->bad_sig && !is_root) {
            issuer_key = key_for(BRSKI_ALG_P256, MAX_LEVELS);
        }
        char cn[64];
        brski_buf name, spki, mu;
        if (is_ee) {
            snprintf(cn, sizeof(cn), "%s", "Pledge");
        } else {
            snprintf(cn, sizeof(cn), is_root ? "Root CA" : "Intermediate CA %zu", i);
        }
        name_of(cn, is_ee ? c->ee_serial : NULL, c->ee_serial_utf8, &name);
        brski_buf_init(&spki, 4096);
        brski_buf_init(&mu, 1024);
        if (is_ee && c->ee_fixed_spki == 1) {
            assert_int_equal(brski_buf_append(&spki, spki_rsa1024, sizeof(spki_rsa1024)),
                             BRSKI_OK);
        } else if (is_ee && c->ee_fixed_spki == 2) {
            assert_int_equal(brski_buf_append(&spki, spki_p192, sizeof(spki_p192)), BRSKI_OK);
        } else {
            assert_int_equal(brski_signer_spki(key, &spki), BRSKI_OK);
        }

        brski_cert_template t;
        memset(&t, 0, sizeof(t));
        t.subject = brski_buf_slice(&name);
        if (!is_root) {
            t.issuer = p->cert[i - 1].subject;
            t.issuer_ski = p->cert[i - 1].ski;
        }
        t.spki = brski_buf_slice(&spki);
        t.not_before = NOW - 86400;
        t.not_after = NOW + 10LL * 365 * 86400;
        t.path_len = -1;
        if ((is_root && c->root_forever) || (!is_root && !is_ee && c->int_forever)) {
            t.not_after = BRSKI_POLICY_FOREVER;
        }
        if (!is_ee) {
            t.ca = !((c->int_not_ca || c->int_kcs_not_ca) && !is_root);
            bool no_kcs = (c->int_no_keycertsign || c->int_not_ca) && !is_root;
            t.key_usage = no_kcs ? BRSKI_KU_DIGITAL_SIGNATURE
                                                              : BRSKI_KU_KEY_CERT_SIGN |
                                                                    BRSKI_KU_CRL_SIGN;
            int pl = is_root ? c->root_pl : (i == 1 ? c->int1_pl : 0);
            t.path_len = pl - 1;
        } else {
            t.ca = c->ee_ca;
            t.key_usage = BRSKI_KU_DIGITAL_SIGNATURE;
            t.eku = c->ee_eku;
            t.policies = c->ee_policies;
            t.san_dns = c->san_dns;
            t.san_ip = c->san_ip;
            if (c->levels > 1) {
                t.not_before = NOW - 100;
                t.not_after = c->ee_forever ? BRSKI_POLICY_FOREVER : NOW + 100;
            }
        }
        brski_ext_raw extra;
        if (is_ee && c->masa_url != NULL) {
            if (strcmp(c->masa_url, "x") == 0) {
                /* Over-long: 300 characters. */
                char longurl[301];
                memset(longurl, 'a', 300);
                longurl[300] = '\0';
                memcpy(longurl, "https://", 8);
                assert_int_equal(brski_der_put_string(&mu, BRSKI_DER_IA5_STRING, longurl),
                                 BRSKI_OK);
                extra.critical = false;
            } else if (c->masa_critical || c->masa_utf8) {
                assert_int_equal(brski_der_put_string(&mu,
                                                      c->masa_utf8 ? BRSKI_DER_UTF8_STRING
                                                                   : BRSKI_DER_IA5_STRING,
                                                      c->masa_url),
                                 BRSKI_OK);
                extra.critical = c->masa_critical;
            } else {
                t.masa_url = c->masa_url;
            }
            if (mu.len > 0) {
                extra.oid = BRSKI_OID_MASA_URL;
                extra.value = brski_buf_slice(&mu);
                t.extra = &extra;
                t.extra_count = 1;
            }
        }
        brski_buf_init(&p->der[i], BRSKI_MAX_CERT);
        assert_int_equal(brski_cert_build(&t, issuer_key, &env, &p->der[i]), BRSKI_OK);
        brski_err rv = brski_cert_parse(brski_buf_slice(&p->der[i]), &p->cert[i]);
        if (is_ee && c->parse_fails) {
            if (rv == BRSKI_OK) {
                fail_msg("%s: EE parsed but should not", c->name);
            }
            p->ee_parsed = false;
        } else {
            assert_int_equal(rv, BRSKI_OK);
            p->ee_parsed = is_ee;
        }
        brski_buf_clear(&name);
        brski_buf_clear(&spki);
        brski_buf_clear(&mu);
    }
}

static void apply_policy(const bcase *c, brski_anchor_policy *pol)
{
    brski_anchor_policy_default(c->purpose, pol);
    pol->max_depth = c->max_depth;
    pol->locked_depth = c->locked_depth;
    if (c->sig_algs != 0) {
        pol->sig_algs = c->sig_algs;
    }
    if (c->key_types != 0) {
        pol->key_types = c->key_types;
    }
    if (c->min_rsa != 0) {
        pol->min_rsa_bits = c->min_rsa;
    }
    if (c->min_ec != 0) {
        pol->min_ec_bits = c->min_ec;
    }
    if (c->pol_eku != NULL) {
        pol->ee_eku_count = 0;
        if (c->pol_eku[0] != '\0') {
            assert_int_equal(brski_eku_parse(c->pol_eku, pol->ee_eku[0], 48), BRSKI_OK);
            pol->ee_eku_count = 1;
        }
    }
    if (c->eku_absent_ok != 0) {
        pol->ee_eku_absent_ok = c->eku_absent_ok == 1;
    }
    pol->require_masa_url = c->require_masa;
    if (c->pol_oid != NULL) {
        snprintf(pol->ee_policies[0], 48, "%s", c->pol_oid);
        pol->ee_policy_count = 1;
    }
    if (c->regex != NULL) {
        snprintf(pol->subject_regex, sizeof(pol->subject_regex), "%s", c->regex);
    }
}

static void run_case(const bcase *c)
{
    pki p;
    brski_anchor_store store;
    brski_anchor_policy pol;
    brski_policy_decision d;

    build_pki(c, &p);
    if (c->parse_fails) {
        assert_false(p.ee_parsed);
        printf("  %-36s parse-rejected (as expected)\n", c->name);
        pki_clear(&p);
        return;
    }
    apply_policy(c, &pol);
    brski_anchor_store_init(&store);
    assert_int_equal(
        brski_anchor_store_add(&store, c->purpose, "root", brski_buf_slice(&p.der[0]), &pol),
        BRSKI_OK);

    /* Presented chain: EE first, then intermediates toward the root (not the root). */
    brski_cert chain[MAX_LEVELS];
    size_t nchain = 0;
    brski_cert untrusted[MAX_LEVELS];
    size_t nun = 0;
    chain[nchain++] = p.cert[p.n - 1];
    for (size_t i = p.n - 1; i-- > 1;) {
        if (c->drop_int) {
            continue;
        }
        if (c->int_untrusted) {
            untrusted[nun++] = p.cert[i];
        } else {
            chain[nchain++] = p.cert[i];
        }
    }
    if (p.n == 1) {
        chain[0] = p.cert[0];
    }
    brski_policy_input in = {
        .purpose = c->check_purpose != 0 ? (brski_purpose)(c->check_purpose - 1) : c->purpose,
        .chain = chain,
        .chain_count = nchain,
        .untrusted = nun > 0 ? untrusted : NULL,
        .untrusted_count = nun,
        .peer_name = c->peer,
        .now = NOW + c->at,
    };
    brski_err rv = brski_policy_validate(&store, &in, &d);
    printf("  %-36s %-18s %s\n", c->name, brski_reason_name(d.reason), d.detail);
    if (d.reason != c->want) {
        fail_msg("%s: want %s, got %s (%s)", c->name, brski_reason_name(c->want),
                 brski_reason_name(d.reason), d.detail);
    }
    assert_int_equal(rv == BRSKI_OK, c->want == BRSKI_REASON_OK);
    if (rv == BRSKI_OK) {
        /* The path is the whole PKI: EE first, the anchor last. */
        assert_int_equal(d.path_len, p.n);
        assert_true(brski_slice_eq(brski_cert_der(d.path[0]), brski_cert_der(&p.cert[p.n - 1])));
        assert_true(brski_slice_eq(brski_cert_der(d.path[d.path_len - 1]),
                                   brski_cert_der(&p.cert[0])));
    } else if (c->want == BRSKI_REASON_BAD_SIGNATURE) {
        assert_int_equal(rv, BRSKI_ERR_CRYPTO);
    } else {
        assert_int_equal(rv, BRSKI_ERR_POLICY);
    }
    brski_anchor_store_clear(&store);
    pki_clear(&p);
}

static void test_policy_brski_hand_made_cases(void **state)
{
    (void)state;
    size_t n = sizeof(cases) / sizeof(cases[0]);
    assert_true(n >= 40);
    for (size_t i = 0; i < n; i++) {
        run_case(&cases[i]);
    }
    printf("hand-made BRSKI cases: %zu, all as expected\n", n);
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Builds a CA certificate |cn| issued by |issuer_cn| with |issuer_key|. */
static void ca_cert(const char *cn, const char *issuer_cn, brski_signer *key,
                    brski_signer *issuer_key, brski_cert *out)
{
    brski_buf name, iname, spki, der;
    name_of(cn, NULL, false, &name);
    name_of(issuer_cn, NULL, false, &iname);
    brski_buf_init(&spki, 4096);
    brski_buf_init(&der, BRSKI_MAX_CERT);
    assert_int_equal(brski_signer_spki(key, &spki), BRSKI_OK);
    brski_cert_template t;
    memset(&t, 0, sizeof(t));
    t.subject = brski_buf_slice(&name);
    t.issuer = brski_buf_slice(&iname);
    t.spki = brski_buf_slice(&spki);
    t.not_before = NOW - 86400;
    t.not_after = NOW + 86400;
    t.ca = true;
    t.path_len = -1;
    t.key_usage = BRSKI_KU_KEY_CERT_SIGN;
    assert_int_equal(brski_cert_build(&t, issuer_key, &env, &der), BRSKI_OK);
    assert_int_equal(brski_cert_parse(brski_buf_slice(&der), out), BRSKI_OK);
    brski_buf_clear(&name);
    brski_buf_clear(&iname);
    brski_buf_clear(&spki);
    brski_buf_clear(&der);
}

static void test_policy_brski_long_chain_and_cycle_are_fast(void **state)
{
    (void)state;
    brski_anchor_store store;
    brski_anchor_policy pol;
    brski_policy_decision d;
    brski_cert root;
    brski_signer *k = key_for(BRSKI_ALG_P256, 0);
    brski_signer *k2 = key_for(BRSKI_ALG_P256, 1);
    brski_anchor_policy_default(BRSKI_PURPOSE_MASA, &pol);
    brski_anchor_store_init(&store);
    ca_cert("Root CA", "Root CA", k, k, &root);
    assert_int_equal(brski_anchor_store_add(&store, BRSKI_PURPOSE_MASA, "root",
                                            brski_cert_der(&root), &pol),
                     BRSKI_OK);

    /* 50 certificates: CA n issued by CA n+1, the last by the root. */
    brski_cert *chain = calloc(50, sizeof(*chain));
    assert_non_null(chain);
    for (int i = 0; i < 50; i++) {
        char cn[32], icn[32];
        snprintf(cn, sizeof(cn), "CA %d", i);
        snprintf(icn, sizeof(icn), i == 49 ? "Root CA" : "CA %d", i + 1);
        ca_cert(cn, icn, k2, i == 49 ? k : k2, &chain[i]);
    }
    struct timespec t0;
    brski_policy_input in = {.purpose = BRSKI_PURPOSE_MASA, .chain = chain, .chain_count = 50,
                             .now = NOW};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(brski_policy_validate(&store, &in, &d), BRSKI_ERR_POLICY);
    double ms_long = ms_since(&t0);
    assert_int_equal(d.reason, BRSKI_REASON_CHAIN_TOO_LONG);
    /* The same 16 certificates as an untrusted bundle behind one leaf. */
    in.chain_count = 1;
    in.untrusted = chain + 1;
    in.untrusted_count = 16;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(brski_policy_validate(&store, &in, &d), BRSKI_ERR_POLICY);
    double ms_bundle = ms_since(&t0);
    assert_true(d.reason == BRSKI_REASON_CHAIN_TOO_LONG || d.reason == BRSKI_REASON_NO_PATH);

    /* Cycle: A issued by B, B issued by A, leaf issued by A. */
    brski_cert cyc[3];
    ca_cert("Leaf", "CA A", k2, k2, &cyc[0]);
    ca_cert("CA A", "CA B", k2, k2, &cyc[1]);
    ca_cert("CA B", "CA A", k2, k2, &cyc[2]);
    brski_policy_input cin = {.purpose = BRSKI_PURPOSE_MASA, .chain = cyc, .chain_count = 3,
                              .now = NOW};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(brski_policy_validate(&store, &cin, &d), BRSKI_ERR_POLICY);
    double ms_cycle = ms_since(&t0);
    assert_int_equal(d.reason, BRSKI_REASON_NO_PATH);
    assert_true(d.candidates_tried <= BRSKI_POLICY_MAX_CANDIDATES);

    printf("50-cert chain rejected in %.2f ms; 16-cert bundle in %.2f ms; cycle in %.2f ms "
           "(%zu candidates)\n",
           ms_long, ms_bundle, ms_cycle, d.candidates_tried);
    /* Loose bound (sanitizer build, shared machine); the target is 50 ms. */
    assert_true(ms_long < 500.0 && ms_cycle < 500.0);

    for (int i = 0; i < 50; i++) {
        brski_cert_clear(&chain[i]);
    }
    free(chain);
    for (int i = 0; i < 3; i++) {
        brski_cert_clear(&cyc[i]);
    }
    brski_cert_clear(&root);
    brski_anchor_store_clear(&store);
}

static int setup(void **state)
{
    (void)state;
    test_env_init(&env, &clock_now, &seed);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (size_t a = 0; a < 6; a++) {
        for (size_t s = 0; s <= MAX_LEVELS; s++) {
            brski_signer_free(keys[a][s]);
            keys[a][s] = NULL;
        }
    }
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_brski_hand_made_cases),
        cmocka_unit_test(test_policy_brski_long_chain_and_cycle_are_fast),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
