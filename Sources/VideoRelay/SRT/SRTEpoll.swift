import CSRT

/// An SRT epoll set, with one system descriptor beside the SRT sockets so another thread can wake
/// the waiter (`WakeSignal`). libsrt's `srt_epoll_uwait` refuses sets holding system descriptors,
/// so the wait is `srt_epoll_wait`, which reports readable and writable sockets (a socket with an
/// error shows in both; its state tells).
final class SRTEpoll {
    private let id: Int32
    /// Filled by `wait`; allocated once, so a wait allocates nothing on the Swift side.
    private let readable: UnsafeMutableBufferPointer<SRTSOCKET>
    private let writable: UnsafeMutableBufferPointer<SRTSOCKET>
    private let systemReadable: UnsafeMutableBufferPointer<SYSSOCKET>

    init(capacity: Int = 1024) throws(SRTError) {
        SRTLibrary.start()
        let id = srt_epoll_create()
        guard id >= 0 else { throw SRTError.last("srt_epoll_create") }
        // An empty set is normal (no connections yet); wait must then just time out.
        srt_epoll_set(id, Int32(SRT_EPOLL_ENABLE_EMPTY.rawValue))
        self.id = id
        readable = .allocate(capacity: capacity)
        writable = .allocate(capacity: capacity)
        systemReadable = .allocate(capacity: 4)
    }

    deinit {
        srt_epoll_release(id)
        readable.deallocate()
        writable.deallocate()
        systemReadable.deallocate()
    }

    /// Events to watch on a socket.
    struct Events: OptionSet {
        let rawValue: Int32
        static let input = Events(rawValue: Int32(SRT_EPOLL_IN.rawValue))
        static let output = Events(rawValue: Int32(SRT_EPOLL_OUT.rawValue))
        static let error = Events(rawValue: Int32(SRT_EPOLL_ERR.rawValue))
    }

    func add(_ socket: SRTSocket, _ events: Events) {
        var flags = events.rawValue
        srt_epoll_add_usock(id, socket.handle, &flags)
    }

    func update(_ socket: SRTSocket, _ events: Events) {
        var flags = events.rawValue
        srt_epoll_update_usock(id, socket.handle, &flags)
    }

    func remove(_ socket: SRTSocket) {
        srt_epoll_remove_usock(id, socket.handle)
    }

    /// Watches a system descriptor for readability.
    func addSystem(_ descriptor: Int32) throws(SRTError) {
        var flags = Int32(SRT_EPOLL_IN.rawValue)
        if srt_epoll_add_ssock(id, descriptor, &flags) != 0 { throw SRTError.last("srt_epoll_add_ssock") }
    }

    func removeSystem(_ descriptor: Int32) {
        srt_epoll_remove_ssock(id, descriptor)
    }

    /// Waits up to `timeoutMilliseconds` and returns the ready sockets with their events. Only for
    /// a set without system descriptors (libsrt refuses those here).
    func wait(into events: inout [SRT_EPOLL_EVENT], timeoutMilliseconds: Int64) -> ArraySlice<SRT_EPOLL_EVENT> {
        let count = events.withUnsafeMutableBufferPointer {
            srt_epoll_uwait(id, $0.baseAddress, Int32($0.count), timeoutMilliseconds)
        }
        return events[0..<max(0, Int(count))]
    }

    /// What one wait found. The buffers are the epoll's own and valid until the next wait.
    struct Ready {
        var readable: UnsafeMutableBufferPointer<SRTSOCKET>
        var writable: UnsafeMutableBufferPointer<SRTSOCKET>
        /// Whether a watched system descriptor is readable.
        var systemReadable: Bool
    }

    /// Waits up to `timeoutMilliseconds` (libsrt itself rechecks every 10 ms at most) and returns
    /// the ready sockets; all empty on a timeout.
    func wait(timeoutMilliseconds: Int64) -> Ready {
        var readCount = Int32(readable.count)
        var writeCount = Int32(writable.count)
        var systemCount = Int32(systemReadable.count)
        let result = srt_epoll_wait(
            id, readable.baseAddress, &readCount, writable.baseAddress, &writeCount, timeoutMilliseconds,
            systemReadable.baseAddress, &systemCount, nil, nil)
        // A timeout is an error return, with the counts untouched.
        guard result > 0 else {
            return Ready(readable: UnsafeMutableBufferPointer(rebasing: readable[0..<0]), writable: UnsafeMutableBufferPointer(rebasing: writable[0..<0]), systemReadable: false)
        }
        return Ready(
            readable: UnsafeMutableBufferPointer(rebasing: readable[0..<Int(readCount)]),
            writable: UnsafeMutableBufferPointer(rebasing: writable[0..<Int(writeCount)]),
            systemReadable: systemCount > 0)
    }
}
