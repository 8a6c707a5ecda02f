/* Public-key operation and message-size counters; see brski/opcount.h. */
#include "brski/opcount.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#define OPCOUNT_PATH_MAX 1024
#define OPCOUNT_LINE_MAX 4096

static _Atomic unsigned long long own_ops[BRSKI_OP_KINDS][BRSKI_OPALG_KINDS];
static _Atomic unsigned long long tls_ops[BRSKI_OP_KINDS][BRSKI_OPALG_KINDS];
static _Atomic unsigned long long dtls_ops[BRSKI_OP_KINDS][BRSKI_OPALG_KINDS];
/* [server][resumed] */
static _Atomic unsigned long long handshakes[2][2];
/* full server handshakes in which the client presented a certificate */
static _Atomic unsigned long long handshakes_mutual;
/* DTLS handshakes of the CoAP transport, [server][resumed] */
static _Atomic unsigned long long dtls_handshakes[2][2];
static _Atomic unsigned long long msg_n[BRSKI_MSG_KINDS];
static _Atomic unsigned long long msg_bytes[BRSKI_MSG_KINDS];

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static bool enabled;
static char out_path[OPCOUNT_PATH_MAX];
static char prog[32];

static const char *const op_names[BRSKI_OP_KINDS] = {"sign", "verify", "keygen", "ecdh",
                                                     "pubderive"};
static const char *const alg_names[BRSKI_OPALG_KINDS] = {
    "p256", "p384", "p521", "x25519", "ed25519", "rsa2048", "rsa3072", "rsa4096", "other"};
static const char *const msg_names[BRSKI_MSG_KINDS] = {"pvr", "rvr", "voucher", "csr", "cert"};

const char *brski_opcount_alg_name(brski_op_alg alg)
{
    return (unsigned)alg < BRSKI_OPALG_KINDS ? alg_names[alg] : "other";
}

/* ---- async-signal-safe formatting ---- */

static void put_str(char *out, size_t cap, size_t *len, const char *s)
{
    while (*s != '\0' && *len + 1 < cap) {
        out[(*len)++] = *s++;
    }
    out[*len] = '\0';
}

static void put_u64(char *out, size_t cap, size_t *len, unsigned long long v)
{
    char digits[24];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v != 0 && n < sizeof(digits));
    while (n > 0 && *len + 1 < cap) {
        out[(*len)++] = digits[--n];
    }
    out[*len] = '\0';
}

static void put_counter(char *out, size_t cap, size_t *len, const char *a, const char *b,
                        const char *c, unsigned long long v)
{
    if (v == 0) {
        return;
    }
    put_str(out, cap, len, " ");
    put_str(out, cap, len, a);
    put_str(out, cap, len, ".");
    put_str(out, cap, len, b);
    put_str(out, cap, len, ".");
    put_str(out, cap, len, c);
    put_str(out, cap, len, "=");
    put_u64(out, cap, len, v);
}

size_t brski_opcount_format(char *out, size_t cap)
{
    size_t len = 0;
    if (cap == 0) {
        return 0;
    }
    out[0] = '\0';
    for (size_t o = 0; o < BRSKI_OP_KINDS; o++) {
        for (size_t a = 0; a < BRSKI_OPALG_KINDS; a++) {
            put_counter(out, cap, &len, "own", op_names[o], alg_names[a],
                        atomic_load(&own_ops[o][a]));
            put_counter(out, cap, &len, "tls", op_names[o], alg_names[a],
                        atomic_load(&tls_ops[o][a]));
            put_counter(out, cap, &len, "dtls", op_names[o], alg_names[a],
                        atomic_load(&dtls_ops[o][a]));
        }
    }
    put_counter(out, cap, &len, "hs", "server", "full", atomic_load(&handshakes[1][0]));
    put_counter(out, cap, &len, "hs", "server", "resumed", atomic_load(&handshakes[1][1]));
    put_counter(out, cap, &len, "hs", "server", "mutual", atomic_load(&handshakes_mutual));
    put_counter(out, cap, &len, "hs", "client", "full", atomic_load(&handshakes[0][0]));
    put_counter(out, cap, &len, "hs", "client", "resumed", atomic_load(&handshakes[0][1]));
    put_counter(out, cap, &len, "hs", "dtls_server", "full", atomic_load(&dtls_handshakes[1][0]));
    put_counter(out, cap, &len, "hs", "dtls_server", "resumed",
                atomic_load(&dtls_handshakes[1][1]));
    put_counter(out, cap, &len, "hs", "dtls_client", "full", atomic_load(&dtls_handshakes[0][0]));
    put_counter(out, cap, &len, "hs", "dtls_client", "resumed",
                atomic_load(&dtls_handshakes[0][1]));
    for (size_t m = 0; m < BRSKI_MSG_KINDS; m++) {
        put_counter(out, cap, &len, "msg", msg_names[m], "n", atomic_load(&msg_n[m]));
        put_counter(out, cap, &len, "msg", msg_names[m], "bytes", atomic_load(&msg_bytes[m]));
    }
    return len;
}

