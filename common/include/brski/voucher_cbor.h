/*
 * voucher_cbor.h - YANG-CBOR (RFC 9254) encoding of vouchers and
 * voucher-requests with the SIDs of rfc8366bis §8.5 / §9.3.
 *
 * Layout: a one-entry map whose key is the absolute SID of the container
 * (2451 ietf-voucher:voucher, 2501 ietf-voucher-request:voucher) and whose
 * value is a map keyed by delta SIDs (leaf SID - container SID). Values:
 * assertion as its enum integer, binary leaves as byte strings, date-times
 * as RFC 3339 text, booleans as true/false, strings as text, extensions as
 * an array of uint / text.
 *
 * The decoder also accepts YANG names instead of SIDs (cBRSKI §15.2.2,
 * "mixed" keys for media type 836), and tag-47 absolute SIDs. It runs the
 * bounded pre-scan (cbor_scan.h) before libcbor sees the bytes.
 */
#ifndef BRSKI_VOUCHER_CBOR_H
#define BRSKI_VOUCHER_CBOR_H

#include <stdint.h>

#include "brski/buf.h"
#include "brski/err.h"
#include "brski/voucher.h"

#define BRSKI_SID_VOUCHER 2451u
#define BRSKI_SID_VOUCHER_REQUEST 2501u

/*
 * Opt-in: accept the older interop encodings found in the Minerva vectors:
 * assertion as text ("proximity"), date-times as tag 1 epoch numbers,
 * binary leaves as base64 text, serial-number as a byte string, and unknown
 * keys (ignored). Off by default.
 */
#define BRSKI_VOUCHER_CBOR_LENIENT 0x1u

/*
 * Decodes |in| into |out| (overwritten; its previous contents are not
 * freed). The kind comes from the container key. On success the caller owns
 * the fields (brski_voucher_clear); on failure |out| is zeroed.
 * Errors: BRSKI_ERR_TOOBIG (input over 64 KiB, nesting over 16, see
 * brski_cbor_scan), BRSKI_ERR_MALFORMED (not CBOR, wrong container, unknown
 * or duplicate key, wrong value type, bad date, bad UTF-8 or NUL in text,
 * assertion out of range), BRSKI_ERR_NOMEM.
 */
BRSKI_MUST_USE brski_err brski_voucher_cbor_parse(brski_slice in, unsigned flags,
                                                  brski_voucher *out);

/*
 * Appends the CBOR encoding of |v| to |out|: keys in ascending delta order,
 * minimal-length heads, date-times as "YYYY-MM-DDTHH:MM:SSZ". Only leaves
 * allowed for |v->kind| may be present.
 * Errors: BRSKI_ERR_ARG (a leaf the kind does not have, assertion out of
 * range, a present text leaf that is NULL, extensions that are not a CBOR
 * array), BRSKI_ERR_TOOBIG (|out| cap), BRSKI_ERR_NOMEM.
 */
BRSKI_MUST_USE brski_err brski_voucher_cbor_encode(const brski_voucher *v, brski_buf *out);

/* Delta SID of |leaf| inside |kind|'s container; 0 when the kind has no such leaf. */
unsigned brski_voucher_cbor_delta(brski_voucher_kind kind, brski_leaf leaf);

#endif
