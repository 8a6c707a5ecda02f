/*
 * voucher.c - the voucher / voucher-request model: leaf table, owned
 * storage and strict validation (RFC 8366, rfc8366bis, RFC 8995).
 */
#include "brski/voucher.h"

#include <stdlib.h>
#include <string.h>

#include "brski/codec.h"
#include "brski/log.h"

typedef enum leaf_type {
    LT_ENUM,
    LT_TIME,
    LT_BOOL,
    LT_STRING,
    LT_NONCE,
    LT_BINARY,
    LT_LIST,
} leaf_type;

typedef struct leaf_info {
    const char *name;
    leaf_type type;
    size_t max;        /* bytes (binary) or characters (string) */
    bool in_voucher;   /* part of ietf-voucher */
    bool in_request;   /* part of ietf-voucher-request */
} leaf_info;

static const leaf_info leaves[BRSKI_LEAF__COUNT] = {
    [BRSKI_LEAF_ASSERTION] = {"assertion", LT_ENUM, 0, true, true},
    [BRSKI_LEAF_CREATED_ON] = {"created-on", LT_TIME, 0, true, true},
    [BRSKI_LEAF_DOMAIN_CERT_REVOCATION_CHECKS] = {"domain-cert-revocation-checks", LT_BOOL, 0,
                                                  true, true},
    [BRSKI_LEAF_EXPIRES_ON] = {"expires-on", LT_TIME, 0, true, true},
    [BRSKI_LEAF_IDEVID_ISSUER] = {"idevid-issuer", LT_BINARY, BRSKI_VOUCHER_MAX_ISSUER, true,
                                  true},
    [BRSKI_LEAF_LAST_RENEWAL_DATE] = {"last-renewal-date", LT_TIME, 0, true, true},
    [BRSKI_LEAF_NONCE] = {"nonce", LT_NONCE, BRSKI_VOUCHER_MAX_NONCE_TEXT, true, true},
    [BRSKI_LEAF_PINNED_DOMAIN_CERT] = {"pinned-domain-cert", LT_BINARY, BRSKI_MAX_CERT, true,
                                       true},
    [BRSKI_LEAF_PINNED_DOMAIN_PUBK] = {"pinned-domain-pubk", LT_BINARY, BRSKI_VOUCHER_MAX_PUBK,
                                       true, true},
    [BRSKI_LEAF_PINNED_DOMAIN_PUBK_SHA256] = {"pinned-domain-pubk-sha256", LT_BINARY, 32, true,
                                              true},
    [BRSKI_LEAF_SERIAL_NUMBER] = {"serial-number", LT_STRING, BRSKI_VOUCHER_MAX_SERIAL, true,
                                  true},
    [BRSKI_LEAF_ADDITIONAL_CONFIGURATION_URL] = {"additional-configuration-url", LT_STRING,
                                                 BRSKI_VOUCHER_MAX_URI, true, true},
    [BRSKI_LEAF_EST_DOMAIN] = {"est-domain", LT_STRING, BRSKI_VOUCHER_MAX_URI, true, true},
    [BRSKI_LEAF_MANUFACTURER_PROPRIETARY] = {"manufacturer-proprietary", LT_BINARY,
                                             BRSKI_VOUCHER_MAX_PROPRIETARY, true, true},
    [BRSKI_LEAF_EXTENSIONS] = {"extensions", LT_LIST, BRSKI_VOUCHER_MAX_EXTENSIONS, true, true},
    [BRSKI_LEAF_PRIOR_SIGNED_VOUCHER_REQUEST] = {"prior-signed-voucher-request", LT_BINARY,
                                                 BRSKI_MAX_VOUCHER, false, true},
    [BRSKI_LEAF_PROXIMITY_REGISTRAR_CERT] = {"proximity-registrar-cert", LT_BINARY,
                                             BRSKI_MAX_CERT, false, true},
    [BRSKI_LEAF_PROXIMITY_REGISTRAR_PUBK_SHA256] = {"proximity-registrar-pubk-sha256",
                                                    LT_BINARY, 32, false, true},
    [BRSKI_LEAF_PROXIMITY_REGISTRAR_PUBK] = {"proximity-registrar-pubk", LT_BINARY,
                                             BRSKI_VOUCHER_MAX_PUBK, false, true},
    [BRSKI_LEAF_AGENT_PROVIDED_PROXIMITY_REGISTRAR_CERT] = {
        "agent-provided-proximity-registrar-cert", LT_BINARY, BRSKI_MAX_CERT, false, true},
    [BRSKI_LEAF_AGENT_SIGN_CERT] = {"agent-sign-cert", LT_BINARY, BRSKI_MAX_CHAIN, false, true},
    [BRSKI_LEAF_AGENT_SIGNED_DATA] = {"agent-signed-data", LT_BINARY, BRSKI_VOUCHER_MAX_AGENT_DATA,
                                      false, true},
};

