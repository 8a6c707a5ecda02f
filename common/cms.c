/*
 * cms.c - CMS SignedData sign (own encoder, signature through brski_signer)
 * and strict verify (own DER walk + wolfCrypt signature check) for vouchers,
 * RFC 5652 / RFC 8366 5.4.
 */
#include "brski/cms.h"

#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/sha256.h>
#include <wolfssl/wolfcrypt/sha512.h>

#include "brski/der.h"
#include "brski/log.h"
#include "brski/opcount.h"
#include "brski/signer.h"

#define OID_ATTR_CONTENT_TYPE "1.2.840.113549.1.9.3"
#define OID_ATTR_MESSAGE_DIGEST "1.2.840.113549.1.9.4"
#define OID_ATTR_SIGNING_TIME "1.2.840.113549.1.9.5"
#define OID_SHA256 "2.16.840.1.101.3.4.2.1"
#define OID_SHA384 "2.16.840.1.101.3.4.2.2"
#define OID_SHA512 "2.16.840.1.101.3.4.2.3"

typedef enum digest_alg { DG_NONE = 0, DG_SHA256, DG_SHA384, DG_SHA512 } digest_alg;

static brski_err bad(const char *what)
{
    brski_log(BRSKI_LOG_WARN, "cms: RFC 5652: %s", what);
    return BRSKI_ERR_MALFORMED;
}

void brski_cms_signed_clear(brski_cms_signed *s)
{
    if (s == NULL) {
        return;
    }
    free(s->content);
    if (s->certs != NULL) {
        brski_certs_free(s->certs, s->cert_count);
    }
    memset(s, 0, sizeof(*s));
}

const brski_cert *brski_cms_signer(const brski_cms_signed *s)
{
    if (s->certs == NULL || s->signer_index >= s->cert_count) {
        return NULL;
    }
    return &s->certs[s->signer_index];
}

/* AlgorithmIdentifier with absent or NULL parameters; |oid| gets the OID content. */
static brski_err read_alg_id(brski_slice *in, brski_slice *oid, bool params_allowed)
{
    brski_slice seq, p;
    if (brski_der_expect(in, BRSKI_DER_SEQUENCE, &seq, NULL) != BRSKI_OK ||
        brski_der_expect(&seq, BRSKI_DER_OID, oid, NULL) != BRSKI_OK) {
        return bad("bad AlgorithmIdentifier");
    }
    if (seq.len > 0) {
        if (!params_allowed || brski_der_expect(&seq, BRSKI_DER_NULL, &p, NULL) != BRSKI_OK ||
            p.len != 0 || seq.len != 0) {
            return bad("unexpected AlgorithmIdentifier parameters");
        }
    }
    return BRSKI_OK;
}

static digest_alg digest_from_oid(brski_slice oid)
{
    if (brski_der_oid_eq(oid, OID_SHA256)) {
        return DG_SHA256;
    }
    if (brski_der_oid_eq(oid, OID_SHA384)) {
        return DG_SHA384;
    }
    if (brski_der_oid_eq(oid, OID_SHA512)) {
        return DG_SHA512;
    }
    return DG_NONE;
}

static brski_err digest(digest_alg alg, brski_slice data, uint8_t *out, size_t *out_len)
{
    int r;
    if (data.len > UINT32_MAX) {
        return BRSKI_ERR_TOOBIG;
    }
    switch (alg) {
    case DG_SHA256:
        *out_len = WC_SHA256_DIGEST_SIZE;
        r = wc_Sha256Hash(data.p, (word32)data.len, out);
        break;
    case DG_SHA384:
        *out_len = WC_SHA384_DIGEST_SIZE;
        r = wc_Sha384Hash(data.p, (word32)data.len, out);
        break;
    case DG_SHA512:
        *out_len = WC_SHA512_DIGEST_SIZE;
        r = wc_Sha512Hash(data.p, (word32)data.len, out);
        break;
    default:
        return BRSKI_ERR_UNSUPPORTED;
    }
    return r == 0 ? BRSKI_OK : BRSKI_ERR_CRYPTO;
}

/*
 * Maps the SignerInfo signatureAlgorithm and digestAlgorithm to one of our
 * algorithms; the digest must be the one the signature algorithm names.
 */
