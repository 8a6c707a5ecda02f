/*
 * voucher_cose.c - COSE_Sign1 vouchers: sign, signer check, pledge acceptance.
 */
#include "brski/voucher_cose.h"

#include <string.h>

#include "brski/cms.h"
#include "brski/codec.h"
#include "brski/log.h"
#include "brski/signer.h"
#include "brski/voucher_cbor.h"
#include "brski/voucher_json.h"
#include "brski/x509.h"

brski_err brski_voucher_cose_sign(const brski_voucher *v, brski_signer *key,
                                  const brski_slice *x5, size_t x5_count, const brski_env *env,
                                  brski_buf *out)
{
    brski_buf payload;
    brski_buf_init(&payload, BRSKI_MAX_BODY);
    brski_err rv = brski_voucher_cbor_encode(v, &payload);
    if (rv == BRSKI_OK) {
        brski_cose_sign_opts o;
        memset(&o, 0, sizeof(o));
        o.x5 = x5;
        o.x5_count = x5_count;
        o.x5_label = BRSKI_COSE_HDR_X5BAG;
        rv = brski_cose_sign1_sign(key, brski_buf_slice(&payload), &o, env, out);
    }
    brski_buf_clear(&payload);
    return rv;
}

brski_err brski_voucher_sign(const brski_voucher *v, bool cose, brski_signer *key,
                             brski_slice signer_cert, const brski_slice *certs, size_t n_certs,
                             const brski_env *env, brski_buf *out)
{
    if (cose) {
        return brski_voucher_cose_sign(v, key, certs, n_certs, env, out);
    }
    brski_buf json;
    brski_buf_init(&json, BRSKI_VOUCHER_JSON_MAX);
    brski_err rv = brski_voucher_json_encode(v, &json);
    if (rv == BRSKI_OK) {
        rv = brski_cms_sign_with(brski_buf_slice(&json), true, key, signer_cert,
                                 n_certs > 0 ? certs : NULL, n_certs, env, out);
    }
    brski_buf_clear(&json);
    return rv;
}

brski_err brski_cose_signer_check(const brski_anchor_store *store, brski_purpose purpose,
                                  const brski_cose_sign1 *m, bool check_time, int64_t now)
{
    if (store == NULL || m == NULL) {
        return BRSKI_ERR_ARG;
    }
    /* (a) An anchor's own key signed it (an anchor outside its validity does not count). */
    for (size_t i = 0; i < store->count; i++) {
        const brski_anchor *a = &store->anchors[i];
        if (a->purpose != purpose ||
            (check_time && (now < a->cert.not_before || now > a->cert.not_after))) {
            continue;
        }
        if (brski_cose_sign1_verify(m, a->cert.spki) == BRSKI_OK) {
            return BRSKI_OK;
        }
    }
    if (m->x5_count == 0) {
        brski_log(BRSKI_LOG_WARN,
                  "cose: cBRSKI 9.2: signature does not verify with any %s anchor key",
                  brski_purpose_name(purpose));
        return BRSKI_ERR_CRYPTO;
    }
    /* (b) The first x5 certificate signed it and chains to an anchor. */
    brski_cert chain[BRSKI_COSE_MAX_CERTS];
    size_t n = 0;
    brski_err rv = BRSKI_OK;
    memset(chain, 0, sizeof(chain));
    for (size_t i = 0; i < m->x5_count && rv == BRSKI_OK; i++) {
        rv = brski_cert_parse(m->x5[i], &chain[i]);
        n = rv == BRSKI_OK ? i + 1 : n;
    }
    if (rv != BRSKI_OK) {
        brski_log(BRSKI_LOG_WARN, "cose: RFC 9360 2: x5bag certificate does not parse");
        rv = BRSKI_ERR_MALFORMED;
        goto out;
    }
    rv = brski_cose_sign1_verify(m, chain[0].spki);
    if (rv != BRSKI_OK) {
        brski_log(BRSKI_LOG_WARN, "cose: RFC 9360 2: signature does not verify with x5 cert 0");
        rv = BRSKI_ERR_CRYPTO;
        goto out;
    }
    brski_policy_input in;
    brski_policy_decision dec;
    brski_anchor_policy override;
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
    rv = brski_policy_validate(store, &in, &dec);
    if (rv != BRSKI_OK) {
        brski_log(BRSKI_LOG_WARN, "cose: cBRSKI 9.2.4: signer rejected under the %s anchors: %s (%s)",
                  brski_purpose_name(purpose), brski_reason_name(dec.reason), dec.detail);
    }
out:
    for (size_t i = 0; i < n; i++) {
        brski_cert_clear(&chain[i]);
    }
    return rv;
}

brski_err brski_voucher_cose_accept(brski_slice cose, const brski_anchor_store *store,
                                    const brski_accept_opts *opts, brski_voucher *out)
{
    brski_cose_sign1 m;
    brski_err rv;
    brski_voucher_init(out, BRSKI_KIND_VOUCHER);
    if (opts == NULL || opts->serial == NULL || store == NULL) {
        return BRSKI_ERR_ARG;
    }
    int64_t now = brski_env_now(opts->env);
    rv = brski_cose_sign1_parse(cose, &m);
    if (rv != BRSKI_OK) {
        goto out;
    }
    /* RFC 8995 5.6.1: "verify the voucher signature using the manufacturer-installed trust anchor(s)". */
    rv = brski_cose_signer_check(store, BRSKI_PURPOSE_MASA, &m, !opts->ignore_time, now);
    if (rv != BRSKI_OK) {
        goto out;
    }
    rv = brski_voucher_cbor_parse(m.payload, 0, out);
    if (rv != BRSKI_OK) {
        goto out;
    }
    if (out->kind != BRSKI_KIND_VOUCHER) {
        brski_log(BRSKI_LOG_WARN, "voucher: rfc8366bis 8.5: content is a voucher-request");
        rv = BRSKI_ERR_MALFORMED;
        goto out;
    }
    /* The same model rules (required leaves, sizes) as the JSON decoder applies. */
    rv = brski_voucher_validate(out);
    if (rv != BRSKI_OK) {
        goto out;
    }
    rv = brski_voucher_accept_claims(out, opts, now,
                                     BRSKI_CLAIMS_NONCE_BYTES | BRSKI_CLAIMS_PINNED_KEY);
out:
    if (rv != BRSKI_OK) {
        brski_voucher_clear(out);
    }
    return rv;
}
