/*
 * testutil.h - helpers shared by unit tests: fixed clock, seeded RNG,
 * vector paths, temporary directories.
 */
#ifndef BRSKI_TESTUTIL_H
#define BRSKI_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include <pthread.h>

#include "brski/buf.h"
#include "brski/env.h"
#include "brski/server.h"
#include "brski/tls.h"

/* An env whose clock reports |*now| and whose RNG is seeded from |*seed|. */
void test_env_init(brski_env *env, int64_t *now, uint64_t *seed);

/* Path of a file under ../shared/vectors (static buffer, valid until next call). */
const char *test_vector_path(const char *rel);

/* Reads a vector file into |out| (max 1 MiB); fails the test if missing. */
void test_read_vector(const char *rel, brski_buf *out);

/* Creates a fresh temporary directory and returns its path (static buffer). */
const char *test_tmpdir(void);

/* Runs a shell command built from |fmt| (at most 2 KiB); returns system()'s status. */
int test_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Files of a TLS/DTLS test pair, made by test_tls_files_make() in a fresh
 * temporary directory: a server certificate (CN=registrar.test) and a client
 * certificate (serialNumber=PLEDGE-1), self-signed P-256, PEM plus DER
 * copies, keys 0600, and one more P-256 key (oth_key) matching neither.
 */
typedef struct test_tls_files {
    char dir[256];
    char srv_crt[300], srv_key[300], srv_der[300];
    char cli_crt[300], cli_key[300], cli_der[300];
    char oth_key[300];
} test_tls_files;

/* Fills |f| and writes its files with openssl. 0, or -1 when a command failed. */
int test_tls_files_make(test_tls_files *f);

/* An in-process HTTPS server on 127.0.0.1 (any free port) run on its own thread. */
typedef struct test_https_server {
    brski_tls_ctx *tls;
    brski_server *srv;
    pthread_t thread;
    brski_err rv; /* what brski_server_run returned */
    uint16_t port;
} test_https_server;

/*
 * Starts |t| with |crt|/|key| (client certificates optional), |routes| and a
 * 1 s read timeout; SIGTERM stops it (brski_server_install_signals). 0 or -1.
 */
int test_https_server_start(test_https_server *t, const char *crt, const char *key,
                            const brski_route *routes, size_t n_routes);

/* Stops |t| through its SIGTERM handler and frees it. 0 if it ran and stopped cleanly. */
int test_https_server_stop(test_https_server *t);

#endif
