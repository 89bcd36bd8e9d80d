/* The dataset recorder: runs catalog workloads (or an external program, or an existing
 * process) one at a time as child processes, attaches the collectors, and appends one labelled
 * row per window to DIR/windows.csv with DIR/meta.json beside it (docs/dataset.md).
 *
 * Every completed run is on disk before the next starts: windows.csv and meta.json are each
 * replaced atomically (temporary file + rename), so an interrupted recording leaves every
 * completed run intact and both files valid. */
#ifndef POWPRINT_RECORD_H
#define POWPRINT_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Where a recording stands, for a progress display. */
struct pp_record_progress {
	int run, nruns;             /* run index (from 0) of nruns */
	const char *workload;
	int threads, duty;
	bool soft_aes;
	const char *huge_pages;     /* "auto", "on", "off" */
	double run_elapsed_s, run_seconds;
	double left_s;              /* estimate for the whole recording */
	uint64_t windows;           /* windows recorded so far (all runs) */
};

typedef void (*pp_record_progress_fn)(void *arg, const struct pp_record_progress *p);
typedef void (*pp_record_log_fn)(void *arg, const char *msg);

struct pp_record_opts {
	size_t sz;
	const char *out_dir;        /* created if missing; an existing dataset is appended to */

	/* Catalog recording: "all", "miner", "benign" or NAME[,NAME...]. */
	const char *workloads;
	double seconds;             /* counted seconds per run; 0 = 10 */
	int repeat;                 /* runs per combination; 0 = 1 */
	const char *threads;        /* comma list, e.g. "1,2"; NULL = "1" */
	const char *duty;           /* comma list of percents, e.g. "100,50,20"; NULL = "100" */
	const char *soft_aes;       /* miners: comma list of off|on; NULL = "off" */
	const char *huge_pages;     /* miners: comma list of auto|on|off; NULL = "auto" */
	uint64_t seed;              /* orders the runs; same seed and plan = same order */
	const char *self_exe;       /* the powprint binary that runs workloads; NULL = /proc/self/exe */

	/* External program (cmd != NULL) or existing process (pid > 0) instead of the catalog. */
	char *const *cmd;
	pid_t pid;
	const char *label;          /* "miner" | "benign" (required for cmd / pid) */
	const char *family;         /* fingerprint family (required for cmd / pid) */
	const char *name;           /* workload column; default: the command's basename or comm */

	/* Collection. */
	const char *backends;       /* NULL = every available one */
	const char *events;         /* perf-hw events, NULL = default set */
	unsigned interval_ms;       /* 0 = 1000 */
	unsigned sample_hz;         /* 0 = 1000 */

	const char *command_line;   /* for meta.json */
	volatile int *stop;         /* set non-zero to stop after discarding the current run */
	pp_record_progress_fn progress;
	void *progress_arg;
	pp_record_log_fn log;       /* one line per finished run, warnings */
	void *log_arg;
};

struct pp_record_summary {
	int runs_planned, runs_ok, runs_failed;
	uint64_t rows_added;
	uint64_t rows_total;        /* in windows.csv after the recording */
	bool interrupted;
	char *text;                 /* rows per workload and failures, for a person; free() it */
};

/* Records as opts says. Returns 0 when every run succeeded, -EIO when some run failed (the
 * others are kept; the summary says which), -EINTR when stopped, or another negative errno
 * before anything was recorded (why says what and what to do). */
int pp_record(const struct pp_record_opts *opts, struct pp_record_summary *sum, char *why,
	      size_t why_len);

#endif
