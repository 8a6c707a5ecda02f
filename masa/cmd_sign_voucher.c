/*
 * brski-masa sign-voucher: makes an offline voucher (RFC 8366, RFC 8995
 * 5.6) signed as CMS with eContentType id-ct-animaJSONVoucher, or with
 * --format cose as a CBOR voucher in COSE_Sign1 (cBRSKI 9.2.3).
 */
#include <stdio.h>
#include <string.h>

#include "brski/cms.h"
#include "brski/codec.h"
#include "brski/env.h"
#include "brski/file.h"
#include "brski/log.h"
#include "brski/signer.h"
#include "brski/voucher.h"
#include "brski/voucher_cli.h"
#include "brski/voucher_cose.h"
#include "cmds.h"

static const char usage_text[] =
    "usage: brski-masa sign-voucher --key K --cert C --serial S --pinned-domain-cert P\n"
    "         [--nonce N] [--assertion verified|logged|proximity|agent-proximity]\n"
    "         [--expires TIME] [--chain F] [--format cms|cose] --out F\n"
    "Signs a voucher with the MASA key K (certificate C, optional chain F).\n"
    "cose: CBOR voucher in COSE_Sign1, C and F in the unprotected x5bag.\n"
    "N is the nonce as the JSON shows it (base64); TIME is RFC 3339.\n";

