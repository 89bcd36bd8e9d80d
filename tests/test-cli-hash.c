/* powprint hash and powprint selftest, run as a user would. Expected hashes are Monero's
 * and xmrig's vectors (tests/vectors/README.md). */
#include "support/testutil.h"

#include <powprint/hash.h>

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#define BLOB0 "0305a0dbd6bf05cf16e503f3a66f78007cbf34144332ecbfc22ed95c8700383b309ace1923a0964b" \
	      "00000008ba939a62724c0d7581fce5761e9d8a0e6a1c3f924fdd8493d1115649c05eb601"

Test(cli_hash, one_hash)
{
	char *out, *err;
	int rc = pp_cli_run("hash --algo cn/2 --input " BLOB0, &out, &err);
	cr_assert_eq(rc, 0, "stderr: %s", err);
	cr_assert_str_eq(out, "97378282cf10e7ad033f7b8074c40e14d06e7f609dddda787680b58c05f43d21\n");
	free(out);
	free(err);
}

Test(cli_hash, cnr_height)
{
	char *out, *err; /* tests-slow-4.txt line 2 */
	int rc = pp_cli_run("hash -a cn/r --height 1806261 --input "
			    "4c6f72656d20697073756d20646f6c6f722073697420616d65742c20636f6e7365637465"
			    "7475722061646970697363696e67 --soft-aes", &out, &err);
	cr_assert_eq(rc, 0, "stderr: %s", err);
	cr_assert_str_eq(out, "5bb833deca2bdd7252a9ccd7b4ce0b6a4854515794b56c207262f7a5b9bdb566\n");
	free(out);
	free(err);
}

Test(cli_hash, unknown_algo_lists_names)
{
	char *out, *err;
	int rc = pp_cli_run("hash --algo cn/bogus --input 00", &out, &err);
	cr_assert_eq(rc, 2);
	cr_assert(strstr(err, "unknown algorithm 'cn/bogus'"), "stderr: %s", err);
	cr_assert(strstr(err, "cn/0") && strstr(err, "cn-heavy/tube") && strstr(err, "cn/upx2"),
		  "the valid names are listed: %s", err);
	free(out);
	free(err);
}

Test(cli_hash, short_input_explained)
{
	char *out, *err;
	int rc = pp_cli_run("hash --algo cn/1 --input 0011223344", &out, &err);
	cr_assert_eq(rc, 2);
	cr_assert_str_eq(out, "", "no hash printed (never silent zeros)");
	cr_assert(strstr(err, "at least 43 bytes"), "stderr: %s", err);
	free(out);
	free(err);
}

Test(cli_hash, bad_hex)
{
	char *out, *err;
	int rc = pp_cli_run("hash --algo cn/0 --input 0g", &out, &err);
	cr_assert_eq(rc, 2);
	cr_assert(strstr(err, "not hex"), "stderr: %s", err);
	free(out);
	free(err);
}

Test(cli_hash, miner_json_shape)
{
	char *out, *err;
	int rc = pp_cli_run("hash --algo cn-pico/0 --threads 2 --count 8 --json", &out, &err);
	cr_assert_eq(rc, 0, "stderr: %s", err);
	cJSON *j = cJSON_Parse(out);
	cr_assert_not_null(j, "one JSON object expected: %s", out);
	cr_assert_str_eq(cJSON_GetObjectItem(j, "algo")->valuestring, "cn-pico/0");
	cr_assert_eq(cJSON_GetObjectItem(j, "threads")->valueint, 2);
	cr_assert_eq(cJSON_GetObjectItem(j, "hashes")->valueint, 8);
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(j, "verified")));
	cr_assert_gt(cJSON_GetObjectItem(j, "hps")->valuedouble, 0);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "thread_hps")), 2);
	const char *aes = cJSON_GetObjectItem(j, "aes_backend")->valuestring;
	cr_assert(!strcmp(aes, "aes-ni") || !strcmp(aes, "soft") || !strcmp(aes, "armv8-ce"));
	const char *pages = cJSON_GetObjectItem(j, "pages")->valuestring;
	cr_assert(!strcmp(pages, "hugetlb") || !strcmp(pages, "thp") || !strcmp(pages, "normal"));
	cJSON_Delete(j);
	free(out);
	free(err);
}

Test(cli_hash, miner_text_soft_aes)
{
	char *out, *err;
	int rc = pp_cli_run("hash --algo cn-pico/0 --count 2 --soft-aes --huge-pages off", &out,
			    &err);
	cr_assert_eq(rc, 0, "stderr: %s", err);
	cr_assert(strstr(out, "AES soft, normal pages"), "stdout: %s", out);
	cr_assert(strstr(out, "thread 0:"), "stdout: %s", out);
	cr_assert(strstr(out, "matches the single-thread result"), "stdout: %s", out);
	cr_assert_eq(strlen(err), 0, "no progress display when stderr is not a terminal: %s", err);
	free(out);
	free(err);
}

/* --progress: seconds done of those asked for and the time left, on stderr even in a pipe,
 * a line per few seconds rather than a redraw; the result on stdout is unchanged. */
