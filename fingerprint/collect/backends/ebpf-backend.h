/* What the ebpf backend offers besides its ops (tests and `powprint info`). */
#ifndef PP_COLLECT_EBPF_BACKEND_H
#define PP_COLLECT_EBPF_BACKEND_H

#include <stddef.h>

/* Loads a private copy of the program with its kernel structures relocated against the BTF
 * in btf_path (NULL: the running kernel's), attaches it until one of this thread's context
 * switches has run the FPU hook (at most 200 ms) and returns in *layout which layout of the
 * saved registers the hook read (enum pp_fpu_layout). How the tests run the CO-RE path for a
 * kernel older than this one. 0 or a negative errno with why filled in. */
int pp_ebpf_layout_check(const char *btf_path, int *layout, char *why, size_t len);

#endif
