/*
 * brski-pledge enroll: onboard this pledge through a registrar over HTTPS
 * (RFC 8995 5) or CoAPS (cBRSKI): voucher, pinning, EST enrollment. Writes
 * the LDevID.
 */
#include <stdio.h>
#include <string.h>

#include "brski/voucher_cli.h"
#include "cmds.h"
#include "enroll.h"

static const char usage_text[] =
    "usage: brski-pledge enroll --config F\n"
    "Onboards the pledge described by F ([pledge] serial, idevid_cert, idevid_key,\n"
    "transport = https (default, registrar_https = HOST:PORT) or coap (registrar_coaps =\n"
    "HOST:PORT, cBRSKI over DTLS), optional out_dir, timeout_ms and ldevid_reconnect\n"
    "(default true: enroll status over a new session with the LDevID); [anchor NAME] with\n"
    "purpose = masa). Writes ldevid.crt, ldevid.key (0600), domain-ca.crt and voucher.p7\n"
    "(voucher.cose over CoAPS) into out_dir (default: the IDevID's directory).\n"
    "Exit 0 enrolled, 1 failed, 2 usage.\n";

int pledge_cmd_enroll(int argc, char **argv)
{
    brski_cli_opt o[] = {{"config", true, NULL}};
    size_t n = sizeof(o) / sizeof(o[0]);
    pledge_enroll_cfg cfg;
    char why[700] = "";
    int p = brski_cli_parse_usage("enroll", argc, argv, o, n, usage_text);
    if (p >= 0) {
        return p;
    }
    const char *path = brski_cli_get(o, n, "config");
    if (path == NULL) {
        fputs(usage_text, stderr);
        return 2;
    }
    if (pledge_enroll_load(path, &cfg, why, sizeof(why)) != 0) {
        fprintf(stderr, "enroll: %s\n", why);
        return 2;
    }
    brski_err rv = pledge_enroll_run(&cfg, stdout, why, sizeof(why));
    pledge_enroll_cfg_clear(&cfg);
    if (rv != BRSKI_OK) {
        fprintf(stderr, "enroll: %s\n", why);
        return 1;
    }
    return 0;
}
