/*
 * voucher_json.c - RFC 7951 JSON encoding of vouchers and voucher-requests
 * (RFC 8366 5.3, rfc8366bis 8-9), on top of jansson.
 */
#include "brski/voucher_json.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "brski/codec.h"
#include "brski/env.h"
#include "brski/log.h"

#define TOP_VOUCHER "ietf-voucher:voucher"
#define TOP_REQUEST "ietf-voucher-request:voucher"
#define TOP_REQUEST_PRM "ietf-voucher-request-prm:voucher"

#define MAX_TIME_TEXT 64u
#define MAX_LIST_ITEMS 16u
#define MAX_AGENT_CERTS 4u

/*
 * Nesting depth of |in| outside strings, stopping early past |limit|.
 * Runs before jansson so that deep nesting never reaches its recursion.
 */
static size_t json_depth(brski_slice in, size_t limit)
{
    size_t depth = 0, max = 0;
    bool in_str = false, esc = false;
    for (size_t i = 0; i < in.len; i++) {
        uint8_t c = in.p[i];
        if (in_str) {
            if (esc) {
                esc = false;
            } else if (c == '\\') {
                esc = true;
            } else if (c == '"') {
                in_str = false;
            }
            continue;
        }
        if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            depth++;
            if (depth > max) {
                max = depth;
            }
            if (max > limit) {
                return max;
            }
        } else if ((c == '}' || c == ']') && depth > 0) {
            depth--;
        }
    }
    return max;
}

typedef enum vtype { VT_ENUM, VT_TIME, VT_BOOL, VT_STRING, VT_BINARY, VT_LIST } vtype;

static vtype leaf_vtype(brski_leaf leaf)
{
    switch (leaf) {
    case BRSKI_LEAF_ASSERTION:
        return VT_ENUM;
    case BRSKI_LEAF_CREATED_ON:
    case BRSKI_LEAF_EXPIRES_ON:
    case BRSKI_LEAF_LAST_RENEWAL_DATE:
        return VT_TIME;
    case BRSKI_LEAF_DOMAIN_CERT_REVOCATION_CHECKS:
        return VT_BOOL;
    case BRSKI_LEAF_SERIAL_NUMBER:
    case BRSKI_LEAF_NONCE:
    case BRSKI_LEAF_ADDITIONAL_CONFIGURATION_URL:
    case BRSKI_LEAF_EST_DOMAIN:
        return VT_STRING;
    case BRSKI_LEAF_EXTENSIONS:
        return VT_LIST;
    default:
        return VT_BINARY;
    }
}

static brski_err bad_type(const char *name, const char *want)
{
    brski_log(BRSKI_LOG_WARN, "voucher json: RFC 7951: member '%s' must be %s", name, want);
    return BRSKI_ERR_MALFORMED;
}

static brski_err decode_b64(const char *name, json_t *val, size_t max, bool loose, brski_buf *out)
{
    const char *s = json_string_value(val);
    size_t len = json_string_length(val);
    brski_err rv;
    if (s == NULL) {
        return bad_type(name, "a base64 string");
    }
    if (len / 4u * 3u > max + 3u) {
        brski_log(BRSKI_LOG_WARN, "voucher json: '%s' exceeds %zu bytes", name, max);
        return BRSKI_ERR_TOOBIG;
    }
    rv = loose ? brski_base64_decode_loose(brski_slice_make(s, len), out)
               : brski_base64_decode(brski_slice_make(s, len), out);
    if (rv == BRSKI_ERR_TOOBIG) {
        brski_log(BRSKI_LOG_WARN, "voucher json: '%s' exceeds %zu bytes", name, max);
        return rv;
    }
    if (rv != BRSKI_OK) {
        brski_log(BRSKI_LOG_WARN, "voucher json: RFC 7951 6.6: '%s' is not valid base64", name);
        return rv == BRSKI_ERR_NOMEM ? rv : BRSKI_ERR_MALFORMED;
    }
    return BRSKI_OK;
}

