import Foundation

/// The latest picture of a source or of the program, as a small JPEG.
public struct Thumbnail: Sendable, Equatable {
    /// The JPEG file's bytes.
    public var jpeg: [UInt8]
    public var width: Int
    public var height: Int
    /// When the keyframe it shows was decoded.
    public var capturedAt: Date
    /// Counts up with every new picture, one count over all resources (so a pass-through
    /// program's number changes on a cut too): a page reloads the image only when it changes.
    public var sequence: Int
    /// True once the resource has stopped sending: the picture is the last one seen, kept so
    /// the control room can show it greyed rather than blank.
    public var isStale: Bool
}

/// What the control room's event stream says about a resource's thumbnail: enough to know
/// whether to fetch it again.
public struct ThumbnailSummary: Sendable, Equatable, Encodable {
    public var seq: Int
    public var capturedAt: Date
    public var stale: Bool
}
