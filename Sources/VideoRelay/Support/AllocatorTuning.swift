import Glibc

/// glibc malloc settings for a long-running relay, applied once at start-up.
///
/// - At most two arenas: glibc otherwise gives each busy thread (libsrt's receive, send and
///   TSBPD threads, the relay loop, decoders, the Swift pool) an arena of its own, up to 8 per
///   core, and each keeps what its thread once freed.
/// - A fixed mmap threshold of 128 KiB: without it glibc raises the threshold to the largest
///   block freed so far (up to 32 MiB), after which libsrt's per-connection loss lists
///   (hundreds of KiB each) and libav's frame buffers land in the arenas and stay there after
///   the connection or decoder is gone; at 128 KiB they are mapped and unmapped on their own.
///
/// Measured with scripts/bench-relay (ffmpeg publishing 8.6 Mbit/s, srt-live-transmit
/// readers): steady RSS 111 → 105 MiB at 1 → 1 and 119 → 113 MiB at 1 → 10, CPU unchanged.
/// An operator's own `MALLOC_ARENA_MAX`, `MALLOC_MMAP_THRESHOLD_` or `GLIBC_TUNABLES` wins.
public enum AllocatorTuning {
    /// One mallopt parameter and its value.
    struct Setting: Equatable {
        /// The `M_*` constant from <malloc.h>.
        var parameter: Int32
        var value: Int32
    }

    /// `M_ARENA_MAX` from <malloc.h>, which the Glibc module does not import.
    static let arenaMax: Int32 = -8
    /// `M_MMAP_THRESHOLD` from <malloc.h>.
    static let mmapThreshold: Int32 = -3

    /// What to set, given the process environment: nothing the operator already set there.
    static func settings(environment: [String: String]) -> [Setting] {
        let tunables = environment["GLIBC_TUNABLES"] ?? ""
        var settings: [Setting] = []
        if environment["MALLOC_ARENA_MAX"] == nil && !tunables.contains("glibc.malloc.arena_max") {
            settings.append(Setting(parameter: arenaMax, value: 2))
        }
        if environment["MALLOC_MMAP_THRESHOLD_"] == nil && !tunables.contains("glibc.malloc.mmap_threshold") {
            settings.append(Setting(parameter: mmapThreshold, value: 128 << 10))
        }
        return settings
    }

    /// Applies the settings; call before the relay starts its threads. A C library without
    /// `mallopt` is left as it is.
    public static func apply() {
        guard let mallopt else { return }
        var environment: [String: String] = [:]
        for name in ["MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_", "GLIBC_TUNABLES"] {
            if let value = getenv(name) { environment[name] = String(cString: value) }
        }
        for setting in settings(environment: environment) {
            _ = mallopt(setting.parameter, setting.value)
        }
    }

    /// glibc's `mallopt`, declared in <malloc.h>; looked up once like `AllocatorTrim`'s trim.
    private static let mallopt: (@convention(c) (Int32, Int32) -> Int32)? = dlsym(nil, "mallopt").map {
        unsafeBitCast($0, to: (@convention(c) (Int32, Int32) -> Int32).self)
    }
}
