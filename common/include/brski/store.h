/*
 * SQLite store shared by the MASA and the registrar: an append-only audit log
 * with a SHA-256 hash chain, and small tables for issued vouchers, issued
 * certificates (unique serial) and pledge statuses.
 *
 * Durability (TESTING.md K4): the database runs with journal_mode=WAL,
 * synchronous=FULL and busy_timeout >= 5000 ms; brski_store_open() reads the
 * settings back, logs them and refuses to open if any is not in effect.
 *
 * One brski_store may be used from several threads; calls are serialised
 * internally.
 */
#ifndef BRSKI_STORE_H
#define BRSKI_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "brski/buf.h"
#include "brski/err.h"

#define BRSKI_STORE_BUSY_TIMEOUT_MS 5000
#define BRSKI_STORE_MAX_TEXT 1024u /* each text field (actor, reason, serial...) */

typedef struct brski_store brski_store;

/*
 * Opens or creates the database at |path| (file created 0600) and its tables.
 * _IO (cannot open/create), _POLICY (durability settings not in effect),
 * _NOMEM.
 */
BRSKI_MUST_USE brski_err brski_store_open(const char *path, brski_store **out);

void brski_store_close(brski_store *st);

/* --- audit log --- */

typedef struct brski_audit_rec {
    uint64_t seq;      /* 1, 2, 3 ... */
    int64_t time;      /* seconds since the epoch (from brski_env) */
    const char *actor; /* e.g. "idevid:SN123 sha256:ab12..." */
    const char *action;  /* e.g. "voucher.issue" */
    const char *outcome; /* "ok", "refused", "error" */
    const char *reason;  /* short reason code or text; may be "" */
} brski_audit_rec;

/*
 * Appends one record. The record stores seq (previous + 1), the fields above,
 * the SHA-256 of the previous record ("prev", 32 zero bytes for the first) and
 * its own SHA-256 over a length-prefixed encoding of seq, time, the four texts
 * and prev. Texts longer than BRSKI_STORE_MAX_TEXT give _TOOBIG; control
 * characters are stored as they are (the log escapes them on output).
 * |seq_out| may be NULL. _IO on database failure.
 */
BRSKI_MUST_USE brski_err brski_store_audit_append(brski_store *st, int64_t time,
                                                  const char *actor, const char *action,
                                                  const char *outcome, const char *reason,
                                                  uint64_t *seq_out);

/*
 * Walks the log in sequence order and checks that sequence numbers are
 * 1..n without gap, that each record's hash matches its content, and that each
 * "prev" equals the previous record's hash. Detects a deleted, modified,
 * inserted or reordered record (not a consistent rewrite of the whole tail,
 * which needs an external anchor such as brski_store_audit_head()).
 * Returns BRSKI_OK with |*count| records, or BRSKI_ERR_CRYPTO and |*bad_seq|
 * = first record that fails (logged with the reason). _IO on database error.
 */
BRSKI_MUST_USE brski_err brski_store_audit_verify(brski_store *st, uint64_t *count,
                                                  uint64_t *bad_seq);

/* Hash of the last record (32 zero bytes for an empty log) and its seq. _IO. */
BRSKI_MUST_USE brski_err brski_store_audit_head(brski_store *st, uint8_t hash[32], uint64_t *seq);

/* --- issued vouchers (MASA; RFC 8995 §5.8 audit log source) --- */

typedef struct brski_store_voucher {
    const char *serial;    /* pledge serial-number */
    int64_t time;          /* created-on */
    const char *domain_id; /* RFC 8995 §5.8.2 domainID (base64) */
    const char *nonce;     /* NULL for nonceless */
    const char *assertion; /* "verified", "logged", "proximity" ... */
    brski_slice voucher;   /* signed voucher bytes */
} brski_store_voucher;

/* Records an issued voucher. _TOOBIG (text or voucher over 64 KiB), _IO. */
BRSKI_MUST_USE brski_err brski_store_voucher_add(brski_store *st, const brski_store_voucher *v);

/* Called per voucher for |serial|, oldest first; a non-OK return stops the walk and is returned. */
typedef brski_err (*brski_store_voucher_fn)(void *ctx, const brski_store_voucher *v);
BRSKI_MUST_USE brski_err brski_store_voucher_each(brski_store *st, const char *serial,
                                                  brski_store_voucher_fn fn, void *ctx);

/* --- issued certificates (registrar CA) --- */

/*
 * Records a certificate with serial |serial_hex| (lower-case hex, unique).
 * _POLICY when the serial already exists (nothing written), _TOOBIG, _IO.
 */
BRSKI_MUST_USE brski_err brski_store_cert_add(brski_store *st, const char *serial_hex,
                                              const char *subject, const char *pledge_serial,
                                              int64_t time, brski_slice der);

/* Copies the certificate with |serial_hex| into |der|. _NOTFOUND, _TOOBIG, _IO. */
BRSKI_MUST_USE brski_err brski_store_cert_get(brski_store *st, const char *serial_hex,
                                              brski_buf *der);

/* Number of certificates stored. _IO. */
BRSKI_MUST_USE brski_err brski_store_cert_count(brski_store *st, uint64_t *count);

/* --- pledge statuses (voucher_status, enrollstatus) --- */

/*
 * Sets the latest status |kind| ("voucher" or "enroll") of pledge |serial|:
 * |ok| and |reason| (may be ""). Replaces an earlier value. _TOOBIG, _IO.
 */
BRSKI_MUST_USE brski_err brski_store_status_set(brski_store *st, const char *serial,
                                                const char *kind, bool ok, const char *reason,
                                                int64_t time);

/* Reads a status; |reason| gets up to |cap|-1 bytes. _NOTFOUND, _IO. */
BRSKI_MUST_USE brski_err brski_store_status_get(brski_store *st, const char *serial,
                                                const char *kind, bool *ok, char *reason,
                                                size_t cap, int64_t *time);

/*
 * Groups the calls made between begin and end into one transaction (one
 * fsync), e.g. "voucher issued" and its audit record together. The calling
 * thread holds the store until brski_store_end(); other threads wait.
 * brski_store_end() commits when |commit| and every call inside succeeded,
 * otherwise rolls back and returns the first failure. Not nestable. _IO.
 */
BRSKI_MUST_USE brski_err brski_store_begin(brski_store *st);
BRSKI_MUST_USE brski_err brski_store_end(brski_store *st, bool commit);

/* PRAGMA integrity_check == "ok" (TESTING.md K3). _CRYPTO if not, _IO. */
BRSKI_MUST_USE brski_err brski_store_integrity_check(brski_store *st);

#endif
