/* SQLite store with a hash-chained audit log; see brski/store.h. */
#include "brski/store.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include "brski/log.h"

#define MAX_BLOB (64u * 1024u)

struct brski_store {
    sqlite3 *db;
    pthread_mutex_t mu;
    bool in_tx;
    brski_err tx_err; /* first failure inside begin/end */
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS audit("
    " seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, actor TEXT NOT NULL,"
    " action TEXT NOT NULL, outcome TEXT NOT NULL, reason TEXT NOT NULL,"
    " prev BLOB NOT NULL, hash BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS vouchers("
    " id INTEGER PRIMARY KEY, serial TEXT NOT NULL, time INTEGER NOT NULL,"
    " domain_id TEXT NOT NULL, nonce TEXT, assertion TEXT NOT NULL, voucher BLOB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS vouchers_serial ON vouchers(serial);"
    "CREATE TABLE IF NOT EXISTS certs("
    " serial TEXT PRIMARY KEY, subject TEXT NOT NULL, pledge TEXT NOT NULL,"
    " time INTEGER NOT NULL, der BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS statuses("
    " serial TEXT NOT NULL, kind TEXT NOT NULL, ok INTEGER NOT NULL, reason TEXT NOT NULL,"
    " time INTEGER NOT NULL, PRIMARY KEY(serial, kind));";

static brski_err db_fail(brski_store *st, const char *what)
{
    brski_log(BRSKI_LOG_ERROR, "store: %s: %s", what, sqlite3_errmsg(st->db));
    return BRSKI_ERR_IO;
}

static brski_err exec(brski_store *st, const char *sql)
{
    char *msg = NULL;

    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        brski_log(BRSKI_LOG_ERROR, "store: %s", msg != NULL ? msg : "exec failed");
        sqlite3_free(msg);
        return BRSKI_ERR_IO;
    }
    return BRSKI_OK;
}

/* Reads a single-value PRAGMA as text into |out|. */
static brski_err pragma_text(brski_store *st, const char *sql, char *out, size_t cap)
{
    sqlite3_stmt *s = NULL;
    brski_err rv = BRSKI_ERR_IO;

    out[0] = '\0';
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(s, 0);
        if (t != NULL) {
            size_t n = strlen((const char *)t);
            if (n >= cap) {
                n = cap - 1;
            }
            memcpy(out, t, n);
            out[n] = '\0';
            rv = BRSKI_OK;
        }
    }
    sqlite3_finalize(s);
    return rv;
}

/*
 * TESTING.md K4: "at startup, assert and log journal_mode=WAL,
 * synchronous=FULL, busy_timeout >= 5000; refuse to start otherwise."
 */
static brski_err check_durability(brski_store *st, const char *path)
{
    char mode[32], sync[32], busy[32];
    long busy_ms;

    if (pragma_text(st, "PRAGMA journal_mode", mode, sizeof(mode)) != BRSKI_OK ||
        pragma_text(st, "PRAGMA synchronous", sync, sizeof(sync)) != BRSKI_OK ||
        pragma_text(st, "PRAGMA busy_timeout", busy, sizeof(busy)) != BRSKI_OK) {
        return db_fail(st, "reading durability settings");
    }
    busy_ms = strtol(busy, NULL, 10);
    brski_log(BRSKI_LOG_INFO, "store: %s: journal_mode=%s synchronous=%s busy_timeout=%ld", path,
              mode, sync, busy_ms);
    /* synchronous reads back as a number: 2 = FULL, 3 = EXTRA (stronger, also fine). */
    if (strcasecmp(mode, "wal") != 0 || (strcmp(sync, "2") != 0 && strcmp(sync, "3") != 0) ||
        busy_ms < BRSKI_STORE_BUSY_TIMEOUT_MS) {
        brski_log(BRSKI_LOG_ERROR, "store: %s: refusing to run without WAL, synchronous=FULL "
                                   "and busy_timeout >= %d",
                  path, BRSKI_STORE_BUSY_TIMEOUT_MS);
        return BRSKI_ERR_POLICY;
    }
    return BRSKI_OK;
}

