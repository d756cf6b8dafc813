import CSRT
import Logging

/// What becomes of a caller `srt_accept` returned (its handshake completed): a publisher, a
/// reader, or closed. The listen callback decided on its stream id before the handshake; what
/// can change or only be known after it is checked here: the grant is still there, the AES key
/// is long enough, and the source or sink is not held (nor, without takeover, published) now.
/// Relay thread only.
struct Admission {
    enum Decision {
        /// The caller publishes `source`; `replacing` is the publisher it took over from.
        case publish(source: String, user: String?, replacing: SRTSOCKET?)
        /// The caller reads `resource`, as the pull sink `sinkID` if it is one.
        case read(resource: String, user: String?, sinkID: String?)
        /// The caller is to be closed (logged and counted here).
        case refuse
    }

    private let gatekeeper: Gatekeeper
    private let keyLength: Int32
    private let logger: Logger
    /// Encrypted callers closed because their AES key was shorter than configured.
    private(set) var weakKeyRefusals = 0
    /// Publishers closed after their handshake because another was accepted first.
    private(set) var lostPublishRaces = 0

    init(gatekeeper: Gatekeeper, keyLength: Int32, logger: Logger) {
        self.gatekeeper = gatekeeper
        self.keyLength = keyLength
        self.logger = logger
    }

    /// Decides on one accepted socket. A publisher's claim on its source is made here, with the
    /// `Gatekeeper`, so the callback refuses the next one at once.
    mutating func decide(_ socket: SRTSocket) -> Decision {
        guard let grant = gatekeeper.takeGrant(for: socket.handle) else { return .refuse }
        let request = grant.request
        // In SRT's handshake the caller's key length wins, so the configured length is
        // enforced here as a minimum: a weaker encrypted connection is closed.
        if grant.passphrase != nil, let used = socket.keyLength, used < keyLength {
            weakKeyRefusals += 1
            logger.info("caller refused: AES key too short", metadata: [
                "srt.streamid": "\(request.text)", "srt.key_length": "\(used)", "srt.required": "\(keyLength)",
            ])
            return .refuse
        }
        switch request.mode {
        case .publish:
            // Only a caller that completed its handshake holds a source. Two that both passed
            // the callback: the first accepted publishes, the other is closed (or, with
            // takeover, replaces it).
            switch gatekeeper.claimPublisher(request.resource, socket: socket.handle, takeover: grant.allowTakeover) {
            case .claimed(let previous):
                return .publish(source: request.resource, user: request.user, replacing: previous)
            case .held:
                logger.info("publisher refused: source held off", metadata: ["source.id": "\(request.resource)"])
                return .refuse
            case .taken:
                lostPublishRaces += 1
                logger.info("publisher refused: another publisher was accepted first", metadata: [
                    "source.id": "\(request.resource)", "srt.user": "\(request.user ?? "-")",
                ])
                return .refuse
            }
        case .request:
            let sinkID = gatekeeper.pullSink(for: request)
            if let sinkID, gatekeeper.isHeld(sink: sinkID) {
                logger.info("reader refused: delivery held", metadata: ["sink.id": "\(sinkID)"])
                return .refuse
            }
            return .read(resource: request.resource, user: request.user, sinkID: sinkID)
        }
    }
}
