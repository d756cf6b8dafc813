extension PrometheusText {
    /// The recorder's segments, bytes, write errors and retention deletions per resource, and what its queue dropped.
    static func render(recording: Recorder.Statistics, drops: [String: RecordingQueue.Drops], queuedBytes: Int) -> String {
        var out = MetricWriter()
        out.family("relay_recording_segments_total", "counter", "Segments recorded and entered in the resource's manifest")
        for (resource, count) in recording.segments.sorted(by: { $0.key < $1.key }) {
            out.sample("relay_recording_segments_total", ["resource": resource], Double(count))
        }
        out.family("relay_recording_bytes_total", "counter", "Bytes recorded into segments")
        for (resource, bytes) in recording.bytes.sorted(by: { $0.key < $1.key }) {
            out.sample("relay_recording_bytes_total", ["resource": resource], Double(bytes))
        }
        out.family("relay_recording_write_errors_total", "counter", "Segments cut short, not entered in the manifest or left without a signed head by a write error (a full disk)")
        for (resource, count) in recording.writeErrors.sorted(by: { $0.key < $1.key }) {
            out.sample("relay_recording_write_errors_total", ["resource": resource], Double(count))
        }
        out.family("relay_recording_deleted_segments_total", "counter", "Segments deleted by retention (recording.max_age_h, recording.max_mb)")
        for (resource, count) in recording.deleted.sorted(by: { $0.key < $1.key }) {
            out.sample("relay_recording_deleted_segments_total", ["resource": resource], Double(count))
        }
        out.family("relay_recording_dropped_bytes_total", "counter", "Bytes not recorded because the queue to the disk was full")
        out.family("relay_recording_dropped_events_total", "counter", "Payloads not recorded because the queue to the disk was full")
        for (resource, drop) in drops.sorted(by: { $0.key < $1.key }) {
            out.sample("relay_recording_dropped_bytes_total", ["resource": resource], Double(drop.bytes))
            out.sample("relay_recording_dropped_events_total", ["resource": resource], Double(drop.events))
        }
        out.family("relay_recording_paused_for_space", "gauge", "1 while recording is paused because the disk is nearly full")
        out.sample("relay_recording_paused_for_space", [:], recording.pausedForSpace ? 1 : 0)
        out.family("relay_recording_queued_bytes", "gauge", "Bytes waiting for the recorder's writer")
        out.sample("relay_recording_queued_bytes", [:], Double(queuedBytes))
        return out.text
    }
}
