/* pp_sysinfo_read: what this machine offers powprint, read honestly. Nothing here fails:
 * each probe records what it found or why it could not tell. */
#include <powprint/sysinfo.h>
#include <powprint/perf.h>
#include <powprint/error.h>
#include "core/midr.h"
#include "core/pmus.h"
#include "core/sysinfo-cjson.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <perfmon/pfmlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <libcpuid/libcpuid.h>
#endif
#if defined(__aarch64__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

#define CAP_SYS_PTRACE_BIT 19
#define CAP_SYS_ADMIN_BIT 21
#define CAP_PERFMON_BIT 38
#define CAP_BPF_BIT 39

static const struct {
	enum pp_cpu_feature bit;
	const char *name;
} feature_names[] = {
	{ PP_CPU_AES, "aes" },       { PP_CPU_VAES, "vaes" },       { PP_CPU_PCLMUL, "pclmul" },
	{ PP_CPU_VPCLMUL, "vpclmul" }, { PP_CPU_SHA, "sha" },       { PP_CPU_AVX2, "avx2" },
	{ PP_CPU_AVX512F, "avx512f" }, { PP_CPU_SSSE3, "ssse3" },   { PP_CPU_SSE41, "sse4.1" },
};

const char *pp_cpu_feature_name(enum pp_cpu_feature f)
{
	for (size_t i = 0; i < sizeof(feature_names) / sizeof(feature_names[0]); i++)
		if (feature_names[i].bit == f)
			return feature_names[i].name;
	return "unknown";
}

/* Reads the first line of a file into buf; returns false when it can't. */
static bool read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	bool ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

static long read_long(const char *path, long def)
{
	char buf[64];
	return read_line(path, buf, sizeof(buf)) ? strtol(buf, NULL, 10) : def;
}

/* "always [madvise] never" -> "madvise" */
static void read_bracketed(const char *path, char *out, size_t len)
{
	char buf[128];
	out[0] = '\0';
	if (!read_line(path, buf, sizeof(buf)))
		return;
	char *l = strchr(buf, '['), *r = l ? strchr(l, ']') : NULL;
	if (l && r) {
		*r = '\0';
		snprintf(out, len, "%s", l + 1);
	}
}

