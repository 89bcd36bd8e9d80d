/* powprint info: what this machine offers for counting and hashing, for a person or (--json)
 * a program. */
#include "cli/cli.h"
#include "core/sysinfo-cjson.h"
#include "kernels/crypto/aes.h"

#include <limits.h>
#include <powprint/powprint.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool json;

static const struct cli_opt info_opts[] = {
	CLI_FLAG("json", 'j', &json, "print one JSON object"),
	{ 0 },
};

static const char *yes(bool b)
{
	return b ? "yes" : "no";
}

static void print_kib(const char *name, int kib)
{
	if (kib < 0)
		printf("  %-20s unknown\n", name);
	else
		printf("  %-20s %d KiB\n", name, kib);
}

static void print_human(const struct pp_sysinfo *si)
{
	printf("powprint %s (git %s)\n\n", PP_VERSION_STRING, PP_GIT_REVISION);
	printf("cpu\n");
	printf("  %-20s %s\n", "arch", si->arch);
	printf("  %-20s %s\n", "vendor", si->vendor[0] ? si->vendor : "unknown");
	printf("  %-20s %s\n", "brand", si->brand[0] ? si->brand : "unknown");
	if (si->midr) {
		printf("  %-20s MIDR 0x%08x: implementer 0x%02x, part 0x%03x, r%dp%d\n", "id",
		       (unsigned)si->midr, (unsigned)(si->midr >> 24), (unsigned)si->model,
		       si->family, si->stepping);
		printf("  %-20s %s\n", "core", si->codename[0] ? si->codename :
		       "unknown (a part the MIDR table of core/midr.c does not know)");
	} else {
		printf("  %-20s family %d model %d stepping %d (raw family %d model %d)\n", "id",
		       si->family, si->model, si->stepping, si->raw_family, si->raw_model);
		printf("  %-20s %s (libcpuid's guess from family/model; may misname newer "
		       "CPUs)\n", "codename", si->codename[0] ? si->codename : "unknown");
	}
	printf("  %-20s %d cores, %d threads per package; %d CPUs online\n", "topology",
	       si->cores, si->threads, si->online_cpus);
	print_kib("L1d", si->l1d_kib);
	print_kib("L2", si->l2_kib);
	print_kib("L3", si->l3_kib);
	printf("  %-20s", "features");
	for (uint32_t bit = 1; bit && bit <= PP_CPU_SSE41; bit <<= 1)
		printf(" %s%s", (si->features & bit) ? "+" : "-",
		       pp_cpu_feature_name((enum pp_cpu_feature)bit));
	printf("\n");
	if (si->cpu_error[0])
		printf("  %-20s %s\n", "note", si->cpu_error);

	printf("\nkernel\n");
	printf("  %-20s %s\n", "release", si->kernel);
	if (si->perf_event_paranoid == INT32_MIN)
		printf("  %-20s unknown (no /proc/sys/kernel/perf_event_paranoid)\n",
		       "perf_event_paranoid");
	else
		printf("  %-20s %d\n", "perf_event_paranoid", si->perf_event_paranoid);
	if (si->ptrace_scope < 0)
		printf("  %-20s not set (Yama LSM absent: ptrace follows normal permissions)\n",
		       "ptrace_scope");
	else
		printf("  %-20s %d\n", "ptrace_scope", si->ptrace_scope);
	printf("  %-20s root %s, CAP_PERFMON %s, CAP_BPF %s, CAP_SYS_PTRACE %s, CAP_SYS_ADMIN %s\n",
	       "privileges", yes(si->is_root), yes(si->cap_perfmon), yes(si->cap_bpf),
	       yes(si->cap_sys_ptrace),
	       yes(si->cap_sys_admin));

	printf("\ncounters\n");
	printf("  %-20s %s: %s\n", "hardware PMU", yes(si->hw_pmu), si->hw_why);
	printf("  %-20s %s%s\n", "core PMU (sysfs)", si->core_pmu[0] ? si->core_pmu : "none",
	       strchr(si->core_pmu, ',') ? " (hybrid: generic events opened on each, summed)" : "");
	printf("  %-20s %s\n", "inherit_thread", si->inherit_thread ? "yes: counters follow "
	       "threads, not forked children" : "no (Linux < 5.13): counters follow forked "
	       "children too, so the agent charges a parent with its children's work");
	printf("  %-20s", "libpfm4 PMUs");
	for (int i = 0; i < si->npfm_pmus; i++)
		printf(" %s", si->pfm_pmus[i]);
	printf("%s\n", si->npfm_pmus ? "" : " none detected");
	if (si->pfm_error[0])
		printf("  %-20s %s\n", "", si->pfm_error);
	printf("  %-20s %s: %s\n", "software events", yes(si->sw_events), si->sw_why);
	printf("  %-20s %s: %s\n", "cpu-clock sampling", yes(si->cpu_clock_sampling),
	       si->sampling_why);

	struct pp_backend_status st[PP_BACKEND_MAX];
	int nb = pp_collector_probe(st, PP_BACKEND_MAX);
	printf("\ncollector backends\n");
	for (int i = 0; i < nb && i < PP_BACKEND_MAX; i++)
		printf("  %-20s %s%s%s%s%s\n", st[i].name, st[i].available ? "available: " :
		       "unavailable: ", st[i].available ? st[i].summary : st[i].why,
		       st[i].available && st[i].why[0] ? " (" : "",
		       st[i].available ? st[i].why : "", st[i].available && st[i].why[0] ? ")" : "");

	printf("\nkernels\n");
	printf("  %-20s %s\n", "AES back end", pp_aes_backend_name(pp_aes_backend_detect(false)));
	const char *jit = pp_hash_jit_target();
	if (jit)
		printf("  %-20s %s: RandomX programs, SuperscalarHash, cn/r random math (default "
		       "on; --jit off interprets)\n", "JIT", jit);
	else
		printf("  %-20s none for this CPU yet: RandomX and cn/r programs are interpreted\n",
		       "JIT");

	printf("\npages\n");
	printf("  %-20s %ld x %ld KiB\n", "hugetlb reserved", si->nr_hugepages,
	       si->hugepage_kib);
	printf("  %-20s %s (defrag %s)\n", "transparent huge", si->thp_enabled[0] ?
	       si->thp_enabled : "unavailable", si->thp_defrag[0] ? si->thp_defrag : "-");
}

