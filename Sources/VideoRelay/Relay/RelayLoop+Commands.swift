/// Operator commands, applied on the relay thread between socket events. Holds are recorded in
/// the `Gatekeeper` (its listen callback refuses on them); the loop then cuts what is connected.
extension RelayLoop {
    func apply(_ command: RelayCommand, now: ContinuousClock.Instant) {
        switch command {
        case .kickReader(let id, let reply):
            guard let reader = connections[id]?.reader else { return reply(false) }
            remove(reader, reason: "kicked by an operator", now: now)
            reply(true)
        case .kickPublisher(let sourceID, let reply):
            guard let publisher = publisher(of: sourceID) else { return reply(false) }
            disconnect(publisher, reason: "kicked by an operator", now: now)
            reply(true)
        case .setSourceEnabled(let sourceID, let enabled, let reply):
            guard distribution.source(sourceID) != nil else { return reply(false) }
            gatekeeper.hold(source: sourceID, !enabled)
            if !enabled, let publisher = publisher(of: sourceID) {
                disconnect(publisher, reason: "source held off by an admin", now: now)
            }
            if !enabled, let handle = upstreams.cancel(sourceID) { connections[handle] = nil }
            snapshotDue = true
            outboundScheduleChanged = true
            logger.info(enabled ? "source enabled" : "source held off", metadata: ["source.id": "\(sourceID)"])
            reply(true)
        case .setSinkEnabled(let sinkID, let enabled, let reply):
            guard let sink = sinksByID[sinkID] else { return reply(false) }
            gatekeeper.hold(sink: sinkID, !enabled)
            if !enabled {
                for reader in sink.readers { remove(reader, reason: "delivery held by an admin", now: now) }
                if let handle = pushSinks.cancel(sink) { connections[handle] = nil }
            }
            snapshotDue = true
            outboundScheduleChanged = true
            logger.info(enabled ? "sink enabled" : "sink held", metadata: ["sink.id": "\(sinkID)"])
            reply(true)
        }
    }
}
