/*
 * err.h - error codes shared by every libbrski module, and their mapping to
 * HTTP status codes and CoAP response codes.
 */
#ifndef BRSKI_ERR_H
#define BRSKI_ERR_H

#if defined(__GNUC__)
#define BRSKI_MUST_USE __attribute__((warn_unused_result))
#else
#define BRSKI_MUST_USE
#endif

typedef enum brski_err {
    BRSKI_OK = 0,
    BRSKI_ERR_NOMEM,       /* allocation failed */
    BRSKI_ERR_ARG,         /* caller passed an invalid argument */
    BRSKI_ERR_IO,          /* file or socket operation failed */
    BRSKI_ERR_TOOBIG,      /* input exceeds a hard limit */
    BRSKI_ERR_MALFORMED,   /* does not decode */
    BRSKI_ERR_CRYPTO,      /* signature or chain fails */
    BRSKI_ERR_POLICY,      /* valid, not acceptable */
    BRSKI_ERR_UNSUPPORTED, /* well-formed, but a feature we do not implement */
    BRSKI_ERR_NOTFOUND,    /* a looked-up item does not exist */
    BRSKI_ERR_AUTH,        /* the peer is not authenticated */
    BRSKI_ERR_TIMEOUT,     /* an operation took longer than allowed */
    BRSKI_ERR_INTERNAL,    /* a bug or an unexpected library failure */
    BRSKI_ERR__COUNT
} brski_err;

/* Short English text for |err|; never NULL (unknown codes give "unknown error"). */
const char *brski_err_str(brski_err err);

/* HTTP status code a server answers with when a request fails with |err|. */
int brski_err_http(brski_err err);

/*
 * CoAP response code for |err|, encoded as class*100+detail (4.00 -> 400,
 * 4.15 -> 415, 5.00 -> 500), the same numbering libcoap's COAP_RESPONSE_CODE
 * expects after splitting.
 */
int brski_err_coap(brski_err err);

#endif
