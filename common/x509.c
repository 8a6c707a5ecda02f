/*
 * x509.c - certificate, name and public-key handling (RFC 5280) on top of
 * our strict DER reader; signature checks with wolfCrypt.
 */
#include "brski/x509.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/ed25519.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/rsa.h>
#include <wolfssl/wolfcrypt/sha256.h>
#include <wolfssl/wolfcrypt/sha512.h>

#include "brski/codec.h"
#include "brski/der.h"
#include "brski/log.h"
#include "brski/opcount.h"
#include "brski/signer.h"
#include "brski/verify_cache.h"

#define OID_EC_PUBKEY BRSKI_OID_EC_PUBKEY
#define OID_RSA BRSKI_OID_RSA_ENCRYPTION
#define OID_ED25519 BRSKI_OID_ED25519
#define OID_ED448 BRSKI_OID_ED448

#define OID_EXT_SKI "2.5.29.14"
#define OID_EXT_KU "2.5.29.15"
#define OID_EXT_SAN "2.5.29.17"
#define OID_EXT_BC "2.5.29.19"
#define OID_EXT_NC "2.5.29.30"
#define OID_EXT_CP "2.5.29.32"
#define OID_EXT_AKI "2.5.29.35"
#define OID_EXT_EKU "2.5.29.37"

/* Largest RSA modulus we verify with (bits). */
#define RSA_MAX_BITS 8192u

typedef struct sig_alg_entry {
    brski_sig_alg alg;
    const char *oid;
    bool null_params; /* RSA: parameters NULL; ECDSA/EdDSA: absent */
    const char *name;
} sig_alg_entry;

static const sig_alg_entry sig_algs[] = {
    {BRSKI_SIG_ECDSA_SHA256, "1.2.840.10045.4.3.2", false, "ecdsa-with-SHA256"},
    {BRSKI_SIG_ECDSA_SHA384, "1.2.840.10045.4.3.3", false, "ecdsa-with-SHA384"},
    {BRSKI_SIG_ECDSA_SHA512, "1.2.840.10045.4.3.4", false, "ecdsa-with-SHA512"},
    {BRSKI_SIG_ED25519, OID_ED25519, false, "Ed25519"},
    {BRSKI_SIG_RSA_SHA256, "1.2.840.113549.1.1.11", true, "sha256WithRSAEncryption"},
    {BRSKI_SIG_RSA_SHA384, "1.2.840.113549.1.1.12", true, "sha384WithRSAEncryption"},
    {BRSKI_SIG_RSA_SHA512, "1.2.840.113549.1.1.13", true, "sha512WithRSAEncryption"},
    {BRSKI_SIG_RSA_SHA1, "1.2.840.113549.1.1.5", true, "sha1WithRSAEncryption"},
    {BRSKI_SIG_ECDSA_SHA1, "1.2.840.10045.4.1", false, "ecdsa-with-SHA1"},
    {BRSKI_SIG_ED448, OID_ED448, false, "Ed448"},
};

const char *brski_sig_alg_name(brski_sig_alg alg)
{
    for (size_t i = 0; i < sizeof(sig_algs) / sizeof(sig_algs[0]); i++) {
        if (sig_algs[i].alg == alg) {
            return sig_algs[i].name;
        }
    }
    return "unknown";
}

const char *brski_sig_alg_oid(brski_sig_alg alg, bool *null_params)
{
    for (size_t i = 0; i < sizeof(sig_algs) / sizeof(sig_algs[0]); i++) {
        if (sig_algs[i].alg == alg) {
            *null_params = sig_algs[i].null_params;
            return sig_algs[i].oid;
        }
    }
    *null_params = false;
    return NULL;
}

const char *brski_key_type_name(brski_key_type type)
{
    switch (type) {
    case BRSKI_KEY_EC:
        return "ec";
    case BRSKI_KEY_ED25519:
        return "ed25519";
    case BRSKI_KEY_ED448:
        return "ed448";
    case BRSKI_KEY_RSA:
        return "rsa";
    case BRSKI_KEY_OTHER:
        return "other";
    case BRSKI_KEY_NONE:
    default:
        return "none";
    }
}

/*
 * Parses an AlgorithmIdentifier (whole TLV in |in|) for a signature.
 * Unknown OIDs give BRSKI_SIG_UNKNOWN (not an error: policy names them).
 */
static brski_err parse_sig_alg_id(brski_slice *in, brski_sig_alg *alg, brski_slice *whole)
{
    brski_slice seq;
    brski_slice oid;
    brski_err rv = brski_der_expect(in, BRSKI_DER_SEQUENCE, &seq, whole);
    if (rv == BRSKI_OK) {
        rv = brski_der_expect(&seq, BRSKI_DER_OID, &oid, NULL);
    }
    if (rv != BRSKI_OK) {
        return BRSKI_ERR_MALFORMED;
    }
    *alg = BRSKI_SIG_UNKNOWN;
    for (size_t i = 0; i < sizeof(sig_algs) / sizeof(sig_algs[0]); i++) {
        if (!brski_der_oid_eq(oid, sig_algs[i].oid)) {
            continue;
        }
        if (sig_algs[i].null_params) {
            /* RFC 4055 5: "the parameters MUST be NULL" (absent tolerated by many). */
            brski_slice nul;
            if (seq.len > 0 && (brski_der_expect(&seq, BRSKI_DER_NULL, &nul, NULL) != BRSKI_OK ||
                                nul.len != 0)) {
                return BRSKI_ERR_MALFORMED;
            }
        }
        /* RFC 5758 3.2 / RFC 8410 3: parameters absent for ECDSA and EdDSA. */
        if (seq.len != 0) {
            return BRSKI_ERR_MALFORMED;
        }
        *alg = sig_algs[i].alg;
        return BRSKI_OK;
    }
    return BRSKI_OK;
}

/* Bit length of a big-endian unsigned magnitude. */
static unsigned bit_length(brski_slice m)
{
    size_t i = 0;
    while (i < m.len && m.p[i] == 0) {
        i++;
    }
    if (i == m.len) {
        return 0;
    }
    unsigned bits = (unsigned)((m.len - i - 1) * 8);
    for (uint8_t b = m.p[i]; b != 0; b = (uint8_t)(b >> 1)) {
        bits++;
    }
    return bits;
}

typedef struct spki_parts {
    brski_key_type type;
    unsigned bits;
    int curve_id;      /* wolfCrypt ECC curve id */
    brski_slice key;   /* subjectPublicKey bits */
    brski_slice rsa_n; /* RSA modulus INTEGER content */
    brski_slice rsa_e;
} spki_parts;

static brski_err parse_spki(brski_slice spki, spki_parts *out)
{
    memset(out, 0, sizeof(*out));
    brski_slice in = spki;
    brski_slice seq;
    brski_slice alg;
    brski_slice oid;
    brski_slice bits_c;
    if (brski_der_expect(&in, BRSKI_DER_SEQUENCE, &seq, NULL) != BRSKI_OK || in.len != 0 ||
        brski_der_expect(&seq, BRSKI_DER_SEQUENCE, &alg, NULL) != BRSKI_OK ||
        brski_der_expect(&seq, BRSKI_DER_BIT_STRING, &bits_c, NULL) != BRSKI_OK || seq.len != 0 ||
        brski_der_expect(&alg, BRSKI_DER_OID, &oid, NULL) != BRSKI_OK ||
        brski_der_bitstring(bits_c, false, &out->key, NULL) != BRSKI_OK) {
        return BRSKI_ERR_MALFORMED;
    }
    if (brski_der_oid_eq(oid, OID_EC_PUBKEY)) {
        static const struct {
            const char *oid;
            int id;
            unsigned bits;
        } curves[] = {
            {"1.2.840.10045.3.1.7", ECC_SECP256R1, 256},
            {"1.3.132.0.34", ECC_SECP384R1, 384},
            {"1.3.132.0.35", ECC_SECP521R1, 521},
            {"1.3.132.0.33", ECC_SECP224R1, 224},
            {"1.2.840.10045.3.1.1", ECC_SECP192R1, 192},
        };
        brski_slice curve;
        if (brski_der_expect(&alg, BRSKI_DER_OID, &curve, NULL) != BRSKI_OK || alg.len != 0) {
            /* RFC 5480 2.1.1: namedCurve only. */
            return BRSKI_ERR_MALFORMED;
        }
        out->type = BRSKI_KEY_OTHER;
        for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++) {
            if (brski_der_oid_eq(curve, curves[i].oid)) {
                out->type = BRSKI_KEY_EC;
                out->bits = curves[i].bits;
                out->curve_id = curves[i].id;
                size_t flen = (curves[i].bits + 7) / 8;
                /* RFC 5480 2.2: uncompressed 0x04||X||Y (compressed accepted by length). */
                if (!((out->key.len == 1 + 2 * flen && out->key.p[0] == 0x04) ||
                      (out->key.len == 1 + flen && (out->key.p[0] == 0x02 ||
                                                    out->key.p[0] == 0x03)))) {
                    return BRSKI_ERR_MALFORMED;
                }
            }
        }
        return BRSKI_OK;
    }
    if (brski_der_oid_eq(oid, OID_ED25519) || brski_der_oid_eq(oid, OID_ED448)) {
        bool e25519 = brski_der_oid_eq(oid, OID_ED25519);
        /* RFC 8410 3: "the parameters MUST be absent". */
        if (alg.len != 0 || out->key.len != (e25519 ? 32u : 57u)) {
            return BRSKI_ERR_MALFORMED;
        }
        out->type = e25519 ? BRSKI_KEY_ED25519 : BRSKI_KEY_ED448;
        out->bits = e25519 ? 256 : 456;
        return BRSKI_OK;
    }
    if (brski_der_oid_eq(oid, OID_RSA)) {
        brski_slice nul;
        brski_slice rk = out->key;
        brski_slice rseq;
        if (brski_der_expect(&alg, BRSKI_DER_NULL, &nul, NULL) != BRSKI_OK || nul.len != 0 ||
            alg.len != 0 || brski_der_expect(&rk, BRSKI_DER_SEQUENCE, &rseq, NULL) != BRSKI_OK ||
            rk.len != 0 ||
            brski_der_expect(&rseq, BRSKI_DER_INTEGER, &out->rsa_n, NULL) != BRSKI_OK ||
            brski_der_expect(&rseq, BRSKI_DER_INTEGER, &out->rsa_e, NULL) != BRSKI_OK ||
            rseq.len != 0 || !brski_der_int_is_minimal(out->rsa_n) ||
            !brski_der_int_is_minimal(out->rsa_e) || (out->rsa_n.p[0] & 0x80u) != 0 ||
            (out->rsa_e.p[0] & 0x80u) != 0) {
            return BRSKI_ERR_MALFORMED;
        }
        out->type = BRSKI_KEY_RSA;
        out->bits = bit_length(out->rsa_n);
        return BRSKI_OK;
    }
    out->type = BRSKI_KEY_OTHER;
    return BRSKI_OK;
}

