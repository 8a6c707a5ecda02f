#include "brski/codec.h"

#include <string.h>

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static brski_err b64_encode(brski_slice in, brski_buf *out, const char *alpha, bool pad)
{
    size_t full = in.len / 3;
    size_t rem = in.len % 3;
    size_t olen = full * 4 + (rem == 0 ? 0 : (pad ? 4 : rem + 1));
    brski_err rv = brski_buf_reserve(out, olen);
    if (rv != BRSKI_OK) {
        return rv;
    }
    uint8_t *o = out->p + out->len;
    size_t i = 0;
    for (size_t g = 0; g < full; g++, i += 3) {
        uint32_t v = ((uint32_t)in.p[i] << 16) | ((uint32_t)in.p[i + 1] << 8) | in.p[i + 2];
        *o++ = (uint8_t)alpha[(v >> 18) & 63];
        *o++ = (uint8_t)alpha[(v >> 12) & 63];
        *o++ = (uint8_t)alpha[(v >> 6) & 63];
        *o++ = (uint8_t)alpha[v & 63];
    }
    if (rem > 0) {
        uint32_t v = (uint32_t)in.p[i] << 16;
        if (rem == 2) {
            v |= (uint32_t)in.p[i + 1] << 8;
        }
        *o++ = (uint8_t)alpha[(v >> 18) & 63];
        *o++ = (uint8_t)alpha[(v >> 12) & 63];
        if (rem == 2) {
            *o++ = (uint8_t)alpha[(v >> 6) & 63];
        } else if (pad) {
            *o++ = '=';
        }
        if (pad) {
            *o++ = '=';
        }
    }
    out->len += olen;
    return BRSKI_OK;
}

brski_err brski_base64_encode(brski_slice in, brski_buf *out)
{
    return b64_encode(in, out, b64_std, true);
}

brski_err brski_base64url_encode(brski_slice in, brski_buf *out)
{
    return b64_encode(in, out, b64_url, false);
}

/* Value of a base64 character in either alphabet per |mode|; -1 if invalid. */
static int b64_val(uint8_t c, bool std, bool url)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (std && c == '+') {
        return 62;
    }
    if (std && c == '/') {
        return 63;
    }
    if (url && c == '-') {
        return 62;
    }
    if (url && c == '_') {
        return 63;
    }
    return -1;
}

static bool is_ws(uint8_t c)
{
    return c == ' ' || c == '\r' || c == '\n' || c == '\t';
}

static brski_err b64_decode(brski_slice in, brski_buf *out, bool loose)
{
    uint32_t acc = 0;
    unsigned nbits = 0;
    size_t nchars = 0;
    size_t npad = 0;
    size_t start = out->len;
    brski_err rv = brski_buf_reserve(out, in.len / 4 * 3 + 3);
    if (rv != BRSKI_OK) {
        return rv;
    }
    for (size_t i = 0; i < in.len; i++) {
        uint8_t c = in.p[i];
        if (loose && is_ws(c)) {
            continue;
        }
        if (c == '=') {
            npad++;
            continue;
        }
        if (npad > 0) {
            goto bad; /* data after padding */
        }
        int v = b64_val(c, true, loose);
        if (v < 0) {
            goto bad;
        }
        acc = (acc << 6) | (uint32_t)v;
        nbits += 6;
        nchars++;
        if (nbits >= 8) {
            nbits -= 8;
            out->p[out->len++] = (uint8_t)(acc >> nbits);
            acc &= (1u << nbits) - 1u;
        }
    }
    if (nchars % 4 == 1) {
        goto bad;
    }
    if (!loose) {
        size_t want = (4 - nchars % 4) % 4;
        if (npad != want) {
            goto bad;
        }
        /* RFC 4648 3.5: pad bits must be zero for a canonical encoding. */
        if (acc != 0) {
            goto bad;
        }
    } else if (npad > 2) {
        goto bad;
    }
    return BRSKI_OK;
bad:
    out->len = start;
    return BRSKI_ERR_MALFORMED;
}

brski_err brski_base64_decode(brski_slice in, brski_buf *out)
{
    return b64_decode(in, out, false);
}

brski_err brski_base64_decode_loose(brski_slice in, brski_buf *out)
{
    return b64_decode(in, out, true);
}

brski_err brski_hex_encode(brski_slice in, brski_buf *out)
{
    static const char hex[] = "0123456789abcdef";
    brski_err rv = brski_buf_reserve(out, in.len * 2);
    if (rv != BRSKI_OK) {
        return rv;
    }
    for (size_t i = 0; i < in.len; i++) {
        out->p[out->len++] = (uint8_t)hex[in.p[i] >> 4];
        out->p[out->len++] = (uint8_t)hex[in.p[i] & 15];
    }
    return BRSKI_OK;
}

