/*
 * fuzz_voucher_cbor.c - the YANG-CBOR voucher decoder (strict and lenient).
 * Property: whatever decodes strictly re-encodes, and the re-encoding decodes
 * to the same set of leaves.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "brski/log.h"
#include "brski/voucher_cbor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    brski_log_set_sink(NULL, NULL, BRSKI_LOG_NONE);
    brski_slice in = brski_slice_make(data, size);
    brski_voucher v;
    if (brski_voucher_cbor_parse(in, BRSKI_VOUCHER_CBOR_LENIENT, &v) == BRSKI_OK) {
        brski_voucher_clear(&v);
    }
    if (brski_voucher_cbor_parse(in, 0, &v) != BRSKI_OK) {
        return 0;
    }
    brski_buf out;
    brski_buf_init(&out, 2 * BRSKI_MAX_BODY);
    if (brski_voucher_cbor_encode(&v, &out) == BRSKI_OK) {
        brski_voucher w;
        if (brski_voucher_cbor_parse(brski_buf_slice(&out), 0, &w) != BRSKI_OK ||
            w.present != v.present || w.kind != v.kind) {
            abort();
        }
        brski_voucher_clear(&w);
    }
    brski_buf_clear(&out);
    brski_voucher_clear(&v);
    return 0;
}
