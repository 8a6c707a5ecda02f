/*
 * link_https.c - the pledge's HTTPS link (RFC 8995 5, EST RFC 7030): CMS
 * vouchers, JSON status, base64 EST bodies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brski/cms.h"
#include "brski/est.h"
#include "brski/server.h"
#include "brski/voucher_cose.h"
#include "link.h"

#define CT_VOUCHER "application/voucher-cms+json"

typedef struct https_state {
    brski_tls_ctx *tls;
    brski_http_client *http;
    brski_buf peer_buf;
} https_state;

void pledge_reply_init(pledge_reply *r)
{
    memset(r, 0, sizeof(*r));
    brski_buf_init(&r->body, BRSKI_MAX_BODY);
}

void pledge_reply_clear(pledge_reply *r)
{
    brski_buf_clear(&r->body);
}

static const char *https_path(pledge_res res)
{
    switch (res) {
    case PLEDGE_RES_VOUCHER:
        return "/.well-known/brski/requestvoucher";
    case PLEDGE_RES_VSTATUS:
        return "/.well-known/brski/voucher_status";
    case PLEDGE_RES_ESTATUS:
        return "/.well-known/brski/enrollstatus";
    case PLEDGE_RES_CACERTS:
        return "/.well-known/est/cacerts";
    case PLEDGE_RES_CSRATTRS:
        return "/.well-known/est/csrattrs";
    case PLEDGE_RES_ENROLL:
        return "/.well-known/est/simpleenroll";
    default:
        return "?";
    }
}

static void https_close(pledge_link *l)
{
    https_state *s = l->impl;
    if (s == NULL) {
        return;
    }
    brski_http_client_free(s->http);
    brski_tls_ctx_free(s->tls);
    brski_buf_clear(&s->peer_buf);
    free(s);
    l->impl = NULL;
}

static brski_err https_open(pledge_link *l, brski_tls_pin_fn pin, void *pin_ctx)
{
    https_close(l);
    https_state *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return BRSKI_ERR_NOMEM;
    }
    brski_buf_init(&s->peer_buf, BRSKI_HTTP_MAX_CHAIN_CERTS * BRSKI_MAX_CERT);
    l->impl = s;
    /* The key the run already loaded and checked: no second read of the key file. */
    brski_err rv =
        brski_tls_client_new_signer(l->chain, l->n_chain, l->key, pin, pin_ctx, &s->tls);
    if (rv == BRSKI_OK) {
        rv = brski_http_client_new(s->tls, l->host, l->port, l->timeout_ms, &s->http);
    }
    if (rv == BRSKI_OK) {
        rv = brski_http_client_connect(s->http);
    }
    return rv;
}

static void https_set_pin(pledge_link *l, brski_tls_pin_fn pin, void *pin_ctx)
{
    https_state *s = l->impl;
    if (s != NULL) {
        brski_tls_ctx_set_pin(s->tls, pin, pin_ctx);
    }
}

static brski_err https_peer(pledge_link *l, brski_http_peer *peer)
{
    https_state *s = l->impl;
    brski_buf_reset(&s->peer_buf);
    return brski_http_client_peer(s->http, peer, &s->peer_buf);
}

/* Server error line: status plus the first line of a text/plain reason. */
static void resp_reason(const brski_http_msg *resp, char *out, size_t cap)
{
    size_t n = 0;
    if (brski_http_ctype_is(resp->ctype, "text/plain")) {
        while (n < resp->body.len && n < 200 && resp->body.p[n] != '\n' &&
               resp->body.p[n] >= 0x20 && resp->body.p[n] < 0x7f) {
            n++;
        }
    }
    (void)snprintf(out, cap, "HTTP %d %s%s%.*s", resp->status,
                   brski_http_status_text(resp->status), n > 0 ? ": " : "", (int)n,
                   n > 0 ? (const char *)resp->body.p : "");
}

/* The response body of a successful request, EST base64 undone (RFC 8951). */
static brski_err https_body(pledge_res res, const brski_http_msg *resp, brski_buf *out)
{
    brski_slice got[4];
    size_t n_got = 0;
    brski_err rv;

    switch (res) {
    case PLEDGE_RES_VOUCHER:
        if (!brski_http_ctype_is(resp->ctype, CT_VOUCHER)) {
            return BRSKI_ERR_MALFORMED;
        }
        return brski_buf_append(out, resp->body.p, resp->body.len);
    case PLEDGE_RES_CACERTS:
    case PLEDGE_RES_CSRATTRS:
        return brski_est_body_decode(brski_buf_slice(&resp->body), BRSKI_MAX_BODY, false, out);
    case PLEDGE_RES_ENROLL: {
        /* RFC 7030 4.2.3: certs-only whose first certificate is the LDevID. */
        brski_buf der;
        brski_buf_init(&der, BRSKI_MAX_BODY);
        rv = brski_est_body_decode(brski_buf_slice(&resp->body), BRSKI_MAX_BODY, false, &der);
        if (rv == BRSKI_OK) {
            rv = brski_est_certs_only_parse(brski_buf_slice(&der), got, 4, &n_got);
        }
        if (rv == BRSKI_OK) {
            rv = brski_buf_append(out, got[0].p, got[0].len);
        }
        brski_buf_clear(&der);
        return rv;
    }
    default:
        return BRSKI_OK; /* status: the client ignores the body (RFC 8995 5.7) */
    }
}

