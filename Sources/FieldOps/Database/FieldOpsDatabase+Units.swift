import Foundation
import GRDB

/// A unit to register, with its members.
public struct NewUnit: Sendable {
    /// Radio callsign, unique.
    public var callsign: String
    /// Home base.
    public var homeBase: String
    /// Members and their qualifications.
    public var members: [NewMember]

    /// Creates the input.
    public init(callsign: String, homeBase: String, members: [NewMember] = []) {
        self.callsign = callsign
        self.homeBase = homeBase
        self.members = members
    }
}

/// A member to register with a unit.
public struct NewMember: Sendable {
    /// Full name.
    public var name: String
    /// Qualifications.
    public var qualifications: [String]

    /// Creates the input.
    public init(name: String, qualifications: [String] = []) {
        self.name = name
        self.qualifications = qualifications
    }
}

/// A unit with its members, as read.
public struct UnitDetail: Sendable, Equatable {
    /// The unit.
    public var unit: FieldUnit
    /// Its members, by name.
    public var members: [UnitMember]
}

extension FieldOpsDatabase {
    /// Registers a unit and its members in one transaction.
    public func createUnit(_ input: NewUnit, by actor: String) async throws -> UnitDetail {
        let callsign = try requireText(input.callsign, field: "callsign")
        let homeBase = try requireText(input.homeBase, field: "home_base")
        for (index, member) in input.members.enumerated() {
            _ = try requireText(member.name, field: "members[\(index)].name")
        }
        return try await write(by: actor) { tx in
            if try tx.sql.integer("SELECT COUNT(*) AS value FROM unit WHERE callsign = ?", [callsign]) ?? 0 > 0 {
                throw FieldOpsError.invalid(field: "callsign", message: "\(callsign) is already registered")
            }
            let unit = try tx.insert(FieldUnit(id: nil, callsign: callsign, homeBase: homeBase, version: 1))
            let unitId = try unit.primaryKeyValue()
            let members = try input.members.map { member in
                try tx.insert(UnitMember(id: nil, unitId: unitId, name: member.name, qualifications: member.qualifications))
            }
            return UnitDetail(unit: unit, members: members)
        }
    }

    /// Units by callsign.
    public func units(page: Page) async throws -> [UnitDetail] {
        try await read { sql in
            let units = try sql.fetchAll(FieldUnit.self, "SELECT * FROM unit ORDER BY callsign LIMIT ? OFFSET ?", [page.limit, page.offset])
            return try units.map { unit in
                UnitDetail(unit: unit, members: try Self.members(sql, unitId: unit.id ?? 0))
            }
        }
    }

    /// One unit with its members.
    public func unit(id: Int64) async throws -> UnitDetail {
        try await read { sql in
            guard let unit = try sql.record(FieldUnit.self, id: id) else { throw FieldOpsError.notFound(entity: "unit", id: id) }
            return UnitDetail(unit: unit, members: try Self.members(sql, unitId: id))
        }
    }

    /// A unit's members by name.
    static func members(_ sql: any FieldOpsSQL, unitId: Int64) throws -> [UnitMember] {
        try sql.fetchAll(UnitMember.self, "SELECT * FROM unitMember WHERE unitId = ? ORDER BY name, id", [unitId])
    }
}

/// Trimmed, non-empty text, or an error naming the field.
func requireText(_ text: String, field: String) throws(FieldOpsError) -> String {
    guard let trimmed = text.trimmedOrNil else { throw .invalid(field: field, message: "must not be empty") }
    guard trimmed.count <= 2000 else { throw .invalid(field: field, message: "is longer than 2000 characters") }
    return trimmed
}
