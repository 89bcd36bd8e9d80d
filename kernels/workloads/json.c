/* json: parse and walk a ~1 MB JSON document with cJSON, as API servers do with request
 * bodies. The document's records follow formulas, so the totals of a walk are known. */
#include "kernels/workloads/wl.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { O_RECORDS };
static const struct pp_workload_opt opts[] = {
	{ "records", PP_WOPT_INT, "N", "5000", 1, 10000000, NULL,
	  "records in the document (about 200 bytes each)" },
	{ 0 },
};

struct totals {
	int64_t records, id_sum, stock_sum, active, tags;
	double price_sum;
};

struct js_thread {
	struct totals last;
	uint64_t parses, wrong;
};

struct js {
	char *doc;
	size_t len, cap;
	int64_t records;
	struct totals want;
	struct js_thread *th;
	int nth;
};

static int64_t stock_of(int64_t i) { return (i * 7) % 50; }

static void want_totals(int64_t n, struct totals *w)
{
	memset(w, 0, sizeof(*w));
	w->records = n;
	w->id_sum = n * (n - 1) / 2;
	for (int64_t i = 0; i < n; i++)
		w->stock_sum += stock_of(i);
	w->active = (n + 2) / 3;             /* i % 3 == 0 */
	w->tags = n + n / 2;                 /* 1 tag, a second on even i */
	w->price_sum = 0.25 * (double)w->id_sum; /* quarters sum exactly in double */
}

static int walk(const char *doc, size_t len, struct totals *t)
{
	memset(t, 0, sizeof(*t));
	cJSON *root = cJSON_ParseWithLength(doc, len);
	if (!root)
		return -EBADMSG;
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(root, "items");
	const cJSON *it;
	cJSON_ArrayForEach(it, items) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");
		const cJSON *price = cJSON_GetObjectItemCaseSensitive(it, "price");
		const cJSON *inv = cJSON_GetObjectItemCaseSensitive(it, "inventory");
		const cJSON *stock = cJSON_GetObjectItemCaseSensitive(inv, "stock");
		const cJSON *active = cJSON_GetObjectItemCaseSensitive(it, "active");
		const cJSON *tags = cJSON_GetObjectItemCaseSensitive(it, "tags");
		if (!cJSON_IsNumber(id) || !cJSON_IsNumber(price) || !cJSON_IsNumber(stock) ||
		    !cJSON_IsBool(active) || !cJSON_IsArray(tags))
			continue;
		t->records++;
		t->id_sum += (int64_t)id->valuedouble;
		t->price_sum += price->valuedouble;
		t->stock_sum += (int64_t)stock->valuedouble;
		t->active += cJSON_IsTrue(active);
		t->tags += cJSON_GetArraySize(tags);
	}
	cJSON_Delete(root);
	return 0;
}

static bool same(const struct totals *a, const struct totals *b)
{
	return a->records == b->records && a->id_sum == b->id_sum && a->stock_sum == b->stock_sum &&
	       a->active == b->active && a->tags == b->tags && a->price_sum == b->price_sum;
}

static int js_setup(struct wl_ctx *ctx)
{
	struct js *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	ctx->priv = s;
	s->records = ctx->opt[O_RECORDS];
	s->cap = (size_t)s->records * 256 + 64;
	s->doc = malloc(s->cap);
	s->th = calloc((size_t)ctx->threads, sizeof(*s->th));
	if (!s->doc || !s->th)
		return -ENOMEM;
	s->nth = ctx->threads;
	size_t n = (size_t)snprintf(s->doc, s->cap, "{\"version\":3,\"items\":[");
	for (int64_t i = 0; i < s->records; i++)
		n += (size_t)snprintf(s->doc + n, s->cap - n,
			"%s{\"id\":%lld,\"name\":\"item-%lld\",\"price\":%.2f,"
			"\"inventory\":{\"stock\":%lld,\"warehouse\":\"wh-%lld\"},"
			"\"active\":%s,\"tags\":[\"t%lld\"%s],\"note\":\"caf\\u00e9 \\\"%lld\\\"\"}",
			i ? "," : "", (long long)i, (long long)i, 0.25 * (double)i,
			(long long)stock_of(i), (long long)(i % 16), i % 3 == 0 ? "true" : "false",
			(long long)(i % 10), i % 2 == 0 ? ",\"sale\"" : "", (long long)i);
	n += (size_t)snprintf(s->doc + n, s->cap - n, "]}");
	s->len = n;
	want_totals(s->records, &s->want);
	snprintf(ctx->detail, ctx->detaillen, "cJSON %s, %lld records, %zu KiB document",
		 cJSON_Version(), (long long)s->records, s->len >> 10);
	return 0;
}

static int js_run(struct wl_ctx *ctx, int t, double *work)
{
	struct js *s = ctx->priv;
	struct js_thread *th = &s->th[t];
	int rc = walk(s->doc, s->len, &th->last);
	th->wrong += rc || !same(&th->last, &s->want);
	th->parses++;
	*work += (double)s->len;
	return 0;
}

static int js_verify(struct wl_ctx *ctx, char *msg, size_t len)
{
	struct js *s = ctx->priv;
	for (int t = 0; t < s->nth; t++) {
		const struct js_thread *th = &s->th[t];
		if (th->wrong || (th->parses && !same(&th->last, &s->want)))
			return wl_bad(msg, len, "thread %d: a walk's totals differ from the document's "
				      "formulas (%lld records, id sum %lld; expected %lld, %lld)", t,
				      (long long)th->last.records, (long long)th->last.id_sum,
				      (long long)s->want.records, (long long)s->want.id_sum);
	}
	snprintf(msg, len, "every parse gave the known totals of %lld records", (long long)s->records);
	return 0;
}

static void js_corrupt(struct wl_ctx *ctx)
{
	struct js *s = ctx->priv;
	s->th[0].last.stock_sum++;
}

static void js_teardown(struct wl_ctx *ctx)
{
	struct js *s = ctx->priv;
	if (!s)
		return;
	free(s->doc);
	free(s->th);
	free(s);
}

const struct pp_workload wl_json = {
	.name = "json", .cls = PP_WL_BENIGN, .family = "parsing", .quick = true,
	.help = "parse and walk a JSON document with cJSON (API request bodies)",
	.unit = "MB/s", .unit_scale = 1e6, .opts = opts,
	.setup = js_setup, .run = js_run,
	.verify = js_verify, .corrupt = js_corrupt, .teardown = js_teardown,
};
