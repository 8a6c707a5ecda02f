/*
 * Unit tests for the memory of successful signature verifications
 * (common/verify_cache.c) as used by brski_pubkey_verify(): a repeated
 * verification is answered from the cache, any change in key, algorithm,
 * format, message or signature misses it, and failures are never remembered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "brski/signer.h"
#include "brski/verify_cache.h"
#include "brski/x509.h"

typedef struct fixture {
    brski_signer *key, *other;
    brski_buf spki, other_spki, sig;
    brski_slice msg;
} fixture;

static int setup(void **state)
{
    static fixture f;

    memset(&f, 0, sizeof(f));
    brski_buf_init(&f.spki, 4096);
    brski_buf_init(&f.other_spki, 4096);
    brski_buf_init(&f.sig, 1024);
    f.msg = brski_slice_str("tbsCertificate bytes");
    if (brski_signer_generate(BRSKI_ALG_P256, brski_env_default(), &f.key) != BRSKI_OK ||
        brski_signer_generate(BRSKI_ALG_P256, brski_env_default(), &f.other) != BRSKI_OK ||
        brski_signer_spki(f.key, &f.spki) != BRSKI_OK ||
        brski_signer_spki(f.other, &f.other_spki) != BRSKI_OK ||
        brski_signer_sign(f.key, BRSKI_SIG_ECDSA_SHA256, BRSKI_SIG_FMT_DER, f.msg,
                          brski_env_default(), &f.sig) != BRSKI_OK) {
        return -1;
    }
    brski_verify_cache_clear();
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    brski_signer_free(f->key);
    brski_signer_free(f->other);
    brski_buf_clear(&f->spki);
    brski_buf_clear(&f->other_spki);
    brski_buf_clear(&f->sig);
    return 0;
}

static brski_err verify(const fixture *f, brski_slice spki, brski_sig_alg alg,
                        brski_sig_format fmt, brski_slice msg, brski_slice sig)
{
    (void)f;
    return brski_pubkey_verify(spki, alg, fmt, msg, sig);
}

static void test_verify_cache_second_verification_is_a_hit(void **state)
{
    fixture *f = *state;
    uint64_t hits, misses;

    brski_verify_cache_clear();
    assert_int_equal(verify(f, brski_buf_slice(&f->spki), BRSKI_SIG_ECDSA_SHA256,
                            BRSKI_SIG_FMT_DER, f->msg, brski_buf_slice(&f->sig)),
                     BRSKI_OK);
    brski_verify_cache_stats(&hits, &misses);
    assert_int_equal(hits, 0);
    assert_int_equal(misses, 1);
    assert_int_equal(verify(f, brski_buf_slice(&f->spki), BRSKI_SIG_ECDSA_SHA256,
                            BRSKI_SIG_FMT_DER, f->msg, brski_buf_slice(&f->sig)),
                     BRSKI_OK);
    brski_verify_cache_stats(&hits, &misses);
    assert_int_equal(hits, 1);
    assert_int_equal(misses, 1);
}

static void test_verify_cache_any_changed_input_is_verified_again(void **state)
{
    fixture *f = *state;
    uint8_t bad_sig[256], bad_msg[64];
    uint64_t hits, misses;

    brski_verify_cache_clear();
    assert_int_equal(verify(f, brski_buf_slice(&f->spki), BRSKI_SIG_ECDSA_SHA256,
                            BRSKI_SIG_FMT_DER, f->msg, brski_buf_slice(&f->sig)),
                     BRSKI_OK);
    /* Another key. */
    assert_int_equal(verify(f, brski_buf_slice(&f->other_spki), BRSKI_SIG_ECDSA_SHA256,
                            BRSKI_SIG_FMT_DER, f->msg, brski_buf_slice(&f->sig)),
                     BRSKI_ERR_CRYPTO);
    /* Another hash algorithm over the same bytes. */
    assert_int_not_equal(verify(f, brski_buf_slice(&f->spki), BRSKI_SIG_ECDSA_SHA384,
                                BRSKI_SIG_FMT_DER, f->msg, brski_buf_slice(&f->sig)),
                         BRSKI_OK);
    /* Raw (r||s) format for DER bytes. */
    assert_int_not_equal(verify(f, brski_buf_slice(&f->spki), BRSKI_SIG_ECDSA_SHA256,
                                BRSKI_SIG_FMT_RAW, f->msg, brski_buf_slice(&f->sig)),
                         BRSKI_OK);
    /* One flipped bit in the message, then in the signature. */
    assert_true(f->msg.len <= sizeof(bad_msg));
    memcpy(bad_msg, f->msg.p, f->msg.len);
    bad_msg[3] ^= 0x01u;
    assert_int_equal(verify(f, brski_buf_slice(&f->spki), BRSKI_SIG_ECDSA_SHA256,
                            BRSKI_SIG_FMT_DER, brski_slice_make(bad_msg, f->msg.len),
                            brski_buf_slice(&f->sig)),
                     BRSKI_ERR_CRYPTO);
    assert_true(f->sig.len <= sizeof(bad_sig));
    memcpy(bad_sig, f->sig.p, f->sig.len);
    bad_sig[f->sig.len - 1] ^= 0x01u;
    assert_int_equal(verify(f, brski_buf_slice(&f->spki), BRSKI_SIG_ECDSA_SHA256,
                            BRSKI_SIG_FMT_DER, f->msg, brski_slice_make(bad_sig, f->sig.len)),
                     BRSKI_ERR_CRYPTO);
    /* A shorter message that is a prefix of the signed one. */
    assert_int_equal(verify(f, brski_buf_slice(&f->spki), BRSKI_SIG_ECDSA_SHA256,
                            BRSKI_SIG_FMT_DER, brski_slice_make(f->msg.p, f->msg.len - 1),
                            brski_buf_slice(&f->sig)),
                     BRSKI_ERR_CRYPTO);
    brski_verify_cache_stats(&hits, &misses);
    assert_int_equal(hits, 0);
    assert_int_equal(misses, 7);
}

