/*
 * brski-pledge verify-voucher: accepts or rejects a voucher exactly as the
 * pledge does (RFC 8995 5.6.1) and prints its JSON on success.
 */
#include <stdio.h>
#include <string.h>

#include "brski/cms.h"
#include "brski/env.h"
#include "brski/log.h"
#include "brski/voucher.h"
#include "brski/voucher_accept.h"
#include "brski/voucher_cli.h"
#include "brski/voucher_cose.h"
#include "brski/voucher_json.h"
#include "cmds.h"

static const char usage_text[] =
    "usage: brski-pledge verify-voucher --voucher F --masa-anchor A --serial S [--nonce N]\n"
    "         [--at TIME] [--allow-nonceless]\n"
    "Verifies the signed voucher F against the MASA trust anchor(s) in A, the pledge's\n"
    "serial S and the nonce N it sent (as the JSON shows it). Without --nonce only a\n"
    "nonceless voucher can pass, and only with --allow-nonceless (RFC 8995 7.2).\n"
    "The format (CMS or COSE) is detected from the bytes. Prints the voucher JSON.\n";

int pledge_cmd_verify_voucher(int argc, char **argv)
{
    brski_cli_opt o[] = {
        {"voucher", true, NULL}, {"masa-anchor", true, NULL}, {"serial", true, NULL},
        {"nonce", true, NULL},   {"at", true, NULL},          {"allow-nonceless", false, NULL},
    };
    size_t n = sizeof(o) / sizeof(o[0]);
    brski_anchor_store store;
    brski_buf in;
    brski_voucher v;
    brski_cms_signed sd;
    brski_env env = *brski_env_default();
    int64_t now = 0;
    brski_err rv;
    int ret = 1;

    int p = brski_cli_parse_usage("verify-voucher", argc, argv, o, n, usage_text);
    if (p >= 0) {
        return p;
    }
    const char *path = brski_cli_get(o, n, "voucher");
    const char *anchor = brski_cli_get(o, n, "masa-anchor");
    const char *serial = brski_cli_get(o, n, "serial");
    if (path == NULL || anchor == NULL || serial == NULL) {
        fputs(usage_text, stderr);
        return 2;
    }
    if (brski_cli_get(o, n, "at") != NULL) {
        if (brski_time_parse(brski_cli_get(o, n, "at"), &now) != BRSKI_OK) {
            fprintf(stderr, "verify-voucher: --at must be RFC 3339 (2021-05-01T00:00:00Z)\n");
            return 2;
        }
        env.now = brski_clock_fixed;
        env.clock_ctx = &now;
    }
    memset(&sd, 0, sizeof(sd));
    brski_voucher_init(&v, BRSKI_KIND_VOUCHER);
    if (brski_cli_load_anchors(anchor, BRSKI_PURPOSE_MASA, &store) != BRSKI_OK) {
        fprintf(stderr, "verify-voucher: cannot load MASA anchor(s) from %s\n", anchor);
        brski_anchor_store_clear(&store);
        return 2;
    }
    ret = brski_cli_read_input("verify-voucher", path, &in);
    if (ret != 0) {
        goto done;
    }
    ret = 1;
    /* Format by the first byte: DER SEQUENCE (CMS) or CBOR tag 18 / array(4) (COSE_Sign1). */
    bool cose = brski_cose_looks_like(brski_buf_slice(&in));
    if (!cose && (in.len == 0 || in.p[0] != 0x30)) {
        fprintf(stderr, "verify-voucher: rejected: neither CMS (RFC 8366 5.4) nor COSE\n");
        goto done;
    }
    brski_accept_opts opts = {
        .serial = serial,
        .nonce = brski_cli_get(o, n, "nonce"),
        .allow_nonceless = brski_cli_get(o, n, "allow-nonceless") != NULL,
        .env = &env,
    };
    brski_cli_capture_log();
    if (cose) {
        /* cBRSKI 9.2: a CBOR voucher in COSE_Sign1, same acceptance rules. */
        rv = brski_voucher_cose_accept(brski_buf_slice(&in), &store, &opts, &v);
    } else {
        rv = brski_voucher_accept(brski_buf_slice(&in), &store, &opts, &v);
    }
    if (rv != BRSKI_OK) {
        fprintf(stderr, "verify-voucher: rejected (%s): %s\n", brski_err_str(rv),
                brski_cli_last_log());
        goto done;
    }
    if (cose) {
        /* Print the accepted CBOR voucher as its RFC 7951 JSON. */
        brski_buf json;
        brski_buf_init(&json, BRSKI_VOUCHER_JSON_MAX);
        if (brski_voucher_json_encode(&v, &json) != BRSKI_OK) {
            brski_buf_clear(&json);
            goto done;
        }
        fwrite(json.p, 1, json.len, stdout);
        fputc('\n', stdout);
        brski_buf_clear(&json);
        ret = 0;
        goto done;
    }
    /* Print the JSON exactly as signed. */
    if (brski_cms_verify(brski_buf_slice(&in), &sd) != BRSKI_OK) {
        goto done;
    }
    fwrite(sd.content, 1, sd.content_len, stdout);
    fputc('\n', stdout);
    ret = 0;
done:
    brski_cms_signed_clear(&sd);
    brski_voucher_clear(&v);
    brski_anchor_store_clear(&store);
    brski_buf_clear(&in);
    return ret;
}
