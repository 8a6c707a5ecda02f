#include "brski/policy.h"

#include <arpa/inet.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brski/der.h"
#include "brski/log.h"

#define OID_ANY_EKU "2.5.29.37.0"

/* ---- names ---- */

static const char *const purpose_names[BRSKI_PURPOSE__COUNT] = {
    "idevid", "masa", "domain", "tls", "software-update", "attestation",
};

brski_err brski_purpose_parse(const char *name, brski_purpose *out)
{
    if (name == NULL || out == NULL) {
        return BRSKI_ERR_ARG;
    }
    for (size_t i = 0; i < BRSKI_PURPOSE__COUNT; i++) {
        if (strcmp(name, purpose_names[i]) == 0) {
            *out = (brski_purpose)i;
            return BRSKI_OK;
        }
    }
    return BRSKI_ERR_ARG;
}

const char *brski_purpose_name(brski_purpose p)
{
    if ((unsigned)p >= BRSKI_PURPOSE__COUNT) {
        return "unknown";
    }
    return purpose_names[p];
}

static const char *const reason_names[BRSKI_REASON__COUNT] = {
    "ok",
    "bad-input",
    "no-anchor",
    "no-path",
    "candidate-limit",
    "bad-signature",
    "chain-too-long",
    "cert-too-big",
    "depth-exceeded",
    "depth-not-locked",
    "not-ca",
    "pathlen",
    "no-keycertsign",
    "bad-extensions",
    "unknown-critical",
    "name-constraints",
    "bad-name",
    "key-id-mismatch",
    "version",
    "not-yet-valid",
    "expired",
    "no-expiry",
    "sig-alg",
    "key-type",
    "key-size",
    "ee-is-ca",
    "ee-key-usage",
    "ee-eku",
    "ee-policy",
    "ee-serial-number",
    "ee-subject",
    "ee-masa-url",
    "peer-name",
    "revoked",
    "revocation-unknown",
};

const char *brski_reason_name(brski_reason r)
{
    if ((unsigned)r >= BRSKI_REASON__COUNT) {
        return "unknown";
    }
    return reason_names[r];
}

/* ---- algorithm and usage names for the config ---- */

typedef struct name_val {
    const char *name;
    unsigned val;
} name_val;

static const name_val sig_alg_names[] = {
    {"ecdsa-sha256", BRSKI_SIG_ECDSA_SHA256}, {"ecdsa-sha384", BRSKI_SIG_ECDSA_SHA384},
    {"ecdsa-sha512", BRSKI_SIG_ECDSA_SHA512}, {"ed25519", BRSKI_SIG_ED25519},
    {"rsa-sha256", BRSKI_SIG_RSA_SHA256},     {"rsa-sha384", BRSKI_SIG_RSA_SHA384},
    {"rsa-sha512", BRSKI_SIG_RSA_SHA512},     {"rsa-sha1", BRSKI_SIG_RSA_SHA1},
    {"ecdsa-sha1", BRSKI_SIG_ECDSA_SHA1},     {"ed448", BRSKI_SIG_ED448},
};

static const name_val key_type_names[] = {
    {"ec", BRSKI_KEY_EC},
    {"ed25519", BRSKI_KEY_ED25519},
    {"ed448", BRSKI_KEY_ED448},
    {"rsa", BRSKI_KEY_RSA},
};

static const name_val ku_names[] = {
    {"digitalSignature", BRSKI_KU_DIGITAL_SIGNATURE},
    {"nonRepudiation", BRSKI_KU_NON_REPUDIATION},
    {"keyEncipherment", BRSKI_KU_KEY_ENCIPHERMENT},
    {"dataEncipherment", BRSKI_KU_DATA_ENCIPHERMENT},
    {"keyAgreement", BRSKI_KU_KEY_AGREEMENT},
    {"keyCertSign", BRSKI_KU_KEY_CERT_SIGN},
    {"cRLSign", BRSKI_KU_CRL_SIGN},
    {"encipherOnly", BRSKI_KU_ENCIPHER_ONLY},
    {"decipherOnly", BRSKI_KU_DECIPHER_ONLY},
};

typedef struct eku_name {
    const char *name;
    const char *oid;
} eku_name;

static const eku_name eku_names[] = {
    {"serverAuth", BRSKI_OID_KP_SERVER_AUTH},
    {"clientAuth", BRSKI_OID_KP_CLIENT_AUTH},
    {"codeSigning", "1.3.6.1.5.5.7.3.3"},
    {"emailProtection", "1.3.6.1.5.5.7.3.4"},
    {"timeStamping", "1.3.6.1.5.5.7.3.8"},
    {"OCSPSigning", "1.3.6.1.5.5.7.3.9"},
    {"cmcCA", "1.3.6.1.5.5.7.3.27"},
    {"cmcRA", BRSKI_OID_KP_CMC_RA},
    {"anyExtendedKeyUsage", OID_ANY_EKU},
};

static bool oid_syntax_ok(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len >= 48) {
        return false;
    }
    bool digit = false;
    unsigned arcs = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            digit = true;
        } else if (s[i] == '.' && digit) {
            digit = false;
            arcs++;
        } else {
            return false;
        }
    }
    return digit && arcs >= 1;
}

brski_err brski_eku_parse(const char *name, char *out, size_t cap)
{
    if (name == NULL || out == NULL || cap == 0) {
        return BRSKI_ERR_ARG;
    }
    const char *oid = NULL;
    for (size_t i = 0; i < sizeof(eku_names) / sizeof(eku_names[0]); i++) {
        if (strcmp(name, eku_names[i].name) == 0) {
            oid = eku_names[i].oid;
            break;
        }
    }
    if (oid == NULL && oid_syntax_ok(name)) {
        oid = name;
    }
    if (oid == NULL || strlen(oid) >= cap) {
        return BRSKI_ERR_ARG;
    }
    memcpy(out, oid, strlen(oid) + 1);
    return BRSKI_OK;
}

/* ---- defaults and config ---- */

void brski_anchor_policy_default(brski_purpose p, brski_anchor_policy *out)
{
    memset(out, 0, sizeof(*out));
    out->sig_algs = (1u << BRSKI_SIG_ECDSA_SHA256) | (1u << BRSKI_SIG_ECDSA_SHA384) |
                    (1u << BRSKI_SIG_ECDSA_SHA512) | (1u << BRSKI_SIG_ED25519) |
                    (1u << BRSKI_SIG_RSA_SHA256) | (1u << BRSKI_SIG_RSA_SHA384) |
                    (1u << BRSKI_SIG_RSA_SHA512);
    out->key_types = (1u << BRSKI_KEY_EC) | (1u << BRSKI_KEY_ED25519) | (1u << BRSKI_KEY_RSA);
    out->min_rsa_bits = 2048;
    out->min_ec_bits = 256;
    out->max_chain = BRSKI_POLICY_MAX_CHAIN;
    out->max_cert_size = BRSKI_MAX_CERT;
    out->check_validity = true;
    switch (p) {
    case BRSKI_PURPOSE_IDEVID:
        /* 802.1AR: IDevIDs carry serialNumber, may never expire, and either
         * have no EKU or one that allows TLS client authentication. */
        out->require_serial_number = true;
        out->allow_no_expiry = true;
        out->ee_eku_count = 1;
        memcpy(out->ee_eku[0], BRSKI_OID_KP_CLIENT_AUTH, sizeof(BRSKI_OID_KP_CLIENT_AUTH));
        out->ee_eku_absent_ok = true;
        break;
    case BRSKI_PURPOSE_TLS:
        out->ee_eku_count = 1;
        memcpy(out->ee_eku[0], BRSKI_OID_KP_SERVER_AUTH, sizeof(BRSKI_OID_KP_SERVER_AUTH));
        out->ee_eku_absent_ok = true;
        out->require_key_ids = true;
        break;
    default:
        break;
    }
}

