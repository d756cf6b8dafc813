import VideoRelay

extension PrometheusText {
    /// The program pipeline's counters, from the same status `/api/program` shows.
    static func render(program status: ProgramStatus) -> String {
        var out = MetricWriter()
        let counters: [(String, String, UInt64)] = [
            ("relay_program_output_bytes_total", "Bytes of MPEG-TS the program muxer wrote", status.outputBytes),
            ("relay_program_video_packets_total", "Video packets written to the program", status.videoPacketsWritten),
            ("relay_program_audio_packets_total", "Audio packets written to the program", status.audioPacketsWritten),
            ("relay_program_copied_audio_packets_total", "Audio packets of the program that are the on-air source's own AAC frames, copied instead of encoded", status.audioPacketsCopied),
            ("relay_program_repeated_frames_total", "Pictures repeated because the on-air source sent none in time", status.repeatedFrames),
            ("relay_program_fell_behind_total", "Times the conversion of the source on air fell more than a second behind it and skipped to a fresh keyframe", status.fellBehind),
            ("relay_program_skipped_pictures_total", "Pictures of the source on air skipped to stay live while its conversion was behind", status.picturesSkippedToStayLive),
            ("relay_program_output_dropped_payloads_total", "Program payloads dropped because the relay did not take them in time", status.outputPayloadsDropped),
            ("relay_program_late_audio_packets_total", "Encoded audio packets dropped because their time was not after the last one", status.audioPacketsDroppedLate),
            ("relay_program_delay_stamps_total", "Delay stamps written into the program's pictures (this site's and upstream sites' after transcoding)", UInt64(status.stampsInserted)),
            ("relay_program_dropped_audio_samples_total", "Decoded source samples left out of the program's sound (late, overlapping or with a timestamp far from the pictures')", status.audioSamplesDropped),
        ]
        for (name, help, value) in counters {
            out.family(name, "counter", help)
            out.sample(name, [:], Double(value))
        }
        out.family("relay_program_source_dropped_packets_total", "counter", "Packets of a source the program never took because its thread fell more than the source's queue behind")
        for source in status.sources {
            out.sample("relay_program_source_dropped_packets_total", ["source": source.id], Double(source.packetsDroppedBehind))
        }
        out.family("relay_program_errors_total", "counter", "Packets, pictures or caption changes the program could not use, by where it failed")
        for (context, count) in status.errors.sorted(by: { $0.key < $1.key }) {
            out.sample("relay_program_errors_total", ["context": context], Double(count))
        }
        return out.text
    }
}
