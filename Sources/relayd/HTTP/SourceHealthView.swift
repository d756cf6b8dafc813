import VideoRelay

extension RelaySnapshot {
    /// The sources with their picture health filled in (the relay thread that makes the snapshot
    /// knows nothing of decoded pictures).
    func sources(with health: PictureHealthMonitor?) -> [SourceStatus] {
        guard let health else { return sources }
        let all = health.health
        return sources.map { source in
            var source = source
            source.health = all[source.id]
            return source
        }
    }
}
