/* Unit tests for the YANG-CBOR voucher codec (rfc8366bis SIDs, cBRSKI App. C vectors). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <cbor.h>

#include "brski/cbor_scan.h"
#include "brski/codec.h"
#include "brski/log.h"
#include "brski/voucher_cbor.h"
#include "testutil.h"

static void vfree(brski_voucher *v)
{
    brski_voucher_clear(v);
    memset(v, 0, sizeof(*v));
}

/* Reads a .hex vector (whitespace allowed) into |out|. */
static void read_hex_vector(const char *rel, brski_buf *out)
{
    brski_buf raw;
    test_read_vector(rel, &raw);
    brski_buf_init(out, BRSKI_MAX_FILE);
    assert_int_equal(brski_hex_decode(brski_buf_slice(&raw), out), BRSKI_OK);
    brski_buf_clear(&raw);
}

static void hex_to(const char *hex, brski_buf *out)
{
    brski_buf_init(out, 65536);
    assert_int_equal(brski_hex_decode(brski_slice_str(hex), out), BRSKI_OK);
}

static void assert_bytes_hex(const brski_bytes *b, const char *hex)
{
    brski_buf h;
    hex_to(hex, &h);
    assert_int_equal(b->len, h.len);
    assert_memory_equal(b->p, h.p, h.len);
    brski_buf_clear(&h);
}

static uint32_t bits(const brski_leaf *l, size_t n)
{
    uint32_t m = 0;
    for (size_t i = 0; i < n; i++) {
        m |= 1u << (unsigned)l[i];
    }
    return m;
}

/* Payload bstr of a COSE_Sign1 file (test-side extraction with plain libcbor). */
static void cose_payload(const brski_buf *cose, brski_buf *out)
{
    assert_int_equal(brski_cbor_scan(brski_buf_slice(cose), NULL, NULL), BRSKI_OK);
    /* libcbor 0.8 refuses one-byte tags 6..20, so peel tag 18 (d2) here. */
    size_t skip = cose->p[0] == 0xd2 ? 1 : 0;
    struct cbor_load_result res;
    cbor_item_t *arr = cbor_load(cose->p + skip, cose->len - skip, &res);
    assert_non_null(arr);
    assert_true(cbor_isa_array(arr));
    assert_int_equal(cbor_array_size(arr), 4);
    cbor_item_t *pl = cbor_array_handle(arr)[2];
    assert_true(cbor_isa_bytestring(pl));
    brski_buf_init(out, 65536);
    assert_int_equal(brski_buf_append(out, cbor_bytestring_handle(pl), cbor_bytestring_length(pl)),
                     BRSKI_OK);
    cbor_decref(&arr);
}

static void test_voucher_cbor_cbrski_pvr_fields_and_roundtrip(void **state)
{
    (void)state;
    brski_buf in, reg, out;
    read_hex_vector("spec/cbrski/pvr-nonsigned.hex", &in);
    brski_voucher v;
    assert_int_equal(brski_voucher_cbor_parse(brski_buf_slice(&in), 0, &v), BRSKI_OK);
    assert_int_equal(v.kind, BRSKI_KIND_VOUCHER_REQUEST);
    const brski_leaf want[] = {BRSKI_LEAF_ASSERTION, BRSKI_LEAF_NONCE,
                               BRSKI_LEAF_PROXIMITY_REGISTRAR_PUBK, BRSKI_LEAF_SERIAL_NUMBER};
    assert_int_equal(v.present, bits(want, 4));
    assert_int_equal(v.assertion, BRSKI_ASSERTION_PROXIMITY);
    assert_bytes_hex(&v.nonce, "23BFBBC9C2BCF213");
    assert_string_equal(v.serial_number, "JADA123456789");
    /* proximity-registrar-pubk is the registrar's SPKI (PROVENANCE): find it in the cert. */
    assert_int_equal(v.proximity_registrar_pubk.len, 91);
    test_read_vector("spec/cbrski/registrar.der", &reg);
    bool found = false;
    for (size_t i = 0; i + 91 <= reg.len; i++) {
        if (memcmp(reg.p + i, v.proximity_registrar_pubk.p, 91) == 0) {
            found = true;
        }
    }
    assert_true(found);
    /* No created-on, so our encoding is the published one byte for byte. */
    brski_buf_init(&out, BRSKI_MAX_VOUCHER);
    assert_int_equal(brski_voucher_cbor_encode(&v, &out), BRSKI_OK);
    assert_true(brski_slice_eq(brski_buf_slice(&out), brski_buf_slice(&in)));
    vfree(&v);
    brski_buf_clear(&in);
    brski_buf_clear(&reg);
    brski_buf_clear(&out);
}

