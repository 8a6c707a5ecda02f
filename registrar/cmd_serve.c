/*
 * brski-registrar serve: the registrar HTTPS server (RFC 8995 5.3-5.9,
 * RFC 7030 EST endpoints).
 *
 * POST /.well-known/brski/requestvoucher  pledge voucher-request -> voucher from the MASA
 * POST /.well-known/brski/voucher_status  telemetry (RFC 8995 5.7)
 * POST /.well-known/brski/enrollstatus    telemetry (RFC 8995 5.9.4)
 * GET  /.well-known/est/cacerts           domain CA, certs-only (RFC 7030 4.1)
 * GET  /.well-known/est/csrattrs          CSR attributes (RFC 7030 4.5)
 * POST /.well-known/est/simpleenroll      LDevID for a pledge with a voucher (RFC 8995 5.9.2)
 * POST /.well-known/est/simplereenroll    renewal for a holder of an LDevID (RFC 7030 4.2.2)
 *
 * With listen_coaps set, also a CoAPS server (cBRSKI 6.5, RFC 9148) on one
 * UDP port; Content-Formats in -> out:
 * POST /.well-known/brski/rv   836 -> 836   COSE PVR -> COSE voucher (x5bag stripped)
 * POST /.well-known/brski/vs   60 -> none   voucher status, CBOR (cBRSKI 6.5.1)
 * POST /.well-known/brski/es   60 -> none   enroll status, CBOR
 * GET  /.well-known/est/crts   -> 281 (default), 287 (the domain CA), 62 ([287, cert])
 * POST /.well-known/est/sen    286 -> 287 (default) or 281
 * POST /.well-known/est/sren   286 -> 287 (default) or 281
 * GET  /.well-known/est/att    -> 285
 * GET  /.well-known/core       resource discovery (RFC 6690)
 * The handlers are those of HTTPS with the format as a parameter.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brski/app.h"
#include "brski/cbor_scan.h"
#include "brski/cms.h"
#include "brski/coap.h"
#include "brski/codec.h"
#include "brski/config.h"
#include "brski/cose.h"
#include "brski/env.h"
#include "brski/est.h"
#include "brski/log.h"
#include "brski/opcount.h"
#include "brski/policy.h"
#include "brski/server.h"
#include "brski/signer.h"
#include "brski/store.h"
#include "brski/telemetry.h"
#include "brski/tls.h"
#include "brski/voucher.h"
#include "brski/voucher_accept.h"
#include "brski/voucher_cbor.h"
#include "brski/voucher_cli.h"
#include "brski/voucher_cose.h"
#include "brski/voucher_json.h"
#include "brski/x509.h"
#include "cmds.h"

#define REG_CT_VOUCHER "application/voucher-cms+json"
#define REG_CT_COSE "application/voucher+cose"
#define REG_CT_CERTS "application/pkcs7-mime; smime-type=certs-only"
#define REG_MAX_ALLOW 1024u
#define REG_MASA_TIMEOUT_MS 10000u
#define REG_MASA_POOL_IDLE 16u       /* idle keep-alive connections kept to MASAs */
#define REG_MASA_POOL_IDLE_MS 5000u  /* below the MASA server's idle timeout */

typedef struct reg_ctx {
    brski_store *store;
    brski_anchor_store anchors;
    brski_signer *key;        /* registrar key: signs RVRs */
    pthread_mutex_t sign_mu;  /* one signing operation per key at a time */
    brski_cert *tls_certs;    /* registrar certificate first */
    size_t tls_count;
    brski_signer *ca_key;
    brski_cert ca;
    brski_est_ca est;
    brski_buf csrattrs;       /* DER served at /csrattrs */
    brski_tls_ctx *masa_tls;  /* client context towards the MASA */
    brski_http_pool *masa_pool; /* keep-alive connections to MASAs, over masa_tls */
    char masa_url[256];       /* override; "" uses the IDevID extension */
    bool allow_list;
    char (*allowed)[BRSKI_VOUCHER_MAX_SERIAL + 1];
    size_t allowed_count;
} reg_ctx;

static const char *const voucher_types[] = {REG_CT_VOUCHER, NULL};
static const char *const json_types[] = {"application/json", NULL};
static const char *const pkcs10_types[] = {"application/pkcs10", NULL};

static void refuse(reg_ctx *r, brski_http_msg *resp, const char *actor, const char *action,
                   int status, const char *why)
{
    brski_app_audit(r->store, actor, action, false, why);
    brski_http_msg_set_error(resp, status, "%s", why);
}

/* Parses the TLS client chain into |certs| (cap BRSKI_HTTP_MAX_CHAIN_CERTS). */
static brski_err peer_certs(const brski_http_peer *peer, brski_cert *certs, size_t *n)
{
    *n = 0;
    for (size_t i = 0; i < peer->n_certs && i < BRSKI_HTTP_MAX_CHAIN_CERTS; i++) {
        brski_err rv = brski_cert_parse(peer->certs[i], &certs[i]);
        if (rv != BRSKI_OK) {
            return rv;
        }
        *n = i + 1;
    }
    return *n > 0 ? BRSKI_OK : BRSKI_ERR_AUTH;
}

static void certs_clear(brski_cert *certs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        brski_cert_clear(&certs[i]);
    }
}

/* RFC 8995 5.3: the client chain must validate to a manufacturer (idevid) anchor. */
static brski_err check_idevid(const reg_ctx *r, const brski_cert *certs, size_t n, char *why,
                              size_t cap)
{
    brski_policy_input in;
    brski_policy_decision d;
    memset(&in, 0, sizeof(in));
    in.purpose = BRSKI_PURPOSE_IDEVID;
    in.chain = certs;
    in.chain_count = n;
    in.now = brski_env_now(NULL);
    brski_err rv = brski_policy_validate(&r->anchors, &in, &d);
    if (rv != BRSKI_OK) {
        snprintf(why, cap, "RFC 8995 5.3: client certificate is not an accepted IDevID: %s",
                 d.detail);
    }
    return rv;
}

/* An LDevID this registrar's CA issued, currently valid. */
static bool is_ldevid(const reg_ctx *r, const brski_cert *c)
{
    int64_t now = brski_env_now(NULL);
    return !c->is_ca && brski_slice_eq(c->issuer, r->ca.subject) &&
           brski_cert_verify_signed_by(c, &r->ca) == BRSKI_OK && now >= c->not_before &&
           now <= c->not_after;
}

static bool get_serial(const brski_cert *c, char *out, size_t cap)
{
    return brski_name_get(c->subject, BRSKI_OID_AT_SERIAL_NUMBER, out, cap, NULL) == BRSKI_OK &&
           out[0] != '\0';
}

static brski_err count_voucher(void *ctx, const brski_store_voucher *v)
{
    (void)v;
    (*(size_t *)ctx)++;
    return BRSKI_OK;
}

