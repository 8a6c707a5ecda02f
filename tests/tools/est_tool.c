/*
 * est_tool.c - drives the EST encodings and CA decision from the shell so
 * that interop/test_est_openssl.sh can check them against OpenSSL.
 *
 *   est_tool certs-only [--base64] OUT CERT...       write certs-only PKCS#7
 *   est_tool parse IN OUTPREFIX        certs-only (DER or base64) -> OUTPREFIX<i>.der
 *   est_tool body-decode IN OUT        EST base64 body -> DER
 *   est_tool enroll [--reenroll] [--server-auth] CA.crt CA.key CLIENT.crt CSR OUT.der
 *                                      CSR as base64 body (or DER); issues an LDevID
 *
 * Certificates may be PEM or DER.
 *
 * Exit 0 on success, 1 when the input is rejected (reason on stderr), 2 on usage errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brski/codec.h"
#include "brski/est.h"
#include "brski/file.h"
#include "brski/log.h"
#include "brski/signer.h"
#include "brski/x509.h"

static int fail(const char *what, brski_err rv)
{
    fprintf(stderr, "est_tool: %s: %s\n", what, brski_err_str(rv));
    return 1;
}

static int usage(void)
{
    fprintf(stderr, "usage: est_tool certs-only|parse|body-decode|enroll ... (see source)\n");
    return 2;
}

/* Reads |path| (PEM or DER certificate) into |der| as DER. */
static brski_err read_cert_der(const char *path, brski_buf *der)
{
    brski_buf raw;
    brski_err rv;

    brski_buf_init(&raw, BRSKI_MAX_FILE);
    rv = brski_file_read(path, &raw);
    if (rv == BRSKI_OK && brski_is_pem(brski_buf_slice(&raw))) {
        rv = brski_pem_decode(brski_buf_slice(&raw), "CERTIFICATE", 0, der, NULL, 0);
    } else if (rv == BRSKI_OK) {
        rv = brski_buf_append(der, raw.p, raw.len);
    }
    brski_buf_clear(&raw);
    return rv;
}

static int cmd_certs_only(int argc, char **argv)
{
    bool b64 = argc > 0 && strcmp(argv[0], "--base64") == 0;
    brski_buf files[BRSKI_EST_MAX_CERTS], out;
    brski_slice certs[BRSKI_EST_MAX_CERTS];
    size_t n = 0;
    int rc = 1;
    brski_err rv = BRSKI_OK;

    if (b64) {
        argc--;
        argv++;
    }
    if (argc < 2 || (size_t)(argc - 1) > BRSKI_EST_MAX_CERTS) {
        return usage();
    }
    brski_buf_init(&out, 2 * BRSKI_MAX_BODY);
    for (int i = 1; i < argc && rv == BRSKI_OK; i++) {
        brski_buf_init(&files[n], BRSKI_MAX_CERT);
        rv = read_cert_der(argv[i], &files[n]);
        certs[n] = brski_buf_slice(&files[n]);
        n++;
    }
    if (rv == BRSKI_OK) {
        rv = b64 ? brski_est_certs_only_body(certs, n, &out)
                 : brski_est_certs_only_encode(certs, n, &out);
    }
    if (rv == BRSKI_OK) {
        rv = brski_file_write(argv[0], brski_buf_slice(&out), 0644);
    }
    rc = rv == BRSKI_OK ? 0 : fail("certs-only", rv);
    for (size_t i = 0; i < n; i++) {
        brski_buf_clear(&files[i]);
    }
    brski_buf_clear(&out);
    return rc;
}

static int cmd_parse(int argc, char **argv)
{
    brski_buf in, der;
    brski_slice certs[BRSKI_EST_MAX_CERTS];
    size_t n = 0;
    brski_err rv;

    if (argc != 2) {
        return usage();
    }
    brski_buf_init(&in, 2 * BRSKI_MAX_BODY);
    brski_buf_init(&der, BRSKI_MAX_BODY);
    rv = brski_file_read(argv[0], &in);
    if (rv == BRSKI_OK) {
        /* Binary DER as is, anything else as an EST base64 body. */
        rv = brski_est_body_decode(brski_buf_slice(&in), BRSKI_MAX_BODY, true, &der);
    }
    if (rv == BRSKI_OK) {
        rv = brski_est_certs_only_parse(brski_buf_slice(&der), certs, BRSKI_EST_MAX_CERTS, &n);
    }
    for (size_t i = 0; i < n && rv == BRSKI_OK; i++) {
        char path[4096];
        int k = snprintf(path, sizeof(path), "%s%zu.der", argv[1], i);
        if (k < 0 || (size_t)k >= sizeof(path)) {
            rv = BRSKI_ERR_ARG;
            break;
        }
        rv = brski_file_write(path, certs[i], 0644);
    }
    if (rv == BRSKI_OK) {
        printf("%zu\n", n);
    }
    brski_buf_clear(&in);
    brski_buf_clear(&der);
    return rv == BRSKI_OK ? 0 : fail("parse", rv);
}

