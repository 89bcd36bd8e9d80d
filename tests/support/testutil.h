/* Helpers shared by the criterion tests: vector files and running the CLI. */
#ifndef PP_TESTUTIL_H
#define PP_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PP_VEC_MAX_FIELDS 8

/* One non-comment line of a whitespace-separated vector file, with its line number. */
struct pp_vec_line {
	int lineno;
	int nfields;
	char *field[PP_VEC_MAX_FIELDS];
};

/* Reads tests/vectors/NAME; lines starting with '#' and blank lines are skipped. Returns the
 * number of lines (and *lines, to free with pp_vec_free) or aborts the test on error. */
int pp_vec_load(const char *name, struct pp_vec_line **lines);
void pp_vec_free(struct pp_vec_line *lines, int n);

/* Decodes hex or aborts the test; "x" decodes to the empty string (Monero's convention). */
size_t pp_test_unhex(const char *hex, uint8_t *out, size_t cap);

/* Runs the powprint CLI with `args` (a shell-quoted string), capturing stdout and stderr into
 * malloc'd strings. Returns the exit status (or -1 when it did not exit normally). */
int pp_cli_run(const char *args, char **out, char **err);

/* Checks text against docs/schemas/SCHEMA with scripts/json-validate (python3-jsonschema):
 * a document, or with lines a stream of one compact object per line. Returns the script's
 * exit status (0 valid, 1 not) and *why (malloc'd, may be NULL) its complaints with the path
 * of each failing field. Aborts the test when the validator cannot run at all. */
int pp_json_validate(const char *schema, const char *text, bool lines, char **why);

/* The whole file at path as a malloc'd string ("" when it cannot be read). */
char *pp_test_slurp(const char *path);

/* splitmix64: a tiny, well-mixed generator for reproducible random test inputs. */
uint64_t pp_test_rand(uint64_t *state);

/* The mapping of this process that holds addr, from /proc/self/maps: its permissions
 * ("r-xp") and its path ("" for anonymous memory). False when no mapping holds it. */
bool pp_test_mapping_of(const void *addr, char perms[5], char *path, size_t cap);

#endif
