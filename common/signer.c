/*
 * signer.c - private keys behind one interface: generate, load, export and
 * sign with wolfCrypt (ECDSA P-256/384/521, Ed25519, RSA PKCS#1 v1.5).
 *
 * Randomness: wolfCrypt needs its own DRBG (WC_RNG) for key generation and
 * ECDSA/RSA signing. Each operation instantiates one seeded by the OS and
 * personalised with 32 bytes from |env|'s RNG, so the injected RNG always
 * contributes but never is the only entropy source for key material.
 */
#include "brski/signer.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/ed25519.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/rsa.h>

#include "brski/codec.h"
#include "brski/der.h"
#include "brski/file.h"
#include "brski/log.h"
#include "brski/opcount.h"

#define OID_EC_PUBKEY BRSKI_OID_EC_PUBKEY
#define OID_RSA BRSKI_OID_RSA_ENCRYPTION
#define OID_ED25519 BRSKI_OID_ED25519

/* Longest private key file we read. */
#define SIGNER_MAX_FILE (64u * 1024u)

struct brski_signer {
    brski_key_type type;
    unsigned bits;
    int curve_id; /* EC only */
    union {
        ecc_key ecc;
        ed25519_key ed;
        RsaKey rsa;
    } k;
};

typedef struct curve_info {
    int id;
    unsigned bits;
    const char *oid;
} curve_info;

static const curve_info curves[] = {
    {ECC_SECP256R1, 256, "1.2.840.10045.3.1.7"},
    {ECC_SECP384R1, 384, "1.3.132.0.34"},
    {ECC_SECP521R1, 521, "1.3.132.0.35"},
};

static const curve_info *curve_by_id(int id)
{
    for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++) {
        if (curves[i].id == id) {
            return &curves[i];
        }
    }
    return NULL;
}

static const curve_info *curve_by_oid(brski_slice oid)
{
    for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++) {
        if (brski_der_oid_eq(oid, curves[i].oid)) {
            return &curves[i];
        }
    }
    return NULL;
}

static const struct {
    brski_key_alg alg;
    const char *name;
} alg_names[] = {
    {BRSKI_ALG_P256, "p256"},       {BRSKI_ALG_P384, "p384"},       {BRSKI_ALG_P521, "p521"},
    {BRSKI_ALG_ED25519, "ed25519"}, {BRSKI_ALG_RSA2048, "rsa2048"}, {BRSKI_ALG_RSA3072, "rsa3072"},
};

brski_err brski_key_alg_parse(const char *name, brski_key_alg *out)
{
    for (size_t i = 0; name != NULL && i < sizeof(alg_names) / sizeof(alg_names[0]); i++) {
        if (strcmp(name, alg_names[i].name) == 0) {
            *out = alg_names[i].alg;
            return BRSKI_OK;
        }
    }
    return BRSKI_ERR_ARG;
}

const char *brski_key_alg_name(brski_key_alg alg)
{
    for (size_t i = 0; i < sizeof(alg_names) / sizeof(alg_names[0]); i++) {
        if (alg_names[i].alg == alg) {
            return alg_names[i].name;
        }
    }
    return "unknown";
}

static brski_err rng_open(const brski_env *env, WC_RNG *rng)
{
    uint8_t nonce[32];
    brski_err rv = brski_env_random(env, nonce, sizeof(nonce));
    if (rv != BRSKI_OK) {
        return rv;
    }
    int ret = wc_InitRngNonce(rng, nonce, sizeof(nonce));
    brski_memwipe(nonce, sizeof(nonce));
    return ret == 0 ? BRSKI_OK : BRSKI_ERR_CRYPTO;
}

static brski_signer *signer_alloc(brski_key_type type)
{
    brski_signer *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return NULL;
    }
    int ret;
    switch (type) {
    case BRSKI_KEY_EC:
        ret = wc_ecc_init(&s->k.ecc);
        break;
    case BRSKI_KEY_ED25519:
        ret = wc_ed25519_init(&s->k.ed);
        break;
    case BRSKI_KEY_RSA:
        ret = wc_InitRsaKey(&s->k.rsa, NULL);
        break;
    default:
        ret = -1;
        break;
    }
    if (ret != 0) {
        free(s);
        return NULL;
    }
    s->type = type;
    return s;
}

