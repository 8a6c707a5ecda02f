/*
 * est.h - Enrollment over Secure Transport (RFC 7030, RFC 8951) encodings and
 * the registrar's EST CA decision (RFC 8995 5.9). Pure functions: bytes and
 * structs in, bytes and decisions out; no sockets, files or clock reads
 * (time and randomness come from a brski_env).
 */
#ifndef BRSKI_EST_H
#define BRSKI_EST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "brski/buf.h"
#include "brski/der.h"
#include "brski/env.h"
#include "brski/x509.h"

/* Most certificates a certs-only structure may carry. */
#define BRSKI_EST_MAX_CERTS 16

/* Most entries in a CSR attributes response, and values per attribute. */
#define BRSKI_EST_MAX_CSRATTRS 32
#define BRSKI_EST_MAX_ATTR_VALUES 16

/* Signature algorithm OIDs used in CSR attributes. */
#define BRSKI_OID_ECDSA_SHA256 "1.2.840.10045.4.3.2"
#define BRSKI_OID_ECDSA_SHA384 "1.2.840.10045.4.3.3"
#define BRSKI_OID_ECDSA_SHA512 "1.2.840.10045.4.3.4"
#define BRSKI_OID_ED25519 "1.3.101.112"
#define BRSKI_OID_RSA_SHA256 "1.2.840.113549.1.1.11"
#define BRSKI_OID_EXTENSION_REQUEST "1.2.840.113549.1.9.14"
#define BRSKI_OID_CE_SAN "2.5.29.17"

/* ---- certs-only (RFC 7030 4.1.3, RFC 5652 5.1 degenerate SignedData) ---- */

/*
 * Appends a certs-only ContentInfo carrying the |n| DER certificates |certs|
 * (in the given order; EST clients read the chain in order, so it is kept
 * rather than sorted) to |out|: SignedData version 1, no digest algorithms,
 * eContentType id-data without content, no CRLs, no SignerInfos.
 * Each certificate must be one DER SEQUENCE (BRSKI_ERR_MALFORMED otherwise).
 * BRSKI_ERR_ARG when |n| is 0 or above BRSKI_EST_MAX_CERTS, _TOOBIG/_NOMEM
 * from |out|.
 */
BRSKI_MUST_USE brski_err brski_est_certs_only_encode(const brski_slice *certs, size_t n,
                                                     brski_buf *out);

/*
 * Strictly decodes a DER certs-only ContentInfo |der|. |certs| (capacity
 * |max|) receives slices borrowed from |der|, one per certificate, in
 * encoding order; |count| their number. Accepts what RFC 5652 allows in a
 * degenerate SignedData (any digestAlgorithms SET, CRLs, which are skipped)
 * but requires: contentType id-signedData, version 1..4, eContentType id-data
 * with no eContent, at least one certificate, every CertificateChoices a
 * plain Certificate SEQUENCE, no SignerInfos and no trailing bytes.
 * BRSKI_ERR_MALFORMED on any deviation, _TOOBIG when |der| exceeds
 * BRSKI_MAX_BODY or holds more than |max| certificates, _UNSUPPORTED for
 * attribute or other certificate choices and for SignerInfos.
 */
BRSKI_MUST_USE brski_err brski_est_certs_only_parse(brski_slice der, brski_slice *certs,
                                                    size_t max, size_t *count);

/* ---- HTTP body transfer encoding (RFC 7030 4.1.3, RFC 8951) ---- */

/*
 * Appends the EST body for |der|: base64 (RFC 4648 section 4) in lines of 64
 * characters, each ended by CRLF. BRSKI_ERR_TOOBIG/_NOMEM from |out|.
 */
BRSKI_MUST_USE brski_err brski_est_body_encode(brski_slice der, brski_buf *out);

/*
 * Decodes an EST HTTP body into DER, appended to |out|. RFC 8951 2.1: the
 * body is base64 whatever Content-Transfer-Encoding says, so the header is
 * not consulted at all. ASCII whitespace (CR, LF, space, tab) is skipped and
 * missing padding tolerated. When |allow_binary| is set and the body is not
 * base64 but is exactly one DER SEQUENCE, it is taken as is (some clients
 * send binary; RFC 8995 6 keeps base64, so this is off by default in the
 * registrar). The result must be exactly one DER TLV with tag SEQUENCE.
 * BRSKI_ERR_TOOBIG when |body| is longer than a base64 text of |max_der|
 * bytes could reasonably be (4/3 plus line breaks) or the result exceeds
 * |max_der|; _MALFORMED for bad base64 or a result that is not one
 * SEQUENCE.
 */
