/* Unit tests for certificate parsing, names and signature checks (spec vectors). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "brski/codec.h"
#include "brski/der.h"
#include "brski/x509.h"
#include "testutil.h"

/* Loads the first certificate of a spec vector file (PEM or DER). */
static void load_cert(const char *rel, brski_cert *out)
{
    brski_buf raw;
    brski_cert *arr = NULL;
    size_t n = 0;
    test_read_vector(rel, &raw);
    assert_int_equal(brski_certs_load(brski_buf_slice(&raw), 4, &arr, &n), BRSKI_OK);
    assert_int_equal(n, 1);
    assert_int_equal(brski_cert_parse(brski_cert_der(&arr[0]), out), BRSKI_OK);
    brski_certs_free(arr, n);
    brski_buf_clear(&raw);
}

static void test_x509_parse_cbrski_pledge_fields(void **state)
{
    (void)state;
    brski_cert c;
    char txt[256];
    uint8_t tag = 0;
    load_cert("spec/cbrski/pledge.pem", &c);
    assert_int_equal(c.version, 3);
    assert_int_equal(c.serial.len, 2);
    assert_memory_equal(c.serial.p, "\x7e\xad", 2);
    assert_int_equal(c.sig_alg, BRSKI_SIG_ECDSA_SHA256);
    assert_true(c.sig_alg_match);
    assert_int_equal(c.key_type, BRSKI_KEY_EC);
    assert_int_equal(c.key_bits, 256);
    assert_int_equal(c.pubkey.len, 65);
    assert_int_equal(c.pubkey.p[0], 0x04);
    assert_int_equal(c.pubkey.p[1], 0x48);
    assert_int_equal(brski_name_get(c.subject, BRSKI_OID_AT_SERIAL_NUMBER, txt, sizeof(txt),
                                    &tag),
                     BRSKI_OK);
    assert_string_equal(txt, "JADA123456789");
    assert_int_equal(brski_name_get(c.subject, BRSKI_OID_AT_CN, txt, sizeof(txt), NULL),
                     BRSKI_OK);
    assert_string_equal(txt, "Stok IoT sensor Y-42");
    assert_int_equal(brski_name_get(c.subject, BRSKI_OID_AT_O, txt, sizeof(txt), NULL),
                     BRSKI_ERR_NOTFOUND);
    assert_int_equal(brski_name_to_str(c.issuer, txt, sizeof(txt)), BRSKI_OK);
    assert_string_equal(txt, "CN=masa.stok.nl, O=vanderstok, L=Helmond, C=NL");
    assert_true(c.has_masa_url);
    assert_false(c.masa_url_critical);
    assert_string_equal(c.masa_url, "masa.stok.nl");
    assert_true(c.has_key_usage);
    assert_int_equal(c.key_usage, BRSKI_KU_DIGITAL_SIGNATURE | BRSKI_KU_NON_REPUDIATION |
                                      BRSKI_KU_KEY_ENCIPHERMENT | BRSKI_KU_DATA_ENCIPHERMENT);
    assert_true(c.has_basic_constraints);
    assert_false(c.is_ca);
    assert_int_equal(c.aki_key_id.len, 20);
    assert_int_equal(c.aki_key_id.p[0], 0xcb);
    assert_int_equal(c.ski.len, 0);
    assert_true(c.not_before == brski_time_from_civil(2022, 12, 9, 12, 50, 47));
    assert_true(c.not_after == brski_time_from_civil(9999, 12, 31, 12, 50, 47));
    assert_string_equal(c.unknown_critical, "");

    /* Signed by the MASA CA; its SKI matches our AKI. */
    brski_cert ca;
    load_cert("spec/cbrski/masa_ca.pem", &ca);
    assert_true(brski_slice_eq(ca.ski, c.aki_key_id));
    assert_true(ca.is_ca);
    assert_int_equal(brski_cert_verify_signed_by(&c, &ca), BRSKI_OK);
    assert_int_equal(brski_cert_verify_signed_by(&ca, &ca), BRSKI_OK);
    /* Not signed by the domain CA. */
    brski_cert dca;
    load_cert("spec/cbrski/domain_ca.pem", &dca);
    assert_int_equal(brski_cert_verify_signed_by(&c, &dca), BRSKI_ERR_CRYPTO);
    brski_cert_clear(&dca);
    brski_cert_clear(&ca);
    brski_cert_clear(&c);
}

