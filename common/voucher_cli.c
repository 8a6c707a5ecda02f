/*
 * voucher_cli.c - option scanning and file loading for the offline voucher
 * subcommands.
 */
#include "brski/voucher_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brski/codec.h"
#include "brski/file.h"
#include "brski/log.h"
#include "brski/x509.h"

int brski_cli_parse(const char *cmd, int argc, char **argv, brski_cli_opt *opts, size_t n)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            return 1;
        }
        if (strncmp(a, "--", 2) != 0) {
            fprintf(stderr, "%s: unexpected argument '%s'\n", cmd, a);
            return 2;
        }
        brski_cli_opt *o = NULL;
        for (size_t k = 0; k < n; k++) {
            if (strcmp(a + 2, opts[k].name) == 0) {
                o = &opts[k];
            }
        }
        if (o == NULL) {
            fprintf(stderr, "%s: unknown option '%s'\n", cmd, a);
            return 2;
        }
        if (o->value != NULL) {
            fprintf(stderr, "%s: option '%s' given twice\n", cmd, a);
            return 2;
        }
        if (!o->takes_value) {
            o->value = "";
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "%s: option '%s' needs a value\n", cmd, a);
            return 2;
        }
        o->value = argv[++i];
    }
    return 0;
}

int brski_cli_parse_usage(const char *cmd, int argc, char **argv, brski_cli_opt *opts, size_t n,
                          const char *usage)
{
    int p = brski_cli_parse(cmd, argc, argv, opts, n);
    if (p == 0) {
        return -1;
    }
    fputs(usage, p == 1 ? stdout : stderr);
    return p == 1 ? 0 : 2;
}

const char *brski_cli_get(const brski_cli_opt *opts, size_t n, const char *name)
{
    for (size_t k = 0; k < n; k++) {
        if (strcmp(opts[k].name, name) == 0) {
            return opts[k].value;
        }
    }
    return NULL;
}

brski_err brski_cli_read(const char *path, size_t max, brski_buf *out)
{
    brski_buf_init(out, max);
    return brski_file_read(path, out);
}

int brski_cli_read_input(const char *cmd, const char *path, brski_buf *out)
{
    brski_err rv = brski_cli_read(path, BRSKI_MAX_BODY, out);
    if (rv != BRSKI_OK) {
        fprintf(stderr, "%s: cannot read %s: %s\n", cmd, path, brski_err_str(rv));
        return rv == BRSKI_ERR_TOOBIG ? 1 : 2;
    }
    return 0;
}

brski_err brski_cli_read_cert_der(const char *path, brski_buf *out)
{
    brski_buf raw;
    brski_err rv = brski_cli_read(path, BRSKI_MAX_FILE, &raw);
    brski_buf_init(out, BRSKI_MAX_CERT);
    if (rv == BRSKI_OK) {
        if (brski_is_pem(brski_buf_slice(&raw))) {
            rv = brski_pem_decode(brski_buf_slice(&raw), "CERTIFICATE", 0, out, NULL, 0);
        } else {
            rv = brski_buf_append(out, raw.p, raw.len);
        }
    }
    if (rv == BRSKI_OK) {
        brski_cert c;
        rv = brski_cert_parse(brski_buf_slice(out), &c);
        brski_cert_clear(&c);
    }
    brski_buf_clear(&raw);
    return rv;
}

brski_err brski_cli_load_anchors(const char *path, brski_purpose purpose,
                                 brski_anchor_store *store)
{
    brski_buf raw;
    brski_cert *certs = NULL;
    size_t n = 0;
    brski_anchor_policy pol;
    brski_anchor_store_init(store);
    brski_err rv = brski_cli_read(path, BRSKI_MAX_FILE, &raw);
    if (rv == BRSKI_OK) {
        rv = brski_certs_load(brski_buf_slice(&raw), BRSKI_ANCHOR_STORE_MAX, &certs, &n);
    }
    brski_anchor_policy_default(purpose, &pol);
    for (size_t i = 0; rv == BRSKI_OK && i < n; i++) {
        rv = brski_anchor_store_add(store, purpose, path, brski_cert_der(&certs[i]), &pol);
    }
    if (rv == BRSKI_OK && n == 0) {
        rv = BRSKI_ERR_NOTFOUND;
    }
    if (certs != NULL) {
        brski_certs_free(certs, n);
    }
    brski_buf_clear(&raw);
    return rv;
}

brski_err brski_cli_check_format(const char *format)
{
    if (format == NULL || strcmp(format, "cms") == 0) {
        return BRSKI_OK;
    }
    return BRSKI_ERR_UNSUPPORTED;
}

static char last_line[512];

static void capture_sink(void *ctx, brski_log_level level, const char *line)
{
    (void)ctx;
    (void)level;
    size_t n = strlen(line);
    if (n >= sizeof(last_line)) {
        n = sizeof(last_line) - 1;
    }
    memcpy(last_line, line, n);
    last_line[n] = '\0';
}

void brski_cli_capture_log(void)
{
    last_line[0] = '\0';
    brski_log_set_sink(capture_sink, NULL, BRSKI_LOG_WARN);
}

const char *brski_cli_last_log(void)
{
    return last_line;
}
