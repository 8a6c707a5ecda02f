/*
 * brski-registrar verify-pvr: checks a pledge voucher-request as the
 * registrar does (RFC 8995 5.2, 5.3, 5.5) and prints its JSON.
 */
#include <stdio.h>
#include <string.h>

#include "brski/cms.h"
#include "brski/cose.h"
#include "brski/env.h"
#include "brski/log.h"
#include "brski/voucher.h"
#include "brski/voucher_accept.h"
#include "brski/voucher_cli.h"
#include "brski/voucher_json.h"
#include "brski/x509.h"
#include "cmds.h"

static const char usage_text[] =
    "usage: brski-registrar verify-pvr --pvr F --idevid-anchor A [--at TIME]\n"
    "         [--registrar-cert R] [--idevid I]\n"
    "Checks the CMS signature of the voucher-request F with the embedded IDevID, the\n"
    "IDevID chain to the manufacturer anchor(s) A, the serial-number against the IDevID,\n"
    "assertion proximity and proximity-registrar-cert (equal to R when given).\n"
    "A COSE_Sign1 PVR (cBRSKI) is detected from the bytes; it carries no certificate,\n"
    "so the IDevID I (the pledge's DTLS client certificate) is required for it.\n";

static int reject(const char *why)
{
    if (brski_cli_last_log()[0] != '\0') {
        fprintf(stderr, "verify-pvr: rejected: %s: %s\n", why, brski_cli_last_log());
    } else {
        fprintf(stderr, "verify-pvr: rejected: %s\n", why);
    }
    return 1;
}

int registrar_cmd_verify_pvr(int argc, char **argv)
{
    brski_cli_opt o[] = {
        {"pvr", true, NULL},
        {"idevid-anchor", true, NULL},
        {"at", true, NULL},
        {"registrar-cert", true, NULL},
        {"idevid", true, NULL},
    };
    size_t n = sizeof(o) / sizeof(o[0]);
    brski_anchor_store store;
    brski_buf in, reg;
    brski_voucher v;
    brski_cms_signed sd;
    int64_t now = brski_env_now(NULL);
    char serial[BRSKI_VOUCHER_MAX_SERIAL + 1];
    brski_err rv;
    int ret = 1;

    int p = brski_cli_parse_usage("verify-pvr", argc, argv, o, n, usage_text);
    if (p >= 0) {
        return p;
    }
    const char *path = brski_cli_get(o, n, "pvr");
    const char *anchor = brski_cli_get(o, n, "idevid-anchor");
    if (path == NULL || anchor == NULL) {
        fputs(usage_text, stderr);
        return 2;
    }
    if (brski_cli_get(o, n, "at") != NULL &&
        brski_time_parse(brski_cli_get(o, n, "at"), &now) != BRSKI_OK) {
        fprintf(stderr, "verify-pvr: --at must be RFC 3339 (2021-05-01T00:00:00Z)\n");
        return 2;
    }
    memset(&sd, 0, sizeof(sd));
    brski_voucher_init(&v, BRSKI_KIND_VOUCHER_REQUEST);
    brski_buf_init(&in, 0);
    brski_buf_init(&reg, 0);
    if (brski_cli_load_anchors(anchor, BRSKI_PURPOSE_IDEVID, &store) != BRSKI_OK) {
        fprintf(stderr, "verify-pvr: cannot load IDevID anchor(s) from %s\n", anchor);
        ret = 2;
        goto done;
    }
    if (brski_cli_get(o, n, "registrar-cert") != NULL &&
        brski_cli_read_cert_der(brski_cli_get(o, n, "registrar-cert"), &reg) != BRSKI_OK) {
        fprintf(stderr, "verify-pvr: cannot read --registrar-cert\n");
        ret = 2;
        goto done;
    }
    ret = brski_cli_read_input("verify-pvr", path, &in);
    if (ret != 0) {
        goto done;
    }
    ret = 1;
    if (brski_cose_looks_like(brski_buf_slice(&in))) {
        brski_buf idevid;
        brski_buf_init(&idevid, 0);
        if (brski_cli_get(o, n, "idevid") == NULL ||
            brski_cli_read_cert_der(brski_cli_get(o, n, "idevid"), &idevid) != BRSKI_OK) {
            fprintf(stderr, "verify-pvr: a COSE PVR needs --idevid (readable certificate)\n");
            brski_buf_clear(&idevid);
            ret = 2;
            goto done;
        }
        ret = registrar_verify_pvr_cose(brski_buf_slice(&in), &store, brski_buf_slice(&idevid),
                                        brski_buf_slice(&reg), now);
        brski_buf_clear(&idevid);
        goto done;
    }
    brski_cli_capture_log();
    /* RFC 8995 5.2: the PVR is signed by the IDevID key. */
    rv = brski_cms_verify(brski_buf_slice(&in), &sd);
    if (rv != BRSKI_OK) {
        ret = reject("RFC 8995 5.2: CMS SignedData");
        goto done;
    }
    /* RFC 8995 5.3: the IDevID must chain to a manufacturer anchor. */
    char why[300];
    rv = brski_cms_signer_check(&store, BRSKI_PURPOSE_IDEVID, &sd, true, now, why, sizeof(why));
    if (rv != BRSKI_OK) {
        fprintf(stderr, "verify-pvr: rejected: RFC 8995 5.3: IDevID not accepted: %s\n", why);
        ret = 1;
        goto done;
    }
    rv = brski_voucher_json_parse(brski_slice_make(sd.content, sd.content_len), 0, &v);
    if (rv != BRSKI_OK || v.kind != BRSKI_KIND_VOUCHER_REQUEST) {
        ret = reject("RFC 8995 5.2: not a valid ietf-voucher-request:voucher");
        goto done;
    }
    /* RFC 8995 5.5: the serial-number must equal the IDevID's. */
    if (brski_name_get(brski_cms_signer(&sd)->subject, BRSKI_OID_AT_SERIAL_NUMBER, serial,
                       sizeof(serial), NULL) != BRSKI_OK ||
        strcmp(serial, v.serial_number) != 0) {
        ret = reject("RFC 8995 5.5: serial-number differs from the IDevID serialNumber");
        goto done;
    }
    /* RFC 8995 5.2/5.3: proximity assertion with the registrar's certificate. */
    if (!brski_voucher_has(&v, BRSKI_LEAF_ASSERTION) ||
        v.assertion != BRSKI_ASSERTION_PROXIMITY) {
        ret = reject("RFC 8995 5.2: assertion is not proximity");
        goto done;
    }
    if (!brski_voucher_has(&v, BRSKI_LEAF_PROXIMITY_REGISTRAR_CERT)) {
        ret = reject("RFC 8995 5.2: proximity-registrar-cert missing");
        goto done;
    }
    if (reg.len > 0 && (reg.len != v.proximity_registrar_cert.len ||
                        memcmp(reg.p, v.proximity_registrar_cert.p, reg.len) != 0)) {
        ret = reject("RFC 8995 5.3: proximity-registrar-cert is not this registrar");
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
    brski_buf_clear(&reg);
    return ret;
}
