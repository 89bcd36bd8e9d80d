/* The shared progress line (progress.h). */
#include "cli/progress.h"
#include "cli/cli.h"
#include "core/clock.h"

#include <math.h>
#include <stdio.h>

/* Not a terminal: a new line at each step, else at most every this many seconds. */
#define LOG_EVERY_S 5.0

void cli_progress_clock(double s, char *buf, int len)
{
	if (!isfinite(s) || s < 0)
		s = 0;
	long t = lround(s);
	if (t >= 3600)
		snprintf(buf, (size_t)len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, (size_t)len, "%ld:%02ld", t / 60, t % 60);
}

void cli_progress_start(struct cli_progress *p, bool forced)
{
	*p = (struct cli_progress){ .tty = cli_isatty(stderr), .last_done = -1,
				    .total = -1 };
	p->on = p->tty || forced;
	p->t0 = pp_clock_mono_s();
}

void cli_progress_show(struct cli_progress *p, long done, long total, bool running,
		       const char *what, double left_s)
{
	if (!p->on)
		return;
	double now = pp_clock_mono_s(), el = now - p->t0;
	bool fresh = total != p->total;
	if (fresh) {
		p->total = total;
		p->base_t = now;
		p->base_done = done;
	}
	bool step = done != p->last_done && (running || done >= total);
	if (!p->tty && !fresh && !step && now - p->printed < LOG_EVERY_S)
		return;
	/* Extrapolate from this count's rate (not from the time before it began: a setup
	 * step would inflate it); nothing to go on before it moved. */
	if (left_s < 0 && done > p->base_done && total > 0)
		left_s = (now - p->base_t) * (double)(total - done) / (double)(done - p->base_done);
	char e[16], l[24] = "?";
	cli_progress_clock(el, e, sizeof(e));
	if (left_s >= 0)
		cli_progress_clock(left_s, l + 1, sizeof(l) - 1), l[0] = '~';
	long shown = running && done < total ? done + 1 : done;
	fprintf(stderr, "%s[%ld/%ld] %s, %s elapsed, %s left%s", p->tty ? "\r\033[K" : "", shown,
		total, what ? what : "", e, l, p->tty ? "" : "\n");
	fflush(stderr);
	p->drawn = p->tty;
	p->printed = now;
	p->last_done = done;
}

void cli_progress_say(struct cli_progress *p, const char *line)
{
	fprintf(stderr, "%s%s\n", p->drawn ? "\r\033[K" : "", line);
	p->drawn = false;
}

void cli_progress_end(struct cli_progress *p)
{
	if (p->drawn)
		fprintf(stderr, "\r\033[K");
	p->drawn = false;
	fflush(stderr);
}
