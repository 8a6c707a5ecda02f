/*
 * voucher_cli.h - small helpers shared by the offline voucher subcommands
 * (brski-masa sign-voucher, brski-pledge make-pvr / verify-voucher,
 * brski-registrar verify-pvr): option scanning and file loading. These read
 * files and are for programs only, never for parsers or policy.
 */
#ifndef BRSKI_VOUCHER_CLI_H
#define BRSKI_VOUCHER_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "brski/buf.h"
#include "brski/policy.h"

/* One "--name value" or "--flag" option a subcommand accepts. */
typedef struct brski_cli_opt {
    const char *name;   /* without the leading "--" */
    bool takes_value;
    const char *value;  /* set by brski_cli_parse ("" for a flag that is present) */
} brski_cli_opt;

/*
 * Fills |opts| (|n| entries) from argv[1..argc-1]. Returns 0 on success, 1
 * when --help/-h was given, 2 on an unknown option, a repeated option or a
 * missing value (one line on stderr naming |cmd|).
 */
int brski_cli_parse(const char *cmd, int argc, char **argv, brski_cli_opt *opts, size_t n);

/*
 * brski_cli_parse, printing |usage| when parsing does not go on: to stdout
 * after --help, to stderr on a usage error. Returns -1 when the subcommand
 * should go on, else its exit code (0 after --help, 2 on a usage error).
 */
int brski_cli_parse_usage(const char *cmd, int argc, char **argv, brski_cli_opt *opts, size_t n,
                          const char *usage);

/* Value of option |name| (NULL when absent). */
const char *brski_cli_get(const brski_cli_opt *opts, size_t n, const char *name);

/* Reads a whole file (at most |max| bytes) into |out| (initialised here). */
BRSKI_MUST_USE brski_err brski_cli_read(const char *path, size_t max, brski_buf *out);

/*
 * brski_cli_read of a subcommand's input (at most BRSKI_MAX_BODY bytes).
 * Returns 0 when read, else the exit code after one line on stderr naming
 * |cmd|: 1 when the file is too big, 2 when it cannot be read.
 */
int brski_cli_read_input(const char *cmd, const char *path, brski_buf *out);

/* Reads the first certificate of a PEM or DER file as DER into |out| (initialised here). */
BRSKI_MUST_USE brski_err brski_cli_read_cert_der(const char *path, brski_buf *out);

/*
 * Loads every certificate of the PEM/DER file |path| as an anchor for
 * |purpose| with the default policy of that purpose. |store| is initialised.
 */
BRSKI_MUST_USE brski_err brski_cli_load_anchors(const char *path, brski_purpose purpose,
                                                brski_anchor_store *store);

/* "--format" value: only "cms" is implemented here; BRSKI_ERR_UNSUPPORTED otherwise. */
BRSKI_MUST_USE brski_err brski_cli_check_format(const char *format);

/*
 * Installs a log sink that keeps the last WARN/ERROR line instead of
 * printing it, so that a subcommand can print exactly one line saying what
 * failed and why.
 */
void brski_cli_capture_log(void);

/* The last captured line ("" when none). */
const char *brski_cli_last_log(void);

#endif
