/*
 * Unit tests for CMS voucher signing/verification and the pledge's voucher
 * acceptance: RFC 8995 App. C vectors, peer artifacts, sign round trips and
 * a mutation sweep.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "brski/cms.h"
#include "brski/codec.h"
#include "brski/der.h"
#include "brski/env.h"
#include "brski/log.h"
#include "brski/policy.h"
#include "brski/signer.h"
#include "brski/voucher.h"
#include "brski/voucher_accept.h"
#include "brski/voucher_json.h"
#include "brski/x509.h"
#include "testutil.h"

#define R8995 "spec/rfc8995/"
#define NQ "peers/nqminds-brski/"
#define CW "peers/AnimaGUS-minerva-ChariWTs/"

static int64_t at(const char *s)
{
    int64_t t = 0;
    if (brski_time_parse(s, &t) != BRSKI_OK) {
        abort();
    }
    return t;
}

/* Loads certificates from a vector file (PEM or DER). */
static brski_cert *load_certs(const char *rel, size_t *n)
{
    brski_buf b;
    brski_cert *certs = NULL;
    *n = 0;
    test_read_vector(rel, &b);
    assert_int_equal(brski_certs_load(brski_buf_slice(&b), 8, &certs, n), BRSKI_OK);
    assert_true(*n > 0);
    brski_buf_clear(&b);
    return certs;
}

/* An anchor store holding every certificate of |rel| for |purpose|. */
static void store_from(const char *rel, brski_purpose purpose, brski_anchor_store *st)
{
    size_t n = 0;
    brski_anchor_policy pol;
    brski_cert *certs = load_certs(rel, &n);
    brski_anchor_policy_default(purpose, &pol);
    brski_anchor_store_init(st);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(
            brski_anchor_store_add(st, purpose, "test", brski_cert_der(&certs[i]), &pol), BRSKI_OK);
    }
    brski_certs_free(certs, n);
}

/* Reads a vector; base64 text files are decoded. */
static void read_der(const char *rel, brski_buf *out)
{
    brski_buf raw;
    test_read_vector(rel, &raw);
    brski_buf_init(out, BRSKI_MAX_BODY);
    if (raw.len > 0 && raw.p[0] == 0x30) {
        assert_int_equal(brski_buf_append(out, raw.p, raw.len), BRSKI_OK);
    } else {
        assert_int_equal(brski_base64_decode_loose(brski_buf_slice(&raw), out), BRSKI_OK);
    }
    brski_buf_clear(&raw);
}

static void file_bytes(const char *rel, brski_buf *out)
{
    test_read_vector(rel, out);
}

