/*
 * est.c - EST encodings (RFC 7030, RFC 8951): certs-only PKCS#7, base64
 * bodies, CSR attributes, and the registrar's LDevID issuing decision.
 */
#include "brski/est.h"

#include <string.h>

#include "brski/codec.h"
#include "brski/der.h"
#include "brski/log.h"

#define OID_SIGNED_DATA "1.2.840.113549.1.7.2"
#define OID_DATA "1.2.840.113549.1.7.1"


/* True when |s| is exactly one DER TLV with tag |tag|. */
static bool is_single_tlv(brski_slice s, uint8_t tag)
{
    brski_slice content;
    if (brski_der_expect(&s, tag, &content, NULL) != BRSKI_OK) {
        return false;
    }
    return s.len == 0;
}

/* ---- certs-only ---- */

brski_err brski_est_certs_only_encode(const brski_slice *certs, size_t n, brski_buf *out)
{
    size_t start = out->len;
    size_t m_ci = 0, m_explicit = 0, m_sd = 0, m_set = 0, m_eci = 0, m_certs = 0;
    brski_err rv;

    if (certs == NULL || n == 0 || n > BRSKI_EST_MAX_CERTS) {
        return BRSKI_ERR_ARG;
    }
    for (size_t i = 0; i < n; i++) {
        if (!is_single_tlv(certs[i], BRSKI_DER_SEQUENCE)) {
            brski_log(BRSKI_LOG_WARN, "est: certs-only: certificate %zu is not one DER SEQUENCE",
                      i);
            return BRSKI_ERR_MALFORMED;
        }
    }
    /* RFC 5652 3: ContentInfo { contentType, [0] EXPLICIT content } */
    rv = brski_der_begin(out, BRSKI_DER_SEQUENCE, &m_ci);
    if (rv == BRSKI_OK) {
        rv = brski_der_put_oid(out, OID_SIGNED_DATA);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_begin(out, BRSKI_DER_CONTEXT_CONS(0), &m_explicit);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_begin(out, BRSKI_DER_SEQUENCE, &m_sd);
    }
    /*
     * RFC 5652 5.1: version is 1 when there are no attribute certificates,
     * no other certificate/CRL formats and eContentType is id-data.
     */
    if (rv == BRSKI_OK) {
        rv = brski_der_put_u64(out, 1);
    }
    /* digestAlgorithms: empty SET (no signers). */
    if (rv == BRSKI_OK) {
        rv = brski_der_begin(out, BRSKI_DER_SET, &m_set);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(out, m_set);
    }
    /* encapContentInfo { id-data } with eContent absent. */
    if (rv == BRSKI_OK) {
        rv = brski_der_begin(out, BRSKI_DER_SEQUENCE, &m_eci);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_put_oid(out, OID_DATA);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(out, m_eci);
    }
    /* certificates [0] IMPLICIT CertificateSet */
    if (rv == BRSKI_OK) {
        rv = brski_der_begin(out, BRSKI_DER_CONTEXT_CONS(0), &m_certs);
    }
    for (size_t i = 0; i < n && rv == BRSKI_OK; i++) {
        rv = brski_buf_append(out, certs[i].p, certs[i].len);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(out, m_certs);
    }
    /* signerInfos: empty SET. */
    if (rv == BRSKI_OK) {
        rv = brski_der_begin(out, BRSKI_DER_SET, &m_set);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(out, m_set);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(out, m_sd);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(out, m_explicit);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(out, m_ci);
    }
    if (rv != BRSKI_OK) {
        out->len = start;
    }
    return rv;
}

static brski_err certs_only_fail(const char *what)
{
    brski_log(BRSKI_LOG_WARN, "est: certs-only: RFC 5652 5.1 / RFC 7030 4.1.3: %s", what);
    return BRSKI_ERR_MALFORMED;
}

