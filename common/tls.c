/* wolfSSL server/client contexts; see brski/tls.h. */
#include "brski/tls.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/ecc.h>

#include "brski/codec.h"
#include "brski/file.h"
#include "brski/log.h"
#include "brski/opcount.h"
#include "brski/signer.h"
#include "brski/x509.h"

struct brski_tls_ctx {
    WOLFSSL_CTX *ctx;
    bool server;
    brski_tls_pin_fn pin;
    void *pin_ctx;
};

struct brski_tls_conn {
    brski_tls_ctx *ctx;
    WOLFSSL *ssl;
    bool pinned_ok;
    brski_err pin_err;
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_rc;

static void tls_init(void)
{
    init_rc = wolfSSL_Init();
}

/*
 * Accept whatever the peer presents: wolfSSL's verdict ("preverify") is not a
 * decision we rely on (DEPENDENCY-NOTES.md). The caller examines the chain
 * from brski_tls_peer_chain() after the handshake and closes on refusal.
 */
static int accept_any(int preverify, WOLFSSL_X509_STORE_CTX *store)
{
    (void)preverify;
    (void)store;
    return 1;
}

/*
 * Hands wolfSSL a PKCS#8 DER copy of the key of |sg| (wiped after use) once
 * it is known to belong to the leaf certificate |leaf_der|.
 * wolfSSL_CTX_check_private_key() in this wolfSSL accepted a P-256 key that
 * belongs to another certificate, so compare the SubjectPublicKeyInfo of the
 * key with the certificate's ourselves. Keys that must stay in a token
 * (PKCS#11) will need wolfSSL's PK callbacks here instead.
 */
static brski_err use_key(WOLFSSL_CTX *ctx, const brski_signer *sg, brski_slice leaf_der)
{
    brski_buf der, spki;
    brski_cert cert;
    brski_err rv;

    memset(&cert, 0, sizeof(cert));
    brski_buf_init(&der, BRSKI_MAX_CERT);
    brski_buf_init(&spki, BRSKI_MAX_CERT);
    rv = brski_cert_parse(leaf_der, &cert);
    if (rv == BRSKI_OK) {
        rv = brski_signer_spki(sg, &spki);
    }
    if (rv == BRSKI_OK && !brski_slice_eq(cert.spki, brski_buf_slice(&spki))) {
        brski_log(BRSKI_LOG_ERROR, "tls: private key does not match the certificate");
        rv = BRSKI_ERR_CRYPTO;
    }
    if (rv == BRSKI_OK) {
        rv = brski_signer_export_der(sg, false, &der);
    }
    if (rv == BRSKI_OK && (der.len > INT32_MAX ||
                           wolfSSL_CTX_use_PrivateKey_buffer(ctx, der.p, (long)der.len,
                                                             WOLFSSL_FILETYPE_ASN1) !=
                               WOLFSSL_SUCCESS)) {
        rv = BRSKI_ERR_CRYPTO;
    }
    brski_buf_wipe(&der);
    brski_buf_clear(&spki);
    brski_cert_clear(&cert);
    return rv;
}

/* Loads the private key through the signer interface (mode 0600 enforced). */
static brski_err load_key(WOLFSSL_CTX *ctx, const char *key_file, const char *cert_file)
{
    brski_signer *sg = NULL;
    brski_buf file, der;
    brski_err rv;

    brski_buf_init(&file, BRSKI_MAX_CHAIN * 2);
    brski_buf_init(&der, BRSKI_MAX_CERT);
    rv = brski_signer_load_file(key_file, &sg);
    if (rv == BRSKI_OK) {
        rv = brski_file_read(cert_file, &file);
    }
    if (rv == BRSKI_OK) {
        if (brski_is_pem(brski_buf_slice(&file))) {
            rv = brski_pem_decode(brski_buf_slice(&file), "CERTIFICATE", 0, &der, NULL, 0);
        } else {
            rv = brski_buf_append(&der, file.p, file.len);
        }
    }
    if (rv == BRSKI_OK) {
        rv = use_key(ctx, sg, brski_buf_slice(&der));
    }
    if (rv != BRSKI_OK) {
        brski_log(BRSKI_LOG_ERROR, "tls: cannot use private key %s with certificate %s: %s",
                  key_file, cert_file, brski_err_str(rv));
    }
    brski_buf_clear(&file);
    brski_buf_clear(&der);
    brski_signer_free(sg);
    return rv;
}

static brski_err load_identity(WOLFSSL_CTX *ctx, const char *cert_file, const char *key_file)
{
    brski_err rv;

    if (wolfSSL_CTX_use_certificate_chain_file(ctx, cert_file) != WOLFSSL_SUCCESS) {
        brski_log(BRSKI_LOG_ERROR, "tls: cannot load certificate chain from %s", cert_file);
        return BRSKI_ERR_IO;
    }
    rv = load_key(ctx, key_file, cert_file);
    if (rv != BRSKI_OK) {
        return rv;
    }
    if (wolfSSL_CTX_check_private_key(ctx) != WOLFSSL_SUCCESS) {
        brski_log(BRSKI_LOG_ERROR, "tls: key in %s does not match certificate %s", key_file,
                  cert_file);
        return BRSKI_ERR_CRYPTO;
    }
    return BRSKI_OK;
}

static brski_err ctx_new(bool server, brski_tls_ctx **out)
{
    brski_tls_ctx *t;
    WOLFSSL_METHOD *m;

    *out = NULL;
    if (pthread_once(&init_once, tls_init) != 0 || init_rc != WOLFSSL_SUCCESS) {
        return BRSKI_ERR_INTERNAL;
    }
    t = calloc(1, sizeof(*t));
    if (t == NULL) {
        return BRSKI_ERR_NOMEM;
    }
    /* RFC 8995 §5.1 / §2.8 of our notes: TLS 1.2 at least, 1.3 preferred. */
    m = server ? wolfSSLv23_server_method() : wolfSSLv23_client_method();
    t->ctx = m != NULL ? wolfSSL_CTX_new(m) : NULL;
    if (t->ctx == NULL) {
        free(t);
        return BRSKI_ERR_NOMEM;
    }
    if (wolfSSL_CTX_SetMinVersion(t->ctx, WOLFSSL_TLSV1_2) != WOLFSSL_SUCCESS) {
        wolfSSL_CTX_free(t->ctx);
        free(t);
        return BRSKI_ERR_INTERNAL;
    }
    /*
     * Client key share: X25519 first (RFC 8446 9.1: SHOULD support it), then
     * the mandatory secp256r1 and secp384r1. X25519 costs a fraction of a
     * P-256 key agreement on both ends; a server without it answers with a
     * HelloRetryRequest for P-256. Servers keep wolfSSL's default and take
     * whichever supported share the client sent, so no client pays a retry.
     */
    if (!server) {
        int groups[] = {WOLFSSL_ECC_X25519, WOLFSSL_ECC_SECP256R1, WOLFSSL_ECC_SECP384R1};
        if (wolfSSL_CTX_set_groups(t->ctx, groups, (int)(sizeof(groups) / sizeof(groups[0]))) !=
            WOLFSSL_SUCCESS) {
            wolfSSL_CTX_free(t->ctx);
            free(t);
            return BRSKI_ERR_INTERNAL;
        }
    }
    /*
     * Debian's wolfSSL (OPENSSL_COMPATIBLE_DEFAULTS) retries a read that
     * timed out up to WOLFSSL_MODE_AUTO_RETRY_ATTEMPTS times during the
     * handshake: a peer that accepts TCP and stays silent held a client for
     * ten times its SO_RCVTIMEO. Return WANT_READ at once instead.
     */
    (void)wolfSSL_CTX_clear_mode(t->ctx, SSL_MODE_AUTO_RETRY);
    t->server = server;
    *out = t;
    return BRSKI_OK;
}

brski_err brski_tls_server_new(const char *cert_file, const char *key_file,
                               brski_tls_client_auth auth, brski_tls_ctx **out)
{
    brski_tls_ctx *t = NULL;
    brski_err rv;
    int mode = WOLFSSL_VERIFY_NONE;

    rv = ctx_new(true, &t);
    if (rv != BRSKI_OK) {
        return rv;
    }
    rv = load_identity(t->ctx, cert_file, key_file);
    if (rv != BRSKI_OK) {
        brski_tls_ctx_free(t);
        return rv;
    }
    if (auth == BRSKI_TLS_CLIENT_CERT_OPTIONAL) {
        mode = WOLFSSL_VERIFY_PEER;
    } else if (auth == BRSKI_TLS_CLIENT_CERT_REQUIRE) {
        mode = WOLFSSL_VERIFY_PEER | WOLFSSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    }
    wolfSSL_CTX_set_verify(t->ctx, mode, mode == WOLFSSL_VERIFY_NONE ? NULL : accept_any);
    *out = t;
    return BRSKI_OK;
}

/*
 * RFC 8995 §5.1: the pledge "establishes a provisional TLS connection" and
 * validates the registrar only after the voucher. Both client modes accept at
 * the handshake; pinned mode runs |pin| over the chain when it completes.
 */
static brski_err client_trust(brski_tls_ctx *t, brski_tls_pin_fn pin, void *pin_ctx,
                              brski_tls_ctx **out)
{
    wolfSSL_CTX_set_verify(t->ctx, WOLFSSL_VERIFY_PEER, accept_any);
    t->pin = pin;
    t->pin_ctx = pin_ctx;
    *out = t;
    return BRSKI_OK;
}

brski_err brski_tls_client_new(const char *cert_file, const char *key_file, brski_tls_pin_fn pin,
                               void *pin_ctx, brski_tls_ctx **out)
{
    brski_tls_ctx *t = NULL;
    brski_err rv;

    rv = ctx_new(false, &t);
    if (rv != BRSKI_OK) {
        return rv;
    }
    if (cert_file != NULL && key_file != NULL) {
        rv = load_identity(t->ctx, cert_file, key_file);
        if (rv != BRSKI_OK) {
            brski_tls_ctx_free(t);
            return rv;
        }
    }
    return client_trust(t, pin, pin_ctx, out);
}

brski_err brski_tls_client_new_signer(const brski_slice *chain, size_t n_chain,
                                      const brski_signer *key, brski_tls_pin_fn pin,
                                      void *pin_ctx, brski_tls_ctx **out)
{
    brski_tls_ctx *t = NULL;
    brski_buf pem;
    brski_err rv;

    *out = NULL;
    if (chain == NULL || n_chain == 0 || key == NULL) {
        return BRSKI_ERR_ARG;
    }
    brski_buf_init(&pem, BRSKI_MAX_CHAIN * 2);
    rv = ctx_new(false, &t);
    for (size_t i = 0; rv == BRSKI_OK && i < n_chain; i++) {
        rv = brski_pem_encode(chain[i], "CERTIFICATE", &pem);
    }
    if (rv == BRSKI_OK && (pem.len > INT32_MAX ||
                           wolfSSL_CTX_use_certificate_chain_buffer(t->ctx, pem.p, (long)pem.len) !=
                               WOLFSSL_SUCCESS)) {
        rv = BRSKI_ERR_MALFORMED;
    }
    if (rv == BRSKI_OK) {
        rv = use_key(t->ctx, key, chain[0]);
    }
    brski_buf_clear(&pem);
    if (rv != BRSKI_OK) {
        brski_tls_ctx_free(t);
        return rv;
    }
    return client_trust(t, pin, pin_ctx, out);
}

void brski_tls_ctx_set_pin(brski_tls_ctx *t, brski_tls_pin_fn pin, void *pin_ctx)
{
    if (t == NULL || t->server) {
        return;
    }
    t->pin = pin;
    t->pin_ctx = pin_ctx;
}

void brski_tls_ctx_free(brski_tls_ctx *t)
{
    if (t == NULL) {
        return;
    }
    wolfSSL_CTX_free(t->ctx);
    free(t);
}

brski_err brski_tls_conn_new(brski_tls_ctx *t, int fd, const char *sni, brski_tls_conn **out)
{
    brski_tls_conn *c;

    *out = NULL;
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return BRSKI_ERR_NOMEM;
    }
    c->ctx = t;
    c->ssl = wolfSSL_new(t->ctx);
    if (c->ssl == NULL || wolfSSL_set_fd(c->ssl, fd) != WOLFSSL_SUCCESS) {
        brski_tls_conn_free(c);
        return BRSKI_ERR_NOMEM;
    }
    if (!t->server && sni != NULL && sni[0] != '\0') {
        size_t n = strlen(sni);
        if (n > 255 || wolfSSL_UseSNI(c->ssl, WOLFSSL_SNI_HOST_NAME, sni, (unsigned short)n) !=
                           WOLFSSL_SUCCESS) {
            brski_tls_conn_free(c);
            return BRSKI_ERR_ARG;
        }
    }
    *out = c;
    return BRSKI_OK;
}

