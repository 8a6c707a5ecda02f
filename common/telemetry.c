/*
 * telemetry.c - voucher / enroll status reports in JSON and CBOR.
 */
#include "brski/telemetry.h"

#include <string.h>

#include <cbor.h>
#include <jansson.h>

#include "brski/cbor_scan.h"
#include "brski/log.h"

#define TELEMETRY_MAX_DEPTH 8u

static brski_err set_reason(brski_telemetry *out, const char *s, size_t len)
{
    if (len > BRSKI_TELEMETRY_MAX_REASON) {
        brski_log(BRSKI_LOG_WARN, "telemetry: reason longer than %u bytes",
                  BRSKI_TELEMETRY_MAX_REASON);
        return BRSKI_ERR_TOOBIG;
    }
    if (memchr(s, '\0', len) != NULL) {
        brski_log(BRSKI_LOG_WARN, "telemetry: NUL in reason");
        return BRSKI_ERR_MALFORMED;
    }
    memcpy(out->reason, s, len);
    out->reason[len] = '\0';
    return BRSKI_OK;
}

brski_err brski_telemetry_parse_json(brski_slice in, brski_telemetry *out)
{
    json_error_t jerr;
    brski_err rv = BRSKI_ERR_MALFORMED;
    memset(out, 0, sizeof(*out));
    if (in.len > BRSKI_TELEMETRY_MAX_BODY) {
        return BRSKI_ERR_TOOBIG;
    }
    json_t *root = json_loadb((const char *)in.p, in.len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL || !json_is_object(root)) {
        brski_log(BRSKI_LOG_WARN, "telemetry: RFC 8995 5.7: body is not a JSON object");
        goto out;
    }
    json_t *ver = json_object_get(root, "version");
    json_t *st = json_object_get(root, "status");
    json_t *reason = json_object_get(root, "reason");
    json_t *rctx = json_object_get(root, "reason-context");
    if (ver == NULL || !json_is_integer(ver) || json_integer_value(ver) < 0 || st == NULL ||
        !json_is_boolean(st) || (reason != NULL && !json_is_string(reason)) ||
        (rctx != NULL && !json_is_object(rctx))) {
        brski_log(BRSKI_LOG_WARN, "telemetry: RFC 8995 5.7: wrong member types");
        goto out;
    }
    out->version = (uint64_t)json_integer_value(ver);
    out->status = json_is_true(st);
    out->has_reason_context = rctx != NULL;
    rv = reason != NULL ? set_reason(out, json_string_value(reason), json_string_length(reason))
                        : BRSKI_OK;
out:
    if (root != NULL) {
        json_decref(root);
    }
    return rv;
}

/* Matches a CBOR text key against |name|. */
static bool key_is(cbor_item_t *k, const char *name)
{
    size_t n = strlen(name);
    return cbor_string_length(k) == n && memcmp(cbor_string_handle(k), name, n) == 0;
}

/* One map entry; |seen| bits: version 1, status 2, reason 4, reason-context 8. */
static brski_err cbor_entry(cbor_item_t *k, cbor_item_t *v, unsigned *seen, brski_telemetry *out)
{
    if (!cbor_isa_string(k) || !cbor_string_is_definite(k)) {
        brski_log(BRSKI_LOG_WARN, "telemetry: cBRSKI 6.5.1: map keys are text");
        return BRSKI_ERR_MALFORMED;
    }
    unsigned bit = key_is(k, "version")          ? 1u
                   : key_is(k, "status")         ? 2u
                   : key_is(k, "reason")         ? 4u
                   : key_is(k, "reason-context") ? 8u
                                                 : 0u;
    if ((*seen & bit) != 0) {
        brski_log(BRSKI_LOG_WARN, "telemetry: duplicate key");
        return BRSKI_ERR_MALFORMED;
    }
    *seen |= bit;
    switch (bit) {
    case 1u:
        if (!cbor_isa_uint(v)) {
            break;
        }
        out->version = cbor_get_int(v);
        return BRSKI_OK;
    case 2u:
        if (!cbor_is_bool(v)) {
            break;
        }
        out->status = cbor_get_bool(v);
        return BRSKI_OK;
    case 4u:
        if (!cbor_isa_string(v) || !cbor_string_is_definite(v)) {
            break;
        }
        if (cbor_string_codepoint_count(v) == 0 && cbor_string_length(v) != 0) {
            brski_log(BRSKI_LOG_WARN, "telemetry: reason is not UTF-8");
            return BRSKI_ERR_MALFORMED;
        }
        return set_reason(out, (const char *)cbor_string_handle(v), cbor_string_length(v));
    case 8u:
        if (!cbor_isa_map(v)) {
            break;
        }
        out->has_reason_context = true;
        return BRSKI_OK;
    default:
        return BRSKI_OK; /* other keys are ignored */
    }
    brski_log(BRSKI_LOG_WARN, "telemetry: RFC 8995 5.7: wrong type for a member");
    return BRSKI_ERR_MALFORMED;
}

brski_err brski_telemetry_parse_cbor(brski_slice in, brski_telemetry *out)
{
    brski_cbor_limits lim;
    memset(out, 0, sizeof(*out));
    memset(&lim, 0, sizeof(lim));
    lim.max_size = BRSKI_TELEMETRY_MAX_BODY;
    lim.max_depth = TELEMETRY_MAX_DEPTH;
    lim.reject_indefinite = true;
    /* libcbor trusts declared lengths: scan first (cbor_scan.h). */
    brski_err rv = brski_cbor_scan(in, &lim, NULL);
    if (rv != BRSKI_OK) {
        brski_log(BRSKI_LOG_WARN, "telemetry: cBRSKI 6.5.1: not one well-formed CBOR item");
        return rv;
    }
    struct cbor_load_result res;
    cbor_item_t *root = cbor_load(in.p, in.len, &res);
    if (root == NULL || res.error.code != CBOR_ERR_NONE || res.read != in.len) {
        rv = root == NULL && res.error.code == CBOR_ERR_MEMERROR ? BRSKI_ERR_NOMEM
                                                                 : BRSKI_ERR_MALFORMED;
        goto out;
    }
    if (!cbor_isa_map(root) || !cbor_map_is_definite(root)) {
        brski_log(BRSKI_LOG_WARN, "telemetry: cBRSKI 6.5.1: report is not a CBOR map");
        rv = BRSKI_ERR_MALFORMED;
        goto out;
    }
    struct cbor_pair *pairs = cbor_map_handle(root);
    unsigned seen = 0;
    for (size_t i = 0; i < cbor_map_size(root) && rv == BRSKI_OK; i++) {
        rv = cbor_entry(pairs[i].key, pairs[i].value, &seen, out);
    }
    if (rv == BRSKI_OK && (seen & 3u) != 3u) {
        brski_log(BRSKI_LOG_WARN, "telemetry: RFC 8995 5.7: version and status are required");
        rv = BRSKI_ERR_MALFORMED;
    }
out:
    if (root != NULL) {
        cbor_decref(&root);
    }
    if (rv != BRSKI_OK) {
        memset(out, 0, sizeof(*out));
    }
    return rv;
}