brski_err brski_est_certs_only_parse(brski_slice der, brski_slice *certs, size_t max,
                                     size_t *count)
{
    brski_slice in = der, ci, oid, explicit, sd, tmp, ver, eci, set, item, whole;
    uint64_t version = 0;
    uint8_t tag = 0;
    size_t n = 0;

    *count = 0;
    if (der.len > BRSKI_MAX_BODY) {
        return BRSKI_ERR_TOOBIG;
    }
    if (brski_der_expect(&in, BRSKI_DER_SEQUENCE, &ci, NULL) != BRSKI_OK || in.len != 0) {
        return certs_only_fail("ContentInfo is not one SEQUENCE");
    }
    if (brski_der_expect(&ci, BRSKI_DER_OID, &oid, NULL) != BRSKI_OK ||
        !brski_der_oid_eq(oid, OID_SIGNED_DATA)) {
        return certs_only_fail("contentType is not id-signedData");
    }
    if (brski_der_expect(&ci, BRSKI_DER_CONTEXT_CONS(0), &explicit, NULL) != BRSKI_OK ||
        ci.len != 0) {
        return certs_only_fail("content is not [0] EXPLICIT");
    }
    if (brski_der_expect(&explicit, BRSKI_DER_SEQUENCE, &sd, NULL) != BRSKI_OK ||
        explicit.len != 0) {
        return certs_only_fail("SignedData is not one SEQUENCE");
    }
    if (brski_der_expect(&sd, BRSKI_DER_INTEGER, &ver, NULL) != BRSKI_OK ||
        brski_der_int_u64(ver, &version) != BRSKI_OK || version < 1 || version > 4) {
        return certs_only_fail("bad SignedData version");
    }
    /* digestAlgorithms: a SET of AlgorithmIdentifier; contents unused without signers. */
    if (brski_der_expect(&sd, BRSKI_DER_SET, &set, NULL) != BRSKI_OK) {
        return certs_only_fail("digestAlgorithms missing");
    }
    while (set.len > 0) {
        if (brski_der_expect(&set, BRSKI_DER_SEQUENCE, &item, NULL) != BRSKI_OK) {
            return certs_only_fail("bad digestAlgorithms entry");
        }
    }
    if (brski_der_expect(&sd, BRSKI_DER_SEQUENCE, &eci, NULL) != BRSKI_OK ||
        brski_der_expect(&eci, BRSKI_DER_OID, &oid, NULL) != BRSKI_OK ||
        !brski_der_oid_eq(oid, OID_DATA) || eci.len != 0) {
        return certs_only_fail("encapContentInfo must be id-data without eContent");
    }
    if (!brski_der_peek(sd, BRSKI_DER_CONTEXT_CONS(0))) {
        return certs_only_fail("no certificates");
    }
    if (brski_der_expect(&sd, BRSKI_DER_CONTEXT_CONS(0), &set, NULL) != BRSKI_OK) {
        return certs_only_fail("bad certificates field");
    }
    while (set.len > 0) {
        if (brski_der_read(&set, &tag, &item, &whole) != BRSKI_OK) {
            return certs_only_fail("bad certificate encoding");
        }
        if (tag != BRSKI_DER_SEQUENCE) {
            brski_log(BRSKI_LOG_WARN, "est: certs-only: certificate choice 0x%02x unsupported",
                      (unsigned)tag);
            return BRSKI_ERR_UNSUPPORTED;
        }
        if (whole.len > BRSKI_MAX_CERT) {
            return BRSKI_ERR_TOOBIG;
        }
        if (n >= max) {
            brski_log(BRSKI_LOG_WARN, "est: certs-only: more than %zu certificates", max);
            return BRSKI_ERR_TOOBIG;
        }
        certs[n++] = whole;
    }
    if (n == 0) {
        return certs_only_fail("empty certificate set");
    }
    /* crls [1] IMPLICIT RevocationInfoChoices OPTIONAL: skipped. */
    if (brski_der_peek(sd, BRSKI_DER_CONTEXT_CONS(1))) {
        if (brski_der_expect(&sd, BRSKI_DER_CONTEXT_CONS(1), &tmp, NULL) != BRSKI_OK) {
            return certs_only_fail("bad crls field");
        }
    }
    if (brski_der_expect(&sd, BRSKI_DER_SET, &set, NULL) != BRSKI_OK || sd.len != 0) {
        return certs_only_fail("signerInfos missing or trailing data");
    }
    if (set.len != 0) {
        brski_log(BRSKI_LOG_WARN, "est: certs-only: RFC 7030 4.1.3: SignerInfos present");
        return BRSKI_ERR_UNSUPPORTED;
    }
    *count = n;
    return BRSKI_OK;
}

