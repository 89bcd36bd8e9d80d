/* ebpf: per process, how many context switches and preemptions found the FPU rounding mode
 * off round-to-nearest (RandomX's CFROUND leaves it so; almost nothing else does), and system
 * calls by class (bpf/ebpf-maps.h). The BPF program (bpf/ebpf.bpf.c, built into a libbpf
 * skeleton at build time) is loaded once per collector process and shared by every target:
 * each collector only remembers its process's counts at the last window and reads the
 * difference, two map lookups per window.
 *
 * Enabling the syscall tracepoint sends every system call of every process through the
 * kernel's slow path (about 0.1 us each here, a tenth of a cheap syscall, whatever the
 * program does), so syscalls are sampled: a thread attaches that hook for PP_SC_SAMPLE_PCT_DEFAULT
 * percent of every SAMPLE_PERIOD_MS (pp_collect_opts.syscall_sample_pct changes it), and each
 * window scales its counts by the time they were counted. The FPU hook costs nothing
 * measurable (one per context switch) and stays attached. Needs BTF (/sys/kernel/btf/vmlinux), CAP_BPF and
 * CAP_PERFMON (or root) and Linux 5.5 (BTF-typed tracepoints); without the FPU tracepoint
 * (x86: x86_fpu_regs_deactivated) it still counts syscalls and leaves the rounding counts
 * unknown. */
#include "fingerprint/collect/collector.h"
#include "fingerprint/collect/backends/ebpf-backend.h"
#include "fingerprint/collect/backends/ebpf-syscalls.h"
#include "core/clock.h"
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
#define SAMPLE_PERIOD_MS 1000

/* The one loaded program of this process and who uses it. Loaded by the first probe (loading
 * parses the kernel's BTF and runs the verifier: a tenth of a second) and kept until the
 * process exits, so that the recorder's hundreds of runs do not load it hundreds of times. */
static struct {
	pthread_mutex_t lock;
	struct pp_ebpf *skel;
	struct bpf_link *fpu_link; /* the FPU hook: attached while a collector counts */
	int users;                 /* open collectors */
	int enabled;               /* ... of which counting */
	/* The syscall hook, attached by the sampler thread for share_pct of every period. */
	struct bpf_link *sys_link;
	pthread_t sampler;
	bool sampler_running, sampler_stop;
	pthread_cond_t wake;
	unsigned share_pct;        /* the most any counting collector asked for */
	double sys_on_since;       /* monotonic s of the attach, while attached */
	double sys_counted_s;      /* seconds attached before that */
	bool fpu;                  /* the rounding-mode hook is loaded */
	struct pp_ebpf_slot *slots;  /* one per possible CPU, for reading the slot map */
	int ncpus;
	bool probed;
	int probe_err;
	char probe_why[256];
} g = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER };

/* libbpf's last message while loading, to explain a failure (it prints the verifier log).
 * libbpf's print hook is process-wide: print_lock keeps the sampler thread's attaches and a
 * collector's load from swapping it under each other. */
static char libbpf_msg[256];
static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;

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
	/* Every entry: the array starts zeroed, and 0 is a class (sync). */
	for (__u32 nr = 0; nr < PP_SC_MAX_NR; nr++) {
		__u8 cls = (__u8)pp_sc_class_of((long)nr);
		if (bpf_map_update_elem(fd, &nr, &cls, BPF_ANY) < 0)
			return -errno;
	}
	return 0;
}

/* Opens and loads a program, with the FPU hook when the kernel has it. btf_path: relocate
 * against this BTF instead of the kernel's (pp_ebpf_layout_check). */
static int load(const char *btf_path, struct pp_ebpf **out, bool *fpu, char *why, size_t len)
{
	pthread_mutex_lock(&print_lock);
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
	pthread_mutex_unlock(&print_lock);
	*out = s;
	return s ? 0 : err;
}

