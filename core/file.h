/* Whole-file reads and atomic replacement: outputs are written to a temporary file in the
 * same directory, synced, then renamed over the old one, so a crash never leaves a torn file
 * and what was there before is never lost. Internal to powprint. */
#ifndef PP_CORE_FILE_H
#define PP_CORE_FILE_H

#include <stddef.h>

/* Reads path into a NUL-terminated malloc'd buffer (*len excludes the NUL). */
int pp_file_read(const char *path, char **buf, size_t *len);

/* Like pp_file_read, but when path does not exist and path.zst does (a shipped, compressed
 * file), reads and decompresses that. */
int pp_file_read_zst(const char *path, char **buf, size_t *len);

/* Replaces path with data atomically; the new file gets the usual 0666 & ~umask mode. */
int pp_file_write_atomic(const char *path, const void *data, size_t len);

/* mkdir -p; 0 when the directory exists afterwards. */
int pp_dir_create(const char *path);

#endif
