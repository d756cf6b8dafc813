/// The program's sound is a run of AAC frames of `frameSize` samples on one grid (positions that
/// are whole frames from the program's audio start). A source's coded frames can take the place
/// of the program's own only when they lie on that grid, so each source's sound is shifted by
/// less than half a frame (10.7 ms at 48 kHz, as a broadcast splicer aligns audio frames) to the
/// nearest grid point; its decoded sound is shifted the same, so copied and encoded frames say
/// the same thing at the same time. Pure (STYLE 10).
struct AudioFrameGrid: Equatable {
    let frameSize: Int64
    /// A frame this close to a grid point with its input's shift keeps that shift: timestamp
    /// rounding and jitter do not move a source's sound back and forth.
    let tolerance: Int64
    private var shifts: [String: Int64] = [:]

    init(frameSize: Int64, tolerance: Int64) {
        self.frameSize = frameSize
        self.tolerance = tolerance
    }

    /// The shift (samples, added) for a frame of `input` whose first sample belongs at `sample`:
    /// the input's shift while its frames land within `tolerance` of a grid point with it;
    /// otherwise (its first frame, or its sound jumped) the one to the nearest grid point.
    mutating func shift(forFrameAt sample: Int64, of input: String) -> Int64 {
        if let shift = shifts[input] {
            let moved = sample + shift
            let offGrid = moved - nearestGridPoint(to: moved)
            if abs(offGrid) <= tolerance { return shift - offGrid }
        }
        let shift = nearestGridPoint(to: sample) - sample
        shifts[input] = shift
        return shift
    }

    /// The input's sound ended or was reopened: its next frame chooses its shift afresh.
    mutating func forget(_ input: String) {
        shifts[input] = nil
    }

    func nearestGridPoint(to sample: Int64) -> Int64 {
        let below = sample >= 0 ? sample / frameSize * frameSize : -((-sample + frameSize - 1) / frameSize) * frameSize
        return sample - below < frameSize - (sample - below) ? below : below + frameSize
    }
}
