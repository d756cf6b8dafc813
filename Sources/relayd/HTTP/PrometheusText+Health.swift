import VideoRelay

extension PrometheusText {
    /// Picture health per watched source, from the same values `/api/sources[].health` shows.
    static func render(health monitor: PictureHealthMonitor) -> String {
        var out = MetricWriter()
        let health = monitor.health.sorted { $0.key < $1.key }
        out.family("relay_source_health", "gauge", "1 while the source's picture is frozen or black or its sound silent, by condition")
        for (source, value) in health {
            for condition in HealthCondition.allCases {
                out.sample("relay_source_health", ["source": source, "condition": condition.rawValue], value[condition] ? 1 : 0)
            }
        }
        out.family("relay_source_format_changes_total", "counter", "Changes of the source's codec, picture size or frame rate")
        for (source, value) in health { out.sample("relay_source_format_changes_total", ["source": source], Double(value.formatChanges)) }
        out.family("relay_health_keyframes_decoded_total", "counter", "Keyframes decoded for picture health, over all sources")
        out.sample("relay_health_keyframes_decoded_total", [:], Double(monitor.keyframesDecoded))
        out.family("relay_health_audio_frames_decoded_total", "counter", "Audio frames decoded for silence detection, over all sources")
        out.sample("relay_health_audio_frames_decoded_total", [:], Double(monitor.audioFramesDecoded))
        return out.text
    }
}

extension PrometheusText {
    /// Each chained source's delay from every upstream site, as `/api/sources[].hops` shows it.
    static func render(hops monitor: HopDelayMonitor, sources: [SourceStatus]) -> String {
        var out = MetricWriter()
        let all = sources.map { ($0.id, monitor.hops(of: $0.id, link: $0.link)) }.filter { !$0.1.isEmpty }
        out.family("relay_source_hop_delay_seconds", "gauge", "From an upstream site's program output to this site's input, by its delay stamps (clocks assumed NTP-synchronised)")
        for (source, hops) in all {
            for hop in hops { out.sample("relay_source_hop_delay_seconds", ["source": source, "site": hop.siteID], hop.delayMilliseconds / 1000) }
        }
        out.family("relay_source_hop_share_seconds", "gauge", "The share of one hop: a site's delay minus the next site's (the last hop: its whole delay)")
        for (source, hops) in all {
            for hop in hops { out.sample("relay_source_hop_share_seconds", ["source": source, "site": hop.siteID], hop.hopDelayMilliseconds / 1000) }
        }
        return out.text
    }
}
