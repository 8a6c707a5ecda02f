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

/* Size limits on every leaf (bytes after base64 decoding, or characters). */
#define BRSKI_VOUCHER_MAX_SERIAL 128u       /* serial-number */
#define BRSKI_VOUCHER_MAX_NONCE_TEXT 64u    /* nonce as JSON text */
#define BRSKI_VOUCHER_MIN_NONCE 8u          /* binary {length 8..32} */
#define BRSKI_VOUCHER_MAX_NONCE 32u
#define BRSKI_VOUCHER_MAX_URI 1024u         /* est-domain, additional-configuration-url */
#define BRSKI_VOUCHER_MAX_ISSUER 128u       /* idevid-issuer (AKI extnValue TLV) */
#define BRSKI_VOUCHER_MAX_PUBK 2048u        /* *-pubk (SubjectPublicKeyInfo DER) */
#define BRSKI_VOUCHER_MAX_PROPRIETARY 4096u /* manufacturer-proprietary */
#define BRSKI_VOUCHER_MAX_EXTENSIONS 1024u  /* extensions, as encoded */
#define BRSKI_VOUCHER_MAX_AGENT_DATA 8192u  /* agent-signed-data */
/* certificates use BRSKI_MAX_CERT; prior-signed-voucher-request BRSKI_MAX_VOUCHER */

/* Initialises |v| as an empty message of |kind| (no allocation). */
void brski_voucher_init(brski_voucher *v, brski_voucher_kind kind);

/* Frees every owned leaf; |v| is empty (same kind) afterwards. NULL is a no-op. */
void brski_voucher_clear(brski_voucher *v);

/* RFC 7951 member name of |leaf| ("pinned-domain-cert"); NULL when out of range. */
const char *brski_voucher_leaf_name(brski_leaf leaf);

/* Storage of a binary leaf inside |v|; NULL when |leaf| is not a binary leaf. */
brski_bytes *brski_voucher_leaf_bytes(brski_voucher *v, brski_leaf leaf);
const brski_bytes *brski_voucher_leaf_cbytes(const brski_voucher *v, brski_leaf leaf);

/* Storage of a string leaf inside |v| (serial-number, additional-configuration-url,
 * est-domain); NULL when |leaf| is not a string leaf. The const variant returns the string
 * itself (NULL when unset). */
char **brski_voucher_leaf_str(brski_voucher *v, brski_leaf leaf);
const char *brski_voucher_leaf_cstr(const brski_voucher *v, brski_leaf leaf);

/* Looks a member name up; false when no leaf has that name. */
bool brski_voucher_leaf_from_name(const char *name, brski_leaf *out);

/* True when |leaf| is part of the YANG module of |kind|. */
bool brski_voucher_leaf_allowed(brski_voucher_kind kind, brski_leaf leaf);

/* Enumeration name of |a| ("proximity"); NULL when out of range. */
const char *brski_assertion_name(brski_assertion a);

/* Parses an assertion name; BRSKI_ERR_MALFORMED for anything else. */
BRSKI_MUST_USE brski_err brski_assertion_parse(const char *s, brski_assertion *out);

/*
 * Stores a copy of |val| in the binary leaf |leaf| and marks it present.
 * BRSKI_ERR_ARG when |leaf| is not a binary leaf, _TOOBIG over its limit,
 * _NOMEM.
 */
BRSKI_MUST_USE brski_err brski_voucher_set_bytes(brski_voucher *v, brski_leaf leaf,
                                                 brski_slice val);

/*
 * Stores a copy of the string |s| in a string leaf (serial-number,
 * est-domain, additional-configuration-url). Also accepts BRSKI_LEAF_NONCE,
 * which sets nonce_text to |s| and the nonce bytes to its base64 (standard
 * or url-safe) decoding. BRSKI_ERR_TOOBIG over the limit, _MALFORMED for
 * control characters or an undecodable nonce, _ARG for other leaves.
 */
BRSKI_MUST_USE brski_err brski_voucher_set_str(brski_voucher *v, brski_leaf leaf, const char *s);

/* Sets a yang:date-and-time leaf (created-on, expires-on, last-renewal-date). */
BRSKI_MUST_USE brski_err brski_voucher_set_time(brski_voucher *v, brski_leaf leaf, int64_t t);

/*
 * Strict validation of a decoded message.
 * - Every present leaf belongs to the module of v->kind.
 * - Voucher (RFC 8366 5.3, RFC 8995 5.6): created-on, assertion and
 *   serial-number are required, and a pinned-domain-cert or (rfc8366bis)
 *   pinned-domain-pubk(-sha256).
 * - Voucher-request (RFC 8995 5.2, rfc8366bis 9): serial-number required.
 * - last-renewal-date needs expires-on (RFC 8366 YANG must '../expires-on');
 *   expires-on is not before created-on.
 * - Size limits above; the nonce decodes to 8..32 bytes; *-pubk-sha256 is
 *   32 bytes.
 * BRSKI_ERR_MALFORMED with one log line naming the leaf and the rule.
 */
BRSKI_MUST_USE brski_err brski_voucher_validate(const brski_voucher *v);

/*
 * The nonce of |v| as text, appended NUL-terminated to |out|: the JSON text
 * as received when there is one, else the base64 (RFC 4648 section 4) of
 * the nonce bytes (a CBOR nonce), so vouchers of either format can be
 * logged, stored and replay-checked by the same text.
 * BRSKI_ERR_ARG when |v| has no nonce; _TOOBIG/_NOMEM from |out|.
 */
BRSKI_MUST_USE brski_err brski_voucher_nonce_str(const brski_voucher *v, brski_buf *out);

#endif
