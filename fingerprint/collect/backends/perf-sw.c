/* perf-sw: the kernel's software events, available wherever perf_event_open is (VMs and
 * containers included). task-clock normalises every feature. */
#include "fingerprint/collect/evset.h"

#include <powprint/perf.h>

#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

static const struct {
	const char *name;
	unsigned long long config;
} sw_events[] = {
	{ "task-clock", PERF_COUNT_SW_TASK_CLOCK },
	{ "context-switches", PERF_COUNT_SW_CONTEXT_SWITCHES },
	{ "cpu-migrations", PERF_COUNT_SW_CPU_MIGRATIONS },
	{ "page-faults-min", PERF_COUNT_SW_PAGE_FAULTS_MIN },
	{ "page-faults-maj", PERF_COUNT_SW_PAGE_FAULTS_MAJ },
};
#define NSW (int)(sizeof(sw_events) / sizeof(sw_events[0]))

struct sw_priv {
	struct pp_evset set;
	bool user_only;            /* kernel mode refused: switches and migrations unseen */
};

static void sw_attr(struct perf_event_attr *a, unsigned long long config, bool user_only)
{
	memset(a, 0, sizeof(*a));
	a->type = PERF_TYPE_SOFTWARE;
	a->config = config;
	/* Context switches and migrations happen in the kernel: excluding it would count none. */
	a->exclude_kernel = user_only;
	a->exclude_hv = 1;
}

static int sw_probe(char *why, size_t len)
{
	struct perf_event_attr a;
	sw_attr(&a, PERF_COUNT_SW_TASK_CLOCK, true);
	int fd = pp_perf_open(&a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return pp_perf_why(fd, 0, "software event task-clock", why, len);
	close(fd);
	return 0;
}

static int sw_open(void *priv, struct pp_backend_ctx *ctx)
{
	struct sw_priv *p = priv;
	for (int user_only = 0; user_only < 2; user_only++) {
		memset(&p->set, 0, sizeof(p->set));
		p->set.backend = "perf-sw";
		p->set.group_size = NSW;
		for (int i = 0; i < NSW; i++) {
			struct perf_event_attr a;
			sw_attr(&a, sw_events[i].config, user_only);
			pp_evset_add(&p->set, &a, sw_events[i].name, false);
		}
		int err = pp_evset_open(&p->set, ctx, "perf-sw");
		p->user_only = user_only;
		if (!err && user_only)
			ctx->warn(ctx, "perf-sw: kernel-mode counting refused (perf_event_paranoid); "
				  "counting user mode only: context switches and migrations come "
				  "from procfs, or are unknown");
		if (user_only || (err != -EACCES && err != -EPERM))
			return err;
	}
	return 0;
}

static int sw_enable(void *priv, bool on)
{
	return pp_evset_enable(&((struct sw_priv *)priv)->set, on);
}

static int sw_read(void *priv, struct pp_window *w)
{
	struct sw_priv *p = priv;
	int first = w->ncounts;
	pp_evset_read(&p->set, w);
	/* User-mode-only counts of kernel events read 0: unknown is the truth. */
	for (int i = first; p->user_only && i < w->ncounts; i++)
		if (strcmp(w->counts[i].name, "context-switches") == 0 ||
		    strcmp(w->counts[i].name, "cpu-migrations") == 0)
			w->counts[i].value = NAN;
	return 0;
}

static void sw_close(void *priv)
{
	pp_evset_close(&((struct sw_priv *)priv)->set);
}

/* The raw counts this backend puts in a window (the backend table, backends.c). */
const char *const pp_backend_perf_sw_counts[] = {
	"task-clock", "context-switches", "cpu-migrations", "page-faults-min", "page-faults-maj",
	NULL,
};

const struct pp_backend_ops pp_backend_perf_sw = {
	.name = "perf-sw",
	.summary = "software events: task-clock, context switches, migrations, page faults",
	.priv_size = sizeof(struct sw_priv),
	.probe = sw_probe, .open = sw_open, .enable = sw_enable, .read = sw_read, .close = sw_close,
};
