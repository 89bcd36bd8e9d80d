/* A snapshot of what this machine offers powprint: CPU, kernel permissions, PMU, counters,
 * huge pages. Read by `powprint info` and stored in every dataset's meta.json. */
#ifndef POWPRINT_SYSINFO_H
#define POWPRINT_SYSINFO_H

#include <stdbool.h>
#include <stdint.h>

#define PP_SYSINFO_MAX_PMUS 32

/* CPU features that change how kernels run or what they look like. */
enum pp_cpu_feature {
	PP_CPU_AES = 1u << 0,     /* x86 AES-NI, ARMv8 AES */
	PP_CPU_VAES = 1u << 1,    /* x86 VAES (AES on ymm/zmm) */
	PP_CPU_PCLMUL = 1u << 2,  /* x86 PCLMULQDQ, ARMv8 PMULL */
	PP_CPU_VPCLMUL = 1u << 3, /* x86 VPCLMULQDQ */
	PP_CPU_SHA = 1u << 4,     /* x86 SHA-NI, ARMv8 SHA1/SHA2 */
	PP_CPU_AVX2 = 1u << 5,
	PP_CPU_AVX512F = 1u << 6,
	PP_CPU_SSSE3 = 1u << 7,
	PP_CPU_SSE41 = 1u << 8,
};

struct pp_sysinfo {
	/* CPU (libcpuid on x86; /proc/cpuinfo and HWCAP on ARM). */
	char arch[16];
	char vendor[32];
	char brand[128];
	char codename[64];          /* libcpuid's guess: may misname CPUs newer than it */
	int family, model, stepping;            /* as displayed (extended) */
	int raw_family, raw_model;              /* base CPUID fields */
	int cores, threads;         /* per package, from CPUID */
	int online_cpus;            /* what the OS runs us on */
	int l1d_kib, l2_kib, l3_kib;            /* -1 when unknown */
	uint32_t features;          /* enum pp_cpu_feature bits */
	uint32_t midr;              /* Arm: MIDR_EL1 from /proc/cpuinfo (vendor, brand and
				     * codename named from it); 0 elsewhere */
	char cpu_error[128];        /* why CPU identification was partial, or "" */

	/* Kernel and permissions. */
	char kernel[160];
	int perf_event_paranoid;    /* INT32_MIN when the file is missing */
	int ptrace_scope;           /* -1 when Yama is not built in */
	bool is_root, cap_perfmon, cap_bpf, cap_sys_ptrace, cap_sys_admin;

	/* Counters. */
	bool hw_pmu;                /* cycles and instructions opened on this process */
	int hw_err;                 /* negative errno from that attempt */
	char hw_why[512];           /* why not, for a person */
	char core_pmu[96];          /* sysfs event sources of the core PMUs ("cpu", "cpu_core,
				     * cpu_atom", "armv8_pmuv3_0") or "" */
	bool hypervisor;            /* running in a VM (x86: CPUID's hypervisor bit) */
	bool inherit_thread;        /* counters can follow threads but not forked children */
	int npfm_pmus;              /* PMUs libpfm4 detects (present ones only) */
	char pfm_pmus[PP_SYSINFO_MAX_PMUS][32];
	char pfm_error[128];
	bool sw_events;             /* task-clock opened */
	char sw_why[256];
	bool cpu_clock_sampling;    /* cpu-clock sampling event with an mmap ring opened */
	char sampling_why[256];

	/* Memory pages. */
	long nr_hugepages;          /* -1 when unknown */
	long hugepage_kib;
	char thp_enabled[16];       /* always | madvise | never | "" */
	char thp_defrag[16];
};

/* Fills *si. Never fails: what cannot be read is marked unknown with a reason. */
void pp_sysinfo_read(struct pp_sysinfo *si);
/* Running in a virtual machine (x86: CPUID's hypervisor bit; false where it cannot tell). */
bool pp_sysinfo_hypervisor(void);
/* The running kernel is at least major.minor (true when its release cannot be parsed). */
bool pp_sysinfo_kernel_at_least(int major, int minor);

/* A JSON object describing *si (the shape `powprint info --json` prints); caller frees. */
char *pp_sysinfo_json(const struct pp_sysinfo *si);

/* Name of a feature bit ("aes", "vaes", ...). */
const char *pp_cpu_feature_name(enum pp_cpu_feature f);

#endif
