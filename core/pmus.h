/* The core PMUs the kernel registered under sysfs: one ("cpu") on most machines, one per
 * core type on hybrid ones (cpu_core and cpu_atom on Intel, one armv8_* per cluster type on
 * ARM big.LITTLE). Uncore PMUs are not listed. */
#ifndef PP_CORE_PMUS_H
#define PP_CORE_PMUS_H

#define PP_CORE_PMUS_MAX 8

struct pp_core_pmu {
	char name[48];
	unsigned type;  /* perf_event_attr.type, and the PMU field of a generic event's config */
};

/* Fills out[] ordered by type from sysfs_root (NULL: "/sys"); returns how many (0 when the
 * kernel exposes none, as in VMs without a virtual PMU). Like perf, a core PMU is "cpu" or
 * one whose directory has a "cpus" file. */
int pp_core_pmus(const char *sysfs_root, struct pp_core_pmu *out, int max);

#endif
