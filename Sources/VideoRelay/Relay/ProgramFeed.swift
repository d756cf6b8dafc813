/// What makes the `program` resource: it sees every source's valid MPEG-TS payloads and hands
/// back the program's own MPEG-TS payloads, which the relay fans out to program readers and
/// sinks like any source's.
///
/// Both calls come from the relay thread for every payload: they must only enqueue or dequeue,
/// never block or decode.
public protocol ProgramFeed: Sendable {
    /// A source's payload (whole TS packets, up to 1316 bytes).
    func receive(sourceID: String, payload: ArraySlice<UInt8>)
    /// The program payloads produced since the last call, oldest first (each whole TS packets,
    /// at most 1316 bytes).
    func takeOutput() -> [[UInt8]]
}
