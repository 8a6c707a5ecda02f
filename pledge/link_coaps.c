/*
 * link_coaps.c - the pledge's CoAPS link (cBRSKI over DTLS 1.2, EST-coaps
 * RFC 9148): COSE_Sign1 vouchers (836), CBOR status (60), DER EST payloads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brski/cbor_scan.h"
#include "brski/coap.h"
#include "brski/est.h"
#include "brski/voucher_cose.h"
#include "link.h"

static const char *coaps_path(pledge_res res)
{
    /* cBRSKI 6.5 and RFC 9148 4.1: the short resource names. */
    switch (res) {
    case PLEDGE_RES_VOUCHER:
        return "/.well-known/brski/rv";
    case PLEDGE_RES_VSTATUS:
        return "/.well-known/brski/vs";
    case PLEDGE_RES_ESTATUS:
        return "/.well-known/brski/es";
    case PLEDGE_RES_CACERTS:
        return "/.well-known/est/crts";
    case PLEDGE_RES_CSRATTRS:
        return "/.well-known/est/att";
    case PLEDGE_RES_ENROLL:
        return "/.well-known/est/sen";
    default:
        return "?";
    }
}

static void coaps_close(pledge_link *l)
{
    brski_coap_client_free(l->impl);
    l->impl = NULL;
}

static brski_err coaps_open(pledge_link *l, brski_tls_pin_fn pin, void *pin_ctx)
{
    brski_coap_client_config cfg;
    brski_coap_client *c = NULL;

    coaps_close(l);
    memset(&cfg, 0, sizeof(cfg));
    cfg.host = l->host;
    cfg.port = l->port;
    cfg.cert_file = l->cert_file;
    cfg.key_file = l->key_file;
    cfg.verify = pin;
    cfg.verify_ctx = pin_ctx;
    cfg.timeout_ms = l->timeout_ms;
    brski_err rv = brski_coap_client_new(&cfg, &c);
    l->impl = c;
    return rv;
}

/* brski_coap_client never reconnects: after a session error requests fail. */
static void coaps_set_pin(pledge_link *l, brski_tls_pin_fn pin, void *pin_ctx)
{
    (void)l;
    (void)pin;
    (void)pin_ctx;
}

static brski_err coaps_peer(pledge_link *l, brski_http_peer *peer)
{
    brski_coap_client_peer(l->impl, peer);
    return BRSKI_OK;
}

/* "CoAP 4.03: diagnostic" (RFC 7252 5.5.2: the payload of an error is UTF-8 text). */
static void coaps_text(const brski_coap_response *r, char *out, size_t cap)
{
    size_t n = 0;
    bool diag = r->code >= 400;
    while (diag && n < r->body.len && n < 200 && r->body.p[n] >= 0x20 && r->body.p[n] < 0x7f) {
        n++;
    }
    (void)snprintf(out, cap, "CoAP %d.%02d%s%.*s", r->code / 100, r->code % 100,
                   n > 0 ? ": " : "", (int)n, n > 0 ? (const char *)r->body.p : "");
}