static brski_err map_sig_alg(brski_slice oid, digest_alg dg, brski_sig_alg *out)
{
    static const struct {
        const char *oid;
        digest_alg dg;
        brski_sig_alg alg;
    } map[] = {
        {"1.2.840.10045.4.3.2", DG_SHA256, BRSKI_SIG_ECDSA_SHA256},
        {"1.2.840.10045.4.3.3", DG_SHA384, BRSKI_SIG_ECDSA_SHA384},
        {"1.2.840.10045.4.3.4", DG_SHA512, BRSKI_SIG_ECDSA_SHA512},
        /* id-ecPublicKey as signatureAlgorithm: the digest algorithm decides. */
        {"1.2.840.10045.2.1", DG_SHA256, BRSKI_SIG_ECDSA_SHA256},
        {"1.2.840.10045.2.1", DG_SHA384, BRSKI_SIG_ECDSA_SHA384},
        {"1.2.840.10045.2.1", DG_SHA512, BRSKI_SIG_ECDSA_SHA512},
        /* RFC 8419 3.1: Ed25519 with SHA-512 as the message digest. */
        {"1.3.101.112", DG_SHA512, BRSKI_SIG_ED25519},
        {"1.2.840.113549.1.1.11", DG_SHA256, BRSKI_SIG_RSA_SHA256},
        {"1.2.840.113549.1.1.12", DG_SHA384, BRSKI_SIG_RSA_SHA384},
        {"1.2.840.113549.1.1.13", DG_SHA512, BRSKI_SIG_RSA_SHA512},
        {"1.2.840.113549.1.1.1", DG_SHA256, BRSKI_SIG_RSA_SHA256},
        {"1.2.840.113549.1.1.1", DG_SHA384, BRSKI_SIG_RSA_SHA384},
        {"1.2.840.113549.1.1.1", DG_SHA512, BRSKI_SIG_RSA_SHA512},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (map[i].dg == dg && brski_der_oid_eq(oid, map[i].oid)) {
            *out = map[i].alg;
            return BRSKI_OK;
        }
    }
    brski_log(BRSKI_LOG_WARN, "cms: unsupported or inconsistent signature/digest algorithms");
    return BRSKI_ERR_UNSUPPORTED;
}

typedef struct signed_attrs {
    brski_slice content_type; /* OID content */
    brski_slice message_digest;
    bool has_time;
    int64_t time;
} signed_attrs;

static brski_err parse_signed_attrs(brski_slice set, signed_attrs *sa)
{
    bool have_ct = false, have_md = false;
    memset(sa, 0, sizeof(*sa));
    if (set.len == 0) {
        return bad("empty signedAttrs");
    }
    while (set.len > 0) {
        brski_slice attr, oid, values, val;
        uint8_t tag;
        if (brski_der_expect(&set, BRSKI_DER_SEQUENCE, &attr, NULL) != BRSKI_OK ||
            brski_der_expect(&attr, BRSKI_DER_OID, &oid, NULL) != BRSKI_OK ||
            brski_der_expect(&attr, BRSKI_DER_SET, &values, NULL) != BRSKI_OK || attr.len != 0) {
            return bad("bad Attribute");
        }
        bool is_ct = brski_der_oid_eq(oid, OID_ATTR_CONTENT_TYPE);
        bool is_md = brski_der_oid_eq(oid, OID_ATTR_MESSAGE_DIGEST);
        bool is_st = brski_der_oid_eq(oid, OID_ATTR_SIGNING_TIME);
        if (!is_ct && !is_md && !is_st) {
            continue; /* other attributes are signed but carry nothing we use */
        }
        /* RFC 5652 11.1-11.3: single-valued, and only one instance each. */
        if (brski_der_read(&values, &tag, &val, NULL) != BRSKI_OK || values.len != 0) {
            return bad("contentType/messageDigest/signingTime must have one value");
        }
        if (is_ct) {
            if (have_ct || tag != BRSKI_DER_OID) {
                return bad("contentType attribute repeated or not an OID");
            }
            sa->content_type = val;
            have_ct = true;
        } else if (is_md) {
            if (have_md || tag != BRSKI_DER_OCTET_STRING) {
                return bad("messageDigest attribute repeated or not an OCTET STRING");
            }
            sa->message_digest = val;
            have_md = true;
        } else {
            if (sa->has_time || brski_der_time(tag, val, &sa->time) != BRSKI_OK) {
                return bad("signingTime attribute repeated or malformed");
            }
            sa->has_time = true;
        }
    }
    if (!have_ct || !have_md) {
        return bad("5.3: signedAttrs must carry contentType and messageDigest");
    }
    return BRSKI_OK;
}

