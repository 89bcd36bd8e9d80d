/* Workload options: "name=value" strings checked against a workload's option table. */
#include "kernels/workloads/options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int parse_choice(const char *choices, const char *s, int64_t *out)
{
	int64_t i = 0;
	size_t n = strlen(s);
	for (const char *p = choices; p && *p; i++) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		if (len == n && strncmp(p, s, n) == 0) {
			*out = i;
			return 0;
		}
		p = bar ? bar + 1 : p + len;
	}
	return -EINVAL;
}

static int parse_number(const struct pp_workload_opt *o, const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 0);
	if (errno || end == s || v < 0)
		return -EINVAL;
	if (o->type == PP_WOPT_SIZE) {
		int shift = 0;
		switch (*end) {
		case 'k': case 'K': shift = 10; end++; break;
		case 'm': case 'M': shift = 20; end++; break;
		case 'g': case 'G': shift = 30; end++; break;
		default: break;
		}
		if (*end == 'i' && end[1] == 'B')
			end += 2;
		else if (*end == 'B')
			end++;
		if (shift && v > (INT64_MAX >> shift))
			return -ERANGE;
		v <<= shift;
	}
	if (*end)
		return -EINVAL;
	if (v < o->min || v > o->max)
		return -ERANGE;
	*out = v;
	return 0;
}

static int parse_one(const struct pp_workload_opt *o, const char *val, int64_t *out)
{
	switch (o->type) {
	case PP_WOPT_FLAG:
		if (!val || !strcmp(val, "1") || !strcmp(val, "on") || !strcmp(val, "true")) {
			*out = 1;
			return 0;
		}
		if (!strcmp(val, "0") || !strcmp(val, "off") || !strcmp(val, "false")) {
			*out = 0;
			return 0;
		}
		return -EINVAL;
	case PP_WOPT_CHOICE:
		return val ? parse_choice(o->choices, val, out) : -EINVAL;
	case PP_WOPT_INT:
	case PP_WOPT_SIZE:
		return val ? parse_number(o, val, out) : -EINVAL;
	}
	return -EINVAL;
}

static void expect(const struct pp_workload_opt *o, char *buf, size_t len)
{
	switch (o->type) {
	case PP_WOPT_FLAG:
		snprintf(buf, len, "no value (it is a flag)");
		break;
	case PP_WOPT_CHOICE:
		snprintf(buf, len, "one of %s", o->choices);
		break;
	case PP_WOPT_SIZE:
		snprintf(buf, len, "a size from %lld to %lld bytes (K, M, G suffixes allowed)",
			 (long long)o->min, (long long)o->max);
		break;
	case PP_WOPT_INT:
		snprintf(buf, len, "a whole number from %lld to %lld", (long long)o->min,
			 (long long)o->max);
		break;
	}
}

int wl_opts_parse(struct wl_ctx *ctx, const char *const *params)
{
	const struct pp_workload *w = ctx->w;
	const struct pp_workload_opt *opts = w->opts;
	int n = 0;
	while (opts && opts[n].name)
		n++;
	if (n > PP_WORKLOAD_MAX_OPTS)
		return wl_fail(ctx, -EINVAL, "workload %s declares too many options", w->name);

	for (int i = 0; i < n; i++) {
		ctx->opt[i] = 0;
		if (opts[i].type != PP_WOPT_FLAG && opts[i].def &&
		    parse_one(&opts[i], opts[i].def, &ctx->opt[i]))
			return wl_fail(ctx, -EINVAL, "workload %s: bad default '%s' for --%s",
				       w->name, opts[i].def, opts[i].name);
	}
	for (const char *const *p = params; p && *p; p++) {
		const char *eq = strchr(*p, '=');
		size_t klen = eq ? (size_t)(eq - *p) : strlen(*p);
		const char *val = eq ? eq + 1 : NULL;
		int i;
		for (i = 0; i < n; i++)
			if (strlen(opts[i].name) == klen && !strncmp(opts[i].name, *p, klen))
				break;
		if (i == n) {
			char names[512] = "";
			size_t used = 0;
			for (int j = 0; j < n && used < sizeof(names); j++)
				used += (size_t)snprintf(names + used, sizeof(names) - used, " --%s",
							 opts[j].name);
			return wl_fail(ctx, -EINVAL,
				       "workload %s has no option '--%.*s'; its options are:%s", w->name,
				       (int)klen, *p, n ? names : " (none)");
		}
		int rc = parse_one(&opts[i], val, &ctx->opt[i]);
		if (rc) {
			char what[160];
			expect(&opts[i], what, sizeof(what));
			return wl_fail(ctx, -EINVAL, "workload %s: --%s expects %s, not '%s'", w->name,
				       opts[i].name, what, val ? val : "(nothing)");
		}
	}
	return 0;
}
