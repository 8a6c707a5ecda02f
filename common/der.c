/*
 * der.c - strict DER reader and small DER writer (X.690).
 */
#include "brski/der.h"

#include <stdio.h>
#include <string.h>

#include "brski/env.h"

/* Longest length field we accept: 4 octets (far above every BRSKI_MAX_*). */
#define DER_MAX_LEN_OCTETS 4u

brski_err brski_der_read(brski_slice *in, uint8_t *tag, brski_slice *content, brski_slice *whole)
{
    if (in == NULL || tag == NULL || content == NULL || in->len < 2 || in->p == NULL) {
        return BRSKI_ERR_MALFORMED;
    }
    const uint8_t *p = in->p;
    size_t avail = in->len;
    uint8_t t = p[0];
    /* X.690 8.1.2.4: tag number 31 introduces the high-tag form; we reject it. */
    if ((t & 0x1fu) == 0x1fu) {
        return BRSKI_ERR_MALFORMED;
    }
    size_t hdr = 2;
    size_t len = 0;
    uint8_t l0 = p[1];
    if (l0 < 0x80u) {
        len = l0;
    } else {
        /* X.690 10.1: definite form only, with the minimum number of octets. */
        size_t n = (size_t)(l0 & 0x7fu);
        if (n == 0 || n > DER_MAX_LEN_OCTETS || avail < 2 + n || p[2] == 0) {
            return BRSKI_ERR_MALFORMED;
        }
        for (size_t i = 0; i < n; i++) {
            len = (len << 8) | p[2 + i];
        }
        if (len < 0x80u) {
            return BRSKI_ERR_MALFORMED;
        }
        hdr += n;
    }
    if (len > avail - hdr) {
        return BRSKI_ERR_MALFORMED;
    }
    *tag = t;
    content->p = p + hdr;
    content->len = len;
    if (whole != NULL) {
        whole->p = p;
        whole->len = hdr + len;
    }
    in->p = p + hdr + len;
    in->len = avail - hdr - len;
    return BRSKI_OK;
}

brski_err brski_der_expect(brski_slice *in, uint8_t tag, brski_slice *content, brski_slice *whole)
{
    brski_slice tmp = *in;
    uint8_t t = 0;
    brski_err rv = brski_der_read(&tmp, &t, content, whole);
    if (rv != BRSKI_OK) {
        return rv;
    }
    if (t != tag) {
        return BRSKI_ERR_MALFORMED;
    }
    *in = tmp;
    return BRSKI_OK;
}

bool brski_der_peek(brski_slice in, uint8_t tag)
{
    return in.len > 0 && in.p != NULL && in.p[0] == tag;
}

bool brski_der_int_is_minimal(brski_slice c)
{
    if (c.len == 0) {
        return false;
    }
    if (c.len >= 2) {
        /* X.690 8.3.2: the first nine bits must not be all ones or all zeros. */
        if (c.p[0] == 0x00 && (c.p[1] & 0x80u) == 0) {
            return false;
        }
        if (c.p[0] == 0xff && (c.p[1] & 0x80u) != 0) {
            return false;
        }
    }
    return true;
}

brski_err brski_der_int_u64(brski_slice c, uint64_t *out)
{
    if (!brski_der_int_is_minimal(c) || (c.p[0] & 0x80u) != 0) {
        return BRSKI_ERR_MALFORMED;
    }
    size_t start = (c.p[0] == 0x00) ? 1 : 0;
    if (c.len - start > 8) {
        return BRSKI_ERR_MALFORMED;
    }
    uint64_t v = 0;
    for (size_t i = start; i < c.len; i++) {
        v = (v << 8) | c.p[i];
    }
    *out = v;
    return BRSKI_OK;
}

brski_err brski_der_bool(brski_slice c, bool *out)
{
    /* X.690 11.1: TRUE is 0xFF in DER. */
    if (c.len != 1 || (c.p[0] != 0x00 && c.p[0] != 0xff)) {
        return BRSKI_ERR_MALFORMED;
    }
    *out = c.p[0] == 0xff;
    return BRSKI_OK;
}

