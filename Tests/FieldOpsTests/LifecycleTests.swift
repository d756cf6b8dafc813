import Testing
@testable import FieldOps

/// Every (from, to) pair of every lifecycle: the pairs listed here by hand from the issue must
/// be accepted, every other pair refused with the current state and the allowed ones named.
@Suite struct DeploymentLifecycleTests {
    static let allowed: Set<String> = [
        "planned>mobilizing", "planned>cancelled",
        "mobilizing>active", "mobilizing>cancelled",
        "active>demobilizing",
        "demobilizing>closed", "demobilizing>active",
        "closed>active",
    ]

    @Test(arguments: DeploymentState.allCases)
    func everyMoveFromAStateIsAcceptedOrRefusedAsListed(from: DeploymentState) {
        for target in DeploymentState.allCases {
            let request = DeploymentTransitionRequest(to: target, reason: "road reopened")
            let result = DeploymentLifecycle(state: from).apply(request)
            if Self.allowed.contains("\(from.rawValue)>\(target.rawValue)") {
                #expect(result == .success(LifecycleStep(from: from, to: target, reason: "road reopened")))
            } else {
                guard case .failure(let refusal) = result else {
                    Issue.record("\(from) → \(target) should be refused")
                    continue
                }
                #expect(refusal.current == from.rawValue)
                #expect(refusal.requested == target.rawValue)
                let expectedAllowed = Self.allowed.filter { $0.hasPrefix("\(from.rawValue)>") }.map { String($0.split(separator: ">")[1]) }
                #expect(Set(refusal.allowed) == Set(expectedAllowed))
                #expect(refusal.because == nil)
            }
        }
    }

    @Test func closingIsRefusedWhileKitsAreOutAndNamesThem() {
        let result = DeploymentLifecycle(state: .demobilizing).apply(.init(to: .closed, kitsStillOut: ["SAT-01", "UPL-02"]))
        guard case .failure(let refusal) = result else { Issue.record("expected refusal"); return }
        #expect(refusal.because == "kits still out: SAT-01, UPL-02")
        #expect(refusal.message == "deployment cannot move from demobilizing to closed; allowed from demobilizing: closed, active; kits still out: SAT-01, UPL-02")
    }

    @Test func reopeningAClosedDeploymentNeedsAReason() {
        for blank in [nil, "", "   "] as [String?] {
            let result = DeploymentLifecycle(state: .closed).apply(.init(to: .active, reason: blank))
            guard case .failure(let refusal) = result else { Issue.record("reopen without reason accepted"); continue }
            #expect(refusal.because == "reopening a closed deployment needs a reason")
        }
        let reopened = DeploymentLifecycle(state: .closed).apply(.init(to: .active, reason: "aftershock"))
        #expect(reopened == .success(LifecycleStep(from: .closed, to: .active, reason: "aftershock")))
    }

    @Test func cancellingNeedsAReason() {
        let result = DeploymentLifecycle(state: .planned).apply(.init(to: .cancelled))
        guard case .failure(let refusal) = result else { Issue.record("cancel without reason accepted"); return }
        #expect(refusal.because == "cancelling needs a reason")
    }

    @Test func cancelledIsFinal() {
        guard case .failure(let refusal) = DeploymentLifecycle(state: .cancelled).apply(.init(to: .planned)) else {
            Issue.record("expected refusal"); return
        }
        #expect(refusal.allowed.isEmpty)
        #expect(refusal.message.contains("allowed from cancelled: none (final state)"))
    }
}

@Suite struct KitLifecycleTests {
    static let allowed: Set<String> = [
        "available>reserved", "available>checked_out", "available>unserviceable", "available>lost", "available>retired",
        "reserved>checked_out", "reserved>available", "reserved>lost",
        "checked_out>deployed", "checked_out>returned", "checked_out>lost",
        "deployed>returned", "deployed>lost",
        "returned>available", "returned>unserviceable",
        "unserviceable>in_service", "unserviceable>retired",
        "in_service>available", "in_service>retired",
        "lost>returned", "lost>retired",
    ]

    @Test(arguments: KitState.allCases)
    func everyMoveFromAStateIsAcceptedOrRefusedAsListed(from: KitState) {
        for target in KitState.allCases {
            let request = KitTransitionRequest(to: target, reason: "audit", deploymentID: 7)
            let result = KitLifecycle(state: from).apply(request)
            if Self.allowed.contains("\(from.rawValue)>\(target.rawValue)") {
                guard case .success(let step) = result else { Issue.record("\(from) → \(target) refused: \(result)"); continue }
                #expect(step.step.from == from)
                #expect(step.step.to == target)
            } else {
                guard case .failure(let refusal) = result else { Issue.record("\(from) → \(target) should be refused"); continue }
                #expect(refusal.current == from.rawValue)
                let expectedAllowed = Self.allowed.filter { $0.hasPrefix("\(from.rawValue)>") }.map { String($0.split(separator: ">")[1]) }
                #expect(Set(refusal.allowed) == Set(expectedAllowed))
            }
        }
    }

