/*
 * brski-masa serve: the MASA HTTPS server (RFC 8995 5.5, 5.6, 5.8).
 *
 * POST /.well-known/brski/requestvoucher  registrar voucher-request (CMS) -> voucher
 * POST /.well-known/brski/requestauditlog registrar voucher-request (CMS) -> audit log JSON
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brski/app.h"
#include "brski/cms.h"
#include "brski/codec.h"
#include "brski/config.h"
#include "brski/env.h"
#include "brski/log.h"
#include "brski/policy.h"
#include "brski/server.h"
#include "brski/signer.h"
#include "brski/store.h"
#include "brski/tls.h"
#include "brski/voucher.h"
#include "brski/voucher_accept.h"
#include "brski/voucher_cli.h"
#include "brski/voucher_json.h"
#include "brski/x509.h"
#include "cmds.h"

#define MASA_CT_VOUCHER "application/voucher-cms+json"
#define MASA_MAX_OWNERS 256u

typedef struct masa_owner {
    char serial[BRSKI_VOUCHER_MAX_SERIAL + 1];
    brski_cert ca;
} masa_owner;

typedef struct masa_ctx {
    brski_store *store;
    brski_anchor_store anchors;
    brski_signer *key;
    brski_cert *signer_certs; /* signer first, then its chain */
    size_t signer_count;
    int64_t lifetime;
    bool allow_list;
    masa_owner *owners;
    size_t owner_count;
} masa_ctx;

static const char *const voucher_types[] = {MASA_CT_VOUCHER, NULL};

/* Refuses with |status| and an audit record. */
static brski_err refuse(masa_ctx *m, brski_http_msg *resp, const char *actor, const char *action,
                        int status, const char *why)
{
    brski_app_audit(m->store, actor, action, false, why);
    brski_http_msg_set_error(resp, status, "%s", why);
    return BRSKI_OK;
}

static int status_of(brski_err rv)
{
    switch (rv) {
    case BRSKI_ERR_TOOBIG:
        return 413;
    case BRSKI_ERR_MALFORMED:
    case BRSKI_ERR_ARG:
        return 400;
    case BRSKI_ERR_UNSUPPORTED:
        return 415;
    case BRSKI_ERR_CRYPTO:
    case BRSKI_ERR_POLICY:
    case BRSKI_ERR_AUTH:
        return 403;
    default:
        return 500;
    }
}

/*
 * Verifies the registrar voucher-request |body|: CMS signature with the
 * embedded registrar certificate and the JSON. Fills |sd| and |rvr|.
 */
static brski_err parse_rvr(brski_slice body, brski_cms_signed *sd, brski_voucher *rvr,
                           char *why, size_t cap)
{
    brski_err rv = brski_cms_verify(body, sd);
    if (rv != BRSKI_OK) {
        snprintf(why, cap, "RFC 8995 5.5: registrar voucher-request CMS not valid: %s",
                 brski_err_str(rv));
        return rv == BRSKI_ERR_CRYPTO ? BRSKI_ERR_CRYPTO : BRSKI_ERR_MALFORMED;
    }
    rv = brski_voucher_json_parse(brski_slice_make(sd->content, sd->content_len), 0, rvr);
    if (rv != BRSKI_OK || rvr->kind != BRSKI_KIND_VOUCHER_REQUEST) {
        snprintf(why, cap, "RFC 8995 5.5: not a valid ietf-voucher-request:voucher");
        return BRSKI_ERR_MALFORMED;
    }
    return BRSKI_OK;
}

/* The domain CA in the RVR certificate bag: a CA certificate that signed the registrar's. */
static const brski_cert *find_domain_ca(const brski_cms_signed *sd)
{
    const brski_cert *reg = brski_cms_signer(sd);
    for (size_t i = 0; i < sd->cert_count; i++) {
        const brski_cert *c = &sd->certs[i];
        if (i != sd->signer_index && c->is_ca && brski_cert_verify_signed_by(reg, c) == BRSKI_OK) {
            return c;
        }
    }
    return NULL;
}

