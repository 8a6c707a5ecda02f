/* Unit tests for the INI config parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "brski/config.h"
#include "brski/file.h"
#include "testutil.h"

static brski_err parse_str(const char *text, brski_config *cfg, char *err, size_t cap)
{
    return brski_config_parse(brski_slice_str(text), cfg, err, cap);
}

static void test_config_parse_sections_keys_comments(void **state)
{
    (void)state;
    brski_config cfg;
    char err[256];
    const char *text = "top = 1\r\n"
                       "# comment\n"
                       "; other comment\n"
                       "\n"
                       "[server]\n"
                       "  listen =  127.0.0.1:8443  \n"
                       "empty =\n"
                       "[anchor idevid]\n"
                       "file = ca.pem\n"
                       "[server]\n"
                       "port = 443";
    assert_int_equal(parse_str(text, &cfg, err, sizeof(err)), BRSKI_OK);
    assert_int_equal(cfg.count, 5);
    assert_string_equal(brski_config_get(&cfg, "", "top"), "1");
    assert_string_equal(brski_config_get(&cfg, "server", "listen"), "127.0.0.1:8443");
    assert_string_equal(brski_config_get(&cfg, "server", "empty"), "");
    assert_string_equal(brski_config_get(&cfg, "server", "port"), "443");
    assert_null(brski_config_get(&cfg, "server", "file"));
    assert_string_equal(brski_config_get_str(&cfg, "x", "y", "dflt"), "dflt");
    assert_int_equal(cfg.entries[1].line, 6);

    assert_string_equal(brski_config_section_at(&cfg, 0), "");
    assert_string_equal(brski_config_section_at(&cfg, 1), "server");
    assert_string_equal(brski_config_section_at(&cfg, 2), "anchor idevid");
    assert_null(brski_config_section_at(&cfg, 3));

    /* Only [anchor idevid] file has not been read. */
    const brski_config_entry *u = brski_config_first_unused(&cfg);
    assert_non_null(u);
    assert_string_equal(u->key, "file");
    assert_int_equal(u->line, 9);
    assert_non_null(brski_config_get(&cfg, "anchor idevid", "file"));
    assert_null(brski_config_first_unused(&cfg));
    brski_config_clear(&cfg);
    brski_config_clear(&cfg); /* idempotent */
}

static void test_config_parse_rejects_duplicates_and_garbage(void **state)
{
    (void)state;
    brski_config cfg;
    char err[256];
    assert_int_equal(parse_str("[a]\nk = 1\nk = 2\n", &cfg, err, sizeof(err)),
                     BRSKI_ERR_MALFORMED);
    assert_string_equal(err, "line 3: duplicate key 'k' in [a] (first at line 2)");
    assert_null(cfg.entries);

    /* Same key in different sections is fine; a repeated header merges. */
    assert_int_equal(parse_str("[a]\nk=1\n[b]\nk=2\n", &cfg, err, sizeof(err)), BRSKI_OK);
    brski_config_clear(&cfg);
    assert_int_equal(parse_str("[a]\nk=1\n[b]\n[a]\nk=2\n", &cfg, err, sizeof(err)),
                     BRSKI_ERR_MALFORMED);

    assert_int_equal(parse_str("[a\n", &cfg, err, sizeof(err)), BRSKI_ERR_MALFORMED);
    assert_string_equal(err, "line 1: section header without closing ']'");
    assert_int_equal(parse_str("[ ]\n", &cfg, err, sizeof(err)), BRSKI_ERR_MALFORMED);
    assert_int_equal(parse_str("justtext\n", &cfg, err, sizeof(err)), BRSKI_ERR_MALFORMED);
    assert_string_equal(err, "line 1: expected 'key = value' or '[section]'");
    assert_int_equal(parse_str("= v\n", &cfg, err, sizeof(err)), BRSKI_ERR_MALFORMED);
    assert_int_equal(parse_str("a b = v\n", &cfg, err, sizeof(err)), BRSKI_ERR_MALFORMED);
    assert_int_equal(parse_str("k = a\x1b[31m\n", &cfg, err, sizeof(err)),
                     BRSKI_ERR_MALFORMED);
    const char nul[] = "k = a\0b\n";
    assert_int_equal(brski_config_parse(brski_slice_make(nul, sizeof(nul) - 1), &cfg, err,
                                        sizeof(err)),
                     BRSKI_ERR_MALFORMED);
    assert_string_equal(err, "line 1: NUL byte");
}