brski_err brski_store_open(const char *path, brski_store **out)
{
    brski_store *st;
    brski_err rv;
    pthread_mutexattr_t ma;
    int fd;

    *out = NULL;
    /* Create the file 0600 ourselves: sqlite would use the umask. */
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        brski_log(BRSKI_LOG_ERROR, "store: cannot create %s", path);
        return BRSKI_ERR_IO;
    }
    close(fd);
    st = calloc(1, sizeof(*st));
    if (st == NULL) {
        return BRSKI_ERR_NOMEM;
    }
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&st->mu, &ma);
    pthread_mutexattr_destroy(&ma);
    if (sqlite3_open_v2(path, &st->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        NULL) != SQLITE_OK) {
        brski_log(BRSKI_LOG_ERROR, "store: cannot open %s", path);
        brski_store_close(st);
        return BRSKI_ERR_IO;
    }
    (void)sqlite3_busy_timeout(st->db, BRSKI_STORE_BUSY_TIMEOUT_MS);
    rv = exec(st, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
    if (rv == BRSKI_OK) {
        rv = check_durability(st, path);
    }
    if (rv == BRSKI_OK) {
        rv = exec(st, schema);
    }
    if (rv != BRSKI_OK) {
        brski_store_close(st);
        return rv;
    }
    *out = st;
    return BRSKI_OK;
}

void brski_store_close(brski_store *st)
{
    if (st == NULL) {
        return;
    }
    sqlite3_close(st->db);
    pthread_mutex_destroy(&st->mu);
    free(st);
}

/* --- transactions: each public writer runs inside tx_begin/tx_end --- */

static brski_err tx_begin(brski_store *st)
{
    pthread_mutex_lock(&st->mu);
    if (st->in_tx) {
        return BRSKI_OK; /* inside brski_store_begin(): the outer transaction holds */
    }
    if (exec(st, "BEGIN IMMEDIATE") != BRSKI_OK) {
        pthread_mutex_unlock(&st->mu);
        return BRSKI_ERR_IO;
    }
    return BRSKI_OK;
}

static brski_err tx_end(brski_store *st, brski_err rv)
{
    if (st->in_tx) {
        if (rv != BRSKI_OK && st->tx_err == BRSKI_OK) {
            st->tx_err = rv;
        }
    } else if (rv == BRSKI_OK) {
        rv = exec(st, "COMMIT");
        if (rv != BRSKI_OK) {
            (void)exec(st, "ROLLBACK");
        }
    } else {
        (void)exec(st, "ROLLBACK");
    }
    pthread_mutex_unlock(&st->mu);
    return rv;
}

brski_err brski_store_begin(brski_store *st)
{
    pthread_mutex_lock(&st->mu);
    if (st->in_tx || exec(st, "BEGIN IMMEDIATE") != BRSKI_OK) {
        pthread_mutex_unlock(&st->mu);
        return st->in_tx ? BRSKI_ERR_ARG : BRSKI_ERR_IO;
    }
    st->in_tx = true;
    st->tx_err = BRSKI_OK;
    return BRSKI_OK; /* the mutex stays held until brski_store_end() */
}

brski_err brski_store_end(brski_store *st, bool commit)
{
    brski_err rv = st->tx_err;

    if (!st->in_tx) {
        return BRSKI_ERR_ARG;
    }
    st->in_tx = false;
    if (commit && rv == BRSKI_OK) {
        rv = exec(st, "COMMIT");
    }
    if (!commit || rv != BRSKI_OK) {
        (void)exec(st, "ROLLBACK");
    }
    pthread_mutex_unlock(&st->mu);
    return rv;
}

/* --- audit --- */

static bool text_ok(const char *s)
{
    return s != NULL && strlen(s) <= BRSKI_STORE_MAX_TEXT;
}

static void put_u64(uint8_t out[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        out[i] = (uint8_t)(v & 0xffu);
        v >>= 8;
    }
}