int masa_cmd_sign_voucher(int argc, char **argv)
{
    brski_cli_opt o[] = {
        {"key", true, NULL},       {"cert", true, NULL},   {"serial", true, NULL},
        {"pinned-domain-cert", true, NULL}, {"nonce", true, NULL}, {"assertion", true, NULL},
        {"expires", true, NULL},   {"chain", true, NULL},  {"format", true, NULL},
        {"out", true, NULL},
    };
    size_t n = sizeof(o) / sizeof(o[0]);
    brski_voucher v;
    brski_signer *key = NULL;
    brski_buf cert, pinned, chainfile, out, chain_der[BRSKI_CMS_MAX_CERTS];
    brski_slice chain[BRSKI_CMS_MAX_CERTS];
    size_t chain_count = 0;
    brski_err rv;
    int ret = 1;

    int p = brski_cli_parse_usage("sign-voucher", argc, argv, o, n, usage_text);
    if (p >= 0) {
        return p;
    }
    const char *key_path = brski_cli_get(o, n, "key"), *cert_path = brski_cli_get(o, n, "cert");
    const char *serial = brski_cli_get(o, n, "serial"), *out_path = brski_cli_get(o, n, "out");
    const char *pinned_path = brski_cli_get(o, n, "pinned-domain-cert");
    if (key_path == NULL || cert_path == NULL || serial == NULL || out_path == NULL ||
        pinned_path == NULL) {
        fputs(usage_text, stderr);
        return 2;
    }
    const char *format = brski_cli_get(o, n, "format");
    bool cose = format != NULL && strcmp(format, "cose") == 0;
    if (!cose && brski_cli_check_format(format) != BRSKI_OK) {
        fprintf(stderr, "sign-voucher: --format must be cms or cose\n");
        return 2;
    }
    brski_voucher_init(&v, BRSKI_KIND_VOUCHER);
    brski_buf_init(&cert, 0);
    brski_buf_init(&pinned, 0);
    brski_buf_init(&chainfile, 0);
    brski_buf_init(&out, BRSKI_MAX_BODY);
    for (size_t i = 0; i < BRSKI_CMS_MAX_CERTS; i++) {
        brski_buf_init(&chain_der[i], BRSKI_MAX_CERT);
    }

    rv = brski_signer_load_file(key_path, &key);
    if (rv != BRSKI_OK) {
        fprintf(stderr, "sign-voucher: cannot load key %s: %s\n", key_path, brski_err_str(rv));
        ret = 2;
        goto done;
    }
    if (brski_cli_read_cert_der(cert_path, &cert) != BRSKI_OK ||
        brski_cli_read_cert_der(pinned_path, &pinned) != BRSKI_OK) {
        fprintf(stderr, "sign-voucher: cannot read certificate %s or %s\n", cert_path,
                pinned_path);
        ret = 2;
        goto done;
    }
    if (brski_cli_get(o, n, "chain") != NULL) {
        brski_buf_clear(&chainfile);
        if (brski_cli_read(brski_cli_get(o, n, "chain"), BRSKI_MAX_FILE, &chainfile) != BRSKI_OK) {
            fprintf(stderr, "sign-voucher: cannot read --chain file\n");
            ret = 2;
            goto done;
        }
        while (chain_count < BRSKI_CMS_MAX_CERTS - 1 &&
               brski_pem_decode(brski_buf_slice(&chainfile), "CERTIFICATE", chain_count,
                                &chain_der[chain_count], NULL, 0) == BRSKI_OK) {
            chain[chain_count] = brski_buf_slice(&chain_der[chain_count]);
            chain_count++;
        }
    }

    /* RFC 8366 5.3 / RFC 8995 5.6: created-on, assertion, serial-number, pinned-domain-cert. */
    v.assertion = BRSKI_ASSERTION_LOGGED;
    if (brski_cli_get(o, n, "assertion") != NULL &&
        brski_assertion_parse(brski_cli_get(o, n, "assertion"), &v.assertion) != BRSKI_OK) {
        fprintf(stderr, "sign-voucher: unknown --assertion\n");
        ret = 2;
        goto done;
    }
    brski_voucher_mark(&v, BRSKI_LEAF_ASSERTION);
    rv = brski_voucher_set_time(&v, BRSKI_LEAF_CREATED_ON, brski_env_now(NULL));
    if (rv == BRSKI_OK) {
        rv = brski_voucher_set_str(&v, BRSKI_LEAF_SERIAL_NUMBER, serial);
    }
    if (rv == BRSKI_OK) {
        rv = brski_voucher_set_bytes(&v, BRSKI_LEAF_PINNED_DOMAIN_CERT, brski_buf_slice(&pinned));
    }
    if (rv == BRSKI_OK && brski_cli_get(o, n, "nonce") != NULL) {
        rv = brski_voucher_set_str(&v, BRSKI_LEAF_NONCE, brski_cli_get(o, n, "nonce"));
    }
    if (rv == BRSKI_OK && brski_cli_get(o, n, "expires") != NULL) {
        int64_t t;
        rv = brski_time_parse(brski_cli_get(o, n, "expires"), &t);
        if (rv == BRSKI_OK) {
            rv = brski_voucher_set_time(&v, BRSKI_LEAF_EXPIRES_ON, t);
        }
    }
    if (rv == BRSKI_OK) {
        rv = brski_voucher_validate(&v);
    }
    if (rv != BRSKI_OK) {
        fprintf(stderr, "sign-voucher: invalid voucher field: %s\n", brski_err_str(rv));
        ret = 2;
        goto done;
    }
    if (cose) {
        /* cBRSKI 9.2.3: the complete signing chain in an unprotected x5bag. */
        brski_slice x5[BRSKI_CMS_MAX_CERTS];
        x5[0] = brski_buf_slice(&cert);
        for (size_t i = 0; i < chain_count && i + 1 < BRSKI_COSE_MAX_CERTS; i++) {
            x5[i + 1] = chain[i];
        }
        size_t x5_count = chain_count + 1 < BRSKI_COSE_MAX_CERTS ? chain_count + 1
                                                                  : BRSKI_COSE_MAX_CERTS;
        rv = brski_voucher_sign(&v, true, key, brski_buf_slice(&cert), x5, x5_count, NULL, &out);
    } else {
        rv = brski_voucher_sign(&v, false, key, brski_buf_slice(&cert), chain, chain_count, NULL,
                                &out);
    }
    if (rv == BRSKI_OK) {
        rv = brski_file_write(out_path, brski_buf_slice(&out), 0644);
    }
    if (rv != BRSKI_OK) {
        fprintf(stderr, "sign-voucher: signing failed: %s\n", brski_err_str(rv));
        goto done;
    }
    ret = 0;
done:
    brski_signer_free(key);
    brski_voucher_clear(&v);
    brski_buf_clear(&cert);
    brski_buf_clear(&pinned);
    brski_buf_clear(&chainfile);
    brski_buf_clear(&out);
    for (size_t i = 0; i < BRSKI_CMS_MAX_CERTS; i++) {
        brski_buf_clear(&chain_der[i]);
    }
    return ret;
}