/* One O_APPEND write per line keeps lines of concurrent processes whole. */
static void write_snapshot(const char *tag)
{
    char line[OPCOUNT_LINE_MAX];
    size_t len = 0;
    put_str(line, sizeof(line), &len, "opcount prog=");
    put_str(line, sizeof(line), &len, prog);
    put_str(line, sizeof(line), &len, " pid=");
    put_u64(line, sizeof(line), &len, (unsigned long long)getpid());
    put_str(line, sizeof(line), &len, " tag=");
    put_str(line, sizeof(line), &len, tag);
    len += brski_opcount_format(line + len, sizeof(line) - len - 1);
    line[len++] = '\n';
    int fd = open(out_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        return;
    }
    const char *p = line;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n <= 0) {
            break;
        }
        p += n;
        len -= (size_t)n;
    }
    (void)close(fd);
}

static void on_usr1(int sig)
{
    (void)sig;
    int saved = errno;
    write_snapshot("usr1");
    errno = saved;
}

static void at_exit(void)
{
    write_snapshot("exit");
}

static void init_once_fn(void)
{
    const char *path = getenv("BRSKI_OPCOUNT_FILE");
    if (path == NULL || path[0] == '\0' || strlen(path) >= sizeof(out_path)) {
        return;
    }
    memcpy(out_path, path, strlen(path) + 1);
    memcpy(prog, "?", 2);
    int fd = open("/proc/self/comm", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, prog, sizeof(prog) - 1);
        size_t k = n > 0 ? (size_t)n : 0;
        while (k > 0 && (prog[k - 1] == '\n' || prog[k - 1] == ' ')) {
            k--;
        }
        prog[k] = '\0';
        (void)close(fd);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    (void)sigaction(SIGUSR1, &sa, NULL);
    (void)atexit(at_exit);
    enabled = true;
}

void brski_opcount_init(void)
{
    (void)pthread_once(&init_once, init_once_fn);
}

brski_op_alg brski_opcount_alg(brski_key_type type, unsigned bits)
{
    switch (type) {
    case BRSKI_KEY_EC:
        return bits == 256 ? BRSKI_OPALG_P256
               : bits == 384 ? BRSKI_OPALG_P384
               : bits == 521 ? BRSKI_OPALG_P521
                             : BRSKI_OPALG_OTHER;
    case BRSKI_KEY_ED25519:
        return BRSKI_OPALG_ED25519;
    case BRSKI_KEY_RSA:
        return bits == 2048 ? BRSKI_OPALG_RSA2048
               : bits == 3072 ? BRSKI_OPALG_RSA3072
               : bits == 4096 ? BRSKI_OPALG_RSA4096
                              : BRSKI_OPALG_OTHER;
    default:
        return BRSKI_OPALG_OTHER;
    }
}

void brski_opcount_add(brski_op op, brski_op_alg alg)
{
    if ((unsigned)op >= BRSKI_OP_KINDS || (unsigned)alg >= BRSKI_OPALG_KINDS) {
        return;
    }
    brski_opcount_init();
    atomic_fetch_add_explicit(&own_ops[op][alg], 1, memory_order_relaxed);
}

