/// An operator request the relay thread applies between socket events. Each carries the reply
/// it calls exactly once: true when it found what it was asked to act on.
enum RelayCommand: Sendable {
    case kickReader(Int32, reply: @Sendable (Bool) -> Void)
    case kickPublisher(String, reply: @Sendable (Bool) -> Void)
}

extension RelayCommand {
    /// Answers "not found" without acting (the relay has stopped).
    func refuse() {
        switch self {
        case .kickReader(_, let reply), .kickPublisher(_, let reply): reply(false)
        }
    }
}
