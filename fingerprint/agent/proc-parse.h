/* The text of the /proc files the agent reads about a process, turned into values. The process
 * may be hostile and chooses much of that text (its command name, arguments, cgroup names),
 * so these are kept apart from the reading (proc.c) to be tested and fuzzed on any text. */
#ifndef PP_FINGERPRINT_AGENT_PROC_PARSE_H
#define PP_FINGERPRINT_AGENT_PROC_PARSE_H

#include "fingerprint/agent/agent-priv.h"

#include <stddef.h>
#include <sys/types.h>

/* /proc/PID/stat (NUL-terminated; it is cut up in place) into *st, all but st->pid: 0, or
 * -EBADMSG when it lacks the fields up to starttime. */
int agent_stat_parse(char *text, struct agent_stat *st);

/* The cgroup v2 path ("0::PATH") of /proc/PID/cgroup (NUL-terminated; it is cut up in place)
 * into out, or on v1-only hosts the first line's path; "" when there is none. */
void agent_cgroup_parse(char *text, char *out, size_t len);

/* The real uid of /proc/PID/status (NUL-terminated), or (uid_t)-1 when it has none. */
uid_t agent_uid_parse(const char *text);

/* The n bytes of /proc/PID/cmdline (arguments ended by NULs) as one line, the arguments joined
 * by spaces, into out (len > 0; cut to len - 1 bytes). Its length. */
size_t agent_cmdline_parse(const char *raw, size_t n, char *out, size_t len);

#endif
