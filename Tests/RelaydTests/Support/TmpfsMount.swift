import Foundation

/// A small tmpfs mounted for one test, so a disk can really fill up. Needs root (or
/// CAP_SYS_ADMIN): without it the test fails saying so, it does not skip.
final class TmpfsMount {
    let directory: URL
    private var mounted = true

    /// Mounts a tmpfs of `megabytes` at `directory` (created if missing).
    init(at directory: URL, megabytes: Int) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        guard mount("tmpfs", directory.path, "tmpfs", 0, "size=\(megabytes)m,mode=0700") == 0 else {
            let problem = String(cString: strerror(errno))
            throw TestFailure(
                "cannot mount a \(megabytes) MB tmpfs at \(directory.path): \(problem). This test fills a real disk and must run as root "
                    + "(or with CAP_SYS_ADMIN; in a container: --privileged or --cap-add SYS_ADMIN)")
        }
    }

    /// Bytes free on the tmpfs.
    var freeBytes: Int64 {
        var stats = statvfs()
        guard statvfs(directory.path, &stats) == 0 else { return 0 }
        return Int64(stats.f_bavail) * Int64(stats.f_frsize)
    }

    /// Writes `file` until `bytes` are written or the disk is full; returns what was written.
    @discardableResult
    func fill(_ file: URL, bytes: Int64 = .max) throws -> Int64 {
        let descriptor = open(file.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw TestFailure("cannot open \(file.path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let chunk = [UInt8](repeating: 0x5a, count: 1 << 20)
        var written: Int64 = 0
        while written < bytes {
            let count = Int(min(Int64(chunk.count), bytes - written))
            let result = chunk.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, count) }
            if result < 0, errno == EINTR { continue }
            if result < 0, errno == ENOSPC { break }
            guard result > 0 else { throw TestFailure("cannot write \(file.path): \(String(cString: strerror(errno)))") }
            written += Int64(result)
        }
        return written
    }

    /// Detaches the tmpfs (lazily, so a process still holding a file in it cannot keep it).
    func unmount() {
        guard mounted else { return }
        mounted = false
        umount2(directory.path, Int32(MNT_DETACH))
    }

    deinit { unmount() }
}
