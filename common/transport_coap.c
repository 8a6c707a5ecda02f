/*
 * CoAPS server on libcoap 4.3.1 (OpenSSL backend). The only file that
 * includes libcoap and OpenSSL headers (see coap.h for the contract).
 */
#include <coap3/coap.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "brski/coap.h"
#include "brski/log.h"
#include "brski/opcount.h"
#include "brski/tls.h"

#define COAP_POLL_MS 100u
#define COAP_MAX_RT 64u
#define COAP_MAX_IDLE_SESSIONS 256u     /* established DTLS sessions kept */
#define COAP_MAX_HANDSHAKE_SESSIONS 32u /* concurrent handshakes */
#define COAP_SESSION_TIMEOUT_S 120u     /* idle session lifetime */
#define COAP_DEDUP_SLOTS 64u            /* answered POSTs remembered */
#define COAP_DEDUP_MAX_BODY 16384u      /* larger answers are not remembered */
#define COAP_EXCHANGE_LIFETIME_S 247u   /* RFC 7252 4.8.2 */
#define COAP_MAX_JOBS 16u               /* deferred requests running at once */
#define COAP_BUSY_MAX_AGE_S 2u          /* Max-Age of a 5.03 when all jobs are busy */

struct coap_upload;

struct brski_coap_server {
    coap_context_t *ctx;
    struct coap_upload *uploads; /* Block1 bodies in progress, one per session at most */
    const brski_coap_resource *res;
    size_t n_res;
    void *handler_ctx;
    uint16_t port;
    pthread_t thread;
    bool started;
    atomic_bool stop;
    atomic_uint_fast64_t requests;
    struct coap_dedup *dedup; /* COAP_DEDUP_SLOTS answered POSTs (CoAP thread only) */
    const char *const *deferred_paths;
    struct coap_job *jobs;    /* deferred requests (CoAP thread only) */
    size_t n_jobs;
    int wake[2];              /* a worker that finished writes a byte to wake[1]; it wakes
                                 the loop where libcoap uses select(), with epoll the
                                 job is seen at the next turn (<= COAP_POLL_MS) */
};

/* Peer chain of one request: DER copies, leaf first. */
typedef struct coap_peer_chain {
    uint8_t *der[BRSKI_HTTP_MAX_CHAIN_CERTS];
    size_t len[BRSKI_HTTP_MAX_CHAIN_CERTS];
    size_t n;
} coap_peer_chain;

/*
 * One Block1 request body in progress per DTLS session (RFC 7959 2.5), kept as
 * the session's app data and never larger than the resource's cap: libcoap's
 * own reassembly (COAP_BLOCK_SINGLE_BODY) has no size limit in 4.3.1, so
 * the handler sees each block and the body is assembled here.
 */
typedef struct coap_upload {
    struct coap_upload *next; /* the server's list, freed with the server */
    const brski_coap_resource *res;
    brski_buf body;
    uint8_t tag[8]; /* Request-Tag (RFC 9175 3) of block 0 */
    size_t tag_len;
} coap_upload;

static pthread_once_t coap_once = PTHREAD_ONCE_INIT;

static void coap_log_sink(coap_log_t level, const char *message)
{
    char line[256];
    size_t n = strnlen(message, sizeof(line) - 1);
    memcpy(line, message, n);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) {
        n--;
    }
    line[n] = '\0';
    brski_log(level <= LOG_WARNING ? BRSKI_LOG_WARN : BRSKI_LOG_DEBUG, "coap: %s", line);
}

static void coap_init_once(void)
{
    coap_startup();
    coap_set_log_handler(coap_log_sink);
    coap_set_log_level(LOG_WARNING);
    coap_dtls_set_log_level(LOG_WARNING);
}

/*
 * Handshake verification: we require a certificate (SSL_VERIFY_FAIL_IF_NO_PEER_CERT)
 * but OpenSSL's path verdict is not our decision: accept here, the handler runs
 * brski_policy over the presented chain.
 */
static int verify_accept(int preverify, X509_STORE_CTX *store)
{
    (void)preverify;
    (void)store;
    return 1;
}

static int tls_setup(void *tls_session, coap_dtls_pki_t *setup)
{
    (void)setup;
    SSL *ssl = tls_session;
    if (ssl == NULL) {
        return 0;
    }
    SSL_set_verify(ssl, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_accept);
    return 1;
}

/* The OpenSSL session under |sess|; NULL without DTLS or with another TLS library. */
static SSL *session_ssl(const coap_session_t *sess)
{
    coap_tls_library_t lib = COAP_TLS_LIBRARY_NOTLS;
    SSL *ssl = coap_session_get_tls(sess, &lib);
    return lib == COAP_TLS_LIBRARY_OPENSSL ? ssl : NULL;
}

/* The peer's address as text ("127.0.0.1:43122") into |out|, zeroed by the caller. */
static void session_addr(const coap_session_t *sess, char *out, size_t size)
{
    const coap_address_t *ra = coap_session_get_addr_remote(sess);
    if (ra != NULL) {
        (void)coap_print_addr(ra, (unsigned char *)out, size - 1);
    }
}

/* ---- handshake counting for the load generator (brski/opcount.h) ---- */

/* DER of |x| in |*der| (the caller frees it with OPENSSL_free); empty if none. */
static brski_slice count_der(X509 *x, unsigned char **der)
{
    *der = NULL;
    int len = x != NULL ? i2d_X509(x, der) : -1;
    return len > 0 ? brski_slice_make(*der, (size_t)len) : brski_slice_make(NULL, 0);
}

/* Called on COAP_EVENT_DTLS_CONNECTED, on both sides. */
static void count_dtls_handshake(coap_session_t *sess, bool server)
{
    SSL *ssl = session_ssl(sess);
    if (ssl == NULL) {
        return;
    }
    brski_opcount_dtls_hs hs;
    memset(&hs, 0, sizeof(hs));
    hs.server = server;
    hs.resumed = SSL_session_reused(ssl) == 1;
    unsigned char *der[2 + BRSKI_OPCOUNT_DTLS_CHAIN] = {NULL};
    if (!hs.resumed && brski_opcount_enabled()) {
        int nid = (int)SSL_get_negotiated_group(ssl); /* a NID, returned through SSL_ctrl */
        hs.group = nid > 0 ? OBJ_nid2sn(nid) : NULL;
        hs.own_cert = count_der(SSL_get_certificate(ssl), &der[0]);
        hs.peer_cert = count_der(SSL_get0_peer_certificate(ssl), &der[1]);
        STACK_OF(X509) *chain = SSL_get0_verified_chain(ssl);
        int n = chain != NULL ? sk_X509_num(chain) : 0;
        for (int i = 0; i < n && hs.chain_n < BRSKI_OPCOUNT_DTLS_CHAIN; i++) {
            hs.chain[hs.chain_n] = count_der(sk_X509_value(chain, i), &der[2 + hs.chain_n]);
            hs.chain_n++;
        }
    }
    brski_opcount_dtls(&hs);
    for (size_t i = 0; i < sizeof(der) / sizeof(der[0]); i++) {
        OPENSSL_free(der[i]);
    }
}

static bool chain_add(coap_peer_chain *pc, X509 *x)
{
    if (pc->n >= BRSKI_HTTP_MAX_CHAIN_CERTS) {
        return false;
    }
    int len = i2d_X509(x, NULL);
    if (len <= 0 || (size_t)len > BRSKI_MAX_CERT) {
        return false;
    }
    uint8_t *der = malloc((size_t)len);
    if (der == NULL) {
        return false;
    }
    uint8_t *p = der;
    if (i2d_X509(x, &p) != len) {
        free(der);
        return false;
    }
    pc->der[pc->n] = der;
    pc->len[pc->n] = (size_t)len;
    pc->n++;
    return true;
}