static void test_config_parse_enforces_limits(void **state)
{
    (void)state;
    brski_config cfg;
    char err[256];
    brski_buf b;

    /* Line of 1025 bytes. */
    brski_buf_init(&b, 200000);
    assert_int_equal(brski_buf_append_str(&b, "k = "), BRSKI_OK);
    for (int i = 0; i < 1021; i++) {
        assert_int_equal(brski_buf_append_byte(&b, 'x'), BRSKI_OK);
    }
    assert_int_equal(brski_config_parse(brski_buf_slice(&b), &cfg, err, sizeof(err)),
                     BRSKI_ERR_TOOBIG);
    assert_string_equal(err, "line 1: longer than 1024 bytes");
    b.len--; /* exactly 1024 is fine */
    assert_int_equal(brski_config_parse(brski_buf_slice(&b), &cfg, err, sizeof(err)), BRSKI_OK);
    brski_config_clear(&cfg);

    /* 1025 entries. */
    brski_buf_reset(&b);
    for (int i = 0; i < 1025; i++) {
        assert_int_equal(brski_buf_printf(&b, "k%d=v\n", i), BRSKI_OK);
    }
    assert_int_equal(brski_config_parse(brski_buf_slice(&b), &cfg, err, sizeof(err)),
                     BRSKI_ERR_TOOBIG);
    assert_string_equal(err, "line 1025: more than 1024 entries");

    /* More than 64 KiB of comments. */
    brski_buf_reset(&b);
    while (b.len <= 64u * 1024u) {
        assert_int_equal(brski_buf_append_str(&b, "# padding padding padding\n"), BRSKI_OK);
    }
    assert_int_equal(brski_config_parse(brski_buf_slice(&b), &cfg, err, sizeof(err)),
                     BRSKI_ERR_TOOBIG);
    brski_buf_clear(&b);
}

static void test_config_getters_check_types(void **state)
{
    (void)state;
    brski_config cfg;
    char err[256];
    int64_t v = 0;
    bool bv = false;
    assert_int_equal(parse_str("[s]\nn = 42\nneg = -7\nbad = 4x\nbig = 99999999999999999999\n"
                               "b1 = yes\nb2 = off\nb3 = maybe\n",
                               &cfg, err, sizeof(err)),
                     BRSKI_OK);
    assert_int_equal(brski_config_get_int(&cfg, "s", "n", 0, 0, 100, &v, err, sizeof(err)),
                     BRSKI_OK);
    assert_int_equal(v, 42);
    assert_int_equal(brski_config_get_int(&cfg, "s", "neg", 0, -10, 10, &v, err, sizeof(err)),
                     BRSKI_OK);
    assert_int_equal(v, -7);
    assert_int_equal(brski_config_get_int(&cfg, "s", "n", 0, 0, 41, &v, err, sizeof(err)),
                     BRSKI_ERR_MALFORMED);
    assert_string_equal(err, "config:2: [s] n must be an integer in [0, 41]");
    assert_int_equal(brski_config_get_int(&cfg, "s", "bad", 0, 0, 100, &v, err, sizeof(err)),
                     BRSKI_ERR_MALFORMED);
    assert_int_equal(
        brski_config_get_int(&cfg, "s", "big", 0, INT64_MIN, INT64_MAX, &v, err, sizeof(err)),
        BRSKI_ERR_MALFORMED);
    assert_int_equal(brski_config_get_int(&cfg, "s", "absent", 9, 0, 100, &v, err, sizeof(err)),
                     BRSKI_OK);
    assert_int_equal(v, 9);
    assert_int_equal(brski_config_get_bool(&cfg, "s", "b1", false, &bv, err, sizeof(err)),
                     BRSKI_OK);
    assert_true(bv);
    assert_int_equal(brski_config_get_bool(&cfg, "s", "b2", true, &bv, err, sizeof(err)),
                     BRSKI_OK);
    assert_false(bv);
    assert_int_equal(brski_config_get_bool(&cfg, "s", "b3", true, &bv, err, sizeof(err)),
                     BRSKI_ERR_MALFORMED);
    assert_int_equal(brski_config_get_bool(&cfg, "s", "none", true, &bv, err, sizeof(err)),
                     BRSKI_OK);
    assert_true(bv);
    assert_null(brski_config_first_unused(&cfg));
    brski_config_clear(&cfg);
}

