/* The output directory appears whole or not at all: everything is written into a temporary
 * directory beside it (same file system, so rename is atomic) and swapped in at the end. An
 * existing report is exchanged with the new one in one renameat2(RENAME_EXCHANGE), so
 * readers see the old report or the new one, never a mix or nothing. */
#define _GNU_SOURCE
#include "report/report-priv.h"

#include "core/file.h"
#include "core/why.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* out without trailing slashes, into buf. */
static int strip(const char *out, char *buf, size_t len)
{
	size_t n = strlen(out);
	while (n > 1 && out[n - 1] == '/')
		n--;
	if (!n || n >= len)
		return -ENAMETOOLONG;
	memcpy(buf, out, n);
	buf[n] = '\0';
	return 0;
}

int rp_out_check(const char *out, char *why, size_t len)
{
	struct stat st;
	if (lstat(out, &st) < 0)
		return errno == ENOENT ? 0 : pp_why(why, len, -errno, "cannot use %s: %s", out,
						     strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return pp_why(why, len, -EEXIST, "%s exists and is not a directory; the report is a "
			      "directory: pick another --output", out);
	DIR *d = opendir(out);
	if (!d)
		return pp_why(why, len, -errno, "cannot read %s: %s", out, strerror(errno));
	bool empty = true, report = false;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		empty = false;
		report |= !strcmp(e->d_name, "index.html");
	}
	closedir(d);
	/* Never swap away a directory that is not ours: --output $HOME must not delete $HOME. */
	if (!empty && !report)
		return pp_why(why, len, -EEXIST, "%s exists and is not a powprint report (it holds "
			      "files but no index.html); the report replaces its --output directory "
			      "whole: pick a new or empty directory", out);
	return 0;
}

int rp_out_tmp(const char *out, char *tmp, size_t len, char *why, size_t wlen)
{
	char base[4096], parent[4096];
	if (strip(out, base, sizeof(base)) ||
	    snprintf(tmp, len, "%s.tmp-XXXXXX", base) >= (int)len)
		return pp_why(why, wlen, -ENAMETOOLONG, "--output %s: the path is too long", out);
	snprintf(parent, sizeof(parent), "%s", base);
	char *slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		int err = pp_dir_create(parent);
		if (err)
			return pp_why(why, wlen, err, "cannot create %s: %s", parent, strerror(-err));
	}
	if (!mkdtemp(tmp))
		return pp_why(why, wlen, -errno, "cannot create a temporary directory beside %s: %s",
			      base, strerror(errno));
	return 0;
}

/* Without RENAME_EXCHANGE (some file systems): move the old report aside, the new one in,
 * and the old one back if that fails. */
static int commit_two_step(const char *tmp, const char *base, char *why, size_t len)
{
	char old[4200];
	snprintf(old, sizeof(old), "%s.old-XXXXXX", base);
	if (!mkdtemp(old))
		return pp_why(why, len, -errno, "cannot replace %s: %s", base, strerror(errno));
	if (rename(base, old) < 0) {
		int e = errno;
		rmdir(old);
		return pp_why(why, len, -e, "cannot move the old %s aside: %s", base, strerror(e));
	}
	if (rename(tmp, base) < 0) {
		int e = errno;
		if (rename(old, base) < 0)
			return pp_why(why, len, -e, "cannot put the new report in place (%s), nor the "
				      "old one back (%s): it is in %s", strerror(e), strerror(errno),
				      old);
		return pp_why(why, len, -e, "cannot put the new report in place: %s",
			      strerror(e));
	}
	rp_rmtree(old);
	return 0;
}

int rp_out_commit(const char *tmp, const char *out, char *why, size_t len)
{
	char base[4096];
	if (strip(out, base, sizeof(base)))
		return pp_why(why, len, -ENAMETOOLONG, "--output %s: the path is too long", out);
	/* The directory is readable by others, as any directory we would create is: mkdtemp
	 * made it 0700. */
	mode_t mask = umask(0);
	umask(mask);
	chmod(tmp, 0777 & ~mask);
	if (rename(tmp, base) == 0)
		return 0;
	if (errno != EEXIST && errno != ENOTEMPTY)
		return pp_why(why, len, -errno, "cannot put the report in place at %s: %s", base,
			      strerror(errno));
	int err = rp_out_check(base, why, len);  /* what is there now, if it changed */
	if (err)
		return err;
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, base, RENAME_EXCHANGE) < 0) {
		if (errno == EINVAL || errno == ENOSYS)
			return commit_two_step(tmp, base, why, len);
		return pp_why(why, len, -errno, "cannot replace %s: %s", base, strerror(errno));
	}
	rp_rmtree(tmp);  /* now the old report */
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

int rp_rmtree(const char *path)
{
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0 ? -errno : 0;
}