brski_err brski_est_certs_only_body(const brski_slice *certs, size_t n, brski_buf *out)
{
    brski_buf der;
    brski_err rv;

    brski_buf_init(&der, BRSKI_MAX_BODY);
    rv = brski_est_certs_only_encode(certs, n, &der);
    if (rv == BRSKI_OK) {
        rv = brski_est_body_encode(brski_buf_slice(&der), out);
    }
    brski_buf_clear(&der);
    return rv;
}

/* ---- body transfer encoding ---- */

#define EST_B64_LINE 64u

brski_err brski_est_body_encode(brski_slice der, brski_buf *out)
{
    brski_buf b64;
    size_t start = out->len;
    brski_err rv;

    brski_buf_init(&b64, (der.len / 3 + 1) * 4 + 4);
    rv = brski_base64_encode(der, &b64);
    for (size_t off = 0; rv == BRSKI_OK && off < b64.len; off += EST_B64_LINE) {
        size_t n = b64.len - off < EST_B64_LINE ? b64.len - off : EST_B64_LINE;
        rv = brski_buf_append(out, b64.p + off, n);
        if (rv == BRSKI_OK) {
            rv = brski_buf_append(out, "\r\n", 2);
        }
    }
    if (rv != BRSKI_OK) {
        out->len = start;
    }
    brski_buf_clear(&b64);
    return rv;
}

brski_err brski_est_body_decode(brski_slice body, size_t max_der, bool allow_binary,
                                brski_buf *out)
{
    brski_buf der;
    size_t start = out->len;
    /*
     * Base64 of max_der bytes is 4*ceil(max_der/3); allow for CRLF after every
     * character group and some surrounding whitespace, no more, so that a
     * huge body is refused before any decoding work.
     */
    size_t max_b64 = (max_der / 3 + 1) * 4;
    size_t max_body = max_b64 + max_b64 / 2 + 64;
    brski_err rv;

    if (body.len > max_body) {
        brski_log(BRSKI_LOG_WARN, "est: body of %zu bytes exceeds %zu", body.len, max_body);
        return BRSKI_ERR_TOOBIG;
    }
    /*
     * The decoder reserves room by input length (whitespace included), so
     * give it that much and apply |max_der| to the actual result.
     */
    brski_buf_init(&der, body.len + 4);
    rv = brski_base64_decode_loose(body, &der);
    if (rv == BRSKI_OK && der.len > max_der) {
        brski_log(BRSKI_LOG_WARN, "est: decoded body of %zu bytes exceeds %zu", der.len, max_der);
        rv = BRSKI_ERR_TOOBIG;
    }
    if (rv == BRSKI_ERR_MALFORMED && allow_binary && body.len <= max_der &&
        is_single_tlv(body, BRSKI_DER_SEQUENCE)) {
        brski_buf_reset(&der);
        rv = brski_buf_append(&der, body.p, body.len);
    } else if (rv == BRSKI_ERR_MALFORMED) {
        brski_log(BRSKI_LOG_WARN, "est: RFC 8951 / RFC 7030 4.1.3: body is not base64");
    }
    if (rv == BRSKI_OK && !is_single_tlv(brski_buf_slice(&der), BRSKI_DER_SEQUENCE)) {
        brski_log(BRSKI_LOG_WARN, "est: body does not decode to one DER SEQUENCE");
        rv = BRSKI_ERR_MALFORMED;
    }
    if (rv == BRSKI_OK) {
        rv = brski_buf_append(out, der.p, der.len);
    }
    if (rv != BRSKI_OK) {
        out->len = start;
    }
    brski_buf_clear(&der);
    return rv;
}

