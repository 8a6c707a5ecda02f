/*
 * cose.c - COSE_Sign1 decode / verify / sign / strip (RFC 9052, RFC 9053,
 * RFC 9360) for cBRSKI vouchers and voucher-requests.
 */
#include "brski/cose.h"

#include <string.h>

#include "brski/cbor_scan.h"
#include "brski/log.h"
#include "brski/signer.h"
#include "brski/x509.h"

#define COSE_MAX_LABELS 32u

/* Labels seen across both header maps, to reject duplicates (RFC 9052 §3). */
typedef struct cose_labels {
    size_t n;
    bool is_text[COSE_MAX_LABELS];
    int64_t num[COSE_MAX_LABELS];
    brski_slice text[COSE_MAX_LABELS];
} cose_labels;

static brski_err cose_fail(brski_err rv, const char *why)
{
    brski_log(BRSKI_LOG_WARN, "cose: %s", why);
    return rv;
}

/* ---- cursor reading over pre-scanned, definite-length CBOR ---- */

static bool rd_head(brski_slice *c, unsigned *major, uint64_t *arg)
{
    unsigned ai = 0;
    if (!brski_cbor_read_head(c, major, &ai, arg)) {
        return false;
    }
    return ai != 31;
}

static bool rd_string(brski_slice *c, unsigned want_major, brski_slice *out)
{
    unsigned major = 0;
    uint64_t len = 0;
    if (!rd_head(c, &major, &len) || major != want_major || len > c->len) {
        return false;
    }
    return brski_slice_take(c, (size_t)len, out);
}

/* An integer that fits int64 (major 0 or 1). */
static bool rd_int_value(unsigned major, uint64_t arg, int64_t *out)
{
    if (arg > (uint64_t)INT64_MAX) {
        return false;
    }
    if (major == BRSKI_CBOR_UINT) {
        *out = (int64_t)arg;
        return true;
    }
    if (major == BRSKI_CBOR_NEGINT) {
        *out = -1 - (int64_t)arg;
        return true;
    }
    return false;
}

/* Takes the next whole data item off |c| into |item|. */
static bool rd_item(brski_slice *c, brski_slice *item)
{
    brski_cbor_limits lim = {0, 0, 0, true, true};
    size_t n = 0;
    if (brski_cbor_scan(*c, &lim, &n) != BRSKI_OK) {
        return false;
    }
    return brski_slice_take(c, n, item);
}

/* x5bag / x5chain value: a bstr or an array of bstr (RFC 9360 §2). */
static brski_err parse_x5(brski_slice v, int label, bool prot, brski_cose_sign1 *out)
{
    if (out->x5_label != 0) {
        return cose_fail(BRSKI_ERR_MALFORMED, "RFC 9360 2: more than one x5bag/x5chain");
    }
    brski_slice c = v;
    if (v.len > 0 && (v.p[0] >> 5) == BRSKI_CBOR_BYTES) {
        if (!rd_string(&c, BRSKI_CBOR_BYTES, &out->x5[0]) || c.len != 0) {
            return cose_fail(BRSKI_ERR_MALFORMED, "RFC 9360 2: bad certificate bstr");
        }
        out->x5_count = 1;
    } else {
        unsigned major = 0;
        uint64_t n = 0;
        if (!rd_head(&c, &major, &n) || major != BRSKI_CBOR_ARRAY || n == 0) {
            return cose_fail(BRSKI_ERR_MALFORMED,
                             "RFC 9360 2: x5bag/x5chain is not a bstr or an array of bstr");
        }
        if (n > BRSKI_COSE_MAX_CERTS) {
            return cose_fail(BRSKI_ERR_TOOBIG, "x5bag/x5chain holds too many certificates");
        }
        for (size_t i = 0; i < (size_t)n; i++) {
            if (!rd_string(&c, BRSKI_CBOR_BYTES, &out->x5[i])) {
                return cose_fail(BRSKI_ERR_MALFORMED, "RFC 9360 2: certificate is not a bstr");
            }
        }
        out->x5_count = (size_t)n;
    }
    out->x5_label = label;
    out->x5_protected = prot;
    return BRSKI_OK;
}

