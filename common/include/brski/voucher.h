/*
 * voucher.h - the voucher and voucher-request model shared by the JSON
 * (RFC 8366 / rfc8366bis, RFC 7951) and CBOR (YANG-CBOR SIDs) codecs.
 *
 * One struct covers both message kinds; |present| says which leaves were
 * set. Binary leaves are owned byte arrays; the nonce is kept both as the
 * bytes and, for JSON, as the exact string received (RFC 8995 examples use a
 * base64url nonce that strict base64 rejects; the pledge compares strings).
 */
#ifndef BRSKI_VOUCHER_H
#define BRSKI_VOUCHER_H

#include <stdbool.h>
#include <stdint.h>

#include "brski/buf.h"

typedef enum brski_voucher_kind {
    BRSKI_KIND_VOUCHER = 0,         /* ietf-voucher:voucher */
    BRSKI_KIND_VOUCHER_REQUEST = 1, /* ietf-voucher-request:voucher */
} brski_voucher_kind;

typedef enum brski_assertion {
    BRSKI_ASSERTION_VERIFIED = 0,
    BRSKI_ASSERTION_LOGGED = 1,
    BRSKI_ASSERTION_PROXIMITY = 2,
    BRSKI_ASSERTION_AGENT_PROXIMITY = 3,
} brski_assertion;

/* Leaves, as bits of brski_voucher.present. */
typedef enum brski_leaf {
    BRSKI_LEAF_ASSERTION = 0,
    BRSKI_LEAF_CREATED_ON,
    BRSKI_LEAF_DOMAIN_CERT_REVOCATION_CHECKS,
    BRSKI_LEAF_EXPIRES_ON,
    BRSKI_LEAF_IDEVID_ISSUER,
    BRSKI_LEAF_LAST_RENEWAL_DATE,
    BRSKI_LEAF_NONCE,
    BRSKI_LEAF_PINNED_DOMAIN_CERT,
    BRSKI_LEAF_PINNED_DOMAIN_PUBK,
    BRSKI_LEAF_PINNED_DOMAIN_PUBK_SHA256,
    BRSKI_LEAF_SERIAL_NUMBER,
    BRSKI_LEAF_ADDITIONAL_CONFIGURATION_URL,
    BRSKI_LEAF_EST_DOMAIN,
    BRSKI_LEAF_MANUFACTURER_PROPRIETARY,
    BRSKI_LEAF_EXTENSIONS,
    /* voucher-request only */
    BRSKI_LEAF_PRIOR_SIGNED_VOUCHER_REQUEST,
    BRSKI_LEAF_PROXIMITY_REGISTRAR_CERT,
    BRSKI_LEAF_PROXIMITY_REGISTRAR_PUBK_SHA256,
    BRSKI_LEAF_PROXIMITY_REGISTRAR_PUBK,
    BRSKI_LEAF_AGENT_PROVIDED_PROXIMITY_REGISTRAR_CERT,
    BRSKI_LEAF_AGENT_SIGN_CERT,
    BRSKI_LEAF_AGENT_SIGNED_DATA,
    BRSKI_LEAF__COUNT
} brski_leaf;

/* An owned byte string. */
typedef struct brski_bytes {
    uint8_t *p;
    size_t len;
} brski_bytes;

typedef struct brski_voucher {
    brski_voucher_kind kind;
    uint32_t present; /* 1u << brski_leaf */

    brski_assertion assertion;
    int64_t created_on, expires_on, last_renewal_date; /* Unix seconds */
    bool domain_cert_revocation_checks;
    char *serial_number;
    char *nonce_text; /* JSON only: the nonce string exactly as received */
    char *additional_configuration_url;
    char *est_domain;

    brski_bytes idevid_issuer;
    brski_bytes nonce;
    brski_bytes pinned_domain_cert;
    brski_bytes pinned_domain_pubk;
    brski_bytes pinned_domain_pubk_sha256;
    brski_bytes manufacturer_proprietary;
    brski_bytes extensions; /* encoded as received (JSON text or CBOR) */
    brski_bytes prior_signed_voucher_request;
    brski_bytes proximity_registrar_cert;
    brski_bytes proximity_registrar_pubk_sha256;
    brski_bytes proximity_registrar_pubk;
    brski_bytes agent_provided_proximity_registrar_cert;
    brski_bytes agent_sign_cert;
    brski_bytes agent_signed_data;
} brski_voucher;

static inline bool brski_voucher_has(const brski_voucher *v, brski_leaf leaf)
{
    return (v->present & (1u << (unsigned)leaf)) != 0;
}

static inline void brski_voucher_mark(brski_voucher *v, brski_leaf leaf)
{
    v->present |= 1u << (unsigned)leaf;
}

#endif
