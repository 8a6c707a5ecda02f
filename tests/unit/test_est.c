/*
 * Unit tests for est.c: certs-only PKCS#7, EST body encoding, CSR attributes
 * and the LDevID issuing decision. Fixtures in tests/vectors/est were made by
 * OpenSSL (make.sh there).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "brski/codec.h"
#include "brski/der.h"
#include "brski/est.h"
#include "brski/file.h"
#include "brski/x509.h"
#include "testutil.h"

static void read_fixture(const char *name, brski_buf *out)
{
    char path[1024];
    int n = snprintf(path, sizeof(path), "%s/tests/vectors/est/%s", BRSKI_SOURCE_DIR, name);
    assert_true(n > 0 && (size_t)n < sizeof(path));
    brski_buf_init(out, BRSKI_MAX_FILE);
    assert_int_equal(brski_file_read(path, out), BRSKI_OK);
}

/* ---- certs-only ---- */

static void test_est_certs_only_matches_openssl_crl2pkcs7(void **state)
{
    (void)state;
    brski_buf idev, mfg, p7, ours;
    read_fixture("idevid.der", &idev);
    read_fixture("mfg.der", &mfg);
    read_fixture("chain.p7b", &p7);

    /* Parse OpenSSL's output: two certificates, in file order. */
    brski_slice certs[4];
    size_t n = 0;
    assert_int_equal(brski_est_certs_only_parse(brski_buf_slice(&p7), certs, 4, &n), BRSKI_OK);
    assert_int_equal(n, 2);
    assert_true(brski_slice_eq(certs[0], brski_buf_slice(&idev)));
    assert_true(brski_slice_eq(certs[1], brski_buf_slice(&mfg)));

    /* Our encoding of the same list is byte-identical to OpenSSL's. */
    brski_slice in[2] = {brski_buf_slice(&idev), brski_buf_slice(&mfg)};
    brski_buf_init(&ours, BRSKI_MAX_BODY);
    assert_int_equal(brski_est_certs_only_encode(in, 2, &ours), BRSKI_OK);
    assert_int_equal(ours.len, p7.len);
    assert_memory_equal(ours.p, p7.p, p7.len);

    /* Capacity is enforced. */
    assert_int_equal(brski_est_certs_only_parse(brski_buf_slice(&p7), certs, 1, &n),
                     BRSKI_ERR_TOOBIG);
    assert_int_equal(n, 0);

    brski_buf_clear(&idev);
    brski_buf_clear(&mfg);
    brski_buf_clear(&p7);
    brski_buf_clear(&ours);
}

static void test_est_certs_only_encode_rejects_bad_input(void **state)
{
    (void)state;
    brski_buf out;
    brski_buf_init(&out, BRSKI_MAX_BODY);
    static const uint8_t not_seq[] = {0x04, 0x01, 0x00};
    static const uint8_t two_tlv[] = {0x30, 0x00, 0x30, 0x00};
    brski_slice c1 = brski_slice_make(not_seq, sizeof(not_seq));
    brski_slice c2 = brski_slice_make(two_tlv, sizeof(two_tlv));
    assert_int_equal(brski_est_certs_only_encode(&c1, 1, &out), BRSKI_ERR_MALFORMED);
    assert_int_equal(brski_est_certs_only_encode(&c2, 1, &out), BRSKI_ERR_MALFORMED);
    assert_int_equal(brski_est_certs_only_encode(&c1, 0, &out), BRSKI_ERR_ARG);
    assert_int_equal(out.len, 0);
    brski_buf_clear(&out);
}

