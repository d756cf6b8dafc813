import Yams

/// Reads a YAML document key by key, remembering the path so every error names exactly where it
/// is (`sources[1].passphrase`), and collecting all errors instead of stopping at the first.
/// Keys nobody asked for are errors too: a typo must never be silently ignored.
final class ConfigNode {
    let path: String
    private let node: Node?
    private let errors: ConfigErrors
    private var readKeys: Set<String> = []

    init(_ node: Node?, path: String, errors: ConfigErrors) {
        self.node = node
        self.path = path
        self.errors = errors
    }

    private func childPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    var isPresent: Bool {
        guard let node else { return false }
        if case .scalar(let scalar) = node, scalar.string == "" || scalar.string == "~" || scalar.string == "null" { return false }
        return true
    }

    func error(_ message: String) { errors.add(path, message) }

    /// The text of a scalar value; nil for a mapping, a list or nothing.
    var scalarText: String? {
        guard isPresent, let node, case .scalar(let scalar) = node else { return nil }
        return scalar.string
    }

    /// The child mapping or scalar under a key.
    func child(_ key: String) -> ConfigNode {
        readKeys.insert(key)
        let value = node?.mapping?[Node(key)]
        return ConfigNode(value, path: childPath(key), errors: errors)
    }

    /// The elements of a sequence under a key.
    func list(_ key: String) -> [ConfigNode] {
        let child = child(key)
        guard child.isPresent, let node = child.node else { return [] }
        guard case .sequence(let sequence) = node else {
            child.error("must be a list")
            return []
        }
        return sequence.enumerated().map { ConfigNode($1, path: "\(child.path)[\($0)]", errors: errors) }
    }

    func string(_ key: String) -> String? {
        let child = child(key)
        guard child.isPresent, let node = child.node else { return nil }
        guard case .scalar(let scalar) = node else {
            child.error("must be text")
            return nil
        }
        return scalar.string
    }

    func requiredString(_ key: String) -> String? {
        let value = string(key)
        if value == nil || value?.isEmpty == true { errors.add(childPath(key), "is required") }
        return value
    }

    func int(_ key: String, default value: Int, range: ClosedRange<Int>) -> Int {
        let child = child(key)
        guard child.isPresent, let node = child.node else { return value }
        guard let int = node.int else {
            child.error("must be a whole number")
            return value
        }
        guard range.contains(int) else {
            child.error("must be between \(range.lowerBound) and \(range.upperBound), got \(int)")
            return value
        }
        return int
    }

    func bool(_ key: String, default value: Bool) -> Bool {
        let child = child(key)
        guard child.isPresent, let node = child.node else { return value }
        guard let bool = node.bool else {
            child.error("must be true or false")
            return value
        }
        return bool
    }

    func strings(_ key: String) -> [String] {
        list(key).compactMap { item in
            guard let node = item.node, case .scalar(let scalar) = node else {
                item.error("must be text")
                return nil
            }
            return scalar.string
        }
    }

    /// Reports every key present in this mapping that was never read. Call after reading.
    func rejectUnknownKeys() {
        guard let node else { return }
        guard let mapping = node.mapping else {
            if isPresent { error("must be a mapping of keys to values") }
            return
        }
        for key in mapping.keys {
            let name = key.string ?? "\(key)"
            if !readKeys.contains(name) {
                let known = readKeys.sorted().joined(separator: ", ")
                errors.add(childPath(name), "unknown key (known keys here: \(known))")
            }
        }
    }
}

/// Errors found while reading a configuration, each with the path of the key at fault.
final class ConfigErrors {
    private(set) var all: [ConfigError] = []

    func add(_ path: String, _ message: String) {
        all.append(ConfigError(path: path, message: message))
    }
}

/// One configuration error.
struct ConfigError: Error, Equatable, CustomStringConvertible {
    var path: String
    var message: String
    var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// A configuration that failed validation, with every error found.
struct InvalidConfiguration: Error, CustomStringConvertible {
    var errors: [ConfigError]
    var description: String {
        (["configuration has \(errors.count) error(s):"] + errors.map { "  \($0)" }).joined(separator: "\n")
    }
}
