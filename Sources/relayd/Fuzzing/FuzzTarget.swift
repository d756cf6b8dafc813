import FieldOps
import Foundation
import VideoRelay

/// The parsers that read bytes from outside relayd, one entry each, so libFuzzer (and the
/// regression replay of the committed corpora) can reach them without a server. Each entry
/// feeds the bytes to the same code the live path uses and throws away the outcome: a parser
/// may refuse anything, but must never crash, hang or read out of bounds.
enum FuzzTarget: String, CaseIterable, Sendable {
    /// SRT stream ids, then the access decision on them (the listen callback's path).
    case streamID = "stream-id"
    /// SRT payloads through the MPEG-TS inspector, split the way the relay receives them.
    case transportStream = "transport-stream"
    /// The YAML configuration, with every cross-check.
    case config
    /// JSON bodies of the program, control-room, relay and login routes.
    case programBody = "program-body"
    /// JSON bodies of every FieldOps route.
    case fieldOpsBody = "fieldops-body"
    /// One line of the audit log, as the verifier and the API read it.
    case auditLine = "audit-line"
    /// A clip's proof file, as `relayd recording verify-clip` reads and checks it.
    case clipProof = "clip-proof"
    /// An H.264 access unit from a source, read for upstream sites' delay stamps and stamped.
    case delayStamp = "delay-stamp"

    /// Runs one input through the parser.
    func run(_ data: Data) {
        switch self {
        case .streamID:
            let text = String(decoding: data, as: UTF8.self)
            _ = try? StreamID.parse(text)
            _ = Self.policy.decide(text)
        case .transportStream:
            var inspector = TransportStreamInspector()
            let bytes = [UInt8](data)
            // SRT live payloads are up to 1,316 bytes: feed the input in such slices so
            // state carried between payloads (PAT, PMT, video PID) is exercised too.
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + 1316)
                _ = inspector.inspect(bytes[start..<end])
                start = end
            }
            _ = inspector.programTables
        case .config:
            _ = try? RelaydConfiguration.parse(yaml: String(decoding: data, as: UTF8.self))
        case .programBody:
            Self.decodeEach(data, with: APIRequestBody.decoder, as: [
                ProgramController<RelaydRequestContext>.CutRequest.self, ProgramController<RelaydRequestContext>.CaptionRequest.self,
                ControlRoomController<RelaydRequestContext>.PreviewRequest.self, RelayController<RelaydRequestContext>.EnabledRequest.self,
                SessionController.LoginRequest.self, ClipExportController<RelaydRequestContext>.ExportRequest.self,
            ])
        case .fieldOpsBody:
            Self.decodeEach(data, with: APIRequestBody.decoder, as: [
                UnitsController.CreateRequest.self,
                DeploymentsController.CreateRequest.self, DeploymentsController.TransitionRequest.self,
                DeploymentsController.CheckInRequest.self, DeploymentsController.ActivityRequest.self,
                KitsController.CreateRequest.self, KitsController.CheckoutRequest.self,
                KitsController.ReturnRequest.self, KitsController.TransitionRequest.self,
                StationsController.CreateRequest.self, StationsController.AccessModeUpdate.self,
                GeneratorsController.CreateRequest.self, GeneratorsController.ReadingRequest.self,
                GeneratorsController.PeriodRequest.self,
                RefuelRunsController.CreateRequest.self, RefuelRunsController.TransitionRequest.self,
            ])
        case .auditLine:
            guard case .success(let entry) = AuditTrailEntry.canonical(data) else { return }
            _ = try? AuditTrail.hash(entry.content)
            _ = AuditTrailEntry.csv([entry])
        case .clipProof:
            guard let proof = try? ClipProof.decode(data) else { return }
            try? ClipProofChecker.check(proof, clipSize: proof.clip.size, clipSHA256: proof.clip.sha256, pinned: nil)
            try? ClipProofChecker.checkRecordings(proof, digest: { _ in nil }, manifestEntry: { seq in proof.entries.first { $0.seq == seq } })
        case .delayStamp:
            let bytes = [UInt8](data)
            var table = HopTable()
            let stamps = StampedAccessUnit.stamps(in: bytes)
            table.record(stamps, at: 1_800_000_000_000_000)
            _ = table.hops(link: nil)
            var stamping = ProgramStamping(siteID: "npa", siteName: "警察庁")
            stamping.collect(stamps)
            let due = stamping.stamps(at: .now, onAir: "heli-1", caption: nil, wallClock: 1_800_000_000_000_000)
            _ = StampedAccessUnit.inserting(due, into: bytes)
        }
    }

    private static func decodeEach(_ data: Data, with decoder: JSONDecoder, as types: [any Decodable.Type]) {
        for type in types { _ = try? decoder.decode(type, from: data) }
    }

    /// A policy with a protected program, a user-only source and an open source, so every
    /// branch of the access decision is reachable.
    private static let policy: AccessPolicy = {
        let yaml = """
            sources:
              - {id: heli-1, kind: helicopter, passphrase: heli-passphrase-01}
              - {id: drone-1, kind: drone, users: [crew]}
              - {id: mobile-1, kind: mobile}
            users:
              - {name: crew, passphrase: crew-passphrase-01, publish: ["*"], request: [program]}
              - {name: hq, passphrase: hq-passphrase-0001, request: [program]}
            program: {passphrase: program-passphrase, users: [hq, crew]}
            """
        let configuration = (try? RelaydConfiguration.parse(yaml: yaml))?.relay ?? RelayConfiguration()
        return AccessPolicy(configuration: configuration)
    }()
}