static size_t leaf_max(brski_leaf leaf)
{
    switch (leaf) {
    case BRSKI_LEAF_IDEVID_ISSUER:
        return BRSKI_VOUCHER_MAX_ISSUER;
    case BRSKI_LEAF_PINNED_DOMAIN_PUBK:
    case BRSKI_LEAF_PROXIMITY_REGISTRAR_PUBK:
        return BRSKI_VOUCHER_MAX_PUBK;
    case BRSKI_LEAF_PINNED_DOMAIN_PUBK_SHA256:
    case BRSKI_LEAF_PROXIMITY_REGISTRAR_PUBK_SHA256:
        return 32;
    case BRSKI_LEAF_MANUFACTURER_PROPRIETARY:
        return BRSKI_VOUCHER_MAX_PROPRIETARY;
    case BRSKI_LEAF_PRIOR_SIGNED_VOUCHER_REQUEST:
        return BRSKI_MAX_VOUCHER;
    case BRSKI_LEAF_AGENT_SIGN_CERT:
        return BRSKI_MAX_CHAIN;
    case BRSKI_LEAF_AGENT_SIGNED_DATA:
        return BRSKI_VOUCHER_MAX_AGENT_DATA;
    default:
        return BRSKI_MAX_CERT;
    }
}

static brski_err parse_binary(brski_voucher *v, brski_leaf leaf, const char *name, json_t *val)
{
    brski_buf b;
    brski_err rv;
    size_t max = leaf_max(leaf);
    /* The decoder reserves whole 3-byte groups before it sees the padding. */
    brski_buf_init(&b, max + 8);
    if (leaf == BRSKI_LEAF_AGENT_SIGN_CERT && json_is_array(val)) {
        /* BRSKI-PRM examples carry agent-sign-cert as an array: keep the DER certs back to back. */
        size_t n = json_array_size(val);
        if (n == 0 || n > MAX_AGENT_CERTS) {
            rv = bad_type(name, "1..4 base64 certificates");
            goto out;
        }
        for (size_t i = 0; i < n; i++) {
            rv = decode_b64(name, json_array_get(val, i), max, false, &b);
            if (rv != BRSKI_OK) {
                goto out;
            }
        }
    } else {
        /* rfc8366bis 8.7: manufacturer-proprietary SHOULD be base64url in JSON. */
        rv = decode_b64(name, val, max, leaf == BRSKI_LEAF_MANUFACTURER_PROPRIETARY, &b);
        if (rv != BRSKI_OK) {
            goto out;
        }
    }
    if (b.len > max) {
        brski_log(BRSKI_LOG_WARN, "voucher json: '%s' exceeds %zu bytes", name, max);
        rv = BRSKI_ERR_TOOBIG;
        goto out;
    }
    rv = brski_voucher_set_bytes(v, leaf, brski_buf_slice(&b));
out:
    brski_buf_clear(&b);
    return rv;
}

static brski_err parse_list(brski_voucher *v, const char *name, json_t *val)
{
    if (!json_is_array(val) || json_array_size(val) > MAX_LIST_ITEMS) {
        return bad_type(name, "an array of at most 16 strings or integers");
    }
    for (size_t i = 0; i < json_array_size(val); i++) {
        json_t *it = json_array_get(val, i);
        if (!json_is_string(it) && !(json_is_integer(it) && json_integer_value(it) >= 0)) {
            return bad_type(name, "an array of strings or unsigned integers");
        }
    }
    char *text = json_dumps(val, JSON_COMPACT);
    if (text == NULL) {
        return BRSKI_ERR_NOMEM;
    }
    brski_err rv = brski_voucher_set_bytes(v, BRSKI_LEAF_EXTENSIONS, brski_slice_str(text));
    free(text);
    return rv;
}