static void test_cms_rfc8995_pvr_and_rvr_verify_with_embedded_signers(void **state)
{
    (void)state;
    brski_buf der, idevid;
    brski_cms_signed sd;
    brski_voucher v;
    brski_anchor_store vendor, owner;
    store_from(R8995 "vendor.crt.pem", BRSKI_PURPOSE_IDEVID, &vendor);
    store_from(R8995 "ownerca_secp384r1.crt.pem", BRSKI_PURPOSE_DOMAIN, &owner);
    int64_t now = at("2021-05-01T00:00:00Z");

    /* PVR: signed by the embedded IDevID (0x0D83AFD9), eContentType id-data, v1. */
    read_der(R8995 "vr_00-D0-E5-F2-00-02.cms.der", &der);
    assert_int_equal(brski_cms_verify(brski_buf_slice(&der), &sd), BRSKI_OK);
    assert_false(sd.voucher_ctype);
    assert_int_equal(sd.version, 1);
    assert_true(sd.has_signing_time);
    assert_int_equal(sd.signing_time, at("2021-04-13T21:43:23Z"));
    const brski_cert *signer = brski_cms_signer(&sd);
    assert_non_null(signer);
    assert_int_equal(signer->serial.len, 4);
    assert_memory_equal(signer->serial.p, "\x0d\x83\xaf\xd9", 4);
    test_read_vector(R8995 "vr_00-D0-E5-F2-00-02.embedded-idevid.crt.pem", &idevid);
    size_t ne = 0;
    brski_cert *emb = NULL;
    assert_int_equal(brski_certs_load(brski_buf_slice(&idevid), 1, &emb, &ne), BRSKI_OK);
    assert_int_equal(signer->der_len, emb[0].der_len);
    assert_memory_equal(signer->der, emb[0].der, emb[0].der_len);
    brski_certs_free(emb, ne);
    /*
     * The embedded IDevID carries serialNumber as a UTF8String
     * (vectors/spec PROVENANCE): the default 802.1AR profile rejects it, a
     * profile without that rule accepts the chain to the vendor CA.
     */
    char why[300];
    assert_int_equal(brski_cms_signer_check(&vendor, BRSKI_PURPOSE_IDEVID, &sd, true, now, why,
                                            sizeof(why)),
                     BRSKI_ERR_POLICY);
    assert_non_null(strstr(why, "ee-serial-number"));
    brski_anchor_store lax;
    brski_anchor_policy pol;
    brski_anchor_policy_default(BRSKI_PURPOSE_IDEVID, &pol);
    pol.require_serial_number = false;
    brski_anchor_store_init(&lax);
    assert_int_equal(brski_anchor_store_add(&lax, BRSKI_PURPOSE_IDEVID, "vendor",
                                            brski_cert_der(&vendor.anchors[0].cert), &pol),
                     BRSKI_OK);
    assert_int_equal(brski_cms_signer_check(&lax, BRSKI_PURPOSE_IDEVID, &sd, true, now, NULL, 0),
                     BRSKI_OK);
    brski_anchor_store_clear(&lax);
    /* The PVR signer does not chain to the domain CA. */
    assert_int_not_equal(
        brski_cms_signer_check(&owner, BRSKI_PURPOSE_DOMAIN, &sd, true, now, NULL, 0), BRSKI_OK);
    assert_int_equal(brski_voucher_json_parse(brski_slice_make(sd.content, sd.content_len), 0, &v),
                     BRSKI_OK);
    assert_int_equal(v.kind, BRSKI_KIND_VOUCHER_REQUEST);
    assert_string_equal(v.nonce_text, "-_XE9zK9q8Ll1qylMtLKeg");
    brski_voucher_clear(&v);
    brski_cms_signed_clear(&sd);
    brski_buf_clear(&der);
    brski_buf_clear(&idevid);

    /* RVR: signed by the registrar (jrc), which chains to the owner CA. */
    read_der(R8995 "parboiled_vr_00-D0-E5-F2-00-02.cms.der", &der);
    assert_int_equal(brski_cms_verify(brski_buf_slice(&der), &sd), BRSKI_OK);
    assert_int_equal(sd.cert_count, 2);
    signer = brski_cms_signer(&sd);
    assert_memory_equal(signer->serial.p, "\x3f\x98\x9b\x52", 4);
    assert_int_equal(brski_cms_signer_check(&owner, BRSKI_PURPOSE_DOMAIN, &sd, true, now, NULL, 0),
                     BRSKI_OK);
    assert_int_not_equal(
        brski_cms_signer_check(&vendor, BRSKI_PURPOSE_IDEVID, &sd, true, now, NULL, 0), BRSKI_OK);
    brski_cms_signed_clear(&sd);
    brski_buf_clear(&der);
    brski_anchor_store_clear(&vendor);
    brski_anchor_store_clear(&owner);
}

static brski_err accept_8995(const char *anchor, const char *serial, const char *nonce,
                             const char *when, brski_voucher *v)
{
    brski_buf der;
    int64_t now = at(when);
    uint64_t seed = 1;
    brski_env env;
    brski_anchor_store anchors;
    test_env_init(&env, &now, &seed);
    store_from(anchor, BRSKI_PURPOSE_MASA, &anchors);
    read_der(R8995 "voucher_00-D0-E5-F2-00-02.cms.der", &der);
    brski_accept_opts o = {.serial = serial, .nonce = nonce, .env = &env};
    brski_err rv = brski_voucher_accept(brski_buf_slice(&der), &anchors, &o, v);
    brski_buf_clear(&der);
    brski_anchor_store_clear(&anchors);
    return rv;
}

