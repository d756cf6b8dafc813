import FieldOps
import Hummingbird

extension Request {
    /// Who is writing, for the audit trail and the activity log: the logged-in account's name
    /// (AuthMiddleware puts it in `X-Actor`, over whatever the client sent), or in open mode
    /// the name the coordinator typed. The pages send it percent-encoded (a header carries
    /// only Latin-1 in browsers, so 森 could not travel as it is); AuthMiddleware decodes it.
    /// An empty name is refused rather than recorded as nobody.
    func fieldOpsRecorder() throws -> String {
        let header = headers.first { $0.name.canonicalName == "x-actor" }?.value
        guard let name = header?.trimmingCharacters(in: .whitespacesAndNewlines), !name.isEmpty else {
            throw FieldOpsError.invalid(field: "actor", message: "your name is required: fill in 記録者 (Your name) before recording")
        }
        guard name.count <= 200 else { throw FieldOpsError.invalid(field: "actor", message: "is longer than 200 characters") }
        return name
    }
}
