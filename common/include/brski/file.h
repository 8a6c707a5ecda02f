/*
 * file.h - whole-file I/O for programs (never used by parsers or policy).
 */
#ifndef BRSKI_FILE_H
#define BRSKI_FILE_H

#include <stdbool.h>
#include <sys/types.h>

#include "brski/buf.h"

/*
 * Reads the file at |path| into |out| (whose max bounds the size).
 * BRSKI_ERR_IO when it cannot be opened or read, BRSKI_ERR_TOOBIG past max.
 */
BRSKI_MUST_USE brski_err brski_file_read(const char *path, brski_buf *out);

/*
 * Writes |data| to |path| atomically (temp file + fsync + rename) with
 * permissions |mode| (e.g. 0600 for keys, 0644 otherwise).
 */
BRSKI_MUST_USE brski_err brski_file_write(const char *path, brski_slice data, mode_t mode);

/* mkdir -p with |mode| for created directories. */
BRSKI_MUST_USE brski_err brski_mkdirs(const char *path, mode_t mode);

/* True when |path| exists. */
bool brski_file_exists(const char *path);

#endif