void brski_tls_conn_free(brski_tls_conn *c)
{
    if (c == NULL) {
        return;
    }
    wolfSSL_free(c->ssl);
    free(c);
}

static brski_tls_io map_error(brski_tls_conn *c, int ret)
{
    int e = wolfSSL_get_error(c->ssl, ret);

    if (e == WOLFSSL_ERROR_WANT_READ) {
        return BRSKI_TLS_IO_WANT_READ;
    }
    if (e == WOLFSSL_ERROR_WANT_WRITE) {
        return BRSKI_TLS_IO_WANT_WRITE;
    }
    if (e == WOLFSSL_ERROR_ZERO_RETURN) {
        return BRSKI_TLS_IO_CLOSED;
    }
    return BRSKI_TLS_IO_ERROR;
}

static brski_err run_pin(brski_tls_conn *c)
{
    brski_http_peer peer;
    brski_buf buf;
    brski_err rv;

    memset(&peer, 0, sizeof(peer));
    brski_buf_init(&buf, BRSKI_MAX_CHAIN);
    rv = brski_tls_peer_chain(c, &peer, &buf);
    if (rv == BRSKI_OK) {
        rv = c->ctx->pin(c->ctx->pin_ctx, &peer);
    }
    brski_buf_clear(&buf);
    return rv;
}