void brski_signer_free(brski_signer *s)
{
    if (s == NULL) {
        return;
    }
    switch (s->type) {
    case BRSKI_KEY_EC:
        wc_ecc_free(&s->k.ecc);
        break;
    case BRSKI_KEY_ED25519:
        wc_ed25519_free(&s->k.ed);
        break;
    case BRSKI_KEY_RSA:
        wc_FreeRsaKey(&s->k.rsa);
        break;
    default:
        break;
    }
    brski_memwipe(s, sizeof(*s));
    free(s);
}

brski_err brski_signer_generate(brski_key_alg alg, const brski_env *env, brski_signer **out)
{
    *out = NULL;
    WC_RNG rng;
    brski_err rv = rng_open(env, &rng);
    if (rv != BRSKI_OK) {
        return rv;
    }
    brski_signer *s = NULL;
    int ret = -1;
    switch (alg) {
    case BRSKI_ALG_P256:
    case BRSKI_ALG_P384:
    case BRSKI_ALG_P521: {
        const curve_info *ci = &curves[alg == BRSKI_ALG_P256 ? 0 : (alg == BRSKI_ALG_P384 ? 1 : 2)];
        s = signer_alloc(BRSKI_KEY_EC);
        if (s != NULL) {
            s->curve_id = ci->id;
            s->bits = ci->bits;
            ret = wc_ecc_make_key_ex(&rng, wc_ecc_get_curve_size_from_id(ci->id), &s->k.ecc,
                                     ci->id);
        }
        break;
    }
    case BRSKI_ALG_ED25519:
        s = signer_alloc(BRSKI_KEY_ED25519);
        if (s != NULL) {
            s->bits = 256;
            ret = wc_ed25519_make_key(&rng, ED25519_KEY_SIZE, &s->k.ed);
        }
        break;
    case BRSKI_ALG_RSA2048:
    case BRSKI_ALG_RSA3072:
        s = signer_alloc(BRSKI_KEY_RSA);
        if (s != NULL) {
            s->bits = alg == BRSKI_ALG_RSA2048 ? 2048 : 3072;
            ret = wc_MakeRsaKey(&s->k.rsa, (int)s->bits, WC_RSA_EXPONENT, &rng);
        }
        break;
    default:
        wc_FreeRng(&rng);
        return BRSKI_ERR_ARG;
    }
    wc_FreeRng(&rng);
    if (s == NULL) {
        return BRSKI_ERR_NOMEM;
    }
    if (ret != 0) {
        brski_log(BRSKI_LOG_ERROR, "signer: key generation failed (%d)", ret);
        brski_signer_free(s);
        return BRSKI_ERR_CRYPTO;
    }
    brski_opcount_add(BRSKI_OP_KEYGEN, brski_opcount_alg(s->type, s->bits));
    *out = s;
    return BRSKI_OK;
}

/* ---- loading ---- */

