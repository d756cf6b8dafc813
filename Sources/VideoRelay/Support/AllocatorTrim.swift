import Glibc

/// Hands memory the allocator holds free back to the system after a burst of SRT handshakes.
///
/// Every handshake, failed or not, makes libsrt allocate a socket's buffers on its own threads;
/// glibc keeps what they free in per-thread arenas. Measured with 300 failed handshakes against
/// a relay at 144 MiB: 286 MiB after them, 146 MiB after `malloc_trim`. Without a trim a flood
/// of failed handshakes ratchets RSS up though nothing is live. Pure decision, effect in `trim()`.
struct AllocatorTrim {
    /// How often at most: a trim walks every arena, so it is cheap but not free.
    static let interval = Duration.seconds(10)

    private var handshakesAtLastTrim = 0
    private var lastTrimAt: ContinuousClock.Instant

    init(now: ContinuousClock.Instant) {
        lastTrimAt = now
    }

    /// Whether to trim now, given how many handshakes libsrt has made so far (accepted plus
    /// abandoned): only after new handshakes, and at most once per `interval`.
    mutating func shouldTrim(handshakes: Int, now: ContinuousClock.Instant) -> Bool {
        guard handshakes != handshakesAtLastTrim, now - lastTrimAt >= Self.interval else { return false }
        handshakesAtLastTrim = handshakes
        lastTrimAt = now
        return true
    }

    /// Returns free memory at the top of the heap and in every arena to the system.
    static func trim() {
        _ = mallocTrim?(0)
    }

    /// glibc's `malloc_trim`, declared in <malloc.h>, which the Glibc module does not import;
    /// looked up once (nil on a C library without it, where trimming is simply skipped).
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = dlsym(nil, "malloc_trim").map {
        unsafeBitCast($0, to: (@convention(c) (Int) -> Int32).self)
    }
}
