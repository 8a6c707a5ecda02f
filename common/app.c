/*
 * app.c - helpers shared by the MASA and registrar servers (see app.h).
 */
#include "brski/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brski/config.h"
#include "brski/env.h"
#include "brski/log.h"
#include "brski/opcount.h"
#include "brski/voucher_cli.h"

static brski_err parse_port(const char *s, uint16_t *port)
{
    char *end = NULL;
    if (*s < '0' || *s > '9') {
        return BRSKI_ERR_ARG;
    }
    unsigned long v = strtoul(s, &end, 10);
    if (v == 0 || v > 65535 || (*end != '\0' && *end != '/')) {
        return BRSKI_ERR_ARG;
    }
    *port = (uint16_t)v;
    return BRSKI_OK;
}

brski_err brski_app_parse_hostport(const char *s, char *host, size_t cap, uint16_t *port)
{
    if (s == NULL) {
        return BRSKI_ERR_ARG;
    }
    const char *colon = strrchr(s, ':');
    if (colon == NULL || colon == s || (size_t)(colon - s) >= cap) {
        return BRSKI_ERR_ARG;
    }
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    return parse_port(colon + 1, port);
}

brski_err brski_app_parse_url(const char *s, char *host, size_t cap, uint16_t *port)
{
    if (s == NULL) {
        return BRSKI_ERR_ARG;
    }
    if (strncmp(s, "https://", 8) == 0) {
        s += 8;
    } else if (strstr(s, "://") != NULL) {
        return BRSKI_ERR_ARG; /* RFC 8995 2.3.2: https only */
    }
    size_t n = strcspn(s, ":/");
    if (n == 0 || n >= cap) {
        return BRSKI_ERR_ARG;
    }
    memcpy(host, s, n);
    host[n] = '\0';
    *port = 443;
    if (s[n] == ':') {
        return parse_port(s + n + 1, port);
    }
    return BRSKI_OK;
}

brski_err brski_app_idevid_issuer(const brski_cert *idevid, uint8_t *out, size_t cap,
                                  size_t *len)
{
    size_t k = idevid->aki_key_id.len;
    if (k > 0) {
        if (k > 120 || k + 4 > cap) {
            return BRSKI_ERR_TOOBIG;
        }
        out[0] = 0x30;
        out[1] = (uint8_t)(k + 2);
        out[2] = 0x80;
        out[3] = (uint8_t)k;
        memcpy(out + 4, idevid->aki_key_id.p, k);
        *len = k + 4;
        return BRSKI_OK;
    }
    if (idevid->issuer.len > cap) {
        return BRSKI_ERR_TOOBIG;
    }
    memcpy(out, idevid->issuer.p, idevid->issuer.len);
    *len = idevid->issuer.len;
    return BRSKI_OK;
}

brski_err brski_app_json_str(brski_buf *out, const char *s)
{
    brski_err rv = brski_buf_append_byte(out, '"');
    for (; rv == BRSKI_OK && *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            rv = brski_buf_printf(out, "\\%c", c);
        } else if (c < 0x20) {
            rv = brski_buf_printf(out, "\\u%04x", c);
        } else {
            rv = brski_buf_append_byte(out, c);
        }
    }
    if (rv == BRSKI_OK) {
        rv = brski_buf_append_byte(out, '"');
    }
    return rv;
}

void brski_app_audit(brski_store *st, const char *actor, const char *action, bool ok,
                     const char *reason)
{
    char r[BRSKI_STORE_MAX_TEXT];
    snprintf(r, sizeof(r), "%s", reason != NULL ? reason : "");
    brski_err rv = brski_store_audit_append(st, brski_env_now(NULL), actor, action,
                                            ok ? "ok" : "refused", r, NULL);
    if (rv != BRSKI_OK) {
        brski_log(BRSKI_LOG_ERROR, "audit: cannot append %s record: %s", action,
                  brski_err_str(rv));
    }
}

void brski_app_actor(const brski_cert *c, char *out, size_t cap)
{
    char serial[129];
    uint8_t h[32];
    if (c == NULL) {
        snprintf(out, cap, "anonymous");
        return;
    }
    if (brski_name_get(c->subject, BRSKI_OID_AT_SERIAL_NUMBER, serial, sizeof(serial), NULL) !=
        BRSKI_OK) {
        serial[0] = '\0';
    }
    if (brski_sha256(brski_cert_der(c), h) != BRSKI_OK) {
        memset(h, 0, sizeof(h));
    }
    snprintf(out, cap, "serial:%s sha256:%02x%02x%02x%02x%02x%02x%02x%02x", serial, h[0], h[1],
             h[2], h[3], h[4], h[5], h[6], h[7]);
}

int brski_app_serve(brski_server *srv, const char *prog)
{
    brski_opcount_init();
    if (brski_server_install_signals(srv) != BRSKI_OK) {
        fprintf(stderr, "%s: cannot install signal handlers\n", prog);
        return 1;
    }
    brski_log(BRSKI_LOG_INFO, "%s: listening on port %u", prog,
              (unsigned)brski_server_port(srv));
    brski_err rv = brski_server_run(srv);
    brski_log(BRSKI_LOG_INFO, "%s: stopped (%s)", prog, brski_err_str(rv));
    return rv == BRSKI_OK ? 0 : 1;
}

int brski_app_audit_verify_cmd(const char *prog, const char *section, int argc, char **argv)
{
    brski_cli_opt o[] = {{"config", true, NULL}};
    int p = brski_cli_parse("audit-verify", argc, argv, o, 1);
    if (p != 0 || brski_cli_get(o, 1, "config") == NULL) {
        fprintf(p == 1 ? stdout : stderr,
                "usage: %s audit-verify --config F\n"
                "Checks the hash chain of the audit log in the database named by 'db' in\n"
                "[%s] of F. Exit 0 intact, 1 tampered.\n",
                prog, section);
        return p == 1 ? 0 : 2;
    }
    brski_config cfg;
    char msg[256], path[1024];
    if (brski_config_load(brski_cli_get(o, 1, "config"), &cfg, msg, sizeof(msg)) != BRSKI_OK) {
        fprintf(stderr, "%s audit-verify: %s\n", prog, msg);
        return 2;
    }
    const char *db = brski_config_get(&cfg, section, "db");
    if (db == NULL || brski_config_path(&cfg, db, path, sizeof(path)) != BRSKI_OK) {
        fprintf(stderr, "%s audit-verify: no 'db' in [%s]\n", prog, section);
        brski_config_clear(&cfg);
        return 2;
    }
    brski_config_clear(&cfg);
    brski_store *st = NULL;
    if (brski_store_open(path, &st) != BRSKI_OK) {
        fprintf(stderr, "%s audit-verify: cannot open %s\n", prog, path);
        return 2;
    }
    uint64_t count = 0, bad = 0;
    brski_err rv = brski_store_audit_verify(st, &count, &bad);
    brski_store_close(st);
    if (rv == BRSKI_OK) {
        printf("audit log intact: %llu records\n", (unsigned long long)count);
        return 0;
    }
    if (rv == BRSKI_ERR_CRYPTO) {
        fprintf(stderr, "%s audit-verify: audit log tampered at record %llu\n", prog,
                (unsigned long long)bad);
        return 1;
    }
    fprintf(stderr, "%s audit-verify: %s\n", prog, brski_err_str(rv));
    return 2;
}