/* RFC 5915 ECPrivateKey; |curve_hint| from PKCS#8 (NULL for the traditional form). */
static brski_err load_ec_private(brski_slice der, const curve_info *curve_hint, brski_signer **out)
{
    brski_slice in = der;
    brski_slice seq;
    brski_slice ver;
    brski_slice d;
    brski_slice pub = {NULL, 0};
    const curve_info *ci = curve_hint;
    uint64_t v = 0;
    if (brski_der_expect(&in, BRSKI_DER_SEQUENCE, &seq, NULL) != BRSKI_OK || in.len != 0 ||
        brski_der_expect(&seq, BRSKI_DER_INTEGER, &ver, NULL) != BRSKI_OK ||
        brski_der_int_u64(ver, &v) != BRSKI_OK || v != 1 ||
        brski_der_expect(&seq, BRSKI_DER_OCTET_STRING, &d, NULL) != BRSKI_OK) {
        return BRSKI_ERR_MALFORMED;
    }
    if (brski_der_peek(seq, BRSKI_DER_CONTEXT_CONS(0))) {
        brski_slice p0;
        brski_slice oid;
        if (brski_der_expect(&seq, BRSKI_DER_CONTEXT_CONS(0), &p0, NULL) != BRSKI_OK ||
            brski_der_expect(&p0, BRSKI_DER_OID, &oid, NULL) != BRSKI_OK || p0.len != 0) {
            return BRSKI_ERR_MALFORMED;
        }
        const curve_info *named = curve_by_oid(oid);
        if (named == NULL) {
            return BRSKI_ERR_UNSUPPORTED;
        }
        if (ci != NULL && ci != named) {
            return BRSKI_ERR_MALFORMED;
        }
        ci = named;
    }
    if (brski_der_peek(seq, BRSKI_DER_CONTEXT_CONS(1))) {
        brski_slice p1;
        brski_slice bs;
        if (brski_der_expect(&seq, BRSKI_DER_CONTEXT_CONS(1), &p1, NULL) != BRSKI_OK ||
            brski_der_expect(&p1, BRSKI_DER_BIT_STRING, &bs, NULL) != BRSKI_OK || p1.len != 0 ||
            brski_der_bitstring(bs, false, &pub, NULL) != BRSKI_OK) {
            return BRSKI_ERR_MALFORMED;
        }
    }
    if (seq.len != 0 || ci == NULL) {
        return BRSKI_ERR_MALFORMED;
    }
    brski_signer *s = signer_alloc(BRSKI_KEY_EC);
    if (s == NULL) {
        return BRSKI_ERR_NOMEM;
    }
    s->curve_id = ci->id;
    s->bits = ci->bits;
    /* Import the scalar alone and derive the public point from it. */
    int ret = wc_ecc_import_private_key_ex(d.p, (word32)d.len, NULL, 0, &s->k.ecc, ci->id);
    if (ret == 0) {
        WC_RNG rng;
        ret = wc_InitRng(&rng);
        if (ret == 0) {
            brski_opcount_add(BRSKI_OP_PUBDERIVE, brski_opcount_alg(BRSKI_KEY_EC, ci->bits));
            ret = wc_ecc_make_pub_ex(&s->k.ecc, NULL, &rng);
            wc_FreeRng(&rng);
        }
    }
    if (ret == 0) {
        ret = wc_ecc_check_key(&s->k.ecc);
    }
    if (ret == 0 && pub.len > 0) {
        /*
         * A stored public key must be the one of the scalar: wolfCrypt's
         * wc_ecc_check_key does not compare them, so a file pairing one key's
         * scalar with another's point would otherwise load.
         */
        uint8_t mine[133];
        word32 mlen = sizeof(mine);
        bool compressed = pub.p[0] != 0x04;
        ret = wc_ecc_export_x963_ex(&s->k.ecc, mine, &mlen, compressed ? 1 : 0);
        if (ret == 0 && (mlen != pub.len || memcmp(mine, pub.p, mlen) != 0)) {
            ret = -1;
        }
    }
    if (ret != 0) {
        brski_signer_free(s);
        return BRSKI_ERR_MALFORMED;
    }
    *out = s;
    return BRSKI_OK;
}

static brski_err load_ed25519_private(brski_slice inner, brski_signer **out)
{
    /* RFC 8410 7: CurvePrivateKey ::= OCTET STRING (inside PKCS#8's privateKey). */
    brski_slice in = inner;
    brski_slice seed;
    uint8_t pub[ED25519_PUB_KEY_SIZE];
    if (brski_der_expect(&in, BRSKI_DER_OCTET_STRING, &seed, NULL) != BRSKI_OK || in.len != 0 ||
        seed.len != ED25519_KEY_SIZE) {
        return BRSKI_ERR_MALFORMED;
    }
    brski_signer *s = signer_alloc(BRSKI_KEY_ED25519);
    if (s == NULL) {
        return BRSKI_ERR_NOMEM;
    }
    s->bits = 256;
    /* wolfCrypt signs only when the key holds its public half (see DEPENDENCY-NOTES). */
    int ret = wc_ed25519_import_private_only(seed.p, (word32)seed.len, &s->k.ed);
    if (ret == 0) {
        brski_opcount_add(BRSKI_OP_PUBDERIVE, BRSKI_OPALG_ED25519);
        ret = wc_ed25519_make_public(&s->k.ed, pub, sizeof(pub));
    }
    if (ret == 0) {
        ret = wc_ed25519_import_private_key(seed.p, (word32)seed.len, pub, sizeof(pub),
                                            &s->k.ed);
    }
    if (ret != 0) {
        brski_signer_free(s);
        return BRSKI_ERR_MALFORMED;
    }
    *out = s;
    return BRSKI_OK;
}