static int attach(struct pp_ebpf *s, char *why, size_t len)
{
	pthread_mutex_lock(&print_lock);
	libbpf_print_fn_t old = libbpf_set_print(capture_print);
	libbpf_msg[0] = '\0';
	int err = pp_ebpf__attach(s);
	libbpf_set_print(old);
	if (err)
		load_why(err, "cannot attach the BPF tracepoints", why, len);
	pthread_mutex_unlock(&print_lock);
	return err;
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
				pp_ebpf__detach(s); /* the links are made anew by enable */
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
	unsigned share_pct;        /* syscalls counted this share of the time (percent) */
	struct pp_ebpf_counts last;  /* the process's counts at the last window's end */
	double last_counted_s;     /* counted_s_locked() then */
	double last_mono_s;
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
		p->share_pct = ctx->opts->syscall_sample_pct ? ctx->opts->syscall_sample_pct
							     : PP_SC_SAMPLE_PCT_DEFAULT;
		lookup(p->tgid, &p->last);
		if (!g.fpu)
			ctx->warn(ctx, "ebpf: no FPU switch tracepoint on this kernel: counting "
				  "syscalls only, the rounding mode is unknown");
	}
	pthread_mutex_unlock(&g.lock);
	return err;
}

static int attach_prog(struct bpf_program *prog, struct bpf_link **out, char *why, size_t len)
{
	pthread_mutex_lock(&print_lock);
	libbpf_print_fn_t old = libbpf_set_print(capture_print);
	libbpf_msg[0] = '\0';
	*out = bpf_program__attach(prog);
	int err = *out ? 0 : -errno;
	libbpf_set_print(old);
	if (err)
		load_why(err, "cannot attach the BPF tracepoint", why, len);
	pthread_mutex_unlock(&print_lock);
	return err;
}

/* Seconds the syscall hook has been attached since the program was loaded. */
static double counted_s_locked(void)
{
	return g.sys_counted_s + (g.sys_link ? pp_clock_mono_s() - g.sys_on_since : 0);
}

/* Waits on the sampler's condition for ms, or until told to stop; false when told. */
static bool sampler_sleep(unsigned ms)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += (long)(ms % 1000) * 1000000;
	until.tv_sec += ms / 1000 + until.tv_nsec / 1000000000;
	until.tv_nsec %= 1000000000;
	while (!g.sampler_stop && pthread_cond_timedwait(&g.wake, &g.lock, &until) == 0)
		;
	return !g.sampler_stop;
}

/* Attaches the syscall hook for share_pct of every SAMPLE_PERIOD_MS (always at 100). Attaching
 * and detaching happen without the lock, so readers do not wait for the kernel's RCU grace
 * period; only this thread changes sys_link. */
static void *sampler_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&g.lock);
	while (!g.sampler_stop) {
		unsigned share = g.share_pct;
		if (!g.sys_link) {
			pthread_mutex_unlock(&g.lock);
			char why[256];
			struct bpf_link *l;
			attach_prog(g.skel->progs.pp_sys_enter, &l, why, sizeof(why));
			pthread_mutex_lock(&g.lock);
			g.sys_link = l;
			g.sys_on_since = pp_clock_mono_s();
		}
		if (!sampler_sleep(share >= 100 ? SAMPLE_PERIOD_MS : SAMPLE_PERIOD_MS * share / 100))
			break;
		if (share >= 100 || !g.sys_link)
			continue;
		struct bpf_link *l = g.sys_link;
		g.sys_counted_s += pp_clock_mono_s() - g.sys_on_since;
		g.sys_link = NULL;
		pthread_mutex_unlock(&g.lock);
		bpf_link__destroy(l);
		pthread_mutex_lock(&g.lock);
		if (!sampler_sleep(SAMPLE_PERIOD_MS * (100 - share) / 100))
			break;
	}
	if (g.sys_link) {
		g.sys_counted_s += pp_clock_mono_s() - g.sys_on_since;
		bpf_link__destroy(g.sys_link);
		g.sys_link = NULL;
	}
	pthread_mutex_unlock(&g.lock);
	return NULL;
}

