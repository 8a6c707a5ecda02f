/*
 * Fuzz harness for the HTTP/1.1 framing (common/http.c). The first byte picks
 * request or response mode and the split size, so that message boundaries,
 * pipelining and callback re-entry across feeds are all exercised. Invariants
 * checked: the parser never consumes more than it was given, never buffers
 * more than the body limit, and stops at the first error.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "brski/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t small_limit(void *ctx, const brski_http_msg *head, int *status)
{
    (void)ctx;
    if (head->path[0] == '/' && head->path[1] == 'x') {
        *status = 404;
        return 0;
    }
    return 300;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    brski_http_limits lim;
    brski_http_parser *p;
    size_t off = 1, step;
    unsigned messages = 0;

    if (size < 1) {
        return 0;
    }
    brski_http_limits_default(&lim);
    lim.max_header = 2048;
    lim.max_body = 300;
    lim.discard_max = 500;
    lim.limit_fn = (data[0] & 1u) != 0 ? small_limit : NULL;
    step = (size_t)(data[0] >> 2) + 1;
    p = brski_http_parser_new((data[0] & 2u) != 0 ? BRSKI_HTTP_RESPONSE : BRSKI_HTTP_REQUEST,
                              &lim);
    if (p == NULL) {
        return 0;
    }
    while (off < size && messages < 64) {
        size_t n = size - off < step ? size - off : step;
        size_t used = 0;
        int status = 0;
        brski_http_state st = brski_http_parser_feed(p, data + off, n, &used, &status);
        if (used > n) {
            abort();
        }
        off += used;
        if (st == BRSKI_HTTP_DONE || st == BRSKI_HTTP_REJECT) {
            brski_http_msg m;
            brski_http_parser_take(p, &m);
            if (m.body.len > 300 || m.body.cap > 301) {
                abort();
            }
            brski_http_msg_clear(&m);
            messages++;
            continue;
        }
        if (st == BRSKI_HTTP_ERROR) {
            if (status != 400 && status != 413 && status != 414 && status != 431) {
                abort();
            }
            break;
        }
        if (used != n) {
            abort();
        }
    }
    if (off >= size) {
        int status = 0;
        if (brski_http_parser_eof(p, &status) == BRSKI_HTTP_DONE) {
            brski_http_msg m;
            brski_http_parser_take(p, &m);
            brski_http_msg_clear(&m);
        }
    }
    brski_http_parser_free(p);
    return 0;
}
