#include "core/midr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Implementer codes and part numbers as the Arm Architecture Reference Manual and each
 * vendor's technical reference manual give them (the same that Linux's cputype.h lists). */
static const struct {
	unsigned code;
	const char *name;
} vendors[] = {
	/* 0 is reserved for software use: QEMU's -cpu max is the one seen. */
	{ 0x00, "QEMU" }, { 0x41, "Arm" }, { 0x42, "Broadcom" },
	{ 0x43, "Cavium" }, { 0x46, "Fujitsu" }, { 0x48, "HiSilicon" }, { 0x4e, "NVIDIA" },
	{ 0x50, "Applied Micro" }, { 0x51, "Qualcomm" }, { 0x61, "Apple" },
	{ 0x6d, "Microsoft" }, { 0xc0, "Ampere" },
};

static const struct {
	unsigned implementer, part;
	const char *name;
} cores[] = {
	{ 0x00, 0x051, "QEMU -cpu max" },
	{ 0x41, 0xd03, "Cortex-A53" }, { 0x41, 0xd04, "Cortex-A35" },
	{ 0x41, 0xd05, "Cortex-A55" }, { 0x41, 0xd07, "Cortex-A57" },
	{ 0x41, 0xd08, "Cortex-A72" }, { 0x41, 0xd09, "Cortex-A73" },
	{ 0x41, 0xd0a, "Cortex-A75" }, { 0x41, 0xd0b, "Cortex-A76" },
	{ 0x41, 0xd0c, "Neoverse N1" }, { 0x41, 0xd0d, "Cortex-A77" },
	{ 0x41, 0xd40, "Neoverse V1" }, { 0x41, 0xd41, "Cortex-A78" },
	{ 0x41, 0xd44, "Cortex-X1" }, { 0x41, 0xd46, "Cortex-A510" },
	{ 0x41, 0xd47, "Cortex-A710" }, { 0x41, 0xd48, "Cortex-X2" },
	{ 0x41, 0xd49, "Neoverse N2" }, { 0x41, 0xd4a, "Neoverse E1" },
	{ 0x41, 0xd4b, "Cortex-A78C" }, { 0x41, 0xd4d, "Cortex-A715" },
	{ 0x41, 0xd4e, "Cortex-X3" }, { 0x41, 0xd4f, "Neoverse V2" },
	{ 0x41, 0xd80, "Cortex-A520" }, { 0x41, 0xd81, "Cortex-A720" },
	{ 0x41, 0xd82, "Cortex-X4" }, { 0x41, 0xd84, "Neoverse V3" },
	{ 0x41, 0xd8e, "Neoverse N3" },
	{ 0x43, 0x0a1, "ThunderX" }, { 0x43, 0x0af, "ThunderX2" },
	{ 0x46, 0x001, "A64FX" },
	{ 0x48, 0xd01, "TaiShan v110 (Kunpeng 920)" },
	{ 0x4e, 0x004, "Carmel" },
	{ 0x51, 0x800, "Kryo 2xx Gold" }, { 0x51, 0x801, "Kryo 2xx Silver" },
	{ 0x51, 0x802, "Kryo 3xx Gold" }, { 0x51, 0x803, "Kryo 3xx Silver" },
	{ 0x51, 0x804, "Kryo 4xx Gold" }, { 0x51, 0x805, "Kryo 4xx Silver" },
	{ 0x51, 0xc00, "Falkor" }, { 0x51, 0x001, "Oryon" },
	{ 0x61, 0x022, "M1 Icestorm" }, { 0x61, 0x023, "M1 Firestorm" },
	{ 0x61, 0x024, "M1 Pro Icestorm" }, { 0x61, 0x025, "M1 Pro Firestorm" },
	{ 0x61, 0x028, "M1 Max Icestorm" }, { 0x61, 0x029, "M1 Max Firestorm" },
	{ 0x61, 0x032, "M2 Blizzard" }, { 0x61, 0x033, "M2 Avalanche" },
	{ 0xc0, 0xac3, "AmpereOne" }, { 0xc0, 0xac4, "AmpereOne AC04" },
};

const char *pp_midr_vendor(unsigned implementer)
{
	for (size_t i = 0; i < sizeof(vendors) / sizeof(vendors[0]); i++)
		if (vendors[i].code == implementer)
			return vendors[i].name;
	return NULL;
}

const char *pp_midr_core(unsigned implementer, unsigned part)
{
	for (size_t i = 0; i < sizeof(cores) / sizeof(cores[0]); i++)
		if (cores[i].implementer == implementer && cores[i].part == part)
			return cores[i].name;
	return NULL;
}

uint32_t pp_midr_value(const struct pp_midr *m)
{
	return (m->implementer & 0xffu) << 24 | (m->variant & 0xfu) << 20 | 0xfu << 16 |
	       (m->part & 0xfffu) << 4 | (m->revision & 0xfu);
}

/* The value after the ':' of the first line that starts with key, or NULL. */
static const char *field(const char *text, const char *key)
{
	size_t kl = strlen(key);
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (!strncmp(l, "\n", 1))
			return NULL; /* a blank line ends the first processor's block */
		if (strncmp(l, key, kl) || (l[kl] != ' ' && l[kl] != '\t' && l[kl] != ':'))
			continue;
		const char *c = strchr(l, ':');
		const char *eol = strchr(l, '\n');
		if (c && (!eol || c < eol))
			return c + 1;
	}
	return NULL;
}

static bool number(const char *text, const char *key, unsigned max, unsigned *out)
{
	const char *v = field(text, key);
	if (!v)
		return false;
	char *end;
	unsigned long n = strtoul(v, &end, 0);
	if (end == v || n > max)
		return false;
	*out = (unsigned)n;
	return true;
}

bool pp_midr_parse_cpuinfo(const char *text, struct pp_midr *m)
{
	struct pp_midr r = { 0 };
	if (!text || !number(text, "CPU implementer", 0xff, &r.implementer) ||
	    !number(text, "CPU part", 0xfff, &r.part))
		return false;
	number(text, "CPU variant", 0xf, &r.variant);
	number(text, "CPU revision", 0xf, &r.revision);
	*m = r;
	return true;
}
