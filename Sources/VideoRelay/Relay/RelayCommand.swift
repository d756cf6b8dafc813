/// An operator request the relay thread applies between socket events. Each carries the reply
/// it calls exactly once: true when it found what it was asked to act on.
enum RelayCommand: Sendable {
    case kickReader(Int32, reply: @Sendable (Bool) -> Void)
    case kickPublisher(String, reply: @Sendable (Bool) -> Void)
    /// Holds a source off (refusing and disconnecting its publisher) or lets it publish again.
    case setSourceEnabled(String, Bool, reply: @Sendable (Bool) -> Void)
    /// Holds delivery to a sink (refusing and disconnecting its HQ) or resumes it.
    case setSinkEnabled(String, Bool, reply: @Sendable (Bool) -> Void)
}

extension RelayCommand {
    /// Answers "not found" without acting (the relay has stopped).
    func refuse() {
        switch self {
        case .kickReader(_, let reply), .kickPublisher(_, let reply), .setSourceEnabled(_, _, let reply),
             .setSinkEnabled(_, _, let reply):
            reply(false)
        }
    }
}
