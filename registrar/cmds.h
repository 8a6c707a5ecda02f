/* cmds.h - brski-registrar subcommands. */
#ifndef REGISTRAR_CMDS_H
#define REGISTRAR_CMDS_H

int registrar_cmd_verify_pvr(int argc, char **argv);
int registrar_cmd_serve(int argc, char **argv);
int registrar_cmd_audit_verify(int argc, char **argv);

#endif
