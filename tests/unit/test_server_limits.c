/*
 * Resource limits and abuse over real sockets (TESTING.md T-DOS D1-D3, T-NEG):
 * connection cap, 431/400/413 followed by close, server still serving after
 * abuse, client certificate required at the TLS level. Plain HTTP on
 * 127.0.0.1 where TLS is not the point; every wait is bounded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "brski/log.h"
#include "brski/server.h"
#include "brski/tls.h"
#include "testutil.h"

static brski_err h_echo(void *ctx, const brski_http_peer *peer, const brski_http_msg *req,
                        brski_http_msg *resp)
{
    (void)ctx;
    (void)peer;
    return brski_http_msg_set_body(resp, 200, "application/octet-stream",
                                   brski_buf_slice(&req->body));
}

static const brski_route routes[] = {
    {"/echo", BRSKI_METHOD_POST, h_echo, 16384, NULL, false},
};

typedef struct running {
    brski_server *srv;
    pthread_t thread;
    uint16_t port;
} running;

static void *serve(void *arg)
{
    running *r = arg;
    if (brski_server_run(r->srv) != BRSKI_OK) {
        return r;
    }
    return NULL;
}

static void start(running *r, unsigned max_conns, unsigned timeout_ms, brski_tls_ctx *tls)
{
    brski_server_config cfg;

    brski_server_config_default(&cfg);
    cfg.routes = routes;
    cfg.n_routes = 1;
    cfg.max_conns = max_conns;
    cfg.read_timeout_ms = timeout_ms;
    cfg.tls = tls;
    assert_int_equal(brski_server_new(&cfg, &r->srv), BRSKI_OK);
    r->port = brski_server_port(r->srv);
    assert_int_equal(pthread_create(&r->thread, NULL, serve, r), 0);
}

static void stop(running *r, brski_server_stats *stats)
{
    void *res = r;
    brski_server_stop(r->srv);
    pthread_join(r->thread, &res);
    assert_null(res);
    if (stats != NULL) {
        brski_server_get_stats(r->srv, stats);
    }
    brski_server_free(r->srv);
}

static int dial(uint16_t port)
{
    struct sockaddr_in sa;
    struct timeval tv = {5, 0};
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    return fd;
}

static void send_all(int fd, const void *p, size_t len)
{
    const uint8_t *b = p;
    while (len > 0) {
        ssize_t n = send(fd, b, len, MSG_NOSIGNAL);
        if (n <= 0) {
            return; /* the server may close early (413/431): that is the point */
        }
        b += n;
        len -= (size_t)n;
    }
}

/* Reads until EOF (or 64 KiB); returns bytes read and whether EOF was seen. */
static size_t read_to_eof(int fd, char *out, size_t cap, bool *eof)
{
    size_t have = 0;
    *eof = false;
    while (have + 1 < cap) {
        ssize_t n = recv(fd, out + have, cap - 1 - have, 0);
        if (n == 0) {
            *eof = true;
            break;
        }
        if (n < 0) {
            break;
        }
        have += (size_t)n;
    }
    out[have] = '\0';
    return have;
}

static void expect_status_and_close(uint16_t port, const char *req, size_t len, const char *want)
{
    char buf[65536];
    bool eof = false;
    int fd = dial(port);

    send_all(fd, req, len);
    (void)read_to_eof(fd, buf, sizeof(buf), &eof);
    assert_true(eof);
    assert_true(strncmp(buf, want, strlen(want)) == 0);
    assert_non_null(strstr(buf, "Connection: close"));
    close(fd);
}

