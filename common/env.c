#include "brski/env.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

int64_t brski_clock_system(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
        return 0;
    }
    return (int64_t)ts.tv_sec;
}

int64_t brski_clock_fixed(void *ctx)
{
    return *(const int64_t *)ctx;
}

brski_err brski_rng_system(void *ctx, uint8_t *out, size_t len)
{
    (void)ctx;
    size_t off = 0;
    while (off < len) {
        ssize_t n = getrandom(out + off, len - off, 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return BRSKI_ERR_CRYPTO;
        }
        off += (size_t)n;
    }
    return BRSKI_OK;
}

brski_err brski_rng_seeded(void *ctx, uint8_t *out, size_t len)
{
    uint64_t *state = ctx;
    for (size_t i = 0; i < len; i++) {
        /* xorshift64* */
        uint64_t x = *state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        *state = x;
        out[i] = (uint8_t)((x * 0x2545F4914F6CDD1Dull) >> 56);
    }
    return BRSKI_OK;
}

static const brski_env default_env = {
    .now = brski_clock_system,
    .clock_ctx = NULL,
    .rng = brski_rng_system,
    .rng_ctx = NULL,
};

const brski_env *brski_env_default(void)
{
    return &default_env;
}

int64_t brski_env_now(const brski_env *env)
{
    if (env == NULL) {
        env = &default_env;
    }
    return env->now(env->clock_ctx);
}

brski_err brski_env_random(const brski_env *env, uint8_t *out, size_t len)
{
    if (env == NULL) {
        env = &default_env;
    }
    return env->rng(env->rng_ctx, out, len);
}

int64_t brski_time_from_civil(int year, int mon, int day, int hour, int min, int sec)
{
    /* Howard Hinnant's days_from_civil. */
    int64_t y = (int64_t)year - (mon <= 2 ? 1 : 0);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (mon + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    return days * 86400 + hour * 3600 + min * 60 + sec;
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

static bool read_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9') {
            return false;
        }
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return true;
}

brski_err brski_time_parse(const char *s, int64_t *out)
{
    int y, mo, d, h, mi, se;
    const char *p = s;
    if (s == NULL || strlen(s) > 64) {
        return BRSKI_ERR_MALFORMED;
    }
    if (!read_digits(&p, 4, &y) || *p++ != '-' || !read_digits(&p, 2, &mo) || *p++ != '-' ||
        !read_digits(&p, 2, &d)) {
        return BRSKI_ERR_MALFORMED;
    }
    if (*p != 'T' && *p != 't') {
        return BRSKI_ERR_MALFORMED;
    }
    p++;
    if (!read_digits(&p, 2, &h) || *p++ != ':' || !read_digits(&p, 2, &mi) || *p++ != ':' ||
        !read_digits(&p, 2, &se)) {
        return BRSKI_ERR_MALFORMED;
    }
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9') {
            return BRSKI_ERR_MALFORMED;
        }
        while (*p >= '0' && *p <= '9') {
            p++;
        }
    }
    int offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1;
        int oh, om;
        p++;
        if (!read_digits(&p, 2, &oh) || *p++ != ':' || !read_digits(&p, 2, &om) || oh > 23 ||
            om > 59) {
            return BRSKI_ERR_MALFORMED;
        }
        offset = sign * (oh * 3600 + om * 60);
    } else {
        return BRSKI_ERR_MALFORMED;
    }
    if (*p != '\0') {
        return BRSKI_ERR_MALFORMED;
    }
    /* RFC 3339 5.6: seconds may be 60 only for a leap second; we fold it to 59. */
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
        se > 60) {
        return BRSKI_ERR_MALFORMED;
    }
    if (se == 60) {
        se = 59;
    }
    *out = brski_time_from_civil(y, mo, d, h, mi, se) - offset;
    return BRSKI_OK;
}

brski_err brski_time_format(int64_t t, char *out, size_t cap)
{
    int64_t days = t / 86400;
    int64_t rem = t % 86400;
    if (rem < 0) {
        rem += 86400;
        days -= 1;
    }
    /* civil_from_days */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2) {
        y += 1;
    }
    if (y < 0 || y > 9999) {
        return BRSKI_ERR_ARG;
    }
    int n = snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)y, (int)m, (int)d,
                     (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
    if (n < 0 || (size_t)n >= cap) {
        return BRSKI_ERR_TOOBIG;
    }
    return BRSKI_OK;
}