static const char *const assertion_names[] = {"verified", "logged", "proximity",
                                              "agent-proximity"};

void brski_voucher_init(brski_voucher *v, brski_voucher_kind kind)
{
    memset(v, 0, sizeof(*v));
    v->kind = kind;
}

brski_bytes *brski_voucher_leaf_bytes(brski_voucher *v, brski_leaf leaf)
{
    switch (leaf) {
    case BRSKI_LEAF_IDEVID_ISSUER:
        return &v->idevid_issuer;
    case BRSKI_LEAF_NONCE:
        return &v->nonce;
    case BRSKI_LEAF_PINNED_DOMAIN_CERT:
        return &v->pinned_domain_cert;
    case BRSKI_LEAF_PINNED_DOMAIN_PUBK:
        return &v->pinned_domain_pubk;
    case BRSKI_LEAF_PINNED_DOMAIN_PUBK_SHA256:
        return &v->pinned_domain_pubk_sha256;
    case BRSKI_LEAF_MANUFACTURER_PROPRIETARY:
        return &v->manufacturer_proprietary;
    case BRSKI_LEAF_EXTENSIONS:
        return &v->extensions;
    case BRSKI_LEAF_PRIOR_SIGNED_VOUCHER_REQUEST:
        return &v->prior_signed_voucher_request;
    case BRSKI_LEAF_PROXIMITY_REGISTRAR_CERT:
        return &v->proximity_registrar_cert;
    case BRSKI_LEAF_PROXIMITY_REGISTRAR_PUBK_SHA256:
        return &v->proximity_registrar_pubk_sha256;
    case BRSKI_LEAF_PROXIMITY_REGISTRAR_PUBK:
        return &v->proximity_registrar_pubk;
    case BRSKI_LEAF_AGENT_PROVIDED_PROXIMITY_REGISTRAR_CERT:
        return &v->agent_provided_proximity_registrar_cert;
    case BRSKI_LEAF_AGENT_SIGN_CERT:
        return &v->agent_sign_cert;
    case BRSKI_LEAF_AGENT_SIGNED_DATA:
        return &v->agent_signed_data;
    default:
        return NULL;
    }
}

char **brski_voucher_leaf_str(brski_voucher *v, brski_leaf leaf)
{
    switch (leaf) {
    case BRSKI_LEAF_SERIAL_NUMBER:
        return &v->serial_number;
    case BRSKI_LEAF_ADDITIONAL_CONFIGURATION_URL:
        return &v->additional_configuration_url;
    case BRSKI_LEAF_EST_DOMAIN:
        return &v->est_domain;
    default:
        return NULL;
    }
}

const brski_bytes *brski_voucher_leaf_cbytes(const brski_voucher *v, brski_leaf leaf)
{
    return brski_voucher_leaf_bytes((brski_voucher *)(uintptr_t)v, leaf);
}

const char *brski_voucher_leaf_cstr(const brski_voucher *v, brski_leaf leaf)
{
    char **s = brski_voucher_leaf_str((brski_voucher *)(uintptr_t)v, leaf);
    return s != NULL ? *s : NULL;
}

static void bytes_free(brski_bytes *b)
{
    free(b->p);
    b->p = NULL;
    b->len = 0;
}

