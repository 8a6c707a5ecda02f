/*
 * fuzz_cose_sign1.c - the COSE_Sign1 decoder, Sig_structure builder, x5
 * stripping and verification against a fixed P-256 key (the cBRSKI
 * registrar key). Property: a message that parses strips to one that parses
 * with the same protected bytes, payload and signature.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "brski/cose.h"
#include "brski/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t registrar_spki[] = {
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08,
    0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04, 0x20, 0x30, 0x85,
    0x5b, 0xe8, 0x46, 0x91, 0x0b, 0x3e, 0xcb, 0x15, 0xca, 0xf8, 0x57, 0x2d, 0x3e, 0xb5, 0x65,
    0xbd, 0xc6, 0x54, 0xa1, 0x5e, 0xfa, 0xf6, 0xed, 0xeb, 0xaa, 0x8b, 0x9e, 0x16, 0x08, 0xc5,
    0xc9, 0x10, 0xc9, 0x3a, 0x20, 0x86, 0x8f, 0xc8, 0x50, 0x4d, 0x37, 0x0f, 0x1b, 0x26, 0xfa,
    0x97, 0x59, 0xf6, 0x79, 0x83, 0xbb, 0x78, 0x86, 0x3e, 0xda, 0x9a, 0xcb, 0xea, 0x51, 0x24,
    0xf6,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    brski_log_set_sink(NULL, NULL, BRSKI_LOG_NONE);
    brski_slice in = brski_slice_make(data, size);
    brski_cose_sign1 m;
    if (brski_cose_sign1_parse(in, &m) != BRSKI_OK) {
        return 0;
    }
    if (brski_cose_sign1_verify(&m, brski_slice_make(registrar_spki, sizeof(registrar_spki))) !=
        BRSKI_OK) {
        /* the usual outcome; the point is to exercise verify on hostile headers */
    }
    brski_buf out;
    brski_buf_init(&out, 2 * BRSKI_MAX_BODY);
    if (brski_cose_sign1_strip_x5(in, &out) != BRSKI_OK) {
        abort(); /* parse accepted it, strip must too */
    }
    brski_cose_sign1 s;
    if (brski_cose_sign1_parse(brski_buf_slice(&out), &s) != BRSKI_OK ||
        !brski_slice_eq(s.protected_hdr, m.protected_hdr) ||
        !brski_slice_eq(s.payload, m.payload) || !brski_slice_eq(s.signature, m.signature) ||
        s.alg != m.alg || s.tagged != m.tagged || (!m.x5_protected && s.x5_count != 0)) {
        abort();
    }
    brski_buf_clear(&out);
    return 0;
}
