/*
 * Unit tests for the anchor policy and our own path validation: policy
 * config parsing, DNS matching, x509-limbo (T-CONF C2) and NIST PKITS
 * 4.1-4.3, 4.5-4.7 (T-CONF C3).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "brski/config.h"
#include "brski/file.h"
#include "brski/policy.h"
#include "brski/x509.h"
#include "testutil.h"

/* Parses one PEM string into a heap array; returns the count (0 on failure). */
static size_t load_pem(const char *pem, brski_cert **out)
{
    size_t n = 0;
    *out = NULL;
    if (pem == NULL) {
        return 0;
    }
    if (brski_certs_load(brski_slice_str(pem), 16, out, &n) != BRSKI_OK) {
        brski_certs_free(*out, n);
        *out = NULL;
        return 0;
    }
    return n;
}

static void test_policy_names_and_dns_match(void **state)
{
    (void)state;
    brski_purpose p;
    char oid[48];
    assert_int_equal(brski_purpose_parse("software-update", &p), BRSKI_OK);
    assert_int_equal(p, BRSKI_PURPOSE_SOFTWARE_UPDATE);
    assert_int_equal(brski_purpose_parse("idevids", &p), BRSKI_ERR_ARG);
    assert_string_equal(brski_purpose_name(BRSKI_PURPOSE_TLS), "tls");
    assert_string_equal(brski_reason_name(BRSKI_REASON_PATHLEN), "pathlen");
    assert_string_equal(brski_reason_name(BRSKI_REASON_PEER_NAME), "peer-name");
    assert_string_equal(brski_reason_name((brski_reason)999), "unknown");
    assert_int_equal(brski_eku_parse("cmcRA", oid, sizeof(oid)), BRSKI_OK);
    assert_string_equal(oid, "1.3.6.1.5.5.7.3.28");
    assert_int_equal(brski_eku_parse("1.2.3.4", oid, sizeof(oid)), BRSKI_OK);
    assert_string_equal(oid, "1.2.3.4");
    assert_int_equal(brski_eku_parse("cmcRB", oid, sizeof(oid)), BRSKI_ERR_ARG);
    assert_int_equal(brski_eku_parse("1..2", oid, sizeof(oid)), BRSKI_ERR_ARG);

    assert_true(brski_dns_name_match("example.com", "EXAMPLE.com"));
    assert_true(brski_dns_name_match("*.example.com", "foo.example.com"));
    assert_false(brski_dns_name_match("*.example.com", "example.com"));
    assert_false(brski_dns_name_match("*.example.com", "a.foo.example.com"));
    assert_false(brski_dns_name_match("*.com", "example.com"));
    assert_false(brski_dns_name_match("f*.example.com", "foo.example.com"));
    assert_false(brski_dns_name_match("foo.*.com", "foo.bar.com"));
    assert_false(brski_dns_name_match("example.com", "example.org"));
    assert_false(brski_dns_name_match("example.com", "ex ample.com"));
    assert_false(brski_dns_name_match("example.com", ""));
}

