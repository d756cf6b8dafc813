import Testing
import VideoRelay
@testable import relayd

/// The program's counters in /metrics, one family each, errors labelled by where they happened.
@Suite struct ProgramMetricsTests {
    @Test func everyProgramCounterIsExposedAndErrorsCarryTheirContext() {
        var status = ProgramStatus()
        status.outputBytes = 1880
        status.outputPayloadsDropped = 3
        status.audioPacketsDroppedLate = 2
        status.repeatedFrames = 15
        status.audioPacketsWritten = 470
        status.audioPacketsCopied = 460
        status.errors = ["slate": 1, "video write": 4]
        status.sources = [
            SourceReadiness(id: "heli-1", live: true, readyToCut: true, failoverMilliseconds: 2000, packetsDroppedBehind: 42),
            SourceReadiness(id: "drone-1", live: false, readyToCut: false, failoverMilliseconds: 2000),
        ]
        let text = PrometheusText.render(program: status)
        #expect(text.contains("relay_program_output_bytes_total 1880\n"))
        #expect(text.contains("# TYPE relay_program_output_dropped_payloads_total counter\nrelay_program_output_dropped_payloads_total 3\n"))
        #expect(text.contains("relay_program_late_audio_packets_total 2\n"))
        #expect(text.contains("relay_program_repeated_frames_total 15\n"))
        #expect(text.contains("relay_program_audio_packets_total 470\n"))
        #expect(text.contains("# TYPE relay_program_copied_audio_packets_total counter\nrelay_program_copied_audio_packets_total 460\n"))
        #expect(text.contains("relay_program_source_dropped_packets_total{source=\"heli-1\"} 42\n"))
        #expect(text.contains("relay_program_source_dropped_packets_total{source=\"drone-1\"} 0\n"))
        #expect(text.contains("relay_program_errors_total{context=\"slate\"} 1\nrelay_program_errors_total{context=\"video write\"} 4\n"))
    }
}