static const brski_cert *find_owner(const masa_ctx *m, const char *serial)
{
    for (size_t i = 0; i < m->owner_count; i++) {
        if (strcmp(m->owners[i].serial, serial) == 0) {
            return &m->owners[i].ca;
        }
    }
    return NULL;
}

/*
 * RFC 8995 5.8.2: domainID = base64 of the SKI of the pinned-domain-cert or,
 * without an SKI, of the SHA-256 over its SubjectPublicKeyInfo (RFC 7469 2.4).
 */
static brski_err domain_id(const brski_cert *ca, brski_buf *out)
{
    uint8_t h[32];
    brski_err rv = BRSKI_OK;
    if (ca->ski.len > 0) {
        rv = brski_base64_encode(ca->ski, out);
    } else {
        rv = brski_sha256(ca->spki, h);
        if (rv == BRSKI_OK) {
            rv = brski_base64_encode(brski_slice_make(h, sizeof(h)), out);
        }
    }
    if (rv == BRSKI_OK) {
        rv = brski_buf_cstr(out);
    }
    return rv;
}

static brski_err sign_voucher(masa_ctx *m, const brski_voucher *pvr, const char *serial,
                              const brski_cert *pinned, brski_buf *out)
{
    brski_voucher v;
    brski_buf json;
    brski_slice chain[8];
    size_t nchain = 0;
    int64_t now = brski_env_now(NULL);
    brski_voucher_init(&v, BRSKI_KIND_VOUCHER);
    brski_buf_init(&json, BRSKI_MAX_VOUCHER);
    v.assertion = BRSKI_ASSERTION_PROXIMITY;
    brski_voucher_mark(&v, BRSKI_LEAF_ASSERTION);
    brski_err rv = brski_voucher_set_time(&v, BRSKI_LEAF_CREATED_ON, now);
    if (rv == BRSKI_OK) {
        rv = brski_voucher_set_time(&v, BRSKI_LEAF_EXPIRES_ON, now + m->lifetime);
    }
    if (rv == BRSKI_OK) {
        rv = brski_voucher_set_str(&v, BRSKI_LEAF_SERIAL_NUMBER, serial);
    }
    if (rv == BRSKI_OK && pvr->nonce_text != NULL) {
        rv = brski_voucher_set_str(&v, BRSKI_LEAF_NONCE, pvr->nonce_text);
    }
    if (rv == BRSKI_OK) {
        rv = brski_voucher_set_bytes(&v, BRSKI_LEAF_PINNED_DOMAIN_CERT, brski_cert_der(pinned));
    }
    if (rv == BRSKI_OK) {
        rv = brski_voucher_json_encode(&v, &json);
    }
    for (size_t i = 1; i < m->signer_count && nchain < 8; i++) {
        chain[nchain++] = brski_cert_der(&m->signer_certs[i]);
    }
    if (rv == BRSKI_OK) {
        rv = brski_cms_sign_with(brski_buf_slice(&json), true, m->key,
                                 brski_cert_der(&m->signer_certs[0]), chain, nchain, NULL, out);
    }
    brski_voucher_clear(&v);
    brski_buf_clear(&json);
    return rv;
}

