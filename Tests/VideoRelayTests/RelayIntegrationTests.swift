import Foundation
import Testing
@testable import VideoRelay

/// The relay with real clients on loopback: ffmpeg publishes, ffmpeg / ffprobe /
/// srt-live-transmit read, and what comes out is decoded and identified by its pixels.
/// Serialized: each test runs several encoders and decoders, and the machine has two cores.
@Suite(.serialized) struct RelayIntegrationTests {
    @Test func threeFieldFeedsAtOnceEachReachItsReadersAsItself() async throws {
        let harness = try RelayHarness(.sampleSources())
        let sources = ["heli-1", "drone-1", "mobile-1"]
        let publishers = try sources.map { try harness.publish($0) }
        for source in sources { try await harness.waitLive(source) }

        let srtReaders = try sources.map { try harness.readWithSRTLiveTransmit($0, name: "\($0)-slt.ts") }
        for source in sources {
            let path = try await harness.recordWithFFmpeg(source, seconds: 2, name: "\(source)-ffmpeg.ts")
            let decoded = try await RecordedStream.decode(path)
            #expect(decoded.errors.isEmpty, "\(source): \(decoded.errors)")
            // 2 s at 30 fps is 60; the recording's -t counts from its first packet, which on a
            // loaded machine may come a few frames before the first picture.
            #expect(decoded.videoFrames >= 45, "\(source): most of 2 s at 30 fps")
            #expect(try await RecordedStream.sourceShown(path) == source)
            #expect(try await RecordedStream.startsOnKeyframe(path), "\(source): a joiner starts on a keyframe")
        }
        for (index, (reader, path)) in srtReaders.enumerated() {
            reader.terminate()
            try await reader.waitForExit()
            let decoded = try await RecordedStream.decode(path)
            #expect(decoded.errors.isEmpty, "\(sources[index]) via srt-live-transmit: \(decoded.errors)")
            #expect(decoded.videoFrames > 30)
            #expect(try await RecordedStream.sourceShown(path) == sources[index])
            #expect(try await RecordedStream.startsOnKeyframe(path))
        }
        let snapshot = harness.relay.snapshot
        for source in sources {
            let status = try #require(snapshot.source(source))
            #expect(status.payloadFormat == .mpegts)
            #expect(status.bitrateBitsPerSecond > 100_000)
            #expect(status.srt != nil)
        }
        for publisher in publishers { publisher.terminate() }
        await harness.stop()
    }

    @Test func programCarriesTheFirstLiveSourceToPullSinks() async throws {
        let harness = try RelayHarness(.sampleSources(
            sinks: [SinkConfiguration(id: "hq", name: "警察本部", feed: "program", delivery: .pull(user: "hq"))],
            users: [UserConfiguration(name: "hq", request: ["program"])]))
        let publisher = try harness.publish("drone-1")
        try await harness.waitLive("drone-1")
        try await eventually("program on drone-1") { harness.relay.snapshot.programSource == "drone-1" }
        let path = try await harness.recordWithFFmpeg("program", seconds: 2, user: "hq", name: "program.ts")
        #expect(try await RecordedStream.decode(path).errors.isEmpty)
        #expect(try await RecordedStream.sourceShown(path) == "drone-1")
        let sink = try #require(harness.relay.snapshot.sink("hq"))
        #expect(sink.bytesSent > 100_000, "the HQ's delivery is counted on its sink")
        publisher.terminate()
        await harness.stop()
    }

    @Test func aSilentProgramSourceGivesWayToALiveOneAndIsTakenBackWhenItReturns() async throws {
        let harness = try RelayHarness(.sampleSources())
        let heli = try harness.publish("heli-1")
        try await harness.waitLive("heli-1")
        try await eventually("program on heli-1") { harness.relay.snapshot.programSource == "heli-1" }
        let drone = try harness.publish("drone-1")
        try await harness.waitLive("drone-1")
        #expect(harness.relay.snapshot.programSource == "heli-1", "a second live source does not cut the program")

        heli.terminate()
        try await heli.waitForExit()
        // No operator cuts without a pipeline: the live source stands in rather than the program going dark.
        try await eventually("drone-1 stands in for heli-1") { harness.relay.snapshot.programSource == "drone-1" }
        let standIn = try await harness.recordWithFFmpeg("program", seconds: 1.5, name: "program-stand-in.ts")
        #expect(try await RecordedStream.decode(standIn).errors.isEmpty)
        #expect(try await RecordedStream.sourceShown(standIn) == "drone-1")

        let back = try harness.publish("heli-1")
        try await eventually("heli-1 back on the program") { harness.relay.snapshot.programSource == "heli-1" }
        let path = try await harness.recordWithFFmpeg("program", seconds: 1.5, name: "program-back.ts")
        #expect(try await RecordedStream.decode(path).errors.isEmpty)
        #expect(try await RecordedStream.sourceShown(path) == "heli-1")
        #expect(try await RecordedStream.startsOnKeyframe(path))
        back.terminate()
        drone.terminate()
        await harness.stop()
    }

