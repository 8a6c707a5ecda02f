/*
 * CoAPS server (RFC 7252 over DTLS 1.2, RFC 9148 cBRSKI / EST-coaps) on
 * libcoap. This header does not expose libcoap or OpenSSL; only
 * transport_coap.c includes them.
 *
 * Trust: the server always asks for a client certificate and refuses a
 * handshake without one, but accepts any presented chain at the handshake;
 * the handler receives the chain (DER, leaf first) and runs brski_policy over
 * it, as for HTTPS (DEPENDENCY-NOTES, libcoap section).
 *
 * Block-wise transfer (RFC 7959): libcoap sends Block2; Block1 bodies are
 * assembled here, one per DTLS session, and handlers see one whole body of
 * at most the resource's |max_body| (cap BRSKI_MAX_BODY). A larger body, or
 * a Size1 above it, gives 4.13 (with Size1 = the cap) at the first block
 * that crosses it; a block out of sequence 4.08; a Block2 past the end 4.00.
 * Unknown paths give 4.04 and other methods 4.05 (libcoap);
 * a Content-Format other than the resource's gives 4.15, an Accept the
 * resource cannot produce (neither |ct_out| nor one of |ct_alt|) 4.06.
 * /.well-known/core (RFC 6690) is served from the resource table.
 *
 * A deferred resource (brski_coap_config.deferred_paths; RFC 7252 5.2.2,
 * RFC 9148 4.7) runs its handler on
 * a worker thread: the request is acknowledged at once with an empty ACK
 * and answered with a separate (Confirmable) response when the handler is
 * done; with 16 such requests running, 5.03 with Max-Age. Other resources
 * run on the CoAPS thread and answer in the ACK.
 *
 * Deduplication (RFC 7252 4.5): the answer to a Confirmable POST is kept
 * for EXCHANGE_LIFETIME (up to 64 answers of at most 16 KiB); a duplicate
 * (same peer, Message ID and token) gets it again and the handler does not
 * run twice.
 */
#ifndef BRSKI_COAP_H
#define BRSKI_COAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "brski/err.h"
#include "brski/http.h"

/* CoAP Content-Formats used by cBRSKI (RFC 9148, RFC 9148 sec. 8, RFC 8995bis). */
#define BRSKI_CF_NONE (-1)
#define BRSKI_CF_PKCS7_CERTS 281      /* application/pkcs7-mime; smime-type=certs-only */
#define BRSKI_CF_PKCS7_SERVER_KEYGEN 280
#define BRSKI_CF_PKCS10 286           /* application/pkcs10 */
#define BRSKI_CF_PKIX_CERT 287        /* application/pkix-cert */
#define BRSKI_CF_CSRATTRS 285         /* application/csrattrs */
#define BRSKI_CF_VOUCHER_COSE 836     /* application/voucher+cose */
#define BRSKI_CF_CBOR 60              /* application/cbor */
#define BRSKI_CF_MULTIPART_CORE 62    /* application/multipart-core (RFC 8710) */

/*
 * One resource. |path| without the leading '/', e.g. ".well-known/est/crts".
 * The handler has the HTTP route signature: |req->body| is the request
 * payload, |req->ctype| the decimal Content-Format ("" if absent), |req->path|
 * "/" + path; it sets |resp->status| (HTTP-style: 200 gives 2.05 Content for
 * GET, 2.04 Changed for POST; 201 gives 2.01; 204 gives 2.04) and |resp->body|.
 * A return code other than BRSKI_OK answers brski_err_coap(code) with
 * |resp->reason| as diagnostic payload; an error |resp->status| (>= 400) is
 * sent as the CoAP code status/100 . status%100.
 *
 * Response Content-Format: |ct_out| unless the resource lists alternatives
 * in |ct_alt| and the handler sets |resp->ctype| to one of them or to
 * |ct_out| as a decimal ("287"); |req->accept| is the Accept option as a
 * decimal ("" if absent), already checked to be |ct_out| or in |ct_alt|.
 */
typedef struct brski_coap_resource {
    const char *path;
    brski_method method;        /* GET or POST */
    int ct_in;                  /* required request Content-Format; BRSKI_CF_NONE: any/none */
    int ct_out;                 /* response Content-Format; BRSKI_CF_NONE: none */
    const char *rt;             /* resource type for /.well-known/core, NULL: none */
    brski_http_handler fn;
    size_t max_body;            /* request body cap; 0 means no body allowed */
    const int *ct_alt;          /* further response Content-Formats, ending in BRSKI_CF_NONE;
                                   NULL: |ct_out| only */
} brski_coap_resource;

typedef struct brski_coap_server brski_coap_server;

typedef struct brski_coap_config {
    const char *host;               /* numeric address, e.g. "127.0.0.1" */
    uint16_t port;                  /* 0 picks a free port */
    const char *cert_file;          /* PEM: server certificate (chain) */
    const char *key_file;           /* PEM: private key */
    const brski_coap_resource *resources;
    size_t n_resources;
    void *handler_ctx;
    const char *const *deferred_paths; /* resource paths answered with a separate response
                                          (slow handlers), NULL-terminated; NULL: none */
} brski_coap_config;

/*
 * Binds the DTLS endpoint and registers the resources. BRSKI_ERR_ARG for a
 * bad configuration, BRSKI_ERR_IO when it cannot bind or load the keys.
 */
BRSKI_MUST_USE brski_err brski_coap_server_new(const brski_coap_config *cfg,
                                               brski_coap_server **out);

/* The bound UDP port. */
uint16_t brski_coap_server_port(const brski_coap_server *s);

/* Runs the server on its own thread until brski_coap_server_stop(). */
BRSKI_MUST_USE brski_err brski_coap_server_start(brski_coap_server *s);

/* Stops and joins the thread (no-op when not started). */
void brski_coap_server_stop(brski_coap_server *s);

/* Stops if needed and frees everything. NULL is fine. */
void brski_coap_server_free(brski_coap_server *s);

/* Requests answered since start (for tests and logs). */
uint64_t brski_coap_server_requests(const brski_coap_server *s);

#endif
