#include "brski/err.h"

#include <stddef.h>

static const char *const err_names[BRSKI_ERR__COUNT] = {
    [BRSKI_OK] = "ok",
    [BRSKI_ERR_NOMEM] = "out of memory",
    [BRSKI_ERR_ARG] = "invalid argument",
    [BRSKI_ERR_IO] = "input/output error",
    [BRSKI_ERR_TOOBIG] = "too large",
    [BRSKI_ERR_MALFORMED] = "malformed input",
    [BRSKI_ERR_CRYPTO] = "signature or chain verification failed",
    [BRSKI_ERR_POLICY] = "rejected by policy",
    [BRSKI_ERR_UNSUPPORTED] = "unsupported",
    [BRSKI_ERR_NOTFOUND] = "not found",
    [BRSKI_ERR_AUTH] = "not authenticated",
    [BRSKI_ERR_TIMEOUT] = "timed out",
    [BRSKI_ERR_INTERNAL] = "internal error",
};

const char *brski_err_str(brski_err err)
{
    if ((unsigned)err >= (unsigned)BRSKI_ERR__COUNT || err_names[err] == NULL) {
        return "unknown error";
    }
    return err_names[err];
}

int brski_err_http(brski_err err)
{
    switch (err) {
    case BRSKI_OK:
        return 200;
    case BRSKI_ERR_ARG:
    case BRSKI_ERR_MALFORMED:
        return 400;
    case BRSKI_ERR_AUTH:
        return 401;
    case BRSKI_ERR_CRYPTO:
    case BRSKI_ERR_POLICY:
        return 403;
    case BRSKI_ERR_NOTFOUND:
        return 404;
    case BRSKI_ERR_TIMEOUT:
        return 408;
    case BRSKI_ERR_TOOBIG:
        return 413;
    case BRSKI_ERR_UNSUPPORTED:
        return 415;
    case BRSKI_ERR_IO:
    case BRSKI_ERR_NOMEM:
        return 503;
    case BRSKI_ERR_INTERNAL:
    case BRSKI_ERR__COUNT:
        break;
    }
    return 500;
}

int brski_err_coap(brski_err err)
{
    switch (err) {
    case BRSKI_OK:
        return 204;
    case BRSKI_ERR_ARG:
    case BRSKI_ERR_MALFORMED:
        return 400;
    case BRSKI_ERR_AUTH:
        return 401;
    case BRSKI_ERR_CRYPTO:
    case BRSKI_ERR_POLICY:
        return 403;
    case BRSKI_ERR_NOTFOUND:
        return 404;
    case BRSKI_ERR_TOOBIG:
        return 413;
    case BRSKI_ERR_UNSUPPORTED:
        return 415;
    case BRSKI_ERR_IO:
    case BRSKI_ERR_NOMEM:
    case BRSKI_ERR_TIMEOUT:
        return 503;
    case BRSKI_ERR_INTERNAL:
    case BRSKI_ERR__COUNT:
        break;
    }
    return 500;
}
