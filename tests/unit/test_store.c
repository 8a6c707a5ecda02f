/* Unit tests for the SQLite store and its hash-chained audit log (common/store.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <pthread.h>
#include <sqlite3.h>

#include "brski/store.h"
#include "testutil.h"

#define N_RECORDS 10000

static char db_path[512];

static brski_store *open_fresh(void)
{
    brski_store *st = NULL;
    struct stat sb;

    (void)snprintf(db_path, sizeof(db_path), "%s/store.db", test_tmpdir());
    assert_int_equal(brski_store_open(db_path, &st), BRSKI_OK);
    assert_int_equal(stat(db_path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    return st;
}

static void raw_exec(const char *sql)
{
    sqlite3 *db = NULL;
    char *msg = NULL;

    assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fail_msg("sql failed: %s: %s", sql, msg != NULL ? msg : "?");
    }
    sqlite3_close(db);
}

static void expect_verify(brski_store *st, brski_err want, uint64_t want_count,
                          uint64_t want_bad)
{
    uint64_t count = 99, bad = 99;

    assert_int_equal(brski_store_audit_verify(st, &count, &bad), want);
    if (want == BRSKI_OK) {
        assert_int_equal(count, want_count);
        assert_int_equal(bad, 0);
    } else {
        assert_int_equal(bad, want_bad);
    }
}

static void test_store_audit_chain_detects_delete_modify_reorder_in_10000(void **state)
{
    brski_store *st = open_fresh();
    int i;
    (void)state;

    assert_int_equal(brski_store_begin(st), BRSKI_OK);
    for (i = 0; i < N_RECORDS; i++) {
        char actor[64], reason[64];
        uint64_t seq = 0;
        (void)snprintf(actor, sizeof(actor), "idevid:SN%05d", i);
        (void)snprintf(reason, sizeof(reason), "r%d", i % 7);
        assert_int_equal(brski_store_audit_append(st, 1700000000 + i, actor, "voucher.issue",
                                                  i % 3 == 0 ? "refused" : "ok", reason, &seq),
                         BRSKI_OK);
        assert_int_equal(seq, (uint64_t)i + 1);
    }
    assert_int_equal(brski_store_end(st, true), BRSKI_OK);

    /* 0 false alarms on the intact log. */
    expect_verify(st, BRSKI_OK, N_RECORDS, 0);

    /* 1 modified record: its own hash no longer matches. */
    raw_exec("UPDATE audit SET outcome='refused' WHERE seq=4242");
    expect_verify(st, BRSKI_ERR_CRYPTO, 0, 4242);
    raw_exec("UPDATE audit SET outcome='ok' WHERE seq=4242"); /* record i=4241: 4241 % 3 != 0 */
    expect_verify(st, BRSKI_OK, N_RECORDS, 0);

    /* A modified time field in the second-to-last record. */
    raw_exec("UPDATE audit SET time=time+1 WHERE seq=9999");
    expect_verify(st, BRSKI_ERR_CRYPTO, 0, 9999);
    raw_exec("UPDATE audit SET time=time-1 WHERE seq=9999");
    expect_verify(st, BRSKI_OK, N_RECORDS, 0);

    /* 1 deleted record: the gap is found at the next one. */
    raw_exec("CREATE TABLE saved AS SELECT * FROM audit WHERE seq=777;"
             "DELETE FROM audit WHERE seq=777");
    expect_verify(st, BRSKI_ERR_CRYPTO, 0, 777);
    raw_exec("INSERT INTO audit SELECT * FROM saved; DROP TABLE saved");
    expect_verify(st, BRSKI_OK, N_RECORDS, 0);

    /* Deleting and renumbering the tail to hide the gap: prev breaks. */
    raw_exec("CREATE TABLE saved AS SELECT * FROM audit;"
             "DELETE FROM audit WHERE seq=5000;"
             "UPDATE audit SET seq=seq-1 WHERE seq>5000");
    expect_verify(st, BRSKI_ERR_CRYPTO, 0, 5000);
    raw_exec("DELETE FROM audit; INSERT INTO audit SELECT * FROM saved; DROP TABLE saved");
    expect_verify(st, BRSKI_OK, N_RECORDS, 0);

    /* 1 reordered pair: swap the sequence numbers of records 1234 and 1235. */
    raw_exec("UPDATE audit SET seq=-1 WHERE seq=1234;"
             "UPDATE audit SET seq=1234 WHERE seq=1235;"
             "UPDATE audit SET seq=1235 WHERE seq=-1");
    expect_verify(st, BRSKI_ERR_CRYPTO, 0, 1234);
    raw_exec("UPDATE audit SET seq=-1 WHERE seq=1234;"
             "UPDATE audit SET seq=1234 WHERE seq=1235;"
             "UPDATE audit SET seq=1235 WHERE seq=-1");
    expect_verify(st, BRSKI_OK, N_RECORDS, 0);

    /* The chain continues correctly after tamper checks. */
    assert_int_equal(brski_store_audit_append(st, 1, "a", "b", "ok", "", NULL), BRSKI_OK);
    expect_verify(st, BRSKI_OK, N_RECORDS + 1, 0);
    assert_int_equal(brski_store_integrity_check(st), BRSKI_OK);
    brski_store_close(st);
}