static void test_x509_parse_registrar_eku_and_san(void **state)
{
    (void)state;
    brski_cert c;
    char txt[256];
    load_cert("spec/cbrski/registrar.pem", &c);
    assert_true(c.has_eku);
    assert_int_equal(c.eku_count, 3);
    assert_string_equal(c.eku[0], BRSKI_OID_KP_CMC_RA);
    assert_string_equal(c.eku[1], BRSKI_OID_KP_SERVER_AUTH);
    assert_string_equal(c.eku[2], BRSKI_OID_KP_CLIENT_AUTH);
    assert_int_equal(brski_name_to_str(c.subject, txt, sizeof(txt)), BRSKI_OK);
    assert_string_equal(txt, "CN=Custom-ER Registrar, OU=Office dept, O=Custom-ER\\, Inc., "
                             "L=Ottowa, ST=ON, C=CA");
    brski_cert ca;
    load_cert("spec/cbrski/domain_ca.pem", &ca);
    assert_int_equal(brski_cert_verify_signed_by(&c, &ca), BRSKI_OK);
    /* Too small an output buffer is reported, not truncated silently. */
    assert_int_equal(brski_name_to_str(c.subject, txt, 10), BRSKI_ERR_TOOBIG);
    brski_cert_clear(&ca);
    brski_cert_clear(&c);
}

static void test_x509_rfc8995_chain_and_rsa(void **state)
{
    (void)state;
    brski_cert idevid;
    brski_cert vendor;
    brski_cert rsa_ca;
    brski_cert masa;
    char txt[128];
    uint8_t tag = 0;
    load_cert("spec/rfc8995/idevid_00-D0-E5-F2-00-02.crt.der", &idevid);
    load_cert("spec/rfc8995/vendor.crt.pem", &vendor);
    load_cert("spec/rfc8366bis/vendor-rsa3072.crt.pem", &rsa_ca);
    load_cert("spec/rfc8995/masa.crt.pem", &masa);
    assert_int_equal(idevid.sig_alg, BRSKI_SIG_RSA_SHA256);
    assert_int_equal(brski_name_get(idevid.subject, BRSKI_OID_AT_SERIAL_NUMBER, txt, sizeof(txt),
                                    &tag),
                     BRSKI_OK);
    assert_string_equal(txt, "00-D0-E5-F2-00-02");
    assert_int_equal(tag, BRSKI_DER_PRINTABLE_STRING);
    assert_string_equal(idevid.masa_url, "highway-test.example.com:9443");
    assert_true(idevid.not_after == brski_time_from_civil(2999, 12, 31, 0, 0, 0));
    assert_int_equal(rsa_ca.key_type, BRSKI_KEY_RSA);
    assert_int_equal(rsa_ca.key_bits, 3072);
    assert_int_equal(vendor.key_type, BRSKI_KEY_EC);
    assert_int_equal(vendor.key_bits, 384);
    /* PROVENANCE: the C.1.5 IDevID is signed by the RSA-3072 CA, not the P-384 vendor CA. */
    assert_int_equal(brski_cert_verify_signed_by(&idevid, &rsa_ca), BRSKI_OK);
    assert_int_equal(brski_cert_verify_signed_by(&idevid, &vendor), BRSKI_ERR_CRYPTO);
    assert_int_equal(brski_cert_verify_signed_by(&masa, &vendor), BRSKI_OK);
    assert_int_equal(brski_cert_verify_signed_by(&vendor, &vendor), BRSKI_OK);
    assert_int_equal(brski_cert_verify_signed_by(&rsa_ca, &rsa_ca), BRSKI_OK);

    /* A flipped byte in the signed bytes makes every check fail. */
    const brski_cert *pairs[][2] = {{&idevid, &rsa_ca}, {&masa, &vendor}};
    for (size_t i = 0; i < 2; i++) {
        const brski_cert *child = pairs[i][0];
        uint8_t *tbs = malloc(child->tbs.len + child->signature.len);
        assert_non_null(tbs);
        memcpy(tbs, child->tbs.p, child->tbs.len);
        tbs[child->tbs.len - 5] ^= 0x01;
        assert_int_equal(brski_pubkey_verify(pairs[i][1]->spki, child->sig_alg,
                                             BRSKI_SIG_FMT_DER,
                                             brski_slice_make(tbs, child->tbs.len),
                                             child->signature),
                         BRSKI_ERR_CRYPTO);
        memcpy(tbs, child->signature.p, child->signature.len);
        tbs[child->signature.len / 2] ^= 0x40;
        assert_int_equal(brski_pubkey_verify(pairs[i][1]->spki, child->sig_alg,
                                             BRSKI_SIG_FMT_DER, child->tbs,
                                             brski_slice_make(tbs, child->signature.len)),
                         BRSKI_ERR_CRYPTO);
        free(tbs);
    }
    /* Wrong hash for the right key. */
    assert_int_equal(brski_pubkey_verify(rsa_ca.spki, BRSKI_SIG_RSA_SHA384, BRSKI_SIG_FMT_DER,
                                         idevid.tbs, idevid.signature),
                     BRSKI_ERR_CRYPTO);
    /* Algorithm that does not suit the key. */
    assert_int_equal(brski_pubkey_verify(rsa_ca.spki, BRSKI_SIG_ECDSA_SHA256, BRSKI_SIG_FMT_DER,
                                         idevid.tbs, idevid.signature),
                     BRSKI_ERR_CRYPTO);
    assert_int_equal(brski_pubkey_verify(vendor.spki, BRSKI_SIG_UNKNOWN, BRSKI_SIG_FMT_DER,
                                         masa.tbs, masa.signature),
                     BRSKI_ERR_UNSUPPORTED);
    brski_cert_clear(&masa);
    brski_cert_clear(&rsa_ca);
    brski_cert_clear(&vendor);
    brski_cert_clear(&idevid);
}

