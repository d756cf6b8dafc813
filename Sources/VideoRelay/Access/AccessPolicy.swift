/// Decides, from the configuration alone, whether a caller's stream id may connect and with which
/// passphrase. Pure: the 1409 "already publishing" check needs live state and sits in
/// `Gatekeeper`.
///
/// The rules, in order:
/// - the resource exists (1404); `program` and sources fed from upstream are only requested
///   (1405);
/// - a caller without `u` is refused on a resource restricted to users (1401);
/// - a named user exists (1401), holds a grant for the mode and resource, and is on the
///   resource's user list when it has one (1403);
/// - the secret is the user's passphrase when the caller names a user who has one, else the
///   resource's own (a source never borrows the program's, nor the program a source's);
/// - a protected resource (passphrase or user list) is reached only with a secret: a user
///   without a passphrase on a resource without one is refused (1401), since a name alone
///   authenticates nothing.
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
        grant(request).flatMap { grant, resource in
            // A name alone authenticates nothing: a protected resource needs a secret.
            resource.isProtected && grant.passphrase == nil ? .failure(.unauthorized) : .success(grant)
        }
    }

    /// What the configuration grants the request, and the resource's credentials, before the rule
    /// that a protected resource is reached only with a secret.
    private func grant(_ request: StreamID) -> Result<(Grant, ResourceAccess), RejectCode> {
        guard let resource = configuration.access(to: request.resource) else { return .failure(.notFound) }
        if request.mode == .publish,
            request.resource == RelayConfiguration.programResource || configuration.source(request.resource)?.upstream != nil
        {
            return .failure(.badMode)
        }

        let secret: String?
        if let userName = request.user {
            guard let user = configuration.user(userName) else { return .failure(.unauthorized) }
            guard user.may(request.mode, request.resource) else { return .failure(.forbidden) }
            if !resource.allowedUsers.isEmpty && !resource.allowedUsers.contains(userName) { return .failure(.forbidden) }
            secret = user.passphrase ?? resource.passphrase
        } else {
            guard resource.allowedUsers.isEmpty else { return .failure(.unauthorized) }
            secret = resource.passphrase
        }
        return .success((Grant(request: request, passphrase: secret, allowTakeover: resource.allowTakeover), resource))
    }

    /// A way in that the configuration grants with no secret to check: callers without `u`
    /// (`user` nil) or naming `user` may use the resource in this mode, but no passphrase applies.
    /// On an open resource such callers get in unencrypted; on a protected one they are refused
    /// (1401), which for a configured user is a mistake all the same.
    public struct MissingSecret: Sendable, Equatable {
        public var user: String?
        public var mode: StreamID.Mode
        public var resource: String
    }

    /// Every grant without a secret: for callers without `u`, then for each configured user,
    /// over every resource and mode. On loopback that is a choice; on a listener others can
    /// reach, relayd refuses a configuration that has any.
    public func grantsWithoutSecret() -> [MissingSecret] {
        let callers: [String?] = [nil] + configuration.users.map(\.name)
        return callers.flatMap { user in
            configuration.resources.flatMap { resource in
                [StreamID.Mode.publish, .request].compactMap { mode in
                    let request = StreamID(resource: resource, mode: mode, user: user)
                    guard case .success(let (grant, _)) = grant(request), grant.passphrase == nil else { return nil }
                    return MissingSecret(user: user, mode: mode, resource: resource)
                }
            }
        }
    }
}
