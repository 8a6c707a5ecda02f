/*
 * enroll.c - the pledge side of BRSKI (RFC 8995 5.1-5.9) over HTTPS, and of
 * cBRSKI over CoAPS (draft-ietf-anima-constrained-voucher, RFC 9148): the
 * steps are written once against the registrar link (link.h).
 *
 * Order of steps (SPEC-NOTES 1.1, Pledge): provisional TLS with the IDevID
 * as client certificate, voucher-request with the registrar's EE
 * certificate, voucher acceptance, pinning, retroactive validation of the
 * registrar chain (which ends the provisional state of that connection),
 * voucher status and EST over the same, now authenticated connection
 * (RFC 8995 5.6.2; persistent connections, SPEC-NOTES 1.1), then a new
 * connection with the LDevID for the enroll status (RFC 8995 5.9.4: SHOULD;
 * ldevid_reconnect = false keeps the same connection).
 *
 * The IDevID key is loaded and checked once per run and serves both the
 * TLS client authentication and the voucher-request signature.
 */
#include "enroll.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

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
#include "brski/x509.h"
#include "link.h"
#include "pvr.h"

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
    const char *transport = brski_config_get_str(&c, "pledge", "transport", "https");
    const char *reg_https = brski_config_get(&c, "pledge", "registrar_https");
    const char *reg_coaps = brski_config_get(&c, "pledge", "registrar_coaps");
    const char *reg_key = "registrar_https";
    const char *reg = reg_https;
    if (strcmp(transport, "coap") == 0) {
        cfg->coap = true;
        reg_key = "registrar_coaps";
        reg = reg_coaps;
    } else if (strcmp(transport, "https") != 0) {
        set_why(why, why_cap, "config", "[pledge] transport must be https or coap");
        goto done;
    }
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
        set_why(why, why_cap, "config", "[pledge] %s is missing", reg_key);
        goto done;
    }
    {
        const char *colon = strrchr(reg, ':');
        char *end = NULL;
        unsigned long port;
        size_t hl = colon == NULL ? 0 : (size_t)(colon - reg);
        if (colon == NULL || hl == 0 || hl >= sizeof(cfg->host)) {
            set_why(why, why_cap, "config", "[pledge] %s must be HOST:PORT", reg_key);
            goto done;
        }
        errno = 0;
        port = strtoul(colon + 1, &end, 10);
        if (errno != 0 || end == colon + 1 || *end != '\0' || port == 0 || port > 65535) {
            set_why(why, why_cap, "config", "[pledge] %s: bad port", reg_key);
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
    if (brski_config_get_bool(&c, "pledge", "ldevid_reconnect", true, &cfg->ldevid_reconnect, err,
                              sizeof(err)) != BRSKI_OK) {
        set_why(why, why_cap, "config", "%s", err);
        goto done;
    }
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
    pledge_link link;           /* the registrar link (HTTPS or CoAPS) */
    brski_cert *idevid_chain;   /* leaf first */
    size_t idevid_count;
    brski_slice idevid_der[8];  /* DER of idevid_chain, for the TLS client identity */
    char serial[BRSKI_VOUCHER_MAX_SERIAL + 1];
    brski_signer *idevid_key;
    brski_cert reg_chain[BRSKI_HTTP_MAX_CHAIN_CERTS];
    size_t reg_count;
    bool reg_validated;         /* reg_chain validated against the pinned domain cert */
    brski_buf nonce;
    brski_buf voucher_signed;   /* as received: CMS or COSE_Sign1 */
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

/* One request over the link; a transport error becomes "STEP: METHOD PATH: error". */
static brski_err link_do(enroll_run *r, const char *name, pledge_res res, brski_slice body,
                         pledge_reply *reply)
{
    brski_err rv = r->link.ops->request(&r->link, res, body, reply);
    if (rv != BRSKI_OK) {
        set_why(r->why, r->why_cap, name, "%s %s: %s%s%s", r->link.ops->name,
                r->link.ops->path(res), brski_err_str(rv), reply->text[0] != '\0' ? ": " : "",
                reply->text);
    }
    return rv;
}

static brski_err load_idevid(enroll_run *r)
{
    brski_buf file;
    brski_err rv;

    brski_buf_init(&file, BRSKI_MAX_CHAIN);
    rv = brski_file_read(r->cfg->idevid_cert, &file);
    if (rv == BRSKI_OK) {
        rv = brski_certs_load(brski_buf_slice(&file),
                              sizeof(r->idevid_der) / sizeof(r->idevid_der[0]),
                              &r->idevid_chain, &r->idevid_count);
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
    /* brski_certs_load above kept at most 8 (the size of idevid_der). */
    for (size_t i = 0; i < r->idevid_count; i++) {
        r->idevid_der[i] = brski_slice_make(r->idevid_chain[i].der, r->idevid_chain[i].der_len);
    }
    r->link.chain = r->idevid_der;
    r->link.n_chain = r->idevid_count;
    r->link.key = r->idevid_key;
    step(r, "idevid", "serial %s, %s key", r->serial,
         brski_key_type_name(r->idevid_chain[0].key_type));
    return BRSKI_OK;
}

static brski_err pin_check(void *ctx, const brski_http_peer *peer);

/*
 * RFC 8995 5.1 (cBRSKI 6.1 for DTLS): provisional session, any registrar
 * certificate accepted and kept for the voucher-request and the retroactive
 * check after the voucher.
 */
static brski_err provisional_session(enroll_run *r)
{
    const char *name = r->link.ops->session;
    brski_http_peer peer;
    brski_err rv = r->link.ops->open(&r->link, NULL, NULL);
    if (rv != BRSKI_OK) {
        set_why(r->why, r->why_cap, name, "RFC 8995 5.1: cannot connect to registrar %s:%u: %s",
                r->cfg->host, (unsigned)r->cfg->port, brski_err_str(rv));
        return rv;
    }
    rv = r->link.ops->peer(&r->link, &peer);
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
        set_why(r->why, r->why_cap, name, "registrar certificate chain unusable: %s",
                brski_err_str(rv));
        return rv;
    }
    /*
     * RFC 8995 5 (SPEC-NOTES 1.1): without a persistent connection the pledge
     * must remember the certificates and re-check them on each connection:
     * should the link reconnect, the registrar must present the kept chain.
     */
    r->link.ops->set_pin(&r->link, pin_check, r);
    {
        char subj[256] = "?";
        name_str(r->reg_chain[0].subject, subj, sizeof(subj));
        step(r, name, "provisional %s to %s:%u, registrar \"%s\" (%zu cert%s, not yet trusted)",
             r->link.ops->proto, r->cfg->host, (unsigned)r->cfg->port, subj,
             r->reg_count, r->reg_count == 1 ? "" : "s");
    }
    return BRSKI_OK;
}

static brski_err build_pvr(enroll_run *r, brski_buf *signed_pvr)
{
    brski_voucher v;
    brski_err rv;

    brski_voucher_init(&v, BRSKI_KIND_VOUCHER_REQUEST);
    rv = pledge_pvr_nonce(&r->nonce);
    /* Over CoAPS the registrar's DTLS EE certificate (cBRSKI 6.5). */
    if (rv == BRSKI_OK) {
        rv = pledge_pvr_model(r->serial, (const char *)r->nonce.p,
                              brski_slice_make(r->reg_chain[0].der, r->reg_chain[0].der_len), &v);
    }
    if (rv == BRSKI_OK) {
        rv = r->link.ops->sign_pvr(&v, r->idevid_key, r->idevid_chain, r->idevid_count,
                                   signed_pvr);
    }
    brski_voucher_clear(&v);
    if (rv != BRSKI_OK) {
        set_why(r->why, r->why_cap, "pvr", "cannot build the voucher-request: %s",
                brski_err_str(rv));
        return rv;
    }
    brski_opcount_msg(BRSKI_MSG_PVR, signed_pvr->len);
    step(r, "pvr", "voucher-request signed with the IDevID as %s (%zu bytes, nonce %s)",
         r->link.ops->pvr_format, signed_pvr->len, (const char *)r->nonce.p);
    return BRSKI_OK;
}

static brski_err request_voucher(enroll_run *r, brski_slice pvr)
{
    pledge_reply reply;
    brski_err rv;

    for (unsigned attempt = 0;; attempt++) {
        rv = link_do(r, "voucher", PLEDGE_RES_VOUCHER, pvr, &reply);
        if (rv != BRSKI_OK) {
            pledge_reply_clear(&reply);
            return rv;
        }
        if (reply.retry && attempt < MAX_RETRIES) {
            /*
             * RFC 8995 5.6 (HTTP 202 Retry-After), RFC 9148 4.7 (5.03 Max-Age):
             * wait (capped) and resend the same voucher-request.
             */
            unsigned wait = reply.retry_after == 0 ? 1u : reply.retry_after;
            if (wait > MAX_RETRY_AFTER) {
                wait = MAX_RETRY_AFTER;
            }
            step(r, "voucher", "registrar answered %d, retrying in %u s", reply.status, wait);
            pledge_reply_clear(&reply);
            struct timespec ts = {(time_t)wait, 0};
            (void)nanosleep(&ts, NULL);
            continue;
        }
        break;
    }
    if (!reply.ok) {
        set_why(r->why, r->why_cap, "voucher", "registrar refused the voucher-request: %s",
                reply.text);
        pledge_reply_clear(&reply);
        return BRSKI_ERR_POLICY;
    }
    rv = brski_buf_append(&r->voucher_signed, reply.body.p, reply.body.len);
    pledge_reply_clear(&reply);
    if (rv != BRSKI_OK) {
        set_why(r->why, r->why_cap, "voucher", "%s", brski_err_str(rv));
        return rv;
    }
    brski_opcount_msg(BRSKI_MSG_VOUCHER, r->voucher_signed.len);
    step(r, "voucher", "received a signed voucher (%zu bytes)", r->voucher_signed.len);
    return BRSKI_OK;
}

/* Telemetry (RFC 8995 5.7, 5.9.4; cBRSKI 6.5.1); 404 is allowed. */
static brski_err post_status(enroll_run *r, const char *name, pledge_res res, bool ok,
                             const char *reason)
{
    brski_buf body;
    pledge_reply reply;
    brski_err rv;

    brski_buf_init(&body, 1024);
    rv = r->link.ops->status_body(ok, reason, &body);
    if (rv == BRSKI_OK) {
        rv = link_do(r, name, res, brski_buf_slice(&body), &reply);
        if (rv == BRSKI_OK && !reply.ok) {
            set_why(r->why, r->why_cap, name, "registrar answered %s", reply.text);
            rv = BRSKI_ERR_POLICY;
        } else if (rv == BRSKI_OK) {
            step(r, name, "status %s sent, registrar answered %s", ok ? "true" : "false",
                 reply.text);
        }
        pledge_reply_clear(&reply);
    } else {
        set_why(r->why, r->why_cap, name, "cannot encode the status: %s", brski_err_str(rv));
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
    rv = r->link.ops->accept_voucher(brski_buf_slice(&r->voucher_signed), &r->cfg->anchors,
                                     &opts, &r->voucher);
    if (rv != BRSKI_OK) {
        (void)post_status(r, "voucher-status", PLEDGE_RES_VSTATUS, false, "voucher rejected");
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
        (void)post_status(r, "voucher-status", PLEDGE_RES_VSTATUS, false,
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
        (void)post_status(r, "voucher-status", PLEDGE_RES_VSTATUS, false,
                          "registrar certificate does not chain to the pinned domain cert");
        set_why(r->why, r->why_cap, "registrar-check",
                "RFC 8995 5.6.2: registrar %s certificate does not chain to the "
                "pinned-domain-cert: %s",
                r->link.ops->proto, detail);
        return rv;
    }
    /*
     * RFC 8995 5.6.2: validating the kept chain with the pinned-domain-cert
     * ends the provisional state; this connection is now authenticated and
     * carries the voucher status and EST (persistent connection, 5).
     */
    r->reg_validated = true;
    step(r, "registrar-check",
         "registrar %s chain validated against the pinned domain cert, connection now "
         "authenticated",
         r->link.ops->proto);
    return post_status(r, "voucher-status", PLEDGE_RES_VSTATUS, true, NULL);
}

/* True when |peer| presented exactly the chain kept from the provisional session. */
static bool same_as_kept(const enroll_run *r, const brski_http_peer *peer)
{
    if (peer->n_certs != r->reg_count) {
        return false;
    }
    for (size_t i = 0; i < peer->n_certs; i++) {
        if (!brski_slice_eq(peer->certs[i],
                            brski_slice_make(r->reg_chain[i].der, r->reg_chain[i].der_len))) {
            return false;
        }
    }
    return true;
}

/*
 * Check of every connection after the provisional one. Before registrar-check
 * only the kept chain is accepted (RFC 8995 5: remember and re-check). After
 * it (RFC 8995 5.6.2), the very chain registrar-check validated is not
 * validated again; any other chain goes through the policy module with the
 * pinned-domain-cert.
 */
static brski_err pin_check(void *ctx, const brski_http_peer *peer)
{
    const enroll_run *r = ctx;
    const brski_anchor_store *pinned = &r->pinned;
    brski_cert chain[BRSKI_HTTP_MAX_CHAIN_CERTS];
    size_t n = 0;
    char detail[400];
    brski_err rv = peer->n_certs == 0 ? BRSKI_ERR_AUTH : BRSKI_OK;

    if (rv == BRSKI_OK && same_as_kept(r, peer)) {
        return BRSKI_OK;
    }
    if (rv == BRSKI_OK && !r->reg_validated) {
        brski_log(BRSKI_LOG_WARN,
                  "pledge: RFC 8995 5: the registrar presented another certificate on "
                  "reconnection");
        return BRSKI_ERR_AUTH;
    }
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

/*
 * RFC 8995 5.9.4: on success the pledge SHOULD send the enroll status over a
 * new TLS session that authenticates with the new LDevID (the registrar
 * thereby sees that the LDevID works); the server chain is checked against
 * the pinned domain cert. HTTPS presents the LDevID key from memory; the
 * CoAPS link reads the files just written. When that session cannot be set
 * up, the failure is reported over the existing connection.
 */
static brski_err ldevid_session(enroll_run *r)
{
    char name[32], path_crt[600], path_key[600];
    brski_slice leaf = brski_buf_slice(&r->ldevid_der);
    pledge_link next = r->link;
    brski_err rv;

    (void)snprintf(name, sizeof(name), "%s-ldevid", r->link.ops->session);
    (void)snprintf(path_crt, sizeof(path_crt), "%s/ldevid.crt", r->cfg->out_dir);
    (void)snprintf(path_key, sizeof(path_key), "%s/ldevid.key", r->cfg->out_dir);
    next.impl = NULL;
    next.cert_file = path_crt;
    next.key_file = path_key;
    next.chain = &leaf;
    next.n_chain = 1;
    next.key = r->new_key;
    rv = next.ops->open(&next, pin_check, r);
    if (rv != BRSKI_OK) {
        next.ops->close(&next);
        (void)post_status(r, "enroll-status", PLEDGE_RES_ESTATUS, false,
                          "new session with the LDevID failed");
        set_why(r->why, r->why_cap, name,
                "RFC 8995 5.9.4: %s with the LDevID, registrar verified against the pinned "
                "domain cert, failed: %s",
                r->link.ops->proto, brski_err_str(rv));
        return rv;
    }
    r->link.ops->close(&r->link);
    r->link = next;
    step(r, name, "new %s session with the LDevID, registrar verified against the pinned "
         "domain cert", r->link.ops->proto);
    return BRSKI_OK;
}

static brski_err get_cacerts(enroll_run *r)
{
    pledge_reply reply;
    brski_err rv = link_do(r, "cacerts", PLEDGE_RES_CACERTS, brski_slice_make(NULL, 0), &reply);
    if (rv != BRSKI_OK) {
        pledge_reply_clear(&reply);
        return rv;
    }
    if (!reply.ok) {
        set_why(r->why, r->why_cap, "cacerts", "RFC 7030 4.1: %s", reply.text);
        pledge_reply_clear(&reply);
        return BRSKI_ERR_POLICY;
    }
    rv = brski_buf_append(&r->cacerts_der, reply.body.p, reply.body.len);
    pledge_reply_clear(&reply);
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

/*
 * RFC 8995 5.9.2: the pledge MUST request the CSR attributes (cBRSKI 6.7.1:
 * SHOULD request /att, which is optional for the registrar).
 */
static brski_err get_csrattrs(enroll_run *r)
{
    pledge_reply reply;
    brski_est_csrattr items[16];
    size_t n = 0;
    brski_err rv =
        link_do(r, "csrattrs", PLEDGE_RES_CSRATTRS, brski_slice_make(NULL, 0), &reply);
    if (rv != BRSKI_OK) {
        pledge_reply_clear(&reply);
        return rv;
    }
    if (reply.none) {
        pledge_reply_clear(&reply);
        step(r, "csrattrs", "registrar asks for no CSR attributes");
        return BRSKI_OK;
    }
    if (!reply.ok) {
        set_why(r->why, r->why_cap, "csrattrs", "RFC 7030 4.5: %s", reply.text);
        pledge_reply_clear(&reply);
        return BRSKI_ERR_POLICY;
    }
    rv = brski_buf_append(&r->csrattrs_der, reply.body.p, reply.body.len);
    pledge_reply_clear(&reply);
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
    brski_buf subject, csr;
    pledge_reply reply;
    brski_err rv;
    const char *stepname = "csr";

    brski_buf_init(&subject, 1024);
    brski_buf_init(&csr, BRSKI_MAX_CSR);
    pledge_reply_init(&reply);
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
    pledge_reply_clear(&reply);
    brski_opcount_msg(BRSKI_MSG_CSR, csr.len);
    rv = link_do(r, stepname, PLEDGE_RES_ENROLL, brski_buf_slice(&csr), &reply);
    if (rv != BRSKI_OK) {
        goto done;
    }
    if (!reply.ok) {
        set_why(r->why, r->why_cap, stepname, "RFC 7030 4.2: %s", reply.text);
        rv = BRSKI_ERR_POLICY;
        goto done;
    }
    rv = brski_buf_append(&r->ldevid_der, reply.body.p, reply.body.len);
    if (rv == BRSKI_OK) {
        rv = brski_cert_parse(brski_buf_slice(&r->ldevid_der), &r->ldevid);
    }
    if (rv != BRSKI_OK) {
        set_why(r->why, r->why_cap, stepname, "RFC 7030 4.2.3: bad certificate response: %s",
                brski_err_str(rv));
        goto done;
    }
    brski_opcount_msg(BRSKI_MSG_CERT, r->ldevid_der.len);
    step(r, "simpleenroll", "LDevID received (%zu bytes)", r->ldevid_der.len);
    rv = BRSKI_OK;
done:
    pledge_reply_clear(&reply);
    brski_buf_clear(&subject);
    brski_buf_clear(&csr);
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
        (void)snprintf(path, sizeof(path), "%s/%s", r->cfg->out_dir, r->link.ops->voucher_file);
        rv = brski_file_write(path, brski_buf_slice(&r->voucher_signed), 0644);
    }
    brski_buf_clear(&pem);
    if (rv != BRSKI_OK) {
        set_why(r->why, r->why_cap, "write", "cannot write into %s: %s", r->cfg->out_dir,
                brski_err_str(rv));
        return rv;
    }
    step(r, "write", "ldevid.crt, ldevid.key (0600), domain-ca.crt, %s in %s",
         r->link.ops->voucher_file, r->cfg->out_dir);
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
    r.link.ops = cfg->coap ? &pledge_link_coaps : &pledge_link_https;
    r.link.cert_file = cfg->idevid_cert;
    r.link.key_file = cfg->idevid_key;
    r.link.host = cfg->host;
    r.link.port = cfg->port;
    r.link.timeout_ms = cfg->timeout_ms;
    brski_buf_init(&r.nonce, 128);
    brski_buf_init(&r.voucher_signed, BRSKI_MAX_BODY);
    brski_voucher_init(&r.voucher, BRSKI_KIND_VOUCHER);
    brski_anchor_store_init(&r.pinned);
    brski_buf_init(&r.cacerts_der, BRSKI_MAX_BODY);
    brski_buf_init(&r.ldevid_der, BRSKI_MAX_CERT);
    brski_buf_init(&r.csrattrs_der, BRSKI_MAX_BODY);
    brski_buf_init(&pvr, BRSKI_MAX_BODY);

    rv = load_idevid(&r);
    if (rv == BRSKI_OK) {
        rv = provisional_session(&r);
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
            (void)post_status(&r, "enroll-status", PLEDGE_RES_ESTATUS, false,
                              "LDevID check failed");
        }
    }
    /* The LDevID is stored before it is used for the enroll-status session. */
    if (rv == BRSKI_OK) {
        rv = write_outputs(&r);
        if (rv != BRSKI_OK) {
            /* RFC 8995 5.9.4: a failure is reported over the existing connection. */
            char saved[512];
            (void)snprintf(saved, sizeof(saved), "%s", why);
            (void)post_status(&r, "enroll-status", PLEDGE_RES_ESTATUS, false,
                              "cannot store the LDevID");
            (void)snprintf(why, why_cap, "%s", saved);
        }
    }
    /* ldevid_reconnect = false: the enroll status goes over the same connection. */
    if (rv == BRSKI_OK && cfg->ldevid_reconnect) {
        rv = ldevid_session(&r);
    }
    if (rv == BRSKI_OK) {
        rv = post_status(&r, "enroll-status", PLEDGE_RES_ESTATUS, true, NULL);
    }
    if (rv == BRSKI_OK) {
        char subj[256] = "?";
        name_str(r.ldevid.subject, subj, sizeof(subj));
        step(&r, "done", "LDevID \"%s\", pinned domain \"%s\"", subj, r.pinned_name);
    }

    brski_buf_clear(&pvr);
    r.link.ops->close(&r.link);
    brski_certs_free(r.idevid_chain, r.idevid_count);
    brski_signer_free(r.idevid_key);
    brski_signer_free(r.new_key);
    for (size_t i = 0; i < r.reg_count; i++) {
        brski_cert_clear(&r.reg_chain[i]);
    }
    brski_buf_clear(&r.nonce);
    brski_buf_clear(&r.voucher_signed);
    brski_voucher_clear(&r.voucher);
    brski_anchor_store_clear(&r.pinned);
    brski_buf_clear(&r.cacerts_der);
    brski_buf_clear(&r.ldevid_der);
    brski_buf_clear(&r.csrattrs_der);
    brski_cert_clear(&r.ldevid);
    brski_tls_thread_cleanup();
    return rv;
}
