/* Unit tests for the public-key operation counters (brski/opcount.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "brski/opcount.h"
#include "brski/signer.h"
#include "brski/x509.h"
#include "brski/file.h"

static unsigned long long own(brski_op op, brski_op_alg alg)
{
    return brski_opcount_get(false, op, alg);
}

/* Each key generation, key load, signature and verification is counted once, per algorithm. */
static void test_counts_signer_ops(void **state)
{
    (void)state;
    static const struct {
        brski_key_alg alg;
        brski_sig_alg sig;
        brski_op_alg col;
    } cases[] = {{BRSKI_ALG_P256, BRSKI_SIG_ECDSA_SHA256, BRSKI_OPALG_P256},
                 {BRSKI_ALG_P384, BRSKI_SIG_ECDSA_SHA384, BRSKI_OPALG_P384},
                 {BRSKI_ALG_ED25519, BRSKI_SIG_ED25519, BRSKI_OPALG_ED25519}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        brski_op_alg col = cases[i].col;
        unsigned long long g0 = own(BRSKI_OP_KEYGEN, col);
        unsigned long long s0 = own(BRSKI_OP_SIGN, col);
        unsigned long long v0 = own(BRSKI_OP_VERIFY, col);
        unsigned long long d0 = own(BRSKI_OP_PUBDERIVE, col);
        unsigned long long other_s0 = own(BRSKI_OP_SIGN, BRSKI_OPALG_RSA2048);

        brski_signer *s = NULL;
        assert_int_equal(brski_signer_generate(cases[i].alg, NULL, &s), BRSKI_OK);
        assert_int_equal(own(BRSKI_OP_KEYGEN, col), g0 + 1);

        brski_buf spki, sig, der;
        brski_buf_init(&spki, 4096);
        brski_buf_init(&sig, 1024);
        brski_buf_init(&der, 4096);
        brski_slice msg = brski_slice_str("counted message");
        assert_int_equal(brski_signer_spki(s, &spki), BRSKI_OK);
        assert_int_equal(brski_signer_sign(s, cases[i].sig, BRSKI_SIG_FMT_DER, msg, NULL, &sig),
                         BRSKI_OK);
        assert_int_equal(own(BRSKI_OP_SIGN, col), s0 + 1);
        assert_int_equal(brski_pubkey_verify(brski_buf_slice(&spki), cases[i].sig,
                                             BRSKI_SIG_FMT_DER, msg, brski_buf_slice(&sig)),
                         BRSKI_OK);
        /* A failing verification costs the same and is counted too. */
        assert_int_not_equal(brski_pubkey_verify(brski_buf_slice(&spki), cases[i].sig,
                                                 BRSKI_SIG_FMT_DER, brski_slice_str("other"),
                                                 brski_buf_slice(&sig)),
                             BRSKI_OK);
        assert_int_equal(own(BRSKI_OP_VERIFY, col), v0 + 2);

        /* Loading a private key derives its public key once. */
        assert_int_equal(brski_signer_export_der(s, false, &der), BRSKI_OK);
        brski_signer *loaded = NULL;
        assert_int_equal(brski_signer_from_bytes(brski_buf_slice(&der), &loaded), BRSKI_OK);
        assert_int_equal(own(BRSKI_OP_PUBDERIVE, col), d0 + 1);
        assert_int_equal(own(BRSKI_OP_SIGN, BRSKI_OPALG_RSA2048), other_s0);

        brski_signer_free(loaded);
        brski_signer_free(s);
        brski_buf_wipe(&der);
        brski_buf_clear(&sig);
        brski_buf_clear(&spki);
    }
}

static void test_alg_columns(void **state)
{
    (void)state;
    assert_int_equal(brski_opcount_alg(BRSKI_KEY_EC, 256), BRSKI_OPALG_P256);
    assert_int_equal(brski_opcount_alg(BRSKI_KEY_EC, 521), BRSKI_OPALG_P521);
    assert_int_equal(brski_opcount_alg(BRSKI_KEY_EC, 224), BRSKI_OPALG_OTHER);
    assert_int_equal(brski_opcount_alg(BRSKI_KEY_ED25519, 256), BRSKI_OPALG_ED25519);
    assert_int_equal(brski_opcount_alg(BRSKI_KEY_RSA, 3072), BRSKI_OPALG_RSA3072);
    assert_int_equal(brski_opcount_alg(BRSKI_KEY_NONE, 0), BRSKI_OPALG_OTHER);
    assert_string_equal(brski_opcount_alg_name(BRSKI_OPALG_X25519), "x25519");
}

/* The snapshot line names every non-zero counter as kind.name.column=value. */
static void test_format(void **state)
{
    (void)state;
    brski_opcount_msg(BRSKI_MSG_PVR, 1000);
    brski_opcount_msg(BRSKI_MSG_PVR, 234);
    brski_opcount_add(BRSKI_OP_SIGN, BRSKI_OPALG_RSA4096);
    brski_opcount_add(BRSKI_OP_KINDS, BRSKI_OPALG_P256); /* out of range: ignored */
    char line[4096];
    size_t n = brski_opcount_format(line, sizeof(line));
    assert_int_equal(n, strlen(line));
    assert_non_null(strstr(line, " msg.pvr.n=2"));
    assert_non_null(strstr(line, " msg.pvr.bytes=1234"));
    assert_non_null(strstr(line, " own.sign.rsa4096=1"));
    assert_null(strstr(line, "msg.rvr"));
    assert_null(strstr(line, "=0"));
    /* A short buffer truncates but stays terminated. */
    char small[10];
    assert_int_equal(brski_opcount_format(small, sizeof(small)), 9);
    assert_int_equal(small[9], '\0');
}