void brski_opcount_msg(brski_msg kind, size_t bytes)
{
    if ((unsigned)kind >= BRSKI_MSG_KINDS) {
        return;
    }
    brski_opcount_init();
    atomic_fetch_add_explicit(&msg_n[kind], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&msg_bytes[kind], (unsigned long long)bytes, memory_order_relaxed);
}

bool brski_opcount_enabled(void)
{
    brski_opcount_init();
    return enabled;
}

unsigned long long brski_opcount_get(bool tls, brski_op op, brski_op_alg alg)
{
    if ((unsigned)op >= BRSKI_OP_KINDS || (unsigned)alg >= BRSKI_OPALG_KINDS) {
        return 0;
    }
    return atomic_load(tls ? &tls_ops[op][alg] : &own_ops[op][alg]);
}

static void tls_add(brski_op op, brski_op_alg alg)
{
    atomic_fetch_add_explicit(&tls_ops[op][alg], 1, memory_order_relaxed);
}

/* Key column of a DER certificate; BRSKI_OPALG_KINDS when there is none. */
static brski_op_alg cert_alg(const unsigned char *der, int len)
{
    brski_cert c;
    brski_op_alg alg = BRSKI_OPALG_KINDS;
    if (der == NULL || len <= 0) {
        return alg;
    }
    memset(&c, 0, sizeof(c));
    if (brski_cert_parse(brski_slice_make(der, (size_t)len), &c) == BRSKI_OK) {
        alg = brski_opcount_alg(c.key_type, c.key_bits);
    }
    brski_cert_clear(&c);
    return alg;
}

static brski_op_alg group_alg(const char *name)
{
    if (name == NULL) {
        return BRSKI_OPALG_OTHER;
    }
    if (strstr(name, "25519") != NULL) {
        return BRSKI_OPALG_X25519;
    }
    if (strstr(name, "256") != NULL) {
        return BRSKI_OPALG_P256;
    }
    if (strstr(name, "384") != NULL) {
        return BRSKI_OPALG_P384;
    }
    if (strstr(name, "521") != NULL) {
        return BRSKI_OPALG_P521;
    }
    return BRSKI_OPALG_OTHER;
}

/*
 * Public-key operations per side of one handshake, from the protocol:
 *
 * Full handshake, TLS 1.3 (RFC 8446 4.2.8, 4.4.3) with an (EC)DHE key share,
 * or TLS 1.2 ECDHE_ECDSA (RFC 8422 5.4, 5.8):
 *   each side   1 keygen (its ephemeral share) + 1 ECDH (with the peer's share);
 *   server      1 sign (CertificateVerify; 1.2: ServerKeyExchange),
 *               1 verify of the client's CertificateVerify if the client sent
 *               a certificate;
 *   client      1 verify of the server's signature, 1 sign (CertificateVerify)
 *               if it holds a certificate (our servers all ask for one).
 * The certificate chains are not verified by wolfSSL (no trust anchors are
 * loaded into it; tls.c accepts the chain and our own code checks it, which
 * own.verify counts).
 * Resumed handshake: TLS 1.3 psk_dhe_ke (RFC 8446 4.2.9): 1 keygen + 1 ECDH
 * per side, no signature; TLS 1.2 abbreviated handshake: none.
 */