brski_err brski_der_bitstring(brski_slice c, bool allow_unused, brski_slice *bits,
                              unsigned *unused)
{
    if (c.len < 1 || c.p[0] > 7) {
        return BRSKI_ERR_MALFORMED;
    }
    unsigned u = c.p[0];
    if (c.len == 1 && u != 0) {
        return BRSKI_ERR_MALFORMED;
    }
    if (u != 0) {
        /* X.690 11.2.1: unused bits are zero in DER. */
        uint8_t mask = (uint8_t)((1u << u) - 1u);
        if (!allow_unused || (c.p[c.len - 1] & mask) != 0) {
            return BRSKI_ERR_MALFORMED;
        }
    }
    bits->p = c.p + 1;
    bits->len = c.len - 1;
    if (unused != NULL) {
        *unused = u;
    }
    return BRSKI_OK;
}

/* Reads one base-128 sub-identifier; false on a non-minimal or unterminated one. */
static bool oid_arc(brski_slice *c, uint64_t *v)
{
    if (c->len == 0 || c->p[0] == 0x80u) {
        return false;
    }
    uint64_t acc = 0;
    while (c->len > 0) {
        uint8_t b = c->p[0];
        c->p++;
        c->len--;
        if (acc > (UINT64_MAX >> 7)) {
            return false;
        }
        acc = (acc << 7) | (b & 0x7fu);
        if ((b & 0x80u) == 0) {
            *v = acc;
            return true;
        }
    }
    return false;
}

brski_err brski_der_oid_to_str(brski_slice content, char *out, size_t cap)
{
    if (out == NULL || cap == 0 || content.len == 0 || content.len > BRSKI_OID_STR_MAX) {
        return BRSKI_ERR_MALFORMED;
    }
    brski_slice c = content;
    size_t pos = 0;
    bool first = true;
    while (c.len > 0) {
        uint64_t v = 0;
        if (!oid_arc(&c, &v)) {
            return BRSKI_ERR_MALFORMED;
        }
        int n;
        size_t room = cap - pos;
        if (first) {
            uint64_t a = v < 40 ? 0 : (v < 80 ? 1 : 2);
            n = snprintf(out + pos, room, "%llu.%llu", (unsigned long long)a,
                         (unsigned long long)(v - a * 40));
            first = false;
        } else {
            n = snprintf(out + pos, room, ".%llu", (unsigned long long)v);
        }
        if (n < 0 || (size_t)n >= room) {
            return BRSKI_ERR_TOOBIG;
        }
        pos += (size_t)n;
    }
    return BRSKI_OK;
}

static brski_err put_arc(brski_buf *out, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    do {
        tmp[n++] = (uint8_t)(v & 0x7fu);
        v >>= 7;
    } while (v != 0);
    for (size_t i = n; i > 0; i--) {
        uint8_t b = tmp[i - 1];
        if (i > 1) {
            b |= 0x80u;
        }
        brski_err rv = brski_buf_append_byte(out, b);
        if (rv != BRSKI_OK) {
            return rv;
        }
    }
    return BRSKI_OK;
}

static bool parse_dec(const char **s, uint64_t *v)
{
    const char *p = *s;
    if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' && p[1] <= '9')) {
        return false;
    }
    uint64_t acc = 0;
    while (*p >= '0' && *p <= '9') {
        uint64_t d = (uint64_t)(*p - '0');
        if (acc > (UINT64_MAX - d) / 10) {
            return false;
        }
        acc = acc * 10 + d;
        p++;
    }
    *s = p;
    *v = acc;
    return true;
}

brski_err brski_der_oid_from_str(const char *dotted, brski_buf *out)
{
    if (dotted == NULL || out == NULL || strlen(dotted) > BRSKI_OID_STR_MAX) {
        return BRSKI_ERR_ARG;
    }
    const char *p = dotted;
    uint64_t a = 0;
    uint64_t b = 0;
    if (!parse_dec(&p, &a) || a > 2 || *p != '.') {
        return BRSKI_ERR_ARG;
    }
    p++;
    if (!parse_dec(&p, &b) || (a < 2 && b >= 40) || b > UINT64_MAX - 80) {
        return BRSKI_ERR_ARG;
    }
    size_t start = out->len;
    brski_err rv = put_arc(out, a * 40 + b);
    while (rv == BRSKI_OK && *p != '\0') {
        uint64_t v = 0;
        if (*p != '.') {
            rv = BRSKI_ERR_ARG;
            break;
        }
        p++;
        if (!parse_dec(&p, &v)) {
            rv = BRSKI_ERR_ARG;
            break;
        }
        rv = put_arc(out, v);
    }
    if (rv != BRSKI_OK) {
        out->len = start;
    }
    return rv;
}

