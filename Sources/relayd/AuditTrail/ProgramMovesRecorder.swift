import Foundation
import Logging
import ServiceLifecycle
import VideoRelay

/// Records the program's automatic moves (failover, restore, first live source) in the audit
/// trail. The pipeline keeps them in its status; this service appends each new one once.
struct ProgramMovesRecorder: Service {
    let program: ProgramPipeline
    let auditTrail: AuditTrail
    let logger: Logger

    func run() async throws {
        var recorded = Set<AutomaticMove>()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let status = program.status
            for move in status.automaticMoves where !recorded.contains(move) {
                recorded.insert(move)
                do {
                    try await auditTrail.append(actor: "relayd", action: "program.\(move.reason)", programTime: status.programTimeSeconds, details: [
                        "from": move.from, "to": move.to, "at": ISO8601DateFormatter().string(from: move.at),
                    ])
                } catch {
                    logger.info("cannot record automatic move in the audit trail", metadata: ["audit.error": "\(error)"])
                }
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }
}
