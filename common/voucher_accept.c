/*
 * voucher_accept.c - voucher acceptance as the pledge applies it
 * (RFC 8995 5.6.1, RFC 8366 5.6); signer paths go through the policy module.
 */
#include "brski/voucher_accept.h"

#include <stdio.h>
#include <string.h>

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
    /*
     * RFC 8995 5.6.1: "The pledge MUST verify the serial-number field of the
     * signed voucher matches the pledge's own serial-number."
     */
    if (strcmp(out->serial_number, opts->serial) != 0) {
        brski_log(BRSKI_LOG_WARN, "voucher: RFC 8995 5.6.1: serial-number mismatch");
        rv = BRSKI_ERR_POLICY;
        goto out;
    }
    /*
     * RFC 8995 5.6.1: "The pledge MUST verify the nonce information in the
     * voucher. If present, the nonce in the voucher MUST match the nonce
     * the pledge submitted to the registrar"; nonceless vouchers only under
     * the reduced-security option of 7.2.
     */
    if (brski_voucher_has(out, BRSKI_LEAF_NONCE)) {
        if (opts->nonce == NULL || out->nonce_text == NULL ||
            strcmp(out->nonce_text, opts->nonce) != 0) {
            brski_log(BRSKI_LOG_WARN, "voucher: RFC 8995 5.6.1: nonce mismatch");
            rv = BRSKI_ERR_POLICY;
            goto out;
        }
    } else if (!opts->allow_nonceless) {
        brski_log(BRSKI_LOG_WARN,
                  "voucher: RFC 8995 7.2: nonceless voucher and nonceless not allowed");
        rv = BRSKI_ERR_POLICY;
        goto out;
    }
    /* RFC 8366 5.6: "verify that the voucher has not expired" (when it has expires-on). */
    if (!opts->ignore_time && brski_voucher_has(out, BRSKI_LEAF_EXPIRES_ON) &&
        now > out->expires_on) {
        brski_log(BRSKI_LOG_WARN, "voucher: RFC 8366 5.6: expires-on has passed");
        rv = BRSKI_ERR_POLICY;
        goto out;
    }
    /* RFC 8366 5.6: the assertion must be acceptable per local policy. */
    uint32_t mask = opts->assertions == 0 ? BRSKI_ASSERTION_MASK_ALL : opts->assertions;
    if ((mask & BRSKI_ASSERTION_MASK(out->assertion)) == 0) {
        brski_log(BRSKI_LOG_WARN, "voucher: RFC 8366 5.6: assertion '%s' not accepted",
                  brski_assertion_name(out->assertion));
        rv = BRSKI_ERR_POLICY;
        goto out;
    }
    /* RFC 8995 5.6.1: fail if pinned-domain-cert is absent (pubk pinning is cBRSKI). */
    if (!brski_voucher_has(out, BRSKI_LEAF_PINNED_DOMAIN_CERT)) {
        brski_log(BRSKI_LOG_WARN, "voucher: RFC 8995 5.6.1: no pinned-domain-cert");
        rv = BRSKI_ERR_POLICY;
        goto out;
    }
    rv = BRSKI_OK;
out:
    brski_cms_signed_clear(&sd);
    if (rv != BRSKI_OK) {
        brski_voucher_clear(out);
    }
    return rv;
}
