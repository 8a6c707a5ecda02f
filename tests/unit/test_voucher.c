/* Unit tests for the voucher model and its JSON codec. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "brski/env.h"
#include "brski/log.h"
#include "brski/voucher.h"
#include "brski/voucher_json.h"
#include "testutil.h"

static brski_err parse_str(const char *json, unsigned flags, brski_voucher *v)
{
    return brski_voucher_json_parse(brski_slice_str(json), flags, v);
}

static void test_voucher_json_rfc8995_voucher_parses(void **state)
{
    (void)state;
    brski_buf in, cert;
    brski_voucher v;
    int64_t t;
    test_read_vector("spec/rfc8995/voucher_00-D0-E5-F2-00-02.payload.json", &in);
    test_read_vector("spec/rfc8995/jrc_prime256v1.crt.der", &cert);
    assert_int_equal(brski_voucher_json_parse(brski_buf_slice(&in), 0, &v), BRSKI_OK);
    assert_int_equal(v.kind, BRSKI_KIND_VOUCHER);
    assert_int_equal(v.assertion, BRSKI_ASSERTION_LOGGED);
    assert_string_equal(v.serial_number, "00-D0-E5-F2-00-02");
    assert_string_equal(v.nonce_text, "-_XE9zK9q8Ll1qylMtLKeg");
    assert_int_equal(v.nonce.len, 16);
    assert_int_equal(brski_time_parse("2021-04-13T21:43:24Z", &t), BRSKI_OK);
    assert_int_equal(v.created_on, t);
    assert_int_equal(v.pinned_domain_cert.len, cert.len);
    assert_memory_equal(v.pinned_domain_cert.p, cert.p, cert.len);
    assert_false(brski_voucher_has(&v, BRSKI_LEAF_EXPIRES_ON));
    brski_voucher_clear(&v);
    brski_buf_clear(&in);
    brski_buf_clear(&cert);
}

static void test_voucher_json_rfc8995_requests_parse(void **state)
{
    (void)state;
    brski_buf in, pvr;
    brski_voucher v;
    test_read_vector("spec/rfc8995/vr_00-D0-E5-F2-00-02.payload.json", &in);
    assert_int_equal(brski_voucher_json_parse(brski_buf_slice(&in), 0, &v), BRSKI_OK);
    assert_int_equal(v.kind, BRSKI_KIND_VOUCHER_REQUEST);
    assert_int_equal(v.assertion, BRSKI_ASSERTION_PROXIMITY);
    assert_true(brski_voucher_has(&v, BRSKI_LEAF_PROXIMITY_REGISTRAR_CERT));
    brski_voucher_clear(&v);
    brski_buf_clear(&in);

    test_read_vector("spec/rfc8995/parboiled_vr_00-D0-E5-F2-00-02.payload.json", &in);
    test_read_vector("spec/rfc8995/vr_00-D0-E5-F2-00-02.cms.der", &pvr);
    assert_int_equal(brski_voucher_json_parse(brski_buf_slice(&in), 0, &v), BRSKI_OK);
    assert_int_equal(v.kind, BRSKI_KIND_VOUCHER_REQUEST);
    assert_int_equal(v.prior_signed_voucher_request.len, pvr.len);
    assert_memory_equal(v.prior_signed_voucher_request.p, pvr.p, pvr.len);
    brski_voucher_clear(&v);
    brski_buf_clear(&in);
    brski_buf_clear(&pvr);
}

static void test_voucher_json_roundtrip_keeps_every_leaf(void **state)
{
    (void)state;
    brski_voucher v, w;
    brski_buf out;
    uint8_t cert[40], sha[32];
    memset(cert, 0x30, sizeof(cert));
    memset(sha, 0xab, sizeof(sha));
    brski_voucher_init(&v, BRSKI_KIND_VOUCHER);
    v.assertion = BRSKI_ASSERTION_VERIFIED;
    brski_voucher_mark(&v, BRSKI_LEAF_ASSERTION);
    assert_int_equal(brski_voucher_set_time(&v, BRSKI_LEAF_CREATED_ON, 1619827200), BRSKI_OK);
    assert_int_equal(brski_voucher_set_time(&v, BRSKI_LEAF_EXPIRES_ON, 1619828400), BRSKI_OK);
    assert_int_equal(brski_voucher_set_time(&v, BRSKI_LEAF_LAST_RENEWAL_DATE, 1719828400),
                     BRSKI_OK);
    assert_int_equal(brski_voucher_set_str(&v, BRSKI_LEAF_SERIAL_NUMBER, "SN-1"), BRSKI_OK);
    assert_int_equal(brski_voucher_set_str(&v, BRSKI_LEAF_NONCE, "-_XE9zK9q8Ll1qylMtLKeg"),
                     BRSKI_OK);
    assert_int_equal(brski_voucher_set_bytes(&v, BRSKI_LEAF_PINNED_DOMAIN_CERT,
                                             brski_slice_make(cert, sizeof(cert))),
                     BRSKI_OK);
    assert_int_equal(brski_voucher_set_bytes(&v, BRSKI_LEAF_PINNED_DOMAIN_PUBK_SHA256,
                                             brski_slice_make(sha, sizeof(sha))),
                     BRSKI_OK);
    assert_int_equal(brski_voucher_set_str(&v, BRSKI_LEAF_EST_DOMAIN, "https://est.example"),
                     BRSKI_OK);
    v.domain_cert_revocation_checks = true;
    brski_voucher_mark(&v, BRSKI_LEAF_DOMAIN_CERT_REVOCATION_CHECKS);
    assert_int_equal(brski_voucher_validate(&v), BRSKI_OK);
    brski_buf_init(&out, BRSKI_VOUCHER_JSON_MAX);
    assert_int_equal(brski_voucher_json_encode(&v, &out), BRSKI_OK);
    assert_int_equal(brski_buf_cstr(&out), BRSKI_OK);
    assert_non_null(strstr((const char *)out.p, "\"expires-on\":\"2021-05-01T00:20:00Z\""));
    assert_non_null(strstr((const char *)out.p, "\"nonce\":\"-_XE9zK9q8Ll1qylMtLKeg\""));
    assert_int_equal(brski_voucher_json_parse(brski_buf_slice(&out), 0, &w), BRSKI_OK);
    assert_int_equal(w.present, v.present);
    assert_int_equal(w.expires_on, v.expires_on);
    assert_int_equal(w.last_renewal_date, v.last_renewal_date);
    assert_true(w.domain_cert_revocation_checks);
    assert_string_equal(w.est_domain, "https://est.example");
    assert_memory_equal(w.pinned_domain_pubk_sha256.p, sha, 32);
    brski_voucher_clear(&w);
    brski_voucher_clear(&v);
    brski_buf_clear(&out);
}

#define V_PREFIX "{\"ietf-voucher:voucher\":{"
#define V_OK_BODY                                                                          \
    "\"assertion\":\"logged\",\"created-on\":\"2021-04-13T17:43:24Z\",\"serial-number\":"  \
    "\"S1\",\"pinned-domain-cert\":\"MAA=\""

static void test_voucher_json_rejects_bad_messages(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        unsigned flags;
        brski_err want;
    } cases[] = {
        {V_PREFIX V_OK_BODY "}}", 0, BRSKI_OK},
        /* missing required leaves (nqminds voucher has no created-on) */
        {V_PREFIX "\"assertion\":\"logged\",\"serial-number\":\"S1\",\"pinned-domain-cert\":"
                  "\"MAA=\"}}",
         0, BRSKI_ERR_MALFORMED},
        {V_PREFIX "\"assertion\":\"logged\",\"created-on\":\"2021-04-13T17:43:24Z\","
                  "\"pinned-domain-cert\":\"MAA=\"}}",
         0, BRSKI_ERR_MALFORMED},
        {V_PREFIX "\"created-on\":\"2021-04-13T17:43:24Z\",\"serial-number\":\"S1\","
                  "\"pinned-domain-cert\":\"MAA=\"}}",
         0, BRSKI_ERR_MALFORMED},
        {V_PREFIX "\"assertion\":\"logged\",\"created-on\":\"2021-04-13T17:43:24Z\","
                  "\"serial-number\":\"S1\"}}",
         0, BRSKI_ERR_MALFORMED},
        /* duplicate keys */
        {V_PREFIX V_OK_BODY ",\"serial-number\":\"S2\"}}", 0, BRSKI_ERR_MALFORMED},
        /* wrong types */
        {V_PREFIX V_OK_BODY ",\"nonce\":12345678}}", 0, BRSKI_ERR_MALFORMED},
        {V_PREFIX "\"assertion\":1,\"created-on\":\"2021-04-13T17:43:24Z\",\"serial-number\":"
                  "\"S1\",\"pinned-domain-cert\":\"MAA=\"}}",
         0, BRSKI_ERR_MALFORMED},
        {V_PREFIX V_OK_BODY ",\"domain-cert-revocation-checks\":\"yes\"}}", 0,
         BRSKI_ERR_MALFORMED},
        {V_PREFIX "\"assertion\":\"logged\",\"created-on\":\"2021-04-13\",\"serial-number\":"
                  "\"S1\",\"pinned-domain-cert\":\"MAA=\"}}",
         0, BRSKI_ERR_MALFORMED},
        {V_PREFIX "\"assertion\":\"owned\",\"created-on\":\"2021-04-13T17:43:24Z\","
                  "\"serial-number\":\"S1\",\"pinned-domain-cert\":\"MAA=\"}}",
         0, BRSKI_ERR_MALFORMED},
        {V_PREFIX V_OK_BODY ",\"idevid-issuer\":\"not base64!\"}}", 0, BRSKI_ERR_MALFORMED},
        {V_PREFIX "\"assertion\":\"logged\",\"created-on\":\"2021-04-13T17:43:24Z\","
                  "\"serial-number\":[\"S1\"],\"pinned-domain-cert\":\"MAA=\"}}",
         0, BRSKI_ERR_MALFORMED},
        /* nonce too short (RFC 8366: 8..32 bytes) */
        {V_PREFIX V_OK_BODY ",\"nonce\":\"AAAA\"}}", 0, BRSKI_ERR_MALFORMED},
        /* unknown leaf, and a request-only leaf inside a voucher */
        {V_PREFIX V_OK_BODY ",\"colour\":\"red\"}}", 0, BRSKI_ERR_MALFORMED},
        {V_PREFIX V_OK_BODY ",\"colour\":\"red\"}}", BRSKI_VJSON_ALLOW_UNKNOWN, BRSKI_OK},
        {V_PREFIX V_OK_BODY ",\"proximity-registrar-cert\":\"MAA=\"}}", 0,
         BRSKI_ERR_MALFORMED},
        /* last-renewal-date without expires-on */
        {V_PREFIX V_OK_BODY ",\"last-renewal-date\":\"2021-04-13T17:43:24Z\"}}", 0,
         BRSKI_ERR_MALFORMED},
        /* top level */
        {"{\"ietf-voucher:vouchers\":{\"serial-number\":\"S1\"}}", 0, BRSKI_ERR_MALFORMED},
        {"[]", 0, BRSKI_ERR_MALFORMED},
        {V_PREFIX V_OK_BODY "}, \"x\":1}", 0, BRSKI_ERR_MALFORMED},
        {V_PREFIX V_OK_BODY "}} trailing", 0, BRSKI_ERR_MALFORMED},
        {V_PREFIX V_OK_BODY "}", 0, BRSKI_ERR_MALFORMED},
        {"", 0, BRSKI_ERR_MALFORMED},
        /* embedded NUL escapes and control characters */
        {V_PREFIX "\"assertion\":\"logged\",\"created-on\":\"2021-04-13T17:43:24Z\","
                  "\"serial-number\":\"S\\u00001\",\"pinned-domain-cert\":\"MAA=\"}}",
         0, BRSKI_ERR_MALFORMED},
        {V_PREFIX "\"assertion\":\"logged\",\"created-on\":\"2021-04-13T17:43:24Z\","
                  "\"serial-number\":\"S\\n1\",\"pinned-domain-cert\":\"MAA=\"}}",
         0, BRSKI_ERR_MALFORMED},
        /* request module names */
        {"{\"ietf-voucher-request:voucher\":{\"serial-number\":\"S1\"}}", 0, BRSKI_OK},
        {"{\"ietf-voucher-request-prm:voucher\":{\"serial-number\":\"S1\"}}", 0, BRSKI_OK},
        {"{\"ietf-voucher-request:voucher\":{\"nonce\":\"MTQ1NTYxMTcxMTA1OTQ3NQ==\"}}", 0,
         BRSKI_ERR_MALFORMED},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        brski_voucher v;
        brski_err rv = parse_str(cases[i].json, cases[i].flags, &v);
        if (rv != cases[i].want) {
            fprintf(stderr, "case %zu: got %d want %d: %s\n", i, (int)rv, (int)cases[i].want,
                    cases[i].json);
        }
        assert_int_equal(rv, cases[i].want);
        brski_voucher_clear(&v);
    }
}