brski_err brski_spki_info(brski_slice spki, brski_key_type *type, unsigned *bits)
{
    spki_parts sp;
    brski_err rv = parse_spki(spki, &sp);
    if (rv != BRSKI_OK) {
        return rv;
    }
    if (type != NULL) {
        *type = sp.type;
    }
    if (bits != NULL) {
        *bits = sp.bits;
    }
    return BRSKI_OK;
}

brski_err brski_sha256(brski_slice data, uint8_t out[32])
{
    if (wc_Sha256Hash(data.p, (word32)data.len, out) != 0) {
        return BRSKI_ERR_CRYPTO;
    }
    return BRSKI_OK;
}

/* Digest of |alg| and its OID (for a DigestInfo). */
static brski_err sig_digest(brski_sig_alg alg, enum wc_HashType *ht, const char **oid)
{
    switch (alg) {
    case BRSKI_SIG_ECDSA_SHA256:
    case BRSKI_SIG_RSA_SHA256:
        *ht = WC_HASH_TYPE_SHA256;
        *oid = "2.16.840.1.101.3.4.2.1";
        return BRSKI_OK;
    case BRSKI_SIG_ECDSA_SHA384:
    case BRSKI_SIG_RSA_SHA384:
        *ht = WC_HASH_TYPE_SHA384;
        *oid = "2.16.840.1.101.3.4.2.2";
        return BRSKI_OK;
    case BRSKI_SIG_ECDSA_SHA512:
    case BRSKI_SIG_RSA_SHA512:
        *ht = WC_HASH_TYPE_SHA512;
        *oid = "2.16.840.1.101.3.4.2.3";
        return BRSKI_OK;
    case BRSKI_SIG_ECDSA_SHA1:
    case BRSKI_SIG_RSA_SHA1:
        *ht = WC_HASH_TYPE_SHA;
        *oid = "1.3.14.3.2.26";
        return BRSKI_OK;
    default:
        return BRSKI_ERR_UNSUPPORTED;
    }
}

brski_err brski_sig_hash(brski_sig_alg alg, brski_slice msg, uint8_t *out, size_t *out_len)
{
    enum wc_HashType ht;
    const char *oid = NULL;
    brski_err rv = sig_digest(alg, &ht, &oid);
    if (rv != BRSKI_OK) {
        return rv;
    }
    int n = wc_HashGetDigestSize(ht);
    if (msg.p == NULL) {
        msg.p = (const uint8_t *)"";
    }
    if (n <= 0 || wc_Hash(ht, msg.p, (word32)msg.len, out, (word32)n) != 0) {
        return BRSKI_ERR_CRYPTO;
    }
    *out_len = (size_t)n;
    return BRSKI_OK;
}

brski_err brski_rsa_digest_info(brski_sig_alg alg, brski_slice msg, brski_buf *out)
{
    enum wc_HashType ht;
    const char *oid = NULL;
    uint8_t hash[WC_MAX_DIGEST_SIZE];
    size_t hlen = 0;
    brski_err rv = sig_digest(alg, &ht, &oid);
    if (rv == BRSKI_OK) {
        rv = brski_sig_hash(alg, msg, hash, &hlen);
    }
    if (rv != BRSKI_OK) {
        return rv;
    }
    size_t start = out->len;
    size_t m1 = 0;
    size_t m2 = 0;
    rv = brski_der_begin(out, BRSKI_DER_SEQUENCE, &m1);
    if (rv == BRSKI_OK) {
        rv = brski_der_begin(out, BRSKI_DER_SEQUENCE, &m2);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_put_oid(out, oid);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_put(out, BRSKI_DER_NULL, brski_slice_make(NULL, 0));
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(out, m2);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_put(out, BRSKI_DER_OCTET_STRING, brski_slice_make(hash, hlen));
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(out, m1);
    }
    if (rv != BRSKI_OK) {
        out->len = start;
    }
    return rv;
}

/* Strict ECDSA-Sig-Value: SEQUENCE { r INTEGER, s INTEGER }, both positive and minimal. */
static bool ecdsa_der_ok(brski_slice sig, size_t flen)
{
    brski_slice in = sig;
    brski_slice seq;
    brski_slice r;
    brski_slice s;
    if (brski_der_expect(&in, BRSKI_DER_SEQUENCE, &seq, NULL) != BRSKI_OK || in.len != 0 ||
        brski_der_expect(&seq, BRSKI_DER_INTEGER, &r, NULL) != BRSKI_OK ||
        brski_der_expect(&seq, BRSKI_DER_INTEGER, &s, NULL) != BRSKI_OK || seq.len != 0) {
        return false;
    }
    const brski_slice ints[2] = {r, s};
    for (size_t i = 0; i < 2; i++) {
        brski_slice v = ints[i];
        if (!brski_der_int_is_minimal(v) || (v.p[0] & 0x80u) != 0 || v.len > flen + 1) {
            return false;
        }
    }
    return true;
}

static brski_err verify_ecdsa(const spki_parts *sp, brski_sig_alg alg, brski_sig_format fmt,
                              brski_slice msg, brski_slice sig)
{
    uint8_t hash[WC_MAX_DIGEST_SIZE];
    size_t hlen = 0;
    uint8_t der[2 * 67 + 16];
    word32 der_len = sizeof(der);
    size_t flen = (sp->bits + 7) / 8;
    ecc_key key;
    int ok = 0;
    brski_err rv = brski_sig_hash(alg, msg, hash, &hlen);
    if (rv != BRSKI_OK) {
        return rv;
    }
    if (fmt == BRSKI_SIG_FMT_RAW) {
        /* RFC 8152 8.1 / RFC 7518 3.4: r||s, each exactly the field width. */
        if (sig.len != 2 * flen) {
            return BRSKI_ERR_CRYPTO;
        }
        if (wc_ecc_rs_raw_to_sig(sig.p, (word32)flen, sig.p + flen, (word32)flen, der,
                                 &der_len) != 0) {
            return BRSKI_ERR_CRYPTO;
        }
    } else {
        if (!ecdsa_der_ok(sig, flen) || sig.len > sizeof(der)) {
            return BRSKI_ERR_CRYPTO;
        }
        memcpy(der, sig.p, sig.len);
        der_len = (word32)sig.len;
    }
    if (wc_ecc_init(&key) != 0) {
        return BRSKI_ERR_INTERNAL;
    }
    rv = BRSKI_ERR_CRYPTO;
    if (wc_ecc_import_x963_ex(sp->key.p, (word32)sp->key.len, &key, sp->curve_id) == 0 &&
        wc_ecc_verify_hash(der, der_len, hash, (word32)hlen, &ok, &key) == 0 && ok == 1) {
        rv = BRSKI_OK;
    }
    wc_ecc_free(&key);
    return rv;
}

/* RFC 8032 5.1.7: "check that 0 <= S < L"; L little-endian. */
static bool ed25519_s_canonical(const uint8_t s[32])
{
    static const uint8_t l[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58,
                                  0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
                                  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};
    for (size_t i = 32; i > 0; i--) {
        if (s[i - 1] < l[i - 1]) {
            return true;
        }
        if (s[i - 1] > l[i - 1]) {
            return false;
        }
    }
    return false; /* S == L */
}

static brski_err verify_ed25519(const spki_parts *sp, brski_slice msg, brski_slice sig)
{
    if (sig.len != ED25519_SIG_SIZE || sp->key.len != ED25519_PUB_KEY_SIZE) {
        return BRSKI_ERR_CRYPTO;
    }
    if (!ed25519_s_canonical(sig.p + 32)) {
        brski_log(BRSKI_LOG_WARN, "x509: RFC 8032 5.1.7: Ed25519 signature S >= L");
        return BRSKI_ERR_CRYPTO;
    }
    ed25519_key key;
    int ok = 0;
    if (wc_ed25519_init(&key) != 0) {
        return BRSKI_ERR_INTERNAL;
    }
    brski_err rv = BRSKI_ERR_CRYPTO;
    if (wc_ed25519_import_public(sp->key.p, (word32)sp->key.len, &key) == 0 &&
        wc_ed25519_verify_msg(sig.p, (word32)sig.len, msg.p, (word32)msg.len, &ok, &key) == 0 &&
        ok == 1) {
        rv = BRSKI_OK;
    }
    wc_ed25519_free(&key);
    return rv;
}

/* Skips leading zero octets of an INTEGER content. */
static brski_slice int_magnitude(brski_slice v)
{
    while (v.len > 1 && v.p[0] == 0) {
        v.p++;
        v.len--;
    }
    return v;
}

