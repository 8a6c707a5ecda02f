/* Unit tests for COSE_Sign1: cBRSKI App. C vectors, Minerva vectors, sign/verify, strictness. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "brski/cbor_scan.h"
#include "brski/codec.h"
#include "brski/cose.h"
#include "brski/log.h"
#include "brski/signer.h"
#include "brski/voucher_cbor.h"
#include "brski/x509.h"
#include "testutil.h"

static void read_hex_vector(const char *rel, brski_buf *out)
{
    brski_buf raw;
    test_read_vector(rel, &raw);
    brski_buf_init(out, BRSKI_MAX_FILE);
    assert_int_equal(brski_hex_decode(brski_buf_slice(&raw), out), BRSKI_OK);
    brski_buf_clear(&raw);
}

/* SPKI of the first certificate in a PEM/DER vector file. */
static void cert_spki(const char *rel, brski_buf *spki)
{
    brski_buf f;
    test_read_vector(rel, &f);
    brski_cert *certs = NULL;
    size_t n = 0;
    assert_int_equal(brski_certs_load(brski_buf_slice(&f), 4, &certs, &n), BRSKI_OK);
    assert_true(n >= 1);
    brski_buf_init(spki, 4096);
    assert_int_equal(brski_buf_append(spki, certs[0].spki.p, certs[0].spki.len), BRSKI_OK);
    brski_certs_free(certs, n);
    brski_buf_clear(&f);
}

static brski_err verify_bytes(brski_slice cose, brski_slice spki)
{
    brski_cose_sign1 m;
    brski_err rv = brski_cose_sign1_parse(cose, &m);
    if (rv == BRSKI_OK) {
        rv = brski_cose_sign1_verify(&m, spki);
    }
    return rv;
}

static void test_cose_cbrski_pvr_verifies_with_pledge(void **state)
{
    (void)state;
    brski_buf pvr, pledge, reg, plain;
    read_hex_vector("spec/cbrski/pvr.hex", &pvr);
    cert_spki("spec/cbrski/pledge.pem", &pledge);
    cert_spki("spec/cbrski/registrar.pem", &reg);
    read_hex_vector("spec/cbrski/pvr-nonsigned.hex", &plain);
    brski_cose_sign1 m;
    assert_int_equal(brski_cose_sign1_parse(brski_buf_slice(&pvr), &m), BRSKI_OK);
    assert_true(m.tagged);
    assert_int_equal(m.alg, BRSKI_COSE_ALG_ES256);
    assert_int_equal(m.protected_hdr.len, 3);
    assert_memory_equal(m.protected_hdr.p, "\xa1\x01\x26", 3);
    assert_int_equal(m.unprotected.len, 1);
    assert_int_equal(m.kid.len, 0);
    assert_int_equal(m.x5_label, 0);
    assert_int_equal(m.signature.len, 64);
    assert_true(brski_slice_eq(m.payload, brski_buf_slice(&plain)));
    assert_int_equal(brski_cose_sign1_verify(&m, brski_buf_slice(&pledge)), BRSKI_OK);
    assert_int_equal(brski_cose_sign1_verify(&m, brski_buf_slice(&reg)), BRSKI_ERR_CRYPTO);

    brski_voucher v;
    assert_int_equal(brski_voucher_cbor_parse(m.payload, 0, &v), BRSKI_OK);
    assert_int_equal(v.kind, BRSKI_KIND_VOUCHER_REQUEST);
    assert_int_equal(v.assertion, BRSKI_ASSERTION_PROXIMITY);
    assert_string_equal(v.serial_number, "JADA123456789");
    assert_int_equal(v.nonce.len, 8);
    assert_memory_equal(v.nonce.p, "\x23\xBF\xBB\xC9\xC2\xBC\xF2\x13", 8);
    /* proximity-registrar-pubk = the registrar's SPKI. */
    assert_true(brski_slice_eq(brski_slice_make(v.proximity_registrar_pubk.p,
                                                v.proximity_registrar_pubk.len),
                               brski_buf_slice(&reg)));
    brski_voucher_clear(&v);
    brski_buf_clear(&pvr);
    brski_buf_clear(&pledge);
    brski_buf_clear(&reg);
    brski_buf_clear(&plain);
}

