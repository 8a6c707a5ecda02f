#include "testutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brski/file.h"

void test_env_init(brski_env *env, int64_t *now, uint64_t *seed)
{
    env->now = brski_clock_fixed;
    env->clock_ctx = now;
    env->rng = brski_rng_seeded;
    env->rng_ctx = seed;
}

const char *test_vector_path(const char *rel)
{
    static char path[4096];
    int n = snprintf(path, sizeof(path), "%s/vectors/%s", BRSKI_SHARED_DIR, rel);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        abort();
    }
    return path;
}

void test_read_vector(const char *rel, brski_buf *out)
{
    brski_buf_init(out, BRSKI_MAX_FILE);
    if (brski_file_read(test_vector_path(rel), out) != BRSKI_OK) {
        fprintf(stderr, "missing vector %s\n", test_vector_path(rel));
        abort();
    }
}

const char *test_tmpdir(void)
{
    static char path[256];
    const char *base = getenv("TMPDIR");
    int n = snprintf(path, sizeof(path), "%s/brski-test-XXXXXX", base != NULL ? base : "/tmp");
    if (n < 0 || (size_t)n >= sizeof(path) || mkdtemp(path) == NULL) {
        abort();
    }
    return path;
}

int test_sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    return system(cmd);
}

int test_tls_files_make(test_tls_files *f)
{
    (void)snprintf(f->dir, sizeof(f->dir), "%s", test_tmpdir());
    (void)snprintf(f->srv_crt, sizeof(f->srv_crt), "%s/srv.crt", f->dir);
    (void)snprintf(f->srv_key, sizeof(f->srv_key), "%s/srv.key", f->dir);
    (void)snprintf(f->srv_der, sizeof(f->srv_der), "%s/srv.der", f->dir);
    (void)snprintf(f->cli_crt, sizeof(f->cli_crt), "%s/cli.crt", f->dir);
    (void)snprintf(f->cli_key, sizeof(f->cli_key), "%s/cli.key", f->dir);
    (void)snprintf(f->cli_der, sizeof(f->cli_der), "%s/cli.der", f->dir);
    (void)snprintf(f->oth_key, sizeof(f->oth_key), "%s/oth.key", f->dir);
    return test_sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
                   "-subj /CN=registrar.test -keyout %s -out %s 2>/dev/null && "
                   "openssl x509 -in %s -outform DER -out %s && "
                   "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
                   "-subj /serialNumber=PLEDGE-1 -keyout %s -out %s 2>/dev/null && "
                   "openssl x509 -in %s -outform DER -out %s && "
                   "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out %s && "
                   "chmod 600 %s %s %s",
                   f->srv_key, f->srv_crt, f->srv_crt, f->srv_der, f->cli_key, f->cli_crt,
                   f->cli_crt, f->cli_der, f->oth_key, f->srv_key, f->cli_key, f->oth_key) == 0
               ? 0
               : -1;
}