    @Test func readersGetTheSmallestReceiveSideAndPublishersKeepTheirs() async throws {
        let harness = try RelayHarness(.sampleSources())
        let publisher = try harness.publish("heli-1")
        try await harness.waitLive("heli-1")
        let reader = try await SRTCaller.connect(to: harness.address, streamID: "#!::r=heli-1,m=request")
        #expect(try await reader.receive(timeout: .seconds(3)) != nil, "a reader is served")
        // A reader only sends: the relay announces libsrt's minimum flow window to it.
        #expect(reader.socket.peerFlowWindow == 32)
        let caller = try await SRTCaller.connect(to: harness.address, streamID: "#!::r=drone-1,m=publish")
        #expect((caller.socket.peerFlowWindow ?? 0) > 1000, "a publisher may keep thousands of packets in flight")
        caller.close()
        reader.close()
        publisher.terminate()
        await harness.stop()
    }

    @Test func holdsAreRefusedAtTheHandshakeAndCutWhatIsConnected() async throws {
        let receiverPort = try freeUDPPort()
        let harness = try RelayHarness(.sampleSources(
            fanout: FanoutLimits(reconnectInitialMilliseconds: 200, reconnectMaximumMilliseconds: 1000),
            sinks: [
                SinkConfiguration(id: "hq", name: "警察本部", feed: "heli-1", delivery: .pull(user: "hq")),
                SinkConfiguration(
                    id: "npa", name: "警察庁", feed: "heli-1",
                    delivery: .push(address: HostPort(host: "127.0.0.1", port: receiverPort), passphrase: nil, streamID: nil)),
            ],
            users: [UserConfiguration(name: "hq", request: ["heli-1"])]))
        func startReceiver(_ name: String) throws -> ExternalProcess {
            try ExternalProcess(
                ["srt-live-transmit", "-q", "srt://127.0.0.1:\(receiverPort)?mode=listener", "file://con"],
                stdout: harness.file(name))
        }
        let publisher = try harness.publish("heli-1")
        try await harness.waitLive("heli-1")
        let npa = try startReceiver("npa.ts")
        let (hq, _) = try harness.readWithSRTLiveTransmit("heli-1", user: "hq", name: "hq.ts")
        try await eventually("both sinks connected") {
            harness.relay.snapshot.sinks.allSatisfy(\.connected)
        }

        // Holding the source cuts its publisher and refuses the next one in the listen callback.
        #expect(await harness.relay.setSource("heli-1", enabled: false))
        try await eventually("heli-1 held and offline") {
            harness.relay.snapshot.source("heli-1").map { !$0.enabled && $0.state == .offline } == true
        }
        #expect(await harness.refusal("#!::r=heli-1,m=publish") == 1403)
        // Holding a sink cuts its connections; its HQ is refused, its push is not made again.
        #expect(await harness.relay.setSink("hq", enabled: false))
        #expect(await harness.relay.setSink("npa", enabled: false))
        try await eventually("both sinks held and disconnected") {
            harness.relay.snapshot.sinks.allSatisfy { !$0.enabled && !$0.connected }
        }
        #expect(await harness.refusal("#!::r=heli-1,m=request,u=hq") == 1403)
        #expect(await harness.refusal("#!::r=heli-1,m=request") == nil, "a reader outside the held sink is still served")
        #expect(await harness.relay.setSource("nowhere", enabled: false) == false)
        #expect(await harness.relay.setSink("nowhere", enabled: false) == false)

        // Released: the source takes a publisher again, the push sink calls its HQ again.
        #expect(await harness.relay.setSource("heli-1", enabled: true))
        #expect(await harness.relay.setSink("hq", enabled: true))
        #expect(await harness.relay.setSink("npa", enabled: true))
        let again = try harness.publish("heli-1")
        try await harness.waitLive("heli-1")
        // The new listener takes the same port: the old one must be gone first.
        npa.terminate()
        try await npa.waitForExit()
        let npaAgain = try startReceiver("npa-again.ts")
        try await eventually("npa pushed to again") { harness.relay.snapshot.sink("npa")?.connected == true }
        #expect(await harness.refusal("#!::r=heli-1,m=request,u=hq") == nil)
        for process in [publisher, again, hq, npaAgain] { process.terminate() }
        await harness.stop()
    }

