/*
 * brski-certs idevid: issue an IDevID by one of three creation methods
 * (docs/idevid.md):
 *   device   the device makes the key and a PKCS#10 request; the CA signs it
 *   factory  the CA side makes key and certificate and hands both over
 *   seed     a 256-bit seed expands (HKDF-SHA256) into the same key pair on
 *            the device and at the factory; the factory stores no key
 * Exit 0 issued, 1 failed, 2 usage or configuration error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "brski/codec.h"
#include "brski/der.h"
#include "brski/env.h"
#include "brski/file.h"
#include "brski/log.h"
#include "brski/policy.h"
#include "brski/seedkey.h"
#include "brski/signer.h"
#include "brski/x509.h"
#include "cmds.h"

#define IDEVID_PATH_MAX 1024

static void idevid_usage(FILE *f)
{
    fprintf(f,
            "usage: brski-certs idevid --method device|factory|seed --ca-cert C --ca-key K\n"
            "         --serial S --out-dir D [--alg ALG] [--seed-file F] [--write-key]\n"
            "         [--csr F] [--masa-url U] [--not-after TIME] [--at TIME]\n"
            "\n"
            "  --method device   make key + CSR on the device side (or sign --csr F),\n"
            "                    the CA signs the CSR\n"
            "  --method factory  the CA side makes key and certificate\n"
            "  --method seed     derive the key from --seed-file (32 bytes, or 64 hex\n"
            "                    digits; mode 0600) and the serial; the key is written only\n"
            "                    with --write-key (the device side)\n"
            "  --alg ALG         p256 (default), p384, p521, ed25519, rsa2048, rsa3072;\n"
            "                    seed: p256 or ed25519\n"
            "  --not-after TIME  RFC 3339; default 99991231235959Z (802.1AR)\n"
            "  --at TIME         notBefore (default: now)\n"
            "\n"
            "Writes D/idevid.crt, and D/idevid.key (0600) and D/idevid.csr where the\n"
            "method produces them. Prints the SHA-256 of the public key.\n");
}

typedef struct idevid_opts {
    const char *method, *ca_cert, *ca_key, *serial, *out_dir, *alg, *seed_file, *csr;
    const char *masa_url, *not_after, *at;
    bool write_key;
} idevid_opts;

static int out_path(const idevid_opts *o, const char *name, char *out)
{
    int n = snprintf(out, IDEVID_PATH_MAX, "%s/%s", o->out_dir, name);
    return (n < 0 || n >= IDEVID_PATH_MAX) ? -1 : 0;
}

static brski_err write_pem(const char *path, brski_slice der, const char *label)
{
    brski_buf pem;
    brski_buf_init(&pem, BRSKI_MAX_FILE);
    brski_err rv = brski_pem_encode(der, label, &pem);
    if (rv == BRSKI_OK) {
        rv = brski_file_write(path, brski_buf_slice(&pem), 0644);
    }
    brski_buf_clear(&pem);
    return rv;
}

/* Reads the seed: 32 raw bytes or 64 hex digits (whitespace trimmed); mode 0600. */
static int read_seed(const char *path, uint8_t seed[BRSKI_SEED_LEN])
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "brski-certs idevid: cannot read seed file %s\n", path);
        return 2;
    }
    if ((st.st_mode & 077) != 0) {
        fprintf(stderr, "brski-certs idevid: seed file %s must not be readable by group or "
                        "others (chmod 600)\n",
                path);
        return 2;
    }
    brski_buf b, raw;
    brski_buf_init(&b, 256);
    brski_buf_init(&raw, 64);
    int ret = 2;
    if (brski_file_read(path, &b) != BRSKI_OK) {
        fprintf(stderr, "brski-certs idevid: cannot read seed file %s\n", path);
        goto out;
    }
    if (b.len == BRSKI_SEED_LEN) {
        memcpy(seed, b.p, BRSKI_SEED_LEN);
        ret = 0;
        goto out;
    }
    size_t n = b.len;
    while (n > 0 && (b.p[n - 1] == '\n' || b.p[n - 1] == '\r' || b.p[n - 1] == ' ')) {
        n--;
    }
    if (n == 2 * BRSKI_SEED_LEN && brski_hex_decode(brski_slice_make(b.p, n), &raw) == BRSKI_OK &&
        raw.len == BRSKI_SEED_LEN) {
        memcpy(seed, raw.p, BRSKI_SEED_LEN);
        ret = 0;
        goto out;
    }
    fprintf(stderr, "brski-certs idevid: seed file %s must hold 32 bytes or 64 hex digits\n",
            path);
