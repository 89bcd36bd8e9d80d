/* Arm CPU identity without libcpuid (which identifies x86 only): the MIDR_EL1 fields Linux
 * shows in /proc/cpuinfo, and the names of common cores. Internal to powprint. */
#ifndef PP_CORE_MIDR_H
#define PP_CORE_MIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pp_midr {
	unsigned implementer;   /* 0x41 Arm, 0x61 Apple, 0xc0 Ampere, ... (0: software, QEMU) */
	unsigned variant;       /* the major revision: the r of rNpM */
	unsigned part;          /* 0xd0c Neoverse N1, ... */
	unsigned revision;      /* the minor revision: the p of rNpM */
};

/* The first processor's MIDR fields in /proc/cpuinfo text ("CPU implementer : 0x41", "CPU
 * variant", "CPU part", "CPU revision"); false when the implementer or part is missing. */
bool pp_midr_parse_cpuinfo(const char *text, struct pp_midr *m);
/* MIDR_EL1 as the register holds it (architecture field 0xf: ARMv8 and later). */
uint32_t pp_midr_value(const struct pp_midr *m);
/* "Arm", "Apple", ...; NULL for an implementer the table does not know. */
const char *pp_midr_vendor(unsigned implementer);
/* "Neoverse N1", "Cortex-A72", ...; NULL for a part the table does not know. */
const char *pp_midr_core(unsigned implementer, unsigned part);

#endif
