/* Unit tests for private keys (generate, load, export, sign), certificate and CSR building. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "brski/codec.h"
#include "brski/der.h"
#include "brski/file.h"
#include "brski/signer.h"
#include "brski/x509.h"
#include "testutil.h"

static brski_env env;
static int64_t now = 1700000000;
static uint64_t seed = 0x1234567u;

static void sign_verify(brski_signer *s, brski_sig_alg alg, brski_sig_format fmt)
{
    brski_buf spki;
    brski_buf sig;
    brski_buf_init(&spki, 4096);
    brski_buf_init(&sig, 1024);
    assert_int_equal(brski_signer_spki(s, &spki), BRSKI_OK);
    brski_slice msg = brski_slice_str("voucher bytes to sign");
    assert_int_equal(brski_signer_sign(s, alg, fmt, msg, &env, &sig), BRSKI_OK);
    assert_int_equal(brski_pubkey_verify(brski_buf_slice(&spki), alg, fmt, msg,
                                         brski_buf_slice(&sig)),
                     BRSKI_OK);
    if (fmt == BRSKI_SIG_FMT_RAW && brski_signer_key_type(s) == BRSKI_KEY_EC) {
        assert_int_equal(sig.len, 2 * ((brski_signer_key_bits(s) + 7) / 8));
    }
    /* A flipped byte in the message or the signature fails. */
    assert_int_equal(brski_pubkey_verify(brski_buf_slice(&spki), alg, fmt,
                                         brski_slice_str("voucher bytes to sigN"),
                                         brski_buf_slice(&sig)),
                     BRSKI_ERR_CRYPTO);
    sig.p[sig.len / 2] ^= 0x10;
    assert_int_equal(brski_pubkey_verify(brski_buf_slice(&spki), alg, fmt, msg,
                                         brski_buf_slice(&sig)),
                     BRSKI_ERR_CRYPTO);
    brski_buf_clear(&sig);
    brski_buf_clear(&spki);
}

static void test_signer_generate_sign_verify_all_algs(void **state)
{
    (void)state;
    static const struct {
        brski_key_alg alg;
        brski_key_type type;
        unsigned bits;
        brski_sig_alg def;
    } cases[] = {
        {BRSKI_ALG_P256, BRSKI_KEY_EC, 256, BRSKI_SIG_ECDSA_SHA256},
        {BRSKI_ALG_P384, BRSKI_KEY_EC, 384, BRSKI_SIG_ECDSA_SHA384},
        {BRSKI_ALG_P521, BRSKI_KEY_EC, 521, BRSKI_SIG_ECDSA_SHA512},
        {BRSKI_ALG_ED25519, BRSKI_KEY_ED25519, 256, BRSKI_SIG_ED25519},
        {BRSKI_ALG_RSA2048, BRSKI_KEY_RSA, 2048, BRSKI_SIG_RSA_SHA256},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        brski_signer *s = NULL;
        assert_int_equal(brski_signer_generate(cases[i].alg, &env, &s), BRSKI_OK);
        assert_int_equal(brski_signer_key_type(s), cases[i].type);
        assert_int_equal(brski_signer_key_bits(s), cases[i].bits);
        assert_int_equal(brski_signer_sig_alg(s), cases[i].def);
        sign_verify(s, cases[i].def, BRSKI_SIG_FMT_DER);
        sign_verify(s, cases[i].def, BRSKI_SIG_FMT_RAW);
        if (cases[i].type == BRSKI_KEY_EC) {
            sign_verify(s, BRSKI_SIG_ECDSA_SHA256, BRSKI_SIG_FMT_DER);
            sign_verify(s, BRSKI_SIG_ECDSA_SHA384, BRSKI_SIG_FMT_RAW);
            sign_verify(s, BRSKI_SIG_ECDSA_SHA512, BRSKI_SIG_FMT_DER);
        }
        if (cases[i].type == BRSKI_KEY_RSA) {
            sign_verify(s, BRSKI_SIG_RSA_SHA384, BRSKI_SIG_FMT_DER);
            sign_verify(s, BRSKI_SIG_RSA_SHA512, BRSKI_SIG_FMT_DER);
        }
        /* An algorithm that does not suit the key is refused. */
        brski_buf sig;
        brski_buf_init(&sig, 1024);
        brski_sig_alg wrong =
            cases[i].type == BRSKI_KEY_ED25519 ? BRSKI_SIG_ECDSA_SHA256 : BRSKI_SIG_ED25519;
        assert_int_equal(brski_signer_sign(s, wrong, BRSKI_SIG_FMT_DER, brski_slice_str("x"),
                                           &env, &sig),
                         BRSKI_ERR_ARG);
        assert_int_equal(sig.len, 0);
        brski_buf_clear(&sig);

        /* PKCS#8 export and re-import keeps the key (same SPKI). */
        brski_buf der;
        brski_buf spki1;
        brski_buf spki2;
        brski_buf_init(&der, 8192);
        brski_buf_init(&spki1, 4096);
        brski_buf_init(&spki2, 4096);
        assert_int_equal(brski_signer_export_der(s, false, &der), BRSKI_OK);
        brski_signer *s2 = NULL;
        assert_int_equal(brski_signer_from_bytes(brski_buf_slice(&der), &s2), BRSKI_OK);
        assert_int_equal(brski_signer_spki(s, &spki1), BRSKI_OK);
        assert_int_equal(brski_signer_spki(s2, &spki2), BRSKI_OK);
        assert_true(brski_slice_eq(brski_buf_slice(&spki1), brski_buf_slice(&spki2)));
        brski_key_type kt = BRSKI_KEY_NONE;
        unsigned bits = 0;
        assert_int_equal(brski_spki_info(brski_buf_slice(&spki1), &kt, &bits), BRSKI_OK);
        assert_int_equal(kt, cases[i].type);
        assert_int_equal(bits, cases[i].bits);
        sign_verify(s2, cases[i].def, BRSKI_SIG_FMT_DER);
        if (cases[i].type == BRSKI_KEY_EC) {
            brski_signer *s3 = NULL;
            brski_buf_wipe(&der);
            brski_buf_init(&der, 8192);
            assert_int_equal(brski_signer_export_der(s, true, &der), BRSKI_OK);
            assert_int_equal(brski_signer_from_bytes(brski_buf_slice(&der), &s3), BRSKI_OK);
            brski_buf_reset(&spki2);
            assert_int_equal(brski_signer_spki(s3, &spki2), BRSKI_OK);
            assert_true(brski_slice_eq(brski_buf_slice(&spki1), brski_buf_slice(&spki2)));
            brski_signer_free(s3);
        }
        brski_signer_free(s2);
        brski_buf_wipe(&der);
        brski_buf_clear(&spki1);
        brski_buf_clear(&spki2);
        brski_signer_free(s);
    }
}