void brski_voucher_clear(brski_voucher *v)
{
    if (v == NULL) {
        return;
    }
    for (unsigned i = 0; i < (unsigned)BRSKI_LEAF__COUNT; i++) {
        brski_bytes *b = brski_voucher_leaf_bytes(v, (brski_leaf)i);
        char **s = brski_voucher_leaf_str(v, (brski_leaf)i);
        if (b != NULL) {
            bytes_free(b);
        }
        if (s != NULL) {
            free(*s);
        }
    }
    free(v->nonce_text);
    brski_voucher_init(v, v->kind);
}

const char *brski_voucher_leaf_name(brski_leaf leaf)
{
    if ((unsigned)leaf >= (unsigned)BRSKI_LEAF__COUNT) {
        return NULL;
    }
    return leaves[leaf].name;
}

bool brski_voucher_leaf_from_name(const char *name, brski_leaf *out)
{
    for (unsigned i = 0; i < (unsigned)BRSKI_LEAF__COUNT; i++) {
        if (strcmp(name, leaves[i].name) == 0) {
            *out = (brski_leaf)i;
            return true;
        }
    }
    return false;
}

bool brski_voucher_leaf_allowed(brski_voucher_kind kind, brski_leaf leaf)
{
    if ((unsigned)leaf >= (unsigned)BRSKI_LEAF__COUNT) {
        return false;
    }
    return kind == BRSKI_KIND_VOUCHER ? leaves[leaf].in_voucher : leaves[leaf].in_request;
}

const char *brski_assertion_name(brski_assertion a)
{
    if ((unsigned)a >= sizeof(assertion_names) / sizeof(assertion_names[0])) {
        return NULL;
    }
    return assertion_names[a];
}

brski_err brski_assertion_parse(const char *s, brski_assertion *out)
{
    for (unsigned i = 0; i < sizeof(assertion_names) / sizeof(assertion_names[0]); i++) {
        if (strcmp(s, assertion_names[i]) == 0) {
            *out = (brski_assertion)i;
            return BRSKI_OK;
        }
    }
    return BRSKI_ERR_MALFORMED;
}

brski_err brski_voucher_set_bytes(brski_voucher *v, brski_leaf leaf, brski_slice val)
{
    brski_bytes *b = brski_voucher_leaf_bytes(v, leaf);
    if (b == NULL || leaf == BRSKI_LEAF_NONCE) {
        return BRSKI_ERR_ARG;
    }
    if (val.len > leaves[leaf].max) {
        brski_log(BRSKI_LOG_WARN, "voucher: %s: %zu bytes exceeds the limit of %zu",
                  leaves[leaf].name, val.len, leaves[leaf].max);
        return BRSKI_ERR_TOOBIG;
    }
    /* Keep one spare byte so that empty values still get a non-NULL pointer. */
    uint8_t *copy = malloc(val.len + 1);
    if (copy == NULL) {
        return BRSKI_ERR_NOMEM;
    }
    if (val.len > 0) {
        memcpy(copy, val.p, val.len);
    }
    copy[val.len] = 0;
    bytes_free(b);
    b->p = copy;
    b->len = val.len;
    brski_voucher_mark(v, leaf);
    return BRSKI_OK;
}

static bool text_ok(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) {
            return false;
        }
    }
    return true;
}

static brski_err set_nonce(brski_voucher *v, const char *s, size_t len)
{
    brski_buf raw;
    brski_err rv;
    brski_buf_init(&raw, BRSKI_VOUCHER_MAX_NONCE_TEXT);
    /*
     * The JSON nonce is kept as the exact text (RFC 8995 App. C uses a
     * base64url nonce; the pledge compares strings, SPEC-NOTES 2.3). The
     * bytes are its decoding in either alphabet.
     */
    rv = brski_base64_decode_loose(brski_slice_make(s, len), &raw);
    if (rv != BRSKI_OK) {
        brski_log(BRSKI_LOG_WARN, "voucher: nonce is not base64 (RFC 8366 5.3: binary)");
        rv = BRSKI_ERR_MALFORMED;
        goto out;
    }
    char *text = brski_strndup(s, len);
    uint8_t *bytes = malloc(raw.len + 1);
    if (text == NULL || bytes == NULL) {
        free(text);
        free(bytes);
        rv = BRSKI_ERR_NOMEM;
        goto out;
    }
    if (raw.len > 0) {
        memcpy(bytes, raw.p, raw.len);
    }
    free(v->nonce_text);
    bytes_free(&v->nonce);
    v->nonce_text = text;
    v->nonce.p = bytes;
    v->nonce.len = raw.len;
    brski_voucher_mark(v, BRSKI_LEAF_NONCE);
    rv = BRSKI_OK;
out:
    brski_buf_clear(&raw);
    return rv;
}

