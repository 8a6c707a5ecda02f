/*
 * link.h - the pledge's registrar link, one per transport: HTTPS (RFC 8995,
 * EST RFC 7030) or CoAPS (cBRSKI, EST-coaps RFC 9148). The onboarding steps
 * in enroll.c are written once against this interface; a link knows its
 * resource paths, media types, transfer encodings, voucher format and status
 * encoding.
 */
#ifndef PLEDGE_LINK_H
#define PLEDGE_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "brski/buf.h"
#include "brski/err.h"
#include "brski/http.h"
#include "brski/policy.h"
#include "brski/signer.h"
#include "brski/tls.h"
#include "brski/voucher.h"
#include "brski/voucher_accept.h"
#include "brski/x509.h"

/* The registrar resources the pledge uses. */
typedef enum pledge_res {
    PLEDGE_RES_VOUCHER,  /* requestvoucher, /rv */
    PLEDGE_RES_VSTATUS,  /* voucher_status, /vs */
    PLEDGE_RES_ESTATUS,  /* enrollstatus, /es */
    PLEDGE_RES_CACERTS,  /* cacerts, /crts */
    PLEDGE_RES_CSRATTRS, /* csrattrs, /att */
    PLEDGE_RES_ENROLL,   /* simpleenroll, /sen */
} pledge_res;

typedef struct pledge_reply {
    int status;             /* HTTP status, or CoAP code as class*100+detail (2.05 = 205) */
    bool ok;                /* the success code for this resource */
    bool none;              /* CSRATTRS: the registrar has none (RFC 7030 4.5.2) */
    bool retry;             /* VOUCHER: come back later (HTTP 202, CoAP 5.03 + Max-Age) */
    unsigned retry_after;   /* seconds, when |retry| */
    brski_buf body;         /* payload with the transfer encoding undone: VOUCHER the signed
                               voucher, CACERTS certs-only DER, CSRATTRS CsrAttrs DER,
                               ENROLL the LDevID certificate DER */
    char text[300];         /* "HTTP 403 Forbidden: reason" / "CoAP 4.03: reason" */
} pledge_reply;

typedef struct pledge_link pledge_link;

typedef struct pledge_link_ops {
    const char *name;           /* "HTTPS" or "CoAPS" */
    const char *session;        /* step name of the session: "tls" or "dtls" */
    const char *proto;          /* the session's protocol in messages: "TLS" or "DTLS" */
    const char *pvr_format;     /* the signed voucher-request: "CMS" or "COSE_Sign1" */
    const char *voucher_file;   /* output file name of the voucher */
    /* Opens a session; |pin| NULL is provisional (RFC 8995 5.1). */
    brski_err (*open)(pledge_link *l, brski_tls_pin_fn pin, void *pin_ctx);
    /* The registrar's chain as presented in the handshake (DER, leaf first). */
    brski_err (*peer)(pledge_link *l, brski_http_peer *peer);
    /* One request; |body| is the voucher-request, status body or CSR DER. */
    brski_err (*request)(pledge_link *l, pledge_res res, brski_slice body, pledge_reply *out);
    void (*close)(pledge_link *l);
    /*
     * Check for any reconnection of the open session (HTTPS reconnects when
     * the server closes a keep-alive connection; a CoAPS session never
     * reconnects, so it has nothing to set).
     */
    void (*set_pin)(pledge_link *l, brski_tls_pin_fn pin, void *pin_ctx);
    /* Signs the voucher-request with the IDevID key (CMS or COSE_Sign1). */
    brski_err (*sign_pvr)(const brski_voucher *v, brski_signer *key, const brski_cert *chain,
                          size_t n_chain, brski_buf *out);
    /* The pledge's voucher acceptance in this link's voucher format. */
    brski_err (*accept_voucher)(brski_slice voucher, const brski_anchor_store *anchors,
                                const brski_accept_opts *opts, brski_voucher *out);
    /* Status telemetry body (RFC 8995 5.7, 5.9.4): JSON or CBOR (cBRSKI 6.5.1). */
    brski_err (*status_body)(bool ok, const char *reason, brski_buf *out);
    /* Resource path for messages. */
    const char *(*path)(pledge_res res);
} pledge_link_ops;

struct pledge_link {
    const pledge_link_ops *ops;
    const char *cert_file;      /* client certificate PEM (the CoAPS link reads files) */
    const char *key_file;
    const brski_slice *chain;   /* the same identity in memory (HTTPS): DER, leaf first */
    size_t n_chain;
    const brski_signer *key;    /* borrowed; loaded once per run */
    const char *host;
    uint16_t port;
    unsigned timeout_ms;
    void *impl;                 /* the transport's session state */
};

extern const pledge_link_ops pledge_link_https;
extern const pledge_link_ops pledge_link_coaps;

void pledge_reply_init(pledge_reply *r);
void pledge_reply_clear(pledge_reply *r);

#endif