static void test_voucher_cbor_cbrski_voucher_fields(void **state)
{
    (void)state;
    brski_buf in, pinned, out;
    read_hex_vector("spec/cbrski/voucher-nonsigned.hex", &in);
    brski_voucher v;
    assert_int_equal(brski_voucher_cbor_parse(brski_buf_slice(&in), 0, &v), BRSKI_OK);
    assert_int_equal(v.kind, BRSKI_KIND_VOUCHER);
    const brski_leaf want[] = {BRSKI_LEAF_ASSERTION, BRSKI_LEAF_CREATED_ON,
                               BRSKI_LEAF_DOMAIN_CERT_REVOCATION_CHECKS, BRSKI_LEAF_NONCE,
                               BRSKI_LEAF_PINNED_DOMAIN_CERT, BRSKI_LEAF_SERIAL_NUMBER};
    assert_int_equal(v.present, bits(want, 6));
    assert_int_equal(v.assertion, BRSKI_ASSERTION_PROXIMITY);
    assert_int_equal(v.created_on, brski_time_from_civil(2022, 12, 6, 20, 23, 30));
    assert_false(v.domain_cert_revocation_checks);
    assert_bytes_hex(&v.nonce, "57EED786AD404907");
    assert_string_equal(v.serial_number, "JADA123456789");
    /* pinned-domain-cert = rvr-x5bag-1-domain-ca.der (PROVENANCE). */
    test_read_vector("spec/cbrski/rvr-x5bag-1-domain-ca.der", &pinned);
    assert_int_equal(v.pinned_domain_cert.len, pinned.len);
    assert_memory_equal(v.pinned_domain_cert.p, pinned.p, pinned.len);

    /*
     * Re-encoding drops the ".708" fraction (the model keeps seconds): the
     * result is the input with the 24-char date text replaced by 20 chars.
     */
    brski_buf_init(&out, BRSKI_MAX_VOUCHER);
    assert_int_equal(brski_voucher_cbor_encode(&v, &out), BRSKI_OK);
    const char *old_ts = "\x78\x18" "2022-12-06T20:23:30.708Z";
    const char *new_ts = "\x74" "2022-12-06T20:23:30Z";
    size_t at = 0;
    for (at = 0; at + 26 <= in.len; at++) {
        if (memcmp(in.p + at, old_ts, 26) == 0) {
            break;
        }
    }
    assert_true(at + 26 <= in.len);
    assert_int_equal(out.len, in.len - 5);
    assert_memory_equal(out.p, in.p, at);
    assert_memory_equal(out.p + at, new_ts, 21);
    assert_memory_equal(out.p + at + 21, in.p + at + 26, in.len - at - 26);
    vfree(&v);
    brski_buf_clear(&in);
    brski_buf_clear(&pinned);
    brski_buf_clear(&out);
}

