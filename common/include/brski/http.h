/*
 * HTTP/1.1 framing (RFC 9112) over any byte stream, on http-parser.
 *
 * The parser is incremental: bytes go in with brski_http_parser_feed() in any
 * split, one complete message comes out at a time. Limits are hard: header
 * block (request line + headers) over |max_header| gives 431, a body over the
 * route's |max_body| gives 413 and at most max_body bytes are ever buffered
 * (a declared Content-Length over the limit is refused before any body byte is
 * read). Routing (404/405/415) is decided once the headers are complete, so a
 * handler never sees a request its route did not accept.
 */
#ifndef BRSKI_HTTP_H
#define BRSKI_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "brski/buf.h"
#include "brski/err.h"

#define BRSKI_HTTP_MAX_HEADER (16u * 1024u) /* request line + all headers */
#define BRSKI_HTTP_MAX_PATH 1024u
#define BRSKI_HTTP_MAX_CTYPE 256u
#define BRSKI_HTTP_MAX_REASON 256u
#define BRSKI_HTTP_MAX_CHAIN_CERTS 8u /* TESTING.md D6: <= 8 certs per chain */

typedef enum brski_method {
    BRSKI_METHOD_OTHER = 0,
    BRSKI_METHOD_GET,
    BRSKI_METHOD_POST,
    BRSKI_METHOD_PUT,
    BRSKI_METHOD_DELETE,
    BRSKI_METHOD_HEAD,
} brski_method;

/* "GET", "POST", ...; "OTHER" for BRSKI_METHOD_OTHER. */
const char *brski_method_name(brski_method m);

/*
 * A neutral request or response. Strings are NUL-terminated and truncated to
 * their array size (the parser refuses longer paths with 414 instead).
 * |body| is owned by the message; brski_http_msg_clear() frees it.
 */
typedef struct brski_http_msg {
    brski_method method;
    char path[BRSKI_HTTP_MAX_PATH];   /* without the query string */
    char query[BRSKI_HTTP_MAX_PATH];  /* after '?', may be empty */
    char ctype[BRSKI_HTTP_MAX_CTYPE]; /* Content-Type as received/sent, "" if none */
    char accept[BRSKI_HTTP_MAX_CTYPE];
    char cte[64];                     /* Content-Transfer-Encoding (RFC 8951), "" if none */
    char location[BRSKI_HTTP_MAX_PATH];
    unsigned retry_after;             /* seconds, 0 if absent */
    brski_buf body;
    int status;                       /* response status (0 in requests) */
    char reason[BRSKI_HTTP_MAX_REASON]; /* one-line diagnostic; sent as text/plain body on errors */
    bool keep_alive;
} brski_http_msg;

/* Zeroes |m| and gives its body the cap |max_body|. */
void brski_http_msg_init(brski_http_msg *m, size_t max_body);

/* Frees the body; |m| may be reused after brski_http_msg_init(). */
void brski_http_msg_clear(brski_http_msg *m);