/* Called with the lock held when the last counting collector stops: the hooks go, and with
 * them their cost (the program stays loaded). */
static void stop_counting_locked(void)
{
	g.share_pct = 0; /* the next collectors say again how much they want */
	if (g.sampler_running) {
		g.sampler_stop = true;
		pthread_cond_broadcast(&g.wake);
		pthread_mutex_unlock(&g.lock);
		pthread_join(g.sampler, NULL);
		pthread_mutex_lock(&g.lock);
		g.sampler_running = false;
	}
	bpf_link__destroy(g.fpu_link);
	g.fpu_link = NULL;
}

static int start_counting_locked(char *why, size_t len)
{
	if (g.fpu && !g.fpu_link) {
		int err = attach_prog(g.skel->progs.pp_fpu_deactivated, &g.fpu_link, why, len);
		if (err)
			return err;
	}
	if (!g.sampler_running) {
		g.sampler_stop = false;
		int err = pthread_create(&g.sampler, NULL, sampler_main, NULL);
		if (err)
			return pp_why(why, len, -err, "cannot start the syscall sampler: %s",
				      strerror(err));
		g.sampler_running = true;
	}
	return 0;
}

/* Attached while any collector counts: pausing them all removes the programs' cost. */
static int ebpf_enable(void *priv, bool on)
{
	struct ebpf_priv *p = priv;
	int err = 0;
	pthread_mutex_lock(&g.lock);
	if (on != p->enabled) {
		char why[256];
		if (on && (err = start_counting_locked(why, sizeof(why))) == 0) {
			p->enabled = true;
			g.enabled++;
			if (p->share_pct > g.share_pct) {
				g.share_pct = p->share_pct;
				pthread_cond_broadcast(&g.wake);
			}
		} else if (!on) {
			p->enabled = false;
			if (--g.enabled == 0)
				stop_counting_locked();
		}
	}
	if (!err && on) { /* nothing counted while paused belongs to the next window */
		lookup(p->tgid, &p->last);
		p->last_counted_s = counted_s_locked();
		p->last_mono_s = pp_clock_mono_s();
	}
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
	double counted = counted_s_locked(), mono = pp_clock_mono_s();
	bool fpu = g.fpu;
	pthread_mutex_unlock(&g.lock);

	/* The syscalls of the time they were counted, scaled to the whole window; unknown when
	 * the window fell between two samples (windows shorter than the sampling period). */
	double on = counted - p->last_counted_s, wall = mono - p->last_mono_s;
	double scale = on > 0 && wall > 0 ? wall / on : NAN;
	if (scale < 1)
		scale = 1;
	for (int k = 0; k < PP_SC_NCLASSES; k++) {
		char name[32];
		snprintf(name, sizeof(name), "bpf.sc.%s", pp_sc_class_name(k));
		pp_window_add(w, B, name, delta(now.sc[k], p->last.sc[k]) * scale, 1, false);
	}
	pp_window_add(w, B, "bpf.sc_counted_ms", on * 1000, 1, false);
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
	p->last_counted_s = counted;
	p->last_mono_s = mono;
	return 0;
}

static void ebpf_close(void *priv)
{
	struct ebpf_priv *p = priv;
	pthread_mutex_lock(&g.lock);
	if (p->enabled && --g.enabled == 0)
		stop_counting_locked();
	g.users--;
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
	"bpf.sc_counted_ms", "bpf.fp_switches", "bpf.fp_round_nondefault", "bpf.fp_preempted",
	"bpf.fp_preempted_nondefault", NULL,
};

const struct pp_backend_ops pp_backend_ebpf = {
	.name = "ebpf",
	.summary = "eBPF: FPU rounding mode at context switches, system calls by class",
	.priv_size = sizeof(struct ebpf_priv),
	.probe = ebpf_probe, .open = ebpf_open, .enable = ebpf_enable, .read = ebpf_read,
	.close = ebpf_close,
};