/* Pin check of the MASA's TLS chain (RFC 8995 5.4): purpose tls anchors. */
static brski_err masa_pin(void *ctx, const brski_http_peer *chain)
{
    const reg_ctx *r = ctx;
    brski_cert certs[BRSKI_HTTP_MAX_CHAIN_CERTS];
    size_t n = 0;
    memset(certs, 0, sizeof(certs));
    brski_err rv = peer_certs(chain, certs, &n);
    if (rv == BRSKI_OK) {
        brski_policy_input in;
        brski_policy_decision d;
        memset(&in, 0, sizeof(in));
        in.purpose = BRSKI_PURPOSE_TLS;
        in.chain = certs;
        in.chain_count = n;
        in.now = brski_env_now(NULL);
        rv = brski_policy_validate(&r->anchors, &in, &d);
        if (rv != BRSKI_OK) {
            brski_log(BRSKI_LOG_WARN, "MASA TLS certificate refused: %s", d.detail);
            rv = BRSKI_ERR_AUTH;
        }
    }
    certs_clear(certs, n);
    return rv;
}

/* idevid-issuer (rfc8366bis): the IDevID's AKI extnValue, else its issuer Name (if short). */
static brski_err set_idevid_issuer(brski_voucher *v, const brski_cert *idevid)
{
    uint8_t iss[BRSKI_VOUCHER_MAX_ISSUER];
    size_t len = 0;
    if (brski_app_idevid_issuer(idevid, iss, sizeof(iss), &len) != BRSKI_OK) {
        return BRSKI_OK; /* optional leaf; omitted when it does not fit */
    }
    return brski_voucher_set_bytes(v, BRSKI_LEAF_IDEVID_ISSUER, brski_slice_make(iss, len));
}

/*
 * The registrar voucher-request for |pvr| (RFC 8995 5.5) with its |nonce|
 * text (NULL: none), appended to |out|:
 * CMS-signed JSON carrying the domain CA, or with |cose| (cBRSKI 7.1: "the
 * same format as the PVR") a COSE_Sign1 whose unprotected x5bag holds the
 * registrar certificate, the domain CA and the pledge's DTLS client chain
 * |peer| (cBRSKI 9.2.1). |prior| is the PVR exactly as received.
 */
static brski_err build_rvr(reg_ctx *r, const brski_voucher *pvr, const char *nonce,
                           const brski_cert *peer, size_t n_peer, brski_slice prior, bool cose,
                           brski_buf *out)
{
    brski_voucher v;
    brski_slice x5[BRSKI_COSE_MAX_CERTS];
    size_t nx5 = 0;
    brski_voucher_init(&v, BRSKI_KIND_VOUCHER_REQUEST);
    v.assertion = BRSKI_ASSERTION_PROXIMITY;
    brski_voucher_mark(&v, BRSKI_LEAF_ASSERTION);
    brski_err rv = brski_voucher_set_time(&v, BRSKI_LEAF_CREATED_ON, brski_env_now(NULL));
    if (rv == BRSKI_OK) {
        rv = brski_voucher_set_str(&v, BRSKI_LEAF_SERIAL_NUMBER, pvr->serial_number);
    }
    if (rv == BRSKI_OK && nonce != NULL) {
        rv = brski_voucher_set_str(&v, BRSKI_LEAF_NONCE, nonce);
    }
    if (rv == BRSKI_OK) {
        rv = set_idevid_issuer(&v, &peer[0]);
    }
    if (rv == BRSKI_OK) {
        rv = brski_voucher_set_bytes(&v, BRSKI_LEAF_PRIOR_SIGNED_VOUCHER_REQUEST, prior);
    }
    /* COSE: the x5bag holds the signer and the pledge chain too (cBRSKI 9.2.1). */
    if (cose) {
        x5[nx5++] = brski_cert_der(&r->tls_certs[0]);
    }
    x5[nx5++] = brski_cert_der(&r->ca);
    for (size_t i = 0; cose && i < n_peer && nx5 < BRSKI_COSE_MAX_CERTS; i++) {
        x5[nx5++] = brski_cert_der(&peer[i]);
    }
    if (rv == BRSKI_OK) {
        rv = brski_voucher_sign(&v, cose, r->key, brski_cert_der(&r->tls_certs[0]), x5, nx5,
                                NULL, out);
    }
    brski_voucher_clear(&v);
    return rv;
}

/*
 * Sends the RVR to the MASA as |ctype| (Accept the same, cBRSKI 7.1);
 * |mresp| gets the MASA's answer. Returns 0 or an HTTP status.
 */
static int ask_masa(reg_ctx *r, const brski_cert *idevid, brski_slice rvr, const char *ctype,
                    brski_http_msg *mresp, char *why, size_t cap)
{
    brski_opcount_msg(BRSKI_MSG_RVR, rvr.len);
    char host[256];
    uint16_t port = 0;
    const char *url = r->masa_url[0] != '\0' ? r->masa_url
                                              : (idevid->has_masa_url ? idevid->masa_url : NULL);
    if (url == NULL || brski_app_parse_url(url, host, sizeof(host), &port) != BRSKI_OK) {
        snprintf(why, cap, "RFC 8995 2.3.2: no usable MASA URL for this IDevID");
        return 403;
    }
    brski_http_msg req;
    brski_http_msg_init(&req, BRSKI_MAX_BODY);
    brski_http_msg_init(mresp, BRSKI_MAX_BODY);
    req.method = BRSKI_METHOD_POST;
    snprintf(req.path, sizeof(req.path), "/.well-known/brski/requestvoucher");
    snprintf(req.ctype, sizeof(req.ctype), "%s", ctype);
    snprintf(req.accept, sizeof(req.accept), "%s", ctype);
    brski_err rv = brski_buf_append(&req.body, rvr.p, rvr.len);
    if (rv == BRSKI_OK) {
        rv = brski_http_pool_request(r->masa_pool, host, port, &req, BRSKI_MAX_BODY, mresp);
    }
    brski_http_msg_clear(&req);
    if (rv != BRSKI_OK) {
        snprintf(why, cap, "MASA %s:%u unreachable or not trusted: %s", host, (unsigned)port,
                 brski_err_str(rv));
        return rv == BRSKI_ERR_TIMEOUT ? 504 : 502;
    }
    return 0;
}

/*
 * RFC 8995 5.5.1: the registrar checks the voucher before passing it on:
 * signed by a MASA anchor (CMS signer chain, or for COSE an anchor key or
 * the x5bag chain, cBRSKI 9.2.4), a voucher for |serial|.
 */
static brski_err check_voucher(const reg_ctx *r, brski_slice body, bool cose, const char *serial,
                               char *why, size_t cap)
{
    brski_cms_signed sd;
    brski_cose_sign1 m;
    brski_voucher v;
    char cwhy[300];
    memset(&sd, 0, sizeof(sd));
    memset(&m, 0, sizeof(m));
    brski_voucher_init(&v, BRSKI_KIND_VOUCHER);
    brski_err rv = cose ? brski_cose_sign1_parse(body, &m) : brski_cms_verify(body, &sd);
    if (rv != BRSKI_OK) {
        snprintf(why, cap, "MASA voucher %s not valid: %s", cose ? "COSE" : "CMS",
                 brski_err_str(rv));
    } else if (cose) {
        rv = brski_cose_signer_check(&r->anchors, BRSKI_PURPOSE_MASA, &m, true,
                                     brski_env_now(NULL));
        if (rv != BRSKI_OK) {
            snprintf(why, cap, "voucher signer not a trusted MASA: %s", brski_err_str(rv));
        }
    } else {
        rv = brski_cms_signer_check(&r->anchors, BRSKI_PURPOSE_MASA, &sd, true,
                                    brski_env_now(NULL), cwhy, sizeof(cwhy));
        if (rv != BRSKI_OK) {
            snprintf(why, cap, "voucher signer not a trusted MASA: %s", cwhy);
        }
    }
    if (rv == BRSKI_OK) {
        rv = cose ? brski_voucher_cbor_parse(m.payload, 0, &v)
                  : brski_voucher_json_parse(brski_slice_make(sd.content, sd.content_len),
                                             BRSKI_VJSON_ALLOW_UNKNOWN, &v);
        if (rv != BRSKI_OK || v.kind != BRSKI_KIND_VOUCHER || v.serial_number == NULL ||
            strcmp(v.serial_number, serial) != 0) {
            snprintf(why, cap, "MASA voucher not valid for serial %s", serial);
            rv = BRSKI_ERR_POLICY;
        }
    }
    brski_cms_signed_clear(&sd);
    brski_voucher_clear(&v);
    return rv;
}