static brski_err load_rsa_private(brski_slice der, brski_signer **out)
{
    brski_signer *s = signer_alloc(BRSKI_KEY_RSA);
    if (s == NULL) {
        return BRSKI_ERR_NOMEM;
    }
    word32 idx = 0;
    int ret = wc_RsaPrivateKeyDecode(der.p, &idx, &s->k.rsa, (word32)der.len);
    if (ret != 0 || idx != der.len) {
        brski_signer_free(s);
        return BRSKI_ERR_MALFORMED;
    }
    int bits = wc_RsaEncryptSize(&s->k.rsa) * 8;
    if (bits < 2048 || bits > 8192) {
        brski_signer_free(s);
        return BRSKI_ERR_UNSUPPORTED;
    }
    s->bits = (unsigned)bits;
    /*
     * Pairwise consistency: wolfCrypt does not check that the CRT parameters
     * belong to n, so sign once and verify with the public half.
     */
    brski_buf spki;
    brski_buf sig;
    brski_buf_init(&spki, 4096);
    brski_buf_init(&sig, 1024);
    brski_slice probe = brski_slice_str("brski pairwise consistency check");
    brski_err rv = brski_signer_spki(s, &spki);
    if (rv == BRSKI_OK) {
        rv = brski_signer_sign(s, BRSKI_SIG_RSA_SHA256, BRSKI_SIG_FMT_DER, probe,
                               brski_env_default(), &sig);
    }
    if (rv == BRSKI_OK) {
        rv = brski_pubkey_verify(brski_buf_slice(&spki), BRSKI_SIG_RSA_SHA256, BRSKI_SIG_FMT_DER,
                                 probe, brski_buf_slice(&sig));
    }
    brski_buf_clear(&spki);
    brski_buf_clear(&sig);
    if (rv != BRSKI_OK) {
        brski_log(BRSKI_LOG_WARN, "signer: RSA key fails its pairwise consistency check");
        brski_signer_free(s);
        return BRSKI_ERR_MALFORMED;
    }
    *out = s;
    return BRSKI_OK;
}

/* RFC 5208 / 5958 PrivateKeyInfo. */
static brski_err load_pkcs8(brski_slice der, brski_signer **out)
{
    brski_slice in = der;
    brski_slice seq;
    brski_slice ver;
    brski_slice alg;
    brski_slice oid;
    brski_slice key;
    uint64_t v = 0;
    if (brski_der_expect(&in, BRSKI_DER_SEQUENCE, &seq, NULL) != BRSKI_OK || in.len != 0 ||
        brski_der_expect(&seq, BRSKI_DER_INTEGER, &ver, NULL) != BRSKI_OK ||
        brski_der_int_u64(ver, &v) != BRSKI_OK || v > 1 ||
        brski_der_expect(&seq, BRSKI_DER_SEQUENCE, &alg, NULL) != BRSKI_OK ||
        brski_der_expect(&alg, BRSKI_DER_OID, &oid, NULL) != BRSKI_OK ||
        brski_der_expect(&seq, BRSKI_DER_OCTET_STRING, &key, NULL) != BRSKI_OK) {
        return BRSKI_ERR_MALFORMED;
    }
    /* attributes [0] and (v2) publicKey [1] are ignored. */
    if (brski_der_oid_eq(oid, OID_EC_PUBKEY)) {
        brski_slice curve;
        if (brski_der_expect(&alg, BRSKI_DER_OID, &curve, NULL) != BRSKI_OK || alg.len != 0) {
            return BRSKI_ERR_MALFORMED;
        }
        const curve_info *ci = curve_by_oid(curve);
        if (ci == NULL) {
            return BRSKI_ERR_UNSUPPORTED;
        }
        return load_ec_private(key, ci, out);
    }
    if (brski_der_oid_eq(oid, OID_ED25519)) {
        return alg.len == 0 ? load_ed25519_private(key, out) : BRSKI_ERR_MALFORMED;
    }
    if (brski_der_oid_eq(oid, OID_RSA)) {
        return load_rsa_private(key, out);
    }
    return BRSKI_ERR_UNSUPPORTED;
}