/* Splits a comma/space separated list; calls |fn| per item. */
typedef brski_err (*item_fn)(const char *item, void *ctx);

static brski_err for_each_item(const char *list, item_fn fn, void *ctx)
{
    char item[64];
    size_t n = 0;
    for (const char *p = list;; p++) {
        if (*p == ',' || *p == ' ' || *p == '\t' || *p == '\0') {
            if (n > 0) {
                item[n] = '\0';
                brski_err rv = fn(item, ctx);
                if (rv != BRSKI_OK) {
                    return rv;
                }
                n = 0;
            }
            if (*p == '\0') {
                return BRSKI_OK;
            }
            continue;
        }
        if (n + 1 >= sizeof(item)) {
            return BRSKI_ERR_MALFORMED;
        }
        item[n++] = *p;
    }
}

typedef struct mask_ctx {
    const name_val *table;
    size_t n;
    uint32_t mask;
    bool as_bits; /* values are bit masks rather than bit numbers */
} mask_ctx;

static brski_err mask_item(const char *item, void *ctx)
{
    mask_ctx *m = ctx;
    for (size_t i = 0; i < m->n; i++) {
        if (strcmp(item, m->table[i].name) == 0) {
            m->mask |= m->as_bits ? m->table[i].val : (1u << m->table[i].val);
            return BRSKI_OK;
        }
    }
    return BRSKI_ERR_MALFORMED;
}

typedef struct oid_list_ctx {
    char (*oids)[48];
    size_t *count;
    bool eku;
} oid_list_ctx;

static brski_err oid_item(const char *item, void *ctx)
{
    oid_list_ctx *o = ctx;
    if (*o->count >= BRSKI_POLICY_MAX_OIDS) {
        return BRSKI_ERR_MALFORMED;
    }
    char *dst = o->oids[*o->count];
    if (o->eku) {
        if (brski_eku_parse(item, dst, 48) != BRSKI_OK) {
            return BRSKI_ERR_MALFORMED;
        }
    } else {
        if (!oid_syntax_ok(item)) {
            return BRSKI_ERR_MALFORMED;
        }
        memcpy(dst, item, strlen(item) + 1);
    }
    (*o->count)++;
    return BRSKI_OK;
}

static brski_err get_mask(brski_config *cfg, const char *section, const char *key,
                          const name_val *table, size_t n, bool as_bits, uint32_t *mask,
                          char *errmsg, size_t errcap)
{
    const char *v = brski_config_get(cfg, section, key);
    if (v == NULL) {
        return BRSKI_OK;
    }
    mask_ctx m = {table, n, 0, as_bits};
    if (for_each_item(v, mask_item, &m) != BRSKI_OK || m.mask == 0) {
        if (errmsg != NULL) {
            snprintf(errmsg, errcap, "[%s] %s: unknown or empty item in '%s'", section, key, v);
        }
        return BRSKI_ERR_MALFORMED;
    }
    *mask = m.mask;
    return BRSKI_OK;
}

static brski_err get_oids(brski_config *cfg, const char *section, const char *key, bool eku,
                          char (*oids)[48], size_t *count, char *errmsg, size_t errcap)
{
    const char *v = brski_config_get(cfg, section, key);
    if (v == NULL) {
        return BRSKI_OK;
    }
    *count = 0;
    oid_list_ctx o = {oids, count, eku};
    if (for_each_item(v, oid_item, &o) != BRSKI_OK) {
        if (errmsg != NULL) {
            snprintf(errmsg, errcap, "[%s] %s: bad OID list '%s' (at most %u)", section, key, v,
                     BRSKI_POLICY_MAX_OIDS);
        }
        return BRSKI_ERR_MALFORMED;
    }
    return BRSKI_OK;
}

static brski_err get_uint(brski_config *cfg, const char *section, const char *key, int64_t min,
                          int64_t max, unsigned *out, char *errmsg, size_t errcap)
{
    int64_t v = 0;
    brski_err rv = brski_config_get_int(cfg, section, key, (int64_t)*out, min, max, &v, errmsg,
                                        errcap);
    if (rv == BRSKI_OK) {
        *out = (unsigned)v;
    }
    return rv;
}

static brski_err get_flag(brski_config *cfg, const char *section, const char *key, bool *out,
                          char *errmsg, size_t errcap)
{
    return brski_config_get_bool(cfg, section, key, *out, out, errmsg, errcap);
}

brski_err brski_anchor_policy_from_config(brski_config *cfg, const char *section,
                                          brski_anchor_policy *pol, char *errmsg, size_t errcap)
{
    brski_err rv;
    unsigned size = (unsigned)pol->max_cert_size;
    uint32_t ku = pol->ee_key_usage;

    if (errmsg != NULL && errcap > 0) {
        errmsg[0] = '\0';
    }
    if ((rv = get_uint(cfg, section, "max_depth", 0, BRSKI_POLICY_MAX_CHAIN, &pol->max_depth,
                       errmsg, errcap)) != BRSKI_OK ||
        (rv = get_uint(cfg, section, "locked_depth", 0, BRSKI_POLICY_MAX_CHAIN,
                       &pol->locked_depth, errmsg, errcap)) != BRSKI_OK ||
        (rv = get_uint(cfg, section, "max_chain", 1, BRSKI_POLICY_MAX_CHAIN, &pol->max_chain,
                       errmsg, errcap)) != BRSKI_OK ||
        (rv = get_uint(cfg, section, "max_cert_size", 256, BRSKI_MAX_CERT, &size, errmsg,
                       errcap)) != BRSKI_OK ||
        (rv = get_uint(cfg, section, "min_rsa_bits", 1024, 16384, &pol->min_rsa_bits, errmsg,
                       errcap)) != BRSKI_OK ||
        (rv = get_uint(cfg, section, "min_ec_bits", 192, 521, &pol->min_ec_bits, errmsg,
                       errcap)) != BRSKI_OK) {
        return rv;
    }
    pol->max_cert_size = size;
    if ((rv = get_mask(cfg, section, "sig_algs", sig_alg_names,
                       sizeof(sig_alg_names) / sizeof(sig_alg_names[0]), false, &pol->sig_algs,
                       errmsg, errcap)) != BRSKI_OK ||
        (rv = get_mask(cfg, section, "key_types", key_type_names,
                       sizeof(key_type_names) / sizeof(key_type_names[0]), false,
                       &pol->key_types, errmsg, errcap)) != BRSKI_OK ||
        (rv = get_mask(cfg, section, "ee_key_usage", ku_names,
                       sizeof(ku_names) / sizeof(ku_names[0]), true, &ku, errmsg, errcap)) !=
            BRSKI_OK) {
        return rv;
    }
    pol->ee_key_usage = (uint16_t)ku;
    if ((rv = get_oids(cfg, section, "ee_eku", true, pol->ee_eku, &pol->ee_eku_count, errmsg,
                       errcap)) != BRSKI_OK ||
        (rv = get_oids(cfg, section, "ee_policies", false, pol->ee_policies,
                       &pol->ee_policy_count, errmsg, errcap)) != BRSKI_OK) {
        return rv;
    }
    if ((rv = get_flag(cfg, section, "ee_eku_absent_ok", &pol->ee_eku_absent_ok, errmsg,
                       errcap)) != BRSKI_OK ||
        (rv = get_flag(cfg, section, "ee_may_be_ca", &pol->ee_may_be_ca, errmsg, errcap)) !=
            BRSKI_OK ||
        (rv = get_flag(cfg, section, "require_serial_number", &pol->require_serial_number,
                       errmsg, errcap)) != BRSKI_OK ||
        (rv = get_flag(cfg, section, "require_masa_url", &pol->require_masa_url, errmsg,
                       errcap)) != BRSKI_OK ||
        (rv = get_flag(cfg, section, "check_validity", &pol->check_validity, errmsg, errcap)) !=
            BRSKI_OK ||
        (rv = get_flag(cfg, section, "allow_no_expiry", &pol->allow_no_expiry, errmsg,
                       errcap)) != BRSKI_OK ||
        (rv = get_flag(cfg, section, "require_key_ids", &pol->require_key_ids, errmsg,
                       errcap)) != BRSKI_OK ||
        (rv = get_flag(cfg, section, "require_peer_name", &pol->require_peer_name, errmsg,
                       errcap)) != BRSKI_OK) {
        return rv;
    }
    const char *re = brski_config_get(cfg, section, "subject_regex");
    if (re != NULL) {
        regex_t rx;
        if (strlen(re) >= sizeof(pol->subject_regex) ||
            regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) != 0) {
            if (errmsg != NULL) {
                snprintf(errmsg, errcap, "[%s] subject_regex: not a valid POSIX ERE", section);
            }
            return BRSKI_ERR_MALFORMED;
        }
        regfree(&rx);
        memcpy(pol->subject_regex, re, strlen(re) + 1);
    }
    const char *rev = brski_config_get(cfg, section, "revocation");
    if (rev != NULL) {
        if (strcmp(rev, "off") == 0) {
            pol->revocation_crl = false;
        } else if (strcmp(rev, "crl") == 0) {
            pol->revocation_crl = true;
        } else {
            if (errmsg != NULL) {
                snprintf(errmsg, errcap, "[%s] revocation must be 'off' or 'crl'", section);
            }
            return BRSKI_ERR_MALFORMED;
        }
    }
    if (pol->locked_depth != 0 && pol->max_depth != 0 && pol->locked_depth > pol->max_depth) {
        if (errmsg != NULL) {
            snprintf(errmsg, errcap, "[%s] locked_depth %u exceeds max_depth %u", section,
                     pol->locked_depth, pol->max_depth);
        }
        return BRSKI_ERR_MALFORMED;
    }
    return BRSKI_OK;
}

