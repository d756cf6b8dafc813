import Foundation

/// Statistics and snapshots: libsrt's counters, bitrates, stalled readers, and the status the
/// rest of the program reads.
extension RelayLoop {
    func collectStatistics(now: ContinuousClock.Instant) {
        statistics.collecting(now: now)
        for source in distribution.sources {
            source.measureBitrate(now: now)
            if let publisher = publisher(of: source.id) { source.srt = publisher.socket.statistics(clear: false) }
        }
        for reader in readers {
            if let counters = reader.socket.statistics(clear: false) { reader.update(counters, now: now) }
            if let reason = reader.stallReason(now: now, limit: statistics.readerStallLimit) {
                statistics.stalledReaderDisconnects += 1
                remove(reader, reason: "stalled: \(reason)", now: now)
            }
        }
        distribution.tickProgram(now: now)
        gatekeeper.dropAbandonedGrants()
    }

    func snapshot(now: ContinuousClock.Instant) -> RelaySnapshot {
        let held = gatekeeper.held
        let publishers = gatekeeper.publishers
        var snapshot = RelaySnapshot()
        snapshot.sources = distribution.sources.map { source in
            var status = source.status(
                publisher: publishers[source.id].flatMap { connections[$0]?.publisher }, held: held.sources.contains(source.id),
                now: now, stallAfter: statistics.sourceStallLimit)
            status.upstream = upstreams.upstream(of: source.id)?.status
            status.service = status.state == .offline ? nil : source.fanout.inspector.service
            return status
        }
        snapshot.readers = readers.sorted { $0.connectedAt < $1.connectedAt }.map(\.status)
        snapshot.sinks = sinks.map { $0.status(held: held.sinks.contains($0.id), now: now) }
        snapshot.programSource = distribution.programSource
        snapshot.refusals = Dictionary(uniqueKeysWithValues: gatekeeper.refusals.map { (String($0.key), $0.value) })
        if admission.weakKeyRefusals > 0 { snapshot.refusals["key_length"] = admission.weakKeyRefusals }
        if admission.lostPublishRaces > 0 { snapshot.refusals["publish_race"] = admission.lostPublishRaces }
        snapshot.pendingHandshakes = gatekeeper.pendingGrantCount
        snapshot.abandonedHandshakes = gatekeeper.abandonedGrantCount
        snapshot.stalledReaderDisconnects = statistics.stalledReaderDisconnects
        return snapshot
    }
}
