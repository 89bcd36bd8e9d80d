/* powprint hash: one hash of one input, or a miner-like run (threads, throttling) that
 * reports hashes per second, the AES back end and page size used, and whether every
 * thread's first hash matched the single-thread result. */
#include "cli/cli.h"
#include "cli/progress.h"
#include "core/suggest.h"
#include "core/hex.h"
#include "fingerprint/agent/json-shapes.h"

#include <powprint/error.h>
#include <powprint/hash.h>
#include <powprint/mine.h>
#include <powprint/opts.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct args {
	const char *algo, *input_hex;
	bool json, progress;
	struct cli_progress prog;
	double burst[2];
	struct pp_mine_opts mine;
	uint8_t key[256];
};

static struct args args = {
	.mine = { .sz = sizeof(struct pp_mine_opts), .hash = { .sz = sizeof(struct pp_hash_opts) } },
};

static const struct cli_word pages_words[] = {
	{ "auto", PP_PAGES_AUTO }, { "on", PP_PAGES_ON }, { "off", PP_PAGES_OFF }, { 0 },
};
static const struct cli_word jit_words[] = {
	{ "on", PP_JIT_ON }, { "off", PP_JIT_OFF }, { "auto", PP_JIT_AUTO }, { 0 },
};
static const struct cli_word mode_words[] = {
	{ "light", PP_RX_LIGHT }, { "fast", PP_RX_FAST }, { 0 },
};

/* --key and --key-hex: the RandomX key, text or hex; the last one given counts. */
static int key_text(const struct cli_cmd *cmd, const struct cli_opt *o, const char *arg)
{
	(void)cmd, (void)o;
	args.mine.hash.key = arg;
	args.mine.hash.key_len = strlen(arg);
	return 0;
}

static int key_hex(const struct cli_cmd *cmd, const struct cli_opt *o, const char *arg)
{
	(void)o;
	long n = pp_hex_decode(arg, args.key, sizeof(args.key));
	if (n < 0)
		return cli_usage_error(cmd, "--key-hex expects up to %zu bytes of hex, not '%.40s'",
				       sizeof(args.key), arg);
	args.mine.hash.key = args.key;
	args.mine.hash.key_len = (size_t)n;
	return 0;
}

static const struct cli_opt hash_opts[] = {
	CLI_STR("algo", 'a', "NAME", &args.algo,
		"algorithm (cn/0, cn/2, cn/r, ...; an unknown name lists them)"),
	CLI_STR("input", 'i', "HEX", &args.input_hex, "hash this input once and print the hash"),
	CLI_U64("height", 0, "H", &args.mine.height, 0, 0,
		"block height (seeds cn/r's random program; default 0)",
		.what = "a block height (a whole number >= 0)"),
	CLI_INT("threads", 't', "N", &args.mine.threads, 1, PP_MINE_MAX_THREADS,
		"miner threads, one scratchpad each (default 1)"),
	CLI_DOUBLE("seconds", 's', "S", &args.mine.seconds, 0.001, 1e9,
		   "run this long (default 10 unless --count)", .what = "a positive number"),
	CLI_U64("count", 'n', "N", &args.mine.hashes, 1, 1L << 40,
		"or stop after N hashes in total"),
	CLI_WORD("huge-pages", 0, "auto|on|off", &args.mine.hash.pages, pages_words,
		 "scratchpad pages (default auto: hugetlb, THP, normal)"),
	CLI_FLAG("soft-aes", 0, &args.mine.hash.soft_aes,
		 "use the portable AES back end (as miners do without AES-NI)"),
	CLI_WORD("jit", 0, "on|off", &args.mine.hash.jit, jit_words,
		 "RandomX and cn/r: compile generated programs to machine code "
		 "(default on where the CPU has a JIT: x86-64) or interpret them"),
	CLI_FLAG("jit-rwx", 0, &args.mine.hash.jit_rwx,
		 "keep JIT code pages writable and executable at once, as "
		 "many miners do (default: W^X, switched per program)"),
	CLI_INT("duty", 0, "PCT", &args.mine.duty_pct, 1, 100,
		"hash PCT ms of every 100 ms, sleep the rest (throttling)"),
	CLI_PAIR("burst", 0, "ON/OFF", &args.burst, 0.001, 1e6,
		 "hash ON seconds, pause OFF seconds, repeat",
		 .what = "ON/OFF seconds, e.g. 5/10"),
	CLI_INT("nice", 0, "N", &args.mine.nice, -20, 19, "nice value of the hashing threads"),
	CLI_WORD("mode", 0, "light|fast", &args.mine.hash.rx_mode, mode_words,
		 "RandomX: light (256 MiB cache) or fast (2 GiB dataset)"),
	CLI_CALL("key", 0, "TEXT", key_text, NULL, "RandomX: key (seed) as text"),
	CLI_CALL("key-hex", 0, "HEX", key_hex, NULL, "RandomX: key (seed) as hex"),
	CLI_FLAG("json", 'j', &args.json, "print one JSON object"),
	CLI_PROGRESS_OPT(&args.progress),
	{ 0 },
};

