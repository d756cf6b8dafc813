import CSRT
import Glibc
import Logging
import Synchronization

/// Decides on each caller inside libsrt's listen callback, before the handshake completes, so a
/// refused caller gets the Access Control reject code and an accepted one gets its passphrase.
///
/// Called on libsrt's receiver thread while the relay loop runs on its own, so the mutable part
/// (who is publishing, grants waiting for `srt_accept`) sits behind a mutex.
final class Gatekeeper: Sendable {
    private let policy: AccessPolicy
    private let keyLength: Int32
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        /// Source id → the socket publishing it (or about to: accepted in the callback, not yet
        /// returned by srt_accept).
        var publishers: [String: Claim] = [:]
        /// Grants for sockets between the callback and srt_accept.
        var pendingGrants: [SRTSOCKET: AccessPolicy.Grant] = [:]
        /// Refusals by code since start.
        var refusals: [Int32: Int] = [:]
        /// Sources an admin holds off: publishers refused with 1403.
        var heldSources: Set<String> = []
        /// Deliveries an admin holds, as "resource|user": that user's requests refused with 1403.
        var heldRequests: Set<String> = []
    }

    private struct Claim {
        var socket: SRTSOCKET
        var confirmed: Bool
        var claimedAt: ContinuousClock.Instant
    }

    /// A handshake that never completes must not hold a source forever.
    private static let unconfirmedClaimLifetime = Duration.seconds(5)

    init(policy: AccessPolicy, keyLength: Int32, logger: Logger) {
        self.policy = policy
        self.keyLength = keyLength
        self.logger = logger
    }

    /// Installs the callback on a listener. The listener must not outlive `self`.
    func install(on listener: SRTSocket) throws(SRTError) {
        let opaque = Unmanaged.passUnretained(self).toOpaque()
        if srt_listen_callback(listener.handle, gatekeeperListenCallback, opaque) != 0 {
            throw SRTError.last("srt_listen_callback")
        }
    }

    /// The callback's decision: 0 accepts, -1 refuses with the reject reason set on the socket.
    fileprivate func admit(socket: SRTSOCKET, streamID: String, peer: String) -> Int32 {
        switch policy.decide(streamID) {
        case .failure(let code):
            return refuse(socket, code, streamID: streamID, peer: peer)
        case .success(let grant):
            if isHeld(grant.request) {
                return refuse(socket, .forbidden, streamID: streamID, peer: peer)
            }
            if grant.request.mode == .publish, !claim(grant.request.resource, by: socket, takeover: grant.allowTakeover) {
                return refuse(socket, .conflict, streamID: streamID, peer: peer)
            }
            if let passphrase = grant.passphrase {
                do {
                    try SRTSocketOption.passphrase(passphrase).apply(to: socket)
                    try SRTSocketOption.keyLength(bytes: keyLength).apply(to: socket)
                } catch {
                    return refuse(socket, .badRequest, streamID: streamID, peer: peer)
                }
            }
            state.withLock { $0.pendingGrants[socket] = grant }
            return 0
        }
    }

    /// Holds a source off (true) or releases it.
    func hold(source: String, _ held: Bool) {
        state.withLock { state in
            if held { state.heldSources.insert(source) } else { state.heldSources.remove(source) }
        }
    }

    /// Holds delivery of `resource` to `user` (true) or releases it.
    func hold(resource: String, user: String, _ held: Bool) {
        let key = resource + "|" + user
        state.withLock { state in
            if held { state.heldRequests.insert(key) } else { state.heldRequests.remove(key) }
        }
    }

    private func isHeld(_ request: StreamID) -> Bool {
        state.withLock { state in
            switch request.mode {
            case .publish: state.heldSources.contains(request.resource)
            case .request: request.user.map { state.heldRequests.contains(request.resource + "|" + $0) } ?? false
            }
        }
    }

    private func refuse(_ socket: SRTSOCKET, _ code: RejectCode, streamID: String, peer: String) -> Int32 {
        logger.info("caller refused", metadata: ["srt.reject": "\(code)", "srt.streamid": "\(streamID)", "srt.peer": "\(peer)"])
        srt_setrejectreason(socket, code.rawValue)
        state.withLock { $0.refusals[code.rawValue, default: 0] += 1 }
        return -1
    }

    private func claim(_ source: String, by socket: SRTSOCKET, takeover: Bool) -> Bool {
        let now = ContinuousClock.now
        return state.withLock { state in
            if let existing = state.publishers[source], !takeover {
                let stale = !existing.confirmed && now - existing.claimedAt > Self.unconfirmedClaimLifetime
                if !stale { return false }
            }
            state.publishers[source] = Claim(socket: socket, confirmed: false, claimedAt: now)
            return true
        }
    }

    /// Hands the loop the grant for a socket srt_accept returned, confirming a publisher's claim.
    func takeGrant(for socket: SRTSOCKET) -> AccessPolicy.Grant? {
        state.withLock { state in
            guard let grant = state.pendingGrants.removeValue(forKey: socket) else { return nil }
            if grant.request.mode == .publish, state.publishers[grant.request.resource]?.socket == socket {
                state.publishers[grant.request.resource]?.confirmed = true
            }
            return grant
        }
    }

    /// Frees a source when its publisher leaves.
    func release(_ source: String, socket: SRTSOCKET) {
        state.withLock { state in
            if state.publishers[source]?.socket == socket { state.publishers[source] = nil }
        }
    }

    /// Refusals by reject code since start.
    var refusals: [Int32: Int] { state.withLock { $0.refusals } }
}

private let gatekeeperListenCallback: @convention(c) (
    UnsafeMutableRawPointer?, SRTSOCKET, Int32, UnsafePointer<sockaddr>?, UnsafePointer<CChar>?
) -> Int32 = { opaque, socket, _, peer, streamID in
    guard let opaque else { return -1 }
    let gatekeeper = Unmanaged<Gatekeeper>.fromOpaque(opaque).takeUnretainedValue()
    return gatekeeper.admit(socket: socket, streamID: streamID.map { String(cString: $0) } ?? "", peer: describe(peer))
}

/// "a.b.c.d:port" for an IPv4 peer, for the log.
private func describe(_ address: UnsafePointer<sockaddr>?) -> String {
    guard let address, address.pointee.sa_family == sa_family_t(AF_INET) else { return "?" }
    return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { inet in
        var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        var raw = inet.pointee.sin_addr
        inet_ntop(AF_INET, &raw, &text, socklen_t(INET_ADDRSTRLEN))
        return "\(String(cString: text)):\(UInt16(bigEndian: inet.pointee.sin_port))"
    }
}