static void test_voucher_cbor_cbrski_rvr_fields(void **state)
{
    (void)state;
    brski_buf in, pvr;
    read_hex_vector("spec/cbrski/rvr-nonsigned.hex", &in);
    read_hex_vector("spec/cbrski/pvr.hex", &pvr);
    brski_voucher v;
    assert_int_equal(brski_voucher_cbor_parse(brski_buf_slice(&in), 0, &v), BRSKI_OK);
    assert_int_equal(v.kind, BRSKI_KIND_VOUCHER_REQUEST);
    const brski_leaf want[] = {BRSKI_LEAF_ASSERTION,     BRSKI_LEAF_CREATED_ON,
                               BRSKI_LEAF_IDEVID_ISSUER, BRSKI_LEAF_NONCE,
                               BRSKI_LEAF_PRIOR_SIGNED_VOUCHER_REQUEST, BRSKI_LEAF_SERIAL_NUMBER};
    assert_int_equal(v.present, bits(want, 6));
    assert_int_equal(v.assertion, BRSKI_ASSERTION_PROXIMITY);
    assert_int_equal(v.created_on, brski_time_from_civil(2022, 12, 6, 20, 4, 15));
    assert_bytes_hex(&v.idevid_issuer, "041830168014CB8D98CA74C51B58DDE7ACEF869A9443A8D666A6");
    assert_bytes_hex(&v.nonce, "23BFBBC9C2BCF213");
    assert_string_equal(v.serial_number, "JADA123456789");
    /* prior-signed-voucher-request is byte-identical to pvr.hex. */
    assert_int_equal(v.prior_signed_voucher_request.len, pvr.len);
    assert_memory_equal(v.prior_signed_voucher_request.p, pvr.p, pvr.len);
    vfree(&v);
    brski_buf_clear(&in);
    brski_buf_clear(&pvr);
}

static void test_voucher_cbor_minerva_needs_lenient(void **state)
{
    (void)state;
    brski_buf f, pl, cert;
    brski_voucher v;

    /* Highway MASA voucher: text assertion, tag-1 date, base64 pinned-domain-cert. */
    test_read_vector("peers/AnimaGUS-minerva-voucher/voucher_00-D0-E5-F2-00-02.vch", &f);
    cose_payload(&f, &pl);
    assert_int_equal(brski_voucher_cbor_parse(brski_buf_slice(&pl), 0, &v), BRSKI_ERR_MALFORMED);
    assert_int_equal(v.present, 0);
    assert_int_equal(
        brski_voucher_cbor_parse(brski_buf_slice(&pl), BRSKI_VOUCHER_CBOR_LENIENT, &v), BRSKI_OK);
    assert_int_equal(v.kind, BRSKI_KIND_VOUCHER);
    assert_int_equal(v.assertion, BRSKI_ASSERTION_LOGGED);
    assert_int_equal(v.created_on, 1599525239);
    assert_string_equal(v.serial_number, "00-D0-E5-F2-00-02");
    assert_non_null(v.nonce_text);
    assert_string_equal(v.nonce_text, "XSyF4LLIiqU2-OGk6lFCAg");
    assert_int_equal(v.nonce.len, 16);
    assert_true(brski_voucher_has(&v, BRSKI_LEAF_PINNED_DOMAIN_CERT));
    assert_true(v.pinned_domain_cert.len > 400);
    assert_int_equal(v.pinned_domain_cert.p[0], 0x30); /* DER SEQUENCE after base64 */
    vfree(&v);
    brski_buf_clear(&f);
    brski_buf_clear(&pl);

    /* JADA voucher: expires-on as tag 1, pinned-domain-pubk (delta 9) as base64 text. */
    test_read_vector("peers/AnimaGUS-minerva-voucher/voucher_jada123456789.vch", &f);
    cose_payload(&f, &pl);
    assert_int_equal(brski_voucher_cbor_parse(brski_buf_slice(&pl), 0, &v), BRSKI_ERR_MALFORMED);
    assert_int_equal(
        brski_voucher_cbor_parse(brski_buf_slice(&pl), BRSKI_VOUCHER_CBOR_LENIENT, &v), BRSKI_OK);
    assert_int_equal(v.assertion, BRSKI_ASSERTION_PROXIMITY);
    assert_int_equal(v.created_on, 1475868702);
    assert_int_equal(v.expires_on, 1506816000);
    assert_string_equal(v.nonce_text, "abcd12345");
    assert_int_equal(v.pinned_domain_pubk.len, 91);
    vfree(&v);
    brski_buf_clear(&f);
    brski_buf_clear(&pl);

    /* Reach pledge PVR: serial as a byte string, certificate as bstr. */
    test_read_vector("peers/AnimaGUS-minerva-voucher/vr_00-D0-E5-F2-00-02.vrq", &f);
    cose_payload(&f, &pl);
    assert_int_equal(brski_voucher_cbor_parse(brski_buf_slice(&pl), 0, &v), BRSKI_ERR_MALFORMED);
    assert_int_equal(
        brski_voucher_cbor_parse(brski_buf_slice(&pl), BRSKI_VOUCHER_CBOR_LENIENT, &v), BRSKI_OK);
    assert_int_equal(v.kind, BRSKI_KIND_VOUCHER_REQUEST);
    assert_string_equal(v.serial_number, "00-D0-E5-F2-00-02");
    assert_int_equal(v.created_on, 1599086034);
    assert_string_equal(v.nonce_text, "frvUiZhY8PnVlRKCIS3qMQ");
    assert_int_equal(v.proximity_registrar_cert.len, 476);
    vfree(&v);
    brski_buf_clear(&f);
    brski_buf_clear(&pl);
    (void)cert;
}