#if defined(__x86_64__) || defined(__i386__)
static void read_cpu(struct pp_sysinfo *si)
{
	struct cpu_raw_data_t raw;
	struct cpu_id_t id;

	snprintf(si->arch, sizeof(si->arch), "%s", "x86_64");
	if (!cpuid_present() || cpuid_get_raw_data(&raw) < 0 || cpu_identify(&raw, &id) < 0) {
		snprintf(si->cpu_error, sizeof(si->cpu_error), "libcpuid: %s", cpuid_error());
		return;
	}
	snprintf(si->vendor, sizeof(si->vendor), "%s", id.vendor_str);
	snprintf(si->brand, sizeof(si->brand), "%s", id.brand_str);
	snprintf(si->codename, sizeof(si->codename), "%s", id.cpu_codename);
	si->raw_family = id.family;
	si->raw_model = id.model;
	si->family = id.ext_family;
	si->model = id.ext_model;
	si->stepping = id.stepping;
	si->cores = id.num_cores;
	si->threads = id.num_logical_cpus;
	si->l1d_kib = id.l1_data_cache;
	si->l2_kib = id.l2_cache;
	si->l3_kib = id.l3_cache;
	if (id.flags[CPU_FEATURE_AES])
		si->features |= PP_CPU_AES;
	if (id.flags[CPU_FEATURE_PCLMUL])
		si->features |= PP_CPU_PCLMUL;
	if (id.flags[CPU_FEATURE_SHA_NI])
		si->features |= PP_CPU_SHA;
	if (id.flags[CPU_FEATURE_AVX2])
		si->features |= PP_CPU_AVX2;
	if (id.flags[CPU_FEATURE_AVX512F])
		si->features |= PP_CPU_AVX512F;
	if (id.flags[CPU_FEATURE_SSSE3])
		si->features |= PP_CPU_SSSE3;
	if (id.flags[CPU_FEATURE_SSE4_1])
		si->features |= PP_CPU_SSE41;
	/* libcpuid 0.6 has no VAES/VPCLMULQDQ flags: CPUID leaf 7, ECX bits 9 and 10. */
	unsigned a, b, c, d;
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
		if (c & (1u << 9))
			si->features |= PP_CPU_VAES;
		if (c & (1u << 10))
			si->features |= PP_CPU_VPCLMUL;
	}
}
#else
static void read_cpu(struct pp_sysinfo *si)
{
	struct utsname u;
	char line[256];

	if (uname(&u) == 0)
		snprintf(si->arch, sizeof(si->arch), "%.*s", (int)sizeof(si->arch) - 1, u.machine);
	char *text = NULL;
	size_t len = 0;
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (f) {
		FILE *m = open_memstream(&text, &len);
		while (m && fgets(line, sizeof(line), f))
			fputs(line, m);
		if (m)
			fclose(m);
		fclose(f);
	}
	struct pp_midr midr;
	if (text && pp_midr_parse_cpuinfo(text, &midr)) {
		const char *vendor = pp_midr_vendor(midr.implementer);
		const char *core = pp_midr_core(midr.implementer, midr.part);
		si->midr = pp_midr_value(&midr);
		if (vendor)
			snprintf(si->vendor, sizeof(si->vendor), "%s", vendor);
		else
			snprintf(si->vendor, sizeof(si->vendor), "implementer 0x%02x",
				 midr.implementer);
		if (core) {
			/* "Arm Neoverse N1 r3p1"; a core name that starts with its vendor's
			 * ("QEMU -cpu max") is not prefixed again. */
			bool prefix = vendor && strncmp(core, vendor, strlen(vendor));
			snprintf(si->codename, sizeof(si->codename), "%s", core);
			snprintf(si->brand, sizeof(si->brand), "%s%s%s r%up%u", prefix ? vendor : "",
				 prefix ? " " : "", core, midr.variant, midr.revision);
		}
		si->family = si->raw_family = (int)midr.variant;
		si->model = si->raw_model = (int)midr.part;
		si->stepping = (int)midr.revision;
	}
	const char *name = text ? strstr(text, "model name") : NULL;
	if (!si->brand[0] && name && strchr(name, ':')) {
		const char *v = strchr(name, ':') + 1;
		v += strspn(v, " \t");
		snprintf(si->brand, sizeof(si->brand), "%.*s", (int)strcspn(v, "\n"), v);
	}
	free(text);
	snprintf(si->cpu_error, sizeof(si->cpu_error), "libcpuid identifies x86 only: the core "
		 "from its MIDR (/proc/cpuinfo, named by core/midr.c), features from HWCAP");
	si->cores = si->threads = (int)sysconf(_SC_NPROCESSORS_CONF);
#if defined(__aarch64__)
	unsigned long hw = getauxval(AT_HWCAP);
	if (hw & HWCAP_AES)
		si->features |= PP_CPU_AES;
	if (hw & HWCAP_PMULL)
		si->features |= PP_CPU_PCLMUL;
	if (hw & (HWCAP_SHA1 | HWCAP_SHA2))
		si->features |= PP_CPU_SHA;
#endif
}
#endif

static void read_caches_fallback(struct pp_sysinfo *si)
{
	/* libcpuid reports -1 for what CPUID does not describe (common under hypervisors). */
	long v;
	if (si->l1d_kib <= 0 && (v = sysconf(_SC_LEVEL1_DCACHE_SIZE)) > 0)
		si->l1d_kib = (int)(v / 1024);
	if (si->l2_kib <= 0 && (v = sysconf(_SC_LEVEL2_CACHE_SIZE)) > 0)
		si->l2_kib = (int)(v / 1024);
	if (si->l3_kib <= 0 && (v = sysconf(_SC_LEVEL3_CACHE_SIZE)) > 0)
		si->l3_kib = (int)(v / 1024);
	if (si->l1d_kib == 0)
		si->l1d_kib = -1;
	if (si->l2_kib == 0)
		si->l2_kib = -1;
	if (si->l3_kib == 0)
		si->l3_kib = -1;
}

bool pp_sysinfo_kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;
	if (uname(&u) != 0 || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return true; /* unknown: assume a current kernel */
	return ma > major || (ma == major && mi >= minor);
}

