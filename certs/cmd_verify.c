/*
 * brski-certs verify: validate a certificate (chain) under an anchor policy,
 * print the chosen path and the decision. Exit 0 accepted, 1 rejected,
 * 2 usage or configuration error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brski/config.h"
#include "brski/env.h"
#include "brski/file.h"
#include "brski/log.h"
#include "brski/policy.h"
#include "brski/x509.h"
#include "cmds.h"

#define VERIFY_MAX_EKU BRSKI_POLICY_MAX_OIDS
#define VERIFY_MAX_CRL 8

static void verify_usage(FILE *f)
{
    fprintf(f,
            "usage: brski-certs verify --purpose P --anchor A.pem [--untrusted C.pem]\n"
            "         [--policy F] [--at TIME] [--max-depth N] [--locked-depth N]\n"
            "         [--eku NAME|OID]... [--peer-name DNS] [--crl F]... CERT.pem\n"
            "\n"
            "Validates CERT.pem (the end entity first; further certificates in the file\n"
            "are the presented chain) with our own path validation under the policy of\n"
            "the anchor(s) in A.pem, loaded for purpose P only.\n"
            "\n"
            "  --purpose P        idevid, masa, domain, tls, software-update, attestation\n"
            "  --anchor A.pem     trust anchor certificate(s) (PEM or DER)\n"
            "  --untrusted C.pem  extra candidate intermediates\n"
            "  --policy F         INI file; keys of its [policy] section (docs/policy.md)\n"
            "  --at TIME          validation time, RFC 3339 (default: now)\n"
            "  --max-depth N      maximum levels, the anchor counting as level 1\n"
            "  --locked-depth N   exact number of levels required\n"
            "  --eku NAME|OID     EKU the end entity must carry (repeatable; replaces the\n"
            "                     purpose default)\n"
            "  --peer-name DNS    DNS name the end entity's subjectAltName must match\n"
            "  --crl F            DER or PEM CRL (repeatable; used with revocation = crl)\n"
            "\n"
            "Prints the path (subjects, end entity first) and the decision.\n"
            "Exit: 0 accepted, 1 rejected, 2 usage or configuration error.\n");
}

static int load_file_certs(const char *path, brski_cert **out, size_t *n)
{
    brski_buf b;
    brski_buf_init(&b, BRSKI_MAX_FILE);
    brski_err rv = brski_file_read(path, &b);
    if (rv == BRSKI_OK) {
        rv = brski_certs_load(brski_buf_slice(&b), BRSKI_POLICY_MAX_PRESENTED, out, n);
    }
    brski_buf_clear(&b);
    if (rv != BRSKI_OK) {
        fprintf(stderr, "brski-certs verify: %s: %s\n", path, brski_err_str(rv));
        return -1;
    }
    return 0;
}

static int parse_uint(const char *s, unsigned max, unsigned *out)
{
    char *end = NULL;
    unsigned long v = strtoul(s, &end, 10);
    if (s[0] < '0' || s[0] > '9' || end == NULL || *end != '\0' || v > max) {
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

/* Reads the [policy] section of |path| over |pol|; unknown keys are errors. */
static int load_policy(const char *path, brski_anchor_policy *pol)
{
    brski_config cfg;
    char err[512];
    if (brski_config_load(path, &cfg, err, sizeof(err)) != BRSKI_OK) {
        fprintf(stderr, "brski-certs verify: %s\n", err);
        return -1;
    }
    int ret = 0;
    if (brski_anchor_policy_from_config(&cfg, "policy", pol, err, sizeof(err)) != BRSKI_OK) {
        fprintf(stderr, "brski-certs verify: %s: %s\n", path, err);
        ret = -1;
    } else {
        const brski_config_entry *u = brski_config_first_unused(&cfg);
        if (u != NULL) {
            fprintf(stderr, "brski-certs verify: %s:%u: unknown key '%s' in [%s]\n", path,
                    u->line, u->key, u->section);
            ret = -1;
        }
    }
    brski_config_clear(&cfg);
    return ret;
}

