/// A caller's request, read from its SRT stream id in the Access Control syntax
/// `#!::r=<resource>,m=publish|request[,u=<user>]` (Haivision/srt docs/features/access-control.md).
public struct StreamID: Sendable, Equatable {
    /// What the caller wants to do with the resource.
    public enum Mode: String, Sendable, Equatable {
        case publish
        case request
    }

    /// The resource: a source id or `program`.
    public var resource: String
    /// Publish or request. The spec's default when `m` is absent is `request`.
    public var mode: Mode
    /// The user the caller claims to be; picks the passphrase.
    public var user: String?

    public init(resource: String, mode: Mode, user: String? = nil) {
        self.resource = resource
        self.mode = mode
        self.user = user
    }

    /// Why a stream id could not be read.
    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case missingPrefix
        case malformedPair(String)
        case duplicateKey(String)
        case missingResource
        case unknownMode(String)

        public var description: String {
            switch self {
            case .missingPrefix: "stream id must start with \"#!::\""
            case .malformedPair(let pair): "\"\(pair)\" is not key=value"
            case .duplicateKey(let key): "key \"\(key)\" appears twice"
            case .missingResource: "stream id names no resource (r=...)"
            case .unknownMode(let mode): "mode \"\(mode)\" is neither publish nor request"
            }
        }
    }

    /// Parses the Access Control syntax. Keys the relay does not use (`s`, `t`, `h`, custom
    /// keys) are accepted and ignored, as the spec asks of a receiver.
    public static func parse(_ text: String) throws(ParseError) -> StreamID {
        guard text.hasPrefix("#!::") else { throw .missingPrefix }
        var values: [String: String] = [:]
        for pair in text.dropFirst(4).split(separator: ",", omittingEmptySubsequences: false) {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw .malformedPair(String(pair))
            }
            let key = String(pair[..<equals])
            guard values[key] == nil else { throw .duplicateKey(key) }
            values[key] = String(pair[pair.index(after: equals)...])
        }
        guard let resource = values["r"], !resource.isEmpty else { throw .missingResource }
        let mode: Mode
        switch values["m"] {
        case nil: mode = .request
        case let text?:
            guard let parsed = Mode(rawValue: text) else { throw .unknownMode(text) }
            mode = parsed
        }
        let user = values["u"].flatMap { $0.isEmpty ? nil : $0 }
        return StreamID(resource: resource, mode: mode, user: user)
    }

    /// The stream id text a caller sends for this request.
    public var text: String {
        var text = "#!::r=\(resource),m=\(mode.rawValue)"
        if let user { text += ",u=\(user)" }
        return text
    }
}
