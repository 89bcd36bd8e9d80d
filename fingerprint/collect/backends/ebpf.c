/* ebpf: per process, how many context switches and preemptions found the FPU rounding mode
 * off round-to-nearest (RandomX's CFROUND leaves it so; almost nothing else does), and system
 * calls by class (bpf/ebpf-maps.h). The BPF program (bpf/ebpf.bpf.c, built into a libbpf
 * skeleton at build time) is loaded once per collector process and shared by every target:
 * each collector only remembers its process's counts at the last window and reads the
 * difference, two map lookups per window. Needs BTF (/sys/kernel/btf/vmlinux), CAP_BPF and
 * CAP_PERFMON (or root) and Linux 5.5 (BTF-typed tracepoints); without the FPU tracepoint
 * (x86: x86_fpu_regs_deactivated) it still counts syscalls and leaves the rounding counts
 * unknown. */
#include "fingerprint/collect/collector.h"
#include "fingerprint/collect/backends/ebpf-backend.h"
#include "fingerprint/collect/backends/ebpf-syscalls.h"
#include "core/why.h"

#include "pp_ebpf.skel.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define B "ebpf"
#define BTF_PATH "/sys/kernel/btf/vmlinux"

/* The one loaded program of this process and who uses it. Loaded by the first probe (loading
 * parses the kernel's BTF and runs the verifier: a tenth of a second) and kept until the
 * process exits, so that the recorder's hundreds of runs do not load it hundreds of times. */
static struct {
	pthread_mutex_t lock;
	struct pp_ebpf *skel;
	bool attached;
	int users;                 /* open collectors */
	int enabled;               /* ... of which counting */
	bool fpu;                  /* the rounding-mode hook is loaded */
	struct pp_ebpf_slot *slots;  /* one per possible CPU, for reading the slot map */
	int ncpus;
	bool probed;
	int probe_err;
	char probe_why[256];
} g = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* libbpf's last message while loading, to explain a failure (it prints the verifier log). */
static char libbpf_msg[256];

static int capture_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	char line[256];
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n > 0 && line[0] && line[0] != '\n') {
		line[strcspn(line, "\n")] = '\0';
		snprintf(libbpf_msg, sizeof(libbpf_msg), "%s", line);
	}
	return 0;
}

/* What to do about err when loading or attaching. */
static int load_why(int err, const char *what, char *why, size_t len)
{
	if (err == -EPERM || err == -EACCES)
		return pp_why(why, len, err, "%s: not permitted; run as root, or grant CAP_BPF and "
			      "CAP_PERFMON (Linux 5.8 or later)", what);
	if (err == -ENOSYS || err == -EOPNOTSUPP)
		return pp_why(why, len, err, "%s: this kernel has no BPF tracing (Linux 5.5 with "
			      "CONFIG_BPF_SYSCALL and BTF-typed tracepoints are needed)", what);
	return pp_why(why, len, err, "%s: %s%s%s", what, strerror(-err),
		      libbpf_msg[0] ? "; libbpf: " : "", libbpf_msg);
}

/* The number-to-class array the program looks syscalls up in. */
static int fill_classes(struct pp_ebpf *s)
{
	int fd = bpf_map__fd(s->maps.sc_class);
	for (__u32 nr = 0; nr < PP_SC_MAX_NR; nr++) {
		__u8 cls = (__u8)pp_sc_class_of((long)nr);
		if (cls != PP_SC_OTHER && bpf_map_update_elem(fd, &nr, &cls, BPF_ANY) < 0)
			return -errno;
	}
	return 0;
}

/* Opens and loads a program, with the FPU hook when the kernel has it. btf_path: relocate
 * against this BTF instead of the kernel's (pp_ebpf_layout_check). */
static int load(const char *btf_path, struct pp_ebpf **out, bool *fpu, char *why, size_t len)
{
	libbpf_print_fn_t old = libbpf_set_print(capture_print);
	int err = 0;
	struct pp_ebpf *s = NULL;
	for (int with_fpu = 1; with_fpu >= 0; with_fpu--) {
		libbpf_msg[0] = '\0';
		LIBBPF_OPTS(bpf_object_open_opts, o, .btf_custom_path = btf_path);
		s = pp_ebpf__open_opts(&o);
		if (!s) {
			err = -errno;
			load_why(err, "cannot open the BPF object", why, len);
			break;
		}
		bpf_program__set_autoload(s->progs.pp_fpu_deactivated, with_fpu);
		err = pp_ebpf__load(s);
		if (!err)
			err = fill_classes(s);
		if (!err) {
			*fpu = with_fpu;
			break;
		}
		load_why(err, "cannot load the BPF program", why, len);
		pp_ebpf__destroy(s);
		s = NULL;
		/* Without the FPU tracepoint the attach target is missing (ESRCH/ENOENT); other
		 * errors fail the same way without it. */
		if (err != -ESRCH && err != -ENOENT && err != -EINVAL)
			break;
	}
	libbpf_set_print(old);
	*out = s;
	return s ? 0 : err;
}

