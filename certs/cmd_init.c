/*
 * cmd_init.c - brski-certs init: a complete demo PKI plus configuration files
 * wired together on loopback.
 *
 *   D/manufacturer/root.crt, root.key          manufacturer root CA (self-signed)
 *   D/manufacturer/intermediate.crt, .key      only with --levels 3
 *   D/masa/signer.crt, signer.key              voucher signer, issued by the root
 *   D/masa/tls.crt, tls.key                    MASA HTTPS server, issued by the root
 *   D/domain/ca.crt, ca.key                    domain CA (self-signed)
 *   D/domain/registrar.crt, registrar.key      registrar, issued by the domain CA
 *   D/pledges/<serial>/idevid.crt, idevid.key  IDevID (leaf first, then the intermediate
 *                                              with --levels 3)
 *   D/pledges/<serial>/masa-anchor.crt         the pledge's MASA trust anchor (the root)
 *   D/pledges/<serial>/masa-signer.crt         the MASA signing certificate, for COSE
 *                                              vouchers whose x5bag the registrar stripped
 *   D/masa.ini, D/registrar.ini, D/pledge-<serial>.ini
 *
 * Pledge serial numbers: "00-D0-E5-F2-HH-LL" where HHLL is the pledge number
 * 1..N in hex (the RFC 8995 Appendix C style), so pledge 1 is
 * 00-D0-E5-F2-00-01. The IDevID carries it as subject serialNumber
 * (PrintableString, RFC 8995 2.3.1) and CN "Pledge <serial>"; its MASA URL
 * extension holds the authority "127.0.0.1:9443" (RFC 8995 2.3.2: authority
 * only, https://<authority>/.well-known/brski is implied).
 *
 * Paths inside the INI files are relative to D (configs resolve them against
 * their own directory). Keys are written 0600, everything else 0644.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brski/codec.h"
#include "brski/der.h"
#include "brski/env.h"
#include "brski/file.h"
#include "brski/log.h"
#include "brski/signer.h"
#include "brski/x509.h"
#include "cmds.h"

#define INIT_MAX_PLEDGES 1000
#define INIT_PATH_MAX 4096
#define MASA_AUTHORITY "127.0.0.1:9443"
#define REGISTRAR_HTTPS "127.0.0.1:8443"
#define REGISTRAR_COAPS "127.0.0.1:5684"
/* RFC 8995 2.3.1: IDevIDs use the GeneralizedTime 99991231235959Z ("no expiry"). */
#define NOT_AFTER_NEVER 253402300799

typedef struct init_ctx {
    const char *dir;
    brski_key_alg alg;
    int levels;
    const brski_env *env;
    int64_t now;
} init_ctx;

/* A key pair with its certificate. */
typedef struct issued {
    brski_signer *key;
    brski_buf der;
    brski_cert cert;
} issued;

static void issued_clear(issued *x)
{
    brski_signer_free(x->key);
    brski_buf_clear(&x->der);
    brski_cert_clear(&x->cert);
    memset(x, 0, sizeof(*x));
}

static void usage(FILE *f)
{
    fprintf(f, "usage: brski-certs init --dir D [--alg p256|p384|ed25519|rsa3072] "
               "[--levels 2|3] [--pledges N] [--force]\n"
               "\n"
               "Writes a demo PKI (manufacturer root [+ intermediate], MASA signer and TLS\n"
               "certificates, domain CA, registrar, one IDevID per pledge) and masa.ini,\n"
               "registrar.ini, pledge-<serial>.ini into D. Keys are written with mode 0600.\n"
               "\n"
               "  --dir D       output directory (created if missing)\n"
               "  --alg A       key algorithm for every key (default p256; also p521, rsa2048)\n"
               "  --levels L    2: root -> IDevID; 3: root -> intermediate -> IDevID (default 2)\n"
               "  --pledges N   number of pledges, 1..%d (default 1)\n"
               "  --force       overwrite an existing PKI in D\n",
               INIT_MAX_PLEDGES);
}

static brski_err join(const init_ctx *ctx, const char *rel, char *out)
{
    int n = snprintf(out, INIT_PATH_MAX, "%s/%s", ctx->dir, rel);
    return (n < 0 || n >= INIT_PATH_MAX) ? BRSKI_ERR_TOOBIG : BRSKI_OK;
}

