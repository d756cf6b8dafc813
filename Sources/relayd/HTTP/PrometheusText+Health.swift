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
