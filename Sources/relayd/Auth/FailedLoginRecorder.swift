import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Records failed logins in the audit trail as one entry per client address and minute (how
/// many, why, and a few of the names tried, each cut to `nameLength`), not one per attempt: an
/// anonymous client must not be able to grow the trail, or slow it, by sending failed logins.
/// An entry is written when its minute has closed, and whatever is pending when relayd stops.
final class FailedLoginRecorder: Service, Sendable {
    /// Names kept per address and minute, and how much of each.
    static let sampleNames = 3
    static let nameLength = 64
    /// Addresses tracked per minute; further ones are counted together under "other addresses".
    static let maximumAddresses = 10_000
    static let otherAddresses = "(other addresses)"

    private let auditTrail: AuditTrail
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let pending = Mutex<[Key: Tally]>([:])

    struct Key: Hashable, Sendable {
        var address: String
        /// The start of the minute, in whole seconds since 1970.
        var minute: Int
    }

    struct Tally: Sendable, Equatable {
        var failures = 0
        var reasons: [String: Int] = [:]
        var names: [String] = []
        var otherNames = 0
    }

    init(auditTrail: AuditTrail, logger: Logger = Logger(label: "relayd.auth"), now: @escaping @Sendable () -> Date = { Date() }) {
        self.auditTrail = auditTrail
        self.logger = logger
        self.now = now
    }

    /// Counts one failed login; never writes.
    func record(name: String, address: String, reason: String, at time: Date) {
        let minute = Int(time.timeIntervalSince1970 / 60) * 60
        let sample = Self.truncated(name)
        pending.withLock { pending in
            var key = Key(address: address, minute: minute)
            if pending[key] == nil && pending.count >= Self.maximumAddresses { key.address = Self.otherAddresses }
            var tally = pending[key] ?? Tally()
            tally.failures += 1
            tally.reasons[reason, default: 0] += 1
            if !tally.names.contains(sample) {
                if tally.names.count < Self.sampleNames { tally.names.append(sample) } else { tally.otherNames += 1 }
            }
            pending[key] = tally
        }
    }

    /// Writes the entries of every minute that has closed (all of them with `everything`).
    func flush(everything: Bool = false) async throws {
        let current = Int(now().timeIntervalSince1970 / 60) * 60
        let closed = pending.withLock { pending in
            let closed = pending.filter { everything || $0.key.minute < current }
            for key in closed.keys { pending[key] = nil }
            return closed
        }
        // One write and one fsync for the whole minute, however many addresses it saw.
        try await auditTrail.append(closed.sorted { ($0.key.minute, $0.key.address) < ($1.key.minute, $1.key.address) }.map { key, tally in
            AuditTrail.Record(actor: "anonymous", action: "auth.login_failed", details: Self.details(key, tally))
        })
    }

    static func details(_ key: Key, _ tally: Tally) -> [String: String] {
        let minute = Date(timeIntervalSince1970: TimeInterval(key.minute))
        var details = [
            "address": key.address,
            "minute": ISO8601DateFormatter().string(from: minute),
            "failures": String(tally.failures),
            "reasons": tally.reasons.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", "),
            "names": String(decoding: (try? JSONEncoder().encode(tally.names)) ?? Data("[]".utf8), as: UTF8.self),
        ]
        if tally.otherNames > 0 { details["other_names"] = String(tally.otherNames) }
        return details
    }

    /// At most `nameLength` Unicode scalars (a Character can hold any number of combining marks).
    static func truncated(_ name: String) -> String {
        let scalars = name.unicodeScalars
        guard scalars.count > nameLength else { return name }
        var cut = String.UnicodeScalarView()
        cut.append(contentsOf: scalars.prefix(nameLength))
        return String(cut) + "…"
    }

    /// Writes each minute's entries once it has closed; on shutdown writes what is pending.
    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let seconds = now().timeIntervalSince1970
            let untilNextMinute = 60 - seconds.truncatingRemainder(dividingBy: 60) + 0.5
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(untilNextMinute)) }
            do { try await flush() } catch { logger.warning("cannot record failed logins in the audit trail", metadata: ["audit.error": "\(error)"]) }
        }
        do { try await flush(everything: true) } catch { logger.warning("cannot record failed logins in the audit trail", metadata: ["audit.error": "\(error)"]) }
    }
}
