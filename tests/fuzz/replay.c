/*
 * replay.c - runs every file of a corpus directory through a fuzz harness
 * (LLVMFuzzerTestOneInput) so ctest exercises the corpus without libFuzzer.
 * Prints "N passed, 0 failed"; a crash or sanitizer report fails the test.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_FILE (1024u * 1024u)

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return -1;
    }
    uint8_t *data = malloc(REPLAY_MAX_FILE);
    if (data == NULL) {
        fclose(f);
        return -1;
    }
    size_t n = fread(data, 1, REPLAY_MAX_FILE, f);
    fclose(f);
    /* Copy into an exact-size allocation so ASan catches over-reads. */
    uint8_t *exact = malloc(n > 0 ? n : 1);
    if (exact == NULL) {
        free(data);
        return -1;
    }
    memcpy(exact, data, n);
    free(data);
    (void)LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    return 0;
}

int main(int argc, char **argv)
{
    unsigned passed = 0, failed = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: no such corpus\n", argv[i]);
            failed++;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (replay_file(argv[i]) == 0) {
                passed++;
            } else {
                failed++;
            }
            continue;
        }
        DIR *d = opendir(argv[i]);
        if (d == NULL) {
            failed++;
            continue;
        }
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.') {
                continue;
            }
            char path[4096];
            int w = snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
            if (w < 0 || (size_t)w >= sizeof(path)) {
                failed++;
                continue;
            }
            if (replay_file(path) == 0) {
                passed++;
            } else {
                failed++;
            }
        }
        closedir(d);
    }
    printf("%u passed, %u failed\n", passed, failed);
    return (failed == 0 && passed > 0) ? 0 : 1;
}
