/* The one table of collector backends, in the order they are probed, opened and read.
 * perf-sw comes before the others because its task-clock normalises every feature. */
#include "fingerprint/collect/collector.h"

#include <stddef.h>

const struct pp_backend_ops *const pp_backend_table[] = {
	&pp_backend_perf_hw,
	&pp_backend_perf_sw,
	&pp_backend_ip_sample,
	&pp_backend_procfs,
	NULL,
};
