/*
 * brski-certs: command-line entry point. Subcommands are listed in the table
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
    {"init", cmd_init, "write a demo PKI and ready configs into a directory"},
    {"idevid", cmd_idevid, "issue an IDevID (method device, factory or seed)"},
    {"audit", cmd_audit, "report depth, algorithms, EE counts and key storage of a PKI"},
    {"verify", cmd_verify, "validate a certificate chain under an anchor policy"},
    {NULL, NULL, NULL},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: brski-certs SUBCOMMAND [options]\n\nsubcommands:\n");
    for (size_t i = 0; cmds[i].name != NULL; i++) {
        fprintf(f, "  %-16s %s\n", cmds[i].name, cmds[i].summary);
    }
    fprintf(f, "\nRun 'brski-certs SUBCOMMAND --help' for its options.\n");
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
    fprintf(stderr, "brski-certs: unknown subcommand '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