static brski_err parse_member(brski_voucher *v, brski_leaf leaf, const char *name, json_t *val)
{
    const char *s;
    int64_t t;
    switch (leaf_vtype(leaf)) {
    case VT_ENUM:
        s = json_string_value(val);
        if (s == NULL || brski_assertion_parse(s, &v->assertion) != BRSKI_OK) {
            return bad_type(name, "one of verified, logged, proximity, agent-proximity");
        }
        brski_voucher_mark(v, leaf);
        return BRSKI_OK;
    case VT_TIME:
        s = json_string_value(val);
        if (s == NULL || json_string_length(val) > MAX_TIME_TEXT ||
            brski_time_parse(s, &t) != BRSKI_OK) {
            return bad_type(name, "a yang:date-and-time string (RFC 3339)");
        }
        return brski_voucher_set_time(v, leaf, t);
    case VT_BOOL:
        /* RFC 8366 5.2 prints "true" as a string; accept both forms (SPEC-NOTES 1.2). */
        s = json_string_value(val);
        if (json_is_boolean(val)) {
            v->domain_cert_revocation_checks = json_is_true(val);
        } else if (s != NULL && (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)) {
            v->domain_cert_revocation_checks = strcmp(s, "true") == 0;
        } else {
            return bad_type(name, "a boolean");
        }
        brski_voucher_mark(v, leaf);
        return BRSKI_OK;
    case VT_STRING:
        s = json_string_value(val);
        if (s == NULL) {
            return bad_type(name, "a string");
        }
        return brski_voucher_set_str(v, leaf, s);
    case VT_LIST:
        return parse_list(v, name, val);
    case VT_BINARY:
    default:
        return parse_binary(v, leaf, name, val);
    }
}

brski_err brski_voucher_json_parse(brski_slice in, unsigned flags, brski_voucher *out)
{
    json_t *root = NULL;
    json_error_t jerr;
    brski_err rv;

    brski_voucher_init(out, BRSKI_KIND_VOUCHER);
    if (in.len > BRSKI_VOUCHER_JSON_MAX) {
        brski_log(BRSKI_LOG_WARN, "voucher json: %zu bytes exceeds the limit of %u", in.len,
                  BRSKI_VOUCHER_JSON_MAX);
        return BRSKI_ERR_TOOBIG;
    }
    if (json_depth(in, BRSKI_VOUCHER_JSON_MAX_DEPTH) > BRSKI_VOUCHER_JSON_MAX_DEPTH) {
        brski_log(BRSKI_LOG_WARN, "voucher json: nesting deeper than %u",
                  BRSKI_VOUCHER_JSON_MAX_DEPTH);
        return BRSKI_ERR_MALFORMED;
    }
    root = json_loadb((const char *)in.p, in.len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        brski_log(BRSKI_LOG_WARN, "voucher json: line %d column %d: %s", jerr.line, jerr.column,
                  jerr.text);
        return BRSKI_ERR_MALFORMED;
    }
    if (!json_is_object(root) || json_object_size(root) != 1) {
        brski_log(BRSKI_LOG_WARN,
                  "voucher json: RFC 8366 5.3: expected one top-level voucher container");
        rv = BRSKI_ERR_MALFORMED;
        goto out;
    }
    const char *top = json_object_iter_key(json_object_iter(root));
    json_t *body = json_object_iter_value(json_object_iter(root));
    if (strcmp(top, TOP_VOUCHER) == 0) {
        out->kind = BRSKI_KIND_VOUCHER;
    } else if (strcmp(top, TOP_REQUEST) == 0 || strcmp(top, TOP_REQUEST_PRM) == 0) {
        out->kind = BRSKI_KIND_VOUCHER_REQUEST;
    } else {
        brski_log(BRSKI_LOG_WARN, "voucher json: unknown top-level container '%.64s'", top);
        rv = BRSKI_ERR_MALFORMED;
        goto out;
    }
    if (!json_is_object(body)) {
        rv = bad_type(top, "an object");
        goto out;
    }
    const char *key;
    json_t *val;
    json_object_foreach(body, key, val)
    {
        brski_leaf leaf;
        bool known = brski_voucher_leaf_from_name(key, &leaf) &&
                     brski_voucher_leaf_allowed(out->kind, leaf);
        if (!known) {
            if ((flags & BRSKI_VJSON_ALLOW_UNKNOWN) != 0) {
                continue;
            }
            brski_log(BRSKI_LOG_WARN, "voucher json: unknown member '%.64s' in %s", key, top);
            rv = BRSKI_ERR_MALFORMED;
            goto out;
        }
        rv = parse_member(out, leaf, key, val);
        if (rv != BRSKI_OK) {
            goto out;
        }
    }
    rv = (flags & BRSKI_VJSON_NO_VALIDATE) != 0 ? BRSKI_OK : brski_voucher_validate(out);
out:
    json_decref(root);
    if (rv != BRSKI_OK) {
        brski_voucher_clear(out);
    }
    return rv;
}