static void test_voucher_cbor_iotconsult_names_typo_rejected(void **state)
{
    (void)state;
    brski_buf f, pl;
    brski_voucher v;
    /* Top key "ietf-request-voucher:voucher" is not a module name: rejected even when lenient. */
    read_hex_vector("peers/AnimaGUS-minerva-ChariWTs/rvr_iotconsult01.pretty", &f);
    cose_payload(&f, &pl);
    assert_int_equal(brski_voucher_cbor_parse(brski_buf_slice(&pl), 0, &v), BRSKI_ERR_MALFORMED);
    assert_int_equal(
        brski_voucher_cbor_parse(brski_buf_slice(&pl), BRSKI_VOUCHER_CBOR_LENIENT, &v),
        BRSKI_ERR_MALFORMED);
    brski_buf_clear(&f);
    brski_buf_clear(&pl);
}

static brski_err parse_hex(const char *hex, unsigned flags, brski_voucher *v)
{
    brski_buf b;
    hex_to(hex, &b);
    brski_err rv = brski_voucher_cbor_parse(brski_buf_slice(&b), flags, v);
    brski_buf_clear(&b);
    return rv;
}

static void test_voucher_cbor_names_and_tag47_keys(void **state)
{
    (void)state;
    brski_voucher v;
    /* {"ietf-voucher:voucher": {"assertion": 0, "serial-number": "x"}} */
    assert_int_equal(parse_hex("a1 74 696574662d766f75636865723a766f7563686572"
                               " a2 69 617373657274696f6e 00 6d 73657269616c2d6e756d626572 6178",
                               0, &v),
                     BRSKI_OK);
    assert_int_equal(v.kind, BRSKI_KIND_VOUCHER);
    assert_int_equal(v.assertion, BRSKI_ASSERTION_VERIFIED);
    assert_string_equal(v.serial_number, "x");
    vfree(&v);
    /* Mixed: SID container, name leaf, tag-47 absolute SID 2462 (serial), unknown tag-47 ignored. */
    assert_int_equal(parse_hex("a1 190993 a3 69 617373657274696f6e 01 d82f 19099e 6179"
                               " d82f 1b000000473474746e 01",
                               0, &v),
                     BRSKI_OK);
    assert_int_equal(v.assertion, BRSKI_ASSERTION_LOGGED);
    assert_string_equal(v.serial_number, "y");
    vfree(&v);
    /* Voucher-request by name, with a request-only leaf. */
    assert_int_equal(parse_hex("a1 78 1c 696574662d766f75636865722d726571756573743a766f7563686572"
                               " a1 0d 6131",
                               0, &v),
                     BRSKI_OK);
    assert_int_equal(v.kind, BRSKI_KIND_VOUCHER_REQUEST);
    assert_string_equal(v.serial_number, "1");
    vfree(&v);
}

