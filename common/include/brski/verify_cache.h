/*
 * A small process-wide memory of successful signature verifications.
 *
 * Verifying a P-256 signature is the most expensive step on the servers and
 * the pledge, and the same signature is often verified again within one
 * enrollment (the registrar validates the pledge's IDevID chain for the
 * voucher request, the voucher status, the enrollment and the enrollment
 * status; the pledge validates the registrar's chain more than once). The
 * outcome of a verification is a pure function of (public key, algorithm,
 * signature format, message, signature), so remembering successes keyed by a
 * SHA-256 over exactly those inputs gives the same answer without the math.
 * Only successes are stored; failures are always recomputed. Policy (time,
 * anchors, key usage) is not cached: callers still run it every time.
 * Thread-safe; bounded (BRSKI_VERIFY_CACHE_SLOTS entries, direct-mapped).
 */
#ifndef BRSKI_VERIFY_CACHE_H
#define BRSKI_VERIFY_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "brski/buf.h"

#define BRSKI_VERIFY_CACHE_SLOTS 512u
#define BRSKI_VERIFY_CACHE_KEY 32u

/*
 * Computes the cache key of one verification into |key| and tells whether a
 * verification with exactly these inputs succeeded before. On false, verify
 * and call brski_verify_cache_add(|key|) only if that succeeded.
 */
bool brski_verify_cache_hit(brski_slice spki, int alg, int fmt, brski_slice msg, brski_slice sig,
                            uint8_t key[BRSKI_VERIFY_CACHE_KEY]);

/* Remembers a successful verification (may evict an older one). */
void brski_verify_cache_add(const uint8_t key[BRSKI_VERIFY_CACHE_KEY]);

/* Forgets everything (tests). */
void brski_verify_cache_clear(void);

/* Lookups answered from the cache and lookups that were not, since start. */
void brski_verify_cache_stats(uint64_t *hits, uint64_t *misses);

#endif