static void test_verify_cache_failures_are_not_remembered(void **state)
{
    fixture *f = *state;
    uint64_t hits, misses;

    brski_verify_cache_clear();
    for (int i = 0; i < 3; i++) {
        assert_int_equal(verify(f, brski_buf_slice(&f->other_spki), BRSKI_SIG_ECDSA_SHA256,
                                BRSKI_SIG_FMT_DER, f->msg, brski_buf_slice(&f->sig)),
                         BRSKI_ERR_CRYPTO);
    }
    brski_verify_cache_stats(&hits, &misses);
    assert_int_equal(hits, 0);
    assert_int_equal(misses, 3);
    /* An all-zero key (what a failed hash leaves) is never stored. */
    {
        uint8_t zero[BRSKI_VERIFY_CACHE_KEY];
        uint8_t key[BRSKI_VERIFY_CACHE_KEY];
        memset(zero, 0, sizeof(zero));
        brski_verify_cache_add(zero);
        assert_false(brski_verify_cache_hit(brski_slice_str("k"), 1, 0, brski_slice_str("m"),
                                            brski_slice_str("s"), key));
        assert_memory_not_equal(key, zero, sizeof(zero));
    }
}

static void test_verify_cache_bounded_and_evicts(void **state)
{
    uint8_t key[BRSKI_VERIFY_CACHE_KEY], first[BRSKI_VERIFY_CACHE_KEY];
    char m[32];
    unsigned n = 4 * BRSKI_VERIFY_CACHE_SLOTS;
    unsigned present = 0;
    (void)state;

    brski_verify_cache_clear();
    for (unsigned i = 0; i < n; i++) {
        (void)snprintf(m, sizeof(m), "message %u", i);
        assert_false(brski_verify_cache_hit(brski_slice_str("spki"), 1, 0, brski_slice_str(m),
                                            brski_slice_str("sig"), key));
        if (i == 0) {
            memcpy(first, key, sizeof(key));
        }
        brski_verify_cache_add(key);
    }
    for (unsigned i = 0; i < n; i++) {
        (void)snprintf(m, sizeof(m), "message %u", i);
        if (brski_verify_cache_hit(brski_slice_str("spki"), 1, 0, brski_slice_str(m),
                                   brski_slice_str("sig"), key)) {
            present++;
        }
    }
    /* At most one entry per slot survives. */
    assert_true(present > 0);
    assert_true(present <= BRSKI_VERIFY_CACHE_SLOTS);
    brski_verify_cache_clear();
    assert_false(brski_verify_cache_hit(brski_slice_str("spki"), 1, 0,
                                        brski_slice_str("message 0"), brski_slice_str("sig"), key));
    assert_memory_equal(key, first, sizeof(key));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verify_cache_second_verification_is_a_hit),
        cmocka_unit_test(test_verify_cache_any_changed_input_is_verified_again),
        cmocka_unit_test(test_verify_cache_failures_are_not_remembered),
        cmocka_unit_test(test_verify_cache_bounded_and_evicts),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
