import Foundation
import Logging
import Synchronization
import VideoRelay

/// What the program showed, kept across a restart: the source an operator last cut to and the
/// caption on air. Written on every change (replaced whole, fsynced) to
/// `<data-dir>/program-state.json`; read once at start, where relayd resumes that source and
/// puts the caption back. A file that cannot be read or names a source no longer configured is
/// ignored with a warning: the program then starts as on a first run.
final class ProgramStateFile: Sendable {
    struct State: Codable, Equatable {
        var onAir: String?
        var caption: Caption?

        enum CodingKeys: String, CodingKey {
            case onAir = "on_air"
            case caption
        }
    }

    let path: String
    private let state: Mutex<State>
    private let logger: Logger

    init(dataDirectory: URL, logger: Logger) {
        path = dataDirectory.appendingPathComponent("program-state.json").path
        self.logger = logger
        state = Mutex(State())
    }

    /// The state saved before, checked against the sources configured now (nil: nothing usable).
    func load(sources: [String]) -> State? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard var saved = try? JSONDecoder().decode(State.self, from: data) else {
            logger.warning("program state unreadable; starting as on a first run", metadata: ["program.state": "\(path)"])
            return nil
        }
        if let source = saved.onAir, !sources.contains(source) {
            logger.warning("program state names a source no longer configured", metadata: ["program.state": "\(path)", "source.id": "\(source)"])
            saved.onAir = nil
        }
        if let caption = saved.caption, caption.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || caption.text.count > 200 {
            saved.caption = nil
        }
        state.withLock { $0 = saved }
        return saved
    }

    /// An operator's cut took effect.
    func noteCut(to source: String) { update { $0.onAir = source } }

    /// A caption went on air, was edited or cleared.
    func noteCaption(_ caption: Caption?) { update { $0.caption = caption } }

    /// Changes the state and writes it, under the lock so two changes never land out of order.
    private func update(_ change: (inout State) -> Void) {
        state.withLock { state in
            change(&state)
            do {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                try DurableFile.replace(path, with: try encoder.encode(state), durable: true)
            } catch {
                logger.error("program state not saved: after a restart the program will not resume it", metadata: ["error": "\(error)"])
            }
        }
    }
}
