/*
 * pvr.c - the pledge voucher-request model (RFC 8995 5.2).
 */
#include "pvr.h"

#include "brski/codec.h"
#include "brski/env.h"

brski_err pledge_pvr_nonce(brski_buf *out)
{
    uint8_t raw[16];
    /* RFC 8995 5.2: nonce from a cryptographically strong random source. */
    brski_err rv = brski_env_random(NULL, raw, sizeof(raw));
    if (rv == BRSKI_OK) {
        rv = brski_base64_encode(brski_slice_make(raw, sizeof(raw)), out);
    }
    if (rv == BRSKI_OK) {
        rv = brski_buf_cstr(out);
    }
    return rv;
}

brski_err pledge_pvr_model(const char *serial, const char *nonce, brski_slice registrar_cert,
                           brski_voucher *v)
{
    brski_err rv;

    v->assertion = BRSKI_ASSERTION_PROXIMITY;
    brski_voucher_mark(v, BRSKI_LEAF_ASSERTION);
    rv = brski_voucher_set_time(v, BRSKI_LEAF_CREATED_ON, brski_env_now(NULL));
    if (rv == BRSKI_OK) {
        rv = brski_voucher_set_str(v, BRSKI_LEAF_SERIAL_NUMBER, serial);
    }
    if (rv == BRSKI_OK) {
        rv = brski_voucher_set_str(v, BRSKI_LEAF_NONCE, nonce);
    }
    /* The first certificate of the server's certificate_list (RFC 8995 5.2). */
    if (rv == BRSKI_OK) {
        rv = brski_voucher_set_bytes(v, BRSKI_LEAF_PROXIMITY_REGISTRAR_CERT, registrar_cert);
    }
    if (rv == BRSKI_OK) {
        rv = brski_voucher_validate(v);
    }
    return rv;
}