bool brski_der_oid_eq(brski_slice content, const char *oid)
{
    brski_buf b;
    brski_buf_init(&b, BRSKI_OID_STR_MAX);
    bool eq = brski_der_oid_from_str(oid, &b) == BRSKI_OK && content.len == b.len &&
              (b.len == 0 || memcmp(content.p, b.p, b.len) == 0);
    brski_buf_clear(&b);
    return eq;
}

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return (m == 2 && is_leap(y)) ? 29 : dm[m - 1];
}

static bool digits(const uint8_t *p, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return false;
        }
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

brski_err brski_der_time(uint8_t tag, brski_slice c, int64_t *out)
{
    int y = 0;
    int mo = 0;
    int d = 0;
    int h = 0;
    int mi = 0;
    int s = 0;
    const uint8_t *p = c.p;
    if (tag == BRSKI_DER_UTC_TIME) {
        if (c.len != 13 || !digits(p, 2, &y)) {
            return BRSKI_ERR_MALFORMED;
        }
        /* RFC 5280 4.1.2.5.1: YY >= 50 is 19YY, else 20YY. */
        y += (y >= 50) ? 1900 : 2000;
        p += 2;
    } else if (tag == BRSKI_DER_GENERALIZED_TIME) {
        if (c.len != 15 || !digits(p, 4, &y)) {
            return BRSKI_ERR_MALFORMED;
        }
        p += 4;
    } else {
        return BRSKI_ERR_MALFORMED;
    }
    if (!digits(p, 2, &mo) || !digits(p + 2, 2, &d) || !digits(p + 4, 2, &h) ||
        !digits(p + 6, 2, &mi) || !digits(p + 8, 2, &s) || p[10] != 'Z') {
        return BRSKI_ERR_MALFORMED;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 59) {
        return BRSKI_ERR_MALFORMED;
    }
    *out = brski_time_from_civil(y, mo, d, h, mi, s);
    return BRSKI_OK;
}

/* ---- writer ---- */

static size_t len_octets(size_t len)
{
    size_t n = 1;
    if (len >= 0x80u) {
        for (size_t v = len; v != 0; v >>= 8) {
            n++;
        }
    }
    return n;
}

static void encode_len(size_t len, uint8_t *out, size_t n)
{
    if (n == 1) {
        out[0] = (uint8_t)len;
        return;
    }
    out[0] = (uint8_t)(0x80u | (n - 1));
    for (size_t i = n - 1; i > 0; i--) {
        out[i] = (uint8_t)(len & 0xffu);
        len >>= 8;
    }
}

brski_err brski_der_put(brski_buf *b, uint8_t tag, brski_slice content)
{
    size_t n = len_octets(content.len);
    brski_err rv = brski_buf_reserve(b, 1 + n + content.len);
    if (rv != BRSKI_OK) {
        return rv;
    }
    b->p[b->len] = tag;
    encode_len(content.len, b->p + b->len + 1, n);
    if (content.len > 0) {
        memmove(b->p + b->len + 1 + n, content.p, content.len);
    }
    b->len += 1 + n + content.len;
    return BRSKI_OK;
}

brski_err brski_der_begin(brski_buf *b, uint8_t tag, size_t *mark)
{
    brski_err rv = brski_buf_append_byte(b, tag);
    if (rv == BRSKI_OK) {
        *mark = b->len;
    }
    return rv;
}

brski_err brski_der_end(brski_buf *b, size_t mark)
{
    if (mark > b->len || mark == 0) {
        return BRSKI_ERR_ARG;
    }
    size_t clen = b->len - mark;
    size_t n = len_octets(clen);
    brski_err rv = brski_buf_reserve(b, n);
    if (rv != BRSKI_OK) {
        return rv;
    }
    memmove(b->p + mark + n, b->p + mark, clen);
    encode_len(clen, b->p + mark, n);
    b->len += n;
    return BRSKI_OK;
}