/* Copies the client's certificates (leaf first) into |pc| and |peer|. */
static void peer_collect(coap_session_t *sess, coap_peer_chain *pc, brski_http_peer *peer)
{
    SSL *ssl = session_ssl(sess);
    if (ssl != NULL) {
        X509 *leaf = SSL_get1_peer_certificate(ssl);
        if (leaf != NULL && chain_add(pc, leaf)) {
            /* On a server the chain excludes the leaf; skip it anyway if present. */
            STACK_OF(X509) *sk = SSL_get_peer_cert_chain(ssl);
            int n = sk != NULL ? sk_X509_num(sk) : 0;
            for (int i = 0; i < n; i++) {
                X509 *c = sk_X509_value(sk, i);
                if (X509_cmp(c, leaf) != 0 && !chain_add(pc, c)) {
                    break;
                }
            }
        }
        X509_free(leaf);
    }
    peer->n_certs = pc->n;
    for (size_t i = 0; i < pc->n; i++) {
        peer->certs[i] = brski_slice_make(pc->der[i], pc->len[i]);
    }
}

static void chain_free(coap_peer_chain *pc)
{
    for (size_t i = 0; i < pc->n; i++) {
        free(pc->der[i]);
    }
    pc->n = 0;
}

static coap_pdu_code_t coap_code_from_status(int status, bool get)
{
    switch (status) {
    case 200:
        return get ? COAP_RESPONSE_CODE_CONTENT : COAP_RESPONSE_CODE_CHANGED;
    case 201:
        return COAP_RESPONSE_CODE_CREATED;
    case 202:
    case 204:
        return COAP_RESPONSE_CODE_CHANGED;
    default:
        break;
    }
    int cls = status / 100;
    int detail = status % 100;
    if (cls == 4 || cls == 5) {
        if (detail >= 32) {
            detail = 0;
        }
        return (coap_pdu_code_t)COAP_RESPONSE_CODE(cls * 100 + detail);
    }
    return COAP_RESPONSE_CODE_INTERNAL_ERROR;
}

static void set_error(coap_pdu_t *resp, int status, const char *reason)
{
    coap_pdu_set_code(resp, coap_code_from_status(status, false));
    if (reason != NULL && reason[0] != '\0') {
        /* Diagnostic payload (RFC 7252 5.5.2): UTF-8 text, no Content-Format. */
        (void)coap_add_data(resp, strnlen(reason, BRSKI_HTTP_MAX_REASON), (const uint8_t *)reason);
    }
}

static void release_body(coap_session_t *sess, void *app)
{
    (void)sess;
    free(app);
}

static int request_cf(const coap_pdu_t *req, uint16_t opt)
{
    coap_opt_iterator_t it;
    coap_opt_t *o = coap_check_option(req, opt, &it);
    if (o == NULL) {
        return BRSKI_CF_NONE;
    }
    return (int)coap_decode_var_bytes(coap_opt_value(o), coap_opt_length(o));
}

static void upload_free(coap_upload *u)
{
    brski_buf_clear(&u->body);
    free(u);
}

static void upload_drop(coap_session_t *sess)
{
    coap_upload *u = coap_session_get_app_data(sess);
    if (u == NULL) {
        return;
    }
    brski_coap_server *s = coap_get_app_data(coap_session_get_context(sess));
    for (coap_upload **pp = &s->uploads; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == u) {
            *pp = u->next;
            break;
        }
    }
    coap_session_set_app_data(sess, NULL);
    upload_free(u);
}

static int on_event(coap_session_t *sess, const coap_event_t event)
{
    if (event == COAP_EVENT_SERVER_SESSION_DEL && sess != NULL) {
        upload_drop(sess);
    }
    if (event == COAP_EVENT_DTLS_CONNECTED && sess != NULL) {
        count_dtls_handshake(sess, true); /* for the load generator */
    }
    return 0;
}

/* 4.13 with Size1 = the largest body we take (RFC 7959 2.9.3). */
static void set_too_large(coap_pdu_t *resp, size_t cap)
{
    uint8_t v[4];
    (void)coap_add_option(resp, COAP_OPTION_SIZE1,
                          coap_encode_var_safe(v, sizeof(v), (unsigned int)cap), v);
    set_error(resp, 413, "RFC 7959 2.9.3: request body larger than this resource takes");
}

/* Value of an opaque option (at most |cap| bytes) into |out|; 0 when absent. */
static size_t request_opaque(const coap_pdu_t *req, uint16_t opt, uint8_t *out, size_t cap)
{
    coap_opt_iterator_t it;
    coap_opt_t *o = coap_check_option(req, opt, &it);
    size_t n = o != NULL ? coap_opt_length(o) : 0;
    if (n > cap) {
        n = cap;
    }
    if (n > 0) {
        memcpy(out, coap_opt_value(o), n);
    }
    return n;
}

enum { BODY_DONE, BODY_MORE, BODY_ERROR };

/* |len| <= the cap of |body| here, so only allocation can fail. */
static int body_take(brski_buf *body, const uint8_t *data, size_t len, coap_pdu_t *resp)
{
    if (len > 0 && brski_buf_append(body, data, len) != BRSKI_OK) {
        set_error(resp, 503, "out of memory");
        return BODY_ERROR;
    }
    return BODY_DONE;
}

/*
 * Gathers the request body into |body| (max |cap|). BODY_DONE: |body| is the
 * whole body. BODY_MORE: a block was stored and 2.31 Continue set. BODY_ERROR:
 * |resp| holds the error (4.00, 4.08, 4.13).
 */
static int body_collect(coap_session_t *sess, const coap_pdu_t *req,
                        const brski_coap_resource *res, size_t cap, brski_buf *body,
                        coap_pdu_t *resp)
{
    size_t len = 0;
    const uint8_t *data = NULL;
    if (!coap_get_data(req, &len, &data)) {
        len = 0;
    }
    coap_opt_iterator_t it;
    coap_opt_t *size1 = coap_check_option(req, COAP_OPTION_SIZE1, &it);
    if (size1 != NULL &&
        coap_decode_var_bytes8(coap_opt_value(size1), coap_opt_length(size1)) > cap) {
        upload_drop(sess);
        set_too_large(resp, cap);
        return BODY_ERROR;
    }
    coap_block_t b1;
    bool has_block = coap_check_option(req, COAP_OPTION_BLOCK1, &it) != NULL;
    if (has_block && !coap_get_block(req, COAP_OPTION_BLOCK1, &b1)) {
        set_error(resp, 400, "RFC 7959 2.2: invalid Block1 option");
        return BODY_ERROR;
    }
    if (!has_block) {
        if (len > cap) {
            set_too_large(resp, cap);
            return BODY_ERROR;
        }
        return body_take(body, data, len, resp);
    }
    size_t bsize = (size_t)1 << (b1.szx + 4);
    size_t offset = (size_t)b1.num << (b1.szx + 4);
    if (b1.m && len != bsize) {
        upload_drop(sess);
        set_error(resp, 400, "RFC 7959 2.2: a block other than the last must be full size");
        return BODY_ERROR;
    }
    if (offset + len > cap) {
        upload_drop(sess);
        set_too_large(resp, cap);
        return BODY_ERROR;
    }
    uint8_t tag[8];
    size_t tag_len = request_opaque(req, COAP_OPTION_RTAG, tag, sizeof(tag));
    coap_upload *u = coap_session_get_app_data(sess);
    if (offset == 0) {
        upload_drop(sess);
        if (!b1.m) {
            return body_take(body, data, len, resp);
        }
        u = calloc(1, sizeof(*u));
        if (u == NULL) {
            set_error(resp, 503, "out of memory");
            return BODY_ERROR;
        }
        u->res = res;
        brski_buf_init(&u->body, cap);
        memcpy(u->tag, tag, tag_len);
        u->tag_len = tag_len;
        brski_coap_server *s = coap_get_app_data(coap_session_get_context(sess));
        u->next = s->uploads;
        s->uploads = u;
        coap_session_set_app_data(sess, u);
    } else if (u != NULL && u->res == res && b1.m && offset + len == u->body.len &&
               memcmp(u->body.p + offset, data, len) == 0) {
        /* The last block again: our 2.31 was lost and the client retransmitted. */
        coap_pdu_set_code(resp, COAP_RESPONSE_CODE_CONTINUE);
        return BODY_MORE;
    } else if (u == NULL || u->res != res || u->body.len != offset || u->tag_len != tag_len ||
               memcmp(u->tag, tag, tag_len) != 0) {
        upload_drop(sess);
        set_error(resp, 408, "RFC 7959 2.9.2: Block1 out of sequence or earlier blocks missing");
        return BODY_ERROR;
    }
    if (brski_buf_append(&u->body, data, len) != BRSKI_OK) {
        upload_drop(sess);
        set_too_large(resp, cap);
        return BODY_ERROR;
    }
    if (b1.m) {
        coap_pdu_set_code(resp, COAP_RESPONSE_CODE_CONTINUE);
        return BODY_MORE;
    }
    *body = u->body; /* moved: |body| came in empty, with the same cap */
    brski_buf_init(&u->body, cap);
    upload_drop(sess);
    return BODY_DONE;
}