static brski_err write_pem_certs(const init_ctx *ctx, const char *rel, const brski_slice *ders,
                                 size_t n)
{
    char path[INIT_PATH_MAX];
    brski_buf pem;
    brski_buf_init(&pem, BRSKI_MAX_FILE);
    brski_err rv = join(ctx, rel, path);
    for (size_t i = 0; rv == BRSKI_OK && i < n; i++) {
        rv = brski_pem_encode(ders[i], "CERTIFICATE", &pem);
    }
    if (rv == BRSKI_OK) {
        rv = brski_file_write(path, brski_buf_slice(&pem), 0644);
    }
    if (rv != BRSKI_OK) {
        fprintf(stderr, "brski-certs init: cannot write %s: %s\n", path, brski_err_str(rv));
    }
    brski_buf_clear(&pem);
    return rv;
}

/*
 * Generates a key (written to |key_rel|), issues its certificate from |t|
 * (subject and extensions filled in by the caller) signed by |issuer| (NULL:
 * self-signed) and writes it to |cert_rel|.
 */
static brski_err issue(const init_ctx *ctx, brski_cert_template *t, const issued *issuer,
                       const char *key_rel, const char *cert_rel, issued *out)
{
    char path[INIT_PATH_MAX];
    brski_buf spki;
    brski_buf_init(&spki, 4096);
    brski_buf_init(&out->der, BRSKI_MAX_CERT);
    brski_err rv = brski_signer_generate(ctx->alg, ctx->env, &out->key);
    if (rv != BRSKI_OK) {
        fprintf(stderr, "brski-certs init: key generation (%s) failed: %s\n",
                brski_key_alg_name(ctx->alg), brski_err_str(rv));
        goto out;
    }
    rv = join(ctx, key_rel, path);
    if (rv == BRSKI_OK) {
        rv = brski_signer_write_pem(out->key, path);
    }
    if (rv != BRSKI_OK) {
        fprintf(stderr, "brski-certs init: cannot write key %s: %s\n", path, brski_err_str(rv));
        goto out;
    }
    rv = brski_signer_spki(out->key, &spki);
    if (rv != BRSKI_OK) {
        goto out;
    }
    t->spki = brski_buf_slice(&spki);
    if (issuer != NULL) {
        t->issuer = issuer->cert.subject;
        t->issuer_ski = issuer->cert.ski;
    }
    rv = brski_cert_build(t, issuer != NULL ? issuer->key : out->key, ctx->env, &out->der);
    if (rv == BRSKI_OK) {
        rv = brski_cert_parse(brski_buf_slice(&out->der), &out->cert);
    }
    if (rv != BRSKI_OK) {
        fprintf(stderr, "brski-certs init: building %s failed: %s\n", cert_rel,
                brski_err_str(rv));
        goto out;
    }
    brski_slice der = brski_buf_slice(&out->der);
    rv = write_pem_certs(ctx, cert_rel, &der, 1);
out:
    t->spki = brski_slice_make(NULL, 0);
    brski_buf_clear(&spki);
    return rv;
}

/* Template with a fresh name; |name| must stay alive while |t| is used. */
static brski_err template_init(const init_ctx *ctx, brski_cert_template *t, brski_buf *name,
                               const brski_name_attr *attrs, size_t n)
{
    memset(t, 0, sizeof(*t));
    brski_buf_init(name, 1024);
    brski_err rv = brski_name_build(attrs, n, name);
    t->subject = brski_buf_slice(name);
    t->not_before = ctx->now - 3600; /* tolerate small clock skew between processes */
    t->not_after = ctx->now + 10 * 365 * 86400;
    t->path_len = -1;
    return rv;
}

static uint16_t tls_key_usage(const init_ctx *ctx)
{
    bool rsa = ctx->alg == BRSKI_ALG_RSA2048 || ctx->alg == BRSKI_ALG_RSA3072;
    return (uint16_t)(BRSKI_KU_DIGITAL_SIGNATURE | (rsa ? BRSKI_KU_KEY_ENCIPHERMENT : 0));
}

