/*
 * wolfSSL TLS 1.3 / 1.2 contexts for servers and clients.
 *
 * Trust decisions are never wolfSSL's (DEPENDENCY-NOTES.md, "taking the
 * client certificate decision ourselves"): the server asks for a client
 * certificate, accepts whatever is presented, and the caller inspects the
 * chain with brski_tls_peer_chain() after the handshake. The client is either
 * provisional (RFC 8995 §5.1: accept any registrar certificate and keep it) or
 * pinned (a caller-provided check over the presented chain decides).
 */
#ifndef BRSKI_TLS_H
#define BRSKI_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include "brski/buf.h"
#include "brski/err.h"
#include "brski/http.h"
#include "brski/signer.h"

typedef struct brski_tls_ctx brski_tls_ctx;
typedef struct brski_tls_conn brski_tls_conn;

typedef enum brski_tls_client_auth {
    BRSKI_TLS_CLIENT_CERT_NONE = 0, /* do not ask */
    BRSKI_TLS_CLIENT_CERT_OPTIONAL, /* ask; handshake succeeds without one */
    BRSKI_TLS_CLIENT_CERT_REQUIRE,  /* VERIFY_PEER | FAIL_IF_NO_PEER_CERT */
} brski_tls_client_auth;

/*
 * Check over the server chain (DER, leaf first) in pinned client mode. Return
 * BRSKI_OK to continue; anything else aborts the connection with that code.
 */
typedef brski_err (*brski_tls_pin_fn)(void *ctx, const brski_http_peer *chain);

/*
 * Server context from a PEM certificate file (leaf first, optional chain) and
 * a PEM/DER private key file, read through brski_signer_load_file(). _IO
 * (unreadable), _POLICY (key file readable by group/others), _MALFORMED (not a
 * key), _CRYPTO (key does not match the certificate), _NOMEM, _INTERNAL.
 */
BRSKI_MUST_USE brski_err brski_tls_server_new(const char *cert_file, const char *key_file,
                                              brski_tls_client_auth auth, brski_tls_ctx **out);

/*
 * Client context; |cert_file|/|key_file| may be NULL (no client certificate).
 * With |pin| NULL the client is provisional: any server certificate is
 * accepted and its chain kept for later (brski_tls_peer_chain()).
 */
BRSKI_MUST_USE brski_err brski_tls_client_new(const char *cert_file, const char *key_file,
                                              brski_tls_pin_fn pin, void *pin_ctx,
                                              brski_tls_ctx **out);

/*
 * As brski_tls_client_new() with an identity already in memory: |chain| (DER,
 * leaf first, copied) and the loaded |key| (borrowed; wolfSSL keeps its own
 * copy), so a client that already holds its key does not read and check the
 * key file again (a pledge's IDevID, or its LDevID before it is written).
 * _ARG (no chain or key), _MALFORMED (a certificate wolfSSL refuses), _CRYPTO
 * (|key| is not the key of the leaf), _NOMEM, _INTERNAL.
 */
BRSKI_MUST_USE brski_err brski_tls_client_new_signer(const brski_slice *chain, size_t n_chain,
                                                     const brski_signer *key,
                                                     brski_tls_pin_fn pin, void *pin_ctx,
                                                     brski_tls_ctx **out);

/*
 * Sets (or with |pin| NULL clears) the pin check of a client context. It runs
 * for every connection whose handshake completes afterwards, not for those
 * already established: a provisional client that later validated its server
 * (RFC 8995 5.6.2) keeps its connection and has every reconnection checked.
 * No effect on server contexts.
 */
void brski_tls_ctx_set_pin(brski_tls_ctx *ctx, brski_tls_pin_fn pin, void *pin_ctx);

void brski_tls_ctx_free(brski_tls_ctx *ctx);

/*
 * Wraps connected socket |fd| (not owned: brski_tls_conn_free() does not close
 * it). |sni| (client only, may be NULL) is sent as server_name.
 */
BRSKI_MUST_USE brski_err brski_tls_conn_new(brski_tls_ctx *ctx, int fd, const char *sni,
                                            brski_tls_conn **out);
void brski_tls_conn_free(brski_tls_conn *c);

typedef enum brski_tls_io {
    BRSKI_TLS_IO_OK = 0,
    BRSKI_TLS_IO_WANT_READ,
    BRSKI_TLS_IO_WANT_WRITE,
    BRSKI_TLS_IO_CLOSED, /* orderly close by the peer */
    BRSKI_TLS_IO_ERROR,
} brski_tls_io;

/*
 * Advances the handshake (non-blocking sockets give WANT_*). On the client in
 * pinned mode the pin check runs when the handshake completes; failing it gives
 * ERROR and brski_tls_conn_pin_err() tells why.
 */
brski_tls_io brski_tls_handshake(brski_tls_conn *c);
brski_err brski_tls_conn_pin_err(const brski_tls_conn *c);

/* Reads up to |cap| bytes; |*n| set on OK. */
brski_tls_io brski_tls_read(brski_tls_conn *c, uint8_t *p, size_t cap, size_t *n);

/* Writes up to |len| bytes; |*n| set on OK (may be partial). */
brski_tls_io brski_tls_write(brski_tls_conn *c, const uint8_t *p, size_t len, size_t *n);

/* Sends close_notify (best effort, never blocks for long). */
void brski_tls_shutdown(brski_tls_conn *c);

/*
 * Copies the peer's presented chain (DER, leaf first, at most
 * BRSKI_HTTP_MAX_CHAIN_CERTS, each at most BRSKI_MAX_CERT) into |buf| and
 * points |peer->certs| into it. |peer->n_certs| is 0 when the peer sent none.
 * _TOOBIG when the chain exceeds the limits (TESTING.md D6), _NOMEM.
 */
BRSKI_MUST_USE brski_err brski_tls_peer_chain(brski_tls_conn *c, brski_http_peer *peer,
                                              brski_buf *buf);

/*
 * Frees what wolfSSL keeps of a completed handshake (transcript hashes,
 * ephemeral keys, key schedule inputs) on a connection that stays open, e.g.
 * an idle keep-alive one. Copy the peer chain (brski_tls_peer_chain()) first:
 * it may not be available afterwards.
 */
void brski_tls_release_handshake(brski_tls_conn *c);

/*
 * Frees this thread's wolfCrypt ECC point cache (FP_ECC keeps one per
 * thread). Call at the end of every thread that did TLS or ECC work.
 */
void brski_tls_thread_cleanup(void);

/* Negotiated version text, e.g. "TLSv1.3". */
const char *brski_tls_version(brski_tls_conn *c);

/* Key exchange group of the handshake, e.g. "X25519", "SECP256R1"; "" if none. */
const char *brski_tls_group(brski_tls_conn *c);

#endif
