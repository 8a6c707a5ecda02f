/*
 * brski_tls_client_new_signer (common/tls.c): a TLS client whose identity is
 * an in-memory certificate chain and an already loaded brski_signer; and
 * brski_tls_ctx_set_pin on an established provisional client. Against
 * an in-process HTTPS server on 127.0.0.1 (random port) that reports the
 * client certificate it saw. Certificates are made with `openssl req -x509`
 * in a temporary directory. Loopback only; every wait is bounded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include "brski/codec.h"
#include "brski/file.h"
#include "brski/log.h"
#include "brski/server.h"
#include "brski/signer.h"
#include "brski/tls.h"
#include "brski/x509.h"
#include "testutil.h"

static test_tls_files tf;
static test_https_server hs;
static uint16_t port;

/* Answers with the hex of the first 16 bytes of the client's leaf and the chain length. */
static brski_err h_whoami(void *ctx, const brski_http_peer *peer, const brski_http_msg *req,
                          brski_http_msg *resp)
{
    char out[80];
    size_t n = 0;
    (void)ctx;
    (void)req;
    n += (size_t)snprintf(out, sizeof(out), "certs=%zu leaf=", peer->n_certs);
    for (size_t i = 0; peer->n_certs > 0 && i < 16 && i < peer->certs[0].len; i++) {
        n += (size_t)snprintf(out + n, sizeof(out) - n, "%02x", peer->certs[0].p[i]);
    }
    return brski_http_msg_set_body(resp, 200, "text/plain", brski_slice_str(out));
}

static const brski_route routes[] = {
    {"/whoami", BRSKI_METHOD_GET, h_whoami, 0, NULL, true},
};

static int setup(void **state)
{
    (void)state;

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
    int stopped = test_https_server_stop(&hs);
    brski_tls_thread_cleanup();
    return stopped;
}

static brski_err pin_srv(void *ctx, const brski_http_peer *chain)
{
    const brski_buf *want = ctx;
    return chain->n_certs >= 1 && brski_slice_eq(chain->certs[0], brski_buf_slice(want))
               ? BRSKI_OK
               : BRSKI_ERR_CRYPTO;
}

/* GET /whoami over |ctx|; returns the request result and copies the body to |out|. */
static brski_err whoami(brski_tls_ctx *ctx, char *out, size_t cap)
{
    brski_http_client *cl = NULL;
    brski_http_msg req, resp;
    brski_err rv;

    out[0] = '\0';
    memset(&resp, 0, sizeof(resp));
    brski_http_msg_init(&req, 0);
    req.method = BRSKI_METHOD_GET;
    (void)snprintf(req.path, sizeof(req.path), "/whoami");
    rv = brski_http_client_new(ctx, "127.0.0.1", port, 5000, &cl);
    if (rv == BRSKI_OK) {
        rv = brski_http_client_request(cl, &req, 4096, &resp);
    }
    if (rv == BRSKI_OK && resp.status == 200) {
        (void)snprintf(out, cap, "%.*s", (int)resp.body.len, (const char *)resp.body.p);
    }
    brski_http_msg_clear(&resp);
    brski_http_msg_clear(&req);
    brski_http_client_free(cl);
    return rv;
}

static void test_tls_signer_client_presents_the_in_memory_identity(void **state)
{
    brski_buf cli, srvd;
    brski_signer *key = NULL;
    brski_tls_ctx *ctx = NULL;
    char body[128], want[80];
    size_t n;
    (void)state;

    brski_buf_init(&cli, BRSKI_MAX_CERT);
    brski_buf_init(&srvd, BRSKI_MAX_CERT);
    assert_int_equal(brski_file_read(tf.cli_der, &cli), BRSKI_OK);
    assert_int_equal(brski_file_read(tf.srv_der, &srvd), BRSKI_OK);
    assert_int_equal(brski_signer_load_file(tf.cli_key, &key), BRSKI_OK);
    brski_slice chain[1] = {brski_buf_slice(&cli)};

    /* Pinned to the server's certificate: the server sees our leaf, byte for byte. */
    assert_int_equal(brski_tls_client_new_signer(chain, 1, key, pin_srv, &srvd, &ctx), BRSKI_OK);
    assert_int_equal(whoami(ctx, body, sizeof(body)), BRSKI_OK);
    n = (size_t)snprintf(want, sizeof(want), "certs=1 leaf=");
    for (size_t i = 0; i < 16; i++) {
        n += (size_t)snprintf(want + n, sizeof(want) - n, "%02x", cli.p[i]);
    }
    assert_string_equal(body, want);
    brski_tls_ctx_free(ctx);
    ctx = NULL;

    /* The same identity, pinned to another certificate: refused with _AUTH. */
    assert_int_equal(brski_tls_client_new_signer(chain, 1, key, pin_srv, &cli, &ctx), BRSKI_OK);
    assert_int_equal(whoami(ctx, body, sizeof(body)), BRSKI_ERR_AUTH);
    brski_tls_ctx_free(ctx);

    brski_signer_free(key);
    brski_buf_clear(&cli);
    brski_buf_clear(&srvd);
}

