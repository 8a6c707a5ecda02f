/* Fuzz harness: CRL parsing and checking (brski_crl_check) against PKITS certs. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "brski/file.h"
#include "brski/policy.h"
#include "brski/x509.h"
#include "testutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static brski_cert ee, ca;
static int ready;

static void load(const char *rel, brski_cert *out)
{
    brski_buf b;
    test_read_vector(rel, &b);
    if (brski_cert_parse(brski_buf_slice(&b), out) != BRSKI_OK) {
        abort();
    }
    brski_buf_clear(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int sink = 0;
    if (!ready) {
        load("external/nist-pkits/certs/ValidCertificatePathTest1EE.crt", &ee);
        load("external/nist-pkits/certs/GoodCACert.crt", &ca);
        ready = 1;
    }
    int64_t now = brski_time_from_civil(2011, 4, 15, 0, 0, 0);
    uint8_t *copy = malloc(size > 0 ? size : 1);
    if (copy == NULL) {
        return 0;
    }
    for (size_t i = 0; i < size; i++) {
        copy[i] = data[i];
    }
    sink += (int)brski_crl_check(brski_slice_make(copy, size), &ee, &ca, now);
    sink += (int)brski_crl_check(brski_slice_make(copy, size), &ca, &ca, now);
    free(copy);
    (void)sink;
    return 0;
}