static brski_err https_request(pledge_link *l, pledge_res res, brski_slice body,
                               pledge_reply *out)
{
    https_state *s = l->impl;
    brski_http_msg req, resp;
    brski_err rv;
    const char *ctype = NULL, *accept = NULL;
    bool get = res == PLEDGE_RES_CACERTS || res == PLEDGE_RES_CSRATTRS;

    pledge_reply_init(out); /* also on the early returns: the caller reads and clears it */
    switch (res) {
    case PLEDGE_RES_VOUCHER:
        ctype = CT_VOUCHER;
        accept = CT_VOUCHER;
        break;
    case PLEDGE_RES_VSTATUS:
    case PLEDGE_RES_ESTATUS:
        ctype = "application/json";
        break;
    case PLEDGE_RES_CACERTS:
        accept = "application/pkcs7-mime";
        break;
    case PLEDGE_RES_CSRATTRS:
        accept = "application/csrattrs";
        break;
    case PLEDGE_RES_ENROLL:
        ctype = "application/pkcs10";
        accept = "application/pkcs7-mime";
        break;
    default:
        return BRSKI_ERR_ARG;
    }
    memset(&resp, 0, sizeof(resp));
    brski_http_msg_init(&req, 2 * BRSKI_MAX_BODY);
    req.method = get ? BRSKI_METHOD_GET : BRSKI_METHOD_POST;
    (void)snprintf(req.path, sizeof(req.path), "%s", https_path(res));
    if (ctype != NULL) {
        (void)snprintf(req.ctype, sizeof(req.ctype), "%s", ctype);
    }
    if (accept != NULL) {
        (void)snprintf(req.accept, sizeof(req.accept), "%s", accept);
    }
    /* RFC 7030 4.2.1: the PKCS#10 request is base64. */
    rv = res == PLEDGE_RES_ENROLL ? brski_est_body_encode(body, &req.body)
         : body.len > 0           ? brski_buf_append(&req.body, body.p, body.len)
                                  : BRSKI_OK;
    if (rv == BRSKI_OK) {
        rv = brski_http_client_request(s->http, &req, BRSKI_MAX_BODY, &resp);
    }
    brski_http_msg_clear(&req);
    if (rv != BRSKI_OK) {
        brski_http_msg_clear(&resp);
        return rv;
    }
    out->status = resp.status;
    resp_reason(&resp, out->text, sizeof(out->text));
    if (res == PLEDGE_RES_VSTATUS || res == PLEDGE_RES_ESTATUS) {
        out->ok = resp.status / 100 == 2 || resp.status == 404; /* RFC 8995 5.7: 404 allowed */
    } else {
        out->ok = resp.status == 200;
    }
    /* RFC 7030 4.5.2: 204 or 404 mean no attributes. */
    out->none = res == PLEDGE_RES_CSRATTRS && (resp.status == 204 || resp.status == 404);
    out->retry = res == PLEDGE_RES_VOUCHER && resp.status == 202;
    out->retry_after = resp.retry_after;
    if (out->ok) {
        rv = https_body(res, &resp, &out->body);
        if (rv == BRSKI_ERR_MALFORMED && res == PLEDGE_RES_VOUCHER) {
            (void)snprintf(out->text, sizeof(out->text), "response Content-Type '%.80s', expected %s",
                           resp.ctype, CT_VOUCHER);
        }
    }
    brski_http_msg_clear(&resp);
    return rv;
}

static brski_err https_sign_pvr(const brski_voucher *v, brski_signer *key, const brski_cert *chain,
                                size_t n_chain, brski_buf *out)
{
    /* RFC 8995 5.2: CMS-signed JSON; the IDevID chain goes into the CMS certificates. */
    brski_slice extra[BRSKI_CMS_MAX_CERTS];
    size_t n_extra = 0;
    for (size_t i = 1; i < n_chain && n_extra < BRSKI_CMS_MAX_CERTS; i++) {
        extra[n_extra++] = brski_slice_make(chain[i].der, chain[i].der_len);
    }
    return brski_voucher_sign(v, false, key, brski_slice_make(chain[0].der, chain[0].der_len),
                              extra, n_extra, NULL, out);
}

static brski_err https_status_body(bool ok, const char *reason, brski_buf *out)
{
    if (ok) {
        return brski_buf_append_str(out, "{\"version\":1,\"status\":true}");
    }
    /* The reason is our own text: no quotes or backslashes in it. */
    return brski_buf_printf(out, "{\"version\":1,\"status\":false,\"reason\":\"%s\"}", reason);
}

const pledge_link_ops pledge_link_https = {
    .name = "HTTPS",
    .session = "tls",
    .proto = "TLS",
    .pvr_format = "CMS",
    .voucher_file = "voucher.p7",
    .open = https_open,
    .peer = https_peer,
    .request = https_request,
    .close = https_close,
    .set_pin = https_set_pin,
    .sign_pvr = https_sign_pvr,
    .accept_voucher = brski_voucher_accept,
    .status_body = https_status_body,
    .path = https_path,
};
