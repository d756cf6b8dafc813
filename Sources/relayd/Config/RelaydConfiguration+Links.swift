import VideoRelay

/// Link settings in the configuration: `srt.latency_ms`, `srt.overhead_percent`, `srt.fec` and
/// `srt.peer_idle_timeout_ms` for every connection, and the same keys on a source, a user or a
/// push sink for its own.
extension RelaydConfiguration {
    static let latencyRange = 20...8000
    /// libsrt's range for SRTO_OHEADBW.
    static let overheadRange = 5...100

    /// The relay-wide settings under `srt:`.
    static func readLinkSettings(_ srt: ConfigNode) -> LinkSettings {
        var settings = LinkSettings(latencyMilliseconds: Int32(srt.int("latency_ms", default: 120, range: latencyRange)))
        if srt.child("overhead_percent").isPresent {
            settings.overheadPercent = Int32(srt.int("overhead_percent", default: 25, range: overheadRange))
        }
        if case .filter(let filter) = readFEC(srt, allowOff: false) { settings.fec = filter }
        settings.peerIdleTimeoutMilliseconds = readPeerIdleTimeout(srt)
        return settings
    }

    /// What one source, user or push sink overrides. `sending`: whether relayd sends on the
    /// link, so the sender's overhead is relayd's to set (not on a source: there the encoder
    /// sends).
    static func readLinkOverrides(_ node: ConfigNode, sending: Bool) -> LinkOverrides {
        var overrides = LinkOverrides()
        if node.child("latency_ms").isPresent {
            overrides.latencyMilliseconds = Int32(node.int("latency_ms", default: 120, range: latencyRange))
        }
        if node.child("overhead_percent").isPresent {
            let overhead = node.int("overhead_percent", default: 25, range: overheadRange)
            if sending {
                overrides.overheadPercent = Int32(overhead)
            } else {
                node.child("overhead_percent").error(
                    "only the sender's overhead counts and relayd only receives from a source; set it on the field encoder (SRT option oheadbw)")
            }
        }
        overrides.fec = readFEC(node, allowOff: true)
        overrides.peerIdleTimeoutMilliseconds = readPeerIdleTimeout(node)
        return overrides
    }

    /// `peer_idle_timeout_ms`: how long a link may be silent (a blackout) before it is given up.
    private static func readPeerIdleTimeout(_ node: ConfigNode) -> Int32? {
        guard node.child("peer_idle_timeout_ms").isPresent else { return nil }
        return Int32(node.int("peer_idle_timeout_ms", default: 5000, range: 1000...300_000))
    }

    /// `fec: {cols, rows, layout, arq}`, or (on a link) `fec: off` to drop the relay-wide one.
    private static func readFEC(_ parent: ConfigNode, allowOff: Bool) -> LinkOverrides.FECChoice {
        let node = parent.child("fec")
        guard node.isPresent else { return .inherit }
        if let text = node.scalarText {
            if allowOff, ["off", "false", "none"].contains(text.lowercased()) { return .off }
            node.error(allowOff
                ? "must be a mapping {cols, rows, layout, arq} or off, got \"\(text)\""
                : "must be a mapping {cols, rows, layout, arq}, got \"\(text)\"")
            return .inherit
        }
        let largest = FECFilter.largestDimension
        let columns = node.int("cols", default: 0, range: 2...largest)
        if !node.child("cols").isPresent { node.child("cols").error("is required (the row length, 2 to \(largest))") }
        let rows = node.int("rows", default: 1, range: -largest...largest)
        let layout = choice(node, "layout", default: FECFilter.Layout.staircase)
        let arq = choice(node, "arq", default: FECFilter.ARQ.onreq)
        node.rejectUnknownKeys()
        let filter = FECFilter(columns: columns, rows: rows, layout: layout, arq: arq)
        guard columns >= 2 else { return .inherit }
        if let problem = filter.problem {
            node.error(problem)
            return .inherit
        }
        return .filter(filter)
    }

    private static func choice<Value: RawRepresentable & CaseIterable>(
        _ node: ConfigNode, _ key: String, default value: Value
    ) -> Value where Value.RawValue == String {
        guard let text = node.string(key) else { return value }
        guard let parsed = Value(rawValue: text) else {
            node.child(key).error("must be one of \(Value.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(text)\"")
            return value
        }
        return parsed
    }
}