static void test_cms_rfc8995_voucher_accepted_and_rejected(void **state)
{
    (void)state;
    brski_voucher v;
    brski_buf jrc;
    file_bytes(R8995 "jrc_prime256v1.crt.der", &jrc);
    assert_int_equal(accept_8995(R8995 "masa.crt.pem", "00-D0-E5-F2-00-02",
                                 "-_XE9zK9q8Ll1qylMtLKeg", "2021-05-01T00:00:00Z", &v),
                     BRSKI_OK);
    assert_int_equal(v.assertion, BRSKI_ASSERTION_LOGGED);
    assert_int_equal(v.pinned_domain_cert.len, jrc.len);
    assert_memory_equal(v.pinned_domain_cert.p, jrc.p, jrc.len);
    brski_voucher_clear(&v);
    /* The manufacturer CA works as the anchor too. */
    assert_int_equal(accept_8995(R8995 "vendor.crt.pem", "00-D0-E5-F2-00-02",
                                 "-_XE9zK9q8Ll1qylMtLKeg", "2021-05-01T00:00:00Z", &v),
                     BRSKI_OK);
    brski_voucher_clear(&v);
    /* Wrong nonce, wrong serial, expired, no nonce kept by the pledge, wrong anchor. */
    assert_int_equal(accept_8995(R8995 "masa.crt.pem", "00-D0-E5-F2-00-02",
                                 "-_XE9zK9q8Ll1qylMtLKeh", "2021-05-01T00:00:00Z", &v),
                     BRSKI_ERR_POLICY);
    assert_int_equal(accept_8995(R8995 "masa.crt.pem", "00-D0-E5-F2-00-03",
                                 "-_XE9zK9q8Ll1qylMtLKeg", "2021-05-01T00:00:00Z", &v),
                     BRSKI_ERR_POLICY);
    assert_int_equal(accept_8995(R8995 "vendor.crt.pem", "00-D0-E5-F2-00-02",
                                 "-_XE9zK9q8Ll1qylMtLKeg", "2023-04-14T00:00:00Z", &v),
                     BRSKI_ERR_POLICY);
    assert_int_equal(accept_8995(R8995 "masa.crt.pem", "00-D0-E5-F2-00-02", NULL,
                                 "2021-05-01T00:00:00Z", &v),
                     BRSKI_ERR_POLICY);
    assert_int_equal(accept_8995(R8995 "ownerca_secp384r1.crt.pem", "00-D0-E5-F2-00-02",
                                 "-_XE9zK9q8Ll1qylMtLKeg", "2021-05-01T00:00:00Z", &v),
                     BRSKI_ERR_POLICY);
    brski_buf_clear(&jrc);
}

static void test_cms_peer_artifacts_behave_as_documented(void **state)
{
    (void)state;
    brski_buf der;
    brski_cms_signed sd;
    brski_voucher v;
    int64_t now = at("2026-11-24T00:00:00Z");

    /* nqminds voucher: CMS valid with the embedded signer; invalid chain; no created-on. */
    read_der(NQ "voucher.b64", &der);
    assert_int_equal(brski_cms_verify(brski_buf_slice(&der), &sd), BRSKI_OK);
    brski_anchor_store ca;
    store_from(NQ "cms-ca.crt", BRSKI_PURPOSE_MASA, &ca);
    assert_int_not_equal(brski_cms_signer_check(&ca, BRSKI_PURPOSE_MASA, &sd, true, now, NULL, 0),
                         BRSKI_OK);
    assert_int_equal(brski_voucher_json_parse(brski_slice_make(sd.content, sd.content_len), 0, &v),
                     BRSKI_ERR_MALFORMED);
    brski_voucher_clear(&v);
    brski_cms_signed_clear(&sd);
    brski_anchor_store_clear(&ca);
    brski_buf_clear(&der);

    /* nqminds PVR: valid CMS, but the wrapper names a voucher, not a request. */
    read_der(NQ "pvr.b64", &der);
    assert_int_equal(brski_cms_verify(brski_buf_slice(&der), &sd), BRSKI_OK);
    assert_int_equal(brski_voucher_json_parse(brski_slice_make(sd.content, sd.content_len), 0, &v),
                     BRSKI_ERR_MALFORMED);
    brski_voucher_clear(&v);
    brski_cms_signed_clear(&sd);
    brski_buf_clear(&der);

    /* ChariWTs: date-only created-on, and a PVR without serial-number. */
    read_der(CW "pledge_request01.pkcs", &der);
    assert_int_equal(brski_cms_verify(brski_buf_slice(&der), &sd), BRSKI_OK);
    assert_int_equal(brski_voucher_json_parse(brski_slice_make(sd.content, sd.content_len), 0, &v),
                     BRSKI_ERR_MALFORMED);
    brski_voucher_clear(&v);
    brski_cms_signed_clear(&sd);
    brski_buf_clear(&der);
    read_der(CW "voucher_request-bt01.pkcs", &der);
    assert_int_equal(brski_cms_verify(brski_buf_slice(&der), &sd), BRSKI_OK);
    assert_int_equal(brski_voucher_json_parse(brski_slice_make(sd.content, sd.content_len), 0, &v),
                     BRSKI_ERR_MALFORMED);
    brski_voucher_clear(&v);
    brski_cms_signed_clear(&sd);
    brski_buf_clear(&der);

    /* Siemens RVRs: valid CMS whose signer chains to the TestCA. */
    static const char *const siemens[] = {CW "parboiled_vr-9730-siemens-bt.pkcs",
                                          CW "siemens-bt-reg29.pkcs"};
    brski_anchor_store testca;
    store_from(CW "siemens-bt-registrar.pem", BRSKI_PURPOSE_DOMAIN, &testca);
    for (size_t i = 0; i < 2; i++) {
        read_der(siemens[i], &der);
        assert_int_equal(brski_cms_verify(brski_buf_slice(&der), &sd), BRSKI_OK);
        assert_int_equal(
            brski_cms_signer_check(&testca, BRSKI_PURPOSE_DOMAIN, &sd, false, now, NULL, 0),
            BRSKI_OK);
        assert_int_equal(
            brski_voucher_json_parse(brski_slice_make(sd.content, sd.content_len), 0, &v),
            BRSKI_OK);
        assert_int_equal(v.kind, BRSKI_KIND_VOUCHER_REQUEST);
        brski_voucher_clear(&v);
        brski_cms_signed_clear(&sd);
        brski_buf_clear(&der);
    }
    brski_anchor_store_clear(&testca);
}