/* ---- CSR attributes ---- */

brski_err brski_est_csrattrs_encode(const brski_est_csrattr *items, size_t n, brski_buf *out)
{
    size_t start = out->len;
    size_t m_seq = 0, m_attr = 0, m_set = 0;
    brski_err rv;

    if (n > BRSKI_EST_MAX_CSRATTRS || (n > 0 && items == NULL)) {
        return BRSKI_ERR_ARG;
    }
    rv = brski_der_begin(out, BRSKI_DER_SEQUENCE, &m_seq);
    for (size_t i = 0; i < n && rv == BRSKI_OK; i++) {
        const brski_est_csrattr *a = &items[i];
        if (!a->is_attribute) {
            rv = brski_der_put_oid(out, a->oid);
            continue;
        }
        /* Attribute values must be |value_count| whole TLVs. */
        brski_slice v = a->values, c;
        uint8_t tag = 0;
        size_t k = 0;
        if (a->value_count == 0 || a->value_count > BRSKI_EST_MAX_ATTR_VALUES) {
            rv = BRSKI_ERR_ARG;
            break;
        }
        while (v.len > 0 && rv == BRSKI_OK) {
            rv = brski_der_read(&v, &tag, &c, NULL);
            k++;
        }
        if (rv == BRSKI_OK && k != a->value_count) {
            rv = BRSKI_ERR_MALFORMED;
        }
        if (rv == BRSKI_OK) {
            rv = brski_der_begin(out, BRSKI_DER_SEQUENCE, &m_attr);
        }
        if (rv == BRSKI_OK) {
            rv = brski_der_put_oid(out, a->oid);
        }
        if (rv == BRSKI_OK) {
            rv = brski_der_begin(out, BRSKI_DER_SET, &m_set);
        }
        if (rv == BRSKI_OK) {
            rv = brski_buf_append(out, a->values.p, a->values.len);
        }
        if (rv == BRSKI_OK) {
            rv = brski_der_end(out, m_set);
        }
        if (rv == BRSKI_OK) {
            rv = brski_der_end(out, m_attr);
        }
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(out, m_seq);
    }
    if (rv != BRSKI_OK) {
        out->len = start;
    }
    return rv;
}

brski_err brski_est_csrattrs_parse(brski_slice der, brski_est_csrattr *items, size_t max,
                                   size_t *count)
{
    brski_slice in = der, seq, el, whole;
    uint8_t tag = 0;
    size_t n = 0;

    *count = 0;
    if (der.len > BRSKI_MAX_BODY) {
        return BRSKI_ERR_TOOBIG;
    }
    if (brski_der_expect(&in, BRSKI_DER_SEQUENCE, &seq, NULL) != BRSKI_OK || in.len != 0) {
        brski_log(BRSKI_LOG_WARN, "est: RFC 7030 4.5.2: CsrAttrs is not one SEQUENCE");
        return BRSKI_ERR_MALFORMED;
    }
    while (seq.len > 0) {
        brski_est_csrattr a;
        memset(&a, 0, sizeof(a));
        if (brski_der_read(&seq, &tag, &el, &whole) != BRSKI_OK) {
            return BRSKI_ERR_MALFORMED;
        }
        if (n >= max) {
            brski_log(BRSKI_LOG_WARN, "est: CsrAttrs: more than %zu entries", max);
            return BRSKI_ERR_TOOBIG;
        }
        if (tag == BRSKI_DER_OID) {
            if (brski_der_oid_to_str(el, a.oid, sizeof(a.oid)) != BRSKI_OK) {
                return BRSKI_ERR_MALFORMED;
            }
        } else if (tag == BRSKI_DER_SEQUENCE) {
            brski_slice oid, set, v;
            size_t k = 0;
            if (brski_der_expect(&el, BRSKI_DER_OID, &oid, NULL) != BRSKI_OK ||
                brski_der_oid_to_str(oid, a.oid, sizeof(a.oid)) != BRSKI_OK ||
                brski_der_expect(&el, BRSKI_DER_SET, &set, NULL) != BRSKI_OK || el.len != 0) {
                brski_log(BRSKI_LOG_WARN, "est: RFC 7030 4.5.2: bad Attribute in CsrAttrs");
                return BRSKI_ERR_MALFORMED;
            }
            a.is_attribute = true;
            a.values = set;
            while (set.len > 0) {
                if (brski_der_read(&set, &tag, &v, NULL) != BRSKI_OK) {
                    return BRSKI_ERR_MALFORMED;
                }
                if (++k > BRSKI_EST_MAX_ATTR_VALUES) {
                    return BRSKI_ERR_TOOBIG;
                }
            }
            if (k == 0) {
                brski_log(BRSKI_LOG_WARN, "est: RFC 7030 4.5.2: Attribute without values");
                return BRSKI_ERR_MALFORMED;
            }
            a.value_count = k;
        } else {
            brski_log(BRSKI_LOG_WARN, "est: RFC 7030 4.5.2: CsrAttrs entry tag 0x%02x",
                      (unsigned)tag);
            return BRSKI_ERR_MALFORMED;
        }
        items[n++] = a;
    }
    *count = n;
    return BRSKI_OK;
}

