/*
 * voucher_cbor.c - YANG-CBOR voucher / voucher-request codec (rfc8366bis
 * §8.5, §9.3; RFC 9254 delta SIDs). Decoding: bounded pre-scan, libcbor,
 * then a strict walk of the one container. Encoding: our deterministic
 * writer (cbor_scan.h), keys in ascending SID order.
 */
#include "brski/voucher_cbor.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>

#include "brski/cbor_scan.h"
#include "brski/codec.h"
#include "brski/env.h"
#include "brski/log.h"

#define VC_MAX_TEXT 1024u
#define VC_TAG_SID 47u   /* RFC 9254 §4.2.1 absolute SID */
#define VC_TAG_EPOCH 1u  /* RFC 8949 §3.4.2, lenient only */

typedef enum vc_type {
    VC_ENUM = 0,
    VC_DATE,
    VC_BOOL,
    VC_TEXT,
    VC_BINARY,
    VC_LIST,
} vc_type;

typedef struct vc_leaf_info {
    brski_leaf leaf;
    const char *name;
    unsigned delta_voucher; /* 0: not in ietf-voucher */
    unsigned delta_request; /* 0: not in ietf-voucher-request */
    vc_type type;
    size_t off; /* offset of the field in brski_voucher (not used for enum/bool) */
} vc_leaf_info;

/* rfc8366bis §8.5 (SIDs 2451..2466) and §9.3 (SIDs 2501..2523), as deltas. */
static const vc_leaf_info vc_leaves[] = {
    {BRSKI_LEAF_ASSERTION, "assertion", 1, 1, VC_ENUM,
     offsetof(brski_voucher, assertion)},
    {BRSKI_LEAF_CREATED_ON, "created-on", 2, 2, VC_DATE,
     offsetof(brski_voucher, created_on)},
    {BRSKI_LEAF_DOMAIN_CERT_REVOCATION_CHECKS, "domain-cert-revocation-checks", 3, 3, VC_BOOL,
     offsetof(brski_voucher, domain_cert_revocation_checks)},
    {BRSKI_LEAF_EXPIRES_ON, "expires-on", 4, 4, VC_DATE,
     offsetof(brski_voucher, expires_on)},
    {BRSKI_LEAF_IDEVID_ISSUER, "idevid-issuer", 5, 5, VC_BINARY,
     offsetof(brski_voucher, idevid_issuer)},
    {BRSKI_LEAF_LAST_RENEWAL_DATE, "last-renewal-date", 6, 6, VC_DATE,
     offsetof(brski_voucher, last_renewal_date)},
    {BRSKI_LEAF_NONCE, "nonce", 7, 7, VC_BINARY,
     offsetof(brski_voucher, nonce)},
    {BRSKI_LEAF_PINNED_DOMAIN_CERT, "pinned-domain-cert", 8, 8, VC_BINARY,
     offsetof(brski_voucher, pinned_domain_cert)},
    {BRSKI_LEAF_PINNED_DOMAIN_PUBK, "pinned-domain-pubk", 9, 17, VC_BINARY,
     offsetof(brski_voucher, pinned_domain_pubk)},
    {BRSKI_LEAF_PINNED_DOMAIN_PUBK_SHA256, "pinned-domain-pubk-sha256", 10, 18, VC_BINARY,
     offsetof(brski_voucher, pinned_domain_pubk_sha256)},
    {BRSKI_LEAF_SERIAL_NUMBER, "serial-number", 11, 13, VC_TEXT,
     offsetof(brski_voucher, serial_number)},
    {BRSKI_LEAF_ADDITIONAL_CONFIGURATION_URL, "additional-configuration-url", 12, 19, VC_TEXT,
     offsetof(brski_voucher, additional_configuration_url)},
    {BRSKI_LEAF_EST_DOMAIN, "est-domain", 13, 20, VC_TEXT,
     offsetof(brski_voucher, est_domain)},
    {BRSKI_LEAF_MANUFACTURER_PROPRIETARY, "manufacturer-proprietary", 14, 22, VC_BINARY,
     offsetof(brski_voucher, manufacturer_proprietary)},
    {BRSKI_LEAF_EXTENSIONS, "extensions", 15, 21, VC_LIST,
     offsetof(brski_voucher, extensions)},
    {BRSKI_LEAF_PRIOR_SIGNED_VOUCHER_REQUEST, "prior-signed-voucher-request", 0, 9, VC_BINARY,
     offsetof(brski_voucher, prior_signed_voucher_request)},
    {BRSKI_LEAF_PROXIMITY_REGISTRAR_CERT, "proximity-registrar-cert", 0, 10, VC_BINARY,
     offsetof(brski_voucher, proximity_registrar_cert)},
    {BRSKI_LEAF_PROXIMITY_REGISTRAR_PUBK_SHA256, "proximity-registrar-pubk-sha256", 0, 11, VC_BINARY,
     offsetof(brski_voucher, proximity_registrar_pubk_sha256)},
    {BRSKI_LEAF_PROXIMITY_REGISTRAR_PUBK, "proximity-registrar-pubk", 0, 12, VC_BINARY,
     offsetof(brski_voucher, proximity_registrar_pubk)},
    {BRSKI_LEAF_AGENT_PROVIDED_PROXIMITY_REGISTRAR_CERT, "agent-provided-proximity-registrar-cert", 0, 14, VC_BINARY,
     offsetof(brski_voucher, agent_provided_proximity_registrar_cert)},
    {BRSKI_LEAF_AGENT_SIGN_CERT, "agent-sign-cert", 0, 15, VC_BINARY,
     offsetof(brski_voucher, agent_sign_cert)},
    {BRSKI_LEAF_AGENT_SIGNED_DATA, "agent-signed-data", 0, 16, VC_BINARY,
     offsetof(brski_voucher, agent_signed_data)},
};