static int attach(struct pp_ebpf *s, char *why, size_t len)
{
	libbpf_print_fn_t old = libbpf_set_print(capture_print);
	libbpf_msg[0] = '\0';
	int err = pp_ebpf__attach(s);
	libbpf_set_print(old);
	return err ? load_why(err, "cannot attach the BPF tracepoints", why, len) : 0;
}

static int ebpf_probe_locked(char *why, size_t len)
{
	if (g.skel)
		return 0;
	if (!g.probed) {
		g.probed = true;
		struct utsname u;
		int major = 0, minor = 0;
		if (uname(&u) == 0 && sscanf(u.release, "%d.%d", &major, &minor) == 2 &&
		    (major < 5 || (major == 5 && minor < 5))) {
			g.probe_err = pp_why(g.probe_why, sizeof(g.probe_why), -EOPNOTSUPP,
					     "Linux %d.%d is too old: BTF-typed tracepoints need 5.5",
					     major, minor);
		} else if (access(BTF_PATH, R_OK) != 0) {
			g.probe_err = pp_why(g.probe_why, sizeof(g.probe_why), -ENOENT,
					     "no kernel BTF (%s): the kernel was built without "
					     "CONFIG_DEBUG_INFO_BTF, which CO-RE programs need", BTF_PATH);
		} else {
			/* Attaching is part of the test (it needs more than loading on some
			 * kernels); the program is detached until a collector counts. */
			struct pp_ebpf *s;
			bool fpu;
			g.probe_err = load(NULL, &s, &fpu, g.probe_why, sizeof(g.probe_why));
			if (!g.probe_err)
				g.probe_err = attach(s, g.probe_why, sizeof(g.probe_why));
			if (s)
				pp_ebpf__detach(s);
			if (!g.probe_err) {
				g.skel = s;
				g.fpu = fpu;
			} else if (s) {
				pp_ebpf__destroy(s);
			}
		}
	}
	if (g.probe_err)
		snprintf(why, len, "%s", g.probe_why);
	else if (!g.fpu)
		snprintf(why, len, "syscalls only: this kernel has no FPU switch tracepoint, the "
			 "rounding mode is unknown");
	else if (len)
		why[0] = '\0';
	return g.probe_err;
}

static int ebpf_probe(char *why, size_t len)
{
	pthread_mutex_lock(&g.lock);
	int err = ebpf_probe_locked(why, len);
	pthread_mutex_unlock(&g.lock);
	return err;
}

struct ebpf_priv {
	__u32 tgid;
	struct pp_ebpf_counts last;  /* the process's counts at the last window's end */
	bool enabled;
};

/* The process's record plus the CPU slots that still hold some of its calls (ebpf-maps.h:
 * the record first, then the slots). */
static void lookup(__u32 tgid, struct pp_ebpf_counts *c)
{
	if (bpf_map_lookup_elem(bpf_map__fd(g.skel->maps.counts), &tgid, c) < 0)
		memset(c, 0, sizeof(*c));  /* no switch nor syscall seen yet */
	__u32 zero = 0;
	if (g.slots && bpf_map_lookup_elem(bpf_map__fd(g.skel->maps.slot), &zero, g.slots) == 0)
		for (int cpu = 0; cpu < g.ncpus; cpu++)
			if (g.slots[cpu].tgid == tgid)
				for (int k = 0; k < PP_SC_NCLASSES; k++)
					c->sc[k] += g.slots[cpu].sc[k];
}

static int ebpf_open(void *priv, struct pp_backend_ctx *ctx)
{
	struct ebpf_priv *p = priv;
	int err = 0;
	pthread_mutex_lock(&g.lock);
	if (!g.skel)
		err = load(NULL, &g.skel, &g.fpu, ctx->why, ctx->why_len);
	if (!err && !g.slots) {
		g.ncpus = libbpf_num_possible_cpus();
		g.slots = g.ncpus > 0 ? calloc((size_t)g.ncpus, sizeof(*g.slots)) : NULL;
		if (!g.slots)
			err = pp_why(ctx->why, ctx->why_len, -ENOMEM, "out of memory");
	}
	if (!err) {
		g.users++;
		p->tgid = (__u32)ctx->tgt->pid;
		lookup(p->tgid, &p->last);
		if (!g.fpu)
			ctx->warn(ctx, "ebpf: no FPU switch tracepoint on this kernel: counting "
				  "syscalls only, the rounding mode is unknown");
	}
	pthread_mutex_unlock(&g.lock);
	return err;
}

