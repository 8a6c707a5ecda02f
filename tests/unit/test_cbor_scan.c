/* Unit tests for the bounded CBOR pre-scanner and the CBOR writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "brski/cbor_scan.h"
#include "brski/codec.h"
#include "testutil.h"

static brski_err scan_hex(const char *hex)
{
    brski_buf b;
    brski_buf_init(&b, 4096);
    assert_int_equal(brski_hex_decode(brski_slice_str(hex), &b), BRSKI_OK);
    brski_err rv = brski_cbor_scan(brski_buf_slice(&b), NULL, NULL);
    brski_buf_clear(&b);
    return rv;
}

static void test_cbor_scan_rfc8949_examples_accepted(void **state)
{
    (void)state;
    /* RFC 8949 Appendix A, a selection covering every major type and both length forms. */
    const char *ok[] = {
        "00", "17", "1818", "1903e8", "1b000000e8d4a51000", "20", "3903e7", "c11a514b67b0",
        "f4", "f5", "f6", "f7", "f0", "f8ff", "f93c00", "fa47c35000", "fb3ff199999999999a",
        "40", "4401020304", "60", "6449455446", "80", "83010203", "8301820203820405", "a0",
        "a201020304", "a26161016162820203", "5f42010243030405ff", "7f657374726561646d696e67ff",
        "9fff", "9f018202039f0405ffff", "83018202039f0405ff", "bf61610161629f0203ffff",
        "d82076687474703a2f2f7777772e6578616d706c652e636f6d", "bf6346756ef563416d7421ff",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        if (scan_hex(ok[i]) != BRSKI_OK) {
            fail_msg("rejected %s", ok[i]);
        }
    }
}

static void test_cbor_scan_not_well_formed_rejected(void **state)
{
    (void)state;
    /* RFC 8949 Appendix F examples and a few of our own. */
    const char *bad[] = {
        "",              /* empty */
        "18",            /* missing argument byte */
        "1901",          /* short argument */
        "1c", "3d", "5e", "7c", "9d", "be", "dc", "fd", /* reserved additional info */
        "ff",            /* break outside indefinite */
        "1f", "3f", "df", /* indefinite on uint, negint, tag */
        "f800", "f81f",  /* two-byte simple below 32 */
        "4201",          /* byte string shorter than declared */
        "62ff",          /* text string shorter than declared */
        "8201",          /* array short by one element */
        "a101",          /* map with key, no value */
        "5f4101614aff",  /* indefinite bytes with a text chunk */
        "5f5f4101ffff",  /* nested indefinite chunk */
        "5f01ff",        /* indefinite bytes with an int chunk */
        "bf01ff",        /* indefinite map ending after a key */
        "9f01",          /* indefinite array without break */
        "0000",          /* trailing bytes */
        "c1",            /* tag without content */
        "81ff",          /* break inside a definite array */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        brski_err rv = scan_hex(bad[i]);
        if (rv != BRSKI_ERR_MALFORMED) {
            fail_msg("'%s' gave %s", bad[i], brski_err_str(rv));
        }
    }
}

static void test_cbor_scan_depth_limit_16(void **state)
{
    (void)state;
    uint8_t b[40];
    /* 16 nested arrays around a 0: depth 16, accepted. */
    memset(b, 0x81, 16);
    b[16] = 0x00;
    assert_int_equal(brski_cbor_scan(brski_slice_make(b, 17), NULL, NULL), BRSKI_OK);
    /* 17 levels: rejected. */
    memset(b, 0x81, 17);
    b[17] = 0x00;
    assert_int_equal(brski_cbor_scan(brski_slice_make(b, 18), NULL, NULL), BRSKI_ERR_TOOBIG);
    /* Tags count as a level too. */
    memset(b, 0xc1, 17);
    b[17] = 0x00;
    assert_int_equal(brski_cbor_scan(brski_slice_make(b, 18), NULL, NULL), BRSKI_ERR_TOOBIG);
    /* A smaller caller limit. */
    brski_cbor_limits lim = {0, 2, 0, false, false};
    const uint8_t two[] = {0x81, 0x81, 0x00};
    const uint8_t three[] = {0x81, 0x81, 0x81, 0x00};
    assert_int_equal(brski_cbor_scan(brski_slice_make(two, 3), &lim, NULL), BRSKI_OK);
    assert_int_equal(brski_cbor_scan(brski_slice_make(three, 4), &lim, NULL), BRSKI_ERR_TOOBIG);
}

