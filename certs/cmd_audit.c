/*
 * brski-certs audit: answers the evaluation questions for a manufacturer PKI
 * kept on disk (ARCHITECTURE "Seed-driven features"): EE depth and whether it
 * is locked, algorithms and key sizes per level, how many EE certificates
 * each anchor vouches for, policy OIDs and subject restrictions, validity
 * spans, and which keys are in files (with their permissions) or tokens.
 * Text by default, --json for machines. Exit 0 done, 1 nothing found or
 * unreadable, 2 usage.
 */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "brski/env.h"
#include "brski/file.h"
#include "brski/log.h"
#include "brski/policy.h"
#include "brski/signer.h"
#include "brski/x509.h"
#include "cmds.h"

#define AUDIT_MAX_FILES 2048u
#define AUDIT_MAX_CERTS 1024u
#define AUDIT_MAX_KEYS 512u
#define AUDIT_MAX_DIR_DEPTH 8
#define AUDIT_PATH_MAX 1024

typedef struct audit_cert {
    brski_cert cert;
    char path[AUDIT_PATH_MAX]; /* first file holding it */
    unsigned copies;
    int issuer;                /* index of the issuer found on disk, -1 none */
    bool self_signed;
    unsigned depth;            /* levels to a self-signed root, anchor = 1; 0 unknown */
    int root;                  /* index of that root, -1 none */
} audit_cert;

typedef struct audit_key {
    char path[AUDIT_PATH_MAX];
    unsigned mode;
    int cert;                  /* certificate whose public key this is, -1 none */
    bool readable;             /* parsed as a private key */
    char type[16];
    unsigned bits;
} audit_key;

typedef struct audit_ctx {
    audit_cert *certs;
    size_t ncerts;
    audit_key *keys;
    size_t nkeys;
    size_t nfiles;
    size_t token_refs;         /* "pkcs11:" key references in config files */
    char token_example[AUDIT_PATH_MAX];
} audit_ctx;

static void audit_usage(FILE *f)
{
    fprintf(f, "usage: brski-certs audit --dir D [--json]\n"
               "\n"
               "Reads every certificate (*.crt, *.pem, *.cer, *.der) and private key\n"
               "(*.key) under D and reports per anchor: EE depth and whether it is locked,\n"
               "algorithms and key sizes per level, EE count, policy OIDs, subject\n"
               "restrictions and validity spans; and for keys: file or token, mode.\n");
}

static bool has_suffix(const char *name, const char *suf)
{
    size_t n = strlen(name), s = strlen(suf);
    return n >= s && strcmp(name + n - s, suf) == 0;
}