static brski_err parse_certs(brski_slice set, brski_cms_signed *out)
{
    out->certs = calloc(BRSKI_CMS_MAX_CERTS, sizeof(brski_cert));
    if (out->certs == NULL) {
        return BRSKI_ERR_NOMEM;
    }
    while (set.len > 0) {
        brski_slice whole, content;
        uint8_t tag;
        if (brski_der_read(&set, &tag, &content, &whole) != BRSKI_OK) {
            return bad("bad CertificateSet");
        }
        if (tag != BRSKI_DER_SEQUENCE) {
            return bad("only X.509 certificates are accepted in CertificateSet");
        }
        if (out->cert_count == BRSKI_CMS_MAX_CERTS) {
            brski_log(BRSKI_LOG_WARN, "cms: more than %u certificates", BRSKI_CMS_MAX_CERTS);
            return BRSKI_ERR_TOOBIG;
        }
        brski_err rv = brski_cert_parse(whole, &out->certs[out->cert_count]);
        if (rv != BRSKI_OK) {
            brski_log(BRSKI_LOG_WARN, "cms: embedded certificate %zu does not parse",
                      out->cert_count);
            return rv;
        }
        out->cert_count++;
    }
    return BRSKI_OK;
}

/* Finds the certificate named by |sid| (issuerAndSerialNumber or [0] SKI). */
static brski_err find_signer(brski_cms_signed *out, uint8_t sid_tag, brski_slice sid,
                             int si_version)
{
    brski_slice issuer, serial, skip;
    bool by_ski = sid_tag == BRSKI_DER_CONTEXT(0);
    if (by_ski) {
        if (si_version != 3 || sid.len == 0) {
            return bad("5.3: subjectKeyIdentifier sid needs SignerInfo version 3");
        }
    } else {
        if (si_version != 1 || sid_tag != BRSKI_DER_SEQUENCE ||
            brski_der_expect(&sid, BRSKI_DER_SEQUENCE, &skip, &issuer) != BRSKI_OK ||
            brski_der_expect(&sid, BRSKI_DER_INTEGER, &serial, NULL) != BRSKI_OK || sid.len != 0) {
            return bad("5.3: bad issuerAndSerialNumber or SignerInfo version");
        }
    }
    for (size_t i = 0; i < out->cert_count; i++) {
        const brski_cert *c = &out->certs[i];
        bool match = by_ski
                         ? brski_slice_eq(c->ski, sid)
                         : brski_slice_eq(c->issuer, issuer) && brski_slice_eq(c->serial, serial);
        if (match) {
            out->signer_index = i;
            return BRSKI_OK;
        }
    }
    brski_log(BRSKI_LOG_WARN, "cms: RFC 8366 5.4: the signer certificate is not embedded");
    return BRSKI_ERR_CRYPTO;
}

/*
 * The strict walk of brski_cms_verify; with |check_sig| false everything but
 * the public-key signature check (for our own output, signed a moment ago
 * with a key compared to the signer certificate).
 */
