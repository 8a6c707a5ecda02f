/*
 * brski-crypto-probe: times the public-key operations brski-bench counts
 * (brski/opcount.h) on this machine, single-threaded, in CPU time of the
 * calling thread, through the same code paths the programs use:
 *
 *   sign.ALG       brski_signer_sign (ECDSA: SHA-2 of the curve size; Ed25519)
 *   verify.ALG     brski_pubkey_verify (key import + verification)
 *   keygen.ALG     brski_signer_generate (x25519: wc_curve25519_make_key)
 *   ecdh.ALG       wc_ecc_shared_secret / wc_curve25519_shared_secret
 *   rawsign.ALG    wc_ecc_sign_hash with a long-lived RNG, as wolfSSL signs in a
 *                  handshake (sign.ALG also opens a DRBG per signature)
 *   pubderive.ALG  brski_signer_from_bytes of a PKCS#8 key (public key derived)
 *
 * for ALG in p256, p384, p521, ed25519, x25519, rsa2048, rsa3072 (RSA key
 * generation is not timed). Prints one JSON object:
 *   {"clock":"thread_cpu","budget_ms":B,"us":{"sign.p256":41.2,...},"iterations":{...}}
 * usage: brski-crypto-probe [--budget-ms B]   (CPU time per operation, default 200)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/curve25519.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/random.h>

#include "brski/buf.h"
#include "brski/signer.h"
#include "brski/x509.h"

typedef struct probe {
    const char *name;
    double us;
    unsigned long iterations;
} probe;

#define MAX_PROBES 40
static probe results[MAX_PROBES];
static size_t n_results;
static double budget_ns = 200e6;

static double thread_ns(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

typedef int (*op_fn)(void *ctx);

/* Runs |fn| 3 times to warm up, then until |budget_ns| of CPU time has passed. */
static int measure(const char *name, op_fn fn, void *ctx)
{
    for (int i = 0; i < 3; i++) {
        if (fn(ctx) != 0) {
            fprintf(stderr, "brski-crypto-probe: %s failed\n", name);
            return 1;
        }
    }
    unsigned long n = 0;
    double t0 = thread_ns();
    double t = t0;
    while (t - t0 < budget_ns || n < 5) {
        if (fn(ctx) != 0) {
            fprintf(stderr, "brski-crypto-probe: %s failed\n", name);
            return 1;
        }
        n++;
        t = thread_ns();
    }
    if (n_results < MAX_PROBES) {
        results[n_results].name = name;
        results[n_results].us = (t - t0) / 1e3 / (double)n;
        results[n_results].iterations = n;
        n_results++;
    }
    return 0;
}

/* ---- signatures through brski_signer / brski_pubkey_verify ---- */

typedef struct sig_ctx {
    brski_key_alg alg;
    brski_sig_alg sig_alg;
    brski_signer *key;
    brski_buf spki;
    brski_buf sig;
    brski_buf pkcs8;
} sig_ctx;

static const uint8_t message[] = "a voucher-request of a few hundred bytes would be hashed here";

static brski_slice msg(void)
{
    return brski_slice_make(message, sizeof(message) - 1);
}

static int do_sign(void *p)
{
    sig_ctx *c = p;
    brski_buf_reset(&c->sig);
    return brski_signer_sign(c->key, c->sig_alg, BRSKI_SIG_FMT_DER, msg(), NULL, &c->sig) ==
                   BRSKI_OK
               ? 0
               : 1;
}

static int do_verify(void *p)
{
    sig_ctx *c = p;
    return brski_pubkey_verify(brski_buf_slice(&c->spki), c->sig_alg, BRSKI_SIG_FMT_DER, msg(),
                               brski_buf_slice(&c->sig)) == BRSKI_OK
               ? 0
               : 1;
}

static int do_keygen(void *p)
{
    sig_ctx *c = p;
    brski_signer *k = NULL;
    brski_err rv = brski_signer_generate(c->alg, NULL, &k);
    brski_signer_free(k);
    return rv == BRSKI_OK ? 0 : 1;
}

static int do_pubderive(void *p)
{
    sig_ctx *c = p;
    brski_signer *k = NULL;
    brski_err rv = brski_signer_from_bytes(brski_buf_slice(&c->pkcs8), &k);
    brski_signer_free(k);
    return rv == BRSKI_OK ? 0 : 1;
}