static int cmd_body_decode(int argc, char **argv)
{
    brski_buf in, der;
    brski_err rv;

    if (argc != 2) {
        return usage();
    }
    brski_buf_init(&in, 2 * BRSKI_MAX_BODY);
    brski_buf_init(&der, BRSKI_MAX_BODY);
    rv = brski_file_read(argv[0], &in);
    if (rv == BRSKI_OK) {
        rv = brski_est_body_decode(brski_buf_slice(&in), BRSKI_MAX_BODY, false, &der);
    }
    if (rv == BRSKI_OK) {
        rv = brski_file_write(argv[1], brski_buf_slice(&der), 0644);
    }
    brski_buf_clear(&in);
    brski_buf_clear(&der);
    return rv == BRSKI_OK ? 0 : fail("body-decode", rv);
}

static int cmd_enroll(int argc, char **argv)
{
    bool reenroll = false, server_auth = false;
    brski_buf ca_der, key_der, client_der, csr_body, csr_der, out;
    brski_cert ca, client;
    brski_csr csr;
    brski_signer *key = NULL;
    brski_est_ca est;
    brski_err rv;

    while (argc > 0 && strncmp(argv[0], "--", 2) == 0) {
        if (strcmp(argv[0], "--reenroll") == 0) {
            reenroll = true;
        } else if (strcmp(argv[0], "--server-auth") == 0) {
            server_auth = true;
        } else {
            return usage();
        }
        argc--;
        argv++;
    }
    if (argc != 5) {
        return usage();
    }
    memset(&ca, 0, sizeof(ca));
    memset(&client, 0, sizeof(client));
    memset(&csr, 0, sizeof(csr));
    brski_buf_init(&ca_der, BRSKI_MAX_CERT);
    brski_buf_init(&key_der, BRSKI_MAX_CERT);
    brski_buf_init(&client_der, BRSKI_MAX_CERT);
    brski_buf_init(&csr_body, 2 * BRSKI_MAX_CSR);
    brski_buf_init(&csr_der, BRSKI_MAX_CSR);
    brski_buf_init(&out, BRSKI_MAX_CERT);
    rv = read_cert_der(argv[0], &ca_der);
    if (rv == BRSKI_OK) {
        rv = brski_file_read(argv[1], &key_der);
    }
    if (rv == BRSKI_OK) {
        rv = read_cert_der(argv[2], &client_der);
    }
    if (rv == BRSKI_OK) {
        rv = brski_file_read(argv[3], &csr_body);
    }
    if (rv != BRSKI_OK) {
        fail("reading inputs", rv);
        rv = BRSKI_ERR_ARG;
        goto out;
    }
    rv = brski_cert_parse(brski_buf_slice(&ca_der), &ca);
    if (rv == BRSKI_OK) {
        rv = brski_cert_parse(brski_buf_slice(&client_der), &client);
    }
    if (rv == BRSKI_OK) {
        rv = brski_signer_from_bytes(brski_buf_slice(&key_der), &key);
    }
    if (rv != BRSKI_OK) {
        fail("loading CA or client", rv);
        rv = BRSKI_ERR_ARG;
        goto out;
    }
    rv = brski_est_body_decode(brski_buf_slice(&csr_body), BRSKI_MAX_CSR, true, &csr_der);
    if (rv == BRSKI_OK) {
        rv = brski_csr_parse(brski_buf_slice(&csr_der), &csr);
    }
    if (rv != BRSKI_OK) {
        fail("CSR (RFC 7030 4.2.1)", rv);
        goto out;
    }
    brski_est_ca_init(&est, key, &ca);
    est.server_auth = server_auth;
    rv = brski_est_enroll(&est, &csr, &client, reenroll, brski_env_default(), &out);
    if (rv != BRSKI_OK) {
        fail("enroll (RFC 8995 5.9.2)", rv);
        goto out;
    }
    rv = brski_file_write(argv[4], brski_buf_slice(&out), 0644);
    if (rv != BRSKI_OK) {
        fail("writing", rv);
    }
out:
    brski_signer_free(key);
    brski_cert_clear(&ca);
    brski_cert_clear(&client);
    brski_csr_clear(&csr);
    brski_buf_wipe(&key_der);
    brski_buf_clear(&ca_der);
    brski_buf_clear(&client_der);
    brski_buf_clear(&csr_body);
    brski_buf_clear(&csr_der);
    brski_buf_clear(&out);
    if (rv == BRSKI_ERR_ARG) {
        return 2;
    }
    return rv == BRSKI_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    brski_log_set_sink(brski_log_stderr_sink, NULL, BRSKI_LOG_INFO);
    if (argc < 2) {
        return usage();
    }
    if (strcmp(argv[1], "certs-only") == 0) {
        return cmd_certs_only(argc - 2, argv + 2);
    }
    if (strcmp(argv[1], "parse") == 0) {
        return cmd_parse(argc - 2, argv + 2);
    }
    if (strcmp(argv[1], "body-decode") == 0) {
        return cmd_body_decode(argc - 2, argv + 2);
    }
    if (strcmp(argv[1], "enroll") == 0) {
        return cmd_enroll(argc - 2, argv + 2);
    }
    return usage();
}