brski_tls_io brski_tls_handshake(brski_tls_conn *c)
{
    int ret = c->ctx->server ? wolfSSL_accept(c->ssl) : wolfSSL_connect(c->ssl);

    if (ret != WOLFSSL_SUCCESS) {
        return map_error(c, ret);
    }
    brski_opcount_tls(c->ssl, c->ctx->server);
    if (!c->ctx->server && c->ctx->pin != NULL && !c->pinned_ok) {
        c->pin_err = run_pin(c);
        if (c->pin_err != BRSKI_OK) {
            brski_log(BRSKI_LOG_WARN, "tls: server certificate refused by pin check: %s",
                      brski_err_str(c->pin_err));
            return BRSKI_TLS_IO_ERROR;
        }
        c->pinned_ok = true;
    }
    return BRSKI_TLS_IO_OK;
}

brski_err brski_tls_conn_pin_err(const brski_tls_conn *c)
{
    return c->pin_err;
}

brski_tls_io brski_tls_read(brski_tls_conn *c, uint8_t *p, size_t cap, size_t *n)
{
    int ret;

    *n = 0;
    if (cap > (size_t)INT32_MAX) {
        cap = (size_t)INT32_MAX;
    }
    ret = wolfSSL_read(c->ssl, p, (int)cap);
    if (ret > 0) {
        *n = (size_t)ret;
        return BRSKI_TLS_IO_OK;
    }
    if (ret == 0) {
        int e = wolfSSL_get_error(c->ssl, ret);
        if (e == WOLFSSL_ERROR_WANT_READ || e == WOLFSSL_ERROR_WANT_WRITE) {
            return map_error(c, ret);
        }
        return BRSKI_TLS_IO_CLOSED;
    }
    return map_error(c, ret);
}