/* Loads a spec key and checks it matches the public key of its certificate. */
static void key_matches_cert(const char *key_rel, const char *cert_rel)
{
    brski_buf k;
    brski_buf c;
    brski_buf spki;
    brski_signer *s = NULL;
    brski_cert cert;
    test_read_vector(key_rel, &k);
    test_read_vector(cert_rel, &c);
    brski_buf_init(&spki, 4096);
    assert_int_equal(brski_signer_from_bytes(brski_buf_slice(&k), &s), BRSKI_OK);
    brski_cert *arr = NULL;
    size_t n = 0;
    assert_int_equal(brski_certs_load(brski_buf_slice(&c), 1, &arr, &n), BRSKI_OK);
    assert_int_equal(brski_signer_spki(s, &spki), BRSKI_OK);
    assert_true(brski_slice_eq(brski_buf_slice(&spki), arr[0].spki));
    assert_int_equal(brski_cert_parse(brski_cert_der(&arr[0]), &cert), BRSKI_OK);
    assert_int_equal(brski_signer_key_bits(s), cert.key_bits);
    sign_verify(s, brski_signer_sig_alg(s), BRSKI_SIG_FMT_DER);
    brski_cert_clear(&cert);
    brski_certs_free(arr, n);
    brski_signer_free(s);
    brski_buf_clear(&spki);
    brski_buf_wipe(&k);
    brski_buf_clear(&c);
}

static void test_signer_loads_spec_keys(void **state)
{
    (void)state;
    key_matches_cert("spec/cbrski/privkey_pledge.pem", "spec/cbrski/pledge.pem");
    key_matches_cert("spec/cbrski/privkey_masa_ca.pem", "spec/cbrski/masa_ca.pem");
    key_matches_cert("spec/rfc8995/vendor.key.pem", "spec/rfc8995/vendor.crt.pem");
    key_matches_cert("spec/rfc8366bis/vendor-rsa3072.key.pem",
                     "spec/rfc8366bis/vendor-rsa3072.crt.pem");
    /* Not a key. */
    brski_signer *s = NULL;
    brski_buf c;
    test_read_vector("spec/cbrski/pledge.pem", &c);
    assert_int_equal(brski_signer_from_bytes(brski_buf_slice(&c), &s), BRSKI_ERR_MALFORMED);
    assert_null(s);
    assert_int_equal(brski_signer_from_bytes(brski_slice_str("garbage"), &s),
                     BRSKI_ERR_MALFORMED);
    brski_buf_clear(&c);
}