static brski_err verify_rsa(const spki_parts *sp, brski_sig_alg alg, brski_slice msg,
                            brski_slice sig)
{
    brski_slice n = int_magnitude(sp->rsa_n);
    brski_slice e = int_magnitude(sp->rsa_e);
    /* RFC 8017 8.2.2 step 1: the signature has the modulus length. */
    if (sp->bits < 1024 || sp->bits > RSA_MAX_BITS || sig.len != n.len) {
        return BRSKI_ERR_CRYPTO;
    }
    /*
     * RFC 8017 5.2.2 (RSAVP1) step 1: "If the signature representative s is
     * not between 0 and n - 1, output 'signature representative out of
     * range'". wolfCrypt 5.5.4 accepts s + n (Wycheproof tcId 244).
     */
    if (memcmp(sig.p, n.p, n.len) >= 0) {
        brski_log(BRSKI_LOG_WARN, "x509: RFC 8017 5.2.2: RSA signature not below the modulus");
        return BRSKI_ERR_CRYPTO;
    }
    brski_buf di;
    brski_buf_init(&di, 128);
    brski_err rv = brski_rsa_digest_info(alg, msg, &di);
    if (rv != BRSKI_OK) {
        brski_buf_clear(&di);
        return rv;
    }
    RsaKey key;
    uint8_t *out = malloc(sig.len);
    if (out == NULL) {
        brski_buf_clear(&di);
        return BRSKI_ERR_NOMEM;
    }
    if (wc_InitRsaKey(&key, NULL) != 0) {
        free(out);
        brski_buf_clear(&di);
        return BRSKI_ERR_INTERNAL;
    }
    rv = BRSKI_ERR_CRYPTO;
    if (wc_RsaPublicKeyDecodeRaw(n.p, (word32)n.len, e.p, (word32)e.len, &key) == 0) {
        int got = wc_RsaSSL_Verify(sig.p, (word32)sig.len, out, (word32)sig.len, &key);
        if (got > 0 && (size_t)got == di.len && memcmp(out, di.p, di.len) == 0) {
            rv = BRSKI_OK;
        }
    }
    wc_FreeRsaKey(&key);
    free(out);
    brski_buf_clear(&di);
    return rv;
}

static brski_err pubkey_verify(brski_slice spki, brski_sig_alg alg, brski_sig_format fmt,
                               brski_slice msg, brski_slice sig)
{
    spki_parts sp;
    if (parse_spki(spki, &sp) != BRSKI_OK) {
        return BRSKI_ERR_MALFORMED;
    }
    brski_opcount_add(BRSKI_OP_VERIFY, brski_opcount_alg(sp.type, sp.bits));
    if (msg.p == NULL) {
        msg.p = (const uint8_t *)"";
    }
    switch (alg) {
    case BRSKI_SIG_ECDSA_SHA256:
    case BRSKI_SIG_ECDSA_SHA384:
    case BRSKI_SIG_ECDSA_SHA512:
    case BRSKI_SIG_ECDSA_SHA1:
        if (sp.type != BRSKI_KEY_EC) {
            return BRSKI_ERR_CRYPTO;
        }
        return verify_ecdsa(&sp, alg, fmt, msg, sig);
    case BRSKI_SIG_ED25519:
        if (sp.type != BRSKI_KEY_ED25519) {
            return BRSKI_ERR_CRYPTO;
        }
        return verify_ed25519(&sp, msg, sig);
    case BRSKI_SIG_RSA_SHA256:
    case BRSKI_SIG_RSA_SHA384:
    case BRSKI_SIG_RSA_SHA512:
    case BRSKI_SIG_RSA_SHA1:
        if (sp.type != BRSKI_KEY_RSA) {
            return BRSKI_ERR_CRYPTO;
        }
        return verify_rsa(&sp, alg, msg, sig);
    case BRSKI_SIG_ED448:
    case BRSKI_SIG_UNKNOWN:
    case BRSKI_SIG__COUNT:
    default:
        return BRSKI_ERR_UNSUPPORTED;
    }
}

brski_err brski_pubkey_verify(brski_slice spki, brski_sig_alg alg, brski_sig_format fmt,
                              brski_slice msg, brski_slice sig)
{
    uint8_t key[BRSKI_VERIFY_CACHE_KEY];
    brski_err rv;

    /* The same signature is often checked again: see brski/verify_cache.h. */
    if (brski_verify_cache_hit(spki, (int)alg, (int)fmt, msg, sig, key)) {
        return BRSKI_OK;
    }
    rv = pubkey_verify(spki, alg, fmt, msg, sig);
    if (rv == BRSKI_OK) {
        brski_verify_cache_add(key);
    }
    return rv;
}

brski_err brski_cert_verify_signed_by(const brski_cert *child, const brski_cert *issuer)
{
    if (child == NULL || issuer == NULL) {
        return BRSKI_ERR_ARG;
    }
    /*
     * RFC 5280 4.1.1.2: the signatureAlgorithm field "MUST contain the same
     * algorithm identifier as the signature field in the sequence
     * tbsCertificate".
     */
    if (!child->sig_alg_match) {
        brski_log(BRSKI_LOG_WARN, "x509: RFC 5280 4.1.1.2: signature algorithm mismatch");
        return BRSKI_ERR_CRYPTO;
    }
    return brski_pubkey_verify(issuer->spki, child->sig_alg, BRSKI_SIG_FMT_DER, child->tbs,
                               child->signature);
}

/* ---- names ---- */

/* RFC 3629 4: well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
static bool utf8_valid(brski_slice v)
{
    size_t i = 0;
    while (i < v.len) {
        uint8_t b = v.p[i];
        size_t n;
        uint32_t cp;
        if (b < 0x80u) {
            i++;
            continue;
        } else if (b >= 0xc2u && b <= 0xdfu) {
            n = 1;
            cp = b & 0x1fu;
        } else if (b >= 0xe0u && b <= 0xefu) {
            n = 2;
            cp = b & 0x0fu;
        } else if (b >= 0xf0u && b <= 0xf4u) {
            n = 3;
            cp = b & 0x07u;
        } else {
            return false;
        }
        if (v.len - i - 1 < n) {
            return false;
        }
        for (size_t k = 1; k <= n; k++) {
            uint8_t c = v.p[i + k];
            if ((c & 0xc0u) != 0x80u) {
                return false;
            }
            cp = (cp << 6) | (c & 0x3fu);
        }
        if ((n == 2 && cp < 0x800u) || (n == 3 && (cp < 0x10000u || cp > 0x10ffffu)) ||
            (cp >= 0xd800u && cp <= 0xdfffu)) {
            return false;
        }
        i += n + 1;
    }
    return true;
}

/* Copies a directory string value to UTF-8 text; BMPString converted, NUL rejected. */
static brski_err string_value(uint8_t tag, brski_slice v, char *out, size_t cap)
{
    size_t pos = 0;
    if (tag == BRSKI_DER_BMP_STRING) {
        if (v.len % 2 != 0) {
            return BRSKI_ERR_MALFORMED;
        }
        for (size_t i = 0; i < v.len; i += 2) {
            unsigned c = ((unsigned)v.p[i] << 8) | v.p[i + 1];
            uint8_t enc[3];
            size_t n;
            if (c == 0 || (c >= 0xd800u && c <= 0xdfffu)) {
                return BRSKI_ERR_MALFORMED;
            }
            if (c < 0x80u) {
                enc[0] = (uint8_t)c;
                n = 1;
            } else if (c < 0x800u) {
                enc[0] = (uint8_t)(0xc0u | (c >> 6));
                enc[1] = (uint8_t)(0x80u | (c & 0x3fu));
                n = 2;
            } else {
                enc[0] = (uint8_t)(0xe0u | (c >> 12));
                enc[1] = (uint8_t)(0x80u | ((c >> 6) & 0x3fu));
                enc[2] = (uint8_t)(0x80u | (c & 0x3fu));
                n = 3;
            }
            if (pos + n >= cap) {
                return BRSKI_ERR_TOOBIG;
            }
            memcpy(out + pos, enc, n);
            pos += n;
        }
        out[pos] = '\0';
        return BRSKI_OK;
    }
    if (tag != BRSKI_DER_PRINTABLE_STRING && tag != BRSKI_DER_UTF8_STRING &&
        tag != BRSKI_DER_IA5_STRING && tag != BRSKI_DER_T61_STRING) {
        return BRSKI_ERR_UNSUPPORTED;
    }
    if (tag == BRSKI_DER_UTF8_STRING && !utf8_valid(v)) {
        return BRSKI_ERR_MALFORMED;
    }
    if (v.len >= cap) {
        return BRSKI_ERR_TOOBIG;
    }
    for (size_t i = 0; i < v.len; i++) {
        if (v.p[i] == 0 || ((tag == BRSKI_DER_PRINTABLE_STRING || tag == BRSKI_DER_IA5_STRING) &&
                            v.p[i] >= 0x80u)) {
            return BRSKI_ERR_MALFORMED;
        }
    }
    if (v.len > 0) {
        memcpy(out, v.p, v.len);
    }
    out[v.len] = '\0';
    return BRSKI_OK;
}

/* Calls |fn| for each AttributeTypeAndValue of a Name; stops on non-OK. */
typedef brski_err (*atv_fn)(void *ctx, brski_slice oid, uint8_t tag, brski_slice value,
                            bool first);

static brski_err name_walk(brski_slice name, atv_fn fn, void *ctx)
{
    brski_slice in = name;
    brski_slice rdns;
    if (brski_der_expect(&in, BRSKI_DER_SEQUENCE, &rdns, NULL) != BRSKI_OK || in.len != 0) {
        return BRSKI_ERR_MALFORMED;
    }
    bool first = true;
    while (rdns.len > 0) {
        brski_slice set;
        if (brski_der_expect(&rdns, BRSKI_DER_SET, &set, NULL) != BRSKI_OK || set.len == 0) {
            return BRSKI_ERR_MALFORMED;
        }
        while (set.len > 0) {
            brski_slice atv;
            brski_slice oid;
            brski_slice val;
            uint8_t tag = 0;
            if (brski_der_expect(&set, BRSKI_DER_SEQUENCE, &atv, NULL) != BRSKI_OK ||
                brski_der_expect(&atv, BRSKI_DER_OID, &oid, NULL) != BRSKI_OK ||
                brski_der_read(&atv, &tag, &val, NULL) != BRSKI_OK || atv.len != 0) {
                return BRSKI_ERR_MALFORMED;
            }
            brski_err rv = fn(ctx, oid, tag, val, first);
            if (rv != BRSKI_OK) {
                return rv;
            }
            first = false;
        }
    }
    return BRSKI_OK;
}

