/*
 * voucher_json.h - JSON codec for vouchers and voucher-requests (RFC 8366,
 * rfc8366bis, RFC 7951 names): top-level "ietf-voucher:voucher" or
 * "ietf-voucher-request:voucher" ("ietf-voucher-request-prm:voucher" is
 * accepted on input), binary leaves as base64, dates as RFC 3339 text.
 */
#ifndef BRSKI_VOUCHER_JSON_H
#define BRSKI_VOUCHER_JSON_H

#include "brski/buf.h"
#include "brski/voucher.h"

/* Largest JSON document accepted (an RVR carries a whole PVR in base64). */
#define BRSKI_VOUCHER_JSON_MAX (48u * 1024u)
/* Deepest nesting of arrays and objects accepted (jansson's own limit is 2048). */
#define BRSKI_VOUCHER_JSON_MAX_DEPTH 32u

/* Parse flags. */
#define BRSKI_VJSON_ALLOW_UNKNOWN 0x1u /* ignore leaves we do not know (default: reject) */
#define BRSKI_VJSON_NO_VALIDATE 0x2u   /* skip brski_voucher_validate (for diagnostics only) */

/*
 * Parses |in| into |out| (which the function initialises; on failure it is
 * left empty, and brski_voucher_clear on it is harmless). Duplicate member names, nesting
 * deeper than BRSKI_VOUCHER_JSON_MAX_DEPTH, trailing bytes, wrong JSON types,
 * unknown members (unless BRSKI_VJSON_ALLOW_UNKNOWN), bad base64 and bad
 * dates are rejected, then the message is validated (brski_voucher_validate).
 * The nonce is kept as the exact string in out->nonce_text.
 * Errors: BRSKI_ERR_TOOBIG (input or a leaf over its limit), _MALFORMED
 * (with one log line saying what and where), _NOMEM.
 */
BRSKI_MUST_USE brski_err brski_voucher_json_parse(brski_slice in, unsigned flags,
                                                  brski_voucher *out);

/*
 * Appends the compact JSON encoding of |v| to |out| (no trailing newline),
 * leaves in table order, binary leaves in standard base64, dates as
 * "YYYY-MM-DDTHH:MM:SSZ", the nonce as nonce_text when set (else base64 of
 * the bytes). Voucher-requests are emitted as "ietf-voucher-request:voucher".
 * Errors: BRSKI_ERR_TOOBIG, _NOMEM, _ARG for an out-of-range assertion.
 */
BRSKI_MUST_USE brski_err brski_voucher_json_encode(const brski_voucher *v, brski_buf *out);

#endif
