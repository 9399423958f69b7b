public import AirlockCore
import Crypto
public import Logging
import Metrics
public import ServiceLifecycle
public import Transport

/// A configured webhook (`events.webhooks`).
public struct Webhook: Sendable, Hashable {
    public var url: String
    /// The HMAC key; never logged.
    public var secret: String
    /// `upload.processed`, `upload.quarantined`.
    public var types: Set<String>

    public init(url: String, secret: String, types: Set<String>) {
        self.url = url
        self.secret = secret
        self.types = types
    }

    /// What a delivery records of its webhook instead of the URL (which may carry a token): the masked URL and a
    /// fingerprint of the whole URL, e.g. `https://hooks.example.com/…#1f2e3d4c5b6a7980`.
    public var reference: String {
        let digest = SHA256.hash(data: Array("airlock webhook v1\u{0}".utf8) + Array(url.utf8))
        return RedactedURL.mask(url) + "#" + Hex.lowercase(digest).prefix(16)
    }
}

/// Event bodies and their signatures.
public enum EventSigning {
    /// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`.
    public static func signature(secret: String, timestamp: Int64, body: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(timestamp).\(body)".utf8), using: SymmetricKey(data: Array(secret.utf8)))
        return "t=\(timestamp),v1=\(Hex.lowercase(mac))"
    }

    /// The JSON body of an upload's event.
    public static func body(type: String, upload: Upload, verdict: Verdict, at: EpochMillis) -> String {
        JSONText.object([
            ("type", .string(type)),
            ("id", .string(upload.id.rawValue)),
            ("owner", .string(upload.owner)),
            ("profile", .string(upload.profile)),
            ("filename", .string(upload.safeName)),
            ("outcome", .string(verdict.outcome.rawValue)),
            ("reasons", .array(verdict.reasons.map { .object([("code", .string($0.code.rawValue)), ("detail", .string($0.detail))]) })),
            ("sha256", verdict.sha256.map(JSONText.string) ?? .null),
            ("size", .int(Int(verdict.size))),
            ("detectedType", verdict.detectedType.map(JSONText.string) ?? .null),
            ("at", .string(Timestamp.iso8601(at))),
        ]).rendered
    }

    /// The deliveries of one finished upload: one per webhook that subscribes to its type.
    static func deliveries(for upload: Upload, verdict: Verdict, processed: Bool, webhooks: [Webhook], now: EpochMillis) -> [EventDelivery] {
        let type = processed ? "upload.processed" : "upload.quarantined"
        let body = body(type: type, upload: upload, verdict: verdict, at: now)
        return webhooks.enumerated().compactMap { index, webhook in
            guard webhook.types.contains(type) else { return nil }
            return EventDelivery(
                id: "\(upload.id.rawValue)-\(type)-\(index)",
                uploadID: upload.id.rawValue,
                type: type,
                webhook: webhook.reference,
                body: body,
                nextAttemptAt: now,
                createdAt: now
            )
        }
    }
}

/// The audit chain's seal: SHA-256 of the previous hash and the entry's canonical text.
public enum AuditSeal {
    public static let sha256: @Sendable (String, AuditEntry) -> String = { previous, entry in
        Hex.lowercase(SHA256.hash(data: Array(entry.canonicalText(previousHash: previous).utf8)))
    }
}

/// Delivers queued events to their webhooks, signed, retried with exponential backoff; never blocks the pipeline
/// (the worker only queues them in the transaction that finishes an upload).
public final class EventSender: Service {
    let catalog: any EventOutbox
    let http: HTTPClient
    let webhooks: [String: Webhook]
    let senderID: String
    let clock: any WallClock
    let interval: Duration
    let retryBaseMillis: Int64
    let retryMaxMillis: Int64
    let logger: Logger

    public init(
        catalog: any EventOutbox,
        http: HTTPClient,
        webhooks: [Webhook],
        senderID: String,
        clock: any WallClock,
        interval: Duration = .seconds(1),
        retryBaseMillis: Int64 = 2_000,
        retryMaxMillis: Int64 = 3_600_000,
        logger: Logger
    ) {
        self.catalog = catalog
        self.http = http
        // By reference; and by URL for deliveries queued before references were recorded.
        var byReference: [String: Webhook] = [:]
        for webhook in webhooks {
            byReference[webhook.url] = webhook
            byReference[webhook.reference] = webhook
        }
        self.webhooks = byReference
        self.senderID = senderID
        self.clock = clock
        self.interval = interval
        self.retryBaseMillis = retryBaseMillis
        self.retryMaxMillis = retryMaxMillis
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let sent = await logger.bestEffort("sending due events", { try await sendDue() }) ?? 0
            if sent == 0 {
                let interval = self.interval
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            }
        }
    }

    /// Sends what is due now; returns how many deliveries were attempted.
    @discardableResult
    public func sendDue(limit: Int = 32) async throws -> Int {
        let due = try await catalog.claimEvents(worker: senderID, limit: limit, leaseMillis: 60_000, now: clock.now())
        await withDiscardingTaskGroup { group in
            for delivery in due { group.addTask { await self.send(delivery) } }
        }
        return due.count
    }

    func send(_ delivery: EventDelivery) async {
        guard let webhook = webhooks[delivery.webhook] else {
            // The webhook was removed from the configuration: nothing to send it to; keep it for the record.
            _ = await logger.bestEffort("parking an event for a removed webhook") {
                try await catalog.retryEvent(
                    id: delivery.id,
                    worker: senderID,
                    retryAt: clock.now() + retryMaxMillis,
                    error: "webhook no longer configured",
                    now: clock.now()
                )
            }
            return
        }
        let timestamp = clock.now() / 1000
        var failure: String?
        do {
            let response = try await http.execute(
                HTTPRequest(
                    method: "POST",
                    url: webhook.url,
                    headers: [
                        ("content-type", "application/json"),
                        ("airlock-signature", EventSigning.signature(secret: webhook.secret, timestamp: timestamp, body: delivery.body)),
                        ("airlock-event", delivery.type), ("airlock-delivery", delivery.id),
                    ],
                    body: .bytes(Array(delivery.body.utf8)),
                    response: .memory(limit: 64 << 10),
                    timeout: .seconds(15)
                )
            )
            if !response.isSuccess { failure = "HTTP \(response.status)" }
        } catch {
            // The transport's text may quote the URL, whose userinfo, path or query can hold the receiver's token.
            failure = RedactedURL.scrub("\(error)", hiding: webhook.url)
        }
        let now = clock.now()
        if let failure {
            let exponent = min(max(delivery.attempts - 1, 0), 20)
            let delay = min(retryMaxMillis, retryBaseMillis << Int64(exponent))
            Metrics.Counter(label: "airlock_event_delivery_failures_total", dimensions: [("type", delivery.type)]).increment()
            logger.warning(
                "event delivery failed; retrying",
                metadata: [
                    "delivery": "\(delivery.id)", "webhook": "\(RedactedURL.mask(webhook.url))", "attempt": "\(delivery.attempts)",
                    "error": "\(failure)",
                ]
            )
            _ = await logger.bestEffort("scheduling the event's retry") {
                try await catalog.retryEvent(id: delivery.id, worker: senderID, retryAt: now + delay, error: failure, now: now)
            }
        } else {
            Metrics.Counter(label: "airlock_events_delivered_total", dimensions: [("type", delivery.type)]).increment()
            // If this fails the delivery's lease runs out and it is sent again (receivers deduplicate by delivery id).
            _ = await logger.bestEffort("recording the delivery") { try await catalog.markDelivered(id: delivery.id, worker: senderID, now: now) }
        }
    }
}
