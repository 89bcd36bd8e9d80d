/* Parsing a workload's own options (options.c). */
#ifndef PP_WL_OPTIONS_H
#define PP_WL_OPTIONS_H

#include "kernels/workloads/wl.h"

/* Fills ctx->opt[] with defaults, then with params ("name=value"); -EINVAL with ctx->err set
 * on an unknown name or a bad value. */
int wl_opts_parse(struct wl_ctx *ctx, const char *const *params);

#endif