/* Attached while any collector counts: pausing them all removes the programs' cost. */
static int ebpf_enable(void *priv, bool on)
{
	struct ebpf_priv *p = priv;
	int err = 0;
	pthread_mutex_lock(&g.lock);
	if (on != p->enabled) {
		if (on && !g.attached) {
			char why[256];
			err = attach(g.skel, why, sizeof(why));
			g.attached = !err;
		} else if (!on && g.enabled == 1) {
			pp_ebpf__detach(g.skel);
			g.attached = false;
		}
		if (!err) {
			p->enabled = on;
			g.enabled += on ? 1 : -1;
		}
	}
	if (!err && on) /* nothing counted while paused belongs to the next window */
		lookup(p->tgid, &p->last);
	pthread_mutex_unlock(&g.lock);
	return err;
}

/* now - before; 0 when the count went back (its record was evicted and created anew, or a
 * slot was read while its CPU moved it into the record): the next window counts from now. */
static double delta(unsigned long long now, unsigned long long before)
{
	return now >= before ? (double)(now - before) : 0;
}

static int ebpf_read(void *priv, struct pp_window *w)
{
	struct ebpf_priv *p = priv;
	struct pp_ebpf_counts now;
	pthread_mutex_lock(&g.lock);
	lookup(p->tgid, &now);
	bool fpu = g.fpu;
	pthread_mutex_unlock(&g.lock);

	for (int k = 0; k < PP_SC_NCLASSES; k++) {
		char name[32];
		snprintf(name, sizeof(name), "bpf.sc.%s", pp_sc_class_name(k));
		pp_window_add(w, B, name, delta(now.sc[k], p->last.sc[k]), 1, false);
	}
	pp_window_add(w, B, "bpf.fp_switches",
		      fpu ? delta(now.fp_switches, p->last.fp_switches) : NAN, 1, false);
	pp_window_add(w, B, "bpf.fp_round_nondefault",
		      fpu ? delta(now.fp_nondefault, p->last.fp_nondefault) : NAN, 1, false);
	pp_window_add(w, B, "bpf.fp_preempted",
		      fpu ? delta(now.fp_preempted, p->last.fp_preempted) : NAN, 1, false);
	pp_window_add(w, B, "bpf.fp_preempted_nondefault",
		      fpu ? delta(now.fp_preempted_nondefault, p->last.fp_preempted_nondefault)
			  : NAN, 1, false);
	p->last = now;
	return 0;
}

static void ebpf_close(void *priv)
{
	struct ebpf_priv *p = priv;
	pthread_mutex_lock(&g.lock);
	if (p->enabled)
		g.enabled--;
	/* Nobody counts any more: the program's cost goes with it (it stays loaded). */
	if (--g.users == 0 && g.attached) {
		pp_ebpf__detach(g.skel);
		g.attached = false;
	}
	pthread_mutex_unlock(&g.lock);
}

int pp_ebpf_layout_check(const char *btf_path, int *layout, char *why, size_t len)
{
	struct pp_ebpf *s;
	bool fpu;
	int err = load(btf_path, &s, &fpu, why, len);
	if (err)
		return err;
	if (!fpu) {
		pp_ebpf__destroy(s);
		return pp_why(why, len, -ENOENT, "no FPU switch tracepoint on this kernel");
	}
	err = attach(s, why, len);
	/* Give the hook switches to see: sleeping switches this thread out with its FPU state
	 * live (a thread that used SSE since it last ran). */
	for (int i = 0; !err && i < 200 && s->bss->layout == PP_FPU_LAYOUT_NONE; i++) {
		volatile double x = 1.5 * (i + 1);
		(void)x;
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	*layout = (int)s->bss->layout;
	pp_ebpf__destroy(s);
	return err;
}

/* The raw counts this backend puts in a window (the backend table, backends.c). */
const char *const pp_backend_ebpf_counts[] = {
#define PP_SC_COUNT(id, name) "bpf.sc." name,
	PP_SC_CLASSES(PP_SC_COUNT)
#undef PP_SC_COUNT
	"bpf.fp_switches", "bpf.fp_round_nondefault", "bpf.fp_preempted",
	"bpf.fp_preempted_nondefault", NULL,
};

const struct pp_backend_ops pp_backend_ebpf = {
	.name = "ebpf",
	.summary = "eBPF: FPU rounding mode at context switches, system calls by class",
	.priv_size = sizeof(struct ebpf_priv),
	.probe = ebpf_probe, .open = ebpf_open, .enable = ebpf_enable, .read = ebpf_read,
	.close = ebpf_close,
};
