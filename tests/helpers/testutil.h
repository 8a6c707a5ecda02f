/*
 * testutil.h - helpers shared by unit tests: fixed clock, seeded RNG,
 * vector paths, temporary directories.
 */
#ifndef BRSKI_TESTUTIL_H
#define BRSKI_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "brski/buf.h"
#include "brski/env.h"

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

#endif