static double elapsed_ms(const struct timespec *a)
{
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (double)(b.tv_sec - a->tv_sec) * 1e3 + (double)(b.tv_nsec - a->tv_nsec) / 1e6;
}

static void test_voucher_json_hostile_inputs_rejected_quickly(void **state)
{
    (void)state;
    size_t n = 200000;
    char *s = malloc(4 * 1024 * 1024);
    brski_voucher v;
    struct timespec t0;
    assert_non_null(s);

    /* 10^5-deep nesting, within the size limit (depth check first) and beyond it. */
    for (size_t depth = 40; depth <= 100000; depth *= 50) {
        size_t len = 0;
        memcpy(s, V_PREFIX, strlen(V_PREFIX));
        len = strlen(V_PREFIX);
        len += (size_t)sprintf(s + len, "\"x\":");
        for (size_t i = 0; i < depth; i++) {
            s[len++] = '[';
        }
        for (size_t i = 0; i < depth; i++) {
            s[len++] = ']';
        }
        memcpy(s + len, "}}", 2);
        len += 2;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        brski_err rv = brski_voucher_json_parse(brski_slice_make(s, len), 0, &v);
        assert_true(rv == BRSKI_ERR_MALFORMED || rv == BRSKI_ERR_TOOBIG);
        assert_true(elapsed_ms(&t0) < 50.0);
        brski_voucher_clear(&v);
    }
    /* 33 levels fail on depth, even with unknown members allowed. */
    {
        size_t len = 0;
        for (size_t i = 0; i < 33; i++) {
            s[len++] = '{';
            len += (size_t)sprintf(s + len, "\"a\":");
        }
        s[len++] = '1';
        for (size_t i = 0; i < 33; i++) {
            s[len++] = '}';
        }
        assert_int_equal(
            brski_voucher_json_parse(brski_slice_make(s, len), BRSKI_VJSON_ALLOW_UNKNOWN, &v),
            BRSKI_ERR_MALFORMED);
        brski_voucher_clear(&v);
    }
    /* 100k keys. */
    {
        size_t len = 0;
        len += (size_t)sprintf(s + len, V_PREFIX V_OK_BODY);
        for (size_t i = 0; i < 100000; i++) {
            len += (size_t)sprintf(s + len, ",\"k%zu\":1", i);
        }
        len += (size_t)sprintf(s + len, "}}");
        clock_gettime(CLOCK_MONOTONIC, &t0);
        assert_int_equal(brski_voucher_json_parse(brski_slice_make(s, len),
                                                  BRSKI_VJSON_ALLOW_UNKNOWN, &v),
                         BRSKI_ERR_TOOBIG);
        assert_true(elapsed_ms(&t0) < 50.0);
        brski_voucher_clear(&v);
    }
    /* Huge strings: over the document limit, and over a leaf limit inside it. */
    {
        size_t len = 0;
        len += (size_t)sprintf(s + len, V_PREFIX V_OK_BODY ",\"est-domain\":\"");
        memset(s + len, 'a', n);
        len += n;
        len += (size_t)sprintf(s + len, "\"}}");
        assert_int_equal(brski_voucher_json_parse(brski_slice_make(s, len), 0, &v),
                         BRSKI_ERR_TOOBIG);
        brski_voucher_clear(&v);
        len = 0;
        len += (size_t)sprintf(s + len, V_PREFIX V_OK_BODY ",\"est-domain\":\"");
        memset(s + len, 'a', 2000);
        len += 2000;
        len += (size_t)sprintf(s + len, "\"}}");
        assert_int_equal(brski_voucher_json_parse(brski_slice_make(s, len), 0, &v),
                         BRSKI_ERR_TOOBIG);
        brski_voucher_clear(&v);
        len = 0;
        len += (size_t)sprintf(s + len, V_PREFIX V_OK_BODY ",\"idevid-issuer\":\"");
        memset(s + len, 'A', 400);
        len += 400;
        len += (size_t)sprintf(s + len, "\"}}");
        assert_int_equal(brski_voucher_json_parse(brski_slice_make(s, len), 0, &v),
                         BRSKI_ERR_TOOBIG);
        brski_voucher_clear(&v);
    }
    free(s);
}

