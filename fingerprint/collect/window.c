/* Raw counts of a window: append and look up by name. */
#include "fingerprint/collect/collector.h"

#include <math.h>
#include <string.h>

void pp_window_add(struct pp_window *w, const char *backend, const char *name, double value,
		   double running, bool gauge)
{
	if (w->ncounts >= PP_WINDOW_MAX_COUNTS)
		return;
	struct pp_count *c = &w->counts[w->ncounts++];
	size_t n = strnlen(name, sizeof(c->name) - 1); /* as snprintf would cut it, but cheaper */
	memcpy(c->name, name, n);
	c->name[n] = '\0';
	c->backend = backend;
	c->value = value;
	c->running = running;
	c->gauge = gauge;
}

double pp_window_count(const struct pp_window *w, const char *name)
{
	for (int i = 0; i < w->ncounts; i++)
		if (strcmp(w->counts[i].name, name) == 0)
			return w->counts[i].value;
	return NAN;
}

double pp_window_task_clock(struct pp_window *w)
{
	double tc = pp_window_count(w, "task-clock");
	if (isnan(tc))
		tc = pp_window_count(w, "proc.run_ns");
	return w->task_clock_s = tc * 1e-9;
}
