#include "brski/log.h"

#include <stdarg.h>
#include <stdio.h>

static brski_log_sink log_sink = NULL;
static void *log_ctx = NULL;
static brski_log_level log_min = BRSKI_LOG_NONE;

#define LOG_LINE_MAX 1024

void brski_log_set_sink(brski_log_sink sink, void *ctx, brski_log_level level)
{
    log_sink = sink;
    log_ctx = ctx;
    log_min = sink != NULL ? level : BRSKI_LOG_NONE;
}

brski_log_level brski_log_level_get(void)
{
    return log_min;
}

const char *brski_log_level_name(brski_log_level level)
{
    switch (level) {
    case BRSKI_LOG_DEBUG:
        return "debug";
    case BRSKI_LOG_INFO:
        return "info";
    case BRSKI_LOG_WARN:
        return "warn";
    case BRSKI_LOG_ERROR:
        return "error";
    case BRSKI_LOG_NONE:
        break;
    }
    return "none";
}

void brski_log_stderr_sink(void *ctx, brski_log_level level, const char *line)
{
    (void)ctx;
    fprintf(stderr, "%s: %s\n", brski_log_level_name(level), line);
}

size_t brski_log_escape(const char *in, size_t in_len, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    if (cap == 0) {
        return 0;
    }
    for (size_t i = 0; i < in_len; i++) {
        unsigned char c = (unsigned char)in[i];
        char esc[5];
        size_t n;
        if (c == '\n') {
            esc[0] = '\\';
            esc[1] = 'n';
            n = 2;
        } else if (c == '\r') {
            esc[0] = '\\';
            esc[1] = 'r';
            n = 2;
        } else if (c == '\t') {
            esc[0] = '\\';
            esc[1] = 't';
            n = 2;
        } else if (c == '\\') {
            esc[0] = '\\';
            esc[1] = '\\';
            n = 2;
        } else if (c < 0x20 || c == 0x7f) {
            esc[0] = '\\';
            esc[1] = 'x';
            esc[2] = hex[c >> 4];
            esc[3] = hex[c & 0x0f];
            n = 4;
        } else {
            esc[0] = (char)c;
            n = 1;
        }
        if (o + n >= cap) {
            break;
        }
        for (size_t k = 0; k < n; k++) {
            out[o++] = esc[k];
        }
    }
    out[o] = '\0';
    return o;
}

void brski_log(brski_log_level level, const char *fmt, ...)
{
    char raw[LOG_LINE_MAX];
    char escaped[LOG_LINE_MAX * 2];
    va_list ap;
    int n;

    if (log_sink == NULL || level < log_min || level >= BRSKI_LOG_NONE) {
        return;
    }
    va_start(ap, fmt);
    n = vsnprintf(raw, sizeof(raw), fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    size_t len = (size_t)n < sizeof(raw) ? (size_t)n : sizeof(raw) - 1;
    (void)brski_log_escape(raw, len, escaped, sizeof(escaped));
    log_sink(log_ctx, level, escaped);
}
