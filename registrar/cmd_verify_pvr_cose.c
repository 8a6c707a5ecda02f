/*
 * brski-registrar verify-pvr, COSE path (cBRSKI 9.2.2): a CBOR
 * voucher-request in COSE_Sign1 signed with the IDevID key. The PVR carries
 * no certificates (a registrar "MUST ignore" x5bag/x5chain in it); the
 * IDevID is the one the pledge presented in DTLS, given here as a file.
 */
#include <stdio.h>
#include <string.h>

#include "brski/cose.h"
#include "brski/log.h"
#include "brski/policy.h"
#include "brski/voucher.h"
#include "brski/voucher_cbor.h"
#include "brski/voucher_cli.h"
#include "brski/voucher_json.h"
#include "brski/x509.h"
#include "cmds.h"

static int cose_reject(const char *why)
{
    if (brski_cli_last_log()[0] != '\0') {
        fprintf(stderr, "verify-pvr: rejected: %s: %s\n", why, brski_cli_last_log());
    } else {
        fprintf(stderr, "verify-pvr: rejected: %s\n", why);
    }
    return 1;
}

int registrar_verify_pvr_cose(brski_slice pvr, const brski_anchor_store *store,
                              brski_slice idevid_der, brski_slice registrar_der, int64_t now)
{
    brski_cose_sign1 m;
    brski_cert idevid, reg;
    brski_voucher v;
    brski_policy_input in;
    brski_policy_decision dec;
    char serial[BRSKI_VOUCHER_MAX_SERIAL + 1];
    int ret = 1;

    memset(&idevid, 0, sizeof(idevid));
    memset(&reg, 0, sizeof(reg));
    brski_voucher_init(&v, BRSKI_KIND_VOUCHER_REQUEST);
    if (brski_cert_parse(idevid_der, &idevid) != BRSKI_OK ||
        (registrar_der.len > 0 && brski_cert_parse(registrar_der, &reg) != BRSKI_OK)) {
        fprintf(stderr, "verify-pvr: cannot parse --idevid or --registrar-cert\n");
        ret = 2;
        goto done;
    }
    brski_cli_capture_log();
    if (brski_cose_sign1_parse(pvr, &m) != BRSKI_OK) {
        ret = cose_reject("RFC 9052 4.2: not a COSE_Sign1");
        goto done;
    }
    /* cBRSKI 9.2.2 / RFC 8995 5.2: signed with the IDevID key. */
    if (brski_cose_sign1_verify(&m, idevid.spki) != BRSKI_OK) {
        ret = cose_reject("cBRSKI 9.2.2: signature does not verify with the IDevID");
        goto done;
    }
    /* RFC 8995 5.3: the IDevID must chain to a manufacturer anchor. */
    memset(&in, 0, sizeof(in));
    in.purpose = BRSKI_PURPOSE_IDEVID;
    in.chain = &idevid;
    in.chain_count = 1;
    in.now = now;
    if (brski_policy_validate(store, &in, &dec) != BRSKI_OK) {
        fprintf(stderr, "verify-pvr: rejected: RFC 8995 5.3: IDevID not accepted: %s: %s\n",
                brski_reason_name(dec.reason), dec.detail);
        goto done;
    }
    if (brski_voucher_cbor_parse(m.payload, 0, &v) != BRSKI_OK ||
        v.kind != BRSKI_KIND_VOUCHER_REQUEST || v.serial_number == NULL) {
        ret = cose_reject("rfc8366bis 9.3: not a valid ietf-voucher-request:voucher");
        goto done;
    }
    /* RFC 8995 5.5: the serial-number must equal the IDevID's. */
    if (brski_name_get(idevid.subject, BRSKI_OID_AT_SERIAL_NUMBER, serial, sizeof(serial), NULL) !=
            BRSKI_OK ||
        strcmp(serial, v.serial_number) != 0) {
        ret = cose_reject("RFC 8995 5.5: serial-number differs from the IDevID serialNumber");
        goto done;
    }
    if (!brski_voucher_has(&v, BRSKI_LEAF_ASSERTION) ||
        v.assertion != BRSKI_ASSERTION_PROXIMITY) {
        ret = cose_reject("RFC 8995 5.2: assertion is not proximity");
        goto done;
    }
    /* cBRSKI 8.1 / rfc8366bis 9: proximity-registrar-cert, -pubk or -pubk-sha256. */
    bool has_cert = brski_voucher_has(&v, BRSKI_LEAF_PROXIMITY_REGISTRAR_CERT);
    bool has_pubk = brski_voucher_has(&v, BRSKI_LEAF_PROXIMITY_REGISTRAR_PUBK);
    bool has_hash = brski_voucher_has(&v, BRSKI_LEAF_PROXIMITY_REGISTRAR_PUBK_SHA256);
    if (!has_cert && !has_pubk && !has_hash) {
        ret = cose_reject("rfc8366bis 9: no proximity-registrar-cert/-pubk/-pubk-sha256");
        goto done;
    }
    if (registrar_der.len > 0) {
        bool match = false;
        uint8_t h[32];
        /* rfc8366bis 9: consider them in the order sha256, pubk, cert. */
        if (has_hash) {
            match = brski_sha256(reg.spki, h) == BRSKI_OK &&
                    v.proximity_registrar_pubk_sha256.len == 32 &&
                    memcmp(h, v.proximity_registrar_pubk_sha256.p, 32) == 0;
        } else if (has_pubk) {
            match = brski_slice_eq(reg.spki, brski_slice_make(v.proximity_registrar_pubk.p,
                                                              v.proximity_registrar_pubk.len));
        } else {
            match = brski_slice_eq(registrar_der, brski_slice_make(v.proximity_registrar_cert.p,
                                                                   v.proximity_registrar_cert.len));
        }
        if (!match) {
            ret = cose_reject("RFC 8995 5.3: proximity registrar is not this registrar");
            goto done;
        }
    }
    brski_buf json;
    brski_buf_init(&json, BRSKI_VOUCHER_JSON_MAX);
    if (brski_voucher_json_encode(&v, &json) == BRSKI_OK) {
        fwrite(json.p, 1, json.len, stdout);
        fputc('\n', stdout);
        ret = 0;
    }
    brski_buf_clear(&json);
done:
    brski_cert_clear(&idevid);
    brski_cert_clear(&reg);
    brski_voucher_clear(&v);
    return ret;
}
