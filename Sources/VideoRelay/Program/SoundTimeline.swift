/// The program's sound on its sample clock, waiting to be encoded (STYLE 10: pure, no libav).
///
/// Decoded audio of the source on air is written at the sample its timestamp maps to on the
/// program timeline (the same mapping as the source's pictures), so sound and picture stay in
/// lip sync whatever the source's muxer interleaving or the encoders' delays: where nothing was
/// written there is silence. At a cut the old input's sound ends where the new input's first
/// picture is shown and the new input's sound starts there, with a short crossfade instead of a
/// click; the old input's sound that arrives after the cut (muxers send audio late) still
/// fills its part up to the cut. `take` hands out the samples in order.
///
/// Samples are planar stereo floats; positions count samples from the program's audio start.
/// Inputs are named by source id.
struct SoundTimeline: Equatable {
    /// Sound written this close to where the same input's previous sound ended continues it
    /// exactly: the resampler's rounding and the sources' timestamp jitter stay below it.
    let tolerance: Int64
    /// Sound written further ahead than this of what was taken has a timestamp that cannot be
    /// right (a source whose audio and video clocks disagree): it is dropped and counted.
    let maximumAhead: Int64
    /// Length of the fade out of the old input and into the new one at a cut.
    let crossfade: Int64

    /// The position of the next sample `take` hands out.
    private(set) var position: Int64 = 0
    /// Samples from `position` on, one slice per channel: `take` drops its samples from the
    /// front in constant time (an array would move everything still pending at every take, the
    /// more the further ahead the sources' sound is written).
    private(set) var pending: [ArraySlice<Float>] = [[], []]
    /// Samples dropped: before what was already taken, on the wrong side of a cut, from an
    /// input no longer heard, or too far ahead.
    private(set) var droppedSamples: Int64 = 0
    /// The input heard from `boundary` on (nil: none, the slate), and the one heard before it.
    private(set) var current: String?
    private(set) var previous: String?
    private(set) var boundary: Int64 = 0
    /// Where each input's latest sound ends.
    private var ends: [String: Int64] = [:]

    init(sampleRate: Int64, crossfadeMilliseconds: Int64 = 5) {
        tolerance = sampleRate / 200
        maximumAhead = sampleRate * 3
        crossfade = sampleRate * crossfadeMilliseconds / 1000
    }

    /// Where the written sound ends (`position` when nothing is pending).
    var end: Int64 { position + Int64(pending[0].count) }

    /// From `sample` on the program hears `input` (nil: silence). What the old input wrote from
    /// there on is dropped and its sound fades out up to there.
    mutating func cut(at sample: Int64, to input: String?) {
        let at = max(sample, position)
        let keep = Int(at - position)
        if keep < pending[0].count {
            for channel in pending.indices { pending[channel].removeSubrange((pending[channel].startIndex + keep)...) }
        }
        previous = current
        current = input
        boundary = at
        ends = ends.filter { $0.key == previous }.mapValues { min($0, at) }
        let fadeStart = max(at - crossfade, position)
        let fadeEnd = min(at, end)
        if fadeStart < fadeEnd {
            for index in fadeStart..<fadeEnd { scale(at: index, by: fade(at: index)) }
        }
    }

    /// Writes decoded samples of `input` (one array per channel, equal lengths) whose first
    /// sample belongs at `sample`. Returns where they were written (empty: nowhere).
    @discardableResult
    mutating func place(_ channels: [[Float]], at sample: Int64, from input: String) -> Range<Int64> {
        guard channels.count == pending.count, let count = channels.first.map({ Int64($0.count) }), count > 0 else { return 0..<0 }
        var start = sample
        if let last = ends[input], abs(start - last) <= tolerance { start = last }
        let lower: Int64
        let upper: Int64
        if input == current {
            (lower, upper) = (max(position, boundary), .max)
        } else if input == previous {
            (lower, upper) = (position, boundary)
        } else {
            droppedSamples += count
            return 0..<0
        }
        guard start - position <= maximumAhead else {
            droppedSamples += count
            return 0..<0
        }
        let first = max(start, lower)
        let last = min(start + count, upper)
        droppedSamples += count - max(last - first, 0)
        guard first < last else { return 0..<0 }
        let needed = Int(last - position) - pending[0].count
        if needed > 0 {
            for channel in pending.indices { pending[channel] += repeatElement(0, count: needed) }
        }
        for index in first..<last {
            let gain = fade(at: index)
            for channel in pending.indices {
                pending[channel][pending[channel].startIndex + Int(index - position)] = channels[channel][Int(index - start)] * gain
            }
        }
        ends[input] = last
        return first..<last
    }

    /// The one input heard, at full level, over all of `range`: nil when the range reaches
    /// into a crossfade, crosses the boundary, or lies where the program hears silence.
    func soleInput(over range: Range<Int64>) -> String? {
        if let current, range.lowerBound >= boundary + crossfade { return current }
        if let previous, range.upperBound <= boundary - crossfade { return previous }
        return nil
    }

    /// The next `count` samples (silence where nothing was written); moves `position` on.
    mutating func take(_ count: Int) -> [[Float]] {
        var out = pending.map { Array($0.prefix(count)) }
        for channel in pending.indices {
            pending[channel].removeFirst(out[channel].count)
            if out[channel].count < count { out[channel] += Array(repeating: 0, count: count - out[channel].count) }
        }
        position += Int64(count)
        return out
    }

    /// Moves `position` on by `count` samples without handing them out.
    mutating func skip(_ count: Int) {
        for channel in pending.indices { pending[channel].removeFirst(min(count, pending[channel].count)) }
        position += Int64(count)
    }

    /// The crossfade's gain at a position: falling to 0 over the last `crossfade` samples
    /// before the boundary, rising from it over the first ones after.
    private func fade(at index: Int64) -> Float {
        guard boundary > 0 || previous != nil else { return 1 }
        if index < boundary, index >= boundary - crossfade { return Float(boundary - 1 - index) / Float(crossfade) }
        if index >= boundary, index < boundary + crossfade { return Float(index - boundary + 1) / Float(crossfade + 1) }
        return 1
    }

    private mutating func scale(at index: Int64, by gain: Float) {
        for channel in pending.indices { pending[channel][pending[channel].startIndex + Int(index - position)] *= gain }
    }
}