brski_tls_io brski_tls_write(brski_tls_conn *c, const uint8_t *p, size_t len, size_t *n)
{
    int ret;

    *n = 0;
    if (len > (size_t)INT32_MAX) {
        len = (size_t)INT32_MAX;
    }
    ret = wolfSSL_write(c->ssl, p, (int)len);
    if (ret > 0) {
        *n = (size_t)ret;
        return BRSKI_TLS_IO_OK;
    }
    return map_error(c, ret);
}

void brski_tls_shutdown(brski_tls_conn *c)
{
    (void)wolfSSL_shutdown(c->ssl);
}

brski_err brski_tls_peer_chain(brski_tls_conn *c, brski_http_peer *peer, brski_buf *buf)
{
    WOLFSSL_X509_CHAIN *chain = wolfSSL_get_peer_chain(c->ssl);
    size_t offs[BRSKI_HTTP_MAX_CHAIN_CERTS];
    size_t lens[BRSKI_HTTP_MAX_CHAIN_CERTS];
    int count;
    size_t i;

    peer->n_certs = 0;
    brski_buf_reset(buf);
    count = chain != NULL ? wolfSSL_get_chain_count(chain) : 0;
    if (count <= 0) {
        return BRSKI_OK;
    }
    if ((size_t)count > BRSKI_HTTP_MAX_CHAIN_CERTS) {
        brski_log(BRSKI_LOG_WARN, "tls: peer chain of %d certificates exceeds the limit of %u",
                  count, BRSKI_HTTP_MAX_CHAIN_CERTS);
        return BRSKI_ERR_TOOBIG;
    }
    for (i = 0; i < (size_t)count; i++) {
        int len = wolfSSL_get_chain_length(chain, (int)i);
        const unsigned char *der = wolfSSL_get_chain_cert(chain, (int)i);
        brski_err rv;
        if (der == NULL || len <= 0 || (size_t)len > BRSKI_MAX_CERT) {
            return BRSKI_ERR_TOOBIG;
        }
        offs[i] = buf->len;
        lens[i] = (size_t)len;
        rv = brski_buf_append(buf, der, (size_t)len);
        if (rv != BRSKI_OK) {
            return rv;
        }
    }
    /* Point into |buf| only after it stops growing (appends may move it). */
    for (i = 0; i < (size_t)count; i++) {
        peer->certs[i] = brski_slice_make(buf->p + offs[i], lens[i]);
    }
    peer->n_certs = (size_t)count;
    return BRSKI_OK;
}

void brski_tls_release_handshake(brski_tls_conn *c)
{
    /* Best effort: on failure wolfSSL keeps the resources until wolfSSL_free(). */
    (void)wolfSSL_FreeHandshakeResources(c->ssl);
}

const char *brski_tls_version(brski_tls_conn *c)
{
    return wolfSSL_get_version(c->ssl);
}

const char *brski_tls_group(brski_tls_conn *c)
{
    const char *name = wolfSSL_get_curve_name(c->ssl);
    return name != NULL ? name : "";
}

void brski_tls_thread_cleanup(void)
{
#if defined(FP_ECC)
    wc_ecc_fp_free();
#endif
}