static int hash_text(wc_Sha256 *h, const char *s)
{
    uint8_t len[8];
    size_t n = strlen(s);

    put_u64(len, (uint64_t)n);
    if (wc_Sha256Update(h, len, 8) != 0) {
        return -1;
    }
    return wc_Sha256Update(h, (const uint8_t *)s, (uint32_t)n);
}

/* SHA-256 over seq, time, actor, action, outcome, reason (length-prefixed) and prev. */
static brski_err record_hash(uint64_t seq, int64_t time, const char *actor, const char *action,
                             const char *outcome, const char *reason, const uint8_t prev[32],
                             uint8_t out[32])
{
    wc_Sha256 h;
    uint8_t b[16];
    int r;

    put_u64(b, seq);
    put_u64(b + 8, (uint64_t)time);
    if (wc_InitSha256(&h) != 0) {
        return BRSKI_ERR_INTERNAL;
    }
    r = wc_Sha256Update(&h, b, 16);
    r |= hash_text(&h, actor);
    r |= hash_text(&h, action);
    r |= hash_text(&h, outcome);
    r |= hash_text(&h, reason);
    r |= wc_Sha256Update(&h, prev, 32);
    r |= wc_Sha256Final(&h, out);
    wc_Sha256Free(&h);
    return r == 0 ? BRSKI_OK : BRSKI_ERR_INTERNAL;
}

static brski_err last_record(brski_store *st, uint64_t *seq, uint8_t hash[32])
{
    sqlite3_stmt *s = NULL;
    brski_err rv = BRSKI_OK;
    int r;

    *seq = 0;
    memset(hash, 0, 32);
    if (sqlite3_prepare_v2(st->db, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", -1,
                           &s, NULL) != SQLITE_OK) {
        return db_fail(st, "audit head");
    }
    r = sqlite3_step(s);
    if (r == SQLITE_ROW) {
        const void *h = sqlite3_column_blob(s, 1);
        *seq = (uint64_t)sqlite3_column_int64(s, 0);
        if (h == NULL || sqlite3_column_bytes(s, 1) != 32) {
            rv = BRSKI_ERR_CRYPTO;
        } else {
            memcpy(hash, h, 32);
        }
    } else if (r != SQLITE_DONE) {
        rv = db_fail(st, "audit head");
    }
    sqlite3_finalize(s);
    return rv;
}

brski_err brski_store_audit_append(brski_store *st, int64_t time, const char *actor,
                                   const char *action, const char *outcome, const char *reason,
                                   uint64_t *seq_out)
{
    sqlite3_stmt *s = NULL;
    uint8_t prev[32], hash[32];
    uint64_t seq = 0;
    brski_err rv;

    if (!text_ok(actor) || !text_ok(action) || !text_ok(outcome) || !text_ok(reason)) {
        return BRSKI_ERR_TOOBIG;
    }
    rv = tx_begin(st);
    if (rv != BRSKI_OK) {
        return rv;
    }
    rv = last_record(st, &seq, prev);
    if (rv == BRSKI_OK) {
        seq++;
        rv = record_hash(seq, time, actor, action, outcome, reason, prev, hash);
    }
    if (rv == BRSKI_OK) {
        if (sqlite3_prepare_v2(st->db,
                               "INSERT INTO audit(seq,time,actor,action,outcome,reason,prev,hash)"
                               " VALUES(?,?,?,?,?,?,?,?)",
                               -1, &s, NULL) != SQLITE_OK) {
            rv = db_fail(st, "audit insert");
        } else {
            sqlite3_bind_int64(s, 1, (sqlite3_int64)seq);
            sqlite3_bind_int64(s, 2, time);
            sqlite3_bind_text(s, 3, actor, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 4, action, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 5, outcome, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 6, reason, -1, SQLITE_STATIC);
            sqlite3_bind_blob(s, 7, prev, 32, SQLITE_STATIC);
            sqlite3_bind_blob(s, 8, hash, 32, SQLITE_STATIC);
            if (sqlite3_step(s) != SQLITE_DONE) {
                rv = db_fail(st, "audit insert");
            }
        }
        sqlite3_finalize(s);
    }
    rv = tx_end(st, rv);
    if (rv == BRSKI_OK && seq_out != NULL) {
        *seq_out = seq;
    }
    return rv;
}