static brski_err make_ca(const init_ctx *ctx, const char *cn, const char *org, int path_len,
                         const issued *issuer, const char *key_rel, const char *cert_rel,
                         bool never_expires, issued *out)
{
    brski_cert_template t;
    brski_buf name;
    const brski_name_attr attrs[] = {{BRSKI_OID_AT_CN, BRSKI_DER_UTF8_STRING, cn},
                                     {BRSKI_OID_AT_O, BRSKI_DER_UTF8_STRING, org}};
    brski_err rv = template_init(ctx, &t, &name, attrs, 2);
    if (rv == BRSKI_OK) {
        t.ca = true;
        t.path_len = path_len;
        t.key_usage = BRSKI_KU_KEY_CERT_SIGN | BRSKI_KU_CRL_SIGN;
        if (never_expires) {
            t.not_after = NOT_AFTER_NEVER;
        }
        rv = issue(ctx, &t, issuer, key_rel, cert_rel, out);
    }
    brski_buf_clear(&name);
    return rv;
}

static brski_err make_ee(const init_ctx *ctx, const char *cn, const char *const *eku,
                         const char *const *san_dns, const char *const *san_ip, uint16_t ku,
                         const issued *issuer, const char *key_rel, const char *cert_rel,
                         issued *out)
{
    brski_cert_template t;
    brski_buf name;
    const brski_name_attr attrs[] = {{BRSKI_OID_AT_CN, BRSKI_DER_UTF8_STRING, cn}};
    brski_err rv = template_init(ctx, &t, &name, attrs, 1);
    if (rv == BRSKI_OK) {
        t.key_usage = ku;
        t.eku = eku;
        t.san_dns = san_dns;
        t.san_ip = san_ip;
        rv = issue(ctx, &t, issuer, key_rel, cert_rel, out);
    }
    brski_buf_clear(&name);
    return rv;
}

static brski_err write_text(const init_ctx *ctx, const char *rel, const brski_buf *b)
{
    char path[INIT_PATH_MAX];
    brski_err rv = join(ctx, rel, path);
    if (rv == BRSKI_OK) {
        rv = brski_file_write(path, brski_buf_slice(b), 0644);
    }
    if (rv != BRSKI_OK) {
        fprintf(stderr, "brski-certs init: cannot write %s: %s\n", path, brski_err_str(rv));
    }
    return rv;
}

static brski_err write_masa_ini(const init_ctx *ctx)
{
    brski_buf b;
    brski_buf_init(&b, 8192);
    brski_err rv = brski_buf_printf(
        &b,
        "# brski-masa configuration (written by brski-certs init; paths relative to this file)\n"
        "[masa]\n"
        "listen = %s\n"
        "tls_cert = masa/tls.crt\n"
        "tls_key = masa/tls.key\n"
        "signer_cert = masa/signer.crt\n"
        "signer_key = masa/signer.key\n"
        "signer_chain = manufacturer/root.crt\n"
        "%s"
        "db = masa.db\n"
        "\n"
        "# Pledges whose IDevID chains to this anchor are ours.\n"
        "[anchor manufacturer]\n"
        "purpose = idevid\n"
        "file = manufacturer/root.crt\n"
        "max_depth = %d\n"
        "\n"
        "# Registrars are accepted when their certificate chains to this domain CA.\n"
        "[anchor domain]\n"
        "purpose = domain\n"
        "file = domain/ca.crt\n",
        MASA_AUTHORITY,
        /* The PVR carries only the IDevID; the MASA knows its own intermediates. */
        ctx->levels == 3 ? "idevid_intermediates = manufacturer/intermediate.crt\n" : "",
        ctx->levels);
    if (rv == BRSKI_OK) {
        rv = write_text(ctx, "masa.ini", &b);
    }
    brski_buf_clear(&b);
    return rv;
}

static brski_err write_registrar_ini(const init_ctx *ctx)
{
    brski_buf b;
    brski_buf_init(&b, 8192);
    brski_err rv = brski_buf_printf(
        &b,
        "# brski-registrar configuration (written by brski-certs init; paths relative to this "
        "file)\n"
        "[registrar]\n"
        "listen_https = %s\n"
        "listen_coaps = %s\n"
        "tls_cert = domain/registrar.crt\n"
        "tls_key = domain/registrar.key\n"
        "ca_cert = domain/ca.crt\n"
        "ca_key = domain/ca.key\n"
        "db = registrar.db\n"
        "enroll_policy = accept-all\n"
        "\n"
        "# IDevIDs from this manufacturer are recognised.\n"
        "[anchor manufacturer]\n"
        "purpose = idevid\n"
        "file = manufacturer/root.crt\n"
        "max_depth = %d\n"
        "\n"
        "# Vouchers must be signed by a MASA certificate under this anchor.\n"
        "[anchor masa]\n"
        "purpose = masa\n"
        "file = manufacturer/root.crt\n"
        "\n"
        "# The MASA's HTTPS server certificate.\n"
        "[anchor masa-tls]\n"
        "purpose = tls\n"
        "file = manufacturer/root.crt\n",
        REGISTRAR_HTTPS, REGISTRAR_COAPS, ctx->levels);
    if (rv == BRSKI_OK) {
        rv = write_text(ctx, "registrar.ini", &b);
    }
    brski_buf_clear(&b);
    return rv;
}

