/// What makes the `program` resource: it reads the sources from their demuxers (the relay's
/// `PayloadTap`, a `DemuxHub`) and hands back the program's own MPEG-TS payloads, which the
/// relay fans out to program readers and sinks like any source's.
///
/// `takeOutput` comes from the relay thread: it must only dequeue, never block or decode.
public protocol ProgramFeed: Sendable {
    /// Called once by the relay before anything else. The feed calls `wake` (from any thread)
    /// whenever it has output ready: the relay thread then takes it at once instead of finding
    /// it later. Cheap: repeated calls before the relay takes the output cost an atomic each.
    func wakeRelayOnOutput(_ wake: @escaping @Sendable () -> Void)
    /// The program payloads produced since the last call, oldest first (each whole TS packets,
    /// at most 1316 bytes).
    func takeOutput() -> [[UInt8]]
}