static void test_cose_cbrski_rvr_verifies_with_registrar(void **state)
{
    (void)state;
    brski_buf rvr, reg, pledge, x0, x1, pvr, x0spki;
    read_hex_vector("spec/cbrski/rvr.hex", &rvr);
    read_hex_vector("spec/cbrski/pvr.hex", &pvr);
    cert_spki("spec/cbrski/registrar.pem", &reg);
    cert_spki("spec/cbrski/pledge.pem", &pledge);
    test_read_vector("spec/cbrski/rvr-x5bag-0-registrar.der", &x0);
    test_read_vector("spec/cbrski/rvr-x5bag-1-domain-ca.der", &x1);
    brski_cose_sign1 m;
    assert_int_equal(brski_cose_sign1_parse(brski_buf_slice(&rvr), &m), BRSKI_OK);
    assert_int_equal(m.alg, BRSKI_COSE_ALG_ES256);
    assert_int_equal(m.x5_label, BRSKI_COSE_HDR_X5BAG);
    assert_false(m.x5_protected);
    assert_int_equal(m.x5_count, 2);
    assert_true(brski_slice_eq(m.x5[0], brski_buf_slice(&x0)));
    assert_true(brski_slice_eq(m.x5[1], brski_buf_slice(&x1)));
    assert_int_equal(brski_cose_sign1_verify(&m, brski_buf_slice(&reg)), BRSKI_OK);
    assert_int_equal(brski_cose_sign1_verify(&m, brski_buf_slice(&pledge)), BRSKI_ERR_CRYPTO);
    /* x5bag[0] holds the same key as registrar.pem (an earlier issuance). */
    cert_spki("spec/cbrski/rvr-x5bag-0-registrar.der", &x0spki);
    assert_true(brski_slice_eq(brski_buf_slice(&x0spki), brski_buf_slice(&reg)));

    brski_voucher v;
    assert_int_equal(brski_voucher_cbor_parse(m.payload, 0, &v), BRSKI_OK);
    assert_int_equal(v.kind, BRSKI_KIND_VOUCHER_REQUEST);
    assert_int_equal(v.created_on, brski_time_from_civil(2022, 12, 6, 20, 4, 15));
    assert_string_equal(v.serial_number, "JADA123456789");
    /* The embedded PVR is pvr.hex and still verifies with the pledge key. */
    brski_slice prior = brski_slice_make(v.prior_signed_voucher_request.p,
                                         v.prior_signed_voucher_request.len);
    assert_true(brski_slice_eq(prior, brski_buf_slice(&pvr)));
    assert_int_equal(verify_bytes(prior, brski_buf_slice(&pledge)), BRSKI_OK);
    brski_voucher_clear(&v);
    brski_buf_clear(&rvr);
    brski_buf_clear(&reg);
    brski_buf_clear(&pledge);
    brski_buf_clear(&x0);
    brski_buf_clear(&x1);
    brski_buf_clear(&pvr);
    brski_buf_clear(&x0spki);
}

static void test_cose_cbrski_voucher_verifies_with_masa_ca(void **state)
{
    (void)state;
    brski_buf vch, masa_ca, pledge, x1;
    read_hex_vector("spec/cbrski/voucher.hex", &vch);
    cert_spki("spec/cbrski/masa_ca.pem", &masa_ca);
    cert_spki("spec/cbrski/pledge.pem", &pledge);
    test_read_vector("spec/cbrski/rvr-x5bag-1-domain-ca.der", &x1);
    brski_cose_sign1 m;
    assert_int_equal(brski_cose_sign1_parse(brski_buf_slice(&vch), &m), BRSKI_OK);
    assert_int_equal(m.x5_label, 0);
    assert_int_equal(brski_cose_sign1_verify(&m, brski_buf_slice(&masa_ca)), BRSKI_OK);
    assert_int_equal(brski_cose_sign1_verify(&m, brski_buf_slice(&pledge)), BRSKI_ERR_CRYPTO);
    brski_voucher v;
    assert_int_equal(brski_voucher_cbor_parse(m.payload, 0, &v), BRSKI_OK);
    assert_int_equal(v.kind, BRSKI_KIND_VOUCHER);
    assert_int_equal(v.assertion, BRSKI_ASSERTION_PROXIMITY);
    assert_int_equal(v.created_on, brski_time_from_civil(2022, 12, 6, 20, 23, 30));
    assert_true(brski_voucher_has(&v, BRSKI_LEAF_DOMAIN_CERT_REVOCATION_CHECKS));
    assert_false(v.domain_cert_revocation_checks);
    assert_memory_equal(v.nonce.p, "\x57\xEE\xD7\x86\xAD\x40\x49\x07", 8);
    assert_string_equal(v.serial_number, "JADA123456789");
    assert_true(brski_slice_eq(brski_slice_make(v.pinned_domain_cert.p, v.pinned_domain_cert.len),
                               brski_buf_slice(&x1)));
    brski_voucher_clear(&v);
    brski_buf_clear(&vch);
    brski_buf_clear(&masa_ca);
    brski_buf_clear(&pledge);
    brski_buf_clear(&x1);
}

