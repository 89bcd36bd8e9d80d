/* The CLI's command table and the helpers its commands share (opts.c: options and messages;
 * dataset.c: --data; stop.c: SIGINT/SIGTERM). Each subcommand lives in cmd-<name>.c and declares
 * its options in a table of struct cli_opt: what each one is called, what type its argument is,
 * where the value goes and which values are valid. cli_parse() fills the destinations from argv
 * and cli_help() prints --help from the same table. A command returns the process exit status:
 * 0 ok, 1 failure, 2 usage error. */
#ifndef PP_CLI_H
#define PP_CLI_H

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

struct cli_cmd;

/* One keyword of an option, and the value it stands for; lists end with { 0 }. */
struct cli_word {
	const char *name;
	int val;
};

/* What an option's argument is, and so what its .dst points to. */
enum cli_type {
	CLI_T_FLAG,    /* bool: set true (no argument) */
	CLI_T_STR,     /* const char *: the argument itself */
	CLI_T_LIST,    /* const char *[.max]: comma-separated entries, appended; *.count of them */
	CLI_T_INT,     /* int in [.min, .max] */
	CLI_T_LONG,    /* long in [.min, .max] */
	CLI_T_UINT,    /* unsigned in [.min, .max] */
	CLI_T_U64,     /* uint64_t in [.min, .max], or any when both are 0 */
	CLI_T_DOUBLE,  /* double in [.min, .max] */
	CLI_T_PROB,    /* double strictly between 0 and 1 */
	CLI_T_PAIR,    /* double[2]: "A/B" (or A:B, A,B), both in [.min, .max] */
	CLI_T_KOFN,    /* int[2]: "K/N" with 1 <= K <= N <= .max */
	CLI_T_WORD,    /* int or enum: the val of the argument's entry in .words */
	CLI_T_FN,      /* .fn(cmd, opt, arg) handles it, with .dst as its context */
};

/* In a summary or an option's help: replaced by the backend names ("perf-hw,perf-sw,...") from
 * the collector's backend table when --help is printed. */
#define CLI_HELP_BACKENDS "{backends}"

struct cli_opt {
	const char *name;   /* long name, without "--" */
	int val;            /* short option letter, or 0 for long-only */
	const char *arg;    /* argument name for --help, NULL for a flag */
	const char *help;
	enum cli_type type;
	void *dst;
	double min, max;    /* numbers: the valid range; CLI_T_LIST: entries dst has room for */
	int *count;         /* CLI_T_LIST */
	const struct cli_word *words;   /* CLI_T_WORD, ending with { 0 } */
	/* A bad value is reported as "--NAME expects WHAT, not 'ARG'"; WHAT says the type and
	 * range ("a whole number from 1 to 100") unless .what words it for this option. */
	const char *what;
	/* CLI_T_FN: 0, or the exit status to return after saying what was wrong. */
	int (*fn)(const struct cli_cmd *cmd, const struct cli_opt *o, const char *arg);
};

/* Table entries: NAME, the short letter or 0, the argument's name, the destination (checked
 * against the type at compile time), the range or words, the help text, then optionally more
 * fields (.what = "..."). */
#define CLI_DST_(T, p) _Generic((p), T *: (p))
/* An int or an enum of int's size (enum pp_pages, ...). */
#define CLI_INTLIKE_(p) ((void *)((p) + 0 * sizeof(char[sizeof(*(p)) == sizeof(int) ? 1 : -1])))
#define CLI_FLAG(NAME, S, P, HELP, ...) { .name = NAME, .val = S, .help = HELP, \
	.type = CLI_T_FLAG, .dst = CLI_DST_(bool, P), __VA_ARGS__ }
#define CLI_STR(NAME, S, ARG, P, HELP, ...) { .name = NAME, .val = S, .arg = ARG, .help = HELP, \
	.type = CLI_T_STR, .dst = CLI_DST_(const char *, P), __VA_ARGS__ }
