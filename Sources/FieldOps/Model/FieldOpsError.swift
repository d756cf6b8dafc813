/// Every way a FieldOps request can be refused. relayd maps these to HTTP statuses; the
/// library itself knows nothing of HTTP.
public enum FieldOpsError: Error, Sendable, Equatable {
    /// No record of `entity` with this id. (HTTP 404)
    case notFound(entity: String, id: Int64)
    /// A field's value is unusable; `field` is the name the caller used (snake_case). (HTTP 422)
    case invalid(field: String, message: String)
    /// The edit was based on `expected`, but the record is now at `current`. (HTTP 409)
    case staleVersion(entity: String, id: Int64, expected: Int, current: Int)
    /// The lifecycle does not allow this move from its current state. (HTTP 409)
    case impossibleTransition(TransitionRefusal)
}

/// Why a lifecycle refused an event: the current state, what was asked, what would have been
/// allowed, and (when the move is allowed in principle) the unmet precondition.
public struct TransitionRefusal: Error, Sendable, Equatable {
    /// Which lifecycle refused: "deployment", "kit" or "refuel_run".
    public var entity: String
    /// The state the record is in.
    public var current: String
    /// The state the caller asked for.
    public var requested: String
    /// The states reachable from `current`.
    public var allowed: [String]
    /// Set when `requested` is in `allowed` but a precondition failed (a missing reason, kits
    /// still out, components missing).
    public var because: String?

    /// Creates a refusal.
    public init(entity: String, current: String, requested: String, allowed: [String], because: String? = nil) {
        self.entity = entity
        self.current = current
        self.requested = requested
        self.allowed = allowed
        self.because = because
    }

    /// A sentence for operators, e.g. "deployment is closed; allowed: active (reopen needs a reason)".
    public var message: String {
        let allowedList = allowed.isEmpty ? "none (final state)" : allowed.joined(separator: ", ")
        var text = "\(entity) cannot move from \(current) to \(requested); allowed from \(current): \(allowedList)"
        if let because { text += "; \(because)" }
        return text
    }
}

extension FieldOpsError: CustomStringConvertible {
    /// A sentence naming what was refused and why.
    public var description: String {
        switch self {
        case .notFound(let entity, let id):
            return "\(entity) \(id) not found"
        case .invalid(let field, let message):
            return "\(field): \(message)"
        case .staleVersion(let entity, let id, let expected, let current):
            return "\(entity) \(id) was changed by someone else: you edited version \(expected), it is now at version \(current); reload and retry"
        case .impossibleTransition(let refusal):
            return refusal.message
        }
    }
}
