/*
 * voucher_accept.h - the pledge's acceptance of a signed voucher
 * (RFC 8995 5.6.1, RFC 8366 5.6) and the signer chain check shared by the
 * voucher and voucher-request verifiers.
 */
#ifndef BRSKI_VOUCHER_ACCEPT_H
#define BRSKI_VOUCHER_ACCEPT_H

#include <stdbool.h>
#include <stdint.h>

#include "brski/buf.h"
#include "brski/cms.h"
#include "brski/env.h"
#include "brski/policy.h"
#include "brski/voucher.h"
#include "brski/x509.h"

/* Assertion mask: 1u << brski_assertion. */
#define BRSKI_ASSERTION_MASK(a) (1u << (unsigned)(a))
#define BRSKI_ASSERTION_MASK_ALL 0xfu

typedef struct brski_accept_opts {
    const char *serial;          /* the pledge's own serial-number (required) */
    const char *nonce;           /* the PVR nonce text; NULL when the pledge sent none */
    bool allow_nonceless;        /* RFC 8995 7.2 item 1: reduced-security option */
    uint32_t assertions;         /* accepted assertions (mask); 0 means all */
    bool ignore_time;            /* RFC 8995 2.6.1: no trusted clock; skip all times */
    const brski_env *env;        /* clock; NULL: default env */
    brski_slice idevid_issuer;   /* own IDevID AKI extnValue TLV; empty: not checked */
} brski_accept_opts;

/*
 * Validates the signer of |sd| under the anchors of |purpose| in |store|
 * (brski_policy_validate), with the other embedded certificates as
 * candidate intermediates. |check_time| false disables the validity check
 * (RFC 8995 2.6.1: no trusted clock). |why| (may be NULL) receives one line.
 * Errors: BRSKI_ERR_POLICY or _CRYPTO (no acceptable path), _NOMEM, _ARG.
 */
BRSKI_MUST_USE brski_err brski_cms_signer_check(const brski_anchor_store *store,
                                                brski_purpose purpose,
                                                const brski_cms_signed *sd, bool check_time,
                                                int64_t now, char *why, size_t why_cap);

/* Flags of brski_voucher_accept_claims. */
#define BRSKI_CLAIMS_IDEVID_ISSUER 0x1u /* compare idevid-issuer with opts->idevid_issuer */
#define BRSKI_CLAIMS_NONCE_BYTES 0x2u   /* compare nonce bytes (opts->nonce base64-decoded)
                                           rather than the nonce text as sent */
#define BRSKI_CLAIMS_PINNED_KEY 0x4u    /* cBRSKI: a pinned-domain-pubk(-sha256) may stand
                                           in for pinned-domain-cert */

/*
 * The claim checks of RFC 8995 5.6.1 / RFC 8366 5.6 on a parsed, signature-
 * checked voucher |v|: serial-number equal to opts->serial, idevid-issuer
 * (with BRSKI_CLAIMS_IDEVID_ISSUER), nonce equal to opts->nonce (nonceless only
 * with allow_nonceless), expires-on not passed at |now| (unless ignore_time),
 * assertion in opts->assertions, a pinned domain certificate (or key, with
 * BRSKI_CLAIMS_PINNED_KEY). Logs one line citing the rule on failure.
 * Errors: BRSKI_ERR_POLICY, _ARG.
 */
BRSKI_MUST_USE brski_err brski_voucher_accept_claims(const brski_voucher *v,
                                                     const brski_accept_opts *opts, int64_t now,
                                                     unsigned flags);

/*
 * Accepts or rejects the CMS-signed voucher |cms| as the pledge would:
 * CMS verification (brski_cms_verify), JSON parse of a voucher (not a
 * request) with unknown leaves ignored (RFC 8995 5.6.1 "MUST ignore"),
 * signer chain to a "masa" anchor of |store|, serial-number equal to opts->serial,
 * idevid-issuer (when present and opts->idevid_issuer is set) equal to it, nonce equal to opts->nonce (a nonceless
 * voucher only with allow_nonceless; a voucher nonce when the pledge sent
 * none is rejected), expires-on not passed, assertion in opts->assertions,
 * a pinned-domain-cert present. On success |out| holds the voucher (clear
 * it) and pinned-domain-cert is out->pinned_domain_cert.
 * Errors: those of brski_cms_verify and brski_voucher_json_parse;
 * BRSKI_ERR_CRYPTO (chain), _POLICY (serial, nonce, expiry, assertion,
 * missing pinned-domain-cert), _ARG.
 */
BRSKI_MUST_USE brski_err brski_voucher_accept(brski_slice cms, const brski_anchor_store *store,
                                              const brski_accept_opts *opts, brski_voucher *out);

#endif
