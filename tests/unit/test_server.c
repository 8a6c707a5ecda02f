/*
 * In-process HTTPS server tests (common/server.c, tls.c, http.c): a real TLS
 * server on 127.0.0.1 (random port) with an echo route, exercised by our own
 * wolfSSL client and by curl and openssl s_client. Test certificates are made
 * with `openssl req -x509` in a temporary directory. Loopback only; every
 * wait is bounded.
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
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "brski/file.h"
#include "brski/log.h"
#include "brski/server.h"
#include "brski/tls.h"
#include "testutil.h"

static test_tls_files tf;
static test_https_server hs;
static uint16_t port;

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static char log_text[1 << 16];
static size_t log_len;

static void capture(void *ctx, brski_log_level level, const char *line)
{
    size_t n = strlen(line);
    (void)ctx;
    if (getenv("BRSKI_TEST_LOG") != NULL) {
        brski_log_stderr_sink(NULL, level, line);
    }
    pthread_mutex_lock(&log_mu);
    if (log_len + n + 2 < sizeof(log_text)) {
        memcpy(log_text + log_len, line, n);
        log_len += n;
        log_text[log_len++] = '\n';
        log_text[log_len] = '\0';
    }
    pthread_mutex_unlock(&log_mu);
}

static bool log_has(const char *needle)
{
    bool r;
    pthread_mutex_lock(&log_mu);
    r = strstr(log_text, needle) != NULL;
    pthread_mutex_unlock(&log_mu);
    return r;
}

/* The log line is written after the response went out: poll for it (bounded). */
static bool wait_log(const char *needle)
{
    for (int i = 0; i < 200; i++) {
        if (log_has(needle)) {
            return true;
        }
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    return false;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static brski_err h_echo(void *ctx, const brski_http_peer *peer, const brski_http_msg *req,
                        brski_http_msg *resp)
{
    (void)ctx;
    (void)peer;
    return brski_http_msg_set_body(resp, 200, req->ctype, brski_buf_slice(&req->body));
}

static brski_err h_whoami(void *ctx, const brski_http_peer *peer, const brski_http_msg *req,
                          brski_http_msg *resp)
{
    char out[64];
    (void)ctx;
    (void)req;
    (void)snprintf(out, sizeof(out), "certs=%zu leaf=%zu", peer->n_certs,
                   peer->n_certs > 0 ? peer->certs[0].len : (size_t)0);
    return brski_http_msg_set_body(resp, 200, "text/plain", brski_slice_str(out));
}

static brski_err h_fail(void *ctx, const brski_http_peer *peer, const brski_http_msg *req,
                        brski_http_msg *resp)
{
    (void)ctx;
    (void)peer;
    (void)req;
    brski_http_msg_set_error(resp, 403, "RFC 8995 5.6.1: serial mismatch");
    return BRSKI_ERR_POLICY;
}

static const char *const echo_types[] = {"text/plain", "application/octet-stream", NULL};

static const brski_route routes[] = {
    {"/echo", BRSKI_METHOD_POST, h_echo, 1024, echo_types, false},
    {"/peer", BRSKI_METHOD_GET, h_whoami, 0, NULL, false},
    {"/whoami", BRSKI_METHOD_GET, h_whoami, 0, NULL, true},
    {"/fail", BRSKI_METHOD_POST, h_fail, 1024, NULL, false},
};

/* Runs a command and returns its stdout (static buffer). */
static const char *run(const char *fmt, ...)
{
    static char out[16384];
    char cmd[2048];
    size_t n = 0;
    FILE *f;
    va_list ap;

    va_start(ap, fmt);
    (void)vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    out[0] = '\0';
    f = popen(cmd, "r");
    if (f == NULL) {
        return out;
    }
    n = fread(out, 1, sizeof(out) - 1, f);
    out[n] = '\0';
    (void)pclose(f);
    return out;
}

static int setup(void **state)
{
    (void)state;

    brski_log_set_sink(capture, NULL, BRSKI_LOG_INFO);
    if (test_tls_files_make(&tf) != 0) {
        return -1;
    }
    if (test_https_server_start(&hs, tf.srv_crt, tf.srv_key, routes,
                                sizeof(routes) / sizeof(routes[0])) != 0) {
        return -1;
    }
    port = hs.port;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    /* Clean stop through the installed SIGTERM handler. */
    int stopped = test_https_server_stop(&hs);
    brski_log_set_sink(NULL, NULL, BRSKI_LOG_NONE);
    brski_tls_thread_cleanup();
    return stopped;
}

static void post(brski_http_msg *req, const char *path, const char *ctype, const char *body)
{
    brski_http_msg_init(req, BRSKI_MAX_BODY);
    req->method = BRSKI_METHOD_POST;
    (void)snprintf(req->path, sizeof(req->path), "%s", path);
    (void)snprintf(req->ctype, sizeof(req->ctype), "%s", ctype);
    assert_int_equal(brski_buf_append_str(&req->body, body), BRSKI_OK);
}

static void test_server_wolfssl_client_roundtrip_keepalive_and_peer_chain(void **state)
{
    brski_tls_ctx *ctx = NULL;
    brski_http_client *cl = NULL;
    brski_http_msg req, resp;
    brski_http_peer peer;
    brski_buf chain, der;
    int i;
    (void)state;

    assert_int_equal(brski_tls_client_new(NULL, NULL, NULL, NULL, &ctx), BRSKI_OK);
    assert_int_equal(brski_http_client_new(ctx, "127.0.0.1", port, 5000, &cl), BRSKI_OK);
    for (i = 0; i < 5; i++) {
        char body[64];
        (void)snprintf(body, sizeof(body), "hello %d", i);
        post(&req, "/echo", "text/plain", body);
        assert_int_equal(brski_http_client_request(cl, &req, 4096, &resp), BRSKI_OK);
        assert_int_equal(resp.status, 200);
        assert_string_equal(resp.ctype, "text/plain");
        assert_int_equal(resp.body.len, strlen(body));
        assert_memory_equal(resp.body.p, body, strlen(body));
        assert_true(resp.keep_alive);
        brski_http_msg_clear(&req);
        brski_http_msg_clear(&resp);
    }
    /* Keep-alive: five requests over one connection. */
    assert_int_equal(brski_http_client_connects(cl), 1);

    /* Provisional mode kept the server chain: it is the server certificate. */
    brski_buf_init(&chain, BRSKI_MAX_CHAIN);
    brski_buf_init(&der, BRSKI_MAX_CERT);
    assert_int_equal(brski_http_client_peer(cl, &peer, &chain), BRSKI_OK);
    assert_int_equal(peer.n_certs, 1);
    assert_int_equal(brski_file_read(tf.srv_der, &der), BRSKI_OK);
    assert_true(brski_slice_eq(peer.certs[0], brski_buf_slice(&der)));
    brski_buf_clear(&chain);
    brski_buf_clear(&der);

    /* Without a client certificate, /whoami needs one: 401; /peer sees none. */
    brski_http_msg_init(&req, 0);
    req.method = BRSKI_METHOD_GET;
    (void)snprintf(req.path, sizeof(req.path), "/whoami");
    assert_int_equal(brski_http_client_request(cl, &req, 4096, &resp), BRSKI_OK);
    assert_int_equal(resp.status, 401);
    assert_non_null(strstr((const char *)resp.body.p, "client certificate required"));
    brski_http_msg_clear(&resp);
    (void)snprintf(req.path, sizeof(req.path), "/peer");
    assert_int_equal(brski_http_client_request(cl, &req, 4096, &resp), BRSKI_OK);
    assert_int_equal(resp.status, 200);
    assert_int_equal(resp.body.len, strlen("certs=0 leaf=0"));
    brski_http_msg_clear(&resp);
    brski_http_msg_clear(&req);
    brski_http_client_free(cl);
    brski_tls_ctx_free(ctx);
}

static void get_whoami(brski_http_client *cl, const char *want)
{
    brski_http_msg req, resp;

    brski_http_msg_init(&req, 0);
    req.method = BRSKI_METHOD_GET;
    (void)snprintf(req.path, sizeof(req.path), "/whoami");
    assert_int_equal(brski_http_client_request(cl, &req, 4096, &resp), BRSKI_OK);
    assert_int_equal(resp.status, 200);
    assert_int_equal(resp.body.len, strlen(want));
    assert_memory_equal(resp.body.p, want, strlen(want));
    brski_http_msg_clear(&resp);
    brski_http_msg_clear(&req);
}

/*
 * The server frees wolfSSL's handshake resources after copying the client
 * chain, drops per-request state between keep-alive requests, and a worker
 * idle for a second frees its ECC tables: later requests on the connection
 * still see the client certificate, and a new handshake after the release
 * works.
 */
static void test_server_client_chain_survives_released_handshake_and_caches(void **state)
{
    brski_tls_ctx *ctx = NULL;
    brski_http_client *cl = NULL;
    brski_buf der;
    char want[64];
    (void)state;

    brski_buf_init(&der, BRSKI_MAX_CERT);
    assert_int_equal(brski_file_read(tf.cli_der, &der), BRSKI_OK);
    (void)snprintf(want, sizeof(want), "certs=1 leaf=%zu", der.len);
    brski_buf_clear(&der);

    assert_int_equal(brski_tls_client_new(tf.cli_crt, tf.cli_key, NULL, NULL, &ctx), BRSKI_OK);
    assert_int_equal(brski_http_client_new(ctx, "127.0.0.1", port, 5000, &cl), BRSKI_OK);
    get_whoami(cl, want);
    get_whoami(cl, want);
    get_whoami(cl, want);
    assert_int_equal(brski_http_client_connects(cl), 1);

    /* Past the workers' idle release (and the 1 s idle timeout of this server). */
    nanosleep(&(struct timespec){1, 400 * 1000 * 1000}, NULL);
    get_whoami(cl, want);
    get_whoami(cl, want);
    assert_int_equal(brski_http_client_connects(cl), 2);
    brski_http_client_free(cl);
    brski_tls_ctx_free(ctx);
}

static brski_err pin_to_file(void *ctx, const brski_http_peer *chain)
{
    brski_buf der;
    brski_err rv;

    brski_buf_init(&der, BRSKI_MAX_CERT);
    rv = brski_file_read((const char *)ctx, &der);
    if (rv == BRSKI_OK) {
        rv = chain->n_certs >= 1 && brski_slice_eq(chain->certs[0], brski_buf_slice(&der))
                 ? BRSKI_OK
                 : BRSKI_ERR_CRYPTO;
    }
    brski_buf_clear(&der);
    return rv;
}

static void test_server_client_cert_and_pinned_mode(void **state)
{
    brski_tls_ctx *ctx = NULL;
    brski_http_client *cl = NULL;
    brski_http_msg req, resp;
    (void)state;

    /* Pinned to the right certificate, with a client certificate. */
    assert_int_equal(brski_tls_client_new(tf.cli_crt, tf.cli_key, pin_to_file, tf.srv_der, &ctx), BRSKI_OK);
    assert_int_equal(brski_http_client_new(ctx, "127.0.0.1", port, 5000, &cl), BRSKI_OK);
    brski_http_msg_init(&req, 0);
    req.method = BRSKI_METHOD_GET;
    (void)snprintf(req.path, sizeof(req.path), "/whoami");
    assert_int_equal(brski_http_client_request(cl, &req, 4096, &resp), BRSKI_OK);
    assert_int_equal(resp.status, 200);
    assert_int_equal(resp.body.len > 0, 1);
    assert_non_null(strstr((const char *)resp.body.p, "certs=1 leaf="));
    brski_http_msg_clear(&resp);
    brski_http_client_free(cl);
    brski_tls_ctx_free(ctx);

    /* Pinned to another certificate: the connection is refused with _AUTH. */
    assert_int_equal(brski_tls_client_new(NULL, NULL, pin_to_file, tf.cli_der, &ctx), BRSKI_OK);
    assert_int_equal(brski_http_client_new(ctx, "127.0.0.1", port, 5000, &cl), BRSKI_OK);
    assert_int_equal(brski_http_client_request(cl, &req, 4096, &resp), BRSKI_ERR_AUTH);
    brski_http_msg_clear(&resp);
    brski_http_msg_clear(&req);
    brski_http_client_free(cl);
    brski_tls_ctx_free(ctx);
}

static void test_server_status_codes_413_404_405_415_and_handler_error(void **state)
{
    brski_tls_ctx *ctx = NULL;
    brski_http_client *cl = NULL;
    brski_http_msg req, resp;
    char big[2000];
    (void)state;

    assert_int_equal(brski_tls_client_new(NULL, NULL, NULL, NULL, &ctx), BRSKI_OK);
    assert_int_equal(brski_http_client_new(ctx, "127.0.0.1", port, 5000, &cl), BRSKI_OK);

    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    post(&req, "/echo", "text/plain", big);
    assert_int_equal(brski_http_client_request(cl, &req, 4096, &resp), BRSKI_OK);
    assert_int_equal(resp.status, 413);
    assert_false(resp.keep_alive);
    brski_http_msg_clear(&req);
    brski_http_msg_clear(&resp);

    post(&req, "/nothing", "text/plain", "a");
    assert_int_equal(brski_http_client_request(cl, &req, 4096, &resp), BRSKI_OK);
    assert_int_equal(resp.status, 404);
    assert_true(resp.keep_alive); /* framing intact: connection stays usable */
    brski_http_msg_clear(&req);
    brski_http_msg_clear(&resp);

    post(&req, "/peer", "text/plain", "a");
    assert_int_equal(brski_http_client_request(cl, &req, 4096, &resp), BRSKI_OK);
    assert_int_equal(resp.status, 405);
    brski_http_msg_clear(&req);
    brski_http_msg_clear(&resp);

    post(&req, "/echo", "application/json", "{}");
    assert_int_equal(brski_http_client_request(cl, &req, 4096, &resp), BRSKI_OK);
    assert_int_equal(resp.status, 415);
    brski_http_msg_clear(&req);
    brski_http_msg_clear(&resp);

    post(&req, "/fail", "x/y", "a");
    assert_int_equal(brski_http_client_request(cl, &req, 4096, &resp), BRSKI_OK);
    assert_int_equal(resp.status, 403);
    assert_true(brski_http_ctype_is(resp.ctype, "text/plain"));
    assert_int_equal(resp.body.len, strlen("RFC 8995 5.6.1: serial mismatch"));
    brski_http_msg_clear(&req);
    brski_http_msg_clear(&resp);

    /* 413 closed the first connection; the rest went over the second. */
    assert_int_equal(brski_http_client_connects(cl), 2);
    brski_http_client_free(cl);
    brski_tls_ctx_free(ctx);

    assert_true(wait_log(" POST /echo 413 request body exceeds the limit "));
    assert_true(wait_log(" POST /nothing 404 no such resource "));
    assert_true(wait_log(" POST /fail 403 RFC 8995 5.6.1: serial mismatch "));
}

/* A raw TLS connection (blocking socket) for byte-level tests. */
static brski_tls_conn *raw_connect(brski_tls_ctx *ctx, int *fd_out)
{
    struct sockaddr_in sa;
    struct timeval tv = {5, 0};
    brski_tls_conn *c = NULL;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(brski_tls_conn_new(ctx, fd, NULL, &c), BRSKI_OK);
    assert_int_equal(brski_tls_handshake(c), BRSKI_TLS_IO_OK);
    *fd_out = fd;
    return c;
}

static void write_all(brski_tls_conn *c, const char *s, size_t len)
{
    size_t off = 0;
    while (off < len) {
        size_t n = 0;
        assert_int_equal(brski_tls_write(c, (const uint8_t *)s + off, len - off, &n),
                         BRSKI_TLS_IO_OK);
        off += n;
    }
}

static void test_server_slow_sender_closed_after_timeout(void **state)
{
    brski_tls_ctx *ctx = NULL;
    brski_tls_conn *c;
    brski_server_stats before, after;
    uint8_t b[256];
    size_t n = 0;
    int fd;
    int64_t t0, dt;
    brski_tls_io io;
    (void)state;

    brski_server_get_stats(hs.srv, &before);
    assert_int_equal(brski_tls_client_new(NULL, NULL, NULL, NULL, &ctx), BRSKI_OK);
    t0 = mono_ms();
    c = raw_connect(ctx, &fd);
    /* Slowloris: a byte now and then never extends the 1 s request deadline. */
    write_all(c, "POST /echo HTTP/1.1\r\n", 21);
    for (int i = 0; i < 3; i++) {
        nanosleep(&(struct timespec){0, 300 * 1000 * 1000}, NULL);
        io = brski_tls_write(c, (const uint8_t *)"X", 1, &n);
        if (io != BRSKI_TLS_IO_OK) {
            break;
        }
    }
    io = brski_tls_read(c, b, sizeof(b), &n);
    dt = mono_ms() - t0;
    assert_true(io == BRSKI_TLS_IO_CLOSED || io == BRSKI_TLS_IO_ERROR);
    assert_true(dt >= 900);
    assert_true(dt < 2500);
    brski_server_get_stats(hs.srv, &after);
    assert_true(after.timeouts >= before.timeouts + 1);
    brski_tls_conn_free(c);
    close(fd);
    brski_tls_ctx_free(ctx);
}

static void test_server_pipelined_requests_over_tls(void **state)
{
    static const char two[] = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                              "Content-Length: 3\r\n\r\nonePOST /echo HTTP/1.1\r\nHost: x\r\n"
                              "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "3\r\ntwo\r\n0\r\n\r\n";
    brski_tls_ctx *ctx = NULL;
    brski_tls_conn *c;
    brski_http_parser *p = brski_http_parser_new(BRSKI_HTTP_RESPONSE, NULL);
    const char *want[2] = {"one", "two"};
    uint8_t b[4096];
    size_t have = 0;
    int fd, got = 0;
    (void)state;

    assert_int_equal(brski_tls_client_new(NULL, NULL, NULL, NULL, &ctx), BRSKI_OK);
    c = raw_connect(ctx, &fd);
    write_all(c, two, sizeof(two) - 1);
    while (got < 2) {
        size_t n = 0, used = 0;
        int status = 0;
        brski_http_state st;
        if (have == 0) {
            assert_int_equal(brski_tls_read(c, b, sizeof(b), &n), BRSKI_TLS_IO_OK);
            have = n;
        }
        st = brski_http_parser_feed(p, b, have, &used, &status);
        memmove(b, b + used, have - used);
        have -= used;
        if (st == BRSKI_HTTP_DONE) {
            brski_http_msg m;
            brski_http_parser_take(p, &m);
            assert_int_equal(m.status, 200);
            assert_int_equal(m.body.len, 3);
            assert_memory_equal(m.body.p, want[got], 3);
            brski_http_msg_clear(&m);
            got++;
        } else {
            assert_int_equal(st, BRSKI_HTTP_MORE);
        }
    }
    brski_http_parser_free(p);
    brski_tls_conn_free(c);
    close(fd);
    brski_tls_ctx_free(ctx);
}

static void test_server_curl_with_and_without_client_cert(void **state)
{
    const char *out;
    (void)state;

    out = run("curl -sk --max-time 10 -w ' %%{http_code}' --cert %s --key %s "
              "https://127.0.0.1:%u/whoami",
              tf.cli_crt, tf.cli_key, (unsigned)port);
    assert_non_null(strstr(out, "certs=1 leaf="));
    assert_non_null(strstr(out, " 200"));
    out = run("curl -sk --max-time 10 -w ' %%{http_code}' https://127.0.0.1:%u/whoami",
              (unsigned)port);
    assert_non_null(strstr(out, " 401"));
    out = run("curl -sk --max-time 10 -w ' %%{http_code}' -H 'Content-Type: text/plain' "
              "--data-binary 'voucher bytes' https://127.0.0.1:%u/echo",
              (unsigned)port);
    assert_string_equal(out, "voucher bytes 200");
    out = run("head -c 5000 /dev/zero | curl -sk --max-time 10 -o /dev/null -w '%%{http_code}' "
              "-H 'Content-Type: application/octet-stream' --data-binary @- "
              "https://127.0.0.1:%u/echo",
              (unsigned)port);
    assert_string_equal(out, "413");
    /* Expect: 100-continue is answered at once (curl would otherwise wait 1 s). */
    out = run("head -c 1000 /dev/zero | tr '\\0' a | curl -sk --max-time 10 -o /dev/null "
              "-w '%%{http_code} %%{time_total}' -H 'Expect: 100-continue' "
              "-H 'Content-Type: text/plain' --data-binary @- https://127.0.0.1:%u/echo",
              (unsigned)port);
    assert_true(strncmp(out, "200 0.", 6) == 0);
    assert_true(strtod(out + 4, NULL) < 0.9);
    /* Chunked upload from curl, below the limit. */
    out = run("printf abc | curl -sk --max-time 10 -w ' %%{http_code}' -H 'Content-Type: text/plain' "
              "-H 'Transfer-Encoding: chunked' --data-binary @- https://127.0.0.1:%u/echo",
              (unsigned)port);
    assert_string_equal(out, "abc 200");
}

static void test_server_openssl_s_client_tls12_and_tls13(void **state)
{
    const char *vers[2] = {"-tls1_2", "-tls1_3"};
    const char *names[2] = {"TLSv1.2", "TLSv1.3"};
    (void)state;

    for (int i = 0; i < 2; i++) {
        const char *out = run("printf 'GET /peer HTTP/1.1\\r\\nHost: x\\r\\nConnection: close"
                              "\\r\\n\\r\\n' | timeout 10 openssl s_client -connect 127.0.0.1:%u "
                              "%s -cert %s -key %s -ign_eof 2>&1",
                              (unsigned)port, vers[i], tf.cli_crt, tf.cli_key);
        assert_non_null(strstr(out, names[i]));
        assert_non_null(strstr(out, "HTTP/1.1 200 OK"));
        assert_non_null(strstr(out, "certs=1 leaf="));
    }
}

typedef struct {
    int ok;
} par_result;

static uint16_t par_port;

static void *parallel_client(void *arg)
{
    par_result *r = arg;
    brski_tls_ctx *ctx = NULL;
    brski_http_client *cl = NULL;

    if (brski_tls_client_new(NULL, NULL, NULL, NULL, &ctx) != BRSKI_OK ||
        brski_http_client_new(ctx, "127.0.0.1", par_port, 10000, &cl) != BRSKI_OK) {
        brski_tls_ctx_free(ctx);
        return NULL;
    }
    for (int i = 0; i < 10; i++) {
        brski_http_msg req, resp;
        brski_http_msg_init(&req, 64);
        req.method = BRSKI_METHOD_POST;
        (void)snprintf(req.path, sizeof(req.path), "/echo");
        (void)snprintf(req.ctype, sizeof(req.ctype), "text/plain");
        brski_err rv = brski_buf_append_str(&req.body, "ping");
        if (rv == BRSKI_OK) {
            rv = brski_http_client_request(cl, &req, 64, &resp);
        }
        if (rv == BRSKI_OK && resp.status == 200 && resp.body.len == 4) {
            r->ok++;
        } else {
            brski_log(BRSKI_LOG_WARN, "parallel client %d: %s status %d", i, brski_err_str(rv),
                      rv == BRSKI_OK ? resp.status : 0);
        }
        brski_http_msg_clear(&req);
        brski_http_msg_clear(&resp);
    }
    brski_http_client_free(cl);
    brski_tls_ctx_free(ctx);
    brski_tls_thread_cleanup();
    return NULL;
}

static brski_server *par_srv;

static void *serve_par(void *arg)
{
    (void)arg;
    if (brski_server_run(par_srv) != BRSKI_OK) {
        return par_srv;
    }
    return NULL;
}

/*
 * A second server with the default 15 s read timeout: 20 simultaneous
 * handshakes under sanitizers on a loaded 2-core machine may take longer than
 * the 1 s used above for the slow-sender test.
 */
static void test_server_serves_20_clients_concurrently(void **state)
{
    pthread_t t[20], st;
    par_result r[20];
    brski_server_config cfg;
    brski_server_stats stats;
    void *srv_res = &cfg;
    int total = 0;
    (void)state;

    brski_server_config_default(&cfg);
    cfg.tls = hs.tls;
    cfg.routes = routes;
    cfg.n_routes = sizeof(routes) / sizeof(routes[0]);
    assert_int_equal(brski_server_new(&cfg, &par_srv), BRSKI_OK);
    par_port = brski_server_port(par_srv);
    assert_int_equal(pthread_create(&st, NULL, serve_par, NULL), 0);

    for (int i = 0; i < 20; i++) {
        r[i].ok = 0;
        assert_int_equal(pthread_create(&t[i], NULL, parallel_client, &r[i]), 0);
    }
    for (int i = 0; i < 20; i++) {
        pthread_join(t[i], NULL);
        total += r[i].ok;
    }
    brski_server_stop(par_srv);
    pthread_join(st, &srv_res);
    assert_null(srv_res);
    brski_server_get_stats(par_srv, &stats);
    brski_server_free(par_srv);
    assert_int_equal(total, 200);
    assert_int_equal(stats.requests, 200);
    assert_int_equal(stats.accepted, 20);
    assert_int_equal(stats.timeouts, 0);
}

static void test_server_tls_refuses_key_readable_by_others(void **state)
{
    brski_tls_ctx *ctx = NULL;
    char loose[300];
    (void)state;

    (void)snprintf(loose, sizeof(loose), "%s/loose.key", tf.dir);
    assert_int_equal(test_sh("cp %s %s && chmod 0644 %s", tf.srv_key, loose, loose), 0);
    assert_int_equal(brski_tls_server_new(tf.srv_crt, loose, BRSKI_TLS_CLIENT_CERT_NONE, &ctx),
                     BRSKI_ERR_POLICY);
    assert_null(ctx);
    /* A key that does not belong to the certificate. */
    assert_int_equal(brski_tls_server_new(tf.srv_crt, tf.cli_key, BRSKI_TLS_CLIENT_CERT_NONE, &ctx),
                     BRSKI_ERR_CRYPTO);
    assert_null(ctx);
}

/* --- connection pool (the registrar's connections to MASAs) --- */

typedef struct {
    brski_http_pool *pool;
    int ok;
} pool_job;

static void *pool_client(void *arg)
{
    pool_job *j = arg;

    for (int i = 0; i < 5; i++) {
        brski_http_msg req, resp;
        brski_http_msg_init(&req, 0);
        req.method = BRSKI_METHOD_GET;
        (void)snprintf(req.path, sizeof(req.path), "/whoami");
        brski_err rv = brski_http_pool_request(j->pool, "127.0.0.1", port, &req, 4096, &resp);
        /* The client certificate travels on every pooled connection. */
        if (rv == BRSKI_OK && resp.status == 200 && resp.body.len > 0 &&
            strstr((const char *)resp.body.p, "certs=1 leaf=") != NULL) {
            j->ok++;
        }
        brski_http_msg_clear(&req);
        brski_http_msg_clear(&resp);
    }
    brski_tls_thread_cleanup();
    return NULL;
}

static void test_server_pool_reuses_connections_from_threads_and_pins_each(void **state)
{
    brski_tls_ctx *ctx = NULL;
    brski_http_pool *pool = NULL;
    pthread_t t[4];
    pool_job j[4];
    brski_http_msg req, resp;
    char other[300];
    int total = 0;
    (void)state;

    assert_int_equal(brski_tls_client_new(tf.cli_crt, tf.cli_key, pin_to_file, tf.srv_der, &ctx), BRSKI_OK);
    assert_int_equal(brski_http_pool_new(ctx, 5000, 8, 60000, &pool), BRSKI_OK);
    for (int i = 0; i < 4; i++) {
        j[i].pool = pool;
        j[i].ok = 0;
        assert_int_equal(pthread_create(&t[i], NULL, pool_client, &j[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        total += j[i].ok;
    }
    assert_int_equal(total, 20);
    /* 20 requests, at most one connection per concurrent thread. */
    assert_true(brski_http_pool_connects(pool) >= 1);
    assert_true(brski_http_pool_connects(pool) <= 4);
    brski_http_pool_free(pool);
    brski_tls_ctx_free(ctx);

    /* Pinned to another certificate: every attempt handshakes and is refused. */
    (void)snprintf(other, sizeof(other), "%s/cli-pool.der", tf.dir);
    assert_int_equal(test_sh("openssl x509 -in %s -outform DER -out %s", tf.cli_crt, other), 0);
    assert_int_equal(brski_tls_client_new(NULL, NULL, pin_to_file, other, &ctx), BRSKI_OK);
    assert_int_equal(brski_http_pool_new(ctx, 5000, 8, 60000, &pool), BRSKI_OK);
    brski_http_msg_init(&req, 0);
    req.method = BRSKI_METHOD_GET;
    (void)snprintf(req.path, sizeof(req.path), "/peer");
    for (int i = 0; i < 2; i++) {
        assert_int_equal(brski_http_pool_request(pool, "127.0.0.1", port, &req, 4096, &resp),
                         BRSKI_ERR_AUTH);
        brski_http_msg_clear(&resp);
    }
    assert_int_equal(brski_http_pool_connects(pool), 2);
    brski_http_msg_clear(&req);
    brski_http_pool_free(pool);
    brski_tls_ctx_free(ctx);
}

static void pool_get_peer(brski_http_pool *pool)
{
    brski_http_msg req, resp;

    brski_http_msg_init(&req, 0);
    req.method = BRSKI_METHOD_GET;
    (void)snprintf(req.path, sizeof(req.path), "/peer");
    assert_int_equal(brski_http_pool_request(pool, "127.0.0.1", port, &req, 4096, &resp),
                     BRSKI_OK);
    assert_int_equal(resp.status, 200);
    assert_int_equal(resp.body.len, strlen("certs=0 leaf=0"));
    brski_http_msg_clear(&resp);
    brski_http_msg_clear(&req);
}

static void test_server_pool_replaces_closed_and_stale_connections(void **state)
{
    brski_tls_ctx *ctx = NULL;
    brski_http_pool *pool = NULL;
    brski_server_stats before, now;
    (void)state;

    assert_int_equal(brski_tls_client_new(NULL, NULL, NULL, NULL, &ctx), BRSKI_OK);
    /* The server closes idle connections after 1 s: the pool reconnects once. */
    assert_int_equal(brski_http_pool_new(ctx, 5000, 8, 60000, &pool), BRSKI_OK);
    brski_server_get_stats(hs.srv, &before);
    pool_get_peer(pool);
    pool_get_peer(pool);
    assert_int_equal(brski_http_pool_connects(pool), 1);
    for (int i = 0; i < 100; i++) {
        brski_server_get_stats(hs.srv, &now);
        if (now.timeouts > before.timeouts) {
            break;
        }
        nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
    }
    assert_true(now.timeouts > before.timeouts);
    pool_get_peer(pool);
    assert_int_equal(brski_http_pool_connects(pool), 2);
    brski_http_pool_free(pool);

    /* Idle longer than max_idle_ms: closed by the pool instead of reused. */
    assert_int_equal(brski_http_pool_new(ctx, 5000, 8, 50, &pool), BRSKI_OK);
    pool_get_peer(pool);
    nanosleep(&(struct timespec){0, 200 * 1000 * 1000}, NULL);
    pool_get_peer(pool);
    assert_int_equal(brski_http_pool_connects(pool), 2);
    brski_http_pool_free(pool);

    /* max_idle 0: nothing is kept. */
    assert_int_equal(brski_http_pool_new(ctx, 5000, 0, 60000, &pool), BRSKI_OK);
    pool_get_peer(pool);
    pool_get_peer(pool);
    assert_int_equal(brski_http_pool_connects(pool), 2);
    brski_http_pool_free(pool);
    brski_tls_ctx_free(ctx);
}

/*
 * Key exchange: our client offers an X25519 key share first; a server
 * without X25519 gets P-256 after a HelloRetryRequest; our server takes a
 * P-256 share as sent (no retry forced on clients that prefer P-256).
 */
static void test_server_key_exchange_groups(void **state)
{
    brski_tls_ctx *ctx = NULL;
    brski_tls_conn *c;
    brski_http_client *cl = NULL;
    brski_http_msg req, resp;
    char log_path[300], line[256];
    unsigned sport = 0;
    FILE *f;
    int fd;
    (void)state;

    assert_int_equal(brski_tls_client_new(NULL, NULL, NULL, NULL, &ctx), BRSKI_OK);
    c = raw_connect(ctx, &fd);
    assert_string_equal(brski_tls_group(c), "X25519");
    assert_string_equal(brski_tls_version(c), "TLSv1.3");
    brski_tls_conn_free(c);
    close(fd);

    /* openssl s_client offering only P-256: served without a retry. */
    const char *out = run("printf 'GET /peer HTTP/1.1\\r\\nHost: x\\r\\nConnection: close"
                          "\\r\\n\\r\\n' | timeout 10 openssl s_client -connect 127.0.0.1:%u "
                          "-tls1_3 -groups P-256 -ign_eof 2>&1",
                          (unsigned)port);
    assert_non_null(strstr(out, "HTTP/1.1 200 OK"));
    assert_non_null(strstr(out, "prime256v1"));

    /* A server with P-256 only (openssl s_server on a free port). */
    (void)snprintf(log_path, sizeof(log_path), "%s/s_server.out", tf.dir);
    assert_int_equal(test_sh("(timeout 20 openssl s_server -accept 127.0.0.1:0 -cert %s -key %s "
                        "-groups P-256 -naccept 1 -www >%s 2>&1 &)",
                        tf.srv_crt, tf.srv_key, log_path),
                     0);
    for (int i = 0; i < 100 && sport == 0; i++) {
        f = fopen(log_path, "r");
        while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
            (void)sscanf(line, "ACCEPT 127.0.0.1:%u", &sport);
        }
        if (f != NULL) {
            fclose(f);
        }
        if (sport == 0) {
            nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
        }
    }
    assert_true(sport > 0 && sport < 65536);
    assert_int_equal(brski_http_client_new(ctx, "127.0.0.1", (uint16_t)sport, 5000, &cl),
                     BRSKI_OK);
    brski_http_msg_init(&req, 0);
    req.method = BRSKI_METHOD_GET;
    (void)snprintf(req.path, sizeof(req.path), "/");
    assert_int_equal(brski_http_client_request(cl, &req, 1 << 16, &resp), BRSKI_OK);
    /* The page echoes the server's command line: this was the P-256-only server. */
    assert_int_equal(resp.status, 200);
    assert_true(resp.body.len > 0);
    assert_non_null(strstr((const char *)resp.body.p, "-groups P-256"));
    brski_http_msg_clear(&resp);
    brski_http_msg_clear(&req);
    brski_http_client_free(cl);
    brski_tls_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_wolfssl_client_roundtrip_keepalive_and_peer_chain),
        cmocka_unit_test(test_server_client_cert_and_pinned_mode),
        cmocka_unit_test(test_server_client_chain_survives_released_handshake_and_caches),
        cmocka_unit_test(test_server_status_codes_413_404_405_415_and_handler_error),
        cmocka_unit_test(test_server_slow_sender_closed_after_timeout),
        cmocka_unit_test(test_server_pipelined_requests_over_tls),
        cmocka_unit_test(test_server_curl_with_and_without_client_cert),
        cmocka_unit_test(test_server_openssl_s_client_tls12_and_tls13),
        cmocka_unit_test(test_server_serves_20_clients_concurrently),
        cmocka_unit_test(test_server_tls_refuses_key_readable_by_others),
        cmocka_unit_test(test_server_pool_reuses_connections_from_threads_and_pins_each),
        cmocka_unit_test(test_server_pool_replaces_closed_and_stale_connections),
        cmocka_unit_test(test_server_key_exchange_groups),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
