#include "core/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

int pp_file_read(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -errno;
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap);
	int err = b ? 0 : -ENOMEM;
	while (!err) {
		if (n + 1 >= cap) {
			char *nb = realloc(b, cap *= 2);
			if (!nb) {
				err = -ENOMEM;
				break;
			}
			b = nb;
		}
		size_t k = fread(b + n, 1, cap - n - 1, f);
		n += k;
		if (k == 0) {
			if (ferror(f))
				err = -EIO;
			break;
		}
	}
	fclose(f);
	if (err) {
		free(b);
		return err;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

int pp_file_read_zst(const char *path, char **buf, size_t *len)
{
	int err = pp_file_read(path, buf, len);
	if (err != -ENOENT)
		return err;
	char zpath[4096];
	snprintf(zpath, sizeof(zpath), "%s.zst", path);
	char *z;
	size_t zn;
	if (pp_file_read(zpath, &z, &zn) < 0)
		return -ENOENT;
	ZSTD_DStream *ds = ZSTD_createDStream();
	size_t cap = zn * 8 + 1024, n = 0;
	char *out = malloc(cap);
	ZSTD_inBuffer in = { z, zn, 0 };
	err = ds && out ? 0 : -ENOMEM;
	while (!err) {
		if (cap - n < 65536) {
			char *no = realloc(out, cap *= 2);
			if (!no) {
				err = -ENOMEM;
				break;
			}
			out = no;
		}
		ZSTD_outBuffer ob = { out + n, cap - n - 1, 0 };
		size_t r = ZSTD_decompressStream(ds, &ob, &in);
		n += ob.pos;
		if (ZSTD_isError(r))
			err = -EBADMSG;
		else if (r == 0 && in.pos == in.size)
			break;
		else if (in.pos == in.size && ob.pos == 0)
			err = -EBADMSG; /* truncated frame */
	}
	ZSTD_freeDStream(ds);
	free(z);
	if (err) {
		free(out);
		return err;
	}
	out[n] = '\0';
	*buf = out;
	*len = n;
	return 0;
}

static int write_all(int fd, const char *p, size_t left)
{
	while (left) {
		ssize_t k = write(fd, p, left);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += k;
		left -= (size_t)k;
	}
	return 0;
}

int pp_file_write_atomic(const char *path, const void *data, size_t len)
{
	size_t pl = strlen(path);
	char *tmp = malloc(pl + 16);
	if (!tmp)
		return -ENOMEM;
	snprintf(tmp, pl + 16, "%s.tmpXXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		int err = -errno;
		free(tmp);
		return err;
	}
	int err = write_all(fd, data, len);
	/* mkstemp makes 0600; datasets and models are meant to be shared like any output. */
	if (!err) {
		mode_t um = umask(0);
		umask(um);
		if (fchmod(fd, 0666 & ~um) < 0 || fsync(fd) < 0)
			err = -errno;
	}
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && rename(tmp, path) < 0)
		err = -errno;
	if (err)
		unlink(tmp);
	free(tmp);
	return err;
}

int pp_dir_create(const char *path)
{
	char buf[4096];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0777) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0777) < 0 && errno != EEXIST)
		return -errno;
	struct stat st;
	if (stat(buf, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}