typedef struct name_get_ctx {
    const char *oid;
    char *out;
    size_t cap;
    uint8_t *tag_out;
    bool found;
} name_get_ctx;

/* Sentinel to stop the walk after the first match. */
#define NAME_WALK_STOP BRSKI_ERR__COUNT

static brski_err name_get_cb(void *vctx, brski_slice oid, uint8_t tag, brski_slice value,
                             bool first)
{
    name_get_ctx *ctx = vctx;
    (void)first;
    if (!brski_der_oid_eq(oid, ctx->oid)) {
        return BRSKI_OK;
    }
    brski_err rv = string_value(tag, value, ctx->out, ctx->cap);
    if (rv != BRSKI_OK) {
        return rv;
    }
    if (ctx->tag_out != NULL) {
        *ctx->tag_out = tag;
    }
    ctx->found = true;
    return (brski_err)NAME_WALK_STOP;
}

brski_err brski_name_get(brski_slice name, const char *oid, char *out, size_t cap,
                         uint8_t *tag_out)
{
    if (oid == NULL || out == NULL || cap == 0) {
        return BRSKI_ERR_ARG;
    }
    out[0] = '\0';
    name_get_ctx ctx = {oid, out, cap, tag_out, false};
    brski_err rv = name_walk(name, name_get_cb, &ctx);
    if (ctx.found) {
        return BRSKI_OK;
    }
    out[0] = '\0';
    return rv == BRSKI_OK ? BRSKI_ERR_NOTFOUND : rv;
}

/* Structure and string encodings of every attribute (other value types pass). */
static brski_err name_check_cb(void *ctx, brski_slice oid, uint8_t tag, brski_slice value,
                               bool first)
{
    char tmp[1024];
    char oidtxt[BRSKI_OID_STR_MAX + 1];
    (void)ctx;
    (void)first;
    if (brski_der_oid_to_str(oid, oidtxt, sizeof(oidtxt)) != BRSKI_OK) {
        return BRSKI_ERR_MALFORMED;
    }
    return string_value(tag, value, tmp, sizeof(tmp)) == BRSKI_ERR_MALFORMED ? BRSKI_ERR_MALFORMED
                                                                           : BRSKI_OK;
}

typedef struct name_str_ctx {
    brski_buf *b;
} name_str_ctx;

