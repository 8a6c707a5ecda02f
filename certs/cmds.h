/*
 * cmds.h - brski-certs subcommands. Each returns the process exit code:
 * 0 ok, 1 failed, 2 usage or configuration error.
 */
#ifndef BRSKI_CERTS_CMDS_H
#define BRSKI_CERTS_CMDS_H

/* brski-certs init: demo PKI and ready configs (cmd_init.c). */
int cmd_init(int argc, char **argv);

/* brski-certs verify: path validation under the anchor policy (cmd_verify.c). */
int cmd_verify(int argc, char **argv);

/* brski-certs idevid: issue an IDevID by method device|factory|seed (cmd_idevid.c). */
int cmd_idevid(int argc, char **argv);

/* brski-certs audit: evaluation questions for a PKI on disk (cmd_audit.c). */
int cmd_audit(int argc, char **argv);

#endif