static void test_voucher_cbor_rejects_bad_input(void **state)
{
    (void)state;
    brski_voucher v;
    const char *bad[] = {
        "a1 190993 a2 0b 6178 0b 6179",       /* duplicate serial */
        "a1 190993 a1 10 00",                 /* delta 16 unknown in a voucher */
        "a1 190993 a1 01 04",                 /* assertion 4 */
        "a1 190993 a1 01 20",                 /* assertion -1 */
        "a1 190993 a1 01 69 70726f78696d697479", /* text assertion, strict */
        "a1 190993 a1 02 63 323032",          /* bad date */
        "a1 190993 a1 02 c1 1a5f56ce37",      /* tag-1 date, strict */
        "a1 190993 a1 03 00",                 /* boolean as int */
        "a1 190993 a1 07 63 616263",          /* nonce as text, strict */
        "a1 190993 a1 0b 43 616263",          /* serial as bytes, strict */
        "a1 190993 a1 0b 63 610062",          /* NUL in text */
        "a1 190993 a1 0b 62 c328",            /* bad UTF-8 */
        "a1 190993 a1 0f 81 f6",              /* extensions with null */
        "a1 190993 a1 0c 01",                 /* url as int */
        "a2 190993 a0 1909c5 a0",             /* two containers */
        "a1 1909c4 a0",                       /* SID 2500 (module) */
        "a1 190993 80",                       /* container value not a map */
        "82 190993 a0",                       /* top not a map */
        "a1 190993 a1 f6 00",                 /* null key */
        "a1 190993 a1 20 00",                 /* negative delta */
        "a1 1909c5 a1 18 17 00",              /* delta 23 unknown in a request */
        "a1 190993 a1 0b",                    /* truncated */
        "a1 190993 a1 0b 6178 00",            /* trailing */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        brski_err rv = parse_hex(bad[i], 0, &v);
        if (rv != BRSKI_ERR_MALFORMED) {
            fail_msg("'%s' gave %s", bad[i], brski_err_str(rv));
        }
        assert_int_equal(v.present, 0);
        assert_null(v.serial_number);
    }
    /* Unknown keys are ignored only when lenient. */
    assert_int_equal(parse_hex("a1 190993 a2 10 00 0b 6178", BRSKI_VOUCHER_CBOR_LENIENT, &v),
                     BRSKI_OK);
    assert_string_equal(v.serial_number, "x");
    vfree(&v);
}

static void set_bytes(brski_voucher *v, brski_bytes *b, brski_leaf leaf, const char *s)
{
    b->len = strlen(s);
    b->p = (uint8_t *)brski_memdup(s, b->len);
    brski_voucher_mark(v, leaf);
}

