import ArgumentParser
import FieldOps
import Foundation
import Hummingbird
import Logging

/// `relayd fieldops serve-http`: serves only the FieldOps API and pages on loopback. Hidden:
/// it exists for the crash test and the benchmark, which need a process of their own that
/// they can kill or load without the video relay.
struct FieldOpsServeHTTPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve-http", abstract: "Serve only the FieldOps HTTP API on 127.0.0.1.", shouldDisplay: false)

    @Option(name: .customLong("data-dir"), help: "Directory holding fieldops.sqlite.")
    var dataDirectory = "relayd-data"

    @Option(help: "TCP port on 127.0.0.1; 0 picks a free one.")
    var port = 8081

    func run() async throws {
        var logger = Logger(label: "relayd.fieldops")
        logger.logLevel = .warning  // per-request logging would distort the benchmark
        let http = try FieldOpsHTTP(dataDirectory: URL(fileURLWithPath: dataDirectory, isDirectory: true), logger: logger)
        let router = Router()
        http.addRoutes(to: router)
        let application = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "relayd-fieldops"),
            onServerRunning: { channel in
                // The announced port is what a test waits for (port 0 picks a free one).
                // FileHandle writes unbuffered, so a parent reading the pipe sees the line at once.
                let line = "fieldops http listening on 127.0.0.1:\(channel.localAddress?.port ?? 0)\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            },
            logger: logger)
        try await application.runService()
    }
}