static void test_est_certs_only_parse_rejects_hostile(void **state)
{
    (void)state;
    brski_buf p7, mod;
    brski_slice certs[4];
    size_t n = 0;
    read_fixture("chain.p7b", &p7);

    /* Every truncation fails cleanly. */
    for (size_t len = 0; len < p7.len; len++) {
        brski_err rv = brski_est_certs_only_parse(brski_slice_make(p7.p, len), certs, 4, &n);
        assert_int_equal(rv, BRSKI_ERR_MALFORMED);
        assert_int_equal(n, 0);
    }

    /* A trailing byte. */
    brski_buf_init(&mod, BRSKI_MAX_BODY * 2);
    assert_int_equal(brski_buf_append(&mod, p7.p, p7.len), BRSKI_OK);
    assert_int_equal(brski_buf_append_byte(&mod, 0x00), BRSKI_OK);
    assert_int_equal(brski_est_certs_only_parse(brski_buf_slice(&mod), certs, 4, &n),
                     BRSKI_ERR_MALFORMED);

    /* contentType id-data instead of id-signedData (last OID byte 2 -> 1). */
    brski_buf_reset(&mod);
    assert_int_equal(brski_buf_append(&mod, p7.p, p7.len), BRSKI_OK);
    assert_int_equal(mod.p[14], 0x02);
    mod.p[14] = 0x01;
    assert_int_equal(brski_est_certs_only_parse(brski_buf_slice(&mod), certs, 4, &n),
                     BRSKI_ERR_MALFORMED);

    /* Version 0 (offset 25 holds the INTEGER content). */
    brski_buf_reset(&mod);
    assert_int_equal(brski_buf_append(&mod, p7.p, p7.len), BRSKI_OK);
    assert_int_equal(mod.p[25], 0x01);
    mod.p[25] = 0x00;
    assert_int_equal(brski_est_certs_only_parse(brski_buf_slice(&mod), certs, 4, &n),
                     BRSKI_ERR_MALFORMED);

    /* Huge length in the outer header: 0x30 0x84 0xff 0xff 0xff 0xff. */
    static const uint8_t huge[] = {0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x06, 0x00};
    assert_int_equal(
        brski_est_certs_only_parse(brski_slice_make(huge, sizeof(huge)), certs, 4, &n),
        BRSKI_ERR_MALFORMED);

    /* Indefinite length (BER) is not DER. */
    static const uint8_t indef[] = {0x30, 0x80, 0x00, 0x00};
    assert_int_equal(
        brski_est_certs_only_parse(brski_slice_make(indef, sizeof(indef)), certs, 4, &n),
        BRSKI_ERR_MALFORMED);

    /* Nested garbage: 50 levels of SEQUENCE. */
    brski_buf_reset(&mod);
    for (int i = 0; i < 50; i++) {
        assert_int_equal(brski_buf_append_byte(&mod, 0x30), BRSKI_OK);
        assert_int_equal(brski_buf_append_byte(&mod, (uint8_t)(100 - 2 * (i + 1))), BRSKI_OK);
    }
    assert_int_equal(brski_est_certs_only_parse(brski_buf_slice(&mod), certs, 4, &n),
                     BRSKI_ERR_MALFORMED);

    /* Input above the body limit. */
    brski_buf_reset(&mod);
    assert_int_equal(brski_buf_reserve(&mod, BRSKI_MAX_BODY + 1), BRSKI_OK);
    memset(mod.p, 0x30, BRSKI_MAX_BODY + 1);
    mod.len = BRSKI_MAX_BODY + 1;
    assert_int_equal(brski_est_certs_only_parse(brski_buf_slice(&mod), certs, 4, &n),
                     BRSKI_ERR_TOOBIG);

    brski_buf_clear(&mod);
    brski_buf_clear(&p7);
}

static void test_est_certs_only_parse_rejects_signers_and_empty(void **state)
{
    (void)state;
    brski_slice certs[2];
    size_t n = 0;
    /* SignedData with no certificates at all. */
    brski_buf nocerts;
    brski_buf_init(&nocerts, 256);
    assert_int_equal(brski_hex_decode(brski_slice_str("3023 06092a864886f70d010702 a016 3014"
                                                      " 020101 3100 300b06092a864886f70d010701"
                                                      " 3100"),
                                      &nocerts),
                     BRSKI_OK);
    assert_int_equal(nocerts.len, 37);
    assert_int_equal(brski_est_certs_only_parse(brski_buf_slice(&nocerts), certs, 2, &n),
                     BRSKI_ERR_MALFORMED);
    brski_buf_clear(&nocerts);

    /* A proper encoding with one tiny "certificate" and a non-empty signerInfos. */
    brski_buf b;
    brski_buf_init(&b, 4096);
    static const uint8_t fake_cert[] = {0x30, 0x03, 0x02, 0x01, 0x05};
    brski_slice c = brski_slice_make(fake_cert, sizeof(fake_cert));
    assert_int_equal(brski_est_certs_only_encode(&c, 1, &b), BRSKI_OK);
    assert_int_equal(brski_est_certs_only_parse(brski_buf_slice(&b), certs, 2, &n), BRSKI_OK);
    assert_int_equal(n, 1);
    assert_true(brski_slice_eq(certs[0], c));
    /* Last two bytes are the empty signerInfos SET; make it hold one byte-long NULL. */
    assert_int_equal(b.p[b.len - 2], 0x31);
    assert_int_equal(b.p[b.len - 1], 0x00);
    b.p[b.len - 1] = 0x02;
    assert_int_equal(brski_buf_append(&b, "\x05\x00", 2), BRSKI_OK);
    /* Fix up the three enclosing lengths (all short form here). */
    b.p[1] = (uint8_t)(b.p[1] + 2);
    b.p[14] = (uint8_t)(b.p[14] + 2);
    b.p[16] = (uint8_t)(b.p[16] + 2);
    assert_int_equal(brski_est_certs_only_parse(brski_buf_slice(&b), certs, 2, &n),
                     BRSKI_ERR_UNSUPPORTED);
    brski_buf_clear(&b);
}

