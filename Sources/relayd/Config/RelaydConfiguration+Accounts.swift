/// The `accounts:` list: who may use the control room and the HTTP API, and with which role.
/// (The `users:` list is something else: SRT users of the relay.)
///
/// ```yaml
/// accounts:
///   - name: sato
///     role: operator          # viewer | operator | coordinator | admin
///     password_hash: pbkdf2-sha256$210000$...$...   # relayd hash-password
///   - name: ingest-script
///     role: viewer
///     token_hash: sha256$...                        # relayd hash-password --token
/// ```
extension RelaydConfiguration {
    static func readAccounts(_ root: ConfigNode) -> [Account] {
        let accounts = root.list("accounts").map(readAccount)
        let names = accounts.map(\.name)
        for (index, name) in names.enumerated() where !name.isEmpty && names.firstIndex(of: name) != index {
            root.child("accounts").error("[\(index)].name \"\(name)\" appears more than once")
        }
        // A bearer token names one account; shared, it would log in as whichever came last.
        // The hashes are compared: equal hashes are the same token.
        for (index, account) in accounts.enumerated() {
            guard let token = account.tokenHash, let first = accounts.firstIndex(where: { $0.tokenHash == token }), first != index else { continue }
            root.child("accounts").error(
                "[\(index)].token_hash is the same token as [\(first)].token_hash: accounts \"\(accounts[first].name)\" and \"\(account.name)\" share one bearer token; give each its own (relayd hash-password --token)")
        }
        return accounts
    }

    private static func readAccount(_ node: ConfigNode) -> Account {
        let name = node.requiredString("name") ?? ""
        if !name.isEmpty, name.contains(where: { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }) {
            node.child("name").error("may hold only letters, digits, -, _ and ., got \"\(name)\"")
        }
        let roleText = node.requiredString("role") ?? ""
        let role = Role(rawValue: roleText)
        if role == nil && !roleText.isEmpty {
            node.child("role").error("must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(roleText)\"")
        }
        var account = Account(name: name, role: role ?? .viewer)
        if let text = node.string("password_hash") {
            switch PasswordHash.parse(text) {
            case .success(let hash): account.passwordHash = hash
            case .failure(let error): node.child("password_hash").error(error.message)
            }
        }
        if let text = node.string("token_hash") {
            switch TokenHash.parse(text) {
            case .success(let hash): account.tokenHash = hash
            case .failure(let error): node.child("token_hash").error(error.message)
            }
        }
        if !node.child("password_hash").isPresent && !node.child("token_hash").isPresent {
            node.error("needs a password_hash or a token_hash (see relayd hash-password)")
        }
        node.rejectUnknownKeys()
        return account
    }

    /// The HTTP API is reachable only from this machine unless accounts protect it.
    static func crossCheckAccounts(_ configuration: RelaydConfiguration, root: ConfigNode) {
        if configuration.accounts.isEmpty && !configuration.httpListen.isLoopback {
            root.child("http").child("listen").error(
                "\(configuration.httpListen) is beyond loopback, but no accounts are configured; add accounts (see relayd hash-password) or bind it to 127.0.0.1")
        }
    }
}