static int put_b64(json_t *obj, const char *name, const brski_bytes *b)
{
    brski_buf t;
    brski_buf_init(&t, BRSKI_VOUCHER_JSON_MAX);
    int r = -1;
    if (brski_base64_encode(brski_slice_make(b->p, b->len), &t) == BRSKI_OK &&
        brski_buf_cstr(&t) == BRSKI_OK) {
        r = json_object_set_new(obj, name, json_string((const char *)t.p));
    }
    brski_buf_clear(&t);
    return r;
}

static int put_leaf(const brski_voucher *v, json_t *obj, brski_leaf leaf)
{
    const char *name = brski_voucher_leaf_name(leaf);
    char tbuf[32];
    int64_t t;
    switch (leaf) {
    case BRSKI_LEAF_ASSERTION:
        if (brski_assertion_name(v->assertion) == NULL) {
            return -1;
        }
        return json_object_set_new(obj, name, json_string(brski_assertion_name(v->assertion)));
    case BRSKI_LEAF_CREATED_ON:
    case BRSKI_LEAF_EXPIRES_ON:
    case BRSKI_LEAF_LAST_RENEWAL_DATE:
        t = leaf == BRSKI_LEAF_CREATED_ON   ? v->created_on
            : leaf == BRSKI_LEAF_EXPIRES_ON ? v->expires_on
                                            : v->last_renewal_date;
        if (brski_time_format(t, tbuf, sizeof(tbuf)) != BRSKI_OK) {
            return -1;
        }
        return json_object_set_new(obj, name, json_string(tbuf));
    case BRSKI_LEAF_DOMAIN_CERT_REVOCATION_CHECKS:
        return json_object_set_new(obj, name, json_boolean(v->domain_cert_revocation_checks));
    case BRSKI_LEAF_NONCE:
        if (v->nonce_text != NULL) {
            return json_object_set_new(obj, name, json_string(v->nonce_text));
        }
        return put_b64(obj, name, &v->nonce);
    case BRSKI_LEAF_EXTENSIONS: {
        json_t *list = json_loadb((const char *)v->extensions.p, v->extensions.len, 0, NULL);
        if (list == NULL) {
            return -1;
        }
        return json_object_set_new(obj, name, list);
    }
    default:
        break;
    }
    if (brski_voucher_leaf_cstr(v, leaf) != NULL) {
        return json_object_set_new(obj, name, json_string(brski_voucher_leaf_cstr(v, leaf)));
    }
    if (brski_voucher_leaf_cbytes(v, leaf) != NULL) {
        return put_b64(obj, name, brski_voucher_leaf_cbytes(v, leaf));
    }
    return -1;
}

brski_err brski_voucher_json_encode(const brski_voucher *v, brski_buf *out)
{
    json_t *root = json_object();
    json_t *body = json_object();
    char *text = NULL;
    brski_err rv = BRSKI_ERR_NOMEM;
    if (root == NULL || body == NULL) {
        json_decref(body);
        goto out;
    }
    if (json_object_set_new(root, v->kind == BRSKI_KIND_VOUCHER ? TOP_VOUCHER : TOP_REQUEST,
                            body) != 0) {
        goto out;
    }
    for (unsigned i = 0; i < (unsigned)BRSKI_LEAF__COUNT; i++) {
        if (!brski_voucher_has(v, (brski_leaf)i)) {
            continue;
        }
        if (put_leaf(v, body, (brski_leaf)i) != 0) {
            brski_log(BRSKI_LOG_WARN, "voucher json: cannot encode '%s'",
                      brski_voucher_leaf_name((brski_leaf)i));
            rv = BRSKI_ERR_ARG;
            goto out;
        }
    }
    text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (text == NULL) {
        goto out;
    }
    rv = brski_buf_append_str(out, text);
out:
    free(text);
    json_decref(root);
    return rv;
}