static void test_policy_config_reads_anchor_policy(void **state)
{
    (void)state;
    brski_config cfg;
    char err[256];
    brski_anchor_policy pol;
    const char *text = "[anchor mfg]\n"
                       "purpose = idevid\n"
                       "max_depth = 3\n"
                       "locked_depth = 3\n"
                       "sig_algs = ecdsa-sha256, ed25519\n"
                       "key_types = ec ed25519\n"
                       "min_ec_bits = 384\n"
                       "ee_key_usage = digitalSignature\n"
                       "ee_eku = clientAuth, 1.3.6.1.5.5.7.3.28\n"
                       "ee_eku_absent_ok = no\n"
                       "ee_policies = 1.3.6.1.4.1.99.1\n"
                       "subject_regex = ^serialNumber=[0-9A-F]+\n"
                       "max_chain = 4\n"
                       "max_cert_size = 4096\n"
                       "allow_no_expiry = yes\n"
                       "require_masa_url = true\n"
                       "revocation = off\n";
    assert_int_equal(brski_config_parse(brski_slice_str(text), &cfg, err, sizeof(err)), BRSKI_OK);
    brski_anchor_policy_default(BRSKI_PURPOSE_IDEVID, &pol);
    assert_true(pol.require_serial_number);
    assert_int_equal(brski_anchor_policy_from_config(&cfg, "anchor mfg", &pol, err, sizeof(err)),
                     BRSKI_OK);
    assert_int_equal(pol.max_depth, 3);
    assert_int_equal(pol.locked_depth, 3);
    assert_int_equal(pol.sig_algs, (1u << BRSKI_SIG_ECDSA_SHA256) | (1u << BRSKI_SIG_ED25519));
    assert_int_equal(pol.key_types, (1u << BRSKI_KEY_EC) | (1u << BRSKI_KEY_ED25519));
    assert_int_equal(pol.min_ec_bits, 384);
    assert_int_equal(pol.ee_key_usage, BRSKI_KU_DIGITAL_SIGNATURE);
    assert_int_equal(pol.ee_eku_count, 2);
    assert_string_equal(pol.ee_eku[0], BRSKI_OID_KP_CLIENT_AUTH);
    assert_string_equal(pol.ee_eku[1], BRSKI_OID_KP_CMC_RA);
    assert_false(pol.ee_eku_absent_ok);
    assert_int_equal(pol.ee_policy_count, 1);
    assert_string_equal(pol.subject_regex, "^serialNumber=[0-9A-F]+");
    assert_int_equal(pol.max_chain, 4);
    assert_int_equal(pol.max_cert_size, 4096);
    assert_true(pol.require_masa_url);
    /* Only "purpose" is left for the anchor loader. */
    const brski_config_entry *u = brski_config_first_unused(&cfg);
    assert_non_null(u);
    assert_string_equal(u->key, "purpose");
    brski_config_clear(&cfg);

    static const struct {
        const char *text;
        brski_err rv;
    } bad[] = {
        {"[a]\nmax_depth = 9\n", BRSKI_ERR_MALFORMED},
        {"[a]\nsig_algs = md5\n", BRSKI_ERR_MALFORMED},
        {"[a]\nee_eku = nonsense\n", BRSKI_ERR_MALFORMED},
        {"[a]\nee_policies = 1.2.x\n", BRSKI_ERR_MALFORMED},
        {"[a]\nsubject_regex = ([\n", BRSKI_ERR_MALFORMED},
        {"[a]\nrevocation = ocsp\n", BRSKI_ERR_MALFORMED},
        {"[a]\nmax_depth = 2\nlocked_depth = 3\n", BRSKI_ERR_MALFORMED},
        {"[a]\nmax_chain = 0\n", BRSKI_ERR_MALFORMED},
        {"[a]\nee_policies = 1.1,1.2,1.3,1.4,1.5,1.6,1.7,1.8,1.9\n", BRSKI_ERR_MALFORMED},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(brski_config_parse(brski_slice_str(bad[i].text), &cfg, err, sizeof(err)),
                         BRSKI_OK);
        brski_anchor_policy_default(BRSKI_PURPOSE_DOMAIN, &pol);
        brski_err rv = brski_anchor_policy_from_config(&cfg, "a", &pol, err, sizeof(err));
        if (rv != bad[i].rv) {
            fail_msg("case %zu: got %d", i, (int)rv);
        }
        assert_true(err[0] != '\0');
        brski_config_clear(&cfg);
    }
}

/* ---- x509-limbo ---- */

static bool known_features(json_t *feats)
{
    size_t i;
    json_t *f;
    if (!json_is_array(feats)) {
        return true;
    }
    json_array_foreach(feats, i, f)
    {
        if (!json_is_string(f) || strcmp(json_string_value(f), "max-chain-depth") != 0) {
            return false;
        }
    }
    return true;
}