/* ---- body encoding ---- */

static void test_est_body_encode_crlf_lines(void **state)
{
    (void)state;
    brski_buf der, body, back;
    read_fixture("chain.p7b", &der);
    brski_buf_init(&body, BRSKI_MAX_BODY);
    assert_int_equal(brski_est_body_encode(brski_buf_slice(&der), &body), BRSKI_OK);
    /* Lines of exactly 64 characters plus CRLF, the last one shorter. */
    size_t b64len = (der.len + 2) / 3 * 4;
    size_t lines = (b64len + 63) / 64;
    assert_int_equal(body.len, b64len + 2 * lines);
    for (size_t i = 0; i + 1 < lines; i++) {
        assert_int_equal(body.p[i * 66 + 64], '\r');
        assert_int_equal(body.p[i * 66 + 65], '\n');
    }
    assert_int_equal(body.p[body.len - 1], '\n');
    brski_buf_init(&back, BRSKI_MAX_BODY);
    assert_int_equal(brski_est_body_decode(brski_buf_slice(&body), BRSKI_MAX_BODY, false, &back),
                     BRSKI_OK);
    assert_int_equal(back.len, der.len);
    assert_memory_equal(back.p, der.p, der.len);
    brski_buf_clear(&der);
    brski_buf_clear(&body);
    brski_buf_clear(&back);
}

static void test_est_body_decode_openssl_crlf_and_limits(void **state)
{
    (void)state;
    brski_buf b64, der, out;
    read_fixture("csr_p256.b64", &b64);
    read_fixture("csr_p256.der", &der);
    assert_non_null(memchr(b64.p, '\r', b64.len));
    brski_buf_init(&out, BRSKI_MAX_CSR);
    assert_int_equal(brski_est_body_decode(brski_buf_slice(&b64), BRSKI_MAX_CSR, false, &out),
                     BRSKI_OK);
    assert_int_equal(out.len, der.len);
    assert_memory_equal(out.p, der.p, der.len);

    /* Result larger than allowed. */
    brski_buf_reset(&out);
    assert_int_equal(brski_est_body_decode(brski_buf_slice(&b64), 100, false, &out),
                     BRSKI_ERR_TOOBIG);
    assert_int_equal(out.len, 0);

    /* Binary DER only with |allow_binary|. */
    assert_int_equal(brski_est_body_decode(brski_buf_slice(&der), BRSKI_MAX_CSR, false, &out),
                     BRSKI_ERR_MALFORMED);
    assert_int_equal(brski_est_body_decode(brski_buf_slice(&der), BRSKI_MAX_CSR, true, &out),
                     BRSKI_OK);
    assert_int_equal(out.len, der.len);

    /* Bad characters, and base64 of something that is not one SEQUENCE. */
    brski_buf_reset(&out);
    assert_int_equal(
        brski_est_body_decode(brski_slice_str("MIIB*AAA"), BRSKI_MAX_CSR, false, &out),
        BRSKI_ERR_MALFORMED);
    assert_int_equal(brski_est_body_decode(brski_slice_str("BAEA"), BRSKI_MAX_CSR, false, &out),
                     BRSKI_ERR_MALFORMED); /* 04 01 00: OCTET STRING */
    assert_int_equal(
        brski_est_body_decode(brski_slice_str("MAAwAA=="), BRSKI_MAX_CSR, false, &out),
        BRSKI_ERR_MALFORMED); /* two SEQUENCEs */
    assert_int_equal(brski_est_body_decode(brski_slice_str(" M A A =\r\n"), BRSKI_MAX_CSR,
                                           false, &out),
                     BRSKI_OK); /* 30 00 with spaces */
    assert_int_equal(out.len, 2);

    /* A CSR-sized DER just under the limit, with CRLF every 64 characters, fits. */
    brski_buf near, nbody;
    brski_buf_init(&near, BRSKI_MAX_CSR);
    brski_buf_init(&nbody, BRSKI_MAX_BODY);
    assert_int_equal(brski_buf_reserve(&near, BRSKI_MAX_CSR), BRSKI_OK);
    memset(near.p, 0x05, BRSKI_MAX_CSR);
    near.p[0] = 0x30;
    near.p[1] = 0x82;
    near.p[2] = (uint8_t)((BRSKI_MAX_CSR - 4) >> 8);
    near.p[3] = (uint8_t)((BRSKI_MAX_CSR - 4) & 0xff);
    near.len = BRSKI_MAX_CSR;
    assert_int_equal(brski_est_body_encode(brski_buf_slice(&near), &nbody), BRSKI_OK);
    brski_buf_reset(&out);
    assert_int_equal(brski_est_body_decode(brski_buf_slice(&nbody), BRSKI_MAX_CSR, false, &out),
                     BRSKI_OK);
    assert_int_equal(out.len, BRSKI_MAX_CSR);
    brski_buf_reset(&out);
    assert_int_equal(
        brski_est_body_decode(brski_buf_slice(&nbody), BRSKI_MAX_CSR - 1, false, &out),
        BRSKI_ERR_TOOBIG);
    brski_buf_clear(&near);
    brski_buf_clear(&nbody);

    /* A body far beyond the limit is refused before decoding. */
    brski_buf big;
    brski_buf_init(&big, 64 * 1024);
    assert_int_equal(brski_buf_reserve(&big, 20000), BRSKI_OK);
    memset(big.p, 'A', 20000);
    big.len = 20000;
    assert_int_equal(brski_est_body_decode(brski_buf_slice(&big), BRSKI_MAX_CSR, false, &out),
                     BRSKI_ERR_TOOBIG);
    brski_buf_clear(&big);
    brski_buf_clear(&b64);
    brski_buf_clear(&der);
    brski_buf_clear(&out);
}

