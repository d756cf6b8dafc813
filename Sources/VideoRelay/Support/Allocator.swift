import CAllocator

/// The process's memory allocator, jemalloc (see Sources/CAllocator): its settings and what it
/// holds, for `/metrics` and for checking that relayd really runs on it.
public enum Allocator {
    /// What the allocator holds, in bytes (jemalloc's `stats.*`).
    public struct Statistics: Equatable, Sendable {
        /// In blocks handed out to the program.
        public var allocated: Int
        /// In pages of those blocks' runs (allocated plus the free space inside those pages).
        public var active: Int
        /// In pages resident in memory, the allocator's own metadata and free pages not yet
        /// given back included.
        public var resident: Int
        /// Address space kept mapped for reuse but not resident (not in RSS).
        public var retained: Int
    }

    /// The statistics now; nil where the process does not run on jemalloc.
    public static func statistics() -> Statistics? {
        guard allocator_refresh() == 0,
              let allocated = size("stats.allocated"), let active = size("stats.active"),
              let resident = size("stats.resident"), let retained = size("stats.retained")
        else { return nil }
        return Statistics(allocated: allocated, active: active, resident: resident, retained: retained)
    }

    /// The settings built into relayd (an operator's `MALLOC_CONF` is applied over them).
    public static var builtInSettings: String { String(cString: allocator_settings()) }

    /// A boolean option as the allocator applied it (`opt.background_thread`), nil if unknown.
    public static func option(_ name: String) -> Bool? {
        var value = false
        return allocator_read_bool(name, &value) == 0 ? value : nil
    }

    /// A signed option as the allocator applied it (`opt.dirty_decay_ms`), nil if unknown.
    public static func signedOption(_ name: String) -> Int? {
        var value = 0
        return allocator_read_ssize(name, &value) == 0 ? value : nil
    }

    private static func size(_ name: String) -> Int? {
        var value = 0
        return allocator_read_size(name, &value) == 0 ? value : nil
    }
}
