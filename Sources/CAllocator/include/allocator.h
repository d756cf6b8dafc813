#ifndef ALLOCATOR_H
#define ALLOCATOR_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/// relayd's memory allocator: jemalloc, linked into the process (Package.swift), so every
/// malloc of the process (Swift, libav*, libsrt, SQLite) goes to it, with the settings of
/// `allocator.c`'s `malloc_conf`.
///
/// glibc's malloc kept memory that a relay frees and allocates again in other sizes all day
/// (per-connection buffers, decoders made at every cut and reconnect) resident in its heaps, and
/// relayd's RSS crept up by about 9-13 MiB per hour although nothing live grew. jemalloc sorts
/// blocks by size class into runs of pages and a background thread gives unused pages back to
/// the system after `dirty_decay_ms`; docs/BENCHMARKS.md, "## Soak".
///
/// Reading the allocator's figures: each returns 0, or -1 where the process does not run on
/// jemalloc (a build linked without it) or jemalloc does not know `name`.

/// Brings the statistics (`stats.*`) up to date; call before reading them.
int allocator_refresh(void);
int allocator_read_size(const char *name, size_t *value);
int allocator_read_ssize(const char *name, ssize_t *value);
int allocator_read_bool(const char *name, bool *value);

/// The settings compiled into relayd (jemalloc's `malloc_conf`).
const char *allocator_settings(void);

#endif