    @Test func refusalsCarryTheAccessControlCodes() async throws {
        let harness = try RelayHarness(RelayConfiguration(
            sources: [
                SourceConfiguration(id: "heli-1", kind: .helicopter, label: "heli"),
                SourceConfiguration(id: "secure-1", kind: .mobile, label: "secure", allowedUsers: ["team-a"]),
            ],
            users: [
                UserConfiguration(name: "team-a", passphrase: "team-a-secret", publish: ["secure-1"]),
                UserConfiguration(name: "viewer", request: ["heli-1"]),
            ]))
        #expect(await harness.refusal("not-an-access-control-id") == 1400)
        #expect(await harness.refusal("#!::r=secure-1,m=publish") == 1401)
        #expect(await harness.refusal("#!::r=secure-1,m=publish,u=nobody") == 1401)
        #expect(await harness.refusal("#!::r=secure-1,m=publish,u=viewer") == 1403)
        #expect(await harness.refusal("#!::r=elsewhere,m=request") == 1404)
        #expect(await harness.refusal("#!::r=program,m=publish") == 1405)

        // 1409: the source is being published; a second publisher is refused.
        let first = try await SRTCaller.connect(to: harness.address, streamID: "#!::r=heli-1,m=publish")
        try await eventually("heli-1 publisher accepted") { harness.relay.snapshot.source("heli-1")?.publishCount == 1 }
        #expect(await harness.refusal("#!::r=heli-1,m=publish") == 1409)
        first.close()
        try await eventually("heli-1 offline again") { harness.relay.snapshot.source("heli-1")?.state == .offline }
        #expect(await harness.refusal("#!::r=heli-1,m=publish") == nil, "free again once the publisher left")

        // A real client is refused too (ffmpeg cannot show the code, but it must fail).
        let ffmpeg = try await ExternalProcess.output(
            ["ffmpeg", "-v", "error", "-i", harness.url("#!::r=elsewhere,m=request"), "-t", "1", "-f", "null", "-"], timeout: .seconds(20))
        #expect(ffmpeg.status != 0)
        try await eventually("both 1404 refusals counted") { harness.relay.snapshot.refusals["1404", default: 0] >= 2 }
        await harness.stop()
    }

    @Test func takeoverReplacesTheLivePublisherWhenTheSourceAllowsIt() async throws {
        let harness = try RelayHarness(RelayConfiguration(sources: [
            SourceConfiguration(id: "heli-1", kind: .helicopter, label: "heli", allowTakeover: true),
        ]))
        let first = try harness.publish("heli-1")
        try await harness.waitLive("heli-1")
        let second = try harness.publish("heli-1", clip: MediaFiles.clip("mobile-1"))
        try await eventually("second publisher took over") { harness.relay.snapshot.source("heli-1")?.publishCount == 2 }
        try await harness.waitLive("heli-1")
        let path = try await harness.recordWithFFmpeg("heli-1", seconds: 1.5, name: "takeover.ts")
        #expect(try await RecordedStream.sourceShown(path) == "mobile-1", "the new publisher's picture is on heli-1")
        first.terminate()
        second.terminate()
        await harness.stop()
    }

