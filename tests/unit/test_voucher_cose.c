/* Unit tests for COSE vouchers: signing, signer check (anchor key / x5bag chain), acceptance. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "brski/codec.h"
#include "brski/cose.h"
#include "brski/der.h"
#include "brski/log.h"
#include "brski/policy.h"
#include "brski/signer.h"
#include "brski/voucher_cbor.h"
#include "brski/voucher_cose.h"
#include "brski/x509.h"
#include "testutil.h"

typedef struct fixture {
    brski_env env;
    int64_t now;
    uint64_t seed;
    brski_signer *root, *masa, *rogue;
    brski_buf root_der, masa_der, rogue_der, domain_der;
} fixture;

static void build_cert(fixture *f, const char *cn, brski_signer *subject_key, brski_signer *issuer,
                       const brski_buf *issuer_der, bool ca, brski_buf *out)
{
    brski_buf name, spki;
    brski_buf_init(&name, 512);
    brski_buf_init(&spki, 1024);
    const brski_name_attr attrs[] = {{BRSKI_OID_AT_CN, BRSKI_DER_UTF8_STRING, cn}};
    assert_int_equal(brski_name_build(attrs, 1, &name), BRSKI_OK);
    assert_int_equal(brski_signer_spki(subject_key, &spki), BRSKI_OK);
    brski_cert icert;
    memset(&icert, 0, sizeof(icert));
    brski_cert_template t;
    memset(&t, 0, sizeof(t));
    t.subject = brski_buf_slice(&name);
    t.spki = brski_buf_slice(&spki);
    t.not_before = f->now - 3600;
    t.not_after = f->now + 365 * 86400;
    t.ca = ca;
    t.path_len = ca ? 1 : -1;
    t.key_usage = ca ? (BRSKI_KU_KEY_CERT_SIGN | BRSKI_KU_CRL_SIGN) : BRSKI_KU_DIGITAL_SIGNATURE;
    if (issuer_der != NULL) {
        assert_int_equal(brski_cert_parse(brski_buf_slice(issuer_der), &icert), BRSKI_OK);
        t.issuer = icert.subject;
        t.issuer_ski = icert.ski;
    }
    brski_buf_init(out, BRSKI_MAX_CERT);
    assert_int_equal(brski_cert_build(&t, issuer, &f->env, out), BRSKI_OK);
    brski_cert_clear(&icert);
    brski_buf_clear(&name);
    brski_buf_clear(&spki);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->now = 1760000000;
    f->seed = 1234;
    test_env_init(&f->env, &f->now, &f->seed);
    assert_int_equal(brski_signer_generate(BRSKI_ALG_P256, &f->env, &f->root), BRSKI_OK);
    assert_int_equal(brski_signer_generate(BRSKI_ALG_ED25519, &f->env, &f->masa), BRSKI_OK);
    assert_int_equal(brski_signer_generate(BRSKI_ALG_P384, &f->env, &f->rogue), BRSKI_OK);
    build_cert(f, "Manufacturer Root", f->root, f->root, NULL, true, &f->root_der);
    build_cert(f, "MASA signer", f->masa, f->root, &f->root_der, false, &f->masa_der);
    build_cert(f, "Rogue MASA", f->rogue, f->rogue, NULL, false, &f->rogue_der);
    build_cert(f, "Domain CA", f->rogue, f->rogue, NULL, true, &f->domain_der);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    brski_signer_free(f->root);
    brski_signer_free(f->masa);
    brski_signer_free(f->rogue);
    brski_buf_clear(&f->root_der);
    brski_buf_clear(&f->masa_der);
    brski_buf_clear(&f->rogue_der);
    brski_buf_clear(&f->domain_der);
    free(f);
    return 0;
}

static void make_voucher(fixture *f, brski_voucher *v, const char *serial, bool nonce)
{
    brski_voucher_init(v, BRSKI_KIND_VOUCHER);
    v->assertion = BRSKI_ASSERTION_PROXIMITY;
    brski_voucher_mark(v, BRSKI_LEAF_ASSERTION);
    assert_int_equal(brski_voucher_set_time(v, BRSKI_LEAF_CREATED_ON, f->now), BRSKI_OK);
    assert_int_equal(brski_voucher_set_str(v, BRSKI_LEAF_SERIAL_NUMBER, serial), BRSKI_OK);
    assert_int_equal(brski_voucher_set_bytes(v, BRSKI_LEAF_PINNED_DOMAIN_CERT,
                                             brski_buf_slice(&f->domain_der)),
                     BRSKI_OK);
    if (nonce) {
        assert_int_equal(brski_voucher_set_str(v, BRSKI_LEAF_NONCE, "AAECAwQFBgcICQoLDA0ODw=="),
                         BRSKI_OK);
    }
}

static void anchors(brski_anchor_store *s, const brski_buf *der)
{
    brski_anchor_policy pol;
    brski_anchor_store_init(s);
    brski_anchor_policy_default(BRSKI_PURPOSE_MASA, &pol);
    assert_int_equal(brski_anchor_store_add(s, BRSKI_PURPOSE_MASA, "masa", brski_buf_slice(der), &pol),
                     BRSKI_OK);
}

static brski_err accept(fixture *f, brski_slice cose, const brski_buf *anchor, const char *serial,
                        const char *nonce, bool nonceless, brski_voucher *out)
{
    brski_anchor_store s;
    anchors(&s, anchor);
    brski_accept_opts o;
    memset(&o, 0, sizeof(o));
    o.serial = serial;
    o.nonce = nonce;
    o.allow_nonceless = nonceless;
    o.env = &f->env;
    brski_err rv = brski_voucher_cose_accept(cose, &s, &o, out);
    brski_anchor_store_clear(&s);
    return rv;
}

static void test_voucher_cose_sign_and_accept(void **state)
{
    fixture *f = *state;
    brski_voucher v, got;
    brski_buf out;
    brski_buf_init(&out, BRSKI_MAX_BODY);
    make_voucher(f, &v, "SN-1", true);
    brski_slice x5[2] = {brski_buf_slice(&f->masa_der), brski_buf_slice(&f->root_der)};
    assert_int_equal(brski_voucher_cose_sign(&v, f->masa, x5, 2, &f->env, &out), BRSKI_OK);
    brski_cose_sign1 m;
    assert_int_equal(brski_cose_sign1_parse(brski_buf_slice(&out), &m), BRSKI_OK);
    assert_int_equal(m.alg, BRSKI_COSE_ALG_EDDSA);
    assert_int_equal(m.x5_label, BRSKI_COSE_HDR_X5BAG);
    assert_false(m.x5_protected);
    assert_int_equal(m.x5_count, 2);

    /* (b) Chain through x5bag to the root anchor. */
    const char *nonce = "AAECAwQFBgcICQoLDA0ODw==";
    assert_int_equal(accept(f, brski_buf_slice(&out), &f->root_der, "SN-1", nonce, false, &got),
                     BRSKI_OK);
    assert_string_equal(got.serial_number, "SN-1");
    assert_int_equal(got.assertion, BRSKI_ASSERTION_PROXIMITY);
    assert_int_equal(got.created_on, f->now);
    assert_int_equal(got.nonce.len, 16);
    assert_int_equal(got.pinned_domain_cert.len, f->domain_der.len);
    brski_voucher_clear(&got);
    /* (a) The MASA certificate itself as the anchor, with x5bag stripped (cBRSKI 6.8). */
    brski_buf stripped;
    brski_buf_init(&stripped, BRSKI_MAX_BODY);
    assert_int_equal(brski_cose_sign1_strip_x5(brski_buf_slice(&out), &stripped), BRSKI_OK);
    assert_int_equal(accept(f, brski_buf_slice(&stripped), &f->masa_der, "SN-1", nonce, false,
                            &got),
                     BRSKI_OK);
    brski_voucher_clear(&got);
    /* The same anchor outside its validity period does not count. */
    f->now += 2 * 365 * 86400;
    assert_int_equal(accept(f, brski_buf_slice(&stripped), &f->masa_der, "SN-1", nonce, false,
                            &got),
                     BRSKI_ERR_CRYPTO);
    f->now -= 2 * 365 * 86400;
    /* Stripped, the root anchor alone cannot identify the signer. */
    assert_int_equal(accept(f, brski_buf_slice(&stripped), &f->root_der, "SN-1", nonce, false,
                            &got),
                     BRSKI_ERR_CRYPTO);
    /* Another anchor: rejected either way. */
    assert_int_equal(accept(f, brski_buf_slice(&out), &f->rogue_der, "SN-1", nonce, false, &got),
                     BRSKI_ERR_POLICY);
    assert_int_equal(accept(f, brski_buf_slice(&stripped), &f->rogue_der, "SN-1", nonce, false,
                            &got),
                     BRSKI_ERR_CRYPTO);
    /* Serial and nonce. */
    assert_int_equal(accept(f, brski_buf_slice(&out), &f->root_der, "SN-2", nonce, false, &got),
                     BRSKI_ERR_POLICY);
    assert_int_equal(accept(f, brski_buf_slice(&out), &f->root_der, "SN-1",
                            "AAECAwQFBgcICQoLDA0OAA==", false, &got),
                     BRSKI_ERR_POLICY);
    assert_int_equal(accept(f, brski_buf_slice(&out), &f->root_der, "SN-1", NULL, true, &got),
                     BRSKI_ERR_POLICY);
    assert_null(got.serial_number);
    brski_voucher_clear(&v);
    brski_buf_clear(&out);
    brski_buf_clear(&stripped);
}