static const brski_coap_resource *find_resource(const brski_coap_server *s, coap_resource_t *r,
                                                brski_method m, bool *path_known)
{
    coap_str_const_t *up = coap_resource_get_uri_path(r);
    *path_known = false;
    for (size_t i = 0; up != NULL && i < s->n_res; i++) {
        const char *p = s->res[i].path;
        if (strlen(p) == up->length && memcmp(p, up->s, up->length) == 0) {
            *path_known = true;
            if (s->res[i].method == m) {
                return &s->res[i];
            }
        }
    }
    return NULL;
}

/* True when |res| can answer in Content-Format |cf| (|ct_out| or one of |ct_alt|). */
static bool resource_produces(const brski_coap_resource *res, int cf)
{
    if (cf == res->ct_out) {
        return true;
    }
    for (size_t i = 0; res->ct_alt != NULL && res->ct_alt[i] != BRSKI_CF_NONE; i++) {
        if (res->ct_alt[i] == cf) {
            return true;
        }
    }
    return false;
}

/*
 * The Content-Format of a response: the handler's choice in |ctype| (a
 * decimal the resource produces), else |ct_out|, else text/plain.
 */
static uint16_t response_cf(const brski_coap_resource *res, const char *ctype)
{
    char *end = NULL;
    long v = ctype[0] >= '0' && ctype[0] <= '9' ? strtol(ctype, &end, 10) : -1;
    if (end != NULL && *end == '\0' && v <= 65535 && resource_produces(res, (int)v)) {
        return (uint16_t)v;
    }
    return res->ct_out != BRSKI_CF_NONE ? (uint16_t)res->ct_out
                                        : (uint16_t)COAP_MEDIATYPE_TEXT_PLAIN;
}

/*
 * Message deduplication (RFC 7252 4.5): "The recipient SHOULD acknowledge
 * each duplicate copy of a Confirmable message using the same
 * Acknowledgement or Reset message but SHOULD process any request or
 * response in the message only once". libcoap 4.3.1 hands a retransmitted
 * CON request to the handler again, and a second /rv would replay the
 * nonce at the MASA, a second /sen issue a second certificate. So the
 * answer to each CON POST is kept for EXCHANGE_LIFETIME, keyed by peer
 * address, Message ID and token, and a duplicate gets it again without
 * running the handler. (GET is idempotent, RFC 7252 5.1, and is not kept.)
 */
typedef struct coap_dedup {
    bool used;
    time_t at;                          /* CLOCK_MONOTONIC seconds */
    char addr[64];
    coap_mid_t mid;
    uint8_t token[8];
    size_t token_len;
    coap_pdu_code_t code;
    uint16_t ct;
    uint8_t *body;                      /* payload (diagnostic text for errors) */
    size_t len;
} coap_dedup;

static uint64_t mono_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static time_t mono_now(void)
{
    return (time_t)(mono_ms() / 1000u);
}

static bool dedup_match(const coap_dedup *e, const char *addr, const coap_pdu_t *req)
{
    coap_bin_const_t tok = coap_pdu_get_token(req);
    return e->used && e->mid == coap_pdu_get_mid(req) && strcmp(e->addr, addr) == 0 &&
           e->token_len == tok.length && memcmp(e->token, tok.s, tok.length) == 0 &&
           mono_now() - e->at <= (time_t)COAP_EXCHANGE_LIFETIME_S;
}

static const coap_dedup *dedup_find(const brski_coap_server *s, const char *addr,
                                    const coap_pdu_t *req)
{
    for (size_t i = 0; s->dedup != NULL && i < COAP_DEDUP_SLOTS; i++) {
        if (dedup_match(&s->dedup[i], addr, req)) {
            return &s->dedup[i];
        }
    }
    return NULL;
}

/*
 * Remembers the answer to the request (|addr|, |mid|, |tok|), replacing
 * the oldest slot. Best effort.
 */
static void dedup_store(brski_coap_server *s, const char *addr, coap_mid_t mid,
                        coap_bin_const_t tok, coap_pdu_code_t code, uint16_t ct,
                        const uint8_t *body, size_t len)
{
    if (s->dedup == NULL || len > COAP_DEDUP_MAX_BODY || tok.length > sizeof(s->dedup[0].token)) {
        return;
    }
    coap_dedup *e = &s->dedup[0];
    for (size_t i = 1; i < COAP_DEDUP_SLOTS && e->used; i++) {
        if (!s->dedup[i].used || s->dedup[i].at < e->at) {
            e = &s->dedup[i];
        }
    }
    uint8_t *copy = len > 0 ? brski_memdup(body, len) : NULL;
    if (len > 0 && copy == NULL) {
        return;
    }
    free(e->body);
    memset(e, 0, sizeof(*e));
    e->used = true;
    e->at = mono_now();
    snprintf(e->addr, sizeof(e->addr), "%s", addr);
    e->mid = mid;
    memcpy(e->token, tok.s, tok.length);
    e->token_len = tok.length;
    e->code = code;
    e->ct = ct;
    e->body = copy;
    e->len = len;
}

/* Frees what brski_coap_server_new() set up (no thread, no jobs). */
static void server_release(brski_coap_server *s)
{
    if (s->ctx != NULL) {
        coap_free_context(s->ctx);
    }
    while (s->uploads != NULL) {
        coap_upload *u = s->uploads;
        s->uploads = u->next;
        upload_free(u);
    }
    for (size_t i = 0; s->dedup != NULL && i < COAP_DEDUP_SLOTS; i++) {
        free(s->dedup[i].body);
    }
    free(s->dedup);
    for (size_t i = 0; i < 2; i++) {
        if (s->wake[i] >= 0) {
            close(s->wake[i]);
        }
    }
    free(s);
}

/*
 * Fills |resp| with |code| and |len| bytes of |body|: as a diagnostic
 * payload for an error code, else as Content-Format |ct| (block-wise by
 * libcoap when large).
 */
static void respond(coap_resource_t *r, coap_session_t *sess, const coap_pdu_t *req,
                    const coap_string_t *query, coap_pdu_t *resp, coap_pdu_code_t code,
                    uint16_t ct, const uint8_t *body, size_t len)
{
    coap_pdu_set_code(resp, code);
    if (len == 0) {
        return;
    }
    if (COAP_RESPONSE_CLASS(code) >= 4) {
        (void)coap_add_data(resp, len, body);
        return;
    }
    uint8_t *copy = brski_memdup(body, len);
    if (copy == NULL) {
        set_error(resp, 500, "out of memory");
        return;
    }
    /* On failure libcoap has released |copy|; for a Block2 number past the end
     * it has already set 4.00 (RFC 7959 2.4), keep that. */
    if (!coap_add_data_large_response(r, sess, req, resp, query, ct, -1, 0, len, copy,
                                      release_body, copy) &&
        COAP_RESPONSE_CLASS(coap_pdu_get_code(resp)) < 4) {
        set_error(resp, 500, "cannot send response");
    }
}

