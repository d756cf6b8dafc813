import Foundation
import Logging
import Synchronization
import Testing
import VideoRelay
@testable import relayd

/// `relayd demo`'s simulated field units stop for good when their service is cancelled.
struct SimulatedFieldUnitsTests {
    /// Given a unit whose ffmpeg exits at once (its clip is not a TS), when the service is
    /// cancelled while the unit waits to restart, then no ffmpeg is started again.
    @Test(.timeLimit(.minutes(1))) func aUnitCancelledWhileWaitingToRestartStartsNoOtherEncoder() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("units-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(FileManager.default.createFile(atPath: directory.appendingPathComponent("heli-1.ts").path, contents: Data("not a transport stream".utf8)))

        let log = LogLines()
        var units = SimulatedFieldUnits(
            mediaDirectory: directory.path, srtAddress: HostPort(host: "127.0.0.1", port: 9), sources: [SourceConfiguration(id: "heli-1", kind: .helicopter, label: "Helicopter")])
        units.logger = Logger(label: "test.units") { _ in log }
        units.restartPause = .seconds(60)
        let run = Task { [units] in try await units.run() }
        await log.waitFor("field unit stopped, restarting")
        run.cancel()
        try await run.value
        #expect(log.messages.filter { $0 == "field unit publishing" }.count == 1, "\(log.messages)")
    }
}

/// Log messages as they are logged, and a wait for one of them.
private final class LogLines: LogHandler, Sendable {
    private let state = Mutex<(messages: [String], waiting: [(String, CheckedContinuation<Void, Never>)])>(([], []))

    var messages: [String] { state.withLock { $0.messages } }

    func waitFor(_ message: String) async {
        await withCheckedContinuation { continuation in
            let logged = state.withLock { state in
                if state.messages.contains(message) { return true }
                state.waiting.append((message, continuation))
                return false
            }
            if logged { continuation.resume() }
        }
    }

    func log(event: LogEvent) {
        let message = event.message.description
        let woken = state.withLock { state in
            state.messages.append(message)
            let woken = state.waiting.filter { $0.0 == message }.map(\.1)
            state.waiting.removeAll { $0.0 == message }
            return woken
        }
        for continuation in woken { continuation.resume() }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }

    var logLevel: Logger.Level {
        get { .trace }
        set {}
    }
}
