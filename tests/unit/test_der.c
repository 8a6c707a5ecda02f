/* Unit tests for the strict DER reader and the DER writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "brski/der.h"
#include "brski/env.h"

#define S(lit) brski_slice_make((lit), sizeof(lit) - 1)

static void test_der_read_short_and_long_lengths(void **state)
{
    (void)state;
    uint8_t tag = 0;
    brski_slice c;
    brski_slice w;
    brski_slice in = S("\x04\x03" "abc" "\x05\x00");
    assert_int_equal(brski_der_read(&in, &tag, &c, &w), BRSKI_OK);
    assert_int_equal(tag, BRSKI_DER_OCTET_STRING);
    assert_int_equal(c.len, 3);
    assert_memory_equal(c.p, "abc", 3);
    assert_int_equal(w.len, 5);
    assert_int_equal(in.len, 2);
    assert_true(brski_der_peek(in, BRSKI_DER_NULL));
    assert_false(brski_der_peek(in, BRSKI_DER_SEQUENCE));
    assert_int_equal(brski_der_expect(&in, BRSKI_DER_NULL, &c, NULL), BRSKI_OK);
    assert_int_equal(c.len, 0);
    assert_int_equal(in.len, 0);

    /* Long form with 200 bytes. */
    uint8_t buf[203];
    buf[0] = 0x04;
    buf[1] = 0x81;
    buf[2] = 200;
    memset(buf + 3, 'x', 200);
    in = brski_slice_make(buf, sizeof(buf));
    assert_int_equal(brski_der_read(&in, &tag, &c, NULL), BRSKI_OK);
    assert_int_equal(c.len, 200);
    assert_int_equal(in.len, 0);
}

static void test_der_read_rejects_bad_encodings(void **state)
{
    (void)state;
    uint8_t tag = 0;
    brski_slice c;
    const brski_slice bad[] = {
        S("\x30\x80\x00\x00"),         /* indefinite */
        S("\x04\x81\x05" "abcde"),     /* long form for a short length */
        S("\x04\x82\x00\x81" "a"),     /* leading zero length octet */
        S("\x04\x05" "abc"),           /* length beyond input */
        S("\x1f\x20\x01\x00"),         /* high tag number */
        S("\x04"),                     /* truncated header */
        S("\x04\x85\x01\x00\x00\x00\x00"), /* 5 length octets */
        S("\x04\x81"),                 /* missing length octet */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        brski_slice in = bad[i];
        assert_int_equal(brski_der_read(&in, &tag, &c, NULL), BRSKI_ERR_MALFORMED);
        /* Input is untouched on failure. */
        assert_ptr_equal(in.p, bad[i].p);
    }
    brski_slice in = S("\x02\x01\x05");
    assert_int_equal(brski_der_expect(&in, BRSKI_DER_OCTET_STRING, &c, NULL), BRSKI_ERR_MALFORMED);
    assert_int_equal(in.len, 3);
}

static void test_der_integers_minimal_and_u64(void **state)
{
    (void)state;
    uint64_t v = 0;
    assert_int_equal(brski_der_int_u64(S("\x00\x80"), &v), BRSKI_OK);
    assert_int_equal(v, 128);
    assert_int_equal(brski_der_int_u64(S("\x7f"), &v), BRSKI_OK);
    assert_int_equal(v, 127);
    assert_int_equal(brski_der_int_u64(S("\x00\xff\xff\xff\xff\xff\xff\xff\xff"), &v), BRSKI_OK);
    assert_true(v == UINT64_MAX);
    assert_int_equal(brski_der_int_u64(S("\x00\x7f"), &v), BRSKI_ERR_MALFORMED); /* not minimal */
    assert_int_equal(brski_der_int_u64(S("\x80"), &v), BRSKI_ERR_MALFORMED);     /* negative */
    assert_int_equal(brski_der_int_u64(S(""), &v), BRSKI_ERR_MALFORMED);
    assert_int_equal(brski_der_int_u64(S("\x01\x00\x00\x00\x00\x00\x00\x00\x00"), &v),
                     BRSKI_ERR_MALFORMED); /* 2^64 */
    assert_false(brski_der_int_is_minimal(S("\xff\x80")));
    assert_true(brski_der_int_is_minimal(S("\xff\x7f")));
}

