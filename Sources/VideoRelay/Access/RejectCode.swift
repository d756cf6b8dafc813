/// Refusal codes from the SRT Access Control spec, sent to a caller in the handshake.
public enum RejectCode: Int32, Error, Sendable, Equatable, CustomStringConvertible {
    case badRequest = 1400
    case unauthorized = 1401
    case forbidden = 1403
    case notFound = 1404
    case badMode = 1405
    case conflict = 1409

    public var description: String {
        switch self {
        case .badRequest: "1400 bad stream id"
        case .unauthorized: "1401 unauthorized"
        case .forbidden: "1403 forbidden"
        case .notFound: "1404 unknown resource"
        case .badMode: "1405 mode not allowed"
        case .conflict: "1409 already publishing"
        }
    }
}