/* One request handed to a handler, and its answer. */
typedef struct coap_call {
    brski_http_msg rq;
    brski_http_msg rs;
    coap_peer_chain pc;
    brski_http_peer peer;
    brski_err rv;
} coap_call;

static coap_call *call_new(coap_session_t *sess, const brski_coap_resource *res, brski_method m,
                           const coap_string_t *query, int cf, int accept, size_t cap,
                           const char *addr)
{
    coap_call *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return NULL;
    }
    snprintf(c->peer.addr, sizeof(c->peer.addr), "%s", addr);
    peer_collect(sess, &c->pc, &c->peer);
    brski_http_msg_init(&c->rq, cap);
    brski_http_msg_init(&c->rs, BRSKI_MAX_BODY);
    c->rq.method = m;
    snprintf(c->rq.path, sizeof(c->rq.path), "/%s", res->path);
    if (query != NULL && query->length < sizeof(c->rq.query)) {
        memcpy(c->rq.query, query->s, query->length);
        c->rq.query[query->length] = '\0';
    }
    if (cf != BRSKI_CF_NONE) {
        snprintf(c->rq.ctype, sizeof(c->rq.ctype), "%d", cf);
    }
    if (accept != BRSKI_CF_NONE) {
        snprintf(c->rq.accept, sizeof(c->rq.accept), "%d", accept);
    }
    return c;
}

static void call_free(coap_call *c)
{
    if (c == NULL) {
        return;
    }
    brski_http_msg_clear(&c->rq);
    brski_http_msg_clear(&c->rs);
    chain_free(&c->pc);
    free(c);
}

/*
 * Answers |req| from |call|; when |keep|, the answer is remembered for
 * duplicates of the request that had Message ID |mid| (libcoap's copy of a
 * deferred request has a new one).
 */
static void finish(brski_coap_server *s, coap_resource_t *r, coap_session_t *sess,
                   const coap_pdu_t *req, const coap_string_t *query, coap_pdu_t *resp,
                   const brski_coap_resource *res, const coap_call *call, bool keep,
                   coap_mid_t mid)
{
    const brski_http_msg *rs = &call->rs;
    coap_pdu_code_t rcode;
    uint16_t ct = 0;
    const uint8_t *out = (const uint8_t *)rs->reason;
    size_t olen = strnlen(rs->reason, BRSKI_HTTP_MAX_REASON);
    brski_method m = call->rq.method;
    if (call->rv != BRSKI_OK) {
        rcode = coap_code_from_status(brski_err_coap(call->rv), false);
    } else if (rs->status >= 400) {
        rcode = coap_code_from_status(rs->status, false);
    } else {
        rcode = coap_code_from_status(rs->status, m == BRSKI_METHOD_GET);
        ct = response_cf(res, rs->ctype);
        out = rs->body.p;
        olen = rs->body.len;
    }
    if (keep) {
        dedup_store(s, call->peer.addr, mid, coap_pdu_get_token(req), rcode, ct, out, olen);
    }
    respond(r, sess, req, query, resp, rcode, ct, out, olen);
}

/*
 * Deferred requests (RFC 7252 5.2.2 separate response; RFC 9148 4.7 "an
 * empty ACK ... later a separate 2.04"): a resource marked |deferred| (the
 * voucher request, which waits on the MASA) runs its handler on a worker
 * thread, so the CoAPS thread keeps serving others. libcoap acknowledges
 * the request at once (coap_register_async); when the worker is done,
 * job_poll() on the CoAPS thread triggers the async entry and libcoap hands
 * the request to on_request() again, which answers from the job.
 */
typedef struct coap_job {
    struct coap_job *next;
    brski_coap_server *s;
    coap_session_t *sess;   /* referenced while the job lives */
    uint8_t token[8];
    size_t token_len;
    coap_mid_t mid;         /* of the request as received */
    const brski_coap_resource *res;
    coap_call *call;
    pthread_t thread;
    bool joined;
    bool triggered;
    time_t at;
    atomic_bool done;
} coap_job;

static bool job_token_is(const coap_job *j, coap_bin_const_t tok)
{
    return j->token_len == tok.length && memcmp(j->token, tok.s, tok.length) == 0;
}

static coap_job *job_find(const brski_coap_server *s, const coap_session_t *sess,
                          const coap_pdu_t *req)
{
    coap_bin_const_t tok = coap_pdu_get_token(req);
    for (coap_job *j = s->jobs; j != NULL; j = j->next) {
        if (j->sess == sess && job_token_is(j, tok)) {
            return j;
        }
    }
    return NULL;
}

/*
 * Unlinks, joins and frees |job|. Outside the dispatch of its triggered
 * request (|fired| false) it also drops libcoap's async entry; a fired
 * entry is freed by libcoap itself after the handler returns.
 */
static void job_free(brski_coap_server *s, coap_job *job, bool fired)
{
    for (coap_job **pp = &s->jobs; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == job) {
            *pp = job->next;
            s->n_jobs--;
            break;
        }
    }
    if (!job->joined) {
        pthread_join(job->thread, NULL);
    }
    coap_async_t *a = fired ? NULL
                            : coap_find_async(job->sess,
                                              (coap_bin_const_t){job->token_len, job->token});
    if (a != NULL) {
        coap_free_async(job->sess, a);
    }
    coap_session_release(job->sess);
    call_free(job->call);
    free(job);
}

static void *job_run(void *arg)
{
    coap_job *j = arg;
    j->call->rv = j->res->fn(j->s->handler_ctx, &j->call->peer, &j->call->rq, &j->call->rs);
    brski_tls_thread_cleanup(); /* the handler ran wolfCrypt on this thread */
    atomic_store(&j->done, true);
    ssize_t w = write(j->s->wake[1], "w", 1); /* a full pipe is fine: job_poll runs anyway */
    (void)w;
    return NULL;
}

/* Starts |call| on a worker; libcoap sends the empty ACK. Takes |call|. */
static void defer(brski_coap_server *s, coap_session_t *sess, const coap_pdu_t *req,
                  coap_pdu_t *resp, const brski_coap_resource *res, coap_call *call)
{
    coap_bin_const_t tok = coap_pdu_get_token(req);
    coap_job *j = NULL;
    if (s->n_jobs < COAP_MAX_JOBS && tok.length <= sizeof(j->token)) {
        j = calloc(1, sizeof(*j));
    }
    if (j == NULL) {
        /* RFC 9148 4.7: 5.03 Service Unavailable with Max-Age, the client retries. */
        uint8_t b[4];
        call_free(call);
        (void)coap_add_option(resp, COAP_OPTION_MAXAGE,
                              coap_encode_var_safe(b, sizeof(b), COAP_BUSY_MAX_AGE_S), b);
        set_error(resp, 503, "busy: retry after Max-Age");
        return;
    }
    j->s = s;
    j->res = res;
    j->call = call;
    memcpy(j->token, tok.s, tok.length);
    j->token_len = tok.length;
    j->mid = coap_pdu_get_mid(req);
    j->at = mono_now();
    atomic_init(&j->done, false);
    if (coap_register_async(sess, req, 0) == NULL) {
        free(j);
        call_free(call);
        set_error(resp, 500, "cannot defer the request");
        return;
    }
    j->sess = coap_session_reference(sess);
    if (pthread_create(&j->thread, NULL, job_run, j) != 0) {
        j->joined = true;
        j->call->rv = BRSKI_ERR_NOMEM;
        atomic_store(&j->done, true);
    }
    j->next = s->jobs;
    s->jobs = j;
    s->n_jobs++;
}

/*
 * On the CoAPS thread: triggers the async entry of every finished job (its
 * answer is then sent by on_request) and drops jobs whose session or async
 * entry went away or that were never answered within EXCHANGE_LIFETIME.
 */