/*
 * Opens the pledge voucher-request |body|, which must be signed by the
 * client certificate |idevid|: CMS whose signer is that certificate (RFC
 * 8995 5.2), or with |cose| a COSE_Sign1 verified with its key, any x5bag /
 * x5chain in it ignored (cBRSKI 9.2.2). Returns 0 or an HTTP status.
 */
static int open_pvr(brski_slice body, bool cose, const brski_cert *idevid, brski_voucher *pvr,
                    char *why, size_t cap)
{
    brski_err rv;
    if (cose) {
        brski_cose_sign1 m;
        rv = brski_cose_sign1_parse(body, &m);
        if (rv != BRSKI_OK) {
            snprintf(why, cap, "cBRSKI 9.2.2: voucher-request is not a COSE_Sign1: %s",
                     brski_err_str(rv));
            /* The body is within the route cap already: _TOOBIG here is a CBOR
             * nesting or item limit, a malformed request rather than a large one. */
            return 400;
        }
        if (brski_cose_sign1_verify(&m, idevid->spki) != BRSKI_OK) {
            snprintf(why, cap, "cBRSKI 9.2.2: voucher-request not signed by the DTLS client "
                               "certificate");
            return 403;
        }
        rv = brski_voucher_cbor_parse(m.payload, 0, pvr);
        if (rv == BRSKI_OK) {
            rv = brski_voucher_validate(pvr);
        }
        if (rv != BRSKI_OK || pvr->kind != BRSKI_KIND_VOUCHER_REQUEST) {
            snprintf(why, cap, "rfc8366bis 9.3: not a valid CBOR ietf-voucher-request:voucher");
            return 400;
        }
        return 0;
    }
    brski_cms_signed sd;
    int st = 0;
    memset(&sd, 0, sizeof(sd));
    rv = brski_cms_verify(body, &sd);
    if (rv != BRSKI_OK) {
        snprintf(why, cap, "RFC 8995 5.2: voucher-request CMS not valid: %s", brski_err_str(rv));
        st = rv == BRSKI_ERR_TOOBIG ? 413 : 400;
    } else if (!brski_slice_eq(brski_cert_der(brski_cms_signer(&sd)), brski_cert_der(idevid))) {
        snprintf(why, cap, "RFC 8995 5.2: voucher-request not signed by the TLS client "
                           "certificate");
        st = 403;
    } else {
        rv = brski_voucher_json_parse(brski_slice_make(sd.content, sd.content_len), 0, pvr);
        if (rv != BRSKI_OK || pvr->kind != BRSKI_KIND_VOUCHER_REQUEST) {
            snprintf(why, cap, "RFC 8995 5.2: not a valid ietf-voucher-request:voucher");
            st = 400;
        }
    }
    brski_cms_signed_clear(&sd);
    return st;
}

/*
 * The registrar's checks of a pledge voucher-request (RFC 8995 5.3, 5.5),
 * the same for both formats. Returns 0 or an HTTP status with |why|.
 */
static int check_pvr(const reg_ctx *r, const brski_voucher *pvr, const char *serial, char *why,
                     size_t cap)
{
    if (pvr->serial_number == NULL || strcmp(pvr->serial_number, serial) != 0) {
        snprintf(why, cap, "RFC 8995 5.5: serial-number differs from the IDevID serialNumber");
        return 403;
    }
    if (!brski_voucher_has(pvr, BRSKI_LEAF_ASSERTION) ||
        pvr->assertion != BRSKI_ASSERTION_PROXIMITY) {
        snprintf(why, cap, "RFC 8995 5.2: assertion is not proximity");
        return 403;
    }
    if (!brski_voucher_has(pvr, BRSKI_LEAF_PROXIMITY_REGISTRAR_CERT) ||
        !brski_slice_eq(brski_slice_make(pvr->proximity_registrar_cert.p,
                                         pvr->proximity_registrar_cert.len),
                        brski_cert_der(&r->tls_certs[0]))) {
        snprintf(why, cap,
                 "RFC 8995 5.3: proximity-registrar-cert is not this registrar's certificate");
        return 403;
    }
    bool found = !r->allow_list;
    for (size_t i = 0; i < r->allowed_count && !found; i++) {
        found = strcmp(r->allowed[i], serial) == 0;
    }
    if (!found) {
        snprintf(why, cap, "RFC 8995 5.3: pledge not admitted by policy");
        return 403;
    }
    return 0;
}

