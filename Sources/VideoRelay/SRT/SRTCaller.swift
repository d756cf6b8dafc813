import CSRT

/// An SRT caller connection: what a field encoder or an HQ decoder does, for relayd's tools,
/// tests and benchmarks. Non-blocking underneath; waits by polling with short sleeps so it
/// never blocks a Swift concurrency thread in a C call.
public final class SRTCaller {
    let socket: SRTSocket
    private var buffer = [UInt8](repeating: 0, count: 1500)

    private init(socket: SRTSocket) {
        self.socket = socket
    }

    deinit {
        socket.close()
    }

    /// Connects with a stream id (and passphrase). A refusal throws an `SRTError` whose
    /// `rejectReason` carries the listener's code (e.g. 1403).
    public static func connect(
        to address: HostPort, streamID: String, passphrase: String? = nil, keyLength: Int32? = nil,
        latencyMilliseconds: Int32 = 120, timeout: Duration = .seconds(3)
    ) async throws -> SRTCaller {
        var options = SRTSocketOption.liveDefaults(latency: latencyMilliseconds)
        options.append(.streamID(streamID))
        options.append(.connectTimeout(milliseconds: Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)))
        if let passphrase {
            options.append(.passphrase(passphrase))
            // Without a key length of its own the caller adopts the listener's.
            if let keyLength { options.append(.keyLength(bytes: keyLength)) }
        }
        let socket = try SRTSocket.connecting(to: address, options: options)
        let deadline = ContinuousClock.now + timeout + .seconds(1)
        while true {
            let status = socket.status
            if status == SRTS_CONNECTED { return SRTCaller(socket: socket) }
            if status.rawValue >= SRTS_BROKEN.rawValue || ContinuousClock.now > deadline {
                let reason = socket.rejectReason
                socket.close()
                throw SRTError(
                    call: "srt_connect(\(address))", code: Int32(SRT_ECONNREJ.rawValue),
                    message: String(cString: srt_rejectreason_str(reason)), rejectReason: reason)
            }
            do {
                try await Task.sleep(for: .milliseconds(5))
            } catch {
                // Cancelled mid-connect: the socket is ours until returned, so close it here.
                socket.close()
                throw error
            }
        }
    }

    /// Sends one message; false when libsrt's send buffer is full.
    public func send(_ payload: [UInt8]) throws -> Bool {
        try socket.send(payload[...])
    }

    /// Receives the next message, waiting up to `timeout`; nil on timeout.
    public func receive(timeout: Duration) async throws -> [UInt8]? {
        let deadline = ContinuousClock.now + timeout
        while true {
            let length = try buffer.withUnsafeMutableBytes { try socket.receive(into: $0) }
            if let length { return Array(buffer[0..<length]) }
            if ContinuousClock.now > deadline { return nil }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Whether the connection is still up.
    public var isConnected: Bool { socket.status == SRTS_CONNECTED }

    /// The AES key length in bytes the connection uses (0 when unencrypted).
    public var keyLength: Int32? { socket.keyLength }

    /// libsrt's counters for this connection.
    public var statistics: SRTStatistics? { socket.statistics(clear: false) }

    /// Closes the connection.
    public func close() {
        socket.close()
    }
}