/* Converts a DER ECDSA-Sig-Value to fixed-width r||s. */
static size_t ecdsa_der_to_raw(brski_slice der, size_t flen, uint8_t *out)
{
    brski_slice seq;
    brski_slice r;
    brski_slice s;
    assert_int_equal(brski_der_expect(&der, BRSKI_DER_SEQUENCE, &seq, NULL), BRSKI_OK);
    assert_int_equal(brski_der_expect(&seq, BRSKI_DER_INTEGER, &r, NULL), BRSKI_OK);
    assert_int_equal(brski_der_expect(&seq, BRSKI_DER_INTEGER, &s, NULL), BRSKI_OK);
    memset(out, 0, 2 * flen);
    const brski_slice v[2] = {r, s};
    for (size_t i = 0; i < 2; i++) {
        brski_slice x = v[i];
        while (x.len > flen) {
            x.p++;
            x.len--;
        }
        memcpy(out + i * flen + (flen - x.len), x.p, x.len);
    }
    return 2 * flen;
}

static void test_x509_ecdsa_raw_format(void **state)
{
    (void)state;
    brski_cert c;
    brski_cert ca;
    uint8_t raw[132];
    load_cert("spec/cbrski/pledge.pem", &c);
    load_cert("spec/cbrski/masa_ca.pem", &ca);
    size_t n = ecdsa_der_to_raw(c.signature, 32, raw);
    assert_int_equal(brski_pubkey_verify(ca.spki, BRSKI_SIG_ECDSA_SHA256, BRSKI_SIG_FMT_RAW,
                                         c.tbs, brski_slice_make(raw, n)),
                     BRSKI_OK);
    /* DER bytes where raw is expected, raw where DER is expected, short raw. */
    assert_int_equal(brski_pubkey_verify(ca.spki, BRSKI_SIG_ECDSA_SHA256, BRSKI_SIG_FMT_RAW,
                                         c.tbs, c.signature),
                     BRSKI_ERR_CRYPTO);
    assert_int_equal(brski_pubkey_verify(ca.spki, BRSKI_SIG_ECDSA_SHA256, BRSKI_SIG_FMT_DER,
                                         c.tbs, brski_slice_make(raw, n)),
                     BRSKI_ERR_CRYPTO);
    assert_int_equal(brski_pubkey_verify(ca.spki, BRSKI_SIG_ECDSA_SHA256, BRSKI_SIG_FMT_RAW,
                                         c.tbs, brski_slice_make(raw, n - 1)),
                     BRSKI_ERR_CRYPTO);
    raw[40] ^= 0x01;
    assert_int_equal(brski_pubkey_verify(ca.spki, BRSKI_SIG_ECDSA_SHA256, BRSKI_SIG_FMT_RAW,
                                         c.tbs, brski_slice_make(raw, n)),
                     BRSKI_ERR_CRYPTO);
    /* P-384 key with a P-256-width signature. */
    brski_cert v384;
    load_cert("spec/rfc8995/vendor.crt.pem", &v384);
    n = ecdsa_der_to_raw(v384.signature, 48, raw);
    assert_int_equal(brski_pubkey_verify(v384.spki, BRSKI_SIG_ECDSA_SHA256, BRSKI_SIG_FMT_RAW,
                                         v384.tbs, brski_slice_make(raw, n)),
                     BRSKI_OK);
    assert_int_equal(brski_pubkey_verify(v384.spki, BRSKI_SIG_ECDSA_SHA256, BRSKI_SIG_FMT_RAW,
                                         v384.tbs, brski_slice_make(raw, 64)),
                     BRSKI_ERR_CRYPTO);
    brski_cert_clear(&v384);
    brski_cert_clear(&ca);
    brski_cert_clear(&c);
}

