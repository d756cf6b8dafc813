import Foundation

/// A lifecycle's state: a closed set of snake_case names and a table of allowed moves.
///
/// The three lifecycles (deployment, kit, refuel run) share this shape so that their
/// refusals read alike and the HTTP layer can list allowed states without knowing which
/// lifecycle it is talking to.
public protocol LifecycleState: RawRepresentable, CaseIterable, Codable, Sendable, Hashable where RawValue == String {
    /// The lifecycle's name in messages ("deployment", "kit", "refuel_run").
    static var entityName: String { get }
    /// The states reachable from this one in a single move, in the order operators expect.
    var allowedTargets: [Self] { get }
}

/// One move a lifecycle accepted: from where, to where, and the line it leaves in the log.
public struct LifecycleStep<State: LifecycleState>: Sendable, Equatable {
    /// The state before the move.
    public var from: State
    /// The state after the move.
    public var to: State
    /// The reason the caller gave, if any; kept with the audit entry and the activity log.
    public var reason: String?

    /// A log line such as "planned → mobilizing (road open again)".
    public var logLine: String {
        let base = "\(from.rawValue) → \(to.rawValue)"
        guard let reason, !reason.isEmpty else { return base }
        return "\(base) (\(reason))"
    }
}

extension LifecycleState {
    /// Parses a state name from a request, naming the field and the valid names when it fails.
    public static func parse(_ text: String, field: String) throws(FieldOpsError) -> Self {
        guard let state = Self(rawValue: text) else {
            let names = allCases.map(\.rawValue).joined(separator: ", ")
            throw .invalid(field: field, message: "unknown \(entityName) state \"\(text)\"; expected one of \(names)")
        }
        return state
    }

    /// The refusal for a move to `target`, with an optional precondition that failed.
    func refusal(to target: Self, because: String? = nil) -> TransitionRefusal {
        TransitionRefusal(
            entity: Self.entityName,
            current: rawValue,
            requested: target.rawValue,
            allowed: allowedTargets.map(\.rawValue),
            because: because
        )
    }

    /// Checks the table only: is `target` one move away? Preconditions are the caller's.
    func step(to target: Self, reason: String?) -> Result<LifecycleStep<Self>, TransitionRefusal> {
        guard allowedTargets.contains(target) else { return .failure(refusal(to: target)) }
        return .success(LifecycleStep(from: self, to: target, reason: reason?.trimmedOrNil))
    }
}

extension String {
    /// nil for empty or whitespace-only text, so "" never counts as a reason.
    var trimmedOrNil: String? {
        let trimmed = trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }
}

extension Result where Failure == TransitionRefusal {
    /// The accepted step, or the refusal as the `FieldOpsError` the surfaces map to 409.
    func acceptedOrThrow() throws(FieldOpsError) -> Success {
        switch self {
        case .success(let accepted): return accepted
        case .failure(let refusal): throw .impossibleTransition(refusal)
        }
    }
}
