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
            guard Self.isWellFormed(url) else {
                // The URL is not shown: it may carry a token.
                throw AirlockError(
                    .invalidConfig,
                    "events.webhooks[\(index)].url must be an http(s) URL with a valid host and port (the value is not shown)"
                )
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

    /// `http(s)://[userinfo@]host[:port][/path][?query]`: a host of letters, digits, `-` and `.` (or a bracketed IPv6
    /// address), a port of 1-65535, no control characters or spaces anywhere, and no percent-encoding, `;` or `\` in
    /// the authority (which a URL parser and the masked form could read differently).
    static func isWellFormed(_ url: String) -> Bool {
        guard url.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else { return false }
        let rest: Substring
        if url.hasPrefix("https://") { rest = url.dropFirst(8) } else if url.hasPrefix("http://") { rest = url.dropFirst(7) } else { return false }
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if authority.contains(where: { $0 == "%" || $0 == ";" || $0 == "\\" }) { return false }
        let hostPort = authority.split(separator: "@", omittingEmptySubsequences: false).last ?? ""
        var host = hostPort
        var port: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { return false }
            host = hostPort[hostPort.startIndex...close]
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return false }
                port = after.dropFirst()
            }
            guard host.dropFirst().dropLast().allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }), host.count > 2 else { return false }
        } else {
            if let colon = hostPort.firstIndex(of: ":") {
                host = hostPort[..<colon]
                port = hostPort[hostPort.index(after: colon)...]
            }
            guard !host.isEmpty, host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }) else { return false }
        }
        if let port {
            guard !port.isEmpty, port.count <= 5, port.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(port), (1...65535).contains(number)
            else { return false }
        }
        return true
    }
}
