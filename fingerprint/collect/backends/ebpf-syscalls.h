/* The ebpf backend's syscall classes (bpf/ebpf-maps.h) by this architecture's numbers. */
#ifndef PP_COLLECT_EBPF_SYSCALLS_H
#define PP_COLLECT_EBPF_SYSCALLS_H

#include "fingerprint/collect/backends/bpf/ebpf-maps.h"

/* The class of syscall number nr on the architecture powprint was built for (PP_SC_OTHER for
 * numbers it does not list, negative or out of range). */
enum pp_sc_class pp_sc_class_of(long nr);

/* The class's name as counts and features spell it ("sync", "memory", ...), NULL if none. */
const char *pp_sc_class_name(int cls);

#endif