static void test_signer_file_modes_and_openssl_keys(void **state)
{
    (void)state;
    const char *dir = test_tmpdir();
    char path[512];
    char cmd[1200];
    brski_signer *s = NULL;
    brski_signer *s2 = NULL;
    struct stat st;
    snprintf(path, sizeof(path), "%s/k.pem", dir);
    assert_int_equal(brski_signer_generate(BRSKI_ALG_ED25519, &env, &s), BRSKI_OK);
    assert_int_equal(brski_signer_write_pem(s, path), BRSKI_OK);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(brski_signer_load_file(path, &s2), BRSKI_OK);
    brski_signer_free(s2);
    s2 = NULL;
    /* openssl reads what we wrote. */
    snprintf(cmd, sizeof(cmd), "openssl pkey -in %s -noout 2>/dev/null", path);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(brski_signer_load_file(path, &s2), BRSKI_ERR_POLICY);
    assert_null(s2);
    snprintf(path, sizeof(path), "%s/missing.pem", dir);
    assert_int_equal(brski_signer_load_file(path, &s2), BRSKI_ERR_IO);
    brski_signer_free(s);

    /* An Ed25519 PKCS#8 key made by openssl; our SPKI equals openssl's. */
    snprintf(cmd, sizeof(cmd),
             "openssl genpkey -algorithm ed25519 -out %s/ed.pem 2>/dev/null && "
             "openssl pkey -in %s/ed.pem -pubout -outform DER -out %s/ed.pub 2>/dev/null",
             dir, dir, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof(path), "%s/ed.pem", dir);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(brski_signer_load_file(path, &s), BRSKI_OK);
    brski_buf pub;
    brski_buf spki;
    brski_buf_init(&pub, 1024);
    brski_buf_init(&spki, 1024);
    snprintf(path, sizeof(path), "%s/ed.pub", dir);
    assert_int_equal(brski_file_read(path, &pub), BRSKI_OK);
    assert_int_equal(brski_signer_spki(s, &spki), BRSKI_OK);
    assert_int_equal(spki.len, 44);
    assert_true(brski_slice_eq(brski_buf_slice(&pub), brski_buf_slice(&spki)));
    sign_verify(s, BRSKI_SIG_ED25519, BRSKI_SIG_FMT_RAW);
    brski_buf_clear(&pub);
    brski_buf_clear(&spki);
    brski_signer_free(s);
}

static void spki_of(brski_signer *s, brski_buf *out);

/* Splits a traditional ECPrivateKey into its private scalar and public point. */
static void ec_parts(brski_signer *s, brski_buf *der, brski_slice *d, brski_slice *pub)
{
    brski_buf_init(der, 4096);
    assert_int_equal(brski_signer_export_der(s, true, der), BRSKI_OK);
    brski_slice in = brski_buf_slice(der);
    brski_slice seq;
    brski_slice x;
    brski_slice bits;
    assert_int_equal(brski_der_expect(&in, BRSKI_DER_SEQUENCE, &seq, NULL), BRSKI_OK);
    assert_int_equal(brski_der_expect(&seq, BRSKI_DER_INTEGER, &x, NULL), BRSKI_OK);
    assert_int_equal(brski_der_expect(&seq, BRSKI_DER_OCTET_STRING, d, NULL), BRSKI_OK);
    assert_int_equal(brski_der_expect(&seq, BRSKI_DER_CONTEXT_CONS(0), &x, NULL), BRSKI_OK);
    assert_int_equal(brski_der_expect(&seq, BRSKI_DER_CONTEXT_CONS(1), &x, NULL), BRSKI_OK);
    assert_int_equal(brski_der_expect(&x, BRSKI_DER_BIT_STRING, &bits, NULL), BRSKI_OK);
    assert_int_equal(brski_der_bitstring(bits, false, pub, NULL), BRSKI_OK);
}