static void test_der_bool_and_bitstring(void **state)
{
    (void)state;
    bool b = false;
    assert_int_equal(brski_der_bool(S("\xff"), &b), BRSKI_OK);
    assert_true(b);
    assert_int_equal(brski_der_bool(S("\x00"), &b), BRSKI_OK);
    assert_false(b);
    assert_int_equal(brski_der_bool(S("\x01"), &b), BRSKI_ERR_MALFORMED);
    assert_int_equal(brski_der_bool(S("\xff\xff"), &b), BRSKI_ERR_MALFORMED);

    brski_slice bits;
    unsigned unused = 9;
    assert_int_equal(brski_der_bitstring(S("\x00\xab\xcd"), false, &bits, &unused), BRSKI_OK);
    assert_int_equal(bits.len, 2);
    assert_int_equal(bits.p[0], 0xab);
    assert_int_equal(unused, 0);
    assert_int_equal(brski_der_bitstring(S("\x07\x80"), true, &bits, &unused), BRSKI_OK);
    assert_int_equal(unused, 7);
    assert_int_equal(brski_der_bitstring(S("\x07\x80"), false, &bits, &unused),
                     BRSKI_ERR_MALFORMED);
    assert_int_equal(brski_der_bitstring(S("\x07\x81"), true, &bits, &unused),
                     BRSKI_ERR_MALFORMED); /* non-zero unused bit */
    assert_int_equal(brski_der_bitstring(S("\x08\x00"), true, &bits, &unused),
                     BRSKI_ERR_MALFORMED);
    assert_int_equal(brski_der_bitstring(S("\x01"), true, &bits, &unused), BRSKI_ERR_MALFORMED);
}

static void test_der_oid_text_round_trip(void **state)
{
    (void)state;
    char txt[BRSKI_OID_STR_MAX + 1];
    /* ecdsa-with-SHA256 */
    brski_slice ecdsa = S("\x2a\x86\x48\xce\x3d\x04\x03\x02");
    assert_int_equal(brski_der_oid_to_str(ecdsa, txt, sizeof(txt)), BRSKI_OK);
    assert_string_equal(txt, "1.2.840.10045.4.3.2");
    assert_true(brski_der_oid_eq(ecdsa, "1.2.840.10045.4.3.2"));
    assert_false(brski_der_oid_eq(ecdsa, "1.2.840.10045.4.3.3"));

    brski_buf b;
    brski_buf_init(&b, 64);
    assert_int_equal(brski_der_oid_from_str("1.3.6.1.5.5.7.1.32", &b), BRSKI_OK);
    assert_int_equal(b.len, 8);
    assert_memory_equal(b.p, "\x2b\x06\x01\x05\x05\x07\x01\x20", 8);
    brski_buf_reset(&b);
    assert_int_equal(brski_der_oid_from_str("2.999.3", &b), BRSKI_OK);
    assert_int_equal(brski_der_oid_to_str(brski_buf_slice(&b), txt, sizeof(txt)), BRSKI_OK);
    assert_string_equal(txt, "2.999.3");
    brski_buf_reset(&b);
    assert_int_equal(brski_der_oid_from_str("3.1", &b), BRSKI_ERR_ARG);
    assert_int_equal(brski_der_oid_from_str("1.40", &b), BRSKI_ERR_ARG);
    assert_int_equal(brski_der_oid_from_str("1.2.", &b), BRSKI_ERR_ARG);
    assert_int_equal(brski_der_oid_from_str("1.02", &b), BRSKI_ERR_ARG);
    assert_int_equal(brski_der_oid_from_str("1", &b), BRSKI_ERR_ARG);
    assert_int_equal(b.len, 0);
    /* Non-minimal sub-identifier and unterminated last arc. */
    assert_int_equal(brski_der_oid_to_str(S("\x2a\x80\x01"), txt, sizeof(txt)),
                     BRSKI_ERR_MALFORMED);
    assert_int_equal(brski_der_oid_to_str(S("\x2a\x86"), txt, sizeof(txt)), BRSKI_ERR_MALFORMED);
    assert_int_equal(brski_der_oid_to_str(S(""), txt, sizeof(txt)), BRSKI_ERR_MALFORMED);
    brski_buf_clear(&b);
}

