import CFFmpeg

/// A failed libav* call: the code it returned, which call it was, and av_strerror's message,
/// read right where the call failed.
public struct FFmpegError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The negative AVERROR code (or -1 when the call returned a null pointer).
    public var code: Int32
    /// The C function that failed.
    public var call: String
    /// av_strerror's text for `code`, or what was missing.
    public var message: String

    public init(code: Int32, call: String, message: String) {
        self.code = code
        self.call = call
        self.message = message
    }

    /// The error for an AVERROR code.
    init(code: Int32, call: String) {
        var buffer = [CChar](repeating: 0, count: 128)
        if av_strerror(code, &buffer, buffer.count) < 0 {
            self.init(code: code, call: call, message: "error \(code)")
        } else {
            self.init(code: code, call: call, message: String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
    }

    /// A call that returned no object (allocation failure or unknown name).
    static func null(_ call: String, _ what: String = "returned NULL") -> FFmpegError {
        FFmpegError(code: -1, call: call, message: what)
    }

    public var description: String { "\(call) failed: \(message) (\(code))" }

    /// Whether this is AVERROR_EOF.
    var isEndOfFile: Bool { code == cffmpeg_averror_eof() }
}

/// Throws for a negative libav* return value; passes non-negative values through.
@discardableResult
func check(_ code: Int32, _ call: String) throws(FFmpegError) -> Int32 {
    if code < 0 { throw FFmpegError(code: code, call: call) }
    return code
}

/// libav*'s "no timestamp" value.
let noTimestamp: Int64 = cffmpeg_nopts_value()
