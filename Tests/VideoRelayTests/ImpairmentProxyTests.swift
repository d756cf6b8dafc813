import Foundation
import Glibc
import Testing

/// scripts/impair-proxy, the link the field-condition tests and benchmarks run through, checked
/// datagram by datagram with plain UDP on both sides, so its own behaviour is known exactly.
@Suite(.serialized)
struct ImpairmentProxyTests {
    /// A numbered datagram with a recognisable body of varying length.
    private static func datagram(_ number: Int) -> [UInt8] {
        withUnsafeBytes(of: UInt32(number).bigEndian) { Array($0) } + (0..<(number % 1300)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ number) }
    }

    private static func number(_ bytes: [UInt8]) -> Int {
        Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
    }

    /// Sends datagrams through the proxy in batches of 50. After each batch it waits until the
    /// proxy has accounted for every one (delivered or dropped), then reads what was delivered
    /// from `server`, so no socket buffer overflows. Returns what `server` got, in arrival order,
    /// with the port each came from.
    @discardableResult
    private static func send(
        _ numbers: Range<Int>, from client: UDPSocket, through proxy: ImpairmentProxy, to server: UDPSocket,
        echo: Bool = false
    ) async throws -> [(bytes: [UInt8], port: UInt16)] {
        var arrived: [(bytes: [UInt8], port: UInt16)] = []
        let start = try proxy.control("stats")
        for batch in stride(from: numbers.lowerBound, to: numbers.upperBound, by: 50) {
            let end = min(batch + 50, numbers.upperBound)
            for n in batch..<end { try client.send(datagram(n), to: proxy.port) }
            var forward = start.forward
            try await eventually("the proxy took datagrams up to \(end)") {
                forward = try proxy.control("stats").forward
                return forward.received - start.forward.received == end - numbers.lowerBound
                    && forward.sent + forward.lost + forward.blackout + forward.rate_dropped == forward.received
            }
            while arrived.count < forward.sent - start.forward.sent {
                let got = try #require(try server.receiveWithSender(timeout: .seconds(5)), "datagram \(arrived.count) missing")
                arrived.append(got)
                if echo { try server.send(got.bytes, to: got.port) }  // the reply direction, like SRT's ACKs
            }
            if echo {
                for _ in batch..<end {
                    let reply = try #require(try client.receive(timeout: .seconds(5)), "a reply is missing")
                    #expect(number(reply) >= batch && number(reply) < end)
                }
            }
        }
        return arrived
    }

    @Test func withoutImpairmentEveryDatagramArrivesIdenticalAndInOrderBothWays() async throws {
        let server = try UDPSocket(), client = try UDPSocket()
        defer { server.close(); client.close() }
        let proxy = try await ImpairmentProxy(target: server.port)
        let arrived = try await Self.send(0..<1000, from: client, through: proxy, to: server, echo: true)
        #expect(arrived.map(\.bytes) == (0..<1000).map(Self.datagram))
        #expect(arrived.allSatisfy { $0.port == arrived[0].port } && arrived[0].port != proxy.port)
        let stats = try await proxy.stop()
        #expect(stats.forward.received == 1000 && stats.forward.sent == 1000 && stats.forward.lost == 0 && stats.forward.reordered == 0)
        #expect(stats.back.received == 1000 && stats.back.sent == 1000)
        #expect(stats.forward.bytes_sent == (0..<1000).reduce(0) { $0 + Self.datagram($1).count })
    }

    @Test func lossDropsAboutTheConfiguredShareAndCountsExactlyWhatItDropped() async throws {
        let server = try UDPSocket(), client = try UDPSocket()
        defer { server.close(); client.close() }
        let proxy = try await ImpairmentProxy(target: server.port, options: ["--loss", "20", "--seed", "7"])
        let arrived = try await Self.send(0..<1000, from: client, through: proxy, to: server).map { Self.number($0.bytes) }
        let stats = try await proxy.stop()
        #expect(arrived.count == stats.forward.sent)
        #expect(stats.forward.lost + stats.forward.sent == 1000)
        #expect((100...300).contains(stats.forward.lost), "20 % of 1000 lost, got \(stats.forward.lost)")
        #expect(arrived == arrived.sorted())
    }

    @Test func jitterReordersAndTheCounterMatchesWhatTheReceiverSaw() async throws {
        let server = try UDPSocket(), client = try UDPSocket()
        defer { server.close(); client.close() }
        let proxy = try await ImpairmentProxy(target: server.port, options: ["--delay-ms", "20", "--jitter-ms", "15", "--seed", "3"])
        let arrived = try await Self.send(0..<500, from: client, through: proxy, to: server).map { Self.number($0.bytes) }
        var highest = -1, reordered = 0
        for n in arrived {
            if n < highest { reordered += 1 }
            highest = max(highest, n)
        }
        let stats = try await proxy.stop()
        #expect(arrived.count == 500 && Set(arrived).count == 500)
        #expect(reordered > 0)
        #expect(stats.forward.reordered == reordered)
    }

    @Test func aCutStopsEverythingUntilRestoredByControlSocketOrSignal() async throws {
        let server = try UDPSocket(), client = try UDPSocket()
        defer { server.close(); client.close() }
        let proxy = try await ImpairmentProxy(target: server.port)
        func numbers(_ arrived: [(bytes: [UInt8], port: UInt16)]) -> [Int] { arrived.map { Self.number($0.bytes) } }
        #expect(numbers(try await Self.send(0..<10, from: client, through: proxy, to: server)) == Array(0..<10))

        #expect(try proxy.control("cut").cut)
        #expect(try await Self.send(10..<20, from: client, through: proxy, to: server).isEmpty)
        try proxy.control("restore")
        #expect(numbers(try await Self.send(20..<30, from: client, through: proxy, to: server)) == Array(20..<30))

        proxy.process.signal(SIGUSR1)
        try await eventually("the signalled cut") { try proxy.control("stats").cut }
        #expect(try await Self.send(30..<40, from: client, through: proxy, to: server).isEmpty)
        proxy.process.signal(SIGUSR2)
        try await eventually("the signalled restore") { try !proxy.control("stats").cut }
        #expect(numbers(try await Self.send(40..<50, from: client, through: proxy, to: server)) == Array(40..<50))
        #expect(try server.receive(timeout: .milliseconds(100)) == nil, "nothing sent during a cut arrives later")

        let stats = try await proxy.stop()
        #expect(stats.cuts == 2)
        #expect(stats.forward.blackout == 20 && stats.forward.sent == 30)
    }

    @Test func aScheduledBlackoutDropsWhatArrivesInsideItsWindow() async throws {
        let server = try UDPSocket(), client = try UDPSocket()
        defer { server.close(); client.close() }
        let proxy = try await ImpairmentProxy(target: server.port, options: ["--blackout", "0:3600"])
        #expect(try await Self.send(0..<20, from: client, through: proxy, to: server).isEmpty)
        let stats = try await proxy.stop()
        #expect(stats.forward.blackout == 20 && stats.forward.sent == 0 && !stats.cut)
    }

    @Test func invalidSettingsAreRefusedWithAReason() async throws {
        let refused = try await ExternalProcess.output(["python3", ImpairmentProxy.script, "--listen", "127.0.0.1:0", "--target", "10.1.2.3:9000"])
        #expect(refused.status != 0 && refused.stderr.contains("not a loopback address"))
        let server = try UDPSocket()
        defer { server.close() }
        let proxy = try await ImpairmentProxy(target: server.port)
        let socket = try UDPSocket()
        defer { socket.close() }
        try socket.send(Array("set loss=150".utf8), to: proxy.controlPort)
        let reply = String(decoding: try #require(try socket.receive(timeout: .seconds(3))), as: UTF8.self)
        #expect(reply.contains("out of range"))
        _ = try await proxy.stop()
    }
}
