/*
 * Unit tests for est_ca.c: the LDevID issuing decision (RFC 8995 5.9.2,
 * RFC 7030 4.2) over OpenSSL-made CSRs and certificates (tests/vectors/est).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "brski/codec.h"
#include "brski/est.h"
#include "brski/file.h"
#include "brski/signer.h"
#include "brski/x509.h"
#include "testutil.h"

static void read_fixture(const char *name, brski_buf *out)
{
    char path[1024];
    int n = snprintf(path, sizeof(path), "%s/tests/vectors/est/%s", BRSKI_SOURCE_DIR, name);
    assert_true(n > 0 && (size_t)n < sizeof(path));
    brski_buf_init(out, BRSKI_MAX_FILE);
    assert_int_equal(brski_file_read(path, out), BRSKI_OK);
}

typedef struct fixture {
    brski_buf ca_der, idev_der, csr;
    brski_cert ca, idev;
    brski_signer *ca_key;
    brski_est_ca est;
    brski_env env;
    int64_t now;
    uint64_t seed;
} fixture;

static void fixture_init(fixture *f)
{
    brski_buf key;
    memset(f, 0, sizeof(*f));
    read_fixture("ca.der", &f->ca_der);
    read_fixture("idevid.der", &f->idev_der);
    read_fixture("ca.key", &key);
    assert_int_equal(brski_cert_parse(brski_buf_slice(&f->ca_der), &f->ca), BRSKI_OK);
    assert_int_equal(brski_cert_parse(brski_buf_slice(&f->idev_der), &f->idev), BRSKI_OK);
    assert_int_equal(brski_signer_from_bytes(brski_buf_slice(&key), &f->ca_key), BRSKI_OK);
    brski_buf_wipe(&key);
    f->now = brski_time_from_civil(2027, 1, 1, 0, 0, 0);
    f->seed = 0x5eed;
    test_env_init(&f->env, &f->now, &f->seed);
    brski_est_ca_init(&f->est, f->ca_key, &f->ca);
    brski_buf_init(&f->csr, BRSKI_MAX_CSR);
}

static void fixture_clear(fixture *f)
{
    brski_cert_clear(&f->ca);
    brski_cert_clear(&f->idev);
    brski_signer_free(f->ca_key);
    brski_buf_clear(&f->ca_der);
    brski_buf_clear(&f->idev_der);
    brski_buf_clear(&f->csr);
}

static brski_err csr_load(const char *name, brski_csr *csr)
{
    brski_buf der;
    read_fixture(name, &der);
    brski_err rv = brski_csr_parse(brski_buf_slice(&der), csr);
    brski_buf_clear(&der);
    return rv;
}

static void test_est_csr_from_body_openssl(void **state)
{
    (void)state;
    brski_buf b64, der, body;
    brski_csr csr;
    memset(&csr, 0, sizeof(csr));
    read_fixture("csr_p256.b64", &b64);
    assert_int_equal(brski_est_csr_from_body(brski_buf_slice(&b64), &csr), BRSKI_OK);
    assert_int_equal(csr.key_type, BRSKI_KEY_EC);
    assert_int_equal(csr.key_bits, 256);
    assert_int_equal(csr.sig_alg, BRSKI_SIG_ECDSA_SHA256);
    brski_csr_clear(&csr);

    /* Flipped signature byte: the self-signature fails. */
    read_fixture("csr_badsig.der", &der);
    brski_buf_init(&body, BRSKI_MAX_BODY);
    assert_int_equal(brski_est_body_encode(brski_buf_slice(&der), &body), BRSKI_OK);
    memset(&csr, 0, sizeof(csr));
    assert_int_equal(brski_est_csr_from_body(brski_buf_slice(&body), &csr), BRSKI_ERR_CRYPTO);
    brski_csr_clear(&csr);

    /* Every truncation of the CSR body fails without a crash. */
    for (size_t len = 0; len + 4 < body.len; len += 4) {
        memset(&csr, 0, sizeof(csr));
        brski_err rv = brski_est_csr_from_body(brski_slice_make(body.p, len), &csr);
        assert_int_not_equal(rv, BRSKI_OK);
        brski_csr_clear(&csr);
    }
    brski_buf_clear(&b64);
    brski_buf_clear(&der);
    brski_buf_clear(&body);
}

