import ArgumentParser

/// relayd: the video relay daemon and its command-line tools.
@main
struct Relayd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relayd",
        abstract: "Relay live field video over SRT and track field units.",
        subcommands: [ServeCommand.self, DemoCommand.self, CheckConfigCommand.self, ProbeCommand.self, AuditTrailCommand.self, RecordingCommand.self, ProgramCommand.self, FieldOpsCommand.self, HashPasswordCommand.self, FuzzCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