static void add_certs(audit_ctx *ctx, const char *path, brski_slice data)
{
    brski_cert *arr = NULL;
    size_t n = 0;
    if (brski_certs_load(data, 16, &arr, &n) != BRSKI_OK) {
        brski_certs_free(arr, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        bool dup = false;
        for (size_t j = 0; j < ctx->ncerts; j++) {
            if (brski_slice_eq(brski_cert_der(&ctx->certs[j].cert), brski_cert_der(&arr[i]))) {
                ctx->certs[j].copies++;
                dup = true;
                break;
            }
        }
        if (dup || ctx->ncerts >= AUDIT_MAX_CERTS) {
            continue;
        }
        audit_cert *c = &ctx->certs[ctx->ncerts];
        memset(c, 0, sizeof(*c));
        if (brski_cert_parse(brski_cert_der(&arr[i]), &c->cert) != BRSKI_OK) {
            brski_cert_clear(&c->cert);
            continue;
        }
        snprintf(c->path, sizeof(c->path), "%s", path);
        c->copies = 1;
        c->issuer = -1;
        c->root = -1;
        ctx->ncerts++;
    }
    brski_certs_free(arr, n);
}

static void add_key(audit_ctx *ctx, const char *path, const struct stat *st, brski_slice data)
{
    if (ctx->nkeys >= AUDIT_MAX_KEYS) {
        return;
    }
    audit_key *k = &ctx->keys[ctx->nkeys++];
    memset(k, 0, sizeof(*k));
    snprintf(k->path, sizeof(k->path), "%s", path);
    k->mode = (unsigned)(st->st_mode & 07777);
    k->cert = -1;
    brski_signer *s = NULL;
    if (brski_signer_from_bytes(data, &s) == BRSKI_OK) {
        k->readable = true;
        snprintf(k->type, sizeof(k->type), "%s", brski_key_type_name(brski_signer_key_type(s)));
        k->bits = brski_signer_key_bits(s);
        brski_buf spki;
        brski_buf_init(&spki, 4096);
        if (brski_signer_spki(s, &spki) == BRSKI_OK) {
            for (size_t i = 0; i < ctx->ncerts; i++) {
                if (brski_slice_eq(ctx->certs[i].cert.spki, brski_buf_slice(&spki))) {
                    k->cert = (int)i;
                    break;
                }
            }
        }
        brski_buf_clear(&spki);
        brski_signer_free(s);
    }
}

static void scan_config(audit_ctx *ctx, const char *path, brski_slice data)
{
    const char *needle = "pkcs11:";
    for (size_t i = 0; i + 7 <= data.len; i++) {
        if (memcmp(data.p + i, needle, 7) == 0) {
            if (ctx->token_refs == 0) {
                snprintf(ctx->token_example, sizeof(ctx->token_example), "%s", path);
            }
            ctx->token_refs++;
        }
    }
}

/* Two passes: certificates first (pass 0), then keys and configs (pass 1). */
static void walk(audit_ctx *ctx, const char *dir, int depth, int pass)
{
    if (depth > AUDIT_MAX_DIR_DEPTH) {
        return;
    }
    DIR *d = opendir(dir);
    if (d == NULL) {
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || ctx->nfiles >= AUDIT_MAX_FILES) {
            continue;
        }
        char path[AUDIT_PATH_MAX];
        int n = snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (n < 0 || (size_t)n >= sizeof(path)) {
            continue;
        }
        struct stat st;
        if (lstat(path, &st) != 0) {
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            walk(ctx, path, depth + 1, pass);
            continue;
        }
        if (!S_ISREG(st.st_mode)) {
            continue;
        }
        bool is_cert = has_suffix(e->d_name, ".crt") || has_suffix(e->d_name, ".pem") ||
                       has_suffix(e->d_name, ".cer") || has_suffix(e->d_name, ".der");
        bool is_key = has_suffix(e->d_name, ".key");
        bool is_cfg = has_suffix(e->d_name, ".ini") || has_suffix(e->d_name, ".conf");
        if ((pass == 0 && !is_cert) || (pass == 1 && !is_key && !is_cfg)) {
            continue;
        }
        brski_buf b;
        brski_buf_init(&b, BRSKI_MAX_FILE);
        if (brski_file_read(path, &b) == BRSKI_OK) {
            ctx->nfiles++;
            if (is_cert) {
                add_certs(ctx, path, brski_buf_slice(&b));
            } else if (is_key) {
                add_key(ctx, path, &st, brski_buf_slice(&b));
            } else {
                scan_config(ctx, path, brski_buf_slice(&b));
            }
        }
        brski_buf_wipe(&b);
    }
    closedir(d);
}

static void link_certs(audit_ctx *ctx)
{
    for (size_t i = 0; i < ctx->ncerts; i++) {
        audit_cert *c = &ctx->certs[i];
        c->self_signed = brski_slice_eq(c->cert.issuer, c->cert.subject) &&
                         brski_cert_verify_signed_by(&c->cert, &c->cert) == BRSKI_OK;
        if (c->self_signed) {
            continue;
        }
        for (size_t j = 0; j < ctx->ncerts; j++) {
            if (j != i && brski_slice_eq(c->cert.issuer, ctx->certs[j].cert.subject) &&
                brski_cert_verify_signed_by(&c->cert, &ctx->certs[j].cert) == BRSKI_OK) {
                c->issuer = (int)j;
                break;
            }
        }
    }
    for (size_t i = 0; i < ctx->ncerts; i++) {
        int cur = (int)i;
        unsigned depth = 1;
        while (cur >= 0 && !ctx->certs[cur].self_signed && depth <= BRSKI_POLICY_MAX_CHAIN) {
            cur = ctx->certs[cur].issuer;
            depth++;
        }
        if (cur >= 0 && ctx->certs[cur].self_signed && depth <= BRSKI_POLICY_MAX_CHAIN) {
            ctx->certs[i].depth = depth;
            ctx->certs[i].root = cur;
        }
    }
}