static void print_path(const brski_policy_decision *d)
{
    char subj[512];
    printf("path:\n");
    for (size_t i = 0; i < d->path_len; i++) {
        if (brski_name_to_str(d->path[i]->subject, subj, sizeof(subj)) != BRSKI_OK) {
            snprintf(subj, sizeof(subj), "(unprintable subject)");
        }
        const char *role = i == 0 ? "end entity" : "intermediate";
        if (d->anchor != NULL && d->path[i] == &d->anchor->cert) {
            role = "anchor";
        }
        printf("  [%zu] %s (%s)\n", i, subj, role);
    }
}

int cmd_verify(int argc, char **argv)
{
    static const struct option opts[] = {
        {"purpose", required_argument, NULL, 'p'},
        {"anchor", required_argument, NULL, 'a'},
        {"untrusted", required_argument, NULL, 'u'},
        {"policy", required_argument, NULL, 'f'},
        {"at", required_argument, NULL, 't'},
        {"max-depth", required_argument, NULL, 'm'},
        {"locked-depth", required_argument, NULL, 'l'},
        {"eku", required_argument, NULL, 'e'},
        {"peer-name", required_argument, NULL, 'n'},
        {"crl", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *purpose_s = NULL, *anchor = NULL, *untrusted_path = NULL, *policy_path = NULL;
    const char *at = NULL, *peer = NULL;
    const char *crl_paths[VERIFY_MAX_CRL];
    size_t ncrl_paths = 0;
    char ekus[VERIFY_MAX_EKU][48];
    size_t neku = 0;
    unsigned max_depth = 0, locked_depth = 0;
    bool have_max = false, have_locked = false;
    int c;

    brski_log_set_sink(brski_log_stderr_sink, NULL, BRSKI_LOG_ERROR);
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            purpose_s = optarg;
            break;
        case 'a':
            anchor = optarg;
            break;
        case 'u':
            untrusted_path = optarg;
            break;
        case 'f':
            policy_path = optarg;
            break;
        case 't':
            at = optarg;
            break;
        case 'm':
            if (parse_uint(optarg, BRSKI_POLICY_MAX_CHAIN, &max_depth) != 0) {
                fprintf(stderr, "brski-certs verify: --max-depth takes 0..%u\n",
                        BRSKI_POLICY_MAX_CHAIN);
                return 2;
            }
            have_max = true;
            break;
        case 'l':
            if (parse_uint(optarg, BRSKI_POLICY_MAX_CHAIN, &locked_depth) != 0) {
                fprintf(stderr, "brski-certs verify: --locked-depth takes 0..%u\n",
                        BRSKI_POLICY_MAX_CHAIN);
                return 2;
            }
            have_locked = true;
            break;
        case 'e':
            if (neku >= VERIFY_MAX_EKU ||
                brski_eku_parse(optarg, ekus[neku], sizeof(ekus[neku])) != BRSKI_OK) {
                fprintf(stderr, "brski-certs verify: bad or too many --eku '%s'\n", optarg);
                return 2;
            }
            neku++;
            break;
        case 'n':
            peer = optarg;
            break;
        case 'c':
            if (ncrl_paths >= VERIFY_MAX_CRL) {
                fprintf(stderr, "brski-certs verify: at most %d --crl\n", VERIFY_MAX_CRL);
                return 2;
            }
            crl_paths[ncrl_paths++] = optarg;
            break;
        case 'h':
            verify_usage(stdout);
            return 0;
        default:
            verify_usage(stderr);
            return 2;
        }
    }
    if (purpose_s == NULL || anchor == NULL || optind != argc - 1) {
        verify_usage(stderr);
        return 2;
    }
    const char *cert_path = argv[optind];
    brski_purpose purpose;
    if (brski_purpose_parse(purpose_s, &purpose) != BRSKI_OK) {
        fprintf(stderr, "brski-certs verify: unknown purpose '%s'\n", purpose_s);
        return 2;
    }
    int64_t now = brski_env_now(NULL);
    if (at != NULL && brski_time_parse(at, &now) != BRSKI_OK) {
        fprintf(stderr, "brski-certs verify: --at '%s' is not RFC 3339\n", at);
        return 2;
    }

    brski_anchor_policy pol;
    brski_anchor_policy_default(purpose, &pol);
    if (policy_path != NULL && load_policy(policy_path, &pol) != 0) {
        return 2;
    }
    if (have_max) {
        pol.max_depth = max_depth;
    }
    if (have_locked) {
        pol.locked_depth = locked_depth;
    }
    if (neku > 0) {
        memcpy(pol.ee_eku, ekus, sizeof(ekus));
        pol.ee_eku_count = neku;
        pol.ee_eku_absent_ok = false;
    }

    int ret = 2;
    brski_anchor_store store;
    brski_cert *anchors = NULL, *chain = NULL, *untrusted = NULL;
    size_t nanchors = 0, nchain = 0, nuntrusted = 0;
    brski_buf crl_bufs[VERIFY_MAX_CRL];
    brski_slice crls[VERIFY_MAX_CRL];
    size_t ncrl = 0;
    brski_anchor_store_init(&store);

    if (load_file_certs(anchor, &anchors, &nanchors) != 0 ||
        load_file_certs(cert_path, &chain, &nchain) != 0 ||
        (untrusted_path != NULL &&
         load_file_certs(untrusted_path, &untrusted, &nuntrusted) != 0)) {
        goto out;
    }
    for (size_t i = 0; i < nanchors; i++) {
        brski_err rv = brski_anchor_store_add(&store, purpose, anchor,
                                              brski_cert_der(&anchors[i]), &pol);
        if (rv != BRSKI_OK) {
            fprintf(stderr, "brski-certs verify: %s: %s\n", anchor, brski_err_str(rv));
            goto out;
        }
    }
    for (size_t i = 0; i < ncrl_paths; i++) {
        brski_buf_init(&crl_bufs[ncrl], BRSKI_MAX_FILE);
        brski_err rv = brski_file_read(crl_paths[i], &crl_bufs[ncrl]);
        ncrl++;
        if (rv != BRSKI_OK) {
            fprintf(stderr, "brski-certs verify: %s: %s\n", crl_paths[i], brski_err_str(rv));
            goto out;
        }
        crls[ncrl - 1] = brski_buf_slice(&crl_bufs[ncrl - 1]);
    }

    brski_policy_input in = {
        .purpose = purpose,
        .chain = chain,
        .chain_count = nchain,
        .untrusted = untrusted,
        .untrusted_count = nuntrusted,
        .peer_name = peer,
        .now = now,
        .crls = ncrl > 0 ? crls : NULL,
        .crl_count = ncrl,
    };
    brski_policy_decision d;
    brski_err rv = brski_policy_validate(&store, &in, &d);
    print_path(&d);
    if (rv == BRSKI_OK) {
        printf("decision: accepted (purpose %s, depth %zu, %zu candidates tried)\n",
               brski_purpose_name(purpose), d.path_len, d.candidates_tried);
        ret = 0;
    } else {
        printf("decision: rejected (%s)\n", brski_reason_name(d.reason));
        fprintf(stderr, "brski-certs verify: rejected: %s\n", d.detail);
        ret = 1;
    }
out:
    for (size_t i = 0; i < ncrl; i++) {
        brski_buf_clear(&crl_bufs[i]);
    }
    brski_anchor_store_clear(&store);
    brski_certs_free(anchors, nanchors);
    brski_certs_free(chain, nchain);
    brski_certs_free(untrusted, nuntrusted);
    return ret;
}
