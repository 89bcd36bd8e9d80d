/* Where shipped data (default models, the reference dataset) lives. Internal to powprint. */
#ifndef PP_CORE_DATADIR_H
#define PP_CORE_DATADIR_H

#include <stdbool.h>
#include <stddef.h>

/* $POWPRINT_DATA_DIR when set; else the source tree's data/ (a build-tree binary); else the
 * installed share/powprint. */
const char *pp_data_dir(void);

/* The default model for a machine with (hw_pmu) or without a hardware PMU: data/models/pmu
 * or data/models/pmu-less; a PMU machine falls back to the PMU-less model when no PMU model
 * is shipped. Without the ebpf backend (no BTF, no CAP_BPF) the PMU-less model is the one
 * trained without its features, data/models/pmu-less-no-ebpf. Returns 0, or -ENOENT when none
 * is installed (buf still names the one tried). */
int pp_default_model_path(bool hw_pmu, bool ebpf, char *buf, size_t len);

#endif
