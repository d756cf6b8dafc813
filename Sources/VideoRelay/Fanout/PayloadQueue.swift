/// A reader's own bounded queue of SRT payloads. When full, the oldest payloads go first and are
/// counted, so a slow reader only ever loses its own data.
struct PayloadQueue {
    private var payloads: [ArraySlice<UInt8>] = []
    private var head = 0
    /// Bytes currently queued.
    private(set) var bytes = 0
    /// Payloads dropped because the queue was full.
    private(set) var droppedPayloads = 0
    let capacityBytes: Int

    init(capacityBytes: Int) {
        self.capacityBytes = capacityBytes
    }

    var isEmpty: Bool { head == payloads.count }
    var count: Int { payloads.count - head }

    /// Appends a payload, dropping the oldest ones while over capacity.
    mutating func append(_ payload: ArraySlice<UInt8>) {
        payloads.append(payload)
        bytes += payload.count
        while bytes > capacityBytes && !isEmpty {
            _ = popFirst()
            droppedPayloads += 1
        }
    }

    var first: ArraySlice<UInt8>? { isEmpty ? nil : payloads[head] }

    @discardableResult
    mutating func popFirst() -> ArraySlice<UInt8>? {
        guard !isEmpty else { return nil }
        let payload = payloads[head]
        payloads[head] = []
        head += 1
        bytes -= payload.count
        // Reclaim the consumed prefix once it dominates, keeping appends amortised O(1).
        if head > 64 && head * 2 > payloads.count {
            payloads.removeFirst(head)
            head = 0
        }
        return payload
    }
}