brski_err brski_est_csrattrs_build(const brski_est_key_policy *keys,
                                   const brski_est_csrattrs_cfg *cfg, brski_buf *out)
{
    brski_est_csrattr items[8];
    size_t n = 0;

    memset(items, 0, sizeof(items));
    /* Signature algorithms we accept, the first being the preferred one. */
    const char *algs[5];
    size_t nalg = 0;
    if (keys->allow_ec && keys->ec_min_bits <= 256) {
        algs[nalg++] = BRSKI_OID_ECDSA_SHA256;
    }
    if (keys->allow_ec && keys->ec_min_bits <= 384) {
        algs[nalg++] = BRSKI_OID_ECDSA_SHA384;
    }
    if (keys->allow_ec && keys->ec_min_bits <= 521) {
        algs[nalg++] = BRSKI_OID_ECDSA_SHA512;
    }
    if (keys->allow_ed25519) {
        algs[nalg++] = BRSKI_OID_ED25519;
    }
    if (keys->allow_rsa) {
        algs[nalg++] = BRSKI_OID_RSA_SHA256;
    }
    for (size_t i = 0; i < nalg; i++) {
        memcpy(items[n].oid, algs[i], strlen(algs[i]) + 1);
        n++;
    }
    if (cfg != NULL && cfg->request_san) {
        memcpy(items[n].oid, BRSKI_OID_CE_SAN, sizeof(BRSKI_OID_CE_SAN));
        n++;
    }
    return brski_est_csrattrs_encode(items, n, out);
}

static brski_sig_alg sig_alg_from_oid(const char *oid)
{
    if (strcmp(oid, BRSKI_OID_ECDSA_SHA256) == 0) {
        return BRSKI_SIG_ECDSA_SHA256;
    }
    if (strcmp(oid, BRSKI_OID_ECDSA_SHA384) == 0) {
        return BRSKI_SIG_ECDSA_SHA384;
    }
    if (strcmp(oid, BRSKI_OID_ECDSA_SHA512) == 0) {
        return BRSKI_SIG_ECDSA_SHA512;
    }
    if (strcmp(oid, BRSKI_OID_ED25519) == 0) {
        return BRSKI_SIG_ED25519;
    }
    if (strcmp(oid, BRSKI_OID_RSA_SHA256) == 0) {
        return BRSKI_SIG_RSA_SHA256;
    }
    if (strcmp(oid, "1.2.840.113549.1.1.12") == 0) {
        return BRSKI_SIG_RSA_SHA384;
    }
    if (strcmp(oid, "1.2.840.113549.1.1.13") == 0) {
        return BRSKI_SIG_RSA_SHA512;
    }
    return BRSKI_SIG_UNKNOWN;
}

/*
 * Looks for extension |ext_oid| inside the extensionRequest attribute
 * (PKCS#9, RFC 2985 5.4.2) of the CSR attributes [0] contents |attrs|;
 * |value| (may be NULL) gets the extnValue OCTET STRING contents.
 */
