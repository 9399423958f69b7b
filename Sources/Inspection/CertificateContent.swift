/// Certificates in an Office document's digital signature. LibreOffice checks a signer's certificate when it opens a
/// signed document, even when the signature does not verify, and fetches what the certificate names: its issuer's
/// certificate (authority information access), OCSP responders and revocation lists (attack round 21: a self-made
/// certificate made a converter request a URL of the attacker's choosing). A certificate a real authority issued names
/// that authority's public web addresses; admitted are URLs with http or https and a public host name. Any other
/// scheme (LDAP, file, UNC), an IP address, `localhost` or a name without a dot reaches into the reader's own network,
/// and a certificate Airlock cannot read is refused. Pure.
enum CertificateContent {
    /// The URIs a DER certificate names (every `uniformResourceIdentifier` general name, inside extension values
    /// too), or nil when it is no DER Airlock can read or goes past the walk's limits (32 levels, 100,000 elements).
    /// A URI found stays found: an OCTET STRING that does not read as DER to its end is not walked further, but what
    /// was found in it counts (attack round 22: a URI before an element nested past the limit).
    static func uris(inDER der: [UInt8]) -> [String]? {
        var found: [String] = []
        var elements = 0
        var pastLimits = false
        func walk(_ start: Int, _ end: Int, depth: Int) -> Bool {
            var index = start
            while index < end {
                elements += 1
                guard depth <= 32, elements <= 100_000 else {
                    pastLimits = true
                    return false
                }
                guard index + 2 <= end else { return false }
                let tag = der[index]
                var length = Int(der[index + 1])
                var offset = index + 2
                if length & 0x80 != 0 {
                    let count = length & 0x7F
                    guard count >= 1, count <= 4, offset + count <= end else { return false }
                    length = der[offset..<(offset + count)].reduce(0) { $0 << 8 | Int($1) }
                    offset += count
                }
                guard length <= end - offset else { return false }
                if tag == 0x86 {
                    found.append(String(decoding: der[offset..<(offset + length)], as: UTF8.self))
                } else if tag & 0x20 != 0 {
                    guard walk(offset, offset + length, depth: depth + 1) else { return false }
                } else if tag == 0x04 {
                    // An extension's value is DER inside an OCTET STRING: walked when it reads as DER.
                    _ = walk(offset, offset + length, depth: depth + 1)
                    if pastLimits { return false }
                }
                index = offset + length
            }
            return index == end
        }
        guard !der.isEmpty, der[0] == 0x30, walk(0, der.count, depth: 0), !pastLimits else { return nil }
        return found
    }

    /// Why a URL a certificate names is not admitted, or nil.
    static func urlProblem(_ url: String) -> String? {
        let lowered = url.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else { return "a URL that is not http or https" }
        let afterScheme = lowered.drop { $0 != "/" }.dropFirst(2)
        let authority = afterScheme.prefix { $0 != "/" && $0 != "?" && $0 != "#" && $0 != "\\" }
        let hostAndPort = authority.split(separator: "@", omittingEmptySubsequences: false).last ?? ""
        if hostAndPort.hasPrefix("[") { return "a URL to an IP address" }
        let host = hostAndPort.split(separator: ":", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") } })
        else {
            return "a URL whose host is not a public name"
        }
        // Dotted numbers in any base (`127.1`, `0x7f.0x1`): an IP address to inet_aton and browsers.
        if labels.last?.allSatisfy(\.isNumber) == true || labels.allSatisfy({ $0.hasPrefix("0x") || $0.allSatisfy(\.isNumber) }) {
            return "a URL to an IP address"
        }
        if ["localhost", "local", "internal", "localdomain", "lan", "home", "corp", "intranet", "arpa"].contains(String(labels.last ?? "")) {
            return "a URL to a local or private name"
        }
        return nil
    }

    /// Why a certificate (DER) is refused, or nil.
    static func problem(der: [UInt8]) -> String? {
        guard let uris = uris(inDER: der) else { return "a certificate Airlock cannot read" }
        for uri in uris {
            if let problem = urlProblem(uri) { return "a certificate naming \(problem) ('\(uri.prefix(80))'), which readers fetch to check it" }
        }
        return nil
    }
}
