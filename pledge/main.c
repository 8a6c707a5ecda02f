/*
 * brski-pledge: command-line entry point. Subcommands are listed in the table
 * below; each lives in its own cmd_*.c file.
 */
#include <stddef.h>

#include "brski/cli.h"
#include "cmds.h"

static const brski_cli_cmd cmds[] = {
    {"make-pvr", pledge_cmd_make_pvr, "build a signed pledge voucher-request (offline)"},
    {"enroll", pledge_cmd_enroll, "onboard through a registrar over HTTPS (RFC 8995 5)"},
    {"verify-voucher", pledge_cmd_verify_voucher, "accept or reject a voucher as the pledge would"},
    {NULL, NULL, NULL},
};

int main(int argc, char **argv)
{
    return brski_cli_main("brski-pledge", cmds, argc, argv);
}