/* ARR: an array of const char *, filled up to its size; *CNT counts the entries. */
#define CLI_LIST(NAME, S, ARG, ARR, CNT, HELP, ...) { .name = NAME, .val = S, .arg = ARG, \
	.help = HELP, .type = CLI_T_LIST, .dst = _Generic(&(ARR)[0], const char **: (ARR)), \
	.max = sizeof(ARR) / sizeof((ARR)[0]), .count = CLI_DST_(int, CNT), __VA_ARGS__ }
#define CLI_INT(NAME, S, ARG, P, MIN, MAX, HELP, ...) { .name = NAME, .val = S, .arg = ARG, \
	.help = HELP, .type = CLI_T_INT, .dst = CLI_DST_(int, P), .min = MIN, .max = MAX, \
	__VA_ARGS__ }
#define CLI_LONG(NAME, S, ARG, P, MIN, MAX, HELP, ...) { .name = NAME, .val = S, .arg = ARG, \
	.help = HELP, .type = CLI_T_LONG, .dst = CLI_DST_(long, P), .min = MIN, .max = MAX, \
	__VA_ARGS__ }
#define CLI_UINT(NAME, S, ARG, P, MIN, MAX, HELP, ...) { .name = NAME, .val = S, .arg = ARG, \
	.help = HELP, .type = CLI_T_UINT, .dst = CLI_DST_(unsigned, P), .min = MIN, .max = MAX, \
	__VA_ARGS__ }
#define CLI_U64(NAME, S, ARG, P, MIN, MAX, HELP, ...) { .name = NAME, .val = S, .arg = ARG, \
	.help = HELP, .type = CLI_T_U64, .dst = CLI_DST_(uint64_t, P), .min = MIN, .max = MAX, \
	__VA_ARGS__ }
#define CLI_DOUBLE(NAME, S, ARG, P, MIN, MAX, HELP, ...) { .name = NAME, .val = S, .arg = ARG, \
	.help = HELP, .type = CLI_T_DOUBLE, .dst = CLI_DST_(double, P), .min = MIN, .max = MAX, \
	__VA_ARGS__ }
#define CLI_PROB(NAME, S, ARG, P, HELP, ...) { .name = NAME, .val = S, .arg = ARG, \
	.help = HELP, .type = CLI_T_PROB, .dst = CLI_DST_(double, P), __VA_ARGS__ }
#define CLI_PAIR(NAME, S, ARG, P, MIN, MAX, HELP, ...) { .name = NAME, .val = S, .arg = ARG, \
	.help = HELP, .type = CLI_T_PAIR, .dst = _Generic((P), double (*)[2]: (P)), .min = MIN, \
	.max = MAX, __VA_ARGS__ }
/* K/N smoothing (--smooth): 1 <= K <= N <= CLI_KOFN_MAX. */
#define CLI_KOFN_MAX 1000
#define CLI_KOFN(NAME, S, ARG, P, HELP, ...) { .name = NAME, .val = S, .arg = ARG, \
	.help = HELP, .type = CLI_T_KOFN, .dst = _Generic((P), int (*)[2]: (P)), \
	.max = CLI_KOFN_MAX, __VA_ARGS__ }
#define CLI_WORD(NAME, S, ARG, P, WORDS, HELP, ...) { .name = NAME, .val = S, .arg = ARG, \
	.help = HELP, .type = CLI_T_WORD, .dst = CLI_INTLIKE_(P), .words = WORDS, __VA_ARGS__ }
#define CLI_CALL(NAME, S, ARG, FN, CTX, HELP, ...) { .name = NAME, .val = S, .arg = ARG, \
	.help = HELP, .type = CLI_T_FN, .fn = FN, .dst = CTX, __VA_ARGS__ }

/* The option vocabulary (vocab.c): each long name with the one short letter (0: long-only)
 * and the one meaning it has in every command that takes it. */