brski_err brski_signer_from_bytes(brski_slice data, brski_signer **out)
{
    if (out == NULL) {
        return BRSKI_ERR_ARG;
    }
    *out = NULL;
    brski_err rv;
    if (brski_is_pem(data)) {
        brski_buf der;
        char label[32];
        brski_buf_init(&der, SIGNER_MAX_FILE);
        rv = brski_pem_decode(data, NULL, 0, &der, label, sizeof(label));
        if (rv == BRSKI_OK) {
            brski_slice d = brski_buf_slice(&der);
            if (strcmp(label, "PRIVATE KEY") == 0) {
                rv = load_pkcs8(d, out);
            } else if (strcmp(label, "EC PRIVATE KEY") == 0) {
                rv = load_ec_private(d, NULL, out);
            } else if (strcmp(label, "RSA PRIVATE KEY") == 0) {
                rv = load_rsa_private(d, out);
            } else {
                rv = BRSKI_ERR_MALFORMED;
            }
        } else if (rv == BRSKI_ERR_NOTFOUND) {
            rv = BRSKI_ERR_MALFORMED;
        }
        brski_buf_wipe(&der);
    } else {
        rv = load_pkcs8(data, out);
        if (rv == BRSKI_ERR_MALFORMED) {
            rv = load_ec_private(data, NULL, out);
        }
        if (rv == BRSKI_ERR_MALFORMED) {
            rv = load_rsa_private(data, out);
        }
    }
    if (rv != BRSKI_OK) {
        brski_log(BRSKI_LOG_WARN, "signer: not a private key we can read (%s)",
                  brski_err_str(rv));
    }
    return rv;
}

brski_err brski_signer_load_file(const char *path, brski_signer **out)
{
    struct stat st;
    *out = NULL;
    if (path == NULL || stat(path, &st) != 0) {
        brski_log(BRSKI_LOG_ERROR, "signer: cannot stat key file %s", path != NULL ? path : "");
        return BRSKI_ERR_IO;
    }
    if ((st.st_mode & 0077) != 0) {
        brski_log(BRSKI_LOG_ERROR, "signer: key file %s has mode %03o; must be 0600 or stricter",
                  path, (unsigned)(st.st_mode & 0777));
        return BRSKI_ERR_POLICY;
    }
    brski_buf b;
    brski_buf_init(&b, SIGNER_MAX_FILE);
    brski_err rv = brski_file_read(path, &b);
    if (rv == BRSKI_OK) {
        rv = brski_signer_from_bytes(brski_buf_slice(&b), out);
    }
    brski_buf_wipe(&b);
    return rv;
}

brski_key_type brski_signer_key_type(const brski_signer *s)
{
    return s != NULL ? s->type : BRSKI_KEY_NONE;
}

unsigned brski_signer_key_bits(const brski_signer *s)
{
    return s != NULL ? s->bits : 0;
}

brski_sig_alg brski_signer_sig_alg(const brski_signer *s)
{
    if (s == NULL) {
        return BRSKI_SIG_UNKNOWN;
    }
    switch (s->type) {
    case BRSKI_KEY_EC:
        return s->bits <= 256 ? BRSKI_SIG_ECDSA_SHA256
                              : (s->bits <= 384 ? BRSKI_SIG_ECDSA_SHA384 : BRSKI_SIG_ECDSA_SHA512);
    case BRSKI_KEY_ED25519:
        return BRSKI_SIG_ED25519;
    case BRSKI_KEY_RSA:
        return BRSKI_SIG_RSA_SHA256;
    default:
        return BRSKI_SIG_UNKNOWN;
    }
}

/* ---- export ---- */

