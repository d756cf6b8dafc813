import CSRT

/// A call the relay makes to another SRT listener (a push sink's HQ, an upstream site): the
/// socket is made non-blocking with the link's options and watched by the relay's epoll until
/// it connects or fails. Shared by `PushSinkConnector` and `UpstreamConnector`. Relay thread only.
enum OutboundCall {
    /// How long a call may take to connect.
    static let connectTimeoutMilliseconds: Int32 = 3000

    /// Starts calling `address`. `sendOnly`: this end only sends (a push sink).
    static func start(
        to address: HostPort, link: LinkSettings, passphrase: String?, streamID: String?, keyLength: Int32, sendOnly: Bool,
        epoll: SRTEpoll
    ) throws(SRTError) -> SRTSocket {
        var options = SRTSocketOption.liveDefaults(link: link)
        options.append(.connectTimeout(milliseconds: connectTimeoutMilliseconds))
        if sendOnly { options += SRTSocketOption.sendOnly }
        if let passphrase {
            options.append(.passphrase(passphrase))
            options.append(.keyLength(bytes: keyLength))
        }
        if let streamID { options.append(.streamID(streamID)) }
        let socket = try SRTSocket.connecting(to: address, options: options)
        epoll.add(socket, [.output, .error])
        return socket
    }

    /// The calling socket reported: it is connected, or it was refused or timed out (closed,
    /// with the reason).
    static func finish(_ socket: SRTSocket, epoll: SRTEpoll) -> Result<SRTSocket, Failure> {
        epoll.remove(socket)
        guard socket.status == SRTS_CONNECTED else {
            let reason = socket.rejectReason
            socket.close()
            return .failure(Failure(reason: "connection refused or timed out (reason \(reason): \(String(cString: srt_rejectreason_str(reason))))"))
        }
        return .success(socket)
    }

    /// Abandons a call. Returns its handle.
    static func cancel(_ socket: SRTSocket, epoll: SRTEpoll) -> SRTSOCKET {
        epoll.remove(socket)
        socket.close()
        return socket.handle
    }

    struct Failure: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }
}