static void list_algos(FILE *out)
{
	fprintf(out, "valid algorithms:");
	for (const char *const *n = pp_hash_names(); *n; n++)
		fprintf(out, " %s", *n);
	fprintf(out, "\n");
}

/* Seconds (or hashes) done of those asked for, with the rate so far. */
static void progress(void *arg, const struct pp_mine_status *st)
{
	const struct pp_mine_opts *o = &args.mine;
	char what[96];
	snprintf(what, sizeof(what), "%s of %s: %llu hashes, %.1f H/s", o->seconds > 0 ?
		 "seconds" : "hashes", o->algo, (unsigned long long)st->hashes, st->hps);
	if (o->seconds > 0)
		cli_progress_show(arg, (long)st->elapsed_s, (long)ceil(o->seconds), false, what,
				  o->seconds - st->elapsed_s);
	else
		cli_progress_show(arg, (long)st->hashes, (long)o->hashes, false, what, -1);
}

/* RandomX dataset init (fast mode: 2 GiB, tens of seconds): items done, from the kernel's
 * shared counter, reported by one of its threads about 10 times a second. */
static void init_progress(void *arg, const char *what, uint64_t done, uint64_t total)
{
	char w[64];
	snprintf(w, sizeof(w), "%s %s items (%.0f%%)", args.algo, what,
		 total ? 100.0 * (double)done / (double)total : 100.0);
	cli_progress_show(arg, (long)done, (long)total, false, w, -1);
	if (done >= total)
		cli_progress_end(arg);
}

static bool is_randomx(const char *algo)
{
	return strncmp(algo, "rx/", 3) == 0;
}

/* What to do when RandomX could not set up. */
static void randomx_hint(const char *algo, const struct pp_hash_opts *o, int err)
{
	if (err == -ENOTSUP && o->jit == PP_JIT_ON)
		fprintf(stderr, "(--jit on: powprint has no JIT for this CPU yet (x86-64 only); "
			"use --jit off or auto)\n");
	if (!is_randomx(algo))
		return;
	if (err == -ENOMEM && o->rx_mode == PP_RX_FAST)
		fprintf(stderr, "(fast mode needs 2080 MiB for the dataset, plus the 256 MiB cache "
			"while it is built, and they could not be allocated: free memory, or use "
			"--mode light, which needs 256 MiB)\n");
	else if (err == -ENOMEM)
		fprintf(stderr, "(light mode needs 256 MiB for the cache and 2 MiB per thread)\n");
}

