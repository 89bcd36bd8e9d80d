/* Running gnuplot: fork and exec with an argument vector (no shell, so nothing a user wrote
 * is ever parsed as a command), in the output directory so the scripts name their files
 * relatively and still work after the directory is renamed into place. */
#define _GNU_SOURCE  /* pipe2 */
#include "report/report-priv.h"

#include "core/why.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define GNUPLOT "gnuplot"

int rp_gnuplot_find(char *why, size_t len)
{
	const char *path = getenv("PATH");
	char cand[PATH_MAX];
	for (const char *s = path ? path : ""; *s;) {
		size_t n = strcspn(s, ":");
		if (n && snprintf(cand, sizeof(cand), "%.*s/%s", (int)n, s, GNUPLOT) <
		    (int)sizeof(cand) && access(cand, X_OK) == 0)
			return 0;
		s += n + (s[n] == ':');
	}
	return pp_why(why, len, -ENOENT, "gnuplot is not installed (not found on PATH); the "
		      "report draws its figures with it: install the gnuplot-nox package "
		      "(apt-get install gnuplot-nox, or run scripts/bootstrap as root)");
}

int rp_gnuplot_run(const char *dir, const char *script, char *why, size_t len)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return pp_why(why, len, -errno, "cannot run gnuplot: pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(pfd[0]);
		close(pfd[1]);
		return pp_why(why, len, -e, "cannot run gnuplot: fork: %s", strerror(e));
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null < 0 || chdir(dir) < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
		    dup2(pfd[1], 2) < 0)
			_exit(126);
		char *const argv[] = { (char *)GNUPLOT, (char *)script, NULL };
		execvp(GNUPLOT, argv);
		dprintf(2, "cannot run gnuplot: %s\n", strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	char msg[1024];
	size_t n = 0;
	ssize_t r;
	char sink[256];
	while ((r = read(pfd[0], n + 1 < sizeof(msg) ? msg + n : sink,
			 n + 1 < sizeof(msg) ? sizeof(msg) - 1 - n : sizeof(sink))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		if (n + 1 < sizeof(msg))
			n += (size_t)r;
	}
	msg[n] = '\0';
	close(pfd[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return pp_why(why, len, -errno, "gnuplot: waitpid: %s", strerror(errno));
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	return pp_why(why, len, -EIO, "gnuplot failed on %s/%s (%s %d): %s", dir, script,
		      WIFEXITED(st) ? "exit status" : "signal",
		      WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), n ? msg : "no message");
}