static brski_err note_label(cose_labels *seen, bool is_text, int64_t num, brski_slice text)
{
    for (size_t i = 0; i < seen->n; i++) {
        if (seen->is_text[i] == is_text &&
            (is_text ? brski_slice_eq(seen->text[i], text) : seen->num[i] == num)) {
            return cose_fail(BRSKI_ERR_MALFORMED,
                             "RFC 9052 3: header label appears twice or in both buckets");
        }
    }
    if (seen->n >= COSE_MAX_LABELS) {
        return cose_fail(BRSKI_ERR_TOOBIG, "too many header parameters");
    }
    seen->is_text[seen->n] = is_text;
    seen->num[seen->n] = num;
    seen->text[seen->n] = text;
    seen->n++;
    return BRSKI_OK;
}

/* Walks one header map (the whole encoded map in |map|). */
static brski_err parse_hdr_map(brski_slice map, bool prot, cose_labels *seen, bool *have_alg,
                               brski_cose_sign1 *out)
{
    brski_slice c = map;
    unsigned major = 0;
    uint64_t n = 0;
    if (!rd_head(&c, &major, &n) || major != BRSKI_CBOR_MAP) {
        return cose_fail(BRSKI_ERR_MALFORMED, "RFC 9052 3: header is not a map");
    }
    for (uint64_t i = 0; i < n; i++) {
        unsigned kmajor = 0;
        uint64_t karg = 0;
        brski_slice key = c, val;
        if (!rd_head(&c, &kmajor, &karg)) {
            return cose_fail(BRSKI_ERR_MALFORMED, "RFC 9052 3: truncated header");
        }
        int64_t label = 0;
        bool is_text = false;
        brski_slice text = {NULL, 0};
        if (kmajor == BRSKI_CBOR_TEXT) {
            c = key;
            if (!rd_string(&c, BRSKI_CBOR_TEXT, &text)) {
                return cose_fail(BRSKI_ERR_MALFORMED, "RFC 9052 3: bad text label");
            }
            is_text = true;
        } else if (!rd_int_value(kmajor, karg, &label)) {
            return cose_fail(BRSKI_ERR_MALFORMED, "RFC 9052 3: label is not an int or tstr");
        }
        if (!rd_item(&c, &val)) {
            return cose_fail(BRSKI_ERR_MALFORMED, "RFC 9052 3: header value missing");
        }
        brski_err rv = note_label(seen, is_text, label, text);
        if (rv != BRSKI_OK) {
            return rv;
        }
        if (is_text) {
            continue; /* private text labels carry nothing we use */
        }
        switch (label) {
        case BRSKI_COSE_HDR_ALG: {
            /*
             * RFC 9052 3.1: alg "MUST be authenticated where the ability to
             * do so exists"; COSE_Sign1 always has it, so we require it
             * in the protected bucket.
             */
            if (!prot) {
                return cose_fail(BRSKI_ERR_MALFORMED, "RFC 9052 3.1: alg is not protected");
            }
            brski_slice vc = val;
            unsigned vmajor = 0;
            uint64_t varg = 0;
            if (!rd_head(&vc, &vmajor, &varg)) {
                return cose_fail(BRSKI_ERR_MALFORMED, "RFC 9052 3.1: bad alg");
            }
            if (vmajor == BRSKI_CBOR_TEXT) {
                return cose_fail(BRSKI_ERR_UNSUPPORTED, "RFC 9052 3.1: text alg not supported");
            }
            if (!rd_int_value(vmajor, varg, &out->alg)) {
                return cose_fail(BRSKI_ERR_MALFORMED, "RFC 9052 3.1: alg is not an int");
            }
            *have_alg = true;
            break;
        }
        case BRSKI_COSE_HDR_CRIT:
            return cose_fail(BRSKI_ERR_UNSUPPORTED,
                             "RFC 9052 3.1: crit header names parameters we do not process");
        case BRSKI_COSE_HDR_KID: {
            brski_slice vc = val;
            if (!rd_string(&vc, BRSKI_CBOR_BYTES, &out->kid)) {
                return cose_fail(BRSKI_ERR_MALFORMED, "RFC 9052 3.1: kid is not a bstr");
            }
            out->kid_protected = prot;
            break;
        }
        case BRSKI_COSE_HDR_X5BAG:
        case BRSKI_COSE_HDR_X5CHAIN:
            rv = parse_x5(val, (int)label, prot, out);
            if (rv != BRSKI_OK) {
                return rv;
            }
            break;
        default:
            break; /* e.g. content type, CWT claims (cBRSKI 9.2.5) */
        }
    }
    if (c.len != 0) {
        return cose_fail(BRSKI_ERR_MALFORMED, "RFC 9052 3: bytes after the header map");
    }
    return BRSKI_OK;
}