static void job_poll(brski_coap_server *s)
{
    coap_job *j = s->jobs;
    while (j != NULL) {
        coap_job *next = j->next;
        if (atomic_load(&j->done) && !j->joined) {
            pthread_join(j->thread, NULL);
            j->joined = true;
        }
        coap_async_t *a = coap_find_async(j->sess, (coap_bin_const_t){j->token_len, j->token});
        if (j->joined && !j->triggered && a != NULL) {
            coap_async_trigger(a);
            j->triggered = true;
        } else if (j->joined && (a == NULL ||
                                 mono_now() - j->at > (time_t)COAP_EXCHANGE_LIFETIME_S)) {
            job_free(s, j, false);
        }
        j = next;
    }
}

/* Waits for and frees every job (server stop). */
static void job_clear(brski_coap_server *s)
{
    while (s->jobs != NULL) {
        job_free(s, s->jobs, false);
    }
}

static bool is_deferred(const brski_coap_server *s, const brski_coap_resource *res)
{
    for (size_t i = 0; s->deferred_paths != NULL && s->deferred_paths[i] != NULL; i++) {
        if (strcmp(s->deferred_paths[i], res->path) == 0) {
            return true;
        }
    }
    return false;
}

static void on_request(coap_resource_t *r, coap_session_t *sess, const coap_pdu_t *req,
                       const coap_string_t *query, coap_pdu_t *resp)
{
    brski_coap_server *s = coap_get_app_data(coap_session_get_context(sess));
    coap_pdu_code_t code = coap_pdu_get_code(req);
    brski_method m = code == COAP_REQUEST_CODE_GET    ? BRSKI_METHOD_GET
                     : code == COAP_REQUEST_CODE_POST ? BRSKI_METHOD_POST
                                                      : BRSKI_METHOD_OTHER;
    bool known = false;
    atomic_fetch_add(&s->requests, 1);
    const brski_coap_resource *res = find_resource(s, r, m, &known);
    if (res == NULL) {
        set_error(resp, known ? 405 : 404, known ? "method not allowed" : "not found");
        return;
    }
    int cf = request_cf(req, COAP_OPTION_CONTENT_FORMAT);
    if (res->ct_in != BRSKI_CF_NONE && cf != res->ct_in) {
        set_error(resp, 415, "RFC 9148: unsupported Content-Format");
        return;
    }
    int accept = request_cf(req, COAP_OPTION_ACCEPT);
    if (accept != BRSKI_CF_NONE && !resource_produces(res, accept)) {
        set_error(resp, 406, "RFC 7252 5.10.4: cannot produce the requested Content-Format");
        return;
    }
    brski_http_peer peer; /* the address here; the chain is collected into the call */
    memset(&peer, 0, sizeof(peer));
    session_addr(sess, peer.addr, sizeof(peer.addr));
    bool keep = m == BRSKI_METHOD_POST && coap_pdu_get_type(req) == COAP_MESSAGE_CON;
    const coap_dedup *seen = keep ? dedup_find(s, peer.addr, req) : NULL;
    if (seen != NULL) {
        brski_log(BRSKI_LOG_DEBUG, "coap: RFC 7252 4.5: duplicate of an answered request");
        respond(r, sess, req, query, resp, seen->code, seen->ct, seen->body, seen->len);
        return;
    }
    bool deferred = is_deferred(s, res);
    coap_job *job = deferred ? job_find(s, sess, req) : NULL;
    if (job != NULL) {
        /*
         * libcoap's copy of the request, fired by job_poll() once the worker
         * is done, has a Message ID of its own; the original's is a duplicate.
         */
        if (coap_pdu_get_mid(req) != job->mid && job->triggered) {
            finish(s, r, sess, req, query, resp, res, job->call, keep, job->mid);
            job_free(s, job, true);
            return;
        }
        /* A duplicate while the job runs: acknowledge it again (RFC 7252 4.5). */
        (void)coap_send_ack(sess, req);
        return;
    }
    /* After the two lookups above: a repeated or re-dispatched last Block1 is answered there. */
    size_t cap = res->max_body < BRSKI_MAX_BODY ? res->max_body : BRSKI_MAX_BODY;
    brski_buf body;
    brski_buf_init(&body, cap);
    int got = body_collect(sess, req, res, cap, &body, resp);
    if (got != BODY_DONE) {
        brski_buf_clear(&body);
        return;
    }
    coap_call *call = call_new(sess, res, m, query, cf, accept, cap, peer.addr);
    if (call == NULL) {
        brski_buf_clear(&body);
        set_error(resp, 500, "out of memory");
        return;
    }
    call->rq.body = body; /* moved: call_new() left it empty, with the same cap */
    if (deferred) {
        defer(s, sess, req, resp, res, call);
        return;
    }
    call->rv = res->fn(s->handler_ctx, &call->peer, &call->rq, &call->rs);
    finish(s, r, sess, req, query, resp, res, call, keep, coap_pdu_get_mid(req));
    call_free(call);
}

static brski_err parse_addr(const char *host, uint16_t port, coap_address_t *a)
{
    coap_address_init(a);
    if (inet_pton(AF_INET, host, &a->addr.sin.sin_addr) == 1) {
        a->addr.sin.sin_family = AF_INET;
        a->addr.sin.sin_port = htons(port);
        a->size = sizeof(a->addr.sin);
        return BRSKI_OK;
    }
    if (inet_pton(AF_INET6, host, &a->addr.sin6.sin6_addr) == 1) {
        a->addr.sin6.sin6_family = AF_INET6;
        a->addr.sin6.sin6_port = htons(port);
        a->size = sizeof(a->addr.sin6);
        return BRSKI_OK;
    }
    return BRSKI_ERR_ARG;
}

static brski_err add_resources(brski_coap_server *s)
{
    for (size_t i = 0; i < s->n_res; i++) {
        const brski_coap_resource *e = &s->res[i];
        bool dup = false;
        for (size_t j = 0; j < i; j++) {
            dup = dup || strcmp(s->res[j].path, e->path) == 0;
        }
        if (dup) {
            continue; /* one libcoap resource per path; methods found in the table */
        }
        coap_resource_t *r = coap_resource_init(coap_make_str_const(e->path), 0);
        if (r == NULL) {
            return BRSKI_ERR_NOMEM;
        }
        for (size_t j = i; j < s->n_res; j++) {
            if (strcmp(s->res[j].path, e->path) != 0) {
                continue;
            }
            if (s->res[j].method == BRSKI_METHOD_GET) {
                coap_register_handler(r, COAP_REQUEST_GET, on_request);
            } else if (s->res[j].method == BRSKI_METHOD_POST) {
                coap_register_handler(r, COAP_REQUEST_POST, on_request);
            }
        }
        char v[COAP_MAX_RT];
        if (e->ct_out != BRSKI_CF_NONE && e->ct_alt == NULL) {
            snprintf(v, sizeof(v), "%d", e->ct_out);
            (void)coap_add_attr(r, coap_make_str_const("ct"), coap_make_str_const(v), 0);
        } else if (e->ct_out != BRSKI_CF_NONE) {
            /* RFC 7252 7.2.1: several formats as a quoted space-separated list. */
            size_t k = (size_t)snprintf(v, sizeof(v), "\"%d", e->ct_out);
            for (size_t j = 0; e->ct_alt[j] != BRSKI_CF_NONE && k + 8 < sizeof(v); j++) {
                k += (size_t)snprintf(v + k, sizeof(v) - k, " %d", e->ct_alt[j]);
            }
            snprintf(v + k, sizeof(v) - k, "\"");
            (void)coap_add_attr(r, coap_make_str_const("ct"), coap_make_str_const(v), 0);
        }
        if (e->rt != NULL) {
            snprintf(v, sizeof(v), "\"%s\"", e->rt);
            (void)coap_add_attr(r, coap_make_str_const("rt"), coap_make_str_const(v), 0);
        }
        coap_add_resource(s->ctx, r);
    }
    return BRSKI_OK;
}