static void test_signer_rejects_mismatched_ec_public_key(void **state)
{
    (void)state;
    brski_signer *a = NULL;
    brski_signer *b = NULL;
    assert_int_equal(brski_signer_generate(BRSKI_ALG_P256, &env, &a), BRSKI_OK);
    assert_int_equal(brski_signer_generate(BRSKI_ALG_P256, &env, &b), BRSKI_OK);
    brski_buf da;
    brski_buf db;
    brski_slice d_a;
    brski_slice pub_a;
    brski_slice d_b;
    brski_slice pub_b;
    ec_parts(a, &da, &d_a, &pub_a);
    ec_parts(b, &db, &d_b, &pub_b);
    /* ECPrivateKey { 1, d(a), [0] P-256, [1] pub(b) } */
    brski_buf bad;
    brski_buf_init(&bad, 4096);
    size_t m = 0;
    size_t m0 = 0;
    assert_int_equal(brski_der_begin(&bad, BRSKI_DER_SEQUENCE, &m), BRSKI_OK);
    assert_int_equal(brski_der_put_u64(&bad, 1), BRSKI_OK);
    assert_int_equal(brski_der_put(&bad, BRSKI_DER_OCTET_STRING, d_a), BRSKI_OK);
    assert_int_equal(brski_der_begin(&bad, BRSKI_DER_CONTEXT_CONS(0), &m0), BRSKI_OK);
    assert_int_equal(brski_der_put_oid(&bad, "1.2.840.10045.3.1.7"), BRSKI_OK);
    assert_int_equal(brski_der_end(&bad, m0), BRSKI_OK);
    assert_int_equal(brski_der_begin(&bad, BRSKI_DER_CONTEXT_CONS(1), &m0), BRSKI_OK);
    assert_int_equal(brski_der_put_bitstring(&bad, pub_b), BRSKI_OK);
    assert_int_equal(brski_der_end(&bad, m0), BRSKI_OK);
    assert_int_equal(brski_der_end(&bad, m), BRSKI_OK);
    brski_signer *c = NULL;
    assert_int_equal(brski_signer_from_bytes(brski_buf_slice(&bad), &c), BRSKI_ERR_MALFORMED);
    assert_null(c);
    /* The same structure with the matching point loads. */
    brski_buf_reset(&bad);
    assert_int_equal(brski_der_begin(&bad, BRSKI_DER_SEQUENCE, &m), BRSKI_OK);
    assert_int_equal(brski_der_put_u64(&bad, 1), BRSKI_OK);
    assert_int_equal(brski_der_put(&bad, BRSKI_DER_OCTET_STRING, d_a), BRSKI_OK);
    assert_int_equal(brski_der_begin(&bad, BRSKI_DER_CONTEXT_CONS(0), &m0), BRSKI_OK);
    assert_int_equal(brski_der_put_oid(&bad, "1.2.840.10045.3.1.7"), BRSKI_OK);
    assert_int_equal(brski_der_end(&bad, m0), BRSKI_OK);
    assert_int_equal(brski_der_end(&bad, m), BRSKI_OK);
    assert_int_equal(brski_signer_from_bytes(brski_buf_slice(&bad), &c), BRSKI_OK);
    brski_buf spki_a;
    brski_buf spki_c;
    spki_of(a, &spki_a);
    spki_of(c, &spki_c);
    assert_true(brski_slice_eq(brski_buf_slice(&spki_a), brski_buf_slice(&spki_c)));
    brski_buf_clear(&spki_a);
    brski_buf_clear(&spki_c);
    brski_signer_free(c);
    brski_buf_wipe(&bad);
    brski_buf_wipe(&da);
    brski_buf_wipe(&db);
    brski_signer_free(a);
    brski_signer_free(b);
}

static void test_signer_rejects_corrupt_rsa_key(void **state)
{
    (void)state;
    brski_buf pem;
    brski_buf der;
    brski_signer *s = NULL;
    test_read_vector("spec/rfc8366bis/vendor-rsa3072.key.pem", &pem);
    brski_buf_init(&der, 8192);
    assert_int_equal(brski_pem_decode(brski_buf_slice(&pem), "RSA PRIVATE KEY", 0, &der, NULL, 0),
                     BRSKI_OK);
    assert_int_equal(brski_signer_from_bytes(brski_buf_slice(&der), &s), BRSKI_OK);
    assert_int_equal(brski_signer_key_bits(s), 3072);
    brski_signer_free(s);
    s = NULL;
    /* A byte near the end lies in the CRT coefficients (dP, dQ, qInv). */
    der.p[der.len - 100] ^= 0x5a;
    assert_int_equal(brski_signer_from_bytes(brski_buf_slice(&der), &s), BRSKI_ERR_MALFORMED);
    assert_null(s);
    brski_buf_wipe(&der);
    brski_buf_wipe(&pem);
}

static void test_signer_key_alg_names(void **state)
{
    (void)state;
    brski_key_alg a = BRSKI_ALG_P256;
    assert_int_equal(brski_key_alg_parse("rsa3072", &a), BRSKI_OK);
    assert_int_equal(a, BRSKI_ALG_RSA3072);
    assert_int_equal(brski_key_alg_parse("ed25519", &a), BRSKI_OK);
    assert_int_equal(a, BRSKI_ALG_ED25519);
    assert_int_equal(brski_key_alg_parse("p999", &a), BRSKI_ERR_ARG);
    assert_int_equal(brski_key_alg_parse(NULL, &a), BRSKI_ERR_ARG);
    assert_string_equal(brski_key_alg_name(BRSKI_ALG_P384), "p384");
}

static bool contains(brski_slice hay, const char *needle, size_t n)
{
    for (size_t i = 0; i + n <= hay.len; i++) {
        if (memcmp(hay.p + i, needle, n) == 0) {
            return true;
        }
    }
    return false;
}

