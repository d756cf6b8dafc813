import CSRT
import Glibc
import Synchronization

/// Wakes the relay thread out of its epoll wait from another thread: the program's output is
/// ready, an operator command is queued, or the relay is asked to stop. A non-blocking pipe whose
/// read end sits in the relay's SRT epoll.
///
/// libsrt's `srt_epoll_wait` reads the system descriptors of its set only when an SRT event wakes
/// it or every 10 ms; after the byte is written `signal` raises libsrt's own event notice, so a
/// waiting relay sees the pipe at once instead of up to 10 ms later (measured on the chain's
/// links: see docs/BENCHMARKS.md, "## Chain"). The notice wakes one waiter, and the relay thread
/// is the only one in the process; should it be missed (raised just before the waiter sleeps),
/// the 10 ms recheck still finds the byte.
///
/// Signals coalesce: only the first one after the relay drained writes a byte, so a producer may
/// signal after every write for the price of an atomic exchange.
final class WakeSignal: Sendable {
    /// The end the epoll watches.
    let readDescriptor: Int32
    private let writeDescriptor: Int32
    /// True from a signal until the relay drains it.
    private let pending = Atomic<Bool>(false)

    init() throws(SRTError) {
        var descriptors: [Int32] = [-1, -1]
        guard pipe(&descriptors) == 0 else {
            let code = errno
            throw SRTError(call: "pipe", code: code, message: String(cString: strerror(code)), rejectReason: nil)
        }
        for descriptor in descriptors {
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        }
        readDescriptor = descriptors[0]
        writeDescriptor = descriptors[1]
    }

    deinit {
        close(readDescriptor)
        close(writeDescriptor)
    }

    /// Makes the relay's wait return (at once if it is waiting, else right after its current work).
    func signal() {
        guard !pending.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var byte: UInt8 = 1
        _ = write(writeDescriptor, &byte, 1)
        csrt_wake_epoll_waiters()
    }

    /// Called by the relay thread when its wait reported the signal, before it takes what the
    /// signal announced: a signal sent after this point wakes it again.
    func drain() {
        // Read first: while `pending` is true no signal writes, so nothing written after this
        // read is lost; a signal after the store writes again and wakes the next wait.
        var bytes = (UInt64(0), UInt64(0))
        while withUnsafeMutableBytes(of: &bytes, { read(readDescriptor, $0.baseAddress, $0.count) }) > 0 {}
        pending.store(false, ordering: .sequentiallyConsistent)
    }
}