/* ---- CSR attributes ---- */

static void test_est_csrattrs_roundtrip(void **state)
{
    (void)state;
    brski_buf der;
    brski_buf_init(&der, 4096);
    /* An Attribute with two values: OIDs of extensions (an RFC 7030 4.5.2 style entry). */
    static const uint8_t vals[] = {0x06, 0x03, 0x55, 0x1d, 0x11, 0x06, 0x03, 0x55, 0x1d, 0x0f};
    brski_est_csrattr in[2];
    memset(in, 0, sizeof(in));
    snprintf(in[0].oid, sizeof(in[0].oid), "%s", BRSKI_OID_ECDSA_SHA256);
    snprintf(in[1].oid, sizeof(in[1].oid), "%s", BRSKI_OID_EXTENSION_REQUEST);
    in[1].is_attribute = true;
    in[1].values = brski_slice_make(vals, sizeof(vals));
    in[1].value_count = 2;
    assert_int_equal(brski_est_csrattrs_encode(in, 2, &der), BRSKI_OK);
    static const uint8_t expect[] = {
        0x30, 0x23, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02, 0x30, 0x17,
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x0e, 0x31, 0x0a,
        0x06, 0x03, 0x55, 0x1d, 0x11, 0x06, 0x03, 0x55, 0x1d, 0x0f};
    assert_int_equal(der.len, sizeof(expect));
    assert_memory_equal(der.p, expect, sizeof(expect));

    brski_est_csrattr out[4];
    size_t n = 0;
    assert_int_equal(brski_est_csrattrs_parse(brski_buf_slice(&der), out, 4, &n), BRSKI_OK);
    assert_int_equal(n, 2);
    assert_string_equal(out[0].oid, BRSKI_OID_ECDSA_SHA256);
    assert_false(out[0].is_attribute);
    assert_string_equal(out[1].oid, BRSKI_OID_EXTENSION_REQUEST);
    assert_true(out[1].is_attribute);
    assert_int_equal(out[1].value_count, 2);
    assert_true(brski_slice_eq(out[1].values, in[1].values));
    assert_int_equal(brski_est_csrattrs_parse(brski_buf_slice(&der), out, 1, &n),
                     BRSKI_ERR_TOOBIG);

    /* Bad attribute inputs to the encoder. */
    brski_buf_reset(&der);
    in[1].value_count = 3;
    assert_int_equal(brski_est_csrattrs_encode(in, 2, &der), BRSKI_ERR_MALFORMED);
    in[1].value_count = 0;
    assert_int_equal(brski_est_csrattrs_encode(in, 2, &der), BRSKI_ERR_ARG);
    assert_int_equal(der.len, 0);
    brski_buf_clear(&der);
}

