/*
 * enroll.h - the pledge's BRSKI onboarding over HTTPS (RFC 8995 5.1-5.9), or
 * cBRSKI over CoAPS (transport = coap):
 * provisional TLS, voucher-request, voucher acceptance and pinning,
 * retroactive registrar check, voucher status, EST enrollment.
 */
#ifndef PLEDGE_ENROLL_H
#define PLEDGE_ENROLL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "brski/err.h"
#include "brski/policy.h"

typedef struct pledge_enroll_cfg {
    char serial[128];          /* expected serial (checked against the IDevID); may be "" */
    char idevid_cert[512];     /* PEM: leaf first, then the chain */
    char idevid_key[512];
    bool coap;                 /* transport = coap: cBRSKI over DTLS, registrar_coaps */
    char host[256];            /* registrar host */
    uint16_t port;
    char out_dir[512];         /* where ldevid.crt, ldevid.key, domain-ca.crt go */
    unsigned timeout_ms;
    bool ldevid_reconnect;     /* RFC 8995 5.9.4 SHOULD: enroll status over a new LDevID session */
    brski_anchor_store anchors; /* [anchor *] sections: at least one purpose masa */
} pledge_enroll_cfg;

/*
 * Loads the [pledge] section and anchors of |path|. Returns 0, or 2 with a
 * one-line reason in |why| (usage/config error).
 */
int pledge_enroll_load(const char *path, pledge_enroll_cfg *cfg, char *why, size_t why_cap);
void pledge_enroll_cfg_clear(pledge_enroll_cfg *cfg);

/*
 * Runs the onboarding. One line per step goes to |out|. Returns BRSKI_OK, or
 * an error with "STEP: reason" in |why|.
 */
BRSKI_MUST_USE brski_err pledge_enroll_run(pledge_enroll_cfg *cfg, FILE *out, char *why,
                                           size_t why_cap);

#endif
