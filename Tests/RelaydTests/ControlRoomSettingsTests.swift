@testable import FieldOps
import Foundation
import Testing
@testable import relayd

/// The control room's display time zone (`http.display_time_zone`) and when a kit counts as
/// overdue for the header's FieldOps alerts.
struct ControlRoomSettingsTests {
    @Test func theDisplayTimeZoneDefaultsToTokyo() throws {
        let configuration = try RelaydConfiguration.parse(yaml: "http:\n  listen: 127.0.0.1:8080\n")
        #expect(configuration.displayTimeZone.identifier == "Asia/Tokyo")
        #expect(configuration.displayTimeZone.timeZone.secondsFromGMT() == 9 * 3600)
        #expect(RelaydConfiguration.embeddedDefault.displayTimeZone.identifier == "Asia/Tokyo")
    }

    @Test func aConfiguredDisplayTimeZoneIsTakenByItsIANAName() throws {
        let configuration = try RelaydConfiguration.parse(yaml: "http:\n  display_time_zone: Europe/London\n")
        #expect(configuration.displayTimeZone.identifier == "Europe/London")
    }

    @Test func anUnknownDisplayTimeZoneIsAnErrorNamingTheKey() throws {
        do {
            _ = try RelaydConfiguration.parse(yaml: "http:\n  display_time_zone: Mars/Olympus\n")
            Issue.record("an unknown time zone was accepted")
        } catch let error as InvalidConfiguration {
            #expect(error.errors.map(\.description).contains { $0.hasPrefix("http.display_time_zone: must be an IANA time zone name") })
        }
    }

    @Test(arguments: [
        (DeploymentState.cancelled, 0.0, true), (.closed, 0, true), (.demobilizing, 13 * 3600, true),
        (.demobilizing, 11 * 3600, false), (.active, 100 * 3600, false), (.mobilizing, 0, false),
    ])
    func aKitIsOverdueOnceItsDeploymentEndedOrHasBeenWindingDownTooLong(state: DeploymentState, secondsSinceChange: Double, overdue: Bool) {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let deployment = Deployment(
            id: 1, kind: .disaster, incidentName: "豪雨", location: "三好市", leadUnitId: 1, videoSources: [], state: state, version: 3,
            createdAt: now.addingTimeInterval(-200 * 3600), updatedAt: now.addingTimeInterval(-secondsSinceChange))
        #expect(FieldOpsAlerts.isOverdue(deployment, now: now) == overdue)
    }
}
