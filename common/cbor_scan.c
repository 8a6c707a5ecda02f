/*
 * cbor_scan.c - bounded CBOR well-formedness pre-scan and a minimal writer.
 * See cbor_scan.h for why this runs before any libcbor decoding.
 */
#include "brski/cbor_scan.h"

#include <string.h>

#include "brski/log.h"

/* One open container on the scanner's stack. */
typedef enum scan_kind {
    SCAN_ARRAY = 0, /* definite array or map: |left| items to go */
    SCAN_TAG,       /* tag: exactly one item follows */
    SCAN_INDEF_SEQ, /* indefinite array or map: items until a break */
    SCAN_INDEF_STR, /* indefinite byte/text string: definite chunks until a break */
} scan_kind;

typedef struct scan_frame {
    scan_kind kind;
    unsigned major;  /* for SCAN_INDEF_SEQ / SCAN_INDEF_STR: the container's major type */
    uint64_t left;   /* definite: items still expected */
    uint64_t seen;   /* indefinite map: items seen (must be even at the break) */
} scan_frame;

bool brski_cbor_read_head(brski_slice *in, unsigned *major, unsigned *ai, uint64_t *arg)
{
    if (in->len < 1) {
        return false;
    }
    uint8_t ib = in->p[0];
    unsigned m = (unsigned)(ib >> 5);
    unsigned a = (unsigned)(ib & 0x1fu);
    size_t extra = 0;
    if (a == 24) {
        extra = 1;
    } else if (a == 25) {
        extra = 2;
    } else if (a == 26) {
        extra = 4;
    } else if (a == 27) {
        extra = 8;
    } else if (a >= 28 && a <= 30) {
        /* RFC 8949 §3: additional information 28..30 is reserved (not well-formed). */
        return false;
    }
    if (in->len - 1 < extra) {
        return false;
    }
    uint64_t v = 0;
    if (a < 24) {
        v = a;
    }
    for (size_t i = 0; i < extra; i++) {
        v = (v << 8) | in->p[1 + i];
    }
    in->p += 1 + extra;
    in->len -= 1 + extra;
    *major = m;
    *ai = a;
    *arg = v;
    return true;
}

static brski_err scan_fail(brski_err rv, size_t pos, const char *why)
{
    brski_log(BRSKI_LOG_DEBUG, "cbor: RFC 8949 3: %s at offset %zu", why, pos);
    return rv;
}

