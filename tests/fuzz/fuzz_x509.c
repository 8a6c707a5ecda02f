/*
 * fuzz_x509.c - one DER certificate through the strict parser, the name
 * accessors and a signature check against itself (self-signed path).
 */
#include <stddef.h>
#include <stdint.h>

#include "brski/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Results are counted so the calls cannot be dropped and no result goes unchecked. */
static volatile unsigned outcomes;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    brski_cert c;
    char txt[512];
    uint8_t tag = 0;
    if (brski_cert_parse(brski_slice_make(data, size), &c) != BRSKI_OK) {
        return 0;
    }
    outcomes += brski_name_to_str(c.subject, txt, sizeof(txt)) == BRSKI_OK ? 1u : 0u;
    outcomes += brski_name_to_str(c.issuer, txt, sizeof(txt)) == BRSKI_OK ? 1u : 0u;
    brski_err rv = brski_name_get(c.subject, BRSKI_OID_AT_SERIAL_NUMBER, txt, sizeof(txt), &tag);
    outcomes += rv == BRSKI_OK ? 1u : 0u;
    outcomes += brski_cert_verify_signed_by(&c, &c) == BRSKI_OK ? 1u : 0u;
    brski_cert_clear(&c);
    return 0;
}
