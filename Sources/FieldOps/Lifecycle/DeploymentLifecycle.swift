/// Where a deployment of field units stands.
public enum DeploymentState: String, LifecycleState {
    case planned, mobilizing, active, demobilizing, closed, cancelled

    /// Used in refusals and audit entries.
    public static let entityName = "deployment"

    /// Demobilizing may fall back to active when the situation escalates again; a closed
    /// deployment can only be reopened (to active), and only with a reason.
    public var allowedTargets: [DeploymentState] {
        switch self {
        case .planned: [.mobilizing, .cancelled]
        case .mobilizing: [.active, .cancelled]
        case .active: [.demobilizing]
        case .demobilizing: [.closed, .active]
        case .closed: [.active]
        case .cancelled: []
        }
    }
}

/// A request to move a deployment, with the facts the preconditions need.
public struct DeploymentTransitionRequest: Sendable, Equatable {
    /// The requested state.
    public var to: DeploymentState
    /// Free text; required to reopen a closed deployment and to cancel one.
    public var reason: String?
    /// Names of kits still checked out to the deployment; closing waits for them to come back.
    public var kitsStillOut: [String]

    /// Creates a request.
    public init(to: DeploymentState, reason: String? = nil, kitsStillOut: [String] = []) {
        self.to = to
        self.reason = reason
        self.kitsStillOut = kitsStillOut
    }
}

/// The deployment lifecycle: Planned → Mobilizing → Active → Demobilizing → Closed, or
/// Cancelled before it goes active. Pure: a state and a request in, a step or a refusal out.
public struct DeploymentLifecycle: Sendable, Equatable {
    /// The state the deployment is in.
    public var state: DeploymentState

    /// Starts from a known state.
    public init(state: DeploymentState) { self.state = state }

    /// Decides a move. Closing is refused while kits are out (they would vanish from every
    /// inventory); reopening and cancelling need a reason because they undo someone's decision.
    public func apply(_ request: DeploymentTransitionRequest) -> Result<LifecycleStep<DeploymentState>, TransitionRefusal> {
        let target = request.to
        let step = state.step(to: target, reason: request.reason)
        guard case .success(let accepted) = step else { return step }
        switch (state, target) {
        case (.closed, .active) where accepted.reason == nil:
            return .failure(state.refusal(to: target, because: "reopening a closed deployment needs a reason"))
        case (_, .cancelled) where accepted.reason == nil:
            return .failure(state.refusal(to: target, because: "cancelling needs a reason"))
        case (_, .closed) where !request.kitsStillOut.isEmpty:
            let kits = request.kitsStillOut.joined(separator: ", ")
            return .failure(state.refusal(to: target, because: "kits still out: \(kits)"))
        default:
            return step
        }
    }
}
