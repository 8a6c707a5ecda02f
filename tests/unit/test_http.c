/* Unit tests for HTTP/1.1 framing and the route table (common/http.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "brski/http.h"
#include "testutil.h"

static brski_err h_ok(void *ctx, const brski_http_peer *peer, const brski_http_msg *req,
                      brski_http_msg *resp)
{
    (void)ctx;
    (void)peer;
    (void)req;
    (void)resp;
    return BRSKI_OK;
}

static const char *const vcj[] = {"application/voucher-cms+json", NULL};
static const char *const pkcs10[] = {"application/pkcs10", NULL};

static const brski_route routes[] = {
    {"/.well-known/brski/requestvoucher", BRSKI_METHOD_POST, h_ok, 16384, vcj, false},
    {"/.well-known/est/simpleenroll", BRSKI_METHOD_POST, h_ok, 8192, pkcs10, false},
    {"/.well-known/est/cacerts", BRSKI_METHOD_GET, h_ok, 0, NULL, false},
};

static size_t limit_by_route(void *ctx, const brski_http_msg *head, int *status)
{
    const brski_route *r;
    (void)ctx;
    r = brski_http_route_find(routes, 3, head->method, head->path, head->ctype, status);
    return r != NULL ? r->max_body : 0;
}

static brski_http_parser *req_parser(void)
{
    brski_http_limits lim;
    brski_http_parser *p;

    brski_http_limits_default(&lim);
    lim.limit_fn = limit_by_route;
    p = brski_http_parser_new(BRSKI_HTTP_REQUEST, &lim);
    assert_non_null(p);
    return p;
}

/* Feeds |s| in pieces of |step| bytes until a result other than MORE. */
static brski_http_state feed_steps(brski_http_parser *p, const char *s, size_t len, size_t step,
                                   size_t *consumed, int *status)
{
    size_t off = 0;
    brski_http_state st = BRSKI_HTTP_MORE;

    while (off < len) {
        size_t n = len - off < step ? len - off : step;
        size_t used = 0;
        st = brski_http_parser_feed(p, (const uint8_t *)s + off, n, &used, status);
        off += used;
        if (st != BRSKI_HTTP_MORE) {
            break;
        }
        assert_int_equal(used, n);
    }
    *consumed = off;
    return st;
}

static void test_http_parser_content_length_body_in_any_split(void **state)
{
    static const char req[] = "POST /.well-known/brski/requestvoucher?x=1 HTTP/1.1\r\n"
                              "Host: r\r\nContent-Type: Application/Voucher-CMS+JSON; a=b\r\n"
                              "Accept: application/voucher-cms+json\r\n"
                              "Content-Length: 5\r\n\r\nhello";
    size_t step;
    (void)state;

    for (step = 1; step <= sizeof(req); step++) {
        brski_http_parser *p = req_parser();
        brski_http_msg m;
        size_t used = 0;
        int status = -1;
        assert_int_equal(feed_steps(p, req, sizeof(req) - 1, step, &used, &status),
                         BRSKI_HTTP_DONE);
        assert_int_equal(used, sizeof(req) - 1);
        brski_http_parser_take(p, &m);
        assert_int_equal(m.method, BRSKI_METHOD_POST);
        assert_string_equal(m.path, "/.well-known/brski/requestvoucher");
        assert_string_equal(m.query, "x=1");
        assert_string_equal(m.ctype, "Application/Voucher-CMS+JSON; a=b");
        assert_string_equal(m.accept, "application/voucher-cms+json");
        assert_int_equal(m.body.len, 5);
        assert_memory_equal(m.body.p, "hello", 5);
        assert_true(m.keep_alive);
        brski_http_msg_clear(&m);
        brski_http_parser_free(p);
    }
}

static void test_http_parser_chunked_body_reassembled(void **state)
{
    static const char req[] = "POST /.well-known/est/simpleenroll HTTP/1.1\r\nHost: r\r\n"
                              "Content-Type: application/pkcs10\r\n"
                              "Transfer-Encoding: chunked\r\n\r\n"
                              "4\r\nMIIB\r\n3;ext=1\r\nabc\r\n0\r\n\r\n";
    brski_http_parser *p = req_parser();
    brski_http_msg m;
    size_t used = 0;
    int status = 0;
    (void)state;

    assert_int_equal(feed_steps(p, req, sizeof(req) - 1, 3, &used, &status), BRSKI_HTTP_DONE);
    brski_http_parser_take(p, &m);
    assert_int_equal(m.body.len, 7);
    assert_memory_equal(m.body.p, "MIIBabc", 7);
    brski_http_msg_clear(&m);
    brski_http_parser_free(p);
}

