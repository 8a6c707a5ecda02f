/*
 * pvr.h - the pledge voucher-request model (RFC 8995 5.2), shared by
 * `brski-pledge make-pvr` and `brski-pledge enroll` for CMS and COSE.
 */
#ifndef PLEDGE_PVR_H
#define PLEDGE_PVR_H

#include "brski/buf.h"
#include "brski/err.h"
#include "brski/voucher.h"

/*
 * Appends a fresh nonce to |out| as NUL-terminated base64 text of 16 random
 * bytes (RFC 8995 5.2: "a cryptographically strong random"). Errors of the
 * RNG and the buffer.
 */
BRSKI_MUST_USE brski_err pledge_pvr_nonce(brski_buf *out);

/*
 * Fills |v| (initialised by the caller as BRSKI_KIND_VOUCHER_REQUEST) with
 * assertion proximity, created-on now, |serial|, |nonce| and
 * proximity-registrar-cert |registrar_cert| (the registrar's (D)TLS EE
 * certificate), then validates it. Errors of the setters and
 * brski_voucher_validate.
 */
BRSKI_MUST_USE brski_err pledge_pvr_model(const char *serial, const char *nonce,
                                          brski_slice registrar_cert, brski_voucher *v);

#endif