static brski_err h_requestvoucher(void *ctx, const brski_http_peer *peer,
                                  const brski_http_msg *req, brski_http_msg *resp)
{
    (void)peer;
    masa_ctx *m = ctx;
    brski_cms_signed sd, psd;
    brski_voucher rvr, pvr;
    brski_buf out, did;
    char why[512], actor[256], idserial[BRSKI_VOUCHER_MAX_SERIAL + 1];
    const char *action = "voucher.request";
    memset(&sd, 0, sizeof(sd));
    memset(&psd, 0, sizeof(psd));
    brski_voucher_init(&rvr, BRSKI_KIND_VOUCHER_REQUEST);
    brski_voucher_init(&pvr, BRSKI_KIND_VOUCHER_REQUEST);
    brski_buf_init(&out, BRSKI_MAX_BODY);
    brski_buf_init(&did, 128);
    snprintf(actor, sizeof(actor), "peer:%s", peer->addr);

    brski_err rv = parse_rvr(brski_buf_slice(&req->body), &sd, &rvr, why, sizeof(why));
    if (rv != BRSKI_OK) {
        refuse(m, resp, actor, action, status_of(rv), why);
        goto done;
    }
    const brski_cert *reg = brski_cms_signer(&sd);
    char ra[200];
    brski_app_actor(reg, ra, sizeof(ra));
    snprintf(actor, sizeof(actor), "registrar %s", ra);
    if (!brski_voucher_has(&rvr, BRSKI_LEAF_PRIOR_SIGNED_VOUCHER_REQUEST)) {
        refuse(m, resp, actor, action, 400,
               "RFC 8995 5.5: prior-signed-voucher-request missing");
        goto done;
    }
    rv = brski_cms_verify(brski_slice_make(rvr.prior_signed_voucher_request.p,
                                           rvr.prior_signed_voucher_request.len),
                          &psd);
    if (rv != BRSKI_OK) {
        snprintf(why, sizeof(why), "RFC 8995 5.5: prior-signed-voucher-request CMS not valid: %s",
                 brski_err_str(rv));
        refuse(m, resp, actor, action, rv == BRSKI_ERR_CRYPTO ? 403 : 400, why);
        goto done;
    }
    char cwhy[300];
    rv = brski_cms_signer_check(&m->anchors, BRSKI_PURPOSE_IDEVID, &psd, true,
                                brski_env_now(NULL), cwhy, sizeof(cwhy));
    if (rv != BRSKI_OK) {
        snprintf(why, sizeof(why), "RFC 8995 5.5.2: IDevID not from this manufacturer: %s", cwhy);
        refuse(m, resp, actor, action, 403, why);
        goto done;
    }
    rv = brski_voucher_json_parse(brski_slice_make(psd.content, psd.content_len), 0, &pvr);
    if (rv != BRSKI_OK || pvr.kind != BRSKI_KIND_VOUCHER_REQUEST) {
        refuse(m, resp, actor, action, 400,
               "RFC 8995 5.2: prior-signed-voucher-request is not a valid voucher-request");
        goto done;
    }
    if (brski_name_get(brski_cms_signer(&psd)->subject, BRSKI_OID_AT_SERIAL_NUMBER, idserial,
                       sizeof(idserial), NULL) != BRSKI_OK) {
        refuse(m, resp, actor, action, 403, "RFC 8995 2.3.1: IDevID has no serialNumber");
        goto done;
    }
    if (strcmp(idserial, pvr.serial_number) != 0 || strcmp(idserial, rvr.serial_number) != 0) {
        refuse(m, resp, actor, action, 403,
               "RFC 8995 5.5: serial-number of RVR, PVR and IDevID differ");
        goto done;
    }
    bool pn = pvr.nonce_text != NULL, rn = rvr.nonce_text != NULL;
    if (pn != rn || (pn && strcmp(pvr.nonce_text, rvr.nonce_text) != 0)) {
        refuse(m, resp, actor, action, 403, "RFC 8995 5.5: nonce of RVR and PVR differ");
        goto done;
    }
    if (!brski_voucher_has(&pvr, BRSKI_LEAF_ASSERTION) ||
        pvr.assertion != BRSKI_ASSERTION_PROXIMITY) {
        refuse(m, resp, actor, action, 403, "RFC 8995 5.5: PVR assertion is not proximity");
        goto done;
    }
    if (!brski_voucher_has(&pvr, BRSKI_LEAF_PROXIMITY_REGISTRAR_CERT) ||
        !brski_slice_eq(brski_slice_make(pvr.proximity_registrar_cert.p,
                                         pvr.proximity_registrar_cert.len),
                        brski_cert_der(reg))) {
        refuse(m, resp, actor, action, 403,
               "RFC 8995 5.5.5: proximity-registrar-cert is not the RVR signer");
        goto done;
    }
    const brski_cert *pinned = NULL;
    if (m->allow_list) {
        pinned = find_owner(m, idserial);
        if (pinned == NULL) {
            refuse(m, resp, actor, action, 403,
                   "RFC 8995 5.5.4: pledge not owned by any configured domain");
            goto done;
        }
        if (brski_cert_verify_signed_by(reg, pinned) != BRSKI_OK) {
            refuse(m, resp, actor, action, 403,
                   "RFC 8995 5.5.4: registrar is not in the pledge owner's domain");
            goto done;
        }
    } else {
        pinned = find_domain_ca(&sd);
        if (pinned == NULL) {
            refuse(m, resp, actor, action, 400,
                   "RFC 8995 5.5: no domain CA for the registrar in the RVR certificates");
            goto done;
        }
    }
    rv = sign_voucher(m, &pvr, idserial, pinned, &out);
    if (rv == BRSKI_OK) {
        rv = domain_id(pinned, &did);
    }
    if (rv != BRSKI_OK) {
        brski_app_audit(m->store, actor, action, false, "internal: signing failed");
        brski_http_msg_set_error(resp, 500, "voucher signing failed");
        goto done;
    }
    brski_store_voucher sv = {idserial, brski_env_now(NULL), (const char *)did.p,
                              pvr.nonce_text, "proximity", brski_buf_slice(&out)};
    snprintf(why, sizeof(why), "voucher issued for %s", idserial);
    brski_err wrv = brski_store_begin(m->store);
    if (wrv == BRSKI_OK) {
        brski_err a = brski_store_voucher_add(m->store, &sv);
        brski_err b = brski_store_audit_append(m->store, brski_env_now(NULL), actor,
                                               "voucher.issue", "ok", why, NULL);
        wrv = brski_store_end(m->store, a == BRSKI_OK && b == BRSKI_OK);
    }
    if (wrv != BRSKI_OK) {
        brski_http_msg_set_error(resp, 500, "cannot record the voucher");
        goto done;
    }
    rv = brski_http_msg_set_body(resp, 200, MASA_CT_VOUCHER, brski_buf_slice(&out));
    if (rv != BRSKI_OK) {
        brski_http_msg_set_error(resp, 500, "response too large");
    }
done:
    brski_cms_signed_clear(&sd);
    brski_cms_signed_clear(&psd);
    brski_voucher_clear(&rvr);
    brski_voucher_clear(&pvr);
    brski_buf_clear(&out);
    brski_buf_clear(&did);
    return BRSKI_OK;
}

