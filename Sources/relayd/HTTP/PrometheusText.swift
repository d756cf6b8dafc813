import VideoRelay

/// Renders the relay snapshot in the Prometheus text exposition format. Built from the snapshot
/// on each scrape, so the counters are exactly what the API shows.
enum PrometheusText {
    static func render(_ snapshot: RelaySnapshot) -> String {
        var out = MetricWriter()
        out.family("relay_source_up", "gauge", "1 when the source is live, 0 otherwise")
        for s in snapshot.sources { out.sample("relay_source_up", ["source": s.id, "state": s.state.rawValue], s.state == .live ? 1 : 0) }
        out.family("relay_source_bitrate_bits_per_second", "gauge", "Bitrate received from the publisher")
        for s in snapshot.sources { out.sample("relay_source_bitrate_bits_per_second", ["source": s.id], Double(s.bitrateBitsPerSecond)) }
        out.family("relay_source_bytes_total", "counter", "Bytes received from publishers")
        for s in snapshot.sources { out.sample("relay_source_bytes_total", ["source": s.id], Double(s.bytesReceived)) }
        out.family("relay_source_packets_total", "counter", "SRT payloads received from publishers")
        for s in snapshot.sources { out.sample("relay_source_packets_total", ["source": s.id], Double(s.payloadsReceived)) }
        out.family("relay_source_invalid_payloads_total", "counter", "Payloads that were not MPEG-TS")
        for s in snapshot.sources { out.sample("relay_source_invalid_payloads_total", ["source": s.id], Double(s.invalidPayloads)) }
        out.family("relay_source_invalid_payload_disconnects_total", "counter", "Publishers cut off for sending something other than MPEG-TS")
        for s in snapshot.sources { out.sample("relay_source_invalid_payload_disconnects_total", ["source": s.id], Double(s.invalidPayloadDisconnects)) }
        out.family("relay_source_publishes_total", "counter", "Publishers that took the source")
        for s in snapshot.sources { out.sample("relay_source_publishes_total", ["source": s.id], Double(s.publishCount)) }
        out.family("relay_source_gop_cache_bytes", "gauge", "Bytes of the source's latest GOP kept for joining readers")
        for s in snapshot.sources { out.sample("relay_source_gop_cache_bytes", ["source": s.id], Double(s.gopCacheBytes)) }
        out.family("relay_source_readers", "gauge", "Readers connected to the source")
        for s in snapshot.sources { out.sample("relay_source_readers", ["source": s.id], Double(s.readers)) }
        let sourceSRT: [(String, String, (SRTStatistics) -> Double)] = [
            ("relay_source_loss_packets_total", "counter", { Double($0.packetsLost) }),
            ("relay_source_retransmitted_packets_total", "counter", { Double($0.packetsRetransmitted) }),
            ("relay_source_dropped_packets_total", "counter", { Double($0.packetsDropped) }),
            ("relay_source_rtt_milliseconds", "gauge", { $0.rttMilliseconds }),
            ("relay_source_receive_buffer_bytes", "gauge", { Double($0.receiveBufferBytes) }),
        ]
        for (name, type, value) in sourceSRT {
            out.family(name, type, "SRT statistics of the publisher connection")
            for s in snapshot.sources { if let srt = s.srt { out.sample(name, ["source": s.id], value(srt)) } }
        }
        renderLinks(snapshot, into: &out)

        out.family("relay_sink_connected", "gauge", "1 when the headquarters sink is receiving")
        for k in snapshot.sinks { out.sample("relay_sink_connected", ["sink": k.id, "mode": k.mode.rawValue], k.connected ? 1 : 0) }
        let sinkValues: [(String, String, (SinkStatus) -> Double)] = [
            ("relay_sink_bytes_total", "counter", { Double($0.bytesSent) }),
            ("relay_sink_bitrate_bits_per_second", "gauge", { Double($0.bitrateBitsPerSecond) }),
            ("relay_sink_queue_dropped_payloads_total", "counter", { Double($0.droppedPayloads) }),
            ("relay_sink_dropped_packets_total", "counter", { Double($0.packetsDropped) }),
            ("relay_sink_retransmitted_packets_total", "counter", { Double($0.packetsRetransmitted) }),
            ("relay_sink_loss_packets_total", "counter", { Double($0.packetsLost) }),
            ("relay_sink_reconnects_total", "counter", { Double($0.reconnects) }),
            ("relay_sink_failed_attempts_total", "counter", { Double($0.failedAttempts) }),
            ("relay_sink_readers", "gauge", { Double($0.readers.count) }),
        ]
        for (name, type, value) in sinkValues {
            out.family(name, type, "Headquarters sink delivery")
            for k in snapshot.sinks { out.sample(name, ["sink": k.id], value(k)) }
        }
        out.family("relay_sink_rtt_milliseconds", "gauge", "SRT round-trip time to the headquarters")
        for k in snapshot.sinks { if let rtt = k.rttMilliseconds { out.sample("relay_sink_rtt_milliseconds", ["sink": k.id], rtt) } }

        out.family("relay_readers", "gauge", "Connected readers of all resources")
        out.sample("relay_readers", [:], Double(snapshot.readers.count))
        out.family("relay_reader_stall_disconnects_total", "counter", "Readers disconnected because they stalled")
        out.sample("relay_reader_stall_disconnects_total", [:], Double(snapshot.stalledReaderDisconnects))
        out.family("relay_srt_refusals_total", "counter", "Callers refused, by Access Control reject code")
        for (code, count) in snapshot.refusals.sorted(by: { $0.key < $1.key }) { out.sample("relay_srt_refusals_total", ["code": code], Double(count)) }
        out.family("relay_srt_pending_handshakes", "gauge", "Callers past the listen callback whose SRT handshake has not completed")
        out.sample("relay_srt_pending_handshakes", [:], Double(snapshot.pendingHandshakes))
        out.family("relay_srt_abandoned_handshakes_total", "counter", "Callers past the listen callback whose SRT handshake never completed")
        out.sample("relay_srt_abandoned_handshakes_total", [:], Double(snapshot.abandonedHandshakes))
        return out.text
    }
}

