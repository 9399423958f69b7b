/// Where an S3-compatible store answers, and how bucket names map onto URLs.
///
/// Parsed by hand (no Foundation `URL`): `http` or `https`, a host (name, IPv4 or bracketed IPv6) and an optional
/// port; no user info, path, query or fragment.
public struct S3Endpoint: Sendable, Hashable {
    /// How a bucket appears in the URL.
    public enum Addressing: String, Sendable, Hashable, CaseIterable {
        /// `https://host/bucket/key`
        case path
        /// `https://bucket.host/key`, when the bucket name allows it (else path-style).
        case virtualHost = "virtual"
    }

    public let scheme: String
    /// The host as written, IPv6 in brackets.
    public let host: String
    /// The port as written, if any.
    public let port: Int?

    /// `host` or `host:port` when the port is not the scheme's default: what the `Host` header carries.
    public let authority: String

    /// `text` safe for an error message: without a query or fragment (which may carry a signature) and with any user
    /// info (which may carry a password) replaced by `***`.
    static func redacted(_ text: String) -> String {
        var kept = Substring(text)
        if let query = kept.firstIndex(where: { $0 == "?" || $0 == "#" }) { kept = kept[..<query] }
        guard let at = kept.lastIndex(of: "@") else { return String(kept) }
        let scheme = kept.firstIndex(of: "/").map { kept[..<$0] } ?? ""
        let prefix = scheme.hasSuffix(":") ? scheme + "//" : ""
        return prefix + "***" + kept[at...]
    }

    /// Parses an endpoint URL such as `http://127.0.0.1:7480` or `https://s3.eu-west-1.amazonaws.com`.
    public init(url text: String) throws(SigV4Error) {
        func fail(_ why: String) -> SigV4Error {
            SigV4Error(.invalidEndpoint, "endpoint '\(Self.redacted(text))' is not usable: \(why)")
        }
        let lowered = text.lowercased()
        let rest: Substring
        if lowered.hasPrefix("https://") {
            scheme = "https"
            rest = text.dropFirst(8)
        } else if lowered.hasPrefix("http://") {
            scheme = "http"
            rest = text.dropFirst(7)
        } else {
            throw fail("it must start with http:// or https://")
        }
        var hostPort = rest
        if hostPort.hasSuffix("/") { hostPort = hostPort.dropLast() }
        guard !hostPort.contains(where: { "/?#@ \t\r\n\\".contains($0) }) else {
            throw fail("it must be scheme://host[:port] with no user info, path, query or fragment")
        }
        var parsedHost: Substring
        var portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw fail("unclosed IPv6 bracket") }
            parsedHost = hostPort[...close]
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw fail("unexpected text after the IPv6 address") }
                portText = after.dropFirst()
            }
        } else if let colon = hostPort.firstIndex(of: ":") {
            parsedHost = hostPort[..<colon]
            portText = hostPort[hostPort.index(after: colon)...]
        } else {
            parsedHost = hostPort
        }
        guard !parsedHost.isEmpty else { throw fail("the host is empty") }
        if !parsedHost.hasPrefix("[") {
            guard
                parsedHost.utf8.allSatisfy({ byte in
                    ByteEncoding.isUnreserved(byte) && byte != UInt8(ascii: "~") && byte != UInt8(ascii: "_")
                })
            else {
                throw fail("the host may only hold letters, digits, '-' and '.'")
            }
        }
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else { throw fail("the port must be 1-65535") }
            port = value
        } else {
            port = nil
        }
        host = parsedHost.lowercased()
        let defaultPort = scheme == "https" ? 443 : 80
        if let port, port != defaultPort {
            authority = "\(host):\(port)"
        } else {
            authority = host
        }
    }

    /// Whether the host is an IP literal (virtual-host addressing cannot work there).
    public var hostIsIPAddress: Bool {
        host.hasPrefix("[") || S3BucketName.looksLikeIPv4(host)
    }

    /// The addressing actually used for `bucket`: virtual-host only for DNS-compatible names, never on an IP
    /// literal, and never for names with dots over https (the wildcard certificate would not match).
    public func effectiveAddressing(for bucket: String, requested: Addressing) -> Addressing {
        guard requested == .virtualHost else { return .path }
        if hostIsIPAddress { return .path }
        if !S3BucketName.isDNSCompatible(bucket) { return .path }
        if scheme == "https" && bucket.contains(".") { return .path }
        return .virtualHost
    }
}

/// S3 bucket-name rules.
public enum S3BucketName {
    /// Checks the general naming rules: 3-63 characters of `a-z 0-9 . -`, starting and ending with a letter or
    /// digit, no `..`, not an IPv4 address.
    public static func validate(_ name: String) throws(SigV4Error) {
        func fail(_ why: String) -> SigV4Error {
            SigV4Error(.invalidBucketName, "invalid bucket name '\(name)': \(why)")
        }
        let utf8 = name.utf8
        guard (3...63).contains(utf8.count) else { throw fail("it must be 3 to 63 characters long") }
        var previous: UInt8 = 0
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"):
                break
            case UInt8(ascii: "."):
                if previous == UInt8(ascii: ".") { throw fail("it must not contain '..'") }
            default:
                throw fail("only lowercase letters, digits, '.' and '-' are allowed")
            }
            previous = byte
        }
        guard isAlphanumeric(utf8.first!), isAlphanumeric(utf8.last!) else {
            throw fail("it must start and end with a letter or digit")
        }
        if looksLikeIPv4(name) { throw fail("it must not look like an IP address") }
    }

    /// Whether `name` can be a DNS label sequence (virtual-host addressing): valid and no `.-` or `-.`.
    public static func isDNSCompatible(_ name: String) -> Bool {
        (try? validate(name)) != nil && !name.contains(".-") && !name.contains("-.")
    }

    /// Four dot-separated decimal numbers of at most three digits.
    static func looksLikeIPv4(_ text: String) -> Bool {
        var dots = 0
        var digits = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") {
                guard digits > 0 else { return false }
                dots += 1
                digits = 0
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                digits += 1
                if digits > 3 { return false }
            } else {
                return false
            }
        }
        return dots == 3 && digits > 0
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }
}