static void test_est_enroll_issues_ldevid(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f);
    brski_csr csr;
    memset(&csr, 0, sizeof(csr));
    assert_int_equal(csr_load("csr_p256.der", &csr), BRSKI_OK);
    brski_buf out;
    brski_buf_init(&out, BRSKI_MAX_CERT);
    assert_int_equal(brski_est_enroll(&f.est, &csr, &f.idev, false, &f.env, &out), BRSKI_OK);

    brski_cert ld;
    memset(&ld, 0, sizeof(ld));
    assert_int_equal(brski_cert_parse(brski_buf_slice(&out), &ld), BRSKI_OK);
    assert_int_equal(brski_cert_verify_signed_by(&ld, &f.ca), BRSKI_OK);
    assert_true(brski_slice_eq(ld.issuer, f.ca.subject));
    assert_true(brski_slice_eq(ld.spki, csr.spki));
    assert_true(brski_slice_eq(ld.aki_key_id, f.ca.ski));
    assert_int_equal(ld.serial.len, 16);
    assert_int_equal(ld.not_before, f.now);
    assert_int_equal(ld.not_after, f.now + 365 * 24 * 3600);
    assert_false(ld.is_ca);
    assert_true(ld.has_key_usage);
    assert_int_equal(ld.key_usage, BRSKI_KU_DIGITAL_SIGNATURE | BRSKI_KU_KEY_AGREEMENT);
    assert_int_equal(ld.eku_count, 1);
    assert_string_equal(ld.eku[0], BRSKI_OID_KP_CLIENT_AUTH);
    char cn[64], sn[64];
    assert_int_equal(brski_name_get(ld.subject, BRSKI_OID_AT_CN, cn, sizeof(cn), NULL), BRSKI_OK);
    assert_string_equal(cn, "x");
    assert_int_equal(
        brski_name_get(ld.subject, BRSKI_OID_AT_SERIAL_NUMBER, sn, sizeof(sn), NULL), BRSKI_OK);
    assert_string_equal(sn, "PID-0001");

    /* A second issue gets a different serial (fresh RNG output). */
    brski_buf out2;
    brski_buf_init(&out2, BRSKI_MAX_CERT);
    f.est.server_auth = true;
    f.est.lifetime = 3600;
    assert_int_equal(brski_est_enroll(&f.est, &csr, &f.idev, false, &f.env, &out2), BRSKI_OK);
    brski_cert ld2;
    memset(&ld2, 0, sizeof(ld2));
    assert_int_equal(brski_cert_parse(brski_buf_slice(&out2), &ld2), BRSKI_OK);
    assert_false(brski_slice_eq(ld.serial, ld2.serial));
    assert_int_equal(ld2.eku_count, 2);
    assert_string_equal(ld2.eku[1], BRSKI_OID_KP_SERVER_AUTH);
    assert_int_equal(ld2.not_after, f.now + 3600);

    /* Reenroll with the issued LDevID and the same CSR subject: accepted. */
    brski_buf out3;
    brski_buf_init(&out3, BRSKI_MAX_CERT);
    assert_int_equal(brski_est_enroll(&f.est, &csr, &ld, true, &f.env, &out3), BRSKI_OK);
    /* Reenroll presenting the IDevID (not issued by this CA): refused. */
    assert_int_equal(brski_est_enroll(&f.est, &csr, &f.idev, true, &f.env, &out3),
                     BRSKI_ERR_POLICY);
    /* Reenroll whose subject would change: refused. */
    brski_csr ed;
    memset(&ed, 0, sizeof(ed));
    assert_int_equal(csr_load("csr_ed25519.der", &ed), BRSKI_OK);
    assert_int_equal(brski_est_enroll(&f.est, &ed, &ld, true, &f.env, &out3), BRSKI_ERR_POLICY);

    brski_csr_clear(&ed);
    brski_cert_clear(&ld);
    brski_cert_clear(&ld2);
    brski_buf_clear(&out);
    brski_buf_clear(&out2);
    brski_buf_clear(&out3);
    brski_csr_clear(&csr);
    fixture_clear(&f);
}

