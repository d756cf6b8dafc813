import Foundation
import Logging
import VideoRelay

/// A relay started in process on a free port, with helpers that drive real clients against it.
final class RelayHarness: @unchecked Sendable {
    // @unchecked: the relay is Sendable; the rest is immutable after init.
    let relay: Relay
    let port: UInt16
    let directory: URL

    init(_ configuration: RelayConfiguration) throws {
        var configuration = configuration
        configuration.srtListen = HostPort(host: "127.0.0.1", port: 0)
        var logger = Logger(label: "test.relay")
        logger.logLevel = .warning
        relay = Relay(configuration: configuration, logger: logger)
        port = try relay.start()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("relay-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func stop() async {
        await relay.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    var address: HostPort { HostPort(host: "127.0.0.1", port: port) }

    func url(_ streamID: String, passphrase: String? = nil, extra: String = "") -> String {
        var url = "srt://127.0.0.1:\(port)?streamid=\(streamID)"
        if let passphrase { url += "&passphrase=\(passphrase)&pbkeylen=\(relay.configuration.keyLength)" }
        return url + extra
    }

    func file(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// An ffmpeg field encoder pushing a sample clip in a loop at its real rate.
    func publish(_ sourceID: String, clip: String? = nil, user: String? = nil, passphrase: String? = nil) throws -> ExternalProcess {
        let streamID = StreamID(resource: sourceID, mode: .publish, user: user).text
        return try ExternalProcess([
            "ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1",
            "-i", clip ?? MediaFiles.clip(sourceID), "-c", "copy", "-f", "mpegts", url(streamID, passphrase: passphrase),
        ])
    }

    /// Waits until a source is live in the relay's snapshot.
    func waitLive(_ sourceID: String) async throws {
        try await eventually("\(sourceID) live") { relay.snapshot.source(sourceID)?.state == .live }
    }

    /// Records `seconds` of a resource with ffmpeg as the reader; returns the file.
    func recordWithFFmpeg(_ resource: String, seconds: Double, user: String? = nil, passphrase: String? = nil, name: String) async throws -> String {
        let path = file(name).path
        let streamID = StreamID(resource: resource, mode: .request, user: user).text
        let result = try await ExternalProcess.output([
            "ffmpeg", "-hide_banner", "-v", "error", "-y", "-i", url(streamID, passphrase: passphrase),
            "-t", String(seconds), "-c", "copy", "-f", "mpegts", path,
        ])
        guard result.status == 0 else { throw TestFailure("ffmpeg reader of \(resource) failed (\(result.status)): \(result.stderr)") }
        return path
    }

    /// An srt-live-transmit reader writing what it receives to a file.
    func readWithSRTLiveTransmit(_ resource: String, user: String? = nil, passphrase: String? = nil, name: String) throws -> (ExternalProcess, String) {
        let path = file(name).path
        let streamID = StreamID(resource: resource, mode: .request, user: user).text
        let process = try ExternalProcess(
            ["srt-live-transmit", "-q", url(streamID, passphrase: passphrase), "file://con"], stdout: URL(fileURLWithPath: path))
        return (process, path)
    }

    static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }
}

extension RelayConfiguration {
    /// The three sample field sources, open, as in relayd's embedded default.
    static func sampleSources(fanout: FanoutLimits = FanoutLimits(), sinks: [SinkConfiguration] = [], users: [UserConfiguration] = []) -> RelayConfiguration {
        RelayConfiguration(
            sources: [
                SourceConfiguration(id: "heli-1", kind: .helicopter, label: "ヘリ1"),
                SourceConfiguration(id: "drone-1", kind: .drone, label: "ドローン1"),
                SourceConfiguration(id: "mobile-1", kind: .mobile, label: "移動カメラ1"),
            ],
            users: users, sinks: sinks, fanout: fanout)
    }
}