static int probe_sig(const char *alg_name, brski_sig_alg sig_alg, bool keygen, const char *names[4])
{
    sig_ctx c;
    memset(&c, 0, sizeof(c));
    brski_buf_init(&c.spki, 4096);
    brski_buf_init(&c.sig, 1024);
    brski_buf_init(&c.pkcs8, 8192);
    c.sig_alg = sig_alg;
    int rc = 1;
    if (brski_key_alg_parse(alg_name, &c.alg) != BRSKI_OK ||
        brski_signer_generate(c.alg, NULL, &c.key) != BRSKI_OK ||
        brski_signer_spki(c.key, &c.spki) != BRSKI_OK ||
        brski_signer_export_der(c.key, false, &c.pkcs8) != BRSKI_OK) {
        fprintf(stderr, "brski-crypto-probe: cannot make a %s key\n", alg_name);
        goto out;
    }
    if (measure(names[0], do_sign, &c) != 0 || measure(names[1], do_verify, &c) != 0 ||
        measure(names[3], do_pubderive, &c) != 0 ||
        (keygen && measure(names[2], do_keygen, &c) != 0)) {
        goto out;
    }
    rc = 0;
out:
    brski_signer_free(c.key);
    brski_buf_wipe(&c.pkcs8);
    brski_buf_clear(&c.sig);
    brski_buf_clear(&c.spki);
    return rc;
}

/* ---- key agreement as wolfSSL runs it in a handshake ---- */

typedef struct ecdh_ctx {
    WC_RNG rng;
    int curve_id;
    int size;
    ecc_key a;
    ecc_key b;
} ecdh_ctx;

static int do_ecdh(void *p)
{
    ecdh_ctx *c = p;
    uint8_t out[80];
    word32 len = sizeof(out);
    return wc_ecc_shared_secret(&c->a, &c->b, out, &len);
}

/* wolfSSL signs CertificateVerify with wc_ecc_sign_hash and the connection's RNG. */
static int do_ecc_rawsign(void *p)
{
    ecdh_ctx *c = p;
    uint8_t hash[64];
    uint8_t sig[160];
    word32 slen = sizeof(sig);
    memset(hash, 0x5a, sizeof(hash));
    word32 hlen = (word32)(c->size > 48 ? 64 : c->size);
    return wc_ecc_sign_hash(hash, hlen, sig, &slen, &c->rng, &c->a);
}

static int do_ecc_keygen(void *p)
{
    ecdh_ctx *c = p;
    ecc_key k;
    if (wc_ecc_init(&k) != 0) {
        return 1;
    }
    int ret = wc_ecc_make_key_ex(&c->rng, c->size, &k, c->curve_id);
    wc_ecc_free(&k);
    return ret;
}

static int probe_ecdh(const char *name, const char *keygen_name, const char *rawsign_name,
                      int curve_id)
{
    ecdh_ctx c;
    memset(&c, 0, sizeof(c));
    c.curve_id = curve_id;
    c.size = wc_ecc_get_curve_size_from_id(curve_id);
    int rc = 1;
    if (wc_InitRng(&c.rng) != 0) {
        return 1;
    }
    if (wc_ecc_init(&c.a) != 0 || wc_ecc_init(&c.b) != 0 ||
        wc_ecc_make_key_ex(&c.rng, c.size, &c.a, curve_id) != 0 ||
        wc_ecc_make_key_ex(&c.rng, c.size, &c.b, curve_id) != 0 ||
        wc_ecc_set_rng(&c.a, &c.rng) != 0) {
        fprintf(stderr, "brski-crypto-probe: cannot make %s keys\n", name);
        goto out;
    }
    /* The TLS ephemeral share: wolfSSL calls wc_ecc_make_key_ex like this. */
    if (measure(name, do_ecdh, &c) != 0 || measure(keygen_name, do_ecc_keygen, &c) != 0 ||
        measure(rawsign_name, do_ecc_rawsign, &c) != 0) {
        goto out;
    }
    rc = 0;
out:
    wc_ecc_free(&c.a);
    wc_ecc_free(&c.b);
    wc_FreeRng(&c.rng);
    return rc;
}

typedef struct x25519_ctx {
    WC_RNG rng;
    curve25519_key a;
    curve25519_key b;
} x25519_ctx;

static int do_x25519(void *p)
{
    x25519_ctx *c = p;
    uint8_t out[CURVE25519_KEYSIZE];
    word32 len = sizeof(out);
    return wc_curve25519_shared_secret(&c->a, &c->b, out, &len);
}