static int run(int argc, char **argv)
{
	int rc = cli_parse(&cmd_info, argc, argv);
	if (rc >= 0)
		return rc;

	struct pp_sysinfo si;
	pp_sysinfo_read(&si);
	if (!json) {
		print_human(&si);
		return 0;
	}
	cJSON *root = pp_sysinfo_to_cjson(&si);
	struct pp_backend_status st[PP_BACKEND_MAX];
	int nb = pp_collector_probe(st, PP_BACKEND_MAX);
	cJSON *bk = cJSON_AddObjectToObject(root, "backends");
	for (int i = 0; i < nb && i < PP_BACKEND_MAX; i++) {
		cJSON *b = cJSON_AddObjectToObject(bk, st[i].name);
		cJSON_AddBoolToObject(b, "available", st[i].available);
		cJSON_AddStringToObject(b, "summary", st[i].summary);
		cJSON_AddStringToObject(b, "why", st[i].why);
	}
	cJSON *k = cJSON_AddObjectToObject(root, "kernels");
	cJSON_AddStringToObject(k, "aes_backend",
				pp_aes_backend_name(pp_aes_backend_detect(false)));
	if (pp_hash_jit_target())
		cJSON_AddStringToObject(k, "jit", pp_hash_jit_target());
	else
		cJSON_AddNullToObject(k, "jit");
	cJSON_AddStringToObject(root, "version", PP_VERSION_STRING);
	cJSON_AddStringToObject(root, "git", PP_GIT_REVISION);
	rc = cli_json_print(root, false);
	cJSON_Delete(root);
	return rc;
}

const struct cli_cmd cmd_info = {
	.name = "info", .fn = run, .no_operands = true, .output = true,
	.summary = "describe the CPU, kernel, PMU, counters and huge pages of this machine",
	.usage = "[--json]",
	.opts = info_opts,
};
