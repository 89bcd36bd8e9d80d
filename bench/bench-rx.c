/* bench-rx: our RandomX (rx/0) side by side with Debian's librandomx in one run, both
 * interpreted (RANDOMX_FLAG_JIT off) or, with --jit, both compiled (our JITs against
 * RANDOMX_FLAG_JIT), against these targets (docs/benchmarks.md):
 *                                    interpreted            --jit
 *   light mode H/s per thread        >= 1.0 x librandomx    >= 0.9 x
 *   fast mode H/s per thread         >= 1.0 x librandomx    >= 0.9 x     (--fast)
 *   dataset init, --init-threads 2   <= 1.5 x its time      <= 1.2 x     (--fast)
 *   light mode resident              <= 300 MiB
 *   fast mode resident               <= 2.2 GiB + 2.1 MiB per thread
 * Both use the same page policy: with --pages auto, librandomx's cache and dataset get
 * madvise(MADV_HUGEPAGE) as ours do (it has no THP support of its own).
 * Ours is set up first and its memory measured (VmRSS, VmHWM; VmHWM reset before each phase)
 * before librandomx allocates anything; then both hash in alternating rounds, so a change in
 * machine load hits both alike. Fast mode also checks that both give the same hashes.
 * Fast mode needs ~2.1 GiB per implementation and minutes of dataset init. */
#include "core/clock.h"
#include "kernels/randomx/vm.h"

#include <sys/mman.h>

#include <errno.h>
#include <getopt.h>
#include <omp.h>
#include <randomx.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct opts {
	int hashes, fast_hashes, threads, init_threads;
	bool fast, soft_aes, jit;
	enum pp_pages pages;
	const char *key;
};

/* VmRSS and VmHWM of this process in MiB. */
static void memory_mib(double *rss, double *hwm)
{
	*rss = *hwm = -1;
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return;
	char line[256];
	while (fgets(line, sizeof(line), f)) {
		long kib;
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			*rss = kib / 1024.0;
		else if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
			*hwm = kib / 1024.0;
	}
	fclose(f);
}

/* Resets VmHWM to the current VmRSS (Linux >= 4.0), so each phase reports its own peak. */
static void reset_peak(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");
	if (f) {
		fputs("5", f);
		fclose(f);
	}
}

static void progress(void *arg, const char *what, uint64_t done, uint64_t total)
{
	(void)arg;
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "\r  %s: %5.1f%%", what, 100.0 * done / (total ? total : 1));
	if (done == total && isatty(STDERR_FILENO))
		fprintf(stderr, "\r                        \r");
}

/* Our knobs and librandomx's flags for the chosen mode. */
static int our_jit(const struct opts *o, struct pp_rx_cache *cache, struct pp_rx_vm *vm)
{
	int err = 0;
	if (cache)
		err = pp_rx_cache_set_jit(cache, o->jit, false);
	if (!err && vm)
		err = pp_rx_vm_set_jit(vm, o->jit, false);
	if (err)
		fprintf(stderr, "bench-rx: cannot enable our JIT: %s\n", strerror(-err));
	return err;
}

static randomx_flags ref_flags(const struct opts *o)
{
	randomx_flags f = randomx_get_flags() & ~RANDOMX_FLAG_JIT;
	if (o->jit)
		f |= RANDOMX_FLAG_JIT;
	if (o->soft_aes)
		f &= ~RANDOMX_FLAG_HARD_AES;
	return f;
}

/* THP on librandomx's memory too, when ours may use it (the 2 MiB-aligned inside of it). */
static void ref_thp(const struct opts *o, void *p, size_t size)
{
	if (o->pages == PP_PAGES_OFF || !p)
		return;
	uintptr_t lo = ((uintptr_t)p + (2u << 20) - 1) & ~(uintptr_t)((2u << 20) - 1);
	uintptr_t hi = ((uintptr_t)p + size) & ~(uintptr_t)((2u << 20) - 1);
	if (hi > lo)
		madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
}

static const char *verdict(bool ok)
{
	return ok ? "ok" : "BELOW TARGET";
}

static void blob(uint8_t in[76], int thread, int i)
{
	memset(in, 0, 76);
	in[0] = 0x10;
	in[5] = (uint8_t)thread;
	in[39] = (uint8_t)i;
	in[40] = (uint8_t)(i >> 8);
}

/* Seconds for `n` hashes in each of `threads` threads (nonces from `first`). */
static double ours_round(struct pp_rx_vm **vms, int threads, int first, int n)
{
	double t0 = pp_clock_mono_s();
#pragma omp parallel for num_threads(threads)
	for (int t = 0; t < threads; t++) {
		uint8_t in[76], out[32];
		for (int i = first; i < first + n; i++) {
			blob(in, t, i);
			pp_rx_vm_hash(vms[t], in, sizeof(in), out);
		}
	}
	return pp_clock_mono_s() - t0;
}

