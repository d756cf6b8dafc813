import FieldOps
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A real `relayd serve` process on loopback with only what FieldOps needs (no sources, no
/// program pipeline), for tests that must kill it.
final class FieldOpsServerProcess: @unchecked Sendable {  // `process` is only touched by the test that owns it
    let process = Process()
    let port: Int
    /// Config and audit signing key, beside (not inside) the data directory.
    let scratch: URL
    private let output = ProcessOutput()

    /// The built `relayd` next to the test bundle (or $RELAYD_BINARY).
    static func relaydBinary() throws -> URL {
        var candidates: [URL] = []
        if let override = ProcessInfo.processInfo.environment["RELAYD_BINARY"] {
            candidates.append(URL(fileURLWithPath: override))
        }
        let bundle = Bundle.main.bundleURL
        candidates += [bundle, bundle.deletingLastPathComponent(), URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
            .map { $0.appendingPathComponent("relayd") }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw ProcessError(message: "relayd binary not found in \(candidates.map(\.path)); build it first (swift build) or set RELAYD_BINARY")
        }
        return found
    }

    /// Starts `relayd serve` on free ports and waits for its HTTP server to announce the port
    /// it bound. With `postgres`, FieldOps is kept there instead of the data directory.
    init(dataDirectory: URL, postgres: PostgresLocation? = nil) async throws {
        scratch = URL(fileURLWithPath: dataDirectory.path + "-relayd")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let config = scratch.appendingPathComponent("relayd.yaml")
        try """
            srt:
              listen: 127.0.0.1:0
            http:
              listen: 127.0.0.1:0
            program:
              pipeline: false
            """.appending(postgres.map { "\nfieldops:\n  database: \($0)\n" } ?? "").write(to: config, atomically: true, encoding: .utf8)
        process.executableURL = try Self.relaydBinary()
        process.arguments = [
            "serve", "--config", config.path, "--data-dir", dataDirectory.path,
            "--audit-key", scratch.appendingPathComponent("audit-signing.key").path,
        ]
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        port = try await Self.announcedPort(pipe.fileHandleForReading, into: output)
    }

    /// Everything relayd logged so far.
    var log: String { output.text }

    /// Reads relayd's log until Hummingbird's "listening on 127.0.0.1:PORT", then keeps
    /// draining it so relayd never blocks on a full pipe. The read blocks, so it runs on a
    /// Dispatch thread, not the Swift concurrency pool; EOF first (relayd died) fails.
    private static func announcedPort(_ handle: FileHandle, into output: ProcessOutput) async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                var announced = false
                while true {
                    let chunk = handle.availableData
                    guard !chunk.isEmpty else {
                        if !announced {
                            continuation.resume(throwing: ProcessError(message: "relayd exited before listening; output: \(output.text)"))
                        }
                        return
                    }
                    let text = output.append(String(decoding: chunk, as: UTF8.self))
                    if !announced, let marker = text.range(of: "listening on 127.0.0.1:"),
                       let end = text[marker.upperBound...].firstIndex(where: { !$0.isNumber }),
                       let port = Int(text[marker.upperBound..<end]) {
                        announced = true
                        continuation.resume(returning: port)
                    }
                }
            }
        }
    }

    /// SIGKILL: no shutdown hooks, no flushing, as in a power cut of the process.
    func killHard() {
        kill(process.processIdentifier, SIGKILL)
    }

    /// SIGTERM for a polite stop.
    func stop() {
        if process.isRunning { process.terminate() }
    }

    /// Waits for the process to be gone, off the concurrency pool.
    func waitForExit() async -> Int32 {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                self.process.waitUntilExit()
                continuation.resume(returning: self.process.terminationStatus)
            }
        }
    }

    /// A new HTTP/1.1 connection to the server.
    func connect() -> TestClient {
        let client = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(5)))
        client.connect()
        return client
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: scratch)
    }
}

/// What a child process wrote, appended by the thread draining its pipe.
final class ProcessOutput: @unchecked Sendable {  // `collected` is only touched under `lock`
    private let lock = NSLock()
    private var collected = ""

    var text: String { lock.withLock { collected } }

    /// Appends and returns everything so far.
    func append(_ chunk: String) -> String {
        lock.withLock {
            collected += chunk
            return collected
        }
    }
}

struct ProcessError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

extension TestClient {
    /// POSTs JSON and returns status and body text. Like every HTTP/1.1 client, names the host
    /// (relayd answers only for the host names it serves).
    func postJSON(_ path: String, _ body: String) async throws -> (HTTPResponse.Status, String) {
        let response = try await execute(.init(
            path, method: .post, authority: "127.0.0.1", headers: [.contentType: "application/json"], body: ByteBuffer(string: body)))
        return (response.status, response.body.map { String(buffer: $0) } ?? "")
    }

    /// GETs and returns status and body text.
    func getText(_ path: String) async throws -> (HTTPResponse.Status, String) {
        let response = try await execute(.init(path, method: .get, authority: "127.0.0.1"))
        return (response.status, response.body.map { String(buffer: $0) } ?? "")
    }
}
