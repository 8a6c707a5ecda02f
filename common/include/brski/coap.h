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

/* ---- CoAPS client (the pledge side of cBRSKI) ---- */

/*
 * A blocking CoAPS client: one DTLS 1.2 session to one server, reused for
 * every request, CON requests one at a time, Block2 (and Block1 for bodies
 * larger than a block) done by libcoap (RFC 7959). The client presents
 * every certificate of |cert_file| (PEM, leaf first, then its chain) with
 * |key_file| (PEM):
 * libcoap's OpenSSL does the DTLS CertificateVerify signature, so this key is
 * read from its file by OpenSSL, not through brski_signer (files 0600 as for
 * every key). SNI is not sent (cBRSKI 6.3).
 *
 * Server trust: with |verify| NULL the handshake accepts any server chain
 * (RFC 8995 5.1 provisional mode) and keeps it for brski_coap_client_peer();
 * with |verify| set, brski_coap_client_new() completes the handshake, hands
 * the server chain to |verify| and refuses the session (BRSKI_ERR_AUTH, no
 * request sent) unless it returns BRSKI_OK (RFC 8995 5.6.2, pinned mode).
 */
typedef struct brski_coap_client brski_coap_client;

/* Decision on the server's chain (DER, leaf first, in |peer->certs|). */
typedef brski_err (*brski_coap_verify_fn)(void *ctx, const brski_http_peer *peer);

#define BRSKI_COAP_CLIENT_MAX_RESPONSE BRSKI_MAX_BODY /* 64 KiB */

typedef struct brski_coap_client_config {
    const char *host;           /* numeric address, e.g. "127.0.0.1" or "::1" */
    uint16_t port;
    const char *cert_file;      /* PEM: client certificate (IDevID or LDevID) */
    const char *key_file;       /* PEM: its private key */
    brski_coap_verify_fn verify; /* NULL: provisional (any server chain) */
    void *verify_ctx;
    unsigned timeout_ms;        /* handshake, and each request as a whole; 0: 30000 */
    size_t max_response;        /* payload cap; 0 or above: BRSKI_COAP_CLIENT_MAX_RESPONSE */
    unsigned block_size;        /* Block2 size asked for (16..1024, power of 2); 0: server's */
} brski_coap_client_config;

/* One response: |code| is class*100+detail (2.05 Content -> 205). */
typedef struct brski_coap_response {
    int code;
    int cf;                     /* Content-Format, BRSKI_CF_NONE when absent */
    bool has_max_age;
    uint32_t max_age;           /* Max-Age option (RFC 9148 4.7 with 5.03) */
    brski_buf body;             /* whole payload (all blocks), capped at max_response */
} brski_coap_response;

void brski_coap_response_init(brski_coap_response *r);
void brski_coap_response_clear(brski_coap_response *r);

/*
 * Opens the DTLS session and waits for the handshake (and |verify|).
 * BRSKI_ERR_ARG (bad config or address), BRSKI_ERR_IO (keys unreadable or no
 * socket), BRSKI_ERR_TIMEOUT (no handshake within timeout_ms),
 * BRSKI_ERR_AUTH (handshake failed or |verify| refused the server),
 * BRSKI_ERR_UNSUPPORTED (libcoap without DTLS), BRSKI_ERR_NOMEM.
 */
BRSKI_MUST_USE brski_err brski_coap_client_new(const brski_coap_client_config *cfg,
                                               brski_coap_client **out);

/*
 * The server's certificates as presented in the handshake (DER, leaf
 * first); |peer->certs| point into the client and live until it is freed.
 */
void brski_coap_client_peer(const brski_coap_client *c, brski_http_peer *peer);

/*
 * Sends one CON request (|method| GET or POST) to |path| ("/.well-known/...",
 * split into Uri-Path options) with Content-Format |cf| and Accept |accept|
 * (BRSKI_CF_NONE: no option) and waits for the whole response. |resp| is
 * initialised here; any CoAP code is BRSKI_OK (the caller judges |code|).
 * BRSKI_ERR_TIMEOUT (no complete response within timeout_ms),
 * BRSKI_ERR_TOOBIG (payload above max_response), BRSKI_ERR_IO (RST or the
 * session failed), BRSKI_ERR_ARG. After any error the session is unusable and
 * later requests return BRSKI_ERR_IO.
 */
BRSKI_MUST_USE brski_err brski_coap_client_request(brski_coap_client *c, brski_method method,
                                                   const char *path, int cf, int accept,
                                                   brski_slice body, brski_coap_response *resp);

/* Closes the session (DTLS close_notify) and frees. NULL is fine. */
void brski_coap_client_free(brski_coap_client *c);

#endif