static bool is_ee(const audit_cert *c)
{
    return !(c->cert.has_basic_constraints && c->cert.is_ca);
}

static void subject_str(const brski_cert *c, char *out, size_t cap)
{
    if (brski_name_to_str(c->subject, out, cap) != BRSKI_OK) {
        snprintf(out, cap, "(unprintable)");
    }
}

static json_t *cert_json(const audit_ctx *ctx, size_t i)
{
    const audit_cert *c = &ctx->certs[i];
    char subj[512], t1[32], t2[32];
    subject_str(&c->cert, subj, sizeof(subj));
    if (brski_time_format(c->cert.not_before, t1, sizeof(t1)) != BRSKI_OK) {
        t1[0] = '\0';
    }
    if (brski_time_format(c->cert.not_after, t2, sizeof(t2)) != BRSKI_OK) {
        t2[0] = '\0';
    }
    char sn[128];
    bool has_sn = brski_name_get(c->cert.subject, BRSKI_OID_AT_SERIAL_NUMBER, sn, sizeof(sn),
                                 NULL) == BRSKI_OK;
    json_t *pol = json_array();
    for (size_t k = 0; k < c->cert.policy_count; k++) {
        json_array_append_new(pol, json_string(c->cert.policies[k]));
    }
    json_t *eku = json_array();
    for (size_t k = 0; k < c->cert.eku_count; k++) {
        json_array_append_new(eku, json_string(c->cert.eku[k]));
    }
    return json_pack("{s:s, s:s, s:s, s:b, s:i, s:s, s:i, s:s, s:s, s:s, s:b, s:I, s:b, s:o, "
                     "s:o, s:b, s:i}",
                     "file", c->path, "subject", subj, "role",
                     c->self_signed ? "anchor" : (is_ee(c) ? "end-entity" : "intermediate"),
                     "ca", !is_ee(c), "path_len", c->cert.path_len, "key_type",
                     brski_key_type_name(c->cert.key_type), "key_bits", (int)c->cert.key_bits,
                     "signature", brski_sig_alg_name(c->cert.sig_alg), "not_before", t1,
                     "not_after", t2, "no_expiry", c->cert.not_after == BRSKI_POLICY_FOREVER,
                     "validity_days",
                     (json_int_t)((c->cert.not_after - c->cert.not_before) / 86400),
                     "subject_serial_number", has_sn, "policies", pol, "eku", eku,
                     "masa_url", c->cert.has_masa_url, "depth", (int)c->depth);
}

static json_t *anchor_json(const audit_ctx *ctx, size_t r)
{
    unsigned ee = 0, with_sn = 0, with_masa = 0, forever = 0;
    unsigned depth_min = 0, depth_max = 0;
    int64_t span_min = 0, span_max = 0;
    json_t *levels = json_object();
    json_t *pols = json_array();
    for (size_t i = 0; i < ctx->ncerts; i++) {
        const audit_cert *c = &ctx->certs[i];
        if (c->root != (int)r) {
            continue;
        }
        /* Algorithms per level: level = depth of the certificate itself. */
        char lvl[16], alg[64];
        snprintf(lvl, sizeof(lvl), "%u", c->depth);
        snprintf(alg, sizeof(alg), "%s-%u/%s", brski_key_type_name(c->cert.key_type),
                 c->cert.key_bits, brski_sig_alg_name(c->cert.sig_alg));
        json_t *arr = json_object_get(levels, lvl);
        if (arr == NULL) {
            arr = json_array();
            json_object_set_new(levels, lvl, arr);
        }
        bool seen = false;
        size_t k;
        json_t *v;
        json_array_foreach(arr, k, v)
        {
            seen = seen || strcmp(json_string_value(v), alg) == 0;
        }
        if (!seen) {
            json_array_append_new(arr, json_string(alg));
        }
        if (!is_ee(c) || c->self_signed) {
            continue;
        }
        ee++;
        char sn[128];
        with_sn += brski_name_get(c->cert.subject, BRSKI_OID_AT_SERIAL_NUMBER, sn, sizeof(sn),
                                  NULL) == BRSKI_OK
                       ? 1u
                       : 0u;
        with_masa += c->cert.has_masa_url ? 1u : 0u;
        forever += c->cert.not_after == BRSKI_POLICY_FOREVER ? 1u : 0u;
        depth_min = depth_min == 0 || c->depth < depth_min ? c->depth : depth_min;
        depth_max = c->depth > depth_max ? c->depth : depth_max;
        int64_t span = c->cert.not_after - c->cert.not_before;
        span_min = ee == 1 || span < span_min ? span : span_min;
        span_max = span > span_max ? span : span_max;
        for (size_t p = 0; p < c->cert.policy_count; p++) {
            bool dup = false;
            json_array_foreach(pols, k, v)
            {
                dup = dup || strcmp(json_string_value(v), c->cert.policies[p]) == 0;
            }
            if (!dup) {
                json_array_append_new(pols, json_string(c->cert.policies[p]));
            }
        }
    }
    char subj[512];
    subject_str(&ctx->certs[r].cert, subj, sizeof(subj));
    return json_pack("{s:s, s:s, s:i, s:i, s:i, s:b, s:o, s:o, s:i, s:i, s:i, s:I, s:I}",
                     "subject", subj, "file", ctx->certs[r].path, "ee_count", (int)ee,
                     "ee_depth_min", (int)depth_min, "ee_depth_max", (int)depth_max,
                     "depth_locked", ee > 0 && depth_min == depth_max, "algorithms_per_level",
                     levels, "ee_policy_oids", pols, "ee_with_serial_number", (int)with_sn,
                     "ee_with_masa_url", (int)with_masa, "ee_no_expiry", (int)forever,
                     "ee_validity_days_min", (json_int_t)(span_min / 86400),
                     "ee_validity_days_max", (json_int_t)(span_max / 86400));
}