#define VC_NLEAVES (sizeof(vc_leaves) / sizeof(vc_leaves[0]))

static const char *const vc_assertions[] = {"verified", "logged", "proximity", "agent-proximity"};

static unsigned vc_delta(const vc_leaf_info *li, brski_voucher_kind kind)
{
    return kind == BRSKI_KIND_VOUCHER ? li->delta_voucher : li->delta_request;
}

unsigned brski_voucher_cbor_delta(brski_voucher_kind kind, brski_leaf leaf)
{
    for (size_t i = 0; i < VC_NLEAVES; i++) {
        if (vc_leaves[i].leaf == leaf) {
            return vc_delta(&vc_leaves[i], kind);
        }
    }
    return 0;
}

static const vc_leaf_info *vc_by_delta(brski_voucher_kind kind, uint64_t delta)
{
    for (size_t i = 0; i < VC_NLEAVES; i++) {
        unsigned d = vc_delta(&vc_leaves[i], kind);
        if (d != 0 && d == delta) {
            return &vc_leaves[i];
        }
    }
    return NULL;
}

static const vc_leaf_info *vc_by_name(brski_voucher_kind kind, const char *name, size_t len)
{
    for (size_t i = 0; i < VC_NLEAVES; i++) {
        if (vc_delta(&vc_leaves[i], kind) != 0 && strlen(vc_leaves[i].name) == len &&
            memcmp(vc_leaves[i].name, name, len) == 0) {
            return &vc_leaves[i];
        }
    }
    return NULL;
}

/* The field of |li| in |v|, typed by the caller from li->type. */
static void *vc_field(brski_voucher *v, const vc_leaf_info *li)
{
    return (char *)v + li->off;
}

static const void *vc_cfield(const brski_voucher *v, const vc_leaf_info *li)
{
    return (const char *)v + li->off;
}

/* ---- decoding helpers over libcbor items ---- */

/* Collects a (possibly indefinite) byte or text string into |out|. */
static brski_err vc_string_bytes(const cbor_item_t *it, brski_buf *out)
{
    bool is_bytes = cbor_isa_bytestring(it);
    if (!is_bytes && !cbor_isa_string(it)) {
        return BRSKI_ERR_MALFORMED;
    }
    brski_err rv = BRSKI_OK;
    if (is_bytes ? cbor_bytestring_is_definite(it) : cbor_string_is_definite(it)) {
        size_t n = is_bytes ? cbor_bytestring_length(it) : cbor_string_length(it);
        const uint8_t *p = is_bytes ? cbor_bytestring_handle(it) : cbor_string_handle(it);
        if (n > 0) {
            rv = brski_buf_append(out, p, n);
        }
        return rv;
    }
    size_t count = is_bytes ? cbor_bytestring_chunk_count(it) : cbor_string_chunk_count(it);
    cbor_item_t **chunks = is_bytes ? cbor_bytestring_chunks_handle(it)
                                    : cbor_string_chunks_handle(it);
    for (size_t i = 0; i < count && rv == BRSKI_OK; i++) {
        rv = vc_string_bytes(chunks[i], out);
    }
    return rv;
}

