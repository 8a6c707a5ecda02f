/*
 * enroll.c - the pledge side of BRSKI over HTTPS (RFC 8995 5.1-5.9).
 *
 * Order of steps (SPEC-NOTES 1.1, Pledge): provisional TLS with the IDevID
 * as client certificate, voucher-request with the registrar's EE
 * certificate, voucher acceptance, pinning, retroactive validation of the
 * registrar chain, voucher status, then EST over a connection verified
 * against the pinned domain certificate, and enroll status.
 */
#include "enroll.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "brski/cms.h"
#include "brski/codec.h"
#include "brski/config.h"
#include "brski/env.h"
#include "brski/est.h"
#include "brski/file.h"
#include "brski/http.h"
#include "brski/log.h"
#include "brski/opcount.h"
#include "brski/server.h"
#include "brski/signer.h"
#include "brski/tls.h"
#include "brski/voucher.h"
#include "brski/voucher_accept.h"
#include "brski/voucher_json.h"
#include "brski/x509.h"

#define PVR_PATH "/.well-known/brski/requestvoucher"
#define VSTATUS_PATH "/.well-known/brski/voucher_status"
#define ESTATUS_PATH "/.well-known/brski/enrollstatus"
#define CACERTS_PATH "/.well-known/est/cacerts"
#define CSRATTRS_PATH "/.well-known/est/csrattrs"
#define ENROLL_PATH "/.well-known/est/simpleenroll"
#define CT_VOUCHER "application/voucher-cms+json"
#define MAX_RETRIES 5u
#define MAX_RETRY_AFTER 60u /* RFC 8995 5.6: cap Retry-After at 60 s */

