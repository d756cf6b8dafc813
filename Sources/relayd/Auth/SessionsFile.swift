import Foundation

/// Where browser sessions are kept across restarts (`<data-dir>/sessions.json`, owner-only), so
/// an open control-room page carries on by itself when relayd restarts. Writes run on their own
/// writer queue, never on the Swift concurrency pool; a burst of saves writes the newest state.
final class SessionsFile: Sendable {
    let path: String
    private let writer = SerialWorker(label: "relayd.sessions.writer")

    init(path: String) { self.path = path }

    /// The saved sessions (none when the file is missing or unreadable).
    func load() -> [String: SessionStore.Session] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        return (try? JSONDecoder().decode([String: SessionStore.Session].self, from: data)) ?? [:]
    }

    /// Saves and returns once the file is on disk (a new or closed session must survive a crash
    /// once acknowledged).
    func save(_ sessions: @escaping @Sendable () -> [String: SessionStore.Session]) async throws {
        try await writer.perform { try self.write(sessions()) }
    }

    /// Saves without waiting (a session's last use, which may lag).
    func saveLater(_ sessions: @escaping @Sendable () -> [String: SessionStore.Session]) {
        writer.enqueue { try? self.write(sessions()) }
    }

    /// `sessions` is read on the writer, just before writing, so queued saves write the newest.
    private func write(_ sessions: [String: SessionStore.Session]) throws {
        try DurableFile.replace(path, with: try JSONEncoder().encode(sessions), durable: true)
    }
}
