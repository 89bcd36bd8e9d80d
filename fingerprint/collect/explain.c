/* Sentences for a person when attaching fails: which setting or capability is missing. */
#include "fingerprint/collect/collector.h"

#include <powprint/sysinfo.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int read_int_file(const char *path, int dflt)
{
	FILE *f = fopen(path, "r");
	int v = dflt;
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = dflt;
		fclose(f);
	}
	return v;
}

static void ptrace_hint(char *buf, size_t len)
{
	int scope = read_int_file("/proc/sys/kernel/yama/ptrace_scope", -1);
	if (scope < 0)
		snprintf(buf, len, "attaching to another user's process needs CAP_SYS_PTRACE (or root)");
	else
		snprintf(buf, len,
			 "kernel.yama.ptrace_scope is %d (%s); attaching to a process that is not your "
			 "descendant needs ptrace_scope 0 (sysctl kernel.yama.ptrace_scope=0) or "
			 "CAP_SYS_PTRACE, and another user's process needs CAP_SYS_PTRACE or root",
			 scope, scope == 0 ? "any process of yours" :
				scope == 1 ? "descendants only" : "admin only");
}

int pp_perf_why(int err, pid_t pid, const char *what, char *why, size_t len)
{
	if (!why || !len)
		return err;
	char who[32] = "this process";
	if (pid > 0)
		snprintf(who, sizeof(who), "pid %d", (int)pid);
	switch (-err) {
	case EACCES:
	case EPERM: {
		int par = read_int_file("/proc/sys/kernel/perf_event_paranoid", 99);
		char pt[384] = "";
		if (pid > 0 && pid != getpid())
			ptrace_hint(pt, sizeof(pt));
		/* CAP_PERFMON exists from Linux 5.8; before, perf needs CAP_SYS_ADMIN. */
		snprintf(why, len,
			 "opening %s on %s was refused: kernel.perf_event_paranoid is %d (user-space "
			 "counting of your own processes needs <= 2, kernel counting <= 1; "
			 "sysctl kernel.perf_event_paranoid=1) or run with %s / root%s%s",
			 what, who, par, pp_sysinfo_kernel_at_least(5, 8) ? "CAP_PERFMON" :
			 "CAP_SYS_ADMIN (this kernel predates CAP_PERFMON)", pt[0] ? "; " : "", pt);
		break;
	}
	case ESRCH:
		snprintf(why, len, "%s does not exist: it exited or never existed", who);
		break;
	case EMFILE:
	case ENFILE:
		snprintf(why, len,
			 "opening %s on %s: out of file descriptors (%s); raise the limit (ulimit -n)",
			 what, who, strerror(-err));
		break;
	case ENOENT:
	case ENODEV:
	case EOPNOTSUPP:
	case ENXIO:
		if (pp_sysinfo_hypervisor())
			snprintf(why, len,
				 "%s: not supported here (%s): this VM's hypervisor exposes no "
				 "virtual PMU, or not this event; use perf-sw, ip-sample and procfs",
				 what, strerror(-err));
		else
			snprintf(why, len,
				 "%s: not supported here (%s): this CPU's PMU, or the kernel's driver "
				 "for it, lacks the event (see `powprint info`); name events it has "
				 "with --events, or use perf-sw, ip-sample and procfs",
				 what, strerror(-err));
		break;
	default:
		snprintf(why, len, "opening %s on %s failed: %s", what, who, strerror(-err));
		break;
	}
	return err;
}

int pp_ptrace_why(int err, pid_t pid, char *why, size_t len)
{
	if (!why || !len)
		return err;
	if (err == -EPERM || err == -EACCES) {
		char pt[384];
		ptrace_hint(pt, sizeof(pt));
		snprintf(why, len, "reading the code of pid %d (process_vm_readv) was refused: %s",
			 (int)pid, pt);
	} else if (err == -ESRCH) {
		snprintf(why, len, "pid %d does not exist: it exited or never existed", (int)pid);
	} else {
		snprintf(why, len, "reading the code of pid %d failed: %s", (int)pid, strerror(-err));
	}
	return err;
}
