import CFFmpeg

/// The program's sound in the engine: each on-air audio packet decoded onto `ProgramAudio`'s
/// timeline, and sound written (copied or encoded) up to the video's time after each video
/// packet written, with failures and counts in the status. Program thread only.
extension ProgramEngine {
    func decodeAudio(_ packet: Packet, source: String, at: Int64) {
        guard let stream = streams[source]?.audio else { return }
        do {
            try audio.decode(packet, source: source, stream: stream, programTicks: at)
        } catch {
            note(error, "audio decode")
        }
    }

    /// Encodes audio up to the video's time, so the program always carries sound.
    func pumpAudio(upTo videoDTS: Int64) {
        var written = ProgramAudio.Written()
        do {
            try audio.encode(upTo: videoDTS, streamIndex: audioStream, counting: &written) { packet throws(FFmpegError) in
                try muxer.write(packet)
            }
        } catch {
            note(error, "audio encode")
        }
        status.audioPacketsWritten += written.packets
        status.audioPacketsCopied += written.copied
        status.audioPacketsDroppedLate += written.droppedLate
        status.audioSamplesDropped = UInt64(audio.droppedSamples)
    }
}
