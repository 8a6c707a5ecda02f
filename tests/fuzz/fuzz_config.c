/* Fuzz harness: the INI config parser and its getters. */
#include <stddef.h>
#include <stdint.h>

#include "brski/config.h"
#include "brski/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int sink = 0;
    brski_config cfg;
    char err[256];
    if (brski_config_parse(brski_slice_make(data, size), &cfg, err, sizeof(err)) != BRSKI_OK) {
        return 0;
    }
    for (size_t i = 0;; i++) {
        const char *sec = brski_config_section_at(&cfg, i);
        if (sec == NULL) {
            break;
        }
        brski_anchor_policy pol;
        brski_anchor_policy_default(BRSKI_PURPOSE_IDEVID, &pol);
        sink += (int)brski_anchor_policy_from_config(&cfg, sec, &pol, err, sizeof(err));
        int64_t v = 0;
        bool b = false;
        sink += (int)brski_config_get_int(&cfg, sec, "n", 0, -5, 5, &v, err, sizeof(err));
        sink += (int)brski_config_get_bool(&cfg, sec, "b", false, &b, err, sizeof(err));
        char path[64];
        const char *f = brski_config_get(&cfg, sec, "file");
        if (f != NULL) {
            sink += (int)brski_config_path(&cfg, f, path, sizeof(path));
        }
    }
    sink += brski_config_first_unused(&cfg) != NULL ? 1 : 0;
    brski_config_clear(&cfg);
    (void)sink;
    return 0;
}