static const char *attr_short_name(brski_slice oid)
{
    static const struct {
        const char *oid;
        const char *name;
    } names[] = {
        {BRSKI_OID_AT_CN, "CN"},
        {BRSKI_OID_AT_SERIAL_NUMBER, "serialNumber"},
        {BRSKI_OID_AT_O, "O"},
        {BRSKI_OID_AT_OU, "OU"},
        {BRSKI_OID_AT_C, "C"},
        {"2.5.4.7", "L"},
        {"2.5.4.8", "ST"},
        {"2.5.4.9", "street"},
        {"0.9.2342.19200300.100.1.25", "DC"},
        {"0.9.2342.19200300.100.1.1", "UID"},
        {"1.2.840.113549.1.9.1", "emailAddress"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (brski_der_oid_eq(oid, names[i].oid)) {
            return names[i].name;
        }
    }
    return NULL;
}

static brski_err name_str_cb(void *vctx, brski_slice oid, uint8_t tag, brski_slice value,
                             bool first)
{
    name_str_ctx *ctx = vctx;
    char text[1024];
    char oidtxt[BRSKI_OID_STR_MAX + 1];
    brski_err rv = BRSKI_OK;
    const char *label = attr_short_name(oid);
    if (label == NULL) {
        rv = brski_der_oid_to_str(oid, oidtxt, sizeof(oidtxt));
        label = oidtxt;
    }
    if (rv == BRSKI_OK && !first) {
        rv = brski_buf_append_str(ctx->b, ", ");
    }
    if (rv == BRSKI_OK) {
        rv = brski_buf_printf(ctx->b, "%s=", label);
    }
    if (rv != BRSKI_OK) {
        return rv;
    }
    if (string_value(tag, value, text, sizeof(text)) != BRSKI_OK) {
        /* RFC 4514 2.4: values we cannot render as strings go out as #hex. */
        rv = brski_buf_append_byte(ctx->b, '#');
        for (size_t i = 0; rv == BRSKI_OK && i < value.len; i++) {
            rv = brski_buf_printf(ctx->b, "%02x", value.p[i]);
        }
        return rv;
    }
    size_t n = strlen(text);
    for (size_t i = 0; rv == BRSKI_OK && i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        bool esc = strchr(",+\"\\<>;=", c) != NULL || (i == 0 && (c == '#' || c == ' ')) ||
                   (i == n - 1 && c == ' ');
        if (c < 0x20u || c == 0x7fu) {
            rv = brski_buf_printf(ctx->b, "\\%02X", c);
        } else if (esc) {
            rv = brski_buf_append_byte(ctx->b, '\\');
            if (rv == BRSKI_OK) {
                rv = brski_buf_append_byte(ctx->b, c);
            }
        } else {
            rv = brski_buf_append_byte(ctx->b, c);
        }
    }
    return rv;
}

brski_err brski_name_to_str(brski_slice name, char *out, size_t cap)
{
    if (out == NULL || cap == 0) {
        return BRSKI_ERR_ARG;
    }
    out[0] = '\0';
    brski_buf b;
    brski_buf_init(&b, 8192);
    name_str_ctx ctx = {&b};
    brski_err rv = name_walk(name, name_str_cb, &ctx);
    if (rv == BRSKI_OK && b.len >= cap) {
        rv = BRSKI_ERR_TOOBIG;
    }
    if (rv == BRSKI_OK) {
        if (b.len > 0) {
            memcpy(out, b.p, b.len);
        }
        out[b.len] = '\0';
    }
    brski_buf_clear(&b);
    return rv;
}

/* ---- certificates ---- */

static brski_err bad(const char *what)
{
    brski_log(BRSKI_LOG_WARN, "x509: RFC 5280 4.1: malformed %s", what);
    return BRSKI_ERR_MALFORMED;
}

static brski_err copy_text(brski_slice v, char *out, size_t cap)
{
    if (v.len >= cap) {
        return BRSKI_ERR_UNSUPPORTED;
    }
    for (size_t i = 0; i < v.len; i++) {
        if (v.p[i] < 0x20u || v.p[i] >= 0x7fu) {
            return BRSKI_ERR_MALFORMED;
        }
    }
    if (v.len > 0) {
        memcpy(out, v.p, v.len);
    }
    out[v.len] = '\0';
    return BRSKI_OK;
}

static brski_err ext_basic_constraints(brski_cert *c, brski_slice v)
{
    brski_slice seq;
    if (brski_der_expect(&v, BRSKI_DER_SEQUENCE, &seq, NULL) != BRSKI_OK || v.len != 0) {
        return bad("basicConstraints");
    }
    c->has_basic_constraints = true;
    c->is_ca = false;
    c->path_len = -1;
    brski_slice x;
    if (brski_der_peek(seq, BRSKI_DER_BOOLEAN)) {
        /* DER: a DEFAULT FALSE value is omitted, so an encoded cA must be TRUE. */
        if (brski_der_expect(&seq, BRSKI_DER_BOOLEAN, &x, NULL) != BRSKI_OK ||
            brski_der_bool(x, &c->is_ca) != BRSKI_OK || !c->is_ca) {
            return bad("basicConstraints cA");
        }
    }
    if (brski_der_peek(seq, BRSKI_DER_INTEGER)) {
        uint64_t pl = 0;
        if (brski_der_expect(&seq, BRSKI_DER_INTEGER, &x, NULL) != BRSKI_OK ||
            brski_der_int_u64(x, &pl) != BRSKI_OK || pl > 255) {
            return bad("basicConstraints pathLenConstraint");
        }
        c->path_len = (int)pl;
    }
    if (seq.len != 0) {
        return bad("basicConstraints");
    }
    return BRSKI_OK;
}

static brski_err ext_key_usage(brski_cert *c, brski_slice v)
{
    brski_slice bs;
    brski_slice bits;
    if (brski_der_expect(&v, BRSKI_DER_BIT_STRING, &bs, NULL) != BRSKI_OK || v.len != 0 ||
        brski_der_bitstring(bs, true, &bits, NULL) != BRSKI_OK || bits.len > 2) {
        return bad("keyUsage");
    }
    /* DER named bit list: trailing zero bytes would not be minimal. */
    if (bits.len > 0 && bits.p[bits.len - 1] == 0) {
        return bad("keyUsage");
    }
    uint16_t mask = 0;
    /* RFC 5280 4.2.1.3: "at least one of the bits MUST be set to 1". */
    if (bits.len == 0) {
        return bad("keyUsage (no bits)");
    }
    for (unsigned i = 0; i < 9; i++) {
        size_t byte = i / 8;
        if (byte < bits.len && (bits.p[byte] & (0x80u >> (i % 8))) != 0) {
            mask = (uint16_t)(mask | (1u << i));
        }
    }
    c->has_key_usage = true;
    c->key_usage = mask;
    return BRSKI_OK;
}

static brski_err ext_eku(brski_cert *c, brski_slice v)
{
    brski_slice seq;
    if (brski_der_expect(&v, BRSKI_DER_SEQUENCE, &seq, NULL) != BRSKI_OK || v.len != 0 ||
        seq.len == 0) {
        return bad("extKeyUsage");
    }
    c->has_eku = true;
    while (seq.len > 0) {
        brski_slice oid;
        if (brski_der_expect(&seq, BRSKI_DER_OID, &oid, NULL) != BRSKI_OK) {
            return bad("extKeyUsage");
        }
        if (c->eku_count >= BRSKI_X509_MAX_EKU) {
            brski_log(BRSKI_LOG_WARN, "x509: more than %d extKeyUsage OIDs", BRSKI_X509_MAX_EKU);
            return BRSKI_ERR_UNSUPPORTED;
        }
        brski_err rv = brski_der_oid_to_str(oid, c->eku[c->eku_count], sizeof(c->eku[0]));
        if (rv != BRSKI_OK) {
            return rv == BRSKI_ERR_TOOBIG ? BRSKI_ERR_UNSUPPORTED : bad("extKeyUsage OID");
        }
        c->eku_count++;
    }
    return BRSKI_OK;
}

static brski_err ext_aki(brski_cert *c, brski_slice v)
{
    brski_slice seq;
    if (brski_der_expect(&v, BRSKI_DER_SEQUENCE, &seq, NULL) != BRSKI_OK || v.len != 0) {
        return bad("authorityKeyIdentifier");
    }
    if (brski_der_peek(seq, BRSKI_DER_CONTEXT(0))) {
        if (brski_der_expect(&seq, BRSKI_DER_CONTEXT(0), &c->aki_key_id, NULL) != BRSKI_OK) {
            return bad("authorityKeyIdentifier");
        }
    }
    brski_slice x;
    if (brski_der_peek(seq, BRSKI_DER_CONTEXT_CONS(1)) &&
        brski_der_expect(&seq, BRSKI_DER_CONTEXT_CONS(1), &x, NULL) != BRSKI_OK) {
        return bad("authorityKeyIdentifier");
    }
    if (brski_der_peek(seq, BRSKI_DER_CONTEXT(2)) &&
        brski_der_expect(&seq, BRSKI_DER_CONTEXT(2), &x, NULL) != BRSKI_OK) {
        return bad("authorityKeyIdentifier");
    }
    if (seq.len != 0) {
        return bad("authorityKeyIdentifier");
    }
    return BRSKI_OK;
}

static brski_err ext_san(brski_cert *c, brski_slice v)
{
    brski_slice seq;
    if (brski_der_expect(&v, BRSKI_DER_SEQUENCE, &seq, NULL) != BRSKI_OK || v.len != 0 ||
        seq.len == 0) {
        return bad("subjectAltName");
    }
    while (seq.len > 0) {
        uint8_t tag = 0;
        brski_slice gn;
        if (brski_der_read(&seq, &tag, &gn, NULL) != BRSKI_OK) {
            return bad("subjectAltName");
        }
        if (tag == BRSKI_DER_CONTEXT(7)) {
            /* iPAddress [7] IMPLICIT OCTET STRING: 4 or 16 octets (RFC 5280 4.2.1.6). */
            if (gn.len != 4 && gn.len != 16) {
                return bad("subjectAltName iPAddress");
            }
            if (c->san_ip_count >= BRSKI_X509_MAX_SAN) {
                c->san_truncated = true;
                continue;
            }
            memcpy(c->san_ip[c->san_ip_count], gn.p, gn.len);
            c->san_ip_len[c->san_ip_count] = gn.len;
            c->san_ip_count++;
            continue;
        }
        if (tag != BRSKI_DER_CONTEXT(2)) {
            continue;
        }
        if (c->san_dns_count >= BRSKI_X509_MAX_SAN) {
            c->san_truncated = true;
            continue;
        }
        brski_err rv = copy_text(gn, c->san_dns[c->san_dns_count], sizeof(c->san_dns[0]));
        if (rv != BRSKI_OK) {
            return rv == BRSKI_ERR_MALFORMED ? bad("subjectAltName dNSName") : rv;
        }
        c->san_dns_count++;
    }
    return BRSKI_OK;
}

static brski_err ext_policies(brski_cert *c, brski_slice v)
{
    brski_slice seq;
    if (brski_der_expect(&v, BRSKI_DER_SEQUENCE, &seq, NULL) != BRSKI_OK || v.len != 0 ||
        seq.len == 0) {
        return bad("certificatePolicies");
    }
    while (seq.len > 0) {
        brski_slice pi;
        brski_slice oid;
        if (brski_der_expect(&seq, BRSKI_DER_SEQUENCE, &pi, NULL) != BRSKI_OK ||
            brski_der_expect(&pi, BRSKI_DER_OID, &oid, NULL) != BRSKI_OK) {
            return bad("certificatePolicies");
        }
        if (pi.len != 0) {
            brski_slice q;
            if (brski_der_expect(&pi, BRSKI_DER_SEQUENCE, &q, NULL) != BRSKI_OK || pi.len != 0) {
                return bad("certificatePolicies qualifiers");
            }
        }
        if (c->policy_count >= BRSKI_X509_MAX_POLICIES) {
            return BRSKI_ERR_UNSUPPORTED;
        }
        brski_err rv = brski_der_oid_to_str(oid, c->policies[c->policy_count],
                                            sizeof(c->policies[0]));
        if (rv != BRSKI_OK) {
            return rv == BRSKI_ERR_TOOBIG ? BRSKI_ERR_UNSUPPORTED : bad("certificatePolicies");
        }
        c->policy_count++;
    }
    return BRSKI_OK;
}

static brski_err ext_masa_url(brski_cert *c, brski_slice v)
{
    /* RFC 8995 2.3.2: MASAURLSyntax ::= IA5String. */
    brski_slice s;
    if (brski_der_expect(&v, BRSKI_DER_IA5_STRING, &s, NULL) != BRSKI_OK || v.len != 0) {
        brski_log(BRSKI_LOG_WARN, "x509: RFC 8995 2.3.2: MASA URL is not an IA5String");
        return BRSKI_ERR_MALFORMED;
    }
    if (s.len > BRSKI_X509_MAX_MASA_URL) {
        return BRSKI_ERR_UNSUPPORTED;
    }
    brski_err rv = copy_text(s, c->masa_url, sizeof(c->masa_url));
    if (rv != BRSKI_OK) {
        brski_log(BRSKI_LOG_WARN, "x509: RFC 8995 2.3.2: MASA URL has bad characters");
        return rv;
    }
    c->has_masa_url = true;
    return BRSKI_OK;
}

static brski_err parse_extensions(brski_cert *c, brski_slice exts)
{
    static const char *const known[] = {OID_EXT_SKI, OID_EXT_KU,  OID_EXT_SAN, OID_EXT_BC,
                                        OID_EXT_NC,  OID_EXT_CP,  OID_EXT_AKI, OID_EXT_EKU,
                                        BRSKI_OID_MASA_URL};
    enum { NKNOWN = sizeof(known) / sizeof(known[0]) };
    bool seen[NKNOWN] = {false};
    brski_slice seq;
    if (brski_der_expect(&exts, BRSKI_DER_SEQUENCE, &seq, NULL) != BRSKI_OK || exts.len != 0 ||
        seq.len == 0) {
        return bad("extensions");
    }
    while (seq.len > 0) {
        brski_slice ext;
        brski_slice oid;
        brski_slice val;
        bool critical = false;
        if (brski_der_expect(&seq, BRSKI_DER_SEQUENCE, &ext, NULL) != BRSKI_OK ||
            brski_der_expect(&ext, BRSKI_DER_OID, &oid, NULL) != BRSKI_OK) {
            return bad("extension");
        }
        if (brski_der_peek(ext, BRSKI_DER_BOOLEAN)) {
            brski_slice b;
            /* DER: DEFAULT FALSE is never encoded. */
            if (brski_der_expect(&ext, BRSKI_DER_BOOLEAN, &b, NULL) != BRSKI_OK ||
                brski_der_bool(b, &critical) != BRSKI_OK || !critical) {
                return bad("extension critical flag");
            }
        }
        if (brski_der_expect(&ext, BRSKI_DER_OCTET_STRING, &val, NULL) != BRSKI_OK ||
            ext.len != 0) {
            return bad("extension value");
        }
        size_t k = 0;
        while (k < NKNOWN && !brski_der_oid_eq(oid, known[k])) {
            k++;
        }
        if (k == NKNOWN) {
            if (critical && c->unknown_critical[0] == '\0' &&
                brski_der_oid_to_str(oid, c->unknown_critical, sizeof(c->unknown_critical)) !=
                    BRSKI_OK) {
                memcpy(c->unknown_critical, "?", 2);
            }
            continue;
        }
        /* RFC 5280 4.2: "A certificate MUST NOT include more than one instance of a
         * particular extension." */
        if (seen[k]) {
            return bad("extensions (duplicate)");
        }
        seen[k] = true;
        brski_err rv = BRSKI_OK;
        const char *id = known[k];
        brski_slice inner = val;
        if (strcmp(id, OID_EXT_SKI) == 0) {
            if (brski_der_expect(&inner, BRSKI_DER_OCTET_STRING, &c->ski, NULL) != BRSKI_OK ||
                inner.len != 0) {
                rv = bad("subjectKeyIdentifier");
            }
        } else if (strcmp(id, OID_EXT_KU) == 0) {
            rv = ext_key_usage(c, val);
        } else if (strcmp(id, OID_EXT_SAN) == 0) {
            rv = ext_san(c, val);
        } else if (strcmp(id, OID_EXT_BC) == 0) {
            rv = ext_basic_constraints(c, val);
            c->basic_constraints_critical = critical;
        } else if (strcmp(id, OID_EXT_NC) == 0) {
            c->has_name_constraints = true;
        } else if (strcmp(id, OID_EXT_CP) == 0) {
            rv = ext_policies(c, val);
        } else if (strcmp(id, OID_EXT_AKI) == 0) {
            rv = ext_aki(c, val);
        } else if (strcmp(id, OID_EXT_EKU) == 0) {
            rv = ext_eku(c, val);
        } else {
            rv = ext_masa_url(c, val);
            c->masa_url_critical = critical;
        }
        if (rv != BRSKI_OK) {
            return rv;
        }
    }
    return BRSKI_OK;
}

static brski_err read_time(brski_slice *in, int64_t *out)
{
    uint8_t tag = 0;
    brski_slice v;
    if (brski_der_read(in, &tag, &v, NULL) != BRSKI_OK ||
        brski_der_time(tag, v, out) != BRSKI_OK) {
        return BRSKI_ERR_MALFORMED;
    }
    return BRSKI_OK;
}

static brski_err parse_tbs(brski_cert *c, brski_slice tbs)
{
    brski_slice in = tbs;
    brski_slice x;
    brski_slice tbs_alg;
    brski_slice validity;
    brski_err rv;
    brski_sig_alg inner_alg = BRSKI_SIG_UNKNOWN;
    c->version = 1;
    if (brski_der_peek(in, BRSKI_DER_CONTEXT_CONS(0))) {
        brski_slice vw;
        uint64_t v = 0;
        if (brski_der_expect(&in, BRSKI_DER_CONTEXT_CONS(0), &vw, NULL) != BRSKI_OK ||
            brski_der_expect(&vw, BRSKI_DER_INTEGER, &x, NULL) != BRSKI_OK || vw.len != 0 ||
            brski_der_int_u64(x, &v) != BRSKI_OK || v > 2) {
            return bad("version");
        }
        /* DER: DEFAULT v1 is not encoded. */
        if (v == 0) {
            return bad("version (explicit v1)");
        }
        c->version = (int)v + 1;
    }
    if (brski_der_expect(&in, BRSKI_DER_INTEGER, &c->serial, NULL) != BRSKI_OK ||
        !brski_der_int_is_minimal(c->serial) || c->serial.len > 32) {
        return bad("serialNumber");
    }
    if (parse_sig_alg_id(&in, &inner_alg, &tbs_alg) != BRSKI_OK) {
        return bad("TBS signature AlgorithmIdentifier");
    }
    c->sig_alg_match = brski_slice_eq(tbs_alg, c->sig_alg_id);
    if (brski_der_expect(&in, BRSKI_DER_SEQUENCE, &x, &c->issuer) != BRSKI_OK) {
        return bad("issuer");
    }
    if (brski_der_expect(&in, BRSKI_DER_SEQUENCE, &validity, NULL) != BRSKI_OK ||
        read_time(&validity, &c->not_before) != BRSKI_OK ||
        read_time(&validity, &c->not_after) != BRSKI_OK || validity.len != 0) {
        return bad("validity");
    }
    if (brski_der_expect(&in, BRSKI_DER_SEQUENCE, &x, &c->subject) != BRSKI_OK) {
        return bad("subject");
    }
    if (name_walk(c->issuer, name_check_cb, NULL) != BRSKI_OK) {
        return bad("issuer Name");
    }
    if (name_walk(c->subject, name_check_cb, NULL) != BRSKI_OK) {
        return bad("subject Name");
    }
    if (brski_der_expect(&in, BRSKI_DER_SEQUENCE, &x, &c->spki) != BRSKI_OK) {
        return bad("subjectPublicKeyInfo");
    }
    spki_parts sp;
    if (parse_spki(c->spki, &sp) != BRSKI_OK) {
        return bad("subjectPublicKeyInfo");
    }
    c->pubkey = sp.key;
    c->key_type = sp.type;
    c->key_bits = sp.bits;
    if (brski_der_peek(in, BRSKI_DER_CONTEXT(1)) || brski_der_peek(in, BRSKI_DER_CONTEXT_CONS(1))) {
        uint8_t t = 0;
        if (c->version < 2 || brski_der_read(&in, &t, &x, NULL) != BRSKI_OK) {
            return bad("issuerUniqueID");
        }
    }
    if (brski_der_peek(in, BRSKI_DER_CONTEXT(2)) || brski_der_peek(in, BRSKI_DER_CONTEXT_CONS(2))) {
        uint8_t t = 0;
        if (c->version < 2 || brski_der_read(&in, &t, &x, NULL) != BRSKI_OK) {
            return bad("subjectUniqueID");
        }
    }
    if (brski_der_peek(in, BRSKI_DER_CONTEXT_CONS(3))) {
        brski_slice exts;
        if (c->version != 3 || brski_der_expect(&in, BRSKI_DER_CONTEXT_CONS(3), &exts, NULL) !=
                                    BRSKI_OK) {
            return bad("extensions");
        }
        rv = parse_extensions(c, exts);
        if (rv != BRSKI_OK) {
            return rv;
        }
    }
    if (in.len != 0) {
        return bad("TBSCertificate (trailing data)");
    }
    return BRSKI_OK;
}

brski_err brski_cert_parse(brski_slice der, brski_cert *out)
{
    if (out == NULL) {
        return BRSKI_ERR_ARG;
    }
    memset(out, 0, sizeof(*out));
    out->path_len = -1;
    if (der.len > BRSKI_MAX_CERT) {
        brski_log(BRSKI_LOG_WARN, "x509: certificate of %zu bytes exceeds the limit", der.len);
        return BRSKI_ERR_TOOBIG;
    }
    if (der.len == 0 || der.p == NULL) {
        return bad("Certificate (empty)");
    }
    out->der = brski_memdup(der.p, der.len);
    if (out->der == NULL) {
        return BRSKI_ERR_NOMEM;
    }
    out->der_len = der.len;
    brski_slice in = brski_slice_make(out->der, out->der_len);
    brski_slice cert;
    brski_slice tbs_c;
    brski_slice sig_c;
    brski_err rv;
    if (brski_der_expect(&in, BRSKI_DER_SEQUENCE, &cert, NULL) != BRSKI_OK || in.len != 0) {
        rv = bad("Certificate");
        goto fail;
    }
    if (brski_der_expect(&cert, BRSKI_DER_SEQUENCE, &tbs_c, &out->tbs) != BRSKI_OK) {
        rv = bad("TBSCertificate");
        goto fail;
    }
    if (parse_sig_alg_id(&cert, &out->sig_alg, &out->sig_alg_id) != BRSKI_OK) {
        rv = bad("signatureAlgorithm");
        goto fail;
    }
    if (brski_der_expect(&cert, BRSKI_DER_BIT_STRING, &sig_c, NULL) != BRSKI_OK ||
        brski_der_bitstring(sig_c, false, &out->signature, NULL) != BRSKI_OK || cert.len != 0) {
        rv = bad("signatureValue");
        goto fail;
    }
    rv = parse_tbs(out, tbs_c);
    if (rv != BRSKI_OK) {
        goto fail;
    }
    return BRSKI_OK;
fail:
    brski_cert_clear(out);
    return rv;
}

void brski_cert_clear(brski_cert *c)
{
    if (c == NULL) {
        return;
    }
    free(c->der);
    memset(c, 0, sizeof(*c));
    c->path_len = -1;
}

brski_err brski_cert_new(brski_slice der, brski_cert **out)
{
    *out = NULL;
    brski_cert *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return BRSKI_ERR_NOMEM;
    }
    brski_err rv = brski_cert_parse(der, c);
    if (rv != BRSKI_OK) {
        free(c);
        return rv;
    }
    *out = c;
    return BRSKI_OK;
}

