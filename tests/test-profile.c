/* powprint profile: one short real profile of this machine (one kernel, the quick look-alikes,
 * brief runs), its JSON checked field by field against what the profile promises; and an
 * interrupted profile writes nothing. */
#define _GNU_SOURCE
#include "support/testutil.h"

#include <powprint/profile.h>

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static double num(cJSON *o, const char *k)
{
	cJSON *v = cJSON_GetObjectItem(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

Test(profile, a_quick_profile_holds_every_part)
{
	char path[] = "/tmp/pp-profile-XXXXXX.json";
	int fd = mkstemps(path, 5);
	cr_assert_geq(fd, 0);
	close(fd);
	unlink(path);
	char args[512], *out, *err;
	snprintf(args, sizeof(args), "profile --quick --algos cn/0,cn/r --hash-seconds 0.2 "
		 "--seconds 0.5 -o %s", path);
	int rc = pp_cli_run(args, &out, &err);
	cr_assert_eq(rc, 0, "%s", err);
	cr_expect(strstr(err, "left]"), "progress with the time left: %s", err);
	char *text = pp_test_slurp(path);
	cr_assert_not_null(text, "no profile at %s", path);
	cJSON *p = cJSON_Parse(text);
	cr_assert_not_null(p);
	cr_expect_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(p, "format")), PP_PROFILE_FORMAT);
	cr_expect_eq(num(p, "format_version"), PP_PROFILE_FORMAT_VERSION);
	cr_expect(cJSON_IsObject(cJSON_GetObjectItem(cJSON_GetObjectItem(p, "machine"), "cpu")));
	cr_expect(cJSON_IsObject(cJSON_GetObjectItem(p, "backends")));
	const char *label = cJSON_GetStringValue(cJSON_GetObjectItem(p, "label"));
	cr_expect(label && strlen(label) > 3 && label[strlen(label) - 1] == ')', "%s", label);

	/* Hash rates per thread count, 1 ... every CPU, and each knob turned off alone. */
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	cJSON *h = cJSON_GetObjectItem(p, "hash");
	cr_assert_eq(cJSON_GetArraySize(h), 2);
	cJSON *e;
	cJSON_ArrayForEach(e, h) {
		const char *algo = cJSON_GetStringValue(cJSON_GetObjectItem(e, "algo"));
		cJSON *sc = cJSON_GetObjectItem(e, "scaling");
		int n = cJSON_GetArraySize(sc);
		cr_assert_geq(n, 1, "%s", algo);
		cr_expect_eq(num(cJSON_GetArrayItem(sc, 0), "threads"), 1);
		cr_expect_eq(num(cJSON_GetArrayItem(sc, n - 1), "threads"), cpus);
		for (int i = 0; i < n; i++)
			cr_expect_gt(num(cJSON_GetArrayItem(sc, i), "hps"), 0, "%s", algo);
		bool jit = !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "exec")) ?: "", "jit");
		cJSON *vs = cJSON_GetObjectItem(e, "variants");
		cr_expect_eq(cJSON_GetArraySize(vs), jit ? 3 : 2, "%s: AES, pages%s", algo,
			     jit ? ", JIT" : "");
		cJSON *v;
		cJSON_ArrayForEach(v, vs) {
			double s = num(v, "speedup");
			cr_expect(s > 0 && isfinite(s), "%s %s", algo,
				  cJSON_GetStringValue(cJSON_GetObjectItem(v, "name")));
			cr_expect_lt(fabs(num(cJSON_GetArrayItem(sc, 0), "hps") / num(v, "hps") - s),
				     1e-9, "speedup is the default's rate over the variant's");
		}
		if (!strcmp(algo, "cn/r"))
			cr_expect(jit, "cn/r compiles its random math where there is a JIT");
	}
	cr_expect(cJSON_IsNull(cJSON_GetObjectItem(p, "randomx_dataset_init_s")), "quick: skipped");

	cJSON *m = cJSON_GetObjectItem(p, "memory");
	cr_expect_gt(num(m, "pointer_chase_ns"), 1);
	cr_expect_gt(num(m, "stream_mb_s"), 10);

	/* Fingerprints: the kernels' and the look-alikes', each kernel with its nearest. */
	cJSON *fp = cJSON_GetObjectItem(p, "fingerprints");
	cJSON *names = cJSON_GetObjectItem(fp, "features");
	cr_expect_gt(cJSON_GetArraySize(names), 20);
	int miners = 0, benign = 0;
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(fp, "workloads")) {
		bool miner = !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "class")), "miner");
		miners += miner;
		benign += !miner;
		cJSON *mean = cJSON_GetObjectItem(e, "mean");
		cr_expect_eq(cJSON_GetArraySize(mean), cJSON_GetArraySize(names));
		cr_expect_gt(num(mean, "cpu_util"), 0.3, "a busy workload");
		if (miner) {
			cr_expect(cJSON_IsString(cJSON_GetObjectItem(e, "nearest_benign")));
			cr_expect_geq(num(e, "distance"), 0);
		}
	}
	cr_expect_eq(miners, 2);
	cr_expect_geq(benign, 4, "the quick look-alikes");
	cJSON_Delete(p);
	free(text);
	free(out);
	free(err);
	unlink(path);
}

Test(profile, an_interrupted_profile_writes_nothing)
{
	char path[] = "/tmp/pp-profile-XXXXXX.json";
	int fd = mkstemps(path, 5);
	cr_assert_geq(fd, 0);
	close(fd);
	unlink(path);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int dn = open("/dev/null", O_WRONLY);
		dup2(dn, 2);
		execl(PP_CLI_PATH, "powprint", "profile", "--quick", "-o", path, (char *)NULL);
		_exit(127);
	}
	sleep(3);
	kill(pid, SIGINT);
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) != 0, "status %#x", st);
	cr_expect_neq(access(path, F_OK), 0, "nothing written");
}