static void test_der_time_parse_and_ranges(void **state)
{
    (void)state;
    int64_t t = 0;
    assert_int_equal(brski_der_time(BRSKI_DER_UTC_TIME, S("221209125047Z"), &t), BRSKI_OK);
    assert_true(t == brski_time_from_civil(2022, 12, 9, 12, 50, 47));
    assert_int_equal(brski_der_time(BRSKI_DER_UTC_TIME, S("500101000000Z"), &t), BRSKI_OK);
    assert_true(t == brski_time_from_civil(1950, 1, 1, 0, 0, 0));
    assert_int_equal(brski_der_time(BRSKI_DER_GENERALIZED_TIME, S("99991231235959Z"), &t),
                     BRSKI_OK);
    assert_true(t == 253402300799);
    const brski_slice bad[] = {S("221209125047"),  S("2212091250Z"),   S("221309125047Z"),
                               S("220230125047Z"), S("221209245047Z"), S("221209125060Z"),
                               S("2212091250470Z"), S("22120912504+Z")};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(brski_der_time(BRSKI_DER_UTC_TIME, bad[i], &t), BRSKI_ERR_MALFORMED);
    }
    assert_int_equal(brski_der_time(BRSKI_DER_GENERALIZED_TIME, S("20221209125047.5Z"), &t),
                     BRSKI_ERR_MALFORMED);
    assert_int_equal(brski_der_time(BRSKI_DER_GENERALIZED_TIME, S("20230229000000Z"), &t),
                     BRSKI_ERR_MALFORMED);
    assert_int_equal(brski_der_time(BRSKI_DER_GENERALIZED_TIME, S("20240229000000Z"), &t),
                     BRSKI_OK);
    assert_int_equal(brski_der_time(BRSKI_DER_OCTET_STRING, S("221209125047Z"), &t),
                     BRSKI_ERR_MALFORMED);
}

static void test_der_writer_nested_lengths(void **state)
{
    (void)state;
    brski_buf b;
    brski_buf_init(&b, 4096);
    size_t outer = 0;
    size_t inner = 0;
    uint8_t big[300];
    memset(big, 0x5a, sizeof(big));
    assert_int_equal(brski_der_begin(&b, BRSKI_DER_SEQUENCE, &outer), BRSKI_OK);
    assert_int_equal(brski_der_put_u64(&b, 0), BRSKI_OK);
    assert_int_equal(brski_der_put_u64(&b, 128), BRSKI_OK);
    assert_int_equal(brski_der_begin(&b, BRSKI_DER_SEQUENCE, &inner), BRSKI_OK);
    assert_int_equal(brski_der_put(&b, BRSKI_DER_OCTET_STRING, brski_slice_make(big, 300)),
                     BRSKI_OK);
    assert_int_equal(brski_der_end(&b, inner), BRSKI_OK);
    assert_int_equal(brski_der_put_bool(&b, true), BRSKI_OK);
    assert_int_equal(brski_der_put_oid(&b, "1.2.840.10045.4.3.2"), BRSKI_OK);
    assert_int_equal(brski_der_put_bitstring(&b, S("\x01\x02")), BRSKI_OK);
    assert_int_equal(brski_der_end(&b, outer), BRSKI_OK);

    /* Expected: 30 82 01 4d | 02 01 00 | 02 02 00 80 | 30 82 01 30 04 82 01 2c ... */
    assert_memory_equal(b.p, "\x30\x82\x01\x4d\x02\x01\x00\x02\x02\x00\x80\x30\x82\x01\x30"
                             "\x04\x82\x01\x2c", 19);
    assert_int_equal(b.len, 4 + 0x14d);

    /* Read it back with the strict reader. */
    brski_slice in = brski_buf_slice(&b);
    brski_slice seq;
    brski_slice c;
    uint64_t v = 1;
    bool bv = false;
    assert_int_equal(brski_der_expect(&in, BRSKI_DER_SEQUENCE, &seq, NULL), BRSKI_OK);
    assert_int_equal(in.len, 0);
    assert_int_equal(brski_der_expect(&seq, BRSKI_DER_INTEGER, &c, NULL), BRSKI_OK);
    assert_int_equal(brski_der_int_u64(c, &v), BRSKI_OK);
    assert_int_equal(v, 0);
    assert_int_equal(brski_der_expect(&seq, BRSKI_DER_INTEGER, &c, NULL), BRSKI_OK);
    assert_int_equal(brski_der_int_u64(c, &v), BRSKI_OK);
    assert_int_equal(v, 128);
    assert_int_equal(brski_der_expect(&seq, BRSKI_DER_SEQUENCE, &c, NULL), BRSKI_OK);
    assert_int_equal(c.len, 304);
    assert_int_equal(brski_der_expect(&seq, BRSKI_DER_BOOLEAN, &c, NULL), BRSKI_OK);
    assert_int_equal(brski_der_bool(c, &bv), BRSKI_OK);
    assert_true(bv);
    assert_int_equal(brski_der_expect(&seq, BRSKI_DER_OID, &c, NULL), BRSKI_OK);
    assert_true(brski_der_oid_eq(c, "1.2.840.10045.4.3.2"));
    assert_int_equal(brski_der_expect(&seq, BRSKI_DER_BIT_STRING, &c, NULL), BRSKI_OK);
    assert_int_equal(c.len, 3);
    assert_int_equal(seq.len, 0);
    brski_buf_clear(&b);
}

