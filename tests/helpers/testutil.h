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

#endif
