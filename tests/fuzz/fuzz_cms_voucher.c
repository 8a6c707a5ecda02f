/*
 * fuzz_cms_voucher.c - raw bytes through the strict CMS SignedData verifier
 * and, when that passes, the pledge's full acceptance logic against the
 * RFC 8995 App. C MASA certificate (embedded below as the anchor).
 */
#include <stdint.h>
#include <stdlib.h>

#include "brski/cms.h"
#include "brski/codec.h"
#include "brski/log.h"
#include "brski/policy.h"
#include "brski/voucher.h"
#include "brski/voucher_accept.h"
#include "brski/voucher_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* RFC 8995 App. C.1.2 MASA certificate (highway-test.example.com MASA), base64 DER. */
static const char masa_b64[] =
    "MIIBcDCB9qADAgECAgQLhwoxMAoGCCqGSM49BAMCMCYxJDAiBgNVBAMMG2hpZ2h3YXktdGVzdC5leGFtcGxlLmNv"
    "bSBDQTAeFw0yMTA0MTMyMTQwMTZaFw0yMzA0MTMyMTQwMTZaMCgxJjAkBgNVBAMMHWhpZ2h3YXktdGVzdC5leGFt"
    "cGxlLmNvbSBNQVNBMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqgQVo0S54kT4yfkbBxumdHOcHrpsqbOpMKmi"
    "Mln3oB1HAW25MJV+gqi4tMFfSJ0iEwt8kszfWXK4rLgJS2mnpaMQMA4wDAYDVR0TAQH/BAIwADAKBggqhkjOPQQD"
    "AgNpADBmAjEArsthLdRcjW6GqgsGHcbTYLoyczYl0yOFSYcczpQjeRqeQVUkHRUioUi7CsCrPBNzAjEAhjxns5Wi"
    "4uX5rfkdnME0Mnj1z+rVRwOfAL/QWctRwpgEgSSKURNQsXWyL52otPS5";

static brski_anchor_store store;
static bool store_ready;

static void setup(void)
{
    brski_buf der;
    brski_anchor_policy pol;
    brski_anchor_store_init(&store);
    brski_buf_init(&der, BRSKI_MAX_CERT);
    brski_anchor_policy_default(BRSKI_PURPOSE_MASA, &pol);
    if (brski_base64_decode(brski_slice_str(masa_b64), &der) != BRSKI_OK ||
        brski_anchor_store_add(&store, BRSKI_PURPOSE_MASA, "masa", brski_buf_slice(&der), &pol) !=
            BRSKI_OK) {
        abort();
    }
    brski_buf_clear(&der);
    store_ready = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    brski_cms_signed sd;
    brski_voucher v;
    brski_log_set_sink(NULL, NULL, BRSKI_LOG_NONE);
    if (!store_ready) {
        setup();
    }
    if (brski_cms_verify(brski_slice_make(data, size), &sd) == BRSKI_OK) {
        if (brski_cms_signer(&sd) == NULL || sd.content_len > BRSKI_MAX_BODY) {
            abort();
        }
        if (brski_voucher_json_parse(brski_slice_make(sd.content, sd.content_len),
                                     BRSKI_VJSON_ALLOW_UNKNOWN, &v) == BRSKI_OK) {
            brski_voucher_clear(&v);
        }
        if (brski_cms_signer_check(&store, BRSKI_PURPOSE_MASA, &sd, false, 1619827200, NULL, 0) ==
                BRSKI_OK &&
            sd.cert_count == 0) {
            abort();
        }
        brski_cms_signed_clear(&sd);
    }
    brski_accept_opts o = {.serial = "00-D0-E5-F2-00-02", .nonce = "-_XE9zK9q8Ll1qylMtLKeg",
                           .ignore_time = true};
    if (brski_voucher_accept(brski_slice_make(data, size), &store, &o, &v) == BRSKI_OK) {
        if (v.pinned_domain_cert.len == 0) {
            abort();
        }
    }
    brski_voucher_clear(&v);
    return 0;
}