static void spki_of(brski_signer *s, brski_buf *out)
{
    brski_buf_init(out, 4096);
    assert_int_equal(brski_signer_spki(s, out), BRSKI_OK);
}

static void write_pem_file(const char *path, brski_slice der)
{
    brski_buf pem;
    brski_buf_init(&pem, 65536);
    assert_int_equal(brski_pem_encode(der, "CERTIFICATE", &pem), BRSKI_OK);
    assert_int_equal(brski_file_write(path, brski_buf_slice(&pem), 0644), BRSKI_OK);
    brski_buf_clear(&pem);
}

static void build_chain(brski_key_alg root_alg, brski_key_alg leaf_alg)
{
    brski_signer *root = NULL;
    brski_signer *leaf = NULL;
    assert_int_equal(brski_signer_generate(root_alg, &env, &root), BRSKI_OK);
    assert_int_equal(brski_signer_generate(leaf_alg, &env, &leaf), BRSKI_OK);
    brski_buf root_name;
    brski_buf leaf_name;
    brski_buf root_spki;
    brski_buf leaf_spki;
    brski_buf root_der;
    brski_buf leaf_der;
    brski_buf_init(&root_name, 1024);
    brski_buf_init(&leaf_name, 1024);
    brski_buf_init(&root_der, BRSKI_MAX_CERT);
    brski_buf_init(&leaf_der, BRSKI_MAX_CERT);
    const brski_name_attr rn[] = {{BRSKI_OID_AT_CN, BRSKI_DER_UTF8_STRING, "Test Root CA"},
                                  {BRSKI_OID_AT_O, BRSKI_DER_UTF8_STRING, "brski test"}};
    const brski_name_attr ln[] = {
        {BRSKI_OID_AT_CN, BRSKI_DER_UTF8_STRING, "Pledge 00-D0-E5-F2-00-01"},
        {BRSKI_OID_AT_SERIAL_NUMBER, BRSKI_DER_PRINTABLE_STRING, "00-D0-E5-F2-00-01"}};
    assert_int_equal(brski_name_build(rn, 2, &root_name), BRSKI_OK);
    assert_int_equal(brski_name_build(ln, 2, &leaf_name), BRSKI_OK);
    spki_of(root, &root_spki);
    spki_of(leaf, &leaf_spki);

    brski_cert_template rt;
    memset(&rt, 0, sizeof(rt));
    rt.subject = brski_buf_slice(&root_name);
    rt.spki = brski_buf_slice(&root_spki);
    rt.not_before = now - 3600;
    rt.not_after = brski_time_from_civil(2049, 12, 31, 0, 0, 0);
    rt.ca = true;
    rt.path_len = 1;
    rt.key_usage = BRSKI_KU_KEY_CERT_SIGN | BRSKI_KU_CRL_SIGN;
    assert_int_equal(brski_cert_build(&rt, root, &env, &root_der), BRSKI_OK);
    brski_cert rc;
    assert_int_equal(brski_cert_parse(brski_buf_slice(&root_der), &rc), BRSKI_OK);
    assert_true(rc.is_ca);
    assert_true(rc.basic_constraints_critical);
    assert_int_equal(rc.path_len, 1);
    assert_int_equal(rc.key_usage, BRSKI_KU_KEY_CERT_SIGN | BRSKI_KU_CRL_SIGN);
    assert_int_equal(rc.ski.len, 20);
    assert_true(brski_slice_eq(rc.ski, rc.aki_key_id));
    assert_true(brski_slice_eq(rc.issuer, rc.subject));
    assert_int_equal(rc.serial.len, 16);
    assert_int_equal(rc.sig_alg, brski_signer_sig_alg(root));
    assert_int_equal(brski_cert_verify_signed_by(&rc, &rc), BRSKI_OK);

    static const char *const eku[] = {BRSKI_OID_KP_SERVER_AUTH, BRSKI_OID_KP_CLIENT_AUTH,
                                      BRSKI_OID_KP_CMC_RA, NULL};
    static const char *const san[] = {"localhost", NULL};
    static const char *const pol[] = {"1.3.6.1.4.1.99999.1", NULL};
    const brski_ext_raw extra[] = {
        {"1.3.6.1.4.1.99999.2", false, brski_slice_make("\x05\x00", 2)}};
    const uint8_t serial[] = {0x00, 0x01, 0x02};
    brski_cert_template lt;
    memset(&lt, 0, sizeof(lt));
    lt.serial = brski_slice_make(serial, sizeof(serial));
    lt.subject = brski_buf_slice(&leaf_name);
    lt.issuer = rc.subject;
    lt.issuer_ski = rc.ski;
    lt.spki = brski_buf_slice(&leaf_spki);
    lt.not_before = now - 3600;
    lt.not_after = 253402300799; /* RFC 8995 2.3.1: 99991231235959Z */
    lt.path_len = -1;
    lt.key_usage = BRSKI_KU_DIGITAL_SIGNATURE;
    lt.eku = eku;
    lt.masa_url = "https://127.0.0.1:9443";
    lt.san_dns = san;
    static const char *const ips[] = {"127.0.0.1", "::1", NULL};
    lt.san_ip = ips;
    lt.policies = pol;
    lt.extra = extra;
    lt.extra_count = 1;
    assert_int_equal(brski_cert_build(&lt, root, &env, &leaf_der), BRSKI_OK);
    brski_cert lc;
    char txt[128];
    uint8_t tag = 0;
    assert_int_equal(brski_cert_parse(brski_buf_slice(&leaf_der), &lc), BRSKI_OK);
    assert_int_equal(lc.serial.len, 2);
    assert_memory_equal(lc.serial.p, "\x01\x02", 2);
    assert_true(lc.has_basic_constraints);
    assert_false(lc.is_ca);
    assert_int_equal(lc.key_usage, BRSKI_KU_DIGITAL_SIGNATURE);
    assert_int_equal(lc.eku_count, 3);
    assert_string_equal(lc.eku[2], BRSKI_OID_KP_CMC_RA);
    assert_true(lc.has_masa_url);
    assert_string_equal(lc.masa_url, "https://127.0.0.1:9443");
    assert_int_equal(lc.san_dns_count, 1);
    assert_string_equal(lc.san_dns[0], "localhost");
    assert_int_equal(lc.san_ip_count, 2);
    assert_int_equal(lc.san_ip_len[0], 4);
    assert_memory_equal(lc.san_ip[0], "\x7f\x00\x00\x01", 4);
    assert_int_equal(lc.san_ip_len[1], 16);
    assert_int_equal(lc.san_ip[1][15], 1);
    assert_int_equal(lc.policy_count, 1);
    assert_string_equal(lc.policies[0], "1.3.6.1.4.1.99999.1");
    assert_true(brski_slice_eq(lc.aki_key_id, rc.ski));
    assert_true(lc.not_after == 253402300799);
    assert_true(lc.not_before == now - 3600);
    assert_int_equal(lc.key_type, brski_signer_key_type(leaf));
    assert_int_equal(brski_name_get(lc.subject, BRSKI_OID_AT_SERIAL_NUMBER, txt, sizeof(txt),
                                    &tag),
                     BRSKI_OK);
    assert_string_equal(txt, "00-D0-E5-F2-00-01");
    assert_int_equal(tag, BRSKI_DER_PRINTABLE_STRING);
    assert_int_equal(brski_cert_verify_signed_by(&lc, &rc), BRSKI_OK);
    assert_int_equal(brski_cert_verify_signed_by(&lc, &lc), BRSKI_ERR_CRYPTO);
    /* notAfter 9999 is a GeneralizedTime in the DER. */
    assert_true(contains(brski_buf_slice(&leaf_der), "\x18\x0f" "99991231235959Z", 17));

    /* OpenSSL accepts the chain. */
    const char *dir = test_tmpdir();
    char rp[512];
    char lp[512];
    char cmd[1400];
    snprintf(rp, sizeof(rp), "%s/root.pem", dir);
    snprintf(lp, sizeof(lp), "%s/leaf.pem", dir);
    write_pem_file(rp, brski_buf_slice(&root_der));
    write_pem_file(lp, brski_buf_slice(&leaf_der));
    snprintf(cmd, sizeof(cmd), "openssl verify -CAfile %s %s >/dev/null 2>&1", rp, lp);
    assert_int_equal(system(cmd), 0);
    /* A flipped signature byte: openssl and we both reject. */
    leaf_der.p[leaf_der.len - 3] ^= 0x01;
    write_pem_file(lp, brski_buf_slice(&leaf_der));
    assert_int_not_equal(system(cmd), 0);
    brski_cert bad;
    assert_int_equal(brski_cert_parse(brski_buf_slice(&leaf_der), &bad), BRSKI_OK);
    assert_int_equal(brski_cert_verify_signed_by(&bad, &rc), BRSKI_ERR_CRYPTO);
    brski_cert_clear(&bad);

    /* A CSR from the leaf key round-trips and verifies; a flipped byte does not. */
    brski_buf csr;
    brski_buf_init(&csr, BRSKI_MAX_CSR);
    assert_int_equal(brski_csr_build(brski_buf_slice(&leaf_name), leaf, &csr), BRSKI_OK);
    brski_csr req;
    assert_int_equal(brski_csr_parse(brski_buf_slice(&csr), &req), BRSKI_OK);
    assert_true(brski_slice_eq(req.spki, brski_buf_slice(&leaf_spki)));
    assert_true(brski_slice_eq(req.subject, brski_buf_slice(&leaf_name)));
    assert_int_equal(req.key_type, brski_signer_key_type(leaf));
    assert_int_equal(req.attributes.len, 0);
    brski_csr_clear(&req);
    char cp[512];
    snprintf(cp, sizeof(cp), "%s/req.der", dir);
    assert_int_equal(brski_file_write(cp, brski_buf_slice(&csr), 0644), BRSKI_OK);
    snprintf(cmd, sizeof(cmd), "openssl req -inform DER -in %s -verify -noout >/dev/null 2>&1",
             cp);
    assert_int_equal(system(cmd), 0);
    csr.p[csr.len - 2] ^= 0x01;
    assert_int_equal(brski_csr_parse(brski_buf_slice(&csr), &req), BRSKI_ERR_CRYPTO);
    brski_buf_clear(&csr);

    brski_cert_clear(&lc);
    brski_cert_clear(&rc);
    brski_buf_clear(&root_name);
    brski_buf_clear(&leaf_name);
    brski_buf_clear(&root_spki);
    brski_buf_clear(&leaf_spki);
    brski_buf_clear(&root_der);
    brski_buf_clear(&leaf_der);
    brski_signer_free(root);
    brski_signer_free(leaf);
}