static brski_err write_pledge_ini(const init_ctx *ctx, const char *serial)
{
    char rel[256];
    brski_buf b;
    brski_buf_init(&b, 8192);
    brski_err rv = brski_buf_printf(
        &b,
        "# brski-pledge configuration (written by brski-certs init; paths relative to this "
        "file)\n"
        "[pledge]\n"
        "serial = %s\n"
        "idevid_cert = pledges/%s/idevid.crt\n"
        "idevid_key = pledges/%s/idevid.key\n"
        "registrar_https = %s\n"
        "registrar_coaps = %s\n"
        "\n"
        "# The voucher signer must chain to this anchor (RFC 8995 7.2).\n"
        "[anchor masa]\n"
        "purpose = masa\n"
        "file = pledges/%s/masa-anchor.crt\n"
        "\n"
        "# Over CoAPS the registrar strips the voucher's x5bag (cBRSKI 6.8), so the\n"
        "# pledge checks the COSE signature with the MASA signing certificate it holds.\n"
        "[anchor masa-signer]\n"
        "purpose = masa\n"
        "file = pledges/%s/masa-signer.crt\n",
        serial, serial, serial, REGISTRAR_HTTPS, REGISTRAR_COAPS, serial, serial);
    int n = snprintf(rel, sizeof(rel), "pledge-%s.ini", serial);
    if (rv == BRSKI_OK && (n < 0 || (size_t)n >= sizeof(rel))) {
        rv = BRSKI_ERR_TOOBIG;
    }
    if (rv == BRSKI_OK) {
        rv = write_text(ctx, rel, &b);
    }
    brski_buf_clear(&b);
    return rv;
}

static brski_err make_pledge(const init_ctx *ctx, unsigned idx, const issued *root,
                             const issued *inter, const issued *masa_signer)
{
    char serial[32];
    char cn[64];
    char rel_dir[128];
    char key_rel[192];
    char crt_rel[192];
    char anchor_rel[192];
    char signer_rel[192];
    char path[INIT_PATH_MAX];
    snprintf(serial, sizeof(serial), "00-D0-E5-F2-%02X-%02X", (idx >> 8) & 0xffu, idx & 0xffu);
    snprintf(cn, sizeof(cn), "Pledge %s", serial);
    snprintf(rel_dir, sizeof(rel_dir), "pledges/%s", serial);
    snprintf(key_rel, sizeof(key_rel), "%s/idevid.key", rel_dir);
    snprintf(crt_rel, sizeof(crt_rel), "%s/idevid.crt", rel_dir);
    snprintf(anchor_rel, sizeof(anchor_rel), "%s/masa-anchor.crt", rel_dir);
    snprintf(signer_rel, sizeof(signer_rel), "%s/masa-signer.crt", rel_dir);
    brski_err rv = join(ctx, rel_dir, path);
    if (rv == BRSKI_OK) {
        rv = brski_mkdirs(path, 0700);
    }
    if (rv != BRSKI_OK) {
        fprintf(stderr, "brski-certs init: cannot create %s: %s\n", path, brski_err_str(rv));
        return rv;
    }
    /* RFC 8995 2.3.1: serialNumber as PrintableString; CN also PrintableString. */
    const brski_name_attr attrs[] = {
        {BRSKI_OID_AT_CN, BRSKI_DER_PRINTABLE_STRING, cn},
        {BRSKI_OID_AT_SERIAL_NUMBER, BRSKI_DER_PRINTABLE_STRING, serial}};
    brski_cert_template t;
    brski_buf name;
    issued idev;
    memset(&idev, 0, sizeof(idev));
    rv = template_init(ctx, &t, &name, attrs, 2);
    if (rv == BRSKI_OK) {
        t.key_usage = BRSKI_KU_DIGITAL_SIGNATURE;
        t.not_after = NOT_AFTER_NEVER;
        t.masa_url = MASA_AUTHORITY;
        rv = issue(ctx, &t, inter != NULL ? inter : root, key_rel, crt_rel, &idev);
    }
    if (rv == BRSKI_OK && inter != NULL) {
        /* The pledge presents its chain in TLS: leaf first, then the intermediate. */
        const brski_slice chain[2] = {brski_buf_slice(&idev.der), brski_buf_slice(&inter->der)};
        rv = write_pem_certs(ctx, crt_rel, chain, 2);
    }
    if (rv == BRSKI_OK) {
        brski_slice anchor = brski_buf_slice(&root->der);
        rv = write_pem_certs(ctx, anchor_rel, &anchor, 1);
    }
    if (rv == BRSKI_OK) {
        brski_slice signer = brski_buf_slice(&masa_signer->der);
        rv = write_pem_certs(ctx, signer_rel, &signer, 1);
    }
    if (rv == BRSKI_OK) {
        rv = write_pledge_ini(ctx, serial);
    }
    if (rv == BRSKI_OK) {
        printf("pledge %s: %s\n", serial, crt_rel);
    }
    issued_clear(&idev);
    brski_buf_clear(&name);
    return rv;
}