static brski_err csr_find_ext(brski_slice attrs, const char *ext_oid, bool *found,
                              brski_slice *value)
{
    brski_slice attr, oid, set, exts, ext, eoid, octets;

    *found = false;
    while (attrs.len > 0) {
        if (brski_der_expect(&attrs, BRSKI_DER_SEQUENCE, &attr, NULL) != BRSKI_OK ||
            brski_der_expect(&attr, BRSKI_DER_OID, &oid, NULL) != BRSKI_OK ||
            brski_der_expect(&attr, BRSKI_DER_SET, &set, NULL) != BRSKI_OK || attr.len != 0) {
            return BRSKI_ERR_MALFORMED;
        }
        if (!brski_der_oid_eq(oid, BRSKI_OID_EXTENSION_REQUEST)) {
            continue;
        }
        while (set.len > 0) {
            if (brski_der_expect(&set, BRSKI_DER_SEQUENCE, &exts, NULL) != BRSKI_OK) {
                return BRSKI_ERR_MALFORMED;
            }
            while (exts.len > 0) {
                if (brski_der_expect(&exts, BRSKI_DER_SEQUENCE, &ext, NULL) != BRSKI_OK ||
                    brski_der_expect(&ext, BRSKI_DER_OID, &eoid, NULL) != BRSKI_OK) {
                    return BRSKI_ERR_MALFORMED;
                }
                if (!brski_der_oid_eq(eoid, ext_oid)) {
                    continue;
                }
                if (*found) {
                    /* RFC 5280 4.2: an extension appears at most once. */
                    return BRSKI_ERR_MALFORMED;
                }
                brski_slice crit;
                if (brski_der_peek(ext, BRSKI_DER_BOOLEAN) &&
                    brski_der_expect(&ext, BRSKI_DER_BOOLEAN, &crit, NULL) != BRSKI_OK) {
                    return BRSKI_ERR_MALFORMED;
                }
                if (brski_der_expect(&ext, BRSKI_DER_OCTET_STRING, &octets, NULL) != BRSKI_OK ||
                    ext.len != 0) {
                    return BRSKI_ERR_MALFORMED;
                }
                *found = true;
                if (value != NULL) {
                    *value = octets;
                }
            }
        }
    }
    return BRSKI_OK;
}