static void test_signer_cert_build_round_trips(void **state)
{
    (void)state;
    build_chain(BRSKI_ALG_P256, BRSKI_ALG_P256);
    build_chain(BRSKI_ALG_P384, BRSKI_ALG_P521);
    build_chain(BRSKI_ALG_ED25519, BRSKI_ALG_ED25519);
    build_chain(BRSKI_ALG_RSA2048, BRSKI_ALG_P256);
}

static void test_signer_csr_from_openssl_parses(void **state)
{
    (void)state;
    const char *dir = test_tmpdir();
    char cmd[1400];
    char path[512];
    char txt[64];
    snprintf(cmd, sizeof(cmd),
             "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout %s/k "
             "-subj /CN=pledge/serialNumber=00-D0-E5-F2-00-07 -outform DER -out %s/r.der "
             ">/dev/null 2>&1",
             dir, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof(path), "%s/r.der", dir);
    brski_buf der;
    brski_buf_init(&der, BRSKI_MAX_CSR);
    assert_int_equal(brski_file_read(path, &der), BRSKI_OK);
    brski_csr req;
    assert_int_equal(brski_csr_parse(brski_buf_slice(&der), &req), BRSKI_OK);
    assert_int_equal(req.key_type, BRSKI_KEY_EC);
    assert_int_equal(req.key_bits, 384);
    assert_int_equal(req.sig_alg, BRSKI_SIG_ECDSA_SHA256);
    assert_int_equal(brski_name_get(req.subject, BRSKI_OID_AT_SERIAL_NUMBER, txt, sizeof(txt),
                                    NULL),
                     BRSKI_OK);
    assert_string_equal(txt, "00-D0-E5-F2-00-07");
    brski_csr_clear(&req);
    /* Truncated and oversized requests are refused without a crash. */
    assert_int_equal(brski_csr_parse(brski_slice_make(der.p, der.len - 1), &req),
                     BRSKI_ERR_MALFORMED);
    uint8_t *big = calloc(1, BRSKI_MAX_CSR + 1);
    assert_non_null(big);
    assert_int_equal(brski_csr_parse(brski_slice_make(big, BRSKI_MAX_CSR + 1), &req),
                     BRSKI_ERR_TOOBIG);
    free(big);
    brski_buf_clear(&der);
}

