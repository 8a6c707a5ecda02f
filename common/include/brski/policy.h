/*
 * policy.h - trust anchors by purpose, per-anchor certificate policy, and our
 * own path building and validation.
 *
 * Every certificate decision (TLS/DTLS peers, CMS and COSE signers, EST
 * requests) goes through brski_policy_validate(). wolfSSL's chain
 * verification is never used for decisions: it accepts pathLen violations
 * and untrusted roots (DEPENDENCY-NOTES.md). Only the signature of each link
 * is checked with wolfCrypt (brski_cert_verify_signed_by).
 *
 * Depth counts the trust anchor as level 1: a 1-level PKI has the EE as the
 * anchor, 2-level is root -> EE, 3-level root -> intermediate -> EE.
 *
 * This module is pure: no files, no clock. Time comes from the caller (the
 * program's brski_env). brski_anchor_store_load_config() is the one function
 * that reads files (the anchors named in a program config).
 */
#ifndef BRSKI_POLICY_H
#define BRSKI_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "brski/buf.h"
#include "brski/config.h"
#include "brski/x509.h"

/* Hard limits, whatever the policy says. */
#define BRSKI_POLICY_MAX_CHAIN 8u       /* certificates in a path, anchor included */
#define BRSKI_POLICY_MAX_PRESENTED 16u  /* presented + untrusted certificates looked at */
#define BRSKI_POLICY_MAX_CANDIDATES 64u /* issuer candidates tried per decision */
#define BRSKI_POLICY_MAX_OIDS 8u
#define BRSKI_POLICY_MAX_REGEX 256u
#define BRSKI_POLICY_FOREVER 253402300799 /* 99991231235959Z (RFC 5280 4.1.2.5) */

typedef enum brski_purpose {
    BRSKI_PURPOSE_IDEVID = 0, /* manufacturer CA that signs IDevIDs */
    BRSKI_PURPOSE_MASA,       /* voucher signer */
    BRSKI_PURPOSE_DOMAIN,     /* pinned domain CA (registrar, LDevIDs) */
    BRSKI_PURPOSE_TLS,        /* server identity */
    BRSKI_PURPOSE_SOFTWARE_UPDATE,
    BRSKI_PURPOSE_ATTESTATION,
    BRSKI_PURPOSE__COUNT
} brski_purpose;

/* "idevid", "masa", "domain", "tls", "software-update", "attestation". */
BRSKI_MUST_USE brski_err brski_purpose_parse(const char *name, brski_purpose *out);
const char *brski_purpose_name(brski_purpose p);

/* Why a path was rejected. Stable: tests and audit records use the names. */
typedef enum brski_reason {
    BRSKI_REASON_OK = 0,
    BRSKI_REASON_BAD_INPUT,          /* no leaf, too many presented certificates */
    BRSKI_REASON_NO_ANCHOR,          /* no anchor loaded for the purpose */
    BRSKI_REASON_NO_PATH,            /* no issuer chain reaches an anchor of the purpose */
    BRSKI_REASON_CANDIDATE_LIMIT,    /* path search stopped at the candidate cap */
    BRSKI_REASON_BAD_SIGNATURE,      /* names chain but a signature does not verify */
    BRSKI_REASON_CHAIN_TOO_LONG,     /* more than max_chain / BRSKI_POLICY_MAX_CHAIN */
    BRSKI_REASON_CERT_TOO_BIG,       /* a certificate over max_cert_size */
    BRSKI_REASON_DEPTH_EXCEEDED,     /* path deeper than max_depth */
    BRSKI_REASON_DEPTH_NOT_LOCKED,   /* path depth differs from locked_depth */
    BRSKI_REASON_NOT_CA,             /* issuer without basicConstraints cA */
    BRSKI_REASON_PATHLEN,            /* pathLenConstraint exceeded */
    BRSKI_REASON_NO_KEYCERTSIGN,     /* issuer keyUsage lacks keyCertSign */
    BRSKI_REASON_BAD_EXTENSIONS,     /* inconsistent, duplicate or wrongly critical extensions */
    BRSKI_REASON_UNKNOWN_CRITICAL,   /* a critical extension we do not understand */
    BRSKI_REASON_NAME_CONSTRAINTS,   /* nameConstraints present: unsupported, fail closed */
    BRSKI_REASON_BAD_NAME,           /* empty issuer/subject name */
    BRSKI_REASON_KEY_ID_MISMATCH,    /* AKI/SKI missing or not matching */
    BRSKI_REASON_VERSION,            /* not an X.509 v3 certificate */
    BRSKI_REASON_NOT_YET_VALID,
    BRSKI_REASON_EXPIRED,
    BRSKI_REASON_NO_EXPIRY,          /* notAfter 99991231235959Z not allowed */
    BRSKI_REASON_SIG_ALG,            /* signature algorithm not allowed / inconsistent */
    BRSKI_REASON_KEY_TYPE,           /* key type not allowed */
    BRSKI_REASON_KEY_SIZE,           /* key smaller than the minimum */
    BRSKI_REASON_EE_IS_CA,           /* end entity with cA true */
    BRSKI_REASON_EE_KEY_USAGE,       /* required keyUsage bits missing */
    BRSKI_REASON_EE_EKU,             /* required extendedKeyUsage missing */
    BRSKI_REASON_EE_POLICY,          /* required certificate policy missing */
    BRSKI_REASON_EE_SERIAL_NUMBER,   /* subject serialNumber missing/empty/too long/bad type */
    BRSKI_REASON_EE_SUBJECT,         /* subject does not match the pattern */
    BRSKI_REASON_EE_MASA_URL,        /* MASA URL missing, critical or not a URI */
    BRSKI_REASON_PEER_NAME,          /* DNS name does not match the SAN */
    BRSKI_REASON_REVOKED,            /* listed on a valid CRL of its issuer */
    BRSKI_REASON_REVOCATION_UNKNOWN, /* revocation = crl and no usable CRL */
    BRSKI_REASON__COUNT
} brski_reason;

