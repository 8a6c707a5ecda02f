/*
 * brski-registrar: command-line entry point. Subcommands are listed in the table
 * below; each lives in its own cmd_*.c file.
 */
#include <stddef.h>

#include "brski/cli.h"
#include "cmds.h"

static const brski_cli_cmd cmds[] = {
    {"verify-pvr", registrar_cmd_verify_pvr, "check a pledge voucher-request as the registrar would"},
    {"serve", registrar_cmd_serve, "run the registrar HTTPS server"},
    {"audit-verify", registrar_cmd_audit_verify, "check the audit log hash chain"},
    {NULL, NULL, NULL},
};

int main(int argc, char **argv)
{
    return brski_cli_main("brski-registrar", cmds, argc, argv);
}
