@testable import relayd

extension RelaydConfiguration {
    /// Every error the configuration check reports for `yaml`, as `path: message` lines; empty
    /// when it is valid.
    static func errors(in yaml: String) -> [String] {
        do {
            _ = try parse(yaml: yaml)
            return []
        } catch let error as InvalidConfiguration {
            return error.errors.map(\.description)
        } catch {
            return ["\(error)"]
        }
    }
}