static int run(const init_ctx *ctx, unsigned pledges)
{
    static const char *const registrar_eku[] = {BRSKI_OID_KP_SERVER_AUTH,
                                                BRSKI_OID_KP_CLIENT_AUTH, BRSKI_OID_KP_CMC_RA,
                                                NULL};
    static const char *const server_eku[] = {BRSKI_OID_KP_SERVER_AUTH, NULL};
    static const char *const localhost[] = {"localhost", NULL};
    static const char *const loopback[] = {"127.0.0.1", NULL};
    const char *const subdirs[] = {"manufacturer", "masa", "domain", "pledges"};
    char path[INIT_PATH_MAX];
    issued root;
    issued inter;
    issued masa_signer;
    issued masa_tls;
    issued dca;
    issued reg;
    memset(&root, 0, sizeof(root));
    memset(&inter, 0, sizeof(inter));
    memset(&masa_signer, 0, sizeof(masa_signer));
    memset(&masa_tls, 0, sizeof(masa_tls));
    memset(&dca, 0, sizeof(dca));
    memset(&reg, 0, sizeof(reg));
    int code = 1;
    brski_err rv = BRSKI_OK;
    for (size_t i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
        rv = join(ctx, subdirs[i], path);
        if (rv == BRSKI_OK) {
            rv = brski_mkdirs(path, 0700);
        }
        if (rv != BRSKI_OK) {
            fprintf(stderr, "brski-certs init: cannot create directory %s: %s\n", path,
                    brski_err_str(rv));
            goto out;
        }
    }
    rv = make_ca(ctx, "BRSKI Demo Manufacturer Root CA", "BRSKI Demo Manufacturer",
                 ctx->levels == 3 ? 1 : 0, NULL, "manufacturer/root.key",
                 "manufacturer/root.crt", true, &root);
    if (rv == BRSKI_OK && ctx->levels == 3) {
        rv = make_ca(ctx, "BRSKI Demo Manufacturer Intermediate CA", "BRSKI Demo Manufacturer",
                     0, &root, "manufacturer/intermediate.key", "manufacturer/intermediate.crt",
                     true, &inter);
    }
    if (rv == BRSKI_OK) {
        rv = make_ee(ctx, "BRSKI Demo MASA Voucher Signer", NULL, NULL, NULL,
                     BRSKI_KU_DIGITAL_SIGNATURE, &root, "masa/signer.key", "masa/signer.crt",
                     &masa_signer);
    }
    if (rv == BRSKI_OK) {
        rv = make_ee(ctx, "localhost", server_eku, localhost, loopback, tls_key_usage(ctx), &root,
                     "masa/tls.key", "masa/tls.crt", &masa_tls);
    }
    if (rv == BRSKI_OK) {
        rv = make_ca(ctx, "BRSKI Demo Domain CA", "BRSKI Demo Domain", 0, NULL, "domain/ca.key",
                     "domain/ca.crt", false, &dca);
    }
    if (rv == BRSKI_OK) {
        rv = make_ee(ctx, "BRSKI Demo Registrar", registrar_eku, localhost, loopback,
                     tls_key_usage(ctx), &dca, "domain/registrar.key", "domain/registrar.crt",
                     &reg);
    }
    for (unsigned i = 1; rv == BRSKI_OK && i <= pledges; i++) {
        rv = make_pledge(ctx, i, &root, ctx->levels == 3 ? &inter : NULL, &masa_signer);
    }
    if (rv == BRSKI_OK) {
        rv = write_masa_ini(ctx);
    }
    if (rv == BRSKI_OK) {
        rv = write_registrar_ini(ctx);
    }
    if (rv == BRSKI_OK) {
        printf("wrote PKI to %s (alg %s, %d levels, %u pledge%s)\n", ctx->dir,
               brski_key_alg_name(ctx->alg), ctx->levels, pledges, pledges == 1 ? "" : "s");
        code = 0;
    }
out:
    issued_clear(&reg);
    issued_clear(&dca);
    issued_clear(&masa_tls);
    issued_clear(&masa_signer);
    issued_clear(&inter);
    issued_clear(&root);
    return code;
}

