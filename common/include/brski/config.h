/*
 * config.h - INI-style configuration files.
 *
 *   # comment            ; comment
 *   [section]            keys before any section belong to section ""
 *   key = value          surrounding whitespace trimmed; no quoting
 *
 * Limits: 64 KiB per file, 1024 entries, 1024 bytes per line. Duplicate keys
 * within a section are an error (a silent override hides typos).
 */
#ifndef BRSKI_CONFIG_H
#define BRSKI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "brski/buf.h"

typedef struct brski_config_entry {
    char *section;
    char *key;
    char *value;
    unsigned line;
    bool used; /* set by the getters, for unknown-key reports */
} brski_config_entry;

typedef struct brski_config {
    brski_config_entry *entries;
    size_t count;
    char *path; /* for error messages; may be NULL */
    char dir[512]; /* directory of |path|, used to resolve relative paths */
} brski_config;

/*
 * Parses |text|. On failure returns BRSKI_ERR_MALFORMED / _TOOBIG and, when
 * |errmsg| is non-NULL, a one-line reason with the line number.
 */
BRSKI_MUST_USE brski_err brski_config_parse(brski_slice text, brski_config *cfg, char *errmsg,
                                            size_t errcap);

/* Reads and parses |path| (relative paths inside resolve against its directory). */
BRSKI_MUST_USE brski_err brski_config_load(const char *path, brski_config *cfg, char *errmsg,
                                           size_t errcap);

void brski_config_clear(brski_config *cfg);

/* Value of |key| in |section| or NULL. Marks the entry used. */
const char *brski_config_get(brski_config *cfg, const char *section, const char *key);

/* Like brski_config_get with a default. */
const char *brski_config_get_str(brski_config *cfg, const char *section, const char *key,
                                 const char *def);

/*
 * Integer in [min, max]; |def| when absent. BRSKI_ERR_MALFORMED (with
 * |errmsg|) when present but not a decimal integer in range.
 */
BRSKI_MUST_USE brski_err brski_config_get_int(brski_config *cfg, const char *section,
                                              const char *key, int64_t def, int64_t min,
                                              int64_t max, int64_t *out, char *errmsg,
                                              size_t errcap);

/* Boolean (true/false/yes/no/on/off/1/0); |def| when absent. */
BRSKI_MUST_USE brski_err brski_config_get_bool(brski_config *cfg, const char *section,
                                               const char *key, bool def, bool *out,
                                               char *errmsg, size_t errcap);

/*
 * Resolves |value| (a path from the config) against the config's directory
 * into |out| (cap |cap|). Absolute paths are copied.
 */
BRSKI_MUST_USE brski_err brski_config_path(const brski_config *cfg, const char *value, char *out,
                                           size_t cap);

/*
 * Name of the |idx|-th distinct section (0-based, in order of first
 * appearance; "" for keys before any header) or NULL past the end. Only
 * sections holding at least one key are listed. Callers filter by prefix
 * (e.g. "anchor ").
 */
const char *brski_config_section_at(const brski_config *cfg, size_t idx);

/*
 * First entry not read by any getter, or NULL: lets programs reject unknown
 * keys ("registrar.ini:12: unknown key 'listn'").
 */
const brski_config_entry *brski_config_first_unused(const brski_config *cfg);

#endif
