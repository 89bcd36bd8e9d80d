/* The CLI's command table and the helpers its commands share (opts.c: options and messages;
 * dataset.c: --data; stop.c: SIGINT/SIGTERM). Each subcommand lives in cmd-<name>.c, parses its
 * own options from a table of struct cli_opt (which also generates its --help), and returns the
 * process exit status: 0 ok, 1 failure, 2 usage error. */
#ifndef PP_CLI_H
#define PP_CLI_H

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

struct cli_opt {
	const char *name;  /* long name, without "--" */
	int val;           /* short option character, or a value >= 256 for long-only */
	const char *arg;   /* argument name for --help, NULL for a flag */
	const char *help;
};

struct cli_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	const char *usage;              /* the synopsis after "powprint NAME " */
	const char *description;        /* a paragraph for --help, may be NULL */
	const struct cli_opt *opts;     /* terminated by { 0 } */
};

/* The command table (commands.c), NULL-terminated. Each cmd-<name>.c defines cmd_<name>. */
extern const struct cli_cmd *const cli_commands[];
const struct cli_cmd *cli_find(const char *name);

/* getopt_long over cmd's table (which always gains --help). Returns the option's val, -1 at the
 * end, 'h' after printing help (the caller returns 0), or '?' after printing what was wrong and
 * the valid options (the caller returns CLI_EXIT_USAGE). */
int cli_getopt(const struct cli_cmd *cmd, int argc, char **argv);
void cli_help(const struct cli_cmd *cmd, FILE *out);
/* Reports a usage error for cmd with a printf-style message; returns CLI_EXIT_USAGE. */
int cli_usage_error(const struct cli_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Reports a failure for cmd: the library's why when it gave one, else what err means;
 * returns CLI_EXIT_FAIL. */
int cli_fail(const struct cli_cmd *cmd, int err, const char *why);
/* Parses a whole decimal number in [min, max] or reports a usage error naming the option. */
bool cli_parse_long(const struct cli_cmd *cmd, const char *opt, const char *s, long min,
		    long max, long *out);

/* Parses a whole number (strtod syntax) in [min, max], NaN never; false otherwise, with no
 * message: callers word their own. min DBL_TRUE_MIN means "above 0". */
bool cli_parse_double(const char *s, double min, double max, double *out);

/* One keyword of an option, and the value it stands for; lists end with { 0 }. */
struct cli_word {
	const char *name;
	int val;
};
/* Sets *out to the val of the word s is, or reports a usage error that lists the words
 * ("--OPT expects a, b or c, not 's'"). */
bool cli_parse_word(const struct cli_cmd *cmd, const char *opt, const char *s,
		    const struct cli_word *words, int *out);

/* Appends the comma-separated entries of s (modified in place) to list[n..max); returns the
 * new count. */
int cli_split(char *s, const char **list, int n, int max);
/* --smooth K/N: 1 <= K <= N <= 1000, or a usage error. */
bool cli_parse_smooth(const struct cli_cmd *cmd, const char *s, int *k, int *n);
/* --threshold P: a probability strictly between 0 and 1, or a usage error. */
bool cli_parse_prob(const struct cli_cmd *cmd, const char *opt, const char *s, double *out);

/* --data DIR[,DIR...]: at most this many directories. */
#define CLI_MAX_DIRS 64
struct pp_dataset;
/* Reads the datasets in dirs (pp_dataset_read_many), or reports why not and returns NULL. */
struct pp_dataset *cli_dataset_read(const struct cli_cmd *cmd, const char *const *dirs, int n);

/* Set by SIGINT/SIGTERM once cli_catch_stop() ran; a volatile int for the library's .stop. */
extern volatile sig_atomic_t cli_stop;
void cli_catch_stop(void);
struct pp_collector;
struct pp_window;
/* pp_collector_read past signals: after a stop, the part-window the target has so far, unless
 * the collector started the target (it got the signal too and ends its own windows). */
int cli_collector_read(struct pp_collector *col, struct pp_window *w, bool started);

/* Whether stdout/stderr is a terminal (for progress displays). */
bool cli_isatty(FILE *f);

extern const struct cli_cmd cmd_info;
extern const struct cli_cmd cmd_bench;
extern const struct cli_cmd cmd_list;
extern const struct cli_cmd cmd_run;
extern const struct cli_cmd cmd_stat;
extern const struct cli_cmd cmd_record;
extern const struct cli_cmd cmd_hash;
extern const struct cli_cmd cmd_selftest;
extern const struct cli_cmd cmd_train;
extern const struct cli_cmd cmd_eval;
extern const struct cli_cmd cmd_classify;
extern const struct cli_cmd cmd_watch;

#endif
