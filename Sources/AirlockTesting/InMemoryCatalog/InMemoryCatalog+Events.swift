public import AirlockCore

// The event outbox (``EventOutbox``).
extension InMemoryCatalog {
    /// Queues deliveries as `finish` does: all or none (ids are unique).
    func enqueue(_ events: [EventDelivery]) throws {
        var ids = Set(deliveries.keys)
        for event in events where !ids.insert(event.id).inserted { throw CatalogError(.conflict, "event \(event.id) exists") }
        for event in events {
            var queued = event
            queued.attempts = 0
            queued.deliveredAt = nil
            queued.lastError = nil
            deliveries[event.id] = Delivery(event: queued)
        }
    }

    public func claimEvents(worker: String, limit: Int, leaseMillis: Int64, now: EpochMillis) async throws -> [EventDelivery] {
        let due = deliveries.values.filter {
            $0.event.deliveredAt == nil && $0.event.nextAttemptAt <= now && ($0.leaseExpiresAt == nil || Self.expired($0.leaseExpiresAt, before: now))
        }
        let chosen = due.map(\.event).sorted { ($0.nextAttemptAt, $0.id) < ($1.nextAttemptAt, $1.id) }.prefix(max(limit, 0))
        return chosen.compactMap { event in
            deliveries[event.id]?.leaseOwner = worker
            deliveries[event.id]?.leaseExpiresAt = now + leaseMillis
            deliveries[event.id]?.event.attempts += 1
            return deliveries[event.id]?.event
        }
    }

    public func markDelivered(id: String, worker: String, now: EpochMillis) async throws -> Bool {
        guard var delivery = deliveries[id], delivery.leaseOwner == worker, delivery.event.deliveredAt == nil else { return false }
        delivery.event.deliveredAt = now
        delivery.event.lastError = nil
        delivery.leaseOwner = nil
        delivery.leaseExpiresAt = nil
        deliveries[id] = delivery
        return true
    }

    public func retryEvent(id: String, worker: String, retryAt: EpochMillis, error: String, now: EpochMillis) async throws -> Bool {
        guard var delivery = deliveries[id], delivery.leaseOwner == worker, delivery.event.deliveredAt == nil else { return false }
        delivery.event.nextAttemptAt = retryAt
        delivery.event.lastError = String(error.prefix(500))
        delivery.leaseOwner = nil
        delivery.leaseExpiresAt = nil
        deliveries[id] = delivery
        return true
    }

    public func events(uploadID: String) async throws -> [EventDelivery] {
        deliveries.values.map(\.event).filter { $0.uploadID == uploadID }.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }
}