static void test_store_audit_empty_and_head(void **state)
{
    brski_store *st = open_fresh();
    uint8_t h[32], zero[32] = {0};
    uint64_t seq = 9;
    (void)state;

    expect_verify(st, BRSKI_OK, 0, 0);
    assert_int_equal(brski_store_audit_head(st, h, &seq), BRSKI_OK);
    assert_int_equal(seq, 0);
    assert_memory_equal(h, zero, 32);
    assert_int_equal(brski_store_audit_append(st, 5, "x", "y", "ok", "ctl\n\x1b", NULL), BRSKI_OK);
    assert_int_equal(brski_store_audit_head(st, h, &seq), BRSKI_OK);
    assert_int_equal(seq, 1);
    assert_memory_not_equal(h, zero, 32);
    brski_store_close(st);
}

static void test_store_audit_rejects_oversize_text(void **state)
{
    brski_store *st = open_fresh();
    char big[BRSKI_STORE_MAX_TEXT + 2];
    (void)state;

    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(brski_store_audit_append(st, 0, big, "a", "ok", "", NULL), BRSKI_ERR_TOOBIG);
    expect_verify(st, BRSKI_OK, 0, 0);
    brski_store_close(st);
}

typedef struct {
    brski_store *st;
    int id;
} appender;

static void *append_many(void *arg)
{
    appender *a = arg;
    for (int i = 0; i < 50; i++) {
        char actor[32];
        (void)snprintf(actor, sizeof(actor), "t%d-%d", a->id, i);
        if (brski_store_audit_append(a->st, i, actor, "x", "ok", "", NULL) != BRSKI_OK) {
            return a;
        }
    }
    return NULL;
}

static void test_store_audit_concurrent_appends_keep_chain(void **state)
{
    brski_store *st = open_fresh();
    pthread_t t[4];
    appender a[4];
    int i;
    (void)state;

    for (i = 0; i < 4; i++) {
        a[i].st = st;
        a[i].id = i;
        assert_int_equal(pthread_create(&t[i], NULL, append_many, &a[i]), 0);
    }
    for (i = 0; i < 4; i++) {
        void *r = &a[0];
        pthread_join(t[i], &r);
        assert_null(r);
    }
    expect_verify(st, BRSKI_OK, 200, 0);
    brski_store_close(st);
}

static brski_err count_vouchers(void *ctx, const brski_store_voucher *v)
{
    int *n = ctx;
    if (*n == 0) {
        assert_string_equal(v->nonce, "abc");
        assert_int_equal(v->voucher.len, 3);
        assert_memory_equal(v->voucher.p, "VCH", 3);
    } else {
        assert_null(v->nonce);
        assert_string_equal(v->assertion, "logged");
    }
    (*n)++;
    return BRSKI_OK;
}

