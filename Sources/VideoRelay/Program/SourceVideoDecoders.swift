import CFFmpeg

/// The program's video decoder of each source, kept while the source's stream lasts and flushed
/// each time it is taken again. A cut then reuses the decoder's picture buffers (its frame pool,
/// tens of MB at 1080) instead of freeing one decoder's and allocating another's: with sources of
/// different sizes that churn left the allocator's arenas growing for the first half hour of a
/// run. The cost is one decoder's pictures per source that has been on air.
struct SourceVideoDecoders {
    private var decoders: [String: Decoder] = [:]
    private let timeBase: AVRational

    /// - Parameter timeBase: the time base of the packets the decoders are sent.
    init(timeBase: AVRational) { self.timeBase = timeBase }

    /// `source`'s decoder, empty (as if new): the one kept for its stream, or a new one.
    mutating func fresh(for source: String, stream: InputStream) throws(FFmpegError) -> Decoder {
        if let kept = decoders[source] {
            kept.flush()
            return kept
        }
        let made = try Decoder(parameters: stream.parameters, timeBase: timeBase)
        decoders[source] = made
        return made
    }

    /// Drops `source`'s decoder: its stream ended or a new one opened.
    mutating func forget(_ source: String) { decoders[source] = nil }

    /// How many decoders are kept.
    var count: Int { decoders.count }
}