/* Runs one limbo case; returns true when accepted. |reason| gets the reason name. */
static bool run_limbo_case(json_t *tc, char *reason, size_t cap)
{
    brski_anchor_store store;
    brski_anchor_policy pol;
    brski_cert *trusted = NULL, *untrusted = NULL, *peer = NULL;
    size_t nt = 0, nu = 0, np = 0;
    size_t i;
    json_t *v;
    bool accepted = false;

    brski_anchor_store_init(&store);
    brski_anchor_policy_default(BRSKI_PURPOSE_TLS, &pol);
    json_t *mcd = json_object_get(tc, "max_chain_depth");
    if (json_is_integer(mcd)) {
        /* limbo counts intermediates; our depth counts anchor and EE too. */
        json_int_t d = json_integer_value(mcd) + 2;
        pol.max_depth = d > BRSKI_POLICY_MAX_CHAIN ? 0 : (unsigned)d;
    }
    json_t *ku = json_object_get(tc, "key_usage");
    json_array_foreach(ku, i, v)
    {
        if (strcmp(json_string_value(v), "digitalSignature") == 0) {
            pol.ee_key_usage |= BRSKI_KU_DIGITAL_SIGNATURE;
        } else {
            pol.ee_key_usage |= BRSKI_KU_KEY_ENCIPHERMENT; /* unknown: demand something */
        }
    }
    json_t *arr = json_object_get(tc, "trusted_certs");
    json_array_foreach(arr, i, v)
    {
        brski_cert *c = NULL;
        size_t n = load_pem(json_string_value(v), &c);
        for (size_t k = 0; k < n; k++) {
            if (brski_anchor_store_add(&store, BRSKI_PURPOSE_TLS, "limbo", brski_cert_der(&c[k]),
                                       &pol) == BRSKI_OK) {
                nt++;
            }
        }
        brski_certs_free(c, n);
    }
    arr = json_object_get(tc, "untrusted_intermediates");
    untrusted = calloc(16, sizeof(*untrusted));
    assert_non_null(untrusted);
    json_array_foreach(arr, i, v)
    {
        brski_cert *c = NULL;
        size_t n = load_pem(json_string_value(v), &c);
        for (size_t k = 0; k < n && nu < 16; k++) {
            if (brski_cert_parse(brski_cert_der(&c[k]), &untrusted[nu]) == BRSKI_OK) {
                nu++;
            } else {
                brski_cert_clear(&untrusted[nu]);
            }
        }
        brski_certs_free(c, n);
    }
    np = load_pem(json_string_value(json_object_get(tc, "peer_certificate")), &peer);
    (void)trusted;

    int64_t now = brski_time_from_civil(2024, 1, 1, 0, 0, 0);
    json_t *vt = json_object_get(tc, "validation_time");
    if (json_is_string(vt)) {
        assert_int_equal(brski_time_parse(json_string_value(vt), &now), BRSKI_OK);
    }
    json_t *pn = json_object_get(json_object_get(tc, "expected_peer_name"), "value");

    if (np != 1) {
        snprintf(reason, cap, "peer certificate does not parse");
        goto out;
    }
    brski_policy_input in = {
        .purpose = BRSKI_PURPOSE_TLS,
        .chain = peer,
        .chain_count = 1,
        .untrusted = untrusted,
        .untrusted_count = nu,
        .peer_name = json_is_string(pn) ? json_string_value(pn) : NULL,
        .now = now,
    };
    brski_policy_decision d;
    brski_err rv = brski_policy_validate(&store, &in, &d);
    accepted = rv == BRSKI_OK;
    assert_true(accepted == (d.reason == BRSKI_REASON_OK));
    snprintf(reason, cap, "%s", d.detail);
    if (accepted) {
        /* An accepted path ends at an anchor of the purpose and starts at the peer. */
        assert_true(d.path_len >= 1);
        assert_ptr_equal(d.path[d.path_len - 1], &d.anchor->cert);
        assert_int_equal(d.anchor->purpose, BRSKI_PURPOSE_TLS);
    }
out:
    brski_certs_free(peer, np);
    for (size_t k = 0; k < nu; k++) {
        brski_cert_clear(&untrusted[k]);
    }
    free(untrusted);
    brski_anchor_store_clear(&store);
    return accepted;
}

static json_t *load_json_file(const char *path)
{
    json_error_t jerr;
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (j == NULL) {
        fail_msg("%s:%d: %s", path, jerr.line, jerr.text);
    }
    return j;
}

