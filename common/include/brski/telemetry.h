/*
 * telemetry.h - voucher status and enroll status reports (RFC 8995 5.7,
 * 5.9.4), as JSON over HTTPS or as CBOR with text keys over CoAPS
 * (cBRSKI 6.5.1, Content-Format 60). One model, two decoders:
 *
 *   { "version": uint, "status": bool, ? "reason": text,
 *     ? "reason-context": { $$arbitrary-map } }
 *
 * Other keys are ignored (as the JSON handler always did); a key given
 * twice is refused.
 */
#ifndef BRSKI_TELEMETRY_H
#define BRSKI_TELEMETRY_H

#include <stdbool.h>
#include <stdint.h>

#include "brski/buf.h"
#include "brski/err.h"

#define BRSKI_TELEMETRY_MAX_REASON 900u /* bytes of "reason" (fits a store text field with the rest) */
#define BRSKI_TELEMETRY_MAX_BODY 4096u  /* whole report */

typedef struct brski_telemetry {
    uint64_t version;
    bool status;
    char reason[BRSKI_TELEMETRY_MAX_REASON + 1]; /* "" when absent */
    bool has_reason_context;
} brski_telemetry;

/*
 * Decodes the JSON report |in| into |out|.
 * Errors: BRSKI_ERR_TOOBIG (|in| over BRSKI_TELEMETRY_MAX_BODY or reason
 * over BRSKI_TELEMETRY_MAX_REASON), BRSKI_ERR_MALFORMED (not a JSON object,
 * duplicate key, version not a uint, status not a bool, reason not text,
 * reason-context not an object).
 */
BRSKI_MUST_USE brski_err brski_telemetry_parse_json(brski_slice in, brski_telemetry *out);

/*
 * Decodes the CBOR report |in| (a map with text keys) into |out|, after
 * the bounded pre-scan (brski_cbor_scan, no indefinite lengths).
 * Errors as brski_telemetry_parse_json; also BRSKI_ERR_MALFORMED for a
 * non-text key, invalid UTF-8 or a NUL in reason, and trailing bytes.
 */
BRSKI_MUST_USE brski_err brski_telemetry_parse_cbor(brski_slice in, brski_telemetry *out);

#endif