void brski_cert_free(brski_cert *c)
{
    if (c == NULL) {
        return;
    }
    brski_cert_clear(c);
    free(c);
}

brski_slice brski_cert_der(const brski_cert *c)
{
    return brski_slice_make(c->der, c->der_len);
}

static brski_err certs_push(brski_slice der, size_t max, brski_cert **out, size_t *count)
{
    if (*count >= max) {
        brski_log(BRSKI_LOG_WARN, "x509: more than %zu certificates", max);
        return BRSKI_ERR_TOOBIG;
    }
    brski_cert *arr = realloc(*out, (*count + 1) * sizeof(**out));
    if (arr == NULL) {
        return BRSKI_ERR_NOMEM;
    }
    *out = arr;
    brski_err rv = brski_cert_parse(der, &arr[*count]);
    if (rv == BRSKI_OK) {
        (*count)++;
    }
    return rv;
}

brski_err brski_certs_load(brski_slice data, size_t max, brski_cert **out, size_t *count)
{
    if (out == NULL || count == NULL) {
        return BRSKI_ERR_ARG;
    }
    if (!brski_is_pem(data)) {
        return certs_push(data, max, out, count);
    }
    brski_buf der;
    brski_buf_init(&der, BRSKI_MAX_CERT);
    brski_err rv = BRSKI_OK;
    size_t found = 0;
    for (size_t i = 0;; i++) {
        brski_buf_reset(&der);
        rv = brski_pem_decode(data, "CERTIFICATE", i, &der, NULL, 0);
        if (rv == BRSKI_ERR_NOTFOUND) {
            rv = found > 0 ? BRSKI_OK : BRSKI_ERR_NOTFOUND;
            break;
        }
        if (rv == BRSKI_OK) {
            rv = certs_push(brski_buf_slice(&der), max, out, count);
        }
        if (rv != BRSKI_OK) {
            break;
        }
        found++;
    }
    brski_buf_clear(&der);
    return rv;
}

void brski_certs_free(brski_cert *certs, size_t count)
{
    if (certs == NULL) {
        return;
    }
    for (size_t i = 0; i < count; i++) {
        brski_cert_clear(&certs[i]);
    }
    free(certs);
}

/* ---- building ---- */

