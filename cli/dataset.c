/* Reading recorded datasets for the commands that take --data (train, eval, classify). */
#include "cli/cli.h"

#include <powprint/dataset.h>
#include <powprint/error.h>

struct pp_dataset *cli_dataset_read(const struct cli_cmd *cmd, const char *const *dirs, int n)
{
	char why[1024] = "";
	struct pp_dataset *ds;
	int err = pp_dataset_read_many(dirs, n, &ds, why, sizeof(why));
	if (err) {
		cli_fail(cmd, err, why);
		return NULL;
	}
	return ds;
}