static void test_http_parser_header_over_16k_gives_431(void **state)
{
    brski_buf b;
    brski_http_parser *p = req_parser();
    size_t used = 0;
    int status = 0;
    int i;
    (void)state;

    brski_buf_init(&b, 1u << 20);
    assert_int_equal(brski_buf_append_str(&b, "GET /.well-known/est/cacerts HTTP/1.1\r\n"),
                     BRSKI_OK);
    for (i = 0; i < 200; i++) {
        assert_int_equal(brski_buf_printf(&b, "X-Pad-%d: %090d\r\n", i, 0), BRSKI_OK);
    }
    assert_int_equal(brski_buf_append_str(&b, "\r\n"), BRSKI_OK);
    assert_true(b.len > 16384);
    assert_int_equal(feed_steps(p, (const char *)b.p, b.len, 1000, &used, &status),
                     BRSKI_HTTP_ERROR);
    assert_int_equal(status, 431);
    assert_true(used <= 16384 + 1000);
    brski_buf_clear(&b);
    brski_http_parser_free(p);

    /* Just under the limit passes. */
    p = req_parser();
    brski_buf_init(&b, 1u << 20);
    assert_int_equal(brski_buf_append_str(&b, "GET /.well-known/est/cacerts HTTP/1.1\r\n"),
                     BRSKI_OK);
    for (i = 0; i < 100; i++) {
        assert_int_equal(brski_buf_printf(&b, "X-Pad-%d: %090d\r\n", i, 0), BRSKI_OK);
    }
    assert_int_equal(brski_buf_append_str(&b, "\r\n"), BRSKI_OK);
    assert_int_equal(feed_steps(p, (const char *)b.p, b.len, 1000, &used, &status),
                     BRSKI_HTTP_DONE);
    brski_buf_clear(&b);
    brski_http_parser_free(p);
}

static void test_http_parser_declared_oversize_body_gives_413_before_body(void **state)
{
    static const char head[] = "POST /.well-known/est/simpleenroll HTTP/1.1\r\nHost: r\r\n"
                               "Content-Type: application/pkcs10\r\nContent-Length: 8193\r\n\r\n";
    brski_http_parser *p = req_parser();
    size_t used = 0;
    int status = 0;
    (void)state;

    /* Only the head has been sent: the refusal must not wait for the body. */
    assert_int_equal(feed_steps(p, head, sizeof(head) - 1, 7, &used, &status), BRSKI_HTTP_ERROR);
    assert_int_equal(status, 413);
    brski_http_parser_free(p);

    /* Exactly at the limit is fine. */
    {
        brski_buf b;
        brski_http_msg m;
        p = req_parser();
        brski_buf_init(&b, 1u << 16);
        assert_int_equal(brski_buf_printf(&b, "POST /.well-known/est/simpleenroll HTTP/1.1\r\n"
                                              "Content-Type: application/pkcs10\r\n"
                                              "Content-Length: 8192\r\n\r\n"),
                         BRSKI_OK);
        for (int i = 0; i < 8192; i++) {
            assert_int_equal(brski_buf_append_byte(&b, 'A'), BRSKI_OK);
        }
        assert_int_equal(feed_steps(p, (const char *)b.p, b.len, 4096, &used, &status),
                         BRSKI_HTTP_DONE);
        brski_http_parser_take(p, &m);
        assert_int_equal(m.body.len, 8192);
        assert_true(m.body.cap <= 8192 + 1);
        brski_http_msg_clear(&m);
        brski_buf_clear(&b);
        brski_http_parser_free(p);
    }
}

static void test_http_parser_chunked_oversize_gives_413_buffering_at_most_limit(void **state)
{
    brski_buf b;
    brski_http_parser *p = req_parser();
    size_t off = 0;
    int status = 0;
    brski_http_state st = BRSKI_HTTP_MORE;
    int i;
    (void)state;

    brski_buf_init(&b, 1u << 20);
    assert_int_equal(brski_buf_append_str(&b, "POST /.well-known/est/simpleenroll HTTP/1.1\r\n"
                                              "Content-Type: application/pkcs10\r\n"
                                              "Transfer-Encoding: chunked\r\n\r\n"),
                     BRSKI_OK);
    for (i = 0; i < 100; i++) {
        assert_int_equal(brski_buf_printf(&b, "400\r\n%01024d\r\n", 0), BRSKI_OK);
    }
    while (off < b.len && st == BRSKI_HTTP_MORE) {
        size_t used = 0;
        size_t n = b.len - off < 512 ? b.len - off : 512;
        st = brski_http_parser_feed(p, b.p + off, n, &used, &status);
        off += used;
    }
    assert_int_equal(st, BRSKI_HTTP_ERROR);
    assert_int_equal(status, 413);
    /* Stopped within one feed of the 8 KiB limit (plus chunk framing). */
    assert_true(off < 8192 + 512 + 200);
    brski_buf_clear(&b);
    brski_http_parser_free(p);
}

