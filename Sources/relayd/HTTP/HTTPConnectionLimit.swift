import Foundation
import Logging
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Keeps the number of open HTTP connections under a cap, so that clients which open
/// connections and never finish a request (slowloris) cannot use up relayd's file descriptors
/// and lock everyone else out.
///
/// A connection that arrives beyond the cap is still accepted; to make room, the connection
/// that has waited longest without the server working on it (no complete request yet, or idle
/// between requests, or still sending its body) is closed. Connections whose request the
/// server is answering are never chosen. When every connection is being answered, the newcomer
/// is closed instead. The idle timeout closes abandoned connections in any case; the cap is what
/// keeps `/healthz` and the control room answering while the timeout has not yet fired.
final class HTTPConnectionLimit: Sendable {
    let maximum: Int
    private let logger: Logger
    private let state: Mutex<State>

    private struct State {
        var connections: [ObjectIdentifier: Tracked] = [:]
        var evicted = 0
        var lastWarning: ContinuousClock.Instant?
    }

    private struct Tracked {
        let channel: any Channel
        /// When the connection last became waitable (opened, or its last answer was sent).
        var since: ContinuousClock.Instant
        /// True while the server answers a completely read request.
        var answering = false
    }

    init(maximum: Int, logger: Logger) {
        self.maximum = maximum
        self.logger = logger
        self.state = Mutex(State())
    }

    /// The number of connections open now.
    var count: Int { state.withLock { $0.connections.count } }

    /// The handler to put in each connection's pipeline.
    func makeHandler() -> HTTPConnectionTracker { HTTPConnectionTracker(limit: self) }

    fileprivate func opened(_ channel: any Channel) {
        let now = ContinuousClock.now
        let (victim, warn, evicted) = state.withLock { state -> ((any Channel)?, Bool, Int) in
            state.connections[ObjectIdentifier(channel)] = Tracked(channel: channel, since: now)
            guard state.connections.count > maximum else { return (nil, false, state.evicted) }
            let candidate = state.connections
                .filter { $0.key != ObjectIdentifier(channel) && !$0.value.answering }
                .min { $0.value.since < $1.value.since }
            let victim = candidate?.value.channel ?? channel
            state.connections[ObjectIdentifier(victim)] = nil
            state.evicted += 1
            // One line per 10 s at most: under attack this happens thousands of times a second.
            let warn = state.lastWarning.map { now - $0 > .seconds(10) } ?? true
            if warn { state.lastWarning = now }
            return (victim, warn, state.evicted)
        }
        guard let victim else { return }
        if warn {
            logger.warning("HTTP connection limit reached: closing the longest-waiting connection", metadata: [
                "http.max_connections": "\(maximum)", "http.connections_closed_total": "\(evicted)",
            ])
        }
        victim.close(promise: nil)
    }

    fileprivate func closed(_ channel: any Channel) {
        _ = state.withLock { $0.connections.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    fileprivate func update(_ channel: any Channel, answering: Bool) {
        let now = ContinuousClock.now
        state.withLock { state in
            guard var tracked = state.connections[ObjectIdentifier(channel)] else { return }
            if tracked.answering && !answering { tracked.since = now }
            tracked.answering = answering
            state.connections[ObjectIdentifier(channel)] = tracked
        }
    }

    /// A cap that leaves room under the process's open-file limit (`RLIMIT_NOFILE`) for
    /// everything else relayd opens: SRT sockets, the databases, the audit trail, libraries.
    static func defaultMaximum(fileLimit: Int = openFileLimit()) -> Int {
        let reserve = max(128, fileLimit / 4)
        return min(16_384, max(16, fileLimit - reserve))
    }

    /// The soft limit on open files of this process.
    static func openFileLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        return limit.rlim_cur == rlim_t.max ? 1 << 20 : Int(clamping: limit.rlim_cur)
    }
}

/// Follows one connection's requests for `HTTPConnectionLimit`: answering from the moment the
/// whole request is read until the answer is sent.
final class HTTPConnectionTracker: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limit: HTTPConnectionLimit
    /// Whether the current request was answered before its body was read to the end (a 413,
    /// say): the rest is drained, and the connection is waiting, not being answered.
    private var answered = false

    fileprivate init(limit: HTTPConnectionLimit) { self.limit = limit }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        limit.opened(channel)
        channel.closeFuture.whenComplete { [limit] _ in limit.closed(channel) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: answered = false
        case .body: break
        case .end: if !answered { limit.update(context.channel, answering: true) }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            answered = true
            limit.update(context.channel, answering: false)
        }
        context.write(data, promise: promise)
    }
}

@available(*, unavailable)
extension HTTPConnectionTracker: Sendable {}