static void test_est_csrattrs_parse_rejects_hostile(void **state)
{
    (void)state;
    brski_est_csrattr out[4];
    size_t n = 0;
    struct {
        const char *hex;
        brski_err want;
    } cases[] = {
        {"", BRSKI_ERR_MALFORMED},
        {"3000", BRSKI_OK},
        {"300102", BRSKI_ERR_MALFORMED},                         /* truncated */
        {"30020500", BRSKI_ERR_MALFORMED},                       /* NULL entry */
        {"3000 00", BRSKI_ERR_MALFORMED},                        /* trailing */
        {"3007 3005 0603550403", BRSKI_ERR_MALFORMED},           /* Attribute without SET */
        {"3009 3007 0603550403 3100", BRSKI_ERR_MALFORMED},      /* empty SET */
        {"3084ffffffff", BRSKI_ERR_MALFORMED},                   /* huge length */
        {"3080 0000", BRSKI_ERR_MALFORMED},                      /* indefinite */
        {"300c 0603550403 0603550405 0600", BRSKI_ERR_MALFORMED},/* empty OID */
        {"3006 0603550403 3000", BRSKI_ERR_MALFORMED},
        {"3011 0603550403 0603550403 0603550403 0600", BRSKI_ERR_MALFORMED},
        {"3019 0603550403 0603550403 0603550403 0603550403 0603550403", BRSKI_ERR_TOOBIG},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        brski_buf der;
        brski_buf_init(&der, 256);
        assert_int_equal(brski_hex_decode(brski_slice_str(cases[i].hex), &der), BRSKI_OK);
        brski_err rv = brski_est_csrattrs_parse(brski_buf_slice(&der), out, 4, &n);
        if (rv != cases[i].want) {
            fail_msg("case %zu (%s): got %d want %d", i, cases[i].hex, (int)rv,
                     (int)cases[i].want);
        }
        brski_buf_clear(&der);
    }
}

/* ---- CA policy pieces ---- */

static void test_est_ldevid_subject_forces_idevid_serial(void **state)
{
    (void)state;
    brski_buf ca_der, idev_der, csr_name, name;
    brski_cert ca, idev;
    memset(&ca, 0, sizeof(ca));
    memset(&idev, 0, sizeof(idev));
    read_fixture("ca.der", &ca_der);
    read_fixture("idevid.der", &idev_der);
    assert_int_equal(brski_cert_parse(brski_buf_slice(&ca_der), &ca), BRSKI_OK);
    assert_int_equal(brski_cert_parse(brski_buf_slice(&idev_der), &idev), BRSKI_OK);

    /* CSR subject: CN=x, serialNumber=EVIL (UTF8String, PrintableString). */
    brski_buf_init(&csr_name, 256);
    assert_int_equal(brski_hex_decode(brski_slice_str("301d 310a 3008 0603550403 0c0178"
                                                      " 310f 300d 0603550405 13064556494c2d39"),
                                      &csr_name),
                     BRSKI_OK);
    brski_buf_init(&name, 1024);
    assert_int_equal(
        brski_est_ldevid_subject(brski_buf_slice(&csr_name), idev.subject, &name), BRSKI_OK);
    char str[256], sn[64];
    assert_int_equal(brski_name_to_str(brski_buf_slice(&name), str, sizeof(str)), BRSKI_OK);
    assert_null(strstr(str, "EVIL"));
    assert_int_equal(brski_name_get(brski_buf_slice(&name), BRSKI_OID_AT_SERIAL_NUMBER, sn,
                                    sizeof(sn), NULL),
                     BRSKI_OK);
    assert_string_equal(sn, "PID-0001");
    assert_int_equal(brski_name_get(brski_buf_slice(&name), BRSKI_OID_AT_CN, sn, sizeof(sn),
                                    NULL),
                     BRSKI_OK);
    assert_string_equal(sn, "x");
    /* Exactly: CN RDN kept verbatim, serialNumber RDN copied from the IDevID. */
    static const uint8_t expect_prefix[] = {0x31, 0x0a, 0x30, 0x08, 0x06, 0x03, 0x55,
                                            0x04, 0x03, 0x0c, 0x01, 0x78};
    assert_memory_equal(name.p + 2, expect_prefix, sizeof(expect_prefix));

    /* Applying the rule to the IDevID's own subject is the identity. */
    brski_buf_reset(&name);
    assert_int_equal(brski_est_ldevid_subject(idev.subject, idev.subject, &name), BRSKI_OK);
    assert_true(brski_slice_eq(brski_buf_slice(&name), idev.subject));

    /* A client certificate without serialNumber (the CA's) is refused. */
    brski_buf_reset(&name);
    assert_int_equal(brski_est_ldevid_subject(brski_buf_slice(&csr_name), ca.subject, &name),
                     BRSKI_ERR_POLICY);
    assert_int_equal(name.len, 0);
    /* Malformed CSR subjects. */
    assert_int_equal(brski_est_ldevid_subject(brski_slice_str("0"), idev.subject, &name),
                     BRSKI_ERR_MALFORMED);
    static const uint8_t empty_rdn[] = {0x30, 0x02, 0x31, 0x00};
    assert_int_equal(brski_est_ldevid_subject(brski_slice_make(empty_rdn, sizeof(empty_rdn)),
                                              idev.subject, &name),
                     BRSKI_ERR_MALFORMED);
    assert_int_equal(name.len, 0);

    brski_cert_clear(&ca);
    brski_cert_clear(&idev);
    brski_buf_clear(&ca_der);
    brski_buf_clear(&idev_der);
    brski_buf_clear(&csr_name);
    brski_buf_clear(&name);
}