/* Signs |json| with the RFC 8995 MASA test key. */
static void sign_with_masa(const char *json, bool voucher_ctype, brski_buf *out)
{
    brski_buf keypem, key, cert;
    test_read_vector(R8995 "masa.key.pem", &keypem);
    test_read_vector(R8995 "masa.crt.der", &cert);
    brski_buf_init(&key, 4096);
    assert_int_equal(brski_pem_decode(brski_buf_slice(&keypem), NULL, 0, &key, NULL, 0), BRSKI_OK);
    brski_buf_init(out, BRSKI_MAX_BODY);
    assert_int_equal(brski_cms_sign(brski_slice_str(json), voucher_ctype, brski_buf_slice(&key),
                                    brski_buf_slice(&cert), NULL, 0, NULL, out),
                     BRSKI_OK);
    brski_buf_wipe(&key);
    brski_buf_clear(&keypem);
    brski_buf_clear(&cert);
}

static const char *const own_voucher =
    "{\"ietf-voucher:voucher\":{\"assertion\":\"proximity\",\"created-on\":"
    "\"2021-04-20T00:00:00Z\",\"expires-on\":\"2021-05-02T00:00:00Z\",\"serial-number\":"
    "\"SN-42\",\"nonce\":\"AAECAwQFBgcICQoLDA0ODw==\",\"pinned-domain-cert\":\"MAA=\"}}";