static void test_cose_masa_response_strip_x5bag_gives_published_voucher(void **state)
{
    (void)state;
    brski_buf resp, vch, masa_ca, masa_ca_der, out, again;
    read_hex_vector("peers/anima-wg-constrained-voucher/masa-response/voucher.hex", &resp);
    read_hex_vector("spec/cbrski/voucher.hex", &vch);
    cert_spki("spec/cbrski/masa_ca.pem", &masa_ca);
    test_read_vector("spec/cbrski/masa_ca.der", &masa_ca_der);
    brski_cose_sign1 m;
    assert_int_equal(brski_cose_sign1_parse(brski_buf_slice(&resp), &m), BRSKI_OK);
    assert_int_equal(m.x5_label, BRSKI_COSE_HDR_X5BAG);
    assert_false(m.x5_protected);
    assert_int_equal(m.x5_count, 1);
    assert_true(brski_slice_eq(m.x5[0], brski_buf_slice(&masa_ca_der)));
    assert_int_equal(brski_cose_sign1_verify(&m, brski_buf_slice(&masa_ca)), BRSKI_OK);

    brski_buf_init(&out, BRSKI_CBOR_MAX_SIZE);
    assert_int_equal(brski_cose_sign1_strip_x5(brski_buf_slice(&resp), &out), BRSKI_OK);
    assert_true(out.len < resp.len);
    assert_int_equal(out.len, vch.len);
    assert_memory_equal(out.p, vch.p, vch.len);
    assert_int_equal(verify_bytes(brski_buf_slice(&out), brski_buf_slice(&masa_ca)), BRSKI_OK);
    /* Stripping is idempotent. */
    brski_buf_init(&again, BRSKI_CBOR_MAX_SIZE);
    assert_int_equal(brski_cose_sign1_strip_x5(brski_buf_slice(&out), &again), BRSKI_OK);
    assert_true(brski_slice_eq(brski_buf_slice(&out), brski_buf_slice(&again)));
    brski_buf_clear(&resp);
    brski_buf_clear(&vch);
    brski_buf_clear(&masa_ca);
    brski_buf_clear(&masa_ca_der);
    brski_buf_clear(&out);
    brski_buf_clear(&again);
}

static void test_cose_minerva_vectors(void **state)
{
    (void)state;
    brski_buf vch, vrq, jada, masa, device;
    test_read_vector("peers/AnimaGUS-minerva-voucher/voucher_00-D0-E5-F2-00-02.vch", &vch);
    test_read_vector("peers/AnimaGUS-minerva-voucher/vr_00-D0-E5-F2-00-02.vrq", &vrq);
    test_read_vector("peers/AnimaGUS-minerva-voucher/voucher_jada123456789.vch", &jada);
    cert_spki("peers/AnimaGUS-minerva-voucher/masa.crt", &masa);
    cert_spki("peers/AnimaGUS-minerva-voucher/device.crt", &device);
    assert_int_equal(verify_bytes(brski_buf_slice(&vch), brski_buf_slice(&masa)), BRSKI_OK);
    assert_int_equal(verify_bytes(brski_buf_slice(&vch), brski_buf_slice(&device)),
                     BRSKI_ERR_CRYPTO);
    assert_int_equal(verify_bytes(brski_buf_slice(&vrq), brski_buf_slice(&device)), BRSKI_OK);
    assert_int_equal(verify_bytes(brski_buf_slice(&vrq), brski_buf_slice(&masa)),
                     BRSKI_ERR_CRYPTO);

    /* JADA: the signer's raw P-256 point sits in unprotected label 60299. */
    brski_cose_sign1 m;
    assert_int_equal(brski_cose_sign1_parse(brski_buf_slice(&jada), &m), BRSKI_OK);
    brski_slice c = m.unprotected;
    unsigned major = 0, ai = 0;
    uint64_t arg = 0;
    assert_true(brski_cbor_read_head(&c, &major, &ai, &arg));
    assert_int_equal(major, BRSKI_CBOR_MAP);
    assert_int_equal(arg, 1);
    assert_true(brski_cbor_read_head(&c, &major, &ai, &arg));
    assert_int_equal(arg, 60299);
    assert_true(brski_cbor_read_head(&c, &major, &ai, &arg));
    assert_int_equal(major, BRSKI_CBOR_BYTES);
    assert_int_equal(arg, 65);
    brski_buf spki;
    brski_buf_init(&spki, 128);
    assert_int_equal(brski_hex_decode(brski_slice_str("3059301306072a8648ce3d020106082a8648ce3d03"
                                                      "0107034200"),
                                      &spki),
                     BRSKI_OK);
    assert_int_equal(brski_buf_append(&spki, c.p, 65), BRSKI_OK);
    assert_int_equal(brski_cose_sign1_verify(&m, brski_buf_slice(&spki)), BRSKI_OK);
    assert_int_equal(brski_cose_sign1_verify(&m, brski_buf_slice(&masa)), BRSKI_ERR_CRYPTO);
    brski_buf_clear(&spki);
    brski_buf_clear(&vch);
    brski_buf_clear(&vrq);
    brski_buf_clear(&jada);
    brski_buf_clear(&masa);
    brski_buf_clear(&device);
}

