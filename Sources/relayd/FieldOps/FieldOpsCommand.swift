import ArgumentParser

/// `relayd fieldops ...`: the coordinators' common writes from the command line.
struct FieldOpsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fieldops",
        abstract: "Field units: deployments, kits, relay stations, generators and refuelling.",
        subcommands: [
            LogReadingCommand.self,
            KitCheckoutCommand.self,
            KitReturnCommand.self,
            MoveDeploymentCommand.self,
            AlertsCommand.self,
            MigrateCommand.self,
            CopyCommand.self,
        ]
    )
}
