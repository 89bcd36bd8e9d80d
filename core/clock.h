/* Clocks in seconds as doubles, for durations, deadlines and CPU-time budgets. Internal to
 * powprint. */
#ifndef PP_CORE_CLOCK_H
#define PP_CORE_CLOCK_H

/* CLOCK_MONOTONIC: durations and deadlines (never jumps with the wall clock). */
double pp_clock_mono_s(void);
/* CLOCK_REALTIME: Unix time, for timestamps a person or another host reads. */
double pp_clock_unix_s(void);
/* CLOCK_PROCESS_CPUTIME_ID: CPU time of this process, all threads. */
double pp_clock_cpu_s(void);
/* CLOCK_THREAD_CPUTIME_ID: CPU time of the calling thread only. */
double pp_clock_thread_cpu_s(void);

#endif
