import Foundation
import Synchronization
import Testing
@testable import VideoRelay

/// Attacks on the SRT listener through the real relay, with real clients: ffmpeg and
/// srt-live-transmit as field encoders and HQ receivers, and libsrt callers (`SRTCaller`) as the
/// attacker, who has no passphrase or a wrong one.
/// Serialized: the machine has two cores and each test runs encoders next to a flood of callers.
@Suite(.serialized) struct SRTAccessAttackTests {
    static let heliPassphrase = "heli-passphrase-01"
    static let programPassphrase = "program-passphrase-01"

    /// A relay whose one source, heli-1, has a passphrase.
    static func relayWithProtectedHeli() throws -> RelayHarness {
        try RelayHarness(RelayConfiguration(sources: [
            SourceConfiguration(id: "heli-1", kind: .helicopter, label: "heli", passphrase: heliPassphrase),
        ]))
    }

    // MARK: - A user's name is not a secret

    @Test func aUserWithoutPassphraseGetsTheProgramOnlyWithTheProgramsSecret() async throws {
        // program: {passphrase: P, users: [hq, npa]}, hq without a passphrase of its own.
        let harness = try RelayHarness(RelayConfiguration(
            sources: [SourceConfiguration(id: "heli-1", kind: .helicopter, label: "heli", passphrase: Self.heliPassphrase)],
            users: [
                UserConfiguration(name: "hq", request: ["program"]),
                UserConfiguration(name: "npa", passphrase: "npa-passphrase-01", request: ["program"]),
            ],
            program: ProgramAccess(passphrase: Self.programPassphrase, allowedUsers: ["hq", "npa"])))
        let unit = try harness.publish("heli-1", passphrase: Self.heliPassphrase)
        try await harness.waitLive("heli-1")
        try await eventually("program on heli-1") { harness.relay.snapshot.programSource == "heli-1" }

        // The attack: ask for the program as hq, with no passphrase at all.
        let attack = try await ExternalProcess.output(
            ["ffmpeg", "-v", "error", "-i", harness.url("#!::r=program,m=request,u=hq"), "-t", "2", "-c", "copy", "-f", "mpegts", "-"],
            timeout: .seconds(30))
        #expect(attack.status != 0, "ffmpeg as hq without a passphrase must not connect")
        #expect(attack.stdout.isEmpty, "no program bytes reach a caller without the secret")
        await #expect(throws: SRTError.self) {
            try await SRTCaller.connect(to: harness.address, streamID: "#!::r=program,m=request,u=hq").close()
        }
        #expect(harness.relay.snapshot.readers.isEmpty)

