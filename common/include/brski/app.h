/*
 * app.h - helpers shared by the MASA and registrar servers: audit records
 * with the process clock, listen-address parsing, JSON string escaping,
 * serving until SIGTERM, and the audit-verify subcommand.
 */
#ifndef BRSKI_APP_H
#define BRSKI_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "brski/buf.h"
#include "brski/err.h"
#include "brski/server.h"
#include "brski/store.h"
#include "brski/x509.h"

/* Parses "host:port" (numeric IPv4 host, port 1..65535) into |host| (cap |cap|). _ARG. */
BRSKI_MUST_USE brski_err brski_app_parse_hostport(const char *s, char *host, size_t cap,
                                                  uint16_t *port);

/*
 * Parses a MASA URL as found in the IDevID extension (RFC 8995 2.3.2):
 * "host[:port][/path]" or "https://host[:port][/path]"; the default port is 443.
 */
BRSKI_MUST_USE brski_err brski_app_parse_url(const char *s, char *host, size_t cap,
                                             uint16_t *port);

/* Appends |s| as a JSON string (with quotes) to |out|. */
BRSKI_MUST_USE brski_err brski_app_json_str(brski_buf *out, const char *s);

/* Appends an audit record stamped with the default clock; failures are logged. */
void brski_app_audit(brski_store *st, const char *actor, const char *action, bool ok,
                     const char *reason);

/* "serial:<serialNumber>" (or "cert:<sha256 prefix>") describing |c|, into |out|. */
void brski_app_actor(const brski_cert *c, char *out, size_t cap);

/*
 * Runs |srv| until SIGTERM/SIGINT (logs start and stop lines naming |prog|).
 * Returns 0 after a clean stop, 1 on a server failure.
 */
int brski_app_serve(brski_server *srv, const char *prog);

/*
 * The audit-verify subcommand: "PROG audit-verify --config F"; reads key
 * "db" in [section] of F. Exit 0 intact, 1 tampered, 2 usage/config.
 */
int brski_app_audit_verify_cmd(const char *prog, const char *section, int argc, char **argv);

#endif