bool brski_cose_looks_like(brski_slice in)
{
    return in.len >= 2 && (in.p[0] == 0xd2 || in.p[0] == 0x84);
}

brski_err brski_cose_sign1_parse(brski_slice in, brski_cose_sign1 *out)
{
    if (out == NULL || (in.p == NULL && in.len != 0)) {
        return BRSKI_ERR_ARG;
    }
    memset(out, 0, sizeof(*out));
    brski_cose_sign1 m;
    memset(&m, 0, sizeof(m));
    brski_cbor_limits lim = {0, 0, 0, true, false};
    brski_err rv = brski_cbor_scan(in, &lim, NULL);
    if (rv != BRSKI_OK) {
        return cose_fail(rv, "RFC 9052 2: not one bounded, definite-length CBOR item");
    }
    brski_slice c = in;
    unsigned major = 0;
    uint64_t arg = 0;
    if (!rd_head(&c, &major, &arg)) {
        return cose_fail(BRSKI_ERR_MALFORMED, "RFC 9052 2: truncated");
    }
    if (major == BRSKI_CBOR_TAG) {
        if (arg != BRSKI_COSE_TAG_SIGN1) {
            return cose_fail(BRSKI_ERR_MALFORMED, "RFC 9052 4.2: tag is not 18 (COSE_Sign1)");
        }
        m.tagged = true;
        if (!rd_head(&c, &major, &arg)) {
            return cose_fail(BRSKI_ERR_MALFORMED, "RFC 9052 2: truncated");
        }
    }
    if (major != BRSKI_CBOR_ARRAY || arg != 4) {
        return cose_fail(BRSKI_ERR_MALFORMED, "RFC 9052 4.2: COSE_Sign1 is not a 4-element array");
    }
    /* protected: bstr .cbor header_map / bstr .size 0 */
    if (!rd_string(&c, BRSKI_CBOR_BYTES, &m.protected_hdr)) {
        return cose_fail(BRSKI_ERR_MALFORMED, "RFC 9052 3: protected header is not a bstr");
    }
    cose_labels seen;
    memset(&seen, 0, sizeof(seen));
    bool have_alg = false;
    if (m.protected_hdr.len > 0) {
        rv = brski_cbor_scan(m.protected_hdr, &lim, NULL);
        if (rv != BRSKI_OK) {
            return cose_fail(rv, "RFC 9052 3: protected header is not one CBOR map");
        }
        rv = parse_hdr_map(m.protected_hdr, true, &seen, &have_alg, &m);
        if (rv != BRSKI_OK) {
            return rv;
        }
    }
    if (!rd_item(&c, &m.unprotected)) {
        return cose_fail(BRSKI_ERR_MALFORMED, "RFC 9052 3: unprotected header missing");
    }
    rv = parse_hdr_map(m.unprotected, false, &seen, &have_alg, &m);
    if (rv != BRSKI_OK) {
        return rv;
    }
    if (!have_alg) {
        return cose_fail(BRSKI_ERR_MALFORMED, "RFC 9052 3.1: no alg in the protected header");
    }
    if (c.len > 0 && c.p[0] == 0xf6) {
        return cose_fail(BRSKI_ERR_UNSUPPORTED, "RFC 9052 4.1: detached payload not supported");
    }
    if (!rd_string(&c, BRSKI_CBOR_BYTES, &m.payload)) {
        return cose_fail(BRSKI_ERR_MALFORMED, "RFC 9052 4.2: payload is not a bstr");
    }
    if (!rd_string(&c, BRSKI_CBOR_BYTES, &m.signature)) {
        return cose_fail(BRSKI_ERR_MALFORMED, "RFC 9052 4.2: signature is not a bstr");
    }
    if (c.len != 0) {
        return cose_fail(BRSKI_ERR_MALFORMED, "RFC 9052 4.2: trailing bytes");
    }
    *out = m;
    return BRSKI_OK;
}

brski_err brski_cose_sig_structure(brski_slice protected_hdr, brski_slice payload, brski_buf *out)
{
    size_t start = out->len;
    /* RFC 9052 §4.4: Sig_structure = [context, body_protected, external_aad, payload] */
    brski_err rv = brski_cbor_put_head(out, BRSKI_CBOR_ARRAY, 4);
    if (rv == BRSKI_OK) {
        rv = brski_cbor_put_text(out, "Signature1", 10);
    }
    if (rv == BRSKI_OK) {
        rv = brski_cbor_put_bytes(out, protected_hdr);
    }
    if (rv == BRSKI_OK) {
        rv = brski_cbor_put_bytes(out, brski_slice_make(NULL, 0)); /* external_aad = h'' */
    }
    if (rv == BRSKI_OK) {
        rv = brski_cbor_put_bytes(out, payload);
    }
    if (rv != BRSKI_OK) {
        out->len = start;
    }
    return rv;
}

