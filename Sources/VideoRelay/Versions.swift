import CFFmpeg
import CSRT

/// Versions of the C libraries linked into the relay, logged at start-up so an operator can
/// tell which libsrt and FFmpeg a running relayd carries.
public enum LibraryVersions {
    /// libsrt version as "major.minor.patch".
    public static var srt: String {
        let v = srt_getversion()
        return "\(v >> 16).\((v >> 8) & 0xff).\(v & 0xff)"
    }

    /// libavformat version as "major.minor.micro".
    public static var avformat: String {
        let v = avformat_version()
        return "\(v >> 16).\((v >> 8) & 0xff).\(v & 0xff)"
    }
}
