import CSRT
import Glibc
import Logging
import Synchronization

/// Decides on each caller inside libsrt's listen callback, before the handshake completes, so a
/// refused caller gets the Access Control reject code and an accepted one gets its passphrase.
///
/// Passing the callback proves nothing yet: the passphrase is only checked by the handshake that
/// follows. So the callback takes no claim on a source. It refuses 1409 only while a publisher
/// that completed its handshake holds the source, and leaves a grant for `srt_accept`; a
/// handshake that fails never reaches `srt_accept`, so such grants are dropped once libsrt closed
/// the socket, expire in any case, and their number is capped.
///
/// Called on libsrt's receiver thread while the relay loop runs on its own, so the mutable part
/// sits behind a mutex. It is the one owner of the facts the callback needs: who publishes each
/// source and what an admin holds. The relay thread asks it rather than keeping copies.
final class Gatekeeper: Sendable {
    private let policy: AccessPolicy
    private let keyLength: Int32
    private let logger: Logger
    private let state = Mutex(State())
    /// Pull sinks by the request that receives them ("resource|user" → sink id).
    private let pullSinks: [String: String]

    private struct State {
        /// Source id → the socket publishing it: set by the relay loop once `srt_accept` returned
        /// the socket and it became the source's publisher.
        var publishers: [String: SRTSOCKET] = [:]
        /// Grants for sockets between the callback and srt_accept.
        var pendingGrants: [SRTSOCKET: PendingGrant] = [:]
        /// Grants dropped because their handshake never completed.
        var abandonedGrants = 0
        /// Refusals by code since start.
        var refusals: [Int32: Int] = [:]
        /// Sources an admin holds off: publishers refused with 1403 (and the live one cut).
        var heldSources: Set<String> = []
        /// Sinks an admin holds: a pull sink's user is refused with 1403, a push sink is not made.
        var heldSinks: Set<String> = []

        mutating func dropGrants(admittedBefore cutoff: ContinuousClock.Instant) {
            guard pendingGrants.values.contains(where: { $0.admittedAt < cutoff }) else { return }
            let before = pendingGrants.count
            pendingGrants = pendingGrants.filter { $0.value.admittedAt >= cutoff }
            abandonedGrants += before - pendingGrants.count
        }
    }

    private struct PendingGrant {
        var grant: AccessPolicy.Grant
        var admittedAt: ContinuousClock.Instant
    }

    /// libsrt queues a socket for srt_accept right after the callback accepts it, and the loop
    /// accepts within one epoll wait, so a grant older than this belongs to a failed handshake.
    static let pendingGrantLifetime = Duration.seconds(5)
    /// At most this many grants wait at once; past it the oldest goes (its handshake has had the
    /// most time to complete), so a flood costs bounded memory. A real caller's grant is taken up
    /// within milliseconds, so a flood would need this many callers inside that time to evict it.
    static let pendingGrantLimit = 1024

    init(policy: AccessPolicy, keyLength: Int32, logger: Logger) {
        self.policy = policy
        self.keyLength = keyLength
        self.logger = logger
        var pullSinks: [String: String] = [:]
        for sink in policy.configuration.sinks {
            if case .pull(let user) = sink.delivery { pullSinks[Self.pullKey(resource: sink.feed, user: user)] = sink.id }
        }
        self.pullSinks = pullSinks
    }

