import Foundation
import GRDB

/// Corrections to registered records (a callsign mistyped, a member joining, a component
/// replaced, a road's lead time re-measured) and the check-out of a unit from a deployment.
/// Each edit is guarded by the record's `version` like the lifecycle moves.
extension FieldOpsDatabase {
    /// The data's revision: the highest audit id. Every write audits, so it changes with every
    /// committed write, including writes made by another process (the CLI) on the same file.
    public func revision() async throws -> Int64 {
        try await read { sql in try AlertsCache.revision(sql) }
    }

    /// Rewrites a unit's callsign, home base and members. Members are matched by name: one
    /// whose name stays keeps their row, names no longer listed are removed, new names added.
    public func updateUnit(id: Int64, _ input: NewUnit, expectedVersion: Int, by actor: String) async throws -> UnitDetail {
        let callsign = try requireText(input.callsign, field: "callsign")
        let homeBase = try requireText(input.homeBase, field: "home_base")
        let members = try input.members.enumerated().map { index, member in
            NewMember(name: try requireText(member.name, field: "members[\(index)].name"), qualifications: member.qualifications.compactMap(\.trimmedOrNil))
        }
        return try await write(by: actor) { tx in
            let current = try tx.require(FieldUnit.self, id: id, entity: "unit")
            try requireVersion(entity: "unit", id: id, expected: expectedVersion, current: current.version)
            if try tx.sql.integer("SELECT COUNT(*) AS value FROM unit WHERE callsign = ? AND id <> ?", [callsign, id]) ?? 0 > 0 {
                throw FieldOpsError.invalid(field: "callsign", message: "\(callsign) is already registered")
            }
            var updated = current
            updated.callsign = callsign
            updated.homeBase = homeBase
            updated.version += 1
            try tx.update(updated, from: current)
            var unmatched = Dictionary(grouping: try Self.members(tx.sql, unitId: id), by: \.name)
            for member in members {
                if let kept = unmatched[member.name]?.popLast() {
                    guard kept.qualifications != member.qualifications else { continue }
                    var changed = kept
                    changed.qualifications = member.qualifications
                    try tx.update(changed, from: kept)
                } else {
                    _ = try tx.insert(UnitMember(id: nil, unitId: id, name: member.name, qualifications: member.qualifications))
                }
            }
            for removed in unmatched.values.joined() { try tx.delete(removed) }
            return UnitDetail(unit: updated, members: try Self.members(tx.sql, unitId: id))
        }
    }

    /// Rewrites a deployment's kind, incident name, location, lead unit, video sources and map position,
    /// noting in its activity log which of them changed.
    public func updateDeployment(id: Int64, _ input: NewDeployment, expectedVersion: Int, by actor: String) async throws -> Deployment {
        let incident = try requireText(input.incidentName, field: "incident_name")
        let location = try requireText(input.location, field: "location")
        let sources = input.videoSources.compactMap(\.trimmedOrNil)
        try input.validateCoordinates()
        return try await write(by: actor) { tx in
            let current = try tx.require(Deployment.self, id: id, entity: "deployment")
            try requireVersion(entity: "deployment", id: id, expected: expectedVersion, current: current.version)
            guard try tx.sql.exists(FieldUnit.self, id: input.leadUnitId) else {
                throw FieldOpsError.invalid(field: "lead_unit_id", message: "unit \(input.leadUnitId) does not exist")
            }
            var updated = current
            updated.kind = input.kind
            updated.incidentName = incident
            updated.location = location
            updated.leadUnitId = input.leadUnitId
            updated.videoSources = sources
            updated.latitude = input.latitude
            updated.longitude = input.longitude
            let changed = [
                ("kind", current.kind != updated.kind), ("incident name", current.incidentName != incident),
                ("location", current.location != location), ("lead unit", current.leadUnitId != input.leadUnitId),
                ("video sources", current.videoSources != sources),
                ("map position", current.latitude != input.latitude || current.longitude != input.longitude),
            ].filter(\.1).map(\.0)
            guard !changed.isEmpty else { return current }
            updated.version += 1
            updated.updatedAt = tx.now
            try tx.update(updated, from: current)
            try tx.appendActivity(deploymentId: id, at: tx.now, text: "Details edited: \(changed.joined(separator: ", "))")
            return updated
        }
    }

    /// Checks a unit out of a deployment (ICS-211's check-out column); `at` defaults to now.
    public func checkOut(deploymentId: Int64, checkInId: Int64, at: Date?, by actor: String) async throws -> DeploymentCheckIn {
        try await write(by: actor) { tx in
            let checkIn = try tx.require(DeploymentCheckIn.self, id: checkInId, entity: "check_in")
            guard checkIn.deploymentId == deploymentId else { throw FieldOpsError.notFound(entity: "check_in", id: checkInId) }
            let unit = try tx.sql.record(FieldUnit.self, id: checkIn.unitId)
            let callsign = unit?.callsign ?? "unit \(checkIn.unitId)"
            guard checkIn.checkedOutAt == nil else {
                throw FieldOpsError.invalid(field: "check_in", message: "\(callsign) is already checked out")
            }
            let at = Date(unixSeconds: (at ?? tx.now).unixSeconds)
            guard at >= checkIn.checkedInAt else { throw FieldOpsError.invalid(field: "at", message: "must not be before the check-in") }
            guard at.unixSeconds <= tx.now.unixSeconds + 300 else { throw FieldOpsError.invalid(field: "at", message: "is in the future") }
            var updated = checkIn
            updated.checkedOutAt = at
            try tx.update(updated, from: checkIn, action: "check_out")
            try tx.appendActivity(deploymentId: deploymentId, at: at, text: "\(callsign) checked out")
            return updated
        }
    }

