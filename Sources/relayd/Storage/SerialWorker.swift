import Foundation
import Synchronization

/// A serial queue for blocking work, off the Swift concurrency pool: the writer that owns a file
/// and does its writes (write, fsync, rename). Callers
/// await the result, so "acknowledged" still means "on disk", while the pool's few threads keep
/// answering requests in the meantime; being serial, it also never takes more than one core.
final class SerialWorker: Sendable {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label, qos: .userInitiated)
    }

    /// Runs `body` on the queue, after everything enqueued before it, and returns its result.
    func perform<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Runs `body` on the queue without waiting for it (a save nobody waits for).
    func enqueue(_ body: @escaping @Sendable () -> Void) {
        queue.async(execute: body)
    }
}

/// One thread of its own, at a lower scheduling priority (nice 10), running jobs one at a time:
/// for CPU-heavy work that outside clients can start (password checks), so that however much of
/// it arrives it takes at most one core and, when cores are short, yields to the relay, the
/// control room and the writers.
final class BackgroundThread: Sendable {
    private let jobs = Mutex<[@Sendable () -> Void]>([])
    private let waiting = DispatchSemaphore(value: 0)

    init(name: String) {
        // The thread holds the worker for as long as the process runs.
        let thread = Thread { [self] in
            // On Linux the nice value is per thread; 0 names the calling thread.
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
            while true {
                self.waiting.wait()
                let job = self.jobs.withLock { $0.isEmpty ? nil : $0.removeFirst() }
                job?()
            }
        }
        thread.name = name
        thread.start()
    }

    /// Runs `body` on the thread, after the jobs before it, and returns its result.
    func perform<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            jobs.withLock { $0.append { continuation.resume(with: Result { try body() }) } }
            waiting.signal()
        }
    }
}

/// Runs CPU-heavy or blocking work (PBKDF2, a scan of a large file) on a Dispatch thread, so it
/// never holds one of the Swift concurrency pool's threads.
enum OffPool {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(with: Result { try body() }) }
        }
    }
}

/// Small POSIX file helpers shared by the audit trail and the sessions file.
enum DurableFile {
    /// Writes every byte of `data` at the descriptor's position (short writes and EINTR retried).
    static func writeAll(_ descriptor: Int32, _ data: Data, path: String) throws {
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var done = 0
            while done < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + done, buffer.count - done)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw failure("write", path)
                }
                done += written
            }
        }
    }

    static func sync(_ descriptor: Int32, path: String) throws {
        guard fsync(descriptor) == 0 else { throw failure("fsync", path) }
    }

    /// Replaces `path` with `data` in one step (temporary file, optionally fsynced, renamed
    /// over): a crash leaves the old file or the new one, never half of either. Owner-only.
    static func replace(_ path: String, with data: Data, durable: Bool) throws {
        let temporary = path + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure("open", temporary) }
        do {
            try writeAll(descriptor, data, path: temporary)
            if durable { try sync(descriptor, path: temporary) }
        } catch {
            close(descriptor)
            throw error
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else { throw failure("rename", path) }
    }

    /// Reads `count` bytes from `offset` without moving any shared file position.
    static func read(_ descriptor: Int32, offset: Int, count: Int, path: String) throws -> Data {
        var data = Data(count: count)
        try data.withUnsafeMutableBytes { (buffer: UnsafeMutableRawBufferPointer) in
            var done = 0
            while done < count {
                let got = pread(descriptor, buffer.baseAddress! + done, count - done, off_t(offset + done))
                if got < 0 {
                    if errno == EINTR { continue }
                    throw failure("pread", path)
                }
                if got == 0 { throw AuditTrailError("\(path) is shorter than expected (\(offset + done) bytes)") }
                done += got
            }
        }
        return data
    }

    /// The error of the failing call, read in the same synchronous function as the call.
    static func failure(_ call: String, _ path: String) -> AuditTrailError {
        AuditTrailError("\(call) \(path): \(String(cString: strerror(errno)))")
    }
}
