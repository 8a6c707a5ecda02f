/*
 * fuzz_telemetry.c - the status report decoders (CBOR for CoAPS, JSON for
 * HTTPS). Property: a decoded report has a NUL-terminated reason within
 * its limit.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "brski/log.h"
#include "brski/telemetry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    brski_log_set_sink(NULL, NULL, BRSKI_LOG_NONE);
    brski_slice in = brski_slice_make(data, size);
    brski_telemetry t;
    if (brski_telemetry_parse_cbor(in, &t) == BRSKI_OK &&
        strnlen(t.reason, sizeof(t.reason)) > BRSKI_TELEMETRY_MAX_REASON) {
        abort();
    }
    if (brski_telemetry_parse_json(in, &t) == BRSKI_OK &&
        strnlen(t.reason, sizeof(t.reason)) > BRSKI_TELEMETRY_MAX_REASON) {
        abort();
    }
    return 0;
}
