#include "brski/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

brski_slice brski_slice_str(const char *s)
{
    return brski_slice_make(s, s != NULL ? strlen(s) : 0);
}

brski_slice brski_buf_slice(const brski_buf *b)
{
    return brski_slice_make(b->p, b->len);
}

bool brski_slice_eq(brski_slice a, brski_slice b)
{
    if (a.len != b.len) {
        return false;
    }
    return a.len == 0 || memcmp(a.p, b.p, a.len) == 0;
}

bool brski_slice_take(brski_slice *s, size_t n, brski_slice *out)
{
    if (s->len < n) {
        return false;
    }
    if (out != NULL) {
        out->p = s->p;
        out->len = n;
    }
    s->p += n;
    s->len -= n;
    return true;
}

void brski_buf_init(brski_buf *b, size_t max)
{
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

brski_err brski_buf_reserve(brski_buf *b, size_t extra)
{
    if (extra > b->max || b->len > b->max - extra) {
        return BRSKI_ERR_TOOBIG;
    }
    size_t need = b->len + extra;
    if (need <= b->cap) {
        return BRSKI_OK;
    }
    size_t ncap = b->cap < 64 ? 64 : b->cap;
    while (ncap < need) {
        ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
    }
    if (ncap > b->max) {
        ncap = b->max;
    }
    uint8_t *np = malloc(ncap);
    if (np == NULL) {
        return BRSKI_ERR_NOMEM;
    }
    if (b->p != NULL) {
        memcpy(np, b->p, b->len);
        /* Old storage may have held key material: wipe before freeing. */
        brski_memwipe(b->p, b->cap);
        free(b->p);
    }
    b->p = np;
    b->cap = ncap;
    return BRSKI_OK;
}

brski_err brski_buf_append(brski_buf *b, const void *p, size_t len)
{
    if (len == 0) {
        return BRSKI_OK;
    }
    brski_err rv = brski_buf_reserve(b, len);
    if (rv != BRSKI_OK) {
        return rv;
    }
    memcpy(b->p + b->len, p, len);
    b->len += len;
    return BRSKI_OK;
}

brski_err brski_buf_append_byte(brski_buf *b, uint8_t c)
{
    return brski_buf_append(b, &c, 1);
}

brski_err brski_buf_append_str(brski_buf *b, const char *s)
{
    return brski_buf_append(b, s, strlen(s));
}

brski_err brski_buf_printf(brski_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return BRSKI_ERR_ARG;
    }
    brski_err rv = brski_buf_reserve(b, (size_t)n + 1);
    if (rv != BRSKI_OK) {
        return rv;
    }
    va_start(ap, fmt);
    (void)vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return BRSKI_OK;
}

brski_err brski_buf_cstr(brski_buf *b)
{
    brski_err rv = brski_buf_reserve(b, 1);
    if (rv != BRSKI_OK) {
        return rv;
    }
    b->p[b->len] = '\0';
    return BRSKI_OK;
}

void brski_buf_reset(brski_buf *b)
{
    b->len = 0;
}

void brski_buf_clear(brski_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
}

void brski_memwipe(void *p, size_t len)
{
    volatile uint8_t *v = p;
    while (len-- > 0) {
        *v++ = 0;
    }
}

void brski_buf_wipe(brski_buf *b)
{
    if (b->p != NULL) {
        brski_memwipe(b->p, b->cap);
    }
    brski_buf_clear(b);
}

uint8_t *brski_buf_steal(brski_buf *b, size_t *len)
{
    uint8_t *p = b->p;
    if (len != NULL) {
        *len = b->len;
    }
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}

uint8_t *brski_memdup(const void *p, size_t len)
{
    uint8_t *d = malloc(len > 0 ? len : 1);
    if (d != NULL && len > 0) {
        memcpy(d, p, len);
    }
    return d;
}

char *brski_strndup(const char *s, size_t len)
{
    size_t n = 0;
    while (n < len && s[n] != '\0') {
        n++;
    }
    char *d = malloc(n + 1);
    if (d == NULL) {
        return NULL;
    }
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

bool brski_ct_eq(const void *a, const void *b, size_t len)
{
    const uint8_t *x = a;
    const uint8_t *y = b;
    uint8_t acc = 0;
    for (size_t i = 0; i < len; i++) {
        acc |= (uint8_t)(x[i] ^ y[i]);
    }
    return acc == 0;
}
