/*
 * brski-certs: command-line entry point. Subcommands are listed in the table
 * below; each lives in its own cmd_*.c file.
 */
#include <stddef.h>

#include "brski/cli.h"
#include "cmds.h"

static const brski_cli_cmd cmds[] = {
    {"init", cmd_init, "write a demo PKI and ready configs into a directory"},
    {"idevid", cmd_idevid, "issue an IDevID (method device, factory or seed)"},
    {"audit", cmd_audit, "report depth, algorithms, EE counts and key storage of a PKI"},
    {"verify", cmd_verify, "validate a certificate chain under an anchor policy"},
    {NULL, NULL, NULL},
};

int main(int argc, char **argv)
{
    return brski_cli_main("brski-certs", cmds, argc, argv);
}
