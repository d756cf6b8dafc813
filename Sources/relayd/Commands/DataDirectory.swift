import Foundation
import Logging

/// relayd's data directory holds the FieldOps database, the audit trail and the login
/// sessions: only relayd's own user may list or open it.
enum DataDirectory {
    static let mode: mode_t = 0o700

    /// Creates the directory with mode 0700, or tightens an existing one that others could
    /// read or enter (logged, with the mode it had).
    static func prepare(_ url: URL, logger: Logger) throws {
        let manager = FileManager.default
        if !manager.fileExists(atPath: url.path) {
            try manager.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: Int(mode)])
        }
        var status = stat()
        guard stat(url.path, &status) == 0 else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        let current = status.st_mode & 0o777
        guard current & 0o077 != 0 else { return }
        guard chmod(url.path, mode) == 0 else {
            let reason = String(cString: strerror(errno))
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: url.path, NSLocalizedDescriptionKey: "cannot chmod 0700 \(url.path): \(reason)"])
        }
        logger.warning("data directory was open to other users; tightened to 0700", metadata: [
            "data.path": "\(url.path)", "data.previous_mode": "\(String(current, radix: 8))",
        ])
    }
}
