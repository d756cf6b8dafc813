import CSRT

/// A failed libsrt call: which call, libsrt's error code and message, and for refused
/// connections the reject reason the listener gave.
public struct SRTError: Error, CustomStringConvertible, Sendable {
    /// The libsrt function that failed.
    public var call: String
    /// libsrt's error code (`SRT_ERRNO`).
    public var code: Int32
    /// libsrt's message for the code.
    public var message: String
    /// For a refused connect: the reject reason (below 1000: libsrt's own, 1000 and up: the
    /// listener's Access Control code).
    public var rejectReason: Int32?

    /// Reads libsrt's last error. Must be called in the same synchronous function as the failing
    /// call, on the same thread, because libsrt keeps it per thread.
    static func last(_ call: String, socket: SRTSOCKET? = nil) -> SRTError {
        let code = srt_getlasterror(nil)
        let message = String(cString: srt_getlasterror_str())
        var reason: Int32?
        if let socket, code == Int32(SRT_ECONNREJ.rawValue) { reason = srt_getrejectreason(socket) }
        srt_clearlasterror()
        return SRTError(call: call, code: code, message: message, rejectReason: reason)
    }

    /// True when the call would have blocked: try again later.
    var wouldBlock: Bool {
        code == Int32(SRT_EASYNCSND.rawValue) || code == Int32(SRT_EASYNCRCV.rawValue)
            || code == Int32(SRT_EASYNCFAIL.rawValue)
    }

    public var description: String {
        var text = "\(call): \(message) (\(code))"
        if let rejectReason {
            text += ", rejected with \(rejectReason)"
            if let known = RejectCode(rawValue: rejectReason) { text += " (\(known))" }
        }
        return text
    }
}
