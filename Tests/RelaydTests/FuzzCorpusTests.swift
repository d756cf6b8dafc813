import Foundation
import Testing

@testable import relayd

/// Every committed fuzz input (seeds, and inputs that once crashed a parser) replayed through its
/// target on every test run, so a parser that regresses on one fails here without libFuzzer.
@Suite struct FuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FuzzCorpus")

    @Test(arguments: FuzzTarget.allCases)
    func everyCommittedInputPassesThroughItsParser(_ target: FuzzTarget) throws {
        let files = try FuzzInputs.files(in: [Self.corpus.appendingPathComponent(target.rawValue).path])
        #expect(files.count >= 3, "the \(target.rawValue) corpus needs seeds")
        for file in files { target.run(try Data(contentsOf: file)) }
    }

    @Test func everyTargetHasACorpusAndNoCorpusLacksATarget() throws {
        let directories = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path).sorted()
        #expect(directories == FuzzTarget.allCases.map(\.rawValue).sorted())
    }
}
