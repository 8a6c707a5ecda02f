/*
 * Wycheproof ECDSA P-256/P-384 (P1363 r||s) and Ed25519 vectors through the
 * COSE verify primitive (brski_cose_verify_raw): zero mismatches.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <jansson.h>

#include "brski/codec.h"
#include "brski/cose.h"
#include "brski/log.h"
#include "testutil.h"

typedef struct wp_counts {
    bool quiet;
    size_t valid, invalid, acceptable, acceptable_ok, mismatches;
} wp_counts;

static void hex_field(json_t *obj, const char *key, brski_buf *out)
{
    json_t *s = json_object_get(obj, key);
    assert_non_null(s);
    assert_true(json_is_string(s));
    brski_buf_reset(out);
    assert_int_equal(brski_hex_decode(brski_slice_make(json_string_value(s), json_string_length(s)),
                                      out),
                     BRSKI_OK);
}

static void run_file(const char *rel, int64_t alg, const char *want_sha, wp_counts *c)
{
    json_error_t jerr;
    json_t *root = json_load_file(test_vector_path(rel), JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        fail_msg("%s: %s", rel, jerr.text);
    }
    json_t *groups = json_object_get(root, "testGroups");
    assert_true(json_is_array(groups));
    brski_buf spki, msg, sig;
    brski_buf_init(&spki, 1024);
    brski_buf_init(&msg, 1u << 20);
    brski_buf_init(&sig, 4096);
    size_t gi;
    json_t *g;
    json_array_foreach(groups, gi, g)
    {
        if (want_sha != NULL) {
            json_t *sha = json_object_get(g, "sha");
            assert_true(json_is_string(sha));
            assert_string_equal(json_string_value(sha), want_sha);
        }
        hex_field(g, "publicKeyDer", &spki);
        json_t *tests = json_object_get(g, "tests");
        size_t ti;
        json_t *t;
        json_array_foreach(tests, ti, t)
        {
            hex_field(t, "msg", &msg);
            hex_field(t, "sig", &sig);
            const char *result = json_string_value(json_object_get(t, "result"));
            assert_non_null(result);
            brski_err rv = brski_cose_verify_raw(alg, brski_buf_slice(&spki), brski_buf_slice(&msg),
                                                 brski_buf_slice(&sig));
            long long id = (long long)json_integer_value(json_object_get(t, "tcId"));
            if (strcmp(result, "valid") == 0) {
                c->valid++;
                if (rv != BRSKI_OK) {
                    c->mismatches++;
                    if (!c->quiet) {
                        print_message("%s tcId %lld: valid, we said %s\n", rel, id,
                                      brski_err_str(rv));
                    }
                }
            } else if (strcmp(result, "invalid") == 0) {
                c->invalid++;
                if (rv == BRSKI_OK) {
                    c->mismatches++;
                    print_message("%s tcId %lld: invalid, we accepted\n", rel, id);
                }
            } else {
                c->acceptable++;
                c->acceptable_ok += rv == BRSKI_OK ? 1u : 0u;
            }
        }
    }
    brski_buf_clear(&spki);
    brski_buf_clear(&msg);
    brski_buf_clear(&sig);
    json_decref(root);
}

static void check(const char *rel, int64_t alg, const char *sha, size_t want_total)
{
    wp_counts c;
    memset(&c, 0, sizeof(c));
    run_file(rel, alg, sha, &c);
    print_message("%s: %zu valid, %zu invalid, %zu acceptable (%zu accepted), %zu mismatches\n",
                  rel, c.valid, c.invalid, c.acceptable, c.acceptable_ok, c.mismatches);
    assert_int_equal(c.valid + c.invalid + c.acceptable, want_total);
    assert_int_equal(c.mismatches, 0);
}

static void test_cose_wycheproof_es256_p1363(void **state)
{
    (void)state;
    check("external/wycheproof/testvectors_v1/ecdsa_secp256r1_sha256_p1363_test.json",
          BRSKI_COSE_ALG_ES256, "SHA-256", 262);
}

static void test_cose_wycheproof_es384_p1363(void **state)
{
    (void)state;
    check("external/wycheproof/testvectors_v1/ecdsa_secp384r1_sha384_p1363_test.json",
          BRSKI_COSE_ALG_ES384, "SHA-384", 280);
}

static void test_cose_wycheproof_ed25519(void **state)
{
    (void)state;
    check("external/wycheproof/testvectors_v1/ed25519_test.json", BRSKI_COSE_ALG_EDDSA, NULL, 151);
}

/* The P-256 vectors under ES384 (and vice versa) must all fail: alg is bound to the key. */
static void test_cose_wycheproof_cross_alg_all_rejected(void **state)
{
    (void)state;
    wp_counts c;
    memset(&c, 0, sizeof(c));
    c.quiet = true;
    run_file("external/wycheproof/testvectors_v1/ecdsa_secp256r1_sha256_p1363_test.json",
             BRSKI_COSE_ALG_ES384, "SHA-256", &c);
    /* Every "valid" one is now a mismatch by design, and nothing "invalid" slipped through. */
    assert_int_equal(c.mismatches, c.valid);
    memset(&c, 0, sizeof(c));
    c.quiet = true;
    run_file("external/wycheproof/testvectors_v1/ed25519_test.json", BRSKI_COSE_ALG_ES256, NULL,
             &c);
    assert_int_equal(c.mismatches, c.valid);
}

int main(void)
{
    brski_log_set_sink(NULL, NULL, BRSKI_LOG_NONE);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cose_wycheproof_es256_p1363),
        cmocka_unit_test(test_cose_wycheproof_es384_p1363),
        cmocka_unit_test(test_cose_wycheproof_ed25519),
        cmocka_unit_test(test_cose_wycheproof_cross_alg_all_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