/* ---- anchor store ---- */

void brski_anchor_store_init(brski_anchor_store *s)
{
    memset(s, 0, sizeof(*s));
}

void brski_anchor_store_clear(brski_anchor_store *s)
{
    if (s == NULL) {
        return;
    }
    for (size_t i = 0; i < s->count; i++) {
        brski_cert_clear(&s->anchors[i].cert);
    }
    free(s->anchors);
    memset(s, 0, sizeof(*s));
}

brski_err brski_anchor_store_add(brski_anchor_store *s, brski_purpose purpose, const char *name,
                                 brski_slice der, const brski_anchor_policy *pol)
{
    if (s == NULL || name == NULL || pol == NULL || (unsigned)purpose >= BRSKI_PURPOSE__COUNT) {
        return BRSKI_ERR_ARG;
    }
    if (s->count >= BRSKI_ANCHOR_STORE_MAX) {
        return BRSKI_ERR_TOOBIG;
    }
    brski_anchor *grown = realloc(s->anchors, (s->count + 1) * sizeof(*s->anchors));
    if (grown == NULL) {
        return BRSKI_ERR_NOMEM;
    }
    s->anchors = grown;
    brski_anchor *a = &s->anchors[s->count];
    memset(a, 0, sizeof(*a));
    brski_err rv = brski_cert_parse(der, &a->cert);
    if (rv != BRSKI_OK) {
        brski_cert_clear(&a->cert);
        return rv;
    }
    a->purpose = purpose;
    snprintf(a->name, sizeof(a->name), "%s", name);
    a->policy = *pol;
    s->count++;
    return BRSKI_OK;
}

/* ---- extension scan (what brski_cert does not record) ---- */

typedef struct ext_info {
    bool duplicate;
    bool aki, aki_critical, aki_has_key_id, aki_has_issuer;
    bool ski_critical;
    bool san, san_critical;
    bool malformed;
} ext_info;

static const uint8_t oid_aki[] = {0x55, 0x1d, 0x23};
static const uint8_t oid_ski[] = {0x55, 0x1d, 0x0e};
static const uint8_t oid_san[] = {0x55, 0x1d, 0x11};
static const uint8_t oid_aia[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01};

/* RFC 5280 4.2.2.1: SEQUENCE SIZE (1..MAX) OF SEQUENCE { OID, GeneralName }. */
static bool aia_ok(brski_slice value)
{
    brski_slice in = value, seq, ad, oid, name;
    uint8_t tag;
    if (brski_der_expect(&in, BRSKI_DER_SEQUENCE, &seq, NULL) != BRSKI_OK || in.len != 0 ||
        seq.len == 0) {
        return false;
    }
    while (seq.len > 0) {
        if (brski_der_expect(&seq, BRSKI_DER_SEQUENCE, &ad, NULL) != BRSKI_OK ||
            brski_der_expect(&ad, BRSKI_DER_OID, &oid, NULL) != BRSKI_OK ||
            brski_der_read(&ad, &tag, &name, NULL) != BRSKI_OK || ad.len != 0 ||
            (tag & 0x80u) == 0) {
            return false;
        }
    }
    return true;
}

static bool oid_is(brski_slice oid, const uint8_t *want, size_t len)
{
    return oid.len == len && memcmp(oid.p, want, len) == 0;
}

static void scan_aki(brski_slice value, ext_info *x)
{
    brski_slice in = value, seq, item;
    uint8_t tag;
    if (brski_der_expect(&in, BRSKI_DER_SEQUENCE, &seq, NULL) != BRSKI_OK || in.len != 0) {
        x->malformed = true;
        return;
    }
    while (seq.len > 0) {
        if (brski_der_read(&seq, &tag, &item, NULL) != BRSKI_OK) {
            x->malformed = true;
            return;
        }
        if (tag == BRSKI_DER_CONTEXT(0)) {
            x->aki_has_key_id = true;
        } else {
            x->aki_has_issuer = true; /* [1] authorityCertIssuer, [2] serial, other */
        }
    }
}

static void scan_extensions(const brski_cert *c, ext_info *x)
{
    brski_slice in = c->tbs, tbs, item, exts;
    uint8_t tag;
    memset(x, 0, sizeof(*x));
    if (brski_der_expect(&in, BRSKI_DER_SEQUENCE, &tbs, NULL) != BRSKI_OK) {
        x->malformed = true;
        return;
    }
    bool found = false;
    while (tbs.len > 0) {
        if (brski_der_read(&tbs, &tag, &item, NULL) != BRSKI_OK) {
            x->malformed = true;
            return;
        }
        if (tag == BRSKI_DER_CONTEXT_CONS(3)) {
            found = true;
            break;
        }
    }
    if (!found) {
        return;
    }
    if (brski_der_expect(&item, BRSKI_DER_SEQUENCE, &exts, NULL) != BRSKI_OK) {
        x->malformed = true;
        return;
    }
    brski_slice seen[32];
    size_t nseen = 0;
    while (exts.len > 0) {
        brski_slice ext, oid, val, crit;
        bool critical = false;
        if (brski_der_expect(&exts, BRSKI_DER_SEQUENCE, &ext, NULL) != BRSKI_OK ||
            brski_der_expect(&ext, BRSKI_DER_OID, &oid, NULL) != BRSKI_OK) {
            x->malformed = true;
            return;
        }
        if (ext.len > 0 && ext.p[0] == BRSKI_DER_BOOLEAN) {
            if (brski_der_expect(&ext, BRSKI_DER_BOOLEAN, &crit, NULL) != BRSKI_OK ||
                brski_der_bool(crit, &critical) != BRSKI_OK) {
                x->malformed = true;
                return;
            }
        }
        if (brski_der_expect(&ext, BRSKI_DER_OCTET_STRING, &val, NULL) != BRSKI_OK ||
            ext.len != 0) {
            x->malformed = true;
            return;
        }
        for (size_t i = 0; i < nseen; i++) {
            if (brski_slice_eq(seen[i], oid)) {
                x->duplicate = true;
            }
        }
        if (nseen < sizeof(seen) / sizeof(seen[0])) {
            seen[nseen++] = oid;
        } else {
            x->malformed = true; /* more extensions than any sane certificate */
        }
        if (oid_is(oid, oid_aki, sizeof(oid_aki))) {
            x->aki = true;
            x->aki_critical = critical;
            scan_aki(val, x);
        } else if (oid_is(oid, oid_ski, sizeof(oid_ski))) {
            x->ski_critical = critical;
        } else if (oid_is(oid, oid_san, sizeof(oid_san))) {
            x->san = true;
            x->san_critical = critical;
        } else if (oid_is(oid, oid_aia, sizeof(oid_aia)) && !aia_ok(val)) {
            x->malformed = true;
        }
    }
}