/* The first line of a MASA error body, printable ASCII only, into |out|. */
static void masa_reason(const brski_http_msg *mresp, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < mresp->body.len && k + 1 < cap; i++) {
        uint8_t c = mresp->body.p[i];
        if (c == '\n' || c == '\r') {
            break;
        }
        out[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    out[k] = '\0';
    if (k == 0) {
        snprintf(out, cap, "%s", mresp->reason);
    }
}

/*
 * The voucher exchange for both transports (RFC 8995 5.2-5.6 over HTTPS,
 * cBRSKI 6.5 over CoAPS): authenticate the pledge, check its request,
 * relay it to the MASA in the same format, check the voucher, strip the
 * COSE x5bag (cBRSKI 6.8), record and answer.
 */
static void voucher_exchange(reg_ctx *r, const brski_http_peer *peer, brski_slice body,
                             bool cose, brski_http_msg *resp)
{
    const char *action = "voucher.request";
    const char *ctype = cose ? REG_CT_COSE : REG_CT_VOUCHER;
    brski_cert certs[BRSKI_HTTP_MAX_CHAIN_CERTS];
    size_t n = 0;
    brski_voucher pvr;
    brski_buf rvr, fwd, nonce;
    brski_http_msg mresp;
    char actor[256], why[512], serial[BRSKI_VOUCHER_MAX_SERIAL + 1];
    memset(certs, 0, sizeof(certs));
    memset(&mresp, 0, sizeof(mresp));
    brski_voucher_init(&pvr, BRSKI_KIND_VOUCHER_REQUEST);
    brski_buf_init(&rvr, BRSKI_MAX_BODY);
    brski_buf_init(&fwd, BRSKI_MAX_BODY);
    brski_buf_init(&nonce, 128);
    snprintf(actor, sizeof(actor), "peer:%s", peer->addr);

    if (peer_certs(peer, certs, &n) != BRSKI_OK) {
        refuse(r, resp, actor, action, 401, "client certificate does not parse");
        goto done;
    }
    brski_app_actor(&certs[0], actor, sizeof(actor));
    if (check_idevid(r, certs, n, why, sizeof(why)) != BRSKI_OK) {
        refuse(r, resp, actor, action, 403, why);
        goto done;
    }
    if (!get_serial(&certs[0], serial, sizeof(serial))) {
        refuse(r, resp, actor, action, 403, "RFC 8995 2.3.1: IDevID has no serialNumber");
        goto done;
    }
    int st = open_pvr(body, cose, &certs[0], &pvr, why, sizeof(why));
    if (st == 0) {
        st = check_pvr(r, &pvr, serial, why, sizeof(why));
    }
    if (st != 0) {
        refuse(r, resp, actor, action, st, why);
        goto done;
    }
    brski_err rv = brski_voucher_has(&pvr, BRSKI_LEAF_NONCE)
                       ? brski_voucher_nonce_str(&pvr, &nonce)
                       : BRSKI_OK;
    const char *nonce_text = nonce.len > 0 ? (const char *)nonce.p : NULL;
    if (rv == BRSKI_OK) {
        pthread_mutex_lock(&r->sign_mu);
        rv = build_rvr(r, &pvr, nonce_text, certs, n, body, cose, &rvr);
        pthread_mutex_unlock(&r->sign_mu);
    }
    if (rv != BRSKI_OK) {
        brski_app_audit(r->store, actor, action, false, "internal: RVR signing failed");
        brski_http_msg_set_error(resp, 500, "cannot sign the registrar voucher-request");
        goto done;
    }
    st = ask_masa(r, &certs[0], brski_buf_slice(&rvr), ctype, &mresp, why, sizeof(why));
    if (st != 0) {
        refuse(r, resp, actor, action, st, why);
        goto done;
    }
    if (mresp.status != 200) {
        char mwhy[256];
        masa_reason(&mresp, mwhy, sizeof(mwhy));
        snprintf(why, sizeof(why), "MASA refused (%d): %s", mresp.status, mwhy);
        refuse(r, resp, actor, action,
               mresp.status >= 400 && mresp.status < 500 ? mresp.status : 502, why);
        goto done;
    }
    if (check_voucher(r, brski_buf_slice(&mresp.body), cose, serial, why, sizeof(why)) !=
        BRSKI_OK) {
        refuse(r, resp, actor, action, 502, why);
        goto done;
    }
    /*
     * cBRSKI 6.8: the registrar "MUST" remove the unprotected x5bag and
     * x5chain of the MASA voucher before sending it to the pledge.
     */
    rv = cose ? brski_cose_sign1_strip_x5(brski_buf_slice(&mresp.body), &fwd)
              : brski_buf_append(&fwd, mresp.body.p, mresp.body.len);
    if (rv != BRSKI_OK) {
        refuse(r, resp, actor, action, 502, "cannot re-encode the MASA voucher");
        goto done;
    }
    brski_store_voucher sv = {serial,
                              brski_env_now(NULL),
                              "",
                              nonce_text,
                              "proximity",
                              brski_buf_slice(&fwd)};
    snprintf(why, sizeof(why), "voucher obtained for %s (%s)", serial, cose ? "cose" : "cms");
    brski_err wrv = brski_store_begin(r->store);
    if (wrv == BRSKI_OK) {
        brski_err a = brski_store_voucher_add(r->store, &sv);
        brski_err b = brski_store_audit_append(r->store, brski_env_now(NULL), actor,
                                               "voucher.issue", "ok", why, NULL);
        wrv = brski_store_end(r->store, a == BRSKI_OK && b == BRSKI_OK);
    }
    if (wrv != BRSKI_OK) {
        brski_http_msg_set_error(resp, 500, "cannot record the voucher");
        goto done;
    }
    if (brski_http_msg_set_body(resp, 200, ctype, brski_buf_slice(&fwd)) != BRSKI_OK) {
        brski_http_msg_set_error(resp, 500, "response too large");
    }
done:
    certs_clear(certs, n);
    brski_voucher_clear(&pvr);
    brski_buf_clear(&rvr);
    brski_buf_clear(&fwd);
    brski_buf_clear(&nonce);
    brski_http_msg_clear(&mresp);
}

static brski_err h_requestvoucher(void *ctx, const brski_http_peer *peer,
                                  const brski_http_msg *req, brski_http_msg *resp)
{
    voucher_exchange(ctx, peer, brski_buf_slice(&req->body), false, resp);
    return BRSKI_OK;
}

/*
 * RFC 8995 5.7 / 5.9.4 telemetry, JSON over HTTPS or with |cbor| the CBOR
 * map of cBRSKI 6.5.1: {"version":uint,"status":bool,?"reason":text,
 * ?"reason-context":{}}.
 */
static brski_err status_common(reg_ctx *r, const brski_http_peer *peer, const brski_http_msg *req,
                               brski_http_msg *resp, const char *kind, bool allow_ldevid,
                               bool cbor)
{
    char action[32], actor[256], why[1200], serial[BRSKI_VOUCHER_MAX_SERIAL + 1];
    brski_cert certs[BRSKI_HTTP_MAX_CHAIN_CERTS];
    size_t n = 0;
    brski_telemetry t;
    memset(certs, 0, sizeof(certs));
    snprintf(action, sizeof(action), "%s.status", kind);
    snprintf(actor, sizeof(actor), "peer:%s", peer->addr);
    if (peer_certs(peer, certs, &n) != BRSKI_OK) {
        refuse(r, resp, actor, action, 401, "client certificate does not parse");
        goto done;
    }
    brski_app_actor(&certs[0], actor, sizeof(actor));
    if (!(allow_ldevid && is_ldevid(r, &certs[0])) &&
        check_idevid(r, certs, n, why, sizeof(why)) != BRSKI_OK) {
        refuse(r, resp, actor, action, 403, why);
        goto done;
    }
    if (!get_serial(&certs[0], serial, sizeof(serial))) {
        refuse(r, resp, actor, action, 403, "client certificate has no serialNumber");
        goto done;
    }
    brski_slice body = brski_buf_slice(&req->body);
    brski_err rv = cbor ? brski_telemetry_parse_cbor(body, &t) : brski_telemetry_parse_json(body, &t);
    if (rv == BRSKI_ERR_TOOBIG) {
        /* The body is within the route cap already: a reason over
         * BRSKI_TELEMETRY_MAX_REASON or nesting over the CBOR limit. */
        refuse(r, resp, actor, action, 400,
               "status report over a limit (reason length or nesting depth)");
        goto done;
    }
    if (rv != BRSKI_OK) {
        refuse(r, resp, actor, action, 400,
               cbor ? "cBRSKI 6.5.1: need a CBOR map with text keys version (uint), status "
                      "(bool), optional reason (text) and reason-context (map)"
                    : "RFC 8995 5.7: need version (uint), status (bool), optional reason "
                      "(text) and reason-context (object)");
        goto done;
    }
    if (brski_store_status_set(r->store, serial, kind, t.status, t.reason, brski_env_now(NULL)) !=
        BRSKI_OK) {
        brski_http_msg_set_error(resp, 500, "cannot store the status");
        goto done;
    }
    snprintf(why, sizeof(why), "pledge %s reports %s: %s", serial,
             t.status ? "success" : "failure", t.reason);
    brski_app_audit(r->store, actor, action, true, why);
    resp->status = 200;
done:
    certs_clear(certs, n);
    return BRSKI_OK;
}

static brski_err h_voucher_status(void *ctx, const brski_http_peer *peer,
                                  const brski_http_msg *req, brski_http_msg *resp)
{
    return status_common(ctx, peer, req, resp, "voucher", false, false);
}

static brski_err h_enrollstatus(void *ctx, const brski_http_peer *peer, const brski_http_msg *req,
                                brski_http_msg *resp)
{
    return status_common(ctx, peer, req, resp, "enroll", true, false);
}

static brski_err h_cacerts(void *ctx, const brski_http_peer *peer, const brski_http_msg *req,
                           brski_http_msg *resp)
{
    (void)peer;
    (void)req;
    reg_ctx *r = ctx;
    brski_buf out;
    brski_slice ca = brski_cert_der(&r->ca);
    brski_buf_init(&out, BRSKI_MAX_BODY);
    brski_err rv = brski_est_certs_only_body(&ca, 1, &out);
    if (rv == BRSKI_OK) {
        rv = brski_http_msg_set_body(resp, 200, REG_CT_CERTS, brski_buf_slice(&out));
    }
    brski_buf_clear(&out);
    return rv == BRSKI_OK ? BRSKI_OK : BRSKI_ERR_INTERNAL;
}

static brski_err h_csrattrs(void *ctx, const brski_http_peer *peer, const brski_http_msg *req,
                            brski_http_msg *resp)
{
    (void)peer;
    (void)req;
    reg_ctx *r = ctx;
    brski_buf out;
    brski_buf_init(&out, BRSKI_MAX_BODY);
    brski_err rv = brski_est_body_encode(brski_buf_slice(&r->csrattrs), &out);
    if (rv == BRSKI_OK) {
        rv = brski_http_msg_set_body(resp, 200, "application/csrattrs", brski_buf_slice(&out));
    }
    brski_buf_clear(&out);
    return rv == BRSKI_OK ? BRSKI_OK : BRSKI_ERR_INTERNAL;
}

/*
 * EST simpleenroll / simplereenroll (RFC 7030 4.2, RFC 8995 5.9.2). Over
 * HTTPS the CSR and the certs-only answer are base64; with |coap| (RFC 9148
 * 4.3) the CSR is DER (286) and the answer the DER certificate (287), or
 * DER certs-only (281) when the client asked for it.
 */
static brski_err enroll_common(reg_ctx *r, const brski_http_peer *peer, const brski_http_msg *req,
                               brski_http_msg *resp, bool reenroll, bool coap)
{
    const char *action = reenroll ? "est.reenroll" : "est.enroll";
    char actor[256], why[512], serial[BRSKI_VOUCHER_MAX_SERIAL + 1];
    brski_cert certs[BRSKI_HTTP_MAX_CHAIN_CERTS];
    size_t n = 0;
    brski_csr csr;
    brski_cert issued;
    brski_buf der, body, hex;
    memset(certs, 0, sizeof(certs));
    memset(&csr, 0, sizeof(csr));
    memset(&issued, 0, sizeof(issued));
    brski_buf_init(&der, BRSKI_MAX_CERT);
    brski_buf_init(&body, BRSKI_MAX_BODY);
    brski_buf_init(&hex, 256);
    snprintf(actor, sizeof(actor), "peer:%s", peer->addr);
    if (peer_certs(peer, certs, &n) != BRSKI_OK) {
        refuse(r, resp, actor, action, 401, "client certificate does not parse");
        goto done;
    }
    brski_app_actor(&certs[0], actor, sizeof(actor));
    if (!get_serial(&certs[0], serial, sizeof(serial))) {
        refuse(r, resp, actor, action, 403, "client certificate has no serialNumber");
        goto done;
    }
    if (reenroll) {
        if (!is_ldevid(r, &certs[0])) {
            refuse(r, resp, actor, action, 403,
                   "RFC 7030 4.2.2: client certificate is not a valid LDevID of this domain");
            goto done;
        }
    } else {
        if (check_idevid(r, certs, n, why, sizeof(why)) != BRSKI_OK) {
            refuse(r, resp, actor, action, 403, why);
            goto done;
        }
        size_t nv = 0;
        if (brski_store_voucher_each(r->store, serial, count_voucher, &nv) != BRSKI_OK) {
            brski_http_msg_set_error(resp, 500, "database error");
            goto done;
        }
        if (nv == 0) {
            refuse(r, resp, actor, action, 403,
                   "RFC 8995 5.9.2: no voucher was issued to this pledge");
            goto done;
        }
    }
    brski_err rv = BRSKI_ERR_TOOBIG;
    if (!coap) {
        rv = brski_est_csr_from_body(brski_buf_slice(&req->body), &csr);
    } else if (req->body.len <= BRSKI_MAX_CSR) {
        rv = brski_csr_parse(brski_buf_slice(&req->body), &csr);
    }
    if (rv != BRSKI_OK) {
        snprintf(why, sizeof(why), "RFC %s: bad PKCS#10 body: %s",
                 coap ? "9148 4.3 (DER, 286)" : "7030 4.2.1", brski_err_str(rv));
        refuse(r, resp, actor, action, rv == BRSKI_ERR_TOOBIG ? 413 : 400, why);
        goto done;
    }
    if (brski_est_csr_check_attrs(&csr, brski_buf_slice(&r->csrattrs)) != BRSKI_OK) {
        refuse(r, resp, actor, action, 400,
               "RFC 8995 5.9.2: CSR does not follow the served CSR attributes");
        goto done;
    }
    pthread_mutex_lock(&r->sign_mu);
    rv = brski_est_enroll(&r->est, &csr, &certs[0], reenroll, NULL, &der);
    pthread_mutex_unlock(&r->sign_mu);
    if (rv != BRSKI_OK) {
        snprintf(why, sizeof(why), "RFC 8995 5.9.2: enrollment refused: %s", brski_err_str(rv));
        refuse(r, resp, actor, action, rv == BRSKI_ERR_POLICY ? 403 : 400, why);
        goto done;
    }
    char subj[512];
    if (brski_cert_parse(brski_buf_slice(&der), &issued) != BRSKI_OK ||
        brski_hex_encode(issued.serial, &hex) != BRSKI_OK || brski_buf_cstr(&hex) != BRSKI_OK ||
        brski_name_to_str(issued.subject, subj, sizeof(subj)) != BRSKI_OK) {
        brski_http_msg_set_error(resp, 500, "issued certificate does not parse");
        goto done;
    }
    snprintf(why, sizeof(why), "LDevID %s issued for %s", (const char *)hex.p, serial);
    brski_err wrv = brski_store_begin(r->store);
    if (wrv == BRSKI_OK) {
        brski_err a = brski_store_cert_add(r->store, (const char *)hex.p, subj, serial,
                                           brski_env_now(NULL), brski_buf_slice(&der));
        brski_err b = brski_store_audit_append(r->store, brski_env_now(NULL), actor, action,
                                               "ok", why, NULL);
        wrv = brski_store_end(r->store, a == BRSKI_OK && b == BRSKI_OK);
    }
    if (wrv != BRSKI_OK) {
        brski_http_msg_set_error(resp, 500, "cannot record the certificate");
        goto done;
    }
    brski_slice one = brski_buf_slice(&der);
    bool der_certs_only = coap && strcmp(req->accept, "281") == 0;
    if (coap && !der_certs_only) {
        rv = brski_http_msg_set_body(resp, 200, "287", one);
    } else if (der_certs_only) {
        rv = brski_est_certs_only_encode(&one, 1, &body);
        if (rv == BRSKI_OK) {
            rv = brski_http_msg_set_body(resp, 200, "281", brski_buf_slice(&body));
        }
    } else {
        rv = brski_est_certs_only_body(&one, 1, &body);
        if (rv == BRSKI_OK) {
            rv = brski_http_msg_set_body(resp, 200, REG_CT_CERTS, brski_buf_slice(&body));
        }
    }
    if (rv != BRSKI_OK) {
        brski_http_msg_set_error(resp, 500, "cannot encode the certificate");
    }
done:
    certs_clear(certs, n);
    brski_csr_clear(&csr);
    brski_cert_clear(&issued);
    brski_buf_clear(&der);
    brski_buf_clear(&body);
    brski_buf_clear(&hex);
    return BRSKI_OK;
}

static brski_err h_simpleenroll(void *ctx, const brski_http_peer *peer,
                                const brski_http_msg *req, brski_http_msg *resp)
{
    return enroll_common(ctx, peer, req, resp, false, false);
}

static brski_err h_simplereenroll(void *ctx, const brski_http_peer *peer,
                                  const brski_http_msg *req, brski_http_msg *resp)
{
    return enroll_common(ctx, peer, req, resp, true, false);
}

/*
 * CoAPS: the DTLS handshake accepts any client certificate; the decision is
 * here: an IDevID under an idevid anchor (RFC 8995 5.3) or an LDevID we issued.
 */
static bool coap_peer_accepted(reg_ctx *r, const brski_http_peer *peer, brski_http_msg *resp,
                               const char *action)
{
    brski_cert certs[BRSKI_HTTP_MAX_CHAIN_CERTS];
    size_t n = 0;
    char why[320];
    bool ok = false;
    memset(certs, 0, sizeof(certs));
    if (peer_certs(peer, certs, &n) != BRSKI_OK) {
        refuse(r, resp, "coap", action, 401, "client certificate missing or does not parse");
    } else if (is_ldevid(r, &certs[0]) || check_idevid(r, certs, n, why, sizeof(why)) == BRSKI_OK) {
        ok = true;
    } else {
        refuse(r, resp, "coap", action, 403, why);
    }
    certs_clear(certs, n);
    return ok;
}

/*
 * RFC 9148 /crts: the domain CA as DER certs-only (281, the default), or
 * (cBRSKI 6.5, 6.7.5) as the single DER certificate (287) or as
 * multipart-core (62, RFC 8710): [287, h'cert'] from the LDevID issuer up
 * to the top domain CA, here the one domain CA.
 */
static brski_err h_coap_crts(void *ctx, const brski_http_peer *peer, const brski_http_msg *req,
                             brski_http_msg *resp)
{
    reg_ctx *r = ctx;
    if (!coap_peer_accepted(r, peer, resp, "est.crts")) {
        return BRSKI_OK;
    }
    brski_buf out;
    brski_slice ca = brski_cert_der(&r->ca);
    brski_buf_init(&out, BRSKI_MAX_BODY);
    brski_err rv;
    const char *cf = req->accept[0] != '\0' ? req->accept : "281";
    if (strcmp(cf, "287") == 0) {
        rv = brski_buf_append(&out, ca.p, ca.len);
    } else if (strcmp(cf, "62") == 0) {
        rv = brski_cbor_put_head(&out, BRSKI_CBOR_ARRAY, 2);
        if (rv == BRSKI_OK) {
            rv = brski_cbor_put_int(&out, BRSKI_CF_PKIX_CERT);
        }
        if (rv == BRSKI_OK) {
            rv = brski_cbor_put_bytes(&out, ca);
        }
    } else {
        rv = brski_est_certs_only_encode(&ca, 1, &out);
    }
    if (rv == BRSKI_OK) {
        rv = brski_http_msg_set_body(resp, 200, cf, brski_buf_slice(&out));
    }
    brski_buf_clear(&out);
    return rv == BRSKI_OK ? BRSKI_OK : BRSKI_ERR_INTERNAL;
}

/* cBRSKI 6.5 /rv: a COSE PVR (836) in, the MASA's COSE voucher (836) out. */
static brski_err h_coap_rv(void *ctx, const brski_http_peer *peer, const brski_http_msg *req,
                           brski_http_msg *resp)
{
    voucher_exchange(ctx, peer, brski_buf_slice(&req->body), true, resp);
    return BRSKI_OK;
}

/* cBRSKI 6.5.1 /vs and /es: CBOR telemetry (60), 2.04 with no payload. */
static brski_err h_coap_vs(void *ctx, const brski_http_peer *peer, const brski_http_msg *req,
                           brski_http_msg *resp)
{
    return status_common(ctx, peer, req, resp, "voucher", false, true);
}

static brski_err h_coap_es(void *ctx, const brski_http_peer *peer, const brski_http_msg *req,
                           brski_http_msg *resp)
{
    return status_common(ctx, peer, req, resp, "enroll", true, true);
}

/* RFC 9148 /sen and /sren: DER CSR (286) in, DER certificate (287) or certs-only (281) out. */
static brski_err h_coap_sen(void *ctx, const brski_http_peer *peer, const brski_http_msg *req,
                            brski_http_msg *resp)
{
    return enroll_common(ctx, peer, req, resp, false, true);
}

static brski_err h_coap_sren(void *ctx, const brski_http_peer *peer, const brski_http_msg *req,
                             brski_http_msg *resp)
{
    return enroll_common(ctx, peer, req, resp, true, true);
}

/* RFC 9148 /att: CSR attributes as DER (Content-Format 285). */
static brski_err h_coap_att(void *ctx, const brski_http_peer *peer, const brski_http_msg *req,
                            brski_http_msg *resp)
{
    (void)req;
    reg_ctx *r = ctx;
    if (!coap_peer_accepted(r, peer, resp, "est.att")) {
        return BRSKI_OK;
    }
    return brski_http_msg_set_body(resp, 200, "application/csrattrs",
                                   brski_buf_slice(&r->csrattrs)) == BRSKI_OK
               ? BRSKI_OK
               : BRSKI_ERR_INTERNAL;
}

static const int crts_alt[] = {BRSKI_CF_PKIX_CERT, BRSKI_CF_MULTIPART_CORE, BRSKI_CF_NONE};
static const int enroll_alt[] = {BRSKI_CF_PKCS7_CERTS, BRSKI_CF_NONE};

/* cBRSKI 6.5.2 / RFC 9148 4.1: every resource on the one CoAPS endpoint. */
static const brski_coap_resource reg_coap_resources[] = {
    {".well-known/brski/rv", BRSKI_METHOD_POST, BRSKI_CF_VOUCHER_COSE, BRSKI_CF_VOUCHER_COSE,
     "brski.rv", h_coap_rv, BRSKI_MAX_VOUCHER, NULL},
    {".well-known/brski/vs", BRSKI_METHOD_POST, BRSKI_CF_CBOR, BRSKI_CF_NONE, "brski.vs",
     h_coap_vs, BRSKI_TELEMETRY_MAX_BODY, NULL},
    {".well-known/brski/es", BRSKI_METHOD_POST, BRSKI_CF_CBOR, BRSKI_CF_NONE, "brski.es",
     h_coap_es, BRSKI_TELEMETRY_MAX_BODY, NULL},
    {".well-known/est/crts", BRSKI_METHOD_GET, BRSKI_CF_NONE, BRSKI_CF_PKCS7_CERTS,
     "ace.est.crts", h_coap_crts, 0, crts_alt},
    {".well-known/est/sen", BRSKI_METHOD_POST, BRSKI_CF_PKCS10, BRSKI_CF_PKIX_CERT, "ace.est.sen",
     h_coap_sen, BRSKI_MAX_CSR, enroll_alt},
    {".well-known/est/sren", BRSKI_METHOD_POST, BRSKI_CF_PKCS10, BRSKI_CF_PKIX_CERT,
     "ace.est.sren", h_coap_sren, BRSKI_MAX_CSR, enroll_alt},
    {".well-known/est/att", BRSKI_METHOD_GET, BRSKI_CF_NONE, BRSKI_CF_CSRATTRS, "ace.est.att",
     h_coap_att, 0, NULL},
};

/* The voucher request waits on the MASA: empty ACK, then a separate response. */
static const char *const reg_coap_deferred[] = {".well-known/brski/rv", NULL};

static const brski_route reg_routes[] = {
    {"/.well-known/brski/requestvoucher", BRSKI_METHOD_POST, h_requestvoucher, BRSKI_MAX_VOUCHER,
     voucher_types, true},
    {"/.well-known/brski/voucher_status", BRSKI_METHOD_POST, h_voucher_status, 4096, json_types,
     true},
    {"/.well-known/brski/enrollstatus", BRSKI_METHOD_POST, h_enrollstatus, 4096, json_types,
     true},
    {"/.well-known/est/cacerts", BRSKI_METHOD_GET, h_cacerts, 0, NULL, false},
    {"/.well-known/est/csrattrs", BRSKI_METHOD_GET, h_csrattrs, 0, NULL, false},
    {"/.well-known/est/simpleenroll", BRSKI_METHOD_POST, h_simpleenroll, 2 * BRSKI_MAX_CSR,
     pkcs10_types, true},
    {"/.well-known/est/simplereenroll", BRSKI_METHOD_POST, h_simplereenroll, 2 * BRSKI_MAX_CSR,
     pkcs10_types, true},
};

/* Admission list: one serial-number per line, '#' comments. */
static int load_allowed(reg_ctx *r, brski_config *cfg, const char *file)
{
    char path[1024], line[512];
    if (brski_config_path(cfg, file, path, sizeof(path)) != BRSKI_OK) {
        return 2;
    }
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "brski-registrar serve: cannot open %s\n", path);
        return 2;
    }
    r->allowed = calloc(REG_MAX_ALLOW, sizeof(*r->allowed));
    int ret = r->allowed == NULL ? 2 : 0;
    while (ret == 0 && fgets(line, sizeof(line), f) != NULL) {
        char serial[BRSKI_VOUCHER_MAX_SERIAL + 1];
        if (line[0] == '#' || sscanf(line, "%128s", serial) != 1) {
            continue;
        }
        if (r->allowed_count >= REG_MAX_ALLOW) {
            ret = 2;
            break;
        }
        snprintf(r->allowed[r->allowed_count++], sizeof(r->allowed[0]), "%s", serial);
    }
    fclose(f);
    return ret;
}

