// SPDX-License-Identifier: GPL-2.0
/* The eBPF side of the ebpf collector backend: per process (thread group), how often its
 * saved floating-point state had a rounding mode other than round-to-nearest when it was
 * switched out, and its system calls by class. One instance serves every target of a
 * collector process: the maps are keyed by process, so the cost follows the host's switch and
 * syscall rate, not the number of targets.
 *
 * CO-RE without vmlinux.h: only the kernel fields read are declared below, with
 * preserve_access_index, and libbpf relocates them against the running kernel's BTF. The x86
 * FPU moved in Linux 5.16 (struct fpu's register union went behind fpu->fpstate); both
 * layouts are declared and bpf_core_field_exists picks the one the kernel has at load time.
 *
 * GPL: the verifier grants tracing helpers to GPL programs only. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "ebpf-maps.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PP_EBPF_MAX_PROCS);
	__type(key, __u32);                  /* tgid */
	__type(value, struct pp_ebpf_counts);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pp_ebpf_slot);
} slot SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PP_SC_MAX_NR);
	__type(key, __u32);
	__type(value, __u8);                 /* enum pp_sc_class */
} sc_class SEC(".maps");

/* The layout the FPU hook read (enum pp_fpu_layout): tests check which CO-RE path ran. */
__u32 layout = PP_FPU_LAYOUT_NONE;

static __always_inline struct pp_ebpf_counts *counts_of(__u32 tgid)
{
	struct pp_ebpf_counts *c = bpf_map_lookup_elem(&counts, &tgid);
	if (c)
		return c;
	struct pp_ebpf_counts zero = {};
	bpf_map_update_elem(&counts, &tgid, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&counts, &tgid);
}

/* Moves a CPU's slot into its process's record (tracepoints run with preemption off: the
 * slot is this CPU's alone while the program runs). Cleared before it names another process,
 * so a reader that sees the new process never sees the old one's counts. */
static __always_inline void flush(struct pp_ebpf_slot *s)
{
	struct pp_ebpf_counts *c = counts_of(s->tgid);
	for (int k = 0; k < PP_SC_NCLASSES; k++) {
		if (c && s->sc[k])
			__sync_fetch_and_add(&c->sc[k], s->sc[k]);
		s->sc[k] = 0;
	}
}

SEC("tp_btf/sys_enter")
int BPF_PROG(pp_sys_enter, struct pt_regs *regs, long id)
{
	__u32 zero = 0, tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 nr = (__u32)id, cls = PP_SC_OTHER;
	struct pp_ebpf_slot *s = bpf_map_lookup_elem(&slot, &zero);
	if (!s)
		return 0;
	if (nr < PP_SC_MAX_NR) {
		__u8 *k = bpf_map_lookup_elem(&sc_class, &nr);
		if (k && *k < PP_SC_NCLASSES)
			cls = *k;
	}
	if (s->tgid != tgid) {
		if (s->tgid)
			flush(s);
		s->tgid = tgid;
	}
	if (cls < PP_SC_NCLASSES)
		s->sc[cls]++;
	return 0;
}

/* A preempted task was switched out mid-computation, with whatever rounding mode its code
 * had set; one that blocked did so in a system call, where RandomX libraries have restored
 * round-to-nearest after their last hash. */
static __always_inline void count_switch(int nondefault, int preempted)
{
	struct pp_ebpf_counts *c = counts_of(bpf_get_current_pid_tgid() >> 32);
	if (!c)
		return;
	__sync_fetch_and_add(&c->fp_switches, 1);
	if (nondefault)
		__sync_fetch_and_add(&c->fp_nondefault, 1);
	if (preempted) {
		__sync_fetch_and_add(&c->fp_preempted, 1);
		if (nondefault)
			__sync_fetch_and_add(&c->fp_preempted_nondefault, 1);
	}
}


#if defined(__TARGET_ARCH_x86)
/* Both layouts lead to the legacy FXSAVE area, whose MXCSR the XSAVE forms also fill. */
struct fxregs_state {
	__u32 mxcsr;
} __attribute__((preserve_access_index));

union fpregs_state {
	struct fxregs_state fxsave;
} __attribute__((preserve_access_index));

struct fpstate {
	union fpregs_state regs;
} __attribute__((preserve_access_index));

struct fpu {
	struct fpstate *fpstate;             /* Linux 5.16 and later */
} __attribute__((preserve_access_index));

struct fpu___before_5_16 {
	union fpregs_state state;
} __attribute__((preserve_access_index));

#define MXCSR_RC 0x6000u                 /* rounding control, bits 13-14; 0 = to nearest */

/* The task's scheduler state (0 = TASK_RUNNING: preempted, not blocked); Linux 5.14 renamed
 * it from state to __state. */
struct task_struct {
	unsigned int __state;
} __attribute__((preserve_access_index));

struct task_struct___before_5_14 {
	long state;
} __attribute__((preserve_access_index));

static __always_inline int current_preempted(void)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state) == 0;
	struct task_struct___before_5_14 *old = (void *)t;
	return BPF_CORE_READ(old, state) == 0;
}

/* After switch_fpu_prepare() saved the outgoing task's registers: current is that task. */
SEC("tp_btf/x86_fpu_regs_deactivated")
int BPF_PROG(pp_fpu_deactivated, struct fpu *fpu)
{
	__u32 mxcsr = 0;
	if (bpf_core_field_exists(fpu->fpstate)) {
		struct fpstate *fs = BPF_CORE_READ(fpu, fpstate);
		mxcsr = BPF_CORE_READ(fs, regs.fxsave.mxcsr);
		layout = PP_FPU_LAYOUT_FPSTATE;
	} else {
		struct fpu___before_5_16 *old = (void *)fpu;
		mxcsr = BPF_CORE_READ(old, state.fxsave.mxcsr);
		layout = PP_FPU_LAYOUT_STATE;
	}
	count_switch((mxcsr & MXCSR_RC) != 0, current_preempted());
	return 0;
}
#elif defined(__TARGET_ARCH_arm64)
/* FPCR is saved with the FP/SIMD registers in thread.uw.fpsimd_state when a task is switched
 * out (fpsimd_thread_switch, after the sched_switch tracepoint): reading the outgoing task's
 * copy at sched_switch sees the mode it had at its previous switch, one switch late. */
struct user_fpsimd_state {
	__u32 fpcr;
} __attribute__((preserve_access_index));

struct thread_struct {
	struct {
		struct user_fpsimd_state fpsimd_state;
	} uw;
} __attribute__((preserve_access_index));

struct task_struct {
	struct thread_struct thread;
	__u32 flags;
} __attribute__((preserve_access_index));

#define FPCR_RMODE (3u << 22)            /* 0 = round to nearest */
#define PF_KTHREAD 0x00200000u

SEC("tp_btf/sched_switch")
int BPF_PROG(pp_fpu_deactivated, _Bool preempt, struct task_struct *prev)
{
	if (BPF_CORE_READ(prev, flags) & PF_KTHREAD)
		return 0;
	__u32 fpcr = BPF_CORE_READ(prev, thread.uw.fpsimd_state.fpcr);
	layout = PP_FPU_LAYOUT_ARM64;
	count_switch((fpcr & FPCR_RMODE) != 0, preempt);
	return 0;
}
#endif