static int hex_val(uint8_t c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

brski_err brski_hex_decode(brski_slice in, brski_buf *out)
{
    int hi = -1;
    size_t start = out->len;
    for (size_t i = 0; i < in.len; i++) {
        if (is_ws(in.p[i])) {
            continue;
        }
        int v = hex_val(in.p[i]);
        if (v < 0) {
            out->len = start;
            return BRSKI_ERR_MALFORMED;
        }
        if (hi < 0) {
            hi = v;
            continue;
        }
        brski_err rv = brski_buf_append_byte(out, (uint8_t)(hi << 4 | v));
        if (rv != BRSKI_OK) {
            out->len = start;
            return rv;
        }
        hi = -1;
    }
    if (hi >= 0) {
        out->len = start;
        return BRSKI_ERR_MALFORMED;
    }
    return BRSKI_OK;
}

static const uint8_t *find_mem(const uint8_t *h, size_t hlen, const char *needle)
{
    size_t nlen = strlen(needle);
    if (nlen == 0 || hlen < nlen) {
        return NULL;
    }
    for (size_t i = 0; i + nlen <= hlen; i++) {
        if (h[i] == (uint8_t)needle[0] && memcmp(h + i, needle, nlen) == 0) {
            return h + i;
        }
    }
    return NULL;
}

bool brski_is_pem(brski_slice in)
{
    return find_mem(in.p, in.len, "-----BEGIN ") != NULL;
}

brski_err brski_pem_decode(brski_slice in, const char *label, size_t index, brski_buf *out,
                           char *label_out, size_t label_cap)
{
    const uint8_t *p = in.p;
    size_t left = in.len;
    size_t seen = 0;
    while (left > 0) {
        const uint8_t *b = find_mem(p, left, "-----BEGIN ");
        if (b == NULL) {
            return BRSKI_ERR_NOTFOUND;
        }
        const uint8_t *lab = b + 11;
        size_t rest = (size_t)(p + left - lab);
        const uint8_t *lab_end = find_mem(lab, rest, "-----");
        if (lab_end == NULL || lab_end - lab > 64) {
            return BRSKI_ERR_MALFORMED;
        }
        size_t lab_len = (size_t)(lab_end - lab);
        const uint8_t *body = lab_end + 5;
        rest = (size_t)(p + left - body);
        const uint8_t *e = find_mem(body, rest, "-----END ");
        if (e == NULL) {
            return BRSKI_ERR_MALFORMED;
        }
        const uint8_t *e_lab = e + 9;
        rest = (size_t)(p + left - e_lab);
        if (rest < lab_len + 5 || memcmp(e_lab, lab, lab_len) != 0 ||
            memcmp(e_lab + lab_len, "-----", 5) != 0) {
            return BRSKI_ERR_MALFORMED;
        }
        bool match = label == NULL ||
                     (strlen(label) == lab_len && memcmp(label, lab, lab_len) == 0);
        if (match) {
            if (seen == index) {
                if (label_out != NULL && label_cap > 0) {
                    size_t n = lab_len < label_cap - 1 ? lab_len : label_cap - 1;
                    memcpy(label_out, lab, n);
                    label_out[n] = '\0';
                }
                return brski_base64_decode_loose(brski_slice_make(body, (size_t)(e - body)),
                                                 out);
            }
            seen++;
        }
        const uint8_t *next = e_lab + lab_len + 5;
        left = (size_t)(p + left - next);
        p = next;
    }
    return BRSKI_ERR_NOTFOUND;
}

brski_err brski_pem_encode(brski_slice der, const char *label, brski_buf *out)
{
    brski_buf b64;
    brski_buf_init(&b64, der.len / 3 * 4 + 8);
    brski_err rv = brski_base64_encode(der, &b64);
    if (rv != BRSKI_OK) {
        goto out;
    }
    rv = brski_buf_printf(out, "-----BEGIN %s-----\n", label);
    for (size_t off = 0; rv == BRSKI_OK && off < b64.len; off += 64) {
        size_t n = b64.len - off < 64 ? b64.len - off : 64;
        rv = brski_buf_append(out, b64.p + off, n);
        if (rv == BRSKI_OK) {
            rv = brski_buf_append_byte(out, '\n');
        }
    }
    if (rv == BRSKI_OK) {
        rv = brski_buf_printf(out, "-----END %s-----\n", label);
    }
out:
    brski_buf_clear(&b64);
    return rv;
}