static brski_err put_alg_id(brski_buf *out, const brski_signer *s)
{
    size_t m = 0;
    brski_err rv = brski_der_begin(out, BRSKI_DER_SEQUENCE, &m);
    if (rv != BRSKI_OK) {
        return rv;
    }
    if (s->type == BRSKI_KEY_EC) {
        rv = brski_der_put_oid(out, OID_EC_PUBKEY);
        if (rv == BRSKI_OK) {
            rv = brski_der_put_oid(out, curve_by_id(s->curve_id)->oid);
        }
    } else if (s->type == BRSKI_KEY_ED25519) {
        rv = brski_der_put_oid(out, OID_ED25519);
    } else {
        rv = brski_der_put_oid(out, OID_RSA);
        if (rv == BRSKI_OK) {
            rv = brski_der_put(out, BRSKI_DER_NULL, brski_slice_make(NULL, 0));
        }
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(out, m);
    }
    return rv;
}

/* Appends the subjectPublicKey bits (x963 point, raw Ed25519 key or RSAPublicKey DER). */
static brski_err public_bits(const brski_signer *cs, brski_buf *out)
{
    brski_signer *s = (brski_signer *)(uintptr_t)cs; /* wolfCrypt takes non-const keys */
    uint8_t tmp[1100];
    word32 len = sizeof(tmp);
    if (s->type == BRSKI_KEY_EC) {
        if (wc_ecc_export_x963(&s->k.ecc, tmp, &len) != 0) {
            return BRSKI_ERR_CRYPTO;
        }
        return brski_buf_append(out, tmp, len);
    }
    if (s->type == BRSKI_KEY_ED25519) {
        if (wc_ed25519_export_public(&s->k.ed, tmp, &len) != 0) {
            return BRSKI_ERR_CRYPTO;
        }
        return brski_buf_append(out, tmp, len);
    }
    uint8_t e[8];
    word32 elen = sizeof(e);
    if (wc_RsaFlattenPublicKey(&s->k.rsa, e, &elen, tmp, &len) != 0) {
        return BRSKI_ERR_CRYPTO;
    }
    size_t m = 0;
    brski_err rv = brski_der_begin(out, BRSKI_DER_SEQUENCE, &m);
    if (rv == BRSKI_OK) {
        rv = brski_der_put_uint_bytes(out, brski_slice_make(tmp, len));
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_put_uint_bytes(out, brski_slice_make(e, elen));
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(out, m);
    }
    return rv;
}

brski_err brski_signer_spki(const brski_signer *s, brski_buf *out)
{
    if (s == NULL || out == NULL) {
        return BRSKI_ERR_ARG;
    }
    brski_buf bits;
    brski_buf_init(&bits, 2048);
    size_t m = 0;
    size_t start = out->len;
    brski_err rv = public_bits(s, &bits);
    if (rv == BRSKI_OK) {
        rv = brski_der_begin(out, BRSKI_DER_SEQUENCE, &m);
    }
    if (rv == BRSKI_OK) {
        rv = put_alg_id(out, s);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_put_bitstring(out, brski_buf_slice(&bits));
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(out, m);
    }
    if (rv != BRSKI_OK) {
        out->len = start;
    }
    brski_buf_clear(&bits);
    return rv;
}

/* RFC 5915 ECPrivateKey with the public key, and the curve when |with_params|. */
static brski_err ec_private_der(const brski_signer *cs, bool with_params, brski_buf *out)
{
    brski_signer *s = (brski_signer *)(uintptr_t)cs;
    uint8_t d[66];
    word32 dlen = sizeof(d);
    uint8_t pub[133];
    word32 plen = sizeof(pub);
    if (wc_ecc_export_private_only(&s->k.ecc, d, &dlen) != 0 ||
        wc_ecc_export_x963(&s->k.ecc, pub, &plen) != 0) {
        brski_memwipe(d, sizeof(d));
        return BRSKI_ERR_CRYPTO;
    }
    size_t m = 0;
    size_t m2 = 0;
    brski_err rv = brski_der_begin(out, BRSKI_DER_SEQUENCE, &m);
    if (rv == BRSKI_OK) {
        rv = brski_der_put_u64(out, 1);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_put(out, BRSKI_DER_OCTET_STRING, brski_slice_make(d, dlen));
    }
    if (rv == BRSKI_OK && with_params) {
        rv = brski_der_begin(out, BRSKI_DER_CONTEXT_CONS(0), &m2);
        if (rv == BRSKI_OK) {
            rv = brski_der_put_oid(out, curve_by_id(s->curve_id)->oid);
        }
        if (rv == BRSKI_OK) {
            rv = brski_der_end(out, m2);
        }
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_begin(out, BRSKI_DER_CONTEXT_CONS(1), &m2);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_put_bitstring(out, brski_slice_make(pub, plen));
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(out, m2);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(out, m);
    }
    brski_memwipe(d, sizeof(d));
    return rv;
}

