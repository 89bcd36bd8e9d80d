/* "Did you mean ...?" for unknown names (commands, options, workloads, backends, keywords). */
#ifndef PP_CORE_SUGGEST_H
#define PP_CORE_SUGGEST_H

#include <stddef.h>

/* The i-th candidate name, or NULL to skip it. */
typedef const char *(*pp_name_fn)(size_t i, const void *ctx);

/* The candidate closest to word in edit distance (case ignored; swapping two neighbours
 * counts as one edit), or NULL when none is close enough to be what was meant: at most 1 edit
 * for names of up to 4 characters, 2 up to 8, 3 beyond. Ties go to the earlier candidate. */
const char *pp_suggest(const char *word, pp_name_fn name, size_t n, const void *ctx);

/* pp_suggest over an array of n strings. */
const char *pp_suggest_in(const char *word, const char *const *names, size_t n);

#endif
