import Foundation
import Logging
import ServiceLifecycle
import VideoRelay

/// For `relayd demo`: one ffmpeg per source pushing its sample clip in a loop over real SRT, as a
/// field team's encoder would. A unit whose ffmpeg exits is restarted after a pause.
struct SimulatedFieldUnits: Service {
    let mediaDirectory: String
    let srtAddress: HostPort
    let sources: [SourceConfiguration]
    var logger = Logger(label: "relayd.demo")
    /// How long a unit whose ffmpeg exited waits before it starts again.
    var restartPause: Duration = .seconds(2)

    func run() async throws {
        await withDiscardingTaskGroup { group in
            for source in sources {
                let clip = "\(mediaDirectory)/\(source.id).ts"
                guard FileManager.default.fileExists(atPath: clip) else {
                    logger.info("no sample clip for source, not simulated", metadata: ["source.id": "\(source.id)", "demo.clip": "\(clip)"])
                    continue
                }
                group.addTask { await keepPublishing(source: source, clip: clip, logger: logger) }
            }
        }
    }

    private func keepPublishing(source: SourceConfiguration, clip: String, logger: Logger) async {
        while !Self.stopping {
            let streamID = StreamID(resource: source.id, mode: .publish).text
            var url = "srt://\(srtAddress.host):\(srtAddress.port)?streamid=\(streamID)"
            if let passphrase = source.passphrase { url += "&passphrase=\(passphrase)" }
            let process: ChildProcess
            do {
                process = try ChildProcess(["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", clip, "-c", "copy", "-f", "mpegts", url])
            } catch {
                logger.info("cannot start ffmpeg for field unit", metadata: ["source.id": "\(source.id)", "demo.error": "\(error)"])
                return
            }
            logger.info("field unit publishing", metadata: ["source.id": "\(source.id)", "demo.pid": "\(process.pid)"])
            await withGracefulShutdownHandler {
                await withTaskCancellationHandler {
                    while process.isRunning && !Self.stopping {
                        try? await Task.sleep(for: .milliseconds(200))
                    }
                } onCancel: { process.terminate() }
            } onGracefulShutdown: { process.terminate() }
            process.terminate()
            let status = try? await process.waitForExit(timeout: .seconds(5))
            if Self.stopping { return }
            logger.info("field unit stopped, restarting", metadata: ["source.id": "\(source.id)", "demo.status": "\(status ?? -1)"])
            try? await Task.sleep(for: restartPause)
        }
    }

    /// relayd is shutting down or the service was cancelled: no unit starts again.
    private static var stopping: Bool { Task.isShuttingDownGracefully || Task.isCancelled }
}
