import Foundation
import Synchronization
import VideoRelay

/// What the control room shares between operators that the program itself does not hold: the
/// source in preview (green tally) and the captions recently put on air.
final class ControlRoomState: Sendable {
    /// A caption as it went on air, for the captions panel's history.
    struct CaptionUse: Sendable, Codable, Equatable {
        var text: String
        var position: Caption.Position
        var style: Caption.Style
        var preset: String?
        var by: String
        var at: Date
    }

    /// How many captions the history keeps.
    static let historyLength = 12

    private let state = Mutex<(preview: String?, captions: [CaptionUse])>((nil, []))

    /// The time zone the page shows times in, an IANA name (`http.display_time_zone`).
    let displayTimeZone: String

    /// Signalled whenever something the control room shows changes: this state, the relay's
    /// snapshot, the program's status, FieldOps data. The event stream waits on it.
    let changes = ChangeSignal(0)

    init(displayTimeZone: String = DisplayTimeZone().identifier) {
        self.displayTimeZone = displayTimeZone
    }

    /// The source in preview, if an operator chose one.
    var preview: String? { state.withLock { $0.preview } }

    /// Recent captions, newest first.
    var captionHistory: [CaptionUse] { state.withLock { $0.captions } }

    func setPreview(_ source: String?) {
        state.withLock { $0.preview = source }
        changes.signal()
    }

    /// Notes a caption put on air. Putting the same text on again moves it to the top.
    func noteCaption(_ caption: Caption, preset: String?, by: String, at: Date = Date()) {
        state.withLock { state in
            state.captions.removeAll { $0.text == caption.text && $0.position == caption.position && $0.style == caption.style }
            state.captions.insert(CaptionUse(text: caption.text, position: caption.position, style: caption.style, preset: preset, by: by, at: at), at: 0)
            if state.captions.count > Self.historyLength { state.captions.removeLast(state.captions.count - Self.historyLength) }
        }
        changes.signal()
    }
}
