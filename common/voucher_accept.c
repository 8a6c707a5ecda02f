/*
 * voucher_accept.c - voucher acceptance as the pledge applies it
 * (RFC 8995 5.6.1, RFC 8366 5.6), and a small signer path check.
 */
#include "brski/voucher_accept.h"

#include <string.h>

#include "brski/log.h"
#include "brski/voucher_json.h"

static bool cert_eq(const brski_cert *a, const brski_cert *b)
{
    return a->der_len == b->der_len && memcmp(a->der, b->der, a->der_len) == 0;
}

static brski_err time_ok(const brski_cert *c, bool check_time, int64_t now)
{
    char name[128];
    if (!check_time || (now >= c->not_before && now <= c->not_after)) {
        return BRSKI_OK;
    }
    if (brski_name_to_str(c->subject, name, sizeof(name)) != BRSKI_OK) {
        memcpy(name, "?", 2);
    }
    brski_log(BRSKI_LOG_WARN, "voucher: RFC 8995 2.6.1: certificate '%s' is %s", name,
              now < c->not_before ? "not yet valid" : "expired");
    return BRSKI_ERR_POLICY;
}

/*
 * Path walk: signer -> intermediates (from |pool|) -> anchor. Kept small
 * and in one place so that the policy module's validator can replace it.
 */
brski_err brski_signer_chain_check(const brski_cert *signer, const brski_cert *pool,
                                   size_t pool_count, const brski_cert *anchors,
                                   size_t anchor_count, bool check_time, int64_t now)
{
    const brski_cert *cur = signer;
    brski_err rv;
    if (signer->has_key_usage && (signer->key_usage & BRSKI_KU_DIGITAL_SIGNATURE) == 0) {
        brski_log(BRSKI_LOG_WARN, "voucher: signer key usage lacks digitalSignature");
        return BRSKI_ERR_CRYPTO;
    }
    for (size_t depth = 1; depth <= BRSKI_ACCEPT_MAX_DEPTH; depth++) {
        /* The certificate itself is a trust anchor (e.g. the MASA signer cert). */
        for (size_t i = 0; i < anchor_count; i++) {
            if (cert_eq(cur, &anchors[i])) {
                return BRSKI_OK;
            }
        }
        rv = time_ok(cur, check_time, now);
        if (rv != BRSKI_OK) {
            return rv;
        }
        for (size_t i = 0; i < anchor_count; i++) {
            if (brski_slice_eq(cur->issuer, anchors[i].subject) &&
                brski_cert_verify_signed_by(cur, &anchors[i]) == BRSKI_OK) {
                return BRSKI_OK;
            }
        }
        if (depth == BRSKI_ACCEPT_MAX_DEPTH - 1) {
            break; /* one slot must remain for the anchor */
        }
        const brski_cert *next = NULL;
        for (size_t i = 0; i < pool_count && next == NULL; i++) {
            const brski_cert *c = &pool[i];
            if (c == cur || cert_eq(c, cur) || !brski_slice_eq(cur->issuer, c->subject)) {
                continue;
            }
            if (!c->is_ca ||
                (c->has_key_usage && (c->key_usage & BRSKI_KU_KEY_CERT_SIGN) == 0)) {
                continue; /* RFC 5280 6.1.4 (k), (n) */
            }
            if (brski_cert_verify_signed_by(cur, c) == BRSKI_OK) {
                next = c;
            }
        }
        if (next == NULL) {
            break;
        }
        cur = next;
    }
    brski_log(BRSKI_LOG_WARN,
              "voucher: RFC 8995 5.6.1: the signer does not chain to a configured anchor");
    return BRSKI_ERR_CRYPTO;
}

brski_err brski_voucher_accept(brski_slice cms, const brski_cert *anchors, size_t anchor_count,
                               const brski_accept_opts *opts, brski_voucher *out)
{
    brski_cms_signed sd;
    brski_err rv;
    int64_t now;

    brski_voucher_init(out, BRSKI_KIND_VOUCHER);
    if (opts == NULL || opts->serial == NULL || anchors == NULL || anchor_count == 0) {
        return BRSKI_ERR_ARG;
    }
    now = brski_env_now(opts->env);
    rv = brski_cms_verify(cms, &sd);
    if (rv != BRSKI_OK) {
        return rv;
    }
    /* RFC 8995 5.6.1: "verify the voucher signature using the manufacturer-installed trust anchor(s)". */
    rv = brski_signer_chain_check(brski_cms_signer(&sd), sd.certs, sd.cert_count, anchors,
                                  anchor_count, !opts->ignore_time, now);
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
