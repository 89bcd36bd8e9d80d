/* sqlite: a web application's database traffic on an in-memory SQLite database: a batch of
 * inserts in a transaction, primary-key and secondary-index lookups, a join with an
 * aggregate, then cleanup. The data follow simple formulas, so every answer is known. */
#include "kernels/workloads/wl.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

enum { O_USERS, O_BATCH, O_LOOKUPS };
static const struct pp_workload_opt opts[] = {
	{ "users", PP_WOPT_INT, "N", "10000", 100, 10000000, NULL, "rows in the users table" },
	{ "batch", PP_WOPT_INT, "N", "2000", 10, 1000000, NULL, "orders inserted per round" },
	{ "lookups", PP_WOPT_INT, "N", "500", 1, 1000000, NULL, "indexed lookups per round" },
	{ 0 },
};

enum { Q_INSERT, Q_USER, Q_ORDERS, Q_JOIN, Q_CLEAR, NQ };
static const char *const sql[NQ] = {
	"INSERT INTO orders(user_id, amount) VALUES(?1, ?2)",
	"SELECT name, age FROM users WHERE id = ?1",
	"SELECT count(*), coalesce(sum(amount), 0) FROM orders WHERE user_id = ?1",
	"SELECT count(*), coalesce(sum(o.amount), 0) FROM orders o JOIN users u "
	"ON u.id = o.user_id WHERE u.age BETWEEN ?1 AND ?2",
	"DELETE FROM orders",
};

struct sq_thread {
	sqlite3 *db;
	sqlite3_stmt *q[NQ];
	uint64_t rng, rounds, wrong;
};

struct sq {
	int64_t users, batch, lookups;
	struct sq_thread *th;
	int nth;
};

/* The formulas the data follow. */
static int64_t age_of(int64_t id) { return 18 + id % 60; }
static int64_t order_user(const struct sq *s, int64_t seq) { return seq % s->users + 1; }
static int64_t order_amount(int64_t seq) { return seq % 97 + 1; }

static int exec(sqlite3 *db, const char *q)
{
	return sqlite3_exec(db, q, NULL, NULL, NULL) == SQLITE_OK ? 0 : -EIO;
}