static void test_cbor_scan_limits_size_items_indefinite_trailing(void **state)
{
    (void)state;
    /* 64 KiB + 1 is over the default size limit before anything is read. */
    size_t n = BRSKI_CBOR_MAX_SIZE + 1;
    uint8_t *big = calloc(1, n);
    assert_non_null(big);
    assert_int_equal(brski_cbor_scan(brski_slice_make(big, n), NULL, NULL), BRSKI_ERR_TOOBIG);
    free(big);

    /* Item count: an array of 10 zeros with max_items 5. */
    uint8_t arr[11];
    arr[0] = 0x8a;
    memset(arr + 1, 0, 10);
    brski_cbor_limits lim = {0, 0, 5, false, false};
    assert_int_equal(brski_cbor_scan(brski_slice_make(arr, 11), &lim, NULL), BRSKI_ERR_TOOBIG);
    assert_int_equal(brski_cbor_scan(brski_slice_make(arr, 11), NULL, NULL), BRSKI_OK);

    /* reject_indefinite. */
    const uint8_t indef[] = {0x9f, 0xff};
    brski_cbor_limits strict = {0, 0, 0, true, false};
    assert_int_equal(brski_cbor_scan(brski_slice_make(indef, 2), &strict, NULL),
                     BRSKI_ERR_MALFORMED);

    /* allow_trailing reports the first item's length. */
    const uint8_t two_items[] = {0x82, 0x01, 0x02, 0x03};
    brski_cbor_limits trail = {0, 0, 0, false, true};
    size_t used = 0;
    assert_int_equal(brski_cbor_scan(brski_slice_make(two_items, 4), &trail, &used), BRSKI_OK);
    assert_int_equal(used, 3);
    assert_int_equal(brski_cbor_scan(brski_slice_make(two_items, 4), NULL, NULL),
                     BRSKI_ERR_MALFORMED);
}

