/// What a control-room account may do. Viewers watch; operators also cut and caption;
/// coordinators also write FieldOps records; admins may do everything (config, sinks, kicks).
enum Role: String, CaseIterable, Sendable, Codable {
    case viewer
    case `operator`
    case coordinator
    case admin

    /// Whether this role holds the rights of `required`. Operator and coordinator are separate
    /// branches above viewer: a coordinator cannot cut and an operator cannot log refuelling.
    func grants(_ required: Role) -> Bool {
        switch (self, required) {
        case (.admin, _): true
        case (_, .viewer): true
        default: self == required
        }
    }
}

/// A control-room account from the configuration's `accounts:` list.
struct Account: Sendable, Equatable {
    var name: String
    var role: Role
    /// How the account logs in from the page (`POST /api/session`).
    var passwordHash: PasswordHash?
    /// How scripts and the CLI authenticate (`Authorization: Bearer ...`).
    var tokenHash: TokenHash?

    /// Who acts when relayd runs open (loopback, no accounts): everything is allowed.
    static let local = Account(name: "local", role: .admin)
}
