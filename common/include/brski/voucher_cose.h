/*
 * voucher_cose.h - COSE_Sign1 vouchers and voucher-requests (cBRSKI §9.2):
 * signing a voucher model as CBOR in COSE_Sign1, checking the COSE signer
 * against trust anchors, and the pledge's acceptance of a COSE voucher
 * (the same rules as brski_voucher_accept for CMS, RFC 8995 5.6.1).
 */
#ifndef BRSKI_VOUCHER_COSE_H
#define BRSKI_VOUCHER_COSE_H

#include <stdbool.h>
#include <stdint.h>

#include "brski/buf.h"
#include "brski/cose.h"
#include "brski/env.h"
#include "brski/policy.h"
#include "brski/voucher.h"
#include "brski/voucher_accept.h"

/*
 * Encodes |v| as YANG-CBOR and signs it as a tagged COSE_Sign1 with |key|
 * (alg from the key). |x5| (|x5_count| DER certificates, may be 0) go into
 * an unprotected x5bag (cBRSKI §9.2.3: the MASA "MUST" put its signing
 * chain there). Appends to |out|. Errors as brski_voucher_cbor_encode and
 * brski_cose_sign1_sign.
 */
BRSKI_MUST_USE brski_err brski_voucher_cose_sign(const brski_voucher *v, brski_signer *key,
                                                 const brski_slice *x5, size_t x5_count,
                                                 const brski_env *env, brski_buf *out);

/*
 * Signs |v| in the encoding a peer asked for: with |cose| as
 * brski_voucher_cose_sign (|certs| are the whole unprotected x5bag), else as
 * RFC 8366 CMS-signed JSON with brski_cms_sign_with (|signer_cert| first,
 * then |certs|, in the CMS certificates). The one place that picks the
 * encoding for the MASA, the registrar and the offline tools. Errors as those
 * two functions and brski_voucher_json_encode.
 */
BRSKI_MUST_USE brski_err brski_voucher_sign(const brski_voucher *v, bool cose, brski_signer *key,
                                            brski_slice signer_cert, const brski_slice *certs,
                                            size_t n_certs, const brski_env *env,
                                            brski_buf *out);

/*
 * Checks who signed |m| against the anchors of |purpose| in |store|:
 * (a) the key of an anchor certificate verifies the signature (cBRSKI: the
 *     registrar strips x5bag, so the pledge verifies with the MASA key it
 *     holds); with |check_time| the anchor must be valid at |now|; or
 * (b) the first x5bag/x5chain certificate verifies the signature and the
 *     certificates chain to an anchor under its policy (time checked at
 *     |now| when |check_time|).
 * BRSKI_ERR_CRYPTO when no key verifies, BRSKI_ERR_POLICY when the signer
 * certificate does not chain, BRSKI_ERR_MALFORMED for an unparsable x5 cert.
 */
BRSKI_MUST_USE brski_err brski_cose_signer_check(const brski_anchor_store *store,
                                                 brski_purpose purpose,
                                                 const brski_cose_sign1 *m, bool check_time,
                                                 int64_t now);

/*
 * The pledge's acceptance of a COSE voucher (RFC 8995 5.6.1 rules on a
 * cBRSKI voucher): COSE signature by a MASA anchor (brski_cose_signer_check),
 * CBOR payload a voucher, serial-number equal to |opts->serial|, nonce equal
 * to the bytes of |opts->nonce| (base64 text, as for CMS) unless nonceless is
 * allowed, not expired, an accepted assertion, and a pinned domain
 * certificate or key. |out| is initialised here and owned by the caller on
 * success. Errors: as the parsers, BRSKI_ERR_CRYPTO, BRSKI_ERR_POLICY.
 */
BRSKI_MUST_USE brski_err brski_voucher_cose_accept(brski_slice cose,
                                                   const brski_anchor_store *store,
                                                   const brski_accept_opts *opts,
                                                   brski_voucher *out);

#endif