static void read_kernel(struct pp_sysinfo *si)
{
	struct utsname u;
	char line[256];

	if (uname(&u) == 0)
		snprintf(si->kernel, sizeof(si->kernel), "%s %s", u.sysname, u.release);
	si->perf_event_paranoid =
		(int)read_long("/proc/sys/kernel/perf_event_paranoid", INT32_MIN);
	si->ptrace_scope = (int)read_long("/proc/sys/kernel/yama/ptrace_scope", -1);
	si->is_root = geteuid() == 0;

	FILE *f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "CapEff:", 7))
			continue;
		unsigned long long caps = strtoull(line + 7, NULL, 16);
		si->cap_perfmon = caps >> CAP_PERFMON_BIT & 1;
		si->cap_bpf = caps >> CAP_BPF_BIT & 1;
		si->cap_sys_ptrace = caps >> CAP_SYS_PTRACE_BIT & 1;
		si->cap_sys_admin = caps >> CAP_SYS_ADMIN_BIT & 1;
	}
	if (f)
		fclose(f);
}

/* The sysfs event sources of the core PMUs, comma-separated ("cpu", "cpu_core,cpu_atom"). */
static void find_core_pmu(struct pp_sysinfo *si)
{
	struct pp_core_pmu pmu[PP_CORE_PMUS_MAX];
	int n = pp_core_pmus(NULL, pmu, PP_CORE_PMUS_MAX);
	size_t len = 0;
	for (int i = 0; i < n && len < sizeof(si->core_pmu); i++)
		len += (size_t)snprintf(si->core_pmu + len, sizeof(si->core_pmu) - len, "%s%s",
					i ? "," : "", pmu[i].name);
}

/* x86 guests see CPUID's hypervisor bit as a "hypervisor" flag in /proc/cpuinfo. */
bool pp_sysinfo_hypervisor(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[4096];
	bool vm = false;
	while (f && !vm && fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5) && strstr(line, " hypervisor"))
			vm = true;
	if (f)
		fclose(f);
	return vm;
}

static int open_counter(__u32 type, __u64 config, int group)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof(a));
	a.type = type;
	a.config = config;
	a.disabled = 1;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	return pp_perf_open(&a, 0, -1, group, PERF_FLAG_FD_CLOEXEC);
}

static void explain_perf_error(int err, const char *what, char *why, size_t len,
			       const struct pp_sysinfo *si)
{
	if (err == -EACCES || err == -EPERM)
		snprintf(why, len,
			 "%s: permission denied (perf_event_paranoid=%d): run as root, grant "
			 "CAP_PERFMON, or lower /proc/sys/kernel/perf_event_paranoid",
			 what, si->perf_event_paranoid);
	else if (err == -ENOSYS)
		snprintf(why, len, "%s: the kernel has no perf_event_open (CONFIG_PERF_EVENTS off, "
			 "or a seccomp filter blocks it)", what);
	else
		snprintf(why, len, "%s: %s", what, strerror(-err));
}

static void probe_hw_pmu(struct pp_sysinfo *si)
{
	int cyc = open_counter(PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, -1);
	int ins = cyc >= 0 ? open_counter(PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, cyc)
			   : cyc;
	if (cyc >= 0 && ins >= 0) {
		si->hw_pmu = true;
		snprintf(si->hw_why, sizeof(si->hw_why), "cycles and instructions open on %s",
			 si->core_pmu[0] ? si->core_pmu : "the core PMU");
	} else {
		si->hw_err = cyc < 0 ? cyc : ins;
		const char *what = cyc < 0 ? "cycles" : "instructions";
		bool lacks = si->hw_err == -ENOENT || si->hw_err == -EOPNOTSUPP ||
			     si->hw_err == -ENODEV;
		if (lacks && !si->core_pmu[0] && si->hypervisor)
			snprintf(si->hw_why, sizeof(si->hw_why),
				 "no hardware PMU: the kernel exposes no core PMU in "
				 "/sys/bus/event_source/devices (this is a VM whose hypervisor "
				 "hides the PMU); opening %s failed with %s. Use the software "
				 "backends (perf-sw, ip-sample, procfs)",
				 what, strerror(-si->hw_err));
		else if (lacks && !si->core_pmu[0])
			snprintf(si->hw_why, sizeof(si->hw_why),
				 "no hardware PMU: the kernel has no driver for this CPU's PMU (no "
				 "core PMU in /sys/bus/event_source/devices); opening %s failed with "
				 "%s. Use the software backends (perf-sw, ip-sample, procfs)",
				 what, strerror(-si->hw_err));
		else if (lacks)
			snprintf(si->hw_why, sizeof(si->hw_why),
				 "the core PMU (%s) does not count %s (%s): its kernel driver lacks "
				 "the generic event; use the software backends (perf-sw, ip-sample, "
				 "procfs)", si->core_pmu, what, strerror(-si->hw_err));
		else
			explain_perf_error(si->hw_err, what, si->hw_why, sizeof(si->hw_why), si);
	}
	if (ins >= 0)
		close(ins);
	if (cyc >= 0)
		close(cyc);
}

