/// The payloads of a source since its latest keyframe, so a reader that joins gets a picture at
/// once instead of waiting for the next keyframe.
struct GOPCache {
    private(set) var payloads: [ArraySlice<UInt8>] = []
    private(set) var bytes = 0
    /// False once the GOP outgrew the limit: a joiner then waits for the next keyframe rather
    /// than getting a GOP with its start cut off.
    private(set) var isComplete = false
    let limitBytes: Int

    init(limitBytes: Int) {
        self.limitBytes = limitBytes
    }

    /// Starts a new GOP with the payload that begins at a keyframe.
    mutating func start(with payload: ArraySlice<UInt8>) {
        payloads.removeAll(keepingCapacity: true)
        bytes = 0
        isComplete = true
        append(payload)
    }

    mutating func append(_ payload: ArraySlice<UInt8>) {
        guard isComplete else { return }
        bytes += payload.count
        if bytes > limitBytes {
            reset()
            return
        }
        payloads.append(payload)
    }

    mutating func reset() {
        payloads.removeAll()
        bytes = 0
        isComplete = false
    }
}
