import Foundation

extension RelaydProcess {
    /// Polls the API until `condition` holds for the JSON body of `path`: the state it reads is
    /// refreshed by the relay a few times a second.
    func waitFor(_ path: String, _ what: String, timeout: Duration = .seconds(20), _ condition: (Any) -> Bool) async throws {
        do {
            try await eventually(what, timeout: timeout) {
                guard let (status, body) = try? await RelaydHTTP.get(port: httpPort, path: path), status == 200 else { return false }
                return (try? JSONSerialization.jsonObject(with: body)).map(condition) ?? false
            }
        } catch {
            throw RelaydTestFailure("\(error)\n\(log)")
        }
    }
}