extension PrometheusText {
    /// Each link's health as the control room shows it: latency, loss, too-late drops, FEC, and
    /// the latency recommended once packets were dropped as too late.
    static func renderLinks(_ snapshot: RelaySnapshot, into out: inout MetricWriter) {
        let linkValues: [(String, String, String, (LinkStatistics) -> Double?)] = [
            ("latency_milliseconds", "gauge", "SRT latency the link's ends agreed on", { Double($0.latencyMilliseconds) }),
            ("loss_percent", "gauge", "Packets found missing per 100 since the link connected", { $0.lossPercent }),
            ("too_late_drops_total", "counter", "Packets given up as too late on the link", { Double($0.tooLateDrops) }),
            ("fec_recovered_packets_total", "counter", "Packets the FEC filter rebuilt", { Double($0.fecRecoveredPackets) }),
            ("recommended_latency_milliseconds", "gauge", "Latency recommended after too-late drops", { $0.advice.map { Double($0.recommendedMilliseconds) } }),
        ]
        for (suffix, type, help, value) in linkValues {
            out.family("relay_source_link_" + suffix, type, help + " (publisher)")
            for s in snapshot.sources { if let link = s.link, let v = value(link) { out.sample("relay_source_link_" + suffix, ["source": s.id], v) } }
            out.family("relay_sink_link_" + suffix, type, help + " (headquarters sink)")
            for k in snapshot.sinks { if let link = k.link, let v = value(link) { out.sample("relay_sink_link_" + suffix, ["sink": k.id], v) } }
        }
    }

    /// Where the process's memory is: mapped for decoded pictures (`PictureMemory`), all decoders
    /// together, and held by the allocator (`Allocator`), if the process runs on jemalloc.
    static func renderMemory(allocator: Allocator.Statistics? = Allocator.statistics()) -> String {
        var out = MetricWriter()
        out.family("relay_picture_memory_bytes", "gauge", "Bytes mapped for decoded pictures by every decoder of the program, thumbnails and picture health")
        out.sample("relay_picture_memory_bytes", [:], Double(PictureMemory.mappedBytes))
        if let allocator {
            out.family("relay_allocator_bytes", "gauge", "Bytes held by the memory allocator: allocated (in use), active (their pages), resident (in RAM, free pages not yet returned included), retained (mapped, not in RAM)")
            for (kind, bytes) in [("allocated", allocator.allocated), ("active", allocator.active), ("resident", allocator.resident), ("retained", allocator.retained)] {
                out.sample("relay_allocator_bytes", ["kind": kind], Double(bytes))
            }
        }
        return out.text
    }

    /// The demuxers' drops: bytes of a resource's stream dropped because its demuxer (which
    /// feeds the thumbnails) fell behind.
    static func render(demuxDroppedBytes: [String: Int]) -> String {
        var out = MetricWriter()
        out.family("relay_demux_dropped_bytes_total", "counter", "Bytes dropped because the resource's demuxer fell behind")
        for (resource, bytes) in demuxDroppedBytes.sorted(by: { $0.key < $1.key }) {
            out.sample("relay_demux_dropped_bytes_total", ["resource": resource], Double(bytes))
        }
        return out.text
    }
}

/// Accumulates exposition lines with escaped label values.
struct MetricWriter {
    var text = ""

    mutating func family(_ name: String, _ type: String, _ help: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    mutating func sample(_ name: String, _ labels: [String: String], _ value: Double) {
        let labelText = labels.sorted { $0.key < $1.key }.map { key, value -> String in
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
            return "\(key)=\"\(escaped)\""
        }.joined(separator: ",")
        let rendered = value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        text += labels.isEmpty ? "\(name) \(rendered)\n" : "\(name){\(labelText)} \(rendered)\n"
    }
}
