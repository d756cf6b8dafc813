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
    /// Called after every committed batch with how many writes it held (the checkpointer's cue).
    private let didCommit: @Sendable (Int) -> Void

    init(writer: any DatabaseWriter, didCommit: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.writer = writer
        self.didCommit = didCommit
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
                Task { await self.drain() }
            }
        }
    }

    /// Commits batches until no write is waiting. Only one drainer runs at a time: the writes
    /// that arrive during a commit wait for it and go together into the next one.
    private func drain() async {
        while true {
            let batch: [any BatchedWrite] = lock.withLock {
                let batch = pending
                pending.removeAll(keepingCapacity: true)
                if batch.isEmpty { draining = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            do {
                try await writer.write { db in
                    for write in batch { write.perform(db) }
                }
                for write in batch { write.finish(commitError: nil) }
                didCommit(batch.count)
            } catch {
                // Nothing of the batch is on disk: every write in it fails with the cause.
                for write in batch { write.finish(commitError: error) }
            }
        }
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
    // @unchecked Sendable: `outcome` is written by `perform` inside `writer.write` and read by
    // `finish` after that call has returned on the drainer, which orders the two accesses;
    // nothing else touches it.
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
    /// About 1000 WAL pages at the few pages an audited write dirties.
    static let writesPerCheckpoint = 200

    init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.label = "fieldops.checkpointer"
        connection = try DatabaseQueue(path: path, configuration: configuration)
    }

    /// Counts committed writes and starts a checkpoint in the background when enough have
    /// accumulated and none is running.
    func didCommit(writes: Int) {
        let start = lock.withLock {
            writesSinceCheckpoint += writes
            guard !running, writesSinceCheckpoint >= Self.writesPerCheckpoint else { return false }
            running = true
            writesSinceCheckpoint = 0
            return true
        }
        guard start else { return }
        queue.async { [self] in
            // A failed passive checkpoint (busy) is retried after the next batch of writes.
            _ = try? connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
            lock.withLock { running = false }
        }
    }
}
