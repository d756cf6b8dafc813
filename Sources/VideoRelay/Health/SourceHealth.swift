import Foundation

/// A source's picture health as `/api/sources[].health`, `/metrics` and the control room show it.
public struct SourceHealth: Sendable, Codable, Equatable {
    public var frozen = false
    public var black = false
    public var silent = false
    /// When the earliest of the conditions now holding began to be observed; nil when none holds.
    public var since: Date?
    /// The stream's format as last seen (nil before the first stream with video).
    public var format: MediaFormat?
    public var lastFormatChange: FormatChange?
    /// Format changes seen since relayd started.
    public var formatChanges = 0

    public init() {}

    /// The conditions that hold, in a fixed order.
    public var conditions: [HealthCondition] {
        HealthCondition.allCases.filter { self[$0] }
    }

    public subscript(condition: HealthCondition) -> Bool {
        get {
            switch condition {
            case .frozen: frozen
            case .black: black
            case .silent: silent
            }
        }
        set {
            switch condition {
            case .frozen: frozen = newValue
            case .black: black = newValue
            case .silent: silent = newValue
            }
        }
    }
}

/// A change of a source's resolution, frame rate or codec mid-stream or across a reconnect.
public struct FormatChange: Sendable, Codable, Equatable {
    public var at: Date
    public var from: MediaFormat
    public var to: MediaFormat
}

/// A health state that started or ended, or a format change: what the event stream and the
/// audit trail record.
public struct PictureHealthEvent: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case started, ended
        case formatChanged = "format_changed"
    }

    /// Counts up over all sources, so a reader can tell which events it has seen.
    public var sequence: Int
    public var source: String
    public var kind: Kind
    /// The condition that started or ended (nil for a format change).
    public var condition: HealthCondition?
    public var at: Date
    /// When the condition began to be observed (nil for a format change).
    public var since: Date?
    public var from: MediaFormat?
    public var to: MediaFormat?

    /// The audit trail's action name: `health.frozen.started`, `health.format_changed`.
    public var action: String {
        condition.map { "health.\($0.rawValue).\(kind.rawValue)" } ?? "health.\(kind.rawValue)"
    }
}
