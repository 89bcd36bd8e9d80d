/* Text a watched process chose (its name, command line, executable path, cgroup names), made
 * safe for each output: valid UTF-8 for JSON, one line for logs and terminals, exposition-
 * format label values for Prometheus. A process may call itself anything but NUL, so none of
 * these may let a byte of it end a line, a string or a label early. */
#include "fingerprint/agent/agent-priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

size_t agent_utf8_seq(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	if (u[0] < 0x80)
		return 1;
	size_t n;
	unsigned cp;
	if (u[0] >= 0xc2 && u[0] <= 0xdf)
		n = 2, cp = u[0] & 0x1fu;
	else if (u[0] >= 0xe0 && u[0] <= 0xef)
		n = 3, cp = u[0] & 0x0fu;
	else if (u[0] >= 0xf0 && u[0] <= 0xf4)
		n = 4, cp = u[0] & 0x07u;
	else
		return 0; /* a continuation byte, an overlong lead (c0, c1) or past U+10FFFF */
	for (size_t i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return 0; /* includes the terminating NUL: never reads past it */
		cp = cp << 6 | (u[i] & 0x3fu);
	}
	/* Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* The code point of the valid sequence of n bytes at s. */
static unsigned utf8_cp(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	static const unsigned lead_mask[5] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	unsigned cp = u[0] & lead_mask[n];
	for (size_t i = 1; i < n; i++)
		cp = cp << 6 | (u[i] & 0x3fu);
	return cp;
}

/* C0, DEL and C1 controls, and the two Unicode line and paragraph separators: characters
 * that end or rewrite a line somewhere (terminals, JavaScript, log viewers). */
static bool is_control(unsigned cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029;
}

/* Appends the k bytes at p to out (len > 0) if all of them fit before the terminator. */
static bool put(char *out, size_t len, size_t *at, const char *p, size_t k)
{
	if (*at + k >= len)
		return false;
	memcpy(out + *at, p, k);
	*at += k;
	return true;
}

size_t pp_agent_text_utf8(const char *s, char *out, size_t len)
{
	size_t at = 0;
	if (!len)
		return 0;
	for (; s && *s;) {
		size_t n = agent_utf8_seq(s);
		if (!(n ? put(out, len, &at, s, n) : put(out, len, &at, REPLACEMENT, 3)))
			break;
		s += n ? n : 1;
	}
	out[at] = '\0';
	return at;
}

size_t pp_agent_text_line(const char *s, char *out, size_t len)
{
	size_t at = 0;
	if (!len)
		return 0;
	for (; s && *s;) {
		size_t n = agent_utf8_seq(s);
		char esc[16];
		const char *p = s;
		size_t k = n;
		if (n == 0) {
			snprintf(esc, sizeof(esc), "\\x%02x", (unsigned char)*s);
			p = esc, k = 4, n = 1;
		} else if (*s == '\\') {
			p = "\\\\", k = 2;
		} else if (*s == '\n' || *s == '\t' || *s == '\r') {
			p = *s == '\n' ? "\\n" : *s == '\t' ? "\\t" : "\\r", k = 2;
		} else if (is_control(utf8_cp(s, n))) {
			unsigned cp = utf8_cp(s, n);
			k = (size_t)snprintf(esc, sizeof(esc), cp < 0x100 ? "\\x%02x" : "\\u%04x", cp);
			p = esc;
		}
		if (!put(out, len, &at, p, k))
			break;
		s += n;
	}
	out[at] = '\0';
	return at;
}

void agent_label_write(FILE *f, const char *v)
{
	fputc('"', f);
	for (; v && *v;) {
		size_t n = agent_utf8_seq(v);
		if (n == 0) {
			fputs(REPLACEMENT, f);
			v++;
			continue;
		}
		/* The exposition format has three escapes in a label value: \\, \" and \n. */
		if (*v == '\\' || *v == '"')
			fprintf(f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", f);
		else if (is_control(utf8_cp(v, n)))
			fputs(REPLACEMENT, f);
		else
			fwrite(v, 1, n, f);
		v += n;
	}
	fputc('"', f);
}

char *agent_text_dup_utf8(const char *s)
{
	size_t len = 3 * strlen(s ? s : "") + 1; /* each byte at most U+FFFD's 3 */
	char *out = malloc(len);
	if (out)
		pp_agent_text_utf8(s, out, len);
	return out;
}

char *agent_json_escape_controls(char *json)
{
	if (!json)
		return NULL;
	size_t extra = 0;
	for (const char *p = json; *p;) {
		size_t n = agent_utf8_seq(p);
		if (!n)
			n = 1;
		else if (n > 1 || *p == 0x7f)
			extra += is_control(utf8_cp(p, n)) ? 6 : 0;
		p += n;
	}
	if (!extra)
		return json;
	char *out = malloc(strlen(json) + extra + 1), *o = out;
	if (!out) {
		free(json);
		return NULL;
	}
	/* cJSON escapes only C0; DEL, C1 and U+2028/9 can only be inside strings: \u them. */
	for (const char *p = json; *p;) {
		size_t n = agent_utf8_seq(p);
		if (!n)
			n = 1;
		if ((n > 1 || *p == 0x7f) && is_control(utf8_cp(p, n)))
			o += sprintf(o, "\\u%04x", utf8_cp(p, n));
		else
			memcpy(o, p, n), o += n;
		p += n;
	}
	*o = '\0';
	free(json);
	return out;
}
