/*
 * fuzz_csr.c - what the registrar reads on /simpleenroll and what a pledge
 * reads on /csrattrs: the EST body decoder (base64, RFC 8951), PKCS#10
 * parsing with its self-signature check, the CSR-attributes parser and the
 * checks of a CSR against served attributes, and the LDevID subject rule
 * applied to the CSR subject. Raw input also goes straight to the strict
 * PKCS#10 parser (with its self-signature check) and the subject renderer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "brski/est.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* serialNumber=PID-0001 as an IDevID subject would carry it. */
static const uint8_t idevid_subject[] = {0x30, 0x13, 0x31, 0x11, 0x30, 0x0f, 0x06,
                                         0x03, 0x55, 0x04, 0x05, 0x13, 0x08, 'P',
                                         'I',  'D',  '-',  '0',  '0',  '0',  '1'};

/* Results are counted so the calls cannot be dropped. */
static volatile unsigned outcomes;

static void check_attrs(brski_slice der)
{
    brski_est_csrattr items[BRSKI_EST_MAX_CSRATTRS];
    size_t n = 0;
    brski_buf re;

    if (brski_est_csrattrs_parse(der, items, BRSKI_EST_MAX_CSRATTRS, &n) != BRSKI_OK) {
        return;
    }
    /* Whatever parses re-encodes to the same bytes (DER is canonical here). */
    brski_buf_init(&re, BRSKI_MAX_BODY + 256);
    if (brski_est_csrattrs_encode(items, n, &re) == BRSKI_OK &&
        !brski_slice_eq(brski_buf_slice(&re), der)) {
        abort();
    }
    brski_buf_clear(&re);
}

static void check_subject(brski_slice name)
{
    brski_slice idev = brski_slice_make(idevid_subject, sizeof(idevid_subject));
    brski_buf out, again;
    brski_buf_init(&out, BRSKI_MAX_CERT);
    brski_buf_init(&again, BRSKI_MAX_CERT);
    /* The rule is idempotent: applied to its own output it changes nothing. */
    if (brski_est_ldevid_subject(name, idev, &out) == BRSKI_OK) {
        if (brski_est_ldevid_subject(brski_buf_slice(&out), idev, &again) != BRSKI_OK ||
            !brski_slice_eq(brski_buf_slice(&out), brski_buf_slice(&again))) {
            abort();
        }
    }
    brski_buf_clear(&out);
    brski_buf_clear(&again);
}

/* CsrAttrs asking for ecdsa-with-SHA256, id-Ed25519 and subjectAltName. */
static const uint8_t served[] = {0x30, 0x14, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d,
                                 0x04, 0x03, 0x02, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x06,
                                 0x03, 0x55, 0x1d, 0x11};

static void check_csr(brski_slice der)
{
    brski_slice attrs = brski_slice_make(served, sizeof(served));
    brski_est_key_policy pol = {.allow_ec = true,
                                .ec_min_bits = 256,
                                .allow_ed25519 = true,
                                .allow_rsa = true,
                                .rsa_min_bits = 2048};
    brski_csr csr;

    /* The CSR attribute walk, reached directly (a real CSR needs a valid signature). */
    memset(&csr, 0, sizeof(csr));
    csr.sig_alg = BRSKI_SIG_ED25519;
    csr.attributes = der;
    brski_err rv = brski_est_csr_check_attrs(&csr, attrs);
    if (rv != BRSKI_OK && rv != BRSKI_ERR_POLICY && rv != BRSKI_ERR_MALFORMED) {
        abort();
    }
    char names[4][BRSKI_EST_DNS_MAX + 1];
    size_t nnames = 0;
    rv = brski_est_csr_san_dns(&csr, names, 4, &nnames);
    if (rv == BRSKI_OK) {
        for (size_t i = 0; i < nnames; i++) {
            if (strlen(names[i]) == 0 || strlen(names[i]) > BRSKI_EST_DNS_MAX) {
                abort();
            }
        }
    }

    memset(&csr, 0, sizeof(csr));
    if (brski_csr_parse(der, &csr) == BRSKI_OK) {
        char txt[512];
        outcomes += brski_name_to_str(csr.subject, txt, sizeof(txt)) == BRSKI_OK ? 1u : 0u;
        rv = brski_est_key_check(&pol, &csr);
        if (rv != BRSKI_OK && rv != BRSKI_ERR_POLICY) {
            abort();
        }
        rv = brski_est_csr_check_attrs(&csr, attrs);
        if (rv != BRSKI_OK && rv != BRSKI_ERR_POLICY && rv != BRSKI_ERR_MALFORMED) {
            abort();
        }
        check_subject(csr.subject);
    }
    brski_csr_clear(&csr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    brski_slice in = brski_slice_make(data, size);
    brski_buf der;

    check_attrs(in);
    check_subject(in);
    brski_buf_init(&der, BRSKI_MAX_CSR);
    if (brski_est_body_decode(in, BRSKI_MAX_CSR, true, &der) == BRSKI_OK) {
        check_attrs(brski_buf_slice(&der));
        check_subject(brski_buf_slice(&der));
        check_csr(brski_buf_slice(&der));
    }
    check_csr(in);
    brski_buf_clear(&der);
    return 0;
}
