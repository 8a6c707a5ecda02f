/*
 * env.h - the injected environment: clock and random number generator.
 * Parsers, policy and handlers read time and randomness only from here, so
 * tests can fix both.
 */
#ifndef BRSKI_ENV_H
#define BRSKI_ENV_H

#include <stddef.h>
#include <stdint.h>

#include "brski/err.h"

typedef struct brski_env brski_env;

/* Returns seconds since the Unix epoch (UTC). */
typedef int64_t (*brski_clock_fn)(void *ctx);

/* Fills |out| with |len| random bytes; BRSKI_OK or BRSKI_ERR_CRYPTO. */
typedef brski_err (*brski_rng_fn)(void *ctx, uint8_t *out, size_t len);

struct brski_env {
    brski_clock_fn now;
    void *clock_ctx;
    brski_rng_fn rng;
    void *rng_ctx;
};

/* The process default: wall clock and the OS RNG (getrandom). */
const brski_env *brski_env_default(void);

/* Current time according to |env| (default env when NULL). */
int64_t brski_env_now(const brski_env *env);

/* Random bytes according to |env| (default env when NULL). */
BRSKI_MUST_USE brski_err brski_env_random(const brski_env *env, uint8_t *out, size_t len);

/* A fixed clock: |ctx| points to an int64_t holding the time to report. */
int64_t brski_clock_fixed(void *ctx);

/* The OS clock (CLOCK_REALTIME). */
int64_t brski_clock_system(void *ctx);

/* The OS RNG (getrandom(2)). */
brski_err brski_rng_system(void *ctx, uint8_t *out, size_t len);

/*
 * A deterministic test RNG (xorshift-based, NOT for keys in production);
 * |ctx| points to a uint64_t state that must be non-zero.
 */
brski_err brski_rng_seeded(void *ctx, uint8_t *out, size_t len);

/*
 * RFC 3339 / yang:date-and-time. Parses "2021-05-01T00:00:00Z",
 * "2021-04-13T17:43:23.747-04:00" (fraction dropped, offset applied) into
 * Unix seconds. BRSKI_ERR_MALFORMED on anything else (range-checked fields,
 * lower-case 't'/'z' accepted per RFC 3339 5.6 note).
 */
BRSKI_MUST_USE brski_err brski_time_parse(const char *s, int64_t *out);

/* Formats |t| as "YYYY-MM-DDTHH:MM:SSZ" into |out| (cap >= 21). */
BRSKI_MUST_USE brski_err brski_time_format(int64_t t, char *out, size_t cap);

/* Days-from-civil helper: Unix seconds for a UTC calendar time (no range check). */
int64_t brski_time_from_civil(int year, int mon, int day, int hour, int min, int sec);

#endif