/* RFC 3629 UTF-8 without NUL (we keep text leaves as C strings). */
static bool vc_utf8_ok(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        size_t extra;
        uint32_t cp;
        if (c == 0) {
            return false;
        }
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            extra = 1;
            cp = c & 0x1fu;
        } else if ((c & 0xf0) == 0xe0) {
            extra = 2;
            cp = c & 0x0fu;
        } else if ((c & 0xf8) == 0xf0) {
            extra = 3;
            cp = c & 0x07u;
        } else {
            return false;
        }
        if (n - i - 1 < extra) {
            return false;
        }
        for (size_t k = 1; k <= extra; k++) {
            if ((p[i + k] & 0xc0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (p[i + k] & 0x3fu);
        }
        if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
            (extra == 3 && cp < 0x10000) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return false;
        }
        i += extra + 1;
    }
    return true;
}

/* A text item (or, with |allow_bytes|, a byte string) as a fresh C string. */
static brski_err vc_get_text(const cbor_item_t *it, bool allow_bytes, char **out)
{
    if (!cbor_isa_string(it) && !(allow_bytes && cbor_isa_bytestring(it))) {
        return BRSKI_ERR_MALFORMED;
    }
    brski_buf b;
    brski_buf_init(&b, VC_MAX_TEXT);
    brski_err rv = vc_string_bytes(it, &b);
    if (rv == BRSKI_OK && !vc_utf8_ok(b.p, b.len)) {
        rv = BRSKI_ERR_MALFORMED;
    }
    if (rv == BRSKI_OK) {
        *out = brski_strndup(b.len > 0 ? (const char *)b.p : "", b.len);
        rv = *out != NULL ? BRSKI_OK : BRSKI_ERR_NOMEM;
    }
    brski_buf_clear(&b);
    return rv;
}

static brski_err vc_set_bytes(brski_bytes *dst, const uint8_t *p, size_t n)
{
    dst->p = malloc(n > 0 ? n : 1);
    if (dst->p == NULL) {
        return BRSKI_ERR_NOMEM;
    }
    if (n > 0) {
        memcpy(dst->p, p, n);
    }
    dst->len = n;
    return BRSKI_OK;
}

static brski_err vc_decode_binary(const cbor_item_t *val, const vc_leaf_info *li, bool lenient,
                                  brski_voucher *v)
{
    brski_bytes *dst = vc_field(v, li);
    brski_buf b, raw;
    brski_buf_init(&b, BRSKI_CBOR_MAX_SIZE);
    brski_buf_init(&raw, BRSKI_CBOR_MAX_SIZE);
    brski_err rv;
    if (cbor_isa_bytestring(val)) {
        rv = vc_string_bytes(val, &b);
    } else if (lenient && cbor_isa_string(val)) {
        /* Older encodings carried binaries as base64 text. */
        rv = vc_string_bytes(val, &raw);
        if (rv == BRSKI_OK) {
            rv = brski_base64_decode_loose(brski_buf_slice(&raw), &b);
            if (rv != BRSKI_OK && li->leaf == BRSKI_LEAF_NONCE) {
                /* A nonce that is not base64 is used as its text bytes. */
                brski_buf_reset(&b);
                rv = brski_buf_append(&b, raw.p, raw.len);
            }
        }
        if (rv == BRSKI_OK && li->leaf == BRSKI_LEAF_NONCE) {
            if (!vc_utf8_ok(raw.p, raw.len)) {
                rv = BRSKI_ERR_MALFORMED;
            } else {
                v->nonce_text = brski_strndup(raw.len > 0 ? (const char *)raw.p : "", raw.len);
                rv = v->nonce_text != NULL ? BRSKI_OK : BRSKI_ERR_NOMEM;
            }
        }
    } else {
        rv = BRSKI_ERR_MALFORMED;
    }
    if (rv == BRSKI_OK) {
        rv = vc_set_bytes(dst, b.p, b.len);
    }
    brski_buf_clear(&b);
    brski_buf_clear(&raw);
    return rv == BRSKI_ERR_TOOBIG ? BRSKI_ERR_MALFORMED : rv;
}