static void test_cose_chariwts_bad_vectors_rejected(void **state)
{
    (void)state;
    brski_buf bad, vds;
    brski_cose_sign1 m;
    /* Payload is a map, not a bstr. */
    test_read_vector("peers/AnimaGUS-minerva-ChariWTs/voucher_jada123456789_bad.vch", &bad);
    assert_int_equal(brski_cose_sign1_parse(brski_buf_slice(&bad), &m), BRSKI_ERR_MALFORMED);
    /* van der Stok RVR: ES256K (-47) and a 71-byte DER signature: unsupported at verify. */
    test_read_vector("peers/AnimaGUS-minerva-ChariWTs/parboiled_vr_vanderstok_00-d0-e5-02-00-36.vrq",
                     &vds);
    assert_int_equal(brski_cose_sign1_parse(brski_buf_slice(&vds), &m), BRSKI_OK);
    assert_int_equal(m.alg, -47);
    assert_int_equal(m.kid.len, 32);
    assert_int_equal(m.signature.len, 71);
    brski_buf reg;
    cert_spki("spec/cbrski/registrar.pem", &reg);
    assert_int_equal(brski_cose_sign1_verify(&m, brski_buf_slice(&reg)), BRSKI_ERR_UNSUPPORTED);
    brski_buf_clear(&bad);
    brski_buf_clear(&vds);
    brski_buf_clear(&reg);
}

static brski_err parse_hex(const char *hex)
{
    brski_buf b;
    brski_buf_init(&b, 4096);
    assert_int_equal(brski_hex_decode(brski_slice_str(hex), &b), BRSKI_OK);
    brski_cose_sign1 m;
    brski_err rv = brski_cose_sign1_parse(brski_buf_slice(&b), &m);
    brski_buf_clear(&b);
    return rv;
}

static void test_cose_parse_strictness(void **state)
{
    (void)state;
    /* Good baseline: tagged and untagged, empty bstr payload, kid, CWT claims label 15. */
    assert_int_equal(parse_hex("d2 84 43a10126 a0 40 40"), BRSKI_OK);
    assert_int_equal(parse_hex("84 43a10126 a0 40 40"), BRSKI_OK);
    assert_int_equal(parse_hex("84 43a10126 a2 0442abcd 0fa10601 40 40"), BRSKI_OK);
    assert_int_equal(parse_hex("84 43a10126 a1 6378797a 01 40 40"), BRSKI_OK);
    struct {
        const char *hex;
        brski_err want;
    } bad[] = {
        {"d1 84 43a10126 a0 40 40", BRSKI_ERR_MALFORMED},        /* tag 17 (COSE_Mac0) */
        {"83 43a10126 a0 40", BRSKI_ERR_MALFORMED},              /* 3 elements */
        {"85 43a10126 a0 40 40 40", BRSKI_ERR_MALFORMED},        /* 5 elements */
        {"84 a10126 a0 40 40", BRSKI_ERR_MALFORMED},             /* protected not a bstr */
        {"84 40 a10126 40 40", BRSKI_ERR_MALFORMED},             /* alg unprotected */
        {"84 40 a0 40 40", BRSKI_ERR_MALFORMED},                 /* no alg */
        {"84 41a0 a0 40 40", BRSKI_ERR_MALFORMED},               /* no alg, empty map */
        {"84 4301 0126 a0 40 40", BRSKI_ERR_MALFORMED},          /* protected not a map */
        {"84 44a1012601 a0 40 40", BRSKI_ERR_MALFORMED},         /* protected trailing */
        {"84 45a2012601 26 a0 40 40", BRSKI_ERR_MALFORMED},      /* dup label */
        {"84 43a10126 a10126 40 40", BRSKI_ERR_MALFORMED},       /* alg in both */
        {"84 45a2012602 80 a0 40 40", BRSKI_ERR_UNSUPPORTED},    /* crit */
        {"84 48a1016545533235 36 a0 40 40", BRSKI_ERR_UNSUPPORTED}, /* text alg */
        {"84 47a101654553323536 a0 40 40", BRSKI_ERR_MALFORMED}, /* truncated inside */
        {"84 43a10126 a0 f6 40", BRSKI_ERR_UNSUPPORTED},         /* detached payload */
        {"84 43a10126 a0 a0 40", BRSKI_ERR_MALFORMED},           /* payload a map */
        {"84 43a10126 a0 40 f6", BRSKI_ERR_MALFORMED},           /* signature nil */
        {"84 43a10126 a1 0401 40 40", BRSKI_ERR_MALFORMED},      /* kid not bstr */
        {"84 43a10126 a1 f6 01 40 40", BRSKI_ERR_MALFORMED},     /* null label */
        {"84 43a10126 a1 1820 01 40 40", BRSKI_ERR_MALFORMED},   /* x5bag an int */
        {"84 43a10126 a1 1820 80 40 40", BRSKI_ERR_MALFORMED},   /* x5bag empty array */
        {"84 43a10126 a2 1820 40 1821 40 40 40", BRSKI_ERR_MALFORMED}, /* bag and chain */
        {"84 43a10126 a1 1820 89 404040404040404040 40 40", BRSKI_ERR_TOOBIG}, /* 9 certs */
        {"9f 43a10126 a0 40 40 ff", BRSKI_ERR_MALFORMED},        /* indefinite array */
        {"84 43a10126 bfff 40 40", BRSKI_ERR_MALFORMED},         /* indefinite map */
        {"84 43a10126 a0 5f40ff 40", BRSKI_ERR_MALFORMED},       /* indefinite payload */
        {"d2 84 43a10126 a0 40 40 00", BRSKI_ERR_MALFORMED},     /* trailing */
        {"d2 84 43a10126 a0 40", BRSKI_ERR_MALFORMED},           /* truncated */
        {"d2 d2 84 43a10126 a0 40 40", BRSKI_ERR_MALFORMED},     /* double tag */
        {"", BRSKI_ERR_MALFORMED},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        brski_err rv = parse_hex(bad[i].hex);
        if (rv != bad[i].want) {
            fail_msg("'%s' gave %s, want %s", bad[i].hex, brski_err_str(rv),
                     brski_err_str(bad[i].want));
        }
    }
}

