/* Unit tests for base64, hex and PEM helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "brski/codec.h"

static void check_b64(const char *plain, const char *enc)
{
    brski_buf b;
    brski_buf_init(&b, 1024);
    assert_int_equal(brski_base64_encode(brski_slice_str(plain), &b), BRSKI_OK);
    assert_int_equal(b.len, strlen(enc));
    assert_memory_equal(b.p, enc, b.len);
    brski_buf_reset(&b);
    assert_int_equal(brski_base64_decode(brski_slice_str(enc), &b), BRSKI_OK);
    assert_int_equal(b.len, strlen(plain));
    if (b.len > 0) {
        assert_memory_equal(b.p, plain, b.len);
    }
    brski_buf_clear(&b);
}

static void test_codec_base64_rfc4648_vectors(void **state)
{
    (void)state;
    check_b64("", "");
    check_b64("f", "Zg==");
    check_b64("fo", "Zm8=");
    check_b64("foo", "Zm9v");
    check_b64("foob", "Zm9vYg==");
    check_b64("fooba", "Zm9vYmE=");
    check_b64("foobar", "Zm9vYmFy");
}

static void test_codec_base64_strict_rejects(void **state)
{
    (void)state;
    const char *bad[] = {"Zg=", "Zg", "Zh==", "Z===", "Zm9v\n", "Zm-v", "Zg==Zg==", "Z"};
    brski_buf b;
    brski_buf_init(&b, 1024);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(brski_base64_decode(brski_slice_str(bad[i]), &b), BRSKI_ERR_MALFORMED);
        assert_int_equal(b.len, 0);
    }
    /* The loose decoder takes whitespace, missing padding and base64url. */
    assert_int_equal(brski_base64_decode_loose(brski_slice_str("Zm9v\r\nYg"), &b), BRSKI_OK);
    assert_memory_equal(b.p, "foob", 4);
    brski_buf_reset(&b);
    assert_int_equal(brski_base64_decode_loose(brski_slice_str("-_8="), &b), BRSKI_OK);
    assert_int_equal(b.len, 2);
    assert_int_equal(b.p[0], 0xfb);
    assert_int_equal(b.p[1], 0xff);
    brski_buf_clear(&b);
}

static void test_codec_base64url_no_padding(void **state)
{
    (void)state;
    brski_buf b;
    brski_buf_init(&b, 64);
    const uint8_t raw[] = {0xfb, 0xff};
    assert_int_equal(brski_base64url_encode(brski_slice_make(raw, 2), &b), BRSKI_OK);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.p, "-_8", 3);
    brski_buf_clear(&b);
}

static void test_codec_hex_roundtrip(void **state)
{
    (void)state;
    brski_buf b;
    brski_buf_init(&b, 64);
    assert_int_equal(brski_hex_decode(brski_slice_str("A1 01\n26"), &b), BRSKI_OK);
    assert_int_equal(b.len, 3);
    assert_int_equal(b.p[2], 0x26);
    brski_buf out;
    brski_buf_init(&out, 64);
    assert_int_equal(brski_hex_encode(brski_buf_slice(&b), &out), BRSKI_OK);
    assert_memory_equal(out.p, "a10126", 6);
    brski_buf_reset(&b);
    assert_int_equal(brski_hex_decode(brski_slice_str("a1x"), &b), BRSKI_ERR_MALFORMED);
    assert_int_equal(brski_hex_decode(brski_slice_str("a10"), &b), BRSKI_ERR_MALFORMED);
    brski_buf_clear(&b);
    brski_buf_clear(&out);
}

static void test_codec_pem_roundtrip_and_index(void **state)
{
    (void)state;
    brski_buf pem, der;
    brski_buf_init(&pem, 4096);
    brski_buf_init(&der, 4096);
    uint8_t data[100];
    for (size_t i = 0; i < sizeof(data); i++) {
        data[i] = (uint8_t)i;
    }
    assert_int_equal(brski_pem_encode(brski_slice_make(data, 100), "CERTIFICATE", &pem),
                     BRSKI_OK);
    assert_int_equal(brski_pem_encode(brski_slice_make(data, 3), "PRIVATE KEY", &pem), BRSKI_OK);
    assert_int_equal(brski_pem_encode(brski_slice_make(data + 1, 5), "CERTIFICATE", &pem),
                     BRSKI_OK);
    assert_true(brski_is_pem(brski_buf_slice(&pem)));
    assert_int_equal(brski_pem_decode(brski_buf_slice(&pem), "CERTIFICATE", 1, &der, NULL, 0),
                     BRSKI_OK);
    assert_int_equal(der.len, 5);
    assert_memory_equal(der.p, data + 1, 5);
    brski_buf_reset(&der);
    char label[32];
    assert_int_equal(brski_pem_decode(brski_buf_slice(&pem), NULL, 1, &der, label, sizeof(label)),
                     BRSKI_OK);
    assert_string_equal(label, "PRIVATE KEY");
    brski_buf_reset(&der);
    assert_int_equal(brski_pem_decode(brski_buf_slice(&pem), "CERTIFICATE", 2, &der, NULL, 0),
                     BRSKI_ERR_NOTFOUND);
    assert_int_equal(brski_pem_decode(brski_slice_str("-----BEGIN X-----\nZg==\n-----END Y-----"),
                                      NULL, 0, &der, NULL, 0),
                     BRSKI_ERR_MALFORMED);
    brski_buf_clear(&pem);
    brski_buf_clear(&der);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codec_base64_rfc4648_vectors),
        cmocka_unit_test(test_codec_base64_strict_rejects),
        cmocka_unit_test(test_codec_base64url_no_padding),
        cmocka_unit_test(test_codec_hex_roundtrip),
        cmocka_unit_test(test_codec_pem_roundtrip_and_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