static void test_policy_limbo_no_invalid_accepted(void **state)
{
    (void)state;
    json_t *limbo = load_json_file(test_vector_path("external/x509-limbo/limbo.json"));
    json_t *exc = load_json_file(BRSKI_SOURCE_DIR "/tests/vectors/policy/limbo-exceptions.json");
    json_t *exc_list = json_object_get(exc, "exceptions");
    assert_true(json_is_array(exc_list));
    json_t *cases = json_object_get(limbo, "testcases");
    size_t i;
    json_t *tc;
    unsigned ran = 0, skipped = 0, ok_match = 0, invalid_accepted = 0, valid_rejected = 0;
    unsigned unlisted = 0, stale = 0;
    bool *used = calloc(json_array_size(exc_list) + 1, sizeof(bool));
    assert_non_null(used);

    json_array_foreach(cases, i, tc)
    {
        const char *id = json_string_value(json_object_get(tc, "id"));
        if (!known_features(json_object_get(tc, "features"))) {
            skipped++;
            continue;
        }
        ran++;
        char reason[256];
        bool want = strcmp(json_string_value(json_object_get(tc, "expected_result")),
                           "SUCCESS") == 0;
        bool got = run_limbo_case(tc, reason, sizeof(reason));
        if (got == want) {
            ok_match++;
            for (size_t k = 0; k < json_array_size(exc_list); k++) {
                const char *eid =
                    json_string_value(json_object_get(json_array_get(exc_list, k), "id"));
                if (eid != NULL && strcmp(eid, id) == 0) {
                    printf("STALE exception (now passes, remove it): %s\n", id);
                    stale++;
                }
            }
            continue;
        }
        if (got && !want) {
            printf("INVALID ACCEPTED: %s\n", id);
            invalid_accepted++;
            continue;
        }
        valid_rejected++;
        bool listed = false;
        for (size_t k = 0; k < json_array_size(exc_list); k++) {
            const char *eid =
                json_string_value(json_object_get(json_array_get(exc_list, k), "id"));
            if (eid != NULL && strcmp(eid, id) == 0) {
                listed = true;
                used[k] = true;
            }
        }
        if (!listed) {
            printf("UNLISTED valid rejection: %s: %s\n", id, reason);
            unlisted++;
        } else {
            printf("listed valid rejection: %s: %s\n", id, reason);
        }
    }
    printf("limbo: %u cases, %u run, %u skipped (unknown features), %u as expected, "
           "%u valid rejected (listed exceptions), %u invalid accepted\n",
           (unsigned)json_array_size(cases), ran, skipped, ok_match, valid_rejected,
           invalid_accepted);
    free(used);
    json_decref(limbo);
    json_decref(exc);
    assert_int_equal(invalid_accepted, 0);
    assert_int_equal(unlisted, 0);
    assert_int_equal(stale, 0);
    assert_true(ran >= 100);
}

/* ---- NIST PKITS ---- */

static bool load_pkits_cert(const char *name, brski_cert *out)
{
    char rel[256];
    brski_buf b;
    snprintf(rel, sizeof(rel), "external/nist-pkits/certs/%s.crt", name);
    test_read_vector(rel, &b);
    brski_err rv = brski_cert_parse(brski_buf_slice(&b), out);
    brski_buf_clear(&b);
    if (rv != BRSKI_OK) {
        brski_cert_clear(out);
    }
    return rv == BRSKI_OK;
}

static void test_policy_pkits_no_invalid_accepted(void **state)
{
    (void)state;
    json_t *m = load_json_file(test_vector_path("external/nist-pkits/pkits_manifest.json"));
    json_t *cases = json_object_get(m, "testcases");
    size_t i;
    json_t *tc;
    unsigned ran = 0, invalid_accepted = 0, valid_rejected = 0, as_expected = 0;
    int64_t now = brski_time_from_civil(2011, 4, 15, 0, 0, 0);

    json_array_foreach(cases, i, tc)
    {
        const char *num = json_string_value(json_object_get(tc, "test_number"));
        int sec = 0;
        if (sscanf(num, "4.%d.", &sec) != 1 || sec < 1 || sec > 7 || sec == 4) {
            continue;
        }
        if (json_object_size(json_object_get(tc, "settings")) != 0) {
            continue;
        }
        json_t *names = json_object_get(tc, "certs_root_to_ee");
        size_t n = json_array_size(names);
        assert_true(n >= 2 && n <= 10);
        ran++;
        bool want = json_is_true(json_object_get(tc, "should_validate"));

        brski_anchor_store store;
        brski_anchor_policy pol;
        brski_anchor_store_init(&store);
        brski_anchor_policy_default(BRSKI_PURPOSE_DOMAIN, &pol);
        pol.min_rsa_bits = 2048;
        pol.revocation_crl = true;
        brski_cert anchor;
        memset(&anchor, 0, sizeof(anchor));
        assert_true(load_pkits_cert(json_string_value(json_array_get(names, 0)), &anchor));
        assert_int_equal(brski_anchor_store_add(&store, BRSKI_PURPOSE_DOMAIN, "pkits",
                                                brski_cert_der(&anchor), &pol),
                         BRSKI_OK);
        brski_cert_clear(&anchor);

        /* Presented chain: EE first, then the intermediates toward the root. */
        brski_cert chain[10];
        size_t nc = 0;
        bool parsed = true;
        memset(chain, 0, sizeof(chain));
        for (size_t k = n - 1; k >= 1; k--) {
            if (!load_pkits_cert(json_string_value(json_array_get(names, k)), &chain[nc])) {
                parsed = false;
                break;
            }
            nc++;
        }
        json_t *crl_names = json_object_get(tc, "crls");
        brski_buf crl_bufs[10];
        brski_slice crls[10];
        size_t ncrl = 0;
        for (size_t k = 0; k < json_array_size(crl_names) && k < 10; k++) {
            char rel[256];
            snprintf(rel, sizeof(rel), "external/nist-pkits/crls/%s.crl",
                     json_string_value(json_array_get(crl_names, k)));
            test_read_vector(rel, &crl_bufs[ncrl]);
            crls[ncrl] = brski_buf_slice(&crl_bufs[ncrl]);
            ncrl++;
        }
        bool got = false;
        const char *why = "a certificate does not parse";
        brski_policy_decision d;
        if (parsed) {
            brski_policy_input in = {
                .purpose = BRSKI_PURPOSE_DOMAIN,
                .chain = chain,
                .chain_count = nc,
                .now = now,
                .crls = crls,
                .crl_count = ncrl,
            };
            got = brski_policy_validate(&store, &in, &d) == BRSKI_OK;
            why = d.detail;
        }
        if (got && !want) {
            printf("PKITS %s INVALID ACCEPTED\n", num);
            invalid_accepted++;
        } else if (!got && want) {
            printf("PKITS %s valid rejected: %s\n", num, why);
            valid_rejected++;
        } else {
            as_expected++;
        }
        for (size_t k = 0; k < nc; k++) {
            brski_cert_clear(&chain[k]);
        }
        for (size_t k = 0; k < ncrl; k++) {
            brski_buf_clear(&crl_bufs[k]);
        }
        brski_anchor_store_clear(&store);
    }
    printf("PKITS 4.1-4.3, 4.5-4.7: %u tests, %u as expected, %u valid rejected, "
           "%u invalid accepted\n",
           ran, as_expected, valid_rejected, invalid_accepted);
    json_decref(m);
    assert_int_equal(invalid_accepted, 0);
    assert_true(ran >= 50);
}

