/*
 * cbor_scan.h - a bounded pre-scanner over raw CBOR bytes (RFC 8949) and a
 * small deterministic CBOR writer.
 *
 * libcbor 0.8's cbor_load() trusts declared lengths: a five-byte header such
 * as 9a ffffffff makes it try to allocate gigabytes, and its allocator hooks
 * are not exported by Debian's build. Every decoder in libbrski therefore
 * runs brski_cbor_scan() over the bytes first. The scanner allocates
 * nothing, walks the input once with an explicit stack and checks that:
 *   - the input is one well-formed data item (RFC 8949 §3, Appendix F);
 *   - no declared length or element count exceeds what the remaining input
 *     could possibly hold (each element takes at least one byte);
 *   - nesting (arrays, maps, tags, indefinite strings) is at most max_depth;
 *   - the whole input is at most max_size bytes and holds at most max_items
 *     data items;
 *   - indefinite-length items are closed by a break and, for strings, are
 *     made of definite chunks of the same major type (RFC 8949 §3.2.3).
 * Only after this does the caller hand the bytes to cbor_load(), whose
 * allocations are then bounded by the input size.
 *
 * The writer appends minimal-length heads (RFC 8949 §4.2.1 preferred
 * serialisation) to a capped brski_buf.
 */
#ifndef BRSKI_CBOR_SCAN_H
#define BRSKI_CBOR_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "brski/buf.h"
#include "brski/err.h"

#define BRSKI_CBOR_MAX_DEPTH 16u
#define BRSKI_CBOR_MAX_SIZE (64u * 1024u)
#define BRSKI_CBOR_MAX_ITEMS 8192u

/* CBOR major types (RFC 8949 §3.1). */
#define BRSKI_CBOR_UINT 0u
#define BRSKI_CBOR_NEGINT 1u
#define BRSKI_CBOR_BYTES 2u
#define BRSKI_CBOR_TEXT 3u
#define BRSKI_CBOR_ARRAY 4u
#define BRSKI_CBOR_MAP 5u
#define BRSKI_CBOR_TAG 6u
#define BRSKI_CBOR_SIMPLE 7u

typedef struct brski_cbor_limits {
    size_t max_size;        /* whole input, bytes (0: BRSKI_CBOR_MAX_SIZE) */
    unsigned max_depth;     /* nesting levels (0: BRSKI_CBOR_MAX_DEPTH) */
    size_t max_items;       /* data items counted over the input (0: BRSKI_CBOR_MAX_ITEMS) */
    bool reject_indefinite; /* any indefinite-length head is MALFORMED */
    bool allow_trailing;    /* stop after the first item instead of requiring the end */
} brski_cbor_limits;

/*
 * Checks that |in| holds one well-formed CBOR data item within |lim| (NULL:
 * defaults above, indefinite lengths allowed, no trailing bytes). On success
 * |*item_len| (may be NULL) is the encoded length of that item, which equals
 * |in.len| unless |lim->allow_trailing|.
 * Errors: BRSKI_ERR_TOOBIG when the input, depth or item count exceeds a
 * limit; BRSKI_ERR_MALFORMED for truncation, impossible lengths, reserved
 * additional-information values, misplaced breaks, bad indefinite string
 * chunks, non-preferred simple values (f8 00..1f) or trailing bytes;
 * BRSKI_ERR_ARG for a NULL pointer with a non-zero length.
 * Never allocates; runs in time linear in |in.len|.
 */
BRSKI_MUST_USE brski_err brski_cbor_scan(brski_slice in, const brski_cbor_limits *lim,
                                         size_t *item_len);

/*
 * Reads one head at the front of |*in| without looking at the content:
 * |*major| (0..7), |*ai| (additional information, 0..31) and |*arg| (the
 * argument; 0 for indefinite or break). Advances |*in| past the head.
 * False when |*in| is too short or |ai| is reserved (28..30).
 */
bool brski_cbor_read_head(brski_slice *in, unsigned *major, unsigned *ai, uint64_t *arg);

/* ---- writer: each appends to |out| and fails only with _TOOBIG / _NOMEM ---- */

/* A head with the shortest argument encoding for |arg|. */
BRSKI_MUST_USE brski_err brski_cbor_put_head(brski_buf *out, unsigned major, uint64_t arg);

/* An integer: major 0 for v >= 0, major 1 (-1 - v) otherwise. */
BRSKI_MUST_USE brski_err brski_cbor_put_int(brski_buf *out, int64_t v);

/* A byte string / text string with its definite-length head. */
BRSKI_MUST_USE brski_err brski_cbor_put_bytes(brski_buf *out, brski_slice b);
BRSKI_MUST_USE brski_err brski_cbor_put_text(brski_buf *out, const char *s, size_t len);

/* true (f5) / false (f4). */
BRSKI_MUST_USE brski_err brski_cbor_put_bool(brski_buf *out, bool v);

#endif
