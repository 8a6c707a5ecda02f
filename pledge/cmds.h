/* cmds.h - brski-pledge subcommands. */
#ifndef PLEDGE_CMDS_H
#define PLEDGE_CMDS_H

int pledge_cmd_enroll(int argc, char **argv);
int pledge_cmd_make_pvr(int argc, char **argv);
int pledge_cmd_verify_voucher(int argc, char **argv);

#endif
