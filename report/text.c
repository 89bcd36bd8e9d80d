/* Escaping for HTML, gnuplot string literals and CSV fields, and file-name slugs. Profile
 * labels, workload and feature names come from files a user hands us, so none of them is ever
 * pasted into markup or a script unescaped. */
#include "report/report-priv.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void rp_html_escape(struct rp_buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': rp_buf_puts(b, "&amp;"); break;
		case '<': rp_buf_puts(b, "&lt;"); break;
		case '>': rp_buf_puts(b, "&gt;"); break;
		case '"': rp_buf_puts(b, "&quot;"); break;
		case '\'': rp_buf_puts(b, "&#39;"); break;
		default: rp_buf_add(b, s, 1);
		}
	}
}

/* gnuplot's single-quoted strings take no backslash escapes; '' is a quote. The svg terminal
 * runs noenhanced, so ^ _ { } @ & are plain text too. */
void rp_gp_quote(struct rp_buf *b, const char *s)
{
	rp_buf_puts(b, "'");
	for (; s && *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			continue;
		if (*s == '\'')
			rp_buf_puts(b, "''");
		else
			rp_buf_add(b, s, 1);
	}
	rp_buf_puts(b, "'");
}

void rp_csv_str(struct rp_buf *b, const char *s)
{
	if (!s)
		s = "";
	if (!strpbrk(s, ",\"\r\n")) {
		rp_buf_puts(b, s);
		return;
	}
	rp_buf_puts(b, "\"");
	for (; *s; s++) {
		if (*s == '"')
			rp_buf_puts(b, "\"\"");
		else
			rp_buf_add(b, s, 1);
	}
	rp_buf_puts(b, "\"");
}

void rp_csv_num(struct rp_buf *b, double v)
{
	if (!isnan(v))
		rp_buf_printf(b, "%.10g", v);
}

void rp_slug(const char *s, char *out, size_t len)
{
	size_t n = 0;
	for (; s && *s && n + 1 < len; s++) {
		char ch = *s;
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
		out[n++] = ok ? ch : '-';
	}
	if (n && out[0] == '.')
		out[0] = '-';  /* never a hidden file, nor "." or ".." */
	out[n] = '\0';
}
