import Foundation
import GRDB
import Logging
import NIOCore
import PostgresNIO

/// One PostgreSQL connection inside a transaction: the PostgreSQL side of `FieldOpsSQL`.
///
/// Called on a store thread (never an event loop), it waits for each statement's answer.
/// Parameters are sent as text of unspecified type, so the server reads each as the type its
/// place in the statement calls for (a `timestamptz` column, a `LIMIT`, a `boolean`), exactly
/// as it reads a literal; rows come back as GRDB values (dates in GRDB's UTC text form,
/// booleans as 0 or 1), so the records decode as they do from SQLite.
struct PostgresSession: FieldOpsSQL {
    let connection: PostgresConnection
    let logger: Logger

    func rows(_ sql: String, _ arguments: [DatabaseValue]) throws -> [Row] {
        try Self.rows(of: send(sql, arguments).wait())
    }

    /// Queues every statement on the connection before waiting for the first answer: the
    /// connection's event loop sends each one as the previous completes, so the store thread
    /// is woken once for the batch instead of once per statement. All answers are awaited
    /// (the connection is idle again afterwards) and the first error is thrown.
    func rows(batch statements: [SQLStatement]) throws -> [[Row]] {
        let pending = try statements.map { try send($0.sql, $0.arguments) }
        var results: [Result<[Row], any Error>] = []
        for future in pending {
            results.append(Result { try Self.rows(of: future.wait()) })
        }
        return try results.map { try $0.get() }
    }

    @discardableResult
    func execute(_ sql: String, _ arguments: [DatabaseValue]) throws -> Int {
        try send(sql, arguments).wait().metadata.rows ?? 0
    }

    /// Queues a statement on the connection without waiting for its answer.
    func send(_ sql: String, _ arguments: [DatabaseValue]) throws -> EventLoopFuture<PostgresQueryResult> {
        connection.query(try Self.query(sql, arguments), logger: logger)
    }

    static func rows(of result: PostgresQueryResult) throws -> [Row] {
        try result.rows.map { row in
            // Typed as `Row.init` takes it, so no copy of the dictionary is made per row. The
            // row's column order is the dictionary's, not the statement's: FieldOps reads
            // columns by name only.
            var columns: [String: (any DatabaseValueConvertible)?] = [:]
            for cell in row where columns[cell.columnName] == nil {
                columns[cell.columnName] = try value(of: cell)
            }
            return Row(columns)
        }
    }

    /// The statement with its `?` placeholders numbered `$1`, `$2`... and its arguments bound.
    /// FieldOps SQL has no `?` inside string literals, so every `?` is a placeholder.
    static func query(_ sql: String, _ arguments: [DatabaseValue]) throws -> PostgresQuery {
        var numbered = ""
        numbered.reserveCapacity(sql.utf8.count + 8)
        var index = 0
        for character in sql {
            if character == "?" {
                index += 1
                numbered += "$\(index)"
            } else {
                numbered.append(character)
            }
        }
        guard index == arguments.count else {
            throw DatabaseError(message: "statement has \(index) placeholders but \(arguments.count) arguments: \(sql)")
        }
        var bindings = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch argument.storage {
            case .null: bindings.appendNull()
            case .int64(let number): bindings.append(UntypedText(text: String(number)))
            case .double(let number): bindings.append(UntypedText(text: "\(number)"))
            case .string(let text): bindings.append(UntypedText(text: text))
            case .blob: throw DatabaseError(message: "FieldOps binds no blobs")
            }
        }
        return PostgresQuery(unsafeSQL: numbered, binds: bindings)
    }

    /// A cell as the GRDB value SQLite would have given for the same column.
    static func value(of cell: PostgresCell) throws -> DatabaseValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return try cell.decode(Int64.self).databaseValue
        case .bool: return try cell.decode(Bool.self).databaseValue
        case .float4, .float8: return try cell.decode(Double.self).databaseValue
        case .timestamptz, .timestamp:
            if let microseconds = binaryTimestamp(cell) {
                return storageText(unixMilliseconds: (microseconds + postgresEpochMicroseconds).dividedRoundingDown(by: 1000)).databaseValue
            }
            return storageText(try cell.decode(Date.self)).databaseValue
        default: return try cell.decode(String.self).databaseValue
        }
    }
}

extension PostgresSession {
    /// Microseconds from 1970 to PostgreSQL's epoch, 2000-01-01 UTC.
    static let postgresEpochMicroseconds: Int64 = 946_684_800 * 1_000_000

    /// A finite timestamp in PostgreSQL's binary form (microseconds since 2000), read straight
    /// from the cell; nil for text or the infinities.
    static func binaryTimestamp(_ cell: PostgresCell) -> Int64? {
        guard cell.format == .binary, let bytes = cell.bytes, bytes.readableBytes == 8,
              let microseconds = bytes.getInteger(at: bytes.readerIndex, as: Int64.self),
              microseconds != .max, microseconds != .min else { return nil }
        return microseconds
    }

    /// The text GRDB stores a date as ("yyyy-MM-dd HH:mm:ss.SSS", UTC, milliseconds truncated),
    /// written by hand: GRDB's `Date.databaseValue` goes through one shared `DateFormatter`
    /// behind a lock, and a forecast's 200 readings made the store threads queue on it (a third
    /// of relayd's time in the closed-loop forecast benchmark, by `perf`).
    static func storageText(_ date: Date) -> String {
        let interval = date.timeIntervalSince1970
        let whole = interval.rounded(.down)
        let millis = min(999, max(0, Int64(((interval - whole) * 1000).rounded(.down))))
        return storageText(unixMilliseconds: Int64(whole) * 1000 + millis)
    }

    /// The same text from milliseconds since 1970, by integer arithmetic into one buffer (the
    /// calendar date by Howard Hinnant's days-to-civil algorithm): a forecast turns 200
    /// readings' times into text, and going through `Date`, `gmtime_r` and string padding
    /// cost a twentieth of relayd's time.
    static func storageText(unixMilliseconds: Int64) -> String {
        let seconds = unixMilliseconds.dividedRoundingDown(by: 1000)
        let millis = unixMilliseconds - seconds * 1000
        let days = seconds.dividedRoundingDown(by: 86_400)
        let secondOfDay = seconds - days * 86_400
        let shifted = days + 719_468
        let era = shifted.dividedRoundingDown(by: 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let fields: [(value: Int64, width: Int, separator: UInt8?)] = [
            (year, 4, UInt8(ascii: "-")), (month, 2, UInt8(ascii: "-")), (day, 2, UInt8(ascii: " ")),
            (secondOfDay / 3600, 2, UInt8(ascii: ":")), (secondOfDay / 60 % 60, 2, UInt8(ascii: ":")),
            (secondOfDay % 60, 2, UInt8(ascii: ".")), (millis, 3, nil),
        ]
        return String(unsafeUninitializedCapacity: 23) { buffer in
            var index = 0
            for field in fields {
                var value = field.value
                for position in stride(from: index + field.width - 1, through: index, by: -1) {
                    buffer[position] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
                index += field.width
                if let separator = field.separator {
                    buffer[index] = separator
                    index += 1
                }
            }
            return index
        }
    }
}

/// A parameter sent as text with no type (OID 0): the server infers it from the statement.
struct UntypedText: PostgresDynamicTypeEncodable {
    let text: String

    var psqlType: PostgresDataType { .null }
    var psqlFormat: PostgresFormat { .text }

    func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeString(text)
    }
}
