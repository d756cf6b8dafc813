import ArgumentParser
import Foundation
import Glibc
import Synchronization

/// `relayd fuzz TARGET [INPUT ...]`: with a relayd built for fuzzing (`scripts/fuzz` builds one
/// with `-sanitize=fuzzer,address`), hands the target to libFuzzer with the remaining
/// arguments (corpus directories, `-max_total_time=N`, ...); with an ordinary build, replays the
/// given files and directories through the target once each, which is how the committed
/// corpora serve as regression inputs. Hidden: a tool for the fuzzing script, not for operators.
struct FuzzCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuzz", abstract: "Run a parser of outside bytes under libFuzzer, or replay inputs through it.",
        shouldDisplay: false)

    @Argument(help: "One of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")).")
    var target: String

    @Argument(parsing: .captureForPassthrough, help: "Corpus directories and files, and libFuzzer options.")
    var inputs: [String] = []

    func run() throws {
        guard let fuzzTarget = FuzzTarget(rawValue: target) else {
            throw ValidationError("unknown fuzz target \"\(target)\"; one of \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let driver = LibFuzzer.driver {
            LibFuzzer.selected.withLock { $0 = fuzzTarget }
            // libFuzzer reads argv[0] as the program and everything after as its own arguments.
            var arguments = [CommandLine.arguments[0]] + inputs
            var argv: [UnsafeMutablePointer<CChar>?] = arguments.indices.map { strdup(arguments[$0]) } + [nil]
            var argc = Int32(arguments.count)
            let status = argv.withUnsafeMutableBufferPointer { buffer -> Int32 in
                var pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
                return driver(&argc, &pointer, libFuzzerTestOneInput)
            }
            arguments.removeAll()
            throw ExitCode(status)
        }
        let files = try FuzzInputs.files(in: inputs)
        for file in files { fuzzTarget.run(try Data(contentsOf: file)) }
        print("\(fuzzTarget.rawValue): replayed \(files.count) inputs without a crash")
    }
}

/// Every regular file named, and every regular file inside the directories named.
enum FuzzInputs {
    static func files(in paths: [String]) throws -> [URL] {
        var files: [URL] = []
        for path in paths where !path.hasPrefix("-") {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ValidationError("no such file or directory: \(path)")
            }
            if !isDirectory.boolValue {
                files.append(URL(fileURLWithPath: path))
                continue
            }
            let names = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
            files += names.map { URL(fileURLWithPath: path).appendingPathComponent($0) }
                .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
        }
        return files
    }
}

/// libFuzzer's entry points, present only in a relayd linked with `-sanitize=fuzzer`.
enum LibFuzzer {
    typealias TestOneInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
    typealias RunDriver = @convention(c) (
        UnsafeMutablePointer<Int32>, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>, TestOneInput
    ) -> Int32

    /// `LLVMFuzzerRunDriver`, looked up at run time so an ordinary build links without libFuzzer.
    static var driver: RunDriver? {
        dlsym(nil, "LLVMFuzzerRunDriver").map { unsafeBitCast($0, to: RunDriver.self) }
    }

    /// The target libFuzzer's callback feeds.
    static let selected = Mutex<FuzzTarget?>(nil)
}

/// libFuzzer's callback. Also exported under the name libFuzzer's own `main` expects, which a
/// fuzzing link needs resolved even though relayd's `main` runs instead.
@_cdecl("LLVMFuzzerTestOneInput")
func libFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let target = LibFuzzer.selected.withLock({ $0 }) else { return 0 }
    let bytes = data.map { Data(bytes: $0, count: size) } ?? Data()
    target.run(bytes)
    return 0
}
