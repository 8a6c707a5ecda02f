/*
 * voucher_accept.c - voucher acceptance as the pledge applies it
 * (RFC 8995 5.6.1, RFC 8366 5.6); signer paths go through the policy module.
 */
#include "brski/voucher_accept.h"

#include <stdio.h>
#include <string.h>

#include "brski/codec.h"
#include "brski/log.h"
#include "brski/voucher_json.h"

brski_err brski_cms_signer_check(const brski_anchor_store *store, brski_purpose purpose,
                                 const brski_cms_signed *sd, bool check_time, int64_t now,
                                 char *why, size_t why_cap)
{
    brski_cert chain[BRSKI_CMS_MAX_CERTS];
    brski_anchor_policy override;
    brski_policy_input in;
    brski_policy_decision dec;
    size_t n = 0;
    if (store == NULL || sd == NULL || brski_cms_signer(sd) == NULL ||
        sd->cert_count > BRSKI_CMS_MAX_CERTS) {
        return BRSKI_ERR_ARG;
    }
    /* Presented chain: the signer first, then the other embedded certificates. */
    chain[n++] = *brski_cms_signer(sd);
    for (size_t i = 0; i < sd->cert_count; i++) {
        if (i != sd->signer_index) {
            chain[n++] = sd->certs[i];
        }
    }
    memset(&in, 0, sizeof(in));
    in.purpose = purpose;
    in.chain = chain;
    in.chain_count = n;
    in.now = now;
    if (!check_time) {
        brski_anchor_policy_default(purpose, &override);
        override.check_validity = false;
        in.override = &override;
    }
    brski_err rv = brski_policy_validate(store, &in, &dec);
    if (rv != BRSKI_OK) {
        brski_log(BRSKI_LOG_WARN,
                  "cms: RFC 8995 5.6.1: signer rejected under the %s anchors: %s (%s)",
                  brski_purpose_name(purpose), brski_reason_name(dec.reason), dec.detail);
    }
    if (why != NULL && why_cap > 0) {
        snprintf(why, why_cap, "%s: %s", brski_reason_name(dec.reason), dec.detail);
    }
    return rv;
}

/*
 * The voucher nonce against the one the pledge sent (|sent|, NULL: none).
 * JSON compares the text as sent; CBOR carries the bytes, so compare the
 * bytes after decoding |sent|.
 */
static bool nonce_matches(const brski_voucher *v, const char *sent, bool bytes)
{
    if (sent == NULL) {
        return false;
    }
    if (!bytes) {
        return v->nonce_text != NULL && strcmp(v->nonce_text, sent) == 0;
    }
    brski_buf nonce;
    brski_buf_init(&nonce, 256);
    bool ok = brski_base64_decode_loose(brski_slice_str(sent), &nonce) == BRSKI_OK &&
              nonce.len == v->nonce.len && nonce.len != 0 &&
              brski_ct_eq(nonce.p, v->nonce.p, nonce.len);
    brski_buf_clear(&nonce);
    return ok;
}