BRSKI_MUST_USE brski_err brski_est_body_decode(brski_slice body, size_t max_der,
                                               bool allow_binary, brski_buf *out);

/*
 * ---- CSR attributes (RFC 7030 4.5.2) ----
 * The RFC 7030 form only (bare OIDs and Attributes); RFC 9908's template
 * form is not supported yet.
 */

/*
 * One AttrOrOID. With |is_attribute| false it is a bare OBJECT IDENTIFIER;
 * otherwise an Attribute whose SET OF values is |values| (the concatenated
 * DER TLVs of the values, without the SET header) and |value_count| their
 * number. After parsing, |values| is borrowed from the input.
 */
typedef struct brski_est_csrattr {
    char oid[BRSKI_OID_STR_MAX];
    bool is_attribute;
    brski_slice values;
    size_t value_count;
} brski_est_csrattr;

/*
 * Appends "CsrAttrs ::= SEQUENCE SIZE (0..MAX) OF AttrOrOID" for |items| to
 * |out| (DER, not base64). BRSKI_ERR_ARG for an attribute without values, an
 * invalid OID or more than BRSKI_EST_MAX_CSRATTRS items; _MALFORMED when an
 * attribute's |values| is not a sequence of |value_count| TLVs.
 */
BRSKI_MUST_USE brski_err brski_est_csrattrs_encode(const brski_est_csrattr *items, size_t n,
                                                   brski_buf *out);

/*
 * Decodes a DER CsrAttrs into |items| (capacity |max|), |count| set.
 * BRSKI_ERR_MALFORMED on bad DER, an element that is neither OID nor
 * Attribute, an empty value SET, or trailing bytes; _TOOBIG for more than
 * |max| items, more than BRSKI_EST_MAX_ATTR_VALUES values in an attribute or
 * an input above BRSKI_MAX_BODY.
 */
BRSKI_MUST_USE brski_err brski_est_csrattrs_parse(brski_slice der, brski_est_csrattr *items,
                                                  size_t max, size_t *count);

/* ---- the EST CA decision (RFC 8995 5.9.2, RFC 7030 4.2) ---- */

/* Key types and sizes the CA accepts in a CSR; the signature algorithm must suit. */
typedef struct brski_est_key_policy {
    bool allow_ec;
    unsigned ec_min_bits;   /* e.g. 256 */
    bool allow_ed25519;
    bool allow_rsa;
    unsigned rsa_min_bits;  /* e.g. 2048 */
} brski_est_key_policy;

/* What the registrar asks for in /csrattrs. */
typedef struct brski_est_csrattrs_cfg {
    /*
     * RFC 8995 5.9.2: nothing in the CSR attributes may require the pledge to
     * add a SubjectAltName unless the operator configures it; when set, the
     * subjectAltName OID is listed and brski_est_csr_check_attrs demands an
     * extensionRequest with a SubjectAltName.
     */
    bool request_san;
} brski_est_csrattrs_cfg;

/*
 * Appends the DER CsrAttrs the registrar serves for |keys| and |cfg|: the
 * signature algorithm OIDs it accepts (ecdsa-with-SHA256/-SHA384/-SHA512 as
 * the EC minimum size allows, id-Ed25519, sha256WithRSAEncryption), then
 * subjectAltName if |cfg->request_san|.
 */
BRSKI_MUST_USE brski_err brski_est_csrattrs_build(const brski_est_key_policy *keys,
                                                  const brski_est_csrattrs_cfg *cfg,
                                                  brski_buf *out);

/*
 * RFC 8995 5.9.2 (paraphrased, wording not re-checked): the registrar MUST
 * confirm that the CSR is formatted as the CSR attributes it served asked
 * before forwarding it to the CA. Checks |csr| against the CsrAttrs
 * |der| that was served: when it lists signature algorithms, the CSR must be
 * signed with one of them; when it lists subjectAltName, the CSR must carry
 * an extensionRequest with that extension. BRSKI_ERR_POLICY on a mismatch,
 * _MALFORMED for a bad |der| or CSR attribute encoding.
 */
BRSKI_MUST_USE brski_err brski_est_csr_check_attrs(const brski_csr *csr, brski_slice der);

/* Longest dNSName copied from a CSR. */
#define BRSKI_EST_DNS_MAX 253

/*
 * Copies the dNSName entries of the subjectAltName extension requested in
 * |csr| (extensionRequest attribute) into |out| (capacity |max|), |count|
 * set; other GeneralName forms are skipped. |count| 0 when there is no SAN.
 * BRSKI_ERR_MALFORMED on a bad encoding or a repeated extension, _POLICY for
 * a name with characters other than letters, digits, '-' and '.', _TOOBIG
 * for more than |max| names.
 */