static void test_voucher_validate_rules(void **state)
{
    (void)state;
    brski_voucher v;
    brski_voucher_init(&v, BRSKI_KIND_VOUCHER_REQUEST);
    assert_int_equal(brski_voucher_validate(&v), BRSKI_ERR_MALFORMED);
    assert_int_equal(brski_voucher_set_str(&v, BRSKI_LEAF_SERIAL_NUMBER, "X"), BRSKI_OK);
    assert_int_equal(brski_voucher_validate(&v), BRSKI_OK);
    assert_int_equal(brski_voucher_set_time(&v, BRSKI_LEAF_CREATED_ON, 100), BRSKI_OK);
    assert_int_equal(brski_voucher_set_time(&v, BRSKI_LEAF_EXPIRES_ON, 99), BRSKI_OK);
    assert_int_equal(brski_voucher_validate(&v), BRSKI_ERR_MALFORMED);
    assert_int_equal(brski_voucher_set_bytes(&v, BRSKI_LEAF_SERIAL_NUMBER, brski_slice_str("x")),
                     BRSKI_ERR_ARG);
    assert_int_equal(brski_voucher_set_str(&v, BRSKI_LEAF_NONCE, "not base64 !"),
                     BRSKI_ERR_MALFORMED);
    brski_voucher_clear(&v);
    assert_string_equal(brski_voucher_leaf_name(BRSKI_LEAF_PROXIMITY_REGISTRAR_PUBK_SHA256),
                        "proximity-registrar-pubk-sha256");
    assert_false(brski_voucher_leaf_allowed(BRSKI_KIND_VOUCHER,
                                            BRSKI_LEAF_PRIOR_SIGNED_VOUCHER_REQUEST));
    brski_voucher_clear(NULL);
}

int main(void)
{
    brski_log_set_sink(brski_log_stderr_sink, NULL, BRSKI_LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_voucher_json_rfc8995_voucher_parses),
        cmocka_unit_test(test_voucher_json_rfc8995_requests_parse),
        cmocka_unit_test(test_voucher_json_roundtrip_keeps_every_leaf),
        cmocka_unit_test(test_voucher_json_rejects_bad_messages),
        cmocka_unit_test(test_voucher_json_hostile_inputs_rejected_quickly),
        cmocka_unit_test(test_voucher_validate_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