static void probe_sw(struct pp_sysinfo *si)
{
	int fd = open_counter(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK, -1);
	si->sw_events = fd >= 0;
	if (fd >= 0) {
		snprintf(si->sw_why, sizeof(si->sw_why), "task-clock opens");
		close(fd);
	} else {
		explain_perf_error(fd, "task-clock", si->sw_why, sizeof(si->sw_why), si);
	}

	/* cpu-clock sampling with a ring buffer: what the ip-sample backend needs. */
	struct perf_event_attr a;
	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_CPU_CLOCK;
	a.sample_period = 1000000; /* 1 kHz */
	a.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID;
	a.disabled = 1;
	a.exclude_kernel = 1;
	fd = pp_perf_open(&a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		explain_perf_error(fd, "cpu-clock sampling", si->sampling_why,
				   sizeof(si->sampling_why), si);
		return;
	}
	size_t len = (size_t)(1 + 8) * (size_t)sysconf(_SC_PAGESIZE);
	void *ring = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (ring == MAP_FAILED) {
		snprintf(si->sampling_why, sizeof(si->sampling_why),
			 "cpu-clock sampling: mmap of the ring buffer failed: %s "
			 "(raise /proc/sys/kernel/perf_event_mlock_kb)", strerror(errno));
	} else {
		si->cpu_clock_sampling = true;
		snprintf(si->sampling_why, sizeof(si->sampling_why),
			 "cpu-clock sampling opens with a ring buffer");
		munmap(ring, len);
	}
	close(fd);
}

static void probe_pfm(struct pp_sysinfo *si)
{
	int ret = pfm_initialize();
	if (ret != PFM_SUCCESS) {
		snprintf(si->pfm_error, sizeof(si->pfm_error), "libpfm4: %s", pfm_strerror(ret));
		return;
	}
	pfm_pmu_t p;
	pfm_for_all_pmus(p) {
		pfm_pmu_info_t info;
		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		if (pfm_get_pmu_info(p, &info) != PFM_SUCCESS || !info.is_present)
			continue;
		if (si->npfm_pmus < PP_SYSINFO_MAX_PMUS)
			snprintf(si->pfm_pmus[si->npfm_pmus++], sizeof(si->pfm_pmus[0]), "%s",
				 info.name);
	}
	/* pfm_terminate() is not called: libpfm4's state is process-wide and other users
	 * (the perf-hw collector) may hold it. */
}