/* ---- helpers ---- */

static bool name_empty(brski_slice name)
{
    /* An empty RDNSequence: SEQUENCE of length zero. */
    return name.len <= 2;
}

static bool self_issued(const brski_cert *c)
{
    return brski_slice_eq(c->issuer, c->subject);
}

static bool same_cert(const brski_cert *a, const brski_cert *b)
{
    return a == b || (a->der_len == b->der_len && memcmp(a->der, b->der, a->der_len) == 0);
}

/* Could |issuer| have issued |child|? Names by DER; key ids when both present. */
static bool may_issue(const brski_cert *child, const brski_cert *issuer)
{
    if (!brski_slice_eq(child->issuer, issuer->subject)) {
        return false;
    }
    if (child->aki_key_id.len > 0 && issuer->ski.len > 0 &&
        !brski_slice_eq(child->aki_key_id, issuer->ski)) {
        return false;
    }
    return true;
}

static bool has_oid(const char (*list)[48], size_t n, const char *oid)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i], oid) == 0) {
            return true;
        }
    }
    return false;
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool ldh_name(const char *s)
{
    size_t label = 0;
    if (*s == '\0') {
        return false;
    }
    for (; *s != '\0'; s++) {
        char c = lower(*s);
        if (c == '.') {
            if (label == 0) {
                return false;
            }
            label = 0;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
            return false;
        }
        if (++label > 63) {
            return false;
        }
    }
    return label > 0;
}

static bool eq_nocase(const char *a, const char *b)
{
    for (; *a != '\0' && *b != '\0'; a++, b++) {
        if (lower(*a) != lower(*b)) {
            return false;
        }
    }
    return *a == *b;
}

bool brski_dns_name_match(const char *pattern, const char *name)
{
    if (pattern == NULL || name == NULL || !ldh_name(name)) {
        return false;
    }
    /*
     * RFC 6125 6.4.3: only a wildcard that is the whole leftmost label, and
     * it matches exactly one label. The rest must be two labels at least.
     */
    if (pattern[0] == '*' && pattern[1] == '.') {
        const char *rest = pattern + 2;
        if (!ldh_name(rest) || strchr(rest, '.') == NULL) {
            return false;
        }
        const char *dot = strchr(name, '.');
        if (dot == NULL || dot == name) {
            return false;
        }
        return eq_nocase(dot + 1, rest);
    }
    if (!ldh_name(pattern)) {
        return false;
    }
    return eq_nocase(pattern, name);
}

/* ---- per-path checks ---- */

typedef struct check_result {
    brski_reason reason;
    char detail[256];
} check_result;

static void fail(check_result *r, brski_reason reason, size_t idx, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static void fail(check_result *r, brski_reason reason, size_t idx, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n < 0) {
        msg[0] = '\0';
    }
    r->reason = reason;
    snprintf(r->detail, sizeof(r->detail), "%s: certificate %zu: %s", brski_reason_name(reason),
             idx, msg);
}

static bool check_cert_common(const brski_cert *c, size_t idx, bool is_anchor, bool is_ee,
                              const brski_anchor_policy *pol, int64_t now, check_result *r)
{
    ext_info x;
    if (c->der_len > pol->max_cert_size) {
        fail(r, BRSKI_REASON_CERT_TOO_BIG, idx, "%zu bytes > %zu", c->der_len,
             pol->max_cert_size);
        return false;
    }
    if (c->version != 3) {
        fail(r, BRSKI_REASON_VERSION, idx, "X.509 v%d, v3 required", c->version);
        return false;
    }
    if (c->unknown_critical[0] != '\0') {
        /* RFC 5280 4.2: "A certificate-using system MUST reject the
         * certificate if it encounters a critical extension it does not
         * recognize". */
        fail(r, BRSKI_REASON_UNKNOWN_CRITICAL, idx, "RFC 5280 4.2: critical extension %s",
             c->unknown_critical);
        return false;
    }
    if (c->has_name_constraints) {
        fail(r, BRSKI_REASON_NAME_CONSTRAINTS, idx,
             "RFC 5280 4.2.1.10: nameConstraints are not supported, failing closed");
        return false;
    }
    scan_extensions(c, &x);
    if (x.malformed || x.duplicate) {
        fail(r, BRSKI_REASON_BAD_EXTENSIONS, idx,
             "RFC 5280 4.2: %s", x.duplicate ? "duplicate extension" : "malformed extensions");
        return false;
    }
    if (x.aki_critical || x.ski_critical) {
        fail(r, BRSKI_REASON_BAD_EXTENSIONS, idx,
             "RFC 5280 4.2.1.1/4.2.1.2: key identifier extension marked critical");
        return false;
    }
    if (x.aki && !x.aki_has_key_id) {
        fail(r, BRSKI_REASON_KEY_ID_MISMATCH, idx,
             "RFC 5280 4.2.1.1: authorityKeyIdentifier without keyIdentifier");
        return false;
    }
    if (is_anchor && x.aki_has_issuer) {
        fail(r, BRSKI_REASON_KEY_ID_MISMATCH, idx,
             "anchor authorityKeyIdentifier names an issuer/serial");
        return false;
    }
    if (is_anchor && self_issued(c) && c->aki_key_id.len > 0 && c->ski.len > 0 &&
        !brski_slice_eq(c->aki_key_id, c->ski)) {
        fail(r, BRSKI_REASON_KEY_ID_MISMATCH, idx, "self-signed anchor with AKI != SKI");
        return false;
    }
    if (name_empty(c->issuer)) {
        fail(r, BRSKI_REASON_BAD_NAME, idx, "RFC 5280 4.1.2.4: empty issuer");
        return false;
    }
    if (name_empty(c->subject)) {
        /* RFC 5280 4.1.2.6: a CA's subject MUST be non-empty; an EE with an
         * empty subject MUST carry a critical subjectAltName (4.2.1.6). */
        if (!is_ee || !x.san || !x.san_critical) {
            fail(r, x.san && is_ee ? BRSKI_REASON_BAD_EXTENSIONS : BRSKI_REASON_BAD_NAME, idx,
                 "RFC 5280 4.1.2.6: empty subject");
            return false;
        }
    } else if (x.san_critical) {
        fail(r, BRSKI_REASON_BAD_EXTENSIONS, idx,
             "RFC 5280 4.2.1.6: subjectAltName critical with a non-empty subject");
        return false;
    }
    if (pol->check_validity) {
        if (now < c->not_before) {
            fail(r, BRSKI_REASON_NOT_YET_VALID, idx, "RFC 5280 6.1.3: notBefore is in the future");
            return false;
        }
        if (now > c->not_after) {
            fail(r, BRSKI_REASON_EXPIRED, idx, "RFC 5280 6.1.3: notAfter has passed");
            return false;
        }
    }
    /* The anchor is exempt: its lifetime was the operator's choice when
     * loading it, and 802.1AR manufacturer roots commonly never expire. */
    if (!is_anchor && c->not_after == BRSKI_POLICY_FOREVER && !pol->allow_no_expiry) {
        fail(r, BRSKI_REASON_NO_EXPIRY, idx,
             "RFC 5280 4.1.2.5: notAfter 99991231235959Z not allowed by policy");
        return false;
    }
    if (!c->sig_alg_match) {
        fail(r, BRSKI_REASON_SIG_ALG, idx,
             "RFC 5280 4.1.1.2: signatureAlgorithm differs from TBS signature");
        return false;
    }
    /*
     * The anchor's own signature carries no trust (RFC 5280 6.1.1(d) uses
     * only its name and key), so any algorithm we can name will do there.
     */
    if ((unsigned)c->sig_alg >= 32 || c->sig_alg == BRSKI_SIG_UNKNOWN ||
        (!is_anchor && (pol->sig_algs & (1u << c->sig_alg)) == 0)) {
        fail(r, BRSKI_REASON_SIG_ALG, idx, "signature algorithm %d not allowed",
             (int)c->sig_alg);
        return false;
    }
    if ((unsigned)c->key_type >= 32 || (pol->key_types & (1u << c->key_type)) == 0) {
        fail(r, BRSKI_REASON_KEY_TYPE, idx, "key type %d not allowed", (int)c->key_type);
        return false;
    }
    if ((c->key_type == BRSKI_KEY_RSA && c->key_bits < pol->min_rsa_bits) ||
        (c->key_type == BRSKI_KEY_EC && c->key_bits < pol->min_ec_bits)) {
        fail(r, BRSKI_REASON_KEY_SIZE, idx, "%u-bit key below the minimum", c->key_bits);
        return false;
    }
    bool ca = c->has_basic_constraints && c->is_ca;
    if ((c->has_key_usage && (c->key_usage & BRSKI_KU_KEY_CERT_SIGN) != 0 && !ca) ||
        (c->path_len >= 0 && !ca)) {
        /* RFC 5280 4.2.1.3: "If the keyCertSign bit is asserted, then the cA
         * bit in the basic constraints extension MUST also be asserted." */
        fail(r, BRSKI_REASON_BAD_EXTENSIONS, idx,
             "RFC 5280 4.2.1.3/4.2.1.9: keyCertSign or pathLen without cA");
        return false;
    }
    if (pol->require_key_ids) {
        if (!self_issued(c) && c->aki_key_id.len == 0) {
            fail(r, BRSKI_REASON_KEY_ID_MISMATCH, idx,
                 "RFC 5280 4.2.1.1: authorityKeyIdentifier missing");
            return false;
        }
        if (ca && c->ski.len == 0) {
            fail(r, BRSKI_REASON_KEY_ID_MISMATCH, idx,
                 "RFC 5280 4.2.1.2: CA without subjectKeyIdentifier");
            return false;
        }
    }
    return true;
}

