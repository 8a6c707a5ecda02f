/* Unit tests for the voucher / enroll status report decoders (JSON and CBOR). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "brski/codec.h"
#include "brski/log.h"
#include "brski/telemetry.h"

static brski_err cbor_hex(const char *hex, brski_telemetry *t)
{
    brski_buf b;
    brski_buf_init(&b, 8192);
    assert_int_equal(brski_hex_decode(brski_slice_str(hex), &b), BRSKI_OK);
    brski_err rv = brski_telemetry_parse_cbor(brski_buf_slice(&b), t);
    brski_buf_clear(&b);
    return rv;
}

static void test_telemetry_cbor_cbrski_success_example_accepted(void **state)
{
    (void)state;
    brski_telemetry t;
    /* cBRSKI App. B: {"version": 1, "status": true}, 18 bytes. */
    assert_int_equal(cbor_hex("a26776657273696f6e0166737461747573f5", &t), BRSKI_OK);
    assert_int_equal(t.version, 1);
    assert_true(t.status);
    assert_string_equal(t.reason, "");
    assert_false(t.has_reason_context);
}

static void test_telemetry_cbor_failure_with_reason_accepted(void **state)
{
    (void)state;
    brski_telemetry t;
    /* {"version":1,"status":false,"reason":"disk full","reason-context":{0:"x"},"extra":1} */
    assert_int_equal(cbor_hex("a56776657273696f6e0166737461747573f466726561736f6e696469736b2066756c6c"
                              "6e726561736f6e2d636f6e74657874a100617865657874726101",
                              &t),
                     BRSKI_OK);
    assert_false(t.status);
    assert_string_equal(t.reason, "disk full");
    assert_true(t.has_reason_context);
}

static void test_telemetry_cbor_bad_reports_rejected(void **state)
{
    (void)state;
    brski_telemetry t;
    const char *bad[] = {
        "",                                                   /* empty */
        "a2677665727369",                                     /* truncated */
        "80",                                                 /* array, not a map */
        "a16776657273696f6e01",                               /* status missing */
        "a166737461747573f5",                                 /* version missing */
        "a26776657273696f6e2066737461747573f5",               /* version -1 */
        "a26776657273696f6e016673746174757301",               /* status not bool */
        "a301016776657273696f6e0166737461747573f5",           /* int key */
        "a36776657273696f6e016776657273696f6e0166737461747573f5", /* duplicate key */
        "a36776657273696f6e0166737461747573f566726561736f6e01",   /* reason not text */
        "a36776657273696f6e0166737461747573f566726561736f6e62ff00", /* reason not UTF-8 */
        "bf6776657273696f6e0166737461747573f5ff",             /* indefinite map */
        "a26776657273696f6e0166737461747573f500",             /* trailing byte */
        "9affffffff",                                         /* length bomb */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        brski_err rv = cbor_hex(bad[i], &t);
        if (rv == BRSKI_OK) {
            fail_msg("accepted %s", bad[i]);
        }
        assert_int_equal(t.version, 0);
    }
}

static void test_telemetry_long_reason_too_big(void **state)
{
    (void)state;
    brski_telemetry t;
    brski_buf b;
    brski_buf_init(&b, 8192);
    /* {"version":1,"status":true,"reason": 1000 x 'a'} */
    const uint8_t head[] = {0xa3, 0x67, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0x01, 0x66, 's',
                            't', 'a', 't', 'u', 's', 0xf5, 0x66, 'r', 'e', 'a', 's', 'o',
                            'n', 0x79, 0x03, 0xe8};
    assert_int_equal(brski_buf_append(&b, head, sizeof(head)), BRSKI_OK);
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(brski_buf_append(&b, (const uint8_t *)"a", 1), BRSKI_OK);
    }
    assert_int_equal(brski_telemetry_parse_cbor(brski_buf_slice(&b), &t), BRSKI_ERR_TOOBIG);
    brski_buf_clear(&b);
}

static void test_telemetry_json_cases(void **state)
{
    (void)state;
    brski_telemetry t;
    assert_int_equal(brski_telemetry_parse_json(
                         brski_slice_str("{\"version\":1,\"status\":false,\"reason\":\"x y\","
                                         "\"reason-context\":{\"a\":1}}"),
                         &t),
                     BRSKI_OK);
    assert_false(t.status);
    assert_string_equal(t.reason, "x y");
    assert_true(t.has_reason_context);
    const char *bad[] = {
        "[]", "{\"status\":true}", "{\"version\":1}", "{\"version\":-1,\"status\":true}",
        "{\"version\":1,\"status\":1}", "{\"version\":1,\"status\":true,\"reason\":3}",
        "{\"version\":1,\"status\":true,\"reason-context\":3}",
        "{\"version\":1,\"version\":1,\"status\":true}",
        "{\"version\":1,\"status\":true,\"reason\":\"a\\u0000b\"}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (brski_telemetry_parse_json(brski_slice_str(bad[i]), &t) == BRSKI_OK) {
            fail_msg("accepted %s", bad[i]);
        }
    }
}

int main(void)
{
    brski_log_set_sink(NULL, NULL, BRSKI_LOG_NONE);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_telemetry_cbor_cbrski_success_example_accepted),
        cmocka_unit_test(test_telemetry_cbor_failure_with_reason_accepted),
        cmocka_unit_test(test_telemetry_cbor_bad_reports_rejected),
        cmocka_unit_test(test_telemetry_long_reason_too_big),
        cmocka_unit_test(test_telemetry_json_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
