#include "allocator.h"
#include <stdint.h>

/// jemalloc reads this at its first allocation; MALLOC_CONF in the environment is applied after
/// it, so an operator can still change a setting without a rebuild.
/// - background_thread: a thread of jemalloc's own returns unused pages to the system on time,
///   rather than whichever thread happens to call free next;
/// - dirty_decay_ms: freed pages stay for up to 5 s for reuse (a reconnecting encoder, the next
///   cut), then go back to the system;
/// - muzzy_decay_ms 0: pages given back are unmapped from the process at once (MADV_DONTNEED),
///   so RSS shows what is in use.
const char *malloc_conf = "background_thread:true,dirty_decay_ms:5000,muzzy_decay_ms:0";

/// jemalloc's control interface. Weak, so a build without jemalloc (the fuzzing build, whose
/// AddressSanitizer brings its own malloc) links and reports nothing.
extern int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen)
    __attribute__((weak));

const char *allocator_settings(void) { return malloc_conf; }

int allocator_refresh(void) {
    if (!mallctl) return -1;
    uint64_t epoch = 1;
    size_t length = sizeof epoch;
    return mallctl("epoch", &epoch, &length, &epoch, sizeof epoch) == 0 ? 0 : -1;
}

static int read_value(const char *name, void *value, size_t size) {
    if (!mallctl) return -1;
    size_t length = size;
    return mallctl(name, value, &length, NULL, 0) == 0 && length == size ? 0 : -1;
}

int allocator_read_size(const char *name, size_t *value) { return read_value(name, value, sizeof *value); }
int allocator_read_ssize(const char *name, ssize_t *value) { return read_value(name, value, sizeof *value); }
int allocator_read_bool(const char *name, bool *value) { return read_value(name, value, sizeof *value); }