    @Test(arguments: [Int32(16), 32])
    func encryptedFeedsTravelEndToEndAndAWrongPassphraseIsRefused(keyLength: Int32) async throws {
        let harness = try RelayHarness(RelayConfiguration(
            keyLength: keyLength,
            sources: [SourceConfiguration(id: "heli-1", kind: .helicopter, label: "heli", passphrase: "heli-passphrase-01")],
            users: [UserConfiguration(name: "hq", passphrase: "hq-passphrase-0001", request: ["heli-1", "program"])]))
        let publisher = try harness.publish("heli-1", passphrase: "heli-passphrase-01")
        try await harness.waitLive("heli-1")
        let path = try await harness.recordWithFFmpeg("heli-1", seconds: 2, user: "hq", passphrase: "hq-passphrase-0001", name: "encrypted.ts")
        #expect(try await RecordedStream.decode(path).errors.isEmpty)
        #expect(try await RecordedStream.sourceShown(path) == "heli-1")
        // The configured key length is a minimum: a caller with a shorter key is closed.
        if keyLength > 16 {
            // Closed straight after the handshake: the caller sees a failed connect or an
            // immediate disconnect, depending on timing.
            if let weak = try? await SRTCaller.connect(
                to: harness.address, streamID: "#!::r=heli-1,m=request,u=hq", passphrase: "hq-passphrase-0001", keyLength: 16) {
                try await eventually("the AES-128 caller is closed") { !weak.isConnected }
                weak.close()
            }
            try await eventually("the refusal is counted") { harness.relay.snapshot.refusals["key_length"] == 1 }
        }
        let strong = try await SRTCaller.connect(
            to: harness.address, streamID: "#!::r=heli-1,m=request,u=hq", passphrase: "hq-passphrase-0001", keyLength: keyLength)
        #expect(try await strong.receive(timeout: .seconds(3)) != nil, "a caller with the configured key length is served")
        #expect(strong.keyLength == keyLength)
        strong.close()
        do {
            let caller = try await SRTCaller.connect(
                to: harness.address, streamID: "#!::r=heli-1,m=request,u=hq", passphrase: "not-the-passphrase", keyLength: keyLength)
            caller.close()
            Issue.record("a wrong passphrase must not connect")
        } catch let error as SRTError {
            #expect(error.rejectReason != nil)
        }
        publisher.terminate()
        await harness.stop()
    }

    @Test func fiftyReadersAtOnceAllGetTheWholeFeed() async throws {
        let harness = try RelayHarness(.sampleSources())
        let publisher = try harness.publish("heli-1")
        try await harness.waitLive("heli-1")
        let readers = try (0..<50).map { try harness.readWithSRTLiveTransmit("heli-1", name: "reader-\($0).ts") }
        try await eventually("50 readers connected") { harness.relay.snapshot.readers.count == 50 }
        let startBytes = harness.relay.snapshot.source("heli-1")?.bytesReceived ?? 0
        try await eventually("3 s of feed delivered") {
            (harness.relay.snapshot.source("heli-1")?.bytesReceived ?? 0) > startBytes + 3 * 100_000
        }
        let snapshot = harness.relay.snapshot
        for reader in snapshot.readers {
            #expect(reader.droppedPayloads == 0)
            #expect(reader.bytesSent > 300_000)
        }
        for (process, _) in readers { process.terminate() }
        for (process, _) in readers { try await process.waitForExit() }
        for (index, (_, path)) in readers.enumerated() {
            let size = RelayHarness.fileSize(path)
            #expect(size > 300_000, "reader \(index) received \(size) bytes")
        }
        for (_, path) in readers.prefix(5) {
            let decoded = try await RecordedStream.decode(path)
            #expect(decoded.errors.isEmpty, "\(decoded.errors)")
            #expect(try await RecordedStream.sourceShown(path) == "heli-1")
        }
        publisher.terminate()
        await harness.stop()
    }

    @Test func aStoppedReaderIsCutOffWithoutDisturbingTheOthers() async throws {
        let harness = try RelayHarness(.sampleSources(fanout: FanoutLimits(stallMilliseconds: 1500)))
        let publisher = try harness.publish("mobile-1")
        try await harness.waitLive("mobile-1")
        let healthy = try (0..<3).map { try harness.readWithSRTLiveTransmit("mobile-1", name: "healthy-\($0).ts") }
        let (frozen, _) = try harness.readWithSRTLiveTransmit("mobile-1", name: "frozen.ts")
        try await eventually("4 readers") { harness.relay.snapshot.readers.count == 4 }
        frozen.signal(SIGSTOP)
        try await eventually("the frozen reader is disconnected", timeout: .seconds(20)) {
            harness.relay.snapshot.readers.count == 3
        }
        // Keep the healthy readers going a little longer after the cut-off.
        let bytesAtCut = harness.relay.snapshot.source("mobile-1")?.bytesReceived ?? 0
        try await eventually("more feed after the cut-off") {
            (harness.relay.snapshot.source("mobile-1")?.bytesReceived ?? 0) > bytesAtCut + 200_000
        }
        for reader in harness.relay.snapshot.readers {
            #expect(reader.droppedPayloads == 0)
            #expect((reader.srt?.packetsDropped ?? 0) == 0)
        }
        frozen.signal(SIGCONT)
        frozen.terminate()
        for (process, _) in healthy { process.terminate() }
        for (process, path) in healthy {
            try await process.waitForExit()
            let decoded = try await RecordedStream.decode(path)
            #expect(decoded.errors.isEmpty, "a healthy reader saw: \(decoded.errors)")
            #expect(decoded.videoFrames > 100, "healthy readers kept receiving through the stall")
        }
        publisher.terminate()
        await harness.stop()
    }