static json_t *build_report(const audit_ctx *ctx, const char *dir)
{
    json_t *anchors = json_array();
    json_t *certs = json_array();
    json_t *keys = json_array();
    for (size_t i = 0; i < ctx->ncerts; i++) {
        json_array_append_new(certs, cert_json(ctx, i));
        if (ctx->certs[i].self_signed) {
            json_array_append_new(anchors, anchor_json(ctx, i));
        }
    }
    for (size_t i = 0; i < ctx->nkeys; i++) {
        const audit_key *k = &ctx->keys[i];
        char mode[8], subj[512] = "";
        snprintf(mode, sizeof(mode), "%04o", k->mode);
        if (k->cert >= 0) {
            subject_str(&ctx->certs[k->cert].cert, subj, sizeof(subj));
        }
        json_array_append_new(
            keys, json_pack("{s:s, s:s, s:s, s:b, s:s, s:i, s:s, s:b}", "file", k->path,
                            "storage", "file", "mode", mode, "mode_ok", (k->mode & 077) == 0,
                            "key_type", k->readable ? k->type : "unreadable", "key_bits",
                            (int)k->bits, "certificate", subj,
                            "ca_key", k->cert >= 0 && !is_ee(&ctx->certs[k->cert])));
    }
    return json_pack("{s:s, s:i, s:o, s:o, s:o, s:i, s:s}", "dir", dir, "files",
                     (int)ctx->nfiles, "anchors", anchors, "certificates", certs, "keys", keys,
                     "token_key_references", (int)ctx->token_refs, "root_key_backup",
                     "none found (no k-of-n split shares under the directory)");
}

