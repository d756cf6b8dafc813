import Foundation

/// Whether the recorder may open a segment, given the free space on the recordings' file
/// system. Below `minimumFreeBytes` recording pauses, so the audit trail, FieldOps and the
/// relay keep the rest of the disk; it resumes by itself once a quarter as much again is free,
/// so it does not flap at the line.
struct DiskSpaceGuard: Sendable, Equatable {
    enum Change: Equatable { case paused, resumed }

    let minimumFreeBytes: Int64
    private(set) var isPaused = false

    init(minimumFreeBytes: Int64) {
        self.minimumFreeBytes = minimumFreeBytes
    }

    /// Free space needed to resume after a pause.
    var resumeFreeBytes: Int64 { minimumFreeBytes + minimumFreeBytes / 4 }

    /// Takes a measurement; returns the change it causes, if any.
    mutating func check(freeBytes: Int64) -> Change? {
        if isPaused {
            guard freeBytes >= resumeFreeBytes else { return nil }
            isPaused = false
            return .resumed
        }
        guard freeBytes < minimumFreeBytes else { return nil }
        isPaused = true
        return .paused
    }

    /// Bytes available to an unprivileged writer on the file system holding `url` (or its
    /// nearest existing parent); nil if it cannot be read.
    static func freeBytes(at url: URL) -> Int64? {
        var path = url
        while !FileManager.default.fileExists(atPath: path.path), path.pathComponents.count > 1 {
            path = path.deletingLastPathComponent()
        }
        var stats = statvfs()
        guard statvfs(path.path, &stats) == 0 else { return nil }
        return Int64(stats.f_bavail) * Int64(stats.f_frsize)
    }
}
