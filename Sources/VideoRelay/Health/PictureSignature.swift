import Foundation

/// A keyframe reduced to what picture health compares: its luma averaged over a coarse grid of
/// cells (full range, 0...255). Cheap to make (the scaler does the averaging) and to compare,
/// and blind to the noise a re-encoded still frame picks up.
public struct PictureSignature: Sendable, Equatable {
    /// The grid the health thread scales keyframes to: 32 x 18 cells of a 16:9 picture.
    public static let columns = 32
    public static let rows = 18

    /// Cell lumas, row by row.
    public let cells: [UInt8]
    public let meanLuma: Double
    public let brightestCell: Double

    public init(cells: [UInt8]) {
        self.cells = cells
        meanLuma = cells.isEmpty ? 0 : Double(cells.reduce(0) { $0 + Int($1) }) / Double(cells.count)
        brightestCell = Double(cells.max() ?? 0)
    }

    /// Reads the cells from a luma plane of `width` x `height` samples, `stride` bytes a row.
    public init(luma: UnsafeBufferPointer<UInt8>, width: Int, height: Int, stride: Int) {
        var cells: [UInt8] = []
        cells.reserveCapacity(width * height)
        for row in 0..<height {
            let start = row * stride
            guard start + width <= luma.count else { break }
            cells.append(contentsOf: luma[start..<(start + width)])
        }
        self.init(cells: cells)
    }

    /// The mean absolute difference of the cells, in luma steps; infinity when the grids differ
    /// in size (a new format is a new picture).
    public func difference(to other: PictureSignature) -> Double {
        guard cells.count == other.cells.count, !cells.isEmpty else { return .infinity }
        var total = 0
        for index in cells.indices { total += abs(Int(cells[index]) - Int(other.cells[index])) }
        return Double(total) / Double(cells.count)
    }
}

/// The peak level of decoded samples in dBFS: 0 for full scale, -infinity for digital silence.
public enum AudioLevel {
    /// From float samples (libav's `flt`/`fltp`, full scale 1.0).
    public static func peak(floats: UnsafeBufferPointer<Float>) -> Double {
        decibels(floats.reduce(Float(0)) { max($0, abs($1)) })
    }

    /// From 16-bit samples (`s16`/`s16p`).
    public static func peak(int16s: UnsafeBufferPointer<Int16>) -> Double {
        let peak = int16s.reduce(0) { max($0, abs(Int($1))) }
        return decibels(Float(peak) / 32768)
    }

    static func decibels(_ amplitude: Float) -> Double {
        amplitude > 0 ? 20 * log10(Double(amplitude)) : -.infinity
    }
}
