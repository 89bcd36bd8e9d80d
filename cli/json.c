/* The one printer of --json output (cli.h, docs/json.md): documents indented, streams one
 * compact object per line. */
#include "cli/cli.h"
#include "core/json.h"

#include <stdio.h>
#include <stdlib.h>

int cli_json_print(cJSON *j, bool stream)
{
	char *s = pp_json_print(j, stream ? PP_JSON_LINE : PP_JSON_DOCUMENT);
	if (!s) {
		fprintf(stderr, "powprint: out of memory printing JSON\n");
		return CLI_EXIT_FAIL;
	}
	puts(s);
	if (stream)
		fflush(stdout);
	cJSON_free(s);
	return 0;
}

int cli_json_print_text(const char *text)
{
	cJSON *j = text ? cJSON_Parse(text) : NULL;
	if (!j) {
		fprintf(stderr, "powprint: the library produced no valid JSON to print\n");
		return CLI_EXIT_FAIL;
	}
	int rc = cli_json_print(j, false);
	cJSON_Delete(j);
	return rc;
}
