import Glibc

/// Names the calling thread as Linux shows it (top -H, perf, /proc/<pid>/task/*/comm): the
/// first 15 bytes of `name`. Call it first thing on a dedicated thread.
///
/// Not `Thread.current.name`: on Linux Foundation applies that to the thread it believes is
/// current, and a thread just started with `Thread { }` sometimes went unnamed or took another
/// thread's name (seen in /proc while relayd ran). Glibc's `pthread_setname_np` is not visible
/// to Swift, so this writes the thread's own `comm` file, which is what it does (proc(5)).
public func nameCurrentThread(_ name: String) {
    var bytes = Array(name.utf8.prefix(15))
    // A cut inside a multi-byte character would leave an invalid name: drop the partial one.
    while !bytes.isEmpty, String(validating: bytes, as: UTF8.self) == nil { bytes.removeLast() }
    let file = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
    guard file >= 0 else { return }  // no /proc: the thread keeps its default name
    _ = bytes.withUnsafeBytes { write(file, $0.baseAddress, $0.count) }
    close(file)
}