/* The UDP address of |host|:|port| and the libcoap library, once per process. */
static brski_err coap_prepare(const char *host, uint16_t port, coap_address_t *addr)
{
    if (parse_addr(host, port, addr) != BRSKI_OK) {
        return BRSKI_ERR_ARG;
    }
    pthread_once(&coap_once, coap_init_once);
    return coap_dtls_is_supported() ? BRSKI_OK : BRSKI_ERR_UNSUPPORTED;
}

static uint16_t endpoint_port(const coap_endpoint_t *ep, uint16_t fallback)
{
    const char *str = coap_endpoint_str(ep);
    const char *c = str != NULL ? strrchr(str, ':') : NULL;
    if (c == NULL) {
        return fallback;
    }
    long v = strtol(c + 1, NULL, 10);
    return v > 0 && v <= 65535 ? (uint16_t)v : fallback;
}

brski_err brski_coap_server_new(const brski_coap_config *cfg, brski_coap_server **out)
{
    *out = NULL;
    if (cfg == NULL || cfg->host == NULL || cfg->cert_file == NULL || cfg->key_file == NULL ||
        cfg->resources == NULL || cfg->n_resources == 0) {
        return BRSKI_ERR_ARG;
    }
    for (size_t i = 0; i < cfg->n_resources; i++) {
        const brski_coap_resource *e = &cfg->resources[i];
        if (e->path == NULL || e->path[0] == '/' || e->fn == NULL ||
            (e->method != BRSKI_METHOD_GET && e->method != BRSKI_METHOD_POST)) {
            return BRSKI_ERR_ARG;
        }
    }
    coap_address_t addr;
    brski_err prv = coap_prepare(cfg->host, cfg->port, &addr);
    if (prv != BRSKI_OK) {
        return prv;
    }
    brski_coap_server *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return BRSKI_ERR_NOMEM;
    }
    s->wake[0] = s->wake[1] = -1;
    s->dedup = calloc(COAP_DEDUP_SLOTS, sizeof(*s->dedup));
    if (s->dedup == NULL) {
        server_release(s);
        return BRSKI_ERR_NOMEM;
    }
    if (pipe(s->wake) != 0 || fcntl(s->wake[0], F_SETFL, O_NONBLOCK) != 0 ||
        fcntl(s->wake[1], F_SETFL, O_NONBLOCK) != 0) {
        server_release(s);
        return BRSKI_ERR_IO;
    }
    s->res = cfg->resources;
    s->n_res = cfg->n_resources;
    s->handler_ctx = cfg->handler_ctx;
    s->deferred_paths = cfg->deferred_paths;
    atomic_init(&s->stop, false);
    atomic_init(&s->requests, 0);
    s->ctx = coap_new_context(NULL);
    if (s->ctx == NULL) {
        server_release(s);
        return BRSKI_ERR_NOMEM;
    }
    coap_set_app_data(s->ctx, s);
    coap_context_set_block_mode(s->ctx, COAP_BLOCK_USE_LIBCOAP); /* Block1: body_collect() */
    coap_register_event_handler(s->ctx, on_event);
    coap_context_set_max_idle_sessions(s->ctx, COAP_MAX_IDLE_SESSIONS);
    coap_context_set_max_handshake_sessions(s->ctx, COAP_MAX_HANDSHAKE_SESSIONS);
    coap_context_set_session_timeout(s->ctx, COAP_SESSION_TIMEOUT_S);

    coap_dtls_pki_t pki;
    memset(&pki, 0, sizeof(pki));
    pki.version = COAP_DTLS_PKI_SETUP_VERSION;
    pki.verify_peer_cert = 0; /* the decision is ours: tls_setup() asks for the certificate */
    pki.additional_tls_setup_call_back = tls_setup;
    pki.pki_key.key_type = COAP_PKI_KEY_PEM;
    pki.pki_key.key.pem.public_cert = cfg->cert_file;
    pki.pki_key.key.pem.private_key = cfg->key_file;
    brski_err rv = BRSKI_OK;
    if (!coap_context_set_pki(s->ctx, &pki)) {
        brski_log(BRSKI_LOG_ERROR, "coap: cannot load the DTLS certificate or key");
        rv = BRSKI_ERR_IO;
    }
    coap_endpoint_t *ep = NULL;
    if (rv == BRSKI_OK) {
        ep = coap_new_endpoint(s->ctx, &addr, COAP_PROTO_DTLS);
        if (ep == NULL) {
            rv = BRSKI_ERR_IO;
        }
    }
    if (rv == BRSKI_OK) {
        s->port = endpoint_port(ep, cfg->port);
        rv = add_resources(s);
    }
    if (rv != BRSKI_OK) {
        server_release(s);
        return rv;
    }
    *out = s;
    return BRSKI_OK;
}

uint16_t brski_coap_server_port(const brski_coap_server *s)
{
    return s->port;
}

static void *coap_thread(void *arg)
{
    brski_coap_server *s = arg;
    while (!atomic_load(&s->stop)) {
        fd_set rfds;
        FD_ZERO(&rfds);
        FD_SET(s->wake[0], &rfds);
        if (coap_io_process_with_fds(s->ctx, COAP_POLL_MS, s->wake[0] + 1, &rfds, NULL, NULL) <
            0) {
            brski_log(BRSKI_LOG_ERROR, "coap: I/O processing failed");
            break;
        }
        if (FD_ISSET(s->wake[0], &rfds)) {
            uint8_t drain[64];
            while (read(s->wake[0], drain, sizeof(drain)) > 0) {
            }
        }
        job_poll(s);
    }
    job_clear(s); /* joins the workers before the handler context can go away */
    brski_tls_thread_cleanup(); /* handlers ran wolfCrypt ECC on this thread */
    return NULL;
}

brski_err brski_coap_server_start(brski_coap_server *s)
{
    if (s->started) {
        return BRSKI_ERR_ARG;
    }
    atomic_store(&s->stop, false);
    if (pthread_create(&s->thread, NULL, coap_thread, s) != 0) {
        return BRSKI_ERR_NOMEM;
    }
    s->started = true;
    return BRSKI_OK;
}

void brski_coap_server_stop(brski_coap_server *s)
{
    if (s == NULL || !s->started) {
        return;
    }
    atomic_store(&s->stop, true);
    pthread_join(s->thread, NULL);
    s->started = false;
}

void brski_coap_server_free(brski_coap_server *s)
{
    if (s == NULL) {
        return;
    }
    brski_coap_server_stop(s);
    job_clear(s); /* never started: nothing; otherwise already empty */
    server_release(s);
}

uint64_t brski_coap_server_requests(const brski_coap_server *s)
{
    return (uint64_t)atomic_load(&s->requests);
}

/* ==== CoAPS client (the pledge side; see coap.h) ==== */

#define COAP_CLIENT_DEFAULT_TIMEOUT_MS 30000u
#define COAP_CLIENT_SLICE_MS 50u

struct brski_coap_client {
    coap_context_t *ctx;
    coap_session_t *sess;
    unsigned timeout_ms;
    size_t max_response;
    unsigned block_szx;         /* 0..6 when block_set */
    bool block_set;
    bool connected;             /* DTLS handshake done */
    bool broken;                /* session failed: no more requests */
    brski_err fail;             /* why the session or request failed */
    coap_peer_chain server;     /* server chain, leaf first */
    /* the request in flight */
    uint8_t token[8];
    size_t token_len;
    bool waiting;
    bool done;
    brski_coap_response *resp;
};

void brski_coap_response_init(brski_coap_response *r)
{
    memset(r, 0, sizeof(*r));
    r->cf = BRSKI_CF_NONE;
    brski_buf_init(&r->body, BRSKI_COAP_CLIENT_MAX_RESPONSE);
}

void brski_coap_response_clear(brski_coap_response *r)
{
    brski_buf_clear(&r->body);
}