brski_err brski_name_build(const brski_name_attr *attrs, size_t n, brski_buf *out)
{
    size_t start = out->len;
    size_t m = 0;
    brski_err rv = brski_der_begin(out, BRSKI_DER_SEQUENCE, &m);
    for (size_t i = 0; rv == BRSKI_OK && i < n; i++) {
        size_t mset = 0;
        size_t matv = 0;
        if (attrs[i].oid == NULL || attrs[i].value == NULL) {
            rv = BRSKI_ERR_ARG;
            break;
        }
        rv = brski_der_begin(out, BRSKI_DER_SET, &mset);
        if (rv == BRSKI_OK) {
            rv = brski_der_begin(out, BRSKI_DER_SEQUENCE, &matv);
        }
        if (rv == BRSKI_OK) {
            rv = brski_der_put_oid(out, attrs[i].oid);
        }
        if (rv == BRSKI_OK) {
            rv = brski_der_put_string(out, attrs[i].tag, attrs[i].value);
        }
        if (rv == BRSKI_OK) {
            rv = brski_der_end(out, matv);
        }
        if (rv == BRSKI_OK) {
            rv = brski_der_end(out, mset);
        }
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(out, m);
    }
    if (rv != BRSKI_OK) {
        out->len = start;
    }
    return rv;
}

/* AlgorithmIdentifier for signing with |alg| (RFC 5758 3.2, RFC 8410 3, RFC 4055 5). */
static brski_err put_sig_alg_id(brski_buf *b, brski_sig_alg alg)
{
    for (size_t i = 0; i < sizeof(sig_algs) / sizeof(sig_algs[0]); i++) {
        if (sig_algs[i].alg != alg) {
            continue;
        }
        size_t m = 0;
        brski_err rv = brski_der_begin(b, BRSKI_DER_SEQUENCE, &m);
        if (rv == BRSKI_OK) {
            rv = brski_der_put_oid(b, sig_algs[i].oid);
        }
        if (rv == BRSKI_OK && sig_algs[i].null_params) {
            rv = brski_der_put(b, BRSKI_DER_NULL, brski_slice_make(NULL, 0));
        }
        if (rv == BRSKI_OK) {
            rv = brski_der_end(b, m);
        }
        return rv;
    }
    return BRSKI_ERR_UNSUPPORTED;
}

/* Opens an Extension; |m| is closed by ext_end. */
static brski_err ext_begin(brski_buf *b, const char *oid, bool critical, size_t *m, size_t *mo)
{
    brski_err rv = brski_der_begin(b, BRSKI_DER_SEQUENCE, m);
    if (rv == BRSKI_OK) {
        rv = brski_der_put_oid(b, oid);
    }
    if (rv == BRSKI_OK && critical) {
        rv = brski_der_put_bool(b, true);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_begin(b, BRSKI_DER_OCTET_STRING, mo);
    }
    return rv;
}

static brski_err ext_end(brski_buf *b, size_t m, size_t mo)
{
    brski_err rv = brski_der_end(b, mo);
    if (rv == BRSKI_OK) {
        rv = brski_der_end(b, m);
    }
    return rv;
}

static brski_err put_oid_list(brski_buf *b, const char *const *oids, bool policy)
{
    size_t m = 0;
    brski_err rv = brski_der_begin(b, BRSKI_DER_SEQUENCE, &m);
    for (size_t i = 0; rv == BRSKI_OK && oids[i] != NULL; i++) {
        size_t mp = 0;
        if (policy) {
            rv = brski_der_begin(b, BRSKI_DER_SEQUENCE, &mp);
        }
        if (rv == BRSKI_OK) {
            rv = brski_der_put_oid(b, oids[i]);
        }
        if (rv == BRSKI_OK && policy) {
            rv = brski_der_end(b, mp);
        }
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(b, m);
    }
    return rv;
}

/* KeyUsage BIT STRING with trailing zero bits removed (X.690 11.2.2). */
static brski_err put_key_usage(brski_buf *b, uint16_t ku)
{
    unsigned hi = 0;
    for (unsigned i = 0; i < 9; i++) {
        if ((ku & (1u << i)) != 0) {
            hi = i;
        }
    }
    uint8_t c[3] = {0, 0, 0};
    size_t nbytes = hi / 8 + 1;
    c[0] = (uint8_t)(7 - (hi % 8));
    for (unsigned i = 0; i < 9; i++) {
        if ((ku & (1u << i)) != 0) {
            c[1 + i / 8] = (uint8_t)(c[1 + i / 8] | (0x80u >> (i % 8)));
        }
    }
    return brski_der_put(b, BRSKI_DER_BIT_STRING, brski_slice_make(c, 1 + nbytes));
}

static brski_err put_extensions(brski_buf *b, const brski_cert_template *t, brski_slice ski,
                                brski_slice aki)
{
    size_t m3 = 0;
    size_t mseq = 0;
    size_t m = 0;
    size_t mo = 0;
    size_t mi = 0;
    brski_err rv = brski_der_begin(b, BRSKI_DER_CONTEXT_CONS(3), &m3);
    if (rv == BRSKI_OK) {
        rv = brski_der_begin(b, BRSKI_DER_SEQUENCE, &mseq);
    }
    if (rv == BRSKI_OK && !t->no_basic_constraints) {
        /* RFC 5280 4.2.1.9: CAs MUST mark basicConstraints critical. */
        rv = ext_begin(b, OID_EXT_BC, t->ca, &m, &mo);
        if (rv == BRSKI_OK) {
            rv = brski_der_begin(b, BRSKI_DER_SEQUENCE, &mi);
        }
        if (rv == BRSKI_OK && t->ca) {
            rv = brski_der_put_bool(b, true);
        }
        if (rv == BRSKI_OK && t->ca && t->path_len >= 0) {
            rv = brski_der_put_u64(b, (uint64_t)t->path_len);
        }
        if (rv == BRSKI_OK) {
            rv = brski_der_end(b, mi);
        }
        if (rv == BRSKI_OK) {
            rv = ext_end(b, m, mo);
        }
    }
    if (rv == BRSKI_OK && t->key_usage != 0) {
        rv = ext_begin(b, OID_EXT_KU, true, &m, &mo);
        if (rv == BRSKI_OK) {
            rv = put_key_usage(b, t->key_usage);
        }
        if (rv == BRSKI_OK) {
            rv = ext_end(b, m, mo);
        }
    }
    if (rv == BRSKI_OK && t->eku != NULL) {
        rv = ext_begin(b, OID_EXT_EKU, false, &m, &mo);
        if (rv == BRSKI_OK) {
            rv = put_oid_list(b, t->eku, false);
        }
        if (rv == BRSKI_OK) {
            rv = ext_end(b, m, mo);
        }
    }
    if (rv == BRSKI_OK) {
        rv = ext_begin(b, OID_EXT_SKI, false, &m, &mo);
        if (rv == BRSKI_OK) {
            rv = brski_der_put(b, BRSKI_DER_OCTET_STRING, ski);
        }
        if (rv == BRSKI_OK) {
            rv = ext_end(b, m, mo);
        }
    }
    if (rv == BRSKI_OK && aki.len > 0) {
        rv = ext_begin(b, OID_EXT_AKI, false, &m, &mo);
        if (rv == BRSKI_OK) {
            rv = brski_der_begin(b, BRSKI_DER_SEQUENCE, &mi);
        }
        if (rv == BRSKI_OK) {
            rv = brski_der_put(b, BRSKI_DER_CONTEXT(0), aki);
        }
        if (rv == BRSKI_OK) {
            rv = brski_der_end(b, mi);
        }
        if (rv == BRSKI_OK) {
            rv = ext_end(b, m, mo);
        }
    }
    if (rv == BRSKI_OK && (t->san_dns != NULL || t->san_ip != NULL)) {
        rv = ext_begin(b, OID_EXT_SAN, false, &m, &mo);
        if (rv == BRSKI_OK) {
            rv = brski_der_begin(b, BRSKI_DER_SEQUENCE, &mi);
        }
        for (size_t i = 0; rv == BRSKI_OK && t->san_dns != NULL && t->san_dns[i] != NULL; i++) {
            /* dNSName [2] IMPLICIT IA5String. */
            rv = brski_der_put_string(b, BRSKI_DER_CONTEXT(2), t->san_dns[i]);
        }
        for (size_t i = 0; rv == BRSKI_OK && t->san_ip != NULL && t->san_ip[i] != NULL; i++) {
            /* iPAddress [7] IMPLICIT OCTET STRING. */
            uint8_t ip[16];
            size_t iplen = 4;
            if (inet_pton(AF_INET, t->san_ip[i], ip) != 1) {
                iplen = 16;
                if (inet_pton(AF_INET6, t->san_ip[i], ip) != 1) {
                    rv = BRSKI_ERR_ARG;
                    break;
                }
            }
            rv = brski_der_put(b, BRSKI_DER_CONTEXT(7), brski_slice_make(ip, iplen));
        }
        if (rv == BRSKI_OK) {
            rv = brski_der_end(b, mi);
        }
        if (rv == BRSKI_OK) {
            rv = ext_end(b, m, mo);
        }
    }
    if (rv == BRSKI_OK && t->policies != NULL) {
        rv = ext_begin(b, OID_EXT_CP, false, &m, &mo);
        if (rv == BRSKI_OK) {
            rv = put_oid_list(b, t->policies, true);
        }
        if (rv == BRSKI_OK) {
            rv = ext_end(b, m, mo);
        }
    }
    if (rv == BRSKI_OK && t->masa_url != NULL) {
        /* RFC 8995 2.3.2: MASAURLSyntax ::= IA5String, non-critical. */
        rv = ext_begin(b, BRSKI_OID_MASA_URL, false, &m, &mo);
        if (rv == BRSKI_OK) {
            rv = brski_der_put_string(b, BRSKI_DER_IA5_STRING, t->masa_url);
        }
        if (rv == BRSKI_OK) {
            rv = ext_end(b, m, mo);
        }
    }
    for (size_t i = 0; rv == BRSKI_OK && i < t->extra_count; i++) {
        rv = ext_begin(b, t->extra[i].oid, t->extra[i].critical, &m, &mo);
        if (rv == BRSKI_OK && t->extra[i].value.len > 0) {
            rv = brski_buf_append(b, t->extra[i].value.p, t->extra[i].value.len);
        }
        if (rv == BRSKI_OK) {
            rv = ext_end(b, m, mo);
        }
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(b, mseq);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(b, m3);
    }
    return rv;
}

