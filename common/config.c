#include "brski/config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brski/file.h"
#include "brski/log.h"

#define CONFIG_MAX_FILE (64u * 1024u)
#define CONFIG_MAX_ENTRIES 1024u
#define CONFIG_MAX_LINE 1024u

static void set_err(char *errmsg, size_t errcap, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void set_err(char *errmsg, size_t errcap, const char *fmt, ...)
{
    if (errmsg == NULL || errcap == 0) {
        return;
    }
    char raw[CONFIG_MAX_LINE + 128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(raw, sizeof(raw), fmt, ap);
    va_end(ap);
    if (n < 0) {
        errmsg[0] = '\0';
        return;
    }
    size_t len = strlen(raw);
    /* The message may quote file contents: escape control characters. */
    (void)brski_log_escape(raw, len, errmsg, errcap);
}

static bool is_space(uint8_t c)
{
    return c == ' ' || c == '\t';
}

static brski_slice trim(brski_slice s)
{
    while (s.len > 0 && is_space(s.p[0])) {
        s.p++;
        s.len--;
    }
    while (s.len > 0 && is_space(s.p[s.len - 1])) {
        s.len--;
    }
    return s;
}

static bool key_char_ok(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.';
}

static bool section_char_ok(uint8_t c)
{
    return c >= 0x20 && c < 0x7f && c != '[' && c != ']';
}

static bool value_ok(brski_slice v)
{
    for (size_t i = 0; i < v.len; i++) {
        if ((v.p[i] < 0x20 && v.p[i] != '\t') || v.p[i] == 0x7f) {
            return false;
        }
    }
    return true;
}

void brski_config_clear(brski_config *cfg)
{
    if (cfg == NULL) {
        return;
    }
    for (size_t i = 0; i < cfg->count; i++) {
        free(cfg->entries[i].section);
        free(cfg->entries[i].key);
        free(cfg->entries[i].value);
    }
    free(cfg->entries);
    free(cfg->path);
    memset(cfg, 0, sizeof(*cfg));
}

static brski_config_entry *find(const brski_config *cfg, const char *section, const char *key)
{
    for (size_t i = 0; i < cfg->count; i++) {
        if (strcmp(cfg->entries[i].section, section) == 0 &&
            strcmp(cfg->entries[i].key, key) == 0) {
            return &cfg->entries[i];
        }
    }
    return NULL;
}

static brski_err add_entry(brski_config *cfg, const char *section, brski_slice key,
                           brski_slice value, unsigned line, char *errmsg, size_t errcap)
{
    char *k = brski_strndup((const char *)key.p, key.len);
    char *v = brski_strndup((const char *)value.p, value.len);
    char *s = brski_strndup(section, strlen(section));
    if (k == NULL || v == NULL || s == NULL) {
        free(k);
        free(v);
        free(s);
        return BRSKI_ERR_NOMEM;
    }
    const brski_config_entry *dup = find(cfg, s, k);
    if (dup != NULL) {
        set_err(errmsg, errcap, "line %u: duplicate key '%s' in [%s] (first at line %u)", line,
                k, s, dup->line);
        free(k);
        free(v);
        free(s);
        return BRSKI_ERR_MALFORMED;
    }
    if (cfg->count >= CONFIG_MAX_ENTRIES) {
        set_err(errmsg, errcap, "line %u: more than %u entries", line, CONFIG_MAX_ENTRIES);
        free(k);
        free(v);
        free(s);
        return BRSKI_ERR_TOOBIG;
    }
    brski_config_entry *grown =
        realloc(cfg->entries, (cfg->count + 1) * sizeof(*cfg->entries));
    if (grown == NULL) {
        free(k);
        free(v);
        free(s);
        return BRSKI_ERR_NOMEM;
    }
    cfg->entries = grown;
    brski_config_entry *e = &cfg->entries[cfg->count++];
    e->section = s;
    e->key = k;
    e->value = v;
    e->line = line;
    e->used = false;
    return BRSKI_OK;
}

static brski_err parse_line(brski_config *cfg, brski_slice line, unsigned lineno, char *section,
                            size_t section_cap, char *errmsg, size_t errcap)
{
    brski_slice t = trim(line);
    if (t.len == 0 || t.p[0] == '#' || t.p[0] == ';') {
        return BRSKI_OK;
    }
    if (t.p[0] == '[') {
        if (t.p[t.len - 1] != ']') {
            set_err(errmsg, errcap, "line %u: section header without closing ']'", lineno);
            return BRSKI_ERR_MALFORMED;
        }
        brski_slice name = trim(brski_slice_make(t.p + 1, t.len - 2));
        if (name.len == 0 || name.len >= section_cap) {
            set_err(errmsg, errcap, "line %u: empty or over-long section name", lineno);
            return BRSKI_ERR_MALFORMED;
        }
        for (size_t i = 0; i < name.len; i++) {
            if (!section_char_ok(name.p[i])) {
                set_err(errmsg, errcap, "line %u: invalid character in section name", lineno);
                return BRSKI_ERR_MALFORMED;
            }
        }
        memcpy(section, name.p, name.len);
        section[name.len] = '\0';
        return BRSKI_OK;
    }
    const uint8_t *eq = memchr(t.p, '=', t.len);
    if (eq == NULL) {
        set_err(errmsg, errcap, "line %u: expected 'key = value' or '[section]'", lineno);
        return BRSKI_ERR_MALFORMED;
    }
    brski_slice key = trim(brski_slice_make(t.p, (size_t)(eq - t.p)));
    brski_slice value = trim(brski_slice_make(eq + 1, t.len - (size_t)(eq - t.p) - 1));
    if (key.len == 0) {
        set_err(errmsg, errcap, "line %u: empty key", lineno);
        return BRSKI_ERR_MALFORMED;
    }
    for (size_t i = 0; i < key.len; i++) {
        if (!key_char_ok(key.p[i])) {
            set_err(errmsg, errcap, "line %u: invalid character in key", lineno);
            return BRSKI_ERR_MALFORMED;
        }
    }
    if (!value_ok(value)) {
        set_err(errmsg, errcap, "line %u: control character in value", lineno);
        return BRSKI_ERR_MALFORMED;
    }
    return add_entry(cfg, section, key, value, lineno, errmsg, errcap);
}

brski_err brski_config_parse(brski_slice text, brski_config *cfg, char *errmsg, size_t errcap)
{
    brski_err rv = BRSKI_OK;
    char section[256] = "";
    unsigned lineno = 0;

    if (errmsg != NULL && errcap > 0) {
        errmsg[0] = '\0';
    }
    if (cfg == NULL || (text.p == NULL && text.len > 0)) {
        return BRSKI_ERR_ARG;
    }
    memset(cfg, 0, sizeof(*cfg));
    if (text.len > CONFIG_MAX_FILE) {
        set_err(errmsg, errcap, "file larger than %u bytes", CONFIG_MAX_FILE);
        return BRSKI_ERR_TOOBIG;
    }
    brski_slice rest = text;
    while (rest.len > 0) {
        lineno++;
        const uint8_t *nl = memchr(rest.p, '\n', rest.len);
        size_t n = nl != NULL ? (size_t)(nl - rest.p) : rest.len;
        brski_slice line = brski_slice_make(rest.p, n);
        rest.p += n;
        rest.len -= n;
        if (rest.len > 0) {
            rest.p++;
            rest.len--;
        }
        if (line.len > 0 && line.p[line.len - 1] == '\r') {
            line.len--;
        }
        if (line.len > CONFIG_MAX_LINE) {
            set_err(errmsg, errcap, "line %u: longer than %u bytes", lineno, CONFIG_MAX_LINE);
            rv = BRSKI_ERR_TOOBIG;
            goto out;
        }
        if (memchr(line.p, '\0', line.len) != NULL) {
            set_err(errmsg, errcap, "line %u: NUL byte", lineno);
            rv = BRSKI_ERR_MALFORMED;
            goto out;
        }
        rv = parse_line(cfg, line, lineno, section, sizeof(section), errmsg, errcap);
        if (rv != BRSKI_OK) {
            goto out;
        }
    }
    rv = BRSKI_OK;
out:
    if (rv != BRSKI_OK) {
        brski_config_clear(cfg);
    }
    return rv;
}

brski_err brski_config_load(const char *path, brski_config *cfg, char *errmsg, size_t errcap)
{
    brski_buf b;
    brski_err rv;

    if (errmsg != NULL && errcap > 0) {
        errmsg[0] = '\0';
    }
    if (path == NULL || cfg == NULL) {
        return BRSKI_ERR_ARG;
    }
    memset(cfg, 0, sizeof(*cfg));
    brski_buf_init(&b, CONFIG_MAX_FILE);
    rv = brski_file_read(path, &b);
    if (rv != BRSKI_OK) {
        set_err(errmsg, errcap, "%s: %s", path,
                rv == BRSKI_ERR_TOOBIG ? "file larger than 64 KiB" : "cannot read file");
        goto out;
    }
    char inner[CONFIG_MAX_LINE];
    rv = brski_config_parse(brski_buf_slice(&b), cfg, inner, sizeof(inner));
    if (rv != BRSKI_OK) {
        set_err(errmsg, errcap, "%s: %s", path, inner);
        goto out;
    }
    cfg->path = brski_strndup(path, strlen(path));
    if (cfg->path == NULL) {
        rv = BRSKI_ERR_NOMEM;
        goto out;
    }
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        memcpy(cfg->dir, ".", 2);
    } else {
        size_t dlen = (size_t)(slash - path);
        if (dlen == 0) {
            dlen = 1; /* "/file.ini" lives in "/" */
        }
        if (dlen >= sizeof(cfg->dir)) {
            set_err(errmsg, errcap, "%s: directory path too long", path);
            rv = BRSKI_ERR_TOOBIG;
            goto out;
        }
        memcpy(cfg->dir, path, dlen);
        cfg->dir[dlen] = '\0';
    }
    rv = BRSKI_OK;
out:
    if (rv != BRSKI_OK) {
        brski_config_clear(cfg);
    }
    brski_buf_clear(&b);
    return rv;
}

const char *brski_config_get(brski_config *cfg, const char *section, const char *key)
{
    if (cfg == NULL || section == NULL || key == NULL) {
        return NULL;
    }
    brski_config_entry *e = find(cfg, section, key);
    if (e == NULL) {
        return NULL;
    }
    e->used = true;
    return e->value;
}

const char *brski_config_get_str(brski_config *cfg, const char *section, const char *key,
                                 const char *def)
{
    const char *v = brski_config_get(cfg, section, key);
    return v != NULL ? v : def;
}

static const char *where(const brski_config *cfg)
{
    return cfg->path != NULL ? cfg->path : "config";
}

brski_err brski_config_get_int(brski_config *cfg, const char *section, const char *key,
                               int64_t def, int64_t min, int64_t max, int64_t *out, char *errmsg,
                               size_t errcap)
{
    if (out == NULL) {
        return BRSKI_ERR_ARG;
    }
    brski_config_entry *e = cfg != NULL && section != NULL && key != NULL
                                ? find(cfg, section, key)
                                : NULL;
    if (e == NULL) {
        *out = def;
        return BRSKI_OK;
    }
    e->used = true;
    const char *s = e->value;
    size_t i = 0;
    if (s[0] == '-') {
        i = 1;
    }
    bool digits = s[i] != '\0';
    for (; s[i] != '\0'; i++) {
        if (s[i] < '0' || s[i] > '9') {
            digits = false;
            break;
        }
    }
    errno = 0;
    long long v = digits ? strtoll(s, NULL, 10) : 0;
    if (!digits || errno != 0 || v < min || v > max) {
        set_err(errmsg, errcap, "%s:%u: [%s] %s must be an integer in [%lld, %lld]", where(cfg),
                e->line, e->section, e->key, (long long)min, (long long)max);
        return BRSKI_ERR_MALFORMED;
    }
    *out = (int64_t)v;
    return BRSKI_OK;
}

brski_err brski_config_get_bool(brski_config *cfg, const char *section, const char *key,
                                bool def, bool *out, char *errmsg, size_t errcap)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    if (out == NULL) {
        return BRSKI_ERR_ARG;
    }
    brski_config_entry *e = cfg != NULL && section != NULL && key != NULL
                                ? find(cfg, section, key)
                                : NULL;
    if (e == NULL) {
        *out = def;
        return BRSKI_OK;
    }
    e->used = true;
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcmp(e->value, yes[i]) == 0) {
            *out = true;
            return BRSKI_OK;
        }
        if (strcmp(e->value, no[i]) == 0) {
            *out = false;
            return BRSKI_OK;
        }
    }
    set_err(errmsg, errcap, "%s:%u: [%s] %s must be true/false/yes/no/on/off/1/0", where(cfg),
            e->line, e->section, e->key);
    return BRSKI_ERR_MALFORMED;
}

