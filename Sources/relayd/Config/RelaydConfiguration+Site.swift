import VideoRelay

/// Which site this relayd serves (`site:`): a prefectural HQ, the NPA, the PM's Office. Its name
/// is the program's service provider, so sites downstream see whose program they receive.
struct SiteIdentity: Sendable, Equatable {
    /// A short stable id, e.g. `shizuoka-pref`.
    var id: String
    /// What operators read, e.g. 静岡県警察本部.
    var name: String
}

extension RelaydConfiguration {
    /// `site: {id, name}`; absent means an unnamed site ("relayd" as service provider).
    static func readSite(_ node: ConfigNode) -> SiteIdentity? {
        guard node.isPresent else { return nil }
        let id = identifier(node, "id")
        let name = node.string("name") ?? id
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            node.child("name").error("may not hold control characters")
        } else if case let length = ServiceDescriptionLimits.encodedLength(name), length > ServiceDescriptionLimits.nameLimit {
            node.child("name").error("must fit \(ServiceDescriptionLimits.nameLimit) bytes in the stream's service description, got \(length)")
        }
        node.rejectUnknownKeys()
        return SiteIdentity(id: id, name: name)
    }
}
