// swift-tools-version: 6.1
import PackageDescription

// Debian's libavformat links libsrt-gnutls. Linking libsrt-openssl dynamically into the same
// process interposes the srt_* symbols and crashes at start-up, so libsrt.a is linked
// statically with its symbols hidden (see DESIGN.md, "two libsrt builds in one process").
let staticSRT: [LinkerSetting] = [
    .unsafeFlags([
        "-Xlinker", "--exclude-libs=libsrt.a",
        "-Xlinker", "-Bstatic", "-Xlinker", "-lsrt", "-Xlinker", "-Bdynamic",
        "-lcrypto", "-lstdc++", "-lm",
    ]),
]

// `scripts/fuzz` builds relayd with RELAYD_FUZZ=1 into its own scratch path: the project's own
// modules get libFuzzer's coverage and AddressSanitizer; the dependencies build as usual.
let fuzzing = Context.environment["RELAYD_FUZZ"] == "1"
let fuzzSwift: [SwiftSetting] = fuzzing ? [.unsafeFlags(["-sanitize=fuzzer,address"])] : []
// relayd finds LLVMFuzzerRunDriver with dlsym, so it must be in the dynamic symbol table.
let fuzzLink: [LinkerSetting] = fuzzing ? [.unsafeFlags(["-sanitize=fuzzer,address", "-Xlinker", "--export-dynamic-symbol=LLVMFuzzerRunDriver"])] : []

// relayd's allocator is jemalloc (Sources/CAllocator); not in the fuzzing build, whose
// AddressSanitizer replaces malloc itself.
let jemalloc: [LinkerSetting] = fuzzing ? [] : [.linkedLibrary("jemalloc")]

let package = Package(
    name: "video-relay",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "relayd", targets: ["relayd"]),
        .library(name: "VideoRelay", targets: ["VideoRelay"]),
        .library(name: "FieldOps", targets: ["FieldOps"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        .systemLibrary(name: "CSRT", path: "Sources/CSRT"),
        .systemLibrary(name: "CFFmpeg", path: "Sources/CFFmpeg", pkgConfig: "libavformat"),
        .target(name: "CPictureMemory", dependencies: ["CFFmpeg"]),
        .target(name: "CAllocator", linkerSettings: jemalloc),
        .target(
            name: "VideoRelay",
            dependencies: [
                "CSRT", "CFFmpeg", "CPictureMemory", "CAllocator",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: fuzzSwift,
            linkerSettings: staticSRT
        ),
        .target(
            name: "FieldOps",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: fuzzSwift
        ),
        .executableTarget(
            name: "relayd",
            dependencies: [
                "VideoRelay", "FieldOps",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: fuzzSwift,
            linkerSettings: staticSRT + fuzzLink
        ),
        .testTarget(
            name: "VideoRelayTests",
            dependencies: ["VideoRelay"],
            linkerSettings: staticSRT
        ),
        .testTarget(
            name: "FieldOpsTests",
            dependencies: ["FieldOps"]
        ),
        .testTarget(
            name: "RelaydTests",
            dependencies: [
                "relayd", "VideoRelay", "FieldOps",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            exclude: ["Support/login_attempts.py"],
            linkerSettings: staticSRT
        ),
    ],
    swiftLanguageModes: [.v6]
)
