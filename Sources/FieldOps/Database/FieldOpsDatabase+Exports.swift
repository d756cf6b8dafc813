import Foundation
import GRDB

extension FieldOpsDatabase {
    /// Fills in an ICS form for a deployment and operational period.
    ///
    /// - 211: one row per member of each unit whose check-in overlaps the period.
    /// - 214: the activity entries inside the period, in order.
    /// - 218: the kit loans to the deployment that overlap the period.
    public func icsForm(_ number: ICSFormNumber, deploymentId: Int64, period: OperationalPeriod) async throws -> ICSForm {
        let preparedAt = Date(unixSeconds: clock().unixSeconds)
        return try await read { sql in
            guard let deployment = try sql.record(Deployment.self, id: deploymentId) else {
                throw FieldOpsError.notFound(entity: "deployment", id: deploymentId)
            }
            let (columns, rows): ([ICSColumn], [[String]])
            switch number {
            case .checkInList: (columns, rows) = try Self.checkInRows(sql, deploymentId: deploymentId, period: period)
            case .activityLog: (columns, rows) = try Self.activityRows(sql, deploymentId: deploymentId, period: period)
            case .equipmentInventory: (columns, rows) = try Self.equipmentRows(sql, deploymentId: deploymentId, period: period)
            }
            return ICSForm(
                number: number, incidentName: deployment.incidentName, deploymentId: deploymentId, location: deployment.location,
                period: period, preparedAt: preparedAt, columns: columns, rows: rows)
        }
    }

    private static func checkInRows(_ sql: any FieldOpsSQL, deploymentId: Int64, period: OperationalPeriod) throws -> ([ICSColumn], [[String]]) {
        let columns = [
            ICSColumn(english: "Check-in time", japanese: "到着時刻"),
            ICSColumn(english: "Unit", japanese: "部隊"),
            ICSColumn(english: "Home base", japanese: "所属"),
            ICSColumn(english: "Name", japanese: "氏名"),
            ICSColumn(english: "Qualifications", japanese: "資格"),
            ICSColumn(english: "Assignment", japanese: "任務"),
            ICSColumn(english: "Check-out time", japanese: "撤収時刻"),
        ]
        let checkIns = try sql.fetchAll(DeploymentCheckIn.self, "SELECT * FROM deploymentCheckIn WHERE deploymentId = ? ORDER BY checkedInAt, id", [deploymentId])
            .filter { period.overlaps(start: $0.checkedInAt, end: $0.checkedOutAt) }
        var rows: [[String]] = []
        for checkIn in checkIns {
            guard let unit = try sql.record(FieldUnit.self, id: checkIn.unitId) else { continue }
            let members = try members(sql, unitId: checkIn.unitId)
            let lines = members.isEmpty ? [("", "")] : members.map { ($0.name, $0.qualifications.joined(separator: "; ")) }
            for (name, qualifications) in lines {
                rows.append([
                    ICSForm.timestamp(checkIn.checkedInAt), unit.callsign, unit.homeBase, name, qualifications,
                    checkIn.assignment, ICSForm.timestamp(checkIn.checkedOutAt),
                ])
            }
        }
        return (columns, rows)
    }

    private static func activityRows(_ sql: any FieldOpsSQL, deploymentId: Int64, period: OperationalPeriod) throws -> ([ICSColumn], [[String]]) {
        let columns = [
            ICSColumn(english: "Date/Time", japanese: "日時"),
            ICSColumn(english: "Author", japanese: "記録者"),
            ICSColumn(english: "Notable Activities", japanese: "主な活動"),
        ]
        let rows = try activityEntries(sql, deploymentId: deploymentId)
            .filter { period.contains($0.at) }
            .map { [ICSForm.timestamp($0.at), $0.author, $0.text] }
        return (columns, rows)
    }

    private static func equipmentRows(_ sql: any FieldOpsSQL, deploymentId: Int64, period: OperationalPeriod) throws -> ([ICSColumn], [[String]]) {
        let columns = [
            ICSColumn(english: "Kit", japanese: "資機材"),
            ICSColumn(english: "Kind", japanese: "種別"),
            ICSColumn(english: "Serial numbers", japanese: "製造番号"),
            ICSColumn(english: "Checked out", japanese: "貸出"),
            ICSColumn(english: "Checked out by", japanese: "貸出者"),
            ICSColumn(english: "Returned", japanese: "返却"),
            ICSColumn(english: "Missing on return", japanese: "返却時欠品"),
            ICSColumn(english: "Current state", japanese: "現状"),
        ]
        let loans = try sql.fetchAll(KitLoan.self, "SELECT * FROM kitLoan WHERE deploymentId = ? ORDER BY checkedOutAt, kitId, id", [deploymentId])
            .filter { period.overlaps(start: $0.checkedOutAt, end: $0.returnedAt) }
        var rows: [[String]] = []
        for loan in loans {
            guard let kit = try sql.record(Kit.self, id: loan.kitId) else { continue }
            let serials = try components(sql, kitId: loan.kitId).map(\.serial).joined(separator: "; ")
            rows.append([
                kit.name, kit.kind.rawValue, serials, ICSForm.timestamp(loan.checkedOutAt), loan.checkedOutBy,
                ICSForm.timestamp(loan.returnedAt), loan.missingOnReturn.joined(separator: "; "), kit.state.rawValue,
            ])
        }
        return (columns, rows)
    }
}
