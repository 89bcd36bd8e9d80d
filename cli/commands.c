/* The command table, in the order `powprint --help` lists them. Each command's options live
 * beside its implementation in cmd-<name>.c. */
#include "cli/cli.h"

#include <string.h>

const struct cli_cmd *const cli_commands[] = {
	&cmd_bench,
	&cmd_profile,
	&cmd_report,
	&cmd_info,
	&cmd_list,
	&cmd_run,
	&cmd_stat,
	&cmd_record,
	&cmd_hash,
	&cmd_selftest,
	&cmd_train,
	&cmd_eval,
	&cmd_classify,
	&cmd_watch,
	NULL,
};

const struct cli_cmd *cli_find(const char *name)
{
	for (int i = 0; cli_commands[i]; i++)
		if (strcmp(cli_commands[i]->name, name) == 0)
			return cli_commands[i];
	return NULL;
}
