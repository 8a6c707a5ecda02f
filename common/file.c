#include "brski/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "brski/log.h"

brski_err brski_file_read(const char *path, brski_buf *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return BRSKI_ERR_IO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        close(fd);
        return BRSKI_ERR_IO;
    }
    brski_err rv = BRSKI_OK;
    for (;;) {
        uint8_t chunk[4096];
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            rv = BRSKI_ERR_IO;
            break;
        }
        if (n == 0) {
            break;
        }
        rv = brski_buf_append(out, chunk, (size_t)n);
        if (rv != BRSKI_OK) {
            break;
        }
    }
    close(fd);
    return rv;
}

brski_err brski_file_write(const char *path, brski_slice data, mode_t mode)
{
    char tmp[4096];
    int n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        return BRSKI_ERR_ARG;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        return BRSKI_ERR_IO;
    }
    /* The umask may have widened nothing but could have narrowed: set exactly. */
    if (fchmod(fd, mode) != 0) {
        close(fd);
        unlink(tmp);
        return BRSKI_ERR_IO;
    }
    size_t off = 0;
    while (off < data.len) {
        ssize_t w = write(fd, data.p + off, data.len - off);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            close(fd);
            unlink(tmp);
            return BRSKI_ERR_IO;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        unlink(tmp);
        return BRSKI_ERR_IO;
    }
    if (rename(tmp, path) != 0) {
        unlink(tmp);
        return BRSKI_ERR_IO;
    }
    return BRSKI_OK;
}

brski_err brski_mkdirs(const char *path, mode_t mode)
{
    char tmp[4096];
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof(tmp)) {
        return BRSKI_ERR_ARG;
    }
    memcpy(tmp, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (tmp[i] == '/' || tmp[i] == '\0') {
            char c = tmp[i];
            tmp[i] = '\0';
            if (mkdir(tmp, mode) != 0 && errno != EEXIST) {
                return BRSKI_ERR_IO;
            }
            tmp[i] = c;
        }
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        return BRSKI_ERR_IO;
    }
    return BRSKI_OK;
}

bool brski_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}
