/* Placeholder until the miner entries land. */
#include "kernels/workloads/wl.h"

const struct pp_workload wl_miners[1];
const int wl_nminers = 0;
