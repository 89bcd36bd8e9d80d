/* Kernel types as Linux 5.4-5.13 declared them (only the fields the ebpf backend reads),
 * compiled with clang -target bpf -g into an object whose .BTF section stands in for an old
 * kernel's /sys/kernel/btf/vmlinux: the ebpf backend's CO-RE relocations against it take the
 * pre-5.16 FPU path and the pre-5.14 task-state path (tests/test-backend-ebpf.c). */
struct fxregs_state {
	unsigned short cwd, swd, twd, fop;
	unsigned long long rip, rdp;
	unsigned int mxcsr, mxcsr_mask;
};

union fpregs_state {
	struct fxregs_state fxsave;
	unsigned char __padding[4096];
};

struct fpu {
	unsigned int last_cpu;
	unsigned long avx512_timestamp;
	union fpregs_state state;   /* the registers, inline: no fpu->fpstate before 5.16 */
};

struct task_struct {
	long state;                 /* renamed __state in 5.14 */
	unsigned int flags;
};

struct fpu example_fpu;
struct task_struct example_task;