static double ref_round(randomx_vm **vms, int threads, int first, int n)
{
	double t0 = pp_clock_mono_s();
#pragma omp parallel for num_threads(threads)
	for (int t = 0; t < threads; t++) {
		uint8_t in[76], out[32];
		for (int i = first; i < first + n; i++) {
			blob(in, t, i);
			randomx_calculate_hash(vms[t], in, sizeof(in), out);
		}
	}
	return pp_clock_mono_s() - t0;
}

/* H/s per thread of both, over `n` hashes per thread split into alternating rounds. */
static void compare_hps(struct pp_rx_vm **ours, randomx_vm **ref, int threads, int n,
			double *ours_hps, double *ref_hps)
{
	enum { ROUNDS = 4 };
	double a = 0, b = 0;
	int done = 0;
	for (int r = 0; r < ROUNDS; r++) {
		int k = n * (r + 1) / ROUNDS - done;
		a += ours_round(ours, threads, done, k);
		b += ref_round(ref, threads, done, k);
		done += k;
	}
	*ours_hps = n / a;
	*ref_hps = n / b;
}

static int light(const struct opts *o)
{
	const struct pp_rx_config *cfg = &pp_rx_config_rx0;
	const size_t klen = strlen(o->key);
	printf("light mode: %d thread%s, %d hashes per thread each, key \"%s\"\n", o->threads,
	       o->threads == 1 ? "" : "s", o->hashes, o->key);

	reset_peak();
	double t0 = pp_clock_mono_s();
	struct pp_rx_cache *cache;
	int err = pp_rx_cache_new(cfg, o->key, klen, o->pages, &cache);
	if (err) {
		fprintf(stderr, "bench-rx: our cache: %s\n", strerror(-err));
		return 1;
	}
	if (our_jit(o, cache, NULL))
		return 1;
	double our_cache_s = pp_clock_mono_s() - t0;
	struct pp_rx_vm *vms[64];
	for (int t = 0; t < o->threads; t++) {
		if ((err = pp_rx_vm_new(cfg, cache, NULL, o->pages, o->soft_aes, &vms[t]))) {
			fprintf(stderr, "bench-rx: our VM: %s\n", strerror(-err));
			return 1;
		}
		if (our_jit(o, NULL, vms[t]))
			return 1;
	}
	uint8_t ours_out[32], ref_out[32];
	pp_rx_vm_hash(vms[0], "This is a test", 14, ours_out); /* also faults the pages in */
	double rss, hwm;
	memory_mib(&rss, &hwm);

	randomx_flags flags = ref_flags(o);
	t0 = pp_clock_mono_s();
	randomx_cache *rc = randomx_alloc_cache(flags);
	if (!rc) {
		fprintf(stderr, "bench-rx: librandomx could not allocate its cache\n");
		return 1;
	}
	/* librandomx keeps no public pointer to its cache memory: its THP is left to the
	 * kernel (the cache is read at random either way; the dataset matters more). */
	randomx_init_cache(rc, o->key, klen);
	double ref_cache_s = pp_clock_mono_s() - t0;
	randomx_vm *rvms[64];
	for (int t = 0; t < o->threads; t++)
		rvms[t] = randomx_create_vm(flags, rc, NULL);
	randomx_calculate_hash(rvms[0], "This is a test", 14, ref_out);

	double ours, ref;
	compare_hps(vms, rvms, o->threads, o->hashes, &ours, &ref);
	const char *aes = pp_aes_backend_name(vms[0]->aes);
	const char *pages = pp_page_kind_name(cache->mem.kind);
	for (int t = 0; t < o->threads; t++) {
		randomx_destroy_vm(rvms[t]);
		pp_rx_vm_free(vms[t]);
	}
	randomx_release_cache(rc);
	pp_rx_cache_free(cache);

	printf("  cache init (Argon2d 256 MiB)  ours %6.2f s   librandomx %6.2f s\n", our_cache_s,
	       ref_cache_s);
	const double hps_target = o->jit ? 0.9 : 1.0;
	printf("  H/s per thread                ours %6.2f     librandomx %6.2f     ratio %.2f "
	       "(target >= %.2f: %s)\n", ours, ref, ours / ref, hps_target,
	       verdict(ours >= hps_target * ref));
	printf("  same hash as librandomx: %s   (AES %s, cache on %s pages)\n",
	       memcmp(ours_out, ref_out, 32) == 0 ? "yes" : "NO", aes, pages);
	printf("  ours resident: VmRSS %.0f MiB, VmHWM %.0f MiB (target <= 300 MiB: %s)\n", rss, hwm,
	       verdict(hwm <= 300));
	return memcmp(ours_out, ref_out, 32) != 0;
}