static brski_err verify_inner(brski_slice der, bool check_sig, brski_cms_signed *out)
{
    brski_slice ci, oid, explicit0, sd, v, digest_algs, eci, ectype, econtent_wrap, econtent;
    brski_slice signer_infos, si;
    uint64_t version;
    brski_err rv;

    if (der.len > BRSKI_MAX_BODY) {
        return BRSKI_ERR_TOOBIG;
    }
    /* ContentInfo, with nothing after it. */
    if (brski_der_expect(&der, BRSKI_DER_SEQUENCE, &ci, NULL) != BRSKI_OK || der.len != 0) {
        return bad("not one DER ContentInfo (or trailing bytes)");
    }
    if (brski_der_expect(&ci, BRSKI_DER_OID, &oid, NULL) != BRSKI_OK ||
        !brski_der_oid_eq(oid, BRSKI_OID_SIGNED_DATA)) {
        return bad("ContentInfo is not id-signedData");
    }
    if (brski_der_expect(&ci, BRSKI_DER_CONTEXT_CONS(0), &explicit0, NULL) != BRSKI_OK ||
        ci.len != 0 || brski_der_expect(&explicit0, BRSKI_DER_SEQUENCE, &sd, NULL) != BRSKI_OK ||
        explicit0.len != 0) {
        return bad("bad ContentInfo content");
    }
    /* SignedData */
    if (brski_der_expect(&sd, BRSKI_DER_INTEGER, &v, NULL) != BRSKI_OK ||
        brski_der_int_u64(v, &version) != BRSKI_OK || (version != 1 && version != 3)) {
        return bad("5.1: SignedData version must be 1 or 3");
    }
    out->version = (int)version;
    if (brski_der_expect(&sd, BRSKI_DER_SET, &digest_algs, NULL) != BRSKI_OK ||
        digest_algs.len == 0) {
        return bad("bad digestAlgorithms");
    }
    if (brski_der_expect(&sd, BRSKI_DER_SEQUENCE, &eci, NULL) != BRSKI_OK ||
        brski_der_expect(&eci, BRSKI_DER_OID, &ectype, NULL) != BRSKI_OK) {
        return bad("bad encapContentInfo");
    }
    if (brski_der_oid_eq(ectype, BRSKI_OID_CT_VOUCHER)) {
        out->voucher_ctype = true;
    } else if (!brski_der_oid_eq(ectype, BRSKI_OID_DATA)) {
        brski_log(BRSKI_LOG_WARN, "cms: rfc8366bis 7.1: eContentType is neither "
                                  "id-ct-animaJSONVoucher nor id-data");
        return BRSKI_ERR_MALFORMED;
    }
    /* RFC 5652 5.1: version 3 when eContentType is not id-data. */
    if (out->voucher_ctype && version != 3) {
        return bad("5.1: SignedData version must be 3 for a non-id-data eContentType");
    }
    if (eci.len == 0) {
        brski_log(BRSKI_LOG_WARN, "cms: RFC 8366 5.4: detached content is not accepted");
        return BRSKI_ERR_MALFORMED;
    }
    if (brski_der_expect(&eci, BRSKI_DER_CONTEXT_CONS(0), &econtent_wrap, NULL) != BRSKI_OK ||
        eci.len != 0 ||
        brski_der_expect(&econtent_wrap, BRSKI_DER_OCTET_STRING, &econtent, NULL) != BRSKI_OK ||
        econtent_wrap.len != 0) {
        return bad("eContent is not one primitive OCTET STRING");
    }
    /* certificates [0], crls [1] (ignored), signerInfos */
    if (brski_der_peek(sd, BRSKI_DER_CONTEXT_CONS(0))) {
        brski_slice certs;
        if (brski_der_expect(&sd, BRSKI_DER_CONTEXT_CONS(0), &certs, NULL) != BRSKI_OK) {
            return bad("bad certificates");
        }
        rv = parse_certs(certs, out);
        if (rv != BRSKI_OK) {
            return rv;
        }
    }
    if (brski_der_peek(sd, BRSKI_DER_CONTEXT_CONS(1))) {
        if (brski_der_expect(&sd, BRSKI_DER_CONTEXT_CONS(1), &v, NULL) != BRSKI_OK) {
            return bad("bad crls");
        }
    }
    if (brski_der_expect(&sd, BRSKI_DER_SET, &signer_infos, NULL) != BRSKI_OK || sd.len != 0) {
        return bad("bad signerInfos or trailing SignedData fields");
    }
    if (brski_der_expect(&signer_infos, BRSKI_DER_SEQUENCE, &si, NULL) != BRSKI_OK ||
        signer_infos.len != 0) {
        brski_log(BRSKI_LOG_WARN, "cms: rfc8366bis 7.1: exactly one SignerInfo is required");
        return BRSKI_ERR_MALFORMED;
    }
    if (out->cert_count == 0) {
        brski_log(BRSKI_LOG_WARN, "cms: RFC 8366 5.4: no certificates embedded");
        return BRSKI_ERR_CRYPTO;
    }

    /* SignerInfo */
    uint64_t si_version;
    brski_slice sid, dg_oid, attrs, attrs_whole, sig_oid, sig;
    uint8_t sid_tag;
    if (brski_der_expect(&si, BRSKI_DER_INTEGER, &v, NULL) != BRSKI_OK ||
        brski_der_int_u64(v, &si_version) != BRSKI_OK || (si_version != 1 && si_version != 3)) {
        return bad("5.3: SignerInfo version must be 1 or 3");
    }
    if (brski_der_read(&si, &sid_tag, &sid, NULL) != BRSKI_OK) {
        return bad("bad sid");
    }
    rv = read_alg_id(&si, &dg_oid, true);
    if (rv != BRSKI_OK) {
        return rv;
    }
    if (!brski_der_peek(si, BRSKI_DER_CONTEXT_CONS(0))) {
        brski_log(BRSKI_LOG_WARN, "cms: rfc8366bis 7.1 / RFC 5652 5.3: signedAttrs missing");
        return BRSKI_ERR_MALFORMED;
    }
    if (brski_der_expect(&si, BRSKI_DER_CONTEXT_CONS(0), &attrs, &attrs_whole) != BRSKI_OK) {
        return bad("bad signedAttrs");
    }
    rv = read_alg_id(&si, &sig_oid, true);
    if (rv != BRSKI_OK) {
        return rv;
    }
    if (brski_der_expect(&si, BRSKI_DER_OCTET_STRING, &sig, NULL) != BRSKI_OK) {
        return bad("bad signature");
    }
    if (brski_der_peek(si, BRSKI_DER_CONTEXT_CONS(1))) {
        if (brski_der_expect(&si, BRSKI_DER_CONTEXT_CONS(1), &v, NULL) != BRSKI_OK) {
            return bad("bad unsignedAttrs");
        }
    }
    if (si.len != 0) {
        return bad("trailing SignerInfo fields");
    }

    /* The digest algorithm must be one of those announced in digestAlgorithms. */
    digest_alg dg = digest_from_oid(dg_oid);
    bool listed = false;
    while (digest_algs.len > 0) {
        brski_slice o;
        rv = read_alg_id(&digest_algs, &o, true);
        if (rv != BRSKI_OK) {
            return rv;
        }
        listed = listed || brski_slice_eq(o, dg_oid);
    }
    if (dg == DG_NONE || !listed) {
        return bad("digestAlgorithm unsupported or not in digestAlgorithms");
    }
    rv = map_sig_alg(sig_oid, dg, &out->sig_alg);
    if (rv != BRSKI_OK) {
        return rv;
    }

    signed_attrs sa;
    rv = parse_signed_attrs(attrs, &sa);
    if (rv != BRSKI_OK) {
        return rv;
    }
    /* RFC 5652 11.1: the contentType attribute equals eContentType. */
    if (!brski_slice_eq(sa.content_type, ectype)) {
        return bad("11.1: contentType attribute differs from eContentType");
    }
    out->has_signing_time = sa.has_time;
    out->signing_time = sa.time;

    rv = find_signer(out, sid_tag, sid, (int)si_version);
    if (rv != BRSKI_OK) {
        return rv;
    }

    uint8_t md[64];
    size_t md_len = 0;
    rv = digest(dg, econtent, md, &md_len);
    if (rv != BRSKI_OK) {
        return rv;
    }
    if (sa.message_digest.len != md_len || !brski_ct_eq(sa.message_digest.p, md, md_len)) {
        brski_log(BRSKI_LOG_WARN, "cms: RFC 5652 5.4: messageDigest does not match the content");
        return BRSKI_ERR_CRYPTO;
    }

    /* RFC 5652 5.4: the signature covers the DER of signedAttrs with a SET OF tag. */
    uint8_t *signed_bytes = brski_memdup(attrs_whole.p, attrs_whole.len);
    if (signed_bytes == NULL) {
        return BRSKI_ERR_NOMEM;
    }
    signed_bytes[0] = BRSKI_DER_SET;
    const brski_cert *signer = &out->certs[out->signer_index];
    rv = check_sig ? brski_pubkey_verify(signer->spki, out->sig_alg, BRSKI_SIG_FMT_DER,
                                         brski_slice_make(signed_bytes, attrs_whole.len), sig)
                   : BRSKI_OK;
    free(signed_bytes);
    if (rv != BRSKI_OK) {
        brski_log(BRSKI_LOG_WARN, "cms: signature does not verify with the signer certificate");
        return rv == BRSKI_ERR_UNSUPPORTED ? rv : BRSKI_ERR_CRYPTO;
    }

    out->content = brski_memdup(econtent.p, econtent.len);
    if (out->content == NULL && econtent.len > 0) {
        return BRSKI_ERR_NOMEM;
    }
    out->content_len = econtent.len;
    return BRSKI_OK;
}

