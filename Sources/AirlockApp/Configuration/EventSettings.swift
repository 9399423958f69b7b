public import Configuration

/// The `events` section: webhooks, each with its HMAC secret and the event types it receives.
public struct EventSettings: Sendable {
    public struct Hook: Sendable, Equatable {
        public var url: String
        public var secret: String
        public var types: [String]
    }

    public static let eventTypes = ["upload.processed", "upload.quarantined"]
    public var webhooks: [Hook]

    /// - Configuration keys: `webhooks[i].url`, `webhooks[i].secret` (secret; `_FILE` works), `webhooks[i].types`
    ///   (default both types).
    public init(reader: ConfigReader) throws(AirlockError) {
        var hooks: [Hook] = []
        var index = 0
        while let url = reader.string(forKey: ConfigKey("webhooks.\(index).url")) {
            guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
                throw AirlockError(.invalidConfig, "events.webhooks[\(index)].url must be an http(s) URL")
            }
            guard let secret = reader.string(forKey: ConfigKey("webhooks.\(index).secret"), isSecret: true), secret.utf8.count >= 16 else {
                throw AirlockError(.invalidConfig, "events.webhooks[\(index)].secret is required (at least 16 bytes)")
            }
            var types = reader.list("webhooks.\(index).types")
            if types.isEmpty { types = Self.eventTypes }
            if let unknown = types.first(where: { !Self.eventTypes.contains($0) }) {
                throw AirlockError(.invalidConfig, "events.webhooks[\(index)].types: unknown event type '\(unknown)'")
            }
            hooks.append(Hook(url: url, secret: secret, types: types))
            index += 1
        }
        webhooks = hooks
    }
}