struct cli_term {
	const char *name;
	int val;
	const char *meaning;
};
extern const struct cli_term cli_vocab[];   /* ends with { 0 } */
const struct cli_term *cli_term_find(const char *name);
/* The option of cmd that an older name (--sample-hz) now is (--freq), or NULL. */
const char *cli_term_renamed(const struct cli_cmd *cmd, const char *old);

struct cli_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	const char *usage;              /* the synopsis after "powprint NAME " */
	const char *description;        /* a paragraph for --help, may be NULL */
	const struct cli_opt *opts;     /* terminated by { 0 } */
	bool no_operands;               /* cli_parse refuses arguments after the options */
	/* The command prints data on stdout: cli_parse adds -o/--output FILE, which sends it to
	 * FILE instead (cli_output_finish puts it in place). */
	bool output;
};

/* The command table (commands.c), NULL-terminated. Each cmd-<name>.c defines cmd_<name>. */
extern const struct cli_cmd *const cli_commands[];
const struct cli_cmd *cli_find(const char *name);

/* Parses the options of argv (getopt_long over cmd's table, which always gains --help) into
 * their destinations, stopping at the first operand (optind) or "--". Returns -1 to carry on,
 * or the exit status to return now: 0 after printing --help, CLI_EXIT_USAGE after saying what
 * was wrong (an unknown option, a missing argument, a value out of range or not among the
 * choices, an operand to a command that takes none) and where to look. */
int cli_parse(const struct cli_cmd *cmd, int argc, char **argv);
void cli_help(const struct cli_cmd *cmd, FILE *out);
/* Reports a usage error for cmd with a printf-style message; returns CLI_EXIT_USAGE. */
int cli_usage_error(const struct cli_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Reports a failure for cmd: the library's why when it gave one, else what err means;
 * returns CLI_EXIT_FAIL. */
int cli_fail(const struct cli_cmd *cmd, int err, const char *why);
/* Parses a whole decimal number in [min, max] or reports a usage error naming the option
 * (the converter of CLI_T_LONG, for .fn callbacks that parse lists of numbers). */
bool cli_parse_long(const struct cli_cmd *cmd, const char *opt, const char *s, long min,
		    long max, long *out);

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

/* -o/--output FILE: stdout goes to a temporary file beside FILE from the moment the option
 * is parsed. cli_output_finish (main, after the command) renames it onto FILE if the command
 * succeeded or wrote something (a stream cut short keeps its lines), else removes it and FILE
 * is left as it was; a failed write (a full disk) fails the command. Returns the exit status. */
int cli_output_finish(const struct cli_cmd *cmd, int status);
/* The descriptor a command started by this one (stat -- CMD) should get as its stdout, so its
 * output never mixes with ours: our original stdout under --output; our stderr when stdout
 * carries machine-readable data (data_on_stdout: --csv, --json), saying so once; else 0
 * (it inherits ours). For pp_collect_opts.child_stdout. */
int cli_child_stdout(const struct cli_cmd *cmd, bool data_on_stdout);

/* "s" unless n is 1: "%llu detection%s". */
#define CLI_PLURAL(n) ((n) == 1 ? "" : "s")

/* Whether stdout/stderr is a terminal (for progress displays). */
bool cli_isatty(FILE *f);

/* Prints a --json result on stdout (json.c; the layout rule of docs/json.md): a document
 * (stream false) indented, a record of a stream (stream true) compact on one line and flushed,
 * so a reader sees each window or event as it happens. Numbers are tidied first
 * (pp_json_print). Returns 0, or CLI_EXIT_FAIL when out of memory. */
struct cJSON;
int cli_json_print(struct cJSON *j, bool stream);
/* The same for a JSON document the library made as text (a model's summary, an evaluation). */
int cli_json_print_text(const char *text);

extern const struct cli_cmd cmd_info;
extern const struct cli_cmd cmd_bench;
extern const struct cli_cmd cmd_profile;
extern const struct cli_cmd cmd_report;
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
