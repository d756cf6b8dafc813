import GRDB

/// The schema, one registered migration per shipped change.
///
/// Never edit a migration that has shipped: databases in the field have already run it and
/// will not run it again. Add a new one (`v2-...`) instead.
enum FieldOpsMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-initial-schema", migrate: createInitialSchema)
        migrator.registerMigration("v2-deployment-coordinates", migrate: addDeploymentCoordinates)
        return migrator
    }

    private static func createInitialSchema(_ db: Database) throws {
        try db.create(table: "unit") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("callsign", .text).notNull().unique()
            t.column("homeBase", .text).notNull()
            t.column("version", .integer).notNull()
        }
        try db.create(table: "unitMember") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("unit", onDelete: .cascade).notNull()
            t.column("name", .text).notNull()
            t.column("qualifications", .jsonText).notNull()
        }
        try db.create(table: "deployment") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("kind", .text).notNull()
            t.column("incidentName", .text).notNull()
            t.column("location", .text).notNull()
            t.belongsTo("leadUnit", inTable: "unit").notNull()
            t.column("videoSources", .jsonText).notNull()
            t.column("state", .text).notNull().indexed()
            t.column("version", .integer).notNull()
            t.column("createdAt", .datetime).notNull()
            t.column("updatedAt", .datetime).notNull()
        }
        try db.create(table: "deploymentCheckIn") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("deployment", onDelete: .cascade).notNull()
            t.belongsTo("unit").notNull()
            t.column("checkedInAt", .datetime).notNull()
            t.column("checkedOutAt", .datetime)
            t.column("assignment", .text).notNull()
        }
        try db.create(table: "activityEntry") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("deployment", onDelete: .cascade).notNull()
            t.column("at", .datetime).notNull()
            t.column("author", .text).notNull()
            t.column("text", .text).notNull()
        }
        try db.create(table: "kit") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("name", .text).notNull().unique()
            t.column("kind", .text).notNull()
            t.column("state", .text).notNull().indexed()
            t.belongsTo("deployment")
            t.column("missingComponents", .jsonText).notNull()
            t.column("version", .integer).notNull()
            t.column("updatedAt", .datetime).notNull()
        }
        try db.create(table: "kitComponent") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("kit", onDelete: .cascade).notNull()
            t.column("serial", .text).notNull().unique()
            t.column("description", .text).notNull()
        }
        try db.create(table: "kitLoan") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("kit", onDelete: .cascade).notNull()
            t.belongsTo("deployment", onDelete: .cascade).notNull()
            t.column("checkedOutAt", .datetime).notNull()
            t.column("checkedOutBy", .text).notNull()
            t.column("returnedAt", .datetime)
            t.column("missingOnReturn", .jsonText).notNull()
        }
        try db.create(table: "kitCareRecord") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("kit", onDelete: .cascade).notNull()
            t.column("at", .datetime).notNull()
            t.column("author", .text).notNull()
            t.column("kind", .text).notNull()
            t.column("notes", .text).notNull()
        }
        try db.create(table: "relayStation") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("name", .text).notNull().unique()
            t.column("latitude", .double).notNull()
            t.column("longitude", .double).notNull()
            t.column("elevationMetres", .integer).notNull()
            t.column("seasonalNotes", .text).notNull()
            t.column("version", .integer).notNull()
        }
        try db.create(table: "stationAccessMode") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("station", inTable: "relayStation", onDelete: .cascade).notNull()
            t.column("mode", .text).notNull()
            t.column("leadSeconds", .integer).notNull()
            t.column("available", .boolean).notNull()
            t.column("note", .text).notNull()
            t.uniqueKey(["stationId", "mode"])
        }
        try db.create(table: "generator") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("station", inTable: "relayStation", onDelete: .cascade).notNull()
            t.column("name", .text).notNull()
            t.column("ratedWatts", .integer).notNull()
            t.column("fuelType", .text).notNull()
            t.column("tankCapacityMillilitres", .integer).notNull()
            t.column("usableFractionPermille", .integer).notNull()
            t.column("reserveMillilitres", .integer).notNull()
            t.column("curve", .jsonText).notNull()
            t.column("readingIntervalSeconds", .integer).notNull()
            t.column("version", .integer).notNull()
        }
        try db.create(table: "tankReading") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("generator", onDelete: .cascade).notNull()
            t.column("at", .datetime).notNull()
            t.column("levelMillilitres", .integer).notNull()
            t.column("loadPermille", .integer).notNull()
            t.column("source", .text).notNull()
            t.column("author", .text).notNull()
        }
        // The latest reading per generator is the hottest query (every forecast).
        try db.create(index: "tankReading_generator_at", on: "tankReading", columns: ["generatorId", "at"])
        try db.create(table: "generatorPeriod") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("generator", onDelete: .cascade).notNull()
            t.column("kind", .text).notNull()
            t.column("startedAt", .datetime).notNull()
            t.column("endedAt", .datetime)
            t.column("note", .text).notNull()
        }
        try db.create(table: "refuelRun") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("station", inTable: "relayStation", onDelete: .cascade).notNull()
            t.belongsTo("generator", onDelete: .cascade).notNull()
            t.column("state", .text).notNull().indexed()
            t.column("plannedMillilitres", .integer).notNull()
            t.column("accessMode", .text)
            t.column("departsAt", .datetime)
            t.column("deliveredMillilitres", .integer)
            t.column("deliveredAt", .datetime)
            t.column("abortReason", .text)
            t.column("abortCount", .integer).notNull()
            t.column("note", .text).notNull()
            t.column("version", .integer).notNull()
            t.column("createdAt", .datetime).notNull()
            t.column("updatedAt", .datetime).notNull()
        }
        try db.create(table: "auditEntry") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("at", .datetime).notNull()
            t.column("actor", .text).notNull()
            t.column("entity", .text).notNull()
            t.column("entityId", .integer).notNull()
            t.column("action", .text).notNull()
            t.column("changes", .jsonText).notNull()
        }
        try db.create(index: "auditEntry_entity", on: "auditEntry", columns: ["entity", "entityId"])
    }

    /// Where a deployment is on the map, optional: a deployment logged before (or without) a
    /// position keeps only its free-text location.
    private static func addDeploymentCoordinates(_ db: Database) throws {
        try db.alter(table: "deployment") { t in
            t.add(column: "latitude", .double)
            t.add(column: "longitude", .double)
        }
    }
}
