import Foundation
import Glibc

/// scripts/impair-proxy started for a test: a UDP link with loss, delay, jitter and blackouts
/// between a caller and a listener on loopback. Its control socket cuts and restores the link
/// exactly when the test wants, and reports the counters.
final class ImpairmentProxy: Sendable {
    let process: ExternalProcess
    /// Where callers send instead of the target.
    let port: UInt16
    let controlPort: UInt16
    private let output: URL

    /// - Parameter options: the proxy's impairment options, e.g. ["--loss", "10", "--delay-ms", "20"].
    init(target: UInt16, options: [String] = []) async throws {
        output = FileManager.default.temporaryDirectory.appendingPathComponent("impair-\(UUID().uuidString).out")
        process = try ExternalProcess(
            ["python3", Self.script, "--listen", "127.0.0.1:0", "--target", "127.0.0.1:\(target)", "--control", "127.0.0.1:0"] + options,
            stdout: output)
        var ready: [String: Any] = [:]
        let output = output
        try await eventually("the impairment proxy ready", timeout: .seconds(10)) {
            guard let line = (try? String(contentsOf: output, encoding: .utf8))?.split(separator: "\n").first,
                  let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return false }
            ready = object
            return true
        }
        guard let port = ready["listen"] as? Int, let control = ready["control"] as? Int else {
            throw TestFailure("impairment proxy said \(ready); stderr: \(process.standardError)")
        }
        self.port = UInt16(port)
        controlPort = UInt16(control)
    }

    static let script = MediaFiles.directory.deletingLastPathComponent().appendingPathComponent("scripts/impair-proxy").path

    /// Sends a control command ("cut", "restore", "stats", "set loss=5") and returns the answer.
    @discardableResult
    func control(_ command: String) throws -> ProxyStats {
        let socket = try UDPSocket()
        defer { socket.close() }
        try socket.send(Array(command.utf8), to: controlPort)
        guard let reply = try socket.receive(timeout: .seconds(3)) else { throw TestFailure("no answer to \(command)") }
        return try JSONDecoder().decode(ProxyStats.self, from: Data(reply))
    }

    /// Stops the proxy and returns its final counters.
    func stop() async throws -> ProxyStats {
        process.terminate()
        try await process.waitForExit(timeout: .seconds(10))
        defer { try? FileManager.default.removeItem(at: output) }
        let lines = (try String(contentsOf: output, encoding: .utf8)).split(separator: "\n")
        guard let last = lines.last else { throw TestFailure("the impairment proxy printed nothing") }
        return try JSONDecoder().decode(ProxyStats.self, from: Data(last.utf8))
    }
}

/// The proxy's counters for both directions.
struct ProxyStats: Decodable {
    struct Direction: Decodable {
        var received: Int
        var sent: Int
        var bytes_sent: Int
        var lost: Int
        var blackout: Int
        var rate_dropped: Int
        var reordered: Int
    }

    var cut: Bool
    var cuts: Int
    var forward: Direction
    var back: Direction
}

/// A plain UDP socket on loopback, for tests that check the proxy packet by packet.
final class UDPSocket: @unchecked Sendable {
    // @unchecked: used by one test task at a time; the descriptor never changes.
    let descriptor: Int32
    let port: UInt16

    init() throws {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: \(errno)") }
        var address = Self.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else {
            Glibc.close(fd)
            throw TestFailure("bind: \(errno)")
        }
        descriptor = fd
        port = UInt16(bigEndian: address.sin_port)
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        return address
    }

    func send(_ bytes: [UInt8], to port: UInt16) throws {
        var address = Self.loopback(port: port)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(descriptor, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard sent == bytes.count else { throw TestFailure("sendto: \(errno)") }
    }

    /// The next datagram and the port it came from, or nil after `timeout`.
    func receiveWithSender(timeout: Duration) throws -> (bytes: [UInt8], port: UInt16)? {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(timeout / .milliseconds(1))
        guard poll(&poller, 1, milliseconds) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65536)
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let count = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(descriptor, &buffer, buffer.count, 0, $0, &length) }
        }
        guard count >= 0 else { throw TestFailure("recvfrom: \(errno)") }
        return (Array(buffer[0..<count]), UInt16(bigEndian: address.sin_port))
    }

    func receive(timeout: Duration) throws -> [UInt8]? { try receiveWithSender(timeout: timeout)?.bytes }

    func close() { Glibc.close(descriptor) }
}
