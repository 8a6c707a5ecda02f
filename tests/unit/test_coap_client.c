/*
 * CoAPS client tests (common/transport_coap.c, client part) against our own
 * CoAPS server in the same process on 127.0.0.1 (free UDP port): DTLS with a
 * client certificate, Block2 and Block1 (RFC 7959), Content-Format and
 * Accept, the response cap, provisional and pinned server trust, error
 * codes, and the overall timeout against a silent UDP socket. Certificates
 * are made with `openssl req -x509` in a temporary directory.
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
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "brski/coap.h"
#include "brski/file.h"
#include "brski/log.h"
#include "testutil.h"

#define BIG_LEN 3000u
#define ECHO_MAX 8192u

static test_tls_files tf;
static brski_coap_server *srv;
static uint16_t port;
static uint8_t big[BIG_LEN];

static brski_err h_big(void *ctx, const brski_http_peer *peer, const brski_http_msg *req,
                       brski_http_msg *resp)
{
    (void)ctx;
    (void)peer;
    (void)req;
    resp->status = 200;
    return brski_buf_append(&resp->body, big, sizeof(big));
}

/* Echo with the request's Content-Format and the number of client certificates first. */
static brski_err h_echo(void *ctx, const brski_http_peer *peer, const brski_http_msg *req,
                        brski_http_msg *resp)
{
    (void)ctx;
    resp->status = 200;
    brski_err rv = brski_buf_printf(&resp->body, "cf=%s certs=%zu|", req->ctype, peer->n_certs);
    if (rv == BRSKI_OK) {
        rv = brski_buf_append(&resp->body, req->body.p, req->body.len);
    }
    return rv;
}

static const brski_coap_resource resources[] = {
    {"test/big", BRSKI_METHOD_GET, BRSKI_CF_NONE, BRSKI_CF_CBOR, NULL, h_big, 0, NULL},
    {"test/echo", BRSKI_METHOD_POST, BRSKI_CF_CBOR, BRSKI_CF_CBOR, NULL, h_echo, ECHO_MAX, NULL},
};

static int setup(void **state)
{
    brski_coap_config cfg;
    (void)state;
    if (getenv("BRSKI_TEST_LOG") != NULL) {
        brski_log_set_sink(brski_log_stderr_sink, NULL, BRSKI_LOG_DEBUG);
    }
    for (size_t i = 0; i < sizeof(big); i++) {
        big[i] = (uint8_t)(i * 7u + i / 251u);
    }
    if (test_tls_files_make(&tf) != 0) {
        return -1;
    }
    memset(&cfg, 0, sizeof(cfg));
    cfg.host = "127.0.0.1";
    cfg.port = 0;
    cfg.cert_file = tf.srv_crt;
    cfg.key_file = tf.srv_key;
    cfg.resources = resources;
    cfg.n_resources = sizeof(resources) / sizeof(resources[0]);
    if (brski_coap_server_new(&cfg, &srv) != BRSKI_OK || brski_coap_server_start(srv) != BRSKI_OK) {
        return -1;
    }
    port = brski_coap_server_port(srv);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    brski_coap_server_free(srv);
    (void)test_sh("rm -rf %s", tf.dir);
    return 0;
}

static void client_config(brski_coap_client_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->host = "127.0.0.1";
    cfg->port = port;
    cfg->cert_file = tf.cli_crt;
    cfg->key_file = tf.cli_key;
    cfg->timeout_ms = 10000;
}

static brski_err pin_to_file(void *ctx, const brski_http_peer *peer)
{
    brski_buf der;
    brski_buf_init(&der, BRSKI_MAX_CERT);
    brski_err rv = brski_file_read((const char *)ctx, &der);
    if (rv == BRSKI_OK) {
        rv = peer->n_certs >= 1 && brski_slice_eq(peer->certs[0], brski_buf_slice(&der))
                 ? BRSKI_OK
                 : BRSKI_ERR_CRYPTO;
    }
    brski_buf_clear(&der);
    return rv;
}