Test(cli_hash, progress_when_asked, .timeout = 60)
{
	char *out, *err;
	int rc = pp_cli_run("hash --algo cn-pico/0 --seconds 2 --progress", &out, &err);
	cr_assert_eq(rc, 0, "stderr: %s", err);
	cr_expect(strstr(err, "/2] seconds of cn-pico/0"), "no count: %s", err);
	cr_expect(strstr(err, " left\n"), "no time left: %s", err);
	cr_expect_null(strchr(err, '\r'), "a redraw in a pipe: %s", err);
	cr_expect(strstr(out, "total:"), "stdout: %s", out);
	free(out);
	free(err);
}

Test(cli_hash, usage_errors)
{
	char *out, *err;
	cr_assert_eq(pp_cli_run("hash --input 00", &out, &err), 2);
	cr_assert(strstr(err, "--algo"), "%s", err);
	free(out);
	free(err);
	cr_assert_eq(pp_cli_run("hash --algo cn/0 --huge-pages maybe", &out, &err), 2);
	cr_assert(strstr(err, "auto, on or off"), "%s", err);
	free(out);
	free(err);
	cr_assert_eq(pp_cli_run("hash --algo cn/0 --duty 0", &out, &err), 2);
	free(out);
	free(err);
}

Test(cli_hash, selftest_json)
{
	char *out, *err;
	int rc = pp_cli_run("selftest --json", &out, &err);
	cr_assert_eq(rc, 0, "stdout: %s stderr: %s", out, err);
	cJSON *j = cJSON_Parse(out);
	cr_assert_not_null(j, "%s", out);
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(j, "pass")));
	cJSON *k = cJSON_GetObjectItem(j, "kernels");
	bool seen_cn = false;
	for (int i = 0; i < cJSON_GetArraySize(k); i++) {
		cJSON *e = cJSON_GetArrayItem(k, i);
		seen_cn |= !strcmp(cJSON_GetObjectItem(e, "kernel")->valuestring, "cryptonight");
		cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(e, "pass")));
		cr_assert_gt(cJSON_GetObjectItem(e, "total")->valueint, 0);
	}
	cr_assert(seen_cn);
	cJSON_Delete(j);
	free(out);
	free(err);
}

/* --jit picks how generated programs run; the hash never changes, and JSON says which ran.
 * The JIT itself is tested against the interpreters in test-cn-r-jit, test-rx-jit and
 * test-rx-ss-jit; this is the CLI path down to it. */
static void check_exec(const char *args, const char *hash, const char *exec)
{
	char *out, *err;
	int rc = pp_cli_run(args, &out, &err);
	cr_assert_eq(rc, 0, "%s: stderr: %s", args, err);
	cJSON *j = cJSON_Parse(out);
	cr_assert_not_null(j, "%s: %s", args, out);
	cr_assert_str_eq(cJSON_GetObjectItem(j, "hash")->valuestring, hash, "%s", args);
	cr_assert_str_eq(cJSON_GetObjectItem(j, "exec")->valuestring, exec, "%s", args);
	cJSON_Delete(j);
	free(out);
	free(err);
}

Test(cli_hash, jit_modes, .timeout = 120)
{
	const bool jit = pp_hash_jit_target() != NULL;
#define CNR "hash -a cn/r --json --height 1806261 --input " \
	"4c6f72656d20697073756d20646f6c6f722073697420616d65742c20636f6e73656374657475722061" \
	"646970697363696e67"
	const char *cnr = "5bb833deca2bdd7252a9ccd7b4ce0b6a4854515794b56c207262f7a5b9bdb566";
	check_exec(CNR, cnr, jit ? "jit" : "interpreter");
	check_exec(CNR " --jit off", cnr, "interpreter");
	check_exec("hash -a cn/2 --json --input " BLOB0,
		   "97378282cf10e7ad033f7b8074c40e14d06e7f609dddda787680b58c05f43d21", "native");
#define RX "hash -a rx/0 --json --key 'test key 000' --input 5468697320697320612074657374"
	const char *rx = "639183aae1bf4c9a35884cb46b09cad9175f04efd7684e7262a0ac1c2f0b4e3f";
	check_exec(RX " --jit off", rx, "interpreter");
	if (!jit) {
		char *out, *err;
		cr_assert_eq(pp_cli_run(RX " --jit on", &out, &err), 1);
		cr_assert(strstr(err, "no JIT for this CPU"), "%s", err);
		free(out);
		free(err);
		cr_skip_test("no JIT for this CPU: --jit on is refused, as checked");
	}
	check_exec(RX, rx, "jit");
	check_exec(RX " --jit on --jit-rwx", rx, "jit-rwx");
#undef CNR
#undef RX
}

Test(cli_hash, jit_usage_error)
{
	char *out, *err;
	cr_assert_eq(pp_cli_run("hash --algo cn/r --jit maybe", &out, &err), 2);
	cr_assert(strstr(err, "on, off or auto"), "%s", err);
	free(out);
	free(err);
}
