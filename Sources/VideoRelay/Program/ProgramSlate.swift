import CFFmpeg

/// The slate on air: its picture changes once a second (the clock), so each new picture is
/// encoded as a keyframe by an encoder of its own and the pictures in between are skip
/// pictures that repeat it for a few bytes each. Program thread only.
final class ProgramSlate {
    private let renderer: SlateRenderer
    private let profile: ProgramProfile
    /// Set up for a stream skip pictures can follow (CAVLC, no weighted prediction).
    private var encoder: Encoder?
    /// Skip pictures matching the encoder's stream (nil until its first keyframe, or if its
    /// stream does not allow them: the encoder then encodes every picture).
    private var skips: SkipPictures?
    private var picturesSinceKeyframe = 0

    init(configuration: ProgramConfiguration) throws(FFmpegError) {
        profile = configuration.profile
        renderer = try SlateRenderer(clipPath: configuration.slatePath, profile: configuration.profile, font: configuration.font)
    }

    /// False when the configured clip could not be used and the slate is a generated picture.
    var fromClip: Bool { renderer.fromClip }

    /// The slate's picture at `pts`, kept (for repeats once the slate is off air).
    func still(pts: Int64) throws(FFmpegError) -> Frame {
        try renderer.picture(pts: pts).newReference()
    }

    /// Encodes the slate picture at `pts` and hands its packets to `write`: a keyframe when the
    /// slate goes on air (`keyframe`), when its picture changed and at least once per GOP; a
    /// skip picture otherwise. Returns the new picture when it changed.
    func encode(
        pts: Int64, keyframe: Bool, streamIndex: Int32, write: (Packet) -> Void
    ) throws(FFmpegError) -> Frame? {
        let drawnBefore = renderer.picturesDrawn
        let picture = try renderer.picture(pts: pts)
        let changed = renderer.picturesDrawn != drawnBefore
        let newPicture = changed ? try picture.newReference() : nil
        try encodeStill(picture, pts: pts, keyframe: keyframe || changed, streamIndex: streamIndex, write: write)
        return newPicture
    }

    /// Encodes a held picture (the program's last, repeated while its source sends none in
    /// time) the slate's way: a keyframe when `keyframe` (the first repeat of a hold, after
    /// pictures of another encoder) and once per GOP, skip pictures in between. Repeating a
    /// picture then costs next to nothing, which leaves a program that fell behind its source
    /// the time to catch up.
    func encodeHeld(_ picture: Frame, pts: Int64, keyframe: Bool, streamIndex: Int32, write: (Packet) -> Void) throws(FFmpegError) {
        try encodeStill(picture, pts: pts, keyframe: keyframe, streamIndex: streamIndex, write: write)
    }

    private func encodeStill(_ picture: Frame, pts: Int64, keyframe: Bool, streamIndex: Int32, write: (Packet) -> Void) throws(FFmpegError) {
        if let skips, !keyframe, picturesSinceKeyframe + 1 < profile.gopFrames {
            picturesSinceKeyframe += 1
            let packet = try Packet(copying: skips.picture(index: picturesSinceKeyframe))
            packet.pts = pts
            packet.dts = pts
            packet.streamIndex = streamIndex
            packet.duration = profile.frameTicks
            write(packet)
            return
        }
        if encoder == nil {
            // A still picture with text: the fastest preset loses nothing worth the cycles.
            var options = profile.x264Options
            options["preset"] = "ultrafast"
            options["x264-params"] = [options["x264-params"], "cabac=0:weightp=0"].compactMap { $0 }.joined(separator: ":")
            encoder = try Encoder.h264(profile: profile, options: options)
        }
        guard let encoder else { return }
        // Without skip pictures (a stream they cannot follow) the encoder makes every picture,
        // keyframes only where needed.
        let startsGOP = keyframe || skips == nil && picturesSinceKeyframe + 1 >= profile.gopFrames
        picture.pts = pts
        picture.pointer.pointee.pict_type = startsGOP || skips != nil ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE
        try encoder.send(picture)
        try encoder.receivePackets(streamIndex: streamIndex, duration: profile.frameTicks) { packet in
            if packet.isKeyframe {
                picturesSinceKeyframe = 0
                if skips == nil { skips = SkipPictures(keyframe: packet.bytes) }
            } else {
                picturesSinceKeyframe += 1
            }
            write(packet)
        }
    }
}

extension Encoder {
    /// Hands each packet the encoder has ready to `body`, as packets of stream `streamIndex`
    /// lasting `duration` each.
    func receivePackets(streamIndex: Int32, duration: Int64, _ body: (Packet) -> Void) throws(FFmpegError) {
        while true {
            let packet = try Packet()
            guard try receive(into: packet) else { return }
            packet.streamIndex = streamIndex
            packet.duration = duration
            body(packet)
        }
    }
}