static void test_voucher_cbor_encode_all_request_leaves_roundtrip(void **state)
{
    (void)state;
    brski_voucher v, w;
    memset(&v, 0, sizeof(v));
    v.kind = BRSKI_KIND_VOUCHER_REQUEST;
    v.assertion = BRSKI_ASSERTION_AGENT_PROXIMITY;
    brski_voucher_mark(&v, BRSKI_LEAF_ASSERTION);
    v.created_on = 1700000000;
    brski_voucher_mark(&v, BRSKI_LEAF_CREATED_ON);
    v.expires_on = 1800000000;
    brski_voucher_mark(&v, BRSKI_LEAF_EXPIRES_ON);
    v.domain_cert_revocation_checks = true;
    brski_voucher_mark(&v, BRSKI_LEAF_DOMAIN_CERT_REVOCATION_CHECKS);
    v.last_renewal_date = 1750000000;
    brski_voucher_mark(&v, BRSKI_LEAF_LAST_RENEWAL_DATE);
    v.serial_number = brski_strndup("SN-1", 4);
    brski_voucher_mark(&v, BRSKI_LEAF_SERIAL_NUMBER);
    v.est_domain = brski_strndup("coaps://est", 11);
    brski_voucher_mark(&v, BRSKI_LEAF_EST_DOMAIN);
    v.additional_configuration_url = brski_strndup("https://x/", 10);
    brski_voucher_mark(&v, BRSKI_LEAF_ADDITIONAL_CONFIGURATION_URL);
    set_bytes(&v, &v.idevid_issuer, BRSKI_LEAF_IDEVID_ISSUER, "aki");
    set_bytes(&v, &v.nonce, BRSKI_LEAF_NONCE, "nonce-12");
    set_bytes(&v, &v.pinned_domain_cert, BRSKI_LEAF_PINNED_DOMAIN_CERT, "pdc");
    set_bytes(&v, &v.pinned_domain_pubk, BRSKI_LEAF_PINNED_DOMAIN_PUBK, "pdp");
    set_bytes(&v, &v.pinned_domain_pubk_sha256, BRSKI_LEAF_PINNED_DOMAIN_PUBK_SHA256, "pds");
    set_bytes(&v, &v.manufacturer_proprietary, BRSKI_LEAF_MANUFACTURER_PROPRIETARY, "\xa0");
    set_bytes(&v, &v.extensions, BRSKI_LEAF_EXTENSIONS, "\x82\x01\x61x");
    set_bytes(&v, &v.prior_signed_voucher_request, BRSKI_LEAF_PRIOR_SIGNED_VOUCHER_REQUEST, "p");
    set_bytes(&v, &v.proximity_registrar_cert, BRSKI_LEAF_PROXIMITY_REGISTRAR_CERT, "prc");
    set_bytes(&v, &v.proximity_registrar_pubk, BRSKI_LEAF_PROXIMITY_REGISTRAR_PUBK, "prp");
    set_bytes(&v, &v.proximity_registrar_pubk_sha256, BRSKI_LEAF_PROXIMITY_REGISTRAR_PUBK_SHA256,
              "prs");
    set_bytes(&v, &v.agent_provided_proximity_registrar_cert,
              BRSKI_LEAF_AGENT_PROVIDED_PROXIMITY_REGISTRAR_CERT, "apc");
    set_bytes(&v, &v.agent_sign_cert, BRSKI_LEAF_AGENT_SIGN_CERT, "asc");
    set_bytes(&v, &v.agent_signed_data, BRSKI_LEAF_AGENT_SIGNED_DATA, "asd");
    assert_int_equal(v.present, (1u << BRSKI_LEAF__COUNT) - 1);

    brski_buf out;
    brski_buf_init(&out, BRSKI_MAX_VOUCHER);
    assert_int_equal(brski_voucher_cbor_encode(&v, &out), BRSKI_OK);
    /* Starts {2501: {1: 3, 2: "2023-11-14T22:13:20Z", 3: true, ... */
    assert_memory_equal(out.p, "\xa1\x19\x09\xc5\xb6\x01\x03\x02\x74" "2023-11-14T22:13:20Z\x03\xf5",
                        30);
    assert_int_equal(brski_voucher_cbor_parse(brski_buf_slice(&out), 0, &w), BRSKI_OK);
    assert_int_equal(w.present, v.present);
    assert_int_equal(w.assertion, v.assertion);
    assert_int_equal(w.created_on, v.created_on);
    assert_int_equal(w.expires_on, v.expires_on);
    assert_int_equal(w.last_renewal_date, v.last_renewal_date);
    assert_true(w.domain_cert_revocation_checks);
    assert_string_equal(w.est_domain, "coaps://est");
    assert_string_equal(w.additional_configuration_url, "https://x/");
    assert_int_equal(w.extensions.len, 4);
    assert_memory_equal(w.extensions.p, "\x82\x01\x61x", 4);
    assert_int_equal(w.agent_signed_data.len, 3);
    assert_memory_equal(w.agent_signed_data.p, "asd", 3);
    assert_memory_equal(w.pinned_domain_pubk_sha256.p, "pds", 3);
    assert_memory_equal(w.proximity_registrar_pubk_sha256.p, "prs", 3);
    /* Encoding the decoded model gives the same bytes. */
    brski_buf again;
    brski_buf_init(&again, BRSKI_MAX_VOUCHER);
    assert_int_equal(brski_voucher_cbor_encode(&w, &again), BRSKI_OK);
    assert_true(brski_slice_eq(brski_buf_slice(&out), brski_buf_slice(&again)));
    brski_buf_clear(&again);

    /* The same model as a voucher has request-only leaves: refused. */
    v.kind = BRSKI_KIND_VOUCHER;
    brski_buf_reset(&out);
    assert_int_equal(brski_voucher_cbor_encode(&v, &out), BRSKI_ERR_ARG);
    assert_int_equal(out.len, 0);
    /* Assertion out of range and malformed stored extensions are refused too. */
    v.kind = BRSKI_KIND_VOUCHER_REQUEST;
    v.assertion = (brski_assertion)7;
    assert_int_equal(brski_voucher_cbor_encode(&v, &out), BRSKI_ERR_ARG);
    v.assertion = BRSKI_ASSERTION_LOGGED;
    v.extensions.p[0] = 0xa1;
    assert_int_equal(brski_voucher_cbor_encode(&v, &out), BRSKI_ERR_ARG);
    /* The output cap is honoured. */
    v.extensions.p[0] = 0x82;
    brski_buf small;
    brski_buf_init(&small, 16);
    assert_int_equal(brski_voucher_cbor_encode(&v, &small), BRSKI_ERR_TOOBIG);
    assert_int_equal(small.len, 0);
    brski_buf_clear(&small);
    brski_buf_clear(&out);
    vfree(&v);
    vfree(&w);
}