static bool check_issuer(const brski_cert *const *path, size_t i, check_result *r)
{
    const brski_cert *c = path[i];
    if (!c->has_basic_constraints || !c->is_ca) {
        /* RFC 5280 6.1.4 (k): verify that the certificate is a CA certificate. */
        fail(r, BRSKI_REASON_NOT_CA, i, "RFC 5280 6.1.4(k): issuer is not a CA");
        return false;
    }
    if (!c->basic_constraints_critical) {
        fail(r, BRSKI_REASON_BAD_EXTENSIONS, i,
             "RFC 5280 4.2.1.9: basicConstraints of a CA must be critical");
        return false;
    }
    if (c->has_key_usage && (c->key_usage & BRSKI_KU_KEY_CERT_SIGN) == 0) {
        fail(r, BRSKI_REASON_NO_KEYCERTSIGN, i, "RFC 5280 6.1.4(n): keyCertSign not set");
        return false;
    }
    if (c->path_len >= 0) {
        /* RFC 5280 4.2.1.9: the maximum number of non-self-issued
         * intermediate certificates that may follow this one. */
        int below = 0;
        for (size_t j = 1; j < i; j++) {
            if (!self_issued(path[j])) {
                below++;
            }
        }
        if (below > c->path_len) {
            fail(r, BRSKI_REASON_PATHLEN, i,
                 "RFC 5280 4.2.1.9: pathLenConstraint %d, %d intermediates follow", c->path_len,
                 below);
            return false;
        }
    }
    return true;
}

static bool check_serial_number(const brski_cert *c, check_result *r)
{
    char sn[128];
    uint8_t tag = 0;
    brski_err rv = brski_name_get(c->subject, BRSKI_OID_AT_SERIAL_NUMBER, sn, sizeof(sn), &tag);
    /* 802.1AR 8.6 / RFC 8995 2.3.1: the IDevID subject carries the serial
     * number; X520SerialNumber is a PrintableString of at most 64. */
    if (rv != BRSKI_OK) {
        fail(r, BRSKI_REASON_EE_SERIAL_NUMBER, 0, "RFC 8995 2.3.1: subject serialNumber %s",
             rv == BRSKI_ERR_NOTFOUND ? "missing" : "unreadable");
        return false;
    }
    if (sn[0] == '\0' || strlen(sn) > 64 || tag != BRSKI_DER_PRINTABLE_STRING) {
        fail(r, BRSKI_REASON_EE_SERIAL_NUMBER, 0,
             "RFC 8995 2.3.1: serialNumber must be a PrintableString of 1..64");
        return false;
    }
    return true;
}

static bool masa_url_ok(const char *u)
{
    size_t n = strlen(u);
    if (n == 0) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)u[i];
        if (ch <= 0x20 || ch >= 0x7f || ch == '"' || ch == '<' || ch == '>' || ch == '\\') {
            return false;
        }
    }
    return true;
}