static brski_coap_client *client_of(coap_session_t *sess)
{
    return coap_get_app_data(coap_session_get_context(sess));
}

static void client_fail(brski_coap_client *c, brski_err rv)
{
    if (!c->broken) {
        c->fail = rv;
    }
    c->broken = true;
    c->done = true;
}

static int client_on_event(coap_session_t *sess, const coap_event_t ev)
{
    brski_coap_client *c = client_of(sess);
    if (c == NULL) {
        return 0;
    }
    switch (ev) {
    case COAP_EVENT_DTLS_CONNECTED:
        c->connected = true;
        count_dtls_handshake(sess, false);
        break;
    case COAP_EVENT_DTLS_ERROR:
        /* A DTLS alert during the handshake: the peers did not authenticate. */
        if (!c->connected) {
            c->fail = BRSKI_ERR_AUTH;
        }
        client_fail(c, BRSKI_ERR_AUTH);
        break;
    case COAP_EVENT_DTLS_CLOSED:
    case COAP_EVENT_SESSION_FAILED:
        client_fail(c, BRSKI_ERR_IO);
        break;
    default:
        break;
    }
    return 0;
}

static void client_on_nack(coap_session_t *sess, const coap_pdu_t *sent,
                           const coap_nack_reason_t reason, const coap_mid_t mid)
{
    (void)sent;
    (void)mid;
    brski_coap_client *c = client_of(sess);
    if (c == NULL) {
        return;
    }
    switch (reason) {
    case COAP_NACK_TOO_MANY_RETRIES:
        brski_log(BRSKI_LOG_WARN, "coap client: RFC 7252 4.2: no ACK after the retransmissions");
        client_fail(c, BRSKI_ERR_TIMEOUT);
        break;
    case COAP_NACK_TLS_FAILED:
        client_fail(c, BRSKI_ERR_IO);
        break;
    case COAP_NACK_RST:
        brski_log(BRSKI_LOG_WARN, "coap client: the server answered with RST");
        client_fail(c, BRSKI_ERR_IO);
        break;
    default:
        client_fail(c, BRSKI_ERR_IO);
        break;
    }
}

/*
 * Each block arrives here (COAP_BLOCK_USE_LIBCOAP without SINGLE_BODY), so the
 * cap holds before libcoap assembles anything large.
 */
static coap_response_t client_on_response(coap_session_t *sess, const coap_pdu_t *sent,
                                          const coap_pdu_t *recv, const coap_mid_t mid)
{
    (void)sent;
    (void)mid;
    brski_coap_client *c = client_of(sess);
    if (c == NULL || !c->waiting || c->done) {
        return COAP_RESPONSE_OK;
    }
    coap_bin_const_t tok = coap_pdu_get_token(recv);
    if (tok.length != c->token_len || memcmp(tok.s, c->token, tok.length) != 0) {
        return COAP_RESPONSE_OK; /* not ours (late duplicate) */
    }
    brski_coap_response *r = c->resp;
    coap_pdu_code_t code = coap_pdu_get_code(recv);
    r->code = (int)COAP_RESPONSE_CLASS(code) * 100 + (int)(code & 0x1f);
    r->cf = request_cf(recv, COAP_OPTION_CONTENT_FORMAT);
    coap_opt_iterator_t it;
    coap_opt_t *o = coap_check_option(recv, COAP_OPTION_MAXAGE, &it);
    if (o != NULL) {
        r->has_max_age = true;
        r->max_age = coap_decode_var_bytes(coap_opt_value(o), coap_opt_length(o));
    }
    size_t len = 0, offset = 0, total = 0;
    const uint8_t *data = NULL;
    if (!coap_get_data_large(recv, &len, &data, &offset, &total)) {
        len = 0;
        offset = 0;
        total = 0;
    }
    if (total > c->max_response || offset + len > c->max_response) {
        brski_log(BRSKI_LOG_WARN, "coap client: response larger than %zu bytes", c->max_response);
        client_fail(c, BRSKI_ERR_TOOBIG);
        return COAP_RESPONSE_OK;
    }
    if (len > 0 && offset == r->body.len) {
        if (brski_buf_append(&r->body, data, len) != BRSKI_OK) {
            client_fail(c, BRSKI_ERR_TOOBIG);
            return COAP_RESPONSE_OK;
        }
    } else if (len > 0 && offset > r->body.len) {
        brski_log(BRSKI_LOG_WARN, "coap client: RFC 7959: block out of order");
        client_fail(c, BRSKI_ERR_MALFORMED);
        return COAP_RESPONSE_OK;
    }
    coap_block_t b2;
    memset(&b2, 0, sizeof(b2));
    bool more = coap_get_block(recv, COAP_OPTION_BLOCK2, &b2) && b2.m;
    if (!more) {
        c->done = true;
    }
    return COAP_RESPONSE_OK;
}

/* Runs the I/O loop until |c->done| or the session fails or |deadline| passes. */
static brski_err client_wait(brski_coap_client *c, uint64_t deadline, const bool *flag)
{
    while (!*flag && !c->broken) {
        uint64_t now = mono_ms();
        if (now >= deadline) {
            return BRSKI_ERR_TIMEOUT;
        }
        uint64_t left = deadline - now;
        uint32_t wait = left < COAP_CLIENT_SLICE_MS ? (uint32_t)left : COAP_CLIENT_SLICE_MS;
        if (coap_io_process(c->ctx, wait > 0 ? wait : 1) < 0) {
            client_fail(c, BRSKI_ERR_IO);
        }
    }
    return c->broken ? c->fail : BRSKI_OK;
}

/* The server's chain from the OpenSSL session; on a client it includes the leaf. */
static brski_err client_collect_chain(brski_coap_client *c)
{
    SSL *ssl = session_ssl(c->sess);
    if (ssl == NULL) {
        return BRSKI_ERR_INTERNAL;
    }
    STACK_OF(X509) *sk = SSL_get_peer_cert_chain(ssl);
    int n = sk != NULL ? sk_X509_num(sk) : 0;
    for (int i = 0; i < n; i++) {
        if (!chain_add(&c->server, sk_X509_value(sk, i))) {
            return BRSKI_ERR_TOOBIG;
        }
    }
    return c->server.n > 0 ? BRSKI_OK : BRSKI_ERR_AUTH;
}

/*
 * libcoap loads only the first certificate of the PEM file (and 4.3.1 does
 * not call additional_tls_setup_call_back for clients); the pledge sends its
 * whole IDevID chain (leaf first, then the manufacturer intermediates) so the
 * registrar can build the path to its idevid anchor, as over TLS. Called
 * right after the session is created: the ClientHello is out, the client's
 * Certificate message is built only after the server's flight.
 */
static brski_err client_use_chain(brski_coap_client *c, const char *file)
{
    SSL *ssl = session_ssl(c->sess);
    if (ssl == NULL) {
        return BRSKI_ERR_INTERNAL;
    }
    if (SSL_use_certificate_chain_file(ssl, file) != 1 || SSL_check_private_key(ssl) != 1) {
        brski_log(BRSKI_LOG_ERROR, "coap client: cannot load the certificate chain %s", file);
        return BRSKI_ERR_IO;
    }
    return BRSKI_OK;
}