/* Letters, digits, '-', '.' and a leading "*." are all a dNSName may hold here. */
static bool dns_name_ok(brski_slice s)
{
    if (s.len == 0 || s.len > 253) {
        return false;
    }
    for (size_t i = 0; i < s.len; i++) {
        uint8_t c = s.p[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '.';
        if (!ok) {
            return false;
        }
    }
    return true;
}

brski_err brski_est_csr_san_dns(const brski_csr *csr, char (*out)[BRSKI_EST_DNS_MAX + 1],
                                size_t max, size_t *count)
{
    brski_slice value, names, gn;
    bool found = false;
    uint8_t tag = 0;
    size_t n = 0;
    brski_err rv;

    *count = 0;
    rv = csr_find_ext(csr->attributes, BRSKI_OID_CE_SAN, &found, &value);
    if (rv != BRSKI_OK || !found) {
        return rv;
    }
    if (brski_der_expect(&value, BRSKI_DER_SEQUENCE, &names, NULL) != BRSKI_OK ||
        value.len != 0 || names.len == 0) {
        return BRSKI_ERR_MALFORMED;
    }
    while (names.len > 0) {
        if (brski_der_read(&names, &tag, &gn, NULL) != BRSKI_OK) {
            return BRSKI_ERR_MALFORMED;
        }
        if (tag != BRSKI_DER_CONTEXT(2)) {
            /* Only dNSName is copied; other name forms are ignored. */
            continue;
        }
        if (!dns_name_ok(gn)) {
            brski_log(BRSKI_LOG_WARN, "est: CSR dNSName is not a host name");
            return BRSKI_ERR_POLICY;
        }
        if (n >= max) {
            return BRSKI_ERR_TOOBIG;
        }
        memcpy(out[n], gn.p, gn.len);
        out[n][gn.len] = '\0';
        n++;
    }
    *count = n;
    return BRSKI_OK;
}

brski_err brski_est_csr_check_attrs(const brski_csr *csr, brski_slice der)
{
    brski_est_csrattr items[BRSKI_EST_MAX_CSRATTRS];
    size_t n = 0;
    bool any_alg = false, alg_ok = false, want_san = false, has_san = false;
    brski_err rv;

    rv = brski_est_csrattrs_parse(der, items, BRSKI_EST_MAX_CSRATTRS, &n);
    if (rv != BRSKI_OK) {
        return rv;
    }
    for (size_t i = 0; i < n; i++) {
        if (items[i].is_attribute) {
            continue;
        }
        brski_sig_alg alg = sig_alg_from_oid(items[i].oid);
        if (alg != BRSKI_SIG_UNKNOWN) {
            any_alg = true;
            alg_ok = alg_ok || alg == csr->sig_alg;
        } else if (strcmp(items[i].oid, BRSKI_OID_CE_SAN) == 0) {
            want_san = true;
        }
    }
    /*
     * RFC 8995 5.9.2: the registrar MUST confirm that the CSR is formatted
     * as the CSR attributes indicated before forwarding it to a CA.
     */
    if (any_alg && !alg_ok) {
        brski_log(BRSKI_LOG_WARN, "est: RFC 8995 5.9.2: CSR signed with %s, not as requested",
                  brski_sig_alg_name(csr->sig_alg));
        return BRSKI_ERR_POLICY;
    }
    if (want_san) {
        rv = csr_find_ext(csr->attributes, BRSKI_OID_CE_SAN, &has_san, NULL);
        if (rv != BRSKI_OK) {
            brski_log(BRSKI_LOG_WARN, "est: CSR attributes do not decode");
            return rv;
        }
        if (!has_san) {
            brski_log(BRSKI_LOG_WARN, "est: RFC 8995 5.9.2: CSR lacks the requested SAN");
            return BRSKI_ERR_POLICY;
        }
    }
    return BRSKI_OK;
}

/* ---- CA policy pieces (the decision itself is in est_ca.c) ---- */

brski_err brski_est_key_check(const brski_est_key_policy *pol, const brski_csr *csr)
{
    bool key_ok = false, alg_ok = false;

    switch (csr->key_type) {
    case BRSKI_KEY_EC:
        key_ok = pol->allow_ec && csr->key_bits >= pol->ec_min_bits;
        alg_ok = csr->sig_alg == BRSKI_SIG_ECDSA_SHA256 || csr->sig_alg == BRSKI_SIG_ECDSA_SHA384 ||
                 csr->sig_alg == BRSKI_SIG_ECDSA_SHA512;
        break;
    case BRSKI_KEY_ED25519:
        key_ok = pol->allow_ed25519;
        alg_ok = csr->sig_alg == BRSKI_SIG_ED25519;
        break;
    case BRSKI_KEY_RSA:
        key_ok = pol->allow_rsa && csr->key_bits >= pol->rsa_min_bits;
        alg_ok = csr->sig_alg == BRSKI_SIG_RSA_SHA256 || csr->sig_alg == BRSKI_SIG_RSA_SHA384 ||
                 csr->sig_alg == BRSKI_SIG_RSA_SHA512;
        break;
    case BRSKI_KEY_NONE:
    case BRSKI_KEY_ED448:
    case BRSKI_KEY_OTHER:
        break;
    }
    if (!key_ok) {
        brski_log(BRSKI_LOG_WARN, "est: CSR key %s/%u not allowed by CA policy",
                  brski_key_type_name(csr->key_type), csr->key_bits);
        return BRSKI_ERR_POLICY;
    }
    if (!alg_ok) {
        brski_log(BRSKI_LOG_WARN, "est: CSR signature algorithm %s not allowed by CA policy",
                  brski_sig_alg_name(csr->sig_alg));
        return BRSKI_ERR_POLICY;
    }
    return BRSKI_OK;
}

/* Finds the first serialNumber AttributeTypeAndValue (whole TLV) of Name |name|. */
static brski_err find_serial_atv(brski_slice name, brski_slice *atv_out)
{
    brski_slice rdns, rdn, atv, body, oid;

    if (brski_der_expect(&name, BRSKI_DER_SEQUENCE, &rdns, NULL) != BRSKI_OK || name.len != 0) {
        return BRSKI_ERR_MALFORMED;
    }
    while (rdns.len > 0) {
        if (brski_der_expect(&rdns, BRSKI_DER_SET, &rdn, NULL) != BRSKI_OK) {
            return BRSKI_ERR_MALFORMED;
        }
        while (rdn.len > 0) {
            if (brski_der_expect(&rdn, BRSKI_DER_SEQUENCE, &body, &atv) != BRSKI_OK ||
                brski_der_expect(&body, BRSKI_DER_OID, &oid, NULL) != BRSKI_OK) {
                return BRSKI_ERR_MALFORMED;
            }
            if (brski_der_oid_eq(oid, BRSKI_OID_AT_SERIAL_NUMBER)) {
                *atv_out = atv;
                return BRSKI_OK;
            }
        }
    }
    return BRSKI_ERR_NOTFOUND;
}

brski_err brski_est_ldevid_subject(brski_slice csr_subject, brski_slice client_subject,
                                   brski_buf *out)
{
    brski_slice serial_atv, in = csr_subject, rdns, rdn, atv, body, oid;
    size_t start = out->len, m_name = 0, m_rdn = 0;
    brski_err rv;

    rv = find_serial_atv(client_subject, &serial_atv);
    if (rv == BRSKI_ERR_NOTFOUND) {
        /* RFC 8995 5: the IDevID subject "MUST include the serialNumber attribute". */
        brski_log(BRSKI_LOG_WARN, "est: RFC 8995 5.9.2: client certificate has no serialNumber");
        return BRSKI_ERR_POLICY;
    }
    if (rv != BRSKI_OK) {
        return rv;
    }
    if (brski_der_expect(&in, BRSKI_DER_SEQUENCE, &rdns, NULL) != BRSKI_OK || in.len != 0) {
        return BRSKI_ERR_MALFORMED;
    }
    rv = brski_der_begin(out, BRSKI_DER_SEQUENCE, &m_name);
    while (rv == BRSKI_OK && rdns.len > 0) {
        size_t kept = 0, before = out->len;
        if (brski_der_expect(&rdns, BRSKI_DER_SET, &rdn, NULL) != BRSKI_OK || rdn.len == 0) {
            rv = BRSKI_ERR_MALFORMED;
            break;
        }
        rv = brski_der_begin(out, BRSKI_DER_SET, &m_rdn);
        while (rv == BRSKI_OK && rdn.len > 0) {
            if (brski_der_expect(&rdn, BRSKI_DER_SEQUENCE, &body, &atv) != BRSKI_OK ||
                brski_der_expect(&body, BRSKI_DER_OID, &oid, NULL) != BRSKI_OK) {
                rv = BRSKI_ERR_MALFORMED;
                break;
            }
            if (brski_der_oid_eq(oid, BRSKI_OID_AT_SERIAL_NUMBER)) {
                continue;
            }
            /* Removing members keeps a DER SET OF in sorted order. */
            rv = brski_buf_append(out, atv.p, atv.len);
            kept++;
        }
        if (rv == BRSKI_OK && kept == 0) {
            out->len = before; /* the RDN held only serialNumber */
            continue;
        }
        if (rv == BRSKI_OK) {
            rv = brski_der_end(out, m_rdn);
        }
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_begin(out, BRSKI_DER_SET, &m_rdn);
    }
    if (rv == BRSKI_OK) {
        rv = brski_buf_append(out, serial_atv.p, serial_atv.len);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(out, m_rdn);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(out, m_name);
    }
    if (rv != BRSKI_OK) {
        out->len = start;
    }
    return rv;
}