brski_err brski_cbor_scan(brski_slice in, const brski_cbor_limits *lim, size_t *item_len)
{
    size_t max_size = BRSKI_CBOR_MAX_SIZE;
    unsigned max_depth = BRSKI_CBOR_MAX_DEPTH;
    size_t max_items = BRSKI_CBOR_MAX_ITEMS;
    bool reject_indef = false;
    bool allow_trailing = false;
    if (lim != NULL) {
        max_size = lim->max_size != 0 ? lim->max_size : max_size;
        max_depth = lim->max_depth != 0 ? lim->max_depth : max_depth;
        max_items = lim->max_items != 0 ? lim->max_items : max_items;
        reject_indef = lim->reject_indefinite;
        allow_trailing = lim->allow_trailing;
    }
    if (max_depth > BRSKI_CBOR_MAX_DEPTH) {
        max_depth = BRSKI_CBOR_MAX_DEPTH;
    }
    if (in.p == NULL && in.len != 0) {
        return BRSKI_ERR_ARG;
    }
    if (in.len > max_size) {
        return scan_fail(BRSKI_ERR_TOOBIG, 0, "input larger than the limit");
    }

    scan_frame stack[BRSKI_CBOR_MAX_DEPTH];
    unsigned depth = 0;
    size_t items = 0;
    brski_slice cur = in;

    for (;;) {
        size_t pos = in.len - cur.len;
        if (cur.len == 0) {
            return scan_fail(BRSKI_ERR_MALFORMED, pos, "truncated item");
        }
        scan_frame *top = depth > 0 ? &stack[depth - 1] : NULL;

        /* A break closes the innermost indefinite container. */
        if (cur.p[0] == 0xff) {
            if (top == NULL || (top->kind != SCAN_INDEF_SEQ && top->kind != SCAN_INDEF_STR)) {
                return scan_fail(BRSKI_ERR_MALFORMED, pos, "break outside an indefinite item");
            }
            if (top->kind == SCAN_INDEF_SEQ && top->major == BRSKI_CBOR_MAP &&
                (top->seen & 1u) != 0) {
                return scan_fail(BRSKI_ERR_MALFORMED, pos, "indefinite map with a key but no value");
            }
            cur.p++;
            cur.len--;
            depth--;
            /* The closed container is itself one complete item of its parent. */
        } else {
            unsigned major = 0, ai = 0;
            uint64_t arg = 0;
            if (!brski_cbor_read_head(&cur, &major, &ai, &arg)) {
                return scan_fail(BRSKI_ERR_MALFORMED, pos, "truncated or reserved head");
            }
            if (++items > max_items) {
                return scan_fail(BRSKI_ERR_TOOBIG, pos, "too many data items");
            }
            if (top != NULL && top->kind == SCAN_INDEF_STR) {
                /* RFC 8949 §3.2.3: chunks are definite strings of the same major type. */
                if (major != top->major || ai == 31) {
                    return scan_fail(BRSKI_ERR_MALFORMED, pos, "bad indefinite string chunk");
                }
            }
            bool opens = false;
            scan_frame nf;
            memset(&nf, 0, sizeof(nf));
            if (ai == 31) {
                if (major == BRSKI_CBOR_UINT || major == BRSKI_CBOR_NEGINT ||
                    major == BRSKI_CBOR_TAG || major == BRSKI_CBOR_SIMPLE) {
                    return scan_fail(BRSKI_ERR_MALFORMED, pos, "indefinite length on a scalar");
                }
                if (reject_indef) {
                    return scan_fail(BRSKI_ERR_MALFORMED, pos, "indefinite length not allowed");
                }
                opens = true;
                nf.kind = (major == BRSKI_CBOR_BYTES || major == BRSKI_CBOR_TEXT) ? SCAN_INDEF_STR
                                                                                 : SCAN_INDEF_SEQ;
                nf.major = major;
            } else {
                uint64_t room = (uint64_t)cur.len;
                switch (major) {
                case BRSKI_CBOR_BYTES:
                case BRSKI_CBOR_TEXT:
                    if (arg > room) {
                        return scan_fail(BRSKI_ERR_MALFORMED, pos, "string longer than the input");
                    }
                    cur.p += (size_t)arg;
                    cur.len -= (size_t)arg;
                    break;
                case BRSKI_CBOR_ARRAY:
                    /* Each element takes at least one byte. */
                    if (arg > room) {
                        return scan_fail(BRSKI_ERR_MALFORMED, pos, "array count exceeds the input");
                    }
                    if (arg > 0) {
                        opens = true;
                        nf.kind = SCAN_ARRAY;
                        nf.left = arg;
                    }
                    break;
                case BRSKI_CBOR_MAP:
                    if (arg > room / 2) {
                        return scan_fail(BRSKI_ERR_MALFORMED, pos, "map count exceeds the input");
                    }
                    if (arg > 0) {
                        opens = true;
                        nf.kind = SCAN_ARRAY;
                        nf.left = arg * 2;
                    }
                    break;
                case BRSKI_CBOR_TAG:
                    opens = true;
                    nf.kind = SCAN_TAG;
                    nf.left = 1;
                    break;
                case BRSKI_CBOR_SIMPLE:
                    /* RFC 8949 §3.3: f8 with a value below 32 is not well-formed. */
                    if (ai == 24 && arg < 32) {
                        return scan_fail(BRSKI_ERR_MALFORMED, pos, "simple value in two bytes");
                    }
                    break;
                default:
                    break;
                }
            }
            if (opens) {
                if (depth >= max_depth) {
                    return scan_fail(BRSKI_ERR_TOOBIG, pos, "nesting deeper than the limit");
                }
                stack[depth++] = nf;
                continue;
            }
        }

        /* One item completed: account for it in the enclosing containers. */
        for (;;) {
            if (depth == 0) {
                size_t used = in.len - cur.len;
                if (!allow_trailing && cur.len != 0) {
                    return scan_fail(BRSKI_ERR_MALFORMED, used, "trailing bytes after the item");
                }
                if (item_len != NULL) {
                    *item_len = used;
                }
                return BRSKI_OK;
            }
            scan_frame *f = &stack[depth - 1];
            if (f->kind == SCAN_INDEF_SEQ) {
                f->seen++;
                break;
            }
            if (f->kind == SCAN_INDEF_STR) {
                break;
            }
            if (--f->left > 0) {
                break;
            }
            depth--;
        }
    }
}

brski_err brski_cbor_put_head(brski_buf *out, unsigned major, uint64_t arg)
{
    uint8_t h[9];
    size_t n;
    uint8_t mt = (uint8_t)((major & 7u) << 5);
    if (arg < 24) {
        h[0] = (uint8_t)(mt | (uint8_t)arg);
        n = 1;
    } else if (arg <= 0xffu) {
        h[0] = (uint8_t)(mt | 24u);
        n = 2;
    } else if (arg <= 0xffffu) {
        h[0] = (uint8_t)(mt | 25u);
        n = 3;
    } else if (arg <= 0xffffffffu) {
        h[0] = (uint8_t)(mt | 26u);
        n = 5;
    } else {
        h[0] = (uint8_t)(mt | 27u);
        n = 9;
    }
    if (n > 1) {
        uint64_t v = arg;
        for (size_t i = n - 1; i >= 1; i--) {
            h[i] = (uint8_t)(v & 0xffu);
            v >>= 8;
        }
    }
    return brski_buf_append(out, h, n);
}

brski_err brski_cbor_put_int(brski_buf *out, int64_t v)
{
    if (v >= 0) {
        return brski_cbor_put_head(out, BRSKI_CBOR_UINT, (uint64_t)v);
    }
    /* -1 - v without overflow for INT64_MIN. */
    return brski_cbor_put_head(out, BRSKI_CBOR_NEGINT, (uint64_t)(-(v + 1)));
}

brski_err brski_cbor_put_bytes(brski_buf *out, brski_slice b)
{
    brski_err rv = brski_cbor_put_head(out, BRSKI_CBOR_BYTES, b.len);
    if (rv == BRSKI_OK && b.len > 0) {
        rv = brski_buf_append(out, b.p, b.len);
    }
    return rv;
}

brski_err brski_cbor_put_text(brski_buf *out, const char *s, size_t len)
{
    brski_err rv = brski_cbor_put_head(out, BRSKI_CBOR_TEXT, len);
    if (rv == BRSKI_OK && len > 0) {
        rv = brski_buf_append(out, s, len);
    }
    return rv;
}

brski_err brski_cbor_put_bool(brski_buf *out, bool v)
{
    return brski_buf_append_byte(out, v ? 0xf5 : 0xf4);
}