/* Builds a P-256 self-signed certificate with |extra| and a subject CN |cn| (UTF8String). */
static brski_err build_odd(brski_signer *key, const char *cn, const brski_ext_raw *extra,
                           size_t n, brski_cert *out)
{
    brski_buf name;
    brski_buf spki;
    brski_buf der;
    brski_buf_init(&name, 1024);
    brski_buf_init(&der, BRSKI_MAX_CERT);
    spki_of(key, &spki);
    const brski_name_attr attrs[] = {{BRSKI_OID_AT_CN, BRSKI_DER_UTF8_STRING, cn}};
    assert_int_equal(brski_name_build(attrs, 1, &name), BRSKI_OK);
    brski_cert_template t;
    memset(&t, 0, sizeof(t));
    t.subject = brski_buf_slice(&name);
    t.spki = brski_buf_slice(&spki);
    t.not_before = now;
    t.not_after = now + 86400;
    t.path_len = -1;
    t.extra = extra;
    t.extra_count = n;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(extra[i].oid, "2.5.29.19") == 0) {
            t.no_basic_constraints = true;
        }
    }
    assert_int_equal(brski_cert_build(&t, key, &env, &der), BRSKI_OK);
    brski_err rv = brski_cert_parse(brski_buf_slice(&der), out);
    brski_buf_clear(&name);
    brski_buf_clear(&spki);
    brski_buf_clear(&der);
    return rv;
}

