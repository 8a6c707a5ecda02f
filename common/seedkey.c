#include "brski/seedkey.h"

#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hmac.h>

#include "brski/der.h"
#include "brski/log.h"

#define SEED_SALT "BRSKI IDevID seed v1"

/* The order n of the P-256 group (SEC 2, FIPS 186-4 D.1.2.3). */
static const uint8_t p256_n[32] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};

brski_err brski_hkdf_sha256(brski_slice salt, brski_slice ikm, brski_slice info, uint8_t *out,
                            size_t out_len)
{
    if (out == NULL || out_len == 0 || out_len > 255u * 32u || ikm.len == 0) {
        return BRSKI_ERR_ARG;
    }
    int ret = wc_HKDF(WC_SHA256, ikm.p, (word32)ikm.len, salt.p, (word32)salt.len, info.p,
                      (word32)info.len, out, (word32)out_len);
    return ret == 0 ? BRSKI_OK : BRSKI_ERR_CRYPTO;
}

static bool serial_ok(const char *serial)
{
    size_t n = serial != NULL ? strlen(serial) : 0;
    if (n == 0 || n > BRSKI_SEED_MAX_SERIAL) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)serial[i] < 0x21 || (unsigned char)serial[i] > 0x7e) {
            return false;
        }
    }
    return true;
}

/* info = "BRSKI-IDevID-v1|" alg "|" serial "|" counter-byte */
static brski_err derive(brski_slice seed, const char *alg_name, const char *serial,
                        uint8_t counter, uint8_t out[32])
{
    uint8_t info[128];
    size_t n = 0;
    const char *prefix = "BRSKI-IDevID-v1|";
    size_t lp = strlen(prefix), la = strlen(alg_name), ls = strlen(serial);
    if (lp + la + 1 + ls + 2 > sizeof(info)) {
        return BRSKI_ERR_ARG;
    }
    memcpy(info + n, prefix, lp);
    n += lp;
    memcpy(info + n, alg_name, la);
    n += la;
    info[n++] = '|';
    memcpy(info + n, serial, ls);
    n += ls;
    info[n++] = '|';
    info[n++] = counter;
    brski_err rv = brski_hkdf_sha256(brski_slice_str(SEED_SALT), seed,
                                     brski_slice_make(info, n), out, 32);
    brski_memwipe(info, sizeof(info));
    return rv;
}

static bool scalar_in_range(const uint8_t d[32])
{
    bool zero = true;
    for (size_t i = 0; i < 32; i++) {
        zero = zero && d[i] == 0;
    }
    if (zero) {
        return false;
    }
    /* Big-endian d < n. */
    for (size_t i = 0; i < 32; i++) {
        if (d[i] != p256_n[i]) {
            return d[i] < p256_n[i];
        }
    }
    return false;
}

/* RFC 5915 ECPrivateKey { 1, d, [0] prime256v1 } (public key computed on load). */
static brski_err p256_der(const uint8_t d[32], brski_buf *out)
{
    size_t m = 0, p0 = 0;
    brski_err rv = brski_der_begin(out, BRSKI_DER_SEQUENCE, &m);
    if (rv == BRSKI_OK) {
        rv = brski_der_put_u64(out, 1);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_put(out, BRSKI_DER_OCTET_STRING, brski_slice_make(d, 32));
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_begin(out, BRSKI_DER_CONTEXT_CONS(0), &p0);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_put_oid(out, "1.2.840.10045.3.1.7");
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(out, p0);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(out, m);
    }
    return rv;
}

/* RFC 8410 PKCS#8 { 0, { id-Ed25519 }, OCTET STRING { OCTET STRING seed } }. */
static brski_err ed25519_der(const uint8_t k[32], brski_buf *out)
{
    size_t m = 0, alg = 0, pk = 0;
    brski_err rv = brski_der_begin(out, BRSKI_DER_SEQUENCE, &m);
    if (rv == BRSKI_OK) {
        rv = brski_der_put_u64(out, 0);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_begin(out, BRSKI_DER_SEQUENCE, &alg);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_put_oid(out, "1.3.101.112");
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(out, alg);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_begin(out, BRSKI_DER_OCTET_STRING, &pk);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_put(out, BRSKI_DER_OCTET_STRING, brski_slice_make(k, 32));
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(out, pk);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(out, m);
    }
    return rv;
}

brski_err brski_seedkey_derive(brski_key_alg alg, brski_slice seed, const char *serial,
                               brski_signer **out, unsigned *counter_out)
{
    uint8_t k[32];
    brski_buf der;
    brski_err rv;
    unsigned counter = 0;

    if (out == NULL || seed.len != BRSKI_SEED_LEN || seed.p == NULL || !serial_ok(serial)) {
        return BRSKI_ERR_ARG;
    }
    if (alg != BRSKI_ALG_P256 && alg != BRSKI_ALG_ED25519) {
        return BRSKI_ERR_UNSUPPORTED;
    }
    brski_buf_init(&der, 256);
    if (alg == BRSKI_ALG_P256) {
        /* Rejection sampling: a candidate outside [1, n-1] moves to the next
         * counter (probability about 2^-32 per try). */
        for (;;) {
            rv = derive(seed, "p256", serial, (uint8_t)counter, k);
            if (rv != BRSKI_OK || scalar_in_range(k)) {
                break;
            }
            if (++counter > 255) {
                rv = BRSKI_ERR_CRYPTO;
                break;
            }
        }
        if (rv == BRSKI_OK) {
            rv = p256_der(k, &der);
        }
    } else {
        rv = derive(seed, "ed25519", serial, 0, k);
        if (rv == BRSKI_OK) {
            rv = ed25519_der(k, &der);
        }
    }
    if (rv == BRSKI_OK) {
        rv = brski_signer_from_bytes(brski_buf_slice(&der), out);
    }
    if (rv == BRSKI_OK && counter_out != NULL) {
        *counter_out = counter;
    }
    brski_memwipe(k, sizeof(k));
    brski_buf_wipe(&der);
    return rv;
}