    private static func pullKey(resource: String, user: String) -> String { resource + "|" + user }

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
            if grant.request.mode == .publish, !grant.allowTakeover, hasPublisher(grant.request.resource) {
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
            if grant.request.mode != .publish {
                // A reader only sends. Set before the handshake, which announces the flow
                // window and allocates the buffers; on failure it keeps libsrt's defaults.
                for option in SRTSocketOption.sendOnly { try? option.apply(to: socket) }
            }
            // The link's own latency and FEC: the handshake that follows negotiates them.
            do {
                for option in policy.configuration.linkSettings(for: grant.request).socketOptions { try option.apply(to: socket) }
            } catch {
                logger.info("link settings refused by libsrt", metadata: ["srt.error": "\(error)", "srt.streamid": "\(streamID)"])
                return refuse(socket, .badRequest, streamID: streamID, peer: peer)
            }
            remember(grant, for: socket)
            return 0
        }
    }

    private func remember(_ grant: AccessPolicy.Grant, for socket: SRTSOCKET) {
        let now = ContinuousClock.now
        state.withLock { state in
            state.dropGrants(admittedBefore: now - Self.pendingGrantLifetime)
            if state.pendingGrants.count >= Self.pendingGrantLimit,
               let oldest = state.pendingGrants.min(by: { $0.value.admittedAt < $1.value.admittedAt })?.key {
                state.pendingGrants[oldest] = nil
                state.abandonedGrants += 1
            }
            state.pendingGrants[socket] = PendingGrant(grant: grant, admittedAt: now)
        }
    }

    /// The pull sink a request receives, if it is one: the sink's user asking for its feed.
    func pullSink(for request: StreamID) -> String? {
        guard request.mode == .request, let user = request.user else { return nil }
        return pullSinks[Self.pullKey(resource: request.resource, user: user)]
    }

    /// Holds a source off (true) or releases it.
    func hold(source: String, _ held: Bool) {
        state.withLock { state in
            if held { state.heldSources.insert(source) } else { state.heldSources.remove(source) }
        }
    }

    /// Holds delivery to a sink (true) or releases it.
    func hold(sink: String, _ held: Bool) {
        state.withLock { state in
            if held { state.heldSinks.insert(sink) } else { state.heldSinks.remove(sink) }
        }
    }

    /// Whether an admin holds delivery to this sink.
    func isHeld(sink: String) -> Bool { state.withLock { $0.heldSinks.contains(sink) } }

    /// What an admin holds right now, read at once for a status snapshot.
    var held: (sources: Set<String>, sinks: Set<String>) { state.withLock { ($0.heldSources, $0.heldSinks) } }

    private func isHeld(_ request: StreamID) -> Bool {
        let sink = pullSink(for: request)
        return state.withLock { state in
            switch request.mode {
            case .publish: state.heldSources.contains(request.resource)
            case .request: sink.map { state.heldSinks.contains($0) } ?? false
            }
        }
    }

    private func hasPublisher(_ source: String) -> Bool {
        state.withLock { $0.publishers[source] != nil }
    }

    private func refuse(_ socket: SRTSOCKET, _ code: RejectCode, streamID: String, peer: String) -> Int32 {
        logger.info("caller refused", metadata: ["srt.reject": "\(code)", "srt.streamid": "\(streamID)", "srt.peer": "\(peer)"])
        srt_setrejectreason(socket, code.rawValue)
        state.withLock { $0.refusals[code.rawValue, default: 0] += 1 }
        return -1
    }

    /// Hands the loop the grant for a socket srt_accept returned: its handshake completed.
    func takeGrant(for socket: SRTSOCKET) -> AccessPolicy.Grant? {
        state.withLock { $0.pendingGrants.removeValue(forKey: socket)?.grant }
    }

    /// What claiming a source for a publisher whose handshake completed came to.
    enum PublisherClaim: Equatable {
        /// The socket publishes the source now; `replacing` is the publisher it took over from.
        case claimed(replacing: SRTSOCKET?)
        /// An admin holds the source off.
        case held
        /// Another publisher was accepted first (and the source does not allow takeover).
        case taken
    }

    /// Makes `socket` the source's publisher unless the source is held or (without takeover)
    /// already published. From then on other publishers are refused with 1409 in the callback
    /// (unless the source allows takeover). Decided under the lock the callback reads.
    func claimPublisher(_ source: String, socket: SRTSOCKET, takeover: Bool) -> PublisherClaim {
        state.withLock { state in
            if state.heldSources.contains(source) { return .held }
            let previous = state.publishers[source]
            if previous != nil, !takeover { return .taken }
            state.publishers[source] = socket
            return .claimed(replacing: previous)
        }
    }

    /// Frees a source when its publisher leaves (a no-op once another took it over).
    func release(_ source: String, socket: SRTSOCKET) {
        state.withLock { state in
            if state.publishers[source] == socket { state.publishers[source] = nil }
        }
    }

    /// The socket publishing each source right now.
    var publishers: [String: SRTSOCKET] { state.withLock { $0.publishers } }

    /// The socket publishing a source, if any.
    func publisher(of source: String) -> SRTSOCKET? { state.withLock { $0.publishers[source] } }

    /// Drops grants whose handshake failed (libsrt closed the socket) or never completed; the
    /// relay loop calls it twice a second so they go even when no caller comes. Runs on the relay
    /// thread: libsrt is not asked about sockets from inside its own callback. (libsrt maps a new
    /// socket before it runs the callback, so a fresh grant's socket is never taken for dead.)
    func dropAbandonedGrants() {
        let now = ContinuousClock.now
        let waiting = state.withLock { state in
            state.dropGrants(admittedBefore: now - Self.pendingGrantLifetime)
            return Array(state.pendingGrants.keys)
        }
        let dead = waiting.filter { srt_getsockstate($0).rawValue >= SRTS_BROKEN.rawValue }
        guard !dead.isEmpty else { return }
        state.withLock { state in
            for socket in dead where state.pendingGrants.removeValue(forKey: socket) != nil { state.abandonedGrants += 1 }
        }
    }

    /// Grants waiting for srt_accept right now.
    var pendingGrantCount: Int { state.withLock { $0.pendingGrants.count } }

    /// Grants dropped since start because their handshake never completed.
    var abandonedGrantCount: Int { state.withLock { $0.abandonedGrants } }

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