BRSKI_MUST_USE brski_err brski_est_csr_san_dns(const brski_csr *csr,
                                               char (*out)[BRSKI_EST_DNS_MAX + 1], size_t max,
                                               size_t *count);

/* The registrar's CA for LDevIDs. |key| and |cert| are borrowed. */
typedef struct brski_est_ca {
    brski_signer *key;        /* domain CA (or issuing sub-CA) key */
    const brski_cert *cert;   /* its certificate; issuer name and SKI come from it */
    int64_t lifetime;         /* seconds; clamped to the CA's notAfter */
    bool server_auth;         /* also add id-kp-serverAuth */
    /*
     * Copy the CSR's requested dNSName SANs into the LDevID. Off by default:
     * RFC 8995 5.9.2 does not want pledges to need a SAN unless configured
     * (brski_est_csrattrs_cfg.request_san); turn both on together.
     */
    bool copy_san_dns;
    brski_est_key_policy keys;
} brski_est_ca;

/* Fills |ca| with defaults: one year, clientAuth only, EC >= 256, Ed25519, RSA >= 2048. */
void brski_est_ca_init(brski_est_ca *ca, brski_signer *key, const brski_cert *cert);

/*
 * Checks the key and signature algorithm of |csr| against |pol|:
 * BRSKI_ERR_POLICY for a key type not allowed, a key below the minimum size,
 * or a SHA-1 / unknown signature algorithm.
 */
BRSKI_MUST_USE brski_err brski_est_key_check(const brski_est_key_policy *pol,
                                             const brski_csr *csr);

/*
 * Builds the LDevID subject: the Name |csr_subject| with every serialNumber
 * attribute removed (RDNs left empty are dropped) and one RDN holding the
 * serialNumber attribute of |client_subject| appended, its value copied
 * byte for byte (string type included). Rule: RFC 8995 5.9.2 expects the
 * LDevID to identify the same device as the IDevID, and the registrar
 * extracts the device serial from the client certificate (RFC 8995 5.5), so
 * the pledge cannot pick a serialNumber of its own choosing.
 * BRSKI_ERR_POLICY when |client_subject| has no serialNumber, _MALFORMED on
 * bad Names.
 */
BRSKI_MUST_USE brski_err brski_est_ldevid_subject(brski_slice csr_subject,
                                                  brski_slice client_subject, brski_buf *out);

/*
 * The CA decision for /simpleenroll (|reenroll| false) and /simplereenroll.
 * |csr| comes from brski_csr_parse (self-signature already verified);
 * |client| is the TLS client certificate the policy module authenticated:
 * the IDevID for enroll, the current LDevID for reenroll.
 *
 * Rejects (BRSKI_ERR_POLICY) keys outside |ca->keys|, a CSR key equal to the
 * IDevID key on enroll (RFC 8995 5.9.2 asks for a new key), a client without
 * serialNumber; on reenroll, a client certificate that this CA did not issue
 * (signature, issuer name and AKI) or a subject that would change (RFC 7030
 * 4.2.2). On success appends the DER LDevID to |out|: subject per
 * brski_est_ldevid_subject, key from the CSR, serial 16 random bytes from
 * |env|, validity now .. now + lifetime (at most the CA's notAfter),
 * KU digitalSignature (+keyAgreement for EC keys), EKU clientAuth
 * (+serverAuth), AKI = CA SKI, no basicConstraints cA, and the CSR's dNSName
 * SANs when |ca->copy_san_dns| (errors of brski_est_csr_san_dns). No other
 * requested extension is copied.
 */
BRSKI_MUST_USE brski_err brski_est_enroll(const brski_est_ca *ca, const brski_csr *csr,
                                          const brski_cert *client, bool reenroll,
                                          const brski_env *env, brski_buf *out);

/*
 * Body of a /simpleenroll request to parsed CSR: brski_est_body_decode
 * (max BRSKI_MAX_CSR, base64 only) then brski_csr_parse. Errors of both;
 * BRSKI_ERR_CRYPTO when the self-signature fails. Note for HTTP servers: a
 * CSR whose self-signature fails is a bad request (400, TESTING N1), while
 * brski_err_http() maps BRSKI_ERR_CRYPTO to 403 in general.
 */
BRSKI_MUST_USE brski_err brski_est_csr_from_body(brski_slice body, brski_csr *out);

/*
 * |n| DER certificates to a complete EST response body (certs-only,
 * base64 with CRLF line breaks) appended to |out|.
 */
BRSKI_MUST_USE brski_err brski_est_certs_only_body(const brski_slice *certs, size_t n,
                                                   brski_buf *out);

#endif
