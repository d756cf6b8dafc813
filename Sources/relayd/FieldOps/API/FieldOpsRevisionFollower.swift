import FieldOps
import Logging
import ServiceLifecycle

/// Publishes the revisions other relayd commit to a shared FieldOps store (PostgreSQL's
/// LISTEN/NOTIFY), so every relayd's event stream, pages and control-room alerts follow
/// writes made anywhere within a second. For the SQLite file there is nothing to follow
/// (the CLI's writes are seen by `FieldOpsFileWatcher`), and the service only waits for
/// shutdown.
struct FieldOpsRevisionFollower: Service {
    let store: any FieldOpsStore
    let revisions: Broadcast<Int64>
    let logger: Logger

    func run() async throws {
        let (store, revisions) = (store, revisions)
        if store.backend == .sqlite {
            try? await gracefulShutdown()
        } else {
            // Returns only when cancelled: a lost connection is retried inside.
            await cancelWhenGracefulShutdown {
                try? await store.followRevisions { revision in
                    revisions.update { $0 = max($0, revision) }
                }
            }
        }
        await store.shutdown()
    }
}