static void test_http_parser_bad_requests_give_400(void **state)
{
    static const char *const bad[] = {
        "GARBAGE\r\n\r\n",
        "GET / HTTP/9.9.9\r\n\r\n",
        "POST /x HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
        "POST /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "GET /\x01 HTTP/1.1\r\n\r\n",
        "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n",
        "GET / HTTP/1.1\r\nBad Header\r\n\r\n",
    };
    size_t i;
    (void)state;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        brski_http_parser *p = req_parser();
        size_t used = 0;
        int status = 0;
        brski_http_state st = feed_steps(p, bad[i], strlen(bad[i]), 64, &used, &status);
        if (st == BRSKI_HTTP_MORE) {
            st = brski_http_parser_eof(p, &status);
        }
        assert_int_equal(st, BRSKI_HTTP_ERROR);
        assert_int_equal(status, 400);
        brski_http_parser_free(p);
    }
}

static void test_http_parser_long_target_gives_414(void **state)
{
    char req[3000];
    brski_http_parser *p = req_parser();
    size_t used = 0;
    int status = 0;
    (void)state;

    memcpy(req, "GET /", 5);
    memset(req + 5, 'a', 2000);
    memcpy(req + 2005, " HTTP/1.1\r\n\r\n", 14);
    assert_int_equal(feed_steps(p, req, strlen(req), 100, &used, &status), BRSKI_HTTP_ERROR);
    assert_int_equal(status, 414);
    brski_http_parser_free(p);
}

static void test_http_route_table_404_405_415(void **state)
{
    int status = 0;
    const brski_route *r;
    (void)state;

    r = brski_http_route_find(routes, 3, BRSKI_METHOD_POST, "/nope", "", &status);
    assert_null(r);
    assert_int_equal(status, 404);
    r = brski_http_route_find(routes, 3, BRSKI_METHOD_GET, "/.well-known/brski/requestvoucher",
                              "", &status);
    assert_null(r);
    assert_int_equal(status, 405);
    r = brski_http_route_find(routes, 3, BRSKI_METHOD_POST, "/.well-known/brski/requestvoucher",
                              "application/json", &status);
    assert_null(r);
    assert_int_equal(status, 415);
    r = brski_http_route_find(routes, 3, BRSKI_METHOD_POST, "/.well-known/brski/requestvoucher",
                              "", &status);
    assert_null(r);
    assert_int_equal(status, 415);
    r = brski_http_route_find(routes, 3, BRSKI_METHOD_POST, "/.well-known/brski/requestvoucher",
                              " application/voucher-cms+json ;charset=x", &status);
    assert_ptr_equal(r, &routes[0]);
    assert_int_equal(status, 0);
    /* Prefix of a media type is not a match. */
    r = brski_http_route_find(routes, 3, BRSKI_METHOD_POST, "/.well-known/est/simpleenroll",
                              "application/pkcs10x", &status);
    assert_null(r);
    assert_int_equal(status, 415);
    r = brski_http_route_find(routes, 3, BRSKI_METHOD_GET, "/.well-known/est/cacerts", "x/y",
                              &status);
    assert_ptr_equal(r, &routes[2]);
}

static void test_http_parser_rejected_request_discards_body_and_keeps_framing(void **state)
{
    static const char two[] = "POST /nope HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789"
                              "GET /.well-known/est/cacerts HTTP/1.1\r\nHost: r\r\n\r\n";
    brski_http_parser *p = req_parser();
    brski_http_msg m;
    size_t used = 0, off = 0;
    int status = 0;
    (void)state;

    assert_int_equal(brski_http_parser_feed(p, (const uint8_t *)two, sizeof(two) - 1, &used,
                                            &status),
                     BRSKI_HTTP_REJECT);
    assert_int_equal(status, 404);
    brski_http_parser_take(p, &m);
    assert_int_equal(m.status, 404);
    assert_int_equal(m.body.len, 0);
    brski_http_msg_clear(&m);
    off = used;
    assert_int_equal(brski_http_parser_feed(p, (const uint8_t *)two + off, sizeof(two) - 1 - off,
                                            &used, &status),
                     BRSKI_HTTP_DONE);
    assert_int_equal(off + used, sizeof(two) - 1);
    brski_http_parser_take(p, &m);
    assert_int_equal(m.method, BRSKI_METHOD_GET);
    assert_string_equal(m.path, "/.well-known/est/cacerts");
    brski_http_msg_clear(&m);
    brski_http_parser_free(p);
}

