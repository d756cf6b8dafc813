/// Where the fan-out hands a resource's payloads. An SRT reader (a caller, or a push sink's
/// connection once made) is one; another kind of delivery (an RTMP push, a recorder) joins by
/// conforming and being attached to the resource's `ResourceFanout`, with no change to the loop.
///
/// Called on the relay thread for every payload: a target queues and sends without blocking, and
/// a slow one only ever loses its own data.
protocol DeliveryTarget: AnyObject {
    /// Starts on the resource: on its cached GOP when there is a whole one (and the cache is
    /// used), otherwise on the next keyframe.
    func join(_ gop: GOPCache, programTables: [UInt8], useCache: Bool, now: ContinuousClock.Instant) throws(DeliveryFailure)
    /// The resource's stream starts over (a new publisher, another source on the program): the
    /// target resumes on the next keyframe, with that stream's tables.
    func restartOnNextKeyframe()
    /// One payload of the resource. `keyframeOffset` is where a video keyframe starts in it;
    /// `programTables` are the stream's PAT and PMT, sent ahead of the first keyframe.
    func deliver(
        _ payload: ArraySlice<UInt8>, keyframeOffset: Int?, programTables: [UInt8], now: ContinuousClock.Instant
    ) throws(DeliveryFailure)
}

/// Why a target can take no more payloads; the fan-out detaches it.
struct DeliveryFailure: Error {
    var reason: String
}
