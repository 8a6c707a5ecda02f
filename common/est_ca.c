/*
 * est_ca.c - the registrar's EST CA decision (RFC 8995 5.9.2, RFC 7030 4.2):
 * which CSRs get an LDevID and what goes into it.
 */
#include "brski/est.h"

#include <string.h>

#include "brski/log.h"
#include "brski/signer.h"

/* Default LDevID lifetime: one year. */
#define EST_DEFAULT_LIFETIME (365 * 24 * 3600)

void brski_est_ca_init(brski_est_ca *ca, brski_signer *key, const brski_cert *cert)
{
    memset(ca, 0, sizeof(*ca));
    ca->key = key;
    ca->cert = cert;
    ca->lifetime = EST_DEFAULT_LIFETIME;
    ca->server_auth = false;
    ca->keys.allow_ec = true;
    ca->keys.ec_min_bits = 256;
    ca->keys.allow_ed25519 = true;
    ca->keys.allow_rsa = true;
    ca->keys.rsa_min_bits = 2048;
}

/* True when |child| was issued by |ca|: signature, issuer name and, if present, AKI. */
static bool issued_by(const brski_cert *child, const brski_cert *ca)
{
    if (!brski_slice_eq(child->issuer, ca->subject)) {
        return false;
    }
    if (child->aki_key_id.len > 0 && ca->ski.len > 0 &&
        !brski_slice_eq(child->aki_key_id, ca->ski)) {
        return false;
    }
    return brski_cert_verify_signed_by(child, ca) == BRSKI_OK;
}

brski_err brski_est_enroll(const brski_est_ca *ca, const brski_csr *csr, const brski_cert *client,
                           bool reenroll, const brski_env *env, brski_buf *out)
{
    static const char *const eku_client[] = {BRSKI_OID_KP_CLIENT_AUTH, NULL};
    static const char *const eku_both[] = {BRSKI_OID_KP_CLIENT_AUTH, BRSKI_OID_KP_SERVER_AUTH,
                                           NULL};
    brski_cert_template t;
    brski_buf subject;
    char san[BRSKI_X509_MAX_SAN][BRSKI_EST_DNS_MAX + 1];
    const char *san_ptr[BRSKI_X509_MAX_SAN + 1];
    size_t nsan = 0;
    uint8_t serial[16];
    int64_t now;
    brski_err rv;

    if (ca == NULL || ca->key == NULL || ca->cert == NULL || csr == NULL || client == NULL ||
        ca->lifetime <= 0) {
        return BRSKI_ERR_ARG;
    }
    brski_buf_init(&subject, BRSKI_MAX_CERT);
    rv = brski_est_key_check(&ca->keys, csr);
    if (rv != BRSKI_OK) {
        goto out;
    }
    if (!reenroll && (brski_slice_eq(csr->spki, client->spki))) {
        /*
         * RFC 8995 5.9.2 (and 802.1AR): the LDevID is for a new key; reusing
         * the IDevID key would tie the domain identity to the manufacturer's.
         */
        brski_log(BRSKI_LOG_WARN, "est: RFC 8995 5.9.2: CSR key equals the IDevID key");
        rv = BRSKI_ERR_POLICY;
        goto out;
    }
    if (reenroll && !issued_by(client, ca->cert)) {
        brski_log(BRSKI_LOG_WARN,
                  "est: RFC 7030 4.2.2: reenroll client certificate not issued by this CA");
        rv = BRSKI_ERR_POLICY;
        goto out;
    }
    rv = brski_est_ldevid_subject(csr->subject, client->subject, &subject);
    if (rv != BRSKI_OK) {
        goto out;
    }
    /*
     * RFC 7030 4.2.2: for simplereenroll the Subject "MUST be identical to the
     * corresponding fields in the certificate being renewed"; we compare the
     * subject we would issue with the current one.
     */
    if (reenroll && !brski_slice_eq(brski_buf_slice(&subject), client->subject)) {
        brski_log(BRSKI_LOG_WARN, "est: RFC 7030 4.2.2: reenroll subject differs");
        rv = BRSKI_ERR_POLICY;
        goto out;
    }
    if (ca->copy_san_dns) {
        rv = brski_est_csr_san_dns(csr, san, BRSKI_X509_MAX_SAN, &nsan);
        if (rv != BRSKI_OK) {
            brski_log(BRSKI_LOG_WARN, "est: CSR subjectAltName not usable");
            goto out;
        }
    }
    rv = brski_env_random(env, serial, sizeof(serial));
    if (rv != BRSKI_OK) {
        goto out;
    }
    /* Positive and exactly 16 octets (RFC 5280 4.1.2.2). */
    serial[0] = (uint8_t)((serial[0] & 0x7fu) | 0x40u);
    now = brski_env_now(env);
    memset(&t, 0, sizeof(t));
    t.serial = brski_slice_make(serial, sizeof(serial));
    t.subject = brski_buf_slice(&subject);
    t.issuer = ca->cert->subject;
    t.spki = csr->spki;
    t.issuer_ski = ca->cert->ski;
    t.not_before = now;
    t.not_after = now > INT64_MAX - ca->lifetime ? INT64_MAX : now + ca->lifetime;
    if (t.not_after > ca->cert->not_after) {
        t.not_after = ca->cert->not_after;
    }
    if (t.not_after <= t.not_before) {
        brski_log(BRSKI_LOG_WARN, "est: CA certificate expires before the LDevID would start");
        rv = BRSKI_ERR_POLICY;
        goto out;
    }
    t.ca = false;
    t.path_len = -1;
    t.key_usage = BRSKI_KU_DIGITAL_SIGNATURE;
    if (csr->key_type == BRSKI_KEY_EC) {
        t.key_usage = (uint16_t)(t.key_usage | BRSKI_KU_KEY_AGREEMENT);
    }
    t.eku = ca->server_auth ? eku_both : eku_client;
    for (size_t i = 0; i < nsan; i++) {
        san_ptr[i] = san[i];
    }
    san_ptr[nsan] = NULL;
    t.san_dns = nsan > 0 ? san_ptr : NULL;
    rv = brski_cert_build(&t, ca->key, env, out);
out:
    brski_buf_clear(&subject);
    return rv;
}

brski_err brski_est_csr_from_body(brski_slice body, brski_csr *out)
{
    brski_buf der;
    brski_err rv;

    brski_buf_init(&der, BRSKI_MAX_CSR);
    rv = brski_est_body_decode(body, BRSKI_MAX_CSR, false, &der);
    if (rv == BRSKI_OK) {
        rv = brski_csr_parse(brski_buf_slice(&der), out);
    }
    if (rv == BRSKI_ERR_CRYPTO) {
        brski_log(BRSKI_LOG_WARN, "est: RFC 7030 4.2.1: CSR self-signature does not verify");
    }
    brski_buf_clear(&der);
    return rv;
}
