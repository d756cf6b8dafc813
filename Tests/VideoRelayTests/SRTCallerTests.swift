import Foundation
import Glibc
import Testing
import VideoRelay

@Suite struct SRTCallerTests {
    /// A caller cancelled while its handshake is unanswered closes its socket and throws
    /// (a dropped, unclosed socket would trip SRTSocket's deinit check and end the process).
    @Test func cancellingAConnectInProgressClosesItsSocketAndThrows() async throws {
        // A UDP port that is bound, so nothing answers "unreachable", and never replies.
        let silent = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        #expect(silent >= 0)
        defer { close(silent) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(silent, $0, length) == 0 && getsockname(silent, $0, &length) == 0 }
        }
        #expect(bound)
        let port = UInt16(bigEndian: address.sin_port)

        let connecting = Task {
            let caller = try await SRTCaller.connect(
                to: HostPort(host: "127.0.0.1", port: port), streamID: "#!::r=heli-1,m=request", timeout: .seconds(30))
            caller.close()
        }
        connecting.cancel()
        await #expect(throws: CancellationError.self) { try await connecting.value }
    }
}