out:
    brski_buf_wipe(&b);
    brski_buf_wipe(&raw);
    return ret;
}

static int parse_args(int argc, char **argv, idevid_opts *o)
{
    static const struct option opts[] = {
        {"method", required_argument, NULL, 'm'},   {"ca-cert", required_argument, NULL, 'c'},
        {"ca-key", required_argument, NULL, 'k'},   {"serial", required_argument, NULL, 's'},
        {"out-dir", required_argument, NULL, 'o'},  {"alg", required_argument, NULL, 'a'},
        {"seed-file", required_argument, NULL, 'S'}, {"write-key", no_argument, NULL, 'w'},
        {"csr", required_argument, NULL, 'r'},      {"masa-url", required_argument, NULL, 'u'},
        {"not-after", required_argument, NULL, 'n'}, {"at", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    int c;
    memset(o, 0, sizeof(*o));
    o->alg = "p256";
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'm':
            o->method = optarg;
            break;
        case 'c':
            o->ca_cert = optarg;
            break;
        case 'k':
            o->ca_key = optarg;
            break;
        case 's':
            o->serial = optarg;
            break;
        case 'o':
            o->out_dir = optarg;
            break;
        case 'a':
            o->alg = optarg;
            break;
        case 'S':
            o->seed_file = optarg;
            break;
        case 'w':
            o->write_key = true;
            break;
        case 'r':
            o->csr = optarg;
            break;
        case 'u':
            o->masa_url = optarg;
            break;
        case 'n':
            o->not_after = optarg;
            break;
        case 't':
            o->at = optarg;
            break;
        case 'h':
            idevid_usage(stdout);
            return 0;
        default:
            idevid_usage(stderr);
            return 2;
        }
    }
    if (o->method == NULL || o->ca_cert == NULL || o->ca_key == NULL || o->serial == NULL ||
        o->out_dir == NULL || optind != argc) {
        idevid_usage(stderr);
        return 2;
    }
    bool device = strcmp(o->method, "device") == 0;
    bool factory = strcmp(o->method, "factory") == 0;
    bool seed = strcmp(o->method, "seed") == 0;
    if (!device && !factory && !seed) {
        fprintf(stderr, "brski-certs idevid: --method must be device, factory or seed\n");
        return 2;
    }
    if (seed != (o->seed_file != NULL)) {
        fprintf(stderr, "brski-certs idevid: --seed-file goes with --method seed\n");
        return 2;
    }
    if (o->csr != NULL && !device) {
        fprintf(stderr, "brski-certs idevid: --csr goes with --method device\n");
        return 2;
    }
    if (o->write_key && !seed) {
        fprintf(stderr, "brski-certs idevid: --write-key goes with --method seed\n");
        return 2;
    }
    return -1; /* continue */
}

static int print_fingerprint(brski_slice spki)
{
    uint8_t h[32];
    brski_buf hex;
    brski_buf_init(&hex, 128);
    if (brski_sha256(spki, h) != BRSKI_OK ||
        brski_hex_encode(brski_slice_make(h, sizeof(h)), &hex) != BRSKI_OK ||
        brski_buf_cstr(&hex) != BRSKI_OK) {
        brski_buf_clear(&hex);
        return -1;
    }
    printf("public key sha256: %s\n", (const char *)hex.p);
    brski_buf_clear(&hex);
    return 0;
}

