import Foundation
import Synchronization
import Testing
@testable import VideoRelay

/// Dedicated threads name themselves so top -H, perf and /proc tell them apart.
@Suite struct ThreadNameTests {
    /// Starts a thread that names itself `name` and reads back what Linux calls it.
    static func nameSeenByLinux(afterNaming name: String) async -> String? {
        let seen = Mutex<String?>(nil)
        let completion = ThreadCompletion()
        Thread {
            nameCurrentThread(name)
            let comm = try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)
            seen.withLock { $0 = comm?.trimmingCharacters(in: .newlines) }
            completion.finish()
        }.start()
        await completion.wait()
        return seen.withLock { $0 }
    }

    @Test func aThreadIsNamedAsLinuxShowsItCutTo15BytesOnACharacterBoundary() async {
        #expect(await Self.nameSeenByLinux(afterNaming: "demux-heli-1") == "demux-heli-1")
        #expect(await Self.nameSeenByLinux(afterNaming: "demux-helicopter-1") == "demux-helicopte")
        // "demux-ヘリ1": 6 bytes, then 3 per katakana; 15 bytes would end inside the fourth.
        #expect(await Self.nameSeenByLinux(afterNaming: "demux-ヘリコプター") == "demux-ヘリコ")
    }
}
