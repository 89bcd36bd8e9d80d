/* The option vocabulary: every long option name of every command, with the one short letter
 * it has wherever it appears (0: long-only everywhere) and what it means. A new option takes
 * an existing name only for the same meaning, and a new letter only for a new name; the test
 * tests/test-cli-grammar.c walks every command's table (and each workload's own options)
 * against this list. */
#include "cli/cli.h"

#include <string.h>

const struct cli_term cli_vocab[] = {
	/* What to run or watch, and for how long. */
	{ "pid", 'p', "the process to attach to (all its threads)" },
	{ "seconds", 's', "how long to run or count, in seconds" },
	{ "count", 'n', "stop after this many units of work (windows, hashes)" },
	{ "threads", 't', "worker threads (a list where several runs are made)" },
	{ "workloads", 0, "catalog workloads: all, miner, benign or names" },
	{ "algo", 'a', "a proof-of-work algorithm by name" },
	{ "algos", 0, "a list of algorithms" },
	{ "quick", 0, "the small representative set, in about two minutes" },
	{ "duty", 0, "percent of each 100 ms spent working" },
	{ "burst", 0, "ON/OFF seconds of work and pause" },
	{ "nice", 0, "nice value of the working threads" },
	{ "repeat", 0, "runs per combination of knobs" },
	{ "seed", 0, "seed of a reproducible order" },
	/* How to count. */
	{ "backends", 'b', "collector backends to use" },
	{ "events", 'e', "perf-hw events by libpfm4 name" },
	{ "interval", 'I', "window length in milliseconds" },
	{ "freq", 'F', "ip-sample rate per thread, in Hz" },
	{ "kernel", 0, "count kernel mode too" },
	{ "counts", 0, "print raw counts too" },
	/* Kernel knobs. */
	{ "soft-aes", 0, "the portable AES instead of AES-NI / ARMv8 AES" },
	{ "huge-pages", 0, "page policy for scratchpads and datasets" },
	{ "jit", 0, "the JIT compilers on or off" },
	{ "jit-rwx", 0, "JIT pages writable and executable at once" },
	{ "mode", 0, "RandomX mode: light or fast" },
	{ "input", 'i', "the input to hash, as hex" },
	{ "key", 0, "RandomX key as text" },
	{ "key-hex", 0, "RandomX key as hex" },
	{ "height", 0, "block height (cn/r)" },
	{ "inject-fault", 0, "damage a result to check that verification catches it" },
	/* Data, models and detection. */
	{ "data", 'd', "recorded dataset directories" },
	{ "model", 'm', "a model directory" },
	{ "label", 0, "the class of what is recorded: miner or benign" },
	{ "family", 0, "the fingerprint family of what is recorded" },
	{ "name", 0, "the workload name of what is recorded" },
	{ "params", 'P', "xgboost parameters" },
	{ "threshold", 0, "decision threshold on p(miner)" },
	{ "exclude", 'x', "features to leave out" },
	{ "smooth", 0, "K of the last N windows to flag" },
	{ "cv", 0, "the cross-validation scheme" },
	{ "model-only", 0, "evaluate the model alone, without the rules" },
	{ "class", 'c', "miner or benign" },
	/* The agent. */
	{ "all", 0, "watch every process" },
	{ "cgroup", 0, "watch a cgroup's processes" },
	{ "min-cpu", 0, "CPU share below which a process is not judged" },
	{ "max-targets", 0, "processes watched at once" },
	{ "action", 0, "what to do with a miner" },
	{ "allow", 0, "processes never acted on" },
	{ "log", 0, "append the events as JSON lines to a file" },
	{ "syslog", 0, "send the events to syslog" },
	{ "metrics", 0, "serve Prometheus metrics on an address" },
	/* Output. */
	{ "output", 'o', "where the data goes instead of standard output (a file or a directory)" },
	{ "json", 'j', "JSON instead of text" },
	{ "csv", 0, "CSV instead of text" },
	{ "machine", 0, "the machine's name in a profile" },
	{ "eval", 0, "a report of powprint eval --json to draw" },
	{ "hash-seconds", 0, "seconds per hash-rate measurement" },
	{ "verbose", 'v', "more detail" },
	{ "quiet", 'q', "no progress or start lines on standard error" },
	{ "progress", 0, "progress lines even when standard error is not a terminal" },
	{ "help", 'h', "this help" },
	{ 0 },
};

const struct cli_term *cli_term_find(const char *name)
{
	for (const struct cli_term *t = cli_vocab; t->name; t++)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

/* Names options had before the vocabulary: refused, but the error names the new one. */
static const struct {
	const char *old, *now;
} renamed[] = {
	{ "sample-hz", "freq" }, { "hashes", "count" }, { "dataset", "data" }, { "label", "machine" },
};

const char *cli_term_renamed(const struct cli_cmd *cmd, const char *old)
{
	for (size_t i = 0; i < sizeof(renamed) / sizeof(renamed[0]); i++) {
		if (strcmp(renamed[i].old, old))
			continue;
		for (const struct cli_opt *o = cmd->opts; o && o->name; o++)
			if (!strcmp(o->name, renamed[i].now))
				return renamed[i].now;
	}
	return NULL;
}