static bool check_ee(const brski_cert *c, size_t depth, const brski_anchor_policy *pol,
                     const char *peer_name, check_result *r)
{
    if (depth > 1 && c->has_basic_constraints && c->is_ca && !pol->ee_may_be_ca) {
        fail(r, BRSKI_REASON_EE_IS_CA, 0, "end entity has cA true");
        return false;
    }
    if (pol->ee_key_usage != 0 &&
        (!c->has_key_usage || (c->key_usage & pol->ee_key_usage) != pol->ee_key_usage)) {
        fail(r, BRSKI_REASON_EE_KEY_USAGE, 0, "RFC 5280 4.2.1.3: keyUsage lacks 0x%x",
             (unsigned)pol->ee_key_usage);
        return false;
    }
    if (c->has_eku) {
        for (size_t i = 0; i < pol->ee_eku_count; i++) {
            if (!has_oid((const char(*)[48])c->eku, c->eku_count, pol->ee_eku[i])) {
                fail(r, BRSKI_REASON_EE_EKU, 0, "RFC 5280 4.2.1.12: EKU %s missing",
                     pol->ee_eku[i]);
                return false;
            }
        }
    } else if (pol->ee_eku_count > 0 && !pol->ee_eku_absent_ok) {
        fail(r, BRSKI_REASON_EE_EKU, 0, "RFC 5280 4.2.1.12: EKU %s required, none present",
             pol->ee_eku[0]);
        return false;
    }
    for (size_t i = 0; i < pol->ee_policy_count; i++) {
        if (!has_oid((const char(*)[48])c->policies, c->policy_count, pol->ee_policies[i])) {
            fail(r, BRSKI_REASON_EE_POLICY, 0, "RFC 5280 4.2.1.4: policy %s missing",
                 pol->ee_policies[i]);
            return false;
        }
    }
    if (pol->require_serial_number && !check_serial_number(c, r)) {
        return false;
    }
    if (pol->subject_regex[0] != '\0') {
        char subj[1024];
        regex_t rx;
        if (brski_name_to_str(c->subject, subj, sizeof(subj)) != BRSKI_OK) {
            fail(r, BRSKI_REASON_EE_SUBJECT, 0, "subject cannot be rendered");
            return false;
        }
        if (regcomp(&rx, pol->subject_regex, REG_EXTENDED | REG_NOSUB) != 0) {
            fail(r, BRSKI_REASON_EE_SUBJECT, 0, "subject pattern does not compile");
            return false;
        }
        int m = regexec(&rx, subj, 0, NULL, 0);
        regfree(&rx);
        if (m != 0) {
            fail(r, BRSKI_REASON_EE_SUBJECT, 0, "subject does not match the policy pattern");
            return false;
        }
    }
    if (c->has_masa_url && c->masa_url_critical) {
        /* RFC 8995 2.3.2: the MASA URL extension is non-critical. */
        fail(r, BRSKI_REASON_EE_MASA_URL, 0, "RFC 8995 2.3.2: MASA URL extension is critical");
        return false;
    }
    if (c->has_masa_url && !masa_url_ok(c->masa_url)) {
        fail(r, BRSKI_REASON_EE_MASA_URL, 0, "RFC 8995 2.3.2: MASA URL is not a URI");
        return false;
    }
    if (pol->require_masa_url && !c->has_masa_url) {
        fail(r, BRSKI_REASON_EE_MASA_URL, 0, "RFC 8995 2.3.2: MASA URL extension missing");
        return false;
    }
    if (peer_name != NULL) {
        bool ok = false;
        uint8_t ip[16];
        size_t ip_len = 0;
        if (inet_pton(AF_INET, peer_name, ip) == 1) {
            ip_len = 4;
        } else if (inet_pton(AF_INET6, peer_name, ip) == 1) {
            ip_len = 16;
        }
        if (ip_len > 0) {
            /* RFC 5280 4.2.1.6: iPAddress in network byte order, exact match. */
            for (size_t i = 0; i < c->san_ip_count && !ok; i++) {
                ok = c->san_ip_len[i] == ip_len && memcmp(c->san_ip[i], ip, ip_len) == 0;
            }
        } else {
            for (size_t i = 0; i < c->san_dns_count && !ok; i++) {
                ok = brski_dns_name_match(c->san_dns[i], peer_name);
            }
        }
        if (!ok) {
            /* RFC 6125 6.4.4: no CN fallback when a SAN is expected. */
            fail(r, BRSKI_REASON_PEER_NAME, 0, "RFC 6125 6.4: no subjectAltName matches %s%s",
                 peer_name, c->san_truncated ? " (SAN list truncated by the parser)" : "");
            return false;
        }
    } else if (pol->require_peer_name) {
        fail(r, BRSKI_REASON_PEER_NAME, 0, "no peer name to check");
        return false;
    }
    return true;
}


/* ---- CRLs (RFC 5280 5, 6.3) ---- */

typedef struct crl_sig_oid {
    const char *oid;
    brski_sig_alg alg;
} crl_sig_oid;

static const crl_sig_oid crl_sig_oids[] = {
    {"1.2.840.10045.4.3.2", BRSKI_SIG_ECDSA_SHA256}, {"1.2.840.10045.4.3.3", BRSKI_SIG_ECDSA_SHA384},
    {"1.2.840.10045.4.3.4", BRSKI_SIG_ECDSA_SHA512}, {"1.3.101.112", BRSKI_SIG_ED25519},
    {"1.2.840.113549.1.1.11", BRSKI_SIG_RSA_SHA256}, {"1.2.840.113549.1.1.12", BRSKI_SIG_RSA_SHA384},
    {"1.2.840.113549.1.1.13", BRSKI_SIG_RSA_SHA512},
};

static brski_sig_alg crl_alg(brski_slice alg_id)
{
    brski_slice in = alg_id, seq, oid;
    if (brski_der_expect(&in, BRSKI_DER_SEQUENCE, &seq, NULL) != BRSKI_OK ||
        brski_der_expect(&seq, BRSKI_DER_OID, &oid, NULL) != BRSKI_OK) {
        return BRSKI_SIG_UNKNOWN;
    }
    for (size_t i = 0; i < sizeof(crl_sig_oids) / sizeof(crl_sig_oids[0]); i++) {
        if (brski_der_oid_eq(oid, crl_sig_oids[i].oid)) {
            return crl_sig_oids[i].alg;
        }
    }
    return BRSKI_SIG_UNKNOWN;
}

static bool read_time(brski_slice *in, int64_t *out)
{
    uint8_t tag;
    brski_slice content;
    if (brski_der_read(in, &tag, &content, NULL) != BRSKI_OK ||
        (tag != BRSKI_DER_UTC_TIME && tag != BRSKI_DER_GENERALIZED_TIME)) {
        return false;
    }
    return brski_der_time(tag, content, out) == BRSKI_OK;
}

/* True when any extension in the Extensions SEQUENCE |exts| is critical. */
static bool any_critical(brski_slice exts_whole)
{
    brski_slice in = exts_whole, seq, ext, oid, crit;
    if (brski_der_expect(&in, BRSKI_DER_SEQUENCE, &seq, NULL) != BRSKI_OK) {
        return true;
    }
    while (seq.len > 0) {
        bool critical = false;
        if (brski_der_expect(&seq, BRSKI_DER_SEQUENCE, &ext, NULL) != BRSKI_OK ||
            brski_der_expect(&ext, BRSKI_DER_OID, &oid, NULL) != BRSKI_OK) {
            return true;
        }
        if (brski_der_peek(ext, BRSKI_DER_BOOLEAN) &&
            (brski_der_expect(&ext, BRSKI_DER_BOOLEAN, &crit, NULL) != BRSKI_OK ||
             brski_der_bool(crit, &critical) != BRSKI_OK)) {
            return true;
        }
        if (critical) {
            return true;
        }
    }
    return false;
}

typedef enum crl_result { CRL_UNUSABLE = 0, CRL_GOOD, CRL_REVOKED } crl_result;

/*
 * Checks |c| against one DER CRL that |issuer| must have signed. Anything we
 * do not understand (critical CRL or entry extensions such as
 * issuingDistributionPoint, delta CRLs, indirect CRLs) makes it unusable.
 */
