/* Syscall number -> class, from this architecture's <sys/syscall.h>: the BPF program reads
 * the result from an array map, so it needs no per-architecture table of its own. The
 * classes (bpf/ebpf-maps.h) follow what tells a miner from other busy programs: it waits on
 * futexes, maps memory once, flips JIT pages with mprotect (W^X) or never (RWX), and talks to
 * one socket; file I/O and timers belong to everything else. 32-bit compat calls on x86_64
 * use other numbers and count as "other". */
#include "fingerprint/collect/backends/ebpf-syscalls.h"

#include <stddef.h>
#include <sys/syscall.h>

#define SC(name, cls) { SYS_##name, PP_SC_##cls },

static const struct {
	long nr;
	enum pp_sc_class cls;
} table[] = {
	/* The generic numbers every architecture has. */
	SC(futex, SYNC) SC(sched_yield, SYNC)
	SC(mmap, MEMORY) SC(munmap, MEMORY) SC(mremap, MEMORY) SC(madvise, MEMORY) SC(brk, MEMORY)
	SC(mlock, MEMORY) SC(munlock, MEMORY) SC(mlock2, MEMORY) SC(mincore, MEMORY)
	SC(mprotect, PROTECT) SC(pkey_mprotect, PROTECT)
	SC(read, FILE) SC(write, FILE) SC(pread64, FILE) SC(pwrite64, FILE) SC(readv, FILE)
	SC(writev, FILE) SC(preadv, FILE) SC(pwritev, FILE) SC(preadv2, FILE) SC(pwritev2, FILE)
	SC(openat, FILE) SC(close, FILE) SC(newfstatat, FILE) SC(fstat, FILE) SC(statx, FILE)
	SC(lseek, FILE) SC(getdents64, FILE) SC(fsync, FILE) SC(fdatasync, FILE)
	SC(faccessat, FILE) SC(readlinkat, FILE) SC(unlinkat, FILE) SC(renameat2, FILE)
	SC(mkdirat, FILE) SC(ftruncate, FILE) SC(fallocate, FILE) SC(pipe2, FILE) SC(dup, FILE)
	SC(dup3, FILE) SC(fcntl, FILE) SC(copy_file_range, FILE) SC(splice, FILE)
	SC(sendfile, FILE)
	SC(socket, NET) SC(connect, NET) SC(accept, NET) SC(accept4, NET) SC(bind, NET)
	SC(listen, NET) SC(sendto, NET) SC(recvfrom, NET) SC(sendmsg, NET) SC(recvmsg, NET)
	SC(sendmmsg, NET) SC(recvmmsg, NET) SC(shutdown, NET) SC(getsockopt, NET)
	SC(setsockopt, NET) SC(getsockname, NET) SC(getpeername, NET) SC(ppoll, NET)
	SC(pselect6, NET) SC(epoll_pwait, NET) SC(epoll_ctl, NET) SC(epoll_create1, NET)
	SC(clock_gettime, TIME) SC(clock_getres, TIME) SC(gettimeofday, TIME)
	SC(nanosleep, TIME) SC(clock_nanosleep, TIME) SC(timerfd_create, TIME)
	SC(timerfd_settime, TIME) SC(timerfd_gettime, TIME) SC(setitimer, TIME)
	SC(getitimer, TIME) SC(timer_create, TIME) SC(timer_settime, TIME) SC(times, TIME)
#ifdef SYS_futex_waitv
	SC(futex_waitv, SYNC)
#endif
#ifdef SYS_openat2
	SC(openat2, FILE)
#endif
#ifdef SYS_faccessat2
	SC(faccessat2, FILE)
#endif
#ifdef SYS_epoll_pwait2
	SC(epoll_pwait2, NET)
#endif
#ifdef __x86_64__
	/* The older calls x86_64 keeps beside the generic ones. */
	SC(open, FILE) SC(creat, FILE) SC(stat, FILE) SC(lstat, FILE) SC(access, FILE)
	SC(readlink, FILE) SC(unlink, FILE) SC(rename, FILE) SC(renameat, FILE)
	SC(mkdir, FILE) SC(pipe, FILE) SC(dup2, FILE)
	SC(poll, NET) SC(select, NET) SC(epoll_wait, NET) SC(epoll_create, NET)
	SC(time, TIME) SC(alarm, TIME)
#endif
};

enum pp_sc_class pp_sc_class_of(long nr)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].nr == nr)
			return table[i].cls;
	return PP_SC_OTHER;
}

const char *pp_sc_class_name(int cls)
{
#define PP_SC_NAME(id, name) name,
	static const char *const names[PP_SC_NCLASSES] = { PP_SC_CLASSES(PP_SC_NAME) };
#undef PP_SC_NAME
	return cls >= 0 && cls < PP_SC_NCLASSES ? names[cls] : NULL;
}
