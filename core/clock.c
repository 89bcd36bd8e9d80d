#include "core/clock.h"

#include <time.h>

static double seconds(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

double pp_clock_mono_s(void)
{
	return seconds(CLOCK_MONOTONIC);
}

double pp_clock_unix_s(void)
{
	return seconds(CLOCK_REALTIME);
}

double pp_clock_cpu_s(void)
{
	return seconds(CLOCK_PROCESS_CPUTIME_ID);
}

double pp_clock_thread_cpu_s(void)
{
	return seconds(CLOCK_THREAD_CPUTIME_ID);
}
