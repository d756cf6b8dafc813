/// What makes the `program` resource: it sees every source's valid MPEG-TS payloads and hands
/// back the program's own MPEG-TS payloads, which the relay fans out to program readers and
/// sinks like any source's.
///
/// `receive` and `takeOutput` come from the relay thread for every payload: they must only
/// enqueue or dequeue, never block or decode.
public protocol ProgramFeed: Sendable {
    /// Called once by the relay before anything else. The feed calls `wake` (from any thread)
    /// whenever it has output ready: the relay thread then takes it at once instead of finding
    /// it later. Cheap: repeated calls before the relay takes the output cost an atomic each.
    func wakeRelayOnOutput(_ wake: @escaping @Sendable () -> Void)
    /// A source's payload (whole TS packets, up to 1316 bytes).
    func receive(sourceID: String, payload: ArraySlice<UInt8>)
    /// The program payloads produced since the last call, oldest first (each whole TS packets,
    /// at most 1316 bytes).
    func takeOutput() -> [[UInt8]]
}
