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
            if try FieldUnit.filter(FieldUnit.Columns.callsign == callsign).fetchCount(tx.db) > 0 {
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
        try await read { db in
            let units = try FieldUnit.order(FieldUnit.Columns.callsign).limit(page.limit, offset: page.offset).fetchAll(db)
            return try units.map { unit in
                let members = try UnitMember.filter(UnitMember.Columns.unitId == unit.id).order(UnitMember.Columns.name).fetchAll(db)
                return UnitDetail(unit: unit, members: members)
            }
        }
    }

    /// One unit with its members.
    public func unit(id: Int64) async throws -> UnitDetail {
        try await read { db in
            guard let unit = try FieldUnit.fetchOne(db, key: id) else { throw FieldOpsError.notFound(entity: "unit", id: id) }
            let members = try UnitMember.filter(UnitMember.Columns.unitId == id).order(UnitMember.Columns.name).fetchAll(db)
            return UnitDetail(unit: unit, members: members)
        }
    }
}

/// Trimmed, non-empty text, or an error naming the field.
func requireText(_ text: String, field: String) throws(FieldOpsError) -> String {
    guard let trimmed = text.trimmedOrNil else { throw .invalid(field: field, message: "must not be empty") }
    guard trimmed.count <= 2000 else { throw .invalid(field: field, message: "is longer than 2000 characters") }
    return trimmed
}
