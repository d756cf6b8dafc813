import Foundation
import Testing

/// relayd killed with everything connected comes back to what was on air: the source an
/// operator last cut to (not whichever source goes live first) and the caption, with the step
/// in the audit trail. The real relayd, ffmpeg publishers, the HTTP API.
@Suite(.serialized) struct ProgramResumeTests {
    static let config = """
        srt:
          listen: 127.0.0.1:{SRT_PORT}
        http:
          listen: 127.0.0.1:{HTTP_PORT}
        sources:
          - id: heli-1
            kind: helicopter
          - id: drone-1
            kind: drone
        """

    static func program(_ relayd: RelaydProcess) async throws -> [String: Any] {
        let (_, body) = try await RelaydHTTP.get(port: relayd.httpPort, path: "/api/program")
        return (try JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:]
    }

    @Test func afterAKillTheProgramResumesTheOperatorsSourceAndCaption() async throws {
        // Both instances live to the end: the first one's directory is the second one's.
        let first = try RelaydProcess(configYAML: Self.config)
        var relayd = first
        try await relayd.waitReady()
        var heli = try relayd.publishSampleClip("heli-1")
        try await relayd.waitFor("/api/program", "heli-1 on air (the first live)") { ($0 as? [String: Any])?["on_air"] as? String == "heli-1" }
        var drone = try relayd.publishSampleClip("drone-1")
        defer {
            heli.signal(SIGKILL)
            drone.signal(SIGKILL)
        }
        try await relayd.waitFor("/api/program", "drone-1 ready to cut") { value in
            ((value as? [String: Any])?["sources"] as? [[String: Any]])?.contains { $0["id"] as? String == "drone-1" && $0["ready_to_cut"] as? Bool == true } == true
        }
        let cut = try await RelaydAuthHTTP.request(port: relayd.httpPort, "POST", "/api/program/cut", body: #"{"source":"drone-1"}"#)
        #expect(cut.status == 200, "\(cut)")
        let caption = try await RelaydAuthHTTP.request(port: relayd.httpPort, "PUT", "/api/program/caption", body: #"{"text":"再開確認 RESUME","style":"banner"}"#)
        #expect(caption.status == 200, "\(caption)")

        // Killed at once, publishers and all: nothing is shut down in order.
        relayd.child.signal(SIGKILL)
        _ = try await relayd.waitForExit()
        heli.signal(SIGKILL)
        drone.signal(SIGKILL)
        relayd = try RelaydProcess(configYAML: Self.config, ports: (relayd.srtPort, relayd.httpPort), directory: relayd.directory)
        try await relayd.waitReady()
        // heli-1 is live first again: on a first run it would go on air.
        heli = try relayd.publishSampleClip("heli-1")
        try await relayd.waitFor("/api/sources/heli-1", "heli-1 live after the restart") { ($0 as? [String: Any])?["state"] as? String == "live" }
        let waiting = try await Self.program(relayd)
        #expect(waiting["on_air"] as? String == "slate", "waits for drone-1 instead of taking heli-1: \(waiting["on_air"] ?? "nil")")
        #expect((waiting["caption"] as? [String: Any])?["text"] as? String == "再開確認 RESUME", "the caption is back at once")
        drone = try relayd.publishSampleClip("drone-1")
        try await relayd.waitFor("/api/program", "drone-1 back on air") { ($0 as? [String: Any])?["on_air"] as? String == "drone-1" }
        let program = try await Self.program(relayd)
        let moves = program["automatic_moves"] as? [[String: Any]] ?? []
        #expect(moves.contains { $0["to"] as? String == "drone-1" && $0["reason"] as? String == "resume" }, "\(moves)")

        let audit = try await RelaydAuthHTTP.request(port: relayd.httpPort, "GET", "/api/audit?limit=20")
        let auditText = String(decoding: audit.body, as: UTF8.self)
        #expect(auditText.contains("program.resume") && auditText.contains("再開確認 RESUME"), "\(auditText)")
        relayd.child.signal(SIGTERM)
        _ = try await relayd.waitForExit()
        withExtendedLifetime(first) {}
    }
}
