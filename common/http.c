/* HTTP/1.1 framing on http-parser; see brski/http.h. */
#include "brski/http.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <http_parser.h>

#include "brski/log.h"

#define FIELD_MAX 64u
#define VALUE_MAX 1024u

struct brski_http_parser {
    http_parser hp;
    http_parser_settings settings;
    brski_http_kind kind;
    brski_http_limits limits;
    brski_http_msg msg;
    size_t head_bytes;
    size_t discarded;
    bool started;
    bool head_done;
    bool complete;
    bool discard;
    bool expect_head;
    bool expect_continue; /* the head asked for 100-continue */
    bool continue_due;    /* ... and it was accepted: not yet taken */
    int fail_status; /* set by a callback that aborts parsing */
    char field[FIELD_MAX];
    size_t field_len;
    bool field_long;
    char value[VALUE_MAX];
    size_t value_len;
    bool in_value;
};

const char *brski_method_name(brski_method m)
{
    switch (m) {
    case BRSKI_METHOD_GET:
        return "GET";
    case BRSKI_METHOD_POST:
        return "POST";
    case BRSKI_METHOD_PUT:
        return "PUT";
    case BRSKI_METHOD_DELETE:
        return "DELETE";
    case BRSKI_METHOD_HEAD:
        return "HEAD";
    case BRSKI_METHOD_OTHER:
        break;
    }
    return "OTHER";
}

const char *brski_http_status_text(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 408:
        return "Request Timeout";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        break;
    }
    return "Unknown";
}

void brski_http_msg_init(brski_http_msg *m, size_t max_body)
{
    memset(m, 0, sizeof(*m));
    brski_buf_init(&m->body, max_body);
}

void brski_http_msg_clear(brski_http_msg *m)
{
    brski_buf_clear(&m->body);
}

void brski_http_msg_set_error(brski_http_msg *m, int status, const char *fmt, ...)
{
    char raw[BRSKI_HTTP_MAX_REASON];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(raw, sizeof(raw), fmt, ap);
    va_end(ap);
    if (n < 0) {
        raw[0] = '\0';
    }
    m->status = status;
    /* The reason is sent to the peer and logged: no raw control characters. */
    (void)brski_log_escape(raw, strlen(raw), m->reason, sizeof(m->reason));
}

brski_err brski_http_msg_set_body(brski_http_msg *m, int status, const char *ctype,
                                  brski_slice body)
{
    brski_err rv;

    if (ctype != NULL && strlen(ctype) >= sizeof(m->ctype)) {
        return BRSKI_ERR_ARG;
    }
    brski_buf_reset(&m->body);
    rv = brski_buf_append(&m->body, body.p, body.len);
    if (rv != BRSKI_OK) {
        return rv;
    }
    m->status = status;
    if (ctype != NULL) {
        memcpy(m->ctype, ctype, strlen(ctype) + 1);
    } else {
        m->ctype[0] = '\0';
    }
    return BRSKI_OK;
}

bool brski_http_ctype_is(const char *ctype, const char *want)
{
    size_t n = 0;
    size_t wl = strlen(want);

    while (*ctype == ' ' || *ctype == '\t') {
        ctype++;
    }
    while (ctype[n] != '\0' && ctype[n] != ';' && ctype[n] != ' ' && ctype[n] != '\t') {
        n++;
    }
    return n == wl && strncasecmp(ctype, want, n) == 0;
}

const brski_route *brski_http_route_find(const brski_route *routes, size_t n_routes,
                                         brski_method method, const char *path,
                                         const char *ctype, int *status)
{
    const brski_route *found = NULL;
    bool path_known = false;
    size_t i;

    for (i = 0; i < n_routes; i++) {
        if (strcmp(routes[i].path, path) != 0) {
            continue;
        }
        path_known = true;
        if (routes[i].method == method) {
            found = &routes[i];
            break;
        }
    }
    if (found == NULL) {
        *status = path_known ? 405 : 404;
        return NULL;
    }
    if (found->ctypes != NULL) {
        const char *const *t;
        for (t = found->ctypes; *t != NULL; t++) {
            if (brski_http_ctype_is(ctype, *t)) {
                break;
            }
        }
        if (*t == NULL) {
            *status = 415;
            return NULL;
        }
    }
    *status = 0;
    return found;
}