static void test_est_key_check_policy(void **state)
{
    (void)state;
    brski_est_key_policy pol = {.allow_ec = true,
                                .ec_min_bits = 256,
                                .allow_ed25519 = true,
                                .allow_rsa = true,
                                .rsa_min_bits = 2048};
    brski_csr c;
    memset(&c, 0, sizeof(c));
    c.key_type = BRSKI_KEY_EC;
    c.key_bits = 256;
    c.sig_alg = BRSKI_SIG_ECDSA_SHA256;
    assert_int_equal(brski_est_key_check(&pol, &c), BRSKI_OK);
    c.sig_alg = BRSKI_SIG_ECDSA_SHA1;
    assert_int_equal(brski_est_key_check(&pol, &c), BRSKI_ERR_POLICY);
    c.sig_alg = BRSKI_SIG_ED25519; /* does not suit an EC key */
    assert_int_equal(brski_est_key_check(&pol, &c), BRSKI_ERR_POLICY);
    c.sig_alg = BRSKI_SIG_ECDSA_SHA256;
    c.key_bits = 224;
    assert_int_equal(brski_est_key_check(&pol, &c), BRSKI_ERR_POLICY);
    c.key_type = BRSKI_KEY_RSA;
    c.key_bits = 1024;
    c.sig_alg = BRSKI_SIG_RSA_SHA256;
    assert_int_equal(brski_est_key_check(&pol, &c), BRSKI_ERR_POLICY);
    c.key_bits = 3072;
    assert_int_equal(brski_est_key_check(&pol, &c), BRSKI_OK);
    c.sig_alg = BRSKI_SIG_RSA_SHA1;
    assert_int_equal(brski_est_key_check(&pol, &c), BRSKI_ERR_POLICY);
    pol.allow_rsa = false;
    c.sig_alg = BRSKI_SIG_RSA_SHA256;
    assert_int_equal(brski_est_key_check(&pol, &c), BRSKI_ERR_POLICY);
    c.key_type = BRSKI_KEY_ED25519;
    c.key_bits = 256;
    c.sig_alg = BRSKI_SIG_ED25519;
    assert_int_equal(brski_est_key_check(&pol, &c), BRSKI_OK);
    pol.allow_ed25519 = false;
    assert_int_equal(brski_est_key_check(&pol, &c), BRSKI_ERR_POLICY);
    c.key_type = BRSKI_KEY_ED448;
    c.sig_alg = BRSKI_SIG_ED448;
    assert_int_equal(brski_est_key_check(&pol, &c), BRSKI_ERR_POLICY);
}