static void test_voucher_cose_policy_rules(void **state)
{
    fixture *f = *state;
    brski_voucher v, got;
    brski_buf out;
    brski_buf_init(&out, BRSKI_MAX_BODY);
    brski_slice x5[1] = {brski_buf_slice(&f->masa_der)};

    /* Nonceless: only with allow_nonceless. */
    make_voucher(f, &v, "SN-1", false);
    assert_int_equal(brski_voucher_cose_sign(&v, f->masa, x5, 1, &f->env, &out), BRSKI_OK);
    assert_int_equal(accept(f, brski_buf_slice(&out), &f->root_der, "SN-1", NULL, false, &got),
                     BRSKI_ERR_POLICY);
    assert_int_equal(accept(f, brski_buf_slice(&out), &f->root_der, "SN-1", NULL, true, &got),
                     BRSKI_OK);
    brski_voucher_clear(&got);

    /* Expired. */
    assert_int_equal(brski_voucher_set_time(&v, BRSKI_LEAF_EXPIRES_ON, f->now - 10), BRSKI_OK);
    brski_buf_reset(&out);
    assert_int_equal(brski_voucher_cose_sign(&v, f->masa, x5, 1, &f->env, &out), BRSKI_OK);
    assert_int_equal(accept(f, brski_buf_slice(&out), &f->root_der, "SN-1", NULL, true, &got),
                     BRSKI_ERR_POLICY);
    brski_voucher_clear(&v);

    /* No pinned domain certificate or key. */
    make_voucher(f, &v, "SN-1", false);
    free(v.pinned_domain_cert.p);
    v.pinned_domain_cert.p = NULL;
    v.pinned_domain_cert.len = 0;
    v.present &= ~(1u << BRSKI_LEAF_PINNED_DOMAIN_CERT);
    brski_buf_reset(&out);
    assert_int_equal(brski_voucher_cose_sign(&v, f->masa, x5, 1, &f->env, &out), BRSKI_OK);
    assert_int_equal(accept(f, brski_buf_slice(&out), &f->root_der, "SN-1", NULL, true, &got),
                     BRSKI_ERR_POLICY);
    brski_voucher_clear(&v);

    /* A voucher-request is not a voucher. */
    brski_voucher_init(&v, BRSKI_KIND_VOUCHER_REQUEST);
    assert_int_equal(brski_voucher_set_str(&v, BRSKI_LEAF_SERIAL_NUMBER, "SN-1"), BRSKI_OK);
    brski_buf_reset(&out);
    assert_int_equal(brski_voucher_cose_sign(&v, f->masa, x5, 1, &f->env, &out), BRSKI_OK);
    assert_int_equal(accept(f, brski_buf_slice(&out), &f->root_der, "SN-1", NULL, true, &got),
                     BRSKI_ERR_MALFORMED);
    brski_voucher_clear(&v);

    /* Garbage and CMS-looking input. */
    assert_int_equal(accept(f, brski_slice_make("\x30\x00", 2), &f->root_der, "SN-1", NULL, true,
                            &got),
                     BRSKI_ERR_MALFORMED);
    brski_buf_clear(&out);
}

