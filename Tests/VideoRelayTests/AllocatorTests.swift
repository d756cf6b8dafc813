import Foundation
import Testing
@testable import VideoRelay

/// The process runs on jemalloc (linked in by Package.swift, like relayd's) with the settings
/// built into Sources/CAllocator, and its statistics follow what the program allocates.
@Suite struct AllocatorTests {
    @Test func theProcessRunsOnJemallocWithTheBuiltInSettings() throws {
        #expect(Allocator.builtInSettings == "background_thread:true,dirty_decay_ms:5000,muzzy_decay_ms:0")
        // As applied: jemalloc's options read back from jemalloc itself (nil on another malloc).
        // The test run may not override them with MALLOC_CONF.
        try #require(ProcessInfo.processInfo.environment["MALLOC_CONF"] == nil)
        #expect(Allocator.option("opt.background_thread") == true)
        #expect(Allocator.option("background_thread") == true, "the background thread is running")
        #expect(Allocator.signedOption("opt.dirty_decay_ms") == 5000)
        #expect(Allocator.signedOption("opt.muzzy_decay_ms") == 0)
        #expect(Allocator.option("opt.no_such_option") == nil)
    }

    @Test func statisticsCountWhatTheProgramAllocates() throws {
        let before = try #require(Allocator.statistics())
        #expect(before.allocated > 0)
        #expect(before.active >= before.allocated)
        #expect(before.resident >= before.active)
        // 64 MiB from malloc, as libav and libsrt allocate (through the C library's malloc).
        let size = 64 << 20
        let block = try #require(malloc(size))
        memset(block, 1, size)
        let during = try #require(Allocator.statistics())
        free(block)
        // Other tests of the run allocate and free too, so only the block's own size is certain.
        #expect(during.allocated - before.allocated >= size / 2, "\(before.allocated) → \(during.allocated)")
        #expect(during.resident >= during.allocated)
    }
}
