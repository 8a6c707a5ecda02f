/*
 * fuzz_voucher_json.c - voucher / voucher-request JSON parser, then a
 * re-encode and re-parse of whatever it accepts (the two must agree).
 */
#include <stdint.h>
#include <stdlib.h>

#include "brski/log.h"
#include "brski/voucher.h"
#include "brski/voucher_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    brski_voucher v, w;
    brski_buf out;
    brski_log_set_sink(NULL, NULL, BRSKI_LOG_NONE);
    brski_buf_init(&out, BRSKI_VOUCHER_JSON_MAX * 2u);
    for (unsigned flags = 0; flags < 2; flags++) {
        if (brski_voucher_json_parse(brski_slice_make(data, size), flags, &v) == BRSKI_OK) {
            brski_buf_reset(&out);
            if (brski_voucher_json_encode(&v, &out) == BRSKI_OK) {
                if (brski_voucher_json_parse(brski_buf_slice(&out), 0, &w) != BRSKI_OK ||
                    w.present != v.present || w.kind != v.kind) {
                    abort();
                }
                brski_voucher_clear(&w);
            }
        }
        brski_voucher_clear(&v);
    }
    brski_buf_clear(&out);
    return 0;
}
