import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The thumbnail endpoints through the real relayd (heli-1 and drone-1), with ffmpeg publishing
/// a sample clip.
@Suite(.serialized) struct ThumbnailEndpointTests {
    /// A GET as a browser makes it, keeping the response headers.
    private func get(_ relayd: RelaydProcess, _ path: String) async throws -> (HTTPURLResponse, Data) {
        let url = try #require(URL(string: "http://127.0.0.1:\(relayd.httpPort)\(path)"))
        let (data, response) = try await URLSession.shared.data(from: url)
        return (try #require(response as? HTTPURLResponse), data)
    }

    /// Fetches `path` until it answers 200 (at most 20 s). Each fetch is a viewer, so the
    /// fetching itself is what starts the pictures.
    private func firstImage(_ relayd: RelaydProcess, _ path: String) async throws -> (HTTPURLResponse, Data) {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let answer = try await get(relayd, path)
            if answer.0.statusCode == 200 { return answer }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw RelaydTestFailure("no image at \(path) within 20 s:\n\(relayd.log)")
    }

    private func errorText(_ data: Data) throws -> String? {
        try (JSONSerialization.jsonObject(with: data) as? [String: Any])?["error"] as? String
    }

    private func isJPEG(_ data: Data) -> Bool {
        data.count > 1000 && data.prefix(3) == Data([0xff, 0xd8, 0xff]) && data.suffix(2) == Data([0xff, 0xd9])
    }

    @Test func sourceAndProgramThumbnailsAreServedAsJPEGOnceTheyExist() async throws {
        let relayd = try RelaydProcess(configYAML: RelaydProcessTests.config)
        try await relayd.waitReady()

        // Nothing published yet: a known source has no thumbnail; an unknown one is an error.
        let (early, earlyBody) = try await get(relayd, "/api/sources/heli-1/thumbnail.jpg")
        #expect(early.statusCode == 404)
        #expect(early.value(forHTTPHeaderField: "Content-Type")?.hasPrefix("application/json") == true)
        #expect(try errorText(earlyBody) == "no thumbnail yet")
        let (unknown, unknownBody) = try await get(relayd, "/api/sources/nope-9/thumbnail.jpg")
        #expect(unknown.statusCode == 404)
        #expect(try errorText(unknownBody) == "unknown source")

        let encoder = try relayd.publishSampleClip("heli-1")
        defer { encoder.signal(SIGKILL) }
        let (response, body) = try await firstImage(relayd, "/api/sources/heli-1/thumbnail.jpg")
        #expect(response.value(forHTTPHeaderField: "Content-Type") == "image/jpeg")
        #expect(response.value(forHTTPHeaderField: "Cache-Control") == "no-store")
        #expect(isJPEG(body))
        let sequence = try #require(Int(response.value(forHTTPHeaderField: "X-Thumbnail-Seq") ?? ""))
        #expect(sequence >= 1)
        let capturedAt = try #require(response.value(forHTTPHeaderField: "X-Thumbnail-Captured-At"))
        let captured = try #require(try? Date(capturedAt, strategy: .iso8601), "ISO 8601: \(capturedAt)")
        #expect(abs(captured.timeIntervalSinceNow) < 60)
        #expect(response.value(forHTTPHeaderField: "X-Thumbnail-Stale") == "false")

        // The program (heli-1 goes on air as the first live source) has its own, made once a
        // viewer asks for it (the first fetch may find none yet, as for the source above).
        let (program, programBody) = try await firstImage(relayd, "/api/program/thumbnail.jpg")
        #expect(program.value(forHTTPHeaderField: "Content-Type") == "image/jpeg")
        #expect(isJPEG(programBody))

        // The control room's view carries the sequence numbers the page reloads images by.
        let (_, viewBody) = try await get(relayd, "/api/control-room")
        let view = try #require(try JSONSerialization.jsonObject(with: viewBody) as? [String: Any])
        let sequences = try #require(view["thumbnails"] as? [String: Int])
        #expect((sequences["heli-1"] ?? 0) >= sequence)
        #expect(sequences["program"] != nil)

        // The thumbnails come from the one demuxer per resource, whose drops /metrics reports.
        let (_, metricsBody) = try await get(relayd, "/metrics")
        let metrics = String(decoding: metricsBody, as: UTF8.self)
        #expect(metrics.contains("# TYPE relay_demux_dropped_bytes_total counter"))
        for resource in ["heli-1", "drone-1", "program"] {
            #expect(metrics.contains("relay_demux_dropped_bytes_total{resource=\"\(resource)\"} "), "\(resource) in /metrics")
        }
        // The decoders behind the thumbnails (and the program's, converting 1080i heli-1) hold
        // their pictures in memory mapped for them, which /metrics reports.
        let pictureMemory = metrics.split(separator: "\n").first { $0.hasPrefix("relay_picture_memory_bytes ") }
        let mappedBytes = try #require(pictureMemory.flatMap { Double($0.split(separator: " ").last ?? "") })
        #expect(mappedBytes >= 1920 * 1080 * 3 / 2, "at least one 1080-line picture mapped: \(mappedBytes)")
        // Everything else is jemalloc's (Sources/CAllocator), whose figures /metrics reports too.
        func allocatorBytes(_ kind: String) -> Double? {
            metrics.split(separator: "\n").first { $0.hasPrefix("relay_allocator_bytes{kind=\"\(kind)\"} ") }
                .flatMap { Double($0.split(separator: " ").last ?? "") }
        }
        let allocated = try #require(allocatorBytes("allocated")), resident = try #require(allocatorBytes("resident"))
        #expect(allocated > 0 && resident >= allocated, "allocated \(allocated), resident \(resident)")
        #expect(allocatorBytes("active") != nil && allocatorBytes("retained") != nil)

        #expect(try await relayd.stop() == 0)
    }

    @Test func withoutTheProgramPipelineTheProgramThumbnailIsTheOnAirSourcesAndProgramIsNotDemuxed() async throws {
        let relayd = try RelaydProcess(configYAML: RelaydProcessTests.config + "\nprogram:\n  pipeline: false\n")
        try await relayd.waitReady()
        let (early, earlyBody) = try await get(relayd, "/api/program/thumbnail.jpg")
        #expect(early.statusCode == 404, "nothing on air")
        #expect(try errorText(earlyBody) == "no thumbnail yet")

        let encoder = try relayd.publishSampleClip("heli-1")
        defer { encoder.signal(SIGKILL) }
        let (response, body) = try await firstImage(relayd, "/api/program/thumbnail.jpg")
        #expect(response.value(forHTTPHeaderField: "Content-Type") == "image/jpeg")
        #expect(isJPEG(body))

        let (_, healthBody) = try await get(relayd, "/healthz")
        let health = try #require(try JSONSerialization.jsonObject(with: healthBody) as? [String: Any])
        #expect(health["program_source"] as? String == "heli-1")
        // The program's tile shows heli-1's own picture: the same sequence number.
        let (_, viewBody) = try await get(relayd, "/api/control-room")
        let view = try #require(try JSONSerialization.jsonObject(with: viewBody) as? [String: Any])
        let sequences = try #require(view["thumbnails"] as? [String: Int])
        #expect(sequences["program"] != nil && sequences["program"] == sequences["heli-1"], "\(sequences)")

        // Only the sources have a demuxer.
        let (_, metricsBody) = try await get(relayd, "/metrics")
        let metrics = String(decoding: metricsBody, as: UTF8.self)
        #expect(metrics.contains("relay_demux_dropped_bytes_total{resource=\"heli-1\"} "))
        #expect(!metrics.contains("relay_demux_dropped_bytes_total{resource=\"program\"}"))

        #expect(try await relayd.stop() == 0)
    }
}
