/// Where a kit (satellite terminal, video uplink, portable relay, generator kit) stands.
public enum KitState: String, LifecycleState {
    case available, reserved
    case checkedOut = "checked_out"
    case deployed, returned, unserviceable
    case inService = "in_service"
    case lost, retired

    /// Used in refusals and audit entries.
    public static let entityName = "kit"

    /// A returned kit is inspected before it is available again; a lost kit that turns up is
    /// booked as returned so that it is inspected too.
    public var allowedTargets: [KitState] {
        switch self {
        case .available: [.reserved, .checkedOut, .unserviceable, .lost, .retired]
        case .reserved: [.checkedOut, .available, .lost]
        case .checkedOut: [.deployed, .returned, .lost]
        case .deployed: [.returned, .lost]
        case .returned: [.available, .unserviceable]
        case .unserviceable: [.inService, .retired]
        case .inService: [.available, .retired]
        case .lost: [.returned, .retired]
        case .retired: []
        }
    }

    /// States in which the kit is away with a deployment and must come back before it closes.
    public var isOut: Bool { self == .checkedOut || self == .deployed }
}

/// A request to move a kit, with the facts the preconditions need.
public struct KitTransitionRequest: Sendable, Equatable {
    /// The requested state.
    public var to: KitState
    /// Free text; required for lost and retired, which take a kit out of circulation.
    public var reason: String?
    /// The deployment the kit goes to; required to reserve or check out.
    public var deploymentID: Int64?
    /// Serial numbers of components not present, as counted on return (or still missing).
    public var missingComponents: [String]

    /// Creates a request.
    public init(to: KitState, reason: String? = nil, deploymentID: Int64? = nil, missingComponents: [String] = []) {
        self.to = to
        self.reason = reason
        self.deploymentID = deploymentID
        self.missingComponents = missingComponents
    }
}

/// The kit lifecycle: Available → Reserved → CheckedOut → Deployed → Returned → Available, or
/// Unserviceable → InService → Available; Lost; Retired. A return that misses components
/// stays Returned-incomplete and cannot become available until the components are replaced
/// (Unserviceable → InService → Available clears the list).
public struct KitLifecycle: Sendable, Equatable {
    /// The state the kit is in.
    public var state: KitState
    /// Serial numbers missing since the last return; empty when the kit is complete.
    public var missingComponents: [String]

    /// Starts from a known state.
    public init(state: KitState, missingComponents: [String] = []) {
        self.state = state
        self.missingComponents = missingComponents
    }

    /// Decides a move and returns the step plus the missing list the kit has afterwards.
    public func apply(_ request: KitTransitionRequest) -> Result<KitStep, TransitionRefusal> {
        let target = request.to
        let step: LifecycleStep<KitState>
        switch state.step(to: target, reason: request.reason) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let accepted): step = accepted
        }
        switch target {
        // A `where` clause binds only to the last pattern of a case, hence one pattern per case.
        case .reserved where request.deploymentID == nil, .checkedOut where request.deploymentID == nil:
            return .failure(state.refusal(to: target, because: "a deployment_id is required"))
        case .lost where step.reason == nil, .retired where step.reason == nil:
            return .failure(state.refusal(to: target, because: "\(target.rawValue) needs a reason"))
        case .available where state == .returned && !missingComponents.isEmpty:
            let missing = missingComponents.joined(separator: ", ")
            return .failure(state.refusal(
                to: target,
                because: "returned incomplete, missing: \(missing); mark it unserviceable to replace them"
            ))
        default:
            break
        }
        let missingAfter: [String]
        switch target {
        case .returned: missingAfter = request.missingComponents
        case .available where state == .inService: missingAfter = []  // service fitted replacements
        default: missingAfter = missingComponents
        }
        return .success(KitStep(step: step, missingComponents: missingAfter))
    }
}

/// A kit move the lifecycle accepted.
public struct KitStep: Sendable, Equatable {
    /// The state change.
    public var step: LifecycleStep<KitState>
    /// The serial numbers missing after the move.
    public var missingComponents: [String]
    /// True when the kit came back without every component.
    public var isIncomplete: Bool { step.to == .returned && !missingComponents.isEmpty }
}