static void test_http_parser_pipelined_keepalive_requests_one_at_a_time(void **state)
{
    static const char three[] =
        "POST /.well-known/est/simpleenroll HTTP/1.1\r\nContent-Type: application/pkcs10\r\n"
        "Content-Length: 3\r\n\r\nAAA"
        "GET /.well-known/est/cacerts HTTP/1.1\r\n\r\n"
        "GET /.well-known/est/cacerts HTTP/1.1\r\nConnection: close\r\n\r\n";
    const char *paths[3] = {"/.well-known/est/simpleenroll", "/.well-known/est/cacerts",
                            "/.well-known/est/cacerts"};
    brski_http_parser *p = req_parser();
    size_t off = 0;
    int k;
    (void)state;

    for (k = 0; k < 3; k++) {
        brski_http_msg m;
        size_t used = 0;
        int status = 0;
        assert_int_equal(brski_http_parser_feed(p, (const uint8_t *)three + off,
                                                sizeof(three) - 1 - off, &used, &status),
                         BRSKI_HTTP_DONE);
        off += used;
        brski_http_parser_take(p, &m);
        assert_string_equal(m.path, paths[k]);
        assert_int_equal(m.keep_alive, k < 2);
        brski_http_msg_clear(&m);
    }
    assert_int_equal(off, sizeof(three) - 1);
    brski_http_parser_free(p);
}

static void test_http_response_roundtrip_through_response_parser(void **state)
{
    brski_http_msg resp, got;
    brski_buf wire;
    brski_http_parser *p;
    size_t used = 0;
    int status = 0;
    (void)state;

    brski_http_msg_init(&resp, 1024);
    assert_int_equal(brski_http_msg_set_body(&resp, 202, "application/pkcs7-mime; smime-type=certs-only",
                                             brski_slice_str("MIIC")),
                     BRSKI_OK);
    resp.retry_after = 60;
    brski_buf_init(&wire, 4096);
    assert_int_equal(brski_http_response_encode(&resp, true, false, &wire), BRSKI_OK);
    p = brski_http_parser_new(BRSKI_HTTP_RESPONSE, NULL);
    assert_int_equal(brski_http_parser_feed(p, wire.p, wire.len, &used, &status), BRSKI_HTTP_DONE);
    brski_http_parser_take(p, &got);
    assert_int_equal(got.status, 202);
    assert_int_equal(got.retry_after, 60);
    assert_true(brski_http_ctype_is(got.ctype, "application/pkcs7-mime"));
    assert_int_equal(got.body.len, 4);
    assert_string_equal(got.reason, "Accepted");
    brski_http_msg_clear(&got);
    brski_http_msg_clear(&resp);

    /* Errors carry the escaped reason as text/plain body. */
    brski_buf_reset(&wire);
    brski_http_msg_init(&resp, 0);
    brski_http_msg_set_error(&resp, 403, "serial %s refused", "A\nB");
    assert_string_equal(resp.reason, "serial A\\nB refused");
    assert_int_equal(brski_http_response_encode(&resp, false, false, &wire), BRSKI_OK);
    assert_int_equal(brski_http_parser_feed(p, wire.p, wire.len, &used, &status), BRSKI_HTTP_DONE);
    brski_http_parser_take(p, &got);
    assert_int_equal(got.status, 403);
    assert_false(got.keep_alive);
    assert_true(brski_http_ctype_is(got.ctype, "text/plain"));
    assert_int_equal(got.body.len, strlen("serial A\\nB refused"));
    brski_http_msg_clear(&got);
    brski_http_msg_clear(&resp);
    brski_http_parser_free(p);
    brski_buf_clear(&wire);
}

static void test_http_parser_response_body_over_cap_fails(void **state)
{
    static const char r[] = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
    brski_http_limits lim;
    brski_http_parser *p;
    size_t used = 0;
    int status = 0;
    (void)state;

    brski_http_limits_default(&lim);
    lim.max_body = 99;
    p = brski_http_parser_new(BRSKI_HTTP_RESPONSE, &lim);
    assert_int_equal(brski_http_parser_feed(p, (const uint8_t *)r, sizeof(r) - 1, &used, &status),
                     BRSKI_HTTP_ERROR);
    assert_int_equal(status, 413);
    brski_http_parser_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_parser_content_length_body_in_any_split),
        cmocka_unit_test(test_http_parser_chunked_body_reassembled),
        cmocka_unit_test(test_http_parser_header_over_16k_gives_431),
        cmocka_unit_test(test_http_parser_declared_oversize_body_gives_413_before_body),
        cmocka_unit_test(test_http_parser_chunked_oversize_gives_413_buffering_at_most_limit),
        cmocka_unit_test(test_http_parser_bad_requests_give_400),
        cmocka_unit_test(test_http_parser_long_target_gives_414),
        cmocka_unit_test(test_http_route_table_404_405_415),
        cmocka_unit_test(test_http_parser_rejected_request_discards_body_and_keeps_framing),
        cmocka_unit_test(test_http_parser_pipelined_keepalive_requests_one_at_a_time),
        cmocka_unit_test(test_http_response_roundtrip_through_response_parser),
        cmocka_unit_test(test_http_parser_response_body_over_cap_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
