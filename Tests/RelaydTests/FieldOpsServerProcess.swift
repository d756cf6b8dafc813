import FieldOps
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A real `relayd fieldops serve-http` process on loopback, for tests that must kill it.
final class FieldOpsServerProcess: @unchecked Sendable {  // `process` is only touched by the test that owns it
    let process = Process()
    let port: Int

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

    /// Starts the server on a free port and waits for it to announce the port it bound.
    init(dataDirectory: URL) async throws {
        process.executableURL = try Self.relaydBinary()
        process.arguments = ["fieldops", "serve-http", "--data-dir", dataDirectory.path, "--port", "0"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        port = try await Self.announcedPort(output.fileHandleForReading)
    }

    /// Reads the server's stdout until "listening on 127.0.0.1:PORT". The read blocks, so it
    /// runs on a Dispatch thread, not the Swift concurrency pool; EOF (the server died) fails.
    private static func announcedPort(_ handle: FileHandle) async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                var text = ""
                while true {
                    let chunk = handle.availableData
                    guard !chunk.isEmpty else {
                        continuation.resume(throwing: ProcessError(message: "relayd exited before listening; output: \(text)"))
                        return
                    }
                    text += String(decoding: chunk, as: UTF8.self)
                    if let marker = text.range(of: "listening on 127.0.0.1:"),
                       let end = text[marker.upperBound...].firstIndex(of: "\n"),
                       let port = Int(text[marker.upperBound..<end]) {
                        continuation.resume(returning: port)
                        return
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

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

struct ProcessError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

extension TestClient {
    /// POSTs JSON and returns status and body text.
    func postJSON(_ path: String, _ body: String) async throws -> (HTTPResponse.Status, String) {
        let response = try await post(path, headers: [.contentType: "application/json"], body: ByteBuffer(string: body))
        return (response.status, response.body.map { String(buffer: $0) } ?? "")
    }
}