brski_err brski_signer_export_der(const brski_signer *cs, bool traditional, brski_buf *out)
{
    if (cs == NULL || out == NULL) {
        return BRSKI_ERR_ARG;
    }
    brski_signer *s = (brski_signer *)(uintptr_t)cs;
    if (traditional && s->type == BRSKI_KEY_EC) {
        return ec_private_der(s, true, out);
    }
    brski_buf inner;
    brski_buf_init(&inner, 8192);
    brski_err rv = BRSKI_OK;
    if (s->type == BRSKI_KEY_EC) {
        rv = ec_private_der(s, false, &inner);
    } else if (s->type == BRSKI_KEY_ED25519) {
        uint8_t seed[ED25519_KEY_SIZE];
        word32 slen = sizeof(seed);
        if (wc_ed25519_export_private_only(&s->k.ed, seed, &slen) != 0) {
            rv = BRSKI_ERR_CRYPTO;
        } else {
            rv = brski_der_put(&inner, BRSKI_DER_OCTET_STRING, brski_slice_make(seed, slen));
        }
        brski_memwipe(seed, sizeof(seed));
    } else {
        rv = brski_buf_reserve(&inner, 4096);
        if (rv == BRSKI_OK) {
            int n = wc_RsaKeyToDer(&s->k.rsa, inner.p, (word32)inner.cap);
            if (n <= 0) {
                rv = BRSKI_ERR_CRYPTO;
            } else {
                inner.len = (size_t)n;
            }
        }
    }
    size_t m = 0;
    size_t start = out->len;
    if (rv == BRSKI_OK) {
        rv = brski_der_begin(out, BRSKI_DER_SEQUENCE, &m);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_put_u64(out, 0);
    }
    if (rv == BRSKI_OK) {
        rv = put_alg_id(out, s);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_put(out, BRSKI_DER_OCTET_STRING, brski_buf_slice(&inner));
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(out, m);
    }
    if (rv != BRSKI_OK) {
        brski_memwipe(out->p + start, out->len - start);
        out->len = start;
    }
    brski_buf_wipe(&inner);
    return rv;
}

brski_err brski_signer_write_pem(const brski_signer *s, const char *path)
{
    brski_buf der;
    brski_buf pem;
    brski_buf_init(&der, 16384);
    brski_buf_init(&pem, 32768);
    brski_err rv = brski_signer_export_der(s, false, &der);
    if (rv == BRSKI_OK) {
        rv = brski_pem_encode(brski_buf_slice(&der), "PRIVATE KEY", &pem);
    }
    if (rv == BRSKI_OK) {
        rv = brski_file_write(path, brski_buf_slice(&pem), 0600);
    }
    brski_buf_wipe(&pem);
    brski_buf_wipe(&der);
    return rv;
}

/* ---- signing ---- */

