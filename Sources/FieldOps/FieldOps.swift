/// Field logistics for the mobile communication units (機動警察通信隊): unit deployments,
/// satellite kits, relay-station generators and their refuelling.
///
/// The library has three layers:
/// - pure value types and state machines (`DeploymentLifecycle`, `KitLifecycle`,
///   `RefuelRunLifecycle`, `BurnCurve`, `FuelForecast`), tested without I/O;
/// - GRDB records, one per table, and the migrations that create them;
/// - `FieldOpsDatabase`, whose every write runs in one transaction with its audit entry.
///
/// Quantities are integers: millilitres, watts, seconds, and per-mille for ratios.
/// Conversions to litres, kilowatts and hours happen only at the edges (HTTP, CLI).
public enum FieldOps {}