static void hex(const char *h, brski_buf *out)
{
    brski_buf_init(out, 1024);
    assert_int_equal(brski_hex_decode(brski_slice_str(h), out), BRSKI_OK);
}

static void test_x509_ed25519_rfc8032_and_s_bound(void **state)
{
    (void)state;
    /* RFC 8032 7.1 TEST 1 (empty message), public key wrapped in an RFC 8410 SPKI. */
    brski_buf spki;
    brski_buf sig;
    hex("302a300506032b6570032100"
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        &spki);
    hex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        &sig);
    brski_key_type kt = BRSKI_KEY_NONE;
    unsigned bits = 0;
    assert_int_equal(brski_spki_info(brski_buf_slice(&spki), &kt, &bits), BRSKI_OK);
    assert_int_equal(kt, BRSKI_KEY_ED25519);
    assert_int_equal(bits, 256);
    brski_slice empty = brski_slice_make(NULL, 0);
    assert_int_equal(brski_pubkey_verify(brski_buf_slice(&spki), BRSKI_SIG_ED25519,
                                         BRSKI_SIG_FMT_RAW, empty, brski_buf_slice(&sig)),
                     BRSKI_OK);
    assert_int_equal(brski_pubkey_verify(brski_buf_slice(&spki), BRSKI_SIG_ED25519,
                                         BRSKI_SIG_FMT_DER, brski_slice_str("x"),
                                         brski_buf_slice(&sig)),
                     BRSKI_ERR_CRYPTO);
    /* S + L: same signature mod L, non-canonical; must be rejected (RFC 8032 5.1.7). */
    static const uint8_t l[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58,
                                  0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
                                  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};
    unsigned carry = 0;
    for (size_t i = 0; i < 32; i++) {
        unsigned v = sig.p[32 + i] + l[i] + carry;
        sig.p[32 + i] = (uint8_t)v;
        carry = v >> 8;
    }
    assert_int_equal(carry, 0);
    assert_int_equal(brski_pubkey_verify(brski_buf_slice(&spki), BRSKI_SIG_ED25519,
                                         BRSKI_SIG_FMT_RAW, empty, brski_buf_slice(&sig)),
                     BRSKI_ERR_CRYPTO);
    /* ECDSA algorithm with an Ed25519 key. */
    assert_int_equal(brski_pubkey_verify(brski_buf_slice(&spki), BRSKI_SIG_ECDSA_SHA384,
                                         BRSKI_SIG_FMT_RAW, empty, brski_buf_slice(&sig)),
                     BRSKI_ERR_CRYPTO);
    brski_buf_clear(&sig);
    brski_buf_clear(&spki);
}