brski_err brski_cms_verify(brski_slice der, brski_cms_signed *out)
{
    memset(out, 0, sizeof(*out));
    brski_err rv = verify_inner(der, true, out);
    if (rv != BRSKI_OK) {
        brski_cms_signed_clear(out);
    }
    return rv;
}

/* One signed attribute SEQUENCE { type, SET { value } } appended to |b|. */
static brski_err put_attr(brski_buf *b, const char *oid, brski_slice value_tlv)
{
    size_t m1, m2;
    brski_err rv = brski_der_begin(b, BRSKI_DER_SEQUENCE, &m1);
    if (rv == BRSKI_OK) {
        rv = brski_der_put_oid(b, oid);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_begin(b, BRSKI_DER_SET, &m2);
    }
    if (rv == BRSKI_OK) {
        rv = brski_buf_append(b, value_tlv.p, value_tlv.len);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(b, m2);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(b, m1);
    }
    return rv;
}

/* X.690 11.6: SET OF components in ascending order of their encodings. */
static int der_cmp(brski_slice a, brski_slice b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = memcmp(a.p, b.p, n);
    if (c != 0) {
        return c;
    }
    return a.len < b.len ? -1 : a.len > b.len ? 1 : 0;
}

/* Digest and signature algorithm of a SignerInfo for one signer key. */
typedef struct sign_algs {
    digest_alg dg;
    const char *dg_oid;
    brski_sig_alg sig;
    const char *sig_oid;
    bool sig_null_params; /* RFC 4055 2.1: RSA AlgorithmIdentifiers carry NULL */
} sign_algs;