static void set_why(char *why, size_t cap, const char *step, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void set_why(char *why, size_t cap, const char *step, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(why, cap, "%s: ", step);
    if (n < 0 || (size_t)n >= cap) {
        return;
    }
    va_start(ap, fmt);
    (void)vsnprintf(why + n, cap - (size_t)n, fmt, ap);
    va_end(ap);
}

void pledge_enroll_cfg_clear(pledge_enroll_cfg *cfg)
{
    brski_anchor_store_clear(&cfg->anchors);
}

static int cfg_path(brski_config *c, const char *key, char *out, size_t cap, char *why,
                    size_t why_cap)
{
    const char *v = brski_config_get(c, "pledge", key);
    if (v == NULL || v[0] == '\0') {
        set_why(why, why_cap, "config", "[pledge] %s is missing", key);
        return 2;
    }
    if (brski_config_path(c, v, out, cap) != BRSKI_OK) {
        set_why(why, why_cap, "config", "[pledge] %s: path too long", key);
        return 2;
    }
    return 0;
}

int pledge_enroll_load(const char *path, pledge_enroll_cfg *cfg, char *why, size_t why_cap)
{
    brski_config c;
    char err[256] = "";
    int64_t timeout = 0;
    int ret = 2;

    memset(cfg, 0, sizeof(*cfg));
    brski_anchor_store_init(&cfg->anchors);
    memset(&c, 0, sizeof(c));
    if (brski_config_load(path, &c, err, sizeof(err)) != BRSKI_OK) {
        set_why(why, why_cap, "config", "%s", err[0] != '\0' ? err : "cannot read the file");
        return 2;
    }
    const char *serial = brski_config_get_str(&c, "pledge", "serial", "");
    const char *reg = brski_config_get(&c, "pledge", "registrar_https");
    (void)brski_config_get(&c, "pledge", "registrar_coaps"); /* used by the CoAP pledge */
    if (strlen(serial) >= sizeof(cfg->serial)) {
        set_why(why, why_cap, "config", "[pledge] serial too long");
        goto done;
    }
    memcpy(cfg->serial, serial, strlen(serial) + 1);
    if (cfg_path(&c, "idevid_cert", cfg->idevid_cert, sizeof(cfg->idevid_cert), why, why_cap) ||
        cfg_path(&c, "idevid_key", cfg->idevid_key, sizeof(cfg->idevid_key), why, why_cap)) {
        goto done;
    }
    if (brski_config_get(&c, "pledge", "out_dir") != NULL) {
        if (cfg_path(&c, "out_dir", cfg->out_dir, sizeof(cfg->out_dir), why, why_cap)) {
            goto done;
        }
    } else {
        /* Default: the directory of the IDevID certificate. */
        const char *slash = strrchr(cfg->idevid_cert, '/');
        size_t n = slash == NULL ? 0 : (size_t)(slash - cfg->idevid_cert);
        if (n == 0) {
            memcpy(cfg->out_dir, slash == NULL ? "." : "/", 2);
        } else {
            memcpy(cfg->out_dir, cfg->idevid_cert, n);
            cfg->out_dir[n] = '\0';
        }
    }
    if (reg == NULL) {
        set_why(why, why_cap, "config", "[pledge] registrar_https is missing");
        goto done;
    }
    {
        const char *colon = strrchr(reg, ':');
        char *end = NULL;
        unsigned long port;
        size_t hl = colon == NULL ? 0 : (size_t)(colon - reg);
        if (colon == NULL || hl == 0 || hl >= sizeof(cfg->host)) {
            set_why(why, why_cap, "config", "[pledge] registrar_https must be HOST:PORT");
            goto done;
        }
        errno = 0;
        port = strtoul(colon + 1, &end, 10);
        if (errno != 0 || end == colon + 1 || *end != '\0' || port == 0 || port > 65535) {
            set_why(why, why_cap, "config", "[pledge] registrar_https: bad port");
            goto done;
        }
        memcpy(cfg->host, reg, hl);
        cfg->host[hl] = '\0';
        if (cfg->host[0] == '[' && hl > 2 && cfg->host[hl - 1] == ']') {
            memmove(cfg->host, cfg->host + 1, hl - 2);
            cfg->host[hl - 2] = '\0';
        }
        cfg->port = (uint16_t)port;
    }
    if (brski_config_get_int(&c, "pledge", "timeout_ms", 30000, 100, 600000, &timeout, err,
                             sizeof(err)) != BRSKI_OK) {
        set_why(why, why_cap, "config", "%s", err);
        goto done;
    }
    cfg->timeout_ms = (unsigned)timeout;
    if (brski_anchor_store_load_config(&cfg->anchors, &c, err, sizeof(err)) != BRSKI_OK) {
        set_why(why, why_cap, "config", "anchors: %s", err);
        goto done;
    }
    {
        bool have_masa = false;
        for (size_t i = 0; i < cfg->anchors.count; i++) {
            have_masa = have_masa || cfg->anchors.anchors[i].purpose == BRSKI_PURPOSE_MASA;
        }
        if (!have_masa) {
            set_why(why, why_cap, "config", "no [anchor] with purpose = masa (RFC 8995 7.2)");
            goto done;
        }
    }
    {
        const brski_config_entry *u = brski_config_first_unused(&c);
        if (u != NULL) {
            set_why(why, why_cap, "config", "unknown key in %s", path);
            goto done;
        }
    }
    ret = 0;
done:
    brski_config_clear(&c);
    if (ret != 0) {
        pledge_enroll_cfg_clear(cfg);
    }
    return ret;
}

static void name_str(brski_slice name, char *out, size_t cap)
{
    if (brski_name_to_str(name, out, cap) != BRSKI_OK) {
        (void)snprintf(out, cap, "?");
    }
}

/* ---- run state ---- */

typedef struct enroll_run {
    pledge_enroll_cfg *cfg;
    FILE *out;
    char *why;
    size_t why_cap;
    brski_cert *idevid_chain;   /* leaf first */
    size_t idevid_count;
    char serial[BRSKI_VOUCHER_MAX_SERIAL + 1];
    brski_signer *idevid_key;
    brski_tls_ctx *tls;
    brski_http_client *http;
    brski_buf reg_chain_buf;
    brski_cert reg_chain[BRSKI_HTTP_MAX_CHAIN_CERTS];
    size_t reg_count;
    brski_buf nonce;
    brski_buf voucher_cms;
    brski_voucher voucher;
    brski_anchor_store pinned;
    char pinned_name[256];
    brski_buf cacerts_der;
    brski_slice ca_certs[16];
    size_t ca_count;
    brski_buf csrattrs_der;     /* empty when the registrar has none */
    brski_signer *new_key;
    brski_buf ldevid_der;
    brski_cert ldevid;
} enroll_run;

static void step(enroll_run *r, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void step(enroll_run *r, const char *name, const char *fmt, ...)
{
    va_list ap;
    fprintf(r->out, "%-15s ", name);
    va_start(ap, fmt);
    vfprintf(r->out, fmt, ap);
    va_end(ap);
    fputc('\n', r->out);
    fflush(r->out);
}

static brski_err http_do(enroll_run *r, brski_method m, const char *path, const char *ctype,
                         const char *accept, brski_slice body, size_t max_body,
                         brski_http_msg *resp)
{
    brski_http_msg req;
    brski_err rv;

    brski_http_msg_init(&req, body.len > 0 ? body.len : 1);
    req.method = m;
    (void)snprintf(req.path, sizeof(req.path), "%s", path);
    if (ctype != NULL) {
        (void)snprintf(req.ctype, sizeof(req.ctype), "%s", ctype);
    }
    if (accept != NULL) {
        (void)snprintf(req.accept, sizeof(req.accept), "%s", accept);
    }
    rv = body.len > 0 ? brski_buf_append(&req.body, body.p, body.len) : BRSKI_OK;
    if (rv == BRSKI_OK) {
        rv = brski_http_client_request(r->http, &req, max_body, resp);
    }
    brski_http_msg_clear(&req);
    return rv;
}

/* Server error line: status plus the first line of a text/plain reason. */
static void resp_reason(const brski_http_msg *resp, char *out, size_t cap)
{
    size_t n = 0;
    if (brski_http_ctype_is(resp->ctype, "text/plain")) {
        while (n < resp->body.len && n < 200 && resp->body.p[n] != '\n' &&
               resp->body.p[n] >= 0x20 && resp->body.p[n] < 0x7f) {
            n++;
        }
    }
    (void)snprintf(out, cap, "HTTP %d %s%s%.*s", resp->status,
                   brski_http_status_text(resp->status), n > 0 ? ": " : "", (int)n,
                   n > 0 ? (const char *)resp->body.p : "");
}

static brski_err load_idevid(enroll_run *r)
{
    brski_buf file;
    brski_err rv;

    brski_buf_init(&file, BRSKI_MAX_CHAIN);
    rv = brski_file_read(r->cfg->idevid_cert, &file);
    if (rv == BRSKI_OK) {
        rv = brski_certs_load(brski_buf_slice(&file), 8, &r->idevid_chain, &r->idevid_count);
    }
    brski_buf_clear(&file);
    if (rv != BRSKI_OK || r->idevid_count == 0) {
        set_why(r->why, r->why_cap, "idevid", "cannot read certificate %s: %s",
                r->cfg->idevid_cert, brski_err_str(rv == BRSKI_OK ? BRSKI_ERR_MALFORMED : rv));
        return rv == BRSKI_OK ? BRSKI_ERR_MALFORMED : rv;
    }
    /* RFC 8995 2.3.1: the serial-number is the IDevID subject serialNumber. */
    if (brski_name_get(r->idevid_chain[0].subject, BRSKI_OID_AT_SERIAL_NUMBER, r->serial,
                       sizeof(r->serial), NULL) != BRSKI_OK ||
        r->serial[0] == '\0') {
        set_why(r->why, r->why_cap, "idevid", "RFC 8995 2.3.1: subject has no serialNumber");
        return BRSKI_ERR_POLICY;
    }
    if (r->cfg->serial[0] != '\0' && strcmp(r->cfg->serial, r->serial) != 0) {
        set_why(r->why, r->why_cap, "idevid", "serialNumber '%s' differs from [pledge] serial",
                r->serial);
        return BRSKI_ERR_POLICY;
    }
    rv = brski_signer_load_file(r->cfg->idevid_key, &r->idevid_key);
    if (rv != BRSKI_OK) {
        set_why(r->why, r->why_cap, "idevid", "cannot load key %s: %s", r->cfg->idevid_key,
                brski_err_str(rv));
        return rv;
    }
    {
        brski_buf spki;
        brski_buf_init(&spki, BRSKI_MAX_CERT);
        rv = brski_signer_spki(r->idevid_key, &spki);
        if (rv == BRSKI_OK && !brski_slice_eq(brski_buf_slice(&spki), r->idevid_chain[0].spki)) {
            rv = BRSKI_ERR_CRYPTO;
        }
        brski_buf_clear(&spki);
        if (rv != BRSKI_OK) {
            set_why(r->why, r->why_cap, "idevid", "key does not match the certificate");
            return rv;
        }
    }
    step(r, "idevid", "serial %s, %s key", r->serial,
         brski_key_type_name(r->idevid_chain[0].key_type));
    return BRSKI_OK;
}

/* RFC 8995 5.1: provisional TLS, any registrar certificate accepted and kept. */
static brski_err provisional_tls(enroll_run *r)
{
    brski_http_peer peer;
    brski_err rv = brski_tls_client_new(r->cfg->idevid_cert, r->cfg->idevid_key, NULL, NULL,
                                        &r->tls);
    if (rv == BRSKI_OK) {
        rv = brski_http_client_new(r->tls, r->cfg->host, r->cfg->port, r->cfg->timeout_ms,
                                   &r->http);
    }
    if (rv == BRSKI_OK) {
        rv = brski_http_client_connect(r->http);
    }
    if (rv != BRSKI_OK) {
        set_why(r->why, r->why_cap, "tls", "RFC 8995 5.1: cannot connect to registrar %s:%u: %s",
                r->cfg->host, (unsigned)r->cfg->port, brski_err_str(rv));
        return rv;
    }
    rv = brski_http_client_peer(r->http, &peer, &r->reg_chain_buf);
    if (rv == BRSKI_OK && peer.n_certs == 0) {
        rv = BRSKI_ERR_AUTH;
    }
    for (size_t i = 0; rv == BRSKI_OK && i < peer.n_certs; i++) {
        rv = brski_cert_parse(peer.certs[i], &r->reg_chain[i]);
        if (rv == BRSKI_OK) {
            r->reg_count = i + 1;
        }
    }
    if (rv != BRSKI_OK) {
        set_why(r->why, r->why_cap, "tls", "registrar certificate chain unusable: %s",
                brski_err_str(rv));
        return rv;
    }
    {
        char subj[256] = "?";
        name_str(r->reg_chain[0].subject, subj, sizeof(subj));
        step(r, "tls", "provisional TLS to %s:%u, registrar \"%s\" (%zu cert%s, not yet trusted)",
             r->cfg->host, (unsigned)r->cfg->port, subj, r->reg_count,
             r->reg_count == 1 ? "" : "s");
    }
    return BRSKI_OK;
}

static brski_err build_pvr(enroll_run *r, brski_buf *cms)
{
    brski_voucher v;
    brski_buf json;
    brski_slice chain[8];
    size_t n_chain = 0;
    uint8_t raw[16];
    brski_err rv;

    brski_voucher_init(&v, BRSKI_KIND_VOUCHER_REQUEST);
    brski_buf_init(&json, BRSKI_VOUCHER_JSON_MAX);
    /* RFC 8995 5.2: nonce from a cryptographically strong random source. */
    rv = brski_env_random(NULL, raw, sizeof(raw));
    if (rv == BRSKI_OK) {
        rv = brski_base64_encode(brski_slice_make(raw, sizeof(raw)), &r->nonce);
    }
    if (rv == BRSKI_OK) {
        rv = brski_buf_cstr(&r->nonce);
    }
    v.assertion = BRSKI_ASSERTION_PROXIMITY;
    brski_voucher_mark(&v, BRSKI_LEAF_ASSERTION);
    if (rv == BRSKI_OK) {
        rv = brski_voucher_set_time(&v, BRSKI_LEAF_CREATED_ON, brski_env_now(NULL));
    }
    if (rv == BRSKI_OK) {
        rv = brski_voucher_set_str(&v, BRSKI_LEAF_SERIAL_NUMBER, r->serial);
    }
    if (rv == BRSKI_OK) {
        rv = brski_voucher_set_str(&v, BRSKI_LEAF_NONCE, (const char *)r->nonce.p);
    }
    /* The first certificate of the server's certificate_list (RFC 8995 5.2). */
    if (rv == BRSKI_OK) {
        rv = brski_voucher_set_bytes(
            &v, BRSKI_LEAF_PROXIMITY_REGISTRAR_CERT,
            brski_slice_make(r->reg_chain[0].der, r->reg_chain[0].der_len));
    }
    if (rv == BRSKI_OK) {
        rv = brski_voucher_validate(&v);
    }
    if (rv == BRSKI_OK) {
        rv = brski_voucher_json_encode(&v, &json);
    }
    for (size_t i = 1; i < r->idevid_count && n_chain < 8; i++) {
        chain[n_chain++] = brski_slice_make(r->idevid_chain[i].der, r->idevid_chain[i].der_len);
    }
    if (rv == BRSKI_OK) {
        rv = brski_cms_sign_with(
            brski_buf_slice(&json), true, r->idevid_key,
            brski_slice_make(r->idevid_chain[0].der, r->idevid_chain[0].der_len),
            n_chain > 0 ? chain : NULL, n_chain, NULL, cms);
    }
    brski_voucher_clear(&v);
    brski_buf_clear(&json);
    if (rv != BRSKI_OK) {
        set_why(r->why, r->why_cap, "pvr", "cannot build the voucher-request: %s",
                brski_err_str(rv));
        return rv;
    }
    brski_opcount_msg(BRSKI_MSG_PVR, cms->len);
    step(r, "pvr", "voucher-request signed with the IDevID (%zu bytes, nonce %s)", cms->len,
         (const char *)r->nonce.p);
    return BRSKI_OK;
}

static brski_err request_voucher(enroll_run *r, brski_slice pvr)
{
    brski_http_msg resp;
    char line[300];
    brski_err rv;

    for (unsigned attempt = 0;; attempt++) {
        rv = http_do(r, BRSKI_METHOD_POST, PVR_PATH, CT_VOUCHER, CT_VOUCHER, pvr, BRSKI_MAX_BODY,
                     &resp);
        if (rv != BRSKI_OK) {
            brski_http_msg_clear(&resp);
            set_why(r->why, r->why_cap, "voucher", "POST %s: %s", PVR_PATH, brski_err_str(rv));
            return rv;
        }
        if (resp.status == 202 && attempt < MAX_RETRIES) {
            /* RFC 8995 5.6: wait Retry-After (capped) and resend the same PVR. */
            unsigned wait = resp.retry_after == 0 ? 1u : resp.retry_after;
            if (wait > MAX_RETRY_AFTER) {
                wait = MAX_RETRY_AFTER;
            }
            step(r, "voucher", "registrar answered 202, retrying in %u s", wait);
            brski_http_msg_clear(&resp);
            struct timespec ts = {(time_t)wait, 0};
            (void)nanosleep(&ts, NULL);
            continue;
        }
        break;
    }
    if (resp.status != 200) {
        resp_reason(&resp, line, sizeof(line));
        set_why(r->why, r->why_cap, "voucher", "registrar refused the voucher-request: %s", line);
        brski_http_msg_clear(&resp);
        return BRSKI_ERR_POLICY;
    }
    if (!brski_http_ctype_is(resp.ctype, CT_VOUCHER)) {
        set_why(r->why, r->why_cap, "voucher", "response Content-Type '%s', expected %s",
                resp.ctype, CT_VOUCHER);
        brski_http_msg_clear(&resp);
        return BRSKI_ERR_MALFORMED;
    }
    rv = brski_buf_append(&r->voucher_cms, resp.body.p, resp.body.len);
    brski_http_msg_clear(&resp);
    if (rv != BRSKI_OK) {
        set_why(r->why, r->why_cap, "voucher", "%s", brski_err_str(rv));
        return rv;
    }
    brski_opcount_msg(BRSKI_MSG_VOUCHER, r->voucher_cms.len);
    step(r, "voucher", "received a signed voucher (%zu bytes)", r->voucher_cms.len);
    return BRSKI_OK;
}

/* Telemetry (RFC 8995 5.7, 5.9.4); 404 is allowed. */
static brski_err post_status(enroll_run *r, const char *name, const char *path, bool ok,
                             const char *reason)
{
    brski_buf body;
    brski_http_msg resp;
    brski_err rv;
    char line[300];

    brski_buf_init(&body, 1024);
    if (ok) {
        rv = brski_buf_append_str(&body, "{\"version\":1,\"status\":true}");
    } else {
        /* The reason is our own text: no quotes or backslashes in it. */
        rv = brski_buf_printf(&body, "{\"version\":1,\"status\":false,\"reason\":\"%s\"}",
                              reason);
    }
    if (rv == BRSKI_OK) {
        rv = http_do(r, BRSKI_METHOD_POST, path, "application/json", NULL,
                     brski_buf_slice(&body), 4096, &resp);
        if (rv == BRSKI_OK && (resp.status / 100 != 2 && resp.status != 404)) {
            resp_reason(&resp, line, sizeof(line));
            set_why(r->why, r->why_cap, name, "registrar answered %s", line);
            rv = BRSKI_ERR_POLICY;
        } else if (rv == BRSKI_OK) {
            step(r, name, "status %s sent, registrar answered %d", ok ? "true" : "false",
                 resp.status);
        } else {
            set_why(r->why, r->why_cap, name, "POST %s: %s", path, brski_err_str(rv));
        }
        brski_http_msg_clear(&resp);
    }
    brski_buf_clear(&body);
    return rv;
}

/* Validates a chain (leaf first) against the pinned domain certificate. */
static brski_err check_domain_chain(const brski_anchor_store *pinned, const brski_cert *chain,
                                    size_t n, const brski_cert *untrusted, size_t n_untrusted,
                                    char *detail, size_t cap)
{
    brski_policy_input in;
    brski_policy_decision d;
    brski_err rv;

    memset(&in, 0, sizeof(in));
    in.purpose = BRSKI_PURPOSE_DOMAIN;
    in.chain = chain;
    in.chain_count = n;
    in.untrusted = untrusted;
    in.untrusted_count = n_untrusted;
    in.now = brski_env_now(NULL);
    rv = brski_policy_validate(pinned, &in, &d);
    if (rv != BRSKI_OK) {
        (void)snprintf(detail, cap, "%s (%s)", brski_reason_name(d.reason), d.detail);
    }
    return rv;
}

static brski_err accept_and_pin(enroll_run *r)
{
    brski_accept_opts opts;
    brski_anchor_policy pol;
    char detail[400];
    brski_err rv;

    memset(&opts, 0, sizeof(opts));
    opts.serial = r->serial;
    opts.nonce = (const char *)r->nonce.p;
    rv = brski_voucher_accept(brski_buf_slice(&r->voucher_cms), &r->cfg->anchors, &opts,
                              &r->voucher);
    if (rv != BRSKI_OK) {
        (void)post_status(r, "voucher-status", VSTATUS_PATH, false, "voucher rejected");
        set_why(r->why, r->why_cap, "verify",
                "RFC 8995 5.6.1: voucher rejected (signature, serial, nonce or expiry): %s",
                brski_err_str(rv));
        return rv;
    }
    step(r, "verify", "voucher accepted: MASA signature, serial %s, nonce, assertion %s",
         r->serial, brski_assertion_name(r->voucher.assertion));
    brski_anchor_policy_default(BRSKI_PURPOSE_DOMAIN, &pol);
    rv = brski_anchor_store_add(&r->pinned, BRSKI_PURPOSE_DOMAIN, "pinned-domain-cert",
                                brski_slice_make(r->voucher.pinned_domain_cert.p,
                                                 r->voucher.pinned_domain_cert.len),
                                &pol);
    if (rv != BRSKI_OK) {
        (void)post_status(r, "voucher-status", VSTATUS_PATH, false,
                          "pinned-domain-cert unusable");
        set_why(r->why, r->why_cap, "pin", "pinned-domain-cert is not a certificate: %s",
                brski_err_str(rv));
        return rv;
    }
    if (brski_name_to_str(r->pinned.anchors[0].cert.subject, r->pinned_name,
                          sizeof(r->pinned_name)) != BRSKI_OK) {
        (void)snprintf(r->pinned_name, sizeof(r->pinned_name), "?");
    }
    step(r, "pin", "pinned-domain-cert \"%s\"", r->pinned_name);
    /* RFC 8995 5.6.2: the provisional registrar chain must validate now. */
    rv = check_domain_chain(&r->pinned, r->reg_chain, r->reg_count, NULL, 0, detail,
                            sizeof(detail));
    if (rv != BRSKI_OK) {
        (void)post_status(r, "voucher-status", VSTATUS_PATH, false,
                          "registrar certificate does not chain to the pinned domain cert");
        set_why(r->why, r->why_cap, "registrar-check",
                "RFC 8995 5.6.2: registrar TLS certificate does not chain to the "
                "pinned-domain-cert: %s",
                detail);
        return rv;
    }
    step(r, "registrar-check", "registrar TLS chain validated against the pinned domain cert");
    return post_status(r, "voucher-status", VSTATUS_PATH, true, NULL);
}

/* Pin check for the TLS connections after the voucher (RFC 8995 5.6.2). */
static brski_err pin_check(void *ctx, const brski_http_peer *peer)
{
    const brski_anchor_store *pinned = ctx;
    brski_cert chain[BRSKI_HTTP_MAX_CHAIN_CERTS];
    size_t n = 0;
    char detail[400];
    brski_err rv = peer->n_certs == 0 ? BRSKI_ERR_AUTH : BRSKI_OK;

    memset(chain, 0, sizeof(chain));
    for (size_t i = 0; rv == BRSKI_OK && i < peer->n_certs; i++) {
        rv = brski_cert_parse(peer->certs[i], &chain[i]);
        if (rv == BRSKI_OK) {
            n = i + 1;
        }
    }
    if (rv == BRSKI_OK) {
        rv = check_domain_chain(pinned, chain, n, NULL, 0, detail, sizeof(detail));
        if (rv != BRSKI_OK) {
            brski_log(BRSKI_LOG_WARN, "pledge: registrar chain refused: %s", detail);
            rv = BRSKI_ERR_AUTH;
        }
    }
    for (size_t i = 0; i < n; i++) {
        brski_cert_clear(&chain[i]);
    }
    return rv;
}

static brski_err verified_tls(enroll_run *r)
{
    brski_err rv;

    brski_http_client_free(r->http);
    r->http = NULL;
    brski_tls_ctx_free(r->tls);
    r->tls = NULL;
    rv = brski_tls_client_new(r->cfg->idevid_cert, r->cfg->idevid_key, pin_check, &r->pinned,
                              &r->tls);
    if (rv == BRSKI_OK) {
        rv = brski_http_client_new(r->tls, r->cfg->host, r->cfg->port, r->cfg->timeout_ms,
                                   &r->http);
    }
    if (rv == BRSKI_OK) {
        rv = brski_http_client_connect(r->http);
    }
    if (rv != BRSKI_OK) {
        set_why(r->why, r->why_cap, "tls-pinned",
                "RFC 8995 5.6.2: TLS with the registrar verified against the pinned domain "
                "cert failed: %s",
                brski_err_str(rv));
        return rv;
    }
    step(r, "tls-pinned", "new TLS connection, registrar verified against the pinned domain cert");
    return BRSKI_OK;
}

static brski_err get_cacerts(enroll_run *r)
{
    brski_http_msg resp;
    char line[300];
    brski_err rv = http_do(r, BRSKI_METHOD_GET, CACERTS_PATH, NULL, "application/pkcs7-mime",
                           brski_slice_make(NULL, 0), BRSKI_MAX_BODY, &resp);
    if (rv != BRSKI_OK) {
        brski_http_msg_clear(&resp);
        set_why(r->why, r->why_cap, "cacerts", "GET %s: %s", CACERTS_PATH, brski_err_str(rv));
        return rv;
    }
    if (resp.status != 200) {
        resp_reason(&resp, line, sizeof(line));
        brski_http_msg_clear(&resp);
        set_why(r->why, r->why_cap, "cacerts", "RFC 7030 4.1: %s", line);
        return BRSKI_ERR_POLICY;
    }
    rv = brski_est_body_decode(brski_buf_slice(&resp.body), BRSKI_MAX_BODY, false,
                               &r->cacerts_der);
    brski_http_msg_clear(&resp);
    if (rv == BRSKI_OK) {
        rv = brski_est_certs_only_parse(brski_buf_slice(&r->cacerts_der), r->ca_certs,
                                        sizeof(r->ca_certs) / sizeof(r->ca_certs[0]),
                                        &r->ca_count);
    }
    if (rv != BRSKI_OK) {
        set_why(r->why, r->why_cap, "cacerts", "RFC 7030 4.1.3: bad certs-only response: %s",
                brski_err_str(rv));
        return rv;
    }
    step(r, "cacerts", "%zu CA certificate%s received", r->ca_count, r->ca_count == 1 ? "" : "s");
    return BRSKI_OK;
}

/* RFC 8995 5.9.2: the pledge MUST request the CSR attributes. */
static brski_err get_csrattrs(enroll_run *r)
{
    brski_http_msg resp;
    brski_est_csrattr items[16];
    size_t n = 0;
    char line[300];
    brski_err rv = http_do(r, BRSKI_METHOD_GET, CSRATTRS_PATH, NULL, "application/csrattrs",
                           brski_slice_make(NULL, 0), BRSKI_MAX_BODY, &resp);
    if (rv != BRSKI_OK) {
        brski_http_msg_clear(&resp);
        set_why(r->why, r->why_cap, "csrattrs", "GET %s: %s", CSRATTRS_PATH, brski_err_str(rv));
        return rv;
    }
    /* RFC 7030 4.5.2: 204 or 404 mean no attributes. */
    if (resp.status == 204 || resp.status == 404) {
        brski_http_msg_clear(&resp);
        step(r, "csrattrs", "registrar asks for no CSR attributes");
        return BRSKI_OK;
    }
    if (resp.status != 200) {
        resp_reason(&resp, line, sizeof(line));
        brski_http_msg_clear(&resp);
        set_why(r->why, r->why_cap, "csrattrs", "RFC 7030 4.5: %s", line);
        return BRSKI_ERR_POLICY;
    }
    rv = brski_est_body_decode(brski_buf_slice(&resp.body), BRSKI_MAX_BODY, false,
                               &r->csrattrs_der);
    brski_http_msg_clear(&resp);
    if (rv == BRSKI_OK) {
        rv = brski_est_csrattrs_parse(brski_buf_slice(&r->csrattrs_der), items,
                                      sizeof(items) / sizeof(items[0]), &n);
    }
    if (rv != BRSKI_OK) {
        set_why(r->why, r->why_cap, "csrattrs", "RFC 7030 4.5.2: bad CsrAttrs: %s",
                brski_err_str(rv));
        return rv;
    }
    step(r, "csrattrs", "%zu CSR attribute%s requested", n, n == 1 ? "" : "s");
    return BRSKI_OK;
}

static brski_err key_alg_of(const brski_cert *c, brski_key_alg *alg)
{
    switch (c->key_type) {
    case BRSKI_KEY_EC:
        *alg = c->key_bits == 384 ? BRSKI_ALG_P384 : c->key_bits == 521 ? BRSKI_ALG_P521
                                                                         : BRSKI_ALG_P256;
        return c->key_bits == 256 || c->key_bits == 384 || c->key_bits == 521
                   ? BRSKI_OK
                   : BRSKI_ERR_UNSUPPORTED;
    case BRSKI_KEY_ED25519:
        *alg = BRSKI_ALG_ED25519;
        return BRSKI_OK;
    case BRSKI_KEY_RSA:
        *alg = c->key_bits >= 3072 ? BRSKI_ALG_RSA3072 : BRSKI_ALG_RSA2048;
        return BRSKI_OK;
    default:
        return BRSKI_ERR_UNSUPPORTED;
    }
}

static brski_err enroll_est(enroll_run *r)
{
    brski_key_alg alg = BRSKI_ALG_P256;
    brski_buf subject, csr, body, der;
    brski_http_msg resp;
    brski_slice got[4];
    size_t n_got = 0;
    char line[300];
    brski_err rv;
    const char *stepname = "csr";

    brski_buf_init(&subject, 1024);
    brski_buf_init(&csr, BRSKI_MAX_CSR);
    brski_buf_init(&body, 2 * BRSKI_MAX_CSR);
    brski_buf_init(&der, BRSKI_MAX_BODY);
    memset(&resp, 0, sizeof(resp));
    rv = key_alg_of(&r->idevid_chain[0], &alg);
    if (rv == BRSKI_OK) {
        rv = brski_signer_generate(alg, NULL, &r->new_key);
    }
    if (rv == BRSKI_OK) {
        /* RFC 8995 5.9.2: the LDevID keeps the device serial number. */
        brski_name_attr a[1] = {
            {BRSKI_OID_AT_SERIAL_NUMBER, BRSKI_DER_PRINTABLE_STRING, r->serial}};
        rv = brski_name_build(a, 1, &subject);
    }
    if (rv == BRSKI_OK) {
        rv = brski_csr_build(brski_buf_slice(&subject), r->new_key, &csr);
    }
    if (rv == BRSKI_OK) {
        rv = brski_est_body_encode(brski_buf_slice(&csr), &body);
    }
    if (rv != BRSKI_OK) {
        set_why(r->why, r->why_cap, stepname, "cannot build the CSR: %s", brski_err_str(rv));
        goto done;
    }
    if (r->csrattrs_der.len > 0) {
        brski_csr parsed;
        memset(&parsed, 0, sizeof(parsed));
        rv = brski_csr_parse(brski_buf_slice(&csr), &parsed);
        if (rv == BRSKI_OK) {
            rv = brski_est_csr_check_attrs(&parsed, brski_buf_slice(&r->csrattrs_der));
        }
        brski_csr_clear(&parsed);
        if (rv != BRSKI_OK) {
            set_why(r->why, r->why_cap, stepname,
                    "RFC 8995 5.9.2: our CSR cannot satisfy the registrar's CSR attributes: %s",
                    brski_err_str(rv));
            goto done;
        }
    }
    step(r, "csr", "new %s key, CSR for serialNumber=%s (%zu bytes)", brski_key_alg_name(alg),
         r->serial, csr.len);
    stepname = "simpleenroll";
    brski_opcount_msg(BRSKI_MSG_CSR, body.len);
    rv = http_do(r, BRSKI_METHOD_POST, ENROLL_PATH, "application/pkcs10",
                 "application/pkcs7-mime", brski_buf_slice(&body), BRSKI_MAX_BODY, &resp);
    if (rv != BRSKI_OK) {
        set_why(r->why, r->why_cap, stepname, "POST %s: %s", ENROLL_PATH, brski_err_str(rv));
        goto done;
    }
    if (resp.status != 200) {
        resp_reason(&resp, line, sizeof(line));
        set_why(r->why, r->why_cap, stepname, "RFC 7030 4.2: %s", line);
        rv = BRSKI_ERR_POLICY;
        goto done;
    }
    rv = brski_est_body_decode(brski_buf_slice(&resp.body), BRSKI_MAX_BODY, false, &der);
    if (rv == BRSKI_OK) {
        rv = brski_est_certs_only_parse(brski_buf_slice(&der), got, 4, &n_got);
    }
    if (rv == BRSKI_OK) {
        rv = brski_buf_append(&r->ldevid_der, got[0].p, got[0].len);
    }
    if (rv == BRSKI_OK) {
        rv = brski_cert_parse(brski_buf_slice(&r->ldevid_der), &r->ldevid);
    }
    if (rv != BRSKI_OK) {
        set_why(r->why, r->why_cap, stepname, "RFC 7030 4.2.3: bad certificate response: %s",
                brski_err_str(rv));
        goto done;
    }
    brski_opcount_msg(BRSKI_MSG_CERT, resp.body.len);
    step(r, "simpleenroll", "LDevID received (%zu bytes)", r->ldevid_der.len);
    rv = BRSKI_OK;
done:
    brski_http_msg_clear(&resp);
    brski_buf_clear(&subject);
    brski_buf_clear(&csr);
    brski_buf_clear(&body);
    brski_buf_clear(&der);
    return rv;
}

static brski_err check_ldevid(enroll_run *r)
{
    brski_anchor_store cas;
    brski_anchor_policy pol;
    brski_buf spki;
    char detail[400];
    char serial[BRSKI_VOUCHER_MAX_SERIAL + 1] = "";
    brski_err rv = BRSKI_OK;

    brski_anchor_store_init(&cas);
    brski_anchor_policy_default(BRSKI_PURPOSE_DOMAIN, &pol);
    for (size_t i = 0; rv == BRSKI_OK && i < r->ca_count; i++) {
        rv = brski_anchor_store_add(&cas, BRSKI_PURPOSE_DOMAIN, "cacerts", r->ca_certs[i], &pol);
    }
    if (rv == BRSKI_OK) {
        rv = check_domain_chain(&cas, &r->ldevid, 1, NULL, 0, detail, sizeof(detail));
        if (rv != BRSKI_OK) {
            set_why(r->why, r->why_cap, "ldevid-check",
                    "RFC 8995 5.9.3: LDevID does not chain to the domain CA: %s", detail);
        }
    } else {
        set_why(r->why, r->why_cap, "ldevid-check", "bad CA certificate in /cacerts: %s",
                brski_err_str(rv));
    }
    brski_anchor_store_clear(&cas);
    if (rv != BRSKI_OK) {
        return rv;
    }
    brski_buf_init(&spki, BRSKI_MAX_CERT);
    rv = brski_signer_spki(r->new_key, &spki);
    if (rv == BRSKI_OK && !brski_slice_eq(brski_buf_slice(&spki), r->ldevid.spki)) {
        rv = BRSKI_ERR_CRYPTO;
    }
    brski_buf_clear(&spki);
    if (rv != BRSKI_OK) {
        set_why(r->why, r->why_cap, "ldevid-check",
                "LDevID public key is not the key of our CSR");
        return rv;
    }
    if (brski_name_get(r->ldevid.subject, BRSKI_OID_AT_SERIAL_NUMBER, serial, sizeof(serial),
                       NULL) != BRSKI_OK ||
        strcmp(serial, r->serial) != 0) {
        set_why(r->why, r->why_cap, "ldevid-check",
                "RFC 8995 5.9.2: LDevID serialNumber '%s' is not the IDevID's '%s'", serial,
                r->serial);
        return BRSKI_ERR_POLICY;
    }
    step(r, "ldevid-check", "LDevID chains to the domain CA, key and serialNumber match");
    return BRSKI_OK;
}

static brski_err write_outputs(enroll_run *r)
{
    char path[600];
    brski_buf pem;
    brski_err rv;

    brski_buf_init(&pem, BRSKI_MAX_BODY * 2);
    rv = brski_mkdirs(r->cfg->out_dir, 0700);
    if (rv == BRSKI_OK) {
        (void)snprintf(path, sizeof(path), "%s/ldevid.key", r->cfg->out_dir);
        rv = brski_signer_write_pem(r->new_key, path);
    }
    if (rv == BRSKI_OK) {
        rv = brski_pem_encode(brski_buf_slice(&r->ldevid_der), "CERTIFICATE", &pem);
    }
    if (rv == BRSKI_OK) {
        (void)snprintf(path, sizeof(path), "%s/ldevid.crt", r->cfg->out_dir);
        rv = brski_file_write(path, brski_buf_slice(&pem), 0644);
    }
    brski_buf_reset(&pem);
    for (size_t i = 0; rv == BRSKI_OK && i < r->ca_count; i++) {
        rv = brski_pem_encode(r->ca_certs[i], "CERTIFICATE", &pem);
    }
    if (rv == BRSKI_OK) {
        (void)snprintf(path, sizeof(path), "%s/domain-ca.crt", r->cfg->out_dir);
        rv = brski_file_write(path, brski_buf_slice(&pem), 0644);
    }
    if (rv == BRSKI_OK) {
        (void)snprintf(path, sizeof(path), "%s/voucher.p7", r->cfg->out_dir);
        rv = brski_file_write(path, brski_buf_slice(&r->voucher_cms), 0644);
    }
    brski_buf_clear(&pem);
    if (rv != BRSKI_OK) {
        set_why(r->why, r->why_cap, "write", "cannot write into %s: %s", r->cfg->out_dir,
                brski_err_str(rv));
        return rv;
    }
    step(r, "write", "ldevid.crt, ldevid.key (0600), domain-ca.crt, voucher.p7 in %s",
         r->cfg->out_dir);
    return BRSKI_OK;
}

brski_err pledge_enroll_run(pledge_enroll_cfg *cfg, FILE *out, char *why, size_t why_cap)
{
    enroll_run r;
    brski_buf pvr;
    brski_err rv;

    memset(&r, 0, sizeof(r));
    r.cfg = cfg;
    r.out = out;
    r.why = why;
    r.why_cap = why_cap;
    brski_buf_init(&r.reg_chain_buf, BRSKI_HTTP_MAX_CHAIN_CERTS * BRSKI_MAX_CERT);
    brski_buf_init(&r.nonce, 128);
    brski_buf_init(&r.voucher_cms, BRSKI_MAX_BODY);
    brski_voucher_init(&r.voucher, BRSKI_KIND_VOUCHER);
    brski_anchor_store_init(&r.pinned);
    brski_buf_init(&r.cacerts_der, BRSKI_MAX_BODY);
    brski_buf_init(&r.ldevid_der, BRSKI_MAX_CERT);
    brski_buf_init(&r.csrattrs_der, BRSKI_MAX_BODY);
    brski_buf_init(&pvr, BRSKI_MAX_BODY);

    rv = load_idevid(&r);
    if (rv == BRSKI_OK) {
        rv = provisional_tls(&r);
    }
    if (rv == BRSKI_OK) {
        rv = build_pvr(&r, &pvr);
    }
    if (rv == BRSKI_OK) {
        rv = request_voucher(&r, brski_buf_slice(&pvr));
    }
    if (rv == BRSKI_OK) {
        rv = accept_and_pin(&r);
    }
    if (rv == BRSKI_OK) {
        rv = verified_tls(&r);
    }
    if (rv == BRSKI_OK) {
        rv = get_cacerts(&r);
    }
    if (rv == BRSKI_OK) {
        rv = get_csrattrs(&r);
    }
    if (rv == BRSKI_OK) {
        rv = enroll_est(&r);
    }
    if (rv == BRSKI_OK) {
        rv = check_ldevid(&r);
        if (rv != BRSKI_OK) {
            /* RFC 8995 5.9.4: report the failure over the same connection. */
            (void)post_status(&r, "enroll-status", ESTATUS_PATH, false,
                              "LDevID check failed");
        }
    }
    if (rv == BRSKI_OK) {
        rv = post_status(&r, "enroll-status", ESTATUS_PATH, true, NULL);
    }
    if (rv == BRSKI_OK) {
        rv = write_outputs(&r);
    }
    if (rv == BRSKI_OK) {
        char subj[256] = "?";
        name_str(r.ldevid.subject, subj, sizeof(subj));
        step(&r, "done", "LDevID \"%s\", pinned domain \"%s\"", subj, r.pinned_name);
    }

    brski_buf_clear(&pvr);
    brski_http_client_free(r.http);
    brski_tls_ctx_free(r.tls);
    brski_certs_free(r.idevid_chain, r.idevid_count);
    brski_signer_free(r.idevid_key);
    brski_signer_free(r.new_key);
    for (size_t i = 0; i < r.reg_count; i++) {
        brski_cert_clear(&r.reg_chain[i]);
    }
    brski_buf_clear(&r.reg_chain_buf);
    brski_buf_clear(&r.nonce);
    brski_buf_clear(&r.voucher_cms);
    brski_voucher_clear(&r.voucher);
    brski_anchor_store_clear(&r.pinned);
    brski_buf_clear(&r.cacerts_der);
    brski_buf_clear(&r.ldevid_der);
    brski_buf_clear(&r.csrattrs_der);
    brski_cert_clear(&r.ldevid);
    brski_tls_thread_cleanup();
    return rv;
}