static void read_fixture(const char *name, brski_buf *out)
{
    char path[1024];
    int n = snprintf(path, sizeof(path), "%s/tests/vectors/est/%s", BRSKI_SOURCE_DIR, name);
    assert_true(n > 0 && (size_t)n < sizeof(path));
    assert_int_equal(brski_file_read(path, out), BRSKI_OK);
}

/* Value of counter |name| (e.g. "dtls.sign.p256") in the snapshot line; 0 when absent. */
static unsigned long long counter(const char *name)
{
    char line[4096];
    char key[64];
    (void)brski_opcount_format(line, sizeof(line));
    (void)snprintf(key, sizeof(key), " %s=", name);
    const char *p = strstr(line, key);
    return p != NULL ? strtoull(p + strlen(key), NULL, 10) : 0;
}

/*
 * A full DTLS 1.2 ECDHE_ECDSA handshake: 1 ephemeral keygen + 1 ECDH in the
 * negotiated group, 1 signature with our key, 1 verification with the
 * peer's key, plus one verification per link of the chain the TLS library
 * built (on the issuer's key). A resumed one: no operation.
 */
static void test_dtls_derivation(void **state)
{
    (void)state;
    brski_buf leaf, mfg, ca;
    brski_buf_init(&leaf, BRSKI_MAX_CERT);
    brski_buf_init(&mfg, BRSKI_MAX_CERT);
    brski_buf_init(&ca, BRSKI_MAX_CERT);
    read_fixture("idevid.der", &leaf); /* P-256, issued by mfg */
    read_fixture("mfg.der", &mfg);     /* P-256, self-signed */
    read_fixture("ca.der", &ca);       /* P-256, self-signed */
    assert_true(brski_opcount_enabled());

    unsigned long long kx = counter("dtls.keygen.x25519"), ex = counter("dtls.ecdh.x25519");
    unsigned long long kp = counter("dtls.keygen.p256"), ep = counter("dtls.ecdh.p256");
    unsigned long long s = counter("dtls.sign.p256"), v = counter("dtls.verify.p256");
    unsigned long long sf = counter("hs.dtls_server.full");
    unsigned long long sr = counter("hs.dtls_server.resumed");
    unsigned long long cf = counter("hs.dtls_client.full");

    brski_opcount_dtls_hs hs;
    memset(&hs, 0, sizeof(hs));
    hs.server = true;
    hs.group = "X25519";
    hs.own_cert = brski_buf_slice(&ca);
    hs.peer_cert = brski_buf_slice(&leaf);
    hs.chain[0] = brski_buf_slice(&leaf);
    hs.chain[1] = brski_buf_slice(&mfg);
    hs.chain_n = 2;
    brski_opcount_dtls(&hs);
    assert_int_equal(counter("hs.dtls_server.full"), sf + 1);
    assert_int_equal(counter("dtls.keygen.x25519"), kx + 1);
    assert_int_equal(counter("dtls.ecdh.x25519"), ex + 1);
    assert_int_equal(counter("dtls.sign.p256"), s + 1);
    assert_int_equal(counter("dtls.verify.p256"), v + 2); /* CertificateVerify + leaf on mfg */

    /* Resumed: counted as a handshake, no operation. */
    hs.resumed = true;
    brski_opcount_dtls(&hs);
    assert_int_equal(counter("hs.dtls_server.resumed"), sr + 1);
    assert_int_equal(counter("dtls.sign.p256"), s + 1);
    assert_int_equal(counter("dtls.verify.p256"), v + 2);

    /* Client without a certificate of its own, P-256 ECDHE, chain of one. */
    memset(&hs, 0, sizeof(hs));
    hs.group = "prime256v1";
    hs.peer_cert = brski_buf_slice(&ca);
    hs.chain[0] = brski_buf_slice(&ca);
    hs.chain_n = 1;
    brski_opcount_dtls(&hs);
    assert_int_equal(counter("hs.dtls_client.full"), cf + 1);
    assert_int_equal(counter("dtls.keygen.p256"), kp + 1);
    assert_int_equal(counter("dtls.ecdh.p256"), ep + 1);
    assert_int_equal(counter("dtls.sign.p256"), s + 1);
    assert_int_equal(counter("dtls.verify.p256"), v + 3);
    assert_int_equal(counter("hs.dtls_server.full"), sf + 1);

    brski_opcount_dtls(NULL); /* ignored */
    brski_buf_clear(&ca);
    brski_buf_clear(&mfg);
    brski_buf_clear(&leaf);
}

int main(void)
{
    /* Counting with derivations on; the exit snapshot goes nowhere. */
    (void)setenv("BRSKI_OPCOUNT_FILE", "/dev/null", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_signer_ops),
        cmocka_unit_test(test_alg_columns),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_dtls_derivation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
