/* The one table of collector backends, in the order they are probed, opened and read, with
 * the raw counts each puts in a window (declared beside each backend). Everything that names
 * backends derives from it: option checking, `powprint` help texts, the model's
 * feature-to-backend mapping (through pp_backend_find), and tests/test-registry-collect.c,
 * which checks the feature table and docs/features.md against it. perf-sw comes before the
 * others because its task-clock normalises every feature. */
#include "fingerprint/collect/collector.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The backends, in probe and read order: one line each. A backend is
 * `const struct pp_backend_ops pp_backend_<name>` and the NULL-terminated list of the raw counts
 * it emits, `pp_backend_<name>_counts`, in fingerprint/collect/backends/<name>.c. */
#define PP_BACKENDS(X) \
	X(perf_hw) \
	X(perf_sw) \
	X(ip_sample) \
	X(procfs) \
	X(ebpf)

#define DECLARE(n) \
	extern const struct pp_backend_ops pp_backend_##n; \
	extern const char *const pp_backend_##n##_counts[];
PP_BACKENDS(DECLARE)

#define ROW(n) { &pp_backend_##n, pp_backend_##n##_counts },
const struct pp_backend_entry pp_backend_table[] = { PP_BACKENDS(ROW) { NULL, NULL } };

#define NBACKENDS (int)(sizeof(pp_backend_table) / sizeof(pp_backend_table[0]) - 1)
_Static_assert(sizeof(pp_backend_table) / sizeof(pp_backend_table[0]) - 1 <= PP_BACKEND_MAX,
	       "a collector holds at most PP_BACKEND_MAX backends");

int pp_backend_count(void)
{
	return NBACKENDS;
}

const char *pp_backend_name(int i)
{
	return i >= 0 && i < NBACKENDS ? pp_backend_table[i].ops->name : NULL;
}

const char *const *pp_backend_counts(int i)
{
	return i >= 0 && i < NBACKENDS ? pp_backend_table[i].counts : NULL;
}

int pp_backend_find(const char *name, size_t len)
{
	for (int i = 0; name && i < NBACKENDS; i++) {
		const char *b = pp_backend_table[i].ops->name;
		if (strlen(b) == len && strncmp(b, name, len) == 0)
			return i;
	}
	return -ENOENT;
}

char *pp_backend_list(char *buf, size_t len, const char *sep)
{
	size_t used = 0;
	if (!len)
		return buf;
	buf[0] = '\0';
	for (int i = 0; i < NBACKENDS && used < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i ? sep : "",
				 pp_backend_table[i].ops->name);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return buf;
}
