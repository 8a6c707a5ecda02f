/*
 * cose.h - COSE_Sign1 (RFC 9052 §4.2, §4.4) for constrained vouchers
 * (cBRSKI §9.2): ES256, ES384, ES512 and EdDSA (Ed25519) with raw r||s
 * signatures (RFC 9053 §2.1), protected header alg (+ optional kid),
 * x5bag (32) / x5chain (33) (RFC 9360) in either header.
 *
 * The decoder is our own cursor over the bytes after the bounded pre-scan
 * (cbor_scan.h): every slice it returns borrows from the input, so the
 * protected header is exactly the bstr received. (libcbor 0.8 also refuses
 * the one-byte tags 6..20, tag 18 = d2 included.)
 */
#ifndef BRSKI_COSE_H
#define BRSKI_COSE_H

#include <stdbool.h>
#include <stdint.h>

#include "brski/buf.h"
#include "brski/env.h"
#include "brski/err.h"
#include "brski/x509.h"

/* RFC 9053 §2.1 / §2.2 algorithm identifiers. */
#define BRSKI_COSE_ALG_ES256 (-7)
#define BRSKI_COSE_ALG_ES384 (-35)
#define BRSKI_COSE_ALG_ES512 (-36)
#define BRSKI_COSE_ALG_EDDSA (-8)

/* Header labels (RFC 9052 §3.1, RFC 9360 §2). */
#define BRSKI_COSE_HDR_ALG 1
#define BRSKI_COSE_HDR_CRIT 2
#define BRSKI_COSE_HDR_KID 4
#define BRSKI_COSE_HDR_X5BAG 32
#define BRSKI_COSE_HDR_X5CHAIN 33

#define BRSKI_COSE_TAG_SIGN1 18u
#define BRSKI_COSE_MAX_CERTS 8u

/* A decoded COSE_Sign1. Every slice borrows from the parsed input. */
typedef struct brski_cose_sign1 {
    bool tagged;               /* tag 18 was present */
    int64_t alg;               /* protected header label 1 */
    brski_slice protected_hdr; /* contents of the protected bstr, as received */
    brski_slice unprotected;   /* the whole unprotected map encoding */
    brski_slice kid;           /* empty when absent */
    bool kid_protected;
    brski_slice payload;
    brski_slice signature;
    int x5_label;              /* 0 (none), BRSKI_COSE_HDR_X5BAG or _X5CHAIN */
    bool x5_protected;
    size_t x5_count;
    brski_slice x5[BRSKI_COSE_MAX_CERTS]; /* DER certificates */
} brski_cose_sign1;

/*
 * Parses a COSE_Sign1 (tagged 18 or untagged) from |in| into |out|. The
 * slices in |out| point into |in|, which must outlive them.
 * Checks: one well-formed CBOR item within the scanner limits, definite
 * lengths only, a 4-element array, protected = bstr holding a map (or
 * empty), unprotected = map, payload = bstr (detached payloads are not
 * supported), signature = bstr; header labels int or text, no label twice
 * in a map or in both maps; alg present, an integer, and protected; kid a
 * bstr; x5bag / x5chain a bstr or an array of 1..8 bstr.
 * Errors: BRSKI_ERR_MALFORMED, BRSKI_ERR_TOOBIG (scanner limits or more than
 * BRSKI_COSE_MAX_CERTS certificates), BRSKI_ERR_UNSUPPORTED (crit header,
 * text alg, nil payload).
 */
BRSKI_MUST_USE brski_err brski_cose_sign1_parse(brski_slice in, brski_cose_sign1 *out);

/*
 * Appends Sig_structure = ["Signature1", protected, h'', payload]
 * (RFC 9052 §4.4) to |out|, re-encoding |protected_hdr| as a bstr.
 */
BRSKI_MUST_USE brski_err brski_cose_sig_structure(brski_slice protected_hdr, brski_slice payload,
                                                  brski_buf *out);

/*
 * The COSE verify primitive: checks that |alg| suits the key in |spki|
 * (ES256/P-256, ES384/P-384, ES512/P-521, EdDSA/Ed25519), that |sig| has the
 * exact raw length (64/96/132/64), that an Ed25519 S is below the group
 * order L (RFC 8032 §5.1.7), and then verifies |sig| over |tbs|.
 * Errors: BRSKI_ERR_CRYPTO (bad signature, wrong length, alg/key mismatch,
 * non-canonical S), BRSKI_ERR_UNSUPPORTED (an alg we do not implement),
 * BRSKI_ERR_MALFORMED (|spki| does not parse).
 */
BRSKI_MUST_USE brski_err brski_cose_verify_raw(int64_t alg, brski_slice spki, brski_slice tbs,
                                               brski_slice sig);

/*
 * Verifies |msg| with the public key |spki| (SubjectPublicKeyInfo DER):
 * rebuilds Sig_structure over the received protected bstr and payload and
 * calls brski_cose_verify_raw. Errors as brski_cose_verify_raw.
 */
BRSKI_MUST_USE brski_err brski_cose_sign1_verify(const brski_cose_sign1 *msg, brski_slice spki);

/* COSE alg for a signer's key: P-256 -7, P-384 -35, P-521 -36, Ed25519 -8; 0 otherwise. */
int64_t brski_cose_alg_for_key(brski_key_type type, unsigned bits);

/* The brski_sig_alg for a COSE alg (BRSKI_SIG_UNKNOWN for others). */
brski_sig_alg brski_cose_alg_sig(int64_t alg);

typedef struct brski_cose_sign_opts {
    int64_t alg;              /* 0: brski_cose_alg_for_key of the signer */
    brski_slice kid;          /* empty: no kid */
    bool kid_protected;       /* kid in the protected header (default unprotected) */
    const brski_slice *x5;    /* DER certificates for x5bag / x5chain */
    size_t x5_count;
    int x5_label;             /* BRSKI_COSE_HDR_X5BAG (default when 0) or _X5CHAIN */
    bool x5_protected;        /* default: unprotected (cBRSKI §9.2.3) */
    bool untagged;            /* default: tag 18 */
} brski_cose_sign_opts;

typedef struct brski_signer brski_signer;

/*
 * Signs |payload| with |key| and appends the COSE_Sign1 to |out|.
 * |opts| may be NULL (alg from the key, no kid, no certificates, tagged).
 * Header maps are written in ascending label order; one certificate is a
 * bstr, several an array (RFC 9360 §2).
 * Errors: BRSKI_ERR_ARG (alg does not suit the key, more than
 * BRSKI_COSE_MAX_CERTS certificates), BRSKI_ERR_UNSUPPORTED (a key type
 * with no COSE alg here), BRSKI_ERR_CRYPTO, BRSKI_ERR_TOOBIG, _NOMEM.
 */
BRSKI_MUST_USE brski_err brski_cose_sign1_sign(brski_signer *key, brski_slice payload,
                                               const brski_cose_sign_opts *opts,
                                               const brski_env *env, brski_buf *out);

/*
 * Re-encodes the COSE_Sign1 |in| with x5bag (32) and x5chain (33) removed
 * from the unprotected header (cBRSKI §6.8: the registrar strips them
 * before forwarding the voucher). Other unprotected entries, the protected
 * bytes, payload, signature and the tag are kept, so the signature still
 * verifies. Errors as brski_cose_sign1_parse, plus _TOOBIG / _NOMEM on |out|.
 */
BRSKI_MUST_USE brski_err brski_cose_sign1_strip_x5(brski_slice in, brski_buf *out);

/* True when |in| starts like a COSE_Sign1 (tag 18 or a 4-element array). */
bool brski_cose_looks_like(brski_slice in);

#endif
