/* Executable mappings of a process, from /proc/PID/maps, to tell where a sampled IP lies:
 * file-backed text, anonymous executable memory (JIT code), or the vdso. */
#ifndef PP_FINGERPRINT_MAPS_H
#define PP_FINGERPRINT_MAPS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum pp_loc {
	PP_LOC_FILE,      /* text of a file (executable, shared library) */
	PP_LOC_JIT,       /* anonymous or memfd executable memory: generated code */
	PP_LOC_VDSO,
	PP_LOC_OTHER,     /* [vsyscall], [uprobes] and the like */
	PP_LOC_UNMAPPED,  /* in no executable mapping (or kernel) */
	PP_LOC_COUNT
};

struct pp_map {
	uint64_t start, end;
	uint64_t offset;   /* file offset of start */
	uint64_t ino;      /* the file's inode and device (0 when anonymous) */
	uint32_t dev;
	uint64_t ver;      /* PP_LOC_FILE: the file's ctime (ns) as seen through the process's
			    * root, when that file is the mapped one; 0 when it could not be
			    * checked. Inode numbers are reused once a file is gone: only with
			    * ver is (ino, dev, ver, offset) the same code in every process. */
	enum pp_loc loc;
	char *path;        /* PP_LOC_FILE only (else NULL): code can be re-read from the file
			    * after the process has exited */
};

struct pp_maps {
	struct pp_map *m;  /* executable mappings, sorted by start */
	int n;
};

const char *pp_loc_name(enum pp_loc l);

/* Classifies one line of /proc/PID/maps; returns 1 and fills *m for an executable mapping,
 * 0 for any other (or malformed) line. m->path is not set (pp_maps_read sets it). */
int pp_maps_parse_line(const char *line, struct pp_map *m);

/* Parses the text of a maps file, [text, text + len) (no NUL needed), into *maps (freeing what
 * it held): its executable mappings, in address order and without overlaps (a line that would
 * break them is dropped), path set for files not deleted, ver 0. 0 or -ENOMEM. */
int pp_maps_parse(const char *text, size_t len, struct pp_maps *maps);

/* Reads /proc/PID/maps into *maps (freeing what it held). 0 or a negative errno. */
int pp_maps_read(pid_t pid, struct pp_maps *maps);
void pp_maps_free(struct pp_maps *maps);

/* The executable mapping holding addr, or NULL. */
const struct pp_map *pp_maps_find(const struct pp_maps *maps, uint64_t addr);

#endif
