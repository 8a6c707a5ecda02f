/*
 * brski-pledge: command-line entry point. Subcommands are listed in the table
 * below; each lives in its own cmd_*.c file.
 */
#include <stdio.h>
#include <string.h>

#include "brski/log.h"
#include "cmds.h"

typedef int (*cmd_fn)(int argc, char **argv);

typedef struct cmd_entry {
    const char *name;
    cmd_fn fn;
    const char *summary;
} cmd_entry;

static const cmd_entry cmds[] = {
    {"make-pvr", pledge_cmd_make_pvr, "build a signed pledge voucher-request (offline)"},
    {"enroll", pledge_cmd_enroll, "onboard through a registrar over HTTPS (RFC 8995 5)"},
    {"verify-voucher", pledge_cmd_verify_voucher, "accept or reject a voucher as the pledge would"},
    {NULL, NULL, NULL},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: brski-pledge SUBCOMMAND [options]\n\nsubcommands:\n");
    for (size_t i = 0; cmds[i].name != NULL; i++) {
        fprintf(f, "  %-16s %s\n", cmds[i].name, cmds[i].summary);
    }
    fprintf(f, "\nRun 'brski-pledge SUBCOMMAND --help' for its options.\n");
}

int main(int argc, char **argv)
{
    brski_log_set_sink(brski_log_stderr_sink, NULL, BRSKI_LOG_WARN);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; cmds[i].name != NULL; i++) {
        if (strcmp(argv[1], cmds[i].name) == 0) {
            return cmds[i].fn(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "brski-pledge: unknown subcommand '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
