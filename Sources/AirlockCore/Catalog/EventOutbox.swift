/// Webhook deliveries: queued with an upload's final state (``UploadCatalog/finish(id:worker:state:now:events:)``),
/// leased to a sender, retried and marked delivered.
public protocol EventOutbox: Sendable {
    /// Deliveries due at `now` or earlier, leased to `worker`, oldest first.
    func claimEvents(worker: String, limit: Int, leaseMillis: Int64, now: EpochMillis) async throws -> [EventDelivery]

    func markDelivered(id: String, worker: String, now: EpochMillis) async throws -> Bool

    func retryEvent(id: String, worker: String, retryAt: EpochMillis, error: String, now: EpochMillis) async throws -> Bool

    /// Deliveries of one upload (for the API and tests).
    func events(uploadID: String) async throws -> [EventDelivery]
}
