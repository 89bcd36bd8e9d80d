/* Stopping cleanly on SIGINT/SIGTERM: one flag that the commands' loops and the library's
 * stop options poll, and reading a window past the signal. */
#include "cli/cli.h"

#include <errno.h>
#include <powprint/collect.h>

volatile sig_atomic_t cli_stop;

static void on_stop(int sig)
{
	(void)sig;
	cli_stop = 1;
}

void cli_catch_stop(void)
{
	/* No SA_RESTART: a blocking read returns -EINTR, so the loops see the flag at once. */
	struct sigaction sa = { .sa_handler = on_stop };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int cli_collector_read(struct pp_collector *col, struct pp_window *w, bool started)
{
	for (;;) {
		int err = pp_collector_read(col, w);
		if (err != -EINTR)
			return err;
		if (cli_stop && !started)
			return pp_collector_read_now(col, w);
		/* Ctrl-C: a started command got it too and will end its own windows. */
		cli_stop = 0;
	}
}