static crl_result crl_check_one(brski_slice der, const brski_cert *c, const brski_cert *issuer,
                                int64_t now)
{
    brski_slice in = der, outer, tbs_whole, tbs, alg_outer, alg_inner, sigbits, name, bits;
    brski_slice skip;
    uint8_t tag;
    unsigned unused = 0;
    int64_t this_update = 0, next_update = 0;

    if (brski_der_expect(&in, BRSKI_DER_SEQUENCE, &outer, NULL) != BRSKI_OK || in.len != 0 ||
        brski_der_expect(&outer, BRSKI_DER_SEQUENCE, &tbs, &tbs_whole) != BRSKI_OK ||
        brski_der_expect(&outer, BRSKI_DER_SEQUENCE, &skip, &alg_outer) != BRSKI_OK ||
        brski_der_expect(&outer, BRSKI_DER_BIT_STRING, &sigbits, NULL) != BRSKI_OK ||
        outer.len != 0 || brski_der_bitstring(sigbits, false, &bits, &unused) != BRSKI_OK) {
        return CRL_UNUSABLE;
    }
    if (brski_der_peek(tbs, BRSKI_DER_INTEGER)) {
        brski_slice ver;
        if (brski_der_expect(&tbs, BRSKI_DER_INTEGER, &ver, NULL) != BRSKI_OK) {
            return CRL_UNUSABLE;
        }
    }
    if (brski_der_expect(&tbs, BRSKI_DER_SEQUENCE, &skip, &alg_inner) != BRSKI_OK ||
        !brski_slice_eq(alg_inner, alg_outer) ||
        brski_der_expect(&tbs, BRSKI_DER_SEQUENCE, &skip, &name) != BRSKI_OK ||
        !brski_slice_eq(name, c->issuer) || !read_time(&tbs, &this_update)) {
        return CRL_UNUSABLE;
    }
    bool has_next = tbs.len > 0 && (tbs.p[0] == BRSKI_DER_UTC_TIME ||
                                    tbs.p[0] == BRSKI_DER_GENERALIZED_TIME);
    if (has_next && !read_time(&tbs, &next_update)) {
        return CRL_UNUSABLE;
    }
    /* RFC 5280 6.3.3: the CRL must be current. */
    if (this_update > now || !has_next || next_update < now) {
        return CRL_UNUSABLE;
    }
    /* RFC 5280 6.3.3(f): the CRL issuer's key must be allowed to sign CRLs. */
    if (issuer->has_key_usage && (issuer->key_usage & BRSKI_KU_CRL_SIGN) == 0) {
        return CRL_UNUSABLE;
    }
    brski_sig_alg alg = crl_alg(alg_outer);
    if (alg == BRSKI_SIG_UNKNOWN ||
        brski_pubkey_verify(issuer->spki, alg, BRSKI_SIG_FMT_DER, tbs_whole, bits) != BRSKI_OK) {
        return CRL_UNUSABLE;
    }
    bool revoked = false;
    if (brski_der_peek(tbs, BRSKI_DER_SEQUENCE)) {
        brski_slice list;
        if (brski_der_expect(&tbs, BRSKI_DER_SEQUENCE, &list, NULL) != BRSKI_OK) {
            return CRL_UNUSABLE;
        }
        while (list.len > 0) {
            brski_slice entry, serial, ext_whole, skip2;
            int64_t when = 0;
            if (brski_der_expect(&list, BRSKI_DER_SEQUENCE, &entry, NULL) != BRSKI_OK ||
                brski_der_expect(&entry, BRSKI_DER_INTEGER, &serial, NULL) != BRSKI_OK ||
                !read_time(&entry, &when)) {
                return CRL_UNUSABLE;
            }
            if (entry.len > 0) {
                if (brski_der_expect(&entry, BRSKI_DER_SEQUENCE, &skip2, &ext_whole) != BRSKI_OK ||
                    entry.len != 0 || any_critical(ext_whole)) {
                    return CRL_UNUSABLE;
                }
            }
            if (brski_slice_eq(serial, c->serial)) {
                revoked = true;
            }
        }
    }
    if (tbs.len > 0) {
        brski_slice exts;
        if (brski_der_read(&tbs, &tag, &exts, NULL) != BRSKI_OK ||
            tag != BRSKI_DER_CONTEXT_CONS(0) || tbs.len != 0 || any_critical(exts)) {
            return CRL_UNUSABLE;
        }
    }
    return revoked ? CRL_REVOKED : CRL_GOOD;
}

brski_err brski_crl_check(brski_slice crl, const brski_cert *cert, const brski_cert *issuer,
                          int64_t now)
{
    if (cert == NULL || issuer == NULL || crl.p == NULL) {
        return BRSKI_ERR_ARG;
    }
    switch (crl_check_one(crl, cert, issuer, now)) {
    case CRL_GOOD:
        return BRSKI_OK;
    case CRL_REVOKED:
        return BRSKI_ERR_POLICY;
    default:
        return BRSKI_ERR_MALFORMED;
    }
}

static bool check_revocation(const brski_cert *const *path, size_t len,
                             const brski_policy_input *in, check_result *r)
{
    for (size_t i = 0; i + 1 < len; i++) {
        crl_result best = CRL_UNUSABLE;
        /* RFC 5280 6.3.3(f): the CRL may be signed by any key of the issuing
         * CA on the path (key rollover via self-issued certificates). */
        for (size_t j = i + 1; j < len && best != CRL_REVOKED; j++) {
            if (!brski_slice_eq(path[j]->subject, path[i]->issuer)) {
                continue;
            }
            for (size_t k = 0; k < in->crl_count && best != CRL_REVOKED; k++) {
                crl_result cr = crl_check_one(in->crls[k], path[i], path[j], in->now);
                if (cr != CRL_UNUSABLE) {
                    best = cr;
                }
            }
        }
        if (best == CRL_REVOKED) {
            fail(r, BRSKI_REASON_REVOKED, i, "RFC 5280 6.3.3(i): serial listed on the CRL");
            return false;
        }
        if (best != CRL_GOOD) {
            fail(r, BRSKI_REASON_REVOCATION_UNKNOWN, i,
                 "RFC 5280 6.3.3: no current CRL signed by the issuer");
            return false;
        }
    }
    return true;
}

static bool check_path(const brski_cert *const *path, size_t len, const brski_anchor_policy *pol,
                       const brski_policy_input *in, check_result *r)
{
    unsigned max_chain = pol->max_chain == 0 || pol->max_chain > BRSKI_POLICY_MAX_CHAIN
                             ? BRSKI_POLICY_MAX_CHAIN
                             : pol->max_chain;
    if (len > max_chain) {
        fail(r, BRSKI_REASON_CHAIN_TOO_LONG, 0, "path of %zu > %u certificates", len, max_chain);
        return false;
    }
    if (pol->max_depth != 0 && len > pol->max_depth) {
        fail(r, BRSKI_REASON_DEPTH_EXCEEDED, 0, "depth %zu > max_depth %u", len, pol->max_depth);
        return false;
    }
    if (pol->locked_depth != 0 && len != pol->locked_depth) {
        fail(r, BRSKI_REASON_DEPTH_NOT_LOCKED, 0, "depth %zu != locked_depth %u", len,
             pol->locked_depth);
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!check_cert_common(path[i], i, i == len - 1, i == 0, pol, in->now, r)) {
            return false;
        }
    }
    for (size_t i = 1; i < len; i++) {
        if (!check_issuer(path, i, r)) {
            return false;
        }
    }
    if (!check_ee(path[0], len, pol, in->peer_name, r)) {
        return false;
    }
    return !pol->revocation_crl || check_revocation(path, len, in, r);
}

/* ---- path search ---- */

#define POOL_MAX (BRSKI_POLICY_MAX_PRESENTED * 2u)

typedef struct search {
    const brski_anchor_store *store;
    const brski_policy_input *in;
    const brski_cert *pool[POOL_MAX];
    size_t pool_n;
    const brski_cert *path[BRSKI_POLICY_MAX_CHAIN];
    size_t len;
    size_t tried;
    bool found;
    bool capped;
    int best_rank; /* -1 none, 1 chain too long, 2 bad signature, 3 full path check */
    check_result best;
    const brski_anchor *best_anchor;
    const brski_cert *best_path[BRSKI_POLICY_MAX_CHAIN];
    size_t best_len;
} search;

static void note(search *st, int rank, const check_result *r, const brski_anchor *a,
                 const brski_cert *last)
{
    if (rank <= st->best_rank) {
        return;
    }
    st->best_rank = rank;
    st->best = *r;
    st->best_anchor = a;
    memcpy(st->best_path, st->path, st->len * sizeof(st->path[0]));
    st->best_len = st->len;
    if (last != NULL && st->best_len < BRSKI_POLICY_MAX_CHAIN) {
        st->best_path[st->best_len++] = last;
    }
}

static const brski_anchor_policy *policy_of(const search *st, const brski_anchor *a)
{
    return st->in->override != NULL ? st->in->override : &a->policy;
}

static bool count_candidate(search *st)
{
    if (st->tried >= BRSKI_POLICY_MAX_CANDIDATES) {
        st->capped = true;
        return false;
    }
    st->tried++;
    return true;
}

