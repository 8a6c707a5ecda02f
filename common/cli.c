#include "brski/cli.h"

#include <stdio.h>
#include <string.h>

#include "brski/log.h"

static void cli_usage(FILE *f, const char *prog, const brski_cli_cmd *cmds)
{
    fprintf(f, "usage: %s SUBCOMMAND [options]\n\nsubcommands:\n", prog);
    for (size_t i = 0; cmds[i].name != NULL; i++) {
        fprintf(f, "  %-16s %s\n", cmds[i].name, cmds[i].summary);
    }
    fprintf(f, "\nRun '%s SUBCOMMAND --help' for its options.\n", prog);
}

int brski_cli_main(const char *prog, const brski_cli_cmd *cmds, int argc, char **argv)
{
    brski_log_set_sink(brski_log_stderr_sink, NULL, BRSKI_LOG_WARN);
    if (argc < 2) {
        cli_usage(stderr, prog, cmds);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        cli_usage(stdout, prog, cmds);
        return 0;
    }
    for (size_t i = 0; cmds[i].name != NULL; i++) {
        if (strcmp(argv[1], cmds[i].name) == 0) {
            return cmds[i].fn(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "%s: unknown subcommand '%s'\n", prog, argv[1]);
    cli_usage(stderr, prog, cmds);
    return 2;
}
