import VideoRelay

extension RelaySnapshot {
    /// The sources with their picture health and upstream hops filled in (the relay thread that
    /// makes the snapshot knows nothing of decoded pictures or stamps).
    func sources(with health: PictureHealthMonitor?, hops: HopDelayMonitor? = nil) -> [SourceStatus] {
        guard health != nil || hops != nil else { return sources }
        let all = health?.health ?? [:]
        return sources.map { source in
            var source = source
            source.health = all[source.id]
            if let found = hops?.hops(of: source.id, link: source.link), !found.isEmpty { source.hops = found }
            return source
        }
    }
}
