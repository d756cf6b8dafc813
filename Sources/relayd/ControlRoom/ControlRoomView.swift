import Foundation
import VideoRelay

/// Everything the control-room page shows, in one value: sent whole on every change over the
/// event stream, and at `GET /api/control-room`.
struct ControlRoomView: Encodable, Equatable {
    var sources: [SourceStatus]
    var sinks: [SinkStatus]
    /// Nil when relayd runs without the program pipeline.
    var program: ProgramStatus?
    var preview: String?
    var captionHistory: [ControlRoomState.CaptionUse]
    var presets: [CaptionPreset]
    /// Resource ("program" or a source id) → the sequence number of its latest thumbnail, so
    /// the page reloads an image only when a new one exists.
    var thumbnails: [String: Int]
    /// The IANA time zone the page shows times in; times themselves are sent in UTC.
    var displayTimeZone: String
    /// FieldOps matters that can take a relay link off air, most urgent first.
    var fieldOpsAlerts: [FieldOpsAlert]
    /// Clip exports since relayd started, newest first, with their progress.
    var exports: [ClipExportJobs.Job] = []
    /// The latest picture-health states started and ended and format changes, oldest first.
    var healthEvents: [PictureHealthEvent] = []
    /// Grows whenever a recorded segment is added or deleted: the page then reads
    /// `GET /api/recordings` again (nil where nothing is recorded).
    var recordingRevision: Int? = nil
}

/// Reads the parts a `ControlRoomView` is made of.
struct ControlRoomSources: Sendable {
    let relay: Relay
    let program: ProgramPipeline?
    let state: ControlRoomState
    /// The latest thumbnail sequence number per resource (empty without thumbnails).
    var thumbnailSequences: @Sendable () -> [String: Int] = { [:] }
    /// FieldOps alerts for the header (nil where relayd runs without FieldOps, in tests).
    var fieldOpsAlerts: FieldOpsAlerts? = nil
    /// Clip export jobs (empty where nothing is recorded).
    var exports: @Sendable () -> [ClipExportJobs.Job] = { [] }
    /// Picture health of the sources (nil where nothing is watched).
    var health: PictureHealthMonitor? = nil
    /// The recorder's revision (nil where nothing is recorded).
    var recordingRevision: @Sendable () -> Int? = { nil }
    /// Upstream sites' delays and on-air state, from the stamps in the sources' pictures.
    var hops: HopDelayMonitor? = nil

    var view: ControlRoomView {
        let snapshot = relay.snapshot
        return ControlRoomView(
            sources: snapshot.sources(with: health, hops: hops), sinks: snapshot.sinks, program: program?.status, preview: state.preview,
            captionHistory: state.captionHistory, presets: program?.configuration.presets ?? [],
            thumbnails: thumbnailSequences(), displayTimeZone: state.displayTimeZone, fieldOpsAlerts: fieldOpsAlerts?.current ?? [],
            exports: exports(), healthEvents: health?.recentEvents ?? [], recordingRevision: recordingRevision())
    }

    /// The view with FieldOps alerts read again if they are due.
    func freshView() async -> ControlRoomView {
        await fieldOpsAlerts?.refreshIfDue()
        return view
    }
}