static void test_voucher_cbor_delta_table(void **state)
{
    (void)state;
    assert_int_equal(brski_voucher_cbor_delta(BRSKI_KIND_VOUCHER, BRSKI_LEAF_EXTENSIONS), 15);
    assert_int_equal(brski_voucher_cbor_delta(BRSKI_KIND_VOUCHER, BRSKI_LEAF_SERIAL_NUMBER), 11);
    assert_int_equal(
        brski_voucher_cbor_delta(BRSKI_KIND_VOUCHER_REQUEST, BRSKI_LEAF_MANUFACTURER_PROPRIETARY),
        22);
    assert_int_equal(
        brski_voucher_cbor_delta(BRSKI_KIND_VOUCHER_REQUEST, BRSKI_LEAF_PINNED_DOMAIN_PUBK), 17);
    assert_int_equal(
        brski_voucher_cbor_delta(BRSKI_KIND_VOUCHER, BRSKI_LEAF_PRIOR_SIGNED_VOUCHER_REQUEST), 0);
}

/* ---- bombs through the decoder, with the largest allocation recorded (ASan builds) ---- */

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_ALLOC_HOOK 1
int __sanitizer_install_malloc_and_free_hooks(void (*m)(const volatile void *, size_t),
                                              void (*f)(const volatile void *));
static volatile size_t g_max_alloc;
static volatile int g_tracking;
static void hook_malloc(const volatile void *p, size_t n)
{
    (void)p;
    if (g_tracking && n > g_max_alloc) {
        g_max_alloc = n;
    }
}
static void hook_free(const volatile void *p)
{
    (void)p;
}
#endif

