/*
 * brski-pledge make-pvr: an offline pledge voucher-request (RFC 8995 5.2),
 * signed as CMS with the IDevID key. Prints the nonce it used.
 */
#include <stdio.h>
#include <string.h>

#include "brski/cms.h"
#include "brski/codec.h"
#include "brski/env.h"
#include "brski/file.h"
#include "brski/signer.h"
#include "brski/voucher.h"
#include "brski/voucher_cli.h"
#include "brski/voucher_cose.h"
#include "brski/voucher_json.h"
#include "brski/x509.h"
#include "cmds.h"
#include "pvr.h"

static const char usage_text[] =
    "usage: brski-pledge make-pvr --cert C --key K --registrar-cert R [--nonce N]\n"
    "         [--format cms|cose] --out F\n"
    "Builds a voucher-request (assertion proximity, proximity-registrar-cert R, serial\n"
    "from the IDevID C) signed with K. Without --nonce a fresh 16-byte nonce is used;\n"
    "the nonce is printed as 'nonce: N'.\n";

int pledge_cmd_make_pvr(int argc, char **argv)
{
    brski_cli_opt o[] = {
        {"cert", true, NULL},  {"key", true, NULL},    {"registrar-cert", true, NULL},
        {"nonce", true, NULL}, {"format", true, NULL}, {"out", true, NULL},
    };
    size_t n = sizeof(o) / sizeof(o[0]);
    brski_voucher v;
    brski_signer *key = NULL;
    brski_cert idevid;
    brski_buf cert, reg, json, out, nonce_text;
    char serial[BRSKI_VOUCHER_MAX_SERIAL + 1];
    brski_err rv;
    int ret = 1;

    int p = brski_cli_parse_usage("make-pvr", argc, argv, o, n, usage_text);
    if (p >= 0) {
        return p;
    }
    const char *cert_path = brski_cli_get(o, n, "cert"), *key_path = brski_cli_get(o, n, "key");
    const char *reg_path = brski_cli_get(o, n, "registrar-cert");
    const char *out_path = brski_cli_get(o, n, "out");
    if (cert_path == NULL || key_path == NULL || reg_path == NULL || out_path == NULL) {
        fputs(usage_text, stderr);
        return 2;
    }
    const char *format = brski_cli_get(o, n, "format");
    bool cose = format != NULL && strcmp(format, "cose") == 0;
    if (!cose && brski_cli_check_format(format) != BRSKI_OK) {
        fprintf(stderr, "make-pvr: --format must be cms or cose\n");
        return 2;
    }
    memset(&idevid, 0, sizeof(idevid));
    brski_voucher_init(&v, BRSKI_KIND_VOUCHER_REQUEST);
    brski_buf_init(&cert, 0);
    brski_buf_init(&reg, 0);
    brski_buf_init(&json, BRSKI_VOUCHER_JSON_MAX);
    brski_buf_init(&out, BRSKI_MAX_BODY);
    brski_buf_init(&nonce_text, 128);

    rv = brski_signer_load_file(key_path, &key);
    if (rv != BRSKI_OK) {
        fprintf(stderr, "make-pvr: cannot load key %s: %s\n", key_path, brski_err_str(rv));
        ret = 2;
        goto done;
    }
    if (brski_cli_read_cert_der(cert_path, &cert) != BRSKI_OK ||
        brski_cli_read_cert_der(reg_path, &reg) != BRSKI_OK ||
        brski_cert_parse(brski_buf_slice(&cert), &idevid) != BRSKI_OK) {
        fprintf(stderr, "make-pvr: cannot read certificate %s or %s\n", cert_path, reg_path);
        ret = 2;
        goto done;
    }
    /* RFC 8995 2.3.1: the serial-number comes from the IDevID subject serialNumber. */
    if (brski_name_get(idevid.subject, BRSKI_OID_AT_SERIAL_NUMBER, serial, sizeof(serial), NULL) !=
        BRSKI_OK) {
        fprintf(stderr, "make-pvr: RFC 8995 2.3.1: IDevID subject has no serialNumber\n");
        goto done;
    }
    if (brski_cli_get(o, n, "nonce") != NULL) {
        rv = brski_buf_append_str(&nonce_text, brski_cli_get(o, n, "nonce"));
        if (rv == BRSKI_OK) {
            rv = brski_buf_cstr(&nonce_text);
        }
    } else {
        rv = pledge_pvr_nonce(&nonce_text);
    }
    if (rv == BRSKI_OK) {
        rv = pledge_pvr_model(serial, (const char *)nonce_text.p, brski_buf_slice(&reg), &v);
    }
    if (rv != BRSKI_OK) {
        fprintf(stderr, "make-pvr: invalid voucher-request field: %s\n", brski_err_str(rv));
        ret = 2;
        goto done;
    }
    if (cose) {
        /* cBRSKI 9.2.2: COSE_Sign1 with the IDevID key; x5bag/x5chain SHOULD NOT be sent. */
        rv = brski_voucher_cose_sign(&v, key, NULL, 0, NULL, &out);
    } else {
        rv = brski_voucher_json_encode(&v, &json);
    }
    if (rv == BRSKI_OK && !cose) {
        rv = brski_cms_sign_with(brski_buf_slice(&json), true, key, brski_buf_slice(&cert), NULL,
                                 0, NULL, &out);
    }
    if (rv == BRSKI_OK) {
        rv = brski_file_write(out_path, brski_buf_slice(&out), 0644);
    }
    if (rv != BRSKI_OK) {
        fprintf(stderr, "make-pvr: signing failed: %s\n", brski_err_str(rv));
        goto done;
    }
    printf("nonce: %s\n", (const char *)nonce_text.p);
    ret = 0;
done:
    brski_signer_free(key);
    brski_cert_clear(&idevid);
    brski_voucher_clear(&v);
    brski_buf_clear(&cert);
    brski_buf_clear(&reg);
    brski_buf_clear(&json);
    brski_buf_clear(&out);
    brski_buf_clear(&nonce_text);
    return ret;
}
