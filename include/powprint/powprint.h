/* powprint: proof-of-work workload kernels, counter fingerprints and miner detection.
 * Umbrella header: include this one. Conventions: functions return 0 or a negative errno
 * (<powprint/error.h>); constructors use out-parameters; options structs start with `sz`. */
#ifndef POWPRINT_H
#define POWPRINT_H

#include <powprint/version.h>
#include <powprint/error.h>
#include <powprint/opts.h>
#include <powprint/sysinfo.h>
#include <powprint/perf.h>
#include <powprint/hash.h>
#include <powprint/mine.h>
#include <powprint/selftest.h>
#include <powprint/workload.h>
#include <powprint/features.h>
#include <powprint/collect.h>
#include <powprint/dataset.h>
#include <powprint/model.h>
#include <powprint/record.h>
#include <powprint/bench.h>
#include <powprint/agent.h>

#endif
