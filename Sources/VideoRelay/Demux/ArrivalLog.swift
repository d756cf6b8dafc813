/// When the bytes a demuxer reads arrived. For each run of bytes handed to the demuxer it keeps
/// the run's first offset in the demuxer's stream and when the relay thread queued it, so a
/// packet's position (AVPacket.pos, its first TS packet) gives when the packet began to arrive,
/// not when the demuxer could release it: a video PES is released only when the next one starts,
/// about a frame later. Pure value (STYLE 10); the newest `capacity` runs are kept.
struct ArrivalLog<Instant: Comparable> {
    static var capacity: Int { 1024 }

    private var offsets: [Int64] = []
    private var instants: [Instant] = []
    /// The offset of the next byte to be read.
    private(set) var nextOffset: Int64 = 0

    /// `count` bytes that arrived at `at` were read, following the ones before.
    mutating func read(count: Int, arrivedAt at: Instant) {
        guard count > 0 else { return }
        if instants.last != at {
            offsets.append(nextOffset)
            instants.append(at)
            if offsets.count > 2 * Self.capacity {
                offsets.removeFirst(Self.capacity)
                instants.removeFirst(Self.capacity)
            }
        }
        nextOffset += Int64(count)
    }

    /// When byte `offset` arrived; nil if it was not read yet or is older than what is kept.
    func arrival(ofByte offset: Int64) -> Instant? {
        guard offset >= 0, offset < nextOffset, let first = offsets.first, offset >= first else { return nil }
        // The last run starting at or before `offset`.
        var low = 0
        var high = offsets.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if offsets[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        return instants[low]
    }

    /// A new demuxer: its stream starts at offset 0.
    mutating func reset() {
        offsets.removeAll(keepingCapacity: true)
        instants.removeAll(keepingCapacity: true)
        nextOffset = 0
    }
}