static brski_err vc_decode_date(const cbor_item_t *val, bool lenient, int64_t *out)
{
    if (cbor_isa_string(val)) {
        char *s = NULL;
        brski_err rv = vc_get_text(val, false, &s);
        if (rv == BRSKI_OK) {
            rv = brski_time_parse(s, out);
        }
        free(s);
        return rv == BRSKI_ERR_NOMEM ? rv : (rv == BRSKI_OK ? BRSKI_OK : BRSKI_ERR_MALFORMED);
    }
    if (lenient && cbor_isa_tag(val) && cbor_tag_value(val) == VC_TAG_EPOCH) {
        cbor_item_t *inner = cbor_tag_item(val);
        brski_err rv = BRSKI_ERR_MALFORMED;
        if (cbor_isa_uint(inner) && cbor_get_int(inner) <= (uint64_t)INT64_MAX) {
            *out = (int64_t)cbor_get_int(inner);
            rv = BRSKI_OK;
        } else if (cbor_is_float(inner)) {
            double d = cbor_float_get_float(inner);
            if (d >= 0.0 && d < 253402300800.0) {
                *out = (int64_t)d;
                rv = BRSKI_OK;
            }
        }
        cbor_decref(&inner);
        return rv;
    }
    return BRSKI_ERR_MALFORMED;
}

static brski_err vc_decode_assertion(const cbor_item_t *val, bool lenient, brski_assertion *out)
{
    if (cbor_isa_uint(val)) {
        uint64_t a = cbor_get_int(val);
        if (a > BRSKI_ASSERTION_AGENT_PROXIMITY) {
            return BRSKI_ERR_MALFORMED;
        }
        *out = (brski_assertion)a;
        return BRSKI_OK;
    }
    if (lenient && cbor_isa_string(val)) {
        char *s = NULL;
        brski_err rv = vc_get_text(val, false, &s);
        if (rv != BRSKI_OK) {
            return rv;
        }
        rv = BRSKI_ERR_MALFORMED;
        for (size_t i = 0; i < sizeof(vc_assertions) / sizeof(vc_assertions[0]); i++) {
            if (strcmp(s, vc_assertions[i]) == 0) {
                *out = (brski_assertion)i;
                rv = BRSKI_OK;
            }
        }
        free(s);
        return rv;
    }
    return BRSKI_ERR_MALFORMED;
}

/* The leaf-list is kept as its CBOR encoding (voucher.h: "encoded as received"). */
static brski_err vc_decode_list(const cbor_item_t *val, brski_voucher *v)
{
    if (!cbor_isa_array(val)) {
        return BRSKI_ERR_MALFORMED;
    }
    brski_buf b;
    brski_buf_init(&b, BRSKI_CBOR_MAX_SIZE);
    size_t n = cbor_array_size(val);
    cbor_item_t **items = cbor_array_handle(val);
    brski_err rv = brski_cbor_put_head(&b, BRSKI_CBOR_ARRAY, n);
    for (size_t i = 0; i < n && rv == BRSKI_OK; i++) {
        if (cbor_isa_uint(items[i])) {
            rv = brski_cbor_put_head(&b, BRSKI_CBOR_UINT, cbor_get_int(items[i]));
        } else if (cbor_isa_string(items[i])) {
            char *s = NULL;
            rv = vc_get_text(items[i], false, &s);
            if (rv == BRSKI_OK) {
                rv = brski_cbor_put_text(&b, s, strlen(s));
            }
            free(s);
        } else {
            rv = BRSKI_ERR_MALFORMED;
        }
    }
    if (rv == BRSKI_OK) {
        rv = vc_set_bytes(&v->extensions, b.p, b.len);
    }
    brski_buf_clear(&b);
    return rv;
}