brski_err brski_voucher_set_str(brski_voucher *v, brski_leaf leaf, const char *s)
{
    if ((unsigned)leaf >= (unsigned)BRSKI_LEAF__COUNT || s == NULL) {
        return BRSKI_ERR_ARG;
    }
    size_t len = strnlen(s, leaves[leaf].max + 1);
    if (leaves[leaf].type != LT_STRING && leaves[leaf].type != LT_NONCE) {
        return BRSKI_ERR_ARG;
    }
    if (len > leaves[leaf].max) {
        brski_log(BRSKI_LOG_WARN, "voucher: %s: longer than %zu characters", leaves[leaf].name,
                  leaves[leaf].max);
        return BRSKI_ERR_TOOBIG;
    }
    if (!text_ok(s, len)) {
        brski_log(BRSKI_LOG_WARN, "voucher: %s: control character", leaves[leaf].name);
        return BRSKI_ERR_MALFORMED;
    }
    if (leaf == BRSKI_LEAF_NONCE) {
        return set_nonce(v, s, len);
    }
    char *copy = brski_strndup(s, len);
    if (copy == NULL) {
        return BRSKI_ERR_NOMEM;
    }
    char **slot = brski_voucher_leaf_str(v, leaf);
    free(*slot);
    *slot = copy;
    brski_voucher_mark(v, leaf);
    return BRSKI_OK;
}

brski_err brski_voucher_set_time(brski_voucher *v, brski_leaf leaf, int64_t t)
{
    switch (leaf) {
    case BRSKI_LEAF_CREATED_ON:
        v->created_on = t;
        break;
    case BRSKI_LEAF_EXPIRES_ON:
        v->expires_on = t;
        break;
    case BRSKI_LEAF_LAST_RENEWAL_DATE:
        v->last_renewal_date = t;
        break;
    default:
        return BRSKI_ERR_ARG;
    }
    brski_voucher_mark(v, leaf);
    return BRSKI_OK;
}

static brski_err missing(const brski_voucher *v, const char *leaf, const char *rule)
{
    brski_log(BRSKI_LOG_WARN, "%s: %s: required leaf '%s' is missing",
              v->kind == BRSKI_KIND_VOUCHER ? "voucher" : "voucher-request", rule, leaf);
    return BRSKI_ERR_MALFORMED;
}