static void reg_free(reg_ctx *r)
{
    free(r->allowed);
    brski_http_pool_free(r->masa_pool);
    brski_tls_ctx_free(r->masa_tls);
    brski_buf_clear(&r->csrattrs);
    brski_cert_clear(&r->ca);
    brski_signer_free(r->ca_key);
    brski_certs_free(r->tls_certs, r->tls_count);
    brski_signer_free(r->key);
    brski_anchor_store_clear(&r->anchors);
    if (r->store != NULL) {
        brski_store_close(r->store);
    }
}

static bool cfg_path(brski_config *cfg, const char *key, char *out, size_t cap)
{
    const char *v = brski_config_get(cfg, "registrar", key);
    if (v == NULL || brski_config_path(cfg, v, out, cap) != BRSKI_OK) {
        fprintf(stderr, "brski-registrar serve: [registrar] %s missing\n", key);
        return false;
    }
    return true;
}

static int load_keys(reg_ctx *r, brski_config *cfg, char *tls_cert, char *tls_key, size_t cap)
{
    char path[1024];
    brski_buf b;
    brski_buf_init(&b, 0);
    int ret = 2;
    if (!cfg_path(cfg, "tls_cert", tls_cert, cap) || !cfg_path(cfg, "tls_key", tls_key, cap)) {
        goto done;
    }
    if (brski_cli_read(tls_cert, BRSKI_MAX_FILE, &b) != BRSKI_OK ||
        brski_certs_load(brski_buf_slice(&b), 8, &r->tls_certs, &r->tls_count) != BRSKI_OK ||
        r->tls_count == 0) {
        fprintf(stderr, "brski-registrar serve: cannot read tls_cert\n");
        goto done;
    }
    if (brski_signer_load_file(tls_key, &r->key) != BRSKI_OK) {
        fprintf(stderr, "brski-registrar serve: cannot load tls_key (mode must be 0600)\n");
        goto done;
    }
    brski_buf_clear(&b);
    if (!cfg_path(cfg, "ca_cert", path, sizeof(path)) ||
        brski_cli_read_cert_der(path, &b) != BRSKI_OK ||
        brski_cert_parse(brski_buf_slice(&b), &r->ca) != BRSKI_OK) {
        fprintf(stderr, "brski-registrar serve: cannot read ca_cert\n");
        goto done;
    }
    if (!cfg_path(cfg, "ca_key", path, sizeof(path)) ||
        brski_signer_load_file(path, &r->ca_key) != BRSKI_OK) {
        fprintf(stderr, "brski-registrar serve: cannot load ca_key (mode must be 0600)\n");
        goto done;
    }
    ret = 0;
done:
    brski_buf_clear(&b);
    return ret;
}

