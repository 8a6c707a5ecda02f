/*
 * cms.h - CMS SignedData (RFC 5652) for vouchers and voucher-requests
 * (RFC 8366 5.4, rfc8366bis 7.1, RFC 8995 5.2/5.5).
 *
 * Signing is our own DER encoder with the signature made by brski_signer;
 * it emits eContentType
 * id-ct-animaJSONVoucher (1.2.840.113549.1.9.16.1.40), SignedData v3.
 * Verification is our own strict walk over the DER (der.h) with the
 * signature checked by wolfCrypt (brski_pubkey_verify); wolfSSL's
 * wc_PKCS7_VerifySignedData accepts too much (DEPENDENCY-NOTES). It checks
 * the signature against the embedded signer certificate only: the caller
 * decides whether that certificate chains to an anchor.
 */
#ifndef BRSKI_CMS_H
#define BRSKI_CMS_H

#include <stdbool.h>
#include <stdint.h>

#include "brski/buf.h"
#include "brski/env.h"
#include "brski/x509.h"

#define BRSKI_OID_CT_VOUCHER "1.2.840.113549.1.9.16.1.40" /* id-ct-animaJSONVoucher */
#define BRSKI_OID_DATA "1.2.840.113549.1.7.1"             /* id-data */
#define BRSKI_OID_SIGNED_DATA "1.2.840.113549.1.7.2"

/* Most certificates accepted in one SignedData. */
#define BRSKI_CMS_MAX_CERTS 8u

typedef struct brski_cms_signed {
    bool voucher_ctype;     /* eContentType id-ct-animaJSONVoucher (false: id-data) */
    int version;            /* SignedData version (1 or 3) */
    uint8_t *content;       /* owned copy of eContent */
    size_t content_len;
    bool has_signing_time;
    int64_t signing_time;   /* signingTime attribute, Unix seconds */
    brski_sig_alg sig_alg;  /* signature algorithm of the signer */
    size_t signer_index;    /* index of the signer in |certs| */
    brski_cert *certs;      /* every embedded certificate, parsed, in order */
    size_t cert_count;
} brski_cms_signed;

/* Frees what brski_cms_verify filled in; safe on a zeroed struct. */
void brski_cms_signed_clear(brski_cms_signed *s);

/* The signer certificate of a verified message. */
const brski_cert *brski_cms_signer(const brski_cms_signed *s);

/*
 * Decodes and verifies |der| (a ContentInfo with SignedData, DER, nothing
 * after it):
 * - SignedData version 1 or 3, and 3 when eContentType is not id-data
 *   (RFC 5652 5.1); exactly one SignerInfo (rfc8366bis 7.1), version 1 with
 *   issuerAndSerialNumber or 3 with subjectKeyIdentifier;
 * - eContentType id-ct-animaJSONVoucher or id-data, eContent present
 *   (no detached content);
 * - signedAttrs present with exactly one contentType equal to the
 *   eContentType and one messageDigest equal to the digest of eContent
 *   (RFC 5652 5.3, 5.4, 11.1); signingTime parsed when present;
 * - digest algorithm listed in digestAlgorithms and consistent with the
 *   signature algorithm and the signer's key;
 * - the signer certificate is embedded, found by its sid;
 * - the signature over the DER SET OF signedAttrs verifies with it.
 * |out| is zeroed first and owns its contents on success.
 * Errors: BRSKI_ERR_MALFORMED (structure), _UNSUPPORTED (algorithm),
 * _CRYPTO (digest or signature mismatch, signer not embedded), _TOOBIG
 * (over BRSKI_MAX_BODY or BRSKI_CMS_MAX_CERTS), _NOMEM.
 */
BRSKI_MUST_USE brski_err brski_cms_verify(brski_slice der, brski_cms_signed *out);

/*
 * Signs |content| into a DER ContentInfo appended to |out|.
 * |key_der| is the signer's private key (PKCS#8 or SEC1/PKCS#1 DER), whose
 * certificate is |cert_der|; |chain| (|chain_count| DER certificates, may be
 * 0) is added after it. eContentType is id-ct-animaJSONVoucher when
 * |voucher_ctype|, else id-data. Digest SHA-256 (SHA-384 for P-384, SHA-512
 * for P-521/Ed25519). Signed attributes: contentType, signingTime (the
 * clock of |env|, NULL: default) and messageDigest. Signature algorithm
 * ecdsa-with-SHA*, Ed25519 (RFC 8419) or sha256WithRSAEncryption. The key is
 * loaded with brski_signer_from_bytes and the message built by our own
 * encoder (see brski_cms_sign_with). Before it is returned, the result is
 * walked with brski_cms_verify's strict rules except the public-key check of
 * the signature (the key is compared with |cert_der|'s SubjectPublicKeyInfo
 * instead; receivers verify).
 * Errors: BRSKI_ERR_ARG (also: key not the key of |cert_der|), _MALFORMED
 * (key or certificate), _UNSUPPORTED (key type), _CRYPTO, _TOOBIG, _NOMEM.
 */
BRSKI_MUST_USE brski_err brski_cms_sign(brski_slice content, bool voucher_ctype,
                                        brski_slice key_der, brski_slice cert_der,
                                        const brski_slice *chain, size_t chain_count,
                                        const brski_env *env, brski_buf *out);

typedef struct brski_signer brski_signer;

/*
 * As brski_cms_sign, signing with the loaded |key| through brski_signer_sign
 * (the key is not exported, re-imported or re-checked per signature).
 */
BRSKI_MUST_USE brski_err brski_cms_sign_with(brski_slice content, bool voucher_ctype,
                                             brski_signer *key, brski_slice cert_der,
                                             const brski_slice *chain, size_t chain_count,
                                             const brski_env *env, brski_buf *out);

#endif