void brski_http_limits_default(brski_http_limits *l)
{
    memset(l, 0, sizeof(*l));
    l->max_header = BRSKI_HTTP_MAX_HEADER;
    l->max_body = BRSKI_MAX_BODY;
    l->discard_max = BRSKI_MAX_BODY;
}

static brski_http_parser *self_of(http_parser *hp)
{
    return (brski_http_parser *)hp->data;
}

/* Aborts parsing. -1, not 1: from on_headers_complete 1 would mean "no body". */
static int fail(brski_http_parser *p, int status)
{
    p->fail_status = status;
    return -1;
}

static int head_count(brski_http_parser *p, size_t len)
{
    p->head_bytes += len;
    if (p->head_bytes > p->limits.max_header) {
        return fail(p, 431);
    }
    return 0;
}

static void copy_trimmed(char *dst, size_t cap, const char *src, size_t len)
{
    while (len > 0 && (src[0] == ' ' || src[0] == '\t')) {
        src++;
        len--;
    }
    while (len > 0 && (src[len - 1] == ' ' || src[len - 1] == '\t')) {
        len--;
    }
    if (len >= cap) {
        len = cap - 1;
    }
    memcpy(dst, src, len);
    dst[len] = '\0';
}

static void commit_header(brski_http_parser *p)
{
    brski_http_msg *m = &p->msg;
    char tmp[32];

    if (!p->in_value || p->field_long) {
        goto out;
    }
    p->field[p->field_len] = '\0';
    if (strcasecmp(p->field, "content-type") == 0) {
        copy_trimmed(m->ctype, sizeof(m->ctype), p->value, p->value_len);
    } else if (strcasecmp(p->field, "accept") == 0) {
        copy_trimmed(m->accept, sizeof(m->accept), p->value, p->value_len);
    } else if (strcasecmp(p->field, "content-transfer-encoding") == 0) {
        copy_trimmed(m->cte, sizeof(m->cte), p->value, p->value_len);
    } else if (strcasecmp(p->field, "location") == 0) {
        copy_trimmed(m->location, sizeof(m->location), p->value, p->value_len);
    } else if (strcasecmp(p->field, "expect") == 0) {
        copy_trimmed(tmp, sizeof(tmp), p->value, p->value_len);
        p->expect_continue = strcasecmp(tmp, "100-continue") == 0;
    } else if (strcasecmp(p->field, "retry-after") == 0) {
        char *end = NULL;
        unsigned long v;
        copy_trimmed(tmp, sizeof(tmp), p->value, p->value_len);
        v = strtoul(tmp, &end, 10);
        if (end != tmp && *end == '\0' && v <= 86400u) {
            m->retry_after = (unsigned)v;
        }
    }
out:
    p->field_len = 0;
    p->field_long = false;
    p->value_len = 0;
    p->in_value = false;
}

static int on_message_begin(http_parser *hp)
{
    brski_http_parser *p = self_of(hp);
    p->started = true;
    return 0;
}

static brski_method map_method(unsigned m)
{
    switch (m) {
    case HTTP_GET:
        return BRSKI_METHOD_GET;
    case HTTP_POST:
        return BRSKI_METHOD_POST;
    case HTTP_PUT:
        return BRSKI_METHOD_PUT;
    case HTTP_DELETE:
        return BRSKI_METHOD_DELETE;
    case HTTP_HEAD:
        return BRSKI_METHOD_HEAD;
    default:
        break;
    }
    return BRSKI_METHOD_OTHER;
}