static int do_x25519_keygen(void *p)
{
    x25519_ctx *c = p;
    curve25519_key k;
    if (wc_curve25519_init(&k) != 0) {
        return 1;
    }
    int ret = wc_curve25519_make_key(&c->rng, CURVE25519_KEYSIZE, &k);
    wc_curve25519_free(&k);
    return ret;
}

static int probe_x25519(void)
{
    x25519_ctx c;
    memset(&c, 0, sizeof(c));
    int rc = 1;
    if (wc_InitRng(&c.rng) != 0) {
        return 1;
    }
    if (wc_curve25519_init(&c.a) != 0 || wc_curve25519_init(&c.b) != 0 ||
        wc_curve25519_make_key(&c.rng, CURVE25519_KEYSIZE, &c.a) != 0 ||
        wc_curve25519_make_key(&c.rng, CURVE25519_KEYSIZE, &c.b) != 0) {
        fprintf(stderr, "brski-crypto-probe: cannot make x25519 keys\n");
        goto out;
    }
    if (measure("ecdh.x25519", do_x25519, &c) != 0 ||
        measure("keygen.x25519", do_x25519_keygen, &c) != 0) {
        goto out;
    }
    rc = 0;
out:
    wc_curve25519_free(&c.a);
    wc_curve25519_free(&c.b);
    wc_FreeRng(&c.rng);
    return rc;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--budget-ms") == 0 && i + 1 < argc) {
            char *end = NULL;
            long ms = strtol(argv[++i], &end, 10);
            if (end == NULL || *end != '\0' || ms < 1 || ms > 10000) {
                fprintf(stderr, "brski-crypto-probe: --budget-ms must be 1..10000\n");
                return 2;
            }
            budget_ns = (double)ms * 1e6;
        } else {
            fprintf(stderr, "usage: brski-crypto-probe [--budget-ms B]\n");
            return strcmp(argv[i], "--help") == 0 ? 0 : 2;
        }
    }
    static const char *p256[4] = {"sign.p256", "verify.p256", "keygen.p256", "pubderive.p256"};
    static const char *p384[4] = {"sign.p384", "verify.p384", "keygen.p384", "pubderive.p384"};
    static const char *p521[4] = {"sign.p521", "verify.p521", "keygen.p521", "pubderive.p521"};
    static const char *ed[4] = {"sign.ed25519", "verify.ed25519", "keygen.ed25519",
                                "pubderive.ed25519"};
    static const char *r2[4] = {"sign.rsa2048", "verify.rsa2048", "keygen.rsa2048",
                                "pubderive.rsa2048"};
    static const char *r3[4] = {"sign.rsa3072", "verify.rsa3072", "keygen.rsa3072",
                                "pubderive.rsa3072"};
    /* The ECDHE "keygen" entries come from probe_ecdh (wolfSSL's path), so skip them here. */
    if (probe_sig("p256", BRSKI_SIG_ECDSA_SHA256, false, p256) != 0 ||
        probe_sig("p384", BRSKI_SIG_ECDSA_SHA384, false, p384) != 0 ||
        probe_sig("p521", BRSKI_SIG_ECDSA_SHA512, false, p521) != 0 ||
        probe_sig("ed25519", BRSKI_SIG_ED25519, true, ed) != 0 ||
        probe_sig("rsa2048", BRSKI_SIG_RSA_SHA256, false, r2) != 0 ||
        probe_sig("rsa3072", BRSKI_SIG_RSA_SHA256, false, r3) != 0 ||
        probe_ecdh("ecdh.p256", "keygen.p256", "rawsign.p256", ECC_SECP256R1) != 0 ||
        probe_ecdh("ecdh.p384", "keygen.p384", "rawsign.p384", ECC_SECP384R1) != 0 ||
        probe_ecdh("ecdh.p521", "keygen.p521", "rawsign.p521", ECC_SECP521R1) != 0 ||
        probe_x25519() != 0) {
        return 1;
    }
    printf("{\"clock\":\"thread_cpu\",\"budget_ms\":%.0f,\"us\":{", budget_ns / 1e6);
    for (size_t i = 0; i < n_results; i++) {
        printf("%s\"%s\":%.2f", i == 0 ? "" : ",", results[i].name, results[i].us);
    }
    printf("},\"iterations\":{");
    for (size_t i = 0; i < n_results; i++) {
        printf("%s\"%s\":%lu", i == 0 ? "" : ",", results[i].name, results[i].iterations);
    }
    printf("}}\n");
    return 0;
}