static void test_cose_sign_verify_all_algs(void **state)
{
    (void)state;
    brski_env env;
    int64_t now = 1760000000;
    uint64_t seed = 42;
    test_env_init(&env, &now, &seed);
    const brski_key_alg algs[] = {BRSKI_ALG_P256, BRSKI_ALG_P384, BRSKI_ALG_P521,
                                  BRSKI_ALG_ED25519};
    const int64_t cose_alg[] = {BRSKI_COSE_ALG_ES256, BRSKI_COSE_ALG_ES384, BRSKI_COSE_ALG_ES512,
                                BRSKI_COSE_ALG_EDDSA};
    const size_t sig_len[] = {64, 96, 132, 64};
    const uint8_t payload[] = {0xa1, 0x19, 0x09, 0x93, 0xa1, 0x0b, 0x61, 0x78};
    brski_signer *other = NULL;
    assert_int_equal(brski_signer_generate(BRSKI_ALG_P256, &env, &other), BRSKI_OK);
    brski_buf other_spki;
    brski_buf_init(&other_spki, 1024);
    assert_int_equal(brski_signer_spki(other, &other_spki), BRSKI_OK);
    for (size_t i = 0; i < 4; i++) {
        brski_signer *k = NULL;
        assert_int_equal(brski_signer_generate(algs[i], &env, &k), BRSKI_OK);
        brski_buf spki, out;
        brski_buf_init(&spki, 1024);
        brski_buf_init(&out, 4096);
        assert_int_equal(brski_signer_spki(k, &spki), BRSKI_OK);
        const brski_slice certs[2] = {brski_slice_make("\x30\x00", 2),
                                      brski_slice_make("\x30\x01\x00", 3)};
        brski_cose_sign_opts o;
        memset(&o, 0, sizeof(o));
        o.kid = brski_slice_make("kid-1", 5);
        o.kid_protected = (i % 2) == 0;
        o.x5 = certs;
        o.x5_count = 1 + (i % 2);
        o.x5_label = i == 3 ? BRSKI_COSE_HDR_X5CHAIN : 0;
        o.untagged = i == 2;
        assert_int_equal(brski_cose_sign1_sign(k, brski_slice_make(payload, sizeof(payload)), &o,
                                               &env, &out),
                         BRSKI_OK);
        brski_cose_sign1 m;
        assert_int_equal(brski_cose_sign1_parse(brski_buf_slice(&out), &m), BRSKI_OK);
        assert_int_equal(m.alg, cose_alg[i]);
        assert_int_equal(m.tagged, i != 2);
        assert_int_equal(m.signature.len, sig_len[i]);
        assert_true(brski_slice_eq(m.kid, o.kid));
        assert_int_equal(m.kid_protected, o.kid_protected);
        assert_int_equal(m.x5_label, i == 3 ? BRSKI_COSE_HDR_X5CHAIN : BRSKI_COSE_HDR_X5BAG);
        assert_int_equal(m.x5_count, o.x5_count);
        assert_true(brski_slice_eq(m.x5[0], certs[0]));
        assert_true(brski_slice_eq(m.payload, brski_slice_make(payload, sizeof(payload))));
        assert_int_equal(brski_cose_sign1_verify(&m, brski_buf_slice(&spki)), BRSKI_OK);
        /* Another P-256 key: bad signature (i == 0) or alg/key mismatch (others). */
        assert_int_equal(brski_cose_sign1_verify(&m, brski_buf_slice(&other_spki)),
                         BRSKI_ERR_CRYPTO);
        /* Stripping the unprotected certificates keeps the signature valid. */
        brski_buf st;
        brski_buf_init(&st, 4096);
        assert_int_equal(brski_cose_sign1_strip_x5(brski_buf_slice(&out), &st), BRSKI_OK);
        brski_cose_sign1 sm;
        assert_int_equal(brski_cose_sign1_parse(brski_buf_slice(&st), &sm), BRSKI_OK);
        assert_int_equal(sm.x5_count, 0);
        assert_true(brski_slice_eq(sm.kid, o.kid));
        assert_int_equal(brski_cose_sign1_verify(&sm, brski_buf_slice(&spki)), BRSKI_OK);
        /* A wrong requested alg is refused. */
        o.alg = i == 0 ? BRSKI_COSE_ALG_ES384 : BRSKI_COSE_ALG_ES256;
        brski_buf_reset(&st);
        assert_int_equal(brski_cose_sign1_sign(k, brski_slice_make(payload, sizeof(payload)), &o,
                                               &env, &st),
                         BRSKI_ERR_ARG);
        assert_int_equal(st.len, 0);
        brski_buf_clear(&st);
        brski_buf_clear(&spki);
        brski_buf_clear(&out);
        brski_signer_free(k);
    }
    /* RSA has no COSE alg here. */
    brski_signer *rsa = NULL;
    assert_int_equal(brski_signer_generate(BRSKI_ALG_RSA2048, &env, &rsa), BRSKI_OK);
    brski_buf out;
    brski_buf_init(&out, 4096);
    assert_int_equal(brski_cose_sign1_sign(rsa, brski_slice_make(payload, 1), NULL, &env, &out),
                     BRSKI_ERR_UNSUPPORTED);
    brski_signer_free(rsa);
    brski_buf_clear(&out);
    brski_buf_clear(&other_spki);
    brski_signer_free(other);
}

