import FieldOps
import Foundation
import Synchronization

/// A FieldOps matter the control room's header shows, because it can take a relay link (and so
/// a picture) off air: a generator running low or past its order-by time, or a kit that should
/// be back at base.
struct FieldOpsAlert: Encodable, Equatable, Sendable {
    enum Kind: String, Encodable, Sendable {
        /// A generator in the Low or Critical band, or whose order-by time has passed.
        case generator
        /// A kit still out with a deployment that was cancelled or has been winding down for
        /// longer than `FieldOpsAlerts.kitReturnAllowance`.
        case kit
    }

    var kind: Kind
    /// For a generator: its fuel band (`low`, `critical`, ...).
    var band: String?
    /// For a generator: when the refuel run has to be ordered at the latest.
    var orderBy: Date?
    /// For a generator: whether that time has passed.
    var orderByPassed = false
    var station: String?
    var generator: String?
    var kit: String?
    /// For a kit: the deployment it is out with, "#id incident".
    var deployment: String?
    var deploymentState: String?
    /// The FieldOps page that deals with it.
    var link: String
}

/// Keeps the control room's list of FieldOps alerts, read again after each FieldOps write and
/// otherwise at most every `interval` (the bands move as fuel burns, with no write), so the
/// event stream's frequent looks never query the database in between.
final class FieldOpsAlerts: Sendable {
    let database: FieldOpsDatabase
    /// The revision of the latest write, when the data's writes are published.
    let revisions: Broadcast<Int64>?
    /// How often the list is read again without a write (the fuel bands move in minutes, kits
    /// in hours).
    let interval: Duration
    /// A kit may stay out this long after its deployment started winding down.
    static let kitReturnAllowance: TimeInterval = 12 * 3600

    private struct State {
        var alerts: [FieldOpsAlert] = []
        var readAt: ContinuousClock.Instant?
        var readRevision: Int64?
        var reading = false
    }

    private let state = Mutex(State())

    init(database: FieldOpsDatabase, revisions: Broadcast<Int64>? = nil, interval: Duration = .seconds(1)) {
        self.database = database
        self.revisions = revisions
        self.interval = interval
    }

    /// The list as last read.
    var current: [FieldOpsAlert] { state.withLock { $0.alerts } }

    /// Reads the list again after a write or when it is older than `interval`, unless somebody
    /// else is reading it. A failed read keeps the previous list (the database reports its own
    /// errors).
    func refreshIfDue() async {
        let revision = revisions?.value
        let due = state.withLock { state -> Bool in
            guard !state.reading else { return false }
            let stale = state.readAt.map { ContinuousClock.now - $0 >= interval } ?? true
            guard stale || revision != state.readRevision else { return false }
            state.reading = true
            return true
        }
        guard due else { return }
        let alerts = try? await read()
        state.withLock { state in
            if let alerts { state.alerts = alerts }
            state.readAt = .now
            state.readRevision = revision
            state.reading = false
        }
    }

    /// Generators most urgent first, then kits by name.
    func read() async throws -> [FieldOpsAlert] {
        let now = database.now
        var alerts: [FieldOpsAlert] = []
        for station in try await database.alerts(at: now) {
            for status in station.generators {
                let orderBy = status.forecast?.orderBy.map(Date.init(unixSeconds:))
                let passed = orderBy.map { $0 <= now } ?? false
                guard status.band == .low || status.band == .critical || passed else { continue }
                alerts.append(FieldOpsAlert(
                    kind: .generator, band: status.band.rawValue, orderBy: orderBy, orderByPassed: passed,
                    station: station.station.name, generator: status.generator.name,
                    link: passed ? "/fieldops/refuel" : "/fieldops/stations#station-\(station.station.id ?? 0)"))
            }
        }
        var out: [Kit] = []
        for state in [KitState.reserved, .checkedOut, .deployed] {
            out += try await database.kits(KitFilter(state: state), page: try Page(limit: 500))
        }
        var deployments: [Int64: Deployment] = [:]
        for kit in out.sorted(by: { $0.name < $1.name }) {
            guard let id = kit.deploymentId else { continue }
            if deployments[id] == nil { deployments[id] = try await database.deployment(id: id).deployment }
            guard let deployment = deployments[id], Self.isOverdue(deployment, now: now) else { continue }
            alerts.append(FieldOpsAlert(
                kind: .kit, kit: kit.name, deployment: "#\(id) \(deployment.incidentName)", deploymentState: deployment.state.rawValue,
                link: "/fieldops/kits#kit-\(kit.id ?? 0)"))
        }
        return alerts
    }

    /// A kit out with this deployment should be back by now.
    static func isOverdue(_ deployment: Deployment, now: Date) -> Bool {
        switch deployment.state {
        case .cancelled, .closed: true
        case .demobilizing: now.timeIntervalSince(deployment.updatedAt) > kitReturnAllowance
        default: false
        }
    }
}
