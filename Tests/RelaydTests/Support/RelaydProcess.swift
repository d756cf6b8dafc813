import Foundation
import VideoRelay
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The real relayd binary, started by a test with its own config and data dir on free ports.
final class RelaydProcess: Sendable {
    let child: ChildProcess
    let directory: URL
    let httpPort: UInt16
    let srtPort: UInt16
    private let logFile: URL

    /// Path of the relayd binary built next to the test bundle.
    static var binary: URL {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("relayd")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: ".build/debug/relayd")
    }

    /// Starts `relayd serve` with `configYAML`, in which `{SRT_PORT}` and `{HTTP_PORT}` are
    /// replaced with free ports (or `ports`, to start a relayd again where one ran). `launcher`
    /// runs before the binary (e.g. `prlimit --nofile=512`). `directory`: the directory (data dir,
    /// keys, log) of a relayd that ran before, to start it again on the same data.
    init(
        configYAML: String, arguments: [String] = ["serve"], launcher: [String] = [], ports: (srt: UInt16, http: UInt16)? = nil,
        directory reused: URL? = nil
    ) throws {
        directory = reused ?? FileManager.default.temporaryDirectory.appendingPathComponent("relayd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        srtPort = try ports?.srt ?? LoopbackPort.udp()
        httpPort = try ports?.http ?? LoopbackPort.tcp()
        let config = configYAML
            .replacingOccurrences(of: "{SRT_PORT}", with: String(srtPort))
            .replacingOccurrences(of: "{HTTP_PORT}", with: String(httpPort))
        let configFile = directory.appendingPathComponent("relayd.yaml")
        try config.write(to: configFile, atomically: true, encoding: .utf8)
        logFile = directory.appendingPathComponent("relayd.log")
        child = try ChildProcess(
            launcher + [Self.binary.path] + arguments + [
                "--config", configFile.path, "--data-dir", directory.appendingPathComponent("data").path,
                "--audit-key", directory.appendingPathComponent("keys/audit-signing.key").path,
            ],
            standardOutput: directory.appendingPathComponent("relayd.out").path, standardError: logFile.path)
    }

    /// An HQ pulling the program as `user` with srt-live-transmit, discarding what it receives.
    func pullProgram(as user: String) throws -> ChildProcess {
        try ChildProcess(
            ["srt-live-transmit", "-q", "srt://127.0.0.1:\(srtPort)?streamid=#!::r=program,m=request,u=\(user)", "file://con"],
            standardOutput: "/dev/null")
    }

    /// An ffmpeg field encoder pushing the sample clip of `source` to this relayd in a loop.
    func publishSampleClip(_ source: String) throws -> ChildProcess {
        let clip = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Media/\(source).ts").path
        return try ChildProcess([
            "ffmpeg", "-v", "error", "-re", "-stream_loop", "-1", "-i", clip, "-c", "copy", "-f", "mpegts",
            "srt://127.0.0.1:\(srtPort)?streamid=#!::r=\(source),m=publish",
        ])
    }

    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Waits until /healthz answers.
    func waitReady(timeout: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = child.exitStatus { throw RelaydTestFailure("relayd exited (\(status)):\n\(log)") }
            if let (status, _) = try? await RelaydHTTP.get(port: httpPort, path: "/healthz"), status == 200 { return }
            if ContinuousClock.now > deadline { throw RelaydTestFailure("relayd not ready after \(timeout):\n\(log)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Waits for relayd to exit by itself; returns the exit status.
    func waitForExit(timeout: Duration = .seconds(20)) async throws -> Int32 {
        try await child.waitForExit(timeout: timeout)
    }

    /// Runs a relayd command to completion; returns its exit status and combined output.
    static func run(_ arguments: [String], timeout: Duration = .seconds(30)) async throws -> (status: Int32, output: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("relayd-run-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: file.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: file) }
        let child = try ChildProcess([binary.path] + arguments, standardOutput: file.path, standardError: file.path + ".err")
        let status = try await child.waitForExit(timeout: timeout)
        let output = ((try? String(contentsOf: file, encoding: .utf8)) ?? "") + ((try? String(contentsOfFile: file.path + ".err", encoding: .utf8)) ?? "")
        try? FileManager.default.removeItem(atPath: file.path + ".err")
        return (status, output)
    }
    /// Sends a signal and waits for exit; returns the exit status.
    func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(10)) async throws -> Int32 {
        child.signal(signal)
        do {
            return try await child.waitForExit(timeout: timeout)
        } catch {
            throw RelaydTestFailure("relayd did not stop within \(timeout) of signal \(signal):\n\(log)")
        }
    }

    deinit {
        child.signal(SIGKILL)
        try? FileManager.default.removeItem(at: directory)
    }
}

struct RelaydTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Requests to relayd's HTTP API over loopback, as any HTTP client would make them.
enum RelaydHTTP {
    static func get(port: UInt16, path: String) async throws -> (Int, Data) {
        try await request(port: port, method: "GET", path: path, body: nil)
    }

    static func request(port: UInt16, method: String, path: String, body: Data?, headers: [String: String] = [:]) async throws -> (Int, Data) {
        guard let url = URL(string: "http://127.0.0.1:\(port)\(path)") else { throw RelaydTestFailure("bad path \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.httpBody = body
        for (key, value) in headers { request.setValue(value, forHTTPHeaderField: key) }
        if body != nil && headers["Content-Type"] == nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }
}

/// Free loopback ports (bound and released).
enum LoopbackPort {
    static func udp() throws -> UInt16 { try find(Int32(SOCK_DGRAM.rawValue)) }
    static func tcp() throws -> UInt16 { try find(Int32(SOCK_STREAM.rawValue)) }

    private static func find(_ type: Int32) throws -> UInt16 {
        let fd = socket(AF_INET, type, 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { throw RelaydTestFailure("no free port") }
        return UInt16(bigEndian: address.sin_port)
    }
}

/// Requests as a script or a browser with accounts makes them: credentials in headers only,
/// never a cookie jar (a shared jar would log every later request in), and the response
/// headers returned so tests can read Set-Cookie and Retry-After.
enum RelaydAuthHTTP {
    struct Answer: Sendable {
        var status: Int
        var headers: [String: String]
        var body: Data
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:] }
        func header(_ name: String) -> String? { headers.first { $0.key.lowercased() == name.lowercased() }?.value }
    }

    private static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        return URLSession(configuration: configuration)
    }()

    static func request(port: UInt16, _ method: String, _ path: String, body: String? = nil, headers: [String: String] = [:]) async throws -> Answer {
        guard let url = URL(string: "http://127.0.0.1:\(port)\(path)") else { throw RelaydTestFailure("bad path \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.httpBody = body.map { Data($0.utf8) }
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        for (key, value) in headers { request.setValue(value, forHTTPHeaderField: key) }
        let (data, response) = try await session.data(for: request)
        let http = response as? HTTPURLResponse
        var fields: [String: String] = [:]
        for (key, value) in http?.allHeaderFields ?? [:] { fields["\(key)"] = "\(value)" }
        return Answer(status: http?.statusCode ?? 0, headers: fields, body: data)
    }

    /// Logs in with a name and password; returns the answer and the session cookie
    /// (`relayd_session=...`) to send back.
    static func logIn(port: UInt16, name: String, password: String) async throws -> (answer: Answer, cookie: String?) {
        let body = String(decoding: try JSONSerialization.data(withJSONObject: ["name": name, "password": password]), as: UTF8.self)
        let answer = try await request(port: port, "POST", "/api/session", body: body)
        let cookie = answer.header("Set-Cookie")?.split(separator: ";").first.map(String.init)
        return (answer, cookie)
    }
}