static void test_cose_verify_raw_alg_key_length_and_s(void **state)
{
    (void)state;
    brski_env env;
    int64_t now = 1760000000;
    uint64_t seed = 7;
    test_env_init(&env, &now, &seed);
    brski_signer *ec = NULL, *ed = NULL, *p384 = NULL;
    assert_int_equal(brski_signer_generate(BRSKI_ALG_P256, &env, &ec), BRSKI_OK);
    assert_int_equal(brski_signer_generate(BRSKI_ALG_ED25519, &env, &ed), BRSKI_OK);
    assert_int_equal(brski_signer_generate(BRSKI_ALG_P384, &env, &p384), BRSKI_OK);
    brski_buf ec_spki, ed_spki, p384_spki, sig;
    brski_buf_init(&ec_spki, 1024);
    brski_buf_init(&ed_spki, 1024);
    brski_buf_init(&p384_spki, 1024);
    brski_buf_init(&sig, 256);
    assert_int_equal(brski_signer_spki(ec, &ec_spki), BRSKI_OK);
    assert_int_equal(brski_signer_spki(ed, &ed_spki), BRSKI_OK);
    assert_int_equal(brski_signer_spki(p384, &p384_spki), BRSKI_OK);
    brski_slice msg = brski_slice_str("Sig_structure bytes");

    assert_int_equal(brski_signer_sign(ec, BRSKI_SIG_ECDSA_SHA256, BRSKI_SIG_FMT_RAW, msg, &env,
                                       &sig),
                     BRSKI_OK);
    brski_slice s = brski_buf_slice(&sig);
    assert_int_equal(brski_cose_verify_raw(BRSKI_COSE_ALG_ES256, brski_buf_slice(&ec_spki), msg, s),
                     BRSKI_OK);
    /* alg vs key: ES384 / EdDSA / ES512 over a P-256 key; ES256 over P-384 and Ed25519. */
    assert_int_equal(brski_cose_verify_raw(BRSKI_COSE_ALG_ES384, brski_buf_slice(&ec_spki), msg, s),
                     BRSKI_ERR_CRYPTO);
    assert_int_equal(brski_cose_verify_raw(BRSKI_COSE_ALG_EDDSA, brski_buf_slice(&ec_spki), msg, s),
                     BRSKI_ERR_CRYPTO);
    assert_int_equal(brski_cose_verify_raw(BRSKI_COSE_ALG_ES512, brski_buf_slice(&ec_spki), msg, s),
                     BRSKI_ERR_CRYPTO);
    assert_int_equal(
        brski_cose_verify_raw(BRSKI_COSE_ALG_ES256, brski_buf_slice(&p384_spki), msg, s),
        BRSKI_ERR_CRYPTO);
    assert_int_equal(brski_cose_verify_raw(BRSKI_COSE_ALG_ES256, brski_buf_slice(&ed_spki), msg, s),
                     BRSKI_ERR_CRYPTO);
    /* Unknown algs. */
    assert_int_equal(brski_cose_verify_raw(-47, brski_buf_slice(&ec_spki), msg, s),
                     BRSKI_ERR_UNSUPPORTED);
    assert_int_equal(brski_cose_verify_raw(-257, brski_buf_slice(&ec_spki), msg, s),
                     BRSKI_ERR_UNSUPPORTED);
    /* Length: one byte short, one byte long (leading zero), DER form. */
    assert_int_equal(brski_cose_verify_raw(BRSKI_COSE_ALG_ES256, brski_buf_slice(&ec_spki), msg,
                                           brski_slice_make(s.p, 63)),
                     BRSKI_ERR_CRYPTO);
    uint8_t longer[65];
    longer[0] = 0;
    memcpy(longer + 1, s.p, 64);
    assert_int_equal(brski_cose_verify_raw(BRSKI_COSE_ALG_ES256, brski_buf_slice(&ec_spki), msg,
                                           brski_slice_make(longer, 65)),
                     BRSKI_ERR_CRYPTO);
    brski_buf der;
    brski_buf_init(&der, 256);
    assert_int_equal(brski_signer_sign(ec, BRSKI_SIG_ECDSA_SHA256, BRSKI_SIG_FMT_DER, msg, &env,
                                       &der),
                     BRSKI_OK);
    assert_int_equal(brski_cose_verify_raw(BRSKI_COSE_ALG_ES256, brski_buf_slice(&ec_spki), msg,
                                           brski_buf_slice(&der)),
                     BRSKI_ERR_CRYPTO);
    brski_buf_clear(&der);

    /* Ed25519: valid, then S + L (same value mod L) is refused. */
    brski_buf_reset(&sig);
    assert_int_equal(brski_signer_sign(ed, BRSKI_SIG_ED25519, BRSKI_SIG_FMT_RAW, msg, &env, &sig),
                     BRSKI_OK);
    assert_int_equal(sig.len, 64);
    assert_int_equal(brski_cose_verify_raw(BRSKI_COSE_ALG_EDDSA, brski_buf_slice(&ed_spki), msg,
                                           brski_buf_slice(&sig)),
                     BRSKI_OK);
    static const uint8_t l[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                                  0xa2, 0xde, 0xf9, 0xde, 0x14, 0,    0,    0,    0,    0,    0,
                                  0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};
    unsigned carry = 0;
    for (size_t i = 0; i < 32; i++) {
        unsigned v = (unsigned)sig.p[32 + i] + l[i] + carry;
        sig.p[32 + i] = (uint8_t)(v & 0xffu);
        carry = v >> 8;
    }
    assert_int_equal(carry, 0);
    assert_int_equal(brski_cose_verify_raw(BRSKI_COSE_ALG_EDDSA, brski_buf_slice(&ed_spki), msg,
                                           brski_buf_slice(&sig)),
                     BRSKI_ERR_CRYPTO);
    /* Malformed key. */
    assert_int_equal(brski_cose_verify_raw(BRSKI_COSE_ALG_EDDSA, brski_slice_make("\x30\x00", 2),
                                           msg, brski_buf_slice(&sig)),
                     BRSKI_ERR_MALFORMED);
    brski_buf_clear(&ec_spki);
    brski_buf_clear(&ed_spki);
    brski_buf_clear(&p384_spki);
    brski_buf_clear(&sig);
    brski_signer_free(ec);
    brski_signer_free(ed);
    brski_signer_free(p384);
}

