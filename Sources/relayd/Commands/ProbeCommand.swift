import ArgumentParser
import Foundation
import VideoRelay

/// `relayd probe`: end-to-end delivery check of a relay (this one, a chained one, or any SRT
/// relay): publish a numbered test stream, read it back on N connections, report loss and
/// latency. Exits non-zero when anything was lost.
struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Publish a numbered test stream through a relay and read it back: loss and latency.")

    @Option(help: "host:port to publish to.") var publish: String = "127.0.0.1:9000"
    @Option(name: .customLong("publish-streamid"), help: "Stream id for publishing.") var publishStreamID: String = "#!::r=heli-1,m=publish"
    @Option(help: "host:port to read from (default: same as --publish).") var read: String?
    @Option(name: .customLong("read-streamid"), help: "Stream id for reading.") var readStreamID: String = "#!::r=heli-1,m=request"
    @Option(help: "Number of reading connections.") var readers: Int = 1
    @Option(name: .customLong("mbps"), help: "Bitrate of the test stream in Mbit/s.") var megabitsPerSecond: Double = 8
    @Option(help: "Seconds to stream.") var seconds: Int = 10
    @Option(help: "Passphrase for both connections.") var passphrase: String?
    @Flag(help: "Print the report as JSON.") var json = false

    func validate() throws {
        guard HostPort.parse(publish) != nil else { throw ValidationError("--publish must be host:port, got \(publish)") }
        if let read, HostPort.parse(read) == nil { throw ValidationError("--read must be host:port, got \(read)") }
        guard (1...500).contains(readers) else { throw ValidationError("--readers must be 1 to 500") }
        guard megabitsPerSecond > 0, megabitsPerSecond <= 200 else { throw ValidationError("--mbps must be above 0 and at most 200") }
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
    }

    func run() async throws {
        guard let publishAddress = HostPort.parse(publish), let readAddress = HostPort.parse(read ?? publish) else { return }
        let probe = DeliveryProbe(
            publish: publishAddress, publishStreamID: publishStreamID, read: readAddress, readStreamID: readStreamID,
            readers: readers, bitsPerSecond: Int(megabitsPerSecond * 1_000_000), duration: .seconds(seconds),
            passphrase: passphrase)
        let report = try await probe.run()
        if json {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("""
                readers \(report.readers), sent \(report.payloadsSent) payloads (\(report.bytesSent) bytes) in \(String(format: "%.1f", report.seconds)) s
                received \(report.bytesReceived) bytes, lost \(report.payloadsLost) of \(report.payloadsExpected) payloads
                latency p50 \(String(format: "%.1f", report.latencyP50Milliseconds)) ms, p99 \(String(format: "%.1f", report.latencyP99Milliseconds)) ms, max \(String(format: "%.1f", report.latencyMaxMilliseconds)) ms
                """)
        }
        if report.payloadsLost > 0 { throw ExitCode(1) }
    }
}
