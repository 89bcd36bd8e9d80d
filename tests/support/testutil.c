#include "support/testutil.h"
#include "core/hex.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int pp_vec_load(const char *name, struct pp_vec_line **lines)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", PP_VECTORS_DIR, name);
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "cannot open vector file %s", path);

	struct pp_vec_line *v = NULL;
	int n = 0, cap = 0, lineno = 0;
	char *buf = NULL;
	size_t bufsz = 0;
	while (getline(&buf, &bufsz, f) > 0) {
		lineno++;
		char *s = buf + strspn(buf, " \t");
		if (*s == '#' || *s == '\n' || *s == '\0')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			v = realloc(v, (size_t)cap * sizeof(*v));
			cr_assert_not_null(v);
		}
		struct pp_vec_line *l = &v[n++];
		memset(l, 0, sizeof(*l));
		l->lineno = lineno;
		char *save = NULL;
		for (char *tok = strtok_r(s, " \t\r\n", &save); tok && l->nfields < PP_VEC_MAX_FIELDS;
		     tok = strtok_r(NULL, " \t\r\n", &save))
			l->field[l->nfields++] = strdup(tok);
	}
	free(buf);
	fclose(f);
	*lines = v;
	return n;
}

void pp_vec_free(struct pp_vec_line *lines, int n)
{
	for (int i = 0; i < n; i++)
		for (int j = 0; j < lines[i].nfields; j++)
			free(lines[i].field[j]);
	free(lines);
}

size_t pp_test_unhex(const char *hex, uint8_t *out, size_t cap)
{
	long n = pp_hex_decode_flags(hex, PP_HEX_X_EMPTY, out, cap);
	cr_assert_geq(n, 0, "bad hex in vector: %.40s", hex);
	return (size_t)n;
}

char *pp_test_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return strdup("");
	char *s = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&s, &len);
	char buf[4096];
	size_t k;
	while ((k = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, k, m);
	fclose(m);
	fclose(f);
	return s;
}

int pp_cli_run(const char *args, char **out, char **err)
{
	char o[] = "/tmp/pp-cli-out-XXXXXX", e[] = "/tmp/pp-cli-err-XXXXXX";
	int fo = mkstemp(o), fe = mkstemp(e);
	cr_assert(fo >= 0 && fe >= 0);
	char cmd[8192];
	snprintf(cmd, sizeof(cmd), "'%s' %s >%s 2>%s </dev/null", PP_CLI_PATH, args, o, e);
	int st = system(cmd);
	char *so = pp_test_slurp(o), *se = pp_test_slurp(e);
	unlink(o);
	unlink(e);
	close(fo);
	close(fe);
	if (out)
		*out = so;
	else
		free(so);
	if (err)
		*err = se;
	else
		free(se);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int pp_json_validate(const char *schema, const char *text, bool lines, char **why)
{
	char in[] = "/tmp/pp-json-in-XXXXXX", e[] = "/tmp/pp-json-err-XXXXXX";
	int fi = mkstemp(in), fe = mkstemp(e);
	cr_assert(fi >= 0 && fe >= 0);
	size_t len = strlen(text);
	cr_assert_eq(write(fi, text, len), (ssize_t)len);
	char cmd[8192];
	snprintf(cmd, sizeof(cmd), "python3 '%s/scripts/json-validate' %s '%s/docs/schemas/%s' %s "
		 "2>%s", PP_SOURCE_DIR, lines ? "--lines" : "", PP_SOURCE_DIR, schema, in, e);
	int st = system(cmd);
	char *se = pp_test_slurp(e);
	unlink(in);
	unlink(e);
	close(fi);
	close(fe);
	int rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	cr_assert(rc == 0 || rc == 1, "json-validate could not run (status %d): %s; it needs "
		  "python3 and python3-jsonschema (scripts/bootstrap)", rc, se);
	if (why)
		*why = se;
	else
		free(se);
	return rc;
}

uint64_t pp_test_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

bool pp_test_mapping_of(const void *addr, char perms[5], char *path, size_t cap)
{
	FILE *f = fopen("/proc/self/maps", "r");
	cr_assert_not_null(f, "cannot read /proc/self/maps");
	char line[512];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		int end = 0;
		if (sscanf(line, "%lx-%lx %4s %*s %*s %*s%n", &lo, &hi, perms, &end) < 3)
			continue;
		if ((uintptr_t)addr < lo || (uintptr_t)addr >= hi)
			continue;
		const char *p = line + end;
		while (*p == ' ' || *p == '\t')
			p++;
		snprintf(path, cap, "%.*s", (int)strcspn(p, "\n"), p);
		found = true;
	}
	fclose(f);
	return found;
}