static brski_err vc_decode_leaf(const cbor_item_t *val, const vc_leaf_info *li, bool lenient,
                                brski_voucher *v)
{
    switch (li->type) {
    case VC_ENUM:
        return vc_decode_assertion(val, lenient, &v->assertion);
    case VC_DATE:
        return vc_decode_date(val, lenient, vc_field(v, li));
    case VC_BOOL:
        if (!cbor_is_bool(val)) {
            return BRSKI_ERR_MALFORMED;
        }
        v->domain_cert_revocation_checks = cbor_get_bool(val);
        return BRSKI_OK;
    case VC_TEXT:
        return vc_get_text(val, lenient && li->leaf == BRSKI_LEAF_SERIAL_NUMBER,
                           vc_field(v, li));
    case VC_BINARY:
        return vc_decode_binary(val, li, lenient, v);
    case VC_LIST:
        return vc_decode_list(val, v);
    default:
        return BRSKI_ERR_INTERNAL;
    }
}

/*
 * Resolves a key of the inner map: a delta SID (uint), a tag-47 absolute
 * SID, or a YANG name. |*li| is NULL for a key we do not know; |*ext| is set
 * for a tag-47 key outside the module (extension data, RFC 8366bis §8.6).
 */
static brski_err vc_resolve_key(const cbor_item_t *key, brski_voucher_kind kind, unsigned sid,
                                const vc_leaf_info **li, bool *ext)
{
    *li = NULL;
    *ext = false;
    if (cbor_isa_uint(key)) {
        *li = vc_by_delta(kind, cbor_get_int(key));
        return BRSKI_OK;
    }
    if (cbor_isa_negint(key)) {
        return BRSKI_OK; /* no leaf has a SID below its container */
    }
    if (cbor_isa_tag(key) && cbor_tag_value(key) == VC_TAG_SID) {
        cbor_item_t *inner = cbor_tag_item(key);
        brski_err rv = BRSKI_ERR_MALFORMED;
        if (cbor_isa_uint(inner)) {
            uint64_t abs = cbor_get_int(inner);
            if (abs > sid) {
                *li = vc_by_delta(kind, abs - sid);
            }
            *ext = (*li == NULL);
            rv = BRSKI_OK;
        }
        cbor_decref(&inner);
        return rv;
    }
    if (cbor_isa_string(key)) {
        brski_buf b;
        brski_buf_init(&b, 64);
        brski_err rv = vc_string_bytes(key, &b);
        if (rv == BRSKI_OK) {
            *li = vc_by_name(kind, (const char *)b.p, b.len);
        }
        brski_buf_clear(&b);
        return rv == BRSKI_ERR_TOOBIG ? BRSKI_OK : rv;
    }
    return BRSKI_ERR_MALFORMED;
}

static brski_err vc_container_kind(const cbor_item_t *key, brski_voucher_kind *kind)
{
    if (cbor_isa_uint(key)) {
        uint64_t sid = cbor_get_int(key);
        if (sid == BRSKI_SID_VOUCHER) {
            *kind = BRSKI_KIND_VOUCHER;
            return BRSKI_OK;
        }
        if (sid == BRSKI_SID_VOUCHER_REQUEST) {
            *kind = BRSKI_KIND_VOUCHER_REQUEST;
            return BRSKI_OK;
        }
        return BRSKI_ERR_MALFORMED;
    }
    if (cbor_isa_string(key)) {
        brski_buf b;
        brski_buf_init(&b, 64);
        brski_err rv = vc_string_bytes(key, &b);
        if (rv == BRSKI_OK) {
            rv = BRSKI_ERR_MALFORMED;
            if (b.len == strlen("ietf-voucher:voucher") &&
                memcmp(b.p, "ietf-voucher:voucher", b.len) == 0) {
                *kind = BRSKI_KIND_VOUCHER;
                rv = BRSKI_OK;
            } else if (b.len == strlen("ietf-voucher-request:voucher") &&
                       memcmp(b.p, "ietf-voucher-request:voucher", b.len) == 0) {
                *kind = BRSKI_KIND_VOUCHER_REQUEST;
                rv = BRSKI_OK;
            }
        }
        brski_buf_clear(&b);
        return rv == BRSKI_OK ? BRSKI_OK : BRSKI_ERR_MALFORMED;
    }
    return BRSKI_ERR_MALFORMED;
}