static void test_policy_crl_check_states(void **state)
{
    (void)state;
    brski_cert ca, good, revoked, badsig_ca;
    brski_buf crl, badcrl;
    int64_t t = brski_time_from_civil(2011, 4, 15, 0, 0, 0);
    memset(&ca, 0, sizeof(ca));
    assert_true(load_pkits_cert("GoodCACert", &ca));
    assert_true(load_pkits_cert("ValidCertificatePathTest1EE", &good));
    assert_true(load_pkits_cert("InvalidRevokedEETest3EE", &revoked));
    assert_true(load_pkits_cert("BadCRLSignatureCACert", &badsig_ca));
    test_read_vector("external/nist-pkits/crls/GoodCACRL.crl", &crl);
    test_read_vector("external/nist-pkits/crls/BadCRLSignatureCACRL.crl", &badcrl);
    assert_int_equal(brski_crl_check(brski_buf_slice(&crl), &good, &ca, t), BRSKI_OK);
    assert_int_equal(brski_crl_check(brski_buf_slice(&crl), &revoked, &ca, t), BRSKI_ERR_POLICY);
    /* Past nextUpdate, or from the wrong issuer: unusable. */
    assert_int_equal(brski_crl_check(brski_buf_slice(&crl), &good, &ca,
                                     brski_time_from_civil(2031, 1, 1, 0, 0, 0)),
                     BRSKI_ERR_MALFORMED);
    assert_int_equal(brski_crl_check(brski_buf_slice(&crl), &good, &badsig_ca, t),
                     BRSKI_ERR_MALFORMED);
    /* Right issuer name, bad signature: unusable. */
    brski_cert badsig_ee;
    assert_true(load_pkits_cert("InvalidBadCRLSignatureTest4EE", &badsig_ee));
    assert_int_equal(brski_crl_check(brski_buf_slice(&badcrl), &badsig_ee, &badsig_ca, t),
                     BRSKI_ERR_MALFORMED);
    brski_cert_clear(&badsig_ee);
    /* One flipped byte in the signed part breaks the signature. */
    crl.p[crl.len / 2] ^= 0x01;
    assert_int_not_equal(brski_crl_check(brski_buf_slice(&crl), &revoked, &ca, t), BRSKI_OK);
    brski_buf_clear(&crl);
    brski_buf_clear(&badcrl);
    brski_cert_clear(&ca);
    brski_cert_clear(&good);
    brski_cert_clear(&revoked);
    brski_cert_clear(&badsig_ca);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_names_and_dns_match),
        cmocka_unit_test(test_policy_config_reads_anchor_policy),
        cmocka_unit_test(test_policy_limbo_no_invalid_accepted),
        cmocka_unit_test(test_policy_pkits_no_invalid_accepted),
        cmocka_unit_test(test_policy_crl_check_states),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
