/* Options structs start with `size_t sz` and are zero-initialised by PP_OPTS, so fields can
 * be appended later without breaking callers built against an older header (libbpf style). */
#ifndef POWPRINT_OPTS_H
#define POWPRINT_OPTS_H

#include <stddef.h>
#include <string.h>

/* Declares `struct TYPE NAME` zeroed, with sz set, then applies designated initialisers. */
#define PP_OPTS(TYPE, NAME, ...)                                   \
	struct TYPE NAME = ({                                       \
		struct TYPE pp_opts_tmp_;                           \
		memset(&pp_opts_tmp_, 0, sizeof(pp_opts_tmp_));     \
		pp_opts_tmp_ = (struct TYPE){ __VA_ARGS__ };        \
		pp_opts_tmp_.sz = sizeof(struct TYPE);              \
		pp_opts_tmp_;                                       \
	})

/* True when an options struct of size `sz` (as the caller built it) holds FIELD. */
#define PP_OPTS_HAS(opts, TYPE, FIELD) \
	((opts) && (opts)->sz >= offsetof(struct TYPE, FIELD) + sizeof((opts)->FIELD))

/* FIELD's value, or DEF when the caller's struct predates FIELD or opts is NULL. */
#define PP_OPTS_GET(opts, TYPE, FIELD, DEF) \
	(PP_OPTS_HAS(opts, TYPE, FIELD) ? (opts)->FIELD : (DEF))

#endif
