import Foundation
import Logging

/// What the program engine tells the log and its status about what happened.
extension ProgramEngine {
    func log(to: ProgramInput, from: ProgramInput, reason: SwitchReason) {
        let reasonText = reason.name
        logger.info("program switched", metadata: ["program.from": "\(from)", "program.to": "\(to)", "program.reason": "\(reasonText)"])
        if reason.isAutomatic {
            status.automaticMoves.append(AutomaticMove(at: Date(), from: from.description, to: to.description, reason: reasonText))
            if status.automaticMoves.count > 50 { status.automaticMoves.removeFirst() }
        }
    }

    /// The conversion of the source on air fell `lag` behind it: its stale pictures are skipped.
    func noteFellBehind(_ source: String, lag: Duration) {
        status.fellBehind += 1
        status.lastFellBehind = FellBehind(at: Date(), source: source, lagMilliseconds: lag.wholeMilliseconds)
        logger.warning(
            "program conversion fell behind its source: skipping to a fresh keyframe to stay live",
            metadata: ["program.source": "\(source)", "program.lag_ms": "\(lag.wholeMilliseconds)"])
    }

    func note(_ error: FFmpegError, _ context: String) {
        status.errors[context, default: 0] += 1
        status.lastError = "\(context): \(error)"
        logger.debug("program error", metadata: ["program.context": "\(context)", "error": "\(error)"])
    }
}