static void test_x509_certs_load_pem_bundle_and_limits(void **state)
{
    (void)state;
    brski_buf a;
    brski_buf b;
    test_read_vector("spec/cbrski/masa.pem", &a);
    test_read_vector("spec/cbrski/masa_ca.pem", &b);
    assert_int_equal(brski_buf_append(&a, b.p, b.len), BRSKI_OK);
    brski_cert *arr = NULL;
    size_t n = 0;
    assert_int_equal(brski_certs_load(brski_buf_slice(&a), 4, &arr, &n), BRSKI_OK);
    assert_int_equal(n, 2);
    assert_int_equal(brski_cert_verify_signed_by(&arr[0], &arr[1]), BRSKI_OK);
    assert_int_equal(arr[0].san_dns_count, 0);
    brski_certs_free(arr, n);
    arr = NULL;
    n = 0;
    assert_int_equal(brski_certs_load(brski_buf_slice(&a), 1, &arr, &n), BRSKI_ERR_TOOBIG);
    assert_int_equal(n, 1);
    brski_certs_free(arr, n);
    arr = NULL;
    n = 0;
    assert_int_equal(brski_certs_load(brski_slice_str("-----BEGIN FOO-----\n-----END FOO-----\n"),
                                      4, &arr, &n),
                     BRSKI_ERR_NOTFOUND);
    brski_certs_free(arr, n);
    brski_buf_clear(&b);
    brski_buf_clear(&a);
}

static void test_x509_parse_rejects_mutations(void **state)
{
    (void)state;
    brski_buf raw;
    brski_cert c;
    test_read_vector("spec/cbrski/pledge.der", &raw);
    assert_int_equal(brski_cert_parse(brski_buf_slice(&raw), &c), BRSKI_OK);
    brski_cert_clear(&c);
    /* Truncations never crash and never parse. */
    for (size_t len = 0; len < raw.len; len++) {
        assert_int_not_equal(brski_cert_parse(brski_slice_make(raw.p, len), &c), BRSKI_OK);
    }
    /* Trailing byte. */
    assert_int_equal(brski_buf_append_byte(&raw, 0), BRSKI_OK);
    assert_int_equal(brski_cert_parse(brski_buf_slice(&raw), &c), BRSKI_ERR_MALFORMED);
    raw.len--;
    /* Every single-byte flip either fails to parse or fails the signature check. */
    brski_cert ca;
    load_cert("spec/cbrski/masa_ca.pem", &ca);
    size_t parsed = 0;
    for (size_t i = 0; i < raw.len; i++) {
        raw.p[i] ^= 0x01;
        if (brski_cert_parse(brski_buf_slice(&raw), &c) == BRSKI_OK) {
            parsed++;
            assert_int_not_equal(brski_cert_verify_signed_by(&c, &ca), BRSKI_OK);
            brski_cert_clear(&c);
        }
        raw.p[i] ^= 0x01;
    }
    assert_true(parsed > 0);
    brski_cert_clear(&ca);
    /* Over the size limit. */
    uint8_t *big = calloc(1, BRSKI_MAX_CERT + 1);
    assert_non_null(big);
    assert_int_equal(brski_cert_parse(brski_slice_make(big, BRSKI_MAX_CERT + 1), &c),
                     BRSKI_ERR_TOOBIG);
    free(big);
    brski_buf_clear(&raw);
}

static void test_x509_sha256_known_answer(void **state)
{
    (void)state;
    uint8_t out[32];
    assert_int_equal(brski_sha256(brski_slice_str("abc"), out), BRSKI_OK);
    assert_memory_equal(out, "\xba\x78\x16\xbf\x8f\x01\xcf\xea\x41\x41\x40\xde\x5d\xae\x22\x23"
                             "\xb0\x03\x61\xa3\x96\x17\x7a\x9c\xb4\x10\xff\x61\xf2\x00\x15\xad",
                        32);
    assert_string_equal(brski_sig_alg_name(BRSKI_SIG_ECDSA_SHA384), "ecdsa-with-SHA384");
    assert_string_equal(brski_key_type_name(BRSKI_KEY_ED25519), "ed25519");
}

/* Hex string field of a JSON object into |out| (reset first). */
static void json_hex(json_t *obj, const char *key, brski_buf *out)
{
    const char *h = json_string_value(json_object_get(obj, key));
    assert_non_null(h);
    brski_buf_reset(out);
    assert_int_equal(brski_hex_decode(brski_slice_str(h), out), BRSKI_OK);
}

/*
 * Runs a Wycheproof verify file through brski_pubkey_verify: every "valid"
 * vector must verify, every "invalid" one must not ("acceptable" may go
 * either way). Returns the number of vectors run.
 */