static void print_text(json_t *rep)
{
    size_t i;
    json_t *a;
    printf("PKI audit of %s (%d files read)\n", json_string_value(json_object_get(rep, "dir")),
           (int)json_integer_value(json_object_get(rep, "files")));
    json_array_foreach(json_object_get(rep, "anchors"), i, a)
    {
        int dmin = (int)json_integer_value(json_object_get(a, "ee_depth_min"));
        int dmax = (int)json_integer_value(json_object_get(a, "ee_depth_max"));
        int ee = (int)json_integer_value(json_object_get(a, "ee_count"));
        printf("\nanchor: %s (%s)\n", json_string_value(json_object_get(a, "subject")),
               json_string_value(json_object_get(a, "file")));
        printf("  end entities vouched for: %d\n", ee);
        if (ee > 0) {
            printf("  EE depth (anchor = level 1): %d..%d, %s\n", dmin, dmax,
                   json_is_true(json_object_get(a, "depth_locked")) ? "locked" : "not locked");
            printf("  EE with subject serialNumber: %d of %d; with MASA URL: %d\n",
                   (int)json_integer_value(json_object_get(a, "ee_with_serial_number")), ee,
                   (int)json_integer_value(json_object_get(a, "ee_with_masa_url")));
            printf("  EE validity: %lld..%lld days; %d with notAfter 99991231235959Z\n",
                   (long long)json_integer_value(json_object_get(a, "ee_validity_days_min")),
                   (long long)json_integer_value(json_object_get(a, "ee_validity_days_max")),
                   (int)json_integer_value(json_object_get(a, "ee_no_expiry")));
        }
        json_t *pols = json_object_get(a, "ee_policy_oids");
        printf("  EE policy OIDs: %s", json_array_size(pols) == 0 ? "none" : "");
        size_t k;
        json_t *v;
        json_array_foreach(pols, k, v)
        {
            printf("%s%s", k > 0 ? ", " : "", json_string_value(v));
        }
        printf("\n  algorithms per level:\n");
        const char *lvl;
        json_object_foreach(json_object_get(a, "algorithms_per_level"), lvl, v)
        {
            printf("    level %s:", lvl);
            json_t *s;
            json_array_foreach(v, k, s)
            {
                printf(" %s", json_string_value(s));
            }
            printf("\n");
        }
    }
    printf("\nkeys:\n");
    json_array_foreach(json_object_get(rep, "keys"), i, a)
    {
        const char *cert = json_string_value(json_object_get(a, "certificate"));
        printf("  %s: file, mode %s%s, %s-%d%s%s%s\n",
               json_string_value(json_object_get(a, "file")),
               json_string_value(json_object_get(a, "mode")),
               json_is_true(json_object_get(a, "mode_ok")) ? "" : " (TOO OPEN)",
               json_string_value(json_object_get(a, "key_type")),
               (int)json_integer_value(json_object_get(a, "key_bits")),
               json_is_true(json_object_get(a, "ca_key")) ? ", CA key" : "",
               cert[0] != '\0' ? ", for " : "", cert);
    }
    printf("  keys in tokens (pkcs11: references in configs): %d\n",
           (int)json_integer_value(json_object_get(rep, "token_key_references")));
    printf("  root key backup: %s\n",
           json_string_value(json_object_get(rep, "root_key_backup")));
}

int cmd_audit(int argc, char **argv)
{
    static const struct option opts[] = {
        {"dir", required_argument, NULL, 'd'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *dir = NULL;
    bool as_json = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            dir = optarg;
            break;
        case 'j':
            as_json = true;
            break;
        case 'h':
            audit_usage(stdout);
            return 0;
        default:
            audit_usage(stderr);
            return 2;
        }
    }
    if (dir == NULL || optind != argc) {
        audit_usage(stderr);
        return 2;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "brski-certs audit: %s is not a readable directory\n", dir);
        return 2;
    }
    brski_log_set_sink(brski_log_stderr_sink, NULL, BRSKI_LOG_ERROR);
    audit_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.certs = calloc(AUDIT_MAX_CERTS, sizeof(*ctx.certs));
    ctx.keys = calloc(AUDIT_MAX_KEYS, sizeof(*ctx.keys));
    int ret = 1;
    if (ctx.certs == NULL || ctx.keys == NULL) {
        fprintf(stderr, "brski-certs audit: out of memory\n");
        goto out;
    }
    walk(&ctx, dir, 0, 0);
    link_certs(&ctx);
    walk(&ctx, dir, 0, 1);
    if (ctx.ncerts == 0) {
        fprintf(stderr, "brski-certs audit: no certificates under %s\n", dir);
        goto out;
    }
    json_t *rep = build_report(&ctx, dir);
    if (rep == NULL) {
        fprintf(stderr, "brski-certs audit: cannot build the report\n");
        goto out;
    }
    if (as_json) {
        char *s = json_dumps(rep, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (s != NULL) {
            printf("%s\n", s);
            free(s);
        }
    } else {
        print_text(rep);
    }
    json_decref(rep);
    ret = 0;
out:
    if (ctx.certs != NULL) {
        for (size_t i = 0; i < ctx.ncerts; i++) {
            brski_cert_clear(&ctx.certs[i].cert);
        }
    }
    free(ctx.certs);
    free(ctx.keys);
    return ret;
}
