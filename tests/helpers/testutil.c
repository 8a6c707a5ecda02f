#include "testutil.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static void *https_serve(void *arg)
{
    test_https_server *t = arg;
    t->rv = brski_server_run(t->srv);
    return NULL;
}

int test_https_server_start(test_https_server *t, const char *crt, const char *key,
                            const brski_route *routes, size_t n_routes)
{
    brski_server_config cfg;
    memset(t, 0, sizeof(*t));
    if (brski_tls_server_new(crt, key, BRSKI_TLS_CLIENT_CERT_OPTIONAL, &t->tls) != BRSKI_OK) {
        return -1;
    }
    brski_server_config_default(&cfg);
    cfg.port = 0;
    cfg.read_timeout_ms = 1000;
    cfg.tls = t->tls;
    cfg.routes = routes;
    cfg.n_routes = n_routes;
    if (brski_server_new(&cfg, &t->srv) != BRSKI_OK) {
        return -1;
    }
    t->port = brski_server_port(t->srv);
    if (brski_server_install_signals(t->srv) != BRSKI_OK) {
        return -1;
    }
    return pthread_create(&t->thread, NULL, https_serve, t) == 0 ? 0 : -1;
}

int test_https_server_stop(test_https_server *t)
{
    (void)kill(getpid(), SIGTERM);
    pthread_join(t->thread, NULL);
    brski_server_free(t->srv);
    brski_tls_ctx_free(t->tls);
    return t->rv == BRSKI_OK ? 0 : -1;
}