int registrar_cmd_serve(int argc, char **argv)
{
    brski_cli_opt o[] = {{"config", true, NULL}, {"port", true, NULL}};
    size_t no = sizeof(o) / sizeof(o[0]);
    int p = brski_cli_parse("serve", argc, argv, o, no);
    if (p != 0 || brski_cli_get(o, no, "config") == NULL) {
        fputs("usage: brski-registrar serve --config F [--port N]\n"
              "Runs the registrar HTTPS server (RFC 8995 5.3-5.9, RFC 7030) configured by\n"
              "[registrar] in F: listen_https, tls_cert, tls_key, ca_cert, ca_key, db,\n"
              "enroll_policy (accept-all or allow-list), allow_file (one serial per line),\n"
              "masa_url (overrides the IDevID extension), ldevid_days, workers,\n"
              "listen_coaps (optional CoAPS/DTLS server, cBRSKI/RFC 9148: brski/rv, vs, es,\n"
              "est/crts, sen, sren, att);\n"
              "anchors "
              "of purpose idevid, masa and tls. Stops cleanly on SIGTERM.\n",
              p == 1 ? stdout : stderr);
        return p == 1 ? 0 : 2;
    }
    brski_log_set_sink(brski_log_stderr_sink, NULL, BRSKI_LOG_INFO);
    brski_config cfg;
    reg_ctx r;
    char msg[256], path[1024], tls_cert[1024], tls_key[1024], host[64];
    uint16_t port = 0;
    int64_t workers = 2, days = 365;
    brski_tls_ctx *tls = NULL;
    brski_server *srv = NULL;
    brski_coap_server *coap = NULL;
    int ret = 2;
    memset(&r, 0, sizeof(r));
    pthread_mutex_init(&r.sign_mu, NULL);
    brski_anchor_store_init(&r.anchors);
    brski_buf_init(&r.csrattrs, 4096);
    if (brski_config_load(brski_cli_get(o, no, "config"), &cfg, msg, sizeof(msg)) != BRSKI_OK) {
        fprintf(stderr, "brski-registrar serve: %s\n", msg);
        brski_buf_clear(&r.csrattrs);
        pthread_mutex_destroy(&r.sign_mu);
        return 2;
    }
    const char *listen = brski_config_get_str(&cfg, "registrar", "listen_https", "127.0.0.1:8443");
    const char *policy = brski_config_get_str(&cfg, "registrar", "enroll_policy", "accept-all");
    const char *murl = brski_config_get(&cfg, "registrar", "masa_url");
    const char *lcoaps = brski_config_get(&cfg, "registrar", "listen_coaps");
    char chost[64];
    uint16_t cport = 0;
    if (lcoaps != NULL &&
        brski_app_parse_hostport(lcoaps, chost, sizeof(chost), &cport) != BRSKI_OK) {
        fprintf(stderr, "brski-registrar serve: bad listen_coaps '%s'\n", lcoaps);
        goto done;
    }
    if (brski_app_parse_hostport(listen, host, sizeof(host), &port) != BRSKI_OK) {
        fprintf(stderr, "brski-registrar serve: bad listen_https '%s'\n", listen);
        goto done;
    }
    if (brski_cli_get(o, no, "port") != NULL) {
        port = (uint16_t)atoi(brski_cli_get(o, no, "port"));
    }
    if (brski_config_get_int(&cfg, "registrar", "workers", 2, 1, 64, &workers, msg,
                             sizeof(msg)) != BRSKI_OK ||
        brski_config_get_int(&cfg, "registrar", "ldevid_days", 365, 1, 36500, &days, msg,
                             sizeof(msg)) != BRSKI_OK) {
        fprintf(stderr, "brski-registrar serve: %s\n", msg);
        goto done;
    }
    if (murl != NULL) {
        snprintf(r.masa_url, sizeof(r.masa_url), "%s", murl);
    }
    if (strcmp(policy, "allow-list") == 0) {
        r.allow_list = true;
        const char *af = brski_config_get(&cfg, "registrar", "allow_file");
        if (af == NULL || load_allowed(&r, &cfg, af) != 0) {
            fprintf(stderr, "brski-registrar serve: enroll_policy = allow-list needs allow_file\n");
            goto done;
        }
    } else if (strcmp(policy, "accept-all") != 0) {
        fprintf(stderr, "brski-registrar serve: enroll_policy must be accept-all or allow-list\n");
        goto done;
    }
    if (brski_anchor_store_load_config(&r.anchors, &cfg, msg, sizeof(msg)) != BRSKI_OK) {
        fprintf(stderr, "brski-registrar serve: anchors: %s\n", msg);
        goto done;
    }
    if (load_keys(&r, &cfg, tls_cert, tls_key, sizeof(tls_cert)) != 0) {
        goto done;
    }
    brski_est_ca_init(&r.est, r.ca_key, &r.ca);
    r.est.lifetime = days * 86400;
    brski_est_csrattrs_cfg acfg = {false};
    if (brski_est_csrattrs_build(&r.est.keys, &acfg, &r.csrattrs) != BRSKI_OK) {
        fprintf(stderr, "brski-registrar serve: cannot build CSR attributes\n");
        goto done;
    }
    if (!cfg_path(&cfg, "db", path, sizeof(path)) || brski_store_open(path, &r.store) != BRSKI_OK) {
        fprintf(stderr, "brski-registrar serve: cannot open database\n");
        goto done;
    }
    if (brski_tls_client_new(tls_cert, tls_key, masa_pin, &r, &r.masa_tls) != BRSKI_OK ||
        brski_http_pool_new(r.masa_tls, REG_MASA_TIMEOUT_MS, REG_MASA_POOL_IDLE,
                            REG_MASA_POOL_IDLE_MS, &r.masa_pool) != BRSKI_OK ||
        brski_tls_server_new(tls_cert, tls_key, BRSKI_TLS_CLIENT_CERT_OPTIONAL, &tls) !=
            BRSKI_OK) {
        fprintf(stderr, "brski-registrar serve: cannot set up TLS from tls_cert/tls_key\n");
        goto done;
    }
    const brski_config_entry *unused = brski_config_first_unused(&cfg);
    if (unused != NULL) {
        fprintf(stderr, "brski-registrar serve: %s:%u: unknown key '%s' in [%s]\n",
                cfg.path != NULL ? cfg.path : "config", unused->line, unused->key,
                unused->section);
        goto done;
    }
    brski_server_config sc;
    brski_server_config_default(&sc);
    sc.host = host;
    sc.port = port;
    sc.workers = (unsigned)workers;
    sc.tls = tls;
    sc.routes = reg_routes;
    sc.n_routes = sizeof(reg_routes) / sizeof(reg_routes[0]);
    sc.handler_ctx = &r;
    if (brski_server_new(&sc, &srv) != BRSKI_OK) {
        fprintf(stderr, "brski-registrar serve: cannot listen on %s:%u\n", host, (unsigned)port);
        goto done;
    }
    if (lcoaps != NULL) {
        brski_coap_config cc;
        memset(&cc, 0, sizeof(cc));
        cc.host = chost;
        cc.port = cport;
        cc.cert_file = tls_cert;
        cc.key_file = tls_key;
        cc.resources = reg_coap_resources;
        cc.n_resources = sizeof(reg_coap_resources) / sizeof(reg_coap_resources[0]);
        cc.handler_ctx = &r;
        cc.deferred_paths = reg_coap_deferred;
        if (brski_coap_server_new(&cc, &coap) != BRSKI_OK ||
            brski_coap_server_start(coap) != BRSKI_OK) {
            fprintf(stderr, "brski-registrar serve: cannot serve CoAPS on %s\n", lcoaps);
            goto done;
        }
        brski_log(BRSKI_LOG_INFO, "brski-registrar: CoAPS on port %u",
                  (unsigned)brski_coap_server_port(coap));
    }
    brski_app_audit(r.store, "registrar", "server.start", true, "");
    ret = brski_app_serve(srv, "brski-registrar");
    brski_coap_server_stop(coap);
    brski_app_audit(r.store, "registrar", "server.stop", true, "");
done:
    brski_coap_server_free(coap);
    if (srv != NULL) {
        brski_server_free(srv);
    }
    brski_tls_ctx_free(tls);
    reg_free(&r);
    brski_config_clear(&cfg);
    pthread_mutex_destroy(&r.sign_mu);
    brski_tls_thread_cleanup();
    return ret;
}

int registrar_cmd_audit_verify(int argc, char **argv)
{
    return brski_app_audit_verify_cmd("brski-registrar", "registrar", argc, argv);
}