static int on_url(http_parser *hp, const char *at, size_t len)
{
    brski_http_parser *p = self_of(hp);
    brski_http_msg *m = &p->msg;
    size_t have = strlen(m->path);

    if (head_count(p, len) != 0) {
        return 1;
    }
    /* The URL may arrive in pieces; it is split at '?' once the head is complete. */
    if (have + len + 1 > BRSKI_HTTP_MAX_PATH) {
        return fail(p, 414);
    }
    memcpy(m->path + have, at, len);
    m->path[have + len] = '\0';
    m->method = map_method(hp->method); /* known here already: useful in error logs */
    return 0;
}

static int on_status(http_parser *hp, const char *at, size_t len)
{
    brski_http_parser *p = self_of(hp);
    size_t have = strlen(p->msg.reason);

    if (head_count(p, len) != 0) {
        return 1;
    }
    if (have + len >= sizeof(p->msg.reason)) {
        len = sizeof(p->msg.reason) - 1 - have;
    }
    memcpy(p->msg.reason + have, at, len);
    p->msg.reason[have + len] = '\0';
    return 0;
}

static int on_header_field(http_parser *hp, const char *at, size_t len)
{
    brski_http_parser *p = self_of(hp);

    if (head_count(p, len + 4) != 0) {
        return 1;
    }
    if (p->in_value) {
        commit_header(p);
    }
    if (p->field_len + len >= FIELD_MAX) {
        p->field_long = true;
        return 0;
    }
    memcpy(p->field + p->field_len, at, len);
    p->field_len += len;
    return 0;
}

static int on_header_value(http_parser *hp, const char *at, size_t len)
{
    brski_http_parser *p = self_of(hp);
    size_t room = VALUE_MAX - 1 - p->value_len;

    if (head_count(p, len) != 0) {
        return 1;
    }
    p->in_value = true;
    if (len > room) {
        len = room;
    }
    memcpy(p->value + p->value_len, at, len);
    p->value_len += len;
    return 0;
}

static int on_headers_complete(http_parser *hp)
{
    brski_http_parser *p = self_of(hp);
    brski_http_msg *m = &p->msg;
    char *q;
    size_t max_body = p->limits.max_body;
    int reject = 0;

    commit_header(p);
    p->head_done = true;
    q = strchr(m->path, '?');
    if (q != NULL) {
        memcpy(m->query, q + 1, strlen(q + 1) + 1);
        *q = '\0';
    }
    if (p->kind == BRSKI_HTTP_RESPONSE) {
        m->status = hp->status_code;
        if (p->expect_head || hp->status_code == 204 || hp->status_code == 304) {
            return 1; /* no body follows */
        }
    } else {
        m->method = map_method(hp->method);
        if (p->limits.limit_fn != NULL) {
            max_body = p->limits.limit_fn(p->limits.limit_ctx, m, &reject);
        }
    }
    if (reject != 0) {
        m->status = reject;
        p->discard = true;
        if ((hp->flags & F_CHUNKED) == 0 && hp->content_length != ULLONG_MAX &&
            hp->content_length > p->limits.discard_max) {
            return fail(p, 413);
        }
        return 0;
    }
    /* TESTING.md D1: refuse a declared oversize body before reading any of it. */
    if ((hp->flags & F_CHUNKED) == 0 && hp->content_length != ULLONG_MAX &&
        hp->content_length > max_body) {
        return fail(p, 413);
    }
    m->body.max = max_body;
    p->continue_due = p->expect_continue && p->kind == BRSKI_HTTP_REQUEST;
    return 0;
}

static int on_body(http_parser *hp, const char *at, size_t len)
{
    brski_http_parser *p = self_of(hp);

    if (p->discard) {
        p->discarded += len;
        if (p->discarded > p->limits.discard_max) {
            return fail(p, 413);
        }
        return 0;
    }
    if (brski_buf_append(&p->msg.body, at, len) != BRSKI_OK) {
        return fail(p, 413);
    }
    return 0;
}