typedef struct log_walk {
    brski_buf *out;
    size_t n;
} log_walk;

static brski_err log_event(void *ctx, const brski_store_voucher *v)
{
    log_walk *w = ctx;
    char date[32];
    brski_err rv = brski_time_format(v->time, date, sizeof(date));
    if (rv == BRSKI_OK) {
        rv = brski_buf_printf(w->out, "%s{\"date\":\"%s\",\"domainID\":", w->n > 0 ? "," : "",
                              date);
    }
    if (rv == BRSKI_OK) {
        rv = brski_app_json_str(w->out, v->domain_id);
    }
    if (rv == BRSKI_OK) {
        rv = brski_buf_append_str(w->out, ",\"nonce\":");
    }
    if (rv == BRSKI_OK) {
        rv = v->nonce != NULL ? brski_app_json_str(w->out, v->nonce)
                              : brski_buf_append_str(w->out, "null");
    }
    if (rv == BRSKI_OK) {
        rv = brski_buf_append_str(w->out, ",\"assertion\":");
    }
    if (rv == BRSKI_OK) {
        rv = brski_app_json_str(w->out, v->assertion);
    }
    if (rv == BRSKI_OK) {
        rv = brski_buf_append_str(w->out, ",\"truncated\":0}");
    }
    w->n++;
    return rv;
}

