/*
 * opcount.h - process-wide counters of the public-key operations a process
 * really performs, and of the sizes of the BRSKI messages it sends or
 * receives, for the load generator (tests/bench/brski-bench).
 *
 * Counting is always on (one relaxed atomic add per operation). When the
 * environment variable BRSKI_OPCOUNT_FILE names a file, the process appends
 * one line with every non-zero counter to it at exit ("tag=exit") and on
 * SIGUSR1 ("tag=usr1"; servers call brski_opcount_init() at start so the
 * signal is handled before the first operation). Line format:
 *
 *   opcount prog=NAME pid=N tag=T own.sign.p256=3 tls.ecdh.p256=2 \
 *           hs.server.full=1 msg.pvr.n=1 msg.pvr.bytes=1234 ...
 *
 * "own.*" are operations our code runs through wolfCrypt (brski_signer,
 * CMS signing, brski_pubkey_verify for X.509, CMS, COSE and policy checks).
 * "tls.*" are the operations each completed TLS handshake implies, derived
 * from the protocol in brski_opcount_tls() (wolfSSL runs them internally).
 * "dtls.*" are the same for each completed DTLS handshake of the CoAP
 * transport, derived in brski_opcount_dtls() (OpenSSL runs them inside
 * libcoap); their handshakes are "hs.dtls_server.*" / "hs.dtls_client.*".
 */
#ifndef BRSKI_OPCOUNT_H
#define BRSKI_OPCOUNT_H

#include <stdbool.h>
#include <stddef.h>

#include "brski/buf.h"
#include "brski/x509.h"

typedef enum brski_op {
    BRSKI_OP_SIGN = 0,  /* a signature made */
    BRSKI_OP_VERIFY,    /* a signature checked (counted whether it holds or not) */
    BRSKI_OP_KEYGEN,    /* a key pair generated (TLS: the ephemeral ECDHE share) */
    BRSKI_OP_ECDH,      /* a key agreement (TLS only) */
    BRSKI_OP_PUBDERIVE, /* public key derived while loading a private key */
    BRSKI_OP_KINDS,
} brski_op;

typedef enum brski_op_alg {
    BRSKI_OPALG_P256 = 0,
    BRSKI_OPALG_P384,
    BRSKI_OPALG_P521,
    BRSKI_OPALG_X25519,
    BRSKI_OPALG_ED25519,
    BRSKI_OPALG_RSA2048,
    BRSKI_OPALG_RSA3072,
    BRSKI_OPALG_RSA4096,
    BRSKI_OPALG_OTHER,
    BRSKI_OPALG_KINDS,
} brski_op_alg;

/* BRSKI messages whose sizes are recorded (bodies as sent, before TLS). */
typedef enum brski_msg {
    BRSKI_MSG_PVR = 0, /* pledge voucher-request */
    BRSKI_MSG_RVR,     /* registrar voucher-request */
    BRSKI_MSG_VOUCHER, /* voucher as the pledge receives it */
    BRSKI_MSG_CSR,     /* EST simpleenroll request */
    BRSKI_MSG_CERT,    /* LDevID certificate as the pledge receives it */
    BRSKI_MSG_KINDS,
} brski_msg;

/*
 * Reads BRSKI_OPCOUNT_FILE and, when set, installs the SIGUSR1 snapshot
 * handler and the exit hook. Idempotent and thread-safe; the other
 * functions call it themselves.
 */
void brski_opcount_init(void);

/* The counter column for a key of |type| and |bits| (brski_cert.key_type/key_bits). */
brski_op_alg brski_opcount_alg(brski_key_type type, unsigned bits);

/* Counts one operation of our own. */
void brski_opcount_add(brski_op op, brski_op_alg alg);

/* Records one message of |kind| with |bytes| octets. */
void brski_opcount_msg(brski_msg kind, size_t bytes);

struct WOLFSSL;
/*
 * Counts one completed TLS handshake on |ssl| (a WOLFSSL *), full or
 * resumed, and the public-key operations it implies (see opcount.c for the
 * derivation). Only the handshake counter is kept unless BRSKI_OPCOUNT_FILE
 * is set (deriving needs the certificates' key types).
 */
void brski_opcount_tls(struct WOLFSSL *ssl, bool server);

/* Longest certificate chain brski_opcount_dtls() looks at. */
#define BRSKI_OPCOUNT_DTLS_CHAIN 8

/* One completed DTLS 1.2 handshake, as the transport reads it from its TLS library. */
typedef struct brski_opcount_dtls_hs {
    bool server;
    bool resumed;           /* abbreviated handshake (RFC 5246 7.3) */
    const char *group;      /* the (EC)DHE group's name (e.g. "prime256v1", "X25519"), or NULL */
    brski_slice own_cert;   /* DER of the certificate this side presented; empty if none */
    brski_slice peer_cert;  /* DER of the peer's end-entity certificate; empty if none */
    /*
     * The chain the TLS library built over the peer's certificates while
     * verifying them (leaf first), even when the verify callback accepted
     * errors in it; |chain_n| is 0 when it built none.
     */
    brski_slice chain[BRSKI_OPCOUNT_DTLS_CHAIN];
    size_t chain_n;
} brski_opcount_dtls_hs;

/*
 * Counts one completed DTLS handshake and the public-key operations it
 * implies (see opcount.c). As for TLS, only the handshake counter is kept
 * unless counting is enabled.
 */
void brski_opcount_dtls(const brski_opcount_dtls_hs *hs);

/* True when BRSKI_OPCOUNT_FILE is set (the derivations are worth their cost). */
bool brski_opcount_enabled(void);

/* Current value of one counter (for tests). */
unsigned long long brski_opcount_get(bool tls, brski_op op, brski_op_alg alg);

/*
 * Formats the non-zero counters as one line (without "opcount prog=...")
 * into |out|, always NUL-terminated; returns the length. Async-signal-safe.
 */
size_t brski_opcount_format(char *out, size_t cap);

const char *brski_opcount_alg_name(brski_op_alg alg);

#endif
