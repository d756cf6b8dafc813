/// Decides, from the configuration alone, whether a caller's stream id may connect and with which
/// passphrase. Pure: the 1409 "already publishing" check needs live state and sits in
/// `Gatekeeper`.
public struct AccessPolicy: Sendable {
    public let configuration: RelayConfiguration

    public init(configuration: RelayConfiguration) {
        self.configuration = configuration
    }

    /// An accepted request and the passphrase its connection must use.
    public struct Grant: Sendable, Equatable {
        public var request: StreamID
        public var passphrase: String?
        /// For publishers: whether they may replace a live publisher.
        public var allowTakeover: Bool
    }

    /// Accepts or refuses a raw stream id with the Access Control spec's codes.
    public func decide(_ text: String) -> Result<Grant, RejectCode> {
        guard let request = try? StreamID.parse(text) else { return .failure(.badRequest) }
        return decide(request)
    }

    /// Accepts or refuses a parsed request.
    public func decide(_ request: StreamID) -> Result<Grant, RejectCode> {
        let isProgram = request.resource == RelayConfiguration.programResource
        let source = configuration.source(request.resource)
        guard isProgram || source != nil else { return .failure(.notFound) }
        if isProgram && request.mode == .publish { return .failure(.badMode) }

        let allowedUsers = source?.allowedUsers ?? configuration.program.allowedUsers
        let resourcePassphrase = source?.passphrase ?? configuration.program.passphrase
        guard let userName = request.user else {
            // Without a user the caller may only use the resource's own passphrase, and only
            // when the resource is not restricted to named users.
            guard allowedUsers.isEmpty else { return .failure(.unauthorized) }
            return .success(Grant(request: request, passphrase: resourcePassphrase, allowTakeover: source?.allowTakeover ?? false))
        }
        guard let user = configuration.user(userName) else { return .failure(.unauthorized) }
        guard user.may(request.mode, request.resource) else { return .failure(.forbidden) }
        if !allowedUsers.isEmpty && !allowedUsers.contains(userName) { return .failure(.forbidden) }
        return .success(Grant(request: request, passphrase: user.passphrase, allowTakeover: source?.allowTakeover ?? false))
    }
}