/* Sets status and a printf-formatted one-line reason (control characters escaped). */
void brski_http_msg_set_error(brski_http_msg *m, int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Copies |ctype| and |body| into the response |m| and sets |status|. _TOOBIG, _NOMEM. */
BRSKI_MUST_USE brski_err brski_http_msg_set_body(brski_http_msg *m, int status,
                                                 const char *ctype, brski_slice body);

/* Peer information handed to handlers. Certificates are DER, leaf first, borrowed. */
typedef struct brski_http_peer {
    char addr[64]; /* "127.0.0.1:43122" */
    size_t n_certs;
    brski_slice certs[BRSKI_HTTP_MAX_CHAIN_CERTS];
} brski_http_peer;

/*
 * A handler fills |resp| (status, ctype, body, reason). It returns BRSKI_OK
 * when |resp| is complete; any other code makes the server answer
 * brski_err_http(code) with |resp->reason| (if set) as text/plain body.
 * Handlers may run on any worker thread concurrently.
 */
typedef brski_err (*brski_http_handler)(void *ctx, const brski_http_peer *peer,
                                        const brski_http_msg *req, brski_http_msg *resp);

typedef struct brski_route {
    const char *path;            /* exact match, e.g. "/.well-known/brski/requestvoucher" */
    brski_method method;
    brski_http_handler fn;
    size_t max_body;             /* bytes; 0 means no body allowed */
    const char *const *ctypes;   /* NULL-terminated media types (no parameters); NULL: any */
    bool need_peer_cert;         /* 401 when the TLS peer presented no certificate */
} brski_route;

/*
 * Route decision for a request head: returns the route, or NULL and sets
 * |*status| to 404 (no such path), 405 (path known, method not) or 415 (media
 * type not in the route's list; parameters after ';' and case are ignored).
 */
const brski_route *brski_http_route_find(const brski_route *routes, size_t n_routes,
                                         brski_method method, const char *path,
                                         const char *ctype, int *status);

/* True when the media type in |ctype| (before any ';', case-insensitive) equals |want|. */
bool brski_http_ctype_is(const char *ctype, const char *want);

typedef enum brski_http_kind { BRSKI_HTTP_REQUEST, BRSKI_HTTP_RESPONSE } brski_http_kind;

typedef struct brski_http_parser brski_http_parser;

/*
 * Body limit callback used by a request parser once the head is complete.
 * Returns the maximum body size; or sets |*status| (404/405/415...) and
 * returns 0 to reject the request (its body, if any, is then discarded without
 * being buffered, up to |discard_max| bytes, after which the connection fails).
 */
typedef size_t (*brski_http_limit_fn)(void *ctx, const brski_http_msg *head, int *status);

typedef struct brski_http_limits {
    size_t max_header;           /* default BRSKI_HTTP_MAX_HEADER */
    size_t max_body;             /* used when |limit_fn| is NULL; default BRSKI_MAX_BODY */
    size_t discard_max;          /* default BRSKI_MAX_BODY */
    brski_http_limit_fn limit_fn;
    void *limit_ctx;
} brski_http_limits;

/* Fills |l| with the defaults above. */
void brski_http_limits_default(brski_http_limits *l);

/* Creates a parser; |limits| is copied (NULL: defaults). NULL on out of memory. */
brski_http_parser *brski_http_parser_new(brski_http_kind kind, const brski_http_limits *limits);
void brski_http_parser_free(brski_http_parser *p);

typedef enum brski_http_state {
    BRSKI_HTTP_MORE = 0,  /* need more bytes */
    BRSKI_HTTP_DONE,      /* one message complete: brski_http_parser_take() it */
    BRSKI_HTTP_REJECT,    /* complete, but refused at the head (status in the message) */
    BRSKI_HTTP_ERROR,     /* framing error: answer status, then close the connection */
} brski_http_state;

/*
 * Feeds |len| bytes. Sets |*used| to the bytes consumed: the parser stops after
 * one complete message, so with pipelining the caller keeps the rest and feeds it
 * after taking the message. On BRSKI_HTTP_ERROR |*status| is 400, 413, 414 or 431.
 */
brski_http_state brski_http_parser_feed(brski_http_parser *p, const uint8_t *data, size_t len,
                                        size_t *used, int *status);

/*
 * Signals end of stream (for responses without length). Returns DONE when that
 * completes a message, ERROR if a message was cut off, MORE when idle.
 */
brski_http_state brski_http_parser_eof(brski_http_parser *p, int *status);

/* True when bytes of a message have been seen but it is not complete. */
bool brski_http_parser_busy(const brski_http_parser *p);

/*
 * Moves the completed message into |out| (caller clears it) and rearms the
 * parser for the next message. For a REJECT, |out->status| holds the status.
 */
void brski_http_parser_take(brski_http_parser *p, brski_http_msg *out);

/*
 * True once per request when its head carried "Expect: 100-continue" and was
 * accepted (route and declared length fine): the server should send
 * "HTTP/1.1 100 Continue" before reading the body (RFC 9110 §10.1.1).
 */
bool brski_http_parser_take_continue(brski_http_parser *p);

/* Sets the request method of the next response (HEAD responses have no body). */
void brski_http_parser_expect_head(brski_http_parser *p, bool head);

/*
 * Serialises a response: status line, Content-Type, Content-Length,
 * Connection, Retry-After/Location if set, then the body. An error status
 * without body gets |reason| as text/plain body. _TOOBIG, _NOMEM.
 */
BRSKI_MUST_USE brski_err brski_http_response_encode(const brski_http_msg *resp, bool keep_alive,
                                                    bool head, brski_buf *out);

/* Serialises a request with Host |host| and Content-Length (always). */
BRSKI_MUST_USE brski_err brski_http_request_encode(const brski_http_msg *req, const char *host,
                                                   bool keep_alive, brski_buf *out);

/* Standard reason phrase for |status| ("Unknown" otherwise). */
const char *brski_http_status_text(int status);

#endif
