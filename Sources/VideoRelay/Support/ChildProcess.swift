import Glibc
import Synchronization

/// A program started with a clean signal state. Threads of a Swift server block or ignore
/// SIGTERM and SIGINT (for graceful shutdown handling) and a child inherits that, so a child
/// started with Foundation's `Process` may never stop on SIGTERM. This one resets the mask and
/// the handlers at spawn, so field-unit encoders and test clients stop when asked.
public final class ChildProcess: Sendable {
    /// The child's process id.
    public let pid: pid_t
    /// The program name, for messages.
    public let name: String
    private let exit = Mutex<Int32?>(nil)

    /// Starts `arguments[0]` (looked up in PATH) with stdin from /dev/null and stdout and stderr
    /// to the given files (or /dev/null).
    public init(_ arguments: [String], standardOutput: String? = nil, standardError: String? = nil) throws {
        guard let program = arguments.first else { throw ChildProcessError(program: "", message: "no program given") }
        name = program
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, standardOutput ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, standardError ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let status = posix_spawnp(&pid, program, &actions, &attributes, &argv, environ)
        guard status == 0 else {
            throw ChildProcessError(program: program, message: String(cString: strerror(status)))
        }
        self.pid = pid
    }

    /// Sends a signal.
    public func signal(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// Asks the child to stop (SIGTERM).
    public func terminate() { signal(SIGTERM) }

    /// The exit status once the child has exited (negative: killed by that signal).
    public var exitStatus: Int32? {
        exit.withLock { exit in
            if exit == nil {
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid {
                    // WIFEXITED / WEXITSTATUS / WTERMSIG are macros; decoded by hand.
                    exit = status & 0x7f == 0 ? (status >> 8) & 0xff : -(status & 0x7f)
                }
            }
            return exit
        }
    }

    public var isRunning: Bool { exitStatus == nil }

    /// Waits for exit, checking every 20 ms so no thread is blocked; after `timeout` the child
    /// is killed and an error thrown.
    @discardableResult
    public func waitForExit(timeout: Duration) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = exitStatus { return status }
            if ContinuousClock.now > deadline {
                kill(pid, SIGKILL)
                throw ChildProcessError(program: name, message: "did not exit within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    deinit {
        if exitStatus == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
    }
}

/// A child process that could not be started or did not stop.
public struct ChildProcessError: Error, CustomStringConvertible {
    public var program: String
    public var message: String
    public var description: String { "\(program): \(message)" }
}