static brski_err coaps_request(pledge_link *l, pledge_res res, brski_slice body,
                               pledge_reply *out)
{
    brski_coap_response resp;
    brski_method m = BRSKI_METHOD_POST;
    int cf = BRSKI_CF_NONE, accept = BRSKI_CF_NONE;
    brski_err rv;

    pledge_reply_init(out); /* also on the early returns: the caller reads and clears it */
    switch (res) {
    case PLEDGE_RES_VOUCHER:
        /* cBRSKI 6.5: 836 both ways. */
        cf = BRSKI_CF_VOUCHER_COSE;
        accept = BRSKI_CF_VOUCHER_COSE;
        break;
    case PLEDGE_RES_VSTATUS:
    case PLEDGE_RES_ESTATUS:
        cf = BRSKI_CF_CBOR; /* cBRSKI 6.5.1: telemetry MUST be CBOR */
        break;
    case PLEDGE_RES_CACERTS:
        m = BRSKI_METHOD_GET;
        accept = BRSKI_CF_PKCS7_CERTS;
        break;
    case PLEDGE_RES_CSRATTRS:
        m = BRSKI_METHOD_GET;
        accept = BRSKI_CF_CSRATTRS;
        break;
    case PLEDGE_RES_ENROLL:
        cf = BRSKI_CF_PKCS10; /* RFC 9148 4.3: DER, not base64 */
        accept = BRSKI_CF_PKIX_CERT;
        break;
    default:
        return BRSKI_ERR_ARG;
    }
    rv = brski_coap_client_request(l->impl, m, coaps_path(res), cf, accept, body, &resp);
    if (rv != BRSKI_OK) {
        brski_coap_response_clear(&resp);
        return rv;
    }
    out->status = resp.code;
    coaps_text(&resp, out->text, sizeof(out->text));
    /* RFC 9148 4.5: GET success 2.05, POST success 2.04. */
    out->ok = m == BRSKI_METHOD_GET ? resp.code == 205 : resp.code / 100 == 2;
    if (res == PLEDGE_RES_VSTATUS || res == PLEDGE_RES_ESTATUS) {
        out->ok = out->ok || resp.code == 404; /* as RFC 8995 5.7 allows 404 */
    }
    out->none = res == PLEDGE_RES_CSRATTRS && resp.code == 404; /* /att is optional */
    /* RFC 9148 4.7: 5.03 with Max-Age, resend the identical request later. */
    out->retry = res == PLEDGE_RES_VOUCHER && resp.code == 503 && resp.has_max_age;
    out->retry_after = resp.max_age;
    /* A resource with a payload answers in the Content-Format asked for. */
    if (out->ok && accept != BRSKI_CF_NONE) {
        if (resp.cf != accept) {
            (void)snprintf(out->text, sizeof(out->text),
                           "response Content-Format %d, expected %d", resp.cf, accept);
            rv = BRSKI_ERR_MALFORMED;
        } else {
            rv = brski_buf_append(&out->body, resp.body.p, resp.body.len);
        }
    }
    brski_coap_response_clear(&resp);
    return rv;
}

static brski_err coaps_sign_pvr(const brski_voucher *v, brski_signer *key, const brski_cert *chain,
                                size_t n_chain, brski_buf *out)
{
    (void)chain;
    (void)n_chain;
    /*
     * cBRSKI 9.2.2: COSE_Sign1 with the IDevID key; x5bag/x5chain "SHOULD NOT"
     * be in a PVR (the registrar authenticates the DTLS client certificate).
     */
    return brski_voucher_cose_sign(v, key, NULL, 0, NULL, out);
}

/*
 * cBRSKI 6.5.1 with RFC 8995 5.7: {"version": 1, "status": bool, ? "reason":
 * text} as CBOR with text keys (SPEC-NOTES 2.7).
 */
static brski_err coaps_status_body(bool ok, const char *reason, brski_buf *out)
{
    bool with_reason = !ok && reason != NULL;
    brski_err rv = brski_cbor_put_head(out, 5, with_reason ? 3 : 2);
    if (rv == BRSKI_OK) {
        rv = brski_cbor_put_text(out, "version", 7);
    }
    if (rv == BRSKI_OK) {
        rv = brski_cbor_put_int(out, 1);
    }
    if (rv == BRSKI_OK) {
        rv = brski_cbor_put_text(out, "status", 6);
    }
    if (rv == BRSKI_OK) {
        rv = brski_cbor_put_bool(out, ok);
    }
    if (rv == BRSKI_OK && with_reason) {
        rv = brski_cbor_put_text(out, "reason", 6);
        if (rv == BRSKI_OK) {
            rv = brski_cbor_put_text(out, reason, strlen(reason));
        }
    }
    return rv;
}

const pledge_link_ops pledge_link_coaps = {
    .name = "CoAPS",
    .session = "dtls",
    .proto = "DTLS",
    .pvr_format = "COSE_Sign1",
    .voucher_file = "voucher.cose",
    .open = coaps_open,
    .peer = coaps_peer,
    .request = coaps_request,
    .close = coaps_close,
    .set_pin = coaps_set_pin,
    .sign_pvr = coaps_sign_pvr,
    .accept_voucher = brski_voucher_cose_accept,
    .status_body = coaps_status_body,
    .path = coaps_path,
};