static size_t run_wycheproof(const char *file, brski_sig_alg alg, brski_sig_format fmt)
{
    brski_buf raw;
    char rel[256];
    snprintf(rel, sizeof(rel), "external/wycheproof/testvectors_v1/%s", file);
    test_read_vector(rel, &raw);
    json_error_t jerr;
    json_t *root = json_loadb((const char *)raw.p, raw.len, 0, &jerr);
    assert_non_null(root);
    brski_buf spki;
    brski_buf msg;
    brski_buf sig;
    brski_buf_init(&spki, 4096);
    brski_buf_init(&msg, BRSKI_MAX_FILE);
    brski_buf_init(&sig, 65536);
    size_t run = 0;
    size_t failures = 0;
    json_t *groups = json_object_get(root, "testGroups");
    for (size_t g = 0; g < json_array_size(groups); g++) {
        json_t *grp = json_array_get(groups, g);
        json_hex(grp, "publicKeyDer", &spki);
        json_t *tests = json_object_get(grp, "tests");
        for (size_t t = 0; t < json_array_size(tests); t++) {
            json_t *tc = json_array_get(tests, t);
            const char *result = json_string_value(json_object_get(tc, "result"));
            json_hex(tc, "msg", &msg);
            json_hex(tc, "sig", &sig);
            brski_err rv = brski_pubkey_verify(brski_buf_slice(&spki), alg, fmt,
                                               brski_buf_slice(&msg), brski_buf_slice(&sig));
            bool ok = rv == BRSKI_OK;
            bool bad_outcome = (strcmp(result, "valid") == 0 && !ok) ||
                               (strcmp(result, "invalid") == 0 && ok);
            if (bad_outcome) {
                fprintf(stderr, "%s tcId %lld: expected %s, got %s\n", file,
                        (long long)json_integer_value(json_object_get(tc, "tcId")), result,
                        brski_err_str(rv));
                failures++;
            }
            run++;
        }
    }
    assert_int_equal(failures, 0);
    brski_buf_clear(&sig);
    brski_buf_clear(&msg);
    brski_buf_clear(&spki);
    json_decref(root);
    brski_buf_clear(&raw);
    return run;
}

static void test_x509_wycheproof_signature_vectors(void **state)
{
    (void)state;
    assert_int_equal(run_wycheproof("ecdsa_secp256r1_sha256_test.json", BRSKI_SIG_ECDSA_SHA256,
                                    BRSKI_SIG_FMT_DER),
                     484);
    assert_int_equal(run_wycheproof("ecdsa_secp256r1_sha256_p1363_test.json",
                                    BRSKI_SIG_ECDSA_SHA256, BRSKI_SIG_FMT_RAW),
                     262);
    assert_int_equal(run_wycheproof("ecdsa_secp384r1_sha384_test.json", BRSKI_SIG_ECDSA_SHA384,
                                    BRSKI_SIG_FMT_DER),
                     504);
    assert_int_equal(run_wycheproof("ecdsa_secp384r1_sha384_p1363_test.json",
                                    BRSKI_SIG_ECDSA_SHA384, BRSKI_SIG_FMT_RAW),
                     280);
    assert_int_equal(run_wycheproof("ed25519_test.json", BRSKI_SIG_ED25519, BRSKI_SIG_FMT_RAW),
                     151);
    assert_int_equal(run_wycheproof("rsa_signature_2048_sha256_test.json", BRSKI_SIG_RSA_SHA256,
                                    BRSKI_SIG_FMT_DER),
                     259);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_x509_parse_cbrski_pledge_fields),
        cmocka_unit_test(test_x509_parse_registrar_eku_and_san),
        cmocka_unit_test(test_x509_rfc8995_chain_and_rsa),
        cmocka_unit_test(test_x509_ecdsa_raw_format),
        cmocka_unit_test(test_x509_ed25519_rfc8032_and_s_bound),
        cmocka_unit_test(test_x509_certs_load_pem_bundle_and_limits),
        cmocka_unit_test(test_x509_parse_rejects_mutations),
        cmocka_unit_test(test_x509_sha256_known_answer),
        cmocka_unit_test(test_x509_wycheproof_signature_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