static const char *col_text(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t != NULL ? (const char *)t : "";
}

brski_err brski_store_audit_verify(brski_store *st, uint64_t *count, uint64_t *bad_seq)
{
    sqlite3_stmt *s = NULL;
    uint8_t prev[32], want[32];
    uint64_t expect = 1;
    brski_err rv = BRSKI_OK;
    int r;

    *count = 0;
    *bad_seq = 0;
    memset(prev, 0, sizeof(prev));
    pthread_mutex_lock(&st->mu);
    if (sqlite3_prepare_v2(st->db,
                           "SELECT seq,time,actor,action,outcome,reason,prev,hash FROM audit"
                           " ORDER BY seq",
                           -1, &s, NULL) != SQLITE_OK) {
        rv = db_fail(st, "audit verify");
        goto out;
    }
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        uint64_t seq = (uint64_t)sqlite3_column_int64(s, 0);
        const void *p = sqlite3_column_blob(s, 6);
        const void *h = sqlite3_column_blob(s, 7);
        const char *why = NULL;

        if (seq != expect) {
            why = "sequence gap (record deleted or inserted)";
        } else if (p == NULL || sqlite3_column_bytes(s, 6) != 32 || memcmp(p, prev, 32) != 0) {
            why = "prev does not match the previous record (deleted, modified or reordered)";
        } else if (h == NULL || sqlite3_column_bytes(s, 7) != 32 ||
                   record_hash(seq, sqlite3_column_int64(s, 1), col_text(s, 2), col_text(s, 3),
                               col_text(s, 4), col_text(s, 5), prev, want) != BRSKI_OK ||
                   memcmp(want, h, 32) != 0) {
            why = "record hash does not match its content (modified)";
        }
        if (why != NULL) {
            brski_log(BRSKI_LOG_ERROR, "store: audit record %llu: %s",
                      (unsigned long long)expect, why);
            *bad_seq = expect;
            rv = BRSKI_ERR_CRYPTO;
            goto out;
        }
        memcpy(prev, h, 32);
        expect++;
        (*count)++;
    }
    if (r != SQLITE_DONE) {
        rv = db_fail(st, "audit verify");
    }
out:
    sqlite3_finalize(s);
    pthread_mutex_unlock(&st->mu);
    return rv;
}

brski_err brski_store_audit_head(brski_store *st, uint8_t hash[32], uint64_t *seq)
{
    brski_err rv;

    pthread_mutex_lock(&st->mu);
    rv = last_record(st, seq, hash);
    pthread_mutex_unlock(&st->mu);
    return rv;
}

/* --- vouchers --- */

brski_err brski_store_voucher_add(brski_store *st, const brski_store_voucher *v)
{
    sqlite3_stmt *s = NULL;
    brski_err rv;

    if (!text_ok(v->serial) || !text_ok(v->domain_id) || !text_ok(v->assertion) ||
        (v->nonce != NULL && !text_ok(v->nonce)) || v->voucher.len > MAX_BLOB) {
        return BRSKI_ERR_TOOBIG;
    }
    rv = tx_begin(st);
    if (rv != BRSKI_OK) {
        return rv;
    }
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO vouchers(serial,time,domain_id,nonce,assertion,voucher)"
                           " VALUES(?,?,?,?,?,?)",
                           -1, &s, NULL) != SQLITE_OK) {
        rv = db_fail(st, "voucher insert");
    } else {
        sqlite3_bind_text(s, 1, v->serial, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, v->time);
        sqlite3_bind_text(s, 3, v->domain_id, -1, SQLITE_STATIC);
        if (v->nonce != NULL) {
            sqlite3_bind_text(s, 4, v->nonce, -1, SQLITE_STATIC);
        } else {
            sqlite3_bind_null(s, 4);
        }
        sqlite3_bind_text(s, 5, v->assertion, -1, SQLITE_STATIC);
        sqlite3_bind_blob(s, 6, v->voucher.len > 0 ? (const void *)v->voucher.p : "",
                          (int)v->voucher.len, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE) {
            rv = db_fail(st, "voucher insert");
        }
    }
    sqlite3_finalize(s);
    return tx_end(st, rv);
}

