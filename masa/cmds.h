/* cmds.h - brski-masa subcommands. */
#ifndef MASA_CMDS_H
#define MASA_CMDS_H

int masa_cmd_sign_voucher(int argc, char **argv);
int masa_cmd_serve(int argc, char **argv);
int masa_cmd_audit_verify(int argc, char **argv);

#endif
