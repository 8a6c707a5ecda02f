/*
 * Unit tests for seed-derived IDevID keys: HKDF-SHA256 against RFC 5869,
 * the derivation against an independent oracle (python-cryptography, values
 * pinned below), determinism and separation by seed and serial.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "brski/codec.h"
#include "brski/seedkey.h"
#include "brski/signer.h"
#include "brski/x509.h"
#include "testutil.h"

#define SERIAL "00-D0-E5-F2-00-01"

/* Public keys for seed 00 01 .. 1f and SERIAL, computed with python-cryptography
 * from the derivation in docs/idevid.md. */
#define WANT_P256                                                                                 \
    "04e5b3ed9599fbe7dae0325ecf327d7b485bc6f4ffc957d971025c9ea077bf4f15d03cfefaafc5e7585cfee006" \
    "4b17d4b64419281395adf980a7cf78a619149d76"
#define WANT_ED25519 "c7b007829b7e3d270e6a49f7f76102ef186b7b4033c026e42812badcd2799c43"

static void pub_hex(brski_signer *s, char *out, size_t cap)
{
    brski_buf spki, hex;
    brski_key_type t;
    unsigned bits;
    brski_buf_init(&spki, 1024);
    brski_buf_init(&hex, 4096);
    assert_int_equal(brski_signer_spki(s, &spki), BRSKI_OK);
    assert_int_equal(brski_spki_info(brski_buf_slice(&spki), &t, &bits), BRSKI_OK);
    /* The subjectPublicKey bits are the tail of the SPKI: 65 bytes (P-256) or 32 (Ed25519). */
    size_t n = t == BRSKI_KEY_EC ? 65u : 32u;
    assert_true(spki.len > n);
    assert_int_equal(brski_hex_encode(brski_slice_make(spki.p + spki.len - n, n), &hex),
                     BRSKI_OK);
    assert_int_equal(brski_buf_cstr(&hex), BRSKI_OK);
    assert_true(hex.len < cap);
    memcpy(out, hex.p, hex.len + 1);
    brski_buf_clear(&spki);
    brski_buf_clear(&hex);
}

static void test_seedkey_hkdf_rfc5869_case1(void **state)
{
    (void)state;
    uint8_t ikm[22], salt[13], info[10], okm[42];
    memset(ikm, 0x0b, sizeof(ikm));
    for (uint8_t i = 0; i < 13; i++) {
        salt[i] = i;
    }
    for (uint8_t i = 0; i < 10; i++) {
        info[i] = (uint8_t)(0xf0 + i);
    }
    assert_int_equal(brski_hkdf_sha256(brski_slice_make(salt, 13), brski_slice_make(ikm, 22),
                                       brski_slice_make(info, 10), okm, sizeof(okm)),
                     BRSKI_OK);
    static const uint8_t want[42] = {
        0x3c, 0xb2, 0x5f, 0x25, 0xfa, 0xac, 0xd5, 0x7a, 0x90, 0x43, 0x4f, 0x64, 0xd0, 0x36,
        0x2f, 0x2a, 0x2d, 0x2d, 0x0a, 0x90, 0xcf, 0x1a, 0x5a, 0x4c, 0x5d, 0xb0, 0x2d, 0x56,
        0xec, 0xc4, 0xc5, 0xbf, 0x34, 0x00, 0x72, 0x08, 0xd5, 0xb8, 0x87, 0x18, 0x58, 0x65};
    assert_memory_equal(okm, want, sizeof(want));
}

static void test_seedkey_matches_oracle_and_is_deterministic(void **state)
{
    (void)state;
    uint8_t seed[32];
    char a[200], b[200];
    unsigned counter = 99;
    for (uint8_t i = 0; i < 32; i++) {
        seed[i] = i;
    }
    brski_slice s = brski_slice_make(seed, sizeof(seed));
    brski_signer *k1 = NULL, *k2 = NULL;

    /* P-256: "device" and "factory" derive the same key, equal to the oracle. */
    assert_int_equal(brski_seedkey_derive(BRSKI_ALG_P256, s, SERIAL, &k1, &counter), BRSKI_OK);
    assert_int_equal(counter, 0);
    assert_int_equal(brski_seedkey_derive(BRSKI_ALG_P256, s, SERIAL, &k2, NULL), BRSKI_OK);
    pub_hex(k1, a, sizeof(a));
    pub_hex(k2, b, sizeof(b));
    assert_string_equal(a, WANT_P256);
    assert_string_equal(a, b);
    assert_int_equal(brski_signer_key_bits(k1), 256);
    brski_signer_free(k2);

    /* Another serial: another key. */
    assert_int_equal(brski_seedkey_derive(BRSKI_ALG_P256, s, "00-D0-E5-F2-00-02", &k2, NULL),
                     BRSKI_OK);
    pub_hex(k2, b, sizeof(b));
    assert_string_not_equal(a, b);
    brski_signer_free(k2);

    /* Another seed (one bit): another key. */
    seed[31] ^= 1;
    assert_int_equal(brski_seedkey_derive(BRSKI_ALG_P256, s, SERIAL, &k2, NULL), BRSKI_OK);
    pub_hex(k2, b, sizeof(b));
    assert_string_not_equal(a, b);
    brski_signer_free(k2);
    seed[31] ^= 1;
    brski_signer_free(k1);

    /* Ed25519 likewise. */
    assert_int_equal(brski_seedkey_derive(BRSKI_ALG_ED25519, s, SERIAL, &k1, NULL), BRSKI_OK);
    assert_int_equal(brski_seedkey_derive(BRSKI_ALG_ED25519, s, SERIAL, &k2, NULL), BRSKI_OK);
    pub_hex(k1, a, sizeof(a));
    pub_hex(k2, b, sizeof(b));
    assert_string_equal(a, WANT_ED25519);
    assert_string_equal(a, b);
    brski_signer_free(k2);
    assert_int_equal(brski_seedkey_derive(BRSKI_ALG_ED25519, s, "X", &k2, NULL), BRSKI_OK);
    pub_hex(k2, b, sizeof(b));
    assert_string_not_equal(a, b);
    brski_signer_free(k2);
    brski_signer_free(k1);
}

static void test_seedkey_rejects_bad_input(void **state)
{
    (void)state;
    uint8_t seed[33] = {0};
    brski_signer *k = NULL;
    assert_int_equal(brski_seedkey_derive(BRSKI_ALG_P256, brski_slice_make(seed, 31), SERIAL, &k,
                                          NULL),
                     BRSKI_ERR_ARG);
    assert_int_equal(brski_seedkey_derive(BRSKI_ALG_P256, brski_slice_make(seed, 33), SERIAL, &k,
                                          NULL),
                     BRSKI_ERR_ARG);
    assert_int_equal(brski_seedkey_derive(BRSKI_ALG_P256, brski_slice_make(seed, 32), "", &k,
                                          NULL),
                     BRSKI_ERR_ARG);
    assert_int_equal(brski_seedkey_derive(BRSKI_ALG_P256, brski_slice_make(seed, 32), "a b", &k,
                                          NULL),
                     BRSKI_ERR_ARG);
    assert_int_equal(brski_seedkey_derive(BRSKI_ALG_RSA2048, brski_slice_make(seed, 32), SERIAL,
                                          &k, NULL),
                     BRSKI_ERR_UNSUPPORTED);
    assert_null(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seedkey_hkdf_rfc5869_case1),
        cmocka_unit_test(test_seedkey_matches_oracle_and_is_deterministic),
        cmocka_unit_test(test_seedkey_rejects_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