brski_err brski_voucher_validate(const brski_voucher *v)
{
    const char *what = v->kind == BRSKI_KIND_VOUCHER ? "voucher" : "voucher-request";
    if (v->kind != BRSKI_KIND_VOUCHER && v->kind != BRSKI_KIND_VOUCHER_REQUEST) {
        return BRSKI_ERR_ARG;
    }
    if ((v->present >> (unsigned)BRSKI_LEAF__COUNT) != 0) {
        return BRSKI_ERR_ARG;
    }
    for (unsigned i = 0; i < (unsigned)BRSKI_LEAF__COUNT; i++) {
        if (!brski_voucher_has(v, (brski_leaf)i)) {
            continue;
        }
        if (!brski_voucher_leaf_allowed(v->kind, (brski_leaf)i)) {
            brski_log(BRSKI_LOG_WARN, "%s: leaf '%s' is not part of the module", what,
                      leaves[i].name);
            return BRSKI_ERR_MALFORMED;
        }
    }
    if (brski_voucher_has(v, BRSKI_LEAF_ASSERTION) && brski_assertion_name(v->assertion) == NULL) {
        brski_log(BRSKI_LOG_WARN, "%s: assertion out of range", what);
        return BRSKI_ERR_MALFORMED;
    }
    /* rfc8366bis 8.4: serial-number is the one mandatory leaf of both modules. */
    if (!brski_voucher_has(v, BRSKI_LEAF_SERIAL_NUMBER) || v->serial_number == NULL ||
        v->serial_number[0] == '\0') {
        return missing(v, "serial-number", "RFC 8366 5.3 / RFC 8995 5.2");
    }
    if (strlen(v->serial_number) > BRSKI_VOUCHER_MAX_SERIAL) {
        return BRSKI_ERR_TOOBIG;
    }
    if (v->kind == BRSKI_KIND_VOUCHER) {
        /* RFC 8366 5.3: created-on, assertion, pinned-domain-cert are mandatory. */
        if (!brski_voucher_has(v, BRSKI_LEAF_CREATED_ON)) {
            return missing(v, "created-on", "RFC 8366 5.3");
        }
        if (!brski_voucher_has(v, BRSKI_LEAF_ASSERTION)) {
            return missing(v, "assertion", "RFC 8366 5.3");
        }
        if (!brski_voucher_has(v, BRSKI_LEAF_PINNED_DOMAIN_CERT) &&
            !brski_voucher_has(v, BRSKI_LEAF_PINNED_DOMAIN_PUBK) &&
            !brski_voucher_has(v, BRSKI_LEAF_PINNED_DOMAIN_PUBK_SHA256)) {
            return missing(v, "pinned-domain-cert", "RFC 8366 5.3 / rfc8366bis 8");
        }
        if (brski_voucher_has(v, BRSKI_LEAF_PINNED_DOMAIN_CERT) && v->pinned_domain_cert.len == 0) {
            brski_log(BRSKI_LOG_WARN, "voucher: pinned-domain-cert is empty");
            return BRSKI_ERR_MALFORMED;
        }
    }
    /* RFC 8366 5.3 YANG: last-renewal-date { must '../expires-on'; } */
    if (brski_voucher_has(v, BRSKI_LEAF_LAST_RENEWAL_DATE) &&
        !brski_voucher_has(v, BRSKI_LEAF_EXPIRES_ON) && v->kind == BRSKI_KIND_VOUCHER) {
        brski_log(BRSKI_LOG_WARN, "voucher: RFC 8366 5.3: last-renewal-date needs expires-on");
        return BRSKI_ERR_MALFORMED;
    }
    if (brski_voucher_has(v, BRSKI_LEAF_EXPIRES_ON) &&
        brski_voucher_has(v, BRSKI_LEAF_CREATED_ON) && v->expires_on < v->created_on) {
        brski_log(BRSKI_LOG_WARN, "%s: expires-on is before created-on", what);
        return BRSKI_ERR_MALFORMED;
    }
    if (brski_voucher_has(v, BRSKI_LEAF_NONCE)) {
        /* RFC 8366 5.3: leaf nonce { type binary { length "8..32"; } } */
        if (v->nonce.len < BRSKI_VOUCHER_MIN_NONCE || v->nonce.len > BRSKI_VOUCHER_MAX_NONCE) {
            brski_log(BRSKI_LOG_WARN, "%s: RFC 8366 5.3: nonce is %zu bytes, not 8..32", what,
                      v->nonce.len);
            return BRSKI_ERR_MALFORMED;
        }
    }
    for (unsigned i = 0; i < (unsigned)BRSKI_LEAF__COUNT; i++) {
        if (!brski_voucher_has(v, (brski_leaf)i) || leaves[i].type != LT_BINARY) {
            continue;
        }
        const brski_bytes *b = brski_voucher_leaf_cbytes(v, (brski_leaf)i);
        if (b->len > leaves[i].max) {
            return BRSKI_ERR_TOOBIG;
        }
        if (leaves[i].max == 32 && b->len != 32) {
            brski_log(BRSKI_LOG_WARN, "%s: %s must be a 32-byte SHA-256 value", what,
                      leaves[i].name);
            return BRSKI_ERR_MALFORMED;
        }
    }
    return BRSKI_OK;
}

brski_err brski_voucher_nonce_str(const brski_voucher *v, brski_buf *out)
{
    if (!brski_voucher_has(v, BRSKI_LEAF_NONCE)) {
        return BRSKI_ERR_ARG;
    }
    brski_err rv = v->nonce_text != NULL
                       ? brski_buf_append_str(out, v->nonce_text)
                       : brski_base64_encode(brski_slice_make(v->nonce.p, v->nonce.len), out);
    return rv == BRSKI_OK ? brski_buf_cstr(out) : rv;
}