/* Value of "--opt V" or "--opt=V" at argv[*i]; NULL when |opt| does not match. */
static const char *opt_value(int argc, char **argv, int *i, const char *opt, bool *missing)
{
    size_t n = strlen(opt);
    const char *a = argv[*i];
    if (strncmp(a, opt, n) != 0) {
        return NULL;
    }
    if (a[n] == '=') {
        return a + n + 1;
    }
    if (a[n] != '\0') {
        return NULL;
    }
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    (*i)++;
    return argv[*i];
}

int cmd_init(int argc, char **argv)
{
    init_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.alg = BRSKI_ALG_P256;
    ctx.levels = 2;
    ctx.env = brski_env_default();
    ctx.now = brski_env_now(ctx.env);
    unsigned long pledges = 1;
    bool force = false;
    for (int i = 1; i < argc; i++) {
        bool missing = false;
        const char *v = NULL;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--force") == 0) {
            force = true;
        } else if ((v = opt_value(argc, argv, &i, "--dir", &missing)) != NULL) {
            ctx.dir = v;
        } else if ((v = opt_value(argc, argv, &i, "--alg", &missing)) != NULL) {
            if (brski_key_alg_parse(v, &ctx.alg) != BRSKI_OK) {
                fprintf(stderr, "brski-certs init: unknown --alg '%s' (p256, p384, p521, "
                                "ed25519, rsa2048, rsa3072)\n",
                        v);
                return 2;
            }
        } else if ((v = opt_value(argc, argv, &i, "--levels", &missing)) != NULL) {
            if (strcmp(v, "2") != 0 && strcmp(v, "3") != 0) {
                fprintf(stderr, "brski-certs init: --levels must be 2 or 3, not '%s'\n", v);
                return 2;
            }
            ctx.levels = v[0] - '0';
        } else if ((v = opt_value(argc, argv, &i, "--pledges", &missing)) != NULL) {
            char *end = NULL;
            pledges = strtoul(v, &end, 10);
            if (v[0] < '0' || v[0] > '9' || end == NULL || *end != '\0' || pledges < 1 ||
                pledges > INIT_MAX_PLEDGES) {
                fprintf(stderr, "brski-certs init: --pledges must be 1..%d, not '%s'\n",
                        INIT_MAX_PLEDGES, v);
                return 2;
            }
        } else if (missing) {
            fprintf(stderr, "brski-certs init: %s needs a value\n", argv[i]);
            return 2;
        } else {
            fprintf(stderr, "brski-certs init: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (ctx.dir == NULL || ctx.dir[0] == '\0') {
        fprintf(stderr, "brski-certs init: --dir is required\n");
        usage(stderr);
        return 2;
    }
    char path[INIT_PATH_MAX];
    if (join(&ctx, "manufacturer/root.key", path) != BRSKI_OK) {
        fprintf(stderr, "brski-certs init: --dir path too long\n");
        return 2;
    }
    if (!force && brski_file_exists(path)) {
        fprintf(stderr, "brski-certs init: %s already holds a PKI (use --force to replace it)\n",
                ctx.dir);
        return 1;
    }
    brski_err rv = brski_mkdirs(ctx.dir, 0700);
    if (rv != BRSKI_OK) {
        fprintf(stderr, "brski-certs init: cannot create directory %s: %s\n", ctx.dir,
                brski_err_str(rv));
        return 1;
    }
    return run(&ctx, (unsigned)pledges);
}
