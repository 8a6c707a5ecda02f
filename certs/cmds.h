/* cmds.h - brski-certs subcommands (one cmd_<name>.c each). */
#ifndef BRSKI_CERTS_CMDS_H
#define BRSKI_CERTS_CMDS_H

int cmd_verify(int argc, char **argv);

#endif
