/*
 * log.h - levelled logging to a sink installed by the program's main().
 * Library code never prints; it calls brski_log(), which escapes control
 * characters so that peer-controlled strings cannot forge log lines.
 */
#ifndef BRSKI_LOG_H
#define BRSKI_LOG_H

#include <stddef.h>

typedef enum brski_log_level {
    BRSKI_LOG_DEBUG = 0,
    BRSKI_LOG_INFO,
    BRSKI_LOG_WARN,
    BRSKI_LOG_ERROR,
    BRSKI_LOG_NONE,
} brski_log_level;

/* A sink receives one already-escaped line without a trailing newline. */
typedef void (*brski_log_sink)(void *ctx, brski_log_level level, const char *line);

/* Installs |sink| (NULL: discard everything) and the minimum |level| it receives. */
void brski_log_set_sink(brski_log_sink sink, void *ctx, brski_log_level level);

/* Ready-made sink writing "LEVEL line\n" to stderr; |ctx| is ignored. */
void brski_log_stderr_sink(void *ctx, brski_log_level level, const char *line);

/* Current minimum level (so callers can skip building expensive messages). */
brski_log_level brski_log_level_get(void);

/* Formats, escapes (see brski_log_escape) and hands one line to the sink. */
void brski_log(brski_log_level level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/*
 * Copies |in| to |out| (capacity |cap|, always NUL-terminated when cap > 0),
 * replacing bytes < 0x20, 0x7f and backslash by \n, \r, \t, \\ or \xHH.
 * Returns the number of bytes written, excluding the NUL; truncates safely.
 */
size_t brski_log_escape(const char *in, size_t in_len, char *out, size_t cap);

const char *brski_log_level_name(brski_log_level level);

#endif
