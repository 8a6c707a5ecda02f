/*
 * buf.h - borrowed slices and owned, bounded buffers.
 *
 * Every owned buffer has a hard cap (|max|); growth past it fails with
 * BRSKI_ERR_TOOBIG instead of allocating. Slice readers return false rather
 * than over-read.
 */
#ifndef BRSKI_BUF_H
#define BRSKI_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "brski/err.h"

typedef struct brski_slice {
    const uint8_t *p;
    size_t len;
} brski_slice;

typedef struct brski_buf {
    uint8_t *p;
    size_t len, cap, max;
} brski_buf;

/* Common limits (bytes). */
#define BRSKI_MAX_VOUCHER (16u * 1024u)
#define BRSKI_MAX_CERT (16u * 1024u)
#define BRSKI_MAX_CHAIN (32u * 1024u)
#define BRSKI_MAX_CSR (8u * 1024u)
#define BRSKI_MAX_BODY (64u * 1024u)
#define BRSKI_MAX_FILE (1024u * 1024u)

static inline brski_slice brski_slice_make(const void *p, size_t len)
{
    brski_slice s;
    s.p = (const uint8_t *)p;
    s.len = len;
    return s;
}

/* Slice over a NUL-terminated string (without the NUL). */
brski_slice brski_slice_str(const char *s);

/* Slice over the contents of |b|. */
brski_slice brski_buf_slice(const brski_buf *b);

/* True when both slices have the same length and bytes. */
bool brski_slice_eq(brski_slice a, brski_slice b);

/* Consumes |n| bytes from the front of |s| into |out| (borrowed); false if short. */
bool brski_slice_take(brski_slice *s, size_t n, brski_slice *out);

/* Initialises an empty buffer that may grow to |max| bytes. No allocation. */
void brski_buf_init(brski_buf *b, size_t max);

/* Ensures room for |extra| more bytes. BRSKI_ERR_TOOBIG past max, _NOMEM. */
BRSKI_MUST_USE brski_err brski_buf_reserve(brski_buf *b, size_t extra);

/* Appends |len| bytes. BRSKI_ERR_TOOBIG past max, BRSKI_ERR_NOMEM. */
BRSKI_MUST_USE brski_err brski_buf_append(brski_buf *b, const void *p, size_t len);

/* Appends one byte. */
BRSKI_MUST_USE brski_err brski_buf_append_byte(brski_buf *b, uint8_t c);

/* Appends a NUL-terminated string without its NUL. */
BRSKI_MUST_USE brski_err brski_buf_append_str(brski_buf *b, const char *s);

/* printf-style append (no NUL kept in len). */
BRSKI_MUST_USE brski_err brski_buf_printf(brski_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/*
 * Makes b->p a NUL-terminated C string (the NUL is not counted in len).
 * Needs one byte of headroom below max.
 */
BRSKI_MUST_USE brski_err brski_buf_cstr(brski_buf *b);

/* Sets len to 0, keeps the allocation. */
void brski_buf_reset(brski_buf *b);

/* Frees the storage; b is empty afterwards and may be reused. */
void brski_buf_clear(brski_buf *b);

/* Overwrites the whole allocation with zeros (not optimised away), then frees. */
void brski_buf_wipe(brski_buf *b);

/* Zeroes |len| bytes at |p| in a way the compiler cannot drop. */
void brski_memwipe(void *p, size_t len);

/* Moves the storage out of |b| to the caller (who frees it); b becomes empty. */
uint8_t *brski_buf_steal(brski_buf *b, size_t *len);

/* Copies |s| into a fresh heap buffer; NULL on failure or empty input with p NULL. */
uint8_t *brski_memdup(const void *p, size_t len);

/* strndup that never reads past |len|; NULL on allocation failure. */
char *brski_strndup(const char *s, size_t len);

/* Constant-time comparison of two equal-length regions. */
bool brski_ct_eq(const void *a, const void *b, size_t len);

#endif
