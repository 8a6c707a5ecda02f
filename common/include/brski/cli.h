/*
 * cli.h - the subcommand dispatcher shared by the four programs
 * ("PROGRAM SUBCOMMAND [options]"). Program-side code: it prints usage to
 * stdout/stderr, which library modules never do.
 */
#ifndef BRSKI_CLI_H
#define BRSKI_CLI_H

typedef int (*brski_cli_fn)(int argc, char **argv);

typedef struct brski_cli_cmd {
    const char *name;    /* NULL ends the table */
    brski_cli_fn fn;     /* called with argv[0] = the subcommand name */
    const char *summary; /* one line for the usage text */
} brski_cli_cmd;

/*
 * Installs the stderr log sink (warnings and up), then runs the subcommand
 * named by argv[1] from |cmds|. Returns its exit code; 0 for --help; 2 for a
 * missing or unknown subcommand (with the usage text on stderr).
 */
int brski_cli_main(const char *prog, const brski_cli_cmd *cmds, int argc, char **argv);

#endif
