import CSRT
import Glibc

/// One SRT socket handle. Closing can block and can fail, so it is an explicit `close()`; the
/// deinit only checks it was called (NIO `BaseSocket` style).
public final class SRTSocket {
    let handle: SRTSOCKET
    private(set) var isClosed = false
    /// Where an accepted caller called from ("a.b.c.d:port"), for operators deciding whom to cut.
    let peerAddress: String?

    init(handle: SRTSOCKET, peerAddress: String? = nil) {
        self.handle = handle
        self.peerAddress = peerAddress
    }

    /// Creates a socket with the given options applied.
    convenience init(options: [SRTSocketOption]) throws(SRTError) {
        SRTLibrary.start()
        let handle = srt_create_socket()
        guard handle != SRT_INVALID_SOCK else { throw SRTError.last("srt_create_socket") }
        self.init(handle: handle)
        do {
            for option in options { try option.apply(to: handle) }
        } catch {
            close()
            throw error
        }
    }

    deinit {
        assert(isClosed, "SRTSocket \(handle) dropped without close()")
    }

    /// Closes the socket; safe to call twice.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        srt_close(handle)
    }

    func bind(_ address: HostPort) throws(SRTError) {
        var storage = try SocketAddress.resolve(address)
        let result = storage.withSockaddr { srt_bind(handle, $0, $1) }
        if result != 0 { throw SRTError.last("srt_bind(\(address))") }
    }

    func listen(backlog: Int32) throws(SRTError) {
        if srt_listen(handle, backlog) != 0 { throw SRTError.last("srt_listen") }
    }

    /// Accepts a pending connection, or nil when none is waiting.
    func accept() throws(SRTError) -> SRTSocket? {
        var address = sockaddr_storage()
        var length = Int32(MemoryLayout<sockaddr_storage>.size)
        let accepted = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { srt_accept(handle, $0, &length) }
        }
        if accepted == SRT_INVALID_SOCK {
            let error = SRTError.last("srt_accept")
            if error.wouldBlock { return nil }
            throw error
        }
        return SRTSocket(handle: accepted, peerAddress: SocketAddress.describe(address))
    }

    /// A socket with `options` that has started connecting to `address` (see `connect`).
    static func connecting(to address: HostPort, options: [SRTSocketOption]) throws(SRTError) -> SRTSocket {
        let socket = try SRTSocket(options: options)
        do {
            try socket.connect(address)
        } catch {
            socket.close()
            throw error
        }
        return socket
    }

    /// Starts connecting. With a non-blocking socket this returns at once; completion shows as
    /// writable (connected) or error (refused) in an epoll.
    func connect(_ address: HostPort) throws(SRTError) {
        var storage = try SocketAddress.resolve(address)
        let result = storage.withSockaddr { srt_connect(handle, $0, $1) }
        if result == SRT_ERROR { throw SRTError.last("srt_connect(\(address))", socket: handle) }
    }

    /// Sends one message. Returns false when the send buffer is full (try again later).
    func send(_ payload: ArraySlice<UInt8>) throws(SRTError) -> Bool {
        let result = payload.withUnsafeBytes { bytes in
            srt_sendmsg2(handle, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(bytes.count), nil)
        }
        if result == SRT_ERROR {
            let error = SRTError.last("srt_sendmsg2")
            if error.wouldBlock { return false }
            throw error
        }
        return true
    }

    /// Receives one message into `buffer`. Returns its length, or nil when nothing is waiting.
    func receive(into buffer: UnsafeMutableRawBufferPointer) throws(SRTError) -> Int? {
        let result = srt_recvmsg(handle, buffer.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(buffer.count))
        if result == SRT_ERROR {
            let error = SRTError.last("srt_recvmsg")
            if error.wouldBlock { return nil }
            throw error
        }
        return Int(result)
    }

    /// The local port after bind (the kernel's choice when bound to port 0).
    func localPort() throws(SRTError) -> UInt16 {
        var address = sockaddr_in()
        var length = Int32(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { srt_getsockname(handle, $0, &length) }
        }
        if result != 0 { throw SRTError.last("srt_getsockname") }
        return UInt16(bigEndian: address.sin_port)
    }

    /// The AES key length in bytes in effect (0 when unencrypted).
    var keyLength: Int32? {
        var value: Int32 = 0
        var size = Int32(MemoryLayout<Int32>.size)
        return srt_getsockflag(handle, SRTO_PBKEYLEN, &value, &size) == 0 ? value : nil
    }

    /// The packet filter the handshake settled on (e.g. "fec,cols:10,rows:5,..."), nil if none.
    var packetFilter: String? {
        var buffer = [CChar](repeating: 0, count: 512)
        var size = Int32(buffer.count)
        guard srt_getsockflag(handle, SRTO_PACKETFILTER, &buffer, &size) == 0, size > 0 else { return nil }
        let bytes = buffer[0..<Int(min(size, Int32(buffer.count)))].prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }

    /// The socket's connection state.
    var status: SRT_SOCKSTATUS { srt_getsockstate(handle) }

    /// The reject reason after a refused connect.
    var rejectReason: Int32 { srt_getrejectreason(handle) }

    /// The packets the peer lets this end have in flight: the flow window it announced in the
    /// handshake, updated by its acknowledgements.
    var peerFlowWindow: Int32? {
        var perf = SRT_TRACEBSTATS()
        guard srt_bstats(handle, &perf, 0) == 0 else { return nil }
        return perf.pktFlowWindow
    }

    /// Reads the counters; `clear` resets the interval (non-Total) fields.
    func statistics(clear: Bool) -> SRTStatistics? {
        var perf = SRT_TRACEBSTATS()
        guard srt_bstats(handle, &perf, clear ? 1 : 0) == 0 else { return nil }
        return SRTStatistics(perf)
    }
}

/// An IPv4 socket address resolved from a host and port.
struct SocketAddress {
    var storage: sockaddr_in

    static func resolve(_ address: HostPort) throws(SRTError) -> SocketAddress {
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(address.host, String(address.port), &hints, &result)
        defer { if let result { freeaddrinfo(result) } }
        guard status == 0, let info = result, let sockaddrPointer = info.pointee.ai_addr else {
            throw SRTError(call: "getaddrinfo(\(address.host))", code: status, message: String(cString: gai_strerror(status)), rejectReason: nil)
        }
        let storage = sockaddrPointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
        return SocketAddress(storage: storage)
    }

    /// "a.b.c.d:port" or "[v6]:port"; nil for another family.
    static func describe(_ address: sockaddr_storage) -> String? {
        var address = address
        return withUnsafePointer(to: &address) { pointer -> String? in
            switch Int32(pointer.pointee.ss_family) {
            case AF_INET:
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { inet in
                    var raw = inet.pointee.sin_addr
                    return text(AF_INET, &raw, length: INET_ADDRSTRLEN).map { "\($0):\(UInt16(bigEndian: inet.pointee.sin_port))" }
                }
            case AF_INET6:
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { inet6 in
                    var raw = inet6.pointee.sin6_addr
                    return text(AF_INET6, &raw, length: INET6_ADDRSTRLEN).map { "[\($0)]:\(UInt16(bigEndian: inet6.pointee.sin6_port))" }
                }
            default:
                return nil
            }
        }
    }

    private static func text(_ family: Int32, _ raw: UnsafeRawPointer, length: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(length))
        guard inet_ntop(family, raw, &buffer, socklen_t(length)) != nil else { return nil }
        return String(cString: buffer)
    }

    mutating func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, Int32) -> T) -> T {
        withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, Int32(MemoryLayout<sockaddr_in>.size)) }
        }
    }
}