/* RFC 8995 5.8: the audit log of one pledge, asked by a registrar with an RVR. */
static brski_err h_requestauditlog(void *ctx, const brski_http_peer *peer,
                                   const brski_http_msg *req, brski_http_msg *resp)
{
    masa_ctx *m = ctx;
    brski_cms_signed sd;
    brski_voucher rvr;
    brski_buf out;
    char why[512], actor[256];
    const char *action = "auditlog.request";
    memset(&sd, 0, sizeof(sd));
    brski_voucher_init(&rvr, BRSKI_KIND_VOUCHER_REQUEST);
    brski_buf_init(&out, BRSKI_MAX_BODY);
    snprintf(actor, sizeof(actor), "peer:%s", peer->addr);
    brski_err rv = parse_rvr(brski_buf_slice(&req->body), &sd, &rvr, why, sizeof(why));
    if (rv != BRSKI_OK) {
        refuse(m, resp, actor, action, status_of(rv), why);
        goto done;
    }
    brski_app_actor(brski_cms_signer(&sd), actor, sizeof(actor));
    log_walk w = {&out, 0};
    rv = brski_buf_append_str(&out, "{\"version\":1,\"events\":[");
    if (rv == BRSKI_OK) {
        rv = brski_store_voucher_each(m->store, rvr.serial_number, log_event, &w);
    }
    if (rv == BRSKI_OK) {
        rv = brski_buf_append_str(&out, "]}");
    }
    if (rv != BRSKI_OK) {
        brski_http_msg_set_error(resp, rv == BRSKI_ERR_TOOBIG ? 500 : 500,
                                 "cannot read the audit log");
        goto done;
    }
    if (w.n == 0) {
        refuse(m, resp, actor, action, 404, "RFC 8995 5.8: no voucher issued for this serial");
        goto done;
    }
    snprintf(why, sizeof(why), "audit log of %s (%zu events)", rvr.serial_number, w.n);
    brski_app_audit(m->store, actor, action, true, why);
    if (brski_http_msg_set_body(resp, 200, "application/json", brski_buf_slice(&out)) !=
        BRSKI_OK) {
        brski_http_msg_set_error(resp, 500, "response too large");
    }
done:
    brski_cms_signed_clear(&sd);
    brski_voucher_clear(&rvr);
    brski_buf_clear(&out);
    return BRSKI_OK;
}

static const brski_route masa_routes[] = {
    {"/.well-known/brski/requestvoucher", BRSKI_METHOD_POST, h_requestvoucher, BRSKI_MAX_BODY,
     voucher_types, false},
    {"/.well-known/brski/requestauditlog", BRSKI_METHOD_POST, h_requestauditlog, BRSKI_MAX_BODY,
     voucher_types, false},
};

/* Ownership file: one "SERIAL PATH-TO-DOMAIN-CA" per line, '#' comments. */
static int load_owners(masa_ctx *m, brski_config *cfg, const char *file)
{
    char path[1024], line[1200];
    if (brski_config_path(cfg, file, path, sizeof(path)) != BRSKI_OK) {
        return 2;
    }
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "brski-masa serve: cannot open ownership file %s\n", path);
        return 2;
    }
    m->owners = calloc(MASA_MAX_OWNERS, sizeof(*m->owners));
    int ret = m->owners == NULL ? 2 : 0;
    unsigned lineno = 0;
    while (ret == 0 && fgets(line, sizeof(line), f) != NULL) {
        char serial[BRSKI_VOUCHER_MAX_SERIAL + 1], cpath[1024], full[1024];
        lineno++;
        if (line[0] == '#' || strspn(line, " \t\r\n") == strlen(line)) {
            continue;
        }
        brski_buf der;
        brski_buf_init(&der, 0);
        if (sscanf(line, "%128s %1023s", serial, cpath) != 2 ||
            m->owner_count >= MASA_MAX_OWNERS ||
            brski_config_path(cfg, cpath, full, sizeof(full)) != BRSKI_OK ||
            brski_cli_read_cert_der(full, &der) != BRSKI_OK ||
            brski_cert_parse(brski_buf_slice(&der), &m->owners[m->owner_count].ca) != BRSKI_OK) {
            fprintf(stderr, "brski-masa serve: %s:%u: bad ownership entry\n", path, lineno);
            ret = 2;
        } else {
            snprintf(m->owners[m->owner_count].serial, sizeof(m->owners[0].serial), "%s", serial);
            m->owner_count++;
        }
        brski_buf_clear(&der);
    }
    fclose(f);
    return ret;
}

