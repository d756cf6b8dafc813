import Foundation
import GRDB

/// Group commit: the writes that arrive while a commit is syncing to disk share the next
/// transaction and its one fsync.
///
/// With `synchronous = FULL` every commit waits for the WAL to reach the disk (2–6 ms on this
/// machine's virtual disk, more under load). One fsync per write caps the writer at a few
/// hundred writes a second and queues everything behind it; sharing the fsync keeps the
/// latency of a write near one fsync at any rate the disk can absorb.
///
/// Each write still runs whole or not at all: it runs in its own savepoint inside the shared
/// transaction, so a write that throws rolls back only its own rows and audit entries, and
/// later writes of the batch see exactly what they would have seen run one after another. No
/// write is answered before the transaction holding it has committed.
final class GroupCommit: @unchecked Sendable {
    // @unchecked Sendable: `pending` and `draining` are only touched under `lock`.
    private let writer: any DatabaseWriter
    private let lock = NSLock()
    private var pending: [any BatchedWrite] = []
    private var draining = false
    /// Told of every committed batch; nil for databases without a WAL file of their own.
    private let checkpointer: WALCheckpointer?

    init(writer: any DatabaseWriter, checkpointer: WALCheckpointer?) {
        self.writer = writer
        self.checkpointer = checkpointer
    }

    /// Runs `body` in the next batch's transaction and answers once that transaction has
    /// committed (or failed).
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let startDrainer = lock.withLock {
                pending.append(PendingWrite(body: body, continuation: continuation))
                if draining { return false }
                draining = true
                return true
            }
            if startDrainer {
                writer.asyncWriteWithoutTransaction { db in self.drain(db) }
            }
        }
    }

    /// Commits batches until no write is waiting, on the writer's own queue (no hop between
    /// batches). Only one drainer runs at a time: the writes that arrive during a commit wait
    /// for it and go together into the next one.
    private func drain(_ db: Database) {
        while true {
            let batch: [any BatchedWrite] = lock.withLock {
                let batch = pending
                pending.removeAll(keepingCapacity: true)
                if batch.isEmpty { draining = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            do {
                try db.inTransaction {
                    for write in batch { write.perform(db) }
                    return .commit
                }
                for write in batch { write.finish(commitError: nil) }
                checkpointIfDue(db, writes: batch.count)
            } catch {
                // Nothing of the batch is on disk: every write in it fails with the cause.
                for write in batch { write.finish(commitError: error) }
            }
        }
    }
}

extension GroupCommit {
    /// Lets the background checkpointer know of `writes` more writes, and finishes its work
    /// when it asks: a passive checkpoint on another connection rarely catches up with a WAL
    /// that keeps growing, and SQLite only rewinds the WAL to its start once every frame is
    /// in the database file. Copying the last few frames from the writer between two batches
    /// lets the next commit rewind it, so the WAL stays a few megabytes under constant load.
    private func checkpointIfDue(_ db: Database, writes: Int) {
        guard let checkpointer, checkpointer.didCommit(writes: writes) else { return }
        // Busy (the background checkpoint is still copying) means next time.
        _ = try? db.checkpoint(.passive)
    }
}

/// One write waiting for its batch.
private protocol BatchedWrite: AnyObject, Sendable {
    /// Runs the write in its own savepoint of the batch's transaction.
    func perform(_ db: Database)
    /// Answers the caller once the batch's commit has succeeded (nil) or failed.
    func finish(commitError: (any Error)?)
}

private final class PendingWrite<T: Sendable>: BatchedWrite, @unchecked Sendable {
    // @unchecked Sendable: `outcome` is written by `perform` and read by `finish`, both called
    // one after the other by the drainer on the writer's serial queue; nothing else touches it.
    private let body: @Sendable (Database) throws -> T
    private let continuation: CheckedContinuation<T, any Error>
    private var outcome: Result<T, any Error>?

    init(body: @escaping @Sendable (Database) throws -> T, continuation: CheckedContinuation<T, any Error>) {
        self.body = body
        self.continuation = continuation
    }

    func perform(_ db: Database) {
        var value: T?
        do {
            try db.inSavepoint {
                value = try body(db)
                return .commit
            }
            if let value { outcome = .success(value) }
        } catch {
            outcome = .failure(error)
        }
    }

    func finish(commitError: (any Error)?) {
        switch (outcome, commitError) {
        case (.failure(let error), _): continuation.resume(throwing: error)
        case (_, let error?): continuation.resume(throwing: error)
        case (.success(let value), nil): continuation.resume(returning: value)
        case (nil, nil): continuation.resume(throwing: DatabaseError(message: "write was not run"))
        }
    }
}

/// Runs WAL checkpoints on a connection and a thread of its own.
///
///
/// SQLite's automatic checkpoint runs inside the commit that crosses 1000 WAL pages: that
/// writer (and every write queued behind it) waits while the pages are copied into the
/// database file and both files are synced. The pool's writer therefore has auto-checkpoint
/// off, and this checkpointer runs `PRAGMA wal_checkpoint(PASSIVE)` after every
/// `writesPerCheckpoint` committed writes; a passive checkpoint never takes the write lock,
/// so writers commit while it copies.
final class WALCheckpointer: @unchecked Sendable {
    // @unchecked Sendable: `writesSinceCheckpoint` and `running` are only touched under `lock`;
    // `connection` is a GRDB DatabaseQueue, itself Sendable.
    private let connection: DatabaseQueue
    private let queue = DispatchQueue(label: "fieldops.wal-checkpoint")
    private let lock = NSLock()
    private var writesSinceCheckpoint = 0
    private var running = false
    /// Set when a background checkpoint has copied a WAL long enough to be worth rewinding.
    private var tailDue = false
    /// About 1000 WAL pages at the few pages an audited write dirties.
    static let writesPerCheckpoint = 200
    /// WAL frames (pages) above which the writer copies the remaining frames itself.
    static let rewindFrames = 2000

    init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.label = "fieldops.checkpointer"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA cache_size = -\(FieldOpsDatabase.pageCacheKiB)")
        }
        connection = try DatabaseQueue(path: path, configuration: configuration)
    }

    /// Counts committed writes and starts a checkpoint in the background when enough have
    /// accumulated and none is running. Answers true when the writer should copy the WAL's
    /// last frames itself (see `GroupCommit.checkpointIfDue`).
    func didCommit(writes: Int) -> Bool {
        let (start, finishTail) = lock.withLock {
            writesSinceCheckpoint += writes
            let finishTail = tailDue && !running
            if finishTail { tailDue = false }
            guard !running, writesSinceCheckpoint >= Self.writesPerCheckpoint else { return (false, finishTail) }
            running = true
            writesSinceCheckpoint = 0
            return (true, finishTail)
        }
        if start {
            queue.async { [self] in
                // A failed passive checkpoint (busy) is retried after the next batch of writes.
                let frames = try? connection.writeWithoutTransaction { db in try db.checkpoint(.passive).walFrameCount }
                lock.withLock {
                    running = false
                    if let frames, frames >= Self.rewindFrames { tailDue = true }
                }
            }
        }
        return finishTail
    }
}