static void test_est_csrattrs_build_and_check_alg(void **state)
{
    (void)state;
    brski_buf der;
    brski_buf_init(&der, 1024);
    brski_est_csrattrs_cfg cfg = {.request_san = false};
    brski_est_key_policy ec_only = {.allow_ec = true, .ec_min_bits = 256};
    assert_int_equal(brski_est_csrattrs_build(&ec_only, &cfg, &der), BRSKI_OK);
    brski_est_csrattr items[8];
    size_t n = 0;
    assert_int_equal(brski_est_csrattrs_parse(brski_buf_slice(&der), items, 8, &n), BRSKI_OK);
    assert_int_equal(n, 3);
    assert_string_equal(items[0].oid, BRSKI_OID_ECDSA_SHA256);
    assert_string_equal(items[1].oid, BRSKI_OID_ECDSA_SHA384);
    assert_string_equal(items[2].oid, BRSKI_OID_ECDSA_SHA512);

    brski_csr c;
    memset(&c, 0, sizeof(c));
    c.sig_alg = BRSKI_SIG_ECDSA_SHA256;
    assert_int_equal(brski_est_csr_check_attrs(&c, brski_buf_slice(&der)), BRSKI_OK);
    c.sig_alg = BRSKI_SIG_ED25519;
    assert_int_equal(brski_est_csr_check_attrs(&c, brski_buf_slice(&der)), BRSKI_ERR_POLICY);

    /* All key types and SAN: five entries, SAN last; a CSR without SAN fails. */
    brski_est_key_policy all = {.allow_ec = true,
                                .ec_min_bits = 256,
                                .allow_ed25519 = true,
                                .allow_rsa = true,
                                .rsa_min_bits = 2048};
    cfg.request_san = true;
    brski_buf_reset(&der);
    assert_int_equal(brski_est_csrattrs_build(&all, &cfg, &der), BRSKI_OK);
    assert_int_equal(brski_est_csrattrs_parse(brski_buf_slice(&der), items, 8, &n), BRSKI_OK);
    assert_int_equal(n, 6);
    assert_string_equal(items[3].oid, BRSKI_OID_ED25519);
    assert_string_equal(items[4].oid, BRSKI_OID_RSA_SHA256);
    assert_string_equal(items[5].oid, BRSKI_OID_CE_SAN);
    assert_int_equal(brski_est_csr_check_attrs(&c, brski_buf_slice(&der)), BRSKI_ERR_POLICY);

    /* Same CSR with an extensionRequest holding a SAN extension. */
    brski_buf attrs;
    brski_buf_init(&attrs, 256);
    assert_int_equal(brski_hex_decode(brski_slice_str("3022 06092a864886f70d01090e 3115 3013"
                                                      " 3011 0603551d11 040a3008820678"
                                                      "2e74657374"),
                                      &attrs),
                     BRSKI_OK);
    c.attributes = brski_buf_slice(&attrs);
    assert_int_equal(brski_est_csr_check_attrs(&c, brski_buf_slice(&der)), BRSKI_OK);
    attrs.p[attrs.len - 13] = 0x12; /* 2.5.29.18 issuerAltName instead */
    assert_int_equal(brski_est_csr_check_attrs(&c, brski_buf_slice(&der)), BRSKI_ERR_POLICY);
    attrs.len -= 3; /* truncated attribute */
    c.attributes = brski_buf_slice(&attrs);
    assert_int_equal(brski_est_csr_check_attrs(&c, brski_buf_slice(&der)), BRSKI_ERR_MALFORMED);
    assert_int_equal(brski_est_csr_check_attrs(&c, brski_slice_str("junk")), BRSKI_ERR_MALFORMED);
    brski_buf_clear(&attrs);
    brski_buf_clear(&der);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_est_certs_only_matches_openssl_crl2pkcs7),
        cmocka_unit_test(test_est_certs_only_encode_rejects_bad_input),
        cmocka_unit_test(test_est_certs_only_parse_rejects_hostile),
        cmocka_unit_test(test_est_certs_only_parse_rejects_signers_and_empty),
        cmocka_unit_test(test_est_body_encode_crlf_lines),
        cmocka_unit_test(test_est_body_decode_openssl_crlf_and_limits),
        cmocka_unit_test(test_est_csrattrs_roundtrip),
        cmocka_unit_test(test_est_csrattrs_parse_rejects_hostile),
        cmocka_unit_test(test_est_ldevid_subject_forces_idevid_serial),
        cmocka_unit_test(test_est_key_check_policy),
        cmocka_unit_test(test_est_csrattrs_build_and_check_alg),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