static void test_voucher_cose_cbrski_voucher_accepted(void **state)
{
    fixture *f = *state;
    brski_buf raw, vch, masa_ca;
    test_read_vector("spec/cbrski/voucher.hex", &raw);
    brski_buf_init(&vch, 4096);
    assert_int_equal(brski_hex_decode(brski_buf_slice(&raw), &vch), BRSKI_OK);
    test_read_vector("spec/cbrski/masa_ca.der", &masa_ca);
    brski_voucher got;
    int64_t at = brski_time_from_civil(2023, 1, 1, 0, 0, 0);
    f->now = at;
    /* PROVENANCE: the voucher nonce is 57EED786AD404907, not the PVR's 23BFBBC9C2BCF213. */
    assert_int_equal(accept(f, brski_buf_slice(&vch), &masa_ca, "JADA123456789", "V+7Xhq1ASQc=",
                            false, &got),
                     BRSKI_OK);
    assert_string_equal(got.serial_number, "JADA123456789");
    brski_voucher_clear(&got);
    assert_int_equal(accept(f, brski_buf_slice(&vch), &masa_ca, "JADA123456789", "I7+7ycK88hM=",
                            false, &got),
                     BRSKI_ERR_POLICY);
    f->now = 1760000000;
    brski_buf_clear(&raw);
    brski_buf_clear(&vch);
    brski_buf_clear(&masa_ca);
}

int main(void)
{
    brski_log_set_sink(NULL, NULL, BRSKI_LOG_NONE);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_voucher_cose_sign_and_accept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_voucher_cose_policy_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_voucher_cose_cbrski_voucher_accepted, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
