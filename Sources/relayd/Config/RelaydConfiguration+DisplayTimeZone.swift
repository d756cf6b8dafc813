import Foundation

/// The time zone people read times in on relayd's pages. Times are stored and sent in UTC; the
/// pages convert them and name the zone beside them.
///
/// ```yaml
/// http:
///   display_time_zone: Asia/Tokyo   # an IANA name; the default
/// ```
struct DisplayTimeZone: Sendable, Equatable {
    /// The IANA name, as browsers' `Intl.DateTimeFormat` take it.
    var identifier: String
    var timeZone: TimeZone

    /// Japan Standard Time, where the control room and the coordinators work.
    init() {
        identifier = "Asia/Tokyo"
        timeZone = TimeZone(identifier: identifier) ?? TimeZone(secondsFromGMT: 9 * 3600) ?? .gmt
    }

    /// Nil for a name the time-zone database does not know.
    init?(identifier: String) {
        guard let timeZone = TimeZone(identifier: identifier) else { return nil }
        self.identifier = timeZone.identifier
        self.timeZone = timeZone
    }
}

extension RelaydConfiguration {
    static func readDisplayTimeZone(_ http: ConfigNode) -> DisplayTimeZone {
        guard let name = http.string("display_time_zone") else { return DisplayTimeZone() }
        guard let zone = DisplayTimeZone(identifier: name) else {
            http.child("display_time_zone").error("must be an IANA time zone name such as Asia/Tokyo or UTC, got \"\(name)\"")
            return DisplayTimeZone()
        }
        return zone
    }
}
