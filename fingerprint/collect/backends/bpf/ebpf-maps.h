/* What the eBPF program (ebpf.bpf.c) and its loader (../ebpf.c) share: the per-process record
 * in the counts map and the syscall classes. Plain C types only: the BPF side has no libc. */
#ifndef PP_COLLECT_EBPF_MAPS_H
#define PP_COLLECT_EBPF_MAPS_H

/* Syscall classes, one counter each. The loader fills the number-to-class array map from the
 * target's <sys/syscall.h>, so the BPF program stays the same on every architecture. */
#define PP_SC_CLASSES(X) \
	X(SYNC, "sync")       /* futex, sched_yield: threads waiting on each other */ \
	X(MEMORY, "memory")   /* mmap, munmap, mremap, madvise, brk */ \
	X(PROTECT, "protect") /* mprotect: a W^X JIT flips pages per program */ \
	X(FILE, "file")       /* open, read, write, stat, ... on files and pipes */ \
	X(NET, "net")         /* sockets, and the polling that waits on them */ \
	X(TIME, "time")       /* clocks, sleeps and timers */ \
	X(OTHER, "other")

#define PP_SC_ENUM(id, name) PP_SC_##id,
enum pp_sc_class { PP_SC_CLASSES(PP_SC_ENUM) PP_SC_NCLASSES };
#undef PP_SC_ENUM

/* Syscall numbers at or above this count as "other" without a lookup. */
#define PP_SC_MAX_NR 512

/* Cumulative counts of one process (thread group) since its record was created. */
struct pp_ebpf_counts {
	unsigned long long sc[PP_SC_NCLASSES];
	unsigned long long fp_switches;      /* switches away with user FPU state saved */
	unsigned long long fp_nondefault;    /* ... of which rounding was not to-nearest */
	unsigned long long fp_preempted;     /* ... of which the task was still runnable */
	unsigned long long fp_preempted_nondefault;
};

/* Each CPU's syscall counts of the last process that made a call on it, added to that
 * process's record when another process makes one there. A syscall-heavy process then costs
 * an array slot and an increment per call, not a hash lookup and an atomic add; a reader adds
 * the slots that name its process to its record (read the record first: a slot flushed in
 * between is then counted in the next window, never twice). */
struct pp_ebpf_slot {
	unsigned int tgid;                   /* 0: empty */
	unsigned int pad;
	unsigned long long sc[PP_SC_NCLASSES];
};

/* Records kept at most (LRU: the least recently updated goes first). */
#define PP_EBPF_MAX_PROCS 16384

/* Which saved-register layout the program found (the `layout` global, for tests and info). */
enum pp_fpu_layout {
	PP_FPU_LAYOUT_NONE = 0,              /* no switch seen yet */
	PP_FPU_LAYOUT_FPSTATE = 1,           /* x86 since Linux 5.16: fpu->fpstate->regs */
	PP_FPU_LAYOUT_STATE = 2,             /* x86 before 5.16: fpu->state */
	PP_FPU_LAYOUT_ARM64 = 3,             /* task->thread.uw.fpsimd_state.fpcr */
};

#endif
