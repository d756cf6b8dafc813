import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `relayd program ...`: operator commands against a running relayd's HTTP API.
struct ProgramCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "program",
        abstract: "Cut the program feed and put captions on air (talks to relayd's HTTP API).",
        subcommands: [ProgramCutCommand.self, ProgramCaptionCommand.self, ProgramStatusCommand.self])
}

/// Where the API is.
struct ProgramAPIOptions: ParsableArguments {
    @Option(help: "relayd's HTTP API (host:port or URL). With accounts configured, set RELAYD_TOKEN to an account's token.")
    var api: String = "127.0.0.1:8080"

    var baseURL: String { api.hasPrefix("http") ? api : "http://\(api)" }

    /// Sends a request; prints the answer; exits 1 on an error status.
    func send(_ method: String, _ path: String, body: [String: String]? = nil) async throws {
        guard let url = URL(string: baseURL + path) else { throw ValidationError("bad --api \(api)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = 15
        // With accounts configured the API needs a token (an account's `token_hash` in the config).
        if let token = ProcessInfo.processInfo.environment["RELAYD_TOKEN"], !token.isEmpty {
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        }
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let text = String(decoding: data, as: UTF8.self)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        if (200..<300).contains(status) {
            print(text)
        } else {
            FileHandle.standardError.write(Data("relayd answered \(status): \(text)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// `relayd program cut SOURCE`
struct ProgramCutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cut", abstract: "Cut the program to a source (on air from the next frame; with program.instant_cut false, at its next keyframe).")
    @OptionGroup var options: ProgramAPIOptions
    @Argument(help: "The source id, e.g. drone-1.") var source: String
    @Option(help: "Who cuts, for the record (default: $USER).") var by: String?

    func run() async throws {
        let who = by ?? ProcessInfo.processInfo.environment["USER"] ?? "cli"
        try await options.send("POST", "/api/program/cut", body: ["source": source, "by": who])
    }
}

/// `relayd program caption TEXT | --preset NAME | --clear`
struct ProgramCaptionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "caption", abstract: "Put a caption on air, or take it off with --clear.")
    @OptionGroup var options: ProgramAPIOptions
    @Argument(help: "The caption text (shown literally).") var text: String?
    @Flag(help: "Take the caption off air.") var clear = false
    @Option(help: "A configured preset to put on air.") var preset: String?
    @Option(help: "bottom or top.") var position: String = "bottom"
    @Option(help: "label, banner or note.") var style: String = "label"

    func validate() throws {
        let given = [text != nil, clear, preset != nil].filter { $0 }.count
        guard given == 1 else { throw ValidationError("give exactly one of TEXT, --preset NAME or --clear") }
    }

    func run() async throws {
        if clear {
            try await options.send("DELETE", "/api/program/caption")
        } else if let preset {
            try await options.send("PUT", "/api/program/caption", body: ["preset": preset])
        } else if let text {
            try await options.send("PUT", "/api/program/caption", body: ["text": text, "position": position, "style": style])
        }
    }
}

/// `relayd program status`
struct ProgramStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the program: on air, mode, caption, sources.")
    @OptionGroup var options: ProgramAPIOptions

    func run() async throws { try await options.send("GET", "/api/program") }
}
