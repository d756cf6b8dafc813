import CSRT

/// An SRT epoll set: the relay loop waits on it with a short timeout so shutdown is prompt.
final class SRTEpoll {
    private let id: Int32

    init() throws(SRTError) {
        SRTLibrary.start()
        let id = srt_epoll_create()
        guard id >= 0 else { throw SRTError.last("srt_epoll_create") }
        // An empty set is normal (no connections yet); wait must then just time out.
        srt_epoll_set(id, Int32(SRT_EPOLL_ENABLE_EMPTY.rawValue))
        self.id = id
    }

    deinit {
        srt_epoll_release(id)
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

    /// Waits up to `timeoutMilliseconds` and returns the ready sockets with their events.
    func wait(into events: inout [SRT_EPOLL_EVENT], timeoutMilliseconds: Int64) -> ArraySlice<SRT_EPOLL_EVENT> {
        let count = events.withUnsafeMutableBufferPointer {
            srt_epoll_uwait(id, $0.baseAddress, Int32($0.count), timeoutMilliseconds)
        }
        return events[0..<max(0, Int(count))]
    }
}