static void test_store_vouchers_certs_statuses(void **state)
{
    brski_store *st = open_fresh();
    brski_store_voucher v;
    brski_buf der;
    uint64_t n = 0;
    int seen = 0;
    bool ok = false;
    char reason[64];
    int64_t t = 0;
    (void)state;

    memset(&v, 0, sizeof(v));
    v.serial = "SN1";
    v.time = 100;
    v.domain_id = "abcd";
    v.nonce = "abc";
    v.assertion = "proximity";
    v.voucher = brski_slice_str("VCH");
    assert_int_equal(brski_store_voucher_add(st, &v), BRSKI_OK);
    v.nonce = NULL;
    v.assertion = "logged";
    assert_int_equal(brski_store_voucher_add(st, &v), BRSKI_OK);
    v.serial = "SN2";
    assert_int_equal(brski_store_voucher_add(st, &v), BRSKI_OK);
    assert_int_equal(brski_store_voucher_each(st, "SN1", count_vouchers, &seen), BRSKI_OK);
    assert_int_equal(seen, 2);

    /* Unique serials: the second insert of 01ab is refused and nothing changes. */
    assert_int_equal(brski_store_cert_add(st, "01ab", "CN=a", "SN1", 5, brski_slice_str("DER1")),
                     BRSKI_OK);
    assert_int_equal(brski_store_cert_add(st, "01ab", "CN=b", "SN2", 6, brski_slice_str("DER2")),
                     BRSKI_ERR_POLICY);
    assert_int_equal(brski_store_cert_count(st, &n), BRSKI_OK);
    assert_int_equal(n, 1);
    brski_buf_init(&der, 1024);
    assert_int_equal(brski_store_cert_get(st, "01ab", &der), BRSKI_OK);
    assert_int_equal(der.len, 4);
    assert_memory_equal(der.p, "DER1", 4);
    assert_int_equal(brski_store_cert_get(st, "ffff", &der), BRSKI_ERR_NOTFOUND);
    brski_buf_clear(&der);

    assert_int_equal(brski_store_status_get(st, "SN1", "enroll", &ok, reason, sizeof(reason), &t),
                     BRSKI_ERR_NOTFOUND);
    assert_int_equal(brski_store_status_set(st, "SN1", "enroll", false, "bad csr", 7), BRSKI_OK);
    assert_int_equal(brski_store_status_set(st, "SN1", "enroll", true, "", 8), BRSKI_OK);
    assert_int_equal(brski_store_status_get(st, "SN1", "enroll", &ok, reason, sizeof(reason), &t),
                     BRSKI_OK);
    assert_true(ok);
    assert_string_equal(reason, "");
    assert_int_equal(t, 8);

    /* A rolled-back group leaves nothing behind. */
    assert_int_equal(brski_store_begin(st), BRSKI_OK);
    assert_int_equal(brski_store_cert_add(st, "02", "CN=c", "SN3", 9, brski_slice_str("D")),
                     BRSKI_OK);
    assert_int_equal(brski_store_audit_append(st, 9, "a", "cert.issue", "ok", "", NULL), BRSKI_OK);
    assert_int_equal(brski_store_end(st, false), BRSKI_OK);
    assert_int_equal(brski_store_cert_count(st, &n), BRSKI_OK);
    assert_int_equal(n, 1);
    expect_verify(st, BRSKI_OK, 0, 0);

    /* A failure inside a group makes the end fail and roll back. */
    assert_int_equal(brski_store_begin(st), BRSKI_OK);
    assert_int_equal(brski_store_audit_append(st, 9, "a", "cert.issue", "ok", "", NULL), BRSKI_OK);
    assert_int_equal(brski_store_cert_add(st, "01ab", "CN=d", "SN4", 9, brski_slice_str("D")),
                     BRSKI_ERR_POLICY);
    assert_int_equal(brski_store_end(st, true), BRSKI_ERR_POLICY);
    expect_verify(st, BRSKI_OK, 0, 0);
    brski_store_close(st);

    /* Reopen: data persisted. */
    assert_int_equal(brski_store_open(db_path, &st), BRSKI_OK);
    assert_int_equal(brski_store_cert_count(st, &n), BRSKI_OK);
    assert_int_equal(n, 1);
    brski_store_close(st);
}

static void test_store_refuses_without_wal(void **state)
{
    brski_store *st = NULL;
    char cwd[512];
    (void)state;

    /* An in-memory database cannot run WAL: the store must refuse it. */
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(test_tmpdir()), 0);
    assert_int_equal(brski_store_open(":memory:", &st), BRSKI_ERR_POLICY);
    assert_null(st);
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(brski_store_open("/nonexistent-dir/x.db", &st), BRSKI_ERR_IO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_audit_chain_detects_delete_modify_reorder_in_10000),
        cmocka_unit_test(test_store_audit_empty_and_head),
        cmocka_unit_test(test_store_audit_rejects_oversize_text),
        cmocka_unit_test(test_store_audit_concurrent_appends_keep_chain),
        cmocka_unit_test(test_store_vouchers_certs_statuses),
        cmocka_unit_test(test_store_refuses_without_wal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