static double elapsed_ms(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

/* The bombs named in the issue: each rejected in well under 10 ms. */
static void test_cbor_scan_bombs_rejected_fast(void **state)
{
    (void)state;
    const size_t n = 10000 + 16;
    uint8_t *b = malloc(BRSKI_CBOR_MAX_SIZE);
    assert_non_null(b);
    struct {
        const char *name;
        size_t len;
        brski_err want;
    } cases[6];
    struct timespec t0, t1;

    /* 1: 9a ffffffff - array of 4G elements. */
    const uint8_t a1[] = {0x9a, 0xff, 0xff, 0xff, 0xff};
    /* 2: 9b + 2^60. */
    const uint8_t a2[] = {0x9b, 0x10, 0, 0, 0, 0, 0, 0, 0};
    const uint8_t *fixed[] = {a1, a2};
    const size_t fixed_len[] = {sizeof(a1), sizeof(a2)};
    for (size_t i = 0; i < 2; i++) {
        clock_gettime(CLOCK_MONOTONIC, &t0);
        brski_err rv = brski_cbor_scan(brski_slice_make(fixed[i], fixed_len[i]), NULL, NULL);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        assert_int_equal(rv, BRSKI_ERR_MALFORMED);
        assert_true(elapsed_ms(&t0, &t1) < 10.0);
    }

    cases[0].name = "10000 nested arrays";
    cases[1].name = "10000 nested indefinite arrays";
    cases[2].name = "indefinite map that never ends (64 KiB of pairs)";
    cases[3].name = "nested indefinite maps";
    cases[4].name = "5a ffffffff byte string";
    cases[5].name = "indefinite text string of 64 KiB chunks, no break";
    for (size_t c = 0; c < 6; c++) {
        size_t len = 0;
        brski_err want = BRSKI_ERR_MALFORMED;
        switch (c) {
        case 0:
            memset(b, 0x81, n);
            b[n - 1] = 0;
            len = n;
            want = BRSKI_ERR_TOOBIG;
            break;
        case 1:
            memset(b, 0x9f, n);
            len = n;
            want = BRSKI_ERR_TOOBIG;
            break;
        case 2:
            b[0] = 0xbf;
            memset(b + 1, 0x01, BRSKI_CBOR_MAX_SIZE - 1);
            len = BRSKI_CBOR_MAX_SIZE;
            want = BRSKI_ERR_TOOBIG; /* item count limit hits first */
            break;
        case 3:
            memset(b, 0xbf, 64);
            len = 64;
            want = BRSKI_ERR_TOOBIG; /* nesting limit */
            break;
        case 4:
            b[0] = 0x5a;
            memset(b + 1, 0xff, 4);
            len = 5;
            break;
        case 5:
            b[0] = 0x7f;
            for (size_t i = 1; i + 1 < BRSKI_CBOR_MAX_SIZE; i += 2) {
                b[i] = 0x61;
                b[i + 1] = 0x41;
            }
            len = BRSKI_CBOR_MAX_SIZE - 1;
            want = BRSKI_ERR_TOOBIG; /* 32k chunks exceed the item limit */
            break;
        default:
            break;
        }
        cases[c].len = len;
        cases[c].want = want;
        brski_err rv = BRSKI_OK;
        double best = 1e9;
        for (int rep = 0; rep < 5; rep++) { /* best of 5: the machine is shared */
            clock_gettime(CLOCK_MONOTONIC, &t0);
            rv = brski_cbor_scan(brski_slice_make(b, len), NULL, NULL);
            clock_gettime(CLOCK_MONOTONIC, &t1);
            best = elapsed_ms(&t0, &t1) < best ? elapsed_ms(&t0, &t1) : best;
        }
        if (rv != want) {
            fail_msg("%s: got %s", cases[c].name, brski_err_str(rv));
        }
        if (best >= 10.0) {
            fail_msg("%s: took %.3f ms", cases[c].name, best);
        }
        print_message("%s: rejected (%s) in %.3f ms\n", cases[c].name, brski_err_str(rv), best);
    }
    /* Never-ending indefinite map within the item limit: truncated, not accepted. */
    b[0] = 0xbf;
    memset(b + 1, 0x01, 2000);
    assert_int_equal(brski_cbor_scan(brski_slice_make(b, 2001), NULL, NULL), BRSKI_ERR_MALFORMED);
    free(b);
}

static void put_check(brski_err rv, brski_buf *b, const char *hex)
{
    assert_int_equal(rv, BRSKI_OK);
    brski_buf h;
    brski_buf_init(&h, 64);
    assert_int_equal(brski_hex_decode(brski_slice_str(hex), &h), BRSKI_OK);
    if (!brski_slice_eq(brski_buf_slice(&h), brski_buf_slice(b))) {
        fail_msg("encoding mismatch for %s", hex);
    }
    brski_buf_clear(&h);
    brski_buf_reset(b);
}

static void test_cbor_scan_writer_minimal_heads(void **state)
{
    (void)state;
    brski_buf b;
    brski_buf_init(&b, 64);
    put_check(brski_cbor_put_head(&b, 0, 23), &b, "17");
    put_check(brski_cbor_put_head(&b, 0, 24), &b, "1818");
    put_check(brski_cbor_put_head(&b, 0, 255), &b, "18ff");
    put_check(brski_cbor_put_head(&b, 0, 256), &b, "190100");
    put_check(brski_cbor_put_head(&b, 0, 65535), &b, "19ffff");
    put_check(brski_cbor_put_head(&b, 0, 65536), &b, "1a00010000");
    put_check(brski_cbor_put_head(&b, 0, 0xffffffffu), &b, "1affffffff");
    put_check(brski_cbor_put_head(&b, 0, 0x100000000ull), &b, "1b0000000100000000");
    put_check(brski_cbor_put_head(&b, 5, 2451), &b, "b90993");
    put_check(brski_cbor_put_int(&b, -1), &b, "20");
    put_check(brski_cbor_put_int(&b, -7), &b, "26");
    put_check(brski_cbor_put_int(&b, -24), &b, "37");
    put_check(brski_cbor_put_int(&b, -25), &b, "3818");
    put_check(brski_cbor_put_int(&b, INT64_MIN), &b, "3b7fffffffffffffff");
    put_check(brski_cbor_put_int(&b, 1000), &b, "1903e8");
    put_check(brski_cbor_put_text(&b, "IETF", 4), &b, "6449455446");
    put_check(brski_cbor_put_bytes(&b, brski_slice_make("\x01\x02", 2)), &b, "420102");
    put_check(brski_cbor_put_bool(&b, false), &b, "f4");
    put_check(brski_cbor_put_bool(&b, true), &b, "f5");
    brski_buf_clear(&b);
    /* The cap is enforced. */
    brski_buf_init(&b, 4);
    assert_int_equal(brski_cbor_put_text(&b, "IETF", 4), BRSKI_ERR_TOOBIG);
    brski_buf_clear(&b);
}

static void test_cbor_scan_read_head(void **state)
{
    (void)state;
    const uint8_t in[] = {0x19, 0x09, 0x93, 0x1c};
    brski_slice s = brski_slice_make(in, sizeof(in));
    unsigned major = 9, ai = 99;
    uint64_t arg = 0;
    assert_true(brski_cbor_read_head(&s, &major, &ai, &arg));
    assert_int_equal(major, 0);
    assert_int_equal(ai, 25);
    assert_int_equal(arg, 2451);
    assert_int_equal(s.len, 1);
    assert_false(brski_cbor_read_head(&s, &major, &ai, &arg));
    brski_slice shortin = brski_slice_make(in, 2);
    assert_false(brski_cbor_read_head(&shortin, &major, &ai, &arg));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cbor_scan_rfc8949_examples_accepted),
        cmocka_unit_test(test_cbor_scan_not_well_formed_rejected),
        cmocka_unit_test(test_cbor_scan_depth_limit_16),
        cmocka_unit_test(test_cbor_scan_limits_size_items_indefinite_trailing),
        cmocka_unit_test(test_cbor_scan_bombs_rejected_fast),
        cmocka_unit_test(test_cbor_scan_writer_minimal_heads),
        cmocka_unit_test(test_cbor_scan_read_head),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
