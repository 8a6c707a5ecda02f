/*
 * brski-masa: command-line entry point. Subcommands are listed in the table
 * below; each lives in its own cmd_*.c file.
 */
#include <stddef.h>

#include "brski/cli.h"
#include "cmds.h"

static const brski_cli_cmd cmds[] = {
    {"sign-voucher", masa_cmd_sign_voucher, "sign an offline voucher (CMS or COSE)"},
    {"serve", masa_cmd_serve, "run the MASA HTTPS server"},
    {"audit-verify", masa_cmd_audit_verify, "check the audit log hash chain"},
    {NULL, NULL, NULL},
};

int main(int argc, char **argv)
{
    return brski_cli_main("brski-masa", cmds, argc, argv);
}