static int fast(const struct opts *o)
{
	const struct pp_rx_config *cfg = &pp_rx_config_rx0;
	const size_t klen = strlen(o->key);
	const uint64_t items = pp_rx_dataset_items(cfg);
	enum { COMPARE = 8 };
	uint8_t ours_out[COMPARE][32];
	printf("fast mode: dataset init with %d threads, then %d thread%s x %d hashes each "
	       "(needs ~4.5 GiB: both datasets stay resident for the alternating rounds)\n",
	       o->init_threads, o->threads, o->threads == 1 ? "" : "s", o->fast_hashes);

	reset_peak();
	double t0 = pp_clock_mono_s();
	struct pp_rx_cache *cache;
	int err = pp_rx_cache_new(cfg, o->key, klen, o->pages, &cache);
	if (err) {
		fprintf(stderr, "bench-rx: our cache: %s\n", strerror(-err));
		return 1;
	}
	if (our_jit(o, cache, NULL))
		return 1;
	double t1 = pp_clock_mono_s();
	struct pp_mapping ds;
	err = pp_pages_alloc(items * 64, o->pages, &ds);
	if (err) {
		fprintf(stderr, "bench-rx: cannot allocate the %llu MiB fast-mode dataset (%s): free "
			"memory or run light mode only (without --fast)\n",
			(unsigned long long)(items * 64 >> 20), strerror(-err));
		pp_rx_cache_free(cache);
		return 1;
	}
	pp_rx_dataset_fill(cache, 0, items, ds.ptr, o->init_threads, progress, NULL);
	double t2 = pp_clock_mono_s();
	pp_rx_cache_release_memory(cache);
	double our_cache_s = t1 - t0, our_ds_s = t2 - t1;
	struct pp_rx_vm *vms[64];
	for (int t = 0; t < o->threads; t++) {
		if ((err = pp_rx_vm_new(cfg, cache, ds.ptr, o->pages, o->soft_aes, &vms[t]))) {
			fprintf(stderr, "bench-rx: our VM: %s\n", strerror(-err));
			return 1;
		}
		if (our_jit(o, NULL, vms[t]))
			return 1;
	}
	for (int i = 0; i < COMPARE; i++) {
		uint8_t in[76];
		blob(in, 99, i);
		pp_rx_vm_hash(vms[0], in, sizeof(in), ours_out[i]);
	}
	double init_hwm, dummy;
	memory_mib(&dummy, &init_hwm);
	reset_peak();
	ours_round(vms, o->threads, 1000, 8); /* every thread's scratchpad resident */
	double rss, hwm;
	memory_mib(&rss, &hwm);
	const char *pages = pp_page_kind_name(ds.kind);

	randomx_flags flags = ref_flags(o) | RANDOMX_FLAG_FULL_MEM;
	t0 = pp_clock_mono_s();
	randomx_cache *rc = randomx_alloc_cache(flags & ~RANDOMX_FLAG_FULL_MEM);
	randomx_dataset *rd = randomx_alloc_dataset(flags);
	if (!rc || !rd) {
		fprintf(stderr, "bench-rx: librandomx could not allocate its cache or dataset\n");
		return 1;
	}
	randomx_init_cache(rc, o->key, klen);
	t1 = pp_clock_mono_s();
	const unsigned long n = randomx_dataset_item_count();
	ref_thp(o, randomx_get_dataset_memory(rd), n * 64);
	const int it = o->init_threads;
#pragma omp parallel for num_threads(it)
	for (int t = 0; t < it; t++) {
		unsigned long lo = n * t / it, hi = n * (t + 1) / it;
		randomx_init_dataset(rd, rc, lo, hi - lo);
	}
	t2 = pp_clock_mono_s();
	double ref_cache_s = t1 - t0, ref_ds_s = t2 - t1;
	randomx_release_cache(rc);
	randomx_vm *rvms[64];
	for (int t = 0; t < o->threads; t++)
		rvms[t] = randomx_create_vm(flags, NULL, rd);
	int same = 0;
	for (int i = 0; i < COMPARE; i++) {
		uint8_t in[76], out[32];
		blob(in, 99, i);
		randomx_calculate_hash(rvms[0], in, sizeof(in), out);
		same += memcmp(out, ours_out[i], 32) == 0;
	}
	double ours, ref;
	compare_hps(vms, rvms, o->threads, o->fast_hashes, &ours, &ref);
	for (int t = 0; t < o->threads; t++) {
		randomx_destroy_vm(rvms[t]);
		pp_rx_vm_free(vms[t]);
	}
	randomx_release_dataset(rd);
	pp_pages_free(&ds);
	pp_rx_cache_free(cache);

	const double limit = 2.2 * 1024 + 2.1 * o->threads;
	printf("  cache init                    ours %6.2f s   librandomx %6.2f s\n", our_cache_s,
	       ref_cache_s);
	const double init_target = o->jit ? 1.2 : 1.5, hps_target = o->jit ? 0.9 : 1.0;
	printf("  dataset init, %d threads       ours %6.1f s   librandomx %6.1f s   ratio %.2f "
	       "(target <= %.2f: %s)\n", o->init_threads, our_ds_s, ref_ds_s, our_ds_s / ref_ds_s,
	       init_target, verdict(our_ds_s <= init_target * ref_ds_s));
	printf("  H/s per thread                ours %6.2f     librandomx %6.2f     ratio %.2f "
	       "(target >= %.2f: %s)\n", ours, ref, ours / ref, hps_target,
	       verdict(ours >= hps_target * ref));
	printf("  same hashes as librandomx: %d of %d   (dataset on %s pages, librandomx's %s)\n",
	       same, COMPARE, pages, o->pages == PP_PAGES_OFF ? "too" : "madvised alike");
	printf("  ours resident while hashing: VmRSS %.0f MiB, VmHWM %.0f MiB (target <= %.0f MiB: "
	       "%s); peak during init (cache + dataset) %.0f MiB\n", rss, hwm, limit,
	       verdict(hwm <= limit), init_hwm);
	return same != COMPARE;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bench-rx [--hashes N] [--fast] [--fast-hashes N] [--threads N]\n"
		"                [--init-threads N] [--pages auto|off] [--soft-aes] [--jit]\n"
		"                [--key TEXT]\n"
		"  --hashes N        light-mode hashes per thread and implementation (default 20)\n"
		"  --fast            also run fast mode (2 GiB dataset each, minutes of init)\n"
		"  --fast-hashes N   fast-mode hashes per thread (default 200)\n"
		"  --threads N       hashing threads (default 1)\n"
		"  --init-threads N  dataset init threads (default 2)\n"
		"  --pages MODE      our cache/dataset/scratchpad pages (default auto: hugetlb, THP,\n"
		"                    normal; librandomx uses normal pages without hugetlb)\n"
		"  --soft-aes        portable AES in both implementations\n"
		"  --jit             both compiled: our JITs vs RANDOMX_FLAG_JIT (default: both\n"
		"                    interpreted)\n");
}

