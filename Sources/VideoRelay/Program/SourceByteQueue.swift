import CFFmpeg
import Foundation

/// A source's MPEG-TS bytes on their way from the relay thread to the source's demux thread.
/// Bounded: if the demuxer falls behind, the oldest bytes go (whole TS packets). The demuxer's
/// read blocks here (on its own thread), and reports the end of the stream after the source has
/// been silent for `idleLimit`, so a new publisher gets a fresh demuxer.
final class SourceByteQueue: ByteSource, @unchecked Sendable {
    // @unchecked: every stored property is guarded by `condition`'s lock.
    private let condition = NSCondition()
    private var storage: [UInt8] = []
    private var head = 0
    private var closed = false
    private var lastAppend: ContinuousClock.Instant?
    private var droppedBytes = 0
    let limitBytes: Int
    let idleLimit: Duration

    init(limitBytes: Int = 4 << 20, idleLimit: Duration = .seconds(2)) {
        self.limitBytes = limitBytes
        self.idleLimit = idleLimit
    }

    /// Called on the relay thread: copy and signal, nothing else.
    func append(_ payload: ArraySlice<UInt8>) {
        condition.lock()
        storage.append(contentsOf: payload)
        lastAppend = ContinuousClock.now
        let queued = storage.count - head
        if queued > limitBytes {
            let excess = (queued - limitBytes + 187) / 188 * 188
            head += excess
            droppedBytes += excess
        }
        condition.signal()
        condition.unlock()
    }

    /// When the last payload arrived.
    var lastDataAt: ContinuousClock.Instant? {
        condition.lock()
        defer { condition.unlock() }
        return lastAppend
    }

    /// Whether bytes are waiting (a demuxer should be running).
    var hasData: Bool {
        condition.lock()
        defer { condition.unlock() }
        return storage.count > head
    }

    /// Ends every read in progress and to come.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// The AVIO read: blocks until bytes arrive; AVERROR_EOF once closed or idle too long.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int32 {
        condition.lock()
        defer { condition.unlock() }
        var idleSince = ContinuousClock.now
        while storage.count == head {
            if closed { return cffmpeg_averror_eof() }
            if let lastAppend, lastAppend > idleSince { idleSince = lastAppend }
            if ContinuousClock.now - idleSince > idleLimit { return cffmpeg_averror_eof() }
            _ = condition.wait(until: Date().addingTimeInterval(0.1))
        }
        let count = min(buffer.count, storage.count - head)
        storage.withUnsafeBytes { bytes in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[head..<(head + count)]))
        }
        head += count
        if head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 1 << 20 {
            storage.removeFirst(head)
            head = 0
        }
        return Int32(count)
    }
}