static double elapsed_ms(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

static void test_voucher_cbor_bombs_rejected_fast_small_alloc(void **state)
{
    (void)state;
#ifdef HAVE_ALLOC_HOOK
    __sanitizer_install_malloc_and_free_hooks(hook_malloc, hook_free);
#endif
    uint8_t *b = malloc(BRSKI_CBOR_MAX_SIZE);
    assert_non_null(b);
    brski_log_set_sink(NULL, NULL, BRSKI_LOG_NONE);
    for (int c = 0; c < 6; c++) {
        size_t len = 0;
        switch (c) {
        case 0: /* 9a ffffffff */
            memcpy(b, "\x9a\xff\xff\xff\xff", 5);
            len = 5;
            break;
        case 1: /* 9b 2^60 */
            memcpy(b, "\x9b\x10\x00\x00\x00\x00\x00\x00\x00", 9);
            len = 9;
            break;
        case 2: /* 10,000 nested arrays */
            memset(b, 0x81, 10000);
            b[10000] = 0;
            len = 10001;
            break;
        case 3: /* indefinite map that never ends */
            b[0] = 0xbf;
            memset(b + 1, 0x01, BRSKI_CBOR_MAX_SIZE - 1);
            len = BRSKI_CBOR_MAX_SIZE;
            break;
        case 4: /* the same inside a voucher container */
            memcpy(b, "\xa1\x19\x09\x93\xbf", 5);
            memset(b + 5, 0x0b, 4000);
            len = 4005;
            break;
        default: /* map claiming 2^32-1 pairs inside the container */
            memcpy(b, "\xa1\x19\x09\x93\xba\xff\xff\xff\xff\x0b\x61\x78", 12);
            len = 12;
            break;
        }
        brski_voucher v;
        struct timespec t0, t1;
        brski_err rv = BRSKI_OK;
        double best = 1e9;
#ifdef HAVE_ALLOC_HOOK
        g_max_alloc = 0;
        g_tracking = 1;
#endif
        /* Best of 5, so a busy shared machine does not make the timing flaky. */
        for (int rep = 0; rep < 5; rep++) {
            clock_gettime(CLOCK_MONOTONIC, &t0);
            rv = brski_voucher_cbor_parse(brski_slice_make(b, len), 0, &v);
            clock_gettime(CLOCK_MONOTONIC, &t1);
            best = elapsed_ms(&t0, &t1) < best ? elapsed_ms(&t0, &t1) : best;
        }
#ifdef HAVE_ALLOC_HOOK
        g_tracking = 0;
        if (g_max_alloc > 4096) {
            fail_msg("bomb %d: allocation of %zu bytes", c, (size_t)g_max_alloc);
        }
#endif
        if (rv != BRSKI_ERR_MALFORMED && rv != BRSKI_ERR_TOOBIG) {
            fail_msg("bomb %d accepted (%s)", c, brski_err_str(rv));
        }
        if (best >= 10.0) {
            fail_msg("bomb %d took %.3f ms", c, best);
        }
    }
    free(b);
    brski_log_set_sink(brski_log_stderr_sink, NULL, BRSKI_LOG_DEBUG);
#ifdef HAVE_ALLOC_HOOK
    __sanitizer_install_malloc_and_free_hooks(NULL, NULL);
#endif
}

int main(void)
{
    brski_log_set_sink(brski_log_stderr_sink, NULL, BRSKI_LOG_DEBUG);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_voucher_cbor_cbrski_pvr_fields_and_roundtrip),
        cmocka_unit_test(test_voucher_cbor_cbrski_voucher_fields),
        cmocka_unit_test(test_voucher_cbor_cbrski_rvr_fields),
        cmocka_unit_test(test_voucher_cbor_minerva_needs_lenient),
        cmocka_unit_test(test_voucher_cbor_iotconsult_names_typo_rejected),
        cmocka_unit_test(test_voucher_cbor_names_and_tag47_keys),
        cmocka_unit_test(test_voucher_cbor_rejects_bad_input),
        cmocka_unit_test(test_voucher_cbor_encode_all_request_leaves_roundtrip),
        cmocka_unit_test(test_voucher_cbor_delta_table),
        cmocka_unit_test(test_voucher_cbor_bombs_rejected_fast_small_alloc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
