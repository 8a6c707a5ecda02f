/*
 * anchor_store.c - loading trust anchors named in a program config. Kept out
 * of policy.c so that the policy module itself does no I/O.
 */
#include "brski/policy.h"

#include <stdio.h>
#include <string.h>

#include "brski/file.h"
#include "brski/log.h"

#define ANCHOR_PREFIX "anchor "
#define ANCHOR_FILE_MAX 16u

static brski_err load_section(brski_anchor_store *s, brski_config *cfg, const char *section,
                              char *errmsg, size_t errcap)
{
    const char *name = section + strlen(ANCHOR_PREFIX);
    const char *purpose_s = brski_config_get(cfg, section, "purpose");
    const char *file = brski_config_get(cfg, section, "file");
    brski_purpose purpose;
    brski_anchor_policy pol;
    brski_cert *certs = NULL;
    size_t n = 0;
    brski_buf b;
    char path[1024];
    brski_err rv;

    brski_buf_init(&b, BRSKI_MAX_FILE);
    if (purpose_s == NULL || brski_purpose_parse(purpose_s, &purpose) != BRSKI_OK) {
        snprintf(errmsg, errcap,
                 "[%s] purpose must be one of idevid, masa, domain, tls, software-update, "
                 "attestation",
                 section);
        rv = BRSKI_ERR_MALFORMED;
        goto out;
    }
    if (file == NULL) {
        snprintf(errmsg, errcap, "[%s] file is required", section);
        rv = BRSKI_ERR_MALFORMED;
        goto out;
    }
    brski_anchor_policy_default(purpose, &pol);
    rv = brski_anchor_policy_from_config(cfg, section, &pol, errmsg, errcap);
    if (rv != BRSKI_OK) {
        goto out;
    }
    rv = brski_config_path(cfg, file, path, sizeof(path));
    if (rv != BRSKI_OK) {
        snprintf(errmsg, errcap, "[%s] file path too long", section);
        goto out;
    }
    rv = brski_file_read(path, &b);
    if (rv != BRSKI_OK) {
        snprintf(errmsg, errcap, "[%s] cannot read %s", section, path);
        goto out;
    }
    rv = brski_certs_load(brski_buf_slice(&b), ANCHOR_FILE_MAX, &certs, &n);
    if (rv != BRSKI_OK || n == 0) {
        snprintf(errmsg, errcap, "[%s] %s holds no readable certificate", section, path);
        rv = rv != BRSKI_OK ? rv : BRSKI_ERR_MALFORMED;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        char label[80];
        if (n == 1) {
            snprintf(label, sizeof(label), "%s", name);
        } else {
            snprintf(label, sizeof(label), "%.50s#%zu", name, i + 1);
        }
        rv = brski_anchor_store_add(s, purpose, label, brski_cert_der(&certs[i]), &pol);
        if (rv != BRSKI_OK) {
            snprintf(errmsg, errcap, "[%s] cannot add anchor %zu: %s", section, i + 1,
                     brski_err_str(rv));
            goto out;
        }
    }
    rv = BRSKI_OK;
out:
    brski_certs_free(certs, n);
    brski_buf_clear(&b);
    return rv;
}

brski_err brski_anchor_store_load_config(brski_anchor_store *s, brski_config *cfg, char *errmsg,
                                         size_t errcap)
{
    char scratch[8];
    if (errmsg == NULL || errcap == 0) {
        errmsg = scratch;
        errcap = sizeof(scratch);
    }
    errmsg[0] = '\0';
    if (s == NULL || cfg == NULL) {
        return BRSKI_ERR_ARG;
    }
    for (size_t i = 0;; i++) {
        const char *sec = brski_config_section_at(cfg, i);
        if (sec == NULL) {
            break;
        }
        if (strncmp(sec, ANCHOR_PREFIX, strlen(ANCHOR_PREFIX)) != 0 ||
            sec[strlen(ANCHOR_PREFIX)] == '\0') {
            continue;
        }
        brski_err rv = load_section(s, cfg, sec, errmsg, errcap);
        if (rv != BRSKI_OK) {
            return rv;
        }
    }
    return BRSKI_OK;
}
