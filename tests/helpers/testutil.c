#include "testutil.h"

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