brski_err brski_store_voucher_each(brski_store *st, const char *serial,
                                   brski_store_voucher_fn fn, void *ctx)
{
    sqlite3_stmt *s = NULL;
    brski_err rv = BRSKI_OK;
    int r;

    pthread_mutex_lock(&st->mu);
    if (sqlite3_prepare_v2(st->db,
                           "SELECT serial,time,domain_id,nonce,assertion,voucher FROM vouchers"
                           " WHERE serial=? ORDER BY id",
                           -1, &s, NULL) != SQLITE_OK) {
        rv = db_fail(st, "voucher list");
        goto out;
    }
    sqlite3_bind_text(s, 1, serial, -1, SQLITE_STATIC);
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        brski_store_voucher v;
        v.serial = col_text(s, 0);
        v.time = sqlite3_column_int64(s, 1);
        v.domain_id = col_text(s, 2);
        v.nonce = sqlite3_column_type(s, 3) == SQLITE_NULL ? NULL : col_text(s, 3);
        v.assertion = col_text(s, 4);
        v.voucher = brski_slice_make(sqlite3_column_blob(s, 5),
                                     (size_t)sqlite3_column_bytes(s, 5));
        rv = fn(ctx, &v);
        if (rv != BRSKI_OK) {
            goto out;
        }
    }
    if (r != SQLITE_DONE) {
        rv = db_fail(st, "voucher list");
    }
out:
    sqlite3_finalize(s);
    pthread_mutex_unlock(&st->mu);
    return rv;
}

/* --- certificates --- */

brski_err brski_store_cert_add(brski_store *st, const char *serial_hex, const char *subject,
                               const char *pledge_serial, int64_t time, brski_slice der)
{
    sqlite3_stmt *s = NULL;
    brski_err rv;
    int r;

    if (!text_ok(serial_hex) || !text_ok(subject) || !text_ok(pledge_serial) ||
        der.len > MAX_BLOB || der.len == 0) {
        return der.len == 0 ? BRSKI_ERR_ARG : BRSKI_ERR_TOOBIG;
    }
    rv = tx_begin(st);
    if (rv != BRSKI_OK) {
        return rv;
    }
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO certs(serial,subject,pledge,time,der) VALUES(?,?,?,?,?)",
                           -1, &s, NULL) != SQLITE_OK) {
        rv = db_fail(st, "cert insert");
    } else {
        sqlite3_bind_text(s, 1, serial_hex, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, subject, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, pledge_serial, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, time);
        sqlite3_bind_blob(s, 5, der.p, (int)der.len, SQLITE_STATIC);
        r = sqlite3_step(s);
        if ((r & 0xff) == SQLITE_CONSTRAINT) {
            brski_log(BRSKI_LOG_ERROR, "store: certificate serial %s already issued",
                      serial_hex);
            rv = BRSKI_ERR_POLICY;
        } else if (r != SQLITE_DONE) {
            rv = db_fail(st, "cert insert");
        }
    }
    sqlite3_finalize(s);
    return tx_end(st, rv);
}

brski_err brski_store_cert_get(brski_store *st, const char *serial_hex, brski_buf *der)
{
    sqlite3_stmt *s = NULL;
    brski_err rv = BRSKI_ERR_NOTFOUND;
    int r;

    pthread_mutex_lock(&st->mu);
    if (sqlite3_prepare_v2(st->db, "SELECT der FROM certs WHERE serial=?", -1, &s, NULL) !=
        SQLITE_OK) {
        rv = db_fail(st, "cert get");
        goto out;
    }
    sqlite3_bind_text(s, 1, serial_hex, -1, SQLITE_STATIC);
    r = sqlite3_step(s);
    if (r == SQLITE_ROW) {
        brski_buf_reset(der);
        rv = brski_buf_append(der, sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0));
    } else if (r != SQLITE_DONE) {
        rv = db_fail(st, "cert get");
    }
