import CSRT
import Foundation

/// End-to-end check of a relay: publishes a numbered test stream at a fixed bitrate and reads
/// it back on N connections, counting every payload lost and timing each one's trip. Used by
/// `relayd probe` before an operation and by the relay benchmark against peers.
public struct DeliveryProbe: Sendable {
    public var publish: HostPort
    public var publishStreamID: String
    public var read: HostPort
    public var readStreamID: String
    public var readers: Int
    public var bitsPerSecond: Int
    public var duration: Duration
    public var passphrase: String?

    public init(
        publish: HostPort, publishStreamID: String, read: HostPort, readStreamID: String,
        readers: Int, bitsPerSecond: Int, duration: Duration, passphrase: String? = nil
    ) {
        self.publish = publish
        self.publishStreamID = publishStreamID
        self.read = read
        self.readStreamID = readStreamID
        self.readers = readers
        self.bitsPerSecond = bitsPerSecond
        self.duration = duration
        self.passphrase = passphrase
    }

    /// What the probe measured.
    public struct Report: Sendable, Codable {
        public var readers: Int
        public var payloadsSent: UInt64
        public var bytesSent: UInt64
        public var bytesReceived: UInt64
        public var payloadsExpected: UInt64
        public var payloadsLost: UInt64
        public var latencyP50Milliseconds: Double
        public var latencyP99Milliseconds: Double
        public var latencyMaxMilliseconds: Double
        public var seconds: Double
    }

    /// Connects, streams for `duration`, drains for a second, and reports.
    public func run() async throws -> Report {
        let sender = try await SRTCaller.connect(to: publish, streamID: publishStreamID, passphrase: passphrase)
        var callers: [SRTCaller] = []
        for _ in 0..<readers {
            callers.append(try await SRTCaller.connect(to: read, streamID: readStreamID, passphrase: passphrase, timeout: .seconds(5)))
        }
        let session = ProbeSession(sender: sender, readers: callers, bitsPerSecond: bitsPerSecond, duration: duration)
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                do {
                    continuation.resume(returning: try session.run())
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = "delivery-probe"
            thread.start()
        }
    }
}

/// The probe's sending and receiving loop, on its own thread.
private final class ProbeSession: @unchecked Sendable {
    // @unchecked: created by `run()`, then used only by the probe thread.
    let sender: SRTCaller
    let readers: [SRTCaller]
    let bitsPerSecond: Int
    let duration: Duration

    init(sender: SRTCaller, readers: [SRTCaller], bitsPerSecond: Int, duration: Duration) {
        self.sender = sender
        self.readers = readers
        self.bitsPerSecond = bitsPerSecond
        self.duration = duration
    }

    private struct ReaderTally {
        var first: UInt64?
        var last: UInt64 = 0
        var received: UInt64 = 0
        var bytes: UInt64 = 0
    }

    func run() throws -> DeliveryProbe.Report {
        let epoll = try SRTEpoll()
        var index: [SRTSOCKET: Int] = [:]
        for (i, reader) in readers.enumerated() {
            epoll.add(reader.socket, [.input, .error])
            index[reader.socket.handle] = i
        }
        var tallies = [ReaderTally](repeating: ReaderTally(), count: readers.count)
        var latencies: [UInt64] = []
        latencies.reserveCapacity(1 << 20)
        let payloadsPerSecond = Double(bitsPerSecond) / (1316 * 8)
        var stream = ProbeStream(payloadsPerGOP: max(1, Int(payloadsPerSecond)))
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1500, alignment: 16)
        defer { buffer.deallocate() }
        var events = [SRT_EPOLL_EVENT](repeating: SRT_EPOLL_EVENT(), count: 256)
        let start = ContinuousClock.now
        let sendUntil = start + duration
        let readUntil = sendUntil + .seconds(1)
        var sent: UInt64 = 0
        var bytesSent: UInt64 = 0

        while true {
            let now = ContinuousClock.now
            if now >= readUntil { break }
            if now < sendUntil {
                let elapsed = now - start
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                let due = UInt64(seconds * payloadsPerSecond)
                while sent < due {
                    let payload = stream.payload(sequence: sent, sentAt: DispatchTime.now().uptimeNanoseconds)
                    guard try sender.send(payload) else { break }
                    sent += 1
                    bytesSent += UInt64(payload.count)
                }
            }
            for event in epoll.wait(into: &events, timeoutMilliseconds: 1) {
                guard let i = index[event.fd] else { continue }
                let socket = readers[i].socket
                while let length = try? socket.receive(into: buffer), length > 0 {
                    let arrived = DispatchTime.now().uptimeNanoseconds
                    let payload = Array(UnsafeRawBufferPointer(rebasing: buffer[0..<length]))[...]
                    tallies[i].bytes += UInt64(length)
                    guard let stamp = ProbeStream.stamp(in: payload) else { continue }
                    if tallies[i].first == nil { tallies[i].first = stamp.sequence }
                    if stamp.sequence >= tallies[i].last || tallies[i].received == 0 {
                        tallies[i].last = stamp.sequence
                        tallies[i].received += 1
                    }
                    latencies.append(arrived &- stamp.sentAt)
                }
            }
        }
        for reader in readers { epoll.remove(reader.socket) }
        sender.close()
        for reader in readers { reader.close() }

        var expected: UInt64 = 0
        var received: UInt64 = 0
        for tally in tallies {
            // From the first payload a reader got to the last one sent: a tail cut off counts.
            guard let first = tally.first else {
                expected += sent
                continue
            }
            expected += sent - first
            received += tally.received
        }
        latencies.sort()
        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            return Double(latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]) / 1e6
        }
        let elapsed = ContinuousClock.now - start
        return DeliveryProbe.Report(
            readers: readers.count, payloadsSent: sent, bytesSent: bytesSent,
            bytesReceived: tallies.reduce(0) { $0 + $1.bytes }, payloadsExpected: expected,
            payloadsLost: expected > received ? expected - received : 0,
            latencyP50Milliseconds: percentile(0.5), latencyP99Milliseconds: percentile(0.99),
            latencyMaxMilliseconds: percentile(1.0),
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}
