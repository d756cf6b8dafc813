import CSRT
import Synchronization

/// libsrt's process-wide start-up. `srt_startup` is reference counted by libsrt itself; the relay
/// starts it once and never cleans up, because sockets may still close during process exit.
enum SRTLibrary {
    private static let started = Mutex(false)

    static func start() {
        started.withLock { started in
            guard !started else { return }
            srt_startup()
            // libsrt logs to stderr by default; the relay reports through its own logger.
            srt_setloglevel(2)  // LOG_CRIT
            started = true
        }
    }
}