brski_sig_alg brski_cose_alg_sig(int64_t alg)
{
    switch (alg) {
    case BRSKI_COSE_ALG_ES256:
        return BRSKI_SIG_ECDSA_SHA256;
    case BRSKI_COSE_ALG_ES384:
        return BRSKI_SIG_ECDSA_SHA384;
    case BRSKI_COSE_ALG_ES512:
        return BRSKI_SIG_ECDSA_SHA512;
    case BRSKI_COSE_ALG_EDDSA:
        return BRSKI_SIG_ED25519;
    default:
        return BRSKI_SIG_UNKNOWN;
    }
}

int64_t brski_cose_alg_for_key(brski_key_type type, unsigned bits)
{
    if (type == BRSKI_KEY_EC && bits == 256) {
        return BRSKI_COSE_ALG_ES256;
    }
    if (type == BRSKI_KEY_EC && bits == 384) {
        return BRSKI_COSE_ALG_ES384;
    }
    if (type == BRSKI_KEY_EC && bits == 521) {
        return BRSKI_COSE_ALG_ES512;
    }
    if (type == BRSKI_KEY_ED25519) {
        return BRSKI_COSE_ALG_EDDSA;
    }
    return 0;
}

/* Raw signature length for |alg| (RFC 9053 §2.1: r and s each padded to the key size). */
static size_t cose_sig_len(int64_t alg)
{
    switch (alg) {
    case BRSKI_COSE_ALG_ES256:
        return 64;
    case BRSKI_COSE_ALG_ES384:
        return 96;
    case BRSKI_COSE_ALG_ES512:
        return 132;
    case BRSKI_COSE_ALG_EDDSA:
        return 64;
    default:
        return 0;
    }
}

/* Group order L of edwards25519, little-endian (RFC 8032 §5.1). */
static const uint8_t ed25519_l[32] = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
};

/* True when the little-endian scalar |s| (32 bytes) is below L. */
static bool ed25519_s_canonical(const uint8_t *s)
{
    for (size_t i = 32; i-- > 0;) {
        if (s[i] < ed25519_l[i]) {
            return true;
        }
        if (s[i] > ed25519_l[i]) {
            return false;
        }
    }
    return false; /* S == L */
}

brski_err brski_cose_verify_raw(int64_t alg, brski_slice spki, brski_slice tbs, brski_slice sig)
{
    brski_sig_alg sa = brski_cose_alg_sig(alg);
    if (sa == BRSKI_SIG_UNKNOWN) {
        brski_log(BRSKI_LOG_WARN, "cose: RFC 9053 2: unsupported alg %lld", (long long)alg);
        return BRSKI_ERR_UNSUPPORTED;
    }
    brski_key_type type = BRSKI_KEY_NONE;
    unsigned bits = 0;
    brski_err rv = brski_spki_info(spki, &type, &bits);
    if (rv != BRSKI_OK) {
        return cose_fail(BRSKI_ERR_MALFORMED, "verification key does not parse");
    }
    /*
     * RFC 9053 §2.1: "the curve of the key MUST match the hash" is our
     * reading of ES256 = P-256 + SHA-256 etc.; §2.2: EdDSA keys are OKP.
     */
    if (brski_cose_alg_for_key(type, bits) != alg) {
        brski_log(BRSKI_LOG_WARN, "cose: RFC 9053 2.1: alg %lld does not suit a %s-%u key",
                  (long long)alg, brski_key_type_name(type), bits);
        return BRSKI_ERR_CRYPTO;
    }
    if (sig.len != cose_sig_len(alg)) {
        brski_log(BRSKI_LOG_WARN, "cose: RFC 9053 2.1: signature is %zu bytes, expected %zu",
                  sig.len, cose_sig_len(alg));
        return BRSKI_ERR_CRYPTO;
    }
    /* RFC 8032 §5.1.7: "If S >= L ... the signature is invalid" (wolfSSL 5.5.4 misses it). */
    if (alg == BRSKI_COSE_ALG_EDDSA && !ed25519_s_canonical(sig.p + 32)) {
        return cose_fail(BRSKI_ERR_CRYPTO, "RFC 8032 5.1.7: Ed25519 S is not below L");
    }
    /*
     * No log line for a plain mismatch: callers try several candidate keys
     * (anchors, x5bag certificates) and report the outcome themselves.
     */
    rv = brski_pubkey_verify(spki, sa, BRSKI_SIG_FMT_RAW, tbs, sig);
    if (rv != BRSKI_OK) {
        return rv == BRSKI_ERR_UNSUPPORTED ? rv : BRSKI_ERR_CRYPTO;
    }
    return BRSKI_OK;
}