static brski_err vc_walk(const cbor_item_t *root, bool lenient, brski_voucher *v)
{
    /* RFC 9254 §3: the top-level map has the container's absolute SID as its one key. */
    if (!cbor_isa_map(root) || cbor_map_size(root) != 1) {
        brski_log(BRSKI_LOG_WARN, "voucher-cbor: RFC 9254 3: top level is not a one-entry map");
        return BRSKI_ERR_MALFORMED;
    }
    struct cbor_pair *top = cbor_map_handle(root);
    brski_voucher_kind kind = BRSKI_KIND_VOUCHER;
    if (vc_container_kind(top[0].key, &kind) != BRSKI_OK) {
        brski_log(BRSKI_LOG_WARN,
                  "voucher-cbor: rfc8366bis 8.5/9.3: container key is not SID 2451 or 2501");
        return BRSKI_ERR_MALFORMED;
    }
    v->kind = kind;
    unsigned sid = kind == BRSKI_KIND_VOUCHER ? BRSKI_SID_VOUCHER : BRSKI_SID_VOUCHER_REQUEST;
    const cbor_item_t *inner = top[0].value;
    if (!cbor_isa_map(inner)) {
        brski_log(BRSKI_LOG_WARN, "voucher-cbor: RFC 9254 4.2: container value is not a map");
        return BRSKI_ERR_MALFORMED;
    }
    size_t n = cbor_map_size(inner);
    struct cbor_pair *pairs = cbor_map_handle(inner);
    for (size_t i = 0; i < n; i++) {
        const vc_leaf_info *li = NULL;
        bool ext = false;
        brski_err rv = vc_resolve_key(pairs[i].key, kind, sid, &li, &ext);
        if (rv != BRSKI_OK) {
            brski_log(BRSKI_LOG_WARN, "voucher-cbor: RFC 9254 4.2: key %zu has a bad type", i);
            return rv;
        }
        if (li == NULL) {
            if (ext || lenient) {
                brski_log(BRSKI_LOG_DEBUG, "voucher-cbor: ignoring unknown key %zu", i);
                continue;
            }
            brski_log(BRSKI_LOG_WARN, "voucher-cbor: rfc8366bis 8.5/9.3: unknown key %zu", i);
            return BRSKI_ERR_MALFORMED;
        }
        if (brski_voucher_has(v, li->leaf)) {
            /* RFC 8949 §5.6: a map with duplicate keys is not valid. */
            brski_log(BRSKI_LOG_WARN, "voucher-cbor: RFC 8949 5.6: duplicate leaf %s", li->name);
            return BRSKI_ERR_MALFORMED;
        }
        rv = vc_decode_leaf(pairs[i].value, li, lenient, v);
        if (rv != BRSKI_OK) {
            brski_log(BRSKI_LOG_WARN, "voucher-cbor: RFC 9254 6: bad value for %s", li->name);
            return rv;
        }
        brski_voucher_mark(v, li->leaf);
    }
    return BRSKI_OK;
}

brski_err brski_voucher_cbor_parse(brski_slice in, unsigned flags, brski_voucher *out)
{
    if (out == NULL) {
        return BRSKI_ERR_ARG;
    }
    memset(out, 0, sizeof(*out));
    brski_err rv = brski_cbor_scan(in, NULL, NULL);
    if (rv != BRSKI_OK) {
        brski_log(BRSKI_LOG_WARN, "voucher-cbor: RFC 8949 3: input is not one bounded CBOR item (%s)",
                  brski_err_str(rv));
        return rv;
    }
    struct cbor_load_result res;
    cbor_item_t *root = cbor_load(in.p, in.len, &res);
    if (root == NULL || res.error.code != CBOR_ERR_NONE || res.read != in.len) {
        brski_log(BRSKI_LOG_WARN, "voucher-cbor: RFC 8949 3: libcbor could not decode the input");
        rv = (res.error.code == CBOR_ERR_MEMERROR) ? BRSKI_ERR_NOMEM : BRSKI_ERR_MALFORMED;
        goto out;
    }
    rv = vc_walk(root, (flags & BRSKI_VOUCHER_CBOR_LENIENT) != 0, out);
out:
    if (root != NULL) {
        cbor_decref(&root);
    }
    if (rv != BRSKI_OK) {
        brski_voucher_clear(out);
        memset(out, 0, sizeof(*out));
    }
    return rv;
}