static int one_hash(struct args *a)
{
	size_t cap = strlen(a->input_hex) / 2 + 1;
	uint8_t *in = malloc(cap);
	if (!in)
		return CLI_EXIT_FAIL;
	long len = pp_hex_decode_flags(a->input_hex, PP_HEX_X_EMPTY, in, cap);
	if (len < 0) {
		free(in);
		return cli_usage_error(&cmd_hash, "--input: '%.40s' is not hex (an even number of "
				       "0-9a-f digits; 'x' is the empty input)", a->input_hex);
	}
	struct pp_hash *h = NULL;
	struct pp_hash_worker *w = NULL;
	uint8_t out[32];
	int err = pp_hash_open(a->algo, &a->mine.hash, &h);
	if (!err) {
		err = pp_hash_worker_new(h, &w);
		if (!err)
			err = pp_hash_compute(w, in, (size_t)len, a->mine.height, out);
	}
	int rc = 0;
	size_t need = pp_hash_min_input(a->algo);
	if (err == -EINVAL && (size_t)len < need) {
		fprintf(stderr, "powprint hash: %s cannot hash a %ld-byte input: it needs at least "
			"%zu bytes (cn/1-based variants read a tweak from bytes 35..42); pass a longer "
			"--input, e.g. a 76-byte block blob\n", a->algo, len, need);
		rc = CLI_EXIT_USAGE;
	} else if (err) {
		fprintf(stderr, "powprint hash: %s failed: %s\n", a->algo, pp_strerror(err));
		randomx_hint(a->algo, &a->mine.hash, err);
		rc = CLI_EXIT_FAIL;
	} else {
		char hex[65];
		pp_hex_encode(out, 32, hex);
		if (a->json) {
			cJSON *j = cJSON_CreateObject();
			cJSON_AddStringToObject(j, "algo", a->algo);
			cJSON_AddStringToObject(j, "input", len ? a->input_hex : "");
			pp_json_add_number(j, "height", (double)a->mine.height, PP_JSON_EXACT);
			cJSON_AddStringToObject(j, "hash", hex);
			struct pp_hash_info info;
			pp_hash_worker_info(w, &info);
			cJSON_AddStringToObject(j, "aes_backend", info.aes_backend);
			cJSON_AddStringToObject(j, "exec", info.exec);
			rc = cli_json_print(j, false);
			cJSON_Delete(j);
		} else {
			printf("%s\n", hex);
		}
	}
	pp_hash_worker_free(w);
	pp_hash_close(h);
	free(in);
	return rc;
}

static int miner(struct args *a)
{
	struct pp_mine_opts *o = &a->mine;
	if (o->seconds == 0 && o->hashes == 0)
		o->seconds = 10;
	if (a->prog.on) {
		o->progress = progress;
		o->progress_arg = &a->prog;
	}
	o->stop = &cli_stop;
	cli_catch_stop();

	struct pp_mine_result *res = malloc(sizeof(*res));
	if (!res)
		return CLI_EXIT_FAIL;
	int err = pp_mine_run(o, res);
	cli_progress_end(&a->prog);
	if (err) {
		fprintf(stderr, "powprint hash: mining with %s failed: %s\n", a->algo,
			pp_strerror(err));
		randomx_hint(a->algo, &o->hash, err);
		if (err == -ENOMEM && o->hash.pages == PP_PAGES_ON)
			fprintf(stderr, "(no hugetlb pages reserved and no THP: try --huge-pages "
				"auto, or reserve pages in /proc/sys/vm/nr_hugepages)\n");
		free(res);
		return CLI_EXIT_FAIL;
	}
	if (a->json) {
		cJSON *j = pp_mine_result_json(o, res);
		cli_json_print(j, false);
		cJSON_Delete(j);
	} else {
		printf("%s: %d thread%s, AES %s, %s pages, %zu KiB scratchpad each",
		       res->info.algo, res->threads, res->threads == 1 ? "" : "s",
		       res->info.aes_backend, res->info.pages, res->info.scratchpad_bytes >> 10);
		if (strcmp(res->info.exec, "native"))
			printf(", programs run by %s", res->info.exec);
		printf("\n");
		if (is_randomx(res->info.algo))
			printf("init (cache%s): %.2f s, not counted in H/s\n",
			       o->hash.rx_mode == PP_RX_FAST ? " + dataset" : "", res->info.init_seconds);
		for (int i = 0; i < res->threads; i++)
			printf("  thread %d: %.2f H/s\n", i, res->thread_hps[i]);
		printf("total: %.2f H/s (%llu hashes in %.2f s)%s\n", res->hps,
		       (unsigned long long)res->hashes, res->seconds,
		       o->duty_pct && o->duty_pct < 100 ? " (duty-cycled)" : "");
		printf("first hash of each thread %s the single-thread result\n",
		       res->verified ? "matches" : "DOES NOT MATCH");
	}
	int rc = res->verified ? 0 : CLI_EXIT_FAIL;
	if (!res->verified)
		fprintf(stderr, "powprint hash: a thread's first hash differs from the single-thread "
			"hash of the same blob: the kernel is not thread-safe or memory is corrupt\n");
	free(res);
	return rc;
}