brski_err brski_der_put_uint_bytes(brski_buf *b, brski_slice be)
{
    size_t i = 0;
    while (i < be.len && be.p[i] == 0) {
        i++;
    }
    uint8_t tmp[1] = {0};
    size_t mark = 0;
    brski_err rv = brski_der_begin(b, BRSKI_DER_INTEGER, &mark);
    if (rv == BRSKI_OK && (i == be.len || (be.p[i] & 0x80u) != 0)) {
        rv = brski_buf_append(b, tmp, 1);
    }
    if (rv == BRSKI_OK && i < be.len) {
        rv = brski_buf_append(b, be.p + i, be.len - i);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(b, mark);
    }
    return rv;
}

brski_err brski_der_put_u64(brski_buf *b, uint64_t v)
{
    uint8_t tmp[8];
    for (size_t i = 0; i < 8; i++) {
        tmp[7 - i] = (uint8_t)(v >> (8 * i));
    }
    return brski_der_put_uint_bytes(b, brski_slice_make(tmp, sizeof(tmp)));
}

brski_err brski_der_put_oid(brski_buf *b, const char *dotted)
{
    size_t mark = 0;
    brski_err rv = brski_der_begin(b, BRSKI_DER_OID, &mark);
    if (rv == BRSKI_OK) {
        rv = brski_der_oid_from_str(dotted, b);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(b, mark);
    } else if (mark > 0) {
        b->len = mark - 1;
    }
    return rv;
}

brski_err brski_der_put_bool(brski_buf *b, bool v)
{
    uint8_t c = v ? 0xffu : 0x00u;
    return brski_der_put(b, BRSKI_DER_BOOLEAN, brski_slice_make(&c, 1));
}

brski_err brski_der_put_time(brski_buf *b, int64_t t)
{
    char iso[32];
    brski_err rv = brski_time_format(t, iso, sizeof(iso));
    if (rv != BRSKI_OK) {
        return rv;
    }
    /* iso: YYYY-MM-DDTHH:MM:SSZ */
    char out[16];
    size_t n = 0;
    int year = (iso[0] - '0') * 1000 + (iso[1] - '0') * 100 + (iso[2] - '0') * 10 + (iso[3] - '0');
    /*
     * RFC 5280 4.1.2.5: "CAs conforming to this profile MUST always encode
     * certificate validity dates through the year 2049 as UTCTime; certificate
     * validity dates in 2050 or later MUST be encoded as GeneralizedTime."
     */
    bool utc = year >= 1950 && year <= 2049;
    const int idx[] = {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18};
    for (size_t i = utc ? 2 : 0; i < sizeof(idx) / sizeof(idx[0]); i++) {
        out[n++] = iso[idx[i]];
    }
    out[n++] = 'Z';
    return brski_der_put(b, utc ? BRSKI_DER_UTC_TIME : BRSKI_DER_GENERALIZED_TIME,
                         brski_slice_make(out, n));
}

static bool printable_char(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    return strchr(" '()+,-./:=?", c) != NULL;
}

brski_err brski_der_put_string(brski_buf *b, uint8_t tag, const char *s)
{
    if (s == NULL) {
        return BRSKI_ERR_ARG;
    }
    for (const char *p = s; *p != '\0'; p++) {
        if (tag == BRSKI_DER_PRINTABLE_STRING && !printable_char(*p)) {
            return BRSKI_ERR_ARG;
        }
        if (tag == BRSKI_DER_IA5_STRING && ((unsigned char)*p) >= 0x80u) {
            return BRSKI_ERR_ARG;
        }
    }
    return brski_der_put(b, tag, brski_slice_str(s));
}

brski_err brski_der_put_bitstring(brski_buf *b, brski_slice bits)
{
    size_t mark = 0;
    brski_err rv = brski_der_begin(b, BRSKI_DER_BIT_STRING, &mark);
    if (rv == BRSKI_OK) {
        rv = brski_buf_append_byte(b, 0);
    }
    if (rv == BRSKI_OK && bits.len > 0) {
        rv = brski_buf_append(b, bits.p, bits.len);
    }
    if (rv == BRSKI_OK) {
        rv = brski_der_end(b, mark);
    }
    return rv;
}