/* GET /whoami on an open client; 0 on a 200 answer. */
static brski_err get_whoami(brski_http_client *cl)
{
    brski_http_msg req, resp;
    brski_err rv;
    memset(&resp, 0, sizeof(resp));
    brski_http_msg_init(&req, 0);
    req.method = BRSKI_METHOD_GET;
    (void)snprintf(req.path, sizeof(req.path), "/whoami");
    rv = brski_http_client_request(cl, &req, 4096, &resp);
    if (rv == BRSKI_OK && resp.status != 200) {
        rv = BRSKI_ERR_POLICY;
    }
    brski_http_msg_clear(&resp);
    brski_http_msg_clear(&req);
    return rv;
}

static void test_tls_set_pin_checks_later_connections_only(void **state)
{
    brski_buf cli, srvd;
    brski_tls_ctx *ctx = NULL;
    brski_http_client *cl = NULL, *cl2 = NULL;
    (void)state;

    brski_buf_init(&cli, BRSKI_MAX_CERT);
    brski_buf_init(&srvd, BRSKI_MAX_CERT);
    assert_int_equal(brski_file_read(tf.cli_der, &cli), BRSKI_OK);
    assert_int_equal(brski_file_read(tf.srv_der, &srvd), BRSKI_OK);

    /* Provisional: any server accepted; the connection stays open. */
    assert_int_equal(brski_tls_client_new(tf.cli_crt, tf.cli_key, NULL, NULL, &ctx), BRSKI_OK);
    assert_int_equal(brski_http_client_new(ctx, "127.0.0.1", port, 5000, &cl), BRSKI_OK);
    assert_int_equal(get_whoami(cl), BRSKI_OK);
    assert_int_equal(brski_http_client_connects(cl), 1);

    /* A pin that refuses this server: the open connection is not re-checked... */
    brski_tls_ctx_set_pin(ctx, pin_srv, &cli);
    assert_int_equal(get_whoami(cl), BRSKI_OK);
    assert_int_equal(brski_http_client_connects(cl), 1);
    /* ...but every new connection is. */
    assert_int_equal(brski_http_client_new(ctx, "127.0.0.1", port, 5000, &cl2), BRSKI_OK);
    assert_int_equal(get_whoami(cl2), BRSKI_ERR_AUTH);
    brski_http_client_free(cl2);
    cl2 = NULL;
    /* The right pin lets new connections through again. */
    brski_tls_ctx_set_pin(ctx, pin_srv, &srvd);
    assert_int_equal(brski_http_client_new(ctx, "127.0.0.1", port, 5000, &cl2), BRSKI_OK);
    assert_int_equal(get_whoami(cl2), BRSKI_OK);

    brski_http_client_free(cl2);
    brski_http_client_free(cl);
    brski_tls_ctx_free(ctx);
    brski_buf_clear(&cli);
    brski_buf_clear(&srvd);
}

static void test_tls_signer_refuses_wrong_key_and_missing_identity(void **state)
{
    brski_buf cli;
    brski_signer *other = NULL;
    brski_tls_ctx *ctx = NULL;
    (void)state;

    brski_buf_init(&cli, BRSKI_MAX_CERT);
    assert_int_equal(brski_file_read(tf.cli_der, &cli), BRSKI_OK);
    assert_int_equal(brski_signer_load_file(tf.oth_key, &other), BRSKI_OK);
    brski_slice chain[1] = {brski_buf_slice(&cli)};
    brski_slice junk[1] = {brski_slice_str("not a certificate")};

    /* A key that is not the leaf's. */
    assert_int_equal(brski_tls_client_new_signer(chain, 1, other, NULL, NULL, &ctx),
                     BRSKI_ERR_CRYPTO);
    assert_null(ctx);
    /* No chain, no key. */
    assert_int_equal(brski_tls_client_new_signer(chain, 0, other, NULL, NULL, &ctx),
                     BRSKI_ERR_ARG);
    assert_int_equal(brski_tls_client_new_signer(NULL, 1, other, NULL, NULL, &ctx),
                     BRSKI_ERR_ARG);
    assert_int_equal(brski_tls_client_new_signer(chain, 1, NULL, NULL, NULL, &ctx),
                     BRSKI_ERR_ARG);
    /* A leaf that is not a certificate. */
    assert_int_not_equal(brski_tls_client_new_signer(junk, 1, other, NULL, NULL, &ctx), BRSKI_OK);
    assert_null(ctx);

    brski_signer_free(other);
    brski_buf_clear(&cli);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tls_signer_client_presents_the_in_memory_identity),
        cmocka_unit_test(test_tls_signer_refuses_wrong_key_and_missing_identity),
        cmocka_unit_test(test_tls_set_pin_checks_later_connections_only),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