static void dfs(search *st)
{
    const brski_cert *cur = st->path[st->len - 1];
    check_result r;

    /* Anchors first: the shortest path to a trusted key wins. */
    for (size_t i = 0; i < st->store->count && !st->found; i++) {
        const brski_anchor *a = &st->store->anchors[i];
        if (a->purpose != st->in->purpose || !may_issue(cur, &a->cert)) {
            continue;
        }
        if (same_cert(cur, &a->cert)) {
            continue; /* a presented copy of the anchor is not its own issuer */
        }
        if (!count_candidate(st)) {
            return;
        }
        if (st->len + 1 > BRSKI_POLICY_MAX_CHAIN) {
            fail(&r, BRSKI_REASON_CHAIN_TOO_LONG, st->len, "path longer than %u",
                 BRSKI_POLICY_MAX_CHAIN);
            note(st, 1, &r, a, NULL);
            continue;
        }
        if (brski_cert_verify_signed_by(cur, &a->cert) != BRSKI_OK) {
            fail(&r, BRSKI_REASON_BAD_SIGNATURE, st->len - 1,
                 "RFC 5280 6.1.3(a)(1): signature by the anchor does not verify");
            note(st, 2, &r, a, NULL);
            continue;
        }
        st->path[st->len++] = &a->cert;
        if (check_path(st->path, st->len, policy_of(st, a), st->in, &r)) {
            st->found = true;
            st->best_anchor = a;
            return;
        }
        st->len--;
        note(st, 3, &r, a, &a->cert);
    }
    /* Then intermediates, never one already on the path (cycles). */
    for (size_t i = 0; i < st->pool_n && !st->found; i++) {
        const brski_cert *p = st->pool[i];
        if (!may_issue(cur, p)) {
            continue;
        }
        bool on_path = false;
        for (size_t j = 0; j < st->len; j++) {
            if (same_cert(st->path[j], p) ||
                (brski_slice_eq(st->path[j]->subject, p->subject) &&
                 brski_slice_eq(st->path[j]->spki, p->spki))) {
                on_path = true;
                break;
            }
        }
        if (on_path) {
            continue;
        }
        if (!count_candidate(st)) {
            return;
        }
        /* Room for this intermediate and an anchor above it. */
        if (st->len + 2 > BRSKI_POLICY_MAX_CHAIN) {
            fail(&r, BRSKI_REASON_CHAIN_TOO_LONG, st->len, "path longer than %u",
                 BRSKI_POLICY_MAX_CHAIN);
            note(st, 1, &r, NULL, NULL);
            continue;
        }
        if (brski_cert_verify_signed_by(cur, p) != BRSKI_OK) {
            fail(&r, BRSKI_REASON_BAD_SIGNATURE, st->len - 1,
                 "RFC 5280 6.1.3(a)(1): signature by the issuer does not verify");
            note(st, 2, &r, NULL, NULL);
            continue;
        }
        st->path[st->len++] = p;
        dfs(st);
        if (st->found) {
            return;
        }
        st->len--;
    }
}

static void set_out(brski_policy_decision *out, const check_result *r)
{
    out->reason = r->reason;
    snprintf(out->detail, sizeof(out->detail), "%s", r->detail);
}

brski_err brski_policy_validate(const brski_anchor_store *s, const brski_policy_input *in,
                                brski_policy_decision *out)
{
    search *st = NULL;
    check_result r;
    brski_err rv;

    if (out == NULL) {
        return BRSKI_ERR_ARG;
    }
    memset(out, 0, sizeof(*out));
    if (s == NULL || in == NULL || in->chain == NULL || in->chain_count == 0 ||
        (in->untrusted == NULL && in->untrusted_count > 0)) {
        fail(&r, BRSKI_REASON_BAD_INPUT, 0, "no end-entity certificate");
        set_out(out, &r);
        return BRSKI_ERR_ARG;
    }
    if (in->chain_count > BRSKI_POLICY_MAX_PRESENTED) {
        fail(&r, BRSKI_REASON_CHAIN_TOO_LONG, 0, "%zu presented certificates > %u",
             in->chain_count, BRSKI_POLICY_MAX_PRESENTED);
        set_out(out, &r);
        brski_log(BRSKI_LOG_WARN, "policy: %s", out->detail);
        return BRSKI_ERR_POLICY;
    }
    if (in->untrusted_count > BRSKI_POLICY_MAX_PRESENTED) {
        fail(&r, BRSKI_REASON_BAD_INPUT, 0, "%zu untrusted certificates > %u",
             in->untrusted_count, BRSKI_POLICY_MAX_PRESENTED);
        set_out(out, &r);
        return BRSKI_ERR_POLICY;
    }
    size_t nanchors = 0;
    for (size_t i = 0; i < s->count; i++) {
        nanchors += s->anchors[i].purpose == in->purpose ? 1u : 0u;
    }
    if (nanchors == 0) {
        fail(&r, BRSKI_REASON_NO_ANCHOR, 0, "no anchor loaded for purpose %s",
             brski_purpose_name(in->purpose));
        set_out(out, &r);
        brski_log(BRSKI_LOG_WARN, "policy: %s", out->detail);
        return BRSKI_ERR_POLICY;
    }
    st = calloc(1, sizeof(*st));
    if (st == NULL) {
        return BRSKI_ERR_NOMEM;
    }
    st->store = s;
    st->in = in;
    st->best_rank = -1;
    for (size_t i = 1; i < in->chain_count; i++) {
        st->pool[st->pool_n++] = &in->chain[i];
    }
    for (size_t i = 0; i < in->untrusted_count; i++) {
        st->pool[st->pool_n++] = &in->untrusted[i];
    }

    /* 1-level PKI: the end entity is itself the anchor. */
    for (size_t i = 0; i < s->count && !st->found; i++) {
        const brski_anchor *a = &s->anchors[i];
        if (a->purpose == in->purpose && same_cert(&in->chain[0], &a->cert)) {
            st->path[0] = &a->cert;
            st->len = 1;
            if (check_path(st->path, 1, policy_of(st, a), in, &r)) {
                st->found = true;
                st->best_anchor = a;
            } else {
                note(st, 3, &r, a, NULL);
            }
        }
    }
    if (!st->found) {
        st->path[0] = &in->chain[0];
        st->len = 1;
        dfs(st);
    }

    out->candidates_tried = st->tried;
    if (st->found) {
        out->reason = BRSKI_REASON_OK;
        snprintf(out->detail, sizeof(out->detail), "ok");
        out->anchor = st->best_anchor;
        memcpy(out->path, st->path, st->len * sizeof(st->path[0]));
        out->path_len = st->len;
        rv = BRSKI_OK;
        goto done;
    }
    if (st->best_rank < 0) {
        if (st->capped) {
            fail(&r, BRSKI_REASON_CANDIDATE_LIMIT, 0, "stopped after %u issuer candidates",
                 BRSKI_POLICY_MAX_CANDIDATES);
        } else {
            fail(&r, BRSKI_REASON_NO_PATH, 0,
                 "RFC 5280 6.1: no path to an anchor for purpose %s",
                 brski_purpose_name(in->purpose));
        }
        set_out(out, &r);
        out->path[0] = &in->chain[0];
        out->path_len = 1;
    } else {
        set_out(out, &st->best);
        out->anchor = st->best_anchor;
        memcpy(out->path, st->best_path, st->best_len * sizeof(st->best_path[0]));
        out->path_len = st->best_len;
    }
    rv = out->reason == BRSKI_REASON_BAD_SIGNATURE ? BRSKI_ERR_CRYPTO : BRSKI_ERR_POLICY;
    brski_log(BRSKI_LOG_WARN, "policy: %s", out->detail);
done:
    free(st);
    return rv;
}
