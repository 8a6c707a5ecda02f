/*
 * HTTPS server (non-blocking epoll loop + worker threads) and a blocking
 * HTTPS client with keep-alive reuse.
 *
 * The loop thread does the socket and TLS record I/O and request framing;
 * TLS handshake steps (each run when the socket is ready, so they never block)
 * and complete requests go to a pool of worker threads, so handshake crypto
 * and slow handlers (signing, database) do not stall other connections and
 * all cores are used. Each connection has one deadline: |read_timeout_ms| from
 * the start of a request (or from accept), not extended by trickling bytes,
 * so slow senders are closed on time (TESTING.md D2). One log line per
 * request: peer, method, path, status, reason, milliseconds.
 *
 * Framing errors (400, 413, 414, 431) are answered with "Connection: close"
 * and a staged close (write side shut, input dropped for at most 2 s / 256
 * KiB) so the client reads the answer instead of a reset. Route refusals
 * (401, 404, 405, 415) keep the connection: their body is skipped unbuffered.
 * Beyond |max_conns| a new connection is closed at once (not queued).
 */
#ifndef BRSKI_SERVER_H
#define BRSKI_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "brski/err.h"
#include "brski/http.h"
#include "brski/tls.h"

typedef struct brski_server brski_server;

typedef struct brski_server_config {
    const char *host;         /* numeric address to bind, default "127.0.0.1" */
    uint16_t port;            /* 0: any free port (see brski_server_port()) */
    unsigned workers;         /* handler threads, default 2 */
    unsigned max_conns;       /* simultaneous connections, default 256; more are closed */
    unsigned read_timeout_ms; /* per request, default 15000 */
    size_t max_header;        /* default BRSKI_HTTP_MAX_HEADER */
    brski_tls_ctx *tls;       /* server context (borrowed); NULL: plain HTTP */
    const brski_route *routes; /* borrowed, must outlive the server */
    size_t n_routes;
    void *handler_ctx;        /* passed to every handler */
} brski_server_config;

/* Fills |cfg| with the defaults above (no routes, no TLS). */
void brski_server_config_default(brski_server_config *cfg);

/*
 * Binds and listens. _ARG (bad host, no routes), _IO (bind/listen failed),
 * _NOMEM, _INTERNAL (thread creation).
 */
BRSKI_MUST_USE brski_err brski_server_new(const brski_server_config *cfg, brski_server **out);

/* The bound port (useful with port 0). */
uint16_t brski_server_port(const brski_server *srv);

/* Serves until brski_server_stop() or a signal installed below. _IO on epoll failure. */
BRSKI_MUST_USE brski_err brski_server_run(brski_server *srv);

/* Asks the loop to stop; async-signal-safe, callable from any thread. */
void brski_server_stop(brski_server *srv);

/* Makes SIGTERM and SIGINT call brski_server_stop(|srv|) (one server per process). */
BRSKI_MUST_USE brski_err brski_server_install_signals(brski_server *srv);

/* Counters for tests and status output. */
typedef struct brski_server_stats {
    uint64_t requests;  /* responses sent */
    uint64_t timeouts;  /* connections closed by the read deadline */
    uint64_t refused;   /* connections closed at accept because of max_conns */
    uint64_t accepted;
    uint64_t accept_failures; /* accept() errors (e.g. out of file descriptors) */
    unsigned open;      /* connections open now */
} brski_server_stats;
void brski_server_get_stats(brski_server *srv, brski_server_stats *out);

/* Closes every connection and frees |srv| (after run returned, or never ran). */
void brski_server_free(brski_server *srv);

/* --- client --- */

typedef struct brski_http_client brski_http_client;

/*
 * A client for one server |host|:|port| (numeric or resolvable name) over the
 * client context |tls| (borrowed; NULL: plain HTTP). |timeout_ms| bounds
 * connect, each send and each receive. _NOMEM, _ARG.
 */
BRSKI_MUST_USE brski_err brski_http_client_new(brski_tls_ctx *tls, const char *host,
                                               uint16_t port, unsigned timeout_ms,
                                               brski_http_client **out);

/*
 * Sends |req| and reads the response into |resp| (initialised here; body cap
 * |max_body|; the caller clears it). Reuses the open connection when the
 * previous response allowed keep-alive, reconnecting once if the reused
 * connection turns out closed before any response byte. _IO (connect/send/
 * receive), _TIMEOUT, _MALFORMED (bad response), _TOOBIG (body over
 * |max_body|), _AUTH (pin check refused the server), _NOMEM.
 */
BRSKI_MUST_USE brski_err brski_http_client_request(brski_http_client *cl,
                                                   const brski_http_msg *req, size_t max_body,
                                                   brski_http_msg *resp);

/*
 * Opens the connection now when none is open (TLS handshake included), so
 * that the server chain is known before the first request (RFC 8995 5.1:
 * the pledge puts the registrar's certificate into its voucher-request).
 * The next request reuses it. Errors as for brski_http_client_request.
 */
BRSKI_MUST_USE brski_err brski_http_client_connect(brski_http_client *cl);

/* Server chain of the current connection (see brski_tls_peer_chain()). _ARG if none. */
BRSKI_MUST_USE brski_err brski_http_client_peer(brski_http_client *cl, brski_http_peer *peer,
                                                brski_buf *buf);

/* Number of TCP connections opened so far (to check keep-alive reuse). */
unsigned brski_http_client_connects(const brski_http_client *cl);

void brski_http_client_free(brski_http_client *cl);

/* --- connection pool (thread-safe) --- */

typedef struct brski_http_pool brski_http_pool;

/*
 * A pool of keep-alive client connections over |tls| (borrowed; NULL: plain
 * HTTP), for a server that calls another one from several worker threads (the
 * registrar calling MASAs). At most |max_idle| idle connections are kept per
 * pool; an idle connection unused for |max_idle_ms| is closed instead of
 * reused (stay below the peer's idle timeout). Every new connection does a
 * full handshake, so the context's pin check applies to each. _NOMEM, _ARG.
 */
BRSKI_MUST_USE brski_err brski_http_pool_new(brski_tls_ctx *tls, unsigned timeout_ms,
                                             unsigned max_idle, unsigned max_idle_ms,
                                             brski_http_pool **out);

/*
 * As brski_http_client_request() towards |host|:|port|, on an idle pooled
 * connection to that server when there is one (reconnecting once when it turns
 * out closed before any response byte), else on a new one. The connection
 * goes back to the pool only after a complete response that allows keep-alive.
 */
BRSKI_MUST_USE brski_err brski_http_pool_request(brski_http_pool *pool, const char *host,
                                                 uint16_t port, const brski_http_msg *req,
                                                 size_t max_body, brski_http_msg *resp);

/* TCP connections the pool has opened so far (to check reuse). */
unsigned brski_http_pool_connects(brski_http_pool *pool);

/* Closes the idle connections and frees |pool| (no request may be running). */
void brski_http_pool_free(brski_http_pool *pool);

#endif