static void test_signer_parser_rejects_odd_extensions(void **state)
{
    (void)state;
    brski_signer *k = NULL;
    brski_cert c;
    assert_int_equal(brski_signer_generate(BRSKI_ALG_P256, &env, &k), BRSKI_OK);
    /* Baseline parses, with an unknown critical extension recorded for policy. */
    const brski_ext_raw crit[] = {{"1.2.3.4", true, brski_slice_make("\x05\x00", 2)}};
    assert_int_equal(build_odd(k, "ok", crit, 1, &c), BRSKI_OK);
    assert_string_equal(c.unknown_critical, "1.2.3.4");
    assert_true(c.has_basic_constraints);
    assert_false(c.basic_constraints_critical);
    brski_cert_clear(&c);
    /* Ten dNSNames: the first BRSKI_X509_MAX_SAN are kept and the rest flagged. */
    const brski_ext_raw many[] = {
        {"2.5.29.17", false,
         brski_slice_make("\x30\x1e\x82\x01\x61\x82\x01\x62\x82\x01\x63\x82\x01\x64"
                          "\x82\x01\x65\x82\x01\x66\x82\x01\x67\x82\x01\x68\x82\x01\x69"
                          "\x82\x01\x6a",
                          32)}};
    assert_int_equal(build_odd(k, "many", many, 1, &c), BRSKI_OK);
    assert_int_equal(c.san_dns_count, BRSKI_X509_MAX_SAN);
    assert_true(c.san_truncated);
    assert_string_equal(c.san_dns[7], "h");
    brski_cert_clear(&c);
    /* Invalid UTF-8 in the subject. */
    assert_int_equal(build_odd(k, "bad \xc0\xaf", NULL, 0, &c), BRSKI_ERR_MALFORMED);
    /* keyUsage with no bit set (RFC 5280 4.2.1.3). */
    const brski_ext_raw ku[] = {{"2.5.29.15", true, brski_slice_make("\x03\x01\x00", 3)}};
    assert_int_equal(build_odd(k, "ku", ku, 1, &c), BRSKI_ERR_MALFORMED);
    /* A second subjectKeyIdentifier (RFC 5280 4.2: one instance per extension). */
    const brski_ext_raw dup[] = {{"2.5.29.14", false, brski_slice_make("\x04\x01\x01", 3)}};
    assert_int_equal(build_odd(k, "dup", dup, 1, &c), BRSKI_ERR_MALFORMED);
    /* MASA URL as UTF8String instead of IA5String (RFC 8995 2.3.2). */
    const brski_ext_raw masa[] = {{BRSKI_OID_MASA_URL, false, brski_slice_make("\x0c\x01x", 3)}};
    assert_int_equal(build_odd(k, "masa", masa, 1, &c), BRSKI_ERR_MALFORMED);
    /* cA explicitly FALSE is not DER. */
    const brski_ext_raw cafalse[] = {
        {"2.5.29.19", false, brski_slice_make("\x30\x03\x01\x01\x00", 5)}};
    assert_int_equal(build_odd(k, "cafalse", cafalse, 1, &c), BRSKI_ERR_MALFORMED);
    /* The same extension with cA TRUE and pathLen 0 parses. */
    const brski_ext_raw catrue[] = {
        {"2.5.29.19", true, brski_slice_make("\x30\x06\x01\x01\xff\x02\x01\x00", 8)}};
    assert_int_equal(build_odd(k, "catrue", catrue, 1, &c), BRSKI_OK);
    assert_true(c.is_ca);
    assert_true(c.basic_constraints_critical);
    assert_int_equal(c.path_len, 0);
    brski_cert_clear(&c);
    brski_signer_free(k);
}

static int setup(void **state)
{
    (void)state;
    test_env_init(&env, &now, &seed);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signer_generate_sign_verify_all_algs),
        cmocka_unit_test(test_signer_loads_spec_keys),
        cmocka_unit_test(test_signer_file_modes_and_openssl_keys),
        cmocka_unit_test(test_signer_key_alg_names),
        cmocka_unit_test(test_signer_rejects_corrupt_rsa_key),
        cmocka_unit_test(test_signer_rejects_mismatched_ec_public_key),
        cmocka_unit_test(test_signer_cert_build_round_trips),
        cmocka_unit_test(test_signer_csr_from_openssl_parses),
        cmocka_unit_test(test_signer_parser_rejects_odd_extensions),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
