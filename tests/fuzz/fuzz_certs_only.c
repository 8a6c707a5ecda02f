/*
 * fuzz_certs_only.c - EST certs-only PKCS#7 (RFC 7030 4.1.3) as received by
 * a pledge from /cacerts or /simpleenroll: the base64 body decoder, the
 * strict certs-only parser, and a re-encode of whatever was accepted, which
 * must parse back to the same certificates.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "brski/est.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_der(brski_slice der)
{
    brski_slice certs[BRSKI_EST_MAX_CERTS], again[BRSKI_EST_MAX_CERTS];
    size_t n = 0, m = 0;
    brski_buf re;

    if (brski_est_certs_only_parse(der, certs, BRSKI_EST_MAX_CERTS, &n) != BRSKI_OK) {
        return;
    }
    brski_buf_init(&re, BRSKI_MAX_BODY + 256);
    if (brski_est_certs_only_encode(certs, n, &re) == BRSKI_OK) {
        if (brski_est_certs_only_parse(brski_buf_slice(&re), again, BRSKI_EST_MAX_CERTS, &m) !=
                BRSKI_OK ||
            m != n) {
            abort();
        }
        for (size_t i = 0; i < n; i++) {
            if (!brski_slice_eq(certs[i], again[i])) {
                abort();
            }
        }
    }
    brski_buf_clear(&re);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    brski_slice in = brski_slice_make(data, size);
    brski_buf der;

    check_der(in);
    brski_buf_init(&der, BRSKI_MAX_BODY);
    if (brski_est_body_decode(in, BRSKI_MAX_BODY, false, &der) == BRSKI_OK) {
        check_der(brski_buf_slice(&der));
    }
    brski_buf_clear(&der);
    return 0;
}