    /// Rewrites a kit's name, kind and components. Descriptions can change at any time; the set
    /// of serial numbers only while the kit is at base and counted (not reserved, out, returned
    /// or lost), since a return is counted against it.
    public func updateKit(id: Int64, _ input: NewKit, expectedVersion: Int, by actor: String) async throws -> KitDetail {
        let name = try requireText(input.name, field: "name")
        var components: [String: String] = [:]
        for (index, component) in input.components.enumerated() {
            let serial = try requireText(component.serial, field: "components[\(index)].serial")
            guard components.updateValue(component.description.trimmingCharacters(in: .whitespacesAndNewlines), forKey: serial) == nil else {
                throw FieldOpsError.invalid(field: "components[\(index)].serial", message: "\(serial) is listed twice")
            }
        }
        let wanted = components
        return try await write(by: actor) { tx in
            let current = try tx.require(Kit.self, id: id, entity: "kit")
            try requireVersion(entity: "kit", id: id, expected: expectedVersion, current: current.version)
            if try tx.sql.integer("SELECT COUNT(*) AS value FROM kit WHERE name = ? AND id <> ?", [name, id]) ?? 0 > 0 {
                throw FieldOpsError.invalid(field: "name", message: "kit \(name) is already registered")
            }
            let existing = try Self.components(tx.sql, kitId: id)
            if Set(existing.map(\.serial)) != Set(wanted.keys) {
                guard [.available, .unserviceable, .inService, .retired].contains(current.state) else {
                    throw FieldOpsError.invalid(field: "components", message: "components can be added or removed only while the kit is at base (available, unserviceable or in service); it is \(current.state.rawValue)")
                }
                if let taken = try Self.componentTaken(tx.sql, serials: Array(wanted.keys), otherThanKit: id) {
                    throw FieldOpsError.invalid(field: "components", message: "serial \(taken.serial) belongs to kit \(taken.kitId)")
                }
            }
            for component in existing {
                guard let description = wanted[component.serial] else {
                    try tx.delete(component)
                    continue
                }
                guard description != component.description else { continue }
                var changed = component
                changed.description = description
                try tx.update(changed, from: component)
            }
            let known = Set(existing.map(\.serial))
            for (serial, description) in wanted.sorted(by: { $0.key < $1.key }) where !known.contains(serial) {
                _ = try tx.insert(KitComponent(id: nil, kitId: id, serial: serial, description: description))
            }
            var updated = current
            updated.name = name
            updated.kind = input.kind
            updated.version += 1
            updated.updatedAt = tx.now
            try tx.update(updated, from: current)
            return try Self.kitDetail(tx.sql, id: id)
        }
    }

    /// Rewrites a station's name, place and seasonal notes (access modes change one at a time,
    /// `updateAccessMode`); `input.accessModes` is not read.
    public func updateStation(id: Int64, _ input: NewStation, expectedVersion: Int, by actor: String) async throws -> StationDetail {
        let name = try Self.validatedStationName(input)
        try await write(by: actor) { tx in
            let current = try tx.require(RelayStation.self, id: id, entity: "station")
            try requireVersion(entity: "station", id: id, expected: expectedVersion, current: current.version)
            if try tx.sql.integer("SELECT COUNT(*) AS value FROM relayStation WHERE name = ? AND id <> ?", [name, id]) ?? 0 > 0 {
                throw FieldOpsError.invalid(field: "name", message: "station \(name) is already registered")
            }
            var updated = current
            updated.name = name
            updated.latitude = input.latitude
            updated.longitude = input.longitude
            updated.elevationMetres = input.elevationMetres
            updated.seasonalNotes = input.seasonalNotes
            updated.version += 1
            try tx.update(updated, from: current)
        }
        return try await station(id: id)
    }

    /// Rewrites a generator's rating, tank and burn curve. The forecasts follow at once: they
    /// are computed from the generator as it is now.
    public func updateGenerator(id: Int64, _ input: NewGenerator, expectedVersion: Int, by actor: String) async throws -> GeneratorStatus {
        let name = try Self.validatedGeneratorName(input)
        try await write(by: actor) { tx in
            let current = try tx.require(Generator.self, id: id, entity: "generator")
            try requireVersion(entity: "generator", id: id, expected: expectedVersion, current: current.version)
            let highest = try tx.sql.integer("SELECT MAX(levelMillilitres) AS value FROM tankReading WHERE generatorId = ? AND at = (SELECT MAX(at) FROM tankReading WHERE generatorId = ?)", [id, id])
            if let highest, highest > input.tankCapacityMillilitres {
                throw FieldOpsError.invalid(field: "tank_litres", message: "is below the latest reading, \(UnitConversion.litres(fromMillilitres: highest)) L")
            }
            var updated = current
            updated.name = name
            updated.ratedWatts = input.ratedWatts
            updated.fuelType = input.fuelType
            updated.tankCapacityMillilitres = input.tankCapacityMillilitres
            updated.usableFractionPermille = input.usableFractionPermille
            updated.reserveMillilitres = input.reserveMillilitres
            updated.curve = input.curve.points
            updated.readingIntervalSeconds = input.readingIntervalSeconds
            updated.version += 1
            try tx.update(updated, from: current)
        }
        return try await generator(id: id)
    }
}