out:
    sqlite3_finalize(s);
    pthread_mutex_unlock(&st->mu);
    return rv;
}

brski_err brski_store_cert_count(brski_store *st, uint64_t *count)
{
    char t[32];
    brski_err rv;

    pthread_mutex_lock(&st->mu);
    rv = pragma_text(st, "SELECT count(*) FROM certs", t, sizeof(t));
    pthread_mutex_unlock(&st->mu);
    *count = rv == BRSKI_OK ? (uint64_t)strtoull(t, NULL, 10) : 0;
    return rv;
}

/* --- statuses --- */

brski_err brski_store_status_set(brski_store *st, const char *serial, const char *kind, bool ok,
                                 const char *reason, int64_t time)
{
    sqlite3_stmt *s = NULL;
    brski_err rv;

    if (!text_ok(serial) || !text_ok(kind) || !text_ok(reason)) {
        return BRSKI_ERR_TOOBIG;
    }
    rv = tx_begin(st);
    if (rv != BRSKI_OK) {
        return rv;
    }
    if (sqlite3_prepare_v2(st->db,
                           "INSERT OR REPLACE INTO statuses(serial,kind,ok,reason,time)"
                           " VALUES(?,?,?,?,?)",
                           -1, &s, NULL) != SQLITE_OK) {
        rv = db_fail(st, "status set");
    } else {
        sqlite3_bind_text(s, 1, serial, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 3, ok ? 1 : 0);
        sqlite3_bind_text(s, 4, reason, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 5, time);
        if (sqlite3_step(s) != SQLITE_DONE) {
            rv = db_fail(st, "status set");
        }
    }
    sqlite3_finalize(s);
    return tx_end(st, rv);
}

brski_err brski_store_status_get(brski_store *st, const char *serial, const char *kind, bool *ok,
                                 char *reason, size_t cap, int64_t *time)
{
    sqlite3_stmt *s = NULL;
    brski_err rv = BRSKI_ERR_NOTFOUND;
    int r;

    if (cap == 0) {
        return BRSKI_ERR_ARG;
    }
    pthread_mutex_lock(&st->mu);
    if (sqlite3_prepare_v2(st->db,
                           "SELECT ok,reason,time FROM statuses WHERE serial=? AND kind=?", -1, &s,
                           NULL) != SQLITE_OK) {
        rv = db_fail(st, "status get");
        goto out;
    }
    sqlite3_bind_text(s, 1, serial, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
    r = sqlite3_step(s);
    if (r == SQLITE_ROW) {
        const char *t = col_text(s, 1);
        size_t n = strlen(t);
        if (n >= cap) {
            n = cap - 1;
        }
        *ok = sqlite3_column_int(s, 0) != 0;
        memcpy(reason, t, n);
        reason[n] = '\0';
        *time = sqlite3_column_int64(s, 2);
        rv = BRSKI_OK;
    } else if (r != SQLITE_DONE) {
        rv = db_fail(st, "status get");
    }
out:
    sqlite3_finalize(s);
    pthread_mutex_unlock(&st->mu);
    return rv;
}

brski_err brski_store_integrity_check(brski_store *st)
{
    char t[64];
    brski_err rv;

    pthread_mutex_lock(&st->mu);
    rv = pragma_text(st, "PRAGMA integrity_check", t, sizeof(t));
    pthread_mutex_unlock(&st->mu);
    if (rv == BRSKI_OK && strcmp(t, "ok") != 0) {
        brski_log(BRSKI_LOG_ERROR, "store: integrity_check: %s", t);
        rv = BRSKI_ERR_CRYPTO;
    }
    return rv;
}