static void test_cms_sign_roundtrip_voucher_ctype(void **state)
{
    (void)state;
    brski_buf der;
    brski_cms_signed sd;
    brski_voucher v;
    int64_t now = at("2021-05-01T00:00:00Z");
    uint64_t seed = 7;
    brski_env env;
    test_env_init(&env, &now, &seed);
    sign_with_masa(own_voucher, true, &der);
    assert_int_equal(brski_cms_verify(brski_buf_slice(&der), &sd), BRSKI_OK);
    assert_true(sd.voucher_ctype);
    assert_int_equal(sd.version, 3);
    assert_int_equal(sd.content_len, strlen(own_voucher));
    assert_memory_equal(sd.content, own_voucher, sd.content_len);
    brski_cms_signed_clear(&sd);

    brski_anchor_store vendor;
    store_from(R8995 "vendor.crt.pem", BRSKI_PURPOSE_MASA, &vendor);
    brski_accept_opts o = {.serial = "SN-42", .nonce = "AAECAwQFBgcICQoLDA0ODw==", .env = &env};
    assert_int_equal(brski_voucher_accept(brski_buf_slice(&der), &vendor, &o, &v), BRSKI_OK);
    brski_voucher_clear(&v);
    /* expires-on passed */
    now = at("2021-05-03T00:00:00Z");
    assert_int_equal(brski_voucher_accept(brski_buf_slice(&der), &vendor, &o, &v),
                     BRSKI_ERR_POLICY);
    now = at("2021-05-01T00:00:00Z");
    /* assertion not accepted */
    o.assertions = BRSKI_ASSERTION_MASK(BRSKI_ASSERTION_VERIFIED);
    assert_int_equal(brski_voucher_accept(brski_buf_slice(&der), &vendor, &o, &v),
                     BRSKI_ERR_POLICY);
    o.assertions = 0;
    brski_buf_clear(&der);

    /* idevid-issuer must match the pledge's own IDevID AKI when it has one. */
    static const char *const with_issuer =
        "{\"ietf-voucher:voucher\":{\"assertion\":\"proximity\",\"created-on\":"
        "\"2021-04-20T00:00:00Z\",\"serial-number\":\"SN-42\",\"idevid-issuer\":"
        "\"BBgwFoAUlU7Vft0KvopLzyjGaNB2fcQyB/U=\",\"nonce\":\"AAECAwQFBgcICQoLDA0ODw==\","
        "\"pinned-domain-cert\":\"MAA=\"}}";
    static const uint8_t aki[] = {0x04, 0x18, 0x30, 0x16, 0x80, 0x14, 0x95, 0x4e, 0xd5, 0x7e,
                                  0xdd, 0x0a, 0xbe, 0x8a, 0x4b, 0xcf, 0x28, 0xc6, 0x68, 0xd0,
                                  0x76, 0x7d, 0xc4, 0x32, 0x07, 0xf5};
    sign_with_masa(with_issuer, true, &der);
    o.idevid_issuer = brski_slice_make(aki, sizeof(aki));
    assert_int_equal(brski_voucher_accept(brski_buf_slice(&der), &vendor, &o, &v), BRSKI_OK);
    brski_voucher_clear(&v);
    o.idevid_issuer = brski_slice_make(aki, sizeof(aki) - 1);
    assert_int_equal(brski_voucher_accept(brski_buf_slice(&der), &vendor, &o, &v),
                     BRSKI_ERR_POLICY);
    o.idevid_issuer = brski_slice_make(NULL, 0);
    brski_buf_clear(&der);
    sign_with_masa(own_voucher, true, &der);
    /* trailing byte */
    assert_int_equal(brski_buf_append_byte(&der, 0), BRSKI_OK);
    assert_int_equal(brski_cms_verify(brski_buf_slice(&der), &sd), BRSKI_ERR_MALFORMED);
    brski_buf_clear(&der);

    /* id-data variant is produced with version 1 and also verifies. */
    sign_with_masa(own_voucher, false, &der);
    assert_int_equal(brski_cms_verify(brski_buf_slice(&der), &sd), BRSKI_OK);
    assert_false(sd.voucher_ctype);
    brski_cms_signed_clear(&sd);
    brski_buf_clear(&der);
    brski_anchor_store_clear(&vendor);
}