static void test_der_writer_integers_times_strings(void **state)
{
    (void)state;
    brski_buf b;
    brski_buf_init(&b, 256);
    assert_int_equal(brski_der_put_uint_bytes(&b, S("\x00\x00\x80\x01")), BRSKI_OK);
    assert_int_equal(b.len, 5);
    assert_memory_equal(b.p, "\x02\x03\x00\x80\x01", 5);
    brski_buf_reset(&b);
    assert_int_equal(brski_der_put_uint_bytes(&b, S("")), BRSKI_OK);
    assert_memory_equal(b.p, "\x02\x01\x00", 3);
    brski_buf_reset(&b);

    /* RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
    assert_int_equal(brski_der_put_time(&b, brski_time_from_civil(2049, 12, 31, 23, 59, 59)),
                     BRSKI_OK);
    assert_int_equal(b.len, 15);
    assert_memory_equal(b.p, "\x17\x0d" "491231235959Z", 15);
    brski_buf_reset(&b);
    assert_int_equal(brski_der_put_time(&b, brski_time_from_civil(2050, 1, 1, 0, 0, 0)),
                     BRSKI_OK);
    assert_memory_equal(b.p, "\x18\x0f" "20500101000000Z", 17);
    brski_buf_reset(&b);
    assert_int_equal(brski_der_put_time(&b, 253402300799), BRSKI_OK);
    assert_memory_equal(b.p, "\x18\x0f" "99991231235959Z", 17);
    brski_buf_reset(&b);

    assert_int_equal(brski_der_put_string(&b, BRSKI_DER_PRINTABLE_STRING, "00-D0-E5-F2-00-01"),
                     BRSKI_OK);
    assert_int_equal(b.p[0], BRSKI_DER_PRINTABLE_STRING);
    assert_int_equal(b.p[1], 17);
    brski_buf_reset(&b);
    assert_int_equal(brski_der_put_string(&b, BRSKI_DER_PRINTABLE_STRING, "a@b"), BRSKI_ERR_ARG);
    assert_int_equal(brski_der_put_string(&b, BRSKI_DER_IA5_STRING, "caf\xc3\xa9"),
                     BRSKI_ERR_ARG);
    assert_int_equal(brski_der_put_string(&b, BRSKI_DER_UTF8_STRING, "caf\xc3\xa9"), BRSKI_OK);
    assert_int_equal(b.len, 7);
    brski_buf_clear(&b);

    /* Writer respects the buffer cap. */
    brski_buf small;
    brski_buf_init(&small, 4);
    assert_int_equal(brski_der_put(&small, BRSKI_DER_OCTET_STRING, S("abcdef")),
                     BRSKI_ERR_TOOBIG);
    brski_buf_clear(&small);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_der_read_short_and_long_lengths),
        cmocka_unit_test(test_der_read_rejects_bad_encodings),
        cmocka_unit_test(test_der_integers_minimal_and_u64),
        cmocka_unit_test(test_der_bool_and_bitstring),
        cmocka_unit_test(test_der_oid_text_round_trip),
        cmocka_unit_test(test_der_time_parse_and_ranges),
        cmocka_unit_test(test_der_writer_nested_lengths),
        cmocka_unit_test(test_der_writer_integers_times_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