brski_err brski_config_path(const brski_config *cfg, const char *value, char *out, size_t cap)
{
    if (cfg == NULL || value == NULL || out == NULL || cap == 0 || value[0] == '\0') {
        return BRSKI_ERR_ARG;
    }
    int n;
    if (value[0] == '/' || cfg->dir[0] == '\0') {
        n = snprintf(out, cap, "%s", value);
    } else if (strcmp(cfg->dir, "/") == 0) {
        n = snprintf(out, cap, "/%s", value);
    } else {
        n = snprintf(out, cap, "%s/%s", cfg->dir, value);
    }
    if (n < 0 || (size_t)n >= cap) {
        out[0] = '\0';
        return BRSKI_ERR_TOOBIG;
    }
    return BRSKI_OK;
}

const char *brski_config_section_at(const brski_config *cfg, size_t idx)
{
    if (cfg == NULL) {
        return NULL;
    }
    size_t seen = 0;
    for (size_t i = 0; i < cfg->count; i++) {
        bool first = true;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(cfg->entries[j].section, cfg->entries[i].section) == 0) {
                first = false;
                break;
            }
        }
        if (!first) {
            continue;
        }
        if (seen == idx) {
            return cfg->entries[i].section;
        }
        seen++;
    }
    return NULL;
}

const brski_config_entry *brski_config_first_unused(const brski_config *cfg)
{
    if (cfg == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < cfg->count; i++) {
        if (!cfg->entries[i].used) {
            return &cfg->entries[i];
        }
    }
    return NULL;
}