static void test_coap_client_provisional_keeps_server_chain_and_reuses_session(void **state)
{
    brski_coap_client_config cfg;
    brski_coap_client *c = NULL;
    brski_coap_response resp;
    brski_http_peer peer;
    brski_buf der;
    (void)state;

    client_config(&cfg);
    assert_int_equal(brski_coap_client_new(&cfg, &c), BRSKI_OK);
    brski_coap_client_peer(c, &peer);
    brski_buf_init(&der, BRSKI_MAX_CERT);
    assert_int_equal(brski_file_read(tf.srv_der, &der), BRSKI_OK);
    assert_int_equal(peer.n_certs, 1);
    assert_true(brski_slice_eq(peer.certs[0], brski_buf_slice(&der)));
    brski_buf_clear(&der);

    /* Three requests over the one DTLS session. */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(brski_coap_client_request(c, BRSKI_METHOD_GET, "/test/big",
                                                   BRSKI_CF_NONE, BRSKI_CF_CBOR,
                                                   brski_slice_make(NULL, 0), &resp),
                         BRSKI_OK);
        assert_int_equal(resp.code, 205);
        assert_int_equal(resp.cf, BRSKI_CF_CBOR);
        assert_int_equal(resp.body.len, BIG_LEN);
        assert_memory_equal(resp.body.p, big, BIG_LEN);
        brski_coap_response_clear(&resp);
    }
    assert_int_equal(brski_coap_client_request(c, BRSKI_METHOD_GET, "/test/nosuch", BRSKI_CF_NONE,
                                               BRSKI_CF_NONE, brski_slice_make(NULL, 0), &resp),
                     BRSKI_OK);
    assert_int_equal(resp.code, 404);
    brski_coap_response_clear(&resp);
    /* Accept a format the resource does not produce: 4.06. */
    assert_int_equal(brski_coap_client_request(c, BRSKI_METHOD_GET, "/test/big", BRSKI_CF_NONE,
                                               BRSKI_CF_PKIX_CERT, brski_slice_make(NULL, 0),
                                               &resp),
                     BRSKI_OK);
    assert_int_equal(resp.code, 406);
    brski_coap_response_clear(&resp);
    brski_coap_client_free(c);
}

static void test_coap_client_block2_small_blocks_and_block1_post(void **state)
{
    brski_coap_client_config cfg;
    brski_coap_client *c = NULL;
    brski_coap_response resp;
    char head[64];
    (void)state;

    client_config(&cfg);
    cfg.block_size = 64;
    assert_int_equal(brski_coap_client_new(&cfg, &c), BRSKI_OK);
    assert_int_equal(brski_coap_client_request(c, BRSKI_METHOD_GET, "/test/big", BRSKI_CF_NONE,
                                               BRSKI_CF_NONE, brski_slice_make(NULL, 0), &resp),
                     BRSKI_OK);
    assert_int_equal(resp.code, 205);
    assert_int_equal(resp.body.len, BIG_LEN);
    assert_memory_equal(resp.body.p, big, BIG_LEN);
    brski_coap_response_clear(&resp);

    /* A 3000-byte POST needs Block1; the echo comes back block-wise. */
    assert_int_equal(brski_coap_client_request(c, BRSKI_METHOD_POST, "/test/echo", BRSKI_CF_CBOR,
                                               BRSKI_CF_CBOR, brski_slice_make(big, BIG_LEN),
                                               &resp),
                     BRSKI_OK);
    assert_int_equal(resp.code, 204);
    (void)snprintf(head, sizeof(head), "cf=%d certs=1|", BRSKI_CF_CBOR);
    assert_int_equal(resp.body.len, strlen(head) + BIG_LEN);
    assert_memory_equal(resp.body.p, head, strlen(head));
    assert_memory_equal(resp.body.p + strlen(head), big, BIG_LEN);
    brski_coap_response_clear(&resp);

    /* Wrong Content-Format: 4.15. */
    assert_int_equal(brski_coap_client_request(c, BRSKI_METHOD_POST, "/test/echo",
                                               BRSKI_CF_PKCS10, BRSKI_CF_NONE,
                                               brski_slice_make("x", 1), &resp),
                     BRSKI_OK);
    assert_int_equal(resp.code, 415);
    brski_coap_response_clear(&resp);
    brski_coap_client_free(c);
}

static void test_coap_client_response_cap_is_toobig(void **state)
{
    brski_coap_client_config cfg;
    brski_coap_client *c = NULL;
    brski_coap_response resp;
    (void)state;

    client_config(&cfg);
    cfg.max_response = 1000;
    cfg.block_size = 256;
    assert_int_equal(brski_coap_client_new(&cfg, &c), BRSKI_OK);
    assert_int_equal(brski_coap_client_request(c, BRSKI_METHOD_GET, "/test/big", BRSKI_CF_NONE,
                                               BRSKI_CF_NONE, brski_slice_make(NULL, 0), &resp),
                     BRSKI_ERR_TOOBIG);
    assert_true(resp.body.len <= 1000);
    brski_coap_response_clear(&resp);
    /* The session is no longer used after an error. */
    assert_int_equal(brski_coap_client_request(c, BRSKI_METHOD_GET, "/test/big", BRSKI_CF_NONE,
                                               BRSKI_CF_NONE, brski_slice_make(NULL, 0), &resp),
                     BRSKI_ERR_IO);
    brski_coap_response_clear(&resp);
    brski_coap_client_free(c);
}

