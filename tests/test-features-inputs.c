/* How the feature computation finds its raw counts (one pass over the window, a binary search
 * in a table of input names): every count a documented formula names is found, the first
 * count of a name wins as pp_window_count() says, the counts' order does not matter, and
 * pp_window_add() cuts long names as before. */
#include "fingerprint/collect/collector.h"

#include <powprint/collect.h>
#include <powprint/features.h>

#include <criterion/criterion.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static struct pp_window w, w2;
static struct pp_features f, f2;

/* Adds every word of s that could name a count ("ip.cls.aes", "L1-dcache-load-misses", but
 * also "else" or "min": unknown names are ignored) as a perf-hw count of value 2 + its index. */
static void add_formula_words(struct pp_window *x, const char *s)
{
	char word[64];
	while (*s) {
		size_t n = strcspn(s, " ()*/+,|");
		if (n && n < sizeof(word) && isalpha((unsigned char)s[0])) {
			memcpy(word, s, n);
			word[n] = '\0';
			if (isnan(pp_window_count(x, word)))
				pp_window_add(x, "perf-hw", word, 2 + x->ncounts, 1, false);
		}
		s += n;
		if (*s)
			s++;
	}
}

Test(features_inputs, every_count_a_formula_names_is_found)
{
	memset(&w, 0, sizeof(w));
	w.start_s = 1;
	w.end_s = 2;
	w.task_clock_s = 0.5;
	for (int i = 0; i < PP_F_COUNT; i++)
		add_formula_words(&w, pp_feature_info(i)->formula);
	cr_assert_gt(w.ncounts, 40, "the formulas name the raw counts");
	pp_features_compute(&w, &f);
	for (int i = 0; i < PP_F_COUNT; i++)
		cr_expect(isfinite(f.v[i]), "%s is %g with every count it reads present (%s)",
			  pp_feature_info(i)->name, f.v[i], pp_feature_info(i)->formula);
}

Test(features_inputs, order_does_not_matter_and_the_first_of_a_name_wins)
{
	memset(&w, 0, sizeof(w));
	w.end_s = 1;
	w.task_clock_s = 1;
	for (int i = 0; i < PP_F_COUNT; i++)
		add_formula_words(&w, pp_feature_info(i)->formula);
	memset(&w2, 0, sizeof(w2));
	w2.end_s = 1;
	w2.task_clock_s = 1;
	for (int i = w.ncounts - 1; i >= 0; i--)
		pp_window_add(&w2, w.counts[i].backend, w.counts[i].name, w.counts[i].value, 1,
			      false);
	pp_features_compute(&w, &f);
	pp_features_compute(&w2, &f2);
	cr_expect(memcmp(f.v, f2.v, sizeof(f.v)) == 0, "the same counts in reverse order");

	/* A second ip.samples (and a second perf-hw count running less) after the first. */
	double samples = pp_window_count(&w, "ip.samples");
	pp_window_add(&w, "ip-sample", "ip.samples", 4 * samples, 1, false);
	pp_window_add(&w, "perf-hw", "cycles", 1, 0.25, false);
	pp_features_compute(&w, &f2);
	cr_expect_eq(f2.v[PP_F_IP_AES], pp_window_count(&w, "ip.cls.aes") / samples);
	cr_expect_eq(f2.v[PP_F_IP_AES], f.v[PP_F_IP_AES]);
	cr_expect_eq(f2.v[PP_F_IPC], f.v[PP_F_IPC], "the first cycles count is the one used");
	cr_expect_eq(f2.v[PP_F_HW_RUNNING], 0.25, "every perf-hw count's running share counts");
}

Test(features_inputs, long_names_are_cut_to_fit)
{
	char name[100];
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	memset(&w, 0, sizeof(w));
	pp_window_add(&w, "test", name, 7, 1, false);
	pp_window_add(&w, "test", "short", 8, 1, false);
	cr_assert_eq(w.ncounts, 2);
	cr_expect_eq(strlen(w.counts[0].name), sizeof(w.counts[0].name) - 1);
	cr_expect_eq(strncmp(w.counts[0].name, name, sizeof(w.counts[0].name) - 1), 0);
	cr_expect_str_eq(w.counts[1].name, "short");
	name[sizeof(w.counts[0].name) - 1] = '\0';
	cr_expect_eq(pp_window_count(&w, name), 7);
	cr_expect_eq(pp_window_count(&w, "short"), 8);
}
