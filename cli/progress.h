/* One progress line for every long-running command, on stderr:
 *   [7/15] idle t1 d100, 0:42 elapsed, ~1:03 left
 * Redrawn in place on a terminal; elsewhere (a log, a pipe) silent unless the user asked with
 * --progress, and then one line per step or every few seconds, so a log stays readable. */
#ifndef PP_CLI_PROGRESS_H
#define PP_CLI_PROGRESS_H

#include <stdbool.h>

struct cli_progress {
	bool on, tty;
	double t0;          /* monotonic seconds at cli_progress_start */
	double printed;     /* when the last line was written (not a terminal) */
	long last_done;     /* done of the last line written */
	long total;         /* of the current count; a new total starts a new one */
	double base_t;      /* when the current count started, and at which done: the rate */
	long base_done;     /* for the time left comes from this count alone */
	bool drawn;         /* a line is on the terminal and must be cleared before others */
};

/* The --progress entry of a command's option table, setting *P. */
#define CLI_PROGRESS_OPT(P) CLI_FLAG("progress", 0, P, \
	"progress with counts and time left on stderr, even when it is not a terminal")

/* Starts the clock; progress shows when stderr is a terminal or forced (--progress). */
void cli_progress_start(struct cli_progress *p, bool forced);
/* Step done of total (shown as done + 1 while step done runs when running is true, else as
 * done), what it is, and the seconds left: an estimate the caller has, or a negative number
 * to extrapolate from the rate of this count so far. When stderr is not a terminal: a line
 * when a step starts (running), at the end, and else every few seconds. */
void cli_progress_show(struct cli_progress *p, long done, long total, bool running,
		       const char *what, double left_s);
/* A line of its own (a finished run, a warning), printed without mangling the progress line. */
void cli_progress_say(struct cli_progress *p, const char *line);
/* Clears the progress line from a terminal. */
void cli_progress_end(struct cli_progress *p);

/* "0:42", "1:03:05": seconds as m:ss or h:mm:ss, for time elapsed and left. */
void cli_progress_clock(double s, char *buf, int len);

#endif