static int on_message_complete(http_parser *hp)
{
    brski_http_parser *p = self_of(hp);

    p->complete = true;
    p->msg.keep_alive = http_should_keep_alive(hp) != 0;
    /* One message at a time: the caller takes it before we parse the next. */
    http_parser_pause(hp, 1);
    return 0;
}

static void rearm(brski_http_parser *p)
{
    brski_http_msg_init(&p->msg, p->limits.max_body);
    p->head_bytes = 0;
    p->discarded = 0;
    p->started = false;
    p->head_done = false;
    p->complete = false;
    p->discard = false;
    p->expect_continue = false;
    p->continue_due = false;
    p->fail_status = 0;
    p->field_len = 0;
    p->field_long = false;
    p->value_len = 0;
    p->in_value = false;
}

brski_http_parser *brski_http_parser_new(brski_http_kind kind, const brski_http_limits *limits)
{
    brski_http_parser *p = calloc(1, sizeof(*p));

    if (p == NULL) {
        return NULL;
    }
    p->kind = kind;
    if (limits != NULL) {
        p->limits = *limits;
    } else {
        brski_http_limits_default(&p->limits);
    }
    http_parser_init(&p->hp, kind == BRSKI_HTTP_REQUEST ? HTTP_REQUEST : HTTP_RESPONSE);
    p->hp.data = p;
    http_parser_settings_init(&p->settings);
    p->settings.on_message_begin = on_message_begin;
    p->settings.on_url = on_url;
    p->settings.on_status = on_status;
    p->settings.on_header_field = on_header_field;
    p->settings.on_header_value = on_header_value;
    p->settings.on_headers_complete = on_headers_complete;
    p->settings.on_body = on_body;
    p->settings.on_message_complete = on_message_complete;
    rearm(p);
    return p;
}

void brski_http_parser_free(brski_http_parser *p)
{
    if (p == NULL) {
        return;
    }
    brski_http_msg_clear(&p->msg);
    free(p);
}

void brski_http_parser_expect_head(brski_http_parser *p, bool head)
{
    p->expect_head = head;
}

bool brski_http_parser_take_continue(brski_http_parser *p)
{
    bool due = p->continue_due && !p->complete;
    p->continue_due = false;
    return due;
}

bool brski_http_parser_busy(const brski_http_parser *p)
{
    return p->started && !p->complete;
}

static brski_http_state error_state(brski_http_parser *p, int *status)
{
    enum http_errno e = HTTP_PARSER_ERRNO(&p->hp);

    if (p->fail_status != 0) {
        *status = p->fail_status;
    } else if (e == HPE_HEADER_OVERFLOW) {
        *status = 431;
    } else {
        *status = 400;
    }
    return BRSKI_HTTP_ERROR;
}

brski_http_state brski_http_parser_feed(brski_http_parser *p, const uint8_t *data, size_t len,
                                        size_t *used, int *status)
{
    size_t n;
    enum http_errno e;

    *used = 0;
    *status = 0;
    if (p->complete) {
        return p->msg.status != 0 && p->kind == BRSKI_HTTP_REQUEST ? BRSKI_HTTP_REJECT
                                                                   : BRSKI_HTTP_DONE;
    }
    if (len == 0) {
        return BRSKI_HTTP_MORE;
    }
    n = http_parser_execute(&p->hp, &p->settings, (const char *)data, len);
    *used = n;
    e = HTTP_PARSER_ERRNO(&p->hp);
    if (p->complete) {
        if (p->kind == BRSKI_HTTP_REQUEST && p->msg.status != 0) {
            *status = p->msg.status;
            return BRSKI_HTTP_REJECT;
        }
        return BRSKI_HTTP_DONE;
    }
    if (e != HPE_OK || p->fail_status != 0) {
        return error_state(p, status);
    }
    return BRSKI_HTTP_MORE;
}

