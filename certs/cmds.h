/*
 * cmds.h - brski-certs subcommands. Each returns the process exit code:
 * 0 ok, 1 failed, 2 usage or configuration error.
 */
#ifndef BRSKI_CERTS_CMDS_H
#define BRSKI_CERTS_CMDS_H

/* brski-certs init: demo PKI and ready configs (cmd_init.c). */
int cmd_init(int argc, char **argv);

#endif