static int run(int argc, char **argv)
{
	int rc = cli_parse(&cmd_hash, argc, argv);
	if (rc >= 0)
		return rc;
	struct args *a = &args;
	a->mine.burst_on_s = a->burst[0];
	a->mine.burst_off_s = a->burst[1];
	if (!a->algo) {
		fprintf(stderr, "powprint hash: --algo NAME is required\n");
		list_algos(stderr);
		return CLI_EXIT_USAGE;
	}
	bool known = false;
	size_t nnames = 0;
	for (const char *const *n = pp_hash_names(); *n; n++, nnames++)
		known |= strcmp(*n, a->algo) == 0;
	if (!known) {
		const char *near = pp_suggest_in(a->algo, pp_hash_names(), nnames);
		fprintf(stderr, "powprint hash: unknown algorithm '%s'", a->algo);
		if (near)
			fprintf(stderr, "; did you mean '%s'?", near);
		fputc('\n', stderr);
		list_algos(stderr);
		return CLI_EXIT_USAGE;
	}
	/* On a terminal, or when asked; --json keeps stderr quiet unless asked too. */
	cli_progress_start(&a->prog, a->progress);
	a->prog.on &= !a->json || a->progress;
	if (is_randomx(a->algo)) {
		if (a->mine.hash.key_len > 60)
			return cli_usage_error(&cmd_hash, "a RandomX key is 0 to 60 bytes, not %zu",
					       a->mine.hash.key_len);
		if (a->prog.on) {
			a->mine.hash.progress = init_progress;
			a->mine.hash.progress_arg = &a->prog;
		}
	}
	a->mine.algo = a->algo;
	return a->input_hex ? one_hash(a) : miner(a);
}

const struct cli_cmd cmd_hash = {
	.name = "hash", .fn = run, .no_operands = true, .output = true,
	.summary = "compute proof-of-work hashes: one input, or a miner-like run with H/s",
	.usage = "--algo NAME [--mode light|fast] [--key TEXT | --key-hex HEX] "
		 "(--input HEX [--height H] | [--threads N] [--seconds S | --count N] "
		 "[--huge-pages auto|on|off] [--soft-aes] [--jit on|off] [--jit-rwx] [--duty PCT] [--burst ON/OFF] [--nice N]) "
		 "[--json]",
	.description =
		"With --input, prints the hash of that input. Without, runs like a miner: N "
		"threads, one scratchpad each, hashing a 76-byte block blob with the nonce at bytes "
		"39..42; prints per-thread and total hashes per second, the AES back end and page "
		"size used, and checks each thread's first hash against the single-thread result "
		"(exit 1 if they differ). --duty and --burst throttle the way covert miners do.",
	.opts = hash_opts,
};
