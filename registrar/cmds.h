/* cmds.h - brski-registrar subcommands. */
#ifndef REGISTRAR_CMDS_H
#define REGISTRAR_CMDS_H

#include <stdint.h>

#include "brski/buf.h"
#include "brski/policy.h"

int registrar_cmd_verify_pvr(int argc, char **argv);
int registrar_cmd_serve(int argc, char **argv);
int registrar_cmd_audit_verify(int argc, char **argv);

/*
 * The COSE path of verify-pvr (cmd_verify_pvr_cose.c): |idevid_der| is the
 * pledge's IDevID (the DTLS client certificate), |registrar_der| may be empty.
 * Returns the exit code (0 accepted, 1 rejected, 2 usage).
 */
int registrar_verify_pvr_cose(brski_slice pvr, const brski_anchor_store *store,
                              brski_slice idevid_der, brski_slice registrar_der, int64_t now);

#endif
