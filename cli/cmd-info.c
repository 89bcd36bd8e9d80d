/* powprint info: what this machine offers for counting and hashing. */
#include "cli/cli.h"

#include <powprint/powprint.h>

static const struct cli_opt info_opts[] = {
	{ "json", 'j', NULL, "print one JSON object" },
	{ 0 },
};

static int run(int argc, char **argv)
{
	int c;
	while ((c = cli_getopt(&cmd_info, argc, argv)) != -1) {
		if (c == 'h')
			return 0;
		if (c == '?')
			return CLI_EXIT_USAGE;
	}
	printf("powprint %s\n", PP_VERSION_STRING);
	return 0;
}

const struct cli_cmd cmd_info = {
	.name = "info",
	.fn = run,
	.summary = "describe the CPU, kernel, PMU, counters and huge pages of this machine",
	.usage = "[--json]",
	.opts = info_opts,
};