    @Test func aReturnMissingComponentsStaysIncompleteAndCannotBecomeAvailable() {
        let returned = KitLifecycle(state: .deployed).apply(.init(to: .returned, missingComponents: ["ANT-778"]))
        guard case .success(let step) = returned else { Issue.record("return refused"); return }
        #expect(step.isIncomplete)
        #expect(step.missingComponents == ["ANT-778"])

        let toAvailable = KitLifecycle(state: .returned, missingComponents: step.missingComponents).apply(.init(to: .available))
        guard case .failure(let refusal) = toAvailable else { Issue.record("incomplete kit made available"); return }
        #expect(refusal.because == "returned incomplete, missing: ANT-778; mark it unserviceable to replace them")
    }

    @Test func completingServiceClearsTheMissingList() {
        let done = KitLifecycle(state: .inService, missingComponents: ["ANT-778"]).apply(.init(to: .available))
        guard case .success(let step) = done else { Issue.record("service completion refused"); return }
        #expect(step.missingComponents.isEmpty)
    }

    @Test func checkoutAndReservationNeedADeployment() {
        for target in [KitState.reserved, .checkedOut] {
            guard case .failure(let refusal) = KitLifecycle(state: .available).apply(.init(to: target)) else {
                Issue.record("\(target) without deployment accepted"); continue
            }
            #expect(refusal.because == "a deployment_id is required")
        }
    }

    @Test func lostAndRetiredNeedAReason() {
        for (from, target) in [(KitState.deployed, KitState.lost), (.unserviceable, .retired)] {
            guard case .failure(let refusal) = KitLifecycle(state: from).apply(.init(to: target)) else {
                Issue.record("\(target) without reason accepted"); continue
            }
            #expect(refusal.because == "\(target.rawValue) needs a reason")
        }
    }
}

@Suite struct RefuelRunLifecycleTests {
    static let allowed: Set<String> = [
        "proposed>scheduled", "proposed>cancelled",
        "scheduled>en_route", "scheduled>aborted",
        "en_route>delivered", "en_route>aborted",
        "delivered>closed",
        "aborted>proposed", "aborted>cancelled",
    ]

    @Test(arguments: RefuelRunState.allCases)
    func everyMoveFromAStateIsAcceptedOrRefusedAsListed(from: RefuelRunState) {
        for target in RefuelRunState.allCases {
            let request = RefuelRunTransitionRequest(
                to: target, abortReason: .weather, deliveredMillilitres: 80_000, hasReadingAfterDelivery: true
            )
            let result = RefuelRunLifecycle(state: from).apply(request)
            if Self.allowed.contains("\(from.rawValue)>\(target.rawValue)") {
                guard case .success(let step) = result else { Issue.record("\(from) → \(target) refused: \(result)"); continue }
                #expect(step.to == target)
            } else {
                guard case .failure(let refusal) = result else { Issue.record("\(from) → \(target) should be refused"); continue }
                #expect(refusal.current == from.rawValue)
                let expectedAllowed = Self.allowed.filter { $0.hasPrefix("\(from.rawValue)>") }.map { String($0.split(separator: ">")[1]) }
                #expect(Set(refusal.allowed) == Set(expectedAllowed))
            }
        }
    }

    @Test func abortingNeedsWeatherAccessOrAircraft() {
        guard case .failure(let refusal) = RefuelRunLifecycle(state: .enRoute).apply(.init(to: .aborted)) else {
            Issue.record("abort without reason accepted"); return
        }
        #expect(refusal.because == "aborting needs a reason: weather, access, aircraft")
        let aborted = RefuelRunLifecycle(state: .enRoute).apply(.init(to: .aborted, note: "whiteout", abortReason: .weather))
        #expect(aborted == .success(LifecycleStep(from: .enRoute, to: .aborted, reason: "weather: whiteout")))
    }

    @Test func deliveringNeedsAVolume() {
        for volume in [nil, 0, -5] as [Int64?] {
            guard case .failure(let refusal) = RefuelRunLifecycle(state: .enRoute).apply(.init(to: .delivered, deliveredMillilitres: volume)) else {
                Issue.record("delivery of \(String(describing: volume)) accepted"); continue
            }
            #expect(refusal.because == "delivering needs delivered_litres above zero")
        }
    }

    @Test func closingNeedsAReadingAfterTheDelivery() {
        guard case .failure(let refusal) = RefuelRunLifecycle(state: .delivered).apply(.init(to: .closed)) else {
            Issue.record("close without reading accepted"); return
        }
        #expect(refusal.because == "closing needs a tank reading taken after the delivery")
    }
}
