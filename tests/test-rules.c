/* The rounding-mode rule's arithmetic: thresholds, the window of evidence it keeps, unknown
 * and nonsense evidence, the verdict fields it sets and the text alerts print. */
#include <powprint/model.h>

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

static struct pp_evidence ev(double pre, double nd)
{
	return (struct pp_evidence){ .preempted = pre, .preempted_nondefault = nd };
}

Test(rules, fires_at_the_share_and_count_thresholds)
{
	struct pp_round_tally t;
	cr_assert_eq(pp_round_tally_init(&t, PP_ROUND_WINDOWS), 0);
	struct pp_evidence e = ev(PP_ROUND_MIN_PREEMPTIONS - 1, PP_ROUND_MIN_PREEMPTIONS - 1);
	cr_expect_not(pp_round_tally_push(&t, &e), "too few preemptions yet");
	e = ev(1, 0);
	/* Now MIN preemptions, MIN-1 of them non-default: at least half. */
	cr_expect_eq(pp_round_tally_push(&t, &e),
		     PP_ROUND_MIN_PREEMPTIONS - 1 >= PP_ROUND_MIN_SHARE * PP_ROUND_MIN_PREEMPTIONS);
	cr_assert_eq(pp_round_tally_init(&t, PP_ROUND_WINDOWS), 0);
	e = ev(1000, 499);
	cr_expect_not(pp_round_tally_push(&t, &e), "49.9%% is under the share");
	e = ev(1000, 501);
	cr_expect(pp_round_tally_push(&t, &e), "50%% of 2000");
	cr_expect_float_eq(pp_round_tally_share(&t), 0.5, 1e-12);
}

Test(rules, old_evidence_ages_out)
{
	struct pp_round_tally t;
	cr_assert_eq(pp_round_tally_init(&t, 3), 0);
	struct pp_evidence miner = ev(100, 70), benign = ev(100, 0), quiet = ev(0, 0);
	cr_expect(pp_round_tally_push(&t, &miner));
	cr_expect(pp_round_tally_push(&t, &quiet), "no preemption: still 70 of 100");
	cr_expect_not(pp_round_tally_push(&t, &benign), "70 of 200");
	cr_expect_not(pp_round_tally_push(&t, &benign), "the miner window has left: 0 of 200");
	cr_expect_float_eq(t.sum_pre, 200, 1e-9);
	cr_expect_float_eq(t.sum_nd, 0, 1e-9);
	cr_expect_neq(pp_round_tally_init(&t, 0), 0);
	cr_expect_neq(pp_round_tally_init(&t, PP_ROUND_WINDOWS_MAX + 1), 0);
}

Test(rules, unknown_or_impossible_evidence_counts_nothing)
{
	struct pp_round_tally t;
	cr_assert_eq(pp_round_tally_init(&t, 5), 0);
	struct pp_evidence bad[] = { ev(NAN, NAN), ev(10, NAN), ev(INFINITY, 5), ev(-3, 1),
				     ev(5, 9) /* more non-default than preemptions */ };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_not(pp_round_tally_push(&t, &bad[i]), "case %zu", i);
	cr_expect(isnan(pp_round_tally_share(&t)));
	struct pp_verdict v;
	memset(&v, 0, sizeof(v));
	pp_round_verdict_fill(&t, &v);
	cr_expect_not(v.rule);
	cr_expect_not(v.miner);
	char buf[128];
	cr_expect_str_eq(pp_round_describe(&v, buf, sizeof(buf)), "rounding mode: no preemption seen");
}

Test(rules, verdict_and_text)
{
	struct pp_round_tally t;
	cr_assert_eq(pp_round_tally_init(&t, PP_ROUND_WINDOWS), 0);
	struct pp_evidence e = ev(2310, 1709);
	cr_assert(pp_round_tally_push(&t, &e));
	struct pp_verdict v;
	memset(&v, 0, sizeof(v));
	v.p_miner = 0.01; /* what the model says does not matter */
	pp_round_verdict_fill(&t, &v);
	cr_expect(v.rule);
	cr_expect(v.miner);
	cr_expect_float_eq(v.round_preemptions, 2310, 1e-9);
	char buf[128];
	cr_expect_str_eq(pp_round_describe(&v, buf, sizeof(buf)),
			 "rounding mode non-default at 74% of 2310 preemptions");
}