/* ---- encoding ---- */

static brski_err vc_encode_leaf(const brski_voucher *v, const vc_leaf_info *li, brski_buf *out)
{
    switch (li->type) {
    case VC_ENUM:
        if ((unsigned)v->assertion > BRSKI_ASSERTION_AGENT_PROXIMITY) {
            return BRSKI_ERR_ARG;
        }
        return brski_cbor_put_head(out, BRSKI_CBOR_UINT, (uint64_t)v->assertion);
    case VC_DATE: {
        char ts[32];
        brski_err rv = brski_time_format(*(const int64_t *)vc_cfield(v, li), ts, sizeof(ts));
        if (rv != BRSKI_OK) {
            return BRSKI_ERR_ARG;
        }
        return brski_cbor_put_text(out, ts, strlen(ts));
    }
    case VC_BOOL:
        return brski_cbor_put_bool(out, v->domain_cert_revocation_checks);
    case VC_TEXT: {
        const char *s = *(const char *const *)vc_cfield(v, li);
        if (s == NULL) {
            return BRSKI_ERR_ARG;
        }
        return brski_cbor_put_text(out, s, strlen(s));
    }
    case VC_BINARY: {
        const brski_bytes *b = vc_cfield(v, li);
        if (b->p == NULL && b->len != 0) {
            return BRSKI_ERR_ARG;
        }
        return brski_cbor_put_bytes(out, brski_slice_make(b->p, b->len));
    }
    case VC_LIST: {
        /* Stored as CBOR; it must be one definite array of uint / text. */
        brski_slice s = brski_slice_make(v->extensions.p, v->extensions.len);
        brski_cbor_limits lim = {0, 2, 0, true, false};
        if (brski_cbor_scan(s, &lim, NULL) != BRSKI_OK || s.len == 0 || (s.p[0] >> 5) != 4) {
            return BRSKI_ERR_ARG;
        }
        return brski_buf_append(out, s.p, s.len);
    }
    default:
        return BRSKI_ERR_INTERNAL;
    }
}

brski_err brski_voucher_cbor_encode(const brski_voucher *v, brski_buf *out)
{
    if (v == NULL || out == NULL ||
        (v->kind != BRSKI_KIND_VOUCHER && v->kind != BRSKI_KIND_VOUCHER_REQUEST)) {
        return BRSKI_ERR_ARG;
    }
    /* Leaves in ascending delta order, so equal models give equal bytes. */
    const vc_leaf_info *order[VC_NLEAVES];
    size_t n = 0;
    for (unsigned d = 1; d <= 32; d++) {
        const vc_leaf_info *li = vc_by_delta(v->kind, d);
        if (li != NULL && brski_voucher_has(v, li->leaf)) {
            order[n++] = li;
        }
    }
    /* Anything present that the kind cannot carry is a caller error. */
    for (size_t i = 0; i < VC_NLEAVES; i++) {
        if (brski_voucher_has(v, vc_leaves[i].leaf) && vc_delta(&vc_leaves[i], v->kind) == 0) {
            return BRSKI_ERR_ARG;
        }
    }
    if ((v->present >> (unsigned)BRSKI_LEAF__COUNT) != 0) {
        return BRSKI_ERR_ARG;
    }
    size_t start = out->len;
    unsigned sid = v->kind == BRSKI_KIND_VOUCHER ? BRSKI_SID_VOUCHER : BRSKI_SID_VOUCHER_REQUEST;
    brski_err rv = brski_cbor_put_head(out, BRSKI_CBOR_MAP, 1);
    if (rv == BRSKI_OK) {
        rv = brski_cbor_put_head(out, BRSKI_CBOR_UINT, sid);
    }
    if (rv == BRSKI_OK) {
        rv = brski_cbor_put_head(out, BRSKI_CBOR_MAP, n);
    }
    for (size_t i = 0; i < n && rv == BRSKI_OK; i++) {
        rv = brski_cbor_put_head(out, BRSKI_CBOR_UINT, vc_delta(order[i], v->kind));
        if (rv == BRSKI_OK) {
            rv = vc_encode_leaf(v, order[i], out);
        }
    }
    if (rv != BRSKI_OK) {
        out->len = start;
    }
    return rv;
}