static int open_db(struct wl_ctx *ctx, struct sq *s, struct sq_thread *th)
{
	if (sqlite3_open_v2(":memory:", &th->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return wl_fail(ctx, -EIO, "sqlite: cannot open an in-memory database");
	if (exec(th->db, "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
		 "age INTEGER NOT NULL);"
		 "CREATE TABLE orders(id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, "
		 "amount INTEGER NOT NULL);"
		 "CREATE INDEX orders_user ON orders(user_id);"
		 "BEGIN"))
		return wl_fail(ctx, -EIO, "sqlite: schema: %s", sqlite3_errmsg(th->db));
	sqlite3_stmt *ins;
	if (sqlite3_prepare_v2(th->db, "INSERT INTO users VALUES(?1, 'user' || ?1, ?2)", -1, &ins,
			       NULL) != SQLITE_OK)
		return wl_fail(ctx, -EIO, "sqlite: %s", sqlite3_errmsg(th->db));
	for (int64_t id = 1; id <= s->users; id++) {
		sqlite3_bind_int64(ins, 1, id);
		sqlite3_bind_int64(ins, 2, age_of(id));
		if (sqlite3_step(ins) != SQLITE_DONE)
			break;
		sqlite3_reset(ins);
	}
	sqlite3_finalize(ins);
	if (exec(th->db, "COMMIT"))
		return wl_fail(ctx, -EIO, "sqlite: filling users: %s", sqlite3_errmsg(th->db));
	for (int i = 0; i < NQ; i++)
		if (sqlite3_prepare_v3(th->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &th->q[i],
				       NULL) != SQLITE_OK)
			return wl_fail(ctx, -EIO, "sqlite: %s", sqlite3_errmsg(th->db));
	return 0;
}

static int sq_setup(struct wl_ctx *ctx)
{
	struct sq *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	ctx->priv = s;
	s->users = ctx->opt[O_USERS];
	s->batch = ctx->opt[O_BATCH];
	s->lookups = ctx->opt[O_LOOKUPS];
	s->th = calloc((size_t)ctx->threads, sizeof(*s->th));
	if (!s->th)
		return -ENOMEM;
	s->nth = ctx->threads;
	for (int t = 0; t < s->nth; t++) {
		s->th[t].rng = 0x73716cull + (uint64_t)t;
		int rc = open_db(ctx, s, &s->th[t]);
		if (rc)
			return rc;
	}
	snprintf(ctx->detail, ctx->detaillen, "SQLite %s in memory: %lld users, %lld orders and "
		 "%lld lookups per round", sqlite3_libversion(), (long long)s->users,
		 (long long)s->batch, (long long)s->lookups);
	return 0;
}

/* Runs one statement that returns one row of two integers. */
static bool row2(sqlite3_stmt *q, int64_t *a, int64_t *b)
{
	bool ok = sqlite3_step(q) == SQLITE_ROW;
	if (ok) {
		*a = sqlite3_column_int64(q, 0);
		*b = sqlite3_column_int64(q, 1);
	}
	sqlite3_reset(q);
	return ok;
}

/* One round; returns the number of wrong answers, or -1 when SQLite itself failed. */
static int64_t round_trip(const struct sq *s, struct sq_thread *th)
{
	int64_t wrong = 0, a, b;
	if (exec(th->db, "BEGIN"))
		return -1;
	for (int64_t seq = 0; seq < s->batch; seq++) {
		sqlite3_stmt *q = th->q[Q_INSERT];
		sqlite3_bind_int64(q, 1, order_user(s, seq));
		sqlite3_bind_int64(q, 2, order_amount(seq));
		int rc = sqlite3_step(q);
		sqlite3_reset(q);
		if (rc != SQLITE_DONE)
			return -1;
	}
	if (exec(th->db, "COMMIT"))
		return -1;

	for (int64_t i = 0; i < s->lookups; i++) {
		int64_t id = (int64_t)(wl_rand(&th->rng) % (uint64_t)s->users) + 1;
		sqlite3_stmt *q = th->q[Q_USER];
		sqlite3_bind_int64(q, 1, id);
		char want[32];
		snprintf(want, sizeof(want), "user%lld", (long long)id);
		if (sqlite3_step(q) != SQLITE_ROW ||
		    strcmp((const char *)sqlite3_column_text(q, 0), want) ||
		    sqlite3_column_int64(q, 1) != age_of(id))
			wrong++;
		sqlite3_reset(q);

		/* Orders of this user through the secondary index. */
		sqlite3_bind_int64(th->q[Q_ORDERS], 1, id);
		int64_t n = 0, sum = 0;
		for (int64_t seq = id - 1; seq < s->batch; seq += s->users) {
			n++;
			sum += order_amount(seq);
		}
		wrong += !row2(th->q[Q_ORDERS], &a, &b) || a != n || b != sum;
	}

	int64_t lo = 30, hi = 39, n = 0, sum = 0;
	for (int64_t seq = 0; seq < s->batch; seq++) {
		int64_t age = age_of(order_user(s, seq));
		if (age >= lo && age <= hi) {
			n++;
			sum += order_amount(seq);
		}
	}
	sqlite3_bind_int64(th->q[Q_JOIN], 1, lo);
	sqlite3_bind_int64(th->q[Q_JOIN], 2, hi);
	wrong += !row2(th->q[Q_JOIN], &a, &b) || a != n || b != sum;

	int rc = sqlite3_step(th->q[Q_CLEAR]);
	sqlite3_reset(th->q[Q_CLEAR]);
	return rc == SQLITE_DONE ? wrong : -1;
}

static int sq_run(struct wl_ctx *ctx, int t, double *work)
{
	struct sq *s = ctx->priv;
	struct sq_thread *th = &s->th[t];
	int64_t w = round_trip(s, th);
	if (w < 0)
		return wl_fail(ctx, -EIO, "sqlite: %s", sqlite3_errmsg(th->db));
	th->wrong += (uint64_t)w;
	th->rounds++;
	*work += (double)(s->batch + 2 * s->lookups + 2); /* statements executed */
	return 0;
}

static int sq_verify(struct wl_ctx *ctx, char *msg, size_t len)
{
	struct sq *s = ctx->priv;
	for (int t = 0; t < s->nth; t++) {
		struct sq_thread *th = &s->th[t];
		if (th->wrong)
			return wl_bad(msg, len, "thread %d: %llu wrong query answers in %llu rounds", t,
				      (unsigned long long)th->wrong, (unsigned long long)th->rounds);
		/* One more round, checked here, on the database as the run left it. */
		int64_t w = round_trip(s, th);
		if (w)
			return wl_bad(msg, len, "thread %d: the check round gave %lld wrong answers%s",
				      t, (long long)w, w < 0 ? " (SQLite failed)" : "");
	}
	snprintf(msg, len, "every lookup, index aggregate and join matched the formulas the data "
		 "follow");
	return 0;
}

static void sq_corrupt(struct wl_ctx *ctx)
{
	struct sq *s = ctx->priv;
	exec(s->th[0].db, "UPDATE users SET age = age + 1");
}

static void sq_teardown(struct wl_ctx *ctx)
{
	struct sq *s = ctx->priv;
	if (!s)
		return;
	for (int t = 0; s->th && t < s->nth; t++) {
		for (int i = 0; i < NQ; i++)
			sqlite3_finalize(s->th[t].q[i]);
		sqlite3_close(s->th[t].db);
	}
	free(s->th);
	free(s);
}

const struct pp_workload wl_sqlite = {
	.name = "sqlite", .cls = PP_WL_BENIGN, .family = "database", .quick = true,
	.help = "SQLite in memory: batched inserts, indexed lookups, a join (web app traffic)",
	.unit = "stmts/s", .opts = opts,
	.setup = sq_setup, .run = sq_run,
	.verify = sq_verify, .corrupt = sq_corrupt, .teardown = sq_teardown,
};