static void test_est_enroll_forces_idevid_serial(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f);
    brski_csr csr;
    memset(&csr, 0, sizeof(csr));
    assert_int_equal(csr_load("csr_serial.der", &csr), BRSKI_OK);
    brski_buf out;
    brski_buf_init(&out, BRSKI_MAX_CERT);
    assert_int_equal(brski_est_enroll(&f.est, &csr, &f.idev, false, &f.env, &out), BRSKI_OK);
    brski_cert ld;
    memset(&ld, 0, sizeof(ld));
    assert_int_equal(brski_cert_parse(brski_buf_slice(&out), &ld), BRSKI_OK);
    char str[256];
    assert_int_equal(brski_name_to_str(ld.subject, str, sizeof(str)), BRSKI_OK);
    assert_null(strstr(str, "EVIL"));
    assert_non_null(strstr(str, "PID-0001"));

    /* The same rule directly: the serialNumber-only RDN is dropped, CN kept. */
    brski_buf name;
    brski_buf_init(&name, 1024);
    assert_int_equal(brski_est_ldevid_subject(csr.subject, f.idev.subject, &name), BRSKI_OK);
    assert_true(brski_slice_eq(brski_buf_slice(&name), ld.subject));
    /* A client certificate without serialNumber (the CA itself) is refused. */
    brski_buf_reset(&name);
    assert_int_equal(brski_est_ldevid_subject(csr.subject, f.ca.subject, &name),
                     BRSKI_ERR_POLICY);
    assert_int_equal(brski_est_enroll(&f.est, &csr, &f.ca, false, &f.env, &out),
                     BRSKI_ERR_POLICY);
    brski_buf_clear(&name);
    brski_cert_clear(&ld);
    brski_buf_clear(&out);
    brski_csr_clear(&csr);
    fixture_clear(&f);
}

static void test_est_enroll_rejects_weak_and_reused_keys(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f);
    brski_buf out;
    brski_buf_init(&out, BRSKI_MAX_CERT);
    brski_csr csr;

    /* RFC 8995 5.9.2: new key, not the IDevID key. */
    memset(&csr, 0, sizeof(csr));
    assert_int_equal(csr_load("csr_idevid_key.der", &csr), BRSKI_OK);
    assert_int_equal(brski_est_enroll(&f.est, &csr, &f.idev, false, &f.env, &out),
                     BRSKI_ERR_POLICY);
    brski_csr_clear(&csr);

    /* RSA-1024 below the 2048 minimum. */
    memset(&csr, 0, sizeof(csr));
    assert_int_equal(csr_load("csr_rsa1024.der", &csr), BRSKI_OK);
    assert_int_equal(brski_est_enroll(&f.est, &csr, &f.idev, false, &f.env, &out),
                     BRSKI_ERR_POLICY);
    f.est.keys.rsa_min_bits = 1024;
    assert_int_equal(brski_est_key_check(&f.est.keys, &csr), BRSKI_OK);
    brski_csr_clear(&csr);

    /* ECDSA with SHA-1. */
    memset(&csr, 0, sizeof(csr));
    assert_int_equal(csr_load("csr_sha1.der", &csr), BRSKI_OK);
    assert_int_equal(csr.sig_alg, BRSKI_SIG_ECDSA_SHA1);
    assert_int_equal(brski_est_key_check(&f.est.keys, &csr), BRSKI_ERR_POLICY);
    assert_int_equal(brski_est_enroll(&f.est, &csr, &f.idev, false, &f.env, &out),
                     BRSKI_ERR_POLICY);
    brski_csr_clear(&csr);

    /* Ed25519 allowed by default, refused when the policy says so. */
    memset(&csr, 0, sizeof(csr));
    assert_int_equal(csr_load("csr_ed25519.der", &csr), BRSKI_OK);
    assert_int_equal(brski_est_key_check(&f.est.keys, &csr), BRSKI_OK);
    assert_int_equal(brski_est_enroll(&f.est, &csr, &f.idev, false, &f.env, &out), BRSKI_OK);
    brski_cert ld;
    memset(&ld, 0, sizeof(ld));
    assert_int_equal(brski_cert_parse(brski_buf_slice(&out), &ld), BRSKI_OK);
    assert_int_equal(ld.key_usage, BRSKI_KU_DIGITAL_SIGNATURE); /* no keyAgreement for EdDSA */
    brski_cert_clear(&ld);
    f.est.keys.allow_ed25519 = false;
    assert_int_equal(brski_est_key_check(&f.est.keys, &csr), BRSKI_ERR_POLICY);
    brski_csr_clear(&csr);

    /* P-256 refused when the minimum is 384. */
    memset(&csr, 0, sizeof(csr));
    assert_int_equal(csr_load("csr_p256.der", &csr), BRSKI_OK);
    f.est.keys.ec_min_bits = 384;
    assert_int_equal(brski_est_key_check(&f.est.keys, &csr), BRSKI_ERR_POLICY);
    brski_csr_clear(&csr);

    brski_buf_clear(&out);
    fixture_clear(&f);
}