        // hq gets the program with the program's passphrase; npa only with its own.
        let path = try await harness.recordWithFFmpeg("program", seconds: 1.5, user: "hq", passphrase: Self.programPassphrase, name: "hq.ts")
        #expect(try await RecordedStream.sourceShown(path) == "heli-1")
        await #expect(throws: SRTError.self) {
            try await SRTCaller.connect(
                to: harness.address, streamID: "#!::r=program,m=request,u=npa", passphrase: Self.programPassphrase).close()
        }
        unit.terminate()
        await harness.stop()
    }

    @Test func aResourceRestrictedToUsersWithoutAnySecretIsRefused() async throws {
        // Users only, no passphrase anywhere: the names alone would let anyone in.
        let harness = try RelayHarness(RelayConfiguration(
            sources: [SourceConfiguration(id: "heli-1", kind: .helicopter, label: "heli", allowedUsers: ["crew"])],
            users: [UserConfiguration(name: "crew", publish: ["heli-1"]), UserConfiguration(name: "hq", request: ["program"])],
            program: ProgramAccess(allowedUsers: ["hq"])))
        for streamID in ["#!::r=heli-1,m=publish,u=crew", "#!::r=program,m=request,u=hq"] {
            do {
                try await SRTCaller.connect(to: harness.address, streamID: streamID).close()
                Issue.record("\(streamID) connected without any secret")
            } catch let error as SRTError {
                #expect(error.rejectReason == RejectCode.unauthorized.rawValue, "\(streamID)")
            }
        }
        // A real encoder naming the user is refused too.
        let ffmpeg = try await ExternalProcess.output(
            ["ffmpeg", "-v", "error", "-re", "-i", MediaFiles.clip("heli-1"), "-t", "2", "-c", "copy", "-f", "mpegts",
             harness.url("#!::r=heli-1,m=publish,u=crew")], timeout: .seconds(30))
        #expect(ffmpeg.status != 0)
        try await eventually("the relay's first snapshot") { harness.relay.snapshot.source("heli-1") != nil }
        #expect(harness.relay.snapshot.source("heli-1")?.publishCount == 0)
        await harness.stop()
    }

    // MARK: - No resource borrows another's secret

    @Test func anOpenSourceDoesNotTakeTheProgramsPassphrase() async throws {
        let harness = try RelayHarness(RelayConfiguration(
            sources: [
                SourceConfiguration(id: "heli-1", kind: .helicopter, label: "heli"),
                SourceConfiguration(id: "drone-1", kind: .drone, label: "drone", passphrase: "drone-passphrase-01"),
            ],
            program: ProgramAccess(passphrase: Self.programPassphrase)))
        // heli-1 is open: a field encoder without a passphrase publishes it.
        let unit = try harness.publish("heli-1")
        try await harness.waitLive("heli-1")
        #expect(unit.isRunning)
        let (reader, path) = try harness.readWithSRTLiveTransmit("heli-1", name: "heli-open.ts")
        try await eventually("an srt-live-transmit reader without a passphrase receives heli-1") { RelayHarness.fileSize(path) > 100_000 }
        reader.terminate()
        // drone-1 has its own secret: the program's (which every HQ holds) does not open it.
        await #expect(throws: SRTError.self) {
            try await SRTCaller.connect(to: harness.address, streamID: "#!::r=drone-1,m=publish", passphrase: Self.programPassphrase).close()
        }
        let drone = try await SRTCaller.connect(to: harness.address, streamID: "#!::r=drone-1,m=publish", passphrase: "drone-passphrase-01")
        drone.close()
        unit.terminate()
        await harness.stop()
    }

    // MARK: - Publishing cannot be blocked without credentials

    @Test func failedHandshakesCannotKeepTheFieldUnitOut() async throws {
        let harness = try Self.relayWithProtectedHeli()
        // The attacker repeats publish handshakes without the passphrase, without pause.
        let attempts = Counter()
        let stop = Flag()
        // Stopped by a flag, not by cancelling: a cancelled SRTCaller.connect would drop its
        // socket mid-connect.
        let attacker = Task {
            while !stop.isSet {
                await FailedHandshake.publish(to: harness.address, attempt: attempts.next())
            }
        }
        try await eventually("the attack is under way") { attempts.value >= 20 }

        // The real unit, with the passphrase, gets in on its first try (ffmpeg does not retry:
        // a refusal would end it).
        let unit = try harness.publish("heli-1", passphrase: Self.heliPassphrase)
        try await harness.waitLive("heli-1")
        #expect(unit.isRunning)

        // It stays on while the attack goes on.
        let attemptsWhileLive = attempts.value
        try await eventually("more failed handshakes while the unit is live") { attempts.value >= attemptsWhileLive + 40 }
        stop.set()
        await attacker.value
        let status = try #require(harness.relay.snapshot.source("heli-1"))
        #expect(status.state == .live)
        #expect(status.publishCount == 1, "the unit's one connection, never replaced")
        #expect(unit.isRunning)
        try await eventually("no grant of a failed handshake is left") { harness.relay.snapshot.pendingHandshakes == 0 }
        unit.terminate()
        await harness.stop()
    }

    @Test func twoThousandFailedHandshakesLeaveNothingBehind() async throws {
        let harness = try Self.relayWithProtectedHeli()
        let total = 2000
        let attempts = Counter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    while true {
                        let attempt = attempts.next()
                        guard attempt < total else { return }
                        await FailedHandshake.publish(to: harness.address, attempt: attempt)
                    }
                }
            }
        }
        // Every one of them passed the listen callback (the secret is checked after it) and
        // none completed: each grant is dropped, none stays.
        try await eventually("every failed handshake's grant dropped", timeout: .seconds(30)) {
            let snapshot = harness.relay.snapshot
            return snapshot.pendingHandshakes == 0 && snapshot.abandonedHandshakes >= total
        }
        // No claim is left either: the real unit gets in at once.
        let unit = try harness.publish("heli-1", passphrase: Self.heliPassphrase)
        try await harness.waitLive("heli-1")
        #expect(unit.isRunning)
        #expect(harness.relay.snapshot.refusals["1409"] == nil)
        unit.terminate()
        await harness.stop()
    }

    @Test func ofPublishersThatAllPassTheCallbackOnlyOneHoldsTheSource() async throws {
        let harness = try Self.relayWithProtectedHeli()
        let contenders = 6
        let connectedNow = Counter()
        let settled = Flag()
        let outcomes = await withTaskGroup(of: String.self) { group in
            for _ in 0..<contenders {
                group.addTask {
                    guard let caller = try? await SRTCaller.connect(
                        to: harness.address, streamID: "#!::r=heli-1,m=publish", passphrase: Self.heliPassphrase)
                    else { return "refused" }
                    defer { caller.close() }
                    _ = connectedNow.next()
                    while !settled.isSet {
                        if !caller.isConnected {
                            connectedNow.subtract()
                            return "closed"
                        }
                        try? await Task.sleep(for: .milliseconds(20))
                    }
                    return "publishing"
                }
            }
            // Each loser was refused in the callback (1409, once the winner was accepted) or,
            // when it passed the callback too, closed right after its handshake.
            group.addTask {
                try? await eventually("every loser refused or closed") {
                    let refusals = harness.relay.snapshot.refusals
                    return refusals["1409", default: 0] + refusals["publish_race", default: 0] == contenders - 1 && connectedNow.value == 1
                }
                settled.set()
                return "observer"
            }
            var outcomes: [String: Int] = [:]
            for await outcome in group { outcomes[outcome, default: 0] += 1 }
            return outcomes
        }
        #expect(outcomes["publishing"] == 1, "\(outcomes)")
        #expect(outcomes["refused", default: 0] + outcomes["closed", default: 0] == contenders - 1, "\(outcomes)")
        #expect(harness.relay.snapshot.source("heli-1")?.publishCount == 1)
        await harness.stop()
    }
}

/// A publish handshake that cannot complete: without a passphrase on even attempts, with a wrong
/// one on odd attempts.
enum FailedHandshake {
    static func publish(to address: HostPort, attempt: Int) async {
        let passphrase = attempt.isMultiple(of: 2) ? nil : "not-the-passphrase-\(attempt)"
        if let caller = try? await SRTCaller.connect(to: address, streamID: "#!::r=heli-1,m=publish", passphrase: passphrase) {
            caller.close()
            Issue.record("a handshake without the passphrase completed (attempt \(attempt))")
        }
    }
}

/// A count shared by concurrent tasks.
final class Counter: Sendable {
    private let count = Atomic<Int>(0)

    /// Returns the count before this call and adds one.
    func next() -> Int { count.add(1, ordering: .relaxed).oldValue }

    func subtract() { count.subtract(1, ordering: .relaxed) }

    var value: Int { count.load(ordering: .relaxed) }
}

/// A flag set once, seen by concurrent tasks.
final class Flag: Sendable {
    private let flag = Atomic<Bool>(false)

    func set() { flag.store(true, ordering: .relaxed) }

    var isSet: Bool { flag.load(ordering: .relaxed) }
}
