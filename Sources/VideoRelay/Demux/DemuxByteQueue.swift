import CFFmpeg
import Foundation

/// One resource's MPEG-TS payloads on their way from the relay thread to its demux thread.
///
/// - Bounded: when the demuxer falls behind, the oldest payloads go (each is whole TS packets,
///   so the demuxer still reads whole packets), counted in `droppedBytes`.
/// - Copy-free on the relay thread: payloads are kept as the relay's own slices.
/// - A stream ends on silence: the demuxer's read blocks here (on the demux thread) and returns
///   AVERROR_EOF once nothing has arrived for `idleLimit`, waiting for that exact deadline, so a
///   new publisher gets a fresh demuxer.
/// - It knows whether a demux thread is reading: `append` says when one must be started, and
///   `endStream()` lets the thread go only when no bytes are waiting (no payload is ever left
///   without a reader, and never two readers at once).
final class DemuxByteQueue: ByteSource, @unchecked Sendable {
    // @unchecked: every stored var is guarded by `condition`'s lock.
    private let condition = NSCondition()
    private var chunks: [Chunk] = []
    /// When the bytes the demuxer read arrived, by their offset in its stream.
    private var arrivals = ArrivalLog<ContinuousClock.Instant>()
    /// Index of the first unread chunk; chunks before it are compacted away now and then.
    private var head = 0
    /// Whether the demuxer has read part of `chunks[head]`: that chunk is then never dropped, so
    /// the demuxer never sees half a TS packet.
    private var headPartlyRead = false
    private var queuedBytes = 0
    private var closed = false
    /// Set when a read ended the stream on silence; every read until `endStream()` says EOF.
    private var silent = false
    private var reading = false
    private var lastAppend: ContinuousClock.Instant?
    private var dropped = 0
    let limitBytes: Int
    let idleLimit: Duration

    init(limitBytes: Int = 4 << 20, idleLimit: Duration = .seconds(2)) {
        self.limitBytes = limitBytes
        self.idleLimit = idleLimit
    }

    /// Called on the relay thread: append, drop the oldest when over the limit, signal. Returns
    /// true when no demux thread is reading: the caller starts one (and it then owns the reads
    /// until `endStream()` returns false).
    func append(_ payload: ArraySlice<UInt8>) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closed, !payload.isEmpty else { return false }
        let now = ContinuousClock.now
        chunks.append(Chunk(bytes: payload, arrivedAt: now))
        queuedBytes += payload.count
        lastAppend = now
        while queuedBytes > limitBytes {
            let oldest = headPartlyRead ? head + 1 : head
            // The newest payload always stays.
            guard oldest < chunks.count - 1 else { break }
            let count = chunks[oldest].bytes.count
            if headPartlyRead {
                chunks[oldest] = chunks[head]
                chunks[head].bytes = []
            }
            head += 1
            queuedBytes -= count
            dropped += count
        }
        compact()
        condition.signal()
        guard !reading else { return false }
        reading = true
        return true
    }

    /// Bytes waiting to be read.
    var queued: Int {
        condition.lock()
        defer { condition.unlock() }
        return queuedBytes
    }

    /// Bytes dropped because the demuxer was behind.
    var droppedBytes: Int {
        condition.lock()
        defer { condition.unlock() }
        return dropped
    }

    /// When the last payload arrived.
    var lastDataAt: ContinuousClock.Instant? {
        condition.lock()
        defer { condition.unlock() }
        return lastAppend
    }

    /// Called by the demux thread after its demuxer ended. True when bytes are already waiting
    /// (the thread opens a new demuxer for them); false when the thread must end: nothing waits
    /// or the queue is closed. The next `append` then asks for a new thread.
    func endStream() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        silent = false
        arrivals.reset()
        guard !closed, queuedBytes > 0 else {
            reading = false
            return false
        }
        return true
    }

    /// Ends every read in progress and to come, and drops what waits.
    func close() {
        condition.lock()
        closed = true
        chunks.removeAll()
        head = 0
        headPartlyRead = false
        queuedBytes = 0
        condition.broadcast()
        condition.unlock()
    }

    /// The AVIO read: blocks until bytes arrive; AVERROR_EOF once closed or silent for
    /// `idleLimit` (counted from the later of the last payload and this read's start).
    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int32 {
        condition.lock()
        defer { condition.unlock() }
        // Bytes that arrive after the silence belong to the next demuxer.
        if closed || silent { return cffmpeg_averror_eof() }
        let waitStart = ContinuousClock.now
        while queuedBytes == 0 {
            if closed { return cffmpeg_averror_eof() }
            let deadline = max(waitStart, lastAppend ?? waitStart) + idleLimit
            let now = ContinuousClock.now
            if now >= deadline {
                silent = true
                return cffmpeg_averror_eof()
            }
            _ = condition.wait(until: Date(timeIntervalSinceNow: Self.seconds(deadline - now)))
        }
        var copied = 0
        while copied < buffer.count, head < chunks.count {
            let bytes = chunks[head].bytes
            let count = min(buffer.count - copied, bytes.count)
            arrivals.read(count: count, arrivedAt: chunks[head].arrivedAt)
            bytes.prefix(count).withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(rebasing: buffer[copied..<(copied + count)]).copyMemory(from: source)
            }
            copied += count
            if count == bytes.count {
                chunks[head].bytes = []
                head += 1
                headPartlyRead = false
            } else {
                chunks[head].bytes = bytes.dropFirst(count)
                headPartlyRead = true
            }
        }
        queuedBytes -= copied
        compact()
        return Int32(copied)
    }

    /// Demux thread: when byte `offset` of the current demuxer's stream arrived (a packet's
    /// position), if it is still known.
    func arrival(ofByte offset: Int64) -> ContinuousClock.Instant? {
        condition.lock()
        defer { condition.unlock() }
        return arrivals.arrival(ofByte: offset)
    }

    private struct Chunk {
        var bytes: ArraySlice<UInt8>
        let arrivedAt: ContinuousClock.Instant
    }

    private func compact() {
        if head == chunks.count {
            chunks.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 512 {
            chunks.removeFirst(head)
            head = 0
        }
    }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
