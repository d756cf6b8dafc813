import CFFmpeg
import Foundation

/// One resource's MPEG-TS payloads on their way from the relay thread to its thumbnail thread.
///
/// Bounded, and keyframe-aware: when the thumbnail thread falls behind, the queue drops
/// everything up to the newest queued keyframe start (or, with none queued, everything, and then
/// waits for the next keyframe) rather than growing. A thumbnail only needs keyframes, so this
/// loses nothing worth keeping. Payloads are kept as the relay's own slices: enqueueing copies
/// nothing.
///
/// A stream (at first, and after each silence) starts at a keyframe, with the PAT and PMT sent
/// just before it when they are there: a new demuxer then knows the video at once and its
/// probing never meets a picture whose references it lacks.
///
/// The demuxer's read blocks here (on the thumbnail thread) and reports the end of the stream
/// once the resource has been silent for `idleLimit`, so the thumbnail can be marked stale and
/// a new publisher gets a fresh demuxer.
final class ThumbnailByteQueue: ByteSource, @unchecked Sendable {
    // @unchecked: every stored var is guarded by `condition`'s lock.
    private struct Chunk {
        var bytes: ArraySlice<UInt8>
        /// Where a video keyframe's first TS packet starts in `bytes`, if one does.
        var keyframeOffset: Int?
    }

    private let condition = NSCondition()
    private var chunks: [Chunk] = []
    /// Index of the first unread chunk; chunks before it are compacted away now and then.
    private var head = 0
    private var queuedBytes = 0
    private var closed = false
    private var waitingForKeyframe = true
    /// While waiting for a keyframe: the payload before it, which may hold the PAT and PMT.
    private var preroll: ArraySlice<UInt8>?
    private var lastAppend: ContinuousClock.Instant?
    private(set) var droppedBytes = 0
    let limitBytes: Int
    let idleLimit: Duration

    init(limitBytes: Int = 2 << 20, idleLimit: Duration = .seconds(2)) {
        self.limitBytes = limitBytes
        self.idleLimit = idleLimit
    }

    /// Called on the relay thread: append and signal, nothing else.
    func append(_ payload: ArraySlice<UInt8>, keyframeOffset: Int?) {
        condition.lock()
        defer { condition.unlock() }
        guard !closed, !payload.isEmpty else { return }
        if waitingForKeyframe {
            guard let offset = keyframeOffset else {
                droppedBytes += preroll?.count ?? 0
                preroll = payload
                return
            }
            resume(at: payload, keyframeOffset: offset)
        } else {
            chunks.append(Chunk(bytes: payload, keyframeOffset: keyframeOffset))
            queuedBytes += payload.count
        }
        lastAppend = ContinuousClock.now
        if queuedBytes > limitBytes { dropToNewestKeyframe() }
        condition.signal()
    }

    /// Bytes waiting to be read.
    var queued: Int {
        condition.lock()
        defer { condition.unlock() }
        return queuedBytes
    }

    /// Blocks until bytes are waiting (true) or the queue is closed (false).
    func waitForData() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return waitWhileEmpty(idleLimit: nil)
    }

    /// Waits (lock held) while nothing is queued; false once closed, or silent for `idleLimit`.
    private func waitWhileEmpty(idleLimit: Duration?) -> Bool {
        var idleSince = ContinuousClock.now
        while queuedBytes == 0 && !closed {
            guard let idleLimit else {
                condition.wait()
                continue
            }
            idleSince = max(idleSince, lastAppend ?? idleSince)
            if ContinuousClock.now - idleSince > idleLimit {
                // The stream is over; whatever comes next is a new one.
                waitingForKeyframe = true
                return false
            }
            _ = condition.wait(until: Date().addingTimeInterval(0.1))
        }
        return !closed
    }

    /// Ends every read and wait in progress and to come.
    func close() {
        condition.lock()
        closed = true
        preroll = nil
        chunks.removeAll()
        head = 0
        queuedBytes = 0
        condition.broadcast()
        condition.unlock()
    }

    /// The AVIO read: blocks until bytes arrive; AVERROR_EOF once closed or idle too long.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int32 {
        condition.lock()
        defer { condition.unlock() }
        guard waitWhileEmpty(idleLimit: idleLimit) else { return cffmpeg_averror_eof() }
        var copied = 0
        while copied < buffer.count, head < chunks.count {
            let bytes = chunks[head].bytes
            let count = min(buffer.count - copied, bytes.count)
            let taken = bytes.prefix(count)
            taken.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(rebasing: buffer[copied..<(copied + count)]).copyMemory(from: source)
            }
            copied += count
            if count == bytes.count {
                head += 1
            } else {
                // A partly read chunk no longer starts a keyframe where it says it does.
                chunks[head] = Chunk(bytes: bytes.dropFirst(count), keyframeOffset: nil)
            }
        }
        queuedBytes -= copied
        compact()
        return Int32(copied)
    }

    /// Starts the queue again at a keyframe: from the last PAT before it (in this payload or the
    /// one before), else at the keyframe itself.
    private func resume(at payload: ArraySlice<UInt8>, keyframeOffset offset: Int) {
        waitingForKeyframe = false
        defer { preroll = nil }
        if let tables = Self.lastPATOffset(in: payload.prefix(offset)) {
            droppedBytes += tables + (preroll?.count ?? 0)
            chunks.append(Chunk(bytes: payload.dropFirst(tables), keyframeOffset: offset - tables))
        } else if let preroll, let tables = Self.lastPATOffset(in: preroll) {
            droppedBytes += tables
            chunks.append(Chunk(bytes: preroll.dropFirst(tables), keyframeOffset: nil))
            chunks.append(Chunk(bytes: payload, keyframeOffset: offset))
        } else {
            droppedBytes += offset + (preroll?.count ?? 0)
            chunks.append(Chunk(bytes: payload.dropFirst(offset), keyframeOffset: 0))
        }
        queuedBytes = chunks[head...].reduce(0) { $0 + $1.bytes.count }
    }

    /// Offset of the last TS packet carrying the PAT (PID 0) in whole TS packets, if any.
    static func lastPATOffset(in bytes: ArraySlice<UInt8>) -> Int? {
        var found: Int?
        var offset = 0
        while offset + 188 <= bytes.count {
            let start = bytes.startIndex + offset
            if bytes[start] == 0x47, bytes[start + 1] & 0x1f == 0, bytes[start + 2] == 0 { found = offset }
            offset += 188
        }
        return found
    }

    /// Keeps only what follows the newest queued keyframe start; when that frees nothing (the
    /// keyframe is already being read), drops everything and waits for the next keyframe.
    private func dropToNewestKeyframe() {
        let before = queuedBytes
        if let index = chunks[head...].lastIndex(where: { $0.keyframeOffset != nil }), let offset = chunks[index].keyframeOffset,
           index > head || offset > 0 {
            let bytes = chunks[index].bytes
            chunks[index] = Chunk(bytes: bytes[(bytes.startIndex + offset)...], keyframeOffset: 0)
            head = index
            queuedBytes = chunks[head...].reduce(0) { $0 + $1.bytes.count }
        } else {
            head = chunks.count
            queuedBytes = 0
            waitingForKeyframe = true
        }
        droppedBytes += before - queuedBytes
        compact()
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
}