    @Test func aGarbagePublisherIsCountedReportedAndCutOff() async throws {
        let harness = try RelayHarness(.sampleSources(fanout: FanoutLimits(invalidPayloadLimit: 50)))
        let caller = try await SRTCaller.connect(to: harness.address, streamID: "#!::r=drone-1,m=publish")
        let garbage = [UInt8](repeating: 0xAB, count: 1316)
        for _ in 0..<200 where caller.isConnected {
            _ = try? caller.send(garbage)
            try await Task.sleep(for: .milliseconds(2))
        }
        try await eventually("drone-1 disconnected for invalid payload") {
            harness.relay.snapshot.source("drone-1")?.invalidPayloadDisconnects == 1
        }
        let status = try #require(harness.relay.snapshot.source("drone-1"))
        #expect(status.invalidPayloads >= 50)
        #expect(status.lastError?.contains("not MPEG-TS") == true)
        #expect(status.state == .offline)
        // The relay is unharmed: a proper publisher works straight after.
        caller.close()
        let publisher = try harness.publish("drone-1")
        try await harness.waitLive("drone-1")
        publisher.terminate()
        await harness.stop()
    }

    @Test func aPushSinkRecoversAfterItsReceiverRestarts() async throws {
        let receiverPort = try freeUDPPort()
        let harness = try RelayHarness(.sampleSources(
            fanout: FanoutLimits(reconnectInitialMilliseconds: 200, reconnectMaximumMilliseconds: 1000),
            sinks: [SinkConfiguration(
                id: "npa", name: "警察庁", feed: "program",
                delivery: .push(address: HostPort(host: "127.0.0.1", port: receiverPort), passphrase: nil, streamID: nil))]))
        let publisher = try harness.publish("heli-1")
        try await harness.waitLive("heli-1")
        func startReceiver(_ name: String) throws -> (ExternalProcess, String) {
            let path = harness.file(name).path
            let process = try ExternalProcess(
                ["srt-live-transmit", "-q", "srt://127.0.0.1:\(receiverPort)?mode=listener", "file://con"],
                stdout: URL(fileURLWithPath: path))
            return (process, path)
        }
        let (first, firstPath) = try startReceiver("npa-1.ts")
        try await eventually("npa connected") { harness.relay.snapshot.sink("npa")?.connected == true }
        try await eventually("npa receiving") { RelayHarness.fileSize(firstPath) > 200_000 }
        first.terminate()
        try await first.waitForExit()
        try await eventually("npa noticed the loss") { harness.relay.snapshot.sink("npa")?.connected == false }

        let (second, secondPath) = try startReceiver("npa-2.ts")
        try await eventually("npa reconnected") { harness.relay.snapshot.sink("npa")?.connected == true }
        try await eventually("npa receiving again") { RelayHarness.fileSize(secondPath) > 300_000 }
        second.terminate()
        try await second.waitForExit()
        let sink = try #require(harness.relay.snapshot.sink("npa"))
        #expect(sink.reconnects >= 1)
        for path in [firstPath, secondPath] {
            #expect(try await RecordedStream.decode(path).errors.isEmpty)
            #expect(try await RecordedStream.sourceShown(path) == "heli-1")
            #expect(try await RecordedStream.startsOnKeyframe(path))
        }
        publisher.terminate()
        await harness.stop()
    }
}

extension RelayHarness {
    /// The reject code an SRT caller with this stream id gets; nil when it connects, -1 when it
    /// fails otherwise.
    func refusal(_ streamID: String, passphrase: String? = nil) async -> Int32? {
        do {
            try await SRTCaller.connect(to: address, streamID: streamID, passphrase: passphrase).close()
            return nil
        } catch let error as SRTError {
            return error.rejectReason
        } catch {
            return -1
        }
    }
}

/// A UDP port nobody uses right now (bound and released).
func freeUDPPort() throws -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw TestFailure("no free UDP port") }
    return UInt16(bigEndian: address.sin_port)
}