/* "ok", "no-path", "pathlen", ... (never NULL). */
const char *brski_reason_name(brski_reason r);

typedef struct brski_anchor_policy {
    unsigned max_depth;      /* levels, anchor = 1; 0: only the hard limits */
    unsigned locked_depth;   /* exact depth required; 0: not locked */
    uint32_t sig_algs;       /* mask of 1u << brski_sig_alg allowed for every link */
    uint32_t key_types;      /* mask of 1u << brski_key_type allowed for every key */
    unsigned min_rsa_bits;
    unsigned min_ec_bits;
    uint16_t ee_key_usage;   /* bits the EE must have (needs keyUsage) */
    size_t ee_eku_count;
    char ee_eku[BRSKI_POLICY_MAX_OIDS][48]; /* each must appear in the EE's EKU */
    bool ee_eku_absent_ok;   /* EE without an EKU extension passes (802.1AR) */
    bool ee_may_be_ca;       /* EE with cA true is acceptable */
    size_t ee_policy_count;
    char ee_policies[BRSKI_POLICY_MAX_OIDS][48]; /* each must be in certificatePolicies */
    bool require_serial_number;     /* EE subject needs a serialNumber (IDevID) */
    bool require_masa_url;          /* EE needs a non-critical MASA URL (RFC 8995 2.3.2) */
    char subject_regex[BRSKI_POLICY_MAX_REGEX]; /* POSIX ERE over the EE subject string */
    unsigned max_chain;      /* certificates incl. anchor; <= BRSKI_POLICY_MAX_CHAIN */
    size_t max_cert_size;    /* bytes of DER per certificate */
    bool check_validity;     /* compare notBefore/notAfter with the time given */
    bool allow_no_expiry;    /* accept notAfter 99991231235959Z below the anchor */
    bool require_key_ids;    /* non-self-issued certs need AKI, CA certs need SKI */
    bool require_peer_name;  /* tls: a peer name must be given and match */
    bool revocation_crl;     /* every non-anchor cert needs a current CRL from its issuer */
} brski_anchor_policy;

/* Defaults for |p| (see docs/policy.md). */
void brski_anchor_policy_default(brski_purpose p, brski_anchor_policy *out);

/*
 * Reads the policy keys of |section| in |cfg| on top of |pol| (which holds
 * defaults). Keys read are marked used. BRSKI_ERR_MALFORMED with |errmsg|
 * on a bad value (unknown algorithm, bad OID, depth > 8, regex that does not
 * compile). "revocation" is "off" or "crl" (CRLs come with the input).
 */