int cmd_idevid(int argc, char **argv)
{
    idevid_opts o;
    int ret = parse_args(argc, argv, &o);
    if (ret >= 0) {
        return ret;
    }
    ret = 2;
    brski_log_set_sink(brski_log_stderr_sink, NULL, BRSKI_LOG_ERROR);
    const brski_env *env = brski_env_default();
    int64_t now = brski_env_now(env);
    int64_t not_after = BRSKI_POLICY_FOREVER;
    if ((o.at != NULL && brski_time_parse(o.at, &now) != BRSKI_OK) ||
        (o.not_after != NULL && brski_time_parse(o.not_after, &not_after) != BRSKI_OK)) {
        fprintf(stderr, "brski-certs idevid: --at/--not-after must be RFC 3339\n");
        return 2;
    }
    brski_key_alg alg;
    if (brski_key_alg_parse(o.alg, &alg) != BRSKI_OK) {
        fprintf(stderr, "brski-certs idevid: unknown --alg '%s'\n", o.alg);
        return 2;
    }
    bool device = strcmp(o.method, "device") == 0;
    bool seed_m = strcmp(o.method, "seed") == 0;
    if (seed_m && alg != BRSKI_ALG_P256 && alg != BRSKI_ALG_ED25519) {
        fprintf(stderr, "brski-certs idevid: --method seed supports p256 and ed25519 only\n");
        return 2;
    }

    brski_signer *ca_key = NULL, *key = NULL;
    brski_cert *ca = NULL;
    size_t nca = 0;
    brski_csr csr;
    bool have_csr = false;
    brski_buf b, name, spki, der, csr_der;
    char path[IDEVID_PATH_MAX];
    uint8_t seed[BRSKI_SEED_LEN];
    brski_buf_init(&b, BRSKI_MAX_FILE);
    brski_buf_init(&name, 1024);
    brski_buf_init(&spki, 4096);
    brski_buf_init(&der, BRSKI_MAX_CERT);
    brski_buf_init(&csr_der, BRSKI_MAX_CSR);
    memset(&csr, 0, sizeof(csr));

    brski_err rv = brski_file_read(o.ca_cert, &b);
    if (rv == BRSKI_OK) {
        rv = brski_certs_load(brski_buf_slice(&b), 1, &ca, &nca);
    }
    if (rv != BRSKI_OK || nca != 1) {
        fprintf(stderr, "brski-certs idevid: %s: not one readable certificate\n", o.ca_cert);
        goto out;
    }
    rv = brski_signer_load_file(o.ca_key, &ca_key);
    if (rv != BRSKI_OK) {
        fprintf(stderr, "brski-certs idevid: %s: %s\n", o.ca_key,
                rv == BRSKI_ERR_POLICY ? "key file must be mode 0600" : brski_err_str(rv));
        goto out;
    }
    if (brski_mkdirs(o.out_dir, 0700) != BRSKI_OK) {
        fprintf(stderr, "brski-certs idevid: cannot create %s\n", o.out_dir);
        goto out;
    }
    const brski_name_attr attrs[] = {
        {BRSKI_OID_AT_CN, BRSKI_DER_UTF8_STRING, o.serial},
        {BRSKI_OID_AT_SERIAL_NUMBER, BRSKI_DER_PRINTABLE_STRING, o.serial},
    };
    if (brski_name_build(attrs, 2, &name) != BRSKI_OK) {
        fprintf(stderr, "brski-certs idevid: serial '%s' cannot be encoded as a "
                        "PrintableString\n",
                o.serial);
        goto out;
    }
    ret = 1;

    /* The key (or CSR) by method. */
    if (seed_m) {
        int sr = read_seed(o.seed_file, seed);
        if (sr != 0) {
            ret = sr;
            goto out;
        }
        rv = brski_seedkey_derive(alg, brski_slice_make(seed, sizeof(seed)), o.serial, &key,
                                  NULL);
        brski_memwipe(seed, sizeof(seed));
        if (rv != BRSKI_OK) {
            fprintf(stderr, "brski-certs idevid: seed derivation failed: %s\n",
                    brski_err_str(rv));
            ret = rv == BRSKI_ERR_ARG ? 2 : 1;
            goto out;
        }
    } else if (device && o.csr != NULL) {
        brski_buf_reset(&b);
        rv = brski_file_read(o.csr, &b);
        if (rv == BRSKI_OK && brski_is_pem(brski_buf_slice(&b))) {
            rv = brski_pem_decode(brski_buf_slice(&b), "CERTIFICATE REQUEST", 0, &csr_der, NULL,
                                  0);
        } else if (rv == BRSKI_OK) {
            rv = brski_buf_append(&csr_der, b.p, b.len);
        }
        if (rv != BRSKI_OK) {
            fprintf(stderr, "brski-certs idevid: cannot read CSR %s\n", o.csr);
            ret = 2;
            goto out;
        }
    } else {
        rv = brski_signer_generate(alg, env, &key);
        if (rv != BRSKI_OK) {
            fprintf(stderr, "brski-certs idevid: key generation failed: %s\n",
                    brski_err_str(rv));
            goto out;
        }
    }
    if (device) {
        if (o.csr == NULL) {
            /* Device side: the key stays on the device, only the CSR travels. */
            rv = brski_csr_build(brski_buf_slice(&name), key, &csr_der);
            if (rv == BRSKI_OK && out_path(&o, "idevid.csr", path) == 0) {
                rv = write_pem(path, brski_buf_slice(&csr_der), "CERTIFICATE REQUEST");
            }
            if (rv != BRSKI_OK) {
                fprintf(stderr, "brski-certs idevid: cannot make the CSR: %s\n",
                        brski_err_str(rv));
                goto out;
            }
        }
        /* CA side: the CSR must be self-signed and name the serial. */
        rv = brski_csr_parse(brski_buf_slice(&csr_der), &csr);
        if (rv != BRSKI_OK) {
            fprintf(stderr, "brski-certs idevid: CSR rejected: %s (RFC 2986 self-signature)\n",
                    brski_err_str(rv));
            goto out;
        }
        have_csr = true;
        char sn[128];
        uint8_t tag = 0;
        if (brski_name_get(csr.subject, BRSKI_OID_AT_SERIAL_NUMBER, sn, sizeof(sn), &tag) !=
                BRSKI_OK ||
            strcmp(sn, o.serial) != 0) {
            fprintf(stderr, "brski-certs idevid: CSR subject serialNumber does not match "
                            "--serial (RFC 8995 2.3.1)\n");
            goto out;
        }
        rv = brski_buf_append(&spki, csr.spki.p, csr.spki.len);
    } else {
        rv = brski_signer_spki(key, &spki);
    }
    if (rv != BRSKI_OK) {
        goto out;
    }

    brski_cert_template t;
    memset(&t, 0, sizeof(t));
    t.subject = brski_buf_slice(&name);
    t.issuer = ca[0].subject;
    t.issuer_ski = ca[0].ski;
    t.spki = brski_buf_slice(&spki);
    t.not_before = now;
    t.not_after = not_after;
    t.path_len = -1;
    t.key_usage = BRSKI_KU_DIGITAL_SIGNATURE;
    t.masa_url = o.masa_url;
    rv = brski_cert_build(&t, ca_key, env, &der);
    if (rv != BRSKI_OK) {
        fprintf(stderr, "brski-certs idevid: issuing failed: %s\n", brski_err_str(rv));
        goto out;
    }
    if (out_path(&o, "idevid.crt", path) != 0 ||
        write_pem(path, brski_buf_slice(&der), "CERTIFICATE") != BRSKI_OK) {
        fprintf(stderr, "brski-certs idevid: cannot write the certificate\n");
        goto out;
    }
    bool write_key = key != NULL && (!seed_m || o.write_key);
    if (write_key) {
        if (out_path(&o, "idevid.key", path) != 0 ||
            brski_signer_write_pem(key, path) != BRSKI_OK) {
            fprintf(stderr, "brski-certs idevid: cannot write the key\n");
            goto out;
        }
    }
    printf("method: %s\nserial: %s\ncertificate: %s/idevid.crt\n", o.method, o.serial,
           o.out_dir);
    if (write_key) {
        printf("key: %s/idevid.key (0600)\n", o.out_dir);
    } else if (seed_m) {
        printf("key: not stored (derive it again from the seed)\n");
    }
    if (print_fingerprint(brski_buf_slice(&spki)) != 0) {
        goto out;
    }
    ret = 0;
out:
    if (have_csr) {
        brski_csr_clear(&csr);
    }
    brski_signer_free(key);
    brski_signer_free(ca_key);
    brski_certs_free(ca, nca);
    brski_buf_wipe(&b);
    brski_buf_clear(&name);
    brski_buf_clear(&spki);
    brski_buf_clear(&der);
    brski_buf_clear(&csr_der);
    return ret;
}