brski_http_state brski_http_parser_eof(brski_http_parser *p, int *status)
{
    *status = 0;
    if (p->complete) {
        return BRSKI_HTTP_DONE;
    }
    if (!p->started) {
        return BRSKI_HTTP_MORE;
    }
    (void)http_parser_execute(&p->hp, &p->settings, NULL, 0);
    if (p->complete) {
        return BRSKI_HTTP_DONE;
    }
    if (p->fail_status == 0) {
        p->fail_status = 400;
    }
    return error_state(p, status);
}

void brski_http_parser_take(brski_http_parser *p, brski_http_msg *out)
{
    enum http_errno e = HTTP_PARSER_ERRNO(&p->hp);

    *out = p->msg;
    if (e == HPE_PAUSED) {
        http_parser_pause(&p->hp, 0);
    } else if (e != HPE_OK) {
        /* After a framing error the stream is lost; start clean for the next one. */
        http_parser_init(&p->hp, p->kind == BRSKI_HTTP_REQUEST ? HTTP_REQUEST : HTTP_RESPONSE);
        p->hp.data = p;
    }
    rearm(p);
}

brski_err brski_http_response_encode(const brski_http_msg *resp, bool keep_alive, bool head,
                                     brski_buf *out)
{
    brski_err rv;
    brski_slice body = brski_buf_slice(&resp->body);
    const char *ctype = resp->ctype;
    int status = resp->status != 0 ? resp->status : 200;

    if (body.len == 0 && status >= 400 && resp->reason[0] != '\0') {
        body = brski_slice_str(resp->reason);
        ctype = "text/plain; charset=utf-8";
    }
    rv = brski_buf_printf(out, "HTTP/1.1 %d %s\r\n", status, brski_http_status_text(status));
    if (rv == BRSKI_OK && ctype[0] != '\0') {
        rv = brski_buf_printf(out, "Content-Type: %s\r\n", ctype);
    }
    if (rv == BRSKI_OK && resp->location[0] != '\0') {
        rv = brski_buf_printf(out, "Location: %s\r\n", resp->location);
    }
    if (rv == BRSKI_OK && resp->retry_after != 0) {
        rv = brski_buf_printf(out, "Retry-After: %u\r\n", resp->retry_after);
    }
    if (rv == BRSKI_OK && resp->cte[0] != '\0') {
        rv = brski_buf_printf(out, "Content-Transfer-Encoding: %s\r\n", resp->cte);
    }
    if (rv == BRSKI_OK) {
        rv = brski_buf_printf(out, "Content-Length: %zu\r\nConnection: %s\r\n\r\n", body.len,
                              keep_alive ? "keep-alive" : "close");
    }
    if (rv == BRSKI_OK && !head) {
        rv = brski_buf_append(out, body.p, body.len);
    }
    return rv;
}

brski_err brski_http_request_encode(const brski_http_msg *req, const char *host, bool keep_alive,
                                    brski_buf *out)
{
    brski_err rv;
    brski_slice body = brski_buf_slice(&req->body);

    rv = brski_buf_printf(out, "%s %s%s%s HTTP/1.1\r\nHost: %s\r\n", brski_method_name(req->method),
                          req->path, req->query[0] != '\0' ? "?" : "", req->query, host);
    if (rv == BRSKI_OK && req->ctype[0] != '\0') {
        rv = brski_buf_printf(out, "Content-Type: %s\r\n", req->ctype);
    }
    if (rv == BRSKI_OK && req->accept[0] != '\0') {
        rv = brski_buf_printf(out, "Accept: %s\r\n", req->accept);
    }
    if (rv == BRSKI_OK && req->cte[0] != '\0') {
        rv = brski_buf_printf(out, "Content-Transfer-Encoding: %s\r\n", req->cte);
    }
    if (rv == BRSKI_OK) {
        rv = brski_buf_printf(out, "Content-Length: %zu\r\nConnection: %s\r\n\r\n", body.len,
                              keep_alive ? "keep-alive" : "close");
    }
    if (rv == BRSKI_OK) {
        rv = brski_buf_append(out, body.p, body.len);
    }
    return rv;
}