/*
 * The signature algorithm brski_signer picks for |key| (RFC 5754 3.3 ECDSA:
 * SHA-256 for P-256, SHA-384 for P-384, SHA-512 for P-521; RFC 8419 3.1
 * Ed25519; RFC 5754 3.2 RSA PKCS#1 v1.5 with SHA-256) and the digest
 * algorithm it names (Ed25519: SHA-512).
 */
static brski_err sign_algs_for(const brski_signer *key, sign_algs *a)
{
    memset(a, 0, sizeof(*a));
    a->sig = brski_signer_sig_alg(key);
    switch (a->sig) {
    case BRSKI_SIG_ECDSA_SHA256:
    case BRSKI_SIG_RSA_SHA256:
        a->dg = DG_SHA256;
        a->dg_oid = OID_SHA256;
        break;
    case BRSKI_SIG_ECDSA_SHA384:
        a->dg = DG_SHA384;
        a->dg_oid = OID_SHA384;
        break;
    case BRSKI_SIG_ECDSA_SHA512:
    case BRSKI_SIG_ED25519:
        a->dg = DG_SHA512;
        a->dg_oid = OID_SHA512;
        break;
    default:
        return BRSKI_ERR_UNSUPPORTED;
    }
    a->sig_oid = brski_sig_alg_oid(a->sig, &a->sig_null_params);
    return a->sig_oid != NULL ? BRSKI_OK : BRSKI_ERR_UNSUPPORTED;
}

/* AlgorithmIdentifier { |oid|, NULL when |null_params| } appended to |b|. */
static brski_err put_alg_id(brski_buf *b, const char *oid, bool null_params)
{
    size_t m;
    brski_err rv = brski_der_begin(b, BRSKI_DER_SEQUENCE, &m);
    if (rv == BRSKI_OK) {
        rv = brski_der_put_oid(b, oid);
    }
    if (rv == BRSKI_OK && null_params) {
        rv = brski_der_put(b, BRSKI_DER_NULL, brski_slice_make(NULL, 0));
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(b, m);
    }
    return rv;
}

/*
 * Our own SignedData encoder (RFC 5652 5): the signature over the DER SET OF
 * signedAttrs is made by brski_signer with the key as it was loaded and
 * checked once, instead of wolfSSL's PKCS#7 encoder, which re-imports and
 * re-checks the private key for every signature (and cannot sign with
 * Ed25519 in wolfSSL 5.5.4).
 */
