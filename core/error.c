/* pp_strerror: errno values explained the way powprint hits them. */
#include <powprint/error.h>
#include <string.h>

const char *pp_strerror(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 0:
		return "success";
	case ENODEV:
		return "no such device: the kernel exposes no hardware PMU here (common in VMs); "
		       "use the software backends (perf-sw, ip-sample, procfs)";
	case EACCES:
	case EPERM:
		return "permission denied: lower /proc/sys/kernel/perf_event_paranoid, "
		       "/proc/sys/kernel/yama/ptrace_scope, or run as root / with CAP_PERFMON "
		       "and CAP_SYS_PTRACE";
	case ESRCH:
		return "no such process: it exited or never existed";
	case EINVAL:
		return "invalid argument";
	case ENOENT:
		return "not found";
	case ENOMEM:
		return "out of memory: try a smaller size (e.g. --mode light for RandomX)";
	case EOPNOTSUPP:
		return "not supported on this machine";
	case EBADMSG:
		return "malformed or corrupt input";
	case ERANGE:
		return "value out of range";
	default:
		return strerror(err);
	}
}