static brski_err sign_ecdsa(brski_signer *s, brski_sig_alg alg, brski_sig_format fmt,
                            brski_slice msg, WC_RNG *rng, brski_buf *out)
{
    uint8_t hash[WC_MAX_DIGEST_SIZE];
    size_t hlen = 0;
    uint8_t sig[160];
    word32 slen = sizeof(sig);
    brski_err rv = brski_sig_hash(alg, msg, hash, &hlen);
    if (rv != BRSKI_OK) {
        return rv;
    }
    if (wc_ecc_sign_hash(hash, (word32)hlen, sig, &slen, rng, &s->k.ecc) != 0) {
        return BRSKI_ERR_CRYPTO;
    }
    if (fmt == BRSKI_SIG_FMT_DER) {
        return brski_buf_append(out, sig, slen);
    }
    /* RFC 8152 8.1: r and s each left-padded to the curve size. */
    size_t flen = (s->bits + 7) / 8;
    uint8_t r[67];
    uint8_t sv[67];
    word32 rlen = sizeof(r);
    word32 svlen = sizeof(sv);
    if (wc_ecc_sig_to_rs(sig, slen, r, &rlen, sv, &svlen) != 0 || rlen > flen || svlen > flen) {
        return BRSKI_ERR_CRYPTO;
    }
    uint8_t raw[134];
    memset(raw, 0, sizeof(raw));
    memcpy(raw + (flen - rlen), r, rlen);
    memcpy(raw + flen + (flen - svlen), sv, svlen);
    return brski_buf_append(out, raw, 2 * flen);
}

static brski_err sign_rsa(brski_signer *s, brski_sig_alg alg, brski_slice msg, WC_RNG *rng,
                          brski_buf *out)
{
    brski_buf di;
    brski_buf_init(&di, 128);
    size_t klen = (s->bits + 7) / 8;
    brski_err rv = brski_rsa_digest_info(alg, msg, &di);
    if (rv == BRSKI_OK) {
        rv = brski_buf_reserve(out, klen);
    }
    if (rv == BRSKI_OK) {
        int n = wc_RsaSSL_Sign(di.p, (word32)di.len, out->p + out->len, (word32)klen, &s->k.rsa,
                               rng);
        if (n <= 0) {
            rv = BRSKI_ERR_CRYPTO;
        } else {
            out->len += (size_t)n;
        }
    }
    brski_buf_clear(&di);
    return rv;
}

brski_err brski_signer_sign(brski_signer *s, brski_sig_alg alg, brski_sig_format fmt,
                            brski_slice msg, const brski_env *env, brski_buf *out)
{
    if (s == NULL || out == NULL) {
        return BRSKI_ERR_ARG;
    }
    if (msg.p == NULL) {
        msg.p = (const uint8_t *)"";
    }
    bool ok;
    switch (alg) {
    case BRSKI_SIG_ECDSA_SHA256:
    case BRSKI_SIG_ECDSA_SHA384:
    case BRSKI_SIG_ECDSA_SHA512:
        ok = s->type == BRSKI_KEY_EC;
        break;
    case BRSKI_SIG_ED25519:
        ok = s->type == BRSKI_KEY_ED25519;
        break;
    case BRSKI_SIG_RSA_SHA256:
    case BRSKI_SIG_RSA_SHA384:
    case BRSKI_SIG_RSA_SHA512:
        ok = s->type == BRSKI_KEY_RSA;
        break;
    default:
        ok = false;
        break;
    }
    if (!ok) {
        brski_log(BRSKI_LOG_WARN, "signer: %s does not suit a %s key", brski_sig_alg_name(alg),
                  brski_key_type_name(s->type));
        return BRSKI_ERR_ARG;
    }
    brski_opcount_add(BRSKI_OP_SIGN, brski_opcount_alg(s->type, s->bits));
    if (s->type == BRSKI_KEY_ED25519) {
        uint8_t sig[ED25519_SIG_SIZE];
        word32 slen = sizeof(sig);
        if (wc_ed25519_sign_msg(msg.p, (word32)msg.len, sig, &slen, &s->k.ed) != 0) {
            return BRSKI_ERR_CRYPTO;
        }
        return brski_buf_append(out, sig, slen);
    }
    WC_RNG rng;
    brski_err rv = rng_open(env, &rng);
    if (rv != BRSKI_OK) {
        return rv;
    }
    if (s->type == BRSKI_KEY_EC) {
        rv = sign_ecdsa(s, alg, fmt, msg, &rng, out);
    } else {
        rv = sign_rsa(s, alg, msg, &rng, out);
    }
    wc_FreeRng(&rng);
    return rv;
}