brski_err brski_cose_sign1_verify(const brski_cose_sign1 *msg, brski_slice spki)
{
    if (msg == NULL) {
        return BRSKI_ERR_ARG;
    }
    brski_buf tbs;
    brski_buf_init(&tbs, BRSKI_CBOR_MAX_SIZE + 64);
    brski_err rv = brski_cose_sig_structure(msg->protected_hdr, msg->payload, &tbs);
    if (rv == BRSKI_OK) {
        rv = brski_cose_verify_raw(msg->alg, spki, brski_buf_slice(&tbs), msg->signature);
    }
    brski_buf_clear(&tbs);
    return rv;
}

/* The certificates as a bstr (one) or an array of bstr (several), RFC 9360 §2. */
static brski_err put_x5(brski_buf *out, const brski_cose_sign_opts *o)
{
    brski_err rv = BRSKI_OK;
    if (o->x5_count > 1) {
        rv = brski_cbor_put_head(out, BRSKI_CBOR_ARRAY, o->x5_count);
    }
    for (size_t i = 0; i < o->x5_count && rv == BRSKI_OK; i++) {
        rv = brski_cbor_put_bytes(out, o->x5[i]);
    }
    return rv;
}

/* One header map with the entries that belong in it, ascending labels. */
static brski_err put_hdr(brski_buf *out, const brski_cose_sign_opts *o, int64_t alg, bool prot)
{
    bool kid = o->kid.len > 0 && o->kid_protected == prot;
    bool x5 = o->x5_count > 0 && o->x5_protected == prot;
    size_t n = (prot ? 1u : 0u) + (kid ? 1u : 0u) + (x5 ? 1u : 0u);
    brski_err rv = brski_cbor_put_head(out, BRSKI_CBOR_MAP, n);
    if (rv == BRSKI_OK && prot) {
        rv = brski_cbor_put_int(out, BRSKI_COSE_HDR_ALG);
        if (rv == BRSKI_OK) {
            rv = brski_cbor_put_int(out, alg);
        }
    }
    if (rv == BRSKI_OK && kid) {
        rv = brski_cbor_put_int(out, BRSKI_COSE_HDR_KID);
        if (rv == BRSKI_OK) {
            rv = brski_cbor_put_bytes(out, o->kid);
        }
    }
    if (rv == BRSKI_OK && x5) {
        rv = brski_cbor_put_int(out, o->x5_label != 0 ? o->x5_label : BRSKI_COSE_HDR_X5BAG);
        if (rv == BRSKI_OK) {
            rv = put_x5(out, o);
        }
    }
    return rv;
}

