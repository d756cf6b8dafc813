import Foundation
import VideoRelay

/// A real client program (ffmpeg, ffprobe, srt-live-transmit) started by a test. Its stdout can go
/// to a file; stderr is kept for failure messages.
final class ExternalProcess: Sendable {
    let child: ChildProcess
    private let errorFile: String

    init(_ arguments: [String], stdout: URL? = nil) throws {
        errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("proc-\(UUID().uuidString).err").path
        child = try ChildProcess(arguments, standardOutput: stdout?.path, standardError: errorFile)
    }

    var isRunning: Bool { child.isRunning }
    var standardError: String { (try? String(contentsOfFile: errorFile, encoding: .utf8)) ?? "" }

    func signal(_ signal: Int32) { child.signal(signal) }
    func terminate() { child.terminate() }

    @discardableResult
    func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32 {
        try await child.waitForExit(timeout: timeout)
    }

    deinit {
        if child.isRunning {
            child.signal(SIGCONT)
            child.signal(SIGKILL)
        }
        try? FileManager.default.removeItem(atPath: errorFile)
    }

    /// Runs a command to completion and returns its stdout.
    static func output(_ arguments: [String], timeout: Duration = .seconds(60)) async throws -> (status: Int32, stdout: Data, stderr: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("out-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        let process = try ExternalProcess(arguments, stdout: file)
        let status = try await process.waitForExit(timeout: timeout)
        return (status, (try? Data(contentsOf: file)) ?? Data(), process.standardError)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Waits until a condition holds, checking every 50 ms: the event a test waits for (a source going
/// live, a reader connecting) shows in the relay's state, so this awaits it rather than
/// sleeping a guessed time.
func eventually(
    _ what: String, timeout: Duration = .seconds(15), _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while !(try await condition()) {
        if ContinuousClock.now > deadline { throw TestFailure("timed out after \(timeout) waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(50))
    }
}
