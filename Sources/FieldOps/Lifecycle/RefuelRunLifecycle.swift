/// Where a refuel run to a relay station stands.
public enum RefuelRunState: String, LifecycleState {
    case proposed, scheduled
    case enRoute = "en_route"
    case delivered, closed, aborted
    /// Called off before it left: not needed after all, or proposed twice by mistake.
    case cancelled

    /// Used in refusals and audit entries.
    public static let entityName = "refuel_run"

    /// An aborted run goes back to proposed: the need for fuel has not gone away. A run that
    /// has not left (proposed, or aborted) can be cancelled when it is not needed after all.
    public var allowedTargets: [RefuelRunState] {
        switch self {
        case .proposed: [.scheduled, .cancelled]
        case .scheduled: [.enRoute, .aborted]
        case .enRoute: [.delivered, .aborted]
        case .delivered: [.closed]
        case .closed, .cancelled: []
        case .aborted: [.proposed, .cancelled]
        }
    }
}

/// Why a run was called off; the three reasons coordinators plan around.
public enum AbortReason: String, Codable, Sendable, CaseIterable {
    case weather, access, aircraft
}

/// A request to move a refuel run, with the facts the preconditions need.
public struct RefuelRunTransitionRequest: Sendable, Equatable {
    /// The requested state.
    public var to: RefuelRunState
    /// Free text kept with the step.
    public var note: String?
    /// Required to abort.
    public var abortReason: AbortReason?
    /// Required to deliver: what went into the tank, in millilitres.
    public var deliveredMillilitres: Int64?
    /// Closing reconciles the delivery against the next tank reading, so one must exist.
    public var hasReadingAfterDelivery: Bool

    /// Creates a request.
    public init(
        to: RefuelRunState,
        note: String? = nil,
        abortReason: AbortReason? = nil,
        deliveredMillilitres: Int64? = nil,
        hasReadingAfterDelivery: Bool = false
    ) {
        self.to = to
        self.note = note
        self.abortReason = abortReason
        self.deliveredMillilitres = deliveredMillilitres
        self.hasReadingAfterDelivery = hasReadingAfterDelivery
    }
}

/// The refuel-run lifecycle: Proposed → Scheduled → EnRoute → Delivered → Closed; Aborted
/// (weather, access, aircraft) → Proposed again; Proposed or Aborted → Cancelled.
public struct RefuelRunLifecycle: Sendable, Equatable {
    /// The state the run is in.
    public var state: RefuelRunState

    /// Starts from a known state.
    public init(state: RefuelRunState) { self.state = state }

    /// Decides a move.
    public func apply(_ request: RefuelRunTransitionRequest) -> Result<LifecycleStep<RefuelRunState>, TransitionRefusal> {
        let target = request.to
        let reason = [request.abortReason?.rawValue, request.note?.trimmedOrNil].compactMap { $0 }.joined(separator: ": ")
        let step = state.step(to: target, reason: reason)
        guard case .success = step else { return step }
        switch target {
        case .aborted where request.abortReason == nil:
            let reasons = AbortReason.allCases.map(\.rawValue).joined(separator: ", ")
            return .failure(state.refusal(to: target, because: "aborting needs a reason: \(reasons)"))
        case .delivered where (request.deliveredMillilitres ?? 0) <= 0:
            return .failure(state.refusal(to: target, because: "delivering needs delivered_litres above zero"))
        case .closed where !request.hasReadingAfterDelivery:
            return .failure(state.refusal(to: target, because: "closing needs a tank reading taken after the delivery"))
        default:
            return step
        }
    }
}