static void test_est_csrattrs_build_and_check(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f);
    brski_buf der;
    brski_buf_init(&der, 1024);
    brski_est_csrattrs_cfg cfg = {.request_san = false};

    /* EC only: ecdsa-with-SHA256 and -SHA384, no SAN. */
    brski_est_key_policy ec_only = {.allow_ec = true, .ec_min_bits = 256};
    assert_int_equal(brski_est_csrattrs_build(&ec_only, &cfg, &der), BRSKI_OK);
    brski_est_csrattr items[8];
    size_t n = 0;
    assert_int_equal(brski_est_csrattrs_parse(brski_buf_slice(&der), items, 8, &n), BRSKI_OK);
    assert_int_equal(n, 3);
    assert_string_equal(items[0].oid, BRSKI_OID_ECDSA_SHA256);
    assert_string_equal(items[1].oid, BRSKI_OID_ECDSA_SHA384);

    brski_csr p256, ed;
    memset(&p256, 0, sizeof(p256));
    memset(&ed, 0, sizeof(ed));
    assert_int_equal(csr_load("csr_p256.der", &p256), BRSKI_OK);
    assert_int_equal(csr_load("csr_ed25519.der", &ed), BRSKI_OK);
    assert_int_equal(brski_est_csr_check_attrs(&p256, brski_buf_slice(&der)), BRSKI_OK);
    assert_int_equal(brski_est_csr_check_attrs(&ed, brski_buf_slice(&der)), BRSKI_ERR_POLICY);

    /* With SAN requested, an openssl CSR without extensionRequest is refused. */
    brski_buf_reset(&der);
    cfg.request_san = true;
    assert_int_equal(brski_est_csrattrs_build(&f.est.keys, &cfg, &der), BRSKI_OK);
    assert_int_equal(brski_est_csrattrs_parse(brski_buf_slice(&der), items, 8, &n), BRSKI_OK);
    assert_int_equal(n, 6);
    assert_string_equal(items[5].oid, BRSKI_OID_CE_SAN);
    assert_int_equal(brski_est_csr_check_attrs(&p256, brski_buf_slice(&der)), BRSKI_ERR_POLICY);
    assert_int_equal(brski_est_csr_check_attrs(&p256, brski_slice_str("junk")),
                     BRSKI_ERR_MALFORMED);

    brski_csr_clear(&p256);
    brski_csr_clear(&ed);
    brski_buf_clear(&der);
    fixture_clear(&f);
}

static void test_est_csr_from_body_rejects_hostile(void **state)
{
    (void)state;
    brski_csr csr;
    struct {
        const char *body;
        brski_err want;
    } cases[] = {
        {"", BRSKI_ERR_MALFORMED},
        {"====", BRSKI_ERR_MALFORMED},
        {"MA==", BRSKI_ERR_MALFORMED},             /* 30: truncated header */
        {"MAA=", BRSKI_ERR_MALFORMED},             /* 30 00: empty request */
        {"MIT/////", BRSKI_ERR_MALFORMED},         /* 30 84 ffffffff: huge length */
        {"MIA=", BRSKI_ERR_MALFORMED},             /* 30 80: indefinite */
        {"MAIwAA==", BRSKI_ERR_MALFORMED},         /* 30 02 30 00: nested empty */
        {"MAQwAjAA", BRSKI_ERR_MALFORMED},         /* nested garbage */
        {"BAA=", BRSKI_ERR_MALFORMED},             /* OCTET STRING */
        {"MAA=\r\nMAA=", BRSKI_ERR_MALFORMED},   /* data after padding */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&csr, 0, sizeof(csr));
        brski_err rv = brski_est_csr_from_body(brski_slice_str(cases[i].body), &csr);
        if (rv != cases[i].want) {
            fail_msg("case %zu: got %s want %s", i, brski_err_str(rv),
                     brski_err_str(cases[i].want));
        }
        brski_csr_clear(&csr);
    }

    /* Over the 8 KiB CSR limit: TOOBIG, both as text and as decoded size. */
    brski_buf big, body;
    brski_buf_init(&big, 64 * 1024);
    brski_buf_init(&body, 64 * 1024);
    assert_int_equal(brski_buf_reserve(&big, 9000), BRSKI_OK);
    big.p[0] = 0x30;
    big.p[1] = 0x82;
    big.p[2] = 0x23;
    big.p[3] = 0x24;
    memset(big.p + 4, 0x05, 9000 - 4);
    big.len = 9000;
    assert_int_equal(brski_est_body_encode(brski_buf_slice(&big), &body), BRSKI_OK);
    memset(&csr, 0, sizeof(csr));
    assert_int_equal(brski_est_csr_from_body(brski_buf_slice(&body), &csr), BRSKI_ERR_TOOBIG);
    brski_csr_clear(&csr);
    brski_buf_clear(&big);
    brski_buf_clear(&body);
}

