import Dispatch
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Tells of writes to the FieldOps database by other processes, chiefly the `relayd fieldops`
/// commands, so open pages follow them as they follow writes through the API.
///
/// inotify reports when a process that had the database's files open for writing closes them
/// (`IN_CLOSE_WRITE`): by then its transactions have committed, so the revision read next is
/// theirs. A command closes its files when it exits. Writes through this relayd's API are
/// published by `FieldOpsWriteMiddleware` as they return; a second long-running process writing
/// the same file is not seen until one of them writes through this relayd (the shared
/// PostgreSQL of the design would notify instead).
final class FieldOpsFileWatcher: Sendable {
    private let handle: SourceHandle

    /// Watches `directory` for `fileName` (and its `-wal`/`-shm` companions) being closed after
    /// a write; nil where inotify is unavailable (the pages then follow API writes only).
    init?(directory: URL, fileName: String, logger: Logger, onWrite: @escaping @Sendable () -> Void) {
        #if canImport(Glibc)
        let descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard descriptor >= 0 else {
            logger.warning("fieldops: cannot watch the database for other writers", metadata: ["fieldops.errno": "\(errno)"])
            return nil
        }
        guard inotify_add_watch(descriptor, directory.path, UInt32(IN_CLOSE_WRITE)) >= 0 else {
            logger.warning("fieldops: cannot watch the database for other writers", metadata: ["fieldops.errno": "\(errno)"])
            close(descriptor)
            return nil
        }
        let source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: DispatchQueue(label: "relayd.fieldops.watch"))
        source.setEventHandler {
            if Self.drain(descriptor, touching: fileName) { onWrite() }
        }
        source.setCancelHandler { close(descriptor) }
        source.resume()
        handle = SourceHandle(source: source)
        #else
        return nil
        #endif
    }

    deinit {
        handle.source.cancel()
    }

    #if canImport(Glibc)
    /// Reads every pending event; true when one names the database or its companions.
    private static func drain(_ descriptor: Int32, touching fileName: String) -> Bool {
        var touched = false
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { return touched }
            var offset = 0
            let header = MemoryLayout<inotify_event>.size
            while offset + header <= count {
                let nameLength = buffer.withUnsafeBytes { Int($0.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self)) }
                let nameBytes = buffer[(offset + header)..<min(offset + header + nameLength, count)].prefix { $0 != 0 }
                if String(decoding: nameBytes, as: UTF8.self).hasPrefix(fileName) { touched = true }
                offset += header + nameLength
            }
        }
    }
    #endif
}

/// The watch's dispatch source. `@unchecked Sendable`: it is set once in `init` and only
/// cancelled afterwards, and dispatch sources may be cancelled from any thread.
private struct SourceHandle: @unchecked Sendable {
    let source: any DispatchSourceRead
}
