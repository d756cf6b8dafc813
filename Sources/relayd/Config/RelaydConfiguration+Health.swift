import VideoRelay

/// Each source's picture-health keys: how long a frozen, black or silent picture lasts before it
/// is a state, and which states fail the program over like a dead link.
///
/// ```yaml
/// sources:
///   - id: heli-1
///     kind: helicopter
///     backup: drone-1
///     health: {frozen_s: 5, black_s: 3, silent_s: 10}   # 0 turns one off
///     failover_on: [frozen, black]
/// ```
extension RelaydConfiguration {
    /// `health:` of a source; every key has its default, 0 turns a check off.
    static func readHealth(_ node: ConfigNode) -> PictureHealthSettings {
        let health = node.child("health")
        let defaults = PictureHealthSettings()
        func seconds(_ key: String, _ value: Duration?) -> Duration? {
            let whole = health.int(key, default: Int((value ?? .zero) / .seconds(1)), range: 0...3600)
            return whole == 0 ? nil : .seconds(whole)
        }
        let settings = PictureHealthSettings(
            frozenAfter: seconds("frozen_s", defaults.frozenAfter), blackAfter: seconds("black_s", defaults.blackAfter),
            silentAfter: seconds("silent_s", defaults.silentAfter))
        health.rejectUnknownKeys()
        return settings
    }

    /// `failover_on:` of a source: known conditions, each once, each one the source watches.
    static func readFailoverOn(_ node: ConfigNode, health: PictureHealthSettings) -> Set<HealthCondition> {
        let names = HealthCondition.allCases.map(\.rawValue).joined(separator: ", ")
        var conditions = Set<HealthCondition>()
        for (index, text) in node.strings("failover_on").enumerated() {
            let path = node.child("failover_on")
            guard let condition = HealthCondition(rawValue: text) else {
                path.error("[\(index)] must be one of \(names), got \"\(text)\"")
                continue
            }
            if !conditions.insert(condition).inserted { path.error("[\(index)] names \(text) twice") }
            let watched = switch condition {
            case .frozen: health.frozenAfter != nil
            case .black: health.blackAfter != nil
            case .silent: health.silentAfter != nil
            }
            if !watched { path.error("[\(index)] names \(text), but health.\(text)_s is 0 (not watched)") }
        }
        return conditions
    }

    /// `failover_on` acts through the program pipeline's switcher: a relay without the pipeline
    /// passes a source through and has nothing to fail over with.
    static func crossCheckHealth(_ configuration: RelaydConfiguration, root: ConfigNode) {
        guard !configuration.program.enabled else { return }
        for (index, source) in configuration.relay.sources.enumerated() where !configuration.program.rule(for: source.id).failoverOn.isEmpty {
            root.child("sources").error("[\(index)].failover_on needs the program pipeline (program.pipeline: true)")
        }
    }
}
