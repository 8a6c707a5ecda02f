/*
 * fuzz_csr.c - one DER PKCS#10 request through the strict parser, which
 * also checks the self-signature.
 */
#include <stddef.h>
#include <stdint.h>

#include "brski/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Results are counted so the calls cannot be dropped and no result goes unchecked. */
static volatile unsigned outcomes;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    brski_csr c;
    char txt[512];
    if (brski_csr_parse(brski_slice_make(data, size), &c) != BRSKI_OK) {
        return 0;
    }
    outcomes += brski_name_to_str(c.subject, txt, sizeof(txt)) == BRSKI_OK ? 1u : 0u;
    brski_csr_clear(&c);
    return 0;
}