static void test_config_load_resolves_paths(void **state)
{
    (void)state;
    const char *dir = test_tmpdir();
    char path[512];
    char out[600];
    char err[256];
    brski_config cfg;
    snprintf(path, sizeof(path), "%s/prog.ini", dir);
    const char *text = "[anchor masa]\nfile = certs/masa.pem\nabs = /etc/x.pem\n";
    assert_int_equal(brski_file_write(path, brski_slice_str(text), 0644), BRSKI_OK);
    assert_int_equal(brski_config_load(path, &cfg, err, sizeof(err)), BRSKI_OK);
    assert_string_equal(cfg.dir, dir);
    assert_string_equal(cfg.path, path);
    assert_int_equal(
        brski_config_path(&cfg, brski_config_get(&cfg, "anchor masa", "file"), out, sizeof(out)),
        BRSKI_OK);
    char want[600];
    snprintf(want, sizeof(want), "%s/certs/masa.pem", dir);
    assert_string_equal(out, want);
    assert_int_equal(
        brski_config_path(&cfg, brski_config_get(&cfg, "anchor masa", "abs"), out, sizeof(out)),
        BRSKI_OK);
    assert_string_equal(out, "/etc/x.pem");
    assert_int_equal(brski_config_path(&cfg, "certs/masa.pem", out, 8), BRSKI_ERR_TOOBIG);
    assert_int_equal(brski_config_path(&cfg, "", out, sizeof(out)), BRSKI_ERR_ARG);
    brski_config_clear(&cfg);

    /* Errors from a file name the file. */
    snprintf(path, sizeof(path), "%s/bad.ini", dir);
    assert_int_equal(brski_file_write(path, brski_slice_str("x\n"), 0644), BRSKI_OK);
    assert_int_equal(brski_config_load(path, &cfg, err, sizeof(err)), BRSKI_ERR_MALFORMED);
    char wanterr[700];
    snprintf(wanterr, sizeof(wanterr), "%s: line 1: expected 'key = value' or '[section]'", path);
    assert_string_equal(err, wanterr);
    snprintf(path, sizeof(path), "%s/missing.ini", dir);
    assert_int_equal(brski_config_load(path, &cfg, err, sizeof(err)), BRSKI_ERR_IO);

    /* A file name without a directory resolves against ".". */
    assert_int_equal(parse_str("a=b\n", &cfg, err, sizeof(err)), BRSKI_OK);
    assert_int_equal(brski_config_path(&cfg, "rel.pem", out, sizeof(out)), BRSKI_OK);
    assert_string_equal(out, "rel.pem");
    brski_config_clear(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_parse_sections_keys_comments),
        cmocka_unit_test(test_config_parse_rejects_duplicates_and_garbage),
        cmocka_unit_test(test_config_parse_enforces_limits),
        cmocka_unit_test(test_config_getters_check_types),
        cmocka_unit_test(test_config_load_resolves_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