int main(int argc, char **argv)
{
	struct opts o = { .hashes = 20, .fast_hashes = 200, .threads = 1, .init_threads = 2,
			  .pages = PP_PAGES_AUTO, .key = "powprint bench-rx key" };
	static const struct option lo[] = {
		{ "hashes", required_argument, NULL, 'n' },
		{ "fast", no_argument, NULL, 'f' },
		{ "fast-hashes", required_argument, NULL, 'F' },
		{ "threads", required_argument, NULL, 't' },
		{ "init-threads", required_argument, NULL, 'i' },
		{ "pages", required_argument, NULL, 'p' },
		{ "soft-aes", no_argument, NULL, 's' },
		{ "jit", no_argument, NULL, 'j' },
		{ "key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "n:fF:t:i:p:sjk:h", lo, NULL)) != -1) {
		switch (c) {
		case 'n': o.hashes = atoi(optarg); break;
		case 'f': o.fast = true; break;
		case 'F': o.fast_hashes = atoi(optarg); break;
		case 't': o.threads = atoi(optarg); break;
		case 'i': o.init_threads = atoi(optarg); break;
		case 'p':
			if (strcmp(optarg, "auto") == 0)
				o.pages = PP_PAGES_AUTO;
			else if (strcmp(optarg, "off") == 0)
				o.pages = PP_PAGES_OFF;
			else {
				fprintf(stderr, "bench-rx: --pages expects auto or off, not '%s'\n", optarg);
				return 2;
			}
			break;
		case 's': o.soft_aes = true; break;
		case 'j': o.jit = true; break;
		case 'k': o.key = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (o.hashes < 1 || o.fast_hashes < 1 || o.threads < 1 || o.threads > 64 ||
	    o.init_threads < 1 || strlen(o.key) > PP_RX_KEY_MAX) {
		fprintf(stderr, "bench-rx: counts must be >= 1, threads <= 64, the key <= 60 bytes\n");
		return 2;
	}
	printf("bench-rx: rx/0, ours vs Debian librandomx (%s), %d online CPUs\n",
	       o.jit ? "both JIT: ours vs RANDOMX_FLAG_JIT" : "both interpreted, RANDOMX_FLAG_JIT off",
	       omp_get_num_procs());
	int rc = light(&o);
	if (o.fast)
		rc |= fast(&o);
	return rc;
}
