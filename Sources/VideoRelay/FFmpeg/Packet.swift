import CFFmpeg

/// An owned AVPacket (reference-counted payload). Freed in deinit: freeing is cheap and cannot
/// fail.
public final class Packet: @unchecked Sendable {
    // @unchecked: a packet has one owner at a time; it is handed from the demux thread to the
    // program thread through a locked queue and never touched by the sender afterwards.
    let pointer: UnsafeMutablePointer<AVPacket>

    init() throws(FFmpegError) {
        guard let packet = av_packet_alloc() else { throw .null("av_packet_alloc") }
        pointer = packet
    }

    deinit {
        var packet: UnsafeMutablePointer<AVPacket>? = pointer
        av_packet_free(&packet)
    }

    /// A packet holding a copy of `bytes`.
    convenience init(copying bytes: [UInt8]) throws(FFmpegError) {
        try self.init()
        try check(av_new_packet(pointer, Int32(bytes.count)), "av_new_packet")
        bytes.withUnsafeBytes { source in
            guard let data = pointer.pointee.data, let base = source.baseAddress else { return }
            data.update(from: base.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        }
    }

    /// A new reference to the same payload with its own timestamps.
    func clone() throws(FFmpegError) -> Packet {
        let copy = try Packet()
        try check(av_packet_ref(copy.pointer, pointer), "av_packet_ref")
        return copy
    }

    var pts: Int64 {
        get { pointer.pointee.pts }
        set { pointer.pointee.pts = newValue }
    }
    var dts: Int64 {
        get { pointer.pointee.dts }
        set { pointer.pointee.dts = newValue }
    }
    var duration: Int64 {
        get { pointer.pointee.duration }
        set { pointer.pointee.duration = newValue }
    }
    var streamIndex: Int32 {
        get { pointer.pointee.stream_index }
        set { pointer.pointee.stream_index = newValue }
    }
    /// The packet's byte position in its input (nil when the demuxer does not know it).
    var position: Int64? { pointer.pointee.pos >= 0 ? pointer.pointee.pos : nil }
    var isKeyframe: Bool { pointer.pointee.flags & AV_PKT_FLAG_KEY != 0 }
    var size: Int { Int(pointer.pointee.size) }

    func unref() { av_packet_unref(pointer) }

    /// Bytes a payload buffer may hold beyond the payload (and libav's padding) before `compact`
    /// moves the payload into a buffer of its own size: a page.
    static let compactionSlack = 4096

    /// Gives the packet a buffer of its own size when the one it shares is much larger.
    ///
    /// libavformat's MPEG-TS demuxer reads each PES into a buffer from a pool, and a video PES
    /// that does not say its length (as encoders send them) gets a 200 KiB buffer whatever its
    /// size; the packet keeps that buffer for as long as anything holds it (a cached GOP, a
    /// queue to the program, a recording), and the pool keeps every buffer it ever handed out
    /// until the demuxer closes. A relay that held a few hundred 30 KiB pictures at its busiest
    /// moment thus held a few hundred 200 KiB buffers from then on. A copy costs a memcpy of the
    /// payload and returns the pool's buffer at once.
    func compact() throws(FFmpegError) {
        guard let shared = pointer.pointee.buf, let data = pointer.pointee.data,
            Int(shared.pointee.size) - size - Int(AV_INPUT_BUFFER_PADDING_SIZE) > Self.compactionSlack
        else { return }
        guard let owned = av_buffer_alloc(Int(size) + Int(AV_INPUT_BUFFER_PADDING_SIZE)) else { throw .null("av_buffer_alloc") }
        owned.pointee.data.update(from: data, count: size)
        (owned.pointee.data + size).initialize(repeating: 0, count: Int(AV_INPUT_BUFFER_PADDING_SIZE))
        var doomed: UnsafeMutablePointer<AVBufferRef>? = shared
        av_buffer_unref(&doomed)
        pointer.pointee.buf = owned
        pointer.pointee.data = owned.pointee.data
    }

    /// Reads the payload in place (empty when there is none).
    func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        guard let data = pointer.pointee.data, size > 0 else { return body(UnsafeBufferPointer(start: nil, count: 0)) }
        return body(UnsafeBufferPointer(start: data, count: size))
    }

    /// A packet with `bytes` as its payload and this one's timestamps, flags and stream.
    func replacingPayload(with bytes: [UInt8]) throws(FFmpegError) -> Packet {
        let copy = try Packet(copying: bytes)
        try check(av_packet_copy_props(copy.pointer, pointer), "av_packet_copy_props")
        copy.pointer.pointee.stream_index = pointer.pointee.stream_index
        return copy
    }

    /// A copy of the payload (an encoded JPEG, for instance).
    var bytes: [UInt8] {
        guard let data = pointer.pointee.data, size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }
}
