import Testing

@testable import VideoRelay

@Suite struct AllocatorTuningTests {
    @Test func limitsArenasAndFixesTheMmapThresholdByDefault() {
        let settings = AllocatorTuning.settings(environment: [:])
        #expect(settings == [
            .init(parameter: AllocatorTuning.arenaMax, value: 2),
            .init(parameter: AllocatorTuning.mmapThreshold, value: 128 << 10),
        ])
    }

    @Test func leavesWhatTheOperatorSetInTheEnvironment() {
        #expect(AllocatorTuning.settings(environment: ["MALLOC_ARENA_MAX": "8"])
            == [.init(parameter: AllocatorTuning.mmapThreshold, value: 128 << 10)])
        #expect(AllocatorTuning.settings(environment: ["GLIBC_TUNABLES": "glibc.malloc.mmap_threshold=65536"])
            == [.init(parameter: AllocatorTuning.arenaMax, value: 2)])
        #expect(AllocatorTuning.settings(environment: [
            "MALLOC_MMAP_THRESHOLD_": "1048576", "GLIBC_TUNABLES": "glibc.malloc.arena_max=4",
        ]).isEmpty)
    }
}
