/* report/: a profile (first byte even) or an eval report (odd) of any content, loaded and
 * checked as `powprint report` does, then laid out into every figure's CSV and gnuplot script
 * and the HTML page (gnuplot itself is not run: a stand-in SVG is inlined). */
#define _GNU_SOURCE
#include "report/report-priv.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int fd = memfd_create("fuzz-report", 0);
	if (fd < 0)
		return 0;
	if (write(fd, data + 1, size - 1) != (ssize_t)(size - 1)) {
		close(fd);
		return 0;
	}
	char path[64], why[1024];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct rp_profile prof[2] = { 0 };
	struct rp_ctx c = { .dir = "/nonexistent" };
	if (!(data[0] & 1)) {
		/* The same profile twice: two machines side by side. */
		if (rp_profile_load(path, &prof[0], why, sizeof(why)) == 0 &&
		    rp_profile_load(path, &prof[1], why, sizeof(why)) == 0) {
			c.prof = prof;
			c.nprof = 2;
			rp_figs_hash(&c);
			rp_figs_speedup(&c);
			rp_figs_fingerprint(&c);
			rp_figs_memory(&c);
		}
	} else {
		static struct rp_profile none = { .label = "none" };
		c.prof = &none;
		c.nprof = 1;
		if (rp_eval_load(path, &c.eval, why, sizeof(why)) == 0)
			rp_figs_eval(&c);
	}
	for (int i = 0; i < c.nfigs; i++)
		c.figs[i]->svg = strdup("<svg></svg>");
	struct rp_buf html = { 0 };
	if (c.nfigs)
		rp_html_write(&c, &html);
	rp_buf_free(&html);
	for (int i = 0; i < c.nfigs; i++)
		rp_fig_free(c.figs[i]);
	free(c.figs);
	if (c.prof == prof) {
		rp_profile_free(&prof[0]);
		rp_profile_free(&prof[1]);
	}
	cJSON_Delete(c.eval);
	close(fd);
	return 0;
}