BRSKI_MUST_USE brski_err brski_anchor_policy_from_config(brski_config *cfg, const char *section,
                                                         brski_anchor_policy *pol, char *errmsg,
                                                         size_t errcap);

typedef struct brski_anchor {
    brski_purpose purpose;
    char name[64];
    brski_cert cert;
    brski_anchor_policy policy;
} brski_anchor;

typedef struct brski_anchor_store {
    brski_anchor *anchors;
    size_t count;
} brski_anchor_store;

#define BRSKI_ANCHOR_STORE_MAX 64u

void brski_anchor_store_init(brski_anchor_store *s);
void brski_anchor_store_clear(brski_anchor_store *s);

/*
 * Adds the certificate |der| as an anchor for |purpose| only, with policy
 * |pol| (copied). BRSKI_ERR_MALFORMED when |der| does not parse, _TOOBIG past
 * BRSKI_ANCHOR_STORE_MAX anchors.
 */
BRSKI_MUST_USE brski_err brski_anchor_store_add(brski_anchor_store *s, brski_purpose purpose,
                                                const char *name, brski_slice der,
                                                const brski_anchor_policy *pol);

/*
 * Loads every "[anchor NAME]" section of |cfg|: keys "purpose", "file"
 * (PEM/DER, may hold several certificates, resolved against the config's
 * directory) and the policy keys of brski_anchor_policy_from_config.
 * Reads files. Errors as above plus BRSKI_ERR_IO for unreadable files.
 */
BRSKI_MUST_USE brski_err brski_anchor_store_load_config(brski_anchor_store *s, brski_config *cfg,
                                                        char *errmsg, size_t errcap);

typedef struct brski_policy_input {
    brski_purpose purpose;
    const brski_cert *chain;     /* presented chain, leaf first; chain[0] is the EE */
    size_t chain_count;
    const brski_cert *untrusted; /* extra candidate intermediates (may be NULL) */
    size_t untrusted_count;
    const char *peer_name;       /* DNS name to match against the EE's SAN; NULL: none */
    int64_t now;                 /* validation time (from brski_env) */
    const brski_anchor_policy *override; /* NULL: each anchor's own policy */
    const brski_slice *crls;     /* DER CRLs for revocation = crl (may be NULL) */
    size_t crl_count;
} brski_policy_input;

typedef struct brski_policy_decision {
    brski_reason reason;
    char detail[256];            /* one line: what failed, for which certificate */
    const brski_anchor *anchor;  /* the anchor of the path (accepted or best rejected) */
    const brski_cert *path[BRSKI_POLICY_MAX_CHAIN]; /* EE first, anchor cert last */
    size_t path_len;
    size_t candidates_tried;
} brski_policy_decision;

/*
 * Builds paths from |in|->chain[0] through the other presented and the
 * untrusted certificates to an anchor loaded for |in|->purpose and checks
 * each under the anchor's policy. The first path that passes is returned in
 * |out| with BRSKI_OK. Otherwise |out| holds the most specific failure found
 * and the result is BRSKI_ERR_POLICY (BRSKI_ERR_CRYPTO for a bad signature,
 * BRSKI_ERR_ARG for bad input). Pointers in |out| borrow from |in| and |s|.
 */
BRSKI_MUST_USE brski_err brski_policy_validate(const brski_anchor_store *s,
                                               const brski_policy_input *in,
                                               brski_policy_decision *out);

/*
 * Checks |cert| against one DER CRL that |issuer| must have signed, current
 * at |now| (RFC 5280 6.3.3). BRSKI_OK: not revoked; BRSKI_ERR_POLICY:
 * revoked; BRSKI_ERR_MALFORMED: the CRL does not parse, is not current, is
 * not signed by |issuer|, or carries critical extensions we do not handle.
 */
BRSKI_MUST_USE brski_err brski_crl_check(brski_slice crl, const brski_cert *cert,
                                         const brski_cert *issuer, int64_t now);

/* Parses an EKU name ("serverAuth", "clientAuth", "cmcRA", ...) or dotted OID into |out|. */
BRSKI_MUST_USE brski_err brski_eku_parse(const char *name, char *out, size_t cap);

/* True when |name| (DNS) matches the SAN dNSName |pattern| (leftmost "*." wildcard). */
bool brski_dns_name_match(const char *pattern, const char *name);

#endif
