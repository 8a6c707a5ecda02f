/* Unit tests for err, log, buf, env (clock, RNG, RFC 3339 time). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "brski/buf.h"
#include "brski/env.h"
#include "brski/err.h"
#include "brski/log.h"
#include "testutil.h"

static void test_err_maps_to_http_and_coap(void **state)
{
    (void)state;
    assert_int_equal(brski_err_http(BRSKI_ERR_MALFORMED), 400);
    assert_int_equal(brski_err_http(BRSKI_ERR_POLICY), 403);
    assert_int_equal(brski_err_http(BRSKI_ERR_TOOBIG), 413);
    assert_int_equal(brski_err_http(BRSKI_ERR_UNSUPPORTED), 415);
    assert_int_equal(brski_err_http(BRSKI_ERR_INTERNAL), 500);
    assert_int_equal(brski_err_coap(BRSKI_ERR_MALFORMED), 400);
    assert_int_equal(brski_err_coap(BRSKI_ERR_TOOBIG), 413);
    assert_int_equal(brski_err_coap(BRSKI_ERR_AUTH), 401);
    assert_string_equal(brski_err_str(BRSKI_ERR_CRYPTO),
                        "signature or chain verification failed");
    assert_string_equal(brski_err_str((brski_err)999), "unknown error");
}

static char last_line[4096];

static void capture_sink(void *ctx, brski_log_level level, const char *line)
{
    (void)ctx;
    (void)level;
    strncpy(last_line, line, sizeof(last_line) - 1);
}

static void test_log_escapes_control_characters(void **state)
{
    (void)state;
    brski_log_set_sink(capture_sink, NULL, BRSKI_LOG_DEBUG);
    brski_log(BRSKI_LOG_WARN, "serial %s", "AB\r\nCD\x1b[31m\\");
    assert_string_equal(last_line, "serial AB\\r\\nCD\\x1b[31m\\\\");
    last_line[0] = '\0';
    brski_log_set_sink(capture_sink, NULL, BRSKI_LOG_ERROR);
    brski_log(BRSKI_LOG_WARN, "dropped");
    assert_string_equal(last_line, "");
    brski_log_set_sink(NULL, NULL, BRSKI_LOG_NONE);

    char small[6];
    assert_int_equal(brski_log_escape("a\nbcdef", 7, small, sizeof(small)), 5);
    assert_string_equal(small, "a\\nbc");
}

static void test_buf_bounded_growth(void **state)
{
    (void)state;
    brski_buf b;
    brski_buf_init(&b, 10);
    assert_int_equal(brski_buf_append(&b, "0123456789", 10), BRSKI_OK);
    assert_int_equal(brski_buf_append_byte(&b, 'x'), BRSKI_ERR_TOOBIG);
    assert_int_equal(b.len, 10);
    assert_int_equal(brski_buf_cstr(&b), BRSKI_ERR_TOOBIG);
    brski_buf_reset(&b);
    assert_int_equal(brski_buf_printf(&b, "%d-%s", 42, "ab"), BRSKI_OK);
    assert_int_equal(brski_buf_cstr(&b), BRSKI_OK);
    assert_string_equal((char *)b.p, "42-ab");
    brski_buf_wipe(&b);
    assert_null(b.p);
    assert_int_equal(b.len, 0);
}

static void test_slice_take_never_overreads(void **state)
{
    (void)state;
    brski_slice s = brski_slice_str("abcd");
    brski_slice part;
    assert_true(brski_slice_take(&s, 3, &part));
    assert_int_equal(part.len, 3);
    assert_false(brski_slice_take(&s, 2, &part));
    assert_int_equal(s.len, 1);
    assert_true(brski_slice_eq(brski_slice_str("ab"), brski_slice_str("ab")));
    assert_false(brski_slice_eq(brski_slice_str("ab"), brski_slice_str("abc")));
    assert_true(brski_ct_eq("abc", "abc", 3));
    assert_false(brski_ct_eq("abc", "abd", 3));
}

static void test_env_fixed_clock_and_seeded_rng(void **state)
{
    (void)state;
    brski_env env;
    int64_t now = 1619827200;
    uint64_t seed = 7;
    test_env_init(&env, &now, &seed);
    assert_int_equal(brski_env_now(&env), 1619827200);
    uint8_t a[16], b[16];
    assert_int_equal(brski_env_random(&env, a, sizeof(a)), BRSKI_OK);
    seed = 7;
    assert_int_equal(brski_env_random(&env, b, sizeof(b)), BRSKI_OK);
    assert_memory_equal(a, b, sizeof(a));
    assert_int_equal(brski_env_random(NULL, a, sizeof(a)), BRSKI_OK);
    assert_true(brski_env_now(NULL) > 1700000000);
}

static void test_time_parse_rfc3339(void **state)
{
    (void)state;
    int64_t t;
    assert_int_equal(brski_time_parse("2021-05-01T00:00:00Z", &t), BRSKI_OK);
    assert_int_equal(t, 1619827200);
    assert_int_equal(brski_time_parse("2021-04-13T17:43:23.747-04:00", &t), BRSKI_OK);
    assert_int_equal(t, 1618350203);
    assert_int_equal(brski_time_parse("9999-12-31T23:59:59Z", &t), BRSKI_OK);
    assert_int_equal(t, 253402300799);
    assert_int_equal(brski_time_parse("2020-02-29T00:00:00+00:00", &t), BRSKI_OK);
    assert_int_equal(brski_time_parse("2021-02-29T00:00:00Z", &t), BRSKI_ERR_MALFORMED);
    assert_int_equal(brski_time_parse("2021-05-01 00:00:00Z", &t), BRSKI_ERR_MALFORMED);
    assert_int_equal(brski_time_parse("2021-05-01T00:00:00", &t), BRSKI_ERR_MALFORMED);
    assert_int_equal(brski_time_parse("2021-05-01T24:00:00Z", &t), BRSKI_ERR_MALFORMED);
    assert_int_equal(brski_time_parse("2021-05-01T00:00:00Zjunk", &t), BRSKI_ERR_MALFORMED);
    assert_int_equal(brski_time_parse("", &t), BRSKI_ERR_MALFORMED);
    char out[32];
    assert_int_equal(brski_time_format(1618350203, out, sizeof(out)), BRSKI_OK);
    assert_string_equal(out, "2021-04-13T21:43:23Z");
    assert_int_equal(brski_time_format(253402300799, out, sizeof(out)), BRSKI_OK);
    assert_string_equal(out, "9999-12-31T23:59:59Z");
    assert_int_equal(brski_time_format(0, out, 5), BRSKI_ERR_TOOBIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_err_maps_to_http_and_coap),
        cmocka_unit_test(test_log_escapes_control_characters),
        cmocka_unit_test(test_buf_bounded_growth),
        cmocka_unit_test(test_slice_take_never_overreads),
        cmocka_unit_test(test_env_fixed_clock_and_seeded_rng),
        cmocka_unit_test(test_time_parse_rfc3339),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
