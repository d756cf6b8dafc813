import Synchronization

/// The muxer's bytes, cut into relay payloads: whole 188-byte TS packets, at most 1316 bytes
/// (7 packets) each, with the SDT naming the site and the on-air source (`ServiceDescription`).
/// Written on the program thread, taken on the relay thread. Bounded: if nobody takes them the
/// oldest go.
final class ProgramOutput: ByteSink, Sendable {
    private struct State {
        var payloads: [[UInt8]] = []
        var queuedBytes = 0
        var carry: [UInt8] = []
        var totalBytes: UInt64 = 0
        var dropped = 0
        var service: ServiceDescription
    }

    private let state: Mutex<State>
    /// Told after each write, so the relay takes the payloads at once (see `ProgramFeed`).
    private let wakeReader = Callback()
    static let payloadLimit = 1316
    let limitBytes: Int

    /// - Parameter serviceProvider: the SDT's service provider (the site's name).
    init(limitBytes: Int = 8 << 20, serviceProvider: String = "relayd") {
        self.limitBytes = limitBytes
        state = Mutex(State(service: ServiceDescription(provider: serviceProvider, name: "slate")))
    }

    /// The SDT's service name from now on: the source on air, or "slate".
    func setServiceName(_ name: String) {
        state.withLock { $0.service.set(name: name) }
    }

    func write(_ bytes: UnsafeRawBufferPointer) {
        state.withLock { state in
            state.carry.append(contentsOf: bytes)
            state.totalBytes += UInt64(bytes.count)
            var start = 0
            while state.carry.count - start >= 188 {
                let whole = (state.carry.count - start) / 188 * 188
                let length = min(whole, Self.payloadLimit)
                for packet in stride(from: start, to: start + length, by: 188) { state.service.rewrite(&state.carry, at: packet) }
                state.payloads.append(Array(state.carry[start..<(start + length)]))
                state.queuedBytes += length
                start += length
            }
            state.carry.removeFirst(start)
            while state.queuedBytes > limitBytes, !state.payloads.isEmpty {
                state.queuedBytes -= state.payloads.removeFirst().count
                state.dropped += 1
            }
        }
        wakeReader()
    }

    /// Sets what `write` calls once the payloads are queued.
    func onWrite(_ wake: @escaping @Sendable () -> Void) {
        wakeReader.set(wake)
    }

    func take() -> [[UInt8]] {
        state.withLock { state in
            defer {
                state.payloads.removeAll(keepingCapacity: true)
                state.queuedBytes = 0
            }
            return state.payloads
        }
    }

    var totalBytes: UInt64 { state.withLock { $0.totalBytes } }
    /// Payloads dropped because nobody took them before the queue reached its limit.
    var droppedPayloads: UInt64 { state.withLock { UInt64($0.dropped) } }
}
