import VideoRelay

extension RelaydConfiguration {
    /// On an SRT listener others can reach, every way in needs a secret: each resource for
    /// callers without `u`, and each user on each resource it may publish or request (its own
    /// passphrase, else the resource's). Reports every grant that has none, naming the resource
    /// and the user. The access policy itself lists them, so this check and the listen callback
    /// cannot disagree.
    static func refuseOpenSRTAccess(_ relay: RelayConfiguration, root: ConfigNode) {
        let open = AccessPolicy(configuration: relay).grantsWithoutSecret()
        let reachable = "srt.listen \(relay.srtListen) is reachable beyond loopback"
        for (index, source) in relay.sources.enumerated() where open.contains(where: { $0.user == nil && $0.resource == source.id }) {
            root.child("sources").error("[\(index)] (\(source.id)) has no passphrase or users, but \(reachable); refusing to expose it without credentials")
        }
        if open.contains(where: { $0.user == nil && $0.resource == RelayConfiguration.programResource }) {
            root.child("program").error("needs a passphrase or users because \(reachable)")
        }
        for (index, user) in relay.users.enumerated() {
            for resource in relay.resources {
                let modes = open.filter { $0.user == user.name && $0.resource == resource }.map(\.mode.rawValue)
                guard !modes.isEmpty else { continue }
                root.child("users").error(
                    "[\(index)] (\(user.name)) may \(modes.joined(separator: " and ")) \"\(resource)\" but has no secret for it, and \(reachable); give \(user.name) a passphrase or \"\(resource)\" one")
            }
        }
    }
}