brski_err brski_cose_sign1_sign(brski_signer *key, brski_slice payload,
                                const brski_cose_sign_opts *opts, const brski_env *env,
                                brski_buf *out)
{
    brski_cose_sign_opts defaults;
    memset(&defaults, 0, sizeof(defaults));
    const brski_cose_sign_opts *o = opts != NULL ? opts : &defaults;
    if (key == NULL || out == NULL || o->x5_count > BRSKI_COSE_MAX_CERTS ||
        (o->x5_count > 0 && o->x5 == NULL) ||
        (o->x5_label != 0 && o->x5_label != BRSKI_COSE_HDR_X5BAG &&
         o->x5_label != BRSKI_COSE_HDR_X5CHAIN)) {
        return BRSKI_ERR_ARG;
    }
    int64_t key_alg = brski_cose_alg_for_key(brski_signer_key_type(key), brski_signer_key_bits(key));
    if (key_alg == 0) {
        return cose_fail(BRSKI_ERR_UNSUPPORTED, "RFC 9053 2: no COSE algorithm for this key");
    }
    int64_t alg = o->alg != 0 ? o->alg : key_alg;
    if (alg != key_alg) {
        return cose_fail(BRSKI_ERR_ARG, "RFC 9053 2.1: requested alg does not suit the key");
    }
    brski_buf prot, tbs, sig;
    brski_buf_init(&prot, BRSKI_CBOR_MAX_SIZE);
    brski_buf_init(&tbs, BRSKI_CBOR_MAX_SIZE + 64);
    brski_buf_init(&sig, 256);
    size_t start = out->len;
    brski_err rv = put_hdr(&prot, o, alg, true);
    if (rv == BRSKI_OK) {
        rv = brski_cose_sig_structure(brski_buf_slice(&prot), payload, &tbs);
    }
    if (rv == BRSKI_OK) {
        rv = brski_signer_sign(key, brski_cose_alg_sig(alg), BRSKI_SIG_FMT_RAW,
                               brski_buf_slice(&tbs), env, &sig);
    }
    if (rv == BRSKI_OK && sig.len != cose_sig_len(alg)) {
        rv = cose_fail(BRSKI_ERR_CRYPTO, "signer returned a signature of the wrong size");
    }
    if (rv == BRSKI_OK && !o->untagged) {
        rv = brski_cbor_put_head(out, BRSKI_CBOR_TAG, BRSKI_COSE_TAG_SIGN1);
    }
    if (rv == BRSKI_OK) {
        rv = brski_cbor_put_head(out, BRSKI_CBOR_ARRAY, 4);
    }
    if (rv == BRSKI_OK) {
        rv = brski_cbor_put_bytes(out, brski_buf_slice(&prot));
    }
    if (rv == BRSKI_OK) {
        rv = put_hdr(out, o, alg, false);
    }
    if (rv == BRSKI_OK) {
        rv = brski_cbor_put_bytes(out, payload);
    }
    if (rv == BRSKI_OK) {
        rv = brski_cbor_put_bytes(out, brski_buf_slice(&sig));
    }
    if (rv != BRSKI_OK) {
        out->len = start;
    }
    brski_buf_clear(&prot);
    brski_buf_clear(&tbs);
    brski_buf_clear(&sig);
    return rv;
}

brski_err brski_cose_sign1_strip_x5(brski_slice in, brski_buf *out)
{
    brski_cose_sign1 m;
    brski_err rv = brski_cose_sign1_parse(in, &m);
    if (rv != BRSKI_OK) {
        return rv;
    }
    /* Pass 1: count the unprotected entries we keep. Pass 2: copy them verbatim. */
    size_t keep = 0;
    size_t start = out->len;
    for (int pass = 0; pass < 2 && rv == BRSKI_OK; pass++) {
        brski_slice c = m.unprotected;
        unsigned major = 0;
        uint64_t n = 0;
        if (!rd_head(&c, &major, &n)) {
            return BRSKI_ERR_INTERNAL; /* parse accepted it */
        }
        if (pass == 1) {
            if (m.tagged) {
                rv = brski_cbor_put_head(out, BRSKI_CBOR_TAG, BRSKI_COSE_TAG_SIGN1);
            }
            if (rv == BRSKI_OK) {
                rv = brski_cbor_put_head(out, BRSKI_CBOR_ARRAY, 4);
            }
            if (rv == BRSKI_OK) {
                rv = brski_cbor_put_bytes(out, m.protected_hdr);
            }
            if (rv == BRSKI_OK) {
                rv = brski_cbor_put_head(out, BRSKI_CBOR_MAP, keep);
            }
        }
        for (uint64_t i = 0; i < n && rv == BRSKI_OK; i++) {
            brski_slice k, v;
            if (!rd_item(&c, &k) || !rd_item(&c, &v)) {
                return BRSKI_ERR_INTERNAL;
            }
            /* cBRSKI §6.8: strip unprotected x5bag (32) and x5chain (33). */
            brski_slice kc = k;
            unsigned kmajor = 0;
            uint64_t karg = 0;
            bool drop = rd_head(&kc, &kmajor, &karg) && kmajor == BRSKI_CBOR_UINT &&
                        (karg == BRSKI_COSE_HDR_X5BAG || karg == BRSKI_COSE_HDR_X5CHAIN);
            if (drop) {
                continue;
            }
            if (pass == 0) {
                keep++;
            } else {
                rv = brski_buf_append(out, k.p, k.len);
                if (rv == BRSKI_OK) {
                    rv = brski_buf_append(out, v.p, v.len);
                }
            }
        }
    }
    if (rv == BRSKI_OK) {
        rv = brski_cbor_put_bytes(out, m.payload);
    }
    if (rv == BRSKI_OK) {
        rv = brski_cbor_put_bytes(out, m.signature);
    }
    if (rv != BRSKI_OK) {
        out->len = start;
    }
    return rv;
}