void brski_opcount_tls(struct WOLFSSL *ssl, bool server)
{
    brski_opcount_init();
    bool resumed = wolfSSL_session_reused(ssl) == 1;
    atomic_fetch_add_explicit(&handshakes[server ? 1 : 0][resumed ? 1 : 0], 1,
                              memory_order_relaxed);
    if (!enabled) {
        return;
    }
    bool tls13 = wolfSSL_version(ssl) == TLS1_3_VERSION;
    if (!resumed || tls13) {
        brski_op_alg g = group_alg(wolfSSL_get_curve_name(ssl));
        tls_add(BRSKI_OP_KEYGEN, g);
        tls_add(BRSKI_OP_ECDH, g);
    }
    if (resumed) {
        return;
    }
    brski_op_alg mine = BRSKI_OPALG_KINDS;
    WOLFSSL_X509 *own = wolfSSL_get_certificate(ssl);
    if (own != NULL) {
        int len = 0;
        const unsigned char *der = wolfSSL_X509_get_der(own, &len);
        mine = cert_alg(der, len);
    }
    brski_op_alg peer = BRSKI_OPALG_KINDS;
    WOLFSSL_X509_CHAIN *chain = wolfSSL_get_peer_chain(ssl);
    if (chain != NULL && wolfSSL_get_chain_count(chain) > 0) {
        peer = cert_alg(wolfSSL_get_chain_cert(chain, 0), wolfSSL_get_chain_length(chain, 0));
    }
    if (server && peer != BRSKI_OPALG_KINDS) {
        atomic_fetch_add_explicit(&handshakes_mutual, 1, memory_order_relaxed);
    }
    if (mine != BRSKI_OPALG_KINDS) {
        tls_add(BRSKI_OP_SIGN, mine);
    }
    if (peer != BRSKI_OPALG_KINDS) {
        tls_add(BRSKI_OP_VERIFY, peer);
    }
}

static void dtls_add(brski_op op, brski_op_alg alg)
{
    atomic_fetch_add_explicit(&dtls_ops[op][alg], 1, memory_order_relaxed);
}

static brski_op_alg slice_alg(brski_slice der)
{
    return der.len > 0 && der.len <= (size_t)INT32_MAX ? cert_alg(der.p, (int)der.len)
                                                        : BRSKI_OPALG_KINDS;
}

/*
 * DTLS 1.2 (RFC 6347 4.2: the TLS 1.2 handshake) with ECDHE_ECDSA
 * (RFC 8422 5.4, 5.8), the only kind our CoAP peers negotiate (EC
 * certificates, DTLS 1.2 the highest version the DTLS library offers):
 * full handshake, as for TLS 1.2 above:
 *   each side   1 keygen (its ephemeral ECDHE share) + 1 ECDH;
 *   server      1 sign (ServerKeyExchange), 1 verify of the client's
 *               CertificateVerify (our CoAP servers require a certificate);
 *   client      1 verify of the ServerKeyExchange, 1 sign (CertificateVerify).
 * Unlike wolfSSL in tls.c, OpenSSL verifies the peer's certificates even
 * though the transport's verify callback accepts every verdict: it builds a
 * chain from the certificates the peer sent (there are no trust anchors in
 * its store, so the chain ends at the last certificate it can link) and
 * checks the signature of every certificate in it on the key of the next
 * one (X509_verify_cert, internal_verify); the top certificate's own
 * signature is not checked (no X509_V_FLAG_CHECK_SS_SIGNATURE). So a built
 * chain of n certificates costs n - 1 verifies, each on the issuer's key.
 * Abbreviated (resumed) handshake: no public-key operation.
 */
void brski_opcount_dtls(const brski_opcount_dtls_hs *hs)
{
    if (hs == NULL) {
        return;
    }
    brski_opcount_init();
    atomic_fetch_add_explicit(&dtls_handshakes[hs->server ? 1 : 0][hs->resumed ? 1 : 0], 1,
                              memory_order_relaxed);
    if (!enabled || hs->resumed) {
        return;
    }
    brski_op_alg g = group_alg(hs->group);
    dtls_add(BRSKI_OP_KEYGEN, g);
    dtls_add(BRSKI_OP_ECDH, g);
    brski_op_alg mine = slice_alg(hs->own_cert);
    brski_op_alg peer = slice_alg(hs->peer_cert);
    if (mine != BRSKI_OPALG_KINDS) {
        dtls_add(BRSKI_OP_SIGN, mine);
    }
    if (peer != BRSKI_OPALG_KINDS) {
        dtls_add(BRSKI_OP_VERIFY, peer);
    }
    size_t n = hs->chain_n < BRSKI_OPCOUNT_DTLS_CHAIN ? hs->chain_n : BRSKI_OPCOUNT_DTLS_CHAIN;
    for (size_t i = 1; i < n; i++) {
        brski_op_alg issuer = slice_alg(hs->chain[i]);
        dtls_add(BRSKI_OP_VERIFY, issuer != BRSKI_OPALG_KINDS ? issuer : BRSKI_OPALG_OTHER);
    }
}