brski_err brski_coap_client_new(const brski_coap_client_config *cfg, brski_coap_client **out)
{
    *out = NULL;
    if (cfg == NULL || cfg->host == NULL || cfg->cert_file == NULL || cfg->key_file == NULL ||
        cfg->port == 0) {
        return BRSKI_ERR_ARG;
    }
    unsigned szx = 0;
    if (cfg->block_size != 0) {
        while (szx < 7 && (16u << szx) < cfg->block_size) {
            szx++;
        }
        if (szx > 6 || (16u << szx) != cfg->block_size) {
            return BRSKI_ERR_ARG;
        }
    }
    coap_address_t addr;
    brski_err prv = coap_prepare(cfg->host, cfg->port, &addr);
    if (prv != BRSKI_OK) {
        return prv;
    }
    brski_coap_client *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return BRSKI_ERR_NOMEM;
    }
    c->timeout_ms = cfg->timeout_ms != 0 ? cfg->timeout_ms : COAP_CLIENT_DEFAULT_TIMEOUT_MS;
    c->max_response = cfg->max_response != 0 && cfg->max_response < BRSKI_COAP_CLIENT_MAX_RESPONSE
                          ? cfg->max_response
                          : BRSKI_COAP_CLIENT_MAX_RESPONSE;
    c->block_set = cfg->block_size != 0;
    c->block_szx = szx;
    c->ctx = coap_new_context(NULL);
    if (c->ctx == NULL) {
        free(c);
        return BRSKI_ERR_NOMEM;
    }
    coap_set_app_data(c->ctx, c);
    coap_context_set_block_mode(c->ctx, COAP_BLOCK_USE_LIBCOAP);
    coap_register_response_handler(c->ctx, client_on_response);
    coap_register_nack_handler(c->ctx, client_on_nack);
    coap_register_event_handler(c->ctx, client_on_event);

    coap_dtls_pki_t pki;
    memset(&pki, 0, sizeof(pki));
    pki.version = COAP_DTLS_PKI_SETUP_VERSION;
    /*
     * OpenSSL's path verdict is not ours: the handshake accepts the chain,
     * |verify| (our policy) decides right after it, before any request.
     */
    pki.verify_peer_cert = 0;
    pki.client_sni = NULL; /* cBRSKI 6.3: the pledge SHOULD NOT send SNI */
    pki.pki_key.key_type = COAP_PKI_KEY_PEM;
    pki.pki_key.key.pem.public_cert = cfg->cert_file;
    pki.pki_key.key.pem.private_key = cfg->key_file;
    c->sess = coap_new_client_session_pki(c->ctx, NULL, &addr, COAP_PROTO_DTLS, &pki);
    brski_err rv = BRSKI_OK;
    if (c->sess == NULL) {
        brski_log(BRSKI_LOG_ERROR, "coap client: cannot start DTLS with %s / %s", cfg->cert_file,
                  cfg->key_file);
        rv = BRSKI_ERR_IO;
    }
    if (rv == BRSKI_OK) {
        rv = client_use_chain(c, cfg->cert_file);
    }
    if (rv == BRSKI_OK) {
        rv = client_wait(c, mono_ms() + c->timeout_ms, &c->connected);
        if (rv == BRSKI_ERR_TIMEOUT) {
            brski_log(BRSKI_LOG_WARN, "coap client: no DTLS handshake within %u ms",
                      c->timeout_ms);
        }
    }
    if (rv == BRSKI_OK) {
        rv = client_collect_chain(c);
    }
    if (rv == BRSKI_OK && cfg->verify != NULL) {
        brski_http_peer peer;
        brski_coap_client_peer(c, &peer);
        if (cfg->verify(cfg->verify_ctx, &peer) != BRSKI_OK) {
            brski_log(BRSKI_LOG_WARN, "coap client: server certificate refused by policy");
            rv = BRSKI_ERR_AUTH;
        }
    }
    if (rv != BRSKI_OK) {
        brski_coap_client_free(c);
        return rv;
    }
    *out = c;
    return BRSKI_OK;
}

void brski_coap_client_peer(const brski_coap_client *c, brski_http_peer *peer)
{
    memset(peer, 0, sizeof(*peer));
    if (c->sess != NULL) {
        session_addr(c->sess, peer->addr, sizeof(peer->addr));
    }
    peer->n_certs = c->server.n;
    for (size_t i = 0; i < c->server.n; i++) {
        peer->certs[i] = brski_slice_make(c->server.der[i], c->server.len[i]);
    }
}

static bool opt_uint(coap_optlist_t **opts, uint16_t number, unsigned v)
{
    uint8_t b[4];
    coap_optlist_t *o = coap_new_optlist(number, coap_encode_var_safe(b, sizeof(b), v), b);
    return o != NULL && coap_insert_optlist(opts, o);
}

/* Uri-Path options, one per segment of |path| (RFC 7252 6.5). */
static bool opt_path(coap_optlist_t **opts, const char *path)
{
    const char *p = path;
    while (*p != '\0') {
        while (*p == '/') {
            p++;
        }
        size_t n = strcspn(p, "/");
        if (n == 0) {
            break;
        }
        if (n > 255) {
            return false;
        }
        coap_optlist_t *o = coap_new_optlist(COAP_OPTION_URI_PATH, n, (const uint8_t *)p);
        if (o == NULL || !coap_insert_optlist(opts, o)) {
            return false;
        }
        p += n;
    }
    return true;
}

brski_err brski_coap_client_request(brski_coap_client *c, brski_method method,
                                    const char *path, int cf, int accept, brski_slice body,
                                    brski_coap_response *resp)
{
    brski_coap_response_init(resp);
    resp->body.max = c->max_response;
    if (path == NULL || (method != BRSKI_METHOD_GET && method != BRSKI_METHOD_POST) ||
        cf > 65535 || accept > 65535 || body.len > BRSKI_MAX_BODY) {
        return BRSKI_ERR_ARG;
    }
    if (c->broken) {
        return BRSKI_ERR_IO;
    }
    coap_pdu_t *pdu = coap_new_pdu(COAP_MESSAGE_CON,
                                   method == BRSKI_METHOD_GET ? COAP_REQUEST_CODE_GET
                                                              : COAP_REQUEST_CODE_POST,
                                   c->sess);
    if (pdu == NULL) {
        return BRSKI_ERR_NOMEM;
    }
    c->token_len = 0;
    coap_session_new_token(c->sess, &c->token_len, c->token);
    coap_optlist_t *opts = NULL;
    bool ok = coap_add_token(pdu, c->token_len, c->token) && opt_path(&opts, path);
    if (ok && cf != BRSKI_CF_NONE) {
        ok = opt_uint(&opts, COAP_OPTION_CONTENT_FORMAT, (unsigned)cf);
    }
    if (ok && accept != BRSKI_CF_NONE) {
        ok = opt_uint(&opts, COAP_OPTION_ACCEPT, (unsigned)accept);
    }
    if (ok && c->block_set) {
        /* RFC 7959 2.4: a Block2 option in the request proposes the block size. */
        ok = opt_uint(&opts, COAP_OPTION_BLOCK2, c->block_szx);
    }
    ok = ok && coap_add_optlist_pdu(pdu, &opts);
    coap_delete_optlist(opts);
    if (ok && body.len > 0) {
        /* libcoap keeps the data until the last Block1 is acknowledged. */
        uint8_t *copy = brski_memdup(body.p, body.len);
        ok = copy != NULL &&
             coap_add_data_large_request(c->sess, pdu, body.len, copy, release_body, copy);
    }
    if (!ok) {
        coap_delete_pdu(pdu);
        return BRSKI_ERR_NOMEM;
    }
    c->resp = resp;
    c->done = false;
    c->waiting = true;
    brski_err rv = BRSKI_OK;
    if (coap_send(c->sess, pdu) == COAP_INVALID_MID) {
        client_fail(c, BRSKI_ERR_IO);
        rv = BRSKI_ERR_IO;
    }
    if (rv == BRSKI_OK) {
        rv = client_wait(c, mono_ms() + c->timeout_ms, &c->done);
    }
    if (rv == BRSKI_ERR_TIMEOUT) {
        brski_log(BRSKI_LOG_WARN, "coap client: no complete response to %s within %u ms", path,
                  c->timeout_ms);
        client_fail(c, BRSKI_ERR_TIMEOUT);
    }
    c->waiting = false;
    c->resp = NULL;
    return rv;
}

void brski_coap_client_free(brski_coap_client *c)
{
    if (c == NULL) {
        return;
    }
    if (c->sess != NULL) {
        coap_session_release(c->sess);
    }
    coap_free_context(c->ctx);
    chain_free(&c->server);
    free(c);
}
