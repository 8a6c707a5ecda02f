/*
 * seedkey.h - deterministic IDevID keys from a 256-bit seed (the "seed"
 * creation method of brski-certs idevid; docs/idevid.md gives the exact
 * derivation). The device and the factory derive the same key pair from the
 * same seed and serial number, so the factory never has to store the
 * private key.
 */
#ifndef BRSKI_SEEDKEY_H
#define BRSKI_SEEDKEY_H

#include <stddef.h>
#include <stdint.h>

#include "brski/buf.h"
#include "brski/signer.h"

#define BRSKI_SEED_LEN 32u
#define BRSKI_SEED_MAX_SERIAL 64u

/*
 * HKDF-SHA256 (RFC 5869) of |ikm| with |salt| and |info| into |out|
 * (|out_len| <= 255 * 32). BRSKI_ERR_CRYPTO when wolfCrypt fails.
 */
BRSKI_MUST_USE brski_err brski_hkdf_sha256(brski_slice salt, brski_slice ikm, brski_slice info,
                                           uint8_t *out, size_t out_len);

/*
 * Derives the key for |serial| (1..64 printable characters) from |seed|
 * (exactly 32 bytes) for |alg| (BRSKI_ALG_P256 or BRSKI_ALG_ED25519 only;
 * others BRSKI_ERR_UNSUPPORTED). |counter_out| (may be NULL) gets the
 * rejection-sampling counter that produced the P-256 scalar. The caller
 * frees |*out|.
 */
BRSKI_MUST_USE brski_err brski_seedkey_derive(brski_key_alg alg, brski_slice seed,
                                              const char *serial, brski_signer **out,
                                              unsigned *counter_out);

#endif
