/*
 * signer.h - private-key operations. Every use of a private key goes through
 * a brski_signer; the file backend keeps the key in memory and wipes it on
 * free. Keys are never logged.
 */
#ifndef BRSKI_SIGNER_H
#define BRSKI_SIGNER_H

#include <stdint.h>

#include "brski/buf.h"
#include "brski/env.h"
#include "brski/x509.h"

typedef struct brski_signer brski_signer;

/* Algorithms brski_signer_generate can make. */
typedef enum brski_key_alg {
    BRSKI_ALG_P256 = 0,
    BRSKI_ALG_P384,
    BRSKI_ALG_P521,
    BRSKI_ALG_ED25519,
    BRSKI_ALG_RSA2048,
    BRSKI_ALG_RSA3072,
} brski_key_alg;

/* "p256", "p384", "p521", "ed25519", "rsa2048", "rsa3072" -> alg; BRSKI_ERR_ARG otherwise. */
BRSKI_MUST_USE brski_err brski_key_alg_parse(const char *name, brski_key_alg *out);
const char *brski_key_alg_name(brski_key_alg alg);

/* Generates a fresh key using |env|'s RNG. */
BRSKI_MUST_USE brski_err brski_signer_generate(brski_key_alg alg, const brski_env *env,
                                               brski_signer **out);

/*
 * Loads a private key from PEM ("PRIVATE KEY" PKCS#8, "EC PRIVATE KEY",
 * "RSA PRIVATE KEY") or DER. BRSKI_ERR_MALFORMED when it is not a key we read.
 */
BRSKI_MUST_USE brski_err brski_signer_from_bytes(brski_slice data, brski_signer **out);

/*
 * Loads a key file. BRSKI_ERR_IO when unreadable; BRSKI_ERR_POLICY when the
 * file is readable by group or others (mode must be 0600 or stricter).
 */
BRSKI_MUST_USE brski_err brski_signer_load_file(const char *path, brski_signer **out);

void brski_signer_free(brski_signer *s);

brski_key_type brski_signer_key_type(const brski_signer *s);
unsigned brski_signer_key_bits(const brski_signer *s);

/* The algorithm this key signs with by default (P-256 -> ECDSA-SHA256, ...). */
brski_sig_alg brski_signer_sig_alg(const brski_signer *s);

/* Appends the SubjectPublicKeyInfo DER of the key to |out|. */
BRSKI_MUST_USE brski_err brski_signer_spki(const brski_signer *s, brski_buf *out);

/*
 * Signs |msg| (hashing it as |alg| requires; Ed25519 signs |msg| itself)
 * and appends the signature in |fmt| to |out|. BRSKI_ERR_ARG when |alg| does
 * not suit the key.
 */
BRSKI_MUST_USE brski_err brski_signer_sign(brski_signer *s, brski_sig_alg alg,
                                           brski_sig_format fmt, brski_slice msg,
                                           const brski_env *env, brski_buf *out);

/*
 * Appends the PKCS#8 DER (or, for EC, the RFC 5915 ECPrivateKey DER when
 * |traditional|) of the private key. Only for writing key files and for
 * library APIs that insist on key bytes (wolfSSL PKCS#7, TLS contexts); wipe
 * the buffer after use.
 */
BRSKI_MUST_USE brski_err brski_signer_export_der(const brski_signer *s, bool traditional,
                                                 brski_buf *out);

/* Writes the key as PEM PKCS#8 to |path| with mode 0600. */
BRSKI_MUST_USE brski_err brski_signer_write_pem(const brski_signer *s, const char *path);

#endif