static void test_coap_client_pinned_accepts_right_and_refuses_other_server(void **state)
{
    brski_coap_client_config cfg;
    brski_coap_client *c = NULL;
    brski_coap_response resp;
    (void)state;

    client_config(&cfg);
    cfg.verify = pin_to_file;
    cfg.verify_ctx = tf.srv_der;
    assert_int_equal(brski_coap_client_new(&cfg, &c), BRSKI_OK);
    assert_int_equal(brski_coap_client_request(c, BRSKI_METHOD_GET, "/test/big", BRSKI_CF_NONE,
                                               BRSKI_CF_NONE, brski_slice_make(NULL, 0), &resp),
                     BRSKI_OK);
    assert_int_equal(resp.code, 205);
    brski_coap_response_clear(&resp);
    brski_coap_client_free(c);

    uint64_t before = brski_coap_server_requests(srv);
    cfg.verify_ctx = tf.cli_der; /* pinned to another certificate */
    c = NULL;
    assert_int_equal(brski_coap_client_new(&cfg, &c), BRSKI_ERR_AUTH);
    assert_null(c);
    assert_int_equal(brski_coap_server_requests(srv), before);
}

/* The whole PEM chain goes out in the handshake, not only the leaf. */
static void test_coap_client_sends_the_certificate_chain(void **state)
{
    brski_coap_client_config cfg;
    brski_coap_client *c = NULL;
    brski_coap_response resp;
    char ca_key[300], ca_crt[300], leaf_key[300], leaf_csr[300], chain[300];
    (void)state;

    (void)snprintf(ca_key, sizeof(ca_key), "%s/ca.key", tf.dir);
    (void)snprintf(ca_crt, sizeof(ca_crt), "%s/ca.crt", tf.dir);
    (void)snprintf(leaf_key, sizeof(leaf_key), "%s/leaf.key", tf.dir);
    (void)snprintf(leaf_csr, sizeof(leaf_csr), "%s/leaf.csr", tf.dir);
    (void)snprintf(chain, sizeof(chain), "%s/chain.crt", tf.dir);
    assert_int_equal(
        test_sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
           "-subj /CN=sub-ca -keyout %s -out %s 2>/dev/null && "
           "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
           "-subj /serialNumber=PLEDGE-2 -keyout %s -out %s 2>/dev/null && "
           "openssl x509 -req -in %s -CA %s -CAkey %s -CAcreateserial -days 2 2>/dev/null > %s && "
           "cat %s >> %s && chmod 600 %s",
           ca_key, ca_crt, leaf_key, leaf_csr, leaf_csr, ca_crt, ca_key, chain, ca_crt, chain,
           leaf_key),
        0);
    client_config(&cfg);
    cfg.cert_file = chain;
    cfg.key_file = leaf_key;
    assert_int_equal(brski_coap_client_new(&cfg, &c), BRSKI_OK);
    assert_int_equal(brski_coap_client_request(c, BRSKI_METHOD_POST, "/test/echo", BRSKI_CF_CBOR,
                                               BRSKI_CF_NONE, brski_slice_make("x", 1), &resp),
                     BRSKI_OK);
    assert_int_equal(resp.code, 204);
    char want[64];
    (void)snprintf(want, sizeof(want), "cf=%d certs=2|x", BRSKI_CF_CBOR);
    assert_int_equal(resp.body.len, strlen(want));
    assert_memory_equal(resp.body.p, want, strlen(want));
    brski_coap_response_clear(&resp);
    brski_coap_client_free(c);
}

static void test_coap_client_bad_key_and_arguments(void **state)
{
    brski_coap_client_config cfg;
    brski_coap_client *c = NULL;
    (void)state;

    client_config(&cfg);
    cfg.key_file = tf.srv_key; /* does not match tf.cli_crt */
    assert_int_not_equal(brski_coap_client_new(&cfg, &c), BRSKI_OK);
    assert_null(c);
    client_config(&cfg);
    cfg.host = "not-an-address";
    assert_int_equal(brski_coap_client_new(&cfg, &c), BRSKI_ERR_ARG);
    client_config(&cfg);
    cfg.block_size = 100;
    assert_int_equal(brski_coap_client_new(&cfg, &c), BRSKI_ERR_ARG);
}

static void test_coap_client_silent_server_times_out(void **state)
{
    brski_coap_client_config cfg;
    brski_coap_client *c = NULL;
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);
    (void)state;

    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(fd >= 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    client_config(&cfg);
    cfg.port = ntohs(a.sin_port);
    cfg.timeout_ms = 700;
    assert_int_equal(brski_coap_client_new(&cfg, &c), BRSKI_ERR_TIMEOUT);
    assert_null(c);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_coap_client_provisional_keeps_server_chain_and_reuses_session),
        cmocka_unit_test(test_coap_client_block2_small_blocks_and_block1_post),
        cmocka_unit_test(test_coap_client_response_cap_is_toobig),
        cmocka_unit_test(test_coap_client_pinned_accepts_right_and_refuses_other_server),
        cmocka_unit_test(test_coap_client_sends_the_certificate_chain),
        cmocka_unit_test(test_coap_client_bad_key_and_arguments),
        cmocka_unit_test(test_coap_client_silent_server_times_out),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
