/* powprint: dispatches to a subcommand (perf style). */
#include "cli/cli.h"

#include "core/suggest.h"

#include <powprint/powprint.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
	fprintf(out,
		"usage: powprint [--version] [--help] COMMAND [ARGS]\n\n"
		"Proof-of-work workload kernels, counter fingerprints and miner detection.\n\n"
		"commands:\n");
	for (int i = 0; cli_commands[i]; i++)
		fprintf(out, "  %-10s %s\n", cli_commands[i]->name, cli_commands[i]->summary);
	fprintf(out, "\n'powprint help COMMAND' or 'powprint COMMAND --help' for a command's options.\n");
}

static const char *command_name(size_t i, const void *ctx)
{
	(void)ctx;
	return cli_commands[i]->name;
}

static int unknown_command(const char *name)
{
	size_t n = 0;
	while (cli_commands[n])
		n++;
	const char *near = pp_suggest(name, command_name, n, NULL);
	fprintf(stderr, "powprint: unknown command '%s'", name);
	if (near)
		fprintf(stderr, "; did you mean '%s'?", near);
	fprintf(stderr, "\nvalid commands:");
	for (int i = 0; cli_commands[i]; i++)
		fprintf(stderr, " %s", cli_commands[i]->name);
	fprintf(stderr, "\n(see 'powprint --help')\n");
	return CLI_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	const char *name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(name, "--version") || !strcmp(name, "-V")) {
		printf("powprint %s (git %s)\n", PP_VERSION_STRING, PP_GIT_REVISION);
		return 0;
	}
	if (!strcmp(name, "help")) {
		if (argc < 3) {
			usage(stdout);
			return 0;
		}
		const struct cli_cmd *c = cli_find(argv[2]);
		if (!c)
			return unknown_command(argv[2]);
		cli_help(c, stdout);
		return 0;
	}
	if (name[0] == '-') {
		fprintf(stderr, "powprint: unknown option '%s'\nvalid options: --help --version\n", name);
		return CLI_EXIT_USAGE;
	}
	const struct cli_cmd *c = cli_find(name);
	if (!c)
		return unknown_command(name);
	/* The command sees argv[0] = its name, as getopt expects. */
	return cli_output_finish(c, c->fn(argc - 1, argv + 1));
}