static brski_err sign_own(brski_slice content, bool voucher_ctype, brski_signer *key,
                          const brski_cert *cert, const brski_slice *chain, size_t chain_count,
                          const brski_env *env, brski_buf *out)
{
    const char *ctype = voucher_ctype ? BRSKI_OID_CT_VOUCHER : BRSKI_OID_DATA;
    brski_buf a[3], attrs, sig, ct_tlv, md_tlv, time_tlv, b, spki;
    uint8_t md[64];
    size_t md_len = 0, m0, m1, m2, m3, m4, m5;
    sign_algs alg;
    brski_err rv;
    for (size_t i = 0; i < 3; i++) {
        brski_buf_init(&a[i], 256);
    }
    brski_buf_init(&attrs, 1024);
    brski_buf_init(&sig, 1024);
    brski_buf_init(&ct_tlv, 64);
    brski_buf_init(&md_tlv, 80);
    brski_buf_init(&time_tlv, 32);
    brski_buf_init(&b, BRSKI_MAX_BODY);
    brski_buf_init(&spki, BRSKI_MAX_CERT);

    rv = sign_algs_for(key, &alg);
    /* The key must be the one of |cert| (compared, not re-derived). */
    if (rv == BRSKI_OK) {
        rv = brski_signer_spki(key, &spki);
    }
    if (rv == BRSKI_OK && !brski_slice_eq(brski_buf_slice(&spki), cert->spki)) {
        brski_log(BRSKI_LOG_WARN, "cms: the signing key is not the key of the signer certificate");
        rv = BRSKI_ERR_ARG;
    }
    if (rv == BRSKI_OK) {
        rv = digest(alg.dg, content, md, &md_len);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_put_oid(&ct_tlv, ctype);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_put(&md_tlv, BRSKI_DER_OCTET_STRING, brski_slice_make(md, md_len));
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_put_time(&time_tlv, brski_env_now(env));
    }
    /* RFC 5652 11.1 contentType, 11.3 signingTime, 11.2 messageDigest. */
    if (rv == BRSKI_OK) {
        rv = put_attr(&a[0], OID_ATTR_CONTENT_TYPE, brski_buf_slice(&ct_tlv));
    }
    if (rv == BRSKI_OK) {
        rv = put_attr(&a[1], OID_ATTR_SIGNING_TIME, brski_buf_slice(&time_tlv));
    }
    if (rv == BRSKI_OK) {
        rv = put_attr(&a[2], OID_ATTR_MESSAGE_DIGEST, brski_buf_slice(&md_tlv));
    }
    if (rv != BRSKI_OK) {
        goto out;
    }
    /* Sort the three attributes (insertion sort) and build SET OF. */
    size_t order[3] = {0, 1, 2};
    for (size_t i = 1; i < 3; i++) {
        for (size_t j = i; j > 0 && der_cmp(brski_buf_slice(&a[order[j - 1]]),
                                            brski_buf_slice(&a[order[j]])) > 0;
             j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    }
    rv = brski_der_begin(&attrs, BRSKI_DER_SET, &m0);
    for (size_t i = 0; rv == BRSKI_OK && i < 3; i++) {
        rv = brski_buf_append(&attrs, a[order[i]].p, a[order[i]].len);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(&attrs, m0);
    }
    /* RFC 5652 5.4: the signature covers the DER of signedAttrs with the SET tag. */
    if (rv == BRSKI_OK) {
        rv = brski_signer_sign(key, alg.sig, BRSKI_SIG_FMT_DER, brski_buf_slice(&attrs), env,
                               &sig);
    }
    if (rv != BRSKI_OK) {
        goto out;
    }
    /* [0] IMPLICIT: the signedAttrs carry the context tag on the wire. */
    attrs.p[0] = BRSKI_DER_CONTEXT_CONS(0);

    rv = brski_der_begin(&b, BRSKI_DER_SEQUENCE, &m0); /* ContentInfo */
    if (rv == BRSKI_OK) {
        rv = brski_der_put_oid(&b, BRSKI_OID_SIGNED_DATA);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_begin(&b, BRSKI_DER_CONTEXT_CONS(0), &m1);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_begin(&b, BRSKI_DER_SEQUENCE, &m2); /* SignedData */
    }
    /* RFC 5652 5.1: version 3 when eContentType is not id-data (rfc8366bis 7.1). */
    if (rv == BRSKI_OK) {
        rv = brski_der_put_u64(&b, voucher_ctype ? 3 : 1);
    }
    if (rv == BRSKI_OK) { /* digestAlgorithms */
        rv = brski_der_begin(&b, BRSKI_DER_SET, &m3);
        if (rv == BRSKI_OK) {
            rv = put_alg_id(&b, alg.dg_oid, false);
        }
        if (rv == BRSKI_OK) {
            rv = brski_der_end(&b, m3);
        }
    }
    if (rv == BRSKI_OK) { /* encapContentInfo */
        rv = brski_der_begin(&b, BRSKI_DER_SEQUENCE, &m3);
        if (rv == BRSKI_OK) {
            rv = brski_der_put_oid(&b, ctype);
        }
        if (rv == BRSKI_OK) {
            rv = brski_der_begin(&b, BRSKI_DER_CONTEXT_CONS(0), &m4);
        }
        if (rv == BRSKI_OK) {
            rv = brski_der_put(&b, BRSKI_DER_OCTET_STRING, content);
        }
        if (rv == BRSKI_OK) {
            rv = brski_der_end(&b, m4);
        }
        if (rv == BRSKI_OK) {
            rv = brski_der_end(&b, m3);
        }
    }
    if (rv == BRSKI_OK) { /* certificates [0] IMPLICIT */
        rv = brski_der_begin(&b, BRSKI_DER_CONTEXT_CONS(0), &m3);
        if (rv == BRSKI_OK) {
            rv = brski_buf_append(&b, cert->der, cert->der_len);
        }
        for (size_t i = 0; rv == BRSKI_OK && i < chain_count; i++) {
            rv = brski_buf_append(&b, chain[i].p, chain[i].len);
        }
        if (rv == BRSKI_OK) {
            rv = brski_der_end(&b, m3);
        }
    }
    if (rv == BRSKI_OK) { /* signerInfos */
        rv = brski_der_begin(&b, BRSKI_DER_SET, &m3);
        if (rv == BRSKI_OK) {
            rv = brski_der_begin(&b, BRSKI_DER_SEQUENCE, &m4);
        }
        if (rv == BRSKI_OK) {
            rv = brski_der_put_u64(&b, 1);
        }
        if (rv == BRSKI_OK) { /* issuerAndSerialNumber */
            rv = brski_der_begin(&b, BRSKI_DER_SEQUENCE, &m5);
            if (rv == BRSKI_OK) {
                rv = brski_buf_append(&b, cert->issuer.p, cert->issuer.len);
            }
            if (rv == BRSKI_OK) {
                rv = brski_der_put(&b, BRSKI_DER_INTEGER, cert->serial);
            }
            if (rv == BRSKI_OK) {
                rv = brski_der_end(&b, m5);
            }
        }
        if (rv == BRSKI_OK) {
            rv = put_alg_id(&b, alg.dg_oid, false);
        }
        if (rv == BRSKI_OK) {
            rv = brski_buf_append(&b, attrs.p, attrs.len);
        }
        if (rv == BRSKI_OK) {
            rv = put_alg_id(&b, alg.sig_oid, alg.sig_null_params);
        }
        if (rv == BRSKI_OK) {
            rv = brski_der_put(&b, BRSKI_DER_OCTET_STRING, brski_buf_slice(&sig));
        }
        if (rv == BRSKI_OK) {
            rv = brski_der_end(&b, m4);
        }
        if (rv == BRSKI_OK) {
            rv = brski_der_end(&b, m3);
        }
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(&b, m2);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(&b, m1);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(&b, m0);
    }
    /*
     * Check what we produced with the same strict rules a receiver applies
     * (structure, attributes, digest, signer lookup). The public-key check of
     * the signature is left to the receivers: the key was compared with the
     * signer certificate above, and a verification here cost as much as the
     * signature again.
     */
    if (rv == BRSKI_OK) {
        brski_cms_signed check;
        memset(&check, 0, sizeof(check));
        rv = verify_inner(brski_buf_slice(&b), false, &check);
        brski_cms_signed_clear(&check);
        if (rv != BRSKI_OK) {
            brski_log(BRSKI_LOG_WARN, "cms: our own SignedData does not verify");
        }
    }
    if (rv == BRSKI_OK) {
        rv = brski_buf_append(out, b.p, b.len);
    }
out:
    for (size_t i = 0; i < 3; i++) {
        brski_buf_clear(&a[i]);
    }
    brski_buf_clear(&attrs);
    brski_buf_clear(&sig);
    brski_buf_clear(&ct_tlv);
    brski_buf_clear(&md_tlv);
    brski_buf_clear(&time_tlv);
    brski_buf_clear(&b);
    brski_buf_clear(&spki);
    return rv;
}

brski_err brski_cms_sign_with(brski_slice content, bool voucher_ctype, brski_signer *key,
                              brski_slice cert_der, const brski_slice *chain, size_t chain_count,
                              const brski_env *env, brski_buf *out)
{
    brski_cert cert;
    brski_err rv;

    if (key == NULL || content.len == 0 || content.len > BRSKI_MAX_BODY / 2 ||
        chain_count > BRSKI_CMS_MAX_CERTS - 1) {
        return BRSKI_ERR_ARG;
    }
    memset(&cert, 0, sizeof(cert));
    rv = brski_cert_parse(cert_der, &cert);
    if (rv == BRSKI_OK) {
        rv = sign_own(content, voucher_ctype, key, &cert, chain, chain_count, env, out);
    }
    brski_cert_clear(&cert);
    return rv;
}

brski_err brski_cms_sign(brski_slice content, bool voucher_ctype, brski_slice key_der,
                         brski_slice cert_der, const brski_slice *chain, size_t chain_count,
                         const brski_env *env, brski_buf *out)
{
    brski_signer *key = NULL;
    brski_err rv;

    if (key_der.len == 0) {
        return BRSKI_ERR_ARG;
    }
    rv = brski_signer_from_bytes(key_der, &key);
    if (rv == BRSKI_OK) {
        rv = brski_cms_sign_with(content, voucher_ctype, key, cert_der, chain, chain_count, env,
                                 out);
    }
    brski_signer_free(key);
    return rv;
}