brski_err brski_voucher_accept_claims(const brski_voucher *v, const brski_accept_opts *opts,
                                      int64_t now, unsigned flags)
{
    if (v == NULL || opts == NULL || opts->serial == NULL) {
        return BRSKI_ERR_ARG;
    }
    /*
     * RFC 8995 5.6.1: "The pledge MUST verify the serial-number field of the
     * signed voucher matches the pledge's own serial-number."
     */
    if (v->serial_number == NULL || strcmp(v->serial_number, opts->serial) != 0) {
        brski_log(BRSKI_LOG_WARN, "voucher: RFC 8995 5.6.1: serial-number mismatch");
        return BRSKI_ERR_POLICY;
    }
    /*
     * RFC 8366 5.3 (idevid-issuer): the pledge compares it with the
     * Authority Key Identifier of its own IDevID when the voucher has one.
     */
    if ((flags & BRSKI_CLAIMS_IDEVID_ISSUER) != 0 &&
        brski_voucher_has(v, BRSKI_LEAF_IDEVID_ISSUER) && opts->idevid_issuer.len > 0 &&
        !brski_slice_eq(brski_slice_make(v->idevid_issuer.p, v->idevid_issuer.len),
                        opts->idevid_issuer)) {
        brski_log(BRSKI_LOG_WARN, "voucher: RFC 8366 5.3: idevid-issuer is not our IDevID issuer");
        return BRSKI_ERR_POLICY;
    }
    /*
     * RFC 8995 5.6.1: "The pledge MUST verify the nonce information in the
     * voucher. If present, the nonce in the voucher MUST match the nonce
     * the pledge submitted to the registrar"; nonceless vouchers only under
     * the reduced-security option of 7.2.
     */
    if (brski_voucher_has(v, BRSKI_LEAF_NONCE)) {
        if (!nonce_matches(v, opts->nonce, (flags & BRSKI_CLAIMS_NONCE_BYTES) != 0)) {
            brski_log(BRSKI_LOG_WARN, "voucher: RFC 8995 5.6.1: nonce mismatch");
            return BRSKI_ERR_POLICY;
        }
    } else if (!opts->allow_nonceless) {
        brski_log(BRSKI_LOG_WARN,
                  "voucher: RFC 8995 7.2: nonceless voucher and nonceless not allowed");
        return BRSKI_ERR_POLICY;
    }
    /* RFC 8366 5.6: "verify that the voucher has not expired" (when it has expires-on). */
    if (!opts->ignore_time && brski_voucher_has(v, BRSKI_LEAF_EXPIRES_ON) && now > v->expires_on) {
        brski_log(BRSKI_LOG_WARN, "voucher: RFC 8366 5.6: expires-on has passed");
        return BRSKI_ERR_POLICY;
    }
    /* RFC 8366 5.6: the assertion must be acceptable per local policy. */
    uint32_t mask = opts->assertions == 0 ? BRSKI_ASSERTION_MASK_ALL : opts->assertions;
    if (!brski_voucher_has(v, BRSKI_LEAF_ASSERTION) ||
        (mask & BRSKI_ASSERTION_MASK(v->assertion)) == 0) {
        const char *name = brski_voucher_has(v, BRSKI_LEAF_ASSERTION)
                               ? brski_assertion_name(v->assertion)
                               : NULL;
        brski_log(BRSKI_LOG_WARN, "voucher: RFC 8366 5.6: assertion '%s' not accepted",
                  name != NULL ? name : "(missing)");
        return BRSKI_ERR_POLICY;
    }
    if ((flags & BRSKI_CLAIMS_PINNED_KEY) != 0) {
        /* cBRSKI 8.2/8.3: a pinned domain certificate, or (RPK) a pinned key. */
        if (!brski_voucher_has(v, BRSKI_LEAF_PINNED_DOMAIN_CERT) &&
            !brski_voucher_has(v, BRSKI_LEAF_PINNED_DOMAIN_PUBK) &&
            !brski_voucher_has(v, BRSKI_LEAF_PINNED_DOMAIN_PUBK_SHA256)) {
            brski_log(BRSKI_LOG_WARN,
                      "voucher: rfc8366bis 8: no pinned domain certificate or key");
            return BRSKI_ERR_POLICY;
        }
    } else if (!brski_voucher_has(v, BRSKI_LEAF_PINNED_DOMAIN_CERT)) {
        /* RFC 8995 5.6.1: fail if pinned-domain-cert is absent (pubk pinning is cBRSKI). */
        brski_log(BRSKI_LOG_WARN, "voucher: RFC 8995 5.6.1: no pinned-domain-cert");
        return BRSKI_ERR_POLICY;
    }
    return BRSKI_OK;
}

brski_err brski_voucher_accept(brski_slice cms, const brski_anchor_store *store,
                               const brski_accept_opts *opts, brski_voucher *out)
{
    brski_cms_signed sd;
    brski_err rv;
    int64_t now;

    brski_voucher_init(out, BRSKI_KIND_VOUCHER);
    if (opts == NULL || opts->serial == NULL || store == NULL) {
        return BRSKI_ERR_ARG;
    }
    now = brski_env_now(opts->env);
    rv = brski_cms_verify(cms, &sd);
    if (rv != BRSKI_OK) {
        return rv;
    }
    /* RFC 8995 5.6.1: "verify the voucher signature using the manufacturer-installed trust
     * anchor(s)". */
    rv = brski_cms_signer_check(store, BRSKI_PURPOSE_MASA, &sd, !opts->ignore_time, now, NULL, 0);
    if (rv != BRSKI_OK) {
        goto out;
    }
    /* RFC 8995 5.6.1: "The pledge MUST ignore all unknown fields". */
    rv = brski_voucher_json_parse(brski_slice_make(sd.content, sd.content_len),
                                  BRSKI_VJSON_ALLOW_UNKNOWN, out);
    if (rv != BRSKI_OK) {
        goto out;
    }
    if (out->kind != BRSKI_KIND_VOUCHER) {
        brski_log(BRSKI_LOG_WARN, "voucher: RFC 8366 5.3: content is a voucher-request");
        rv = BRSKI_ERR_MALFORMED;
        goto out;
    }
    rv = brski_voucher_accept_claims(out, opts, now, BRSKI_CLAIMS_IDEVID_ISSUER);
out:
    brski_cms_signed_clear(&sd);
    if (rv != BRSKI_OK) {
        brski_voucher_clear(out);
    }
    return rv;
}