static void test_est_enroll_copies_san_only_when_configured(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f);
    brski_csr csr, bad;
    memset(&csr, 0, sizeof(csr));
    memset(&bad, 0, sizeof(bad));
    assert_int_equal(csr_load("csr_san.der", &csr), BRSKI_OK);
    assert_int_equal(csr_load("csr_san_bad.der", &bad), BRSKI_OK);

    char names[4][BRSKI_EST_DNS_MAX + 1];
    size_t n = 0;
    assert_int_equal(brski_est_csr_san_dns(&csr, names, 4, &n), BRSKI_OK);
    assert_int_equal(n, 1); /* the iPAddress entry is skipped */
    assert_string_equal(names[0], "pledge.example");
    assert_int_equal(brski_est_csr_san_dns(&csr, names, 0, &n), BRSKI_ERR_TOOBIG);
    assert_int_equal(brski_est_csr_san_dns(&bad, names, 4, &n), BRSKI_ERR_POLICY);

    /* Default: no SAN in the LDevID even when the CSR asks. */
    brski_buf out;
    brski_buf_init(&out, BRSKI_MAX_CERT);
    assert_int_equal(brski_est_enroll(&f.est, &csr, &f.idev, false, &f.env, &out), BRSKI_OK);
    brski_cert ld;
    memset(&ld, 0, sizeof(ld));
    assert_int_equal(brski_cert_parse(brski_buf_slice(&out), &ld), BRSKI_OK);
    assert_int_equal(ld.san_dns_count, 0);
    brski_cert_clear(&ld);
    assert_int_equal(brski_est_enroll(&f.est, &bad, &f.idev, false, &f.env, &out), BRSKI_OK);

    /* Configured: the dNSName is copied; a bad one is refused. */
    f.est.copy_san_dns = true;
    brski_buf_reset(&out);
    assert_int_equal(brski_est_enroll(&f.est, &csr, &f.idev, false, &f.env, &out), BRSKI_OK);
    memset(&ld, 0, sizeof(ld));
    assert_int_equal(brski_cert_parse(brski_buf_slice(&out), &ld), BRSKI_OK);
    assert_int_equal(ld.san_dns_count, 1);
    assert_string_equal(ld.san_dns[0], "pledge.example");
    brski_cert_clear(&ld);
    assert_int_equal(brski_est_enroll(&f.est, &bad, &f.idev, false, &f.env, &out),
                     BRSKI_ERR_POLICY);

    /* The served attributes asking for a SAN accept this CSR. */
    brski_buf attrs;
    brski_buf_init(&attrs, 1024);
    brski_est_csrattrs_cfg cfg = {.request_san = true};
    assert_int_equal(brski_est_csrattrs_build(&f.est.keys, &cfg, &attrs), BRSKI_OK);
    assert_int_equal(brski_est_csr_check_attrs(&csr, brski_buf_slice(&attrs)), BRSKI_OK);

    brski_buf_clear(&attrs);
    brski_buf_clear(&out);
    brski_csr_clear(&csr);
    brski_csr_clear(&bad);
    fixture_clear(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_est_csr_from_body_openssl),
        cmocka_unit_test(test_est_csr_from_body_rejects_hostile),
        cmocka_unit_test(test_est_enroll_issues_ldevid),
        cmocka_unit_test(test_est_enroll_forces_idevid_serial),
        cmocka_unit_test(test_est_enroll_rejects_weak_and_reused_keys),
        cmocka_unit_test(test_est_csrattrs_build_and_check),
        cmocka_unit_test(test_est_enroll_copies_san_only_when_configured),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