/* Signs |tbs| and appends SEQUENCE { tbs, algId, BIT STRING sig } to |out|. */
static brski_err sign_and_wrap(brski_slice tbs, brski_signer *key, const brski_env *env,
                               brski_buf *out)
{
    brski_sig_alg alg = brski_signer_sig_alg(key);
    brski_buf sig;
    brski_buf_init(&sig, 1024);
    size_t start = out->len;
    size_t m = 0;
    brski_err rv = brski_signer_sign(key, alg, BRSKI_SIG_FMT_DER, tbs, env, &sig);
    if (rv == BRSKI_OK) {
        rv = brski_der_begin(out, BRSKI_DER_SEQUENCE, &m);
    }
    if (rv == BRSKI_OK) {
        rv = brski_buf_append(out, tbs.p, tbs.len);
    }
    if (rv == BRSKI_OK) {
        rv = put_sig_alg_id(out, alg);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_put_bitstring(out, brski_buf_slice(&sig));
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(out, m);
    }
    if (rv != BRSKI_OK) {
        out->len = start;
    }
    brski_buf_clear(&sig);
    return rv;
}

brski_err brski_cert_build(const brski_cert_template *t, brski_signer *issuer_key,
                           const brski_env *env, brski_buf *out)
{
    if (t == NULL || issuer_key == NULL || out == NULL || t->subject.len == 0 ||
        t->spki.len == 0) {
        return BRSKI_ERR_ARG;
    }
    spki_parts sp;
    if (parse_spki(t->spki, &sp) != BRSKI_OK) {
        return BRSKI_ERR_ARG;
    }
    uint8_t hash[32];
    brski_err rv = brski_sha256(sp.key, hash);
    if (rv != BRSKI_OK) {
        return rv;
    }
    /* SKI: the leftmost 160 bits of SHA-256 over subjectPublicKey (RFC 7093 2 method 1). */
    brski_slice ski = brski_slice_make(hash, 20);
    bool self_signed = t->issuer.len == 0;
    brski_slice aki = t->issuer_ski;
    if (aki.len == 0 && self_signed) {
        aki = ski;
    }
    uint8_t serial[16];
    brski_slice serial_s = t->serial;
    if (serial_s.len == 0) {
        rv = brski_env_random(env, serial, sizeof(serial));
        if (rv != BRSKI_OK) {
            return rv;
        }
        /* RFC 5280 4.1.2.2: positive, at most 20 octets; keep all 16 bytes significant. */
        serial[0] = (uint8_t)((serial[0] & 0x7fu) | 0x40u);
        serial_s = brski_slice_make(serial, sizeof(serial));
    }
    brski_buf tbs;
    brski_buf_init(&tbs, BRSKI_MAX_CERT);
    size_t m = 0;
    size_t mv = 0;
    rv = brski_der_begin(&tbs, BRSKI_DER_SEQUENCE, &m);
    if (rv == BRSKI_OK) {
        rv = brski_der_begin(&tbs, BRSKI_DER_CONTEXT_CONS(0), &mv);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_put_u64(&tbs, 2);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(&tbs, mv);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_put_uint_bytes(&tbs, serial_s);
    }
    if (rv == BRSKI_OK) {
        rv = put_sig_alg_id(&tbs, brski_signer_sig_alg(issuer_key));
    }
    if (rv == BRSKI_OK) {
        brski_slice iss = self_signed ? t->subject : t->issuer;
        rv = brski_buf_append(&tbs, iss.p, iss.len);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_begin(&tbs, BRSKI_DER_SEQUENCE, &mv);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_put_time(&tbs, t->not_before);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_put_time(&tbs, t->not_after);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(&tbs, mv);
    }
    if (rv == BRSKI_OK) {
        rv = brski_buf_append(&tbs, t->subject.p, t->subject.len);
    }
    if (rv == BRSKI_OK) {
        rv = brski_buf_append(&tbs, t->spki.p, t->spki.len);
    }
    if (rv == BRSKI_OK) {
        rv = put_extensions(&tbs, t, ski, aki);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(&tbs, m);
    }
    if (rv == BRSKI_OK) {
        rv = sign_and_wrap(brski_buf_slice(&tbs), issuer_key, env, out);
    }
    brski_buf_clear(&tbs);
    return rv;
}

/* ---- PKCS#10 ---- */

brski_err brski_csr_parse(brski_slice der, brski_csr *out)
{
    if (out == NULL) {
        return BRSKI_ERR_ARG;
    }
    memset(out, 0, sizeof(*out));
    if (der.len > BRSKI_MAX_CSR) {
        brski_log(BRSKI_LOG_WARN, "x509: CSR of %zu bytes exceeds the limit", der.len);
        return BRSKI_ERR_TOOBIG;
    }
    if (der.len == 0 || der.p == NULL) {
        return BRSKI_ERR_MALFORMED;
    }
    out->der = brski_memdup(der.p, der.len);
    if (out->der == NULL) {
        return BRSKI_ERR_NOMEM;
    }
    out->der_len = der.len;
    brski_slice in = brski_slice_make(out->der, out->der_len);
    brski_slice req;
    brski_slice info;
    brski_slice x;
    brski_slice sig_c;
    brski_slice alg_whole;
    uint64_t ver = 1;
    brski_err rv = BRSKI_ERR_MALFORMED;
    /* RFC 2986 4: CertificationRequest and CertificationRequestInfo. */
    if (brski_der_expect(&in, BRSKI_DER_SEQUENCE, &req, NULL) != BRSKI_OK || in.len != 0 ||
        brski_der_expect(&req, BRSKI_DER_SEQUENCE, &info, &out->info) != BRSKI_OK ||
        parse_sig_alg_id(&req, &out->sig_alg, &alg_whole) != BRSKI_OK ||
        brski_der_expect(&req, BRSKI_DER_BIT_STRING, &sig_c, NULL) != BRSKI_OK || req.len != 0 ||
        brski_der_bitstring(sig_c, false, &out->signature, NULL) != BRSKI_OK) {
        brski_log(BRSKI_LOG_WARN, "x509: RFC 2986 4.2: malformed CertificationRequest");
        goto fail;
    }
    if (brski_der_expect(&info, BRSKI_DER_INTEGER, &x, NULL) != BRSKI_OK ||
        brski_der_int_u64(x, &ver) != BRSKI_OK || ver != 0 ||
        brski_der_expect(&info, BRSKI_DER_SEQUENCE, &x, &out->subject) != BRSKI_OK ||
        brski_der_expect(&info, BRSKI_DER_SEQUENCE, &x, &out->spki) != BRSKI_OK ||
        brski_der_expect(&info, BRSKI_DER_CONTEXT_CONS(0), &out->attributes, NULL) != BRSKI_OK ||
        info.len != 0) {
        brski_log(BRSKI_LOG_WARN, "x509: RFC 2986 4.1: malformed CertificationRequestInfo");
        goto fail;
    }
    if (name_walk(out->subject, name_check_cb, NULL) != BRSKI_OK) {
        brski_log(BRSKI_LOG_WARN, "x509: RFC 2986 4.1: malformed subject");
        goto fail;
    }
    spki_parts sp;
    if (parse_spki(out->spki, &sp) != BRSKI_OK) {
        brski_log(BRSKI_LOG_WARN, "x509: RFC 2986 4.1: malformed subjectPKInfo");
        goto fail;
    }
    out->key_type = sp.type;
    out->key_bits = sp.bits;
    rv = brski_pubkey_verify(out->spki, out->sig_alg, BRSKI_SIG_FMT_DER, out->info,
                             out->signature);
    if (rv != BRSKI_OK) {
        brski_log(BRSKI_LOG_WARN, "x509: RFC 2986 3: CSR self-signature does not verify");
        if (rv != BRSKI_ERR_UNSUPPORTED) {
            rv = BRSKI_ERR_CRYPTO;
        }
        goto fail;
    }
    return BRSKI_OK;
fail:
    brski_csr_clear(out);
    return rv;
}

void brski_csr_clear(brski_csr *c)
{
    if (c == NULL) {
        return;
    }
    free(c->der);
    memset(c, 0, sizeof(*c));
}

brski_err brski_csr_build(brski_slice subject, brski_signer *key, brski_buf *out)
{
    if (key == NULL || out == NULL || subject.len == 0) {
        return BRSKI_ERR_ARG;
    }
    brski_buf info;
    brski_buf_init(&info, BRSKI_MAX_CSR);
    size_t m = 0;
    brski_err rv = brski_der_begin(&info, BRSKI_DER_SEQUENCE, &m);
    if (rv == BRSKI_OK) {
        rv = brski_der_put_u64(&info, 0);
    }
    if (rv == BRSKI_OK) {
        rv = brski_buf_append(&info, subject.p, subject.len);
    }
    if (rv == BRSKI_OK) {
        rv = brski_signer_spki(key, &info);
    }
    if (rv == BRSKI_OK) {
        /* attributes [0] IMPLICIT SET OF Attribute: empty. */
        rv = brski_der_put(&info, BRSKI_DER_CONTEXT_CONS(0), brski_slice_make(NULL, 0));
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(&info, m);
    }
    if (rv == BRSKI_OK) {
        rv = sign_and_wrap(brski_buf_slice(&info), key, brski_env_default(), out);
    }
    brski_buf_clear(&info);
    return rv;
}
