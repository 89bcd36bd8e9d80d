/* core's small shared helpers: the hex codec and its options, "why" formatting, the clocks
 * and pp_strerror. */
#include "core/clock.h"
#include "core/hex.h"
#include "core/midr.h"
#include "core/why.h"

#include <powprint/error.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

Test(hex, round_trip_both_cases)
{
	uint8_t out[4];
	cr_assert_eq(pp_hex_decode("00fFa5C3", out, sizeof(out)), 4);
	cr_assert_eq(out[0], 0x00);
	cr_assert_eq(out[1], 0xff);
	cr_assert_eq(out[2], 0xa5);
	cr_assert_eq(out[3], 0xc3);
	char hex[9];
	pp_hex_encode(out, 4, hex);
	cr_assert_str_eq(hex, "00ffa5c3");
	pp_hex_encode(out, 0, hex);
	cr_assert_str_eq(hex, "");
}

Test(hex, errors)
{
	uint8_t out[2];
	cr_assert_eq(pp_hex_decode("abc", out, sizeof(out)), -EINVAL, "odd length");
	cr_assert_eq(pp_hex_decode("zz", out, sizeof(out)), -EINVAL, "bad digit");
	cr_assert_eq(pp_hex_decode("a0 1", out, sizeof(out)), -EINVAL, "space");
	cr_assert_eq(pp_hex_decode("001122", out, sizeof(out)), -ERANGE, "too long");
	cr_assert_eq(pp_hex_decode("", out, sizeof(out)), 0);
	cr_assert_eq(pp_hex_decode("x", out, sizeof(out)), -EINVAL, "'x' only with the option");
}

Test(hex, options)
{
	uint8_t out[2] = { 7, 7 };
	cr_assert_eq(pp_hex_decode_flags("x", PP_HEX_X_EMPTY, out, sizeof(out)), 0);
	cr_assert_eq(out[0], 7, "nothing written for the empty input");
	cr_assert_eq(pp_hex_decode_flags("ab", PP_HEX_X_EMPTY, out, sizeof(out)), 1);
	cr_assert_eq(pp_hex_decode_flags("ab", PP_HEX_EXACT, out, sizeof(out)), -EINVAL);
	cr_assert_eq(pp_hex_decode_flags("abcd", PP_HEX_EXACT, out, sizeof(out)), 2);
	cr_assert_eq(pp_hex_decode_flags("x", PP_HEX_X_EMPTY | PP_HEX_EXACT, out, 0), 0);
	cr_assert_eq(pp_hex_decode_flags("x", PP_HEX_X_EMPTY | PP_HEX_EXACT, out, 1), -EINVAL);
}

Test(why, formats_and_returns_err)
{
	char why[16] = "unchanged";
	cr_assert_eq(pp_why(why, sizeof(why), -ENOENT, "no %s here", "model"), -ENOENT);
	cr_assert_str_eq(why, "no model here");
	cr_assert_eq(pp_why(why, sizeof(why), -EINVAL, "%s", "a sentence longer than 16"), -EINVAL);
	cr_assert_eq(strlen(why), sizeof(why) - 1, "truncated, NUL-terminated");
	cr_assert_eq(pp_why(NULL, 0, -EIO, "ignored"), -EIO);
}

Test(clock, monotonic_and_cpu_time_advance)
{
	double m0 = pp_clock_mono_s(), c0 = pp_clock_cpu_s(), t0 = pp_clock_thread_cpu_s();
	volatile unsigned long x = 0;
	while (pp_clock_thread_cpu_s() - t0 < 0.02)
		x++;
	double m1 = pp_clock_mono_s(), c1 = pp_clock_cpu_s();
	cr_assert_geq(m1 - m0, 0.02, "20 ms of this thread's CPU took %.4f s of wall time",
		      m1 - m0);
	cr_assert_geq(c1 - c0, 0.02, "process CPU time moved %.4f s", c1 - c0);
	/* Unix time, not seconds since boot: after 2020-01-01. */
	cr_assert_gt(pp_clock_unix_s(), 1577836800.0);
}

Test(error, plain_errno_text_for_either_sign)
{
	cr_assert_str_eq(pp_strerror(-ENODEV), strerror(ENODEV));
	cr_assert_str_eq(pp_strerror(EACCES), strerror(EACCES));
	cr_assert_str_eq(pp_strerror(0), strerror(0));
}

/* Arm identity from /proc/cpuinfo as Linux prints it: an AWS Graviton2 (Neoverse N1 r3p1),
 * QEMU's -cpu max, and a part the table does not know. */
Test(midr, cores_from_cpuinfo)
{
	static const char graviton2[] =
		"processor\t: 0\nBogoMIPS\t: 243.75\nFeatures\t: fp asimd evtstrm aes pmull sha1 "
		"sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp ssbs\n"
		"CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x3\n"
		"CPU part\t: 0xd0c\nCPU revision\t: 1\n\nprocessor\t: 1\nCPU implementer\t: 0x61\n"
		"CPU part\t: 0x022\n";
	struct pp_midr m;
	cr_assert(pp_midr_parse_cpuinfo(graviton2, &m));
	cr_expect_eq(m.implementer, 0x41);
	cr_expect_eq(m.variant, 3);
	cr_expect_eq(m.part, 0xd0c);
	cr_expect_eq(m.revision, 1);
	cr_expect_eq(pp_midr_value(&m), 0x413fd0c1u);
	cr_expect_str_eq(pp_midr_vendor(m.implementer), "Arm");
	cr_expect_str_eq(pp_midr_core(m.implementer, m.part), "Neoverse N1");

	static const char qemu[] = "processor\t: 0\nCPU implementer\t: 0x00\nCPU architecture: 8\n"
				   "CPU variant\t: 0x0\nCPU part\t: 0x051\nCPU revision\t: 0\n";
	cr_assert(pp_midr_parse_cpuinfo(qemu, &m));
	cr_expect_str_eq(pp_midr_core(m.implementer, m.part), "QEMU -cpu max");

	static const char unknown[] = "CPU implementer\t: 0x41\nCPU part\t: 0xfff\n";
	cr_assert(pp_midr_parse_cpuinfo(unknown, &m));
	cr_expect_null(pp_midr_core(m.implementer, m.part));
	cr_expect_null(pp_midr_vendor(0x99));
	/* The same part number means different cores at different implementers. */
	cr_expect_str_eq(pp_midr_core(0x46, 0x001), "A64FX");
	cr_expect_str_eq(pp_midr_core(0x51, 0x001), "Oryon");

	/* x86's cpuinfo, or a truncated one, has no MIDR. */
	cr_expect_not(pp_midr_parse_cpuinfo("processor\t: 0\nvendor_id\t: AuthenticAMD\n", &m));
	cr_expect_not(pp_midr_parse_cpuinfo("CPU implementer\t: 0x41\n", &m));
	cr_expect_not(pp_midr_parse_cpuinfo("CPU implementer\t: 0x41\nCPU part\t: 0x12345\n", &m));
	cr_expect_not(pp_midr_parse_cpuinfo(NULL, &m));
}
