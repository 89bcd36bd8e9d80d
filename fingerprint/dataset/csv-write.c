/* pp_dataset_write_csv: windows.csv as csv-read.c reads it back (RFC 4180, CRLF line ends;
 * NaN and unknown knobs as empty fields; doubles to 17 significant digits, so they survive the
 * round trip exactly). */
#include "fingerprint/dataset/dataset-priv.h"
#include "core/file.h"
#include "core/why.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_str(FILE *m, const char *s)
{
	if (!strpbrk(s, ",\"\r\n") && s[0] != ' ' && (!s[0] || s[strlen(s) - 1] != ' ')) {
		fputs(s, m);
		return;
	}
	fputc('"', m);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', m);
		fputc(*s, m);
	}
	fputc('"', m);
}

static void put_num(FILE *m, double v)
{
	if (!isnan(v))
		fprintf(m, "%.17g", v);
}

static void put_int(FILE *m, long v)
{
	if (v >= 0)
		fprintf(m, "%ld", v);
}

int ds_csv_format(const struct pp_dataset *ds, char **out, size_t *outlen)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);
	if (!m)
		return -ENOMEM;
	for (int k = 0; k < C_NFIXED; k++)
		fprintf(m, "%s%s", k ? "," : "", ds_fixed_names[k]);
	for (int j = 0; j < ds->nraw; j++) {
		fputc(',', m);
		put_str(m, ds->rname[j]);
	}
	for (int j = 0; j < ds->nf; j++) {
		fputc(',', m);
		put_str(m, ds->fname[j]);
	}
	fputs("\r\n", m);  /* RFC 4180 line ends */
	for (int i = 0; i < ds->nrows; i++) {
		const struct pp_dataset_row *r = &ds->rows[i];
		fprintf(m, "%ld,", r->run_id);
		put_str(m, r->workload);
		fputs(r->label == PP_LABEL_MINER ? ",miner," :
		      r->label == PP_LABEL_BENIGN ? ",benign," : ",,", m);
		put_str(m, r->family);
		fputc(',', m);
		put_str(m, r->variant);
		fputc(',', m);
		put_int(m, r->threads);
		fputc(',', m);
		put_int(m, r->duty);
		fputc(',', m);
		put_int(m, r->soft_aes);
		fputc(',', m);
		put_str(m, r->huge_pages);
		fputc(',', m);
		put_int(m, r->window);
		fputc(',', m);
		put_num(m, r->t_start);
		fputc(',', m);
		put_num(m, r->t_end);
		fputc(',', m);
		put_num(m, r->task_clock_s);
		fprintf(m, ",%d", r->partial ? 1 : 0);
		for (int j = 0; j < ds->nraw; j++) {
			fputc(',', m);
			put_num(m, ds->R[(size_t)i * ds->nraw + j]);
		}
		for (int j = 0; j < ds->nf; j++) {
			fputc(',', m);
			put_num(m, ds->X[(size_t)i * ds->nf + j]);
		}
		fputs("\r\n", m);
	}
	if (fclose(m)) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	*outlen = n;
	return 0;
}

int pp_dataset_write_csv(const struct pp_dataset *ds, const char *path, char *why, size_t len)
{
	char *buf;
	size_t n;
	int err = ds_csv_format(ds, &buf, &n);
	if (err)
		return err;
	err = pp_file_write_atomic(path, buf, n);
	free(buf);
	if (err)
		return pp_why(why, len, err, "cannot write %s: %s", path, strerror(-err));
	return 0;
}