/* Every truncation and every single-bit flip of |cose| must fail parse or verify. */
static void mutation_sweep(brski_slice cose, brski_slice spki, size_t *tried)
{
    assert_int_equal(verify_bytes(cose, spki), BRSKI_OK);
    uint8_t *m = malloc(cose.len);
    assert_non_null(m);
    for (size_t n = 0; n < cose.len; n++) {
        memcpy(m, cose.p, n);
        if (verify_bytes(brski_slice_make(m, n), spki) == BRSKI_OK) {
            fail_msg("truncation to %zu bytes accepted", n);
        }
        (*tried)++;
    }
    for (size_t i = 0; i < cose.len; i++) {
        for (unsigned b = 0; b < 8; b++) {
            memcpy(m, cose.p, cose.len);
            m[i] = (uint8_t)(m[i] ^ (1u << b));
            if (verify_bytes(brski_slice_make(m, cose.len), spki) == BRSKI_OK) {
                fail_msg("bit %u of byte %zu flipped: accepted", b, i);
            }
            (*tried)++;
        }
    }
    free(m);
}

static void test_cose_mutation_sweep_all_rejected(void **state)
{
    (void)state;
    brski_log_level saved = brski_log_level_get();
    brski_log_set_sink(NULL, NULL, BRSKI_LOG_NONE);
    size_t tried = 0;
    /* The published cBRSKI voucher (ES256, MASA CA key). */
    brski_buf vch, masa_ca;
    read_hex_vector("spec/cbrski/voucher.hex", &vch);
    cert_spki("spec/cbrski/masa_ca.pem", &masa_ca);
    mutation_sweep(brski_buf_slice(&vch), brski_buf_slice(&masa_ca), &tried);
    /* One we sign with Ed25519 over a small voucher. */
    brski_env env;
    int64_t now = 1760000000;
    uint64_t seed = 99;
    test_env_init(&env, &now, &seed);
    brski_signer *ed = NULL;
    assert_int_equal(brski_signer_generate(BRSKI_ALG_ED25519, &env, &ed), BRSKI_OK);
    brski_buf spki, payload, out;
    brski_buf_init(&spki, 256);
    brski_buf_init(&payload, 1024);
    brski_buf_init(&out, 2048);
    assert_int_equal(brski_signer_spki(ed, &spki), BRSKI_OK);
    brski_voucher v;
    memset(&v, 0, sizeof(v));
    v.kind = BRSKI_KIND_VOUCHER;
    v.assertion = BRSKI_ASSERTION_LOGGED;
    brski_voucher_mark(&v, BRSKI_LEAF_ASSERTION);
    v.created_on = now;
    brski_voucher_mark(&v, BRSKI_LEAF_CREATED_ON);
    char serial[] = "SN-42";
    v.serial_number = serial;
    brski_voucher_mark(&v, BRSKI_LEAF_SERIAL_NUMBER);
    uint8_t nonce[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    v.nonce.p = nonce;
    v.nonce.len = 8;
    brski_voucher_mark(&v, BRSKI_LEAF_NONCE);
    assert_int_equal(brski_voucher_cbor_encode(&v, &payload), BRSKI_OK);
    assert_int_equal(brski_cose_sign1_sign(ed, brski_buf_slice(&payload), NULL, &env, &out),
                     BRSKI_OK);
    mutation_sweep(brski_buf_slice(&out), brski_buf_slice(&spki), &tried);
    brski_log_set_sink(brski_log_stderr_sink, NULL, saved);
    print_message("mutation sweep: %zu mutants, all rejected\n", tried);
    brski_signer_free(ed);
    brski_buf_clear(&spki);
    brski_buf_clear(&payload);
    brski_buf_clear(&out);
    brski_buf_clear(&vch);
    brski_buf_clear(&masa_ca);
}

static void test_cose_looks_like(void **state)
{
    (void)state;
    assert_true(brski_cose_looks_like(brski_slice_make("\xd2\x84", 2)));
    assert_true(brski_cose_looks_like(brski_slice_make("\x84\x43", 2)));
    assert_false(brski_cose_looks_like(brski_slice_make("\x30\x82", 2)));
    assert_false(brski_cose_looks_like(brski_slice_make("\xd2", 1)));
}

int main(void)
{
    brski_log_set_sink(brski_log_stderr_sink, NULL, BRSKI_LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cose_cbrski_pvr_verifies_with_pledge),
        cmocka_unit_test(test_cose_cbrski_rvr_verifies_with_registrar),
        cmocka_unit_test(test_cose_cbrski_voucher_verifies_with_masa_ca),
        cmocka_unit_test(test_cose_masa_response_strip_x5bag_gives_published_voucher),
        cmocka_unit_test(test_cose_minerva_vectors),
        cmocka_unit_test(test_cose_chariwts_bad_vectors_rejected),
        cmocka_unit_test(test_cose_parse_strictness),
        cmocka_unit_test(test_cose_sign_verify_all_algs),
        cmocka_unit_test(test_cose_verify_raw_alg_key_length_and_s),
        cmocka_unit_test(test_cose_mutation_sweep_all_rejected),
        cmocka_unit_test(test_cose_looks_like),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