static void masa_free(masa_ctx *m)
{
    for (size_t i = 0; m->owners != NULL && i < m->owner_count; i++) {
        brski_cert_clear(&m->owners[i].ca);
    }
    free(m->owners);
    brski_certs_free(m->signer_certs, m->signer_count);
    brski_signer_free(m->key);
    brski_anchor_store_clear(&m->anchors);
    if (m->store != NULL) {
        brski_store_close(m->store);
    }
}

static brski_err load_certs_file(brski_config *cfg, const char *value, brski_cert **certs,
                                 size_t *count)
{
    char path[1024];
    brski_buf b;
    brski_buf_init(&b, 0);
    brski_err rv = brski_config_path(cfg, value, path, sizeof(path));
    if (rv == BRSKI_OK) {
        rv = brski_cli_read(path, BRSKI_MAX_FILE, &b);
    }
    if (rv == BRSKI_OK) {
        rv = brski_certs_load(brski_buf_slice(&b), 8, certs, count);
    }
    brski_buf_clear(&b);
    return rv;
}

int masa_cmd_serve(int argc, char **argv)
{
    brski_cli_opt o[] = {{"config", true, NULL}, {"port", true, NULL}};
    size_t no = sizeof(o) / sizeof(o[0]);
    int p = brski_cli_parse("serve", argc, argv, o, no);
    if (p != 0 || brski_cli_get(o, no, "config") == NULL) {
        fputs("usage: brski-masa serve --config F [--port N]\n"
              "Runs the MASA HTTPS server (RFC 8995 5.5-5.8) configured by [masa] in F:\n"
              "listen, tls_cert, tls_key, signer_cert, signer_key, signer_chain, db,\n"
              "voucher_lifetime (seconds, default 1209600), ownership (accept-any or\n"
              "allow-list), ownership_file (lines 'SERIAL DOMAIN-CA-FILE'), workers.\n"
              "Stops cleanly on SIGTERM.\n",
              p == 1 ? stdout : stderr);
        return p == 1 ? 0 : 2;
    }
    brski_log_set_sink(brski_log_stderr_sink, NULL, BRSKI_LOG_INFO);
    brski_config cfg;
    masa_ctx m;
    char msg[256], path[1024], path2[1024], host[64];
    uint16_t port = 0;
    int64_t lifetime = 0, workers = 2;
    brski_tls_ctx *tls = NULL;
    brski_server *srv = NULL;
    int ret = 2;
    memset(&m, 0, sizeof(m));
    brski_anchor_store_init(&m.anchors);
    if (brski_config_load(brski_cli_get(o, no, "config"), &cfg, msg, sizeof(msg)) != BRSKI_OK) {
        fprintf(stderr, "brski-masa serve: %s\n", msg);
        return 2;
    }
    const char *listen = brski_config_get_str(&cfg, "masa", "listen", "127.0.0.1:9443");
    const char *ownership = brski_config_get_str(&cfg, "masa", "ownership", "accept-any");
    const char *keys[] = {"tls_cert", "tls_key", "signer_cert", "signer_key", "db"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (brski_config_get(&cfg, "masa", keys[i]) == NULL) {
            fprintf(stderr, "brski-masa serve: [masa] %s missing\n", keys[i]);
            goto done;
        }
    }
    if (brski_app_parse_hostport(listen, host, sizeof(host), &port) != BRSKI_OK) {
        fprintf(stderr, "brski-masa serve: bad listen address '%s'\n", listen);
        goto done;
    }
    if (brski_cli_get(o, no, "port") != NULL) {
        port = (uint16_t)atoi(brski_cli_get(o, no, "port"));
    }
    if (brski_config_get_int(&cfg, "masa", "voucher_lifetime", 14 * 86400, 60,
                             10LL * 365 * 86400, &lifetime, msg, sizeof(msg)) != BRSKI_OK ||
        brski_config_get_int(&cfg, "masa", "workers", 2, 1, 64, &workers, msg, sizeof(msg)) !=
            BRSKI_OK) {
        fprintf(stderr, "brski-masa serve: %s\n", msg);
        goto done;
    }
    m.lifetime = lifetime;
    if (strcmp(ownership, "allow-list") == 0) {
        m.allow_list = true;
        const char *of = brski_config_get(&cfg, "masa", "ownership_file");
        if (of == NULL || load_owners(&m, &cfg, of) != 0) {
            fprintf(stderr, "brski-masa serve: ownership = allow-list needs ownership_file\n");
            goto done;
        }
    } else if (strcmp(ownership, "accept-any") != 0) {
        fprintf(stderr, "brski-masa serve: ownership must be accept-any or allow-list\n");
        goto done;
    }
    if (brski_anchor_store_load_config(&m.anchors, &cfg, msg, sizeof(msg)) != BRSKI_OK) {
        fprintf(stderr, "brski-masa serve: anchors: %s\n", msg);
        goto done;
    }
    if (load_certs_file(&cfg, brski_config_get(&cfg, "masa", "signer_cert"), &m.signer_certs,
                        &m.signer_count) != BRSKI_OK ||
        m.signer_count == 0) {
        fprintf(stderr, "brski-masa serve: cannot read signer_cert\n");
        goto done;
    }
    const char *chain = brski_config_get(&cfg, "masa", "signer_chain");
    if (chain != NULL && m.signer_count == 1 &&
        load_certs_file(&cfg, chain, &m.signer_certs, &m.signer_count) != BRSKI_OK) {
        fprintf(stderr, "brski-masa serve: cannot read signer_chain\n");
        goto done;
    }
    if (brski_config_path(&cfg, brski_config_get(&cfg, "masa", "signer_key"), path,
                          sizeof(path)) != BRSKI_OK ||
        brski_signer_load_file(path, &m.key) != BRSKI_OK) {
        fprintf(stderr, "brski-masa serve: cannot load signer_key (mode must be 0600)\n");
        goto done;
    }
    if (brski_config_path(&cfg, brski_config_get(&cfg, "masa", "db"), path, sizeof(path)) !=
            BRSKI_OK ||
        brski_store_open(path, &m.store) != BRSKI_OK) {
        fprintf(stderr, "brski-masa serve: cannot open database\n");
        goto done;
    }
    if (brski_config_path(&cfg, brski_config_get(&cfg, "masa", "tls_cert"), path,
                          sizeof(path)) != BRSKI_OK ||
        brski_config_path(&cfg, brski_config_get(&cfg, "masa", "tls_key"), path2,
                          sizeof(path2)) != BRSKI_OK ||
        brski_tls_server_new(path, path2, BRSKI_TLS_CLIENT_CERT_OPTIONAL, &tls) != BRSKI_OK) {
        fprintf(stderr, "brski-masa serve: cannot set up TLS from tls_cert/tls_key\n");
        goto done;
    }
    brski_server_config sc;
    brski_server_config_default(&sc);
    sc.host = host;
    sc.port = port;
    sc.workers = (unsigned)workers;
    sc.tls = tls;
    sc.routes = masa_routes;
    sc.n_routes = sizeof(masa_routes) / sizeof(masa_routes[0]);
    sc.handler_ctx = &m;
    if (brski_server_new(&sc, &srv) != BRSKI_OK) {
        fprintf(stderr, "brski-masa serve: cannot listen on %s:%u\n", host, (unsigned)port);
        goto done;
    }
    brski_app_audit(m.store, "masa", "server.start", true, "");
    ret = brski_app_serve(srv, "brski-masa");
    brski_app_audit(m.store, "masa", "server.stop", true, "");
done:
    if (srv != NULL) {
        brski_server_free(srv);
    }
    brski_tls_ctx_free(tls);
    masa_free(&m);
    brski_config_clear(&cfg);
    brski_tls_thread_cleanup();
    return ret;
}

int masa_cmd_audit_verify(int argc, char **argv)
{
    return brski_app_audit_verify_cmd("brski-masa", "masa", argc, argv);
}
