/// How far behind the program's video its sound is encoded (pure, 90 kHz ticks). A source's
/// muxer may send audio later than the pictures it belongs with (ffmpeg's MPEG-TS muxer gathers
/// about 180 ms of AAC into one PES by default), and sound that arrives after its time was
/// encoded is lost; most field encoders send it ahead, and then no lag is needed. So the lag
/// follows what arrives: it rises at once to the latest audio's lateness plus a margin, and
/// falls back slowly (1 ms per audio packet) once the audio comes earlier, never above 0.7 s, the
/// most a receiver's buffer model allows between a packet's arrival and its time.
struct EncodingLag: Equatable {
    static let margin: Int64 = ProgramTime.ticksPerSecond * 4 / 100
    static let maximum: Int64 = ProgramTime.ticksPerSecond * 7 / 10
    static let fallPerPacket: Int64 = ProgramTime.ticksPerSecond / 1000

    private(set) var ticks: Int64 = 0

    /// An audio packet for program time `audio` arrived when the latest video written was at
    /// `video`.
    mutating func noteAudio(at audio: Int64, latestVideo video: Int64) {
        let wanted = min(max(video - audio + Self.margin, 0), Self.maximum)
        ticks = wanted > ticks ? wanted : max(wanted, ticks - Self.fallPerPacket)
    }
}