static void test_cms_mutation_sweep_rejects_everything(void **state)
{
    (void)state;
    brski_buf der;
    brski_voucher v;
    size_t accepted = 0, tried = 0;
    int64_t now = at("2021-05-01T00:00:00Z");
    uint64_t seed = 9;
    brski_env env;
    struct timespec t0, t1;
    test_env_init(&env, &now, &seed);
    brski_log_set_sink(NULL, NULL, BRSKI_LOG_NONE);
    sign_with_masa(own_voucher, true, &der);
    brski_anchor_store vendor;
    store_from(R8995 "vendor.crt.pem", BRSKI_PURPOSE_MASA, &vendor);
    brski_accept_opts o = {.serial = "SN-42", .nonce = "AAECAwQFBgcICQoLDA0ODw==", .env = &env};
    assert_int_equal(brski_voucher_accept(brski_buf_slice(&der), &vendor, &o, &v), BRSKI_OK);
    brski_voucher_clear(&v);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t len = 0; len < der.len; len++) {
        tried++;
        if (brski_voucher_accept(brski_slice_make(der.p, len), &vendor, &o, &v) == BRSKI_OK) {
            accepted++;
            fprintf(stderr, "truncation to %zu accepted\n", len);
        }
        brski_voucher_clear(&v);
    }
    for (size_t i = 0; i < der.len; i++) {
        for (unsigned bit = 0; bit < 8; bit++) {
            der.p[i] ^= (uint8_t)(1u << bit);
            tried++;
            if (brski_voucher_accept(brski_buf_slice(&der), &vendor, &o, &v) == BRSKI_OK) {
                accepted++;
                fprintf(stderr, "flip byte %zu bit %u accepted\n", i, bit);
            }
            brski_voucher_clear(&v);
            der.p[i] ^= (uint8_t)(1u << bit);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fprintf(stderr, "mutation sweep: %zu-byte voucher, %zu mutants, %zu accepted, %.1f s\n",
            der.len, tried, accepted,
            (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    assert_int_equal(accepted, 0);
    brski_log_set_sink(brski_log_stderr_sink, NULL, BRSKI_LOG_WARN);
    brski_anchor_store_clear(&vendor);
    brski_buf_clear(&der);
}

/*
 * A fresh |alg| key in *key and a self-signed certificate for it
 * (CN "Test MASA", valid around |now|, digitalSignature) in |cert|.
 */
static void self_signed_signer(brski_key_alg alg, const brski_env *env, int64_t now,
                               brski_signer **key, brski_buf *cert)
{
    brski_buf name, spki;
    brski_buf_init(&name, 1024);
    brski_buf_init(&spki, 4096);
    assert_int_equal(brski_signer_generate(alg, env, key), BRSKI_OK);
    const brski_name_attr cn[] = {{BRSKI_OID_AT_CN, BRSKI_DER_UTF8_STRING, "Test MASA"}};
    assert_int_equal(brski_name_build(cn, 1, &name), BRSKI_OK);
    assert_int_equal(brski_signer_spki(*key, &spki), BRSKI_OK);
    brski_cert_template t;
    memset(&t, 0, sizeof(t));
    t.subject = brski_buf_slice(&name);
    t.spki = brski_buf_slice(&spki);
    t.not_before = now - 60;
    t.not_after = now + 86400;
    t.path_len = -1;
    t.key_usage = BRSKI_KU_DIGITAL_SIGNATURE;
    assert_int_equal(brski_cert_build(&t, *key, env, cert), BRSKI_OK);
    brski_buf_clear(&name);
    brski_buf_clear(&spki);
}

/* A self-signed signer certificate for |alg|, then sign, verify and accept a voucher with it. */
static void sign_and_accept(brski_key_alg alg)
{
    int64_t now = at("2026-01-01T00:00:00Z");
    uint64_t seed = 11;
    brski_env env;
    brski_signer *key = NULL;
    brski_buf cert, der;
    brski_cms_signed sd;
    brski_voucher v;
    brski_anchor_store st;
    brski_anchor_policy pol;
    test_env_init(&env, &now, &seed);
    brski_buf_init(&cert, BRSKI_MAX_CERT);
    brski_buf_init(&der, BRSKI_MAX_BODY);
    self_signed_signer(alg, &env, now, &key, &cert);
    assert_int_equal(brski_cms_sign_with(brski_slice_str(own_voucher), true, key,
                                         brski_buf_slice(&cert), NULL, 0, &env, &der),
                     BRSKI_OK);
    assert_int_equal(brski_cms_verify(brski_buf_slice(&der), &sd), BRSKI_OK);
    assert_true(sd.voucher_ctype);
    assert_int_equal(sd.signing_time, now);
    assert_int_equal(sd.sig_alg, brski_signer_sig_alg(key));
    brski_cms_signed_clear(&sd);
    /* The signer certificate itself as the MASA anchor (1-level PKI). */
    brski_anchor_policy_default(BRSKI_PURPOSE_MASA, &pol);
    brski_anchor_store_init(&st);
    assert_int_equal(brski_anchor_store_add(&st, BRSKI_PURPOSE_MASA, "self", brski_buf_slice(&cert),
                                            &pol),
                     BRSKI_OK);
    brski_accept_opts o = {.serial = "SN-42", .nonce = "AAECAwQFBgcICQoLDA0ODw==",
                           .ignore_time = true, .env = &env};
    assert_int_equal(brski_voucher_accept(brski_buf_slice(&der), &st, &o, &v), BRSKI_OK);
    brski_voucher_clear(&v);
    brski_anchor_store_clear(&st);
    brski_signer_free(key);
    brski_buf_clear(&cert);
    brski_buf_clear(&der);
}

static void test_cms_sign_every_key_type(void **state)
{
    (void)state;
    sign_and_accept(BRSKI_ALG_P256);
    sign_and_accept(BRSKI_ALG_P384);
    sign_and_accept(BRSKI_ALG_ED25519);
    sign_and_accept(BRSKI_ALG_P521);
    sign_and_accept(BRSKI_ALG_RSA2048);
}

/* The signing key must be the key of the signer certificate. */
static void test_cms_sign_refuses_a_key_not_of_the_certificate(void **state)
{
    int64_t now = at("2026-01-01T00:00:00Z");
    uint64_t seed = 12;
    brski_env env;
    brski_signer *key = NULL, *other = NULL;
    brski_buf cert, der;
    (void)state;
    test_env_init(&env, &now, &seed);
    brski_buf_init(&cert, BRSKI_MAX_CERT);
    brski_buf_init(&der, BRSKI_MAX_BODY);
    self_signed_signer(BRSKI_ALG_P256, &env, now, &key, &cert);
    assert_int_equal(brski_signer_generate(BRSKI_ALG_P256, &env, &other), BRSKI_OK);
    assert_int_equal(brski_cms_sign_with(brski_slice_str(own_voucher), true, other,
                                         brski_buf_slice(&cert), NULL, 0, &env, &der),
                     BRSKI_ERR_ARG);
    assert_int_equal(der.len, 0);
    assert_int_equal(brski_cms_sign_with(brski_slice_str(own_voucher), true, key,
                                         brski_buf_slice(&cert), NULL, 0, &env, &der),
                     BRSKI_OK);
    brski_signer_free(key);
    brski_signer_free(other);
    brski_buf_clear(&cert);
    brski_buf_clear(&der);
}

static void test_cms_nonceless_voucher_needs_the_option(void **state)
{
    (void)state;
    static const char *const nonceless =
        "{\"ietf-voucher:voucher\":{\"assertion\":\"verified\",\"created-on\":"
        "\"2021-04-20T00:00:00Z\",\"expires-on\":\"2021-05-02T00:00:00Z\",\"serial-number\":"
        "\"SN-42\",\"pinned-domain-cert\":\"MAA=\"}}";
    brski_buf der;
    brski_voucher v;
    brski_anchor_store vendor;
    int64_t now = at("2021-05-01T00:00:00Z");
    uint64_t seed = 3;
    brski_env env;
    test_env_init(&env, &now, &seed);
    sign_with_masa(nonceless, true, &der);
    store_from(R8995 "vendor.crt.pem", BRSKI_PURPOSE_MASA, &vendor);
    brski_accept_opts o = {.serial = "SN-42", .nonce = "AAECAwQFBgcICQoLDA0ODw==", .env = &env};
    assert_int_equal(brski_voucher_accept(brski_buf_slice(&der), &vendor, &o, &v),
                     BRSKI_ERR_POLICY);
    o.allow_nonceless = true;
    assert_int_equal(brski_voucher_accept(brski_buf_slice(&der), &vendor, &o, &v), BRSKI_OK);
    assert_int_equal(v.assertion, BRSKI_ASSERTION_VERIFIED);
    brski_voucher_clear(&v);
    /* RFC 8995 5.6.1: a voucher-request is not a voucher. */
    brski_buf_clear(&der);
    sign_with_masa("{\"ietf-voucher-request:voucher\":{\"serial-number\":\"SN-42\"}}", true,
                   &der);
    assert_int_equal(brski_voucher_accept(brski_buf_slice(&der), &vendor, &o, &v),
                     BRSKI_ERR_MALFORMED);
    brski_anchor_store_clear(&vendor);
    brski_buf_clear(&der);
}

int main(void)
{
    brski_log_set_sink(brski_log_stderr_sink, NULL, BRSKI_LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cms_rfc8995_pvr_and_rvr_verify_with_embedded_signers),
        cmocka_unit_test(test_cms_rfc8995_voucher_accepted_and_rejected),
        cmocka_unit_test(test_cms_peer_artifacts_behave_as_documented),
        cmocka_unit_test(test_cms_sign_roundtrip_voucher_ctype),
        cmocka_unit_test(test_cms_sign_every_key_type),
        cmocka_unit_test(test_cms_sign_refuses_a_key_not_of_the_certificate),
        cmocka_unit_test(test_cms_nonceless_voucher_needs_the_option),
        cmocka_unit_test(test_cms_mutation_sweep_rejects_everything),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