static void expect_echo_ok(uint16_t port)
{
    static const char req[] = "POST /echo HTTP/1.1\r\nContent-Length: 4\r\nConnection: close\r\n"
                              "\r\nping";
    char buf[4096];
    bool eof = false;
    int fd = dial(port);

    send_all(fd, req, sizeof(req) - 1);
    (void)read_to_eof(fd, buf, sizeof(buf), &eof);
    assert_true(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
    assert_non_null(strstr(buf, "\r\n\r\nping"));
    close(fd);
}

static void test_server_limits_connection_cap_refuses_extra(void **state)
{
    running r;
    brski_server_stats st;
    int fds[4], extra;
    char b[16];
    (void)state;

    start(&r, 4, 5000, NULL);
    for (int i = 0; i < 4; i++) {
        fds[i] = dial(r.port);
    }
    /* Make sure all four are accepted before the fifth. */
    for (int i = 0; i < 100; i++) {
        brski_server_get_stats(r.srv, &st);
        if (st.open == 4) {
            break;
        }
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    assert_int_equal(st.open, 4);
    extra = dial(r.port);
    /* The fifth is closed at once (EOF, or reset), not queued. */
    assert_true(recv(extra, b, sizeof(b), 0) <= 0);
    close(extra);
    brski_server_get_stats(r.srv, &st);
    assert_int_equal(st.refused, 1);
    /* Freeing a slot lets a new client in. */
    close(fds[0]);
    for (int i = 0; i < 100; i++) {
        brski_server_get_stats(r.srv, &st);
        if (st.open == 3) {
            break;
        }
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    expect_echo_ok(r.port);
    for (int i = 1; i < 4; i++) {
        close(fds[i]);
    }
    stop(&r, &st);
    assert_int_equal(st.refused, 1);
}

static void test_server_limits_abuse_gets_status_then_close_and_service_continues(void **state)
{
    running r;
    brski_server_stats st;
    brski_buf big;
    (void)state;

    start(&r, 64, 5000, NULL);

    /* D1: header block over 16 KiB -> 431 and close. */
    brski_buf_init(&big, 1u << 20);
    assert_int_equal(brski_buf_append_str(&big, "POST /echo HTTP/1.1\r\n"), BRSKI_OK);
    for (int i = 0; i < 300; i++) {
        assert_int_equal(brski_buf_printf(&big, "X-%d: %080d\r\n", i, 0), BRSKI_OK);
    }
    assert_int_equal(brski_buf_append_str(&big, "\r\n"), BRSKI_OK);
    expect_status_and_close(r.port, (const char *)big.p, big.len,
                            "HTTP/1.1 431 Request Header Fields Too Large\r\n");

    /* D1: declared body over the 16 KiB route limit -> 413 before the body is sent. */
    {
        static const char cl[] = "POST /echo HTTP/1.1\r\nContent-Length: 16385\r\n\r\n";
        expect_status_and_close(r.port, cl, sizeof(cl) - 1, "HTTP/1.1 413 ");
    }

    /* Chunked body growing past the limit -> 413. */
    brski_buf_reset(&big);
    assert_int_equal(brski_buf_append_str(&big, "POST /echo HTTP/1.1\r\n"
                                                "Transfer-Encoding: chunked\r\n\r\n"),
                     BRSKI_OK);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(brski_buf_printf(&big, "400\r\n%01024d\r\n", 0), BRSKI_OK);
    }
    expect_status_and_close(r.port, (const char *)big.p, big.len, "HTTP/1.1 413 ");
    brski_buf_clear(&big);

    /* Malformed framing -> 400 and close. */
    {
        static const char *const bad[] = {
            "POST /echo HTTP/1.1\r\nContent-Length: x\r\n\r\n",
            "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", /* a TLS ClientHello */
            "GET /\x7f HTTP/1.1\r\n\r\n",
            "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            expect_status_and_close(r.port, bad[i], strlen(bad[i]), "HTTP/1.1 400 Bad Request\r\n");
        }
    }

    /* Body with a wrong length in a pipeline: the second request is parsed from the rest. */
    {
        static const char two[] = "POST /echo HTTP/1.1\r\nContent-Length: 2\r\n\r\nabcd";
        expect_status_and_close(r.port, two, sizeof(two) - 1, "HTTP/1.1 200 OK\r\n");
    }

    /* After all that, normal service. */
    expect_echo_ok(r.port);
    stop(&r, &st);
    assert_int_equal(st.open, 0);
}

static void test_server_limits_many_slow_clients_do_not_block_normal_ones(void **state)
{
    running r;
    brski_server_stats st;
    int slow[30];
    int64_t t0;
    struct timespec ts;
    (void)state;

    start(&r, 256, 1000, NULL);
    for (int i = 0; i < 30; i++) {
        slow[i] = dial(r.port);
        send_all(slow[i], "POST /echo HTTP/1.1\r\nContent-Le", 31);
    }
    clock_gettime(CLOCK_MONOTONIC, &ts);
    t0 = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    for (int i = 0; i < 20; i++) {
        expect_echo_ok(r.port);
    }
    clock_gettime(CLOCK_MONOTONIC, &ts);
    /* 20 normal requests complete well before the slow ones time out. */
    assert_true((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 - t0 < 900);
    for (int i = 0; i < 30; i++) {
        char b[256];
        bool eof = false;
        (void)read_to_eof(slow[i], b, sizeof(b), &eof);
        assert_true(eof); /* closed by the 1 s deadline */
        close(slow[i]);
    }
    stop(&r, &st);
    assert_int_equal(st.timeouts, 30);
    assert_int_equal(st.requests, 20);
}

static void test_server_limits_tls_require_client_cert(void **state)
{
    char dir[256], crt[300], key[300], cmd[2048];
    brski_tls_ctx *stls = NULL, *c_no = NULL, *c_yes = NULL;
    brski_http_client *cl = NULL;
    brski_http_msg req, resp;
    running r;
    (void)state;

    (void)snprintf(dir, sizeof(dir), "%s", test_tmpdir());
    (void)snprintf(crt, sizeof(crt), "%s/s.crt", dir);
    (void)snprintf(key, sizeof(key), "%s/s.key", dir);
    (void)snprintf(cmd, sizeof(cmd),
                   "openssl req -x509 -newkey ed25519 -nodes -days 2 -subj /CN=reg "
                   "-keyout %s -out %s 2>/dev/null",
                   key, crt);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(brski_tls_server_new(crt, key, BRSKI_TLS_CLIENT_CERT_REQUIRE, &stls),
                     BRSKI_OK);
    start(&r, 16, 5000, stls);

    brski_http_msg_init(&req, 16);
    req.method = BRSKI_METHOD_POST;
    (void)snprintf(req.path, sizeof(req.path), "/echo");
    assert_int_equal(brski_buf_append_str(&req.body, "hi"), BRSKI_OK);

    /* No client certificate: the handshake itself fails. */
    assert_int_equal(brski_tls_client_new(NULL, NULL, NULL, NULL, &c_no), BRSKI_OK);
    assert_int_equal(brski_http_client_new(c_no, "127.0.0.1", r.port, 5000, &cl), BRSKI_OK);
    assert_int_not_equal(brski_http_client_request(cl, &req, 64, &resp), BRSKI_OK);
    brski_http_msg_clear(&resp);
    brski_http_client_free(cl);

    /* With one (self-signed Ed25519: accepted here, judged by policy later). */
    assert_int_equal(brski_tls_client_new(crt, key, NULL, NULL, &c_yes), BRSKI_OK);
    assert_int_equal(brski_http_client_new(c_yes, "127.0.0.1", r.port, 5000, &cl), BRSKI_OK);
    assert_int_equal(brski_http_client_request(cl, &req, 64, &resp), BRSKI_OK);
    assert_int_equal(resp.status, 200);
    assert_int_equal(resp.body.len, 2);
    brski_http_msg_clear(&resp);
    brski_http_client_free(cl);
    brski_http_msg_clear(&req);

    stop(&r, NULL);
    brski_tls_ctx_free(c_no);
    brski_tls_ctx_free(c_yes);
    brski_tls_ctx_free(stls);
    brski_tls_thread_cleanup();
}

static int holes[1024];
static size_t n_holes;

/*
 * Fills every unused fd number below the highest one in use (kept open in
 * |holes|), so that new descriptors are numbered consecutively from the
 * returned value.
 */
static int fill_fd_holes(void)
{
    int fd;

    n_holes = 0;
    for (;;) {
        int probe = fcntl(0, F_DUPFD, 0);
        assert_true(probe >= 0);
        fd = probe;
        /* Is every number above |fd| (up to a generous bound) free? */
        bool above_free = true;
        for (int k = fd + 1; k < fd + 64; k++) {
            if (fcntl(k, F_GETFD) != -1) {
                above_free = false;
                break;
            }
        }
        if (above_free) {
            close(fd);
            return fd;
        }
        assert_true(n_holes < sizeof(holes) / sizeof(holes[0]));
        holes[n_holes++] = fd;
    }
}

static void free_fd_holes(void)
{
    for (size_t i = 0; i < n_holes; i++) {
        close(holes[i]);
    }
    n_holes = 0;
}

static void test_server_limits_out_of_fds_pauses_accept_without_spinning(void **state)
{
    running r;
    struct rlimit old, lim;
    brski_server_stats st;
    int c[3];
    int budget;
    char buf[512];
    bool eof = false;
    static const char req[] = "POST /echo HTTP/1.1\r\nContent-Length: 4\r\nConnection: close\r\n"
                              "\r\nping";
    (void)state;

    start(&r, 64, 5000, NULL);
    nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    budget = fill_fd_holes();
    lim = old;
    lim.rlim_cur = (rlim_t)budget + 5; /* c0, s0, c1, s1, c2: the server's next accept fails */
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &lim), 0);
    for (int i = 0; i < 3; i++) {
        c[i] = dial(r.port);
        nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
    }
    /*
     * The loop must not spin on the readable listen socket while it cannot
     * accept: one failed accept, then a pause (CPU time is no measure on a
     * loaded machine, so count the attempts).
     */
    nanosleep(&(struct timespec){0, 300 * 1000 * 1000}, NULL);
    brski_server_get_stats(r.srv, &st);
    assert_int_equal(st.accept_failures, 1);
    /* Freeing a connection resumes accepting: the waiting client is served. */
    close(c[0]);
    send_all(c[2], req, sizeof(req) - 1);
    (void)read_to_eof(c[2], buf, sizeof(buf), &eof);
    assert_true(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
    close(c[1]);
    close(c[2]);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
    free_fd_holes();
    stop(&r, NULL);
}

static void test_server_limits_config_errors(void **state)
{
    brski_server_config cfg;
    brski_server *s = NULL;
    (void)state;

    brski_server_config_default(&cfg);
    assert_int_equal(brski_server_new(&cfg, &s), BRSKI_ERR_ARG); /* no routes */
    cfg.routes = routes;
    cfg.n_routes = 1;
    cfg.host = "not-an-address";
    assert_int_equal(brski_server_new(&cfg, &s), BRSKI_ERR_ARG);
    cfg.host = "127.0.0.1";
    cfg.workers = 0;
    assert_int_equal(brski_server_new(&cfg, &s), BRSKI_ERR_ARG);
    assert_null(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_limits_connection_cap_refuses_extra),
        cmocka_unit_test(test_server_limits_abuse_gets_status_then_close_and_service_continues),
        cmocka_unit_test(test_server_limits_many_slow_clients_do_not_block_normal_ones),
        cmocka_unit_test(test_server_limits_tls_require_client_cert),
        cmocka_unit_test(test_server_limits_out_of_fds_pauses_accept_without_spinning),
        cmocka_unit_test(test_server_limits_config_errors),
    };
    brski_log_set_sink(getenv("BRSKI_TEST_LOG") != NULL ? brski_log_stderr_sink : NULL, NULL,
                       BRSKI_LOG_INFO);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