static void read_pages(struct pp_sysinfo *si)
{
	char line[128];

	si->nr_hugepages = read_long("/proc/sys/vm/nr_hugepages", -1);
	si->hugepage_kib = -1;
	FILE *f = fopen("/proc/meminfo", "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "Hugepagesize:", 13))
			si->hugepage_kib = strtol(line + 13, NULL, 10);
	if (f)
		fclose(f);
	read_bracketed("/sys/kernel/mm/transparent_hugepage/enabled", si->thp_enabled,
		       sizeof(si->thp_enabled));
	read_bracketed("/sys/kernel/mm/transparent_hugepage/defrag", si->thp_defrag,
		       sizeof(si->thp_defrag));
}

void pp_sysinfo_read(struct pp_sysinfo *si)
{
	memset(si, 0, sizeof(*si));
	si->l1d_kib = si->l2_kib = si->l3_kib = -1;
	read_cpu(si);
	read_caches_fallback(si);
	si->online_cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	read_kernel(si);
	si->hypervisor = pp_sysinfo_hypervisor();
	find_core_pmu(si);
	probe_hw_pmu(si);
	si->inherit_thread = pp_perf_has_inherit_thread();
	probe_pfm(si);
	probe_sw(si);
	read_pages(si);
}

cJSON *pp_sysinfo_to_cjson(const struct pp_sysinfo *si)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *cpu = cJSON_AddObjectToObject(root, "cpu");
	cJSON_AddStringToObject(cpu, "arch", si->arch);
	cJSON_AddStringToObject(cpu, "vendor", si->vendor);
	cJSON_AddStringToObject(cpu, "brand", si->brand);
	cJSON_AddStringToObject(cpu, "codename", si->codename);
	cJSON_AddNumberToObject(cpu, "family", si->family);
	cJSON_AddNumberToObject(cpu, "model", si->model);
	cJSON_AddNumberToObject(cpu, "stepping", si->stepping);
	cJSON_AddNumberToObject(cpu, "raw_family", si->raw_family);
	cJSON_AddNumberToObject(cpu, "raw_model", si->raw_model);
	if (si->midr)
		cJSON_AddNumberToObject(cpu, "midr", si->midr);
	cJSON_AddNumberToObject(cpu, "cores", si->cores);
	cJSON_AddNumberToObject(cpu, "threads", si->threads);
	cJSON_AddNumberToObject(cpu, "online_cpus", si->online_cpus);
	cJSON_AddNumberToObject(cpu, "l1d_kib", si->l1d_kib);
	cJSON_AddNumberToObject(cpu, "l2_kib", si->l2_kib);
	cJSON_AddNumberToObject(cpu, "l3_kib", si->l3_kib);
	cJSON *feat = cJSON_AddObjectToObject(cpu, "features");
	for (size_t i = 0; i < sizeof(feature_names) / sizeof(feature_names[0]); i++)
		cJSON_AddBoolToObject(feat, feature_names[i].name,
				      (si->features & feature_names[i].bit) != 0);
	if (si->cpu_error[0])
		cJSON_AddStringToObject(cpu, "note", si->cpu_error);

	cJSON *k = cJSON_AddObjectToObject(root, "kernel");
	cJSON_AddStringToObject(k, "release", si->kernel);
	if (si->perf_event_paranoid == INT32_MIN)
		cJSON_AddNullToObject(k, "perf_event_paranoid");
	else
		cJSON_AddNumberToObject(k, "perf_event_paranoid", si->perf_event_paranoid);
	if (si->ptrace_scope < 0)
		cJSON_AddNullToObject(k, "ptrace_scope");
	else
		cJSON_AddNumberToObject(k, "ptrace_scope", si->ptrace_scope);
	cJSON_AddBoolToObject(k, "root", si->is_root);
	cJSON_AddBoolToObject(k, "cap_perfmon", si->cap_perfmon);
	cJSON_AddBoolToObject(k, "cap_bpf", si->cap_bpf);
	cJSON_AddBoolToObject(k, "cap_sys_ptrace", si->cap_sys_ptrace);
	cJSON_AddBoolToObject(k, "cap_sys_admin", si->cap_sys_admin);

	cJSON *c = cJSON_AddObjectToObject(root, "counters");
	cJSON_AddBoolToObject(c, "hardware_pmu", si->hw_pmu);
	cJSON_AddStringToObject(c, "hardware_pmu_why", si->hw_why);
	if (si->hw_err)
		cJSON_AddNumberToObject(c, "hardware_pmu_errno", -si->hw_err);
	cJSON_AddStringToObject(c, "core_pmu_sysfs", si->core_pmu);
	cJSON_AddBoolToObject(c, "inherit_thread", si->inherit_thread);
	cJSON *pmus = cJSON_AddArrayToObject(c, "libpfm4_pmus");
	for (int i = 0; i < si->npfm_pmus; i++)
		cJSON_AddItemToArray(pmus, cJSON_CreateString(si->pfm_pmus[i]));
	if (si->pfm_error[0])
		cJSON_AddStringToObject(c, "libpfm4_error", si->pfm_error);
	cJSON_AddBoolToObject(c, "software_events", si->sw_events);
	cJSON_AddStringToObject(c, "software_events_why", si->sw_why);
	cJSON_AddBoolToObject(c, "cpu_clock_sampling", si->cpu_clock_sampling);
	cJSON_AddStringToObject(c, "cpu_clock_sampling_why", si->sampling_why);

	cJSON *p = cJSON_AddObjectToObject(root, "pages");
	cJSON_AddNumberToObject(p, "nr_hugepages", (double)si->nr_hugepages);
	cJSON_AddNumberToObject(p, "hugepage_kib", (double)si->hugepage_kib);
	cJSON_AddStringToObject(p, "thp_enabled", si->thp_enabled);
	cJSON_AddStringToObject(p, "thp_defrag", si->thp_defrag);

	return root;
}

char *pp_sysinfo_json(const struct pp_sysinfo *si)
{
	cJSON *root = pp_sysinfo_to_cjson(si);
	char *s = cJSON_Print(root);
	cJSON_Delete(root);
	return s;
}
