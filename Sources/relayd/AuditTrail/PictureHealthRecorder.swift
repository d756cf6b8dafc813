import Foundation
import Logging
import ServiceLifecycle
import VideoRelay

/// Records each picture-health state that starts or ends, and each format change, in the audit
/// trail, as the monitor reports them (no polling: it awaits the monitor's events).
struct PictureHealthRecorder: Service {
    let health: PictureHealthMonitor
    let auditTrail: AuditTrail
    /// The program time of an entry, when the program pipeline runs.
    let programTime: @Sendable () -> Double?
    let logger: Logger

    func run() async throws {
        // The stream ends when the monitor stops: placed before it in the service group, this
        // records the monitor's last events before it ends.
        for await event in health.events {
            do {
                try await auditTrail.append(actor: "relayd", action: event.action, programTime: programTime(), details: Self.details(of: event))
            } catch {
                logger.info("cannot record picture health in the audit trail", metadata: ["audit.error": "\(error)"])
            }
        }
        // A service that returns before it is told to stop ends the whole group.
        try? await gracefulShutdown()
    }

    static func details(of event: PictureHealthEvent) -> [String: String] {
        let time = ISO8601DateFormatter()
        var details = ["source": event.source, "at": time.string(from: event.at)]
        if let since = event.since { details["since"] = time.string(from: since) }
        if let from = event.from { details["from"] = from.description }
        if let to = event.to { details["to"] = to.description }
        return details
    }
}
